/* The memory budget for big frames (agent/budget.h). */
#include <stdlib.h>

#include "agent/budget.h"
#include "common/log.h"

struct ta_memacct *
ta_budget_acct(struct ta_budget *b, uid_t uid)
{
	struct ta_memacct *a;

	for (a = b->accts; a != NULL; a = a->next) {
		if (a->uid == uid) {
			a->refs++;
			return a;
		}
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->uid = uid;
	a->refs = 1;
	a->next = b->accts;
	b->accts = a;
	return a;
}

void
ta_budget_acct_put(struct ta_budget *b, struct ta_memacct *a)
{
	struct ta_memacct **pp;

	if (a == NULL || --a->refs > 0)
		return;
	for (pp = &b->accts; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	free(a);
}

bool
ta_budget_fits(const struct ta_budget *b, const struct ta_memacct *a, size_t cost)
{
	return cost <= b->max - b->used && cost <= b->share - a->used;
}

void
ta_budget_take(struct ta_budget *b, struct ta_memacct *a, size_t cost)
{
	b->used += cost;
	a->used += cost;
}

void
ta_budget_give(struct ta_budget *b, struct ta_memacct *a, size_t cost)
{
	if (b->used < cost || a->used < cost) { /* cannot happen: charges are paired */
		log_err("memory budget: %zu given back of %zu charged", cost, b->used);
		abort();
	}
	b->used -= cost;
	a->used -= cost;
}
