/* Unit tests for tuf/stream.h where it meets its callers: the arguments
 * and error reports of ta_canon_stream(), the stream against the tree
 * (ta_canon_tree()) over the fuzz corpora (fuzz/corpus/{json,meta,stream},
 * read from the top of the tree, where make check runs), and the metadata
 * paths that now take their bytes from the stream: ta_meta_write_from()
 * against ta_meta_write(), ta_meta_sign_bytes() against ta_meta_sign().
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
#include "tests/tools/memsigner.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
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

/* A signed metadata file of the profile: targets whose names need HTML
 * escaping (<, >, &, U+2028) and arrive in no order; *ret is its bytes. */
static void
make_file(enum ta_profile p, struct memsigner *ms, struct ta_key **ret_key, uint8_t **ret,
    size_t *ret_len)
{
	static const char *const names[] = { "z/app:v1", "a<b>&c", "line\xe2\x80\xa8sep", "m\"q\\",
		"\xc3\xa9t\xc3\xa9" };
	struct ta_target_hashes h = { .has_sha256 = true };
	struct ta_meta *m = NULL;

	assert_int_equal(ta_key_from_spki(p, ms->spki, ms->spki_len, ret_key), 0);
	assert_int_equal(ta_meta_new(p, TA_ROLE_TARGETS, 4102444800, &m), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(h.sha256, (int)i, sizeof(h.sha256));
		assert_int_equal(ta_meta_target_add(m, names[i], 100 + (int64_t)i, &h, NULL), 0);
	}
	assert_int_equal(ta_meta_sign(m, *ret_key, &ms->signer, NULL), 0);
	assert_int_equal(ta_meta_write(m, ret, ret_len), 0);
	ta_meta_free(m);
}

/* The agent's sign path (agent/signjob.c): a second signature over the
 * stream's bytes, then the file from the stream, are what the tree gives. */
static void
test_tuf_stream_sign_path(void **state)
{
	(void)state;
	for (int p = TA_PROFILE_NOTARY; p <= TA_PROFILE_TUF; p++) {
		struct memsigner *a = memsigner_new(TA_KEY_EC_P256), *b = memsigner_new(TA_KEY_EC_P256);
		struct ta_key *ka = NULL, *kb = NULL;
		struct ta_meta *m = NULL;
		uint8_t *file = NULL, *msg = NULL, *ref = NULL, *w1 = NULL, *w2 = NULL;
		uint8_t sha1[32], sha2[32];
		size_t len, msg_len, ref_len, l1, l2;

		assert_non_null(a);
		assert_non_null(b);
		make_file((enum ta_profile)p, a, &ka, &file, &len);
		assert_int_equal(ta_key_from_spki((enum ta_profile)p, b->spki, b->spki_len, &kb), 0);
		assert_int_equal(ta_meta_parse(file, len, (enum ta_profile)p, "targets", &m, NULL), 0);
		assert_int_equal(ta_canon_stream(file, len, (enum ta_profile)p, "signed", &msg,
				     &msg_len, NULL), 0);
		assert_int_equal(ta_meta_signed_bytes(m, &ref, &ref_len), 0);
		assert_int_equal(msg_len, ref_len);
		assert_memory_equal(msg, ref, ref_len);

		assert_int_equal(ta_meta_sign_bytes(m, kb, &b->signer, msg, msg_len, sha1), 0);
		assert_int_equal(ta_meta_sign(m, kb, &b->signer, sha2), 0); /* a re-sign */
		assert_memory_equal(sha1, sha2, sizeof(sha1));
		assert_int_equal(json_array_size(m->signatures), 2);
		assert_int_equal(ta_meta_sign_bytes(m, kb, &b->signer, NULL, 0, sha1), TA_ERR_INVALID);

		assert_int_equal(ta_meta_write(m, &w1, &l1), 0);
		assert_int_equal(ta_meta_write_from(m, file, len, &w2, &l2), 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(w1, w2, l1);
		assert_int_equal(ta_meta_write_from(m, NULL, 0, &w2, &l2), TA_ERR_INVALID);

		free(file);
		free(msg);
		free(ref);
		free(w1);
		free(w2);
		ta_meta_free(m);
		ta_key_free(ka);
		ta_key_free(kb);
		memsigner_free(a);
		memsigner_free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuf_stream_bad_arguments),
		cmocka_unit_test(test_tuf_stream_error_report),
		cmocka_unit_test(test_tuf_stream_corpora),
		cmocka_unit_test(test_tuf_stream_sign_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
