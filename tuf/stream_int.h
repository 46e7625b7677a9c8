/* Internal to tuf/stream.c and tuf/stream_lex.c: jansson's lexer, as the
 * stream needs it (stream_lex.c), and the byte tests its hot loops inline.
 * Not an API: tuf/stream.h is. */
#ifndef TA_STREAM_INT_H
#define TA_STREAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(TA_STREAM_NO_SSE2)
#include <emmintrin.h>
#endif

#include "common/utf8.h"

/* jansson's JSON_PARSER_MAX_DEPTH: it refuses any value inside this many
 * containers. */
#define JANSSON_MAX_DEPTH 2048
#define INT_LIMIT ((uint64_t)1 << 53)
#define NONE SIZE_MAX
#define FLUSH_CHUNK ((size_t)16 << 10)

/* What a string token holds (jstring()). */
#define STR_ESC 0x1     /* escapes: decode before comparing */
#define STR_REWRITE 0x2 /* an escape other than \" and \\: canonical form differs */
#define STR_NUL 0x4     /* decodes to U+0000 */
#define STR_CTRL 0x8    /* decodes to U+0001..U+001F */

enum num_kind { NUM_BAD, NUM_INT, NUM_REAL };
enum sel { SEL_NONE, SEL_NEXT, SEL_IN, SEL_DONE };

/* ---- bytes -------------------------------------------------------------- */

/* A byte a string may hold raw that needs no attention. */
static inline bool
is_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#if defined(__SSE2__) && !defined(TA_STREAM_NO_SSE2)
/* Bytes at p (n of them) before the first '"', '\\', byte below 0x20 or
 * byte above 0x7f: 16 at a time (SSE2 is part of x86-64; a signed compare
 * with 0x20 catches both ends). */
static inline size_t
plain_run(const uint8_t *p, size_t n)
{
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(0x20);
	size_t j = 0;

	for (; n - j >= 16; j += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
		__m128i t =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs)),
			_mm_cmplt_epi8(x, space));
		unsigned m = (unsigned)_mm_movemask_epi8(t);

		if (m != 0)
			return j + (size_t)__builtin_ctz(m);
	}
	while (j < n && is_plain(p[j]))
		j++;
	return j;
}
#else
#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

/* The same 8 at a time: non-zero when one of the bytes in x is '"', '\\',
 * below 0x20 or above 0x7f.  The lowest flagged byte is always a real one:
 * the borrows of the subtractions only flag bytes above a real match. */
static inline uint64_t
special8(uint64_t x)
{
	uint64_t q = x ^ (ONES * '"'), e = x ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((e - ONES) & ~e) | ((x - ONES * 0x20) & ~x) | x) & HIGH;
}

static inline size_t
plain_run(const uint8_t *p, size_t n)
{
	size_t j = 0;

	for (; n - j >= 8; j += 8) {
		uint64_t x, m;

		memcpy(&x, p + j, 8);
		if ((m = special8(x)) != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return j + ((size_t)__builtin_ctzll(m) >> 3);
#else
			break; /* the byte loop finds it */
#endif
		}
	}
	while (j < n && is_plain(p[j]))
		j++;
	return j;
}
#endif

static inline bool
is_ws(uint8_t c)
{
	return c <= ' ' && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
}

static inline bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- jansson's lexer (tuf/stream_lex.c) --------------------------------- */

/* Lexes the string token at b[i] == '"' as jansson's lex_scan_string()
 * does; see stream_lex.c. */
int ta__stream_jstring(const uint8_t *b, size_t n, size_t i, size_t *ret_end,
    unsigned *ret_flags);
size_t ta__stream_decode(const uint8_t *b, size_t i, size_t end, uint8_t *dst, bool canon);
bool ta__stream_int_mag(const uint8_t *p, size_t n, uint64_t *ret);
int ta__stream_jnumber(const uint8_t *b, size_t n, size_t i, size_t *ret_end,
    enum num_kind *ret_kind);
int ta__stream_lex_code(const uint8_t *b, size_t n, size_t i, bool *ret_eof);
const char *ta__stream_lex_why(int code);

/* The string token at b[i] == '"': the common case (no escape, nothing
 * invalid) a block at a time, anything else through jstring(). */
static inline int
scan_string(const uint8_t *b, size_t n, size_t i, size_t *ret_end, unsigned *ret_flags)
{
	size_t j = i + 1, k;

	for (;;) {
		j += plain_run(b + j, n - j);
		if (j == n)
			break;
		if (b[j] == '"') {
			*ret_end = j + 1;
			*ret_flags = 0;
			return 0;
		}
		if (b[j] < 0x80 || (k = ta_utf8_seq(b + j, n - j)) == 0)
			break;
		j += k;
	}
	return ta__stream_jstring(b, n, i, ret_end, ret_flags);
}

#endif
