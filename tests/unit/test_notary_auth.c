/* Unit tests for client/notary_auth.c: registry token auth without libcurl
 * or a server.  Bearer challenges (RFC 7235 §2.1, RFC 6750 §3) and realms,
 * token answers (FORMATS §1.9), docker's config.json lookups and files,
 * the caller's credentials, and the Authorization lines made from them.
 * Expected values are written by hand from those texts and from what
 * docker and distribution's client do; tests/integration/notary-http.sh and
 * tests/integration/dct-auth.sh drive the same code against a real notary-server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "client/notary_auth.h"
#include "common/err.h"

#define REALM "https://auth.example.com/token"

/* ---- helpers ------------------------------------------------------------- */

/* A string of n copies of c (static storage, one at a time). */
static const char *
repeat(char c, size_t n)
{
	static char *buf;

	free(buf);
	buf = malloc(n + 1);
	assert_non_null(buf);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* printf into a malloc()ed string. */
static char * __attribute__((format(printf, 1, 2)))
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

/* Standard padded base64 of n bytes (malloc()ed). */
static char *
b64(const void *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	assert_non_null(out);
	(void)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static struct tn_challenge *
ch_new(void)
{
	struct tn_challenge *ch = malloc(sizeof(*ch));

	assert_non_null(ch);
	memset(ch, 0x5a, sizeof(*ch)); /* the parser must clear it */
	return ch;
}

static bool
ch_is_zero(const struct tn_challenge *ch)
{
	static const struct tn_challenge zero;

	return memcmp(ch, &zero, sizeof(zero)) == 0;
}

/* value parses to a Bearer challenge with these parameters. */
static void
ch_ok(const char *value, const char *realm, const char *service, const char *scope,
    const char *error)
{
	struct tn_challenge *ch = ch_new();
	int r = tn_challenge_parse(value, ch);

	if (r != 1)
		fail_msg("'%s': got %d (%s), want a Bearer challenge", value, r,
		    r < 0 ? ta_errname(r) : "none");
	assert_true(ch->bearer);
	assert_string_equal(ch->realm, realm);
	assert_string_equal(ch->service, service);
	assert_string_equal(ch->scope, scope);
	assert_string_equal(ch->error, error);
	free(ch);
}

/* value gives r (0: no Bearer challenge; < 0: malformed), *ch zeroed. */
static void
ch_is(const char *value, int want)
{
	struct tn_challenge *ch = ch_new();
	int r = tn_challenge_parse(value, ch);

	if (r != want)
		fail_msg("'%s': got %d (%s), want %d (%s)", value, r, r < 0 ? ta_errname(r) : "",
		    want, want < 0 ? ta_errname(want) : "");
	assert_true(ch_is_zero(ch));
	free(ch);
}

static const struct tn_auth_host host_default = {
    .host = "registry.example.com", .hostport = "registry.example.com", .default_port = true};
static const struct tn_auth_host host_port = {
    .host = "127.0.0.1", .hostport = "127.0.0.1:4443", .default_port = false};
static const struct tn_auth_host host_443 = {
    .host = "registry.example.com", .hostport = "registry.example.com:443", .default_port = true};

/* The lookup of json for h gives r; c is empty unless 0. */
static int
lookup(const char *json, const struct tn_auth_host *h, struct tn_creds *c, int *line)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = tn_docker_lookup(json, strlen(json), h, c, line);
	if (r != 0) {
		assert_int_equal(c->kind, TN_CRED_NONE);
		assert_null(c->user);
		assert_null(c->pass);
		assert_null(c->idtoken);
		assert_false(c->helpers);
	}
	return r;
}

/* config.json with one "auths" entry for registry.example.com whose "auth"
 * is base64 of raw (n bytes); the lookup's result. */
static int
lookup_auth_raw(const void *raw, size_t n, struct tn_creds *c)
{
	char *a = b64(raw, n);
	char *json = fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s\"}}}", a);
	int line, r = lookup(json, &host_default, c, &line);

	free(a);
	free(json);
	return r;
}

static void
creds_auth_is(const struct tn_creds *c, const char *user, const char *pass)
{
	assert_int_equal(c->kind, TN_CRED_DOCKER_AUTH);
	assert_string_equal(c->user, user);
	assert_string_equal(c->pass, pass);
	assert_null(c->idtoken);
}

/* A token answer's result; *a is empty unless 0. */
static int
token(const char *json, struct tn_token_answer *a, const char **why)
{
	int r = tn_token_parse((const uint8_t *)json, strlen(json), a, why);

	if (r != 0) {
		assert_null(a->token);
		assert_null(a->refresh);
		assert_non_null(*why);
	}
	return r;
}

static void
token_ok(const char *json, const char *tok, long expires, const char *refresh)
{
	struct tn_token_answer a;
	const char *why = NULL;
	int r = token(json, &a, &why);

	if (r != 0)
		fail_msg("'%s': %s (%s)", json, ta_errname(r), why);
	assert_string_equal(a.token, tok);
	assert_int_equal(a.len, strlen(tok));
	assert_int_equal(a.expires_in, expires);
	if (refresh == NULL)
		assert_null(a.refresh);
	else
		assert_string_equal(a.refresh, refresh);
	tn_token_answer_clear(&a);
	assert_null(a.token);
}

static void
token_fails(const char *json, int code, const char *why_part)
{
	struct tn_token_answer a;
	const char *why = NULL;
	int r = token(json, &a, &why);

	if (r != code)
		fail_msg("'%s': got %s, want %s", json, ta_errname(r), ta_errname(code));
	if (strstr(why, why_part) == NULL)
		fail_msg("'%s': why '%s' lacks '%s'", json, why, why_part);
}

/* ---- challenges: valid ---------------------------------------------------- */

static void
test_challenge_basic(void **state)
{
	(void)state;
	ch_ok("Bearer realm=\"" REALM "\",service=\"registry.example.com\"", REALM,
	    "registry.example.com", "", "");
	/* What distribution's access controller sends on a denied scope. */
	ch_ok("Bearer realm=\"" REALM "\",service=\"notary\",scope=\"repository:a/b:push,pull\","
	      "error=\"insufficient_scope\"",
	    REALM, "notary", "repository:a/b:push,pull", "insufficient_scope");
}

static void
test_challenge_any_order_and_case(void **state)
{
	(void)state;
	ch_ok("bEaReR error=\"invalid_token\", SERVICE=svc, Scope=\"s\" , Realm=\"" REALM "\"",
	    REALM, "svc", "s", "invalid_token");
	ch_ok("BEARER scope=x,realm=\"" REALM "\"", REALM, "", "x", "");
	/* Optional whitespace around '=' and after commas, tabs too. */
	ch_ok("Bearer\trealm = \"" REALM "\" ,\tservice\t=\tsvc", REALM, "svc", "", "");
}

static void
test_challenge_quoted_strings(void **state)
{
	(void)state;
	/* quoted-pair: \" and \\ and \x are ", \ and x. */
	ch_ok("Bearer realm=\"https://a.example/t\\\"x\\\\y\\z\",service=\"a,b \\\"c\\\"\"",
	    "https://a.example/t\"x\\yz", "a,b \"c\"", "", "");
	/* Commas and '=' inside quotes are not separators. */
	ch_ok("Bearer realm=\"" REALM "?a=b,c\",service=\"\"", REALM "?a=b,c", "", "", "");
	/* A tab is allowed in a quoted string (RFC 7230 qdtext). */
	ch_ok("Bearer realm=\"" REALM "\",service=\"a\tb\"", REALM, "a\tb", "", "");
	/* UTF-8 in a value. */
	ch_ok("Bearer realm=\"" REALM "\",service=\"r\xc3\xa9gistre \xe2\x82\xac\"", REALM,
	    "r\xc3\xa9gistre \xe2\x82\xac", "", "");
}

static void
test_challenge_extra_params(void **state)
{
	(void)state;
	ch_ok("Bearer foo=\"a,b\\\"c\", realm=\"" REALM "\", bar=baz, x-y_z=\"\"", REALM, "", "",
	    "");
	/* Unknown parameters may repeat (only the kept ones are checked). */
	ch_ok("Bearer foo=1, foo=2, realm=\"" REALM "\"", REALM, "", "", "");
}

static void
test_challenge_several_in_one_value(void **state)
{
	(void)state;
	ch_ok("Basic realm=\"registry\", Bearer realm=\"" REALM "\",service=\"s\"", REALM, "s",
	    "", "");
	ch_ok("Negotiate abc/def== , Bearer realm=\"" REALM "\",service=s", REALM, "s", "", "");
	ch_ok("Negotiate, Basic realm=x, Bearer realm=\"" REALM "\"", REALM, "", "", "");
	/* Empty list elements. */
	ch_ok(" , ,Bearer realm=\"" REALM "\",,, service=s ,", REALM, "s", "", "");
	/* The first Bearer challenge wins; what follows is not read. */
	ch_ok("Bearer realm=\"" REALM "\", Bearer realm=\"https://other.example/\"", REALM, "",
	    "", "");
	ch_ok("Bearer realm=\"" REALM "\", Basic realm=\"unterminated", REALM, "", "", "");
	/* Another scheme's values may be obs-text. */
	ch_ok("Basic realm=\"caf\xe9\", Bearer realm=\"" REALM "\"", REALM, "", "", "");
}

static void
test_challenge_several_lines(void **state)
{
	const char *two[] = {"Basic realm=\"registry\"", "Bearer realm=\"" REALM "\",service=s"};
	const char *first[] = {"Bearer realm=\"https://a.example/\"", "Bearer realm=\"" REALM "\""};
	const char *broken_first[] = {"Bearer realm=\"oops", "Bearer realm=\"" REALM "\""};
	const char *none[] = {"Basic realm=x", "Negotiate"};
	const char *bad[] = {"Basic realm=x", "Basic realm=\"x", "Bearer realm=\"y\" z"};
	struct tn_challenge *ch = ch_new();

	(void)state;
	assert_int_equal(tn_challenge_find(two, 2, ch), 1);
	assert_string_equal(ch->realm, REALM);
	assert_string_equal(ch->service, "s");
	assert_int_equal(tn_challenge_find(first, 2, ch), 1);
	assert_string_equal(ch->realm, "https://a.example/");
	/* A malformed line does not hide a good one. */
	assert_int_equal(tn_challenge_find(broken_first, 2, ch), 1);
	assert_string_equal(ch->realm, REALM);
	assert_int_equal(tn_challenge_find(none, 2, ch), 0);
	assert_true(ch_is_zero(ch));
	/* The first line's error when none has a Bearer challenge. */
	assert_int_equal(tn_challenge_find(bad, 3, ch), TA_ERR_TRUNCATED);
	assert_true(ch_is_zero(ch));
	assert_int_equal(tn_challenge_find(NULL, 0, ch), 0);
	free(ch);
}

static void
test_challenge_none(void **state)
{
	(void)state;
	ch_is("", 0);
	ch_is("   ,  ,", 0);
	ch_is("Basic realm=\"registry\"", 0);
	ch_is("Negotiate abc==", 0);
	ch_is("Bearerx realm=\"" REALM "\"", 0);
}

static void
test_challenge_bearer_without_realm(void **state)
{
	(void)state;
	/* Parsed (the caller says "no realm"): a bare scheme, a token68, a
	 * challenge with other parameters only. */
	ch_ok("Bearer", "", "", "", "");
	ch_ok("Bearer abc/def==", "", "", "", "");
	ch_ok("Bearer service=\"s\"", "", "s", "", "");
	ch_ok("Bearer realm=", "", "", "", ""); /* "realm=" is a token68 */
	ch_ok("Bearer realm=\"\"", "", "", "", "");
	assert_int_equal(tn_realm_check("", true), TN_REALM_MISSING);
	assert_int_equal(tn_realm_check(NULL, false), TN_REALM_MISSING);
}

static void
test_challenge_limits(void **state)
{
	char *v;

	(void)state;
	/* TN_PARAM_MAX bytes is fine, one more is not: quoted and token. */
	v = fmt("Bearer realm=\"" REALM "\",service=\"%s\"", repeat('a', TN_PARAM_MAX));
	ch_ok(v, REALM, repeat('a', TN_PARAM_MAX), "", "");
	free(v);
	v = fmt("Bearer realm=\"" REALM "\",service=\"%s\"", repeat('a', TN_PARAM_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	v = fmt("Bearer realm=\"" REALM "\",service=%s", repeat('a', TN_PARAM_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	/* Escapes count once. */
	v = fmt("Bearer service=\"\\%s\"", repeat('a', TN_PARAM_MAX));
	ch_ok(v, "", repeat('a', TN_PARAM_MAX), "", "");
	free(v);
	/* Parameter names: TN_PARAM_NAME_MAX bytes. */
	v = fmt("Bearer %s=1, realm=\"" REALM "\"", repeat('n', TN_PARAM_NAME_MAX));
	ch_ok(v, REALM, "", "", "");
	free(v);
	v = fmt("Bearer %s=1, realm=\"" REALM "\"", repeat('n', TN_PARAM_NAME_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	/* Another scheme's oversized value makes the field malformed too. */
	v = fmt("Basic realm=\"%s\", Bearer realm=\"" REALM "\"", repeat('a', TN_PARAM_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
}

/* ---- challenges: malformed ------------------------------------------------- */

static void
test_challenge_truncated(void **state)
{
	(void)state;
	ch_is("Bearer realm=\"" REALM, TA_ERR_TRUNCATED);
	/* The quote closes early: what follows it is out of place. */
	ch_is("Bearer realm=\"" REALM ",service=\"s", TA_ERR_INVALID);
	ch_is("Bearer realm=\"", TA_ERR_TRUNCATED);
	ch_is("Bearer realm=\"" REALM "\\", TA_ERR_TRUNCATED);
	ch_is("Basic realm=\"x, Bearer realm=\"" REALM "\"", TA_ERR_INVALID);
}

static void
test_challenge_repeated_param(void **state)
{
	(void)state;
	ch_is("Bearer realm=\"" REALM "\",realm=\"" REALM "\"", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\",REALM=\"https://evil.example/\"", TA_ERR_INVALID);
	ch_is("Bearer service=a, realm=\"" REALM "\", Service=b", TA_ERR_INVALID);
	ch_is("Bearer scope=a, scope=a", TA_ERR_INVALID);
	ch_is("Bearer error=a, error=b", TA_ERR_INVALID);
}

static void
test_challenge_control_chars(void **state)
{
	(void)state;
	ch_is("Bearer realm=\"" REALM "\x01\"", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\n\"", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\r\n\"", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\x7f\"", TA_ERR_INVALID);
	/* An escape does not make a control character acceptable. */
	ch_is("Bearer realm=\"" REALM "\\\x01\"", TA_ERR_INVALID);
	/* Outside quotes a control character is out of place. */
	ch_is("Bearer realm=" "abc\x01", TA_ERR_INVALID);
	ch_is("Bearer\x01realm=\"" REALM "\"", TA_ERR_INVALID);
	ch_is("\x01 Bearer realm=\"" REALM "\"", TA_ERR_INVALID);
}

static void
test_challenge_invalid_utf8(void **state)
{
	static const char *const bad[] = {
	    "\xff",             /* never in UTF-8 */
	    "\xc0\xaf",         /* overlong '/' */
	    "\xe2\x82",         /* truncated sequence */
	    "\xed\xa0\x80",     /* a surrogate */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "\x80",             /* a lone continuation byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *v = fmt("Bearer realm=\"" REALM "%s\"", bad[i]);

		ch_is(v, TA_ERR_INVALID);
		free(v);
		/* In any Bearer parameter, known or not. */
		v = fmt("Bearer realm=\"" REALM "\", foo=\"a%sb\"", bad[i]);
		ch_is(v, TA_ERR_INVALID);
		free(v);
	}
}

static void
test_challenge_trailing_garbage(void **state)
{
	(void)state;
	ch_is("Bearer realm=\"" REALM "\" junk", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\"junk", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\";", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\",service=s t", TA_ERR_INVALID);
	ch_is("Bearer realm=abc/def", TA_ERR_INVALID);
	ch_is("Bearer realm=\"" REALM "\", =x", TA_ERR_INVALID);
	ch_is("Bearer =x", TA_ERR_INVALID);
	ch_is("\"Bearer\" realm=x", TA_ERR_INVALID);
	ch_is("Bearer; realm=x", TA_ERR_INVALID);
	ch_is("Bearer realm==x", TA_ERR_INVALID);
	ch_is("Bearer realm=\"a\"\"b\"", TA_ERR_INVALID);
}

/* ---- realms ------------------------------------------------------------------ */

static void
test_realm_check(void **state)
{
	(void)state;
	assert_int_equal(tn_realm_check(REALM, true), TN_REALM_OK);
	assert_int_equal(tn_realm_check("HTTPS://Auth.Example.COM:8443/t?x=1#f", true),
	    TN_REALM_OK);
	assert_int_equal(tn_realm_check("http://127.0.0.1:4000/token", false), TN_REALM_OK);
	assert_int_equal(tn_realm_check("http://[::1]:4000/token", false), TN_REALM_OK);
	assert_int_equal(tn_realm_check("https://h", true), TN_REALM_OK);
	/* An '@' past the authority is not user info. */
	assert_int_equal(tn_realm_check("https://h/t@x?u=a@b", true), TN_REALM_OK);
}

static void
test_realm_not_http(void **state)
{
	static const char *const bad[] = {
	    "ftp://127.0.0.1/token",
	    "file:///etc/passwd",
	    "javascript:alert(1)",
	    "//auth.example.com/token",
	    "/token",
	    "auth.example.com/token",
	    "httpx://auth.example.com/",
	    "https:/auth.example.com/",
	    "https:auth.example.com",
	    "https://",
	    "https:///token",
	    "https://:443/token",
	    "https://u@/token",
	    "https://auth.example.com/to ken",
	    "https://auth.example.com/\ttoken",
	    "https://auth.example.com/\x01",
	    "https://auth.example.com/\x7f",
	    "https://auth.example.com/\xff",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tn_realm_check(bad[i], false) != TN_REALM_NOT_HTTP)
			fail_msg("'%s' is taken as an http(s) realm", bad[i]);
}

static void
test_realm_credentials_and_downgrade(void **state)
{
	(void)state;
	assert_int_equal(tn_realm_check("https://u:p@auth.example.com/t", true),
	    TN_REALM_CREDENTIALS);
	assert_int_equal(tn_realm_check("https://@auth.example.com/t", false),
	    TN_REALM_CREDENTIALS);
	assert_int_equal(tn_realm_check("http://u@auth.example.com", false), TN_REALM_CREDENTIALS);
	/* Plain http is refused for an https server only. */
	assert_int_equal(tn_realm_check("http://auth.example.com/t", true), TN_REALM_DOWNGRADE);
	assert_int_equal(tn_realm_check("HTTP://auth.example.com/t", true), TN_REALM_DOWNGRADE);
	assert_int_equal(tn_realm_check("http://auth.example.com/t", false), TN_REALM_OK);
}

/* ---- token answers ---------------------------------------------------------------- */

static void
test_token_valid(void **state)
{
	(void)state;
	token_ok("{\"token\":\"abc.def-ghi_jkl\",\"expires_in\":300}", "abc.def-ghi_jkl", 300,
	    NULL);
	token_ok("{\"access_token\":\"x\"}", "x", TN_TOKEN_MIN_S, NULL);
	token_ok("  {\"issued_at\":\"2024-01-01T00:00:00Z\", \"token\":\"t\", \"extra\":[1,{}]}\n",
	    "t", TN_TOKEN_MIN_S, NULL);
	token_ok("{\"token\":\"t\",\"refresh_token\":\"r-1\",\"expires_in\":3600}", "t", 3600,
	    "r-1");
	/* Escapes in JSON give plain bytes. */
	token_ok("{\"token\":\"a\\/b\\u0041\"}", "a/bA", TN_TOKEN_MIN_S, NULL);
}

static void
test_token_both_names(void **state)
{
	(void)state;
	/* access_token wins when both are there (distribution's client). */
	token_ok("{\"token\":\"t\",\"access_token\":\"a\"}", "a", TN_TOKEN_MIN_S, NULL);
	token_ok("{\"access_token\":\"a\",\"token\":\"t\"}", "a", TN_TOKEN_MIN_S, NULL);
	/* ... unless it is empty or not a string. */
	token_ok("{\"token\":\"t\",\"access_token\":\"\"}", "t", TN_TOKEN_MIN_S, NULL);
	token_ok("{\"token\":\"t\",\"access_token\":5}", "t", TN_TOKEN_MIN_S, NULL);
	token_ok("{\"token\":\"t\",\"access_token\":null}", "t", TN_TOKEN_MIN_S, NULL);
	token_ok("{\"token\":[],\"access_token\":\"a\"}", "a", TN_TOKEN_MIN_S, NULL);
}

static void
test_token_expires_in(void **state)
{
	(void)state;
	token_ok("{\"token\":\"t\",\"expires_in\":60}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":61}", "t", 61, NULL);
	/* Under the 60 s minimum: raised to it. */
	token_ok("{\"token\":\"t\",\"expires_in\":59}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":0}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":-1}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":-9223372036854775808}", "t", 60, NULL);
	/* Huge: capped at a day. */
	token_ok("{\"token\":\"t\",\"expires_in\":86400}", "t", 86400, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":86401}", "t", 86400, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":9223372036854775807}", "t", 86400, NULL);
	/* Not an integer: as if absent. */
	token_ok("{\"token\":\"t\",\"expires_in\":3600.5}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":3600.0}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":1e30}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":\"3600\"}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":true}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":null}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"expires_in\":[3600]}", "t", 60, NULL);
	/* An integer jansson cannot hold: the answer is not JSON to it. */
	token_fails("{\"token\":\"t\",\"expires_in\":99999999999999999999}", TA_ERR_PROTOCOL,
	    "not a JSON object");
}

static void
test_token_refresh(void **state)
{
	char *j;

	(void)state;
	/* An unusable refresh token is ignored, not an error. */
	token_ok("{\"token\":\"t\",\"refresh_token\":\"\"}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"refresh_token\":5}", "t", 60, NULL);
	token_ok("{\"token\":\"t\",\"refresh_token\":\"a\\nb\"}", "t", 60, NULL);
	j = fmt("{\"token\":\"t\",\"refresh_token\":\"%s\"}", repeat('r', TN_CRED_MAX));
	token_ok(j, "t", 60, repeat('r', TN_CRED_MAX));
	free(j);
	j = fmt("{\"token\":\"t\",\"refresh_token\":\"%s\"}", repeat('r', TN_CRED_MAX + 1));
	token_ok(j, "t", 60, NULL);
	free(j);
}

static void
test_token_not_json_object(void **state)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "[]",
	    "\"token\"",
	    "5",
	    "null",
	    "{\"token\":\"t\"",              /* truncated */
	    "{\"token\":\"t",                /* truncated in a string */
	    "{\"token\":\"t\"} x",           /* trailing garbage */
	    "{\"token\":\"t\"}{}",           /* two values */
	    "{\"token\":\"t\xff\"}",         /* invalid UTF-8 */
	    "{\"token\":\"t\xc0\xaf\"}",     /* overlong */
	    "{\"token\":\"t\\u0000x\"}",     /* NUL inside */
	    "{\"token\":\"t\\ud800\"}",      /* lone surrogate */
	    "{token:\"t\"}",
	    "{\"token\":'t'}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		token_fails(bad[i], TA_ERR_PROTOCOL,
		    "the token service answered something that is not a JSON object; is the "
		    "realm right?");
}

static void
test_token_missing_or_wrong_type(void **state)
{
	static const char *const bad[] = {
	    "{}",
	    "{\"expires_in\":300}",
	    "{\"token\":\"\"}",
	    "{\"token\":5}",
	    "{\"token\":true}",
	    "{\"token\":null}",
	    "{\"token\":{}}",
	    "{\"token\":[\"t\"]}",
	    "{\"access_token\":\"\",\"token\":\"\"}",
	    "{\"access_token\":1,\"token\":2}",
	    "{\"Token\":\"t\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		token_fails(bad[i], TA_ERR_PROTOCOL, "the token service's answer has no token");
}

static void
test_token_header_unsafe(void **state)
{
	static const char *const bad[] = {
	    "{\"token\":\"a b\"}",
	    "{\"token\":\"a\\tb\"}",
	    "{\"token\":\"a\\r\\nX-Evil: 1\"}",
	    "{\"token\":\"a\\u007fb\"}",
	    "{\"token\":\"caf\xc3\xa9\"}",
	    "{\"access_token\":\"a\\nb\",\"token\":\"fine\"}",
	};
	char *j;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		token_fails(bad[i], TA_ERR_PROTOCOL,
		    "the token service's token is over 16384 bytes or has characters a header "
		    "cannot carry");
	j = fmt("{\"token\":\"%s\"}", repeat('t', TN_TOKEN_MAX));
	token_ok(j, repeat('t', TN_TOKEN_MAX), 60, NULL);
	free(j);
	j = fmt("{\"token\":\"%s\"}", repeat('t', TN_TOKEN_MAX + 1));
	token_fails(j, TA_ERR_PROTOCOL, "over 16384 bytes");
	free(j);
}

static void
test_token_oversized_body(void **state)
{
	static const char answer[] = "{\"token\":\"t\"}";
	struct tn_token_answer a;
	const char *why = NULL;
	size_t n = TN_TOKEN_BODY_MAX + 1;
	char *body = malloc(n);
	int r;

	(void)state;
	assert_non_null(body);
	/* A valid answer padded with whitespace past the limit. */
	memset(body, ' ', n);
	memcpy(body, answer, sizeof(answer));
	body[sizeof(answer) - 1] = ' ';
	r = tn_token_parse((const uint8_t *)body, n, &a, &why);
	assert_int_equal(r, TA_ERR_TOO_LARGE);
	assert_null(a.token);
	assert_non_null(why);
	/* One byte less is fine. */
	r = tn_token_parse((const uint8_t *)body, n - 1, &a, &why);
	assert_int_equal(r, 0);
	assert_string_equal(a.token, "t");
	tn_token_answer_clear(&a);
	free(body);
	/* No body at all. */
	assert_int_equal(tn_token_parse(NULL, 0, &a, &why), TA_ERR_PROTOCOL);
}

static void
test_token_take_and_header(void **state)
{
	struct tn_token_answer a;
	struct tn_token t = {0};
	struct tn_creds c = {0};
	const char *why = NULL;
	char *hdr = NULL;
	size_t size = 0;

	(void)state;
	assert_int_equal(tn_token_header(&t, &hdr, &size), TA_ERR_INTERNAL);
	assert_int_equal(token("{\"token\":\"tok1\",\"expires_in\":120,\"refresh_token\":\"r2\"}",
			     &a, &why),
	    0);
	tn_token_take(&t, &a, 1000);
	assert_null(a.token);
	assert_string_equal(t.value, "tok1");
	assert_int_equal(t.len, 4);
	assert_int_equal(t.until, 1000 + 120 - TN_TOKEN_MARGIN_S);
	assert_int_equal(tn_token_header(&t, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Bearer tok1");
	assert_true(size > strlen(hdr));
	free(hdr);

	/* The refresh token replaces docker's identity token only. */
	c.kind = TN_CRED_CALLER;
	tn_creds_take_refresh(&c, &a);
	assert_null(c.idtoken);
	assert_string_equal(a.refresh, "r2");
	c.kind = TN_CRED_DOCKER_TOKEN;
	c.idtoken = strdup("r1");
	tn_creds_take_refresh(&c, &a);
	assert_string_equal(c.idtoken, "r2");
	assert_null(a.refresh);
	tn_token_answer_clear(&a);
	tn_creds_clear(&c);
	tn_token_drop(&t);
	assert_null(t.value);
	assert_int_equal(t.until, 0);
}

/* ---- docker's config.json --------------------------------------------------------- */

static void
test_docker_auth(void **state)
{
	struct tn_creds c;
	int line;

	(void)state;
	/* "alice:s3cret" */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":"
				"\"YWxpY2U6czNjcmV0\"}}}",
			     &host_default, &c, &line),
	    0);
	creds_auth_is(&c, "alice", "s3cret");
	assert_false(c.helpers);
	assert_null(c.file);
	tn_creds_clear(&c);
	/* Padding, an empty password and ':' in the password. */
	assert_int_equal(lookup_auth_raw("ab:", 3, &c), 0);
	creds_auth_is(&c, "ab", "");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("a:b:c", 5, &c), 0);
	creds_auth_is(&c, "a", "b:c");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("a:bc", 4, &c), 0); /* "YTpiYw==" */
	creds_auth_is(&c, "a", "bc");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("\xc3\xa9:p\xff", 5, &c), 0); /* a UTF-8 name */
	creds_auth_is(&c, "\xc3\xa9", "p\xff");
	tn_creds_clear(&c);
}

static void
test_docker_key_forms(void **state)
{
	static const char *const keys[] = {
	    "registry.example.com",
	    "Registry.Example.COM",
	    "https://registry.example.com",
	    "http://registry.example.com/",
	    "HTTPS://registry.example.com/v1/",
	    "https://registry.example.com/v2",
	    "registry.example.com///",
	};
	static const char *const others[] = {
	    "registry.example.com:5000",
	    "other.example.com",
	    "registry.example.com.evil",
	    "https://registry.example.com/v3/",
	    "ftp://registry.example.com",
	    "",
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *j = fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", keys[i]);

		assert_int_equal(lookup(j, &host_default, &c, &line), 0);
		if (c.kind != TN_CRED_DOCKER_AUTH)
			fail_msg("key '%s' does not match registry.example.com", keys[i]);
		tn_creds_clear(&c);
		/* Default port given explicitly in the URL: both forms match. */
		assert_int_equal(lookup(j, &host_443, &c, &line), 0);
		assert_int_equal(c.kind, TN_CRED_DOCKER_AUTH);
		tn_creds_clear(&c);
		free(j);
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char *j = fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", others[i]);

		assert_int_equal(lookup(j, &host_default, &c, &line), 0);
		if (c.kind != TN_CRED_NONE)
			fail_msg("key '%s' matches registry.example.com", others[i]);
		free(j);
	}
	/* A non-default port must be in the key. */
	assert_int_equal(lookup("{\"auths\":{\"127.0.0.1\":{\"auth\":\"YTpi\"}}}", &host_port, &c,
			     &line),
	    0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_int_equal(lookup("{\"auths\":{\"127.0.0.1:4443\":{\"auth\":\"YTpi\"}}}", &host_port,
			     &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com:443\":{\"auth\":\"YTpi\"}}}",
			     &host_443, &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
}

static void
test_docker_identity_token(void **state)
{
	struct tn_creds c;
	int line;
	char *j;

	(void)state;
	/* Preferred over "auth". */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
				"\"identitytoken\":\"idt-1\"}}}",
			     &host_default, &c, &line),
	    0);
	assert_int_equal(c.kind, TN_CRED_DOCKER_TOKEN);
	assert_string_equal(c.idtoken, "idt-1");
	assert_null(c.user);
	assert_null(c.pass);
	tn_creds_clear(&c);
	/* An empty or non-string one falls back to "auth". */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
				"\"identitytoken\":\"\"}}}",
			     &host_default, &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
				"\"identitytoken\":5}}}",
			     &host_default, &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	/* Limits and control characters. */
	j = fmt("{\"auths\":{\"registry.example.com\":{\"identitytoken\":\"%s\"}}}",
	    repeat('i', TN_CRED_MAX));
	assert_int_equal(lookup(j, &host_default, &c, &line), 0);
	assert_int_equal(strlen(c.idtoken), TN_CRED_MAX);
	tn_creds_clear(&c);
	free(j);
	j = fmt("{\"auths\":{\"registry.example.com\":{\"identitytoken\":\"%s\"}}}",
	    repeat('i', TN_CRED_MAX + 1));
	assert_int_equal(lookup(j, &host_default, &c, &line), TA_ERR_FORMAT);
	free(j);
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"identitytoken\":"
				"\"a\\u0001b\"}}}",
			     &host_default, &c, &line),
	    TA_ERR_FORMAT);
}

static void
test_docker_first_usable_entry(void **state)
{
	struct tn_creds c;
	int line;

	(void)state;
	/* Entries without credentials are skipped; the first usable one wins;
	 * other servers' entries are not looked at, broken or not. */
	assert_int_equal(lookup("{\"auths\":{"
				"\"other.example\":{\"auth\":\"!!!!\"},"
				"\"https://registry.example.com\":{},"
				"\"registry.example.com/v2/\":{\"email\":\"x@example.com\"},"
				"\"http://registry.example.com\":\"not an object\","
				"\"Registry.example.com\":{\"auth\":\"YTpi\"},"
				"\"registry.example.com\":{\"auth\":\"Yzpk\"}}}",
			     &host_default, &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	/* ... and a broken one for this server is an error, not skipped. */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"!!!!\"},"
				"\"https://registry.example.com\":{\"auth\":\"YTpi\"}}}",
			     &host_default, &c, &line),
	    TA_ERR_FORMAT);
}

static void
test_docker_helpers(void **state)
{
	struct tn_creds c;
	int line;

	(void)state;
	assert_int_equal(lookup("{\"credsStore\":\"desktop\"}", &host_default, &c, &line), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_true(c.helpers);
	assert_int_equal(lookup("{\"credHelpers\":{\"registry.example.com\":\"ecr-login\"}}",
			     &host_default, &c, &line),
	    0);
	assert_true(c.helpers);
	assert_int_equal(lookup("{\"credHelpers\":{},\"credsStore\":5}", &host_default, &c, &line),
	    0);
	assert_false(c.helpers);
	/* Not mentioned when credentials were found. */
	assert_int_equal(lookup("{\"credsStore\":\"desktop\",\"auths\":{\"registry.example.com\":"
				"{\"auth\":\"YTpi\"}}}",
			     &host_default, &c, &line),
	    0);
	creds_auth_is(&c, "a", "b");
	assert_false(c.helpers);
	tn_creds_clear(&c);
}

static void
test_docker_wrong_types(void **state)
{
	static const char *const none[] = {
	    "{}",
	    "{\"auths\":[]}",
	    "{\"auths\":null}",
	    "{\"auths\":\"registry.example.com\"}",
	    "{\"auths\":{\"registry.example.com\":[]}}",
	    "{\"auths\":{\"registry.example.com\":\"YTpi\"}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":5}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":[\"YTpi\"]}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":\"\"}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":null,\"identitytoken\":{}}}}",
	    "{\"auths\":{\"registry.example.com\":{\"username\":\"a\",\"password\":\"b\"}}}",
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		if (lookup(none[i], &host_default, &c, &line) != 0 || c.kind != TN_CRED_NONE)
			fail_msg("'%s' gives credentials or an error", none[i]);
	}
}

static void
test_docker_not_json_object(void **state)
{
	static const char *const bad[] = {
	    "", "[]", "\"auths\"", "{\"auths\":{}", "{\"auths\":{}} x", "{\"auths\":\"\xff\"}",
	    "{\"auths\":{}}{}",
	};
	struct tn_creds c;
	int line = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lookup(bad[i], &host_default, &c, &line) != TA_ERR_INVALID)
			fail_msg("'%s' is taken as a JSON object", bad[i]);
	assert_int_equal(lookup("{\n\n\"auths\": x}", &host_default, &c, &line), TA_ERR_INVALID);
	assert_int_equal(line, 3);
	/* Valid JSON that is not an object: jansson says line -1. */
	assert_int_equal(lookup("[1]", &host_default, &c, &line), TA_ERR_INVALID);
	assert_int_equal(line, -1);
}

static void
test_docker_bad_base64(void **state)
{
	static const char *const bad[] = {
	    "YTpi=",     /* not a multiple of 4 */
	    "YTp",       /* likewise */
	    "YT!i",      /* outside the alphabet */
	    "YT-_",      /* base64url, not standard */
	    "YTpi\\n",   /* a newline */
	    " YTpi   ",  /* blanks (EVP_DecodeBlock would drop them) */
	    "YT=i",      /* padding inside */
	    "YQ==YTpi",  /* padding, then more */
	    "YTp=Yw==",  /* likewise */
	    "Y===",      /* three pads */
	    "====",      /* nothing but padding */
	    "YQ=A",      /* a pad before data */
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *j = fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s\"}}}", bad[i]);

		if (lookup(j, &host_default, &c, &line) != TA_ERR_FORMAT)
			fail_msg("auth '%s' is accepted", bad[i]);
		free(j);
	}
}

static void
test_docker_bad_user_pass(void **state)
{
	struct tn_creds c;

	(void)state;
	assert_int_equal(lookup_auth_raw("alice", 5, &c), TA_ERR_FORMAT);     /* no colon */
	assert_int_equal(lookup_auth_raw(":pw", 3, &c), TA_ERR_FORMAT);       /* no user */
	assert_int_equal(lookup_auth_raw(":", 1, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("al\0ce:pw", 8, &c), TA_ERR_FORMAT); /* NUL */
	assert_int_equal(lookup_auth_raw("a:p\0w", 5, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a\nb:pw", 6, &c), TA_ERR_FORMAT);   /* control */
	assert_int_equal(lookup_auth_raw("a:p\x7fw", 5, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a:pw\r\n", 6, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a\xff:pw", 5, &c), TA_ERR_FORMAT);  /* not UTF-8 */
	assert_int_equal(lookup_auth_raw("\xc0\xaf:pw", 5, &c), TA_ERR_FORMAT);
}

static void
test_docker_oversized(void **state)
{
	struct tn_creds c;
	size_t n;
	char *raw, *a, *j;
	int line;

	(void)state;
	/* "auth" up to TN_CRED_MAX base64 characters. */
	n = (size_t)TN_CRED_MAX / 4 * 3;
	raw = malloc(n);
	assert_non_null(raw);
	memset(raw, 'p', n);
	raw[0] = 'u';
	raw[1] = ':';
	assert_int_equal(lookup_auth_raw(raw, n, &c), 0);
	assert_int_equal(strlen(c.pass), n - 2);
	tn_creds_clear(&c);
	free(raw);
	a = b64("u:", 2);
	j = fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s%s\"}}}",
	    repeat('A', TN_CRED_MAX), a);
	assert_int_equal(lookup(j, &host_default, &c, &line), TA_ERR_FORMAT);
	free(j);
	free(a);
	/* A key too long matches nothing. */
	j = fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", repeat('k', TN_AUTHS_KEY_MAX + 1));
	assert_int_equal(lookup(j, &host_default, &c, &line), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	free(j);
	/* The whole text. */
	n = TN_DOCKER_CONFIG_MAX + 1;
	j = malloc(n);
	assert_non_null(j);
	memset(j, ' ', n);
	memcpy(j, "{}", 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tn_docker_lookup(j, n, &host_default, &c, &line), TA_ERR_TOO_LARGE);
	assert_int_equal(tn_docker_lookup(j, n - 1, &host_default, &c, &line), 0);
	free(j);
}

/* ---- credential files and the caller's ------------------------------------------- */

struct tmpdir {
	char path[64];
	char file[96];
};

static void
tmp_config(struct tmpdir *t, const char *text)
{
	FILE *f;

	(void)snprintf(t->path, sizeof(t->path), "/tmp/test-notary-auth.XXXXXX");
	assert_non_null(mkdtemp(t->path));
	(void)snprintf(t->file, sizeof(t->file), "%s/config.json", t->path);
	if (text != NULL) {
		assert_non_null(f = fopen(t->file, "w"));
		assert_int_equal(fputs(text, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(setenv("DOCKER_CONFIG", t->path, 1), 0);
}

static void
tmp_done(struct tmpdir *t)
{
	(void)unlink(t->file);
	assert_int_equal(rmdir(t->path), 0);
	(void)unsetenv("DOCKER_CONFIG");
}

static void
test_creds_from_docker_file(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	struct tmpdir t = {0};

	(void)state;
	tmp_config(&t, "{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\"}}}");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	creds_auth_is(&c, "a", "b");
	assert_true(c.loaded);
	assert_string_equal(c.file, t.file);
	/* Loaded once: a second call changes nothing. */
	assert_int_equal(tn_creds_from_docker(&c, &host_port, "https://x", &e), 0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	assert_false(c.loaded);
	assert_null(c.file);
	/* Nothing for this server: loaded, no file kept. */
	assert_int_equal(tn_creds_from_docker(&c, &host_port, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_true(c.loaded);
	assert_null(c.file);
	tn_creds_clear(&c);
	tmp_done(&t);

	/* No file at all. */
	tmp_config(&t, NULL);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_true(c.loaded);
	tn_creds_clear(&c);
	tmp_done(&t);
}

static void
test_creds_from_docker_file_errors(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	struct tmpdir t = {0};
	char *want;
	FILE *f;

	(void)state;
	tmp_config(&t, "{\"auths\": [}\n");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_FORMAT);
	want = fmt("notary server https://n.example: docker's %s is not a JSON object (line 1); "
		   "fix it or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
	    t.file);
	assert_string_equal(e.text, want);
	free(want);
	assert_false(c.loaded);
	tmp_done(&t);

	tmp_config(&t, "{\"auths\":{\"registry.example.com\":{\"auth\":\"YWxpY2U=\"}}}");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_FORMAT);
	want = fmt("notary server https://n.example: docker's %s has an unusable entry for "
		   "'registry.example.com'; run docker login again or set "
		   "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
	    t.file);
	assert_string_equal(e.text, want);
	free(want);
	assert_null(c.user);
	assert_false(c.loaded);
	tmp_done(&t);

	/* Over 1 MiB. */
	tmp_config(&t, NULL);
	assert_non_null(f = fopen(t.file, "w"));
	for (size_t i = 0; i <= TN_DOCKER_CONFIG_MAX; i += 64)
		(void)fputs(repeat(' ', 64), f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_TOO_LARGE);
	want = fmt("notary server https://n.example: cannot read docker's %s (", t.file);
	assert_true(strncmp(e.text, want, strlen(want)) == 0);
	free(want);
	tmp_done(&t);

	/* A directory where the file should be. */
	tmp_config(&t, NULL);
	assert_int_equal(mkdir(t.file, 0700), 0);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_SYSTEM);
	assert_non_null(strstr(e.text, "cannot read docker's"));
	assert_int_equal(rmdir(t.file), 0);
	tmp_done(&t);
}

static void
test_creds_from_caller(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	char *hdr = NULL;
	size_t size = 0;

	(void)state;
	assert_int_equal(tn_creds_from_caller(&c, NULL, NULL, &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_false(c.loaded);
	assert_int_equal(tn_creds_from_caller(&c, "alice", NULL, &e), TA_ERR_INVALID);
	assert_string_equal(e.text, "notary: a registry user name needs a password "
				    "(TUFCTL_REGISTRY_PASSWORD or --password-stdin)");
	assert_int_equal(tn_creds_from_caller(&c, "", "pw", &e), TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, NULL, "pw", &e), TA_ERR_INVALID);
	assert_non_null(strstr(e.text, "a registry password without a user name"));
	assert_int_equal(tn_creds_from_caller(&c, "a:b", "pw", &e), TA_ERR_INVALID);
	assert_string_equal(e.text, "notary: the registry user name or password is too long or "
				    "has a control character (or ':' in the name)");
	assert_int_equal(tn_creds_from_caller(&c, "a\tb", "pw", &e), TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, repeat('u', TN_CRED_MAX + 1), "pw", &e),
	    TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, "u", repeat('p', TN_CRED_MAX + 1), &e),
	    TA_ERR_INVALID);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_null(c.user);

	assert_int_equal(tn_creds_from_caller(&c, "alice", "s3cret", &e), 0);
	assert_int_equal(c.kind, TN_CRED_CALLER);
	assert_true(c.loaded);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YWxpY2U6czNjcmV0");
	assert_int_equal(size, strlen(hdr) + 1);
	free(hdr);
	/* Loaded: docker's file is not read. */
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_CALLER);
	tn_creds_clear(&c);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), TA_ERR_INTERNAL);

	/* Empty password, and one that needs padding. */
	assert_int_equal(tn_creds_from_caller(&c, "ab", "", &e), 0);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YWI6");
	free(hdr);
	tn_creds_clear(&c);
	assert_int_equal(tn_creds_from_caller(&c, "a", "bc", &e), 0);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YTpiYw==");
	free(hdr);
	tn_creds_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_challenge_basic),
	    cmocka_unit_test(test_challenge_any_order_and_case),
	    cmocka_unit_test(test_challenge_quoted_strings),
	    cmocka_unit_test(test_challenge_extra_params),
	    cmocka_unit_test(test_challenge_several_in_one_value),
	    cmocka_unit_test(test_challenge_several_lines),
	    cmocka_unit_test(test_challenge_none),
	    cmocka_unit_test(test_challenge_bearer_without_realm),
	    cmocka_unit_test(test_challenge_limits),
	    cmocka_unit_test(test_challenge_truncated),
	    cmocka_unit_test(test_challenge_repeated_param),
	    cmocka_unit_test(test_challenge_control_chars),
	    cmocka_unit_test(test_challenge_invalid_utf8),
	    cmocka_unit_test(test_challenge_trailing_garbage),
	    cmocka_unit_test(test_realm_check),
	    cmocka_unit_test(test_realm_not_http),
	    cmocka_unit_test(test_realm_credentials_and_downgrade),
	    cmocka_unit_test(test_token_valid),
	    cmocka_unit_test(test_token_both_names),
	    cmocka_unit_test(test_token_expires_in),
	    cmocka_unit_test(test_token_refresh),
	    cmocka_unit_test(test_token_not_json_object),
	    cmocka_unit_test(test_token_missing_or_wrong_type),
	    cmocka_unit_test(test_token_header_unsafe),
	    cmocka_unit_test(test_token_oversized_body),
	    cmocka_unit_test(test_token_take_and_header),
	    cmocka_unit_test(test_docker_auth),
	    cmocka_unit_test(test_docker_key_forms),
	    cmocka_unit_test(test_docker_identity_token),
	    cmocka_unit_test(test_docker_first_usable_entry),
	    cmocka_unit_test(test_docker_helpers),
	    cmocka_unit_test(test_docker_wrong_types),
	    cmocka_unit_test(test_docker_not_json_object),
	    cmocka_unit_test(test_docker_bad_base64),
	    cmocka_unit_test(test_docker_bad_user_pass),
	    cmocka_unit_test(test_docker_oversized),
	    cmocka_unit_test(test_creds_from_caller),
	    cmocka_unit_test(test_creds_from_docker_file),
	    cmocka_unit_test(test_creds_from_docker_file_errors),
	};

	(void)unsetenv("DOCKER_CONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
