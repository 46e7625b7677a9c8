/* Unit tests for common/: err, secret, log, utf8 and hex (buf is
 * tests/unit/test_common_buf.c's). */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/utf8.h"

/* ---- err ----------------------------------------------------------------- */

#define CODE(c) { c, #c }
static const struct {
	int code;
	const char *name;
} all_codes[] = {
	CODE(TA_OK), CODE(TA_ERR_INTERNAL), CODE(TA_ERR_NOMEM), CODE(TA_ERR_SYSTEM),
	CODE(TA_ERR_INVALID), CODE(TA_ERR_TOO_LARGE), CODE(TA_ERR_TRUNCATED),
	CODE(TA_ERR_TRAILING), CODE(TA_ERR_NOT_FOUND), CODE(TA_ERR_EXISTS),
	CODE(TA_ERR_AMBIGUOUS), CODE(TA_ERR_UNSUPPORTED), CODE(TA_ERR_CRYPTO),
	CODE(TA_ERR_PKCS11), CODE(TA_ERR_MODULE_LOAD), CODE(TA_ERR_TOKEN_ABSENT),
	CODE(TA_ERR_TOKEN_NOT_INIT), CODE(TA_ERR_NOT_LOGGED_IN), CODE(TA_ERR_TOKEN_BUSY),
	CODE(TA_ERR_KEY_NOT_FOUND), CODE(TA_ERR_KEY_TYPE), CODE(TA_ERR_READ_ONLY),
	CODE(TA_ERR_PIN_INCORRECT), CODE(TA_ERR_PIN_COUNT_LOW), CODE(TA_ERR_PIN_FINAL_TRY),
	CODE(TA_ERR_PIN_LOCKED), CODE(TA_ERR_PIN_LEN_RANGE), CODE(TA_ERR_PIN_EXPIRED),
	CODE(TA_ERR_PIN_REQUIRED), CODE(TA_ERR_PROTOCOL), CODE(TA_ERR_NOT_AUTHORIZED),
	CODE(TA_ERR_POLICY), CODE(TA_ERR_TIMEOUT), CODE(TA_ERR_CANCELLED), CODE(TA_ERR_VERIFY),
	CODE(TA_ERR_EXPIRED), CODE(TA_ERR_FORMAT), CODE(TA_ERR_KEY_WEAK), CODE(TA_ERR_CERT_LEAF),
	CODE(TA_ERR_CERT_CN), CODE(TA_ERR_CERT_DATES), CODE(TA_ERR_CERT_NOT_YET_VALID),
	CODE(TA_ERR_CERT_EXPIRED), CODE(TA_ERR_CERT_SHA1),
};
#undef CODE
#define N_CODES (sizeof(all_codes) / sizeof(all_codes[0]))

static void
test_common_err_codes_have_distinct_text_and_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODES; i++) {
		const char *t = ta_strerror(all_codes[i].code);

		assert_true(all_codes[i].code > TA_ERR_MIN_ && all_codes[i].code <= 0);
		assert_non_null(t);
		assert_true(t[0] != '\0');
		assert_string_not_equal(t, "unknown error");
		assert_string_equal(ta_errname(all_codes[i].code), all_codes[i].name);
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(all_codes[i].code, all_codes[j].code);
			assert_string_not_equal(t, ta_strerror(all_codes[j].code));
		}
	}
}

/* Every value in the range that has text is one the test knows about; a new
 * code added to err.c but not here fails, as does one missing from err.c. */
static void
test_common_err_range_has_no_stray_codes(void **state)
{
	(void)state;
	for (int r = TA_ERR_MIN_ + 1; r <= 0; r++) {
		bool listed = false;

		for (size_t i = 0; i < N_CODES; i++)
			if (all_codes[i].code == r)
				listed = true;
		if (listed)
			continue;
		assert_string_equal(ta_strerror(r), "unknown error");
		assert_string_equal(ta_errname(r), "TA_ERR_UNKNOWN");
	}
}

static void
test_common_err_unknown_code(void **state)
{
	static const int unknown[] = { TA_ERR_MIN_, TA_ERR_MIN_ - 1, -14, -19, 1, 42, INT_MIN,
		INT_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_string_equal(ta_strerror(unknown[i]), "unknown error");
		assert_string_equal(ta_errname(unknown[i]), "TA_ERR_UNKNOWN");
	}
}

/* ---- secret -------------------------------------------------------------- */

static void
test_common_secret_new_limits(void **state)
{
	struct ta_secret *s;

	(void)state;
	assert_null(ta_secret_new(0));
	assert_null(ta_secret_new(TA_SECRET_MAX + 1));
	assert_null(ta_secret_new(SIZE_MAX));

	s = ta_secret_new(1);
	assert_non_null(s);
	assert_int_equal(s->cap, 1);
	assert_int_equal(s->len, 0);
	assert_int_equal(s->data[0], '\0');
	ta_secret_free(s);

	s = ta_secret_new(TA_SECRET_MAX);
	assert_non_null(s);
	assert_int_equal(s->cap, TA_SECRET_MAX);
	ta_secret_free(s);
}

static void
test_common_secret_from_copies_and_terminates(void **state)
{
	char big[TA_SECRET_MAX + 1];
	struct ta_secret *s;

	(void)state;
	s = ta_secret_from("1234", 4);
	assert_non_null(s);
	assert_int_equal(s->len, 4);
	assert_int_equal(s->cap, 4);
	assert_string_equal((const char *)s->data, "1234");
	ta_secret_free(s);

	memset(big, 'x', sizeof(big));
	s = ta_secret_from(big, TA_SECRET_MAX);
	assert_non_null(s);
	assert_int_equal(s->len, TA_SECRET_MAX);
	assert_int_equal(s->data[TA_SECRET_MAX], '\0');
	ta_secret_free(s);
}

static void
test_common_secret_from_rejects_too_large(void **state)
{
	char big[TA_SECRET_MAX + 1];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_null(ta_secret_from(big, TA_SECRET_MAX + 1));
	assert_null(ta_secret_from(big, SIZE_MAX));
}

static void
test_common_secret_append_to_cap(void **state)
{
	struct ta_secret *s = ta_secret_new(6);

	(void)state;
	assert_non_null(s);
	assert_int_equal(ta_secret_append(s, "abc", 3), 0);
	assert_int_equal(ta_secret_append(s, "", 0), 0);
	assert_int_equal(ta_secret_append(s, NULL, 0), 0);
	assert_int_equal(s->len, 3);
	assert_string_equal((const char *)s->data, "abc");
	assert_int_equal(ta_secret_append(s, "def", 3), 0);
	assert_int_equal(s->len, 6);
	assert_string_equal((const char *)s->data, "abcdef");
	ta_secret_free(s);
}

static void
test_common_secret_append_past_cap_unchanged(void **state)
{
	struct ta_secret *s = ta_secret_from("abcd", 4);

	(void)state;
	assert_non_null(s);
	assert_int_equal(ta_secret_append(s, "e", 1), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_secret_append(s, "e", SIZE_MAX), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_secret_append(s, "e", TA_SECRET_MAX + 1), TA_ERR_TOO_LARGE);
	assert_int_equal(s->len, 4);
	assert_memory_equal(s->data, "abcd", 5);
	ta_secret_free(s);
}

static void
test_common_secret_free_null_is_noop(void **state)
{
	(void)state;
	ta_secret_free(NULL);
	ta_wipe(NULL, 16);
	ta_wipe_free(NULL, 16);
}

static void
test_common_secret_wipe(void **state)
{
	uint8_t a[8];
	char *p = strdup("hunter2");

	(void)state;
	memset(a, 0xa5, sizeof(a));
	ta_wipe(a, sizeof(a));
	assert_memory_equal(a, "\0\0\0\0\0\0\0\0", 8);
	assert_non_null(p);
	ta_wipe_free(p, strlen(p));
}

/* ---- log ----------------------------------------------------------------- */

/* Runs ta_log once with stderr sent to a file, and returns what it wrote. */
static char *
log_capture(enum ta_log_level level, int r, const char *msg)
{
	FILE *f = tmpfile();
	char *out = calloc(1, 4096);
	int saved;
	size_t n;

	assert_non_null(f);
	assert_non_null(out);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	ta_log(level, r, "some_func", "%s", msg);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(out, 1, 4095, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
test_common_log_error_with_code(void **state)
{
	char *out;

	(void)state;
	ta_log_init("t", TA_LOG_INFO);
	out = log_capture(TA_LOG_ERR, TA_ERR_PIN_INCORRECT, "sign 'k'");
	assert_string_equal(out, "t: sign 'k': PIN incorrect\n");
	free(out);
	out = log_capture(TA_LOG_WARNING, 12345, "odd");
	assert_string_equal(out, "t: odd: unknown error\n");
	free(out);
	out = log_capture(TA_LOG_INFO, 0, "plain");
	assert_string_equal(out, "t: plain\n");
	free(out);
}

static void
test_common_log_filters_by_level(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(unsetenv("TA_DEBUG"), 0);
	ta_log_init("t", TA_LOG_WARNING);
	out = log_capture(TA_LOG_INFO, 0, "hidden");
	assert_string_equal(out, "");
	free(out);

	assert_int_equal(setenv("TA_DEBUG", "1", 1), 0);
	ta_log_init(NULL, TA_LOG_INFO);
	out = log_capture(TA_LOG_DEBUG, TA_ERR_NOMEM, "shown");
	assert_string_equal(out, "t: some_func: shown: out of memory\n");
	free(out);
	assert_int_equal(unsetenv("TA_DEBUG"), 0);
	ta_log_init("t", TA_LOG_INFO);
}

static void
test_common_log_truncates_long_message(void **state)
{
	char *big = malloc(5000);
	char *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	ta_log_init("t", TA_LOG_INFO);
	out = log_capture(TA_LOG_ERR, TA_ERR_INVALID, big);
	assert_true(strlen(out) > 1000 && strlen(out) < 1200);
	assert_non_null(strstr(out, ": invalid argument or malformed input\n"));
	free(out);
	free(big);
}

/* ---- UTF-8 ----------------------------------------------------------------- */

static void
test_common_utf8_seq(void **state)
{
	static const struct {
		const char *s;
		size_t n, want;
	} cases[] = {
		{ "a", 1, 1 },
		{ "\xc3\xa9", 2, 2 },             /* é */
		{ "\xe2\x80\xa8", 3, 3 },         /* U+2028 */
		{ "\xf0\x9f\x98\x80", 4, 4 },     /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 4, 4 },     /* U+10FFFF */
		{ "\xc3", 1, 0 },                 /* truncated */
		{ "\xe2\x80", 2, 0 },
		{ "\xc0\xaf", 2, 0 },             /* overlong '/' */
		{ "\xc1\xbf", 2, 0 },
		{ "\xe0\x80\xaf", 3, 0 },         /* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", 4, 0 },     /* overlong, 4 bytes */
		{ "\xed\xa0\x80", 3, 0 },         /* U+D800, a surrogate */
		{ "\xed\xbf\xbf", 3, 0 },         /* U+DFFF */
		{ "\xf4\x90\x80\x80", 4, 0 },     /* U+110000 */
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xff", 1, 0 },
		{ "\x80", 1, 0 },                 /* a lone continuation byte */
		{ "\xc3\x28", 2, 0 },             /* bad continuation */
		{ "\xe2\x28\xa1", 3, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ta_utf8_seq((const uint8_t *)cases[i].s, cases[i].n) != cases[i].want)
			fail_msg("case %zu: got %zu, want %zu", i,
			    ta_utf8_seq((const uint8_t *)cases[i].s, cases[i].n), cases[i].want);
}

static void
test_common_utf8_put_roundtrip(void **state)
{
	static const uint32_t cps[] = { 0x0, 0x41, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x2028, 0xd7ff,
		0xe000, 0xffff, 0x10000, 0x1f600, 0x10ffff };
	static const size_t lens[] = { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4 };
	uint8_t out[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		assert_int_equal(ta_utf8_put(cps[i], out), lens[i]);
		assert_int_equal(ta_utf8_seq(out, lens[i]), lens[i]);
	}
	assert_int_equal(ta_utf8_put(0xe9, out), 2);
	assert_memory_equal(out, "\xc3\xa9", 2);
}

/* ---- hex ----------------------------------------------------------------- */

static void
test_hex_round_trip(void **state)
{
	static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	uint8_t back[8];
	char out[2 * sizeof(bytes) + 1];
	size_t n = 0;

	(void)state;
	ta_hex(out, bytes, sizeof(bytes));
	assert_string_equal(out, "00017f80abff");
	ta_hex(out, bytes, 0);
	assert_string_equal(out, "");
	assert_int_equal(ta_unhex("00017F80abFF", 12, back, sizeof(back), &n), 0);
	assert_int_equal(n, sizeof(bytes));
	assert_memory_equal(back, bytes, sizeof(bytes));
	assert_int_equal(ta_unhex("", 0, back, sizeof(back), &n), 0);
	assert_int_equal(n, 0);
	for (int c = 0; c < 256; c++) {
		int want = c >= '0' && c <= '9' ? c - '0'
			   : c >= 'a' && c <= 'f' ? c - 'a' + 10
			   : c >= 'A' && c <= 'F' ? c - 'A' + 10
						  : -1;

		assert_int_equal(ta_hex_value((char)c), want);
	}
}

static void
test_hex_refused(void **state)
{
	uint8_t back[4];
	size_t n = 99;

	(void)state;
	/* Odd length, not hex, a NUL inside, over the room given. */
	assert_int_equal(ta_unhex("abc", 3, back, sizeof(back), &n), TA_ERR_INVALID);
	assert_int_equal(ta_unhex("zz", 2, back, sizeof(back), &n), TA_ERR_INVALID);
	assert_int_equal(ta_unhex("a\0", 2, back, sizeof(back), &n), TA_ERR_INVALID);
	assert_int_equal(ta_unhex("0011223344", 10, back, sizeof(back), &n), TA_ERR_TOO_LARGE);
	assert_int_equal(n, 99); /* untouched */
	assert_true(ta_hex_ok("09af", 4, true));
	assert_false(ta_hex_ok("09aF", 4, true));
	assert_true(ta_hex_ok("09aF", 4, false));
	assert_false(ta_hex_ok("g0", 2, false));
	assert_false(ta_hex_ok("0 ", 2, false));
	assert_true(ta_hex_ok("", 0, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_refused),
		cmocka_unit_test(test_common_err_codes_have_distinct_text_and_name),
		cmocka_unit_test(test_common_err_range_has_no_stray_codes),
		cmocka_unit_test(test_common_err_unknown_code),
		cmocka_unit_test(test_common_secret_new_limits),
		cmocka_unit_test(test_common_secret_from_copies_and_terminates),
		cmocka_unit_test(test_common_secret_from_rejects_too_large),
		cmocka_unit_test(test_common_secret_append_to_cap),
		cmocka_unit_test(test_common_secret_append_past_cap_unchanged),
		cmocka_unit_test(test_common_secret_free_null_is_noop),
		cmocka_unit_test(test_common_secret_wipe),
		cmocka_unit_test(test_common_log_error_with_code),
		cmocka_unit_test(test_common_log_filters_by_level),
		cmocka_unit_test(test_common_log_truncates_long_message),
		cmocka_unit_test(test_common_utf8_seq),
		cmocka_unit_test(test_common_utf8_put_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
