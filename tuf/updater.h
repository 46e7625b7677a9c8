/* The TUF 1.0 client workflow (the spec's "detailed client workflow", as
 * tuf-js's Updater runs it), pure: every file comes through a fetch
 * callback, nothing here touches the file system or the clock.
 *
 * ta_updater_run():
 *  1. the trusted root (given, or fetched as 1.root.json: trust on first
 *     use) must be signed to its own root threshold; it may be expired;
 *  2. (N+1).root.json, (N+2).root.json, ... until the callback says
 *     TA_ERR_NOT_FOUND (at most TA_UPDATER_MAX_ROTATIONS): each exactly one
 *     version newer, signed to threshold by the old root's root role and by
 *     its own; intermediate roots may be expired, the final one may not;
 *  3. timestamp.json: threshold of the root's timestamp role, versions not
 *     lower than the previous trusted state's (when given), not expired (a
 *     freeze);
 *  4. the snapshot (V.snapshot.json with consistent snapshots, V from the
 *     timestamp, else snapshot.json): length and hashes when the timestamp
 *     lists them, threshold, version equal to the timestamp's, no role
 *     lower than in the previous snapshot, not expired;
 *  5. targets and every delegated role reachable from it, depth first in
 *     the order delegations list them (TAP 15 succinct bins included): the
 *     version the snapshot lists (V.targets.json, V.ROLE.json with ROLE
 *     encoded as encodeURIComponent), length and hashes when listed,
 *     threshold of the delegating role's keys, not expired; every target a
 *     role lists must lie inside the paths delegated to it along the whole
 *     chain; a role reached twice is walked once (the first chain);
 *  6. when check_targets is set, every target file: targets/DIRS/HASH.BASE
 *     with consistent snapshots (HASH the first entry of its "hashes", as
 *     tuf-js fetches it), else targets/DIRS/BASE; its length, sha256 and
 *     sha512 (those listed) must match.
 * The first failure stops the run and is reported by file and reason. */
#ifndef TA_UPDATER_H
#define TA_UPDATER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "tuf/meta.h"
#include "tuf/verify.h"

#define TA_UPDATER_MAX_ROTATIONS 256   /* tuf-js's maxRootRotations */
#define TA_UPDATER_MAX_ROLES 65536      /* delegated roles (bins included) walked */
#define TA_UPDATER_MAX_DEPTH 32         /* delegation depth (tuf-js: 32 roles per lookup) */
#define TA_UPDATER_ROOT_MAX 512000      /* tuf-js's default sizes when no length is listed */
#define TA_UPDATER_TIMESTAMP_MAX 16384
#define TA_UPDATER_SNAPSHOT_MAX 2000000
#define TA_UPDATER_TARGETS_MAX 5000000
#define TA_UPDATER_FILE_MAX 1280       /* file names the workflow fetches */

/* Reads the file name (relative: "2.root.json", "targets/a/HASH.b.tgz")
 * of at most max bytes into a malloc()ed *ret.  TA_ERR_NOT_FOUND when it
 * is absent, TA_ERR_TOO_LARGE when it has more than max bytes, any other
 * TA_ERR_* when it cannot be read. */
typedef int (*ta_updater_fetch_fn)(void *ctx, const char *name, size_t max, uint8_t **ret,
    size_t *ret_len);

/* What a client trusted after its previous update (rollback checks).
 * Zero / NULL members are unknown. */
struct ta_updater_prev {
	int64_t timestamp_version;
	int64_t snapshot_version;     /* the snapshot version that timestamp listed */
	json_t *snapshot_meta;        /* the previous snapshot's "meta" (borrowed) */
};

struct ta_updater_opts {
	time_t now;                   /* the reference time (required, > 0) */
	const uint8_t *trusted_root;  /* NULL: fetch 1.root.json and trust it */
	size_t trusted_root_len;
	const struct ta_updater_prev *prev; /* may be NULL */
	bool check_targets;           /* fetch and check every target file */
};

/* One role file the workflow verified (or failed on). */
struct ta_updater_role {
	char name[TA_ROLE_NAME_MAX + 1];      /* "root", "timestamp", "bins-0f" ... */
	char file[TA_UPDATER_FILE_MAX];       /* the name fetched */
	char delegator[TA_ROLE_NAME_MAX + 1]; /* who delegated it ("" for top-level) */
	int64_t version;
	char expires[64];                     /* as written */
	bool expires_canonical;               /* YYYY-MM-DDTHH:MM:SSZ */
	bool expired;                         /* an intermediate root may be */
	size_t ntargets;                      /* targets it lists */
	int result;                           /* 0 or the TA_ERR_* that failed it */
	struct ta_verify_result res;          /* the signatures' fates */
	struct ta_meta *meta;                 /* the parsed file (owned), NULL if unreadable */
};

struct ta_updater_report {
	bool trust_on_first_use;  /* 1.root.json was trusted as fetched */
	int64_t root_version;     /* the final trusted root */
	bool consistent_snapshot;
	struct ta_updater_role *roles; /* in the order verified */
	size_t nroles;
	size_t ntargets;          /* target entries checked, in every role */
	size_t ntarget_files;     /* target files fetched and checked */
	int result;               /* 0: the repository verifies */
	char fail_file[TA_UPDATER_FILE_MAX]; /* the first failure: which file */
	char fail_reason[384];               /* and why (one line) */
	/* The final trusted state, for a caller's next run: borrowed from
	 * roles[], NULL when the run failed before them. */
	const struct ta_meta *root, *timestamp, *snapshot;
};

/* Runs the workflow.  rep is always filled in (free it with
 * ta_updater_report_free()); returns rep->result: 0, or the TA_ERR_* of
 * the first failure (TA_ERR_VERIFY, TA_ERR_EXPIRED, TA_ERR_FORMAT,
 * TA_ERR_NOT_FOUND, ...).  TA_ERR_INVALID for bad arguments. */
int ta_updater_run(const struct ta_updater_opts *opts, ta_updater_fetch_fn fetch, void *ctx,
    struct ta_updater_report *rep) __attribute__((warn_unused_result));

void ta_updater_report_free(struct ta_updater_report *rep);

/* Looks path up after a successful run, as a client does: a pre-order,
 * depth-first walk from targets through the delegations in the order
 * listed, entering a role only when its delegation covers path and
 * stopping after a terminating one (succinct bins are terminating).  0
 * with the role's name and the target's entry (both borrowed from rep),
 * TA_ERR_NOT_FOUND, or TA_ERR_INVALID (rep did not verify). */
int ta_updater_find_target(const struct ta_updater_report *rep, const char *path,
    const char **ret_role, const json_t **ret_target) __attribute__((warn_unused_result));

/* The role name as a file name component, as encodeURIComponent writes it
 * (A-Z a-z 0-9 - _ . ! ~ * ' ( ) kept, every other byte %XX upper case).
 * TA_ERR_TOO_LARGE when cap is short. */
int ta_updater_encode_role(const char *role, char *out, size_t cap)
    __attribute__((warn_unused_result));

/* Whether path is a target path the workflow can fetch: non-empty
 * '/'-separated segments, none "." or "..", no NUL, not absolute. */
bool ta_updater_target_path_ok(const char *path);

#endif
