/* Who may do what: the [allow] rules of the configuration.
 *
 * Default: the agent's own uid and root may do everything; anyone else
 * only what a rule grants.  A request is allowed when one rule matches the
 * peer and grants the operation, and (for the fields the request has) every
 * key, the role, the GUN and the expiry fit that same rule. */
#ifndef TA_AGENT_POLICY_H
#define TA_AGENT_POLICY_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "agent/config.h"

struct ta_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

/* A key as the policy sees it: a rule's "keys" glob matches the label or
 * any of its key IDs (notary and tuf IDs differ for one key). */
struct ta_policy_key {
	const char *label;
	const char *ids[3];        /* NULL-terminated early when fewer */
};

struct ta_policy_req {
	unsigned operation;        /* one TA_OP_* */
	const struct ta_policy_key *keys; /* the resolved keys; n_keys 0 = none */
	size_t n_keys;
	const char *role;          /* NULL when the operation has none */
	const char *gun;           /* NULL when none */
	time_t expires;            /* 0 when none; checked against max-expiry */
	time_t now;
};

/* 0 when allowed.  TA_ERR_NOT_AUTHORIZED when no rule names the peer,
 * TA_ERR_POLICY when rules name it but none allows this request; why
 * ("rule 'builders': role 'root' is not in roles") goes into why. */
int ta_policy_check(const struct ta_config *cfg, uid_t agent_uid, const struct ta_peer *peer,
    const struct ta_policy_req *req, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
