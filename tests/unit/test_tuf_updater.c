/* tuf/updater.c: the TUF 1.0 client workflow over in-memory repositories
 * (tests/tools/tufrepo.c) signed with in-memory keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tests/tools/tufrepo.h"
#include "tuf/updater.h"

#define NOW ((time_t)1800000000)
#define DAY ((time_t)86400)

static struct trepo_keys K;

static int
group_setup(void **state)
{
	(void)state;
	return trepo_keys_new(&K) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	trepo_keys_free(&K);
	return 0;
}

/* Builds with o and runs the workflow at now; rep to be freed. */
static int
run(const struct trepo_opts *o, time_t now, const struct ta_updater_prev *prev,
    struct trepo *repo, struct ta_updater_report *rep)
{
	struct ta_updater_opts uo = { .now = now, .prev = prev, .check_targets = true };

	memset(repo, 0, sizeof(*repo));
	assert_int_equal(trepo_build(repo, &K, o), 0);
	return ta_updater_run(&uo, trepo_fetch, repo, rep);
}

static const struct ta_updater_role *
role(const struct ta_updater_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->nroles; i++)
		if (strcmp(rep->roles[i].name, name) == 0)
			return &rep->roles[i];
	fail_msg("no role %s", name);
	return NULL;
}

static void
expect_fail(const struct trepo_opts *o, time_t now, const struct ta_updater_prev *prev,
    int code, const char *file, const char *reason)
{
	struct ta_updater_report rep;
	struct trepo repo;
	int r = run(o, now, prev, &repo, &rep);

	if (r != code || strcmp(rep.fail_file, file) != 0 ||
	    (reason != NULL && strstr(rep.fail_reason, reason) == NULL))
		fail_msg("got %s at '%s': %s; want %s at '%s' (%s)", ta_errname(r), rep.fail_file,
		    rep.fail_reason, ta_errname(code), file, reason ? reason : "");
	ta_updater_report_free(&rep);
	trepo_free(&repo);
}

/* ---- happy paths ----------------------------------------------------------- */

static void
find(const struct ta_updater_report *rep, const char *path, const char *want)
{
	const char *who = NULL;
	const json_t *t = NULL;
	int r = ta_updater_find_target(rep, path, &who, &t);

	if (want == NULL) {
		if (r != TA_ERR_NOT_FOUND)
			fail_msg("%s found in %s", path, who);
		return;
	}
	if (r != 0 || strcmp(who, want) != 0 || !json_is_object(t))
		fail_msg("%s: %s, in %s; want %s", path, ta_errname(r), r ? "-" : who, want);
}

static void
test_updater_delegations(void **state)
{
	(void)state;
	for (int consistent = 0; consistent < 2; consistent++) {
		struct trepo_opts o = { .now = NOW, .consistent = consistent, .delegations = true };
		struct ta_updater_report rep;
		struct trepo repo;

		assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
		assert_true(rep.trust_on_first_use);
		assert_int_equal(rep.root_version, 1);
		assert_int_equal(rep.consistent_snapshot, consistent);
		/* root timestamp snapshot targets proj proj-nightly hashed fallback */
		assert_int_equal(rep.nroles, 8);
		assert_string_equal(rep.roles[4].name, "proj");
		assert_string_equal(rep.roles[5].name, "proj-nightly");
		assert_string_equal(rep.roles[5].delegator, "proj");
		assert_string_equal(rep.roles[6].name, "hashed");
		assert_string_equal(rep.roles[7].name, "fallback");
		assert_int_equal(rep.ntargets, 6);
		assert_int_equal(rep.ntarget_files, 6);
		assert_string_equal(rep.roles[2].file, consistent ? "1.snapshot.json" :
								    "snapshot.json");
		assert_string_equal(rep.roles[5].file, consistent ? "1.proj-nightly.json" :
								    "proj-nightly.json");
		assert_int_equal(role(&rep, "targets")->res.nvalid, 1);
		assert_true(role(&rep, "targets")->expires_canonical);
		find(&rep, "a.txt", "targets");
		find(&rep, "proj/x.tgz", "proj");
		find(&rep, "proj/nightly-1.tgz", "proj-nightly");
		find(&rep, "h/one", "hashed");
		find(&rep, "other/z", "fallback");
		/* proj-nightly is terminating: fallback is never asked. */
		find(&rep, "proj/nightly-2.tgz", NULL);
		find(&rep, "nothing", NULL);
		ta_updater_report_free(&rep);
		trepo_free(&repo);
	}
}

static void
test_updater_bins(void **state)
{
	(void)state;
	for (int consistent = 0; consistent < 2; consistent++) {
		struct trepo_opts o = { .now = NOW, .consistent = consistent, .bins = true };
		struct ta_updater_report rep;
		struct trepo repo;

		assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
		assert_int_equal(rep.nroles, 8); /* 4 + bins-0..3 */
		assert_string_equal(rep.roles[4].name, "bins-0");
		assert_string_equal(rep.roles[7].name, "bins-3");
		assert_int_equal(rep.ntarget_files, 2);
		/* sha256("b/file1") starts 0x3..: bit_length 2 puts it in bin 0 */
		find(&rep, "b/file1", "bins-0");
		find(&rep, "a.txt", "targets");
		find(&rep, "b/file2", NULL);
		ta_updater_report_free(&rep);
		trepo_free(&repo);
	}
}

/* A bin that lists a target of another bin is refused. */
static void
tweak_wrong_bin(void *arg, const char *role, int64_t v, struct ta_meta *m, int stage)
{
	struct ta_target_hashes h = { .has_sha256 = true };

	(void)arg;
	(void)v;
	if (stage == 0 && strcmp(role, "bins-1") == 0)
		assert_int_equal(ta_meta_target_add(m, "b/file1", 1, &h, NULL), 0);
}

static void
test_updater_bins_outside(void **state)
{
	struct trepo_opts o = { .now = NOW, .bins = true, .tweak = tweak_wrong_bin };

	(void)state;
	expect_fail(&o, NOW, NULL, TA_ERR_VERIFY, "bins-1.json",
	    "\"b/file1\" is outside the paths delegated to bins-1");
}

/* ---- root rotation --------------------------------------------------------- */

static void
test_updater_rotation(void **state)
{
	struct trepo_opts o = { .now = NOW, .consistent = true, .delegations = true, .nroots = 3 };
	struct ta_updater_report rep;
	struct trepo repo;

	(void)state;
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	assert_int_equal(rep.root_version, 3);
	assert_string_equal(rep.roles[0].file, "1.root.json");
	assert_string_equal(rep.roles[1].file, "2.root.json");
	assert_string_equal(rep.roles[2].file, "3.root.json");
	assert_int_equal(rep.roles[1].res.threshold, 2);
	assert_int_equal(rep.roles[2].res.nvalid, 2);
	assert_string_equal(rep.roles[3].name, "timestamp");

	/* Starting from a trusted v2 walks to v3 only. */
	struct ta_updater_report rep2;
	struct trepo_file *f = trepo_get(&repo, "2.root.json");
	struct ta_updater_opts uo = { .now = NOW, .trusted_root = f->data,
		.trusted_root_len = f->len };

	assert_int_equal(ta_updater_run(&uo, trepo_fetch, &repo, &rep2), 0);
	assert_false(rep2.trust_on_first_use);
	assert_string_equal(rep2.roles[0].file, "trusted root");
	assert_string_equal(rep2.roles[1].file, "3.root.json");
	assert_int_equal(rep2.ntarget_files, 0); /* not asked to */
	ta_updater_report_free(&rep2);

	/* A version skip: 3.root.json served as 2.root.json. */
	f = trepo_get(&repo, "3.root.json");
	assert_int_equal(trepo_put(&repo, "2.root.json", f->data, f->len), 0);
	uo.trusted_root = NULL;
	assert_int_equal(ta_updater_run(&uo, trepo_fetch, &repo, &rep2), TA_ERR_VERIFY);
	assert_string_equal(rep2.fail_file, "2.root.json");
	assert_non_null(strstr(rep2.fail_reason, "root version 3 cannot follow version 1"));
	ta_updater_report_free(&rep2);
	ta_updater_report_free(&rep);
	trepo_free(&repo);
}

static void
test_updater_rotation_refused(void **state)
{
	/* v3 signed by its own keys (7, 8) but only by 7 of v2's {0, 7}. */
	struct trepo_opts o = { .now = NOW, .nroots = 3, .root_signers = { 0, 0, 0, 1u << 7 | 1u << 8 } };

	(void)state;
	expect_fail(&o, NOW, NULL, TA_ERR_VERIFY, "3.root.json", "not signed by the trusted root");
	/* v2 signed by the old key alone: its own threshold 2 is not met. */
	struct trepo_opts o2 = { .now = NOW, .nroots = 2, .root_signers = { 0, 0, 1u << 0 } };
	expect_fail(&o2, NOW, NULL, TA_ERR_VERIFY, "2.root.json", "threshold 2");
	/* The first root must be self-signed. */
	struct trepo_opts o3 = { .now = NOW, .root_signers = { 0, 1u << 7 } };
	expect_fail(&o3, NOW, NULL, TA_ERR_VERIFY, "1.root.json", "own root threshold");
}

static void
test_updater_root_expiry(void **state)
{
	struct trepo_opts o = { .now = NOW, .nroots = 2, .root_expires = { 0, NOW - DAY } };
	struct ta_updater_report rep;
	struct trepo repo;

	(void)state;
	/* An expired intermediate root is fine. */
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	assert_true(rep.roles[0].expired);
	assert_false(rep.roles[1].expired);
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	/* The final one is not. */
	o.root_expires[2] = NOW - 1;
	expect_fail(&o, NOW, NULL, TA_ERR_EXPIRED, "2.root.json", "root v2 expired at");
	/* --at: the same repository later than the timestamp's expiry. */
	struct trepo_opts o2 = { .now = NOW, .delegations = true };
	expect_fail(&o2, NOW + 31 * DAY, NULL, TA_ERR_EXPIRED, "timestamp.json", "expired at");
	expect_fail(&o2, NOW + 400 * DAY, NULL, TA_ERR_EXPIRED, "1.root.json", "expired at");
}

/* ---- rollback and freeze --------------------------------------------------- */

static void
test_updater_rollback(void **state)
{
	struct trepo_opts o = { .now = NOW, .consistent = true, .delegations = true };
	struct ta_updater_prev p = { .timestamp_version = 2 };
	json_t *meta;

	(void)state;
	expect_fail(&o, NOW, &p, TA_ERR_VERIFY, "timestamp.json", "rollback");
	p = (struct ta_updater_prev){ .timestamp_version = 1, .snapshot_version = 2 };
	expect_fail(&o, NOW, &p, TA_ERR_VERIFY, "timestamp.json", "rollback");
	meta = json_pack("{s:{s:i}}", "targets.json", "version", 2);
	p = (struct ta_updater_prev){ .snapshot_meta = meta };
	expect_fail(&o, NOW, &p, TA_ERR_VERIFY, "1.snapshot.json", "targets.json version 1 is lower");
	json_decref(meta);
	meta = json_pack("{s:{s:i}}", "gone.json", "version", 1);
	p = (struct ta_updater_prev){ .snapshot_meta = meta };
	expect_fail(&o, NOW, &p, TA_ERR_VERIFY, "1.snapshot.json", "gone.json is no longer listed");
	json_decref(meta);
	/* The same state again is fine. */
	struct ta_updater_report rep;
	struct trepo repo;
	meta = json_pack("{s:{s:i}, s:{s:i}}", "targets.json", "version", 1, "proj.json",
	    "version", 1);
	p = (struct ta_updater_prev){ .timestamp_version = 1, .snapshot_version = 1,
		.snapshot_meta = meta };
	assert_int_equal(run(&o, NOW, &p, &repo, &rep), 0);
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	json_decref(meta);
	/* A freeze: the timestamp has expired. */
	o.expires = NOW - 1;
	expect_fail(&o, NOW, NULL, TA_ERR_EXPIRED, "timestamp.json", "timestamp v1 expired");
}

/* ---- mismatches ------------------------------------------------------------ */

struct tw {
	const char *role;
	void (*fn)(struct ta_meta *m, int stage);
};

static void
tweak_table(void *arg, const char *role, int64_t v, struct ta_meta *m, int stage)
{
	const struct tw *t = arg;

	(void)v;
	if (strcmp(role, t->role) == 0)
		t->fn(m, stage);
}

static json_t *
snapfm(struct ta_meta *m, const char *key)
{
	return json_object_get(json_object_get(m->signed_v, "meta"), key);
}

static void
ts_version(struct ta_meta *m, int stage)
{
	if (stage == 0)
		assert_int_equal(json_object_set_new(snapfm(m, "snapshot.json"), "version",
				     json_integer(7)), 0);
}

static void
ts_length(struct ta_meta *m, int stage)
{
	json_t *fm = snapfm(m, "snapshot.json");

	if (stage == 0)
		assert_int_equal(json_object_set_new(fm, "length", json_integer(
		    json_integer_value(json_object_get(fm, "length")) + 1)), 0);
}

static void
ts_hash(struct ta_meta *m, int stage)
{
	if (stage == 0)
		assert_int_equal(json_object_set_new(json_object_get(snapfm(m, "snapshot.json"),
		    "hashes"), "sha256", json_string("00000000000000000000000000000000"
						     "00000000000000000000000000000000")), 0);
}

static void
snap_hash(struct ta_meta *m, int stage)
{
	if (stage == 0)
		assert_int_equal(json_object_set_new(json_object_get(snapfm(m, "proj.json"),
		    "hashes"), "sha256", json_string("11111111111111111111111111111111"
						     "11111111111111111111111111111111")), 0);
}

static void
snap_version(struct ta_meta *m, int stage)
{
	if (stage == 0)
		assert_int_equal(json_object_set_new(snapfm(m, "proj.json"), "version",
				     json_integer(2)), 0);
}

static void
snap_drop(struct ta_meta *m, int stage)
{
	if (stage == 0)
		assert_int_equal(json_object_del(json_object_get(m->signed_v, "meta"),
				     "hashed.json"), 0);
}

static void
nightly_outside(struct ta_meta *m, int stage)
{
	struct ta_target_hashes h = { .has_sha256 = true };

	if (stage == 0)
		assert_int_equal(ta_meta_target_add(m, "other/nightly-3", 1, &h, NULL), 0);
}

static void
proj_wide(struct ta_meta *m, int stage)
{
	json_t *e = json_array_get(json_object_get(json_object_get(m->signed_v, "delegations"),
				       "roles"), 0);

	if (stage == 0)
		assert_int_equal(json_object_set_new(e, "paths", json_pack("[s]", "*/nightly-*")),
		    0);
}

static void
expect_tweak(bool consistent, const char *role, void (*fn)(struct ta_meta *, int), int code,
    const char *file, const char *reason)
{
	struct tw t = { role, fn };
	struct trepo_opts o = { .now = NOW, .consistent = consistent, .delegations = true,
		.tweak = tweak_table, .arg = &t };

	expect_fail(&o, NOW, NULL, code, file, reason);
}

static void
test_updater_mismatches(void **state)
{
	(void)state;
	expect_tweak(false, "timestamp", ts_version, TA_ERR_VERIFY, "snapshot.json",
	    "version 1, but timestamp.json lists version 7");
	expect_tweak(true, "timestamp", ts_version, TA_ERR_NOT_FOUND, "7.snapshot.json", "missing");
	expect_tweak(true, "timestamp", ts_length, TA_ERR_VERIFY, "1.snapshot.json",
	    "differ from what timestamp.json lists");
	expect_tweak(false, "timestamp", ts_hash, TA_ERR_VERIFY, "snapshot.json",
	    "differ from what timestamp.json lists");
	expect_tweak(true, "snapshot", snap_hash, TA_ERR_VERIFY, "1.proj.json",
	    "differ from what 1.snapshot.json lists");
	expect_tweak(false, "snapshot", snap_version, TA_ERR_VERIFY, "proj.json",
	    "version 1, but snapshot.json lists version 2");
	expect_tweak(true, "snapshot", snap_drop, TA_ERR_NOT_FOUND, "1.snapshot.json",
	    "does not list hashed.json, delegated by targets");
	/* A target outside its own delegation (test_updater_chain: outside
	 * its parent's). */
	expect_tweak(true, "proj-nightly", nightly_outside, TA_ERR_VERIFY, "1.proj-nightly.json",
	    "\"other/nightly-3\" is outside the paths delegated to proj-nightly");
}

static void
tweak_two(void *arg, const char *role, int64_t v, struct ta_meta *m, int stage)
{
	(void)arg;
	(void)v;
	if (strcmp(role, "proj") == 0)
		proj_wide(m, stage);
	if (strcmp(role, "proj-nightly") == 0)
		nightly_outside(m, stage);
}

static void
test_updater_chain(void **state)
{
	struct trepo_opts o = { .now = NOW, .delegations = true, .tweak = tweak_two };

	(void)state;
	expect_fail(&o, NOW, NULL, TA_ERR_VERIFY, "proj-nightly.json",
	    "\"other/nightly-3\" is outside the paths delegated to proj");
}

static void
test_updater_target_files(void **state)
{
	struct trepo_opts o = { .now = NOW, .consistent = true, .delegations = true };
	struct ta_updater_opts uo = { .now = NOW, .check_targets = true };
	struct ta_updater_report rep;
	struct trepo repo = { 0 };
	char name[128] = "";

	(void)state;
	assert_int_equal(trepo_build(&repo, &K, &o), 0);
	for (size_t i = 0; i < repo.n; i++)
		if (strstr(repo.files[i].name, ".x.tgz") != NULL)
			(void)snprintf(name, sizeof(name), "%s", repo.files[i].name);
	assert_true(name[0] != '\0');
	/* One byte changed: the hash. */
	trepo_get(&repo, name)->data[0] ^= 1;
	assert_int_equal(ta_updater_run(&uo, trepo_fetch, &repo, &rep), TA_ERR_VERIFY);
	assert_string_equal(rep.fail_file, name);
	assert_non_null(strstr(rep.fail_reason, "hash differs"));
	ta_updater_report_free(&rep);
	/* Missing, and not served under its plain name either. */
	assert_int_equal(trepo_remove(&repo, name), 0);
	assert_int_equal(trepo_put(&repo, "targets/proj/x.tgz", (const uint8_t *)"x", 1), 0);
	assert_int_equal(ta_updater_run(&uo, trepo_fetch, &repo, &rep), TA_ERR_NOT_FOUND);
	assert_string_equal(rep.fail_file, name);
	ta_updater_report_free(&rep);
	trepo_free(&repo);
}

/* ---- tolerance ------------------------------------------------------------- */

struct sigtw {
	json_t *extra;      /* signature entries appended to targets */
	bool dup_key;       /* key 1 also listed as keyid "cd..." in root */
	int64_t threshold;  /* targets threshold in root */
	const char *exp_snap, *exp_ts;
};

static const char CDID[] = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

static void
tweak_sigs(void *arg, const char *role, int64_t v, struct ta_meta *m, int stage)
{
	struct sigtw *t = arg;
	json_t *e;
	size_t i;

	(void)v;
	if (strcmp(role, "root") == 0 && stage == 0) {
		json_t *obj = NULL, *ids;

		/* key 4 may sign targets too */
		assert_int_equal(ta_key_to_json(K.k[4], &obj), 0);
		assert_int_equal(ta_meta_root_add_key(m, "targets", ta_key_id(K.k[4]), obj), 0);
		json_decref(obj);
		if (t->dup_key) {
			assert_int_equal(ta_key_to_json(K.k[1], &obj), 0);
			assert_int_equal(ta_meta_root_add_key(m, "targets", CDID, obj), 0);
			json_decref(obj);
		}
		ids = json_object_get(json_object_get(json_object_get(m->signed_v, "roles"),
					  "targets"), "keyids");
		assert_true(json_array_size(ids) >= 2);
		if (t->threshold)
			assert_int_equal(ta_meta_root_set_threshold(m, "targets", t->threshold), 0);
	}
	if (strcmp(role, "targets") == 0 && stage == 1)
		json_array_foreach(t->extra, i, e) {
			json_t *c = json_deep_copy(e);

			if (json_is_true(json_object_get(c, "copy")))
				assert_int_equal(json_object_set(c, "sig", json_object_get(
				    json_array_get(m->signatures, 0), "sig")), 0);
			(void)json_object_del(c, "copy");
			assert_int_equal(json_array_append_new(m->signatures, c), 0);
		}
	if (strcmp(role, "snapshot") == 0 && stage == 0 && t->exp_snap)
		assert_int_equal(json_object_set_new(m->signed_v, "expires",
				     json_string(t->exp_snap)), 0);
	if (strcmp(role, "timestamp") == 0 && stage == 0 && t->exp_ts)
		assert_int_equal(json_object_set_new(m->signed_v, "expires",
				     json_string(t->exp_ts)), 0);
}

static void
test_updater_invalid_sigs_count_not(void **state)
{
	struct sigtw t = { 0 };
	struct trepo_opts o = { .now = NOW, .tweak = tweak_sigs, .arg = &t };
	struct ta_updater_report rep;
	const struct ta_updater_role *e;
	struct trepo repo;

	(void)state;
	t.extra = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
	    "keyid", "abababababababababababababababababababababababababababababababab", "sig", "00",
	    "keyid", ta_key_id(K.k[4]), "sig", "",
	    "keyid", "not-a-key-id", "sig", "zz");
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	e = role(&rep, "targets");
	assert_int_equal(e->res.nsigs, 4);
	assert_int_equal(e->res.nvalid, 1);
	assert_string_equal(e->res.sigs[0].why, "");
	assert_string_equal(e->res.sigs[1].why, "unknown key ID");
	assert_string_equal(e->res.sigs[2].why, "empty sig");
	assert_string_equal(e->res.sigs[3].why, "unknown key ID");
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	json_decref(t.extra);

	/* Not hex, by a key of the role; threshold 2 then fails. */
	t.extra = json_pack("[{s:s, s:s}]", "keyid", ta_key_id(K.k[4]), "sig", "zz");
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	assert_string_equal(role(&rep, "targets")->res.sigs[1].why, "sig is not hex");
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	t.threshold = 2;
	expect_fail(&o, NOW, NULL, TA_ERR_VERIFY, "targets.json", "1 valid signature from distinct "
											  "keys, threshold 2");
	json_decref(t.extra);
}

static void
test_updater_same_key_twice(void **state)
{
	struct sigtw t = { .dup_key = true, .threshold = 2 };
	struct trepo_opts o = { .now = NOW, .tweak = tweak_sigs, .arg = &t };
	struct ta_updater_report rep;
	struct trepo repo;

	(void)state;
	/* One key under two key IDs, both signatures valid: counts once. */
	t.extra = json_pack("[{s:s, s:b}]", "keyid", CDID, "copy", 1);
	expect_fail(&o, NOW, NULL, TA_ERR_VERIFY, "targets.json", "threshold 2");
	t.threshold = 1;
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	assert_int_equal(role(&rep, "targets")->res.nvalid, 1);
	assert_string_equal(role(&rep, "targets")->res.sigs[1].why,
	    "the same key as another signature (counted once)");
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	json_decref(t.extra);
	/* Two entries with the same key ID: the file is refused (tuf-js). */
	t.extra = json_pack("[{s:s, s:b}]", "keyid", ta_key_id(K.k[1]), "copy", 1);
	expect_fail(&o, NOW, NULL, TA_ERR_FORMAT, "targets.json", "a second signature by key ID");
	json_decref(t.extra);
}

static void
test_updater_noncanonical_expires(void **state)
{
	struct sigtw t = { .exp_snap = "2027-02-01T00:00:00.123Z",
		.exp_ts = "2027-02-01T05:00:00+05:00" };
	struct trepo_opts o = { .now = NOW, .consistent = true, .tweak = tweak_sigs, .arg = &t };
	struct ta_updater_report rep;
	struct trepo repo;

	(void)state;
	assert_int_equal(run(&o, NOW, NULL, &repo, &rep), 0);
	assert_false(role(&rep, "snapshot")->expires_canonical);
	assert_false(role(&rep, "timestamp")->expires_canonical);
	assert_true(role(&rep, "targets")->expires_canonical);
	assert_string_equal(role(&rep, "timestamp")->expires, "2027-02-01T05:00:00+05:00");
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	/* 05:00+05:00 is 00:00Z: valid a second before, expired then. */
	assert_int_equal(run(&o, 1801440000 - 1, NULL, &repo, &rep), 0);
	ta_updater_report_free(&rep);
	trepo_free(&repo);
	expect_fail(&o, 1801440000, NULL, TA_ERR_EXPIRED, "timestamp.json", "expired");
}

/* ---- every single-byte change ---------------------------------------------- */

/* Whether offset off of buf lies inside the value of a "sig" member. */
static bool
in_sig(const uint8_t *buf, size_t len, size_t off)
{
	for (size_t i = 0; i + 7 <= len && i < off; i++)
		if (memcmp(buf + i, "\"sig\":\"", 7) == 0) {
			size_t e = i + 7;

			while (e < len && buf[e] != '"')
				e++;
			if (off >= i + 7 && off < e)
				return true;
		}
	return false;
}

/* Every file's bytes are covered: a target file by its hashes, a role file
 * other than timestamp.json and N.root.json by the hashes the snapshot or
 * timestamp lists, and those two by their signatures over canonical
 * "signed".  So every single-byte change is refused, except where the
 * bytes are not signed: the case of a hex letter inside a "sig" value of
 * timestamp.json or a root (the same signature, read case-blind as
 * securesystemslib and tuf-js read it).  tufctl writes compact JSON, so
 * there is no insignificant whitespace to change.  Each byte is changed
 * once, by one of three masks in turn (low bit, ASCII case, high bit):
 * every position, every kind of change, in a time a sanitizer build can
 * afford (each change runs the whole client workflow). */
/* Under ASan each run costs ten times as much: there every seventh byte
 * (a different seventh in each file); the plain build of make check tries
 * them all. */
#if defined(__SANITIZE_ADDRESS__)
#define EVERY_BYTE_STRIDE 7
#else
#define EVERY_BYTE_STRIDE 1
#endif

static void
test_updater_every_byte(void **state)
{
	static const uint8_t flips[] = { 0x01, 0x20, 0x80 };
	struct trepo_opts o = { .now = NOW, .consistent = true, .delegations = true, .nroots = 2 };
	struct ta_updater_opts uo = { .now = NOW, .check_targets = true };
	struct ta_updater_report rep;
	struct trepo repo = { 0 };
	size_t tried = 0, tolerated = 0;

	(void)state;
	assert_int_equal(trepo_build(&repo, &K, &o), 0);
	assert_int_equal(trepo_remove(&repo, "root.json"), 0); /* never fetched */
	assert_int_equal(ta_updater_run(&uo, trepo_fetch, &repo, &rep), 0);
	ta_updater_report_free(&rep);
	for (size_t fi = 0; fi < repo.n; fi++) {
		struct trepo_file *f = &repo.files[fi];
		bool sig_only = strcmp(f->name, "timestamp.json") == 0 ||
		    strstr(f->name, ".root.json") != NULL;

		for (size_t off = fi % EVERY_BYTE_STRIDE; off < f->len; off += EVERY_BYTE_STRIDE) {
			const size_t k = (fi + off) % sizeof(flips);
			uint8_t was = f->data[off];
			int r;

			f->data[off] ^= flips[k];
			r = ta_updater_run(&uo, trepo_fetch, &repo, &rep);
			tried++;
			if (r == 0) {
				bool ok = sig_only && flips[k] == 0x20 &&
				    was >= 'a' && was <= 'f' && in_sig(f->data, f->len, off);

				if (!ok)
					fail_msg("%s: byte %zu ^ 0x%02x still verifies",
					    f->name, off, flips[k]);
				tolerated++;
			}
			ta_updater_report_free(&rep);
			f->data[off] = was;
		}
	}
	assert_true(tried > 5000 / EVERY_BYTE_STRIDE);
	if (EVERY_BYTE_STRIDE == 1)
		assert_true(tolerated > 0); /* the exception exists and was seen */
	trepo_free(&repo);
}

/* ---- helpers ------------------------------------------------------------- */

static void
test_updater_names(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ta_updater_encode_role("a/b c%d", out, sizeof(out)), 0);
	assert_string_equal(out, "a%2Fb%20c%25d");
	assert_int_equal(ta_updater_encode_role("A-z_0.!~*'()", out, sizeof(out)), 0);
	assert_string_equal(out, "A-z_0.!~*'()");
	assert_int_equal(ta_updater_encode_role("\xc3\xa9", out, sizeof(out)), 0);
	assert_string_equal(out, "%C3%A9");
	assert_int_equal(ta_updater_encode_role("////", out, 8), TA_ERR_TOO_LARGE);
	assert_true(ta_updater_target_path_ok("a/b.txt"));
	assert_true(ta_updater_target_path_ok("..a/b"));
	assert_false(ta_updater_target_path_ok("../a"));
	assert_false(ta_updater_target_path_ok("a/./b"));
	assert_false(ta_updater_target_path_ok("/a"));
	assert_false(ta_updater_target_path_ok("a//b"));
	assert_false(ta_updater_target_path_ok("a/"));
	assert_false(ta_updater_target_path_ok(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_updater_delegations),
		cmocka_unit_test(test_updater_bins),
		cmocka_unit_test(test_updater_bins_outside),
		cmocka_unit_test(test_updater_rotation),
		cmocka_unit_test(test_updater_rotation_refused),
		cmocka_unit_test(test_updater_root_expiry),
		cmocka_unit_test(test_updater_rollback),
		cmocka_unit_test(test_updater_mismatches),
		cmocka_unit_test(test_updater_chain),
		cmocka_unit_test(test_updater_target_files),
		cmocka_unit_test(test_updater_invalid_sigs_count_not),
		cmocka_unit_test(test_updater_same_key_twice),
		cmocka_unit_test(test_updater_noncanonical_expires),
		cmocka_unit_test(test_updater_every_byte),
		cmocka_unit_test(test_updater_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
