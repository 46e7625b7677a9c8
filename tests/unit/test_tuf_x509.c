/* Unit tests for tuf/x509.c: notary root certificates made through a
 * struct ta_signer, and the root-bundle checks of FORMATS §1.6.
 *
 * Certificates that ta_x509_make_root() would never make (CA leaves,
 * SHA-1, RSA-1024, odd dates and names) are made here with OpenSSL
 * directly. */
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
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/x509.h"

#define GUN "example.com/app"
#define DAY 86400

static struct memsigner *p256, *p384, *rsa2048, *rsa3072, *ed, *rsa1024;
static time_t now;

static int
group_setup(void **state)
{
	(void)state;
	now = time(NULL);
	p256 = memsigner_new(TA_KEY_EC_P256);
	p384 = memsigner_new(TA_KEY_EC_P384);
	rsa2048 = memsigner_new(TA_KEY_RSA_2048);
	rsa3072 = memsigner_new(TA_KEY_RSA_3072);
	ed = memsigner_new(TA_KEY_ED25519);
	rsa1024 = memsigner_new_rsa(1024);
	return p256 && p384 && rsa2048 && rsa3072 && ed && rsa1024 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	memsigner_free(p256);
	memsigner_free(p384);
	memsigner_free(rsa2048);
	memsigner_free(rsa3072);
	memsigner_free(ed);
	memsigner_free(rsa1024);
	return 0;
}

static int
reset_knobs(void **state)
{
	struct memsigner *all[] = { p256, p384, rsa2048, rsa3072, ed, rsa1024 };

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		all[i]->fail = 0;
		all[i]->corrupt = false;
		all[i]->trim = 0;
	}
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static uint8_t *
make_root(struct memsigner *m, const char *gun, unsigned days, time_t when, size_t *ret_len)
{
	uint8_t *der = NULL;
	int r = ta_x509_make_root(&m->signer, gun, days, when, &der, ret_len);

	if (r != 0)
		fail_msg("make_root %s: %s", gun, ta_errname(r));
	return der;
}

static X509 *
x509_of(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	assert_non_null(x);
	assert_ptr_equal(p, der + len);
	return x;
}

static char *
pem_of(const uint8_t *der, size_t len)
{
	char *pem = NULL;
	size_t n = 0;

	assert_int_equal(ta_x509_to_pem(der, len, &pem, &n), 0);
	assert_int_equal(strlen(pem), n);
	return pem;
}

static char *
pem_of_x509(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *pem;

	assert_true(n > 0);
	pem = pem_of(der, (size_t)n);
	OPENSSL_free(der);
	return pem;
}

/* A root made by ta_x509_make_root() as PEM. */
static char *
root_pem(struct memsigner *m, const char *gun, unsigned days, time_t when)
{
	size_t len = 0;
	uint8_t *der = make_root(m, gun, days, when, &len);
	char *pem = pem_of(der, len);

	free(der);
	return pem;
}

/* A self-signed certificate made with OpenSSL alone. */
struct certopt {
	EVP_PKEY *key;
	const char *cn;     /* NULL: no CN (an O= instead) */
	const char *cn2;    /* a second CN, or NULL */
	time_t nb, na;
	const EVP_MD *md;   /* NULL: SHA-256 */
	int ca;             /* -1: no extensions; 0: CA:FALSE; 1: CA:TRUE */
};

static char *
openssl_cert(const struct certopt *o)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	char *pem;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
	name = X509_get_subject_name(x);
	if (o->cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				     (const unsigned char *)o->cn, -1, -1, 0), 1);
	else
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
				     (const unsigned char *)"no cn", -1, -1, 0), 1);
	if (o->cn2 != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				     (const unsigned char *)o->cn2, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), o->nb));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), o->na));
	assert_int_equal(X509_set_pubkey(x, o->key), 1);
	if (o->ca >= 0) {
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
		    o->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, o->key, EVP_PKEY_get_base_id(o->key) == EVP_PKEY_ED25519 ? NULL :
			      o->md != NULL ? o->md : EVP_sha256()) > 0);
	pem = pem_of_x509(x);
	X509_free(x);
	return pem;
}

static char *
leaf(EVP_PKEY *key, const char *cn)
{
	struct certopt o = { key, cn, NULL, now - 60, now + 365 * DAY, NULL, 0 };

	return openssl_cert(&o);
}

static char *
ca_cert(EVP_PKEY *key, const char *cn)
{
	struct certopt o = { key, cn, NULL, now - 60, now + 365 * DAY, NULL, 1 };

	return openssl_cert(&o);
}

static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* ta_x509_check_root() on PEM text must return code; err names it. */
static void
check_is(const char *pem, const char *gun, unsigned flags, int code)
{
	struct ta_x509_error err;
	int r = ta_x509_check_root((const uint8_t *)pem, strlen(pem), gun, now, flags, &err);

	if (r != code)
		fail_msg("gun '%s': got %s (%s), want %s", gun, ta_errname(r), err.text,
		    ta_errname(code));
	assert_int_equal(err.code, code);
	if (code != 0)
		assert_true(strlen(err.text) > 10);
	else
		assert_string_equal(err.text, "");
}

/* check_is() on a root for cn (root_pem() with p256). */
static void
root_check_is(const char *cn, unsigned days, time_t when, const char *gun, unsigned flags,
    int code)
{
	char *pem = root_pem(p256, cn, days, when);

	check_is(pem, gun, flags, code);
	free(pem);
}

/* check_is() on a certificate made by openssl_cert(). */
static void
cert_check_is(const struct certopt *o, const char *gun, unsigned flags, int code)
{
	char *pem = openssl_cert(o);

	check_is(pem, gun, flags, code);
	free(pem);
}

/* ---- making ---------------------------------------------------------------- */

static int
ext_count(X509 *x)
{
	return X509_get_ext_count(x);
}

static void
test_tuf_x509_make_root_fields(void **state)
{
	size_t len = 0;
	uint8_t *der = make_root(p256, GUN, 0, now, &len);
	X509 *x = x509_of(der, len);
	const X509_NAME *subj = X509_get_subject_name(x);
	const ASN1_STRING *cn;
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	ASN1_BIT_STRING *ku;
	EXTENDED_KEY_USAGE *eku;
	BASIC_CONSTRAINTS *bc;
	BIGNUM *bn;
	int crit = -1, pday = 0, psec = 0;
	unsigned char *spki = NULL;
	int spki_len;

	(void)state;
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	/* Serial: positive, below 2^128, not zero. */
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	assert_false(BN_is_negative(bn));
	assert_false(BN_is_zero(bn));
	assert_true(BN_num_bits(bn) <= 128);
	BN_free(bn);
	/* CN = GUN only, PrintableString, issuer = subject. */
	assert_int_equal(X509_NAME_entry_count(subj), 1);
	cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, 0));
	assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(subj, 0))),
	    NID_commonName);
	assert_int_equal(ASN1_STRING_type(cn), V_ASN1_PRINTABLESTRING);
	assert_int_equal(ASN1_STRING_length(cn), strlen(GUN));
	assert_memory_equal(ASN1_STRING_get0_data(cn), GUN, strlen(GUN));
	assert_int_equal(X509_NAME_cmp(subj, X509_get_issuer_name(x)), 0);
	/* Validity: now -> now + 3650 days. */
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), now), 0);
	assert_int_equal(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x),
			     X509_get0_notAfter(x)), 1);
	assert_int_equal(pday, 3650);
	assert_int_equal(psec, 0);
	assert_int_equal(ASN1_STRING_type(X509_get0_notBefore(x)), V_ASN1_UTCTIME);
	/* Extensions: exactly KU, EKU, BC, as notary's. */
	assert_int_equal(ext_count(x), 3);
	ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	ASN1_BIT_STRING_free(ku);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	assert_non_null(eku);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_ASN1_OBJECT_num(eku), 1);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_code_sign);
	EXTENDED_KEY_USAGE_free(eku);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_false(bc->ca);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	/* Algorithm fields and signature, and the signer's key. */
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	{
		const X509_ALGOR *inner = X509_get0_tbs_sigalg(x), *outer;
		const ASN1_BIT_STRING *sig;
		int ptype = 0;

		X509_get0_signature(&sig, &outer, x);
		assert_int_equal(X509_ALGOR_cmp(inner, outer), 0);
		X509_ALGOR_get0(NULL, &ptype, NULL, outer);
		assert_int_equal(ptype, V_ASN1_UNDEF);
		assert_true(ASN1_STRING_length(sig) >= 8 && ASN1_STRING_length(sig) <= 72);
	}
	assert_int_equal(X509_verify(x, p256->pkey), 1);
	spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	assert_int_equal((size_t)spki_len, p256->spki_len);
	assert_memory_equal(spki, p256->spki, p256->spki_len);
	OPENSSL_free(spki);
	/* What notary would accept. */
	{
		char *pem = pem_of(der, len);

		check_is(pem, GUN, TA_X509_CHECK_TIME, 0);
		free(pem);
	}
	X509_free(x);
	free(der);
}

static void
test_tuf_x509_make_root_every_key(void **state)
{
	static const struct {
		struct memsigner **m;
		int nid;
	} cases[] = {
		{ &p256, NID_ecdsa_with_SHA256 },
		{ &p384, NID_ecdsa_with_SHA256 },
		{ &rsa2048, NID_sha256WithRSAEncryption },
		{ &rsa3072, NID_sha256WithRSAEncryption },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memsigner *m = *cases[i].m;
		size_t len = 0;
		uint8_t *der = make_root(m, GUN, 30, now, &len);
		X509 *x = x509_of(der, len);
		struct ta_key *k = NULL;
		const X509_ALGOR *outer;
		const ASN1_BIT_STRING *sig;
		int ptype = 0;

		assert_int_equal(X509_get_signature_nid(x), cases[i].nid);
		X509_get0_signature(&sig, &outer, x);
		X509_ALGOR_get0(NULL, &ptype, NULL, outer);
		assert_int_equal(ptype, cases[i].nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL :
		    V_ASN1_UNDEF);
		assert_int_equal(X509_verify(x, m->pkey), 1);
		assert_int_equal(ta_key_from_cert(der, len, &k), 0);
		assert_string_equal(ta_key_keytype(k), cases[i].nid == NID_ecdsa_with_SHA256 ?
		    "ecdsa-x509" : "rsa-x509");
		{
			size_t pl = 0;
			const uint8_t *pb = ta_key_public_bytes(k, &pl);
			struct ta_x509_error err;

			assert_int_equal(ta_x509_check_root(pb, pl, GUN, now, TA_X509_CHECK_TIME,
					     &err), 0);
		}
		ta_key_free(k);
		X509_free(x);
		free(der);
	}
}

/* PEM exactly as OpenSSL (and Go's pem.EncodeToMemory) write it. */
static void
test_tuf_x509_pem_is_gos(void **state)
{
	size_t len = 0, n = 0;
	uint8_t *der = make_root(rsa2048, GUN, 0, now, &len);
	X509 *x = x509_of(der, len);
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = pem_of(der, len), *data, *line;
	long bl;

	(void)state;
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	bl = BIO_get_mem_data(b, &data);
	assert_int_equal(strlen(pem), (size_t)bl);
	assert_memory_equal(pem, data, (size_t)bl);
	assert_true(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
	assert_string_equal(pem + strlen(pem) - 26, "-----END CERTIFICATE-----\n");
	for (line = strchr(pem, '\n') + 1; *line != '-'; line += n + 1) {
		n = (size_t)(strchr(line, '\n') - line);
		assert_true(n <= 64);
		if (line[n + 1] != '-')
			assert_int_equal(n, 64);
	}
	BIO_free(b);
	X509_free(x);
	free(pem);
	free(der);
}

static void
test_tuf_x509_serials_differ(void **state)
{
	size_t l1 = 0, l2 = 0;
	uint8_t *d1 = make_root(p256, GUN, 0, now, &l1), *d2 = make_root(p256, GUN, 0, now, &l2);
	X509 *x1 = x509_of(d1, l1), *x2 = x509_of(d2, l2);

	(void)state;
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(x1),
				 X509_get0_serialNumber(x2)), 0);
	X509_free(x1);
	X509_free(x2);
	free(d1);
	free(d2);
}

static void
test_tuf_x509_gun_string_types(void **state)
{
	char long_gun[TA_X509_GUN_MAX + 1];
	const char *guns[] = { "registry.example.com/team_a/app", "example.com/*", long_gun };
	const int types[] = { V_ASN1_UTF8STRING, V_ASN1_PRINTABLESTRING, V_ASN1_PRINTABLESTRING };

	(void)state;
	memset(long_gun, 'a', TA_X509_GUN_MAX);
	long_gun[TA_X509_GUN_MAX] = '\0';
	for (size_t i = 0; i < 3; i++) {
		size_t len = 0;
		uint8_t *der = make_root(p256, guns[i], 0, now, &len);
		X509 *x = x509_of(der, len);
		const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(X509_get_subject_name(x), 0));
		char *pem = pem_of(der, len);

		assert_int_equal(ASN1_STRING_type(cn), types[i]);
		assert_int_equal(ASN1_STRING_length(cn), strlen(guns[i]));
		check_is(pem, guns[i], TA_X509_CHECK_TIME, 0);
		free(pem);
		X509_free(x);
		free(der);
	}
}

static void
test_tuf_x509_make_root_days(void **state)
{
	size_t len = 0;
	uint8_t *der = make_root(p256, GUN, TA_X509_MAX_DAYS, now, &len);
	X509 *x = x509_of(der, len);
	int pday = 0, psec = 0;

	(void)state;
	assert_int_equal(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x),
			     X509_get0_notAfter(x)), 1);
	assert_int_equal(pday, TA_X509_MAX_DAYS);
	/* After 2049, GeneralizedTime (as Go). */
	assert_int_equal(ASN1_STRING_type(X509_get0_notAfter(x)), V_ASN1_GENERALIZEDTIME);
	X509_free(x);
	free(der);
	der = make_root(p256, GUN, 1, now, &len);
	x = x509_of(der, len);
	assert_int_equal(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x),
			     X509_get0_notAfter(x)), 1);
	assert_int_equal(pday, 1);
	X509_free(x);
	free(der);
}

static void
test_tuf_x509_make_root_bad_arguments(void **state)
{
	char long_gun[TA_X509_GUN_MAX + 2];
	uint8_t *der = (uint8_t *)long_gun;
	size_t len = 7;
	struct ta_signer bad;

	(void)state;
	memset(long_gun, 'a', TA_X509_GUN_MAX + 1);
	long_gun[TA_X509_GUN_MAX + 1] = '\0';
	assert_int_equal(ta_x509_make_root(&p256->signer, "", 0, now, &der, &len), TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, "a b", 0, now, &der, &len),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, "a\nb", 0, now, &der, &len),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, "caf\xc3\xa9", 0, now, &der, &len),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, long_gun, 0, now, &der, &len),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, NULL, 0, now, &der, &len),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, GUN, TA_X509_MAX_DAYS + 1, now, &der,
			     &len), TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(NULL, GUN, 0, now, &der, &len), TA_ERR_INVALID);
	assert_int_equal(ta_x509_make_root(&p256->signer, GUN, 0, now, NULL, &len),
	    TA_ERR_INVALID);
	/* A signer whose SPKI is not a key. */
	bad = p256->signer;
	bad.spki = (const uint8_t *)"\x30\x00";
	bad.spki_len = 2;
	assert_int_equal(ta_x509_make_root(&bad, GUN, 0, now, &der, &len), TA_ERR_INVALID);
	assert_ptr_equal(der, (uint8_t *)long_gun);
	assert_int_equal(len, 7);
}

static void
test_tuf_x509_make_root_bad_keys(void **state)
{
	uint8_t *der = NULL;
	size_t len = 7;

	(void)state;
	/* Notary has no Ed25519 certificate keys, and needs RSA >= 2048. */
	assert_int_equal(ta_x509_make_root(&ed->signer, GUN, 0, now, &der, &len),
	    TA_ERR_KEY_TYPE);
	assert_int_equal(ta_x509_make_root(&rsa1024->signer, GUN, 0, now, &der, &len),
	    TA_ERR_KEY_WEAK);
	assert_null(der);
	assert_int_equal(len, 7);
}

static void
test_tuf_x509_make_root_bad_signers(void **state)
{
	uint8_t *der = NULL;
	size_t len = 7;

	(void)state;
	p256->fail = TA_ERR_NOT_LOGGED_IN;
	assert_int_equal(ta_x509_make_root(&p256->signer, GUN, 0, now, &der, &len),
	    TA_ERR_NOT_LOGGED_IN);
	p256->fail = 0;
	p256->corrupt = true;
	assert_int_equal(ta_x509_make_root(&p256->signer, GUN, 0, now, &der, &len),
	    TA_ERR_VERIFY);
	p256->corrupt = false;
	p256->trim = 2;
	assert_int_equal(ta_x509_make_root(&p256->signer, GUN, 0, now, &der, &len),
	    TA_ERR_CRYPTO);
	rsa2048->corrupt = true;
	assert_int_equal(ta_x509_make_root(&rsa2048->signer, GUN, 0, now, &der, &len),
	    TA_ERR_VERIFY);
	assert_null(der);
	assert_int_equal(len, 7);
}

static void
test_tuf_x509_to_pem_refusals(void **state)
{
	size_t len = 0, n = 0;
	uint8_t *der = make_root(p256, GUN, 0, now, &len), *longer = malloc(len + 1);
	char *pem = NULL;

	(void)state;
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(ta_x509_to_pem(longer, len + 1, &pem, &n), TA_ERR_INVALID);
	assert_int_equal(ta_x509_to_pem(longer, len - 1, &pem, &n), TA_ERR_INVALID);
	assert_int_equal(ta_x509_to_pem(longer, 0, &pem, &n), TA_ERR_INVALID);
	assert_int_equal(ta_x509_to_pem((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &pem, &n),
	    TA_ERR_INVALID);
	assert_null(pem);
	free(longer);
	free(der);
}

/* ---- checking: what passes ----------------------------------------------- */

static void
test_tuf_x509_check_wildcards(void **state)
{
	static const struct {
		const char *cn, *gun;
	} ok[] = {
		{ "example.com/*", "example.com/app" },
		{ "example.com/*", "example.com/" },
		{ "example.com/app*", "example.com/app" },
		{ "example.com/**", "example.com/x/y" },
		{ "*", "docker.io/library/x" },
		{ "example.com/app", "example.com/app" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		root_check_is(ok[i].cn, 0, now, ok[i].gun, TA_X509_CHECK_TIME, 0);
	}
}

static void
test_tuf_x509_check_time_edges(void **state)
{
	(void)state;
	/* NotBefore up to a day ahead is clock skew notary allows. */
	root_check_is(GUN, 10, now + DAY - 5, GUN, TA_X509_CHECK_TIME, 0);
	/* Expired, but expiry is not checked. */
	root_check_is(GUN, 1, now - 3 * DAY, GUN, 0, 0);
}

static void
test_tuf_x509_check_bundles_that_pass(void **state)
{
	char *lf = root_pem(p256, GUN, 0, now), *ca = ca_cert(p384->pkey, "Some CA");
	char *two = concat(lf, ca), *three = concat(two, ca);
	struct certopt bare = { rsa2048->pkey, GUN, NULL, now - 60, now + DAY, NULL, -1 };
	char *noext = openssl_cert(&bare);

	(void)state;
	/* Leaf first, then CA certificates; and a leaf with no extensions. */
	check_is(two, GUN, TA_X509_CHECK_TIME, 0);
	check_is(three, GUN, TA_X509_CHECK_TIME, 0);
	check_is(noext, GUN, TA_X509_CHECK_TIME, 0);
	free(lf);
	free(ca);
	free(two);
	free(three);
	free(noext);
}

/* ---- checking: what fails ------------------------------------------------ */

static void
test_tuf_x509_check_leaf_rule(void **state)
{
	char *lf = root_pem(p256, GUN, 0, now), *lf2 = root_pem(p384, GUN, 0, now);
	char *ca = ca_cert(p384->pkey, GUN);
	char *two_leaves = concat(lf, lf2), *ca_first = concat(ca, lf), *cas = concat(ca, ca);

	(void)state;
	check_is(ca, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_LEAF);
	check_is(two_leaves, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_LEAF);
	check_is(ca_first, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_LEAF);
	check_is(cas, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_LEAF);
	free(lf);
	free(lf2);
	free(ca);
	free(two_leaves);
	free(ca_first);
	free(cas);
}

static void
test_tuf_x509_check_cn_mismatch(void **state)
{
	static const struct {
		const char *cn, *gun;
	} bad[] = {
		{ "example.com/other", GUN },
		{ "example.com", GUN },                      /* a prefix, but no '*' */
		{ "Example.com/app", GUN },
		{ "example.com/app/", GUN },
		{ "example.com/*", "example.org/app" },
		{ "example.com/app/*", GUN },                /* prefix longer than the GUN */
		{ "*example.com/app", GUN },                 /* '*' only counts at the end */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root_check_is(bad[i].cn, 0, now, bad[i].gun, TA_X509_CHECK_TIME, TA_ERR_CERT_CN);
	}
	/* CN is checked before expiry, as notary does. */
	root_check_is("other", 1, now - 10 * DAY, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_CN);
}

static void
test_tuf_x509_check_cn_missing_or_twice(void **state)
{
	struct certopt none = { p256->pkey, NULL, NULL, now - 60, now + DAY, NULL, 0 };
	struct certopt two = { p256->pkey, GUN, GUN, now - 60, now + DAY, NULL, 0 };

	(void)state;
	cert_check_is(&none, GUN, 0, TA_ERR_CERT_CN);
	cert_check_is(&two, GUN, 0, TA_ERR_CERT_CN);
}

/* The message shows an untrusted CN printable. */
static void
test_tuf_x509_check_cn_text_is_printable(void **state)
{
	struct certopt ctl = { p256->pkey, "example.com/app\x1b[0m", NULL, now - 60, now + DAY,
		NULL, 0 };
	struct ta_x509_error err;
	char *pem = openssl_cert(&ctl);

	(void)state;
	assert_int_equal(ta_x509_check_root((const uint8_t *)pem, strlen(pem), GUN, now, 0, &err),
	    TA_ERR_CERT_CN);
	assert_null(strchr(err.text, '\x1b'));
	assert_non_null(strstr(err.text, "example.com/app?[0m"));
	free(pem);
}

static void
test_tuf_x509_check_expired(void **state)
{
	(void)state;
	root_check_is(GUN, 1, now - 2 * DAY, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_EXPIRED);
	root_check_is(GUN, 1, now - DAY - 1, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_EXPIRED);
}

static void
test_tuf_x509_check_not_yet_valid(void **state)
{
	(void)state;
	root_check_is(GUN, 10, now + 2 * DAY, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_NOT_YET_VALID);
	root_check_is(GUN, 10, now + DAY + 5, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_NOT_YET_VALID);
}

/* NotBefore after NotAfter is refused even without time checks. */
static void
test_tuf_x509_check_dates_backwards(void **state)
{
	struct certopt backwards = { p256->pkey, GUN, NULL, now + DAY, now - DAY, NULL, 0 };
	char *pem = openssl_cert(&backwards);

	(void)state;
	check_is(pem, GUN, 0, TA_ERR_CERT_DATES);
	check_is(pem, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_DATES);
	free(pem);
}

static void
test_tuf_x509_check_sha1(void **state)
{
	struct certopt rsa_sha1 = { rsa2048->pkey, GUN, NULL, now - 60, now + DAY, NULL, 0 };
	struct certopt ec_sha1 = { p256->pkey, GUN, NULL, now - 60, now + DAY, NULL, 0 };
	struct certopt sha1_expired = { p256->pkey, GUN, NULL, now - 9 * DAY, now - DAY, NULL, 0 };

	(void)state;
	rsa_sha1.md = ec_sha1.md = sha1_expired.md = EVP_sha1();
	cert_check_is(&rsa_sha1, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_SHA1);
	cert_check_is(&ec_sha1, GUN, 0, TA_ERR_CERT_SHA1);
	/* SHA-1 is found before expiry (notary's order). */
	cert_check_is(&sha1_expired, GUN, TA_X509_CHECK_TIME, TA_ERR_CERT_SHA1);
	/* SHA-384 is fine. */
	ec_sha1.md = EVP_sha384();
	cert_check_is(&ec_sha1, GUN, TA_X509_CHECK_TIME, 0);
}

static void
test_tuf_x509_check_rsa_1024(void **state)
{
	char *pem = leaf(rsa1024->pkey, GUN);

	(void)state;
	check_is(pem, GUN, TA_X509_CHECK_TIME, TA_ERR_KEY_WEAK);
	check_is(pem, GUN, 0, TA_ERR_KEY_WEAK);
	free(pem);
	pem = leaf(rsa3072->pkey, GUN);
	check_is(pem, GUN, TA_X509_CHECK_TIME, 0);
	free(pem);
}

static void
test_tuf_x509_check_bundle_not_gos_pem(void **state)
{
	char *lf = root_pem(p256, GUN, 0, now), buf[8192];
	size_t n = strlen(lf), o = 0;

	(void)state;
	/* CRLF, no final newline, junk before or after, empty, wrong type. */
	for (size_t i = 0; i < n; i++) {
		if (lf[i] == '\n')
			buf[o++] = '\r';
		buf[o++] = lf[i];
	}
	buf[o] = '\0';
	check_is(buf, GUN, 0, TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%.*s", (int)n - 1, lf);
	check_is(buf, GUN, 0, TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), " %s", lf);
	check_is(buf, GUN, 0, TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%s\n", lf);
	check_is(buf, GUN, 0, TA_ERR_INVALID);
	check_is("", GUN, 0, TA_ERR_INVALID);
	snprintf(buf, sizeof(buf), "%s", lf);
	memcpy(strstr(buf, "CERTIFICATE"), "CERTIFICATX", 11);
	check_is(buf, GUN, 0, TA_ERR_INVALID);
	/* A block whose DER is not a certificate. */
	check_is("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", GUN, 0,
	    TA_ERR_INVALID);
	free(lf);
}

static void
test_tuf_x509_check_bundle_too_many(void **state)
{
	char *lf = root_pem(p256, GUN, 0, now), *many = strdup("");

	(void)state;
	for (int i = 0; i <= TA_X509_BUNDLE_MAX; i++) {
		char *next = concat(many, lf);

		free(many);
		many = next;
	}
	check_is(many, GUN, 0, TA_ERR_TOO_LARGE);
	free(many);
	free(lf);
}

static void
test_tuf_x509_check_bad_arguments(void **state)
{
	char *lf = root_pem(p256, GUN, 0, now);
	struct ta_x509_error err;
	size_t n = strlen(lf);

	(void)state;
	assert_int_equal(ta_x509_check_root((const uint8_t *)lf, n, GUN, now, 0x2, &err),
	    TA_ERR_INVALID);
	assert_int_equal(err.code, TA_ERR_INVALID);
	assert_int_equal(ta_x509_check_root((const uint8_t *)lf, n, "", now, 0, &err),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_check_root((const uint8_t *)lf, n, "a b", now, 0, &err),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_check_root((const uint8_t *)lf, n, NULL, now, 0, NULL),
	    TA_ERR_INVALID);
	assert_int_equal(ta_x509_check_root(NULL, 0, GUN, now, 0, NULL), TA_ERR_INVALID);
	free(lf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuf_x509_make_root_fields),
		cmocka_unit_test(test_tuf_x509_make_root_every_key),
		cmocka_unit_test(test_tuf_x509_pem_is_gos),
		cmocka_unit_test(test_tuf_x509_serials_differ),
		cmocka_unit_test(test_tuf_x509_gun_string_types),
		cmocka_unit_test(test_tuf_x509_make_root_days),
		cmocka_unit_test(test_tuf_x509_make_root_bad_arguments),
		cmocka_unit_test(test_tuf_x509_make_root_bad_keys),
		cmocka_unit_test_setup_teardown(test_tuf_x509_make_root_bad_signers, reset_knobs,
		    reset_knobs),
		cmocka_unit_test(test_tuf_x509_to_pem_refusals),
		cmocka_unit_test(test_tuf_x509_check_wildcards),
		cmocka_unit_test(test_tuf_x509_check_time_edges),
		cmocka_unit_test(test_tuf_x509_check_bundles_that_pass),
		cmocka_unit_test(test_tuf_x509_check_leaf_rule),
		cmocka_unit_test(test_tuf_x509_check_cn_mismatch),
		cmocka_unit_test(test_tuf_x509_check_cn_missing_or_twice),
		cmocka_unit_test(test_tuf_x509_check_cn_text_is_printable),
		cmocka_unit_test(test_tuf_x509_check_expired),
		cmocka_unit_test(test_tuf_x509_check_not_yet_valid),
		cmocka_unit_test(test_tuf_x509_check_dates_backwards),
		cmocka_unit_test(test_tuf_x509_check_sha1),
		cmocka_unit_test(test_tuf_x509_check_rsa_1024),
		cmocka_unit_test(test_tuf_x509_check_bundle_not_gos_pem),
		cmocka_unit_test(test_tuf_x509_check_bundle_too_many),
		cmocka_unit_test(test_tuf_x509_check_bad_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
