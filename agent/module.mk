# agent/: tuf-agent.  pkcs11/, tuf/, protocol/, common/; libuv, libinih,
# libsystemd.  The parts without the loop (config, policy, PIN sources,
# audit) form libagent.a so that unit tests link them alone.
LIBS_UV := $(shell $(PKG_CONFIG) --libs libuv 2>/dev/null)
LIBS_INIH := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
LIBS_SYSTEMD := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)
LIB_AGENT := $(BUILD)/libagent.a
AGENT_CORE_SRC := $(wildcard agent/config.c agent/policy.c agent/pin.c agent/audit.c agent/scope.c)
AGENT_MAIN_SRC := $(wildcard agent/main.c agent/server.c agent/handlers.c agent/tokens.c \
	agent/signjob.c agent/keys.c agent/keycache.c)
AGENT_LIBS := $(LIB_AGENT) $(LIB_PKCS11) $(LIB_TUF) $(LIB_PROTO) $(LIB_COMMON)
AGENT_LDLIBS = $(LIBS_UV) $(LIBS_INIH) $(LIBS_SYSTEMD) $(LIBS_P11) $(LIBS_JANSSON) \
	$(LIBS_SSL) -lpthread
LINT_SRC += $(AGENT_CORE_SRC) $(AGENT_MAIN_SRC)

ifneq ($(AGENT_CORE_SRC),)
LIBRARIES += $(LIB_AGENT)
$(LIB_AGENT): $(AGENT_CORE_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)
endif

ifneq ($(wildcard agent/main.c),)
TUF_AGENT := $(BUILD)/tuf-agent
PROGRAMS += $(TUF_AGENT)
$(TUF_AGENT): $(AGENT_MAIN_SRC:%.c=$(BUILD)/%.o) $(AGENT_LIBS)
	$(call link,$@,$^,$(AGENT_LDLIBS))
endif

# Tests of the agent's parts are appended below, one block each.

# Configuration and policy (agent/config.c, agent/policy.c).  The tests pull
# only the objects they use out of libagent.a, so inih is the one library
# they need besides cmocka.
ifneq ($(wildcard agent/config.c),)
TESTS += $(BUILD)/tests/test_agent_config
$(BUILD)/tests/test_agent_config: $(BUILD)/tests/test_agent_config.o $(LIB_AGENT) $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_INIH) $(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)
endif
ifneq ($(wildcard agent/policy.c),)
TESTS += $(BUILD)/tests/test_agent_policy
$(BUILD)/tests/test_agent_policy: $(BUILD)/tests/test_agent_policy.o $(LIB_AGENT) $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_INIH) $(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)
endif

# PIN sources: the agent's policy over common/pinsrc.c (file: absolute and
# private, env:, pinentry's title and GPG_TTY, none, unlock); the readers'
# own rules are tests/test_pinsrc.c's.
TESTS += $(BUILD)/tests/test_agent_pin
$(BUILD)/tests/test_agent_pin: $(BUILD)/tests/test_agent_pin.o $(LIB_AGENT) $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_JANSSON) $(LIBS_CMOCKA) -lpthread)

# Audit records: file, stderr and journal targets.
TESTS += $(BUILD)/tests/test_agent_audit
$(BUILD)/tests/test_agent_audit: $(BUILD)/tests/test_agent_audit.o $(LIB_AGENT) $(LIB_PROTO) $(LIB_COMMON)
	$(call link,$@,$^,$(LIBS_JANSSON) $(LIBS_SYSTEMD) $(LIBS_CMOCKA) -lpthread)

# verify-signatures: the check of each signature a token returns, with a
# signer that corrupts them (tests/memsigner.c, tuf/signer.h no_check).
TESTS += $(BUILD)/tests/test_agent_verify
$(BUILD)/tests/test_agent_verify: $(BUILD)/tests/test_agent_verify.o $(BUILD)/tests/memsigner.o \
		$(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# tuf-agent end to end (tests/agent-*.sh): SoftHSM2 tokens in a temporary
# directory, the fault module, and tests/agent_client.py on the socket.
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-basic.sh tests/agent-hostile.sh tests/agent-pin.sh tests/agent-signals.sh \
	tests/agent-tokens.sh
TEST_EXTRA += $(TUF_AGENT) $(FAULT_MODULE) $(TUFCTL)
endif
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-policy.sh tests/agent-load.sh
endif
# The key cache against pkcs11-tool changing the token under the agent.
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-keycache.sh
endif
# Root keys matched by public key (one key, many GUNs) and root rotation
# (sign's prev_root), verified with tufctl verify.
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-rotate.sh
endif
# The memory budget against floods of big frames (issue #10 part 3).
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-flood.sh
endif
# pin = env:NAME leaves the environment, /proc/PID/environ included (#10 part 4).
ifneq ($(wildcard agent/main.c),)
TESTS += tests/agent-pin-env.sh
endif
