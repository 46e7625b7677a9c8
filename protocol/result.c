/* Typed results: each method's result struct <-> its result object
 * (PROTOCOL.md §5).  The encoders check what the decoders check, so that
 * the agent cannot send a result its own client would refuse. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

static const char *const pin_states[] = {
    [TA_PROTO_PIN_OK] = "ok",
    [TA_PROTO_PIN_COUNT_LOW] = "count-low",
    [TA_PROTO_PIN_FINAL_TRY] = "final-try",
    [TA_PROTO_PIN_LOCKED] = "locked",
    [TA_PROTO_PIN_UNKNOWN] = "unknown",
};

#define N_PIN_STATES (sizeof(pin_states) / sizeof(pin_states[0]))

const char *
ta_proto_pin_state_name(enum ta_proto_pin_state s)
{
	return (size_t)s < N_PIN_STATES ? pin_states[s] : NULL;
}

bool
ta__proto_only_members(const json_t *o, const char *const *names)
{
	const char *k;
	json_t *v;

	json_object_foreach(ta__proto_unconst(o), k, v)
	{
		const char *const *n;

		for (n = names; *n != NULL && strcmp(*n, k) != 0; n++)
			;
		if (*n == NULL)
			return false;
	}
	return true;
}

/* ---- checks shared by both directions ---------------------------------------------- */

/* A name from a token or the configuration: min..max bytes, no NUL, UTF-8. */
static bool
name_ok(const char *s, size_t max)
{
	size_t len;

	if (s == NULL)
		return false;
	len = strnlen(s, max + 1);
	return len >= 1 && len <= max && ta__proto_utf8_ok((const uint8_t *)s, len);
}

static bool
text_ok(const char *s, size_t max)
{
	return name_ok(s, max) && ta__proto_text_ok(s, strlen(s));
}

static bool
hex_ok(const char *s)
{
	return s != NULL && ta__proto_hex64_ok(s, strnlen(s, TA_PROTO_KEYID_LEN + 1));
}

/* "YYYY-MM-DDTHH:MM:SSZ" by shape. */
static bool
time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	if (s == NULL || strnlen(s, TA_PROTO_TIME_LEN + 1) != TA_PROTO_TIME_LEN)
		return false;
	for (size_t i = 0; i < TA_PROTO_TIME_LEN; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

/* PEM text: "-----BEGIN ", then printable ASCII lines. */
static bool
pem_ok(const char *s, size_t len)
{
	if (s == NULL || len < 11 || len > TA_PROTO_PEM_MAX || strncmp(s, "-----BEGIN ", 11) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7e))
			return false;
	return true;
}

/* ---- decoding helpers ------------------------------------------------------------ */

/* The string member key of o, checked by ok(s, max); NULL when it is not. */
static const char *
get_str(const json_t *o, const char *key, bool (*ok)(const char *, size_t), size_t max)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    !ok(json_string_value(v), max))
		return NULL;
	return json_string_value(v);
}

static const char *
get_hex(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || !ta__proto_hex64_ok(json_string_value(v), json_string_length(v)))
		return NULL;
	return json_string_value(v);
}

static bool
get_bool(const json_t *o, const char *key, bool *ret)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return false;
	*ret = json_is_true(v);
	return true;
}

/* "scope": SCOPE|null, required. */
static bool
get_scope(const json_t *o, bool *ret_has, struct ta_proto_scope *ret)
{
	const json_t *v = json_object_get(o, "scope");
	char why[128];

	if (json_is_null(v)) {
		*ret_has = false;
		return true;
	}
	if (v == NULL || ta_proto_scope_decode(v, "scope", ret, why, sizeof(why)) != 0)
		return false;
	*ret_has = true;
	return true;
}

static enum ta_proto_profile
profile_from(const char *s)
{
	if (s != NULL && strcmp(s, "notary") == 0)
		return TA_PROTO_PROFILE_NOTARY;
	if (s != NULL && strcmp(s, "tuf") == 0)
		return TA_PROTO_PROFILE_TUF;
	return TA_PROTO_PROFILE_NONE;
}

/* Any type a KEY can have: the generatable ones, and "rsa" for an RSA key
 * of another size that some other program put on the token. */
static enum ta_key_type
key_type_from(const char *s)
{
	for (int t = TA_KEY_NONE + 1; t <= TA_KEY_RSA_OTHER; t++)
		if (strcmp(ta_key_type_name(t), s) == 0)
			return t;
	return TA_KEY_NONE;
}

/* ---- encoding helpers ------------------------------------------------------------ */

int
ta__proto_array(
    size_t n, int (*item)(const void *ctx, size_t i, json_t **ret), const void *ctx, json_t **ret)
{
	json_t *arr = json_array(), *v = NULL;
	int r = arr != NULL ? 0 : TA_ERR_NOMEM;

	for (size_t i = 0; r == 0 && i < n; i++)
		if ((r = item(ctx, i, &v)) == 0 && json_array_append_new(arr, v) != 0)
			r = TA_ERR_NOMEM;
	if (r != 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}

int
ta__proto_get_array(const json_t *arr, size_t max, size_t size,
    bool (*item)(const json_t *v, void *dst), void **ret, size_t *ret_n)
{
	const json_t *v;
	uint8_t *a;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > max)
		return TA_ERR_PROTOCOL;
	/* One element at least: the readers need no NULL check. */
	if ((a = calloc(json_array_size(arr) + 1, size)) == NULL)
		return TA_ERR_NOMEM;
	json_array_foreach(ta__proto_unconst(arr), i, v)
	{
		if (!item(v, a + i * size)) {
			free(a);
			return TA_ERR_PROTOCOL;
		}
	}
	*ret = a;
	*ret_n = json_array_size(arr);
	return 0;
}

/* The elements of the lists: a string, made or read; a method's name; a
 * token's status; a key. */
static int
string_item(const void *ctx, size_t i, json_t **ret)
{
	const char *const *s = ctx;

	return (*ret = json_string(s[i])) != NULL ? 0 : TA_ERR_NOMEM;
}

static int
method_item(const void *ctx, size_t i, json_t **ret)
{
	(void)ctx;
	return (*ret = json_string(ta_proto_method_name((int)i + TA_PROTO_METHOD_NONE + 1))) != NULL
		   ? 0
		   : TA_ERR_NOMEM;
}

static int
token_status_item(const void *ctx, size_t i, json_t **ret)
{
	const struct ta_proto_token_status *t = (const struct ta_proto_token_status *)ctx + i;
	json_t *e = json_object();
	bool ok = ta__proto_put(e, "name", json_string(t->name)) &&
		  ta__proto_put(e, "uri", json_string(t->uri)) &&
		  ta__proto_put(e, "present", json_boolean(t->present)) &&
		  ta__proto_put(e, "unlocked", json_boolean(t->unlocked)) &&
		  ta__proto_put(e, "pin", json_string(ta_proto_pin_state_name(t->pin))) &&
		  ta__proto_put(e, "keys", json_integer(t->keys)) &&
		  (t->serial == NULL || ta__proto_put(e, "serial", json_string(t->serial))) &&
		  (t->model == NULL || ta__proto_put(e, "model", json_string(t->model))) &&
		  (t->manufacturer == NULL ||
		      ta__proto_put(e, "manufacturer", json_string(t->manufacturer)));

	return ta__proto_done(e, ok, ret);
}

static int
key_info_item(const void *ctx, size_t i, json_t **ret)
{
	return ta_proto_key_info_json((const struct ta_proto_key_info *)ctx + i, ret);
}

static bool
token_name_read(const json_t *t, void *dst)
{
	if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t) ||
	    !name_ok(json_string_value(t), TA_PROTO_TOKEN_MAX))
		return false;
	*(const char **)dst = json_string_value(t);
	return true;
}

static bool
token_status_read(const json_t *t, void *dst)
{
	static const char *const tmembers[] = {
	    "name", "uri", "present", "unlocked", "pin", "keys", "serial", "model", "manufacturer",
	    NULL};
	static const char *const ids[] = {"serial", "model", "manufacturer"};
	struct ta_proto_token_status *d = dst;
	const char **idv[] = {&d->serial, &d->model, &d->manufacturer};
	const json_t *keys = json_object_get(t, "keys");
	const char *pin = get_str(t, "pin", text_ok, 16);
	size_t p;

	for (p = 0; pin != NULL && p < N_PIN_STATES && strcmp(pin_states[p], pin) != 0; p++)
		;
	if (!json_is_object(t) || !ta__proto_only_members(t, tmembers) ||
	    (d->name = get_str(t, "name", name_ok, TA_PROTO_TOKEN_MAX)) == NULL ||
	    (d->uri = get_str(t, "uri", name_ok, TA_PROTO_URI_MAX)) == NULL ||
	    !get_bool(t, "present", &d->present) || !get_bool(t, "unlocked", &d->unlocked) ||
	    pin == NULL || p == N_PIN_STATES || !json_is_integer(keys) ||
	    json_integer_value(keys) < 0 || json_integer_value(keys) > UINT32_MAX)
		return false;
	d->pin = (enum ta_proto_pin_state)p;
	d->keys = (uint32_t)json_integer_value(keys);
	for (size_t i = 0; i < 3; i++) {
		*idv[i] = NULL;
		if (json_object_get(t, ids[i]) != NULL &&
		    (*idv[i] = get_str(t, ids[i], text_ok, TA_PROTO_TOKEN_ID_MAX)) == NULL)
			return false;
	}
	return true;
}

static bool
key_info_read(const json_t *k, void *dst)
{
	return ta_proto_decode_key_info(k, dst) == 0;
}

static json_t *
scope_or_null(bool has, const struct ta_proto_scope *s)
{
	return has ? ta_proto_scope_json(s) : json_null();
}

static bool
scope_valid(const struct ta_proto_scope *s)
{
	json_t *o = ta_proto_scope_json(s);
	struct ta_proto_scope back;
	char why[128];
	bool ok = o != NULL && ta_proto_scope_decode(o, "scope", &back, why, sizeof(why)) == 0;

	json_decref(o);
	return ok;
}

/* ---- hello, status, unlock, lock ---------------------------------------------------- */

int
ta_proto_hello_result_json(uint32_t version, const char *agent, json_t **ret)
{
	json_t *o, *names = NULL;
	bool ok;

	if (ret == NULL || version < 1 || version > TA_PROTO_VERSION_VALUE_MAX ||
	    !text_ok(agent, TA_PROTO_AGENT_MAX))
		return TA_ERR_INVALID;
	o = json_object();
	ok = o != NULL && ta__proto_array(TA_PROTO_METHOD_COUNT_ - TA_PROTO_METHOD_NONE - 1,
			      method_item, NULL, &names) == 0;
	ok = ok && ta__proto_put(o, "version", json_integer(version)) &&
	     ta__proto_put(o, "agent", json_string(agent)) &&
	     ta__proto_put(o, "methods", json_incref(names));
	json_decref(names);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_status_result_json(const struct ta_proto_status_result *res, json_t **ret)
{
	json_t *o, *arr = NULL;
	bool ok;

	if (ret == NULL || res == NULL || res->version < 1 ||
	    res->version > TA_PROTO_VERSION_VALUE_MAX || !text_ok(res->agent, TA_PROTO_AGENT_MAX) ||
	    res->n_tokens > TA_PROTO_TOKENS_MAX || (res->n_tokens > 0 && res->tokens == NULL))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < res->n_tokens; i++) {
		const struct ta_proto_token_status *t = &res->tokens[i];

		if (!name_ok(t->name, TA_PROTO_TOKEN_MAX) || !name_ok(t->uri, TA_PROTO_URI_MAX) ||
		    ta_proto_pin_state_name(t->pin) == NULL ||
		    (t->serial != NULL && !text_ok(t->serial, TA_PROTO_TOKEN_ID_MAX)) ||
		    (t->model != NULL && !text_ok(t->model, TA_PROTO_TOKEN_ID_MAX)) ||
		    (t->manufacturer != NULL && !text_ok(t->manufacturer, TA_PROTO_TOKEN_ID_MAX)))
			return TA_ERR_INVALID;
	}
	o = json_object();
	ok = o != NULL && ta__proto_array(res->n_tokens, token_status_item, res->tokens, &arr) == 0;
	ok = ok && ta__proto_put(o, "version", json_integer(res->version)) &&
	     ta__proto_put(o, "agent", json_string(res->agent)) &&
	     ta__proto_put(o, "tokens", json_incref(arr));
	json_decref(arr);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_decode_status_result(const json_t *result, struct ta_proto_status_result *ret)
{
	static const char *const members[] = {"version", "agent", "tokens", NULL};
	struct ta_proto_status_result s = {0};
	const json_t *version = json_object_get(result, "version");
	void *tokens;
	int r;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    !json_is_integer(version) || json_integer_value(version) < 1 ||
	    json_integer_value(version) > TA_PROTO_VERSION_VALUE_MAX ||
	    (s.agent = get_str(result, "agent", text_ok, TA_PROTO_AGENT_MAX)) == NULL)
		return TA_ERR_PROTOCOL;
	s.version = (uint32_t)json_integer_value(version);
	if ((r = ta__proto_get_array(json_object_get(result, "tokens"), TA_PROTO_TOKENS_MAX,
		 sizeof(*s.tokens), token_status_read, &tokens, &s.n_tokens)) != 0)
		return r;
	s.tokens = tokens;
	*ret = s;
	return 0;
}

void
ta_proto_status_result_clear(struct ta_proto_status_result *res)
{
	if (res == NULL)
		return;
	free(res->tokens);
	memset(res, 0, sizeof(*res));
}

int
ta_proto_unlock_result_json(const struct ta_proto_unlock_result *res, json_t **ret)
{
	json_t *o;

	if (ret == NULL || res == NULL || !name_ok(res->token, TA_PROTO_TOKEN_MAX))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o, ta__proto_put(o, "token", json_string(res->token)), ret);
}

int
ta_proto_decode_unlock_result(const json_t *result, struct ta_proto_unlock_result *ret)
{
	static const char *const members[] = {"token", NULL};
	struct ta_proto_unlock_result u = {0};

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    (u.token = get_str(result, "token", name_ok, TA_PROTO_TOKEN_MAX)) == NULL)
		return TA_ERR_PROTOCOL;
	*ret = u;
	return 0;
}

int
ta_proto_lock_result_json(const struct ta_proto_lock_result *res, json_t **ret)
{
	json_t *o, *arr = NULL;
	bool ok;

	if (ret == NULL || res == NULL || res->n_tokens > TA_PROTO_TOKENS_MAX ||
	    (res->n_tokens > 0 && res->tokens == NULL))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < res->n_tokens; i++)
		if (!name_ok(res->tokens[i], TA_PROTO_TOKEN_MAX))
			return TA_ERR_INVALID;
	o = json_object();
	ok = o != NULL && ta__proto_array(res->n_tokens, string_item, res->tokens, &arr) == 0;
	ok = ok && ta__proto_put(o, "tokens", json_incref(arr));
	json_decref(arr);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_decode_lock_result(const json_t *result, struct ta_proto_lock_result *ret)
{
	static const char *const members[] = {"tokens", NULL};
	struct ta_proto_lock_result l = {0};
	void *tokens;
	int r;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members))
		return TA_ERR_PROTOCOL;
	if ((r = ta__proto_get_array(json_object_get(result, "tokens"), TA_PROTO_TOKENS_MAX,
		 sizeof(*l.tokens), token_name_read, &tokens, &l.n_tokens)) != 0)
		return r;
	l.tokens = tokens;
	*ret = l;
	return 0;
}

void
ta_proto_lock_result_clear(struct ta_proto_lock_result *res)
{
	if (res == NULL)
		return;
	free(res->tokens);
	memset(res, 0, sizeof(*res));
}

/* ---- keys ------------------------------------------------------------------------ */

int
ta_proto_key_info_json(const struct ta_proto_key_info *k, json_t **ret)
{
	json_t *o, *ids;
	bool ok;

	if (ret == NULL || k == NULL || !name_ok(k->label, TA_PROTO_KEY_MAX) ||
	    !name_ok(k->token, TA_PROTO_TOKEN_MAX) || !name_ok(k->uri, TA_PROTO_URI_MAX) ||
	    ta_key_type_name(k->type) == NULL || !hex_ok(k->notary_id) || !hex_ok(k->tuf_id) ||
	    (k->has_scope && !scope_valid(&k->scope)))
		return TA_ERR_INVALID;
	o = json_object();
	ids = json_object();
	ok = ta__proto_put(ids, "notary", json_string(k->notary_id)) &&
	     ta__proto_put(ids, "tuf", json_string(k->tuf_id)) &&
	     ta__proto_put(o, "label", json_string(k->label)) &&
	     ta__proto_put(o, "token", json_string(k->token)) &&
	     ta__proto_put(o, "uri", json_string(k->uri)) &&
	     ta__proto_put(o, "type", json_string(ta_key_type_name(k->type))) &&
	     ta__proto_put(o, "keyids", json_incref(ids)) &&
	     ta__proto_put(o, "cert", json_boolean(k->cert)) &&
	     ta__proto_put(o, "scope", scope_or_null(k->has_scope, &k->scope));
	json_decref(ids);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_decode_key_info(const json_t *v, struct ta_proto_key_info *ret)
{
	static const char *const members[] = {
	    "label", "token", "uri", "type", "keyids", "cert", "scope", NULL};
	static const char *const id_members[] = {"notary", "tuf", NULL};
	const json_t *ids = json_object_get(v, "keyids");
	const char *type;

	if (ret == NULL)
		return TA_ERR_INVALID;
	memset(ret, 0, sizeof(*ret));
	if (!json_is_object(v) || !ta__proto_only_members(v, members) ||
	    (ret->label = get_str(v, "label", name_ok, TA_PROTO_KEY_MAX)) == NULL ||
	    (ret->token = get_str(v, "token", name_ok, TA_PROTO_TOKEN_MAX)) == NULL ||
	    (ret->uri = get_str(v, "uri", name_ok, TA_PROTO_URI_MAX)) == NULL ||
	    (type = get_str(v, "type", text_ok, 32)) == NULL ||
	    (ret->type = key_type_from(type)) == TA_KEY_NONE || !json_is_object(ids) ||
	    !ta__proto_only_members(ids, id_members) ||
	    (ret->notary_id = get_hex(ids, "notary")) == NULL ||
	    (ret->tuf_id = get_hex(ids, "tuf")) == NULL || !get_bool(v, "cert", &ret->cert) ||
	    !get_scope(v, &ret->has_scope, &ret->scope)) {
		memset(ret, 0, sizeof(*ret));
		return TA_ERR_PROTOCOL;
	}
	return 0;
}

int
ta_proto_key_list_result_json(const struct ta_proto_key_list_result *res, json_t **ret)
{
	json_t *o, *arr = NULL;
	int r;

	if (ret == NULL || res == NULL || (res->n_keys > 0 && res->keys == NULL))
		return TA_ERR_INVALID;
	if ((r = ta__proto_array(res->n_keys, key_info_item, res->keys, &arr)) != 0)
		return r;
	o = json_object();
	return ta__proto_done(
	    o, ta__proto_put(o, "keys", arr), ret); /* ta__proto_put() frees arr when o is NULL */
}

int
ta_proto_decode_key_list_result(const json_t *result, struct ta_proto_key_list_result *ret)
{
	static const char *const members[] = {"keys", NULL};
	struct ta_proto_key_list_result l = {0};
	void *keys;
	int r;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members))
		return TA_ERR_PROTOCOL;
	if ((r = ta__proto_get_array(json_object_get(result, "keys"), SIZE_MAX, sizeof(*l.keys),
		 key_info_read, &keys, &l.n_keys)) != 0)
		return r;
	l.keys = keys;
	*ret = l;
	return 0;
}

void
ta_proto_key_list_result_clear(struct ta_proto_key_list_result *res)
{
	if (res == NULL)
		return;
	free(res->keys);
	memset(res, 0, sizeof(*res));
}

int
ta_proto_key_generate_result_json(const struct ta_proto_key_generate_result *res, json_t **ret)
{
	json_t *o, *k = NULL;
	int r;

	if (ret == NULL || res == NULL)
		return TA_ERR_INVALID;
	if ((r = ta_proto_key_info_json(&res->key, &k)) != 0)
		return r;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "key", k) &&
		(!res->logged_out || ta__proto_put(o, "logged_out", json_true())),
	    ret);
}

int
ta_proto_decode_key_generate_result(const json_t *result, struct ta_proto_key_generate_result *ret)
{
	static const char *const members[] = {"key", "logged_out", NULL};
	const json_t *lo;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members))
		return TA_ERR_PROTOCOL;
	/* Present only when true. */
	lo = json_object_get(result, "logged_out");
	if (lo != NULL && !json_is_true(lo))
		return TA_ERR_PROTOCOL;
	ret->logged_out = lo != NULL;
	return ta_proto_decode_key_info(json_object_get(result, "key"), &ret->key);
}

int
ta_proto_key_cert_result_json(const struct ta_proto_key_cert_result *res, json_t **ret)
{
	json_t *o;

	if (ret == NULL || res == NULL || !pem_ok(res->pem, res->pem_len) ||
	    !time_ok(res->not_after))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "pem", json_stringn(res->pem, res->pem_len)) &&
		ta__proto_put(o, "stored", json_boolean(res->stored)) &&
		ta__proto_put(o, "not_after", json_string(res->not_after)),
	    ret);
}

int
ta_proto_decode_key_cert_result(const json_t *result, struct ta_proto_key_cert_result *ret)
{
	static const char *const members[] = {"pem", "stored", "not_after", NULL};
	struct ta_proto_key_cert_result c = {0};
	const json_t *pem = json_object_get(result, "pem"),
		     *na = json_object_get(result, "not_after");

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    !json_is_string(pem) || !pem_ok(json_string_value(pem), json_string_length(pem)) ||
	    !get_bool(result, "stored", &c.stored) || !json_is_string(na) ||
	    json_string_length(na) != TA_PROTO_TIME_LEN || !time_ok(json_string_value(na)))
		return TA_ERR_PROTOCOL;
	c.pem = json_string_value(pem);
	c.pem_len = json_string_length(pem);
	c.not_after = json_string_value(na);
	*ret = c;
	return 0;
}

int
ta_proto_key_attest_result_json(const struct ta_proto_key_attest_result *res, json_t **ret)
{
	json_t *o;

	if (ret == NULL || res == NULL || !pem_ok(res->attestation, res->attestation_len) ||
	    !pem_ok(res->signer, res->signer_len))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "attestation", json_stringn(res->attestation, res->attestation_len)) &&
		ta__proto_put(o, "signer", json_stringn(res->signer, res->signer_len)),
	    ret);
}

int
ta_proto_decode_key_attest_result(const json_t *result, struct ta_proto_key_attest_result *ret)
{
	static const char *const members[] = {"attestation", "signer", NULL};
	const json_t *a = json_object_get(result, "attestation"), *s = json_object_get(result, "signer");

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    !json_is_string(a) || !pem_ok(json_string_value(a), json_string_length(a)) ||
	    !json_is_string(s) || !pem_ok(json_string_value(s), json_string_length(s)))
		return TA_ERR_PROTOCOL;
	*ret = (struct ta_proto_key_attest_result){.attestation = json_string_value(a),
	    .attestation_len = json_string_length(a),
	    .signer = json_string_value(s),
	    .signer_len = json_string_length(s)};
	return 0;
}

int
ta_proto_key_show_result_json(const struct ta_proto_key_show_result *res, json_t **ret)
{
	json_t *o;

	if (ret == NULL || res == NULL || ta_proto_profile_name(res->profile) == NULL ||
	    !hex_ok(res->keyid) || !json_is_object(res->key) ||
	    (res->has_scope && !scope_valid(&res->scope)))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "profile", json_string(ta_proto_profile_name(res->profile))) &&
		ta__proto_put(o, "keyid", json_string(res->keyid)) &&
		ta__proto_put(o, "key", json_incref(ta__proto_unconst(res->key))) &&
		ta__proto_put(o, "scope", scope_or_null(res->has_scope, &res->scope)),
	    ret);
}

int
ta_proto_decode_key_show_result(const json_t *result, struct ta_proto_key_show_result *ret)
{
	static const char *const members[] = {"profile", "keyid", "key", "scope", NULL};
	struct ta_proto_key_show_result s;

	if (ret == NULL)
		return TA_ERR_INVALID;
	memset(&s, 0, sizeof(s));
	s.key = json_object_get(result, "key");
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    (s.profile = profile_from(json_string_value(json_object_get(result, "profile")))) ==
		TA_PROTO_PROFILE_NONE ||
	    (s.keyid = get_hex(result, "keyid")) == NULL || !json_is_object(s.key) ||
	    !get_scope(result, &s.has_scope, &s.scope))
		return TA_ERR_PROTOCOL;
	*ret = s;
	return 0;
}

int
ta_proto_key_scope_result_json(const struct ta_proto_key_scope_result *res, json_t **ret)
{
	json_t *o;

	if (ret == NULL || res == NULL || !name_ok(res->label, TA_PROTO_KEY_MAX) ||
	    !hex_ok(res->keyid) || (res->has_scope && !scope_valid(&res->scope)))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "label", json_string(res->label)) &&
		ta__proto_put(o, "keyid", json_string(res->keyid)) &&
		ta__proto_put(o, "scope", scope_or_null(res->has_scope, &res->scope)),
	    ret);
}

int
ta_proto_decode_key_scope_result(const json_t *result, struct ta_proto_key_scope_result *ret)
{
	static const char *const members[] = {"label", "keyid", "scope", NULL};
	struct ta_proto_key_scope_result s;

	if (ret == NULL)
		return TA_ERR_INVALID;
	memset(&s, 0, sizeof(s));
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    (s.label = get_str(result, "label", name_ok, TA_PROTO_KEY_MAX)) == NULL ||
	    (s.keyid = get_hex(result, "keyid")) == NULL ||
	    !get_scope(result, &s.has_scope, &s.scope))
		return TA_ERR_PROTOCOL;
	*ret = s;
	return 0;
}

bool
ta__proto_sign_result_ok(const struct ta_proto_sign_result *res)
{
	if (res == NULL || res->file == NULL || res->file_len == 0 ||
	    res->file_len > TA_PROTO_MAX_FRAME || memchr(res->file, '\0', res->file_len) != NULL ||
	    !ta__proto_utf8_ok((const uint8_t *)res->file, res->file_len) || res->n_keyids == 0 ||
	    res->n_keyids > TA_PROTO_KEYS_MAX || !hex_ok(res->sha256))
		return false;
	for (size_t i = 0; i < res->n_keyids; i++)
		if (!hex_ok(res->keyids[i]))
			return false;
	return true;
}

int
ta_proto_sign_result_json(const struct ta_proto_sign_result *res, json_t **ret)
{
	json_t *o, *ids;
	bool ok;

	if (ret == NULL || !ta__proto_sign_result_ok(res))
		return TA_ERR_INVALID;
	o = json_object();
	ids = json_array();
	ok = o != NULL && ids != NULL;
	for (size_t i = 0; ok && i < res->n_keyids; i++)
		ok = json_array_append_new(ids, json_string(res->keyids[i])) == 0;
	ok = ok && ta__proto_put(o, "file", json_stringn(res->file, res->file_len)) &&
	     ta__proto_put(o, "keyids", json_incref(ids)) &&
	     ta__proto_put(o, "sha256", json_string(res->sha256));
	json_decref(ids);
	return ta__proto_done(o, ok, ret);
}
