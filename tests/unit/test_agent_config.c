/* Unit tests for agent/config.c and agent/confparse.c: the configuration file, PIN sources and
 * durations. */
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

/* ---- helpers ------------------------------------------------------------ */

static char cfg_path[PATH_MAX];

static struct ta_config *
cfg_new(void)
{
	struct ta_config *cfg = malloc(sizeof(*cfg));

	assert_non_null(cfg);
	ta_config_init(cfg);
	return cfg;
}

/* Writes text to a fresh temporary file (its name in cfg_path). */
static void
write_conf(const char *text, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	int fd;

	(void)snprintf(cfg_path, sizeof(cfg_path), "%s/ta-cfg-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	fd = mkstemp(cfg_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
load_n(struct ta_config *cfg, const char *text, size_t len, char *err, size_t errlen)
{
	int r;

	write_conf(text, len);
	r = ta_config_load(cfg, cfg_path, err, errlen);
	(void)unlink(cfg_path);
	return r;
}

/* Loads text, which must be valid, into cfg. */
static void
ok_n(struct ta_config *cfg, const char *text, int line)
{
	char err[512];
	int r;

	r = load_n(cfg, text, strlen(text), err, sizeof(err));
	if (r != 0)
		print_message("line %d: %s (%s)\n", line, err, ta_errname(r));
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
}

/* Loads text, which must fail with r and "PATH:LINE: <want...>" (want is a
 * prefix of the message; line 0: "PATH: "); cfg must not change. */
static void
bad_n(const char *text, size_t len, int want_r, unsigned want_line, const char *want, int line)
{
	struct ta_config *cfg = cfg_new(), *before = cfg_new();
	char err[512], prefix[PATH_MAX + 32];
	size_t n;
	int r;

	r = load_n(cfg, text, len, err, sizeof(err));
	if (want_line > 0)
		(void)snprintf(prefix, sizeof(prefix), "%s:%u: ", cfg_path, want_line);
	else
		(void)snprintf(prefix, sizeof(prefix), "%s: ", cfg_path);
	n = strlen(prefix);
	if (r != want_r || strncmp(err, prefix, n) != 0 ||
	    strncmp(err + n, want, strlen(want)) != 0)
		print_message("line %d: got %s '%s'\n  want %s '%s%s'\n", line, ta_errname(r), err,
		    ta_errname(want_r), prefix, want);
	assert_int_equal(r, want_r);
	assert_memory_equal(err, prefix, n);
	assert_memory_equal(err + n, want, strlen(want));
	assert_memory_equal(cfg, before, sizeof(*cfg));
	free(before);
	free(cfg);
}

#define OK(cfg, text) ok_n((cfg), (text), __LINE__)
#define BAD(text, r, line, want) bad_n((text), strlen(text), (r), (line), (want), __LINE__)

/* A config with a valid rule wrapped around one more line, on line 3. */
#define RULE(line) "[allow \"r\"]\nuid = 1000\n" line "\n"
#define TOKEN(line) "[token \"t\"]\nmodule = softhsm2\nuri = pkcs11:token=t\n" line "\n"

/* printf into a malloc'd string. */
static char *__attribute__((format(printf, 1, 2)))
fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ---- valid files ---------------------------------------------------------- */

static void
test_agent_config_defaults(void **state)
{
	struct ta_config *cfg = cfg_new();

	(void)state;
	assert_string_equal(cfg->socket, "");
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
		"audit = /var/log/tuf-agent/audit.log\n"
		"max-clients = 65535\n"
		"max-frame = 4K\n"
		"max-inflight = 1024\n"
		"idle-timeout = 1d\n"
		"[token \"yubi\"]\n"
		"module = /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n"
		"uri = pkcs11:token=PIV%20Card;manufacturer=piv_II\n"
		"pin = pinentry:/usr/bin/pinentry-curses\n"
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
	assert_false(t->verify);
	t = &cfg->tokens[1];
	assert_string_equal(t->name, "two");
	assert_string_equal(t->module, "p11-kit_trust.x+y");
	assert_int_equal(t->pin.kind, TA_PIN_UNLOCK); /* the default */
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
	    TA_OP_SIGN | TA_OP_KEY_LIST | TA_OP_KEY_SHOW | TA_OP_STATUS);
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
	char *name = repeat('n', TA_CFG_NAME_MAX), *sock = repeat('s', 106);
	char *key = repeat('k', (size_t)TA_CFG_NAME_MAX * 2), *text, *list, *p;
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
	text = fmt("[allow \"%s\"]\nuid = 1\nkeys = %s\nkeys = %s\n[agent]\nsocket = /%s\n", name,
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
	text = fmt(RULE("roles = %0191d ; comment"), 0);
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
		text = fmt("[agent]\nmax-frame = %s\n", ok[i].in);
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
		text = fmt("[agent]\n%s\n", ok[i].in);
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

/* ---- refusals: structure ------------------------------------------------- */

static void
test_agent_config_unknown_key(void **state)
{
	(void)state;
	BAD("[agent]\nsockets = /x\n", TA_ERR_INVALID, 2, "unknown key 'sockets' in [agent]");
	BAD(TOKEN("slot = 1"), TA_ERR_INVALID, 4, "unknown key 'slot' in [token \"t\"]");
	BAD("[allow \"b\"]\nuid = 1\nx = 1\n", TA_ERR_INVALID, 3,
	    "unknown key 'x' in [allow \"b\"]");
	/* Keys are case-sensitive and belong to one section. */
	BAD("[agent]\nSocket = /x\n", TA_ERR_INVALID, 2, "unknown key 'Socket' in [agent]");
	BAD("[agent]\nuid = 1\n", TA_ERR_INVALID, 2, "unknown key 'uid' in [agent]");
	BAD(RULE("module = m"), TA_ERR_INVALID, 3, "unknown key 'module' in [allow \"r\"]");
	BAD(RULE("operation = sign"), TA_ERR_INVALID, 3,
	    "unknown key 'operation' in [allow \"r\"]");
	BAD("[agent]\n= 5\n", TA_ERR_INVALID, 2, "unknown key '' in [agent]");
	/* Exactly the message the brief of this module promised. */
	{
		struct ta_config *cfg = cfg_new();
		const char *text = "[allow \"b\"]\nuid = 1\nx = 1\n";
		char err[512], *want;

		assert_int_equal(load_n(cfg, text, strlen(text), err, sizeof(err)), TA_ERR_INVALID);
		want = fmt("%s:3: unknown key 'x' in [allow \"b\"]", cfg_path);
		assert_string_equal(err, want);
		free(want);
		free(cfg);
	}
}

static void
test_agent_config_unknown_section(void **state)
{
	(void)state;
	BAD("[agent]\n[bogus]\n", TA_ERR_INVALID, 2, "unknown section [bogus]");
	BAD("[Agent]\n", TA_ERR_INVALID, 1, "unknown section [Agent]");
	BAD("[tokens \"x\"]\n", TA_ERR_INVALID, 1, "unknown section [tokens \"x\"]");
	BAD("[allowed \"x\"]\n", TA_ERR_INVALID, 1, "unknown section [allowed \"x\"]");
	BAD("[]\n", TA_ERR_INVALID, 1, "unknown section []");
	BAD("[agent \"x\"]\n", TA_ERR_INVALID, 1, "[agent] takes no name");
	/* Empty unknown sections are refused too (inih never reports them). */
	BAD("; only a header\n[deny \"x\"]\n", TA_ERR_INVALID, 2, "unknown section [deny");
}

static void
test_agent_config_section_name_malformed(void **state)
{
	char *text, *name = repeat('n', TA_CFG_NAME_MAX + 1);

	(void)state;
	BAD("[token]\n", TA_ERR_INVALID, 1, "[token] needs a name: [token \"NAME\"]");
	BAD("[allow]\n", TA_ERR_INVALID, 1, "[allow] needs a name");
	BAD("[token ci]\n", TA_ERR_INVALID, 1, "[token] needs a name");
	BAD("[token \"\"]\n", TA_ERR_INVALID, 1, "empty name in [token \"\"]");
	BAD("[allow \"\"]\n", TA_ERR_INVALID, 1, "empty name in [allow \"\"]");
	BAD("[token \"a\" x]\n", TA_ERR_INVALID, 1, "malformed section name");
	BAD("[token \"a]\n", TA_ERR_INVALID, 1, "malformed section name");
	BAD("[token \"a\"\"]\n", TA_ERR_INVALID, 1, "malformed section name");
	BAD("[token \"a b\"]\n", TA_ERR_INVALID, 1, "[token \"a b\"]: a name is made of");
	BAD("[allow \"a/b\"]\n", TA_ERR_INVALID, 1, "[allow \"a/b\"]: a name is made of");
	BAD("[allow \"caf\xc3\xa9\"]\n", TA_ERR_INVALID, 1, "[allow \"caf");
	BAD("[agent\n", TA_ERR_INVALID, 1, "section header without ']'");
	BAD("[token \"x\"\n", TA_ERR_INVALID, 1, "section header without ']'");
	BAD("[agent] x\n", TA_ERR_INVALID, 1, "section header without ']'");
	text = fmt("[token \"%s\"]\n", name);
	BAD(text, TA_ERR_TOO_LARGE, 1, "[token] name is too long (65 bytes, at most 64)");
	free(text);
	text = fmt("[allow \"%s\"]\n", name);
	BAD(text, TA_ERR_TOO_LARGE, 1, "[allow] name is too long");
	free(text);
	free(name);
}

static void
test_agent_config_duplicate_sections(void **state)
{
	(void)state;
	BAD("[agent]\nmax-clients = 1\n\n[agent]\n", TA_ERR_INVALID, 4,
	    "duplicate section [agent] (first at line 1)");
	BAD(TOKEN("") "[token \"t\"]\n", TA_ERR_INVALID, 5,
	    "duplicate section [token \"t\"] (first at line 1)");
	BAD(RULE("") "[allow \"x\"]\nuid = 1\n[allow \"r\"]\nuid = 2\n", TA_ERR_INVALID, 6,
	    "duplicate section [allow \"r\"] (first at line 1)");
	/* Back to back, with nothing between: inih alone would merge them. */
	BAD("[allow \"r\"]\n[allow \"r\"]\nuid = 1\n", TA_ERR_INVALID, 1,
	    "[allow \"r\"] names nobody");
}

static void
test_agent_config_duplicate_keys(void **state)
{
	(void)state;
	BAD("[agent]\nmax-clients = 1\nmax-clients = 1\n", TA_ERR_INVALID, 3,
	    "duplicate key 'max-clients' in [agent]");
	BAD(TOKEN("uri = pkcs11:token=u"), TA_ERR_INVALID, 4, "duplicate key 'uri' in [token");
	BAD(RULE("uid = 1000"), TA_ERR_INVALID, 3, "duplicate key 'uid' in [allow \"r\"]");
	BAD(RULE("max-expiry = 1d\nmax-expiry = 2d"), TA_ERR_INVALID, 4,
	    "duplicate key 'max-expiry'");
	BAD("[allow \"r\"]\nuser = a\nuser = b\n", TA_ERR_INVALID, 3, "duplicate key 'user'");
}

static void
test_agent_config_key_outside_section(void **state)
{
	(void)state;
	BAD("max-clients = 1\n[agent]\n", TA_ERR_INVALID, 1,
	    "key 'max-clients' outside any section");
	BAD("\n\n; c\nuid = 1\n", TA_ERR_INVALID, 4, "key 'uid' outside any section");
}

static void
test_agent_config_empty_values(void **state)
{
	(void)state;
	BAD("[agent]\nsocket =\n", TA_ERR_INVALID, 2, "empty value for 'socket' in [agent]");
	BAD("[agent]\naudit = ; nothing\n", TA_ERR_INVALID, 2, "empty value for 'audit'");
	BAD(TOKEN("pin = "), TA_ERR_INVALID, 4, "empty value for 'pin' in [token \"t\"]");
	BAD(RULE("keys ="), TA_ERR_INVALID, 3, "empty value for 'keys' in [allow \"r\"]");
	BAD(RULE("operations = # none"), TA_ERR_INVALID, 3, "empty value for 'operations'");
}

static void
test_agent_config_syntax_errors(void **state)
{
	(void)state;
	BAD("[agent]\nmax-clients\n", TA_ERR_INVALID, 2,
	    "expected 'key = value', '[section]' or a comment");
	BAD("[agent]\n\njunk\n", TA_ERR_INVALID, 3, "expected 'key = value'");
	/* The first error is the one reported, whoever finds it. */
	BAD("[agent]\njunk\nbogus = 1\n", TA_ERR_INVALID, 2, "expected 'key = value'");
	BAD("[agent]\nbogus = 1\njunk\n", TA_ERR_INVALID, 2, "unknown key 'bogus'");
	BAD(RULE("roles"), TA_ERR_INVALID, 3, "expected 'key = value'");
}

static void
test_agent_config_token_incomplete(void **state)
{
	(void)state;
	/* Reported at the header, when the section ends: at the next one... */
	BAD("[token \"a\"]\nuri = pkcs11:\n\n[agent]\n", TA_ERR_INVALID, 1,
	    "[token \"a\"] has no 'module'");
	BAD("[agent]\n[token \"a\"]\nmodule = m\n[allow \"x\"]\nuid = 1\n", TA_ERR_INVALID, 2,
	    "[token \"a\"] has no 'uri'");
	/* ...or at the end of the file. */
	BAD("[token \"a\"]\nmodule = m\n", TA_ERR_INVALID, 1, "[token \"a\"] has no 'uri'");
	BAD("[token \"a\"]\n", TA_ERR_INVALID, 1, "[token \"a\"] has no 'module'");
	BAD("[token \"a\"]\npin = none\nsessions = 2\n", TA_ERR_INVALID, 1, "[token \"a\"] has no");
}

static void
test_agent_config_rule_names_nobody(void **state)
{
	(void)state;
	BAD("[allow \"r\"]\nkeys = *\noperations = all\n", TA_ERR_INVALID, 1,
	    "[allow \"r\"] names nobody: set uid, gid, user or group");
	BAD("[agent]\n[allow \"r\"]\n[agent]\n", TA_ERR_INVALID, 2, "[allow \"r\"] names nobody");
	BAD("[allow \"x\"]\nuid = 1\n[allow \"r\"]\n", TA_ERR_INVALID, 3,
	    "[allow \"r\"] names nobody");
}

static void
test_agent_config_too_many_sections(void **state)
{
	char *text = calloc(1, 16384);
	size_t i, len = 0;

	(void)state;
	assert_non_null(text);
	for (i = 0; i <= TA_CFG_MAX_TOKENS; i++)
		len += (size_t)sprintf(text + len, "[token \"t%zu\"]\nmodule = m\nuri = pkcs11:\n",
		    i);
	BAD(text, TA_ERR_TOO_LARGE, TA_CFG_MAX_TOKENS * 3 + 1, "more than 16 [token] sections");

	for (i = 0, len = 0; i <= TA_CFG_MAX_RULES; i++)
		len += (size_t)sprintf(text + len, "[allow \"r%zu\"]\nuid = %zu\n", i, i);
	BAD(text, TA_ERR_TOO_LARGE, TA_CFG_MAX_RULES * 2 + 1, "more than 64 [allow] sections");
	free(text);
}

/* ---- refusals: lists ----------------------------------------------------- */

static void
test_agent_config_list_too_long(void **state)
{
	char list[512], *p, *text, *key = repeat('k', (size_t)TA_CFG_NAME_MAX * 2 + 1);
	size_t i;

	(void)state;
	for (i = 0, p = list; i <= TA_CFG_MAX_LIST; i++)
		p += sprintf(p, "%sk%zu", i > 0 ? ", " : "", i);
	text = fmt(RULE("keys = %s"), list);
	BAD(text, TA_ERR_TOO_LARGE, 3, "more than 32 entries in 'keys'");
	free(text);

	/* 32 on one line, then one more on a repeated key. */
	for (i = 0, p = list; i < TA_CFG_MAX_LIST; i++)
		p += sprintf(p, "%sr%zu", i > 0 ? ", " : "", i);
	text = fmt(RULE("roles = %s\nroles = one-more"), list);
	BAD(text, TA_ERR_TOO_LARGE, 4, "more than 32 entries in 'roles'");
	free(text);

	/* One entry over its size. */
	text = fmt(RULE("keys = a, %s"), key);
	BAD(text, TA_ERR_TOO_LARGE, 3, "entry 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' in 'keys' is "
	    "too long (129 bytes, at most 128)");
	free(text);
	free(key);
}

static void
test_agent_config_list_malformed(void **state)
{
	(void)state;
	BAD(RULE("keys = a,,b"), TA_ERR_INVALID, 3, "empty entry in 'keys'");
	BAD(RULE("keys = a,"), TA_ERR_INVALID, 3, "empty entry in 'keys'");
	BAD(RULE("roles = ,a"), TA_ERR_INVALID, 3, "empty entry in 'roles'");
	BAD(RULE("gun = a, ,b"), TA_ERR_INVALID, 3, "empty entry in 'gun'");
	BAD(RULE("gun = ,"), TA_ERR_INVALID, 3, "empty entry in 'gun'");
	BAD(RULE("roles = targets targets/*"), TA_ERR_INVALID, 3,
	    "entry 'targets targets/*' in 'roles' has a blank inside");
	BAD(RULE("keys = a\tb"), TA_ERR_INVALID, 3, "entry 'a\tb' in 'keys' has a blank inside");
	BAD(RULE("operations = sign, bogus"), TA_ERR_INVALID, 3,
	    "unknown operation 'bogus' in 'operations' (sign, key.list, key.generate, key.cert, "
	    "key.show, unlock, lock, status, all)");
	BAD(RULE("operations = Sign"), TA_ERR_INVALID, 3, "unknown operation 'Sign'");
	BAD(RULE("operations = sign key.list"), TA_ERR_INVALID, 3, "entry 'sign key.list'");
	BAD(RULE("operations = sign,,lock"), TA_ERR_INVALID, 3, "empty entry in 'operations'");
	BAD(RULE("operations = key"), TA_ERR_INVALID, 3, "unknown operation 'key'");
	BAD(RULE("operations = *"), TA_ERR_INVALID, 3, "unknown operation '*'");
}

/* ---- refusals: lines ------------------------------------------------------ */

static void
test_agent_config_long_lines(void **state)
{
	char *a = repeat('a', 195), *big = repeat('b', 5000), *text;

	(void)state;
	/* Over inih's line buffer, comments and blanks left out. */
	text = fmt("[agent]\nsocket = /%s\n", a);
	BAD(text, TA_ERR_TOO_LARGE, 2, "line is too long (205 characters without comments, at "
	    "most 199)");
	free(text);
	/* inih would cut the line and parse its tail as a line of its own. */
	text = fmt(RULE("keys = %.183soperations = all"), a);
	BAD(text, TA_ERR_TOO_LARGE, 3, "line is too long");
	free(text);
	text = fmt(RULE("roles = %.192s"), a);
	BAD(text, TA_ERR_TOO_LARGE, 3, "line is too long (200 characters without comments, at "
	    "most 199)");
	free(text);
	/* Over what the reader holds at all. */
	text = fmt("[agent]\n; %s\n", big);
	BAD(text, TA_ERR_TOO_LARGE, 2, "line is too long");
	free(text);
	text = fmt("%s", big);
	BAD(text, TA_ERR_TOO_LARGE, 1, "line is too long");
	free(text);
	free(big);
	free(a);
}

static void
test_agent_config_long_comment_is_fine(void **state)
{
	struct ta_config *cfg = cfg_new();
	char *c = repeat('c', 3000), *text;

	(void)state;
	text = fmt("[agent] ; %s\nmax-clients = 3   ; %s\n", c, c);
	OK(cfg, text);
	assert_int_equal(cfg->max_clients, 3);
	free(text);
	free(c);
	free(cfg);
}

static void
test_agent_config_control_characters(void **state)
{
	static const char nul[] = "[agent]\nmax-clients = 1\0\n";

	(void)state;
	BAD("[agent]\nmax-clients = 1\x01\n", TA_ERR_INVALID, 2, "control character 0x01 in line");
	BAD("[agent]\nsocket = /a\rb\n", TA_ERR_INVALID, 2, "control character 0x0d in line");
	BAD("[agent]\x1b[0m\n", TA_ERR_INVALID, 1, "control character 0x1b");
	BAD("[agent]\n; \x7f in a comment too\n", TA_ERR_INVALID, 2, "control character 0x7f");
	bad_n(nul, sizeof(nul) - 1, TA_ERR_INVALID, 2, "control character 0x00 in line", __LINE__);
}

static void
test_agent_config_too_long_values(void **state)
{
	char *s107 = repeat('s', 107), *n65 = repeat('n', 65), *text;

	(void)state;
	text = fmt("[agent]\nsocket = /%s\n", s107);
	BAD(text, TA_ERR_TOO_LARGE, 2, "value of 'socket' is too long (108 bytes, at most 107)");
	free(text);
	text = fmt("[allow \"r\"]\nuser = %s\n", n65);
	BAD(text, TA_ERR_TOO_LARGE, 2, "value of 'user' is too long (65 bytes, at most 64)");
	free(text);
	text = fmt("[allow \"r\"]\ngroup = %s\n", n65);
	BAD(text, TA_ERR_TOO_LARGE, 2, "value of 'group' is too long");
	free(text);
	free(n65);
	free(s107);
}

/* ---- refusals: values ------------------------------------------------------ */

static void
test_agent_config_numbers_strict(void **state)
{
	static const char *const not_numbers[] = {
		"-1", "+5", "5x", "0x10", "1e3", "1.5", "5 5", "five", "\xd9\xa5",
	};
	size_t i;
	char *text, *want;

	(void)state;
	for (i = 0; i < sizeof(not_numbers) / sizeof(not_numbers[0]); i++) {
		text = fmt("[agent]\nmax-clients = %s\n", not_numbers[i]);
		want = fmt("'max-clients' must be a number, not '%s'", not_numbers[i]);
		BAD(text, TA_ERR_INVALID, 2, want);
		free(want);
		free(text);
	}
	BAD("[agent]\nmax-clients = 0\n", TA_ERR_INVALID, 2,
	    "'max-clients' must be 1..65535, not '0'");
	BAD("[agent]\nmax-clients = 65536\n", TA_ERR_INVALID, 2, "'max-clients' must be 1..65535");
	BAD("[agent]\nmax-clients = 18446744073709551616\n", TA_ERR_INVALID, 2,
	    "'max-clients' must be 1..65535");
	BAD("[agent]\nmax-clients = 99999999999999999999999999\n", TA_ERR_INVALID, 2,
	    "'max-clients' must be 1..65535");
	BAD("[agent]\nmax-inflight = 0\n", TA_ERR_INVALID, 2, "'max-inflight' must be 1..1024");
	BAD("[agent]\nmax-inflight = 1025\n", TA_ERR_INVALID, 2, "'max-inflight' must be 1..1024");
	BAD(TOKEN("sessions = 0"), TA_ERR_INVALID, 4, "'sessions' must be 1..64, not '0'");
	BAD(TOKEN("sessions = 65"), TA_ERR_INVALID, 4, "'sessions' must be 1..64, not '65'");
	BAD(TOKEN("sessions = 4 sessions"), TA_ERR_INVALID, 4, "'sessions' must be a number");
	BAD(TOKEN("verify-signatures = 0"), TA_ERR_INVALID, 4,
	    "'verify-signatures' must be yes or no, not '0'");
	BAD(TOKEN("verify-signatures = Yes"), TA_ERR_INVALID, 4,
	    "'verify-signatures' must be yes or no, not 'Yes'");
}

static void
test_agent_config_max_frame_refused(void **state)
{
	static const char *const not_sizes[] = {
		"64MB", "1T", "M", "-1M", "64m", "64k", "6 4M", "64M;", "0x40M", "64 M",
	};
	static const char *const out_of_range[] = {
		"0", "4095", "3K", "65M", "67108865", "1G", "65537K", "99999999999999999999K",
		"18446744073709551615G",
	};
	size_t i;
	char *text, *want;

	(void)state;
	for (i = 0; i < sizeof(not_sizes) / sizeof(not_sizes[0]); i++) {
		text = fmt("[agent]\nmax-frame = %s\n", not_sizes[i]);
		want = fmt("'max-frame' must be a size (bytes, or with K, M or G), not '%s'",
		    not_sizes[i]);
		BAD(text, TA_ERR_INVALID, 2, want);
		free(want);
		free(text);
	}
	for (i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		text = fmt("[agent]\nmax-frame = %s\n", out_of_range[i]);
		want = fmt("'max-frame' must be 4K..64M, not '%s'", out_of_range[i]);
		BAD(text, TA_ERR_INVALID, 2, want);
		free(want);
		free(text);
	}
}

static void
test_agent_config_max_buffer_refused(void **state)
{
	static const char *const keys[] = { "max-buffer", "max-buffer-per-uid" };
	static const char *const not_sizes[] = {
		"256MB", "1T", "G", "-1M", "256m", "1g", "2 56M", "256M;", "0x10M", "",
	};
	static const char *const out_of_range[] = {
		"0", "1048575", "1023K", "65G", "68719476737", "99999999999999999999",
		"18446744073709551615G", "67108865K",
	};
	size_t i, k;
	char *text, *want;

	(void)state;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(not_sizes) / sizeof(not_sizes[0]); i++) {
			if (not_sizes[i][0] == '\0')
				continue; /* empty values: test_agent_config_empty_values */
			text = fmt("[agent]\n%s = %s\n", keys[k], not_sizes[i]);
			want = fmt("'%s' must be a size (bytes, or with K, M or G), not '%s'",
			    keys[k], not_sizes[i]);
			BAD(text, TA_ERR_INVALID, 2, want);
			free(want);
			free(text);
		}
		for (i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
			text = fmt("[agent]\n%s = %s\n", keys[k], out_of_range[i]);
			want = fmt("'%s' must be 1M..64G, not '%s'", keys[k], out_of_range[i]);
			BAD(text, TA_ERR_INVALID, 2, want);
			free(want);
			free(text);
		}
		text = fmt("[agent]\n%s = 8M\n%s = 8M\n", keys[k], keys[k]);
		want = fmt("duplicate key '%s' in [agent]", keys[k]);
		BAD(text, TA_ERR_INVALID, 3, want);
		free(want);
		free(text);
	}
	/* The share is over the whole: refused at the section, in either order,
	 * also when the whole is the default. */
	BAD("[agent]\nmax-buffer = 64M\nmax-buffer-per-uid = 65M\n", TA_ERR_INVALID, 1,
	    "'max-buffer-per-uid' (68157440 bytes) is over 'max-buffer' (67108864 bytes)");
	BAD("[agent]\nmax-buffer-per-uid = 2G\nmax-buffer = 1G\n", TA_ERR_INVALID, 1,
	    "'max-buffer-per-uid' (2147483648 bytes) is over 'max-buffer' (1073741824 bytes)");
	BAD("[agent]\nmax-buffer-per-uid = 257M\n[token \"t\"]\n", TA_ERR_INVALID, 1,
	    "'max-buffer-per-uid' (269484032 bytes) is over 'max-buffer' (268435456 bytes)");
	BAD("[agent]\nmax-buffer-per-uid = 257M\n", TA_ERR_INVALID, 1,
	    "'max-buffer-per-uid' (269484032 bytes) is over 'max-buffer' (268435456 bytes)");
}

static void
test_agent_config_idle_timeout_refused(void **state)
{
	(void)state;
	BAD("[agent]\nidle-timeout = 0\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d");
	BAD("[agent]\nidle-timeout = 86401\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d");
	BAD("[agent]\nidle-timeout = 2d\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d");
	BAD("[agent]\nidle-timeout = 5m\n", TA_ERR_INVALID, 2,
	    "'idle-timeout' must be a duration (3600, 12h, 1d), not '5m'");
	BAD("[agent]\nidle-timeout = -1\n", TA_ERR_INVALID, 2, "'idle-timeout' must be a duration");
	BAD("[agent]\nidle-timeout = 999999999999999999999\n", TA_ERR_INVALID, 2,
	    "'idle-timeout' must be 1s..1d");
}

static void
test_agent_config_ids_refused(void **state)
{
	(void)state;
	BAD("[allow \"r\"]\nuid = -1\n", TA_ERR_INVALID, 2, "'uid' must be a number, not '-1'");
	BAD("[allow \"r\"]\nuid = 4294967295\n", TA_ERR_INVALID, 2,
	    "'uid' must be 0..4294967294, not '4294967295'");
	BAD("[allow \"r\"]\nuid = 99999999999\n", TA_ERR_INVALID, 2, "'uid' must be 0..4294967294");
	BAD("[allow \"r\"]\nuid = root\n", TA_ERR_INVALID, 2, "'uid' must be a number");
	BAD("[allow \"r\"]\nuid = 1000, 1001\n", TA_ERR_INVALID, 2, "'uid' must be a number");
	BAD("[allow \"r\"]\ngid = -5\n", TA_ERR_INVALID, 2, "'gid' must be a number, not '-5'");
	BAD("[allow \"r\"]\ngid = 4294967295\n", TA_ERR_INVALID, 2, "'gid' must be 0..4294967294");
	BAD("[allow \"r\"]\ngid = 0x0\n", TA_ERR_INVALID, 2, "'gid' must be a number");
}

static void
test_agent_config_names_refused(void **state)
{
	(void)state;
	BAD("[allow \"r\"]\nuser = 1000\n", TA_ERR_INVALID, 2,
	    "'user': '1000' is a number; write uid = 1000");
	BAD("[allow \"r\"]\ngroup = 100\n", TA_ERR_INVALID, 2,
	    "'group': '100' is a number; write gid = 100");
	BAD("[allow \"r\"]\nuser = -rf\n", TA_ERR_INVALID, 2, "'user': '-rf' is not a valid name");
	BAD("[allow \"r\"]\nuser = a/b\n", TA_ERR_INVALID, 2, "'user': 'a/b' is not a valid name");
	BAD("[allow \"r\"]\nuser = a$b\n", TA_ERR_INVALID, 2, "'user': 'a$b' is not a valid name");
	BAD("[allow \"r\"]\nuser = bob@\n", TA_ERR_INVALID, 2, "'user': 'bob@' is not");
	BAD("[allow \"r\"]\ngroup = a b\n", TA_ERR_INVALID, 2, "'group': 'a b' is not");
	BAD("[allow \"r\"]\ngroup = builders,ops\n", TA_ERR_INVALID, 2, "'group': 'builders,ops'");
	BAD("[allow \"r\"]\ngroup = *\n", TA_ERR_INVALID, 2, "'group': '*' is not a valid name");
}

static void
test_agent_config_token_values_refused(void **state)
{
	(void)state;
	BAD("[token \"t\"]\nmodule = ./softhsm2.so\n", TA_ERR_INVALID, 2,
	    "'module' must be a p11-kit module name or an absolute path, not './softhsm2.so'");
	BAD("[token \"t\"]\nmodule = lib/x.so\n", TA_ERR_INVALID, 2, "'module' must be a p11-kit");
	BAD("[token \"t\"]\nmodule = soft hsm\n", TA_ERR_INVALID, 2,
	    "'module': 'soft hsm' is not a p11-kit module name");
	BAD("[token \"t\"]\nmodule = soft*\n", TA_ERR_INVALID, 2, "'module': 'soft*' is not");
	BAD("[token \"t\"]\nuri = token=x\n", TA_ERR_INVALID, 2,
	    "'uri' must be a PKCS#11 URI (pkcs11:token=...), not 'token=x'");
	BAD("[token \"t\"]\nuri = PKCS11:token=x\n", TA_ERR_INVALID, 2, "'uri' must be a PKCS#11");
	BAD("[token \"t\"]\nuri = pkcs11:token=a b\n", TA_ERR_INVALID, 2,
	    "'uri' must be a PKCS#11");
	BAD("[token \"t\"]\npin = bogus\n", TA_ERR_INVALID, 2,
	    "'pin' must be file:/PATH, env:NAME, pinentry[:/PATH], unlock or none, not 'bogus'");
	BAD("[token \"t\"]\npin = file:pin.txt\n", TA_ERR_INVALID, 2, "'pin' must be file:/PATH");
	BAD("[token \"t\"]\npin = env:\n", TA_ERR_INVALID, 2, "'pin' must be file:/PATH");
	BAD("[token \"t\"]\npin = file:/x|y ; a comment\npin = none\n", TA_ERR_INVALID, 3,
	    "duplicate key 'pin'");
}

static void
test_agent_config_rule_values_refused(void **state)
{
	(void)state;
	BAD(RULE("max-expiry = 0"), TA_ERR_INVALID, 3,
	    "'max-expiry' must be more than 0 (leave it out for no limit)");
	BAD(RULE("max-expiry = -1d"), TA_ERR_INVALID, 3,
	    "'max-expiry' must be a duration (90d, 12h, 2w, 1y, 3600), not '-1d'");
	BAD(RULE("max-expiry = 90x"), TA_ERR_INVALID, 3, "'max-expiry' must be a duration");
	BAD(RULE("max-expiry = 3 months"), TA_ERR_INVALID, 3, "'max-expiry' must be a duration");
	BAD(RULE("max-expiry = 9999999999999999999"), TA_ERR_TOO_LARGE, 3,
	    "'max-expiry' is too large: '9999999999999999999'");
	BAD(RULE("max-expiry = 300000000000y"), TA_ERR_TOO_LARGE, 3, "'max-expiry' is too large");
}

static void
test_agent_config_agent_values_refused(void **state)
{
	(void)state;
	BAD("[agent]\nsocket = run/agent.sock\n", TA_ERR_INVALID, 2,
	    "'socket' must be an absolute path, not 'run/agent.sock'");
	BAD("[agent]\naudit = syslog\n", TA_ERR_INVALID, 2,
	    "'audit' must be journal, stderr or an absolute path, not 'syslog'");
	BAD("[agent]\naudit = journal | stderr | /path/file\n", TA_ERR_INVALID, 2,
	    "'audit' must be journal, stderr or an absolute path");
	BAD("[agent]\naudit = audit.log\n", TA_ERR_INVALID, 2, "'audit' must be journal");
	BAD("[agent]\naudit = Journal\n", TA_ERR_INVALID, 2, "'audit' must be journal");
}

static void
test_agent_config_unreadable(void **state)
{
	struct ta_config *cfg = cfg_new();
	const char *tmp = getenv("TMPDIR");
	char err[512];

	(void)state;
	errno = 0;
	assert_int_equal(ta_config_load(cfg, "/nonexistent/tuf-agent.conf", err, sizeof(err)),
	    TA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent/tuf-agent.conf: cannot open: No such file or "
	    "directory");
	/* A directory opens, then fails to read. */
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	errno = 0;
	assert_int_equal(ta_config_load(cfg, tmp, err, sizeof(err)), TA_ERR_SYSTEM);
	assert_int_equal(errno, EISDIR);
	assert_non_null(strstr(err, ": read: "));
	assert_int_equal(cfg->n_tokens, 0);
	free(cfg);
}

static void
test_agent_config_bad_arguments(void **state)
{
	struct ta_config *cfg = cfg_new();
	char err[16];

	(void)state;
	assert_int_equal(ta_config_load(NULL, "/x", err, sizeof(err)), TA_ERR_INVALID);
	assert_int_equal(ta_config_load(cfg, NULL, err, sizeof(err)), TA_ERR_INVALID);
	/* No room for a message, or little: still the code, still terminated. */
	assert_int_equal(load_n(cfg, "[bogus]\n", 8, NULL, 0), TA_ERR_INVALID);
	assert_int_equal(load_n(cfg, "[bogus]\n", 8, err, 0), TA_ERR_INVALID);
	memset(err, 'x', sizeof(err));
	assert_int_equal(load_n(cfg, "[bogus]\n", 8, err, sizeof(err)), TA_ERR_INVALID);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, cfg_path, sizeof(err) - 1);
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
	char *s, *path = repeat('p', TA_CFG_VALUE_MAX - 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&pin, 0x5a, sizeof(pin));
		assert_int_equal(ta_pin_source_parse(ok[i].in, &pin), 0);
		assert_int_equal(pin.kind, ok[i].kind);
		assert_string_equal(pin.arg, ok[i].arg);
	}
	/* The argument at its longest. */
	s = fmt("file:/%s", path);
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
	char *s, *path = repeat('p', TA_CFG_VALUE_MAX);
	size_t i;

	(void)state;
	memset(&pin, 0x5a, sizeof(pin));
	before = pin;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (ta_pin_source_parse(invalid[i], &pin) != TA_ERR_INVALID)
			print_message("accepted '%s'\n", invalid[i]);
		assert_int_equal(ta_pin_source_parse(invalid[i], &pin), TA_ERR_INVALID);
	}
	s = fmt("file:/%s", path);
	assert_int_equal(ta_pin_source_parse(s, &pin), TA_ERR_TOO_LARGE);
	free(s);
	s = fmt("env:%sX", path);
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
	assert_null(ta_op_name(0));
	assert_null(ta_op_name(TA_OP_SIGN | TA_OP_LOCK));
	assert_null(ta_op_name(TA_OP_ALL));
	assert_null(ta_op_name(1u << 9));
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
		cmocka_unit_test(test_agent_config_long_comment_is_fine),
		cmocka_unit_test(test_agent_config_unknown_key),
		cmocka_unit_test(test_agent_config_unknown_section),
		cmocka_unit_test(test_agent_config_section_name_malformed),
		cmocka_unit_test(test_agent_config_duplicate_sections),
		cmocka_unit_test(test_agent_config_duplicate_keys),
		cmocka_unit_test(test_agent_config_key_outside_section),
		cmocka_unit_test(test_agent_config_empty_values),
		cmocka_unit_test(test_agent_config_syntax_errors),
		cmocka_unit_test(test_agent_config_token_incomplete),
		cmocka_unit_test(test_agent_config_rule_names_nobody),
		cmocka_unit_test(test_agent_config_too_many_sections),
		cmocka_unit_test(test_agent_config_list_too_long),
		cmocka_unit_test(test_agent_config_list_malformed),
		cmocka_unit_test(test_agent_config_long_lines),
		cmocka_unit_test(test_agent_config_control_characters),
		cmocka_unit_test(test_agent_config_too_long_values),
		cmocka_unit_test(test_agent_config_numbers_strict),
		cmocka_unit_test(test_agent_config_max_frame_refused),
		cmocka_unit_test(test_agent_config_max_buffer_refused),
		cmocka_unit_test(test_agent_config_idle_timeout_refused),
		cmocka_unit_test(test_agent_config_ids_refused),
		cmocka_unit_test(test_agent_config_names_refused),
		cmocka_unit_test(test_agent_config_token_values_refused),
		cmocka_unit_test(test_agent_config_rule_values_refused),
		cmocka_unit_test(test_agent_config_agent_values_refused),
		cmocka_unit_test(test_agent_config_unreadable),
		cmocka_unit_test(test_agent_config_bad_arguments),
		cmocka_unit_test(test_agent_config_duration_parse),
		cmocka_unit_test(test_agent_config_duration_refused),
		cmocka_unit_test(test_agent_config_pin_source_parse),
		cmocka_unit_test(test_agent_config_pin_source_refused),
		cmocka_unit_test(test_agent_config_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
