/* bench/benchlib.h: timed runs and the plain C_Sign loop. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>


#include "bench/benchlib.h"
#include "common/err.h"

#define BL_THREADS_MAX 1024

struct bl_shared {
	const struct bl_ops *ops;
	void *arg;
	pthread_barrier_t ready, go;
	double warm_end, end; /* written by the main thread between the barriers */
};

struct bl_thread {
	struct bl_shared *sh;
	int idx;
	double *lat; /* microseconds, grown by doubling */
	size_t n, cap;
	size_t all; /* every operation done */
	int err;
};

static int
bl_record(struct bl_thread *t, double us)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		double *p = realloc(t->lat, cap * sizeof(*p));

		if (p == NULL)
			return TA_ERR_NOMEM;
		t->lat = p;
		t->cap = cap;
	}
	t->lat[t->n++] = us;
	return 0;
}

static void *
bl_thread_main(void *arg)
{
	struct bl_thread *t = arg;
	struct bl_shared *sh = t->sh;
	void *st = NULL;
	double t0, t1;
	bool opened;

	t->err = sh->ops->open ? sh->ops->open(sh->arg, t->idx, &st) : 0;
	opened = t->err == 0;
	/* Every thread passes both barriers, failed or not, so that none waits
	 * for ever; a failed one then does nothing. */
	(void)pthread_barrier_wait(&sh->ready);
	(void)pthread_barrier_wait(&sh->go);
	while (t->err == 0 && (t0 = bl_now()) < sh->end) {
		if ((t->err = sh->ops->op(st)) != 0)
			break;
		t1 = bl_now();
		t->all++;
		if (t1 >= sh->warm_end && t1 < sh->end)
			t->err = bl_record(t, (t1 - t0) * 1e6);
	}
	if (opened && sh->ops->close)
		sh->ops->close(st);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of n sorted values (nearest rank). */
static double
quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)((double)n * q);

	return v[i < n ? i : n - 1];
}

int
bl_measure(const struct bl_ops *ops, void *arg, int threads, double warmup, double seconds,
    struct bl_result *ret)
{
	struct bl_shared sh = {.ops = ops, .arg = arg};
	struct bl_thread *t = NULL;
	pthread_t *th = NULL;
	double *all = NULL, start;
	size_t total = 0, total_all = 0, k = 0;
	int started = 0, r = 0;

	if (threads < 1 || threads > BL_THREADS_MAX || seconds <= 0 || warmup < 0)
		return TA_ERR_INVALID;
	if ((t = calloc((size_t)threads, sizeof(*t))) == NULL ||
	    (th = calloc((size_t)threads, sizeof(*th))) == NULL) {
		free(t);
		return TA_ERR_NOMEM;
	}
	if (pthread_barrier_init(&sh.ready, NULL, (unsigned)threads + 1) != 0 ||
	    pthread_barrier_init(&sh.go, NULL, (unsigned)threads + 1) != 0) {
		(void)fprintf(stderr, "bench: pthread_barrier_init failed\n");
		free(t);
		free(th);
		return TA_ERR_SYSTEM;
	}
	for (int i = 0; i < threads; i++) {
		t[i].sh = &sh;
		t[i].idx = i;
	}
	for (; started < threads; started++)
		if (pthread_create(&th[started], NULL, bl_thread_main, &t[started]) != 0)
			break;
	if (started < threads) {
		/* Cannot happen below the thread limit; the threads that run
		 * are stuck on the barrier, so this is the end of the process. */
		(void)fprintf(
		    stderr, "bench: cannot start %d threads (%d started)\n", threads, started);
		exit(1);
	}
	(void)pthread_barrier_wait(&sh.ready);
	start = bl_now();
	sh.warm_end = start + warmup;
	sh.end = sh.warm_end + seconds;
	(void)pthread_barrier_wait(&sh.go);
	for (int i = 0; i < threads; i++)
		(void)pthread_join(th[i], NULL);
	for (int i = 0; i < threads; i++) {
		if (t[i].err != 0 && r == 0)
			r = t[i].err;
		total += t[i].n;
		total_all += t[i].all;
	}
	if (r == 0 && total == 0) {
		(void)fprintf(stderr,
		    "bench: no operation ended in the %.1f s timed phase; give more seconds "
		    "per run\n",
		    seconds);
		r = TA_ERR_TIMEOUT;
	}
	if (r == 0 && (all = malloc(total * sizeof(*all))) == NULL)
		r = TA_ERR_NOMEM;
	if (r == 0) {
		for (int i = 0; i < threads; i++) {
			if (t[i].n == 0) /* a slow thread may finish nothing in a short run */
				continue;
			memcpy(all + k, t[i].lat, t[i].n * sizeof(*all));
			k += t[i].n;
		}
		qsort(all, total, sizeof(*all), cmp_double);
		ret->n = total;
		ret->n_all = total_all;
		ret->rate = (double)total / seconds;
		ret->median = quantile(all, total, 0.5);
		ret->p99 = quantile(all, total, 0.99);
	}
	for (int i = 0; i < threads; i++)
		free(t[i].lat);
	free(all);
	free(t);
	free(th);
	(void)pthread_barrier_destroy(&sh.ready);
	(void)pthread_barrier_destroy(&sh.go);
	return r;
}

/* ---- the plain C_Sign loop ------------------------------------------------ */

static int
bl_ckr(const char *what, CK_RV rv)
{
	(void)fprintf(stderr, "bench: %s failed: CKR 0x%lx\n", what, (unsigned long)rv);
	return TA_ERR_PKCS11;
}

static int
bl_find_slot(struct bl_p11 *p, const char *token)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	size_t tl = strlen(token);

	if ((rv = p->fl->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
		return bl_ckr("C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		if (p->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		/* The label is blank-padded to 32 bytes. */
		if (tl <= sizeof(ti.label) && memcmp(ti.label, token, tl) == 0 &&
		    (tl == sizeof(ti.label) || ti.label[tl] == ' ')) {
			p->slot = slots[i];
			return 0;
		}
	}
	(void)fprintf(
	    stderr, "bench: no token labelled \"%s\" in %lu slots\n", token, (unsigned long)n);
	return TA_ERR_TOKEN_ABSENT;
}

static int
bl_find_key(struct bl_p11 *p, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)(uintptr_t)label, strlen(label)},
	};
	CK_ULONG n = 0;
	CK_RV rv;

	if ((rv = p->fl->C_FindObjectsInit(p->login, tmpl, 2)) != CKR_OK)
		return bl_ckr("C_FindObjectsInit", rv);
	rv = p->fl->C_FindObjects(p->login, &p->key, 1, &n);
	(void)p->fl->C_FindObjectsFinal(p->login);
	if (rv != CKR_OK)
		return bl_ckr("C_FindObjects", rv);
	if (n != 1) {
		(void)fprintf(
		    stderr, "bench: no private key labelled \"%s\" on the token\n", label);
		return TA_ERR_KEY_NOT_FOUND;
	}
	return 0;
}

int
bl_p11_open(
    const char *path, const char *token, const char *pin, const char *key_label, struct bl_p11 *ret)
{
	CK_C_INITIALIZE_ARGS ia = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList gfl;
	struct bl_p11 p = {0};
	CK_RV rv;
	int r;

	if ((p.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		(void)fprintf(stderr, "bench: cannot load %s: %s\n", path, dlerror());
		return TA_ERR_MODULE_LOAD;
	}
	if ((gfl = (CK_C_GetFunctionList)dlsym(p.dl, "C_GetFunctionList")) == NULL ||
	    gfl(&p.fl) != CKR_OK) {
		(void)fprintf(stderr, "bench: %s has no C_GetFunctionList\n", path);
		(void)dlclose(p.dl);
		return TA_ERR_MODULE_LOAD;
	}
	if ((rv = p.fl->C_Initialize(&ia)) != CKR_OK) {
		(void)dlclose(p.dl);
		return bl_ckr("C_Initialize", rv);
	}
	if ((r = bl_find_slot(&p, token)) != 0)
		goto fail;
	if ((rv = p.fl->C_OpenSession(p.slot, CKF_SERIAL_SESSION, NULL, NULL, &p.login)) !=
	    CKR_OK) {
		r = bl_ckr("C_OpenSession", rv);
		goto fail;
	}
	rv = p.fl->C_Login(p.login, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)pin, strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		r = bl_ckr("C_Login", rv);
		goto fail;
	}
	if ((r = bl_find_key(&p, key_label)) != 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	(void)p.fl->C_Finalize(NULL);
	(void)dlclose(p.dl);
	return r;
}

void
bl_p11_close(struct bl_p11 *p)
{
	if (p == NULL || p->dl == NULL)
		return;
	(void)p->fl->C_Logout(p->login);
	(void)p->fl->C_CloseSession(p->login);
	(void)p->fl->C_Finalize(NULL);
	(void)dlclose(p->dl);
	p->dl = NULL;
}

struct bl_p11_thread {
	const struct bl_p11 *p;
	CK_SESSION_HANDLE s;
	uint8_t msg[64];
};

static int
bl_p11_thread_open(void *arg, int i, void **ret_state)
{
	struct bl_p11_thread *t = calloc(1, sizeof(*t));
	CK_RV rv;

	if (t == NULL)
		return TA_ERR_NOMEM;
	t->p = arg;
	(void)snprintf(
	    (char *)t->msg, sizeof(t->msg), "bench %d: the canonical bytes of a role", i);
	if ((rv = t->p->fl->C_OpenSession(t->p->slot, CKF_SERIAL_SESSION, NULL, NULL, &t->s)) !=
	    CKR_OK) {
		free(t);
		return bl_ckr("C_OpenSession", rv);
	}
	*ret_state = t;
	return 0;
}

static int
bl_p11_thread_sign(void *state)
{
	struct bl_p11_thread *t = state;
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	uint8_t dig[32], sig[256];
	CK_ULONG sl = sizeof(sig);
	CK_RV rv;

	if (EVP_Digest(t->msg, sizeof(t->msg), dig, NULL, EVP_sha256(), NULL) != 1)
		return TA_ERR_CRYPTO;
	t->msg[0]++;
	if ((rv = t->p->fl->C_SignInit(t->s, &mech, t->p->key)) != CKR_OK)
		return bl_ckr("C_SignInit", rv);
	if ((rv = t->p->fl->C_Sign(t->s, dig, sizeof(dig), sig, &sl)) != CKR_OK)
		return bl_ckr("C_Sign", rv);
	if (sl != 64) {
		(void)fprintf(
		    stderr, "bench: C_Sign gave %lu bytes, not 64 (r || s)\n", (unsigned long)sl);
		return TA_ERR_PKCS11;
	}
	return 0;
}

static void
bl_p11_thread_close(void *state)
{
	struct bl_p11_thread *t = state;

	(void)t->p->fl->C_CloseSession(t->s);
	free(t);
}

const struct bl_ops bl_p11_sign_ops = {
    .open = bl_p11_thread_open,
    .op = bl_p11_thread_sign,
    .close = bl_p11_thread_close,
};

/* ---- CPU time, and the agent's self-check alone ------------------------------------ */

/* This process's CPU time so far, in seconds. */
double
bl_proc_cpu(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
bl_thread_cpu(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
