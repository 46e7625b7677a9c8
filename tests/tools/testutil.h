/* Small helpers shared by the cmocka unit tests: a temporary directory per
 * program, writing and reading files in it, a monotonic clock, the count of
 * open descriptors and a look at /proc/self/smaps.  Every helper fails the
 * running test (cmocka assertions) instead of returning an error. */
#ifndef TESTS_TOOLS_TESTUTIL_H
#define TESTS_TOOLS_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The directory tu_mktmp made ("" before). */
extern char tu_tmpdir[64];

/* Makes /tmp/<prefix>-XXXXXX into tu_tmpdir: 0, or -1 (a cmocka setup's answer). */
int tu_mktmp(const char *prefix);
/* Removes tu_tmpdir and all below it; a cmocka group or test teardown. */
int tu_teardown(void **state);
/* tu_tmpdir/name into out. */
char *tu_path(char *out, size_t len, const char *name);
/* Writes len bytes of p to path (replacing it), then sets its mode. */
void tu_write_file(const char *path, const void *p, size_t len, mode_t mode);
/* The contents of path, NUL-terminated, into buf (at most len - 1 bytes). */
char *tu_slurp(const char *path, char *buf, size_t len);
/* printf into a malloc'd string. */
char *tu_vfmt(const char *f, va_list ap) __attribute__((format(printf, 1, 0)));
char *tu_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* n copies of c, NUL-terminated, malloc'd. */
char *tu_repeat(char c, size_t n);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t tu_now_ms(void);
/* How many descriptors this process has open. */
int tu_open_fds(void);
/* "lo-hi ..." at the start of a /proc/self/maps or smaps line. */
bool tu_parse_range(const char *line, unsigned long *lo, unsigned long *hi);
/* /proc/self/smaps: does the mapping holding p carry flag (e.g. "dd")? */
bool tu_mapping_has_flag(const void *p, const char *flag);

#endif
