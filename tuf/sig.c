#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/encoding.h"
#include "tuf/sig.h"

#define ED25519_SIG_LEN 64
#define ECDSA_HALF_MAX 66   /* P-521, the largest curve a DER signature may carry */
#define NOTARY_PSS_SALT 32

/* Notary's verifiers by method (FORMATS §1.2). */
static const struct {
	const char *method;
	int base;                  /* EVP_PKEY_* the key must be */
	bool pem;                  /* the key must be in the pycrypto PEM form (or not) */
	enum ta_sig_scheme scheme;
} notary_methods[] = {
	{ "ecdsa", EVP_PKEY_EC, false, TA_SIG_ECDSA_SHA256 },
	{ "rsapss", EVP_PKEY_RSA, false, TA_SIG_RSA_PSS_SHA256 },
	{ "rsapkcs1v15", EVP_PKEY_RSA, false, TA_SIG_RSA_PKCS1_SHA256 },
	{ "pycrypto-pkcs#1 pss", EVP_PKEY_RSA, true, TA_SIG_RSA_PSS_SHA256 },
	{ "eddsa", EVP_PKEY_ED25519, false, TA_SIG_ED25519 },
};

/* TUF schemes (FORMATS §2.3). */
static const struct {
	const char *scheme;
	enum ta_sig_scheme sig;
} tuf_schemes[] = {
	{ "ecdsa-sha2-nistp256", TA_SIG_ECDSA_SHA256 },
	{ "ecdsa-sha2-nistp384", TA_SIG_ECDSA_SHA384 },
	{ "rsassa-pss-sha256", TA_SIG_RSA_PSS_SHA256 },
	{ "rsa-pkcs1v15-sha256", TA_SIG_RSA_PKCS1_SHA256 },
	{ "ed25519", TA_SIG_ED25519 },
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
key_base(const struct ta_key *key)
{
	return EVP_PKEY_get_base_id(ta_key_pkey(key));
}

/* Bytes in one half of a raw ECDSA signature for the key's curve. */
static size_t
ecdsa_half(const struct ta_key *key)
{
	return ((size_t)EVP_PKEY_get_bits(ta_key_pkey(key)) + 7) / 8;
}

int
ta_sig_scheme_for(const struct ta_key *key, enum ta_sig_scheme *ret_scheme,
    const char **ret_method)
{
	if (key == NULL || ret_scheme == NULL || ret_method == NULL)
		return TA_ERR_INVALID;
	if (ta_key_profile(key) == TA_PROFILE_TUF) {
		for (size_t i = 0; i < N_ELEM(tuf_schemes); i++) {
			if (strcmp(tuf_schemes[i].scheme, ta_key_scheme(key)) == 0) {
				*ret_scheme = tuf_schemes[i].sig;
				*ret_method = NULL;
				return 0;
			}
		}
		return TA_ERR_INTERNAL; /* ta_key knows no other scheme */
	}
	for (size_t i = 0; i < N_ELEM(notary_methods); i++) {
		/* The first method of the key's kind is the one notary writes. */
		if (notary_methods[i].base == key_base(key) &&
		    notary_methods[i].pem == ta_key_public_is_pem(key)) {
			*ret_scheme = notary_methods[i].scheme;
			*ret_method = notary_methods[i].method;
			return 0;
		}
	}
	return TA_ERR_INTERNAL;
}

/* ---- DER ECDSA-Sig-Value ------------------------------------------------- */

int
ta_sig_ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t *der, size_t cap,
    size_t *ret_len)
{
	size_t half = len / 2, start[2], ilen[2], pad[2], content, hdr, o = 0;

	if (raw == NULL || der == NULL || ret_len == NULL || len == 0 || len % 2 != 0 ||
	    half > ECDSA_HALF_MAX)
		return TA_ERR_INVALID;
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = raw + (size_t)i * half;
		size_t s = 0;

		/* Minimal: no leading zero bytes, but keep one for zero. */
		while (s + 1 < half && p[s] == 0)
			s++;
		start[i] = s;
		ilen[i] = half - s;
		/* A positive INTEGER whose top bit is set needs a 0x00 first. */
		pad[i] = (p[s] & 0x80) != 0;
	}
	content = 2 + pad[0] + ilen[0] + 2 + pad[1] + ilen[1];
	hdr = content < 0x80 ? 2 : 3;
	if (hdr + content > cap)
		return TA_ERR_TOO_LARGE;
	der[o++] = 0x30;
	if (hdr == 3)
		der[o++] = 0x81;
	der[o++] = (uint8_t)content;
	for (int i = 0; i < 2; i++) {
		der[o++] = 0x02;
		der[o++] = (uint8_t)(pad[i] + ilen[i]);
		if (pad[i])
			der[o++] = 0x00;
		memcpy(der + o, raw + (size_t)i * half + start[i], ilen[i]);
		o += ilen[i];
	}
	*ret_len = o;
	return 0;
}

/* One strict DER INTEGER at der[*pos] (before end), positive and minimal,
 * right-aligned into out[half]. */
static int
der_integer(const uint8_t *der, size_t end, size_t *pos, size_t half, uint8_t *out)
{
	const uint8_t *c;
	size_t n;

	if (end - *pos < 2 || der[*pos] != 0x02)
		return TA_ERR_FORMAT;
	n = der[*pos + 1];
	/* Short-form lengths only: an INTEGER of a supported curve is < 128. */
	if (n == 0 || n >= 0x80 || n > end - *pos - 2)
		return TA_ERR_FORMAT;
	c = der + *pos + 2;
	*pos += 2 + n;
	if ((c[0] & 0x80) != 0)
		return TA_ERR_FORMAT; /* negative */
	if (n > 1 && c[0] == 0x00 && (c[1] & 0x80) == 0)
		return TA_ERR_FORMAT; /* a leading zero that is not needed */
	if (n > 1 && c[0] == 0x00)
		c++, n--;
	if (n > half)
		return TA_ERR_FORMAT;
	memset(out, 0, half - n);
	memcpy(out + half - n, c, n);
	return 0;
}

int
ta_sig_ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *ret_raw)
{
	uint8_t raw[2 * ECDSA_HALF_MAX];
	size_t pos, slen, end;
	int r;

	if (der == NULL || ret_raw == NULL || half == 0 || half > ECDSA_HALF_MAX)
		return TA_ERR_INVALID;
	if (len < 2 || der[0] != 0x30)
		return TA_ERR_FORMAT;
	if (der[1] < 0x80) {
		slen = der[1];
		pos = 2;
	} else if (der[1] == 0x81 && len >= 3 && der[2] >= 0x80) {
		slen = der[2];
		pos = 3;
	} else {
		/* Indefinite (BER), non-minimal or over-long lengths. */
		return TA_ERR_FORMAT;
	}
	if (slen > len - pos)
		return TA_ERR_FORMAT;
	end = pos + slen;
	if ((r = der_integer(der, end, &pos, half, raw)) != 0 ||
	    (r = der_integer(der, end, &pos, half, raw + half)) != 0)
		return r;
	if (pos != end)
		return TA_ERR_FORMAT; /* more inside the SEQUENCE */
	if (end != len)
		return TA_ERR_TRAILING;
	memcpy(ret_raw, raw, 2 * half);
	return 0;
}

/* ---- verification -------------------------------------------------------- */

int
ta_sig_evp_init(EVP_MD_CTX *ctx, EVP_PKEY *pkey, enum ta_sig_scheme scheme, int salt, bool sign)
{
	const EVP_MD *md = scheme == TA_SIG_ED25519 ? NULL :
	    scheme == TA_SIG_ECDSA_SHA384 ? EVP_sha384() : EVP_sha256();
	EVP_PKEY_CTX *pctx = NULL;

	if ((sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) :
		    EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey)) != 1)
		return TA_ERR_CRYPTO;
	if (scheme == TA_SIG_RSA_PSS_SHA256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1))
		return TA_ERR_CRYPTO;
	if (scheme == TA_SIG_RSA_PKCS1_SHA256 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		return TA_ERR_CRYPTO;
	return 0;
}

/* The key's verify context for an ECDSA scheme, begun on first use and
 * kept with the key (tuf/key.h), so that each check copies it instead of
 * fetching the algorithm and setting the key up again: the self-check of
 * every signature the agent makes goes through here.  NULL when the scheme
 * is not ECDSA or no context could be made; the caller begins its own. */
static const EVP_MD_CTX *
verify_template(const struct ta_key *key, enum ta_sig_scheme scheme)
{
	_Atomic(EVP_MD_CTX *) *slot;
	EVP_MD_CTX *t, *expected = NULL;

	if (scheme != TA_SIG_ECDSA_SHA256 && scheme != TA_SIG_ECDSA_SHA384)
		return NULL;
	if ((slot = ta__key_verify_slot(key, scheme == TA_SIG_ECDSA_SHA384)) == NULL)
		return NULL;
	if ((t = atomic_load(slot)) != NULL)
		return t;
	if ((t = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (ta_sig_evp_init(t, ta_key_pkey(key), scheme, 0, false) != 0) {
		EVP_MD_CTX_free(t);
		ERR_clear_error();
		return NULL;
	}
	if (!atomic_compare_exchange_strong(slot, &expected, t)) {
		EVP_MD_CTX_free(t); /* another thread's came first */
		t = expected;
	}
	return t;
}

/* One EVP verification: 0, TA_ERR_VERIFY, or a setup error.  salt is used
 * for RSA-PSS only. */
static int
evp_verify(const struct ta_key *key, enum ta_sig_scheme scheme, int salt, const uint8_t *sig,
    size_t sig_len, const uint8_t *msg, size_t len)
{
	const EVP_MD_CTX *t = verify_template(key, scheme);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	if (ctx == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (t != NULL ? EVP_MD_CTX_copy_ex(ctx, t) != 1 :
			ta_sig_evp_init(ctx, ta_key_pkey(key), scheme, salt, false) != 0) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	/* Used once: the final step need not keep ctx usable (it would copy
	 * it first). */
	EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
	r = EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1 ? 0 : TA_ERR_VERIFY;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

/* Checks the length or encoding the scheme demands, then verifies.
 * der_ecdsa: ECDSA signatures are DER (tuf), else raw r||s (notary). */
static int
verify_bytes(const struct ta_key *key, enum ta_sig_scheme scheme, bool der_ecdsa, int salt,
    const uint8_t *sig, size_t sig_len, const uint8_t *msg, size_t len)
{
	uint8_t raw[2 * ECDSA_HALF_MAX], der[TA_SIG_ECDSA_DER_MAX];
	EVP_PKEY *pkey = ta_key_pkey(key);
	size_t half, der_len;
	int r;

	switch (scheme) {
	case TA_SIG_ECDSA_SHA256:
	case TA_SIG_ECDSA_SHA384:
		if (key_base(key) != EVP_PKEY_EC)
			return TA_ERR_KEY_TYPE;
		half = ecdsa_half(key);
		if (der_ecdsa) {
			/* Strict: what OpenSSL would also accept, named precisely. */
			if ((r = ta_sig_ecdsa_der_to_raw(sig, sig_len, half, raw)) != 0)
				return r;
			return evp_verify(key, scheme, 0, sig, sig_len, msg, len);
		}
		if (sig_len != 2 * half)
			return TA_ERR_FORMAT;
		if ((r = ta_sig_ecdsa_raw_to_der(sig, sig_len, der, sizeof(der), &der_len)) != 0)
			return r;
		return evp_verify(key, scheme, 0, der, der_len, msg, len);
	case TA_SIG_RSA_PSS_SHA256:
	case TA_SIG_RSA_PKCS1_SHA256:
		if (key_base(key) != EVP_PKEY_RSA)
			return TA_ERR_KEY_TYPE;
		if (EVP_PKEY_get_bits(pkey) < TA_KEY_RSA_MIN_BITS)
			return TA_ERR_KEY_WEAK;
		if (sig_len != (size_t)EVP_PKEY_get_size(pkey))
			return TA_ERR_FORMAT;
		return evp_verify(key, scheme, salt, sig, sig_len, msg, len);
	case TA_SIG_ED25519:
		if (key_base(key) != EVP_PKEY_ED25519)
			return TA_ERR_KEY_TYPE;
		if (sig_len != ED25519_SIG_LEN)
			return TA_ERR_FORMAT;
		return evp_verify(key, scheme, 0, sig, sig_len, msg, len);
	}
	return TA_ERR_INVALID;
}

static int
verify_notary(const struct ta_key *key, const struct ta_sig *sig, const uint8_t *msg,
    size_t len)
{
	for (size_t i = 0; i < N_ELEM(notary_methods); i++) {
		if (strcmp(notary_methods[i].method, sig->method) != 0)
			continue;
		if (notary_methods[i].base != key_base(key) ||
		    notary_methods[i].pem != ta_key_public_is_pem(key))
			return TA_ERR_KEY_TYPE;
		/* Notary hard-fails a keyid that is not the key's (§1.2 step 2). */
		if (strcmp(sig->keyid, ta_key_id(key)) != 0)
			return TA_ERR_VERIFY;
		return verify_bytes(key, notary_methods[i].scheme, false, NOTARY_PSS_SALT,
		    sig->sig, sig->sig_len, msg, len);
	}
	return TA_ERR_UNSUPPORTED;
}

int
ta_sig_verify(const struct ta_key *key, const struct ta_sig *sig, const uint8_t *msg,
    size_t len)
{
	enum ta_sig_scheme scheme;
	const char *method;
	int r;

	if (key == NULL || sig == NULL || (msg == NULL && len > 0) ||
	    sig->profile != ta_key_profile(key) || sig->sig_len > sizeof(sig->sig))
		return TA_ERR_INVALID;
	if (sig->profile == TA_PROFILE_NOTARY)
		return verify_notary(key, sig, msg, len);
	if ((r = ta_sig_scheme_for(key, &scheme, &method)) != 0)
		return r;
	return verify_bytes(key, scheme, true, RSA_PSS_SALTLEN_AUTO, sig->sig, sig->sig_len, msg,
	    len);
}

/* ---- making -------------------------------------------------------------- */

/* The raw length the signer must return for the key and scheme. */
static size_t
raw_len(const struct ta_key *key, enum ta_sig_scheme scheme)
{
	switch (scheme) {
	case TA_SIG_ECDSA_SHA256:
	case TA_SIG_ECDSA_SHA384:
		return 2 * ecdsa_half(key);
	case TA_SIG_RSA_PSS_SHA256:
	case TA_SIG_RSA_PKCS1_SHA256:
		return (size_t)EVP_PKEY_get_size(ta_key_pkey(key));
	case TA_SIG_ED25519:
		return ED25519_SIG_LEN;
	}
	return 0;
}

int
ta_sig_make(const struct ta_key *key, const struct ta_signer *signer, const uint8_t *msg,
    size_t len, struct ta_sig *ret_sig)
{
	uint8_t raw[TA_SIG_MAX];
	enum ta_sig_scheme scheme;
	const char *method = NULL;
	const uint8_t *spki;
	struct ta_sig s;
	size_t spki_len, n = 0;
	int r;

	if (key == NULL || signer == NULL || signer->sign == NULL || signer->spki == NULL ||
	    (msg == NULL && len > 0) || ret_sig == NULL)
		return TA_ERR_INVALID;
	spki = ta_key_spki(key, &spki_len);
	if (signer->spki_len != spki_len || memcmp(signer->spki, spki, spki_len) != 0)
		return TA_ERR_INVALID;
	if ((r = ta_sig_scheme_for(key, &scheme, &method)) != 0)
		return r;
	if ((r = signer->sign(signer->ctx, scheme, msg, len, raw, &n)) != 0)
		return r;
	if (n != raw_len(key, scheme) || n > sizeof(raw))
		return TA_ERR_CRYPTO;

	memset(&s, 0, sizeof(s));
	s.profile = ta_key_profile(key);
	memcpy(s.keyid, ta_key_id(key), TA_KEY_ID_SIZE);
	if (method != NULL)
		memcpy(s.method, method, strlen(method) + 1);
	if (s.profile == TA_PROFILE_TUF &&
	    (scheme == TA_SIG_ECDSA_SHA256 || scheme == TA_SIG_ECDSA_SHA384)) {
		if ((r = ta_sig_ecdsa_raw_to_der(raw, n, s.sig, sizeof(s.sig), &s.sig_len)) != 0)
			return r;
	} else {
		memcpy(s.sig, raw, n);
		s.sig_len = n;
	}
	/* A token that returns a wrong signature is caught here, not by
	 * every verifier downstream (signer.h, no_check). */
	if (!(signer->no_check && (scheme == TA_SIG_ECDSA_SHA256 || scheme == TA_SIG_ECDSA_SHA384 ||
				      scheme == TA_SIG_ED25519)) &&
	    (r = ta_sig_verify(key, &s, msg, len)) != 0)
		return r;
	*ret_sig = s;
	return 0;
}

/* ---- signature objects --------------------------------------------------- */

/* A member that must be a string without NUL bytes; its length too. */
static int
get_string(const json_t *obj, const char *name, const char **ret, size_t *ret_len)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || !json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return TA_ERR_FORMAT;
	*ret = json_string_value(v);
	*ret_len = json_string_length(v);
	return 0;
}

int
ta_sig_from_json(enum ta_profile profile, const json_t *obj, struct ta_sig *ret_sig)
{
	const char *keyid, *method = NULL, *text;
	size_t keyid_len, method_len = 0, text_len, max_text, n = 0;
	uint8_t *bytes = NULL;
	struct ta_sig s;
	bool notary = profile == TA_PROFILE_NOTARY;
	int r;

	if (!ta_profile_valid(profile) || obj == NULL || ret_sig == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(obj) || (notary && json_object_size(obj) != 3))
		return TA_ERR_FORMAT;
	if ((r = get_string(obj, "keyid", &keyid, &keyid_len)) != 0 ||
	    (notary && (r = get_string(obj, "method", &method, &method_len)) != 0) ||
	    (r = get_string(obj, "sig", &text, &text_len)) != 0)
		return r;
	if (notary ? keyid_len != TA_KEY_ID_LEN || !ta_hex_ok(keyid, keyid_len, true) :
	    keyid_len == 0 || keyid_len > TA_SIG_KEYID_MAX || !ta_hex_ok(keyid, keyid_len, false))
		return TA_ERR_FORMAT;
	if (notary && (method_len == 0 || method_len > TA_SIG_METHOD_MAX))
		return TA_ERR_FORMAT;
	for (size_t i = 0; i < method_len; i++)
		if (method[i] < 0x20 || method[i] > 0x7e)
			return TA_ERR_FORMAT;
	if (text_len == 0)
		return TA_ERR_FORMAT;
	max_text = notary ? (TA_SIG_BYTES_MAX + 2) / 3 * 4 : 2 * TA_SIG_BYTES_MAX;
	if (text_len > max_text)
		return TA_ERR_TOO_LARGE;
	r = notary ? ta_base64_decode(text, text_len, &bytes, &n) :
	    ta_hex_decode(text, text_len, &bytes, &n);
	if (r != 0)
		return r;
	if (n > TA_SIG_BYTES_MAX) {
		free(bytes);
		return TA_ERR_TOO_LARGE;
	}

	memset(&s, 0, sizeof(s));
	s.profile = profile;
	memcpy(s.keyid, keyid, keyid_len);
	/* Go lowercases the method when it reads it (FORMATS §1.2). */
	for (size_t i = 0; i < method_len; i++) {
		s.method[i] = method[i];
		if (method[i] >= 'A' && method[i] <= 'Z')
			s.method[i] = (char)(method[i] - 'A' + 'a');
	}
	memcpy(s.sig, bytes, n);
	s.sig_len = n;
	free(bytes);
	*ret_sig = s;
	return 0;
}

int
ta_sig_to_json(const struct ta_sig *sig, json_t **ret_obj)
{
	char *text = NULL;
	size_t n;
	json_t *o;
	int r;

	if (sig == NULL || ret_obj == NULL || !ta_profile_valid(sig->profile) ||
	    sig->sig_len == 0 || sig->sig_len > sizeof(sig->sig) ||
	    memchr(sig->keyid, '\0', sizeof(sig->keyid)) == NULL ||
	    memchr(sig->method, '\0', sizeof(sig->method)) == NULL)
		return TA_ERR_INVALID;
	if (sig->profile == TA_PROFILE_NOTARY) {
		if ((r = ta_base64_encode(sig->sig, sig->sig_len, &text, &n)) != 0)
			return r;
		o = json_pack("{s:s, s:s, s:s}", "keyid", sig->keyid, "method", sig->method, "sig",
		    text);
	} else {
		if ((r = ta_hex_encode(sig->sig, sig->sig_len, &text)) != 0)
			return r;
		o = json_pack("{s:s, s:s}", "keyid", sig->keyid, "sig", text);
	}
	free(text);
	if (o == NULL)
		return TA_ERR_INVALID; /* OOM, or a keyid or method that is not UTF-8 */
	*ret_obj = o;
	return 0;
}
