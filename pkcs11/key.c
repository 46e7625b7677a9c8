/* Keys on a token: list, find, generate, destroy; public keys as SPKI. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include "common/err.h"
#include "pkcs11/internal.h"

/* DER of the curve identifiers in CKA_EC_PARAMS. */
static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* Some tokens name the curve instead (PrintableString "edwards25519"). */
static const uint8_t str_ed25519[] = { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5',
	'5', '1', '9' };

bool
ta__p11_logged_in(struct ta_p11_token *tok, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;

	return tok->mod->fl->C_GetSessionInfo(s, &si) == CKR_OK &&
	    (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS);
}

int
ta__p11_find(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n)
{
	CK_FUNCTION_LIST *fl = tok->mod->fl;
	CK_ULONG got = 0, count;
	CK_RV rv;

	if ((rv = fl->C_FindObjectsInit(s, tmpl, n)) != CKR_OK)
		return ta__p11_rv(rv);
	while (got < max) {
		rv = fl->C_FindObjects(s, ret_objs + got, max - got, &count);
		if (rv != CKR_OK || count == 0)
			break;
		got += count;
	}
	(void)fl->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return ta__p11_rv(rv);
	*ret_n = got;
	return 0;
}

int
ta__p11_find_id(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const struct ta_p11_key *key, CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)(uintptr_t)key->id, key->id_len },
	};

	return ta__p11_find(tok, s, tmpl, 2, ret_objs, max, ret_n);
}

/* ykcs11 labels the attestation it makes of a slot's key "X.509
 * Certificate for PIV Attestation 9c", with the key's CKA_ID. */
#define ATTESTATION_LABEL "X.509 Certificate for PIV Attestation"

static bool
is_attestation(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj)
{
	char label[64] = "";
	CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof(label) - 1 };

	if (tok->mod->fl->C_GetAttributeValue(s, obj, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen >= sizeof(label))
		return false;
	label[a.ulValueLen] = '\0';
	return strncmp(label, ATTESTATION_LABEL, strlen(ATTESTATION_LABEL)) == 0;
}

int
ta__p11_find_cert(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const struct ta_p11_key *key,
    CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n)
{
	CK_OBJECT_HANDLE objs[16];
	CK_ULONG n = 0, k = 0;
	int r;

	if ((r = ta__p11_find_id(tok, s, CKO_CERTIFICATE, key, objs, 16, &n)) != 0)
		return r;
	for (CK_ULONG i = 0; i < n && k < max; i++)
		if (!is_attestation(tok, s, objs[i]))
			ret_objs[k++] = objs[i];
	*ret_n = k;
	return 0;
}

int
ta__p11_cert_value(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const struct ta_p11_key *key,
    uint8_t **ret_der, size_t *ret_len, CK_RV *ret_rv)
{
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0;
	int r;

	*ret_rv = CKR_OK;
	if ((r = ta__p11_find_cert(tok, s, key, &obj, 1, &n)) != 0)
		return r;
	if (n == 0)
		return TA_ERR_NOT_FOUND;
	*ret_rv = ta__p11_get_attr(tok->mod->fl, s, obj, CKA_VALUE, ret_der, ret_len);
	return *ret_rv == CKR_ATTRIBUTE_VALUE_INVALID ? TA_ERR_FORMAT : ta__p11_rv(*ret_rv);
}

CK_RV
ta__p11_get_attr(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
    uint8_t **ret, size_t *ret_len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if ((rv = fl->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK)
		return rv;
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 65536)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if ((a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = fl->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	*ret = a.pValue;
	*ret_len = a.ulValueLen;
	return CKR_OK;
}

static bool
get_bool(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	return fl->C_GetAttributeValue(s, o, &a, 1) == CKR_OK && v == CK_TRUE;
}

/* The module says plainly that the key may not sign (CKA_SIGN false). */
static bool
says_no_sign(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	CK_BBOOL v = CK_TRUE;
	CK_ATTRIBUTE a = { CKA_SIGN, &v, sizeof(v) };

	return fl->C_GetAttributeValue(s, o, &a, 1) == CKR_OK && a.ulValueLen == sizeof(v) &&
	       v == CK_FALSE;
}

/* CKA_EC_POINT is a DER OCTET STRING by the standard; some tokens give
 * the raw point.  Returns a pointer into p and the point's length. */
static const uint8_t *
ec_point(const uint8_t *p, size_t len, size_t want, size_t *ret_len)
{
	if (len == want && (want == 32 || p[0] == 0x04)) {
		*ret_len = len;
		return p;
	}
	if (len >= 2 && p[0] == 0x04 && p[1] < 0x80 && (size_t)p[1] == len - 2 && len - 2 == want) {
		*ret_len = want;
		return p + 2;
	}
	if (len >= 3 && p[0] == 0x04 && p[1] == 0x81 && (size_t)p[2] == len - 3 &&
	    len - 3 == want) {
		*ret_len = want;
		return p + 3;
	}
	return NULL;
}

static int
spki_from_pkey(EVP_PKEY *pk, struct ta_p11_key *key)
{
	unsigned char *der = NULL;
	int n;

	if (pk == NULL)
		return TA_ERR_CRYPTO;
	n = i2d_PUBKEY(pk, &der);
	EVP_PKEY_free(pk);
	if (n <= 0)
		return TA_ERR_CRYPTO;
	if ((key->spki = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return TA_ERR_NOMEM;
	}
	memcpy(key->spki, der, (size_t)n);
	key->spki_len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

/* The SPKI of a public key of type ("EC", "RSA") made from the parameters
 * in b. */
static int
spki_from_params(const char *type, OSSL_PARAM_BLD *b, struct ta_p11_key *key)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;
	int r = TA_ERR_CRYPTO;

	if ((params = OSSL_PARAM_BLD_to_param(b)) != NULL &&
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(pc) > 0 &&
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) > 0)
		r = spki_from_pkey(pk, key);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return r;
}

static int
spki_ec(const char *group, const uint8_t *pt, size_t len, struct ta_p11_key *key)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	int r = TA_ERR_CRYPTO;

	if (b != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, len))
		r = spki_from_params("EC", b, key);
	OSSL_PARAM_BLD_free(b);
	return r;
}

static int
spki_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen, struct ta_p11_key *key)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	int r = TA_ERR_CRYPTO;

	if (b != NULL && bn != NULL && be != NULL &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		r = spki_from_params("RSA", b, key);
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(b);
	return r;
}

static int
spki_from_cert(struct ta_p11_key *key)
{
	const unsigned char *p = key->cert;
	X509 *x = d2i_X509(NULL, &p, (long)key->cert_len);
	EVP_PKEY *pk;

	if (x == NULL)
		return TA_ERR_CRYPTO;
	pk = X509_get_pubkey(x);
	X509_free(x);
	return spki_from_pkey(pk, key);
}

static enum ta_key_type
ec_type(const uint8_t *params, size_t len, unsigned *ret_bits)
{
	if (len == sizeof(oid_p256) && memcmp(params, oid_p256, len) == 0) {
		*ret_bits = 256;
		return TA_KEY_EC_P256;
	}
	if (len == sizeof(oid_p384) && memcmp(params, oid_p384, len) == 0) {
		*ret_bits = 384;
		return TA_KEY_EC_P384;
	}
	if ((len == sizeof(oid_ed25519) && memcmp(params, oid_ed25519, len) == 0) ||
	    (len == sizeof(str_ed25519) && memcmp(params, str_ed25519, len) == 0)) {
		*ret_bits = 255;
		return TA_KEY_ED25519;
	}
	return TA_KEY_NONE;
}

/* The public key object (or, failing that, the private key itself for
 * RSA, or the certificate) gives the SPKI. */
static int
load_public(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
    CK_KEY_TYPE kt, struct ta_p11_key *key)
{
	CK_FUNCTION_LIST *fl = tok->mod->fl;
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, objs[2];
	CK_ULONG n = 0;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, plen;
	const uint8_t *pt;
	int r = 0;

	if (key->id_len > 0 && ta__p11_find_id(tok, s, CKO_PUBLIC_KEY, key, objs, 2, &n) == 0 &&
	    n >= 1)
		pub = objs[0];
	switch (kt) {
	case CKK_EC:
	case CKK_EC_EDWARDS:
		if (pub == CK_INVALID_HANDLE ||
		    ta__p11_get_attr(fl, s, pub, CKA_EC_POINT, &a, &alen) != CKR_OK)
			break;
		if (key->type == TA_KEY_ED25519) {
			if ((pt = ec_point(a, alen, 32, &plen)) == NULL) {
				r = TA_ERR_FORMAT;
				break;
			}
			r = spki_from_pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt,
			    plen), key);
		} else {
			size_t want = key->type == TA_KEY_EC_P256 ? 65 : 97;

			if ((pt = ec_point(a, alen, want, &plen)) == NULL) {
				r = TA_ERR_FORMAT;
				break;
			}
			r = spki_ec(key->type == TA_KEY_EC_P256 ? "P-256" : "P-384", pt, plen, key);
		}
		break;
	case CKK_RSA:
		if (ta__p11_get_attr(fl, s, pub != CK_INVALID_HANDLE ? pub : priv, CKA_MODULUS, &a,
			&alen) != CKR_OK ||
		    ta__p11_get_attr(fl, s, pub != CK_INVALID_HANDLE ? pub : priv, CKA_PUBLIC_EXPONENT,
			&b, &blen) != CKR_OK)
			break;
		r = spki_rsa(a, alen, b, blen, key);
		break;
	default:
		break;
	}
	free(a);
	free(b);
	if (r == 0 && key->spki == NULL && key->cert != NULL)
		r = spki_from_cert(key);
	return r;
}

static void
load_cert(struct ta_p11_token *tok, CK_SESSION_HANDLE s, struct ta_p11_key *key)
{
	CK_RV rv;

	if (key->id_len == 0 ||
	    ta__p11_cert_value(tok, s, key, &key->cert, &key->cert_len, &rv) != 0) {
		key->cert = NULL;
		key->cert_len = 0;
	}
}

int
ta__p11_key_load(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    struct ta_p11_key *key)
{
	CK_FUNCTION_LIST *fl = tok->mod->fl;
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	uint8_t *v = NULL;
	size_t vlen = 0;
	CK_RV rv;
	int r;

	memset(key, 0, sizeof(*key));
	if ((rv = fl->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK)
		return ta__p11_rv(rv);
	if (ta__p11_get_attr(fl, s, obj, CKA_LABEL, &v, &vlen) == CKR_OK) {
		if (vlen > TA_P11_LABEL_MAX)
			vlen = TA_P11_LABEL_MAX;
		memcpy(key->label, v, vlen);
		key->label[vlen] = '\0';
		free(v);
		v = NULL;
	}
	if (ta__p11_get_attr(fl, s, obj, CKA_ID, &v, &vlen) == CKR_OK) {
		if (vlen <= TA_P11_ID_MAX) {
			memcpy(key->id, v, vlen);
			key->id_len = vlen;
		}
		free(v);
		v = NULL;
	}
	switch (kt) {
	case CKK_EC:
	case CKK_EC_EDWARDS:
		if (ta__p11_get_attr(fl, s, obj, CKA_EC_PARAMS, &v, &vlen) == CKR_OK)
			key->type = ec_type(v, vlen, &key->bits);
		free(v);
		break;
	case CKK_RSA:
		if (ta__p11_get_attr(fl, s, obj, CKA_MODULUS, &v, &vlen) == CKR_OK) {
			size_t i = 0;

			while (i < vlen && v[i] == 0)
				i++;
			key->bits = (unsigned)(vlen - i) * 8;
		}
		free(v);
		key->type = key->bits == 2048 ? TA_KEY_RSA_2048 :
		    key->bits == 3072	      ? TA_KEY_RSA_3072 :
		    key->bits == 4096	      ? TA_KEY_RSA_4096 :
						TA_KEY_RSA_OTHER;
		break;
	default:
		break;
	}
	key->always_auth = get_bool(fl, s, obj, CKA_ALWAYS_AUTHENTICATE);
	key->no_sign = says_no_sign(fl, s, obj);
	key->sensitive = get_bool(fl, s, obj, CKA_SENSITIVE);
	key->extractable = get_bool(fl, s, obj, CKA_EXTRACTABLE);
	key->local = get_bool(fl, s, obj, CKA_LOCAL);
	key->handle = obj;
	pthread_mutex_lock(&tok->lock);
	key->generation = tok->generation;
	pthread_mutex_unlock(&tok->lock);
	load_cert(tok, s, key);
	if (key->type != TA_KEY_NONE && (r = load_public(tok, s, obj, kt, key)) != 0) {
		ta_p11_key_clear(key);
		return r;
	}
	return 0;
}

void
ta_p11_key_clear(struct ta_p11_key *key)
{
	if (key == NULL)
		return;
	free(key->spki);
	free(key->cert);
	memset(key, 0, sizeof(*key));
}

void
ta_p11_keys_free(struct ta_p11_key *keys, size_t n)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ta_p11_key_clear(&keys[i]);
	free(keys);
}

#define KEYS_MAX 1024

int
ta_p11_key_list(struct ta_p11_token *tok, struct ta_p11_key **ret_keys, size_t *ret_n)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_OBJECT_HANDLE *objs = NULL;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	struct ta_p11_key *keys = NULL;
	CK_ULONG n = 0;
	size_t got = 0;
	int r;

	if ((r = ta__p11_session_get(tok, &s)) != 0)
		return r;
	if ((objs = calloc(KEYS_MAX, sizeof(*objs))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if ((r = ta__p11_find(tok, s, tmpl, 1, objs, KEYS_MAX, &n)) != 0)
		goto out;
	if ((keys = calloc(n ? n : 1, sizeof(*keys))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if ((r = ta__p11_key_load(tok, s, objs[i], &keys[got])) != 0)
			goto out;
		got++;
	}
	*ret_keys = keys;
	*ret_n = got;
	keys = NULL;
out:
	ta__p11_session_put(tok, s, r == TA_ERR_TOKEN_ABSENT ? CKR_DEVICE_REMOVED : CKR_OK);
	ta_p11_keys_free(keys, got);
	free(objs);
	return r;
}

int
ta_p11_key_find(struct ta_p11_token *tok, const char *label_or_uri, struct ta_p11_key *ret_key)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[3] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_ULONG nt = 1, n = 0;
	CK_OBJECT_HANDLE objs[2];
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	P11KitUri *u = NULL;
	int r;

	if (label_or_uri == NULL || *label_or_uri == '\0')
		return TA_ERR_INVALID;
	if (strncmp(label_or_uri, "pkcs11:", 7) == 0) {
		CK_ATTRIBUTE *a;

		if ((u = p11_kit_uri_new()) == NULL)
			return TA_ERR_NOMEM;
		if (p11_kit_uri_parse(label_or_uri, P11_KIT_URI_FOR_ANY, u) != P11_KIT_URI_OK ||
		    p11_kit_uri_get_pin_value(u) != NULL) {
			p11_kit_uri_free(u);
			return TA_ERR_INVALID;
		}
		if ((a = p11_kit_uri_get_attribute(u, CKA_LABEL)) != NULL)
			tmpl[nt++] = *a;
		if ((a = p11_kit_uri_get_attribute(u, CKA_ID)) != NULL)
			tmpl[nt++] = *a;
		if (nt == 1) { /* no object named: refuse to pick "a" key */
			p11_kit_uri_free(u);
			return TA_ERR_INVALID;
		}
	} else {
		if (strlen(label_or_uri) > TA_P11_LABEL_MAX)
			return TA_ERR_INVALID;
		tmpl[nt].type = CKA_LABEL;
		tmpl[nt].pValue = (void *)(uintptr_t)label_or_uri;
		tmpl[nt].ulValueLen = strlen(label_or_uri);
		nt++;
	}
	if ((r = ta__p11_session_get(tok, &s)) != 0)
		goto out;
	if ((r = ta__p11_find(tok, s, tmpl, nt, objs, 2, &n)) == 0) {
		if (n == 0) /* private keys are invisible while locked */
			r = ta__p11_logged_in(tok, s) ? TA_ERR_KEY_NOT_FOUND : TA_ERR_NOT_LOGGED_IN;
		else if (n > 1)
			r = TA_ERR_AMBIGUOUS;
		else
			r = ta__p11_key_load(tok, s, objs[0], ret_key);
	}
	ta__p11_session_put(tok, s, r == TA_ERR_TOKEN_ABSENT ? CKR_DEVICE_REMOVED : CKR_OK);
out:
	p11_kit_uri_free(u);
	return r;
}

int
ta__p11_key_handle(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const struct ta_p11_key *key,
    CK_OBJECT_HANDLE *ret_h)
{
	CK_OBJECT_HANDLE objs[2];
	unsigned long gen;
	CK_ULONG n = 0;
	int r;

	pthread_mutex_lock(&tok->lock);
	gen = tok->generation;
	pthread_mutex_unlock(&tok->lock);
	if (gen == key->generation && key->handle != CK_INVALID_HANDLE) {
		*ret_h = key->handle;
		return 0;
	}
	/* The token was reinserted: handles of the old insertion are gone. */
	if (key->id_len == 0)
		return TA_ERR_KEY_NOT_FOUND;
	if ((r = ta__p11_find_id(tok, s, CKO_PRIVATE_KEY, key, objs, 2, &n)) != 0)
		return r;
	if (n == 0)
		return ta__p11_logged_in(tok, s) ? TA_ERR_KEY_NOT_FOUND : TA_ERR_NOT_LOGGED_IN;
	if (n > 1)
		return TA_ERR_AMBIGUOUS;
	*ret_h = objs[0];
	return 0;
}

static bool
label_taken(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const char *label, int *ret_r)
{
	CK_ATTRIBUTE tmpl[] = { { CKA_LABEL, (void *)(uintptr_t)label, strlen(label) } };
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0;

	*ret_r = ta__p11_find(tok, s, tmpl, 1, &obj, 1, &n);
	return *ret_r == 0 && n > 0;
}

int
ta_p11_key_generate(struct ta_p11_token *tok, const struct ta_p11_keygen *gen,
    struct ta_p11_key *ret_key)
{
	CK_BBOOL t = CK_TRUE, f = CK_FALSE, aa;
	CK_ULONG bits = 0;
	static CK_BYTE exp65537[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { 0, NULL, 0 };
	uint8_t id[16];
	const uint8_t *params = NULL;
	size_t params_len = 0, label_len, id_len;
	unsigned need;
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_RV rv = CKR_OK;
	int r;

	if (gen == NULL || gen->label == NULL || (label_len = strlen(gen->label)) == 0 ||
	    label_len > TA_P11_LABEL_MAX || (gen->id != NULL && (gen->id_len == 0 ||
	    gen->id_len > TA_P11_ID_MAX)))
		return TA_ERR_INVALID;
	switch (gen->type) {
	case TA_KEY_EC_P256:
		mech.mechanism = CKM_EC_KEY_PAIR_GEN, need = TA_CAP_EC_GEN;
		params = oid_p256, params_len = sizeof(oid_p256);
		break;
	case TA_KEY_EC_P384:
		mech.mechanism = CKM_EC_KEY_PAIR_GEN, need = TA_CAP_EC_GEN;
		params = oid_p384, params_len = sizeof(oid_p384);
		break;
	case TA_KEY_ED25519:
		mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN, need = TA_CAP_ED_GEN;
		params = oid_ed25519, params_len = sizeof(oid_ed25519);
		break;
	case TA_KEY_RSA_2048:
	case TA_KEY_RSA_3072:
	case TA_KEY_RSA_4096:
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN, need = TA_CAP_RSA_GEN;
		bits = gen->type == TA_KEY_RSA_2048 ? 2048 : gen->type == TA_KEY_RSA_3072 ? 3072 :
											    4096;
		break;
	default:
		return TA_ERR_INVALID;
	}
	if (!(tok->caps & need))
		return TA_ERR_UNSUPPORTED;
	if (gen->id != NULL) {
		id_len = gen->id_len;
	} else {
		if (RAND_bytes(id, sizeof(id)) != 1)
			return TA_ERR_CRYPTO;
		id_len = sizeof(id);
	}
	aa = gen->always_auth ? CK_TRUE : CK_FALSE;

	CK_ATTRIBUTE pubt[9] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_PRIVATE, &f, sizeof(f) },
		{ CKA_VERIFY, &t, sizeof(t) },
		{ CKA_ENCRYPT, &f, sizeof(f) },
		{ CKA_WRAP, &f, sizeof(f) },
		{ CKA_LABEL, (void *)(uintptr_t)gen->label, label_len },
		{ CKA_ID, gen->id ? (void *)(uintptr_t)gen->id : id, id_len },
	};
	CK_ULONG npub = 7;
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_PRIVATE, &t, sizeof(t) },
		{ CKA_SENSITIVE, &t, sizeof(t) },
		{ CKA_EXTRACTABLE, &f, sizeof(f) },
		{ CKA_SIGN, &t, sizeof(t) },
		{ CKA_DECRYPT, &f, sizeof(f) },
		{ CKA_UNWRAP, &f, sizeof(f) },
		{ CKA_DERIVE, &f, sizeof(f) },
		{ CKA_LABEL, (void *)(uintptr_t)gen->label, label_len },
		{ CKA_ID, gen->id ? (void *)(uintptr_t)gen->id : id, id_len },
		{ CKA_ALWAYS_AUTHENTICATE, &aa, sizeof(aa) },
	};
	/* Tokens without CKA_ALWAYS_AUTHENTICATE support may reject the
	 * attribute even when false: send it only when asked for. */
	CK_ULONG npriv = gen->always_auth ? 11 : 10;

	if (params != NULL) {
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)(uintptr_t)params, params_len };
	} else {
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, exp65537, sizeof(exp65537) };
	}

	if ((r = ta__p11_session_get(tok, &s)) != 0)
		return r;
	/* The label check and the creation must not interleave with another
	 * generation in this process. */
	pthread_mutex_lock(&tok->gen_lock);
	if (label_taken(tok, s, gen->label, &r)) {
		r = TA_ERR_EXISTS;
		goto unlock;
	}
	if (r != 0)
		goto unlock;
	rv = tok->mod->fl->C_GenerateKeyPair(s, &mech, pubt, npub, privt, npriv, &pub, &priv);
	if (rv != CKR_OK) {
		r = ta__p11_rv(rv);
		goto unlock;
	}
	r = ta__p11_key_load(tok, s, priv, ret_key);
unlock:
	pthread_mutex_unlock(&tok->gen_lock);
	ta__p11_session_put(tok, s, r == TA_ERR_TOKEN_ABSENT ? CKR_DEVICE_REMOVED : rv);
	return r;
}

int
ta_p11_key_destroy(struct ta_p11_token *tok, const struct ta_p11_key *key)
{
	CK_ATTRIBUTE tmpl[] = { { CKA_ID, (void *)(uintptr_t)key->id, key->id_len } };
	CK_OBJECT_HANDLE objs[16];
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	CK_RV rv = CKR_OK;
	int r;

	if (key->id_len == 0)
		return TA_ERR_INVALID;
	if ((r = ta__p11_session_get(tok, &s)) != 0)
		return r;
	if ((r = ta__p11_find(tok, s, tmpl, 1, objs, 16, &n)) == 0) {
		for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++)
			rv = tok->mod->fl->C_DestroyObject(s, objs[i]);
		r = ta__p11_rv(rv);
	}
	ta__p11_session_put(tok, s, rv);
	return r;
}
