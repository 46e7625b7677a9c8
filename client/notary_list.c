/* tufctl notary add --from-list: the list's lines checked and turned into
 * staged changes (client/notary_list.h).  Every line is checked before
 * anything is returned, so one bad line stages nothing. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/notary_list.h"
#include "common/err.h"
#include "common/utf8.h"
#include "tuf/meta.h"

#define FIELDS_MAX 5  /* one more than a line may have: trailing garbage */

struct field {
	const char *p;
	size_t n;
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_';
}

bool
tn_tag_valid(const char *tag, size_t len)
{
	if (len == 0 || len > TN_TAG_MAX || !word_char(tag[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!word_char(tag[i]) && tag[i] != '.' && tag[i] != '-')
			return false;
	return true;
}

/* A field shown in a message: at most 40 bytes, cut on a character
 * boundary (the line is UTF-8 by then). */
static int
shown(const struct field *f)
{
	size_t n = f->n;

	if (n <= 40)
		return (int)n;
	n = 40;
	while (n > 0 && ((unsigned char)f->p[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static int
check_hex(const struct field *f)
{
	if (f->n < 7 || memcmp(f->p, "sha256:", 7) != 0)
		return -1;
	if (f->n != 7 + 64)
		return -2;
	for (size_t i = 7; i < f->n; i++)
		if (!((f->p[i] >= '0' && f->p[i] <= '9') || (f->p[i] >= 'a' && f->p[i] <= 'f')))
			return -3;
	return 0;
}

static int
check_size(const struct field *f, long long *ret)
{
	long long v = 0;

	if (f->n == 0 || f->n > 16)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (f->p[i] - '0');
	}
	if (v > TN_SIZE_MAX)
		return -1;
	*ret = v;
	return 0;
}

static bool
check_role(const char *role)
{
	enum ta_role_type t;

	return ta_role_type_of(TA_PROFILE_NOTARY, role, &t) == 0 && t == TA_ROLE_TARGETS;
}

/* One line (without its LF) into changes; seen maps "ROLE TAG" to the
 * line number that gave it. */
static int
parse_line(const char *name, size_t lineno, const char *p, size_t n, json_t *seen,
    json_t *changes, struct tn_error *e)
{
	struct field f[FIELDS_MAX];
	size_t nf = 0, i = 0, bad;
	char tag[TN_TAG_MAX + 1], hex[65], role[TA_ROLE_NAME_MAX + 1], key[TA_ROLE_NAME_MAX + TN_TAG_MAX + 2];
	long long size;
	json_t *c, *prev;
	int h;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (memchr(p, '\0', n) != NULL)
		return tn_fail(e, TA_ERR_INVALID, "%s:%zu: a NUL byte; a list is text", name, lineno);
	if (!ta_utf8_valid((const uint8_t *)p, n, &bad))
		return tn_fail(e, TA_ERR_INVALID, "%s:%zu: not UTF-8 (byte %zu of the line)", name,
		    lineno, bad + 1);
	while (i < n) {
		size_t start;

		while (i < n && blank(p[i]))
			i++;
		if (i == n)
			break;
		if (nf == 0 && p[i] == '#')
			return 0; /* a comment */
		start = i;
		while (i < n && !blank(p[i]))
			i++;
		if (nf == FIELDS_MAX)
			break;
		f[nf].p = p + start;
		f[nf++].n = i - start;
	}
	if (nf == 0)
		return 0; /* blank */
	if (nf < 3)
		return tn_fail(e, TA_ERR_INVALID,
		    "%s:%zu: %zu field%s where 'TAG sha256:HEX SIZE [ROLE]' wants 3 or 4 (a cut "
		    "line?)",
		    name, lineno, nf, nf == 1 ? "" : "s");
	if (nf > 4)
		return tn_fail(e, TA_ERR_INVALID,
		    "%s:%zu: trailing '%.*s' after 'TAG sha256:HEX SIZE ROLE'; comments go on lines "
		    "of their own",
		    name, lineno, shown(&f[4]), f[4].p);
	if (!tn_tag_valid(f[0].p, f[0].n))
		return tn_fail(e, TA_ERR_INVALID,
		    "%s:%zu: '%.*s%s' is not a docker tag (1..%d of A-Z a-z 0-9 _ . -, not starting "
		    "with . or -)",
		    name, lineno, shown(&f[0]), f[0].p, shown(&f[0]) < (int)f[0].n ? "..." : "",
		    TN_TAG_MAX);
	if ((h = check_hex(&f[1])) != 0)
		return tn_fail(e, TA_ERR_INVALID, "%s:%zu: '%.*s%s' is not sha256: and 64 lowercase "
		    "hex digits%s",
		    name, lineno, shown(&f[1]), f[1].p, shown(&f[1]) < (int)f[1].n ? "..." : "",
		    h == -2 ? " (wrong length)" : "");
	if (check_size(&f[2], &size) != 0)
		return tn_fail(e, TA_ERR_INVALID,
		    "%s:%zu: size '%.*s%s' is not a whole number from 0 to %lld", name, lineno,
		    shown(&f[2]), f[2].p, shown(&f[2]) < (int)f[2].n ? "..." : "", TN_SIZE_MAX);
	if (nf == 4) {
		if (f[3].n > TA_ROLE_NAME_MAX)
			return tn_fail(e, TA_ERR_INVALID, "%s:%zu: the role is over %d bytes", name,
			    lineno, TA_ROLE_NAME_MAX);
		memcpy(role, f[3].p, f[3].n);
		role[f[3].n] = '\0';
		if (!check_role(role))
			return tn_fail(e, TA_ERR_INVALID,
			    "%s:%zu: '%.*s' is not a targets role (targets or targets/NAME)", name,
			    lineno, shown(&f[3]), f[3].p);
	} else {
		memcpy(role, "targets", 8);
	}
	memcpy(tag, f[0].p, f[0].n);
	tag[f[0].n] = '\0';
	memcpy(hex, f[1].p + 7, 64);
	hex[64] = '\0';
	(void)snprintf(key, sizeof(key), "%s %s", role, tag);
	if ((prev = json_object_get(seen, key)) != NULL)
		return tn_fail(e, TA_ERR_INVALID,
		    "%s:%zu: tag '%s' of %s is on line %lld already; say each tag once", name,
		    lineno, tag, role, (long long)json_integer_value(prev));
	if (json_object_set_new(seen, key, json_integer((json_int_t)lineno)) != 0)
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	c = json_pack("{s:s, s:s, s:s, s:I, s:s}", "op", "add", "role", role, "name", tag,
	    "length", (json_int_t)size, "sha256", hex);
	if (c == NULL || json_array_append_new(changes, c) != 0)
		return tn_fail(e, TA_ERR_NOMEM, "out of memory");
	return 0;
}

int
tn_list_parse(const char *name, const uint8_t *buf, size_t len, json_t **ret_changes,
    struct tn_error *e)
{
	json_t *changes = json_array(), *seen = json_object();
	const char *p = (const char *)buf, *end = p + len;
	size_t lineno = 0;
	int r = 0;

	*ret_changes = NULL;
	if (changes == NULL || seen == NULL) {
		r = tn_fail(e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (len > TN_LIST_MAX) {
		r = tn_fail(e, TA_ERR_TOO_LARGE, "%s: over %zu MiB; split the list", name,
		    TN_LIST_MAX >> 20);
		goto out;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if ((r = parse_line(name, lineno, p, n, seen, changes, e)) != 0)
			goto out;
		if (json_array_size(changes) > TN_LIST_LINES_MAX) {
			r = tn_fail(e, TA_ERR_TOO_LARGE, "%s:%zu: over %u tags in one list; split it",
			    name, lineno, TN_LIST_LINES_MAX);
			goto out;
		}
		p += n + (nl != NULL);
	}
	*ret_changes = changes;
	changes = NULL;
out:
	json_decref(changes);
	json_decref(seen);
	return r;
}
