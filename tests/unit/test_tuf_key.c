/* Unit tests for tuf/encoding.c and tuf/key.c: text encodings, key objects
 * and key IDs in both profiles.  Signatures are tests/unit/test_tuf_sig.c's;
 * the shared fixtures tests/tools/keyfix.c's.
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
#include "tests/tools/keyfix.h"

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

/* k's names and type: scheme and id026 (the sslib 0.26 id) NULL where k has none; its
 * canonical id is its id. */
static void
key_is(const struct ta_key *k, enum ta_key_type type, const char *keytype, const char *scheme,
    const char *pub, const char *id, const char *id026)
{
	assert_string_equal(ta_key_keytype(k), keytype);
	if (scheme != NULL)
		assert_string_equal(ta_key_scheme(k), scheme);
	else
		assert_null(ta_key_scheme(k));
	assert_string_equal(ta_key_public(k), pub);
	assert_string_equal(ta_key_id(k), id);
	assert_string_equal(ta_key_canonical_id(k), id);
	if (id026 != NULL)
		assert_string_equal(ta_key_sslib026_id(k), id026);
	else
		assert_null(ta_key_sslib026_id(k));
	assert_int_equal(ta_key_get_type(k), type);
}

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
	key_is(k, TA_KEY_ED25519, "ed25519", "ed25519", rfc8032_hex, want, want026);
	ta_key_free(k);
}

/* The keytype both formats give a key of type t. */
static const char *
keytype_of(enum ta_key_type t)
{
	if (t == TA_KEY_ED25519)
		return "ed25519";
	return t == TA_KEY_EC_P256 || t == TA_KEY_EC_P384 ? "ecdsa" : "rsa";
}

/* The Ed25519 signer's raw public key. */
static void
ed25519_raw(uint8_t raw[static 32])
{
	size_t rl = 32;

	assert_int_equal(EVP_PKEY_get_raw_public_key(signers[TA_KEY_ED25519]->pkey, raw, &rl), 1);
	assert_int_equal(rl, 32);
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
		const char *kt = keytype_of(t);
		uint8_t raw[32];
		char *b64, canon[2048], want[TA_KEY_ID_SIZE];

		if (t == TA_KEY_ED25519) {
			ed25519_raw(raw);
			b64 = openssl_b64(raw, sizeof(raw));
		} else {
			b64 = openssl_b64(signers[t]->spki, signers[t]->spki_len);
		}
		snprintf(canon, sizeof(canon),
		    "{\"keytype\":\"%s\",\"keyval\":{\"private\":null,\"public\":\"%s\"}}", kt,
		    b64);
		sha256_hex(canon, strlen(canon), want);
		key_is(k, t, kt, NULL, b64, want, NULL);
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
		const char *kt = keytype_of(t), *sch;
		char *pub, canon[4096], canon026[4096];
		char want[TA_KEY_ID_SIZE], want026[TA_KEY_ID_SIZE];

		if (t == TA_KEY_ED25519) {
			uint8_t raw[32];

			ed25519_raw(raw);
			assert_int_equal(ta_hex_encode(raw, sizeof(raw), &pub), 0);
			sch = "ed25519";
		} else {
			pub = openssl_pem(signers[t]->pkey);
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
		key_is(k, t, kt, sch, pub, want, want026);
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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
