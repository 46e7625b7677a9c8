/* Signing a metadata file: the one place tuf/ turns a model into signed
 * bytes through a signer. */
#ifndef TA_SIGN_H
#define TA_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/signer.h"

/* Signs the canonical bytes of m's "signed" with key through signer and
 * puts the signature in m, replacing one by the same key ID (a re-sign)
 * and keeping the others (threshold roles gather several).  When
 * ret_sha256 is not NULL it receives the SHA-256 of the signed bytes (for
 * the audit record).  The signature is verified before it is added. */
int ta_meta_sign(struct ta_meta *m, const struct ta_key *key, const struct ta_signer *signer,
    uint8_t ret_sha256[32]) __attribute__((warn_unused_result));

/* The same over msg (len bytes), which the caller vouches are the
 * canonical bytes of m's "signed" (ta_meta_signed_bytes(), or
 * ta_canon_stream(file, ..., "signed", ...) of the file m was parsed from
 * while "signed" is unchanged): a sign request with several keys makes
 * them once instead of once per key. */
int ta_meta_sign_bytes(struct ta_meta *m, const struct ta_key *key,
    const struct ta_signer *signer, const uint8_t *msg, size_t len, uint8_t ret_sha256[32])
    __attribute__((warn_unused_result));

#endif
