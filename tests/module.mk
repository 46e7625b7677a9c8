# tests/: cmocka unit tests (one per module), the SoftHSM2 test bed, the
# fault-injecting PKCS#11 module, and the token-layer demo program.
TESTS += $(BUILD)/tests/test_common $(BUILD)/tests/test_pkcs11
TEST_EXTRA += $(FAULT_MODULE)
DEMO := $(BUILD)/tests/demo_p11
DEMO_DEPS += $(DEMO)

$(BUILD)/tests/test_common: $(BUILD)/tests/test_common.o $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_CMOCKA))

$(BUILD)/tests/test_pkcs11: $(BUILD)/tests/test_pkcs11.o $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) $(LIBS_CMOCKA) -ldl)

# Loaded by p11-kit inside the tests: built without sanitizers, so that it
# never needs a sanitizer runtime the host process may lack.
$(FAULT_MODULE): tests/fault-pkcs11.c $(FLAGS_STAMP)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c17 -D_GNU_SOURCE -O2 -g $(WARN) $(CFLAGS_P11) -fPIC -shared \
		$(if $(filter 1,$(WERROR)),-Werror) -o $@ $< -ldl -lpthread

$(DEMO): $(BUILD)/tests/demo_p11.o $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS))

TESTS += $(BUILD)/tests/test_pkcs11_fault
$(BUILD)/tests/test_pkcs11_fault: $(BUILD)/tests/test_pkcs11_fault.o $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) $(LIBS_CMOCKA) -ldl)

# http-tool drives client/notary_http.c and client/http.c (tufctl's notary HTTP client);
# notary-http.sh runs it against a real notary-server: token auth through
# tests/notary/token-issuer.py, TLS, faults through tests/notary/fault-proxy.py.
HTTP_TOOL := $(BUILD)/tests/http-tool
TEST_EXTRA += $(HTTP_TOOL)
TESTS += tests/notary-http.sh
$(HTTP_TOOL): $(BUILD)/tests/http-tool.o $(BUILD)/client/notary_http.o $(BUILD)/client/http.o \
    $(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CURL))

# test_notary_auth: client/notary_auth.c (registry token auth, split out of
# notary_http.c) without libcurl or a server: Bearer challenges, realms,
# token answers, docker's config.json, credentials and header lines.
TESTS += $(BUILD)/tests/test_notary_auth
$(BUILD)/tests/test_notary_auth: $(BUILD)/tests/test_notary_auth.o $(BUILD)/client/notary_auth.o \
    $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# test_notary_repo: tn_check_fresh, the version and expiry rules of
# tufctl's update walk, without a server.
TESTS += $(BUILD)/tests/test_notary_repo
$(BUILD)/tests/test_notary_repo: $(BUILD)/tests/test_notary_repo.o $(BUILD)/client/notary_walk.o \
    $(BUILD)/client/notary_store.o $(BUILD)/client/files.o \
    $(BUILD)/client/notary_http.o $(BUILD)/client/http.o $(BUILD)/client/notary_auth.o \
    $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CURL) $(LIBS_CMOCKA))

# dct-rollback.sh: rollback, fork and freeze attacks on tufctl's update
# walk from tests/notary/replay-server.py on the trusted
# server's host:port: histories it recorded from the real notary-server,
# and forge-tool's, whose timestamp key is its own.  (memsigner.o by its
# path: tuf/module.mk, which names it, is read after this file.)
FORGE_TOOL := $(BUILD)/tests/forge-tool
TEST_EXTRA += $(FORGE_TOOL)
TESTS += tests/dct-rollback.sh
$(FORGE_TOOL): $(BUILD)/tests/forge-tool.o $(BUILD)/tests/memsigner.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# Include direction (DESIGN.md) and agent/, client/ and tuf/ without an include circle.
TESTS += tests/includes.sh

# test_notary_publish: client/notary_publish.c, the publish engine, without
# a server or an agent: staged changes applied to a repository built with
# tuf/, signed by tests/memsigner.c keys behind a recording struct tn_signer.
TESTS += $(BUILD)/tests/test_notary_publish
$(BUILD)/tests/test_notary_publish: $(BUILD)/tests/test_notary_publish.o \
    $(BUILD)/tests/memsigner.o $(BUILD)/client/notary_publish.o $(BUILD)/client/notary_walk.o \
    $(BUILD)/client/notary_store.o $(BUILD)/client/files.o $(BUILD)/client/notary_http.o \
    $(BUILD)/client/http.o $(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CURL) $(LIBS_CMOCKA))

# common/pinsrc.c: PIN files and pinentry for tuf-agent and tufctl (fake
# pinentry scripts written into the test's temporary directory).
TESTS += $(BUILD)/tests/test_pinsrc
$(BUILD)/tests/test_pinsrc: $(BUILD)/tests/test_pinsrc.o $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_CMOCKA))
