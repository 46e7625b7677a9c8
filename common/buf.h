/* A bounded byte buffer: the one reader and writer for untrusted bytes.
 *
 * struct ta_buf is opaque: its invariants (read offset <= end <= allocation,
 * live bytes <= max) hold only if nobody else touches the fields.  A buffer
 * is a FIFO: writers append at the end, readers take from the front.
 *
 * Limits.  Every buffer has a hard maximum, set at creation, on the number of
 * bytes it holds (written and not yet read); no buffer may exceed TA_BUF_MAX.
 * A write that would pass the maximum fails with TA_ERR_TOO_LARGE.
 *
 * Errors.  Fallible calls return 0 or a negative TA_ERR_* (common/err.h):
 *	TA_ERR_TRUNCATED  a read, peek or consume wants more bytes than are left
 *	TA_ERR_TOO_LARGE  a write passes the maximum, or a string is over its limit
 *	TA_ERR_INVALID    a write to a read-only buffer, or a malformed string
 *	TA_ERR_NOMEM      allocation failed
 * A call that fails changes nothing: nothing is consumed or appended, and its
 * ret_* parameters are not written.  Output parameters are written only on
 * success.
 *
 * Integers on the wire are big-endian.  A "cstring" on the wire is a u32
 * length followed by that many bytes, none of them NUL, and no terminator
 * (the shape of a protocol frame).
 *
 * Pointers into a buffer (ta_buf_ptr, ta_buf_get_bytes_direct,
 * ta_buf_reserve) stay valid until the next write, reserve, reset or free of
 * that buffer.  Reads and consumes do not move data.
 *
 * Wiping.  Storage is wiped before it is released or reused: by ta_buf_free,
 * ta_buf_reset, growth (the old copy) and compaction (the vacated tail).
 * Consumed bytes are not wiped at once; call ta_buf_reset when a buffer that
 * held a secret is done with.
 *
 * Not thread-safe: one buffer, one thread at a time.
 *
 * Usage, taking one frame off a connection's input buffer:
 *	r = ta_buf_get_cstring(in, max_frame, &json, &json_len);
 *	if (r == TA_ERR_TRUNCATED)
 *		return 0;                 (nothing consumed: wait for more bytes)
 *	if (r != 0)
 *		goto out;                 (over max_frame, or a NUL: drop the peer)
 */
#ifndef TA_BUF_H
#define TA_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Room for a 64 MiB frame, its 4-byte length and some slack. */
#define TA_BUF_MAX (((size_t)64 << 20) + 4096)

#define TA_BUF_WUR __attribute__((warn_unused_result))

struct ta_buf;

/* A new empty, writable buffer that will never hold more than max bytes
 * (1..TA_BUF_MAX).  Memory is allocated as it is written, not up front.
 * NULL on a bad max or when out of memory.  Free with ta_buf_free(). */
struct ta_buf *ta_buf_new(size_t max);

/* A read-only buffer over len bytes at p (len <= TA_BUF_MAX; p may be NULL
 * only when len is 0).  The bytes are borrowed, not copied: they must outlive
 * the buffer, and they are never written or wiped.  Writes fail with
 * TA_ERR_INVALID.  NULL on bad arguments or when out of memory.  Free the
 * buffer (not the bytes) with ta_buf_free(). */
struct ta_buf *ta_buf_from_const(const void *p, size_t len);

/* Wipes the storage of a buffer that owns it, then frees the buffer.
 * NULL is a no-op. */
void ta_buf_free(struct ta_buf *b);

/* Discards all data.  An owned buffer is wiped and stays writable with the
 * same max; a read-only buffer becomes empty (it does not rewind). */
void ta_buf_reset(struct ta_buf *b);

/* Bytes available to read. */
size_t ta_buf_len(const struct ta_buf *b);

/* The maximum given at creation (len for a read-only buffer). */
size_t ta_buf_max(const struct ta_buf *b);

/* Bytes that can still be written before the maximum (0 when read-only). */
size_t ta_buf_avail(const struct ta_buf *b);

/* The first unread byte; ta_buf_len() bytes may be read there.  Never NULL.
 * Borrowed: the caller does not free it.  See "Pointers" above. */
const uint8_t *ta_buf_ptr(const struct ta_buf *b);

/* Drops n bytes from the front, or (consume_end) the end.
 * TA_ERR_TRUNCATED when fewer than n are left. */
int ta_buf_consume(struct ta_buf *b, size_t n) TA_BUF_WUR;
int ta_buf_consume_end(struct ta_buf *b, size_t n) TA_BUF_WUR;

/* Appends n (>= 1) zero bytes and points *ret_p at them, to be filled in
 * place.  Borrowed; see "Pointers" above.  Pairs with ta_buf_consume_end()
 * to give back what was not filled. */
int ta_buf_reserve(struct ta_buf *b, size_t n, uint8_t **ret_p) TA_BUF_WUR;

/* Appends n bytes from p (p may be NULL when n is 0; p must not point into b). */
int ta_buf_put(struct ta_buf *b, const void *p, size_t n) TA_BUF_WUR;

int ta_buf_put_u8(struct ta_buf *b, uint8_t v) TA_BUF_WUR;
int ta_buf_put_u16(struct ta_buf *b, uint16_t v) TA_BUF_WUR;
int ta_buf_put_u32(struct ta_buf *b, uint32_t v) TA_BUF_WUR;

/* Appends strlen(s) as a u32, then the bytes of s without its NUL. */
int ta_buf_put_cstring(struct ta_buf *b, const char *s) TA_BUF_WUR;

/* Appends printf-formatted text, without a NUL.  TA_ERR_INVALID when the
 * format cannot be expanded. */
int ta_buf_putf(struct ta_buf *b, const char *fmt, ...) TA_BUF_WUR
    __attribute__((format(printf, 2, 3)));

int ta_buf_get_u8(struct ta_buf *b, uint8_t *ret_v) TA_BUF_WUR;
int ta_buf_get_u16(struct ta_buf *b, uint16_t *ret_v) TA_BUF_WUR;
int ta_buf_get_u32(struct ta_buf *b, uint32_t *ret_v) TA_BUF_WUR;

/* Reads a u32 without consuming it. */
int ta_buf_peek_u32(const struct ta_buf *b, uint32_t *ret_v) TA_BUF_WUR;

/* Copies n bytes into ret_data, which has room for n; NULL discards them. */
int ta_buf_get_bytes(struct ta_buf *b, size_t n, void *ret_data) TA_BUF_WUR;

/* Consumes n bytes and points *ret_p (may be NULL) at them in the buffer.
 * Borrowed: the caller does not free it; see "Pointers" above. */
int ta_buf_get_bytes_direct(struct ta_buf *b, size_t n, const uint8_t **ret_p) TA_BUF_WUR;

/* Reads a cstring of at most max bytes into a new NUL-terminated string.
 * TA_ERR_TOO_LARGE when its length is over max (decided from the length
 * alone, before the bytes arrive), TA_ERR_TRUNCATED when the bytes are not
 * all there, TA_ERR_INVALID when they contain a NUL.  The caller frees
 * *ret_s with free(), or ta_wipe_free() if it is secret.  ret_len (may be
 * NULL) receives strlen(*ret_s). */
int ta_buf_get_cstring(struct ta_buf *b, size_t max, char **ret_s, size_t *ret_len) TA_BUF_WUR;

#endif
