/* The metadata model: shapes of both profiles, building, editing, files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/meta.h"

#define N TA_PROFILE_NOTARY
#define T TA_PROFILE_TUF

static const char K1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char K2[] = "2222222222222222222222222222222222222222222222222222222222222222";

/* A valid notary root, as a template: %s is replaced by extra members. */
static const char notary_root[] =
    "{\"signed\":{\"_type\":\"Root\",\"consistent_snapshot\":false,"
    "\"expires\":\"2036-11-20T08:43:40.329801368Z\",\"keys\":{\"" 
    "1111111111111111111111111111111111111111111111111111111111111111\":{\"keytype\":"
    "\"ecdsa-x509\",\"keyval\":{\"private\":null,\"public\":\"AAAA\"}}},\"roles\":{"
    "\"root\":{\"keyids\":[\"1111111111111111111111111111111111111111111111111111111111111111\"],"
    "\"threshold\":1},\"snapshot\":{\"keyids\":[],\"threshold\":1},\"targets\":{\"keyids\":[],"
    "\"threshold\":1},\"timestamp\":{\"keyids\":[],\"threshold\":1}},\"version\":1},"
    "\"signatures\":[{\"keyid\":\"1111111111111111111111111111111111111111111111111111111111111111\","
    "\"method\":\"ecdsa\",\"sig\":\"AAAA\"}]}";

static struct ta_meta *
parse_ok(const char *text, enum ta_profile p, const char *role)
{
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	int r = ta_meta_parse((const uint8_t *)text, strlen(text), p, role, &m, &err);

	if (r != 0)
		fail_msg("parse: %s (%s)", ta_errname(r), err.text);
	return m;
}

static void
parse_bad(const char *text, enum ta_profile p, const char *role, int code, const char *path)
{
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	int r = ta_meta_parse((const uint8_t *)text, strlen(text), p, role, &m, &err);

	if (r != code)
		fail_msg("'%s': got %s (%s), want %s", text, ta_errname(r), err.text,
		    ta_errname(code));
	assert_null(m);
	assert_int_equal(err.code, code);
	if (path != NULL && strcmp(err.path, path) != 0)
		fail_msg("'%s': path '%s' (%s), want '%s'", text, err.path, err.text, path);
}

/* Replace the first occurrence of from with to in the notary root. */
static char *
edit(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(base) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, base, (size_t)(at - base));
	strcpy(out + (at - base), to);
	strcat(out, at + strlen(from));
	return out;
}

static void
bad_edit(const char *from, const char *to, int code, const char *path)
{
	char *t = edit(notary_root, from, to);

	parse_bad(t, N, "root", code, path);
	free(t);
}

/* ---- notary root: accepted, and byte-exact when written back ------------ */

static void
test_tuf_meta_notary_root_roundtrip(void **state)
{
	struct ta_meta *m;
	uint8_t *out = NULL;
	size_t len = 0;
	time_t t;

	(void)state;
	m = parse_ok(notary_root, N, "root");
	assert_int_equal(m->type, TA_ROLE_ROOT);
	assert_int_equal(ta_meta_version(m), 1);
	assert_int_equal(ta_meta_expires(m, &t), 0);
	assert_int_equal(t, 2110783420); /* 2036-11-20T08:43:40Z */
	assert_int_equal(ta_meta_write(m, &out, &len), 0);
	assert_int_equal(len, strlen(notary_root));
	assert_memory_equal(out, notary_root, len);
	free(out);
	ta_meta_free(m);
}

static void
test_tuf_meta_notary_root_refusals(void **state)
{
	(void)state;
	/* Closed field sets: notary would drop the field and break the hash. */
	bad_edit("\"consistent_snapshot\"", "\"spec_version\":\"1.0\",\"consistent_snapshot\"",
	    TA_ERR_FORMAT, "signed.spec_version");
	bad_edit("{\"private\":null,", "{\"private\":null,\"x\":1,", TA_ERR_FORMAT,
	    "signed.keys[\"1111111111111111111111111111111111111111111111111111111111111111\"]"
	    ".keyval.x");
	bad_edit("\"keytype\":", "\"scheme\":\"x\",\"keytype\":", TA_ERR_FORMAT, NULL);
	bad_edit("{\"private\":null,", "{", TA_ERR_FORMAT, NULL);
	bad_edit("\"method\":\"ecdsa\",", "\"method\":\"ecdsa\",\"extra\":1,", TA_ERR_FORMAT,
	    "signatures[0].extra");
	bad_edit("\"Root\"", "\"root\"", TA_ERR_FORMAT, "signed._type");
	bad_edit("\"version\":1}", "\"version\":0}", TA_ERR_FORMAT, "signed.version");
	bad_edit("\"version\":1}", "\"version\":\"1\"}", TA_ERR_FORMAT, "signed.version");
	bad_edit("2036-11-20T08:43:40.329801368Z", "2036-11-20 08:43:40Z", TA_ERR_FORMAT,
	    "signed.expires");
	bad_edit("2036-11-20T08:43:40.329801368Z", "2036-02-30T08:43:40Z", TA_ERR_FORMAT,
	    "signed.expires");
	bad_edit("\"consistent_snapshot\":false", "\"consistent_snapshot\":0", TA_ERR_FORMAT,
	    "signed.consistent_snapshot");
	bad_edit(",\"timestamp\":{\"keyids\":[],\"threshold\":1}", "", TA_ERR_FORMAT,
	    "signed.roles.timestamp");
	bad_edit("\"timestamp\":{", "\"mirror\":{\"keyids\":[],\"threshold\":1},\"timestamp\":{",
	    TA_ERR_FORMAT, "signed.roles.mirror");
	bad_edit("\"snapshot\":{\"keyids\":[],\"threshold\":1}",
	    "\"snapshot\":{\"keyids\":[],\"threshold\":0}", TA_ERR_FORMAT,
	    "signed.roles.snapshot.threshold");
	bad_edit("\"snapshot\":{\"keyids\":[]", "\"snapshot\":{\"keyids\":[\"abc\"]", TA_ERR_FORMAT,
	    "signed.roles.snapshot.keyids[0]");
	bad_edit("\"root\":{\"keyids\":[\"1111111111111111111111111111111111111111111111111111111111111111\"]",
	    "\"root\":{\"keyids\":[\"1111111111111111111111111111111111111111111111111111111111111111\","
	    "\"1111111111111111111111111111111111111111111111111111111111111111\"]",
	    TA_ERR_FORMAT, "signed.roles.root.keyids[1]");
	bad_edit("\"sig\":\"AAAA\"", "\"sig\":\"AAA\"", TA_ERR_FORMAT, "signatures[0]");
	/* Go lowercases methods on read, and writes key IDs in lowercase:
	 * other spellings cannot be written back as they came (found by
	 * fuzz/meta_fuzz). */
	bad_edit("\"method\":\"ecdsa\"", "\"method\":\"ECDSA\"", TA_ERR_FORMAT, "signatures[0]");
	bad_edit("\"method\":\"ecdsa\"", "\"method\":\"@ecdsa\"", TA_ERR_FORMAT, "signatures[0]");
	bad_edit("\"method\":\"ecdsa\"", "\"method\":\"\"", TA_ERR_FORMAT, "signatures[0]");
	bad_edit("[{\"keyid\":\"1111111111111111111111111111111111111111111111111111111111111111\"",
	    "[{\"keyid\":\"111111111111111111111111111111111111111111111111111111111111111A\"",
	    TA_ERR_FORMAT, "signatures[0]");
}

static void
test_tuf_meta_envelope_refusals(void **state)
{
	(void)state;
	parse_bad("[]", N, NULL, TA_ERR_FORMAT, "");
	parse_bad("{\"signed\":{}}", N, NULL, TA_ERR_FORMAT, "signatures");
	parse_bad("{\"signatures\":[]}", T, NULL, TA_ERR_FORMAT, "signed");
	parse_bad("{\"signed\":[],\"signatures\":[]}", T, NULL, TA_ERR_FORMAT, "signed");
	parse_bad("{\"signed\":{},\"signatures\":{}}", T, NULL, TA_ERR_FORMAT, "signatures");
	parse_bad("{\"signed\":{},\"signatures\":[],\"x\":1}", N, NULL, TA_ERR_FORMAT, "x");
	parse_bad("{\"signed\":{\"_type\":\"Nope\"},\"signatures\":[]}", N, NULL, TA_ERR_FORMAT,
	    "signed._type");
	parse_bad("{\"signed\":{\"_type\":\"Root\"},\"signatures\":[]}", N, "targets", TA_ERR_FORMAT,
	    "signed._type");
	/* Below the model: the parser's own refusals come through. */
	parse_bad("{\"signed\":{},\"signatures\":[]} x", N, NULL, TA_ERR_TRAILING, NULL);
	parse_bad("{\"signed\":{\"a\":1.5},\"signatures\":[]}", N, NULL, TA_ERR_INVALID, NULL);
	parse_bad("{\"signed\":{},\"signatures\":[]", N, NULL, TA_ERR_TRUNCATED, NULL);
	parse_bad("{\"signed\":{\"\xc3\x28\":1},\"signatures\":[]}", T, NULL, TA_ERR_INVALID, NULL);
	/* A role name that is not one. */
	struct ta_meta *m = NULL;
	assert_int_equal(ta_meta_parse((const uint8_t *)notary_root, strlen(notary_root), N,
	    "targets/../root", &m, NULL), TA_ERR_INVALID);
}

static void
test_tuf_meta_role_names(void **state)
{
	enum ta_role_type t;

	(void)state;
	assert_int_equal(ta_role_type_of(N, "root", &t), 0);
	assert_int_equal(t, TA_ROLE_ROOT);
	assert_int_equal(ta_role_type_of(N, "targets/releases", &t), 0);
	assert_int_equal(t, TA_ROLE_TARGETS);
	assert_int_equal(ta_role_type_of(N, "targets/a/b", &t), 0);
	assert_int_equal(ta_role_type_of(T, "unclaimed", &t), 0);
	assert_int_equal(t, TA_ROLE_TARGETS);
	static const char *const bad[] = { "", "releases", "targets/", "targets//x",
		"targets/../root", "targets/./x", "targets/x/", "targets/\n", "Targets" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ta_role_type_of(N, bad[i], &t) != TA_ERR_INVALID)
			fail_msg("role name '%s' accepted", bad[i]);
	char longname[TA_ROLE_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ta_role_type_of(T, longname, &t), TA_ERR_INVALID);
	assert_int_equal(ta_role_type_of(T, "a/../b", &t), TA_ERR_INVALID);
}

/* ---- times ---------------------------------------------------------------- */

static void
test_tuf_meta_times(void **state)
{
	time_t t;
	char out[21];

	(void)state;
	assert_int_equal(ta_time_parse(T, "2030-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 1893456000);
	ta_time_format(t, out);
	assert_string_equal(out, "2030-01-01T00:00:00Z");
	assert_int_equal(ta_time_parse(N, "2030-01-01T00:00:00.5Z", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(ta_time_parse(N, "2030-01-01T01:30:00+01:30", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(ta_time_parse(N, "2029-12-31T23:00:00-01:00", &t), 0);
	assert_int_equal(t, 1893456000);
	/* tuf reads what older tools wrote (fraction, offset; tuf-js reads
	 * them), and tells the one form tufctl writes apart. */
	assert_int_equal(ta_time_parse(T, "2030-01-01T00:00:00.250Z", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(ta_time_parse(T, "2030-01-01T02:00:00+02:00", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_true(ta_time_canonical("2030-01-01T00:00:00Z"));
	assert_false(ta_time_canonical("2030-01-01T00:00:00.0Z"));
	assert_false(ta_time_canonical("2030-01-01T00:00:00+00:00"));
	assert_false(ta_time_canonical("2030-02-30T00:00:00Z"));
	assert_false(ta_time_canonical(NULL));
	static const char *const tuf_bad[] = { "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00+0000",
		"2030-01-01", "2030-01-01T00:00:00", "2030-01-01T00:00:00z", "2030-13-01T00:00:00Z",
		"2030-01-01T24:00:00Z", "2030-04-31T00:00:00Z", "1969-12-31T23:59:59Z",
		"2030-01-01T00:00:00ZZ", "" };
	for (size_t i = 0; i < sizeof(tuf_bad) / sizeof(tuf_bad[0]); i++)
		if (ta_time_parse(T, tuf_bad[i], &t) != TA_ERR_INVALID)
			fail_msg("tuf time '%s' accepted", tuf_bad[i]);
	static const char *const notary_bad[] = { "2030-01-01T00:00:00.Z",
		"2030-01-01T00:00:00.1234567891Z", "2030-01-01T00:00:00+0100",
		"2030-01-01T00:00:00+24:00", "2030-01-01 00:00:00Z" };
	for (size_t i = 0; i < sizeof(notary_bad) / sizeof(notary_bad[0]); i++)
		if (ta_time_parse(N, notary_bad[i], &t) != TA_ERR_INVALID)
			fail_msg("notary time '%s' accepted", notary_bad[i]);
}

/* ---- building and editing -------------------------------------------- */

static void
roundtrip(struct ta_meta *m, const char *role)
{
	struct ta_meta *back = NULL;
	struct ta_json_error err;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int r;

	assert_int_equal(ta_meta_write(m, &a, &alen), 0);
	r = ta_meta_parse(a, alen, m->profile, role, &back, &err);
	if (r != 0)
		fail_msg("%s: %s: %s", role, ta_errname(r), err.text);
	assert_int_equal(ta_meta_write(back, &b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	ta_meta_free(back);
}

static void
test_tuf_meta_new_roles_roundtrip(void **state)
{
	static const char *const roles[] = { "root", "targets", "snapshot", "timestamp" };
	struct ta_meta *m;

	(void)state;
	for (int p = N; p <= T; p++) {
		for (int t = TA_ROLE_ROOT; t <= TA_ROLE_TIMESTAMP; t++) {
			assert_int_equal(ta_meta_new(p, t, 1893456000, &m), 0);
			if (t == TA_ROLE_SNAPSHOT) {
				/* A snapshot must describe targets (and root, notary). */
				assert_int_equal(ta_meta_set_file(m, "targets", (const uint8_t *)"x",
				    1, 1), 0);
				if (p == N)
					assert_int_equal(ta_meta_set_file(m, "root",
					    (const uint8_t *)"y", 1, 1), 0);
			}
			if (t == TA_ROLE_TIMESTAMP)
				assert_int_equal(ta_meta_set_file(m, "snapshot",
				    (const uint8_t *)"z", 1, 1), 0);
			roundtrip(m, roles[t - 1]);
			ta_meta_free(m);
		}
	}
	assert_int_equal(ta_meta_new(N, TA_ROLE_ROOT, -1, &m), TA_ERR_INVALID);
	assert_int_equal(ta_meta_new(N, TA_ROLE_ROOT, TA_TIME_MAX + 1, &m), TA_ERR_INVALID);
	assert_int_equal(ta_meta_new(N, 0, 0, &m), TA_ERR_INVALID);
	assert_int_equal(ta_meta_new(7, TA_ROLE_ROOT, 0, &m), TA_ERR_INVALID);
}

static void
test_tuf_meta_root_keys(void **state)
{
	struct ta_meta *m;
	json_t *key = json_pack("{s:s, s:{s:n, s:s}}", "keytype", "ecdsa", "keyval", "private",
	    "public", "AAAA");
	uint8_t *b = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ta_meta_new(N, TA_ROLE_ROOT, 1893456000, &m), 0);
	assert_int_equal(ta_meta_root_add_key(m, "root", K1, key), 0);
	assert_int_equal(ta_meta_root_add_key(m, "root", K1, key), 0); /* idempotent */
	assert_int_equal(ta_meta_root_add_key(m, "targets", K2, key), 0);
	assert_int_equal(ta_meta_root_add_key(m, "snapshot", K2, key), 0);
	assert_int_equal(ta_meta_root_set_threshold(m, "root", 1), 0);
	assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
	assert_non_null(strstr((char *)b, "\"root\":{\"keyids\":[\"1111"));
	assert_null(strstr((char *)b, "\"keyids\":[\"1111111111111111111111111111111111111111111111111111111111111111\",\"1111"));
	free(b);
	roundtrip(m, "root");
	/* K2 stays in keys while snapshot lists it. */
	assert_int_equal(ta_meta_root_remove_key(m, "targets", K2), 0);
	assert_non_null(json_object_get(json_object_get(m->signed_v, "keys"), K2));
	assert_int_equal(ta_meta_root_remove_key(m, "snapshot", K2), 0);
	assert_null(json_object_get(json_object_get(m->signed_v, "keys"), K2));
	assert_int_equal(ta_meta_root_remove_key(m, "snapshot", K2), TA_ERR_NOT_FOUND);
	/* Refusals. */
	assert_int_equal(ta_meta_root_add_key(m, "targets/x", K1, key), TA_ERR_INVALID);
	assert_int_equal(ta_meta_root_add_key(m, "root", "abc", key), TA_ERR_INVALID);
	assert_int_equal(ta_meta_root_add_key(m, "root", K1, json_null()), TA_ERR_INVALID);
	assert_int_equal(ta_meta_root_set_threshold(m, "root", 0), TA_ERR_INVALID);
	assert_int_equal(ta_meta_root_set_threshold(m, "mirror", 1), TA_ERR_INVALID);
	ta_meta_free(m);
	json_decref(key);
}

static void
test_tuf_meta_targets_edit(void **state)
{
	struct ta_target_hashes h = { .has_sha256 = true }, got;
	struct ta_meta *m;
	uint8_t *b = NULL;
	size_t len = 0;
	int64_t length;

	(void)state;
	memset(h.sha256, 0xab, 32);
	for (int p = N; p <= T; p++) {
		assert_int_equal(ta_meta_new(p, TA_ROLE_TARGETS, 1893456000, &m), 0);
		assert_int_equal(ta_meta_target_add(m, "v1", 1234, &h, NULL), 0);
		assert_int_equal(ta_meta_target_add(m, "v3&<x>", 5, &h, NULL), 0);
		assert_int_equal(ta_meta_target_get(m, "v1", &length, &got), 0);
		assert_int_equal(length, 1234);
		assert_true(got.has_sha256);
		assert_false(got.has_sha512);
		assert_memory_equal(got.sha256, h.sha256, 32);
		assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
		/* Hashes are base64 in notary, hex in tuf. */
		assert_non_null(strstr((char *)b, p == N ?
		    "\"sha256\":\"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\"" :
		    "\"sha256\":\"abababababababababababababababababababababababababababababababab\""));
		free(b);
		roundtrip(m, "targets");
		assert_int_equal(ta_meta_target_remove(m, "v1"), 0);
		assert_int_equal(ta_meta_target_remove(m, "v1"), TA_ERR_NOT_FOUND);
		assert_int_equal(ta_meta_target_get(m, "v1", &length, &got), TA_ERR_NOT_FOUND);
		/* Refusals. */
		assert_int_equal(ta_meta_target_add(m, "", 1, &h, NULL), TA_ERR_INVALID);
		assert_int_equal(ta_meta_target_add(m, "x", -1, &h, NULL), TA_ERR_INVALID);
		assert_int_equal(ta_meta_target_add(m, "x", TA_JSON_INT_LIMIT + 1, &h, NULL),
		    TA_ERR_INVALID);
		assert_int_equal(ta_meta_target_add(m, "\xff", 1, &h, NULL), TA_ERR_INVALID);
		struct ta_target_hashes none = { 0 };
		assert_int_equal(ta_meta_target_add(m, "x", 1, &none, NULL), TA_ERR_INVALID);
		json_t *c = json_pack("{s:s}", "a", "b");
		assert_int_equal(ta_meta_target_add(m, "custom", 1, &h, c), 0);
		json_decref(c);
		roundtrip(m, "targets");
		ta_meta_free(m);
	}
	assert_int_equal(ta_meta_new(N, TA_ROLE_ROOT, 0, &m), 0);
	assert_int_equal(ta_meta_target_add(m, "v1", 1, &h, NULL), TA_ERR_INVALID);
	ta_meta_free(m);
}

static void
test_tuf_meta_delegations(void **state)
{
	json_t *key = json_pack("{s:s, s:{s:n, s:s}}", "keytype", "ecdsa", "keyval", "private",
	    "public", "AAAA");
	json_t *tkey = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519",
	    "keyval", "public", "00");
	const char *ids[] = { K1 };
	const json_t *keys[] = { key };
	const json_t *tkeys[] = { tkey };
	const char *paths[] = { "release/*" };
	struct ta_meta *m;
	uint8_t *b = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ta_meta_new(N, TA_ROLE_TARGETS, 1893456000, &m), 0);
	assert_int_equal(ta_meta_delegation_set(m, "targets/releases", ids, keys, 1, 1, NULL, 0,
	    true, false), 0);
	assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
	assert_non_null(strstr((char *)b, "\"roles\":[{\"keyids\":[\"1111111111111111111111111111"
					  "111111111111111111111111111111111111\"],\"name\":"
					  "\"targets/releases\",\"paths\":[\"\"],\"threshold\":1}]"));
	free(b);
	roundtrip(m, "targets");
	/* Replace: one role, with the new paths; empty paths are omitted. */
	assert_int_equal(ta_meta_delegation_set(m, "targets/releases", ids, keys, 1, 1, NULL, 0,
	    false, false), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(m->signed_v,
	    "delegations"), "roles")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(json_object_get(m->signed_v,
	    "delegations"), "roles"), 0), "paths"));
	roundtrip(m, "targets");
	assert_int_equal(ta_meta_delegation_remove(m, "targets/releases"), 0);
	assert_int_equal(json_object_size(json_object_get(json_object_get(m->signed_v,
	    "delegations"), "keys")), 0);
	assert_int_equal(ta_meta_delegation_remove(m, "targets/releases"), TA_ERR_NOT_FOUND);
	/* Refusals. */
	assert_int_equal(ta_meta_delegation_set(m, "releases", ids, keys, 1, 1, NULL, 0, true,
	    false), TA_ERR_INVALID);
	assert_int_equal(ta_meta_delegation_set(m, "targets", ids, keys, 1, 1, NULL, 0, true,
	    false), TA_ERR_INVALID);
	assert_int_equal(ta_meta_delegation_set(m, "targets/x", ids, keys, 1, 2, NULL, 0, true,
	    false), TA_ERR_INVALID);
	assert_int_equal(ta_meta_delegation_set(m, "targets/x", ids, keys, 0, 1, NULL, 0, true,
	    false), TA_ERR_INVALID);
	assert_int_equal(ta_meta_delegation_set(m, "targets/x", ids, keys, 1, 1, paths, 1, true,
	    false), TA_ERR_INVALID);
	ta_meta_free(m);

	/* TUF: "terminating" always written, "*" for all paths. */
	assert_int_equal(ta_meta_new(T, TA_ROLE_TARGETS, 1893456000, &m), 0);
	assert_int_equal(ta_meta_delegation_set(m, "releases", ids, tkeys, 1, 1, paths, 1, false,
	    true), 0);
	assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
	assert_non_null(strstr((char *)b, "\"paths\":[\"release/*\"],\"terminating\":true"));
	free(b);
	roundtrip(m, "targets");
	ta_meta_free(m);
	json_decref(key);
	json_decref(tkey);
}

static void
test_tuf_meta_snapshot_files(void **state)
{
	const uint8_t tg[] = "{\"signed\":{},\"signatures\":[]}";
	uint8_t other[sizeof(tg)];
	struct ta_meta *m;
	uint8_t *b = NULL;
	size_t len = 0;

	(void)state;
	memcpy(other, tg, sizeof(tg));
	other[3] ^= 1;
	for (int p = N; p <= T; p++) {
		assert_int_equal(ta_meta_new(p, TA_ROLE_SNAPSHOT, 1893456000, &m), 0);
		assert_int_equal(ta_meta_set_file(m, "targets", tg, sizeof(tg) - 1, 3), 0);
		assert_int_equal(ta_meta_set_file(m, p == N ? "targets/releases" : "releases", tg,
		    sizeof(tg) - 1, 1), 0);
		assert_int_equal(ta_meta_check_file(m, "targets", tg, sizeof(tg) - 1), 0);
		assert_int_equal(ta_meta_check_file(m, "targets", other, sizeof(tg) - 1),
		    TA_ERR_VERIFY);
		assert_int_equal(ta_meta_check_file(m, "targets", tg, sizeof(tg) - 2),
		    TA_ERR_VERIFY);
		assert_int_equal(ta_meta_check_file(m, "root", tg, sizeof(tg) - 1),
		    p == N ? TA_ERR_NOT_FOUND : TA_ERR_INVALID);
		assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
		if (p == N) {
			/* Role names without .json; sha256 and sha512; no version. */
			assert_non_null(strstr((char *)b, "\"meta\":{\"targets\":{\"hashes\":{"
							  "\"sha256\":"));
			assert_non_null(strstr((char *)b, "\"sha512\":"));
			assert_null(strstr((char *)b, "\"version\":3"));
			assert_int_equal(ta_meta_set_file(m, "root", tg, sizeof(tg) - 1, 1), 0);
		} else {
			assert_non_null(strstr((char *)b, "\"targets.json\":{\"hashes\":{\"sha256\":"));
			assert_non_null(strstr((char *)b, "\"version\":3"));
			assert_null(strstr((char *)b, "\"sha512\""));
		}
		free(b);
		roundtrip(m, "snapshot");
		/* Snapshots do not describe themselves or timestamps. */
		assert_int_equal(ta_meta_set_file(m, "snapshot", tg, 1, 1), TA_ERR_INVALID);
		assert_int_equal(ta_meta_set_file(m, "timestamp", tg, 1, 1), TA_ERR_INVALID);
		ta_meta_free(m);

		assert_int_equal(ta_meta_new(p, TA_ROLE_TIMESTAMP, 1893456000, &m), 0);
		assert_int_equal(ta_meta_set_file(m, "targets", tg, 1, 1), TA_ERR_INVALID);
		assert_int_equal(ta_meta_set_file(m, "snapshot", tg, sizeof(tg) - 1, 2), 0);
		assert_int_equal(ta_meta_check_file(m, "snapshot", tg, sizeof(tg) - 1), 0);
		roundtrip(m, "timestamp");
		ta_meta_free(m);
	}
}

/* ---- tuf shapes ------------------------------------------------------------ */

static void
test_tuf_meta_tuf_refusals(void **state)
{
	static const struct {
		const char *text, *role;
		const char *path;
	} cases[] = {
		{ "{\"signed\":{\"_type\":\"Root\",\"spec_version\":\"1.0.31\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\"},\"signatures\":[]}", NULL, "signed._type" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"2.0.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}", NULL,
		  "signed.spec_version" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}", NULL,
		  "signed.spec_version" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}", NULL,
		  "signed.spec_version" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00.Z\",\"meta\":{}},\"signatures\":[]}", NULL,
		  "signed.expires" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot\":{\"version\":1}}},"
		  "\"signatures\":[]}", NULL, "signed.meta" },
		{ "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":{\"version\":0}}},"
		  "\"signatures\":[]}", NULL, "signed.meta[\"snapshot.json\"].version" },
		{ "{\"signed\":{\"_type\":\"snapshot\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"root.json\":{\"version\":1}}},"
		  "\"signatures\":[]}", NULL, "signed.meta" },
		{ "{\"signed\":{\"_type\":\"snapshot\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"targets.json\":{\"version\":1,"
		  "\"hashes\":{\"sha256\":\"zz\"}}}},\"signatures\":[]}", NULL,
		  "signed.meta[\"targets.json\"].hashes.sha256" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"a\":{\"length\":1}}},"
		  "\"signatures\":[]}", NULL, "signed.targets.a.hashes" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		  "\"roles\":[{\"name\":\"r\",\"keyids\":[],\"threshold\":1,\"paths\":[]}]}},"
		  "\"signatures\":[]}", NULL, "signed.delegations.roles[0].terminating" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		  "\"roles\":[{\"name\":\"r\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
		  "\"paths\":[],\"path_hash_prefixes\":[]}]}},\"signatures\":[]}", NULL,
		  "signed.delegations.roles[0]" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		  "\"roles\":[{\"name\":\"targets\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
		  "\"paths\":[]}]}},\"signatures\":[]}", NULL, "signed.delegations.roles[0]" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{}},\"signatures\":["
		  "{\"keyid\":\"1111111111111111111111111111111111111111111111111111111111111111\","
		  "\"sig\":\"AAAA==\"},{\"keyid\":\"11111111111111111111111111111111111111111111111"
		  "11111111111111111\",\"sig\":\"\"}]}", NULL, "signatures[1]" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{}},\"signatures\":["
		  "{\"keyid\":\"11\",\"sig\":1}]}", NULL, "signatures[0].sig" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		  "\"succinct_roles\":{\"keyids\":[],\"threshold\":1,\"bit_length\":33,"
		  "\"name_prefix\":\"b\"}}},\"signatures\":[]}", NULL,
		  "signed.delegations.succinct_roles" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		  "\"roles\":[],\"succinct_roles\":{\"keyids\":[],\"threshold\":1,\"bit_length\":3,"
		  "\"name_prefix\":\"b\"}}},\"signatures\":[]}", NULL, "signed.delegations" },
		{ "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		  "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{}"
		  "}},\"signatures\":[]}", NULL, "signed.delegations" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_bad(cases[i].text, T, cases[i].role, TA_ERR_FORMAT, cases[i].path);

	/* Unknown fields are the spec's to allow in TUF: kept, and signed. */
	struct ta_meta *m = parse_ok("{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0.31\","
				     "\"version\":2,\"expires\":\"2030-01-01T00:00:00Z\","
				     "\"targets\":{},\"x-custom\":[1,2]},\"signatures\":[]}",
	    T, "targets");
	uint8_t *b = NULL;
	size_t len = 0;
	assert_int_equal(ta_meta_signed_bytes(m, &b, &len), 0);
	assert_string_equal((char *)b, "{\"_type\":\"targets\",\"expires\":\"2030-01-01T00:00:00Z\","
				       "\"spec_version\":\"1.0.31\",\"targets\":{},\"version\":2,"
				       "\"x-custom\":[1,2]}");
	free(b);
	ta_meta_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuf_meta_notary_root_roundtrip),
		cmocka_unit_test(test_tuf_meta_notary_root_refusals),
		cmocka_unit_test(test_tuf_meta_envelope_refusals),
		cmocka_unit_test(test_tuf_meta_role_names),
		cmocka_unit_test(test_tuf_meta_times),
		cmocka_unit_test(test_tuf_meta_new_roles_roundtrip),
		cmocka_unit_test(test_tuf_meta_root_keys),
		cmocka_unit_test(test_tuf_meta_targets_edit),
		cmocka_unit_test(test_tuf_meta_delegations),
		cmocka_unit_test(test_tuf_meta_snapshot_files),
		cmocka_unit_test(test_tuf_meta_tuf_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
