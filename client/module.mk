# client/: tufctl.  protocol/, tuf/ and common/ only (never pkcs11/, agent/).
TUFCTL := $(BUILD)/tufctl
CLIENT_SRC := client/tufctl.c client/cmd_offline.c client/cmd_agent.c client/agentconn.c \
	client/pinread.c
PROGRAMS += $(TUFCTL)
LINT_SRC += $(CLIENT_SRC)

$(TUFCTL): $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(LIB_TUF) $(PROTO_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(PROTO_LDLIBS))

# tufctl-cli.sh: usage errors, connection errors, PIN files, and the agent
# commands against tests/fake_agent.py (a python3 standard-library server).
TESTS += tests/tufctl-cli.sh
