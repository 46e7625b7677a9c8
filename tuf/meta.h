/* The metadata model: root, targets (and delegated targets), snapshot and
 * timestamp, in both profiles.
 *
 * A struct ta_meta holds one metadata file: its profile, its role, the
 * parsed "signed" value (a jansson tree) and its signature objects.  The
 * tree is the model: accessors and editors below keep it to the shape the
 * profile demands, and ta_meta_check() checks a tree that came from outside
 * (closed field sets for notary, FORMATS §1.5; required fields and types
 * for tuf, §2.4 and Appendix B, where unknown fields are kept).
 *
 * What is signed is ta_meta_signed_bytes(): canonical JSON of the parsed
 * "signed" value.  ta_meta_write() gives the file: for notary exactly Go's
 * bytes (FORMATS §1.3); for tuf compact JSON with sorted keys. */
#ifndef TA_META_H
#define TA_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "tuf/json.h"
#include "tuf/profile.h"

enum ta_role_type {
	TA_ROLE_ROOT = 1,
	TA_ROLE_TARGETS,   /* "targets" and delegated "targets/NAME" roles */
	TA_ROLE_SNAPSHOT,
	TA_ROLE_TIMESTAMP,
	/* Not a role of either profile: a ceremony transcript's head
	 * (tuf/cerhead.h), which ta_meta_parse() never returns. */
	TA_ROLE_CEREMONY_HEAD,
};

#define TA_ROLE_NAME_MAX 255
#define TA_TARGET_NAME_MAX 1024
#define TA_META_SPEC_VERSION "1.0.31"

struct ta_meta {
	enum ta_profile profile;
	enum ta_role_type type;
	json_t *signed_v;     /* the "signed" object (owned reference) */
	json_t *signatures;   /* the "signatures" array (owned reference) */
};

/* The role type named by a role name: "root", "targets", "snapshot",
 * "timestamp", or a delegation ("targets/x" for notary; any other name
 * for tuf).  TA_ERR_INVALID for a malformed name (empty, too long, '..',
 * control characters, or a notary delegation not under "targets/"). */
int ta_role_type_of(enum ta_profile profile, const char *name, enum ta_role_type *ret_type)
    __attribute__((warn_unused_result));

/* "_type" as the profile writes it: "Root"/"root", ... */
const char *ta_role_type_string(enum ta_profile profile, enum ta_role_type type);

/* Parses a metadata file (the envelope {"signed":…,"signatures":[…]}),
 * checks the shape of its role and, when role is not NULL, that "_type"
 * fits that role name.  *ret is freed with ta_meta_free().  err may be
 * NULL; it names the JSON path at fault. */
int ta_meta_parse(const uint8_t *buf, size_t len, enum ta_profile profile, const char *role,
    struct ta_meta **ret, struct ta_json_error *err) __attribute__((warn_unused_result));

/* Checks the shape of a "signed" value of the given role type. */
int ta_meta_check(const json_t *signed_v, enum ta_profile profile, enum ta_role_type type,
    struct ta_json_error *err) __attribute__((warn_unused_result));

/* A new, unsigned, empty role: version 1, the given expiry, no keys, no
 * targets.  Root gets four roles with no keys and threshold 1; targets an
 * empty delegations object; snapshot and timestamp an empty meta. */
int ta_meta_new(enum ta_profile profile, enum ta_role_type type, time_t expires,
    struct ta_meta **ret) __attribute__((warn_unused_result));

void ta_meta_free(struct ta_meta *m);

/* For tuf/ only (ta_meta_parse, ta_cerhead_parse): a struct ta_meta holding
 * new references to signed_v and signatures, which the caller has checked;
 * NULL when out of memory.  Freed with ta_meta_free(). */
struct ta_meta *ta__meta_wrap(enum ta_profile profile, enum ta_role_type type, json_t *signed_v,
    json_t *signatures);

/* Canonical bytes of "signed": what signatures are over.  malloc()ed. */
int ta_meta_signed_bytes(const struct ta_meta *m, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* The file bytes.  malloc()ed. */
int ta_meta_write(const struct ta_meta *m, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));
/* The same, for m parsed from the file src (src_len bytes) whose "signed"
 * has not changed since (signatures may have): notary takes the bytes of
 * "signed" from src with the stream (tuf/stream.h), without rebuilding
 * them from the tree; tuf writes as ta_meta_write(). */
int ta_meta_write_from(const struct ta_meta *m, const uint8_t *src, size_t src_len,
    uint8_t **ret, size_t *ret_len) __attribute__((warn_unused_result));

/* ---- common fields ------------------------------------------------------- */

int64_t ta_meta_version(const struct ta_meta *m);
int ta_meta_set_version(struct ta_meta *m, int64_t version) __attribute__((warn_unused_result));

/* Expiry: both profiles read Go RFC 3339 (fraction and offset allowed:
 * tuf-js reads them, and older tools wrote them) and write only
 * YYYY-MM-DDTHH:MM:SSZ. */
int ta_meta_expires(const struct ta_meta *m, time_t *ret) __attribute__((warn_unused_result));
int ta_meta_set_expires(struct ta_meta *m, time_t t) __attribute__((warn_unused_result));
int ta_time_parse(enum ta_profile profile, const char *s, time_t *ret)
    __attribute__((warn_unused_result));
/* Whether s is exactly YYYY-MM-DDTHH:MM:SSZ (a valid time), the one form
 * tufctl writes; ta_time_parse() also reads a fraction of a second and a
 * ±hh:mm offset, in both profiles. */
bool ta_time_canonical(const char *s);
/* The last second a four-digit year can name: 9999-12-31T23:59:59Z. */
#define TA_TIME_MAX ((time_t)253402300799)
/* Writes YYYY-MM-DDTHH:MM:SSZ (21 bytes with the NUL); t in 0..TA_TIME_MAX
 * (others write the epoch). */
void ta_time_format(time_t t, char out[21]);

/* Drops every signature: call before signing changed content. */
void ta_meta_clear_signatures(struct ta_meta *m);

/* ---- root ---------------------------------------------------------------- */

/* Adds a key object (which the caller made with tuf/key.h) under keyid and
 * lists it in role (root, targets, snapshot, timestamp).  Idempotent. */
int ta_meta_root_add_key(struct ta_meta *m, const char *role, const char *keyid,
    const json_t *key) __attribute__((warn_unused_result));
struct ta_key;
/* The same for a key of tuf/key.h: its key object under its key ID. */
int ta_meta_root_add_ta_key(struct ta_meta *m, const char *role, const struct ta_key *k)
    __attribute__((warn_unused_result));
/* Removes keyid from role, and from "keys" when no role lists it. */
int ta_meta_root_remove_key(struct ta_meta *m, const char *role, const char *keyid)
    __attribute__((warn_unused_result));
int ta_meta_root_set_threshold(struct ta_meta *m, const char *role, int64_t threshold)
    __attribute__((warn_unused_result));

/* ---- targets ------------------------------------------------------------- */

struct ta_target_hashes {
	bool has_sha256, has_sha512;
	uint8_t sha256[32];
	uint8_t sha512[64];
};

/* Adds or replaces a target.  custom may be NULL (omitted). */
int ta_meta_target_add(struct ta_meta *m, const char *name, int64_t length,
    const struct ta_target_hashes *h, const json_t *custom) __attribute__((warn_unused_result));
/* TA_ERR_NOT_FOUND when there is no such target. */
int ta_meta_target_remove(struct ta_meta *m, const char *name)
    __attribute__((warn_unused_result));
/* The target's length and hashes. */
int ta_meta_target_get(const struct ta_meta *m, const char *name, int64_t *ret_length,
    struct ta_target_hashes *ret_h) __attribute__((warn_unused_result));

/* Adds or replaces a delegated role: its keys (keyids[i] -> keys[i]), its
 * threshold and paths (npaths 0 with all_paths: notary [""], tuf ["*"]).
 * terminating is written for tuf only. */
int ta_meta_delegation_set(struct ta_meta *m, const char *name, const char *const *keyids,
    const json_t *const *keys, size_t nkeys, int64_t threshold, const char *const *paths,
    size_t npaths, bool all_paths, bool terminating) __attribute__((warn_unused_result));
int ta_meta_delegation_remove(struct ta_meta *m, const char *name)
    __attribute__((warn_unused_result));

/* Whether the delegated role d (an entry of delegations.roles) covers the
 * target path.  d may also be a tuf "succinct_roles" object (TAP 15 hash
 * bins): with a "name" member added (the bin's role name) it covers the
 * paths that fall in that bin (tuf/bins.h); without one, every path.
 * Otherwise: notary, one of d's "paths" is a prefix of it ("" delegates
 * every path, as notary-server checks); tuf, one of "paths" matches it as
 * fnmatch(3) with FNM_PATHNAME ('*' and '?' do not cross '/', as
 * python-tuf and tuf-js match), or the lower-case hex SHA-256 of the path
 * begins with one of "path_hash_prefixes".  false for a malformed d. */
bool ta_delegation_covers(enum ta_profile profile, const json_t *d, const char *path);

/* ---- snapshot and timestamp ------------------------------------------- */

/* Describes a role file in a snapshot or timestamp from its exact bytes:
 * notary {"hashes":{"sha256","sha512"},"length"} under the role name;
 * tuf {"hashes":{"sha256"},"length","version"} under "<role>.json". */
int ta_meta_set_file(struct ta_meta *m, const char *role, const uint8_t *file, size_t len,
    int64_t version) __attribute__((warn_unused_result));

/* Checks that bytes match what a snapshot or timestamp says of role:
 * length and every hash listed (sha256 required for notary).
 * TA_ERR_VERIFY on a mismatch, TA_ERR_NOT_FOUND when not listed. */
int ta_meta_check_file(const struct ta_meta *m, const char *role, const uint8_t *file,
    size_t len) __attribute__((warn_unused_result));

#endif
