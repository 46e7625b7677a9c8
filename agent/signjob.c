/* The methods that make signatures: sign (metadata the agent parsed and
 * checked itself) and key.cert (a notary root certificate it builds).
 *
 * Each is one job on one worker: parse and check, find the keys (in the
 * tokens' key caches: no PKCS#11 call), check the policy for those keys and
 * that expiry, sign, and encode the response; the loop then only sends it
 * and writes the audit record.  The policy check needs the keys' identity
 * and the file's expiry, which only the worker knows; it runs there with
 * the rules the request arrived under (agent.h, struct ta_rules), which a
 * SIGHUP never changes underneath.  (It used to run on the loop between two
 * worker phases: two more thread handoffs per signature.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

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

/* One signature to make: a token key (params.keys[tk]) signing as a key
 * object.  For roots that is every root key the root (or, in a rotation,
 * the previous root) lists for the token key; otherwise the token key's
 * own key object. */
struct sign_as {
	size_t tk;
	const struct ta_key *key; /* the token key's own (cached), or owned */
	struct ta_key *owned;     /* a key object read from the metadata */
	bool prev_only;           /* listed by the previous root only */
};

struct sign_priv {
	struct ta_meta *m;
	struct ta_meta *prev; /* params.prev_root, parsed; NULL without one */
	struct ta_meta *parent; /* params.parent, parsed; NULL without one */
	const json_t *deleg_keys, *deleg_keyids; /* its delegation to the role */
	const json_t *deleg;                     /* that delegation: name, paths... */
	enum ta_profile profile;
	time_t expires;
	size_t n; /* token keys found */
	struct ta_tkey tk[TA_PROTO_KEYS_MAX];
	size_t n_sigs;
	struct sign_as sigs[TA_PROTO_KEYS_MAX];
};

static void
sign_priv_free(void *p)
{
	struct sign_priv *sp = p;

	if (sp == NULL)
		return;
	for (size_t i = 0; i < sp->n_sigs; i++)
		ta_key_free(sp->sigs[i].owned);
	for (size_t i = 0; i < sp->n; i++)
		ta_tkey_clear(&sp->tk[i]);
	ta_meta_free(sp->m);
	ta_meta_free(sp->prev);
	ta_meta_free(sp->parent);
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

/* Notary: every x509 root key's certificate must be one notary accepts for
 * this GUN (FORMATS §1.6), or clients would refuse the root.  flags has
 * TA_X509_CHECK_TIME for the root being signed; a previous root's
 * certificates are not dated (as tuf/verify.c does for a trusted root):
 * rotating away from an expiring or expired certificate is the point of a
 * rotation.  what prefixes the error ("params.prev_root: "). */
static int
check_notary_root(struct ta_job *j, const struct ta_meta *m, const char *gun, time_t now,
    unsigned flags, const char *what)
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
			ta_job_error(j, TA_PROTO_E_METADATA, r, "%ssigned.keys[\"%.64s\"]: %s",
			    what, id, ta_strerror(r));
			return r;
		}
		pem = ta_key_public_bytes(k, &len);
		r = ta_x509_check_root(pem, len, gun, now, flags, &xe);
		ta_key_free(k);
		if (r != 0) {
			ta_job_error(
			    j, TA_PROTO_E_METADATA, r, "%sroot key %.64s: %s", what, id, xe.text);
			return r;
		}
	}
	return 0;
}

/* Parses params.prev_root, the root the new one rotates from: a root of
 * the same profile, for the same GUN (notary: its certificates' CNs), and
 * exactly one version older. */
static int
prev_root_check(struct ta_job *j, struct sign_priv *sp, time_t now)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	struct ta_json_error je;
	int64_t pv, nv = ta_meta_version(sp->m);
	int r;

	r = ta_meta_parse(
	    (const uint8_t *)q->prev_root, q->prev_root_len, sp->profile, NULL, &sp->prev, &je);
	if (r != 0) {
		ta_job_error(j, TA_PROTO_E_METADATA, r, "params.prev_root: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		return r;
	}
	if (sp->prev->type != TA_ROLE_ROOT) {
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_FORMAT,
		    "params.prev_root: a %s file, not a root; give the currently trusted root",
		    ta_role_type_string(sp->profile, sp->prev->type));
		return TA_ERR_FORMAT;
	}
	pv = ta_meta_version(sp->prev);
	if (pv >= INT64_MAX || nv != pv + 1) {
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_VERIFY,
		    "params.file: root version %lld cannot follow the previous root's version "
		    "%lld; a rotation needs version %lld",
		    (long long)nv, (long long)pv, (long long)pv + 1);
		return TA_ERR_VERIFY;
	}
	if (sp->profile == TA_PROFILE_NOTARY &&
	    (r = check_notary_root(j, sp->prev, q->gun, now, 0, "params.prev_root: ")) != 0)
		return r;
	return 0;
}

/* Two request keys that are one key (one token key named twice, or one
 * key on two tokens) would sign twice. */
static bool
same_key(const struct ta_tkey *a, const struct ta_tkey *b)
{
	return strcmp(a->ck->notary_id, b->ck->notary_id) == 0;
}

static bool
already_signing_as(const struct sign_priv *sp, const char *id)
{
	for (size_t i = 0; i < sp->n_sigs; i++)
		if (strcasecmp(ta_key_id(sp->sigs[i].key), id) == 0)
			return true;
	return false;
}

/* Adds a signature by params.keys[i] as each key listed in keyids (key
 * objects in keys) whose public key is the token key's (pub).  Matching on
 * the public key, not on one stored certificate, lets one token key serve
 * many GUNs and renewed certificates: a notary root lists the key as a
 * certificate, a notary delegation often does too, and the token holds at
 * most one.  Each listed key the token key is gets a signature, as
 * notary's signer does for every listed key it holds: a root listing two
 * certificates of one key counts both towards its threshold.  A listed
 * key whose object is not its ID's (notary refuses those anyway) cannot
 * be signed as. */
static int
match_keys(struct ta_job *j, struct sign_priv *sp, size_t i, const json_t *keys,
    const json_t *keyids, EVP_PKEY *pub, bool prev, size_t *nmatched)
{
	const json_t *v;
	size_t n;

	json_array_foreach(keyids, n, v)
	{
		const char *id = json_string_value(v);
		struct ta_key *k = NULL;

		if (id == NULL || already_signing_as(sp, id) ||
		    ta_key_from_json(sp->profile, json_object_get(keys, id), &k) != 0)
			continue;
		if (strcasecmp(ta_key_id(k), id) != 0 || EVP_PKEY_eq(ta_key_pkey(k), pub) != 1) {
			ta_key_free(k);
			continue;
		}
		if (sp->n_sigs == TA_PROTO_KEYS_MAX) {
			ta_key_free(k);
			ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_TOO_LARGE,
			    "params.keys: the metadata lists these keys as more than %d keys; "
			    "sign with fewer keys at a time",
			    TA_PROTO_KEYS_MAX);
			return TA_ERR_TOO_LARGE;
		}
		sp->sigs[sp->n_sigs++] =
		    (struct sign_as){.tk = i, .key = k, .owned = k, .prev_only = prev};
		(*nmatched)++;
	}
	return 0;
}

static int
match_root_keys(struct ta_job *j, struct sign_priv *sp, size_t i, const struct ta_meta *m,
    EVP_PKEY *pub, bool prev, size_t *nmatched)
{
	return match_keys(j, sp, i, json_object_get(m->signed_v, "keys"), root_keyids(m), pub,
	    prev, nmatched);
}

/* Every target of the file lies in the delegation's paths: a delegated
 * role signs only for the paths its parent gave it (a client ignores the
 * rest, but a file signed with them could be replayed where they count). */
static int
paths_check(struct ta_job *j, const struct sign_priv *sp)
{
	union {
		const json_t *c;
		json_t *m;
	} t = {.c = json_object_get(sp->m->signed_v, "targets")};
	const json_t *v;
	const char *path;

	/* jansson iterates non-const objects only; nothing is written. */
	json_object_foreach(t.m, path, v)
	{
		(void)v;
		if (ta_delegation_covers(sp->profile, sp->deleg, path))
			continue;
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_VERIFY,
		    "params.file: target '%.64s' is outside the paths params.parent delegates "
		    "to '%s'",
		    path, j->req->p.sign.role);
		return TA_ERR_VERIFY;
	}
	return 0;
}

/* params.parent's delegation to the role: {"name","keyids",...}, and the
 * delegation's key map. */
static int
parent_check(struct ta_job *j, struct sign_priv *sp)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	const json_t *d, *v;
	struct ta_json_error je;
	size_t n;
	int r;

	r = ta_meta_parse(
	    (const uint8_t *)q->parent, q->parent_len, sp->profile, NULL, &sp->parent, &je);
	if (r != 0) {
		ta_job_error(j, TA_PROTO_E_METADATA, r, "params.parent: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		return r;
	}
	if (sp->parent->type != TA_ROLE_TARGETS) {
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_FORMAT,
		    "params.parent: a %s file, not targets; give the file that delegates to '%s'",
		    ta_role_type_string(sp->profile, sp->parent->type), q->role);
		return TA_ERR_FORMAT;
	}
	d = json_object_get(sp->parent->signed_v, "delegations");
	json_array_foreach(json_object_get(d, "roles"), n, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));

		if (name != NULL && strcmp(name, q->role) == 0) {
			sp->deleg_keys = json_object_get(d, "keys");
			sp->deleg_keyids = json_object_get(v, "keyids");
			sp->deleg = v;
			return paths_check(j, sp);
		}
	}
	ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_VERIFY,
	    "params.parent: it does not delegate to '%s'", q->role);
	return TA_ERR_VERIFY;
}

/* The token key params.keys[i] as a key object of the profile (cached). */
static const struct ta_key *
own_key(struct ta_job *j, const struct sign_priv *sp, size_t i, const char *member)
{
	const struct ta_key *own = ta_ckey_key(sp->tk[i].ck, sp->profile, false);

	if (own == NULL)
		ta_job_error(j, 0, TA_ERR_UNSUPPORTED, "%s: its %s key object: %s", member,
		    ta_profile_name(sp->profile), ta_strerror(TA_ERR_UNSUPPORTED));
	return own;
}

/* The signatures params.keys[i] makes on a delegated role with a parent. */
static int
delegated_sigs(struct ta_job *j, struct sign_priv *sp, size_t i, const char *member)
{
	const struct ta_key *own;
	size_t n = 0;
	int r;

	if ((own = own_key(j, sp, i, member)) == NULL)
		return TA_ERR_UNSUPPORTED;
	r = match_keys(j, sp, i, sp->deleg_keys, sp->deleg_keyids, ta_key_pkey(own), false, &n);
	if (r == 0 && n == 0) {
		r = TA_ERR_VERIFY;
		ta_job_error(j, TA_PROTO_E_METADATA, r,
		    "%s: key %s is not one of the keys params.parent delegates '%s' to", member,
		    ta_key_id(own), j->req->p.sign.role);
	}
	return r;
}

/* The signatures params.keys[i] makes on a root. */
static int
root_sigs(struct ta_job *j, struct sign_priv *sp, size_t i, const char *member)
{
	const struct ta_key *own;
	size_t n = 0;
	int r;

	if ((own = own_key(j, sp, i, member)) == NULL)
		return TA_ERR_UNSUPPORTED;
	if ((r = match_root_keys(j, sp, i, sp->m, ta_key_pkey(own), false, &n)) == 0 &&
	    sp->prev != NULL)
		r = match_root_keys(j, sp, i, sp->prev, ta_key_pkey(own), true, &n);
	if (r == 0 && n == 0) {
		r = TA_ERR_VERIFY;
		ta_job_error(j, TA_PROTO_E_METADATA, r,
		    "%s: key %s is not one of this root's root keys (roles.root.keyids)%s%s",
		    member, ta_key_id(own), sp->prev != NULL ? " nor of the previous root's" : "",
		    sp->profile == TA_PROFILE_NOTARY
			? "; notary roots list certificates: make one with key.cert and list it"
			: "");
	}
	return r;
}

/* Parses and checks params.file (and prev_root, parent), finds the keys
 * and lists the signatures to make.  0, or non-zero with the job's error
 * response made. */
static int
sign_prepare(struct ta_job *j, struct sign_priv *sp)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	struct ta_json_error je;
	bool root;
	time_t now = time(NULL);
	char member[48];
	int r;

	sp->profile = profile_of(q->profile);
	r = ta_meta_parse((const uint8_t *)q->file, q->file_len, sp->profile, q->role, &sp->m, &je);
	if (r != 0) {
		ta_job_error(j, TA_PROTO_E_METADATA, r, "params.file: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		return r;
	}
	j->version = ta_meta_version(sp->m);
	if ((r = ta_meta_expires(sp->m, &sp->expires)) != 0) {
		ta_job_error(
		    j, TA_PROTO_E_METADATA, r, "params.file: signed.expires: %s", ta_strerror(r));
		return r;
	}
	if (sp->expires <= now) {
		ta_job_error(j, TA_PROTO_E_METADATA, TA_ERR_EXPIRED,
		    "params.file: signed.expires is in the past; set a later expiry");
		return TA_ERR_EXPIRED;
	}
	root = sp->m->type == TA_ROLE_ROOT;
	if (root && sp->profile == TA_PROFILE_NOTARY &&
	    (r = check_notary_root(j, sp->m, q->gun, now, TA_X509_CHECK_TIME, "")) != 0)
		return r;
	/* The decoder allows prev_root with role "root" only, and the parser
	 * has held the file to that role. */
	if (root && q->prev_root != NULL && (r = prev_root_check(j, sp, now)) != 0)
		return r;
	/* The decoder allows parent with delegated roles only, and a
	 * delegated role needs it: the file's _type is that of the top-level
	 * targets, so only the parent says which keys and paths the role has. */
	if (!root && sp->m->type == TA_ROLE_TARGETS && strcmp(q->role, "targets") != 0 &&
	    q->parent == NULL) {
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID,
		    "params.parent: missing: signing the delegated role '%s' needs the file that "
		    "delegates to it (tufctl sign --parent FILE)",
		    q->role);
		return TA_ERR_INVALID;
	}
	if (q->parent != NULL && (r = parent_check(j, sp)) != 0)
		return r;
	for (size_t i = 0; i < q->n_keys; i++) {
		struct ta_tkey *tk = &sp->tk[i];
		const struct ta_key *k;

		(void)snprintf(member, sizeof(member), "params.keys[%zu]", i);
		if ((r = ta_tkey_find(j->toks, j->n_toks, q->keys[i], tk)) != 0) {
			ta_handle_key_error(j, r, member);
			return r;
		}
		sp->n = i + 1;
		for (size_t o = 0; o < i; o++) {
			if (same_key(&sp->tk[o], tk)) {
				ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID,
				    "%s: the same key as params.keys[%zu]", member, o);
				return TA_ERR_INVALID;
			}
		}
		if (root) {
			if ((r = root_sigs(j, sp, i, member)) != 0)
				return r;
			continue;
		}
		if (sp->parent != NULL) {
			if ((r = delegated_sigs(j, sp, i, member)) != 0)
				return r;
			continue;
		}
		if ((k = own_key(j, sp, i, member)) == NULL)
			return TA_ERR_UNSUPPORTED;
		sp->sigs[sp->n_sigs++] = (struct sign_as){.tk = i, .key = k};
	}
	return 0;
}

/* Makes the signatures, writes the file and encodes the response. */
static void
sign_make(struct ta_job *j, struct sign_priv *sp)
{
	struct ta_proto_sign_result res = {0};
	struct ta_tsigner ts;
	uint8_t sha[32] = {0}, *file = NULL;
	size_t len = 0, n_prev = 0;
	struct ta_buf *b = NULL;
	int r;

	for (size_t i = 0; i < sp->n_sigs; i++) {
		const struct sign_as *sa = &sp->sigs[i];

		ta_tsigner_init(&ts, &sp->tk[sa->tk], &j->sign_since);
		if ((r = ta_meta_sign(sp->m, sa->key, &ts.signer, sha)) != 0) {
			ta_tkey_failed(&sp->tk[sa->tk], r);
			if (r == TA_ERR_KEY_NOT_FOUND)
				ta_job_error(j, 0, r,
				    "params.keys[%zu]: key '%s' is no longer on token '%s' "
				    "(removed by another program?); tufctl key list shows the "
				    "keys there",
				    sa->tk, sp->tk[sa->tk].ck->key.label,
				    j->toks[sp->tk[sa->tk].tok].name);
			else
				ta_job_error(j, 0, r, "params.keys[%zu]: signing on token '%s': %s",
				    sa->tk, j->toks[sp->tk[sa->tk].tok].name, ta_strerror(r));
			return;
		}
		res.keyids[i] = ta_key_id(sa->key);
		ta_job_add_keyid(j, res.keyids[i]);
		n_prev += sa->prev_only;
	}
	memcpy(j->sha256, sha, sizeof(sha));
	j->has_sha256 = true;
	if ((r = ta_meta_write(sp->m, &file, &len)) != 0) {
		ta_job_error(j, 0, r, "writing the signed file: %s", ta_strerror(r));
		return;
	}
	res.file = (const char *)file;
	res.file_len = len;
	res.n_keyids = sp->n_sigs;
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
		/* Which signatures count for the previous root only, for the
		 * log (and the audit record, should it carry details of
		 * successes). */
		if (n_prev > 0)
			(void)snprintf(j->detail, sizeof(j->detail),
			    "%zu signature(s) as previous root key", n_prev);
	}
	free(file);
}

static void
sign_done(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	const struct sign_priv *sp = j->priv;

	if (j->result != 0) {
		ta_job_finish(j);
		return;
	}
	log_info("peer uid %u pid %d: signed %s %s%s%s version %lld with %zu key(s)%s",
	    (unsigned)j->peer.uid, (int)j->peer.pid, ta_proto_profile_name(q->profile), q->role,
	    q->gun[0] ? " of " : "", q->gun, (long long)j->version, j->n_keyids,
	    sp->prev != NULL ? ", rotating from the previous root" : "");
	for (size_t i = 0; i < sp->n_sigs; i++)
		if (sp->sigs[i].prev_only)
			log_info(
			    "peer uid %u pid %d: params.keys[%zu] (key '%s') signed as previous "
			    "root key %s",
			    (unsigned)j->peer.uid, (int)j->peer.pid, sp->sigs[i].tk,
			    sp->tk[sp->sigs[i].tk].ck->key.label, ta_key_id(sp->sigs[i].key));
	ta_job_finish(j);
}

static void
sign_run(struct ta_job *j)
{
	const struct ta_proto_sign *q = &j->req->p.sign;
	struct sign_priv *sp = j->priv;
	struct ta_policy_key pk[TA_PROTO_KEYS_MAX];
	struct ta_proto_scope sc[TA_PROTO_KEYS_MAX];
	struct ta_policy_req pr = {
	    .operation = TA_OP_SIGN,
	    .keys = pk,
	    .role = q->role,
	    .gun = q->gun,
	    .profile = q->profile,
	};

	if (sign_prepare(j, sp) != 0)
		return;
	for (size_t i = 0; i < sp->n; i++)
		ta_handle_policy_key(j, &sp->tk[i], &pk[i], &sc[i]);
	pr.n_keys = sp->n;
	pr.expires = sp->expires;
	if (ta_handle_policy_req(j, &pr) != 0)
		return;
	sign_make(j, sp);
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
	ta_job_queue(j, sign_run, sign_done);
}

/* ---- key.cert --------------------------------------------------------------------- */

static void
cert_priv_free(void *p)
{
	ta_tkey_clear(p);
	free(p);
}

/* Finds the key, checks the policy for it (as sign_run does), makes the
 * certificate and stores it when asked. */
static void
cert_run(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &j->req->p.key_cert;
	struct ta_tkey *tk = j->priv;
	struct ta_policy_key pk;
	struct ta_proto_scope sc;
	struct ta_tsigner ts;
	struct ta_key *xk = NULL;
	time_t now = time(NULL);
	uint8_t *der = NULL;
	size_t der_len = 0, pem_len = 0;
	char *pem = NULL, not_after[21];
	json_t *res = NULL;
	bool stored = false;
	int r;

	if ((r = ta_tkey_find(j->toks, j->n_toks, q->key, tk)) != 0) {
		ta_handle_key_error(j, r, "params.key");
		return;
	}
	ta_handle_policy_key(j, tk, &pk, &sc);
	if (ta_handle_policy(
		j, TA_OP_KEY_CERT, &pk, 1, NULL, q->gun, now + (time_t)q->days * DAY_SECONDS) != 0)
		return;
	ta_job_add_keyid(j, tk->ck->notary_id);
	ta_tsigner_init(&ts, tk, &j->sign_since);
	r = ta_x509_make_root(&ts.signer, q->gun, q->days, now, &der, &der_len);
	if (r == TA_ERR_KEY_TYPE) {
		ta_job_error(j, TA_PROTO_E_UNSUPPORTED, r,
		    "params.key: notary root certificates hold EC or RSA keys, not %s",
		    ta_key_type_name(tk->ck->key.type));
		goto out;
	}
	if (r == TA_ERR_INVALID) {
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
		    "params.gun: not a GUN a certificate can name (printable ASCII, no spaces)");
		goto out;
	}
	if (r != 0) {
		ta_tkey_failed(tk, r);
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
		r = ta_p11_cert_store(tk->p11, &tk->ck->key, der, der_len);
		/* Its x509 key ID names the key from now on. */
		(void)ta_keycache_refresh(tk->kc, tk->p11, NULL);
		if (r != 0) {
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
		    ((struct ta_tkey *)j->priv)->ck->key.label, q->store ? " and stored" : "");
	ta_job_finish(j);
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
	ta_job_queue(j, cert_run, cert_done);
}
