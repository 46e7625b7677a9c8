/* PIN files and pinentry for both programs (common/pinsrc.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/pinsrc.h"
#include "common/secret.h"
#include "common/utf8.h"

extern char **environ;

#define ASSUAN_LINE_MAX 1000            /* bytes before the LF (Assuan spec) */
#define ASSUAN_DIALOGUE_MAX ((size_t)64 * 1024) /* every byte a pinentry may send */
#define ASSUAN_INBUF 2048               /* > one line with its CR LF */
#define REAP_MS 500                     /* EOF, then SIGTERM, then SIGKILL */
#define PROG_MAX 4096                   /* a pinentry program's path */

/* GPG error codes (the low 16 bits of an Assuan ERR code). */
#define GPG_ERR_TIMEOUT 62
#define GPG_ERR_CANCELED 99
#define GPG_ERR_FULLY_CANCELED 198

/* Variables a pinentry may need to reach the user; the rest of the caller's
 * environment (an agent's env: PINs, tufctl's registry password) stays
 * with the caller. */
static const char *const env_keep[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
	"LC_MESSAGES", "TERM", "GPG_TTY", "DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY",
	"XDG_RUNTIME_DIR", "XDG_SESSION_TYPE", "DBUS_SESSION_BUS_ADDRESS", "PINENTRY_USER_DATA",
};
#define ENV_KEEP_N (sizeof(env_keep) / sizeof(env_keep[0]))

/* The monotonic clock (common/clock.h), as the deadlines here count it. */
static uint64_t
now_ms(void)
{
	return (uint64_t)ta_now_ms();
}

/* ---- the PIN itself ------------------------------------------------------- */

static int
pin_check(const struct ta_secret *s, size_t max, const char *from, const struct ta_why *w)
{
	size_t bad = 0;

	if (s->len == 0)
		return ta_why_fail(TA_ERR_PIN_REQUIRED, w, "the PIN from %s is empty", from);
	if (s->len > max)
		return ta_why_fail(
		    TA_ERR_TOO_LARGE, w, "the PIN from %s is longer than %zu bytes", from, max);
	if (memchr(s->data, '\0', s->len) != NULL)
		return ta_why_fail(TA_ERR_INVALID, w, "the PIN from %s holds a NUL byte", from);
	if (memchr(s->data, '\n', s->len) != NULL || memchr(s->data, '\r', s->len) != NULL)
		return ta_why_fail(TA_ERR_INVALID, w,
		    "the PIN from %s has more than one line (a CR or LF inside); put it alone on "
		    "one line",
		    from);
	if (!ta_utf8_valid(s->data, s->len, &bad))
		return ta_why_fail(
		    TA_ERR_INVALID, w, "the PIN from %s is not valid UTF-8 (byte %zu)", from, bad);
	return 0;
}

int
ta_pinsrc_check(const struct ta_secret *s, size_t max, const char *from, char *why,
    size_t whylen)
{
	const struct ta_why w = ta_why_start(why, whylen);

	if (s == NULL || from == NULL)
		return ta_why_end(&w, TA_ERR_INVALID);
	return ta_why_end(&w, pin_check(s, max, from, &w));
}

/* ---- PIN files ------------------------------------------------------------ */

static uint32_t
le_get(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* True when the file's access ACL lets nobody but its owner and euid near it.
 * systemd's LoadCredential= leaves a 0400 file owned by root with an entry
 * "user:<service uid>:r--", and stat() shows the ACL mask in the group bits. */
static bool
acl_private(int fd, uid_t euid)
{
	uint8_t acl[4 + 8 * 32];
	ssize_t n;
	size_t off;
	uint32_t tag, perm, id;

	n = fgetxattr(fd, "system.posix_acl_access", acl, sizeof(acl));
	if (n < 4 || ((size_t)n - 4) % 8 != 0 || le_get(acl, 4) != POSIX_ACL_XATTR_VERSION)
		return false;
	for (off = 4; off < (size_t)n; off += 8) {
		tag = le_get(acl + off, 2);
		perm = le_get(acl + off + 2, 2) & (ACL_READ | ACL_WRITE);
		id = le_get(acl + off + 4, 4);
		switch (tag) {
		case ACL_USER_OBJ:
		case ACL_MASK:
			break;
		case ACL_USER:
			if (perm != 0 && id != (uint32_t)euid)
				return false;
			break;
		case ACL_GROUP_OBJ:
		case ACL_GROUP:
		case ACL_OTHER:
			if (perm != 0)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* The owner rule, on the open file. */
static int
file_private(int fd, const struct stat *st, const char *path, const struct ta_why *w)
{
	uid_t euid = geteuid();

	if (st->st_uid != euid && st->st_uid != 0)
		return ta_why_fail(TA_ERR_NOT_AUTHORIZED, w,
		    "PIN file '%s' is owned by uid %u, neither uid %u (who reads it) nor root; "
		    "chown it",
		    path, (unsigned)st->st_uid, (unsigned)euid);
	if ((st->st_mode & 077) != 0 && !acl_private(fd, euid))
		return ta_why_fail(TA_ERR_NOT_AUTHORIZED, w,
		    "PIN file '%s' has mode %04o: it must not be accessible to group or others; "
		    "run chmod 600 '%s'",
		    path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

static int
pin_from_file(
    const char *path, unsigned flags, size_t max, const struct ta_why *w, struct ta_secret **ret)
{
	struct ta_secret *s = NULL;
	struct stat st;
	char from[TA_PINSRC_WHY_MAX];
	uint8_t probe = 0;
	size_t len;
	ssize_t n;
	int fd = -1, r;

	/* O_NOFOLLOW: the file named is the one checked.  O_NONBLOCK: opening
	 * a FIFO must not wait for a writer (it is refused just below). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			r = ta_why_fail(TA_ERR_NOT_AUTHORIZED, w,
			    "PIN file '%s' is a symbolic link; name the file itself", path);
		else if (errno == ENOENT)
			r = ta_why_fail(TA_ERR_NOT_FOUND, w, "PIN file '%s' does not exist", path);
		else
			r = ta_why_fail(TA_ERR_SYSTEM, w, "cannot open PIN file '%s': %m", path);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = ta_why_fail(TA_ERR_SYSTEM, w, "cannot stat PIN file '%s': %m", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = ta_why_fail(
		    TA_ERR_NOT_AUTHORIZED, w, "PIN file '%s' is not a regular file", path);
		goto out;
	}
	if ((flags & TA_PINSRC_PRIVATE) != 0 && (r = file_private(fd, &st, path, w)) != 0)
		goto out;
	(void)snprintf(from, sizeof(from), "PIN file '%s'", path);
	if ((uintmax_t)st.st_size > max + 2) {
		r = ta_why_fail(
		    TA_ERR_TOO_LARGE, w, "the PIN from %s is longer than %zu bytes", from, max);
		goto out;
	}
	if ((s = ta_secret_new(max + 2)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	/* Straight into locked memory; the file may have grown since fstat. */
	for (;;) {
		if (s->len == s->cap)
			n = read(fd, &probe, 1);
		else
			n = read(fd, s->data + s->len, s->cap - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ta_why_fail(TA_ERR_SYSTEM, w, "cannot read PIN file '%s': %m", path);
			goto out;
		}
		if (n == 0)
			break;
		if (s->len == s->cap) {
			r = ta_why_fail(TA_ERR_TOO_LARGE, w,
			    "the PIN from %s is longer than %zu bytes", from, max);
			goto out;
		}
		s->len += (size_t)n;
	}
	len = s->len;
	if (len > 0 && s->data[len - 1] == '\n') {
		len--;
		if (len > 0 && s->data[len - 1] == '\r')
			len--;
	}
	ta_wipe(s->data + len, s->len - len);
	s->len = len;
	if ((r = pin_check(s, max, from, w)) != 0)
		goto out;
	*ret = s;
	s = NULL;
	r = 0;
out:
	ta_wipe(&probe, sizeof(probe));
	ta_secret_free(s);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int
ta_pinsrc_file(const char *path, unsigned flags, size_t max, char *why, size_t whylen,
    struct ta_secret **ret)
{
	const struct ta_why w = ta_why_start(why, whylen);

	if (path == NULL || ret == NULL || max == 0 || max > TA_PINSRC_MAX ||
	    (flags & ~(unsigned)TA_PINSRC_PRIVATE) != 0)
		return ta_why_end(&w, TA_ERR_INVALID);
	if (path[0] == '\0')
		return ta_why_end(
		    &w, ta_why_fail(TA_ERR_INVALID, &w, "the PIN file's name is empty"));
	return ta_why_end(&w, pin_from_file(path, flags, max, &w, ret));
}

/* ---- pinentry: a small Assuan client --------------------------------------- */

struct assuan {
	int fd;                /* our end of the socketpair, non-blocking */
	pid_t pid;
	uint64_t deadline;     /* CLOCK_MONOTONIC ms */
	struct ta_secret *in;  /* bytes read, not consumed yet: D lines live here */
	size_t consumed;       /* length of the line last handed out, with its LF */
	size_t total;          /* bytes read in the whole dialogue */
	const struct ta_why *w;
};

static int
assuan_wait(struct assuan *a, short events)
{
	struct pollfd p = { .fd = a->fd, .events = events };
	uint64_t now;
	int n;

	for (;;) {
		now = now_ms();
		if (now >= a->deadline)
			return ta_why_fail(TA_ERR_TIMEOUT, a->w, "pinentry did not answer in time");
		n = a->deadline - now > INT_MAX ? INT_MAX : (int)(a->deadline - now);
		n = poll(&p, 1, n);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return ta_why_fail(TA_ERR_SYSTEM, a->w, "poll on pinentry: %m");
	}
}

static int
assuan_send(struct assuan *a, const char *line, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int r;

	while (off < len) {
		n = send(a->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((r = assuan_wait(a, POLLOUT)) != 0)
				return r;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return ta_why_fail(
			    TA_ERR_PROTOCOL, a->w, "pinentry closed the connection early");
		return ta_why_fail(TA_ERR_SYSTEM, a->w, "write to pinentry: %m");
	}
	return 0;
}

/* Drops the line handed out last and wipes what it leaves behind. */
static void
assuan_consume(struct assuan *a)
{
	struct ta_secret *in = a->in;
	size_t rest;

	if (a->consumed == 0)
		return;
	rest = in->len - a->consumed;
	memmove(in->data, in->data + a->consumed, rest);
	ta_wipe(in->data + rest, in->len - rest);
	in->len = rest;
	a->consumed = 0;
}

/* The next line, without its CR LF and NUL-terminated, in a->in (locked memory);
 * valid until the next call. */
static int
assuan_getline(struct assuan *a, char **ret_line, size_t *ret_len)
{
	struct ta_secret *in = a->in;
	const uint8_t *nl;
	size_t len;
	ssize_t n;
	int r;

	assuan_consume(a);
	while ((nl = memchr(in->data, '\n', in->len)) == NULL) {
		if (in->len > ASSUAN_LINE_MAX + 1)
			return ta_why_fail(TA_ERR_TOO_LARGE, a->w,
			    "pinentry sent a line over %d bytes", ASSUAN_LINE_MAX);
		n = read(a->fd, in->data + in->len, in->cap - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = assuan_wait(a, POLLIN)) != 0)
				return r;
			continue;
		}
		if (n < 0 && errno != ECONNRESET)
			return ta_why_fail(TA_ERR_SYSTEM, a->w, "read from pinentry: %m");
		if (n <= 0)
			return ta_why_fail(
			    TA_ERR_PROTOCOL, a->w, "pinentry closed the connection early");
		if ((size_t)n > ASSUAN_DIALOGUE_MAX - a->total)
			return ta_why_fail(TA_ERR_TOO_LARGE, a->w,
			    "pinentry sent more than %zu bytes", ASSUAN_DIALOGUE_MAX);
		a->total += (size_t)n;
		in->len += (size_t)n;
	}
	len = (size_t)(nl - in->data);
	a->consumed = len + 1;
	if (len > 0 && in->data[len - 1] == '\r')
		len--;
	if (len > ASSUAN_LINE_MAX)
		return ta_why_fail(
		    TA_ERR_TOO_LARGE, a->w, "pinentry sent a line over %d bytes", ASSUAN_LINE_MAX);
	in->data[len] = '\0';
	if (memchr(in->data, '\0', len) != NULL)
		return ta_why_fail(TA_ERR_PROTOCOL, a->w, "pinentry sent a NUL byte");
	*ret_line = (char *)in->data;
	*ret_len = len;
	return 0;
}

/* line is the keyword w, alone or followed by a space. */
static bool
is_word(const char *line, const char *w)
{
	size_t n = strlen(w);

	return strncmp(line, w, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

/* Percent-decodes one D line's data onto the end of pin. */
static int
assuan_data(struct assuan *a, struct ta_secret *pin, const char *p, size_t len)
{
	int hi, lo, c = 0, r = 0;

	for (size_t i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (len - i < 3 || (hi = ta_hex_value(p[i + 1])) < 0 ||
			    (lo = ta_hex_value(p[i + 2])) < 0) {
				r = ta_why_fail(
				    TA_ERR_PROTOCOL, a->w, "pinentry sent a bad %%-escape");
				goto out;
			}
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0) {
			r = ta_why_fail(
			    TA_ERR_INVALID, a->w, "the PIN from pinentry holds a NUL byte");
			goto out;
		}
		if (pin->len == pin->cap) {
			r = ta_why_fail(TA_ERR_TOO_LARGE, a->w,
			    "the PIN from pinentry is longer than %zu bytes", pin->cap);
			goto out;
		}
		pin->data[pin->len++] = (uint8_t)c;
	}
	pin->data[pin->len] = '\0';
out:
	ta_wipe(&c, sizeof(c));
	return r;
}

/* Reads the answer to one command: 0 after OK, 1 after ERR (its code in
 * *ret_code, its text in the reason), or a TA_ERR_*.  D lines go to pin;
 * with pin NULL they are a protocol error.  No line is ever quoted in the
 * reason: a malformed one may hold the PIN. */
static int
assuan_reply(struct assuan *a, struct ta_secret *pin, unsigned long *ret_code)
{
	unsigned long code;
	char *line = NULL, *end, text[128];
	size_t len = 0, o;
	int r;

	for (;;) {
		if ((r = assuan_getline(a, &line, &len)) != 0)
			return r;
		if (is_word(line, "OK"))
			return 0;
		if (line[0] == '#' || is_word(line, "S"))
			continue;
		if (pin != NULL && line[0] == 'D' && line[1] == ' ') {
			if ((r = assuan_data(a, pin, line + 2, len - 2)) != 0)
				return r;
			continue;
		}
		if (is_word(line, "ERR")) {
			errno = 0;
			code = strtoul(line + 3, &end, 10);
			if (end == line + 3 || errno != 0)
				code = 0;
			for (o = 0; *end != '\0' && o < sizeof(text) - 1; end++)
				if (*end >= 0x20 && *end < 0x7f)
					text[o++] = *end;
			text[o] = '\0';
			*ret_code = code;
			return ta_why_fail(1, a->w, "pinentry refused: ERR %lu%s", code, text);
		}
		if (is_word(line, "INQUIRE"))
			return ta_why_fail(
			    TA_ERR_PROTOCOL, a->w, "pinentry sent INQUIRE, which is not answered");
		return ta_why_fail(TA_ERR_PROTOCOL, a->w, "pinentry sent an unexpected line");
	}
}

/* A set-up command: its ERR is ignored (an older pinentry may lack it). */
static int
assuan_setup(struct assuan *a, const char *line, size_t len)
{
	unsigned long code;
	int r;

	if ((r = assuan_send(a, line, len)) != 0)
		return r;
	if ((r = assuan_reply(a, NULL, &code)) == 1) {
		if (a->w->len > 0)
			a->w->buf[0] = '\0';
		r = 0;
	}
	return r;
}

/* Appends s to out[o..] percent-escaped (%, CR, LF and every other control
 * byte), stopping at a character boundary when the next one would not fit
 * before outlen - 1.  Returns the new length; out stays NUL-terminated. */
static size_t
assuan_escape(char *out, size_t o, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *start = s;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '%') {
			if (outlen - 1 - o < 3)
				break;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (outlen - 1 - o < 1)
				break;
			out[o++] = (char)c;
		}
	}
	/* Cut inside a UTF-8 sequence: drop its lead and continuation bytes,
	 * each of which was copied as one byte. */
	if (*s != '\0')
		while (((unsigned char)*s & 0xc0) == 0x80 && s > start &&
		    (unsigned char)s[-1] >= 0x80) {
			s--;
			o--;
		}
	out[o] = '\0';
	return o;
}

/* BYE, and its OK read (briefly), so that the pinentry leaves by itself
 * rather than on EPIPE.  Nothing here changes the outcome or its reason. */
static void
assuan_bye(struct assuan *a)
{
	const struct ta_why quiet = {.buf = NULL, .len = 0}, *w = a->w;
	uint64_t soon = now_ms() + REAP_MS;
	unsigned long code;

	a->w = &quiet;
	if (a->deadline > soon)
		a->deadline = soon;
	if (assuan_send(a, "BYE\n", 4) == 0)
		(void)assuan_reply(a, NULL, &code);
	a->w = w;
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define spawn_closefrom(fa, fd) posix_spawn_file_actions_addclosefrom_np((fa), (fd))
#else
#define spawn_closefrom(fa, fd) 0 /* every fd of ours is close-on-exec anyway */
#endif

/* Runs prog (searched on PATH when it has no '/') with child_fd as its stdin
 * and stdout, every other fd closed, an empty signal mask and every signal
 * at its default.  0 or an errno value. */
static int
spawn_prog(const char *prog, int child_fd, char *const argv[], char *const envp[],
    pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	pid_t pid;
	int e;

	(void)sigemptyset(&none);
	(void)sigfillset(&all);
	(void)sigdelset(&all, SIGKILL);
	(void)sigdelset(&all, SIGSTOP);
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		return e;
	if ((e = posix_spawnattr_init(&at)) != 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		return e;
	}
	if ((e = posix_spawn_file_actions_adddup2(&fa, child_fd, 0)) == 0 &&
	    (e = posix_spawn_file_actions_adddup2(&fa, child_fd, 1)) == 0 &&
	    (e = spawn_closefrom(&fa, 3)) == 0 &&
	    (e = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (e = posix_spawnattr_setsigdefault(&at, &all)) == 0 &&
	    (e = posix_spawnattr_setflags(&at,
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0)
		e = strchr(prog, '/') != NULL ? posix_spawn(&pid, prog, &fa, &at, argv, envp) :
		    posix_spawnp(&pid, prog, &fa, &at, argv, envp);
	(void)posix_spawnattr_destroy(&at);
	(void)posix_spawn_file_actions_destroy(&fa);
	if (e == 0)
		*ret_pid = pid;
	return e;
}

static int
pinentry_spawn(struct assuan *a, const char *prog)
{
	char arg0[PROG_MAX];
	char *argv[] = { arg0, NULL };
	char *envp[ENV_KEEP_N + 1];
	size_t ne = 0, k, i;
	int sv[2] = { -1, -1 }, fd, e, r;
	pid_t pid;

	if (strlen(prog) >= sizeof(arg0))
		return ta_why_fail(TA_ERR_INVALID, a->w, "pinentry program name too long");
	memcpy(arg0, prog, strlen(prog) + 1);

	for (i = 0; environ != NULL && environ[i] != NULL && ne < ENV_KEEP_N; i++)
		for (k = 0; k < ENV_KEEP_N; k++) {
			size_t n = strlen(env_keep[k]);

			if (strncmp(environ[i], env_keep[k], n) == 0 && environ[i][n] == '=') {
				envp[ne++] = environ[i];
				break;
			}
		}
	envp[ne] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		r = ta_why_fail(TA_ERR_SYSTEM, a->w, "socketpair for pinentry: %m");
		goto out;
	}
	/* dup2(fd, fd) would keep close-on-exec: the child's end must be >= 3. */
	if (sv[1] < 3) {
		if ((fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 3)) < 0) {
			r = ta_why_fail(TA_ERR_SYSTEM, a->w, "fcntl for pinentry: %m");
			goto out;
		}
		(void)close(sv[1]);
		sv[1] = fd;
	}
	if ((e = fcntl(sv[0], F_GETFL)) < 0 || fcntl(sv[0], F_SETFL, e | O_NONBLOCK) != 0) {
		r = ta_why_fail(TA_ERR_SYSTEM, a->w, "fcntl for pinentry: %m");
		goto out;
	}
	if ((e = spawn_prog(prog, sv[1], argv, envp, &pid)) != 0) {
		errno = e;
		if (e == ENOENT)
			r = ta_why_fail(
			    TA_ERR_NOT_FOUND, a->w, "pinentry program '%s' not found", prog);
		else
			r = ta_why_fail(TA_ERR_SYSTEM, a->w, "cannot run pinentry '%s': %m", prog);
		goto out;
	}
	a->pid = pid;
	a->fd = sv[0];
	sv[0] = -1;
	r = 0;
out:
	e = errno;
	if (sv[0] >= 0)
		(void)close(sv[0]);
	if (sv[1] >= 0)
		(void)close(sv[1]);
	errno = e;
	return r;
}

/* Reaps pid if it exits within ms; true when it is gone (ECHILD too: SIGCHLD
 * ignored, or reaped elsewhere). */
static bool
reap_within(pid_t pid, unsigned ms)
{
	const struct timespec tick = { .tv_nsec = 5L * 1000 * 1000 };
	uint64_t end = now_ms() + ms;
	pid_t w;

	for (;;) {
		w = waitpid(pid, NULL, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return true;
		if (now_ms() >= end)
			return false;
		(void)nanosleep(&tick, NULL);
	}
}

/* EOF first, so that a curses pinentry can restore the terminal; then
 * SIGTERM, then SIGKILL.  Never leaves a zombie. */
static void
pinentry_end(struct assuan *a)
{
	int e = errno;

	if (a->fd >= 0)
		(void)close(a->fd);
	a->fd = -1;
	if (a->pid > 0 && !reap_within(a->pid, REAP_MS)) {
		(void)kill(a->pid, SIGTERM);
		if (!reap_within(a->pid, REAP_MS)) {
			(void)kill(a->pid, SIGKILL);
			while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	a->pid = -1;
	errno = e;
}

static bool
tty_name_ok(const char *tty)
{
	size_t n;

	if (tty == NULL || tty[0] != '/')
		return false;
	for (n = 0; tty[n] != '\0'; n++)
		if ((unsigned char)tty[n] < 0x20 || tty[n] == 0x7f || n > 255)
			return false;
	return true;
}

/* r from assuan_reply(): an ERR (1) becomes a TA_ERR_*; the rest stays. */
static int
pinentry_refused(int r, unsigned long code, const struct ta_why *w)
{
	if (r != 1)
		return r;
	switch (code & 0xffff) {
	case GPG_ERR_CANCELED:
	case GPG_ERR_FULLY_CANCELED:
		return ta_why_fail(TA_ERR_CANCELLED, w, "PIN entry cancelled");
	case GPG_ERR_TIMEOUT:
		return ta_why_fail(TA_ERR_TIMEOUT, w, "the pinentry timed out");
	default:
		return TA_ERR_PIN_REQUIRED; /* the reason holds its ERR line */
	}
}

/* A set-up command with one escaped argument (cut to fit one line). */
static int
assuan_setup_arg(struct assuan *a, const char *cmd, const char *arg)
{
	char line[ASSUAN_LINE_MAX + 2];
	size_t n = strlen(cmd);
	int r;

	memcpy(line, cmd, n);
	line[n++] = ' ';
	n = assuan_escape(line, n, ASSUAN_LINE_MAX + 1, arg);
	line[n++] = '\n';
	r = assuan_setup(a, line, n);
	ta_wipe(line, sizeof(line));
	return r;
}

/* A value for an OPTION line: printable, no space, not too long. */
static bool
option_ok(const char *v)
{
	size_t n;

	if (v == NULL || v[0] == '\0')
		return false;
	for (n = 0; v[n] != '\0'; n++)
		if ((unsigned char)v[n] <= 0x20 || v[n] == 0x7f || n > 255)
			return false;
	return true;
}

static int
pin_from_pinentry(const struct ta_pinentry *pe, const struct ta_why *w, struct ta_secret **ret)
{
	struct assuan a = { .fd = -1, .pid = -1, .w = w };
	struct ta_secret *pin = NULL;
	const char *prog = pe->program != NULL && pe->program[0] != '\0' ? pe->program : "pinentry";
	char from[TA_PINSRC_WHY_MAX], line[ASSUAN_LINE_MAX + 2];
	unsigned long code = 0;
	size_t n;
	int r;

	a.deadline = now_ms() + pe->timeout_ms;
	if ((a.in = ta_secret_new(ASSUAN_INBUF)) == NULL ||
	    (pin = ta_secret_new(pe->max)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if ((r = pinentry_spawn(&a, prog)) != 0)
		goto out;
	if ((r = assuan_reply(&a, NULL, &code)) != 0) {
		r = pinentry_refused(r, code, w);
		goto out;
	}
	if (tty_name_ok(pe->tty)) {
		n = (size_t)snprintf(line, sizeof(line), "OPTION ttyname=%s\n", pe->tty);
		if ((r = assuan_setup(&a, line, n)) != 0)
			goto out;
		if (option_ok(pe->ttytype)) {
			n = (size_t)snprintf(line, sizeof(line), "OPTION ttytype=%s\n", pe->ttytype);
			if ((r = assuan_setup(&a, line, n)) != 0)
				goto out;
		}
	}
	if (pe->title != NULL && (r = assuan_setup_arg(&a, "SETTITLE", pe->title)) != 0)
		goto out;
	if (pe->desc != NULL && (r = assuan_setup_arg(&a, "SETDESC", pe->desc)) != 0)
		goto out;
	if ((r = assuan_setup_arg(&a, "SETPROMPT", pe->prompt != NULL ? pe->prompt : "PIN:")) !=
		0 ||
	    (pe->error != NULL && (r = assuan_setup_arg(&a, "SETERROR", pe->error)) != 0) ||
	    (r = assuan_send(&a, "GETPIN\n", 7)) != 0)
		goto out;
	if ((r = assuan_reply(&a, pin, &code)) >= 0)
		assuan_bye(&a);
	if (r != 0) {
		r = pinentry_refused(r, code, w);
		goto out;
	}
	(void)snprintf(from, sizeof(from), "pinentry '%s'", prog);
	if ((r = pin_check(pin, pe->max, from, w)) != 0)
		goto out;
	*ret = pin;
	pin = NULL;
	r = 0;
out:
	pinentry_end(&a);
	ta_secret_free(pin);
	ta_secret_free(a.in);
	return r;
}

int
ta_pinsrc_pinentry(const struct ta_pinentry *pe, char *why, size_t whylen,
    struct ta_secret **ret)
{
	const struct ta_why w = ta_why_start(why, whylen);

	if (pe == NULL || ret == NULL || pe->timeout_ms == 0 || pe->max == 0 ||
	    pe->max > TA_PINSRC_MAX)
		return ta_why_end(&w, TA_ERR_INVALID);
	return ta_why_end(&w, pin_from_pinentry(pe, &w, ret));
}
