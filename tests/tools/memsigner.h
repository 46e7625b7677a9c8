/* An in-memory OpenSSL key behind a struct ta_signer, for tests and tools.
 *
 * It signs as tuf/signer.h says a token does: ECDSA raw r||s (each half
 * left-padded to the curve size), RSA modulus-sized, Ed25519 64 bytes.
 * The knobs let tests make the signer misbehave the ways tokens can. */
#ifndef TA_MEMSIGNER_H
#define TA_MEMSIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "common/keytype.h"
#include "tuf/signer.h"

struct memsigner {
	struct ta_signer signer; /* ctx points back here */
	EVP_PKEY *pkey;
	uint8_t *spki;           /* DER SPKI, what signer.spki points to */
	size_t spki_len;
	int pss_salt;            /* RSA-PSS salt length; 32 unless a test changes it */
	int fail;                /* when non-zero, sign returns it */
	bool corrupt;            /* flip one bit of every signature */
	int trim;                /* return this many bytes fewer */
	unsigned calls;          /* signatures made */
};

/* A new key of the type (TA_KEY_RSA_OTHER: 2560 bits).  NULL on failure. */
struct memsigner *memsigner_new(enum ta_key_type type);

/* A new RSA key of any size (1024 included), typed TA_KEY_RSA_OTHER unless
 * bits is 2048, 3072 or 4096. */
struct memsigner *memsigner_new_rsa(int bits);

/* Wraps pkey (a reference is taken). */
struct memsigner *memsigner_from_pkey(EVP_PKEY *pkey, enum ta_key_type type);

/* NULL is a no-op. */
void memsigner_free(struct memsigner *m);

/* Signs len bytes of msg in the scheme with an explicit RSA-PSS salt,
 * ignoring the knobs: for tests that need odd signatures. */
int memsigner_sign_with(struct memsigner *m, enum ta_sig_scheme scheme, int pss_salt,
    const uint8_t *msg, size_t len, uint8_t sig[TA_SIG_MAX], size_t *ret_len);

#endif
