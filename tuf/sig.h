/* Signatures in metadata: making them through a struct ta_signer, reading
 * and writing signature objects, and verifying them.
 *
 * Signature objects (FORMATS §1.3, §2.3, §3):
 *  notary  {"keyid":K,"method":M,"sig":"<base64>"}
 *  tuf     {"keyid":K,"sig":"<hex>"}
 *
 * What is signed, per key (ta_sig_scheme_for()):
 *  notary  method "ecdsa": SHA-256 (for P-384 keys too), raw r||s, each half
 *          left-padded to the curve size (64 bytes for P-256, 96 for P-384);
 *          "rsapss": RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32;
 *          "eddsa": Ed25519 (64 bytes)  (FORMATS §0 rule 3, §1.2).
 *          An "rsa" key in the pycrypto form (ta_key_public_is_pem()) signs
 *          as "pycrypto-pkcs#1 pss", the one method notary verifies with
 *          such a key.
 *  tuf     by the key's scheme: ecdsa-sha2-nistp256 (SHA-256) and
 *          ecdsa-sha2-nistp384 (SHA-384) as a strict DER ECDSA-Sig-Value
 *          (Appendix B "DER encoding ... must be strict"); rsassa-pss-sha256
 *          with salt 32 (what securesystemslib signs with);
 *          rsa-pkcs1v15-sha256; ed25519.
 *
 * Verification rules (ta_sig_verify()):
 *  notary  as notary's verifiers (FORMATS §1.2): the signature's keyid must
 *          be the key's ID; the method picks the verifier and must fit the
 *          key: "ecdsa" for ecdsa / ecdsa-x509 keys, "rsapss" and
 *          "rsapkcs1v15" for rsa / rsa-x509 keys in DER form,
 *          "pycrypto-pkcs#1 pss" for rsa keys in PEM form, "eddsa" for
 *          ed25519 keys; ECDSA signatures are raw r||s of exactly twice the
 *          curve size over SHA-256; RSA-PSS salt is exactly 32; RSA keys
 *          have >= 2048 bits (ta_key refuses smaller ones).
 *  tuf     the key's scheme decides; the keyid is a label the caller looked
 *          the key up by, and is not compared.  ECDSA signatures must be
 *          strict DER (minimal positive INTEGERs, definite short lengths,
 *          nothing after the SEQUENCE); RSA-PSS accepts any salt length, as
 *          securesystemslib and tuf-js do (FORMATS §2.3, §3).
 *  both    RSA signatures must be exactly as long as the modulus, Ed25519
 *          signatures 64 bytes.
 *
 * Errors of ta_sig_verify(): TA_ERR_VERIFY when the signature does not
 * verify (or, notary, names another key); TA_ERR_FORMAT for signature bytes
 * of the wrong length or not strict DER, TA_ERR_TRAILING for bytes after a
 * DER signature; TA_ERR_UNSUPPORTED for an unknown notary method;
 * TA_ERR_KEY_TYPE for a method that does not fit the key; TA_ERR_INVALID for
 * bad arguments (e.g. a signature of the other profile); TA_ERR_CRYPTO,
 * TA_ERR_NOMEM.  OpenSSL's error queue is left empty. */
#ifndef TA_SIG_H
#define TA_SIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/keytype.h"
#include "tuf/key.h"
#include "tuf/profile.h"
#include "tuf/signer.h"

#define TA_SIG_KEYID_MAX 128     /* hex digits: a SHA-512 key ID fits */
#define TA_SIG_METHOD_MAX 32     /* notary method names (TA_CANON_METHOD_MAX) */
#define TA_SIG_BYTES_MAX 1024    /* signature bytes: RSA-8192 */
#define TA_SIG_ECDSA_DER_MAX 110 /* a DER ECDSA-Sig-Value for P-384 is at most 104 */

struct ta_sig {
	enum ta_profile profile;
	char keyid[TA_SIG_KEYID_MAX + 1];   /* as in the object */
	char method[TA_SIG_METHOD_MAX + 1]; /* notary, lowercase; "" for tuf */
	uint8_t sig[TA_SIG_BYTES_MAX];      /* the decoded "sig": what the table says */
	size_t sig_len;
};

/* The signer scheme a key signs with, and (notary) the method name to
 * write, static; *ret_method is NULL for tuf.  TA_ERR_INVALID for NULL
 * arguments. */
int ta_sig_scheme_for(const struct ta_key *key, enum ta_sig_scheme *ret_scheme,
    const char **ret_method) __attribute__((warn_unused_result));

/* Signs len bytes of msg (the canonical bytes of "signed") with key
 * through signer, which must hold the same key (its spki equal to
 * ta_key_spki(), else TA_ERR_INVALID).  Fills *ret_sig with keyid =
 * ta_key_id(key), the method (notary) and the signature in its metadata
 * form (raw r||s for notary ECDSA, DER for tuf ECDSA).  The signature is
 * verified with ta_sig_verify() before it is returned (unless the signer
 * says no_check and the scheme is not RSA: signer.h), so a signer that
 * returns a bad one gives TA_ERR_VERIFY (TA_ERR_CRYPTO when its length is
 * wrong).  Also the signer's own errors. */
int ta_sig_make(const struct ta_key *key, const struct ta_signer *signer, const uint8_t *msg,
    size_t len, struct ta_sig *ret_sig) __attribute__((warn_unused_result));

/* Reads one signature object.
 *  notary  exactly keyid, method, sig; keyid 64 lowercase hex digits;
 *          method a string of 1..TA_SIG_METHOD_MAX printable ASCII
 *          characters, lowercased as Go's Signature.UnmarshalJSON does;
 *          sig canonical padded base64.
 *  tuf     keyid and sig required, other members ignored (tuf-js ignores
 *          them; they are not kept); keyid 1..TA_SIG_KEYID_MAX hex digits
 *          of either case, kept as is; sig hex of either case.
 * TA_ERR_FORMAT for a wrong shape, a bad keyid or method, or an empty sig;
 * TA_ERR_INVALID for sig text that does not decode; TA_ERR_TOO_LARGE for a
 * sig over TA_SIG_BYTES_MAX bytes. */
int ta_sig_from_json(enum ta_profile profile, const json_t *obj, struct ta_sig *ret_sig)
    __attribute__((warn_unused_result));

/* The signature object as a new jansson object (json_decref()), sig in
 * padded base64 (notary) or lowercase hex (tuf). */
int ta_sig_to_json(const struct ta_sig *sig, json_t **ret_obj)
    __attribute__((warn_unused_result));

/* Verifies sig over len bytes of msg with key under the rules above.
 * 0 when it verifies. */
int ta_sig_verify(const struct ta_key *key, const struct ta_sig *sig, const uint8_t *msg,
    size_t len) __attribute__((warn_unused_result));

/* Raw r||s (len even, each half the curve size) to a strict DER
 * ECDSA-Sig-Value in der (cap bytes).  TA_ERR_INVALID for an odd or zero
 * len or a half over 66 bytes, TA_ERR_TOO_LARGE when cap is short. */
int ta_sig_ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t *der, size_t cap,
    size_t *ret_len) __attribute__((warn_unused_result));

/* A strict DER ECDSA-Sig-Value to raw r||s with halves of half bytes
 * (ret_raw has room for 2 * half).  TA_ERR_FORMAT when der is not strict
 * DER or an integer does not fit half bytes, TA_ERR_TRAILING for bytes
 * after the SEQUENCE. */
int ta_sig_ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *ret_raw)
    __attribute__((warn_unused_result));

/* Begins an OpenSSL signature (sign) or its check (!sign) with pkey under
 * scheme in ctx: the scheme's digest and, for RSA, its padding (salt:
 * RSA-PSS's salt length).  0, or TA_ERR_CRYPTO.  ta_sig_verify() checks
 * through it, and tests/tools/memsigner.c signs through it. */
int ta_sig_evp_init(EVP_MD_CTX *ctx, EVP_PKEY *pkey, enum ta_sig_scheme scheme, int salt,
    bool sign) __attribute__((warn_unused_result));

#endif
