/* The signer interface: how tuf/ signs without knowing where keys live.
 *
 * The agent backs it with a token key (pkcs11/ta_p11_sign), tests with an
 * in-memory OpenSSL key.  tuf/ never includes PKCS#11 headers. */
#ifndef TA_SIGNER_H
#define TA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "common/keytype.h"

struct ta_signer {
	enum ta_key_type type;
	const uint8_t *spki;     /* DER SubjectPublicKeyInfo of the key */
	size_t spki_len;
	/* Signs msg in the scheme; ECDSA signatures come back raw (r||s, each
	 * half left-padded to the curve size), RSA modulus-sized, Ed25519 64
	 * bytes.  0 or a negative TA_ERR_*. */
	int (*sign)(void *ctx, enum ta_sig_scheme scheme, const uint8_t *msg, size_t len,
	    uint8_t sig[TA_SIG_MAX], size_t *ret_len);
	void *ctx;
	/* ta_sig_make() verifies each signature before it is used, so that a
	 * faulty one never leaves (a fault attack needs to see one).  true
	 * skips that check for ECDSA and Ed25519 signatures, for a signer the
	 * caller trusts not to be faulted; RSA signatures are checked
	 * whatever this says (one faulty RSA-CRT signature gives away the
	 * key). */
	bool no_check;
};

#endif
