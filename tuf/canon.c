#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/encoding.h"
#include "tuf/json.h"
#include "tuf/stream.h"

/* A growing output buffer with a sticky error, so that the writers can
 * append many pieces and check once (p11-kit's p11_buffer). */
struct out {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err;
};

static void
out_put(struct out *o, const void *p, size_t n)
{
	if (o->err != 0)
		return;
	if (n > TA_CANON_MAX - o->len) {
		o->err = TA_ERR_TOO_LARGE;
		return;
	}
	if (n + 1 > o->cap - o->len) {
		/* Room for the terminating NUL too. */
		size_t cap = o->cap != 0 ? o->cap : 1024;
		uint8_t *np;

		while (n + 1 > cap - o->len)
			cap = cap > (TA_CANON_MAX + 1) / 2 ? TA_CANON_MAX + 1 : cap * 2;
		if ((np = realloc(o->p, cap)) == NULL) {
			o->err = TA_ERR_NOMEM;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void
out_putc(struct out *o, char c)
{
	out_put(o, &c, 1);
}

static void
out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Hands the bytes over, NUL-terminated, or frees them on error. */
static int
out_finish(struct out *o, uint8_t **ret, size_t *ret_len)
{
	int r = o->err;

	if (r == 0 && o->p == NULL)
		r = TA_ERR_INTERNAL;
	if (r != 0) {
		free(o->p);
		return r;
	}
	o->p[o->len] = '\0';
	*ret = o->p;
	*ret_len = o->len;
	return 0;
}

/* ---- canonical writer ------------------------------------------------------ */

struct member {
	const char *key;
	size_t key_len;
	json_t *value;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* html: also escape <, >, & and U+2028, U+2029 as Go's compact(escape=true)
 * does; only for the notary file. */
static void
put_string(struct out *o, const uint8_t *s, size_t n, bool html)
{
	size_t start = 0, i = 0;

	out_putc(o, '"');
	while (i < n) {
		uint8_t c = s[i];
		char esc[8];
		size_t skip;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
			skip = 1;
		} else if (html && (c == '<' || c == '>' || c == '&')) {
			snprintf(esc, sizeof(esc), "\\u00%02x", c);
			skip = 1;
		} else if (html && c == 0xe2 && n - i >= 3 && s[i + 1] == 0x80 &&
			   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			snprintf(esc, sizeof(esc), "\\u202%c", s[i + 2] == 0xa8 ? '8' : '9');
			skip = 3;
		} else {
			i++;
			continue;
		}
		out_put(o, s + start, i - start);
		out_puts(o, esc);
		i += skip;
		start = i;
	}
	out_put(o, s + start, n - start);
	out_putc(o, '"');
}

/* depth: containers around v.  v has passed ta_json_check(), so this never
 * recurses deeper than TA_JSON_MAX_DEPTH. */
static void
put_value(struct out *o, const json_t *v, bool html, size_t depth)
{
	char num[32];

	if (o->err != 0)
		return;
	if (v == NULL || ((json_is_object(v) || json_is_array(v)) && depth >= TA_JSON_MAX_DEPTH)) {
		o->err = TA_ERR_INTERNAL;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		json_t *m = ta_json_unconst(v);
		size_t n = json_object_size(v), i = 0;
		struct member *mem;

		if (n == 0) {
			out_puts(o, "{}");
			break;
		}
		if ((mem = calloc(n, sizeof(*mem))) == NULL) {
			o->err = TA_ERR_NOMEM;
			break;
		}
		for (void *it = json_object_iter(m); it != NULL && i < n;
		     it = json_object_iter_next(m, it), i++)
			mem[i] = (struct member){json_object_iter_key(it),
			    json_object_iter_key_len(it), json_object_iter_value(it)};
		qsort(mem, i, sizeof(*mem), member_cmp);
		out_putc(o, '{');
		for (size_t j = 0; j < i; j++) {
			if (j > 0)
				out_putc(o, ',');
			put_string(o, (const uint8_t *)mem[j].key, mem[j].key_len, html);
			out_putc(o, ':');
			put_value(o, mem[j].value, html, depth + 1);
		}
		out_putc(o, '}');
		free(mem);
		break;
	}
	case JSON_ARRAY:
		out_putc(o, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				out_putc(o, ',');
			put_value(o, json_array_get(v, i), html, depth + 1);
		}
		out_putc(o, ']');
		break;
	case JSON_STRING:
		put_string(o, (const uint8_t *)json_string_value(v), json_string_length(v), html);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		out_puts(o, num);
		break;
	case JSON_TRUE:
		out_puts(o, "true");
		break;
	case JSON_FALSE:
		out_puts(o, "false");
		break;
	case JSON_NULL:
		out_puts(o, "null");
		break;
	case JSON_REAL:
	default:
		o->err = TA_ERR_INTERNAL; /* ta_json_check() refuses them */
		break;
	}
}

int
ta_canon_write(const json_t *v, enum ta_profile profile, uint8_t **ret, size_t *ret_len)
{
	struct out o = {0};
	int r;

	if (v == NULL || ret == NULL || ret_len == NULL || !ta_profile_valid(profile))
		return TA_ERR_INVALID;
	if ((r = ta_json_check(v, profile, NULL)) != 0)
		return r;
	put_value(&o, v, false, 0);
	return out_finish(&o, ret, ret_len);
}

int
ta_canon_tree(const uint8_t *buf, size_t len, enum ta_profile profile, const char *member,
    bool html, uint8_t **ret, size_t *ret_len)
{
	struct out o = {0};
	json_t *v = NULL, *sel;
	int r;

	if (ret == NULL || ret_len == NULL || (html && profile != TA_PROFILE_NOTARY))
		return TA_ERR_INVALID;
	if ((r = ta_json_parse(buf, len, profile, &v, NULL)) != 0)
		return r;
	sel = v;
	if (member != NULL && (!json_is_object(v) || (sel = json_object_get(v, member)) == NULL))
		r = TA_ERR_FORMAT;
	else if ((r = ta_json_check(sel, profile, NULL)) == 0) {
		put_value(&o, sel, html, 0);
		r = out_finish(&o, ret, ret_len);
	}
	json_decref(v);
	return r;
}

/* ---- notary file -------------------------------------------------------------- */

/* s is 1..max bytes, all from set: then Go writes it verbatim. */
static bool
only_of(const char *s, size_t max, const char *set)
{
	size_t n = s != NULL ? strnlen(s, max + 1) : 0;

	return n > 0 && n <= max && strspn(s, set) == n;
}

static bool
keyid_ok(const char *s)
{
	return only_of(s, TA_CANON_KEYID_MAX, "0123456789abcdef");
}

static bool
method_ok(const char *s)
{
	return only_of(s, TA_CANON_METHOD_MAX, "0123456789abcdefghijklmnopqrstuvwxyz-# ");
}

/* Standard base64 with padding (RFC 4648 §4), as Go's StdEncoding. */
static void
put_base64(struct out *o, const uint8_t *p, size_t n)
{
	char *b = NULL;
	size_t len;
	int r;

	if (o->err != 0)
		return;
	if ((r = ta_base64_encode(p, n, &b, &len)) != 0) {
		o->err = r;
		return;
	}
	out_put(o, b, len);
	free(b);
}

/* The notary file around the signed value: v, or when v is NULL the bytes
 * c (c_len of them) already written as <C>. */
static int
notary_file(const json_t *v, const uint8_t *c, size_t c_len, const struct ta_canon_sig *sigs,
    size_t nsigs, uint8_t **ret, size_t *ret_len)
{
	struct out o = {0};
	int r;

	if (ret == NULL || ret_len == NULL || (sigs == NULL && nsigs != 0))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < nsigs; i++)
		if (!keyid_ok(sigs[i].keyid) || !method_ok(sigs[i].method) || sigs[i].sig == NULL ||
		    sigs[i].sig_len == 0 || sigs[i].sig_len > TA_CANON_SIG_MAX)
			return TA_ERR_INVALID;
	if (v != NULL && (r = ta_json_check(v, TA_PROFILE_NOTARY, NULL)) != 0)
		return r;

	/* Field order is Go's struct order (Signed, Signature), not sorted. */
	out_puts(&o, "{\"signed\":");
	if (v != NULL)
		put_value(&o, v, true, 0);
	else
		out_put(&o, c, c_len);
	out_puts(&o, ",\"signatures\":[");
	for (size_t i = 0; i < nsigs; i++) {
		if (i > 0)
			out_putc(&o, ',');
		out_puts(&o, "{\"keyid\":\"");
		out_puts(&o, sigs[i].keyid);
		out_puts(&o, "\",\"method\":\"");
		out_puts(&o, sigs[i].method);
		out_puts(&o, "\",\"sig\":\"");
		put_base64(&o, sigs[i].sig, sigs[i].sig_len);
		out_puts(&o, "\"}");
	}
	out_puts(&o, "]}");
	return out_finish(&o, ret, ret_len);
}

int
ta_canon_write_notary_file(const json_t *signed_value, const struct ta_canon_sig *sigs,
    size_t nsigs, uint8_t **ret, size_t *ret_len)
{
	if (signed_value == NULL)
		return TA_ERR_INVALID;
	return notary_file(signed_value, NULL, 0, sigs, nsigs, ret, ret_len);
}

int
ta_canon_write_notary_file_raw(const uint8_t *c, size_t c_len, const struct ta_canon_sig *sigs,
    size_t nsigs, uint8_t **ret, size_t *ret_len)
{
	if (c == NULL || c_len == 0)
		return TA_ERR_INVALID;
	return notary_file(NULL, c, c_len, sigs, nsigs, ret, ret_len);
}
