# agent/: tuf-agent.  pkcs11/, tuf/, protocol/, common/; libuv, libinih,
# libsystemd.  The parts without the loop (config, policy, key scopes, PIN
# sources, audit, the memory budget) form libagent.a so that unit tests
# link them alone.
LIBS_UV := $(shell $(PKG_CONFIG) --libs libuv 2>/dev/null)
LIBS_INIH := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
LIBS_SYSTEMD := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)
LIB_AGENT := $(BUILD)/libagent.a
AGENT_CORE_SRC := agent/config.c agent/confparse.c agent/policy.c agent/pin.c agent/audit.c agent/scope.c agent/budget.c
AGENT_MAIN_SRC := agent/main.c agent/server.c agent/conn_in.c agent/handlers.c agent/tokens.c \
	agent/signjob.c agent/keys.c agent/keycache.c agent/rules.c agent/job.c agent/sockpath.c \
	agent/pincache.c agent/signwait.c agent/pivgen.c
AGENT_LIBS := $(LIB_AGENT) $(LIB_PKCS11) $(LIB_TUF) $(LIB_PROTO) $(LIB_COMMON)
AGENT_LDLIBS = $(LIBS_UV) $(LIBS_INIH) $(LIBS_SYSTEMD) $(LIBS_P11) $(LIBS_JANSSON) \
	$(LIBS_SSL) -lpthread
LINT_SRC += $(AGENT_CORE_SRC) $(AGENT_MAIN_SRC)

LIBRARIES += $(LIB_AGENT)
$(LIB_AGENT): $(AGENT_CORE_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)

TUF_AGENT := $(BUILD)/tuf-agent
PROGRAMS += $(TUF_AGENT)
$(TUF_AGENT): $(AGENT_MAIN_SRC:%.c=$(BUILD)/%.o) $(AGENT_LIBS)
	$(call link,$@,$^,$(AGENT_LDLIBS))

# ---- tests -------------------------------------------------------------------
# Unit tests link only the objects they use out of libagent.a.
AGENT_TEST_LIBS := $(LIB_AGENT) $(LIB_PROTO) $(LIB_COMMON)

# Configuration, policy and key scopes (config.c, policy.c, scope.c).
# Configuration files (valid ones, refusals) share tests/tools/configfix.c.
CONFIG_TESTS := $(BUILD)/tests/unit/test_agent_config $(BUILD)/tests/unit/test_agent_config_refuse
TESTS += $(CONFIG_TESTS) $(BUILD)/tests/unit/test_agent_policy
$(CONFIG_TESTS): %: %.o $(BUILD)/tests/tools/configfix.o $(BUILD)/tests/tools/testutil.o \
    $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_INIH) $(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)
$(BUILD)/tests/unit/test_agent_policy: $(BUILD)/tests/unit/test_agent_policy.o \
    $(BUILD)/tests/tools/configfix.o $(BUILD)/tests/tools/testutil.o $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_INIH) $(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)

# PIN sources: the agent's policy over common/pinsrc.c (file: absolute and
# private, env:, pinentry's title and GPG_TTY, none, unlock); the readers'
# own rules are tests/unit/test_pinsrc.c's.
TESTS += $(BUILD)/tests/unit/test_agent_pin
$(BUILD)/tests/unit/test_agent_pin: $(BUILD)/tests/unit/test_agent_pin.o $(BUILD)/tests/tools/pinfix.o \
    $(BUILD)/tests/tools/testutil.o $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)

# The PIN cache for keys that want a PIN per signature (pincache.c).
TESTS += $(BUILD)/tests/unit/test_agent_pincache
$(BUILD)/tests/unit/test_agent_pincache: $(BUILD)/tests/unit/test_agent_pincache.o $(BUILD)/agent/pincache.o \
    $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_CMOCKA) -lpthread)

# Audit records: file, stderr and journal targets.
TESTS += $(BUILD)/tests/unit/test_agent_audit
$(BUILD)/tests/unit/test_agent_audit: $(BUILD)/tests/unit/test_agent_audit.o $(BUILD)/tests/tools/testutil.o \
    $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_JANSSON) $(LIBS_SYSTEMD) $(LIBS_CMOCKA) -lpthread)

# The memory budget for big frames (budget.c).
TESTS += $(BUILD)/tests/unit/test_agent_budget
$(BUILD)/tests/unit/test_agent_budget: $(BUILD)/tests/unit/test_agent_budget.o $(AGENT_TEST_LIBS)
	$(call link,$@,$^,$(LIBS_CMOCKA))

# verify-signatures: the check of each signature a token returns, with a
# signer that corrupts them (tests/tools/memsigner.c, tuf/signer.h no_check).
TESTS += $(BUILD)/tests/unit/test_agent_verify
$(BUILD)/tests/unit/test_agent_verify: $(BUILD)/tests/unit/test_agent_verify.o $(BUILD)/tests/tools/memsigner.o \
		$(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# tuf-agent end to end (tests/agent-*.sh): SoftHSM2 tokens in a temporary
# directory, the fault module, and tests/integration/agent_client.py on the socket:
# requests, refusals, PINs, signals, tokens that come and go, the policy,
# load, the key cache against pkcs11-tool, root keys and rotations, floods
# of big frames, env: PINs leaving /proc/PID/environ.
TESTS += tests/integration/agent-basic.sh tests/integration/agent-hostile.sh tests/integration/agent-pin.sh tests/integration/agent-signals.sh \
	tests/integration/agent-tokens.sh tests/integration/agent-policy.sh tests/integration/agent-load.sh tests/integration/agent-keycache.sh \
	tests/integration/agent-rotate.sh tests/integration/agent-flood.sh tests/integration/agent-pin-env.sh
TEST_EXTRA += $(TUF_AGENT) $(FAULT_MODULE) $(TUFCTL)
