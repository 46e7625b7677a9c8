/* PINs for tufctl unlock (client/pinread.h).  PIN files and pinentry are
 * common/pinsrc.c's, as for the agent; the terminal is tufctl's alone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client/pinread.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/pinsrc.h"
#include "common/secret.h"
#include "protocol/proto.h"

/* Reasons name the PIN file, whose path may be long. */
#define WHY_MAX (TA_PINSRC_WHY_MAX + 4096)

/* The owner rule, as the agent's file: has it: tufctl has always refused
 * a PIN file that group or others may read, and a file another user owns
 * could hand the agent a wrong PIN, which costs one of the token's tries. */
int
tufctl_pin_from_file(const char *path, struct ta_secret **ret_pin)
{
	char why[WHY_MAX];

	if (ta_pinsrc_file(path, TA_PINSRC_PRIVATE, TA_PROTO_PIN_MAX, why, sizeof(why), ret_pin) !=
	    0)
		return tufctl_fail("%s", why);
	return TUFCTL_OK;
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
	char why[TA_PINSRC_WHY_MAX];
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
	ta_wipe(&c, sizeof(c));
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
	if (ta_pinsrc_check(s, TA_PROTO_PIN_MAX, "the terminal", why, sizeof(why)) != 0) {
		(void)tufctl_fail("%s", why);
		goto out;
	}
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

/* ---- pinentry --------------------------------------------------------------- */

static int
pin_from_pinentry(const char *prog, const char *token, struct ta_secret **ret_pin)
{
	char desc[256 + TA_PROTO_TOKEN_MAX], why[WHY_MAX];
	struct ta_pinentry pe = {
		.program = prog,
		.title = "tufctl unlock",
		.desc = desc,
		.prompt = "PIN:",
		.timeout_ms = TA_PINSRC_TIMEOUT_MS,
		.max = TA_PROTO_PIN_MAX,
	};
	int r;

	if (token != NULL && *token != '\0')
		(void)snprintf(desc, sizeof(desc), "tufctl: the PIN of token %s, for tuf-agent",
		    token);
	else
		(void)snprintf(desc, sizeof(desc), "tufctl: the token's PIN, for tuf-agent");
	/* Where a curses pinentry should draw: our terminal, if we have one. */
	if (isatty(STDIN_FILENO)) {
		pe.tty = ttyname(STDIN_FILENO);
		pe.ttytype = getenv("TERM");
	}
	if ((r = ta_pinsrc_pinentry(&pe, why, sizeof(why), ret_pin)) != 0)
		return tufctl_fail("%s%s", why, r == TA_ERR_NOT_FOUND ? " ($TUFCTL_PINENTRY)" : "");
	return TUFCTL_OK;
}

int
tufctl_pin_ask(const char *token, struct ta_secret **ret_pin)
{
	const char *prog = secure_getenv("TUFCTL_PINENTRY");

	if (prog != NULL && *prog != '\0')
		return pin_from_pinentry(prog, token, ret_pin);
	return pin_from_tty(token, ret_pin);
}
