# protocol/: frames and messages.  Decode -> checked request structs, encode
# responses; no I/O.  jansson and common/ only (scripts/check-includes).
PROTO_SRC := protocol/wire.c protocol/request.c protocol/response.c protocol/client.c \
	protocol/scope.c protocol/result.c protocol/params.c
LIBRARIES += $(LIB_PROTO)
LINT_SRC += $(PROTO_SRC)

$(LIB_PROTO): $(PROTO_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

# Frames and methods, the request envelope, every params field, encoders and
# the error table; their shared helpers are tests/tools/protofix.c.
PROTO_TESTS := $(addprefix $(BUILD)/tests/unit/,test_protocol test_protocol_envelope \
	test_protocol_field test_protocol_encode)
TESTS += $(PROTO_TESTS)
$(PROTO_TESTS): %: %.o $(BUILD)/tests/tools/protofix.o $(BUILD)/tests/tools/testutil.o $(PROTO_LIBS)
	$(call link,$@,$^,$(PROTO_LDLIBS) $(LIBS_CMOCKA))

# The typed result and params codecs, and the method table against
# PROTOCOL.md (read from the source tree at test time).
TESTS += $(BUILD)/tests/unit/test_protocol_result
$(BUILD)/tests/unit/test_protocol_result: $(BUILD)/tests/unit/test_protocol_result.o $(PROTO_LIBS)
	$(call link,$@,$^,$(PROTO_LDLIBS) $(LIBS_CMOCKA))
