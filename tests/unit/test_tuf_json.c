/* Unit tests for tuf/json.c and tuf/canon.c: hardened parsing and canonical
 * JSON.  Expected canonical bytes are written by hand from FORMATS §1.1,
 * §1.3 and §2.1; tests/integration/canonical-interop.sh checks the tuf flavour against
 * securesystemslib itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/profile.h"

#define BOTH 0 /* run a case under both profiles */

/* ---- helpers ------------------------------------------------------------- */

/* Something ta_json_parse() must not write over when it fails. */
static json_t sentinel;

static void
fails_one(
    const char *doc, size_t len, enum ta_profile p, int code, const char *path, const char *needle)
{
	struct ta_json_error err;
	json_t *v = &sentinel;
	const char *where = path[0] != '\0' ? path : "top level";
	int r;

	r = ta_json_parse((const uint8_t *)doc, len, p, &v, &err);
	if (r != code)
		fail_msg("%s: got %s (%s), want %s", ta_profile_name(p), ta_errname(r), err.text,
		    ta_errname(code));
	assert_int_equal(err.code, code);
	assert_ptr_equal(v, &sentinel);
	if (strcmp(err.path, path) != 0)
		fail_msg(
		    "%s: path '%s', want '%s' (%s)", ta_profile_name(p), err.path, path, err.text);
	if (strncmp(err.text, where, strlen(where)) != 0 || err.text[strlen(where)] != ':')
		fail_msg("text '%s' does not start with '%s:'", err.text, where);
	if (strstr(err.text, needle) == NULL)
		fail_msg("text '%s' lacks '%s'", err.text, needle);
}

static void
fails_n(
    const char *doc, size_t len, enum ta_profile p, int code, const char *path, const char *needle)
{
	if (p == BOTH) {
		fails_one(doc, len, TA_PROFILE_TUF, code, path, needle);
		fails_one(doc, len, TA_PROFILE_NOTARY, code, path, needle);
	} else {
		fails_one(doc, len, p, code, path, needle);
	}
}

/* doc is a string literal; its length excludes the terminator, so it may
 * contain NUL bytes. */
#define FAILS(doc, p, code, path, needle)                                                          \
	fails_n((doc), sizeof(doc) - 1, (p), (code), (path), (needle))

static json_t *
parse_ok(const char *doc, size_t len, enum ta_profile p)
{
	struct ta_json_error err;
	json_t *v = NULL;
	int r;

	r = ta_json_parse((const uint8_t *)doc, len, p, &v, &err);
	if (r != 0)
		fail_msg("%s: %s (%s)", ta_profile_name(p), err.text, ta_errname(r));
	assert_int_equal(err.code, 0);
	assert_non_null(v);
	return v;
}

static void
canon_one(const char *doc, size_t len, enum ta_profile p, const char *want, size_t want_len)
{
	json_t *v = parse_ok(doc, len, p);
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_int_equal(ta_canon_write(v, p, &out, &out_len), 0);
	if (out_len != want_len || memcmp(out, want, want_len) != 0)
		fail_msg("%s: got '%s' (%zu bytes), want '%s' (%zu bytes)", ta_profile_name(p),
		    (const char *)out, out_len, want, want_len);
	assert_int_equal(out[out_len], '\0');
	free(out);
	json_decref(v);
}

static void
canon_n(const char *doc, size_t len, enum ta_profile p, const char *want, size_t want_len)
{
	if (p == BOTH) {
		canon_one(doc, len, TA_PROFILE_TUF, want, want_len);
		canon_one(doc, len, TA_PROFILE_NOTARY, want, want_len);
	} else {
		canon_one(doc, len, p, want, want_len);
	}
}

#define CANON(doc, p, want) canon_n((doc), sizeof(doc) - 1, (p), (want), sizeof(want) - 1)

/* n copies of s, then t, in a new string. */
static char *
repeat(const char *s, size_t n, const char *t)
{
	size_t cap = strlen(s) * n + strlen(t) + 1, len = 0;
	char *p = malloc(cap);

	assert_non_null(p);
	p[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, cap - len, "%s", s);
	snprintf(p + len, cap - len, "%s", t);
	return p;
}

/* ---- empty, truncated, oversized, trailing -------------------------------- */

static void
test_tuf_json_empty_input(void **state)
{
	(void)state;
	FAILS("", BOTH, TA_ERR_TRUNCATED, "", "empty document");
	fails_n(NULL, 0, BOTH, TA_ERR_TRUNCATED, "", "empty document");
}

static void
test_tuf_json_whitespace_only(void **state)
{
	(void)state;
	FAILS(" \n\t ", BOTH, TA_ERR_TRUNCATED, "", "ends early");
}

static void
test_tuf_json_truncated_docs(void **state)
{
	(void)state;
	FAILS("{", BOTH, TA_ERR_TRUNCATED, "", "ends early");
	FAILS("{\"signed\":{\"targets\":{\"x\":{\"length\":1", BOTH, TA_ERR_TRUNCATED,
	    "signed.targets.x.length", "ends early");
	FAILS("{\"a\":\"xy", BOTH, TA_ERR_TRUNCATED, "a", "ends early");
	FAILS("{\"a\":[1,2", BOTH, TA_ERR_TRUNCATED, "a[1]", "ends early");
	FAILS("{\"a\":1,", BOTH, TA_ERR_TRUNCATED, "", "ends early");
	FAILS("{\"a\"", BOTH, TA_ERR_TRUNCATED, "a", "ends early");
	FAILS("[\"a\\", BOTH, TA_ERR_INVALID, "[0]", "invalid escape");
	FAILS("tru", BOTH, TA_ERR_INVALID, "", "invalid JSON");
}

static void
test_tuf_json_truncated_reports_offset(void **state)
{
	struct ta_json_error err;
	json_t *v = NULL;

	(void)state;
	assert_int_equal(
	    ta_json_parse((const uint8_t *)"[1,2", 4, TA_PROFILE_TUF, &v, &err), TA_ERR_TRUNCATED);
	assert_int_equal(err.offset, 4);
	assert_non_null(strstr(err.text, "(at byte 4)"));
}

static void
test_tuf_json_oversized(void **state)
{
	char *big = malloc(TA_JSON_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', TA_JSON_MAX + 1);
	big[0] = '0';
	fails_n(big, TA_JSON_MAX + 1, BOTH, TA_ERR_TOO_LARGE, "", "over the limit of 67108864");
	free(big);
}

static void
test_tuf_json_max_size_accepted(void **state)
{
	char *big = malloc(TA_JSON_MAX);
	json_t *v;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', TA_JSON_MAX);
	big[0] = '7';
	v = parse_ok(big, TA_JSON_MAX, TA_PROFILE_TUF);
	assert_true(json_is_integer(v));
	json_decref(v);
	free(big);
}

static void
test_tuf_json_trailing_bytes(void **state)
{
	(void)state;
	FAILS("{\"a\":1} x", BOTH, TA_ERR_TRAILING, "", "after the end");
	FAILS("{}{}", BOTH, TA_ERR_TRAILING, "", "after the end");
	FAILS("[1] [2]", BOTH, TA_ERR_TRAILING, "", "after the end");
	FAILS("{}\0", BOTH, TA_ERR_INVALID, "", "NUL byte");
	FAILS("1 2", BOTH, TA_ERR_TRAILING, "", "after the end");
}

static void
test_tuf_json_trailing_whitespace_accepted(void **state)
{
	(void)state;
	CANON(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n\n", BOTH, "{\"a\":[1,2]}");
}

/* ---- syntax ------------------------------------------------------------- */

static void
test_tuf_json_syntax_errors(void **state)
{
	(void)state;
	FAILS("{\"a\":[1,]}", BOTH, TA_ERR_INVALID, "a[1]", "invalid JSON");
	FAILS("{\"a\":1,}", BOTH, TA_ERR_INVALID, "", "invalid JSON");
	FAILS("{'a':1}", BOTH, TA_ERR_INVALID, "", "invalid JSON");
	FAILS("{\"a\":[01]}", BOTH, TA_ERR_INVALID, "a[0]", "invalid JSON");
	FAILS("{\"a\":tru}", BOTH, TA_ERR_INVALID, "a", "invalid JSON");
	FAILS("{\"a\" 1}", BOTH, TA_ERR_INVALID, "a", "invalid JSON");
	FAILS("{\"a\":\"\\x\"}", BOTH, TA_ERR_INVALID, "a", "invalid escape");
	FAILS("[NaN]", BOTH, TA_ERR_INVALID, "[0]", "invalid JSON");
	FAILS("[Infinity]", BOTH, TA_ERR_INVALID, "[0]", "invalid JSON");
	FAILS("[+1]", BOTH, TA_ERR_INVALID, "[0]", "invalid JSON");
}

static void
test_tuf_json_byte_order_mark(void **state)
{
	(void)state;
	FAILS("\xef\xbb\xbf{}", BOTH, TA_ERR_INVALID, "", "invalid JSON");
}

/* ---- NUL, control characters --------------------------------------------- */

static void
test_tuf_json_nul_byte(void **state)
{
	(void)state;
	FAILS("[\"a\0b\"]", BOTH, TA_ERR_INVALID, "[0]", "NUL byte in the document (at byte 3)");
	FAILS("[1,\0 2]", BOTH, TA_ERR_INVALID, "[1]", "NUL byte");
}

static void
test_tuf_json_nul_escape(void **state)
{
	(void)state;
	FAILS("{\"k\":\"a\\u0000b\"}", BOTH, TA_ERR_INVALID, "k", "NUL");
	FAILS("{\"a\\u0000\":1}", BOTH, TA_ERR_INVALID, "[\"a\\u0000\"]", "NUL");
}

static void
test_tuf_json_raw_control_chars(void **state)
{
	(void)state;
	FAILS("{\"a\":\"x\ty\"}", BOTH, TA_ERR_INVALID, "a", "control character 0x9");
	FAILS("{\"a\":[\"x\ny\"]}", BOTH, TA_ERR_INVALID, "a[0]", "unexpected newline");
	FAILS("{\"a\x1f\":1}", BOTH, TA_ERR_INVALID, "", "control character 0x1f");
}

static void
test_tuf_json_notary_refuses_escaped_control_chars(void **state)
{
	json_t *v;

	(void)state;
	FAILS("{\"a\":[\"ok\",\"tab\\there\"]}", TA_PROFILE_NOTARY, TA_ERR_INVALID, "a[1]",
	    "string contains the control character U+0009");
	FAILS("{\"t\":{\"x\\ny\":1}}", TA_PROFILE_NOTARY, TA_ERR_INVALID, "t[\"x\\u000ay\"]",
	    "object key contains the control character U+000A");
	FAILS("[\"\\u001f\"]", TA_PROFILE_NOTARY, TA_ERR_INVALID, "[0]", "U+001F");

	/* The same documents are fine in the tuf profile. */
	v = parse_ok("{\"t\":{\"x\\ny\":1}}", 16, TA_PROFILE_TUF);
	json_decref(v);
	v = parse_ok("[\"\\u001f\"]", 10, TA_PROFILE_TUF);
	json_decref(v);
}

/* ---- UTF-8 -------------------------------------------------------------- */

static void
test_tuf_json_utf8_overlong(void **state)
{
	(void)state;
	FAILS("{\"a\":[\"\xc0\xaf\"]}", BOTH, TA_ERR_INVALID, "a[0]", "invalid UTF-8");
	FAILS("{\"a\":[\"\xc1\xbf\"]}", BOTH, TA_ERR_INVALID, "a[0]", "invalid UTF-8");
	FAILS("{\"a\":[\"\xe0\x80\xaf\"]}", BOTH, TA_ERR_INVALID, "a[0]", "invalid UTF-8");
	FAILS("{\"a\":[\"\xf0\x80\x80\xaf\"]}", BOTH, TA_ERR_INVALID, "a[0]", "invalid UTF-8");
}

static void
test_tuf_json_utf8_surrogate(void **state)
{
	(void)state;
	FAILS("{\"s\":\"\xed\xa0\x80\"}", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
	FAILS("{\"s\":\"\xed\xbf\xbf\"}", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
}

static void
test_tuf_json_utf8_truncated_sequence(void **state)
{
	(void)state;
	FAILS("{\"s\":\"\xe2\x82\"}", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
	FAILS("{\"s\":\"\xf0\x9f\x98\"}", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
	FAILS("{\"s\":\"\x80\"}", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
	FAILS("{\"s\":\"\xc3", BOTH, TA_ERR_INVALID, "s", "invalid UTF-8");
}

static void
test_tuf_json_utf8_above_max(void **state)
{
	(void)state;
	FAILS("[\"\xf4\x90\x80\x80\"]", BOTH, TA_ERR_INVALID, "[0]", "invalid UTF-8");
	FAILS("[\"\xf5\x80\x80\x80\"]", BOTH, TA_ERR_INVALID, "[0]", "invalid UTF-8");
	FAILS("[\"\xff\"]", BOTH, TA_ERR_INVALID, "[0]", "invalid UTF-8");
}

static void
test_tuf_json_utf8_in_key(void **state)
{
	(void)state;
	FAILS("{\"ok\":{\"\xff\":1}}", BOTH, TA_ERR_INVALID, "ok", "invalid UTF-8");
}

static void
test_tuf_json_lone_surrogate_escape(void **state)
{
	(void)state;
	FAILS("{\"s\":\"\\ud800\"}", BOTH, TA_ERR_INVALID, "s", "invalid Unicode");
	FAILS("{\"s\":\"\\udc00\"}", BOTH, TA_ERR_INVALID, "s", "invalid Unicode");
	FAILS("{\"s\":\"\\ud800\\u0041\"}", BOTH, TA_ERR_INVALID, "s", "invalid Unicode");
}

/* ---- duplicate keys ---------------------------------------------------------- */

static void
test_tuf_json_duplicate_key_top(void **state)
{
	struct ta_json_error err;
	json_t *v = NULL;

	(void)state;
	FAILS("{\"a\":1,\"a\":2}", BOTH, TA_ERR_INVALID, "a", "duplicate object key");
	assert_int_equal(
	    ta_json_parse((const uint8_t *)"{\"a\":1,\"a\":2}", 13, TA_PROFILE_TUF, &v, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.offset, 10);
}

static void
test_tuf_json_duplicate_key_deep(void **state)
{
	(void)state;
	FAILS("{\"signed\":{\"targets\":{\"x\":{\"length\":1,\"hashes\":{},\"length\":2}}}}", BOTH,
	    TA_ERR_INVALID, "signed.targets.x.length", "duplicate object key");
	FAILS("{\"a\":[{},{\"b\":1,\"b\":1}]}", BOTH, TA_ERR_INVALID, "a[1].b",
	    "duplicate object key");
	FAILS("{\"signed\":{\"meta\":{\"snapshot.json\":{},\"snapshot.json\":{}}}}", BOTH,
	    TA_ERR_INVALID, "signed.meta[\"snapshot.json\"]", "duplicate object key");
}

static void
test_tuf_json_duplicate_key_spelled_differently(void **state)
{
	(void)state;
	/* Equal after unescaping: still the same key. */
	FAILS("{\"a\":1,\"\\u0061\":2}", BOTH, TA_ERR_INVALID, "a", "duplicate object key");
	FAILS("{\"\xc3\xa9\":1,\"\\u00e9\":2}", BOTH, TA_ERR_INVALID, "[\"\xc3\xa9\"]",
	    "duplicate object key");
}

/* ---- numbers ------------------------------------------------------------ */

static void
test_tuf_json_float(void **state)
{
	struct ta_json_error err;
	json_t *v = NULL;
	const char *doc = "{\"signed\":{\"targets\":{\"x\":{\"length\":1.5}}}}";

	(void)state;
	fails_n(doc, strlen(doc), BOTH, TA_ERR_INVALID, "signed.targets.x.length",
	    "number with a fraction or an exponent");
	FAILS("[1.0]", BOTH, TA_ERR_INVALID, "[0]", "only integers");
	FAILS("[-0.0]", BOTH, TA_ERR_INVALID, "[0]", "only integers");
	assert_int_equal(ta_json_parse((const uint8_t *)doc, strlen(doc), TA_PROFILE_TUF, &v, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.offset, TA_JSON_NO_OFFSET);
}

static void
test_tuf_json_exponent(void **state)
{
	(void)state;
	FAILS("{\"v\":1e3}", BOTH, TA_ERR_INVALID, "v", "exponent");
	FAILS("{\"v\":1E+2}", BOTH, TA_ERR_INVALID, "v", "exponent");
	FAILS("{\"v\":[0,5e-1]}", BOTH, TA_ERR_INVALID, "v[1]", "exponent");
}

static void
test_tuf_json_big_int(void **state)
{
	(void)state;
	FAILS("{\"n\":9007199254740993}", BOTH, TA_ERR_TOO_LARGE, "n",
	    "integer 9007199254740993 is outside -2^53..2^53");
	FAILS("{\"n\":-9007199254740993}", BOTH, TA_ERR_TOO_LARGE, "n", "outside -2^53..2^53");
	FAILS("[9223372036854775807]", BOTH, TA_ERR_TOO_LARGE, "[0]", "outside");
	FAILS("[9223372036854775808]", BOTH, TA_ERR_TOO_LARGE, "[0]", "outside");
	FAILS("[-99999999999999999999999]", BOTH, TA_ERR_TOO_LARGE, "[0]", "outside");
}

static void
test_tuf_json_int_limits_accepted(void **state)
{
	(void)state;
	CANON("[9007199254740992,-9007199254740992,0,-0,-1]", BOTH,
	    "[9007199254740992,-9007199254740992,0,0,-1]");
}

/* ---- depth ---------------------------------------------------------------- */

static void
test_tuf_json_depth_64_accepted(void **state)
{
	char *doc = repeat("[", 64, ""), *tail = repeat("]", 64, ""), *full, *want;
	size_t n = strlen(doc);

	(void)state;
	full = malloc(2 * n + 2);
	assert_non_null(full);
	snprintf(full, 2 * n + 2, "%s1%s", doc, tail);
	want = full;
	canon_n(full, strlen(full), BOTH, want, strlen(want));
	free(doc);
	free(tail);
	free(full);
}

static void
test_tuf_json_depth_65_arrays(void **state)
{
	char *open = repeat("[", 65, ""), *doc = repeat("]", 65, ""), *full;
	char *path = repeat("[0]", 64, "");

	(void)state;
	full = malloc(200);
	assert_non_null(full);
	snprintf(full, 200, "%s%s", open, doc);
	fails_n(full, strlen(full), BOTH, TA_ERR_TOO_LARGE, path, "nesting deeper than 64 levels");
	free(open);
	free(doc);
	free(full);
	free(path);
}

static void
test_tuf_json_depth_65_objects(void **state)
{
	char *doc = repeat("{\"a\":", 65, "{}"), *tail = repeat("}", 65, ""), *full;
	char *path = repeat("a.", 63, "a");

	(void)state;
	full = malloc(strlen(doc) + strlen(tail) + 1);
	assert_non_null(full);
	snprintf(full, strlen(doc) + strlen(tail) + 1, "%s%s", doc, tail);
	/* 65 opening braces plus the innermost {} make 66 levels; the first
	 * one over the limit is the 65th, at path a.a...a (64 steps). */
	fails_n(full, strlen(full), BOTH, TA_ERR_TOO_LARGE, path, "nesting deeper than 64");
	free(doc);
	free(tail);
	free(full);
	free(path);
}

static void
test_tuf_json_depth_beyond_jansson_limit(void **state)
{
	/* 3000 levels: jansson gives up at 2048, but the scan reports the
	 * first level over our limit, with its byte offset. */
	char *doc = repeat("[", 3000, "");
	char *path = repeat("[0]", 64, "");
	struct ta_json_error err;
	json_t *v = NULL;

	(void)state;
	fails_n(doc, strlen(doc), BOTH, TA_ERR_TOO_LARGE, path, "nesting deeper than 64");
	assert_int_equal(ta_json_parse((const uint8_t *)doc, strlen(doc), TA_PROFILE_TUF, &v, &err),
	    TA_ERR_TOO_LARGE);
	assert_int_equal(err.offset, 64);
	free(doc);
	free(path);
}

/* ---- paths ------------------------------------------------------------------ */

static void
test_tuf_json_path_quoting(void **state)
{
	(void)state;
	FAILS("{\"signed\":{\"meta\":{\"snapshot.json\":{\"version\":1.5}}}}", BOTH, TA_ERR_INVALID,
	    "signed.meta[\"snapshot.json\"].version", "only integers");
	FAILS("{\"a\\\"b\\\\c\":[1.5]}", BOTH, TA_ERR_INVALID, "[\"a\\\"b\\\\c\"][0]",
	    "only integers");
	FAILS("{\"\":{\"1x\":{\"_ok9\":1.5}}}", BOTH, TA_ERR_INVALID, "[\"\"][\"1x\"]._ok9",
	    "only integers");
	FAILS("{\"t\":{\"v1 beta\":{\"length\":1e1}}}", BOTH, TA_ERR_INVALID,
	    "t[\"v1 beta\"].length", "only integers");
	/* Non-ASCII stays UTF-8 in the path. */
	FAILS("{\"\xc3\xa9t\xc3\xa9\":0.5}", BOTH, TA_ERR_INVALID, "[\"\xc3\xa9t\xc3\xa9\"]",
	    "only integers");
}

static void
test_tuf_json_path_long_key_cut(void **state)
{
	char *key = repeat("k", 100, ""), *doc, *want = repeat("k", 64, "");
	char *path = malloc(100);
	size_t n = 2 * strlen(key) + 32;

	(void)state;
	doc = malloc(n);
	assert_non_null(doc);
	assert_non_null(path);
	snprintf(doc, n, "{\"%s\":1,\"%s\":2}", key, key);
	snprintf(path, 100, "[\"%s...\"]", want);
	fails_n(doc, strlen(doc), BOTH, TA_ERR_INVALID, path, "duplicate object key");

	/* A cut never splits a character: 'é' is two bytes at offset 63. */
	free(key);
	free(want);
	key = repeat("k", 63, "\xc3\xa9\xc3\xa9");
	want = repeat("k", 63, "");
	snprintf(doc, n, "{\"%s\":1.5}", key);
	snprintf(path, 100, "[\"%s...\"]", want);
	fails_n(doc, strlen(doc), BOTH, TA_ERR_INVALID, path, "only integers");
	free(key);
	free(doc);
	free(want);
	free(path);
}

static void
test_tuf_json_path_long_path_cut(void **state)
{
	/* 64 levels of 60-byte keys: the path is cut and ends in "...". */
	char *key = repeat("q", 60, "");
	char *doc = malloc(64 * 70 + 16), *p = doc;
	struct ta_json_error err;
	json_t *v = NULL;

	(void)state;
	assert_non_null(doc);
	for (int i = 0; i < 64; i++)
		p += sprintf(p, "{\"%s\":", key);
	p += sprintf(p, "1.5");
	for (int i = 0; i < 64; i++)
		*p++ = '}';
	*p = '\0';
	assert_int_equal(ta_json_parse((const uint8_t *)doc, strlen(doc), TA_PROFILE_TUF, &v, &err),
	    TA_ERR_INVALID);
	assert_true(strlen(err.path) < TA_JSON_PATH_MAX);
	assert_int_equal(strcmp(err.path + strlen(err.path) - 3, "..."), 0);
	assert_int_equal(strncmp(err.path, key, 60), 0);
	assert_non_null(strstr(err.text, "only integers"));
	free(key);
	free(doc);
}

/* ---- arguments and built trees ------------------------------------------------ */

static void
test_tuf_json_bad_arguments(void **state)
{
	struct ta_json_error err;
	json_t *v = &sentinel;

	(void)state;
	assert_int_equal(
	    ta_json_parse((const uint8_t *)"{}", 2, TA_PROFILE_TUF, NULL, &err), TA_ERR_INVALID);
	assert_int_equal(ta_json_parse(NULL, 2, TA_PROFILE_TUF, &v, &err), TA_ERR_INVALID);
	assert_int_equal(
	    ta_json_parse((const uint8_t *)"{}", 2, (enum ta_profile)7, &v, &err), TA_ERR_INVALID);
	assert_int_equal(
	    ta_json_parse((const uint8_t *)"{}", 2, (enum ta_profile)0, &v, NULL), TA_ERR_INVALID);
	assert_ptr_equal(v, &sentinel);
	assert_int_equal(
	    ta_canon_write(NULL, TA_PROFILE_TUF, &(uint8_t *){NULL}, &(size_t){0}), TA_ERR_INVALID);
}

static void
test_tuf_json_check_built_trees(void **state)
{
	struct ta_json_error err;
	uint8_t *out = NULL;
	size_t out_len = 0;
	json_t *v = json_pack("{s:{s:[i,f]}}", "signed", "x", 1, 2.5);

	(void)state;
	assert_non_null(v);
	assert_int_equal(ta_json_check(v, TA_PROFILE_TUF, &err), TA_ERR_INVALID);
	assert_string_equal(err.path, "signed.x[1]");
	assert_int_equal(ta_canon_write(v, TA_PROFILE_TUF, &out, &out_len), TA_ERR_INVALID);
	assert_null(out);
	json_decref(v);

	/* Invalid UTF-8 and NUL that only code can put in a tree. */
	v = json_object();
	assert_int_equal(json_object_set_new(v, "s", json_stringn_nocheck("\xc0\xaf", 2)), 0);
	assert_int_equal(ta_json_check(v, TA_PROFILE_TUF, &err), TA_ERR_INVALID);
	assert_string_equal(err.path, "s");
	assert_non_null(strstr(err.text, "not valid UTF-8"));
	json_decref(v);

	v = json_array();
	assert_int_equal(json_array_append_new(v, json_stringn("a\0b", 3)), 0);
	assert_int_equal(ta_json_check(v, TA_PROFILE_TUF, &err), TA_ERR_INVALID);
	assert_string_equal(err.path, "[0]");
	assert_non_null(strstr(err.text, "U+0000"));
	assert_int_equal(ta_canon_write(v, TA_PROFILE_TUF, &out, &out_len), TA_ERR_INVALID);
	json_decref(v);

	v = json_integer((json_int_t)1 << 60);
	assert_int_equal(ta_json_check(v, TA_PROFILE_NOTARY, &err), TA_ERR_TOO_LARGE);
	assert_string_equal(
	    err.text, "top level: integer 1152921504606846976 is outside -2^53..2^53");
	json_decref(v);
}

static void
test_tuf_json_canon_refuses_deep_built_tree(void **state)
{
	json_t *root = json_array(), *cur = root;
	uint8_t *out = NULL;
	size_t out_len = 0;

	(void)state;
	for (int i = 0; i < 64; i++) {
		json_t *next = json_array();

		assert_int_equal(json_array_append_new(cur, next), 0);
		cur = next;
	}
	assert_int_equal(ta_canon_write(root, TA_PROFILE_TUF, &out, &out_len), TA_ERR_TOO_LARGE);
	assert_null(out);
	json_decref(root);
}

static void
test_tuf_json_profile_names(void **state)
{
	enum ta_profile p = TA_PROFILE_TUF;

	(void)state;
	assert_string_equal(ta_profile_name(TA_PROFILE_NOTARY), "notary");
	assert_string_equal(ta_profile_name(TA_PROFILE_TUF), "tuf");
	assert_string_equal(ta_profile_name((enum ta_profile)9), "unknown");
	assert_int_equal(ta_profile_from_name("notary", &p), 0);
	assert_int_equal(p, TA_PROFILE_NOTARY);
	assert_int_equal(ta_profile_from_name("TUF", &p), TA_ERR_INVALID);
	assert_int_equal(ta_profile_from_name("", &p), TA_ERR_INVALID);
	assert_int_equal(p, TA_PROFILE_NOTARY);
}

/* ---- canonical bytes ---------------------------------------------------------- */

static void
test_tuf_json_canon_formats_example(void **state)
{
	(void)state;
	/* FORMATS §2.1: encode_canonical({'b':'<&>é\n','a':[1,True,None]}). */
	CANON("{\"b\":\"<&>\\u00e9\\n\",\"a\":[1,true,null]}", TA_PROFILE_TUF,
	    "{\"a\":[1,true,null],\"b\":\"<&>\xc3\xa9\n\"}");
}

static void
test_tuf_json_canon_escapes(void **state)
{
	(void)state;
	/* Only " and \ are escaped; \/ is just '/'; every control character
	 * is written raw (tuf only: notary refuses them). */
	CANON("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\\u007f\"]", TA_PROFILE_TUF,
	    "[\"\\\"\\\\/\b\f\n\r\t\x01\x1f\x7f\"]");
	CANON("[\"\\\"\\\\\\/\\u007f\"]", TA_PROFILE_NOTARY, "[\"\\\"\\\\/\x7f\"]");
}

static void
test_tuf_json_canon_nonascii(void **state)
{
	(void)state;
	CANON("{\"t\":\"\\u00e9\\u4E2D\\ud83d\\ude00 \xc3\xa9\"}", BOTH,
	    "{\"t\":\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \xc3\xa9\"}");
	/* U+2028/2029 stay raw in canonical mode (FORMATS §1.1). */
	CANON("[\"\\u2028\\u2029\"]", BOTH, "[\"\xe2\x80\xa8\xe2\x80\xa9\"]");
}

static void
test_tuf_json_canon_key_order_nonascii(void **state)
{
	(void)state;
	/* Byte order of UTF-8 = code-point order:
	 * Z 5a < z 7a < é c3a9 < ÿ c3bf < Ā c480 < U+E000 ee8080 < 😀 f09f9880 */
	CANON("{\"\\ud83d\\ude00\":7,\"\\ue000\":6,\"\\u0100\":5,\"\\u00ff\":4,\"\\u00e9\":3,"
	      "\"z\":2,\"Z\":1}",
	    BOTH,
	    "{\"Z\":1,\"z\":2,\"\xc3\xa9\":3,\"\xc3\xbf\":4,\"\xc4\x80\":5,\"\xee\x80\x80\":6,"
	    "\"\xf0\x9f\x98\x80\":7}");
}

static void
test_tuf_json_canon_key_order_prefixes(void **state)
{
	(void)state;
	CANON("{\"ab\":1,\"a b\":2,\"a\":3,\"\":4,\"B\":5,\"a\\\"\":6,\"a\\\\\":7}", BOTH,
	    "{\"\":4,\"B\":5,\"a\":3,\"a b\":2,\"a\\\"\":6,\"a\\\\\":7,\"ab\":1}");
}

static void
test_tuf_json_canon_empty_and_nested(void **state)
{
	(void)state;
	CANON("{ \"c\" : [ { } , [ ] , { \"y\" : { } , \"x\" : [ [ ] ] } ] ,\n"
	      "  \"b\" : [ ] , \"a\" : { } }",
	    BOTH, "{\"a\":{},\"b\":[],\"c\":[{},[],{\"x\":[[]],\"y\":{}}]}");
	CANON("{}", BOTH, "{}");
	CANON("[]", BOTH, "[]");
}

static void
test_tuf_json_canon_scalars(void **state)
{
	(void)state;
	CANON("null", BOTH, "null");
	CANON(" true ", BOTH, "true");
	CANON("false", BOTH, "false");
	CANON("-0", BOTH, "0");
	CANON("\"x\"", BOTH, "\"x\"");
	CANON("\"\"", BOTH, "\"\"");
}

static void
test_tuf_json_canon_html_chars_raw(void **state)
{
	(void)state;
	/* Canonical mode writes < > & raw in both flavours. */
	CANON("{\"v3&<x>\":\"</script>&amp;\"}", BOTH, "{\"v3&<x>\":\"</script>&amp;\"}");
}

static void
test_tuf_json_canon_profiles_agree(void **state)
{
	static const char doc[] =
	    "{\"signed\":{\"_type\":\"Targets\",\"version\":3,\"expires\":\"2030-01-01T00:00:00Z\","
	    "\"targets\":{\"latest\":{\"length\":1234,\"hashes\":{\"sha256\":\"abc=\"}}},"
	    "\"delegations\":{\"roles\":[],\"keys\":{}}}}";
	json_t *a = parse_ok(doc, sizeof(doc) - 1, TA_PROFILE_TUF);
	json_t *b = parse_ok(doc, sizeof(doc) - 1, TA_PROFILE_NOTARY);
	uint8_t *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;

	(void)state;
	assert_int_equal(ta_canon_write(a, TA_PROFILE_TUF, &x, &xl), 0);
	assert_int_equal(ta_canon_write(b, TA_PROFILE_NOTARY, &y, &yl), 0);
	assert_int_equal(xl, yl);
	assert_memory_equal(x, y, xl);
	assert_string_equal((const char *)x,
	    "{\"signed\":{\"_type\":\"Targets\",\"delegations\":{\"keys\":{},\"roles\":[]},"
	    "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"latest\":{\"hashes\":"
	    "{\"sha256\":\"abc=\"},\"length\":1234}},\"version\":3}}");
	free(x);
	free(y);
	json_decref(a);
	json_decref(b);
}

static void
test_tuf_json_canon_notary_refuses_tuf_tree(void **state)
{
	json_t *v = parse_ok("{\"a\":\"x\\u0001\"}", 15, TA_PROFILE_TUF);
	uint8_t *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(ta_canon_write(v, TA_PROFILE_NOTARY, &out, &out_len), TA_ERR_INVALID);
	assert_null(out);
	assert_int_equal(ta_canon_write_notary_file(v, NULL, 0, &out, &out_len), TA_ERR_INVALID);
	assert_null(out);
	json_decref(v);
}

/* ---- notary file ---------------------------------------------------------------- */

static void
test_tuf_json_notary_file_html_escape(void **state)
{
	static const uint8_t s1[] = {1, 2, 3}, s2[] = {0xff}, s3[] = {0xff, 0xfe};
	const struct ta_canon_sig sigs[] = {
	    {"ab12", "ecdsa", s1, sizeof(s1)},
	    {"cd", "eddsa", s2, sizeof(s2)},
	    {"0f", "pycrypto-pkcs#1 pss", s3, sizeof(s3)},
	};
	static const char doc[] =
	    "{\"name\":\"v3&<x>\",\"s\":\"\\u2028\\u2029\",\"<k>\":1,\"e\":\"\\u00e9\"}";
	static const char want[] =
	    "{\"signed\":{\"\\u003ck\\u003e\":1,\"e\":\"\xc3\xa9\","
	    "\"name\":\"v3\\u0026\\u003cx\\u003e\","
	    "\"s\":\"\\u2028\\u2029\"},\"signatures\":["
	    "{\"keyid\":\"ab12\",\"method\":\"ecdsa\",\"sig\":\"AQID\"},"
	    "{\"keyid\":\"cd\",\"method\":\"eddsa\",\"sig\":\"/w==\"},"
	    "{\"keyid\":\"0f\",\"method\":\"pycrypto-pkcs#1 pss\",\"sig\":\"//4=\"}]}";
	json_t *v = parse_ok(doc, sizeof(doc) - 1, TA_PROFILE_NOTARY);
	uint8_t *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(ta_canon_write_notary_file(v, sigs, 3, &out, &out_len), 0);
	assert_int_equal(out_len, sizeof(want) - 1);
	assert_string_equal((const char *)out, want);
	free(out);
	json_decref(v);
}

static void
test_tuf_json_notary_file_empty_signatures(void **state)
{
	json_t *v = parse_ok("{ }", 3, TA_PROFILE_NOTARY);
	uint8_t *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(ta_canon_write_notary_file(v, NULL, 0, &out, &out_len), 0);
	assert_string_equal((const char *)out, "{\"signed\":{},\"signatures\":[]}");
	assert_int_equal(out_len, 29);
	free(out);
	json_decref(v);
}

static void
test_tuf_json_notary_file_bad_fields(void **state)
{
	static const uint8_t sig[] = {1};
	struct ta_canon_sig s = {"ab", "ecdsa", sig, 1};
	json_t *v = parse_ok("{}", 2, TA_PROFILE_NOTARY);
	uint8_t *out = NULL;
	size_t out_len = 0;
	char *longid = repeat("a", TA_CANON_KEYID_MAX + 1, "");

	(void)state;
	s.keyid = "AB"; /* uppercase: the file lowercases nothing for us */
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.keyid = "";
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.keyid = longid;
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.keyid = "ab";
	s.method = "ECDSA"; /* notary lowercases on read: the hash would change */
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.method = "ecdsa\"";
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.method = NULL;
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.method = "ecdsa";
	s.sig_len = 0;
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	s.sig_len = TA_CANON_SIG_MAX + 1;
	assert_int_equal(ta_canon_write_notary_file(v, &s, 1, &out, &out_len), TA_ERR_INVALID);
	assert_int_equal(ta_canon_write_notary_file(v, NULL, 1, &out, &out_len), TA_ERR_INVALID);
	assert_null(out);
	free(longid);
	json_decref(v);
}

/* ta_json_stray_member: the first member not named, NULL when none. */
static void
test_json_stray_member(void **state)
{
	static const char *const names[] = { "a", "b", NULL };
	static const char *const none[] = { NULL };
	json_t *o = json_pack("{sisi}", "a", 1, "b", 2), *arr = json_array();

	(void)state;
	assert_non_null(o);
	assert_null(ta_json_stray_member(o, names));
	assert_string_equal(ta_json_stray_member(o, none), "a");
	assert_int_equal(json_object_set_new(o, "c", json_null()), 0);
	assert_string_equal(ta_json_stray_member(o, names), "c");
	/* A name that only begins like an allowed one is no match. */
	assert_int_equal(json_object_del(o, "c"), 0);
	assert_int_equal(json_object_set_new(o, "ab", json_null()), 0);
	assert_string_equal(ta_json_stray_member(o, names), "ab");
	/* Not an object: nothing to name. */
	assert_null(ta_json_stray_member(arr, none));
	assert_null(ta_json_stray_member(NULL, names));
	json_decref(o);
	json_decref(arr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_stray_member),
	    cmocka_unit_test(test_tuf_json_empty_input),
	    cmocka_unit_test(test_tuf_json_whitespace_only),
	    cmocka_unit_test(test_tuf_json_truncated_docs),
	    cmocka_unit_test(test_tuf_json_truncated_reports_offset),
	    cmocka_unit_test(test_tuf_json_oversized),
	    cmocka_unit_test(test_tuf_json_max_size_accepted),
	    cmocka_unit_test(test_tuf_json_trailing_bytes),
	    cmocka_unit_test(test_tuf_json_trailing_whitespace_accepted),
	    cmocka_unit_test(test_tuf_json_syntax_errors),
	    cmocka_unit_test(test_tuf_json_byte_order_mark),
	    cmocka_unit_test(test_tuf_json_nul_byte),
	    cmocka_unit_test(test_tuf_json_nul_escape),
	    cmocka_unit_test(test_tuf_json_raw_control_chars),
	    cmocka_unit_test(test_tuf_json_notary_refuses_escaped_control_chars),
	    cmocka_unit_test(test_tuf_json_utf8_overlong),
	    cmocka_unit_test(test_tuf_json_utf8_surrogate),
	    cmocka_unit_test(test_tuf_json_utf8_truncated_sequence),
	    cmocka_unit_test(test_tuf_json_utf8_above_max),
	    cmocka_unit_test(test_tuf_json_utf8_in_key),
	    cmocka_unit_test(test_tuf_json_lone_surrogate_escape),
	    cmocka_unit_test(test_tuf_json_duplicate_key_top),
	    cmocka_unit_test(test_tuf_json_duplicate_key_deep),
	    cmocka_unit_test(test_tuf_json_duplicate_key_spelled_differently),
	    cmocka_unit_test(test_tuf_json_float),
	    cmocka_unit_test(test_tuf_json_exponent),
	    cmocka_unit_test(test_tuf_json_big_int),
	    cmocka_unit_test(test_tuf_json_int_limits_accepted),
	    cmocka_unit_test(test_tuf_json_depth_64_accepted),
	    cmocka_unit_test(test_tuf_json_depth_65_arrays),
	    cmocka_unit_test(test_tuf_json_depth_65_objects),
	    cmocka_unit_test(test_tuf_json_depth_beyond_jansson_limit),
	    cmocka_unit_test(test_tuf_json_path_quoting),
	    cmocka_unit_test(test_tuf_json_path_long_key_cut),
	    cmocka_unit_test(test_tuf_json_path_long_path_cut),
	    cmocka_unit_test(test_tuf_json_bad_arguments),
	    cmocka_unit_test(test_tuf_json_check_built_trees),
	    cmocka_unit_test(test_tuf_json_canon_refuses_deep_built_tree),
	    cmocka_unit_test(test_tuf_json_profile_names),
	    cmocka_unit_test(test_tuf_json_canon_formats_example),
	    cmocka_unit_test(test_tuf_json_canon_escapes),
	    cmocka_unit_test(test_tuf_json_canon_nonascii),
	    cmocka_unit_test(test_tuf_json_canon_key_order_nonascii),
	    cmocka_unit_test(test_tuf_json_canon_key_order_prefixes),
	    cmocka_unit_test(test_tuf_json_canon_empty_and_nested),
	    cmocka_unit_test(test_tuf_json_canon_scalars),
	    cmocka_unit_test(test_tuf_json_canon_html_chars_raw),
	    cmocka_unit_test(test_tuf_json_canon_profiles_agree),
	    cmocka_unit_test(test_tuf_json_canon_notary_refuses_tuf_tree),
	    cmocka_unit_test(test_tuf_json_notary_file_html_escape),
	    cmocka_unit_test(test_tuf_json_notary_file_empty_signatures),
	    cmocka_unit_test(test_tuf_json_notary_file_bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
