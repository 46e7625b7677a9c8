#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

#define BUF_ALLOC_MIN 256
#define BUF_KEEP ((size_t)64 << 10) /* reset keeps storage up to this size */

/* Live bytes are cd[off..size).  d is NULL for a read-only buffer, and for
 * an owned one until its first write. */
struct ta_buf {
	uint8_t *d;
	const uint8_t *cd;
	size_t off;
	size_t size;
	size_t alloc;
	size_t max;
	/* Every byte of d at or past dirty is zero (so that reset wipes only
	 * what was written, and reserve clears only what may not be zero):
	 * growth callocs, and what is written or claimed raises it. */
	size_t dirty;
	size_t claimed_dirty; /* dirty before buf_room()'s last claim */
	bool readonly;
};

/* What ta_buf_ptr() returns when there is no storage: never NULL. */
static const uint8_t buf_empty[1];

struct ta_buf *
ta_buf_new(size_t max)
{
	struct ta_buf *b;

	if (max == 0 || max > TA_BUF_MAX)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

struct ta_buf *
ta_buf_from_const(const void *p, size_t len)
{
	struct ta_buf *b;

	if (len > TA_BUF_MAX || (p == NULL && len != 0))
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cd = p;
	b->size = len;
	b->alloc = len;
	b->max = len;
	b->readonly = true;
	return b;
}

static void
buf_release(struct ta_buf *b)
{
	if (b->d != NULL) {
		explicit_bzero(b->d, b->alloc);
		free(b->d);
	}
	b->d = NULL;
	b->cd = NULL;
	b->off = b->size = b->alloc = b->dirty = 0;
}

void
ta_buf_free(struct ta_buf *b)
{
	if (b == NULL)
		return;
	if (!b->readonly)
		buf_release(b);
	free(b);
}

void
ta_buf_reset(struct ta_buf *b)
{
	if (b->readonly) {
		b->off = b->size;
		return;
	}
	if (b->alloc > BUF_KEEP) {
		buf_release(b);
		return;
	}
	/* All that was ever written: stale bytes may lie past size (see
	 * ta_buf_consume); past dirty there are none. */
	if (b->d != NULL)
		explicit_bzero(b->d, b->dirty);
	b->off = b->size = b->dirty = 0;
}

size_t
ta_buf_len(const struct ta_buf *b)
{
	return b->size - b->off;
}

size_t
ta_buf_max(const struct ta_buf *b)
{
	return b->max;
}

size_t
ta_buf_avail(const struct ta_buf *b)
{
	if (b->readonly)
		return 0;
	return b->max - ta_buf_len(b);
}

const uint8_t *
ta_buf_ptr(const struct ta_buf *b)
{
	if (b->cd == NULL)
		return buf_empty;
	return b->cd + b->off;
}

int
ta_buf_consume(struct ta_buf *b, size_t n)
{
	if (n > ta_buf_len(b))
		return TA_ERR_TRUNCATED;
	b->off += n;
	/* Rewind an emptied buffer, but do not wipe: a pointer from
	 * ta_buf_get_bytes_direct() must stay valid until the next write. */
	if (b->off == b->size && !b->readonly)
		b->off = b->size = 0;
	return 0;
}

int
ta_buf_consume_end(struct ta_buf *b, size_t n)
{
	if (n > ta_buf_len(b))
		return TA_ERR_TRUNCATED;
	if (n == 0)
		return 0;
	b->size -= n;
	if (!b->readonly) {
		explicit_bzero(b->d + b->size, n);
		if (b->dirty == b->size + n) /* the written end is zero again */
			b->dirty = b->size;
		if (b->off == b->size)
			b->off = b->size = 0;
	}
	return 0;
}

/* Moves the live bytes to a new allocation big enough for need bytes. Never
 * realloc(): the old copy is wiped before it is freed. */
static int
buf_grow(struct ta_buf *b, size_t need)
{
	size_t len = ta_buf_len(b);
	size_t want = b->alloc < BUF_ALLOC_MIN ? BUF_ALLOC_MIN : b->alloc;
	uint8_t *d;

	/* need <= max <= TA_BUF_MAX, so doubling cannot overflow. */
	while (want < need)
		want *= 2;
	if (want > b->max)
		want = b->max;
	if ((d = calloc(1, want)) == NULL)
		return TA_ERR_NOMEM;
	if (len > 0)
		memcpy(d, b->d + b->off, len);
	buf_release(b);
	b->d = d;
	b->cd = d;
	b->alloc = want;
	b->size = len;
	b->dirty = len;
	return 0;
}

/* Makes room for n (>= 1) more bytes at the end and claims them. */
static int
buf_room(struct ta_buf *b, size_t n, uint8_t **ret_p)
{
	size_t len = ta_buf_len(b);
	int r;

	if (b->readonly)
		return TA_ERR_INVALID;
	if (n > b->max - len)
		return TA_ERR_TOO_LARGE;
	if (n > b->alloc - b->size) {
		if (n <= b->alloc - len) {
			memmove(b->d, b->d + b->off, len);
			explicit_bzero(b->d + len, b->size - len);
			if (b->dirty == b->size)
				b->dirty = len;
			b->off = 0;
			b->size = len;
		} else if ((r = buf_grow(b, len + n)) != 0) {
			return r;
		}
	}
	*ret_p = b->d + b->size;
	b->size += n;
	/* The caller writes the n bytes (or, for reserve, clears them first). */
	b->claimed_dirty = b->dirty;
	if (b->dirty < b->size)
		b->dirty = b->size;
	return 0;
}

int
ta_buf_reserve(struct ta_buf *b, size_t n, uint8_t **ret_p)
{
	size_t start;
	uint8_t *p;
	int r;

	if (n == 0)
		return TA_ERR_INVALID;
	if ((r = buf_room(b, n, &p)) != 0)
		return r;
	/* Only what may not be zero yet (past the old dirty mark it is). */
	start = b->size - n;
	if (b->claimed_dirty > start)
		memset(p, 0, b->claimed_dirty - start < n ? b->claimed_dirty - start : n);
	*ret_p = p;
	return 0;
}

int
ta_buf_put(struct ta_buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int r;

	if (b->readonly)
		return TA_ERR_INVALID;
	if (n == 0)
		return 0;
	if ((r = buf_room(b, n, &dst)) != 0)
		return r;
	memcpy(dst, p, n);
	return 0;
}

int
ta_buf_put_u8(struct ta_buf *b, uint8_t v)
{
	return ta_buf_put(b, &v, 1);
}

int
ta_buf_put_u16(struct ta_buf *b, uint16_t v)
{
	uint8_t be[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return ta_buf_put(b, be, sizeof(be));
}

int
ta_buf_put_u32(struct ta_buf *b, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return ta_buf_put(b, be, sizeof(be));
}

int
ta_buf_put_cstring(struct ta_buf *b, const char *s)
{
	size_t n = strlen(s);
	uint8_t *dst;
	int r;

	if (n > UINT32_MAX || n > SIZE_MAX - 4)
		return TA_ERR_TOO_LARGE;
	/* One claim for length and bytes, so a failure appends nothing. */
	if ((r = buf_room(b, 4 + n, &dst)) != 0)
		return r;
	dst[0] = (uint8_t)(n >> 24);
	dst[1] = (uint8_t)(n >> 16);
	dst[2] = (uint8_t)(n >> 8);
	dst[3] = (uint8_t)n;
	memcpy(dst + 4, s, n);
	return 0;
}

int
ta_buf_putf(struct ta_buf *b, const char *fmt, ...)
{
	char *s = NULL;
	size_t n = 0;
	va_list ap;
	int len, r;

	if (b->readonly) {
		r = TA_ERR_INVALID;
		goto out;
	}
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0) {
		r = TA_ERR_INVALID;
		goto out;
	}
	n = (size_t)len;
	if (n > ta_buf_avail(b)) {
		r = TA_ERR_TOO_LARGE;
		goto out;
	}
	if ((s = malloc(n + 1)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	va_start(ap, fmt);
	len = vsnprintf(s, n + 1, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len != n) {
		r = TA_ERR_INVALID;
		goto out;
	}
	r = ta_buf_put(b, s, n);
out:
	if (s != NULL) {
		explicit_bzero(s, n + 1);
		free(s);
	}
	return r;
}

int
ta_buf_peek_u32(const struct ta_buf *b, uint32_t *ret_v)
{
	const uint8_t *p;

	if (ta_buf_len(b) < 4)
		return TA_ERR_TRUNCATED;
	p = b->cd + b->off;
	*ret_v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
ta_buf_get_u8(struct ta_buf *b, uint8_t *ret_v)
{
	if (ta_buf_len(b) < 1)
		return TA_ERR_TRUNCATED;
	*ret_v = b->cd[b->off];
	return ta_buf_consume(b, 1);
}

int
ta_buf_get_u16(struct ta_buf *b, uint16_t *ret_v)
{
	const uint8_t *p;

	if (ta_buf_len(b) < 2)
		return TA_ERR_TRUNCATED;
	p = b->cd + b->off;
	*ret_v = (uint16_t)(p[0] << 8 | p[1]);
	return ta_buf_consume(b, 2);
}

int
ta_buf_get_u32(struct ta_buf *b, uint32_t *ret_v)
{
	int r;

	if ((r = ta_buf_peek_u32(b, ret_v)) != 0)
		return r;
	return ta_buf_consume(b, 4);
}

int
ta_buf_get_bytes(struct ta_buf *b, size_t n, void *ret_data)
{
	if (n > ta_buf_len(b))
		return TA_ERR_TRUNCATED;
	if (n > 0 && ret_data != NULL)
		memcpy(ret_data, b->cd + b->off, n);
	return ta_buf_consume(b, n);
}

int
ta_buf_get_bytes_direct(struct ta_buf *b, size_t n, const uint8_t **ret_p)
{
	const uint8_t *p = ta_buf_ptr(b);

	if (n > ta_buf_len(b))
		return TA_ERR_TRUNCATED;
	if (ret_p != NULL)
		*ret_p = p;
	return ta_buf_consume(b, n);
}

int
ta_buf_get_cstring(struct ta_buf *b, size_t max, char **ret_s, size_t *ret_len)
{
	const uint8_t *p;
	uint32_t n;
	char *s;
	int r;

	if ((r = ta_buf_peek_u32(b, &n)) != 0)
		return r;
	if (n > max)
		return TA_ERR_TOO_LARGE;
	if (n > ta_buf_len(b) - 4)
		return TA_ERR_TRUNCATED;
	p = b->cd + b->off + 4;
	if (memchr(p, '\0', n) != NULL)
		return TA_ERR_INVALID;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return TA_ERR_NOMEM;
	memcpy(s, p, n);
	s[n] = '\0';
	/* Cannot fail: 4 + n bytes are there. */
	if ((r = ta_buf_consume(b, 4 + (size_t)n)) != 0) {
		free(s);
		return r;
	}
	*ret_s = s;
	if (ret_len != NULL)
		*ret_len = n;
	return 0;
}
