/* What the benchmarks share: a clock, timed runs over N threads with one
 * latency per operation, and a plain PKCS#11 C_SignInit + C_Sign loop.
 *
 *	struct bl_result res;
 *	r = bl_measure(&ops, arg, threads, warmup_s, seconds, &res);
 *
 * Each thread opens its own state (a session, a connection) before the clock
 * starts; then all run ops.op() back to back, through a warm-up and then the
 * timed phase.  The operations that end within the timed phase are counted,
 * whenever they started (so that a run whose operations each take longer
 * than the warm-up still counts them); the rate is their number over the
 * phase's length, and median and p99 are over their latencies.  No thread
 * starts an operation after the timed phase.
 *
 * Errors are negative TA_ERR_* (common/err.h); the functions here print one
 * line on stderr saying what failed. */
#ifndef TA_BENCHLIB_H
#define TA_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "bench/benchio.h" /* bl_now() */

struct bl_ops {
	/* Thread i's state (*ret_state may be left NULL); 0 or a TA_ERR_*. */
	int (*open)(void *arg, int i, void **ret_state);
	/* One operation; 0 or a TA_ERR_* (the thread stops). */
	int (*op)(void *state);
	/* Frees the state; called for every thread whose open succeeded. */
	void (*close)(void *state);
};

struct bl_result {
	double rate;   /* operations per second */
	double median; /* microseconds */
	double p99;    /* microseconds */
	size_t n;      /* operations timed */
	size_t n_all;  /* operations done, warm-up and the last ones after the timed phase too */
};

/* Runs threads (1..1024) threads as above.  0, or the first thread's error
 * (open or op), or TA_ERR_NOMEM / TA_ERR_SYSTEM. */
int bl_measure(const struct bl_ops *ops, void *arg, int threads, double warmup, double seconds,
    struct bl_result *ret);

/* ---- a plain C_Sign loop ------------------------------------------------- */

/* A PKCS#11 module with a logged-in token and one ECDSA P-256 private key. */
struct bl_p11 {
	void *dl; /* from bl_p11_open(); NULL when the caller filled fl */
	CK_FUNCTION_LIST *fl;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE login; /* holds the login while the module is open */
	CK_OBJECT_HANDLE key;
};

/* Loads the module at path (dlopen, C_Initialize with OS locking), finds the
 * token labelled token, logs in with pin and finds the private key labelled
 * key_label.  0 or a TA_ERR_* (printed, with the CKR_ code). */
int bl_p11_open(const char *path, const char *token, const char *pin, const char *key_label,
    struct bl_p11 *ret);

/* Logs out, C_Finalize, dlclose.  Does nothing for a caller-filled struct
 * (dl NULL) nor twice. */
void bl_p11_close(struct bl_p11 *p);

/* bl_measure() operations on a struct bl_p11 (the arg): each thread opens its
 * own session; an operation hashes a 64-byte message with SHA-256 (as the
 * agent and the session pool do) and makes one CKM_ECDSA signature of the
 * digest with C_SignInit + C_Sign. */
extern const struct bl_ops bl_p11_sign_ops;

/* This process's, and this thread's, CPU time so far, in seconds. */
double bl_proc_cpu(void);
double bl_thread_cpu(void);

/* The CPU microseconds of one ECDSA P-256 verification of a 512-byte
 * message made as the agent's self-check makes it (tuf/sig.c: a copy of a
 * verify context kept with the key), on this thread, over secs seconds; 0
 * when OpenSSL fails. */
double bl_selfcheck_us(double secs);

#endif
