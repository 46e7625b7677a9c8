/* Verification: thresholds of distinct valid keys, expiry, root rotation,
 * delegations, and notary's root certificate rules.
 *
 * tuf: a signature entry whose sig is empty or not hex, or whose key ID
 * names no key of the role, is an invalid signature that does not count
 * (the file stays readable; two entries with one key ID are refused by
 * ta_meta_parse(), as tuf-js refuses them); and keys are told apart by
 * their public key, not their ID, so a key listed under two key IDs (a
 * key ID migration) counts once.
 *
 * A signature counts when its key ID is listed for the role, the key is
 * in the key map, the key's computed ID equals the listed one (notary
 * demands it, FORMATS §1.2; tuf clients do not, and neither do we), and
 * the signature verifies over the canonical bytes of "signed".  Each key
 * counts once however many signatures it made.  Every signature's fate is
 * reported, so that a caller can say which keys signed and why others did
 * not. */
#ifndef TA_VERIFY_H
#define TA_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "tuf/key.h"
#include "tuf/meta.h"

#define TA_VERIFY_MAX_SIGS 64

struct ta_verify_sig {
	char keyid[TA_KEY_ID_SIZE];
	int result;      /* 0: valid and counted; else why not (TA_ERR_*) */
	const char *why; /* static: why it does not count ("" when it does),
			  * never about tokens */
};

struct ta_verify_result {
	int64_t threshold;
	size_t nvalid;      /* distinct keys with a valid signature */
	size_t nsigs;       /* signatures looked at (at most TA_VERIFY_MAX_SIGS) */
	struct ta_verify_sig sigs[TA_VERIFY_MAX_SIGS];
	char detail[256];   /* one line on the failure that decided, or "" */
};

/* now == 0 skips every expiry check. */

/* Checks m's signatures against a key map ({keyid: key object}) and a role
 * entry ({"keyids":[…],"threshold":n}).  0 when the threshold is met,
 * TA_ERR_VERIFY when not, TA_ERR_FORMAT for malformed input.  res is always
 * filled in. */
int ta_verify_signatures(const struct ta_meta *m, const json_t *keys, const json_t *role_entry,
    struct ta_verify_result *res) __attribute__((warn_unused_result));

/* A root: signed by its own root role to threshold and, when trusted is
 * not NULL, by the trusted root's root role to that root's threshold (a
 * rotation); its version must then be trusted's + 1 (tuf) or not lower
 * (notary).  For notary, only root keys whose certificates pass
 * ta_x509_check_root() for gun count (FORMATS §1.6); gun is required. */
int ta_verify_root(const struct ta_meta *trusted, const struct ta_meta *root, const char *gun,
    time_t now, struct ta_verify_result *res) __attribute__((warn_unused_result));

/* A top-level role (targets, snapshot, timestamp) against a verified root. */
int ta_verify_role(const struct ta_meta *root, const struct ta_meta *m, const char *role,
    time_t now, struct ta_verify_result *res) __attribute__((warn_unused_result));

/* A delegated targets role against its parent's "delegations". */
int ta_verify_delegated(const struct ta_meta *parent, const struct ta_meta *m, const char *role,
    time_t now, struct ta_verify_result *res) __attribute__((warn_unused_result));

#endif
