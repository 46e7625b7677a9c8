/* Which signatures a sign request makes, decided from the metadata alone:
 * the TUF decisions of the agent's sign method (PROTOCOL.md §5.9), with no
 * token, no policy and no I/O, so that they are unit-tested here.
 *
 *	ta_signplan_open(&in, &plan, &err);       the file, prev_root, parent
 *	for each token key i:
 *		ta_signplan_add_key(plan, i, own, "params.keys[i]", &err);
 *	... the policy, with plan->expires ...
 *	for each plan->sigs[k]: sign plan->m as sigs[k].as with key sigs[k].key
 *	ta_signplan_free(plan);
 *
 * The rules:
 *  - the file parses as the profile's role (ta_meta_parse) and has not
 *    expired;
 *  - a notary root's x509 root keys pass notary's certificate rules for the
 *    GUN (FORMATS §1.6), dates included;
 *  - prev_root (roots only) is a root exactly one version older, whose
 *    certificates pass the rules without dates (rotating away from an
 *    expired certificate is the point);
 *  - a delegated role (a targets file for a role other than "targets")
 *    needs its parent: a targets file that delegates to exactly that name,
 *    with every target of the file within the delegation's paths
 *    (ta_delegation_covers);
 *  - a key signs a root as every root key of the root (or of prev_root)
 *    with its public key; a delegation as every key the parent lists for
 *    it with its public key; anything else as its own key object.  A key
 *    that matches nothing where it must is an error.
 *  - a ceremony head (in.ceremony: tuf/cerhead.h) is signed by each key as
 *    its own TUF key object, for role "root" only, its "gun" the request's,
 *    with no prev_root or parent; rule_profile is the head's profile, whose
 *    root rule and key scopes the caller applies.
 * Neither prev_root's nor the parent's signatures are checked: the agent
 * holds no trusted root; a key's scope bounds what a forged one can do. */
#ifndef TA_TUF_SIGNPLAN_H
#define TA_TUF_SIGNPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tuf/key.h"
#include "tuf/meta.h"

#define TA_SIGNPLAN_MAX 16 /* signatures of one plan (the protocol's keys limit) */

/* What kind of refusal, for the caller's error code. */
enum ta_signplan_fault {
	TA_SIGNPLAN_METADATA = 1, /* the file, prev_root or parent is not acceptable */
	TA_SIGNPLAN_PARAMS,       /* the request: a missing parent, too many signatures */
	TA_SIGNPLAN_UNSUPPORTED,  /* a key the profile cannot express */
};

struct ta_signplan_error {
	enum ta_signplan_fault fault;
	char text[512]; /* "params.file: ...", naming the member at fault */
};

struct ta_signplan_in {
	enum ta_profile profile;
	const char *role;
	const char *gun; /* notary: required; tuf: may be NULL or "" */
	const uint8_t *file;
	size_t file_len;
	const uint8_t *prev_root; /* NULL: none (roots only) */
	size_t prev_root_len;
	const uint8_t *parent; /* NULL: none (delegated roles only) */
	size_t parent_len;
	time_t now;
	bool ceremony; /* file is a ceremony head; profile must be TUF */
};

/* One signature: the caller's key number key, signing as the key object as
 * (its own, or one the metadata lists with its public key). */
struct ta_signplan_sig {
	size_t key;
	const struct ta_key *as;
	bool prev_only; /* listed by prev_root only */
};

struct ta_signplan {
	enum ta_profile profile;
	struct ta_meta *m;      /* the file, to sign */
	struct ta_meta *prev;   /* prev_root; NULL without */
	struct ta_meta *parent; /* parent; NULL without */
	time_t expires;         /* the file's; 0 for a ceremony head */
	enum ta_profile rule_profile; /* whose rules apply: profile, or the head's */
	size_t n_sigs;
	struct ta_signplan_sig sigs[TA_SIGNPLAN_MAX];
	/* private */
	char role[256];
	const json_t *deleg_keys, *deleg_keyids;
	struct ta_key *owned[TA_SIGNPLAN_MAX];
	size_t n_owned;
};

/* Parses and checks the file and its companions.  0 and *ret, or a
 * TA_ERR_* with *err filled in (TA_ERR_NOMEM with fault 0). */
int ta_signplan_open(const struct ta_signplan_in *in, struct ta_signplan **ret,
    struct ta_signplan_error *err) __attribute__((warn_unused_result));

/* Adds the signatures the caller's key number key makes; own is its own
 * key object of the profile (the plain public key: not a certificate's),
 * borrowed for the plan's life.  member names the key in errors
 * ("params.keys[2]"). */
int ta_signplan_add_key(struct ta_signplan *p, size_t key, const struct ta_key *own,
    const char *member, struct ta_signplan_error *err) __attribute__((warn_unused_result));

/* NULL is a no-op. */
void ta_signplan_free(struct ta_signplan *p);

#endif
