/* agent/pincache.c: the PIN kept for keys that want one per signature.
 * A cached PIN serves its own token insertion only, until its time is up,
 * for as many uses as it was given; wipe, expire and a new put replace it;
 * a taken PIN is a copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/pincache.h"
#include "common/err.h"
#include "common/secret.h"

#define T0 1000000LL
#define TTL (15LL * 60 * 1000) /* pin-cache = 15m */

static struct ta_secret *
pin(const char *s)
{
	struct ta_secret *p = ta_secret_from(s, strlen(s));

	assert_non_null(p);
	return p;
}

/* Takes and checks the PIN is want (NULL: none to take). */
static void
take_is(struct ta_pincache *pc, unsigned long gen, long long now, const char *want)
{
	struct ta_secret *got = NULL;
	int r = ta_pincache_take(pc, gen, now, &got);

	if (want == NULL) {
		assert_int_equal(r, TA_ERR_NOT_FOUND);
		assert_null(got);
		return;
	}
	assert_int_equal(r, 0);
	assert_non_null(got);
	assert_int_equal(got->len, strlen(want));
	assert_memory_equal(got->data, want, got->len);
	ta_secret_free(got);
}

static void
test_pincache_ttl_and_generation(void **state)
{
	struct ta_pincache pc;
	struct ta_secret *p = pin("123456");

	(void)state;
	ta_pincache_init(&pc);
	take_is(&pc, 1, T0, NULL);
	assert_int_equal(ta_pincache_put(&pc, p, 1, T0, TTL, 0), 0);
	/* A copy: the caller's own may go. */
	ta_secret_free(p);
	take_is(&pc, 1, T0 + 1, "123456");
	take_is(&pc, 1, T0 + TTL - 1, "123456");
	/* Another insertion of the token: never. */
	take_is(&pc, 2, T0 + 2, NULL);
	/* Time up: gone, and expire says it wiped nothing more. */
	take_is(&pc, 1, T0 + TTL, NULL);
	assert_false(ta_pincache_expire(&pc, T0 + TTL + 1));
	ta_pincache_destroy(&pc);
}

static void
test_pincache_uses(void **state)
{
	struct ta_pincache pc;
	struct ta_secret *p = pin("654321");

	(void)state;
	ta_pincache_init(&pc);
	assert_int_equal(ta_pincache_put(&pc, p, 7, T0, TA_PINCACHE_ONE_USE_MS, 1), 0);
	take_is(&pc, 7, T0, "654321");
	take_is(&pc, 7, T0, NULL); /* one use, then wiped */
	assert_int_equal(ta_pincache_put(&pc, p, 7, T0, TA_PINCACHE_ONE_USE_MS, 2), 0);
	take_is(&pc, 7, T0, "654321");
	take_is(&pc, 7, T0, "654321");
	take_is(&pc, 7, T0, NULL);
	ta_secret_free(p);
	ta_pincache_destroy(&pc);
}

static void
test_pincache_wipe_expire_replace(void **state)
{
	struct ta_pincache pc;
	struct ta_secret *a = pin("111111"), *b = pin("222222");

	(void)state;
	ta_pincache_init(&pc);
	assert_false(ta_pincache_wipe(&pc));
	assert_int_equal(ta_pincache_put(&pc, a, 1, T0, 1000, 0), 0);
	assert_true(ta_pincache_wipe(&pc)); /* lock, removal, a PIN error */
	take_is(&pc, 1, T0, NULL);
	assert_int_equal(ta_pincache_put(&pc, a, 1, T0, 1000, 0), 0);
	assert_int_equal(ta_pincache_put(&pc, b, 1, T0, 1000, 0), 0); /* replaces */
	take_is(&pc, 1, T0, "222222");
	assert_false(ta_pincache_expire(&pc, T0 + 999));
	assert_true(ta_pincache_expire(&pc, T0 + 1000)); /* the watch's round */
	take_is(&pc, 1, T0, NULL);
	/* A refused automatic PIN is remembered until an unlock clears it. */
	assert_false(ta_pincache_refused(&pc));
	ta_pincache_set_refused(&pc, true);
	assert_true(ta_pincache_refused(&pc));
	ta_pincache_set_refused(&pc, false);
	assert_false(ta_pincache_refused(&pc));
	ta_secret_free(a);
	ta_secret_free(b);
	ta_pincache_destroy(&pc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pincache_ttl_and_generation),
		cmocka_unit_test(test_pincache_uses),
		cmocka_unit_test(test_pincache_wipe_expire_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
