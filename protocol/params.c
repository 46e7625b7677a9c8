/* Request params (client side): the typed request structs that
 * ta_proto_decode_request() fills, as the params objects it reads back. */
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/secret.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

/* o[key] = s unless s is "" (an optional member left out). */
static bool
put_opt(json_t *o, const char *key, const char *s)
{
	return s[0] == '\0' || ta__proto_put(o, key, json_string(s));
}

static int
version_item(const void *ctx, size_t i, json_t **ret)
{
	return (*ret = json_integer(((const uint32_t *)ctx)[i])) != NULL ? 0 : TA_ERR_NOMEM;
}

int
ta_proto_hello_params(const struct ta_proto_hello *p, json_t **ret)
{
	json_t *o, *v = NULL;
	bool ok;

	if (p == NULL || ret == NULL || p->n_versions == 0 || p->n_versions > TA_PROTO_VERSIONS_MAX)
		return TA_ERR_INVALID;
	o = json_object();
	ok = o != NULL && ta__proto_array(p->n_versions, version_item, p->versions, &v) == 0;
	ok = ok && ta__proto_put(o, "versions", json_incref(v)) && put_opt(o, "client", p->client);
	json_decref(v);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_unlock_params(const struct ta_proto_unlock *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->pin == NULL || p->pin->len == 0)
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    put_opt(o, "token", p->token) &&
		ta__proto_put(o, "pin", json_stringn((const char *)p->pin->data, p->pin->len)),
	    ret);
}

int
ta_proto_token_params(const struct ta_proto_token_params *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL)
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o, o != NULL && put_opt(o, "token", p->token), ret);
}

int
ta_proto_key_generate_params(const struct ta_proto_key_generate *p, json_t **ret)
{
	json_t *o;
	char slot[3] = "";

	if (p == NULL || ret == NULL || (p->label[0] == '\0' && p->slot == 0) ||
	    ta_key_type_name(p->type) == NULL)
		return TA_ERR_INVALID;
	if (p->slot != 0) {
		(void)snprintf(slot, sizeof(slot), "%02x", p->slot & 0xffu);
		if (p->slot > 0xff || ta_proto_piv_slot(slot) != p->slot)
			return TA_ERR_INVALID;
	}
	o = json_object();
	return ta__proto_done(o,
	    put_opt(o, "token", p->token) && put_opt(o, "label", p->label) &&
		put_opt(o, "slot", slot) &&
		ta__proto_put(o, "type", json_string(ta_key_type_name(p->type))) &&
		(!p->has_scope || ta__proto_put(o, "scope", ta_proto_scope_json(&p->scope))),
	    ret);
}

int
ta_proto_key_cert_params(const struct ta_proto_key_cert *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->key[0] == '\0' || p->gun[0] == '\0' ||
	    (p->days != 0 && (p->days < TA_PROTO_DAYS_MIN || p->days > TA_PROTO_DAYS_MAX)))
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "key", json_string(p->key)) &&
		ta__proto_put(o, "gun", json_string(p->gun)) &&
		(p->days == 0 || ta__proto_put(o, "days", json_integer(p->days))) &&
		(!p->store || ta__proto_put(o, "store", json_true())),
	    ret);
}

int
ta_proto_key_show_params(const struct ta_proto_key_show *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->key[0] == '\0' ||
	    ta_proto_profile_name(p->profile) == NULL)
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o,
	    ta__proto_put(o, "key", json_string(p->key)) &&
		ta__proto_put(o, "profile", json_string(ta_proto_profile_name(p->profile))),
	    ret);
}

int
ta_proto_key_attest_params(const struct ta_proto_key_attest *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->key[0] == '\0')
		return TA_ERR_INVALID;
	o = json_object();
	return ta__proto_done(o, ta__proto_put(o, "key", json_string(p->key)), ret);
}

int
ta_proto_sign_params(const struct ta_proto_sign *p, json_t **ret)
{
	json_t *o, *keys;
	bool ok;

	if (p == NULL || ret == NULL || ta_proto_profile_name(p->profile) == NULL ||
	    p->role[0] == '\0' || p->n_keys == 0 || p->n_keys > TA_PROTO_KEYS_MAX ||
	    p->file == NULL || p->file_len == 0)
		return TA_ERR_INVALID;
	o = json_object();
	keys = json_array();
	ok = o != NULL && keys != NULL;
	for (size_t i = 0; ok && i < p->n_keys; i++)
		ok = json_array_append_new(keys, json_string(p->keys[i])) == 0;
	ok = ok && ta__proto_put(o, "profile", json_string(ta_proto_profile_name(p->profile))) &&
	     ta__proto_put(o, "role", json_string(p->role)) &&
	     ta__proto_put(o, "keys", json_incref(keys)) &&
	     ta__proto_put(o, "file", json_stringn(p->file, p->file_len)) &&
	     put_opt(o, "gun", p->gun) &&
	     (p->prev_root == NULL ||
		 ta__proto_put(o, "prev_root", json_stringn(p->prev_root, p->prev_root_len))) &&
	     (p->parent == NULL ||
		 ta__proto_put(o, "parent", json_stringn(p->parent, p->parent_len)));
	json_decref(keys);
	return ta__proto_done(o, ok, ret);
}

int
ta_proto_key_scope_params(const struct ta_proto_key_scope *p, json_t **ret)
{
	json_t *o;
	bool ok;

	if (p == NULL || ret == NULL || p->key[0] == '\0')
		return TA_ERR_INVALID;
	o = json_object();
	ok = ta__proto_put(o, "key", json_string(p->key));
	switch (p->op) {
	case TA_PROTO_SCOPE_SHOW:
		break;
	case TA_PROTO_SCOPE_SET:
		ok = ok && ta__proto_put(o, "set", ta_proto_scope_json(&p->scope));
		break;
	case TA_PROTO_SCOPE_ADD:
		ok = ok && ta__proto_put(o, "add", ta_proto_scope_json(&p->scope));
		break;
	case TA_PROTO_SCOPE_CLEAR:
		ok = ok && ta__proto_put(o, "clear", json_true());
		break;
	default:
		json_decref(o);
		return TA_ERR_INVALID;
	}
	return ta__proto_done(o, ok, ret);
}
