/* The publish engine (client/notary_publish.h): staged changes applied to
 * a copy of the server's verified state, versions bumped, every changed
 * role signed through a struct tn_signer, the upload and the read-back.
 * It prints nothing; cmd_notary.c says what happened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/notary_publish.h"
#include "client/notary_walk.h"
#include "common/err.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/meta.h"

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

/* ---- keys of roles ---------------------------------------------------------------- */

/* The notary ID of a key object's bare key (the private key's name). */
static int
canonical_id(const json_t *obj, char out[TA_KEY_ID_SIZE])
{
	struct ta_key *k = NULL;
	int r;

	if ((r = ta_key_from_json(TA_PROFILE_NOTARY, obj, &k)) != 0)
		return r;
	(void)snprintf(out, TA_KEY_ID_SIZE, "%s", ta_key_canonical_id(k));
	ta_key_free(k);
	return 0;
}

/* Appends to uris (once each) the signer's keys (their URIs) behind the
 * keyids listed under keymap; returns how many of the listed keys the
 * signer holds. */
static size_t
held_keys(const json_t *held, const json_t *keymap, const json_t *keyids, json_t *uris)
{
	size_t i, k, n = 0;
	const json_t *id, *ak;

	json_array_foreach(keyids, i, id) {
		char cid[TA_KEY_ID_SIZE];

		if (!json_is_string(id) ||
		    canonical_id(json_object_get(keymap, json_string_value(id)), cid) != 0)
			continue;
		json_array_foreach(held, k, ak) {
			const char *nid = json_string_value(
			    json_object_get(json_object_get(ak, "keyids"), "notary"));
			const char *uri = json_string_value(json_object_get(ak, "uri"));
			bool dup = false;
			size_t j;
			const json_t *u;

			if (nid == NULL || uri == NULL || strcmp(nid, cid) != 0)
				continue;
			json_array_foreach(uris, j, u)
				dup = dup || strcmp(json_string_value(u), uri) == 0;
			if (dup || json_array_append_new(uris, json_string(uri)) == 0)
				n++;
		}
	}
	return n;
}

/* The parent role's name ("targets/a" of "targets/a/b"). */
static void
parent_of(const char *role, char parent[TA_ROLE_NAME_MAX + 1])
{
	const char *slash = strrchr(role, '/');

	(void)snprintf(parent, TA_ROLE_NAME_MAX + 1, "%.*s",
	    (int)(slash != NULL ? slash - role : 0), role);
}

/* The role entry {"keyids","threshold"} and key map for role in st. */
static int
role_entry(struct tn_state *st, const char *role, const json_t **ret_keys, const json_t **ret_entry)
{
	*ret_keys = *ret_entry = NULL;
	if (strncmp(role, "targets/", 8) != 0) {
		struct tn_file *root = tn_state_get(st, "root");

		if (root == NULL)
			return TA_ERR_NOT_FOUND;
		*ret_keys = json_object_get(root->m->signed_v, "keys");
		*ret_entry = json_object_get(json_object_get(root->m->signed_v, "roles"), role);
	} else {
		char parent[TA_ROLE_NAME_MAX + 1];
		struct tn_file *pf;
		const json_t *d, *v;
		size_t i;

		parent_of(role, parent);
		if ((pf = tn_state_get(st, parent)) == NULL)
			return TA_ERR_NOT_FOUND;
		d = json_object_get(pf->m->signed_v, "delegations");
		*ret_keys = json_object_get(d, "keys");
		json_array_foreach(json_object_get(d, "roles"), i, v) {
			if (strcmp(json_string_value(json_object_get(v, "name")) ?: "", role) == 0)
				*ret_entry = v;
		}
	}
	return *ret_entry != NULL ? 0 : TA_ERR_NOT_FOUND;
}

/* ---- the working copy ------------------------------------------------------------- */

static bool
is_changed(struct tn_pub *p, const char *role)
{
	struct tn_file *f = tn_state_get(&p->next, role);

	return f != NULL && p->changed[f - p->next.files];
}

/* Marks next's file for role to be signed and uploaded. */
static int
mark(struct tn_pub *p, const char *role)
{
	struct tn_file *f = tn_state_get(&p->next, role);

	if (f == NULL)
		return TA_ERR_NOT_FOUND;
	p->changed[f - p->next.files] = true;
	return 0;
}

/* Rewrites f's bytes from its model. */
static int
refresh(struct tn_file *f, struct tn_error *e)
{
	uint8_t *b = NULL;
	size_t n;
	int r;

	if ((r = ta_meta_write(f->m, &b, &n)) != 0)
		return tn_fail(e, r, "cannot write %s: %s", f->role, ta_strerror(r));
	free(f->bytes);
	f->bytes = b;
	f->len = n;
	return 0;
}

/* The targets file of role in next, made (empty) when the delegation has
 * none yet. */
static int
targets_of(struct tn_pub *p, const char *role, struct tn_file **ret, struct tn_error *e)
{
	struct ta_meta *m = NULL;
	const json_t *keys, *entry;
	uint8_t *b = NULL;
	size_t n;
	int r;

	if ((*ret = tn_state_get(&p->next, role)) != NULL)
		return 0;
	if (role_entry(&p->next, role, &keys, &entry) != 0)
		return tn_fail(e, TA_ERR_NOT_FOUND, "%s: no such delegation in %s; add it with tufctl "
						     "notary delegation add",
		    role, p->gun);
	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, p->now + TN_META_DAYS * TN_DAY,
		 &m)) != 0 ||
	    (r = ta_meta_write(m, &b, &n)) != 0) {
		ta_meta_free(m);
		return tn_fail(e, r, "cannot make %s: %s", role, ta_strerror(r));
	}
	ta_meta_free(m);
	r = tn_state_put(&p->next, role, b, n, e);
	free(b);
	if (r != 0)
		return r;
	*ret = tn_state_get(&p->next, role);
	return 0;
}

static int
hex32(const char *hex, uint8_t out[32])
{
	uint8_t *b = NULL;
	size_t n;

	if (ta_hex_decode(hex, strlen(hex), &b, &n) != 0 || n != 32) {
		free(b);
		return -1;
	}
	memcpy(out, b, 32);
	free(b);
	return 0;
}

/* ---- changes ---------------------------------------------------------------------- */

/* A rotation: role's keys in the root become keys (a map id -> key
 * object), with threshold (0: every key for root, else 1).  Idempotent. */
static int
apply_rotate(struct tn_pub *p, const char *role, json_t *keys, int64_t threshold,
    struct tn_error *e)
{
	struct tn_file *root = tn_state_get(&p->next, "root");
	const json_t *entry, *v;
	json_t *old;
	const char *id;
	size_t i, same = 0;
	int r;

	if (root == NULL || !json_is_object(keys) || json_object_size(keys) == 0 ||
	    threshold < 0 || threshold > (int64_t)json_object_size(keys) ||
	    (entry = json_object_get(json_object_get(root->m->signed_v, "roles"), role)) == NULL)
		return tn_fail(e, TA_ERR_FORMAT,
		    "a staged rotation of %s is malformed; remove it from %s/changes", role, p->dir);
	if (threshold == 0)
		threshold = strcmp(role, "root") == 0 ? (int64_t)json_object_size(keys) : 1;
	if ((old = json_deep_copy(json_object_get(entry, "keyids"))) == NULL)
		return nomem(e);
	json_array_foreach(old, i, v)
		same += json_object_get(keys, json_string_value(v)) != NULL;
	if (same == json_array_size(old) && same == json_object_size(keys) &&
	    json_integer_value(json_object_get(entry, "threshold")) == threshold) {
		json_decref(old);
		return 0; /* done already */
	}
	json_array_foreach(old, i, v) {
		if ((r = ta_meta_root_remove_key(root->m, role, json_string_value(v))) != 0) {
			json_decref(old);
			return tn_fail(e, r, "cannot remove the old %s key: %s", role, ta_strerror(r));
		}
	}
	json_decref(old);
	json_object_foreach(keys, id, v) {
		if ((r = ta_meta_root_add_key(root->m, role, id, v)) != 0)
			return tn_fail(e, r, "cannot add the new %s key: %s", role, ta_strerror(r));
	}
	if ((r = ta_meta_root_set_threshold(root->m, role, threshold)) != 0)
		return tn_fail(e, r, "cannot set the %s threshold: %s", role, ta_strerror(r));
	(void)mark(p, "root");
	/* The targets must be signed again, by the new key. */
	if (strcmp(role, "targets") == 0)
		(void)mark(p, "targets");
	return 0;
}

/* A delegation signs only for its paths: notary's are name prefixes, ""
 * being every name.  Checked here because consumers ignore a target
 * outside them (the server takes it all the same). */
static int
within_paths(struct tn_pub *p, const char *role, const char *name, struct tn_error *e)
{
	const json_t *keys, *entry, *v;
	size_t i;

	if (strncmp(role, "targets/", 8) != 0)
		return 0;
	if (role_entry(&p->next, role, &keys, &entry) != 0)
		return tn_fail(e, TA_ERR_NOT_FOUND, "%s: no such delegation", role);
	json_array_foreach(json_object_get(entry, "paths"), i, v) {
		const char *path = json_string_value(v);

		if (path != NULL && strncmp(name, path, strlen(path)) == 0)
			return 0;
	}
	return tn_fail(e, TA_ERR_INVALID,
	    "'%s' is outside the paths %s may sign; add a --path to the delegation or sign it "
	    "elsewhere (tufctl notary remove %s %s --role %s drops the staged change)",
	    name, role, p->gun, name, role);
}

static int
apply_add(struct tn_pub *p, const json_t *c, const char *role, const char *name,
    struct tn_error *e)
{
	struct ta_target_hashes h = { .has_sha256 = true }, oh;
	const json_t *len = json_object_get(c, "length");
	const char *hex = json_string_value(json_object_get(c, "sha256"));
	struct tn_file *f;
	int64_t ol;
	int r;

	if (name == NULL || !json_is_integer(len) || hex == NULL || hex32(hex, h.sha256) != 0)
		return tn_fail(e, TA_ERR_FORMAT,
		    "a staged add is malformed; remove it from %s/changes to start over", p->dir);
	if ((r = targets_of(p, role, &f, e)) != 0 || (r = within_paths(p, role, name, e)) != 0)
		return r;
	if (ta_meta_target_get(f->m, name, &ol, &oh) == 0 && ol == json_integer_value(len) &&
	    oh.has_sha256 && !oh.has_sha512 && memcmp(oh.sha256, h.sha256, 32) == 0)
		return 0; /* already there */
	if ((r = ta_meta_target_add(f->m, name, json_integer_value(len), &h, NULL)) != 0)
		return tn_fail(e, r, "cannot add %s to %s: %s", name, role, ta_strerror(r));
	return mark(p, role);
}

static int
apply_remove(struct tn_pub *p, const char *role, const char *name, struct tn_error *e)
{
	struct tn_file *f;
	int r;

	if (name == NULL)
		return tn_fail(e, TA_ERR_FORMAT, "a staged remove is malformed");
	if ((f = tn_state_get(&p->next, role)) == NULL)
		return 0;
	r = ta_meta_target_remove(f->m, name);
	if (r == TA_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return tn_fail(e, r, "cannot remove %s from %s: %s", name, role, ta_strerror(r));
	return mark(p, role);
}

/* delegation-add (merged with what the delegation has: notary adds keys
 * and paths) or delegation-remove, in the parent's file. */
static int
apply_delegation(struct tn_pub *p, const json_t *c, const char *op, const char *role,
    struct tn_error *e)
{
	char parent[TA_ROLE_NAME_MAX + 1];
	json_t *keys = json_object_get(c, "keys"), *v;
	const json_t *paths = json_object_get(c, "paths"), *okeys, *entry;
	const char *ids[TN_MAX_KEYS * 2], *ps[TN_MAX_PATHS * 2], *id;
	const json_t *objs[TN_MAX_KEYS * 2];
	struct tn_file *f;
	json_t *before;
	size_t nk = 0, np = 0, i;
	bool all = json_is_true(json_object_get(c, "all_paths"));
	int r;

	parent_of(role, parent);
	if ((f = tn_state_get(&p->next, parent)) == NULL)
		return tn_fail(e, TA_ERR_NOT_FOUND, "%s: its parent %s does not exist", role, parent);
	if (strcmp(op, "delegation-remove") == 0) {
		r = ta_meta_delegation_remove(f->m, role);
		if (r == TA_ERR_NOT_FOUND)
			return 0;
		if (r != 0)
			return tn_fail(e, r, "cannot remove %s: %s", role, ta_strerror(r));
		return mark(p, parent);
	}
	if (role_entry(&p->next, role, &okeys, &entry) == 0) {
		json_array_foreach(json_object_get(entry, "keyids"), i, v) {
			if (nk < TN_MAX_KEYS && json_is_string(v) &&
			    json_object_get(okeys, json_string_value(v)) != NULL) {
				ids[nk] = json_string_value(v);
				objs[nk] = json_object_get(okeys, ids[nk]);
				nk++;
			}
		}
		json_array_foreach(json_object_get(entry, "paths"), i, v) {
			if (np < TN_MAX_PATHS && json_is_string(v) && !all)
				ps[np++] = json_string_value(v);
		}
	}
	json_object_foreach(keys, id, v) {
		bool have = false;

		for (i = 0; i < nk; i++)
			have = have || strcmp(ids[i], id) == 0;
		if (!have && nk < (size_t)TN_MAX_KEYS * 2) {
			ids[nk] = id;
			objs[nk++] = v;
		}
	}
	json_array_foreach(paths, i, v) {
		bool have = false;

		for (size_t k = 0; k < np; k++)
			have = have || strcmp(ps[k], json_string_value(v)) == 0;
		if (!have && np < (size_t)TN_MAX_PATHS * 2)
			ps[np++] = json_string_value(v);
	}
	if (np == 1 && ps[0][0] == '\0') { /* notary's "all paths" is [""] */
		np = 0;
		all = true;
	}
	if ((before = json_deep_copy(f->m->signed_v)) == NULL)
		return nomem(e);
	r = ta_meta_delegation_set(f->m, role, ids, objs, nk, 1, ps, all ? 0 : np, all, false);
	if (r != 0) {
		json_decref(before);
		return tn_fail(e, r, "cannot set delegation %s: %s", role, ta_strerror(r));
	}
	r = json_equal(before, f->m->signed_v) ? 0 : mark(p, parent);
	json_decref(before);
	return r;
}

/* Applies one staged change to next.  Idempotent. */
static int
apply(struct tn_pub *p, const json_t *c, struct tn_error *e)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const char *role = json_string_value(json_object_get(c, "role"));
	const char *name = json_string_value(json_object_get(c, "name"));

	if (op == NULL || role == NULL)
		return tn_fail(e, TA_ERR_FORMAT,
		    "a staged change is malformed; remove it from %s/changes to start over", p->dir);
	if (strcmp(op, "add") == 0)
		return apply_add(p, c, role, name, e);
	if (strcmp(op, "remove") == 0)
		return apply_remove(p, role, name, e);
	if (strcmp(op, "delegation-add") == 0 || strcmp(op, "delegation-remove") == 0)
		return apply_delegation(p, c, op, role, e);
	if (strcmp(op, "rotate") == 0)
		return apply_rotate(p, role, json_object_get(c, "keys"),
		    json_integer_value(json_object_get(c, "threshold")), e);
	return tn_fail(e, TA_ERR_FORMAT,
	    "a staged change '%s' is unknown; remove it from %s/changes to start over", op, p->dir);
}

/* Bumps version and expiry of a changed role (root keeps a new GUN's 1). */
static int
bump(struct tn_pub *p, struct tn_file *f, struct tn_error *e)
{
	struct tn_file *old = tn_state_get(&p->cur, f->role);
	long long days = strcmp(f->role, "root") == 0 ? TN_ROOT_DAYS :
			 p->expiry_days		      ? p->expiry_days :
							     TN_META_DAYS;
	int r;

	if ((r = ta_meta_set_version(f->m, old != NULL ? ta_meta_version(old->m) + 1 :
						    ta_meta_version(f->m) < 1 ? 1 :
									   ta_meta_version(f->m))) != 0 ||
	    (r = ta_meta_set_expires(f->m, p->now + days * TN_DAY)) != 0)
		return tn_fail(e, r, "cannot update %s: %s", f->role, ta_strerror(r));
	ta_meta_clear_signatures(f->m);
	return refresh(f, e);
}

/* ---- signing ---------------------------------------------------------------------- */

/* Signs f through the signer with every key of its role it holds. */
static int
sign_role(struct tn_pub *p, struct tn_file *f, struct tn_error *e)
{
	const json_t *keys, *entry, *pk, *pe;
	const struct tn_file *other = NULL;
	json_t *uris = json_array();
	uint8_t *b = NULL;
	size_t n = 0, held, threshold;
	int r;

	if (uris == NULL)
		return nomem(e);
	if (role_entry(&p->next, f->role, &keys, &entry) != 0) {
		r = tn_fail(e, TA_ERR_NOT_FOUND, "%s: the repository names no keys for it", f->role);
		goto out;
	}
	held = held_keys(p->held, keys, json_object_get(entry, "keyids"), uris);
	threshold = (size_t)json_integer_value(json_object_get(entry, "threshold"));
	if (strcmp(f->role, "root") == 0 && p->prev_root != NULL &&
	    role_entry(&p->cur, "root", &pk, &pe) == 0) {
		size_t old = held_keys(p->held, pk, json_object_get(pe, "keyids"), uris);
		size_t ot = (size_t)json_integer_value(json_object_get(pe, "threshold"));

		if (old < ot) {
			r = tn_fail(e, TA_ERR_KEY_NOT_FOUND,
			    "the new root must also be signed by %zu of the old root's keys; the "
			    "agent holds %zu of them",
			    ot, old);
			goto out;
		}
	}
	if (held == 0 || held < threshold) {
		r = tn_fail(e, TA_ERR_KEY_NOT_FOUND,
		    "%s needs %zu signature%s; the agent holds %zu of its keys (see tufctl key list)",
		    f->role, threshold, threshold == 1 ? "" : "s", held);
		goto out;
	}
	if (json_array_size(uris) > TN_MAX_KEYS) {
		r = tn_fail(e, TA_ERR_TOO_LARGE, "%s: more than %d keys to sign with", f->role,
		    TN_MAX_KEYS);
		goto out;
	}
	if (strncmp(f->role, "targets/", 8) == 0) {
		char parent[TA_ROLE_NAME_MAX + 1];

		parent_of(f->role, parent);
		other = tn_state_get(&p->next, parent);
	} else if (strcmp(f->role, "root") == 0) {
		other = p->prev_root;
	}
	e->text[0] = '\0';
	if ((r = p->signer->sign(p->signer->ctx, p->gun, f->role, uris, f, other, &b, &n, e)) != 0)
		goto out;
	r = tn_state_put(&p->next, f->role, b, n, e);
out:
	free(b);
	json_decref(uris);
	return r;
}

/* True when the signer holds a key of the snapshot role. */
static bool
holds_snapshot(struct tn_pub *p)
{
	const json_t *keys, *entry;
	json_t *uris = json_array();
	bool held;

	held = uris != NULL && role_entry(&p->next, "snapshot", &keys, &entry) == 0 &&
	       held_keys(p->held, keys, json_object_get(entry, "keyids"), uris) > 0;
	json_decref(uris);
	return held;
}

static int
make_snapshot(struct tn_pub *p, struct tn_error *e)
{
	struct tn_file *s = tn_state_get(&p->next, "snapshot");
	struct ta_meta *fresh = NULL, *m;
	uint8_t *b = NULL;
	size_t n;
	int r;

	/* A new snapshot is described whole before it enters the state,
	 * whose parser holds it to naming root and targets. */
	if (s == NULL && (r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_SNAPSHOT, p->now, &fresh)) != 0)
		return tn_fail(e, r, "cannot make the snapshot: %s", ta_strerror(r));
	m = s != NULL ? s->m : fresh;
	for (size_t i = 0; i < p->next.n; i++) {
		struct tn_file *f = &p->next.files[i];

		if (strcmp(f->role, "snapshot") == 0 || strcmp(f->role, "timestamp") == 0)
			continue;
		if ((r = ta_meta_set_file(m, f->role, f->bytes, f->len, 0)) != 0) {
			ta_meta_free(fresh);
			return tn_fail(e, r, "cannot describe %s in the snapshot: %s", f->role,
			    ta_strerror(r));
		}
	}
	if (fresh != NULL) {
		r = ta_meta_write(fresh, &b, &n);
		ta_meta_free(fresh);
		if (r != 0)
			return tn_fail(e, r, "cannot make the snapshot: %s", ta_strerror(r));
		r = tn_state_put(&p->next, "snapshot", b, n, e);
		free(b);
		if (r != 0)
			return r;
		s = tn_state_get(&p->next, "snapshot");
	}
	if (s == NULL)
		return tn_fail(e, TA_ERR_INTERNAL, "the snapshot went missing");
	(void)mark(p, "snapshot");
	if ((r = bump(p, s, e)) != 0)
		return r;
	return sign_role(p, tn_state_get(&p->next, "snapshot"), e);
}

/* ---- the engine's steps ------------------------------------------------------------ */

int
tn_pub_begin(struct tn_pub *p, const struct tn_state *cur, const json_t *init,
    struct tn_error *e)
{
	const char *rt = json_string_value(json_object_get(init, "root"));
	int r;

	if (cur == NULL) {
		const char *tt = json_string_value(json_object_get(init, "targets"));

		if (rt == NULL || tt == NULL)
			return tn_fail(e, TA_ERR_NOT_FOUND,
			    "'%s' has no trust data on %s; start it with tufctl notary init", p->gun,
			    p->url);
		if ((r = tn_state_put(&p->next, "root", (const uint8_t *)rt, strlen(rt), e)) != 0 ||
		    (r = tn_state_put(&p->next, "targets", (const uint8_t *)tt, strlen(tt), e)) != 0)
			return r;
		p->is_new = true;
		p->root_adopted = json_is_true(json_object_get(init, "root_signed"));
		(void)mark(p, "root");
		(void)mark(p, "targets");
		return 0;
	}
	for (size_t i = 0; i < cur->n; i++)
		if ((r = tn_state_put(&p->cur, cur->files[i].role, cur->files[i].bytes,
			 cur->files[i].len, e)) != 0)
			return r;
	if (init != NULL) {
		/* Ours, published by a run that did not finish, when the server's
		 * root says what the staged one says. */
		struct tn_file *root = tn_state_get(&p->cur, "root");
		struct ta_meta *m = NULL;
		struct ta_json_error je;
		bool same;

		if (rt == NULL ||
		    ta_meta_parse((const uint8_t *)rt, strlen(rt), TA_PROFILE_NOTARY, "root", &m, &je))
			return tn_fail(e, TA_ERR_FORMAT, "the staged init is damaged; remove %s/init.json",
			    p->dir);
		same = root != NULL && json_equal(m->signed_v, root->m->signed_v);
		ta_meta_free(m);
		if (!same)
			return tn_fail(e, TA_ERR_EXISTS,
			    "'%s' was created on %s by someone else since tufctl notary init; remove "
			    "%s/init.json and use tufctl notary list to trust it",
			    p->gun, p->url, p->dir);
	}
	for (size_t i = 0; i < p->cur.n; i++)
		if ((r = tn_state_put(&p->next, p->cur.files[i].role, p->cur.files[i].bytes,
			 p->cur.files[i].len, e)) != 0)
			return r;
	return 0;
}

int
tn_pub_apply(struct tn_pub *p, const json_t *changes, struct tn_error *e)
{
	const json_t *c;
	size_t i;
	int r;

	json_array_foreach(changes, i, c)
		if ((r = apply(p, c, e)) != 0)
			return r;
	p->n_changed = 0;
	for (i = 0; i < p->next.n; i++) {
		struct tn_file *f = &p->next.files[i];

		if (!p->changed[i] || strcmp(f->role, "snapshot") == 0)
			continue;
		p->n_changed++;
		if (strcmp(f->role, "root") == 0 && !p->is_new)
			p->prev_root = tn_state_get(&p->cur, "root");
		if (strcmp(f->role, "root") == 0 && p->root_adopted)
			continue;
		if ((r = bump(p, f, e)) != 0)
			return r;
	}
	return 0;
}

int
tn_pub_sign(struct tn_pub *p, struct tn_error *e)
{
	int r;

	if (is_changed(p, "root") && !p->root_adopted &&
	    (r = sign_role(p, tn_state_get(&p->next, "root"), e)) != 0)
		return r;
	for (size_t i = 0; i < p->next.n; i++) {
		if (p->changed[i] && strcmp(p->next.files[i].role, "root") != 0 &&
		    strcmp(p->next.files[i].role, "snapshot") != 0 &&
		    (r = sign_role(p, &p->next.files[i], e)) != 0)
			return r;
	}
	p->client_snapshot = holds_snapshot(p);
	return p->client_snapshot ? make_snapshot(p, e) : 0;
}

void
tn_pub_free(struct tn_pub *p)
{
	/* prev_root points into cur */
	p->prev_root = NULL;
	json_decref(p->held);
	p->held = NULL;
	tn_state_clear(&p->next);
	tn_state_clear(&p->cur);
}

/* ---- against the server ------------------------------------------------------------- */

/* Without the snapshot key in the signer, the server must hold it: said
 * before anything is uploaded, rather than by the server's refusal.  Not
 * when the root changes: a server key rotated for it is still pending, and
 * GET .../snapshot.key answers with the old one until the root lists the
 * new one. */
static int
server_snapshot_check(struct tn_pub *p, struct tn_server *s, struct tn_error *e)
{
	const json_t *keys, *entry, *v;
	struct ta_key *k = NULL;
	bool listed = false;
	size_t i;
	int r;

	if (role_entry(&p->next, "snapshot", &keys, &entry) != 0)
		return tn_fail(e, TA_ERR_NOT_FOUND, "the root names no snapshot key");
	if ((r = tn_server_key_object(s, "snapshot", false, &k, e)) != 0)
		return r;
	json_array_foreach(json_object_get(entry, "keyids"), i, v)
		listed = listed || (json_is_string(v) && strcmp(json_string_value(v), ta_key_id(k)) == 0);
	ta_key_free(k);
	if (!listed)
		return tn_fail(e, TA_ERR_KEY_NOT_FOUND,
		    "the snapshot key of %s is neither in the agent nor the server's; whoever holds "
		    "it must sign, or hand the snapshot to the server (notary key rotate %s snapshot "
		    "-r, or tufctl notary rotate %s snapshot with the root keys)",
		    p->gun, p->gun, p->gun);
	return 0;
}

/* The parts of the update: every changed role. */
static int
upload(struct tn_pub *p, struct tn_server *s, struct tn_error *e)
{
	struct tn_part parts[TN_MAX_ROLES];
	struct tn_error why = { .text = "" };
	size_t n = 0;
	int r;

	for (size_t i = 0; i < p->next.n; i++) {
		if (!p->changed[i])
			continue;
		parts[n].role = p->next.files[i].role;
		parts[n].data = p->next.files[i].bytes;
		parts[n++].len = p->next.files[i].len;
	}
	if ((r = tn_publish(s, parts, n, &why)) != 0)
		return tn_fail(e, r, "%s; the changes stay staged", why.text);
	return 0;
}

/* Reads the GUN back as a fresh consumer and checks that it serves what
 * was uploaded. */
static int
read_back(struct tn_pub *p, struct tn_server *s, struct tn_state *got, struct tn_error *e)
{
	struct tn_error why = { .text = "" };
	int r;

	/* Held to the view the update was made on: what we published is newer
	 * than it, and anything older is someone else's rollback. */
	if ((r = tn_fetch(s, p->gun, p->cur.n > 0 ? &p->cur : NULL, NULL, p->now, got, &why)) != 0)
		return tn_fail(e, r,
		    "the update was accepted but the GUN cannot be read back: %s; consumers cannot "
		    "read it either: investigate before publishing again",
		    why.text);
	for (size_t i = 0; i < p->next.n; i++) {
		struct tn_file *f = &p->next.files[i], *g;

		if (!p->changed[i])
			continue;
		g = tn_state_get(got, f->role);
		if (g == NULL || g->len != f->len || memcmp(g->bytes, f->bytes, f->len) != 0)
			return tn_fail(e, TA_ERR_VERIFY,
			    "the server accepted %s but serves %s; consumers do not see this update",
			    f->role, g == NULL ? "no such file" : "other bytes");
	}
	return 0;
}

/* The server's state, held to the trusted one: a view older than what we
 * trust is refused here, before anything is signed on top of it.  NULL in
 * *ret_cur when the server has no such GUN. */
static int
load_current(struct tn_pub *p, struct tn_repo *repo, struct tn_server *s, const char *pin_cert_id,
    struct tn_state *cur, bool *ret_found, struct tn_error *e)
{
	struct tn_state local = { .n = 0 };
	int r;

	*ret_found = false;
	if ((r = tn_repo_load(repo, &local, e)) != 0)
		return r;
	r = tn_fetch(s, p->gun, &local, tn_state_get(&local, "root") == NULL ? pin_cert_id : NULL,
	    p->now, cur, e);
	tn_state_clear(&local);
	if (r == TA_ERR_NOT_FOUND)
		return 0;
	*ret_found = r == 0;
	return r;
}

int
tn_publish_run(struct tn_pub *p, struct tn_repo *repo, struct tn_server *s,
    const char *pin_cert_id, struct tn_error *e)
{
	struct tn_state cur = { .n = 0 }, got = { .n = 0 };
	struct tn_error why = { .text = "" };
	json_t *staged = NULL;
	bool found;
	int r;

	if ((r = tn_repo_staged(repo, &staged, e)) != 0)
		goto out;
	e->text[0] = '\0';
	if (p->held == NULL && (r = p->signer->keys(p->signer->ctx, &p->held, e)) != 0)
		goto out;
	if ((r = load_current(p, repo, s, pin_cert_id, &cur, &found, e)) != 0 ||
	    (r = tn_pub_begin(p, found ? &cur : NULL, json_object_get(staged, "init"), e)) != 0 ||
	    (r = tn_pub_apply(p, json_object_get(staged, "changes"), e)) != 0)
		goto out;
	if (p->n_changed == 0) {
		if (tn_state_get(&p->cur, "root") == NULL) {
			r = tn_fail(e, TA_ERR_INTERNAL, "nothing to publish, and no root");
			goto out;
		}
		if ((r = tn_repo_save(repo, &p->cur, e)) != 0)
			goto out;
	} else {
		if ((r = tn_pub_sign(p, e)) != 0)
			goto out;
		if (!p->client_snapshot && !p->is_new && !is_changed(p, "root") &&
		    (r = server_snapshot_check(p, s, e)) != 0)
			goto out;
		if ((r = upload(p, s, e)) != 0 || (r = read_back(p, s, &got, e)) != 0 ||
		    (r = tn_repo_save(repo, &got, e)) != 0)
			goto out;
	}
	if ((r = tn_repo_unstage_all(repo, staged, &why)) != 0) {
		r = tn_fail(e, r, "published, but the staged changes could not be cleared: %s",
		    why.text);
		goto out;
	}
	if ((r = tn_repo_set_init(repo, NULL, &why)) != 0)
		r = tn_fail(e, r, "published, but the staged init could not be cleared: %s", why.text);
out:
	tn_state_clear(&cur);
	tn_state_clear(&got);
	json_decref(staged);
	return r;
}
