/* Configuration-file fixtures (configfix.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/config.h"
#include "common/err.h"
#include "tests/tools/testutil.h"
#include "tests/tools/configfix.h"
/* ---- helpers ------------------------------------------------------------ */

char cfg_path[PATH_MAX];

struct ta_config *
cfg_new(void)
{
	struct ta_config *cfg = malloc(sizeof(*cfg));

	assert_non_null(cfg);
	ta_config_init(cfg);
	return cfg;
}

/* Writes text to a fresh temporary file (its name in cfg_path). */
void
write_conf(const char *text, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	int fd;

	(void)snprintf(cfg_path, sizeof(cfg_path), "%s/ta-cfg-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	fd = mkstemp(cfg_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

int
load_n(struct ta_config *cfg, const char *text, size_t len, char *err, size_t errlen)
{
	int r;

	write_conf(text, len);
	r = ta_config_load(cfg, cfg_path, err, errlen);
	(void)unlink(cfg_path);
	return r;
}

/* Loads text, which must be valid, into cfg. */
void
ok_n(struct ta_config *cfg, const char *text, int line)
{
	char err[512];
	int r;

	r = load_n(cfg, text, strlen(text), err, sizeof(err));
	if (r != 0)
		print_message("line %d: %s (%s)\n", line, err, ta_errname(r));
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
}

/* Loads text, which must fail with r and "PATH:LINE: <want...>" (want is a
 * prefix of the message; line 0: "PATH: "); cfg must not change. */
void
bad_n(const char *text, size_t len, int want_r, unsigned want_line, const char *want, int line)
{
	struct ta_config *cfg = cfg_new(), *before = cfg_new();
	char err[512], prefix[PATH_MAX + 32];
	size_t n;
	int r;

	r = load_n(cfg, text, len, err, sizeof(err));
	if (want_line > 0)
		(void)snprintf(prefix, sizeof(prefix), "%s:%u: ", cfg_path, want_line);
	else
		(void)snprintf(prefix, sizeof(prefix), "%s: ", cfg_path);
	n = strlen(prefix);
	if (r != want_r || strncmp(err, prefix, n) != 0 ||
	    strncmp(err + n, want, strlen(want)) != 0)
		print_message("line %d: %s\n  got %s '%s'\n  want %s '%s%s'\n", line, text,
		    ta_errname(r), err, ta_errname(want_r), prefix, want);
	assert_int_equal(r, want_r);
	assert_memory_equal(err, prefix, n);
	assert_memory_equal(err + n, want, strlen(want));
	assert_memory_equal(cfg, before, sizeof(*cfg));
	free(before);
	free(cfg);
}

/* A config with a valid rule wrapped around one more line, on line 3. */

void
bad_cases(const struct bad_case *c, size_t n, int line)
{
	for (size_t i = 0; i < n; i++)
		bad_n(c[i].text, strlen(c[i].text), c[i].r, c[i].line, c[i].want, line);
}
