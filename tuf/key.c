#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/canon.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/x509pem.h"

/* How keyval.public encodes the key. */
enum form {
	FORM_B64_SPKI,   /* notary: base64(DER SPKI), or base64(PEM SPKI) for pycrypto RSA */
	FORM_B64_RAW,    /* notary: base64(raw Ed25519 key) */
	FORM_B64_CERT,   /* notary: base64(PEM certificate bundle) */
	FORM_PEM_SPKI,   /* tuf: PEM SPKI text */
	FORM_HEX_RAW,    /* tuf: hex of the raw Ed25519 key */
};

struct kind {
	enum ta_profile profile;
	const char *keytype;
	const char *scheme;   /* tuf only */
	int base;             /* EVP_PKEY_EC, EVP_PKEY_RSA, EVP_PKEY_ED25519 */
	int curve;            /* an EC scheme's curve; 0 when any supported one does */
	enum form form;
	bool emit;            /* the kind ta_key_from_spki() / _from_cert() choose */
};

static const struct kind kinds[] = {
	{ TA_PROFILE_NOTARY, "ecdsa", NULL, EVP_PKEY_EC, 0, FORM_B64_SPKI, true },
	{ TA_PROFILE_NOTARY, "rsa", NULL, EVP_PKEY_RSA, 0, FORM_B64_SPKI, true },
	{ TA_PROFILE_NOTARY, "ed25519", NULL, EVP_PKEY_ED25519, 0, FORM_B64_RAW, true },
	{ TA_PROFILE_NOTARY, "ecdsa-x509", NULL, EVP_PKEY_EC, 0, FORM_B64_CERT, true },
	{ TA_PROFILE_NOTARY, "rsa-x509", NULL, EVP_PKEY_RSA, 0, FORM_B64_CERT, true },
	{ TA_PROFILE_TUF, "ecdsa", "ecdsa-sha2-nistp256", EVP_PKEY_EC, NID_X9_62_prime256v1,
	    FORM_PEM_SPKI, true },
	{ TA_PROFILE_TUF, "ecdsa", "ecdsa-sha2-nistp384", EVP_PKEY_EC, NID_secp384r1,
	    FORM_PEM_SPKI, true },
	{ TA_PROFILE_TUF, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", EVP_PKEY_EC,
	    NID_X9_62_prime256v1, FORM_PEM_SPKI, false },
	{ TA_PROFILE_TUF, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", EVP_PKEY_EC,
	    NID_secp384r1, FORM_PEM_SPKI, false },
	{ TA_PROFILE_TUF, "rsa", "rsassa-pss-sha256", EVP_PKEY_RSA, 0, FORM_PEM_SPKI, true },
	{ TA_PROFILE_TUF, "rsa", "rsa-pkcs1v15-sha256", EVP_PKEY_RSA, 0, FORM_PEM_SPKI, false },
	{ TA_PROFILE_TUF, "ed25519", "ed25519", EVP_PKEY_ED25519, 0, FORM_HEX_RAW, true },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

#define ED25519_LEN 32

struct ta_key {
	enum ta_profile profile;
	enum ta_key_type type;
	const struct kind *kind;
	char *public_value;      /* keyval.public as published */
	uint8_t *bytes;          /* notary: the decoded public value */
	size_t bytes_len;
	uint8_t *spki;           /* DER SPKI (the leaf's for x509 keys) */
	size_t spki_len;
	EVP_PKEY *pkey;
	bool public_pem;         /* notary rsa in the pycrypto form */
	json_t *extra;           /* tuf: unrecognized members, or NULL */
	/* Verify contexts begun once (tuf/sig.c), by ta__key_verify_slot(). */
	_Atomic(EVP_MD_CTX *) verify[TA__KEY_VERIFY_SLOTS];
	char id[TA_KEY_ID_SIZE];
	char canonical_id[TA_KEY_ID_SIZE];
	char sslib026_id[TA_KEY_ID_SIZE];
};

void
ta_key_free(struct ta_key *key)
{
	if (key == NULL)
		return;
	free(key->public_value);
	free(key->bytes);
	free(key->spki);
	EVP_PKEY_free(key->pkey);
	for (size_t i = 0; i < TA__KEY_VERIFY_SLOTS; i++)
		EVP_MD_CTX_free(atomic_load(&key->verify[i]));
	json_decref(key->extra);
	free(key);
}

/* ---- key IDs ------------------------------------------------------------- */

static int
id_of(const json_t *obj, enum ta_profile profile, char ret_id[static TA_KEY_ID_SIZE])
{
	unsigned char md[32];
	uint8_t *canon = NULL;
	size_t len = 0;
	int r;

	if ((r = ta_canon_write(obj, profile, &canon, &len)) != 0)
		return r;
	if (EVP_Digest(canon, len, md, NULL, EVP_sha256(), NULL) != 1) {
		free(canon);
		return TA_ERR_CRYPTO;
	}
	free(canon);
	ta_hex(ret_id, md, sizeof(md));
	return 0;
}

/* The members that the key ID hashes; legacy adds securesystemslib 0.26's
 * keyid_hash_algorithms.  A new reference, or NULL on OOM. */
static json_t *
id_object(enum ta_profile profile, const char *keytype, const char *scheme,
    const char *public_value, bool legacy)
{
	json_t *o = NULL;

	if (profile == TA_PROFILE_NOTARY)
		o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", keytype, "keyval", "private",
		    "public", public_value);
	else if (!legacy)
		o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", keytype, "scheme", scheme,
		    "keyval", "public", public_value);
	else
		o = json_pack("{s:s, s:s, s:{s:s}, s:[s,s]}", "keytype", keytype, "scheme", scheme,
		    "keyval", "public", public_value, "keyid_hash_algorithms", "sha256", "sha512");
	return o;
}

static int
compute_id(enum ta_profile profile, const char *keytype, const char *scheme,
    const char *public_value, bool legacy, char ret_id[static TA_KEY_ID_SIZE])
{
	json_t *o;
	int r;

	if (keytype == NULL || public_value == NULL || ret_id == NULL ||
	    (profile == TA_PROFILE_TUF && scheme == NULL) || !ta_profile_valid(profile))
		return TA_ERR_INVALID;
	/* json_pack() refuses invalid UTF-8, so a NULL here need not be OOM. */
	if ((o = id_object(profile, keytype, scheme, public_value, legacy)) == NULL)
		return TA_ERR_INVALID;
	r = id_of(o, profile, ret_id);
	json_decref(o);
	return r;
}

int
ta_key_id_compute(enum ta_profile profile, const char *keytype, const char *scheme,
    const char *public_value, char ret_id[static TA_KEY_ID_SIZE])
{
	return compute_id(profile, keytype, scheme, public_value, false, ret_id);
}

int
ta_key_id_compute_sslib026(const char *keytype, const char *scheme, const char *public_value,
    char ret_id[static TA_KEY_ID_SIZE])
{
	return compute_id(TA_PROFILE_TUF, keytype, scheme, public_value, true, ret_id);
}

/* ---- the key itself ------------------------------------------------------ */

/* Reads exactly one strict DER SPKI into *ret_pkey and classifies it. */
static int
parse_spki(const uint8_t *der, size_t len, EVP_PKEY **ret_pkey, enum ta_key_type *ret_type)
{
	const unsigned char *p = der;
	const unsigned char *pk = NULL;
	unsigned char *again = NULL;
	X509_PUBKEY *xpk = NULL;
	EVP_PKEY *pkey = NULL;
	X509_ALGOR *alg = NULL;
	enum ta_key_type type = TA_KEY_NONE;
	int pklen = 0, ptype = 0, n, bits;
	int r = TA_ERR_INVALID;

	if (len == 0 || len > TA_KEY_SPKI_MAX)
		return len == 0 ? TA_ERR_INVALID : TA_ERR_TOO_LARGE;
	if ((xpk = d2i_X509_PUBKEY(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	/* Strict DER: the re-encoding must give the same bytes. */
	if ((n = i2d_X509_PUBKEY(xpk, &again)) <= 0 || (size_t)n != len ||
	    memcmp(again, der, len) != 0)
		goto out;
	if ((pkey = X509_PUBKEY_get(xpk)) == NULL)
		goto out;
	if (!X509_PUBKEY_get0_param(NULL, &pk, &pklen, &alg, xpk)) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	bits = EVP_PKEY_get_bits(pkey);
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC: {
		char group[64];
		size_t fb = ((size_t)bits + 7) / 8;

		/* Named curve and uncompressed point, as Go's x509 requires. */
		X509_ALGOR_get0(NULL, &ptype, NULL, alg);
		if (ptype != V_ASN1_OBJECT ||
		    !EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL)) {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		if (OBJ_sn2nid(group) == NID_X9_62_prime256v1)
			type = TA_KEY_EC_P256;
		else if (OBJ_sn2nid(group) == NID_secp384r1)
			type = TA_KEY_EC_P384;
		else {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		if (pklen < 1 || pk[0] != 0x04 || (size_t)pklen != 1 + 2 * fb) {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		break;
	}
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_id(pkey) != EVP_PKEY_RSA) {
			/* RSASSA-PSS-restricted keys: no verifier reads them. */
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		if (bits < TA_KEY_RSA_MIN_BITS) {
			r = TA_ERR_KEY_WEAK;
			goto out;
		}
		if (bits > TA_KEY_RSA_MAX_BITS) {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		type = bits == 2048 ? TA_KEY_RSA_2048 : bits == 3072 ? TA_KEY_RSA_3072 :
		    bits == 4096 ? TA_KEY_RSA_4096 : TA_KEY_RSA_OTHER;
		break;
	case EVP_PKEY_ED25519:
		type = TA_KEY_ED25519;
		break;
	default:
		r = TA_ERR_UNSUPPORTED;
		goto out;
	}
	*ret_pkey = pkey;
	*ret_type = type;
	pkey = NULL;
	r = 0;
out:
	OPENSSL_free(again);
	X509_PUBKEY_free(xpk);
	EVP_PKEY_free(pkey);
	return r;
}

static int
base_of(enum ta_key_type t)
{
	switch (t) {
	case TA_KEY_EC_P256:
	case TA_KEY_EC_P384:
		return EVP_PKEY_EC;
	case TA_KEY_RSA_2048:
	case TA_KEY_RSA_3072:
	case TA_KEY_RSA_4096:
	case TA_KEY_RSA_OTHER:
		return EVP_PKEY_RSA;
	case TA_KEY_ED25519:
		return EVP_PKEY_ED25519;
	case TA_KEY_NONE:
		break;
	}
	return 0;
}

static int
curve_of(enum ta_key_type t)
{
	return t == TA_KEY_EC_P256 ? NID_X9_62_prime256v1 : t == TA_KEY_EC_P384 ? NID_secp384r1 : 0;
}

/* Fills spki, pkey and type from DER SPKI bytes (copied). */
static int
key_set_spki(struct ta_key *k, const uint8_t *spki, size_t len)
{
	int r;

	if (len == 0)
		return TA_ERR_INVALID;
	if ((r = parse_spki(spki, len, &k->pkey, &k->type)) != 0)
		return r;
	if ((k->spki = malloc(len)) == NULL)
		return TA_ERR_NOMEM;
	memcpy(k->spki, spki, len);
	k->spki_len = len;
	return 0;
}

/* Whether the key fits its kind: algorithm and, for tuf ECDSA, curve. */
static int
key_check_kind(const struct ta_key *k)
{
	if (base_of(k->type) != k->kind->base)
		return TA_ERR_KEY_TYPE;
	if (k->kind->curve != 0 && curve_of(k->type) != k->kind->curve)
		return TA_ERR_KEY_TYPE;
	return 0;
}

static int
raw_ed25519(const struct ta_key *k, uint8_t raw[static ED25519_LEN])
{
	size_t n = ED25519_LEN;

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1 || n != ED25519_LEN)
		return TA_ERR_CRYPTO;
	return 0;
}

static int
key_set_ids(struct ta_key *k)
{
	int r;

	if ((r = ta_key_id_compute(k->profile, k->kind->keytype, k->kind->scheme,
		 k->public_value, k->id)) != 0)
		return r;
	memcpy(k->canonical_id, k->id, sizeof(k->id));
	if (k->profile == TA_PROFILE_TUF)
		return ta_key_id_compute_sslib026(k->kind->keytype, k->kind->scheme,
		    k->public_value, k->sslib026_id);
	if (k->kind->form == FORM_B64_CERT) {
		/* The bare key's ID, under the certificate-less keytype. */
		const char *bare = k->kind->base == EVP_PKEY_EC ? "ecdsa" : "rsa";
		char *b64 = NULL;
		size_t n;

		if ((r = ta_base64_encode(k->spki, k->spki_len, &b64, &n)) != 0)
			return r;
		r = ta_key_id_compute(TA_PROFILE_NOTARY, bare, NULL, b64, k->canonical_id);
		free(b64);
	}
	return r;
}

static const struct kind *
kind_emitted(enum ta_profile profile, enum ta_key_type type, enum form notary_form)
{
	for (size_t i = 0; i < NKINDS; i++) {
		const struct kind *kd = &kinds[i];

		if (kd->profile != profile || !kd->emit || kd->base != base_of(type) ||
		    (kd->curve != 0 && kd->curve != curve_of(type)))
			continue;
		if (profile == TA_PROFILE_NOTARY && (kd->form == FORM_B64_CERT) !=
		    (notary_form == FORM_B64_CERT))
			continue;
		return kd;
	}
	return NULL;
}

/* Sets public_value (and bytes for notary) for a key made from SPKI. */
static int
key_encode_public(struct ta_key *k)
{
	uint8_t raw[ED25519_LEN];
	size_t n;
	int r;

	switch (k->kind->form) {
	case FORM_B64_SPKI:
		if ((k->bytes = malloc(k->spki_len)) == NULL)
			return TA_ERR_NOMEM;
		memcpy(k->bytes, k->spki, k->spki_len);
		k->bytes_len = k->spki_len;
		break;
	case FORM_B64_RAW:
		if ((r = raw_ed25519(k, raw)) != 0)
			return r;
		if ((k->bytes = malloc(ED25519_LEN)) == NULL)
			return TA_ERR_NOMEM;
		memcpy(k->bytes, raw, ED25519_LEN);
		k->bytes_len = ED25519_LEN;
		break;
	case FORM_PEM_SPKI:
		return ta_pem_encode("PUBLIC KEY", k->spki, k->spki_len, &k->public_value, &n);
	case FORM_HEX_RAW:
		if ((r = raw_ed25519(k, raw)) != 0)
			return r;
		return ta_hex_encode(raw, ED25519_LEN, &k->public_value);
	case FORM_B64_CERT:
		/* bytes were set by the caller */
		break;
	}
	return ta_base64_encode(k->bytes, k->bytes_len, &k->public_value, &n);
}

static struct ta_key *
key_new(enum ta_profile profile)
{
	struct ta_key *k = calloc(1, sizeof(*k));

	if (k != NULL)
		k->profile = profile;
	return k;
}

/* The end of a key made from its public part: its kind in the profile
 * (no_kind when it has none), its encodings and IDs; *ret_key = k, or k
 * freed. */
static int
key_finish(struct ta_key *k, enum ta_profile profile, enum form form, int no_kind,
    struct ta_key **ret_key)
{
	int r = 0;

	if ((k->kind = kind_emitted(profile, k->type, form)) == NULL)
		r = no_kind;
	else if ((r = key_encode_public(k)) == 0 && (r = key_set_ids(k)) == 0)
		*ret_key = k;
	ERR_clear_error();
	if (r != 0)
		ta_key_free(k);
	return r;
}

int
ta_key_from_spki(enum ta_profile profile, const uint8_t *spki, size_t spki_len,
    struct ta_key **ret_key)
{
	struct ta_key *k = NULL;
	int r;

	if (!ta_profile_valid(profile) || spki == NULL || ret_key == NULL)
		return TA_ERR_INVALID;
	if ((k = key_new(profile)) == NULL)
		return TA_ERR_NOMEM;
	if ((r = key_set_spki(k, spki, spki_len)) != 0) {
		ERR_clear_error();
		ta_key_free(k);
		return r;
	}
	return key_finish(k, profile, FORM_B64_SPKI, TA_ERR_UNSUPPORTED, ret_key);
}

/* Fills a notary x509 key from its decoded public bytes (PEM bundle text,
 * already in k->bytes): the first certificate's key.  The callers check it
 * against the kind. */
static int
key_from_bundle(struct ta_key *k)
{
	STACK_OF(X509) *certs = NULL;
	unsigned char *spki = NULL;
	int n, r;

	if ((r = ta_x509_bundle_parse(k->bytes, k->bytes_len, &certs)) != 0)
		return r;
	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(sk_X509_value(certs, 0)), &spki)) <= 0) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	r = key_set_spki(k, spki, (size_t)n);
out:
	OPENSSL_free(spki);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

int
ta_key_from_cert(const uint8_t *der, size_t der_len, struct ta_key **ret_key)
{
	struct ta_key *k = NULL;
	char *pem = NULL;
	size_t pem_len = 0;
	int r;

	if (der == NULL || ret_key == NULL)
		return TA_ERR_INVALID;
	if ((r = ta_x509_to_pem(der, der_len, &pem, &pem_len)) != 0)
		return r;
	if ((k = key_new(TA_PROFILE_NOTARY)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	k->bytes = (uint8_t *)pem;
	k->bytes_len = pem_len;
	pem = NULL;
	if ((r = key_from_bundle(k)) != 0)
		goto out;
	r = key_finish(k, TA_PROFILE_NOTARY, FORM_B64_CERT, TA_ERR_KEY_TYPE, ret_key);
	k = NULL;
out:
	ERR_clear_error();
	free(pem);
	ta_key_free(k);
	return r;
}

int
ta_key_from_cert_pem(
    const char *pem, size_t len, bool final_newline_optional, struct ta_key **ret_key)
{
	uint8_t *der = NULL;
	size_t der_len, used;
	int r;

	if (pem == NULL || ret_key == NULL)
		return TA_ERR_INVALID;
	if ((r = ta_pem_decode(
		 "CERTIFICATE", pem, len, final_newline_optional, &der, &der_len, &used)) != 0)
		return r;
	r = ta_key_from_cert(der, der_len, ret_key);
	free(der);
	return r;
}

/* ---- key objects --------------------------------------------------------- */

/* A member that must be a string without NUL bytes. */
static int
get_string(const json_t *obj, const char *name, const char **ret)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || !json_is_string(v))
		return TA_ERR_FORMAT;
	if (strlen(json_string_value(v)) != json_string_length(v))
		return TA_ERR_INVALID;
	*ret = json_string_value(v);
	return 0;
}

static const struct kind *
kind_named(enum ta_profile profile, const char *keytype, const char *scheme)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].profile == profile && strcmp(kinds[i].keytype, keytype) == 0 &&
		    (kinds[i].scheme == NULL ||
			(scheme != NULL && strcmp(kinds[i].scheme, scheme) == 0)))
			return &kinds[i];
	return NULL;
}

/* Decodes k->public_value in the kind's form and sets the key from it. */
static int
key_decode_public(struct ta_key *k)
{
	const char *pub = k->public_value;
	size_t len = strlen(pub), used = 0, n = 0;
	uint8_t *der = NULL, *raw = NULL;
	int r;

	switch (k->kind->form) {
	case FORM_B64_SPKI:
	case FORM_B64_RAW:
	case FORM_B64_CERT:
		if ((r = ta_base64_decode(pub, len, &k->bytes, &k->bytes_len)) != 0)
			return r;
		break;
	case FORM_PEM_SPKI:
	case FORM_HEX_RAW:
		break;
	}
	switch (k->kind->form) {
	case FORM_B64_SPKI:
		if (k->bytes_len > 0 && k->bytes[0] == '-' && k->kind->base == EVP_PKEY_RSA) {
			/* pycrypto's PEM text (FORMATS §1.2). */
			if ((r = ta_pem_decode("PUBLIC KEY", (const char *)k->bytes, k->bytes_len,
				 true, &der, &n, &used)) != 0)
				return r;
			r = used != k->bytes_len ? TA_ERR_INVALID : key_set_spki(k, der, n);
			k->public_pem = true;
			free(der);
			return r;
		}
		return key_set_spki(k, k->bytes, k->bytes_len);
	case FORM_PEM_SPKI:
		if ((r = ta_pem_decode("PUBLIC KEY", pub, len, true, &der, &n, &used)) != 0)
			return r;
		r = used != len ? TA_ERR_INVALID : key_set_spki(k, der, n);
		free(der);
		return r;
	case FORM_B64_RAW:
		raw = k->bytes;
		n = k->bytes_len;
		break;
	case FORM_HEX_RAW:
		if ((r = ta_hex_decode(pub, len, &raw, &n)) != 0)
			return r;
		break;
	case FORM_B64_CERT:
		return key_from_bundle(k);
	}
	/* Ed25519: a raw key, wrapped into SPKI for the rest of the code. */
	r = TA_ERR_INVALID;
	if (n == ED25519_LEN) {
		EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n);
		unsigned char *spki = NULL;
		int sl;

		r = TA_ERR_CRYPTO;
		if (pkey != NULL && (sl = i2d_PUBKEY(pkey, &spki)) > 0)
			r = key_set_spki(k, spki, (size_t)sl);
		OPENSSL_free(spki);
		EVP_PKEY_free(pkey);
	}
	if (raw != k->bytes)
		free(raw);
	return r;
}

static int
check_notary_shape(const json_t *obj, const json_t *keyval)
{
	const json_t *priv;

	if (json_object_size(obj) != 2 || json_object_size(keyval) != 2)
		return TA_ERR_FORMAT;
	if ((priv = json_object_get(keyval, "private")) == NULL || !json_is_null(priv))
		return TA_ERR_FORMAT;
	return 0;
}

/* The tuf members other than keytype, scheme and keyval, or NULL. */
static int
tuf_extra(const json_t *obj, json_t **ret)
{
	json_t *extra = NULL, *v;
	const char *name;

	json_object_foreach((json_t *)(uintptr_t)obj, name, v) {
		if (strcmp(name, "keytype") == 0 || strcmp(name, "scheme") == 0 ||
		    strcmp(name, "keyval") == 0)
			continue;
		if (extra == NULL && (extra = json_object()) == NULL)
			return TA_ERR_NOMEM;
		if (json_object_set_new(extra, name, json_deep_copy(v)) != 0) {
			json_decref(extra);
			return TA_ERR_NOMEM;
		}
	}
	*ret = extra;
	return 0;
}

int
ta_key_from_json(enum ta_profile profile, const json_t *obj, struct ta_key **ret_key)
{
	const char *keytype = NULL, *scheme = NULL, *pub = NULL;
	const json_t *keyval;
	struct ta_key *k = NULL;
	int r;

	if (!ta_profile_valid(profile) || obj == NULL || ret_key == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(obj))
		return TA_ERR_FORMAT;
	if ((r = get_string(obj, "keytype", &keytype)) != 0 ||
	    (profile == TA_PROFILE_TUF && (r = get_string(obj, "scheme", &scheme)) != 0))
		return r;
	keyval = json_object_get(obj, "keyval");
	if (keyval == NULL || !json_is_object(keyval))
		return TA_ERR_FORMAT;
	if (profile == TA_PROFILE_NOTARY && (r = check_notary_shape(obj, keyval)) != 0)
		return r;
	if (profile == TA_PROFILE_TUF && json_object_size(keyval) != 1)
		return TA_ERR_FORMAT;
	if ((r = get_string(keyval, "public", &pub)) != 0)
		return r;
	if (strlen(pub) > TA_KEY_PUBLIC_MAX)
		return TA_ERR_TOO_LARGE;
	if ((k = key_new(profile)) == NULL)
		return TA_ERR_NOMEM;
	if ((k->kind = kind_named(profile, keytype, scheme)) == NULL) {
		r = TA_ERR_UNSUPPORTED;
		goto out;
	}
	if ((k->public_value = strdup(pub)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if ((r = key_decode_public(k)) != 0 || (r = key_check_kind(k)) != 0)
		goto out;
	if (profile == TA_PROFILE_TUF && (r = tuf_extra(obj, &k->extra)) != 0)
		goto out;
	if ((r = key_set_ids(k)) != 0)
		goto out;
	*ret_key = k;
	k = NULL;
out:
	ERR_clear_error();
	ta_key_free(k);
	return r;
}

int
ta_key_to_json(const struct ta_key *key, json_t **ret_obj)
{
	json_t *o;

	if (key == NULL || ret_obj == NULL)
		return TA_ERR_INVALID;
	if ((o = id_object(key->profile, key->kind->keytype, key->kind->scheme,
		 key->public_value, false)) == NULL)
		return TA_ERR_NOMEM;
	if (key->extra != NULL && json_object_update_missing(o, key->extra) != 0) {
		json_decref(o);
		return TA_ERR_NOMEM;
	}
	*ret_obj = o;
	return 0;
}

/* ---- accessors ----------------------------------------------------------- */

enum ta_profile
ta_key_profile(const struct ta_key *key)
{
	return key->profile;
}

enum ta_key_type
ta_key_get_type(const struct ta_key *key)
{
	return key->type;
}

const char *
ta_key_keytype(const struct ta_key *key)
{
	return key->kind->keytype;
}

const char *
ta_key_scheme(const struct ta_key *key)
{
	return key->kind->scheme;
}

const char *
ta_key_public(const struct ta_key *key)
{
	return key->public_value;
}

const uint8_t *
ta_key_public_bytes(const struct ta_key *key, size_t *ret_len)
{
	if (key->profile == TA_PROFILE_TUF) {
		*ret_len = strlen(key->public_value);
		return (const uint8_t *)key->public_value;
	}
	*ret_len = key->bytes_len;
	return key->bytes;
}

const uint8_t *
ta_key_spki(const struct ta_key *key, size_t *ret_len)
{
	*ret_len = key->spki_len;
	return key->spki;
}

EVP_PKEY *
ta_key_pkey(const struct ta_key *key)
{
	return key->pkey;
}

_Atomic(EVP_MD_CTX *) *
ta__key_verify_slot(const struct ta_key *key, size_t i)
{
	/* A cache beside an immutable key: filled once, read by copy only. */
	return i < TA__KEY_VERIFY_SLOTS ? &((struct ta_key *)(uintptr_t)key)->verify[i] : NULL;
}

const char *
ta_key_id(const struct ta_key *key)
{
	return key->id;
}

const char *
ta_key_canonical_id(const struct ta_key *key)
{
	return key->canonical_id;
}

const char *
ta_key_sslib026_id(const struct ta_key *key)
{
	return key->profile == TA_PROFILE_TUF ? key->sslib026_id : NULL;
}

bool
ta_key_is_x509(const struct ta_key *key)
{
	return key->kind->form == FORM_B64_CERT;
}

bool
ta_key_public_is_pem(const struct ta_key *key)
{
	return key->public_pem;
}
