/* Unit tests for agent/config.c and agent/confparse.c: valid configuration
 * files, PIN sources, durations and operation names.  Refusals are
 * tests/unit/test_agent_config_refuse.c's; fixtures tests/tools/configfix.c's. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/config.h"
#include "common/err.h"
#include "tests/tools/testutil.h"
#include "tests/tools/configfix.h"

/* ---- valid files ---------------------------------------------------------- */

static void
test_agent_config_defaults(void **state)
{
	struct ta_config *cfg = cfg_new();

	(void)state;
	assert_string_equal(cfg->socket, "");
	assert_string_equal(cfg->socket_group, "");
	assert_int_equal(cfg->socket_mode, 0660);
	assert_string_equal(cfg->audit, "journal");
	assert_int_equal(cfg->max_clients, 256);
	assert_int_equal(cfg->max_frame, 32 << 20);
	assert_int_equal(cfg->max_buffer, 256 << 20);
	assert_int_equal(cfg->max_buffer_per_uid, 128 << 20);
	assert_int_equal(cfg->max_inflight, 16);
	assert_int_equal(cfg->idle_timeout, 300);
	assert_int_equal(cfg->n_tokens, 0);
	assert_int_equal(cfg->n_rules, 0);

	/* An empty file, or one of comments only, changes nothing. */
	OK(cfg, "");
	OK(cfg, "; nothing\n# nothing\n\n   \n");
	assert_int_equal(cfg->max_clients, 256);
	assert_int_equal(cfg->n_tokens, 0);
	assert_int_equal(cfg->n_rules, 0);
	free(cfg);
}

/* DESIGN.md "Configuration", comments and alignment as written there (with
 * one of the audit choices). */
static const char design_example[] =
    "[agent]\n"
    "socket = /run/tuf-agent/agent.sock      ; ignored under socket activation\n"
    "audit = journal\n"
    "max-clients = 256\n"
    "max-frame = 64M\n"
    "\n"
    "[token \"ci-hsm\"]\n"
    "module = softhsm2                        ; p11-kit module name, or a path to a .so\n"
    "uri = pkcs11:token=ci-hsm                ; which token\n"
    "pin = file:/run/credentials/tuf-agent.service/pin   ; or env:NAME | pinentry | unlock | none\n"
    "sessions = 4                             ; parallel signing sessions on this token\n"
    "\n"
    "[allow \"builders\"]\n"
    "group = builders                         ; and/or uid=, gid=, user=\n"
    "keys = targets-*                         ; labels or key IDs, globs\n"
    "roles = targets, targets/*\n"
    "gun = registry.example.com/team/*\n"
    "max-expiry = 90d\n"
    "operations = sign, key.list\n";

static void
test_agent_config_design_example(void **state)
{
	struct ta_config *cfg = cfg_new();
	const struct ta_cfg_token *t;
	const struct ta_cfg_rule *rule;

	(void)state;
	OK(cfg, design_example);
	assert_string_equal(cfg->socket, "/run/tuf-agent/agent.sock");
	assert_string_equal(cfg->audit, "journal");
	assert_int_equal(cfg->max_clients, 256);
	assert_int_equal(cfg->max_frame, 64 << 20);
	assert_int_equal(cfg->max_inflight, 16);
	assert_int_equal(cfg->idle_timeout, 300);

	assert_int_equal(cfg->n_tokens, 1);
	t = &cfg->tokens[0];
	assert_string_equal(t->name, "ci-hsm");
	assert_string_equal(t->module, "softhsm2");
	assert_string_equal(t->uri, "pkcs11:token=ci-hsm");
	assert_int_equal(t->pin.kind, TA_PIN_FILE);
	assert_string_equal(t->pin.arg, "/run/credentials/tuf-agent.service/pin");
	assert_int_equal(t->sessions, 4);

	assert_int_equal(cfg->n_rules, 1);
	rule = &cfg->rules[0];
	assert_string_equal(rule->name, "builders");
	assert_false(rule->has_uid);
	assert_false(rule->has_gid);
	assert_string_equal(rule->user, "");
	assert_string_equal(rule->group, "builders");
	assert_int_equal(rule->n_keys, 1);
	assert_string_equal(rule->keys[0], "targets-*");
	assert_int_equal(rule->n_roles, 2);
	assert_string_equal(rule->roles[0], "targets");
	assert_string_equal(rule->roles[1], "targets/*");
	assert_int_equal(rule->n_guns, 1);
	assert_string_equal(rule->guns[0], "registry.example.com/team/*");
	assert_int_equal(rule->max_expiry, 90 * 86400);
	assert_int_equal(rule->operations, TA_OP_SIGN | TA_OP_KEY_LIST);
	free(cfg);
}

static void
test_agent_config_every_key(void **state)
{
	struct ta_config *cfg = cfg_new();
	const struct ta_cfg_rule *rule;
	const struct ta_cfg_token *t;

	(void)state;
	OK(cfg, "[agent]\n"
		"socket = /tmp/a.sock\n"
		"socket-group = tuf-signers\n"
		"socket-mode = 0600\n"
		"audit = /var/log/tuf-agent/audit.log\n"
		"max-clients = 65535\n"
		"max-frame = 4K\n"
		"max-inflight = 1024\n"
		"idle-timeout = 1d\n"
		"[token \"yubi\"]\n"
		"module = /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n"
		"uri = pkcs11:token=PIV%20Card;manufacturer=piv_II\n"
		"pin = pinentry:/usr/bin/pinentry-curses\n"
		"pin-cache = 15m\n"
		"management-key = file:/etc/tuf-agent/yubi-mgmt\n"
		"sessions = 64\n"
		"verify-signatures = no\n"
		"[token \"two\"]\n"
		"module = p11-kit_trust.x+y\n"
		"uri = pkcs11:\n"
		"[allow \"dev\"]\n"
		"uid = 4294967294\n"
		"gid = 0\n"
		"user = svc-build$\n"
		"group = ci.builders@example.com\n"
		"keys = a, b\n"
		"keys = c\n"
		"roles = root\n"
		"gun = x/y\n"
		"max-expiry = 3600\n"
		"operations = unlock\n"
		"operations = lock, status, key.generate, key.cert, key.show\n"
		"[allow \"all\"]\n"
		"user = alice\n"
		"operations = all\n");
	assert_string_equal(cfg->socket, "/tmp/a.sock");
	assert_string_equal(cfg->socket_group, "tuf-signers");
	assert_int_equal(cfg->socket_mode, 0600);
	assert_string_equal(cfg->audit, "/var/log/tuf-agent/audit.log");
	assert_int_equal(cfg->max_clients, 65535);
	assert_int_equal(cfg->max_frame, 4096);
	assert_int_equal(cfg->max_inflight, 1024);
	assert_int_equal(cfg->idle_timeout, 86400);

	assert_int_equal(cfg->n_tokens, 2);
	t = &cfg->tokens[0];
	assert_string_equal(t->module, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
	assert_string_equal(t->uri, "pkcs11:token=PIV%20Card;manufacturer=piv_II");
	assert_int_equal(t->pin.kind, TA_PIN_PINENTRY);
	assert_string_equal(t->pin.arg, "/usr/bin/pinentry-curses");
	assert_int_equal(t->sessions, 64);
	assert_int_equal(t->pin_cache, 15 * 60);
	assert_int_equal(t->mgmt_key.kind, TA_PIN_FILE);
	assert_string_equal(t->mgmt_key.arg, "/etc/tuf-agent/yubi-mgmt");
	assert_false(t->verify);
	t = &cfg->tokens[1];
	assert_string_equal(t->name, "two");
	assert_string_equal(t->module, "p11-kit_trust.x+y");
	assert_int_equal(t->pin.kind, TA_PIN_UNLOCK); /* the default */
	assert_int_equal(t->mgmt_key.kind, TA_PIN_NONE); /* none: no generation on a card */
	assert_int_equal(t->sessions, 4);
	assert_true(t->verify); /* the default */

	assert_int_equal(cfg->n_rules, 2);
	rule = &cfg->rules[0];
	assert_true(rule->has_uid);
	assert_int_equal(rule->uid, 4294967294u);
	assert_true(rule->has_gid);
	assert_int_equal(rule->gid, 0);
	assert_string_equal(rule->user, "svc-build$");
	assert_string_equal(rule->group, "ci.builders@example.com");
	/* A repeated list key adds. */
	assert_int_equal(rule->n_keys, 3);
	assert_string_equal(rule->keys[2], "c");
	assert_int_equal(rule->max_expiry, 3600);
	/* The first operations = replaces the default, the second adds. */
	assert_int_equal(rule->operations, TA_OP_UNLOCK | TA_OP_LOCK | TA_OP_STATUS |
	    TA_OP_KEY_GENERATE | TA_OP_KEY_CERT | TA_OP_KEY_SHOW);
	rule = &cfg->rules[1];
	assert_int_equal(rule->operations, TA_OP_ALL);
	assert_int_equal(rule->n_keys, 0);
	assert_int_equal(rule->max_expiry, 0);
	free(cfg);
}

static void
test_agent_config_rule_defaults(void **state)
{
	struct ta_config *cfg = cfg_new();

	(void)state;
	OK(cfg, "[allow \"r\"]\ngid = 100\n");
	assert_int_equal(cfg->rules[0].operations,
	    TA_OP_SIGN | TA_OP_KEY_LIST | TA_OP_KEY_SHOW | TA_OP_KEY_ATTEST | TA_OP_STATUS);
	assert_false(cfg->rules[0].has_uid);
	assert_true(cfg->rules[0].has_gid);
	assert_int_equal(cfg->rules[0].n_roles, 0);
	assert_int_equal(cfg->rules[0].n_guns, 0);
	free(cfg);
}

static void
test_agent_config_inline_comments(void **state)
{
	struct ta_config *cfg = cfg_new();
	const struct ta_cfg_token *t;

	(void)state;
	OK(cfg, "\xef\xbb\xbf; a BOM, then a comment\r\n"
		"  # indented comment\n"
		"\t[agent]   ; header comment\n"
		"\tmax-clients\t=\t7\t; tab, comment\r\n"
		"    max-inflight = 3 # hash comment\n"
		"idle-timeout = 2h ;\n"
		"[token \"t\"] # header comment\n"
		"   module = softhsm2\n"
		"      uri = pkcs11:token=a;object=b#c   ; ';' and '#' inside stay\n"
		"pin = file:/run/p;in#x\n"
		"[allow \"t\"]   ;   same name as the token: another kind\n"
		"uid = 5 ; five\n"
		"roles = a, b ; c, d\n");
	assert_int_equal(cfg->max_clients, 7);
	assert_int_equal(cfg->max_inflight, 3);
	assert_int_equal(cfg->idle_timeout, 7200);
	t = &cfg->tokens[0];
	assert_string_equal(t->module, "softhsm2");
	assert_string_equal(t->uri, "pkcs11:token=a;object=b#c");
	assert_string_equal(t->pin.arg, "/run/p;in#x");
	assert_int_equal(cfg->rules[0].uid, 5);
	assert_int_equal(cfg->rules[0].n_roles, 2);
	assert_string_equal(cfg->rules[0].roles[1], "b");
	free(cfg);
}

/* An indented line is a key of its own, never a continuation of the one
 * before (inih's multi-line values would make it part of keys). */
static void
test_agent_config_indentation_is_not_continuation(void **state)
{
	struct ta_config *cfg = cfg_new();

	(void)state;
	OK(cfg, "[allow \"r\"]\n"
		"    uid = 1000\n"
		"    keys = a\n"
		"    operations = all\n"
		"\tmax-expiry = 1w\n");
	assert_int_equal(cfg->rules[0].n_keys, 1);
	assert_string_equal(cfg->rules[0].keys[0], "a");
	assert_int_equal(cfg->rules[0].operations, TA_OP_ALL);
	assert_int_equal(cfg->rules[0].max_expiry, 7 * 86400);
	free(cfg);
}

static void
test_agent_config_limits_at_max(void **state)
{
	struct ta_config *cfg = cfg_new();
	char *name = tu_repeat('n', TA_CFG_NAME_MAX), *sock = tu_repeat('s', 106);
	char *key = tu_repeat('k', (size_t)TA_CFG_NAME_MAX * 2), *text, *list, *p;
	size_t i, len = 0;

	(void)state;
	/* TA_CFG_MAX_TOKENS tokens, TA_CFG_MAX_RULES rules. */
	text = calloc(1, 16384);
	assert_non_null(text);
	for (i = 0; i < TA_CFG_MAX_TOKENS; i++)
		len += (size_t)sprintf(text + len, "[token \"t%zu\"]\nmodule = m\nuri = pkcs11:\n",
		    i);
	for (i = 0; i < TA_CFG_MAX_RULES; i++)
		len += (size_t)sprintf(text + len, "[allow \"r%zu\"]\nuid = %zu\n", i, i);
	OK(cfg, text);
	assert_int_equal(cfg->n_tokens, TA_CFG_MAX_TOKENS);
	assert_int_equal(cfg->n_rules, TA_CFG_MAX_RULES);
	assert_string_equal(cfg->tokens[TA_CFG_MAX_TOKENS - 1].name, "t15");
	assert_int_equal(cfg->rules[TA_CFG_MAX_RULES - 1].uid, 63);
	free(cfg);

	/* TA_CFG_MAX_LIST entries over two lines; names, entries and the socket
	 * path at their longest. */
	list = calloc(1, 512);
	assert_non_null(list);
	for (i = 0, p = list; i < TA_CFG_MAX_LIST - 1; i++)
		p += sprintf(p, "%sk%zu", i > 0 ? ", " : "", i);
	free(text);
	text = tu_fmt("[allow \"%s\"]\nuid = 1\nkeys = %s\nkeys = %s\n[agent]\nsocket = /%s\n", name,
	    list, key, sock);
	cfg = cfg_new();
	OK(cfg, text);
	assert_string_equal(cfg->rules[0].name, name);
	assert_int_equal(cfg->rules[0].n_keys, TA_CFG_MAX_LIST);
	assert_string_equal(cfg->rules[0].keys[0], "k0");
	assert_string_equal(cfg->rules[0].keys[TA_CFG_MAX_LIST - 1], key);
	assert_int_equal(strlen(cfg->socket), 107);
	free(cfg);
	free(text);

	/* The longest line inih takes: 199 characters (and a comment). */
	text = tu_fmt(RULE("roles = %0191d ; comment"), 0);
	cfg = cfg_new();
	OK(cfg, text);
	assert_int_equal(strlen(cfg->rules[0].roles[0]), 191);
	free(cfg);
	free(text);
	free(list);
	free(key);
	free(sock);
	free(name);
}

static void
test_agent_config_max_frame_sizes(void **state)
{
	static const struct {
		const char *in;
		size_t want;
	} ok[] = {
		{ "4K", 4096 }, { "4096", 4096 }, { "64M", 64 << 20 }, { "67108864", 64 << 20 },
		{ "1M", 1 << 20 }, { "65536K", 64 << 20 }, { "0064K", 64 << 10 },
	};
	struct ta_config *cfg = cfg_new();
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		text = tu_fmt("[agent]\nmax-frame = %s\n", ok[i].in);
		OK(cfg, text);
		assert_int_equal(cfg->max_frame, ok[i].want);
		free(text);
		ta_config_init(cfg);
	}
	free(cfg);
}

/* max-buffer and max-buffer-per-uid: sizes as max-frame's; the share is
 * half the whole unless given, whichever order the keys come in. */
static void
test_agent_config_max_buffer_sizes(void **state)
{
	static const struct {
		const char *in;
		size_t whole, share;
	} ok[] = {
		{ "max-buffer = 1M", 1 << 20, 512 << 10 },
		{ "max-buffer = 64G", (size_t)64 << 30, (size_t)32 << 30 },
		{ "max-buffer = 1048576", 1 << 20, 512 << 10 },
		{ "max-buffer = 512M", 512 << 20, 256 << 20 },
		{ "max-buffer-per-uid = 16M", 256 << 20, 16 << 20 },
		{ "max-buffer-per-uid = 256M", 256 << 20, 256 << 20 },
		{ "max-buffer-per-uid = 1M\nmax-buffer = 1M", 1 << 20, 1 << 20 },
		{ "max-buffer = 64M\nmax-buffer-per-uid = 65536K", 64 << 20, 64 << 20 },
		{ "max-buffer-per-uid = 8M\nmax-buffer = 1G", 1 << 30, 8 << 20 },
	};
	struct ta_config *cfg = cfg_new();
	size_t i;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		text = tu_fmt("[agent]\n%s\n", ok[i].in);
		OK(cfg, text);
		assert_int_equal(cfg->max_buffer, ok[i].whole);
		assert_int_equal(cfg->max_buffer_per_uid, ok[i].share);
		free(text);
		ta_config_init(cfg);
	}
	free(cfg);
}

/* Tokens and rules add up over loads; names stay unique across them. */
static void
test_agent_config_loads_add_up(void **state)
{
	struct ta_config *cfg = cfg_new();
	const char *text;
	char err[512];

	(void)state;
	OK(cfg, "[token \"a\"]\nmodule = m\nuri = pkcs11:\n[allow \"a\"]\nuid = 1\n");
	OK(cfg, "[token \"b\"]\nmodule = m\nuri = pkcs11:\n[agent]\nmax-clients = 9\n");
	assert_int_equal(cfg->n_tokens, 2);
	assert_int_equal(cfg->n_rules, 1);
	assert_int_equal(cfg->max_clients, 9);
	text = "[token \"a\"]\nmodule = m\nuri = pkcs11:\n";
	assert_int_equal(load_n(cfg, text, strlen(text), err, sizeof(err)), TA_ERR_INVALID);
	assert_non_null(strstr(err, ":1: duplicate section [token \"a\"] (already loaded)"));
	assert_int_equal(cfg->n_tokens, 2);
	free(cfg);
}

/* ---- durations -------------------------------------------------------------- */

#define D ((int64_t)86400)
#define H ((int64_t)3600)

static void
test_agent_config_duration_parse(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "90d", 90 * D }, { "12h", 12 * H }, { "2w", 14 * D }, { "1y", 365 * D },
		{ "3600", 3600 }, { "3600s", 3600 }, { "0", 0 }, { "0d", 0 }, { "007h", 7 * H },
		{ "9223372036854775807", INT64_MAX }, { "9223372036854775807s", INT64_MAX },
		{ "106751991167300d", 106751991167300 * D },
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -1;
		assert_int_equal(ta_duration_parse(ok[i].in, &v), 0);
		assert_true(v == ok[i].want);
	}
}

static void
test_agent_config_duration_refused(void **state)
{
	static const char *const invalid[] = {
		"", "d", "-1d", "1x", "1dd", "1d ", " 1d", "+1d", "1D", "1.5d", "0x10", "1d2h",
		"1m", "1 d", "s", "\xd9\xa1\x64",
	};
	static const char *const too_large[] = {
		"9223372036854775808", "99999999999999999999999", "9223372036854775807d",
		"106751991167301d", "15250284452472y", "9223372036854775807h",
	};
	size_t i;
	int64_t v = 42;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (ta_duration_parse(invalid[i], &v) != TA_ERR_INVALID)
			print_message("accepted '%s'\n", invalid[i]);
		assert_int_equal(ta_duration_parse(invalid[i], &v), TA_ERR_INVALID);
	}
	for (i = 0; i < sizeof(too_large) / sizeof(too_large[0]); i++) {
		if (ta_duration_parse(too_large[i], &v) != TA_ERR_TOO_LARGE)
			print_message("accepted '%s'\n", too_large[i]);
		assert_int_equal(ta_duration_parse(too_large[i], &v), TA_ERR_TOO_LARGE);
	}
	assert_true(v == 42); /* never written on failure */
	assert_int_equal(ta_duration_parse(NULL, &v), TA_ERR_INVALID);
	assert_int_equal(ta_duration_parse("1d", NULL), TA_ERR_INVALID);
}

/* ---- PIN sources -------------------------------------------------------------- */

static void
test_agent_config_pin_source_parse(void **state)
{
	static const struct {
		const char *in;
		enum ta_pin_kind kind;
		const char *arg;
	} ok[] = {
		{ "none", TA_PIN_NONE, "" },
		{ "unlock", TA_PIN_UNLOCK, "" },
		{ "pinentry", TA_PIN_PINENTRY, "" },
		{ "pinentry:/usr/bin/pinentry-curses", TA_PIN_PINENTRY,
		    "/usr/bin/pinentry-curses" },
		{ "file:/run/credentials/tuf-agent.service/pin", TA_PIN_FILE,
		    "/run/credentials/tuf-agent.service/pin" },
		{ "file:/a b;c", TA_PIN_FILE, "/a b;c" },
		{ "env:TA_PIN", TA_PIN_ENV, "TA_PIN" },
		{ "env:_x9", TA_PIN_ENV, "_x9" },
	};
	struct ta_pin_source pin;
	char *s, *path = tu_repeat('p', TA_CFG_VALUE_MAX - 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&pin, 0x5a, sizeof(pin));
		assert_int_equal(ta_pin_source_parse(ok[i].in, &pin), 0);
		assert_int_equal(pin.kind, ok[i].kind);
		assert_string_equal(pin.arg, ok[i].arg);
	}
	/* The argument at its longest. */
	s = tu_fmt("file:/%s", path);
	assert_int_equal(ta_pin_source_parse(s, &pin), 0);
	assert_int_equal(strlen(pin.arg), TA_CFG_VALUE_MAX);
	free(s);
	free(path);
}

static void
test_agent_config_pin_source_refused(void **state)
{
	static const char *const invalid[] = {
		"", "bogus", "None", "NONE", "file", "file:", "file:rel", "file:./pin",
		"file:~/pin",
		"env:", "env:1X", "env:A-B", "env:A B", "env:$X", "pinentry:", "pinentry:rel",
		"pinentry:./p", " none", "none ", "unlock:x", "none:", "pinentry-curses", "env",
		"tty",
	};
	struct ta_pin_source pin, before;
	char *s, *path = tu_repeat('p', TA_CFG_VALUE_MAX);
	size_t i;

	(void)state;
	memset(&pin, 0x5a, sizeof(pin));
	before = pin;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (ta_pin_source_parse(invalid[i], &pin) != TA_ERR_INVALID)
			print_message("accepted '%s'\n", invalid[i]);
		assert_int_equal(ta_pin_source_parse(invalid[i], &pin), TA_ERR_INVALID);
	}
	s = tu_fmt("file:/%s", path);
	assert_int_equal(ta_pin_source_parse(s, &pin), TA_ERR_TOO_LARGE);
	free(s);
	s = tu_fmt("env:%sX", path);
	assert_int_equal(ta_pin_source_parse(s, &pin), TA_ERR_TOO_LARGE);
	free(s);
	assert_memory_equal(&pin, &before, sizeof(pin)); /* never written on failure */
	assert_int_equal(ta_pin_source_parse(NULL, &pin), TA_ERR_INVALID);
	assert_int_equal(ta_pin_source_parse("none", NULL), TA_ERR_INVALID);
	free(path);
}

/* ---- operation names ------------------------------------------------------------ */

static void
test_agent_config_op_names(void **state)
{
	(void)state;
	assert_string_equal(ta_op_name(TA_OP_SIGN), "sign");
	assert_string_equal(ta_op_name(TA_OP_KEY_LIST), "key.list");
	assert_string_equal(ta_op_name(TA_OP_KEY_GENERATE), "key.generate");
	assert_string_equal(ta_op_name(TA_OP_KEY_CERT), "key.cert");
	assert_string_equal(ta_op_name(TA_OP_KEY_SHOW), "key.show");
	assert_string_equal(ta_op_name(TA_OP_UNLOCK), "unlock");
	assert_string_equal(ta_op_name(TA_OP_LOCK), "lock");
	assert_string_equal(ta_op_name(TA_OP_STATUS), "status");
	assert_string_equal(ta_op_name(TA_OP_KEY_SCOPE), "key.scope");
	assert_string_equal(ta_op_name(TA_OP_KEY_ATTEST), "key.attest");
	assert_null(ta_op_name(0));
	assert_null(ta_op_name(TA_OP_SIGN | TA_OP_LOCK));
	assert_null(ta_op_name(TA_OP_ALL));
	assert_null(ta_op_name(1u << 10));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_config_defaults),
		cmocka_unit_test(test_agent_config_design_example),
		cmocka_unit_test(test_agent_config_every_key),
		cmocka_unit_test(test_agent_config_rule_defaults),
		cmocka_unit_test(test_agent_config_inline_comments),
		cmocka_unit_test(test_agent_config_indentation_is_not_continuation),
		cmocka_unit_test(test_agent_config_limits_at_max),
		cmocka_unit_test(test_agent_config_max_frame_sizes),
		cmocka_unit_test(test_agent_config_max_buffer_sizes),
		cmocka_unit_test(test_agent_config_loads_add_up),
		cmocka_unit_test(test_agent_config_duration_parse),
		cmocka_unit_test(test_agent_config_duration_refused),
		cmocka_unit_test(test_agent_config_pin_source_parse),
		cmocka_unit_test(test_agent_config_pin_source_refused),
		cmocka_unit_test(test_agent_config_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
