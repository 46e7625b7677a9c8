#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION /* always this file: noise in every entry */
#include <systemd/sd-journal.h>

#include "agent/audit.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/utf8.h"

#define PRIORITY_OK 6      /* LOG_INFO */
#define PRIORITY_REFUSED 4 /* LOG_WARNING */
#define JOURNAL_FIELDS 9
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

enum audit_kind { AUDIT_STDERR, AUDIT_JOURNAL, AUDIT_FILE };

/* A thread waiting for its record's write (ta_audit_log(), file and
 * stderr targets), on its own stack. */
struct waiter {
	struct waiter *next;
	int r, err; /* the write's result and errno */
	bool done;
};

struct ta_audit {
	enum audit_kind kind;
	int fd;                /* where lines go; stderr's for the journal fallback */
	char journal_socket[sizeof(JOURNAL_SOCKET) + 64];
	pthread_mutex_t lock;
	/* Group commit: lines appended while a write is under way wait in
	 * pend, and the next writer writes them all with one write(2). */
	pthread_cond_t written;
	bool writing;
	char *pend;
	size_t pend_len, pend_cap;
	struct waiter *waiters, **waiters_tail; /* those whose lines are in pend */
};

struct ta_audit *
ta_audit_open(const char *target)
{
	struct ta_audit *a = NULL, *ret = NULL;
	enum audit_kind kind;
	struct stat st;
	int fd = -1, e;

	errno = EINVAL;
	if (target == NULL || target[0] == '\0')
		goto out;
	if (strcmp(target, "journal") == 0) {
		kind = AUDIT_JOURNAL;
	} else if (strcmp(target, "stderr") == 0) {
		kind = AUDIT_STDERR;
	} else if (target[0] == '/') {
		kind = AUDIT_FILE;
		/* O_NONBLOCK: a FIFO must not hang the agent at start-up. */
		fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		    O_NOCTTY | O_NONBLOCK, 0640);
		if (fd < 0 || fstat(fd, &st) != 0)
			goto out;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			goto out;
		}
	} else {
		goto out; /* a relative path: it would depend on the cwd */
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto out;
	if ((e = pthread_mutex_init(&a->lock, NULL)) != 0) {
		errno = e;
		goto out;
	}
	if ((e = pthread_cond_init(&a->written, NULL)) != 0) {
		(void)pthread_mutex_destroy(&a->lock);
		errno = e;
		goto out;
	}
	a->waiters_tail = &a->waiters;
	a->kind = kind;
	a->fd = kind == AUDIT_FILE ? fd : STDERR_FILENO;
	memcpy(a->journal_socket, JOURNAL_SOCKET, sizeof(JOURNAL_SOCKET));
	ret = a;
	a = NULL;
	fd = -1;
out:
	e = errno;
	free(a);
	if (fd >= 0)
		(void)close(fd);
	errno = e;
	return ret;
}

int
ta__audit_journal_socket(struct ta_audit *a, const char *path)
{
	if (a == NULL || path == NULL || strlen(path) >= sizeof(a->journal_socket))
		return TA_ERR_INVALID;
	memcpy(a->journal_socket, path, strlen(path) + 1);
	return 0;
}

void
ta_audit_close(struct ta_audit *a)
{
	if (a == NULL)
		return;
	if (a->kind == AUDIT_FILE)
		(void)close(a->fd);
	(void)pthread_cond_destroy(&a->written);
	(void)pthread_mutex_destroy(&a->lock);
	free(a->pend);
	free(a);
}

/* ---- the record ------------------------------------------------------------ */

/* The line is written directly, without a jansson tree (it was a tenth of
 * the agent's own time per signature): the same bytes jansson's
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII dump gave, members in
 * sorted order, every non-ASCII character and control character
 * \u-escaped in upper case as jansson does, and DEL as \u007f. */
struct line {
	char *d;
	size_t len, cap;
	bool oom;
};

static void
line_put(struct line *l, const char *p, size_t n)
{
	char *d;
	size_t cap;

	if (l->oom)
		return;
	if (n > l->cap - l->len) {
		cap = l->cap < 512 ? 512 : l->cap;
		while (n > cap - l->len)
			cap *= 2;
		if ((d = realloc(l->d, cap)) == NULL) {
			l->oom = true;
			return;
		}
		l->d = d;
		l->cap = cap;
	}
	memcpy(l->d + l->len, p, n);
	l->len += n;
}

static void
line_lit(struct line *l, const char *lit)
{
	line_put(l, lit, strlen(lit));
}

static void
line_u16(struct line *l, unsigned u)
{
	char e[7];

	(void)snprintf(e, sizeof(e), "\\u%04X", u & 0xffff);
	line_put(l, e, 6);
}

/* One code point, escaped as jansson's ENSURE_ASCII dump escapes it. */
static void
line_cp(struct line *l, uint32_t cp)
{
	char c = (char)cp, e[2] = {'\\', 0};

	switch (cp) {
	case '"': e[1] = '"'; break;
	case '\\': e[1] = '\\'; break;
	case '\b': e[1] = 'b'; break;
	case '\f': e[1] = 'f'; break;
	case '\n': e[1] = 'n'; break;
	case '\r': e[1] = 'r'; break;
	case '\t': e[1] = 't'; break;
	default: break;
	}
	if (e[1] != 0)
		line_put(l, e, 2);
	else if (cp == 0x7f)
		line_lit(l, "\\u007f"); /* jansson leaves DEL raw: kept printable */
	else if (cp >= 0x20 && cp < 0x7f)
		line_put(l, &c, 1);
	else if (cp < 0x10000)
		line_u16(l, cp);
	else {
		cp -= 0x10000;
		line_u16(l, 0xd800 | (cp >> 10));
		line_u16(l, 0xdc00 | (cp & 0x3ff));
	}
}

/* s as a JSON string of valid UTF-8 (U+FFFD for each bad byte), cut after
 * TA_AUDIT_FIELD_MAX bytes of that text at a character boundary, then
 * "..." when cut. */
static void
line_text(struct line *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k, w;
	uint32_t cp;

	line_put(l, "\"", 1);
	while (i < n) {
		k = ta_utf8_seq(p + i, n - i);
		w = k != 0 ? k : 3;
		if (w > TA_AUDIT_FIELD_MAX - o) {
			line_lit(l, "...");
			break;
		}
		switch (k) {
		case 0: cp = 0xfffd; break;
		case 1: cp = p[i]; break;
		case 2: cp = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f); break;
		case 3:
			cp = (uint32_t)(p[i] & 0x0f) << 12 | (uint32_t)(p[i + 1] & 0x3f) << 6 |
			     (p[i + 2] & 0x3f);
			break;
		default:
			cp = (uint32_t)(p[i] & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3f) << 12 |
			     (uint32_t)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
			break;
		}
		line_cp(l, cp);
		o += w;
		i += k != 0 ? k : 1;
	}
	line_put(l, "\"", 1);
}

/* ,"key": (no comma for the first member) */
static void
line_key(struct line *l, const char *key)
{
	if (l->len > 1)
		line_put(l, ",", 1);
	line_put(l, "\"", 1);
	line_lit(l, key);
	line_put(l, "\":", 2);
}

static void
line_str(struct line *l, const char *key, const char *v)
{
	if (v == NULL)
		return;
	line_key(l, key);
	line_text(l, v);
}

static void
line_int(struct line *l, const char *key, long long v)
{
	char num[24];

	line_key(l, key);
	line_put(l, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

static int
line_time(struct line *l)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return TA_ERR_SYSTEM;
	(void)snprintf(buf + n, sizeof(buf) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	line_str(l, "time", buf);
	return 0;
}

/* The record's line, with its newline, in *l (the caller frees l->d). */
static int
audit_line(const struct ta_audit_rec *rec, struct line *l)
{
	char sha[65];
	int r;

	line_put(l, "{", 1);
	line_str(l, "detail", rec->detail);
	if (rec->gid != (gid_t)-1)
		line_int(l, "gid", (long long)rec->gid);
	line_str(l, "gun", rec->gun);
	if (rec->n_keyids > 0) {
		line_key(l, "keyids");
		line_put(l, "[", 1);
		for (size_t i = 0; i < rec->n_keyids; i++) {
			if (i > 0)
				line_put(l, ",", 1);
			line_text(l, rec->keyids[i]);
		}
		line_put(l, "]", 1);
	}
	line_str(l, "method", rec->method);
	if (rec->pid > 0)
		line_int(l, "pid", (long long)rec->pid);
	line_str(l, "profile", rec->profile);
	line_str(l, "result", rec->result == 0 ? "ok" : ta_errname(rec->result));
	line_str(l, "role", rec->role);
	line_str(l, "rule", rec->rule);
	line_str(l, "scope", rec->scope);
	if (rec->sha256 != NULL) {
		ta_hex(sha, rec->sha256, 32);
		line_str(l, "sha256", sha);
	}
	if ((r = line_time(l)) != 0)
		return r;
	if (rec->uid != (uid_t)-1)
		line_int(l, "uid", (long long)rec->uid);
	if (rec->version != 0)
		line_int(l, "version", (long long)rec->version);
	line_put(l, "}\n", 2);
	return l->oom ? TA_ERR_NOMEM : 0;
}

/* A copy of s as valid UTF-8 (U+FFFD for each bad byte), at most
 * TA_AUDIT_FIELD_MAX bytes, then "..." when cut.  NULL on OOM.  For the
 * journal's fields, which carry the record's strings unescaped. */
static char *
clean_str(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k, w;
	char *out = malloc(TA_AUDIT_FIELD_MAX + 4);

	if (out == NULL)
		return NULL;
	while (i < n) {
		k = ta_utf8_seq(p + i, n - i);
		w = k != 0 ? k : 3;
		if (w > TA_AUDIT_FIELD_MAX - o) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, k != 0 ? s + i : fffd, w);
		o += w;
		i += k != 0 ? k : 1;
	}
	out[o] = '\0';
	return out;
}

/* ---- output ---------------------------------------------------------------- */

static int
write_all(int fd, const char *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && poll(&pfd, 1, 1000) > 0)
			continue;
		if (n < 0)
			return TA_ERR_SYSTEM;
		if (n == 0) {
			errno = EIO;
			return TA_ERR_SYSTEM;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "NAME=value" (value as the record has it, cleaned), or NULL when the
 * record has no such field (or on OOM). */
static char *
journal_field(const char *name, const char *value)
{
	char *c, *f = NULL;

	if (value == NULL || (c = clean_str(value)) == NULL)
		return NULL;
	if (asprintf(&f, "%s=%s", name, c) < 0)
		f = NULL;
	free(c);
	return f;
}

/* TA_KEYIDS=a,b,c */
static char *
journal_keyids(const struct ta_audit_rec *rec)
{
	static const char name[] = "TA_KEYIDS=";
	char *f, *c;
	size_t n = sizeof(name) - 1;

	if (rec->n_keyids == 0)
		return NULL;
	if ((f = malloc(n + rec->n_keyids * (TA_AUDIT_FIELD_MAX + 4))) == NULL)
		return NULL;
	memcpy(f, name, n);
	for (size_t i = 0; i < rec->n_keyids; i++) {
		if ((c = clean_str(rec->keyids[i])) == NULL) {
			free(f);
			return NULL;
		}
		if (i > 0)
			f[n++] = ',';
		memcpy(f + n, c, strlen(c));
		n += strlen(c);
		free(c);
	}
	f[n] = '\0';
	return f;
}

/* 0 once journald has the record, or a negative errno.  libsystemd drops a
 * record silently (and returns 0) when journald's socket does not exist,
 * so look for it first; a stale one gives ECONNREFUSED. */
static int
audit_journal(const struct ta_audit *a, const struct ta_audit_rec *rec, const char *line,
    size_t len)
{
	char uid[24];
	struct stat st;
	char *f[JOURNAL_FIELDS] = { NULL };
	struct iovec iov[JOURNAL_FIELDS];
	size_t n = 0, i;
	int r;

	if (stat(a->journal_socket, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -ENOENT;
	if (asprintf(&f[0], "MESSAGE=%.*s", (int)len, line) < 0 ||
	    asprintf(&f[1], "PRIORITY=%d", rec->result == 0 ? PRIORITY_OK : PRIORITY_REFUSED) < 0 ||
	    asprintf(&f[2], "SYSLOG_IDENTIFIER=tuf-agent") < 0) {
		r = -ENOMEM;
		goto out;
	}
	(void)snprintf(uid, sizeof(uid), "%lld", (long long)rec->uid);
	f[3] = journal_field("TA_METHOD", rec->method);
	f[4] = journal_field("TA_RESULT", rec->result == 0 ? "ok" : ta_errname(rec->result));
	f[5] = journal_field("TA_UID", rec->uid != (uid_t)-1 ? uid : NULL);
	f[6] = journal_field("TA_GUN", rec->gun);
	f[7] = journal_field("TA_ROLE", rec->role);
	f[8] = journal_keyids(rec);
	for (i = 0; i < JOURNAL_FIELDS; i++)
		if (f[i] != NULL)
			iov[n++] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
	r = sd_journal_sendv(iov, (int)n);
out:
	for (i = 0; i < JOURNAL_FIELDS; i++)
		free(f[i]);
	return r;
}

/* Appends line to pend and returns when a write(2) that carries it has
 * returned: its result, errno kept.  The first thread to find no write
 * under way writes everything pending, its own line and those of threads
 * that came while the previous write was made, in one write(2) of whole
 * lines; the others wait for it.  Called and returns with a->lock held. */
static int
audit_commit(struct ta_audit *a, const char *line, size_t len)
{
	struct waiter me = {0}, *w, *list;
	size_t cap, n;
	char *p;
	int r, e;

	if (len > a->pend_cap - a->pend_len) {
		cap = a->pend_cap < 4096 ? 4096 : a->pend_cap;
		while (len > cap - a->pend_len)
			cap *= 2;
		if ((p = realloc(a->pend, cap)) == NULL)
			return TA_ERR_NOMEM;
		a->pend = p;
		a->pend_cap = cap;
	}
	memcpy(a->pend + a->pend_len, line, len);
	a->pend_len += len;
	/* me is on this stack: the writer that sets me.done has taken the
	 * list off a first, so nothing points at it once this returns. */
	*a->waiters_tail = &me;
	// cppcheck-suppress autoVariables
	a->waiters_tail = &me.next;
	while (a->writing && !me.done)
		(void)pthread_cond_wait(&a->written, &a->lock);
	if (!me.done) {
		/* This thread writes what is pending; the buffer is taken, so
		 * that others may append meanwhile. */
		a->writing = true;
		p = a->pend;
		n = a->pend_len;
		list = a->waiters;
		a->pend = NULL;
		a->pend_len = a->pend_cap = 0;
		a->waiters = NULL;
		a->waiters_tail = &a->waiters;
		(void)pthread_mutex_unlock(&a->lock);
		r = write_all(a->fd, p, n); /* one write(2) unless it comes up short */
		e = errno;
		(void)pthread_mutex_lock(&a->lock);
		if (a->pend == NULL) { /* keep the storage for the next batch */
			a->pend = p;
			a->pend_cap = n > 0 ? n : 0;
			p = NULL;
		}
		free(p);
		for (w = list; w != NULL; w = w->next) {
			w->r = r;
			w->err = e;
			w->done = true;
		}
		a->writing = false;
		(void)pthread_cond_broadcast(&a->written);
	}
	errno = me.err;
	return me.r;
}

int
ta_audit_log(struct ta_audit *a, const struct ta_audit_rec *rec)
{
	struct line l = {0};
	int r, e;

	if (a == NULL || rec == NULL || rec->method == NULL ||
	    (rec->n_keyids > 0 && rec->keyids == NULL))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < rec->n_keyids; i++)
		if (rec->keyids[i] == NULL)
			return TA_ERR_INVALID;
	if ((r = audit_line(rec, &l)) != 0)
		goto out;
	/* Every control character is escaped: a newline but the last is a bug. */
	if (memchr(l.d, '\n', l.len - 1) != NULL) {
		r = TA_ERR_INTERNAL;
		goto out;
	}

	(void)pthread_mutex_lock(&a->lock);
	if (a->kind != AUDIT_JOURNAL || audit_journal(a, rec, l.d, l.len - 1) < 0)
		r = audit_commit(a, l.d, l.len);
	e = errno;
	(void)pthread_mutex_unlock(&a->lock);
	errno = e;
out:
	e = errno;
	free(l.d);
	errno = e;
	return r;
}
