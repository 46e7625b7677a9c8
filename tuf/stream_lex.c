/* jansson 2.14's lexer (src/load.c) as tuf/stream.c needs it: which code
 * jansson sets for a token, where the token ends, and the decoded bytes of
 * a string.  Split from stream.c, which holds the parser and the canonical
 * writer; the order of events it must follow is described there. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/utf8.h"
#include "tuf/json.h"
#include "tuf/stream_int.h"

/* ---- jansson's lexer ---------------------------------------------------- */

/* True when jansson, reading the byte after a token at j, finds no valid
 * UTF-8 sequence there: its stream layer fails before the lexer looks. */
static bool
lookahead_bad(const uint8_t *b, size_t n, size_t j)
{
	return j < n && b[j] >= 0x80 && ta_utf8_seq(b + j, n - j) == 0;
}

/* Lexes the string token at b[i] == '"' as jansson's lex_scan_string() does:
 * first the raw bytes up to the closing quote (where running out of input
 * at a character boundary is TRUNCATED and everything else INVALID), then
 * the escapes (lone or mismatched surrogates are INVALID).  Returns 0 with
 * *ret_end just past the closing quote and *ret_flags, or the code jansson
 * sets.  \u0000 is no lexer error (the parser refuses it: STR_NUL). */
int
ta__stream_jstring(const uint8_t *b, size_t n, size_t i, size_t *ret_end, unsigned *ret_flags)
{
	size_t j = i + 1, k;
	unsigned flags = 0;
	bool bad = false;
	long v, lo;

	for (;;) {
		uint8_t c;

		if (j == n) {
			*ret_end = j;
			return TA_ERR_TRUNCATED;
		}
		c = b[j];
		if (c == '"')
			break;
		if (c < 0x20)
			goto invalid;
		if (c >= 0x80) {
			if ((k = ta_utf8_seq(b + j, n - j)) == 0)
				goto invalid;
			j += k;
			continue;
		}
		if (c != '\\') {
			j++;
			continue;
		}
		flags |= STR_ESC;
		if (++j == n)
			goto invalid;
		c = b[j];
		if (c == '"' || c == '\\') {
			j++;
		} else if (c == '/') {
			flags |= STR_REWRITE;
			j++;
		} else if (c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
			flags |= STR_REWRITE | STR_CTRL;
			j++;
		} else if (c == 'u') {
			flags |= STR_REWRITE;
			if ((v = ta__json_hex4(b + j + 1, n - j - 1)) < 0)
				goto invalid;
			j += 5;
			if (v >= 0xd800 && v < 0xdc00) {
				/* A pair, or an error once the raw scan is done. */
				lo = j + 1 < n && b[j] == '\\' && b[j + 1] == 'u'
					 ? ta__json_hex4(b + j + 2, n - j - 2)
					 : -1;
				if (lo >= 0xdc00 && lo < 0xe000)
					j += 6;
				else
					bad = true;
			} else if (v >= 0xdc00 && v < 0xe000) {
				bad = true;
			} else if (v == 0) {
				flags |= STR_NUL;
			} else if (v < 0x20) {
				flags |= STR_CTRL;
			}
		} else {
			goto invalid;
		}
	}
	*ret_end = j + 1;
	if (bad)
		return TA_ERR_INVALID;
	*ret_flags = flags;
	return 0;
invalid:
	*ret_end = j;
	return TA_ERR_INVALID;
}


/* Decodes the valid string token b[i..end) (quotes included) into dst,
 * without quotes; canon: with " and \ escaped.  Writes at most end - i - 2
 * bytes (each escape is at least as long as what it decodes to, \" and \\
 * included). */
size_t
ta__stream_decode(const uint8_t *b, size_t i, size_t end, uint8_t *dst, bool canon)
{
	size_t j = i + 1, e = end - 1, w = 0;

	while (j < e) {
		const uint8_t *bs;
		size_t run;
		long v, lo;

		if (b[j] != '\\') {
			bs = memchr(b + j, '\\', e - j);
			run = bs != NULL ? (size_t)(bs - (b + j)) : e - j;
			memcpy(dst + w, b + j, run);
			w += run;
			j += run;
			continue;
		}
		switch (b[j + 1]) {
		case 'u':
			v = ta__json_hex4(b + j + 2, 4);
			j += 6;
			if (v >= 0xd800 && v < 0xdc00) {
				lo = ta__json_hex4(b + j + 2, 4);
				v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
				j += 6;
			}
			if (canon && (v == '"' || v == '\\'))
				dst[w++] = '\\';
			w += ta_utf8_put((uint32_t)v, dst + w);
			continue;
		case '"':
		case '\\':
			if (canon)
				dst[w++] = '\\';
			dst[w++] = b[j + 1];
			break;
		default: { /* the one-letter escapes and '/' (the token is valid) */
			static const char from[] = "bfnrt/", to[] = "\b\f\n\r\t/";

			dst[w++] = (uint8_t)to[strchr(from, b[j + 1]) - from];
			break;
		}
		}
		j += 2;
	}
	return w;
}

/* |value| of the integer token p (optional '-', digits), false above
 * UINT64_MAX. */
bool
ta__stream_int_mag(const uint8_t *p, size_t n, uint64_t *ret)
{
	uint64_t m = 0;
	size_t i = p[0] == '-';

	for (; i < n; i++) {
		unsigned d = p[i] - '0';

		if (m > (UINT64_MAX - d) / 10)
			return false;
		m = m * 10 + d;
	}
	*ret = m;
	return true;
}

/* 0, or TA_ERR_TOO_LARGE when strtod() overflows on the real token p, as
 * jansson's jsonp_strtod() checks (in the C locale, which is what jansson's
 * decimal-point fix-up amounts to). */
static int
real_code(const uint8_t *p, size_t n)
{
	size_t i = p[0] == '-', digits = 0;
	long exp = 0;
	bool eneg = false;
	locale_t c = (locale_t)0;
	char *s = NULL;
	double d;
	int r = TA_ERR_NOMEM;

	/* Below 10^300 nothing overflows: skip strtod() for those. */
	for (; i < n && is_digit(p[i]); i++)
		digits++;
	while (i < n && p[i] != 'e' && p[i] != 'E')
		i++;
	if (i < n) {
		i++;
		eneg = p[i] == '-';
		i += p[i] == '-' || p[i] == '+';
		for (; i < n && exp < 100000; i++)
			exp = exp * 10 + (p[i] - '0');
	}
	if ((long)digits + (eneg ? -exp : exp) <= 300)
		return 0;

	if ((c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)) == (locale_t)0 ||
	    (s = malloc(n + 1)) == NULL)
		goto out;
	memcpy(s, p, n);
	s[n] = '\0';
	errno = 0;
	d = strtod_l(s, NULL, c);
	r = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE ? TA_ERR_TOO_LARGE : 0;
out:
	if (c != (locale_t)0)
		freelocale(c);
	free(s);
	return r;
}

/* Lexes the number token at b[i] ('-' or a digit) as lex_scan_number()
 * does; *ret_end is where it stops.  Returns the code jansson sets, or 0 (a
 * NUM_BAD token sets none: the parser refuses it). */
int
ta__stream_jnumber(const uint8_t *b, size_t n, size_t i, size_t *ret_end, enum num_kind *ret_kind)
{
	enum num_kind kind = NUM_BAD;
	size_t j = i + (b[i] == '-');
	uint64_t m;

	if (j < n && b[j] == '0') {
		if (++j < n && is_digit(b[j]))
			goto out;
	} else if (j < n && is_digit(b[j])) {
		while (j < n && is_digit(b[j]))
			j++;
	} else {
		goto out;
	}
	kind = NUM_INT;
	if (j < n && b[j] == '.') {
		kind = NUM_BAD;
		if (++j == n || !is_digit(b[j]))
			goto out;
		while (j < n && is_digit(b[j]))
			j++;
		kind = NUM_REAL;
	}
	if (j < n && (b[j] == 'e' || b[j] == 'E')) {
		kind = NUM_BAD;
		if (++j < n && (b[j] == '+' || b[j] == '-'))
			j++;
		if (j == n || !is_digit(b[j]))
			goto out;
		while (j < n && is_digit(b[j]))
			j++;
		kind = NUM_REAL;
	}
out:
	*ret_end = j;
	*ret_kind = kind;
	if (lookahead_bad(b, n, j))
		return TA_ERR_INVALID;
	if (kind == NUM_INT &&
	    (!ta__stream_int_mag(b + i, j - i, &m) || m > (uint64_t)INT64_MAX + (b[i] == '-')))
		return TA_ERR_TOO_LARGE;
	if (kind == NUM_REAL)
		return real_code(b + i, j - i);
	return 0;
}

/* The code jansson's lexer sets while reading the token at b[i] (after
 * whitespace), or 0; *ret_eof when the input ends first. */
int
ta__stream_lex_code(const uint8_t *b, size_t n, size_t i, bool *ret_eof)
{
	enum num_kind kind;
	unsigned flags;
	size_t end;

	while (i < n && is_ws(b[i]))
		i++;
	*ret_eof = i == n;
	if (i == n)
		return 0;
	if (b[i] == '"')
		return ta__stream_jstring(b, n, i, &end, &flags);
	if (b[i] == '-' || is_digit(b[i]))
		return ta__stream_jnumber(b, n, i, &end, &kind);
	if (is_alpha(b[i])) {
		while (i < n && is_alpha(b[i]))
			i++;
		return lookahead_bad(b, n, i) ? TA_ERR_INVALID : 0;
	}
	return b[i] >= 0x80 && ta_utf8_seq(b + i, n - i) == 0 ? TA_ERR_INVALID : 0;
}

const char *
ta__stream_lex_why(int code)
{
	switch (code) {
	case TA_ERR_TRUNCATED:
		return "document ends inside a string";
	case TA_ERR_TOO_LARGE:
		return "number outside the range of a 64-bit integer or a double";
	case TA_ERR_NOMEM:
		return "out of memory";
	default:
		return "invalid token (bad escape, control character, invalid UTF-8 or lone "
		       "surrogate)";
	}
}
