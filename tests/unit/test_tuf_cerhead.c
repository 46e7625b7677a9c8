/* tuf/cerhead.c: the ceremony head the agent signs.  What it takes, and
 * each way a head is refused: truncated, trailing bytes, wrong types,
 * stray members, bad hex, invalid UTF-8, oversized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tuf/cerhead.h"

#define H64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A head with signed members SIGNED (after _type) and signatures SIGS. */
#define HEAD(SIGNED, SIGS) \
	"{\"signatures\":" SIGS ",\"signed\":{\"_type\":\"ceremony-head\"," SIGNED "}}"
#define GOOD_SIGNED \
	"\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B \
	"\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\""

static int
parse(const char *s, struct ta_cerhead *h, struct ta_json_error *err)
{
	return ta_cerhead_parse((const uint8_t *)s, strlen(s), h, NULL, err);
}

static void
test_cerhead_good(void **state)
{
	struct ta_cerhead h, h2;
	struct ta_meta *m = NULL;
	uint8_t *out = NULL;
	size_t len = 0;
	const char *s = HEAD(GOOD_SIGNED, "[{\"keyid\":\"" H64B "\",\"sig\":\"00ff\"}]");

	(void)state;
	assert_int_equal(ta_cerhead_parse((const uint8_t *)s, strlen(s), &h, &m, NULL), 0);
	assert_string_equal(h.ceremony, H64A);
	assert_string_equal(h.head, H64B);
	assert_string_equal(h.gun, "repo");
	assert_int_equal(h.records, 3);
	assert_int_equal(h.profile, TA_PROFILE_TUF);
	assert_non_null(m);
	assert_int_equal(m->type, TA_ROLE_CEREMONY_HEAD);
	assert_int_equal(m->profile, TA_PROFILE_TUF);
	assert_int_equal(json_array_size(m->signatures), 1);
	ta_meta_free(m);
	/* write, then parse: the same head, no signatures, sorted keys. */
	assert_int_equal(ta_cerhead_write(&h, &out, &len), 0);
	assert_memory_equal(out, HEAD(GOOD_SIGNED, "[]"), len);
	assert_int_equal(len, strlen(HEAD(GOOD_SIGNED, "[]")));
	assert_int_equal(ta_cerhead_parse(out, len, &h2, NULL, NULL), 0);
	assert_string_equal(h.head, h2.head);
	assert_string_equal(h.root_sha256, h2.root_sha256);
	assert_string_equal(h.gun, h2.gun);
	assert_int_equal(h.records, h2.records);
	free(out);
	/* An empty GUN is "none". */
	s = HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"\",\"head\":\"" H64B
		 "\",\"profile\":\"notary\",\"records\":1,\"root_sha256\":\"" H64A "\"",
	    "[]");
	assert_int_equal(parse(s, &h, NULL), 0);
	assert_int_equal(h.profile, TA_PROFILE_NOTARY);
	assert_string_equal(h.gun, "");
}

static void
test_cerhead_refused(void **state)
{
	static const struct {
		const char *in;
		int r;
		const char *path;
	} v[] = {
		{ "", TA_ERR_TRUNCATED, "" },
		{ "{\"signatures\":[],\"signed\":{", TA_ERR_TRUNCATED, NULL },
		{ HEAD(GOOD_SIGNED, "[]") "x", TA_ERR_TRAILING, NULL },
		{ "[]", TA_ERR_FORMAT, "" },
		{ HEAD(GOOD_SIGNED, "{}"), TA_ERR_FORMAT, "signatures" },
		{ HEAD(GOOD_SIGNED, "[1]"), TA_ERR_FORMAT, "signatures[0]" },
		{ HEAD(GOOD_SIGNED, "[{\"keyid\":\"" H64A "\"}]"), TA_ERR_FORMAT, "signatures[0]" },
		{ HEAD(GOOD_SIGNED, "[{\"keyid\":\"AB\",\"sig\":\"00\"}]"), TA_ERR_FORMAT,
		    "signatures[0]" },
		{ HEAD(GOOD_SIGNED, "[{\"keyid\":\"" H64A "\",\"sig\":\"0\"}]"), TA_ERR_FORMAT,
		    "signatures[0]" },
		{ HEAD(GOOD_SIGNED, "[{\"keyid\":\"" H64A "\",\"sig\":\"00\"},{\"keyid\":\"" H64A
				    "\",\"sig\":\"01\"}]"),
		    TA_ERR_FORMAT, "signatures[1]" },
		{ HEAD(GOOD_SIGNED ",\"x\":1", "[]"), TA_ERR_FORMAT, "signed" },
		{ "{\"signatures\":[],\"signed\":{\"_type\":\"root\"," GOOD_SIGNED "}}", TA_ERR_FORMAT,
		    "signed._type" },
		{ "{\"signatures\":[],\"signed\":{\"_type\":\"ceremony-head\"," GOOD_SIGNED
		  "},\"more\":1}",
		    TA_ERR_FORMAT, "" },
		{ "{\"signatures\":[],\"signed\":[]}", TA_ERR_FORMAT, "signed" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3",
		      "[]"),
		    TA_ERR_FORMAT, "signed.root_sha256" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":0,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.records" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":\"3\",\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.records" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3.5,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_INVALID, NULL },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"ceremony\",\"records\":3,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.profile" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"a b\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.gun" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"\xc3\xa9\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.gun" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"\xc3\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\"",
		      "[]"),
		    TA_ERR_INVALID, NULL },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "A\"",
		      "[]"),
		    TA_ERR_FORMAT, "signed.root_sha256" },
		{ HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"repo\",\"head\":\"" H64B
		       "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\","
		       "\"root_sha256\":\"" H64B "\"",
		      "[]"),
		    TA_ERR_INVALID, NULL },
	};
	struct ta_cerhead h;
	struct ta_json_error err;

	(void)state;
	/* A NUL byte inside the document. */
	assert_int_equal(ta_cerhead_parse((const uint8_t *)"{\"signatures\":[]\0}", 18, &h, NULL,
			     &err),
	    TA_ERR_INVALID);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int r = parse(v[i].in, &h, &err);

		if (r != v[i].r || (v[i].path != NULL && strcmp(err.path, v[i].path) != 0))
			print_message("case %zu: got %s at '%s': %s\n", i, ta_errname(r), err.path,
			    err.text);
		assert_int_equal(r, v[i].r);
		if (v[i].path != NULL)
			assert_string_equal(err.path, v[i].path);
	}
}

static void
test_cerhead_oversized(void **state)
{
	struct ta_cerhead h = {.profile = TA_PROFILE_TUF, .records = 1};
	uint8_t *out = NULL;
	size_t len = 0;
	char *big;

	(void)state;
	memset(h.ceremony, 'a', 64);
	memset(h.head, 'b', 64);
	memset(h.root_sha256, 'c', 64);
	memset(h.gun, 'g', TA_CERHEAD_GUN_MAX);
	assert_int_equal(ta_cerhead_write(&h, &out, &len), 0);
	free(out);
	h.records = TA_CERHEAD_RECORDS_MAX + 1;
	assert_int_equal(ta_cerhead_write(&h, &out, &len), TA_ERR_INVALID);
	h.records = 1;
	h.head[3] = 'X';
	assert_int_equal(ta_cerhead_write(&h, &out, &len), TA_ERR_INVALID);
	h.head[3] = 'b';
	h.profile = 0;
	assert_int_equal(ta_cerhead_write(&h, &out, &len), TA_ERR_INVALID);
	/* A gun one over the limit, in a file. */
	big = malloc(2048);
	assert_non_null(big);
	(void)snprintf(big, 2048,
	    HEAD("\"ceremony\":\"" H64A "\",\"gun\":\"%0256d\",\"head\":\"" H64B
		 "\",\"profile\":\"tuf\",\"records\":3,\"root_sha256\":\"" H64A "\"",
		"[]"),
	    0);
	assert_int_equal(parse(big, &h, NULL), TA_ERR_FORMAT);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cerhead_good),
		cmocka_unit_test(test_cerhead_refused),
		cmocka_unit_test(test_cerhead_oversized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
