/* YubiKey PIV attestations (client/attest.c, att_check()): the PEM of an
 * attestation and of its signer (slot F9), as tufctl key attest gets them
 * from the agent and a ceremony plan carries them.
 *
 * Input: the attestation's bytes, a NUL, the signer's bytes (no NUL: the
 * same bytes for both); or, when the first byte is 0x30, an attestation
 * in DER, signed again here by a signer of the target's own so that
 * mutations of its extensions reach their parser instead of failing the
 * signature.  Seeds are written by tests/unit/test_attest --seeds DIR.
 *
 * Invariants: the answer is one of att_check()'s codes, and the same for
 * the same bytes; a refusal says why on one line, an acceptance says
 * nothing; why is cut to any size without being overrun; what is accepted
 * ends with the END line and has a serial of 32 bits, a firmware
 * "A.B.C", known policy values, a slot of at most 7 characters, and its
 * JSON form; and it is refused for a key other than its own ("of another
 * key") and accepted again for its own. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "client/agent_api.h"
#include "client/attest.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/encoding.h"

#define FUZZ_NAME "attest_fuzz"
#include "fuzz/fuzz.h"

/* client/attest.o's tufctl key attest calls into tufctl.c and
 * agent_api.c; this target never runs it. */
struct tufctl_opts tufctl;

int
tufctl_getopt(int argc, char **argv, const char *shorts, const struct option *lo,
    const char *usage)
{
	(void)argc;
	(void)argv;
	(void)shorts;
	(void)lo;
	(void)usage;
	abort();
}

int
tufctl_usage(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	abort();
}

int
tufctl_fail(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

int
tufctl_print_json(const json_t *o)
{
	(void)o;
	abort();
}

int
tufctl_stdout_done(void)
{
	abort();
}

int
tufctl_agent_key_show(struct tufctl_agent *a, const struct ta_proto_key_show *p,
    json_t **ret_result, struct ta_proto_key_show_result *ret)
{
	(void)a;
	(void)p;
	(void)ret_result;
	(void)ret;
	abort();
}

int
tufctl_agent_key_attest(struct tufctl_agent *a, const struct ta_proto_key_attest *p,
    json_t **ret_result, struct ta_proto_key_attest_result *ret)
{
	(void)a;
	(void)p;
	(void)ret_result;
	(void)ret;
	abort();
}

static bool
known(int r)
{
	return r == 0 || r == TA_ERR_TRUNCATED || r == TA_ERR_TOO_LARGE || r == TA_ERR_TRAILING ||
	       r == TA_ERR_FORMAT || r == TA_ERR_VERIFY || r == TA_ERR_NOMEM;
}

/* "A.B.C", each 0..255 in decimal. */
static bool
version(const char *s)
{
	for (int i = 0; i < 3; i++) {
		char *end;
		unsigned long v;

		if (*s < '0' || *s > '9')
			return false;
		v = strtoul(s, &end, 10);
		if (v > 255 || *end != (i < 2 ? '.' : '\0'))
			return false;
		s = end + (i < 2);
	}
	return true;
}

/* The accepted fields hold what the header says they can. */
static void
fields(const struct att_info *in)
{
	json_t *o = json_object();

	REQUIRE(in->has_serial && in->serial <= UINT32_MAX);
	REQUIRE(in->firmware[0] == '\0' || version(in->firmware));
	REQUIRE(in->pin >= ATT_PIN_UNKNOWN && in->pin <= ATT_PIN_ALWAYS);
	REQUIRE(in->touch >= ATT_TOUCH_UNKNOWN && in->touch <= ATT_TOUCH_CACHED);
	REQUIRE(in->form_factor >= -1 && in->form_factor <= 255);
	REQUIRE(strnlen(in->slot, sizeof(in->slot)) < sizeof(in->slot));
	REQUIRE(!in->chain_checked);
	REQUIRE(o != NULL && att_info_json(in, o) == 0);
	REQUIRE(json_integer_value(json_object_get(o, "serial")) == (json_int_t)in->serial);
	REQUIRE(strcmp(json_string_value(json_object_get(o, "pin_policy")), att_pin_name(in->pin)) ==
		0);
	json_decref(o);
}

/* One pair through att_check(), held to the invariants above. */
static void
one(const char *att, size_t att_len, const char *sig, size_t sig_len)
{
	static EVP_PKEY *other;
	struct att_info in, in2;
	char why[512], why2[512], small[16];
	EVP_PKEY *own = NULL;
	X509 *x = NULL;
	BIO *b;
	int r, r2;

	if (other == NULL && (other = EVP_EC_gen("P-256")) == NULL)
		abort();
	r = att_check(att, att_len, sig, sig_len, NULL, NULL, &in, why, sizeof(why));
	REQUIRE(known(r));
	REQUIRE(memchr(why, '\0', sizeof(why)) != NULL && strchr(why, '\n') == NULL);
	REQUIRE((r == 0) == (why[0] == '\0'));
	r2 = att_check(att, att_len, sig, sig_len, NULL, NULL, &in2, why2, sizeof(why2));
	REQUIRE(r2 == r && strcmp(why, why2) == 0);
	memset(small, 'x', sizeof(small));
	r2 = att_check(att, att_len, sig, sig_len, NULL, NULL, &in2, small, 8);
	REQUIRE(r2 == r && small[8] == 'x' && strlen(small) < 8 && strncmp(small, why, 7) == 0);
	if (r != 0)
		return;

	fields(&in);
	REQUIRE(att_len > 26 && memcmp(att + att_len - 26, "-----END CERTIFICATE-----\n", 26) == 0);
	/* Of its own key, not of another. */
	r2 = att_check(att, att_len, sig, sig_len, other, NULL, &in2, why2, sizeof(why2));
	REQUIRE(r2 == TA_ERR_VERIFY && strcmp(why2, "the attestation is of another key") == 0);
	REQUIRE((b = BIO_new_mem_buf(att, (int)att_len)) != NULL);
	REQUIRE((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL);
	/* (A key OpenSSL cannot read is no key's: refused above.) */
	if ((own = X509_get_pubkey(x)) != NULL) {
		r2 = att_check(att, att_len, sig, sig_len, own, NULL, &in2, why2, sizeof(why2));
		REQUIRE(r2 == 0 && in2.serial == in.serial && strcmp(in2.slot, in.slot) == 0);
	}
	EVP_PKEY_free(own);
	X509_free(x);
	BIO_free(b);
}

/* The DER form: a signer made here once (its key and its PEM). */
static EVP_PKEY *f9_key;
static char *f9_pem;
static size_t f9_len;

static void
make_f9(void)
{
	X509 *x = X509_new();
	unsigned char *der = NULL;
	int n;

	REQUIRE((f9_key = EVP_EC_gen("P-256")) != NULL && x != NULL);
	REQUIRE(X509_set_version(x, X509_VERSION_3) == 1 &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
		(const unsigned char *)"Yubico PIV Attestation", -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, X509_get_subject_name(x)) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL && X509_set_pubkey(x, f9_key) == 1 &&
	    X509_sign(x, f9_key, EVP_sha256()) > 0);
	REQUIRE((n = i2d_X509(x, &der)) > 0);
	REQUIRE(ta_pem_encode("CERTIFICATE", der, (size_t)n, &f9_pem, &f9_len) == 0);
	OPENSSL_free(der);
	X509_free(x);
}

/* A DER certificate, signed again by the signer made here, so that what
 * it says past its signature (the extensions, the subject, the key) is
 * read rather than refused for the signature. */
static void
der(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)size);
	unsigned char *out = NULL;
	char *pem = NULL;
	size_t pem_len = 0;
	int n;

	if (f9_key == NULL)
		make_f9();
	if (x != NULL && X509_sign(x, f9_key, EVP_sha256()) > 0 && (n = i2d_X509(x, &out)) > 0 &&
	    ta_pem_encode("CERTIFICATE", out, (size_t)n, &pem, &pem_len) == 0)
		one(pem, pem_len, f9_pem, f9_len);
	free(pem);
	OPENSSL_free(out);
	X509_free(x);
	ERR_clear_error();
}

/* Input: a DER certificate (its first byte 0x30: a SEQUENCE), or the
 * attestation's bytes, a NUL and the signer's (no NUL: the same bytes for
 * both). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *att = (const char *)data;
	const uint8_t *nul;

	if (size > 0 && data[0] == 0x30) {
		der(data, size);
		return 0;
	}
	if ((nul = memchr(data, '\0', size)) == NULL)
		one(att, size, att, size);
	else
		one(att, (size_t)(nul - data), (const char *)nul + 1, size - (size_t)(nul - data) - 1);
	return 0;
}
