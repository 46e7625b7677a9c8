# bench/: make bench only, never make check.
# benchlib.o: timed runs over N threads, the plain C_Sign loop; benchio.o:
# the clock, I/O and processes (bench_flood has it alone: no PKCS#11);
# benchproc.o: the peers' processes, started, waited for and stopped.
BENCH_IO := $(BUILD)/bench/benchio.o
BENCH_PROC := $(BUILD)/bench/benchproc.o
BENCH_LIB := $(BUILD)/bench/benchlib.o $(BENCH_IO)
LINT_SRC += bench/benchlib.c bench/benchio.c bench/benchproc.c bench/bench_pool.c bench/bench_agent.c bench/bench_selfcheck.c

BENCHES += $(BUILD)/bench/bench_pool
$(BUILD)/bench/bench_pool: $(BUILD)/bench/bench_pool.o $(BENCH_LIB) $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) -ldl -lm)

BENCHES += $(BUILD)/bench/bench_canon
$(BUILD)/bench/bench_canon: $(BUILD)/bench/bench_canon.o $(BUILD)/tests/tools/memsigner.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# The agent against raw C_Sign, ssh-agent and p11-kit's server.
# It runs $(BUILD)/tuf-agent, so that is built with it; p11-kit-client.so is
# looked for in p11-kit's module directory first.
BENCHES += $(BUILD)/bench/bench_agent
$(BUILD)/bench/bench_agent.o: ALL_CFLAGS += \
	-DBL_P11_MODULE_DIR='"$(shell $(PKG_CONFIG) --variable=p11_module_path p11-kit-1 2>/dev/null)"'
$(BUILD)/bench/bench_agent: $(BUILD)/bench/bench_agent.o $(BUILD)/bench/bench_selfcheck.o $(BENCH_PROC) $(BENCH_LIB) $(TEST_HELPERS) $(LIB_PKCS11) \
		$(PROTO_LIBS) | $(TUF_AGENT)
	$(call link,$@,$^,$(PROTO_LDLIBS) $(LIBS_P11) $(LIBS_SSL) -ldl -lpthread)

# bench/publish.sh: a GUN published with 1, 100 and 10,000 tags by tufctl
# (keys in the agent on SoftHSM2) and by the real notary client, one table.
# make bench runs $(BUILD)/bench/publish, a wrapper that hands
# the script this build's tufctl and tuf-agent.
BENCHES += $(BUILD)/bench/publish
$(BUILD)/bench/publish: bench/publish.sh $(BUILD)/tufctl $(BUILD)/tuf-agent
	$(call quiet,GEN,$@)
	@mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nBUILD=%s exec %s "$$@"\n' '$(abspath $(BUILD))' \
		'$(abspath bench/publish.sh)' >$@ && chmod +x $@

# A status-only uid and a signing uid flooding the agent with big frames:
# peak RSS against max-buffer, root's status latency meanwhile, and the
# size of a 100,000-tag targets frame.
LINT_SRC += bench/bench_flood.c
BENCHES += $(BUILD)/bench/bench_flood
$(BUILD)/bench/bench_flood: $(BUILD)/bench/bench_flood.o $(BENCH_PROC) $(BENCH_IO) | $(TUF_AGENT)
	$(call link,$@,$^,$(LIBS_JANSSON) -lpthread)

# bench/repo_scale.sh: a TUF 1.0 repository of 1,000,000 targets in 16,384
# succinct bins (PEP 458's shape) made and published by tufctl repo with
# keys on SoftHSM2, then one target added and published; bench_repo_canon
# times parse + canonicalise + SHA-256 over its metadata against SHA-256
# alone, and bench/sslib_canon.py securesystemslib's canonicalisation.
LINT_SRC += bench/bench_repo_canon.c
BENCHES += $(BUILD)/bench/repo_scale
$(BUILD)/bench/bench_repo_canon: $(BUILD)/bench/bench_repo_canon.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
$(BUILD)/bench/repo_scale: bench/repo_scale.sh $(BUILD)/tufctl $(BUILD)/tuf-agent \
    $(BUILD)/bench/bench_repo_canon
	$(call quiet,GEN,$@)
	@mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nBUILD=%s exec %s "$$@"\n' '$(abspath $(BUILD))' \
		'$(abspath bench/repo_scale.sh)' >$@ && chmod +x $@

# bench/notary_batch.sh (issue #15): 10,000 tags staged with one tufctl
# notary add --from-list and published, against the real notary client's
# addhash per tag and publish (measured on 1,000 tags, the 10,000-tag time
# extrapolated and marked so); both times, the ratio, and the 3 s goal.
BENCHES += $(BUILD)/bench/notary_batch
$(BUILD)/bench/notary_batch: bench/notary_batch.sh $(BUILD)/tufctl $(BUILD)/tuf-agent
	$(call quiet,GEN,$@)
	@mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nBUILD=%s exec %s "$$@"\n' '$(abspath $(BUILD))' \
		'$(abspath bench/notary_batch.sh)' >$@ && chmod +x $@
