/* One pass over the input that decides what ta_json_parse() decides
 * (jansson 2.14's lexer and parser, src/load.c, then ta_json_check()) and
 * writes the canonical form as it goes.
 *
 * The same error code needs jansson's order of events:
 *  - jansson stops at its first error, which beats anything later.  These
 *    "jansson errors" are syntax, lexing, UTF-8 anywhere in the input,
 *    duplicate keys, \u0000, integers beyond int64 and reals beyond a
 *    double.  Its lexer reads a whole token before the parser judges it, so
 *    an unexpected token is lexed first (lex_code()): `[1 "ab` ends early
 *    (TRUNCATED) rather than missing a ','.  Reading one byte past a number
 *    or a literal validates that byte's UTF-8 sequence, so `1\xff` is
 *    INVALID, not TRAILING.
 *  - ta_json_check() then reports the first of its faults in document order
 *    (reals, |n| > 2^53, control characters in the notary profile, nesting
 *    deeper than TA_JSON_MAX_DEPTH).  cfault() records the first; it is the
 *    answer only when no jansson error follows.
 *  - json.c reports TOO_LARGE for any jansson error that comes after a
 *    container opened past TA_JSON_MAX_DEPTH (locate()); deep_at records
 *    that container.  Reaching it with no check fault before it ends the
 *    parse: every outcome from there on is TOO_LARGE, unless a duplicate
 *    key came earlier.
 *  - a NUL byte is decided before jansson runs, by scanning up to it
 *    (nul_code()).
 * Duplicate keys are found at once while an object's keys arrive in
 * order, otherwise when it closes (after sorting) or when a later error
 * has to know whether one came first (open_dup()).
 *
 * Output: canonical JSON is never longer than its source (escapes only
 * shrink, whitespace goes), so the output buffer has len + 1 bytes and is
 * never checked for room.  Source bytes that are already canonical are not
 * copied one value at a time: buf[copy_from..i) is pending output, flushed
 * by one memcpy whenever something must change (whitespace, an escape to
 * rewrite, "-0").  Invariant: out_len <= copy_from <= i. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/err.h"
#include "common/utf8.h"
#include "tuf/json.h"
#include "tuf/stream.h"
#include "tuf/stream_int.h"

struct frame {
	uint32_t mem_base;   /* this object's first key in st.mems */
	uint32_t arena_base; /* arena top when it opened */
	uint32_t prev_off;   /* the previous key, decoded, in buf or (prev_arena) the arena */
	uint32_t prev_len;
	bool object;
	bool unsorted; /* a key arrived out of order: sort when closing */
	bool has_prev;
	bool prev_arena;
};

/* A key of an open object. */
struct mem {
	uint32_t src; /* offset of its opening quote in buf */
	uint32_t out; /* and in the output */
};

/* A key decoded for sorting. */
struct skey {
	const uint8_t *p;
	uint32_t len;
	uint32_t off; /* of p, in buf or (arena) the arena, until p is set */
	uint32_t src;
	uint32_t idx; /* rank in document order */
	bool arena;
};

struct st {
	const uint8_t *buf;
	size_t len;
	enum ta_profile profile;
	const char *member;
	size_t member_len;

	uint8_t *out; /* out_cap >= len + 1 bytes */
	size_t out_cap, out_len;
	size_t copy_from;

	struct frame *frames;
	size_t nframes, frames_cap;
	struct mem *mems;
	size_t nmems, mems_cap;
	uint8_t *arena; /* decoded keys that had escapes */
	size_t arena_len, arena_cap;
	struct skey *sk;
	size_t sk_cap;
	uint8_t *tmp;
	size_t tmp_cap;

	bool top_object;
	enum sel sel;
	size_t sel_len;

	int check; /* first ta_json_check() fault, or 0 */
	size_t check_at;
	char check_why[128];
	size_t deep_at; /* first container opened past TA_JSON_MAX_DEPTH, or NONE */

	size_t err_at; /* what to report */
	char why[160];
};

/* memcmp order, shorter first on a tie (canon.c's member_cmp); inline
 * because consecutive keys (target paths) often share a long prefix. */
static inline int
keycmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; n - i >= 8; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
	}
#endif
	for (; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/* Room for need elements of size bytes at *p; NULL when out of memory. */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap != 0 ? *cap : 16;
	void *np;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	if ((np = realloc(p, c * size)) == NULL)
		return NULL;
	*cap = c;
	return np;
}

/* ---- errors ------------------------------------------------------------- */

__attribute__((format(printf, 4, 0))) static int
vset_why(struct st *s, int code, size_t at, const char *fmt, va_list ap)
{
	s->err_at = at;
	(void)vsnprintf(s->why, sizeof(s->why), fmt, ap);
	return code;
}

__attribute__((format(printf, 4, 5))) static int
set_why(struct st *s, int code, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = vset_why(s, code, at, fmt, ap);
	va_end(ap);
	return code;
}

/* A fault of ta_json_check(): remembered if it is the first. */
static void
cfault(struct st *s, int code, size_t at, const char *why)
{
	if (s->check != 0)
		return;
	s->check = code;
	s->check_at = at;
	(void)snprintf(s->check_why, sizeof(s->check_why), "%s", why);
}

/* By key, then by position. */
static int
skey_cmp(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	int c = keycmp(x->p, x->len, y->p, y->len);

	return c != 0 ? c : (x->src > y->src) - (x->src < y->src);
}

static bool
same_key(const struct skey *a, const struct skey *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Decodes and sorts the keys mems[lo..hi) into s->sk, decoding escaped ones
 * above the arena top, which the caller puts back when done with s->sk. */
static int
sort_keys(struct st *s, size_t lo, size_t hi)
{
	size_t n = hi - lo;
	struct skey *sk;

	if ((sk = grow(s->sk, &s->sk_cap, n, sizeof(*sk))) == NULL)
		return TA_ERR_NOMEM;
	s->sk = sk;
	for (size_t k = 0; k < n; k++) {
		size_t src = s->mems[lo + k].src, end;
		unsigned flags = 0;
		uint8_t *a;

		if (scan_string(s->buf, s->len, src, &end, &flags) != 0)
			return TA_ERR_INTERNAL;
		sk[k] = (struct skey){.src = (uint32_t)src, .idx = (uint32_t)k};
		if (flags & STR_ESC) {
			if ((a = grow(s->arena, &s->arena_cap, s->arena_len + end - src, 1)) ==
			    NULL)
				return TA_ERR_NOMEM;
			s->arena = a;
			sk[k].arena = true;
			sk[k].off = (uint32_t)s->arena_len;
			sk[k].len = (uint32_t)ta__stream_decode(s->buf, src, end, a + s->arena_len, false);
			s->arena_len += sk[k].len;
		} else {
			sk[k].off = (uint32_t)src + 1;
			sk[k].len = (uint32_t)(end - src - 2);
		}
	}
	for (size_t k = 0; k < n; k++)
		sk[k].p = (sk[k].arena ? s->arena : s->buf) + sk[k].off;
	qsort(sk, n, sizeof(*sk), skey_cmp);
	return 0;
}

/* The earliest key so far that repeats an earlier key of the same open
 * object (jansson stops there), or NONE.  Objects whose keys arrived in
 * order have none: key() checks them as they come. */
static int
open_dup(struct st *s, size_t *ret)
{
	size_t best = NONE, top = s->arena_len;
	int r;

	for (size_t k = 0; k < s->nframes; k++) {
		const struct frame *f = &s->frames[k];
		size_t hi = k + 1 < s->nframes ? s->frames[k + 1].mem_base : s->nmems;

		if (!f->object || !f->unsorted)
			continue;
		r = sort_keys(s, f->mem_base, hi);
		/* Equal keys are adjacent, the first one first. */
		for (size_t m = 1; r == 0 && m < hi - f->mem_base; m++)
			if (same_key(&s->sk[m - 1], &s->sk[m]) && s->sk[m].src < best)
				best = s->sk[m].src;
		s->arena_len = top;
		if (r != 0)
			return r;
	}
	*ret = best;
	return 0;
}

/* A jansson error, code at byte at: what ta_json_parse() reports for it,
 * given what came before. */
__attribute__((format(printf, 4, 5))) static int
jerr(struct st *s, int code, size_t at, const char *fmt, ...)
{
	size_t dup;
	va_list ap;
	int r;

	if ((r = open_dup(s, &dup)) != 0)
		return set_why(s, r, at, "out of memory");
	if (dup != NONE && dup < s->deep_at)
		return set_why(s, TA_ERR_INVALID, dup, "duplicate object key");
	if (s->deep_at != NONE)
		return set_why(s, TA_ERR_TOO_LARGE, s->deep_at, "nesting deeper than %d levels",
		    TA_JSON_MAX_DEPTH);
	va_start(ap, fmt);
	code = vset_why(s, code, at, fmt, ap);
	va_end(ap);
	return code;
}

/* An unexpected token at b[i], where want was expected. */
static int
unexpected(struct st *s, size_t i, const char *want)
{
	bool eof;
	int r = ta__stream_lex_code(s->buf, s->len, i, &eof);

	if (r != 0)
		return jerr(s, r, i, "%s", ta__stream_lex_why(r));
	if (eof)
		return jerr(s, TA_ERR_TRUNCATED, i, "document ends early: %s expected", want);
	return jerr(s, TA_ERR_INVALID, i, "%s expected", want);
}

/* json.c's NUL rule: locate() up to the first NUL, TOO_LARGE when it passes
 * a container opened past the depth limit (with its loose idea of strings,
 * which this copies), otherwise INVALID. */
static int
nul_code(struct st *s, size_t at)
{
	const uint8_t *b = s->buf;
	size_t i = 0, depth = 0;

	while (i < at) {
		uint8_t c = b[i];

		if (c == '"') {
			for (i++; i < at && b[i] != '"';)
				i += b[i] == '\\' ? 2 : 1;
			i++;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth == TA_JSON_MAX_DEPTH)
				return set_why(s, TA_ERR_TOO_LARGE, i,
				    "nesting deeper than %d levels", TA_JSON_MAX_DEPTH);
			depth++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
		i++;
	}
	return set_why(s, TA_ERR_INVALID, at, "NUL byte in the document");
}

/* ---- output ------------------------------------------------------------- */

/* A big output buffer is usually fresh memory, and faulting it in 4 KiB at
 * a time can cost more than the parse (measured: 22 MB went from 290 to
 * 800 MB/s, in a VM where page faults are slow).  Ask for huge pages on the
 * whole 2 MiB pages inside it; only a hint, and the range is ours. */
static void
big_output(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE)
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);

	if (n >= 2 * huge && e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

static inline void
flush(struct st *s, size_t i)
{
	memcpy(s->out + s->out_len, s->buf + s->copy_from, i - s->copy_from);
	s->out_len += i - s->copy_from;
	s->copy_from = i;
}

/* Skips whitespace at b[i], which is left out of the output. */
static inline size_t
skip_ws(struct st *s, size_t i)
{
	if (i < s->len && is_ws(s->buf[i])) {
		flush(s, i);
		do
			i++;
		while (i < s->len && is_ws(s->buf[i]));
		s->copy_from = i;
	}
	return i;
}

/* Writes the canonical form of the escaped string b[i..end). */
static void
put_escaped(struct st *s, size_t i, size_t end)
{
	flush(s, i);
	s->out[s->out_len++] = '"';
	s->out_len += ta__stream_decode(s->buf, i, end, s->out + s->out_len, true);
	s->out[s->out_len++] = '"';
	s->copy_from = end;
}

/* ---- the parser ----------------------------------------------------------- */

static int
open_container(struct st *s, size_t i, bool object)
{
	struct frame *f;

	if (s->nframes == TA_JSON_MAX_DEPTH && s->deep_at == NONE) {
		s->deep_at = i;
		if (s->check == 0)
			return jerr(s, TA_ERR_TOO_LARGE, i, "nesting too deep");
	}
	if (s->nframes == s->frames_cap) {
		if ((f = grow(s->frames, &s->frames_cap, s->nframes + 1, sizeof(*f))) == NULL)
			return set_why(s, TA_ERR_NOMEM, i, "out of memory");
		s->frames = f;
	}
	if (s->nframes == 0)
		s->top_object = object;
	s->frames[s->nframes++] = (struct frame){
	    .mem_base = (uint32_t)s->nmems, .arena_base = (uint32_t)s->arena_len, .object = object};
	return 0;
}

/* Sorts the members of the object that closes at b[i] == '}' and checks
 * them for duplicates. */
static int
sort_object(struct st *s, size_t i)
{
	const struct frame *f = &s->frames[s->nframes - 1];
	size_t lo = f->mem_base, n = s->nmems - lo, top = s->arena_len, start, end, w, need, shift,
	       tmp_cap;
	const struct mem *m = s->mems + lo;
	const uint8_t *src;
	uint8_t *dst, *tmp;
	bool swap;
	int r;

	if ((r = sort_keys(s, lo, s->nmems)) != 0)
		goto out;
	for (size_t k = 1; k < n; k++) {
		if (same_key(&s->sk[k - 1], &s->sk[k])) {
			s->arena_len = top;
			return jerr(s, TA_ERR_INVALID, s->sk[k].src, "duplicate object key");
		}
	}
	/* No output for the top-level object when a member is selected, nor
	 * for a document already refused (that would make 2048 nested
	 * objects cost 2048 copies). */
	if ((s->member != NULL && s->nframes == 1) || s->check != 0)
		goto out;

	/* Members are "key":value joined by single commas.  Copy the object
	 * aside and write it back sorted; or, when it is most of the output
	 * (a whole "signed" value), write all the output sorted into the
	 * spare buffer and swap the two: one copy instead of two. */
	flush(s, i);
	start = m[0].out;
	end = s->out_len;
	swap = start < end - start;
	need = swap ? s->len + 1 : end - start;
	if (need > s->tmp_cap) {
		if ((tmp = realloc(s->tmp, need)) == NULL) {
			r = TA_ERR_NOMEM;
			goto out;
		}
		big_output(tmp, need);
		s->tmp = tmp;
		s->tmp_cap = need;
	}
	if (swap) {
		memcpy(s->tmp, s->out, start);
		src = s->out;
		dst = s->tmp;
		shift = 0;
	} else {
		memcpy(s->tmp, s->out + start, end - start);
		src = s->tmp;
		dst = s->out;
		shift = start;
	}
	w = start;
	for (size_t k = 0; k < n; k++) {
		size_t d = s->sk[k].idx, ms = m[d].out, me = d + 1 < n ? m[d + 1].out - 1 : end;

		if (k > 0)
			dst[w++] = ',';
		memcpy(dst + w, src + (ms - shift), me - ms);
		w += me - ms;
	}
	if (swap) {
		/* Both hold at least len + 1 bytes. */
		s->tmp = s->out;
		s->out = dst;
		tmp_cap = s->tmp_cap;
		s->tmp_cap = s->out_cap;
		s->out_cap = tmp_cap;
	}
	if (w != end)
		r = TA_ERR_INTERNAL;
out:
	s->arena_len = top;
	if (r != 0)
		return set_why(
		    s, r, i, "%s", r == TA_ERR_NOMEM ? "out of memory" : "internal error");
	return 0;
}

static int
close_container(struct st *s, size_t i)
{
	const struct frame *f = &s->frames[s->nframes - 1];
	int r;

	if (f->unsorted && (r = sort_object(s, i)) != 0)
		return r;
	s->nmems = f->mem_base;
	s->arena_len = f->arena_base;
	s->nframes--;
	return 0;
}

static int
value_string(struct st *s, size_t *ip)
{
	size_t i = *ip, end;
	unsigned flags;
	int r;

	if ((r = scan_string(s->buf, s->len, i, &end, &flags)) != 0)
		return jerr(s, r, i, "%s", ta__stream_lex_why(r));
	if (flags != 0) {
		if (flags & STR_NUL)
			return jerr(s, TA_ERR_INVALID, i, "\\u0000 (NUL) is not allowed");
		if ((flags & STR_CTRL) && s->profile == TA_PROFILE_NOTARY)
			cfault(s, TA_ERR_INVALID, i,
			    "string contains a control character; Go notary cannot serialize "
			    "control characters");
		if (flags & STR_REWRITE)
			put_escaped(s, i, end);
	}
	*ip = end;
	return 0;
}

/* The key at b[*ip] == '"' of the innermost object. */
static int
key(struct st *s, size_t *ip)
{
	struct frame *f = &s->frames[s->nframes - 1];
	size_t i = *ip, end, klen, koff, out = s->out_len + (i - s->copy_from);
	const uint8_t *kp;
	struct mem *mm;
	unsigned flags;
	bool karena = false;
	int r, c;

	if ((r = scan_string(s->buf, s->len, i, &end, &flags)) != 0)
		return jerr(s, r, i, "%s", ta__stream_lex_why(r));
	if (flags & STR_NUL)
		return jerr(s, TA_ERR_INVALID, i, "\\u0000 (NUL) in an object key");
	if (flags & STR_ESC) {
		uint8_t *a = grow(s->arena, &s->arena_cap, s->arena_len + end - i, 1);

		if (a == NULL)
			return set_why(s, TA_ERR_NOMEM, i, "out of memory");
		s->arena = a;
		karena = true;
		koff = s->arena_len;
		klen = ta__stream_decode(s->buf, i, end, a + koff, false);
		kp = a + koff;
		if (flags & STR_REWRITE)
			put_escaped(s, i, end);
	} else {
		koff = i + 1;
		klen = end - i - 2;
		kp = s->buf + koff;
	}
	if (f->has_prev && !f->unsorted) {
		c = keycmp(
		    (f->prev_arena ? s->arena : s->buf) + f->prev_off, f->prev_len, kp, klen);
		if (c == 0)
			return jerr(s, TA_ERR_INVALID, i, "duplicate object key");
		if (c > 0)
			f->unsorted = true;
	}
	if (s->member != NULL && s->nframes == 1 && klen == s->member_len &&
	    memcmp(kp, s->member, klen) == 0)
		s->sel = SEL_NEXT;
	if (!f->unsorted) {
		/* Keep it as the previous key; escaped ones just above the
		 * arena part of the enclosing objects. */
		if (karena) {
			memmove(s->arena + f->arena_base, kp, klen);
			koff = f->arena_base;
			s->arena_len = f->arena_base + klen;
		} else {
			s->arena_len = f->arena_base;
		}
		f->prev_off = (uint32_t)koff;
		f->prev_len = (uint32_t)klen;
		f->prev_arena = karena;
		f->has_prev = true;
	}
	if (s->nmems == s->mems_cap) {
		if ((mm = grow(s->mems, &s->mems_cap, s->nmems + 1, sizeof(*mm))) == NULL)
			return set_why(s, TA_ERR_NOMEM, i, "out of memory");
		s->mems = mm;
	}
	s->mems[s->nmems++] = (struct mem){.src = (uint32_t)i, .out = (uint32_t)out};
	if ((flags & STR_CTRL) && s->profile == TA_PROFILE_NOTARY)
		cfault(s, TA_ERR_INVALID, i,
		    "object key contains a control character; Go notary cannot serialize "
		    "control characters");
	*ip = end;
	return 0;
}

/* Numbers that are not plain integers of up to 15 digits. */
static int
number_slow(struct st *s, size_t *ip)
{
	size_t i = *ip, end;
	enum num_kind kind;
	uint64_t m;
	int r;

	if ((r = ta__stream_jnumber(s->buf, s->len, i, &end, &kind)) != 0)
		return jerr(s, r, i, "%s", r == TA_ERR_INVALID ? "invalid UTF-8" : ta__stream_lex_why(r));
	if (kind == NUM_BAD)
		return jerr(s, TA_ERR_INVALID, i, "invalid number");
	if (kind == NUM_REAL)
		cfault(s, TA_ERR_INVALID, i,
		    "number with a fraction or an exponent; only integers are allowed");
	else if (ta__stream_int_mag(s->buf + i, end - i, &m) && m > INT_LIMIT)
		cfault(s, TA_ERR_TOO_LARGE, i, "integer is outside -2^53..2^53");
	*ip = end;
	return 0;
}

static inline int
number(struct st *s, size_t *ip)
{
	const uint8_t *b = s->buf;
	size_t n = s->len, i = *ip, j = i + (b[i] == '-'), d = j;

	while (j < n && is_digit(b[j]))
		j++;
	if (j - d - 1 >= 15 || (b[d] == '0' && j - d > 1) ||
	    (j < n && (b[j] == '.' || b[j] == 'e' || b[j] == 'E')))
		return number_slow(s, ip);
	if (b[d] == '0' && d != i) {
		/* jansson reads -0 as the integer 0. */
		flush(s, i);
		s->out[s->out_len++] = '0';
		s->copy_from = j;
	}
	*ip = j;
	return 0;
}

static inline bool
literal(const uint8_t *b, size_t n, size_t i, const char *w, size_t k)
{
	return n - i >= k && memcmp(b + i, w, k) == 0 && (n - i == k || !is_alpha(b[i + k]));
}

static int
parse(struct st *s)
{
	const uint8_t *b = s->buf;
	const size_t n = s->len;
	struct frame *f;
	size_t i = 0;
	bool eof;
	int r;

value:
	i = skip_ws(s, i);
	if (s->nframes >= JANSSON_MAX_DEPTH)
		return jerr(s, TA_ERR_TOO_LARGE, i, "nesting too deep");
	if (s->sel == SEL_NEXT) {
		/* The selected member: drop the output so far. */
		s->out_len = 0;
		s->copy_from = i;
		s->sel = SEL_IN;
	}
	if (i == n)
		return jerr(s, TA_ERR_TRUNCATED, i, "document ends early: a value expected");
	switch (b[i]) {
	case '"':
		if ((r = value_string(s, &i)) != 0)
			return r;
		goto next;
	case '{':
	case '[': {
		const bool object = b[i] == '{';

		if ((r = open_container(s, i, object)) != 0)
			return r;
		i = skip_ws(s, i + 1);
		if (i < n && b[i] == (object ? '}' : ']'))
			goto close;
		if (object)
			goto key;
		goto value;
	}
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		if ((r = number(s, &i)) != 0)
			return r;
		goto next;
	case 't':
	case 'f':
	case 'n': {
		const char *w = b[i] == 't' ? "true" : b[i] == 'f' ? "false" : "null";
		const size_t k = strlen(w);

		if (!literal(b, n, i, w, k))
			break;
		i += k;
		goto next;
	}
	default:
		break;
	}
	/* Whatever the token, jansson refuses it as INVALID here. */
	return jerr(s, TA_ERR_INVALID, i, "invalid token where a value is expected");

key:
	if (i == n || b[i] != '"')
		return unexpected(s, i, "a string key");
	if ((r = key(s, &i)) != 0)
		return r;
	i = skip_ws(s, i);
	if (i == n || b[i] != ':')
		return unexpected(s, i, "':'");
	i++;
	goto value;

close:
	if ((r = close_container(s, i)) != 0)
		return r;
	i++;
next:
	/* Copy while the bytes are still in cache. */
	if (i - s->copy_from >= FLUSH_CHUNK)
		flush(s, i);
	if (s->nframes <= 1) {
		if (s->nframes == 0)
			goto end;
		if (s->sel == SEL_IN) {
			flush(s, i);
			s->sel_len = s->out_len;
			s->sel = SEL_DONE;
		}
	}
	i = skip_ws(s, i);
	f = &s->frames[s->nframes - 1];
	if (i < n && b[i] == ',') {
		i = skip_ws(s, i + 1);
		if (f->object)
			goto key;
		goto value;
	}
	if (i < n && b[i] == (f->object ? '}' : ']'))
		goto close;
	return unexpected(s, i, f->object ? "',' or '}'" : "',' or ']'");

end:
	flush(s, i);
	i = skip_ws(s, i);
	if (i == n)
		return 0;
	if ((r = ta__stream_lex_code(b, n, i, &eof)) != 0)
		return jerr(s, r, i, "%s", ta__stream_lex_why(r));
	return jerr(s, TA_ERR_TRAILING, i, "unexpected data after the end of the document");
}

/* ---- entry points --------------------------------------------------------- */

/* What Go's HTML-escaping compaction writes for the character at p (n > 0
 * bytes left), which is *ret_skip bytes long; NULL when it is kept. */
static const char *
html_esc(const uint8_t *p, size_t n, size_t *ret_skip)
{
	*ret_skip = 1;
	switch (p[0]) {
	case '<':
		return "\\u003c";
	case '>':
		return "\\u003e";
	case '&':
		return "\\u0026";
	case 0xe2:
		if (n < 3 || p[1] != 0x80 || (p[2] != 0xa8 && p[2] != 0xa9))
			return NULL;
		*ret_skip = 3;
		return p[2] == 0xa8 ? "\\u2028" : "\\u2029";
	default:
		return NULL;
	}
}

/* The HTML-escaped form of the canonical bytes p: <, >, & and U+2028,
 * U+2029 only occur inside strings there, so escaping them wherever they
 * are is what Go does to the strings. */
static int
html_escape(const uint8_t *p, size_t n, uint8_t **ret, size_t *ret_len)
{
	size_t extra = 0, w = 0, k;
	const char *e;
	uint8_t *q;

	for (size_t i = 0; i < n; i += k)
		if (html_esc(p + i, n - i, &k) != NULL)
			extra += 6 - k;
	if ((q = malloc(n + extra + 1)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < n; i += k) {
		if ((e = html_esc(p + i, n - i, &k)) != NULL) {
			memcpy(q + w, e, 6);
			w += 6;
		} else {
			q[w++] = p[i];
		}
	}
	q[w] = '\0';
	*ret = q;
	*ret_len = w;
	return 0;
}

static int
canon_stream(const uint8_t *buf, size_t len, enum ta_profile profile, const char *member, bool html,
    uint8_t **ret, size_t *ret_len, struct ta_json_error *err)
{
	struct st s = {.err_at = NONE, .deep_at = NONE};
	uint8_t *res = NULL;
	size_t res_len = 0;
	const uint8_t *nul;
	int r;

	if (ret == NULL || ret_len == NULL || (buf == NULL && len != 0) ||
	    !ta_profile_valid(profile)) {
		r = set_why(&s, TA_ERR_INVALID, NONE, "bad arguments");
		goto out;
	}
	if (len == 0) {
		r = set_why(&s, TA_ERR_TRUNCATED, NONE, "empty document");
		goto out;
	}
	if (len > TA_JSON_MAX) {
		r = set_why(&s, TA_ERR_TOO_LARGE, NONE,
		    "document of %zu bytes is over the limit of %zu", len, TA_JSON_MAX);
		goto out;
	}
	s.buf = buf;
	s.len = len;
	s.profile = profile;
	s.member = member;
	s.member_len = member != NULL ? strlen(member) : 0;
	if ((s.out = malloc(len + 1)) == NULL) {
		r = set_why(&s, TA_ERR_NOMEM, NONE, "out of memory");
		goto out;
	}
	s.out_cap = len + 1;
	big_output(s.out, len + 1);
	r = parse(&s);
	if (r == 0 && s.check != 0) {
		r = s.check;
		s.err_at = s.check_at;
		(void)snprintf(s.why, sizeof(s.why), "%s", s.check_why);
	}
	/* A NUL byte anywhere decides before anything else (json.c). */
	if (r != 0 && r != TA_ERR_NOMEM && (nul = memchr(buf, 0, len)) != NULL)
		r = nul_code(&s, (size_t)(nul - buf));
	if (r != 0)
		goto out;

	res_len = s.out_len;
	if (member != NULL) {
		if (!s.top_object) {
			r = set_why(&s, TA_ERR_FORMAT, NONE, "the document is not an object");
			goto out;
		}
		if (s.sel != SEL_DONE) {
			r = set_why(&s, TA_ERR_FORMAT, NONE, "no member \"%.64s\"", member);
			goto out;
		}
		res_len = s.sel_len;
	}
	if (html) {
		if ((r = html_escape(s.out, res_len, &res, &res_len)) != 0) {
			(void)set_why(&s, r, NONE, "out of memory");
			goto out;
		}
	} else {
		res = s.out;
		s.out = NULL;
		res[res_len] = '\0';
		if (res_len < len / 2) {
			uint8_t *small = realloc(res, res_len + 1);

			if (small != NULL)
				res = small;
		}
	}
	*ret = res;
	*ret_len = res_len;
out:
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = r;
		err->offset = r != 0 ? s.err_at : TA_JSON_NO_OFFSET;
		if (r != 0 && s.err_at != NONE)
			(void)snprintf(
			    err->text, sizeof(err->text), "byte %zu: %s", s.err_at, s.why);
		else if (r != 0)
			(void)snprintf(err->text, sizeof(err->text), "%s", s.why);
	}
	free(s.out);
	free(s.frames);
	free(s.mems);
	free(s.arena);
	free(s.sk);
	free(s.tmp);
	return r;
}

int
ta_canon_stream(const uint8_t *buf, size_t len, enum ta_profile profile, const char *member,
    uint8_t **ret, size_t *ret_len, struct ta_json_error *err)
{
	return canon_stream(buf, len, profile, member, false, ret, ret_len, err);
}

int
ta_canon_stream_html(const uint8_t *buf, size_t len, const char *member, uint8_t **ret,
    size_t *ret_len, struct ta_json_error *err)
{
	return canon_stream(buf, len, TA_PROFILE_NOTARY, member, true, ret, ret_len, err);
}
