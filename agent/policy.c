/* Who may do what (agent/policy.h has the rules and the glob semantics). */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/policy.h"
#include "agent/scope.h"
#include "common/err.h"

#define NSS_BUF_MAX ((size_t)1 << 20)  /* a group with many members is big */
#define GROUPS_MAX 65536               /* the kernel's NGROUPS_MAX */
#define QUOTE_MAX 64                   /* bytes of a request string in why */
#define WHY_MAX 512

/* How far a rule got; the checks run in this order. */
enum stage {
	STAGE_OPERATION,
	STAGE_KEYS,
	STAGE_ROLE,
	STAGE_GUN,
	STAGE_SCOPE,
	STAGE_EXPIRY,
	STAGE_PASS
};

/* Operations whose keys make signatures: where scopes bound the request. */
#define SIGNING_OPS (TA_OP_SIGN | TA_OP_KEY_CERT)

/* The peer's groups from NSS, read at most once per check. */
struct peer_groups {
	bool loaded;
	gid_t *gids;
	size_t n;
};

/* ---- NSS ---------------------------------------------------------------- */

/* The getpw*_r / getgr*_r functions want a buffer of a size they do not
 * tell: start at the suggested size and double on ERANGE. */
static size_t
nss_start_size(int name)
{
	long n = sysconf(name);

	return n > 0 && (size_t)n <= NSS_BUF_MAX ? (size_t)n : 1024;
}

static int
grow(char **buf, size_t *size, bool first)
{
	char *nbuf;

	if (!first) {
		if (*size >= NSS_BUF_MAX)
			return TA_ERR_TOO_LARGE;
		*size *= 2;
	}
	nbuf = realloc(*buf, *size);
	if (nbuf == NULL)
		return TA_ERR_NOMEM;
	*buf = nbuf;
	return 0;
}

/* 0, TA_ERR_NOT_FOUND, or another TA_ERR_* when the lookup failed. */
static int
nss_result(int e, const void *res)
{
	if (e != 0) {
		errno = e;
		return TA_ERR_SYSTEM;
	}
	return res != NULL ? 0 : TA_ERR_NOT_FOUND;
}

/* One passwd or group lookup: by user name, by uid, by group name. */
enum nss_by { NSS_PWNAM, NSS_PWUID, NSS_GRNAM };
struct nss_q {
	enum nss_by by;
	const char *name;
	uid_t uid;
	struct passwd pw; /* the answer, its strings in the caller's buffer */
	struct group gr;
};

/* Runs q with a buffer grown until the entry fits; *buf is the caller's to
 * free, whatever the outcome.  0, TA_ERR_NOT_FOUND or another TA_ERR_*. */
static int
nss_get(struct nss_q *q, char **buf)
{
	size_t size =
	    nss_start_size(q->by == NSS_GRNAM ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	struct passwd *pres = NULL;
	struct group *gres = NULL;
	bool first = true;
	int e, r;

	do {
		r = grow(buf, &size, first);
		if (r != 0)
			return r;
		first = false;
		if (q->by == NSS_PWNAM)
			e = getpwnam_r(q->name, &q->pw, *buf, size, &pres);
		else if (q->by == NSS_PWUID)
			e = getpwuid_r(q->uid, &q->pw, *buf, size, &pres);
		else
			e = getgrnam_r(q->name, &q->gr, *buf, size, &gres);
	} while (e == ERANGE);
	return nss_result(e, q->by == NSS_GRNAM ? (const void *)gres : (const void *)pres);
}

/* The uid of a user name (NSS_PWNAM) or the gid of a group name
 * (NSS_GRNAM). */
static int
name_id(enum nss_by by, const char *name, id_t *ret_id)
{
	struct nss_q q = {.by = by, .name = name};
	char *buf = NULL;
	int r = nss_get(&q, &buf);

	if (r == 0)
		*ret_id = by == NSS_GRNAM ? (id_t)q.gr.gr_gid : (id_t)q.pw.pw_uid;
	free(buf);
	return r;
}

/* The groups of uid's user in the group database (getgrouplist), its
 * passwd primary group included. */
static int
user_groups(uid_t uid, gid_t **ret_gids, size_t *ret_n)
{
	struct nss_q q = {.by = NSS_PWUID, .uid = uid};
	char *buf = NULL;
	gid_t *gids = NULL, *ngids;
	int want = 32, have;
	int r;

	if ((r = nss_get(&q, &buf)) != 0)
		goto out;
	for (;;) {
		ngids = realloc(gids, (size_t)want * sizeof(*gids));
		if (ngids == NULL) {
			r = TA_ERR_NOMEM;
			goto out;
		}
		gids = ngids;
		have = want;
		if (getgrouplist(q.pw.pw_name, q.pw.pw_gid, gids, &have) >= 0)
			break;
		/* glibc puts the number needed into have; others may not. */
		want = have > want ? have : want * 2;
		if (want > GROUPS_MAX) {
			r = TA_ERR_TOO_LARGE;
			goto out;
		}
	}
	*ret_gids = gids;
	*ret_n = have > 0 ? (size_t)have : 0;
	gids = NULL;
out:
	free(gids);
	free(buf);
	return r;
}

/* ---- who ---------------------------------------------------------------- */

static bool
names_user(const char *user, const struct ta_peer *peer)
{
	id_t uid;

	return name_id(NSS_PWNAM, user, &uid) == 0 && (uid_t)uid == peer->uid;
}

static bool
names_group(const char *group, const struct ta_peer *peer, struct peer_groups *pg)
{
	id_t id;
	gid_t gid;
	size_t i;

	if (name_id(NSS_GRNAM, group, &id) != 0)
		return false;
	gid = (gid_t)id;
	if (gid == peer->gid)
		return true;
	if (!pg->loaded) {
		pg->loaded = true;
		if (user_groups(peer->uid, &pg->gids, &pg->n) != 0)
			pg->n = 0; /* fails closed: no supplementary groups */
	}
	for (i = 0; i < pg->n; i++) {
		if (pg->gids[i] == gid)
			return true;
	}
	return false;
}

static bool
names_peer(const struct ta_cfg_rule *rule, const struct ta_peer *peer, struct peer_groups *pg)
{
	if (rule->has_uid && rule->uid == peer->uid)
		return true;
	if (rule->has_gid && rule->gid == peer->gid)
		return true;
	if (rule->user[0] != '\0' && names_user(rule->user, peer))
		return true;
	return rule->group[0] != '\0' && names_group(rule->group, peer, pg);
}

/* ---- what --------------------------------------------------------------- */

/* Entry i of a rule's list is base + i * entsize. */
struct globs {
	const char *base;
	size_t entsize;
	size_t n;
};

#define GLOBS_OF(array, count) \
	((struct globs){ .base = (const char *)(array), .entsize = sizeof((array)[0]), \
	    .n = (count) })

static bool
glob_any(struct globs g, const char *s, int flags)
{
	size_t i;

	for (i = 0; i < g.n; i++) {
		if (fnmatch(g.base + i * g.entsize, s, flags) == 0)
			return true;
	}
	return false;
}

static bool
key_fits(struct globs g, const struct ta_policy_key *key)
{
	const size_t n_ids = sizeof(key->ids) / sizeof(key->ids[0]);
	size_t i, j;

	for (i = 0; i < g.n; i++) {
		const char *glob = g.base + i * g.entsize;

		if (key->label != NULL && fnmatch(glob, key->label, 0) == 0)
			return true;
		for (j = 0; j < n_ids && key->ids[j] != NULL; j++) {
			if (fnmatch(glob, key->ids[j], 0) == 0)
				return true;
		}
	}
	return false;
}

/* One of the rule's keys entries, glob-free, is the key's label or ID. */
static bool
key_named(struct globs g, const struct ta_policy_key *key)
{
	const size_t n_ids = sizeof(key->ids) / sizeof(key->ids[0]);

	for (size_t i = 0; i < g.n; i++) {
		const char *e = g.base + i * g.entsize;

		if (!ta_proto_scope_literal(e))
			continue;
		if (key->label != NULL && strcmp(e, key->label) == 0)
			return true;
		for (size_t j = 0; j < n_ids && key->ids[j] != NULL; j++)
			if (strcmp(e, key->ids[j]) == 0)
				return true;
	}
	return false;
}

/* Entry s of a scope lies in the rule's globs: any when the rule has none;
 * else a literal that one of them matches, or one of them verbatim. */
static bool
within(struct globs g, const char *s, int flags)
{
	if (g.n == 0)
		return true;
	for (size_t i = 0; i < g.n; i++)
		if (strcmp(g.base + i * g.entsize, s) == 0)
			return true;
	return ta_proto_scope_literal(s) && glob_any(g, s, flags);
}

/* A request string fit for why: at most QUOTE_MAX bytes, unprintable
 * bytes, quotes and backslashes as '?'. */
static const char *
quote(char dst[QUOTE_MAX + 4], const char *s)
{
	size_t len = strnlen(s, QUOTE_MAX + 1), n = len > QUOTE_MAX ? QUOTE_MAX : len, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			dst[i] = '?';
		else
			dst[i] = s[i];
	}
	if (len > QUOTE_MAX) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
	return dst;
}

/* "a, b, c" into dst, cut to fit. */
static const char *
join(char *dst, size_t dstlen, struct globs g)
{
	size_t i, used = 0;
	int n;

	dst[0] = '\0';
	for (i = 0; i < g.n && used < dstlen; i++) {
		n = snprintf(dst + used, dstlen - used, "%s%s", i > 0 ? ", " : "",
		    g.base + i * g.entsize);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return dst;
}

static const char *
join_ops(char *dst, size_t dstlen, unsigned ops)
{
	size_t used = 0;
	unsigned bit;
	int n;

	dst[0] = '\0';
	if ((ops & TA_OP_ALL) == TA_OP_ALL) {
		(void)snprintf(dst, dstlen, "all");
		return dst;
	}
	for (bit = 1; (bit & TA_OP_ALL) != 0 && used < dstlen; bit <<= 1) {
		if ((ops & bit) == 0)
			continue;
		n = snprintf(dst + used, dstlen - used, "%s%s", used > 0 ? ", " : "",
		    ta_op_name(bit));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return dst;
}

/* "90d", "12h" or "3601s". */
static const char *
duration(char dst[32], int64_t s)
{
	if (s % 86400 == 0)
		(void)snprintf(dst, 32, "%" PRId64 "d", s / 86400);
	else if (s % 3600 == 0)
		(void)snprintf(dst, 32, "%" PRId64 "h", s / 3600);
	else
		(void)snprintf(dst, 32, "%" PRId64 "s", s);
	return dst;
}

/* How far rule gets with req; why it stopped goes into msg. */
static enum stage
check_rule(const struct ta_cfg_rule *rule, const struct ta_policy_req *req, char *msg,
    size_t msglen)
{
	struct globs keys = GLOBS_OF(rule->keys, rule->n_keys);
	struct globs roles = GLOBS_OF(rule->roles, rule->n_roles);
	struct globs guns = GLOBS_OF(rule->guns, rule->n_guns);
	char list[WHY_MAX / 2], q[QUOTE_MAX + 4], d1[32], d2[32];
	int64_t limit, ahead;
	size_t i;

	if ((rule->operations & req->operation) == 0) {
		(void)snprintf(msg, msglen, "rule '%s': operation '%s' not in operations %s",
		    rule->name, ta_op_name(req->operation),
		    join_ops(list, sizeof(list), rule->operations));
		return STAGE_OPERATION;
	}
	for (i = 0; i < req->n_keys; i++) {
		const struct ta_policy_key *k = &req->keys[i];
		const char *name = k->label != NULL ? k->label : k->ids[0];

		if (keys.n > 0 && !key_fits(keys, k)) {
			(void)snprintf(msg, msglen, "rule '%s': key '%s' not in keys %s",
			    rule->name, quote(q, name != NULL ? name : ""),
			    join(list, sizeof(list), keys));
			return STAGE_KEYS;
		}
		if (((req->operation & SIGNING_OPS) != 0 && k->scope == NULL) ||
		    req->operation == TA_OP_KEY_SCOPE) {
			if (key_named(keys, k))
				continue;
			(void)snprintf(msg, msglen,
			    req->operation == TA_OP_KEY_SCOPE
				? "rule '%s': key '%s' is not named exactly in keys (a rule "
				  "changes the scope only of keys it names by label or key ID)"
				: "rule '%s': key '%s' has no scope, and the rule does not name "
				  "it exactly in keys: give the key a scope (tufctl key scope) "
				  "or name it in keys =",
			    rule->name, quote(q, name != NULL ? name : ""));
			return STAGE_KEYS;
		}
	}
	if (req->role != NULL && roles.n > 0 && !glob_any(roles, req->role, FNM_PATHNAME)) {
		(void)snprintf(msg, msglen, "rule '%s': role '%s' not in roles %s", rule->name,
		    quote(q, req->role), join(list, sizeof(list), roles));
		return STAGE_ROLE;
	}
	if (req->gun != NULL && guns.n > 0 && !glob_any(guns, req->gun, 0)) {
		(void)snprintf(msg, msglen, "rule '%s': GUN '%s' not in gun %s", rule->name,
		    quote(q, req->gun), join(list, sizeof(list), guns));
		return STAGE_GUN;
	}
	if (req->new_scope != NULL) {
		const struct ta_proto_scope *ns = req->new_scope;

		for (i = 0; i < ns->n_guns; i++) {
			if (within(guns, ns->guns[i], 0))
				continue;
			(void)snprintf(msg, msglen,
			    "rule '%s': scope GUN '%s' is not within gun %s (give literal GUNs "
			    "or the rule's own patterns)",
			    rule->name, quote(q, ns->guns[i]), join(list, sizeof(list), guns));
			return STAGE_SCOPE;
		}
		for (i = 0; i < ns->n_roles; i++) {
			if (within(roles, ns->roles[i], FNM_PATHNAME))
				continue;
			(void)snprintf(msg, msglen,
			    "rule '%s': scope role '%s' is not within roles %s (give literal "
			    "roles or the rule's own patterns)",
			    rule->name, quote(q, ns->roles[i]), join(list, sizeof(list), roles));
			return STAGE_SCOPE;
		}
	}
	if (req->expires != 0 && rule->max_expiry > 0) {
		if (__builtin_add_overflow((int64_t)req->now, rule->max_expiry, &limit))
			limit = INT64_MAX;
		if ((int64_t)req->expires > limit) {
			if (__builtin_sub_overflow((int64_t)req->expires, (int64_t)req->now,
			    &ahead))
				ahead = INT64_MAX;
			(void)snprintf(msg, msglen,
			    "rule '%s': expires %s from now, over max-expiry %s", rule->name,
			    duration(d1, ahead), duration(d2, rule->max_expiry));
			return STAGE_EXPIRY;
		}
	}
	return STAGE_PASS;
}

static bool
one_operation(unsigned op)
{
	return op != 0 && (op & (op - 1)) == 0 && (op & ~(unsigned)TA_OP_ALL) == 0;
}

static int
malformed(char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "malformed policy request");
	return TA_ERR_INVALID;
}

size_t
ta_policy_warnings(const struct ta_config *cfg, void (*warn)(const char *msg, void *arg), void *arg)
{
	char msg[WHY_MAX], list[WHY_MAX / 2];
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct ta_cfg_rule *rule = &cfg->rules[i];
		struct globs keys = GLOBS_OF(rule->keys, rule->n_keys);
		bool pattern = keys.n == 0;

		if ((rule->operations & SIGNING_OPS) == 0)
			continue;
		for (size_t k = 0; k < keys.n && !pattern; k++)
			pattern = !ta_proto_scope_literal(keys.base + k * keys.entsize);
		if (!pattern)
			continue;
		(void)snprintf(msg, sizeof(msg),
		    "rule '%s' grants %s by key pattern (keys = %s): only keys with a scope "
		    "sign through it; give each key it should use a scope (tufctl key scope "
		    "--label L --gun G --role R) or name the key exactly",
		    rule->name, (rule->operations & TA_OP_SIGN) ? "sign" : "key.cert",
		    keys.n == 0 ? "any" : join(list, sizeof(list), keys));
		warn(msg, arg);
		n++;
	}
	return n;
}

/* Every scoped key covers the request (whoever asks).  0, or
 * TA_ERR_POLICY with why. */
static int
scopes_cover(const struct ta_policy_req *req, char *msg, size_t msglen)
{
	const char *role = req->role;
	enum ta_proto_profile profile = req->profile;
	char q[QUOTE_MAX + 4], q2[QUOTE_MAX + 4], d[WHY_MAX / 2];

	if ((req->operation & SIGNING_OPS) == 0)
		return 0;
	if (req->operation == TA_OP_KEY_CERT) {
		/* A certificate names the GUN only: root, or a delegation's. */
		role = NULL;
		profile = TA_PROTO_PROFILE_NOTARY;
	}
	for (size_t i = 0; i < req->n_keys; i++) {
		const struct ta_policy_key *k = &req->keys[i];
		const struct ta_proto_scope *s = k->scope;
		const char *name = k->label != NULL ? k->label : k->ids[0], *what = NULL;

		if (s == NULL)
			continue;
		quote(q, name != NULL ? name : "");
		if (s->profile != TA_PROTO_PROFILE_NONE && profile != TA_PROTO_PROFILE_NONE &&
		    s->profile != profile)
			what = "profile";
		else if (!glob_any(GLOBS_OF(s->guns, s->n_guns),
			     req->gun != NULL ? req->gun : "", 0))
			what = "GUN"; /* no GUN: only a scope with gun "*" covers it */
		else if (role != NULL && !glob_any(GLOBS_OF(s->roles, s->n_roles), role,
					     FNM_PATHNAME))
			what = "role";
		if (what == NULL)
			continue;
		ta_scope_describe(s, d, sizeof(d));
		if (strcmp(what, "profile") == 0)
			(void)snprintf(msg, msglen, "key '%s' is scoped to %s: not profile %s", q,
			    d, ta_proto_profile_name(profile));
		else if (strcmp(what, "role") == 0)
			(void)snprintf(msg, msglen, "key '%s' is scoped to %s: not role '%s'", q,
			    d, quote(q2, role));
		else if (req->gun == NULL || req->gun[0] == '\0')
			(void)snprintf(msg, msglen,
			    "key '%s' is scoped to %s: the request names no GUN (a scope "
			    "with gun \"*\" covers that)", q, d);
		else
			(void)snprintf(msg, msglen, "key '%s' is scoped to %s: not GUN '%s'", q,
			    d, quote(q2, req->gun));
		return TA_ERR_POLICY;
	}
	return 0;
}

int
ta_policy_check(const struct ta_config *cfg, uid_t agent_uid, const struct ta_peer *peer,
    const struct ta_policy_req *req, char *why, size_t whylen)
{
	struct ta_policy_verdict v;

	if (ta_policy_decide(cfg, agent_uid, peer, req, &v) != 0 && why != NULL && whylen > 0)
		(void)snprintf(why, whylen, "%s", v.why);
	return v.r;
}

int
ta_policy_decide(const struct ta_config *cfg, uid_t agent_uid, const struct ta_peer *peer,
    const struct ta_policy_req *req, struct ta_policy_verdict *v)
{
	struct peer_groups pg = { .loaded = false };
	char best[WHY_MAX] = "", msg[WHY_MAX];
	const size_t whylen = sizeof(v->why);
	char *why = v->why;
	int best_stage = -1;
	bool named = false;
	enum stage st;
	size_t i;
	int r;

	v->rule[0] = '\0';
	v->why[0] = '\0';
	if (cfg == NULL || peer == NULL || req == NULL)
		return v->r = malformed(why, whylen);
	if (!one_operation(req->operation) || (req->n_keys > 0 && req->keys == NULL))
		return v->r = malformed(why, whylen);
	if ((r = scopes_cover(req, why, whylen)) != 0)
		return v->r = r;
	if (peer->uid == agent_uid || peer->uid == 0) {
		(void)snprintf(v->rule, sizeof(v->rule), "default: %s",
		    peer->uid == agent_uid ? "agent uid" : "root");
		return v->r = 0;
	}

	for (i = 0; i < cfg->n_rules; i++) {
		const struct ta_cfg_rule *rule = &cfg->rules[i];

		if (!names_peer(rule, peer, &pg))
			continue;
		named = true;
		st = check_rule(rule, req, msg, sizeof(msg));
		if (st == STAGE_PASS) {
			(void)snprintf(v->rule, sizeof(v->rule), "%s", rule->name);
			r = 0;
			goto out;
		}
		if ((int)st > best_stage) {
			best_stage = (int)st;
			memcpy(best, msg, sizeof(best));
		}
	}
	if (named) {
		r = TA_ERR_POLICY;
	} else {
		r = TA_ERR_NOT_AUTHORIZED;
		(void)snprintf(best, sizeof(best), "no rule names uid %" PRIu32 " gid %" PRIu32,
		    (uint32_t)peer->uid, (uint32_t)peer->gid);
	}
	(void)snprintf(why, whylen, "%s", best);
out:
	free(pg.gids);
	return v->r = r;
}
