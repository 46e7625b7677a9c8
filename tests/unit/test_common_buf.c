/* Unit tests for common/buf.c: creation, integers, bytes, limits on writes,
 * consume/reserve/reset, read-only buffers over borrowed memory, cstrings
 * and formatted text. */
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

/* ---- helpers ------------------------------------------------------------ */

/* An owned buffer of the given max holding a copy of n bytes of p. */
static struct ta_buf *
buf_with(const void *p, size_t n, size_t max)
{
	struct ta_buf *b = ta_buf_new(max);

	assert_non_null(b);
	assert_int_equal(ta_buf_put(b, p, n), 0);
	assert_int_equal(ta_buf_len(b), n);
	return b;
}

/* The buffer still holds exactly the n bytes at want. */
static void
assert_holds(const struct ta_buf *b, const void *want, size_t n)
{
	assert_int_equal(ta_buf_len(b), n);
	if (n > 0)
		assert_memory_equal(ta_buf_ptr(b), want, n);
}

/* ---- buf: creation and destruction -------------------------------------- */

static void
test_common_buf_new_accepts_limits(void **state)
{
	struct ta_buf *b;

	(void)state;
	b = ta_buf_new(1);
	assert_non_null(b);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_max(b), 1);
	assert_int_equal(ta_buf_avail(b), 1);
	ta_buf_free(b);

	b = ta_buf_new(TA_BUF_MAX);
	assert_non_null(b);
	assert_int_equal(ta_buf_max(b), TA_BUF_MAX);
	assert_int_equal(ta_buf_avail(b), TA_BUF_MAX);
	ta_buf_free(b);
}

static void
test_common_buf_new_rejects_bad_max(void **state)
{
	(void)state;
	assert_null(ta_buf_new(0));
	assert_null(ta_buf_new(TA_BUF_MAX + 1));
	assert_null(ta_buf_new(SIZE_MAX));
}

static void
test_common_buf_free_null_is_noop(void **state)
{
	(void)state;
	ta_buf_free(NULL);
}

static void
test_common_buf_ptr_never_null(void **state)
{
	struct ta_buf *b = ta_buf_new(16);
	struct ta_buf *c = ta_buf_from_const(NULL, 0);

	(void)state;
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(ta_buf_ptr(b));
	assert_non_null(ta_buf_ptr(c));
	assert_int_equal(ta_buf_len(c), 0);
	ta_buf_free(b);
	ta_buf_free(c);
}

static void
test_common_buf_fills_to_exact_max(void **state)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);
	uint8_t *p = NULL;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_reserve(b, TA_BUF_MAX, &p), 0);
	assert_non_null(p);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[TA_BUF_MAX - 1], 0);
	assert_int_equal(ta_buf_len(b), TA_BUF_MAX);
	assert_int_equal(ta_buf_avail(b), 0);
	assert_int_equal(ta_buf_put_u8(b, 1), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_len(b), TA_BUF_MAX);
	ta_buf_free(b);
}

/* ---- buf: integers ------------------------------------------------------- */

static void
test_common_buf_ints_are_big_endian(void **state)
{
	static const uint8_t want[] = { 0xfe, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff };
	struct ta_buf *b = ta_buf_new(64);
	uint8_t v8 = 0;
	uint16_t v16 = 0;
	uint32_t v32 = 0;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_put_u8(b, 0xfe), 0);
	assert_int_equal(ta_buf_put_u16(b, 0x1234), 0);
	assert_int_equal(ta_buf_put_u32(b, 0xdeadbeef), 0);
	assert_int_equal(ta_buf_put_u16(b, 0x00ff), 0);
	assert_holds(b, want, sizeof(want));

	assert_int_equal(ta_buf_peek_u32(b, &v32), 0);
	assert_int_equal(v32, 0xfe1234de);
	assert_int_equal(ta_buf_len(b), sizeof(want));

	assert_int_equal(ta_buf_get_u8(b, &v8), 0);
	assert_int_equal(v8, 0xfe);
	assert_int_equal(ta_buf_get_u16(b, &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(ta_buf_get_u32(b, &v32), 0);
	assert_int_equal(v32, 0xdeadbeef);
	assert_int_equal(ta_buf_get_u16(b, &v16), 0);
	assert_int_equal(v16, 0x00ff);
	assert_int_equal(ta_buf_len(b), 0);
	ta_buf_free(b);
}

static void
test_common_buf_ints_extremes_roundtrip(void **state)
{
	struct ta_buf *b = ta_buf_new(64);
	uint8_t v8 = 1;
	uint16_t v16 = 1;
	uint32_t v32 = 1;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_put_u8(b, 0), 0);
	assert_int_equal(ta_buf_put_u8(b, UINT8_MAX), 0);
	assert_int_equal(ta_buf_put_u16(b, 0), 0);
	assert_int_equal(ta_buf_put_u16(b, UINT16_MAX), 0);
	assert_int_equal(ta_buf_put_u32(b, 0), 0);
	assert_int_equal(ta_buf_put_u32(b, UINT32_MAX), 0);
	assert_int_equal(ta_buf_get_u8(b, &v8), 0);
	assert_int_equal(v8, 0);
	assert_int_equal(ta_buf_get_u8(b, &v8), 0);
	assert_int_equal(v8, UINT8_MAX);
	assert_int_equal(ta_buf_get_u16(b, &v16), 0);
	assert_int_equal(v16, 0);
	assert_int_equal(ta_buf_get_u16(b, &v16), 0);
	assert_int_equal(v16, UINT16_MAX);
	assert_int_equal(ta_buf_get_u32(b, &v32), 0);
	assert_int_equal(v32, 0);
	assert_int_equal(ta_buf_get_u32(b, &v32), 0);
	assert_int_equal(v32, UINT32_MAX);
	ta_buf_free(b);
}

static void
test_common_buf_get_u8_truncated(void **state)
{
	struct ta_buf *b = ta_buf_new(8);
	uint8_t v = 0x5a;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_get_u8(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(v, 0x5a);
	assert_int_equal(ta_buf_len(b), 0);
	ta_buf_free(b);
}

static void
test_common_buf_get_u16_truncated(void **state)
{
	static const uint8_t one[] = { 0xab };
	struct ta_buf *b = buf_with(one, sizeof(one), 8);
	uint16_t v = 0x5a5a;
	uint8_t v8 = 0;

	(void)state;
	assert_int_equal(ta_buf_get_u16(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(v, 0x5a5a);
	assert_holds(b, one, sizeof(one));
	/* Nothing was consumed: the byte is still the next one. */
	assert_int_equal(ta_buf_get_u8(b, &v8), 0);
	assert_int_equal(v8, 0xab);
	assert_int_equal(ta_buf_get_u16(b, &v), TA_ERR_TRUNCATED);
	ta_buf_free(b);
}

/* Fewer than four bytes: ta_buf_get_u32 (or, peek, ta_buf_peek_u32) fails and changes
 * neither the value nor the buffer. */
static void
u32_truncated(bool peek)
{
	static const uint8_t data[] = { 1, 2, 3 };

	for (size_t n = 0; n <= sizeof(data); n++) {
		struct ta_buf *b = buf_with(data, n, 8);
		uint32_t v = 0x5a5a5a5a;

		assert_int_equal(peek ? ta_buf_peek_u32(b, &v) : ta_buf_get_u32(b, &v),
		    TA_ERR_TRUNCATED);
		assert_int_equal(v, 0x5a5a5a5a);
		assert_holds(b, data, n);
		ta_buf_free(b);
	}
}

static void
test_common_buf_get_u32_truncated(void **state)
{
	(void)state;
	u32_truncated(false);
}

static void
test_common_buf_peek_u32_truncated(void **state)
{
	(void)state;
	u32_truncated(true);
}

static void
test_common_buf_peek_u32_consumes_nothing(void **state)
{
	static const uint8_t data[] = { 0, 0, 1, 0, 9 };
	struct ta_buf *b = buf_with(data, sizeof(data), 8);
	uint32_t v = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ta_buf_peek_u32(b, &v), 0);
		assert_int_equal(v, 256);
		assert_holds(b, data, sizeof(data));
	}
	ta_buf_free(b);
}

/* ---- buf: bytes ---------------------------------------------------------- */

static void
test_common_buf_get_bytes_copies(void **state)
{
	static const uint8_t data[] = "abcdefgh";
	struct ta_buf *b = buf_with(data, 8, 16);
	uint8_t out[4] = { 0 };

	(void)state;
	assert_int_equal(ta_buf_get_bytes(b, 3, out), 0);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(ta_buf_get_bytes(b, 0, NULL), 0);
	assert_int_equal(ta_buf_get_bytes(b, 2, NULL), 0); /* discard */
	assert_holds(b, "fgh", 3);
	assert_int_equal(ta_buf_get_bytes(b, 3, out), 0);
	assert_memory_equal(out, "fgh", 3);
	assert_int_equal(ta_buf_len(b), 0);
	ta_buf_free(b);
}

static void
test_common_buf_get_bytes_truncated(void **state)
{
	static const uint8_t data[] = "abcdefgh";
	struct ta_buf *b = buf_with(data, 8, 16);
	uint8_t out[16];

	(void)state;
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(ta_buf_get_bytes(b, 9, out), TA_ERR_TRUNCATED);
	assert_int_equal(out[0], 0x5a);
	assert_holds(b, data, 8);
	assert_int_equal(ta_buf_get_bytes(b, 9, NULL), TA_ERR_TRUNCATED);
	assert_holds(b, data, 8);
	ta_buf_free(b);
}

/* A length near SIZE_MAX must not wrap around a bounds check, with or
 * without a read offset already in the buffer. */
static void
test_common_buf_get_bytes_huge_n(void **state)
{
	static const uint8_t data[] = "abcdefgh";
	static const size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 7, SIZE_MAX / 2 + 1,
		(size_t)UINT32_MAX + 1, TA_BUF_MAX + 1 };
	struct ta_buf *b = buf_with(data, 8, 16);
	const uint8_t *p = NULL;
	uint8_t v = 0;

	(void)state;
	assert_int_equal(ta_buf_get_u8(b, &v), 0);
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_int_equal(ta_buf_get_bytes(b, huge[i], NULL), TA_ERR_TRUNCATED);
		assert_int_equal(ta_buf_get_bytes_direct(b, huge[i], &p), TA_ERR_TRUNCATED);
		assert_null(p);
		assert_int_equal(ta_buf_consume(b, huge[i]), TA_ERR_TRUNCATED);
		assert_int_equal(ta_buf_consume_end(b, huge[i]), TA_ERR_TRUNCATED);
		assert_holds(b, data + 1, 7);
	}
	ta_buf_free(b);
}

static void
test_common_buf_get_bytes_direct_borrows(void **state)
{
	static const uint8_t data[] = "abcdefgh";
	struct ta_buf *b = buf_with(data, 8, 16);
	const uint8_t *p = NULL;
	const uint8_t *start = ta_buf_ptr(b);

	(void)state;
	assert_int_equal(ta_buf_get_bytes_direct(b, 3, &p), 0);
	assert_ptr_equal(p, start);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(ta_buf_get_bytes_direct(b, 1, NULL), 0);
	assert_holds(b, "efgh", 4);
	assert_int_equal(ta_buf_get_bytes_direct(b, 0, &p), 0);
	assert_ptr_equal(p, ta_buf_ptr(b));
	ta_buf_free(b);
}

static void
test_common_buf_get_bytes_direct_truncated(void **state)
{
	static const uint8_t data[] = "abcd";
	struct ta_buf *b = buf_with(data, 4, 16);
	const uint8_t *p = data;

	(void)state;
	assert_int_equal(ta_buf_get_bytes_direct(b, 5, &p), TA_ERR_TRUNCATED);
	assert_ptr_equal(p, data);
	assert_holds(b, data, 4);
	ta_buf_free(b);
}

/* Consuming the last bytes must not wipe what a _direct pointer refers to. */
static void
test_common_buf_direct_pointer_survives_emptying(void **state)
{
	static const uint8_t data[] = "secret";
	struct ta_buf *b = buf_with(data, 6, 16);
	const uint8_t *p = NULL;

	(void)state;
	assert_int_equal(ta_buf_get_bytes_direct(b, 6, &p), 0);
	assert_int_equal(ta_buf_len(b), 0);
	assert_memory_equal(p, "secret", 6);
	ta_buf_free(b);
}

static void
test_common_buf_put_zero_bytes(void **state)
{
	struct ta_buf *b = ta_buf_new(4);

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_put(b, NULL, 0), 0);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_put(b, "abcd", 4), 0);
	assert_int_equal(ta_buf_put(b, NULL, 0), 0); /* full, but nothing to add */
	assert_holds(b, "abcd", 4);
	ta_buf_free(b);
}

/* ---- buf: limits on writes ----------------------------------------------- */

static void
test_common_buf_put_past_max_fails_unchanged(void **state)
{
	struct ta_buf *b = buf_with("abcdef", 6, 8);
	uint8_t *p = NULL;

	(void)state;
	assert_int_equal(ta_buf_put(b, "xyz", 3), TA_ERR_TOO_LARGE);
	assert_holds(b, "abcdef", 6);
	assert_int_equal(ta_buf_put_u32(b, 0x01020304), TA_ERR_TOO_LARGE);
	assert_holds(b, "abcdef", 6);
	assert_int_equal(ta_buf_put_cstring(b, ""), TA_ERR_TOO_LARGE);
	assert_holds(b, "abcdef", 6);
	assert_int_equal(ta_buf_putf(b, "%d", 123), TA_ERR_TOO_LARGE);
	assert_holds(b, "abcdef", 6);
	assert_int_equal(ta_buf_reserve(b, 3, &p), TA_ERR_TOO_LARGE);
	assert_null(p);
	assert_holds(b, "abcdef", 6);

	assert_int_equal(ta_buf_put_u16(b, 0x6768), 0); /* exactly to max */
	assert_holds(b, "abcdefgh", 8);
	assert_int_equal(ta_buf_avail(b), 0);
	assert_int_equal(ta_buf_put_u8(b, 'i'), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_put_u16(b, 0), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_putf(b, "x"), TA_ERR_TOO_LARGE);
	assert_holds(b, "abcdefgh", 8);
	ta_buf_free(b);
}

static void
test_common_buf_put_huge_n_fails_unchanged(void **state)
{
	static const size_t huge[] = { SIZE_MAX, SIZE_MAX - 3, SIZE_MAX - 4, SIZE_MAX / 2 + 1,
		TA_BUF_MAX, TA_BUF_MAX + 1 };
	struct ta_buf *b = buf_with("abcd", 4, 64);
	uint8_t *p = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_int_equal(ta_buf_put(b, "x", huge[i]), TA_ERR_TOO_LARGE);
		assert_int_equal(ta_buf_reserve(b, huge[i], &p), TA_ERR_TOO_LARGE);
		assert_null(p);
		assert_holds(b, "abcd", 4);
	}
	/* The same from a buffer that has a read offset. */
	assert_int_equal(ta_buf_consume(b, 2), 0);
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_int_equal(ta_buf_put(b, "x", huge[i]), TA_ERR_TOO_LARGE);
		assert_holds(b, "cd", 2);
	}
	ta_buf_free(b);
}

/* max bounds the unread bytes, not the total ever written. */
static void
test_common_buf_max_counts_unread_bytes(void **state)
{
	struct ta_buf *b = buf_with("abcdefgh", 8, 8);

	(void)state;
	assert_int_equal(ta_buf_consume(b, 5), 0);
	assert_int_equal(ta_buf_avail(b), 5);
	assert_int_equal(ta_buf_put(b, "ijklm", 5), 0);
	assert_holds(b, "fghijklm", 8);
	assert_int_equal(ta_buf_put_u8(b, 'n'), TA_ERR_TOO_LARGE);
	assert_holds(b, "fghijklm", 8);
	ta_buf_free(b);
}

/* Interleaved writes and reads against a plain array, across growth and
 * compaction. */
static void
test_common_buf_fifo_matches_model(void **state)
{
	enum { MAX = 5000, TOTAL = 200000 };
	uint8_t *model = malloc(TOTAL);
	uint8_t chunk[700];
	struct ta_buf *b = ta_buf_new(MAX);
	size_t written = 0, read = 0;
	uint32_t rng = 12345;

	(void)state;
	assert_non_null(model);
	assert_non_null(b);
	for (size_t i = 0; i < TOTAL; i++)
		model[i] = (uint8_t)(i * 7 + i / 251);
	while (read < TOTAL) {
		size_t n;

		rng = rng * 1103515245 + 12345;
		n = (rng >> 8) % sizeof(chunk);
		if (((rng >> 20) & 1) && written < TOTAL) {
			if (n > TOTAL - written)
				n = TOTAL - written;
			if (n > MAX - (written - read)) {
				assert_int_equal(ta_buf_put(b, model + written, n),
				    TA_ERR_TOO_LARGE);
				continue;
			}
			assert_int_equal(ta_buf_put(b, model + written, n), 0);
			written += n;
		} else {
			if (n > written - read) {
				assert_int_equal(ta_buf_get_bytes(b, n, chunk), TA_ERR_TRUNCATED);
				n = written - read;
			}
			assert_int_equal(ta_buf_get_bytes(b, n, chunk), 0);
			if (n > 0)
				assert_memory_equal(chunk, model + read, n);
			read += n;
		}
		assert_int_equal(ta_buf_len(b), written - read);
		assert_int_equal(ta_buf_avail(b), MAX - (written - read));
	}
	ta_buf_free(b);
	free(model);
}

/* ---- buf: consume, reserve, reset ---------------------------------------- */

static void
test_common_buf_consume(void **state)
{
	struct ta_buf *b = buf_with("abcdef", 6, 16);

	(void)state;
	assert_int_equal(ta_buf_consume(b, 0), 0);
	assert_int_equal(ta_buf_consume(b, 2), 0);
	assert_holds(b, "cdef", 4);
	assert_int_equal(ta_buf_consume(b, 5), TA_ERR_TRUNCATED);
	assert_holds(b, "cdef", 4);
	assert_int_equal(ta_buf_consume(b, 4), 0);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_consume(b, 1), TA_ERR_TRUNCATED);
	/* Still writable after being emptied. */
	assert_int_equal(ta_buf_put(b, "xy", 2), 0);
	assert_holds(b, "xy", 2);
	ta_buf_free(b);
}

static void
test_common_buf_consume_end(void **state)
{
	struct ta_buf *b = buf_with("abcdef", 6, 16);

	(void)state;
	assert_int_equal(ta_buf_consume_end(b, 0), 0);
	assert_int_equal(ta_buf_consume(b, 1), 0);
	assert_int_equal(ta_buf_consume_end(b, 2), 0);
	assert_holds(b, "bcd", 3);
	assert_int_equal(ta_buf_consume_end(b, 4), TA_ERR_TRUNCATED);
	assert_holds(b, "bcd", 3);
	assert_int_equal(ta_buf_put(b, "XY", 2), 0);
	assert_holds(b, "bcdXY", 5);
	assert_int_equal(ta_buf_consume_end(b, 5), 0);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_consume_end(b, 1), TA_ERR_TRUNCATED);
	ta_buf_free(b);
}

static void
test_common_buf_reserve(void **state)
{
	struct ta_buf *b = buf_with("ab", 2, 16);
	uint8_t *p = NULL;

	(void)state;
	assert_int_equal(ta_buf_reserve(b, 6, &p), 0);
	assert_non_null(p);
	for (int i = 0; i < 6; i++)
		assert_int_equal(p[i], 0);
	memcpy(p, "cd", 2);
	/* Give back what was not filled, as after a short read. */
	assert_int_equal(ta_buf_consume_end(b, 4), 0);
	assert_holds(b, "abcd", 4);
	/* Reserved bytes are zero even where old data lay. */
	assert_int_equal(ta_buf_reserve(b, 4, &p), 0);
	assert_memory_equal(p, "\0\0\0\0", 4);
	ta_buf_free(b);
}

static void
test_common_buf_reserve_rejects_zero(void **state)
{
	struct ta_buf *b = buf_with("ab", 2, 16);
	uint8_t *p = NULL;

	(void)state;
	assert_int_equal(ta_buf_reserve(b, 0, &p), TA_ERR_INVALID);
	assert_null(p);
	assert_holds(b, "ab", 2);
	ta_buf_free(b);
}

static void
test_common_buf_consume_end_wipes_tail(void **state)
{
	struct ta_buf *b = buf_with("abcdef", 6, 16);
	const uint8_t *p = ta_buf_ptr(b);

	(void)state;
	assert_int_equal(ta_buf_consume_end(b, 3), 0);
	/* The storage is still allocated: look at what was dropped. */
	assert_memory_equal(p, "abc\0\0\0", 6);
	ta_buf_free(b);
}

static void
test_common_buf_reset_wipes_and_empties(void **state)
{
	struct ta_buf *b = buf_with("password", 8, 64);
	const uint8_t *p = ta_buf_ptr(b);
	uint8_t v = 0x5a;

	(void)state;
	assert_int_equal(ta_buf_consume(b, 2), 0);
	ta_buf_reset(b);
	/* Small storage is kept, and wiped, consumed bytes included. */
	assert_memory_equal(p, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_get_u8(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(v, 0x5a);
	assert_int_equal(ta_buf_max(b), 64);
	assert_int_equal(ta_buf_put(b, "new", 3), 0);
	assert_holds(b, "new", 3);
	ta_buf_free(b);
}

/* The cycle a connection's input makes (reserve a chunk, fill part of it,
 * give the rest back, take the frame, reset): reserve still hands out zero
 * bytes over stale ones, and reset still wipes every byte written, though
 * both now skip what is known to be zero. */
static void
test_common_buf_reserve_reset_cycle_wipes(void **state)
{
	struct ta_buf *b = ta_buf_new(4096);
	static const uint8_t zero[256];
	uint8_t *p = NULL, *q = NULL;
	const uint8_t *base;

	(void)state;
	assert_non_null(b);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(ta_buf_put(b, "secret-pin", 10), 0);
		assert_int_equal(ta_buf_consume(b, 10), 0); /* rewound, not wiped */
		assert_int_equal(ta_buf_reserve(b, 256, &p), 0);
		assert_memory_equal(p, zero, 256); /* over the stale bytes */
		memcpy(p, "frame", 5);
		assert_int_equal(ta_buf_consume_end(b, 251), 0);
		assert_holds(b, "frame", 5);
		assert_int_equal(ta_buf_reserve(b, 64, &q), 0);
		assert_memory_equal(q, zero, 64);
		memset(q, 'x', 64);
		base = ta_buf_ptr(b);
		ta_buf_reset(b);
		assert_memory_equal(base, zero, 256);
	}
	ta_buf_free(b);
}

static void
test_common_buf_reset_after_growth(void **state)
{
	enum { N = 200000 };
	struct ta_buf *b = ta_buf_new(N);
	uint8_t *p = NULL;
	uint32_t v = 0;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_reserve(b, N, &p), 0);
	ta_buf_reset(b);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_get_u32(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_put_u32(b, 7), 0);
	assert_int_equal(ta_buf_get_u32(b, &v), 0);
	assert_int_equal(v, 7);
	ta_buf_free(b);
}

/* ---- buf: read-only buffers over borrowed memory ------------------------- */

static void
test_common_buf_from_const_reads_in_place(void **state)
{
	static const uint8_t data[] = { 0, 0, 0, 2, 'h', 'i', 0x7f };
	struct ta_buf *b = ta_buf_from_const(data, sizeof(data));
	char *s = NULL;
	uint8_t v = 0;

	(void)state;
	assert_non_null(b);
	assert_ptr_equal(ta_buf_ptr(b), data);
	assert_int_equal(ta_buf_len(b), sizeof(data));
	assert_int_equal(ta_buf_max(b), sizeof(data));
	assert_int_equal(ta_buf_avail(b), 0);
	assert_int_equal(ta_buf_get_cstring(b, 16, &s, NULL), 0);
	assert_string_equal(s, "hi");
	free(s);
	assert_int_equal(ta_buf_get_u8(b, &v), 0);
	assert_int_equal(v, 0x7f);
	assert_int_equal(ta_buf_get_u8(b, &v), TA_ERR_TRUNCATED);
	ta_buf_free(b);
}

static void
test_common_buf_from_const_refuses_writes(void **state)
{
	static const uint8_t data[] = "abcd";
	struct ta_buf *b = ta_buf_from_const(data, 4);
	uint8_t *p = NULL;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_consume(b, 1), 0);
	assert_int_equal(ta_buf_put(b, "x", 1), TA_ERR_INVALID);
	assert_int_equal(ta_buf_put(b, NULL, 0), TA_ERR_INVALID);
	assert_int_equal(ta_buf_put_u8(b, 1), TA_ERR_INVALID);
	assert_int_equal(ta_buf_put_u16(b, 1), TA_ERR_INVALID);
	assert_int_equal(ta_buf_put_u32(b, 1), TA_ERR_INVALID);
	assert_int_equal(ta_buf_put_cstring(b, "x"), TA_ERR_INVALID);
	assert_int_equal(ta_buf_putf(b, "%d", 1), TA_ERR_INVALID);
	assert_int_equal(ta_buf_reserve(b, 1, &p), TA_ERR_INVALID);
	assert_null(p);
	assert_holds(b, "bcd", 3);
	/* Dropping from the end does not write. */
	assert_int_equal(ta_buf_consume_end(b, 1), 0);
	assert_holds(b, "bc", 2);
	ta_buf_free(b);
	assert_memory_equal(data, "abcd", 5);
}

static void
test_common_buf_from_const_rejects_bad_args(void **state)
{
	static const uint8_t data[1];

	(void)state;
	assert_null(ta_buf_from_const(NULL, 1));
	assert_null(ta_buf_from_const(NULL, SIZE_MAX));
	assert_null(ta_buf_from_const(data, TA_BUF_MAX + 1));
	assert_null(ta_buf_from_const(data, SIZE_MAX));
}

static void
test_common_buf_from_const_reset_empties(void **state)
{
	static const uint8_t data[] = "abcd";
	struct ta_buf *b = ta_buf_from_const(data, 4);
	uint32_t v = 0;
	const uint8_t *p = NULL;

	(void)state;
	assert_non_null(b);
	ta_buf_reset(b);
	assert_int_equal(ta_buf_len(b), 0);
	assert_int_equal(ta_buf_peek_u32(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_u32(b, &v), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_bytes_direct(b, 1, &p), TA_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(v, 0);
	assert_memory_equal(data, "abcd", 5); /* not wiped: borrowed */
	ta_buf_free(b);
}

/* ---- buf: cstrings and formatted text ------------------------------------ */

static void
test_common_buf_put_cstring_wire_format(void **state)
{
	struct ta_buf *b = ta_buf_new(64);

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_put_cstring(b, "abc"), 0);
	assert_int_equal(ta_buf_put_cstring(b, ""), 0);
	assert_holds(b, "\0\0\0\3abc\0\0\0\0", 11);
	ta_buf_free(b);
}

static void
test_common_buf_put_cstring_past_max_appends_nothing(void **state)
{
	struct ta_buf *b = buf_with("ab", 2, 8);

	(void)state;
	/* The length would fit; the string would not. */
	assert_int_equal(ta_buf_put_cstring(b, "abc"), TA_ERR_TOO_LARGE);
	assert_holds(b, "ab", 2);
	assert_int_equal(ta_buf_put_cstring(b, "ab"), 0);
	assert_holds(b, "ab\0\0\0\2ab", 8);
	ta_buf_free(b);
}

static void
test_common_buf_get_cstring_roundtrip(void **state)
{
	struct ta_buf *b = ta_buf_new(64);
	char *s = NULL;
	size_t len = 99;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_put_cstring(b, "hello"), 0);
	assert_int_equal(ta_buf_put_cstring(b, ""), 0);
	assert_int_equal(ta_buf_put_cstring(b, "max"), 0);
	assert_int_equal(ta_buf_get_cstring(b, 5, &s, &len), 0); /* exactly max */
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	free(s);
	assert_int_equal(ta_buf_get_cstring(b, 0, &s, &len), 0);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_int_equal(ta_buf_get_cstring(b, SIZE_MAX, &s, NULL), 0);
	assert_string_equal(s, "max");
	free(s);
	assert_int_equal(ta_buf_len(b), 0);
	ta_buf_free(b);
}

/* The wire form carries no terminator; the result always has one. */
static void
test_common_buf_get_cstring_without_terminator(void **state)
{
	static const uint8_t wire[] = { 0, 0, 0, 3, 'a', 'b', 'c', 'X' };
	struct ta_buf *b = ta_buf_from_const(wire, sizeof(wire));
	char *s = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_get_cstring(b, 16, &s, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "abc", 4);
	free(s);
	assert_holds(b, "X", 1);
	ta_buf_free(b);
}

static void
test_common_buf_get_cstring_over_max(void **state)
{
	static const uint8_t wire[] = { 0, 0, 0, 4, 'a', 'b', 'c', 'd' };
	char *s = NULL;
	size_t len = 99;

	(void)state;
	/* Rejected from the length alone, whether or not the bytes are there. */
	for (size_t n = 4; n <= sizeof(wire); n++) {
		struct ta_buf *b = ta_buf_from_const(wire, n);

		assert_non_null(b);
		assert_int_equal(ta_buf_get_cstring(b, 3, &s, &len), TA_ERR_TOO_LARGE);
		assert_null(s);
		assert_int_equal(len, 99);
		assert_holds(b, wire, n);
		ta_buf_free(b);
	}
}

static void
test_common_buf_get_cstring_truncated(void **state)
{
	static const uint8_t wire[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd' };
	char *s = NULL;

	(void)state;
	/* The length itself cut short, then the bytes. */
	for (size_t n = 0; n < sizeof(wire); n++) {
		struct ta_buf *b = ta_buf_from_const(wire, n);

		assert_non_null(b);
		assert_int_equal(ta_buf_get_cstring(b, 64, &s, NULL), TA_ERR_TRUNCATED);
		assert_null(s);
		assert_holds(b, wire, n);
		ta_buf_free(b);
	}
}

/* A length of 2^32 - 1 must not wrap 4 + n, nor pass with max = SIZE_MAX. */
static void
test_common_buf_get_cstring_huge_length(void **state)
{
	static const uint8_t wire[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b' };
	struct ta_buf *b = ta_buf_from_const(wire, sizeof(wire));
	char *s = NULL;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_get_cstring(b, SIZE_MAX, &s, NULL), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_cstring(b, TA_BUF_MAX, &s, NULL), TA_ERR_TOO_LARGE);
	assert_null(s);
	assert_holds(b, wire, sizeof(wire));
	ta_buf_free(b);
}

static void
test_common_buf_get_cstring_embedded_nul(void **state)
{
	static const uint8_t wire[] = { 0, 0, 0, 3, 'a', 0, 'b' };
	static const uint8_t lead[] = { 0, 0, 0, 1, 0 };
	struct ta_buf *b = ta_buf_from_const(wire, sizeof(wire));
	struct ta_buf *c = ta_buf_from_const(lead, sizeof(lead));
	char *s = NULL;
	size_t len = 99;

	(void)state;
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(ta_buf_get_cstring(b, 64, &s, &len), TA_ERR_INVALID);
	assert_int_equal(ta_buf_get_cstring(c, 64, &s, &len), TA_ERR_INVALID);
	assert_null(s);
	assert_int_equal(len, 99);
	assert_holds(b, wire, sizeof(wire));
	assert_holds(c, lead, sizeof(lead));
	ta_buf_free(b);
	ta_buf_free(c);
}

/* A C terminator sent on the wire is a NUL inside the string: refused. */
static void
test_common_buf_get_cstring_rejects_wire_terminator(void **state)
{
	static const uint8_t wire[] = { 0, 0, 0, 4, 'a', 'b', 'c', 0 };
	struct ta_buf *b = ta_buf_from_const(wire, sizeof(wire));
	char *s = NULL;

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_get_cstring(b, 64, &s, NULL), TA_ERR_INVALID);
	assert_null(s);
	assert_holds(b, wire, sizeof(wire));
	ta_buf_free(b);
}

static void
test_common_buf_putf(void **state)
{
	struct ta_buf *b = ta_buf_new(64);

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_buf_putf(b, "x=%d %s;", 42, "y"), 0);
	assert_int_equal(ta_buf_putf(b, "%s", ""), 0);
	assert_int_equal(ta_buf_putf(b, "%u", 7u), 0);
	assert_holds(b, "x=42 y;7", 8); /* no NUL in between */
	ta_buf_free(b);
}

static void
test_common_buf_putf_exact_fit(void **state)
{
	struct ta_buf *b = buf_with("ab", 2, 6);

	(void)state;
	/* The NUL that vsnprintf writes must not count against max. */
	assert_int_equal(ta_buf_putf(b, "%s", "cdef"), 0);
	assert_holds(b, "abcdef", 6);
	ta_buf_free(b);
}

/* In the C locale a non-ASCII wide character cannot be converted. */
static void
test_common_buf_putf_bad_conversion(void **state)
{
	struct ta_buf *b = buf_with("ab", 2, 64);

	(void)state;
	assert_int_equal(ta_buf_putf(b, "x%lcy", (wint_t)0x263a), TA_ERR_INVALID);
	assert_holds(b, "ab", 2);
	ta_buf_free(b);
}

/* Every failing getter on one buffer, in turn: none may move the data. */
static void
test_common_buf_failed_reads_consume_nothing(void **state)
{
	static const uint8_t data[] = { 0, 0, 0, 9, 'a' };
	struct ta_buf *b = buf_with(data, sizeof(data), 16);
	const uint8_t *p = NULL;
	uint8_t out[8];
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	char *s = NULL;

	(void)state;
	assert_int_equal(ta_buf_get_cstring(b, 64, &s, NULL), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_cstring(b, 8, &s, NULL), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_get_bytes(b, 6, out), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_bytes_direct(b, 6, &p), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_consume(b, 6), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_consume_end(b, 6), TA_ERR_TRUNCATED);
	assert_holds(b, data, sizeof(data));
	assert_int_equal(ta_buf_get_bytes(b, 4, NULL), 0);
	assert_int_equal(ta_buf_get_u16(b, &v16), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_get_u32(b, &v32), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_peek_u32(b, &v32), TA_ERR_TRUNCATED);
	assert_holds(b, "a", 1);
	assert_null(s);
	assert_null(p);
	assert_int_equal(v16, 0);
	assert_int_equal(v32, 0);
	ta_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_buf_new_accepts_limits),
		cmocka_unit_test(test_common_buf_new_rejects_bad_max),
		cmocka_unit_test(test_common_buf_free_null_is_noop),
		cmocka_unit_test(test_common_buf_ptr_never_null),
		cmocka_unit_test(test_common_buf_fills_to_exact_max),
		cmocka_unit_test(test_common_buf_ints_are_big_endian),
		cmocka_unit_test(test_common_buf_ints_extremes_roundtrip),
		cmocka_unit_test(test_common_buf_get_u8_truncated),
		cmocka_unit_test(test_common_buf_get_u16_truncated),
		cmocka_unit_test(test_common_buf_get_u32_truncated),
		cmocka_unit_test(test_common_buf_peek_u32_truncated),
		cmocka_unit_test(test_common_buf_peek_u32_consumes_nothing),
		cmocka_unit_test(test_common_buf_get_bytes_copies),
		cmocka_unit_test(test_common_buf_get_bytes_truncated),
		cmocka_unit_test(test_common_buf_get_bytes_huge_n),
		cmocka_unit_test(test_common_buf_get_bytes_direct_borrows),
		cmocka_unit_test(test_common_buf_get_bytes_direct_truncated),
		cmocka_unit_test(test_common_buf_direct_pointer_survives_emptying),
		cmocka_unit_test(test_common_buf_put_zero_bytes),
		cmocka_unit_test(test_common_buf_put_past_max_fails_unchanged),
		cmocka_unit_test(test_common_buf_put_huge_n_fails_unchanged),
		cmocka_unit_test(test_common_buf_max_counts_unread_bytes),
		cmocka_unit_test(test_common_buf_fifo_matches_model),
		cmocka_unit_test(test_common_buf_consume),
		cmocka_unit_test(test_common_buf_consume_end),
		cmocka_unit_test(test_common_buf_reserve),
		cmocka_unit_test(test_common_buf_reserve_rejects_zero),
		cmocka_unit_test(test_common_buf_consume_end_wipes_tail),
		cmocka_unit_test(test_common_buf_reset_wipes_and_empties),
		cmocka_unit_test(test_common_buf_reserve_reset_cycle_wipes),
		cmocka_unit_test(test_common_buf_reset_after_growth),
		cmocka_unit_test(test_common_buf_from_const_reads_in_place),
		cmocka_unit_test(test_common_buf_from_const_refuses_writes),
		cmocka_unit_test(test_common_buf_from_const_rejects_bad_args),
		cmocka_unit_test(test_common_buf_from_const_reset_empties),
		cmocka_unit_test(test_common_buf_put_cstring_wire_format),
		cmocka_unit_test(test_common_buf_put_cstring_past_max_appends_nothing),
		cmocka_unit_test(test_common_buf_get_cstring_roundtrip),
		cmocka_unit_test(test_common_buf_get_cstring_without_terminator),
		cmocka_unit_test(test_common_buf_get_cstring_over_max),
		cmocka_unit_test(test_common_buf_get_cstring_truncated),
		cmocka_unit_test(test_common_buf_get_cstring_huge_length),
		cmocka_unit_test(test_common_buf_get_cstring_embedded_nul),
		cmocka_unit_test(test_common_buf_get_cstring_rejects_wire_terminator),
		cmocka_unit_test(test_common_buf_putf),
		cmocka_unit_test(test_common_buf_putf_exact_fit),
		cmocka_unit_test(test_common_buf_putf_bad_conversion),
		cmocka_unit_test(test_common_buf_failed_reads_consume_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
