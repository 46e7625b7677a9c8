/* agent/budget.c: the memory budget for big frames, per uid and in all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/budget.h"

static void
test_budget_shares(void **state)
{
	struct ta_budget b = {.max = 100, .share = 60};
	struct ta_memacct *a = ta_budget_acct(&b, 1000), *a2 = ta_budget_acct(&b, 1000);
	struct ta_memacct *c = ta_budget_acct(&b, 2000);

	(void)state;
	assert_non_null(a);
	assert_ptr_equal(a, a2); /* one account per uid */
	assert_int_equal(a->refs, 2);
	assert_ptr_not_equal(a, c);
	assert_true(ta_budget_fits(&b, a, 60));
	assert_false(ta_budget_fits(&b, a, 61)); /* over the uid's share */
	ta_budget_take(&b, a, 60);
	assert_false(ta_budget_fits(&b, a, 1));
	/* Another uid has its own share, within what is left of the whole. */
	assert_true(ta_budget_fits(&b, c, 40));
	assert_false(ta_budget_fits(&b, c, 41));
	ta_budget_take(&b, c, 40);
	assert_int_equal(b.used, 100);
	ta_budget_give(&b, a, 60);
	assert_int_equal(b.used, 40);
	assert_int_equal(a->used, 0);
	assert_true(ta_budget_fits(&b, a, 60));
	ta_budget_give(&b, c, 40);
	ta_budget_acct_put(&b, a2);
	assert_int_equal(a->refs, 1);
	ta_budget_acct_put(&b, a);
	ta_budget_acct_put(&b, c);
	assert_null(b.accts);
	ta_budget_acct_put(&b, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
