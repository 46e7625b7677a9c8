/* Unit tests for tn_check_fresh() (client/notary_walk.c): what tufctl
 * demands of the server's copy of a role against the copy it trusts,
 * without a server.  The files are unsigned (signatures are the update
 * walk's business, checked before this); tests/integration/dct-rollback.sh drives the
 * same rules through tn_fetch against a hostile server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client/notary_walk.h"
#include "common/err.h"
#include "tuf/meta.h"

#define NOW ((time_t)1800000000) /* 2027-01-15 */
#define DAY ((time_t)24 * 3600)

/* One file of role at version, expiring at expires; tag makes two files
 * of the same version differ. */
static void
make(struct tn_state *st, const char *role, int64_t version, time_t expires, const char *tag)
{
	struct ta_target_hashes h = { .has_sha256 = true };
	enum ta_role_type type;
	struct ta_meta *m = NULL;
	struct tn_error e = { .text = "" };
	uint8_t *b = NULL;
	size_t n;

	assert_int_equal(ta_role_type_of(TA_PROFILE_NOTARY, role, &type), 0);
	assert_int_equal(ta_meta_new(TA_PROFILE_NOTARY, type, expires, &m), 0);
	assert_int_equal(ta_meta_set_version(m, version), 0);
	/* The parser holds snapshots and timestamps to naming their files. */
	if (type == TA_ROLE_SNAPSHOT) {
		assert_int_equal(ta_meta_set_file(m, "root", (const uint8_t *)"r", 1, 1), 0);
		assert_int_equal(ta_meta_set_file(m, "targets", (const uint8_t *)"t", 1, 1), 0);
	} else if (type == TA_ROLE_TIMESTAMP) {
		assert_int_equal(ta_meta_set_file(m, "snapshot", (const uint8_t *)"s", 1, 1), 0);
	}
	if (tag != NULL)
		assert_int_equal(ta_meta_target_add(m, tag, 1, &h, NULL), 0);
	assert_int_equal(ta_meta_write(m, &b, &n), 0);
	assert_int_equal(tn_state_put(st, role, b, n, &e), 0);
	ta_meta_free(m);
	free(b);
}

struct pair {
	struct tn_state trusted, got;
	struct tn_error e;
};

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	tn_state_clear(&p->trusted);
	tn_state_clear(&p->got);
	free(p);
	return 0;
}

static int
check(struct pair *p, const char *role, time_t now)
{
	struct tn_file *t = tn_state_get(&p->trusted, role);

	p->e.text[0] = '\0';
	return tn_check_fresh(t, tn_state_get(&p->got, role), now, &p->e);
}

/* ---- versions ------------------------------------------------------------- */

static void
test_notary_repo_first_use_takes_any_version(void **state)
{
	struct pair *p = *state;

	make(&p->got, "targets", 7, NOW + DAY, NULL);
	assert_int_equal(check(p, "targets", NOW), 0);
}

static void
test_notary_repo_higher_version_taken(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "timestamp", 2, NOW + DAY, NULL);
	make(&p->got, "timestamp", 3, NOW + DAY, NULL);
	assert_int_equal(check(p, "timestamp", NOW), 0);
}

static void
test_notary_repo_same_file_taken(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "snapshot", 4, NOW + DAY, NULL);
	make(&p->got, "snapshot", 4, NOW + DAY, NULL);
	assert_int_equal(check(p, "snapshot", NOW), 0);
}

static void
test_notary_repo_lower_version_refused(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "targets", 2, NOW + DAY, NULL);
	make(&p->got, "targets", 1, NOW + DAY, NULL);
	assert_int_equal(check(p, "targets", NOW), TA_ERR_VERIFY);
	assert_non_null(strstr(p->e.text, "the server's targets is version 1, older than the "
					  "trusted version 2: possible rollback attack; refusing"));
}

static void
test_notary_repo_lower_version_refused_without_clock(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "root", 3, NOW + DAY, NULL);
	make(&p->got, "root", 2, NOW + DAY, NULL);
	assert_int_equal(check(p, "root", 0), TA_ERR_VERIFY);
	assert_non_null(strstr(p->e.text, "root is version 2, older than the trusted version 3"));
}

static void
test_notary_repo_delegation_named(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "targets/releases", 5, NOW + DAY, NULL);
	make(&p->got, "targets/releases", 4, NOW + DAY, NULL);
	assert_int_equal(check(p, "targets/releases", NOW), TA_ERR_VERIFY);
	assert_non_null(strstr(p->e.text, "the server's targets/releases is version 4"));
}

static void
test_notary_repo_same_version_other_bytes_refused(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "targets", 2, NOW + DAY, "a");
	make(&p->got, "targets", 2, NOW + DAY, "evil");
	assert_int_equal(check(p, "targets", NOW), TA_ERR_VERIFY);
	assert_non_null(strstr(p->e.text, "the server's targets is version 2, the trusted version, "
					  "but with other content"));
}

static void
test_notary_repo_same_version_same_length_refused(void **state)
{
	struct pair *p = *state;

	/* Same length, one byte apart: the comparison is of bytes. */
	make(&p->trusted, "targets", 2, NOW + DAY, "a");
	make(&p->got, "targets", 2, NOW + DAY, "b");
	assert_int_equal(tn_state_get(&p->trusted, "targets")->len,
	    tn_state_get(&p->got, "targets")->len);
	assert_int_equal(check(p, "targets", NOW), TA_ERR_VERIFY);
}

static void
test_notary_repo_same_version_other_expiry_refused(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "timestamp", 9, NOW + 14 * DAY, NULL);
	make(&p->got, "timestamp", 9, NOW + 13 * DAY, NULL);
	assert_int_equal(check(p, "timestamp", NOW), TA_ERR_VERIFY);
}

/* ---- expiry --------------------------------------------------------------- */

static void
test_notary_repo_expired_refused(void **state)
{
	struct pair *p = *state;

	make(&p->trusted, "timestamp", 2, NOW + DAY, NULL);
	make(&p->got, "timestamp", 3, NOW - DAY, NULL);
	assert_int_equal(check(p, "timestamp", NOW), TA_ERR_EXPIRED);
	assert_non_null(strstr(p->e.text, "the server's timestamp (version 3) expired at "
					  "2027-01-14T08:00:00Z: possible freeze attack"));
}

static void
test_notary_repo_expired_refused_on_first_use(void **state)
{
	struct pair *p = *state;

	make(&p->got, "snapshot", 1, NOW - 1, NULL);
	assert_int_equal(check(p, "snapshot", NOW), TA_ERR_EXPIRED);
	assert_non_null(strstr(p->e.text, "snapshot (version 1) expired at"));
}

static void
test_notary_repo_expiring_now_refused(void **state)
{
	struct pair *p = *state;

	make(&p->got, "targets", 1, NOW, NULL);
	assert_int_equal(check(p, "targets", NOW), TA_ERR_EXPIRED);
}

static void
test_notary_repo_expired_trusted_copy_is_no_matter(void **state)
{
	struct pair *p = *state;

	/* What was trusted may have expired since: only the server's counts. */
	make(&p->trusted, "timestamp", 2, NOW - DAY, NULL);
	make(&p->got, "timestamp", 3, NOW + DAY, NULL);
	assert_int_equal(check(p, "timestamp", NOW), 0);
}

static void
test_notary_repo_no_clock_no_expiry(void **state)
{
	struct pair *p = *state;

	make(&p->got, "targets", 1, NOW - DAY, NULL);
	assert_int_equal(check(p, "targets", 0), 0);
}

static void
test_notary_repo_rollback_said_before_expiry(void **state)
{
	struct pair *p = *state;

	/* An old file is usually expired too; the rollback is the news. */
	make(&p->trusted, "snapshot", 2, NOW + DAY, NULL);
	make(&p->got, "snapshot", 1, NOW - DAY, NULL);
	assert_int_equal(check(p, "snapshot", NOW), TA_ERR_VERIFY);
	assert_non_null(strstr(p->e.text, "older than the trusted version 2"));
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_notary_repo_first_use_takes_any_version),
		T(test_notary_repo_higher_version_taken),
		T(test_notary_repo_same_file_taken),
		T(test_notary_repo_lower_version_refused),
		T(test_notary_repo_lower_version_refused_without_clock),
		T(test_notary_repo_delegation_named),
		T(test_notary_repo_same_version_other_bytes_refused),
		T(test_notary_repo_same_version_same_length_refused),
		T(test_notary_repo_same_version_other_expiry_refused),
		T(test_notary_repo_expired_refused),
		T(test_notary_repo_expired_refused_on_first_use),
		T(test_notary_repo_expiring_now_refused),
		T(test_notary_repo_expired_trusted_copy_is_no_matter),
		T(test_notary_repo_no_clock_no_expiry),
		T(test_notary_repo_rollback_said_before_expiry),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
