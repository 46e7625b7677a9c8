/* The repository store (client/repo.h): DIR's private folder, the
 * published state read back, staged roles. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client/files.h"
#include "client/repo.h"
#include "common/err.h"
#include "common/hex.h"
#include "tuf/bins.h"

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

void
tr_sha256_hex(const void *p, size_t len, char out[65])
{
	uint8_t md[32];

	(void)EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL);
	ta_hex(out, md, sizeof(md));
}

int
tr_path(const struct tr_repo *repo, char *buf, size_t cap, struct tn_error *e, const char *fmt,
    ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, cap, "%s/", repo->dir);
	if (n < 0 || (size_t)n >= cap)
		return tn_fail(e, TA_ERR_TOO_LARGE, "path under '%s' too long", repo->dir);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return tn_fail(e, TA_ERR_TOO_LARGE, "path under '%s' too long", repo->dir);
	return 0;
}

/* encodeURIComponent's unreserved set: what tuf-js leaves as it is in a
 * role's file name. */
static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_.!~*'()", c) != NULL;
}

int
tr_role_name(const char *role, int64_t version, char *buf, size_t cap)
{
	size_t n = 0;
	int k;

	k = version > 0 ? snprintf(buf, cap, "%lld.", (long long)version) : snprintf(buf, cap, "%s", "");
	if (k < 0 || (size_t)k >= cap)
		return TA_ERR_TOO_LARGE;
	n = (size_t)k;
	for (const unsigned char *p = (const unsigned char *)role; *p != '\0'; p++) {
		if (n + 4 >= cap)
			return TA_ERR_TOO_LARGE;
		if (unreserved(*p))
			buf[n++] = (char)*p;
		else
			n += (size_t)snprintf(buf + n, cap - n, "%%%02X", *p);
	}
	if (n + 6 >= cap)
		return TA_ERR_TOO_LARGE;
	memcpy(buf + n, ".json", 6);
	return 0;
}

/* ---- configuration ------------------------------------------------------------------ */

int
tr_config_save(struct tr_repo *repo, struct tn_error *e)
{
	char p[4096];
	int r;

	if ((r = tr_path(repo, p, sizeof(p), e, "%s/config.json", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	return tn_write_json(p, repo->config, e);
}

/* The bins prefix a role name belongs to, or NULL. */
static const char *
bins_prefix(const struct tr_repo *repo, const char *role)
{
	const json_t *bins = json_object_get(repo->config, "bins");

	for (void *it = json_object_iter((json_t *)(uintptr_t)bins); it != NULL;
	     it = json_object_iter_next((json_t *)(uintptr_t)bins, it)) {
		const char *prefix = json_object_iter_key(it);
		size_t n = strlen(prefix);

		if (strncmp(role, prefix, n) == 0 && role[n] == '-')
			return prefix;
	}
	return NULL;
}

int64_t
tr_expires_days(const struct tr_repo *repo, const char *role)
{
	const json_t *ex = json_object_get(repo->config, "expires");
	const char *prefix = bins_prefix(repo, role);
	const json_t *v = json_object_get(ex, prefix != NULL ? prefix : role);
	enum ta_role_type t;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v);
	if (strcmp(role, "root") == 0)
		return TR_DAYS_ROOT;
	if (strcmp(role, "snapshot") == 0)
		return TR_DAYS_SNAPSHOT;
	if (strcmp(role, "timestamp") == 0)
		return TR_DAYS_TIMESTAMP;
	if (ta_role_type_of(TA_PROFILE_TUF, role, &t) == 0 && strcmp(role, "targets") != 0 &&
	    json_is_integer(v = json_object_get(ex, "targets")) && json_integer_value(v) > 0)
		return json_integer_value(v);
	return TR_DAYS_TARGETS;
}

const json_t *
tr_signers(const struct tr_repo *repo, const char *role)
{
	static json_t *empty;
	const json_t *s = json_object_get(repo->config, "signers");
	const char *prefix = bins_prefix(repo, role);
	const json_t *v = json_object_get(s, prefix != NULL ? prefix : role);

	if (json_is_array(v))
		return v;
	if (empty == NULL)
		empty = json_array();
	return empty;
}

int
tr_set_signers(struct tr_repo *repo, const char *role, json_t *keys)
{
	json_t *s = json_object_get(repo->config, "signers");

	if (s == NULL) {
		if ((s = json_object()) == NULL || json_object_set_new(repo->config, "signers", s) != 0) {
			json_decref(keys);
			return TA_ERR_NOMEM;
		}
	}
	return json_object_set_new(s, role, keys) != 0 ? TA_ERR_NOMEM : 0;
}

/* ---- open and close ------------------------------------------------------------------- */

void
tr_close(struct tr_repo *repo)
{
	if (repo == NULL)
		return;
	if (repo->lock_fd >= 0)
		(void)close(repo->lock_fd);
	json_decref(repo->config);
	json_decref(repo->snapshot);
	free(repo->dir);
	free(repo);
}

int
tr_open(const char *dir, bool create, struct tr_repo **ret, struct tn_error *e)
{
	struct tr_repo *repo;
	char p[4096];
	size_t n;
	int r;

	*ret = NULL;
	if ((repo = calloc(1, sizeof(*repo))) == NULL)
		return nomem(e);
	repo->lock_fd = -1;
	repo->now = time(NULL);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if ((repo->dir = strndup(dir, n)) == NULL) {
		r = nomem(e);
		goto fail;
	}
	if ((r = tr_path(repo, p, sizeof(p), e, "%s", TUFCTL_REPO_PRIVATE)) != 0)
		goto fail;
	if (create) {
		if ((r = tn_mkdir_p(p, e)) != 0)
			goto fail;
	} else if (access(p, F_OK) != 0) {
		r = tn_fail(e, TA_ERR_NOT_FOUND,
		    "'%s' is not a tufctl repository (no %s/); make one with tufctl repo init",
		    repo->dir, TUFCTL_REPO_PRIVATE);
		goto fail;
	}
	if ((r = tr_path(repo, p, sizeof(p), e, "%s/lock", TUFCTL_REPO_PRIVATE)) != 0)
		goto fail;
	if ((repo->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot open '%s': %s", p, strerror(errno));
		goto fail;
	}
	if (flock(repo->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		r = tn_fail(e, TA_ERR_EXISTS,
		    "'%s' is in use by another tufctl (the lock %s is held); try again when it "
		    "is done",
		    repo->dir, p);
		goto fail;
	}
	if ((r = tr_recover(repo, e)) != 0)
		goto fail;
	if ((r = tr_path(repo, p, sizeof(p), e, "%s/config.json", TUFCTL_REPO_PRIVATE)) != 0)
		goto fail;
	r = tn_read_json(p, 1 << 20, &repo->config, e);
	if (r == TA_ERR_NOT_FOUND && create)
		r = (repo->config = json_object()) == NULL ? nomem(e) : 0;
	else if (r == TA_ERR_NOT_FOUND)
		r = tn_fail(e, r, "'%s' has no configuration; make it again with tufctl repo init",
		    repo->dir);
	if (r != 0)
		goto fail;
	if (!json_is_object(repo->config)) {
		r = tn_fail(e, TA_ERR_FORMAT, "'%s': not a JSON object", p);
		goto fail;
	}
	repo->consistent = json_is_true(json_object_get(repo->config, "consistent_snapshot"));
	*ret = repo;
	return 0;
fail:
	tr_close(repo);
	return r;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT ? -1 : 0;
}

int
tr_remove_private(struct tr_repo *repo)
{
	char p[4096];

	if (tr_path(repo, p, sizeof(p), NULL, "%s", TUFCTL_REPO_PRIVATE) != 0)
		return TA_ERR_TOO_LARGE;
	return nftw(p, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 ? TA_ERR_SYSTEM : 0;
}

/* ---- the published state ------------------------------------------------------------- */

static int
read_meta(const char *path, const char *role, struct ta_meta **ret, uint8_t **ret_bytes,
    size_t *ret_len, struct tn_error *e)
{
	struct ta_json_error je;
	uint8_t *buf = NULL;
	size_t len;
	int r;

	*ret = NULL;
	if ((r = tn_read_file(path, TR_META_MAX, &buf, &len, e)) != 0)
		return r;
	if ((r = ta_meta_parse(buf, len, TA_PROFILE_TUF, role, ret, &je)) != 0) {
		r = tn_fail(e, r, "'%s' is not %s metadata: %s", path, role,
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		free(buf);
		return r;
	}
	if (ret_bytes != NULL) {
		*ret_bytes = buf;
		*ret_len = len;
	} else {
		free(buf);
	}
	return 0;
}

int
tr_published_root(struct tr_repo *repo, struct ta_meta **ret, uint8_t **ret_bytes,
    size_t *ret_len, struct tn_error *e)
{
	char p[4096];
	int r;

	if ((r = tr_path(repo, p, sizeof(p), e, "root.json")) != 0)
		return r;
	return read_meta(p, "root", ret, ret_bytes, ret_len, e);
}

/* Reads timestamp.json and the snapshot it names into the cache. */
static int
load_snapshot(struct tr_repo *repo, struct tn_error *e)
{
	struct ta_meta *ts = NULL, *sn = NULL;
	const json_t *v;
	char name[64], p[4096];
	int r;

	if (repo->snapshot != NULL)
		return 0;
	if ((r = tr_path(repo, p, sizeof(p), e, "timestamp.json")) != 0)
		return r;
	if ((r = read_meta(p, "timestamp", &ts, NULL, NULL, e)) != 0)
		return r;
	repo->timestamp_version = ta_meta_version(ts);
	v = json_object_get(json_object_get(json_object_get(ts->signed_v, "meta"), "snapshot.json"),
	    "version");
	repo->snapshot_version = json_integer_value(v);
	ta_meta_free(ts);
	(void)tr_role_name("snapshot", repo->consistent ? repo->snapshot_version : 0, name,
	    sizeof(name));
	if ((r = tr_path(repo, p, sizeof(p), e, "%s", name)) != 0 ||
	    (r = read_meta(p, "snapshot", &sn, NULL, NULL, e)) != 0)
		return r;
	repo->snapshot = json_incref(sn->signed_v);
	ta_meta_free(sn);
	return 0;
}

int64_t
tr_published_version(struct tr_repo *repo, const char *role)
{
	char key[TA_ROLE_NAME_MAX + 8];

	if (strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0) {
		if (load_snapshot(repo, NULL) != 0)
			return 0;
		return strcmp(role, "snapshot") == 0 ? repo->snapshot_version :
							repo->timestamp_version;
	}
	if (load_snapshot(repo, NULL) != 0)
		return 0;
	(void)snprintf(key, sizeof(key), "%s.json", role);
	return json_integer_value(
	    json_object_get(json_object_get(json_object_get(repo->snapshot, "meta"), key), "version"));
}

int
tr_published_role(struct tr_repo *repo, const char *role, struct ta_meta **ret,
    uint8_t **ret_bytes, size_t *ret_len, struct tn_error *e)
{
	char name[TA_ROLE_NAME_MAX * 3 + 32], p[4096];
	int64_t v;
	int r;

	*ret = NULL;
	if (strcmp(role, "root") == 0)
		return tr_published_root(repo, ret, ret_bytes, ret_len, e);
	if ((v = tr_published_version(repo, role)) <= 0)
		return TA_ERR_NOT_FOUND;
	/* timestamp.json never carries a version. */
	if (!repo->consistent || strcmp(role, "timestamp") == 0)
		v = 0;
	if ((r = tr_role_name(role, v, name, sizeof(name))) != 0)
		return tn_fail(e, r, "role name '%s' too long", role);
	if ((r = tr_path(repo, p, sizeof(p), e, "%s", name)) != 0)
		return r;
	return read_meta(p, role, ret, ret_bytes, ret_len, e);
}

/* ---- staged roles ------------------------------------------------------------------ */

static int
staged_path(struct tr_repo *repo, const char *role, char *p, size_t cap, struct tn_error *e)
{
	char name[TA_ROLE_NAME_MAX * 3 + 32];
	int r;

	if ((r = tr_role_name(role, 0, name, sizeof(name))) != 0)
		return tn_fail(e, r, "role name '%s' too long", role);
	return tr_path(repo, p, cap, e, "%s/staged/%s", TUFCTL_REPO_PRIVATE, name);
}

int
tr_load(struct tr_repo *repo, const char *role, struct ta_meta **ret, bool *ret_staged,
    struct tn_error *e)
{
	char p[4096];
	int r;

	*ret_staged = false;
	if ((r = staged_path(repo, role, p, sizeof(p), e)) != 0)
		return r;
	r = read_meta(p, role, ret, NULL, NULL, e);
	if (r == 0)
		*ret_staged = true;
	if (r != TA_ERR_NOT_FOUND)
		return r;
	return tr_published_role(repo, role, ret, NULL, NULL, e);
}

/* A staged file is replaced by a rename (a kill leaves the old or the new
 * one) but not fsync()ed: staging 16,384 bins must not cost 16,384 disk
 * flushes, and nothing staged is published before the publish's syncfs(). */
static int
write_staged(const char *path, const uint8_t *data, size_t len, struct tn_error *e)
{
	char tmp[4096 + 8];
	size_t off = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return tn_fail(e, TA_ERR_TOO_LARGE, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == ENOENT) {
		char dir[4096];
		char *slash;

		(void)snprintf(dir, sizeof(dir), "%s", path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			if (tn_mkdir_p(dir, e) != 0)
				return TA_ERR_SYSTEM;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot create '%s': %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = errno != 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err != 0) {
		(void)unlink(tmp);
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write '%s': %s", path, strerror(err));
	}
	return 0;
}

int
tr_stage_write_bytes(struct tr_repo *repo, const char *role, const uint8_t *file, size_t len,
    struct tn_error *e)
{
	char p[4096];
	int r;

	if ((r = staged_path(repo, role, p, sizeof(p), e)) != 0)
		return r;
	return write_staged(p, file, len, e);
}

int
tr_stage_write(struct tr_repo *repo, const char *role, const struct ta_meta *m,
    struct tn_error *e)
{
	uint8_t *buf = NULL;
	size_t len;
	char p[4096];
	int r;

	if ((r = staged_path(repo, role, p, sizeof(p), e)) != 0)
		return r;
	if ((r = ta_meta_write(m, &buf, &len)) != 0)
		return tn_fail(e, r, "%s: cannot write the metadata: %s", role, ta_strerror(r));
	r = write_staged(p, buf, len, e);
	free(buf);
	return r;
}

int
tr_stage(struct tr_repo *repo, const char *role, struct ta_meta *m, bool staged,
    struct tn_error *e)
{
	int64_t days = tr_expires_days(repo, role);
	int r = 0;

	if (!staged) {
		int64_t v = strcmp(role, "root") == 0 ? ta_meta_version(m) :
							tr_published_version(repo, role);

		if (v < 0)
			v = 0;
		if ((r = ta_meta_set_version(m, v + 1)) != 0 ||
		    (r = ta_meta_set_expires(m, repo->now + (time_t)days * 86400)) != 0)
			return tn_fail(e, r, "%s: %s", role, ta_strerror(r));
	}
	ta_meta_clear_signatures(m);
	return tr_stage_write(repo, role, m, e);
}

int
tr_unstage(struct tr_repo *repo, const char *role, struct tn_error *e)
{
	char p[4096];
	int r;

	if ((r = staged_path(repo, role, p, sizeof(p), e)) != 0)
		return r;
	if (unlink(p) != 0 && errno != ENOENT)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
	return 0;
}

/* Undoes tr_role_name's encoding of a file name (without ".json"). */
static int
role_of_file(const char *name, char *buf, size_t cap)
{
	size_t n = 0, len = strlen(name);

	if (len < 6 || strcmp(name + len - 5, ".json") != 0)
		return TA_ERR_INVALID;
	len -= 5;
	for (size_t i = 0; i < len; i++) {
		int hi = i + 2 < len ? ta_hex_value(name[i + 1]) : -1;
		int lo = i + 2 < len ? ta_hex_value(name[i + 2]) : -1;

		if (n + 1 >= cap)
			return TA_ERR_TOO_LARGE;
		if (name[i] == '%' && hi >= 0 && lo >= 0) {
			buf[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			buf[n++] = name[i];
		}
	}
	buf[n] = '\0';
	return 0;
}

int
tr_staged_roles(struct tr_repo *repo, json_t **ret, struct tn_error *e)
{
	char p[4096], role[TA_ROLE_NAME_MAX + 1];
	struct dirent **list = NULL;
	json_t *a;
	int n, r;

	*ret = NULL;
	if ((r = tr_path(repo, p, sizeof(p), e, "%s/staged", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	if ((a = json_array()) == NULL)
		return nomem(e);
	if ((n = scandir(p, &list, NULL, alphasort)) < 0) {
		if (errno == ENOENT) {
			*ret = a;
			return 0;
		}
		json_decref(a);
		return tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s': %s", p, strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' &&
		    role_of_file(list[i]->d_name, role, sizeof(role)) == 0)
			r = r != 0 ? r : json_array_append_new(a, json_string(role)) != 0 ? nomem(e) : 0;
		free(list[i]);
	}
	free(list);
	if (r != 0) {
		json_decref(a);
		return r;
	}
	*ret = a;
	return 0;
}

/* ---- where a target goes -------------------------------------------------------------- */

int
tr_role_for_path(struct tr_repo *repo, const char *path, char *buf, size_t cap,
    struct tn_error *e)
{
	char role[TA_ROLE_NAME_MAX + 1] = "targets";
	int depth;

	for (depth = 0; depth < 32; depth++) {
		struct ta_meta *m = NULL;
		const json_t *dl, *sr, *roles, *d;
		const char *next = NULL;
		bool staged;
		size_t i;
		int r;

		if ((r = tr_load(repo, role, &m, &staged, e)) != 0)
			return r;
		dl = json_object_get(m->signed_v, "delegations");
		sr = json_object_get(dl, "succinct_roles");
		roles = json_object_get(dl, "roles");
		if (sr != NULL) {
			const char *prefix = json_string_value(json_object_get(sr, "name_prefix"));
			int64_t bits = json_integer_value(json_object_get(sr, "bit_length"));
			char bin[TA_ROLE_NAME_MAX + 1];

			int64_t idx = ta_bins_for_path((unsigned)bits, path);

			r = idx < 0 ? (int)idx :
				      ta_bins_name(prefix, (unsigned)bits, (uint32_t)idx, bin, sizeof(bin));
			ta_meta_free(m);
			if (r != 0)
				return tn_fail(e, r, "%s: malformed succinct_roles", role);
			if (strlen(bin) >= cap)
				return tn_fail(e, TA_ERR_TOO_LARGE, "role name too long");
			memcpy(buf, bin, strlen(bin) + 1);
			return 0;
		}
		json_array_foreach(roles, i, d)
		{
			if (ta_delegation_covers(TA_PROFILE_TUF, d, path)) {
				next = json_string_value(json_object_get(d, "name"));
				break;
			}
		}
		if (next == NULL || strlen(next) >= sizeof(role)) {
			ta_meta_free(m);
			break;
		}
		memmove(role, next, strlen(next) + 1);
		ta_meta_free(m);
	}
	if (strlen(role) >= cap)
		return tn_fail(e, TA_ERR_TOO_LARGE, "role name too long");
	memcpy(buf, role, strlen(role) + 1);
	return 0;
}
