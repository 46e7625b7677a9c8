/* Key fixtures for the tuf/ key and signature unit tests (keyfix.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/sig.h"
#include "tuf/x509.h"
#include "tests/tools/keyfix.h"

const enum ta_key_type all_types[] = {
	TA_KEY_EC_P256, TA_KEY_EC_P384, TA_KEY_RSA_2048, TA_KEY_RSA_3072, TA_KEY_RSA_4096,
	TA_KEY_RSA_OTHER, TA_KEY_ED25519,
};

struct memsigner *signers[TA_KEY_RSA_OTHER + 1];
struct memsigner *rsa1024;

const uint8_t msg[] = MSG_TEXT;

/* RFC 8032 test 1 public key (FORMATS Appendix B worked example). */
const char rfc8032_hex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/* ---- helpers ------------------------------------------------------------- */

int
group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++)
		if ((signers[all_types[i]] = memsigner_new(all_types[i])) == NULL)
			return -1;
	return (rsa1024 = memsigner_new_rsa(1024)) != NULL ? 0 : -1;
}

int
group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++)
		memsigner_free(signers[all_types[i]]);
	memsigner_free(rsa1024);
	return 0;
}

int
reset_knobs(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++) {
		struct memsigner *m = signers[all_types[i]];

		m->pss_salt = 32;
		m->fail = 0;
		m->corrupt = false;
		m->trim = 0;
	}
	return 0;
}

struct ta_key *
key_of(enum ta_profile p, enum ta_key_type t)
{
	struct ta_key *k = NULL;
	int r = ta_key_from_spki(p, signers[t]->spki, signers[t]->spki_len, &k);

	if (r != 0)
		fail_msg("%s %s: %s", ta_profile_name(p), ta_key_type_name(t), ta_errname(r));
	return k;
}

void
sha256_hex(const void *p, size_t len, char out[TA_KEY_ID_SIZE])
{
	unsigned char md[32];

	assert_int_equal(EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* OpenSSL's base64 (an encoder independent of tuf/encoding.c). */
char *
openssl_b64(const uint8_t *p, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);

	assert_non_null(s);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)s, p, (int)len), 4 * ((len + 2) / 3));
	return s;
}

/* OpenSSL's PEM of a public key. */
char *
openssl_pem(EVP_PKEY *pkey)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, pkey), 1);
	n = BIO_get_mem_data(b, &data);
	s = strndup(data, (size_t)n);
	BIO_free(b);
	return s;
}

json_t *
jload(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

	if (v == NULL)
		fail_msg("test JSON: %s: %s", text, e.text);
	return v;
}

/* ta_key_from_json() must fail with code and leave *ret alone; consumes o. */
void
key_json_fails(enum ta_profile p, json_t *o, int code)
{
	struct ta_key *k = (struct ta_key *)&code;
	int r = ta_key_from_json(p, o, &k);

	if (r != code) {
		char *dump = json_dumps(o, JSON_SORT_KEYS);

		fail_msg("%s %.300s: got %s, want %s", ta_profile_name(p), dump, ta_errname(r),
		    ta_errname(code));
	}
	assert_ptr_equal(k, (struct ta_key *)&code);
	json_decref(o);
}

void
key_text_fails(enum ta_profile p, const char *text, int code)
{
	key_json_fails(p, jload(text), code);
}

/* The key object of a fresh key of type t, as JSON to mutate. */
json_t *
key_json(enum ta_profile p, enum ta_key_type t)
{
	struct ta_key *k = key_of(p, t);
	json_t *o = NULL;

	assert_int_equal(ta_key_to_json(k, &o), 0);
	ta_key_free(k);
	return o;
}

/* Replaces keyval.public. */
json_t *
with_public(json_t *o, const char *pub)
{
	assert_int_equal(json_object_set_new(json_object_get(o, "keyval"), "public",
			     json_string(pub)), 0);
	return o;
}

/* base64 of the DER SPKI of a key, and the notary key object text. */
json_t *
notary_obj(const char *keytype, const uint8_t *bytes, size_t len)
{
	char *b64 = openssl_b64(bytes, len);
	json_t *o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", keytype, "keyval", "private",
	    "public", b64);

	free(b64);
	assert_non_null(o);
	return o;
}

json_t *
tuf_obj(const char *keytype, const char *scheme, const char *pub)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", keytype, "scheme", scheme,
	    "keyval", "public", pub);

	assert_non_null(o);
	return o;
}

/* ta_key_from_json() of o, which is consumed. */
int
key_from_obj(enum ta_profile p, json_t *o, struct ta_key **ret)
{
	int r = ta_key_from_json(p, o, ret);

	json_decref(o);
	return r;
}

/* The DER SPKI of an OpenSSL key. */
size_t
spki_of(EVP_PKEY *pkey, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pkey, &der);

	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	return (size_t)n;
}

void
round_trip(struct ta_key *k)
{
	enum ta_profile p = ta_key_profile(k);
	struct ta_key *k2 = NULL;
	json_t *o = NULL, *o2 = NULL, *back;
	size_t l1, l2;
	char *text;

	assert_int_equal(ta_key_to_json(k, &o), 0);
	text = json_dumps(o, JSON_COMPACT);
	back = jload(text);
	assert_int_equal(ta_key_from_json(p, back, &k2), 0);
	assert_string_equal(ta_key_id(k2), ta_key_id(k));
	assert_string_equal(ta_key_canonical_id(k2), ta_key_canonical_id(k));
	assert_string_equal(ta_key_public(k2), ta_key_public(k));
	assert_string_equal(ta_key_keytype(k2), ta_key_keytype(k));
	assert_int_equal(ta_key_get_type(k2), ta_key_get_type(k));
	{
		const uint8_t *a = ta_key_spki(k, &l1), *b = ta_key_spki(k2, &l2);

		assert_int_equal(l1, l2);
		assert_memory_equal(a, b, l1);
		a = ta_key_public_bytes(k, &l1);
		b = ta_key_public_bytes(k2, &l2);
		assert_int_equal(l1, l2);
		assert_memory_equal(a, b, l1);
	}
	assert_int_equal(EVP_PKEY_eq(ta_key_pkey(k), ta_key_pkey(k2)), 1);
	assert_int_equal(ta_key_to_json(k2, &o2), 0);
	assert_true(json_equal(o, o2));
	free(text);
	json_decref(back);
	json_decref(o);
	json_decref(o2);
	ta_key_free(k2);
}
