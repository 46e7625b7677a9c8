/* The metadata model's editing side (tuf/meta.h): a root's keys and
 * thresholds, targets and their hashes, delegations and the paths they
 * cover, and the file descriptions of snapshot and timestamp.  Parsing,
 * shape checks and writing are tuf/meta.c's. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/bins.h"
#include "tuf/json.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/meta_int.h"

/* ---- root ---------------------------------------------------------------- */

static json_t *
root_role(struct ta_meta *m, const char *role)
{
	enum ta_role_type t;

	if (m->type != TA_ROLE_ROOT || role == NULL || ta_role_type_of(m->profile, role, &t) != 0 ||
	    strchr(role, '/') != NULL || (t == TA_ROLE_TARGETS && strcmp(role, "targets") != 0))
		return NULL;
	return json_object_get(json_object_get(m->signed_v, "roles"), role);
}

int
ta_meta_root_add_key(struct ta_meta *m, const char *role, const char *keyid, const json_t *key)
{
	json_t *r = root_role(m, role), *ids;

	if (r == NULL || keyid == NULL || !ta__meta_is_hex(keyid, 64) || !json_is_object(key))
		return TA_ERR_INVALID;
	ids = json_object_get(r, "keyids");
	if (json_object_set_new(json_object_get(m->signed_v, "keys"), keyid, json_deep_copy(key)))
		return TA_ERR_NOMEM;
	if (!ta_json_array_has_string(ids, keyid) && json_array_append_new(ids, json_string(keyid)))
		return TA_ERR_NOMEM;
	return 0;
}

int
ta_meta_root_add_ta_key(struct ta_meta *m, const char *role, const struct ta_key *k)
{
	json_t *obj = NULL;
	int r;

	if ((r = ta_key_to_json(k, &obj)) == 0)
		r = ta_meta_root_add_key(m, role, ta_key_id(k), obj);
	json_decref(obj);
	return r;
}

int
ta_meta_root_remove_key(struct ta_meta *m, const char *role, const char *keyid)
{
	json_t *r = root_role(m, role), *ids, *roles, *v;
	const char *name;
	size_t i;
	bool used = false;

	if (r == NULL || keyid == NULL)
		return TA_ERR_INVALID;
	ids = json_object_get(r, "keyids");
	json_array_foreach(ids, i, v)
		if (strcmp(json_string_value(v), keyid) == 0)
			break;
	if (i == json_array_size(ids))
		return TA_ERR_NOT_FOUND;
	(void)json_array_remove(ids, i);
	roles = json_object_get(m->signed_v, "roles");
	json_object_foreach(roles, name, v)
		used |= ta_json_array_has_string(json_object_get(v, "keyids"), keyid);
	if (!used)
		(void)json_object_del(json_object_get(m->signed_v, "keys"), keyid);
	return 0;
}

int
ta_meta_root_set_threshold(struct ta_meta *m, const char *role, int64_t threshold)
{
	json_t *r = root_role(m, role);

	if (r == NULL || threshold < 1 || threshold > 255)
		return TA_ERR_INVALID;
	return json_object_set_new(r, "threshold", json_integer(threshold)) ? TA_ERR_NOMEM : 0;
}

/* ---- targets ------------------------------------------------------------- */

static json_t *
hash_string(enum ta_profile p, const uint8_t *d, size_t len)
{
	char buf[2 * 64 + 1];

	if (p == TA_PROFILE_NOTARY) {
		(void)EVP_EncodeBlock((unsigned char *)buf, d, (int)len);
	} else {
		for (size_t i = 0; i < len; i++)
			(void)snprintf(buf + 2 * i, 3, "%02x", d[i]);
	}
	return json_string(buf);
}

static json_t *
hashes_json(enum ta_profile p, const struct ta_target_hashes *h)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if ((h->has_sha256 && json_object_set_new(o, "sha256", hash_string(p, h->sha256, 32))) ||
	    (h->has_sha512 && json_object_set_new(o, "sha512", hash_string(p, h->sha512, 64)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
ta_meta_target_add(struct ta_meta *m, const char *name, int64_t length,
    const struct ta_target_hashes *h, const json_t *custom)
{
	json_t *t, *hs;

	if (m->type != TA_ROLE_TARGETS || name == NULL || *name == '\0' ||
	    strlen(name) > TA_TARGET_NAME_MAX || length < 0 || length > TA_JSON_INT_LIMIT ||
	    h == NULL || !h->has_sha256 || (custom != NULL && json_is_null(custom)))
		return TA_ERR_INVALID;
	if ((t = json_string(name)) == NULL) /* not UTF-8: jansson's own check */
		return TA_ERR_INVALID;
	json_decref(t);
	if ((hs = hashes_json(m->profile, h)) == NULL)
		return TA_ERR_NOMEM;
	t = json_pack("{s:I, s:o}", "length", (json_int_t)length, "hashes", hs);
	if (t == NULL)
		return TA_ERR_NOMEM;
	if (custom != NULL && json_object_set_new(t, "custom", json_deep_copy(custom)) != 0) {
		json_decref(t);
		return TA_ERR_NOMEM;
	}
	if (ta_json_check(t, m->profile, NULL) != 0) {
		json_decref(t);
		return TA_ERR_INVALID;
	}
	return json_object_set_new(json_object_get(m->signed_v, "targets"), name, t) ?
	    TA_ERR_NOMEM : 0;
}

int
ta_meta_target_remove(struct ta_meta *m, const char *name)
{
	if (m->type != TA_ROLE_TARGETS || name == NULL)
		return TA_ERR_INVALID;
	return json_object_del(json_object_get(m->signed_v, "targets"), name) ? TA_ERR_NOT_FOUND : 0;
}

static int
get_hashes(enum ta_profile p, const json_t *hs, struct ta_target_hashes *h)
{
	const char *v;
	size_t len;

	memset(h, 0, sizeof(*h));
	if ((v = json_string_value(json_object_get(hs, "sha256"))) != NULL) {
		if ((p == TA_PROFILE_NOTARY ? ta__meta_unb64(v, h->sha256, 32, &len) :
					      ta__meta_unhex(v, h->sha256, 32, &len)) != 0 || len != 32)
			return TA_ERR_FORMAT;
		h->has_sha256 = true;
	}
	if ((v = json_string_value(json_object_get(hs, "sha512"))) != NULL) {
		if ((p == TA_PROFILE_NOTARY ? ta__meta_unb64(v, h->sha512, 64, &len) :
					      ta__meta_unhex(v, h->sha512, 64, &len)) != 0 || len != 64)
			return TA_ERR_FORMAT;
		h->has_sha512 = true;
	}
	return 0;
}

int
ta_meta_target_get(const struct ta_meta *m, const char *name, int64_t *ret_length,
    struct ta_target_hashes *ret_h)
{
	json_t *t;
	struct ta_target_hashes h;
	int r;

	if (m->type != TA_ROLE_TARGETS || name == NULL)
		return TA_ERR_INVALID;
	if ((t = json_object_get(json_object_get(m->signed_v, "targets"), name)) == NULL)
		return TA_ERR_NOT_FOUND;
	if ((r = get_hashes(m->profile, json_object_get(t, "hashes"), &h)) != 0)
		return r;
	*ret_length = json_integer_value(json_object_get(t, "length"));
	*ret_h = h;
	return 0;
}

static json_t *
delegations(struct ta_meta *m)
{
	json_t *d = json_object_get(m->signed_v, "delegations");

	if (d == NULL && m->type == TA_ROLE_TARGETS) {
		d = json_pack("{s:{}, s:[]}", "keys", "roles");
		if (d == NULL || json_object_set_new(m->signed_v, "delegations", d) != 0)
			return NULL;
	}
	return d;
}

int
ta_meta_delegation_remove(struct ta_meta *m, const char *name)
{
	json_t *d, *roles, *role, *keys, *other;
	const char *id;
	void *tmp;
	size_t i, j;

	if (m->type != TA_ROLE_TARGETS || name == NULL || (d = delegations(m)) == NULL)
		return TA_ERR_INVALID;
	roles = json_object_get(d, "roles");
	json_array_foreach(roles, i, role)
		if (strcmp(json_string_value(json_object_get(role, "name")), name) == 0)
			break;
	if (i == json_array_size(roles))
		return TA_ERR_NOT_FOUND;
	(void)json_array_remove(roles, i);
	/* Drop keys no remaining role uses. */
	keys = json_object_get(d, "keys");
	json_object_foreach_safe(keys, tmp, id, other) {
		bool used = false;

		json_array_foreach(roles, j, role)
			used |= ta_json_array_has_string(json_object_get(role, "keyids"), id);
		if (!used)
			(void)json_object_del(keys, id);
	}
	return 0;
}

int
ta_meta_delegation_set(struct ta_meta *m, const char *name, const char *const *keyids,
    const json_t *const *keys, size_t nkeys, int64_t threshold, const char *const *paths,
    size_t npaths, bool all_paths, bool terminating)
{
	enum ta_role_type t;
	json_t *d, *role = NULL, *ids = NULL, *ps = NULL;
	int r;

	if (m->type != TA_ROLE_TARGETS || ta_role_type_of(m->profile, name, &t) != 0 ||
	    t != TA_ROLE_TARGETS || strcmp(name, "targets") == 0 || nkeys == 0 || threshold < 1 ||
	    threshold > (int64_t)nkeys || (npaths > 0 && all_paths))
		return TA_ERR_INVALID;
	if ((d = delegations(m)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < nkeys; i++)
		if (keyids[i] == NULL || !ta__meta_is_hex(keyids[i], 64) || !json_is_object(keys[i]))
			return TA_ERR_INVALID;
	if ((ids = json_array()) == NULL || (ps = json_array()) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nkeys; i++)
		if (!ta_json_array_has_string(ids, keyids[i]) &&
		    json_array_append_new(ids, json_string(keyids[i]))) {
			r = TA_ERR_NOMEM;
			goto out;
		}
	if (all_paths && json_array_append_new(ps, json_string(m->profile == TA_PROFILE_NOTARY ?
								"" : "*"))) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < npaths; i++) {
		json_t *p = json_string(paths[i]);

		if (p == NULL || json_array_append_new(ps, p)) {
			r = TA_ERR_INVALID;
			goto out;
		}
	}
	role = json_pack("{s:s, s:O, s:I}", "name", name, "keyids", ids, "threshold",
	    (json_int_t)threshold);
	if (role == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	/* Notary omits empty paths; tuf needs paths (or hash prefixes). */
	if ((json_array_size(ps) > 0 || m->profile == TA_PROFILE_TUF) &&
	    json_object_set(role, "paths", ps)) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (m->profile == TA_PROFILE_TUF &&
	    json_object_set_new(role, "terminating", json_boolean(terminating))) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if ((r = ta_meta_delegation_remove(m, name)) != 0 && r != TA_ERR_NOT_FOUND)
		goto out;
	for (size_t i = 0; i < nkeys; i++)
		if (json_object_set_new(json_object_get(d, "keys"), keyids[i],
			json_deep_copy(keys[i]))) {
			r = TA_ERR_NOMEM;
			goto out;
		}
	r = json_array_append(json_object_get(d, "roles"), role) ? TA_ERR_NOMEM : 0;
out:
	json_decref(role);
	json_decref(ids);
	json_decref(ps);
	return r;
}

/* ---- snapshot and timestamp ------------------------------------------- */

static int
file_key(const struct ta_meta *m, const char *role, char *out, size_t outlen)
{
	enum ta_role_type t;

	if ((m->type != TA_ROLE_SNAPSHOT && m->type != TA_ROLE_TIMESTAMP) ||
	    ta_role_type_of(m->profile, role, &t) != 0 ||
	    (m->type == TA_ROLE_TIMESTAMP && t != TA_ROLE_SNAPSHOT) ||
	    (m->type == TA_ROLE_SNAPSHOT && (t == TA_ROLE_SNAPSHOT || t == TA_ROLE_TIMESTAMP)) ||
	    (m->profile == TA_PROFILE_TUF && t == TA_ROLE_ROOT))
		return TA_ERR_INVALID;
	if ((size_t)snprintf(out, outlen, "%s%s", role, m->profile == TA_PROFILE_TUF ? ".json" :
										  "") >= outlen)
		return TA_ERR_INVALID;
	return 0;
}

int
ta_meta_set_file(struct ta_meta *m, const char *role, const uint8_t *file, size_t len,
    int64_t version)
{
	struct ta_target_hashes h = { .has_sha256 = true, .has_sha512 = true };
	char key[TA_ROLE_NAME_MAX + 6];
	json_t *fm, *hs;
	int r;

	if ((r = file_key(m, role, key, sizeof(key))) != 0 || file == NULL ||
	    (m->profile == TA_PROFILE_TUF && version < 1))
		return r ? r : TA_ERR_INVALID;
	/* TUF clients need only sha256 (the first hash names consistent
	 * targets); notary writes both. */
	h.has_sha512 = m->profile == TA_PROFILE_NOTARY;
	if (EVP_Digest(file, len, h.sha256, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(file, len, h.sha512, NULL, EVP_sha512(), NULL) != 1)
		return TA_ERR_CRYPTO;
	if ((hs = hashes_json(m->profile, &h)) == NULL)
		return TA_ERR_NOMEM;
	fm = json_pack("{s:I, s:o}", "length", (json_int_t)len, "hashes", hs);
	if (fm == NULL)
		return TA_ERR_NOMEM;
	if (m->profile == TA_PROFILE_TUF &&
	    json_object_set_new(fm, "version", json_integer(version))) {
		json_decref(fm);
		return TA_ERR_NOMEM;
	}
	return json_object_set_new(json_object_get(m->signed_v, "meta"), key, fm) ? TA_ERR_NOMEM :
										      0;
}

int
ta_meta_check_file(const struct ta_meta *m, const char *role, const uint8_t *file, size_t len)
{
	char key[TA_ROLE_NAME_MAX + 6];
	struct ta_target_hashes h, want;
	json_t *fm, *l;
	int r;

	if ((r = file_key(m, role, key, sizeof(key))) != 0)
		return r;
	if ((fm = json_object_get(json_object_get(m->signed_v, "meta"), key)) == NULL)
		return TA_ERR_NOT_FOUND;
	if ((l = json_object_get(fm, "length")) != NULL && json_integer_value(l) != (json_int_t)len)
		return TA_ERR_VERIFY;
	if (json_object_get(fm, "hashes") == NULL)
		return m->profile == TA_PROFILE_NOTARY ? TA_ERR_FORMAT : 0;
	if ((r = get_hashes(m->profile, json_object_get(fm, "hashes"), &want)) != 0)
		return r;
	if (m->profile == TA_PROFILE_NOTARY && !want.has_sha256)
		return TA_ERR_FORMAT;
	if (EVP_Digest(file, len, h.sha256, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(file, len, h.sha512, NULL, EVP_sha512(), NULL) != 1)
		return TA_ERR_CRYPTO;
	if ((want.has_sha256 && memcmp(h.sha256, want.sha256, 32) != 0) ||
	    (want.has_sha512 && memcmp(h.sha512, want.sha512, 64) != 0))
		return TA_ERR_VERIFY;
	return 0;
}

bool
ta_delegation_covers(enum ta_profile profile, const json_t *d, const char *path)
{
	const json_t *paths = json_object_get(d, "paths"), *v;
	const json_t *prefixes = json_object_get(d, "path_hash_prefixes");
	size_t i;

	if (path == NULL)
		return false;
	if (profile == TA_PROFILE_TUF && json_object_get(d, "bit_length") != NULL) {
		/* A succinct_roles object (TAP 15), "name" one of its bins. */
		const json_t *bl = json_object_get(d, "bit_length");
		const char *pre = json_string_value(json_object_get(d, "name_prefix"));
		const char *name = json_string_value(json_object_get(d, "name"));
		uint32_t idx;

		if (!json_is_integer(bl) || json_integer_value(bl) < 1 ||
		    json_integer_value(bl) > 32 || pre == NULL)
			return false;
		if (json_object_get(d, "name") == NULL)
			return true;
		return name != NULL &&
		    ta_bins_parse(name, pre, (unsigned)json_integer_value(bl), &idx) == 0 &&
		    ta_bins_for_path((unsigned)json_integer_value(bl), path) == (int64_t)idx;
	}
	json_array_foreach(paths, i, v)
	{
		const char *p = json_string_value(v);

		if (p == NULL)
			continue;
		if (profile == TA_PROFILE_NOTARY ? strncmp(path, p, strlen(p)) == 0
						 : fnmatch(p, path, FNM_PATHNAME) == 0)
			return true;
	}
	if (profile == TA_PROFILE_TUF && json_is_array(prefixes)) {
		unsigned char md[32];
		char hex[65];

		if (EVP_Digest(path, strlen(path), md, NULL, EVP_sha256(), NULL) != 1)
			return false;
		ta_hex(hex, md, sizeof(md));
		json_array_foreach(prefixes, i, v)
		{
			const char *p = json_string_value(v);

			if (p != NULL && strncmp(hex, p, strlen(p)) == 0)
				return true;
		}
	}
	return false;
}
