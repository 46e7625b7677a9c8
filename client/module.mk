# client/: tufctl.  protocol/, tuf/ and common/ only (never pkcs11/, agent/).
TUFCTL := $(BUILD)/tufctl
CLIENT_SRC := client/tufctl.c client/cmd_offline.c client/cmd_agent.c client/agentconn.c \
	client/agent_api.c client/pinread.c client/files.c client/notary_base.c client/http.c \
	client/notary_http.c client/credhelper.c client/notary_auth.c client/notary_store.c client/notary_walk.c \
	client/notary_publish.c client/notary_agent.c client/notary_list.c \
	client/cmd_notary.c client/cmd_notary_roles.c client/cmd_repo.c client/cmd_repo_roles.c client/repo_verify.c client/repo_store.c \
	client/repo_publish.c client/repo_journal.c client/transcript.c client/ceremony_seal.c client/ceremony_keys.c client/ceremony_attest.c client/attest.c client/cmd_ceremony.c \
	client/cmd_ceremony_sign.c client/ceremony.c
PROGRAMS += $(TUFCTL)
# libcurl is dlopen()ed by client/http.c at the first HTTP use, never
# linked: offline commands start without mapping its dependencies.
LIBS_DL := -ldl
LINT_SRC += $(CLIENT_SRC)

$(TUFCTL): $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(LIB_TUF) $(PROTO_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(PROTO_LDLIBS) $(LIBS_DL))

# tufctl-cli.sh: usage errors, connection errors, PIN files, and the agent
# commands against tests/tools/fake_agent.py (a python3 standard-library server).
TESTS += tests/integration/tufctl-cli.sh
# tufctl-help.sh: every command and subcommand, walked from tufctl --help and
# --list-commands, answers --help and -h with every option it takes
# (--list-options); every "see 'tufctl X --help'" names a real command.
TESTS += tests/integration/tufctl-help.sh

# TUF 1.0 repositories (tufctl repo) end to end: the agent on SoftHSM2
# tokens, tuf-js (tests/integration/tufjs, npm ci by scripts/install-deps)
# and securesystemslib reading what is published (tuf_lib.sh).
TESTS += tests/integration/tuf-repo.sh tests/integration/tuf-repo-policy.sh

# Docker Content Trust end to end (tests/integration/dct_lib.sh: the agent on a SoftHSM2
# token, the real notary-server and notary client, docker trust inspect):
# publish, delegations, rotations, token auth, faults, policy.
TESTS += tests/integration/dct-publish.sh tests/integration/dct-delegation.sh tests/integration/dct-rotate.sh tests/integration/dct-auth.sh \
	tests/integration/dct-faults.sh tests/integration/dct-policy.sh tests/integration/dct-scope.sh

# notary-batch.sh (issue #15): add --from-list (every kind of bad line),
# status, reset, publish's list of changes, TUFCTL_SERVER, libcurl hidden
# from offline commands, the max-expiry refusal naming --expiry; read by
# the real notary client (dct_lib.sh).
TESTS += tests/integration/notary-batch.sh

# notary-root.sh (issue #15 part 3): tufctl notary root GUN against the real
# notary-server's root.json, the certificate ID it names pinned by a fresh
# trust directory, rotate root --root-threshold N (the real client follows;
# refused over the keys), --verbose's HTTP lines (dct_lib.sh).
TESTS += tests/integration/notary-root.sh

# notary-credhelper.sh: docker's credential helpers (credHelpers, credsStore)
# run by tufctl (client/credhelper.c) against the token-auth notary-server,
# with a helper script the test puts on PATH: success, missing, failing,
# garbled, no credentials; the secret never shows.
TESTS += tests/integration/notary-credhelper.sh

# http-tool drives client/notary_http.c and client/http.c (tufctl's notary HTTP client);
# notary-http.sh runs it against a real notary-server: token auth through
# tests/integration/notary/token-issuer.py, TLS, faults through tests/integration/notary/fault-proxy.py.
HTTP_TOOL := $(BUILD)/tests/tools/http-tool
TEST_EXTRA += $(HTTP_TOOL)
TESTS += tests/integration/notary-http.sh
$(HTTP_TOOL): $(BUILD)/tests/tools/http-tool.o $(BUILD)/client/notary_http.o $(BUILD)/client/credhelper.o $(BUILD)/client/http.o \
    $(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_DL))

# test_notary_auth: client/notary_auth.c (registry token auth, split out of
# notary_http.c) without libcurl or a server: Bearer challenges, realms,
# token answers (test_notary_auth); docker's config.json, credentials and
# header lines (test_notary_creds); fixtures in tests/tools/authfix.c.
AUTH_TESTS := $(BUILD)/tests/unit/test_notary_auth $(BUILD)/tests/unit/test_notary_creds
TESTS += $(AUTH_TESTS)
$(AUTH_TESTS): %: %.o $(BUILD)/tests/tools/authfix.o $(BUILD)/tests/tools/testutil.o \
    $(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# test_notary_list: client/notary_list.c (--from-list lines) and the
# trust directory's server names, linked without libcurl.
TESTS += $(BUILD)/tests/unit/test_notary_list
$(BUILD)/tests/unit/test_notary_list: $(BUILD)/tests/unit/test_notary_list.o \
    $(BUILD)/client/notary_list.o $(BUILD)/client/notary_store.o $(BUILD)/client/files.o \
    $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# test_notary_repo: tn_check_fresh, the version and expiry rules of
# tufctl's update walk, without a server.
TESTS += $(BUILD)/tests/unit/test_notary_repo
$(BUILD)/tests/unit/test_notary_repo: $(BUILD)/tests/unit/test_notary_repo.o $(BUILD)/client/notary_walk.o \
    $(BUILD)/client/notary_store.o $(BUILD)/client/files.o \
    $(BUILD)/client/notary_http.o $(BUILD)/client/credhelper.o $(BUILD)/client/http.o $(BUILD)/client/notary_auth.o \
    $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_DL) $(LIBS_CMOCKA))

# dct-rollback.sh: rollback, fork and freeze attacks on tufctl's update
# walk from tests/integration/notary/replay-server.py on the trusted
# server's host:port: histories it recorded from the real notary-server,
# and forge-tool's, whose timestamp key is its own.  (memsigner.o by its
# path: tuf/module.mk, which names it, is read after this file.)
FORGE_TOOL := $(BUILD)/tests/tools/forge-tool
TEST_EXTRA += $(FORGE_TOOL)
TESTS += tests/integration/dct-rollback.sh
$(FORGE_TOOL): $(BUILD)/tests/tools/forge-tool.o $(BUILD)/tests/tools/memsigner.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))

# test_notary_publish: client/notary_publish.c, the publish engine, without
# a server or an agent: staged changes applied to a repository built with
# tuf/, signed by tests/tools/memsigner.c keys behind a recording struct tn_signer.
TESTS += $(BUILD)/tests/unit/test_notary_publish
$(BUILD)/tests/unit/test_notary_publish: $(BUILD)/tests/unit/test_notary_publish.o \
    $(BUILD)/tests/tools/memsigner.o $(BUILD)/client/notary_publish.o $(BUILD)/client/notary_walk.o \
    $(BUILD)/client/notary_store.o $(BUILD)/client/files.o $(BUILD)/client/notary_http.o $(BUILD)/client/credhelper.o \
    $(BUILD)/client/http.o $(BUILD)/client/notary_auth.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_DL) $(LIBS_CMOCKA))

# test_transcript: client/transcript.c, the ceremony transcript's hash
# chain: appends, and every kind of mutation refused and named.
# ceremony-transcript.sh: tufctl ceremony transcript verify (exit codes, messages).
TESTS += $(BUILD)/tests/unit/test_transcript tests/integration/ceremony-transcript.sh
# ceremony.sh: tufctl ceremony end to end (tuf_lib.sh): a 2-of-3 TUF root
# signed here and through request/sign-request/import against a second
# agent, adopted by tufctl repo init --root and read by tuf-js; refusals.
TESTS += tests/integration/ceremony.sh
# ceremony-threshold.sh: 3 of 5 over five tokens and three agents, each step
# killed and run again (the same bytes), a rotation tuf-js follows.
TESTS += tests/integration/ceremony-threshold.sh
# ceremony-notary.sh: a Notary v1 root, 2 of 3 certificates, adopted by
# tufctl notary init --root and read by a fresh real notary client.
TESTS += tests/integration/ceremony-notary.sh
# ceremony-mutate.sh: every member of REQ and RESP changed, dropped or added:
# refused, DIR unchanged.
TESTS += tests/integration/ceremony-mutate.sh
$(BUILD)/tests/unit/test_transcript: $(BUILD)/tests/unit/test_transcript.o $(BUILD)/client/transcript.o \
    $(BUILD)/client/files.o $(BUILD)/client/notary_base.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# test_attest: client/attest.c, YubiKey PIV attestations (att_check) on
# certificates made with OpenSSL at test time, every part refused; and
# tufctl key attest refusing another key's attestation, with the test's own
# stand-ins for tufctl.c and agent_api.c.
TESTS += $(BUILD)/tests/unit/test_attest
$(BUILD)/tests/unit/test_attest: $(BUILD)/tests/unit/test_attest.o $(BUILD)/client/attest.o \
    $(BUILD)/tests/tools/testutil.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS) $(LIBS_CMOCKA))

# Bash completion (etc/bash-completion/tufctl): it asks tufctl for its
# commands (--list-commands) and options (--list-options).
# tufctl-completion.sh sources it and completes a few command lines.
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_TARGETS += install-completion
install-completion:
	@install -Dm644 etc/bash-completion/tufctl $(DESTDIR)$(COMPLETIONDIR)/tufctl
TESTS += tests/integration/tufctl-completion.sh
