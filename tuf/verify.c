#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/json.h"
#include "tuf/sig.h"
#include "tuf/verify.h"
#include "tuf/x509.h"

/* One signature entry; *out is filled in, and on success id (tuf) gets
 * the SHA-256 of the key's public key, which tells keys apart. */
static int
one_signature(const struct ta_meta *m, const json_t *sigobj, const json_t *keys,
    const json_t *ids, const uint8_t *msg, size_t len, struct ta_verify_sig *out,
    uint8_t id[32])
{
	const char *kid = json_string_value(json_object_get(sigobj, "keyid"));
	const char *text = json_string_value(json_object_get(sigobj, "sig"));
	struct ta_key *key = NULL;
	struct ta_sig sig;
	json_t *kobj;
	int r;

	(void)snprintf(out->keyid, sizeof(out->keyid), "%.64s", kid ? kid : "");
	if ((r = ta_sig_from_json(m->profile, sigobj, &sig)) != 0) {
		out->why = text != NULL && *text == '\0' ? "empty sig" :
		    r == TA_ERR_INVALID			  ? "sig is not hex" :
		    r == TA_ERR_TOO_LARGE		  ? "sig is too long" :
							    "malformed signature entry";
		if (m->profile == TA_PROFILE_TUF && kid != NULL &&
		    (!ta_json_array_has_string(ids, kid) || json_object_get(keys, kid) == NULL))
			out->why = "unknown key ID";
		return r;
	}
	if (!ta_json_array_has_string(ids, sig.keyid) ||
	    (kobj = json_object_get(keys, sig.keyid)) == NULL) {
		out->why = ta_json_array_has_string(ids, sig.keyid) ? "key ID not in the key map" :
								      "unknown key ID";
		return TA_ERR_KEY_NOT_FOUND; /* not a key of this role */
	}
	if ((r = ta_key_from_json(m->profile, kobj, &key)) != 0) {
		out->why = "unusable key object";
		return r;
	}
	/* Notary hard-fails a key listed under another ID (ErrInvalidKeyID). */
	if (m->profile == TA_PROFILE_NOTARY && strcmp(ta_key_id(key), sig.keyid) != 0)
		r = TA_ERR_VERIFY;
	else
		r = ta_sig_verify(key, &sig, msg, len);
	if (r != 0) {
		out->why = "signature does not verify";
	} else {
		const uint8_t *pub;
		size_t plen;

		out->why = "";
		pub = ta_key_spki(key, &plen);
		if (pub == NULL || EVP_Digest(pub, plen, id, NULL, EVP_sha256(), NULL) != 1)
			r = TA_ERR_CRYPTO;
	}
	ta_key_free(key);
	return r;
}

int
ta_verify_signatures(const struct ta_meta *m, const json_t *keys, const json_t *role_entry,
    struct ta_verify_result *res)
{
	const json_t *ids = json_object_get(role_entry, "keyids");
	json_t *thr = json_object_get(role_entry, "threshold"), *s;
	uint8_t *msg = NULL, pubid[TA_VERIFY_MAX_SIGS][32];
	size_t len, i;
	int r;

	memset(res, 0, sizeof(*res));
	if (!json_is_object(keys) || !json_is_array(ids) || !json_is_integer(thr) ||
	    json_integer_value(thr) < 1) {
		(void)snprintf(res->detail, sizeof(res->detail), "the role has no keys or threshold");
		return TA_ERR_FORMAT;
	}
	res->threshold = json_integer_value(thr);
	if ((r = ta_meta_signed_bytes(m, &msg, &len)) != 0)
		return r;
	json_array_foreach(m->signatures, i, s) {
		struct ta_verify_sig *v;
		bool dup = false;
		size_t n;

		if (res->nsigs == TA_VERIFY_MAX_SIGS)
			break;
		n = res->nsigs++;
		v = &res->sigs[n];
		v->result = one_signature(m, s, keys, ids, msg, len, v, pubid[n]);
		if (v->result != 0)
			continue;
		/* Notary counts key IDs; tuf counts public keys. */
		for (size_t j = 0; j < n; j++)
			dup |= res->sigs[j].result == 0 &&
			    (m->profile == TA_PROFILE_TUF ? memcmp(pubid[j], pubid[n], 32) == 0 :
							    strcmp(res->sigs[j].keyid, v->keyid) == 0);
		if (dup)
			v->why = "the same key as another signature (counted once)";
		else
			res->nvalid++;
	}
	free(msg);
	if ((int64_t)res->nvalid < res->threshold) {
		(void)snprintf(res->detail, sizeof(res->detail),
		    "%zu valid signature%s from distinct keys, threshold %lld", res->nvalid,
		    res->nvalid == 1 ? "" : "s", (long long)res->threshold);
		return TA_ERR_VERIFY;
	}
	return 0;
}

static int
check_expiry(const struct ta_meta *m, time_t now, struct ta_verify_result *res)
{
	time_t exp;
	int r;

	if (now == 0)
		return 0;
	if ((r = ta_meta_expires(m, &exp)) != 0)
		return r;
	if (exp <= now) {
		char when[21];

		ta_time_format(exp, when);
		(void)snprintf(res->detail, sizeof(res->detail), "expired at %s", when);
		return TA_ERR_EXPIRED;
	}
	return 0;
}

static const json_t *
root_entry(const struct ta_meta *root, const char *role)
{
	return json_object_get(json_object_get(root->signed_v, "roles"), role);
}

/* Notary: the root role's keys whose certificates pass the root rules. */
static int
notary_valid_root_keys(const struct ta_meta *root, const char *gun, time_t now,
    json_t **ret_entry, struct ta_verify_result *res)
{
	const json_t *entry = root_entry(root, "root"), *keys;
	json_t *ids, *out, *v;
	struct ta_x509_error xerr = { 0 };
	int first = 0;
	size_t i;

	keys = json_object_get(root->signed_v, "keys");
	if ((ids = json_array()) == NULL)
		return TA_ERR_NOMEM;
	json_array_foreach(json_object_get(entry, "keyids"), i, v) {
		struct ta_key *key = NULL;
		const uint8_t *pem;
		size_t len;
		int r;

		if (ta_key_from_json(TA_PROFILE_NOTARY, json_object_get(keys,
			json_string_value(v)), &key) != 0)
			continue;
		if (!ta_key_is_x509(key)) { /* notary skips non-certificate keys */
			ta_key_free(key);
			continue;
		}
		pem = ta_key_public_bytes(key, &len);
		r = ta_x509_check_root(pem, len, gun, now, now ? TA_X509_CHECK_TIME : 0, &xerr);
		ta_key_free(key);
		if (r == 0)
			(void)json_array_append(ids, v);
		else if (first == 0)
			first = r;
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		(void)snprintf(res->detail, sizeof(res->detail), "no valid root certificate%s%.180s",
		    first ? ": " : " (root keys must be x509 certificates)", first ? xerr.text : "");
		return first ? first : TA_ERR_CERT_LEAF;
	}
	out = json_pack("{s:o, s:O}", "keyids", ids, "threshold",
	    json_object_get(entry, "threshold"));
	if (out == NULL)
		return TA_ERR_NOMEM;
	*ret_entry = out;
	return 0;
}

static int
root_signed_by(const struct ta_meta *by, const struct ta_meta *root, const char *gun,
    time_t now, struct ta_verify_result *res)
{
	json_t *entry = NULL;
	int r;

	if (by->profile == TA_PROFILE_NOTARY) {
		/* Certificates of the trusted root are not re-dated: a rotation
		 * away from an expired root certificate must stay possible. */
		if ((r = notary_valid_root_keys(by, gun, by == root ? now : 0, &entry, res)) != 0)
			return r;
		r = ta_verify_signatures(root, json_object_get(by->signed_v, "keys"), entry, res);
		json_decref(entry);
		return r;
	}
	return ta_verify_signatures(root, json_object_get(by->signed_v, "keys"),
	    root_entry(by, "root"), res);
}

int
ta_verify_root(const struct ta_meta *trusted, const struct ta_meta *root, const char *gun,
    time_t now, struct ta_verify_result *res)
{
	int r;

	memset(res, 0, sizeof(*res));
	if (root == NULL || root->type != TA_ROLE_ROOT ||
	    (trusted != NULL && (trusted->type != TA_ROLE_ROOT ||
				    trusted->profile != root->profile)) ||
	    (root->profile == TA_PROFILE_NOTARY && (gun == NULL || *gun == '\0')))
		return TA_ERR_INVALID;
	/* The trusted root itself is not a rotation. */
	if (trusted != NULL && json_equal(trusted->signed_v, root->signed_v))
		trusted = NULL;
	if (trusted != NULL) {
		int64_t tv = ta_meta_version(trusted), nv = ta_meta_version(root);

		if (root->profile == TA_PROFILE_TUF ? nv != tv + 1 : nv < tv) {
			(void)snprintf(res->detail, sizeof(res->detail),
			    "root version %lld cannot follow version %lld", (long long)nv,
			    (long long)tv);
			return TA_ERR_VERIFY;
		}
		if ((r = root_signed_by(trusted, root, gun, now, res)) != 0) {
			char d[sizeof(res->detail)];

			memcpy(d, res->detail, sizeof(d));
			(void)snprintf(res->detail, sizeof(res->detail), "not signed by the trusted "
			    "root (version %lld): %.180s", (long long)tv, d);
			return r;
		}
	}
	if ((r = root_signed_by(root, root, gun, now, res)) != 0)
		return r;
	return check_expiry(root, now, res);
}

int
ta_verify_role(const struct ta_meta *root, const struct ta_meta *m, const char *role,
    time_t now, struct ta_verify_result *res)
{
	enum ta_role_type t;
	const json_t *entry;
	int r;

	memset(res, 0, sizeof(*res));
	if (root == NULL || m == NULL || root->type != TA_ROLE_ROOT ||
	    root->profile != m->profile || ta_role_type_of(m->profile, role, &t) != 0 ||
	    t != m->type || t == TA_ROLE_ROOT || strchr(role, '/') != NULL ||
	    (t == TA_ROLE_TARGETS && strcmp(role, "targets") != 0))
		return TA_ERR_INVALID;
	if ((entry = root_entry(root, role)) == NULL)
		return TA_ERR_FORMAT;
	if ((r = ta_verify_signatures(m, json_object_get(root->signed_v, "keys"), entry, res)) != 0)
		return r;
	return check_expiry(m, now, res);
}

int
ta_verify_delegated(const struct ta_meta *parent, const struct ta_meta *m, const char *role,
    time_t now, struct ta_verify_result *res)
{
	const json_t *d, *entry = NULL, *v;
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	if (parent == NULL || m == NULL || parent->type != TA_ROLE_TARGETS ||
	    m->type != TA_ROLE_TARGETS || parent->profile != m->profile || role == NULL)
		return TA_ERR_INVALID;
	d = json_object_get(parent->signed_v, "delegations");
	json_array_foreach(json_object_get(d, "roles"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), role) == 0)
			entry = v;
	if (entry == NULL) {
		(void)snprintf(res->detail, sizeof(res->detail),
		    "the parent role delegates nothing to \"%.64s\"", role);
		return TA_ERR_NOT_FOUND;
	}
	if ((r = ta_verify_signatures(m, json_object_get(d, "keys"), entry, res)) != 0)
		return r;
	return check_expiry(m, now, res);
}
