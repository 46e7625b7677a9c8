# pkcs11/: the token layer.  p11-kit for modules and URIs, OpenSSL for keys.
PKCS11_SRC := pkcs11/module.c pkcs11/token.c pkcs11/key.c pkcs11/sign.c pkcs11/cert.c \
	pkcs11/uri.c pkcs11/attest.c pkcs11/piv.c
LIBRARIES += $(LIB_PKCS11)
LINT_SRC += $(PKCS11_SRC)

$(LIB_PKCS11): $(PKCS11_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

# The token layer against a SoftHSM2 test bed (tests/tools/testbed.c), its
# faults through tests/tools/fault-pkcs11.c, and the token-layer demo program.
TESTS += $(BUILD)/tests/unit/test_pkcs11
TEST_EXTRA += $(FAULT_MODULE)
DEMO := $(BUILD)/tests/tools/demo_p11
DEMO_DEPS += $(DEMO)

$(BUILD)/tests/unit/test_pkcs11: $(BUILD)/tests/unit/test_pkcs11.o $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) $(LIBS_CMOCKA) -ldl)

# Loaded by p11-kit inside the tests: built without sanitizers, so that it
# never needs a sanitizer runtime the host process may lack.
$(FAULT_MODULE): tests/tools/fault-pkcs11.c tests/tools/fault-ctl.c tests/tools/fault-pkcs11.h \
    $(FLAGS_STAMP)
	$(call quiet,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c17 -D_GNU_SOURCE -O2 -g $(WARN) -I. $(CFLAGS_P11) -fPIC -shared \
		$(if $(filter 1,$(WERROR)),-Werror) -o $@ $(filter %.c,$^) -ldl -lpthread

$(DEMO): $(BUILD)/tests/tools/demo_p11.o $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS))

TESTS += $(BUILD)/tests/unit/test_pkcs11_fault
$(BUILD)/tests/unit/test_pkcs11_fault: $(BUILD)/tests/unit/test_pkcs11_fault.o $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) $(LIBS_CMOCKA) -ldl)
