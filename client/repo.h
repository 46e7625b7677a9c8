/* tufctl repo: TUF 1.0 repositories on a directory, every key in the agent.
 *
 * DIR is exactly what gets published (served as is by any static HTTP
 * server or copied to a mirror):
 *
 *	N.root.json          every root version, N = 1, 2, ... (clients walk
 *	                     them one at a time); root.json is the newest
 *	timestamp.json       always unprefixed
 *	N.snapshot.json      consistent snapshots; snapshot.json without
 *	N.targets.json       idem; targets.json without
 *	N.ROLE.json          delegated roles, ROLE percent-encoded as tuf-js
 *	                     asks for it (encodeURIComponent); ROLE.json without
 *	targets/DIRS/HASH.BASE   target files (sha256 HASH) with consistent
 *	                     snapshots; targets/DIRS/BASE without
 *
 * and one folder that is never published:
 *
 *	.tufctl/config.json  consistent snapshots, expiry periods, the keys
 *	                     (agent labels, key IDs or URIs) each role signs with
 *	.tufctl/staged/      changed roles, unsigned or partly signed, at the
 *	                     version they will be published as
 *	.tufctl/blobs/       copies of added target files until published
 *	.tufctl/pending/     a publish being written (removed if interrupted)
 *	.tufctl/commit/      a publish decided (finished by the next command)
 *	.tufctl/lock         one tufctl at a time (flock)
 *
 * A publish writes every new file into pending/ with a manifest, syncs,
 * renames pending/ to commit/ (the one atomic step), then moves the files
 * into DIR in the manifest's order: targets, delegated roles, targets,
 * snapshot, root, and timestamp.json last.  With consistent snapshots every
 * file but timestamp.json and root.json is new, so a client never sees a
 * timestamp naming a snapshot that is not there.  Interrupted before the
 * commit, DIR is as before; after it, the next tufctl repo command (or
 * the same publish run again) completes it.
 *
 * Commands: client/cmd_repo.c parses the command lines; the store is
 * client/repo_store.c, the publish engine client/repo_publish.c; the TUF
 * client workflow that `repo verify` runs is tuf/updater.c. */
#ifndef TA_CLIENT_REPO_H
#define TA_CLIENT_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "client/notary_base.h"
#include "tuf/meta.h"

/* The name of DIR's private folder. */
#define TUFCTL_REPO_PRIVATE ".tufctl"

/* Largest metadata file read back (a targets role of a PyPI-sized repo
 * without bins is large; tuf-js's own default for targets is 5 MB). */
#define TR_META_MAX ((size_t)256 << 20)

/* Default expiry periods in days. */
#define TR_DAYS_ROOT 365
#define TR_DAYS_TARGETS 90
#define TR_DAYS_SNAPSHOT 7
#define TR_DAYS_TIMESTAMP 1

struct tr_repo {
	char *dir;         /* DIR as given, without trailing '/' */
	int lock_fd;
	json_t *config;    /* .tufctl/config.json */
	bool consistent;   /* consistent_snapshot of the newest root */
	time_t now;        /* when the command started */
	json_t *snapshot;  /* the published snapshot's "signed" (cache) or NULL */
	int64_t snapshot_version;
	int64_t timestamp_version;
};

/* Opens DIR: takes the lock, finishes or drops an interrupted publish,
 * reads the configuration.  create: DIR may be new or empty (repo init),
 * and there is no configuration yet (tr_config_init makes one). */
int tr_open(const char *dir, bool create, struct tr_repo **ret, struct tn_error *e);
void tr_close(struct tr_repo *repo);
/* Removes DIR's private folder (a repo init that failed before its first
 * publish). */
int tr_remove_private(struct tr_repo *repo);

/* snprintf into buf of DIR/fmt...; TA_ERR_TOO_LARGE when it does not fit. */
int tr_path(const struct tr_repo *repo, char *buf, size_t cap, struct tn_error *e,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The configuration: {"name":STR,"consistent_snapshot":BOOL,
 * "expires":{ROLE:DAYS},"signers":{ROLE:[KEY,...]},"bins":{PREFIX:PARENT}}
 * written by tr_config_save (atomically). */
int tr_config_save(struct tr_repo *repo, struct tn_error *e);
/* Days a role's metadata is valid: the configured value for the role, for
 * bins their prefix, else for delegated roles the targets value. */
int64_t tr_expires_days(const struct tr_repo *repo, const char *role);
/* The keys role signs with (an array, borrowed; empty when none). */
const json_t *tr_signers(const struct tr_repo *repo, const char *role);
int tr_set_signers(struct tr_repo *repo, const char *role, json_t *keys /* stolen */);

/* A role's file name in DIR for version (0: unprefixed): "N.ROLE.json"
 * with ROLE percent-encoded. */
int tr_role_name(const char *role, int64_t version, char *buf, size_t cap);

/* The published root (the newest N.root.json).  TA_ERR_NOT_FOUND before
 * the first publish.  Bytes too when ret_bytes is not NULL. */
int tr_published_root(struct tr_repo *repo, struct ta_meta **ret, uint8_t **ret_bytes,
    size_t *ret_len, struct tn_error *e);
/* The published snapshot's entry for ROLE.json: its version, or 0 when
 * the role was never published. */
int64_t tr_published_version(struct tr_repo *repo, const char *role);
/* A published targets role (version from the snapshot). */
int tr_published_role(struct tr_repo *repo, const char *role, struct ta_meta **ret,
    uint8_t **ret_bytes, size_t *ret_len, struct tn_error *e);

/* A role as the next publish will see it: staged, else published, else
 * TA_ERR_NOT_FOUND.  *ret_staged says which. */
int tr_load(struct tr_repo *repo, const char *role, struct ta_meta **ret, bool *ret_staged,
    struct tn_error *e);
/* Stages m as role.  Unless it is already staged (staged true), its
 * version becomes the published one + 1, its expiry now + the role's
 * period, and its signatures are dropped; staged content always drops the
 * signatures that no longer cover it. */
int tr_stage(struct tr_repo *repo, const char *role, struct ta_meta *m, bool staged,
    struct tn_error *e);
/* Writes m as staged without touching version, expiry or signatures. */
int tr_stage_write(struct tr_repo *repo, const char *role, const struct ta_meta *m,
    struct tn_error *e);
/* The same with the file's bytes already written. */
int tr_stage_write_bytes(struct tr_repo *repo, const char *role, const uint8_t *file, size_t len,
    struct tn_error *e);
/* The staged roles' names, sorted (a new array). */
int tr_staged_roles(struct tr_repo *repo, json_t **ret, struct tn_error *e);
int tr_unstage(struct tr_repo *repo, const char *role, struct tn_error *e);

/* The role a client's search would find for a target path first: the
 * first delegation in order whose paths cover it, followed down (a
 * succinct-bins delegation gives its bin), else "targets". */
int tr_role_for_path(struct tr_repo *repo, const char *path, char *buf, size_t cap,
    struct tn_error *e);

/* sha256 hex (65 bytes with NUL) of len bytes. */
void tr_sha256_hex(const void *p, size_t len, char out[65]);

/* ---- publish (client/repo_publish.c) -------------------------------------------- */

struct tr_publish_opts {
	const char *const *sign_only; /* NULL: every role that needs it */
	size_t n_sign_only;
	const char *refresh;          /* repo refresh --role: NULL, "timestamp", ... */
	bool quiet;
};

/* Signs what is staged, then (thresholds met) writes a new snapshot and
 * timestamp and commits.  Returns 0 when published (or nothing to do),
 * TA_ERR_VERIFY when a threshold is not met (what is missing on stderr,
 * the partial signatures kept). */
int tr_publish(struct tr_repo *repo, const struct tr_publish_opts *o, struct tn_error *e);

/* Finishes a committed publish (.tufctl/commit) or drops a pending one. */
int tr_recover(struct tr_repo *repo, struct tn_error *e);

/* ---- commands (argv[0] is the subcommand's name) --------------------------------- */

/* Shared by the commands (client/cmd_repo_roles.c): prints "tufctl: repo
 * CMD: <e>" and returns TUFCTL_FAIL; the repository's name for the agent's
 * policy (its absolute path at init); a key by agent reference (label, key
 * ID, URI) or, file true, from a PEM public key file, as a TUF key object
 * and its key ID; a whole number 1..max for option opt. */
int tr_cmd_failed(const char *cmd, const struct tn_error *e);
const char *tr_cmd_name(const struct tr_repo *repo);
int tr_cmd_key(const char *cmd, const char *ref, bool file, char keyid[65], json_t **ret);
int tr_cmd_count(const char *cmd, const char *opt, const char *s, int64_t max, int64_t *ret);


/* "usage: tufctl repo COMMAND ..." with a section for each (cmd_repo.c). */
extern const char tufctl_repo_usage[];

int tufctl_repo_init(int argc, char **argv);
int tufctl_repo_add(int argc, char **argv);
int tufctl_repo_remove(int argc, char **argv);
int tufctl_repo_delegate(int argc, char **argv);
int tufctl_repo_rotate(int argc, char **argv);
int tufctl_repo_publish(int argc, char **argv);
int tufctl_repo_refresh(int argc, char **argv);
int tufctl_repo_status(int argc, char **argv);
/* tufctl repo verify DIR [--root TRUSTED] [--at TIME] (client/repo_verify.c). */
int tufctl_repo_verify(int argc, char **argv);

#endif
