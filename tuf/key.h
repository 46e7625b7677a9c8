/* Public keys as metadata key objects, in both profiles, and their key IDs.
 *
 * What the key object looks like (FORMATS §1.4, §2.2, §3, Appendix B):
 *
 *  notary  {"keytype":T,"keyval":{"private":null,"public":"<base64>"}}
 *	T          keyval.public is the base64 of
 *	ecdsa      the DER SubjectPublicKeyInfo (P-256 or P-384)
 *	rsa        the DER SubjectPublicKeyInfo
 *	ed25519    the raw 32-byte public key
 *	ecdsa-x509 the PEM text of a certificate (bundle), as Go's
 *	rsa-x509   pem.EncodeToMemory writes it; the key is the first one's
 *
 *  tuf     {"keytype":T,"scheme":S,"keyval":{"public":P}}
 *	T / S                              P
 *	ecdsa / ecdsa-sha2-nistp256        PEM SubjectPublicKeyInfo text
 *	ecdsa / ecdsa-sha2-nistp384        PEM SubjectPublicKeyInfo text
 *	rsa / rsassa-pss-sha256            PEM SubjectPublicKeyInfo text
 *	ed25519 / ed25519                  64 hex digits of the raw key
 *
 * The tuf rows are what ta_key_from_spki() emits.  Why these strings
 * (Appendix B "What each library accepts"): keytype "ecdsa" is python-tuf's
 * current default and is accepted by securesystemslib 0.26, tuf-js and
 * go-tuf; PEM SPKI (not a hex point, not PKCS#1 "RSA PUBLIC KEY") is the
 * one public-key form all of them read; Ed25519 must be hex because
 * securesystemslib refuses a PEM.  P-256 is the curve to use for tuf: for
 * ecdsa-sha2-nistp384 securesystemslib and python-tuf hash with SHA-384,
 * while tuf-js 6.0.2 verifies with Node's crypto.verify(undefined, ...),
 * which hashes an EC key's message with SHA-256, so tuf-js cannot verify
 * a P-384 signature that the others accept.  PEMs are written as OpenSSL,
 * Go and pyca/cryptography write them, with a final "\n".  securesystemslib
 * 0.26 is not consistent: generate_ecdsa_key() keeps that newline, while
 * generate_rsa_key() and the import_*_from_public_pem() functions drop it,
 * which gives the same key another ID (FORMATS Appendix B "keyid";
 * tests/integration/sslib-interop.sh shows both).
 *
 * When reading (ta_key_from_json()) the tuf profile also accepts what the
 * verifiers accept: keytype "ecdsa-sha2-nistp256" / "ecdsa-sha2-nistp384"
 * with the same scheme (legacy names, FORMATS §2.2), scheme
 * "rsa-pkcs1v15-sha256" for keytype "rsa" (§2.3), a PEM without the final
 * newline and hex digits in upper case.  Everything is kept as published,
 * because the key ID hashes the text.
 *
 * Shape rules of ta_key_from_json():
 *  notary  the field set is closed (FORMATS §0 rule 6): exactly keytype and
 *          keyval, keyval exactly private (which must be null) and public.
 *          A missing "private" is refused too: notary always writes it and
 *          the key ID hashes it.  keyval.public must be canonical padded
 *          base64 (Go would read some other spellings, but would then hash
 *          its own re-encoding, not the text).  An "rsa" key whose public
 *          bytes are a PEM "PUBLIC KEY" instead of DER is read too: such
 *          keys sign with method "pycrypto-pkcs#1 pss" (FORMATS §1.2).
 *  tuf     keytype, scheme and keyval are required; other members are
 *          tolerated, kept, and written back by ta_key_to_json() (python-tuf
 *          keeps them as unrecognized_fields) but are not part of the key
 *          ID.  keyval must hold exactly "public": it is the key, and tuf-js
 *          refuses keyval members that are not strings.
 *  both    all strings must be free of NUL bytes; RSA keys need 2048..8192
 *          bits; EC keys must use a named curve (P-256, P-384) and an
 *          uncompressed point, as Go's x509 requires; the DER inside must
 *          be exactly one strict DER value.
 *
 * Key IDs (64 lowercase hex digits) are the SHA-256 of canonical JSON
 * (tuf/canon.h) of:
 *  notary  {"keytype":T,"keyval":{"private":null,"public":P}}  (FORMATS §0
 *          rule 4, §1.4); for x509 keys this hashes the PEM certificate.
 *          The canonical key ID of an x509 key is the ID of the bare key:
 *          {"keytype":"ecdsa"|"rsa", public: base64(DER SPKI of the leaf)},
 *          the name notary gives the private key (FORMATS §1.4).
 *  tuf     {"keytype":T,"keyval":{"public":P},"scheme":S}  (Appendix B
 *          "keyid", whose worked example the tests check).  This is what
 *          securesystemslib >= 1.0 computes (compute_default_keyid) and what
 *          python-tuf, go-tuf and tuf-js write.  securesystemslib 0.26's
 *          keys._get_keyid also hashes "keyid_hash_algorithms":["sha256",
 *          "sha512"] (FORMATS §2.2), which gives another ID: the legacy ID
 *          of python-tuf 0.x, available as ta_key_sslib026_id().  Modern
 *          clients treat key IDs as labels and recompute neither.
 *
 * Errors: TA_ERR_FORMAT for a wrong shape (missing, extra or mistyped
 * members, "private" not null); TA_ERR_UNSUPPORTED for an unknown keytype or
 * keytype/scheme pair, another curve or key algorithm; TA_ERR_INVALID for
 * bytes that do not decode (base64, hex, PEM, DER); TA_ERR_KEY_TYPE when the
 * decoded key is not of the declared type (an RSA key under "ecdsa", a P-384
 * key under ecdsa-sha2-nistp256); TA_ERR_KEY_WEAK for RSA under 2048 bits;
 * TA_ERR_TOO_LARGE for public strings over TA_KEY_PUBLIC_MAX; TA_ERR_NOMEM;
 * TA_ERR_CRYPTO when OpenSSL fails otherwise.
 *
 * A struct ta_key is immutable once made, so it may be shared between
 * threads. */
#ifndef TA_KEY_H
#define TA_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/types.h>

#include "common/keytype.h"
#include "tuf/profile.h"

#define TA_KEY_ID_LEN 64                 /* hex digits of a key ID */
#define TA_KEY_ID_SIZE (TA_KEY_ID_LEN + 1)
#define TA_KEY_SPKI_MAX 2048             /* DER SPKI bytes (RSA-8192 is 1062) */
#define TA_KEY_PUBLIC_MAX 65536          /* characters of keyval.public */
#define TA_KEY_RSA_MIN_BITS 2048
#define TA_KEY_RSA_MAX_BITS 8192

struct ta_key;

/* A key object for the DER SubjectPublicKeyInfo a token gives (spki_len
 * bytes, at most TA_KEY_SPKI_MAX), in the profile's form (the emitted rows
 * of the tables above).  *ret_key is freed with ta_key_free(). */
int ta_key_from_spki(enum ta_profile profile, const uint8_t *spki, size_t spki_len,
    struct ta_key **ret_key) __attribute__((warn_unused_result));

/* A notary "ecdsa-x509" or "rsa-x509" key for one DER certificate (as
 * tuf/x509.h makes or a token stores): keyval.public is the base64 of its
 * PEM in Go's form.  TA_ERR_KEY_TYPE for a certificate whose key is
 * neither EC nor RSA (notary has no Ed25519 certificate keys).  Nothing
 * about the certificate is checked here beyond its key; see
 * ta_x509_check_root(). */
int ta_key_from_cert(const uint8_t *der, size_t der_len, struct ta_key **ret_key)
    __attribute__((warn_unused_result));

/* ta_key_from_cert() for the first PEM "CERTIFICATE" block of pem (len
 * characters; final_newline_optional as ta_pem_decode() takes it): what
 * follows that block is not read (a bundle gives its first certificate's
 * key).  TA_ERR_INVALID when pem does not start with one; *ret_key is
 * left alone on any error, as ta_key_from_cert() leaves it. */
int ta_key_from_cert_pem(const char *pem, size_t len, bool final_newline_optional,
    struct ta_key **ret_key) __attribute__((warn_unused_result));

/* Reads a key object of the profile from metadata (the value under a key
 * ID in "keys"), under the shape rules above.  obj is only read. */
int ta_key_from_json(enum ta_profile profile, const json_t *obj, struct ta_key **ret_key)
    __attribute__((warn_unused_result));

/* The key object as a new jansson object (the caller json_decref()s it):
 * the same members as read or made, ready for ta_canon_write(). */
int ta_key_to_json(const struct ta_key *key, json_t **ret_obj) __attribute__((warn_unused_result));

/* NULL is a no-op. */
void ta_key_free(struct ta_key *key);

/* The ID that the profile's formula gives for a key object with these
 * members (scheme is ignored for notary and required for tuf), into ret_id
 * as 64 lowercase hex digits and a NUL.  The strings are hashed as given:
 * nothing is checked beyond what canonical JSON needs.  TA_ERR_INVALID for
 * NULL arguments or an unknown profile; otherwise as ta_canon_write(). */
int ta_key_id_compute(enum ta_profile profile, const char *keytype, const char *scheme,
    const char *public_value, char ret_id[static TA_KEY_ID_SIZE])
    __attribute__((warn_unused_result));

/* The same for securesystemslib 0.26's keys._get_keyid(), which also
 * hashes "keyid_hash_algorithms":["sha256","sha512"] (tuf only). */
int ta_key_id_compute_sslib026(const char *keytype, const char *scheme, const char *public_value,
    char ret_id[static TA_KEY_ID_SIZE]) __attribute__((warn_unused_result));

/* Accessors.  Strings and bytes belong to the key and live as long as it. */
enum ta_profile ta_key_profile(const struct ta_key *key);
/* TA_KEY_EC_P256 ... TA_KEY_ED25519; RSA sizes other than 2048/3072/4096
 * are TA_KEY_RSA_OTHER.  For x509 keys, the certificate's key. */
enum ta_key_type ta_key_get_type(const struct ta_key *key);
/* "ecdsa", "rsa-x509", ... as published. */
const char *ta_key_keytype(const struct ta_key *key);
/* tuf: the scheme as published; notary: NULL. */
const char *ta_key_scheme(const struct ta_key *key);
/* keyval.public as published (base64 for notary; PEM or hex for tuf). */
const char *ta_key_public(const struct ta_key *key);
/* The bytes keyval.public stands for: notary the decoded base64 (DER SPKI,
 * PEM certificate text, raw Ed25519 key); tuf the text itself. */
const uint8_t *ta_key_public_bytes(const struct ta_key *key, size_t *ret_len);
/* The DER SPKI of the key (of the leaf certificate for x509 keys). */
const uint8_t *ta_key_spki(const struct ta_key *key, size_t *ret_len);
/* The key for verification; borrowed, never NULL for a made key. */
EVP_PKEY *ta_key_pkey(const struct ta_key *key);
/* For tuf/sig.c: slot i (< TA__KEY_VERIFY_SLOTS) of the key's cached
 * verify contexts, NULL otherwise.  A slot holds NULL or an EVP_MD_CTX begun
 * for verification with the key, set once (compare-and-swap) and only ever
 * copied afterwards; ta_key_free() frees them. */
#define TA__KEY_VERIFY_SLOTS 2
_Atomic(EVP_MD_CTX *) *ta__key_verify_slot(const struct ta_key *key, size_t i);
/* The profile's key ID (notary: for x509 keys, of the certificate). */
const char *ta_key_id(const struct ta_key *key);
/* notary: the ID of the bare key (equals ta_key_id() unless x509);
 * tuf: equals ta_key_id(). */
const char *ta_key_canonical_id(const struct ta_key *key);
/* tuf: the securesystemslib 0.26 / python-tuf 0.x ID; notary: NULL. */
const char *ta_key_sslib026_id(const struct ta_key *key);
/* notary "ecdsa-x509" / "rsa-x509". */
bool ta_key_is_x509(const struct ta_key *key);
/* notary "rsa" whose public bytes are PEM text (the pycrypto form). */
bool ta_key_public_is_pem(const struct ta_key *key);

#endif
