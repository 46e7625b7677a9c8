/* The [allow] rules in force, as one immutable, reference-counted set.
 *
 * SIGHUP makes a new set and swaps it in (loop thread, main.c); each
 * request holds a reference to the set it arrived under and is judged by
 * it throughout, so that its policy checks can run on a worker (signjob.c
 * checks the keys, their scopes and the expiry there, beside the
 * signature) without a lock, and a reload never changes the rules under a
 * check.  Dropping a reference is thread-safe. */
#ifndef TA_AGENT_RULES_H
#define TA_AGENT_RULES_H

#include <stdatomic.h>

#include "agent/config.h"

struct ta_rules {
	atomic_uint refs;
	const struct ta_config *cfg; /* only its rules are read */
	struct ta_config *owned;     /* freed with the set; NULL: the start-up cfg */
};

/* A set of one reference over cfg's rules; owned (cfg or NULL) is freed with
 * it.  NULL on OOM. */
struct ta_rules *ta_rules_new(const struct ta_config *cfg, struct ta_config *owned);

/* Another reference (any thread). */
struct ta_rules *ta_rules_ref(struct ta_rules *rules);

/* NULL is a no-op; the last reference frees the set (any thread). */
void ta_rules_unref(struct ta_rules *rules);

#endif
