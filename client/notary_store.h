/* A notary GUN as tufctl keeps it: the trust directory, the verified
 * metadata last seen, staged changes.  Fetching and verifying from the
 * server is the update walk's (client/notary_walk.h).
 *
 * Trust directory (only public data; never a private key):
 *
 *	<trust>/<host:port>/<GUN>/
 *	    server.json        {"url":..., "tls_ca":...}   which server, how to reach it
 *	    metadata/          the verified files last seen, exact bytes:
 *	        root.json targets.json snapshot.json timestamp.json targets/<x>.json
 *	                       (the trusted version of each role: tn_check_fresh)
 *	    init.json          {"root":..., "targets":...}: a GUN not yet published
 *	    changes/NNNNNNNNNN.json   staged changes, one a file, in order (a file
 *	                       holding an array: a list staged at once, in order)
 *	    certs/<keyid>.pem  root certificates made for this GUN by init/rotate
 *	    lock               flock()ed while a command changes the directory
 *
 * <trust> is --trust-dir, else $XDG_DATA_HOME/tufctl/notary, else
 * ~/.local/share/tufctl/notary.  Every file is replaced atomically (a
 * temporary file, fsync, rename, fsync of the directory), so an interrupted
 * command leaves each file as it was or as it was meant to be. */
#ifndef TA_NOTARY_STORE_H
#define TA_NOTARY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/notary_http.h"
#include "tuf/meta.h"

#define TN_MAX_ROLES 256           /* top-level roles + delegations in one GUN */
#define TN_DELEGATION_DEPTH 8

/* One metadata file: its role name, exact bytes and parsed model. */
struct tn_file {
	char *role;
	uint8_t *bytes;
	size_t len;
	struct ta_meta *m;
};

/* A whole repository as verified: root, targets, snapshot, timestamp and
 * delegations (in the order met). */
struct tn_state {
	struct tn_file files[TN_MAX_ROLES];
	size_t n;
};

struct tn_repo {
	char *trust;      /* <trust> */
	char *dir;        /* <trust>/<host:port>/<GUN> */
	char *gun;
	char *url;        /* the server's base URL */
	char *tls_ca;     /* or NULL */
	int lock_fd;
	bool exists;      /* the directory existed before tn_repo_open */
};

/* GUN rules for tufctl (a docker reference's name, which is also a path
 * under the trust directory): 1..255 bytes of [a-z0-9._:/-] and upper case,
 * segments separated by single '/', none empty, "." or "..". */
bool tn_gun_valid(const char *gun);

/* The name of a server's directory under <trust>: "HOST:PORT" of url
 * (http:// or https://, any case; HOST as written, PORT in decimal, 80 or
 * 443 when absent), malloc()ed.  The names are libcurl's (URL API) for
 * every URL taken, so that trust directories made before stay found;
 * URLs it would rewrite (percent-encoded or short numeric hosts) are
 * refused.  Needs no libcurl. */
int tn_server_dir_name(const char *url, char **ret, struct tn_error *e);

/* The <trust> directory: trust_dir, else from the environment.  malloc()ed. */
int tn_trust_root(const char *trust_dir, char **ret, struct tn_error *e);

/* Opens the GUN's directory.  url may be NULL: then the one server
 * directory under <trust> that holds this GUN is used (an error names the
 * choices when there are several, or says to give --server when none).
 * create: make the directory (and record url and tls_ca) when missing.
 * lock: take the directory's lock (exclusive; waits at most 10 s). */
int tn_repo_open(const char *trust_dir, const char *gun, const char *url, const char *tls_ca,
    bool create, bool lock, struct tn_repo **ret, struct tn_error *e);
void tn_repo_close(struct tn_repo *repo);

/* What is staged: {"init":{...} (when there is one), "changes":[...],
 * "files":[...]} (changes[i] read from changes/files[i]).  A new
 * reference. */
int tn_repo_staged(struct tn_repo *repo, json_t **ret, struct tn_error *e);
/* Stages one change after the others (one new file). */
int tn_repo_stage(struct tn_repo *repo, const json_t *change, struct tn_error *e);
/* Stages a non-empty array of changes after the others, as one new file
 * (one atomic write, however many): a list staged whole or not at all.
 * tn_repo_staged() answers them one by one, each with that file's name. */
int tn_repo_stage_many(struct tn_repo *repo, const json_t *changes, struct tn_error *e);
/* Removes staged change i (of a tn_repo_staged() answer); one of a list
 * is taken out of its file, which is rewritten. */
int tn_repo_unstage(struct tn_repo *repo, const json_t *staged, size_t i, struct tn_error *e);
/* Removes every change of a tn_repo_staged() answer (each file once). */
int tn_repo_unstage_all(struct tn_repo *repo, const json_t *staged, struct tn_error *e);
/* Removes every staged change (not a staged init); *ret_n: the files
 * removed. */
int tn_repo_reset(struct tn_repo *repo, size_t *ret_n, struct tn_error *e);
/* Writes init.json, or removes it when init is NULL. */
int tn_repo_set_init(struct tn_repo *repo, const json_t *init, struct tn_error *e);

/* The verified metadata last seen (an empty state when none). */
int tn_repo_load(struct tn_repo *repo, struct tn_state *st, struct tn_error *e);
/* Replaces metadata/ with st. */
int tn_repo_save(struct tn_repo *repo, const struct tn_state *st, struct tn_error *e);

/* certs/<keyid>.pem: a root certificate kept for this GUN. */
int tn_repo_put_cert(struct tn_repo *repo, const char *keyid, const char *pem,
    struct tn_error *e);
/* Every PEM under certs/ (a JSON array of strings). */
int tn_repo_certs(struct tn_repo *repo, json_t **ret, struct tn_error *e);

/* Files of a state. */
struct tn_file *tn_state_get(struct tn_state *st, const char *role);
int tn_state_put(struct tn_state *st, const char *role, const uint8_t *bytes, size_t len,
    struct tn_error *e);
void tn_state_clear(struct tn_state *st);

#endif
