/* Unit tests for tuf/encoding.c, tuf/key.c and tuf/sig.c: text encodings,
 * key objects and key IDs in both profiles, signatures made through a
 * struct ta_signer and verified under each profile's rules.
 *
 * Expected values come from FORMATS (Appendix B's worked example), from
 * strings written here by hand and hashed with OpenSSL, and from OpenSSL's
 * own PEM and base64 writers; tests/integration/sslib-interop.sh checks the tuf side
 * against securesystemslib itself. */
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

#define N TA_PROFILE_NOTARY
#define T TA_PROFILE_TUF

static const enum ta_key_type all_types[] = {
	TA_KEY_EC_P256, TA_KEY_EC_P384, TA_KEY_RSA_2048, TA_KEY_RSA_3072, TA_KEY_RSA_4096,
	TA_KEY_RSA_OTHER, TA_KEY_ED25519,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static struct memsigner *signers[TA_KEY_RSA_OTHER + 1];
static struct memsigner *rsa1024;

static const uint8_t msg[] = "{\"_type\":\"targets\",\"version\":1}";
#define MSG_LEN (sizeof(msg) - 1)

/* RFC 8032 test 1 public key (FORMATS Appendix B worked example). */
static const char rfc8032_hex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/* ---- helpers ------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++)
		if ((signers[all_types[i]] = memsigner_new(all_types[i])) == NULL)
			return -1;
	return (rsa1024 = memsigner_new_rsa(1024)) != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++)
		memsigner_free(signers[all_types[i]]);
	memsigner_free(rsa1024);
	return 0;
}

static int
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

static struct ta_key *
key_of(enum ta_profile p, enum ta_key_type t)
{
	struct ta_key *k = NULL;
	int r = ta_key_from_spki(p, signers[t]->spki, signers[t]->spki_len, &k);

	if (r != 0)
		fail_msg("%s %s: %s", ta_profile_name(p), ta_key_type_name(t), ta_errname(r));
	return k;
}

static void
sha256_hex(const void *p, size_t len, char out[TA_KEY_ID_SIZE])
{
	unsigned char md[32];

	assert_int_equal(EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* OpenSSL's base64 (an encoder independent of tuf/encoding.c). */
static char *
openssl_b64(const uint8_t *p, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);

	assert_non_null(s);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)s, p, (int)len), 4 * ((len + 2) / 3));
	return s;
}

/* OpenSSL's PEM of a public key. */
static char *
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

static json_t *
jload(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

	if (v == NULL)
		fail_msg("test JSON: %s: %s", text, e.text);
	return v;
}

/* ta_key_from_json() must fail with code and leave *ret alone; consumes o. */
static void
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

static void
key_text_fails(enum ta_profile p, const char *text, int code)
{
	key_json_fails(p, jload(text), code);
}

/* The key object of a fresh key of type t, as JSON to mutate. */
static json_t *
key_json(enum ta_profile p, enum ta_key_type t)
{
	struct ta_key *k = key_of(p, t);
	json_t *o = NULL;

	assert_int_equal(ta_key_to_json(k, &o), 0);
	ta_key_free(k);
	return o;
}

/* Replaces keyval.public. */
static json_t *
with_public(json_t *o, const char *pub)
{
	assert_int_equal(json_object_set_new(json_object_get(o, "keyval"), "public",
			     json_string(pub)), 0);
	return o;
}

/* base64 of the DER SPKI of a key, and the notary key object text. */
static json_t *
notary_obj(const char *keytype, const uint8_t *bytes, size_t len)
{
	char *b64 = openssl_b64(bytes, len);
	json_t *o = json_pack("{s:s, s:{s:n, s:s}}", "keytype", keytype, "keyval", "private",
	    "public", b64);

	free(b64);
	assert_non_null(o);
	return o;
}

static json_t *
tuf_obj(const char *keytype, const char *scheme, const char *pub)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", keytype, "scheme", scheme,
	    "keyval", "public", pub);

	assert_non_null(o);
	return o;
}

/* ta_key_from_json() of o, which is consumed. */
static int
key_from_obj(enum ta_profile p, json_t *o, struct ta_key **ret)
{
	int r = ta_key_from_json(p, o, ret);

	json_decref(o);
	return r;
}

/* The DER SPKI of an OpenSSL key. */
static size_t
spki_of(EVP_PKEY *pkey, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pkey, &der);

	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	return (size_t)n;
}

/* ---- encodings ----------------------------------------------------------- */

static void
test_tuf_key_base64_vectors(void **state)
{
	/* RFC 4648 §10. */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
		"Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		char *s = NULL;
		uint8_t *b = NULL;
		size_t n = 99;

		assert_int_equal(ta_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), &s,
				     &n), 0);
		assert_string_equal(s, coded[i]);
		assert_int_equal(n, strlen(coded[i]));
		assert_int_equal(ta_base64_decode(coded[i], strlen(coded[i]), &b, &n), 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(b, plain[i], n);
		free(s);
		free(b);
	}
}

static void
test_tuf_key_base64_rejects_noncanonical(void **state)
{
	static const char *const bad[] = {
		"Zg=", "Zg", "Z", "Zh==", "Zm9=", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm9v\n",
		" Zm9v", "Zm9v ", "Zm 9v", "Zm9-", "Zm9_", "Zm\0v", "Zg=\x3d\x3d", "Zm9vYg=A",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *b = (uint8_t *)&b;
		size_t n = 7, len = strlen(bad[i]);

		if (i == 15)
			len = 4; /* the NUL inside */
		if (ta_base64_decode(bad[i], len, &b, &n) != TA_ERR_INVALID)
			fail_msg("accepted '%s'", bad[i]);
		assert_ptr_equal(b, (uint8_t *)&b);
		assert_int_equal(n, 7);
	}
}

static void
test_tuf_key_hex_vectors_and_rejects(void **state)
{
	static const char *const bad[] = { "0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1" };
	uint8_t *b = NULL;
	char *s = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(ta_hex_decode("00Ff7A", 6, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(b, "\x00\xff\x7a", 3);
	assert_int_equal(ta_hex_encode(b, n, &s), 0);
	assert_string_equal(s, "00ff7a");
	free(b);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ta_hex_decode(bad[i], strlen(bad[i]), &b, &n), TA_ERR_INVALID);
}

/* Our PEM writer against OpenSSL's for every length across line breaks. */
static void
test_tuf_key_pem_matches_openssl(void **state)
{
	uint8_t der[200];

	(void)state;
	for (size_t i = 0; i < sizeof(der); i++)
		der[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof(der); len++) {
		BIO *b = BIO_new(BIO_s_mem());
		char *ours = NULL, *data;
		uint8_t *back = NULL;
		size_t n = 0, used = 0, back_len = 0;
		long bn;

		assert_true(PEM_write_bio(b, "CERTIFICATE", "", der, (long)len) > 0);
		bn = BIO_get_mem_data(b, &data);
		assert_int_equal(ta_pem_encode("CERTIFICATE", der, len, &ours, &n), 0);
		assert_int_equal(n, (size_t)bn);
		assert_memory_equal(ours, data, n);
		assert_int_equal(ta_pem_decode("CERTIFICATE", ours, n, false, &back, &back_len,
				     &used), 0);
		assert_int_equal(used, n);
		assert_int_equal(back_len, len);
		assert_memory_equal(back, der, len);
		free(back);
		/* Without its final newline: only when that is allowed. */
		assert_int_equal(ta_pem_decode("CERTIFICATE", ours, n - 1, false, &back, &back_len,
				     &used), TA_ERR_INVALID);
		assert_int_equal(ta_pem_decode("CERTIFICATE", ours, n - 1, true, &back, &back_len,
				     &used), 0);
		assert_int_equal(used, n - 1);
		free(back);
		free(ours);
		BIO_free(b);
	}
}

static void
test_tuf_key_pem_rejects_other_layouts(void **state)
{
	static const char good[] =
	    "-----BEGIN PUBLIC KEY-----\nAAECAw==\n-----END PUBLIC KEY-----\n";
	static const char *const bad[] = {
		"-----BEGIN PUBLIC KEY-----\r\nAAECAw==\r\n-----END PUBLIC KEY-----\r\n",
		" -----BEGIN PUBLIC KEY-----\nAAECAw==\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\nAAEC\nAw==\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\nAAECAw==\n\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\nAAECAw==\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n",
		("-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAECAw==\n"
		    "-----END PUBLIC KEY-----\n"),
		"-----BEGIN PUBLIC KEY-----\nAAECAw\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\nAAECAw==",
		"-----BEGIN PUBLIC KEY-----\nAAECAw== \n-----END PUBLIC KEY-----\n",
	};
	uint8_t *der = NULL;
	size_t n = 0, used = 0;

	(void)state;
	assert_int_equal(ta_pem_decode("PUBLIC KEY", good, strlen(good), false, &der, &n, &used),
	    0);
	assert_int_equal(n, 4);
	free(der);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ta_pem_decode("PUBLIC KEY", bad[i], strlen(bad[i]), true, &der, &n, &used) !=
		    TA_ERR_INVALID)
			fail_msg("accepted case %zu", i);
	/* A 76-column line, as some base64 tools write. */
	{
		uint8_t big[60];
		char *pem = NULL, *b64 = NULL, buf[256];
		size_t pl = 0, bl = 0;

		memset(big, 0xa5, sizeof(big));
		assert_int_equal(ta_base64_encode(big, sizeof(big), &b64, &bl), 0);
		assert_int_equal(bl, 80);
		snprintf(buf, sizeof(buf), "-----BEGIN PUBLIC KEY-----\n%.76s\n%s\n"
		    "-----END PUBLIC KEY-----\n", b64, b64 + 76);
		assert_int_equal(ta_pem_decode("PUBLIC KEY", buf, strlen(buf), true, &der, &n,
				     &used), TA_ERR_INVALID);
		assert_int_equal(ta_pem_encode("PUBLIC KEY", big, sizeof(big), &pem, &pl), 0);
		assert_int_equal(strchr(pem + 27, '\n') - (pem + 27), 64);
		free(pem);
		free(b64);
	}
	{
		char *out = NULL;

		assert_int_equal(ta_pem_encode("public key", (const uint8_t *)"x", 1, &out, &n),
		    TA_ERR_INVALID);
		assert_int_equal(ta_pem_encode("PUBLIC KEY", (const uint8_t *)"x", 0, &out, &n),
		    TA_ERR_INVALID);
		assert_null(out);
	}
}

/* ---- key IDs ------------------------------------------------------------- */

/* FORMATS Appendix B "keyid", worked example. */
static void
test_tuf_key_id_worked_example(void **state)
{
	static const char canon[] = "{\"keytype\":\"ed25519\",\"keyval\":{\"public\":\""
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\"},"
	    "\"scheme\":\"ed25519\"}";
	static const char want[] =
	    "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916";
	static const char want026[] =
	    "01e8764eedab63b3593451765fc337b2cc6d2c66923845da255f448c19e2afc5";
	/* SubjectPublicKeyInfo { id-Ed25519, BIT STRING (32 bytes) } */
	uint8_t spki[44] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
		0x00 };
	char id[TA_KEY_ID_SIZE], hand[TA_KEY_ID_SIZE];
	struct ta_key *k = NULL;
	uint8_t *raw = NULL;
	size_t n = 0;

	(void)state;
	sha256_hex(canon, strlen(canon), hand);
	assert_string_equal(hand, want);
	assert_int_equal(ta_key_id_compute(T, "ed25519", "ed25519", rfc8032_hex, id), 0);
	assert_string_equal(id, want);
	assert_int_equal(ta_key_id_compute_sslib026("ed25519", "ed25519", rfc8032_hex, id), 0);
	assert_string_equal(id, want026);

	/* The same key reached from a token's SPKI. */
	assert_int_equal(ta_hex_decode(rfc8032_hex, 64, &raw, &n), 0);
	memcpy(spki + 12, raw, 32);
	free(raw);
	assert_int_equal(ta_key_from_spki(T, spki, sizeof(spki), &k), 0);
	assert_string_equal(ta_key_keytype(k), "ed25519");
	assert_string_equal(ta_key_scheme(k), "ed25519");
	assert_string_equal(ta_key_public(k), rfc8032_hex);
	assert_string_equal(ta_key_id(k), want);
	assert_string_equal(ta_key_canonical_id(k), want);
	assert_string_equal(ta_key_sslib026_id(k), want026);
	assert_int_equal(ta_key_get_type(k), TA_KEY_ED25519);
	ta_key_free(k);
}

/* Notary's formula recomputed from a hand-written canonical string, with
 * OpenSSL's base64, for every key type. */
static void
test_tuf_key_notary_id_by_hand(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++) {
		enum ta_key_type t = all_types[i];
		struct ta_key *k = key_of(N, t);
		const char *kt = t == TA_KEY_ED25519 ? "ecdsa" : "";
		uint8_t raw[32];
		size_t rl = sizeof(raw);
		char *b64, canon[2048], want[TA_KEY_ID_SIZE];

		if (t == TA_KEY_ED25519) {
			EVP_PKEY *pk = signers[t]->pkey;

			assert_int_equal(EVP_PKEY_get_raw_public_key(pk, raw, &rl), 1);
			b64 = openssl_b64(raw, rl);
			kt = "ed25519";
		} else {
			b64 = openssl_b64(signers[t]->spki, signers[t]->spki_len);
			kt = t == TA_KEY_EC_P256 || t == TA_KEY_EC_P384 ? "ecdsa" : "rsa";
		}
		snprintf(canon, sizeof(canon),
		    "{\"keytype\":\"%s\",\"keyval\":{\"private\":null,\"public\":\"%s\"}}", kt,
		    b64);
		sha256_hex(canon, strlen(canon), want);
		assert_string_equal(ta_key_keytype(k), kt);
		assert_null(ta_key_scheme(k));
		assert_string_equal(ta_key_public(k), b64);
		assert_string_equal(ta_key_id(k), want);
		assert_string_equal(ta_key_canonical_id(k), want);
		assert_null(ta_key_sslib026_id(k));
		assert_int_equal(ta_key_get_type(k), t);
		assert_false(ta_key_is_x509(k));
		free(b64);
		ta_key_free(k);
	}
}

/* The tuf formula from a hand-written string, with OpenSSL's PEM. */
static void
test_tuf_key_tuf_id_by_hand(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_TYPES; i++) {
		enum ta_key_type t = all_types[i];
		struct ta_key *k = key_of(T, t);
		const char *kt, *sch;
		char *pub, canon[4096], canon026[4096];
		char want[TA_KEY_ID_SIZE], want026[TA_KEY_ID_SIZE];

		if (t == TA_KEY_ED25519) {
			uint8_t raw[32];
			size_t rl = sizeof(raw);

			EVP_PKEY *pk = signers[t]->pkey;

			assert_int_equal(EVP_PKEY_get_raw_public_key(pk, raw, &rl), 1);
			assert_int_equal(ta_hex_encode(raw, rl, &pub), 0);
			kt = sch = "ed25519";
		} else {
			pub = openssl_pem(signers[t]->pkey);
			kt = t == TA_KEY_EC_P256 || t == TA_KEY_EC_P384 ? "ecdsa" : "rsa";
			sch = t == TA_KEY_EC_P256 ? "ecdsa-sha2-nistp256" :
			    t == TA_KEY_EC_P384 ? "ecdsa-sha2-nistp384" : "rsassa-pss-sha256";
			assert_int_equal(pub[strlen(pub) - 1], '\n');
		}
		/* Newlines inside the PEM are raw bytes in canonical JSON. */
		snprintf(canon, sizeof(canon),
		    "{\"keytype\":\"%s\",\"keyval\":{\"public\":\"%s\"},\"scheme\":\"%s\"}",
		    kt, pub, sch);
		snprintf(canon026, sizeof(canon026),
		    "{\"keyid_hash_algorithms\":[\"sha256\",\"sha512\"],\"keytype\":\"%s\","
		    "\"keyval\":{\"public\":\"%s\"},\"scheme\":\"%s\"}", kt, pub, sch);
		sha256_hex(canon, strlen(canon), want);
		sha256_hex(canon026, strlen(canon026), want026);
		assert_string_equal(ta_key_keytype(k), kt);
		assert_string_equal(ta_key_scheme(k), sch);
		assert_string_equal(ta_key_public(k), pub);
		assert_string_equal(ta_key_id(k), want);
		assert_string_equal(ta_key_sslib026_id(k), want026);
		free(pub);
		ta_key_free(k);
	}
}

static void
test_tuf_key_id_compute_bad_args(void **state)
{
	char id[TA_KEY_ID_SIZE] = "untouched";

	(void)state;
	assert_int_equal(ta_key_id_compute(T, "rsa", NULL, "x", id), TA_ERR_INVALID);
	assert_int_equal(ta_key_id_compute(N, NULL, NULL, "x", id), TA_ERR_INVALID);
	assert_int_equal(ta_key_id_compute(N, "rsa", NULL, NULL, id), TA_ERR_INVALID);
	assert_int_equal(ta_key_id_compute((enum ta_profile)7, "rsa", "x", "x", id),
	    TA_ERR_INVALID);
	assert_int_equal(ta_key_id_compute(T, "rsa", "x", "\xff", id), TA_ERR_INVALID);
	/* Notary canonical JSON cannot hold control characters. */
	assert_int_equal(ta_key_id_compute(N, "rsa", NULL, "a\nb", id), TA_ERR_INVALID);
	assert_string_equal(id, "untouched");
}

/* ---- key objects: round trips -------------------------------------------- */

static void
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

static void
test_tuf_key_round_trip_every_type(void **state)
{
	(void)state;
	for (int p = N; p <= T; p++) {
		for (size_t i = 0; i < N_TYPES; i++) {
			struct ta_key *k = key_of((enum ta_profile)p, all_types[i]);
			size_t l;
			const uint8_t *spki = ta_key_spki(k, &l);

			assert_int_equal(l, signers[all_types[i]]->spki_len);
			assert_memory_equal(spki, signers[all_types[i]]->spki, l);
			round_trip(k);
			ta_key_free(k);
		}
	}
}

static void
test_tuf_key_notary_object_shape(void **state)
{
	json_t *o = key_json(N, TA_KEY_EC_P256), *kv = json_object_get(o, "keyval");
	char *text;

	(void)state;
	assert_int_equal(json_object_size(o), 2);
	assert_int_equal(json_object_size(kv), 2);
	assert_true(json_is_null(json_object_get(kv, "private")));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_true(strncmp(text, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":null,\"public\":"
	    "\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", 81) == 0);
	free(text);
	json_decref(o);
}

static void
test_tuf_key_tuf_pem_forms(void **state)
{
	struct ta_key *k = key_of(T, TA_KEY_RSA_2048), *k2 = NULL;
	char *pub = strdup(ta_key_public(k)), want[TA_KEY_ID_SIZE];

	(void)state;
	assert_true(strncmp(pub, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	assert_string_equal(pub + strlen(pub) - 25, "-----END PUBLIC KEY-----\n");
	/* securesystemslib 0.26 writes RSA PEMs without the final newline: read
	 * as published, hashed as published. */
	pub[strlen(pub) - 1] = '\0';
	assert_int_equal(key_from_obj(T, tuf_obj("rsa", "rsassa-pss-sha256", pub), &k2), 0);
	assert_string_equal(ta_key_public(k2), pub);
	assert_int_equal(ta_key_id_compute(T, "rsa", "rsassa-pss-sha256", pub, want), 0);
	assert_string_equal(ta_key_id(k2), want);
	assert_string_not_equal(ta_key_id(k2), ta_key_id(k));
	assert_int_equal(EVP_PKEY_eq(ta_key_pkey(k), ta_key_pkey(k2)), 1);
	round_trip(k2);
	ta_key_free(k2);
	ta_key_free(k);
	free(pub);
}

/* The tolerated spellings: legacy keytypes, pkcs1v15, upper-case hex. */
static void
test_tuf_key_tuf_accepts_legacy_names(void **state)
{
	struct ta_key *p256 = key_of(T, TA_KEY_EC_P256), *p384 = key_of(T, TA_KEY_EC_P384);
	struct ta_key *rsa = key_of(T, TA_KEY_RSA_2048), *ed = key_of(T, TA_KEY_ED25519);
	struct ta_key *k = NULL;
	char upper[65];

	(void)state;
	assert_int_equal(key_from_obj(T, tuf_obj("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256",
						 ta_key_public(p256)), &k), 0);
	assert_string_equal(ta_key_keytype(k), "ecdsa-sha2-nistp256");
	round_trip(k);
	ta_key_free(k);
	assert_int_equal(key_from_obj(T, tuf_obj("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384",
						 ta_key_public(p384)), &k), 0);
	ta_key_free(k);
	assert_int_equal(key_from_obj(T, tuf_obj("rsa", "rsa-pkcs1v15-sha256",
						 ta_key_public(rsa)), &k), 0);
	assert_string_equal(ta_key_scheme(k), "rsa-pkcs1v15-sha256");
	ta_key_free(k);
	for (int i = 0; i < 64; i++) {
		char c = ta_key_public(ed)[i];

		upper[i] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
	}
	upper[64] = '\0';
	assert_int_equal(key_from_obj(T, tuf_obj("ed25519", "ed25519", upper), &k), 0);
	assert_string_equal(ta_key_public(k), upper);
	assert_int_equal(EVP_PKEY_eq(ta_key_pkey(k), ta_key_pkey(ed)), 1);
	ta_key_free(k);
	ta_key_free(p256);
	ta_key_free(p384);
	ta_key_free(rsa);
	ta_key_free(ed);
}

static void
test_tuf_key_tuf_extra_members_kept(void **state)
{
	json_t *o = key_json(T, TA_KEY_ED25519), *o2 = NULL;
	struct ta_key *k = NULL, *plain = key_of(T, TA_KEY_ED25519);

	(void)state;
	json_object_set_new(o, "keyid_hash_algorithms", json_pack("[s,s]", "sha256", "sha512"));
	json_object_set_new(o, "x-vendor", json_pack("{s:i}", "a", 1));
	assert_int_equal(ta_key_from_json(T, o, &k), 0);
	/* The ID covers keytype, scheme and keyval only. */
	assert_string_equal(ta_key_id(k), ta_key_id(plain));
	assert_int_equal(ta_key_to_json(k, &o2), 0);
	assert_true(json_equal(o, o2));
	json_decref(o);
	json_decref(o2);
	ta_key_free(k);
	ta_key_free(plain);
}

/* pycrypto's notary RSA keys: public bytes are PEM text. */
static void
test_tuf_key_notary_rsa_pem_form(void **state)
{
	char *pem = openssl_pem(signers[TA_KEY_RSA_2048]->pkey);
	struct ta_key *k = NULL;

	(void)state;
	assert_int_equal(key_from_obj(N, notary_obj("rsa", (uint8_t *)pem, strlen(pem)), &k),
	    0);
	assert_true(ta_key_public_is_pem(k));
	assert_int_equal(ta_key_get_type(k), TA_KEY_RSA_2048);
	round_trip(k);
	ta_key_free(k);
	/* Only for RSA: notary's ecdsa verifier reads DER only. */
	free(pem);
	pem = openssl_pem(signers[TA_KEY_EC_P256]->pkey);
	key_json_fails(N, notary_obj("ecdsa", (uint8_t *)pem, strlen(pem)), TA_ERR_INVALID);
	free(pem);
}

/* ---- key objects: refusals ----------------------------------------------- */

static void
test_tuf_key_notary_shape_refused(void **state)
{
	json_t *o;

	(void)state;
	key_text_fails(N, "[]", TA_ERR_FORMAT);
	key_text_fails(N, "\"ecdsa\"", TA_ERR_FORMAT);
	key_text_fails(N, "{}", TA_ERR_FORMAT);
	key_text_fails(N, "{\"keyval\":{\"private\":null,\"public\":\"AAAA\"}}", TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":1,\"keyval\":{\"private\":null,\"public\":\"AAAA\"}}",
	    TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\"}", TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\",\"keyval\":\"AAAA\"}", TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"AAAA\"}}",
	    TA_ERR_FORMAT);
	key_text_fails(N,
	    "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":\"\",\"public\":\"AAAA\"}}",
	    TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":null}}", TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":null,\"public\":5}}",
	    TA_ERR_FORMAT);
	key_text_fails(N, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":null,\"pub\":\"AAAA\"}}",
	    TA_ERR_FORMAT);

	/* Closed field sets: a valid key plus one member. */
	o = key_json(N, TA_KEY_EC_P256);
	json_object_set_new(o, "scheme", json_string("ecdsa-sha2-nistp256"));
	key_json_fails(N, o, TA_ERR_FORMAT);
	o = key_json(N, TA_KEY_EC_P256);
	json_object_set_new(json_object_get(o, "keyval"), "x", json_null());
	key_json_fails(N, o, TA_ERR_FORMAT);
	o = key_json(N, TA_KEY_EC_P256);
	json_object_set_new(json_object_get(o, "keyval"), "private", json_false());
	key_json_fails(N, o, TA_ERR_FORMAT);
}

static void
test_tuf_key_notary_material_refused(void **state)
{
	uint8_t spki[TA_KEY_SPKI_MAX + 8];
	size_t n;
	json_t *o;
	char *b64;

	(void)state;
	key_text_fails(N, "{\"keytype\":\"dsa\",\"keyval\":{\"private\":null,\"public\":\"AAAA\"}}",
	    TA_ERR_UNSUPPORTED);
	key_text_fails(N,
	    "{\"keytype\":\"ECDSA\",\"keyval\":{\"private\":null,\"public\":\"AAAA\"}}",
	    TA_ERR_UNSUPPORTED);
	/* Base64 that does not decode, or decodes to no key. */
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), "!!!!"), TA_ERR_INVALID);
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), "AAA"), TA_ERR_INVALID);
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), "AB=="), TA_ERR_INVALID);
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), ""), TA_ERR_INVALID);
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), "AAAA"), TA_ERR_INVALID);

	/* Truncated and over-long DER. */
	n = signers[TA_KEY_EC_P256]->spki_len;
	memcpy(spki, signers[TA_KEY_EC_P256]->spki, n);
	key_json_fails(N, notary_obj("ecdsa", spki, n - 1), TA_ERR_INVALID);
	key_json_fails(N, notary_obj("ecdsa", spki, n - 3), TA_ERR_INVALID);
	spki[n] = 0x00;
	key_json_fails(N, notary_obj("ecdsa", spki, n + 1), TA_ERR_INVALID);
	/* Base64 that is truncated mid-way (still a multiple of 4). */
	b64 = openssl_b64(spki, n);
	b64[strlen(b64) - 8] = '\0';
	key_json_fails(N, with_public(key_json(N, TA_KEY_EC_P256), b64), TA_ERR_INVALID);
	free(b64);

	/* The key inside is not the keytype's. */
	key_json_fails(N, notary_obj("ecdsa", signers[TA_KEY_RSA_2048]->spki,
			      signers[TA_KEY_RSA_2048]->spki_len), TA_ERR_KEY_TYPE);
	key_json_fails(N, notary_obj("rsa", signers[TA_KEY_EC_P384]->spki,
			      signers[TA_KEY_EC_P384]->spki_len), TA_ERR_KEY_TYPE);
	key_json_fails(N, notary_obj("ecdsa", signers[TA_KEY_ED25519]->spki,
			      signers[TA_KEY_ED25519]->spki_len), TA_ERR_KEY_TYPE);
	/* ed25519 wants the raw 32 bytes, not SPKI, not 31 or 33 bytes. */
	key_json_fails(N, notary_obj("ed25519", signers[TA_KEY_ED25519]->spki,
			      signers[TA_KEY_ED25519]->spki_len), TA_ERR_INVALID);
	key_json_fails(N, notary_obj("ed25519", spki, 31), TA_ERR_INVALID);
	key_json_fails(N, notary_obj("ed25519", spki, 33), TA_ERR_INVALID);
	/* RSA-1024. */
	key_json_fails(N, notary_obj("rsa", rsa1024->spki, rsa1024->spki_len), TA_ERR_KEY_WEAK);
	/* An x509 keytype over a bare key. */
	key_json_fails(N, notary_obj("ecdsa-x509", signers[TA_KEY_EC_P256]->spki,
			      signers[TA_KEY_EC_P256]->spki_len), TA_ERR_INVALID);

	/* Too large, and NUL inside. */
	o = key_json(N, TA_KEY_EC_P256);
	{
		char *big = malloc(TA_KEY_PUBLIC_MAX + 5);

		memset(big, 'A', TA_KEY_PUBLIC_MAX + 4);
		big[TA_KEY_PUBLIC_MAX + 4] = '\0';
		key_json_fails(N, with_public(o, big), TA_ERR_TOO_LARGE);
		free(big);
	}
	o = key_json(N, TA_KEY_EC_P256);
	json_object_set_new(json_object_get(o, "keyval"), "public", json_stringn("AA\0A", 4));
	key_json_fails(N, o, TA_ERR_INVALID);
}

static void
test_tuf_key_tuf_shape_refused(void **state)
{
	json_t *o;

	(void)state;
	key_text_fails(T, "[]", TA_ERR_FORMAT);
	key_text_fails(T, "null", TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_del(o, "scheme");
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_set_new(o, "scheme", json_integer(1));
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_del(o, "keytype");
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_del(o, "keyval");
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_set_new(o, "keyval", json_array());
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_set_new(json_object_get(o, "keyval"), "private", json_string(""));
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_del(json_object_get(o, "keyval"), "public");
	key_json_fails(T, o, TA_ERR_FORMAT);
	o = key_json(T, TA_KEY_EC_P256);
	json_object_set_new(json_object_get(o, "keyval"), "public", json_true());
	key_json_fails(T, o, TA_ERR_FORMAT);
}

static void
test_tuf_key_tuf_material_refused(void **state)
{
	struct ta_key *p256 = key_of(T, TA_KEY_EC_P256), *p384 = key_of(T, TA_KEY_EC_P384);
	struct ta_key *rsa = key_of(T, TA_KEY_RSA_2048), *ed = key_of(T, TA_KEY_ED25519);
	char buf[4096], *pem;
	uint8_t raw[65];
	size_t rl = sizeof(raw);

	(void)state;
	/* Unknown schemes and pairs securesystemslib does not have. */
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp521", ta_key_public(p256)),
	    TA_ERR_UNSUPPORTED);
	key_json_fails(T, tuf_obj("ed25519", "rsassa-pss-sha256", ta_key_public(rsa)),
	    TA_ERR_UNSUPPORTED);
	key_json_fails(T, tuf_obj("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
			      ta_key_public(p384)), TA_ERR_UNSUPPORTED);
	key_json_fails(T, tuf_obj("rsa", "rsassa-pss-sha512", ta_key_public(rsa)),
	    TA_ERR_UNSUPPORTED);
	/* The curve must be the scheme's (as tuf-js checks). */
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", ta_key_public(p384)),
	    TA_ERR_KEY_TYPE);
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp384", ta_key_public(p256)),
	    TA_ERR_KEY_TYPE);
	key_json_fails(T, tuf_obj("rsa", "rsassa-pss-sha256", ta_key_public(p256)),
	    TA_ERR_KEY_TYPE);
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", ta_key_public(rsa)),
	    TA_ERR_KEY_TYPE);
	/* Ed25519 hex: length, digits; PEM refused (securesystemslib does). */
	memcpy(buf, ta_key_public(ed), 65);
	buf[63] = '\0';
	key_json_fails(T, tuf_obj("ed25519", "ed25519", buf), TA_ERR_INVALID);
	memcpy(buf, ta_key_public(ed), 64);
	memcpy(buf + 64, "00", 3);
	key_json_fails(T, tuf_obj("ed25519", "ed25519", buf), TA_ERR_INVALID);
	memcpy(buf, ta_key_public(ed), 65);
	buf[10] = 'g';
	key_json_fails(T, tuf_obj("ed25519", "ed25519", buf), TA_ERR_INVALID);
	pem = openssl_pem(signers[TA_KEY_ED25519]->pkey);
	key_json_fails(T, tuf_obj("ed25519", "ed25519", pem), TA_ERR_INVALID);
	free(pem);
	/* ECDSA as a hex point (tuf-js reads it; securesystemslib does not). */
	{
		char *hex = NULL;

		assert_int_equal(EVP_PKEY_get_octet_string_param(signers[TA_KEY_EC_P256]->pkey,
				     "encoded-pub-key", raw, sizeof(raw), &rl), 1);
		assert_int_equal(ta_hex_encode(raw, rl, &hex), 0);
		key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", hex), TA_ERR_INVALID);
		free(hex);
	}
	/* PKCS#1 "RSA PUBLIC KEY" (tuf-js refuses it). */
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long n;

		unsigned char *pkcs1 = NULL;
		int pl = i2d_PublicKey(signers[TA_KEY_RSA_2048]->pkey, &pkcs1);

		assert_true(pl > 0);
		assert_true(PEM_write_bio(b, "RSA PUBLIC KEY", "", pkcs1, pl) > 0);
		OPENSSL_free(pkcs1);
		n = BIO_get_mem_data(b, &data);
		snprintf(buf, sizeof(buf), "%.*s", (int)n, data);
		BIO_free(b);
		key_json_fails(T, tuf_obj("rsa", "rsassa-pss-sha256", buf), TA_ERR_INVALID);
	}
	/* PEM with something after the END line, or before BEGIN. */
	snprintf(buf, sizeof(buf), "%sx", ta_key_public(p256));
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", buf), TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%s\n", ta_key_public(p256));
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", buf), TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "\n%s", ta_key_public(p256));
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", buf), TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%s%s", ta_key_public(p256), ta_key_public(p256));
	key_json_fails(T, tuf_obj("ecdsa", "ecdsa-sha2-nistp256", buf), TA_ERR_INVALID);
	/* RSA-1024 as PEM. */
	pem = openssl_pem(rsa1024->pkey);
	key_json_fails(T, tuf_obj("rsa", "rsassa-pss-sha256", pem), TA_ERR_KEY_WEAK);
	free(pem);
	ta_key_free(p256);
	ta_key_free(p384);
	ta_key_free(rsa);
	ta_key_free(ed);
}

static void
test_tuf_key_from_spki_refused(void **state)
{
	uint8_t buf[TA_KEY_SPKI_MAX + 2];
	struct ta_key *k = (struct ta_key *)buf;
	EVP_PKEY *pkey;
	size_t n;

	(void)state;
	memcpy(buf, signers[TA_KEY_EC_P256]->spki, signers[TA_KEY_EC_P256]->spki_len);
	n = signers[TA_KEY_EC_P256]->spki_len;
	assert_int_equal(ta_key_from_spki(T, buf, 0, &k), TA_ERR_INVALID);
	assert_int_equal(ta_key_from_spki(T, buf, n - 1, &k), TA_ERR_INVALID);
	buf[n] = 0;
	assert_int_equal(ta_key_from_spki(T, buf, n + 1, &k), TA_ERR_INVALID);
	assert_int_equal(ta_key_from_spki(T, (const uint8_t *)"\x30\x00", 2, &k), TA_ERR_INVALID);
	assert_int_equal(ta_key_from_spki(T, buf, TA_KEY_SPKI_MAX + 1, &k), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_key_from_spki((enum ta_profile)0, buf, n, &k), TA_ERR_INVALID);
	assert_int_equal(ta_key_from_spki(T, NULL, n, &k), TA_ERR_INVALID);
	/* Non-minimal DER length in the outer SEQUENCE: the same key in BER. */
	{
		uint8_t ber[200];

		ber[0] = 0x30;
		ber[1] = 0x81;
		memcpy(ber + 2, buf + 1, n - 1);
		assert_int_equal(ta_key_from_spki(N, ber, n + 1, &k), TA_ERR_INVALID);
	}
	assert_int_equal(ta_key_from_spki(N, rsa1024->spki, rsa1024->spki_len, &k),
	    TA_ERR_KEY_WEAK);
	assert_int_equal(ta_key_from_spki(T, rsa1024->spki, rsa1024->spki_len, &k),
	    TA_ERR_KEY_WEAK);
	/* Curves and algorithms no profile has. */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	n = spki_of(pkey, buf, sizeof(buf));
	assert_int_equal(ta_key_from_spki(N, buf, n, &k), TA_ERR_UNSUPPORTED);
	EVP_PKEY_free(pkey);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	n = spki_of(pkey, buf, sizeof(buf));
	assert_int_equal(ta_key_from_spki(T, buf, n, &k), TA_ERR_UNSUPPORTED);
	EVP_PKEY_free(pkey);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	n = spki_of(pkey, buf, sizeof(buf));
	assert_int_equal(ta_key_from_spki(T, buf, n, &k), TA_ERR_UNSUPPORTED);
	EVP_PKEY_free(pkey);
	/* A compressed point and explicit curve parameters (Go refuses both). */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pkey, "point-format", "compressed"), 1);
	n = spki_of(pkey, buf, sizeof(buf));
	assert_int_equal(buf[n - 33], 0x02 | (buf[n - 33] & 1));
	assert_int_equal(ta_key_from_spki(N, buf, n, &k), TA_ERR_UNSUPPORTED);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pkey, "point-format", "uncompressed"), 1);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pkey, "encoding", "explicit"), 1);
	n = spki_of(pkey, buf, sizeof(buf));
	assert_true(n > 150);
	assert_int_equal(ta_key_from_spki(N, buf, n, &k), TA_ERR_UNSUPPORTED);
	EVP_PKEY_free(pkey);
	assert_ptr_equal(k, (struct ta_key *)buf);
}

/* ---- signatures: made and verified --------------------------------------- */

static void
sig_round_trip(struct ta_key *k, const struct ta_sig *s)
{
	struct ta_sig back;
	json_t *o = NULL;

	assert_int_equal(ta_sig_to_json(s, &o), 0);
	assert_int_equal(ta_sig_from_json(ta_key_profile(k), o, &back), 0);
	assert_int_equal(back.sig_len, s->sig_len);
	assert_memory_equal(back.sig, s->sig, s->sig_len);
	assert_string_equal(back.keyid, s->keyid);
	assert_string_equal(back.method, s->method);
	assert_int_equal(ta_sig_verify(k, &back, msg, MSG_LEN), 0);
	json_decref(o);
}

static void
test_tuf_key_sign_verify_every_type(void **state)
{
	(void)state;
	for (int p = N; p <= T; p++) {
		for (size_t i = 0; i < N_TYPES; i++) {
			enum ta_key_type t = all_types[i];
			struct ta_key *k = key_of((enum ta_profile)p, t);
			struct ta_sig s;
			size_t want = 0;
			const char *method = "";

			assert_int_equal(ta_sig_make(k, &signers[t]->signer, msg, MSG_LEN, &s), 0);
			assert_string_equal(s.keyid, ta_key_id(k));
			switch (t) {
			case TA_KEY_EC_P256:
			case TA_KEY_EC_P384: {
				size_t half = t == TA_KEY_EC_P256 ? 32 : 48;
				uint8_t raw[96];

				method = "ecdsa";
				if (p == N) {
					want = 2 * half;
				} else {
					/* DER, strict, and no larger than it may be. */
					assert_int_equal(ta_sig_ecdsa_der_to_raw(s.sig, s.sig_len,
							     half, raw), 0);
					assert_true(s.sig_len >= 8 && s.sig_len <= 2 * half + 8);
					want = s.sig_len;
				}
				break;
			}
			case TA_KEY_ED25519:
				method = "eddsa";
				want = 64;
				break;
			default:
				method = "rsapss";
				want = (size_t)EVP_PKEY_get_size(signers[t]->pkey);
				break;
			}
			assert_string_equal(s.method, p == N ? method : "");
			assert_int_equal(s.sig_len, want);
			sig_round_trip(k, &s);

			/* Another message, and a flipped bit. */
			assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN - 1), TA_ERR_VERIFY);
			s.sig[s.sig_len - 1] ^= 0x40;
			assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_VERIFY);
			ta_key_free(k);
		}
	}
}

/* What each scheme hashes with, checked against OpenSSL directly:
 * notary P-384 uses SHA-256, tuf nistp384 SHA-384. */
static void
test_tuf_key_sign_hashes(void **state)
{
	struct ta_key *kn = key_of(N, TA_KEY_EC_P384), *kt = key_of(T, TA_KEY_EC_P384);
	struct ta_sig sn, st;
	enum ta_sig_scheme sch;
	const char *m;

	(void)state;
	assert_int_equal(ta_sig_scheme_for(kn, &sch, &m), 0);
	assert_int_equal(sch, TA_SIG_ECDSA_SHA256);
	assert_string_equal(m, "ecdsa");
	assert_int_equal(ta_sig_scheme_for(kt, &sch, &m), 0);
	assert_int_equal(sch, TA_SIG_ECDSA_SHA384);
	assert_null(m);
	assert_int_equal(ta_sig_make(kn, &signers[TA_KEY_EC_P384]->signer, msg, MSG_LEN, &sn), 0);
	assert_int_equal(ta_sig_make(kt, &signers[TA_KEY_EC_P384]->signer, msg, MSG_LEN, &st), 0);
	{
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		uint8_t der[120];
		size_t dl = 0;

		assert_int_equal(ta_sig_ecdsa_raw_to_der(sn.sig, sn.sig_len, der, sizeof(der), &dl),
		    0);
		assert_int_equal(EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL,
				     signers[TA_KEY_EC_P384]->pkey), 1);
		assert_int_equal(EVP_DigestVerify(c, der, dl, msg, MSG_LEN), 1);
		EVP_MD_CTX_reset(c);
		assert_int_equal(EVP_DigestVerifyInit(c, NULL, EVP_sha384(), NULL,
				     signers[TA_KEY_EC_P384]->pkey), 1);
		assert_int_equal(EVP_DigestVerify(c, st.sig, st.sig_len, msg, MSG_LEN), 1);
		EVP_MD_CTX_free(c);
	}
	ta_key_free(kn);
	ta_key_free(kt);
}

/* Many ECDSA signatures: a DER encoder that copies halves as-is or always
 * prefixes 0x00 passes for some signatures only (Appendix B). */
static void
test_tuf_key_ecdsa_der_always_strict(void **state)
{
	struct ta_key *k = key_of(T, TA_KEY_EC_P256);
	int high = 0;

	(void)state;
	for (int i = 0; i < 400; i++) {
		struct ta_sig s;
		uint8_t raw[64], der[80];
		size_t dl = 0;
		const unsigned char *p;
		unsigned char *re = NULL;
		ECDSA_SIG *es;
		int n;

		assert_int_equal(ta_sig_make(k, &signers[TA_KEY_EC_P256]->signer, msg, MSG_LEN, &s),
		    0);
		/* OpenSSL's own re-encoding must give the same bytes. */
		p = s.sig;
		es = d2i_ECDSA_SIG(NULL, &p, (long)s.sig_len);
		assert_non_null(es);
		assert_ptr_equal(p, s.sig + s.sig_len);
		n = i2d_ECDSA_SIG(es, &re);
		assert_int_equal((size_t)n, s.sig_len);
		assert_memory_equal(re, s.sig, s.sig_len);
		OPENSSL_free(re);
		ECDSA_SIG_free(es);
		assert_int_equal(ta_sig_ecdsa_der_to_raw(s.sig, s.sig_len, 32, raw), 0);
		assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 64, der, sizeof(der), &dl), 0);
		assert_int_equal(dl, s.sig_len);
		assert_memory_equal(der, s.sig, dl);
		high += (raw[0] & 0x80) != 0;
	}
	/* Integers that need the sign byte were among them. */
	assert_true(high > 0);
	ta_key_free(k);
}

static void
test_tuf_key_der_encoder_vectors(void **state)
{
	uint8_t raw[64], der[80];
	size_t n = 0;

	(void)state;
	/* Top bit set: 0x00 first; leading zeros: stripped; zero: one 0x00. */
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x80;
	raw[31] = 0x01;
	raw[63] = 0x05;
	assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 64, der, sizeof(der), &n), 0);
	assert_int_equal(n, 2 + 2 + 33 + 2 + 1);
	assert_memory_equal(der, "\x30\x26\x02\x21\x00\x80", 6);
	assert_memory_equal(der + n - 3, "\x02\x01\x05", 3);
	memset(raw, 0, sizeof(raw));
	assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 64, der, sizeof(der), &n), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(der, "\x30\x06\x02\x01\x00\x02\x01\x00", 8);
	/* Refusals. */
	assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 63, der, sizeof(der), &n), TA_ERR_INVALID);
	assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 0, der, sizeof(der), &n), TA_ERR_INVALID);
	assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 64, der, 7, &n), TA_ERR_TOO_LARGE);
}

/* Strict DER: every way the libraries' OpenSSL refuses a signature. */
static void
test_tuf_key_der_decoder_refusals(void **state)
{
	static const struct {
		const char *der;
		size_t len;
		int code;
	} cases[] = {
#define C(s, c) { s, sizeof(s) - 1, c }
		C("\x30\x06\x02\x01\x01\x02\x01\x01", 0),
		C("\x30\x06\x02\x01\x01\x02\x01\x01\x00", TA_ERR_TRAILING),
		C("\x30\x06\x02\x01\x01\x02\x01\x01\x30\x00", TA_ERR_TRAILING),
		C("\x30\x07\x02\x02\x00\x01\x02\x01\x01", TA_ERR_FORMAT),     /* non-minimal */
		C("\x30\x07\x02\x01\x01\x02\x02\x00\x7f", TA_ERR_FORMAT),     /* non-minimal */
		C("\x30\x06\x02\x01\x81\x02\x01\x01", TA_ERR_FORMAT),         /* negative */
		C("\x30\x81\x06\x02\x01\x01\x02\x01\x01", TA_ERR_FORMAT),     /* long form < 128 */
		C("\x30\x80\x02\x01\x01\x02\x01\x01\x00\x00", TA_ERR_FORMAT), /* indefinite */
		C("\x30\x07\x02\x01\x01\x02\x01\x01", TA_ERR_FORMAT),         /* truncated */
		C("\x30\x06\x02\x01\x01\x02\x02\x01", TA_ERR_FORMAT),         /* int past end */
		C("\x30\x09\x02\x01\x01\x02\x01\x01\x02\x01\x01", TA_ERR_FORMAT), /* third int */
		C("\x31\x06\x02\x01\x01\x02\x01\x01", TA_ERR_FORMAT),         /* SET */
		C("\x30\x06\x03\x01\x01\x02\x01\x01", TA_ERR_FORMAT),         /* not INTEGER */
		C("\x30\x05\x02\x00\x02\x01\x01", TA_ERR_FORMAT),             /* empty INTEGER */
		C("\x30\x03\x02\x01\x01", TA_ERR_FORMAT),                     /* one INTEGER */
		C("\x30\x00", TA_ERR_FORMAT),
		C("\x30", TA_ERR_FORMAT),
		C("", TA_ERR_FORMAT),
		C("\x30\x06\x02\x81\x01\x01\x02\x01\x01", TA_ERR_FORMAT),     /* long INTEGER len */
#undef C
	};
	uint8_t raw[64], big[80];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *der = (const uint8_t *)cases[i].der;
		int r = ta_sig_ecdsa_der_to_raw(der, cases[i].len, 32, raw);

		if (r != cases[i].code)
			fail_msg("case %zu: got %s, want %s", i, ta_errname(r),
			    ta_errname(cases[i].code));
	}
	/* An INTEGER of 33 bytes without the sign byte: too large. */
	big[0] = 0x30;
	big[1] = 2 + 33 + 3;
	big[2] = 0x02;
	big[3] = 33;
	memset(big + 4, 0x11, 33);
	memcpy(big + 37, "\x02\x01\x01", 3);
	assert_int_equal(ta_sig_ecdsa_der_to_raw(big, 40, 32, raw), TA_ERR_FORMAT);
	/* With a sign byte, 33 bytes are fine for a 32-byte half. */
	big[4] = 0x00;
	big[5] = 0x91;
	assert_int_equal(ta_sig_ecdsa_der_to_raw(big, 40, 32, raw), 0);
	assert_int_equal(raw[0], 0x91);
	assert_int_equal(ta_sig_ecdsa_der_to_raw(big, 40, 0, raw), TA_ERR_INVALID);
}

/* Builds a tuf ECDSA signature object over msg from a raw r||s with a
 * chosen (possibly broken) DER layout. */
enum der_bug { DER_COPY_AS_IS, DER_ALWAYS_PAD };

static size_t
buggy_der(const uint8_t raw[64], enum der_bug bug, uint8_t *out)
{
	size_t o = 2;

	for (int i = 0; i < 2; i++) {
		int pad = bug == DER_ALWAYS_PAD;

		out[o++] = 0x02;
		out[o++] = (uint8_t)(32 + pad);
		if (pad)
			out[o++] = 0x00;
		memcpy(out + o, raw + 32 * i, 32);
		o += 32;
	}
	out[0] = 0x30;
	out[1] = (uint8_t)(o - 2);
	return o;
}

static void
test_tuf_key_tuf_refuses_buggy_der(void **state)
{
	struct ta_key *k = key_of(T, TA_KEY_EC_P256);
	int seen_copy = 0, seen_pad = 0;

	(void)state;
	for (int i = 0; i < 64 && (seen_copy < 3 || seen_pad < 3); i++) {
		struct ta_sig s;
		uint8_t raw[64];
		size_t n = 0;

		assert_int_equal(ta_sig_make(k, &signers[TA_KEY_EC_P256]->signer, msg, MSG_LEN, &s),
		    0);
		assert_int_equal(ta_sig_ecdsa_der_to_raw(s.sig, s.sig_len, 32, raw), 0);
		/* Copying the halves as-is is wrong when one starts with a
		 * set top bit (negative) or a zero byte (non-minimal). */
		if ((raw[0] & 0x80) || raw[0] == 0 || (raw[32] & 0x80) || raw[32] == 0) {
			s.sig_len = buggy_der(raw, DER_COPY_AS_IS, s.sig);
			assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
			seen_copy++;
		}
		/* Always padding is wrong when a top bit is clear. */
		if (!(raw[0] & 0x80) || !(raw[32] & 0x80)) {
			s.sig_len = buggy_der(raw, DER_ALWAYS_PAD, s.sig);
			assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
			seen_pad++;
		}
		/* Raw r||s, and the DER with a byte after it. */
		memcpy(s.sig, raw, 64);
		s.sig_len = 64;
		assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
		assert_int_equal(ta_sig_ecdsa_raw_to_der(raw, 64, s.sig, sizeof(s.sig), &n), 0);
		s.sig[n] = 0x00;
		s.sig_len = n + 1;
		assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_TRAILING);
		s.sig_len = n;
		assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), 0);
	}
	assert_true(seen_copy >= 3 && seen_pad >= 3);
	ta_key_free(k);
}

static void
test_tuf_key_notary_ecdsa_lengths_refused(void **state)
{
	struct ta_key *k = key_of(N, TA_KEY_EC_P256), *k384 = key_of(N, TA_KEY_EC_P384);
	struct ta_sig s, s384;
	uint8_t der[80];
	size_t n = 0;

	(void)state;
	assert_int_equal(ta_sig_make(k, &signers[TA_KEY_EC_P256]->signer, msg, MSG_LEN, &s), 0);
	assert_int_equal(ta_sig_ecdsa_raw_to_der(s.sig, 64, der, sizeof(der), &n), 0);
	/* DER where notary wants raw. */
	memcpy(s.sig, der, n);
	s.sig_len = n;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	s.sig_len = 63;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	s.sig_len = 65;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	/* A P-384 key takes 96 bytes, not 64. */
	assert_int_equal(ta_sig_make(k384, &signers[TA_KEY_EC_P384]->signer, msg, MSG_LEN, &s384),
	    0);
	s384.sig_len = 64;
	assert_int_equal(ta_sig_verify(k384, &s384, msg, MSG_LEN), TA_ERR_FORMAT);
	ta_key_free(k);
	ta_key_free(k384);
}

/* A notary signature object with the given method over msg. */
static void
notary_sig(struct ta_key *k, struct memsigner *m, enum ta_sig_scheme sch, int salt,
    const char *method, struct ta_sig *s)
{
	memset(s, 0, sizeof(*s));
	s->profile = N;
	strcpy(s->keyid, ta_key_id(k));
	strcpy(s->method, method);
	assert_int_equal(memsigner_sign_with(m, sch, salt, msg, MSG_LEN, s->sig, &s->sig_len), 0);
}

static void
test_tuf_key_notary_rsa_salt_exactly_32(void **state)
{
	struct memsigner *rm = signers[TA_KEY_RSA_2048];
	struct ta_key *rsa = key_of(N, TA_KEY_RSA_2048);
	struct ta_sig s;

	(void)state;
	/* rsapkcs1v15 is verified; salt must be exactly 32 for rsapss. */
	notary_sig(rsa, rm, TA_SIG_RSA_PKCS1_SHA256, 0, "rsapkcs1v15", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), 0);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 32, "rsapss", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), 0);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 20, "rsapss", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 0, "rsapss", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, RSA_PSS_SALTLEN_MAX, "rsapss", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	/* A PKCS#1 v1.5 signature under "rsapss" and the other way round. */
	notary_sig(rsa, rm, TA_SIG_RSA_PKCS1_SHA256, 0, "rsapss", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 32, "rsapkcs1v15", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	/* RSA signature one byte short. */
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 32, "rsapss", &s);
	s.sig_len--;
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	ta_key_free(rsa);
}

/* pycrypto: only with a PEM-form key, and that key only with it. */
static void
test_tuf_key_notary_pycrypto_method(void **state)
{
	struct memsigner *rm = signers[TA_KEY_RSA_2048];
	struct ta_key *rsa = key_of(N, TA_KEY_RSA_2048), *pemk = NULL;
	char *pem = openssl_pem(rm->pkey);
	struct ta_sig s, made;
	enum ta_sig_scheme sch;
	const char *m;

	(void)state;
	assert_int_equal(key_from_obj(N, notary_obj("rsa", (uint8_t *)pem, strlen(pem)), &pemk),
	    0);
	notary_sig(pemk, rm, TA_SIG_RSA_PSS_SHA256, 32, "pycrypto-pkcs#1 pss", &s);
	assert_int_equal(ta_sig_verify(pemk, &s, msg, MSG_LEN), 0);
	strcpy(s.method, "rsapss");
	assert_int_equal(ta_sig_verify(pemk, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.keyid, ta_key_id(rsa));
	strcpy(s.method, "pycrypto-pkcs#1 pss");
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	assert_int_equal(ta_sig_scheme_for(pemk, &sch, &m), 0);
	assert_string_equal(m, "pycrypto-pkcs#1 pss");
	assert_int_equal(ta_sig_make(pemk, &rm->signer, msg, MSG_LEN, &made), 0);
	assert_string_equal(made.method, "pycrypto-pkcs#1 pss");
	free(pem);
	ta_key_free(rsa);
	ta_key_free(pemk);
}

static void
test_tuf_key_notary_method_must_fit_key(void **state)
{
	struct memsigner *rm = signers[TA_KEY_RSA_2048];
	struct ta_key *ec = key_of(N, TA_KEY_EC_P256), *rsa = key_of(N, TA_KEY_RSA_2048);
	struct ta_key *ed = key_of(N, TA_KEY_ED25519);
	struct ta_sig s;

	(void)state;
	notary_sig(ec, signers[TA_KEY_EC_P256], TA_SIG_ECDSA_SHA256, 0, "rsapss", &s);
	assert_int_equal(ta_sig_verify(ec, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.method, "eddsa");
	assert_int_equal(ta_sig_verify(ec, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.method, "rsapkcs1v15");
	assert_int_equal(ta_sig_verify(ec, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 32, "ecdsa", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.method, "eddsa");
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	notary_sig(ed, signers[TA_KEY_ED25519], TA_SIG_ED25519, 0, "ecdsa", &s);
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.method, "rsapss");
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	strcpy(s.method, "eddsa");
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), 0);
	s.sig_len = 63;
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	ta_key_free(ec);
	ta_key_free(rsa);
	ta_key_free(ed);
}

static void
test_tuf_key_notary_unknown_method_other_keyid(void **state)
{
	struct ta_key *ed = key_of(N, TA_KEY_ED25519), *edt = key_of(T, TA_KEY_ED25519);
	struct ta_sig s;

	(void)state;
	notary_sig(ed, signers[TA_KEY_ED25519], TA_SIG_ED25519, 0, "ed25519", &s);
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_UNSUPPORTED);
	/* Upper case only passes after ta_sig_from_json() lowercased it. */
	strcpy(s.method, "EDDSA");
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_UNSUPPORTED);
	/* The keyid must be the key's (notary's ErrInvalidKeyID). */
	strcpy(s.method, "eddsa");
	s.keyid[0] = s.keyid[0] == 'a' ? 'b' : 'a';
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	/* A tuf key cannot check a notary signature. */
	strcpy(s.keyid, ta_key_id(edt));
	assert_int_equal(ta_sig_verify(edt, &s, msg, MSG_LEN), TA_ERR_INVALID);
	ta_key_free(ed);
	ta_key_free(edt);
}

static void
test_tuf_key_tuf_rsa_rules(void **state)
{
	struct memsigner *rm = signers[TA_KEY_RSA_3072];
	struct ta_key *k = key_of(T, TA_KEY_RSA_3072), *pk = NULL;
	static const int salts[] = { 0, 20, 32, 64, RSA_PSS_SALTLEN_MAX };
	struct ta_sig s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.profile = T;
	strcpy(s.keyid, "00");
	/* Any salt verifies, as in securesystemslib and tuf-js. */
	for (size_t i = 0; i < sizeof(salts) / sizeof(salts[0]); i++) {
		assert_int_equal(memsigner_sign_with(rm, TA_SIG_RSA_PSS_SHA256, salts[i], msg,
				     MSG_LEN, s.sig, &s.sig_len), 0);
		assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), 0);
	}
	s.sig_len--;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	/* PKCS#1 v1.5 under rsassa-pss-sha256 fails; under its own scheme works. */
	assert_int_equal(memsigner_sign_with(rm, TA_SIG_RSA_PKCS1_SHA256, 0, msg, MSG_LEN, s.sig,
			     &s.sig_len), 0);
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	assert_int_equal(key_from_obj(T, tuf_obj("rsa", "rsa-pkcs1v15-sha256",
						 ta_key_public(k)), &pk), 0);
	assert_int_equal(ta_sig_verify(pk, &s, msg, MSG_LEN), 0);
	assert_int_equal(ta_sig_make(pk, &rm->signer, msg, MSG_LEN, &s), 0);
	assert_int_equal(ta_sig_verify(pk, &s, msg, MSG_LEN), 0);
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_VERIFY);
	ta_key_free(k);
	ta_key_free(pk);
}

static void
test_tuf_key_tuf_ed25519_lengths(void **state)
{
	struct ta_key *k = key_of(T, TA_KEY_ED25519);
	struct ta_sig s;

	(void)state;
	assert_int_equal(ta_sig_make(k, &signers[TA_KEY_ED25519]->signer, msg, MSG_LEN, &s), 0);
	s.sig_len = 63;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	s.sig_len = 65;
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_FORMAT);
	s.sig_len = 64;
	/* The keyid is a label in tuf: not compared. */
	strcpy(s.keyid, "ABCDEF");
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), 0);
	ta_key_free(k);
}

static void
test_tuf_key_make_refusals(void **state)
{
	struct ta_key *k = key_of(N, TA_KEY_EC_P256), *rk = key_of(N, TA_KEY_RSA_2048);
	struct memsigner *m = signers[TA_KEY_EC_P256];
	struct ta_sig s, untouched;

	(void)state;
	memset(&untouched, 0x5a, sizeof(untouched));
	s = untouched;
	/* The signer holds another key. */
	assert_int_equal(ta_sig_make(k, &signers[TA_KEY_EC_P384]->signer, msg, MSG_LEN, &s),
	    TA_ERR_INVALID);
	/* The signer's own error passes through. */
	m->fail = TA_ERR_PIN_INCORRECT;
	assert_int_equal(ta_sig_make(k, &m->signer, msg, MSG_LEN, &s), TA_ERR_PIN_INCORRECT);
	m->fail = 0;
	/* A wrong length, and a corrupted signature. */
	m->trim = 1;
	assert_int_equal(ta_sig_make(k, &m->signer, msg, MSG_LEN, &s), TA_ERR_CRYPTO);
	m->trim = 0;
	m->corrupt = true;
	assert_int_equal(ta_sig_make(k, &m->signer, msg, MSG_LEN, &s), TA_ERR_VERIFY);
	m->corrupt = false;
	/* A token whose PSS salt is 20: notary would refuse it. */
	signers[TA_KEY_RSA_2048]->pss_salt = 20;
	assert_int_equal(ta_sig_make(rk, &signers[TA_KEY_RSA_2048]->signer, msg, MSG_LEN, &s),
	    TA_ERR_VERIFY);
	signers[TA_KEY_RSA_2048]->pss_salt = 32;
	assert_int_equal(ta_sig_make(NULL, &m->signer, msg, MSG_LEN, &s), TA_ERR_INVALID);
	assert_int_equal(ta_sig_make(k, NULL, msg, MSG_LEN, &s), TA_ERR_INVALID);
	assert_int_equal(ta_sig_make(k, &m->signer, NULL, 1, &s), TA_ERR_INVALID);
	assert_memory_equal(&s, &untouched, sizeof(s));
	/* And an empty message is fine. */
	assert_int_equal(ta_sig_make(k, &m->signer, NULL, 0, &s), 0);
	assert_int_equal(ta_sig_verify(k, &s, NULL, 0), 0);
	ta_key_free(k);
	ta_key_free(rk);
}

/* ---- signature objects --------------------------------------------------- */

static void
sig_text_fails(enum ta_profile p, const char *text, int code)
{
	struct ta_sig s, untouched;
	json_t *o = jload(text);
	int r;

	memset(&untouched, 0x33, sizeof(untouched));
	s = untouched;
	r = ta_sig_from_json(p, o, &s);
	if (r != code)
		fail_msg("%s %s: got %s, want %s", ta_profile_name(p), text, ta_errname(r),
		    ta_errname(code));
	assert_memory_equal(&s, &untouched, sizeof(s));
	json_decref(o);
}

#define KID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_tuf_key_sig_objects_read(void **state)
{
	struct ta_sig s;
	json_t *o;

	(void)state;
	o = jload("{\"keyid\":\"" KID "\",\"method\":\"ECDSA\",\"sig\":\"AAEC\"}");
	assert_int_equal(ta_sig_from_json(N, o, &s), 0);
	assert_string_equal(s.method, "ecdsa");
	assert_int_equal(s.sig_len, 3);
	assert_memory_equal(s.sig, "\x00\x01\x02", 3);
	json_decref(o);
	o = jload("{\"keyid\":\"AB12\",\"sig\":\"00FFaa\",\"x\":[1]}");
	assert_int_equal(ta_sig_from_json(T, o, &s), 0);
	assert_string_equal(s.keyid, "AB12");
	assert_string_equal(s.method, "");
	assert_memory_equal(s.sig, "\x00\xff\xaa", 3);
	json_decref(o);
	assert_int_equal(ta_sig_to_json(&s, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "sig")), "00ffaa");
	assert_int_equal(json_object_size(o), 2);
	json_decref(o);
}

static void
test_tuf_key_sig_objects_refused(void **state)
{
	char big[4096];

	(void)state;
	sig_text_fails(N, "[]", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\"}", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"method\":\"ecdsa\",\"sig\":\"AAEC\",\"x\":1}", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAEC\",\"x\":1}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":1,\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":null,\"sig\":\"AAEC\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":[]}",
	    TA_ERR_FORMAT);
	/* keyid: 64 lowercase hex digits exactly. */
	sig_text_fails(N, "{\"keyid\":\"" KID "0\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT);
	/* method: printable ASCII, 1..32. */
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"\",\"sig\":\"AAEC\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"\\u00e9cdsa\",\"sig\":\"AAEC\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ec\\tdsa\",\"sig\":\"AAEC\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"sig\":\"AAEC\"}", TA_ERR_FORMAT);
	/* sig: canonical base64, not empty, not too long. */
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"\"}",
	    TA_ERR_FORMAT);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAE\"}",
	    TA_ERR_INVALID);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAF=\"}",
	    TA_ERR_INVALID);
	sig_text_fails(N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAEC\\n\"}",
	    TA_ERR_INVALID);
	memset(big, 'A', 1372);
	big[1372] = '\0';
	{
		char doc[8192];

		snprintf(doc, sizeof(doc), "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":"
		    "\"%s\"}", big);
		sig_text_fails(N, doc, TA_ERR_TOO_LARGE);
		big[2050] = '\0';
		memset(big, '0', 2050);
		snprintf(doc, sizeof(doc), "{\"keyid\":\"00\",\"sig\":\"%s\"}", big);
		sig_text_fails(T, doc, TA_ERR_TOO_LARGE);
	}

	sig_text_fails(T, "{\"sig\":\"00\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"00\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"xyz\",\"sig\":\"00\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"\",\"sig\":\"00\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"" KID KID "0\",\"sig\":\"00\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":\"\"}", TA_ERR_FORMAT);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":\"0\"}", TA_ERR_INVALID);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":\"0g\"}", TA_ERR_INVALID);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":\"AA==\"}", TA_ERR_INVALID);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":\"00 \"}", TA_ERR_INVALID);
	sig_text_fails(T, "{\"keyid\":\"00\",\"sig\":1}", TA_ERR_FORMAT);
	sig_text_fails(T, "\"00\"", TA_ERR_FORMAT);
}

/* ---- notary x509 keys ---------------------------------------------------- */

static void
test_tuf_key_notary_x509(void **state)
{
	static const char gun[] = "example.com/app";
	struct ta_key *k = NULL, *bare = key_of(N, TA_KEY_EC_P256), *k2 = NULL;
	struct memsigner *m = signers[TA_KEY_EC_P256];
	uint8_t *der = NULL;
	size_t der_len = 0, pl = 0;
	const uint8_t *pb;
	char *pem_ssl, *b64, canon[4096], want[TA_KEY_ID_SIZE];
	struct ta_sig s;

	(void)state;
	assert_int_equal(ta_x509_make_root(&m->signer, gun, 0, time(NULL), &der, &der_len), 0);
	assert_int_equal(ta_key_from_cert(der, der_len, &k), 0);
	assert_string_equal(ta_key_keytype(k), "ecdsa-x509");
	assert_true(ta_key_is_x509(k));
	/* public = base64(PEM exactly as OpenSSL, and so Go, writes it). */
	{
		const unsigned char *p = der;
		X509 *x = d2i_X509(NULL, &p, (long)der_len);
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long n;

		assert_int_equal(PEM_write_bio_X509(b, x), 1);
		n = BIO_get_mem_data(b, &data);
		pem_ssl = strndup(data, (size_t)n);
		BIO_free(b);
		X509_free(x);
	}
	pb = ta_key_public_bytes(k, &pl);
	assert_int_equal(pl, strlen(pem_ssl));
	assert_memory_equal(pb, pem_ssl, pl);
	b64 = openssl_b64((uint8_t *)pem_ssl, strlen(pem_ssl));
	assert_string_equal(ta_key_public(k), b64);
	snprintf(canon, sizeof(canon),
	    "{\"keytype\":\"ecdsa-x509\",\"keyval\":{\"private\":null,\"public\":\"%s\"}}", b64);
	sha256_hex(canon, strlen(canon), want);
	assert_string_equal(ta_key_id(k), want);
	/* The canonical ID is the bare key's (the private key's file name). */
	assert_string_equal(ta_key_canonical_id(k), ta_key_id(bare));
	assert_string_not_equal(ta_key_id(k), ta_key_id(bare));
	round_trip(k);
	/* It signs with the x509 ID as keyid. */
	assert_int_equal(ta_sig_make(k, &m->signer, msg, MSG_LEN, &s), 0);
	assert_string_equal(s.keyid, ta_key_id(k));
	assert_string_equal(s.method, "ecdsa");
	/* ... and the bare key's ID is refused there (X14). */
	strcpy(s.keyid, ta_key_id(bare));
	assert_int_equal(ta_sig_verify(k, &s, msg, MSG_LEN), TA_ERR_VERIFY);

	/* Not Go's PEM: CRLF, no final newline. */
	{
		char crlf[4096];
		size_t o = 0;

		for (size_t i = 0; pem_ssl[i] != '\0'; i++) {
			if (pem_ssl[i] == '\n')
				crlf[o++] = '\r';
			crlf[o++] = pem_ssl[i];
		}
		key_json_fails(N, notary_obj("ecdsa-x509", (uint8_t *)crlf, o), TA_ERR_INVALID);
		key_json_fails(N, notary_obj("ecdsa-x509", (uint8_t *)pem_ssl, strlen(pem_ssl) - 1),
		    TA_ERR_INVALID);
	}
	/* A certificate of one kind under the other's keytype. */
	key_json_fails(N, notary_obj("rsa-x509", (uint8_t *)pem_ssl, strlen(pem_ssl)),
	    TA_ERR_KEY_TYPE);
	/* A bundle: leaf first, then another certificate. */
	{
		char two[8192];

		snprintf(two, sizeof(two), "%s%s", pem_ssl, pem_ssl);
		assert_int_equal(key_from_obj(N, notary_obj("ecdsa-x509", (uint8_t *)two,
							 strlen(two)), &k2), 0);
		assert_string_equal(ta_key_canonical_id(k2), ta_key_id(bare));
		ta_key_free(k2);
	}
	/* ta_key_from_cert: not a certificate, trailing bytes. */
	k2 = (struct ta_key *)&s;
	assert_int_equal(ta_key_from_cert((const uint8_t *)"\x30\x00", 2, &k2), TA_ERR_INVALID);
	{
		uint8_t *longer = malloc(der_len + 1);

		memcpy(longer, der, der_len);
		longer[der_len] = 0;
		assert_int_equal(ta_key_from_cert(longer, der_len + 1, &k2), TA_ERR_INVALID);
		assert_int_equal(ta_key_from_cert(longer, der_len - 1, &k2), TA_ERR_INVALID);
		free(longer);
	}
	assert_ptr_equal(k2, (struct ta_key *)&s);
	free(b64);
	free(pem_ssl);
	free(der);
	ta_key_free(k);
	ta_key_free(bare);
}

static void
test_tuf_key_from_cert_refuses_ed25519(void **state)
{
	EVP_PKEY *pkey = signers[TA_KEY_ED25519]->pkey;
	X509 *x = X509_new();
	unsigned char *der = NULL;
	struct ta_key *k = NULL;
	int n;

	(void)state;
	assert_non_null(x);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"x", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pkey);
	assert_true(X509_sign(x, pkey, NULL) > 0);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	assert_int_equal(ta_key_from_cert(der, (size_t)n, &k), TA_ERR_KEY_TYPE);
	assert_null(k);
	OPENSSL_free(der);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuf_key_base64_vectors),
		cmocka_unit_test(test_tuf_key_base64_rejects_noncanonical),
		cmocka_unit_test(test_tuf_key_hex_vectors_and_rejects),
		cmocka_unit_test(test_tuf_key_pem_matches_openssl),
		cmocka_unit_test(test_tuf_key_pem_rejects_other_layouts),
		cmocka_unit_test(test_tuf_key_id_worked_example),
		cmocka_unit_test(test_tuf_key_notary_id_by_hand),
		cmocka_unit_test(test_tuf_key_tuf_id_by_hand),
		cmocka_unit_test(test_tuf_key_id_compute_bad_args),
		cmocka_unit_test(test_tuf_key_round_trip_every_type),
		cmocka_unit_test(test_tuf_key_notary_object_shape),
		cmocka_unit_test(test_tuf_key_tuf_pem_forms),
		cmocka_unit_test(test_tuf_key_tuf_accepts_legacy_names),
		cmocka_unit_test(test_tuf_key_tuf_extra_members_kept),
		cmocka_unit_test(test_tuf_key_notary_rsa_pem_form),
		cmocka_unit_test(test_tuf_key_notary_shape_refused),
		cmocka_unit_test(test_tuf_key_notary_material_refused),
		cmocka_unit_test(test_tuf_key_tuf_shape_refused),
		cmocka_unit_test(test_tuf_key_tuf_material_refused),
		cmocka_unit_test(test_tuf_key_from_spki_refused),
		cmocka_unit_test_setup(test_tuf_key_sign_verify_every_type, reset_knobs),
		cmocka_unit_test_setup(test_tuf_key_sign_hashes, reset_knobs),
		cmocka_unit_test_setup(test_tuf_key_ecdsa_der_always_strict, reset_knobs),
		cmocka_unit_test(test_tuf_key_der_encoder_vectors),
		cmocka_unit_test(test_tuf_key_der_decoder_refusals),
		cmocka_unit_test_setup(test_tuf_key_tuf_refuses_buggy_der, reset_knobs),
		cmocka_unit_test_setup(test_tuf_key_notary_ecdsa_lengths_refused, reset_knobs),
		cmocka_unit_test(test_tuf_key_notary_rsa_salt_exactly_32),
		cmocka_unit_test(test_tuf_key_notary_pycrypto_method),
		cmocka_unit_test(test_tuf_key_notary_method_must_fit_key),
		cmocka_unit_test(test_tuf_key_notary_unknown_method_other_keyid),
		cmocka_unit_test_setup(test_tuf_key_tuf_rsa_rules, reset_knobs),
		cmocka_unit_test_setup(test_tuf_key_tuf_ed25519_lengths, reset_knobs),
		cmocka_unit_test_setup_teardown(test_tuf_key_make_refusals, reset_knobs,
		    reset_knobs),
		cmocka_unit_test(test_tuf_key_sig_objects_read),
		cmocka_unit_test(test_tuf_key_sig_objects_refused),
		cmocka_unit_test_setup(test_tuf_key_notary_x509, reset_knobs),
		cmocka_unit_test(test_tuf_key_from_cert_refuses_ed25519),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
