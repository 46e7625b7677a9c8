/* Unit tests for client/attest.c: YubiKey PIV attestations checked by
 * att_check(), and tufctl key attest's refusal of an attestation of
 * another key.
 *
 * Every certificate is made here with OpenSSL, in the shape
 * tests/piv/card.py (and a YubiKey) gives: a CA, the card's attestation
 * certificate (slot F9) issued by it, and the attestation of a slot's key
 * signed by F9, "CN=YubiKey PIV Attestation <slot>", with Yubico's
 * extensions under 1.3.6.1.4.1.41482.3 (firmware .3, serial .7 as a DER
 * INTEGER, PIN and touch policy .8, form factor .9).  EC P-256 keys.
 *
 *	test_attest --seeds DIR
 * writes fuzz/corpus/attest's seeds (see fuzz/attest_fuzz.c) into DIR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "client/agent_api.h"
#include "client/attest.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tests/tools/testutil.h"
#include "tuf/encoding.h"
#include "tuf/key.h"

#define YK "1.3.6.1.4.1.41482.3."
#define SERIAL 12345678 /* 0xbc614e */

/* ---- the certificates ---------------------------------------------------- */

static EVP_PKEY *ca_key, *f9_key, *other_ca_key, *other_f9_key, *slot_key, *other_key;
static X509 *ca_cert, *f9_cert, *other_ca_cert, *other_f9_cert;
static char *f9_pem, *other_f9_pem, *ca_pem;
static char ca_file[128], other_ca_file[128], not_pem_file[128], no_file[128];

static EVP_PKEY *
p256(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void
add_ext_nid(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, &v3, nid, value));
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key named CN=cn, issued by (issuer, ikey); issuer
 * NULL: self-signed. */
static X509 *
cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	assert_non_null(n);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
			     (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n),
	    1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -86400));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	if (ca) {
		add_ext_nid(x, issuer != NULL ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext_nid(x, issuer != NULL ? issuer : x, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	}
	assert_true(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

/* x's PEM as the agent writes it (ta_pem_encode, agent/handlers.c). */
static char *
pem(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *s = NULL;
	size_t len = 0;

	assert_true(n > 0);
	assert_int_equal(ta_pem_encode("CERTIFICATE", der, (size_t)n, &s, &len), 0);
	assert_int_equal(strlen(s), len);
	OPENSSL_free(der);
	return s;
}

static void
write_pem(const char *path, X509 *x)
{
	char *s = pem(x);

	tu_write_file(path, s, strlen(s), 0600);
	free(s);
}

/* One Yubico extension of an attestation: absent (len -1), or these bytes
 * in its OCTET STRING. */
struct ext {
	int len;
	uint8_t b[16];
};

#define ABSENT { .len = -1 }
#define EXT(...) { .len = sizeof((uint8_t[]){ __VA_ARGS__ }), .b = { __VA_ARGS__ } }

/* An attestation: what differs from a good one (zeroes mean "as a card
 * makes it"). */
struct att {
	const char *cn;          /* NULL: "YubiKey PIV Attestation 9a" */
	EVP_PKEY *key;           /* NULL: slot_key */
	X509 *issuer;            /* NULL: f9_cert */
	EVP_PKEY *ikey;          /* NULL: f9_key */
	bool set_fw, set_serial, set_policy, set_ff;
	struct ext fw, serial, policy, ff;
	int twice;               /* a Yubico extension number given twice, or 0 */
};

static const struct ext good_fw = EXT(5, 4, 3);
static const struct ext good_serial = EXT(0x02, 0x04, 0x00, 0xbc, 0x61, 0x4e);
static const struct ext good_policy = EXT(2, 1); /* PIN once, touch never */
static const struct ext good_ff = EXT(1);

static void
add_yk(X509 *x, int n, const struct ext *e)
{
	char oid[40];
	ASN1_OBJECT *o;
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	if (e->len < 0) {
		ASN1_OCTET_STRING_free(s);
		return;
	}
	(void)snprintf(oid, sizeof(oid), YK "%d", n);
	assert_non_null(o = OBJ_txt2obj(oid, 1));
	assert_non_null(s);
	assert_int_equal(ASN1_OCTET_STRING_set(s, e->b, e->len), 1);
	assert_non_null(ext = X509_EXTENSION_create_by_OBJ(NULL, o, 0, s));
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(o);
	ASN1_OCTET_STRING_free(s);
}

static X509 *
att_x509(const struct att *a)
{
	X509 *issuer = a->issuer != NULL ? a->issuer : f9_cert;
	EVP_PKEY *ikey = a->ikey != NULL ? a->ikey : f9_key;
	X509 *x = cert(a->cn != NULL ? a->cn : "YubiKey PIV Attestation 9a",
	    a->key != NULL ? a->key : slot_key, issuer, ikey, false);
	const struct ext *e[4] = {
		a->set_fw ? &a->fw : &good_fw,
		a->set_serial ? &a->serial : &good_serial,
		a->set_policy ? &a->policy : &good_policy,
		a->set_ff ? &a->ff : &good_ff,
	};
	const int num[4] = { 3, 7, 8, 9 };

	for (int i = 0; i < 4; i++) {
		add_yk(x, num[i], e[i]);
		if (a->twice == num[i])
			add_yk(x, num[i], e[i]);
	}
	assert_true(X509_sign(x, ikey, EVP_sha256()) > 0); /* again, with the extensions */
	return x;
}

static char *
att_pem(const struct att *a)
{
	X509 *x = att_x509(a);
	char *s = pem(x);

	X509_free(x);
	return s;
}

static int
group_setup(void **state)
{
	(void)state;
	if (tu_mktmp("test_attest") != 0)
		return -1;
	ca_key = p256();
	f9_key = p256();
	other_ca_key = p256();
	other_f9_key = p256();
	slot_key = p256();
	other_key = p256();
	ca_cert = cert("test attestation CA", ca_key, NULL, NULL, true);
	f9_cert = cert("Yubico PIV Attestation", f9_key, ca_cert, ca_key, true);
	other_ca_cert = cert("test attestation CA", other_ca_key, NULL, NULL, true);
	/* Another card's F9, under the same name and CA. */
	other_f9_cert = cert("Yubico PIV Attestation", other_f9_key, ca_cert, ca_key, true);
	f9_pem = pem(f9_cert);
	other_f9_pem = pem(other_f9_cert);
	ca_pem = pem(ca_cert);
	write_pem(tu_path(ca_file, sizeof(ca_file), "ca.pem"), ca_cert);
	/* The same name, another key: a CA that did not issue F9. */
	write_pem(tu_path(other_ca_file, sizeof(other_ca_file), "other-ca.pem"), other_ca_cert);
	tu_write_file(tu_path(not_pem_file, sizeof(not_pem_file), "not.pem"), "not a PEM\n", 10,
	    0600);
	(void)tu_path(no_file, sizeof(no_file), "missing.pem");
	return 0;
}

static int
group_teardown(void **state)
{
	EVP_PKEY *k[] = { ca_key, f9_key, other_ca_key, other_f9_key, slot_key, other_key };
	X509 *c[] = { ca_cert, f9_cert, other_ca_cert, other_f9_cert };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		EVP_PKEY_free(k[i]);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		X509_free(c[i]);
	free(f9_pem);
	free(other_f9_pem);
	free(ca_pem);
	return tu_teardown(state);
}

/* ---- checking ------------------------------------------------------------- */

struct res {
	int r;
	struct att_info in;
	char why[512];
};

static struct res
check(const char *a, size_t alen, const char *s, size_t slen, const EVP_PKEY *key,
    const char *ca)
{
	struct res x;

	memset(&x, 0x5a, sizeof(x)); /* what att_check leaves unset shows */
	x.r = att_check(a, alen, s, slen, key, ca, &x.in, x.why, sizeof(x.why));
	return x;
}

/* A good signer (f9) and key (slot_key), no CA. */
static struct res
check_att(const char *a)
{
	return check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, NULL);
}

/* r is code, and why names part (one line). */
static void
refused(const struct res *x, int code, const char *part)
{
	if (x->r != code || strstr(x->why, part) == NULL || strchr(x->why, '\n') != NULL)
		fail_msg("want %s '...%s...', got %s '%s'", ta_errname(code), part,
		    ta_errname(x->r), x->why);
}

static void
accepted(const struct res *x)
{
	if (x->r != 0 || x->why[0] != '\0')
		fail_msg("refused: %s '%s'", ta_errname(x->r), x->why);
}

/* ---- good attestations ---------------------------------------------------- */

static void
test_attest_good_fields(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	struct res x = check_att(a);

	(void)state;
	accepted(&x);
	assert_string_equal(x.in.slot, "9a");
	assert_true(x.in.has_serial);
	assert_int_equal(x.in.serial, SERIAL);
	assert_string_equal(x.in.firmware, "5.4.3");
	assert_int_equal(x.in.pin, ATT_PIN_ONCE);
	assert_int_equal(x.in.touch, ATT_TOUCH_NEVER);
	assert_int_equal(x.in.form_factor, 1);
	assert_false(x.in.chain_checked);
	/* The key argument may be left out (not checked). */
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), NULL, NULL);
	accepted(&x);
	assert_int_equal(x.in.serial, SERIAL);
	free(a);
}

static void
test_attest_good_with_ca(void **state)
{
	char *a = att_pem(&(struct att){ .cn = "YubiKey PIV Attestation 9c" });
	struct res x = check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, ca_file);

	(void)state;
	accepted(&x);
	assert_true(x.in.chain_checked);
	assert_string_equal(x.in.slot, "9c");
	assert_int_equal(x.in.serial, SERIAL);
	assert_string_equal(x.in.firmware, "5.4.3");
	free(a);
}

static void
test_attest_every_policy(void **state)
{
	static const char *const pin[] = { "unknown", "never", "once", "always" };
	static const char *const touch[] = { "unknown", "never", "always", "cached" };

	(void)state;
	for (uint8_t p = 1; p <= 3; p++)
		for (uint8_t t = 1; t <= 3; t++) {
			char *a = att_pem(&(struct att){ .set_policy = true, .policy = EXT(p, t) });
			struct res x = check_att(a);

			accepted(&x);
			assert_int_equal(x.in.pin, p);
			assert_int_equal(x.in.touch, t);
			assert_string_equal(att_pin_name(x.in.pin), pin[p]);
			assert_string_equal(att_touch_name(x.in.touch), touch[t]);
			free(a);
		}
}

/* Policy values past 3 (newer devices: YubiKey Bio's match policies) or 0
 * read as unknown, which meets no requirement. */
static void
test_attest_unknown_policy_value(void **state)
{
	static const struct ext vals[] = { EXT(4, 4), EXT(0, 0), EXT(0xff, 2), EXT(2, 0x80) };

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char *a = att_pem(&(struct att){ .set_policy = true, .policy = vals[i] });
		struct res x = check_att(a);

		accepted(&x);
		assert_int_equal(x.in.pin, vals[i].b[0] >= 1 && vals[i].b[0] <= 3 ? vals[i].b[0] :
										     ATT_PIN_UNKNOWN);
		assert_int_equal(x.in.touch, vals[i].b[1] >= 1 && vals[i].b[1] <= 3 ?
						 vals[i].b[1] :
						 ATT_TOUCH_UNKNOWN);
		free(a);
	}
	assert_false(att_pin_at_least(ATT_PIN_UNKNOWN, ATT_PIN_NEVER));
	assert_false(att_touch_at_least(ATT_TOUCH_UNKNOWN, ATT_TOUCH_NEVER));
	assert_string_equal(att_pin_name(ATT_PIN_UNKNOWN), "unknown");
	assert_string_equal(att_touch_name(ATT_TOUCH_UNKNOWN), "unknown");
}

/* Older firmware: only the serial.  A subject that is not "YubiKey PIV
 * Attestation <slot>" names no slot. */
static void
test_attest_optional_absent(void **state)
{
	char *a = att_pem(&(struct att){ .cn = "some key", .set_fw = true, .fw = ABSENT,
	    .set_policy = true, .policy = ABSENT, .set_ff = true, .ff = ABSENT });
	struct res x = check_att(a);

	(void)state;
	accepted(&x);
	assert_string_equal(x.in.slot, "");
	assert_string_equal(x.in.firmware, "");
	assert_int_equal(x.in.pin, ATT_PIN_UNKNOWN);
	assert_int_equal(x.in.touch, ATT_TOUCH_UNKNOWN);
	assert_int_equal(x.in.form_factor, -1);
	assert_int_equal(x.in.serial, SERIAL);
	free(a);
	/* A slot name too long for att_info.slot is not one. */
	a = att_pem(&(struct att){ .cn = "YubiKey PIV Attestation 9a-and-more" });
	x = check_att(a);
	accepted(&x);
	assert_string_equal(x.in.slot, "");
	free(a);
}

static void
test_attest_serial_range(void **state)
{
	static const struct {
		struct ext e;
		uint64_t v;
	} ok[] = {
		{ EXT(0x02, 0x01, 0x00), 0 },
		{ EXT(0x02, 0x02, 0x7a, 0x69), 31337 },
		{ EXT(0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff), 4294967295U },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *a = att_pem(&(struct att){ .set_serial = true, .serial = ok[i].e });
		struct res x = check_att(a);

		accepted(&x);
		assert_true(x.in.has_serial);
		assert_int_equal(x.in.serial, ok[i].v);
		free(a);
	}
}

static void
test_attest_info_json(void **state)
{
	char *a = att_pem(&(struct att){ .set_policy = true, .policy = EXT(3, 3) });
	struct res x = check_att(a);
	json_t *o = json_object();
	char *s;

	(void)state;
	accepted(&x);
	assert_int_equal(att_info_json(&x.in, o), 0);
	s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"firmware\":\"5.4.3\",\"form_factor\":1,\"pin_policy\":\"always\","
			       "\"serial\":12345678,\"slot\":\"9a\",\"touch_policy\":\"cached\"}");
	free(s);
	json_decref(o);
	free(a);
}

/* ---- who signed, which key, which CA -------------------------------------- */

static void
test_attest_wrong_signer(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	/* Signed by another card's F9 key, named as this one. */
	char *b = att_pem(&(struct att){ .ikey = other_f9_key });
	struct res x;

	(void)state;
	x = check(a, strlen(a), other_f9_pem, strlen(other_f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_VERIFY, "the attestation is not signed by its signer (slot F9) certificate");
	x = check_att(b);
	refused(&x, TA_ERR_VERIFY, "is not signed by its signer (slot F9)");
	/* The CA in F9's place: it did not sign the attestation. */
	x = check(a, strlen(a), ca_pem, strlen(ca_pem), slot_key, ca_file);
	refused(&x, TA_ERR_VERIFY, "is not signed by its signer (slot F9)");
	/* The attestation as its own signer. */
	x = check(a, strlen(a), a, strlen(a), slot_key, NULL);
	refused(&x, TA_ERR_VERIFY, "is not signed by its signer (slot F9)");
	free(a);
	free(b);
}

static void
test_attest_ca_did_not_issue_f9(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	char msg[256];
	struct res x = check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, other_ca_file);

	(void)state;
	(void)snprintf(msg, sizeof(msg), "the attestation does not chain to a CA of '%s': ",
	    other_ca_file);
	refused(&x, TA_ERR_VERIFY, msg);
	refused(&x, TA_ERR_VERIFY, "certificate signature failure");
	assert_false(x.in.chain_checked);
	/* A self-signed F9 (a card of no CA) and the attestation it signed. */
	{
		X509 *self = cert("Yubico PIV Attestation", other_f9_key, NULL, NULL, true);
		char *sp = pem(self);
		char *b = att_pem(&(struct att){ .issuer = self, .ikey = other_f9_key });

		x = check(b, strlen(b), sp, strlen(sp), slot_key, NULL);
		accepted(&x); /* without a CA nothing says whose card it is */
		x = check(b, strlen(b), sp, strlen(sp), slot_key, ca_file);
		refused(&x, TA_ERR_VERIFY, "does not chain to a CA of");
		X509_free(self);
		free(sp);
		free(b);
	}
	/* F9 issued by the CA but not a CA itself. */
	{
		X509 *leafy = cert("Yubico PIV Attestation", other_f9_key, ca_cert, ca_key, false);
		char *sp = pem(leafy);
		char *b = att_pem(&(struct att){ .issuer = leafy, .ikey = other_f9_key });

		x = check(b, strlen(b), sp, strlen(sp), slot_key, ca_file);
		refused(&x, TA_ERR_VERIFY, "invalid CA certificate");
		X509_free(leafy);
		free(sp);
		free(b);
	}
	free(a);
}

static void
test_attest_ca_file_bad(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	char msg[256];
	struct res x = check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, not_pem_file);

	(void)state;
	(void)snprintf(msg, sizeof(msg), "'%s' is not a PEM bundle of CA certificates", not_pem_file);
	refused(&x, TA_ERR_INVALID, msg);
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, no_file);
	(void)snprintf(msg, sizeof(msg), "'%s' is not a PEM bundle of CA certificates", no_file);
	refused(&x, TA_ERR_INVALID, msg);
	free(a);
}

/* The attestation is good, of a key on the card, but not of the key asked
 * about. */
static void
test_attest_of_another_key(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	char *b = att_pem(&(struct att){ .key = other_key });
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct res x;

	(void)state;
	assert_non_null(ed);
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), other_key, NULL);
	refused(&x, TA_ERR_VERIFY, "the attestation is of another key");
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), other_key, ca_file);
	refused(&x, TA_ERR_VERIFY, "the attestation is of another key");
	assert_false(x.in.has_serial); /* nothing read from a refused attestation */
	x = check(b, strlen(b), f9_pem, strlen(f9_pem), slot_key, ca_file);
	refused(&x, TA_ERR_VERIFY, "the attestation is of another key");
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), ed, NULL);
	refused(&x, TA_ERR_VERIFY, "the attestation is of another key");
	/* The signer's own key is not the attested key either. */
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), f9_key, NULL);
	refused(&x, TA_ERR_VERIFY, "the attestation is of another key");
	/* And the right key still passes (the refusals are about the key). */
	x = check(b, strlen(b), f9_pem, strlen(f9_pem), other_key, ca_file);
	accepted(&x);
	EVP_PKEY_free(ed);
	free(a);
	free(b);
}

/* ---- the extensions ------------------------------------------------------- */

static void
test_attest_missing_serial(void **state)
{
	char *a = att_pem(&(struct att){ .set_serial = true, .serial = ABSENT });
	struct res x = check_att(a);

	(void)state;
	refused(&x, TA_ERR_FORMAT, "the attestation names no device serial");
	free(a);
	/* All four missing. */
	a = att_pem(&(struct att){ .set_fw = true, .fw = ABSENT, .set_serial = true,
	    .serial = ABSENT, .set_policy = true, .policy = ABSENT, .set_ff = true, .ff = ABSENT });
	x = check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, ca_file);
	refused(&x, TA_ERR_FORMAT, "the attestation names no device serial");
	free(a);
}

static void
test_attest_firmware_malformed(void **state)
{
	static const struct ext bad[] = {
		EXT(5, 4), EXT(5, 4, 3, 0), { .len = 0 },
		EXT(0x04, 0x03, 5, 4, 3), /* DER OCTET STRING around the 3 bytes */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a = att_pem(&(struct att){ .set_fw = true, .fw = bad[i] });
		struct res x = check_att(a);

		refused(&x, TA_ERR_FORMAT, "firmware version (" YK "3) is not 3 bytes");
		free(a);
	}
}

static void
test_attest_serial_malformed(void **state)
{
	static const struct ext bad[] = {
		EXT(0x00, 0xbc, 0x61, 0x4e),             /* 4 raw bytes, not DER */
		EXT(0x04, 0x03, 0xbc, 0x61, 0x4e),       /* an OCTET STRING */
		EXT(0x0c, 0x03, '1', '2', '3'),          /* a UTF8String */
		EXT(0x01, 0x01, 0xff),                   /* a BOOLEAN */
		EXT(0x02, 0x04, 0x00, 0xbc, 0x61),       /* truncated INTEGER */
		EXT(0x02, 0x04, 0x00, 0xbc, 0x61, 0x4e, 0x00), /* a byte after it */
		EXT(0x02, 0x01, 0x01, 0x02, 0x01, 0x02), /* two INTEGERs */
		EXT(0x02, 0x01, 0xff),                   /* -1 */
		EXT(0x02, 0x00),                         /* no content */
		EXT(0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00), /* 2^32 */
		EXT(0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /* 2^64-1 */
		EXT(0x02, 0x03, 0x00, 0x00, 0x01),       /* non-minimal */
		{ .len = 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a = att_pem(&(struct att){ .set_serial = true, .serial = bad[i] });
		struct res x = check_att(a);

		if (x.r != TA_ERR_FORMAT)
			fail_msg("serial case %zu: %s '%s'", i, ta_errname(x.r), x.why);
		refused(&x, TA_ERR_FORMAT, "device serial (" YK "7) is not an INTEGER of 0..4294967295");
		free(a);
	}
}

static void
test_attest_policy_malformed(void **state)
{
	static const struct ext bad[] = { EXT(2), EXT(2, 1, 0), { .len = 0 }, EXT(0x04, 0x02, 2, 1) };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a = att_pem(&(struct att){ .set_policy = true, .policy = bad[i] });
		struct res x = check_att(a);

		refused(&x, TA_ERR_FORMAT, "PIN and touch policy (" YK "8) is not 2 bytes");
		free(a);
	}
}

static void
test_attest_form_factor_malformed(void **state)
{
	static const struct ext bad[] = { { .len = 0 }, EXT(1, 0), EXT(0x02, 0x01, 0x01) };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a = att_pem(&(struct att){ .set_ff = true, .ff = bad[i] });
		struct res x = check_att(a);

		refused(&x, TA_ERR_FORMAT, "form factor (" YK "9) is not 1 byte");
		free(a);
	}
}

static void
test_attest_extension_twice(void **state)
{
	static const int num[] = { 3, 7, 8, 9 };

	(void)state;
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		char *a = att_pem(&(struct att){ .twice = num[i] });
		char msg[80];
		struct res x = check_att(a);

		(void)snprintf(msg, sizeof(msg), "the attestation has extension " YK "%d twice",
		    num[i]);
		refused(&x, TA_ERR_FORMAT, msg);
		free(a);
	}
}

/* ---- the PEM -------------------------------------------------------------- */

static void
test_attest_pem_truncated(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	size_t n = strlen(a), m = strlen(f9_pem);
	/* Cut in the BEGIN line, after it, in the body, before END, in END,
	 * before the final newline. */
	size_t cut_a[] = { 1, 20, 28, n / 2, n - 26, n - 10, n - 1 };
	size_t cut_s[] = { 1, 20, 28, m / 2, m - 26, m - 10, m - 1 };
	struct res x;

	(void)state;
	for (size_t i = 0; i < sizeof(cut_a) / sizeof(cut_a[0]); i++) {
		x = check(a, cut_a[i], f9_pem, m, slot_key, NULL);
		refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
		x = check(a, n, f9_pem, cut_s[i], slot_key, NULL);
		refused(&x, TA_ERR_FORMAT, "the signer is not a PEM certificate");
	}
	/* A whole body line dropped: a good PEM block of a truncated DER. */
	{
		char *nl = strchr(a + 28, '\n');
		char *cut = tu_fmt("%.*s%s", (int)(nl - a + 1), a, strchr(nl + 1, '\n') + 1);

		x = check_att(cut);
		refused(&x, TA_ERR_FORMAT, "the attestation's PEM block is not one X.509 certificate");
		free(cut);
	}
	/* Half a body line dropped: laid out as nobody writes it. */
	{
		char *nl = strchr(a + 28, '\n');
		char *cut = tu_fmt("%.*s%s", (int)(nl - a + 1), a, nl + 33);

		x = check_att(cut);
		refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
		free(cut);
	}
	free(a);
}

static void
test_attest_pem_trailing(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	char *s;
	struct res x;

	(void)state;
	s = tu_fmt("%sx", a);
	x = check_att(s);
	refused(&x, TA_ERR_TRAILING, "the attestation has 1 byte after its PEM certificate");
	free(s);
	s = tu_fmt("%s\n", a);
	x = check_att(s);
	refused(&x, TA_ERR_TRAILING, "the attestation has 1 byte after its PEM certificate");
	free(s);
	/* Two certificates: only one is checked, so neither is taken. */
	s = tu_fmt("%s%s", a, f9_pem);
	x = check_att(s);
	refused(&x, TA_ERR_TRAILING, "the attestation has");
	free(s);
	s = tu_fmt("%s%s", f9_pem, ca_pem);
	x = check(a, strlen(a), s, strlen(s), slot_key, NULL);
	refused(&x, TA_ERR_TRAILING, "the signer has");
	free(s);
	/* A NUL after the block (att_len counts it). */
	x = check(a, strlen(a) + 1, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TRAILING, "the attestation has 1 byte after its PEM certificate");
	free(a);
}

static void
test_attest_not_pem(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	X509 *x509 = att_x509(&(struct att){ 0 });
	unsigned char *der = NULL;
	int der_len = i2d_X509(x509, &der);
	char *s, *crlf;
	size_t j = 0;
	struct res x;

	(void)state;
	assert_true(der_len > 0);
	/* DER, not PEM. */
	x = check((const char *)der, (size_t)der_len, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	x = check_att("hello, world\n");
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	/* Text before the block. */
	s = tu_fmt("junk\n%s", a);
	x = check_att(s);
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	free(s);
	/* Another block type. */
	s = tu_fmt("-----BEGIN X509 CERTIFICATE-----%s", strchr(a, '\n'));
	x = check_att(s);
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	free(s);
	/* CRLF lines. */
	assert_non_null(crlf = calloc(2 * strlen(a) + 1, 1));
	for (size_t i = 0; a[i] != '\0'; i++) {
		if (a[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = a[i];
	}
	x = check_att(crlf);
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	free(crlf);
	/* A well-formed PEM block whose bytes are not a certificate. */
	{
		static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		uint8_t *two = malloc((size_t)der_len + 2);
		char *p = NULL;
		size_t len = 0;

		assert_int_equal(ta_pem_encode("CERTIFICATE", junk, sizeof(junk), &p, &len), 0);
		x = check_att(p);
		refused(&x, TA_ERR_FORMAT, "the attestation's PEM block is not one X.509 certificate");
		free(p);
		/* A certificate and a byte more inside the block. */
		assert_non_null(two);
		memcpy(two, der, (size_t)der_len);
		two[der_len] = 0x05;
		two[der_len + 1] = 0x00;
		assert_int_equal(ta_pem_encode("CERTIFICATE", two, (size_t)der_len + 2, &p, &len), 0);
		x = check_att(p);
		refused(&x, TA_ERR_FORMAT, "the attestation's PEM block is not one X.509 certificate");
		x = check(a, strlen(a), p, len, slot_key, NULL);
		refused(&x, TA_ERR_FORMAT, "the signer's PEM block is not one X.509 certificate");
		free(p);
		free(two);
	}
	OPENSSL_free(der);
	X509_free(x509);
	free(a);
}

static void
test_attest_oversized(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	size_t big = 65537;
	char *s = malloc(big);
	struct res x;

	(void)state;
	assert_int_equal(TA_PROTO_PEM_MAX, 65536);
	assert_non_null(s);
	/* A good attestation, then spaces up to one byte over the limit. */
	memset(s, ' ', big);
	for (size_t i = 0; a[i] != '\0'; i++)
		s[i] = a[i];
	x = check(s, big, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TOO_LARGE, "the attestation is over 65536 bytes");
	x = check(a, strlen(a), s, big, slot_key, NULL);
	refused(&x, TA_ERR_TOO_LARGE, "the signer is over 65536 bytes");
	/* At the limit it is read, and refused for what follows the block. */
	x = check(s, big - 1, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TRAILING, "the attestation has");
	/* Lengths that would not fit an int. */
	x = check(s, (size_t)1 << 32, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TOO_LARGE, "the attestation is over 65536 bytes");
	x = check(s, SIZE_MAX, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TOO_LARGE, "the attestation is over 65536 bytes");
	free(s);
	free(a);
}

static void
test_attest_empty(void **state)
{
	char *a = att_pem(&(struct att){ 0 });
	struct res x;

	(void)state;
	x = check("", 0, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TRUNCATED, "the attestation is empty");
	x = check(NULL, 0, f9_pem, strlen(f9_pem), slot_key, NULL);
	refused(&x, TA_ERR_TRUNCATED, "the attestation is empty");
	x = check(a, strlen(a), "", 0, slot_key, NULL);
	refused(&x, TA_ERR_TRUNCATED, "the signer is empty");
	x = check(a, strlen(a), NULL, 0, slot_key, NULL);
	refused(&x, TA_ERR_TRUNCATED, "the signer is empty");
	x = check_att("\n");
	refused(&x, TA_ERR_FORMAT, "the attestation is not a PEM certificate");
	free(a);
}

/* why is cut to its size, and never written past it. */
static void
test_attest_why_small(void **state)
{
	char *a = att_pem(&(struct att){ .key = other_key });
	struct att_info in;
	char why[8];
	int r;

	(void)state;
	memset(why, 'x', sizeof(why));
	r = att_check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, NULL, &in, why, 5);
	assert_int_equal(r, TA_ERR_VERIFY);
	assert_string_equal(why, "the ");
	assert_int_equal(why[5], 'x');
	memset(why, 'x', sizeof(why));
	r = att_check(a, strlen(a), f9_pem, strlen(f9_pem), slot_key, NULL, &in, why, 0);
	assert_int_equal(r, TA_ERR_VERIFY);
	assert_int_equal(why[0], 'x');
	free(a);
}

/* ---- tufctl key attest, with the agent's answers made here ---------------- */

/* client/attest.o calls into tufctl.c and agent_api.c, whose sockets and
 * main() are not wanted here: these stand in for them.  The agent shows
 * show_key as the label's key and answers key.attest with (answer_att,
 * answer_signer). */
struct tufctl_opts tufctl;
static EVP_PKEY *show_key;
static const char *answer_att, *answer_signer;
static char failed[1024];

int
tufctl_getopt(int argc, char **argv, const char *shorts, const struct option *lo,
    const char *usage)
{
	(void)usage;
	return getopt_long(argc, argv, shorts, lo, NULL);
}

int
tufctl_usage(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return TUFCTL_USAGE;
}

int
tufctl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(failed, sizeof(failed), fmt, ap);
	va_end(ap);
	return TUFCTL_FAIL;
}

int
tufctl_print_json(const json_t *o)
{
	(void)o;
	return TUFCTL_OK;
}

int
tufctl_stdout_done(void)
{
	return TUFCTL_OK;
}

int
tufctl_agent_key_show(struct tufctl_agent *a, const struct ta_proto_key_show *p,
    json_t **ret_result, struct ta_proto_key_show_result *ret)
{
	unsigned char *spki = NULL;
	int n = i2d_PUBKEY(show_key, &spki);
	struct ta_key *k = NULL;
	json_t *o = NULL;

	(void)a;
	(void)p;
	assert_true(n > 0);
	assert_int_equal(ta_key_from_spki(TA_PROFILE_TUF, spki, (size_t)n, &k), 0);
	assert_int_equal(ta_key_to_json(k, &o), 0);
	memset(ret, 0, sizeof(*ret));
	ret->profile = TA_PROTO_PROFILE_TUF;
	ret->key = o;
	*ret_result = o;
	ta_key_free(k);
	OPENSSL_free(spki);
	return 0;
}

int
tufctl_agent_key_attest(struct tufctl_agent *a, const struct ta_proto_key_attest *p,
    json_t **ret_result, struct ta_proto_key_attest_result *ret)
{
	(void)a;
	(void)p;
	*ret_result = json_pack("{ssss}", "attestation", answer_att, "signer", answer_signer);
	assert_non_null(*ret_result);
	ret->attestation = answer_att;
	ret->attestation_len = strlen(answer_att);
	ret->signer = answer_signer;
	ret->signer_len = strlen(answer_signer);
	return 0;
}

static int
key_attest(const char *ca)
{
	char *argv[] = { "attest", "--label", "yk-9a", "--ca", (char *)(uintptr_t)ca, NULL };

	failed[0] = '\0';
	return tufctl_key_attest(ca != NULL ? 5 : 3, argv);
}

static void
test_attest_command_another_key(void **state)
{
	char *a = att_pem(&(struct att){ 0 });

	(void)state;
	answer_att = a;
	answer_signer = f9_pem;
	show_key = slot_key;
	assert_int_equal(key_attest(ca_file), TUFCTL_OK);
	assert_string_equal(failed, "");
	/* The agent shows another key for the label than the card attests. */
	show_key = other_key;
	assert_int_equal(key_attest(ca_file), TUFCTL_FAIL);
	assert_string_equal(failed, "key attest: key 'yk-9a': the attestation is of another key");
	assert_int_equal(key_attest(NULL), TUFCTL_FAIL);
	assert_string_equal(failed, "key attest: key 'yk-9a': the attestation is of another key");
	/* And the refusals of att_check reach the command's line. */
	show_key = slot_key;
	answer_signer = other_f9_pem;
	assert_int_equal(key_attest(NULL), TUFCTL_FAIL);
	assert_string_equal(failed, "key attest: key 'yk-9a': the attestation is not signed by its "
				    "signer (slot F9) certificate");
	answer_signer = f9_pem;
	assert_int_equal(key_attest(other_ca_file), TUFCTL_FAIL);
	assert_non_null(strstr(failed, "key attest: key 'yk-9a': the attestation does not chain"));
	free(a);
}

/* ---- fuzz seeds ----------------------------------------------------------- */

/* fuzz/attest_fuzz.c's input: the attestation's PEM, a NUL, the signer's. */
static void
seed(const char *dir, const char *name, const char *a, size_t alen, const char *s, size_t slen)
{
	char path[512];
	char *buf = malloc(alen + 1 + slen);
	FILE *f;

	assert_non_null(buf);
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	memcpy(buf + alen + 1, s, slen);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, alen + 1 + slen, f), alen + 1 + slen);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

/* The DER form of the target's input: an attestation it signs again. */
static void
seed_der(const char *dir, const char *name, const struct att *a)
{
	X509 *x = att_x509(a);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char path[512];
	FILE *f;

	assert_true(n > 0 && der[0] == 0x30);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(der, 1, (size_t)n, f), n);
	assert_int_equal(fclose(f), 0);
	OPENSSL_free(der);
	X509_free(x);
}

static int
write_seeds(const char *dir)
{
	char *good, *older, *bad_serial, *bad_policy, *two;
	void *state = NULL;

	if (group_setup(&state) != 0)
		return 1;
	good = att_pem(&(struct att){ 0 });
	older = att_pem(&(struct att){ .cn = "YubiKey PIV Attestation 9e", .set_fw = true,
	    .fw = ABSENT, .set_policy = true, .policy = EXT(3, 3), .set_ff = true, .ff = ABSENT });
	bad_serial = att_pem(&(struct att){ .set_serial = true, .serial = EXT(0x04, 0x01, 0x01) });
	bad_policy = att_pem(&(struct att){ .set_policy = true, .policy = EXT(9, 9, 9) });
	two = att_pem(&(struct att){ .twice = 8 });
	seed(dir, "good", good, strlen(good), f9_pem, strlen(f9_pem));
	seed(dir, "good-older", older, strlen(older), f9_pem, strlen(f9_pem));
	seed(dir, "wrong-signer", good, strlen(good), other_f9_pem, strlen(other_f9_pem));
	seed(dir, "bad-serial", bad_serial, strlen(bad_serial), f9_pem, strlen(f9_pem));
	seed(dir, "bad-policy", bad_policy, strlen(bad_policy), f9_pem, strlen(f9_pem));
	seed(dir, "ext-twice", two, strlen(two), f9_pem, strlen(f9_pem));
	seed(dir, "truncated-att", good, strlen(good) / 2, f9_pem, strlen(f9_pem));
	seed(dir, "truncated-signer", good, strlen(good), f9_pem, strlen(f9_pem) - 30);
	seed(dir, "trailing", good, strlen(good), f9_pem, strlen(f9_pem) + 1);
	seed_der(dir, "der-good", &(struct att){ 0 });
	seed_der(dir, "der-older", &(struct att){ .cn = "YubiKey PIV Attestation 9c",
	    .set_fw = true, .fw = ABSENT, .set_ff = true, .ff = ABSENT });
	seed_der(dir, "der-bad-serial", &(struct att){ .set_serial = true,
	    .serial = EXT(0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00) });
	seed_der(dir, "der-unknown-policy", &(struct att){ .set_policy = true, .policy = EXT(4, 5) });
	free(good);
	free(older);
	free(bad_serial);
	free(bad_policy);
	free(two);
	return group_teardown(&state) != 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attest_good_fields),
		cmocka_unit_test(test_attest_good_with_ca),
		cmocka_unit_test(test_attest_every_policy),
		cmocka_unit_test(test_attest_unknown_policy_value),
		cmocka_unit_test(test_attest_optional_absent),
		cmocka_unit_test(test_attest_serial_range),
		cmocka_unit_test(test_attest_info_json),
		cmocka_unit_test(test_attest_wrong_signer),
		cmocka_unit_test(test_attest_ca_did_not_issue_f9),
		cmocka_unit_test(test_attest_ca_file_bad),
		cmocka_unit_test(test_attest_of_another_key),
		cmocka_unit_test(test_attest_missing_serial),
		cmocka_unit_test(test_attest_firmware_malformed),
		cmocka_unit_test(test_attest_serial_malformed),
		cmocka_unit_test(test_attest_policy_malformed),
		cmocka_unit_test(test_attest_form_factor_malformed),
		cmocka_unit_test(test_attest_extension_twice),
		cmocka_unit_test(test_attest_pem_truncated),
		cmocka_unit_test(test_attest_pem_trailing),
		cmocka_unit_test(test_attest_not_pem),
		cmocka_unit_test(test_attest_oversized),
		cmocka_unit_test(test_attest_empty),
		cmocka_unit_test(test_attest_why_small),
		cmocka_unit_test(test_attest_command_another_key),
	};

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
