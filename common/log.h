/* Logging for agent/ and client/.  Library code (common, protocol, tuf,
 * pkcs11) logs at debug level at most; it returns codes instead.
 *
 * Each error is logged once, where it is handled:
 *	log_err_r(r, "sign with key '%s'", label);
 * prints "tuf-agent: sign with key 'x': PIN incorrect". */
#ifndef TA_LOG_H
#define TA_LOG_H

#include <stdarg.h>

enum ta_log_level { TA_LOG_ERR = 3, TA_LOG_WARNING = 4, TA_LOG_INFO = 6, TA_LOG_DEBUG = 7 };

/* Program name for the prefix and the highest level printed (default INFO).
 * TA_DEBUG=1 in the environment raises it to DEBUG. */
void ta_log_init(const char *progname, enum ta_log_level max);

/* r != 0 appends ": <ta_strerror(r)>". */
void ta_log(enum ta_log_level level, int r, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_err(...) ta_log(TA_LOG_ERR, 0, __func__, __VA_ARGS__)
#define log_err_r(r, ...) ta_log(TA_LOG_ERR, (r), __func__, __VA_ARGS__)
#define log_warn(...) ta_log(TA_LOG_WARNING, 0, __func__, __VA_ARGS__)
#define log_warn_r(r, ...) ta_log(TA_LOG_WARNING, (r), __func__, __VA_ARGS__)
#define log_info(...) ta_log(TA_LOG_INFO, 0, __func__, __VA_ARGS__)
#define log_debug(...) ta_log(TA_LOG_DEBUG, 0, __func__, __VA_ARGS__)

#endif
