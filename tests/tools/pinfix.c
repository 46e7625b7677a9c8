/* PIN test fixtures (pinfix.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
	pf_expect_at(false, path, NULL, T_TIMEOUT, want_r, want);
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
pf_expect_pinentry(const char *greet, const char *getpin, unsigned timeout_ms, int want_r,
    const char *want)
{
	char path[256];

	pf_fake_pinentry(path, sizeof(path), "pe", greet, getpin);
	pf_expect_at(true, path, "PIN for token 'test'", timeout_ms, want_r, want);
}
