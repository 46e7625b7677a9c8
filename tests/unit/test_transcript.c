/* Unit tests for client/transcript.c: records appended to a transcript in a
 * temporary directory read back exactly, and every kind of mutation
 * (deleted, moved, inserted, edited, cut short, trailing bytes, invalid
 * UTF-8, an oversized line) is refused with the first bad record named. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "client/transcript.h"
#include "common/err.h"
#include "common/hex.h"

/* 2026-12-07T00:00:00Z */
#define T0 ((time_t)1796601600)
#define ROOT_HEX "4c0e0d29f8b3b0e1f4f7b8ad3d3bd0d8a1c5cc9e4c3d8e3f0a1b2c3d4e5f6a7b"

struct fx {
	char dir[64];
	char path[128];
	uint8_t *data;         /* the transcript's bytes, 4 records */
	size_t len;
};

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 20, f);
	(void)fclose(f);
	return b;
}

static void
append(struct tc_transcript *t, const char *step, const char *json, time_t when)
{
	json_t *f = json != NULL ? json_loads(json, 0, NULL) : NULL;
	struct tn_error e;

	assert_true(json == NULL || f != NULL);
	if (tc_append(t, step, f, when, &e) != 0)
		fail_msg("append %s: %s", step, e.text);
	json_decref(f);
}

/* A new transcript in a new folder, x's own. */
static struct tc_transcript *
fx_open(struct fx *x)
{
	struct tc_transcript *t;
	struct tn_error e;

	assert_non_null(x);
	(void)snprintf(x->dir, sizeof(x->dir), "/tmp/test_transcript.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	(void)snprintf(x->path, sizeof(x->path), "%s/%s", x->dir, TC_FILE);
	assert_int_equal(tc_open(x->dir, &t, &e), 0);
	return t;
}

static int
setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct tc_transcript *t;

	t = fx_open(x);
	assert_int_equal(tc_records(t), 0);
	append(t, "init", "{\"signers\":[\"alice\",\"bob\"],\"threshold\":2}", T0);
	append(t, "sign", "{\"signer\":\"alice\",\"words\":\"topmost Istanbul\"}", T0 + 60);
	append(t, "import", "{\"signer\":\"bob\"}", T0 + 120);
	append(t, "finish", "{\"root_sha256\":\"" ROOT_HEX "\"}", T0 + 180);
	assert_int_equal(tc_records(t), 4);
	tc_close(t);
	x->data = slurp(x->path, &x->len);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *x = *state;
	char p[512];
	DIR *d = opendir(x->dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", x->dir, de->d_name);
		(void)unlink(p);
	}
	if (d != NULL)
		(void)closedir(d);
	(void)rmdir(x->dir);
	free(x->data);
	free(x);
	return 0;
}

/* The byte offset where line n (1-based) of x's transcript starts; n = 5
 * is the end. */
static size_t
line_at(const struct fx *x, size_t n)
{
	size_t pos = 0;

	for (size_t i = 1; i < n; i++) {
		const uint8_t *nl = memchr(x->data + pos, '\n', x->len - pos);

		assert_non_null(nl);
		pos = (size_t)(nl - x->data) + 1;
	}
	return pos;
}

/* A copy of the transcript (the caller frees it), and *ret_at where word first stands in
 * record 2. */
static uint8_t *
copy_at_word(const struct fx *x, const char *word, uint8_t **ret_at)
{
	uint8_t *b = malloc(x->len);
	size_t l2 = line_at(x, 2), l3 = line_at(x, 3);

	assert_non_null(b);
	memcpy(b, x->data, x->len);
	*ret_at = memmem(b + l2, l3 - l2, word, strlen(word));
	assert_non_null(*ret_at);
	return b;
}

/* x's records in the given order (numbers 1 to 4, repeats allowed): a new buffer (the caller
 * frees it) and its length. */
static uint8_t *
records(const struct fx *x, const size_t *order, size_t n, size_t *ret_len)
{
	size_t len = 0;
	uint8_t *b;

	for (size_t i = 0; i < n; i++)
		len += line_at(x, order[i] + 1) - line_at(x, order[i]);
	b = malloc(len);
	assert_non_null(b);
	*ret_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t from = line_at(x, order[i]), to = line_at(x, order[i] + 1);

		memcpy(b + *ret_len, x->data + from, to - from);
		*ret_len += to - from;
	}
	return b;
}

/* tc_verify() on b must refuse with r at record n, the reason holding
 * word, and count the n - 1 records before it as verified. */
static void
refused(const uint8_t *b, size_t len, int r, size_t n, const char *word)
{
	struct tc_check c;
	int got = tc_verify(b, len, &c);

	if (got != r || c.bad != n || strstr(c.why, word) == NULL)
		fail_msg("want %s at record %zu with '%s'; got %s at %zu: %s", ta_errname(r), n, word,
		    ta_errname(got), c.bad, c.why);
	assert_int_equal(c.records, n - 1);
}

/* ---- what is written ------------------------------------------------------------------- */

static void
test_transcript_written_form(void **state)
{
	struct fx *x = *state;
	static const char first[] =
	    "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"seq\":1,\"signers\":[\"alice\",\"bob\"],\"step\":\"init\",\"threshold\":2,"
	    "\"time\":\"2026-12-07T00:00:00Z\"}\n";
	struct tc_check c;
	uint8_t md[32];
	char hex[65], prev2[128];
	size_t l2 = line_at(x, 2), l4 = line_at(x, 4);

	assert_memory_equal(x->data, first, sizeof(first) - 1);
	assert_int_equal(l2, sizeof(first) - 1);
	/* Record 2 names the SHA-256 of line 1 without its newline. */
	assert_int_equal(EVP_Digest(x->data, l2 - 1, md, NULL, EVP_sha256(), NULL), 1);
	ta_hex(hex, md, 32);
	(void)snprintf(prev2, sizeof(prev2), "{\"prev\":\"%s\",\"seq\":2,", hex);
	assert_memory_equal(x->data + l2, prev2, strlen(prev2));
	assert_int_equal(tc_verify(x->data, x->len, &c), 0);
	assert_int_equal(c.records, 4);
	assert_int_equal(c.bad, 0);
	assert_string_equal(c.why, "");
	assert_int_equal(c.finish, 4);
	assert_string_equal(c.finish_root, ROOT_HEX);
	assert_int_equal(EVP_Digest(x->data + l4, x->len - l4 - 1, md, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(c.head, md, 32);
}

/* Reopened, the transcript carries on where it was; no temporary file is
 * left beside it. */
static void
test_transcript_reopen_and_append(void **state)
{
	struct fx *x = *state;
	struct tc_transcript *t;
	struct tn_error e;
	struct tc_check c;
	uint8_t head[32], *b;
	size_t len;
	int files = 0;
	DIR *d;
	struct dirent *de;

	assert_int_equal(tc_open(x->dir, &t, &e), 0);
	assert_int_equal(tc_records(t), 4);
	assert_int_equal(tc_verify(x->data, x->len, &c), 0);
	tc_head(t, head);
	assert_memory_equal(head, c.head, 32);
	append(t, "note", NULL, T0 + 240);
	tc_close(t);
	b = slurp(x->path, &len);
	assert_true(len > x->len);
	assert_memory_equal(b, x->data, x->len);
	assert_int_equal(tc_verify(b, len, &c), 0);
	assert_int_equal(c.records, 5);
	assert_int_equal(c.finish, 4);
	free(b);
	assert_non_null(d = opendir(x->dir));
	while ((de = readdir(d)) != NULL)
		files += de->d_name[0] != '.';
	(void)closedir(d);
	assert_int_equal(files, 1);
}

static void
test_transcript_append_refusals(void **state)
{
	struct fx *x = *state;
	struct tc_transcript *t;
	struct tn_error e;
	json_t *f;
	char *big;
	uint8_t *b;
	size_t len;

	assert_int_equal(tc_open(x->dir, &t, &e), 0);
	assert_int_equal(tc_append(t, "Init", NULL, T0, &e), TA_ERR_INVALID);
	assert_int_equal(tc_append(t, "", NULL, T0, &e), TA_ERR_INVALID);
	assert_int_equal(tc_append(t, "a b", NULL, T0, &e), TA_ERR_INVALID);
	f = json_pack("{s:i}", "seq", 9);
	assert_int_equal(tc_append(t, "sign", f, T0, &e), TA_ERR_INVALID);
	assert_non_null(strstr(e.text, "seq"));
	json_decref(f);
	f = json_pack("{s:s}", "prev", "x");
	assert_int_equal(tc_append(t, "sign", f, T0, &e), TA_ERR_INVALID);
	json_decref(f);
	f = json_array();
	assert_int_equal(tc_append(t, "sign", f, T0, &e), TA_ERR_INVALID);
	json_decref(f);
	/* A record over TC_LINE_MAX is refused before anything is written. */
	assert_non_null(big = malloc(TC_LINE_MAX + 1));
	memset(big, 'a', TC_LINE_MAX);
	big[TC_LINE_MAX] = '\0';
	f = json_pack("{s:s}", "blob", big);
	assert_int_equal(tc_append(t, "sign", f, T0, &e), TA_ERR_TOO_LARGE);
	json_decref(f);
	free(big);
	assert_int_equal(tc_records(t), 4);
	tc_close(t);
	b = slurp(x->path, &len);
	assert_int_equal(len, x->len);
	assert_memory_equal(b, x->data, len);
	free(b);
}

/* A broken transcript is never appended to. */
static void
test_transcript_open_refuses_broken(void **state)
{
	struct fx *x = *state;
	struct tc_transcript *t = (struct tc_transcript *)1;
	struct tn_error e;
	FILE *f = fopen(x->path, "ab");

	assert_non_null(f);
	assert_int_equal(fputs("garbage", f) >= 0, 1);
	(void)fclose(f);
	assert_int_equal(tc_open(x->dir, &t, &e), TA_ERR_TRUNCATED);
	assert_null(t);
	assert_non_null(strstr(e.text, "record 5"));
}

/* ---- mutations ------------------------------------------------------------------------- */

static void
test_transcript_deleted(void **state)
{
	struct fx *x = *state;
	size_t l2 = line_at(x, 2), l4 = line_at(x, 4), len;
	/* record 2 gone */
	uint8_t *b = records(x, (const size_t[]){ 1, 3, 4 }, 3, &len);

	refused(b, len, TA_ERR_VERIFY, 2, "deleted");
	/* record 1 gone */
	refused(x->data + l2, x->len - l2, TA_ERR_VERIFY, 1, "seq 2 where 1 is due");
	/* the last one cut off: only an anchor catches it (the finish record
	 * goes with it here) */
	{
		struct tc_check c;

		assert_int_equal(tc_verify(x->data, l4, &c), 0);
		assert_int_equal(c.records, 3);
		assert_int_equal(c.finish, 0);
		assert_string_equal(c.finish_root, "");
	}
	free(b);
}

static void
test_transcript_reordered(void **state)
{
	struct fx *x = *state;
	size_t len;
	uint8_t *b = records(x, (const size_t[]){ 1, 3, 2, 4 }, 4, &len);

	refused(b, len, TA_ERR_VERIFY, 2, "seq 3 where 2 is due");
	free(b);
}

static void
test_transcript_inserted(void **state)
{
	struct fx *x = *state;
	size_t len;
	/* record 2 twice */
	uint8_t *b = records(x, (const size_t[]){ 1, 2, 2, 3, 4 }, 5, &len);

	refused(b, len, TA_ERR_VERIFY, 3, "inserted");
	free(b);
}

/* A record inserted with the seq numbers after it rewritten: the link
 * breaks where the chain was cut. */
static void
test_transcript_inserted_renumbered(void **state)
{
	struct fx *x = *state;
	struct fx *y = calloc(1, sizeof(*y));
	struct tc_transcript *t;
	uint8_t *b;
	size_t len;

	/* the same steps with one more in the middle, in another folder */
	t = fx_open(y);
	append(t, "init", "{\"signers\":[\"alice\",\"bob\"],\"threshold\":2}", T0);
	append(t, "sign", "{\"signer\":\"mallory\"}", T0 + 30);
	tc_close(t);
	y->data = slurp(y->path, &y->len);
	/* x's record 1, y's record 2, then x's 2.. with seq renumbered:
	 * x's record 2 now at seq 3 names the hash of x's record 1. */
	len = y->len;
	b = malloc(x->len + len);
	memcpy(b, y->data, y->len);
	{
		size_t l2 = line_at(x, 2), l3 = line_at(x, 3);
		char *rec = strndup((const char *)x->data + l2, l3 - l2);
		char *s = strstr(rec, "\"seq\":2");

		assert_non_null(s);
		s[6] = '3';
		memcpy(b + len, rec, l3 - l2);
		len += l3 - l2;
		free(rec);
	}
	refused(b, len, TA_ERR_VERIFY, 3, "prev is not the SHA-256 of record 2");
	free(b);
	*state = y;
	(void)teardown(state);
	*state = x;
}

static void
test_transcript_edited(void **state)
{
	struct fx *x = *state;
	size_t l2 = line_at(x, 2);
	uint8_t *s, *b;

	/* one letter of record 2's content: the link from record 3 breaks */
	b = copy_at_word(x, "alice", &s);
	s[4] = 'f';
	refused(b, x->len, TA_ERR_VERIFY, 3, "record 2 was edited");
	/* a byte that breaks the JSON */
	memcpy(b, x->data, x->len);
	b[l2] = '[';
	refused(b, x->len, TA_ERR_FORMAT, 2, "not JSON");
	/* the same JSON in another form (a space after '{'): refused as is */
	{
		uint8_t *w = malloc(x->len + 1);

		memcpy(w, x->data, l2 + 1);
		w[l2 + 1] = ' ';
		memcpy(w + l2 + 2, x->data + l2 + 1, x->len - l2 - 1);
		refused(w, x->len + 1, TA_ERR_FORMAT, 2, "form");
		free(w);
	}
	/* the first record's prev */
	memcpy(b, x->data, x->len);
	b[10] = '1';
	refused(b, x->len, TA_ERR_VERIFY, 1, "64 zeros");
	free(b);
}

/* Every byte of every record but the last, changed: always refused, at or
 * before the next record. */
static void
test_transcript_every_byte(void **state)
{
	struct fx *x = *state;
	uint8_t *b = malloc(x->len);
	size_t l4 = line_at(x, 4);
	struct tc_check c;

	for (size_t i = 0; i < l4; i++) {
		for (int mask = 1; mask < 256; mask <<= 3) {
			size_t rec = 1;

			memcpy(b, x->data, x->len);
			b[i] ^= (uint8_t)mask;
			for (size_t j = 0; j < i; j++)
				rec += x->data[j] == '\n';
			if (tc_verify(b, x->len, &c) == 0 || c.bad == 0 || c.bad > rec + 1)
				fail_msg("byte %zu ^ %d: %s at %zu", i, mask, c.why, c.bad);
		}
	}
	free(b);
}

static void
test_transcript_truncated(void **state)
{
	struct fx *x = *state;
	size_t l3 = line_at(x, 3);

	refused(x->data, x->len - 1, TA_ERR_TRUNCATED, 4, "no newline");
	refused(x->data, l3 + 10, TA_ERR_TRUNCATED, 3, "no newline");
	refused(x->data, 0, TA_ERR_TRUNCATED, 1, "empty");
}

static void
test_transcript_trailing(void **state)
{
	struct fx *x = *state;
	uint8_t *b = malloc(x->len + 16);

	memcpy(b, x->data, x->len);
	memcpy(b + x->len, "x", 1);
	refused(b, x->len + 1, TA_ERR_TRUNCATED, 5, "no newline");
	memcpy(b + x->len, "\n", 1);
	refused(b, x->len + 1, TA_ERR_FORMAT, 5, "empty line");
	memcpy(b + x->len, "{}\n", 3);
	refused(b, x->len + 3, TA_ERR_FORMAT, 5, "missing");
	memcpy(b + x->len, "{} {}\n", 6);
	refused(b, x->len + 6, TA_ERR_FORMAT, 5, "not JSON");
	/* a second object on record 4's line */
	memcpy(b + x->len - 1, "{}\n", 3);
	refused(b, x->len + 2, TA_ERR_FORMAT, 4, "not JSON");
	free(b);
}

static void
test_transcript_invalid_utf8(void **state)
{
	struct fx *x = *state;
	uint8_t *s, *b = copy_at_word(x, "Istanbul", &s);

	s[0] = 0xff;
	refused(b, x->len, TA_ERR_FORMAT, 2, "UTF-8");
	/* an overlong '/' and a lone surrogate, encoded raw */
	s[0] = 0xc0;
	s[1] = 0xaf;
	refused(b, x->len, TA_ERR_FORMAT, 2, "UTF-8");
	s[0] = 0xed;
	s[1] = 0xa0;
	s[2] = 0x80;
	refused(b, x->len, TA_ERR_FORMAT, 2, "UTF-8");
	free(b);
}

static void
test_transcript_oversized(void **state)
{
	struct fx *x = *state;
	size_t big = TC_LINE_MAX + 1;
	uint8_t *b = malloc(x->len + big + 1);

	memcpy(b, x->data, x->len);
	memset(b + x->len, 'a', big);
	b[x->len + big] = '\n';
	refused(b, x->len + big + 1, TA_ERR_TOO_LARGE, 5, "over");
	/* without a newline at all, and exactly at the limit: not JSON */
	refused(b, x->len + big, TA_ERR_TOO_LARGE, 5, "over");
	b[x->len + TC_LINE_MAX] = '\n';
	refused(b, x->len + TC_LINE_MAX + 1, TA_ERR_FORMAT, 5, "not JSON");
	free(b);
}

/* Records that parse but are not transcript records. */
static void
test_transcript_bad_fields(void **state)
{
	static const struct {
		const char *line;
		const char *word;
	} cases[] = {
		{ "[]", "not a JSON object" },
		{ "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"seq\":\"1\",\"step\":\"init\",\"time\":\"2026-12-07T00:00:00Z\"}", "wrong type" },
		{ "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"seq\":1,\"step\":\"init\",\"time\":\"2026-02-30T00:00:00Z\"}", "time" },
		{ "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"seq\":1,\"step\":\"init\",\"time\":\"2026-12-07 00:00:00Z\"}", "time" },
		{ "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"seq\":1,\"step\":\"Init\",\"time\":\"2026-12-07T00:00:00Z\"}", "step" },
		{ "{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"seq\":1,\"seq\":1,\"step\":\"init\",\"time\":\"2026-12-07T00:00:00Z\"}", "JSON" },
		{ "{\"seq\":1,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		  "\"step\":\"init\",\"time\":\"2026-12-07T00:00:00Z\"}", "form" },
	};
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc_check c;
		int n = snprintf(line, sizeof(line), "%s\n", cases[i].line);

		if (tc_verify((const uint8_t *)line, (size_t)n, &c) != TA_ERR_FORMAT || c.bad != 1 ||
		    strstr(c.why, cases[i].word) == NULL)
			fail_msg("case %zu: %s", i, c.why);
	}
}

/* tc_has finds a record by step and a string field, in a reopened
 * transcript and in an empty one. */
static void
test_transcript_has(void **state)
{
	struct fx *x = *state;
	struct tc_transcript *t, *empty;
	struct tn_error e;
	char dir[128];

	assert_int_equal(tc_open(x->dir, &t, &e), 0);
	assert_true(tc_has(t, "sign", "signer", "alice"));
	assert_true(tc_has(t, "import", "signer", "bob"));
	assert_false(tc_has(t, "sign", "signer", "bob"));     /* bob's step is import */
	assert_false(tc_has(t, "import", "signer", "alic"));  /* whole values only */
	assert_false(tc_has(t, "init", "threshold", "2"));    /* a number, not a string */
	assert_true(tc_has(t, "finish", "root_sha256", ROOT_HEX));
	tc_close(t);
	(void)snprintf(dir, sizeof(dir), "%s/none", x->dir);
	assert_int_equal(tc_open(dir, &empty, &e), 0);
	assert_false(tc_has(empty, "sign", "signer", "alice"));
	tc_close(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transcript_written_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_reopen_and_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_append_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_open_refuses_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_reordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_inserted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_inserted_renumbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_trailing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transcript_oversized, setup, teardown),
		cmocka_unit_test(test_transcript_bad_fields),
		cmocka_unit_test_setup_teardown(test_transcript_has, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
