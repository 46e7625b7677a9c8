/* The publish journal of tufctl repo (client/repo_journal.c): see
 * client/repo.h for the protocol.  Each function fails with a TA_ERR_* and
 * one line in e. */
#ifndef TA_CLIENT_REPO_JOURNAL_H
#define TA_CLIENT_REPO_JOURNAL_H

#include <stddef.h>
#include <stdio.h>

#include "client/notary_base.h"

struct tr_repo;

struct journal {
	char dir[4096]; /* .tufctl/pending */
	FILE *manifest;
	unsigned n;     /* files named by number so far */
};

/* A fresh pending/ with an empty manifest. */
int journal_begin(struct tr_repo *repo, struct journal *j, struct tn_error *e);
/* A new file of the publish, moved to DIR/dest at commit. */
int journal_put(struct journal *j, const char *dest, const void *data, size_t len,
    struct tn_error *e);
/* A file already on disk (a blob), hard-linked into pending/. */
int journal_link(struct journal *j, const char *src, const char *dest, struct tn_error *e);
/* A file to remove from DIR (relative path) at commit. */
int journal_rm(struct journal *j, const char *path, struct tn_error *e);
/* A file written into pending/ under name (journal_write): its move. */
int journal_mv(struct journal *j, const char *name, const char *dest, struct tn_error *e);
/* dir/name made with len bytes, unsynced; safe from several threads for
 * distinct names. */
int journal_write(const char *dir, const char *name, const void *data, size_t len,
    struct tn_error *e);
/* Syncs, renames pending/ to commit/, carries the manifest out. */
int journal_commit(struct tr_repo *repo, struct journal *j, struct tn_error *e);
/* Drops pending/. */
void journal_abort(struct journal *j);

#endif
