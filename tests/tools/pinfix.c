/* PIN test fixtures (pinfix.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/pinsrc.h"
#include "common/secret.h"
#include "tests/tools/pinfix.h"
#include "tests/tools/testutil.h"

void
pf_expect_pin(const void *src, const char *desc, unsigned timeout_ms, int want_r,
    const void *want, size_t want_len, char *why, size_t whylen)
{
	struct ta_secret *s = (struct ta_secret *)&s; /* a sentinel */
	char local[TA_PINSRC_WHY_MAX];
	int fds = tu_open_fds(), r;

	if (why == NULL) {
		why = local;
		whylen = sizeof(local);
	}
	memset(why, 'x', whylen);
	r = pf_get(src, desc, timeout_ms, why, whylen, &s);
	if (r != want_r)
		fail_msg("got %s (%s), want %s", ta_errname(r), why, ta_errname(want_r));
	if (r == 0) {
		assert_non_null(s);
		assert_int_equal(s->len, want_len);
		assert_memory_equal(s->data, want, want_len);
		assert_int_equal(s->data[s->len], '\0');
		ta_secret_free(s);
	} else {
		assert_ptr_equal(s, (struct ta_secret *)&s);
		assert_non_null(memchr(why, '\0', whylen));
		assert_true(why[0] != '\0');
	}
	assert_int_equal(tu_open_fds(), fds);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

void
pf_expect_file(const char *content, size_t len, mode_t mode, int want_r, const char *want)
{
	char path[256];

	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, content, len, mode);
	pf_expect_pin(pf_source(false, path), NULL, T_TIMEOUT, want_r, want, want ? strlen(want) : 0,
	    NULL, 0);
}

void
pf_fake_pinentry(char *path, size_t len, const char *name, const char *greet, const char *getpin)
{
	char script[8192], log[300];
	int n;

	tu_path(path, len, name);
	snprintf(log, sizeof(log), "%s.log", path);
	(void)unlink(log);
	n = snprintf(script, sizeof(script),
	    "#!/bin/sh\n"
	    "%s\n"
	    "while IFS= read -r line; do\n"
	    "\tprintf '%%s\\n' \"$line\" >>'%s'\n"
	    "\tcase \"$line\" in\n"
	    "\tGETPIN) %s ;;\n"
	    "\tBYE) echo 'OK closing connection'; exit 0 ;;\n"
	    "\t*) echo OK ;;\n"
	    "\tesac\n"
	    "done\n",
	    greet, log, getpin);
	assert_true(n > 0 && (size_t)n < sizeof(script));
	tu_write_file(path, script, (size_t)n, 0700);
	explicit_bzero(script, sizeof(script)); /* a PIN in it must not be found later */
}

void
pf_pinentry_one(char *path, size_t len, char *log, size_t loglen)
{
	pf_fake_pinentry(path, len, "pe", "echo OK", "echo 'D 1'; echo OK");
	snprintf(log, loglen, "%s.log", path);
}

void
pf_expect_pinentry(const char *greet, const char *getpin, unsigned timeout_ms, int want_r,
    const char *want)
{
	char path[256];

	pf_fake_pinentry(path, sizeof(path), "pe", greet, getpin);
	pf_expect_pin(pf_source(true, path), "PIN for token 'test'", timeout_ms, want_r, want,
	    want ? strlen(want) : 0, NULL, 0);
}

/* The whole dialogue with a fake pinentry: percent-escapes both ways, the
 * title as the program sets it. */
void
pf_check_dialogue(const char *title)
{
	char path[256], log[300], buf[4096], want[512];

	unsetenv("GPG_TTY");
	pf_fake_pinentry(path, sizeof(path), "pe", "echo 'OK Pleased to meet you'",
	    "echo 'D 12%253%204%c3%A9 x'; echo OK");
	pf_expect_pin(pf_source(true, path), "PIN for 'tok'\nline 2 100%\t\x7f\xc3\xa9", T_TIMEOUT,
	    0, "12%3 4\xc3\xa9 x", 10, NULL, 0);
	snprintf(log, sizeof(log), "%s.log", path);
	snprintf(want, sizeof(want),
	    "SETTITLE %s\n"
	    "SETDESC PIN for 'tok'%%0Aline 2 100%%25%%09%%7F\xc3\xa9\n"
	    "SETPROMPT PIN:\n"
	    "GETPIN\n"
	    "BYE\n",
	    title);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)), want);
}

/* ---- tests both programs run through their own sources ------------------ */

void
pf_test_file_group_readable_refused(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];

	(void)state;
	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, "1234\n", 5, 0640);
	pf_expect_pin(pf_source(false, path), NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, why,
	    sizeof(why));
	assert_non_null(strstr(why, "mode 0640"));
	assert_non_null(strstr(why, path));
}

void
pf_test_file_other_owner_refused(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, "1234\n", 5, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	pf_expect_pin(pf_source(false, path), NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, why,
	    sizeof(why));
	assert_non_null(strstr(why, "owned by uid 65534"));
}

void
pf_test_pinentry_hangs_at_getpin(void **state)
{
	uint64_t t0 = tu_now_ms(), dt;

	(void)state;
	pf_expect_pinentry("echo OK", "exec sleep 30", T_HANG, TA_ERR_TIMEOUT, NULL);
	dt = tu_now_ms() - t0;
	assert_true(dt < T_HANG + 2 * T_REAP + 2000);
}

void
pf_test_pinentry_cancel(void **state)
{
	(void)state;
	pf_expect_pinentry("echo OK", "echo 'ERR 83886179 Operation cancelled <Pinentry>'", T_TIMEOUT,
	    TA_ERR_CANCELLED, NULL);
	pf_expect_pinentry("echo OK", "echo 'ERR 83886278 Fully canceled <Pinentry>'", T_TIMEOUT,
	    TA_ERR_CANCELLED, NULL);
}

void
pf_test_pinentry_on_path(void **state)
{
	const char *env = getenv("PATH");
	char path[256], dir[256], *old = env != NULL ? strdup(env) : NULL;
	char newpath[4096];

	(void)state;
	tu_path(dir, sizeof(dir), "bin");
	(void)mkdir(dir, 0700);
	pf_fake_pinentry(path, sizeof(path), "bin/pinentry", "echo OK", "echo 'D 246'; echo OK");
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	assert_int_equal(setenv("PATH", newpath, 1), 0);
	pf_expect_pin(pf_source(true, ""), NULL, T_TIMEOUT, 0, "246", 3, NULL, 0);
	assert_int_equal(setenv("PATH", old ? old : "/usr/bin:/bin", 1), 0);
	free(old);
}

/* A pinentry that is not there (TA_ERR_NOT_FOUND) or not executable
 * (TA_ERR_SYSTEM: EACCES, even for root, since exec needs an x bit). */
void
pf_check_missing_and_not_executable(void)
{
	char path[256];

	tu_path(path, sizeof(path), "no-such-pinentry");
	pf_expect_pin(pf_source(true, path), NULL, T_TIMEOUT, TA_ERR_NOT_FOUND, NULL, 0, NULL, 0);
	tu_path(path, sizeof(path), "not-executable");
	tu_write_file(path, "#!/bin/sh\necho OK\n", 18, 0600);
	pf_expect_pin(pf_source(true, path), NULL, T_TIMEOUT, TA_ERR_SYSTEM, NULL, 0, NULL, 0);
}
