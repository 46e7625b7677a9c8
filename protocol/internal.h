/* Shared inside protocol/ only (ta__proto_*). */
#ifndef TA_PROTO_INTERNAL_H
#define TA_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "protocol/proto.h"

struct ta_buf;

/* jansson's iterators and setters take non-const trees; nothing here writes
 * through the result except where a comment says so. */
static inline json_t *
ta__proto_unconst(const json_t *v)
{
	union {
		const json_t *c;
		json_t *m;
	} u = {.c = v};
	return u.m;
}

/* Parses len bytes at json as one JSON value of any type: duplicate keys,
 * NUL (raw or \u0000) and invalid UTF-8 refused, trailing bytes refused.
 * On failure sets *ret_code (TA_PROTO_E_PARSE, or _INTERNAL for NOMEM) and
 * writes a reason to why (cap bytes, never quoting the input) and returns
 * TA_ERR_INVALID, _TRUNCATED, _TRAILING, _TOO_LARGE or _NOMEM. */
int ta__proto_parse(const uint8_t *json, size_t len, json_t **ret_v, int *ret_code, char *why,
    size_t cap) TA_PROTO_WUR;

/* Checks the value v found inside a container at nesting level parent (the
 * message object is level 1): containers at most TA_PROTO_MAX_DEPTH deep,
 * no reals, integers within +-2^53.  On failure sets *ret_why to a static
 * reason and returns TA_ERR_TOO_LARGE or TA_ERR_INVALID. */
int ta__proto_check_tree(const json_t *v, size_t parent, const char **ret_why) TA_PROTO_WUR;

/* len bytes at s are well-formed UTF-8 (RFC 3629). */
bool ta__proto_utf8_ok(const uint8_t *s, size_t len);

/* Valid UTF-8 with no control character (C0, DEL, C1) and no NUL. */
bool ta__proto_text_ok(const char *s, size_t len);

/* Whether a sign result may be encoded: ta_proto_sign_result_json()'s
 * checks, which ta_proto_encode_sign_result() shares (result.c). */
struct ta_proto_sign_result;
bool ta__proto_sign_result_ok(const struct ta_proto_sign_result *res);

/* Copies s into dst (cap >= 1 bytes, NUL-terminated), each control
 * character and each byte that does not start a valid UTF-8 sequence as
 * '?', stopping before a character that does not fit. */
void ta__proto_sanitize(char *dst, size_t cap, const char *s);

/* 64 lowercase hex digits followed by the end of the string. */
bool ta__proto_hex64_ok(const char *s, size_t len);

/* Reads an id value (not NULL): 0 and *ret_id, or TA_ERR_INVALID /
 * TA_ERR_TOO_LARGE with *ret_why. */
int ta__proto_id_read(
    const json_t *v, struct ta_proto_id *ret_id, const char **ret_why) TA_PROTO_WUR;

/* A new JSON value for an id (null for NULL or kind NULL); NULL on OOM or a
 * bad id. */
json_t *ta__proto_id_json(const struct ta_proto_id *id);

/* The object o has only members named in names (NULL-terminated). */
bool ta__proto_only_members(const json_t *o, const char *const *names);

/* o[key] = v (a new reference, NULL after an OOM); false on failure (v
 * freed, also when o is NULL). */
static inline bool
ta__proto_put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0;
}

/* The end of an encoder: *ret = o and 0, or (ok false) o freed and
 * TA_ERR_NOMEM. */
static inline int
ta__proto_done(json_t *o, bool ok, json_t **ret)
{
	if (!ok) {
		json_decref(o);
		return TA_ERR_NOMEM;
	}
	*ret = o;
	return 0;
}

/* The list codec.  ta__proto_array(): a new array of n elements, element
 * i made by item() (0, or TA_ERR_NOMEM or its own error, which is
 * returned).  ta__proto_get_array(): a JSON array of at most max elements
 * into a calloc()ed C array of size-byte elements (one more than it has,
 * so never NULL), element i read by item() into dst; TA_ERR_PROTOCOL when
 * arr is not such an array or item() refuses an element, TA_ERR_NOMEM. */
int ta__proto_array(size_t n, int (*item)(const void *ctx, size_t i, json_t **ret), const void *ctx,
    json_t **ret) TA_PROTO_WUR;
int ta__proto_get_array(const json_t *arr, size_t max, size_t size,
    bool (*item)(const json_t *v, void *dst), void **ret, size_t *ret_n) TA_PROTO_WUR;

/* Reserves a frame of n payload bytes at the end of out and writes its
 * length prefix; *ret_p points at the prefix, the payload goes at
 * *ret_p + TA_PROTO_FRAME_HDR.  TA_ERR_TOO_LARGE if n is over
 * TA_PROTO_MAX_FRAME or out has no room for it, TA_ERR_NOMEM.  Nothing is
 * reserved on failure. */
int ta__proto_frame_reserve(struct ta_buf *out, size_t n, uint8_t **ret_p) TA_PROTO_WUR;

/* Appends msg to out as one frame (compact JSON).  Nothing is appended on
 * failure: TA_ERR_TOO_LARGE, TA_ERR_INVALID (jansson cannot encode it),
 * TA_ERR_NOMEM. */
int ta__proto_put_frame(struct ta_buf *out, const json_t *msg) TA_PROTO_WUR;

#endif
