/* Unit tests for agent/policy.c: who may do what. */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/config.h"
#include "agent/policy.h"
#include "agent/scope.h"
#include "common/err.h"
#include "tests/tools/configfix.h"
#include "tests/tools/testutil.h"

#define AGENT_UID ((uid_t)4000)
#define NOW ((time_t)1700000000)
#define DAY ((time_t)86400)
#define STRANGER 4242   /* a uid and gid no rule below names */

/* cmocka's skip() jumps out; say so to the analyzers. */
#define SKIP()           \
	do {             \
		skip();  \
		return;  \
	} while (0)

/* ---- helpers ------------------------------------------------------------ */

/* A configuration read from text (which must be valid). */
static struct ta_config *__attribute__((format(printf, 1, 2)))
conf(const char *f, ...)
{
	struct ta_config *cfg = cfg_new();
	va_list ap;
	char *text;

	va_start(ap, f);
	text = tu_vfmt(f, ap);
	va_end(ap);
	ok_n(cfg, text, __LINE__);
	free(text);
	return cfg;
}

static struct ta_peer
peer(uid_t uid, gid_t gid)
{
	struct ta_peer p = { .uid = uid, .gid = gid, .pid = 1234 };

	return p;
}

static struct ta_policy_req
op(unsigned operation)
{
	struct ta_policy_req req = { .operation = operation, .now = NOW };

	return req;
}

/* A sign request with one key (label, and one key ID).  The key's scope
 * covers every GUN and role, so that the rules alone decide (the scope
 * tests below set their own). */
static struct ta_policy_key one_key;
static const struct ta_proto_scope any_scope = {
	.guns = { "*" },
	.n_guns = 1,
	.roles = { "*", "*/*", "*/*/*" },
	.n_roles = 3,
};

static struct ta_policy_req
sign(const char *label, const char *id, const char *role, const char *gun, time_t expires)
{
	struct ta_policy_req req = op(TA_OP_SIGN);

	memset(&one_key, 0, sizeof(one_key));
	one_key.label = label;
	one_key.ids[0] = id;
	one_key.scope = &any_scope;
	req.keys = &one_key;
	req.n_keys = 1;
	req.role = role;
	req.gun = gun;
	req.expires = expires;
	return req;
}

/* Runs the check; want_why NULL: not looked at.  On success why must be
 * untouched. */
static void
check_n(const struct ta_config *cfg, struct ta_peer p, struct ta_policy_req req, int want,
    const char *want_why, int line)
{
	char why[512];
	int r;

	memset(why, '#', sizeof(why));
	why[sizeof(why) - 1] = '\0';
	r = ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why));
	if (r != want || (want != 0 && want_why != NULL && strcmp(why, want_why) != 0))
		print_message("line %d: got %s '%s'\n  want %s '%s'\n", line, ta_errname(r),
		    r != 0 ? why : "", ta_errname(want), want_why != NULL ? want_why : "");
	assert_int_equal(r, want);
	if (want == 0) {
		assert_int_equal(strspn(why, "#"), sizeof(why) - 1);
	} else {
		assert_true(strlen(why) > 0);
		if (want_why != NULL)
			assert_string_equal(why, want_why);
	}
}

#define ALLOWED(cfg, p, req) check_n((cfg), (p), (req), 0, NULL, __LINE__)
#define REFUSED(cfg, p, req, why) check_n((cfg), (p), (req), TA_ERR_POLICY, (why), __LINE__)
#define NOT_NAMED(cfg, p, req) check_n((cfg), (p), (req), TA_ERR_NOT_AUTHORIZED, NULL, __LINE__)

/* A user other than root that exists here, and its passwd entry. */
static bool
some_user(char *name, size_t len, uid_t *uid, gid_t *gid)
{
	static const char *const names[] = { "daemon", "nobody", "bin", "sys" };
	const struct passwd *pw;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pw = getpwnam(names[i]);
		if (pw != NULL && pw->pw_uid != 0 && pw->pw_uid != AGENT_UID &&
		    strlen(pw->pw_name) < len) {
			(void)snprintf(name, len, "%s", pw->pw_name);
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			return true;
		}
	}
	return false;
}

/* A user here with a supplementary group (other than its passwd group) in
 * the group database: its uid, its passwd gid, and that group's gid and
 * name. */
struct supp_user {
	uid_t uid;
	gid_t primary, supp;
	char group[64];
};

static bool
user_with_supplementary_group(struct supp_user *u)
{
	const struct passwd *pw;
	const struct group *gr;
	gid_t gids[256];
	bool found = false;
	int n, i;

	setpwent();
	while (!found && (pw = getpwent()) != NULL) {
		if (pw->pw_uid == 0 || pw->pw_uid == AGENT_UID)
			continue;
		n = (int)(sizeof(gids) / sizeof(gids[0]));
		if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) < 0)
			continue;
		for (i = 0; i < n && !found; i++) {
			if (gids[i] == pw->pw_gid || gids[i] == 0)
				continue;
			gr = getgrgid(gids[i]);
			if (gr == NULL || strlen(gr->gr_name) >= sizeof(u->group))
				continue;
			u->uid = pw->pw_uid;
			u->primary = pw->pw_gid;
			u->supp = gids[i];
			(void)snprintf(u->group, sizeof(u->group), "%s", gr->gr_name);
			found = true;
		}
	}
	endpwent();
	return found;
}

/* DESIGN.md's example rule, for a group that exists here. */
static struct ta_config *
design_policy(const char *group)
{
	return conf("[agent]\n"
		    "socket = /run/tuf-agent/agent.sock\n"
		    "[token \"ci-hsm\"]\n"
		    "module = softhsm2\n"
		    "uri = pkcs11:token=ci-hsm\n"
		    "pin = file:/run/credentials/tuf-agent.service/pin\n"
		    "[allow \"builders\"]\n"
		    "group = %s                         ; and/or uid=, gid=, user=\n"
		    "keys = targets-*                         ; labels or key IDs, globs\n"
		    "roles = targets, targets/*\n"
		    "gun = registry.example.com/team/*\n"
		    "max-expiry = 90d\n"
		    "operations = sign, key.list\n",
	    group);
}

/* ---- the default ---------------------------------------------------------- */

static void
test_agent_policy_default_own_uid_and_root(void **state)
{
	struct ta_config *cfg = conf("; no rules\n");
	unsigned bit;

	(void)state;
	for (bit = 1; bit & TA_OP_ALL; bit <<= 1) {
		ALLOWED(cfg, peer(AGENT_UID, STRANGER), op(bit));
		ALLOWED(cfg, peer(0, STRANGER), op(bit));
	}
	ALLOWED(cfg, peer(AGENT_UID, 0), sign("root", NULL, "root", "any/gun", NOW + 3650 * DAY));
	ALLOWED(cfg, peer(0, 0), sign("x", NULL, "targets/a/b", "x", NOW + 3650 * DAY));
	free(cfg);

	/* Rules do not narrow the default. */
	cfg = conf("[allow \"r\"]\nuid = %u\noperations = status\n", (unsigned)AGENT_UID);
	ALLOWED(cfg, peer(AGENT_UID, STRANGER), op(TA_OP_KEY_GENERATE));
	ALLOWED(cfg, peer(0, STRANGER), sign("k", NULL, "root", NULL, NOW + 36500 * DAY));
	free(cfg);
}

static void
test_agent_policy_default_stranger_refused(void **state)
{
	struct ta_config *cfg = conf("; no rules\n");
	unsigned bit;

	(void)state;
	for (bit = 1; bit & TA_OP_ALL; bit <<= 1)
		check_n(cfg, peer(STRANGER, STRANGER), op(bit), TA_ERR_NOT_AUTHORIZED,
		    "no rule names uid 4242 gid 4242", __LINE__);
	/* Root's group is not root. */
	check_n(cfg, peer(STRANGER, 0), op(TA_OP_STATUS), TA_ERR_NOT_AUTHORIZED,
	    "no rule names uid 4242 gid 0", __LINE__);
	/* Neither is uid_t -1 nor the uid next to the agent's. */
	NOT_NAMED(cfg, peer((uid_t)-1, (gid_t)-1), op(TA_OP_STATUS));
	NOT_NAMED(cfg, peer(AGENT_UID + 1, STRANGER), op(TA_OP_STATUS));
	free(cfg);
}

static void
test_agent_policy_rules_for_others_refused(void **state)
{
	struct ta_config *cfg = conf("[allow \"a\"]\nuid = 1001\noperations = all\n"
				     "[allow \"b\"]\ngid = 1002\noperations = all\n"
				     "[allow \"c\"]\nuser = no-such-user-ta-test\n"
				     "operations = all\n"
				     "[allow \"d\"]\ngroup = no-such-group-ta-test\n"
				     "operations = all\n");

	(void)state;
	check_n(cfg, peer(STRANGER, STRANGER), op(TA_OP_STATUS), TA_ERR_NOT_AUTHORIZED,
	    "no rule names uid 4242 gid 4242", __LINE__);
	/* uid = names a uid, gid = a gid: never the other way round. */
	NOT_NAMED(cfg, peer(1002, STRANGER), op(TA_OP_STATUS));
	NOT_NAMED(cfg, peer(STRANGER, 1001), op(TA_OP_STATUS));
	free(cfg);
}

/* ---- who -------------------------------------------------------------------- */

static void
test_agent_policy_uid_and_gid(void **state)
{
	struct ta_config *cfg = conf("[allow \"u\"]\nuid = 1001\n[allow \"g\"]\ngid = 1002\n");

	(void)state;
	ALLOWED(cfg, peer(1001, STRANGER), op(TA_OP_STATUS));
	ALLOWED(cfg, peer(STRANGER, 1002), op(TA_OP_STATUS));
	ALLOWED(cfg, peer(1001, 1002), op(TA_OP_SIGN));
	free(cfg);
}

static void
test_agent_policy_user(void **state)
{
	char name[64];
	uid_t uid;
	gid_t gid;
	struct ta_config *cfg;

	(void)state;
	if (!some_user(name, sizeof(name), &uid, &gid))
		SKIP();
	cfg = conf("[allow \"u\"]\nuser = %s\n", name);
	ALLOWED(cfg, peer(uid, STRANGER), op(TA_OP_KEY_LIST));
	/* The user's group is not the user. */
	NOT_NAMED(cfg, peer(STRANGER, gid), op(TA_OP_KEY_LIST));
	NOT_NAMED(cfg, peer(uid + 1, STRANGER), op(TA_OP_KEY_LIST));
	free(cfg);
}

static void
test_agent_policy_user_unknown_names_nobody(void **state)
{
	struct ta_config *cfg = conf("[allow \"u\"]\nuser = no-such-user-ta-test\n"
				     "[allow \"v\"]\nuser = %s\n", "0bogus");

	(void)state;
	NOT_NAMED(cfg, peer(STRANGER, STRANGER), op(TA_OP_STATUS));
	NOT_NAMED(cfg, peer(1, 1), op(TA_OP_STATUS));
	free(cfg);
}

static void
test_agent_policy_group_primary(void **state)
{
	const struct group *gr = getgrgid(getgid());
	struct ta_config *cfg;

	(void)state;
	if (gr == NULL)
		SKIP();
	cfg = conf("[allow \"g\"]\ngroup = %s\n", gr->gr_name);
	/* The peer's gid from SO_PEERCRED, whoever the uid is. */
	ALLOWED(cfg, peer(STRANGER, getgid()), op(TA_OP_STATUS));
	NOT_NAMED(cfg, peer(STRANGER, STRANGER), op(TA_OP_STATUS));
	free(cfg);
}

/* The group database decides: the passwd group of the peer's user counts
 * even when the peer runs with another gid. */
static void
test_agent_policy_group_of_users_passwd_entry(void **state)
{
	const struct group *gr = NULL;
	char name[64];
	uid_t uid;
	gid_t gid;
	struct ta_config *cfg;

	(void)state;
	if (!some_user(name, sizeof(name), &uid, &gid) || (gr = getgrgid(gid)) == NULL ||
	    gid == STRANGER)
		SKIP();
	cfg = conf("[allow \"g\"]\ngroup = %s\n", gr->gr_name);
	ALLOWED(cfg, peer(uid, STRANGER), op(TA_OP_STATUS));
	/* A uid without a passwd entry has no groups but its own gid. */
	NOT_NAMED(cfg, peer(STRANGER, STRANGER), op(TA_OP_STATUS));
	free(cfg);
}

static void
test_agent_policy_group_supplementary(void **state)
{
	struct supp_user u;
	struct ta_config *cfg;

	(void)state;
	if (!user_with_supplementary_group(&u))
		SKIP();
	cfg = conf("[allow \"g\"]\ngroup = %s\n", u.group);
	ALLOWED(cfg, peer(u.uid, u.primary), op(TA_OP_STATUS));
	ALLOWED(cfg, peer(u.uid, STRANGER), op(TA_OP_STATUS));
	/* Membership belongs to the user, not to its primary group. */
	NOT_NAMED(cfg, peer(STRANGER, u.primary), op(TA_OP_STATUS));
	free(cfg);
}

/* gid = is the peer's primary gid only; supplementary groups need group =. */
static void
test_agent_policy_gid_ignores_supplementary(void **state)
{
	struct supp_user u;
	struct ta_config *cfg;

	(void)state;
	if (!user_with_supplementary_group(&u))
		SKIP();
	cfg = conf("[allow \"g\"]\ngid = %u\n", (unsigned)u.supp);
	NOT_NAMED(cfg, peer(u.uid, u.primary), op(TA_OP_STATUS));
	ALLOWED(cfg, peer(u.uid, u.supp), op(TA_OP_STATUS));
	free(cfg);
}

static void
test_agent_policy_group_unknown_names_nobody(void **state)
{
	struct ta_config *cfg = conf("[allow \"g\"]\ngroup = no-such-group-ta-test\n");

	(void)state;
	NOT_NAMED(cfg, peer(STRANGER, STRANGER), op(TA_OP_STATUS));
	NOT_NAMED(cfg, peer(1, 1), op(TA_OP_STATUS));
	free(cfg);
}

/* ---- the DESIGN.md example ---------------------------------------------------- */

static void
test_agent_policy_design_example_allows(void **state)
{
	const struct group *gr = getgrgid(getgid());
	struct ta_peer builder = peer(STRANGER, getgid());
	struct ta_config *cfg;

	(void)state;
	if (gr == NULL)
		SKIP();
	cfg = design_policy(gr->gr_name);
	ALLOWED(cfg, builder, sign("targets-ci", NULL, "targets", "registry.example.com/team/app",
	    NOW + 30 * DAY));
	ALLOWED(cfg, builder, sign("targets-ci", NULL, "targets/releases",
	    "registry.example.com/team/app", NOW + 90 * DAY));
	ALLOWED(cfg, builder, sign("targets-", NULL, "targets", "registry.example.com/team/a/b",
	    NOW + 1));
	ALLOWED(cfg, builder, op(TA_OP_KEY_LIST));
	free(cfg);
}

static void
test_agent_policy_design_example_refuses(void **state)
{
	const struct group *gr = getgrgid(getgid());
	struct ta_peer builder = peer(STRANGER, getgid());
	const char *gun = "registry.example.com/team/app";
	struct ta_config *cfg;

	(void)state;
	if (gr == NULL)
		SKIP();
	cfg = design_policy(gr->gr_name);
	REFUSED(cfg, builder, sign("targets-ci", NULL, "root", gun, NOW + DAY),
	    "rule 'builders': role 'root' not in roles targets, targets/*");
	REFUSED(cfg, builder, sign("targets-ci", NULL, "targets/a/b", gun, NOW + DAY),
	    "rule 'builders': role 'targets/a/b' not in roles targets, targets/*");
	REFUSED(cfg, builder, sign("root-key", NULL, "targets", gun, NOW + DAY),
	    "rule 'builders': key 'root-key' not in keys targets-*");
	REFUSED(cfg, builder, sign("targets-ci", NULL, "targets", "registry.example.com/other/app",
	    NOW + DAY), "rule 'builders': GUN 'registry.example.com/other/app' not in gun "
	    "registry.example.com/team/*");
	REFUSED(cfg, builder, sign("targets-ci", NULL, "targets", "registry.example.com/team",
	    NOW + DAY), NULL);
	REFUSED(cfg, builder, sign("targets-ci", NULL, "targets", gun, NOW + 90 * DAY + 1),
	    "rule 'builders': expires 7776001s from now, over max-expiry 90d");
	REFUSED(cfg, builder, op(TA_OP_KEY_GENERATE),
	    "rule 'builders': operation 'key.generate' not in operations key.list, sign");
	REFUSED(cfg, builder, op(TA_OP_UNLOCK), NULL);
	REFUSED(cfg, builder, op(TA_OP_STATUS), NULL);
	NOT_NAMED(cfg, peer(STRANGER, STRANGER), sign("targets-ci", NULL, "targets", gun, NOW));
	free(cfg);
}

/* ---- what -------------------------------------------------------------------- */

static const char id1[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char id2[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
#define KEYS_RULE "[allow \"k\"]\nuid = 1001\nkeys = release-*, 0123456789ab*\n"

static void
test_agent_policy_keys_by_label_and_id(void **state)
{
	struct ta_config *cfg = conf(KEYS_RULE);
	struct ta_policy_key keys[2] = {
		{ .label = "release-2024", .ids = { NULL }, .scope = &any_scope },
		{ .label = "other", .ids = { id2, id1, NULL }, .scope = &any_scope },
	};
	struct ta_policy_req req = op(TA_OP_SIGN);

	(void)state;
	ALLOWED(cfg, peer(1001, 1), sign("release-1", NULL, NULL, NULL, 0));
	ALLOWED(cfg, peer(1001, 1), sign("release-", NULL, NULL, NULL, 0));
	ALLOWED(cfg, peer(1001, 1), sign("ci", id1, NULL, NULL, 0));
	ALLOWED(cfg, peer(1001, 1), sign(NULL, id1, NULL, NULL, 0));
	/* '*' crosses '/' in key globs (flags 0). */
	ALLOWED(cfg, peer(1001, 1), sign("release-a/b", NULL, NULL, NULL, 0));
	/* Every key of the request fits, by label or by any of its IDs. */
	req.keys = keys;
	req.n_keys = 2;
	ALLOWED(cfg, peer(1001, 1), req);
	free(cfg);
}

static void
test_agent_policy_keys_refused(void **state)
{
	struct ta_config *cfg = conf(KEYS_RULE);
	struct ta_policy_key keys[2] = {
		{ .label = "release-2024", .ids = { NULL }, .scope = &any_scope },
		{ .label = "root", .ids = { id2, "01234", NULL }, .scope = &any_scope },
	};
	struct ta_policy_req req = op(TA_OP_SIGN);

	(void)state;
	REFUSED(cfg, peer(1001, 1), sign("Release-1", NULL, NULL, NULL, 0),
	    "rule 'k': key 'Release-1' not in keys release-*, 0123456789ab*");
	REFUSED(cfg, peer(1001, 1), sign("ci", "0123456789AB00", NULL, NULL, 0),
	    "rule 'k': key 'ci' not in keys release-*, 0123456789ab*");
	REFUSED(cfg, peer(1001, 1), sign(NULL, id2, NULL, NULL, 0),
	    "rule 'k': key 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210' "
	    "not in keys release-*, 0123456789ab*");
	REFUSED(cfg, peer(1001, 1), sign(NULL, NULL, NULL, NULL, 0),
	    "rule 'k': key '' not in keys release-*, 0123456789ab*");
	/* One key outside is enough. */
	req.keys = keys;
	req.n_keys = 2;
	REFUSED(cfg, peer(1001, 1), req, "rule 'k': key 'root' not in keys release-*, "
	    "0123456789ab*");
	free(cfg);
}

static void
test_agent_policy_roles(void **state)
{
	struct ta_config *cfg = conf("[allow \"r\"]\nuid = 1001\nroles = targets/*, snapshot, "
				     "targets/*/ci-?\n");

	(void)state;
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets/releases", NULL, 0));
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "snapshot", NULL, 0));
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets/team/ci-a", NULL, 0));
	/* No role in the request: nothing to check. */
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, NULL, NULL, 0));
	ALLOWED(cfg, peer(1001, 1), op(TA_OP_KEY_LIST));
	free(cfg);
}

static void
test_agent_policy_roles_refused(void **state)
{
	struct ta_config *cfg = conf("[allow \"r\"]\nuid = 1001\nroles = targets/*, snapshot, "
				     "targets/*/ci-?\n");
	const char *list = "targets/*, snapshot, targets/*/ci-?";
	char want[256];

	(void)state;
	(void)snprintf(want, sizeof(want), "rule 'r': role 'targets/a/b' not in roles %s", list);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets/a/b", NULL, 0), want);
	(void)snprintf(want, sizeof(want), "rule 'r': role 'targets' not in roles %s", list);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, 0), want);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "root", NULL, 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "Snapshot", NULL, 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "snapshot/x", NULL, 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets/team/ci-ab", NULL, 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets/a/b/ci-a", NULL, 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "", NULL, 0), NULL);
	free(cfg);
}

static void
test_agent_policy_guns(void **state)
{
	struct ta_config *cfg = conf("[allow \"g\"]\nuid = 1001\ngun = registry.example.com/team/*,"
				     " docker.io/library/alpine\n");

	(void)state;
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", "registry.example.com/team/app", 0));
	/* '*' crosses '/' in GUN globs: nested repositories are under team/. */
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", "registry.example.com/team/a/b", 0));
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", "docker.io/library/alpine", 0));
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, 0));
	free(cfg);
}

static void
test_agent_policy_guns_refused(void **state)
{
	struct ta_config *cfg = conf("[allow \"g\"]\nuid = 1001\ngun = registry.example.com/team/*,"
				     " docker.io/library/alpine\n");

	(void)state;
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", "registry.example.com/team", 0),
	    "rule 'g': GUN 'registry.example.com/team' not in gun registry.example.com/team/*, "
	    "docker.io/library/alpine");
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", "registry.example.com/teams/a", 0),
	    NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", "evil.com/registry.example.com/"
	    "team/a", 0), NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", "docker.io/library/alpine2", 0),
	    NULL);
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", "", 0), NULL);
	free(cfg);
}

static void
test_agent_policy_max_expiry_boundary(void **state)
{
	struct ta_config *cfg = conf("[allow \"e\"]\nuid = 1001\nmax-expiry = 90d\n"
				     "[allow \"h\"]\nuid = 1002\nmax-expiry = 3601\n");

	(void)state;
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, NOW + 90 * DAY));
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, NOW + 1));
	/* Already past: never more than the limit. */
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, NOW - DAY));
	/* No expiry in the request: nothing to check. */
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, 0));
	ALLOWED(cfg, peer(1002, 1), sign("k", NULL, "targets", NULL, NOW + 3601));
	free(cfg);

	/* A limit past the end of time_t is no limit. */
	cfg = conf("[allow \"e\"]\nuid = 1001\nmax-expiry = 9223372036854775807\n");
	ALLOWED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, (time_t)INT64_MAX));
	free(cfg);
}

static void
test_agent_policy_max_expiry_refused(void **state)
{
	struct ta_config *cfg = conf("[allow \"e\"]\nuid = 1001\nmax-expiry = 90d\n"
				     "[allow \"h\"]\nuid = 1002\nmax-expiry = 3601\n");

	(void)state;
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, NOW + 90 * DAY + 1),
	    "rule 'e': expires 7776001s from now, over max-expiry 90d");
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, NOW + 91 * DAY),
	    "rule 'e': expires 91d from now, over max-expiry 90d");
	REFUSED(cfg, peer(1002, 1), sign("k", NULL, "targets", NULL, NOW + 3602),
	    "rule 'h': expires 3602s from now, over max-expiry 3601s");
	REFUSED(cfg, peer(1002, 1), sign("k", NULL, "targets", NULL, NOW + 7200),
	    "rule 'h': expires 2h from now, over max-expiry 3601s");
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets", NULL, (time_t)INT64_MAX), NULL);
	free(cfg);
}

static void
test_agent_policy_operations(void **state)
{
	struct ta_config *cfg = conf("[allow \"d\"]\nuid = 1001\n"
				     "[allow \"o\"]\nuid = 1002\noperations = unlock, lock\n"
				     "[allow \"a\"]\nuid = 1003\noperations = all\n");
	unsigned bit;

	(void)state;
	/* The default grant. */
	ALLOWED(cfg, peer(1001, 1), op(TA_OP_SIGN));
	ALLOWED(cfg, peer(1001, 1), op(TA_OP_KEY_LIST));
	ALLOWED(cfg, peer(1001, 1), op(TA_OP_KEY_SHOW));
	ALLOWED(cfg, peer(1001, 1), op(TA_OP_STATUS));
	ALLOWED(cfg, peer(1002, 1), op(TA_OP_UNLOCK));
	ALLOWED(cfg, peer(1002, 1), op(TA_OP_LOCK));
	for (bit = 1; bit & TA_OP_ALL; bit <<= 1)
		ALLOWED(cfg, peer(1003, 1), op(bit));
	free(cfg);
}

static void
test_agent_policy_operations_refused(void **state)
{
	struct ta_config *cfg = conf("[allow \"d\"]\nuid = 1001\n"
				     "[allow \"o\"]\nuid = 1002\noperations = unlock, lock\n");

	(void)state;
	REFUSED(cfg, peer(1001, 1), op(TA_OP_KEY_GENERATE),
	    "rule 'd': operation 'key.generate' not in operations status, key.list, key.show, "
	    "sign, key.attest");
	REFUSED(cfg, peer(1001, 1), op(TA_OP_KEY_CERT), NULL);
	REFUSED(cfg, peer(1001, 1), op(TA_OP_UNLOCK), NULL);
	REFUSED(cfg, peer(1001, 1), op(TA_OP_LOCK), NULL);
	REFUSED(cfg, peer(1002, 1), op(TA_OP_SIGN),
	    "rule 'o': operation 'sign' not in operations unlock, lock");
	REFUSED(cfg, peer(1002, 1), op(TA_OP_STATUS), NULL);
	free(cfg);
}

/* ---- several rules ------------------------------------------------------------ */

static void
test_agent_policy_second_rule_allows(void **state)
{
	struct ta_config *cfg = conf("[allow \"narrow\"]\nuid = 1001\nroles = targets\n"
				     "max-expiry = 1d\n"
				     "[allow \"wide\"]\ngid = 50\nroles = targets/*\n"
				     "max-expiry = 30d\n");

	(void)state;
	ALLOWED(cfg, peer(1001, 50), sign("k", NULL, "targets/x", NULL, NOW + 10 * DAY));
	ALLOWED(cfg, peer(1001, 50), sign("k", NULL, "targets", NULL, NOW + DAY));
	/* Each rule alone: the fields must fit one and the same rule. */
	REFUSED(cfg, peer(1001, 50), sign("k", NULL, "targets", NULL, NOW + 10 * DAY),
	    "rule 'narrow': expires 10d from now, over max-expiry 1d");
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "targets/x", NULL, NOW + DAY),
	    "rule 'narrow': role 'targets/x' not in roles targets");
	free(cfg);
}

/* why names the rule that got furthest; of equals, the first. */
static void
test_agent_policy_why_names_closest_rule(void **state)
{
	struct ta_config *cfg = conf("[allow \"ops\"]\nuid = 1001\noperations = status\n"
				     "[allow \"keys\"]\nuid = 1001\nkeys = a-*\nroles = targets\n"
				     "[allow \"roles\"]\nuid = 1001\nroles = targets\n"
				     "[allow \"roles2\"]\nuid = 1001\nroles = snapshot\n"
				     "[allow \"guns\"]\ngid = 7\ngun = a/*\n");

	(void)state;
	REFUSED(cfg, peer(1001, 1), sign("b", NULL, "root", "x/y", 0),
	    "rule 'roles': role 'root' not in roles targets");
	REFUSED(cfg, peer(1001, 7), sign("a-1", NULL, "root", "x/y", 0),
	    "rule 'guns': GUN 'x/y' not in gun a/*");
	REFUSED(cfg, peer(1001, 1), op(TA_OP_KEY_GENERATE),
	    "rule 'ops': operation 'key.generate' not in operations status");
	free(cfg);
}

static void
test_agent_policy_why_quotes_request_strings(void **state)
{
	struct ta_config *cfg = conf("[allow \"r\"]\nuid = 1001\nroles = targets\n");
	char role[200];

	(void)state;
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, "ro\x01le'\\\n\xc3\xa9", NULL, 0),
	    "rule 'r': role 'ro?le?????" "' not in roles targets");
	memset(role, 'r', sizeof(role) - 1);
	role[sizeof(role) - 1] = '\0';
	REFUSED(cfg, peer(1001, 1), sign("k", NULL, role, NULL, 0),
	    "rule 'r': role 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...' "
	    "not in roles targets");
	free(cfg);
}

static void
test_agent_policy_why_buffer(void **state)
{
	struct ta_config *cfg = conf("[allow \"r\"]\nuid = 1001\nroles = targets\n");
	struct ta_policy_req req = sign("k", NULL, "root", NULL, 0);
	struct ta_peer p = peer(1001, 1);
	char why[8];

	(void)state;
	/* No buffer, an empty one, a short one: the code is the same. */
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, NULL, 0), TA_ERR_POLICY);
	why[0] = 'x';
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, 0), TA_ERR_POLICY);
	assert_int_equal(why[0], 'x');
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_POLICY);
	assert_string_equal(why, "rule 'r");
	free(cfg);
}

static void
test_agent_policy_bad_requests(void **state)
{
	struct ta_config *cfg = conf("[allow \"r\"]\nuid = 1001\n");
	struct ta_policy_req req = op(TA_OP_SIGN);
	struct ta_peer p = peer(AGENT_UID, 1);
	char why[128];

	(void)state;
	/* Programming errors, refused even for the agent's own uid. */
	assert_int_equal(ta_policy_check(NULL, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	assert_string_equal(why, "malformed policy request");
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, NULL, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, NULL, why, sizeof(why)),
	    TA_ERR_INVALID);
	req.operation = 0;
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	req.operation = TA_OP_SIGN | TA_OP_STATUS;
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	req.operation = TA_OP_ALL;
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	req.operation = 1u << 10;
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	req.operation = TA_OP_SIGN;
	req.n_keys = 1;
	req.keys = NULL;
	assert_int_equal(ta_policy_check(cfg, AGENT_UID, &p, &req, why, sizeof(why)),
	    TA_ERR_INVALID);
	free(cfg);
}

/* ---- key scopes ----------------------------------------------------------- */

#define CI_RULE                                                                   \
	"[allow \"ci\"]\nuid = 1001\nkeys = targets-*\nroles = targets, targets/*\n" \
	"gun = registry.example.com/ci/*\noperations = sign, key.cert, key.scope, "   \
	"key.generate\n"

static const struct ta_proto_scope prod_scope = {
	.profile = TA_PROTO_PROFILE_NOTARY,
	.guns = { "registry.example.com/prod/app" },
	.n_guns = 1,
	.roles = { "targets" },
	.n_roles = 1,
};

static struct ta_policy_req
scoped_sign(const char *label, const struct ta_proto_scope *sc, const char *role, const char *gun,
    enum ta_proto_profile profile)
{
	struct ta_policy_req req = sign(label, NULL, role, gun, 0);

	one_key.scope = sc;
	req.profile = profile;
	return req;
}

/* The first attack of issue 10: a CI rule (targets-* for the ci GUNs) claims a ci
 * GUN while naming prod's targets key.  Its scope refuses, whoever asks. */
static void
test_agent_policy_scope_bounds_every_rule(void **state)
{
	struct ta_config *cfg = conf(CI_RULE);
	const char *ci = "registry.example.com/ci/x", *prod = "registry.example.com/prod/app";
	const char *want = "key 'targets-prod' is scoped to notary gun registry.example.com/prod/app; "
			   "roles targets: not GUN 'registry.example.com/ci/x'";

	(void)state;
	REFUSED(cfg, peer(1001, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets", ci, TA_PROTO_PROFILE_NOTARY), want);
	/* The default rule too: nobody signs outside a key's scope. */
	REFUSED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets", ci, TA_PROTO_PROFILE_NOTARY), want);
	REFUSED(cfg, peer(0, 0),
	    scoped_sign("targets-prod", &prod_scope, "targets", ci, TA_PROTO_PROFILE_NOTARY), want);
	/* The second: a delegation rule claiming targets/releases with the
	 * top-level key, and the top-level role with a delegation's key. */
	REFUSED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets/releases", prod,
		TA_PROTO_PROFILE_NOTARY),
	    "key 'targets-prod' is scoped to notary gun registry.example.com/prod/app; roles "
	    "targets: not role 'targets/releases'");
	REFUSED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets", prod, TA_PROTO_PROFILE_TUF),
	    "key 'targets-prod' is scoped to notary gun registry.example.com/prod/app; roles "
	    "targets: not profile tuf");
	ALLOWED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets", prod, TA_PROTO_PROFILE_NOTARY));
	/* Inside its scope the rule still decides: prod is not ci's. */
	REFUSED(cfg, peer(1001, 1),
	    scoped_sign("targets-prod", &prod_scope, "targets", prod, TA_PROTO_PROFILE_NOTARY),
	    "rule 'ci': GUN 'registry.example.com/prod/app' not in gun registry.example.com/ci/*");
	free(cfg);
}

static void
test_agent_policy_scope_patterns_and_no_gun(void **state)
{
	struct ta_config *cfg = conf(CI_RULE);
	struct ta_proto_scope team = {
		.guns = { "registry.example.com/ci/*" },
		.n_guns = 1,
		.roles = { "targets/*" },
		.n_roles = 1,
	};
	struct ta_proto_scope any_gun = team;

	(void)state;
	ALLOWED(cfg, peer(1001, 1),
	    scoped_sign("targets-ci", &team, "targets/releases", "registry.example.com/ci/a",
		TA_PROTO_PROFILE_NOTARY));
	/* Role patterns do not cross '/'. */
	REFUSED(cfg, peer(1001, 1),
	    scoped_sign("targets-ci", &team, "targets/a/b", "registry.example.com/ci/a",
		TA_PROTO_PROFILE_TUF),
	    "key 'targets-ci' is scoped to gun registry.example.com/ci/*; roles targets/*: not "
	    "role 'targets/a/b'");
	/* A tuf request without a GUN: only a scope with gun "*" covers it. */
	REFUSED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-ci", &team, "targets/x", NULL, TA_PROTO_PROFILE_TUF),
	    "key 'targets-ci' is scoped to gun registry.example.com/ci/*; roles targets/*: the "
	    "request names no GUN (a scope with gun \"*\" covers that)");
	(void)snprintf(any_gun.guns[0], sizeof(any_gun.guns[0]), "*");
	ALLOWED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-ci", &any_gun, "targets/x", NULL, TA_PROTO_PROFILE_TUF));
	free(cfg);
}

/* The third attack: a glob rule over a key that has no scope. */
static void
test_agent_policy_unscoped_keys_need_exact_names(void **state)
{
	struct ta_config *cfg =
	    conf(CI_RULE "\n[allow \"exact\"]\nuid = 1002\nkeys = targets-legacy\n"
			 "gun = registry.example.com/legacy\n"
			 "\n[allow \"any\"]\nuid = 1003\ngun = registry.example.com/legacy\n");
	const char *legacy = "registry.example.com/legacy", *ci = "registry.example.com/ci/x";
	struct ta_policy_req req;

	(void)state;
	REFUSED(cfg, peer(1001, 1),
	    scoped_sign("targets-legacy", NULL, "targets", ci, TA_PROTO_PROFILE_NOTARY),
	    "rule 'ci': key 'targets-legacy' has no scope, and the rule does not name it exactly "
	    "in keys: give the key a scope (tufctl key scope) or name it in keys =");
	/* No keys = at all is a pattern too. */
	REFUSED(cfg, peer(1003, 1),
	    scoped_sign("targets-legacy", NULL, "targets", legacy, TA_PROTO_PROFILE_NOTARY),
	    "rule 'any': key 'targets-legacy' has no scope, and the rule does not name it "
	    "exactly in keys: give the key a scope (tufctl key scope) or name it in keys =");
	ALLOWED(cfg, peer(1002, 1),
	    scoped_sign("targets-legacy", NULL, "targets", legacy, TA_PROTO_PROFILE_NOTARY));
	/* The default rule keeps working for keys made before scopes. */
	ALLOWED(cfg, peer(AGENT_UID, 1),
	    scoped_sign("targets-legacy", NULL, "root", ci, TA_PROTO_PROFILE_NOTARY));
	/* Reading keys is not signing: key.show over a pattern is fine. */
	req = scoped_sign("targets-legacy", NULL, NULL, NULL, TA_PROTO_PROFILE_NONE);
	req.operation = TA_OP_KEY_SHOW;
	ALLOWED(cfg, peer(1003, 1), req);
	free(cfg);
}

/* key.cert: a certificate names the GUN (for its root or a delegation):
 * the key's scope must cover that GUN. */
static void
test_agent_policy_scope_key_cert(void **state)
{
	struct ta_config *cfg = conf(CI_RULE);
	struct ta_policy_req req = scoped_sign(
	    "targets-prod", &prod_scope, NULL, "registry.example.com/prod/app", TA_PROTO_PROFILE_NONE);

	(void)state;
	req.operation = TA_OP_KEY_CERT;
	ALLOWED(cfg, peer(AGENT_UID, 1), req);
	req.gun = "registry.example.com/ci/x";
	REFUSED(cfg, peer(AGENT_UID, 1), req,
	    "key 'targets-prod' is scoped to notary gun registry.example.com/prod/app; roles "
	    "targets: not GUN 'registry.example.com/ci/x'");
	REFUSED(cfg, peer(1001, 1), req, NULL);
	free(cfg);
}

/* Changing a scope through a rule: the key named exactly, the scope in
 * the rule. */
static void
test_agent_policy_scope_changes(void **state)
{
	struct ta_config *cfg =
	    conf(CI_RULE "\n[allow \"admin-ci\"]\nuid = 1002\nkeys = targets-ci\n"
			 "roles = targets, targets/*\ngun = registry.example.com/ci/*\n"
			 "operations = key.scope\n");
	struct ta_proto_scope ns = {
		.guns = { "registry.example.com/ci/app" },
		.n_guns = 1,
		.roles = { "targets" },
		.n_roles = 1,
	};
	struct ta_policy_req req = scoped_sign("targets-ci", NULL, NULL, NULL, TA_PROTO_PROFILE_NONE);
	struct ta_policy_verdict v;

	(void)state;
	req.operation = TA_OP_KEY_SCOPE;
	req.new_scope = &ns;
	REFUSED(cfg, peer(1001, 1), req,
	    "rule 'ci': key 'targets-ci' is not named exactly in keys (a rule changes the scope "
	    "only of keys it names by label or key ID)");
	ALLOWED(cfg, peer(1002, 1), req);
	assert_int_equal(ta_policy_decide(cfg, AGENT_UID, &(struct ta_peer){ .uid = 1002 }, &req, &v),
	    0);
	assert_string_equal(v.rule, "admin-ci");
	/* The rule's own pattern verbatim is within it; another is not. */
	(void)snprintf(ns.guns[0], sizeof(ns.guns[0]), "registry.example.com/ci/*");
	ALLOWED(cfg, peer(1002, 1), req);
	(void)snprintf(ns.guns[0], sizeof(ns.guns[0]), "registry.example.com/*");
	REFUSED(cfg, peer(1002, 1), req,
	    "rule 'admin-ci': scope GUN 'registry.example.com/*' is not within gun "
	    "registry.example.com/ci/* (give literal GUNs or the rule's own patterns)");
	(void)snprintf(ns.guns[0], sizeof(ns.guns[0]), "registry.example.com/prod/app");
	REFUSED(cfg, peer(1002, 1), req, NULL);
	(void)snprintf(ns.guns[0], sizeof(ns.guns[0]), "registry.example.com/ci/app");
	(void)snprintf(ns.roles[0], sizeof(ns.roles[0]), "root");
	REFUSED(cfg, peer(1002, 1), req,
	    "rule 'admin-ci': scope role 'root' is not within roles targets, targets/* (give "
	    "literal roles or the rule's own patterns)");
	/* key.generate with a scope: the same containment. */
	req.operation = TA_OP_KEY_GENERATE;
	REFUSED(cfg, peer(1001, 1), req,
	    "rule 'ci': scope role 'root' is not within roles targets, targets/* (give literal "
	    "roles or the rule's own patterns)");
	(void)snprintf(ns.roles[0], sizeof(ns.roles[0]), "targets/releases");
	ALLOWED(cfg, peer(1001, 1), req);
	/* The owner may set anything. */
	(void)snprintf(ns.guns[0], sizeof(ns.guns[0]), "*");
	req.operation = TA_OP_KEY_SCOPE;
	assert_int_equal(ta_policy_decide(cfg, AGENT_UID,
			     &(struct ta_peer){ .uid = AGENT_UID }, &req, &v),
	    0);
	assert_string_equal(v.rule, "default: agent uid");
	free(cfg);
}

static void
count_warning(const char *msg, void *arg)
{
	assert_non_null(strstr(msg, "only keys with a scope sign through it"));
	(*(size_t *)arg)++;
}

static void
test_agent_policy_scope_warnings(void **state)
{
	struct ta_config *cfg =
	    conf(CI_RULE "\n[allow \"exact\"]\nuid = 1002\nkeys = targets-legacy, 0123abcd\n"
			 "\n[allow \"any\"]\nuid = 1003\n"
			 "\n[allow \"readers\"]\nuid = 1004\nkeys = *\noperations = key.list\n");
	size_t n = 0;

	(void)state;
	/* ci (a pattern) and any (no keys =); not exact, not readers. */
	assert_int_equal(ta_policy_warnings(cfg, count_warning, &n), 2);
	assert_int_equal(n, 2);
	free(cfg);
}

/* ---- the scope store -------------------------------------------------------- */

static char *
scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	char *d;

	(void)snprintf(path, sizeof(path), "%s/ta-scope-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	d = mkdtemp(path);
	assert_non_null(d);
	return strdup(d);
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
test_agent_scope_store(void **state)
{
	char *dir = scratch_dir(), sub[PATH_MAX], file[PATH_MAX + 16], err[512];
	struct ta_scopes *st = NULL;
	struct ta_proto_scope got, u;
	struct stat sb;

	(void)state;
	(void)snprintf(sub, sizeof(sub), "%s/state", dir);
	(void)snprintf(file, sizeof(file), "%s/scopes.json", sub);
	/* Made 0700 when missing; empty. */
	assert_int_equal(ta_scopes_open(sub, &st, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(ta_scopes_get(st, ID_A, &got), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_scopes_put(st, ID_A, "targets-prod", &prod_scope), 0);
	assert_int_equal(ta_scopes_put(st, ID_B, "other", &any_scope), 0);
	assert_int_equal(ta_scopes_get(st, ID_A, &got), 0);
	assert_memory_equal(&got, &prod_scope, sizeof(got));
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	ta_scopes_free(st);
	/* Read back from the file. */
	assert_int_equal(ta_scopes_open(sub, &st, err, sizeof(err)), 0);
	assert_int_equal(ta_scopes_get(st, ID_A, &got), 0);
	assert_memory_equal(&got, &prod_scope, sizeof(got));
	assert_int_equal(ta_scopes_get(st, ID_B, &got), 0);
	assert_int_equal(got.n_roles, 3);
	/* Removing. */
	assert_int_equal(ta_scopes_put(st, ID_A, "targets-prod", NULL), 0);
	assert_int_equal(ta_scopes_get(st, ID_A, &got), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_scopes_put(st, "short", "x", &prod_scope), TA_ERR_INVALID);
	ta_scopes_free(st);
	assert_int_equal(ta_scopes_open(sub, &st, err, sizeof(err)), 0);
	assert_int_equal(ta_scopes_get(st, ID_A, &got), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_scopes_get(st, ID_B, &got), 0);
	ta_scopes_free(st);
	/* Union. */
	assert_int_equal(ta_scope_union(&prod_scope, &prod_scope, &u), 0);
	assert_memory_equal(&u, &prod_scope, sizeof(u));
	assert_int_equal(ta_scope_union(&prod_scope, &any_scope, &u), TA_ERR_INVALID);
	u = any_scope;
	u.profile = TA_PROTO_PROFILE_NOTARY;
	assert_int_equal(ta_scope_union(&prod_scope, &u, &u), 0);
	assert_int_equal(u.n_guns, 2);
	assert_int_equal(u.n_roles, 4);
	(void)unlink(file);
	(void)rmdir(sub);
	(void)rmdir(dir);
	free(dir);
}

/* A store the agent cannot trust or read: it does not start on it. */
static void
test_agent_scope_store_refused(void **state)
{
	static const char *const bad[] = {
		"",                                   /* truncated */
		"{\"version\":1,\"keys\":{}",         /* truncated */
		"{\"version\":2,\"keys\":{}}",        /* wrong version */
		"{\"version\":1,\"keys\":[]}",        /* wrong type */
		"{\"version\":1,\"keys\":{}} x",      /* trailing bytes */
		"{\"version\":1,\"keys\":{},\"k\":1}", /* unknown member */
		"{\"version\":1,\"version\":1,\"keys\":{}}", /* duplicate */
		"{\"version\":1,\"keys\":{\"abc\":{\"label\":\"x\",\"scope\":"
		"{\"guns\":[\"a\"],\"roles\":[\"b\"]}}}}", /* not a key ID */
		"{\"version\":1,\"keys\":{\"" ID_A "\":{\"label\":\"x\",\"scope\":"
		"{\"guns\":[],\"roles\":[\"b\"]}}}}", /* empty list */
		"{\"version\":1,\"keys\":{\"" ID_A "\":{\"label\":\"x\",\"scope\":"
		"{\"guns\":[\"a\xff\"],\"roles\":[\"b\"]}}}}", /* invalid UTF-8 */
		"{\"version\":1,\"keys\":{\"" ID_A "\":{\"label\":\"x\",\"scope\":"
		"{\"guns\":[\"a\"],\"roles\":[\"b\"],\"x\":1}}}}", /* unknown member */
	};
	char *dir = scratch_dir(), file[PATH_MAX + 16], err[512];
	struct ta_scopes *st = NULL;

	(void)state;
	(void)snprintf(file, sizeof(file), "%s/scopes.json", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(file, bad[i], 0600);
		err[0] = '\0';
		if (ta_scopes_open(dir, &st, err, sizeof(err)) == 0)
			print_message("bad[%zu] was accepted\n", i);
		assert_null(st);
		assert_true(strlen(err) > 0);
	}
	/* Writable by others: refused, whatever it says. */
	write_text(file, "{\"version\":1,\"keys\":{}}", 0622);
	assert_int_equal(ta_scopes_open(dir, &st, err, sizeof(err)), TA_ERR_NOT_AUTHORIZED);
	assert_non_null(strstr(err, "writable by group or others"));
	write_text(file, "{\"version\":1,\"keys\":{}}", 0600);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(ta_scopes_open(dir, &st, err, sizeof(err)), TA_ERR_NOT_AUTHORIZED);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(ta_scopes_open(dir, &st, err, sizeof(err)), 0);
	ta_scopes_free(st);
	(void)unlink(file);
	(void)rmdir(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_policy_default_own_uid_and_root),
		cmocka_unit_test(test_agent_policy_default_stranger_refused),
		cmocka_unit_test(test_agent_policy_rules_for_others_refused),
		cmocka_unit_test(test_agent_policy_uid_and_gid),
		cmocka_unit_test(test_agent_policy_user),
		cmocka_unit_test(test_agent_policy_user_unknown_names_nobody),
		cmocka_unit_test(test_agent_policy_group_primary),
		cmocka_unit_test(test_agent_policy_group_of_users_passwd_entry),
		cmocka_unit_test(test_agent_policy_group_supplementary),
		cmocka_unit_test(test_agent_policy_gid_ignores_supplementary),
		cmocka_unit_test(test_agent_policy_group_unknown_names_nobody),
		cmocka_unit_test(test_agent_policy_design_example_allows),
		cmocka_unit_test(test_agent_policy_design_example_refuses),
		cmocka_unit_test(test_agent_policy_keys_by_label_and_id),
		cmocka_unit_test(test_agent_policy_keys_refused),
		cmocka_unit_test(test_agent_policy_roles),
		cmocka_unit_test(test_agent_policy_roles_refused),
		cmocka_unit_test(test_agent_policy_guns),
		cmocka_unit_test(test_agent_policy_guns_refused),
		cmocka_unit_test(test_agent_policy_max_expiry_boundary),
		cmocka_unit_test(test_agent_policy_max_expiry_refused),
		cmocka_unit_test(test_agent_policy_operations),
		cmocka_unit_test(test_agent_policy_operations_refused),
		cmocka_unit_test(test_agent_policy_second_rule_allows),
		cmocka_unit_test(test_agent_policy_why_names_closest_rule),
		cmocka_unit_test(test_agent_policy_why_quotes_request_strings),
		cmocka_unit_test(test_agent_policy_why_buffer),
		cmocka_unit_test(test_agent_policy_bad_requests),
		cmocka_unit_test(test_agent_policy_scope_bounds_every_rule),
		cmocka_unit_test(test_agent_policy_scope_patterns_and_no_gun),
		cmocka_unit_test(test_agent_policy_unscoped_keys_need_exact_names),
		cmocka_unit_test(test_agent_policy_scope_key_cert),
		cmocka_unit_test(test_agent_policy_scope_changes),
		cmocka_unit_test(test_agent_policy_scope_warnings),
		cmocka_unit_test(test_agent_scope_store),
		cmocka_unit_test(test_agent_scope_store_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
