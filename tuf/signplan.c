/* Which signatures a sign request makes (tuf/signplan.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/json.h"
#include "tuf/bins.h"
#include "tuf/cerhead.h"
#include "tuf/signplan.h"
#include "tuf/x509.h"

static int fail(struct ta_signplan_error *e, enum ta_signplan_fault fault, int r, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct ta_signplan_error *e, enum ta_signplan_fault fault, int r, const char *fmt, ...)
{
	va_list ap;

	e->fault = fault;
	va_start(ap, fmt);
	(void)vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return r;
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
 * certificates are not dated (as tuf/verify.c does for a trusted root).
 * what prefixes the error ("params.prev_root: "). */
static int
check_notary_root(const struct ta_meta *m, const char *gun, time_t now, unsigned flags,
    const char *what, struct ta_signplan_error *e)
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
		if ((r = ta_key_from_json(TA_PROFILE_NOTARY, obj, &k)) != 0)
			return fail(e, TA_SIGNPLAN_METADATA, r, "%ssigned.keys[\"%.64s\"]: %s",
			    what, id, ta_strerror(r));
		pem = ta_key_public_bytes(k, &len);
		r = ta_x509_check_root(pem, len, gun, now, flags, &xe);
		ta_key_free(k);
		if (r != 0)
			return fail(e, TA_SIGNPLAN_METADATA, r, "%sroot key %.64s: %s", what, id,
			    xe.text);
	}
	return 0;
}

/* Parses a companion file (prev_root or parent) as the profile's. */
static int
parse_other(const struct ta_signplan_in *in, const uint8_t *buf, size_t len, const char *member,
    struct ta_meta **ret, struct ta_signplan_error *e)
{
	struct ta_json_error je;
	int r;

	if ((r = ta_meta_parse(buf, len, in->profile, NULL, ret, &je)) != 0)
		return fail(e, TA_SIGNPLAN_METADATA, r, "%s: %s", member,
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
	return 0;
}

/* prev_root: a root of the same profile, for the same GUN (notary: its
 * certificates' CNs), exactly one version older. */
static int
prev_root_check(const struct ta_signplan_in *in, struct ta_signplan *p,
    struct ta_signplan_error *e)
{
	int64_t pv, nv = ta_meta_version(p->m);
	int r;

	if ((r = parse_other(in, in->prev_root, in->prev_root_len, "params.prev_root", &p->prev,
		 e)) != 0)
		return r;
	if (p->prev->type != TA_ROLE_ROOT)
		return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_FORMAT,
		    "params.prev_root: a %s file, not a root; give the currently trusted root",
		    ta_role_type_string(in->profile, p->prev->type));
	pv = ta_meta_version(p->prev);
	if (pv >= INT64_MAX || nv != pv + 1)
		return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
		    "params.file: root version %lld cannot follow the previous root's version "
		    "%lld; a rotation needs version %lld",
		    (long long)nv, (long long)pv, (long long)pv + 1);
	if (in->profile == TA_PROFILE_NOTARY)
		return check_notary_root(p->prev, in->gun, in->now, 0, "params.prev_root: ", e);
	return 0;
}

/* Every target of the file lies in the delegation's paths: a delegated
 * role signs only for the paths its parent gave it (a client ignores the
 * rest, but a file signed with them could be replayed where they count). */
static int
paths_check(const struct ta_signplan_in *in, const struct ta_signplan *p, const json_t *deleg,
    struct ta_signplan_error *e)
{
	union {
		const json_t *c;
		json_t *m;
	} t = {.c = json_object_get(p->m->signed_v, "targets")};
	const json_t *v;
	const char *path;

	/* jansson iterates non-const objects only; nothing is written. */
	json_object_foreach(t.m, path, v)
	{
		(void)v;
		if (!ta_delegation_covers(in->profile, deleg, path))
			return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
			    "params.file: target '%.64s' is outside the paths params.parent "
			    "delegates to '%s'",
			    path, in->role);
	}
	return 0;
}

/* A parent delegating to succinct hash bins (TAP 15): the role must be one
 * of its bins, and every target of the file must hash into that bin. */
static int
bins_check(const struct ta_signplan_in *in, struct ta_signplan *p, const json_t *d,
    const json_t *sr, struct ta_signplan_error *e)
{
	union {
		const json_t *c;
		json_t *m;
	} t = {.c = json_object_get(p->m->signed_v, "targets")};
	const char *prefix = json_string_value(json_object_get(sr, "name_prefix"));
	json_int_t bits = json_integer_value(json_object_get(sr, "bit_length"));
	const json_t *v;
	const char *path;
	uint32_t bin;

	if (prefix == NULL || bits < 1 || bits > 32 ||
	    ta_bins_parse(in->role, prefix, (unsigned)bits, &bin) != 0)
		return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
		    "params.parent: its succinct_roles do not include '%s'", in->role);
	json_object_foreach(t.m, path, v)
	{
		(void)v;
		if (ta_bins_for_path((unsigned)bits, path) != (int64_t)bin)
			return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
			    "params.file: target '%.64s' belongs to another bin than '%s'", path,
			    in->role);
	}
	p->deleg_keys = json_object_get(d, "keys");
	p->deleg_keyids = json_object_get(sr, "keyids");
	return 0;
}

/* parent: a targets file that delegates to the role; its delegation's key
 * map and key IDs, and the targets within its paths. */
static int
parent_check(const struct ta_signplan_in *in, struct ta_signplan *p,
    struct ta_signplan_error *e)
{
	const json_t *d, *v;
	size_t n;
	int r;

	if ((r = parse_other(in, in->parent, in->parent_len, "params.parent", &p->parent, e)) != 0)
		return r;
	if (p->parent->type != TA_ROLE_TARGETS)
		return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_FORMAT,
		    "params.parent: a %s file, not targets; give the file that delegates to '%s'",
		    ta_role_type_string(in->profile, p->parent->type), in->role);
	d = json_object_get(p->parent->signed_v, "delegations");
	if (in->profile == TA_PROFILE_TUF && (v = json_object_get(d, "succinct_roles")) != NULL)
		return bins_check(in, p, d, v, e);
	json_array_foreach(json_object_get(d, "roles"), n, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));

		if (name != NULL && strcmp(name, in->role) == 0) {
			p->deleg_keys = json_object_get(d, "keys");
			p->deleg_keyids = json_object_get(v, "keyids");
			return paths_check(in, p, v, e);
		}
	}
	return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
	    "params.parent: it does not delegate to '%s'", in->role);
}

/* A ceremony head: its own rules (tuf/cerhead.h). */
static int
ceremony_open(const struct ta_signplan_in *in, struct ta_signplan *p,
    struct ta_signplan_error *e)
{
	struct ta_cerhead h;
	struct ta_json_error je;
	int r;

	if (in->profile != TA_PROFILE_TUF || strcmp(in->role, "root") != 0)
		return fail(e, TA_SIGNPLAN_PARAMS, TA_ERR_INVALID,
		    "params.role: a ceremony head is signed as \"root\"");
	if (in->prev_root != NULL || in->parent != NULL)
		return fail(e, TA_SIGNPLAN_PARAMS, TA_ERR_INVALID,
		    "params.%s: not for a ceremony head", in->prev_root != NULL ? "prev_root" :
										 "parent");
	if ((r = ta_cerhead_parse(in->file, in->file_len, &h, &p->m, &je)) != 0)
		return fail(e, TA_SIGNPLAN_METADATA, r, "params.file: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
	if (strcmp(h.gun, in->gun != NULL ? in->gun : "") != 0)
		return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_INVALID,
		    "params.file: signed.gun '%s' is not params.gun '%s'", h.gun,
		    in->gun != NULL ? in->gun : "");
	p->rule_profile = h.profile;
	p->expires = 0;
	return 0;
}

int
ta_signplan_open(const struct ta_signplan_in *in, struct ta_signplan **ret,
    struct ta_signplan_error *e)
{
	struct ta_signplan *p;
	struct ta_json_error je;
	bool root;
	int r;

	*ret = NULL;
	e->fault = 0;
	e->text[0] = '\0';
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return TA_ERR_NOMEM;
	p->profile = in->profile;
	p->rule_profile = in->profile;
	(void)snprintf(p->role, sizeof(p->role), "%s", in->role);
	if (in->ceremony) {
		r = ceremony_open(in, p, e);
		if (r != 0)
			goto fail;
		*ret = p;
		return 0;
	}
	r = ta_meta_parse(in->file, in->file_len, in->profile, in->role, &p->m, &je);
	if (r != 0) {
		r = fail(e, TA_SIGNPLAN_METADATA, r, "params.file: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		goto fail;
	}
	if ((r = ta_meta_expires(p->m, &p->expires)) != 0) {
		r = fail(e, TA_SIGNPLAN_METADATA, r, "params.file: signed.expires: %s",
		    ta_strerror(r));
		goto fail;
	}
	if (p->expires <= in->now) {
		r = fail(e, TA_SIGNPLAN_METADATA, TA_ERR_EXPIRED,
		    "params.file: signed.expires is in the past; set a later expiry");
		goto fail;
	}
	root = p->m->type == TA_ROLE_ROOT;
	if (root && in->profile == TA_PROFILE_NOTARY &&
	    (r = check_notary_root(p->m, in->gun, in->now, TA_X509_CHECK_TIME, "", e)) != 0)
		goto fail;
	if (root && in->prev_root != NULL && (r = prev_root_check(in, p, e)) != 0)
		goto fail;
	/* A delegation's file has the top-level targets' _type: only its
	 * parent says which keys and paths the role has. */
	if (!root && p->m->type == TA_ROLE_TARGETS && strcmp(in->role, "targets") != 0 &&
	    in->parent == NULL) {
		r = fail(e, TA_SIGNPLAN_PARAMS, TA_ERR_INVALID,
		    "params.parent: missing: signing the delegated role '%s' needs the file that "
		    "delegates to it (tufctl sign --parent FILE)",
		    in->role);
		goto fail;
	}
	if (in->parent != NULL && (r = parent_check(in, p, e)) != 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	ta_signplan_free(p);
	return r;
}

static bool
already_signing_as(const struct ta_signplan *p, const char *id)
{
	for (size_t i = 0; i < p->n_sigs; i++)
		if (strcasecmp(ta_key_id(p->sigs[i].as), id) == 0)
			return true;
	return false;
}

static int
add_sig(struct ta_signplan *p, size_t key, const struct ta_key *as, bool prev,
    struct ta_signplan_error *e)
{
	if (p->n_sigs == TA_SIGNPLAN_MAX)
		return fail(e, TA_SIGNPLAN_PARAMS, TA_ERR_TOO_LARGE,
		    "params.keys: the metadata lists these keys as more than %d keys; sign with "
		    "fewer keys at a time",
		    TA_SIGNPLAN_MAX);
	p->sigs[p->n_sigs++] = (struct ta_signplan_sig){.key = key, .as = as, .prev_only = prev};
	return 0;
}

/* Adds a signature by the caller's key as each key listed in keyids (key
 * objects in keys) whose public key is its own.  Matching on the public
 * key, not on one stored certificate, lets one token key serve many GUNs
 * and renewed certificates; each listed key the token key is gets a
 * signature, as notary's signer does for every listed key it holds.  A
 * listed key whose object is not its ID's cannot be signed as. */
static int
match_keys(struct ta_signplan *p, size_t key, const json_t *keys, const json_t *keyids,
    const struct ta_key *own, bool prev, size_t *nmatched, struct ta_signplan_error *e)
{
	const json_t *v;
	size_t n;
	int r;

	json_array_foreach(keyids, n, v)
	{
		const char *id = json_string_value(v);
		struct ta_key *k = NULL;

		if (id == NULL || already_signing_as(p, id) ||
		    ta_key_from_json(p->profile, json_object_get(keys, id), &k) != 0)
			continue;
		if (strcasecmp(ta_key_id(k), id) != 0 ||
		    EVP_PKEY_eq(ta_key_pkey(k), ta_key_pkey(own)) != 1) {
			ta_key_free(k);
			continue;
		}
		/* owned and sigs grow together: n_owned <= n_sigs. */
		if ((r = add_sig(p, key, k, prev, e)) != 0) {
			ta_key_free(k);
			return r;
		}
		p->owned[p->n_owned++] = k;
		(*nmatched)++;
	}
	return 0;
}

int
ta_signplan_add_key(struct ta_signplan *p, size_t key, const struct ta_key *own,
    const char *member, struct ta_signplan_error *e)
{
	size_t n = 0;
	int r;

	if (own == NULL)
		return fail(e, TA_SIGNPLAN_UNSUPPORTED, TA_ERR_UNSUPPORTED,
		    "%s: its %s key object: %s", member, ta_profile_name(p->profile),
		    ta_strerror(TA_ERR_UNSUPPORTED));
	if (p->m->type == TA_ROLE_ROOT) {
		const json_t *keys = json_object_get(p->m->signed_v, "keys");

		if ((r = match_keys(p, key, keys, root_keyids(p->m), own, false, &n, e)) != 0)
			return r;
		if (p->prev != NULL &&
		    (r = match_keys(p, key, json_object_get(p->prev->signed_v, "keys"),
			 root_keyids(p->prev), own, true, &n, e)) != 0)
			return r;
		if (n == 0)
			return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
			    "%s: key %s is not one of this root's root keys (roles.root.keyids)%s%s",
			    member, ta_key_id(own),
			    p->prev != NULL ? " nor of the previous root's" : "",
			    p->profile == TA_PROFILE_NOTARY
				? "; notary roots list certificates: make one with key.cert and "
				  "list it"
				: "");
		return 0;
	}
	if (p->parent != NULL) {
		if ((r = match_keys(p, key, p->deleg_keys, p->deleg_keyids, own, false, &n, e)) != 0)
			return r;
		if (n == 0)
			return fail(e, TA_SIGNPLAN_METADATA, TA_ERR_VERIFY,
			    "%s: key %s is not one of the keys params.parent delegates '%s' to",
			    member, ta_key_id(own), p->role);
		return 0;
	}
	return add_sig(p, key, own, false, e);
}

void
ta_signplan_free(struct ta_signplan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_owned; i++)
		ta_key_free(p->owned[i]);
	ta_meta_free(p->m);
	ta_meta_free(p->prev);
	ta_meta_free(p->parent);
	free(p);
}
