/* Root key ceremonies, the TUF 1.0 profile: the ceremony folder, the
 * summary shown before a signature, signing through the agent
 * (client/ceremony.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "client/agent_api.h"
#include "client/ceremony.h"
#include "client/files.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/pgpwords.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/verify.h"

static const char *const top_roles[] = { "root", "targets", "snapshot", "timestamp" };

void
cer_sha256_hex(const void *p, size_t len, char out[65])
{
	uint8_t md[32];

	if (EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	ta_hex(out, md, sizeof(md));
}

static int
path_of(char *buf, size_t cap, const char *dir, const char *name, struct tn_error *e)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? tn_fail(e, TA_ERR_TOO_LARGE, "%s: path too long", dir) : 0;
}

void
cer_free(struct cer *c)
{
	if (c == NULL)
		return;
	free(c->dir);
	json_decref(c->plan);
	free(c->root_bytes);
	ta_meta_free(c->root);
	free(c->prev_bytes);
	ta_meta_free(c->prev);
	json_decref(c->sigs);
	free(c);
}

static int
parse_root(enum ta_profile p, const uint8_t *b, size_t len, const char *what,
    struct ta_meta **ret, struct tn_error *e)
{
	struct ta_json_error je;
	int r = ta_meta_parse(b, len, p, "root", ret, &je);

	if (r != 0)
		return tn_fail(e, r, "%s is not a %s root: %s", what,
		    p == TA_PROFILE_NOTARY ? "notary" : "TUF", je.text[0] != '\0' ? je.text : ta_strerror(r));
	return 0;
}

int
cer_load(const char *dir, struct cer **ret, struct tn_error *e)
{
	struct cer *c = calloc(1, sizeof(*c));
	char path[4096];
	uint8_t *pb = NULL;
	size_t plen;
	const char *want;
	int r;

	*ret = NULL;
	if (c == NULL || (c->dir = strdup(dir)) == NULL) {
		free(c);
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	}
	if ((r = path_of(path, sizeof(path), dir, CER_PLAN_FILE, e)) != 0)
		goto fail;
	r = tn_read_file(path, CER_FILE_MAX, &pb, &plen, e);
	if (r == TA_ERR_NOT_FOUND) {
		(void)tn_fail(e, r, "%s: no ceremony here (no %s)", dir, CER_PLAN_FILE);
		goto fail;
	}
	if (r != 0)
		goto fail;
	cer_sha256_hex(pb, plen, c->id);
	c->plan = json_loadb((const char *)pb, plen, JSON_REJECT_DUPLICATES, NULL);
	free(pb);
	want = json_string_value(json_object_get(c->plan, "root_sha256"));
	if (!json_is_object(c->plan) || want == NULL ||
	    !json_is_array(json_object_get(c->plan, "signers"))) {
		r = tn_fail(e, TA_ERR_FORMAT, "%s/%s is not a ceremony plan", dir, CER_PLAN_FILE);
		goto fail;
	}
	{
		const char *p = json_string_value(json_object_get(c->plan, "profile"));

		if (p == NULL || ta_profile_from_name(p, &c->profile) != 0) {
			r = tn_fail(e, TA_ERR_FORMAT, "%s/%s names no profile (tuf or notary)", dir,
			    CER_PLAN_FILE);
			goto fail;
		}
	}
	if ((r = path_of(path, sizeof(path), dir, CER_ROOT_FILE, e)) != 0 ||
	    (r = tn_read_file(path, CER_FILE_MAX, &c->root_bytes, &c->root_len, e)) != 0)
		goto fail;
	cer_sha256_hex(c->root_bytes, c->root_len, c->sha256);
	if (strcmp(c->sha256, want) != 0) {
		r = tn_fail(e, TA_ERR_VERIFY, "%s/%s is not the bytes the plan names (sha256 %s)", dir,
		    CER_ROOT_FILE, want);
		goto fail;
	}
	if ((r = parse_root(c->profile, c->root_bytes, c->root_len, CER_ROOT_FILE, &c->root, e)) != 0)
		goto fail;
	want = json_string_value(json_object_get(c->plan, "prev_root_sha256"));
	if (want != NULL) {
		char h[65];

		if ((r = path_of(path, sizeof(path), dir, CER_PREV_FILE, e)) != 0 ||
		    (r = tn_read_file(path, CER_FILE_MAX, &c->prev_bytes, &c->prev_len, e)) != 0)
			goto fail;
		cer_sha256_hex(c->prev_bytes, c->prev_len, h);
		if (strcmp(h, want) != 0) {
			r = tn_fail(e, TA_ERR_VERIFY, "%s/%s is not the previous root the plan names",
			    dir, CER_PREV_FILE);
			goto fail;
		}
		if ((r = parse_root(c->profile, c->prev_bytes, c->prev_len, CER_PREV_FILE, &c->prev, e)) != 0)
			goto fail;
	}
	if ((r = path_of(path, sizeof(path), dir, CER_SIGS_FILE, e)) != 0)
		goto fail;
	r = tn_read_json(path, CER_FILE_MAX, &c->sigs, e);
	if (r == TA_ERR_NOT_FOUND)
		r = (c->sigs = json_array()) == NULL ? tn_fail(e, TA_ERR_NOMEM, "out of memory") : 0;
	if (r != 0)
		goto fail;
	if (!json_is_array(c->sigs)) {
		r = tn_fail(e, TA_ERR_FORMAT, "%s/%s is not an array of signatures", dir, CER_SIGS_FILE);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	cer_free(c);
	return r;
}

const json_t *
cer_signer(const struct cer *c, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(c->plan, "signers"), i, s) {
		if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
			return s;
	}
	return NULL;
}

bool
cer_has_sig(const struct cer *c, const char *keyid)
{
	const json_t *s;
	size_t i;

	json_array_foreach(c->sigs, i, s) {
		const char *id = json_string_value(json_object_get(s, "keyid"));

		if (id != NULL && strcmp(id, keyid) == 0)
			return true;
	}
	return false;
}

int
cer_add_sig(struct cer *c, const json_t *sig, struct tn_error *e)
{
	char path[4096];
	json_t *next = json_copy(c->sigs);
	int r;

	/* A copy: c->sigs stays as on disk when the write fails. */
	if (next == NULL || json_array_append_new(next, json_deep_copy(sig)) != 0) {
		json_decref(next);
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	}
	if ((r = path_of(path, sizeof(path), c->dir, CER_SIGS_FILE, e)) == 0)
		r = tn_write_json(path, next, e);
	if (r != 0) {
		json_decref(next);
		return r;
	}
	json_decref(c->sigs);
	c->sigs = next;
	return 0;
}

/* Checks signatures (borrowed) of root against keys and a role entry. */
static size_t
count_valid(const struct ta_meta *root, json_t *sigs, const json_t *keys, const json_t *entry,
    int64_t *need)
{
	struct ta_meta m = *root;
	struct ta_verify_result res;

	*need = json_integer_value(json_object_get(entry, "threshold"));
	if (json_array_size(sigs) == 0)
		return 0;
	/* A shallow copy: the same "signed", other signatures. */
	m.signatures = sigs;
	/* Below the threshold is an answer here, not a failure: the count. */
	if (ta_verify_signatures(&m, keys, entry, &res) != 0 && res.nvalid == 0)
		return 0;
	return res.nvalid;
}

json_t *
cer_sig_clean(const json_t *sig)
{
	const json_t *m = json_object_get(sig, "method");
	json_t *o;

	if (!json_is_string(json_object_get(sig, "keyid")) || !json_is_string(json_object_get(sig, "sig")))
		return NULL;
	o = json_pack("{sOsO}", "keyid", json_object_get(sig, "keyid"), "sig", json_object_get(sig, "sig"));
	if (o != NULL && json_is_string(m) &&
	    json_object_set_new(o, "method", json_string(json_string_value(m))) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

bool
cer_sig_valid(const struct ta_meta *root, const char *keyid, const json_t *key, const json_t *sig)
{
	json_t *keys = json_pack("{sO}", keyid, key);
	json_t *entry = json_pack("{s[s]si}", "keyids", keyid, "threshold", 1);
	json_t *sigs = json_pack("[O]", sig);
	int64_t need;
	bool ok = keys != NULL && entry != NULL && sigs != NULL &&
	    json_is_object(sig) && json_is_string(json_object_get(sig, "sig")) &&
	    json_string_value(json_object_get(sig, "keyid")) != NULL &&
	    strcmp(json_string_value(json_object_get(sig, "keyid")), keyid) == 0 &&
	    count_valid(root, sigs, keys, entry, &need) == 1;

	json_decref(keys);
	json_decref(entry);
	json_decref(sigs);
	return ok;
}

static const json_t *
role_entry(const struct ta_meta *m, const char *role)
{
	return json_object_get(json_object_get(m->signed_v, "roles"), role);
}

void
cer_counts(const struct cer *c, size_t *have, int64_t *need, size_t *phave, int64_t *pneed)
{
	*have = count_valid(c->root, c->sigs, json_object_get(c->root->signed_v, "keys"),
	    role_entry(c->root, "root"), need);
	*phave = 0;
	*pneed = 0;
	if (c->prev != NULL)
		*phave = count_valid(c->root, c->sigs, json_object_get(c->prev->signed_v, "keys"),
		    role_entry(c->prev, "root"), pneed);
}

static bool
listed(const json_t *entry, const char *keyid)
{
	const json_t *k;
	size_t i;

	json_array_foreach(json_object_get(entry, "keyids"), i, k) {
		if (strcmp(json_string_value(k), keyid) == 0)
			return true;
	}
	return false;
}

/* What changed in role against prev: keys added and removed, threshold. */
static void
role_changes(FILE *out, const char *role, const json_t *now, const json_t *was)
{
	const json_t *k;
	size_t i;
	json_int_t t1 = json_integer_value(json_object_get(now, "threshold")),
		   t0 = json_integer_value(json_object_get(was, "threshold"));

	json_array_foreach(json_object_get(now, "keyids"), i, k) {
		if (!listed(was, json_string_value(k)))
			(void)fprintf(out, "  %-9s + key %s (added)\n", role, json_string_value(k));
	}
	json_array_foreach(json_object_get(was, "keyids"), i, k) {
		if (!listed(now, json_string_value(k)))
			(void)fprintf(out, "  %-9s - key %s (removed)\n", role, json_string_value(k));
	}
	if (t0 != t1)
		(void)fprintf(out, "  %-9s threshold %lld -> %lld\n", role, (long long)t0,
		    (long long)t1);
}

int
cer_summary(FILE *out, const struct ta_meta *root, const struct ta_meta *prev, const char *sha256)
{
	char words[TA_PGPWORDS_CAP(32)], exp[21] = "?", pexp[21] = "?";
	uint8_t md[32];
	size_t n = 0;
	time_t t;

	if (ta_unhex(sha256, strlen(sha256), md, sizeof(md), &n) != 0 || n != sizeof(md) ||
	    ta_pgpwords(md, sizeof(md), words, sizeof(words)) != 0)
		return TA_ERR_INVALID;
	if (ta_meta_expires(root, &t) == 0)
		ta_time_format(t, exp);
	(void)fprintf(out, "%s root, version %lld, expires %s\n",
	    root->profile == TA_PROFILE_NOTARY ? "Notary v1" : "TUF 1.0",
	    (long long)ta_meta_version(root), exp);
	for (size_t i = 0; i < sizeof(top_roles) / sizeof(top_roles[0]); i++) {
		const json_t *en = role_entry(root, top_roles[i]), *k;
		size_t j;

		(void)fprintf(out, "  %-9s threshold %lld of %zu:\n", top_roles[i],
		    (long long)json_integer_value(json_object_get(en, "threshold")),
		    json_array_size(json_object_get(en, "keyids")));
		json_array_foreach(json_object_get(en, "keyids"), j, k) {
			(void)fprintf(out, "    %s\n", json_string_value(k));
		}
	}
	if (prev == NULL) {
		(void)fprintf(out, "Changes: none to show (a first root, no previous root)\n");
	} else {
		if (ta_meta_expires(prev, &t) == 0)
			ta_time_format(t, pexp);
		(void)fprintf(out, "Changes against root version %lld (which expires %s):\n",
		    (long long)ta_meta_version(prev), pexp);
		for (size_t i = 0; i < sizeof(top_roles) / sizeof(top_roles[0]); i++)
			role_changes(out, top_roles[i], role_entry(root, top_roles[i]),
			    role_entry(prev, top_roles[i]));
		if (strcmp(exp, pexp) != 0)
			(void)fprintf(out, "  expires   %s -> %s\n", pexp, exp);
	}
	(void)fprintf(out, "SHA-256 of the exact bytes to sign:\n  %s\n  %s\n", sha256, words);
	return 0;
}

bool
cer_confirm(const char *who)
{
	char line[64];
	size_t n;

	(void)fprintf(tufctl_human(), "Sign this root with %s's key? Type yes to sign: ", who);
	(void)fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	return strcmp(line, "yes") == 0;
}

int
cer_agent_sign(enum ta_proto_profile profile, const char *gun, const char *key,
    const char *keyid, const uint8_t *root, size_t len, const uint8_t *prev, size_t prev_len,
    json_t **ret_sig, struct tn_error *e)
{
	struct ta_proto_sign *q = calloc(1, sizeof(*q));
	struct ta_proto_sign_result sr;
	json_t *res = NULL, *file = NULL;
	const json_t *s;
	size_t i;
	int r = 0;

	*ret_sig = NULL;
	if (q == NULL)
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	if (strlen(key) >= sizeof(q->keys[0]) || (gun != NULL && strlen(gun) >= sizeof(q->gun))) {
		free(q);
		return tn_fail(e, TA_ERR_TOO_LARGE, "key reference or GUN too long");
	}
	q->profile = profile;
	if (gun != NULL)
		memcpy(q->gun, gun, strlen(gun) + 1);
	memcpy(q->role, "root", 5);
	memcpy(q->keys[0], key, strlen(key) + 1);
	q->n_keys = 1;
	q->file = (const char *)root;
	q->file_len = len;
	q->prev_root = (const char *)prev;
	q->prev_root_len = prev_len;
	if (tufctl_agent_sign(NULL, q, &res, &sr) != 0) {
		/* agent_api printed the agent's reason. */
		free(q);
		return tn_fail(e, TA_ERR_PROTOCOL, "key '%s' did not sign", key);
	}
	file = json_loadb(sr.file, sr.file_len, JSON_REJECT_DUPLICATES, NULL);
	json_array_foreach(json_object_get(file, "signatures"), i, s) {
		const char *id = json_string_value(json_object_get(s, "keyid"));

		if (id != NULL && strcmp(id, keyid) == 0 && *ret_sig == NULL)
			*ret_sig = cer_sig_clean(s);
	}
	if (*ret_sig == NULL)
		r = tn_fail(e, TA_ERR_VERIFY, "key '%s' is not the key %.16s... (it signed as another)",
		    key, keyid);
	json_decref(file);
	json_decref(res);
	free(q);
	return r;
}

json_t *
cer_token_of(const char *ref)
{
	/* The TUF key ID: a key's notary ID is its certificate's when one is
	 * stored beside it; its TUF ID is always the plain key's. */
	struct ta_proto_key_show q = {.profile = TA_PROTO_PROFILE_TUF};
	struct ta_proto_key_show_result kr;
	struct ta_proto_key_list_result kl = {0};
	struct ta_proto_status_result st = {0};
	json_t *res = NULL, *list = NULL, *status = NULL, *out = NULL;
	const char *tok = NULL;

	if (strlen(ref) >= sizeof(q.key))
		return NULL;
	memcpy(q.key, ref, strlen(ref) + 1);
	if (tufctl_agent_key_show(NULL, &q, &res, &kr) != 0)
		return NULL;
	if (tufctl_agent_key_list(NULL, NULL, &list, &kl) == 0)
		for (size_t i = 0; i < kl.n_keys && tok == NULL; i++)
			if (strcmp(kl.keys[i].tuf_id, kr.keyid) == 0)
				tok = kl.keys[i].token;
	if (tok != NULL && tufctl_agent_status(NULL, &status, &st) == 0)
		for (size_t i = 0; i < st.n_tokens && out == NULL; i++) {
			const struct ta_proto_token_status *t = &st.tokens[i];

			if (strcmp(t->name, tok) == 0 && t->serial != NULL)
				out = json_pack("{ssssss}", "name", t->name, "serial", t->serial, "model",
				    t->model != NULL ? t->model : "");
		}
	ta_proto_status_result_clear(&st);
	ta_proto_key_list_result_clear(&kl);
	json_decref(status);
	json_decref(list);
	json_decref(res);
	return out;
}

bool
cer_token_ok(const json_t *tok)
{
	static const char *const names[] = { "name", "serial", "model", NULL };
	const char *k;
	json_t *v;

	if (tok == NULL || json_is_null(tok))
		return true;
	if (!json_is_object(tok) || json_string_value(json_object_get(tok, "serial")) == NULL ||
	    ta_json_stray_member(tok, names) != NULL)
		return false;
	json_object_foreach(ta_json_unconst(tok), k, v) {
		const char *str = json_string_value(v);

		if (str == NULL || json_string_length(v) > 64)
			return false;
		for (const char *p = str; *p != '\0'; p++)
			if (*p < 0x20 || *p > 0x7e)
				return false;
	}
	return true;
}

int
cer_token_check(const json_t *want, const char *who, struct tn_error *e)
{
	const char *serial = json_string_value(json_object_get(want, "serial"));
	const char *model = json_string_value(json_object_get(want, "model"));
	struct ta_proto_status_result st = {0};
	json_t *status = NULL;
	char seen[512] = "";
	size_t n = 0;
	int r = TA_ERR_TOKEN_ABSENT;

	if (serial == NULL)
		return 0; /* the plan does not know the token */
	if (tufctl_agent_status(NULL, &status, &st) != 0)
		return tn_fail(e, TA_ERR_PROTOCOL, "the agent's status: cannot tell which tokens are here");
	for (size_t i = 0; i < st.n_tokens && r != 0; i++) {
		const struct ta_proto_token_status *t = &st.tokens[i];

		if (!t->present || t->serial == NULL)
			continue;
		if (strcmp(t->serial, serial) == 0 &&
		    (model == NULL || model[0] == '\0' || (t->model != NULL && strcmp(t->model, model) == 0)))
			r = 0;
		else if (n < sizeof(seen))
			n += (size_t)snprintf(seen + n, sizeof(seen) - n, "%s%s (%s, serial %s)",
			    n > 0 ? ", " : "", t->name, t->model != NULL ? t->model : "?", t->serial);
	}
	if (r != 0)
		r = tn_fail(e, r, "%s's token (%s, serial %s) is not here%s%s: nothing asked, nothing "
				  "signed", who, model != NULL && model[0] ? model : "?", serial,
		    seen[0] ? "; present: " : "", seen);
	ta_proto_status_result_clear(&st);
	json_decref(status);
	return r;
}

const char *
cer_gun(const struct cer *c)
{
	const char *g = json_string_value(json_object_get(c->plan, "gun"));

	return g != NULL ? g : "";
}

