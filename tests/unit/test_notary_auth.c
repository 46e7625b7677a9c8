/* Unit tests for client/notary_auth.c: registry token auth without libcurl
 * or a server.  Bearer challenges (RFC 7235 §2.1, RFC 6750 §3) and realms,
 * and token answers (FORMATS §1.9); docker's config.json and the caller's
 * credentials are tests/unit/test_notary_creds.c's, the shared fixtures
 * tests/tools/authfix.c's.  Expected values are written by hand from those
 * texts and from what docker and distribution's client do;
 * tests/integration/notary-http.sh and tests/integration/dct-auth.sh drive
 * the same code against a real notary-server. */
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
#include "tests/tools/testutil.h"
#include "tests/tools/authfix.h"

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
	v = tu_fmt("Bearer realm=\"" REALM "\",service=\"%s\"", repeat('a', TN_PARAM_MAX));
	ch_ok(v, REALM, repeat('a', TN_PARAM_MAX), "", "");
	free(v);
	v = tu_fmt("Bearer realm=\"" REALM "\",service=\"%s\"", repeat('a', TN_PARAM_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	v = tu_fmt("Bearer realm=\"" REALM "\",service=%s", repeat('a', TN_PARAM_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	/* Escapes count once. */
	v = tu_fmt("Bearer service=\"\\%s\"", repeat('a', TN_PARAM_MAX));
	ch_ok(v, "", repeat('a', TN_PARAM_MAX), "", "");
	free(v);
	/* Parameter names: TN_PARAM_NAME_MAX bytes. */
	v = tu_fmt("Bearer %s=1, realm=\"" REALM "\"", repeat('n', TN_PARAM_NAME_MAX));
	ch_ok(v, REALM, "", "", "");
	free(v);
	v = tu_fmt("Bearer %s=1, realm=\"" REALM "\"", repeat('n', TN_PARAM_NAME_MAX + 1));
	ch_is(v, TA_ERR_TOO_LARGE);
	free(v);
	/* Another scheme's oversized value makes the field malformed too. */
	v = tu_fmt("Basic realm=\"%s\", Bearer realm=\"" REALM "\"", repeat('a', TN_PARAM_MAX + 1));
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
		char *v = tu_fmt("Bearer realm=\"" REALM "%s\"", bad[i]);

		ch_is(v, TA_ERR_INVALID);
		free(v);
		/* In any Bearer parameter, known or not. */
		v = tu_fmt("Bearer realm=\"" REALM "\", foo=\"a%sb\"", bad[i]);
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
	static const struct {
		const char *realm;
		bool https;	/* the server's own scheme */
		enum tn_realm_fault want;
	} cases[] = {
		{ REALM, true, TN_REALM_OK },
		{ "HTTPS://Auth.Example.COM:8443/t?x=1#f", true, TN_REALM_OK },
		{ "http://127.0.0.1:4000/token", false, TN_REALM_OK },
		{ "http://[::1]:4000/token", false, TN_REALM_OK },
		{ "https://h", true, TN_REALM_OK },
		/* An '@' past the authority is not user info. */
		{ "https://h/t@x?u=a@b", true, TN_REALM_OK },
		{ "https://u:p@auth.example.com/t", true, TN_REALM_CREDENTIALS },
		{ "https://@auth.example.com/t", false, TN_REALM_CREDENTIALS },
		{ "http://u@auth.example.com", false, TN_REALM_CREDENTIALS },
		/* Plain http is refused for an https server only. */
		{ "http://auth.example.com/t", true, TN_REALM_DOWNGRADE },
		{ "HTTP://auth.example.com/t", true, TN_REALM_DOWNGRADE },
		{ "http://auth.example.com/t", false, TN_REALM_OK },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (tn_realm_check(cases[i].realm, cases[i].https) != cases[i].want)
			fail_msg("'%s' (https %d): not %d", cases[i].realm, cases[i].https,
			    (int)cases[i].want);
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
	j = tu_fmt("{\"token\":\"t\",\"refresh_token\":\"%s\"}", repeat('r', TN_CRED_MAX));
	token_ok(j, "t", 60, repeat('r', TN_CRED_MAX));
	free(j);
	j = tu_fmt("{\"token\":\"t\",\"refresh_token\":\"%s\"}", repeat('r', TN_CRED_MAX + 1));
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
	j = tu_fmt("{\"token\":\"%s\"}", repeat('t', TN_TOKEN_MAX));
	token_ok(j, repeat('t', TN_TOKEN_MAX), 60, NULL);
	free(j);
	j = tu_fmt("{\"token\":\"%s\"}", repeat('t', TN_TOKEN_MAX + 1));
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
	    cmocka_unit_test(test_token_valid),
	    cmocka_unit_test(test_token_both_names),
	    cmocka_unit_test(test_token_expires_in),
	    cmocka_unit_test(test_token_refresh),
	    cmocka_unit_test(test_token_not_json_object),
	    cmocka_unit_test(test_token_missing_or_wrong_type),
	    cmocka_unit_test(test_token_header_unsafe),
	    cmocka_unit_test(test_token_oversized_body),
	    cmocka_unit_test(test_token_take_and_header),
	};

	(void)unsetenv("DOCKER_CONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
