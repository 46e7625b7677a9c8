/* The TUF 1.0 client workflow (tuf/updater.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/bins.h"
#include "tuf/updater.h"

struct run {
	const struct ta_updater_opts *o;
	ta_updater_fetch_fn fetch;
	void *ctx;
	struct ta_updater_report *rep;
	size_t cap;                 /* rep->roles allocated */
	size_t first_targets;       /* index of the "targets" role in rep->roles */
	const struct ta_meta *root; /* the final trusted root */
	const struct ta_meta *snap;
};

static int __attribute__((format(printf, 4, 5)))
failf(struct run *u, const char *file, int code, const char *fmt, ...)
{
	struct ta_updater_report *rep = u->rep;
	va_list ap;

	if (rep->result != 0)
		return rep->result;
	rep->result = code != 0 ? code : TA_ERR_VERIFY;
	(void)snprintf(rep->fail_file, sizeof(rep->fail_file), "%s", file);
	va_start(ap, fmt);
	(void)vsnprintf(rep->fail_reason, sizeof(rep->fail_reason), fmt, ap);
	va_end(ap);
	return rep->result;
}

/* A new role entry, its index in *ret_idx; or the report failed, and its result. */
static int
add_role(struct run *u, const char *name, const char *file, const char *delegator,
    size_t *ret_idx)
{
	struct ta_updater_report *rep = u->rep;
	struct ta_updater_role *e;

	if (rep->nroles == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 16;
		void *p = realloc(rep->roles, ncap * sizeof(*rep->roles));

		if (p == NULL) {
			(void)failf(u, file, TA_ERR_NOMEM, "out of memory");
			return TA_ERR_NOMEM;
		}
		rep->roles = p;
		u->cap = ncap;
	}
	e = &rep->roles[rep->nroles];
	memset(e, 0, sizeof(*e));
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	(void)snprintf(e->file, sizeof(e->file), "%s", file);
	(void)snprintf(e->delegator, sizeof(e->delegator), "%s", delegator ? delegator : "");
	*ret_idx = rep->nroles++;
	return 0;
}

static int
role_fail(struct run *u, size_t idx, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
role_fail(struct run *u, size_t idx, int code, const char *fmt, ...)
{
	struct ta_updater_role *e = &u->rep->roles[idx];
	char reason[sizeof(u->rep->fail_reason)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	e->result = code != 0 ? code : TA_ERR_VERIFY;
	return failf(u, e->file, e->result, "%s", reason);
}

static const char *
why(int r)
{
	switch (r) {
	case TA_ERR_VERIFY:
		return "verification failed";
	case TA_ERR_EXPIRED:
		return "expired";
	case TA_ERR_FORMAT:
		return "wrong shape";
	case TA_ERR_TOO_LARGE:
		return "too large";
	case TA_ERR_NOT_FOUND:
		return "missing";
	default:
		return ta_strerror(r);
	}
}

/* Fetches name; a failure is reported against it. */
static int
get(struct run *u, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	int r;

	*ret = NULL;
	r = u->fetch(u->ctx, name, max, ret, ret_len);
	if (r == 0)
		return 0;
	free(*ret);
	*ret = NULL;
	if (r == TA_ERR_TOO_LARGE)
		return failf(u, name, r, "larger than %zu bytes", max);
	if (r == TA_ERR_NOT_FOUND)
		return failf(u, name, r, "missing");
	return failf(u, name, r, "cannot be read: %s", ta_strerror(r));
}

static int
parse(struct run *u, size_t idx, const uint8_t *buf, size_t len, const char *type,
    struct ta_meta **ret)
{
	struct ta_updater_role *e = &u->rep->roles[idx];
	struct ta_json_error err;
	const char *exp;
	int r;

	if ((r = ta_meta_parse(buf, len, TA_PROFILE_TUF, type, ret, &err)) != 0)
		return role_fail(u, idx, r == TA_ERR_NOMEM ? r : TA_ERR_FORMAT,
		    "not TUF %s metadata: %s", type, err.text[0] ? err.text : ta_strerror(r));
	e->version = ta_meta_version(*ret);
	exp = json_string_value(json_object_get((*ret)->signed_v, "expires"));
	(void)snprintf(e->expires, sizeof(e->expires), "%s", exp ? exp : "");
	e->expires_canonical = ta_time_canonical(exp);
	return 0;
}

/* TA_ERR_EXPIRED (reported when report is set) when m has expired. */
static int
expiry(struct run *u, size_t idx, const struct ta_meta *m, bool report)
{
	struct ta_updater_role *e = &u->rep->roles[idx];
	time_t t;

	if (ta_meta_expires(m, &t) != 0)
		return role_fail(u, idx, TA_ERR_FORMAT, "unreadable expires");
	if (t > u->o->now)
		return 0;
	e->expired = true;
	if (!report)
		return 0;
	return role_fail(u, idx, TA_ERR_EXPIRED, "%s v%lld expired at %s", e->name,
	    (long long)e->version, e->expires);
}

static int
sig_fail(struct run *u, size_t idx, int r, const char *what)
{
	struct ta_updater_role *e = &u->rep->roles[idx];

	return role_fail(u, idx, r, "%s%s", what,
	    e->res.detail[0] ? e->res.detail : why(r));
}

/*
 * A role entry for buf (fetched as file; freed here): checked against the
 * length and hashes that lister lists for role, when lister is set (a
 * failure names listed_by), then parsed as type.  On success the entry holds
 * the metadata, and *ret_idx and *ret name them.
 */
static int
add_fetched(struct run *u, const char *role, const char *file, const char *delegator,
    uint8_t *buf, size_t len, const struct ta_meta *lister, const char *listed_by,
    const char *type, size_t *ret_idx, struct ta_meta **ret)
{
	struct ta_meta *m = NULL;
	size_t idx;
	int r;

	if ((r = add_role(u, role, file, delegator, &idx)) != 0)
		goto out;
	if (lister != NULL && (r = ta_meta_check_file(lister, role, buf, len)) != 0 &&
	    r != TA_ERR_NOT_FOUND) {
		r = r == TA_ERR_VERIFY ? r : TA_ERR_FORMAT;
		(void)role_fail(u, idx, r, "length or hashes differ from what %s lists", listed_by);
		goto out;
	}
	if ((r = parse(u, idx, buf, len, type, &m)) != 0)
		goto out;
	u->rep->roles[idx].meta = m;
	*ret_idx = idx;
	*ret = m;
out:
	free(buf);
	return r;
}

/* get() and add_fetched(): file, at most max bytes, as role's metadata. */
static int
fetch_role(struct run *u, const char *role, const char *file, size_t max, const char *delegator,
    const struct ta_meta *lister, const char *listed_by, const char *type, size_t *ret_idx,
    struct ta_meta **ret)
{
	uint8_t *buf = NULL;
	size_t len;
	int r;

	if ((r = get(u, file, max, &buf, &len)) != 0)
		return r;
	return add_fetched(u, role, file, delegator, buf, len, lister, listed_by, type, ret_idx,
	    ret);
}

/* ---- root ---------------------------------------------------------------- */

static int
load_root(struct run *u, const struct ta_meta **ret)
{
	const struct ta_updater_opts *o = u->o;
	struct ta_meta *trusted = NULL, *m = NULL;
	uint8_t *buf = NULL;
	size_t len, idx;
	char name[64];
	int r;

	if (o->trusted_root != NULL) {
		if ((r = add_role(u, "root", "trusted root", NULL, &idx)) != 0)
			return r;
		r = parse(u, idx, o->trusted_root, o->trusted_root_len, "root", &trusted);
		if (r == 0)
			u->rep->roles[idx].meta = trusted;
	} else {
		u->rep->trust_on_first_use = true;
		r = fetch_role(u, "root", "1.root.json", TA_UPDATER_ROOT_MAX, NULL, NULL, NULL,
		    "root", &idx, &trusted);
	}
	if (r != 0)
		return r;
	/* Self-signed to threshold; it may have expired (a client starts
	 * from an old root and walks forward). */
	if ((r = ta_verify_root(NULL, trusted, NULL, 0, &u->rep->roles[idx].res)) != 0)
		return sig_fail(u, idx, r, "not signed to its own root threshold: ");
	(void)expiry(u, idx, trusted, false);
	for (int i = 0; i < TA_UPDATER_MAX_ROTATIONS; i++) {
		int64_t v = ta_meta_version(trusted);

		(void)snprintf(name, sizeof(name), "%lld.root.json", (long long)v + 1);
		buf = NULL;
		r = u->fetch(u->ctx, name, TA_UPDATER_ROOT_MAX, &buf, &len);
		if (r == TA_ERR_NOT_FOUND) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r != 0) {
			free(buf);
			return get(u, name, TA_UPDATER_ROOT_MAX, &buf, &len);
		}
		r = add_fetched(u, "root", name, NULL, buf, len, NULL, NULL, "root", &idx, &m);
		buf = NULL;
		if (r != 0)
			return r;
		if ((r = ta_verify_root(trusted, m, NULL, 0, &u->rep->roles[idx].res)) != 0)
			return sig_fail(u, idx, r, "");
		(void)expiry(u, idx, m, false);
		trusted = m;
	}
	if (trusted == NULL)
		return TA_ERR_INTERNAL;
	/* Expiry is checked on the final root only. */
	if ((r = expiry(u, idx, trusted, true)) != 0)
		return r;
	u->rep->root_version = ta_meta_version(trusted);
	u->rep->consistent_snapshot =
	    json_is_true(json_object_get(trusted->signed_v, "consistent_snapshot"));
	u->rep->root = trusted;
	*ret = trusted;
	return 0;
}

/* ---- timestamp and snapshot ---------------------------------------------- */

static int64_t
meta_version(const struct ta_meta *m, const char *key)
{
	const json_t *v;

	if (m == NULL)
		return 0;
	v = json_object_get(json_object_get(json_object_get(m->signed_v, "meta"), key),
	    "version");

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static size_t
meta_max(const struct ta_meta *m, const char *key, size_t dflt)
{
	const json_t *l = json_object_get(json_object_get(json_object_get(m->signed_v, "meta"),
					      key), "length");

	return json_is_integer(l) && json_integer_value(l) >= 0 ?
	    (size_t)json_integer_value(l) : dflt;
}

static int
load_timestamp(struct run *u)
{
	const struct ta_updater_prev *prev = u->o->prev;
	struct ta_meta *m = NULL;
	size_t idx;
	int64_t sv;
	int r;

	r = fetch_role(u, "timestamp", "timestamp.json", TA_UPDATER_TIMESTAMP_MAX, NULL, NULL, NULL,
	    "timestamp", &idx, &m);
	if (r != 0)
		return r;
	u->rep->timestamp = m;
	if ((r = ta_verify_role(u->root, m, "timestamp", 0, &u->rep->roles[idx].res)) != 0)
		return sig_fail(u, idx, r, "");
	sv = meta_version(m, "snapshot.json");
	if (prev != NULL && prev->timestamp_version > ta_meta_version(m))
		return role_fail(u, idx, TA_ERR_VERIFY, "rollback: version %lld is lower than "
		    "the trusted %lld", (long long)ta_meta_version(m),
		    (long long)prev->timestamp_version);
	if (prev != NULL && prev->snapshot_version > sv)
		return role_fail(u, idx, TA_ERR_VERIFY, "rollback: lists snapshot version %lld, "
		    "lower than the trusted %lld", (long long)sv, (long long)prev->snapshot_version);
	/* After the rollback checks, as the spec orders them: an expired
	 * timestamp is a freeze. */
	return expiry(u, idx, m, true);
}

static int
load_snapshot(struct run *u)
{
	const struct ta_updater_prev *prev = u->o->prev;
	const struct ta_meta *ts = u->rep->timestamp;
	struct ta_meta *m = NULL;
	int64_t sv = meta_version(ts, "snapshot.json");
	json_t *pm, *fm;
	const char *key;
	size_t idx;
	char name[64];
	int r;

	if (u->rep->consistent_snapshot)
		(void)snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)sv);
	else
		(void)snprintf(name, sizeof(name), "snapshot.json");
	r = fetch_role(u, "snapshot", name, meta_max(ts, "snapshot.json", TA_UPDATER_SNAPSHOT_MAX),
	    NULL, ts, "timestamp.json", "snapshot", &idx, &m);
	if (r != 0)
		return r;
	u->rep->snapshot = m;
	u->snap = m;
	if ((r = ta_verify_role(u->root, m, "snapshot", 0, &u->rep->roles[idx].res)) != 0)
		return sig_fail(u, idx, r, "");
	if (ta_meta_version(m) != sv)
		return role_fail(u, idx, TA_ERR_VERIFY, "version %lld, but timestamp.json lists "
		    "version %lld", (long long)ta_meta_version(m), (long long)sv);
	pm = prev != NULL ? prev->snapshot_meta : NULL;
	json_object_foreach(pm, key, fm) {
		int64_t nv = meta_version(m, key);
		int64_t ov = json_integer_value(json_object_get(fm, "version"));

		if (json_object_get(json_object_get(m->signed_v, "meta"), key) == NULL)
			return role_fail(u, idx, TA_ERR_VERIFY, "rollback: %.200s is no longer "
			    "listed", key);
		if (nv < ov)
			return role_fail(u, idx, TA_ERR_VERIFY, "rollback: %.200s version %lld is "
			    "lower than the trusted %lld", key, (long long)nv, (long long)ov);
	}
	return expiry(u, idx, m, true);
}

/* ---- targets and delegations --------------------------------------------- */

int
ta_updater_encode_role(const char *role, char *out, size_t cap)
{
	static const char keep[] = "-_.!~*'()";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)role; *p != '\0'; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p) != NULL;

		if (n + (plain ? 1 : 3) >= cap)
			return TA_ERR_TOO_LARGE;
		if (plain)
			out[n++] = (char)*p;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
	}
	if (n >= cap)
		return TA_ERR_TOO_LARGE;
	out[n] = '\0';
	return 0;
}

bool
ta_updater_target_path_ok(const char *path)
{
	const char *p = path, *e;

	if (path == NULL || *path == '\0')
		return false;
	for (;;) {
		size_t n;

		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (e == NULL)
			return true;
		p = e + 1;
	}
}

static int
hash_matches(const json_t *hashes, const char *alg, const EVP_MD *md, const uint8_t *buf,
    size_t len, bool *checked)
{
	const char *want = json_string_value(json_object_get(hashes, alg));
	uint8_t d[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned dl;

	if (want == NULL)
		return 0;
	if (EVP_Digest(buf, len, d, &dl, md, NULL) != 1)
		return TA_ERR_CRYPTO;
	ta_hex(hex, d, dl);
	*checked = true;
	return strcasecmp(hex, want) == 0 ? 0 : TA_ERR_VERIFY;
}

static int
check_target_file(struct run *u, const char *role, const char *path, const json_t *t)
{
	json_t *hashes = json_object_get(t, "hashes");
	json_int_t length = json_integer_value(json_object_get(t, "length"));
	const char *base = strrchr(path, '/');
	char name[TA_UPDATER_FILE_MAX];
	uint8_t *buf = NULL;
	bool checked = false;
	size_t len;
	int r, n;

	base = base ? base + 1 : path;
	if (u->rep->consistent_snapshot) {
		void *it = json_object_iter(hashes);
		const char *first = it ? json_string_value(json_object_iter_value(it)) : NULL;

		if (first == NULL)
			return failf(u, role, TA_ERR_FORMAT, "target \"%.200s\" lists no hash",
			    path);
		n = snprintf(name, sizeof(name), "targets/%.*s%s.%s", (int)(base - path), path,
		    first, base);
	} else {
		n = snprintf(name, sizeof(name), "targets/%s", path);
	}
	if (n < 0 || (size_t)n >= sizeof(name))
		return failf(u, role, TA_ERR_TOO_LARGE, "target \"%.200s\": name too long", path);
	if ((r = u->fetch(u->ctx, name, (size_t)length, &buf, &len)) != 0) {
		free(buf);
		return failf(u, name, r, "target \"%.200s\" (listed by %s): %s", path, role,
		    r == TA_ERR_NOT_FOUND ? "missing" : r == TA_ERR_TOO_LARGE ?
		    "longer than its listed length" : ta_strerror(r));
	}
	if ((json_int_t)len != length)
		r = failf(u, name, TA_ERR_VERIFY, "target \"%.200s\" (listed by %s) is %zu "
		    "bytes, listed as %lld", path, role, len, (long long)length);
	else if ((r = hash_matches(hashes, "sha256", EVP_sha256(), buf, len, &checked)) != 0 ||
		 (r = hash_matches(hashes, "sha512", EVP_sha512(), buf, len, &checked)) != 0)
		r = failf(u, name, r, "target \"%.200s\" (listed by %s): hash differs from the "
		    "listed one", path, role);
	else if (!checked)
		r = failf(u, name, TA_ERR_FORMAT, "target \"%.200s\" (listed by %s): neither "
		    "sha256 nor sha512 listed", path, role);
	else
		u->rep->ntarget_files++;
	free(buf);
	return r;
}

static bool
visited(const struct run *u, const char *name)
{
	for (size_t i = u->first_targets; i < u->rep->nroles; i++)
		if (strcmp(u->rep->roles[i].name, name) == 0)
			return true;
	return false;
}

struct chain {
	const json_t *entry[TA_UPDATER_MAX_DEPTH + 1];
	size_t n;
};

static int walk(struct run *u, const char *name, const char *delegator, const json_t *keys,
    const json_t *entry, struct chain *ch);

static int
walk_delegations(struct run *u, const char *name, const struct ta_meta *m, struct chain *ch)
{
	const json_t *d = json_object_get(m->signed_v, "delegations");
	const json_t *keys = json_object_get(d, "keys"), *sr, *e;
	size_t i;
	int r;

	if (d == NULL)
		return 0;
	if (ch->n == TA_UPDATER_MAX_DEPTH)
		return failf(u, name, TA_ERR_TOO_LARGE, "delegations nested deeper than %d",
		    TA_UPDATER_MAX_DEPTH);
	json_array_foreach(json_object_get(d, "roles"), i, e) {
		const char *child = json_string_value(json_object_get(e, "name"));

		ch->entry[ch->n++] = e;
		r = walk(u, child, name, keys, e, ch);
		ch->n--;
		if (r != 0)
			return r;
	}
	if ((sr = json_object_get(d, "succinct_roles")) != NULL) {
		unsigned bl = (unsigned)json_integer_value(json_object_get(sr, "bit_length"));
		const char *pre = json_string_value(json_object_get(sr, "name_prefix"));
		uint64_t count = ta_bins_count(bl);

		if (count > TA_UPDATER_MAX_ROLES - u->rep->nroles)
			return failf(u, name, TA_ERR_TOO_LARGE, "%llu hash bins are more than "
			    "can be walked", (unsigned long long)count);
		for (uint64_t b = 0; b < count; b++) {
			char bin[TA_ROLE_NAME_MAX + 1];
			json_t *be;

			if ((r = ta_bins_name(pre, bl, (uint32_t)b, bin, sizeof(bin))) != 0)
				return failf(u, name, r, "bin names too long");
			/* The bin's delegation: succinct_roles, its name, and
			 * terminating (ta_delegation_covers() reads it). */
			if ((be = json_deep_copy(sr)) == NULL ||
			    json_object_set_new(be, "name", json_string(bin)) != 0 ||
			    json_object_set_new(be, "terminating", json_true()) != 0) {
				json_decref(be);
				return failf(u, name, TA_ERR_NOMEM, "out of memory");
			}
			ch->entry[ch->n++] = be;
			r = walk(u, bin, name, keys, be, ch);
			ch->n--;
			json_decref(be);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

static int
walk(struct run *u, const char *name, const char *delegator, const json_t *keys,
    const json_t *entry, struct chain *ch)
{
	char key[TA_ROLE_NAME_MAX + 8], enc[3 * TA_ROLE_NAME_MAX + 1], file[TA_UPDATER_FILE_MAX];
	const char *snapfile = u->rep->roles[u->first_targets - 1].file;
	struct ta_meta *m = NULL;
	json_t *targets, *t;
	const char *path;
	size_t idx;
	int64_t v;
	int r;

	if (name == NULL || strlen(name) > TA_ROLE_NAME_MAX)
		return failf(u, delegator, TA_ERR_FORMAT, "a delegated role name is too long");
	if (visited(u, name))
		return 0;
	(void)snprintf(key, sizeof(key), "%s.json", name);
	if (json_object_get(json_object_get(u->snap->signed_v, "meta"), key) == NULL)
		return failf(u, snapfile, TA_ERR_NOT_FOUND, "does not list %.260s%s%.255s", key,
		    ch->n ? ", delegated by " : "", ch->n ? delegator : "");
	v = meta_version(u->snap, key);
	if (ta_updater_encode_role(name, enc, sizeof(enc)) != 0)
		return failf(u, delegator, TA_ERR_FORMAT, "a role name is too long");
	if (u->rep->consistent_snapshot)
		(void)snprintf(file, sizeof(file), "%lld.%s.json", (long long)v, enc);
	else
		(void)snprintf(file, sizeof(file), "%s.json", enc);
	r = fetch_role(u, name, file, meta_max(u->snap, key, TA_UPDATER_TARGETS_MAX),
	    ch->n ? delegator : NULL, u->snap, snapfile, "targets", &idx, &m);
	if (r != 0)
		return r;
	if (ch->n == 0)
		r = ta_verify_role(u->root, m, "targets", 0, &u->rep->roles[idx].res);
	else
		r = ta_verify_signatures(m, keys, entry, &u->rep->roles[idx].res);
	if (r != 0)
		return sig_fail(u, idx, r, ch->n ? "not signed by the keys its delegator lists: " :
							  "");
	if (ta_meta_version(m) != v)
		return role_fail(u, idx, TA_ERR_VERIFY, "version %lld, but %s lists version %lld",
		    (long long)ta_meta_version(m), snapfile, (long long)v);
	if ((r = expiry(u, idx, m, true)) != 0)
		return r;
	targets = json_object_get(m->signed_v, "targets");
	json_object_foreach(targets, path, t) {
		u->rep->roles[idx].ntargets++;
		u->rep->ntargets++;
		if (!ta_updater_target_path_ok(path))
			return role_fail(u, idx, TA_ERR_FORMAT, "target path \"%.200s\" is not a "
			    "relative path of non-empty segments", path);
		for (size_t k = ch->n; k-- > 0;) /* its own delegation first */
			if (!ta_delegation_covers(TA_PROFILE_TUF, ch->entry[k], path))
				return role_fail(u, idx, TA_ERR_VERIFY, "target \"%.200s\" is outside "
				    "the paths delegated to %.255s",
				    path, json_string_value(json_object_get(ch->entry[k], "name")));
		if (u->o->check_targets && (r = check_target_file(u, file, path, t)) != 0)
			return r;
	}
	return walk_delegations(u, name, m, ch);
}

int
ta_updater_run(const struct ta_updater_opts *opts, ta_updater_fetch_fn fetch, void *ctx,
    struct ta_updater_report *rep)
{
	struct run u = { .o = opts, .fetch = fetch, .ctx = ctx, .rep = rep };
	struct chain ch = { .n = 0 };
	const struct ta_meta *root = NULL;
	int r;

	if (rep == NULL)
		return TA_ERR_INVALID;
	memset(rep, 0, sizeof(*rep));
	if (opts == NULL || fetch == NULL || opts->now <= 0)
		return failf(&u, "", TA_ERR_INVALID, "bad arguments");
	if ((r = load_root(&u, &root)) != 0)
		return r;
	if (root == NULL)
		return TA_ERR_INTERNAL;
	u.root = root;
	if ((r = load_timestamp(&u)) != 0 || (r = load_snapshot(&u)) != 0)
		return r;
	u.first_targets = rep->nroles;
	return walk(&u, "targets", NULL, json_object_get(root->signed_v, "keys"),
	    NULL, &ch);
}

void
ta_updater_report_free(struct ta_updater_report *rep)
{
	if (rep == NULL)
		return;
	for (size_t i = 0; i < rep->nroles; i++)
		ta_meta_free(rep->roles[i].meta);
	free(rep->roles);
	rep->roles = NULL;
	rep->nroles = 0;
	rep->root = rep->timestamp = rep->snapshot = NULL;
}

/* ---- looking a target up --------------------------------------------------- */

enum { FOUND = 1, NEXT = 0, STOP = -1 };

static const struct ta_updater_role *
role_named(const struct ta_updater_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->nroles; i++)
		if (rep->roles[i].meta != NULL && rep->roles[i].meta->type == TA_ROLE_TARGETS &&
		    strcmp(rep->roles[i].name, name) == 0)
			return &rep->roles[i];
	return NULL;
}

static int
search(const struct ta_updater_report *rep, const char *name, const char *path, size_t depth,
    const struct ta_updater_role **ret_role)
{
	const struct ta_updater_role *e = role_named(rep, name);
	const json_t *d, *c, *sr;
	size_t i;
	int r;

	if (e == NULL || depth > TA_UPDATER_MAX_DEPTH)
		return NEXT;
	if (json_object_get(json_object_get(e->meta->signed_v, "targets"), path) != NULL) {
		*ret_role = e;
		return FOUND;
	}
	d = json_object_get(e->meta->signed_v, "delegations");
	json_array_foreach(json_object_get(d, "roles"), i, c) {
		if (!ta_delegation_covers(TA_PROFILE_TUF, c, path))
			continue;
		r = search(rep, json_string_value(json_object_get(c, "name")), path, depth + 1,
		    ret_role);
		if (r != NEXT)
			return r;
		if (json_is_true(json_object_get(c, "terminating")))
			return STOP;
	}
	if ((sr = json_object_get(d, "succinct_roles")) != NULL) {
		unsigned bl = (unsigned)json_integer_value(json_object_get(sr, "bit_length"));
		int64_t b = ta_bins_for_path(bl, path);
		char bin[TA_ROLE_NAME_MAX + 1];

		if (b < 0 || ta_bins_name(json_string_value(json_object_get(sr, "name_prefix")), bl,
				 (uint32_t)b, bin, sizeof(bin)) != 0)
			return STOP;
		r = search(rep, bin, path, depth + 1, ret_role);
		return r == NEXT ? STOP : r; /* bins are terminating */
	}
	return NEXT;
}

int
ta_updater_find_target(const struct ta_updater_report *rep, const char *path,
    const char **ret_role, const json_t **ret_target)
{
	const struct ta_updater_role *e = NULL;

	if (rep == NULL || path == NULL || rep->result != 0)
		return TA_ERR_INVALID;
	if (search(rep, "targets", path, 0, &e) != FOUND)
		return TA_ERR_NOT_FOUND;
	if (ret_role != NULL)
		*ret_role = e->name;
	if (ret_target != NULL)
		*ret_target = json_object_get(json_object_get(e->meta->signed_v, "targets"), path);
	return 0;
}
