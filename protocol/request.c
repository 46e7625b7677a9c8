/* Requests: one frame payload -> a fully validated struct ta_proto_req.
 * Decode, then act: nothing here does I/O or touches anything but memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/hex.h"
#include "common/keytype.h"
#include "common/secret.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

#define MEMBERS_MAX 8 /* the most params members a method has (sign: 7), plus room */
#define NAME_SHOW_MAX 32 /* bytes of an unknown name quoted in a detail */
#define PATH_MAX_ 48     /* "params.versions[15]" and the like */

typedef int decode_fn(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f);

static decode_fn decode_hello, decode_status, decode_unlock, decode_token_params,
    decode_key_generate, decode_key_cert, decode_key_show, decode_sign, decode_key_scope,
    decode_key_attest;

/* The declarative part: each method, the params members it accepts, and its
 * decoder.  In TA_PROTO_METHOD_* order. */
static const struct method {
	enum ta_proto_method m;
	const char *name;
	const char *members[MEMBERS_MAX + 1];
	decode_fn *decode;
} methods[] = {
    {TA_PROTO_METHOD_HELLO, "hello", {"versions", "client"}, decode_hello},
    {TA_PROTO_METHOD_STATUS, "status", {NULL}, decode_status},
    {TA_PROTO_METHOD_UNLOCK, "unlock", {"token", "pin"}, decode_unlock},
    {TA_PROTO_METHOD_LOCK, "lock", {"token"}, decode_token_params},
    {TA_PROTO_METHOD_KEY_LIST, "key.list", {"token"}, decode_token_params},
    {TA_PROTO_METHOD_KEY_GENERATE, "key.generate", {"label", "type", "token", "scope", "slot"},
	decode_key_generate},
    {TA_PROTO_METHOD_KEY_CERT, "key.cert", {"key", "gun", "days", "store"}, decode_key_cert},
    {TA_PROTO_METHOD_KEY_SHOW, "key.show", {"key", "profile"}, decode_key_show},
    {TA_PROTO_METHOD_SIGN, "sign", {"profile", "role", "gun", "keys", "file", "prev_root", "parent"},
	decode_sign},
    {TA_PROTO_METHOD_KEY_SCOPE, "key.scope", {"key", "set", "add", "clear"}, decode_key_scope},
    {TA_PROTO_METHOD_KEY_ATTEST, "key.attest", {"key"}, decode_key_attest},
};

#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static const char *const top_members[] = {"jsonrpc", "id", "method", "params", NULL};

const char *
ta_proto_method_name(enum ta_proto_method m)
{
	for (size_t i = 0; i < N_METHODS; i++)
		if (methods[i].m == m)
			return methods[i].name;
	return NULL;
}

static const struct method *
method_find(const char *name, size_t len)
{
	for (size_t i = 0; name != NULL && i < N_METHODS; i++)
		if (strlen(methods[i].name) == len && memcmp(methods[i].name, name, len) == 0)
			return &methods[i];
	return NULL;
}

enum ta_proto_method
ta_proto_method_from_name(const char *name, size_t len)
{
	const struct method *d = method_find(name, len);

	return d != NULL ? d->m : TA_PROTO_METHOD_NONE;
}

const char *
ta_proto_profile_name(enum ta_proto_profile p)
{
	switch (p) {
	case TA_PROTO_PROFILE_NOTARY:
		return "notary";
	case TA_PROTO_PROFILE_TUF:
		return "tuf";
	case TA_PROTO_PROFILE_CEREMONY:
		return "ceremony";
	default:
		return NULL;
	}
}

/* ---- faults ------------------------------------------------------------------ */

static int fail(struct ta_proto_fault *f, int code, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct ta_proto_fault *f, int code, int err, const char *fmt, ...)
{
	va_list ap;

	f->code = code;
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return err;
}

/* A name from the peer, shown in printable ASCII only: anything else, and
 * quotes and backslashes, as '?'; cut with "..." after NAME_SHOW_MAX bytes. */
static void
name_show(char out[static NAME_SHOW_MAX + 4], const char *s)
{
	size_t i;

	for (i = 0; i < NAME_SHOW_MAX && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[i] = (char)c;
		else
			out[i] = '?';
	}
	if (s[i] != '\0')
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
}

/* ---- fields ------------------------------------------------------------------- */

#define BAD_PARAMS(f, err, ...) fail((f), TA_PROTO_E_INVALID_PARAMS, (err), __VA_ARGS__)

/* A string value at path: 1..max bytes of text (no control characters). */
static int
text_value(const json_t *v, const char *path, size_t max, char *dst, struct ta_proto_fault *f)
{
	size_t len;

	if (!json_is_string(v))
		return BAD_PARAMS(f, TA_ERR_INVALID, "%s: must be a string", path);
	len = json_string_length(v);
	if (len == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "%s: must not be empty", path);
	if (len > max)
		return BAD_PARAMS(f, TA_ERR_TOO_LARGE, "%s: longer than %zu bytes", path, max);
	if (!ta__proto_text_ok(json_string_value(v), len))
		return BAD_PARAMS(f, TA_ERR_INVALID, "%s: a control character", path);
	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';
	return 0;
}

/* params.name as text; an absent optional member leaves dst "". */
static int
get_text(const json_t *params, const char *name, bool required, size_t max, char *dst,
    struct ta_proto_fault *f)
{
	const json_t *v = json_object_get(params, name);
	char path[PATH_MAX_];

	dst[0] = '\0';
	if (v == NULL) {
		if (required)
			return BAD_PARAMS(f, TA_ERR_INVALID, "params.%s: missing", name);
		return 0;
	}
	snprintf(path, sizeof(path), "params.%s", name);
	return text_value(v, path, max, dst, f);
}

static int
get_profile(const json_t *params, bool ceremony, enum ta_proto_profile *ret_p,
    struct ta_proto_fault *f)
{
	const json_t *v = json_object_get(params, "profile");
	const char *s = json_string_value(v);

	if (v == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.profile: missing");
	if (s != NULL && strcmp(s, "notary") == 0)
		*ret_p = TA_PROTO_PROFILE_NOTARY;
	else if (s != NULL && strcmp(s, "tuf") == 0)
		*ret_p = TA_PROTO_PROFILE_TUF;
	else if (ceremony && s != NULL && strcmp(s, "ceremony") == 0)
		*ret_p = TA_PROTO_PROFILE_CEREMONY;
	else
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.profile: must be \"notary\"%s \"tuf\"%s",
		    ceremony ? "," : " or", ceremony ? " or \"ceremony\"" : "");
	return 0;
}

/* A SCOPE object (protocol/scope.c) at path. */
static int
get_scope(const json_t *v, const char *path, struct ta_proto_scope *ret, struct ta_proto_fault *f)
{
	char why[TA_PROTO_DETAIL_MAX + 1];
	int r;

	if ((r = ta_proto_scope_decode(v, path, ret, why, sizeof(why))) != 0)
		return BAD_PARAMS(f, r, "%s", why);
	return 0;
}

/* ---- methods ------------------------------------------------------------------- */

static int
decode_hello(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_hello *h = &req->p.hello;
	const json_t *a = json_object_get(params, "versions"), *v;
	json_int_t n;
	size_t i, j;

	if (a == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.versions: missing");
	if (!json_is_array(a))
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.versions: must be an array");
	if (json_array_size(a) == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.versions: must not be empty");
	if (json_array_size(a) > TA_PROTO_VERSIONS_MAX)
		return BAD_PARAMS(f, TA_ERR_TOO_LARGE, "params.versions: more than %d entries",
		    TA_PROTO_VERSIONS_MAX);
	json_array_foreach(a, i, v)
	{
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < 1 || n > TA_PROTO_VERSION_VALUE_MAX)
			return BAD_PARAMS(f, TA_ERR_INVALID,
			    "params.versions[%zu]: must be an integer from 1 to %d", i,
			    TA_PROTO_VERSION_VALUE_MAX);
		for (j = 0; j < i; j++)
			if (h->versions[j] == (uint32_t)n)
				return BAD_PARAMS(f, TA_ERR_INVALID,
				    "params.versions[%zu]: repeats params.versions[%zu]", i, j);
		h->versions[i] = (uint32_t)n;
	}
	h->n_versions = json_array_size(a);
	return get_text(params, "client", false, TA_PROTO_CLIENT_MAX, h->client, f);
}

static int
decode_status(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	(void)params;
	(void)req;
	(void)f;
	return 0;
}

static int
decode_unlock(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_unlock *u = &req->p.unlock;
	const json_t *v;
	size_t len;
	int r;

	if ((r = get_text(params, "token", false, TA_PROTO_TOKEN_MAX, u->token, f)) != 0)
		return r;
	/* Any UTF-8 but NUL: the PIN is the token's business, and never shown. */
	if ((v = json_object_get(params, "pin")) == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.pin: missing");
	if (!json_is_string(v))
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.pin: must be a string");
	len = json_string_length(v);
	if (len == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.pin: must not be empty");
	if (len > TA_PROTO_PIN_MAX)
		return BAD_PARAMS(
		    f, TA_ERR_TOO_LARGE, "params.pin: longer than %d bytes", TA_PROTO_PIN_MAX);
	if ((u->pin = ta_secret_from(json_string_value(v), len)) == NULL)
		return fail(f, TA_PROTO_E_INTERNAL, TA_ERR_NOMEM, "out of memory");
	return 0;
}

static int
decode_token_params(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	/* lock and key.list share the layout. */
	char *token =
	    req->method == TA_PROTO_METHOD_LOCK ? req->p.lock.token : req->p.key_list.token;

	return get_text(params, "token", false, TA_PROTO_TOKEN_MAX, token, f);
}

unsigned
ta_proto_piv_slot(const char *s)
{
	uint8_t b;
	size_t n;
	unsigned v;

	if (s == NULL || strlen(s) != 2 || !ta_hex_ok(s, 2, true) || ta_unhex(s, 2, &b, 1, &n) != 0)
		return 0;
	v = b;
	if (v == 0x9a || v == 0x9c || v == 0x9d || v == 0x9e || (v >= 0x82 && v <= 0x95))
		return v;
	return 0;
}

static int
decode_key_generate(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_key_generate *g = &req->p.key_generate;
	const json_t *v;
	char slot[3];
	int r;

	/* A key in a PIV slot is named by the card's module after the slot:
	 * no label needed. */
	if ((r = get_text(params, "slot", false, 2, slot, f)) != 0)
		return r;
	g->slot = 0;
	if (slot[0] != '\0' && (g->slot = ta_proto_piv_slot(slot)) == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID,
		    "params.slot: must be a PIV key slot: 9a, 9c, 9d, 9e or 82 to 95 (two "
		    "lowercase hex digits)");
	if ((r = get_text(params, "label", g->slot == 0, TA_PROTO_LABEL_MAX, g->label, f)) != 0)
		return r;
	if ((v = json_object_get(params, "type")) == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.type: missing");
	/* ta_key_type_from_name() never returns TA_KEY_RSA_OTHER. */
	if ((g->type = ta_key_type_from_name(json_string_value(v))) == TA_KEY_NONE)
		return BAD_PARAMS(f, TA_ERR_INVALID,
		    "params.type: must be one of ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, "
		    "rsa-4096, ed25519");
	if ((r = get_text(params, "token", false, TA_PROTO_TOKEN_MAX, g->token, f)) != 0)
		return r;
	g->has_scope = false;
	if ((v = json_object_get(params, "scope")) == NULL)
		return 0;
	g->has_scope = true;
	return get_scope(v, "params.scope", &g->scope, f);
}

static int
decode_key_cert(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_key_cert *c = &req->p.key_cert;
	const json_t *v;
	json_int_t n;
	int r;

	if ((r = get_text(params, "key", true, TA_PROTO_KEY_MAX, c->key, f)) != 0 ||
	    (r = get_text(params, "gun", true, TA_PROTO_GUN_MAX, c->gun, f)) != 0)
		return r;
	c->days = TA_PROTO_DAYS_DEFAULT;
	if ((v = json_object_get(params, "days")) != NULL) {
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < TA_PROTO_DAYS_MIN || n > TA_PROTO_DAYS_MAX)
			return BAD_PARAMS(f, TA_ERR_INVALID,
			    "params.days: must be an integer from %d to %d", TA_PROTO_DAYS_MIN,
			    TA_PROTO_DAYS_MAX);
		c->days = (uint32_t)n;
	}
	c->store = false;
	if ((v = json_object_get(params, "store")) != NULL) {
		if (!json_is_boolean(v))
			return BAD_PARAMS(f, TA_ERR_INVALID, "params.store: must be true or false");
		c->store = json_is_true(v);
	}
	return 0;
}

static int
decode_key_attest(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	return get_text(params, "key", true, TA_PROTO_KEY_MAX, req->p.key_attest.key, f);
}

static int
decode_key_show(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_key_show *s = &req->p.key_show;
	int r;

	if ((r = get_text(params, "key", true, TA_PROTO_KEY_MAX, s->key, f)) != 0)
		return r;
	return get_profile(params, false, &s->profile, f);
}

static int
decode_sign(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_sign *s = &req->p.sign;
	const json_t *a, *v;
	char path[PATH_MAX_];
	size_t i, j;
	int r;

	if ((r = get_profile(params, true, &s->profile, f)) != 0 ||
	    (r = get_text(params, "role", true, TA_PROTO_ROLE_MAX, s->role, f)) != 0 ||
	    (r = get_text(params, "gun", false, TA_PROTO_GUN_MAX, s->gun, f)) != 0)
		return r;
	if (s->profile == TA_PROTO_PROFILE_NOTARY && s->gun[0] == '\0')
		return BAD_PARAMS(
		    f, TA_ERR_INVALID, "params.gun: missing (the notary profile needs it)");

	if ((a = json_object_get(params, "keys")) == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.keys: missing");
	if (!json_is_array(a))
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.keys: must be an array");
	if (json_array_size(a) == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.keys: must not be empty");
	if (json_array_size(a) > TA_PROTO_KEYS_MAX)
		return BAD_PARAMS(
		    f, TA_ERR_TOO_LARGE, "params.keys: more than %d entries", TA_PROTO_KEYS_MAX);
	json_array_foreach(a, i, v)
	{
		snprintf(path, sizeof(path), "params.keys[%zu]", i);
		if ((r = text_value(v, path, TA_PROTO_KEY_MAX, s->keys[i], f)) != 0)
			return r;
		for (j = 0; j < i; j++)
			if (strcmp(s->keys[j], s->keys[i]) == 0)
				return BAD_PARAMS(f, TA_ERR_INVALID,
				    "params.keys[%zu]: repeats params.keys[%zu]", i, j);
	}
	s->n_keys = json_array_size(a);

	/* The file is the metadata's own bytes: newlines and all, so no text
	 * rule; jansson has checked UTF-8 and NUL, the frame its size. */
	if ((v = json_object_get(params, "file")) == NULL)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.file: missing");
	if (!json_is_string(v))
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.file: must be a string");
	if (json_string_length(v) == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.file: must not be empty");
	s->file = json_string_value(v);
	s->file_len = json_string_length(v);

	/* The trusted root a new root rotates from: a file like the other,
	 * and meaningful for roots only. */
	s->prev_root = NULL;
	s->prev_root_len = 0;
	s->parent = NULL;
	s->parent_len = 0;
	/* The delegating role's file, for a delegated role: no top-level
	 * role has a parent in the targets tree. */
	if ((v = json_object_get(params, "parent")) != NULL) {
		if (!json_is_string(v))
			return BAD_PARAMS(f, TA_ERR_INVALID, "params.parent: must be a string");
		if (json_string_length(v) == 0)
			return BAD_PARAMS(f, TA_ERR_INVALID, "params.parent: must not be empty");
		if (strcmp(s->role, "root") == 0 || strcmp(s->role, "targets") == 0 ||
		    strcmp(s->role, "snapshot") == 0 || strcmp(s->role, "timestamp") == 0)
			return BAD_PARAMS(f, TA_ERR_INVALID,
			    "params.parent: only for delegated roles (the file that delegates to "
			    "the role)");
		s->parent = json_string_value(v);
		s->parent_len = json_string_length(v);
	}
	if ((v = json_object_get(params, "prev_root")) == NULL)
		return 0;
	if (!json_is_string(v))
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.prev_root: must be a string");
	if (json_string_length(v) == 0)
		return BAD_PARAMS(f, TA_ERR_INVALID, "params.prev_root: must not be empty");
	if (strcmp(s->role, "root") != 0)
		return BAD_PARAMS(f, TA_ERR_INVALID,
		    "params.prev_root: only for role \"root\" (the root a new root rotates from)");
	s->prev_root = json_string_value(v);
	s->prev_root_len = json_string_length(v);
	return 0;
}

static int
decode_key_scope(const json_t *params, struct ta_proto_req *req, struct ta_proto_fault *f)
{
	struct ta_proto_key_scope *s = &req->p.key_scope;
	const json_t *set = json_object_get(params, "set"), *add = json_object_get(params, "add"),
		     *clear = json_object_get(params, "clear");
	int r;

	if ((r = get_text(params, "key", true, TA_PROTO_KEY_MAX, s->key, f)) != 0)
		return r;
	if ((set != NULL) + (add != NULL) + (clear != NULL) > 1)
		return BAD_PARAMS(
		    f, TA_ERR_INVALID, "params: at most one of set, add and clear");
	s->op = TA_PROTO_SCOPE_SHOW;
	if (clear != NULL) {
		if (!json_is_true(clear))
			return BAD_PARAMS(f, TA_ERR_INVALID, "params.clear: must be true");
		s->op = TA_PROTO_SCOPE_CLEAR;
		return 0;
	}
	if (set != NULL) {
		s->op = TA_PROTO_SCOPE_SET;
		return get_scope(set, "params.set", &s->scope, f);
	}
	if (add != NULL) {
		s->op = TA_PROTO_SCOPE_ADD;
		return get_scope(add, "params.add", &s->scope, f);
	}
	return 0;
}

/* ---- the message --------------------------------------------------------------- */

static bool
listed(const char *const *names, const char *k)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, k) == 0)
			return true;
	return false;
}

/* The PIN's copy in the tree goes as soon as the tree is done with, whether
 * or not ta_proto_init() made jansson's free wipe. */
static void
wipe_pin(const json_t *params)
{
	const json_t *v = json_object_get(params, "pin");
	union {
		const char *c;
		char *m;
	} u;

	if (!json_is_string(v))
		return;
	u.c = json_string_value(v);
	explicit_bzero(u.m, json_string_length(v));
}

/* Everything outside params: -32600 and -32601 faults.  The method, or NULL
 * with *f filled in. */
static const struct method *
decode_envelope(const json_t *root, struct ta_proto_fault *f)
{
	const struct method *d;
	const char *k, *why = NULL;
	char show[NAME_SHOW_MAX + 4];
	const json_t *v;
	json_t *m;
	int r;

	if (json_is_array(root)) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID,
		    "a batch (JSON array); send one request per frame");
		return NULL;
	}
	if (!json_is_object(root)) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "not a JSON object");
		return NULL;
	}

	/* The id first, so that every later fault can be answered with it. */
	if ((v = json_object_get(root, "id")) == NULL) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID,
		    "id: missing (notifications are not accepted)");
		return NULL;
	}
	if ((r = ta__proto_id_read(v, &f->id, &why)) != 0) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, r, "%s", why);
		return NULL;
	}

	if ((v = json_object_get(root, "jsonrpc")) == NULL) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "jsonrpc: missing");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) != 3 ||
	    memcmp(json_string_value(v), "2.0", 3) != 0) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "jsonrpc: must be \"2.0\"");
		return NULL;
	}
	json_object_foreach(ta__proto_unconst(root), k, m)
	{
		if (!listed(top_members, k)) {
			name_show(show, k);
			fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "unknown member \"%s\"",
			    show);
			return NULL;
		}
	}

	if ((v = json_object_get(root, "method")) == NULL) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "method: missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		fail(f, TA_PROTO_E_INVALID_REQUEST, TA_ERR_INVALID, "method: must be a string");
		return NULL;
	}
	if ((d = method_find(json_string_value(v), json_string_length(v))) == NULL) {
		name_show(show, json_string_value(v));
		fail(f, TA_PROTO_E_METHOD_NOT_FOUND, TA_ERR_NOT_FOUND, "unknown method \"%s\"",
		    show);
		return NULL;
	}
	f->method = d->m;
	return d;
}

int
ta_proto_decode_request(
    const uint8_t *json, size_t len, struct ta_proto_req **ret_req, struct ta_proto_fault *fault)
{
	struct ta_proto_fault f = {.id.kind = TA_PROTO_ID_NULL};
	struct ta_proto_req *req = NULL;
	const struct method *d = NULL;
	const json_t *params = NULL;
	const char *k, *why = NULL;
	char show[NAME_SHOW_MAX + 4];
	json_t *root = NULL, *v;
	int r, code = 0;

	if (ret_req == NULL || (json == NULL && len > 0)) {
		r = fail(&f, TA_PROTO_E_INTERNAL, TA_ERR_INVALID, "bad arguments");
		goto out;
	}
	if ((r = ta__proto_parse(json, len, &root, &code, f.detail, sizeof(f.detail))) != 0) {
		f.code = code;
		f.err = r;
		goto out;
	}
	if ((d = decode_envelope(root, &f)) == NULL) {
		r = f.err;
		goto out;
	}

	/* params: an object, or absent for {}.  json_object_get(NULL, k) is NULL. */
	params = json_object_get(root, "params");
	if (params != NULL && !json_is_object(params)) {
		r = BAD_PARAMS(&f, TA_ERR_INVALID, "params: must be an object");
		params = NULL;
		goto out;
	}
	json_object_foreach(ta__proto_unconst(params), k, v)
	{
		if (!listed(d->members, k)) {
			name_show(show, k);
			r = BAD_PARAMS(&f, TA_ERR_INVALID, "params: unknown member \"%s\"", show);
			goto out;
		}
		/* params is level 2; k is a known name. */
		if ((r = ta__proto_check_tree(v, 2, &why)) != 0) {
			r = BAD_PARAMS(&f, r, "params.%s: %s", k, why);
			goto out;
		}
	}

	if ((req = calloc(1, sizeof(*req))) == NULL) {
		r = fail(&f, TA_PROTO_E_INTERNAL, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	req->method = d->m;
	req->id = f.id;
	if ((r = d->decode(params, req, &f)) != 0)
		goto out;
	if (d->m == TA_PROTO_METHOD_SIGN) {
		req->tree_ = root; /* sign.file, prev_root and parent point into it */
		root = NULL;
	}
	*ret_req = req;
	req = NULL;
	r = 0;
out:
	/* Whatever the method and the outcome: a malformed request may carry
	 * a PIN too.  json_object_get() on NULL or a non-object is NULL. */
	wipe_pin(json_object_get(root, "params"));
	json_decref(root);
	ta_proto_req_free(req);
	if (r != 0 && fault != NULL)
		*fault = f;
	explicit_bzero(&f, sizeof(f));
	return r;
}

void
ta_proto_req_free(struct ta_proto_req *req)
{
	if (req == NULL)
		return;
	if (req->method == TA_PROTO_METHOD_UNLOCK)
		ta_secret_free(req->p.unlock.pin);
	json_decref(req->tree_);
	explicit_bzero(req, sizeof(*req));
	free(req);
}

int
ta_proto_hello_pick(const struct ta_proto_hello *h, uint32_t *ret_version)
{
	if (h == NULL || ret_version == NULL)
		return TA_ERR_INVALID;
	for (size_t i = 0; i < h->n_versions && i < TA_PROTO_VERSIONS_MAX; i++) {
		if (h->versions[i] == TA_PROTO_VERSION) {
			*ret_version = TA_PROTO_VERSION;
			return 0;
		}
	}
	return TA_ERR_UNSUPPORTED;
}
