# common/: libc only.
COMMON_SRC := common/err.c common/log.c common/secret.c common/buf.c common/keytype.c common/utf8.c \
	common/hex.c common/clock.c common/pinsrc.c common/pgpwords.c
LIBRARIES += $(LIB_COMMON)
LINT_SRC += $(COMMON_SRC)

$(LIB_COMMON): $(COMMON_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

# test_common_buf: buf; test_common: err, log, secret, utf8, hex.
COMMON_TESTS := $(BUILD)/tests/unit/test_common $(BUILD)/tests/unit/test_common_buf
TESTS += $(COMMON_TESTS)
$(COMMON_TESTS): %: %.o $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_CMOCKA))

# PIN files and pinentry for tuf-agent and tufctl (fake
# pinentry scripts written into the test's temporary directory).
TESTS += $(BUILD)/tests/unit/test_pinsrc
$(BUILD)/tests/unit/test_pinsrc: $(BUILD)/tests/unit/test_pinsrc.o $(BUILD)/tests/tools/pinfix.o \
    $(BUILD)/tests/tools/testutil.o $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_CMOCKA))

# test_pgpwords: the PGP word list, against published vectors and a digest
# of IANA's DNSSEC ceremony copy (SHA-256 from libcrypto).
TESTS += $(BUILD)/tests/unit/test_pgpwords
$(BUILD)/tests/unit/test_pgpwords: $(BUILD)/tests/unit/test_pgpwords.o $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_SSL) $(LIBS_CMOCKA))
