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

/* One check of the server's copy of role against the trusted one: each copy's version
 * (0: there is none), expiry and tag (make()), the clock (0: none), the answer wanted and
 * what its text must say (NULL: anything). */
struct fresh_case {
	const char *name;
	const char *role;
	int64_t trusted;
	time_t trusted_expires;
	const char *trusted_tag;
	int64_t got;
	time_t got_expires;
	const char *got_tag;
	time_t now;
	int want;
	const char *said;
};

static struct fresh_case cases[] = {
	/* ---- versions ---- */
	{ "test_notary_repo_first_use_takes_any_version", "targets", 0, 0, NULL,
	    7, NOW + DAY, NULL, NOW, 0, NULL },
	{ "test_notary_repo_higher_version_taken", "timestamp", 2, NOW + DAY, NULL,
	    3, NOW + DAY, NULL, NOW, 0, NULL },
	{ "test_notary_repo_same_file_taken", "snapshot", 4, NOW + DAY, NULL,
	    4, NOW + DAY, NULL, NOW, 0, NULL },
	{ "test_notary_repo_lower_version_refused", "targets", 2, NOW + DAY, NULL,
	    1, NOW + DAY, NULL, NOW, TA_ERR_VERIFY,
	    "the server's targets is version 1, older than the trusted version 2: possible "
	    "rollback attack; refusing" },
	{ "test_notary_repo_lower_version_refused_without_clock", "root", 3, NOW + DAY, NULL,
	    2, NOW + DAY, NULL, 0, TA_ERR_VERIFY,
	    "root is version 2, older than the trusted version 3" },
	{ "test_notary_repo_delegation_named", "targets/releases", 5, NOW + DAY, NULL,
	    4, NOW + DAY, NULL, NOW, TA_ERR_VERIFY,
	    "the server's targets/releases is version 4" },
	{ "test_notary_repo_same_version_other_bytes_refused", "targets", 2, NOW + DAY, "a",
	    2, NOW + DAY, "evil", NOW, TA_ERR_VERIFY,
	    "the server's targets is version 2, the trusted version, but with other content" },
	/* Same length, one byte apart: the comparison is of bytes. */
	{ "test_notary_repo_same_version_same_length_refused", "targets", 2, NOW + DAY, "a",
	    2, NOW + DAY, "b", NOW, TA_ERR_VERIFY, NULL },
	{ "test_notary_repo_same_version_other_expiry_refused", "timestamp", 9, NOW + 14 * DAY,
	    NULL, 9, NOW + 13 * DAY, NULL, NOW, TA_ERR_VERIFY, NULL },
	/* ---- expiry ---- */
	{ "test_notary_repo_expired_refused", "timestamp", 2, NOW + DAY, NULL,
	    3, NOW - DAY, NULL, NOW, TA_ERR_EXPIRED,
	    "the server's timestamp (version 3) expired at 2027-01-14T08:00:00Z: possible "
	    "freeze attack" },
	{ "test_notary_repo_expired_refused_on_first_use", "snapshot", 0, 0, NULL,
	    1, NOW - 1, NULL, NOW, TA_ERR_EXPIRED, "snapshot (version 1) expired at" },
	{ "test_notary_repo_expiring_now_refused", "targets", 0, 0, NULL,
	    1, NOW, NULL, NOW, TA_ERR_EXPIRED, NULL },
	/* What was trusted may have expired since: only the server's counts. */
	{ "test_notary_repo_expired_trusted_copy_is_no_matter", "timestamp", 2, NOW - DAY, NULL,
	    3, NOW + DAY, NULL, NOW, 0, NULL },
	{ "test_notary_repo_no_clock_no_expiry", "targets", 0, 0, NULL,
	    1, NOW - DAY, NULL, 0, 0, NULL },
	/* An old file is usually expired too; the rollback is the news. */
	{ "test_notary_repo_rollback_said_before_expiry", "snapshot", 2, NOW + DAY, NULL,
	    1, NOW - DAY, NULL, NOW, TA_ERR_VERIFY, "older than the trusted version 2" },
};

struct pair {
	const struct fresh_case *c;
	struct tn_state trusted, got;
	struct tn_error e;
};

/* The case comes in *state (cmocka's initial state); the test gets the pair. */
static int
setup(void **state)
{
	const struct fresh_case *c = *state;
	struct pair *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	p->c = c;
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

static void
test_notary_repo_fresh(void **state)
{
	struct pair *p = *state;
	const struct fresh_case *c = p->c;
	struct tn_file *t, *got;
	int r;

	if (c->trusted != 0)
		make(&p->trusted, c->role, c->trusted, c->trusted_expires, c->trusted_tag);
	make(&p->got, c->role, c->got, c->got_expires, c->got_tag);
	t = tn_state_get(&p->trusted, c->role);
	got = tn_state_get(&p->got, c->role);
	/* Tags of one length make files of one length: only the bytes differ. */
	if (c->trusted_tag != NULL && c->got_tag != NULL &&
	    strlen(c->trusted_tag) == strlen(c->got_tag))
		assert_int_equal(t->len, got->len);
	p->e.text[0] = '\0';
	r = tn_check_fresh(t, got, c->now, &p->e);
	if (r != c->want)
		fail_msg("%s: %s, want %s (%s)", c->role, ta_errname(r), ta_errname(c->want),
		    p->e.text);
	if (c->said != NULL && strstr(p->e.text, c->said) == NULL)
		fail_msg("'%s' does not say '%s'", p->e.text, c->said);
}

int
main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];

	/* One cmocka test a case, under the case's name. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, test_notary_repo_fresh, setup,
			teardown, &cases[i] };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
