/* The ceremony transcript (client/transcript.h): a hash chain of JSON
 * lines, verified in one pass and appended to by whole-file replaces. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "client/files.h"
#include "client/transcript.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/utf8.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

struct tc_transcript {
	char *path;
	uint8_t *data;           /* the verified bytes */
	size_t len;
	size_t records;
	uint8_t head[32];
};

static int
sha256(const void *p, size_t n, uint8_t out[32])
{
	return EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : TA_ERR_CRYPTO;
}

static int bad(struct tc_check *c, size_t record, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct tc_check *c, size_t record, int r, const char *fmt, ...)
{
	va_list ap;

	c->bad = record;
	va_start(ap, fmt);
	(void)vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return r;
}

static bool
step_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TC_STEP_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void
format_time(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		out[0] = '\0';
}

/* YYYY-MM-DDTHH:MM:SSZ and a real instant: parsed, then written back the
 * same (no 25th hour, no 31st of June). */
static bool
time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	const char *end;
	char back[21];

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return false;
	format_time(timegm(&tm), back);
	return strcmp(back, s) == 0;
}

/* One line (without its newline) as record number n, after a chain whose
 * head is prev: the record's own checks, then its link. */
static int
check_record(const uint8_t *line, size_t len, size_t n, const uint8_t prev[32], struct tc_check *c)
{
	json_error_t je;
	json_t *o, *seq, *pv, *tm, *st, *root;
	char *back = NULL, want[65];
	size_t at;
	int r = 0;

	if (len == 0)
		return bad(c, n, TA_ERR_FORMAT, "record %zu: an empty line", n);
	if (!ta_utf8_valid(line, len, &at))
		return bad(c, n, TA_ERR_FORMAT, "record %zu: invalid UTF-8 at byte %zu", n, at + 1);
	o = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return bad(c, n, TA_ERR_FORMAT, "record %zu: not JSON: %s (column %d)", n, je.text,
		    je.column);
	if (!json_is_object(o)) {
		r = bad(c, n, TA_ERR_FORMAT, "record %zu: not a JSON object", n);
		goto out;
	}
	/* Exactly what the writer writes: one form per record, so that a
	 * record means one thing to every reader of the hash. */
	back = json_dumps(o, DUMP_FLAGS);
	if (back == NULL) {
		r = bad(c, n, TA_ERR_NOMEM, "record %zu: out of memory", n);
		goto out;
	}
	if (strlen(back) != len || memcmp(back, line, len) != 0) {
		r = bad(c, n, TA_ERR_FORMAT, "record %zu: not in the writer's form "
		    "(compact JSON, sorted keys): edited", n);
		goto out;
	}
	seq = json_object_get(o, "seq");
	pv = json_object_get(o, "prev");
	tm = json_object_get(o, "time");
	st = json_object_get(o, "step");
	if (!json_is_integer(seq) || !json_is_string(pv) || !json_is_string(tm) ||
	    !json_is_string(st)) {
		r = bad(c, n, TA_ERR_FORMAT, "record %zu: seq, prev, time or step missing or "
		    "of the wrong type", n);
		goto out;
	}
	if (json_integer_value(seq) != (json_int_t)n) {
		json_int_t s = json_integer_value(seq);

		r = bad(c, n, TA_ERR_VERIFY, "record %zu: seq %lld where %zu is due (%s)", n,
		    (long long)s, n,
		    s > (json_int_t)n ? "a record before it was deleted, or records were moved" :
					"a record was inserted, repeated or moved");
		goto out;
	}
	ta_hex(want, prev, 32);
	if (strcmp(json_string_value(pv), want) != 0) {
		r = n == 1 ? bad(c, n, TA_ERR_VERIFY, "record 1: prev is not 64 zeros "
				 "(records before it were deleted)") :
			     bad(c, n, TA_ERR_VERIFY, "record %zu: prev is not the SHA-256 of record "
				 "%zu (record %zu was edited, or records were deleted, inserted or "
				 "moved)", n, n - 1, n - 1);
		goto out;
	}
	if (!time_ok(json_string_value(tm))) {
		r = bad(c, n, TA_ERR_FORMAT, "record %zu: time is not YYYY-MM-DDTHH:MM:SSZ", n);
		goto out;
	}
	if (!step_ok(json_string_value(st))) {
		r = bad(c, n, TA_ERR_FORMAT, "record %zu: step is not a step name", n);
		goto out;
	}
	if (strcmp(json_string_value(st), "finish") == 0) {
		root = json_object_get(o, "root_sha256");
		c->finish = n;
		c->finish_root[0] = '\0';
		if (json_is_string(root) && json_string_length(root) == 64 &&
		    ta_hex_ok(json_string_value(root), 64, true))
			memcpy(c->finish_root, json_string_value(root), 65);
	}
out:
	free(back);
	json_decref(o);
	return r;
}

int
tc_verify(const uint8_t *data, size_t len, struct tc_check *c)
{
	uint8_t prev[32] = { 0 };
	size_t pos = 0, n = 0;
	int r;

	memset(c, 0, sizeof(*c));
	if (len == 0)
		return bad(c, 1, TA_ERR_TRUNCATED, "record 1: missing (the transcript is empty)");
	while (pos < len) {
		const uint8_t *line = data + pos;
		size_t rest = len - pos, scan = rest < TC_LINE_MAX + 1 ? rest : TC_LINE_MAX + 1;
		const uint8_t *nl = memchr(line, '\n', scan);
		size_t ll;

		n++;
		if (nl == NULL && scan > TC_LINE_MAX)
			return bad(c, n, TA_ERR_TOO_LARGE, "record %zu: a line over %zu bytes", n,
			    TC_LINE_MAX);
		if (nl == NULL)
			return bad(c, n, TA_ERR_TRUNCATED, "record %zu: no newline at the end "
			    "(cut short, or bytes after the last record)", n);
		ll = (size_t)(nl - line);
		if ((r = check_record(line, ll, n, prev, c)) != 0)
			return r;
		if (sha256(line, ll, prev) != 0)
			return bad(c, n, TA_ERR_CRYPTO, "record %zu: cannot hash", n);
		c->records = n;
		memcpy(c->head, prev, 32);
		pos += ll + 1;
	}
	return 0;
}

/* ---- appending ---------------------------------------------------------------------- */

int
tc_open(const char *dir, struct tc_transcript **ret, struct tn_error *e)
{
	struct tc_transcript *t = calloc(1, sizeof(*t));
	struct tc_check c;
	int r;

	*ret = NULL;
	if (t == NULL || asprintf(&t->path, "%s/%s", dir, TC_FILE) < 0) {
		free(t);
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	}
	r = tn_read_file(t->path, TC_FILE_MAX, &t->data, &t->len, e);
	if (r == TA_ERR_NOT_FOUND) {
		*ret = t;
		return 0;
	}
	if (r == 0 && (r = tc_verify(t->data, t->len, &c)) != 0)
		(void)tn_fail(e, r, "%s: %s", t->path, c.why);
	if (r != 0) {
		tc_close(t);
		return r;
	}
	t->records = c.records;
	memcpy(t->head, c.head, 32);
	*ret = t;
	return 0;
}

bool
tc_has(const struct tc_transcript *t, const char *step, const char *key, const char *value)
{
	const uint8_t *p = t->data, *end, *nl;
	bool found = false;

	if (p == NULL)
		return false;
	/* The lines verified when t was opened: each is one JSON object. */
	for (end = p + t->len; !found && p < end; p = nl + 1) {
		json_t *o;
		const char *st, *v;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		o = json_loadb((const char *)p, (size_t)(nl - p), 0, NULL);
		st = json_string_value(json_object_get(o, "step"));
		v = json_string_value(json_object_get(o, key));
		found = st != NULL && v != NULL && strcmp(st, step) == 0 && strcmp(v, value) == 0;
		json_decref(o);
	}
	return found;
}

bool
tc_last_step_is(const struct tc_transcript *t, const char *step)
{
	const uint8_t *last;
	json_t *o;
	bool is;

	if (t->data == NULL || t->len == 0)
		return false;
	/* The last line starts after the newline before its own. */
	last = t->data + t->len - 1;
	while (last > t->data && last[-1] != '\n')
		last--;
	o = json_loadb((const char *)last, (size_t)(t->data + t->len - 1 - last), 0, NULL);
	is = json_string_value(json_object_get(o, "step")) != NULL &&
	    strcmp(json_string_value(json_object_get(o, "step")), step) == 0;
	json_decref(o);
	return is;
}

size_t
tc_records(const struct tc_transcript *t)
{
	return t->records;
}

void
tc_head(const struct tc_transcript *t, uint8_t out[32])
{
	memcpy(out, t->head, 32);
}

int
tc_append(struct tc_transcript *t, const char *step, const json_t *fields, time_t now,
    struct tn_error *e)
{
	static const char *const ours[] = { "seq", "prev", "time", "step" };
	json_t *o = NULL;
	char prev[65], when[21], *line = NULL;
	uint8_t *all = NULL, head[32];
	size_t ll;
	int r;

	if (!step_ok(step))
		return tn_fail(e, TA_ERR_INVALID, "transcript: '%s' is not a step name", step);
	if (fields != NULL && !json_is_object(fields))
		return tn_fail(e, TA_ERR_INVALID, "transcript: the fields are not an object");
	for (size_t i = 0; fields != NULL && i < sizeof(ours) / sizeof(ours[0]); i++)
		if (json_object_get(fields, ours[i]) != NULL)
			return tn_fail(e, TA_ERR_INVALID, "transcript: '%s' is the transcript's own "
			    "key", ours[i]);
	format_time(now, when);
	if (when[0] == '\0' || !time_ok(when))
		return tn_fail(e, TA_ERR_INVALID, "transcript: the time is out of range");
	ta_hex(prev, t->head, 32);
	/* A deep copy: the caller's object is left as it was given. */
	o = fields != NULL ? json_deep_copy(fields) : json_object();
	if (o == NULL || json_object_set_new(o, "seq", json_integer((json_int_t)t->records + 1)) != 0 ||
	    json_object_set_new(o, "prev", json_string(prev)) != 0 ||
	    json_object_set_new(o, "time", json_string(when)) != 0 ||
	    json_object_set_new(o, "step", json_string(step)) != 0 ||
	    (line = json_dumps(o, DUMP_FLAGS)) == NULL) {
		r = tn_fail(e, TA_ERR_NOMEM, "transcript: out of memory (or fields jansson "
		    "cannot write)");
		goto out;
	}
	ll = strlen(line);
	if (ll > TC_LINE_MAX || t->len + ll + 1 > TC_FILE_MAX) {
		r = tn_fail(e, TA_ERR_TOO_LARGE, "transcript: the %s record is over %zu bytes",
		    step, ll > TC_LINE_MAX ? TC_LINE_MAX : TC_FILE_MAX);
		goto out;
	}
	/* What is written must read back: a field jansson writes in a form
	 * the reader refuses (a real number it formats differently) fails
	 * here, not at the next verify. */
	{
		struct tc_check c;

		memset(&c, 0, sizeof(c));
		if (check_record((const uint8_t *)line, ll, t->records + 1, t->head, &c) != 0) {
			r = tn_fail(e, TA_ERR_INVALID, "transcript: %s", c.why);
			goto out;
		}
	}
	if ((r = sha256(line, ll, head)) != 0) {
		r = tn_fail(e, r, "transcript: cannot hash");
		goto out;
	}
	if ((all = malloc(t->len + ll + 1)) == NULL) {
		r = tn_fail(e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (t->len > 0)
		memcpy(all, t->data, t->len);
	memcpy(all + t->len, line, ll);
	all[t->len + ll] = '\n';
	if ((r = tn_write_file(t->path, all, t->len + ll + 1, e)) != 0)
		goto out;
	free(t->data);
	t->data = all;
	all = NULL;
	t->len += ll + 1;
	t->records++;
	memcpy(t->head, head, 32);
out:
	free(all);
	free(line);
	json_decref(o);
	return r;
}

void
tc_close(struct tc_transcript *t)
{
	if (t == NULL)
		return;
	free(t->data);
	free(t->path);
	free(t);
}
