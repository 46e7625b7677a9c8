# tuf/: hardened JSON parsing and canonical JSON (both flavours); later key
# objects, signatures and the metadata model.  jansson, OpenSSL, common/.
TUF_SRC := tuf/profile.c tuf/json.c tuf/canon.c tuf/meta.c
LIBRARIES += $(LIB_TUF)
LINT_SRC += $(TUF_SRC)


$(LIB_TUF): $(TUF_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

# canonical-interop.sh compares canon-tool with securesystemslib.
CANON_TOOL := $(BUILD)/tests/canon-tool
TESTS += $(BUILD)/tests/test_tuf_json tests/canonical-interop.sh
TEST_EXTRA += $(CANON_TOOL)

$(BUILD)/tests/test_tuf_json: $(BUILD)/tests/test_tuf_json.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

$(CANON_TOOL): $(BUILD)/tests/canon-tool.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

TESTS += $(BUILD)/tests/test_tuf_meta
$(BUILD)/tests/test_tuf_meta: $(BUILD)/tests/test_tuf_meta.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# meta-tool rewrites metadata files: byte-exactness against real notary.
META_TOOL := $(BUILD)/tests/meta-tool
TEST_EXTRA += $(META_TOOL) $(TUFCTL)
$(META_TOOL): $(BUILD)/tests/meta-tool.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
TESTS += tests/notary-interop.sh
