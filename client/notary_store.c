/* The trust directory (client/notary_store.h): a GUN's directory and its
 * lock, staged changes, root certificates, and the verified metadata last
 * seen, loaded and saved.  Nothing here talks to a server. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/files.h"
#include "client/notary_store.h"
#include "common/err.h"
#include "tuf/json.h"

#define STAGED_MAX (64u << 20)
#define LOCK_WAIT_S 10

static int
nomem(struct tn_error *e)
{
	return tn_fail(e, TA_ERR_NOMEM, "out of memory");
}

/* ---- GUNs and paths ------------------------------------------------------------ */

bool
tn_gun_valid(const char *gun)
{
	size_t n = 0, seg = 0;

	if (gun == NULL)
		return false;
	for (const char *p = gun;; p++, n++) {
		if (*p == '/' || *p == '\0') {
			/* p - seg .. p is the segment just ended */
			if (seg == 0 || (seg == 1 && p[-1] == '.') ||
			    (seg == 2 && p[-1] == '.' && p[-2] == '.'))
				return false;
			if (*p == '\0')
				break;
			seg = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == ':'))
			return false;
		seg++;
	}
	return n >= 1 && n <= 255;
}

int
tn_trust_root(const char *trust_dir, char **ret, struct tn_error *e)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (trust_dir != NULL)
		n = asprintf(ret, "%s", trust_dir);
	else if (x != NULL && *x == '/')
		n = asprintf(ret, "%s/tufctl/notary", x);
	else if (home != NULL && *home == '/')
		n = asprintf(ret, "%s/.local/share/tufctl/notary", home);
	else
		return tn_fail(e, TA_ERR_INVALID,
		    "no trust directory: neither XDG_DATA_HOME nor HOME is set; give --trust-dir");
	if (n < 0) {
		*ret = NULL;
		return nomem(e);
	}
	return 0;
}

/* A host name's characters (no percent-encoding, which curl would
 * decode: such a URL is refused rather than named differently). */
static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_' || c == '~';
}

/* A host whose last label is all digits is an IPv4 address to curl, which
 * rewrites short and hex forms (1.2.3 -> 1.2.0.3): only the dotted quad
 * that it leaves alone is taken. */
static bool
ipv4_ok(const char *h, size_t n)
{
	size_t parts = 0, i = 0;

	for (;;) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && h[i] >= '0' && h[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(h[i++] - '0');
		if (i == start || v > 255 || (h[start] == '0' && i - start > 1))
			return false;
		parts++;
		if (i == n)
			return parts == 4;
		if (h[i++] != '.')
			return false;
	}
}

int
tn_server_dir_name(const char *url, char **ret, struct tn_error *e)
{
	const char *p, *auth, *auth_end, *at, *host, *colon = NULL;
	size_t hn, i;
	unsigned long port = 0;
	bool https;

	*ret = NULL;
	if (url == NULL)
		return tn_fail(e, TA_ERR_INVALID, "no server URL given");
	if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		auth = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		auth = url + 8;
	} else {
		return tn_fail(e, TA_ERR_INVALID,
		    "'%s': a notary server is reached by http:// or https://", url);
	}
	auth_end = auth + strcspn(auth, "/?#");
	/* user:password@ is dropped here (the HTTP layer refuses it). */
	host = auth;
	for (at = auth; at < auth_end; at++)
		if (*at == '@')
			host = at + 1;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(auth_end - host));

		if (rb == NULL || rb == host + 1)
			goto bad;
		for (p = host + 1; p < rb; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
				(*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				goto bad;
		hn = (size_t)(rb + 1 - host);
		if (rb + 1 < auth_end && rb[1] != ':')
			goto bad;
		colon = rb + 1 < auth_end ? rb + 1 : NULL;
	} else {
		const char *last;

		colon = memchr(host, ':', (size_t)(auth_end - host));
		hn = (size_t)((colon != NULL ? colon : auth_end) - host);
		if (hn == 0)
			goto bad;
		for (i = 0; i < hn; i++)
			if (!host_char(host[i]))
				goto bad;
		last = host + hn;
		while (last > host && last[-1] != '.')
			last--;
		if (last < host + hn && strspn(last, "0123456789") >= (size_t)(host + hn - last) &&
		    !ipv4_ok(host, hn))
			goto bad;
		if ((hn == 1 && host[0] == '.') || (hn == 2 && host[0] == '.' && host[1] == '.'))
			goto bad;
	}
	if (colon != NULL && colon + 1 < auth_end) {
		for (p = colon + 1; p < auth_end; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				goto bad;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port > 65535)
			goto bad;
	} else {
		port = https ? 443 : 80; /* none, or "host:" */
	}
	if (asprintf(ret, "%.*s:%lu", (int)hn, host, port) < 0) {
		*ret = NULL;
		return nomem(e);
	}
	return 0;
bad:
	return tn_fail(e, TA_ERR_INVALID,
	    "'%s' is not a server URL (http://HOST[:PORT] or https://..., HOST a name, a dotted "
	    "IPv4 address or [IPv6])",
	    url);
}

/* ---- the GUN's directory ---------------------------------------------------------- */

/* The server directories under trust that hold gun/server.json. */
static int
find_server(const char *trust, const char *gun, char **ret, struct tn_error *e)
{
	DIR *d = trust != NULL ? opendir(trust) : NULL;
	struct dirent *de;
	char found[2][NAME_MAX + 1];
	size_t n = 0;
	int r = 0;

	*ret = NULL;
	if (d == NULL)
		return tn_fail(e, TA_ERR_NOT_FOUND,
		    "no trust data for '%s' in %s; give --server URL (or run tufctl notary init)", gun,
		    trust);
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s/%s/server.json", trust, de->d_name, gun) < 0) {
			r = nomem(e);
			goto out;
		}
		if (stat(p, &st) == 0) {
			if (n < 2)
				(void)snprintf(found[n], sizeof(found[n]), "%s", de->d_name);
			n++;
		}
		free(p);
	}
	if (n == 0)
		r = tn_fail(e, TA_ERR_NOT_FOUND,
		    "no trust data for '%s' in %s; give --server URL (or run tufctl notary init)", gun,
		    trust);
	else if (n > 1)
		r = tn_fail(e, TA_ERR_AMBIGUOUS,
		    "'%s' has trust data for several servers (%s, %s%s); say which with --server URL",
		    gun, found[0], found[1], n > 2 ? ", ..." : "");
	else if ((*ret = strdup(found[0])) == NULL)
		r = nomem(e);
out:
	(void)closedir(d);
	return r;
}

static int
take_lock(struct tn_repo *repo, struct tn_error *e)
{
	char *p;
	int i;

	if (asprintf(&p, "%s/lock", repo->dir) < 0)
		return nomem(e);
	repo->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(p);
	if (repo->lock_fd < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot open the lock in %s: %s", repo->dir,
		    strerror(errno));
	for (i = 0; i < LOCK_WAIT_S * 10; i++) {
		if (flock(repo->lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		(void)usleep(100000);
	}
	return tn_fail(e, TA_ERR_TOKEN_BUSY,
	    "another tufctl is working on %s; wait for it to finish and try again", repo->dir);
}

int
tn_repo_open(const char *trust_dir, const char *gun, const char *url, const char *tls_ca,
    bool create, bool lock, struct tn_repo **ret, struct tn_error *e)
{
	struct tn_repo *repo;
	char *sname = NULL, *p = NULL;
	json_t *cfg = NULL;
	struct stat st;
	int r;

	*ret = NULL;
	if (!tn_gun_valid(gun))
		return tn_fail(e, TA_ERR_INVALID,
		    "'%s' is not a GUN tufctl accepts (a docker repository name such as "
		    "registry.example.com/team/app: letters, digits, '.', '_', '-', ':' and '/')",
		    gun);
	if ((repo = calloc(1, sizeof(*repo))) == NULL)
		return nomem(e);
	repo->lock_fd = -1;
	if ((repo->gun = strdup(gun)) == NULL) {
		r = nomem(e);
		goto out;
	}
	if ((r = tn_trust_root(trust_dir, &repo->trust, e)) != 0)
		goto out;
	if (url != NULL)
		r = tn_server_dir_name(url, &sname, e);
	else
		r = find_server(repo->trust, gun, &sname, e);
	if (r != 0)
		goto out;
	if (asprintf(&repo->dir, "%s/%s/%s", repo->trust, sname, gun) < 0 ||
	    asprintf(&p, "%s/server.json", repo->dir) < 0) {
		repo->dir = NULL;
		p = NULL;
		r = nomem(e);
		goto out;
	}
	repo->exists = stat(p, &st) == 0;
	if (!repo->exists) {
		if (!create) {
			r = tn_fail(e, TA_ERR_NOT_FOUND,
			    "no trust data for '%s' from %s in %s; run tufctl notary init or "
			    "tufctl notary list first",
			    gun, sname, repo->trust);
			goto out;
		}
		if ((r = tn_mkdir_p(repo->dir, e)) != 0)
			goto out;
		if ((cfg = json_pack("{s:s}", "url", url)) == NULL ||
		    (tls_ca != NULL && json_object_set_new(cfg, "tls_ca", json_string(tls_ca)) != 0)) {
			r = nomem(e);
			goto out;
		}
		if ((r = tn_write_json(p, cfg, e)) != 0)
			goto out;
	} else {
		const char *u, *ca;

		if ((r = tn_read_json(p, STAGED_MAX, &cfg, e)) != 0)
			goto out;
		u = json_string_value(json_object_get(cfg, "url"));
		ca = json_string_value(json_object_get(cfg, "tls_ca"));
		if (u == NULL) {
			r = tn_fail(e, TA_ERR_FORMAT, "'%s' has no \"url\"; remove it to start over", p);
			goto out;
		}
		if (url == NULL)
			url = u;
		if (tls_ca == NULL)
			tls_ca = ca;
	}
	if (url == NULL) {
		r = tn_fail(e, TA_ERR_INVALID, "no server URL for '%s'; give --server URL", gun);
		goto out;
	}
	if ((repo->url = strdup(url)) == NULL ||
	    (tls_ca != NULL && (repo->tls_ca = strdup(tls_ca)) == NULL)) {
		r = nomem(e);
		goto out;
	}
	if (lock && (r = take_lock(repo, e)) != 0)
		goto out;
	*ret = repo;
	repo = NULL;
	r = 0;
out:
	json_decref(cfg);
	free(p);
	free(sname);
	tn_repo_close(repo);
	return r;
}

void
tn_repo_close(struct tn_repo *repo)
{
	if (repo == NULL)
		return;
	if (repo->lock_fd >= 0)
		(void)close(repo->lock_fd);
	free(repo->trust);
	free(repo->dir);
	free(repo->gun);
	free(repo->url);
	free(repo->tls_ca);
	free(repo);
}

/* changes/: one file a change, named by a 10-digit sequence number, so
 * that staging one is one small atomic write whatever is staged already. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NNNNNNNNNN.json */
static bool
is_change_name(const char *n)
{
	return strlen(n) == 15 && strspn(n, "0123456789") == 10 && strcmp(n + 10, ".json") == 0;
}

/* changes/ opened for reading: NULL in *ret, and 0, when there is none. */
static int
open_changes(struct tn_repo *repo, DIR **ret, struct tn_error *e)
{
	char *d;
	int err;

	*ret = NULL;
	if (asprintf(&d, "%s/changes", repo->dir) < 0)
		return nomem(e);
	*ret = opendir(d);
	err = errno;
	free(d);
	if (*ret == NULL && err != ENOENT)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot read %s/changes: %s", repo->dir,
		    strerror(err));
	return 0;
}

/* The change files' names, sorted; *ret_n of them.  None: NULL, 0. */
static int
change_names(struct tn_repo *repo, char ***ret, size_t *ret_n, struct tn_error *e)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if ((r = open_changes(repo, &dir, e)) != 0 || dir == NULL)
		return r;
	while ((de = readdir(dir)) != NULL) {
		if (!is_change_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = reallocarray(names, cap ? cap * 2 : 64, sizeof(*names));

			if (nn == NULL) {
				r = nomem(e);
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 64;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			r = nomem(e);
			break;
		}
		n++;
	}
	(void)closedir(dir);
	if (r != 0) {
		while (n > 0)
			free(names[--n]);
		free(names);
		return r;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
tn_repo_staged(struct tn_repo *repo, json_t **ret, struct tn_error *e)
{
	json_t *st, *init = NULL, *c = NULL;
	char **names = NULL, *p = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	if ((st = json_pack("{s:[], s:[]}", "changes", "files")) == NULL)
		return nomem(e);
	if (asprintf(&p, "%s/init.json", repo->dir) < 0) {
		p = NULL;
		r = nomem(e);
		goto out;
	}
	r = tn_read_json(p, STAGED_MAX, &init, e);
	if (r == 0 && json_object_set_new(st, "init", init) != 0)
		r = nomem(e);
	if (r != 0 && r != TA_ERR_NOT_FOUND)
		goto out;
	if ((r = change_names(repo, &names, &n, e)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		free(p);
		if (asprintf(&p, "%s/changes/%s", repo->dir, names[i]) < 0) {
			p = NULL;
			r = nomem(e);
			goto out;
		}
		if ((r = tn_read_json(p, STAGED_MAX, &c, e)) != 0)
			goto out;
		/* A list staged at once is one file holding an array. */
		if (json_is_array(c)) {
			size_t k;
			json_t *one;

			json_array_foreach(c, k, one) {
				if (json_array_append(json_object_get(st, "changes"), one) != 0 ||
				    json_array_append_new(json_object_get(st, "files"),
					json_string(names[i])) != 0) {
					json_decref(c);
					r = nomem(e);
					goto out;
				}
			}
			json_decref(c);
			continue;
		}
		if (json_array_append_new(json_object_get(st, "changes"), c) != 0 ||
		    json_array_append_new(json_object_get(st, "files"), json_string(names[i])) != 0) {
			r = nomem(e);
			goto out;
		}
	}
	*ret = st;
	st = NULL;
	r = 0;
out:
	free_names(names, n);
	free(p);
	json_decref(st);
	return r;
}

/* The highest change number staged (0 for none): one readdir pass, no
 * copies, since an add with thousands staged must stay cheap. */
static int
last_change(struct tn_repo *repo, unsigned long long *ret, struct tn_error *e)
{
	struct dirent *de;
	DIR *dir;
	int r;

	*ret = 0;
	if ((r = open_changes(repo, &dir, e)) != 0 || dir == NULL)
		return r;
	while ((de = readdir(dir)) != NULL) {
		unsigned long long v;

		if (!is_change_name(de->d_name))
			continue;
		if ((v = strtoull(de->d_name, NULL, 10)) > *ret)
			*ret = v;
	}
	(void)closedir(dir);
	return 0;
}

/* The path of the next change file (malloc()ed). */
static int
next_change(struct tn_repo *repo, char **ret, struct tn_error *e)
{
	unsigned long long last;
	int r;

	*ret = NULL;
	if ((r = last_change(repo, &last, e)) != 0)
		return r;
	if (last >= 9999999999ULL)
		return tn_fail(e, TA_ERR_TOO_LARGE, "too many staged changes in %s; publish them",
		    repo->dir);
	if (asprintf(ret, "%s/changes/%010llu.json", repo->dir, last + 1) < 0) {
		*ret = NULL;
		return nomem(e);
	}
	return 0;
}

int
tn_repo_stage(struct tn_repo *repo, const json_t *change, struct tn_error *e)
{
	char *p;
	int r;

	if ((r = next_change(repo, &p, e)) != 0)
		return r;
	r = tn_write_json(p, change, e);
	free(p);
	return r;
}

/* A list file of changes at p.  Compact, one line: thousands of changes
 * stay small and quick to read back. */
static int
write_change_list(const char *p, const json_t *list, struct tn_error *e)
{
	char *s = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	int r;

	if (s == NULL)
		return nomem(e);
	r = tn_write_file(p, s, strlen(s), e);
	free(s);
	return r;
}

int
tn_repo_stage_many(struct tn_repo *repo, const json_t *changes, struct tn_error *e)
{
	char *p;
	int r;

	if (!json_is_array(changes) || json_array_size(changes) == 0)
		return tn_fail(e, TA_ERR_INVALID, "no changes to stage");
	if ((r = next_change(repo, &p, e)) != 0)
		return r;
	r = write_change_list(p, changes, e);
	free(p);
	return r;
}

int
tn_repo_reset(struct tn_repo *repo, size_t *ret_n, struct tn_error *e)
{
	char **names = NULL, *p;
	size_t n = 0;
	int r;

	*ret_n = 0;
	if ((r = change_names(repo, &names, &n, e)) != 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (asprintf(&p, "%s/changes/%s", repo->dir, names[i]) < 0) {
			r = nomem(e);
			break;
		}
		if (unlink(p) != 0 && errno != ENOENT)
			r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
		free(p);
	}
	free_names(names, n);
	if (r == 0)
		*ret_n = n;
	return r;
}

int
tn_repo_set_init(struct tn_repo *repo, const json_t *init, struct tn_error *e)
{
	char *p;
	int r = 0;

	if (asprintf(&p, "%s/init.json", repo->dir) < 0)
		return nomem(e);
	if (init != NULL)
		r = tn_write_json(p, init, e);
	else if (unlink(p) != 0 && errno != ENOENT)
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
	free(p);
	return r;
}

/* Drops change from the list file at p: rewritten without it, or
 * removed when nothing is left. */
static int
unstage_from_list(const char *p, const json_t *change, struct tn_error *e)
{
	json_t *list = NULL;
	size_t i;
	int r;

	if ((r = tn_read_json(p, STAGED_MAX, &list, e)) != 0)
		return r == TA_ERR_NOT_FOUND ? 0 : r;
	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), change))
			break;
	if (i == json_array_size(list)) {
		r = 0;
		goto out;
	}
	(void)json_array_remove(list, i);
	if (json_array_size(list) == 0) {
		if (unlink(p) != 0 && errno != ENOENT)
			r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
		goto out;
	}
	r = write_change_list(p, list, e);
out:
	json_decref(list);
	return r;
}

int
tn_repo_unstage(struct tn_repo *repo, const json_t *staged, size_t i, struct tn_error *e)
{
	const json_t *files = json_object_get(staged, "files");
	const char *name = json_string_value(json_array_get(files, i));
	const char *before = i > 0 ? json_string_value(json_array_get(files, i - 1)) : NULL;
	const char *after = json_string_value(json_array_get(files, i + 1));
	char *p;
	int r = 0;

	if (name == NULL)
		return tn_fail(e, TA_ERR_INTERNAL, "no staged change %zu", i);
	if (asprintf(&p, "%s/changes/%s", repo->dir, name) < 0)
		return nomem(e);
	if ((before != NULL && strcmp(before, name) == 0) ||
	    (after != NULL && strcmp(after, name) == 0))
		r = unstage_from_list(p, json_array_get(json_object_get(staged, "changes"), i), e);
	else if (unlink(p) != 0 && errno != ENOENT)
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
	free(p);
	return r;
}

int
tn_repo_unstage_all(struct tn_repo *repo, const json_t *staged, struct tn_error *e)
{
	const json_t *files = json_object_get(staged, "files");
	const char *prev = NULL;
	size_t i;
	int r = 0;

	for (i = 0; i < json_array_size(files) && r == 0; i++) {
		const char *name = json_string_value(json_array_get(files, i));
		char *p;

		if (name == NULL || (prev != NULL && strcmp(prev, name) == 0))
			continue;
		prev = name;
		if (asprintf(&p, "%s/changes/%s", repo->dir, name) < 0)
			return nomem(e);
		if (unlink(p) != 0 && errno != ENOENT)
			r = tn_fail(e, TA_ERR_SYSTEM, "cannot remove '%s': %s", p, strerror(errno));
		free(p);
	}
	return r;
}

int
tn_repo_put_cert(struct tn_repo *repo, const char *keyid, const char *pem, struct tn_error *e)
{
	char *p;
	int r;

	if (asprintf(&p, "%s/certs/%s.pem", repo->dir, keyid) < 0)
		return nomem(e);
	r = tn_write_file(p, pem, strlen(pem), e);
	free(p);
	return r;
}

int
tn_repo_certs(struct tn_repo *repo, json_t **ret, struct tn_error *e)
{
	char *d;
	DIR *dir;
	struct dirent *de;
	int r = 0;

	if ((*ret = json_array()) == NULL)
		return nomem(e);
	if (asprintf(&d, "%s/certs", repo->dir) < 0)
		return nomem(e);
	if ((dir = opendir(d)) == NULL) {
		free(d);
		return 0;
	}
	while ((de = readdir(dir)) != NULL && r == 0) {
		size_t n = strlen(de->d_name), len;
		uint8_t *b;
		char *p;

		if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0)
			continue;
		if (asprintf(&p, "%s/%s", d, de->d_name) < 0) {
			r = nomem(e);
			break;
		}
		r = tn_read_file(p, 64 << 10, &b, &len, e);
		free(p);
		if (r == 0 && json_array_append_new(*ret, json_stringn((char *)b, len)) != 0)
			r = nomem(e);
		free(b);
	}
	(void)closedir(dir);
	free(d);
	return r;
}

/* ---- states ---------------------------------------------------------------------- */

struct tn_file *
tn_state_get(struct tn_state *st, const char *role)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->files[i].role, role) == 0)
			return &st->files[i];
	return NULL;
}

int
tn_state_put(struct tn_state *st, const char *role, const uint8_t *bytes, size_t len,
    struct tn_error *e)
{
	struct tn_file *f = tn_state_get(st, role), nf = {0};
	struct ta_json_error je;
	int r;

	if (f == NULL && st->n == TN_MAX_ROLES)
		return tn_fail(e, TA_ERR_TOO_LARGE, "more than %d roles in one GUN", TN_MAX_ROLES);
	if ((r = ta_meta_parse(bytes, len, TA_PROFILE_NOTARY, role, &nf.m, &je)) != 0)
		return tn_fail(e, r, "%s: %s", role, je.text[0] ? je.text : ta_strerror(r));
	if ((nf.role = strdup(role)) == NULL || (nf.bytes = malloc(len + 1)) == NULL) {
		free(nf.role);
		ta_meta_free(nf.m);
		return nomem(e);
	}
	memcpy(nf.bytes, bytes, len);
	nf.bytes[len] = '\0';
	nf.len = len;
	if (f != NULL) {
		free(f->role);
		free(f->bytes);
		ta_meta_free(f->m);
		*f = nf;
	} else {
		st->files[st->n++] = nf;
	}
	return 0;
}

void
tn_state_clear(struct tn_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->files[i].role);
		free(st->files[i].bytes);
		ta_meta_free(st->files[i].m);
	}
	st->n = 0;
}

static const char *const top_roles[] = { "root", "targets", "snapshot", "timestamp" };

/* metadata/<role>.json into st, when there is one. */
static int
load_role(struct tn_repo *repo, struct tn_state *st, const char *role, struct tn_error *e)
{
	uint8_t *b = NULL;
	size_t n;
	char *p;
	int r;

	if (asprintf(&p, "%s/metadata/%s.json", repo->dir, role) < 0)
		return nomem(e);
	r = tn_read_file(p, TN_META_MAX, &b, &n, e);
	free(p);
	if (r == TA_ERR_NOT_FOUND)
		return 0;
	if (r == 0)
		r = tn_state_put(st, role, b, n, e);
	free(b);
	return r;
}

int
tn_repo_load(struct tn_repo *repo, struct tn_state *st, struct tn_error *e)
{
	json_t *list, *v;
	const char *role;
	int r = 0;

	st->n = 0;
	for (size_t i = 0; i < 4 && r == 0; i++)
		r = load_role(repo, st, top_roles[i], e);
	if (r != 0)
		goto bad;
	/* Delegations: the ones the snapshot lists. */
	if (tn_state_get(st, "snapshot") != NULL) {
		list = json_object_get(tn_state_get(st, "snapshot")->m->signed_v, "meta");
		json_object_foreach(list, role, v) {
			if (strncmp(role, "targets/", 8) == 0 && (r = load_role(repo, st, role, e)) != 0)
				goto bad;
		}
	}
	return 0;
bad:
	tn_state_clear(st);
	return r == TA_ERR_NOMEM || r == TA_ERR_SYSTEM ?
		       r :
		       tn_fail(e, r, "the trusted metadata in %s/metadata is damaged (%.300s); remove "
				  "that directory to trust the server afresh",
			   repo->dir, e->text);
}

int
tn_repo_save(struct tn_repo *repo, const struct tn_state *st, struct tn_error *e)
{
	char *p;
	int r;

	/* Root last: the other files are checked against it when read again. */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < st->n; i++) {
			bool is_root = strcmp(st->files[i].role, "root") == 0;

			if (is_root != (pass == 1))
				continue;
			if (asprintf(&p, "%s/metadata/%s.json", repo->dir, st->files[i].role) < 0)
				return nomem(e);
			r = tn_write_file(p, st->files[i].bytes, st->files[i].len, e);
			free(p);
			if (r != 0)
				return r;
		}
	}
	return 0;
}
