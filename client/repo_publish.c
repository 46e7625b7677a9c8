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
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/stream.h"
#include "tuf/verify.h"

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

/* Tests only: TUFCTL_TEST_CRASH=before-commit|after-commit|mid-moves makes
 * tufctl die there as kill -9 would (tests/integration/tuf-repo.sh). */
static void
crash_point(const char *where)
{
	const char *c = getenv("TUFCTL_TEST_CRASH");

	if (c != NULL && strcmp(c, where) == 0)
		_exit(9);
}

/* ---- the journal ---------------------------------------------------------------------- */

/* rm -r of a folder of plain files (pending/ and commit/ hold nothing else). */
static int
remove_dir(const char *path, struct tn_error *e)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[4096];

	if (d == NULL)
		return errno == ENOENT ? 0 :
					 tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s': %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >= (int)sizeof(p) ||
		    (unlink(p) != 0 && errno != ENOENT)) {
			(void)closedir(d);
			return tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
		}
	}
	(void)closedir(d);
	if (rmdir(path) != 0 && errno != ENOENT)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	return r;
}

/* The manifest: one line per step, done in order:
 *	mv N DEST      move commit/N to DIR/DEST (skipped when commit/N is gone)
 *	rm PATH        remove DIR/PATH (a staged role, a copied blob)
 * DEST and PATH are relative to DIR and hold no newline. */
int
tr_recover(struct tr_repo *repo, struct tn_error *e)
{
	char commit[4096], pending[4096], p[4096], src[4096], dst[4096];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int r;

	if ((r = tr_path(repo, pending, sizeof(pending), e, "%s/pending", TUFCTL_REPO_PRIVATE)) != 0 ||
	    (r = remove_dir(pending, e)) != 0)
		return r;
	if ((r = tr_path(repo, commit, sizeof(commit), e, "%s/commit", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	if (snprintf(p, sizeof(p), "%s/MANIFEST", commit) >= (int)sizeof(p))
		return tn_fail(e, TA_ERR_TOO_LARGE, "path too long");
	if ((f = fopen(p, "re")) == NULL) {
		if (errno == ENOENT)
			return remove_dir(commit, e);
		return tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s': %s", p, strerror(errno));
	}
	while (getline(&line, &cap, f) > 0) {
		char *arg, *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "mv ", 3) == 0 && (arg = strchr(line + 3, ' ')) != NULL) {
			char *slash;

			*arg++ = '\0';
			if (snprintf(src, sizeof(src), "%s/%s", commit, line + 3) >= (int)sizeof(src) ||
			    (r = tr_path(repo, dst, sizeof(dst), e, "%s", arg)) != 0) {
				r = r != 0 ? r : tn_fail(e, TA_ERR_TOO_LARGE, "path too long");
				goto out;
			}
			if (access(src, F_OK) != 0)
				continue; /* done by an earlier, interrupted recovery */
			if ((slash = strrchr(dst, '/')) != NULL) {
				*slash = '\0';
				r = tn_mkdir_p(dst, e);
				*slash = '/';
				if (r != 0)
					goto out;
			}
			if (rename(src, dst) != 0) {
				r = tn_fail(e, TA_ERR_SYSTEM, "cannot move '%s' to '%s': %s", src, dst,
				    strerror(errno));
				goto out;
			}
			crash_point("mid-moves");
			if (slash != NULL) {
				*slash = '\0';
				(void)fsync_dir(dst);
				*slash = '/';
			}
		} else if (strncmp(line, "rm ", 3) == 0) {
			if ((r = tr_path(repo, dst, sizeof(dst), e, "%s", line + 3)) != 0)
				goto out;
			if (unlink(dst) != 0 && errno != ENOENT) {
				r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", dst, strerror(errno));
				goto out;
			}
		}
	}
	(void)fsync_dir(repo->dir);
	r = remove_dir(commit, e);
out:
	free(line);
	(void)fclose(f);
	return r;
}

struct journal {
	char dir[4096];   /* .tufctl/pending */
	FILE *manifest;
	unsigned n;
};

static int
journal_begin(struct tr_repo *repo, struct journal *j, struct tn_error *e)
{
	char p[4096 + 16];
	int r;

	j->n = 0;
	if ((r = tr_path(repo, j->dir, sizeof(j->dir), e, "%s/pending", TUFCTL_REPO_PRIVATE)) != 0 ||
	    (r = remove_dir(j->dir, e)) != 0)
		return r;
	if (mkdir(j->dir, 0700) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot create '%s': %s", j->dir, strerror(errno));
	(void)snprintf(p, sizeof(p), "%s/MANIFEST", j->dir);
	if ((j->manifest = fopen(p, "wxe")) == NULL)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot create '%s': %s", p, strerror(errno));
	return 0;
}

/* Adds a file: its bytes now, its move at commit. */
static int
journal_put(struct journal *j, const char *dest, const void *data, size_t len, struct tn_error *e)
{
	char p[4096 + 16];
	const uint8_t *b = data;
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%u", j->dir, j->n);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot create '%s': %s", p, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			(void)close(fd);
			return tn_fail(e, TA_ERR_SYSTEM, "cannot write '%s': %s", p, strerror(errno));
		}
		b += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write '%s': %s", p, strerror(errno));
	if (fprintf(j->manifest, "mv %u %s\n", j->n, dest) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	j->n++;
	return 0;
}

/* Adds a file already on disk (a blob): hard-linked, not copied. */
static int
journal_link(struct journal *j, const char *src, const char *dest, struct tn_error *e)
{
	char p[4096 + 16];

	(void)snprintf(p, sizeof(p), "%s/%u", j->dir, j->n);
	if (link(src, p) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot link '%s': %s", src, strerror(errno));
	if (fprintf(j->manifest, "mv %u %s\n", j->n, dest) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	j->n++;
	return 0;
}

static int
journal_rm(struct journal *j, const char *path, struct tn_error *e)
{
	if (fprintf(j->manifest, "rm %s\n", path) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	return 0;
}

/* Syncs everything written and makes the publish happen (the rename),
 * then carries it out. */
static int
journal_commit(struct tr_repo *repo, struct journal *j, struct tn_error *e)
{
	char commit[4096];
	int fd, r;

	if (fflush(j->manifest) != 0 || fsync(fileno(j->manifest)) != 0) {
		(void)fclose(j->manifest);
		j->manifest = NULL;
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest: %s", strerror(errno));
	}
	(void)fclose(j->manifest);
	j->manifest = NULL;
	/* One syncfs for thousands of files, not an fsync each. */
	if ((fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || syncfs(fd) != 0) {
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot sync '%s': %s", j->dir, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return r;
	}
	(void)close(fd);
	if ((r = tr_path(repo, commit, sizeof(commit), e, "%s/commit", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	crash_point("before-commit");
	if (rename(j->dir, commit) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot commit '%s': %s", j->dir, strerror(errno));
	if ((r = tr_path(repo, commit, sizeof(commit), e, "%s", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	(void)fsync_dir(commit);
	crash_point("after-commit");
	return tr_recover(repo, e);
}

static void
journal_abort(struct journal *j)
{
	if (j->manifest != NULL)
		(void)fclose(j->manifest);
	j->manifest = NULL;
	(void)remove_dir(j->dir, NULL);
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

struct staged_role {
	char *name;
	struct ta_meta *m;
	uint8_t *bytes; /* the signed file, once ready */
	size_t len;
	bool ready;
};

static int
parent_of(struct tr_repo *repo, const char *role, const char *const *names, size_t n,
    struct staged_role *roles, const char **ret_parent, struct tn_error *e);

/* The file bytes of a role as it will be published: staged (written now)
 * or published. */
static int
role_bytes(struct tr_repo *repo, struct staged_role *roles, size_t n, const char *role,
    struct ta_meta **ret_m, uint8_t **ret, size_t *ret_len, bool *owned, struct tn_error *e)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(roles[i].name, role) == 0) {
			*owned = false;
			*ret_m = roles[i].m;
			if (roles[i].bytes == NULL) {
				int r = ta_meta_write(roles[i].m, &roles[i].bytes, &roles[i].len);

				if (r != 0)
					return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
			}
			*ret = roles[i].bytes;
			*ret_len = roles[i].len;
			return 0;
		}
	}
	*owned = true;
	return tr_published_role(repo, role, ret_m, ret, ret_len, e);
}

/* Which role delegates to role: the parent recorded in the configuration
 * (repo delegate writes it), else targets. */
static int
parent_of(struct tr_repo *repo, const char *role, const char *const *names, size_t n,
    struct staged_role *roles, const char **ret_parent, struct tn_error *e)
{
	const json_t *parents = json_object_get(repo->config, "parents");
	const json_t *bins = json_object_get(repo->config, "bins");
	const char *p = json_string_value(json_object_get(parents, role));

	(void)names;
	(void)n;
	(void)roles;
	(void)e;
	if (p == NULL) {
		for (void *it = json_object_iter((json_t *)(uintptr_t)bins); it != NULL;
		     it = json_object_iter_next((json_t *)(uintptr_t)bins, it)) {
			const char *prefix = json_object_iter_key(it);
			size_t len = strlen(prefix);

			if (strncmp(role, prefix, len) == 0 && role[len] == '-')
				p = json_string_value(json_object_iter_value(it));
		}
	}
	*ret_parent = p != NULL ? p : "targets";
	return 0;
}

static bool
top_level(const char *role)
{
	return strcmp(role, "root") == 0 || strcmp(role, "targets") == 0 ||
	       strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0;
}

static void
free_roles(struct staged_role *roles, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(roles[i].name);
		ta_meta_free(roles[i].m);
		free(roles[i].bytes);
	}
	free(roles);
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

/* Queues a targets role's file (and its target files) into the journal. */
static int
queue_role(struct tr_repo *repo, struct journal *j, const struct staged_role *s,
    struct tn_error *e)
{
	char name[TA_ROLE_NAME_MAX * 3 + 32], rel[TA_ROLE_NAME_MAX * 3 + 64];
	int r;

	if ((r = tr_role_name(s->name, repo->consistent ? ta_meta_version(s->m) : 0, name,
		 sizeof(name))) != 0)
		return tn_fail(e, r, "role name '%s' too long", s->name);
	if ((r = journal_put(j, name, s->bytes, s->len, e)) != 0)
		return r;
	if ((r = tr_role_name(s->name, 0, name, sizeof(name))) != 0)
		return tn_fail(e, r, "role name too long");
	(void)snprintf(rel, sizeof(rel), "%s/staged/%s", TUFCTL_REPO_PRIVATE, name);
	return journal_rm(j, rel, e);
}

/* Target files added since the last publish: .tufctl/blobs/HASH holds
 * each; every target of a staged role whose blob is there is linked into
 * targets/. */
static int
queue_targets(struct tr_repo *repo, struct journal *j, const struct staged_role *s,
    struct tn_error *e)
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
		if ((r = journal_link(j, blob, dest, e)) != 0 || (r = journal_rm(j, rel, e)) != 0)
			return r;
	}
	return 0;
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

/* A parent's model and file as the publish will write it: staged (the
 * staged role's own bytes), else published (cached). */
static int
parent_bytes(struct tr_repo *repo, struct staged_role *roles, size_t n, const char *name,
    struct parent_cache *pc, struct ta_meta **ret_m, const uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	struct ta_meta *m = NULL;
	uint8_t *b = NULL;
	size_t len = 0;
	bool owned;
	int r;

	for (size_t i = 0; i < pc->n; i++)
		if (strcmp(pc->e[i].name, name) == 0) {
			*ret_m = pc->e[i].m;
			*ret = pc->e[i].bytes;
			*ret_len = pc->e[i].len;
			return 0;
		}
	if ((r = role_bytes(repo, roles, n, name, &m, &b, &len, &owned, e)) != 0)
		return r;
	if (owned) {
		if (pc->n == PARENT_CACHE_MAX || (pc->e[pc->n].name = strdup(name)) == NULL) {
			ta_meta_free(m);
			free(b);
			return pc->n == PARENT_CACHE_MAX ?
				       tn_fail(e, TA_ERR_TOO_LARGE, "more than %d delegating roles",
					   PARENT_CACHE_MAX) :
				       nomem(e);
		}
		pc->e[pc->n].m = m;
		pc->e[pc->n].bytes = b;
		pc->e[pc->n].len = len;
		pc->n++;
	}
	*ret_m = m;
	*ret = b;
	*ret_len = len;
	return 0;
}

struct sign_job {
	struct staged_role *s;
	const json_t *keys, *entry;  /* borrowed from root or the parent */
	const struct ta_meta *pm;    /* the previous root (root only) */
	const uint8_t *other;        /* prev_root or parent bytes (borrowed) */
	size_t other_len;
	bool several;                /* threshold > 1 */
	int r;                       /* sign_role's result */
	struct tn_error e;
};

#define SIGN_THREADS 4

struct sign_pool {
	struct tr_repo *repo;
	const struct tr_publish_opts *o;
	struct sign_job *jobs;
	size_t n;
	size_t next; /* __atomic */
};

static void *
sign_worker(void *arg)
{
	struct sign_pool *p = arg;
	struct signing sg = { .repo = p->repo };
	size_t i;

	sg.gun = json_string_value(json_object_get(p->repo->config, "name"));
	if (sg.gun == NULL)
		sg.gun = p->repo->dir;
	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		struct sign_job *jb = &p->jobs[i];

		jb->r = sign_role(&sg, p->o, jb->s->name, jb->s->m, jb->keys, jb->entry, jb->pm,
		    jb->other, jb->other_len, &jb->e);
	}
	if (sg.agent != NULL)
		tufctl_agent_close(sg.agent);
	return NULL;
}

/* Every job signed (results in the jobs); 0, or TA_ERR_SYSTEM when no
 * thread could be started. */
static int
sign_all(struct tr_repo *repo, const struct tr_publish_opts *o, struct sign_job *jobs, size_t n)
{
	struct sign_pool p = { .repo = repo, .o = o, .jobs = jobs, .n = n, .next = 0 };
	pthread_t th[SIGN_THREADS];
	size_t started = 0, want = n < SIGN_THREADS ? n : SIGN_THREADS;

	for (size_t i = 0; i < want; i++)
		if (pthread_create(&th[started], NULL, sign_worker, &p) == 0)
			started++;
	if (started == 0 && n > 0) {
		(void)sign_worker(&p); /* no thread: this one signs them all */
		return 0;
	}
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	return 0;
}

int
tr_publish(struct tr_repo *repo, const struct tr_publish_opts *o, struct tn_error *e)
{
	struct signing sg = { .repo = repo };
	struct staged_role *roles = NULL;
	struct ta_meta *root = NULL, *prev_root = NULL, *snap = NULL, *ts = NULL;
	uint8_t *prev_bytes = NULL, *snap_bytes = NULL, *ts_bytes = NULL, *root_bytes = NULL;
	size_t prev_len = 0, snap_len = 0, ts_len = 0, root_len = 0, n = 0, i;
	const json_t *v;
	json_t *names = NULL;
	struct journal j = { .manifest = NULL };
	struct sign_job *jobs = NULL;
	struct parent_cache pc = { .n = 0 };
	bool root_staged = false, waiting = false, journal_open = false;
	char vname[64];
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
		bool staged;

		if ((roles[n].name = strdup(json_string_value(v))) == NULL) {
			r = nomem(e);
			goto out;
		}
		if ((r = tr_load(repo, roles[n].name, &roles[n].m, &staged, e)) != 0)
			goto out;
		if (strcmp(roles[n].name, "root") == 0)
			root_staged = true;
		n++;
	}
	for (i = 0; i < n; i++)
		if (strcmp(roles[i].name, "root") == 0)
			root = roles[i].m;
	if (root == NULL && prev_root == NULL) {
		r = tn_fail(e, TA_ERR_NOT_FOUND, "'%s' has no root: run tufctl repo init", repo->dir);
		goto out;
	}
	if (root == NULL)
		root = prev_root;

	/* What each staged role must be signed by: root by its own root keys
	 * and the previous root's, top-level roles by the root's, delegations
	 * by their parents' as those will be published. */
	if ((jobs = calloc(n + 1, sizeof(*jobs))) == NULL) {
		r = nomem(e);
		goto out;
	}
	(void)tr_signers(repo, "root"); /* its shared empty array, before the threads */
	for (i = 0; i < n; i++) {
		struct sign_job *jb = &jobs[i];
		struct staged_role *s = &roles[i];

		jb->s = s;
		if (strcmp(s->name, "root") == 0) {
			(void)role_keys(s->m->signed_v, NULL, "root", &jb->keys, &jb->entry);
			if (prev_root != NULL && ta_meta_version(prev_root) + 1 != ta_meta_version(s->m)) {
				r = tn_fail(e, TA_ERR_VERIFY, "staged root v%lld does not follow v%lld",
				    (long long)ta_meta_version(s->m), (long long)ta_meta_version(prev_root));
				goto out;
			}
			jb->pm = prev_root;
			jb->other = prev_bytes;
			jb->other_len = prev_len;
		} else if (top_level(s->name)) {
			if (role_keys(root->signed_v, NULL, s->name, &jb->keys, &jb->entry) != 0) {
				r = tn_fail(e, TA_ERR_FORMAT, "root lists no %s role", s->name);
				goto out;
			}
		} else {
			const char *parent;
			struct ta_meta *parent_m = NULL;

			(void)parent_of(repo, s->name, NULL, 0, roles, &parent, e);
			if ((r = parent_bytes(repo, roles, n, parent, &pc, &parent_m, &jb->other,
				 &jb->other_len, e)) != 0)
				goto out;
			if (role_keys(root->signed_v, parent_m->signed_v, s->name, &jb->keys,
				&jb->entry) != 0) {
				r = tn_fail(e, TA_ERR_FORMAT, "%s does not delegate to %s", parent, s->name);
				goto out;
			}
		}
		jb->several = json_integer_value(json_object_get(jb->entry, "threshold")) > 1;
	}
	/* Signed in parallel over a few connections: the agent runs one job a
	 * token session, and 16,384 bins one after the other would wait on
	 * each round trip. */
	if ((r = sign_all(repo, o, jobs, n)) != 0) {
		r = tn_fail(e, r, "cannot start the signing threads");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct sign_job *jb = &jobs[i];
		struct staged_role *s = jb->s;

		if (jb->r == TA_ERR_VERIFY) {
			if (!o->quiet)
				(void)fprintf(stderr, "tufctl: %s\n", jb->e.text);
			waiting = true;
			if ((r = tr_stage_write(repo, s->name, s->m, e)) != 0)
				goto out;
			continue;
		}
		if (jb->r != 0) {
			r = jb->r;
			*e = jb->e;
			goto out;
		}
		s->ready = true;
		free(s->bytes);
		s->bytes = NULL;
		if ((r = ta_meta_write(s->m, &s->bytes, &s->len)) != 0) {
			r = tn_fail(e, r, "%s: %s", s->name, ta_strerror(r));
			goto out;
		}
		/* Keep what was signed even if a later role stops the publish,
		 * where signing again could need a person (root, targets, a
		 * threshold of several keys); online bins are signed again. */
		if ((top_level(s->name) || jb->several) &&
		    (r = tr_stage_write_bytes(repo, s->name, s->bytes, s->len, e)) != 0)
			goto out;
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
		for (i = 0; i < n; i++) {
			if (strcmp(roles[i].name, "root") == 0)
				continue;
			if ((r = ta_meta_set_file(snap, roles[i].name, roles[i].bytes, roles[i].len,
				 ta_meta_version(roles[i].m))) != 0) {
				r = tn_fail(e, r, "snapshot: %s", ta_strerror(r));
				goto out;
			}
		}
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
		struct ta_meta *sm = NULL;
		char sp[4096];

		(void)tr_role_name("snapshot", repo->consistent ? tr_published_version(repo, "snapshot") : 0,
		    vname, sizeof(vname));
		if ((r = tr_path(repo, sp, sizeof(sp), e, "%s", vname)) != 0 ||
		    (r = tn_read_file(sp, TR_META_MAX, &sb, &sl, e)) != 0)
			goto out;
		r = ta_meta_set_file(ts, "snapshot", sb, sl, tr_published_version(repo, "snapshot"));
		free(sb);
		ta_meta_free(sm);
	}
	if (r != 0) {
		r = tn_fail(e, r, "timestamp: %s", ta_strerror(r));
		goto out;
	}
	if ((r = sign_online(&sg, o, "timestamp", ts, root->signed_v, &ts_bytes, &ts_len, e)) != 0)
		goto out;

	/* Written in the order a client may read them safely. */
	if ((r = journal_begin(repo, &j, e)) != 0)
		goto out;
	journal_open = true;
	for (i = 0; i < n; i++) {
		if (strcmp(roles[i].name, "root") == 0)
			continue;
		if ((r = queue_targets(repo, &j, &roles[i], e)) != 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(roles[i].name, "root") == 0 || strcmp(roles[i].name, "targets") == 0)
			continue;
		if ((r = queue_role(repo, &j, &roles[i], e)) != 0)
			goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(roles[i].name, "targets") == 0 && (r = queue_role(repo, &j, &roles[i], e)) != 0)
			goto out;
	if (snap != NULL) {
		(void)tr_role_name("snapshot", repo->consistent ? ta_meta_version(snap) : 0, vname,
		    sizeof(vname));
		if ((r = journal_put(&j, vname, snap_bytes, snap_len, e)) != 0)
			goto out;
	}
	if (root_staged) {
		for (i = 0; i < n; i++)
			if (strcmp(roles[i].name, "root") == 0) {
				root_bytes = roles[i].bytes;
				root_len = roles[i].len;
			}
		(void)tr_role_name("root", ta_meta_version(root), vname, sizeof(vname));
		if ((r = journal_put(&j, vname, root_bytes, root_len, e)) != 0 ||
		    (r = journal_put(&j, "root.json", root_bytes, root_len, e)) != 0 ||
		    (r = journal_rm(&j, TUFCTL_REPO_PRIVATE "/staged/root.json", e)) != 0)
			goto out;
	}
	if ((r = journal_put(&j, "timestamp.json", ts_bytes, ts_len, e)) != 0)
		goto out;
	r = journal_commit(repo, &j, e);
	journal_open = false;
	if (r == 0 && root_staged && json_object_get(repo->config, "previous_root_signers") != NULL) {
		(void)json_object_del(repo->config, "previous_root_signers");
		r = tr_config_save(repo, e);
	}
	if (r == 0 && !o->quiet && !tufctl.json)
		(void)printf("published %s: %zu role%s, snapshot v%lld, timestamp v%lld\n", repo->dir,
		    n, n == 1 ? "" : "s", snap != NULL ? (long long)ta_meta_version(snap) :
							 (long long)tr_published_version(repo, "snapshot"),
		    (long long)ta_meta_version(ts));
out:
	if (journal_open)
		journal_abort(&j);
	if (sg.agent != NULL)
		tufctl_agent_close(sg.agent);
	free(jobs);
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
