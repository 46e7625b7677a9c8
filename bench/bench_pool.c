/* ECDSA P-256 on SoftHSM2: the token layer's session pool against a plain
 * loop of C_SignInit + C_Sign on one session per thread, in the same run,
 * on the same module instance and token.
 *
 *	bench_pool [seconds-per-run]      (default 3)
 *
 * Prints signatures per second, median and p99 latency, and the ratio
 * pool / plain for 1 and 2 threads (goal: at least 0.9). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tests/testbed.h"

#define MAX_SAMPLES 200000

struct run {
	/* in */
	struct ta_p11_token *tok;
	const struct ta_p11_key *key;
	CK_FUNCTION_LIST *fl;
	CK_SLOT_ID slot;
	CK_OBJECT_HANDLE kh;
	bool raw;
	double seconds;
	/* out */
	double *lat; /* microseconds */
	size_t n;
	int err;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
runner(void *arg)
{
	struct run *r = arg;
	uint8_t msg[64] = "bench: the canonical bytes of a snapshot role";
	uint8_t dig[32], sig[TA_P11_SIG_MAX];
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_SESSION_HANDLE s = 0;
	double end, t0;
	size_t len;

	if (r->raw && r->fl->C_OpenSession(r->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		r->err = TA_ERR_PKCS11;
		return NULL;
	}
	end = now() + r->seconds;
	while (r->n < MAX_SAMPLES && (t0 = now()) < end) {
		if (r->raw) {
			CK_ULONG sl = sizeof(sig);

			/* The plain loop hashes too, as the pool does. */
			(void)EVP_Digest(msg, sizeof(msg), dig, NULL, EVP_sha256(), NULL);
			if (r->fl->C_SignInit(s, &mech, r->kh) != CKR_OK ||
			    r->fl->C_Sign(s, dig, sizeof(dig), sig, &sl) != CKR_OK) {
				r->err = TA_ERR_PKCS11;
				break;
			}
		} else if ((r->err = ta_p11_sign(r->tok, r->key, TA_SIG_ECDSA_SHA256, msg,
				sizeof(msg), NULL, sig, &len)) != 0) {
			break;
		}
		r->lat[r->n++] = (now() - t0) * 1e6;
		msg[0]++;
	}
	if (r->raw)
		(void)r->fl->C_CloseSession(s);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct result {
	double rate, median, p99;
};

static int
measure(struct run *proto, int threads, struct result *res)
{
	pthread_t th[8];
	struct run runs[8];
	double t0, el, *all;
	size_t total = 0, k = 0;

	for (int i = 0; i < threads; i++) {
		runs[i] = *proto;
		runs[i].lat = calloc(MAX_SAMPLES, sizeof(double));
		if (runs[i].lat == NULL)
			return TA_ERR_NOMEM;
	}
	t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, runner, &runs[i]);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	el = now() - t0;
	for (int i = 0; i < threads; i++) {
		if (runs[i].err != 0)
			return runs[i].err;
		total += runs[i].n;
	}
	if ((all = calloc(total ? total : 1, sizeof(double))) == NULL)
		return TA_ERR_NOMEM;
	for (int i = 0; i < threads; i++) {
		memcpy(all + k, runs[i].lat, runs[i].n * sizeof(double));
		k += runs[i].n;
		free(runs[i].lat);
	}
	qsort(all, total, sizeof(double), cmp_double);
	res->rate = (double)total / el;
	res->median = all[total / 2];
	res->p99 = all[(size_t)((double)total * 0.99)];
	free(all);
	return 0;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256, .label = "bench" };
	struct ta_p11_ctx *ctx = NULL;
	struct ta_p11_module *mod;
	struct ta_p11_token *tok;
	struct ta_p11_token_info info;
	struct ta_p11_key key = { 0 };
	struct result res[2][2]; /* [raw?][threads-1] */
	CK_C_GetFunctionList gfl;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_ULONG n = 0;
	CK_SESSION_HANDLE s;
	struct run proto = { 0 };
	void *h;
	int r = TA_ERR_INTERNAL;

	if (secs <= 0 || tb_softhsm_module() == NULL || tb_softhsm_setup() == NULL ||
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
	/* The plain loop uses the very same module instance and key. */
	h = dlopen(tb_softhsm_module(), RTLD_NOW | RTLD_NOLOAD);
	gfl = h ? (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList") : NULL;
	if (gfl == NULL || gfl(&proto.fl) != CKR_OK ||
	    proto.fl->C_OpenSession(info.slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		r = TA_ERR_PKCS11;
		goto out;
	}
	tmpl[1] = (CK_ATTRIBUTE){ CKA_ID, key.id, key.id_len };
	if (proto.fl->C_FindObjectsInit(s, tmpl, 2) != CKR_OK ||
	    proto.fl->C_FindObjects(s, &proto.kh, 1, &n) != CKR_OK || n != 1) {
		r = TA_ERR_PKCS11;
		goto out;
	}
	(void)proto.fl->C_FindObjectsFinal(s);
	(void)proto.fl->C_CloseSession(s);
	proto.tok = tok;
	proto.key = &key;
	proto.slot = info.slot;
	proto.seconds = secs;

	printf("ECDSA P-256 signatures on SoftHSM2 (%s), %.1f s per run\n\n", info.module, secs);
	printf("%-34s %7s %10s %11s %9s\n", "path", "threads", "sigs/s", "median us", "p99 us");
	for (int t = 1; t <= 2; t++) {
		for (int raw = 1; raw >= 0; raw--) {
			proto.raw = raw;
			if ((r = measure(&proto, t, &res[raw][t - 1])) != 0)
				goto out;
			printf("%-34s %7d %10.0f %11.1f %9.1f\n",
			    raw ? "plain C_SignInit+C_Sign loop" : "pool (ta_p11_sign)", t,
			    res[raw][t - 1].rate, res[raw][t - 1].median, res[raw][t - 1].p99);
		}
	}
	printf("\n");
	for (int t = 1; t <= 2; t++)
		printf("ratio pool / plain, %d thread%s: %.3f (goal >= 0.90)\n", t, t > 1 ? "s" : "",
		    res[0][t - 1].rate / res[1][t - 1].rate);
	r = 0;
out:
	if (r != 0)
		(void)fprintf(stderr, "bench_pool: %s\n", ta_strerror(r));
	ta_p11_key_clear(&key);
	ta_p11_ctx_free(ctx);
	tb_softhsm_teardown();
	return r == 0 ? 0 : 1;
}
