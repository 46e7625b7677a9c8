/* Unit tests for tuf/sig.c and tuf/x509.c's keys: signatures made through a
 * struct ta_signer and verified under each profile's rules, signature
 * objects, notary x509 keys.  Fixtures: tests/tools/keyfix.c. */
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

/* s, its method now method, checked against k: want. */
static void
verify_as(const struct ta_key *k, struct ta_sig *s, const char *method, int want)
{
	strcpy(s->method, method);
	assert_int_equal(ta_sig_verify(k, s, msg, MSG_LEN), want);
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
	verify_as(pemk, &s, "rsapss", TA_ERR_KEY_TYPE);
	strcpy(s.keyid, ta_key_id(rsa));
	verify_as(rsa, &s, "pycrypto-pkcs#1 pss", TA_ERR_KEY_TYPE);
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
	verify_as(ec, &s, "eddsa", TA_ERR_KEY_TYPE);
	verify_as(ec, &s, "rsapkcs1v15", TA_ERR_KEY_TYPE);
	notary_sig(rsa, rm, TA_SIG_RSA_PSS_SHA256, 32, "ecdsa", &s);
	assert_int_equal(ta_sig_verify(rsa, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	verify_as(rsa, &s, "eddsa", TA_ERR_KEY_TYPE);
	notary_sig(ed, signers[TA_KEY_ED25519], TA_SIG_ED25519, 0, "ecdsa", &s);
	assert_int_equal(ta_sig_verify(ed, &s, msg, MSG_LEN), TA_ERR_KEY_TYPE);
	verify_as(ed, &s, "rsapss", TA_ERR_KEY_TYPE);
	verify_as(ed, &s, "eddsa", 0);
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
	verify_as(ed, &s, "EDDSA", TA_ERR_UNSUPPORTED);
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

/* Signature objects ta_sig_from_json() refuses, and with what. */
static const struct {
	enum ta_profile profile;
	const char *text;
	int code;
} sig_objects_refused[] = {
	{ N, "[]", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\"}", TA_ERR_FORMAT },
	{ N, "{\"method\":\"ecdsa\",\"sig\":\"AAEC\",\"x\":1}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAEC\",\"x\":1}",
	    TA_ERR_FORMAT },
	{ N, "{\"keyid\":1,\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":null,\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":[]}", TA_ERR_FORMAT },
	/* keyid: 64 lowercase hex digits exactly. */
	{ N, "{\"keyid\":\"" KID "0\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"\",\"method\":\"ecdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	/* method: printable ASCII, 1..32. */
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"\\u00e9cdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ec\\tdsa\",\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"sig\":\"AAEC\"}", TA_ERR_FORMAT },
	/* sig: canonical base64, not empty, not too long. */
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"\"}", TA_ERR_FORMAT },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAE\"}", TA_ERR_INVALID },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAF=\"}", TA_ERR_INVALID },
	{ N, "{\"keyid\":\"" KID "\",\"method\":\"ecdsa\",\"sig\":\"AAEC\\n\"}", TA_ERR_INVALID },
	{ T, "{\"sig\":\"00\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"00\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"xyz\",\"sig\":\"00\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"\",\"sig\":\"00\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"" KID KID "0\",\"sig\":\"00\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"00\",\"sig\":\"\"}", TA_ERR_FORMAT },
	{ T, "{\"keyid\":\"00\",\"sig\":\"0\"}", TA_ERR_INVALID },
	{ T, "{\"keyid\":\"00\",\"sig\":\"0g\"}", TA_ERR_INVALID },
	{ T, "{\"keyid\":\"00\",\"sig\":\"AA==\"}", TA_ERR_INVALID },
	{ T, "{\"keyid\":\"00\",\"sig\":\"00 \"}", TA_ERR_INVALID },
	{ T, "{\"keyid\":\"00\",\"sig\":1}", TA_ERR_FORMAT },
	{ T, "\"00\"", TA_ERR_FORMAT },
};

static void
test_tuf_key_sig_objects_refused(void **state)
{
	char big[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(sig_objects_refused) / sizeof(sig_objects_refused[0]); i++)
		sig_text_fails(sig_objects_refused[i].profile, sig_objects_refused[i].text,
		    sig_objects_refused[i].code);
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
	/* ta_key_from_cert_pem: the same key from the PEM, the final newline
	 * only where it may be missing, a bundle's first certificate; not a
	 * certificate block, a truncated one, nothing. */
	{
		char two[8192], *cut = strdup(pem_ssl);
		size_t n = strlen(pem_ssl);

		assert_int_equal(ta_key_from_cert_pem(pem_ssl, n, false, &k2), 0);
		assert_string_equal(ta_key_id(k2), ta_key_id(k));
		ta_key_free(k2);
		k2 = (struct ta_key *)&s;
		assert_int_equal(ta_key_from_cert_pem(pem_ssl, n - 1, false, &k2), TA_ERR_INVALID);
		assert_int_equal(ta_key_from_cert_pem(pem_ssl, n - 1, true, &k2), 0);
		assert_string_equal(ta_key_id(k2), ta_key_id(k));
		ta_key_free(k2);
		snprintf(two, sizeof(two), "%s%s", pem_ssl, pem_ssl);
		assert_int_equal(ta_key_from_cert_pem(two, strlen(two), false, &k2), 0);
		assert_string_equal(ta_key_id(k2), ta_key_id(k));
		ta_key_free(k2);
		k2 = (struct ta_key *)&s;
		assert_int_equal(ta_key_from_cert_pem(pem_ssl, n / 2, true, &k2), TA_ERR_INVALID);
		assert_int_equal(ta_key_from_cert_pem("", 0, true, &k2), TA_ERR_INVALID);
		memcpy(strstr(cut, "CERTIFICATE"), "PUBLIC KEY ", 11);
		assert_int_equal(ta_key_from_cert_pem(cut, n, true, &k2), TA_ERR_INVALID);
		assert_int_equal(ta_key_from_cert_pem(NULL, 0, true, &k2), TA_ERR_INVALID);
		assert_ptr_equal(k2, (struct ta_key *)&s);
		free(cut);
	}
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
