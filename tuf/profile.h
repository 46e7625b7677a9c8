/* The two metadata profiles (DESIGN.md "What it is"; shared/FORMATS.md §3).
 *
 *	TA_PROFILE_NOTARY  Notary v1 / Docker Content Trust, byte-exact with Go
 *	                   notary 0.7.0 (docker/go canonical JSON, FORMATS §1)
 *	TA_PROFILE_TUF     TUF 1.0: python-tuf, securesystemslib, go-tuf, tuf-js
 *	                   (OLPC canonical JSON, FORMATS §2)
 *
 * The values are stable: they may appear in logs and audit records. */
#ifndef TA_PROFILE_H
#define TA_PROFILE_H

#include <stdbool.h>

enum ta_profile {
	TA_PROFILE_NOTARY = 1,
	TA_PROFILE_TUF = 2,
};

/* "notary" or "tuf"; "unknown" for anything else.  Static storage. */
const char *ta_profile_name(enum ta_profile p);

/* Parses "notary" or "tuf" (exact, lowercase).  TA_ERR_INVALID otherwise;
 * *ret_p is written only on success. */
int ta_profile_from_name(const char *s, enum ta_profile *ret_p) __attribute__((warn_unused_result));

/* True for TA_PROFILE_NOTARY and TA_PROFILE_TUF. */
bool ta_profile_valid(enum ta_profile p);

#endif
