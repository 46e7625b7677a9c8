#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/err.h"

static const struct err {
	int code;
	const char *name;
	const char *text;
} errors[] = {
#define E(c, t) { c, #c, t }
	E(TA_OK, "success"),
	E(TA_ERR_INTERNAL, "internal error (a bug; please report it)"),
	E(TA_ERR_NOMEM, "out of memory"),
	E(TA_ERR_SYSTEM, "system call failed"),
	E(TA_ERR_INVALID, "invalid argument or malformed input"),
	E(TA_ERR_TOO_LARGE, "input exceeds a size limit"),
	E(TA_ERR_TRUNCATED, "input is truncated"),
	E(TA_ERR_TRAILING, "unexpected data after the end of the input"),
	E(TA_ERR_NOT_FOUND, "not found"),
	E(TA_ERR_EXISTS, "already exists"),
	E(TA_ERR_AMBIGUOUS, "matches more than one object; make the URI or name more specific"),
	E(TA_ERR_UNSUPPORTED, "not supported by this token or build"),
	E(TA_ERR_CRYPTO, "cryptographic library error"),
	E(TA_ERR_PKCS11, "the PKCS#11 module reported an error"),
	E(TA_ERR_MODULE_LOAD, "cannot load the PKCS#11 module; check its name or path"),
	E(TA_ERR_TOKEN_ABSENT, "token absent; insert it or check the reader"),
	E(TA_ERR_TOKEN_NOT_INIT, "token is not initialised"),
	E(TA_ERR_NOT_LOGGED_IN, "token is locked; unlock it with its PIN first"),
	E(TA_ERR_TOKEN_BUSY, "token is busy; try again"),
	E(TA_ERR_KEY_NOT_FOUND, "no such key on the token"),
	E(TA_ERR_KEY_TYPE, "the key's type does not fit this operation"),
	E(TA_ERR_READ_ONLY, "token is write-protected"),
	E(TA_ERR_PIN_INCORRECT, "PIN incorrect"),
	E(TA_ERR_PIN_COUNT_LOW, "PIN incorrect; the token reports few tries left"),
	E(TA_ERR_PIN_FINAL_TRY, "one PIN try left before the token locks; unlock interactively"),
	E(TA_ERR_PIN_LOCKED, "PIN locked; reset it with the token's PUK or SO PIN"),
	E(TA_ERR_PIN_LEN_RANGE, "PIN length is outside the token's range"),
	E(TA_ERR_PIN_EXPIRED, "PIN expired; change it with the token's tools"),
	E(TA_ERR_PIN_REQUIRED, "a PIN is needed and none was given"),
	E(TA_ERR_PROTOCOL, "protocol error"),
	E(TA_ERR_NOT_AUTHORIZED, "not authorized"),
	E(TA_ERR_POLICY, "refused by policy"),
	E(TA_ERR_TIMEOUT, "timed out"),
	E(TA_ERR_CANCELLED, "cancelled"),
	E(TA_ERR_VERIFY, "verification failed"),
	E(TA_ERR_EXPIRED, "metadata expired"),
	E(TA_ERR_FORMAT, "metadata has the wrong shape"),
	E(TA_ERR_KEY_WEAK, "key too weak: RSA keys need at least 2048 bits"),
	E(TA_ERR_CERT_LEAF, "root certificate bundle needs exactly one non-CA leaf, first"),
	E(TA_ERR_CERT_CN, "root certificate CN does not match the GUN (nor as a prefix* wildcard)"),
	E(TA_ERR_CERT_DATES, "root certificate NotBefore is after its NotAfter"),
	E(TA_ERR_CERT_NOT_YET_VALID, "root certificate is not valid yet (NotBefore > now + 1 day)"),
	E(TA_ERR_CERT_EXPIRED, "root certificate expired; make a new one and rotate the root"),
	E(TA_ERR_CERT_SHA1, "root certificate is signed with SHA-1 (or weaker); notary refuses it"),
#undef E
};

static const struct err *
find(int r)
{
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == r)
			return &errors[i];
	return NULL;
}

const char *
ta_strerror(int r)
{
	const struct err *e = find(r);

	return e != NULL ? e->text : "unknown error";
}

const char *
ta_errname(int r)
{
	const struct err *e = find(r);

	return e != NULL ? e->name : "TA_ERR_UNKNOWN";
}

struct ta_why
ta_why_start(char *buf, size_t len)
{
	struct ta_why w = {.buf = buf, .len = buf != NULL ? len : 0};

	if (w.len > 0)
		buf[0] = '\0';
	return w;
}

static void __attribute__((format(printf, 3, 0)))
why_vset(char *buf, size_t len, const char *fmt, va_list ap)
{
	if (buf != NULL && len > 0)
		(void)vsnprintf(buf, len, fmt, ap);
}

void
ta_why_set(const struct ta_why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	why_vset(w->buf, w->len, fmt, ap);
	va_end(ap);
}

int
ta_why_buf(char *buf, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	why_vset(buf, len, fmt, ap);
	va_end(ap);
	return r;
}

int
ta_why_end(const struct ta_why *w, int r)
{
	int e = errno;

	if (r != 0 && w->len > 0 && w->buf[0] == '\0')
		(void)snprintf(w->buf, w->len, "%s", ta_strerror(r));
	errno = e;
	return r;
}
