#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/sig.h"

static bool
scheme_fits(EVP_PKEY *pkey, enum ta_sig_scheme scheme)
{
	switch (scheme) {
	case TA_SIG_ECDSA_SHA256:
	case TA_SIG_ECDSA_SHA384:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC;
	case TA_SIG_RSA_PSS_SHA256:
	case TA_SIG_RSA_PKCS1_SHA256:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA;
	case TA_SIG_ED25519:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519;
	}
	return false;
}

int
memsigner_sign_with(struct memsigner *m, enum ta_sig_scheme scheme, int pss_salt,
    const uint8_t *msg, size_t len, uint8_t sig[TA_SIG_MAX], size_t *ret_len)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	int r = TA_ERR_CRYPTO;

	if (!scheme_fits(m->pkey, scheme))
		return TA_ERR_KEY_TYPE;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    ta_sig_evp_init(ctx, m->pkey, scheme, pss_salt, true) != 0)
		goto out;
	if (EVP_DigestSign(ctx, NULL, &n, msg, len) != 1 || (buf = OPENSSL_malloc(n)) == NULL ||
	    EVP_DigestSign(ctx, buf, &n, msg, len) != 1)
		goto out;
	if (scheme == TA_SIG_ECDSA_SHA256 || scheme == TA_SIG_ECDSA_SHA384) {
		/* DER to raw r||s, each half padded to the curve size. */
		const unsigned char *p = buf;
		int half = (EVP_PKEY_get_bits(m->pkey) + 7) / 8;

		if ((es = d2i_ECDSA_SIG(NULL, &p, (long)n)) == NULL ||
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, half) != half ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, half) != half)
			goto out;
		n = 2 * (size_t)half;
	} else {
		if (n > TA_SIG_MAX)
			goto out;
		memcpy(sig, buf, n);
	}
	*ret_len = n;
	r = 0;
out:
	ECDSA_SIG_free(es);
	OPENSSL_free(buf);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

static int
memsigner_sign(void *vctx, enum ta_sig_scheme scheme, const uint8_t *msg, size_t len,
    uint8_t sig[TA_SIG_MAX], size_t *ret_len)
{
	struct memsigner *m = vctx;
	size_t n = 0;
	int r;

	if (m->fail != 0)
		return m->fail;
	if ((r = memsigner_sign_with(m, scheme, m->pss_salt, msg, len, sig, &n)) != 0)
		return r;
	if (m->corrupt)
		sig[n / 2] ^= 0x01;
	if (m->trim > 0 && (size_t)m->trim <= n)
		n -= (size_t)m->trim;
	m->calls++;
	*ret_len = n;
	return 0;
}

struct memsigner *
memsigner_from_pkey(EVP_PKEY *pkey, enum ta_key_type type)
{
	struct memsigner *m = calloc(1, sizeof(*m));
	unsigned char *der = NULL;
	int n;

	if (m == NULL || (n = i2d_PUBKEY(pkey, &der)) <= 0) {
		free(m);
		return NULL;
	}
	if ((m->spki = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		free(m);
		return NULL;
	}
	memcpy(m->spki, der, (size_t)n);
	OPENSSL_free(der);
	m->spki_len = (size_t)n;
	EVP_PKEY_up_ref(pkey);
	m->pkey = pkey;
	m->pss_salt = 32;
	m->signer.type = type;
	m->signer.spki = m->spki;
	m->signer.spki_len = m->spki_len;
	m->signer.sign = memsigner_sign;
	m->signer.ctx = m;
	return m;
}

static struct memsigner *
adopt(EVP_PKEY *pkey, enum ta_key_type type)
{
	struct memsigner *m = pkey != NULL ? memsigner_from_pkey(pkey, type) : NULL;

	EVP_PKEY_free(pkey);
	return m;
}

struct memsigner *
memsigner_new_rsa(int bits)
{
	enum ta_key_type type = bits == 2048 ? TA_KEY_RSA_2048 : bits == 3072 ? TA_KEY_RSA_3072 :
	    bits == 4096 ? TA_KEY_RSA_4096 : TA_KEY_RSA_OTHER;

	return adopt(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits), type);
}

struct memsigner *
memsigner_new(enum ta_key_type type)
{
	switch (type) {
	case TA_KEY_EC_P256:
		return adopt(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), type);
	case TA_KEY_EC_P384:
		return adopt(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), type);
	case TA_KEY_RSA_2048:
		return memsigner_new_rsa(2048);
	case TA_KEY_RSA_3072:
		return memsigner_new_rsa(3072);
	case TA_KEY_RSA_4096:
		return memsigner_new_rsa(4096);
	case TA_KEY_RSA_OTHER:
		return memsigner_new_rsa(2560);
	case TA_KEY_ED25519:
		return adopt(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), type);
	case TA_KEY_NONE:
		break;
	}
	return NULL;
}

void
memsigner_free(struct memsigner *m)
{
	if (m == NULL)
		return;
	EVP_PKEY_free(m->pkey);
	free(m->spki);
	free(m);
}
