/* The methods that make signatures: sign (metadata the agent parsed and
 * checked itself) and key.cert (a notary root certificate it builds).
 *
 * Both run in two worker phases around a policy check on the loop: first
 * parse, check and find the keys; then, if the policy allows those keys
 * (and that expiry), sign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/handlers.h"
#include "agent/keys.h"
#include "agent/server.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"
#include "tuf/json.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
#include "tuf/x509.h"

#define DAY_SECONDS 86400

struct sign_priv {
	struct ta_meta *m;
	enum ta_profile profile;
	time_t expires;
	size_t n;
	struct ta_tkey tk[TA_PROTO_KEYS_MAX];
	struct ta_key *key[TA_PROTO_KEYS_MAX];
};

static void
sign_priv_free(void *p)
{
	struct sign_priv *sp = p;

	if (sp == NULL)
		return;
	for (size_t i = 0; i < sp->n; i++) {
		ta_key_free(sp->key[i]);
		ta_tkey_clear(&sp->tk[i]);
	}
	ta_meta_free(sp->m);
	free(sp);
}

static enum ta_profile
profile_of(enum ta_proto_profile p)
{
	return p == TA_PROTO_PROFILE_NOTARY ? TA_PROFILE_NOTARY : TA_PROFILE_TUF;
}

/* roles.root.keyids of a root's "signed". */
static const json_t *
root_keyids(const struct ta_meta *m)
{
	return json_object_get(
	    json_object_get(json_object_get(m->signed_v, "roles"), "root"), "keyids");
}

static bool
listed(const json_t *ids, const char *id)
{
	size_t i;
	json_t *v;

	if (id == NULL || id[0] == '\0')
		return false;
	json_array_foreach(ids, i, v)
	{
		const char *s = json_string_value(v);

		if (s != NULL && strcasecmp(s, id) == 0)
			return true;
	}
	return false;
}

/* Notary: every x509 root key's certificate must be one notary accepts for
 * this GUN now (FORMATS §1.6), or clients would refuse the root. */
static int
check_notary_root(struct ta_job *j, const struct ta_meta *m, const char *gun, time_t now)
{
	const json_t *keys = json_object_get(m->signed_v, "keys"), *ids = root_keyids(m), *v;
	struct ta_x509_error xe;
	size_t i;
	int r;

	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);
		const json_t *obj = id != NULL ? json_object_get(keys, id) : NULL;
		const char *kt = json_string_value(json_object_get(obj, "keytype"));
		struct ta_key *k = NULL;
		const uint8_t *pem;
		size_t len;

		if (kt == NULL || (strcmp(kt, "ecdsa-x509") != 0 && strcmp(kt, "rsa-x509") != 0))
			continue;
		if ((r = ta_key_from_json(TA_PROFILE_NOTARY, obj, &k)) != 0) {
			ta_job_error(j, TA_PROTO_E_METADATA, r, "signed.keys[\"%.64s\"]: %s", id,
			    ta_strerror(r));
			return r;
		}
		pem = ta_key_public_bytes(k, &len);
		r = ta_x509_check_root(pem, len, gun, now, TA_X509_CHECK_TIME, &xe);
		ta_key_free(k);
		if (r != 0) {
			ta_job_error(j, TA_PROTO_E_METADATA, r, "root key %.64s: %s", id, xe.text);
			return r;
		}
	}
	return 0;
}

/* Two request keys that are one token key would sign twice. */
static bool
same_key(const struct ta_tkey *a, const struct ta_tkey *b)
{
	return a->p11 == b->p11 && strcmp(a->notary_id, b->notary_id) == 0;
}

static void
sign_find_run(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	struct sign_priv *sp = j->priv;
	struct ta_json_error je;
	bool root, x509;
	time_t now = time(NULL);
	char member[48];
	int r;

	sp->profile = profile_of(q->profile);
	r = ta_meta_parse((const uint8_t *)q->file, q->file_len, sp->profile, q->role, &sp->m, &je);
	if (r != 0) {
		ta_job_error(j, TA_PROTO_E_METADATA, r, "params.file: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		return;
	}
	j->version = ta_meta_version(sp->m);
	if ((r = ta_meta_expires(sp->m, &sp->expires)) != 0) {
		ta_job_error(
		    j, TA_PROTO_E_METADATA, r, "params.file: signed.expires: %s", ta_strerror(r));
		return;
	}
	if (sp->expires <= now) {
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_EXPIRED,
		    "params.file: signed.expires is in the past; set a later expiry");
		return;
	}
	root = sp->m->type == TA_ROLE_ROOT;
	if (root && sp->profile == TA_PROFILE_NOTARY &&
	    check_notary_root(j, sp->m, q->gun, now) != 0)
		return;
	for (size_t i = 0; i < q->n_keys; i++) {
		struct ta_tkey *tk = &sp->tk[i];
		const char *id;

		(void)snprintf(member, sizeof(member), "params.keys[%zu]", i);
		if ((r = ta_tkey_find(j->toks, j->n_toks, q->keys[i], tk)) != 0) {
			ta_handle_key_error(j, r, member);
			return;
		}
		sp->n = i + 1;
		for (size_t k = 0; k < i; k++) {
			if (same_key(&sp->tk[k], tk)) {
				ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID,
				    "%s: the same key as params.keys[%zu]", member, k);
				return;
			}
		}
		/* A notary root lists its keys as certificates: sign as the
		 * certificate's key when the root lists that one. */
		x509 = root && sp->profile == TA_PROFILE_NOTARY && tk->x509_id[0] != '\0' &&
		       listed(root_keyids(sp->m), tk->x509_id);
		if ((r = ta_tkey_key(tk, sp->profile, x509, &sp->key[i])) != 0) {
			ta_job_error(j, 0, r, "%s: its %s key object: %s", member,
			    ta_profile_name(sp->profile), ta_strerror(r));
			return;
		}
		id = ta_key_id(sp->key[i]);
		if (root && !listed(root_keyids(sp->m), id)) {
			ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_VERIFY,
			    "%s: key %s is not one of this root's root keys (roles.root.keyids)%s",
			    member, id,
			    sp->profile == TA_PROFILE_NOTARY && tk->key.cert == NULL
				? "; notary roots list certificates: store one with key.cert"
				: "");
			return;
		}
	}
}

static void
sign_run(struct ta_job *j)
{
	struct sign_priv *sp = j->priv;
	struct ta_proto_sign_result res = {0};
	struct ta_tsigner ts;
	uint8_t sha[32] = {0}, *file = NULL;
	size_t len = 0;
	struct ta_buf *b = NULL;
	int r;

	for (size_t i = 0; i < sp->n; i++) {
		ta_tsigner_init(&ts, &sp->tk[i], &j->sign_since);
		if ((r = ta_meta_sign(sp->m, sp->key[i], &ts.signer, sha)) != 0) {
			ta_job_error(j, 0, r, "params.keys[%zu]: signing on token '%s': %s", i,
			    j->toks[sp->tk[i].tok].name, ta_strerror(r));
			return;
		}
		res.keyids[i] = ta_key_id(sp->key[i]);
		ta_job_add_keyid(j, res.keyids[i]);
	}
	memcpy(j->sha256, sha, sizeof(sha));
	j->has_sha256 = true;
	if ((r = ta_meta_write(sp->m, &file, &len)) != 0) {
		ta_job_error(j, 0, r, "writing the signed file: %s", ta_strerror(r));
		return;
	}
	res.file = (const char *)file;
	res.file_len = len;
	res.n_keyids = sp->n;
	ta_hex(res.sha256, sha, sizeof(sha));
	if ((b = ta_buf_new(TA_BUF_MAX)) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
	} else if ((r = ta_proto_encode_sign_result(b, &j->req->id, &res)) != 0) {
		ta_buf_free(b);
		if (r == TA_ERR_TOO_LARGE)
			ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
			    "the signed file would make a response over 64 MiB");
		else
			ta_job_error(j, 0, r, NULL);
	} else {
		ta_buf_free(j->resp);
		j->resp = b;
		j->result = 0;
	}
	free(file);
}

static void
sign_done(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;

	if (j->result == 0)
		log_info("peer uid %u pid %d: signed %s %s%s%s version %lld with %zu key(s)",
		    (unsigned)j->peer.uid, (int)j->peer.pid, ta_proto_profile_name(q->profile),
		    q->role, q->gun[0] ? " of " : "", q->gun, (long long)j->version, j->n_keyids);
	ta_job_finish(j);
}

static void
sign_found(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	struct sign_priv *sp = j->priv;
	struct ta_policy_key pk[TA_PROTO_KEYS_MAX];

	if (j->resp != NULL) { /* refused */
		ta_job_finish(j);
		return;
	}
	for (size_t i = 0; i < sp->n; i++)
		ta_handle_policy_key(&sp->tk[i], &pk[i]);
	if (ta_handle_policy(j, TA_OP_SIGN, pk, sp->n, q->role, q->gun, sp->expires) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue(j, sign_run, sign_done);
}

void
ta_handle_sign(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	enum ta_role_type type;

	j->profile = ta_proto_profile_name(q->profile);
	if (ta_role_type_of(profile_of(q->profile), q->role, &type) != 0) {
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID,
		    "params.role: not a %s role name", ta_proto_profile_name(q->profile));
		ta_job_finish(j);
		return;
	}
	if (ta_handle_policy(j, TA_OP_SIGN, NULL, 0, q->role, q->gun, 0) != 0) {
		ta_job_finish(j);
		return;
	}
	if ((j->priv = calloc(1, sizeof(struct sign_priv))) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		ta_job_finish(j);
		return;
	}
	j->priv_free = sign_priv_free;
	ta_job_queue(j, sign_find_run, sign_found);
}

/* ---- key.cert --------------------------------------------------------------------- */

static void
cert_priv_free(void *p)
{
	ta_tkey_clear(p);
	free(p);
}

static void
cert_find_run(struct ta_job *j)
{
	int r = ta_tkey_find(j->toks, j->n_toks, j->req->p.key_cert.key, j->priv);

	if (r != 0)
		ta_handle_key_error(j, r, "params.key");
}

static void
cert_run(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &j->req->p.key_cert;
	struct ta_tkey *tk = j->priv;
	struct ta_tsigner ts;
	struct ta_key *xk = NULL;
	time_t now = time(NULL);
	uint8_t *der = NULL;
	size_t der_len = 0, pem_len = 0;
	char *pem = NULL, not_after[21];
	json_t *res = NULL;
	bool stored = false;
	int r;

	ta_job_add_keyid(j, tk->notary_id);
	ta_tsigner_init(&ts, tk, &j->sign_since);
	r = ta_x509_make_root(&ts.signer, q->gun, q->days, now, &der, &der_len);
	if (r == TA_ERR_KEY_TYPE) {
		ta_job_error(j, TA_PROTO_E_UNSUPPORTED, r,
		    "params.key: notary root certificates hold EC or RSA keys, not %s",
		    ta_key_type_name(tk->key.type));
		goto out;
	}
	if (r == TA_ERR_INVALID) {
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
		    "params.gun: not a GUN a certificate can name (printable ASCII, no spaces)");
		goto out;
	}
	if (r != 0) {
		ta_job_error(j, 0, r, "signing the certificate on token '%s': %s",
		    j->toks[tk->tok].name, ta_strerror(r));
		goto out;
	}
	if ((r = ta_x509_to_pem(der, der_len, &pem, &pem_len)) != 0) {
		ta_job_error(j, 0, r, NULL);
		goto out;
	}
	if (ta_key_from_cert(der, der_len, &xk) == 0)
		ta_job_add_keyid(j, ta_key_id(xk));
	if (q->store) {
		if ((r = ta_p11_cert_store(tk->p11, &tk->key, der, der_len)) != 0) {
			ta_job_error(j, 0, r, "storing the certificate on token '%s': %s",
			    j->toks[tk->tok].name, ta_strerror(r));
			goto out;
		}
		stored = true;
	}
	ta_time_format(now + (time_t)q->days * DAY_SECONDS, not_after);
	res = json_pack("{s:s, s:b, s:s}", "pem", pem, "stored", stored, "not_after", not_after);
	if (res == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		goto out;
	}
	ta_job_result(j, res);
out:
	json_decref(res);
	ta_key_free(xk);
	free(pem);
	free(der);
}

static void
cert_done(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &j->req->p.key_cert;

	if (j->result == 0)
		log_info("peer uid %u pid %d: root certificate for '%s' made with key '%s'%s",
		    (unsigned)j->peer.uid, (int)j->peer.pid, q->gun,
		    ((struct ta_tkey *)j->priv)->key.label, q->store ? " and stored" : "");
	ta_job_finish(j);
}

static void
cert_found(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &j->req->p.key_cert;
	struct ta_policy_key pk;

	if (j->resp != NULL) {
		ta_job_finish(j);
		return;
	}
	ta_handle_policy_key(j->priv, &pk);
	if (ta_handle_policy(j, TA_OP_KEY_CERT, &pk, 1, NULL, q->gun,
		time(NULL) + (time_t)q->days * DAY_SECONDS) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue(j, cert_run, cert_done);
}

void
ta_handle_key_cert(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &j->req->p.key_cert;

	if (ta_handle_policy(j, TA_OP_KEY_CERT, NULL, 0, NULL, q->gun,
		time(NULL) + (time_t)q->days * DAY_SECONDS) != 0) {
		ta_job_finish(j);
		return;
	}
	if ((j->priv = calloc(1, sizeof(struct ta_tkey))) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		ta_job_finish(j);
		return;
	}
	j->priv_free = cert_priv_free;
	ta_job_queue(j, cert_find_run, cert_found);
}
