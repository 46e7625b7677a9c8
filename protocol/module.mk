# protocol/: frames and messages.  Decode -> checked request structs, encode
# responses; no I/O.  jansson and common/ only (scripts/check-includes).
PROTO_SRC := protocol/wire.c protocol/request.c protocol/response.c protocol/client.c \
	protocol/scope.c protocol/result.c protocol/params.c
LIBRARIES += $(LIB_PROTO)
LINT_SRC += $(PROTO_SRC)

$(LIB_PROTO): $(PROTO_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

TESTS += $(BUILD)/tests/unit/test_protocol
$(BUILD)/tests/unit/test_protocol: $(BUILD)/tests/unit/test_protocol.o $(PROTO_LIBS)
	$(call link,$@,$^,$(PROTO_LDLIBS) $(LIBS_CMOCKA))

# The typed result and params codecs, and the method table against
# PROTOCOL.md (read from the source tree at test time).
TESTS += $(BUILD)/tests/unit/test_protocol_result
$(BUILD)/tests/unit/test_protocol_result: $(BUILD)/tests/unit/test_protocol_result.o $(PROTO_LIBS)
	$(call link,$@,$^,$(PROTO_LDLIBS) $(LIBS_CMOCKA))
