/* The token layer against faults a real token cannot make on demand: the
 * fault-injecting module (tests/tools/fault-pkcs11.c) wraps SoftHSM2 and, on the
 * test's word, loses tokens, fails calls, hides mechanisms and sets PIN
 * flags, while counting every call that reaches it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <libgen.h>
#include <pthread.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tests/tools/testbed.h"

static struct ta_p11_ctx *ctx;
static struct ta_p11_token *alpha, *beta;
static char fault_path[PATH_MAX], ctl_path[PATH_MAX];
static unsigned long (*fault_count)(const char *);
static void (*fault_reset)(void);

static const uint8_t msg[] = "targets.json, version 7";

/* Replace the control file atomically (the module notices the new inode). */
static void
control(const char *text)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	(void)snprintf(tmp, sizeof(tmp), "%s.new", ctl_path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, ctl_path), 0);
	fault_reset();
}

static int
group_setup(void **state)
{
	char self[PATH_MAX];
	const char *dir;
	ssize_t n;
	void *h;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	(void)snprintf(fault_path, sizeof(fault_path), "%s/../tools/fault-pkcs11.so", dirname(self));
	if (tb_softhsm_module() == NULL || (dir = tb_softhsm_setup()) == NULL ||
	    tb_softhsm_token("alpha") != 0 || tb_softhsm_token("beta") != 0 ||
	    tb_softhsm_token("gamma") != 0 || tb_softhsm_token("delta") != 0)
		return -1;
	(void)snprintf(ctl_path, sizeof(ctl_path), "%s/fault.ctl", dir);
	(void)setenv("TA_FAULT_TARGET", tb_softhsm_module(), 1);
	(void)setenv("TA_FAULT_CTL", ctl_path, 1);

	struct ta_p11_module *mod;
	if ((*state = ctx = ta_p11_ctx_new()) == NULL ||
	    ta_p11_module_load(ctx, fault_path, &mod) != 0)
		return -1;
	if ((h = dlopen(fault_path, RTLD_NOW | RTLD_NOLOAD)) == NULL)
		return -1;
	fault_count = (unsigned long (*)(const char *))dlsym(h, "ta_fault_count");
	fault_reset = (void (*)(void))dlsym(h, "ta_fault_reset_counts");
	dlclose(h); /* p11-kit holds its own reference */
	if (fault_count == NULL || fault_reset == NULL)
		return -1;
	if (ta_p11_token_open(ctx, mod, "pkcs11:token=alpha", 4, &alpha) != 0 ||
	    ta_p11_token_open(ctx, mod, "pkcs11:token=beta", 4, &beta) != 0 ||
	    ta_p11_token_login(alpha, ta_secret_from(TB_PIN, 6), false) != 0)
		return -1;
	return 0;
}

static void
logged_out(struct ta_p11_token *tok)
{
	struct ta_p11_token_info info;

	assert_int_equal(ta_p11_token_logout(tok), 0);
	assert_int_equal(ta_p11_token_info(tok, &info), 0);
	assert_false(info.flags & TA_TOK_LOGGED_IN);
}

static void
sign_ok(struct ta_p11_token *tok, const struct ta_p11_key *k, enum ta_sig_scheme sch)
{
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len = 0;
	int r = ta_p11_sign(tok, k, sch, msg, sizeof(msg), NULL, sig, &len);

	if (r != 0)
		fail_msg("sign '%s': %s", k->label, ta_strerror(r));
	assert_int_equal(tb_verify(k->spki, k->spki_len, sch, msg, sizeof(msg), sig, len), 1);
}

static int
sign_err(struct ta_p11_token *tok, const struct ta_p11_key *k)
{
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len = 0;

	return ta_p11_sign(tok, k, TA_SIG_ECDSA_SHA256, msg, sizeof(msg), NULL, sig, &len);
}

/* With no faults: a fresh EC P-256 key on alpha, for a test to fault its signing. */
static void
alpha_ec_key(const char *label, struct ta_p11_key *ret_key)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = label };

	control("");
	assert_int_equal(ta_p11_key_generate(alpha, &g, ret_key), 0);
}

/* ---- PINs ---------------------------------------------------------------- */

static void
test_pkcs11_fault_wrong_pin_tried_once(void **state)
{
	struct ta_p11_token_info info;

	(void)state;
	control("");
	logged_out(beta);
	fault_reset();
	/* SoftHSM itself marks the PIN count low after a failure. */
	assert_int_equal(ta_p11_token_login(beta, tb_pin("000000"), false), TA_ERR_PIN_COUNT_LOW);
	assert_int_equal(fault_count("C_Login"), 1);
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_true(info.flags & TA_TOK_PIN_COUNT_LOW);
	assert_false(info.flags & TA_TOK_LOGGED_IN);
	assert_int_equal(fault_count("C_Login"), 1);
	/* The right PIN: one more C_Login, and the token's counter clears. */
	assert_int_equal(ta_p11_token_login(beta, tb_pin(TB_PIN), false), 0);
	assert_int_equal(fault_count("C_Login"), 2);
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_false(info.flags & TA_TOK_PIN_COUNT_LOW);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
}

static void
test_pkcs11_fault_pin_errors_distinct(void **state)
{
	static const struct {
		const char *ctl;
		bool interactive;
		int want;
		unsigned long logins;
	} cases[] = {
		{ "fail=C_Login:CKR_PIN_LOCKED\n", false, TA_ERR_PIN_LOCKED, 1 },
		{ "fail=C_Login:CKR_PIN_EXPIRED\n", false, TA_ERR_PIN_EXPIRED, 1 },
		{ "fail=C_Login:CKR_PIN_LEN_RANGE\n", false, TA_ERR_PIN_LEN_RANGE, 1 },
		{ "fail=C_Login:CKR_PIN_INCORRECT\n", false, TA_ERR_PIN_INCORRECT, 1 },
		/* What the token's flags say after the failure decides the code. */
		{ "fail=C_Login:CKR_PIN_INCORRECT\ntoken_flags=CKF_USER_PIN_COUNT_LOW\n", false,
		    TA_ERR_PIN_COUNT_LOW, 1 },
		{ "fail=C_Login:CKR_PIN_INCORRECT\ntoken_flags=CKF_USER_PIN_FINAL_TRY\n", true,
		    TA_ERR_PIN_FINAL_TRY, 1 },
		{ "fail=C_Login:CKR_PIN_LOCKED\n", true, TA_ERR_PIN_LOCKED, 1 },
		/* A locked token is not even tried. */
		{ "token_flags=CKF_USER_PIN_LOCKED\n", true, TA_ERR_PIN_LOCKED, 0 },
		/* The final try is kept for an interactive unlock. */
		{ "token_flags=CKF_USER_PIN_FINAL_TRY\n", false, TA_ERR_PIN_FINAL_TRY, 0 },
	};

	(void)state;
	control("");
	logged_out(beta);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		control(cases[i].ctl);
		int r = ta_p11_token_login(beta, tb_pin(TB_PIN), cases[i].interactive);
		if (r != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, ta_errname(r),
			    ta_errname(cases[i].want));
		assert_int_equal(fault_count("C_Login"), cases[i].logins);
	}
	/* On its final try, an interactive unlock is allowed its one C_Login. */
	control("token_flags=CKF_USER_PIN_FINAL_TRY\n");
	assert_int_equal(ta_p11_token_login(beta, tb_pin(TB_PIN), true), 0);
	assert_int_equal(fault_count("C_Login"), 1);
	control("");
}

static void
test_pkcs11_fault_protected_auth_path(void **state)
{
	struct ta_p11_token_info info;

	(void)state;
	control("");
	logged_out(beta);
	/* A PIN pad token: no PIN from us; the token asks its user. */
	control("token_flags=CKF_PROTECTED_AUTHENTICATION_PATH\nfail=C_Login:CKR_OK:1\n");
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_true(info.flags & TA_TOK_PROTECTED_AUTH);
	assert_int_equal(ta_p11_token_login(beta, NULL, false), 0);
	assert_int_equal(fault_count("C_Login"), 1);
	control("");
	assert_int_equal(ta_p11_token_login(beta, tb_pin(TB_PIN), false), 0);
}

/* ---- tokens that vanish ------------------------------------------------- */

static void
test_pkcs11_fault_token_vanishes_and_returns(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256 };
	struct ta_p11_token_info info;
	struct ta_p11_key ka, kb, *keys = NULL;
	size_t n = 0;

	(void)state;
	control("");
	assert_int_equal(ta_p11_token_login(beta, tb_pin(TB_PIN), false), 0);
	g.label = "a-key";
	assert_int_equal(ta_p11_key_generate(alpha, &g, &ka), 0);
	g.label = "b-key";
	assert_int_equal(ta_p11_key_generate(beta, &g, &kb), 0);
	sign_ok(beta, &kb, TA_SIG_ECDSA_SHA256);

	control("absent=beta\n");
	assert_int_equal(sign_err(beta, &kb), TA_ERR_TOKEN_ABSENT);
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_false(info.flags & TA_TOK_PRESENT);
	assert_int_equal(ta_p11_token_refresh(beta), TA_ERR_TOKEN_ABSENT);
	assert_int_equal(ta_p11_key_list(beta, &keys, &n), TA_ERR_TOKEN_ABSENT);
	assert_int_equal(sign_err(beta, &kb), TA_ERR_TOKEN_ABSENT);
	/* The other token keeps signing. */
	sign_ok(alpha, &ka, TA_SIG_ECDSA_SHA256);

	/* Back: a reinserted token has forgotten its login. */
	control("");
	assert_int_equal(ta_p11_token_refresh(beta), 0);
	assert_int_equal(ta_p11_token_info(beta, &info), 0);
	assert_true(info.flags & TA_TOK_PRESENT);
	assert_false(info.flags & TA_TOK_LOGGED_IN);
	assert_int_equal(sign_err(beta, &kb), TA_ERR_NOT_LOGGED_IN);
	assert_int_equal(ta_p11_token_login(beta, tb_pin(TB_PIN), false), 0);
	/* The old key struct still works: its handle is found again by ID. */
	sign_ok(beta, &kb, TA_SIG_ECDSA_SHA256);
	assert_int_equal(ta_p11_key_list(beta, &keys, &n), 0);
	assert_true(n >= 1);
	ta_p11_keys_free(keys, n);
	ta_p11_key_clear(&ka);
	ta_p11_key_clear(&kb);
}

static void
test_pkcs11_fault_dead_session_marks_absent(void **state)
{
	struct ta_p11_key k;

	(void)state;
	alpha_ec_key("dead-session", &k);
	/* A handle error means the token was reset under us. */
	control("fail=C_Sign:CKR_SESSION_HANDLE_INVALID:1\n");
	assert_int_equal(sign_err(alpha, &k), TA_ERR_TOKEN_ABSENT);
	/* It answers again at once, but every session (and so the login)
	 * went with the reset. */
	assert_int_equal(sign_err(alpha, &k), TA_ERR_NOT_LOGGED_IN);
	assert_int_equal(ta_p11_token_login(alpha, tb_pin(TB_PIN), false), 0);
	sign_ok(alpha, &k, TA_SIG_ECDSA_SHA256);
	ta_p11_key_clear(&k);
}

static void
test_pkcs11_fault_transient_errors(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "never" };
	struct ta_p11_token_info info;
	struct ta_p11_key k;

	(void)state;
	alpha_ec_key("transient", &k);
	control("fail=C_Sign:CKR_DEVICE_ERROR:1\n");
	assert_int_equal(sign_err(alpha, &k), TA_ERR_PKCS11);
	sign_ok(alpha, &k, TA_SIG_ECDSA_SHA256);
	control("fail=C_SignInit:CKR_FUNCTION_CANCELED:1\n");
	assert_int_equal(sign_err(alpha, &k), TA_ERR_CANCELLED);
	sign_ok(alpha, &k, TA_SIG_ECDSA_SHA256);
	control("fail=C_OpenSession:CKR_SESSION_COUNT\nfail=C_Sign:CKR_DEVICE_MEMORY:1\n");
	assert_int_equal(sign_err(alpha, &k), TA_ERR_NOMEM);
	/* Still logged in, still present: none of these kill sessions. */
	assert_int_equal(ta_p11_token_info(alpha, &info), 0);
	assert_true(info.flags & TA_TOK_PRESENT);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
	control("fail=C_GenerateKeyPair:CKR_TOKEN_WRITE_PROTECTED\n");
	assert_int_equal(ta_p11_key_generate(alpha, &g, &k), TA_ERR_READ_ONLY);
	control("");
	ta_p11_key_clear(&k);
}

/* ---- status while every session is busy ---------------------------------- */

struct slow_sign {
	struct ta_p11_token *tok;
	const struct ta_p11_key *key;
	int r;
};

static void *
slow_sign_main(void *arg)
{
	struct slow_sign *s = arg;

	s->r = sign_err(s->tok, s->key);
	return NULL;
}

static void
test_pkcs11_fault_logged_in_while_busy(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "busy" };
	struct ta_p11_token *delta = NULL;
	struct ta_p11_token_info info;
	struct slow_sign s;
	struct ta_p11_key k;
	pthread_t th;

	(void)state;
	control("");
	/* One session: while it signs, no session is idle to ask. */
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=delta", 1, &delta), 0);
	assert_int_equal(ta_p11_token_login(delta, tb_pin(TB_PIN), false), 0);
	assert_int_equal(ta_p11_key_generate(delta, &g, &k), 0);
	control("delay=C_Sign:300\n");
	s = (struct slow_sign){ delta, &k, -1 };
	assert_int_equal(pthread_create(&th, NULL, slow_sign_main, &s), 0);
	/* The module counts C_Sign on entry, before its delay: from then on
	 * the only session is borrowed. */
	while (fault_count("C_Sign") == 0)
		sched_yield();
	assert_int_equal(ta_p11_token_info(delta, &info), 0);
	assert_true(info.flags & TA_TOK_LOGGED_IN);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.r, 0);
	control("");
	ta_p11_key_clear(&k);
}

/* ---- what a token cannot do ---------------------------------------------- */

static void
test_pkcs11_fault_missing_mechanisms(void **state)
{
	struct ta_p11_keygen g = { .type = TA_KEY_ED25519, .label = "ed" };
	struct ta_p11_token_info info;
	struct ta_p11_token *gamma = NULL;
	struct ta_p11_key k;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	(void)state;
	/* A token without EdDSA, and whose RSA needs its digests done for it. */
	control("hide_mech=CKM_EC_EDWARDS_KEY_PAIR_GEN,CKM_EDDSA,CKM_SHA256_RSA_PKCS_PSS,"
		"CKM_SHA256_RSA_PKCS\n");
	assert_int_equal(ta_p11_token_open(ctx, NULL, "pkcs11:token=gamma", 2, &gamma), 0);
	assert_int_equal(ta_p11_token_login(gamma, tb_pin(TB_PIN), false), 0);
	assert_int_equal(ta_p11_token_info(gamma, &info), 0);
	assert_false(info.caps & TA_CAP_ED_GEN);
	assert_false(info.caps & TA_CAP_EDDSA);
	assert_false(info.caps & TA_CAP_RSA_PSS_SHA256);
	assert_true(info.caps & TA_CAP_RSA_PSS);
	assert_int_equal(ta_p11_key_generate(gamma, &g, &k), TA_ERR_UNSUPPORTED);

	/* RSA-PSS over a digest made here, PKCS#1 over a DigestInfo: both
	 * still verify as SHA-256 signatures. */
	g.type = TA_KEY_RSA_2048;
	g.label = "rsa-fallback";
	assert_int_equal(ta_p11_key_generate(gamma, &g, &k), 0);
	sign_ok(gamma, &k, TA_SIG_RSA_PSS_SHA256);
	sign_ok(gamma, &k, TA_SIG_RSA_PKCS1_SHA256);

	/* With no RSA signing mechanism at all: unsupported, not a crash. */
	control("hide_mech=CKM_RSA_PKCS_PSS,CKM_SHA256_RSA_PKCS_PSS,CKM_RSA_PKCS,"
		"CKM_SHA256_RSA_PKCS,CKM_EC_EDWARDS_KEY_PAIR_GEN,CKM_EDDSA\nabsent=gamma\n");
	assert_int_equal(ta_p11_token_refresh(gamma), TA_ERR_TOKEN_ABSENT);
	control("hide_mech=CKM_RSA_PKCS_PSS,CKM_SHA256_RSA_PKCS_PSS,CKM_RSA_PKCS,"
		"CKM_SHA256_RSA_PKCS,CKM_EC_EDWARDS_KEY_PAIR_GEN,CKM_EDDSA\n");
	assert_int_equal(ta_p11_token_refresh(gamma), 0);
	assert_int_equal(ta_p11_token_login(gamma, tb_pin(TB_PIN), false), 0);
	assert_int_equal(ta_p11_sign(gamma, &k, TA_SIG_RSA_PSS_SHA256, msg, sizeof(msg), NULL, sig,
	    &len), TA_ERR_UNSUPPORTED);
	assert_int_equal(ta_p11_sign(gamma, &k, TA_SIG_RSA_PKCS1_SHA256, msg, sizeof(msg), NULL,
	    sig, &len), TA_ERR_UNSUPPORTED);
	control("");
	ta_p11_key_clear(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkcs11_fault_wrong_pin_tried_once),
		cmocka_unit_test(test_pkcs11_fault_pin_errors_distinct),
		cmocka_unit_test(test_pkcs11_fault_protected_auth_path),
		cmocka_unit_test(test_pkcs11_fault_token_vanishes_and_returns),
		cmocka_unit_test(test_pkcs11_fault_dead_session_marks_absent),
		cmocka_unit_test(test_pkcs11_fault_transient_errors),
		cmocka_unit_test(test_pkcs11_fault_logged_in_while_busy),
		cmocka_unit_test(test_pkcs11_fault_missing_mechanisms),
	};

	return cmocka_run_group_tests(tests, group_setup, tb_group_teardown);
}
