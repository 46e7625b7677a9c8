/* The configuration reader's private interface, between agent/config.c
 * (the sections, their keys and what the values mean) and
 * agent/confparse.c (the line reader under libinih, errors with file and
 * line, and the value parsers for numbers and sizes; durations and PIN
 * sources are public, in agent/config.h).  Nothing else includes it.
 *
 * It does not include agent/config.h, so that config.c can include it
 * while confparse.c implements functions config.h declares without an
 * include circle. */
#ifndef TA_CONFIG_INT_H
#define TA_CONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RAW_LINE_MAX 4096          /* bytes read per line before refusing it */

/* One file being read, and its first error. */
struct cfg_reader {
	const char *path;
	FILE *f;
	unsigned lineno;

	int r;                                 /* the first error */
	unsigned err_line;
	int sys_errno;                         /* for TA_ERR_SYSTEM */
	char *err;                             /* the caller's buffer for the text */
	size_t errlen;
	char raw[RAW_LINE_MAX + 1];

	/* config.c's: called with arg for each "[...]" line (blanks and
	 * comments dropped) before inih sees it; non-zero stops the reading. */
	int (*begin_section)(void *arg, const char *line);
	void *arg;
};

/* Runs libinih over rd->f: each "[...]" line goes to rd->begin_section,
 * each key = value line to on_value(rd->arg, section, name, value) (inih's
 * handler: non-zero to go on).  Lines are read by our own reader
 * (confparse.c says why).  Returns rd->r: 0, or the first error with
 * rd->err filled. */
int ta__cfg_read(struct cfg_reader *rd,
    int (*on_value)(void *arg, const char *section, const char *name, const char *value));

/* ---- errors: the first one wins, as "<path>:<line>: <text>" ---------------- */

/* Records an error on line (0: none, the file as a whole) unless one is
 * recorded already. */
void ta__cfg_vfail_at(struct cfg_reader *rd, unsigned line, int r, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The same, returning r. */
static inline int __attribute__((format(printf, 4, 5)))
ta__cfg_fail_at(struct cfg_reader *rd, unsigned line, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ta__cfg_vfail_at(rd, line, r, fmt, ap);
	va_end(ap);
	return r;
}

/* An error on the line being read. */
static inline int __attribute__((format(printf, 3, 4)))
ta__cfg_fail(struct cfg_reader *rd, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ta__cfg_vfail_at(rd, rd->lineno, r, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- value parsers --------------------------------------------------------- */

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
has_blank(const char *s)
{
	for (; *s != '\0'; s++) {
		if (is_blank(*s))
			return true;
	}
	return false;
}

/* Every byte of s is alphanumeric or in extra. */
static inline bool
all_in(const char *s, const char *extra)
{
	for (; *s != '\0'; s++) {
		if (!is_alnum(*s) && strchr(extra, *s) == NULL)
			return false;
	}
	return true;
}

/* Decimal digits only; 0, TA_ERR_INVALID or TA_ERR_TOO_LARGE (over max).
 * *end, when given, receives the first byte that is not a digit, and then
 * trailing bytes are the caller's business. */
int ta__cfg_parse_uint(const char *s, uint64_t max, uint64_t *ret, const char **end);

/* A size: decimal bytes, or with one suffix K, M or G (2^10, 2^20, 2^30).
 * 0, TA_ERR_INVALID (not a size) or TA_ERR_TOO_LARGE (over max). */
int ta__cfg_parse_size(const char *value, uint64_t max, uint64_t *ret);

#endif
