/* Key scopes kept by the agent (agent/scope.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/scope.h"
#include "common/err.h"

#define ID_LEN 64

struct entry {
	char id[ID_LEN + 1];
	char label[TA_PROTO_LABEL_MAX + 1];
	struct ta_proto_scope s;
};

struct ta_scopes {
	pthread_mutex_t lock; /* n, e and the file */
	char path[4096];      /* scopes.json */
	char dir[4096];
	size_t n;
	struct entry *e;
};

int
ta_scope_default_dir(char *dst, size_t len)
{
	const char *sd = getenv("STATE_DIRECTORY"), *x = getenv("XDG_STATE_HOME"),
		   *home = getenv("HOME");
	int n;

	if (sd != NULL && sd[0] == '/') {
		/* systemd lists one path per StateDirectory= entry, ':'-separated. */
		size_t l = strcspn(sd, ":");

		n = snprintf(dst, len, "%.*s", (int)l, sd);
	} else if (geteuid() == 0) {
		n = snprintf(dst, len, "/var/lib/tuf-agent");
	} else if (x != NULL && x[0] == '/') {
		n = snprintf(dst, len, "%s/tuf-agent", x);
	} else if (home != NULL && home[0] == '/') {
		n = snprintf(dst, len, "%s/.local/state/tuf-agent", home);
	} else {
		return TA_ERR_NOT_FOUND;
	}
	return n < 0 || (size_t)n >= len ? TA_ERR_TOO_LARGE : 0;
}

/* What must hold of the directory and the file: ours, and nobody else may
 * write them. */
static int
check_owner(const struct stat *st, const char *what, const char *path, char *err, size_t errlen)
{
	if (st->st_uid != geteuid())
		return ta_why_buf(err, errlen, TA_ERR_NOT_AUTHORIZED,
		    "%s %s belongs to uid %u, not to the agent's uid %u: key scopes must be "
		    "the agent's alone",
		    what, path, (unsigned)st->st_uid, (unsigned)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return ta_why_buf(err, errlen, TA_ERR_NOT_AUTHORIZED,
		    "%s %s is writable by group or others (mode %04o): a scope another user "
		    "can write bounds nothing; chmod go-w it",
		    what, path, (unsigned)(st->st_mode & 07777));
	return 0;
}

/* The entries of a scopes file's text into st (empty on entry). */
static int
parse(struct ta_scopes *st, const char *text, size_t len, char *err, size_t errlen)
{
	json_t *root = NULL, *keys, *v;
	json_error_t je;
	const char *id;
	char why[256];
	int r = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ta_why_buf(
		    err, errlen, TA_ERR_FORMAT, "%s: line %d: %s", st->path, je.line, je.text);
	keys = json_object_get(root, "keys");
	if (!json_is_object(root) || json_integer_value(json_object_get(root, "version")) != 1 ||
	    !json_is_integer(json_object_get(root, "version")) || !json_is_object(keys) ||
	    json_object_size(root) != 2) {
		r = ta_why_buf(err, errlen, TA_ERR_FORMAT,
		    "%s: not a scopes file of version 1 ({\"version\":1,\"keys\":{...}})",
		    st->path);
		goto out;
	}
	if ((st->e = calloc(json_object_size(keys) + 1, sizeof(*st->e))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	json_object_foreach(keys, id, v)
	{
		struct entry *e = &st->e[st->n];
		const char *label = json_string_value(json_object_get(v, "label"));

		if (strlen(id) != ID_LEN || strspn(id, "0123456789abcdef") != ID_LEN ||
		    label == NULL || strlen(label) > TA_PROTO_LABEL_MAX ||
		    json_object_size(v) != 2) {
			r = ta_why_buf(err, errlen, TA_ERR_FORMAT,
			    "%s: keys: each entry is a key ID (64 lower-case hex digits) and "
			    "{\"label\":L,\"scope\":SCOPE}",
			    st->path);
			goto out;
		}
		if ((r = ta_proto_scope_decode(
			 json_object_get(v, "scope"), "scope", &e->s, why, sizeof(why))) != 0) {
			r = ta_why_buf(
			    err, errlen, TA_ERR_FORMAT, "%s: key %.16s...: %s", st->path, id, why);
			goto out;
		}
		memcpy(e->id, id, ID_LEN + 1);
		(void)snprintf(e->label, sizeof(e->label), "%s", label);
		st->n++;
	}
out:
	json_decref(root);
	return r;
}

static int
load(struct ta_scopes *st, char *err, size_t errlen)
{
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(st->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return ta_why_buf(err, errlen, TA_ERR_SYSTEM, "%s: %s", st->path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		r = ta_why_buf(err, errlen, TA_ERR_SYSTEM, "%s: %s", st->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = ta_why_buf(err, errlen, TA_ERR_INVALID, "%s: not a regular file", st->path);
		goto out;
	}
	if ((r = check_owner(&sb, "scopes file", st->path, err, errlen)) != 0)
		goto out;
	if ((size_t)sb.st_size > TA_SCOPE_FILE_MAX) {
		r = ta_why_buf(err, errlen, TA_ERR_TOO_LARGE, "%s: over %zu bytes", st->path,
		    TA_SCOPE_FILE_MAX);
		goto out;
	}
	if ((text = malloc((size_t)sb.st_size + 1)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	while (len < (size_t)sb.st_size + 1 &&
	       ((n = read(fd, text + len, (size_t)sb.st_size + 1 - len)) > 0 ||
		   (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	if (len > (size_t)sb.st_size) { /* it grew under us */
		r = ta_why_buf(err, errlen, TA_ERR_TOO_LARGE, "%s: changed while read", st->path);
		goto out;
	}
	r = parse(st, text, len, err, errlen);
out:
	free(text);
	(void)close(fd);
	return r;
}

int
ta__scopes_parse(const char *text, size_t len, size_t *ret_n)
{
	struct ta_scopes st = {.path = "scopes.json"};
	char err[256];
	int r = parse(&st, text, len, err, sizeof(err));

	if (r == 0)
		*ret_n = st.n;
	free(st.e);
	return r;
}

int
ta_scopes_open(const char *dir, struct ta_scopes **ret, char *err, size_t errlen)
{
	struct ta_scopes *st;
	struct stat sb;
	int r;

	*ret = NULL;
	if (dir == NULL || dir[0] != '/')
		return ta_why_buf(err, errlen, TA_ERR_INVALID, "state directory must be absolute");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return TA_ERR_NOMEM;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		return TA_ERR_NOMEM;
	}
	if ((size_t)snprintf(st->dir, sizeof(st->dir), "%s", dir) >= sizeof(st->dir) ||
	    (size_t)snprintf(st->path, sizeof(st->path), "%s/%s", dir, TA_SCOPE_FILE) >=
		sizeof(st->path)) {
		r = ta_why_buf(err, errlen, TA_ERR_TOO_LARGE, "state directory path too long");
		goto fail;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		r = ta_why_buf(
		    err, errlen, TA_ERR_SYSTEM, "state directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		r = ta_why_buf(
		    err, errlen, TA_ERR_INVALID, "state directory %s: not a directory", dir);
		goto fail;
	}
	if ((r = check_owner(&sb, "state directory", dir, err, errlen)) != 0 ||
	    (r = load(st, err, errlen)) != 0)
		goto fail;
	*ret = st;
	return 0;
fail:
	ta_scopes_free(st);
	return r;
}

void
ta_scopes_free(struct ta_scopes *st)
{
	if (st == NULL)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st->e);
	free(st);
}

static struct entry *
find(struct ta_scopes *st, const char *id)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->e[i].id, id) == 0)
			return &st->e[i];
	return NULL;
}

int
ta_scopes_get(struct ta_scopes *st, const char *keyid, struct ta_proto_scope *ret)
{
	const struct entry *e;
	int r = TA_ERR_NOT_FOUND;

	if (st == NULL || keyid == NULL)
		return TA_ERR_NOT_FOUND;
	pthread_mutex_lock(&st->lock);
	if ((e = find(st, keyid)) != NULL) {
		*ret = e->s;
		r = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

/* The file for entries e[0..n), skipping index skip (SIZE_MAX: none). */
static int
write_file(const struct ta_scopes *st, const struct entry *e, size_t n, size_t skip)
{
	json_t *root = NULL, *keys = json_object();
	char tmp[4200];
	char *text = NULL;
	size_t len;
	int fd = -1, dfd = -1, r = TA_ERR_NOMEM;

	for (size_t i = 0; keys != NULL && i < n; i++) {
		json_t *s;

		if (i == skip)
			continue;
		if ((s = ta_proto_scope_json(&e[i].s)) == NULL ||
		    json_object_set_new(keys, e[i].id,
			json_pack("{s:s, s:o}", "label", e[i].label, "scope", s)) != 0)
			goto out;
	}
	if (keys == NULL || (root = json_pack("{s:i, s:O}", "version", 1, "keys", keys)) == NULL ||
	    (text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS)) == NULL)
		goto out;
	len = strlen(text);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	r = TA_ERR_SYSTEM;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, st->path) != 0)
		goto out;
	if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		(void)fsync(dfd);
	r = 0;
out:
	if (fd >= 0) {
		(void)close(fd);
		(void)unlink(tmp);
	}
	if (dfd >= 0)
		(void)close(dfd);
	free(text);
	json_decref(root);
	json_decref(keys);
	return r;
}

int
ta_scopes_put(struct ta_scopes *st, const char *keyid, const char *label,
    const struct ta_proto_scope *s)
{
	struct entry *e, *ne = NULL;
	size_t idx;
	int r;

	if (st == NULL || keyid == NULL || strlen(keyid) != ID_LEN)
		return TA_ERR_INVALID;
	pthread_mutex_lock(&st->lock);
	e = find(st, keyid);
	if (s == NULL) {
		r = 0;
		if (e != NULL) {
			idx = (size_t)(e - st->e);
			if ((r = write_file(st, st->e, st->n, idx)) == 0) {
				memmove(e, e + 1, (st->n - idx - 1) * sizeof(*e));
				st->n--;
			}
		}
		goto out;
	}
	if ((ne = calloc(st->n + 1, sizeof(*ne))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (st->n > 0)
		memcpy(ne, st->e, st->n * sizeof(*ne));
	idx = e != NULL ? (size_t)(e - st->e) : st->n;
	memcpy(ne[idx].id, keyid, ID_LEN + 1);
	(void)snprintf(ne[idx].label, sizeof(ne[idx].label), "%s", label != NULL ? label : "");
	ne[idx].s = *s;
	if ((r = write_file(st, ne, e != NULL ? st->n : st->n + 1, SIZE_MAX)) != 0)
		goto out;
	free(st->e);
	st->e = ne;
	ne = NULL;
	if (e == NULL)
		st->n++;
out:
	pthread_mutex_unlock(&st->lock);
	free(ne);
	return r;
}

/* ---- pure helpers --------------------------------------------------------- */

static int
list_union(char *dst, size_t *n, const char *src, size_t m, size_t stride)
{
	for (size_t i = 0; i < m; i++) {
		const char *s = src + i * stride;
		bool have = false;

		for (size_t j = 0; j < *n && !have; j++)
			have = strcmp(dst + j * stride, s) == 0;
		if (have)
			continue;
		if (*n == TA_PROTO_SCOPE_MAX)
			return TA_ERR_TOO_LARGE;
		memcpy(dst + *n * stride, s, stride);
		(*n)++;
	}
	return 0;
}

int
ta_scope_union(const struct ta_proto_scope *a, const struct ta_proto_scope *b,
    struct ta_proto_scope *ret)
{
	struct ta_proto_scope u = *a;
	int r;

	if (a->profile != b->profile)
		return TA_ERR_INVALID;
	if ((r = list_union(&u.guns[0][0], &u.n_guns, &b->guns[0][0], b->n_guns,
		 sizeof(u.guns[0]))) != 0 ||
	    (r = list_union(&u.roles[0][0], &u.n_roles, &b->roles[0][0], b->n_roles,
		 sizeof(u.roles[0]))) != 0)
		return r;
	*ret = u;
	return 0;
}

static size_t
put_list(char *dst, size_t len, size_t used, const char *rows, size_t stride, size_t n)
{
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(dst + used, len - used, "%s%s", i > 0 ? ", " : "",
		    rows + i * stride);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return used;
}

void
ta_scope_describe(const struct ta_proto_scope *s, char *dst, size_t len)
{
	const char *p = ta_proto_profile_name(s->profile);
	size_t used;
	int w;

	if (len == 0)
		return;
	w = snprintf(dst, len, "%s%sgun ", p != NULL ? p : "", p != NULL ? " " : "");
	used = w < 0 ? 0 : (size_t)w;
	used = put_list(dst, len, used, &s->guns[0][0], sizeof(s->guns[0]), s->n_guns);
	if (used < len) {
		w = snprintf(dst + used, len - used, "; roles ");
		used += w < 0 ? 0 : (size_t)w;
	}
	if (used < len)
		(void)put_list(dst, len, used, &s->roles[0][0], sizeof(s->roles[0]), s->n_roles);
}
