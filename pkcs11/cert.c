/* Certificates beside keys, and X.509 certificates signed by token keys.
 *
 * Why not libp11's EVP_PKEY: libp11 0.4.12 loads and C_Initialize()s its own
 * copy of a module (it cannot take a function list), so it would share
 * neither our session pool nor our login, and its C_Finalize would tear
 * down our sessions; it also lacks EdDSA.  OpenSSL builds and encodes the
 * certificate; only the signature is made here, with ta_p11_sign(). */
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/internal.h"

static int
der_of(int (*i2d)(const void *, unsigned char **), const void *obj, uint8_t **ret,
    size_t *ret_len)
{
	unsigned char *der = NULL;
	int n = i2d(obj, &der);

	if (n <= 0)
		return TA_ERR_CRYPTO;
	*ret = der;
	*ret_len = (size_t)n;
	return 0;
}

static int
i2d_name(const void *n, unsigned char **pp)
{
	return i2d_X509_NAME((const X509_NAME *)n, pp);
}

static int
i2d_int(const void *i, unsigned char **pp)
{
	return i2d_ASN1_INTEGER((const ASN1_INTEGER *)i, pp);
}

int
ta_p11_cert_store(struct ta_p11_token *tok, const struct ta_p11_key *key, const uint8_t *der,
    size_t der_len)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL t = CK_TRUE, f = CK_FALSE;
	const unsigned char *p = der;
	uint8_t *subj = NULL, *iss = NULL, *ser = NULL;
	size_t subj_len = 0, iss_len = 0, ser_len = 0;
	CK_OBJECT_HANDLE created, old[8];
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	CK_RV rv = CKR_OK;
	X509 *x = NULL;
	int r;

	if (key->id_len == 0 || der == NULL || der_len == 0 || der_len > 65536)
		return TA_ERR_INVALID;
	if ((x = d2i_X509(NULL, &p, (long)der_len)) == NULL || p != der + der_len)
		return x ? (X509_free(x), TA_ERR_TRAILING) : TA_ERR_INVALID;
	if ((r = der_of(i2d_name, X509_get_subject_name(x), &subj, &subj_len)) != 0 ||
	    (r = der_of(i2d_name, X509_get_issuer_name(x), &iss, &iss_len)) != 0 ||
	    (r = der_of(i2d_int, X509_get0_serialNumber(x), &ser, &ser_len)) != 0)
		goto out;

	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_PRIVATE, &f, sizeof(f) },
		{ CKA_ID, (void *)(uintptr_t)key->id, key->id_len },
		{ CKA_LABEL, (void *)(uintptr_t)key->label, strlen(key->label) },
		{ CKA_SUBJECT, subj, subj_len },
		{ CKA_ISSUER, iss, iss_len },
		{ CKA_SERIAL_NUMBER, ser, ser_len },
		{ CKA_VALUE, (void *)(uintptr_t)der, der_len },
	};

	if ((r = ta__p11_session_get(tok, &s)) != 0)
		goto out;
	if ((r = ta__p11_find_cert(tok, s, key, old, 8, &n)) == 0) {
		/* Create the new one first: a failure leaves the old in place. */
		rv = tok->mod->fl->C_CreateObject(s, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
		    &created);
		for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++)
			rv = tok->mod->fl->C_DestroyObject(s, old[i]);
		r = ta__p11_rv(rv);
	}
	ta__p11_session_put(tok, s, rv);
out:
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	X509_free(x);
	return r;
}

int
ta_p11_cert_read(struct ta_p11_token *tok, const struct ta_p11_key *key, uint8_t **ret_der,
    size_t *ret_len)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_RV rv;
	int r;

	if (key->id_len == 0)
		return TA_ERR_INVALID;
	if ((r = ta__p11_session_get(tok, &s)) != 0)
		return r;
	r = ta__p11_cert_value(tok, s, key, ret_der, ret_len, &rv);
	ta__p11_session_put(tok, s, rv);
	return r;
}

/* Raw r||s to the DER Ecdsa-Sig-Value X.509 wants. */
static int
ecdsa_der(const uint8_t *rs, size_t len, uint8_t **ret, size_t *ret_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(rs, (int)(len / 2), NULL);
	BIGNUM *bs = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL);
	unsigned char *der = NULL;
	int n;

	if (es == NULL || br == NULL || bs == NULL || !ECDSA_SIG_set0(es, br, bs)) {
		ECDSA_SIG_free(es);
		BN_free(br);
		BN_free(bs);
		return TA_ERR_CRYPTO;
	}
	n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return TA_ERR_CRYPTO;
	*ret = der;
	*ret_len = (size_t)n;
	return 0;
}

int
ta_p11_sign_x509(struct ta_p11_token *tok, const struct ta_p11_key *key, X509 *x,
    struct ta_secret *ctx_pin)
{
	enum ta_sig_scheme scheme;
	uint8_t sig[TA_P11_SIG_MAX], *tbs = NULL, *der = NULL;
	size_t sig_len = 0, der_len;
	const ASN1_BIT_STRING *cbits;
	const X509_ALGOR *calg;
	ASN1_BIT_STRING *bits;
	int nid, ptype, n, r;

	switch (key->type) {
	case TA_KEY_EC_P256:
	case TA_KEY_EC_P384:
		scheme = TA_SIG_ECDSA_SHA256, nid = NID_ecdsa_with_SHA256, ptype = V_ASN1_UNDEF;
		break;
	case TA_KEY_RSA_2048:
	case TA_KEY_RSA_3072:
	case TA_KEY_RSA_4096:
	case TA_KEY_RSA_OTHER:
		scheme = TA_SIG_RSA_PKCS1_SHA256, nid = NID_sha256WithRSAEncryption;
		ptype = V_ASN1_NULL;
		break;
	case TA_KEY_ED25519:
		scheme = TA_SIG_ED25519, nid = NID_ED25519, ptype = V_ASN1_UNDEF;
		break;
	default:
		r = TA_ERR_KEY_TYPE;
		goto out;
	}
	/* OpenSSL has no setter for a certificate's signature fields apart
	 * from signing with an EVP_PKEY; the fields are ours to fill, so the
	 * const accessors' results are written through. */
	X509_get0_signature(&cbits, &calg, x);
	if (!X509_ALGOR_set0((X509_ALGOR *)(uintptr_t)X509_get0_tbs_sigalg(x), OBJ_nid2obj(nid),
		ptype, NULL) ||
	    !X509_ALGOR_set0((X509_ALGOR *)(uintptr_t)calg, OBJ_nid2obj(nid), ptype, NULL)) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	/* i2d_re_X509_tbs re-encodes the TBS with the algorithm just set. */
	if ((n = i2d_re_X509_tbs(x, &tbs)) <= 0) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	r = ta_p11_sign(tok, key, scheme, tbs, (size_t)n, ctx_pin, sig, &sig_len);
	ctx_pin = NULL;
	if (r != 0)
		goto out;
	if (scheme == TA_SIG_ECDSA_SHA256) {
		if ((r = ecdsa_der(sig, sig_len, &der, &der_len)) != 0)
			goto out;
	}
	bits = (ASN1_BIT_STRING *)(uintptr_t)cbits;
	if (!ASN1_BIT_STRING_set(bits, der ? der : sig, (int)(der ? der_len : sig_len))) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	/* A signature is a whole number of bytes: no unused bits. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	r = 0;
out:
	ta_secret_free(ctx_pin);
	OPENSSL_free(tbs);
	OPENSSL_free(der);
	return r;
}
