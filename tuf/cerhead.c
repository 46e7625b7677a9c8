/* The head of a ceremony transcript, as the agent signs it (tuf/cerhead.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/cerhead.h"

static int bad(struct ta_json_error *err, int r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct ta_json_error *err, int r, const char *path, const char *fmt, ...)
{
	char why[TA_JSON_TEXT_MAX / 2];
	va_list ap;

	if (err == NULL)
		return r;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err->code = r;
	err->offset = TA_JSON_NO_OFFSET;
	(void)snprintf(err->path, sizeof(err->path), "%s", path);
	(void)snprintf(err->text, sizeof(err->text), "%s: %s", path[0] ? path : "top level", why);
	return r;
}

static bool
is_hex(const char *s, size_t min, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < min || n > max || n % 2 != 0)
		return false;
	return strspn(s, "0123456789abcdef") == n;
}

static int
check_sigs(const json_t *sigs, struct ta_json_error *err)
{
	static const char *const names[] = { "keyid", "sig", NULL };
	char path[64];
	size_t i;
	json_t *s;

	if (!json_is_array(sigs))
		return bad(err, TA_ERR_FORMAT, "signatures", "must be an array");
	json_array_foreach(sigs, i, s) {
		const char *id = json_string_value(json_object_get(s, "keyid"));

		(void)snprintf(path, sizeof(path), "signatures[%zu]", i);
		if (!json_is_object(s) || ta_json_stray_member(s, names) != NULL || json_object_size(s) != 2)
			return bad(err, TA_ERR_FORMAT, path, "must be {\"keyid\",\"sig\"}");
		if (!is_hex(id, 64, 64))
			return bad(err, TA_ERR_FORMAT, path, "keyid must be 64 lowercase hex digits");
		if (!is_hex(json_string_value(json_object_get(s, "sig")), 2, 2048))
			return bad(err, TA_ERR_FORMAT, path, "sig must be lowercase hex");
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(sigs, j),
				       "keyid")), id) == 0)
				return bad(err, TA_ERR_FORMAT, path, "a second signature by key ID %s",
				    id);
	}
	return 0;
}

static int
hex_member(const json_t *s, const char *name, char out[65], struct ta_json_error *err)
{
	const char *v = json_string_value(json_object_get(s, name));
	char path[32];

	(void)snprintf(path, sizeof(path), "signed.%s", name);
	if (!is_hex(v, 64, 64))
		return bad(err, TA_ERR_FORMAT, path, "must be 64 lowercase hex digits (a SHA-256)");
	memcpy(out, v, 65);
	return 0;
}

static bool
gun_ok(const char *g)
{
	for (const unsigned char *p = (const unsigned char *)g; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return strlen(g) <= TA_CERHEAD_GUN_MAX;
}

static int
check_signed(const json_t *s, struct ta_cerhead *h, struct ta_json_error *err)
{
	static const char *const names[] = { "_type", "ceremony", "gun", "head", "profile",
		"records", "root_sha256", NULL };
	const char *k, *v;
	json_t *n;
	int r;

	if (!json_is_object(s))
		return bad(err, TA_ERR_FORMAT, "signed", "must be an object");
	if ((k = ta_json_stray_member(s, names)) != NULL)
		return bad(err, TA_ERR_FORMAT, "signed", "unknown member \"%.64s\"", k);
	v = json_string_value(json_object_get(s, "_type"));
	if (v == NULL || strcmp(v, TA_CERHEAD_TYPE) != 0)
		return bad(err, TA_ERR_FORMAT, "signed._type", "must be \"" TA_CERHEAD_TYPE "\"");
	if ((r = hex_member(s, "ceremony", h->ceremony, err)) != 0 ||
	    (r = hex_member(s, "head", h->head, err)) != 0 ||
	    (r = hex_member(s, "root_sha256", h->root_sha256, err)) != 0)
		return r;
	v = json_string_value(json_object_get(s, "gun"));
	if (v == NULL || !gun_ok(v))
		return bad(err, TA_ERR_FORMAT, "signed.gun",
		    "must be a string of at most %d printable ASCII characters, no spaces",
		    TA_CERHEAD_GUN_MAX);
	memcpy(h->gun, v, strlen(v) + 1);
	v = json_string_value(json_object_get(s, "profile"));
	if (v != NULL && strcmp(v, "tuf") == 0)
		h->profile = TA_PROFILE_TUF;
	else if (v != NULL && strcmp(v, "notary") == 0)
		h->profile = TA_PROFILE_NOTARY;
	else
		return bad(err, TA_ERR_FORMAT, "signed.profile", "must be \"tuf\" or \"notary\"");
	n = json_object_get(s, "records");
	if (!json_is_integer(n) || json_integer_value(n) < 1 ||
	    json_integer_value(n) > TA_CERHEAD_RECORDS_MAX)
		return bad(err, TA_ERR_FORMAT, "signed.records", "must be an integer 1..%d",
		    TA_CERHEAD_RECORDS_MAX);
	h->records = json_integer_value(n);
	return 0;
}

int
ta_cerhead_parse(const uint8_t *buf, size_t len, struct ta_cerhead *out, struct ta_meta **ret,
    struct ta_json_error *err)
{
	static const char *const env[] = { "signatures", "signed", NULL };
	struct ta_cerhead h;
	struct ta_meta *m;
	json_t *root = NULL, *s;
	int r;

	memset(&h, 0, sizeof(h));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL)
		return TA_ERR_INVALID;
	if ((r = ta_json_parse(buf, len, TA_PROFILE_TUF, &root, err)) != 0)
		return r;
	s = json_object_get(root, "signed");
	if (!json_is_object(root) || ta_json_stray_member(root, env) != NULL || json_object_size(root) != 2)
		r = bad(err, TA_ERR_FORMAT, "", "a ceremony head is {\"signed\",\"signatures\"}");
	else if ((r = check_signed(s, &h, err)) == 0)
		r = check_sigs(json_object_get(root, "signatures"), err);
	if (r != 0)
		goto out;
	if (ret != NULL) {
		m = ta__meta_wrap(TA_PROFILE_TUF, TA_ROLE_CEREMONY_HEAD, s,
		    json_object_get(root, "signatures"));
		if (m == NULL) {
			r = TA_ERR_NOMEM;
			goto out;
		}
		*ret = m;
	}
	*out = h;
out:
	json_decref(root);
	return r;
}

int
ta_cerhead_write(const struct ta_cerhead *h, uint8_t **ret, size_t *ret_len)
{
	struct ta_cerhead check;
	json_t *o;
	char *text;

	if (h == NULL || ret == NULL || ret_len == NULL ||
	    (h->profile != TA_PROFILE_TUF && h->profile != TA_PROFILE_NOTARY))
		return TA_ERR_INVALID;
	o = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:I, s:s}, s:[]}", "signed", "_type",
	    TA_CERHEAD_TYPE, "ceremony", h->ceremony, "gun", h->gun, "head", h->head, "profile",
	    h->profile == TA_PROFILE_TUF ? "tuf" : "notary", "records", (json_int_t)h->records,
	    "root_sha256", h->root_sha256, "signatures");
	if (o == NULL)
		return TA_ERR_INVALID;
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return TA_ERR_NOMEM;
	/* Only what the agent would take leaves here. */
	if (ta_cerhead_parse((const uint8_t *)text, strlen(text), &check, NULL, NULL) != 0) {
		free(text);
		return TA_ERR_INVALID;
	}
	*ret = (uint8_t *)text;
	*ret_len = strlen(text);
	return 0;
}
