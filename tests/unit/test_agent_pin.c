/* Unit tests for agent/pin.c, the agent's policy over common/pinsrc.c:
 * file: (absolute, owner rule on), env: (taken out of the environment),
 * pinentry (the agent's title, GPG_TTY, the default program on PATH, an
 * absolute path), none, unlock.  The readers' own rules are
 * tests/unit/test_pinsrc.c's. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/config.h"
#include "agent/pin.h"
#include "common/err.h"
#include "common/secret.h"
#include "tests/tools/pinfix.h"
#include "tests/tools/testutil.h"

static int
setup(void **state)
{
	(void)state;
	return tu_mktmp("ta-pin");
}

static struct ta_pin_source
source(enum ta_pin_kind kind, const char *arg)
{
	struct ta_pin_source s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	assert_true(strlen(arg) < sizeof(s.arg));
	snprintf(s.arg, sizeof(s.arg), "%s", arg);
	return s;
}

/* The source kind:arg is refused with want, and nothing is read. */
static void
expect_refused(enum ta_pin_kind kind, const char *arg, int want)
{
	struct ta_pin_source src = source(kind, arg);

	pf_expect_pin(&src, NULL, T_TIMEOUT, want, NULL, 0, NULL, 0);
}

/* pinfix.h's hooks: the agent's sources. */
int
pf_get(const void *src, const char *desc, unsigned timeout_ms, char *why, size_t whylen,
    struct ta_secret **ret)
{
	return ta_pin_get_full(src, desc, timeout_ms, why, whylen, ret);
}

const void *
pf_source(bool pinentry, const char *path)
{
	static struct ta_pin_source src;

	src = source(pinentry ? TA_PIN_PINENTRY : TA_PIN_FILE, path);
	return &src;
}

/* ---- file: good --------------------------------------------------------- */

static void
test_agent_pin_file_reads_and_drops_newline(void **state)
{
	(void)state;
	pf_expect_file("1234\n", 5, 0600, 0, "1234");
	/* The readers' rules (tests/unit/test_pinsrc.c) hold: a second line. */
	pf_expect_file("1234\n\n", 6, 0600, TA_ERR_INVALID, NULL);
}

/* ---- file: refused ------------------------------------------------------ */

static void
test_agent_pin_file_missing_or_relative(void **state)
{
	char path[256];

	(void)state;
	expect_refused(TA_PIN_FILE, tu_path(path, sizeof(path), "no-such-file"), TA_ERR_NOT_FOUND);
	expect_refused(TA_PIN_FILE, "relative/pin", TA_ERR_INVALID);
	expect_refused(TA_PIN_FILE, "", TA_ERR_INVALID);
}

/* ---- env: ----------------------------------------------------------------- */

static void
test_agent_pin_env_reads_exact_value(void **state)
{
	struct ta_pin_source src = source(TA_PIN_ENV, "TA_TEST_PIN");
	struct ta_secret *s = NULL;

	(void)state;
	assert_int_equal(setenv("TA_TEST_PIN", "12 34\n", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "12 34\n", 6, NULL, 0);
	assert_int_equal(ta_pin_get(&src, NULL, &s), 0);
	assert_true(tu_mapping_has_flag(s->data, "dd"));
	assert_ptr_not_equal(s->data, getenv("TA_TEST_PIN"));
	ta_secret_free(s);
	unsetenv("TA_TEST_PIN");
}

static void
test_agent_pin_env_unset_or_empty(void **state)
{
	struct ta_pin_source src = source(TA_PIN_ENV, "TA_TEST_PIN");
	char why[TA_PIN_WHY_MAX];

	(void)state;
	unsetenv("TA_TEST_PIN");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "not set"));
	assert_int_equal(setenv("TA_TEST_PIN", "", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "empty"));
	unsetenv("TA_TEST_PIN");
}

static void
test_agent_pin_env_bad_name_or_too_long(void **state)
{
	struct ta_pin_source src = source(TA_PIN_ENV, "");
	char *big = malloc(TA_SECRET_MAX + 2);

	(void)state;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, NULL, 0);
	expect_refused(TA_PIN_ENV, "A=B", TA_ERR_INVALID);
	assert_non_null(big);
	memset(big, 'p', TA_SECRET_MAX + 1);
	big[TA_SECRET_MAX + 1] = '\0';
	assert_int_equal(setenv("TA_TEST_PIN", big, 1), 0);
	src = source(TA_PIN_ENV, "TA_TEST_PIN");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_TOO_LARGE, NULL, 0, NULL, 0);
	big[TA_SECRET_MAX] = '\0';
	assert_int_equal(setenv("TA_TEST_PIN", big, 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, big, TA_SECRET_MAX, NULL, 0);
	unsetenv("TA_TEST_PIN");
	free(big);
}

/* ta_pin_env_take: the value moves to locked memory, the variable leaves
 * environ, and the "NAME=value" string is wiped where it was. */
static void
test_agent_pin_env_taken(void **state)
{
	struct ta_pin_source src = source(TA_PIN_ENV, "TA_TEST_PIN_TAKEN");
	char *was;
	size_t i, n;

	(void)state;
	assert_int_equal(setenv("TA_TEST_PIN_TAKEN", "5678", 1), 0);
	was = getenv("TA_TEST_PIN_TAKEN") - strlen("TA_TEST_PIN_TAKEN=");
	n = strlen("TA_TEST_PIN_TAKEN=5678");
	assert_int_equal(ta_pin_env_take("TA_TEST_PIN_TAKEN"), 0);
	assert_null(getenv("TA_TEST_PIN_TAKEN"));
	/* glibc never frees what setenv() made: the bytes are still ours. */
	for (i = 0; i < n; i++)
		assert_int_equal(was[i], 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "5678", 4, NULL, 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "5678", 4, NULL, 0); /* again: a second login */
	/* Taken once: a later value does not replace it. */
	assert_int_equal(ta_pin_env_take("TA_TEST_PIN_TAKEN"), 0);
	assert_int_equal(setenv("TA_TEST_PIN_TAKEN", "9999", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "5678", 4, NULL, 0);
	unsetenv("TA_TEST_PIN_TAKEN");
	/* Unset when taken: reported at login as before. */
	assert_int_equal(ta_pin_env_take("TA_TEST_PIN_UNSET"), 0);
	src = source(TA_PIN_ENV, "TA_TEST_PIN_UNSET");
	assert_int_equal(setenv("TA_TEST_PIN_UNSET", "1111", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL, 0, NULL, 0);
	unsetenv("TA_TEST_PIN_UNSET");
	/* Bad names. */
	assert_int_equal(ta_pin_env_take(""), TA_ERR_INVALID);
	assert_int_equal(ta_pin_env_take("A=B"), TA_ERR_INVALID);
	assert_int_equal(ta_pin_env_take(NULL), TA_ERR_INVALID);
	/* Forgotten: env: reads the environment again. */
	ta_pin_env_forget();
	src = source(TA_PIN_ENV, "TA_TEST_PIN_TAKEN");
	assert_int_equal(setenv("TA_TEST_PIN_TAKEN", "4321", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "4321", 4, NULL, 0);
	unsetenv("TA_TEST_PIN_TAKEN");
}

/* ---- none, unlock, bad arguments ---------------------------------------- */

static void
test_agent_pin_none_and_unlock_need_a_pin(void **state)
{
	struct ta_pin_source src = source(TA_PIN_NONE, "");
	struct ta_secret *s = (struct ta_secret *)&s;

	(void)state;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL, 0, NULL, 0);
	assert_int_equal(ta_pin_get(&src, NULL, &s), TA_ERR_PIN_REQUIRED);
	assert_ptr_equal(s, (struct ta_secret *)&s);
	expect_refused(TA_PIN_UNLOCK, "", TA_ERR_PIN_REQUIRED);
}

static void
test_agent_pin_bad_arguments(void **state)
{
	struct ta_pin_source src = source(TA_PIN_NONE, "");
	struct ta_secret *s = NULL;
	char why[8];

	(void)state;
	assert_int_equal(ta_pin_get(NULL, NULL, &s), TA_ERR_INVALID);
	assert_int_equal(ta_pin_get(&src, NULL, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_pin_get_full(&src, NULL, 0, NULL, 0, &s), TA_ERR_INVALID);
	src.kind = (enum ta_pin_kind)99;
	assert_int_equal(ta_pin_get(&src, NULL, &s), TA_ERR_INVALID);
	/* An unterminated argument is never read past its end. */
	src.kind = TA_PIN_ENV;
	memset(src.arg, 'A', sizeof(src.arg));
	assert_int_equal(ta_pin_get(&src, NULL, &s), TA_ERR_INVALID);
	assert_null(s);
	/* A short reason buffer is cut, still terminated. */
	src = source(TA_PIN_UNLOCK, "");
	assert_int_equal(ta_pin_get_full(&src, NULL, 1, why, sizeof(why), &s),
	    TA_ERR_PIN_REQUIRED);
	assert_int_equal(strlen(why), sizeof(why) - 1);
	assert_int_equal(ta_pin_get_full(&src, NULL, 1, NULL, 100, &s), TA_ERR_PIN_REQUIRED);
}

/* ---- pinentry: good ----------------------------------------------------- */

static void
test_agent_pin_pinentry_dialogue(void **state)
{
	(void)state;
	pf_check_dialogue("tuf-agent");
}

static void
test_agent_pin_pinentry_gpg_tty_option(void **state)
{
	char path[256], log[300], buf[4096];
	struct ta_pin_source src;

	(void)state;
	pf_pinentry_one(path, sizeof(path), log, sizeof(log));
	src = source(TA_PIN_PINENTRY, path);
	assert_int_equal(setenv("GPG_TTY", "/dev/pts/7", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "OPTION ttyname=/dev/pts/7\nSETTITLE tuf-agent\nSETPROMPT PIN:\nGETPIN\nBYE\n");
	/* Anything that is not a plain absolute path is not sent at all. */
	(void)unlink(log);
	assert_int_equal(setenv("GPG_TTY", "/dev/pts/7\nGETPIN", 1), 0);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "SETTITLE tuf-agent\nSETPROMPT PIN:\nGETPIN\nBYE\n");
	unsetenv("GPG_TTY");
}

/* A secret that is not the PIN (a PIV management key) has its own prompt;
 * NULL is "PIN:". */
static void
test_agent_pin_pinentry_prompt(void **state)
{
	char path[256], log[300], buf[4096];
	struct ta_pin_source src;
	struct ta_secret *s = NULL;

	(void)state;
	unsetenv("GPG_TTY");
	pf_pinentry_one(path, sizeof(path), log, sizeof(log));
	src = source(TA_PIN_PINENTRY, path);
	assert_int_equal(ta_pin_get_prompt(&src, NULL, "Management key:", T_TIMEOUT, NULL, 0, &s), 0);
	assert_non_null(s);
	ta_secret_free(s);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "SETTITLE tuf-agent\nSETPROMPT Management key:\nGETPIN\nBYE\n");
	(void)unlink(log);
	s = NULL;
	assert_int_equal(ta_pin_get_prompt(&src, NULL, NULL, T_TIMEOUT, NULL, 0, &s), 0);
	ta_secret_free(s);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "SETTITLE tuf-agent\nSETPROMPT PIN:\nGETPIN\nBYE\n");
}

/* ---- pinentry: refused, broken, hostile ---------------------------------- */

static void
test_agent_pin_pinentry_program_missing_or_bad(void **state)
{
	struct ta_pin_source src = source(TA_PIN_PINENTRY, "bin/pinentry");

	(void)state;
	pf_check_missing_and_not_executable();
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_pin_file_reads_and_drops_newline),
		PF_TEST(test_agent_pin, file_group_readable_refused),
		PF_TEST(test_agent_pin, file_other_owner_refused),
		cmocka_unit_test(test_agent_pin_file_missing_or_relative),
		cmocka_unit_test(test_agent_pin_env_reads_exact_value),
		cmocka_unit_test(test_agent_pin_env_unset_or_empty),
		cmocka_unit_test(test_agent_pin_env_bad_name_or_too_long),
		cmocka_unit_test(test_agent_pin_env_taken),
		cmocka_unit_test(test_agent_pin_none_and_unlock_need_a_pin),
		cmocka_unit_test(test_agent_pin_bad_arguments),
		cmocka_unit_test(test_agent_pin_pinentry_dialogue),
		cmocka_unit_test(test_agent_pin_pinentry_gpg_tty_option),
	    cmocka_unit_test(test_agent_pin_pinentry_prompt),
		PF_TEST(test_agent_pin, pinentry_on_path),
		PF_TEST(test_agent_pin, pinentry_cancel),
		PF_TEST(test_agent_pin, pinentry_hangs_at_getpin),
		cmocka_unit_test(test_agent_pin_pinentry_program_missing_or_bad),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
