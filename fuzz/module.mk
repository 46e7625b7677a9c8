# fuzz/: libFuzzer targets, one per parser, and their seed corpora.
#  - make fuzz (FUZZING=1, clang, BUILD=build-fuzz) links <name>_fuzz with
#    -fsanitize=fuzzer; everything in that build also gets
#    -fsanitize=fuzzer-no-link so that the library code is instrumented.
#  - make check builds <name>_replay (fuzz/main.c + the target, any
#    compiler) and fuzz/replay.sh replays fuzz/corpus/<name>/ through it.
# A new target adds its _replay to TEST_EXTRA, its _fuzz to FUZZ_TARGETS and
# a corpus directory; replay.sh finds it by name.
FUZZ_MAIN := $(BUILD)/fuzz/main.o
LINT_SRC += fuzz/main.c
TESTS += fuzz/replay.sh

ifeq ($(FUZZING),1)
ALL_CFLAGS += -fsanitize=fuzzer-no-link
else
$(BUILD)/fuzz/%_fuzz:
	@echo "$@: fuzz targets are built by 'make fuzz' (clang, libFuzzer)" >&2; exit 1
endif

# $(call fuzz_target,NAME,OBJECTS AND LIBRARIES,LDLIBS): NAME_replay for
# make check, NAME_fuzz for make fuzz, from fuzz/NAME_fuzz.c.
define fuzz_target
LINT_SRC += fuzz/$(1)_fuzz.c
TEST_EXTRA += $(BUILD)/fuzz/$(1)_replay
FUZZ_TARGETS += $(BUILD)/fuzz/$(1)_fuzz
$(BUILD)/fuzz/$(1)_replay: $(FUZZ_MAIN) $(BUILD)/fuzz/$(1)_fuzz.o $(2)
	$$(call link,$$@,$$^,$(3))
ifeq ($(FUZZING),1)
$(BUILD)/fuzz/$(1)_fuzz: $(BUILD)/fuzz/$(1)_fuzz.o $(2)
	$$(call link,$$@,-fsanitize=fuzzer $$^,$(3))
endif
endef

# json: the hardened JSON parser and canonical JSON (tuf/json.h, canon.h).
$(eval $(call fuzz_target,json,$(TUF_LIBS),$(TUF_LDLIBS)))
# meta: the metadata model (parse, write, verify) on whole files.
$(eval $(call fuzz_target,meta,$(TUF_LIBS),$(TUF_LDLIBS)))
# stream: ta_canon_stream() held to the tree path (tuf/stream.h).
$(eval $(call fuzz_target,stream,$(TUF_LIBS),$(TUF_LDLIBS)))
# updater: the TUF client workflow (tuf/updater.h) and hash-bin names.
$(eval $(call fuzz_target,updater,$(TUF_LIBS),$(TUF_LDLIBS)))
# frame: protocol/ frames, requests and responses (agent and client side).
# protocol/module.mk is read after this file: name the libraries directly.
$(eval $(call fuzz_target,frame,$(LIB_PROTO) $(LIB_COMMON),$(LIBS_JANSSON)))
# auth: client/notary_auth.c's pure parsers (Bearer challenges and realms,
# token answers, docker's config.json), picked by the first input byte.
$(eval $(call fuzz_target,auth,$(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS),$(TUF_LDLIBS)))
# list: tufctl notary add --from-list's lines (client/notary_list.c).
$(eval $(call fuzz_target,list,$(BUILD)/client/notary_list.o $(BUILD)/client/notary_base.o $(TUF_LIBS),$(TUF_LDLIBS)))
# scope: the agent's key scopes file (agent/scope.c); agent/ and protocol/
# are read after this file: name the libraries directly.
$(eval $(call fuzz_target,scope,$(BUILD)/libagent.a $(LIB_PROTO) $(LIB_COMMON),$(LIBS_JANSSON) -lpthread))
# transcript: the ceremony transcript reader (client/transcript.c) on whole
# files; client/files.o and notary_base.o for what tc_open() needs.
$(eval $(call fuzz_target,transcript,$(BUILD)/client/transcript.o $(BUILD)/client/files.o $(BUILD)/client/notary_base.o $(TUF_LIBS),$(TUF_LDLIBS)))
# cerhead: the ceremony head the agent signs (tuf/cerhead.h).
$(eval $(call fuzz_target,cerhead,$(TUF_LIBS),$(TUF_LDLIBS)))
# attest: YubiKey PIV attestations (client/attest.c, att_check): the
# attestation's PEM, a NUL, its signer's; seeds from test_attest --seeds.
$(eval $(call fuzz_target,attest,$(BUILD)/client/attest.o $(TUF_LIBS),$(TUF_LDLIBS)))
