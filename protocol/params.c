/* Request params (client side): the typed request structs that
 * ta_proto_decode_request() fills, as the params objects it reads back. */
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/secret.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

/* o[key] = v (a new reference); frees v when o is NULL. */
static bool
put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0;
}

/* o[key] = s unless s is "" (an optional member left out). */
static bool
put_opt(json_t *o, const char *key, const char *s)
{
	return s[0] == '\0' || put(o, key, json_string(s));
}

static int
done(json_t *o, bool ok, json_t **ret)
{
	if (!ok) {
		json_decref(o);
		return TA_ERR_NOMEM;
	}
	*ret = o;
	return 0;
}

int
ta_proto_hello_params(const struct ta_proto_hello *p, json_t **ret)
{
	json_t *o, *v;
	bool ok;

	if (p == NULL || ret == NULL || p->n_versions == 0 || p->n_versions > TA_PROTO_VERSIONS_MAX)
		return TA_ERR_INVALID;
	o = json_object();
	v = json_array();
	ok = o != NULL && v != NULL;
	for (size_t i = 0; ok && i < p->n_versions; i++)
		ok = json_array_append_new(v, json_integer(p->versions[i])) == 0;
	ok = ok && put(o, "versions", json_incref(v)) && put_opt(o, "client", p->client);
	json_decref(v);
	return done(o, ok, ret);
}

int
ta_proto_unlock_params(const struct ta_proto_unlock *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->pin == NULL || p->pin->len == 0)
		return TA_ERR_INVALID;
	o = json_object();
	return done(o,
	    put_opt(o, "token", p->token) &&
		put(o, "pin", json_stringn((const char *)p->pin->data, p->pin->len)),
	    ret);
}

int
ta_proto_token_params(const struct ta_proto_token_params *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL)
		return TA_ERR_INVALID;
	o = json_object();
	return done(o, o != NULL && put_opt(o, "token", p->token), ret);
}

int
ta_proto_key_generate_params(const struct ta_proto_key_generate *p, json_t **ret)
{
	json_t *o;

	if (p == NULL || ret == NULL || p->label[0] == '\0' || ta_key_type_name(p->type) == NULL)
		return TA_ERR_INVALID;
	o = json_object();
	return done(o,
	    put_opt(o, "token", p->token) && put(o, "label", json_string(p->label)) &&
		put(o, "type", json_string(ta_key_type_name(p->type))) &&
		(!p->has_scope || put(o, "scope", ta_proto_scope_json(&p->scope))),
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
	return done(o,
	    put(o, "key", json_string(p->key)) && put(o, "gun", json_string(p->gun)) &&
		(p->days == 0 || put(o, "days", json_integer(p->days))) &&
		(!p->store || put(o, "store", json_true())),
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
	return done(o,
	    put(o, "key", json_string(p->key)) &&
		put(o, "profile", json_string(ta_proto_profile_name(p->profile))),
	    ret);
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
	ok = ok && put(o, "profile", json_string(ta_proto_profile_name(p->profile))) &&
	     put(o, "role", json_string(p->role)) && put(o, "keys", json_incref(keys)) &&
	     put(o, "file", json_stringn(p->file, p->file_len)) && put_opt(o, "gun", p->gun) &&
	     (p->prev_root == NULL ||
		 put(o, "prev_root", json_stringn(p->prev_root, p->prev_root_len))) &&
	     (p->parent == NULL || put(o, "parent", json_stringn(p->parent, p->parent_len)));
	json_decref(keys);
	return done(o, ok, ret);
}

int
ta_proto_key_scope_params(const struct ta_proto_key_scope *p, json_t **ret)
{
	json_t *o;
	bool ok;

	if (p == NULL || ret == NULL || p->key[0] == '\0')
		return TA_ERR_INVALID;
	o = json_object();
	ok = put(o, "key", json_string(p->key));
	switch (p->op) {
	case TA_PROTO_SCOPE_SHOW:
		break;
	case TA_PROTO_SCOPE_SET:
		ok = ok && put(o, "set", ta_proto_scope_json(&p->scope));
		break;
	case TA_PROTO_SCOPE_ADD:
		ok = ok && put(o, "add", ta_proto_scope_json(&p->scope));
		break;
	case TA_PROTO_SCOPE_CLEAR:
		ok = ok && put(o, "clear", json_true());
		break;
	default:
		json_decref(o);
		return TA_ERR_INVALID;
	}
	return done(o, ok, ret);
}
