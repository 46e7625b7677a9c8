/* ECDSA P-256 on SoftHSM2: the token layer's session pool against a plain
 * loop of C_SignInit + C_Sign on one session per thread, in the same run,
 * on the same module instance and token.
 *
 *	bench_pool [seconds-per-run]      (default 3)
 *
 * Prints signatures per second, median and p99 latency, and the ratio
 * pool / plain for 1 and 2 threads (goal: at least 0.9). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "bench/benchlib.h"
#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tests/tools/testbed.h"

#define WARMUP 0.3 /* seconds before each timed run */

/* The pool path: ta_p11_sign() hashes and signs on a pooled session. */
struct pool {
	struct ta_p11_token *tok;
	const struct ta_p11_key *key;
};

struct pool_thread {
	const struct pool *pool;
	uint8_t msg[64];
};

static int
pool_open(void *arg, int i, void **ret_state)
{
	struct pool_thread *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return TA_ERR_NOMEM;
	t->pool = arg;
	(void)snprintf(
	    (char *)t->msg, sizeof(t->msg), "bench %d: the canonical bytes of a role", i);
	*ret_state = t;
	return 0;
}

static int
pool_sign(void *state)
{
	struct pool_thread *t = state;
	uint8_t sig[TA_P11_SIG_MAX];
	size_t len;

	t->msg[0]++;
	return ta_p11_sign(t->pool->tok, t->pool->key, TA_SIG_ECDSA_SHA256, t->msg, sizeof(t->msg),
	    NULL, sig, &len);
}

static const struct bl_ops pool_ops = {
    .open = pool_open,
    .op = pool_sign,
    .close = free,
};

int
main(int argc, char **argv)
{
	double secs = 3.0;
	struct ta_p11_keygen g = {.type = TA_KEY_EC_P256, .label = "bench"};
	struct ta_p11_ctx *ctx = NULL;
	struct ta_p11_module *mod;
	struct ta_p11_token *tok;
	struct ta_p11_token_info info;
	struct ta_p11_key key = {0};
	struct bl_result res[2][2]; /* [raw?][threads-1] */
	struct bl_p11 plain = {0};
	struct pool pool;
	CK_C_GetFunctionList gfl;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_ULONG n = 0;
	CK_SESSION_HANDLE s;
	void *h;
	char *end;
	int r = TA_ERR_INTERNAL;

	if (argc > 1 && ((secs = strtod(argv[1], &end)) <= 0 || *end != '\0')) {
		(void)fprintf(stderr, "usage: bench_pool [seconds-per-run]\n");
		return 2;
	}
	if (tb_softhsm_module() == NULL || tb_softhsm_setup() == NULL ||
	    tb_softhsm_token("bench") != 0) {
		(void)fprintf(stderr, "bench_pool: no SoftHSM2 (scripts/install-deps)\n");
		return 1;
	}
	if ((ctx = ta_p11_ctx_new()) == NULL ||
	    (r = ta_p11_module_load(ctx, tb_softhsm_module(), &mod)) != 0 ||
	    (r = ta_p11_token_open(ctx, mod, "pkcs11:token=bench", 2, &tok)) != 0 ||
	    (r = ta_p11_token_login(tok, ta_secret_from(TB_PIN, 6), false)) != 0 ||
	    (r = ta_p11_key_generate(tok, &g, &key)) != 0 ||
	    (r = ta_p11_token_info(tok, &info)) != 0)
		goto out;
	/* The plain loop uses the very same module instance and key: the
	 * function list of the module the token layer loaded. */
	h = dlopen(tb_softhsm_module(), RTLD_NOW | RTLD_NOLOAD);
	gfl = h ? (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList") : NULL;
	if (gfl == NULL || gfl(&plain.fl) != CKR_OK ||
	    plain.fl->C_OpenSession(info.slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		r = TA_ERR_PKCS11;
		goto out;
	}
	tmpl[1] = (CK_ATTRIBUTE){CKA_ID, key.id, key.id_len};
	if (plain.fl->C_FindObjectsInit(s, tmpl, 2) != CKR_OK ||
	    plain.fl->C_FindObjects(s, &plain.key, 1, &n) != CKR_OK || n != 1) {
		r = TA_ERR_PKCS11;
		goto out;
	}
	(void)plain.fl->C_FindObjectsFinal(s);
	(void)plain.fl->C_CloseSession(s);
	plain.slot = info.slot;
	pool.tok = tok;
	pool.key = &key;

	printf("ECDSA P-256 signatures on SoftHSM2 (%s), %.1f s per run after %.1f s warm-up\n\n",
	    info.module, secs, WARMUP);
	printf("%-34s %7s %10s %11s %9s\n", "path", "threads", "sigs/s", "median us", "p99 us");
	for (int t = 1; t <= 2; t++) {
		for (int raw = 1; raw >= 0; raw--) {
			struct bl_result *x = &res[raw][t - 1];

			if ((r = raw ? bl_measure(&bl_p11_sign_ops, &plain, t, WARMUP, secs, x)
				     : bl_measure(&pool_ops, &pool, t, WARMUP, secs, x)) != 0)
				goto out;
			printf("%-34s %7d %10.0f %11.1f %9.1f\n",
			    raw ? "plain C_SignInit+C_Sign loop" : "pool (ta_p11_sign)", t, x->rate,
			    x->median, x->p99);
		}
	}
	printf("\n");
	for (int t = 1; t <= 2; t++)
		printf("ratio pool / plain, %d thread%s: %.3f (goal >= 0.90)\n", t,
		    t > 1 ? "s" : "", res[0][t - 1].rate / res[1][t - 1].rate);
	r = 0;
out:
	if (r != 0)
		(void)fprintf(stderr, "bench_pool: %s\n", ta_strerror(r));
	ta_p11_key_clear(&key);
	ta_p11_ctx_free(ctx);
	tb_softhsm_teardown();
	return r == 0 ? 0 : 1;
}
