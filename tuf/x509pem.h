/* Certificates in PEM as notary writes and reads them: one DER certificate
 * to Go's PEM form, and a root key's PEM bundle back to certificates.
 * Apart from tuf/x509.h (which includes this header) so that tuf/key.c can
 * read notary's x509 keys without depending on root certificates, which
 * depend on keys and signatures.
 *
 * PEM is written exactly as Go's pem.EncodeToMemory writes it (64-column
 * lines, final "\n").  Results are malloc'd (free()); ret_* are written
 * only on success. */
#ifndef TA_X509PEM_H
#define TA_X509PEM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define TA_X509_BUNDLE_MAX 8        /* certificates in one root key */

/* The PEM text of a DER certificate, in Go's form; NUL-terminated, the NUL
 * not counted.  TA_ERR_INVALID unless der is exactly one certificate. */
int ta_x509_to_pem(const uint8_t *der, size_t len, char **ret_pem, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Parses a PEM certificate bundle (len bytes, no NUL needed): one or more
 * "CERTIFICATE" blocks, each exactly in Go's form, back to back, nothing
 * else, at most TA_X509_BUNDLE_MAX of them, each exactly one DER
 * certificate.  *ret holds them in order; free with
 * sk_X509_pop_free(s, X509_free).  TA_ERR_INVALID for anything else,
 * TA_ERR_TOO_LARGE past the limit. */
int ta_x509_bundle_parse(const uint8_t *pem, size_t len, STACK_OF(X509) **ret)
    __attribute__((warn_unused_result));

#endif
