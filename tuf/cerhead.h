/* The head of a root key ceremony's transcript, as the agent signs it: the
 * "ceremony" profile of the sign method (PROTOCOL.md §5.9).  tufctl
 * ceremony finish (client/ceremony.h) has the root keys sign the chain
 * head through the agent; the agent signs only a document it has parsed
 * here, never raw bytes.  The file is a TUF envelope:
 *
 *	{"signed":{"_type":"ceremony-head",
 *	           "ceremony":"<64 hex>",      the ceremony's ID (SHA-256 of plan.json)
 *	           "gun":"...",                the repository or GUN ("" for none)
 *	           "head":"<64 hex>",          SHA-256 of the transcript's last line
 *	           "profile":"tuf"|"notary",   of the root the ceremony makes
 *	           "records":N,                lines in the transcript, 1..TA_CERHEAD_RECORDS_MAX
 *	           "root_sha256":"<64 hex>"},  SHA-256 of the finished root's bytes
 *	 "signatures":[{"keyid":"<hex>","sig":"<hex>"}...]}
 *
 * exactly these members, hex in lower case.  It is signed as TUF metadata
 * is (the canonical JSON of "signed", each key as its TUF key object,
 * whatever the ceremony's profile): securesystemslib checks it as it checks
 * any TUF role.  Its signing rule in the agent is that of the root of
 * "profile" for "gun" (the caller's rule and every key's scope). */
#ifndef TA_TUF_CERHEAD_H
#define TA_TUF_CERHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "tuf/json.h"
#include "tuf/meta.h"

#define TA_CERHEAD_TYPE "ceremony-head"
#define TA_CERHEAD_RECORDS_MAX 100000
#define TA_CERHEAD_GUN_MAX 255

struct ta_cerhead {
	char ceremony[65];
	char head[65];
	char root_sha256[65];
	char gun[TA_CERHEAD_GUN_MAX + 1];
	enum ta_profile profile;
	int64_t records;
};

/* Parses and checks a head file.  0 with *out filled and, when ret is not
 * NULL, *ret the envelope as a ta_meta (profile TUF, type
 * TA_ROLE_CEREMONY_HEAD) to sign with ta_meta_sign_bytes; else a TA_ERR_*
 * with err (may be NULL) naming the member at fault. */
int ta_cerhead_parse(const uint8_t *buf, size_t len, struct ta_cerhead *out, struct ta_meta **ret,
    struct ta_json_error *err) __attribute__((warn_unused_result));

/* The unsigned head file of h (compact, sorted keys, no signatures): what
 * tufctl sends.  TA_ERR_INVALID when h is not one ta_cerhead_parse takes. */
int ta_cerhead_write(const struct ta_cerhead *h, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
