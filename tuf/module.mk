# tuf/: hardened JSON parsing and canonical JSON (both flavours); later key
# objects, signatures and the metadata model.  jansson, OpenSSL, common/.
TUF_SRC := tuf/profile.c tuf/bins.c tuf/updater.c tuf/json.c tuf/canon.c tuf/meta.c \
	tuf/encoding.c tuf/key.c tuf/sig.c tuf/x509pem.c tuf/x509.c tuf/verify.c tuf/sign.c tuf/stream.c \
	tuf/stream_lex.c tuf/signplan.c tuf/meta_edit.c tuf/cerhead.c
LIBRARIES += $(LIB_TUF)
LINT_SRC += $(TUF_SRC)


$(LIB_TUF): $(TUF_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

# canonical-interop.sh compares canon-tool with securesystemslib.
CANON_TOOL := $(BUILD)/tests/tools/canon-tool
TESTS += $(BUILD)/tests/unit/test_tuf_json tests/integration/canonical-interop.sh
TEST_EXTRA += $(CANON_TOOL)

$(BUILD)/tests/unit/test_tuf_json: $(BUILD)/tests/unit/test_tuf_json.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

$(CANON_TOOL): $(BUILD)/tests/tools/canon-tool.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

TESTS += $(BUILD)/tests/unit/test_tuf_meta
$(BUILD)/tests/unit/test_tuf_meta: $(BUILD)/tests/unit/test_tuf_meta.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# meta-tool rewrites metadata files: byte-exactness against real notary.
META_TOOL := $(BUILD)/tests/tools/meta-tool
TEST_EXTRA += $(META_TOOL) $(TUFCTL)
$(META_TOOL): $(BUILD)/tests/tools/meta-tool.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
TESTS += tests/integration/notary-interop.sh

# Keys, signatures and root certificates (tuf/key.c, sig.c, x509.c), on
# in-memory keys behind a struct ta_signer (tests/tools/memsigner.c);
# sslib-interop.sh checks the tuf side against securesystemslib with
# sig-tool.
MEMSIGNER := $(BUILD)/tests/tools/memsigner.o
SIG_TOOL := $(BUILD)/tests/tools/sig-tool
TESTS += $(BUILD)/tests/unit/test_tuf_key $(BUILD)/tests/unit/test_tuf_sig $(BUILD)/tests/unit/test_tuf_x509 \
	tests/integration/sslib-interop.sh
TEST_EXTRA += $(SIG_TOOL)

# Keys and signatures share tests/tools/keyfix.c (a signer of every type).
KEY_TESTS := $(BUILD)/tests/unit/test_tuf_key $(BUILD)/tests/unit/test_tuf_sig
$(KEY_TESTS): %: %.o $(BUILD)/tests/tools/keyfix.o $(MEMSIGNER) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

$(BUILD)/tests/unit/test_tuf_x509: $(BUILD)/tests/unit/test_tuf_x509.o $(MEMSIGNER) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

$(SIG_TOOL): $(BUILD)/tests/tools/sig-tool.o $(MEMSIGNER) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# repo-tool builds and signs a notary repository with tuf/ alone;
# notary-publish.sh POSTs it to the real server and lists it with the real
# client.
REPO_TOOL := $(BUILD)/tests/tools/repo-tool
TEST_EXTRA += $(REPO_TOOL)
TESTS += tests/integration/notary-publish.sh
$(REPO_TOOL): $(BUILD)/tests/tools/repo-tool.o $(MEMSIGNER) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# tuf/stream.c: streaming canonical JSON, held to the tree path
# (ta_json_parse + ta_canon_write) by a differential test on tables and on
# generated documents (tests/tools/streamfix.c).
STREAM_TESTS := $(BUILD)/tests/unit/test_tuf_stream $(BUILD)/tests/unit/test_tuf_stream_random
TESTS += $(STREAM_TESTS)
$(STREAM_TESTS): %: %.o $(BUILD)/tests/tools/streamfix.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))
# test_tuf_stream_api: the arguments and error reports, the fuzz corpora,
# and the callers' paths (ta_meta_write_from, ta_meta_sign_bytes).
TESTS += $(BUILD)/tests/unit/test_tuf_stream_api
$(BUILD)/tests/unit/test_tuf_stream_api: $(BUILD)/tests/unit/test_tuf_stream_api.o $(MEMSIGNER) \
		$(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# tuf/signplan.c: what a sign request signs, as which keys (roots,
# rotations, delegations and their paths), from the metadata alone.
TESTS += $(BUILD)/tests/unit/test_tuf_signplan
$(BUILD)/tests/unit/test_tuf_signplan: $(BUILD)/tests/unit/test_tuf_signplan.o $(MEMSIGNER) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# tuf/bins.c (TAP 15 hash bins) and tuf/updater.c (the TUF 1.0 client
# workflow) over in-memory repositories (tests/tools/tufrepo.c);
# tuf-verify.sh runs tufctl repo verify over one written by tuf-repo-tool.
TUFREPO := $(BUILD)/tests/tools/tufrepo.o $(MEMSIGNER)
TUF_REPO_TOOL := $(BUILD)/tests/tools/tuf-repo-tool
TESTS += $(BUILD)/tests/unit/test_tuf_bins $(BUILD)/tests/unit/test_tuf_updater \
	tests/integration/tuf-verify.sh
TEST_EXTRA += $(TUF_REPO_TOOL) $(TUFCTL)
$(BUILD)/tests/unit/test_tuf_bins: $(BUILD)/tests/unit/test_tuf_bins.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))
$(BUILD)/tests/unit/test_tuf_updater: $(BUILD)/tests/unit/test_tuf_updater.o $(TUFREPO) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))
$(TUF_REPO_TOOL): $(BUILD)/tests/tools/tuf-repo-tool.o $(TUFREPO) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# tuf/cerhead.c: the ceremony head the agent signs (PROTOCOL.md §5.9).
TESTS += $(BUILD)/tests/unit/test_tuf_cerhead
$(BUILD)/tests/unit/test_tuf_cerhead: $(BUILD)/tests/unit/test_tuf_cerhead.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))
