/* The update walk: a notary GUN fetched from its server and verified the
 * way a fresh consumer does (root walked version by version, timestamp,
 * snapshot, targets, delegations), each role held to the copy trusted
 * (client/notary_store.h keeps it). */
#ifndef TA_NOTARY_WALK_H
#define TA_NOTARY_WALK_H

#include <stdbool.h>
#include <time.h>

#include "client/notary_http.h"
#include "client/notary_store.h"

struct ta_key;

/* Fetches and verifies the GUN from the server: root (walking N.root.json
 * from the trusted root's version when the server's is newer, or trusting
 * the first one seen, pinned to pin_cert_id when given), timestamp,
 * snapshot, targets and every delegation the snapshot lists, each by its
 * checksum, each checked against its parent's keys and threshold, then
 * with tn_check_fresh() against trusted's copy of the same role.  trusted
 * (what tn_repo_load() gave, or the view a publish started from) may be
 * NULL or empty: first use.  Nothing is written: st is the caller's to
 * save, and is empty on failure.  TA_ERR_NOT_FOUND when the server has no
 * root for the GUN; TA_ERR_VERIFY (bad signatures, hashes, a rollback) or
 * TA_ERR_EXPIRED (a freeze) when it must not be believed. */
int tn_fetch(struct tn_server *s, const char *gun, const struct tn_state *trusted,
    const char *pin_cert_id, time_t now, struct tn_state *st, struct tn_error *e)
    __attribute__((warn_unused_result));

/* What a consumer demands of the server's copy of a role (got) against
 * the copy it trusts (trusted; NULL when there is none: first use, or a
 * delegation the trusted snapshot did not list), as the notary client and
 * TUF 1.0 §5.4-5.6 do:
 *   - not a lower version (a rollback: an older, validly signed file);
 *   - not the same version with other bytes (a second history);
 *   - when now is not 0, not expired (a freeze: old files served forever).
 * A higher version is normal: the server re-signs timestamp and snapshot.
 * 0, or TA_ERR_VERIFY / TA_ERR_EXPIRED with one line in e naming the role,
 * the versions or the expiry. */
int tn_check_fresh(const struct tn_file *trusted, const struct tn_file *got, time_t now,
    struct tn_error *e) __attribute__((warn_unused_result));

/* The server's key for role (timestamp or snapshot) as a key object,
 * after a rotation when rotate is true (tn_server_key()). */
int tn_server_key_object(struct tn_server *s, const char *role, bool rotate, struct ta_key **ret,
    struct tn_error *e) __attribute__((warn_unused_result));

#endif
