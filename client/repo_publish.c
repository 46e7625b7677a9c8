/* The publish engine of tufctl repo (client/repo.h): signatures through
 * the agent until each role's threshold is met, a new snapshot and
 * timestamp, and the files written so that an interruption leaves DIR as
 * it was or complete. */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/agent_api.h"
#include "client/agentconn.h"
#include "client/files.h"
#include "client/repo.h"
#include "client/repo_journal.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/stream.h"
#include "tuf/verify.h"

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

/* ---- signing ----------------------------------------------------------------------- */

/* The keys and role entry ({"keyids","threshold"}) that must sign role,
 * from root (top-level roles) or from the delegating role's file. */
static int
role_keys(const json_t *root_signed, const json_t *parent_signed, const char *role,
    const json_t **ret_keys, const json_t **ret_entry)
{
	const json_t *dl, *d;
	size_t i;

	*ret_keys = *ret_entry = NULL;
	if (parent_signed == NULL) {
		*ret_keys = json_object_get(root_signed, "keys");
		*ret_entry = json_object_get(json_object_get(root_signed, "roles"), role);
		return *ret_entry != NULL ? 0 : TA_ERR_NOT_FOUND;
	}
	dl = json_object_get(parent_signed, "delegations");
	*ret_keys = json_object_get(dl, "keys");
	if ((d = json_object_get(dl, "succinct_roles")) != NULL) {
		*ret_entry = d;
		return 0;
	}
	json_array_foreach(json_object_get(dl, "roles"), i, d)
	{
		if (strcmp(json_string_value(json_object_get(d, "name")), role) == 0) {
			*ret_entry = d;
			return 0;
		}
	}
	return TA_ERR_NOT_FOUND;
}

struct signing {
	struct tr_repo *repo;
	struct tufctl_agent *agent; /* one connection for every request */
	const char *gun;
};

/* Appends the signatures of the agent's signed file that m lacks.  Only
 * its "signatures" member is read (the streaming canonicaliser picks it
 * out); the signed content is m's own, which the signatures are checked
 * against before they count. */
static int
merge_signatures(struct ta_meta *m, const char *file, size_t len, struct tn_error *e)
{
	struct ta_json_error je;
	uint8_t *c = NULL;
	size_t clen, i, k;
	json_t *sigs;
	const json_t *sig, *have;
	int r;

	if ((r = ta_canon_stream((const uint8_t *)file, len, TA_PROFILE_TUF, "signatures", &c, &clen,
		 &je)) != 0)
		return tn_fail(e, r, "the agent's signed file does not parse: %s",
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
	sigs = json_loadb((const char *)c, clen, JSON_REJECT_DUPLICATES, NULL);
	free(c);
	if (!json_is_array(sigs)) {
		json_decref(sigs);
		return tn_fail(e, TA_ERR_FORMAT, "the agent's signed file has no signatures array");
	}
	json_array_foreach(sigs, i, sig)
	{
		const char *id = json_string_value(json_object_get(sig, "keyid"));
		bool dup = false;

		if (id == NULL || !json_is_string(json_object_get(sig, "sig")))
			continue;
		json_array_foreach(m->signatures, k, have)
			dup |= strcmp(id, json_string_value(json_object_get(have, "keyid"))) == 0;
		if (!dup && json_array_append(m->signatures, (json_t *)(uintptr_t)sig) != 0) {
			json_decref(sigs);
			return nomem(e);
		}
	}
	json_decref(sigs);
	return 0;
}

/* Asks the agent to sign m as role with key; other is the previous root
 * (root) or the delegating role's file (delegations), or NULL. */
static int
sign_with(struct signing *sg, const char *role, struct ta_meta *m, const char *key,
    const uint8_t *other, size_t other_len, struct tn_error *e)
{
	struct ta_proto_sign *q;
	struct ta_proto_sign_result sr;
	json_t *res = NULL, *sigs = m->signatures;
	uint8_t *file = NULL;
	size_t len;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return nomem(e);
	/* The agent signs the bare file; signatures already made are kept here. */
	m->signatures = json_array();
	r = m->signatures == NULL ? TA_ERR_NOMEM : ta_meta_write(m, &file, &len);
	json_decref(m->signatures);
	m->signatures = sigs;
	if (r != 0) {
		free(q);
		return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
	}
	q->profile = TA_PROTO_PROFILE_TUF;
	q->file = (const char *)file;
	q->file_len = len;
	q->n_keys = 1;
	if (strlen(key) >= sizeof(q->keys[0]) || strlen(role) >= sizeof(q->role) ||
	    strlen(sg->gun) >= sizeof(q->gun)) {
		r = tn_fail(e, TA_ERR_TOO_LARGE, "%s: key, role or repository name too long", role);
		goto out;
	}
	memcpy(q->keys[0], key, strlen(key) + 1);
	memcpy(q->role, role, strlen(role) + 1);
	memcpy(q->gun, sg->gun, strlen(sg->gun) + 1);
	if (other != NULL && strcmp(role, "root") == 0) {
		q->prev_root = (const char *)other;
		q->prev_root_len = other_len;
	} else if (other != NULL) {
		q->parent = (const char *)other;
		q->parent_len = other_len;
	}
	if (sg->agent == NULL && tufctl_agent_open(TA_PROTO_METHOD_SIGN, &sg->agent) != TUFCTL_OK) {
		r = tn_fail(e, TA_ERR_SYSTEM, "no agent to sign %s with", role);
		goto out;
	}
	if (tufctl_agent_sign(sg->agent, q, &res, &sr) != 0) {
		/* agent_api printed why; the connection stays usable for other
		 * keys only if the agent answered. */
		r = TA_ERR_PROTOCOL;
		(void)tn_fail(e, r, "%s: key '%s' did not sign", role, key);
		goto out;
	}
	r = merge_signatures(m, sr.file, sr.file_len, e);
out:
	json_decref(res);
	free(file);
	free(q);
	return r;
}

/* Whether m's signatures meet its threshold under keys/entry; *have and
 * *need for the message. */
static bool
threshold_met(const struct ta_meta *m, const json_t *keys, const json_t *entry, size_t *have,
    int64_t *need)
{
	struct ta_verify_result res;
	bool ok;

	/* Nothing signed yet: nothing to canonicalise and verify. */
	if (json_array_size(m->signatures) == 0) {
		*have = 0;
		*need = json_integer_value(json_object_get(entry, "threshold"));
		return false;
	}
	ok = ta_verify_signatures(m, keys, entry, &res) == 0;
	*have = res.nvalid;
	*need = res.threshold;
	return ok;
}

static bool
listed(const char *const *names, size_t n, const char *role)
{
	if (names == NULL)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], role) == 0)
			return true;
	return false;
}

/* Signs m as role with each configured key until the threshold under
 * keys/entry is met (and, root, the previous root's too).  0 when met,
 * TA_ERR_VERIFY when not (m keeps what was signed). */
static int
sign_role(struct signing *sg, const struct tr_publish_opts *o, const char *role,
    struct ta_meta *m, const json_t *keys, const json_t *entry, const struct ta_meta *prev_root,
    const uint8_t *other, size_t other_len, struct tn_error *e)
{
	const json_t *signers = tr_signers(sg->repo, role), *k;
	const json_t *prev = json_object_get(
	    json_object_get(sg->repo->config, "previous_root_signers"), "root");
	const json_t *pkeys = NULL, *pentry = NULL;
	json_t *all = json_deep_copy(signers);
	size_t i, have, phave = 0;
	int64_t need, pneed = 0;
	bool met, pmet = true;
	int r;

	if (all == NULL)
		return nomem(e);
	/* A root rotation: the previous root's keys sign too. */
	if (strcmp(role, "root") == 0 && json_is_array(prev) &&
	    json_array_extend(all, (json_t *)(uintptr_t)prev) != 0) {
		json_decref(all);
		return nomem(e);
	}
	if (prev_root != NULL)
		(void)role_keys(prev_root->signed_v, NULL, "root", &pkeys, &pentry);
	met = threshold_met(m, keys, entry, &have, &need);
	if (pentry != NULL)
		pmet = threshold_met(m, pkeys, pentry, &phave, &pneed);
	json_array_foreach(all, i, k)
	{
		if (met && pmet)
			break;
		if (!listed(o->sign_only, o->n_sign_only, role))
			break;
		r = sign_with(sg, role, m, json_string_value(k), other, other_len, e);
		if (r == TA_ERR_NOMEM) {
			json_decref(all);
			return r;
		}
		if (r != 0 && !o->quiet)
			(void)fprintf(stderr, "tufctl: %s\n", e->text);
		met = threshold_met(m, keys, entry, &have, &need);
		if (pentry != NULL)
			pmet = threshold_met(m, pkeys, pentry, &phave, &pneed);
	}
	json_decref(all);
	if (met && pmet)
		return 0;
	if (!met)
		(void)tn_fail(e, TA_ERR_VERIFY,
		    "%s v%lld: %zu of %lld signatures; awaiting more (tufctl repo status lists the "
		    "keys)",
		    role, (long long)ta_meta_version(m), have, (long long)need);
	else
		(void)tn_fail(e, TA_ERR_VERIFY,
		    "root v%lld: %zu of the previous root's %lld signatures; awaiting more", 
		    (long long)ta_meta_version(m), phave, (long long)pneed);
	return TA_ERR_VERIFY;
}

/* ---- publish ----------------------------------------------------------------------- */

/* One staged role of a publish.  Only root and the roles that delegate to
 * other staged roles stay loaded throughout; the others are loaded, signed,
 * written into pending/ and freed by a worker, so that 16,384 bins of a
 * million targets are never in memory together. */
struct staged_role {
	char *name;
	struct ta_meta *m;       /* loaded (keep), or only while a worker has it */
	uint8_t *bytes;          /* keep: the staged bytes children's requests carry */
	size_t len;
	bool keep;
	/* what the worker found */
	int r;                   /* 0 ready, TA_ERR_VERIFY awaiting signatures, else failed */
	struct tn_error e;
	int64_t version;
	size_t out_len;
	char sha256[65];
	json_t *blobs;           /* [[blob, dest], ...] target files to publish with it */
	/* what it is signed against */
	const json_t *keys, *entry;
	const struct ta_meta *pm;
	const uint8_t *other;
	size_t other_len;
	bool several;
};

static bool
top_level(const char *role)
{
	return strcmp(role, "root") == 0 || strcmp(role, "targets") == 0 ||
	       strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0;
}

/* Which role delegates to role: the parent recorded in the configuration
 * (repo delegate writes it), a bin's parent, else targets. */
static const char *
parent_of(const struct tr_repo *repo, const char *role)
{
	const json_t *bins = json_object_get(repo->config, "bins");
	const char *p = json_string_value(
	    json_object_get(json_object_get(repo->config, "parents"), role));

	for (void *it = json_object_iter((json_t *)(uintptr_t)bins); p == NULL && it != NULL;
	     it = json_object_iter_next((json_t *)(uintptr_t)bins, it)) {
		const char *prefix = json_object_iter_key(it);
		size_t len = strlen(prefix);

		if (strncmp(role, prefix, len) == 0 && role[len] == '-')
			p = json_string_value(json_object_iter_value(it));
	}
	return p != NULL ? p : "targets";
}

static struct staged_role *
find_role(struct staged_role *roles, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

static void
free_roles(struct staged_role *roles, size_t n)
{
	for (size_t i = 0; roles != NULL && i < n; i++) {
		free(roles[i].name);
		ta_meta_free(roles[i].m);
		free(roles[i].bytes);
		json_decref(roles[i].blobs);
	}
	free(roles);
}

/* Published parents read once for all the roles they delegate to. */
#define PARENT_CACHE_MAX 64
struct parent_cache {
	struct {
		char *name;
		struct ta_meta *m;
		uint8_t *bytes;
		size_t len;
	} e[PARENT_CACHE_MAX];
	size_t n;
};

static void
parent_cache_free(struct parent_cache *pc)
{
	for (size_t i = 0; i < pc->n; i++) {
		free(pc->e[i].name);
		ta_meta_free(pc->e[i].m);
		free(pc->e[i].bytes);
	}
	pc->n = 0;
}

/* A parent as the publish will write it: staged (loaded and kept), else
 * published (cached). */
static int
parent_get(struct tr_repo *repo, struct staged_role *roles, size_t n, const char *name,
    struct parent_cache *pc, const struct ta_meta **ret_m, const uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	struct staged_role *s = find_role(roles, n, name);
	size_t i;
	int r;

	if (s != NULL) {
		bool staged;

		if (s->m == NULL && (r = tr_load(repo, name, &s->m, &staged, e)) != 0)
			return r;
		if (s->bytes == NULL && (r = ta_meta_write(s->m, &s->bytes, &s->len)) != 0)
			return tn_fail(e, r, "%s: %s", name, ta_strerror(r));
		s->keep = true;
		*ret_m = s->m;
		*ret = s->bytes;
		*ret_len = s->len;
		return 0;
	}
	for (i = 0; i < pc->n && strcmp(pc->e[i].name, name) != 0; i++)
		;
	if (i == pc->n) {
		if (pc->n == PARENT_CACHE_MAX)
			return tn_fail(e, TA_ERR_TOO_LARGE, "more than %d delegating roles",
			    PARENT_CACHE_MAX);
		if ((pc->e[i].name = strdup(name)) == NULL)
			return nomem(e);
		if ((r = tr_published_role(repo, name, &pc->e[i].m, &pc->e[i].bytes, &pc->e[i].len,
			 e)) != 0) {
			free(pc->e[i].name);
			return r == TA_ERR_NOT_FOUND ? tn_fail(e, r, "no role '%s' delegates to it", name) : r;
		}
		pc->n++;
	}
	*ret_m = pc->e[i].m;
	*ret = pc->e[i].bytes;
	*ret_len = pc->e[i].len;
	return 0;
}

/* The target files of a signed role that wait in .tufctl/blobs/: where
 * each goes under targets/. */
static int
find_blobs(struct tr_repo *repo, struct staged_role *s, struct tn_error *e)
{
	const json_t *targets = json_object_get(s->m->signed_v, "targets"), *t;
	const char *path;
	char blob[4096], dest[TA_TARGET_NAME_MAX + 128], rel[128];
	int r;

	json_object_foreach((json_t *)(uintptr_t)targets, path, t)
	{
		const char *h = json_string_value(
		    json_object_get(json_object_get(t, "hashes"), "sha256"));
		const char *base = strrchr(path, '/');

		if (h == NULL || strlen(h) != 64)
			continue;
		(void)snprintf(rel, sizeof(rel), "%s/blobs/%s", TUFCTL_REPO_PRIVATE, h);
		if ((r = tr_path(repo, blob, sizeof(blob), e, "%s", rel)) != 0)
			return r;
		if (access(blob, F_OK) != 0)
			continue;
		if (repo->consistent)
			r = snprintf(dest, sizeof(dest), "targets/%.*s%s.%s",
			    base != NULL ? (int)(base - path + 1) : 0, path, h,
			    base != NULL ? base + 1 : path);
		else
			r = snprintf(dest, sizeof(dest), "targets/%s", path);
		if (r < 0 || (size_t)r >= sizeof(dest))
			return tn_fail(e, TA_ERR_TOO_LARGE, "target path too long");
		if (s->blobs == NULL && (s->blobs = json_array()) == NULL)
			return nomem(e);
		if (json_array_append_new(s->blobs, json_pack("[ss]", rel, dest)) != 0)
			return nomem(e);
	}
	return 0;
}

struct sign_pool {
	struct tr_repo *repo;
	const struct tr_publish_opts *o;
	struct staged_role *roles;
	size_t n;
	const char *pending; /* the journal's folder */
	bool blobs;          /* .tufctl/blobs/ holds files */
	size_t next;         /* __atomic */
};

/* One role: loaded, signed to its threshold, written into pending/ as
 * "rI" (and root a second time as "rIb", for root.json), freed. */
static void
sign_one(struct sign_pool *p, struct signing *sg, size_t i)
{
	struct staged_role *s = &p->roles[i];
	uint8_t *out = NULL;
	char name[32];
	bool staged;

	if (s->m == NULL && (s->r = tr_load(p->repo, s->name, &s->m, &staged, &s->e)) != 0)
		return;
	s->r = sign_role(sg, p->o, s->name, s->m, s->keys, s->entry, s->pm, s->other, s->other_len,
	    &s->e);
	if (s->r == TA_ERR_VERIFY) {
		/* The signatures made are kept for the next publish. */
		int r = tr_stage_write(p->repo, s->name, s->m, &s->e);

		s->r = r != 0 ? r : TA_ERR_VERIFY;
		goto out;
	}
	if (s->r != 0)
		goto out;
	s->version = ta_meta_version(s->m);
	if ((s->r = ta_meta_write(s->m, &out, &s->out_len)) != 0) {
		(void)tn_fail(&s->e, s->r, "%s: %s", s->name, ta_strerror(s->r));
		goto out;
	}
	tr_sha256_hex(out, s->out_len, s->sha256);
	(void)snprintf(name, sizeof(name), "r%zu", i);
	if ((s->r = journal_write(p->pending, name, out, s->out_len, &s->e)) != 0)
		goto out;
	(void)snprintf(name, sizeof(name), "r%zub", i);
	if (strcmp(s->name, "root") == 0 &&
	    (s->r = journal_write(p->pending, name, out, s->out_len, &s->e)) != 0)
		goto out;
	/* Kept staged, signed, where signing again could need a person (root,
	 * targets, several keys) should the publish stop; bins are not. */
	if ((top_level(s->name) || s->several) &&
	    (s->r = tr_stage_write_bytes(p->repo, s->name, out, s->out_len, &s->e)) != 0)
		goto out;
	if (p->blobs && strcmp(s->name, "root") != 0)
		s->r = find_blobs(p->repo, s, &s->e);
out:
	free(out);
	if (!s->keep) {
		ta_meta_free(s->m);
		s->m = NULL;
	}
}

static void *
sign_worker(void *arg)
{
	struct sign_pool *p = arg;
	struct signing sg = { .repo = p->repo };
	size_t i;

	sg.gun = json_string_value(json_object_get(p->repo->config, "name"));
	if (sg.gun == NULL)
		sg.gun = p->repo->dir;
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n)
		sign_one(p, &sg, i);
	if (sg.agent != NULL)
		tufctl_agent_close(sg.agent);
	return NULL;
}

/* Signed in parallel over a few connections: the agent runs one job a
 * token session, and 16,384 bins one after the other would wait on each
 * round trip. */
#define SIGN_THREADS 4

static void
sign_all(struct sign_pool *p)
{
	pthread_t th[SIGN_THREADS];
	size_t started = 0, want = p->n < SIGN_THREADS ? p->n : SIGN_THREADS;

	for (size_t i = 0; i < want; i++)
		if (pthread_create(&th[started], NULL, sign_worker, p) == 0)
			started++;
	if (started == 0)
		(void)sign_worker(p); /* no thread: this one signs them all */
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
}

/* Makes and signs a new snapshot or timestamp; *ret_m and the file. */
static int
make_online(struct tr_repo *repo, const char *role, const json_t *base_signed,
    struct ta_meta **ret_m, struct tn_error *e)
{
	enum ta_role_type t = strcmp(role, "snapshot") == 0 ? TA_ROLE_SNAPSHOT : TA_ROLE_TIMESTAMP;
	struct ta_meta *m = NULL;
	int64_t v = tr_published_version(repo, role);
	int r;

	*ret_m = NULL;
	if ((r = ta_meta_new(TA_PROFILE_TUF, t, repo->now, &m)) != 0)
		return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
	if (base_signed != NULL &&
	    json_object_set(m->signed_v, "meta", json_object_get(base_signed, "meta")) != 0) {
		ta_meta_free(m);
		return nomem(e);
	}
	if ((r = ta_meta_set_version(m, (v > 0 ? v : 0) + 1)) != 0 ||
	    (r = ta_meta_set_expires(m, repo->now + (time_t)tr_expires_days(repo, role) * 86400)) != 0) {
		ta_meta_free(m);
		return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
	}
	*ret_m = m;
	return 0;
}

static int
sign_online(struct signing *sg, const struct tr_publish_opts *o, const char *role,
    struct ta_meta *m, const json_t *root_signed, uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	const json_t *keys, *entry;
	int r;

	if (role_keys(root_signed, NULL, role, &keys, &entry) != 0)
		return tn_fail(e, TA_ERR_FORMAT, "root lists no %s role", role);
	if ((r = sign_role(sg, o, role, m, keys, entry, NULL, NULL, 0, e)) != 0)
		return r;
	if ((r = ta_meta_write(m, ret, ret_len)) != 0)
		return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
	return 0;
}

/* Sets what each staged role is signed against: root by its own root keys
 * and the previous root's, top-level roles by the root's, delegations by
 * their parents' as those will be published. */
static int
plan_roles(struct tr_repo *repo, struct staged_role *roles, size_t n, const struct ta_meta *root,
    const struct ta_meta *prev_root, const uint8_t *prev_bytes, size_t prev_len,
    struct parent_cache *pc, struct tn_error *e)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		struct staged_role *s = &roles[i];

		if (strcmp(s->name, "root") == 0) {
			if (s->m == NULL) /* tr_publish loads a staged root first */
				return tn_fail(e, TA_ERR_INTERNAL, "the staged root is not loaded");
			(void)role_keys(s->m->signed_v, NULL, "root", &s->keys, &s->entry);
			if (prev_root != NULL && ta_meta_version(prev_root) + 1 != ta_meta_version(s->m))
				return tn_fail(e, TA_ERR_VERIFY, "staged root v%lld does not follow v%lld",
				    (long long)ta_meta_version(s->m), (long long)ta_meta_version(prev_root));
			s->pm = prev_root;
			s->other = prev_bytes;
			s->other_len = prev_len;
		} else if (top_level(s->name)) {
			if (role_keys(root->signed_v, NULL, s->name, &s->keys, &s->entry) != 0)
				return tn_fail(e, TA_ERR_FORMAT, "root lists no %s role", s->name);
		} else {
			const char *parent = parent_of(repo, s->name);
			const struct ta_meta *pm = NULL;

			if ((r = parent_get(repo, roles, n, parent, pc, &pm, &s->other, &s->other_len,
				 e)) != 0)
				return r;
			if (role_keys(root->signed_v, pm->signed_v, s->name, &s->keys, &s->entry) != 0)
				return tn_fail(e, TA_ERR_FORMAT, "%s does not delegate to %s", parent,
				    s->name);
		}
		s->several = json_integer_value(json_object_get(s->entry, "threshold")) > 1;
	}
	return 0;
}

/* The manifest, in the order a client may read the files safely: target
 * files, delegated roles, targets, (snapshot, root and timestamp follow). */
static int
queue_roles(struct tr_repo *repo, struct journal *j, struct staged_role *roles, size_t n,
    struct tn_error *e)
{
	char name[TA_ROLE_NAME_MAX * 3 + 32], rel[TA_ROLE_NAME_MAX * 3 + 64], tmp[32];
	int r;

	for (size_t i = 0; i < n; i++) {
		const json_t *b;
		size_t k;

		json_array_foreach(roles[i].blobs, k, b)
		{
			char src[4096];
			const char *blob = json_string_value(json_array_get(b, 0));

			if ((r = tr_path(repo, src, sizeof(src), e, "%s", blob)) != 0 ||
			    (r = journal_link(j, src, json_string_value(json_array_get(b, 1)), e)) != 0 ||
			    (r = journal_rm(j, blob, e)) != 0)
				return r;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct staged_role *s = &roles[i];

			if (strcmp(s->name, "root") == 0 || (strcmp(s->name, "targets") == 0) != (pass == 1))
				continue;
			if ((r = tr_role_name(s->name, repo->consistent ? s->version : 0, name,
				 sizeof(name))) != 0)
				return tn_fail(e, r, "role name '%s' too long", s->name);
			(void)snprintf(tmp, sizeof(tmp), "r%zu", i);
			if ((r = journal_mv(j, tmp, name, e)) != 0)
				return r;
			if ((r = tr_role_name(s->name, 0, name, sizeof(name))) != 0)
				return tn_fail(e, r, "role name too long");
			(void)snprintf(rel, sizeof(rel), "%s/staged/%s", TUFCTL_REPO_PRIVATE, name);
			if ((r = journal_rm(j, rel, e)) != 0)
				return r;
		}
	}
	return 0;
}

/* The snapshot's entry for a role from what its worker recorded. */
static int
snapshot_set(struct ta_meta *snap, const struct staged_role *s, struct tn_error *e)
{
	char key[TA_ROLE_NAME_MAX + 8];
	json_t *fm;

	(void)snprintf(key, sizeof(key), "%s.json", s->name);
	fm = json_pack("{s:I, s:{s:s}, s:I}", "length", (json_int_t)s->out_len, "hashes", "sha256",
	    s->sha256, "version", (json_int_t)s->version);
	if (fm == NULL || json_object_set_new(json_object_get(snap->signed_v, "meta"), key, fm) != 0)
		return nomem(e);
	return 0;
}

int
tr_publish(struct tr_repo *repo, const struct tr_publish_opts *o, struct tn_error *e)
{
	struct signing sg = { .repo = repo };
	struct staged_role *roles = NULL, *sroot = NULL;
	struct ta_meta *root = NULL, *prev_root = NULL, *snap = NULL, *ts = NULL;
	uint8_t *prev_bytes = NULL, *snap_bytes = NULL, *ts_bytes = NULL;
	size_t prev_len = 0, snap_len = 0, ts_len = 0, n = 0, i;
	struct parent_cache pc = { .n = 0 };
	struct journal j = { .manifest = NULL };
	struct sign_pool pool;
	const json_t *v;
	json_t *names = NULL;
	bool waiting = false, journal_open = false;
	char vname[64], p[4096];
	int r;

	sg.gun = json_string_value(json_object_get(repo->config, "name"));
	if (sg.gun == NULL)
		sg.gun = repo->dir;
	if ((r = tr_staged_roles(repo, &names, e)) != 0)
		return r;
	if (json_array_size(names) == 0 && o->refresh == NULL) {
		json_decref(names);
		if (!o->quiet && !tufctl.json)
			(void)printf("nothing staged: %s is up to date\n", repo->dir);
		return 0;
	}
	if ((roles = calloc(json_array_size(names) + 1, sizeof(*roles))) == NULL) {
		r = nomem(e);
		goto out;
	}
	/* The previous root (for a rotation) and the root to publish under. */
	r = tr_published_root(repo, &prev_root, &prev_bytes, &prev_len, e);
	if (r != 0 && r != TA_ERR_NOT_FOUND)
		goto out;
	json_array_foreach(names, i, v)
	{
		if ((roles[n].name = strdup(json_string_value(v))) == NULL) {
			r = nomem(e);
			goto out;
		}
		if (strcmp(roles[n].name, "root") == 0) {
			bool staged;

			sroot = &roles[n];
			sroot->keep = true;
			if ((r = tr_load(repo, "root", &sroot->m, &staged, e)) != 0)
				goto out;
		}
		n++;
	}
	root = sroot != NULL ? sroot->m : prev_root;
	if (root == NULL) {
		r = tn_fail(e, TA_ERR_NOT_FOUND, "'%s' has no root: run tufctl repo init", repo->dir);
		goto out;
	}
	if ((r = plan_roles(repo, roles, n, root, prev_root, prev_bytes, prev_len, &pc, e)) != 0)
		goto out;
	if ((r = journal_begin(repo, &j, e)) != 0)
		goto out;
	journal_open = true;
	(void)tr_signers(repo, "root"); /* its shared empty array, before the threads */
	pool = (struct sign_pool){ .repo = repo, .o = o, .roles = roles, .n = n, .pending = j.dir };
	if ((r = tr_path(repo, p, sizeof(p), e, "%s/blobs", TUFCTL_REPO_PRIVATE)) != 0)
		goto out;
	pool.blobs = rmdir(p) != 0 && errno == ENOTEMPTY;
	sign_all(&pool);
	for (i = 0; i < n; i++) {
		if (roles[i].r == TA_ERR_VERIFY) {
			if (!o->quiet)
				(void)fprintf(stderr, "tufctl: %s\n", roles[i].e.text);
			waiting = true;
		} else if (roles[i].r != 0) {
			r = roles[i].r;
			*e = roles[i].e;
			goto out;
		}
	}
	if (waiting) {
		r = tn_fail(e, TA_ERR_VERIFY,
		    "not published: roles await signatures (kept in %s/staged; run tufctl repo "
		    "publish again with the missing keys)",
		    TUFCTL_REPO_PRIVATE);
		goto out;
	}

	/* The snapshot: every targets role's version, length and hash. */
	if (o->refresh == NULL || strcmp(o->refresh, "timestamp") != 0 || n > 0) {
		(void)tr_published_version(repo, "snapshot"); /* loads the cache */
		if ((r = make_online(repo, "snapshot", repo->snapshot, &snap, e)) != 0)
			goto out;
		for (i = 0; i < n; i++)
			if (&roles[i] != sroot && (r = snapshot_set(snap, &roles[i], e)) != 0)
				goto out;
		if ((r = sign_online(&sg, o, "snapshot", snap, root->signed_v, &snap_bytes,
			 &snap_len, e)) != 0)
			goto out;
	}
	if ((r = make_online(repo, "timestamp", NULL, &ts, e)) != 0)
		goto out;
	if (snap != NULL) {
		r = ta_meta_set_file(ts, "snapshot", snap_bytes, snap_len, ta_meta_version(snap));
	} else {
		uint8_t *sb = NULL;
		size_t sl;

		(void)tr_role_name("snapshot",
		    repo->consistent ? tr_published_version(repo, "snapshot") : 0, vname,
		    sizeof(vname));
		if ((r = tr_path(repo, p, sizeof(p), e, "%s", vname)) != 0 ||
		    (r = tn_read_file(p, TR_META_MAX, &sb, &sl, e)) != 0)
			goto out;
		r = ta_meta_set_file(ts, "snapshot", sb, sl, tr_published_version(repo, "snapshot"));
		free(sb);
	}
	if (r != 0) {
		r = tn_fail(e, r, "timestamp: %s", ta_strerror(r));
		goto out;
	}
	if ((r = sign_online(&sg, o, "timestamp", ts, root->signed_v, &ts_bytes, &ts_len, e)) != 0)
		goto out;

	if ((r = queue_roles(repo, &j, roles, n, e)) != 0)
		goto out;
	if (snap != NULL) {
		(void)tr_role_name("snapshot", repo->consistent ? ta_meta_version(snap) : 0, vname,
		    sizeof(vname));
		if ((r = journal_put(&j, vname, snap_bytes, snap_len, e)) != 0)
			goto out;
	}
	if (sroot != NULL) {
		char a[32], b[32];

		(void)snprintf(a, sizeof(a), "r%zu", (size_t)(sroot - roles));
		(void)snprintf(b, sizeof(b), "r%zub", (size_t)(sroot - roles));
		(void)tr_role_name("root", ta_meta_version(root), vname, sizeof(vname));
		if ((r = journal_mv(&j, a, vname, e)) != 0 ||
		    (r = journal_mv(&j, b, "root.json", e)) != 0 ||
		    (r = journal_rm(&j, TUFCTL_REPO_PRIVATE "/staged/root.json", e)) != 0)
			goto out;
	}
	if ((r = journal_put(&j, "timestamp.json", ts_bytes, ts_len, e)) != 0)
		goto out;
	r = journal_commit(repo, &j, e);
	journal_open = false;
	if (r == 0 && sroot != NULL &&
	    json_object_get(repo->config, "previous_root_signers") != NULL) {
		(void)json_object_del(repo->config, "previous_root_signers");
		r = tr_config_save(repo, e);
	}
	if (r == 0 && !o->quiet && !tufctl.json)
		(void)printf("published %s: %zu role%s, snapshot v%lld, timestamp v%lld\n", repo->dir,
		    n, n == 1 ? "" : "s",
		    snap != NULL ? (long long)ta_meta_version(snap) :
				   (long long)tr_published_version(repo, "snapshot"),
		    (long long)ta_meta_version(ts));
out:
	if (journal_open)
		journal_abort(&j);
	if (sg.agent != NULL)
		tufctl_agent_close(sg.agent);
	parent_cache_free(&pc);
	free_roles(roles, n);
	json_decref(names);
	ta_meta_free(prev_root);
	free(prev_bytes);
	ta_meta_free(snap);
	ta_meta_free(ts);
	free(snap_bytes);
	free(ts_bytes);
	json_decref(repo->snapshot);
	repo->snapshot = NULL;
	return r;
}
