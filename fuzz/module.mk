# fuzz/: libFuzzer targets, one per parser, and their seed corpora.
#  - make fuzz (FUZZING=1, clang, BUILD=build-fuzz) links <name>_fuzz with
#    -fsanitize=fuzzer; everything in that build also gets
#    -fsanitize=fuzzer-no-link so that the library code is instrumented.
#  - make check builds <name>_replay (fuzz/main.c + the target, any
#    compiler) and fuzz/replay.sh replays fuzz/corpus/<name>/ through it.
# A new target adds its _replay to TEST_EXTRA, its _fuzz to FUZZ_TARGETS and
# a corpus directory; replay.sh finds it by name.
FUZZ_MAIN := $(BUILD)/fuzz/main.o
LINT_SRC += fuzz/main.c fuzz/json_fuzz.c
TESTS += fuzz/replay.sh
TEST_EXTRA += $(BUILD)/fuzz/json_replay
FUZZ_TARGETS += $(BUILD)/fuzz/json_fuzz

ifeq ($(FUZZING),1)
ALL_CFLAGS += -fsanitize=fuzzer-no-link
endif

$(BUILD)/fuzz/json_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/json_fuzz.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

ifeq ($(FUZZING),1)
$(BUILD)/fuzz/json_fuzz: $(BUILD)/fuzz/json_fuzz.o $(TUF_LIBS)
	$(call link,$@,-fsanitize=fuzzer $^,$(TUF_LDLIBS))
else
$(BUILD)/fuzz/%_fuzz:
	@echo "$@: fuzz targets are built by 'make fuzz' (clang, libFuzzer)" >&2; exit 1
endif

# meta: the metadata model (parse, write, verify) on whole files.
LINT_SRC += fuzz/meta_fuzz.c
TEST_EXTRA += $(BUILD)/fuzz/meta_replay
FUZZ_TARGETS += $(BUILD)/fuzz/meta_fuzz
$(BUILD)/fuzz/meta_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/meta_fuzz.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
ifeq ($(FUZZING),1)
$(BUILD)/fuzz/meta_fuzz: $(BUILD)/fuzz/meta_fuzz.o $(TUF_LIBS)
	$(call link,$@,-fsanitize=fuzzer $^,$(TUF_LDLIBS))
endif

# stream: ta_canon_stream() held to the tree path (tuf/stream.h).
LINT_SRC += fuzz/stream_fuzz.c
TEST_EXTRA += $(BUILD)/fuzz/stream_replay
FUZZ_TARGETS += $(BUILD)/fuzz/stream_fuzz

$(BUILD)/fuzz/stream_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/stream_fuzz.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

ifeq ($(FUZZING),1)
$(BUILD)/fuzz/stream_fuzz: $(BUILD)/fuzz/stream_fuzz.o $(TUF_LIBS)
	$(call link,$@,-fsanitize=fuzzer $^,$(TUF_LDLIBS))
endif

# frame: protocol/ frames, requests and responses (agent and client side).
# protocol/module.mk is read after this file: name the libraries directly.
LINT_SRC += fuzz/frame_fuzz.c
TEST_EXTRA += $(BUILD)/fuzz/frame_replay
FUZZ_TARGETS += $(BUILD)/fuzz/frame_fuzz
$(BUILD)/fuzz/frame_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/frame_fuzz.o $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_JANSSON))
ifeq ($(FUZZING),1)
$(BUILD)/fuzz/frame_fuzz: $(BUILD)/fuzz/frame_fuzz.o $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,-fsanitize=fuzzer $^,$(LIBS_JANSSON))
endif

# auth: client/notary_auth.c's pure parsers (Bearer challenges and realms,
# token answers, docker's config.json), picked by the first input byte.
LINT_SRC += fuzz/auth_fuzz.c
TEST_EXTRA += $(BUILD)/fuzz/auth_replay
FUZZ_TARGETS += $(BUILD)/fuzz/auth_fuzz
$(BUILD)/fuzz/auth_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/auth_fuzz.o $(BUILD)/client/notary_auth.o \
    $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
ifeq ($(FUZZING),1)
$(BUILD)/fuzz/auth_fuzz: $(BUILD)/fuzz/auth_fuzz.o $(BUILD)/client/notary_auth.o $(TUF_LIBS)
	$(call link,$@,-fsanitize=fuzzer $^,$(TUF_LDLIBS))
endif
