/* Files in tufctl's own directories (client/files.h): whole reads with a
 * cap, atomic replaces, JSON documents, directories made on the way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/files.h"
#include "common/err.h"
#include "tuf/json.h"

/* The failures that decide whether a path is used are returned here, not
 * through tn_fail(): the analyzer cannot see into it, and takes a failure
 * it cannot see for a success. */
static int
nomem(struct tn_error *e)
{
	(void)tn_fail(e, TA_ERR_NOMEM, "out of memory");
	return TA_ERR_NOMEM;
}

int
tn_mkdir_p(char *path, struct tn_error *e)
{
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				int err = errno;

				*p = c;
				return tn_fail(e, TA_ERR_SYSTEM, "cannot create '%s': %s", path,
				    strerror(err));
			}
			*p = c;
			if (c == '\0')
				return 0;
		}
	}
}

int
tn_path_dir(const char *path, char **ret_dir, const char **ret_base, struct tn_error *e)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;

	*ret_dir = NULL;
	*ret_base = base;
	if (*base == '\0') {
		(void)tn_fail(e, TA_ERR_INVALID, "'%s' names a directory, not a file", path);
		return TA_ERR_INVALID;
	}
	*ret_dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
								strndup(path, (size_t)(slash - path));
	return *ret_dir == NULL ? nomem(e) : 0;
}

int
tn_write_file(const char *path, const void *data, size_t len, struct tn_error *e)
{
	const char *base;
	char *dir = NULL, *tmp = NULL;
	const uint8_t *p = data;
	int fd = -1, dfd, r;

	if ((r = tn_path_dir(path, &dir, &base, e)) != 0)
		return r;
	if ((r = tn_mkdir_p(dir, e)) != 0)
		goto out;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		r = nomem(e);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot create a file in '%s': %s", dir, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = tn_fail(e, TA_ERR_SYSTEM, "cannot write '%s': %s", tmp, strerror(errno));
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot rename '%s' to '%s': %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	if (tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(dir);
	return r;
}

int
tn_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len, struct tn_error *e)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t n = 0;
	int fd, r = 0;

	*ret = NULL;
	*ret_len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? TA_ERR_NOT_FOUND :
					 tn_fail(e, TA_ERR_SYSTEM, "cannot open '%s': %s", path,
					     strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = tn_fail(e, TA_ERR_SYSTEM, "'%s' is not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = tn_fail(e, TA_ERR_TOO_LARGE, "'%s' is over %zu bytes", path, max);
		goto out;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		r = nomem(e);
		goto out;
	}
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, b + n, (size_t)st.st_size - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s': %s", path,
			    got < 0 ? strerror(errno) : "file shrank");
			goto out;
		}
		n += (size_t)got;
	}
	b[n] = '\0';
	*ret = b;
	*ret_len = n;
	b = NULL;
out:
	free(b);
	(void)close(fd);
	return r;
}

int
tn_read_json(const char *path, size_t max, json_t **ret, struct tn_error *e)
{
	struct ta_json_error je;
	uint8_t *b;
	size_t n;
	int r;

	*ret = NULL;
	if ((r = tn_read_file(path, max, &b, &n, e)) != 0)
		return r;
	r = ta_json_parse(b, n, TA_PROFILE_NOTARY, ret, &je);
	free(b);
	if (r != 0)
		return tn_fail(e, TA_ERR_FORMAT, "'%s' is damaged (%s); remove it to start over", path,
		    je.text);
	return 0;
}

int
tn_write_json(const char *path, const json_t *v, struct tn_error *e)
{
	char *s = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	int r;

	if (s == NULL)
		return nomem(e);
	r = tn_write_file(path, s, strlen(s), e);
	free(s);
	return r;
}

void
tn_test_crash(const char *where)
{
	const char *c = getenv("TUFCTL_TEST_CRASH");

	if (c != NULL && strcmp(c, where) == 0)
		_exit(9);
}
