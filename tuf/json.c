#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/hex.h"
#include "common/utf8.h"
#include "tuf/json.h"

/* How many bytes of an object key a path shows. */
#define KEY_SHOW_MAX 64

/* One step of a path: an object member or an array element. */
struct seg {
	const uint8_t *key; /* NULL for an array element */
	size_t key_len;
	size_t index;
	bool escaped; /* key is JSON source text, escapes not yet decoded */
};

/* Four hex digits at s (n bytes left), or -1 (tuf/stream_lex.c reads
 * \u escapes with it too). */
bool
ta_json_array_has_string(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

long
ta__json_hex4(const uint8_t *s, size_t n)
{
	long v = 0;

	if (n < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		uint8_t c = s[i];

		int d = ta_hex_value((char)c);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Decodes the escape at p (p[0] is '\\', n bytes left) into *ret_cp and
 * returns its length.  Only for display: what jansson would have refused
 * (a lone surrogate, a bad digit) shows as U+FFFD. */
static size_t
escape_decode(const uint8_t *p, size_t n, uint32_t *ret_cp)
{
	long cp, lo;

	if (n < 2) {
		*ret_cp = 0xfffd;
		return n;
	}
	switch (p[1]) {
	case 'b':
		*ret_cp = '\b';
		return 2;
	case 'f':
		*ret_cp = '\f';
		return 2;
	case 'n':
		*ret_cp = '\n';
		return 2;
	case 'r':
		*ret_cp = '\r';
		return 2;
	case 't':
		*ret_cp = '\t';
		return 2;
	case 'u':
		if ((cp = ta__json_hex4(p + 2, n - 2)) < 0) {
			*ret_cp = 0xfffd;
			return 2;
		}
		if (cp >= 0xd800 && cp < 0xdc00 && n >= 12 && p[6] == '\\' && p[7] == 'u' &&
		    (lo = ta__json_hex4(p + 8, n - 8)) >= 0xdc00 && lo < 0xe000) {
			*ret_cp = (uint32_t)(0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
			return 12;
		}
		*ret_cp = cp >= 0xd800 && cp < 0xe000 ? 0xfffd : (uint32_t)cp;
		return 6;
	default:
		*ret_cp = p[1];
		return 2;
	}
}

/* Decodes the first KEY_SHOW_MAX bytes of a path key into out, cut at a
 * character boundary; *ret_cut says whether anything was left over. */
static size_t
key_show(const struct seg *s, uint8_t out[static KEY_SHOW_MAX], bool *ret_cut)
{
	const uint8_t *p = s->key;
	size_t n = s->key_len, i = 0, len = 0;
	bool cut = false;

	while (i < n) {
		uint8_t tmp[4];
		size_t k = 1, m = 1;
		uint32_t cp;

		if (s->escaped && p[i] == '\\') {
			k = escape_decode(p + i, n - i, &cp);
			m = ta_utf8_put(cp, tmp);
		} else {
			tmp[0] = p[i];
		}
		if (len + m > KEY_SHOW_MAX) {
			cut = true;
			break;
		}
		memcpy(out + len, tmp, m);
		len += m;
		i += k;
	}
	if (cut) {
		/* Drop a character that the cut left incomplete. */
		size_t j = len;

		while (j > 0 && len - j < 3 && (out[j - 1] & 0xc0) == 0x80)
			j--;
		if (j > 0 && out[j - 1] >= 0xc0 && ta_utf8_seq(out + j - 1, len - j + 1) == 0)
			len = j - 1;
	}
	*ret_cut = cut;
	return len;
}

/* A bounded text that ends in "..." once something did not fit. */
struct text {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
text_put(struct text *t, const char *s, size_t n)
{
	if (t->full)
		return;
	if (n > t->cap - 4 - t->len) {
		memcpy(t->p + t->len, "...", 3);
		t->len += 3;
		t->full = true;
	} else {
		memcpy(t->p + t->len, s, n);
		t->len += n;
	}
	t->p[t->len] = '\0';
}

static void
text_puts(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

static bool
is_ident(const uint8_t *s, size_t n)
{
	if (n == 0 ||
	    !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void
path_render(char *out, size_t cap, const struct seg *segs, size_t nsegs)
{
	struct text t = {.p = out, .cap = cap};
	char tmp[32];

	out[0] = '\0';
	for (size_t i = 0; i < nsegs; i++) {
		uint8_t k[KEY_SHOW_MAX];
		size_t n, j;
		bool cut, valid;

		if (segs[i].key == NULL) {
			snprintf(tmp, sizeof(tmp), "[%zu]", segs[i].index);
			text_puts(&t, tmp);
			continue;
		}
		n = key_show(&segs[i], k, &cut);
		if (!cut && is_ident(k, n)) {
			if (i > 0)
				text_put(&t, ".", 1);
			text_put(&t, (const char *)k, n);
			continue;
		}
		valid = ta_utf8_valid(k, n, NULL);
		text_put(&t, "[\"", 2);
		for (j = 0; j < n;) {
			size_t m = valid ? ta_utf8_seq(k + j, n - j) : 1;

			if (k[j] == '"' || k[j] == '\\') {
				tmp[0] = '\\';
				tmp[1] = (char)k[j];
				text_put(&t, tmp, 2);
			} else if (k[j] < 0x20 || k[j] == 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", k[j]);
				text_puts(&t, tmp);
			} else if (k[j] >= 0x80 && !valid) {
				snprintf(tmp, sizeof(tmp), "\\x%02x", k[j]);
				text_puts(&t, tmp);
			} else {
				text_put(&t, (const char *)k + j, m);
			}
			j += m;
		}
		if (cut)
			text_put(&t, "...", 3);
		text_put(&t, "\"]", 2);
	}
}

/* Fills err (when not NULL) and returns code. */
__attribute__((format(printf, 6, 7))) static int
fail(struct ta_json_error *err, int code, const struct seg *segs, size_t nsegs, size_t offset,
    const char *fmt, ...)
{
	char why[200]; /* with a full path, still fits err->text */
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->offset = offset;
	path_render(err->path, sizeof(err->path), segs, nsegs);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (offset != TA_JSON_NO_OFFSET)
		snprintf(err->text, sizeof(err->text), "%s: %s (at byte %zu)",
		    err->path[0] != '\0' ? err->path : "top level", why, offset);
	else
		snprintf(err->text, sizeof(err->text), "%s: %s",
		    err->path[0] != '\0' ? err->path : "top level", why);
	return code;
}

/* ---- checks on the tree --------------------------------------------------- */

struct walk {
	enum ta_profile profile;
	struct ta_json_error *err;
	size_t depth; /* containers open */
	size_t nsegs;
	struct seg segs[TA_JSON_MAX_DEPTH];
};

#define WALK_FAIL(w, code, ...)                                                                    \
	fail((w)->err, (code), (w)->segs, (w)->nsegs, TA_JSON_NO_OFFSET, __VA_ARGS__)

static int
walk_string(struct walk *w, const uint8_t *s, size_t n, const char *what)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		if ((k = ta_utf8_seq(s + i, n - i)) == 0)
			return WALK_FAIL(w, TA_ERR_INVALID,
			    "%s is not valid UTF-8 (at byte %zu of it)", what, i);
		if (s[i] == 0)
			return WALK_FAIL(w, TA_ERR_INVALID, "%s contains U+0000 (NUL)", what);
		if (s[i] < 0x20 && w->profile == TA_PROFILE_NOTARY)
			return WALK_FAIL(w, TA_ERR_INVALID,
			    "%s contains the control character U+%04X; Go notary cannot "
			    "serialize control characters",
			    what, s[i]);
	}
	return 0;
}

static int walk_value(struct walk *w, const json_t *v);

static int
walk_container(struct walk *w, const json_t *v)
{
	json_t *m = ta_json_unconst(v);
	int r = 0;

	if (w->depth >= TA_JSON_MAX_DEPTH)
		return WALK_FAIL(
		    w, TA_ERR_TOO_LARGE, "nesting deeper than %d levels", TA_JSON_MAX_DEPTH);
	w->depth++;
	if (json_is_object(v)) {
		void *it;

		for (it = json_object_iter(m); it != NULL; it = json_object_iter_next(m, it)) {
			const char *key = json_object_iter_key(it);

			w->segs[w->nsegs++] = (struct seg){
			    .key = (const uint8_t *)key, .key_len = json_object_iter_key_len(it)};
			r = walk_string(
			    w, (const uint8_t *)key, json_object_iter_key_len(it), "object key");
			if (r == 0)
				r = walk_value(w, json_object_iter_value(it));
			w->nsegs--;
			if (r != 0)
				break;
		}
	} else {
		for (size_t i = 0; i < json_array_size(v); i++) {
			w->segs[w->nsegs++] = (struct seg){.index = i};
			r = walk_value(w, json_array_get(v, i));
			w->nsegs--;
			if (r != 0)
				break;
		}
	}
	w->depth--;
	return r;
}

static int
walk_value(struct walk *w, const json_t *v)
{
	json_int_t n;

	if (v == NULL)
		return WALK_FAIL(w, TA_ERR_INVALID, "missing value");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return walk_container(w, v);
	case JSON_STRING:
		return walk_string(
		    w, (const uint8_t *)json_string_value(v), json_string_length(v), "string");
	case JSON_INTEGER:
		n = json_integer_value(v);
		if (n > TA_JSON_INT_LIMIT || n < -TA_JSON_INT_LIMIT)
			return WALK_FAIL(w, TA_ERR_TOO_LARGE,
			    "integer %" JSON_INTEGER_FORMAT " is outside -2^53..2^53", n);
		return 0;
	case JSON_REAL:
		return WALK_FAIL(w, TA_ERR_INVALID,
		    "number with a fraction or an exponent; only integers are allowed");
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		return 0;
	}
	return WALK_FAIL(w, TA_ERR_INTERNAL, "unknown jansson type %d", (int)json_typeof(v));
}

int
ta_json_check(const json_t *v, enum ta_profile profile, struct ta_json_error *err)
{
	struct walk w = {.profile = profile, .err = err};

	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->offset = TA_JSON_NO_OFFSET;
	}
	if (!ta_profile_valid(profile))
		return fail(err, TA_ERR_INVALID, NULL, 0, TA_JSON_NO_OFFSET, "unknown profile %d",
		    (int)profile);
	return walk_value(&w, v);
}

/* ---- placing jansson's errors ---------------------------------------------- */

enum lstate { L_KEY, L_COLON, L_VALUE };

struct lframe {
	bool object;
	enum lstate state; /* objects only */
};

struct locate {
	struct lframe frames[TA_JSON_MAX_DEPTH];
	struct seg segs[TA_JSON_MAX_DEPTH];
	size_t depth;
	bool too_deep; /* a container at byte deep_at opened past the limit */
	size_t deep_at;
};

/* Scans end bytes that jansson has already read (and so are well-formed as
 * far as they go) and records where in the tree byte end falls. */
static void
locate(const uint8_t *buf, size_t end, struct locate *l)
{
	size_t i = 0;

	l->depth = 0;
	l->too_deep = false;
	while (i < end) {
		struct lframe *f = l->depth > 0 ? &l->frames[l->depth - 1] : NULL;
		uint8_t c = buf[i];

		if (c == '"') {
			size_t start = ++i;

			while (i < end && buf[i] != '"')
				i += buf[i] == '\\' ? 2 : 1;
			if (f != NULL && f->object && f->state == L_KEY && i < end) {
				l->segs[l->depth - 1] = (struct seg){
				    .key = buf + start, .key_len = i - start, .escaped = true};
				f->state = L_COLON;
			}
			i++;
			continue;
		}
		switch (c) {
		case '{':
		case '[':
			if (l->depth == TA_JSON_MAX_DEPTH) {
				l->too_deep = true;
				l->deep_at = i;
				return;
			}
			l->frames[l->depth] = (struct lframe){.object = c == '{', .state = L_KEY};
			l->segs[l->depth] = (struct seg){.index = 0};
			l->depth++;
			break;
		case '}':
		case ']':
			if (l->depth > 0)
				l->depth--;
			break;
		case ',':
			if (f != NULL && f->object)
				f->state = L_KEY;
			else if (f != NULL)
				l->segs[l->depth - 1].index++;
			break;
		case ':':
			if (f != NULL && f->object)
				f->state = L_VALUE;
			break;
		default:
			break;
		}
		i++;
	}
}

/* The path at byte end of buf, in segs; returns its length.  Objects whose
 * key has not been read yet add no step.  When a container opened past the
 * depth limit before end, *ret_deep_at is its offset (else
 * TA_JSON_NO_OFFSET) and the path is the one to that container. */
static size_t
locate_path(
    const uint8_t *buf, size_t end, struct seg segs[static TA_JSON_MAX_DEPTH], size_t *ret_deep_at)
{
	struct locate l;
	size_t n = 0;

	locate(buf, end, &l);
	for (size_t d = 0; d < l.depth; d++)
		if (!l.frames[d].object || l.frames[d].state != L_KEY)
			segs[n++] = l.segs[d];
	*ret_deep_at = l.too_deep ? l.deep_at : TA_JSON_NO_OFFSET;
	return n;
}

/* jansson's text with anything but printable ASCII shown as \xNN. */
static void
sanitize(char *out, size_t cap, const char *in)
{
	struct text t = {.p = out, .cap = cap};
	char tmp[8];

	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f) {
			text_put(&t, (const char *)p, 1);
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			text_puts(&t, tmp);
		}
	}
}

static int
jansson_fail(const uint8_t *buf, size_t len, const json_error_t *je, struct ta_json_error *err)
{
	struct seg segs[TA_JSON_MAX_DEPTH] = {0};
	char jt[JSON_ERROR_TEXT_LENGTH * 4];
	size_t at, n, deep_at;

	enum json_error_code code = json_error_code(je);
	size_t scan;

	at = je->position < 0 ? 0 : (size_t)je->position;
	if (at > len)
		at = len;
	/* jansson stops after the token it refuses; leave that token out of
	 * the scan (so "[1,]" is at [1], not past the array), except where
	 * the token is the key that is at fault. */
	scan = at;
	if (code == json_error_invalid_syntax && scan > 0)
		scan--;
	n = locate_path(buf, scan, segs, &deep_at);
	if (deep_at != TA_JSON_NO_OFFSET)
		return fail(err, TA_ERR_TOO_LARGE, segs, n, deep_at,
		    "nesting deeper than %d levels", TA_JSON_MAX_DEPTH);
	sanitize(jt, sizeof(jt), je->text);

	switch (code) {
	case json_error_out_of_memory:
		return fail(err, TA_ERR_NOMEM, segs, n, at, "out of memory");
	case json_error_stack_overflow:
		return fail(err, TA_ERR_TOO_LARGE, segs, n, at, "nesting too deep");
	case json_error_premature_end_of_input:
		return fail(err, TA_ERR_TRUNCATED, segs, n, at, "document ends early: %s", jt);
	case json_error_end_of_input_expected:
		return fail(err, TA_ERR_TRAILING, NULL, 0, at,
		    "unexpected data after the end of the document");
	case json_error_duplicate_key:
		return fail(err, TA_ERR_INVALID, segs, n, at, "duplicate object key");
	case json_error_invalid_utf8:
		return fail(err, TA_ERR_INVALID, segs, n, at, "invalid UTF-8: %s", jt);
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return fail(err, TA_ERR_INVALID, segs, n, at, "\\u0000 (NUL) is not allowed");
	case json_error_numeric_overflow:
		return fail(
		    err, TA_ERR_TOO_LARGE, segs, n, at, "integer is outside -2^53..2^53: %s", jt);
	default:
		return fail(err, TA_ERR_INVALID, segs, n, at, "invalid JSON: %s", jt);
	}
}

int
ta_json_parse(const uint8_t *buf, size_t len, enum ta_profile profile, json_t **ret_v,
    struct ta_json_error *err)
{
	json_error_t je;
	json_t *v = NULL;
	const uint8_t *nul;
	int r;

	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->offset = TA_JSON_NO_OFFSET;
	}
	if (ret_v == NULL || (buf == NULL && len != 0) || !ta_profile_valid(profile))
		return fail(err, TA_ERR_INVALID, NULL, 0, TA_JSON_NO_OFFSET, "bad arguments");
	if (len == 0)
		return fail(err, TA_ERR_TRUNCATED, NULL, 0, TA_JSON_NO_OFFSET, "empty document");
	if (len > TA_JSON_MAX)
		return fail(err, TA_ERR_TOO_LARGE, NULL, 0, TA_JSON_NO_OFFSET,
		    "document of %zu bytes is over the limit of %zu", len, TA_JSON_MAX);

	/* jansson reads a NUL byte as the end of the input, which would make
	 * "[1,<NUL>2]" look truncated; no JSON text contains one. */
	if ((nul = memchr(buf, 0, len)) != NULL) {
		struct seg segs[TA_JSON_MAX_DEPTH] = {0};
		size_t at = (size_t)(nul - buf), deep_at, n;

		n = locate_path(buf, at, segs, &deep_at);
		if (deep_at != TA_JSON_NO_OFFSET)
			return fail(err, TA_ERR_TOO_LARGE, segs, n, deep_at,
			    "nesting deeper than %d levels", TA_JSON_MAX_DEPTH);
		return fail(err, TA_ERR_INVALID, segs, n, at, "NUL byte in the document");
	}

	/* Without JSON_ALLOW_NUL jansson refuses \u0000; without
	 * JSON_DISABLE_EOF_CHECK it refuses trailing bytes. */
	v = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL) {
		r = jansson_fail(buf, len, &je, err);
		goto out;
	}
	if ((r = ta_json_check(v, profile, err)) != 0)
		goto out;
	*ret_v = v;
	v = NULL;
out:
	json_decref(v);
	return r;
}

const char *
ta_json_stray_member(const json_t *o, const char *const *names)
{
	const char *k;
	json_t *v;

	json_object_foreach(ta_json_unconst(o), k, v) {
		const char *const *n = names;

		while (*n != NULL && strcmp(*n, k) != 0)
			n++;
		if (*n == NULL)
			return k;
	}
	return NULL;
}
