# client/: tufctl.  protocol/, tuf/ and common/ only (never pkcs11/, agent/).
TUFCTL := $(BUILD)/tufctl
CLIENT_SRC := client/tufctl.c client/cmd_offline.c client/cmd_agent.c client/agentconn.c \
	client/agent_api.c client/pinread.c client/files.c client/notary_base.c client/http.c \
	client/notary_http.c client/notary_auth.c client/notary_store.c client/notary_walk.c \
	client/notary_publish.c client/notary_agent.c \
	client/cmd_notary.c
PROGRAMS += $(TUFCTL)
LINT_SRC += $(CLIENT_SRC)

$(TUFCTL): $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(LIB_TUF) $(PROTO_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(PROTO_LDLIBS) $(LIBS_CURL))

# tufctl-cli.sh: usage errors, connection errors, PIN files, and the agent
# commands against tests/fake_agent.py (a python3 standard-library server).
TESTS += tests/tufctl-cli.sh

# Docker Content Trust end to end (tests/dct_lib.sh: the agent on a SoftHSM2
# token, the real notary-server and notary client, docker trust inspect):
# publish, delegations, rotations, token auth, faults, policy.
TESTS += tests/dct-publish.sh tests/dct-delegation.sh tests/dct-rotate.sh tests/dct-auth.sh \
	tests/dct-faults.sh tests/dct-policy.sh tests/dct-scope.sh
