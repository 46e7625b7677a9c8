/* YubiKey PIV attestation, checked (client/attest.h), and tufctl key
 * attest. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "client/agent_api.h"
#include "client/attest.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/encoding.h"
#include "tuf/key.h"

#define YK_OID "1.3.6.1.4.1.41482.3."
#define CN_PREFIX "YubiKey PIV Attestation "

static int fail(char *why, size_t len, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *why, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return r;
}

/* what ("attestation", "signer") as one PEM certificate, exactly as the
 * agent writes it (ta_pem_encode()) and nothing after it: a parser that
 * skipped text around the block, or read the first of several, would
 * check one certificate and let a plan carry others. */
static int
cert_of(const char *what, const char *pem, size_t len, X509 **ret, char *why, size_t why_len)
{
	const unsigned char *p;
	uint8_t *der = NULL;
	size_t der_len = 0, used = 0;
	X509 *x = NULL;
	int r;

	if (pem == NULL || len == 0)
		return fail(why, why_len, TA_ERR_TRUNCATED, "the %s is empty", what);
	if (len > TA_PROTO_PEM_MAX)
		return fail(why, why_len, TA_ERR_TOO_LARGE, "the %s is over %d bytes", what,
		    TA_PROTO_PEM_MAX);
	if ((r = ta_pem_decode("CERTIFICATE", pem, len, false, &der, &der_len, &used)) != 0)
		return fail(why, why_len, r == TA_ERR_NOMEM ? r : TA_ERR_FORMAT,
		    "the %s is not a PEM certificate", what);
	if (used != len) {
		r = fail(why, why_len, TA_ERR_TRAILING,
		    "the %s has %zu byte%s after its PEM certificate", what, len - used,
		    len - used == 1 ? "" : "s");
		goto out;
	}
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
		r = fail(why, why_len, TA_ERR_FORMAT, "the %s's PEM block is not one X.509 certificate",
		    what);
		goto out;
	}
	*ret = x;
	x = NULL;
	r = 0;
out:
	X509_free(x);
	free(der);
	return r;
}

/* Yubico extension n of x: 0 and *ret its contents (NULL when absent), or
 * TA_ERR_FORMAT when it is there twice. */
static int
yk_ext(const X509 *x, int n, const ASN1_OCTET_STRING **ret, char *why, size_t why_len)
{
	char oid[32];
	ASN1_OBJECT *o;
	int i, j;

	*ret = NULL;
	(void)snprintf(oid, sizeof(oid), YK_OID "%d", n);
	if ((o = OBJ_txt2obj(oid, 1)) == NULL)
		return fail(why, why_len, TA_ERR_NOMEM, "out of memory");
	i = X509_get_ext_by_OBJ(x, o, -1);
	j = i < 0 ? -1 : X509_get_ext_by_OBJ(x, o, i);
	ASN1_OBJECT_free(o);
	if (j >= 0)
		return fail(why, why_len, TA_ERR_FORMAT, "the attestation has extension %s twice", oid);
	if (i >= 0)
		*ret = X509_EXTENSION_get_data(X509_get_ext(x, i));
	return 0;
}

/* Yubico's extensions into in.  Each one is optional (older firmware has
 * fewer), but one that is there must have its documented shape: a device
 * that wrote something else is not one whose policies we know.  Policy
 * values past 3 (newer devices) read as unknown, which meets no
 * requirement. */
static int
read_exts(const X509 *x, struct att_info *in, char *why, size_t why_len)
{
	const ASN1_OCTET_STRING *e;
	const unsigned char *p;
	char cn[128] = "";
	int r;

	if ((r = yk_ext(x, 3, &e, why, why_len)) != 0)
		return r;
	if (e != NULL && ASN1_STRING_length(e) != 3)
		return fail(why, why_len, TA_ERR_FORMAT, "the attestation's firmware version "
							 "(" YK_OID "3) is not 3 bytes");
	if (e != NULL) {
		p = ASN1_STRING_get0_data(e);
		(void)snprintf(in->firmware, sizeof(in->firmware), "%u.%u.%u", p[0], p[1], p[2]);
	}
	if ((r = yk_ext(x, 7, &e, why, why_len)) != 0)
		return r;
	if (e != NULL) {
		/* A DER INTEGER, alone in the octet string; the card's serial
		 * (GET SERIAL) is 4 bytes. */
		const unsigned char *q = ASN1_STRING_get0_data(e);
		ASN1_INTEGER *n = d2i_ASN1_INTEGER(NULL, &q, ASN1_STRING_length(e));
		uint64_t v = 0;
		bool ok = n != NULL && q == ASN1_STRING_get0_data(e) + ASN1_STRING_length(e);

		ok = ok && ASN1_INTEGER_get_uint64(&v, n) == 1 && v <= UINT32_MAX;
		ASN1_INTEGER_free(n);
		if (!ok)
			return fail(why, why_len, TA_ERR_FORMAT, "the attestation's device serial "
								 "(" YK_OID "7) is not an INTEGER "
								 "of 0..4294967295");
		in->serial = v;
		in->has_serial = true;
	}
	if ((r = yk_ext(x, 8, &e, why, why_len)) != 0)
		return r;
	if (e != NULL && ASN1_STRING_length(e) != 2)
		return fail(why, why_len, TA_ERR_FORMAT, "the attestation's PIN and touch policy "
							 "(" YK_OID "8) is not 2 bytes");
	if (e != NULL) {
		p = ASN1_STRING_get0_data(e);
		in->pin = p[0] >= 1 && p[0] <= 3 ? (enum att_pin)p[0] : ATT_PIN_UNKNOWN;
		in->touch = p[1] >= 1 && p[1] <= 3 ? (enum att_touch)p[1] : ATT_TOUCH_UNKNOWN;
	}
	if ((r = yk_ext(x, 9, &e, why, why_len)) != 0)
		return r;
	if (e != NULL && ASN1_STRING_length(e) != 1)
		return fail(why, why_len, TA_ERR_FORMAT, "the attestation's form factor "
							 "(" YK_OID "9) is not 1 byte");
	if (e != NULL)
		in->form_factor = ASN1_STRING_get0_data(e)[0];
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)) > 0 &&
	    strncmp(cn, CN_PREFIX, strlen(CN_PREFIX)) == 0 &&
	    strlen(cn + strlen(CN_PREFIX)) < sizeof(in->slot))
		(void)snprintf(in->slot, sizeof(in->slot), "%s", cn + strlen(CN_PREFIX));
	return 0;
}

/* leaf through signer to a certificate of ca_file, dates not checked. */
static int
chain(X509 *leaf, X509 *signer, const char *ca_file, char *why, size_t why_len)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int r = TA_ERR_NOMEM;

	if (st == NULL || ctx == NULL || untrusted == NULL || !sk_X509_push(untrusted, signer))
		goto out;
	if (X509_STORE_load_file(st, ca_file) != 1) {
		r = fail(why, why_len, TA_ERR_INVALID, "'%s' is not a PEM bundle of CA certificates",
		    ca_file);
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, st, leaf, untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1)
		r = fail(why, why_len, TA_ERR_VERIFY,
		    "the attestation does not chain to a CA of '%s': %s", ca_file,
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	else
		r = 0;
out:
	sk_X509_free(untrusted); /* signer is the caller's */
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return r;
}

int
att_check(const char *att, size_t att_len, const char *signer, size_t signer_len,
    const EVP_PKEY *key, const char *ca_file, struct att_info *out, char *why, size_t why_len)
{
	X509 *leaf = NULL, *sig = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->form_factor = -1;
	if (why_len > 0)
		why[0] = '\0';
	if ((r = cert_of("attestation", att, att_len, &leaf, why, why_len)) != 0 ||
	    (r = cert_of("signer", signer, signer_len, &sig, why, why_len)) != 0)
		goto out;
	if (X509_verify(leaf, X509_get0_pubkey(sig)) != 1)
		r = fail(why, why_len, TA_ERR_VERIFY, "the attestation is not signed by its signer "
						      "(slot F9) certificate");
	else if (key != NULL && EVP_PKEY_eq(X509_get0_pubkey(leaf), key) != 1)
		r = fail(why, why_len, TA_ERR_VERIFY, "the attestation is of another key");
	else if (ca_file != NULL)
		r = chain(leaf, sig, ca_file, why, why_len);
	if (r == 0 && (r = read_exts(leaf, out, why, why_len)) == 0) {
		out->chain_checked = ca_file != NULL;
		if (!out->has_serial)
			r = fail(why, why_len, TA_ERR_FORMAT, "the attestation names no device serial");
	}
out:
	X509_free(leaf);
	X509_free(sig);
	ERR_clear_error();
	return r;
}

static const char *const pin_names[] = { "unknown", "never", "once", "always" };
static const char *const touch_names[] = { "unknown", "never", "always", "cached" };

const char *
att_pin_name(enum att_pin p)
{
	return pin_names[(unsigned)p < 4 ? p : 0];
}

const char *
att_touch_name(enum att_touch t)
{
	return touch_names[(unsigned)t < 4 ? t : 0];
}

bool
att_pin_from_name(const char *s, enum att_pin *ret)
{
	for (int i = 1; i < 4; i++)
		if (s != NULL && strcmp(s, pin_names[i]) == 0) {
			*ret = (enum att_pin)i;
			return true;
		}
	return false;
}

bool
att_touch_from_name(const char *s, enum att_touch *ret)
{
	for (int i = 1; i < 4; i++)
		if (s != NULL && strcmp(s, touch_names[i]) == 0) {
			*ret = (enum att_touch)i;
			return true;
		}
	return false;
}

bool
att_pin_at_least(enum att_pin have, enum att_pin want)
{
	return have != ATT_PIN_UNKNOWN && have >= want; /* never < once < always */
}

bool
att_touch_at_least(enum att_touch have, enum att_touch want)
{
	/* never < cached < always */
	static const int rank[] = { -1, 0, 2, 1 };

	return have != ATT_TOUCH_UNKNOWN && rank[have] >= rank[want];
}

int
att_info_json(const struct att_info *in, json_t *o)
{
	bool ok = json_object_set_new(o, "slot", json_string(in->slot)) == 0 &&
		  json_object_set_new(o, "serial", json_integer((json_int_t)in->serial)) == 0 &&
		  json_object_set_new(o, "firmware", json_string(in->firmware)) == 0 &&
		  json_object_set_new(o, "pin_policy", json_string(att_pin_name(in->pin))) == 0 &&
		  json_object_set_new(o, "touch_policy", json_string(att_touch_name(in->touch))) == 0 &&
		  json_object_set_new(o, "form_factor", in->form_factor < 0 ? json_null() :
						json_integer(in->form_factor)) == 0;

	return ok ? 0 : TA_ERR_NOMEM;
}

/* ---- tufctl key attest ------------------------------------------------------------- */

/* The key's public key, from the agent (key.show, TUF profile: the plain key). */
static EVP_PKEY *
agent_pkey(const char *label)
{
	struct ta_proto_key_show q = { .profile = TA_PROTO_PROFILE_TUF };
	struct ta_proto_key_show_result kr;
	struct ta_key *k = NULL;
	json_t *res = NULL;
	EVP_PKEY *pk = NULL;

	memcpy(q.key, label, strlen(label) + 1);
	if (tufctl_agent_key_show(NULL, &q, &res, &kr) != 0)
		return NULL;
	if (ta_key_from_json(TA_PROFILE_TUF, kr.key, &k) == 0 && EVP_PKEY_up_ref(ta_key_pkey(k)) == 1)
		pk = ta_key_pkey(k);
	ta_key_free(k);
	json_decref(res);
	return pk;
}

int
tufctl_key_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "ca", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: tufctl key attest --label L [--ca FILE] [--json]\n";
	struct ta_proto_key_attest q = { .key = "" };
	struct ta_proto_key_attest_result ar;
	struct att_info in;
	const char *label = NULL, *ca = NULL;
	json_t *res = NULL, *o = NULL;
	EVP_PKEY *pk = NULL;
	char why[512];
	int ch, rc = TUFCTL_FAIL;

	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (ch) {
		case 'l': label = optarg; break;
		case 'c': ca = optarg; break;
		default: return tufctl_usage("key attest", "unknown option or missing value");
		}
	}
	if (optind != argc || label == NULL || label[0] == '\0' || strlen(label) >= sizeof(q.key))
		return tufctl_usage("key attest", "--label L is required (1..%zu bytes)",
		    sizeof(q.key) - 1);
	memcpy(q.key, label, strlen(label) + 1);
	if ((pk = agent_pkey(label)) == NULL)
		return TUFCTL_FAIL;
	if (tufctl_agent_key_attest(NULL, &q, &res, &ar) != 0)
		goto out;
	if (att_check(ar.attestation, ar.attestation_len, ar.signer, ar.signer_len, pk, ca, &in, why,
		sizeof(why)) != 0) {
		rc = tufctl_fail("key attest: key '%s': %s", label, why);
		goto out;
	}
	if (tufctl.json) {
		if ((o = json_pack("{sssbsOsO}", "key", label, "chain_checked", in.chain_checked,
			 "attestation", json_object_get(res, "attestation"), "signer",
			 json_object_get(res, "signer"))) == NULL ||
		    att_info_json(&in, o) != 0) {
			rc = tufctl_fail("key attest: out of memory");
			goto out;
		}
		rc = tufctl_print_json(o);
		goto out;
	} else {
		printf("key '%s': generated on a YubiKey, serial %llu, firmware %s, slot %s\n", label,
		    (unsigned long long)in.serial, in.firmware[0] ? in.firmware : "?",
		    in.slot[0] ? in.slot : "?");
		printf("PIN policy %s, touch policy %s\n", att_pin_name(in.pin),
		    att_touch_name(in.touch));
		printf("%s\n", in.chain_checked ? "chain: verified to a CA of --ca" :
						  "chain: NOT checked (give the vendor's PIV CA with "
						  "--ca FILE)");
	}
	rc = tufctl_stdout_done();
out:
	EVP_PKEY_free(pk);
	json_decref(o);
	json_decref(res);
	return rc;
}
