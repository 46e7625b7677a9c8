/* tuf/signplan.c: which signatures a sign request makes, from the metadata
 * alone.  TUF 1.0 metadata built with tuf/meta.h around in-memory keys
 * (tests/tools/memsigner.c); notary roots and their certificates are covered end
 * to end (tests/integration/agent-rotate.sh, tests/dct-*.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/cerhead.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/signplan.h"

#define NOW ((time_t)1700000000)
#define DAY ((time_t)86400)

struct fixture {
	struct memsigner *ms[3];
	struct ta_key *k[3]; /* their tuf key objects */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	for (int i = 0; i < 3; i++) {
		f->ms[i] = memsigner_new(TA_KEY_EC_P256);
		assert_non_null(f->ms[i]);
		assert_int_equal(ta_key_from_spki(TA_PROFILE_TUF, f->ms[i]->spki,
				     f->ms[i]->spki_len, &f->k[i]),
		    0);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 3; i++) {
		ta_key_free(f->k[i]);
		memsigner_free(f->ms[i]);
	}
	free(f);
	return 0;
}

/* A root of version v listing keys a (and b when not NULL). */
static char *
root_file(int64_t v, const struct ta_key *a, const struct ta_key *b, time_t expires)
{
	struct ta_meta *m = NULL;
	uint8_t *out = NULL;
	size_t len = 0;

	assert_int_equal(ta_meta_new(TA_PROFILE_TUF, TA_ROLE_ROOT, expires, &m), 0);
	assert_int_equal(ta_meta_set_version(m, v), 0);
	assert_int_equal(ta_meta_root_add_ta_key(m, "root", a), 0);
	if (b != NULL)
		assert_int_equal(ta_meta_root_add_ta_key(m, "root", b), 0);
	assert_int_equal(ta_meta_write(m, &out, &len), 0);
	ta_meta_free(m);
	return (char *)out;
}

/* A targets file with the given targets, delegating "rel" to key d (when
 * not NULL) for paths (or hash prefixes, when prefixes). */
static char *
targets_file(const char *const *targets, size_t n, const struct ta_key *d, const char *path,
    bool prefixes)
{
	struct ta_meta *m = NULL;
	struct ta_target_hashes h = {.has_sha256 = true};
	uint8_t *out = NULL;
	size_t len = 0;

	assert_int_equal(ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TARGETS, NOW + 30 * DAY, &m), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ta_meta_target_add(m, targets[i], 10, &h, NULL), 0);
	if (d != NULL) {
		const char *ids[] = {ta_key_id(d)};
		json_t *obj = NULL;
		const json_t *keys[1];

		assert_int_equal(ta_key_to_json(d, &obj), 0);
		keys[0] = obj;
		assert_int_equal(
		    ta_meta_delegation_set(m, "rel", ids, keys, 1, 1, &path, 1, false, false), 0);
		json_decref(obj);
		if (prefixes) {
			/* As TAP 15 bins write it: path_hash_prefixes, no paths. */
			json_t *r = json_array_get(json_object_get(json_object_get(m->signed_v,
								       "delegations"),
						       "roles"),
			    0);

			assert_int_equal(json_object_del(r, "paths"), 0);
			assert_int_equal(json_object_set_new(r, "path_hash_prefixes",
					     json_pack("[s]", path)),
			    0);
		}
	}
	assert_int_equal(ta_meta_write(m, &out, &len), 0);
	ta_meta_free(m);
	return (char *)out;
}

static struct ta_signplan_in
in_for(const char *role, const char *file)
{
	struct ta_signplan_in in = {
	    .profile = TA_PROFILE_TUF,
	    .role = role,
	    .file = (const uint8_t *)file,
	    .file_len = strlen(file),
	    .now = NOW,
	};

	return in;
}

static void
expect_open_error(const struct ta_signplan_in *in, int want_r, enum ta_signplan_fault fault,
    const char *want_text)
{
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;
	int r = ta_signplan_open(in, &p, &e);

	if (r != want_r || strstr(e.text, want_text) == NULL)
		print_message("got %s '%s'\n", ta_errname(r), e.text);
	assert_int_equal(r, want_r);
	assert_null(p);
	assert_int_equal(e.fault, fault);
	assert_non_null(strstr(e.text, want_text));
}

static void
test_signplan_root_signs_as_listed_keys(void **state)
{
	struct fixture *f = *state;
	char *root = root_file(1, f->k[0], f->k[1], NOW + 365 * DAY);
	struct ta_signplan_in in = in_for("root", root);
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;

	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	assert_int_equal(p->expires, NOW + 365 * DAY);
	assert_int_equal(ta_signplan_add_key(p, 0, f->k[1], "params.keys[0]", &e), 0);
	assert_int_equal(ta_signplan_add_key(p, 1, f->k[0], "params.keys[1]", &e), 0);
	assert_int_equal(p->n_sigs, 2);
	assert_int_equal(p->sigs[0].key, 0);
	assert_string_equal(ta_key_id(p->sigs[0].as), ta_key_id(f->k[1]));
	assert_false(p->sigs[0].prev_only);
	assert_int_equal(p->sigs[1].key, 1);
	assert_string_equal(ta_key_id(p->sigs[1].as), ta_key_id(f->k[0]));
	/* A key the root does not list cannot sign it. */
	assert_int_equal(ta_signplan_add_key(p, 2, f->k[2], "params.keys[2]", &e), TA_ERR_VERIFY);
	assert_int_equal(e.fault, TA_SIGNPLAN_METADATA);
	assert_non_null(strstr(e.text, "params.keys[2]: key "));
	assert_non_null(strstr(e.text, "is not one of this root's root keys"));
	/* No key object (a type the profile cannot express). */
	assert_int_equal(ta_signplan_add_key(p, 2, NULL, "params.keys[2]", &e), TA_ERR_UNSUPPORTED);
	assert_int_equal(e.fault, TA_SIGNPLAN_UNSUPPORTED);
	ta_signplan_free(p);
	free(root);
}

static void
test_signplan_rotation(void **state)
{
	struct fixture *f = *state;
	char *old = root_file(3, f->k[0], NULL, NOW - DAY); /* expired: fine for the old one */
	char *nw = root_file(4, f->k[1], NULL, NOW + 365 * DAY);
	char *skip = root_file(5, f->k[1], NULL, NOW + 365 * DAY);
	char *tg = targets_file(NULL, 0, NULL, NULL, false);
	struct ta_signplan_in in = in_for("root", nw);
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;

	in.prev_root = (const uint8_t *)old;
	in.prev_root_len = strlen(old);
	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	assert_non_null(p->prev);
	/* The old key signs as the old root's key; the new as the new's. */
	assert_int_equal(ta_signplan_add_key(p, 0, f->k[0], "params.keys[0]", &e), 0);
	assert_int_equal(ta_signplan_add_key(p, 1, f->k[1], "params.keys[1]", &e), 0);
	assert_int_equal(p->n_sigs, 2);
	assert_true(p->sigs[0].prev_only);
	assert_false(p->sigs[1].prev_only);
	assert_int_equal(ta_signplan_add_key(p, 2, f->k[2], "params.keys[2]", &e), TA_ERR_VERIFY);
	assert_non_null(strstr(e.text, "nor of the previous root's"));
	ta_signplan_free(p);

	/* Exactly one version up. */
	in = in_for("root", skip);
	in.prev_root = (const uint8_t *)old;
	in.prev_root_len = strlen(old);
	expect_open_error(&in, TA_ERR_VERIFY, TA_SIGNPLAN_METADATA,
	    "params.file: root version 5 cannot follow the previous root's version 3; a "
	    "rotation needs version 4");
	/* prev_root must be a root. */
	in = in_for("root", nw);
	in.prev_root = (const uint8_t *)tg;
	in.prev_root_len = strlen(tg);
	expect_open_error(&in, TA_ERR_FORMAT, TA_SIGNPLAN_METADATA,
	    "params.prev_root: a targets file, not a root");
	/* A prev_root that is not metadata at all. */
	in.prev_root = (const uint8_t *)"{\"signed\":";
	in.prev_root_len = 10;
	expect_open_error(&in, TA_ERR_TRUNCATED, TA_SIGNPLAN_METADATA, "params.prev_root: ");
	free(old);
	free(nw);
	free(skip);
	free(tg);
}

static void
test_signplan_file_refused(void **state)
{
	struct fixture *f = *state;
	char *expired = root_file(1, f->k[0], NULL, NOW);
	struct ta_signplan_in in = in_for("root", expired);
	char *tg = targets_file(NULL, 0, NULL, NULL, false);

	expect_open_error(&in, TA_ERR_EXPIRED, TA_SIGNPLAN_METADATA,
	    "params.file: signed.expires is in the past");
	/* The role must be the file's. */
	in = in_for("snapshot", tg);
	expect_open_error(&in, TA_ERR_FORMAT, TA_SIGNPLAN_METADATA, "params.file: ");
	in = in_for("targets", "{\"signed\":{}} trailing");
	expect_open_error(&in, TA_ERR_TRAILING, TA_SIGNPLAN_METADATA, "params.file: ");
	free(expired);
	free(tg);
}

static void
test_signplan_delegation(void **state)
{
	struct fixture *f = *state;
	static const char *const inside[] = {"rel/a.tgz", "rel/b.tgz"};
	static const char *const outside[] = {"rel/a.tgz", "other/x"};
	static const char *const deep[] = {"rel/sub/a.tgz"};
	char *parent = targets_file(NULL, 0, f->k[1], "rel/*", false);
	char *file = targets_file(inside, 2, NULL, NULL, false);
	char *bad = targets_file(outside, 2, NULL, NULL, false);
	char *deeper = targets_file(deep, 1, NULL, NULL, false);
	struct ta_signplan_in in = in_for("rel", file);
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;

	/* Without its parent a delegated role is refused. */
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_PARAMS,
	    "params.parent: missing: signing the delegated role 'rel'");
	in.parent = (const uint8_t *)parent;
	in.parent_len = strlen(parent);
	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	assert_int_equal(ta_signplan_add_key(p, 0, f->k[1], "params.keys[0]", &e), 0);
	assert_string_equal(ta_key_id(p->sigs[0].as), ta_key_id(f->k[1]));
	/* A key the delegation does not list. */
	assert_int_equal(ta_signplan_add_key(p, 1, f->k[0], "params.keys[1]", &e), TA_ERR_VERIFY);
	assert_non_null(strstr(e.text, "is not one of the keys params.parent delegates 'rel' to"));
	ta_signplan_free(p);
	/* A target outside the delegation's paths; '*' does not cross '/'. */
	in.file = (const uint8_t *)bad;
	in.file_len = strlen(bad);
	expect_open_error(&in, TA_ERR_VERIFY, TA_SIGNPLAN_METADATA,
	    "params.file: target 'other/x' is outside the paths params.parent delegates to 'rel'");
	in.file = (const uint8_t *)deeper;
	in.file_len = strlen(deeper);
	expect_open_error(&in, TA_ERR_VERIFY, TA_SIGNPLAN_METADATA, "target 'rel/sub/a.tgz'");
	/* A parent that delegates another name. */
	in = in_for("rel2", file);
	in.parent = (const uint8_t *)parent;
	in.parent_len = strlen(parent);
	expect_open_error(
	    &in, TA_ERR_VERIFY, TA_SIGNPLAN_METADATA, "params.parent: it does not delegate to 'rel2'");
	free(parent);
	free(file);
	free(bad);
	free(deeper);
}

/* Succinct hash bins: a delegation by path_hash_prefixes. */
static void
test_signplan_hash_prefixes(void **state)
{
	struct fixture *f = *state;
	/* SHA-256("rel/a.tgz") and ("other/x") start differently; take the
	 * first's first hex digit as the bin. */
	static const char *const one[] = {"rel/a.tgz"};
	static const char *const two[] = {"other/x"};
	char prefix[2] = {0};
	char *file = targets_file(one, 1, NULL, NULL, false);
	char *file2 = targets_file(two, 1, NULL, NULL, false);
	struct ta_signplan_in in = in_for("rel", file);
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;
	char *parent;
	json_t *d;

	/* The bin of "rel/a.tgz". */
	for (char c = '0'; c <= 'f'; c = c == '9' ? 'a' : (char)(c + 1)) {
		prefix[0] = c;
		d = json_pack("{s:[s]}", "path_hash_prefixes", prefix);
		if (ta_delegation_covers(TA_PROFILE_TUF, d, "rel/a.tgz")) {
			json_decref(d);
			break;
		}
		json_decref(d);
	}
	parent = targets_file(NULL, 0, f->k[1], prefix, true);
	in.parent = (const uint8_t *)parent;
	in.parent_len = strlen(parent);
	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	ta_signplan_free(p);
	d = json_pack("{s:[s]}", "path_hash_prefixes", prefix);
	if (!ta_delegation_covers(TA_PROFILE_TUF, d, "other/x")) {
		in.file = (const uint8_t *)file2;
		in.file_len = strlen(file2);
		expect_open_error(&in, TA_ERR_VERIFY, TA_SIGNPLAN_METADATA, "target 'other/x'");
	}
	json_decref(d);
	/* Notary paths are prefixes; "" covers everything. */
	d = json_pack("{s:[s]}", "paths", "rel/");
	assert_true(ta_delegation_covers(TA_PROFILE_NOTARY, d, "rel/x/y"));
	assert_false(ta_delegation_covers(TA_PROFILE_NOTARY, d, "re"));
	json_decref(d);
	d = json_pack("{s:[s]}", "paths", "");
	assert_true(ta_delegation_covers(TA_PROFILE_NOTARY, d, "anything"));
	json_decref(d);
	/* Malformed: nothing covered. */
	d = json_pack("{s:s}", "paths", "rel/");
	assert_false(ta_delegation_covers(TA_PROFILE_NOTARY, d, "rel/x"));
	json_decref(d);
	free(parent);
	free(file);
	free(file2);
}

/* Top-level roles sign as the key's own object. */
static void
test_signplan_own_key(void **state)
{
	struct fixture *f = *state;
	char *tg = targets_file(NULL, 0, NULL, NULL, false);
	struct ta_signplan_in in = in_for("targets", tg);
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;

	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	for (size_t i = 0; i < TA_SIGNPLAN_MAX; i++)
		assert_int_equal(ta_signplan_add_key(p, i, f->k[i % 3], "params.keys[x]", &e), 0);
	assert_ptr_equal(p->sigs[2].as, f->k[2]);
	/* Past the protocol's limit. */
	assert_int_equal(ta_signplan_add_key(p, 16, f->k[0], "params.keys[16]", &e),
	    TA_ERR_TOO_LARGE);
	assert_int_equal(e.fault, TA_SIGNPLAN_PARAMS);
	ta_signplan_free(p);
	ta_signplan_free(NULL);
	free(tg);
}

/* A ceremony head: each key as its own key, root only, the head's GUN the
 * request's, no companions; the rules are those of the head's profile. */
static void
test_signplan_ceremony_head(void **state)
{
	struct fixture *f = *state;
	struct ta_cerhead h = {.profile = TA_PROFILE_NOTARY, .records = 7};
	struct ta_signplan_in in;
	struct ta_signplan *p = NULL;
	struct ta_signplan_error e;
	uint8_t *file = NULL;
	size_t len = 0;
	char *root = root_file(1, f->k[0], NULL, NOW + DAY);

	memset(h.ceremony, 'a', 64);
	memset(h.head, 'b', 64);
	memset(h.root_sha256, 'c', 64);
	(void)snprintf(h.gun, sizeof(h.gun), "example.com/app");
	assert_int_equal(ta_cerhead_write(&h, &file, &len), 0);
	in = in_for("root", (const char *)file);
	in.ceremony = true;
	in.gun = "example.com/app";
	assert_int_equal(ta_signplan_open(&in, &p, &e), 0);
	assert_int_equal(p->rule_profile, TA_PROFILE_NOTARY);
	assert_int_equal(p->expires, 0);
	assert_int_equal(p->m->type, TA_ROLE_CEREMONY_HEAD);
	assert_int_equal(ta_signplan_add_key(p, 0, f->k[1], "params.keys[0]", &e), 0);
	assert_int_equal(p->n_sigs, 1);
	assert_ptr_equal(p->sigs[0].as, f->k[1]);
	ta_signplan_free(p);

	in.gun = "example.com/other";
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_METADATA, "is not params.gun");
	in.gun = NULL;
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_METADATA, "is not params.gun");
	in.gun = "example.com/app";
	in.role = "targets";
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_PARAMS, "signed as \"root\"");
	in.role = "root";
	in.prev_root = (const uint8_t *)root;
	in.prev_root_len = strlen(root);
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_PARAMS, "params.prev_root");
	in.prev_root = NULL;
	in.profile = TA_PROFILE_NOTARY;
	expect_open_error(&in, TA_ERR_INVALID, TA_SIGNPLAN_PARAMS, "params.role");
	in.profile = TA_PROFILE_TUF;
	/* A root file is not a head, and a head is not a root. */
	in.file = (const uint8_t *)root;
	in.file_len = strlen(root);
	expect_open_error(&in, TA_ERR_FORMAT, TA_SIGNPLAN_METADATA, "params.file: signed: unknown");
	in = in_for("root", (const char *)file);
	expect_open_error(&in, TA_ERR_FORMAT, TA_SIGNPLAN_METADATA, "params.file");
	free(file);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signplan_ceremony_head),
		cmocka_unit_test(test_signplan_root_signs_as_listed_keys),
		cmocka_unit_test(test_signplan_rotation),
		cmocka_unit_test(test_signplan_file_refused),
		cmocka_unit_test(test_signplan_delegation),
		cmocka_unit_test(test_signplan_hash_prefixes),
		cmocka_unit_test(test_signplan_own_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
