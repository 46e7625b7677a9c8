/* Who may do what: the [allow] rules of the configuration.
 *
 * Default: the agent's own uid and root may do everything; anyone else
 * only what a rule grants.  A request is allowed when one rule matches the
 * peer and grants the operation, and (for the fields the request has) every
 * key, the role, the GUN and the expiry fit that same rule.  Rules only
 * allow; their order does not matter.
 *
 * Who (any one of the rule's fields names the peer):
 *	uid =    the peer's uid (SO_PEERCRED)
 *	gid =    the peer's primary gid (SO_PEERCRED) only; group = also
 *	         covers supplementary groups
 *	user =   getpwnam_r(user)->pw_uid is the peer's uid
 *	group =  getgrnam_r(group)->gr_gid is the peer's primary gid, or one of
 *	         the groups getgrouplist() gives for the peer's user name
 *	         (getpwuid_r of its uid).
 * user = and group = read the NSS databases at each check (files, or sssd /
 * LDAP through nsswitch.conf): membership is what the group database says
 * now, not the peer process's own supplementary groups (a process that
 * dropped a group still matches; a user added to a group matches before a
 * new login), and a remote NSS can block.  A name that does not resolve, or
 * a lookup that fails, names nobody (the check fails closed).
 *
 * What (fnmatch(3) globs; an empty list means any):
 *	keys =   each key's label or any of its key IDs; '*' matches '/' too
 *	         (flags 0); case-sensitive, so write key IDs in lower-case hex
 *	roles =  FNM_PATHNAME: '*' and '?' never match '/'.  targets/ then '*'
 *	         matches "targets/releases" but neither "targets/a/b" (a glob
 *	         needs one '/' and '*' per level of delegation) nor "targets"
 *	gun =    flags 0: registry.example.com/team/ then '*' matches every
 *	         repository under team/, nested ones included
 *	max-expiry  expires - now <= max-expiry (equal is allowed)
 *	operations  the request's TA_OP_* bit is granted
 *
 * Key scopes (agent/scope.h) bound every rule, the default one included:
 *  - sign and key.cert: each key that has a scope must cover the request's
 *    profile, GUN and role (key.cert: profile notary and the GUN; a
 *    certificate names no role: a root's or a delegation's) with
 *    the same globs as gun = and roles =; a request without a GUN is
 *    covered only by a GUN pattern that matches "" ("*").  Nobody, root included, signs outside a
 *    key's scope (root may change the scope first, and that is audited).
 *  - a key without a scope signs through a rule only when the rule names
 *    it exactly (an entry of keys = without glob characters equal to its
 *    label or one of its key IDs); rules with patterns, or no keys = at
 *    all, reach scoped keys only.  The default rule (the agent's uid and
 *    root) may use unscoped keys.
 *  - key.scope (changing a scope) through a rule: the rule names the key
 *    exactly, and the new scope lies in the rule: each GUN and role of it
 *    is a literal the rule's globs match, or one of the rule's own
 *    patterns verbatim (and the profile is given).  key.generate with a
 *    scope: the same for the new key's scope. */
#ifndef TA_AGENT_POLICY_H
#define TA_AGENT_POLICY_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "agent/config.h"
#include "protocol/proto.h"

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
	const struct ta_proto_scope *scope; /* NULL: the key has none */
};

struct ta_policy_req {
	unsigned operation;        /* one TA_OP_* */
	const struct ta_policy_key *keys; /* the resolved keys; n_keys 0 = none */
	size_t n_keys;
	const char *role;          /* NULL when the operation has none */
	const char *gun;           /* NULL when none */
	time_t expires;            /* 0 when none; checked against max-expiry */
	time_t now;
	enum ta_proto_profile profile; /* NONE when the operation has none */
	/* key.generate and key.scope: the scope to be recorded; NULL for none
	 * (key.scope clearing a scope: only the key must be named). */
	const struct ta_proto_scope *new_scope;
};

/* What ta_policy_decide() found. */
struct ta_policy_verdict {
	int r;          /* as ta_policy_check() returns */
	char rule[80];  /* the rule that allowed it: its name, or "default: agent uid" /
			   "default: root"; "" when refused */
	char why[512];  /* the refusal, as ta_policy_check() writes it */
};

/* 0 when allowed.  TA_ERR_NOT_AUTHORIZED when no rule names the peer,
 * TA_ERR_POLICY when rules name it but none allows this request,
 * TA_ERR_INVALID for a malformed request (operation not exactly one TA_OP_*
 * bit, keys NULL with n_keys > 0).  On refusal why (whylen bytes; NULL or
 * 0 for none) says why, naming the closest rule (the one that passed the
 * most checks, in the order operation, keys, role, GUN, expiry; the first
 * of equals) and its failed field:
 *	"rule 'builders': role 'root' not in roles targets, targets/releases"
 * Strings from the request are quoted with unprintable bytes as '?' and cut
 * at 64 bytes.  why is left alone when allowed.  Blocking when rules use
 * user = or group = (NSS); thread-safe. */
int ta_policy_check(const struct ta_config *cfg, uid_t agent_uid, const struct ta_peer *peer,
    const struct ta_policy_req *req, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* Calls warn once for each rule that grants sign or key.cert by key
 * pattern (keys = with a glob, or no keys = at all): such a rule reaches
 * scoped keys only, so an unscoped key an admin meant it to use is refused
 * (tuf-agent --check-config, and the agent at start and on SIGHUP).
 * Returns the number of warnings. */
size_t ta_policy_warnings(const struct ta_config *cfg, void (*warn)(const char *msg, void *arg),
    void *arg);

/* ta_policy_check() that also says which rule allowed the request (for the
 * audit record).  Returns v->r. */
int ta_policy_decide(const struct ta_config *cfg, uid_t agent_uid, const struct ta_peer *peer,
    const struct ta_policy_req *req, struct ta_policy_verdict *v);

#endif
