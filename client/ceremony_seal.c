/* The seal of a ceremony: after finish, the root keys held by this
 * machine's agent sign the transcript's head (the agent's "ceremony"
 * profile, tuf/cerhead.h), and a "seal" record carries the head and the
 * signatures:
 *
 *	{"step":"seal","head":{...the signed head file's "signed"...},
 *	 "signatures":[{"keyid":HEX,"sig":HEX,"signer":NAME}...],...}
 *
 * The chain shows any change to the records the head names; the signatures
 * show that the head is the one the root keys saw, so that records cut off
 * the end, or a transcript made up whole, are caught too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "client/ceremony.h"
#include "client/files.h"
#include "client/transcript.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/hex.h"
#include "tuf/cerhead.h"
#include "tuf/key.h"

/* The head file for these values (tuf/cerhead.h), unsigned. */
static int
head_file(const struct cer *c, const uint8_t md[32], size_t records, const char *root_sha256,
    uint8_t **ret, size_t *ret_len)
{
	struct ta_cerhead h = {.profile = TA_PROFILE_TUF, .records = (int64_t)records};
	const char *p = json_string_value(json_object_get(c->plan, "profile"));

	if (p != NULL && strcmp(p, "notary") == 0)
		h.profile = TA_PROFILE_NOTARY;
	(void)snprintf(h.ceremony, sizeof(h.ceremony), "%s", c->id);
	ta_hex(h.head, md, 32);
	(void)snprintf(h.root_sha256, sizeof(h.root_sha256), "%s", root_sha256);
	if (strlen(cer_gun(c)) >= sizeof(h.gun))
		return TA_ERR_TOO_LARGE;
	memcpy(h.gun, cer_gun(c), strlen(cer_gun(c)) + 1);
	return ta_cerhead_write(&h, ret, ret_len);
}

/* Whether the last record of t is a seal (any: a finish run again after
 * its seal has nothing left to do). */
static bool
sealed(const struct tc_transcript *t, const char *root_sha256)
{
	return tc_last_step_is(t, "seal") && tc_has(t, "finish", "root_sha256", root_sha256);
}

int
cer_seal(const struct cer *c, struct tc_transcript *t, const char *root_sha256,
    struct tn_error *e)
{
	uint8_t md[32], *file = NULL;
	size_t len = 0, i, n = 0;
	struct ta_cerhead h;
	struct ta_meta *m = NULL;
	json_t *sigs = NULL, *fields = NULL;
	const json_t *s;
	int r;

	if (sealed(t, root_sha256))
		return 0;
	tc_head(t, md);
	if ((r = head_file(c, md, tc_records(t), root_sha256, &file, &len)) != 0)
		return tn_fail(e, r, "the transcript head: %s", ta_strerror(r));
	if ((r = ta_cerhead_parse(file, len, &h, &m, NULL)) != 0 || (sigs = json_array()) == NULL) {
		r = tn_fail(e, r != 0 ? r : TA_ERR_NOMEM, "the transcript head: %s",
		    ta_strerror(r != 0 ? r : TA_ERR_NOMEM));
		goto out;
	}
	json_array_foreach(json_object_get(c->plan, "signers"), i, s) {
		const char *ref = json_string_value(json_object_get(s, "keyref"));
		const char *name = json_string_value(json_object_get(s, "name"));
		struct ta_key *tk = NULL;
		json_t *sig = NULL, *tkey = NULL;
		struct tn_error se;

		if (!json_is_true(json_object_get(s, "new_root")) || ref == NULL || name == NULL ||
		    strncmp(ref, "pubkey:", 7) == 0 || strncmp(ref, "cert:", 5) == 0)
			continue;
		/* The head is signed by the plain key (a notary root lists
		 * its certificate). */
		if (cer_tuf_key_of(c->profile, json_object_get(s, "key"), &tk) != 0 ||
		    ta_key_to_json(tk, &tkey) != 0) {
			printf("seal: '%s': the plan's key cannot be read\n", name);
		} else if (cer_agent_sign(TA_PROTO_PROFILE_CEREMONY, cer_gun(c), ref, ta_key_id(tk), file,
			       len, NULL, 0, &sig, &se) != 0) {
			printf("seal: '%s' did not sign the transcript head: %s\n", name, se.text);
		} else if (!cer_sig_valid(m, ta_key_id(tk), tkey, sig) ||
		    json_object_set_new(sig, "signer", json_string(name)) != 0 ||
		    json_array_append(sigs, sig) != 0) {
			printf("seal: '%s': the agent's signature over the head does not verify\n",
			    name);
		} else {
			printf("seal: '%s' signed the transcript head\n", name);
			n++;
		}
		json_decref(sig);
		json_decref(tkey);
		ta_key_free(tk);
	}
	fields = json_pack("{sOsO}", "head", m->signed_v, "signatures", sigs);
	if (fields == NULL) {
		r = tn_fail(e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	tn_test_crash("ceremony-seal");
	if ((r = tc_append(t, "seal", fields, time(NULL), e)) != 0)
		goto out;
	if (n == 0)
		printf("seal: UNSIGNED: no root key of this ceremony is in this machine's agent; the "
		       "transcript's end is not protected\n");
out:
	json_decref(fields);
	json_decref(sigs);
	ta_meta_free(m);
	free(file);
	return r;
}

/* ---- checking ----------------------------------------------------------------------- */

static int
why(struct cer_seal_check *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
why(struct cer_seal_check *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return TA_ERR_VERIFY;
}

/* The key the plan lists as keyid's, when its signer is a new root key
 * (and, with root, one of root's root keys by public key). */
static json_t *
signer_key(const json_t *plan, const struct ta_meta *root, const char *keyid)
{
	enum ta_profile p = TA_PROFILE_TUF;
	const json_t *s, *v;
	size_t i, j;

	if (json_string_value(json_object_get(plan, "profile")) != NULL &&
	    ta_profile_from_name(json_string_value(json_object_get(plan, "profile")), &p) != 0)
		return NULL;
	json_array_foreach(json_object_get(plan, "signers"), i, s) {
		struct ta_key *k = NULL;
		json_t *out = NULL;
		bool ok = root == NULL;

		if (!json_is_true(json_object_get(s, "new_root")) ||
		    cer_tuf_key_of(p, json_object_get(s, "key"), &k) != 0)
			continue;
		if (strcmp(ta_key_id(k), keyid) != 0) {
			ta_key_free(k);
			continue;
		}
		json_array_foreach(json_object_get(json_object_get(json_object_get(root != NULL ?
			root->signed_v : NULL, "roles"), "root"), "keyids"), j, v) {
			struct ta_key *rk = NULL;
			const char *rid = json_string_value(v);

			if (rid != NULL && ta_key_from_json(root->profile,
			    json_object_get(json_object_get(root->signed_v, "keys"), rid), &rk) == 0 &&
			    EVP_PKEY_eq(ta_key_pkey(rk), ta_key_pkey(k)) == 1)
				ok = true;
			ta_key_free(rk);
		}
		if (ok && ta_key_to_json(k, &out) != 0)
			out = NULL;
		ta_key_free(k);
		return out;
	}
	return NULL;
}

/* One seal record, number seq, with prev the hash of the line before it. */
static int
check_one(const json_t *rec, size_t seq, const json_t *plan, const char *ceremony,
    const char *finish_root, const struct ta_meta *root, struct cer_seal_check *res)
{
	const json_t *head = json_object_get(rec, "head"), *sigs = json_object_get(rec, "signatures");
	const json_t *sig;
	struct ta_cerhead h;
	struct ta_meta *m = NULL;
	json_t *env;
	char *text;
	size_t i, valid = 0;
	int r;

	env = json_pack("{sOs[]}", "signed", head, "signatures");
	text = env != NULL ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(env);
	if (text == NULL || !json_is_array(sigs))
		r = why(res, "record %zu (seal): not a seal record", seq);
	else if (ta_cerhead_parse((const uint8_t *)text, strlen(text), &h, &m, NULL) != 0)
		r = why(res, "record %zu (seal): its head is not a ceremony head", seq);
	else if (h.records != (int64_t)seq - 1 ||
	    strcmp(h.head, json_string_value(json_object_get(rec, "prev"))) != 0)
		r = why(res, "record %zu (seal): its head is not record %zu", seq, seq - 1);
	else if (ceremony == NULL || strcmp(h.ceremony, ceremony) != 0)
		r = why(res, "record %zu (seal): its head names another ceremony", seq);
	else if (finish_root == NULL || strcmp(h.root_sha256, finish_root) != 0)
		r = why(res, "record %zu (seal): its head names another root than the finish record",
		    seq);
	else
		r = 0;
	free(text);
	json_array_foreach(sigs, i, sig) {
		const char *id = json_string_value(json_object_get(sig, "keyid"));
		json_t *key, *clean;

		if (r != 0)
			break;
		for (size_t j = 0; j < i; j++)
			if (id != NULL && json_equal(json_object_get(json_array_get(sigs, j), "keyid"),
			    json_object_get(sig, "keyid")))
				r = why(res, "record %zu (seal): two signatures by key %.16s...", seq,
				    id);
		if (r != 0)
			break;
		key = id != NULL ? signer_key(plan, root, id) : NULL;
		clean = cer_sig_clean(sig);
		if (key == NULL)
			r = why(res, "record %zu (seal): signature %zu is by key %.16s..., not a root "
				     "key of %s", seq, i + 1, id != NULL ? id : "?",
			    root != NULL ? "ROOT" : "the plan");
		else if (clean == NULL || !cer_sig_valid(m, id, key, clean))
			r = why(res, "record %zu (seal): signature %zu (key %.16s...) does not verify "
				     "over the head", seq, i + 1, id);
		else
			valid++;
		json_decref(clean);
		json_decref(key);
	}
	ta_meta_free(m);
	res->valid = valid;
	return r;
}

int
cer_seal_check(const uint8_t *data, size_t len, const struct ta_meta *root,
    struct cer_seal_check *res)
{
	const uint8_t *p = data, *end = data + len;
	json_t *plan = NULL;
	char ceremony[65] = "", finish_root[65] = "";
	size_t seq = 0;
	int r = 0;

	memset(res, 0, sizeof(*res));
	while (r == 0 && p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		json_t *rec;
		const char *step;

		if (nl == NULL)
			break;
		seq++;
		rec = json_loadb((const char *)p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, NULL);
		p = nl + 1;
		step = json_string_value(json_object_get(rec, "step"));
		if (step == NULL) {
			json_decref(rec);
			return why(res, "record %zu: unreadable", seq);
		}
		if (strcmp(step, "init") == 0 && plan == NULL) {
			const char *id = json_string_value(json_object_get(rec, "ceremony"));

			plan = json_incref(json_object_get(rec, "plan"));
			res->threshold = json_integer_value(json_object_get(plan, "threshold"));
			if (id != NULL && strlen(id) == 64)
				memcpy(ceremony, id, 65);
		} else if (strcmp(step, "finish") == 0) {
			const char *f = json_string_value(json_object_get(rec, "root_sha256"));

			(void)snprintf(finish_root, sizeof(finish_root), "%s", f != NULL ? f : "");
			res->sealed = false;
			res->after = 0;
		} else if (strcmp(step, "seal") == 0) {
			r = check_one(rec, seq, plan, ceremony[0] ? ceremony : NULL,
			    finish_root[0] ? finish_root : NULL, root, res);
			res->sealed = r == 0;
			res->seal = seq;
			res->after = 0;
			json_decref(rec);
			continue;
		}
		if (res->sealed)
			res->after++;
		json_decref(rec);
	}
	json_decref(plan);
	return r;
}
