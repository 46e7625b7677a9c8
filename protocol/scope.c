/* Key scopes: the SCOPE object of PROTOCOL.md ("Key scopes"), shared by
 * key.generate, key.scope, the KEY objects of key.list and key.show, and
 * the agent's scope store, which keeps scopes in the same form. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

/* One list of patterns: 1..TA_PROTO_SCOPE_MAX distinct strings of
 * 1..max bytes of text into dst (rows of max + 1 bytes). */
static int
list_decode(const json_t *a, const char *path, const char *name, size_t max, char *dst,
    size_t *ret_n, char *why, size_t whylen)
{
	const json_t *v;
	size_t i, j, len;

	if (a == NULL)
		return ta_why_buf(why, whylen, TA_ERR_INVALID, "%s.%s: missing", path, name);
	if (!json_is_array(a))
		return ta_why_buf(
		    why, whylen, TA_ERR_INVALID, "%s.%s: must be an array", path, name);
	if (json_array_size(a) == 0)
		return ta_why_buf(
		    why, whylen, TA_ERR_INVALID, "%s.%s: must not be empty", path, name);
	if (json_array_size(a) > TA_PROTO_SCOPE_MAX)
		return ta_why_buf(why, whylen, TA_ERR_TOO_LARGE, "%s.%s: more than %d entries",
		    path, name, TA_PROTO_SCOPE_MAX);
	json_array_foreach(a, i, v)
	{
		char *row = dst + i * (max + 1);

		if (!json_is_string(v))
			return ta_why_buf(why, whylen, TA_ERR_INVALID,
			    "%s.%s[%zu]: must be a string", path, name, i);
		len = json_string_length(v);
		if (len == 0)
			return ta_why_buf(why, whylen, TA_ERR_INVALID,
			    "%s.%s[%zu]: must not be empty", path, name, i);
		if (len > max)
			return ta_why_buf(why, whylen, TA_ERR_TOO_LARGE,
			    "%s.%s[%zu]: longer than %zu bytes", path, name, i, max);
		if (!ta__proto_text_ok(json_string_value(v), len))
			return ta_why_buf(why, whylen, TA_ERR_INVALID,
			    "%s.%s[%zu]: a control character or invalid UTF-8", path, name, i);
		memcpy(row, json_string_value(v), len);
		row[len] = '\0';
		for (j = 0; j < i; j++)
			if (strcmp(dst + j * (max + 1), row) == 0)
				return ta_why_buf(why, whylen, TA_ERR_INVALID,
				    "%s.%s[%zu]: repeats %s.%s[%zu]", path, name, i, path, name, j);
	}
	*ret_n = json_array_size(a);
	return 0;
}

int
ta_proto_scope_decode(const json_t *v, const char *path, struct ta_proto_scope *ret, char *why,
    size_t whylen)
{
	struct ta_proto_scope s;
	const json_t *p;
	const char *k, *pn;
	const json_t *x;
	int r;

	if (v == NULL || path == NULL || ret == NULL)
		return ta_why_buf(why, whylen, TA_ERR_INVALID, "scope: missing");
	if (!json_is_object(v))
		return ta_why_buf(why, whylen, TA_ERR_INVALID, "%s: must be an object", path);
	json_object_foreach(ta__proto_unconst(v), k, x)
	{
		(void)x;
		if (strcmp(k, "profile") != 0 && strcmp(k, "guns") != 0 && strcmp(k, "roles") != 0)
			return ta_why_buf(why, whylen, TA_ERR_INVALID,
			    "%s: unknown member (profile, guns and roles only)", path);
	}
	memset(&s, 0, sizeof(s));
	if ((p = json_object_get(v, "profile")) != NULL) {
		pn = json_string_value(p);
		if (pn != NULL && strcmp(pn, "notary") == 0)
			s.profile = TA_PROTO_PROFILE_NOTARY;
		else if (pn != NULL && strcmp(pn, "tuf") == 0)
			s.profile = TA_PROTO_PROFILE_TUF;
		else
			return ta_why_buf(why, whylen, TA_ERR_INVALID,
			    "%s.profile: must be \"notary\" or \"tuf\"", path);
	}
	if ((r = list_decode(json_object_get(v, "guns"), path, "guns", TA_PROTO_GUN_MAX,
		 &s.guns[0][0], &s.n_guns, why, whylen)) != 0 ||
	    (r = list_decode(json_object_get(v, "roles"), path, "roles", TA_PROTO_ROLE_MAX,
		 &s.roles[0][0], &s.n_roles, why, whylen)) != 0)
		return r;
	*ret = s;
	return 0;
}

static json_t *
list_json(const char *rows, size_t stride, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(rows + i * stride)) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

json_t *
ta_proto_scope_json(const struct ta_proto_scope *s)
{
	json_t *o = NULL, *guns = NULL, *roles = NULL;
	const char *pn;

	if (s == NULL ||
	    (guns = list_json(&s->guns[0][0], sizeof(s->guns[0]), s->n_guns)) == NULL ||
	    (roles = list_json(&s->roles[0][0], sizeof(s->roles[0]), s->n_roles)) == NULL ||
	    (o = json_pack("{s:o, s:o}", "guns", guns, "roles", roles)) == NULL) {
		/* json_pack's "o" steals even on failure. */
		if (o == NULL && roles == NULL)
			json_decref(guns);
		return NULL;
	}
	pn = ta_proto_profile_name(s->profile);
	if (pn != NULL && json_object_set_new(o, "profile", json_string(pn)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool
ta_proto_scope_literal(const char *s)
{
	return s != NULL && strpbrk(s, "*?[\\") == NULL;
}
