/* The methods that make signatures: sign (metadata the agent parsed and
 * checked itself) and key.cert (a notary root certificate it builds).
 *
 * Each is one job on one worker: the plan (tuf/signplan.h decides, from
 * the metadata alone, what is signed and as which keys), the keys (in the
 * tokens' key caches: no PKCS#11 call), the policy for those keys, their
 * scopes and the expiry, the signatures, and the response; the loop then
 * only sends it and writes the audit record.  The policy check needs the
 * keys' identity and the file's expiry, which only the worker knows; it
 * runs there with the rules the request arrived under (agent.h, struct
 * ta_rules), which a SIGHUP never changes underneath. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "agent/agent.h"
#include "agent/handlers.h"
#include "agent/keys.h"
#include "agent/job.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"
#include "tuf/json.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
#include "tuf/signplan.h"
#include "tuf/stream.h"
#include "tuf/x509.h"

#define DAY_SECONDS 86400

struct sign_priv {
	struct ta_signplan *plan;
	size_t n; /* token keys found */
	struct ta_key_ref tk[TA_PROTO_KEYS_MAX];
};

static void
sign_priv_free(void *p)
{
	struct sign_priv *sp = p;

	if (sp == NULL)
		return;
	for (size_t i = 0; i < sp->n; i++)
		ta_key_ref_clear(&sp->tk[i]);
	ta_signplan_free(sp->plan);
	free(sp);
}

/* The profile of the keys and bytes: a ceremony head is signed as TUF
 * metadata is (tuf/cerhead.h). */
static enum ta_profile
profile_of(enum ta_proto_profile p)
{
	return p == TA_PROTO_PROFILE_NOTARY ? TA_PROFILE_NOTARY : TA_PROFILE_TUF;
}

/* The plan's refusal as the job's error response. */
static int
plan_error(struct ta_job *j, int r, const struct ta_signplan_error *e)
{
	static const int codes[] = {
		[TA_SIGNPLAN_METADATA] = TA_PROTO_E_METADATA,
		[TA_SIGNPLAN_PARAMS] = TA_PROTO_E_INVALID_PARAMS,
		[TA_SIGNPLAN_UNSUPPORTED] = 0,
	};

	if (e->fault == 0)
		ta_job_error(j, 0, r, NULL);
	else
		ta_job_error(j, codes[e->fault], r, "%s", e->text);
	return r;
}

/* Two request keys that are one key (one token key named twice, or one
 * key on two tokens) would sign twice. */
static bool
same_key(const struct ta_key_ref *a, const struct ta_key_ref *b)
{
	return strcmp(a->ck->notary_id, b->ck->notary_id) == 0;
}

/* Parses and checks params.file (and prev_root, parent: tuf/signplan.h),
 * finds the keys and lists the signatures to make.  0, or non-zero with the
 * job's error response made. */
static int
sign_prepare(struct ta_job *j, struct sign_priv *sp)
{
	const struct ta_proto_sign *q = &ta_job_req(j)->p.sign;
	const struct ta_signplan_in in = {
	    .profile = profile_of(q->profile),
	    .role = q->role,
	    .gun = q->gun,
	    .file = (const uint8_t *)q->file,
	    .file_len = q->file_len,
	    .prev_root = (const uint8_t *)q->prev_root,
	    .prev_root_len = q->prev_root_len,
	    .parent = (const uint8_t *)q->parent,
	    .parent_len = q->parent_len,
	    .now = time(NULL),
	    .ceremony = q->profile == TA_PROTO_PROFILE_CEREMONY,
	};
	struct ta_signplan_error e;
	char member[48];
	int r;

	if ((r = ta_signplan_open(&in, &sp->plan, &e)) != 0)
		return plan_error(j, r, &e);
	ta_job_set_version(j, ta_meta_version(sp->plan->m));
	for (size_t i = 0; i < q->n_keys; i++) {
		struct ta_key_ref *tk = &sp->tk[i];

		(void)snprintf(member, sizeof(member), "params.keys[%zu]", i);
		if ((r = ta_key_ref_find(ta_job_tokens(j), ta_job_n_tokens(j), q->keys[i], tk)) !=
		    0) {
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
		if ((r = ta_signplan_add_key(sp->plan, i,
			 ta_cached_key_key(tk->ck, in.profile, false), member, &e)) != 0)
			return plan_error(j, r, &e);
	}
	return 0;
}

/* Makes the signatures, writes the file and encodes the response.  The
 * plan leaves "signed" as params.file has it, so its canonical bytes come
 * from params.file by the stream (tuf/stream.h) once for every key, and so
 * does <C> of a notary file, instead of from the tree each time. */
static void
sign_make(struct ta_job *j, struct sign_priv *sp)
{
	const struct ta_proto_sign *q = &ta_job_req(j)->p.sign;
	struct ta_proto_sign_result res = {0};
	struct ta_tsigner ts;
	uint8_t sha[32] = {0}, *file = NULL, *msg = NULL;
	size_t len = 0, n_prev = 0, msg_len;
	struct ta_buf *b = NULL;
	int r;

	if ((r = ta_canon_stream((const uint8_t *)q->file, q->file_len, sp->plan->profile, "signed",
		 &msg, &msg_len, NULL)) != 0) {
		ta_job_error(j, 0, r, "canonical form of params.file: %s", ta_strerror(r));
		return;
	}
	for (size_t i = 0; i < sp->plan->n_sigs; i++) {
		const struct ta_signplan_sig *sa = &sp->plan->sigs[i];

		ta_tsigner_init(&ts, &sp->tk[sa->key], &ta_job_tokens(j)[sp->tk[sa->key].tok],
		    ta_job_sign_wait(j));
		if ((r = ta_meta_sign_bytes(sp->plan->m, sa->as, &ts.signer, msg, msg_len, sha)) !=
		    0) {
			ta_key_ref_failed(&sp->tk[sa->key], r);
			if (r == TA_ERR_KEY_NOT_FOUND)
				ta_job_error(j, 0, r,
				    "params.keys[%zu]: key '%s' is no longer on token '%s' "
				    "(removed by another program?); tufctl key list shows the "
				    "keys there",
				    sa->key, sp->tk[sa->key].ck->key.label,
				    ta_job_tokens(j)[sp->tk[sa->key].tok].name);
			else if (ts.why[0] != '\0')
				ta_job_error(j, 0, r, "params.keys[%zu]: token '%s': %s", sa->key,
				    ta_job_tokens(j)[sp->tk[sa->key].tok].name, ts.why);
			else
				ta_job_error(j, 0, r, "params.keys[%zu]: signing on token '%s': %s",
				    sa->key, ta_job_tokens(j)[sp->tk[sa->key].tok].name,
				    ta_strerror(r));
			free(msg);
			return;
		}
		res.keyids[i] = ta_key_id(sa->as);
		ta_job_add_keyid(j, res.keyids[i]);
		n_prev += sa->prev_only;
	}
	free(msg);
	ta_job_set_sha256(j, sha);
	if ((r = ta_meta_write_from(sp->plan->m, (const uint8_t *)q->file, q->file_len, &file,
		 &len)) != 0) {
		ta_job_error(j, 0, r, "writing the signed file: %s", ta_strerror(r));
		return;
	}
	res.file = (const char *)file;
	res.file_len = len;
	res.n_keyids = sp->plan->n_sigs;
	ta_hex(res.sha256, sha, sizeof(sha));
	if ((b = ta_buf_new(TA_BUF_MAX)) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
	} else if ((r = ta_proto_encode_sign_result(b, &ta_job_req(j)->id, &res)) != 0) {
		ta_buf_free(b);
		if (r == TA_ERR_TOO_LARGE)
			ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
			    "the signed file would make a response over 64 MiB");
		else
			ta_job_error(j, 0, r, NULL);
	} else {
		ta_job_answer(j, b);
		/* Which signatures count for the previous root only, for the
		 * log (and the audit record, should it carry details of
		 * successes). */
		if (n_prev > 0)
			ta_job_set_detail(j, "%zu signature(s) as previous root key", n_prev);
	}
	free(file);
}

static void
sign_done(struct ta_job *j)
{
	const struct ta_proto_sign *q = &ta_job_req(j)->p.sign;
	const struct sign_priv *sp = ta_job_priv(j);

	if (ta_job_outcome(j) != 0) {
		ta_job_finish(j);
		return;
	}
	log_info("peer uid %u pid %d: signed %s %s%s%s version %lld with %zu key(s)%s",
	    (unsigned)ta_job_peer(j)->uid, (int)ta_job_peer(j)->pid,
	    ta_proto_profile_name(q->profile), q->role, q->gun[0] ? " of " : "", q->gun,
	    (long long)ta_job_version(j), ta_job_n_keyids(j),
	    sp->plan->prev != NULL ? ", rotating from the previous root" : "");
	for (size_t i = 0; i < sp->plan->n_sigs; i++) {
		const struct ta_signplan_sig *sa = &sp->plan->sigs[i];

		if (sa->prev_only)
			log_info(
			    "peer uid %u pid %d: params.keys[%zu] (key '%s') signed as previous "
			    "root key %s",
			    (unsigned)ta_job_peer(j)->uid, (int)ta_job_peer(j)->pid, sa->key,
			    sp->tk[sa->key].ck->key.label, ta_key_id(sa->as));
	}
	ta_job_finish(j);
}

static void
sign_run(struct ta_job *j)
{
	const struct ta_proto_sign *q = &ta_job_req(j)->p.sign;
	struct sign_priv *sp = ta_job_priv(j);
	struct ta_policy_key pk[TA_PROTO_KEYS_MAX];
	struct ta_proto_scope *sc = NULL; /* one per key: 8 KiB each */
	struct ta_policy_req pr = {
	    .operation = TA_OP_SIGN,
	    .keys = pk,
	    .role = q->role,
	    .gun = q->gun,
	    .profile = q->profile,
	};

	if (sign_prepare(j, sp) != 0)
		goto out;
	if ((sc = malloc(sp->n * sizeof(*sc))) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < sp->n; i++)
		ta_handle_policy_key(j, &sp->tk[i], &pk[i], &sc[i]);
	pr.n_keys = sp->n;
	pr.expires = sp->plan->expires;
	/* A ceremony head falls under the rule of the root it makes. */
	pr.profile = sp->plan->rule_profile == TA_PROFILE_NOTARY ? TA_PROTO_PROFILE_NOTARY :
								      TA_PROTO_PROFILE_TUF;
	if (ta_handle_policy_req(j, &pr) == 0)
		sign_make(j, sp);
out:
	free(sc);
	/* Answered here, on the worker, not after the loop's turn. */
	ta_job_respond(j);
}

void
ta_handle_sign(struct ta_job *j)
{
	const struct ta_proto_sign *q = &ta_job_req(j)->p.sign;
	enum ta_role_type type;

	ta_job_set_profile(j, ta_proto_profile_name(q->profile));
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
	ta_job_queue_with(j, sizeof(struct sign_priv), sign_priv_free, sign_run, sign_done);
}

/* ---- key.cert --------------------------------------------------------------------- */

/* Finds the key, checks the policy for it (as sign_run does), makes the
 * certificate and stores it when asked. */
static void
cert_run(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &ta_job_req(j)->p.key_cert;
	struct ta_key_ref *tk = ta_job_priv(j);
	struct ta_policy_key pk;
	struct ta_proto_scope sc;
	struct ta_tsigner ts;
	struct ta_key *xk = NULL;
	time_t now = time(NULL);
	uint8_t *der = NULL;
	size_t der_len = 0, pem_len = 0;
	char *pem = NULL, not_after[21];
	struct ta_proto_key_cert_result res;
	json_t *o = NULL;
	bool stored = false;
	int r;

	if ((r = ta_key_ref_find(ta_job_tokens(j), ta_job_n_tokens(j), q->key, tk)) != 0) {
		ta_handle_key_error(j, r, "params.key");
		return;
	}
	ta_handle_policy_key(j, tk, &pk, &sc);
	if (ta_handle_policy(
		j, TA_OP_KEY_CERT, &pk, 1, NULL, q->gun, now + (time_t)q->days * DAY_SECONDS) != 0)
		return;
	ta_job_add_keyid(j, tk->ck->notary_id);
	ta_tsigner_init(&ts, tk, &ta_job_tokens(j)[tk->tok], ta_job_sign_wait(j));
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
		ta_key_ref_failed(tk, r);
		ta_job_error(j, 0, r, "signing the certificate on token '%s': %s",
		    ta_job_tokens(j)[tk->tok].name, ts.why[0] != '\0' ? ts.why : ta_strerror(r));
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
			    ta_job_tokens(j)[tk->tok].name, ta_strerror(r));
			goto out;
		}
		stored = true;
	}
	ta_time_format(now + (time_t)q->days * DAY_SECONDS, not_after);
	res = (struct ta_proto_key_cert_result){
	    .pem = pem, .pem_len = pem_len, .stored = stored, .not_after = not_after};
	r = ta_proto_key_cert_result_json(&res, &o);
	ta_job_result(j, r, o);
out:
	ta_key_free(xk);
	free(pem);
	free(der);
}

static void
cert_done(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &ta_job_req(j)->p.key_cert;

	if (ta_job_outcome(j) == 0)
		log_info("peer uid %u pid %d: root certificate for '%s' made with key '%s'%s",
		    (unsigned)ta_job_peer(j)->uid, (int)ta_job_peer(j)->pid, q->gun,
		    ((struct ta_key_ref *)ta_job_priv(j))->ck->key.label,
		    q->store ? " and stored" : "");
	ta_job_finish(j);
}

void
ta_handle_key_cert(struct ta_job *j)
{
	const struct ta_proto_key_cert *q = &ta_job_req(j)->p.key_cert;

	ta_handle_one_key(j, TA_OP_KEY_CERT, q->gun, time(NULL) + (time_t)q->days * DAY_SECONDS,
	    cert_run, cert_done);
}
