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

#include <jansson.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* always this file: noise in every entry */
#include <systemd/sd-journal.h>

#include "agent/audit.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/utf8.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
#define PRIORITY_OK 6      /* LOG_INFO */
#define PRIORITY_REFUSED 4 /* LOG_WARNING */
#define JOURNAL_FIELDS 9
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

enum audit_kind { AUDIT_STDERR, AUDIT_JOURNAL, AUDIT_FILE };

struct ta_audit {
	enum audit_kind kind;
	int fd;                /* where lines go; stderr's for the journal fallback */
	char journal_socket[sizeof(JOURNAL_SOCKET) + 64];
	pthread_mutex_t lock;
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
	(void)pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- the record ------------------------------------------------------------ */

/* A copy of s as valid UTF-8 (U+FFFD for each bad byte), at most
 * TA_AUDIT_FIELD_MAX bytes, then "..." when cut.  NULL on OOM. */
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

static int
put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0 ? 0 : TA_ERR_NOMEM;
}

static int
put_str(json_t *o, const char *key, const char *v)
{
	char *c;
	int r;

	if (v == NULL)
		return 0;
	if ((c = clean_str(v)) == NULL)
		return TA_ERR_NOMEM;
	r = put(o, key, json_string(c));
	free(c);
	return r;
}

static int
put_time(json_t *o)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return TA_ERR_SYSTEM;
	(void)snprintf(buf + n, sizeof(buf) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return put(o, "time", json_string(buf));
}

static int
audit_build(const struct ta_audit_rec *rec, json_t **ret)
{
	json_t *o = json_object(), *ids = NULL;
	char sha[65];
	int r;

	if (o == NULL)
		return TA_ERR_NOMEM;
	if ((r = put_time(o)) != 0 ||
	    (rec->uid != (uid_t)-1 && (r = put(o, "uid", json_integer(rec->uid))) != 0) ||
	    (rec->gid != (gid_t)-1 && (r = put(o, "gid", json_integer(rec->gid))) != 0) ||
	    (rec->pid > 0 && (r = put(o, "pid", json_integer(rec->pid))) != 0) ||
	    (r = put_str(o, "method", rec->method)) != 0 ||
	    (r = put_str(o, "profile", rec->profile)) != 0 ||
	    (r = put_str(o, "role", rec->role)) != 0 ||
	    (r = put_str(o, "gun", rec->gun)) != 0 ||
	    (rec->version != 0 && (r = put(o, "version", json_integer(rec->version))) != 0) ||
	    (r = put_str(o, "result", rec->result == 0 ? "ok" : ta_errname(rec->result))) != 0 ||
	    (r = put_str(o, "rule", rec->rule)) != 0 ||
	    (r = put_str(o, "scope", rec->scope)) != 0 ||
	    (r = put_str(o, "detail", rec->detail)) != 0)
		goto out;
	if (rec->n_keyids > 0) {
		if ((ids = json_array()) == NULL) {
			r = TA_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < rec->n_keyids; i++) {
			char *c = clean_str(rec->keyids[i]);

			r = c == NULL || json_array_append_new(ids, json_string(c)) != 0 ?
			    TA_ERR_NOMEM : 0;
			free(c);
			if (r != 0)
				goto out;
		}
		r = put(o, "keyids", ids);
		ids = NULL;
		if (r != 0)
			goto out;
	}
	if (rec->sha256 != NULL) {
		ta_hex(sha, rec->sha256, 32);
		if ((r = put(o, "sha256", json_string(sha))) != 0)
			goto out;
	}
	*ret = o;
	o = NULL;
	r = 0;
out:
	json_decref(ids);
	json_decref(o);
	return r;
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

/* "NAME=value", or NULL when the record has no such field (or on OOM). */
static char *
journal_field(const char *name, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	char *f = NULL;

	if (json_is_string(v)) {
		if (asprintf(&f, "%s=%s", name, json_string_value(v)) < 0)
			f = NULL;
	} else if (json_is_integer(v)) {
		if (asprintf(&f, "%s=%lld", name, (long long)json_integer_value(v)) < 0)
			f = NULL;
	}
	return f;
}

/* TA_KEYIDS=a,b,c */
static char *
journal_keyids(json_t *o)
{
	static const char name[] = "TA_KEYIDS=";
	json_t *ids = json_object_get(o, "keyids"), *v;
	size_t i, k, n = sizeof(name);
	char *f;

	if (!json_is_array(ids))
		return NULL;
	json_array_foreach(ids, i, v)
		n += json_string_length(v) + 1;
	if ((f = malloc(n)) == NULL)
		return NULL;
	memcpy(f, name, sizeof(name) - 1);
	n = sizeof(name) - 1;
	json_array_foreach(ids, i, v) {
		if (i > 0)
			f[n++] = ',';
		k = json_string_length(v);
		memcpy(f + n, json_string_value(v), k);
		n += k;
	}
	f[n] = '\0';
	return f;
}

/* 0 once journald has the record, or a negative errno.  libsystemd drops a
 * record silently (and returns 0) when journald's socket does not exist,
 * so look for it first; a stale one gives ECONNREFUSED. */
static int
audit_journal(const struct ta_audit *a, json_t *o, const char *line, size_t len, int result)
{
	struct stat st;
	char *f[JOURNAL_FIELDS] = { NULL };
	struct iovec iov[JOURNAL_FIELDS];
	size_t n = 0, i;
	int r;

	if (stat(a->journal_socket, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -ENOENT;
	if (asprintf(&f[0], "MESSAGE=%.*s", (int)len, line) < 0 ||
	    asprintf(&f[1], "PRIORITY=%d", result == 0 ? PRIORITY_OK : PRIORITY_REFUSED) < 0 ||
	    asprintf(&f[2], "SYSLOG_IDENTIFIER=tuf-agent") < 0) {
		r = -ENOMEM;
		goto out;
	}
	f[3] = journal_field("TA_METHOD", o, "method");
	f[4] = journal_field("TA_RESULT", o, "result");
	f[5] = journal_field("TA_UID", o, "uid");
	f[6] = journal_field("TA_GUN", o, "gun");
	f[7] = journal_field("TA_ROLE", o, "role");
	f[8] = journal_keyids(o);
	for (i = 0; i < JOURNAL_FIELDS; i++)
		if (f[i] != NULL)
			iov[n++] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
	r = sd_journal_sendv(iov, (int)n);
out:
	for (i = 0; i < JOURNAL_FIELDS; i++)
		free(f[i]);
	return r;
}

/* jansson leaves DEL (0x7f) raw; "\u007f" keeps the line printable ASCII.
 * A raw 0x7f can only be inside a string, where the escape means the same.
 * *line keeps one spare byte at the end, for the newline. */
static int
escape_del(char **line, size_t *len)
{
	static const char esc[6] = { '\\', 'u', '0', '0', '7', 'f' };
	size_t n = 0, o = 0;
	char *out;

	for (size_t i = 0; i < *len; i++)
		n += (*line)[i] == 0x7f;
	if (n == 0)
		return 0;
	if ((out = malloc(*len + 5 * n + 1)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < *len; i++) {
		if ((*line)[i] == 0x7f) {
			memcpy(out + o, esc, sizeof(esc));
			o += sizeof(esc);
		} else {
			out[o++] = (*line)[i];
		}
	}
	free(*line);
	*line = out;
	*len = o;
	return 0;
}

int
ta_audit_log(struct ta_audit *a, const struct ta_audit_rec *rec)
{
	json_t *o = NULL;
	char *line = NULL;
	size_t len;
	int r, e;

	if (a == NULL || rec == NULL || rec->method == NULL ||
	    (rec->n_keyids > 0 && rec->keyids == NULL))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < rec->n_keyids; i++)
		if (rec->keyids[i] == NULL)
			return TA_ERR_INVALID;
	if ((r = audit_build(rec, &o)) != 0)
		goto out;
	/* One pass (json_dumpb would need a second to size the buffer); the
	 * terminating NUL's byte takes the newline. */
	if ((line = json_dumps(o, JSON_FLAGS)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	len = strlen(line);
	/* Compact JSON escapes every control character: a newline here is a bug. */
	if (len == 0 || memchr(line, '\n', len) != NULL) {
		r = TA_ERR_INTERNAL;
		goto out;
	}
	if ((r = escape_del(&line, &len)) != 0)
		goto out;
	line[len] = '\n';

	(void)pthread_mutex_lock(&a->lock);
	if (a->kind != AUDIT_JOURNAL || audit_journal(a, o, line, len, rec->result) < 0)
		r = write_all(a->fd, line, len + 1); /* one write(2) unless it comes up short */
	e = errno;
	(void)pthread_mutex_unlock(&a->lock);
	errno = e;
out:
	e = errno;
	json_decref(o);
	free(line);
	errno = e;
	return r;
}
