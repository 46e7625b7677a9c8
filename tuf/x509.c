#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "tuf/key.h"
#include "tuf/sig.h"
#include "tuf/x509.h"

#define SERIAL_BYTES 16   /* notary: rand.Int below 2^128 */
#define DAY_SECONDS 86400

/* ---- making a root certificate ------------------------------------------- */

static bool
gun_ok(const char *gun)
{
	size_t n = gun != NULL ? strlen(gun) : 0;

	if (n == 0 || n > TA_X509_GUN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (gun[i] < 0x21 || gun[i] > 0x7e)
			return false;
	return true;
}

/* Whether Go's asn1 would marshal s as a PrintableString: its isPrintable
 * with the asterisk allowed and the ampersand not, as Marshal calls it. */
static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			strchr(" '()+,-./:=?*", c) != NULL))
			return false;
	}
	return true;
}

static int
set_serial(X509 *x)
{
	unsigned char buf[SERIAL_BYTES];
	BIGNUM *bn = NULL;
	int r = TA_ERR_CRYPTO;

	do {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			goto out;
		BN_free(bn);
		if ((bn = BN_bin2bn(buf, sizeof(buf), NULL)) == NULL)
			goto out;
	} while (BN_is_zero(bn));
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	r = 0;
out:
	BN_free(bn);
	return r;
}

static int
set_name(X509 *x, const char *gun)
{
	X509_NAME *name = X509_NAME_new();
	int type = printable(gun) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
	int r = TA_ERR_CRYPTO;

	/* A plain string type (not MBSTRING_*) skips OpenSSL's 64-character
	 * ub-common-name check, which Go does not make and GUNs exceed. */
	if (name != NULL &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, type, (const unsigned char *)gun,
		(int)strlen(gun), -1, 0) == 1 &&
	    X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, name) == 1)
		r = 0;
	X509_NAME_free(name);
	return r;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
	int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

	X509_EXTENSION_free(ext);
	return ok ? 0 : TA_ERR_CRYPTO;
}

/* Signs the TBS part of x through the signer and sets both signature
 * algorithm fields and the signature. */
static int
sign_cert(X509 *x, const struct ta_signer *signer, const struct ta_key *key)
{
	enum ta_sig_scheme scheme;
	const ASN1_BIT_STRING *cbits;
	const X509_ALGOR *calg;
	ASN1_BIT_STRING *bits;
	uint8_t raw[TA_SIG_MAX], der[TA_SIG_ECDSA_DER_MAX];
	unsigned char *tbs = NULL;
	const uint8_t *sig = raw;
	size_t n = 0, sig_len;
	int nid, ptype, tbs_len, r = TA_ERR_CRYPTO;

	if (ta_key_get_type(key) == TA_KEY_EC_P256 || ta_key_get_type(key) == TA_KEY_EC_P384) {
		scheme = TA_SIG_ECDSA_SHA256;
		nid = NID_ecdsa_with_SHA256;
		ptype = V_ASN1_UNDEF;
	} else {
		scheme = TA_SIG_RSA_PKCS1_SHA256;
		nid = NID_sha256WithRSAEncryption;
		ptype = V_ASN1_NULL;
	}
	/* OpenSSL has no setter for a certificate's signature fields apart
	 * from signing with an EVP_PKEY; the fields are ours to fill, so the
	 * const accessors' results are written through (as pkcs11/cert.c). */
	X509_get0_signature(&cbits, &calg, x);
	if (X509_ALGOR_set0((X509_ALGOR *)(uintptr_t)X509_get0_tbs_sigalg(x), OBJ_nid2obj(nid),
		ptype, NULL) != 1 ||
	    X509_ALGOR_set0((X509_ALGOR *)(uintptr_t)calg, OBJ_nid2obj(nid), ptype, NULL) != 1)
		goto out;
	/* i2d_re_X509_tbs re-encodes the TBS with the algorithm just set. */
	if ((tbs_len = i2d_re_X509_tbs(x, &tbs)) <= 0)
		goto out;
	if ((r = signer->sign(signer->ctx, scheme, tbs, (size_t)tbs_len, raw, &n)) != 0)
		goto out;
	sig_len = n;
	if (n > sizeof(raw)) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	if (scheme == TA_SIG_ECDSA_SHA256) {
		size_t half = ((size_t)EVP_PKEY_get_bits(ta_key_pkey(key)) + 7) / 8;

		if (n != 2 * half) {
			r = TA_ERR_CRYPTO;
			goto out;
		}
		if ((r = ta_sig_ecdsa_raw_to_der(raw, n, der, sizeof(der), &sig_len)) != 0)
			goto out;
		sig = der;
	}
	r = TA_ERR_CRYPTO;
	bits = (ASN1_BIT_STRING *)(uintptr_t)cbits;
	if (ASN1_BIT_STRING_set(bits, (unsigned char *)(uintptr_t)sig, (int)sig_len) != 1)
		goto out;
	/* A signature is a whole number of bytes: no unused bits. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	r = 0;
out:
	OPENSSL_free(tbs);
	return r;
}

int
ta_x509_make_root(const struct ta_signer *signer, const char *gun, unsigned days, time_t now,
    uint8_t **ret_der, size_t *ret_len)
{
	struct ta_key *key = NULL;
	unsigned char *der = NULL;
	uint8_t *copy;
	X509 *x = NULL;
	int n, r;

	if (signer == NULL || signer->sign == NULL || signer->spki == NULL || !gun_ok(gun) ||
	    days > TA_X509_MAX_DAYS || ret_der == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if (days == 0)
		days = TA_X509_DEFAULT_DAYS;
	/* The key as notary will read it: refuses weak RSA and other curves. */
	if ((r = ta_key_from_spki(TA_PROFILE_NOTARY, signer->spki, signer->spki_len, &key)) != 0)
		return r;
	if (ta_key_get_type(key) == TA_KEY_ED25519) {
		r = TA_ERR_KEY_TYPE;
		goto out;
	}
	r = TA_ERR_CRYPTO;
	if ((x = X509_new()) == NULL)
		goto out;
	if (X509_set_version(x, X509_VERSION_3) != 1 || (r = set_serial(x)) != 0 ||
	    (r = set_name(x, gun)) != 0)
		goto out;
	r = TA_ERR_CRYPTO;
	if (ASN1_TIME_adj(X509_getm_notBefore(x), now, 0, 0) == NULL ||
	    ASN1_TIME_adj(X509_getm_notAfter(x), now, (int)days, 0) == NULL ||
	    X509_set_pubkey(x, ta_key_pkey(key)) != 1)
		goto out;
	/* In Go's order: KeyUsage, ExtKeyUsage, BasicConstraints. */
	if ((r = add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment")) != 0 ||
	    (r = add_ext(x, NID_ext_key_usage, "codeSigning")) != 0 ||
	    (r = add_ext(x, NID_basic_constraints, "critical,CA:FALSE")) != 0)
		goto out;
	if ((r = sign_cert(x, signer, key)) != 0)
		goto out;
	if (X509_verify(x, ta_key_pkey(key)) != 1) {
		r = TA_ERR_VERIFY;
		goto out;
	}
	if ((n = i2d_X509(x, &der)) <= 0) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	if ((copy = malloc((size_t)n)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, der, (size_t)n);
	*ret_der = copy;
	*ret_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(der);
	X509_free(x);
	ta_key_free(key);
	ERR_clear_error();
	return r;
}

/* ---- checking a root bundle ---------------------------------------------- */

static int fail(struct ta_x509_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct ta_x509_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Go's IsCA: BasicConstraints present with cA TRUE. */
static bool
is_ca(X509 *x)
{
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	bool ca = bc != NULL && bc->ca;

	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

/* The subject's one CN as UTF-8 into *ret (OPENSSL_free), or an error
 * when there is none or more than one. */
static int
leaf_cn(X509 *x, unsigned char **ret, int *ret_len)
{
	const X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1), n;

	if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return TA_ERR_CERT_CN;
	n = ASN1_STRING_to_UTF8(ret, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return TA_ERR_CERT_CN;
	*ret_len = n;
	return 0;
}

/* notary's MatchCNToGun. */
static bool
cn_matches(const unsigned char *cn, size_t cn_len, const char *gun)
{
	size_t gun_len = strlen(gun);

	if (cn_len > 0 && cn[cn_len - 1] == '*') {
		while (cn_len > 0 && cn[cn_len - 1] == '*')
			cn_len--;
		return gun_len >= cn_len && memcmp(cn, gun, cn_len) == 0;
	}
	return cn_len == gun_len && memcmp(cn, gun, cn_len) == 0;
}

static int
check_leaf(X509 *leaf, const char *gun, time_t now, unsigned flags, struct ta_x509_error *err)
{
	const ASN1_TIME *nb = X509_get0_notBefore(leaf), *na = X509_get0_notAfter(leaf);
	unsigned char *cn = NULL;
	int cn_len = 0, mdnid = NID_undef, pknid = NID_undef, r;
	EVP_PKEY *pkey;

	if ((r = leaf_cn(leaf, &cn, &cn_len)) != 0) {
		r = fail(err, r, "leaf certificate subject needs exactly one CN");
		goto out;
	}
	if (memchr(cn, '\0', (size_t)cn_len) != NULL || !cn_matches(cn, (size_t)cn_len, gun)) {
		/* The CN is untrusted text: show it printable and short. */
		for (int i = 0; i < cn_len; i++)
			if (cn[i] < 0x20 || cn[i] > 0x7e)
				cn[i] = '?';
		r = fail(err, TA_ERR_CERT_CN, "leaf certificate CN '%.*s' does not match GUN '%s'",
		    cn_len > 128 ? 128 : cn_len, (const char *)cn, gun);
		goto out;
	}
	if (ASN1_TIME_compare(nb, na) > 0) {
		r = fail(err, TA_ERR_CERT_DATES, "certificate with CN '%s' has NotBefore after "
		    "NotAfter", gun);
		goto out;
	}
	if (!OBJ_find_sigid_algs(X509_get_signature_nid(leaf), &mdnid, &pknid) ||
	    mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md5_sha1) {
		r = fail(err, TA_ERR_CERT_SHA1, "certificate with CN '%s' is signed with %s, not "
		    "SHA-2", gun, mdnid != NID_undef ? OBJ_nid2sn(mdnid) : "an unknown algorithm");
		goto out;
	}
	if ((pkey = X509_get0_pubkey(leaf)) == NULL) {
		r = fail(err, TA_ERR_INVALID, "certificate with CN '%s' has an unreadable key",
		    gun);
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(pkey) < TA_KEY_RSA_MIN_BITS) {
		r = fail(err, TA_ERR_KEY_WEAK, "certificate with CN '%s' has a %d-bit RSA key; "
		    "notary needs %d", gun, EVP_PKEY_get_bits(pkey), TA_KEY_RSA_MIN_BITS);
		goto out;
	}
	if ((flags & TA_X509_CHECK_TIME) != 0) {
		/* Go: tomorrow.Before(NotBefore) || now.After(NotAfter); notary
		 * allows one day of clock skew on NotBefore. */
		int c_nb = ASN1_TIME_cmp_time_t(nb, now + DAY_SECONDS);
		int c_na = ASN1_TIME_cmp_time_t(na, now);

		if (c_nb == -2 || c_na == -2) {
			r = fail(err, TA_ERR_INVALID, "certificate with CN '%s' has unreadable "
			    "validity dates", gun);
			goto out;
		}
		if (c_nb > 0) {
			r = fail(err, TA_ERR_CERT_NOT_YET_VALID, "certificate with CN '%s' is not "
			    "valid yet (NotBefore is more than a day ahead)", gun);
			goto out;
		}
		if (c_na < 0) {
			r = fail(err, TA_ERR_CERT_EXPIRED, "certificate with CN '%s' is expired",
			    gun);
			goto out;
		}
	}
	r = 0;
out:
	OPENSSL_free(cn);
	return r;
}

int
ta_x509_check_root(const uint8_t *pem, size_t len, const char *gun, time_t now,
    unsigned flags, struct ta_x509_error *err)
{
	STACK_OF(X509) *certs = NULL;
	int leaves = 0, r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (pem == NULL || !gun_ok(gun) || (flags & ~TA_X509_CHECK_TIME) != 0)
		return fail(err, TA_ERR_INVALID, "invalid argument");
	if ((r = ta_x509_bundle_parse(pem, len, &certs)) != 0)
		return r == TA_ERR_TOO_LARGE ?
		    fail(err, r, "root key bundle has more than %d certificates",
			TA_X509_BUNDLE_MAX) :
		    fail(err, r, "root key is not a PEM certificate bundle in Go's form");
	for (int i = 0; i < sk_X509_num(certs); i++)
		if (!is_ca(sk_X509_value(certs, i)))
			leaves++;
	if (leaves != 1 || is_ca(sk_X509_value(certs, 0))) {
		r = fail(err, TA_ERR_CERT_LEAF, "root key bundle has %d non-CA certificate(s)%s; "
		    "notary needs exactly one, first", leaves,
		    leaves == 1 ? ", not first" : "");
		goto out;
	}
	r = check_leaf(sk_X509_value(certs, 0), gun, now, flags, err);
out:
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return r;
}
