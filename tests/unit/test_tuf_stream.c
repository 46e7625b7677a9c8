/* Unit tests for tuf/stream.c: ta_canon_stream() and ta_canon_stream_html()
 * against the tree path they replace, ta_json_parse() + (member) +
 * ta_canon_write() and the <C> of ta_canon_write_notary_file().
 *
 * Every document runs through both paths in both profiles, for the whole
 * document and for its "signed" member, and in the HTML form; the two must
 * return the same code and the same bytes (agree(), tests/tools/streamfix.c).
 * The tables also give the code each profile must return for the whole
 * document, so that a case tests what it says it tests.  Random documents
 * are tests/unit/test_tuf_stream_random.c's. */
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
#include "tuf/stream.h"
#include "tests/tools/streamfix.h"

/* ---- table-driven cases ---------------------------------------------------- */

struct tcase {
	const char *doc;
	size_t len;
	int notary; /* expected whole-document code, per profile */
	int tuf;
};

/* doc is a string literal, NUL bytes allowed. */
#define C(doc, n, t)                                                                               \
	{                                                                                          \
		(doc), sizeof(doc) - 1, (n), (t)                                                   \
	}
#define OK 0
#define INV TA_ERR_INVALID
#define BIG TA_ERR_TOO_LARGE
#define TRUNC TA_ERR_TRUNCATED
#define TRAIL TA_ERR_TRAILING

static void
run_table(const struct tcase *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rn, rt;

		agree((const uint8_t *)t[i].doc, t[i].len, &rn, &rt);
		if (rn != t[i].notary || rt != t[i].tuf)
			fail_msg("case %zu '%s': notary %s tuf %s, want %s %s", i,
			    show((const uint8_t *)t[i].doc, t[i].len), ta_errname(rn),
			    ta_errname(rt), ta_errname(t[i].notary), ta_errname(t[i].tuf));
	}
}

#define RUN(table) run_table((table), sizeof(table) / sizeof((table)[0]))

/* The canonical bytes of doc (both profiles and both paths agree). */
static void
canon_is(const char *doc, size_t len, enum ta_profile p, const char *member, const char *want)
{
	struct ta_json_error err;
	uint8_t *c = NULL;
	size_t clen = 0;

	assert_int_equal(agree_one((const uint8_t *)doc, len, p, member, false), 0);
	assert_int_equal(ta_canon_stream((const uint8_t *)doc, len, p, member, &c, &clen, &err), 0);
	if (clen != strlen(want) || memcmp(c, want, clen) != 0)
		fail_msg("got '%s', want '%s'", show(c, clen), want);
	free(c);
}

#define CANON(doc, p, member, want) canon_is((doc), sizeof(doc) - 1, (p), (member), (want))

static void
test_tuf_stream_valid_documents(void **state)
{
	static const struct tcase t[] = {
	    C("{}", OK, OK),
	    C("[]", OK, OK),
	    C(" \t\r\n{ \t\r\n} \t\r\n", OK, OK),
	    C("0", OK, OK),
	    C("-0", OK, OK),
	    C("\"\"", OK, OK),
	    C("true", OK, OK),
	    C("false", OK, OK),
	    C("null", OK, OK),
	    C("[1,-2,true,false,null,\"x\",{},[]]", OK, OK),
	    C("{\"a\":{\"b\":{\"c\":[[[]]]}}}", OK, OK),
	    C("{ \"b\" : 1 , \"a\" : [ 1 , 2 ] }", OK, OK),
	    C("{\"signed\":{\"b\":1,\"a\":2},\"signatures\":[]}", OK, OK),
	    C("{\"signatures\":[],\"signed\":[3,2,1]}", OK, OK),
	    C("{\"signed\":\"x\"}", OK, OK),
	    C("{\"signed\":-0}", OK, OK),
	    C("{\"signed\":null,\"a\":1}", OK, OK),
	    C("[\"\x7f\", \"~\"]", OK, OK),
	};

	(void)state;
	RUN(t);
	CANON(" { \"b\" : [ 1 , -0 , true ] , \"a\" : null } ", TA_PROFILE_TUF, NULL,
	    "{\"a\":null,\"b\":[1,0,true]}");
	CANON("{\"signatures\":[1],\"signed\":{\"z\":1,\"y\":{\"b\":2,\"a\":1}}}",
	    TA_PROFILE_NOTARY, "signed", "{\"y\":{\"a\":1,\"b\":2},\"z\":1}");
}

static void
test_tuf_stream_truncated(void **state)
{
	static const struct tcase t[] = {
	    C(" ", TRUNC, TRUNC),
	    C("\n\t", TRUNC, TRUNC),
	    C("[", TRUNC, TRUNC),
	    C("{", TRUNC, TRUNC),
	    C("[1", TRUNC, TRUNC),
	    C("[1,", TRUNC, TRUNC),
	    C("[1 ", TRUNC, TRUNC),
	    C("{\"a\"", TRUNC, TRUNC),
	    C("{\"a\":", TRUNC, TRUNC),
	    C("{\"a\":1", TRUNC, TRUNC),
	    C("{\"a\":1,", TRUNC, TRUNC),
	    C("\"abc", TRUNC, TRUNC),
	    C("[\"abc", TRUNC, TRUNC),
	    C("{\"ab", TRUNC, TRUNC),
	    C("\"\\n", TRUNC, TRUNC),
	    C("\"\\u0041", TRUNC, TRUNC),
	    /* Inside an escape jansson says "invalid escape", not "ends early". */
	    C("\"\\", INV, INV),
	    C("\"\\u00", INV, INV),
	    /* The raw scan comes first: a lone surrogate then the end. */
	    C("\"\\ud800", TRUNC, TRUNC),
	    C("\"\\udc00abc", TRUNC, TRUNC),
	    /* A truncated UTF-8 sequence is invalid UTF-8. */
	    C("\"\xc3", INV, INV),
	    C("\"\xe2\x82", INV, INV),
	    /* A number or literal cut short is an invalid token. */
	    C("-", INV, INV),
	    C("[-", INV, INV),
	    C("1.", INV, INV),
	    C("1e", INV, INV),
	    C("1e+", INV, INV),
	    C("tru", INV, INV),
	    C("[nul", INV, INV),
	    /* After a token that expects more, the next token is lexed first. */
	    C("[1 \"ab", TRUNC, TRUNC),
	    C("{\"a\" \"b", TRUNC, TRUNC),
	    C("{\"a\":1 \"b", TRUNC, TRUNC),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_trailing(void **state)
{
	static const struct tcase t[] = {
	    C("{} x", TRAIL, TRAIL),
	    C("{}x", TRAIL, TRAIL),
	    C("1 2", TRAIL, TRAIL),
	    C("1x", TRAIL, TRAIL),
	    C("1-", TRAIL, TRAIL),
	    C("1 -", TRAIL, TRAIL),
	    C("1 1.5", TRAIL, TRAIL),
	    C("true1", TRAIL, TRAIL),
	    C("[]]", TRAIL, TRAIL),
	    C("{}}", TRAIL, TRAIL),
	    C("{},{}", TRAIL, TRAIL),
	    C("[] []", TRAIL, TRAIL),
	    C("1 \"\\u0000\"", TRAIL, TRAIL),
	    C("1 \xc3\xa9", TRAIL, TRAIL),
	    C("1 \xef\xbb\xbf", TRAIL, TRAIL),
	    C("{} \x01", TRAIL, TRAIL),
	    /* Unless lexing the trailing token fails first. */
	    C("{}\"", TRUNC, TRUNC),
	    C("{} \"\x01\"", INV, INV),
	    C("{} \"\\ud800\"", INV, INV),
	    C("{} \"\\x\"", INV, INV),
	    C("1 1e999", BIG, BIG),
	    C("1 99999999999999999999", BIG, BIG),
	    C("1 \xff", INV, INV),
	    C("1\xff", INV, INV),
	    C("1 x\xff", INV, INV),
	    C("1 -\xff", INV, INV),
	    C("1 99999999999999999999\xff", INV, INV),
	    C("true\xff", INV, INV),
	    C("{}\xc3", INV, INV),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_syntax_errors(void **state)
{
	static const struct tcase t[] = {
	    C("[1 2]", INV, INV),
	    C("[1,]", INV, INV),
	    C("[,1]", INV, INV),
	    C("[1,,2]", INV, INV),
	    C("{\"a\":1,}", INV, INV),
	    C("{,}", INV, INV),
	    C("{\"a\" 1}", INV, INV),
	    C("{\"a\":1 \"b\":2}", INV, INV),
	    C("{1:2}", INV, INV),
	    C("{\"a\"::1}", INV, INV),
	    C("{\"a\":}", INV, INV),
	    C("{[", INV, INV),
	    C("[1}", INV, INV),
	    C("{\"a\":1]", INV, INV),
	    C("]", INV, INV),
	    C("}", INV, INV),
	    C(":", INV, INV),
	    C("[01]", INV, INV),
	    C("[-01]", INV, INV),
	    C("00", INV, INV),
	    C("[+1]", INV, INV),
	    C("[.5]", INV, INV),
	    C("[1.]", INV, INV),
	    C("[1.e3]", INV, INV),
	    C("[1e]", INV, INV),
	    C("[-a]", INV, INV),
	    C("truex", INV, INV),
	    C("[True]", INV, INV),
	    C("[nan]", INV, INV),
	    C("[1true]", INV, INV),
	    C("'a'", INV, INV),
	    C("[\"a\"\"b\"]", INV, INV),
	    C("\xc3\xa9", INV, INV),
	    C("[\xff]", INV, INV),
	    C("[1 \xff]", INV, INV),
	    C("[1\xc3]", INV, INV),
	    C("[\x01]", INV, INV),
	    C("\x0b{}", INV, INV),
	    C("\x0c{}", INV, INV),
	    C("[1 1e999]", BIG, BIG),
	    C("[1 99999999999999999999]", BIG, BIG),
	    C("{\"a\":1 \"\\ud800\"}", INV, INV),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_byte_order_mark(void **state)
{
	static const struct tcase t[] = {
	    C("\xef\xbb\xbf{}", INV, INV),
	    C("\xef\xbb\xbf", INV, INV),
	    C("{}\xef\xbb\xbf", TRAIL, TRAIL),
	    C("[\"\xef\xbb\xbf\"]", OK, OK),
	    C("\xfe\xff{}", INV, INV),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_nul(void **state)
{
	static const struct tcase t[] = {
	    C("\0", INV, INV),
	    C("{}\0", INV, INV),
	    C("[\"a\0b\"]", INV, INV),
	    C("{\"a\0\":1}", INV, INV),
	    C("[1,\0 2]", INV, INV),
	    C("\"abc\0", INV, INV),
	    C("\"\\u0000\"", INV, INV),
	    C("[\"a\\u0000b\"]", INV, INV),
	    C("{\"\\u0000\":1}", INV, INV),
	    C("{\"a\\u0000\":1}", INV, INV),
	    C("\"\\u0000", TRUNC, TRUNC),
	    C("\"\\u0000\\ud800\"", INV, INV),
	    C("[\"\\u0000\" 1]", INV, INV),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_control_chars(void **state)
{
	static const struct tcase t[] = {
	    C("[\"a\nb\"]", INV, INV),
	    C("[\"\x01\"]", INV, INV),
	    C("[\"\x1f\"]", INV, INV),
	    C("{\"\t\":1}", INV, INV),
	    C("[\"\\n\"]", INV, OK),
	    C("[\"\\b\\f\\r\\t\"]", INV, OK),
	    C("[\"\\u0001\"]", INV, OK),
	    C("[\"\\u001f\"]", INV, OK),
	    C("[\"\\u001F\"]", INV, OK),
	    C("[\"\\u0020\"]", OK, OK),
	    C("{\"\\n\":1}", INV, OK),
	    C("{\"a\\tb\":1}", INV, OK),
	    /* The notary refusal is a check, so a later jansson error wins. */
	    C("[\"\\n\",]", INV, INV),
	    C("[\"\\n\"", TRUNC, TRUNC),
	    C("[\"\\n\" 1e999]", BIG, BIG),
	    C("[\"\\n\"] x", TRAIL, TRAIL),
	    C("{\"signed\":\"\\t\"}", INV, OK),
	};

	(void)state;
	RUN(t);
	CANON("[\"\\n\\t\\u0001\"]", TA_PROFILE_TUF, NULL, "[\"\n\t\x01\"]");
}

static void
test_tuf_stream_utf8(void **state)
{
	static const struct tcase t[] = {
	    C("[\"\xc3\xa9\"]", OK, OK),
	    C("[\"\xe2\x82\xac\"]", OK, OK),
	    C("[\"\xf0\x9f\x98\x80\"]", OK, OK),
	    C("[\"\xf4\x8f\xbf\xbf\"]", OK, OK),
	    C("[\"\xef\xbf\xbf\"]", OK, OK),
	    C("[\"\xee\x80\x80\"]", OK, OK),
	    C("{\"\xc3\xa9\":1}", OK, OK),
	    /* Overlong forms. */
	    C("[\"\xc0\x80\"]", INV, INV),
	    C("[\"\xc1\xbf\"]", INV, INV),
	    C("[\"\xe0\x80\x80\"]", INV, INV),
	    C("[\"\xe0\x9f\xbf\"]", INV, INV),
	    C("[\"\xf0\x80\x80\x80\"]", INV, INV),
	    C("[\"\xf0\x8f\xbf\xbf\"]", INV, INV),
	    /* Encoded surrogates, and code points above U+10FFFF. */
	    C("[\"\xed\xa0\x80\"]", INV, INV),
	    C("[\"\xed\xbf\xbf\"]", INV, INV),
	    C("[\"\xf4\x90\x80\x80\"]", INV, INV),
	    C("[\"\xf5\x80\x80\x80\"]", INV, INV),
	    C("[\"\xff\"]", INV, INV),
	    /* Lone continuation bytes, truncated sequences. */
	    C("[\"\x80\"]", INV, INV),
	    C("[\"\xbf\"]", INV, INV),
	    C("[\"\xc3\"]", INV, INV),
	    C("[\"\xe2\x82\"]", INV, INV),
	    C("[\"\xf0\x9f\x98\"]", INV, INV),
	    C("[\"\xc3\xc3\xa9\"]", INV, INV),
	    C("{\"\xc0\xae\":1}", INV, INV),
	    /* Invalid UTF-8 beats a later error of any kind. */
	    C("[\"\xff\" 1e999]", INV, INV),
	    C("[\"\xff\"", INV, INV),
	    /* Long strings take the 16-byte path; the fault sits at each offset. */
	    C("[\"0123456789abcdef0123456789abcdef\xc3\xa9xyz\"]", OK, OK),
	    C("[\"0123456789abcdef0123456789abcd\xc3\"]", INV, INV),
	    C("[\"0123456789abcdef0123456789abcde\x01\"]", INV, INV),
	    C("[\"0123456789abcdef0123456789abcdef\"]", OK, OK),
	};

	(void)state;
	RUN(t);
}

static void
test_tuf_stream_escapes(void **state)
{
	static const struct tcase t[] = {
	    C("[\"\\\"\\\\\\/\"]", OK, OK),
	    C("[\"\\u00e9\\u20AC\\ud83d\\ude00\"]", OK, OK),
	    C("[\"\\uD834\\uDD1E\"]", OK, OK),
	    C("[\"\\udbff\\udfff\"]", OK, OK),
	    C("[\"\\u0022\\u005c\"]", OK, OK),
	    C("{\"\\u0022\":1,\"\\\\\":2,\"\\/\":3}", OK, OK),
	    /* Lone and mismatched surrogates. */
	    C("[\"\\ud800\"]", INV, INV),
	    C("[\"\\udc00\"]", INV, INV),
	    C("[\"\\udfff\"]", INV, INV),
	    C("[\"\\ud800x\"]", INV, INV),
	    C("[\"\\ud800\\u0041\"]", INV, INV),
	    C("[\"\\ud800\\ud800\"]", INV, INV),
	    C("[\"\\ud800\\\\u0041\"]", INV, INV),
	    C("[\"\\udc00\\ud800\"]", INV, INV),
	    C("{\"\\ud800\":1}", INV, INV),
	    /* Bad escapes. */
	    C("[\"\\x\"]", INV, INV),
	    C("[\"\\U0041\"]", INV, INV),
	    C("[\"\\u004\"]", INV, INV),
	    C("[\"\\u00g0\"]", INV, INV),
	    C("[\"\\'\"]", INV, INV),
	    C("[\"\\\xc3\xa9\"]", INV, INV),
	    C("[\"\\\xff\"]", INV, INV),
	};

	(void)state;
	RUN(t);
	CANON("[\"\\\"\\\\\\/\\u00e9\\ud83d\\ude00\\u0022\\u005C\"]", TA_PROFILE_TUF, NULL,
	    "[\"\\\"\\\\/\xc3\xa9\xf0\x9f\x98\x80\\\"\\\\\"]");
	CANON("[\"a\\\"b\"]", TA_PROFILE_NOTARY, NULL, "[\"a\\\"b\"]");
}

static void
test_tuf_stream_numbers(void **state)
{
	static const struct tcase t[] = {
	    C("[0,-0,1,-1,123456789012345]", OK, OK),
	    C("[9007199254740992,-9007199254740992]", OK, OK),
	    C("[1234567890123456]", OK, OK),
	    /* Past 2^53 the check refuses them; past int64 jansson does. */
	    C("[9007199254740993]", BIG, BIG),
	    C("[-9007199254740993]", BIG, BIG),
	    C("[9223372036854775807]", BIG, BIG),
	    C("[-9223372036854775808]", BIG, BIG),
	    C("[9223372036854775808]", BIG, BIG),
	    C("[-9223372036854775809]", BIG, BIG),
	    C("[99999999999999999999999999999999]", BIG, BIG),
	    /* Reals are refused, except that an overflowing one is a jansson error. */
	    C("[1.0]", INV, INV),
	    C("[1.5]", INV, INV),
	    C("[-0.0]", INV, INV),
	    C("[1e3]", INV, INV),
	    C("[1E+3]", INV, INV),
	    C("[-1.5e-3]", INV, INV),
	    C("[1e-400]", INV, INV),
	    C("[1e400]", BIG, BIG),
	    C("[-1e400]", BIG, BIG),
	    C("[1.7976931348623157e308]", INV, INV),
	    C("[1.7976931348623159e308]", BIG, BIG),
	    /* First check fault in document order, unless jansson stops later. */
	    C("[1.5,9007199254740993]", INV, INV),
	    C("[9007199254740993,1.5]", BIG, BIG),
	    C("[1.5,99999999999999999999]", BIG, BIG),
	    C("[1.5,1e999]", BIG, BIG),
	    C("[9007199254740993,]", INV, INV),
	    C("[1.5", TRUNC, TRUNC),
	    C("[99999999999999999999\xff]", INV, INV),
	    C("[1e999\xff]", INV, INV),
	    C("{\"signed\":1.5}", INV, INV),
	    /* Document order, not key order. */
	    C("{\"b\":1.5,\"a\":9007199254740993}", INV, INV),
	    C("{\"b\":9007199254740993,\"a\":1.5}", BIG, BIG),
	    C("[1e300,1e308,1e309,0.1e310,1000e306,1e-99999999999999999999]", BIG, BIG),
	    C("[1e300,1e308,0.1e309,1000e305,1e-99999999999999999999]", INV, INV),
	    C("[1e+400]", BIG, BIG),
	    C("[100000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	      ".5]",
		BIG, BIG),
	    C("[0.000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
	      "0000000000000000000000000000000000000000000000000000000000000000000000000000001"
	      "e310]",
		INV, INV),
	};
	size_t len;
	uint8_t *p;
	int rn, rt;

	(void)state;
	RUN(t);
	/* 1e400 written as 1 and 401 zeros with e-1, then as 0.0...01e401. */
	p = nest("[1", "0", 401, "e-1", "", "]", &len);
	agree(p, len, &rn, &rt);
	assert_int_equal(rn, BIG);
	free(p);
	p = nest("[0.", "0", 300, "1e700", "", "]", &len);
	agree(p, len, &rn, &rt);
	assert_int_equal(rt, BIG);
	free(p);
	CANON("[-0,0,-5,9007199254740992]", TA_PROFILE_TUF, NULL, "[0,0,-5,9007199254740992]");
	CANON("{\"signed\":-0}", TA_PROFILE_NOTARY, "signed", "0");
}

static void
test_tuf_stream_key_order(void **state)
{
	static const struct tcase t[] = {
	    C("{\"b\":1,\"a\":2,\"c\":3}", OK, OK),
	    C("{\"aa\":1,\"a\":2,\"\":3}", OK, OK),
	    C("{\"z\":1,\"\xc3\xa9\":2,\"\xf0\x9f\x98\x80\":3,\"\xee\x80\x80\":4}", OK, OK),
	    C("{\"b\":1,\"\\u0061\":2}", OK, OK),
	    C("{\"\\u0062\":1,\"a\":2}", OK, OK),
	    C("{\"a\\\"\":1,\"a\":2,\"a\\\\\":3,\"a!\":4}", OK, OK),
	    C("{\"b\":{\"d\":[{\"f\":1,\"e\":2}],\"c\":3},\"a\":{\"y\":1,\"x\":2}}", OK, OK),
	    C("{ \"b\" : { \"z\" : 1 , \"y\" : 2 } , \"a\" : 0 }", OK, OK),
	    C("{\"b\":1,\"a\":\"\\n\"}", INV, OK),
	};

	(void)state;
	RUN(t);
	CANON("{\"b\":1,\"\\u0061\":2,\"\":3,\"ab\":[{\"y\":0,\"x\":1}]}", TA_PROFILE_TUF, NULL,
	    "{\"\":3,\"a\":2,\"ab\":[{\"x\":1,\"y\":0}],\"b\":1}");
	CANON("{\"\\u0022\":1,\"!\":2}", TA_PROFILE_TUF, NULL, "{\"!\":2,\"\\\"\":1}");
}

static void
test_tuf_stream_duplicate_keys(void **state)
{
	static const struct tcase t[] = {
	    C("{\"a\":1,\"a\":2}", INV, INV),
	    C("{\"a\":1,\"\\u0061\":2}", INV, INV),
	    C("{\"\\u0061\":1,\"a\":2}", INV, INV),
	    C("{\"/\":1,\"\\/\":2}", INV, INV),
	    C("{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":3}", INV, INV),
	    C("{\"c\":1,\"b\":2,\"a\":3,\"c\":4}", INV, INV),
	    C("{\"b\":{\"x\":1,\"x\":2},\"a\":1}", INV, INV),
	    C("[{\"a\":1},{\"a\":1}]", OK, OK),
	    C("{\"a\":{\"a\":{\"a\":1}}}", OK, OK),
	    /* jansson stops at the duplicate: nothing after it counts. */
	    C("{\"a\":1,\"a\":\"abc", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":\"abc", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":3,", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":1e999}", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":3} x", INV, INV),
	    C("{\"b\":1,\"a\":2,\"b\":{\"d\":1,\"c\":1,\"d\":2}}", INV, INV),
	    C("{\"b\":{\"d\":1,\"c\":1},\"a\":2,\"b\":3", INV, INV),
	    /* ... and a duplicate beats an earlier check fault. */
	    C("{\"b\":1.5,\"a\":2,\"b\":3}", INV, INV),
	    C("{\"b\":9007199254740993,\"a\":2,\"b\":3}", INV, INV),
	    C("{\"b\":\"\\n\",\"a\":2,\"b\":3}", INV, INV),
	    /* The NUL check on a key comes before the duplicate check. */
	    C("{\"\\u0000\":1,\"\\u0000\":2}", INV, INV),
	    C("{\"signed\":1,\"signed\":2}", INV, INV),
	};

	(void)state;
	RUN(t);
}

static void
nest_is(const char *head, const char *open, size_t n, const char *middle, const char *close,
    const char *tail, int want)
{
	size_t len;
	uint8_t *p = nest(head, open, n, middle, close, tail, &len);
	int rn, rt;

	agree(p, len, &rn, &rt);
	if (rn != want || rt != want)
		fail_msg("%s + %zu x %s%s%s + %s: notary %s tuf %s, want %s", head, n, open, middle,
		    close, tail, ta_errname(rn), ta_errname(rt), ta_errname(want));
	free(p);
}

static void
test_tuf_stream_depth(void **state)
{
	(void)state;
	nest_is("", "[", 64, "1", "]", "", OK);
	nest_is("", "[", 65, "1", "]", "", BIG);
	nest_is("", "{\"a\":", 64, "1", "}", "", OK);
	nest_is("", "{\"a\":", 65, "1", "}", "", BIG);
	nest_is("{\"signed\":", "[", 62, "[]", "]", "}", OK);
	nest_is("{\"signed\":", "[", 63, "[]", "]", "}", BIG);
	/* Past the limit every jansson error becomes TOO_LARGE... */
	nest_is("", "[", 65, "1", "]", "x", BIG);
	nest_is("", "[", 65, "1,", "]", "", BIG);
	nest_is("", "[", 65, "\"\\ud800\"", "]", "", BIG);
	nest_is("", "[", 70, "", "", "", BIG);
	/* ... but not one that comes before it. */
	nest_is("[1,]", "[", 70, "", "]", "", INV);
	nest_is("[\"\\n\"] x", "[", 70, "", "]", "", TRAIL);
	/* A check fault before the deep container wins when the rest parses,
	 * and loses to any jansson error after it. */
	nest_is("[1.5,", "[", 65, "1", "]", "]", INV);
	nest_is("[9007199254740993,", "[", 65, "1", "]", "]", BIG);
	nest_is("[1.5,", "[", 65, "1", "]", "] x", BIG);
	nest_is("[1.5,", "[", 65, "1", "]", "", BIG);
	nest_is("[1.5,", "[", 65, "1e999", "]", "]", BIG);
	nest_is("[1.5,", "{\"a\":", 65, "1", "}", ",{\"a\":1,\"a\":2}]", BIG);
	/* A duplicate key before the deep container is reported as such. */
	nest_is("{\"b\":1,\"a\":2,\"b\":", "[", 65, "1", "]", "}", INV);
	nest_is("{\"a\":1,\"a\":", "[", 65, "1", "]", "}", INV);
	/* jansson's own limit: no value inside 2048 containers. */
	nest_is("[1.5,", "[", 2046, "1", "]", "]", INV);
	nest_is("[1.5,", "[", 2047, "", "]", "]", INV);
	nest_is("[1.5,", "[", 2047, "1", "]", "]", BIG);
	nest_is("[1.5,", "[", 2047, "[]", "]", "]", BIG);
	nest_is("[1.5,", "{\"a\":", 2047, "1", "}", "]", BIG);
	nest_is("[1.5,", "[", 3000, "", "]", "]", BIG);
}

static void
test_tuf_stream_nul_with_depth(void **state)
{
	/* json.c decides a NUL byte by scanning up to it, loosely. */
	(void)state;
	{
		static const char head[] = "x";
		size_t len;
		uint8_t *p = nest(head, "[", 65, "", "", "", &len);
		uint8_t *q = realloc(p, len + 1);
		int rn, rt;

		assert_non_null(q);
		q[len] = '\0';
		agree(q, len + 1, &rn, &rt);
		assert_int_equal(rn, BIG);
		assert_int_equal(rt, BIG);
		/* Brackets inside a string do not count, and a NUL inside the
		 * string ends the scan. */
		q[0] = '"';
		agree(q, len + 1, &rn, &rt);
		assert_int_equal(rn, INV);
		assert_int_equal(rt, INV);
		free(q);
	}
}

static void
test_tuf_stream_member(void **state)
{
	static const struct tcase t[] = {
	    C("{\"signed\":{\"b\":[1,{\"d\":1,\"c\":2}],\"a\":\"<&>\"},\"signatures\":[{\"z\":1,"
	      "\"y\":2}]}",
		OK, OK),
	    C("{\"signatures\":[],\"signed\":{\"_type\":\"targets\",\"version\":1}}", OK, OK),
	    C("{\"sig\\u006eed\":{\"a\":1}}", OK, OK),
	    C("{\"a\":{\"signed\":1}}", OK, OK),
	    C("[{\"signed\":1}]", OK, OK),
	    C("\"signed\"", OK, OK),
	    C("{}", OK, OK),
	    C("{\"signed\":[]}", OK, OK),
	    C("{\"signed\":{}}", OK, OK),
	    C("{\"signed\":\"\"}", OK, OK),
	    C("{\"signedx\":1,\"signe\":2}", OK, OK),
	    C("{\"signed\":{\"a\":1,\"a\":2}}", INV, INV),
	    C("{\"signed\":1,\"x\":1.5}", INV, INV),
	    C("{\"x\":1,\"signed\":2} x", TRAIL, TRAIL),
	};
	static const char pretty[] =
	    "{\n \"signatures\": [\n  {\n   \"keyid\": \"ab\",\n   "
	    "\"sig\": \"cd\"\n  }\n ],\n \"signed\": {\n  \"_type\": "
	    "\"targets\",\n  \"targets\": {\n   \"b\": {\n    \"length\": "
	    "1\n   },\n   \"a\": {\n    \"length\": -0\n   }\n  }\n }\n}\n";

	(void)state;
	RUN(t);
	CANON("{\"signatures\":[1],\"signed\":{\"b\":1,\"a\":2}}", TA_PROFILE_TUF, "signed",
	    "{\"a\":2,\"b\":1}");
	CANON("{\"signed\":{\"b\":1,\"a\":2},\"signatures\":[1]}", TA_PROFILE_NOTARY, "signed",
	    "{\"a\":2,\"b\":1}");
	CANON("{\"z\":{\"y\":1,\"x\":2},\"signed\":[{\"q\":1,\"p\":2}],\"a\":{\"d\":1,\"c\":2}}",
	    TA_PROFILE_TUF, "signed", "[{\"p\":2,\"q\":1}]");
	CANON("{\"sig\\u006eed\":\"x\"}", TA_PROFILE_TUF, "signed", "\"x\"");
	CANON(pretty, TA_PROFILE_TUF, "signed",
	    "{\"_type\":\"targets\",\"targets\":{\"a\":{\"length\":0},\"b\":{\"length\":1}}}");
	canon_is("{\"a\":1}", 7, TA_PROFILE_TUF, "a", "1");
}

static void
test_tuf_stream_member_refusals(void **state)
{
	static const char *const docs[] = {"{}", "[]", "\"signed\"", "1", "null",
	    "{\"a\":{\"signed\":1}}", "[{\"signed\":1}]", "{\"Signed\":1}", "{\"signed \":1}"};
	struct ta_json_error err;
	uint8_t *c = NULL;
	size_t clen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		const uint8_t *d = (const uint8_t *)docs[i];

		assert_int_equal(
		    agree_one(d, strlen(docs[i]), TA_PROFILE_TUF, "signed", false), TA_ERR_FORMAT);
		assert_int_equal(ta_canon_stream(d, strlen(docs[i]), TA_PROFILE_NOTARY, "signed",
				     &c, &clen, &err),
		    TA_ERR_FORMAT);
		assert_int_equal(err.code, TA_ERR_FORMAT);
		assert_non_null(
		    strstr(err.text, docs[i][0] == '{' ? "no member" : "not an object"));
	}
	/* An invalid document is refused for what is wrong with it. */
	assert_int_equal(
	    agree_one((const uint8_t *)"[1,]", 4, TA_PROFILE_TUF, "signed", false), TA_ERR_INVALID);
}

static void
test_tuf_stream_html(void **state)
{
	static const char doc[] = "{\"signed\":{\"v3&<x>\":\"a\xe2\x80\xa8"
				  "b\xe2\x80\xa9<>&\\u2028\",\"b\":\"\\\"\"}}";
	static const struct tcase t[] = {
	    C("[\"<>&\"]", OK, OK),
	    C("[\"\\u003c\\u003e\\u0026\"]", OK, OK),
	    C("[\"\\u2028\\u2029\xe2\x80\xa8\"]", OK, OK),
	    C("[\"\xe2\x80\xaa\xe2\x80\xa7\"]", OK, OK),
	    C(doc, OK, OK),
	};
	struct ta_json_error err;
	uint8_t *c = NULL;
	size_t clen = 0;
	const char *want = "{\"b\":\"\\\"\",\"v3\\u0026\\u003cx\\u003e\":\"a\\u2028b\\u2029\\u003c"
			   "\\u003e\\u0026\\u2028\"}";

	(void)state;
	RUN(t);
	assert_int_equal(
	    ta_canon_stream_html((const uint8_t *)doc, sizeof(doc) - 1, "signed", &c, &clen, &err),
	    0);
	assert_int_equal(clen, strlen(want));
	assert_memory_equal(c, want, clen);
	free(c);
	/* Always the notary profile. */
	assert_int_equal(
	    ta_canon_stream_html((const uint8_t *)"[\"\\n\"]", 6, NULL, &c, &clen, &err),
	    TA_ERR_INVALID);
}

static void
test_tuf_stream_size_limit(void **state)
{
	uint8_t *big = malloc(TA_JSON_MAX + 1), *c = NULL;
	size_t clen = 0;
	struct ta_json_error err;
	int rn, rt;

	(void)state;
	assert_non_null(big);
	/* Refused on the length alone. */
	assert_int_equal(
	    ta_canon_stream(big, TA_JSON_MAX + 1, TA_PROFILE_TUF, NULL, &c, &clen, &err),
	    TA_ERR_TOO_LARGE);
	assert_int_equal(err.code, TA_ERR_TOO_LARGE);
	/* At the limit it is read. */
	memset(big, ' ', TA_JSON_MAX);
	memcpy(big + TA_JSON_MAX / 2, "[\"x\"]", 5);
	rn = agree_one(big, TA_JSON_MAX, TA_PROFILE_NOTARY, NULL, false);
	rt = agree_one(big, TA_JSON_MAX, TA_PROFILE_TUF, NULL, true);
	assert_int_equal(rn, 0);
	assert_int_equal(rt, 0);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tuf_stream_valid_documents),
	    cmocka_unit_test(test_tuf_stream_truncated),
	    cmocka_unit_test(test_tuf_stream_trailing),
	    cmocka_unit_test(test_tuf_stream_syntax_errors),
	    cmocka_unit_test(test_tuf_stream_byte_order_mark),
	    cmocka_unit_test(test_tuf_stream_nul),
	    cmocka_unit_test(test_tuf_stream_control_chars),
	    cmocka_unit_test(test_tuf_stream_utf8),
	    cmocka_unit_test(test_tuf_stream_escapes),
	    cmocka_unit_test(test_tuf_stream_numbers),
	    cmocka_unit_test(test_tuf_stream_key_order),
	    cmocka_unit_test(test_tuf_stream_duplicate_keys),
	    cmocka_unit_test(test_tuf_stream_depth),
	    cmocka_unit_test(test_tuf_stream_nul_with_depth),
	    cmocka_unit_test(test_tuf_stream_member),
	    cmocka_unit_test(test_tuf_stream_member_refusals),
	    cmocka_unit_test(test_tuf_stream_html),
	    cmocka_unit_test(test_tuf_stream_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
