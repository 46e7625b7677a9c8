/* Unit tests for tuf/stream.c: a seeded generator compares the stream and
 * tree paths (agree(), tests/tools/streamfix.c) on a few thousand random
 * and mutated documents, string boundaries, key prefixes and a large
 * unsorted document. */
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

/* ---- random documents ------------------------------------------------------ */

struct gen {
	uint64_t s;
	uint8_t *p;
	size_t len, cap;
};

static uint32_t
rnd(struct gen *g, uint32_t n)
{
	/* xorshift64* */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return (uint32_t)((g->s * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static void
put(struct gen *g, const void *s, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2;
		g->p = realloc(g->p, g->cap);
		assert_non_null(g->p);
	}
	memcpy(g->p + g->len, s, n);
	g->len += n;
}

static void
puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static void
ws(struct gen *g)
{
	static const char *const w[] = {" ", "\n", "\t", "\r\n  ", "  "};

	if (rnd(g, 4) == 0)
		puts_(g, w[rnd(g, 5)]);
}

/* A string token from pieces chosen to hit every branch: escapes of all
 * kinds, raw UTF-8 and, rarely, something invalid. */
static void
gen_string(struct gen *g, bool key)
{
	static const char *const piece[] = {"a", "b", "ab", "sha256", "length", "<", "&", ">",
	    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xee\x80\x80", "\xe2\x80\xa8", "\\\"",
	    "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u0061", "\\u00e9", "\\u20ac",
	    "\\ud83d\\ude00", "\\u0022", "\\u005c", "\\u001f", "\\u2029",
	    "registry.example.com/team/app:v1.", "0123456789abcdef0123456789abcdef", "~", " "};
	static const char *const bad[] = {"\\u0000", "\\ud800", "\\udc00", "\\x", "\x01", "\xff",
	    "\xc3", "\xed\xa0\x80", "\\u12", "\n"};
	size_t n = key ? rnd(g, 3) : rnd(g, 6);

	puts_(g, "\"");
	for (size_t i = 0; i < n; i++) {
		if (rnd(g, 150) == 0)
			puts_(g, bad[rnd(g, sizeof(bad) / sizeof(bad[0]))]);
		else
			puts_(g, piece[rnd(g, sizeof(piece) / sizeof(piece[0]))]);
	}
	puts_(g, "\"");
}

static void
gen_number(struct gen *g)
{
	static const char *const num[] = {"0", "-0", "1", "-1", "42", "1000", "123456789012345",
	    "1234567890123456", "9007199254740992", "-9007199254740992", "9007199254740993",
	    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1.5", "1e3",
	    "-0.0", "1e400", "1E-2", "01", "-", "1.", "2e+"};
	size_t n = sizeof(num) / sizeof(num[0]);

	/* Mostly small valid integers. */
	puts_(g, rnd(g, 10) < 7 ? num[rnd(g, 6)] : num[rnd(g, (uint32_t)n)]);
}

static void
gen_value(struct gen *g, int depth)
{
	uint32_t k = rnd(g, depth > 5 ? 6 : 9);

	ws(g);
	switch (k) {
	case 0:
	case 1:
		gen_string(g, false);
		break;
	case 2:
	case 3:
		gen_number(g);
		break;
	case 4:
		puts_(g, rnd(g, 2) ? "true" : rnd(g, 2) ? "false" : "null");
		break;
	case 5:
		puts_(g, rnd(g, 2) ? "{}" : "[]");
		break;
	case 6:
	case 7: {
		size_t n = rnd(g, 5);

		puts_(g, "{");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				puts_(g, ",");
			ws(g);
			gen_string(g, true);
			ws(g);
			puts_(g, ":");
			gen_value(g, depth + 1);
			ws(g);
		}
		puts_(g, "}");
		break;
	}
	default: {
		size_t n = rnd(g, 4);

		puts_(g, "[");
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				puts_(g, ",");
			gen_value(g, depth + 1);
		}
		ws(g);
		puts_(g, "]");
		break;
	}
	}
	ws(g);
}

/* Flips, inserts, deletes or cuts a few bytes. */
static void
mutate(struct gen *g)
{
	static const char ins[] = "{}[]:,\"\\ 0-1.eE\x01\xff\xc3\x80u";
	size_t n = 1 + rnd(g, 3);

	for (size_t i = 0; i < n && g->len > 0; i++) {
		size_t at = rnd(g, (uint32_t)g->len);

		switch (rnd(g, 4)) {
		case 0:
			g->p[at] = (uint8_t)ins[rnd(g, sizeof(ins) - 1)];
			break;
		case 1:
			put(g, "x", 1);
			memmove(g->p + at + 1, g->p + at, g->len - at - 1);
			g->p[at] = (uint8_t)ins[rnd(g, sizeof(ins) - 1)];
			break;
		case 2:
			memmove(g->p + at, g->p + at + 1, g->len - at - 1);
			g->len--;
			break;
		default:
			g->len = at;
			break;
		}
	}
}

static void
test_tuf_stream_random_documents(void **state)
{
	struct gen g = {.s = 0x9e3779b97f4a7c15ULL};
	int counts[2][16] = {{0}};

	(void)state;
	for (int i = 0; i < 4000; i++) {
		int rn, rt;

		g.len = 0;
		switch (rnd(&g, 4)) {
		case 0:
			/* A metadata-like envelope, either order. */
			if (rnd(&g, 2)) {
				puts_(&g, "{\"signatures\":");
				gen_value(&g, 1);
				puts_(&g, ",\"signed\":");
				gen_value(&g, 1);
			} else {
				puts_(&g, "{\"signed\":");
				gen_value(&g, 1);
				puts_(&g, ",\"signatures\":");
				gen_value(&g, 1);
			}
			puts_(&g, "}");
			break;
		case 1:
			/* A deep chain around a random value. */
			for (uint32_t d = 58 + rnd(&g, 12); d > 0; d--)
				puts_(&g, rnd(&g, 2) ? "[" : "{\"k\":");
			gen_value(&g, 3);
			break;
		default:
			gen_value(&g, 0);
			break;
		}
		if (rnd(&g, 3) == 0)
			mutate(&g);
		if (g.len == 0)
			continue;
		agree(g.p, g.len, &rn, &rt);
		counts[0][-rn & 15]++;
		counts[1][-rt & 15]++;
	}
	/* The generator reaches every outcome. */
	for (int p = 0; p < 2; p++) {
		assert_true(counts[p][0] > 400);
		assert_true(counts[p][-TA_ERR_INVALID] > 200);
		assert_true(counts[p][-TA_ERR_TOO_LARGE] > 50);
		assert_true(counts[p][-TA_ERR_TRUNCATED] > 50);
		assert_true(counts[p][-TA_ERR_TRAILING] > 5);
	}
	free(g.p);
}

/* Every special byte at every offset of strings around the 16-byte block
 * size, at the end of the input (the byte-at-a-time tail) and before more
 * input (the block path). */
static void
test_tuf_stream_string_boundaries(void **state)
{
	static const char *const special[] = {"\"", "\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00",
	    "\x01", "\x7f", "\xff", "\xc3\xa9", "\xc3", "\xe2\x80\xa8", "<", "\\", "\\u0000", "\n"};
	char doc[128];

	(void)state;
	for (size_t len = 0; len <= 40; len++) {
		for (size_t pos = 0; pos <= len; pos++) {
			for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++) {
				int rn, rt, n;

				n = snprintf(doc, sizeof(doc), "\"%.*s%s%.*s\"", (int)pos,
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", special[k],
				    (int)(len - pos),
				    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
				agree((const uint8_t *)doc, (size_t)n, &rn, &rt);
				n = snprintf(doc, sizeof(doc), "{\"%.*s%s%.*s\":[1]}", (int)pos,
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", special[k],
				    (int)(len - pos),
				    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
				agree((const uint8_t *)doc, (size_t)n, &rn, &rt);
			}
		}
	}
}

/* g is a document both paths take alike and without an error. */
static void
agree_ok(const struct gen *g)
{
	int rn, rt;

	agree(g->p, g->len, &rn, &rt);
	assert_int_equal(rn, 0);
	assert_int_equal(rt, 0);
}

/* Keys that share prefixes of every length around the 8-byte compare
 * step, in reverse order (sorted when closing) and in order. */
static void
test_tuf_stream_key_prefixes(void **state)
{
	struct gen g = {0};
	char key[64];

	(void)state;
	for (int rev = 0; rev < 2; rev++) {
		g.len = 0;
		puts_(&g, "{");
		for (int i = 0; i < 24; i++) {
			static const char *const tail[] = {"", "a", "b", "\\u0063", "\xc3\xa9"};

			for (int t = 0; t < 5; t++) {
				int j = rev ? 23 - i : i, u = rev ? 4 - t : t;

				(void)snprintf(key, sizeof(key), "%s\"%.*s%s\":%d",
				    g.len > 1 ? "," : "", j, "kkkkkkkkkkkkkkkkkkkkkkkkkkkk",
				    tail[u], j * 5 + u);
				puts_(&g, key);
			}
		}
		puts_(&g, "}");
		agree_ok(&g);
	}
	free(g.p);
}

/* A big unsorted, pretty-printed targets object: the sorting path at scale. */
static void
test_tuf_stream_large_unsorted(void **state)
{
	struct gen g = {0};
	char line[256];

	(void)state;
	puts_(&g, "{\n \"signed\": {\n  \"targets\": {\n");
	for (int i = 5000; i > 0; i--) {
		(void)snprintf(line, sizeof(line),
		    "   \"registry.example.com/team/app:v%d.%d\": {\"length\": %d, \"hashes\": "
		    "{\"sha512\": \"%08x\", \"sha256\": \"%04x\\u00e9\"}}%s\n",
		    i % 97, i, i * 7, i, i, i > 1 ? "," : "");
		puts_(&g, line);
	}
	puts_(&g, "  },\n  \"_type\": \"targets\"\n },\n \"signatures\": []\n}\n");
	agree_ok(&g);
	free(g.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tuf_stream_random_documents),
	    cmocka_unit_test(test_tuf_stream_string_boundaries),
	    cmocka_unit_test(test_tuf_stream_key_prefixes),
	    cmocka_unit_test(test_tuf_stream_large_unsorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
