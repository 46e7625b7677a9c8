/* Fuzz target: ta_json_parse() in both profiles, ta_canon_write() and
 * ta_canon_write_notary_file(), with the invariants that tie them together.
 * A broken invariant aborts with a message (libFuzzer and fuzz/main.c both
 * report that as a failure). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(x)                                                                                 \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(                                                                   \
			    stderr, "json_fuzz: invariant failed: %s (line %d)\n", #x, __LINE__);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool
has_control(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20)
			return true;
	return false;
}

/* A refusal is one of the documented codes, described consistently. */
static void
check_refusal(int r, const struct ta_json_error *err)
{
	REQUIRE(r == TA_ERR_INVALID || r == TA_ERR_TRUNCATED || r == TA_ERR_TRAILING ||
		r == TA_ERR_TOO_LARGE || r == TA_ERR_NOMEM);
	REQUIRE(err->code == r);
	REQUIRE(strlen(err->path) < sizeof(err->path));
	REQUIRE(err->text[0] != '\0');
	REQUIRE(strncmp(err->text, err->path[0] != '\0' ? err->path : "top level",
		    strlen(err->path[0] != '\0' ? err->path : "top level")) == 0);
}

/* Parsing the canonical bytes again gives the same canonical bytes. */
static void
check_reparse(const uint8_t *c, size_t n, enum ta_profile p)
{
	struct ta_json_error err;
	json_t *v = NULL;
	uint8_t *c2 = NULL;
	size_t n2 = 0;
	int r;

	r = ta_json_parse(c, n, p, &v, &err);
	if (has_control(c, n)) {
		/* Raw control characters (tuf only) are canonical but not JSON. */
		REQUIRE(p == TA_PROFILE_TUF);
		REQUIRE(r == TA_ERR_INVALID);
		return;
	}
	REQUIRE(r == 0);
	REQUIRE(ta_canon_write(v, p, &c2, &n2) == 0);
	REQUIRE(n2 == n && memcmp(c2, c, n) == 0);
	free(c2);
	json_decref(v);
}

/* Containers around the deepest value: [[1]] has depth 2. */
static size_t
depth(json_t *v)
{
	size_t d = 0, x;

	if (json_is_object(v)) {
		for (void *it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it))
			if ((x = depth(json_object_iter_value(it))) > d)
				d = x;
		return d + 1;
	}
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if ((x = depth(json_array_get(v, i))) > d)
				d = x;
		return d + 1;
	}
	return 0;
}

/* Decodes padded standard base64 (what Go writes); -1 if it is not that. */
static long
unbase64(const char *s, uint8_t *out, size_t cap)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), len = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *q = s[i + j] != '\0' ? strchr(tab, s[i + j]) : NULL;

			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
			} else if (q != NULL && pad == 0) {
				v = v << 6 | (uint32_t)(q - tab);
			} else {
				return -1;
			}
		}
		for (int j = 0; j < 3 - pad; j++) {
			if (len == cap)
				return -1;
			out[len++] = (uint8_t)(v >> (16 - 8 * j));
		}
	}
	return (long)len;
}

/* The notary file parses back to {"signed": <same value>, "signatures": [...]}
 * with the signature bytes intact, unless the value is already as deep as
 * ta_json_parse() allows. */
static void
check_notary_file(
    const json_t *v, const uint8_t *canon, size_t canon_len, const uint8_t *data, size_t size)
{
	struct ta_json_error err;
	json_t *f = NULL, *sigs;
	uint8_t *file = NULL, *c2 = NULL, dec[TA_CANON_SIG_MAX];
	size_t file_len = 0, n2 = 0, nsigs;
	/* Signatures cut from the input: 0, 1 or 2 of them, 1..70 bytes. */
	struct ta_canon_sig s[2] = {
	    {"0123456789abcdef", "ecdsa", data, size > 70 ? 70 : size},
	    {"ff", "pycrypto-pkcs#1 pss", data + size / 2,
		size - size / 2 > 70 ? 70 : size - size / 2},
	};

	nsigs = size == 0 ? 0 : size < 4 ? 1 : 2;
	REQUIRE(ta_canon_write_notary_file(v, s, nsigs, &file, &file_len) == 0);
	REQUIRE(file_len >= canon_len + 27);
	REQUIRE(memcmp(file, "{\"signed\":", 10) == 0);
	REQUIRE(nsigs != 0 || memcmp(file + file_len - 17, ",\"signatures\":[]}", 17) == 0);
	if (depth(ta_json_unconst(v)) == TA_JSON_MAX_DEPTH) {
		REQUIRE(
		    ta_json_parse(file, file_len, TA_PROFILE_NOTARY, &f, &err) == TA_ERR_TOO_LARGE);
		free(file);
		return;
	}
	REQUIRE(ta_json_parse(file, file_len, TA_PROFILE_NOTARY, &f, &err) == 0);
	REQUIRE(json_is_object(f) && json_object_size(f) == 2);
	sigs = json_object_get(f, "signatures");
	REQUIRE(json_is_array(sigs) && json_array_size(sigs) == nsigs);
	for (size_t i = 0; i < nsigs; i++) {
		json_t *e = json_array_get(sigs, i);
		const char *b64 = json_string_value(json_object_get(e, "sig"));

		REQUIRE(json_object_size(e) == 3);
		REQUIRE(strcmp(json_string_value(json_object_get(e, "keyid")), s[i].keyid) == 0);
		REQUIRE(strcmp(json_string_value(json_object_get(e, "method")), s[i].method) == 0);
		REQUIRE(b64 != NULL && unbase64(b64, dec, sizeof(dec)) == (long)s[i].sig_len);
		REQUIRE(memcmp(dec, s[i].sig, s[i].sig_len) == 0);
	}
	REQUIRE(ta_canon_write(json_object_get(f, "signed"), TA_PROFILE_NOTARY, &c2, &n2) == 0);
	REQUIRE(n2 == canon_len && memcmp(c2, canon, n2) == 0);
	/* HTML escaping leaves no <, > or & in the file. */
	REQUIRE(memchr(file, '<', file_len) == NULL && memchr(file, '>', file_len) == NULL &&
		memchr(file, '&', file_len) == NULL);
	free(c2);
	free(file);
	json_decref(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_json_error et, en;
	json_t *t = NULL, *n = NULL;
	uint8_t *ct = NULL, *cn = NULL;
	size_t ct_len = 0, cn_len = 0;
	int rt, rn;

	rt = ta_json_parse(data, size, TA_PROFILE_TUF, &t, &et);
	rn = ta_json_parse(data, size, TA_PROFILE_NOTARY, &n, &en);
	if (rt != 0)
		check_refusal(rt, &et);
	if (rn != 0)
		check_refusal(rn, &en);
	/* notary is tuf plus one rule. */
	REQUIRE(rn != 0 || rt == 0);

	if (rt == 0) {
		REQUIRE(ta_canon_write(t, TA_PROFILE_TUF, &ct, &ct_len) == 0);
		/* Canonical form only drops whitespace and shortens escapes. */
		REQUIRE(ct_len <= size);
		check_reparse(ct, ct_len, TA_PROFILE_TUF);
		/* The one notary-only refusal is a control character. */
		if (rn != 0)
			REQUIRE(rn == TA_ERR_INVALID && has_control(ct, ct_len));
	}
	if (rn == 0) {
		REQUIRE(ta_canon_write(n, TA_PROFILE_NOTARY, &cn, &cn_len) == 0);
		REQUIRE(cn_len == ct_len && memcmp(cn, ct, cn_len) == 0);
		check_reparse(cn, cn_len, TA_PROFILE_NOTARY);
		check_notary_file(n, cn, cn_len, data, size);
	}
	free(ct);
	free(cn);
	json_decref(t);
	json_decref(n);
	return 0;
}
