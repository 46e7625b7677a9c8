/* The update walk (client/notary_walk.h): fetching a GUN from its server
 * and verifying it as a fresh consumer would, held to the trusted copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/notary_walk.h"
#include "common/err.h"
#include "tuf/encoding.h"
#include "tuf/json.h"
#include "tuf/key.h"
#include "tuf/verify.h"

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

/* ---- rollback and freeze -------------------------------------------------------- */

int
tn_check_fresh(const struct tn_file *trusted, const struct tn_file *got, time_t now,
    struct tn_error *e)
{
	int64_t tv, gv = ta_meta_version(got->m);
	time_t exp;
	char when[21];

	if (trusted != NULL) {
		tv = ta_meta_version(trusted->m);
		if (gv < tv)
			return tn_fail(e, TA_ERR_VERIFY,
			    "the server's %s is version %lld, older than the trusted version %lld: "
			    "possible rollback attack; refusing (see tufctl(1), TRUST)",
			    got->role, (long long)gv, (long long)tv);
		/* One version, one file: a second history is an attack or a
		 * broken server, and either way not something to sign on top of. */
		if (gv == tv &&
		    (got->len != trusted->len || memcmp(got->bytes, trusted->bytes, got->len) != 0))
			return tn_fail(e, TA_ERR_VERIFY,
			    "the server's %s is version %lld, the trusted version, but with other "
			    "content: possible attack; refusing (see tufctl(1), TRUST)",
			    got->role, (long long)gv);
	}
	if (now == 0)
		return 0;
	if (ta_meta_expires(got->m, &exp) != 0)
		return tn_fail(e, TA_ERR_FORMAT, "the server's %s has no valid expiry", got->role);
	if (exp <= now) {
		ta_time_format(exp, when);
		return tn_fail(e, TA_ERR_EXPIRED,
		    "the server's %s (version %lld) expired at %s: possible freeze attack, or a "
		    "server not renewing it; refusing (see tufctl(1), TRUST)",
		    got->role, (long long)gv, when);
	}
	return 0;
}

/* trusted's file for role, or NULL (no trusted state, or no such role). */
static const struct tn_file *
trusted_file(const struct tn_state *trusted, const char *role)
{
	if (trusted == NULL)
		return NULL;
	for (size_t i = 0; i < trusted->n; i++)
		if (strcmp(trusted->files[i].role, role) == 0)
			return &trusted->files[i];
	return NULL;
}

/* ---- the update walk -------------------------------------------------------------- */

/* "<role>.<hex sha256>" of what m's meta says of role. */
static int
checksum_name(const struct ta_meta *m, const char *role, char **ret, struct tn_error *e)
{
	const char *b64 = json_string_value(json_object_get(
	    json_object_get(json_object_get(json_object_get(m->signed_v, "meta"), role), "hashes"),
	    "sha256"));
	uint8_t *raw = NULL;
	char *hex = NULL;
	size_t n;
	int r;

	*ret = NULL;
	if (b64 == NULL)
		return tn_fail(e, TA_ERR_VERIFY, "%s does not list %s with a sha256",
		    ta_role_type_string(TA_PROFILE_NOTARY, m->type), role);
	if (ta_base64_decode(b64, strlen(b64), &raw, &n) != 0 || n != 32) {
		free(raw);
		return tn_fail(e, TA_ERR_VERIFY, "the sha256 of %s is not 32 bytes of base64", role);
	}
	r = ta_hex_encode(raw, n, &hex);
	free(raw);
	if (r != 0)
		return nomem(e);
	r = asprintf(ret, "%s.%s", role, hex) < 0 ? nomem(e) : 0;
	free(hex);
	return r;
}

static int
verify_failed(struct tn_error *e, const char *what, int r, const struct ta_verify_result *res)
{
	return tn_fail(e, r, "%s does not verify: %s%s%s; the server's data is not trustworthy "
			  "(or your trust data is stale: see tufctl(1), TRUST)",
	    what, ta_strerror(r), res->detail[0] ? ": " : "", res->detail);
}

/* GETs name into st under role; the bytes must match what parent (a
 * snapshot or timestamp, may be NULL) says of role. */
static int
fetch_one(struct tn_server *s, struct tn_state *st, const char *role, const char *name,
    const struct ta_meta *parent, size_t max, struct tn_error *e)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int r;

	if ((r = tn_get(s, name, max, &b, &n, e)) != 0)
		return r == TA_ERR_NOT_FOUND ?
			       tn_fail(e, TA_ERR_VERIFY,
				   "%s.json is listed but the server does not have it: the "
				   "repository is broken on the server",
				   name) :
			       r;
	if (parent != NULL && ta_meta_check_file(parent, role, b, n) != 0) {
		free(b);
		return tn_fail(e, TA_ERR_VERIFY,
		    "%s.json from the server does not match its hashes and length in %s: a tampered "
		    "or broken download",
		    name, ta_role_type_string(TA_PROFILE_NOTARY, parent->type));
	}
	r = tn_state_put(st, role, b, n, e);
	free(b);
	return r;
}

/* True when parent's delegations name role. */
static bool
delegates(const struct ta_meta *parent, const char *role)
{
	const json_t *roles = json_object_get(json_object_get(parent->signed_v, "delegations"), "roles");
	const json_t *v;
	size_t i;

	json_array_foreach(roles, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));

		if (n != NULL && strcmp(n, role) == 0)
			return true;
	}
	return false;
}

/* The walk from trusted to the server's root, version by version. */
static int
walk_root(struct tn_server *s, const char *gun, const struct ta_meta *trusted,
    const struct ta_meta *latest, time_t now, struct tn_error *e)
{
	struct ta_verify_result res;
	struct ta_meta *cur = NULL, *next = NULL;
	const struct ta_meta *prev = trusted;
	int64_t tv = ta_meta_version(trusted), lv = ta_meta_version(latest);
	int r = 0;

	/* tn_fetch held latest to tn_check_fresh: lv >= tv. */
	for (int64_t v = tv + 1; v < lv && r == 0; v++) {
		char name[32];
		struct ta_json_error je;
		uint8_t *b = NULL;
		size_t n;

		(void)snprintf(name, sizeof(name), "%lld.root", (long long)v);
		if ((r = tn_get(s, name, TN_ROOT_MAX, &b, &n, e)) != 0)
			break;
		if ((r = ta_meta_parse(b, n, TA_PROFILE_NOTARY, "root", &next, &je)) != 0) {
			r = tn_fail(e, r, "%s.json: %s", name, je.text);
		} else if ((r = ta_verify_root(prev, next, gun, 0, &res)) != 0) {
			r = verify_failed(e, name, r, &res);
		} else {
			ta_meta_free(cur);
			cur = next;
			prev = cur;
			next = NULL;
		}
		free(b);
	}
	if (r == 0 && (r = ta_verify_root(prev, latest, gun, now, &res)) != 0)
		r = verify_failed(e, "root.json", r, &res);
	ta_meta_free(next);
	ta_meta_free(cur);
	return r;
}

/* role (snapshot or targets) by the checksum lister (timestamp or
 * snapshot) gives, checked against it, verified against the root, then
 * held to the trusted copy. */
static int
fetch_listed(struct tn_server *s, struct tn_state *st, const char *role,
    const struct ta_meta *lister, const struct tn_state *trusted, time_t now, struct tn_error *e)
{
	struct ta_verify_result res;
	char *name = NULL, what[32];
	int r;

	/* Expiry is tn_check_fresh's, which names the role and the time. */
	if ((r = checksum_name(lister, role, &name, e)) == 0 &&
	    (r = fetch_one(s, st, role, name, lister, TN_META_MAX, e)) == 0) {
		if ((r = ta_verify_role(tn_state_get(st, "root")->m, tn_state_get(st, role)->m, role,
			 0, &res)) != 0) {
			(void)snprintf(what, sizeof(what), "%s.json", role);
			r = verify_failed(e, what, r, &res);
		} else {
			r = tn_check_fresh(trusted_file(trusted, role), tn_state_get(st, role), now, e);
		}
	}
	free(name);
	return r;
}

int
tn_fetch(struct tn_server *s, const char *gun, const struct tn_state *trusted,
    const char *pin_cert_id, time_t now, struct tn_state *st, struct tn_error *e)
{
	const struct tn_file *troot = trusted_file(trusted, "root");
	struct ta_verify_result res;
	struct tn_file *root, *ts, *snap;
	json_t *meta, *v;
	const char *role;
	char *name = NULL;
	int r;

	st->n = 0;
	if ((r = fetch_one(s, st, "root", "root", NULL, TN_ROOT_MAX, e)) != 0) {
		if (r == TA_ERR_VERIFY) /* fetch_one's "listed but missing" */
			r = tn_fail(e, TA_ERR_NOT_FOUND, "the server has no trust data for '%s'", gun);
		goto out;
	}
	root = tn_state_get(st, "root");
	if (troot != NULL) {
		/* Root's expiry is ta_verify_root's (with its certificates'). */
		if ((r = tn_check_fresh(troot, root, 0, e)) != 0 ||
		    (r = walk_root(s, gun, troot->m, root->m, now, e)) != 0)
			goto out;
	} else {
		if ((r = ta_verify_root(NULL, root->m, gun, now, &res)) != 0) {
			r = verify_failed(e, "root.json", r, &res);
			goto out;
		}
		if (pin_cert_id != NULL) {
			const json_t *ids = json_object_get(json_object_get(
			    json_object_get(root->m->signed_v, "roles"), "root"), "keyids");
			size_t i;

			const json_t *id;

			json_array_foreach(ids, i, id) {
				if (json_is_string(id) && strcmp(json_string_value(id), pin_cert_id) == 0)
					break;
			}
			if (i == json_array_size(ids)) {
				r = tn_fail(e, TA_ERR_VERIFY,
				    "the server's root for '%s' does not list the pinned root certificate "
				    "%s; refusing it",
				    gun, pin_cert_id);
				goto out;
			}
		}
	}
	if ((r = fetch_one(s, st, "timestamp", "timestamp", NULL, TN_TIMESTAMP_MAX, e)) != 0)
		goto out;
	root = tn_state_get(st, "root");
	ts = tn_state_get(st, "timestamp");
	if ((r = ta_verify_role(root->m, ts->m, "timestamp", 0, &res)) != 0) {
		r = verify_failed(e, "timestamp.json", r, &res);
		goto out;
	}
	/* Each role, once its signatures hold, against the version trusted
	 * (TUF 1.0 §5.4-5.6): the timestamp and snapshot names bind each file
	 * by its hashes, so a lower version can only come as a whole, validly
	 * signed older file, which this refuses role by role. */
	if ((r = tn_check_fresh(trusted_file(trusted, "timestamp"), ts, now, e)) != 0 ||
	    (r = fetch_listed(s, st, "snapshot", ts->m, trusted, now, e)) != 0)
		goto out;
	root = tn_state_get(st, "root");
	snap = tn_state_get(st, "snapshot");
	if (ta_meta_check_file(snap->m, "root", root->bytes, root->len) != 0) {
		r = tn_fail(e, TA_ERR_VERIFY,
		    "the snapshot does not describe the server's root.json: a tampered or broken "
		    "repository");
		goto out;
	}
	if ((r = fetch_listed(s, st, "targets", snap->m, trusted, now, e)) != 0)
		goto out;
	/* Delegations, parents before children. */
	meta = json_object_get(tn_state_get(st, "snapshot")->m->signed_v, "meta");
	for (int depth = 1; depth <= TN_DELEGATION_DEPTH; depth++) {
		json_object_foreach(meta, role, v) {
			int d = 0;
			char parent[TA_ROLE_NAME_MAX + 1];
			struct tn_file *pf, *f;

			if (strncmp(role, "targets/", 8) != 0)
				continue;
			for (const char *c = role; *c; c++)
				d += *c == '/';
			if (d != depth)
				continue;
			(void)snprintf(parent, sizeof(parent), "%.*s",
			    (int)(strrchr(role, '/') - role), role);
			/* An orphan the snapshot still lists: nothing delegates to it. */
			if ((pf = tn_state_get(st, parent)) == NULL || !delegates(pf->m, role))
				continue;
			free(name);
			name = NULL;
			if ((r = checksum_name(tn_state_get(st, "snapshot")->m, role, &name, e)) != 0 ||
			    (r = fetch_one(s, st, role, name, tn_state_get(st, "snapshot")->m,
				 TN_META_MAX, e)) != 0)
				goto out;
			pf = tn_state_get(st, parent);
			f = tn_state_get(st, role);
			if ((r = ta_verify_delegated(pf->m, f->m, role, 0, &res)) != 0) {
				char what[TA_ROLE_NAME_MAX + 8];

				(void)snprintf(what, sizeof(what), "%s.json", role);
				r = verify_failed(e, what, r, &res);
				goto out;
			}
			/* A delegation the trusted snapshot did not list (new,
			 * or removed and made again) has no version to keep. */
			if ((r = tn_check_fresh(trusted_file(trusted, role), f, now, e)) != 0)
				goto out;
		}
	}
	r = 0;
out:
	free(name);
	if (r != 0)
		tn_state_clear(st);
	return r;
}

int
tn_server_key_object(struct tn_server *s, const char *role, bool rotate, struct ta_key **ret,
    struct tn_error *e)
{
	struct ta_json_error je;
	char *js = NULL;
	json_t *obj = NULL;
	int r;

	*ret = NULL;
	if ((r = tn_server_key(s, role, rotate, &js, e)) != 0)
		return r;
	r = ta_json_parse((const uint8_t *)js, strlen(js), TA_PROFILE_NOTARY, &obj, &je);
	if (r == 0)
		r = ta_key_from_json(TA_PROFILE_NOTARY, obj, ret);
	json_decref(obj);
	free(js);
	return r != 0 ? tn_fail(e, r, "the server's %s key is unusable: %s", role, ta_strerror(r)) : 0;
}
