/* Unit tests for agent/config.c and agent/confparse.c: configuration files
 * refused for their structure, lists, lines and values, with the line and
 * message.  Fixtures: tests/tools/configfix.c. */
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

/* ---- refusals: structure ------------------------------------------------- */

static void
test_agent_config_unknown_key(void **state)
{
	(void)state;
	BAD("[agent]\nsockets = /x\n", TA_ERR_INVALID, 2, "unknown key 'sockets' in [agent]");
	BAD(TOKEN("slot = 1"), TA_ERR_INVALID, 4, "unknown key 'slot' in [token \"t\"]");
	/* pin-cache: no, 0 or a duration up to a day. */
	BAD(TOKEN("pin-cache = 2d"), TA_ERR_INVALID, 4,
	    "'pin-cache' must be no, 0 or a duration up to 1d (90s, 15m, 1h), not '2d'");
	BAD(TOKEN("pin-cache = 1441m"), TA_ERR_INVALID, 4, "'pin-cache' must be no, 0 or a duration");
	BAD(TOKEN("pin-cache = -1"), TA_ERR_INVALID, 4, "'pin-cache' must be no, 0 or a duration");
	BAD(TOKEN("pin-cache = 15x"), TA_ERR_INVALID, 4, "'pin-cache' must be no, 0 or a duration");
	BAD(TOKEN("pin-cache = m"), TA_ERR_INVALID, 4, "'pin-cache' must be no, 0 or a duration");
	BAD(TOKEN("pin-cache = yes"), TA_ERR_INVALID, 4, "'pin-cache' must be no, 0 or a duration");
	BAD(TOKEN("pin-cache = 99999999999999999999999m"), TA_ERR_INVALID, 4,
	    "'pin-cache' must be no, 0 or a duration");
	/* management-key: a file or pinentry, never the environment or none. */
	BAD(TOKEN("management-key = env:MGMT"), TA_ERR_INVALID, 4,
	    "'management-key' must be file:/PATH or pinentry[:/PATH], not 'env:MGMT'");
	BAD(TOKEN("management-key = none"), TA_ERR_INVALID, 4, "'management-key' must be file:/PATH");
	BAD(TOKEN("management-key = unlock"), TA_ERR_INVALID, 4, "'management-key' must be file:/PATH");
	BAD(TOKEN("management-key = file:relative"), TA_ERR_INVALID, 4,
	    "'management-key' must be file:/PATH");
	BAD(TOKEN("management-key = 010203040506070801020304050607080102030405060708"), TA_ERR_INVALID,
	    4, "'management-key' must be file:/PATH");
	BAD(TOKEN("management-key ="), TA_ERR_INVALID, 4, "empty value for 'management-key' in [token");
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
		want = tu_fmt("%s:3: unknown key 'x' in [allow \"b\"]", cfg_path);
		assert_string_equal(err, want);
		free(want);
		free(cfg);
	}
}

static const struct bad_case unknown_section_cases[] = {
	{ "[agent]\n[bogus]\n", TA_ERR_INVALID, 2, "unknown section [bogus]" },
	{ "[Agent]\n", TA_ERR_INVALID, 1, "unknown section [Agent]" },
	{ "[tokens \"x\"]\n", TA_ERR_INVALID, 1, "unknown section [tokens \"x\"]" },
	{ "[allowed \"x\"]\n", TA_ERR_INVALID, 1, "unknown section [allowed \"x\"]" },
	{ "[]\n", TA_ERR_INVALID, 1, "unknown section []" },
	{ "[agent \"x\"]\n", TA_ERR_INVALID, 1, "[agent] takes no name" },
	/* Empty unknown sections are refused too (inih never reports them). */
	{ "; only a header\n[deny \"x\"]\n", TA_ERR_INVALID, 2, "unknown section [deny" },
};

static void
test_agent_config_unknown_section(void **state)
{
	(void)state;
	BAD_CASES(unknown_section_cases);
}

static void
test_agent_config_section_name_malformed(void **state)
{
	char *text, *name = tu_repeat('n', TA_CFG_NAME_MAX + 1);

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
	text = tu_fmt("[token \"%s\"]\n", name);
	BAD(text, TA_ERR_TOO_LARGE, 1, "[token] name is too long (65 bytes, at most 64)");
	free(text);
	text = tu_fmt("[allow \"%s\"]\n", name);
	BAD(text, TA_ERR_TOO_LARGE, 1, "[allow] name is too long");
	free(text);
	free(name);
}

static const struct bad_case duplicate_sections_cases[] = {
	{ "[agent]\nmax-clients = 1\n\n[agent]\n", TA_ERR_INVALID, 4, "duplicate section [agent] (first at line 1)" },
	{ TOKEN("") "[token \"t\"]\n", TA_ERR_INVALID, 5, "duplicate section [token \"t\"] (first at line 1)" },
	{ RULE("") "[allow \"x\"]\nuid = 1\n[allow \"r\"]\nuid = 2\n", TA_ERR_INVALID, 6, "duplicate section [allow \"r\"] (first at line 1)" },
	/* Back to back, with nothing between: inih alone would merge them. */
	{ "[allow \"r\"]\n[allow \"r\"]\nuid = 1\n", TA_ERR_INVALID, 1, "[allow \"r\"] names nobody" },
};

static void
test_agent_config_duplicate_sections(void **state)
{
	(void)state;
	BAD_CASES(duplicate_sections_cases);
}

static const struct bad_case duplicate_keys_cases[] = {
	{ "[agent]\nmax-clients = 1\nmax-clients = 1\n", TA_ERR_INVALID, 3, "duplicate key 'max-clients' in [agent]" },
	{ TOKEN("uri = pkcs11:token=u"), TA_ERR_INVALID, 4, "duplicate key 'uri' in [token" },
	{ RULE("uid = 1000"), TA_ERR_INVALID, 3, "duplicate key 'uid' in [allow \"r\"]" },
	{ RULE("max-expiry = 1d\nmax-expiry = 2d"), TA_ERR_INVALID, 4, "duplicate key 'max-expiry'" },
	{ "[allow \"r\"]\nuser = a\nuser = b\n", TA_ERR_INVALID, 3, "duplicate key 'user'" },
};

static void
test_agent_config_duplicate_keys(void **state)
{
	(void)state;
	BAD_CASES(duplicate_keys_cases);
}

static const struct bad_case key_outside_section_cases[] = {
	{ "max-clients = 1\n[agent]\n", TA_ERR_INVALID, 1, "key 'max-clients' outside any section" },
	{ "\n\n; c\nuid = 1\n", TA_ERR_INVALID, 4, "key 'uid' outside any section" },
};

static void
test_agent_config_key_outside_section(void **state)
{
	(void)state;
	BAD_CASES(key_outside_section_cases);
}

static const struct bad_case empty_values_cases[] = {
	{ "[agent]\nsocket =\n", TA_ERR_INVALID, 2, "empty value for 'socket' in [agent]" },
	{ "[agent]\naudit = ; nothing\n", TA_ERR_INVALID, 2, "empty value for 'audit'" },
	{ TOKEN("pin = "), TA_ERR_INVALID, 4, "empty value for 'pin' in [token \"t\"]" },
	{ RULE("keys ="), TA_ERR_INVALID, 3, "empty value for 'keys' in [allow \"r\"]" },
	{ RULE("operations = # none"), TA_ERR_INVALID, 3, "empty value for 'operations'" },
};

static void
test_agent_config_empty_values(void **state)
{
	(void)state;
	BAD_CASES(empty_values_cases);
}

static const struct bad_case syntax_errors_cases[] = {
	{ "[agent]\nmax-clients\n", TA_ERR_INVALID, 2, "expected 'key = value', '[section]' or a comment" },
	{ "[agent]\n\njunk\n", TA_ERR_INVALID, 3, "expected 'key = value'" },
	/* The first error is the one reported, whoever finds it. */
	{ "[agent]\njunk\nbogus = 1\n", TA_ERR_INVALID, 2, "expected 'key = value'" },
	{ "[agent]\nbogus = 1\njunk\n", TA_ERR_INVALID, 2, "unknown key 'bogus'" },
	{ RULE("roles"), TA_ERR_INVALID, 3, "expected 'key = value'" },
};

static void
test_agent_config_syntax_errors(void **state)
{
	(void)state;
	BAD_CASES(syntax_errors_cases);
}

static const struct bad_case token_incomplete_cases[] = {
	/* Reported at the header, when the section ends: at the next one... */
	{ "[token \"a\"]\nuri = pkcs11:\n\n[agent]\n", TA_ERR_INVALID, 1, "[token \"a\"] has no 'module'" },
	{ "[agent]\n[token \"a\"]\nmodule = m\n[allow \"x\"]\nuid = 1\n", TA_ERR_INVALID, 2, "[token \"a\"] has no 'uri'" },
	/* ...or at the end of the file. */
	{ "[token \"a\"]\nmodule = m\n", TA_ERR_INVALID, 1, "[token \"a\"] has no 'uri'" },
	{ "[token \"a\"]\n", TA_ERR_INVALID, 1, "[token \"a\"] has no 'module'" },
	{ "[token \"a\"]\npin = none\nsessions = 2\n", TA_ERR_INVALID, 1, "[token \"a\"] has no" },
};

static void
test_agent_config_token_incomplete(void **state)
{
	(void)state;
	BAD_CASES(token_incomplete_cases);
}

static const struct bad_case rule_names_nobody_cases[] = {
	{ "[allow \"r\"]\nkeys = *\noperations = all\n", TA_ERR_INVALID, 1, "[allow \"r\"] names nobody: set uid, gid, user or group" },
	{ "[agent]\n[allow \"r\"]\n[agent]\n", TA_ERR_INVALID, 2, "[allow \"r\"] names nobody" },
	{ "[allow \"x\"]\nuid = 1\n[allow \"r\"]\n", TA_ERR_INVALID, 3, "[allow \"r\"] names nobody" },
};

static void
test_agent_config_rule_names_nobody(void **state)
{
	(void)state;
	BAD_CASES(rule_names_nobody_cases);
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
	char list[512], *p, *text, *key = tu_repeat('k', (size_t)TA_CFG_NAME_MAX * 2 + 1);
	size_t i;

	(void)state;
	for (i = 0, p = list; i <= TA_CFG_MAX_LIST; i++)
		p += sprintf(p, "%sk%zu", i > 0 ? ", " : "", i);
	text = tu_fmt(RULE("keys = %s"), list);
	BAD(text, TA_ERR_TOO_LARGE, 3, "more than 32 entries in 'keys'");
	free(text);

	/* 32 on one line, then one more on a repeated key. */
	for (i = 0, p = list; i < TA_CFG_MAX_LIST; i++)
		p += sprintf(p, "%sr%zu", i > 0 ? ", " : "", i);
	text = tu_fmt(RULE("roles = %s\nroles = one-more"), list);
	BAD(text, TA_ERR_TOO_LARGE, 4, "more than 32 entries in 'roles'");
	free(text);

	/* One entry over its size. */
	text = tu_fmt(RULE("keys = a, %s"), key);
	BAD(text, TA_ERR_TOO_LARGE, 3, "entry 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' in 'keys' is "
	    "too long (129 bytes, at most 128)");
	free(text);
	free(key);
}

static const struct bad_case list_malformed_cases[] = {
	{ RULE("keys = a,,b"), TA_ERR_INVALID, 3, "empty entry in 'keys'" },
	{ RULE("keys = a,"), TA_ERR_INVALID, 3, "empty entry in 'keys'" },
	{ RULE("roles = ,a"), TA_ERR_INVALID, 3, "empty entry in 'roles'" },
	{ RULE("gun = a, ,b"), TA_ERR_INVALID, 3, "empty entry in 'gun'" },
	{ RULE("gun = ,"), TA_ERR_INVALID, 3, "empty entry in 'gun'" },
	{ RULE("roles = targets targets/*"), TA_ERR_INVALID, 3, "entry 'targets targets/*' in 'roles' has a blank inside" },
	{ RULE("keys = a\tb"), TA_ERR_INVALID, 3, "entry 'a\tb' in 'keys' has a blank inside" },
	{ RULE("operations = sign, bogus"), TA_ERR_INVALID, 3, "unknown operation 'bogus' in 'operations' (sign, key.list, key.generate, key.cert, " "key.show, unlock, lock, status, all)" },
	{ RULE("operations = Sign"), TA_ERR_INVALID, 3, "unknown operation 'Sign'" },
	{ RULE("operations = sign key.list"), TA_ERR_INVALID, 3, "entry 'sign key.list'" },
	{ RULE("operations = sign,,lock"), TA_ERR_INVALID, 3, "empty entry in 'operations'" },
	{ RULE("operations = key"), TA_ERR_INVALID, 3, "unknown operation 'key'" },
	{ RULE("operations = *"), TA_ERR_INVALID, 3, "unknown operation '*'" },
};

static void
test_agent_config_list_malformed(void **state)
{
	(void)state;
	BAD_CASES(list_malformed_cases);
}

/* ---- refusals: lines ------------------------------------------------------ */

static void
test_agent_config_long_lines(void **state)
{
	char *a = tu_repeat('a', 195), *big = tu_repeat('b', 5000), *text;

	(void)state;
	/* Over inih's line buffer, comments and blanks left out. */
	text = tu_fmt("[agent]\nsocket = /%s\n", a);
	BAD(text, TA_ERR_TOO_LARGE, 2, "line is too long (205 characters without comments, at "
	    "most 199)");
	free(text);
	/* inih would cut the line and parse its tail as a line of its own. */
	text = tu_fmt(RULE("keys = %.183soperations = all"), a);
	BAD(text, TA_ERR_TOO_LARGE, 3, "line is too long");
	free(text);
	text = tu_fmt(RULE("roles = %.192s"), a);
	BAD(text, TA_ERR_TOO_LARGE, 3, "line is too long (200 characters without comments, at "
	    "most 199)");
	free(text);
	/* Over what the reader holds at all. */
	text = tu_fmt("[agent]\n; %s\n", big);
	BAD(text, TA_ERR_TOO_LARGE, 2, "line is too long");
	free(text);
	text = tu_fmt("%s", big);
	BAD(text, TA_ERR_TOO_LARGE, 1, "line is too long");
	free(text);
	free(big);
	free(a);
}

static void
test_agent_config_long_comment_is_fine(void **state)
{
	struct ta_config *cfg = cfg_new();
	char *c = tu_repeat('c', 3000), *text;

	(void)state;
	text = tu_fmt("[agent] ; %s\nmax-clients = 3   ; %s\n", c, c);
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
	/* "key: value" (a YAML habit inih would take) is refused, naming it. */
	BAD("[agent]\naudit: /var/log/x\n", TA_ERR_INVALID, 2, "'audit:' is not a setting: write 'key = value'");
	BAD("[agent]\n  max-clients : 4 # = 5\n", TA_ERR_INVALID, 2, "'max-clients :' is not a setting");
	BAD("[agent]\n; \x7f in a comment too\n", TA_ERR_INVALID, 2, "control character 0x7f");
	bad_n(nul, sizeof(nul) - 1, TA_ERR_INVALID, 2, "control character 0x00 in line", __LINE__);
}

static void
test_agent_config_too_long_values(void **state)
{
	char *s107 = tu_repeat('s', 107), *n65 = tu_repeat('n', 65), *text;

	(void)state;
	text = tu_fmt("[agent]\nsocket = /%s\n", s107);
	BAD(text, TA_ERR_TOO_LARGE, 2, "value of 'socket' is too long (108 bytes, at most 107)");
	free(text);
	text = tu_fmt("[allow \"r\"]\nuser = %s\n", n65);
	BAD(text, TA_ERR_TOO_LARGE, 2, "value of 'user' is too long (65 bytes, at most 64)");
	free(text);
	text = tu_fmt("[allow \"r\"]\ngroup = %s\n", n65);
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
		text = tu_fmt("[agent]\nmax-clients = %s\n", not_numbers[i]);
		want = tu_fmt("'max-clients' must be a number, not '%s'", not_numbers[i]);
		BAD(text, TA_ERR_INVALID, 2, want);
		free(want);
		free(text);
	}
	BAD("[agent]\nsocket-mode = 0770\n", TA_ERR_INVALID, 2,
	    "'socket-mode' 0770: a socket is read and written (0600 at least, no execute or special bits)");
	BAD("[agent]\nsocket-mode = 0460\n", TA_ERR_INVALID, 2, "'socket-mode' 0460: a socket");
	BAD("[agent]\nsocket-mode = 4660\n", TA_ERR_INVALID, 2, "'socket-mode' 4660: a socket");
	BAD("[agent]\nsocket-mode = rw\n", TA_ERR_INVALID, 2,
	    "'socket-mode' must be an octal mode such as 0660, not 'rw'");
	BAD("[agent]\nsocket-mode = 06600\n", TA_ERR_INVALID, 2, "'socket-mode' must be an octal mode");
	BAD("[agent]\nsocket-group = a b\n", TA_ERR_INVALID, 2,
	    "'socket-group' must be a group name or number, not 'a b'");
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
		text = tu_fmt("[agent]\nmax-frame = %s\n", not_sizes[i]);
		want = tu_fmt("'max-frame' must be a size (bytes, or with K, M or G), not '%s'",
		    not_sizes[i]);
		BAD(text, TA_ERR_INVALID, 2, want);
		free(want);
		free(text);
	}
	for (i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		text = tu_fmt("[agent]\nmax-frame = %s\n", out_of_range[i]);
		want = tu_fmt("'max-frame' must be 4K..64M, not '%s'", out_of_range[i]);
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
			text = tu_fmt("[agent]\n%s = %s\n", keys[k], not_sizes[i]);
			want = tu_fmt("'%s' must be a size (bytes, or with K, M or G), not '%s'",
			    keys[k], not_sizes[i]);
			BAD(text, TA_ERR_INVALID, 2, want);
			free(want);
			free(text);
		}
		for (i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
			text = tu_fmt("[agent]\n%s = %s\n", keys[k], out_of_range[i]);
			want = tu_fmt("'%s' must be 1M..64G, not '%s'", keys[k], out_of_range[i]);
			BAD(text, TA_ERR_INVALID, 2, want);
			free(want);
			free(text);
		}
		text = tu_fmt("[agent]\n%s = 8M\n%s = 8M\n", keys[k], keys[k]);
		want = tu_fmt("duplicate key '%s' in [agent]", keys[k]);
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

static const struct bad_case idle_timeout_refused_cases[] = {
	{ "[agent]\nidle-timeout = 0\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d" },
	{ "[agent]\nidle-timeout = 86401\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d" },
	{ "[agent]\nidle-timeout = 2d\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d" },
	{ "[agent]\nidle-timeout = 5m\n", TA_ERR_INVALID, 2, "'idle-timeout' must be a duration (3600, 12h, 1d), not '5m'" },
	{ "[agent]\nidle-timeout = -1\n", TA_ERR_INVALID, 2, "'idle-timeout' must be a duration" },
	{ "[agent]\nidle-timeout = 999999999999999999999\n", TA_ERR_INVALID, 2, "'idle-timeout' must be 1s..1d" },
};

static void
test_agent_config_idle_timeout_refused(void **state)
{
	(void)state;
	BAD_CASES(idle_timeout_refused_cases);
}

static const struct bad_case ids_refused_cases[] = {
	{ "[allow \"r\"]\nuid = -1\n", TA_ERR_INVALID, 2, "'uid' must be a number, not '-1'" },
	{ "[allow \"r\"]\nuid = 4294967295\n", TA_ERR_INVALID, 2, "'uid' must be 0..4294967294, not '4294967295'" },
	{ "[allow \"r\"]\nuid = 99999999999\n", TA_ERR_INVALID, 2, "'uid' must be 0..4294967294" },
	{ "[allow \"r\"]\nuid = root\n", TA_ERR_INVALID, 2, "'uid' must be a number" },
	{ "[allow \"r\"]\nuid = 1000, 1001\n", TA_ERR_INVALID, 2, "'uid' must be a number" },
	{ "[allow \"r\"]\ngid = -5\n", TA_ERR_INVALID, 2, "'gid' must be a number, not '-5'" },
	{ "[allow \"r\"]\ngid = 4294967295\n", TA_ERR_INVALID, 2, "'gid' must be 0..4294967294" },
	{ "[allow \"r\"]\ngid = 0x0\n", TA_ERR_INVALID, 2, "'gid' must be a number" },
};

static void
test_agent_config_ids_refused(void **state)
{
	(void)state;
	BAD_CASES(ids_refused_cases);
}

static const struct bad_case names_refused_cases[] = {
	{ "[allow \"r\"]\nuser = 1000\n", TA_ERR_INVALID, 2, "'user': '1000' is a number; write uid = 1000" },
	{ "[allow \"r\"]\ngroup = 100\n", TA_ERR_INVALID, 2, "'group': '100' is a number; write gid = 100" },
	{ "[allow \"r\"]\nuser = -rf\n", TA_ERR_INVALID, 2, "'user': '-rf' is not a valid name" },
	{ "[allow \"r\"]\nuser = a/b\n", TA_ERR_INVALID, 2, "'user': 'a/b' is not a valid name" },
	{ "[allow \"r\"]\nuser = a$b\n", TA_ERR_INVALID, 2, "'user': 'a$b' is not a valid name" },
	{ "[allow \"r\"]\nuser = bob@\n", TA_ERR_INVALID, 2, "'user': 'bob@' is not" },
	{ "[allow \"r\"]\ngroup = a b\n", TA_ERR_INVALID, 2, "'group': 'a b' is not" },
	{ "[allow \"r\"]\ngroup = builders,ops\n", TA_ERR_INVALID, 2, "'group': 'builders,ops'" },
	{ "[allow \"r\"]\ngroup = *\n", TA_ERR_INVALID, 2, "'group': '*' is not a valid name" },
};

static void
test_agent_config_names_refused(void **state)
{
	(void)state;
	BAD_CASES(names_refused_cases);
}

static const struct bad_case token_values_refused_cases[] = {
	{ "[token \"t\"]\nmodule = ./softhsm2.so\n", TA_ERR_INVALID, 2, "'module' must be a p11-kit module name or an absolute path, not './softhsm2.so'" },
	{ "[token \"t\"]\nmodule = lib/x.so\n", TA_ERR_INVALID, 2, "'module' must be a p11-kit" },
	{ "[token \"t\"]\nmodule = soft hsm\n", TA_ERR_INVALID, 2, "'module': 'soft hsm' is not a p11-kit module name" },
	{ "[token \"t\"]\nmodule = soft*\n", TA_ERR_INVALID, 2, "'module': 'soft*' is not" },
	{ "[token \"t\"]\nuri = token=x\n", TA_ERR_INVALID, 2, "'uri' must be a PKCS#11 URI (pkcs11:token=...), not 'token=x'" },
	{ "[token \"t\"]\nuri = PKCS11:token=x\n", TA_ERR_INVALID, 2, "'uri' must be a PKCS#11" },
	{ "[token \"t\"]\nuri = pkcs11:token=a b\n", TA_ERR_INVALID, 2, "'uri' must be a PKCS#11" },
	{ "[token \"t\"]\npin = bogus\n", TA_ERR_INVALID, 2, "'pin' must be file:/PATH, env:NAME, pinentry[:/PATH], unlock or none, not 'bogus'" },
	{ "[token \"t\"]\npin = file:pin.txt\n", TA_ERR_INVALID, 2, "'pin' must be file:/PATH" },
	{ "[token \"t\"]\npin = env:\n", TA_ERR_INVALID, 2, "'pin' must be file:/PATH" },
	{ "[token \"t\"]\npin = file:/x|y ; a comment\npin = none\n", TA_ERR_INVALID, 3, "duplicate key 'pin'" },
};

static void
test_agent_config_token_values_refused(void **state)
{
	(void)state;
	BAD_CASES(token_values_refused_cases);
}

static const struct bad_case rule_values_refused_cases[] = {
	{ RULE("max-expiry = 0"), TA_ERR_INVALID, 3, "'max-expiry' must be more than 0 (leave it out for no limit)" },
	{ RULE("max-expiry = -1d"), TA_ERR_INVALID, 3, "'max-expiry' must be a duration (90d, 12h, 2w, 1y, 3600), not '-1d'" },
	{ RULE("max-expiry = 90x"), TA_ERR_INVALID, 3, "'max-expiry' must be a duration" },
	{ RULE("max-expiry = 3 months"), TA_ERR_INVALID, 3, "'max-expiry' must be a duration" },
	{ RULE("max-expiry = 9999999999999999999"), TA_ERR_TOO_LARGE, 3, "'max-expiry' is too large: '9999999999999999999'" },
	{ RULE("max-expiry = 300000000000y"), TA_ERR_TOO_LARGE, 3, "'max-expiry' is too large" },
};

static void
test_agent_config_rule_values_refused(void **state)
{
	(void)state;
	BAD_CASES(rule_values_refused_cases);
}

static const struct bad_case agent_values_refused_cases[] = {
	{ "[agent]\nsocket = run/agent.sock\n", TA_ERR_INVALID, 2, "'socket' must be an absolute path, not 'run/agent.sock'" },
	{ "[agent]\naudit = syslog\n", TA_ERR_INVALID, 2, "'audit' must be journal, stderr or an absolute path, not 'syslog'" },
	{ "[agent]\naudit = journal | stderr | /path/file\n", TA_ERR_INVALID, 2, "'audit' must be journal, stderr or an absolute path" },
	{ "[agent]\naudit = audit.log\n", TA_ERR_INVALID, 2, "'audit' must be journal" },
	{ "[agent]\naudit = Journal\n", TA_ERR_INVALID, 2, "'audit' must be journal" },
};

static void
test_agent_config_agent_values_refused(void **state)
{
	(void)state;
	BAD_CASES(agent_values_refused_cases);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
