/* One error space for the whole project.
 *
 * Every fallible function returns int: 0 on success or a negative TA_ERR_*.
 * Foreign codes (CK_RV, OpenSSL's queue, UV_E*) are translated once, at the
 * boundary of the module that calls them. ta_strerror() never returns NULL. */
#ifndef TA_ERR_H
#define TA_ERR_H

#include <stddef.h>

enum {
	TA_OK = 0,
	TA_ERR_INTERNAL = -1,      /* a bug: an invariant did not hold */
	TA_ERR_NOMEM = -2,
	TA_ERR_SYSTEM = -3,        /* see errno */
	TA_ERR_INVALID = -4,       /* an argument or input is malformed */
	TA_ERR_TOO_LARGE = -5,     /* input over a documented limit */
	TA_ERR_TRUNCATED = -6,     /* input ends early */
	TA_ERR_TRAILING = -7,      /* bytes left after a complete message */
	TA_ERR_NOT_FOUND = -8,
	TA_ERR_EXISTS = -9,
	TA_ERR_AMBIGUOUS = -10,    /* a URI or name matches more than one thing */
	TA_ERR_UNSUPPORTED = -11,  /* the token or build cannot do this */
	TA_ERR_CRYPTO = -12,       /* OpenSSL failed */
	TA_ERR_PKCS11 = -13,       /* a PKCS#11 failure with no better code */

	/* Modules and tokens. */
	TA_ERR_MODULE_LOAD = -20,
	TA_ERR_TOKEN_ABSENT = -21,
	TA_ERR_TOKEN_NOT_INIT = -22,
	TA_ERR_NOT_LOGGED_IN = -23,
	TA_ERR_TOKEN_BUSY = -24,   /* session pool exhausted or device busy */
	TA_ERR_KEY_NOT_FOUND = -25,
	TA_ERR_KEY_TYPE = -26,     /* key cannot make this kind of signature */
	TA_ERR_READ_ONLY = -27,

	/* PINs.  The agent never retries after any of these. */
	TA_ERR_PIN_INCORRECT = -30,
	TA_ERR_PIN_COUNT_LOW = -31,   /* incorrect, and the token says tries are low */
	TA_ERR_PIN_FINAL_TRY = -32,   /* incorrect or refused: one try is left */
	TA_ERR_PIN_LOCKED = -33,
	TA_ERR_PIN_LEN_RANGE = -34,
	TA_ERR_PIN_EXPIRED = -35,
	TA_ERR_PIN_REQUIRED = -36,    /* the operation needs a PIN we do not have */

	/* Protocol, policy, agent. */
	TA_ERR_PROTOCOL = -40,
	TA_ERR_NOT_AUTHORIZED = -41,
	TA_ERR_POLICY = -42,
	TA_ERR_TIMEOUT = -43,
	TA_ERR_CANCELLED = -44,

	/* Metadata. */
	TA_ERR_VERIFY = -50,       /* a signature or threshold check failed */
	TA_ERR_EXPIRED = -51,
	TA_ERR_FORMAT = -52,       /* well-formed input of the wrong shape */

	/* Keys and notary root certificates (FORMATS §1.6). */
	TA_ERR_KEY_WEAK = -53,          /* an RSA key under 2048 bits */
	TA_ERR_CERT_LEAF = -54,         /* not exactly one non-CA leaf, first in the bundle */
	TA_ERR_CERT_CN = -55,           /* the leaf's CN is neither the GUN nor a prefix* of it */
	TA_ERR_CERT_DATES = -56,        /* NotBefore is after NotAfter */
	TA_ERR_CERT_NOT_YET_VALID = -57, /* NotBefore is more than a day ahead */
	TA_ERR_CERT_EXPIRED = -58,      /* NotAfter has passed */
	TA_ERR_CERT_SHA1 = -59,         /* signed with SHA-1 (or MD5) */

	TA_ERR_MIN_ = -60
};

/* A human-readable, actionable description of a TA_ERR_* code.
 * Static storage; unknown codes give "unknown error". */
const char *ta_strerror(int r);

/* The symbolic name ("TA_ERR_PIN_LOCKED"), for logs and JSON. Static storage. */
const char *ta_errname(int r);

/* A reason for a failure, one line into a caller's buffer (len 0: none
 * wanted).  ta_why_start() empties it; ta_why_set() writes it;
 * ta_why_end(w, r) returns r, after writing ta_strerror(r) when r is an
 * error and nothing better was written (errno kept). */
struct ta_why {
	char *buf;
	size_t len;
};

struct ta_why ta_why_start(char *buf, size_t len);
void ta_why_set(const struct ta_why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ta_why_end(const struct ta_why *w, int r);

/* The same for a bare buffer and its length (buf NULL or len 0: none
 * wanted): writes the reason, returns r. */
int ta_why_buf(char *buf, size_t len, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* r, after writing a reason (a macro so that r stays visible to analysers). */
#define ta_why_fail(r, w, ...) (ta_why_set((w), __VA_ARGS__), (r))

#endif
