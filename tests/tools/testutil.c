/* Helpers shared by the cmocka unit tests (testutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/tools/testutil.h"

char tu_tmpdir[64];

int
tu_mktmp(const char *prefix)
{
	int n = snprintf(tu_tmpdir, sizeof(tu_tmpdir), "/tmp/%s-XXXXXX", prefix);

	if (n < 0 || (size_t)n >= sizeof(tu_tmpdir))
		return -1;
	return mkdtemp(tu_tmpdir) == NULL ? -1 : 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int
tu_teardown(void **state)
{
	(void)state;
	return nftw(tu_tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
tu_path(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", tu_tmpdir, name);

	assert_true(n > 0 && (size_t)n < len);
	return out;
}

void
tu_write_file(const char *path, const void *p, size_t len, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

char *
tu_slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

char *
tu_vfmt(const char *f, va_list ap)
{
	char *s = NULL;

	assert_true(vasprintf(&s, f, ap) >= 0);
	return s;
}

char *
tu_fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = tu_vfmt(f, ap);
	va_end(ap);
	return s;
}

char *
tu_repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

uint64_t
tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
tu_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

bool
tu_parse_range(const char *line, unsigned long *lo, unsigned long *hi)
{
	char *end;

	errno = 0;
	*lo = strtoul(line, &end, 16);
	if (end == line || *end != '-' || errno != 0)
		return false;
	line = end + 1;
	*hi = strtoul(line, &end, 16);
	return end != line && *end == ' ' && errno == 0;
}

bool
tu_mapping_has_flag(const void *p, const char *flag)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512], want[8];
	unsigned long lo, hi, a = (unsigned long)p;
	bool in = false, found = false;

	assert_non_null(f);
	snprintf(want, sizeof(want), " %s ", flag);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "lo-hi perms ..." starts a mapping; "Key: value" lines follow. */
		if (tu_parse_range(line, &lo, &hi)) {
			in = a >= lo && a < hi;
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			line[strcspn(line, "\n")] = ' ';
			found = strstr(line, want) != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}
