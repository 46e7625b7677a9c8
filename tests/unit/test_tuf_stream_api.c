/* Unit tests for tuf/stream.h where it meets its callers: the arguments
 * and error reports of ta_canon_stream(), the stream against the tree
 * (ta_canon_tree()) over the fuzz corpora (fuzz/corpus/{json,meta,stream},
 * read from the top of the tree, where make check runs).
 * tests/unit/test_tuf_stream.c holds the stream to the tree case by case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/stream.h"

static void
test_tuf_stream_bad_arguments(void **state)
{
	const uint8_t doc[] = "{}";
	uint8_t *c = (uint8_t *)&c;
	size_t clen = 7;
	struct ta_json_error err;

	(void)state;
	assert_int_equal(
	    ta_canon_stream(doc, 2, TA_PROFILE_TUF, NULL, NULL, &clen, &err), TA_ERR_INVALID);
	assert_int_equal(err.code, TA_ERR_INVALID);
	assert_int_equal(
	    ta_canon_stream(doc, 2, TA_PROFILE_TUF, NULL, &c, NULL, &err), TA_ERR_INVALID);
	assert_int_equal(
	    ta_canon_stream(NULL, 2, TA_PROFILE_TUF, NULL, &c, &clen, &err), TA_ERR_INVALID);
	assert_int_equal(
	    ta_canon_stream(doc, 2, (enum ta_profile)0, NULL, &c, &clen, &err), TA_ERR_INVALID);
	assert_int_equal(
	    ta_canon_stream(doc, 2, (enum ta_profile)3, NULL, &c, &clen, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_canon_stream_html(doc, 2, NULL, NULL, &clen, NULL), TA_ERR_INVALID);
	assert_ptr_equal(c, (uint8_t *)&c);
	assert_int_equal(clen, 7);
	/* An empty document is truncated, NULL or not. */
	assert_int_equal(
	    ta_canon_stream(NULL, 0, TA_PROFILE_TUF, NULL, &c, &clen, &err), TA_ERR_TRUNCATED);
	assert_int_equal(
	    ta_canon_stream(doc, 0, TA_PROFILE_TUF, NULL, &c, &clen, &err), TA_ERR_TRUNCATED);
	assert_ptr_equal(c, (uint8_t *)&c);
	/* No err: fine. */
	assert_int_equal(ta_canon_stream(doc, 2, TA_PROFILE_TUF, NULL, &c, &clen, NULL), 0);
	assert_int_equal(clen, 2);
	free(c);
}

static void
test_tuf_stream_error_report(void **state)
{
	struct ta_json_error err;
	uint8_t *c = NULL;
	size_t clen = 0;

	(void)state;
	assert_int_equal(
	    ta_canon_stream((const uint8_t *)"[1,2,]", 6, TA_PROFILE_TUF, NULL, &c, &clen, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.code, TA_ERR_INVALID);
	assert_int_equal(err.offset, 5);
	assert_non_null(strstr(err.text, "byte 5: "));
	assert_string_equal(err.path, "");

	assert_int_equal(ta_canon_stream((const uint8_t *)"{\"b\":1,\"a\":2,\"b\":3}", 19,
			     TA_PROFILE_TUF, NULL, &c, &clen, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.offset, 13);
	assert_non_null(strstr(err.text, "duplicate"));

	assert_int_equal(
	    ta_canon_stream((const uint8_t *)"[1,1.5]", 7, TA_PROFILE_TUF, NULL, &c, &clen, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.offset, 3);
	assert_non_null(strstr(err.text, "fraction"));

	assert_int_equal(
	    ta_canon_stream((const uint8_t *)"[1]", 3, TA_PROFILE_TUF, NULL, &c, &clen, &err), 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(err.offset, TA_JSON_NO_OFFSET);
	assert_string_equal(err.text, "");
	free(c);
}

/* One input, every way: the stream's code and bytes are the tree's. */
static void
same(const uint8_t *buf, size_t len, const char *name)
{
	static const char *const members[] = { NULL, "signed" };

	for (int p = TA_PROFILE_NOTARY; p <= TA_PROFILE_TUF; p++) {
		for (size_t m = 0; m < 2; m++) {
			for (int html = 0; html <= (p == TA_PROFILE_NOTARY); html++) {
				uint8_t *a = NULL, *b = NULL;
				size_t alen = 0, blen = 0;
				int ra, rb;

				ra = ta_canon_tree(buf, len, (enum ta_profile)p, members[m], html,
				    &a, &alen);
				rb = html ? ta_canon_stream_html(buf, len, members[m], &b, &blen, NULL)
					  : ta_canon_stream(buf, len, (enum ta_profile)p, members[m],
						&b, &blen, NULL);
				if (ra != rb || (ra == 0 && (alen != blen || memcmp(a, b, alen) != 0)))
					fail_msg("%s: %s, member %s%s: tree %s, stream %s", name,
					    ta_profile_name((enum ta_profile)p),
					    members[m] ? members[m] : "-", html ? ", html" : "",
					    ta_errname(ra), ta_errname(rb));
				free(a);
				free(b);
			}
		}
	}
}

static void
test_tuf_stream_corpora(void **state)
{
	static const char *const dirs[] = { "fuzz/corpus/json", "fuzz/corpus/meta",
		"fuzz/corpus/stream" };
	size_t files = 0;

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		if (dir == NULL)
			fail_msg("%s: not found (run from the top of the tree)", dirs[d]);
		while ((e = readdir(dir)) != NULL) {
			char path[1024];
			uint8_t buf[1 << 16];
			size_t n;
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			if ((f = fopen(path, "rb")) == NULL)
				continue;
			n = fread(buf, 1, sizeof(buf), f);
			(void)fclose(f);
			same(buf, n, path);
			files++;
		}
		(void)closedir(dir);
	}
	assert_true(files > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuf_stream_bad_arguments),
		cmocka_unit_test(test_tuf_stream_error_report),
		cmocka_unit_test(test_tuf_stream_corpora),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
