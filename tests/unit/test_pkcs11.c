/* The token layer against real SoftHSM2 tokens in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tests/tools/testbed.h"

static struct ta_p11_ctx *ctx;
static struct ta_p11_module *mod;
static struct ta_p11_token *alpha, *beta;

static const uint8_t msg[] = "the canonical bytes of a signed TUF role";

static int
group_setup(void **state)
{
	if (tb_softhsm_module() == NULL || tb_softhsm_setup() == NULL ||
	    tb_softhsm_token("alpha") != 0 || tb_softhsm_token("beta") != 0 ||
	    tb_softhsm_token("gamma") != 0)
		return -1;
	if ((*state = ctx = ta_p11_ctx_new()) == NULL ||
	    ta_p11_module_load(ctx, tb_softhsm_module(), &mod) != 0 ||
	    ta_p11_token_open(ctx, NULL, "pkcs11:token=alpha", 4, &alpha) != 0 ||
	    ta_p11_token_open(ctx, mod, "pkcs11:token=beta", 4, &beta) != 0 ||
	    ta_p11_token_login(alpha, ta_secret_from(TB_PIN, 6), false) != 0 ||
	    ta_p11_token_login(beta, ta_secret_from(TB_PIN, 6), false) != 0)
		return -1;
	return 0;
}

static void
gen(struct ta_p11_token *tok, enum ta_key_type type, const char *label, struct ta_p11_key *k)
{
	struct ta_p11_keygen g = { .type = type, .label = label };
	int r = ta_p11_key_generate(tok, &g, k);

	if (r != 0)
		fail_msg("generate %s '%s': %s", ta_key_type_name(type), label, ta_strerror(r));
}

/* ---- modules ------------------------------------------------------------ */

static void
test_pkcs11_module_loaded_once(void **state)
{
	struct ta_p11_module *m2 = NULL, *m3 = NULL;

	(void)state;
	assert_int_equal(ta_p11_module_load(ctx, tb_softhsm_module(), &m2), 0);
	assert_ptr_equal(m2, mod);
	/* By p11-kit's registered name: the same file, the same instance. */
	assert_int_equal(ta_p11_module_load(ctx, "softhsm2", &m3), 0);
	assert_ptr_equal(m3, mod);
}

static void
test_pkcs11_module_unknown(void **state)
{
	struct ta_p11_module *m = NULL;

	(void)state;
	assert_int_equal(ta_p11_module_load(ctx, "/nonexistent/libnothing.so", &m),
	    TA_ERR_MODULE_LOAD);
	assert_int_equal(ta_p11_module_load(ctx, "no-such-registered-module", &m),
	    TA_ERR_MODULE_LOAD);
	assert_int_equal(ta_p11_module_load(ctx, "lib/relative.so", &m), TA_ERR_INVALID);
	assert_int_equal(ta_p11_module_load(ctx, "", &m), TA_ERR_INVALID);
	/* Not a PKCS#11 module at all. */
	assert_int_equal(ta_p11_module_load(ctx, "/etc/hostname", &m), TA_ERR_MODULE_LOAD);
	assert_null(m);
}

/* ---- tokens ------------------------------------------------------------- */

static void
alpha_beta_info(struct ta_p11_token_info *a, struct ta_p11_token_info *b)
{
	assert_int_equal(ta_p11_token_info(alpha, a), 0);
	assert_int_equal(ta_p11_token_info(beta, b), 0);
}

/* Whether u matches the token that info describes. */
static bool
matches(const struct ta_p11_uri *u, const struct ta_p11_token_info *info)
{
	return ta_p11_uri_match_token(
	    u, info->label, info->serial, info->manufacturer, info->model);
}

static void
test_pkcs11_token_select_by_uri(void **state)
{
	struct ta_p11_token_info ia, ib;
	struct ta_p11_token *t = NULL;
	char uri[128];

	(void)state;
	alpha_beta_info(&ia, &ib);
	assert_string_equal(ia.label, "alpha");
	assert_string_equal(ib.label, "beta");
	assert_string_not_equal(ia.serial, ib.serial);
	assert_true(ia.flags & TA_TOK_PRESENT);
	assert_true(ia.flags & TA_TOK_LOGIN_REQUIRED);
	assert_true(ia.caps & TA_CAP_ECDSA);

	/* By serial: the same token object. */
	(void)snprintf(uri, sizeof(uri), "pkcs11:serial=%s", ib.serial);
	assert_int_equal(ta_p11_token_open(ctx, NULL, uri, 4, &t), 0);
	assert_ptr_equal(t, beta);
	/* Label, manufacturer and model together. */
	assert_int_equal(ta_p11_token_open(ctx, NULL,
	    "pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;token=alpha", 4, &t), 0);
	assert_ptr_equal(t, alpha);
}

static void
test_pkcs11_token_uri_errors(void **state)
{
	struct ta_p11_token *t = NULL;

	(void)state;
	assert_int_equal(ta_p11_token_open(ctx, NULL, "token=alpha", 4, &t), TA_ERR_INVALID);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=%zz", 4, &t), TA_ERR_INVALID);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=alpha?pin-value=1234", 4, &t),
	    TA_ERR_INVALID);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=alpha?pin-source=file:/x", 4,
	    &t), TA_ERR_INVALID);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=nosuch", 4, &t),
	    TA_ERR_NOT_FOUND);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=alpha", 0, &t), TA_ERR_INVALID);
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=alpha", 65, &t),
	    TA_ERR_INVALID);
	/* Both tokens match: refuse to guess. */
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:manufacturer=SoftHSM%20project", 4,
	    &t), TA_ERR_AMBIGUOUS);
	/* SoftHSM always offers one uninitialised token with an empty label;
	 * it is skipped, so nothing matches. */
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=", 4, &t), TA_ERR_NOT_FOUND);
	assert_null(t);
}

/* ---- URIs of the agent's lookups ---------------------------------------- */

static void
test_pkcs11_uri_key_decoded(void **state)
{
	struct ta_p11_uri *u = NULL;
	struct ta_p11_key k;

	(void)state;
	memset(&k, 0, sizeof(k));
	strcpy(k.label, "ext key;1");
	memcpy(k.id, "\x0a\x0b\xff", 3);
	k.id_len = 3;
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=PIV%20Card;serial=0042;"
	    "object=ext%20key%3B1;id=%0A%0b%FF;type=private", TA_P11_URI_KEY, &u), 0);
	assert_true(ta_p11_uri_match_key(u, &k));
	assert_true(ta_p11_uri_match_token(u, "PIV Card", "0042", "Yubico", "YubiKey"));
	assert_false(ta_p11_uri_match_token(u, "PIV Card", "0043", "Yubico", "YubiKey"));
	assert_false(ta_p11_uri_match_token(u, "PIV Car", "0042", "Yubico", "YubiKey"));
	k.id[2] = 0xfe;
	assert_false(ta_p11_uri_match_key(u, &k));
	k.id[2] = 0xff;
	k.id_len = 2;
	assert_false(ta_p11_uri_match_key(u, &k));
	k.id_len = 3;
	strcpy(k.label, "ext key;2");
	assert_false(ta_p11_uri_match_key(u, &k));
	ta_p11_uri_free(u);

	/* id= alone names a key whatever its label. */
	assert_int_equal(ta_p11_uri_parse("pkcs11:id=%0a%0b%ff", TA_P11_URI_KEY, &u), 0);
	assert_true(ta_p11_uri_match_key(u, &k));
	assert_true(ta_p11_uri_match_token(u, "any", "", "", ""));
	ta_p11_uri_free(u);
}

static void
test_pkcs11_uri_refusals(void **state)
{
	struct ta_p11_uri *u = NULL;
	char big[200];

	(void)state;
	/* PINs do not travel in key URIs. */
	assert_int_equal(ta_p11_uri_parse("pkcs11:object=k?pin-value=1234", TA_P11_URI_KEY, &u),
	    TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:object=k?pin-source=file:/x", TA_P11_URI_KEY,
	    &u), TA_ERR_INVALID);
	/* A key URI names a key: never "a" key of the token. */
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=alpha", TA_P11_URI_KEY, &u),
	    TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=alpha;type=private", TA_P11_URI_KEY, &u),
	    TA_ERR_INVALID);
	/* Malformed, unknown attributes, values that fit nothing. */
	assert_int_equal(ta_p11_uri_parse("token=alpha", 0, &u), TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=%zz", 0, &u), TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=a;colour=red", 0, &u), TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=a%00b", 0, &u), TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=0123456789abcdef0123456789abcdef0", 0,
	    &u), TA_ERR_INVALID);
	assert_int_equal(ta_p11_uri_parse("pkcs11:object=a%00b", TA_P11_URI_KEY, &u),
	    TA_ERR_INVALID);
	memset(big, 'x', sizeof(big));
	memcpy(big, "pkcs11:object=", 14);
	big[14 + TA_P11_LABEL_MAX + 1] = '\0';
	assert_int_equal(ta_p11_uri_parse(big, TA_P11_URI_KEY, &u), TA_ERR_INVALID);
	big[14 + TA_P11_LABEL_MAX] = '\0';
	assert_int_equal(ta_p11_uri_parse(big, TA_P11_URI_KEY, &u), 0);
	ta_p11_uri_free(u);
	u = NULL;
	/* A token lookup ignores the query (the token is not opened here). */
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=alpha?pin-value=1", 0, &u), 0);
	assert_true(ta_p11_uri_match_token(u, "alpha", "1", "m", "x"));
	ta_p11_uri_free(u);
}

/* uri matches a's token or not, and b's or not. */
static void
uri_matches(const char *uri, const struct ta_p11_token_info *a, bool want_a,
    const struct ta_p11_token_info *b, bool want_b)
{
	struct ta_p11_uri *u = NULL;

	assert_int_equal(ta_p11_uri_parse(uri, 0, &u), 0);
	if (matches(u, a) != want_a || matches(u, b) != want_b)
		fail_msg("%s: matches %s %d, %s %d", uri, a->label, !want_a, b->label, !want_b);
	ta_p11_uri_free(u);
}

/* token=, serial=, manufacturer= and model= match the info of a real
 * token; attributes the URI leaves out match anything. */
static void
test_pkcs11_uri_token_match(void **state)
{
	struct ta_p11_token_info a, b;
	struct ta_p11_uri *u = NULL;
	char uri[256];

	(void)state;
	alpha_beta_info(&a, &b);
	uri_matches("pkcs11:token=alpha", &a, true, &b, false);
	uri_matches("pkcs11:manufacturer=SoftHSM%20project", &a, true, &b, true);
	/* (SoftHSM's model, "SoftHSM v2", would need its blank encoded.) */
	(void)snprintf(uri, sizeof(uri), "pkcs11:serial=%s;model=SoftHSM%%20v2", b.serial);
	uri_matches(uri, &a, false, &b, true);
	/* token= with nothing: the empty label, not any token. */
	uri_matches("pkcs11:token=", &a, false, &b, false);
	assert_int_equal(ta_p11_uri_parse("pkcs11:token=", 0, &u), 0);
	assert_true(ta_p11_uri_match_token(u, "", a.serial, a.manufacturer, a.model));
	ta_p11_uri_free(u);
}

/* The URI key.list gives: token first, every ID byte percent-encoded;
 * parsed back it names the same key on the same token. */
static void
test_pkcs11_uri_format_key(void **state)
{
	struct ta_p11_uri *u = NULL;
	struct ta_p11_key k;
	char *s = NULL;

	(void)state;
	memset(&k, 0, sizeof(k));
	strcpy(k.label, "root key/1");
	memcpy(k.id, "\x0a\x41\xff", 3);
	k.id_len = 3;
	assert_int_equal(ta_p11_uri_format_key("PIV Card", "8f3a", &k, &s), 0);
	assert_string_equal(s, "pkcs11:token=PIV%20Card;serial=8f3a;id=%0A%41%FF;"
	    "object=root%20key%2F1;type=private");
	assert_int_equal(ta_p11_uri_parse(s, TA_P11_URI_KEY, &u), 0);
	assert_true(ta_p11_uri_match_key(u, &k));
	assert_true(ta_p11_uri_match_token(u, "PIV Card", "8f3a", "Yubico", "YubiKey"));
	ta_p11_uri_free(u);
	free(s);
	s = NULL;
	assert_int_equal(ta_p11_uri_format_key("0123456789abcdef0123456789abcdef0", "1", &k, &s),
	    TA_ERR_INVALID);
	assert_null(s);
}

static void
test_pkcs11_token_login_states(void **state)
{
	struct ta_p11_token_info info;

	(void)state;
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
	/* Already logged in is success, and costs nothing. */
	assert_int_equal(ta_p11_token_login(alpha, tb_pin(TB_PIN), false), 0);
	/* No PIN on a token without a PIN pad. */
	assert_int_equal(ta_p11_token_logout(alpha), 0);
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_false(info.flags & TA_TOK_LOGGED_IN);
	assert_int_equal(ta_p11_token_login(alpha, NULL, false), TA_ERR_PIN_REQUIRED);
	assert_int_equal(ta_p11_token_login(alpha, tb_pin(TB_PIN), false), 0);
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
}

static void
test_pkcs11_token_refresh_present(void **state)
{
	(void)state;
	assert_int_equal(ta_p11_token_refresh(alpha), 0);
	assert_int_equal(ta_p11_token_refresh(beta), 0);
}

/* ---- keys and signatures ------------------------------------------------ */

static void
check_key_facts(const struct ta_p11_key *k, enum ta_key_type type, const char *label)
{
	const unsigned char *p = k->spki;
	EVP_PKEY *pk;

	assert_int_equal(k->type, type);
	assert_string_equal(k->label, label);
	assert_int_equal(k->id_len, 16);
	assert_true(k->sensitive);
	assert_false(k->extractable);
	assert_true(k->local);
	assert_non_null(k->spki);
	pk = d2i_PUBKEY(NULL, &p, (long)k->spki_len);
	assert_non_null(pk);
	switch (type) {
	case TA_KEY_EC_P256:
	case TA_KEY_EC_P384:
		assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_EC);
		assert_int_equal(EVP_PKEY_get_bits(pk), type == TA_KEY_EC_P256 ? 256 : 384);
		break;
	case TA_KEY_ED25519:
		assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_ED25519);
		break;
	default:
		assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_RSA);
		assert_int_equal((unsigned)EVP_PKEY_get_bits(pk), k->bits);
		break;
	}
	EVP_PKEY_free(pk);
}

static void
sign_and_verify(struct ta_p11_token *tok, const struct ta_p11_key *k, enum ta_sig_scheme sch,
    size_t want_len)
{
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len = 0;
	int r = ta_p11_sign(tok, k, sch, msg, sizeof(msg), NULL, sig, &len);

	if (r != 0)
		fail_msg("sign '%s' scheme %d: %s", k->label, sch, ta_strerror(r));
	assert_int_equal(len, want_len);
	assert_int_equal(tb_verify(k->spki, k->spki_len, sch, msg, sizeof(msg), sig, len), 1);
	/* One flipped bit in the message: the signature no longer verifies. */
	uint8_t other[sizeof(msg)];
	memcpy(other, msg, sizeof(msg));
	other[3] ^= 1;
	assert_int_equal(tb_verify(k->spki, k->spki_len, sch, other, sizeof(other), sig, len), 0);
}

static void
test_pkcs11_ecdsa_p256(void **state)
{
	struct ta_p11_key k;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	(void)state;
	gen(alpha, TA_KEY_EC_P256, "ec256", &k);
	check_key_facts(&k, TA_KEY_EC_P256, "ec256");
	assert_null(k.cert);
	sign_and_verify(alpha, &k, TA_SIG_ECDSA_SHA256, 64);
	assert_int_equal(ta_p11_sign(alpha, &k, TA_SIG_RSA_PSS_SHA256, msg, sizeof(msg), NULL, sig,
	    &len), TA_ERR_KEY_TYPE);
	assert_int_equal(ta_p11_sign(alpha, &k, TA_SIG_ED25519, msg, sizeof(msg), NULL, sig, &len),
	    TA_ERR_KEY_TYPE);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_ecdsa_p384(void **state)
{
	struct ta_p11_key k;

	(void)state;
	gen(alpha, TA_KEY_EC_P384, "ec384", &k);
	check_key_facts(&k, TA_KEY_EC_P384, "ec384");
	sign_and_verify(alpha, &k, TA_SIG_ECDSA_SHA384, 96);
	sign_and_verify(alpha, &k, TA_SIG_ECDSA_SHA256, 96);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_ed25519(void **state)
{
	struct ta_p11_key k;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	(void)state;
	gen(alpha, TA_KEY_ED25519, "ed", &k);
	check_key_facts(&k, TA_KEY_ED25519, "ed");
	sign_and_verify(alpha, &k, TA_SIG_ED25519, 64);
	assert_int_equal(ta_p11_sign(alpha, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), NULL, sig,
	    &len), TA_ERR_KEY_TYPE);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_rsa_all_sizes(void **state)
{
	static const struct {
		enum ta_key_type t;
		const char *label;
		size_t len;
	} sizes[] = {
		{ TA_KEY_RSA_2048, "rsa2048", 256 },
		{ TA_KEY_RSA_3072, "rsa3072", 384 },
		{ TA_KEY_RSA_4096, "rsa4096", 512 },
	};
	struct ta_p11_key k;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		gen(beta, sizes[i].t, sizes[i].label, &k);
		check_key_facts(&k, sizes[i].t, sizes[i].label);
		assert_int_equal(k.bits, sizes[i].len * 8);
		sign_and_verify(beta, &k, TA_SIG_RSA_PSS_SHA256, sizes[i].len);
		sign_and_verify(beta, &k, TA_SIG_RSA_PKCS1_SHA256, sizes[i].len);
		assert_int_equal(ta_p11_sign(beta, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), NULL,
		    sig, &len), TA_ERR_KEY_TYPE);
		ta_p11_key_clear(&k);
	}
}

static void
test_pkcs11_keygen_refusals(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "clash" };
	struct ta_p11_key k, k2;
	char longlabel[TA_P11_LABEL_MAX + 2];

	(void)state;
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k), 0);
	/* The label is taken, whatever the key type asked for. */
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_EXISTS);
	g.type = TA_KEY_ED25519;
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_EXISTS);
	/* The same label on another token is another key. */
	assert_int_equal(ta_p11_key_generate(beta, &g, &k2), 0);
	ta_p11_key_clear(&k2);
	g.type = TA_KEY_NONE;
	g.label = "x";
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_INVALID);
	g.type = TA_KEY_RSA_OTHER;
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_INVALID);
	g.type = TA_KEY_EC_P256;
	g.label = "";
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_INVALID);
	memset(longlabel, 'a', sizeof(longlabel) - 1);
	longlabel[sizeof(longlabel) - 1] = '\0';
	g.label = longlabel;
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k2), TA_ERR_INVALID);
	assert_int_equal(ta_key_type_from_name("ecdsa-p256"), TA_KEY_EC_P256);
	assert_int_equal(ta_key_type_from_name("rsa-4096"), TA_KEY_RSA_4096);
	assert_int_equal(ta_key_type_from_name("dsa-1024"), TA_KEY_NONE);
	assert_int_equal(ta_key_type_from_name("rsa"), TA_KEY_NONE);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_key_list_and_find(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "findme" };
	static const uint8_t id[] = { 0xca, 0xfe, 0x01 };
	struct ta_p11_key k, f, *keys = NULL;
	size_t n = 0;
	bool seen = false;

	(void)state;
	g.id = id;
	g.id_len = sizeof(id);
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k), 0);
	assert_int_equal(k.id_len, 3);
	assert_memory_equal(k.id, id, 3);

	assert_int_equal(ta_p11_key_list(alpha, &keys, &n), 0);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(keys[i].type, TA_KEY_NONE);
		assert_non_null(keys[i].spki);
		if (strcmp(keys[i].label, "findme") == 0) {
			seen = true;
			assert_memory_equal(keys[i].spki, k.spki, k.spki_len);
		}
	}
	assert_true(seen);
	ta_p11_keys_free(keys, n);

	assert_int_equal(ta_p11_key_find(alpha, "findme", &f), 0);
	assert_memory_equal(f.spki, k.spki, k.spki_len);
	ta_p11_key_clear(&f);
	assert_int_equal(ta_p11_key_find(alpha, "pkcs11:object=findme", &f), 0);
	ta_p11_key_clear(&f);
	assert_int_equal(ta_p11_key_find(alpha, "pkcs11:id=%ca%fe%01", &f), 0);
	assert_string_equal(f.label, "findme");
	ta_p11_key_clear(&f);
	assert_int_equal(ta_p11_key_find(alpha, "pkcs11:object=findme;id=%ca%fe%02", &f),
	    TA_ERR_KEY_NOT_FOUND);
	assert_int_equal(ta_p11_key_find(alpha, "nosuchkey", &f), TA_ERR_KEY_NOT_FOUND);
	assert_int_equal(ta_p11_key_find(beta, "findme", &f), TA_ERR_KEY_NOT_FOUND);
	assert_int_equal(ta_p11_key_find(alpha, "pkcs11:token=alpha", &f), TA_ERR_INVALID);
	assert_int_equal(ta_p11_key_find(alpha, "pkcs11:object=%zz", &f), TA_ERR_INVALID);
	assert_int_equal(ta_p11_key_find(alpha, "", &f), TA_ERR_INVALID);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_key_find_ambiguous(void **state)
{
	char out[4096];
	const char *argv[] = { "pkcs11-tool", "--module", tb_softhsm_module(), "--token-label",
		"beta", "--login", "--pin", TB_PIN, "--keypairgen", "--key-type", "EC:prime256v1",
		"--label", "twice", NULL };
	struct ta_p11_key f;

	(void)state;
	/* Two keys with one label can only come from outside tuf-agent. */
	assert_int_equal(tb_run(argv, out, sizeof(out)), 0);
	assert_int_equal(tb_run(argv, out, sizeof(out)), 0);
	assert_int_equal(ta_p11_key_find(beta, "twice", &f), TA_ERR_AMBIGUOUS);
}

/* The private key cannot be read out: OpenSC's tool sees it sensitive and
 * never extractable, and the module refuses CKA_VALUE. */
static void
test_pkcs11_private_key_stays_inside(void **state)
{
	struct ta_p11_key k;
	char out[8192], idhex[2 * TA_P11_ID_MAX + 1];
	const char *list[] = { "pkcs11-tool", "--module", tb_softhsm_module(), "--token-label",
		"alpha", "--login", "--pin", TB_PIN, "--list-objects", "--type", "privkey",
		"--label", "inside", NULL };
	CK_FUNCTION_LIST *fl = NULL;
	CK_C_GetFunctionList gfl;
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_ID, NULL, 0 } };
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0;
	uint8_t buf[1024];
	CK_ATTRIBUTE val = { CKA_VALUE, buf, sizeof(buf) };
	void *h;

	(void)state;
	gen(alpha, TA_KEY_EC_P256, "inside", &k);
	for (size_t i = 0; i < k.id_len; i++)
		(void)snprintf(idhex + 2 * i, 3, "%02x", k.id[i]);

	assert_int_equal(tb_run(list, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "label:      inside"));
	assert_non_null(strstr(out, "sensitive"));
	assert_non_null(strstr(out, "always sensitive"));
	assert_non_null(strstr(out, "never extractable"));
	assert_non_null(strstr(out, "local"));
	assert_null(strstr(out, ", extractable"));
	/* Signing only: no decrypt, unwrap or derive. */
	assert_non_null(strstr(out, "Usage:      sign\n"));

	/* And C_GetAttributeValue(CKA_VALUE) on the same module instance. */
	h = dlopen(tb_softhsm_module(), RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(h);
	gfl = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	assert_non_null(gfl);
	assert_int_equal(gfl(&fl), CKR_OK);
	struct ta_p11_token_info info;
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_int_equal(fl->C_OpenSession(info.slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	tmpl[1].pValue = k.id;
	tmpl[1].ulValueLen = k.id_len;
	assert_int_equal(fl->C_FindObjectsInit(s, tmpl, 2), CKR_OK);
	assert_int_equal(fl->C_FindObjects(s, &obj, 1, &n), CKR_OK);
	assert_int_equal(fl->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(fl->C_GetAttributeValue(s, obj, &val, 1), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(val.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(fl->C_CloseSession(s), CKR_OK);
	dlclose(h);
	ta_p11_key_clear(&k);
}

/* ---- certificates ------------------------------------------------------- */

static X509 *
unsigned_cert(const struct ta_p11_key *k, const char *cn)
{
	const unsigned char *p = k->spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)k->spki_len);
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(pk);
	assert_non_null(x);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242));
	assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0));
	assert_true(X509_set_subject_name(x, name));
	assert_true(X509_set_issuer_name(x, name));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365));
	assert_true(X509_set_pubkey(x, pk));
	X509_NAME_free(name);
	EVP_PKEY_free(pk);
	return x;
}

static void
cert_roundtrip(struct ta_p11_token *tok, enum ta_key_type type, const char *label, int sig_nid)
{
	struct ta_p11_key k, again;
	unsigned char *der = NULL;
	uint8_t *back = NULL;
	size_t back_len = 0;
	const unsigned char *p;
	EVP_PKEY *pk;
	X509 *x, *y;
	int n, r;

	gen(tok, type, label, &k);
	x = unsigned_cert(&k, "registry.example.com/team/app");
	r = ta_p11_sign_x509(tok, &k, x, NULL);
	if (r != 0)
		fail_msg("sign_x509 %s: %s", label, ta_strerror(r));
	n = i2d_X509(x, &der);
	assert_true(n > 0);

	/* Parse what was written and check it as any verifier would. */
	p = der;
	y = d2i_X509(NULL, &p, n);
	assert_non_null(y);
	assert_int_equal(X509_get_signature_nid(y), sig_nid);
	pk = X509_get_pubkey(y);
	assert_int_equal(X509_verify(y, pk), 1);
	EVP_PKEY_free(pk);

	/* Stored beside the key, read back, and listed with it. */
	assert_int_equal(ta_p11_cert_read(tok, &k, &back, &back_len), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_p11_cert_store(tok, &k, der, (size_t)n), 0);
	assert_int_equal(ta_p11_cert_read(tok, &k, &back, &back_len), 0);
	assert_int_equal(back_len, (size_t)n);
	assert_memory_equal(back, der, (size_t)n);
	free(back);
	assert_int_equal(ta_p11_key_find(tok, label, &again), 0);
	assert_non_null(again.cert);
	assert_memory_equal(again.cert, der, (size_t)n);
	ta_p11_key_clear(&again);
	/* Replacing keeps exactly one certificate. */
	assert_int_equal(ta_p11_cert_store(tok, &k, der, (size_t)n), 0);
	assert_int_equal(ta_p11_cert_read(tok, &k, &back, &back_len), 0);
	free(back);

	/* Malformed DER, trailing bytes: refused, nothing stored. */
	assert_int_equal(ta_p11_cert_store(tok, &k, der, (size_t)n - 1), TA_ERR_INVALID);
	uint8_t *longer = malloc((size_t)n + 1);
	assert_non_null(longer);
	memcpy(longer, der, (size_t)n);
	longer[n] = 0;
	assert_int_equal(ta_p11_cert_store(tok, &k, longer, (size_t)n + 1), TA_ERR_TRAILING);
	free(longer);

	OPENSSL_free(der);
	X509_free(x);
	X509_free(y);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_x509_ecdsa(void **state)
{
	(void)state;
	cert_roundtrip(alpha, TA_KEY_EC_P256, "cert-ec", NID_ecdsa_with_SHA256);
}

static void
test_pkcs11_x509_rsa(void **state)
{
	(void)state;
	cert_roundtrip(beta, TA_KEY_RSA_2048, "cert-rsa", NID_sha256WithRSAEncryption);
}

static void
test_pkcs11_x509_ed25519(void **state)
{
	(void)state;
	cert_roundtrip(alpha, TA_KEY_ED25519, "cert-ed", NID_ED25519);
}

/* ---- always-authenticate keys ------------------------------------------- */

static void
test_pkcs11_always_authenticate(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "aa", .always_auth = true };
	struct ta_p11_token_info info;
	struct ta_p11_key k;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len = 0;

	(void)state;
	assert_int_equal(ta_p11_key_generate(beta, &g, &k), 0);
	assert_true(k.always_auth);
	assert_int_equal(ta_p11_sign(beta, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), NULL, sig,
	    &len), TA_ERR_PIN_REQUIRED);
	assert_int_equal(ta_p11_sign(beta, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg),
	    tb_pin(TB_PIN), sig, &len), 0);
	assert_int_equal(tb_verify(k.spki, k.spki_len, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), sig,
	    len), 1);
	/* A wrong context PIN fails the signature; the token stays usable
	 * and logged in. */
	assert_int_not_equal(ta_p11_sign(beta, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg),
	    tb_pin("000000"), sig, &len), 0);
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
	assert_int_equal(ta_p11_sign(beta, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg),
	    tb_pin(TB_PIN), sig, &len), 0);
	ta_p11_key_clear(&k);
}

/* ---- destroy ------------------------------------------------------------- */

static void
test_pkcs11_key_destroy(void **state)
{
	struct ta_p11_key k, f;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	(void)state;
	gen(alpha, TA_KEY_EC_P256, "doomed", &k);
	assert_int_equal(ta_p11_key_destroy(alpha, &k), 0);
	assert_int_equal(ta_p11_key_find(alpha, "doomed", &f), TA_ERR_KEY_NOT_FOUND);
	assert_int_not_equal(ta_p11_sign(alpha, &k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), NULL,
	    sig, &len), 0);
	/* The label is free again. */
	gen(alpha, TA_KEY_EC_P256, "doomed", &f);
	ta_p11_key_clear(&f);
	ta_p11_key_clear(&k);
}

/* ---- the session pool ----------------------------------------------------- */

struct worker {
	struct ta_p11_token *tok;
	const struct ta_p11_key *key;
	int rounds, ok;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->rounds; i++) {
		uint8_t m[32], sig[TA_P11_SIG_MAX];
		size_t len = 0;

		(void)snprintf((char *)m, sizeof(m), "job %p %d", (void *)w, i);
		if (ta_p11_sign(w->tok, w->key, TA_SIG_ECDSA_SHA256, m, sizeof(m), NULL, sig,
			&len) == 0 &&
		    tb_verify(w->key->spki, w->key->spki_len, TA_SIG_ECDSA_SHA256, m, sizeof(m), sig,
			len) == 1)
			w->ok++;
	}
	return NULL;
}

static void
run_workers(struct ta_p11_token *tok, const struct ta_p11_key *k, int nthreads, int rounds)
{
	pthread_t th[8];
	struct worker w[8];

	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ tok, k, rounds, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].ok, rounds);
	}
}

static void
test_pkcs11_pool_four_threads(void **state)
{
	struct ta_p11_token_info info;
	struct ta_p11_key k;

	(void)state;
	gen(alpha, TA_KEY_EC_P256, "pool", &k);
	run_workers(alpha, &k, 4, 50);
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_true(info.sessions_open >= 1);
	assert_true(info.sessions_open <= 4);
	assert_int_equal(info.sessions_max, 4);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_pool_bound_one_session(void **state)
{
	struct ta_p11_token *one = NULL;
	struct ta_p11_token_info info;
	struct ta_p11_key k;

	(void)state;
	/* A second context sharing nothing: its own pool of one session. */
	struct ta_p11_ctx *c2 = ta_p11_ctx_new();
	struct ta_p11_module *m2;
	assert_non_null(c2);
	/* The module is initialised in this process already by ctx: a second
	 * instance is refused rather than double-initialised. */
	assert_int_equal(ta_p11_module_load(c2, tb_softhsm_module(), &m2), TA_ERR_MODULE_LOAD);
	ta_p11_ctx_free(c2);

	/* So bound the pool on a token opened fresh in ctx. */
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=gamma", 1, &one), 0);
	assert_int_equal(ta_p11_token_login(one, tb_pin(TB_PIN), false), 0);
	gen(one, TA_KEY_EC_P256, "solo", &k);
	run_workers(one, &k, 4, 10);
	assert_int_equal(ta_p11_token_info(one, &info), 0);
	assert_int_equal(info.sessions_open, 1);
	ta_p11_key_clear(&k);
}

/* PIV: the management key's form, the slot names ykcs11 gives. */
static void
test_pkcs11_piv_mgmt_and_labels(void **state)
{
	static const struct {
		const char *key;
		size_t len;
		bool ok;
	} cases[] = {
	    {"010203040506070801020304050607080102030405060708", 48, true},
	    {"0102030405060708010203040506070801020304050607AB", 48, true},
	    {"01020304050607080102030405060708010203040506070", 47, false},
	    {"0102030405060708010203040506070801020304050607080", 49, false},
	    {"01020304050607080102030405060708010203040506070g", 48, false},
	    {"0102030405060708010203040506070801020304050607\0008", 48, false},
	    {"01020304 50607080102030405060708010203040506070", 48, false},
	    {"", 0, false},
	};
	struct ta_secret *k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(k = ta_secret_from(cases[i].key, cases[i].len));
		assert_int_equal(ta_p11_piv_mgmt_ok(k), cases[i].ok);
		ta_secret_free(k);
	}
	assert_false(ta_p11_piv_mgmt_ok(NULL));
	assert_string_equal(ta_p11_piv_label(0x9c), "Private key for Digital Signature");
	assert_string_equal(ta_p11_piv_label(0x9a), "Private key for PIV Authentication");
	assert_string_equal(ta_p11_piv_label(0x82), "Private key for Retired Key 1");
	assert_string_equal(ta_p11_piv_label(0x95), "Private key for Retired Key 20");
	assert_null(ta_p11_piv_label(0x9b));
	assert_null(ta_p11_piv_label(0x96));
	assert_null(ta_p11_piv_label(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkcs11_piv_mgmt_and_labels),
		cmocka_unit_test(test_pkcs11_module_loaded_once),
		cmocka_unit_test(test_pkcs11_module_unknown),
		cmocka_unit_test(test_pkcs11_token_select_by_uri),
		cmocka_unit_test(test_pkcs11_token_uri_errors),
		cmocka_unit_test(test_pkcs11_uri_key_decoded),
		cmocka_unit_test(test_pkcs11_uri_refusals),
		cmocka_unit_test(test_pkcs11_uri_token_match),
		cmocka_unit_test(test_pkcs11_uri_format_key),
		cmocka_unit_test(test_pkcs11_token_login_states),
		cmocka_unit_test(test_pkcs11_token_refresh_present),
		cmocka_unit_test(test_pkcs11_ecdsa_p256),
		cmocka_unit_test(test_pkcs11_ecdsa_p384),
		cmocka_unit_test(test_pkcs11_ed25519),
		cmocka_unit_test(test_pkcs11_rsa_all_sizes),
		cmocka_unit_test(test_pkcs11_keygen_refusals),
		cmocka_unit_test(test_pkcs11_key_list_and_find),
		cmocka_unit_test(test_pkcs11_key_find_ambiguous),
		cmocka_unit_test(test_pkcs11_private_key_stays_inside),
		cmocka_unit_test(test_pkcs11_x509_ecdsa),
		cmocka_unit_test(test_pkcs11_x509_rsa),
		cmocka_unit_test(test_pkcs11_x509_ed25519),
		cmocka_unit_test(test_pkcs11_always_authenticate),
		cmocka_unit_test(test_pkcs11_key_destroy),
		cmocka_unit_test(test_pkcs11_pool_four_threads),
		cmocka_unit_test(test_pkcs11_pool_bound_one_session),
	};

	return cmocka_run_group_tests(tests, group_setup, tb_group_teardown);
}
