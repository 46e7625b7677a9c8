/* Certificates as notary writes them: DER to PEM in Go's form, and PEM
 * bundles back to certificates (tuf/x509pem.h).  Below tuf/key.c, which
 * reads notary's x509 keys with them, and tuf/x509.c, which makes and
 * checks root certificates. */
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "tuf/encoding.h"
#include "tuf/x509pem.h"

int
ta_x509_to_pem(const uint8_t *der, size_t len, char **ret_pem, size_t *ret_len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || ret_pem == NULL || ret_len == NULL || len == 0)
		return TA_ERR_INVALID;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return TA_ERR_INVALID;
	}
	X509_free(x);
	return ta_pem_encode("CERTIFICATE", der, len, ret_pem, ret_len);
}

int
ta_x509_bundle_parse(const uint8_t *pem, size_t len, STACK_OF(X509) **ret)
{
	STACK_OF(X509) *certs = NULL;
	const char *s = (const char *)pem;
	uint8_t *der = NULL;
	size_t pos = 0;
	int r = TA_ERR_INVALID;

	if (pem == NULL || ret == NULL)
		return TA_ERR_INVALID;
	if ((certs = sk_X509_new_null()) == NULL)
		return TA_ERR_NOMEM;
	while (pos < len) {
		const unsigned char *p;
		size_t der_len = 0, used = 0;
		X509 *x;

		if (sk_X509_num(certs) == TA_X509_BUNDLE_MAX) {
			r = TA_ERR_TOO_LARGE;
			goto out;
		}
		if ((r = ta_pem_decode("CERTIFICATE", s + pos, len - pos, false, &der, &der_len,
			 &used)) != 0)
			goto out;
		pos += used;
		p = der;
		x = d2i_X509(NULL, &p, (long)der_len);
		if (x == NULL || p != der + der_len) {
			X509_free(x);
			r = TA_ERR_INVALID;
			goto out;
		}
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			r = TA_ERR_NOMEM;
			goto out;
		}
		free(der);
		der = NULL;
	}
	if (sk_X509_num(certs) == 0) {
		r = TA_ERR_INVALID;
		goto out;
	}
	*ret = certs;
	certs = NULL;
	r = 0;
out:
	free(der);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return r;
}
