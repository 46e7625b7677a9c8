/* Files tufctl reads and writes in its own directories: whole reads with
 * a size cap, atomic replaces, JSON documents, directories made on the
 * way.  Every function fails with a TA_ERR_* and one line in e (the
 * caller prints it); none prints. */
#ifndef TA_FILES_H
#define TA_FILES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/notary_http.h"

/* Makes path and its parents (mode 0700); path is changed while it runs
 * and restored.  Directories already there are fine. */
int tn_mkdir_p(char *path, struct tn_error *e);

/* The directory part of path ("." for a bare name, "/" for "/x"),
 * malloc()ed, and where the last component starts.  TA_ERR_INVALID when
 * path ends in '/' (a directory, not a file). */
int tn_path_dir(const char *path, char **ret_dir, const char **ret_base, struct tn_error *e);

/* Atomic replace of a file (mode 0644): a temporary file beside it, fsync,
 * rename, fsync of the directory; parent directories are made as needed.
 * Also what tufctl sign -o writes with. */
int tn_write_file(const char *path, const void *data, size_t len, struct tn_error *e);

/* Reads a whole regular file of at most max bytes into *ret (malloc()ed,
 * NUL-terminated one past *ret_len).  TA_ERR_NOT_FOUND, with e untouched,
 * when it is absent. */
int tn_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len,
    struct tn_error *e);

/* A JSON document of at most max bytes (notary's strict parser: no
 * duplicate keys).  TA_ERR_NOT_FOUND as tn_read_file; TA_ERR_FORMAT when
 * it does not parse, with a message that says to remove it.  A new
 * reference. */
int tn_read_json(const char *path, size_t max, json_t **ret, struct tn_error *e);

/* v as indented JSON with sorted keys, through tn_write_file. */
int tn_write_json(const char *path, const json_t *v, struct tn_error *e);

/* Tests only: when TUFCTL_TEST_CRASH is where, tufctl dies there at once
 * (status 9, nothing flushed or cleaned up), as kill -9 would; the points
 * are named where they are (tuf-repo.sh, ceremony-threshold.sh). */
void tn_test_crash(const char *where);

#endif
