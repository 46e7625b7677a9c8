/* Unit tests for common/pinsrc.c: PIN files, pinentry (against fake
 * pinentry scripts written into a temporary directory) and the rules a PIN
 * obeys, for tuf-agent and tufctl alike.  The agent's own choices (which
 * source, absolute paths, env:) are tests/unit/test_agent_pin.c's. */
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

#include "common/err.h"
#include "common/pinsrc.h"
#include "common/secret.h"
#include "tests/tools/pinfix.h"
#include "tests/tools/testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static int
setup(void **state)
{
	(void)state;
	return tu_mktmp("ta-pinsrc");
}

/* What a test reads: a PIN file or a pinentry program, with the options the
 * module takes (the owner rule and the longest PIN agent-like by default). */
enum kind { K_FILE, K_PINENTRY };
struct src {
	enum kind kind;
	char arg[4096];
	unsigned flags;
	size_t max;
	const char *tty, *ttytype, *error, *title, *prompt;
};

static struct src
source(enum kind kind, const char *arg)
{
	struct src s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	assert_true(strlen(arg) < sizeof(s.arg));
	snprintf(s.arg, sizeof(s.arg), "%s", arg);
	s.flags = TA_PINSRC_PRIVATE;
	s.max = TA_PINSRC_MAX;
	s.title = "pinsrc test";
	return s;
}

/* src is refused with want_r, for a reason that says words. */
static void
refused_saying(const struct src *src, int want_r, const char *words)
{
	char why[TA_PINSRC_WHY_MAX];

	pf_expect_pin(src, NULL, T_TIMEOUT, want_r, NULL, 0, why, sizeof(why));
	if (strstr(why, words) == NULL)
		fail_msg("'%s' does not say '%s'", why, words);
}

/* pinfix.h's hooks: struct src. */
int
pf_get(const void *p, const char *desc, unsigned timeout_ms, char *why, size_t whylen,
    struct ta_secret **ret)
{
	const struct src *src = p;
	struct ta_pinentry pe = {
		.program = src->arg, .title = src->title, .desc = desc, .prompt = src->prompt,
		.error = src->error, .tty = src->tty, .ttytype = src->ttytype,
		.timeout_ms = timeout_ms, .max = src->max,
	};

	if (src->kind == K_FILE)
		return ta_pinsrc_file(src->arg, src->flags, src->max, why, whylen, ret);
	return ta_pinsrc_pinentry(&pe, why, whylen, ret);
}

const void *
pf_source(bool pinentry, const char *path)
{
	static struct src src;

	src = source(pinentry ? K_PINENTRY : K_FILE, path);
	return &src;
}

#ifndef UNDER_ASAN
/* [lo, hi) of the /proc/self/maps line ending in name. */
static bool
find_region(const char *name, uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long a, b;
	bool ok = false;

	assert_non_null(f);
	while (!ok && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) >= strlen(name) &&
		    strcmp(line + strlen(line) - strlen(name), name) == 0 &&
		    tu_parse_range(line, &a, &b)) {
			*lo = a;
			*hi = b;
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

/* Whether needle appears in the heap or in the stack just below this frame
 * (where the module's frames were). */
static bool __attribute__((noinline))
left_in_ordinary_memory(const char *needle)
{
	volatile char here = 0;
	uintptr_t lo, hi, top = (uintptr_t)&here, bottom;
	size_t n = strlen(needle);

	if (find_region("[heap]", &lo, &hi) &&
	    memmem((const void *)lo, hi - lo, needle, n) != NULL)
		return true;
	if (find_region("[stack]", &lo, &hi)) {
		bottom = top - lo > (uintptr_t)256 * 1024 ? top - (uintptr_t)256 * 1024 : lo;
		if (memmem((const void *)bottom, top - bottom, needle, n) != NULL)
			return true;
	}
	return false;
}
#endif

/* ---- file: good --------------------------------------------------------- */

static void
test_pinsrc_file_reads_and_drops_newline(void **state)
{
	(void)state;
	pf_expect_file("1234\n", 5, 0600, 0, "1234");
}

static void
test_pinsrc_file_drops_crlf(void **state)
{
	(void)state;
	pf_expect_file("1234\r\n", 6, 0600, 0, "1234");
}

static void
test_pinsrc_file_without_newline(void **state)
{
	(void)state;
	pf_expect_file("s3cr3t pin", 10, 0400, 0, "s3cr3t pin");
}

/* One line ending is dropped; any other CR or LF is a second line, which no
 * prompt could have typed. */
static void
test_pinsrc_file_second_line_refused(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];
	struct src src;

	(void)state;
	pf_expect_file("1234\n\n", 6, 0600, TA_ERR_INVALID, NULL);
	pf_expect_file("12\r34\r\r\n", 8, 0600, TA_ERR_INVALID, NULL);
	pf_expect_file("12\n34\n", 6, 0600, TA_ERR_INVALID, NULL);
	pf_expect_file("\n1234", 5, 0600, TA_ERR_INVALID, NULL);
	pf_expect_file("1234\r", 5, 0600, TA_ERR_INVALID, NULL);
	pf_expect_file("1234\n\r\n", 7, 0600, TA_ERR_INVALID, NULL);
	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, "12\n34\n", 6, 0600);
	src = source(K_FILE, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, why, sizeof(why));
	assert_non_null(strstr(why, "more than one line"));
	assert_null(strstr(why, "34"));
}

static void
test_pinsrc_file_not_utf8_refused(void **state)
{
	char path[256];
	struct src src;

	(void)state;
	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, "12\3774\n", 5, 0600);
	src = source(K_FILE, path);
	refused_saying(&src, TA_ERR_INVALID, "not valid UTF-8 (byte 2)");
	pf_expect_file("\xc3\xa9t\xc3\xa9\n", 6, 0600, 0, "\xc3\xa9t\xc3\xa9");
	pf_expect_file("\xc0\xaf\n", 3, 0600, TA_ERR_INVALID, NULL);      /* overlong */
	pf_expect_file("\xed\xa0\x80\n", 4, 0600, TA_ERR_INVALID, NULL); /* a surrogate */
	pf_expect_file("ab\xc3", 3, 0600, TA_ERR_INVALID, NULL);           /* cut short */
}

static void
test_pinsrc_file_at_max_size(void **state)
{
	char *big = malloc(TA_SECRET_MAX + 1), path[256];
	struct src src;

	(void)state;
	assert_non_null(big);
	memset(big, '7', TA_PINSRC_MAX);
	big[TA_PINSRC_MAX] = '\0';
	pf_expect_file(big, TA_PINSRC_MAX, 0600, 0, big);
	/* Its line ending fits too: the file is TA_SECRET_MAX bytes. */
	memcpy(big + TA_PINSRC_MAX, "\r\n", 2);
	tu_write_file(tu_path(path, sizeof(path), "pin"), big, TA_SECRET_MAX, 0600);
	src = source(K_FILE, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, big, TA_PINSRC_MAX, NULL, 0);
	free(big);
}

/* The caller's limit (tufctl: 256, the protocol's) counts the PIN, not its
 * line ending. */
static void
test_pinsrc_file_caller_max(void **state)
{
	char big[300], path[256];
	struct src src;

	(void)state;
	tu_path(path, sizeof(path), "pin");
	src = source(K_FILE, path);
	src.max = 256;
	memset(big, 'p', sizeof(big));
	memcpy(big + 256, "\r\n", 2);
	tu_write_file(path, big, 258, 0600);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, big, 256, NULL, 0);
	big[256] = '\n';
	tu_write_file(path, big, 257, 0600);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, big, 256, NULL, 0);
	big[256] = 'p';
	tu_write_file(path, big, 257, 0600);
	refused_saying(&src, TA_ERR_TOO_LARGE, "is longer than 256 bytes");
	tu_write_file(path, big, sizeof(big), 0600);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_TOO_LARGE, NULL, 0, NULL, 0);
}

static void
test_pinsrc_file_result_is_locked_memory(void **state)
{
	char path[256];
	struct src src;
	struct ta_secret *s = NULL;

	(void)state;
	tu_path(path, sizeof(path), "pin");
	tu_write_file(path, "Qx9!file-pin\n", 13, 0600);
	src = source(K_FILE, path);
	assert_int_equal(pf_get(&src, NULL, T_TIMEOUT, NULL, 0, &s), 0);
	assert_non_null(s);
	assert_true(tu_mapping_has_flag(s->data, "dd")); /* MADV_DONTDUMP */
	ta_secret_free(s);
}

/* systemd's LoadCredential=: a 0400 file with "user:<agent>:r--", which
 * stat() shows as 0440. */
static bool
set_acl(const char *path, uint32_t user, uint16_t user_perm, uint16_t group_perm)
{
	uint8_t x[4 + 5 * 8];
	size_t o = 4;
	const struct { uint16_t tag, perm; uint32_t id; } e[] = {
		{ 0x01, 4, 0xffffffff },          /* user:: r */
		{ 0x02, user_perm, user },        /* user:<user>: */
		{ 0x04, group_perm, 0xffffffff }, /* group:: */
		{ 0x10, 4 | group_perm, 0xffffffff }, /* mask:: */
		{ 0x20, 0, 0xffffffff },          /* other:: --- */
	};

	memset(x, 0, sizeof(x));
	x[0] = 2; /* POSIX_ACL_XATTR_VERSION, little-endian */
	for (size_t i = 0; i < 5; i++, o += 8) {
		x[o] = (uint8_t)e[i].tag;
		x[o + 2] = (uint8_t)e[i].perm;
		x[o + 4] = (uint8_t)e[i].id;
		x[o + 5] = (uint8_t)(e[i].id >> 8);
		x[o + 6] = (uint8_t)(e[i].id >> 16);
		x[o + 7] = (uint8_t)(e[i].id >> 24);
	}
	return setxattr(path, "system.posix_acl_access", x, sizeof(x), 0) == 0;
}

static void
test_pinsrc_file_systemd_credential_acl(void **state)
{
	char path[256];
	struct src src;
	struct stat st;

	(void)state;
	tu_path(path, sizeof(path), "cred");
	tu_write_file(path, "4321\n", 5, 0400);
	if (!set_acl(path, (uint32_t)geteuid(), 4, 0))
		skip();
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0440);
	src = source(K_FILE, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "4321", 4, NULL, 0);

	/* The same shape for somebody else is refused. */
	tu_write_file(path, "4321\n", 5, 0400);
	assert_true(set_acl(path, (uint32_t)geteuid() + 1, 4, 0));
	refused_saying(&src, TA_ERR_NOT_AUTHORIZED, "0440");

	/* And so is a group entry that can read. */
	tu_write_file(path, "4321\n", 5, 0400);
	assert_true(set_acl(path, (uint32_t)geteuid(), 4, 4));
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, NULL, 0);
}

/* ---- file: refused ------------------------------------------------------ */

static void
test_pinsrc_file_other_readable_refused(void **state)
{
	(void)state;
	pf_expect_file("1234\n", 5, 0604, TA_ERR_NOT_AUTHORIZED, NULL);
	pf_expect_file("1234\n", 5, 0644, TA_ERR_NOT_AUTHORIZED, NULL);
}

static void
test_pinsrc_file_group_or_other_writable_refused(void **state)
{
	(void)state;
	pf_expect_file("1234\n", 5, 0620, TA_ERR_NOT_AUTHORIZED, NULL);
	pf_expect_file("1234\n", 5, 0602, TA_ERR_NOT_AUTHORIZED, NULL);
	pf_expect_file("1234\n", 5, 0610, TA_ERR_NOT_AUTHORIZED, NULL);
}

static void
test_pinsrc_file_symlink_refused(void **state)
{
	char path[256], link[256];
	struct src src;

	(void)state;
	tu_path(path, sizeof(path), "pin");
	tu_path(link, sizeof(link), "pin-link");
	tu_write_file(path, "1234\n", 5, 0600);
	(void)unlink(link);
	assert_int_equal(symlink(path, link), 0);
	src = source(K_FILE, link);
	refused_saying(&src, TA_ERR_NOT_AUTHORIZED, "symbolic link");
}

static void
test_pinsrc_file_directory_refused(void **state)
{
	struct src src = source(K_FILE, tu_tmpdir);

	(void)state;
	refused_saying(&src, TA_ERR_NOT_AUTHORIZED, "not a regular file");
}

static void
test_pinsrc_file_fifo_refused_without_blocking(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];
	struct src src;
	uint64_t t0;

	(void)state;
	tu_path(path, sizeof(path), "fifo");
	(void)unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	src = source(K_FILE, path);
	/* Nobody will ever write to it: an open that waited would hang here. */
	t0 = tu_now_ms();
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, why, sizeof(why));
	assert_true(tu_now_ms() - t0 < 1000);
	assert_non_null(strstr(why, "not a regular file"));
	src.flags = 0;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, NULL, 0);
	assert_true(tu_now_ms() - t0 < 1000);
}

static void
test_pinsrc_file_too_big_refused(void **state)
{
	char *big = malloc(TA_SECRET_MAX + 2);

	(void)state;
	assert_non_null(big);
	memset(big, '7', TA_SECRET_MAX + 1);
	big[TA_SECRET_MAX + 1] = '\0';
	pf_expect_file(big, TA_PINSRC_MAX + 1, 0600, TA_ERR_TOO_LARGE, NULL);
	/* A line ending does not make room for a longer PIN. */
	big[TA_PINSRC_MAX + 1] = '\n';
	pf_expect_file(big, TA_PINSRC_MAX + 2, 0600, TA_ERR_TOO_LARGE, NULL);
	pf_expect_file(big, TA_SECRET_MAX + 1, 0600, TA_ERR_TOO_LARGE, NULL);
	free(big);
}

static void
test_pinsrc_file_empty_refused(void **state)
{
	(void)state;
	pf_expect_file("", 0, 0600, TA_ERR_PIN_REQUIRED, NULL);
	pf_expect_file("\n", 1, 0600, TA_ERR_PIN_REQUIRED, NULL);
	pf_expect_file("\r\n", 2, 0600, TA_ERR_PIN_REQUIRED, NULL);
}

static void
test_pinsrc_file_nul_byte_refused(void **state)
{
	(void)state;
	pf_expect_file("12\0" "34\n", 6, 0600, TA_ERR_INVALID, NULL);
}

static void
test_pinsrc_file_missing_or_empty_name(void **state)
{
	char path[256];
	struct src src;

	(void)state;
	src = source(K_FILE, tu_path(path, sizeof(path), "no-such-file"));
	refused_saying(&src, TA_ERR_NOT_FOUND, "does not exist");
	/* Relative paths are the caller's business (tufctl takes them). */
	src = source(K_FILE, "relative/no-such-pin");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_FOUND, NULL, 0, NULL, 0);
	src = source(K_FILE, "");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, NULL, 0);
}

/* Without the owner rule: any mode and owner, but still a regular file,
 * never a link, and the same PIN rules. */
static void
test_pinsrc_file_owner_rule_off(void **state)
{
	char path[256], link[256];
	struct src src;

	(void)state;
	tu_path(path, sizeof(path), "pin");
	src = source(K_FILE, path);
	src.flags = 0;
	tu_write_file(path, "1234\n", 5, 0644);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1234", 4, NULL, 0);
	tu_write_file(path, "1234\r\n", 6, 0666);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1234", 4, NULL, 0);
	tu_write_file(path, "12\n34\n", 6, 0644);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, NULL, 0);
	tu_write_file(path, "1234\n", 5, 0644);
	tu_path(link, sizeof(link), "pin-link");
	(void)unlink(link);
	assert_int_equal(symlink(path, link), 0);
	src = source(K_FILE, link);
	src.flags = 0;
	refused_saying(&src, TA_ERR_NOT_AUTHORIZED, "symbolic link");
	src = source(K_FILE, tu_tmpdir);
	src.flags = 0;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_AUTHORIZED, NULL, 0, NULL, 0);
	/* Unknown flags are a bug of the caller's. */
	src = source(K_FILE, path);
	src.flags = 1u << 7;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_INVALID, NULL, 0, NULL, 0);
}

/* ---- pinentry: good ----------------------------------------------------- */

/* The pinentry leaves by itself after BYE: it read BYE and wrote its OK
 * without dying of EPIPE. */
static void
test_pinsrc_pinentry_says_goodbye(void **state)
{
	char path[256], done[256], buf[64];
	char script[1024];
	struct src src;
	int n;

	(void)state;
	tu_path(path, sizeof(path), "polite");
	tu_path(done, sizeof(done), "polite.done");
	(void)unlink(done);
	n = snprintf(script, sizeof(script),
	    "#!/bin/sh\n"
	    "echo OK\n"
	    "while IFS= read -r line; do\n"
	    "\tcase \"$line\" in\n"
	    "\tGETPIN) echo 'D 77'; echo OK ;;\n"
	    "\tBYE) sleep 0.1; echo 'OK closing connection' && echo clean >'%s'; exit 0 ;;\n"
	    "\t*) echo OK ;;\n"
	    "\tesac\n"
	    "done\n", done);
	assert_true(n > 0 && (size_t)n < sizeof(script));
	tu_write_file(path, script, (size_t)n, 0700);
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "77", 2, NULL, 0);
	assert_string_equal(tu_slurp(done, buf, sizeof(buf)), "clean\n");
}

static void
test_pinsrc_pinentry_dialogue(void **state)
{
	(void)state;
	pf_check_dialogue("pinsrc test");
}

static void
test_pinsrc_pinentry_skips_status_and_comments(void **state)
{
	(void)state;
	pf_expect_pinentry("echo '# a comment first'; echo 'S SOME STATUS'; echo 'OK hello'",
	    "echo 'S PROGRESS 1'; echo '# note'; echo 'D 4711'; echo '#'; echo 'S'; echo OK",
	    T_TIMEOUT, 0, "4711");
}

static void
test_pinsrc_pinentry_joins_data_lines(void **state)
{
	(void)state;
	pf_expect_pinentry("echo OK", "echo 'D ab'; echo 'D %25'; echo 'D cd'; echo OK", T_TIMEOUT,
	    0, "ab%cd");
}

static void
test_pinsrc_pinentry_crlf_lines(void **state)
{
	(void)state;
	pf_expect_pinentry("printf 'OK hi\\r\\n'", "printf 'D 99\\r\\nOK\\r\\n'", T_TIMEOUT, 0, "99");
}

static void
test_pinsrc_pinentry_longest_line(void **state)
{
	char want[1000];

	(void)state;
	memset(want, '0', 998);
	want[998] = '\0';
	/* "D " and 998 bytes: exactly 1000 before the LF. */
	pf_expect_pinentry("echo OK", "printf 'D %0998d\\n' 0; echo OK", T_TIMEOUT, 0, want);
}

static void
test_pinsrc_pinentry_setup_errors_ignored(void **state)
{
	char path[256], script[] =
	    "#!/bin/sh\n"
	    "echo OK\n"
	    "while IFS= read -r line; do\n"
	    "\tcase \"$line\" in\n"
	    "\tGETPIN) echo 'D 5'; echo OK ;;\n"
	    "\tBYE) exit 0 ;;\n"
	    "\t*) echo 'ERR 83886355 Unknown command <Pinentry>' ;;\n"
	    "\tesac\n"
	    "done\n";
	struct src src;

	(void)state;
	tu_path(path, sizeof(path), "old");
	tu_write_file(path, script, strlen(script), 0700);
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, "desc", T_TIMEOUT, 0, "5", 1, NULL, 0);
}

static void
test_pinsrc_pinentry_tty_options(void **state)
{
	char path[256], log[300], buf[4096];
	struct src src;

	(void)state;
	pf_pinentry_one(path, sizeof(path), log, sizeof(log));
	src = source(K_PINENTRY, path);
	src.tty = "/dev/pts/7";
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "OPTION ttyname=/dev/pts/7\nSETTITLE pinsrc test\nSETPROMPT PIN:\nGETPIN\nBYE\n");
	(void)unlink(log);
	src.ttytype = "xterm-256color";
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "OPTION ttyname=/dev/pts/7\nOPTION ttytype=xterm-256color\nSETTITLE pinsrc test\n"
	    "SETPROMPT PIN:\nGETPIN\nBYE\n");
	/* Anything that is not a plain absolute path is not sent at all, nor a
	 * type with a space or a control byte, nor a type without a tty. */
	(void)unlink(log);
	src.tty = "/dev/pts/7\nGETPIN";
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	(void)unlink(log);
	src.tty = "pts/7";
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "SETTITLE pinsrc test\nSETPROMPT PIN:\nGETPIN\nBYE\n");
	(void)unlink(log);
	src.tty = "/dev/pts/7";
	src.ttytype = "xterm GETPIN";
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "OPTION ttyname=/dev/pts/7\nSETTITLE pinsrc test\nSETPROMPT PIN:\nGETPIN\nBYE\n");
}

/* The retry-less flow's error text, a prompt of the caller's, no title. */
static void
test_pinsrc_pinentry_error_prompt_title(void **state)
{
	char path[256], log[300], buf[4096];
	struct src src;

	(void)state;
	pf_pinentry_one(path, sizeof(path), log, sizeof(log));
	src = source(K_PINENTRY, path);
	src.title = NULL;
	src.prompt = "Token PIN:";
	src.error = "The token has 2 tries left\n100% sure?";
	pf_expect_pin(&src, "desc", T_TIMEOUT, 0, "1", 1, NULL, 0);
	assert_string_equal(tu_slurp(log, buf, sizeof(buf)),
	    "SETDESC desc\nSETPROMPT Token PIN:\nSETERROR The token has 2 tries left%0A100%25 sure?\n"
	    "GETPIN\nBYE\n");
}

/* The PIN rules hold for a pinentry's answer too. */
static void
test_pinsrc_pinentry_pin_rules(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];
	struct src src;

	(void)state;
	pf_expect_pinentry("echo OK", "echo 'D 12%0A34'; echo OK", T_TIMEOUT, TA_ERR_INVALID, NULL);
	pf_expect_pinentry("echo OK", "echo 'D 1234%0D'; echo OK", T_TIMEOUT, TA_ERR_INVALID, NULL);
	pf_expect_pinentry("echo OK", "echo 'D 12%FF34'; echo OK", T_TIMEOUT, TA_ERR_INVALID, NULL);
	pf_expect_pinentry("echo OK", "echo 'D %C3%A9'; echo OK", T_TIMEOUT, 0, "\xc3\xa9");
	pf_fake_pinentry(path, sizeof(path), "pe", "echo OK", "echo 'D 12345'; echo OK");
	src = source(K_PINENTRY, path);
	src.max = 4;
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_TOO_LARGE, NULL, 0, why, sizeof(why));
	assert_null(strstr(why, "12345"));
	src.max = 5;
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "12345", 5, NULL, 0);
}

/* ---- the rules, and arguments ---------------------------------------------- */

static void
check_one(const void *p, size_t len, size_t max, int want_r, const char *want_why)
{
	struct ta_secret *s = ta_secret_from(p, len);
	char why[TA_PINSRC_WHY_MAX];

	assert_non_null(s);
	memset(why, 'x', sizeof(why));
	assert_int_equal(ta_pinsrc_check(s, max, "here", why, sizeof(why)), want_r);
	if (want_r != 0)
		assert_string_equal(why, want_why);
	ta_secret_free(s);
}

static void
test_pinsrc_check_rules(void **state)
{
	(void)state;
	check_one("1234", 4, 4, 0, NULL);
	check_one("p\xc3\xa9n 12%34", 10, 256, 0, NULL);
	check_one("", 0, 4, TA_ERR_PIN_REQUIRED, "the PIN from here is empty");
	check_one("12345", 5, 4, TA_ERR_TOO_LARGE, "the PIN from here is longer than 4 bytes");
	check_one("12\0" "4", 4, 4, TA_ERR_INVALID, "the PIN from here holds a NUL byte");
	check_one("12\n4", 4, 4, TA_ERR_INVALID,
	    "the PIN from here has more than one line (a CR or LF inside); put it alone on one "
	    "line");
	check_one("12\r4", 4, 4, TA_ERR_INVALID,
	    "the PIN from here has more than one line (a CR or LF inside); put it alone on one "
	    "line");
	check_one("1\xff", 2, 4, TA_ERR_INVALID, "the PIN from here is not valid UTF-8 (byte 1)");
	assert_int_equal(ta_pinsrc_check(NULL, 4, "here", NULL, 0), TA_ERR_INVALID);
}

static void
test_pinsrc_bad_arguments(void **state)
{
	struct ta_pinentry pe = { .program = "/bin/false", .timeout_ms = 1, .max = 4 };
	struct ta_secret *s = (struct ta_secret *)&s;
	char why[8];

	(void)state;
	assert_int_equal(ta_pinsrc_file(NULL, 0, 4, NULL, 0, &s), TA_ERR_INVALID);
	assert_int_equal(ta_pinsrc_file("/x", 0, 4, NULL, 0, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_pinsrc_file("/x", 0, 0, NULL, 0, &s), TA_ERR_INVALID);
	assert_int_equal(ta_pinsrc_file("/x", 0, TA_PINSRC_MAX + 1, NULL, 0, &s), TA_ERR_INVALID);
	assert_int_equal(ta_pinsrc_pinentry(NULL, NULL, 0, &s), TA_ERR_INVALID);
	assert_int_equal(ta_pinsrc_pinentry(&pe, NULL, 0, NULL), TA_ERR_INVALID);
	pe.timeout_ms = 0;
	assert_int_equal(ta_pinsrc_pinentry(&pe, NULL, 0, &s), TA_ERR_INVALID);
	pe.timeout_ms = 1;
	pe.max = TA_PINSRC_MAX + 1;
	assert_int_equal(ta_pinsrc_pinentry(&pe, NULL, 0, &s), TA_ERR_INVALID);
	pe.max = 0;
	/* A short reason buffer is cut, still terminated. */
	assert_int_equal(ta_pinsrc_pinentry(&pe, why, sizeof(why), &s), TA_ERR_INVALID);
	assert_int_equal(strlen(why), sizeof(why) - 1);
	assert_ptr_equal(s, (struct ta_secret *)&s);
}

/* The pinentry sees only a short environment and no stray fd. */
static void
test_pinsrc_pinentry_environment_and_fds(void **state)
{
	char path[256], out[256], getpin[1024], buf[8192];
	struct src src;
	int leak;

	(void)state;
	leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	assert_true(leak > 2);
	tu_path(out, sizeof(out), "seen");
	snprintf(getpin, sizeof(getpin),
	    "export -p >'%s'; if [ -e /proc/$$/fd/%d ]; then echo LEAKED >>'%s'; fi; "
	    "echo 'D 8'; echo OK", out, leak, out);
	pf_fake_pinentry(path, sizeof(path), "pe", "echo OK", getpin);
	assert_int_equal(setenv("TA_TEST_SECRET", "do-not-pass", 1), 0);
	assert_int_equal(setenv("DISPLAY", ":42", 1), 0);
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, 0, "8", 1, NULL, 0);
	tu_slurp(out, buf, sizeof(buf));
	assert_null(strstr(buf, "do-not-pass"));
	assert_null(strstr(buf, "LEAKED"));
	assert_non_null(strstr(buf, "DISPLAY"));
	assert_non_null(strstr(buf, "PATH"));
	unsetenv("TA_TEST_SECRET");
	unsetenv("DISPLAY");
	close(leak);
}

static void
test_pinsrc_pinentry_pin_only_in_locked_memory(void **state)
{
	char path[256];
	struct src src;
	struct ta_secret *s = NULL;
	int r;

	(void)state;
	pf_fake_pinentry(path, sizeof(path), "pe", "echo OK",
	    "echo 'D Zq7!pin%25seCr3t-only-here'; echo OK");
	src = source(K_PINENTRY, path);
	r = pf_get(&src, "d", T_TIMEOUT, NULL, 0, &s);
	assert_int_equal(r, 0);
	assert_string_equal((const char *)s->data, "Zq7!pin%seCr3t-only-here");
	assert_true(tu_mapping_has_flag(s->data, "dd"));
#ifndef UNDER_ASAN
	/* Neither the decoded PIN nor its D line stayed on the heap or in the
	 * stack frames the module used (ASan moves both elsewhere). */
	assert_false(left_in_ordinary_memory("Zq7!pin%seCr3t-only-here"));
	assert_false(left_in_ordinary_memory("D Zq7!pin%25seCr3t"));
#endif
	ta_secret_free(s);
}

/* ---- pinentry: refused, broken, hostile ---------------------------------- */

static void
test_pinsrc_pinentry_err_other(void **state)
{
	char path[256], why[TA_PINSRC_WHY_MAX];
	struct src src;

	(void)state;
	pf_fake_pinentry(path, sizeof(path), "pe", "echo OK",
	    "printf 'ERR 83918950 Inappropriate ioctl for device \\001<Pinentry>\\n'");
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL, 0, why, sizeof(why));
	assert_string_equal(why,
	    "pinentry refused: ERR 83918950 Inappropriate ioctl for device <Pinentry>");
	pf_expect_pinentry("echo OK", "echo 'ERR 83886142 Timeout <Pinentry>'", T_TIMEOUT,
	    TA_ERR_TIMEOUT, NULL);
	pf_expect_pinentry("echo OK", "echo ERR", T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL);
}

static void
test_pinsrc_pinentry_err_greeting(void **state)
{
	(void)state;
	pf_expect_pinentry("echo 'ERR 1 no'", "echo 'D 1'; echo OK", T_TIMEOUT, TA_ERR_PIN_REQUIRED,
	    NULL);
}

static void
test_pinsrc_pinentry_empty_pin(void **state)
{
	(void)state;
	pf_expect_pinentry("echo OK", "echo OK", T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL);
	pf_expect_pinentry("echo OK", "echo 'D '; echo OK", T_TIMEOUT, TA_ERR_PIN_REQUIRED, NULL);
}

static void
test_pinsrc_pinentry_garbage(void **state)
{
	char why[TA_PINSRC_WHY_MAX], path[256];
	struct src src;

	(void)state;
	pf_expect_pinentry("echo HELLO", "echo 'D 1'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OKAY", "echo 'D 1'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "echo 'X garbage'", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "echo 'D1234'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	/* A malformed line is never quoted back: it may hold the PIN. */
	pf_fake_pinentry(path, sizeof(path), "pe", "echo OK", "echo 'Dsecret-ish'");
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_PROTOCOL, NULL, 0, why, sizeof(why));
	assert_null(strstr(why, "secret-ish"));
}

static void
test_pinsrc_pinentry_data_outside_getpin(void **state)
{
	(void)state;
	/* A D line where no data was asked for. */
	pf_expect_pinentry("echo 'D 1'; echo OK", "echo 'D 1'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL,
	    NULL);
}

static void
test_pinsrc_pinentry_bad_escapes(void **state)
{
	(void)state;
	pf_expect_pinentry("echo OK", "echo 'D 12%G4'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "echo 'D 12%4'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "echo 'D 12%'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "echo 'D 12%00'; echo OK", T_TIMEOUT, TA_ERR_INVALID, NULL);
	pf_expect_pinentry("echo OK", "printf 'D 12\\000\\n'; echo OK", T_TIMEOUT, TA_ERR_PROTOCOL,
	    NULL);
}

static void
test_pinsrc_pinentry_inquire(void **state)
{
	(void)state;
	pf_expect_pinentry("echo OK", "echo 'INQUIRE PINENTRY_LAUNCHED 1'", T_TIMEOUT,
	    TA_ERR_PROTOCOL, NULL);
}

static void
test_pinsrc_pinentry_line_too_long(void **state)
{
	(void)state;
	/* "D " and 999 bytes: 1001 before the LF. */
	pf_expect_pinentry("echo OK", "printf 'D %0999d\\n' 0; echo OK", T_TIMEOUT,
	    TA_ERR_TOO_LARGE, NULL);
	/* No LF at all, then silence: refused at once, not at the deadline. */
	pf_expect_pinentry("printf '%02000d' 0; exec sleep 30", "echo OK", T_TIMEOUT,
	    TA_ERR_TOO_LARGE, NULL);
}

static void
test_pinsrc_pinentry_pin_too_long(void **state)
{
	(void)state;
	/* Five D lines of 998 bytes: over TA_SECRET_MAX. */
	pf_expect_pinentry("echo OK",
	    "for i in 1 2 3 4 5; do printf 'D %0998d\\n' 0; done; echo OK", T_TIMEOUT,
	    TA_ERR_TOO_LARGE, NULL);
}

static void
test_pinsrc_pinentry_flood(void **state)
{
	(void)state;
	pf_expect_pinentry(
	    "exec 2>/dev/null; while :; do echo '# flooding the agent with comment lines'; done",
	    "echo OK", T_TIMEOUT, TA_ERR_TOO_LARGE, NULL);
}

static void
test_pinsrc_pinentry_closes_early(void **state)
{
	(void)state;
	pf_expect_pinentry("exit 0", "echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK; exit 0", "echo OK", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "exit 3", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
	pf_expect_pinentry("echo OK", "printf 'D 12'; exit 0", T_TIMEOUT, TA_ERR_PROTOCOL, NULL);
}

static void
test_pinsrc_pinentry_hangs_at_greeting(void **state)
{
	uint64_t t0 = tu_now_ms(), dt;

	(void)state;
	pf_expect_pinentry("exec sleep 30", "echo OK", T_HANG, TA_ERR_TIMEOUT, NULL);
	dt = tu_now_ms() - t0;
	assert_true(dt >= T_HANG);
	assert_true(dt < T_HANG + 2 * T_REAP + 2000);
}

static void
test_pinsrc_pinentry_ignores_sigterm(void **state)
{
	uint64_t t0 = tu_now_ms(), dt;

	(void)state;
	/* Killed with SIGKILL after EOF and SIGTERM, and reaped. */
	pf_expect_pinentry("echo OK", "trap '' TERM; exec sleep 30", T_HANG, TA_ERR_TIMEOUT, NULL);
	dt = tu_now_ms() - t0;
	assert_true(dt >= T_HANG + 2 * T_REAP);
	assert_true(dt < T_HANG + 2 * T_REAP + 2000);
}

static void
test_pinsrc_pinentry_trickle_hits_deadline(void **state)
{
	uint64_t t0 = tu_now_ms();

	(void)state;
	/* A line now and then must not extend the deadline. */
	pf_expect_pinentry("echo OK", "while :; do echo 'S KEEPALIVE'; sleep 0.05; done", T_HANG,
	    TA_ERR_TIMEOUT, NULL);
	assert_true(tu_now_ms() - t0 < T_HANG + 2 * T_REAP + 2000);
}

static void
test_pinsrc_pinentry_program_missing_or_bad(void **state)
{
	struct src src;

	(void)state;
	pf_check_missing_and_not_executable();
	/* A relative path is run as it is, never looked up on PATH. */
	src = source(K_PINENTRY, "bin/no-such-pinentry");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_FOUND, NULL, 0, NULL, 0);
	src = source(K_PINENTRY, "no-such-pinentry-on-path");
	pf_expect_pin(&src, NULL, T_TIMEOUT, TA_ERR_NOT_FOUND, NULL, 0, NULL, 0);
}

static void
test_pinsrc_pinentry_desc_cut_to_one_line(void **state)
{
	char path[256], log[300], buf[8192], desc[3000];
	struct src src;
	char *setdesc, *nl;

	(void)state;
	/* "x" and 700 two-byte characters: the line is cut before 1000 bytes,
	 * never inside a character. */
	desc[0] = 'x';
	for (size_t i = 1; i < 1401; i += 2) {
		desc[i] = (char)0xc3;
		desc[i + 1] = (char)0xa9;
	}
	desc[1401] = '\0';
	pf_pinentry_one(path, sizeof(path), log, sizeof(log));
	src = source(K_PINENTRY, path);
	pf_expect_pin(&src, desc, T_TIMEOUT, 0, "1", 1, NULL, 0);
	tu_slurp(log, buf, sizeof(buf));
	setdesc = strstr(buf, "SETDESC ");
	assert_non_null(setdesc);
	nl = strchr(setdesc, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - setdesc, 8 + 1 + 495 * 2); /* 495 whole characters */
	assert_int_equal((unsigned char)nl[-1], 0xa9);

	/* Escapes are not cut either. */
	memset(desc, '%', 1400);
	desc[1400] = '\0';
	(void)unlink(log);
	pf_expect_pin(&src, desc, T_TIMEOUT, 0, "1", 1, NULL, 0);
	tu_slurp(log, buf, sizeof(buf));
	setdesc = strstr(buf, "SETDESC ");
	nl = strchr(setdesc, '\n');
	assert_int_equal(nl - setdesc, 8 + 330 * 3); /* 330 whole escapes */
	assert_memory_equal(nl - 3, "%25", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinsrc_file_reads_and_drops_newline),
		cmocka_unit_test(test_pinsrc_file_drops_crlf),
		cmocka_unit_test(test_pinsrc_file_without_newline),
		cmocka_unit_test(test_pinsrc_file_second_line_refused),
		cmocka_unit_test(test_pinsrc_file_not_utf8_refused),
		cmocka_unit_test(test_pinsrc_file_at_max_size),
		cmocka_unit_test(test_pinsrc_file_caller_max),
		cmocka_unit_test(test_pinsrc_file_result_is_locked_memory),
		cmocka_unit_test(test_pinsrc_file_systemd_credential_acl),
		PF_TEST(test_pinsrc, file_group_readable_refused),
		cmocka_unit_test(test_pinsrc_file_other_readable_refused),
		cmocka_unit_test(test_pinsrc_file_group_or_other_writable_refused),
		cmocka_unit_test(test_pinsrc_file_symlink_refused),
		cmocka_unit_test(test_pinsrc_file_directory_refused),
		cmocka_unit_test(test_pinsrc_file_fifo_refused_without_blocking),
		PF_TEST(test_pinsrc, file_other_owner_refused),
		cmocka_unit_test(test_pinsrc_file_too_big_refused),
		cmocka_unit_test(test_pinsrc_file_empty_refused),
		cmocka_unit_test(test_pinsrc_file_nul_byte_refused),
		cmocka_unit_test(test_pinsrc_file_missing_or_empty_name),
		cmocka_unit_test(test_pinsrc_file_owner_rule_off),
		cmocka_unit_test(test_pinsrc_pinentry_dialogue),
		cmocka_unit_test(test_pinsrc_pinentry_says_goodbye),
		cmocka_unit_test(test_pinsrc_pinentry_skips_status_and_comments),
		cmocka_unit_test(test_pinsrc_pinentry_joins_data_lines),
		cmocka_unit_test(test_pinsrc_pinentry_crlf_lines),
		cmocka_unit_test(test_pinsrc_pinentry_longest_line),
		cmocka_unit_test(test_pinsrc_pinentry_setup_errors_ignored),
		cmocka_unit_test(test_pinsrc_pinentry_tty_options),
		cmocka_unit_test(test_pinsrc_pinentry_error_prompt_title),
		cmocka_unit_test(test_pinsrc_pinentry_pin_rules),
		PF_TEST(test_pinsrc, pinentry_on_path),
		cmocka_unit_test(test_pinsrc_pinentry_environment_and_fds),
		cmocka_unit_test(test_pinsrc_pinentry_pin_only_in_locked_memory),
		cmocka_unit_test(test_pinsrc_pinentry_desc_cut_to_one_line),
		PF_TEST(test_pinsrc, pinentry_cancel),
		cmocka_unit_test(test_pinsrc_pinentry_err_other),
		cmocka_unit_test(test_pinsrc_pinentry_err_greeting),
		cmocka_unit_test(test_pinsrc_pinentry_empty_pin),
		cmocka_unit_test(test_pinsrc_pinentry_garbage),
		cmocka_unit_test(test_pinsrc_pinentry_data_outside_getpin),
		cmocka_unit_test(test_pinsrc_pinentry_bad_escapes),
		cmocka_unit_test(test_pinsrc_pinentry_inquire),
		cmocka_unit_test(test_pinsrc_pinentry_line_too_long),
		cmocka_unit_test(test_pinsrc_pinentry_pin_too_long),
		cmocka_unit_test(test_pinsrc_pinentry_flood),
		cmocka_unit_test(test_pinsrc_pinentry_closes_early),
		cmocka_unit_test(test_pinsrc_pinentry_hangs_at_greeting),
		PF_TEST(test_pinsrc, pinentry_hangs_at_getpin),
		cmocka_unit_test(test_pinsrc_pinentry_ignores_sigterm),
		cmocka_unit_test(test_pinsrc_pinentry_trickle_hits_deadline),
		cmocka_unit_test(test_pinsrc_pinentry_program_missing_or_bad),
		cmocka_unit_test(test_pinsrc_check_rules),
		cmocka_unit_test(test_pinsrc_bad_arguments),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
