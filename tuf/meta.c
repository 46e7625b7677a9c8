#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/canon.h"
#include "tuf/meta.h"
#include "tuf/stream.h"
#include "tuf/meta_int.h"

/* ---- errors with JSON paths ------------------------------------------- */

struct chk {
	enum ta_profile p;
	struct ta_json_error *err;
	char path[TA_JSON_PATH_MAX];
	size_t len;
};

static bool
plain_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			(*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Appends .name or ["name"] or [i]; returns the length to restore. */
static size_t
enter(struct chk *c, const char *name, long idx)
{
	size_t saved = c->len, room = sizeof(c->path) - c->len;
	int n;

	if (name == NULL)
		n = snprintf(c->path + c->len, room, "[%ld]", idx);
	else if (plain_name(name))
		n = snprintf(c->path + c->len, room, "%s%s", c->len ? "." : "", name);
	else
		n = snprintf(c->path + c->len, room, "[\"%.64s\"]", name);
	if (n > 0 && (size_t)n < room)
		c->len += (size_t)n;
	return saved;
}

static void
leave(struct chk *c, size_t saved)
{
	c->len = saved;
	c->path[saved] = '\0';
}

static int __attribute__((format(printf, 3, 4)))
bad(struct chk *c, int code, const char *fmt, ...)
{
	char why[TA_JSON_TEXT_MAX - TA_JSON_PATH_MAX - 2];
	va_list ap;

	if (c->err == NULL)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memset(c->err, 0, sizeof(*c->err));
	c->err->code = code;
	c->err->offset = TA_JSON_NO_OFFSET;
	(void)snprintf(c->err->path, sizeof(c->err->path), "%s", c->path);
	(void)snprintf(c->err->text, sizeof(c->err->text), "%s: %s",
	    c->len ? c->path : "top level", why);
	return code;
}

/* ---- small value checks -------------------------------------------------- */

static int
only_fields(struct chk *c, const json_t *o, const char *const *names)
{
	const char *k = ta_json_stray_member(o, names);
	size_t s;
	int r;

	if (k == NULL)
		return 0;
	s = enter(c, k, 0);
	r = bad(c, TA_ERR_FORMAT, "unknown field (notary drops it and then cannot serve the file)");
	leave(c, s);
	return r;
}

/* The end of a check that came to r: notary also refuses the fields of o
 * that names does not list. */
static int
notary_fields(struct chk *c, const json_t *o, const char *const *names, int r)
{
	if (r == 0 && c->p == TA_PROFILE_NOTARY)
		r = only_fields(c, o, names);
	return r;
}

enum kind { K_STR, K_INT, K_BOOL, K_OBJ, K_ARR, K_NULL };

static const char *
kind_name(enum kind k)
{
	static const char *const n[] = { "a string", "an integer", "a boolean", "an object",
		"an array", "null" };
	return n[k];
}

static bool
is_kind(const json_t *v, enum kind k)
{
	switch (k) {
	case K_STR:
		return json_is_string(v);
	case K_INT:
		return json_is_integer(v);
	case K_BOOL:
		return json_is_boolean(v);
	case K_OBJ:
		return json_is_object(v);
	case K_ARR:
		return json_is_array(v);
	case K_NULL:
		return json_is_null(v);
	}
	return false;
}

/* Member name of o must exist and be of kind k; *ret gets it. */
static int
field(struct chk *c, const json_t *o, const char *name, enum kind k, json_t **ret)
{
	json_t *v = json_object_get(o, name);
	size_t s;
	int r = 0;

	s = enter(c, name, 0);
	if (v == NULL)
		r = bad(c, TA_ERR_FORMAT, "missing; it must be %s", kind_name(k));
	else if (!is_kind(v, k))
		r = bad(c, TA_ERR_FORMAT, "must be %s", kind_name(k));
	leave(c, s);
	if (r == 0 && ret != NULL)
		*ret = v;
	return r;
}

static int
int_at_least(struct chk *c, const json_t *o, const char *name, json_int_t min)
{
	json_t *v;
	int r = field(c, o, name, K_INT, &v);

	if (r == 0 && json_integer_value(v) < min) {
		size_t s = enter(c, name, 0);
		r = bad(c, TA_ERR_FORMAT, "must be at least %lld", (long long)min);
		leave(c, s);
	}
	return r;
}

bool
ta__meta_is_hex(const char *s, size_t want)
{
	size_t n = strlen(s);

	if (want != 0 && n != want)
		return false;
	if (n == 0 || n % 2)
		return false;
	return ta_hex_ok(s, n, false);
}

/* Decoded length of padded standard base64, or -1 when it is not that. */
long
ta__meta_b64_len(const char *s)
{
	size_t n = strlen(s), pad = 0;

	if (n == 0 || n % 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '=') {
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return -1;
			pad++;
		} else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/')) {
			return -1;
		}
	}
	return (long)(n / 4 * 3 - pad);
}

/* ---- time ---------------------------------------------------------------- */

bool
ta_time_canonical(const char *s)
{
	time_t t;

	return s != NULL && strlen(s) == 20 && s[19] == 'Z' &&
	    ta_time_parse(TA_PROFILE_TUF, s, &t) == 0;
}

void
ta_time_format(time_t t, char out[21])
{
	struct tm tm;

	if (t < 0 || t > TA_TIME_MAX || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static int
digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

int
ta_time_parse(enum ta_profile profile, const char *s, time_t *ret)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	struct tm tm;
	const char *p;
	long off = 0;
	time_t t;

	(void)profile;
	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &Y) || digits(s + 5, 2, &M) ||
	    digits(s + 8, 2, &D) || digits(s + 11, 2, &h) || digits(s + 14, 2, &m) ||
	    digits(s + 17, 2, &sec))
		return TA_ERR_INVALID;
	p = s + 19;
	{
		/* Go RFC 3339: an optional fraction, then Z or ±hh:mm.  tuf
		 * reads them too (tuf-js does; files written by older tools
		 * have them), ta_time_canonical() tells them apart, and only
		 * YYYY-MM-DDTHH:MM:SSZ is ever written. */
		if (*p == '.') {
			int nd = 0;

			for (p++; *p >= '0' && *p <= '9'; p++)
				nd++;
			if (nd == 0 || nd > 9)
				return TA_ERR_INVALID;
		}
		if (strcmp(p, "Z") == 0) {
			off = 0;
		} else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':' &&
			   !digits(p + 1, 2, &oh) && !digits(p + 4, 2, &om) && oh < 24 && om < 60) {
			off = (p[0] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
		} else {
			return TA_ERR_INVALID;
		}
	}
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59)
		return TA_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != D) /* 31 February */
		return TA_ERR_INVALID;
	*ret = t - off;
	return 0;
}

/* ---- roles --------------------------------------------------------------- */

static const char *const role_types[2][4] = {
	{ "Root", "Targets", "Snapshot", "Timestamp" },
	{ "root", "targets", "snapshot", "timestamp" },
};

const char *
ta_role_type_string(enum ta_profile profile, enum ta_role_type type)
{
	if (type < TA_ROLE_ROOT || type > TA_ROLE_TIMESTAMP || !ta_profile_valid(profile))
		return NULL;
	return role_types[profile == TA_PROFILE_TUF][type - 1];
}

int
ta_role_type_of(enum ta_profile profile, const char *name, enum ta_role_type *ret_type)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > TA_ROLE_NAME_MAX ||
	    !ta_profile_valid(profile))
		return TA_ERR_INVALID;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return TA_ERR_INVALID;
	for (int t = TA_ROLE_ROOT; t <= TA_ROLE_TIMESTAMP; t++) {
		if (strcmp(name, role_types[1][t - 1]) == 0) {
			*ret_type = (enum ta_role_type)t;
			return 0;
		}
	}
	if (profile == TA_PROFILE_NOTARY) {
		/* targets/NAME[/NAME...]: no empty segment, no "." or "..". */
		const char *seg = name + 8;

		if (strncmp(name, "targets/", 8) != 0 || name[8] == '\0')
			return TA_ERR_INVALID;
		while (*seg) {
			size_t len = strcspn(seg, "/");

			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return TA_ERR_INVALID;
			seg += len;
			if (*seg == '/' && *++seg == '\0')
				return TA_ERR_INVALID;
		}
	} else if (strchr(name, '/') != NULL && strstr(name, "..") != NULL) {
		return TA_ERR_INVALID;
	}
	*ret_type = TA_ROLE_TARGETS;
	return 0;
}

/* ---- shape checks ------------------------------------------------------- */

/* 1.N or 1.N.M, each part digits: what python-tuf and tuf-js accept. */
static bool
spec_version_ok(const char *v)
{
	int parts = 0;

	if (strncmp(v, "1.", 2) != 0)
		return false;
	while (*v) {
		size_t n = strspn(v, "0123456789");

		if (n == 0)
			return false;
		parts++;
		v += n;
		if (*v == '\0')
			break;
		if (*v != '.' || *++v == '\0')
			return false;
	}
	return parts == 2 || parts == 3;
}

static int
check_common(struct chk *c, const json_t *s, enum ta_role_type type)
{
	json_t *v;
	time_t t;
	int r;

	if ((r = field(c, s, "_type", K_STR, &v)) != 0)
		return r;
	if (strcmp(json_string_value(v), ta_role_type_string(c->p, type)) != 0) {
		size_t sv = enter(c, "_type", 0);
		r = bad(c, TA_ERR_FORMAT, "is \"%.32s\", expected \"%s\"", json_string_value(v),
		    ta_role_type_string(c->p, type));
		leave(c, sv);
		return r;
	}
	if ((r = int_at_least(c, s, "version", 1)) != 0 ||
	    (r = field(c, s, "expires", K_STR, &v)) != 0)
		return r;
	if (ta_time_parse(c->p, json_string_value(v), &t) != 0) {
		size_t sv = enter(c, "expires", 0);
		r = bad(c, TA_ERR_FORMAT, "must be an RFC 3339 time");
		leave(c, sv);
		return r;
	}
	if (c->p == TA_PROFILE_TUF) {
		if ((r = field(c, s, "spec_version", K_STR, &v)) != 0)
			return r;
		if (!spec_version_ok(json_string_value(v))) {
			size_t sp = enter(c, "spec_version", 0);
			r = bad(c, TA_ERR_FORMAT, "must be 1.N or 1.N.M");
			leave(c, sp);
			return r;
		}
	}
	return 0;
}

static int
check_keyids(struct chk *c, const json_t *role, bool need_threshold)
{
	json_t *ids, *v;
	size_t i, s;
	int r;

	if ((r = field(c, role, "keyids", K_ARR, &ids)) != 0)
		return r;
	s = enter(c, "keyids", 0);
	json_array_foreach(ids, i, v) {
		size_t s2 = enter(c, NULL, (long)i);

		if (!json_is_string(v) || !ta__meta_is_hex(json_string_value(v), 64))
			r = bad(c, TA_ERR_FORMAT, "must be a key ID (64 hex digits)");
		for (size_t j = 0; r == 0 && j < i; j++)
			if (json_equal(json_array_get(ids, j), v))
				r = bad(c, TA_ERR_FORMAT, "duplicate key ID");
		leave(c, s2);
		if (r != 0)
			break;
	}
	leave(c, s);
	if (r == 0 && need_threshold)
		r = int_at_least(c, role, "threshold", 1);
	return r;
}

static int
check_key_object(struct chk *c, const json_t *k)
{
	static const char *const nk[] = { "keytype", "keyval", NULL };
	static const char *const nv[] = { "private", "public", NULL };
	json_t *kv;
	int r;

	if (!json_is_object(k))
		return bad(c, TA_ERR_FORMAT, "a key must be an object");
	if ((r = field(c, k, "keytype", K_STR, NULL)) != 0 ||
	    (r = field(c, k, "keyval", K_OBJ, &kv)) != 0)
		return r;
	size_t s = enter(c, "keyval", 0);
	r = field(c, kv, "public", K_STR, NULL);
	if (r == 0 && c->p == TA_PROFILE_NOTARY && (r = field(c, kv, "private", K_NULL, NULL)) == 0)
		r = only_fields(c, kv, nv);
	leave(c, s);
	if (r != 0)
		return r;
	if (c->p == TA_PROFILE_NOTARY)
		return only_fields(c, k, nk);
	return field(c, k, "scheme", K_STR, NULL);
}

/* Checks each member of the object o[name] with fn, the path naming it;
 * stops at the first fault. */
static int
check_members(struct chk *c, const json_t *o, const char *name,
    int (*fn)(struct chk *c, const char *key, const json_t *v))
{
	const char *key;
	json_t *obj, *v;
	size_t s;
	int r;

	if ((r = field(c, o, name, K_OBJ, &obj)) != 0)
		return r;
	s = enter(c, name, 0);
	json_object_foreach(obj, key, v) {
		size_t s2 = enter(c, key, 0);

		r = fn(c, key, v);
		leave(c, s2);
		if (r != 0)
			break;
	}
	leave(c, s);
	return r;
}

static int
check_key_entry(struct chk *c, const char *id, const json_t *k)
{
	if (!ta__meta_is_hex(id, 64))
		return bad(c, TA_ERR_FORMAT, "a key ID must be 64 hex digits");
	return check_key_object(c, k);
}

static int
check_keys(struct chk *c, const json_t *o, const char *name)
{
	return check_members(c, o, name, check_key_entry);
}

static int
check_root(struct chk *c, const json_t *s)
{
	static const char *const nf[] = { "_type", "consistent_snapshot", "expires", "keys", "roles",
		"version", NULL };
	static const char *const rf[] = { "keyids", "threshold", NULL };
	json_t *roles, *role;
	const char *name;
	size_t sv;
	int r;

	if ((r = field(c, s, "consistent_snapshot", K_BOOL, NULL)) != 0 ||
	    (r = check_keys(c, s, "keys")) != 0 || (r = field(c, s, "roles", K_OBJ, &roles)) != 0)
		return r;
	sv = enter(c, "roles", 0);
	for (int t = TA_ROLE_ROOT; r == 0 && t <= TA_ROLE_TIMESTAMP; t++)
		r = field(c, roles, role_types[1][t - 1], K_OBJ, NULL);
	json_object_foreach(roles, name, role) {
		size_t s2;
		bool known = false;

		if (r != 0)
			break;
		for (int t = 0; t < 4; t++)
			known |= strcmp(name, role_types[1][t]) == 0;
		s2 = enter(c, name, 0);
		if (!known && (c->p == TA_PROFILE_NOTARY || strcmp(name, "mirror") != 0))
			r = bad(c, TA_ERR_FORMAT, "not a top-level role");
		else if ((r = check_keyids(c, role, true)) == 0 && c->p == TA_PROFILE_NOTARY)
			r = only_fields(c, role, rf);
		leave(c, s2);
	}
	leave(c, sv);
	return notary_fields(c, s, nf, r);
}

/* {"length":n,"hashes":{alg:enc},"custom"?} with enc base64 (notary) or
 * hex (tuf); snapshot/timestamp entries in tuf carry a version instead. */
static int
check_filemeta(struct chk *c, const json_t *fm, bool tuf_meta)
{
	static const char *const nf[] = { "custom", "hashes", "length", NULL };
	json_t *h, *v;
	const char *alg;
	int r;

	if (!json_is_object(fm))
		return bad(c, TA_ERR_FORMAT, "must be an object");
	if (tuf_meta) {
		if ((r = int_at_least(c, fm, "version", 1)) != 0)
			return r;
		if (json_object_get(fm, "length") == NULL && json_object_get(fm, "hashes") == NULL)
			return 0;
	}
	if ((!tuf_meta || json_object_get(fm, "length") != NULL) &&
	    (r = int_at_least(c, fm, "length", 0)) != 0)
		return r;
	if (tuf_meta && json_object_get(fm, "hashes") == NULL)
		return 0;
	if ((r = field(c, fm, "hashes", K_OBJ, &h)) != 0)
		return r;
	size_t s = enter(c, "hashes", 0);
	if (json_object_size(h) == 0)
		r = bad(c, TA_ERR_FORMAT, "must list at least one hash");
	json_object_foreach(h, alg, v) {
		size_t s2 = enter(c, alg, 0);

		if (r == 0 && !json_is_string(v))
			r = bad(c, TA_ERR_FORMAT, "must be a string");
		else if (r == 0 && c->p == TA_PROFILE_NOTARY && ta__meta_b64_len(json_string_value(v)) <= 0)
			r = bad(c, TA_ERR_FORMAT, "must be padded standard base64");
		else if (r == 0 && c->p == TA_PROFILE_TUF && !ta__meta_is_hex(json_string_value(v), 0))
			r = bad(c, TA_ERR_FORMAT, "must be hex");
		else if (r == 0 && strcmp(alg, "sha256") == 0 &&
		    (c->p == TA_PROFILE_NOTARY ? ta__meta_b64_len(json_string_value(v)) != 32 :
						  strlen(json_string_value(v)) != 64))
			r = bad(c, TA_ERR_FORMAT, "a sha256 digest is 32 bytes");
		leave(c, s2);
	}
	leave(c, s);
	return notary_fields(c, fm, nf, r);
}

/* TAP 15 hash bins instead of "roles" (tuf): {keyids, threshold,
 * bit_length 1..32, name_prefix}, as @tufjs/models SuccinctRoles reads it. */
static int
check_succinct(struct chk *c, const json_t *d, const json_t *sr)
{
	json_t *v;
	size_t s;
	int r;

	if (sr == NULL)
		return bad(c, TA_ERR_FORMAT, "needs roles or succinct_roles");
	if (json_object_get(d, "roles") != NULL)
		return bad(c, TA_ERR_FORMAT, "cannot have both roles and succinct_roles");
	s = enter(c, "succinct_roles", 0);
	if (!json_is_object(sr))
		r = bad(c, TA_ERR_FORMAT, "must be an object");
	else if ((r = check_keyids(c, sr, true)) == 0 &&
	    (r = int_at_least(c, sr, "bit_length", 1)) == 0 &&
	    (r = field(c, sr, "name_prefix", K_STR, &v)) == 0) {
		if (json_integer_value(json_object_get(sr, "bit_length")) > 32)
			r = bad(c, TA_ERR_FORMAT, "bit_length must be 1..32");
		else if (strlen(json_string_value(v)) + 10 > TA_ROLE_NAME_MAX)
			r = bad(c, TA_ERR_FORMAT, "name_prefix is too long");
	}
	leave(c, s);
	return r;
}

static int
check_delegations(struct chk *c, const json_t *d)
{
	static const char *const nf[] = { "keys", "roles", NULL };
	static const char *const rf[] = { "keyids", "name", "paths", "threshold", NULL };
	json_t *roles, *role, *v, *paths;
	size_t i, s;
	int r;

	if ((r = check_keys(c, d, "keys")) != 0)
		return r;
	if (c->p == TA_PROFILE_TUF && ((roles = json_object_get(d, "succinct_roles")) != NULL ||
					  json_object_get(d, "roles") == NULL))
		return check_succinct(c, d, roles);
	if ((r = field(c, d, "roles", K_ARR, &roles)) != 0)
		return r;
	s = enter(c, "roles", 0);
	json_array_foreach(roles, i, role) {
		enum ta_role_type t;
		size_t s2 = enter(c, NULL, (long)i);

		if (!json_is_object(role))
			r = bad(c, TA_ERR_FORMAT, "must be an object");
		else if ((r = field(c, role, "name", K_STR, &v)) == 0 &&
		    (ta_role_type_of(c->p, json_string_value(v), &t) != 0 || t != TA_ROLE_TARGETS ||
			strcmp(json_string_value(v), "targets") == 0))
			r = bad(c, TA_ERR_FORMAT, "\"%.64s\" is not a delegated role name",
			    json_string_value(v));
		if (r == 0)
			r = check_keyids(c, role, true);
		paths = json_object_get(role, "paths");
		if (r == 0 && c->p == TA_PROFILE_NOTARY) {
			if (paths != NULL)
				r = field(c, role, "paths", K_ARR, NULL);
			if (r == 0)
				r = only_fields(c, role, rf);
		} else if (r == 0) {
			bool hp = json_object_get(role, "path_hash_prefixes") != NULL;

			if ((r = field(c, role, "terminating", K_BOOL, NULL)) == 0 &&
			    (paths != NULL) == hp)
				r = bad(c, TA_ERR_FORMAT, "needs exactly one of paths and "
							  "path_hash_prefixes");
			if (r == 0)
				r = field(c, role, paths ? "paths" : "path_hash_prefixes", K_ARR,
				    &paths);
		}
		if (r == 0 && paths != NULL) {
			size_t j; /* not i: that walks the roles */

			json_array_foreach(paths, j, v)
				if (r == 0 && !json_is_string(v))
					r = bad(c, TA_ERR_FORMAT, "paths must be strings");
		}
		leave(c, s2);
		if (r != 0)
			break;
	}
	leave(c, s);
	return notary_fields(c, d, nf, r);
}

static int
check_target_entry(struct chk *c, const char *name, const json_t *t)
{
	if (strlen(name) > TA_TARGET_NAME_MAX)
		return bad(c, TA_ERR_FORMAT, "target name longer than %d bytes",
		    TA_TARGET_NAME_MAX);
	return check_filemeta(c, t, false);
}

static int
check_targets(struct chk *c, const json_t *s)
{
	static const char *const nf[] = { "_type", "delegations", "expires", "targets", "version",
		NULL };
	json_t *d;
	size_t sv;
	int r;

	if ((r = check_members(c, s, "targets", check_target_entry)) != 0)
		return r;
	/* Notary always writes delegations (a struct, omitempty does nothing). */
	if (c->p == TA_PROFILE_NOTARY || json_object_get(s, "delegations") != NULL) {
		if ((r = field(c, s, "delegations", K_OBJ, &d)) != 0)
			return r;
		sv = enter(c, "delegations", 0);
		r = check_delegations(c, d);
		leave(c, sv);
	}
	return notary_fields(c, s, nf, r);
}

static int
check_snapshot_like(struct chk *c, const json_t *s, enum ta_role_type type)
{
	static const char *const nf[] = { "_type", "expires", "meta", "version", NULL };
	json_t *meta, *fm;
	const char *name;
	size_t sv;
	int r;

	if ((r = field(c, s, "meta", K_OBJ, &meta)) != 0)
		return r;
	sv = enter(c, "meta", 0);
	if (type == TA_ROLE_TIMESTAMP) {
		const char *want = c->p == TA_PROFILE_TUF ? "snapshot.json" : "snapshot";

		if (json_object_size(meta) != 1 || json_object_get(meta, want) == NULL)
			r = bad(c, TA_ERR_FORMAT, "must describe exactly \"%s\"", want);
	} else if (c->p == TA_PROFILE_TUF && json_object_get(meta, "targets.json") == NULL) {
		r = bad(c, TA_ERR_FORMAT, "must describe \"targets.json\"");
	} else if (c->p == TA_PROFILE_NOTARY && (json_object_get(meta, "root") == NULL ||
						    json_object_get(meta, "targets") == NULL)) {
		r = bad(c, TA_ERR_FORMAT, "must describe \"root\" and \"targets\"");
	}
	json_object_foreach(meta, name, fm) {
		size_t s2 = enter(c, name, 0);
		enum ta_role_type t;
		size_t n = strlen(name);

		if (r != 0) {
			leave(c, s2);
			break;
		}
		if (c->p == TA_PROFILE_NOTARY && ta_role_type_of(c->p, name, &t) != 0)
			r = bad(c, TA_ERR_FORMAT, "not a role name");
		else if (c->p == TA_PROFILE_TUF && (n < 6 || strcmp(name + n - 5, ".json") != 0))
			r = bad(c, TA_ERR_FORMAT, "must be a file name ending in .json");
		else
			r = check_filemeta(c, fm, c->p == TA_PROFILE_TUF);
		leave(c, s2);
	}
	leave(c, sv);
	return notary_fields(c, s, nf, r);
}

int
ta_meta_check(const json_t *signed_v, enum ta_profile profile, enum ta_role_type type,
    struct ta_json_error *err)
{
	struct chk c = { .p = profile, .err = err };
	int r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (!ta_profile_valid(profile) || type < TA_ROLE_ROOT || type > TA_ROLE_TIMESTAMP)
		return TA_ERR_INVALID;
	(void)enter(&c, "signed", 0);
	if (!json_is_object(signed_v))
		return bad(&c, TA_ERR_FORMAT, "must be an object");
	if ((r = check_common(&c, signed_v, type)) != 0)
		return r;
	switch (type) {
	case TA_ROLE_ROOT:
		return check_root(&c, signed_v);
	case TA_ROLE_TARGETS:
		return check_targets(&c, signed_v);
	default:
		return check_snapshot_like(&c, signed_v, type);
	}
}

static int
check_signatures(struct chk *c, const json_t *sigs)
{
	static const char *const nf[] = { "keyid", "method", "sig", NULL };
	json_t *sig, *v;
	size_t i, s;
	int r = 0;

	s = enter(c, "signatures", 0);
	json_array_foreach(sigs, i, sig) {
		size_t s2 = enter(c, NULL, (long)i);

		if (!json_is_object(sig))
			r = bad(c, TA_ERR_FORMAT, "must be an object");
		else if ((r = field(c, sig, "keyid", K_STR, &v)) == 0 && c->p == TA_PROFILE_TUF) {
			/* tuf: an entry whose keyid names no key or whose sig is
			 * empty or not hex is an invalid signature that does not
			 * count (tuf/verify.c), not an unreadable file; but two
			 * entries with the same keyid make the file invalid, as
			 * tuf-js's Metadata.fromJSON refuses them. */
			for (size_t j = 0; r == 0 && j < i; j++)
				if (json_equal(json_object_get(json_array_get(sigs, j), "keyid"), v))
					r = bad(c, TA_ERR_FORMAT, "a second signature by key ID "
								  "%.64s", json_string_value(v));
			if (r == 0)
				r = field(c, sig, "sig", K_STR, NULL);
		} else if (r == 0 && (!ta__meta_is_hex(json_string_value(v), 64) ||
			(c->p == TA_PROFILE_NOTARY &&
			    strpbrk(json_string_value(v), "ABCDEF") != NULL)))
			/* Notary key IDs are lowercase (Go's hex encoding): an
			 * upper-case one can name no key. */
			r = bad(c, TA_ERR_FORMAT, "keyid must be 64 %shex digits",
			    c->p == TA_PROFILE_NOTARY ? "lowercase " : "");
		if (r == 0 && c->p == TA_PROFILE_NOTARY && (r = field(c, sig, "sig", K_STR, &v)) == 0 &&
		    ta__meta_b64_len(json_string_value(v)) <= 0)
			r = bad(c, TA_ERR_FORMAT, "sig must be padded standard base64");
		if (r == 0 && c->p == TA_PROFILE_NOTARY &&
		    (r = field(c, sig, "method", K_STR, &v)) == 0) {
			/* What Go writes back unchanged (it lowercases on read):
			 * a method written otherwise changes the file's hash. */
			const char *mth = json_string_value(v);
			size_t n = strlen(mth);

			if (n == 0 || n > TA_CANON_METHOD_MAX ||
			    strspn(mth, "abcdefghijklmnopqrstuvwxyz0123456789-# ") != n)
				r = bad(c, TA_ERR_FORMAT, "method must be lowercase, as notary "
							  "writes it");
			else
				r = only_fields(c, sig, nf);
		}
		leave(c, s2);
		if (r != 0)
			break;
	}
	leave(c, s);
	return r;
}

/* ---- parse, new, free, write ------------------------------------------ */

struct ta_meta *
ta__meta_wrap(enum ta_profile profile, enum ta_role_type type, json_t *signed_v,
    json_t *signatures)
{
	struct ta_meta *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->profile = profile;
	m->type = type;
	m->signed_v = json_incref(signed_v);
	m->signatures = json_incref(signatures);
	return m;
}

void
ta_meta_free(struct ta_meta *m)
{
	if (m == NULL)
		return;
	json_decref(m->signed_v);
	json_decref(m->signatures);
	free(m);
}

int
ta_meta_parse(const uint8_t *buf, size_t len, enum ta_profile profile, const char *role,
    struct ta_meta **ret, struct ta_json_error *err)
{
	static const char *const env[] = { "signatures", "signed", NULL };
	struct chk c = { .p = profile, .err = err };
	struct ta_meta *m = NULL;
	enum ta_role_type want = 0, type;
	json_t *root = NULL, *s, *sigs, *t;
	int r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (role != NULL && ta_role_type_of(profile, role, &want) != 0)
		return TA_ERR_INVALID;
	if ((r = ta_json_parse(buf, len, profile, &root, err)) != 0)
		return r;
	if (!json_is_object(root)) {
		r = bad(&c, TA_ERR_FORMAT, "a metadata file is an object");
		goto out;
	}
	if ((r = field(&c, root, "signed", K_OBJ, &s)) != 0 ||
	    (r = field(&c, root, "signatures", K_ARR, &sigs)) != 0 ||
	    (r = only_fields(&c, root, env)) != 0 || (r = check_signatures(&c, sigs)) != 0)
		goto out;
	(void)enter(&c, "signed", 0);
	if ((r = field(&c, s, "_type", K_STR, &t)) != 0)
		goto out;
	for (type = TA_ROLE_ROOT; type <= TA_ROLE_TIMESTAMP; type++)
		if (strcmp(json_string_value(t), ta_role_type_string(profile, type)) == 0)
			break;
	if (type > TA_ROLE_TIMESTAMP || (want != 0 && type != want)) {
		size_t sv = enter(&c, "_type", 0);
		r = bad(&c, TA_ERR_FORMAT, "\"%.32s\" is not %s", json_string_value(t),
		    want ? ta_role_type_string(profile, want) : "a role type");
		leave(&c, sv);
		goto out;
	}
	if ((r = ta_meta_check(s, profile, type, err)) != 0)
		goto out;
	if ((m = ta__meta_wrap(profile, type, s, sigs)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	*ret = m;
	r = 0;
out:
	json_decref(root);
	return r;
}

int
ta_meta_new(enum ta_profile profile, enum ta_role_type type, time_t expires, struct ta_meta **ret)
{
	struct ta_meta *m;
	json_t *s;
	char when[21];
	int r = TA_ERR_NOMEM;

	if (!ta_profile_valid(profile) || type < TA_ROLE_ROOT || type > TA_ROLE_TIMESTAMP ||
	    expires < 0 || expires > TA_TIME_MAX)
		return TA_ERR_INVALID;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return TA_ERR_NOMEM;
	m->profile = profile;
	m->type = type;
	ta_time_format(expires, when);
	s = json_pack("{s:s, s:I, s:s}", "_type", ta_role_type_string(profile, type), "version",
	    (json_int_t)1, "expires", when);
	m->signed_v = s;
	m->signatures = json_array();
	if (s == NULL || m->signatures == NULL)
		goto fail;
	if (profile == TA_PROFILE_TUF &&
	    json_object_set_new(s, "spec_version", json_string(TA_META_SPEC_VERSION)) != 0)
		goto fail;
	switch (type) {
	case TA_ROLE_ROOT: {
		json_t *roles = json_object();

		if (roles == NULL || json_object_set_new(s, "roles", roles) != 0 ||
		    json_object_set_new(s, "keys", json_object()) != 0 ||
		    json_object_set_new(s, "consistent_snapshot", json_false()) != 0)
			goto fail;
		for (int t = 0; t < 4; t++)
			if (json_object_set_new(roles, role_types[1][t],
				json_pack("{s:[], s:I}", "keyids", "threshold", (json_int_t)1)) != 0)
				goto fail;
		break;
	}
	case TA_ROLE_TARGETS:
		if (json_object_set_new(s, "targets", json_object()) != 0 ||
		    (profile == TA_PROFILE_NOTARY &&
			json_object_set_new(s, "delegations",
			    json_pack("{s:{}, s:[]}", "keys", "roles")) != 0))
			goto fail;
		break;
	default:
		if (json_object_set_new(s, "meta", json_object()) != 0)
			goto fail;
		break;
	}
	*ret = m;
	return 0;
fail:
	ta_meta_free(m);
	return r;
}

int
ta_meta_signed_bytes(const struct ta_meta *m, uint8_t **ret, size_t *ret_len)
{
	return ta_canon_write(m->signed_v, m->profile, ret, ret_len);
}

int
ta__meta_unhex(const char *s, uint8_t *out, size_t max, size_t *ret_len)
{
	size_t n = strlen(s);

	if (n == 0 || ta_unhex(s, n, out, max, ret_len) != 0)
		return TA_ERR_INVALID;
	return 0;
}

int
ta__meta_unb64(const char *s, uint8_t *out, size_t max, size_t *ret_len)
{
	long n = ta__meta_b64_len(s);
	uint8_t tmp[1024];

	if (n < 0 || (size_t)n > max || strlen(s) / 4 * 3 > sizeof(tmp))
		return TA_ERR_INVALID;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)strlen(s)) < 0)
		return TA_ERR_INVALID;
	memcpy(out, tmp, (size_t)n);
	*ret_len = (size_t)n;
	return 0;
}

/* ta_meta_write(); for notary with <C> from src when it is not NULL. */
static int
write_file(const struct ta_meta *m, const uint8_t *src, size_t src_len, uint8_t **ret,
    size_t *ret_len)
{
	uint8_t *c = NULL;
	size_t c_len = 0;
	struct ta_canon_sig *sigs = NULL;
	uint8_t (*raw)[TA_CANON_SIG_MAX] = NULL;
	size_t n = json_array_size(m->signatures), i;
	json_t *sig, *env = NULL;
	char *text;
	int r = 0;

	if (m->profile == TA_PROFILE_TUF) {
		/* File bytes are free in TUF: compact, sorted, plain JSON. */
		env = json_pack("{s:O, s:O}", "signatures", m->signatures, "signed", m->signed_v);
		if (env == NULL)
			return TA_ERR_NOMEM;
		text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(env);
		if (text == NULL)
			return TA_ERR_NOMEM;
		*ret_len = strlen(text);
		*ret = (uint8_t *)text;
		return 0;
	}
	if ((sigs = calloc(n ? n : 1, sizeof(*sigs))) == NULL ||
	    (raw = calloc(n ? n : 1, sizeof(*raw))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(m->signatures, i, sig) {
		sigs[i].keyid = json_string_value(json_object_get(sig, "keyid"));
		sigs[i].method = json_string_value(json_object_get(sig, "method"));
		if ((r = ta__meta_unb64(json_string_value(json_object_get(sig, "sig")), raw[i],
			 TA_CANON_SIG_MAX, &sigs[i].sig_len)) != 0)
			goto out;
		sigs[i].sig = raw[i];
	}
	if (src == NULL)
		r = ta_canon_write_notary_file(m->signed_v, sigs, n, ret, ret_len);
	else if ((r = ta_canon_stream_html(src, src_len, "signed", &c, &c_len, NULL)) == 0)
		r = ta_canon_write_notary_file_raw(c, c_len, sigs, n, ret, ret_len);
out:
	free(c);
	free(sigs);
	free(raw);
	return r;
}

int
ta_meta_write(const struct ta_meta *m, uint8_t **ret, size_t *ret_len)
{
	return write_file(m, NULL, 0, ret, ret_len);
}

int
ta_meta_write_from(const struct ta_meta *m, const uint8_t *src, size_t src_len, uint8_t **ret,
    size_t *ret_len)
{
	if (src == NULL)
		return TA_ERR_INVALID;
	return write_file(m, src, src_len, ret, ret_len);
}

/* ---- common fields ------------------------------------------------------- */

int64_t
ta_meta_version(const struct ta_meta *m)
{
	return json_integer_value(json_object_get(m->signed_v, "version"));
}

int
ta_meta_set_version(struct ta_meta *m, int64_t version)
{
	if (version < 1 || version > TA_JSON_INT_LIMIT)
		return TA_ERR_INVALID;
	return json_object_set_new(m->signed_v, "version", json_integer(version)) ? TA_ERR_NOMEM : 0;
}

int
ta_meta_expires(const struct ta_meta *m, time_t *ret)
{
	return ta_time_parse(m->profile, json_string_value(json_object_get(m->signed_v, "expires")),
	    ret);
}

int
ta_meta_set_expires(struct ta_meta *m, time_t t)
{
	char when[21];

	if (t < 0 || t > TA_TIME_MAX)
		return TA_ERR_INVALID;
	ta_time_format(t, when);
	return json_object_set_new(m->signed_v, "expires", json_string(when)) ? TA_ERR_NOMEM : 0;
}

void
ta_meta_clear_signatures(struct ta_meta *m)
{
	json_array_clear(m->signatures);
}
