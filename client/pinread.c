/* PINs for tufctl unlock (client/pinread.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "client/pinread.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/secret.h"
#include "protocol/proto.h"

extern char **environ;

/* The PIN is 1..TA_PROTO_PIN_MAX bytes of UTF-8 with no NUL and no line
 * break (nobody can type one at a prompt).  from names the source. */
static int
pin_check(const struct ta_secret *s, const char *from)
{
	size_t bad;

	if (s->len == 0)
		return tufctl_fail("no PIN from %s", from);
	if (s->len > TA_PROTO_PIN_MAX)
		return tufctl_fail("the PIN from %s is longer than %d bytes", from, TA_PROTO_PIN_MAX);
	if (memchr(s->data, '\0', s->len) != NULL)
		return tufctl_fail("the PIN from %s contains a NUL byte", from);
	if (memchr(s->data, '\n', s->len) != NULL || memchr(s->data, '\r', s->len) != NULL)
		return tufctl_fail("the PIN from %s has more than one line; put it alone on one "
				   "line",
		    from);
	if (!tufctl_utf8_valid(s->data, s->len, &bad))
		return tufctl_fail("the PIN from %s is not valid UTF-8 (byte %zu)", from, bad);
	return TUFCTL_OK;
}

int
tufctl_pin_from_file(const char *path, struct ta_secret **ret_pin)
{
	struct ta_secret *s = NULL;
	struct stat st;
	char from[64 + 4096];
	ssize_t n;
	int fd = -1, ret = TUFCTL_FAIL;

	(void)snprintf(from, sizeof(from), "PIN file '%s'", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		(void)tufctl_fail("cannot open PIN file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		(void)tufctl_fail("cannot stat PIN file '%s': %s", path, strerror(errno));
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		(void)tufctl_fail("PIN file '%s' has mode %04o: it must not be accessible to group "
				  "or others; run chmod 600 '%s'",
		    path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	/* Room for the longest PIN, its newline and one byte more: a file that
	 * fills it is too long whatever follows. */
	if ((s = ta_secret_new(TA_PROTO_PIN_MAX + 2)) == NULL) {
		(void)tufctl_fail("reading PIN file '%s': %s", path, ta_strerror(TA_ERR_NOMEM));
		goto out;
	}
	while (s->len < s->cap) {
		n = read(fd, s->data + s->len, s->cap - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			(void)tufctl_fail("cannot read PIN file '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	if (s->len > 0 && s->data[s->len - 1] == '\n')
		s->data[--s->len] = '\0';
	if (pin_check(s, from) != 0)
		goto out;
	*ret_pin = s;
	s = NULL;
	ret = TUFCTL_OK;
out:
	ta_secret_free(s);
	if (fd >= 0)
		(void)close(fd);
	return ret;
}

/* ---- the terminal ----------------------------------------------------------- */

static volatile sig_atomic_t tty_signo;

static void
tty_on_signal(int signo)
{
	tty_signo = signo;
}

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
#define N_TTY_SIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))

static int
pin_from_tty(const char *token, struct ta_secret **ret_pin)
{
	struct sigaction sa = {.sa_handler = tty_on_signal}, saved[N_TTY_SIGNALS];
	struct ta_secret *s = NULL;
	struct termios old, noecho;
	bool too_long = false, handlers = false;
	unsigned char c = 0;
	ssize_t n;
	int fd = -1, ret = TUFCTL_FAIL;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0) {
		(void)tufctl_fail("no terminal to ask for the PIN (/dev/tty: %s); use --pin-file F "
				  "or set TUFCTL_PINENTRY=pinentry",
		    strerror(errno));
		goto out;
	}
	if (tcgetattr(fd, &old) != 0) {
		(void)tufctl_fail("no terminal to ask for the PIN (/dev/tty: %s); use --pin-file F "
				  "or set TUFCTL_PINENTRY=pinentry",
		    strerror(errno));
		goto out;
	}
	if ((s = ta_secret_new(TA_PROTO_PIN_MAX)) == NULL) {
		(void)tufctl_fail("reading the PIN: %s", ta_strerror(TA_ERR_NOMEM));
		goto out;
	}
	/* No SA_RESTART: a signal ends the read, the terminal gets its echo
	 * back, and then the signal does what it would have done. */
	tty_signo = 0;
	(void)sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_TTY_SIGNALS; i++)
		(void)sigaction(tty_signals[i], &sa, &saved[i]);
	handlers = true;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	noecho.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) != 0) {
		(void)tufctl_fail("cannot turn off echo on the terminal: %s", strerror(errno));
		goto out;
	}
	if (token != NULL && *token != '\0')
		(void)fprintf(stderr, "PIN for token '%s': ", token);
	else
		(void)fprintf(stderr, "PIN: ");
	(void)fflush(stderr);
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR && tty_signo == 0)
			continue;
		if (n <= 0 || c == '\n' || c == '\r')
			break;
		if (s->len < s->cap)
			s->data[s->len++] = c;
		else
			too_long = true;
	}
	explicit_bzero(&c, sizeof(c));
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)fputc('\n', stderr);
	if (tty_signo != 0) {
		(void)tufctl_fail("PIN entry interrupted");
		goto out;
	}
	if (n < 0) {
		(void)tufctl_fail("reading the PIN from the terminal: %s", strerror(errno));
		goto out;
	}
	if (too_long) {
		(void)tufctl_fail("the PIN typed is longer than %d bytes", TA_PROTO_PIN_MAX);
		goto out;
	}
	if (pin_check(s, "the terminal") != 0)
		goto out;
	*ret_pin = s;
	s = NULL;
	ret = TUFCTL_OK;
out:
	ta_secret_free(s);
	if (fd >= 0)
		(void)close(fd);
	if (handlers) {
		for (size_t i = 0; i < N_TTY_SIGNALS; i++)
			(void)sigaction(tty_signals[i], &saved[i], NULL);
		if (tty_signo != 0)
			(void)raise(tty_signo);
	}
	return ret;
}

/* ---- pinentry (Assuan) ----------------------------------------------------------- */

/* Assuan lines are at most 1000 bytes, newline included. */
#define ASSUAN_LINE_MAX 1000

struct pinentry {
	const char *prog;
	int in;  /* we read its stdout */
	int out; /* we write its stdin */
	char line[ASSUAN_LINE_MAX + 1];
	size_t len;
};

/* Reads one line (without its newline) into pe->line. */
static int
pe_read_line(struct pinentry *pe)
{
	char c;
	ssize_t n;

	pe->len = 0;
	for (;;) {
		n = read(pe->in, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tufctl_fail("reading from pinentry '%s': %s", pe->prog, strerror(errno));
		if (n == 0)
			return tufctl_fail("pinentry '%s' exited in the middle of the exchange", pe->prog);
		if (c == '\n')
			break;
		if (pe->len >= ASSUAN_LINE_MAX)
			return tufctl_fail("pinentry '%s' sent a line over %d bytes", pe->prog,
			    ASSUAN_LINE_MAX);
		pe->line[pe->len++] = c;
	}
	pe->line[pe->len] = '\0';
	return TUFCTL_OK;
}

static int
pe_write(struct pinentry *pe, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(pe->out, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tufctl_fail("writing to pinentry '%s': %s", pe->prog, strerror(errno));
		s += n;
		len -= (size_t)n;
	}
	return TUFCTL_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
pe_is(const struct pinentry *pe, const char *word)
{
	size_t n = strlen(word);

	return strncmp(pe->line, word, n) == 0 && (pe->line[n] == '\0' || pe->line[n] == ' ');
}

/* Sends cmd and its argument, escaped as Assuan wants (%, CR, LF and other
 * control bytes as %XX), and waits for OK or ERR.  Data lines are decoded
 * into pin when pin is not NULL (*ret_too_long when they do not fit).
 * Returns PE_OK; PE_ERR with *ret_err set and nothing printed; or PE_FAIL
 * after printing one line (the program or the exchange broke). */
enum { PE_OK = 0, PE_ERR = 1, PE_FAIL = -1 };

static int
pe_command(struct pinentry *pe, const char *cmd, const char *arg, struct ta_secret *pin,
    bool *ret_too_long, unsigned long *ret_err)
{
	char buf[ASSUAN_LINE_MAX + 1];
	size_t len;
	int ret = PE_FAIL;

	len = (size_t)snprintf(buf, sizeof(buf), "%s%s", cmd, arg != NULL ? " " : "");
	for (const unsigned char *p = (const unsigned char *)arg; p != NULL && *p != '\0'; p++) {
		if (len + 4 >= sizeof(buf))
			break;
		if (*p == '%' || *p < 0x20 || *p == 0x7f)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%%%02X", *p);
		else
			buf[len++] = (char)*p;
	}
	buf[len++] = '\n';
	if (pe_write(pe, buf, len) != 0)
		goto out;
	for (;;) {
		if (pe_read_line(pe) != 0)
			goto out;
		if (pe_is(pe, "OK")) {
			ret = PE_OK;
			goto out;
		}
		if (pe_is(pe, "ERR")) {
			*ret_err = strtoul(pe->line + 3, NULL, 10);
			ret = PE_ERR;
			goto out;
		}
		if (pe->line[0] == 'D' && pe->line[1] == ' ' && pin != NULL) {
			for (size_t i = 2; i < pe->len; i++) {
				unsigned char c = (unsigned char)pe->line[i];
				int hi, lo;

				if (c == '%' && i + 2 < pe->len &&
				    (hi = hexval(pe->line[i + 1])) >= 0 &&
				    (lo = hexval(pe->line[i + 2])) >= 0) {
					c = (unsigned char)(hi << 4 | lo);
					i += 2;
				}
				if (pin->len < pin->cap)
					pin->data[pin->len++] = c;
				else
					*ret_too_long = true;
			}
			continue;
		}
		if (pe->line[0] == '#' || pe_is(pe, "S"))
			continue;
		(void)tufctl_fail("pinentry '%s' sent something other than the Assuan protocol",
		    pe->prog);
		goto out;
	}
out:
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(pe->line, sizeof(pe->line));
	return ret;
}

static int
pin_from_pinentry(const char *prog, const char *token, struct ta_secret **ret_pin)
{
	struct pinentry pe = {.prog = prog, .in = -1, .out = -1};
	struct sigaction ign = {.sa_handler = SIG_IGN}, saved_pipe;
	posix_spawn_file_actions_t fa;
	struct ta_secret *s = NULL;
	char *argv[] = {(char *)(uintptr_t)prog, NULL};
	int to[2] = {-1, -1}, from[2] = {-1, -1};
	char desc[256 + TA_PROTO_TOKEN_MAX], opt[4200];
	unsigned long err = 0;
	bool too_long = false, fa_init = false;
	pid_t pid = -1;
	const char *v;
	int r, status, ret = TUFCTL_FAIL;

	(void)sigemptyset(&ign.sa_mask);
	(void)sigaction(SIGPIPE, &ign, &saved_pipe);
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
		(void)tufctl_fail("cannot start pinentry '%s': %s", prog, strerror(errno));
		goto out;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		(void)tufctl_fail("cannot start pinentry '%s': %s", prog, strerror(r));
		goto out;
	}
	fa_init = true;
	if ((r = posix_spawn_file_actions_adddup2(&fa, to[0], STDIN_FILENO)) != 0 ||
	    (r = posix_spawn_file_actions_adddup2(&fa, from[1], STDOUT_FILENO)) != 0 ||
	    (r = posix_spawnp(&pid, prog, &fa, NULL, argv, environ)) != 0) {
		pid = -1;
		(void)tufctl_fail("cannot start pinentry '%s' ($TUFCTL_PINENTRY): %s", prog,
		    strerror(r));
		goto out;
	}
	(void)close(to[0]);
	(void)close(from[1]);
	to[0] = from[1] = -1;
	pe.out = to[1];
	pe.in = from[0];

	if (pe_read_line(&pe) != 0)
		goto out;
	if (!pe_is(&pe, "OK")) {
		(void)tufctl_fail("pinentry '%s' did not greet with OK; is it a pinentry?", prog);
		goto out;
	}
	/* Where a curses pinentry should draw; refusals do not matter. */
	if (isatty(STDIN_FILENO) && (v = ttyname(STDIN_FILENO)) != NULL) {
		(void)snprintf(opt, sizeof(opt), "ttyname=%s", v);
		if (pe_command(&pe, "OPTION", opt, NULL, &too_long, &err) == PE_FAIL)
			goto out;
		if ((v = getenv("TERM")) != NULL && *v != '\0') {
			(void)snprintf(opt, sizeof(opt), "ttytype=%s", v);
			if (pe_command(&pe, "OPTION", opt, NULL, &too_long, &err) == PE_FAIL)
				goto out;
		}
	}
	if (token != NULL && *token != '\0')
		(void)snprintf(desc, sizeof(desc), "tufctl: the PIN of token %s, for tuf-agent",
		    token);
	else
		(void)snprintf(desc, sizeof(desc), "tufctl: the token's PIN, for tuf-agent");
	if (pe_command(&pe, "SETTITLE", "tufctl unlock", NULL, &too_long, &err) == PE_FAIL ||
	    pe_command(&pe, "SETDESC", desc, NULL, &too_long, &err) == PE_FAIL ||
	    pe_command(&pe, "SETPROMPT", "PIN:", NULL, &too_long, &err) == PE_FAIL)
		goto out;
	if ((s = ta_secret_new(TA_PROTO_PIN_MAX)) == NULL) {
		(void)tufctl_fail("reading the PIN: %s", ta_strerror(TA_ERR_NOMEM));
		goto out;
	}
	if ((r = pe_command(&pe, "GETPIN", NULL, s, &too_long, &err)) != PE_OK) {
		/* GPG_ERR_CANCELED is 99 in the low 16 bits. */
		if (r == PE_ERR && (err & 0xffff) == 99)
			(void)tufctl_fail("PIN entry cancelled");
		else if (r == PE_ERR)
			(void)tufctl_fail("pinentry '%s' failed (Assuan ERR %lu)", prog, err);
		goto out;
	}
	s->data[s->len] = '\0';
	/* Not waiting for its OK: a pinentry that leaves at once is fine. */
	if (write(pe.out, "BYE\n", 4) < 0)
		(void)0;
	if (too_long) {
		(void)tufctl_fail("the PIN entered is longer than %d bytes", TA_PROTO_PIN_MAX);
		goto out;
	}
	(void)snprintf(opt, sizeof(opt), "pinentry '%s'", prog);
	if (pin_check(s, opt) != 0)
		goto out;
	*ret_pin = s;
	s = NULL;
	ret = TUFCTL_OK;
out:
	ta_secret_free(s);
	explicit_bzero(pe.line, sizeof(pe.line));
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			(void)close(to[i]);
		if (from[i] >= 0)
			(void)close(from[i]);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (fa_init)
		(void)posix_spawn_file_actions_destroy(&fa);
	(void)sigaction(SIGPIPE, &saved_pipe, NULL);
	return ret;
}

int
tufctl_pin_ask(const char *token, struct ta_secret **ret_pin)
{
	const char *prog = secure_getenv("TUFCTL_PINENTRY");

	if (prog != NULL && *prog != '\0')
		return pin_from_pinentry(prog, token, ret_pin);
	return pin_from_tty(token, ret_pin);
}
