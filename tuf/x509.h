/* Notary root certificates: making one for a signer's key, and checking a
 * root key's certificate bundle the way notary does (FORMATS §1.6).
 *
 * What ta_x509_make_root() builds is what notary's NewCertificate builds
 * (FORMATS §1.6 "What notary generates"):
 *	version 3, a random positive serial below 2^128,
 *	subject = issuer = CN=<GUN> (PrintableString when every character is
 *	in that set or '*', else UTF8String, as Go's asn1.Marshal chooses),
 *	NotBefore = now, NotAfter = now + days (UTCTime up to 2049, then
 *	GeneralizedTime, whole seconds),
 *	KeyUsage digitalSignature, keyEncipherment (critical),
 *	ExtKeyUsage codeSigning,
 *	BasicConstraints CA:FALSE (critical),
 *	self-signed with ecdsa-with-SHA256 (EC keys, P-384 too) or
 *	sha256WithRSAEncryption (RSA keys).
 * The signature is made through the signer (raw r||s turned into a DER
 * ECDSA-Sig-Value) and checked with the certificate's own key before the
 * certificate is returned.
 *
 * PEM (tuf/x509pem.h, included here) is written exactly as Go's
 * pem.EncodeToMemory writes it (64-column lines, final "\n"), which is what
 * notary re-encodes before it recomputes an x509 key ID (Appendix A "Key
 * id").
 *
 * Results are malloc'd (free()); ret_* are written only on success. */
#ifndef TA_X509_H
#define TA_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "tuf/signer.h"
#include "tuf/x509pem.h"

#define TA_X509_DEFAULT_DAYS 3650   /* notary's root lifetime, 10 years */
#define TA_X509_MAX_DAYS 36525      /* 100 years */
#define TA_X509_GUN_MAX 255         /* a docker repository name's limit */

/* ta_x509_check_root() flags. */
#define TA_X509_CHECK_TIME 0x1u     /* also NotBefore <= now + 1 day, now <= NotAfter */

struct ta_x509_error {
	int code;        /* what the function returned; 0 if none */
	char text[320];  /* one line naming the rule and the values at fault */
};

/* A self-signed root certificate for GUN (1..TA_X509_GUN_MAX characters
 * of printable ASCII, 0x21..0x7e; a trailing '*' makes a wildcard CN),
 * valid from now for days (0 means TA_X509_DEFAULT_DAYS; at most
 * TA_X509_MAX_DAYS), for the signer's key (EC P-256/P-384 or RSA
 * >= 2048 bits; TA_ERR_KEY_TYPE for Ed25519, which notary has no
 * certificate key type for).  Sets *ret_der / *ret_len to the DER.
 * Errors: TA_ERR_INVALID for bad arguments; the signer's own errors;
 * TA_ERR_VERIFY when its signature does not verify; TA_ERR_CRYPTO. */
int ta_x509_make_root(const struct ta_signer *signer, const char *gun, unsigned days,
    time_t now, uint8_t **ret_der, size_t *ret_len) __attribute__((warn_unused_result));

/* Checks a root key's certificate bundle (keyval.public decoded, see
 * ta_key_public_bytes()) against GUN as notary's ValidateRoot does for each
 * root key, in notary's order, returning the first rule that fails:
 *	TA_ERR_INVALID        the bundle does not parse (ta_x509_bundle_parse())
 *	TA_ERR_CERT_LEAF      not exactly one non-CA certificate, or it is not
 *	                      the first; a CA is a certificate whose
 *	                      BasicConstraints say CA:TRUE, as in Go
 *	TA_ERR_CERT_CN        the leaf's subject has not exactly one CN, or the
 *	                      CN is not the GUN; a CN ending in '*' matches
 *	                      every GUN that starts with the CN stripped of all
 *	                      its trailing '*' (Go's strings.TrimRight), so "*"
 *	                      alone matches any GUN
 *	TA_ERR_CERT_DATES     NotBefore after NotAfter
 *	TA_ERR_CERT_SHA1      the leaf is signed with SHA-1 (or MD5)
 *	TA_ERR_KEY_WEAK       the leaf's key is RSA under 2048 bits
 *	TA_ERR_CERT_NOT_YET_VALID  with TA_X509_CHECK_TIME: NotBefore is after
 *	                      now + 1 day
 *	TA_ERR_CERT_EXPIRED   with TA_X509_CHECK_TIME: NotAfter is before now
 * Only the leaf is checked, as notary does; the self-signature, KeyUsage
 * and ExtKeyUsage are not (FORMATS §1.6 "Checks not performed").
 * A subject with more than one CN attribute is refused (TA_ERR_CERT_CN),
 * where Go would take the last one.  err may be NULL; otherwise it is always filled in. */
int ta_x509_check_root(const uint8_t *pem, size_t len, const char *gun, time_t now,
    unsigned flags, struct ta_x509_error *err) __attribute__((warn_unused_result));

#endif
