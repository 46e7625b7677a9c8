/* Frames, the hardened JSON reader and writer, ids and text rules: what
 * requests and responses share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/secret.h"
#include "common/utf8.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

/* ---- process set-up ------------------------------------------------------ */

void
ta_proto_init(void)
{
	json_set_alloc_funcs(malloc, ta_free_wiping);
}

/* ---- frames -------------------------------------------------------------- */

int
ta_proto_frame_check(const uint8_t *p, size_t len, size_t max, size_t *ret_len)
{
	uint32_t n;

	if (max == 0 || max > TA_PROTO_MAX_FRAME || (p == NULL && len > 0) || ret_len == NULL)
		return TA_ERR_INVALID;
	if (len < TA_PROTO_FRAME_HDR)
		return TA_ERR_TRUNCATED;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (n == 0)
		return TA_ERR_PROTOCOL;
	if (n > max)
		return TA_ERR_TOO_LARGE;
	if (len - TA_PROTO_FRAME_HDR < n)
		return TA_ERR_TRUNCATED;
	*ret_len = n;
	return 0;
}

int
ta_proto_frame_take(struct ta_buf *in, size_t max, const uint8_t **ret_json, size_t *ret_len)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	int r;

	if (in == NULL || ret_json == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if ((r = ta_proto_frame_check(ta_buf_ptr(in), ta_buf_len(in), max, &n)) != 0)
		return r;
	/* Cannot fail: the whole frame is there. */
	if (ta_buf_consume(in, TA_PROTO_FRAME_HDR) != 0 || ta_buf_get_bytes_direct(in, n, &p) != 0)
		return TA_ERR_INTERNAL;
	*ret_json = p;
	*ret_len = n;
	return 0;
}

/* ---- JSON in --------------------------------------------------------------- */

int
ta__proto_parse(
    const uint8_t *json, size_t len, json_t **ret_v, int *ret_code, char *why, size_t cap)
{
	const uint8_t *nul;
	json_error_t e;
	json_t *v;
	const char *what;
	int r, pos;

	if (len == 0) {
		*ret_code = TA_PROTO_E_PARSE;
		snprintf(why, cap, "empty message");
		return TA_ERR_TRUNCATED;
	}
	if (len > TA_PROTO_MAX_FRAME) {
		*ret_code = TA_PROTO_E_INVALID_REQUEST;
		snprintf(why, cap, "message longer than %zu bytes", TA_PROTO_MAX_FRAME);
		return TA_ERR_TOO_LARGE;
	}
	/* jansson takes a raw NUL outside a string for the end of the text. */
	if ((nul = memchr(json, '\0', len)) != NULL) {
		*ret_code = TA_PROTO_E_PARSE;
		snprintf(why, cap, "NUL byte at byte %zu", (size_t)(nul - json));
		return TA_ERR_INVALID;
	}
	v = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (v != NULL) {
		*ret_v = v;
		return 0;
	}
	/* jansson's own text quotes the input (a PIN, perhaps): use the code. */
	*ret_code = TA_PROTO_E_PARSE;
	r = TA_ERR_INVALID;
	switch (json_error_code(&e)) {
	case json_error_out_of_memory:
		*ret_code = TA_PROTO_E_INTERNAL;
		r = TA_ERR_NOMEM;
		what = "out of memory";
		break;
	case json_error_invalid_utf8:
		what = "invalid UTF-8";
		break;
	case json_error_premature_end_of_input:
		r = TA_ERR_TRUNCATED;
		what = "the JSON text ends early";
		break;
	case json_error_end_of_input_expected:
		r = TA_ERR_TRAILING;
		what = "bytes after the JSON value";
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		what = "\\u0000 in a string";
		break;
	case json_error_duplicate_key:
		what = "duplicate object key";
		break;
	case json_error_numeric_overflow:
		r = TA_ERR_TOO_LARGE;
		what = "number too large";
		break;
	case json_error_stack_overflow:
		r = TA_ERR_TOO_LARGE;
		what = "nested too deeply";
		break;
	default:
		what = "JSON syntax error";
		break;
	}
	pos = e.position;
	explicit_bzero(&e, sizeof(e));
	snprintf(why, cap, "%s near byte %d", what, pos);
	return r;
}

int
ta__proto_check_tree(const json_t *v, size_t parent, const char **ret_why)
{
	json_int_t n;
	const char *k;
	json_t *m;
	size_t i;
	int r;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (parent + 1 > TA_PROTO_MAX_DEPTH)
			goto deep;
		json_object_foreach(ta__proto_unconst(v), k,
		    m) if ((r = ta__proto_check_tree(m, parent + 1, ret_why)) != 0) return r;
		return 0;
	case JSON_ARRAY:
		if (parent + 1 > TA_PROTO_MAX_DEPTH)
			goto deep;
		json_array_foreach(
		    v, i, m) if ((r = ta__proto_check_tree(m, parent + 1, ret_why)) != 0) return r;
		return 0;
	case JSON_REAL:
		*ret_why = "a number with a fraction or an exponent; only integers are allowed";
		return TA_ERR_INVALID;
	case JSON_INTEGER:
		n = json_integer_value(v);
		if (n > TA_PROTO_INT_LIMIT || n < -TA_PROTO_INT_LIMIT) {
			*ret_why = "an integer beyond +-2^53";
			return TA_ERR_TOO_LARGE;
		}
		return 0;
	default:
		return 0;
	}
deep:
	*ret_why = "nested deeper than 16 levels";
	return TA_ERR_TOO_LARGE;
}

/* ---- text ------------------------------------------------------------------ */

/* The sequence of k bytes at s is a C0 or C1 control character or DEL. */
static bool
is_control(const uint8_t *s, size_t k)
{
	return (k == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (k == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

bool
ta__proto_utf8_ok(const uint8_t *s, size_t len)
{
	return ta_utf8_valid(s, len, NULL);
}

bool
ta__proto_text_ok(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i, k;

	for (i = 0; i < len; i += k)
		if ((k = ta_utf8_seq(u + i, len - i)) == 0 || is_control(u + i, k))
			return false;
	return true;
}

void
ta__proto_sanitize(char *dst, size_t cap, const char *s)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	while (i < n) {
		k = ta_utf8_seq(u + i, n - i);
		if (k == 0 || is_control(u + i, k)) {
			if (o + 1 > cap - 1)
				break;
			dst[o++] = '?';
			i += k != 0 ? k : 1;
			continue;
		}
		if (o + k > cap - 1)
			break;
		memcpy(dst + o, u + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
}

bool
ta__proto_hex64_ok(const char *s, size_t len)
{
	if (len != TA_PROTO_KEYID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- ids ------------------------------------------------------------------- */

int
ta__proto_id_read(const json_t *v, struct ta_proto_id *ret_id, const char **ret_why)
{
	struct ta_proto_id id = {.kind = TA_PROTO_ID_NULL};
	json_int_t n;
	size_t len;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n > TA_PROTO_INT_LIMIT || n < -TA_PROTO_INT_LIMIT) {
			*ret_why = "id: an integer beyond +-2^53";
			return TA_ERR_TOO_LARGE;
		}
		id.kind = TA_PROTO_ID_INT;
		id.num = n;
	} else if (json_is_string(v)) {
		len = json_string_length(v);
		if (len == 0) {
			*ret_why = "id: an empty string";
			return TA_ERR_INVALID;
		}
		if (len > TA_PROTO_ID_MAX) {
			*ret_why = "id: a string longer than 64 bytes";
			return TA_ERR_TOO_LARGE;
		}
		if (!ta__proto_text_ok(json_string_value(v), len)) {
			*ret_why = "id: a control character";
			return TA_ERR_INVALID;
		}
		id.kind = TA_PROTO_ID_STR;
		id.len = len;
		memcpy(id.str, json_string_value(v), len);
	} else {
		*ret_why = "id: must be an integer or a string";
		return TA_ERR_INVALID;
	}
	*ret_id = id;
	return 0;
}

json_t *
ta__proto_id_json(const struct ta_proto_id *id)
{
	if (id == NULL || id->kind == TA_PROTO_ID_NULL)
		return json_null();
	if (id->kind == TA_PROTO_ID_INT) {
		if (id->num > TA_PROTO_INT_LIMIT || id->num < -TA_PROTO_INT_LIMIT)
			return NULL;
		return json_integer(id->num);
	}
	if (id->kind != TA_PROTO_ID_STR || id->len == 0 || id->len > TA_PROTO_ID_MAX ||
	    !ta__proto_text_ok(id->str, id->len))
		return NULL;
	return json_stringn(id->str, id->len);
}

int
ta_proto_id_int(int64_t num, struct ta_proto_id *ret_id)
{
	if (ret_id == NULL || num > TA_PROTO_INT_LIMIT || num < -TA_PROTO_INT_LIMIT)
		return TA_ERR_INVALID;
	memset(ret_id, 0, sizeof(*ret_id));
	ret_id->kind = TA_PROTO_ID_INT;
	ret_id->num = num;
	return 0;
}

int
ta_proto_id_str(const char *s, struct ta_proto_id *ret_id)
{
	size_t len;

	if (ret_id == NULL || s == NULL)
		return TA_ERR_INVALID;
	len = strnlen(s, TA_PROTO_ID_MAX + 1);
	if (len == 0 || len > TA_PROTO_ID_MAX || !ta__proto_text_ok(s, len))
		return TA_ERR_INVALID;
	memset(ret_id, 0, sizeof(*ret_id));
	ret_id->kind = TA_PROTO_ID_STR;
	ret_id->len = len;
	memcpy(ret_id->str, s, len);
	return 0;
}

bool
ta_proto_id_equal(const struct ta_proto_id *a, const struct ta_proto_id *b)
{
	if (a == NULL || b == NULL || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TA_PROTO_ID_INT:
		return a->num == b->num;
	case TA_PROTO_ID_STR:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	default:
		return true;
	}
}

/* ---- JSON out -------------------------------------------------------------- */

int
ta__proto_frame_reserve(struct ta_buf *out, size_t n, uint8_t **ret_p)
{
	uint8_t *p = NULL;
	int r;

	if (n > TA_PROTO_MAX_FRAME || ta_buf_avail(out) < TA_PROTO_FRAME_HDR ||
	    n > ta_buf_avail(out) - TA_PROTO_FRAME_HDR)
		return TA_ERR_TOO_LARGE;
	if ((r = ta_buf_reserve(out, TA_PROTO_FRAME_HDR + n, &p)) != 0)
		return r;
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	*ret_p = p;
	return 0;
}

int
ta__proto_put_frame(struct ta_buf *out, const json_t *msg)
{
	uint8_t *p = NULL;
	size_t n, m;
	int r;

	/* Sized first, then written in place: no copy of the message (a PIN in
	 * a client's unlock request) outside out. */
	if ((n = json_dumpb(msg, NULL, 0, JSON_COMPACT)) == 0)
		return TA_ERR_INVALID;
	if ((r = ta__proto_frame_reserve(out, n, &p)) != 0)
		return r;
	m = json_dumpb(msg, (char *)p + TA_PROTO_FRAME_HDR, n, JSON_COMPACT);
	if (m != n) {
		ta_wipe(p, TA_PROTO_FRAME_HDR + n);
		r = ta_buf_consume_end(out, TA_PROTO_FRAME_HDR + n);
		(void)r; /* cannot fail: those bytes were just reserved */
		return TA_ERR_INTERNAL;
	}
	return 0;
}
