/* Unit tests for the publish engine (client/notary_publish.c) without a
 * server or an agent: staged changes applied to a small notary repository
 * built with tuf/, signed by in-memory keys behind a struct tn_signer
 * that records what it was asked to sign.  tests/dct-*.sh drive the same
 * engine through tufctl against the real notary-server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client/notary_publish.h"
#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/json.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
#include "tuf/verify.h"

#define NOW ((time_t)1800000000) /* 2027-01-15 */
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* Staged: add v2 to targets. */
#define ADD_V2 \
	"[{\"op\":\"add\",\"role\":\"targets\",\"name\":\"v2\",\"length\":5,\"sha256\":\"" HEX_A \
	"\"}]"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The keys, and their URIs "mem:<index>" in the signer. */
enum { K_ROOT, K_TARGETS, K_SNAPSHOT, K_TIMESTAMP, K_RELEASES, K_NEW, NKEYS };

struct fx {
	struct memsigner *ms[NKEYS];
	struct ta_key *k[NKEYS];
	json_t *held;
	struct tn_state cur;
	struct tn_signer signer;
	struct tn_pub p;
	struct tn_error e;
	char signed_roles[16][TA_ROLE_NAME_MAX + 1];
	char others[16][TA_ROLE_NAME_MAX + 1];
	size_t n_signed;
	int fail;
};

/* ---- the signer -------------------------------------------------------------- */

static int
fake_keys(void *ctx, json_t **ret, struct tn_error *e)
{
	struct fx *x = ctx;

	(void)e;
	*ret = json_incref(x->held);
	return 0;
}

static int
fake_sign(void *ctx, const char *gun, const char *role, const json_t *keys,
    const struct tn_file *f, const struct tn_file *other, uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	struct fx *x = ctx;
	struct ta_json_error je;
	struct ta_meta *m = NULL;
	const json_t *v;
	size_t i;
	int r;

	assert_string_equal(gun, "example.com/app");
	assert_true(x->n_signed < 16);
	(void)snprintf(x->signed_roles[x->n_signed], sizeof(x->signed_roles[0]), "%s", role);
	(void)snprintf(x->others[x->n_signed], sizeof(x->others[0]), "%s",
	    other != NULL ? other->role : "-");
	x->n_signed++;
	if (x->fail != 0)
		return tn_fail(e, x->fail, "the signer refused %s", role);
	assert_int_equal(ta_meta_parse(f->bytes, f->len, TA_PROFILE_NOTARY, role, &m, &je), 0);
	json_array_foreach(keys, i, v) {
		long k = strtol(json_string_value(v) + 4, NULL, 10);

		assert_true(k >= 0 && k < NKEYS);
		assert_int_equal(ta_meta_sign(m, x->k[k], &x->ms[k]->signer, NULL), 0);
	}
	r = ta_meta_write(m, ret, ret_len);
	ta_meta_free(m);
	return r;
}

/* ---- the repository ------------------------------------------------------------- */

static void
hold(struct fx *x, int k)
{
	char uri[16];

	(void)snprintf(uri, sizeof(uri), "mem:%d", k);
	assert_int_equal(json_array_append_new(x->held,
			     json_pack("{s:s, s:{s:s}}", "uri", uri, "keyids", "notary",
				 ta_key_canonical_id(x->k[k]))),
	    0);
}

static void
add_key(struct ta_meta *root, const char *role, const struct ta_key *k)
{
	assert_int_equal(ta_meta_root_add_ta_key(root, role, k), 0);
}

static void
put(struct fx *x, const char *role, struct ta_meta *m)
{
	uint8_t *b = NULL;
	size_t n;

	assert_int_equal(ta_meta_write(m, &b, &n), 0);
	assert_int_equal(tn_state_put(&x->cur, role, b, n, &x->e), 0);
	free(b);
	ta_meta_free(m);
}

static const struct tn_file *
cur_file(struct fx *x, const char *role)
{
	const struct tn_file *f = tn_state_get(&x->cur, role);

	assert_non_null(f);
	return f;
}

static int
teardown(void **state)
{
	struct fx *x = *state;

	tn_pub_free(&x->p);
	tn_state_clear(&x->cur);
	json_decref(x->held);
	for (int i = 0; i < NKEYS; i++) {
		ta_key_free(x->k[i]);
		memsigner_free(x->ms[i]);
	}
	free(x);
	return 0;
}

/* root, targets (tag "v1", delegation targets/releases for "releases/"),
 * targets/releases (tag "releases/1.0"), snapshot and timestamp, all at
 * version 1: the server's state as the update walk would give it. */
static int
setup(void **state)
{
	struct ta_target_hashes h = { .has_sha256 = true };
	struct fx *x = calloc(1, sizeof(*x));
	struct ta_meta *root = NULL, *targets = NULL, *rel = NULL, *snap = NULL, *ts = NULL;
	const char *ids[1], *paths[1] = { "releases/" };
	const json_t *objs[1];
	json_t *obj = NULL;

	assert_non_null(x);
	for (int i = 0; i < NKEYS; i++) {
		assert_non_null(x->ms[i] = memsigner_new(TA_KEY_EC_P256));
		assert_int_equal(ta_key_from_spki(TA_PROFILE_NOTARY, x->ms[i]->spki,
				     x->ms[i]->spki_len, &x->k[i]),
		    0);
	}
	assert_non_null(x->held = json_array());
	hold(x, K_ROOT);
	hold(x, K_TARGETS);
	hold(x, K_RELEASES);
	hold(x, K_NEW);

	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_ROOT, NOW + 400 * TN_DAY, &root), 0);
	add_key(root, "root", x->k[K_ROOT]);
	add_key(root, "targets", x->k[K_TARGETS]);
	add_key(root, "snapshot", x->k[K_SNAPSHOT]);
	add_key(root, "timestamp", x->k[K_TIMESTAMP]);
	put(x, "root", root);

	memset(h.sha256, 0x11, 32);
	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, NOW + 90 * TN_DAY,
			     &targets),
	    0);
	assert_int_equal(ta_meta_target_add(targets, "v1", 10, &h, NULL), 0);
	assert_int_equal(ta_key_to_json(x->k[K_RELEASES], &obj), 0);
	ids[0] = ta_key_id(x->k[K_RELEASES]);
	objs[0] = obj;
	assert_int_equal(ta_meta_delegation_set(targets, "targets/releases", ids, objs, 1, 1, paths,
			     1, false, false),
	    0);
	json_decref(obj);
	put(x, "targets", targets);

	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, NOW + 90 * TN_DAY, &rel),
	    0);
	assert_int_equal(ta_meta_target_add(rel, "releases/1.0", 20, &h, NULL), 0);
	put(x, "targets/releases", rel);

	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_SNAPSHOT, NOW + 90 * TN_DAY, &snap),
	    0);
	for (size_t i = 0; i < x->cur.n; i++)
		assert_int_equal(ta_meta_set_file(snap, x->cur.files[i].role, x->cur.files[i].bytes,
				     x->cur.files[i].len, 0),
		    0);
	put(x, "snapshot", snap);
	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TIMESTAMP, NOW + TN_DAY, &ts), 0);
	assert_int_equal(ta_meta_set_file(ts, "snapshot", cur_file(x, "snapshot")->bytes,
			     cur_file(x, "snapshot")->len, 0),
	    0);
	put(x, "timestamp", ts);

	x->signer = (struct tn_signer){ .ctx = x, .keys = fake_keys, .sign = fake_sign };
	x->p = (struct tn_pub){ .gun = "example.com/app", .url = "https://notary.test:4443",
		.dir = "/trust/notary.test:4443/example.com/app", .signer = &x->signer, .now = NOW };
	*state = x;
	return 0;
}

/* begin, apply and sign the changes (a JSON array). */
static int
publish(struct fx *x, const char *changes)
{
	json_t *c = json_loads(changes, 0, NULL);
	int r;

	assert_non_null(c);
	x->e.text[0] = '\0';
	assert_int_equal(x->p.held = json_incref(x->held), x->held);
	if ((r = tn_pub_begin(&x->p, &x->cur, NULL, &x->e)) == 0 &&
	    (r = tn_pub_apply(&x->p, c, &x->e)) == 0)
		r = tn_pub_sign(&x->p, &x->e);
	json_decref(c);
	return r;
}

static struct tn_file *
next(struct fx *x, const char *role)
{
	return tn_state_get(&x->p.next, role);
}

static bool
changed(struct fx *x, const char *role)
{
	struct tn_file *f = next(x, role);

	return f != NULL && x->p.changed[f - x->p.next.files];
}

static size_t
n_changed_files(struct fx *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->p.next.n; i++)
		n += x->p.changed[i];
	return n;
}

static bool
has_target(struct fx *x, const char *role, const char *name)
{
	struct ta_target_hashes h;
	int64_t len;

	assert_non_null(next(x, role));
	return ta_meta_target_get(next(x, role)->m, name, &len, &h) == 0;
}

static void
assert_signed_by(struct fx *x, const char *role)
{
	struct ta_verify_result res;

	if (strncmp(role, "targets/", 8) == 0) {
		char parent[TA_ROLE_NAME_MAX + 1];

		(void)snprintf(parent, sizeof(parent), "%.*s",
		    (int)(strrchr(role, '/') - role), role);
		assert_int_equal(ta_verify_delegated(next(x, parent)->m, next(x, role)->m, role, NOW,
				     &res),
		    0);
	} else {
		assert_int_equal(ta_verify_role(next(x, "root")->m, next(x, role)->m, role, NOW,
				     &res),
		    0);
	}
}

/* ---- tags ---------------------------------------------------------------------- */

static void
test_notary_publish_add_tag(void **state)
{
	struct fx *x = *state;

	assert_int_equal(publish(x, ADD_V2),
	    0);
	assert_true(has_target(x, "targets", "v2"));
	assert_true(has_target(x, "targets", "v1"));
	assert_int_equal(ta_meta_version(next(x, "targets")->m), 2);
	assert_int_equal(x->p.n_changed, 1);
	assert_int_equal(n_changed_files(x), 1);
	assert_true(changed(x, "targets"));
	/* The snapshot key is the server's: not signed here. */
	assert_false(x->p.client_snapshot);
	assert_int_equal(x->n_signed, 1);
	assert_string_equal(x->signed_roles[0], "targets");
	assert_string_equal(x->others[0], "-");
	assert_signed_by(x, "targets");
	/* The server's state is left as it came. */
	assert_false(has_target(x, "targets", "v3"));
	assert_int_equal(ta_meta_version(cur_file(x, "targets")->m), 1);
}

static void
test_notary_publish_expiry_days(void **state)
{
	struct fx *x = *state;
	time_t exp;

	x->p.expiry_days = 30;
	assert_int_equal(publish(x, ADD_V2),
	    0);
	assert_int_equal(ta_meta_expires(next(x, "targets")->m, &exp), 0);
	assert_int_equal(exp, NOW + 30 * TN_DAY);
}

static void
test_notary_publish_add_with_snapshot_key(void **state)
{
	struct fx *x = *state;
	struct tn_file *t;

	hold(x, K_SNAPSHOT);
	assert_int_equal(publish(x, ADD_V2),
	    0);
	assert_true(x->p.client_snapshot);
	assert_int_equal(x->p.n_changed, 1);
	assert_true(changed(x, "snapshot"));
	assert_int_equal(n_changed_files(x), 2);
	assert_int_equal(x->n_signed, 2);
	assert_string_equal(x->signed_roles[0], "targets");
	assert_string_equal(x->signed_roles[1], "snapshot");
	assert_int_equal(ta_meta_version(next(x, "snapshot")->m), 2);
	assert_signed_by(x, "snapshot");
	/* The snapshot describes the new, signed targets. */
	t = next(x, "targets");
	assert_int_equal(ta_meta_check_file(next(x, "snapshot")->m, "targets", t->bytes, t->len), 0);
	assert_false(changed(x, "timestamp"));
}

static void
test_notary_publish_remove_tag(void **state)
{
	struct fx *x = *state;

	assert_int_equal(publish(x, "[{\"op\":\"remove\",\"role\":\"targets\",\"name\":\"v1\"}]"),
	    0);
	assert_false(has_target(x, "targets", "v1"));
	assert_int_equal(ta_meta_version(next(x, "targets")->m), 2);
	assert_int_equal(x->n_signed, 1);
	assert_string_equal(x->signed_roles[0], "targets");
}

static void
test_notary_publish_nothing_to_do(void **state)
{
	struct fx *x = *state;

	/* Idempotent: v1 is there with these hashes; v9 is not there. */
	assert_int_equal(publish(x, "[{\"op\":\"add\",\"role\":\"targets\",\"name\":\"v1\","
				    "\"length\":10,\"sha256\":\"1111111111111111111111111111111111"
				    "111111111111111111111111111111\"},"
				    "{\"op\":\"remove\",\"role\":\"targets\",\"name\":\"v9\"}]"),
	    0);
	assert_int_equal(x->p.n_changed, 0);
	assert_int_equal(n_changed_files(x), 0);
	assert_int_equal(x->n_signed, 0);
	assert_int_equal(ta_meta_version(next(x, "targets")->m), 1);
}

static void
test_notary_publish_tag_in_delegation(void **state)
{
	struct fx *x = *state;

	assert_int_equal(publish(x, "[{\"op\":\"add\",\"role\":\"targets/releases\","
				    "\"name\":\"releases/2.0\",\"length\":5,\"sha256\":\"" HEX_B
				    "\"}]"),
	    0);
	assert_true(has_target(x, "targets/releases", "releases/2.0"));
	assert_false(changed(x, "targets"));
	assert_int_equal(ta_meta_version(next(x, "targets/releases")->m), 2);
	assert_int_equal(x->n_signed, 1);
	/* A delegation is signed with its parent beside it. */
	assert_string_equal(x->signed_roles[0], "targets/releases");
	assert_string_equal(x->others[0], "targets");
	assert_signed_by(x, "targets/releases");
}

/* ---- delegations ------------------------------------------------------------------ */

static void
test_notary_publish_delegation_add_then_tag(void **state)
{
	struct fx *x = *state;
	json_t *obj = NULL;
	char *key, *changes;

	assert_int_equal(ta_key_to_json(x->k[K_NEW], &obj), 0);
	assert_non_null(key = json_dumps(obj, JSON_COMPACT));
	assert_true(asprintf(&changes,
			"[{\"op\":\"delegation-add\",\"role\":\"targets/qa\",\"keys\":{\"%s\":%s},"
			"\"paths\":[\"qa/\"],\"all_paths\":false},"
			"{\"op\":\"add\",\"role\":\"targets/qa\",\"name\":\"qa/1\",\"length\":1,"
			"\"sha256\":\"" HEX_A "\"}]",
			ta_key_id(x->k[K_NEW]), key) > 0);
	assert_int_equal(publish(x, changes), 0);
	/* The parent lists it and signs first; the new role starts at 1. */
	assert_true(changed(x, "targets"));
	assert_true(changed(x, "targets/qa"));
	assert_false(changed(x, "targets/releases"));
	assert_int_equal(ta_meta_version(next(x, "targets")->m), 2);
	assert_int_equal(ta_meta_version(next(x, "targets/qa")->m), 1);
	assert_true(has_target(x, "targets/qa", "qa/1"));
	assert_int_equal(x->n_signed, 2);
	assert_string_equal(x->signed_roles[0], "targets");
	assert_string_equal(x->signed_roles[1], "targets/qa");
	assert_signed_by(x, "targets/qa");
	free(changes);
	free(key);
	json_decref(obj);
}

static void
test_notary_publish_delegation_remove(void **state)
{
	struct fx *x = *state;
	const json_t *roles;

	assert_int_equal(publish(x, "[{\"op\":\"delegation-remove\",\"role\":\"targets/releases\"}]"),
	    0);
	roles = json_object_get(json_object_get(next(x, "targets")->m->signed_v, "delegations"),
	    "roles");
	assert_int_equal(json_array_size(roles), 0);
	assert_true(changed(x, "targets"));
	assert_int_equal(x->n_signed, 1);
	assert_string_equal(x->signed_roles[0], "targets");
}

/* ---- rotation ------------------------------------------------------------------ */

static void
test_notary_publish_rotate_targets(void **state)
{
	struct fx *x = *state;
	json_t *obj = NULL;
	char *key, *changes;
	const json_t *ids;

	assert_int_equal(ta_key_to_json(x->k[K_NEW], &obj), 0);
	assert_non_null(key = json_dumps(obj, JSON_COMPACT));
	assert_true(asprintf(&changes, "[{\"op\":\"rotate\",\"role\":\"targets\",\"keys\":{\"%s\":%s}}]",
			ta_key_id(x->k[K_NEW]), key) > 0);
	assert_int_equal(publish(x, changes), 0);
	ids = json_object_get(json_object_get(json_object_get(next(x, "root")->m->signed_v,
					      "roles"),
				  "targets"),
	    "keyids");
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), ta_key_id(x->k[K_NEW]));
	assert_int_equal(ta_meta_version(next(x, "root")->m), 2);
	assert_int_equal(ta_meta_version(next(x, "targets")->m), 2);
	/* Root first, with the root it replaces; then targets by the new key. */
	assert_int_equal(x->n_signed, 2);
	assert_string_equal(x->signed_roles[0], "root");
	assert_string_equal(x->others[0], "root");
	assert_ptr_equal(x->p.prev_root, tn_state_get(&x->p.cur, "root"));
	assert_string_equal(x->signed_roles[1], "targets");
	assert_signed_by(x, "targets");
	free(changes);
	free(key);
	json_decref(obj);
}

/* ---- a new GUN ---------------------------------------------------------------- */

static void
test_notary_publish_new_gun_from_init(void **state)
{
	struct fx *x = *state;
	json_t *init = json_pack("{s:s%, s:s%}", "root", cur_file(x, "root")->bytes,
	    cur_file(x, "root")->len, "targets", cur_file(x, "targets")->bytes,
	    cur_file(x, "targets")->len);

	x->p.held = json_incref(x->held);
	assert_int_equal(tn_pub_begin(&x->p, NULL, init, &x->e), 0);
	assert_true(x->p.is_new);
	assert_int_equal(tn_pub_apply(&x->p, NULL, &x->e), 0);
	assert_int_equal(tn_pub_sign(&x->p, &x->e), 0);
	assert_int_equal(x->p.n_changed, 2);
	assert_int_equal(ta_meta_version(next(x, "root")->m), 1);
	assert_null(x->p.prev_root);
	assert_int_equal(x->n_signed, 2);
	assert_string_equal(x->signed_roles[0], "root");
	assert_string_equal(x->others[0], "-");
	json_decref(init);
}

/* ---- refusals ------------------------------------------------------------------ */

/* changes are refused with r and a message holding text, before anything
 * is signed. */
static void
refused(struct fx *x, const char *changes, int r, const char *text)
{
	assert_int_equal(publish(x, changes), r);
	if (strstr(x->e.text, text) == NULL)
		fail_msg("'%s' does not say '%s'", x->e.text, text);
	assert_int_equal(x->n_signed, 0);
}

static void
test_notary_publish_no_such_delegation(void **state)
{
	refused(*state,
	    "[{\"op\":\"add\",\"role\":\"targets/nosuch\",\"name\":\"x\",\"length\":1,"
	    "\"sha256\":\"" HEX_A "\"}]",
	    TA_ERR_NOT_FOUND, "targets/nosuch: no such delegation in example.com/app");
}

static void
test_notary_publish_outside_paths(void **state)
{
	refused(*state,
	    "[{\"op\":\"add\",\"role\":\"targets/releases\",\"name\":\"nightly/1\","
	    "\"length\":1,\"sha256\":\"" HEX_A "\"}]",
	    TA_ERR_INVALID, "'nightly/1' is outside the paths targets/releases may sign");
}

static void
test_notary_publish_signer_fails(void **state)
{
	struct fx *x = *state;
	const struct tn_file *t = cur_file(x, "targets");
	uint8_t *before = malloc(t->len);
	size_t len = t->len;

	assert_non_null(before);
	memcpy(before, t->bytes, len);
	x->fail = TA_ERR_PIN_INCORRECT;
	assert_int_equal(publish(x, ADD_V2),
	    TA_ERR_PIN_INCORRECT);
	assert_string_equal(x->e.text, "the signer refused targets");
	assert_int_equal(x->n_signed, 1);
	/* The server's state is as it came; nothing signed stands in next. */
	t = cur_file(x, "targets");
	assert_int_equal(t->len, len);
	assert_memory_equal(t->bytes, before, len);
	assert_int_equal(json_array_size(next(x, "targets")->m->signatures), 0);
	free(before);
}

static void
test_notary_publish_key_not_held(void **state)
{
	struct fx *x = *state;

	json_decref(x->held);
	assert_non_null(x->held = json_array());
	hold(x, K_ROOT);
	refused(x, ADD_V2, TA_ERR_KEY_NOT_FOUND,
	    "targets needs 1 signature; the agent holds 0 of its keys");
}

static void
test_notary_publish_unknown_change(void **state)
{
	refused(*state, "[{\"op\":\"frobnicate\",\"role\":\"targets\"}]", TA_ERR_FORMAT,
	    "a staged change 'frobnicate' is unknown; remove it from "
	    "/trust/notary.test:4443/example.com/app/changes");
}

static void
test_notary_publish_malformed_add(void **state)
{
	refused(*state,
	    "[{\"op\":\"add\",\"role\":\"targets\",\"name\":\"v2\",\"length\":5,"
	    "\"sha256\":\"abc\"}]",
	    TA_ERR_FORMAT, "a staged add is malformed");
}

static void
test_notary_publish_init_not_ours(void **state)
{
	struct fx *x = *state;
	struct ta_meta *other = NULL;
	uint8_t *b = NULL;
	size_t n;
	json_t *init;

	/* Someone else's root on the server, ours staged. */
	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_ROOT, NOW + TN_DAY, &other), 0);
	add_key(other, "root", x->k[K_NEW]);
	assert_int_equal(ta_meta_write(other, &b, &n), 0);
	init = json_pack("{s:s%, s:s}", "root", b, n, "targets", "{}");
	assert_int_equal(tn_pub_begin(&x->p, &x->cur, init, &x->e), TA_ERR_EXISTS);
	assert_non_null(strstr(x->e.text, "'example.com/app' was created on "
					  "https://notary.test:4443 by someone else"));
	json_decref(init);
	free(b);
	ta_meta_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_notary_publish_##name, setup, teardown)
		T(add_tag),
		T(expiry_days),
		T(add_with_snapshot_key),
		T(remove_tag),
		T(nothing_to_do),
		T(tag_in_delegation),
		T(delegation_add_then_tag),
		T(delegation_remove),
		T(rotate_targets),
		T(new_gun_from_init),
		T(no_such_delegation),
		T(outside_paths),
		T(signer_fails),
		T(key_not_held),
		T(unknown_change),
		T(malformed_add),
		T(init_not_ours),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
