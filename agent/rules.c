/* The [allow] rules in force (agent/rules.h). */
#include <stdlib.h>

#include "agent/rules.h"

struct ta_rules *
ta_rules_new(const struct ta_config *cfg, struct ta_config *owned)
{
	struct ta_rules *rules = calloc(1, sizeof(*rules));

	if (rules == NULL)
		return NULL;
	atomic_init(&rules->refs, 1);
	rules->cfg = cfg;
	rules->owned = owned;
	return rules;
}

struct ta_rules *
ta_rules_ref(struct ta_rules *rules)
{
	atomic_fetch_add_explicit(&rules->refs, 1, memory_order_relaxed);
	return rules;
}

void
ta_rules_unref(struct ta_rules *rules)
{
	if (rules == NULL || atomic_fetch_sub_explicit(&rules->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(rules->owned);
	free(rules);
}
