/* The memory budget for big frames: max-buffer bytes in all and
 * max-buffer-per-uid for each uid, charged by server.c for every request
 * over 64 KiB from the moment it is admitted until its job ends.  One
 * account per uid, shared by that uid's connections and jobs.  Loop thread
 * only. */
#ifndef TA_AGENT_BUDGET_H
#define TA_AGENT_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ta_memacct {
	uid_t uid;
	size_t used;
	unsigned refs;
	struct ta_memacct *next;
};

struct ta_budget {
	size_t max;   /* max-buffer */
	size_t share; /* max-buffer-per-uid, at most max */
	size_t used;
	struct ta_memacct *accts;
};

/* A reference to uid's account, made on first use.  NULL on OOM. */
struct ta_memacct *ta_budget_acct(struct ta_budget *b, uid_t uid);

/* Drops a reference; the account goes with its last.  NULL is a no-op. */
void ta_budget_acct_put(struct ta_budget *b, struct ta_memacct *a);

/* cost fits both the whole budget and a's share. */
bool ta_budget_fits(const struct ta_budget *b, const struct ta_memacct *a, size_t cost);

/* Charges cost to both (the caller checked ta_budget_fits, or admits a
 * request that must be charged anyway). */
void ta_budget_take(struct ta_budget *b, struct ta_memacct *a, size_t cost);

/* Gives back what ta_budget_take charged; a charge given back twice is a
 * bug, and aborts. */
void ta_budget_give(struct ta_budget *b, struct ta_memacct *a, size_t cost);

#endif
