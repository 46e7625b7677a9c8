/* Unit tests for agent/audit.c: records to a file, stderr and the journal.
 *
 * sd_journal_sendv() is interposed below: audit.o, linked into this
 * program, calls the test's definition, which records the fields and
 * either answers as told or hands the call to libsystemd's, so the journal
 * target is tested with and without a journald.  Whether "journald is
 * there" is decided by a socket the test binds (ta__audit_journal_socket). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/audit.h"
#include "common/err.h"
#include "tests/tools/testutil.h"

#define THREADS 8
#define PER_THREAD 250


/* ---- the interposed journal --------------------------------------------- */

#define JOURNAL_PASS 1 /* journal_answer: call libsystemd */

static int journal_answer = JOURNAL_PASS;
static int journal_calls;
static char journal_fields[16][8192];
static int journal_n;

int sd_journal_sendv(const struct iovec *iov, int n);

int
sd_journal_sendv(const struct iovec *iov, int n)
{
	static void *lib;
	int (*real)(const struct iovec *, int);

	journal_calls++;
	journal_n = n < 16 ? n : 16;
	for (int i = 0; i < journal_n; i++) {
		size_t len = iov[i].iov_len < 8191 ? iov[i].iov_len : 8191;

		memcpy(journal_fields[i], iov[i].iov_base, len);
		journal_fields[i][len] = '\0';
	}
	if (journal_answer != JOURNAL_PASS)
		return journal_answer;
	lib = lib != NULL ? lib : dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
		return -ENOSYS;
	*(void **)&real = dlsym(lib, "sd_journal_sendv");
	return real != NULL ? real(iov, n) : -ENOSYS;
}

/* The field NAME=... the last call sent, or NULL. */
static const char *
journal_field(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < journal_n; i++)
		if (strncmp(journal_fields[i], name, n) == 0 && journal_fields[i][n] == '=')
			return journal_fields[i] + n + 1;
	return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static int
setup(void **state)
{
	(void)state;
	return tu_mktmp("ta-audit");
}

/* tu_tmpdir/name into out, not there yet. */
static char *
tpath(char *out, size_t len, const char *name)
{
	tu_path(out, len, name);
	(void)unlink(out);
	return out;
}

static const uint8_t sha[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
	0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0xff,
};
static const char sha_hex[] = "000102030405060708090a0b0c0d0e0ff0e1d2c3b4a5968778695a4b3c2d1eff";
static const char *const two_ids[] = { "1f2e3d", "a1b2c3" };

static struct ta_audit_rec
full_rec(void)
{
	struct ta_audit_rec r = {
		.uid = 1000, .gid = 1001, .pid = 4242, .method = "sign", .profile = "dct",
		.role = "targets", .gun = "registry.example.com/app", .keyids = two_ids,
		.n_keyids = 2, .version = 7, .sha256 = sha, .result = 0, .detail = NULL,
	};
	return r;
}

static struct ta_audit_rec
bare_rec(void)
{
	struct ta_audit_rec r = {
		.uid = (uid_t)-1, .gid = (gid_t)-1, .pid = 0, .method = "status",
	};
	return r;
}

/* Reads path; the lines into lines[] (in place), their count returned. */
static size_t
read_lines(const char *path, char **buf, char **lines, size_t max)
{
	struct stat st;
	size_t n = 0, off = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*buf = malloc((size_t)st.st_size + 1);
	assert_non_null(*buf);
	while (off < (size_t)st.st_size &&
	    (got = read(fd, *buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)got;
	assert_int_equal(off, (size_t)st.st_size);
	(*buf)[off] = '\0';
	close(fd);
	/* Every record ends in a newline: a file that does not was split. */
	if (off > 0)
		assert_int_equal((*buf)[off - 1], '\n');
	for (char *p = *buf, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		assert_true(n < max);
		*nl = '\0';
		lines[n++] = p;
	}
	return n;
}

static json_t *
parse(const char *line)
{
	json_error_t err;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);

	if (o == NULL)
		fail_msg("not JSON (%s): %.200s", err.text, line);
	assert_true(json_is_object(o));
	return o;
}

static const char *
str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}

/* "2024-05-01T12:34:56.789Z" */
static bool
is_rfc3339_ms(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	if (strlen(t) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
			return false;
	return true;
}

/* The single record in path, parsed. */
static json_t *
only_record(const char *path)
{
	char *buf = NULL, *lines[4] = { "" };
	json_t *o;

	assert_int_equal(read_lines(path, &buf, lines, 4), 1);
	o = parse(lines[0]);
	free(buf);
	return o;
}

static int saved_stderr = -1;

static void
capture_stderr(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void
restore_stderr(void)
{
	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

/* rec logged alone into a new file target, tmpdir/audit.log: its path. */
static void
log_to_file(const struct ta_audit_rec *rec, char *path, size_t len)
{
	struct ta_audit *a = ta_audit_open(tpath(path, len, "audit.log"));

	assert_non_null(a);
	assert_int_equal(ta_audit_log(a, rec), 0);
	ta_audit_close(a);
}

/* A journal target, the fake journald's answer set and its calls counted
 * from 0. */
static struct ta_audit *
journal_target(int answer)
{
	struct ta_audit *a = ta_audit_open("journal");

	assert_non_null(a);
	journal_answer = answer;
	journal_calls = 0;
	return a;
}

/* ta_audit_log() with stderr caught in path (emptied first). */
static int
log_on_stderr(struct ta_audit *a, const struct ta_audit_rec *rec, const char *path)
{
	int r;

	capture_stderr(path);
	r = ta_audit_log(a, rec);
	restore_stderr();
	return r;
}

/* The single record in path has key = want. */
static void
only_record_has(const char *path, const char *key, const char *want)
{
	json_t *o = only_record(path);

	assert_string_equal(str(o, key), want);
	json_decref(o);
}

/* A journald look-alike: a datagram socket bound at tu_tmpdir/name, for
 * ta__audit_journal_socket(); nobody reads it. */
static const char *
fake_journal_socket(const char *name)
{
	static char path[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	tpath(path, sizeof(path), name);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	return path;
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* ---- file target: records ------------------------------------------------ */

static void
test_agent_audit_file_record_fields(void **state)
{
	char path[256];
	struct ta_audit_rec rec = full_rec();
	json_t *o, *ids;

	(void)state;
	log_to_file(&rec, path, sizeof(path));

	o = only_record(path);
	assert_int_equal(json_object_size(o), 12);
	assert_true(is_rfc3339_ms(str(o, "time")));
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "gid")), 1001);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 4242);
	assert_string_equal(str(o, "method"), "sign");
	assert_string_equal(str(o, "profile"), "dct");
	assert_string_equal(str(o, "role"), "targets");
	assert_string_equal(str(o, "gun"), "registry.example.com/app");
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 7);
	assert_string_equal(str(o, "sha256"), sha_hex);
	assert_string_equal(str(o, "result"), "ok");
	ids = json_object_get(o, "keyids");
	assert_true(json_is_array(ids));
	assert_int_equal(json_array_size(ids), 2);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), "1f2e3d");
	assert_string_equal(json_string_value(json_array_get(ids, 1)), "a1b2c3");
	assert_null(json_object_get(o, "detail"));
	json_decref(o);
}

static void
test_agent_audit_file_sorted_compact(void **state)
{
	char path[256], *buf, *lines[2];
	struct ta_audit_rec rec = full_rec();

	(void)state;
	rec.detail = "d";
	log_to_file(&rec, path, sizeof(path));
	assert_int_equal(read_lines(path, &buf, lines, 2), 1);
	/* Keys in order, no blanks between tokens: grep-able and stable. */
	assert_true(strncmp(lines[0], "{\"detail\":\"d\",\"gid\":1001,\"gun\":", 31) == 0);
	assert_null(strstr(lines[0], ", "));
	assert_null(strstr(lines[0], ": "));
	assert_non_null(strstr(lines[0], "\"time\":"));
	assert_true(strstr(lines[0], "\"sha256\"") < strstr(lines[0], "\"time\""));
	free(buf);
}

static void
test_agent_audit_file_absent_fields_omitted(void **state)
{
	char path[256];
	struct ta_audit_rec rec = bare_rec();
	json_t *o;

	(void)state;
	log_to_file(&rec, path, sizeof(path));
	o = only_record(path);
	assert_int_equal(json_object_size(o), 3);
	assert_string_equal(str(o, "method"), "status");
	assert_string_equal(str(o, "result"), "ok");
	assert_true(is_rfc3339_ms(str(o, "time")));
	json_decref(o);
}

static void
test_agent_audit_file_refusal_with_detail(void **state)
{
	char path[256];
	struct ta_audit_rec rec = full_rec();
	json_t *o;

	(void)state;
	rec.result = TA_ERR_POLICY;
	rec.detail = "rule 'builders' does not allow role 'root'";
	rec.sha256 = NULL;
	rec.version = 0;
	log_to_file(&rec, path, sizeof(path));
	o = only_record(path);
	assert_string_equal(str(o, "result"), "TA_ERR_POLICY");
	assert_string_equal(str(o, "detail"), "rule 'builders' does not allow role 'root'");
	assert_null(json_object_get(o, "sha256"));
	assert_null(json_object_get(o, "version"));
	json_decref(o);
}

static void
test_agent_audit_file_edge_values(void **state)
{
	char path[256];
	struct ta_audit_rec rec = bare_rec();
	json_t *o;

	(void)state;
	rec.uid = 0;          /* root is a peer like any other: kept */
	rec.gid = (gid_t)-1;  /* left out */
	rec.pid = -5;         /* left out */
	rec.version = INT64_MAX;
	rec.result = -999;    /* no such code */
	rec.n_keyids = 0;
	rec.keyids = NULL;
	rec.profile = "";
	log_to_file(&rec, path, sizeof(path));
	o = only_record(path);
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 0);
	assert_null(json_object_get(o, "gid"));
	assert_null(json_object_get(o, "pid"));
	assert_null(json_object_get(o, "keyids"));
	assert_int_equal(json_integer_value(json_object_get(o, "version")), INT64_MAX);
	assert_string_equal(str(o, "result"), "TA_ERR_UNKNOWN");
	assert_string_equal(str(o, "profile"), "");
	json_decref(o);
}

static void
test_agent_audit_file_hostile_strings(void **state)
{
	static const char *const evil_ids[] = { "id\n{\"uid\":0}", "\xe2\x80\xa8" };
	char path[256], *buf, *lines[4];
	struct ta_audit_rec rec = full_rec();
	json_t *o, *ids;

	(void)state;
	rec.role = "targets\n{\"result\":\"ok\"}\r\x1b[2J\x7f\x01";
	rec.gun = "reg\xe2\x80\xa8" "line\xc2\x85next\\\"/";  /* U+2028, U+0085 */
	rec.profile = "bad\xff\xc0\xaf\xed\xa0\x80utf8";       /* invalid, overlong, surrogate */
	rec.detail = "\"},\n\"uid\":0,\"x\":{\"";
	rec.keyids = evil_ids;
	rec.result = TA_ERR_NOT_AUTHORIZED;
	log_to_file(&rec, path, sizeof(path));

	assert_int_equal(read_lines(path, &buf, lines, 4), 1);
	/* Printable ASCII only: nothing any reader could take for a line end. */
	for (const char *p = lines[0]; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
	o = parse(lines[0]);
	assert_string_equal(str(o, "role"), rec.role);
	assert_string_equal(str(o, "gun"), rec.gun);
	assert_string_equal(str(o, "detail"), rec.detail);
	assert_string_equal(str(o, "profile"),
	    "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdutf8");
	assert_int_equal(json_integer_value(json_object_get(o, "uid")), 1000);
	assert_string_equal(str(o, "result"), "TA_ERR_NOT_AUTHORIZED");
	ids = json_object_get(o, "keyids");
	assert_string_equal(json_string_value(json_array_get(ids, 0)), evil_ids[0]);
	assert_string_equal(json_string_value(json_array_get(ids, 1)), evil_ids[1]);
	json_decref(o);
	free(buf);
}

/* The line is written directly (audit.c): the very bytes jansson's
 * compact, sorted, ASCII-only dump of the same record gives (DEL as
 * \u007f), for every kind of character a field may hold. */
static void
test_agent_audit_file_line_equals_jansson(void **state)
{
	static const char *const ids[] = { "q\"\\/\x01\x7f", "\xf0\x9f\x94\x91\xc3\xa9" };
	char path[256], *buf, *lines[4], *want, *p;
	struct ta_audit_rec rec = full_rec();
	json_t *o, *got, *arr;

	(void)state;
	rec.role = "targets\n\r\t\b\f\x1b[2J\x7f\x01 \xc2\x85\xe2\x80\xa8";
	rec.gun = "reg/\xf0\x9f\x94\x91/\"x\"\\";
	rec.detail = "d\xc3\xa9tail \xef\xbf\xbd";
	rec.rule = "allow \"ci\"";
	rec.scope = "k: guns=a/*";
	rec.keyids = ids;
	rec.n_keyids = 2;
	rec.version = -3;
	log_to_file(&rec, path, sizeof(path));
	assert_int_equal(read_lines(path, &buf, lines, 4), 1);
	got = parse(lines[0]);
	o = json_object();
	arr = json_array();
	json_array_append_new(arr, json_string(ids[0]));
	json_array_append_new(arr, json_string(ids[1]));
	json_object_set_new(o, "keyids", arr);
	json_object_set_new(o, "time", json_string(str(got, "time")));
	json_object_set_new(o, "uid", json_integer(rec.uid));
	json_object_set_new(o, "gid", json_integer(rec.gid));
	json_object_set_new(o, "pid", json_integer(rec.pid));
	json_object_set_new(o, "method", json_string(rec.method));
	json_object_set_new(o, "profile", json_string(rec.profile));
	json_object_set_new(o, "role", json_string(rec.role));
	json_object_set_new(o, "gun", json_string(rec.gun));
	json_object_set_new(o, "version", json_integer(rec.version));
	json_object_set_new(o, "result", json_string("ok"));
	json_object_set_new(o, "rule", json_string(rec.rule));
	json_object_set_new(o, "scope", json_string(rec.scope));
	json_object_set_new(o, "detail", json_string(rec.detail));
	json_object_set_new(o, "sha256", json_string(sha_hex));
	want = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	assert_non_null(want);
	/* jansson leaves DEL raw; the record escapes it. */
	for (size_t n = 0; (p = strchr(want, 0x7f)) != NULL; n++) {
		char *w = malloc(strlen(want) + 6);

		assert_non_null(w);
		memcpy(w, want, (size_t)(p - want));
		strcpy(w + (p - want), "\\u007f");
		strcat(w, p + 1);
		free(want);
		want = w;
	}
	assert_string_equal(lines[0], want);
	free(want);
	json_decref(o);
	json_decref(got);
	free(buf);
}

static void
test_agent_audit_file_long_fields_cut(void **state)
{
	char path[256], *big = malloc(5001), *wide = malloc(1201);
	struct ta_audit_rec rec = full_rec();
	const char *gun, *role;
	json_t *o;

	(void)state;
	assert_non_null(big);
	assert_non_null(wide);
	memset(big, 'g', 5000);
	big[5000] = '\0';
	for (size_t i = 0; i < 1200; i += 2) {
		wide[i] = (char)0xc3;
		wide[i + 1] = (char)0xa9;
	}
	wide[1200] = '\0';
	rec.gun = big;
	rec.role = wide + 1; /* starts with a stray continuation byte */
	log_to_file(&rec, path, sizeof(path));
	o = only_record(path);
	gun = str(o, "gun");
	assert_int_equal(strlen(gun), TA_AUDIT_FIELD_MAX + 3);
	assert_string_equal(gun + TA_AUDIT_FIELD_MAX, "...");
	role = str(o, "role");
	/* U+FFFD for the stray byte, then whole characters up to the limit. */
	assert_memory_equal(role, "\xef\xbf\xbd\xc3\xa9", 5);
	assert_int_equal(strlen(role), 3 + 510 * 2 + 3);
	assert_string_equal(role + 3 + (size_t)510 * 2, "...");
	json_decref(o);
	free(big);
	free(wide);
}

static void
test_agent_audit_file_appends_with_mode(void **state)
{
	char path[256], *buf, *lines[4];
	struct ta_audit *a;
	struct ta_audit_rec rec = bare_rec();
	mode_t old = umask(022);
	int fd;

	(void)state;
	tpath(path, sizeof(path), "audit.log");
	a = ta_audit_open(path);
	assert_non_null(a);
	assert_int_equal(file_size(path), 0);
	assert_int_equal(ta_audit_log(a, &rec), 0);
	ta_audit_close(a);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);
	}
	/* Reopened: appended after what is there, never truncated. */
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"old\":1}\n", 10), 10);
	close(fd);
	a = ta_audit_open(path);
	assert_non_null(a);
	assert_int_equal(ta_audit_log(a, &rec), 0);
	ta_audit_close(a);
	assert_int_equal(read_lines(path, &buf, lines, 4), 3);
	assert_string_equal(lines[1], "{\"old\":1}");
	json_decref(parse(lines[0]));
	json_decref(parse(lines[2]));
	free(buf);
	umask(old);
}

/* ---- file target: threads ------------------------------------------------ */

struct worker {
	struct ta_audit *a;
	int id;
	int failures;
};

static char big_detail[TA_AUDIT_FIELD_MAX + 1];
static const char *many_ids[40];
static char many_ids_buf[40][65];

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct ta_audit_rec rec = full_rec();

	rec.keyids = many_ids;
	rec.n_keyids = 40;
	rec.detail = big_detail; /* lines of ~4.5 KiB: more than PIPE_BUF */
	for (int i = 0; i < PER_THREAD; i++) {
		rec.version = (int64_t)w->id * 100000 + i + 1;
		rec.pid = w->id + 1;
		if (ta_audit_log(w->a, &rec) != 0)
			w->failures++;
	}
	return NULL;
}

static void
test_agent_audit_file_threads_never_interleave(void **state)
{
	char path[256], *buf, **lines;
	struct ta_audit *a[2];
	struct worker w[THREADS];
	pthread_t t[THREADS];
	bool *seen = calloc((size_t)THREADS * PER_THREAD, 1);
	size_t n;

	(void)state;
	assert_non_null(seen);
	memset(big_detail, 'd', TA_AUDIT_FIELD_MAX);
	for (int i = 0; i < 40; i++) {
		snprintf(many_ids_buf[i], sizeof(many_ids_buf[i]), "%064x", i);
		many_ids[i] = many_ids_buf[i];
	}
	/* Two handles on one file: the kernel's O_APPEND keeps them apart,
	 * as it does for two agents sharing a log. */
	tpath(path, sizeof(path), "audit.log");
	a[0] = ta_audit_open(path);
	a[1] = ta_audit_open(path);
	assert_non_null(a[0]);
	assert_non_null(a[1]);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .a = a[i % 2], .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	ta_audit_close(a[0]);
	ta_audit_close(a[1]);

	lines = calloc(THREADS * PER_THREAD + 1, sizeof(*lines));
	assert_non_null(lines);
	n = read_lines(path, &buf, lines, THREADS * PER_THREAD + 1);
	assert_int_equal(n, THREADS * PER_THREAD);
	for (size_t i = 0; i < n; i++) {
		json_t *o = parse(lines[i]);
		json_int_t v = json_integer_value(json_object_get(o, "version")) - 1;
		int id = (int)(v / 100000), k = (int)(v % 100000);

		assert_true(id >= 0 && id < THREADS && k >= 0 && k < PER_THREAD);
		assert_int_equal(json_integer_value(json_object_get(o, "pid")), id + 1);
		assert_int_equal(json_array_size(json_object_get(o, "keyids")), 40);
		assert_int_equal(strlen(str(o, "detail")), TA_AUDIT_FIELD_MAX);
		assert_false(seen[id * PER_THREAD + k]);
		seen[id * PER_THREAD + k] = true;
		json_decref(o);
	}
	free(lines);
	free(buf);
	free(seen);
}

/* ---- stderr and journal targets ----------------------------------------- */

static void
test_agent_audit_stderr_target(void **state)
{
	char path[256], *buf, *lines[4];
	struct ta_audit *a = ta_audit_open("stderr");
	struct ta_audit_rec rec = full_rec();
	json_t *o;
	int r1, r2;

	(void)state;
	assert_non_null(a);
	tpath(path, sizeof(path), "stderr");
	capture_stderr(path);
	r1 = ta_audit_log(a, &rec);
	rec.result = TA_ERR_POLICY;
	rec.role = "a\nb";
	r2 = ta_audit_log(a, &rec);
	restore_stderr();
	ta_audit_close(a);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_int_equal(read_lines(path, &buf, lines, 4), 2);
	o = parse(lines[0]);
	assert_string_equal(str(o, "result"), "ok");
	json_decref(o);
	o = parse(lines[1]);
	assert_string_equal(str(o, "role"), "a\nb");
	assert_string_equal(str(o, "result"), "TA_ERR_POLICY");
	json_decref(o);
	free(buf);
}

static void
test_agent_audit_journal_fields(void **state)
{
	struct ta_audit *a = journal_target(0);
	struct ta_audit_rec rec = full_rec();
	char path[256];
	json_t *o;

	(void)state;
	assert_int_equal(ta__audit_journal_socket(a, fake_journal_socket("journal.sock")), 0);
	tpath(path, sizeof(path), "stderr");
	assert_int_equal(log_on_stderr(a, &rec, path), 0);
	assert_int_equal(journal_calls, 1);
	assert_int_equal(file_size(path), 0); /* journald took it: nothing on stderr */
	assert_string_equal(journal_field("SYSLOG_IDENTIFIER"), "tuf-agent");
	assert_string_equal(journal_field("PRIORITY"), "6");
	assert_string_equal(journal_field("TA_METHOD"), "sign");
	assert_string_equal(journal_field("TA_RESULT"), "ok");
	assert_string_equal(journal_field("TA_UID"), "1000");
	assert_string_equal(journal_field("TA_GUN"), "registry.example.com/app");
	assert_string_equal(journal_field("TA_ROLE"), "targets");
	assert_string_equal(journal_field("TA_KEYIDS"), "1f2e3d,a1b2c3");
	assert_null(journal_field("CODE_FILE"));
	o = parse(journal_field("MESSAGE"));
	assert_string_equal(str(o, "sha256"), sha_hex);
	json_decref(o);

	/* A refusal, with fewer fields. */
	rec = bare_rec();
	rec.result = TA_ERR_NOT_AUTHORIZED;
	rec.detail = "uid 1234 is not allowed";
	assert_int_equal(ta_audit_log(a, &rec), 0);
	assert_int_equal(journal_calls, 2);
	assert_string_equal(journal_field("PRIORITY"), "4");
	assert_string_equal(journal_field("TA_RESULT"), "TA_ERR_NOT_AUTHORIZED");
	assert_null(journal_field("TA_UID"));
	assert_null(journal_field("TA_GUN"));
	assert_null(journal_field("TA_ROLE"));
	assert_null(journal_field("TA_KEYIDS"));
	assert_int_equal(journal_n, 5);
	journal_answer = JOURNAL_PASS;
	ta_audit_close(a);
}

static void
test_agent_audit_journal_falls_back_to_stderr(void **state)
{
	struct ta_audit *a = journal_target(0);
	struct ta_audit_rec rec = full_rec();
	char path[256], missing[256];
	int r;

	(void)state;
	tpath(path, sizeof(path), "stderr");
	tpath(missing, sizeof(missing), "no-journal.sock");

	/* No socket: libsystemd would return 0 and drop the record, so it is
	 * not even asked. */
	assert_int_equal(ta__audit_journal_socket(a, missing), 0);
	assert_int_equal(log_on_stderr(a, &rec, path), 0);
	assert_int_equal(journal_calls, 0);
	only_record_has(path, "method", "sign");

	/* A socket with no journald behind it. */
	assert_int_equal(ta__audit_journal_socket(a, fake_journal_socket("stale.sock")), 0);
	journal_answer = -ECONNREFUSED;
	r = log_on_stderr(a, &rec, path);
	journal_answer = JOURNAL_PASS;
	assert_int_equal(r, 0);
	assert_int_equal(journal_calls, 1);
	only_record_has(path, "method", "sign");
	ta_audit_close(a);
}

/* The real socket path and libsystemd, whether or not this machine runs a
 * journald: the record is never lost. */
static void
test_agent_audit_journal_real_never_fails(void **state)
{
	struct ta_audit *a = journal_target(JOURNAL_PASS);
	struct ta_audit_rec rec = full_rec();
	char path[256];
	struct stat st;
	bool journald = stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);

	(void)state;
	tpath(path, sizeof(path), "stderr");
	assert_int_equal(log_on_stderr(a, &rec, path), 0);
	assert_int_equal(journal_calls, journald ? 1 : 0);
	if (!journald)
		only_record_has(path, "result", "ok");
	ta_audit_close(a);
}

static void
test_agent_audit_journal_socket_hook_refuses(void **state)
{
	struct ta_audit *a = ta_audit_open("journal");
	char big[512];

	(void)state;
	assert_non_null(a);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ta__audit_journal_socket(NULL, "/x"), TA_ERR_INVALID);
	assert_int_equal(ta__audit_journal_socket(a, NULL), TA_ERR_INVALID);
	assert_int_equal(ta__audit_journal_socket(a, big), TA_ERR_INVALID);
	ta_audit_close(a);
}

/* ---- refused ------------------------------------------------------------ */

static void
test_agent_audit_open_refuses_bad_targets(void **state)
{
	static const char *const bad[] = {
		"", "audit.log", "./audit.log", "../audit.log", "Journal", "journal ", "stderr\n",
		"syslog", "~/audit.log",
	};

	(void)state;
	errno = 0;
	assert_null(ta_audit_open(NULL));
	assert_int_equal(errno, EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(ta_audit_open(bad[i]));
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(access("audit.log", F_OK), -1); /* nothing made in the cwd */
}

static void
test_agent_audit_open_refuses_missing_dir(void **state)
{
	char path[256];

	(void)state;
	errno = 0;
	assert_null(ta_audit_open(tpath(path, sizeof(path), "no-such-dir/audit.log")));
	assert_int_equal(errno, ENOENT);
}

static void
test_agent_audit_open_refuses_directory(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ta_audit_open(tu_tmpdir));
	assert_int_equal(errno, EISDIR);
}

static void
test_agent_audit_open_refuses_symlink(void **state)
{
	char path[256], link[256];

	(void)state;
	tpath(path, sizeof(path), "real.log");
	tpath(link, sizeof(link), "link.log");
	assert_int_equal(symlink(path, link), 0);
	errno = 0;
	assert_null(ta_audit_open(link));
	assert_int_equal(errno, ELOOP);
	assert_int_equal(access(path, F_OK), -1); /* the target was not created */
}

static void
test_agent_audit_open_refuses_fifo(void **state)
{
	char path[256];
	int rd;

	(void)state;
	tpath(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	errno = 0;
	assert_null(ta_audit_open(path)); /* no reader: does not wait for one */
	assert_int_equal(errno, ENXIO);
	rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rd >= 0);
	errno = 0;
	assert_null(ta_audit_open(path)); /* a reader: still not a regular file */
	assert_int_equal(errno, EINVAL);
	close(rd);
}

static void
test_agent_audit_log_refuses_bad_records(void **state)
{
	static const char *const null_id[] = { "ab", NULL };
	char path[256];
	struct ta_audit *a;
	struct ta_audit_rec rec = full_rec();

	(void)state;
	a = ta_audit_open(tpath(path, sizeof(path), "audit.log"));
	assert_non_null(a);
	assert_int_equal(ta_audit_log(NULL, &rec), TA_ERR_INVALID);
	assert_int_equal(ta_audit_log(a, NULL), TA_ERR_INVALID);
	rec.method = NULL;
	assert_int_equal(ta_audit_log(a, &rec), TA_ERR_INVALID);
	rec = full_rec();
	rec.keyids = NULL;
	assert_int_equal(ta_audit_log(a, &rec), TA_ERR_INVALID);
	rec.keyids = null_id;
	assert_int_equal(ta_audit_log(a, &rec), TA_ERR_INVALID);
	ta_audit_close(a);
	assert_int_equal(file_size(path), 0);
}

static void
test_agent_audit_file_write_failure(void **state)
{
	char path[256];
	struct ta_audit *a;
	struct ta_audit_rec rec = full_rec();
	struct rlimit old, lim;
	void (*oldsig)(int);
	off_t size;
	int r, e;

	(void)state;
	a = ta_audit_open(tpath(path, sizeof(path), "audit.log"));
	assert_non_null(a);
	assert_int_equal(ta_audit_log(a, &rec), 0);
	size = file_size(path);
	/* The file may not grow: write(2) fails with EFBIG. */
	oldsig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	errno = 0;
	r = ta_audit_log(a, &rec);
	e = errno;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(r, TA_ERR_SYSTEM);
	assert_int_equal(e, EFBIG);
	assert_int_equal(file_size(path), size);
	ta_audit_close(a);
}

static void
test_agent_audit_stderr_write_failure(void **state)
{
	struct ta_audit *a = ta_audit_open("stderr"), *j = ta_audit_open("journal");
	struct ta_audit_rec rec = bare_rec();
	int ro = open("/dev/null", O_RDONLY | O_CLOEXEC), saved, r1, r2, e;

	(void)state;
	assert_non_null(a);
	assert_non_null(j);
	assert_true(ro >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_int_equal(dup2(ro, STDERR_FILENO), STDERR_FILENO); /* fd 2 cannot be written */
	r1 = ta_audit_log(a, &rec);
	e = errno;
	journal_answer = -ECONNREFUSED; /* and no journald either */
	assert_int_equal(ta__audit_journal_socket(j, fake_journal_socket("j.sock")), 0);
	r2 = ta_audit_log(j, &rec);
	journal_answer = JOURNAL_PASS;
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(ro);
	assert_int_equal(r1, TA_ERR_SYSTEM);
	assert_int_equal(e, EBADF);
	assert_int_equal(r2, TA_ERR_SYSTEM);
	ta_audit_close(a);
	ta_audit_close(j);
}

static void
test_agent_audit_close_null(void **state)
{
	(void)state;
	ta_audit_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_audit_file_record_fields),
		cmocka_unit_test(test_agent_audit_file_sorted_compact),
		cmocka_unit_test(test_agent_audit_file_absent_fields_omitted),
		cmocka_unit_test(test_agent_audit_file_refusal_with_detail),
		cmocka_unit_test(test_agent_audit_file_edge_values),
		cmocka_unit_test(test_agent_audit_file_hostile_strings),
		cmocka_unit_test(test_agent_audit_file_line_equals_jansson),
		cmocka_unit_test(test_agent_audit_file_long_fields_cut),
		cmocka_unit_test(test_agent_audit_file_appends_with_mode),
		cmocka_unit_test(test_agent_audit_file_threads_never_interleave),
		cmocka_unit_test(test_agent_audit_stderr_target),
		cmocka_unit_test(test_agent_audit_journal_fields),
		cmocka_unit_test(test_agent_audit_journal_falls_back_to_stderr),
		cmocka_unit_test(test_agent_audit_journal_real_never_fails),
		cmocka_unit_test(test_agent_audit_journal_socket_hook_refuses),
		cmocka_unit_test(test_agent_audit_open_refuses_bad_targets),
		cmocka_unit_test(test_agent_audit_open_refuses_missing_dir),
		cmocka_unit_test(test_agent_audit_open_refuses_directory),
		cmocka_unit_test(test_agent_audit_open_refuses_symlink),
		cmocka_unit_test(test_agent_audit_open_refuses_fifo),
		cmocka_unit_test(test_agent_audit_log_refuses_bad_records),
		cmocka_unit_test(test_agent_audit_file_write_failure),
		cmocka_unit_test(test_agent_audit_stderr_write_failure),
		cmocka_unit_test(test_agent_audit_close_null),
	};

	return cmocka_run_group_tests(tests, setup, tu_teardown);
}
