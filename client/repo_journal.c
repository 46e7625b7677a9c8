/* The publish journal of tufctl repo (client/repo_journal.h): new files
 * written into .tufctl/pending/, one syncfs(), the rename to commit/ that
 * makes the publish happen, then the moves into DIR in the manifest's
 * order; tr_recover() finishes or drops what an interruption left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/files.h"
#include "client/repo.h"
#include "client/repo_journal.h"
#include "common/err.h"

/* Tests: TUFCTL_TEST_CRASH=before-commit|after-commit|mid-moves (tn_test_crash). */

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
			tn_test_crash("mid-moves");
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


int
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
int
journal_put(struct journal *j, const char *dest, const void *data, size_t len, struct tn_error *e)
{
	char name[16];
	int r;

	(void)snprintf(name, sizeof(name), "%u", j->n);
	if ((r = journal_write(j->dir, name, data, len, e)) != 0)
		return r;
	if (fprintf(j->manifest, "mv %u %s\n", j->n, dest) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	j->n++;
	return 0;
}

/* Adds a file already on disk (a blob): hard-linked, not copied. */
int
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

int
journal_rm(struct journal *j, const char *path, struct tn_error *e)
{
	if (fprintf(j->manifest, "rm %s\n", path) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	return 0;
}

/* Syncs everything written and makes the publish happen (the rename),
 * then carries it out. */
int
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
	tn_test_crash("before-commit");
	if (rename(j->dir, commit) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot commit '%s': %s", j->dir, strerror(errno));
	if ((r = tr_path(repo, commit, sizeof(commit), e, "%s", TUFCTL_REPO_PRIVATE)) != 0)
		return r;
	(void)fsync_dir(commit);
	tn_test_crash("after-commit");
	return tr_recover(repo, e);
}

void
journal_abort(struct journal *j)
{
	if (j->manifest != NULL)
		(void)fclose(j->manifest);
	j->manifest = NULL;
	(void)remove_dir(j->dir, NULL);
}

/* A file a worker already wrote into pending/ under name: its move. */
int
journal_mv(struct journal *j, const char *name, const char *dest, struct tn_error *e)
{
	if (fprintf(j->manifest, "mv %s %s\n", name, dest) < 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot write the manifest");
	return 0;
}

/* Writes len bytes to DIR/name (created; not synced: journal_commit
 * syncs them all at once). */
int
journal_write(const char *dir, const char *name, const void *data, size_t len,
    struct tn_error *e)
{
	char p[4096 + 64];
	const uint8_t *b = data;
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
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
	return 0;
}
