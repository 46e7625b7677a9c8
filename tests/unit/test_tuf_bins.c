/* tuf/bins.c: TAP 15 succinct hash bins.  The vectors were computed with
 * node's crypto as @tufjs/models SuccinctRoles computes them:
 *   h = sha256(path).readUInt32BE() >>> (32 - bit_length),
 *   name = prefix + "-" + h.toString(16).padStart(hexlen(2^b - 1), "0"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tuf/bins.h"

static void
test_bins_vectors(void **state)
{
	static const struct {
		const char *path;
		unsigned bits;
		int64_t index;
		const char *name;
	} v[] = {
		{ "a.txt", 8, 24, "bins-18" },
		{ "foo/bar.tgz", 4, 12, "bins-c" },
		{ "x", 1, 0, "bins-0" },
		{ "rel/a.tgz", 10, 814, "bins-32e" },
		{ "", 32, 3820012610LL, "bins-e3b0c442" },
		{ "\xc3\xa9/\xc3\xbc", 16, 5935, "bins-172f" },
	};
	char buf[64];
	uint32_t idx;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(ta_bins_for_path(v[i].bits, v[i].path), v[i].index);
		assert_int_equal(ta_bins_name("bins", v[i].bits, (uint32_t)v[i].index, buf,
				     sizeof(buf)), 0);
		assert_string_equal(buf, v[i].name);
		assert_int_equal(ta_bins_parse(v[i].name, "bins", v[i].bits, &idx), 0);
		assert_int_equal(idx, (uint32_t)v[i].index);
	}
}

static void
test_bins_limits(void **state)
{
	char buf[16];
	uint32_t idx = 0;

	(void)state;
	assert_int_equal(ta_bins_count(0), 0);
	assert_int_equal(ta_bins_count(1), 2);
	assert_int_equal(ta_bins_count(32), 4294967296ULL);
	assert_int_equal(ta_bins_count(33), 0);
	assert_int_equal(ta_bins_suffix_len(1), 1);
	assert_int_equal(ta_bins_suffix_len(4), 1);
	assert_int_equal(ta_bins_suffix_len(5), 2);
	assert_int_equal(ta_bins_suffix_len(32), 8);
	assert_int_equal(ta_bins_for_path(0, "a"), TA_ERR_INVALID);
	assert_int_equal(ta_bins_for_path(33, "a"), TA_ERR_INVALID);
	assert_int_equal(ta_bins_for_path(8, NULL), TA_ERR_INVALID);
	/* 5 bits: 32 bins, two digits, 00..1f */
	assert_int_equal(ta_bins_name("p", 5, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "p-00");
	assert_int_equal(ta_bins_name("p", 5, 31, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "p-1f");
	assert_int_equal(ta_bins_name("p", 5, 32, buf, sizeof(buf)), TA_ERR_INVALID);
	assert_int_equal(ta_bins_name("p", 5, 1, buf, 4), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_bins_name("p", 0, 0, buf, sizeof(buf)), TA_ERR_INVALID);
	/* parse: as tuf-js's isDelegatedRole */
	assert_int_equal(ta_bins_parse("p-1F", "p", 5, &idx), 0);
	assert_int_equal(idx, 31);
	assert_int_equal(ta_bins_parse("p-20", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("p-1", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("p-001", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("p-0g", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("q-01", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("p01", "p", 5, &idx), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_bins_parse("p-01", "p", 0, &idx), TA_ERR_INVALID);
	assert_int_equal(ta_bins_parse("p-ffffffff", "p", 32, &idx), 0);
	assert_int_equal(idx, 0xffffffffu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins_vectors),
		cmocka_unit_test(test_bins_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
