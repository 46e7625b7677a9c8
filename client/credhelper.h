/* docker's credential helpers for tufctl's notary client: runs
 * docker-credential-NAME get, as docker does for a registry named in
 * config.json's "credHelpers" or for its "credsStore".  Internal to
 * client/notary_http.c (the answer is parsed by notary_auth.c's
 * tn_helper_answer()).
 *
 * The helper is found on PATH (posix_spawnp, no shell), gets the server
 * (host[:port]) and a newline on standard input, and its standard output
 * is read up to TN_HELPER_OUT_MAX bytes within TN_HELPER_TIMEOUT_MS; its
 * standard error is the user's.  A helper still running at the deadline
 * is killed.  The output holds a secret: the caller wipes it. */
#ifndef TA_CREDHELPER_H
#define TA_CREDHELPER_H

#include <stddef.h>

#define TN_HELPER_OUT_MAX ((size_t)64 << 10)
#define TN_HELPER_TIMEOUT_MS 30000
#define TN_HELPER_NAME_MAX 64

/* True when name can follow "docker-credential-": 1..TN_HELPER_NAME_MAX of
 * A-Z a-z 0-9 . _ - (no '/', so never a path). */
int tn_helper_name_ok(const char *name);

/* Runs docker-credential-<name> get with server on its standard input.
 * 0 with *ret (malloc()ed, NUL-terminated, ret_cap bytes: wipe it with
 * ta_wipe_free(*ret, *ret_cap)), *ret_len and *ret_status (the exit
 * status; -1 when killed by a signal), or:
 *   TA_ERR_NOT_FOUND  no such program on PATH
 *   TA_ERR_TIMEOUT    no answer within timeout_ms (killed)
 *   TA_ERR_TOO_LARGE  over TN_HELPER_OUT_MAX bytes (killed)
 *   TA_ERR_SYSTEM     a pipe, spawn or wait failed (errno kept)
 *   TA_ERR_NOMEM
 * Nothing is left of the output on failure. */
int tn_helper_run(const char *name, const char *server, int timeout_ms, char **ret,
    size_t *ret_len, size_t *ret_cap, int *ret_status);

#endif
