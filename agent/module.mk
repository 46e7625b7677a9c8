# agent/: tuf-agent.  pkcs11/, tuf/, protocol/, common/; libuv, libinih,
# libsystemd.  The parts without the loop (config, policy, PIN sources,
# audit) form libagent.a so that unit tests link them alone.
LIBS_UV := $(shell $(PKG_CONFIG) --libs libuv 2>/dev/null)
LIBS_INIH := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
LIBS_SYSTEMD := $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null)
LIB_AGENT := $(BUILD)/libagent.a
AGENT_CORE_SRC := $(wildcard agent/config.c agent/policy.c agent/pin.c agent/audit.c)
AGENT_MAIN_SRC := $(wildcard agent/main.c agent/server.c agent/handlers.c agent/tokens.c \
	agent/signjob.c)
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
