/* tufctl repo delegate, rotate and status (client/repo.h): who signs what. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/agent_api.h"
#include "client/repo.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/bins.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/verify.h"

#define MAX_KEYS 16
#define MAX_PATHS 64

int
tr_cmd_failed(const char *cmd, const struct tn_error *e)
{
	return tufctl_fail("repo %s: %s", cmd, e->text);
}

const char *
tr_cmd_name(const struct tr_repo *repo)
{
	const char *n = json_string_value(json_object_get(repo->config, "name"));

	return n != NULL ? n : repo->dir;
}

/* A key by agent reference, or from a PEM public key file. */
int
tr_cmd_key(const char *cmd, const char *ref, bool file, char keyid[65], json_t **ret)
{
	char who[64];

	(void)snprintf(who, sizeof(who), "repo %s", cmd);
	return tufctl_tuf_key(who, ref, file, keyid, ret);
}

int
tr_cmd_count(const char *cmd, const char *opt, const char *s, int64_t max, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 1 || v > max)
		return tufctl_usage(cmd, "%s wants a whole number from 1 to %lld", opt, (long long)max);
	*ret = v;
	return TUFCTL_OK;
}

struct keyset {
	char ids[MAX_KEYS][65];
	json_t *objs[MAX_KEYS];
	const char *agent_refs[MAX_KEYS]; /* NULL for --pubkey keys */
	size_t n;
};

static void
keyset_free(struct keyset *k)
{
	for (size_t i = 0; i < k->n; i++)
		json_decref(k->objs[i]);
	k->n = 0;
}

static int
keyset_add(struct keyset *k, const char *cmd, const char *ref, bool file)
{
	if (k->n == MAX_KEYS)
		return tufctl_usage(cmd, "at most %d keys", MAX_KEYS);
	if (tr_cmd_key(cmd, ref, file, k->ids[k->n], &k->objs[k->n]) != 0)
		return TUFCTL_FAIL;
	k->agent_refs[k->n] = file ? NULL : ref;
	k->n++;
	return TUFCTL_OK;
}

/* The agent keys of k as a new JSON array of strings. */
static json_t *
keyset_signers(const struct keyset *k)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < k->n; i++)
		if (k->agent_refs[i] != NULL && json_array_append_new(a, json_string(k->agent_refs[i])))
			return json_decref(a), NULL;
	return a;
}

static int
scope_all(const struct keyset *k, const char *name, const char *role)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->agent_refs[i] != NULL &&
		    tufctl_scope_ensure(k->agent_refs[i], "tuf", name, role) != 0)
			return TUFCTL_FAIL;
	return TUFCTL_OK;
}

/* Sets a config map entry: config[map][key] = value (stolen). */
static int
config_set(struct tr_repo *repo, const char *map, const char *key, json_t *value)
{
	json_t *m = json_object_get(repo->config, map);

	if (m == NULL && json_object_set_new(repo->config, map, m = json_object()) != 0) {
		json_decref(value);
		return TA_ERR_NOMEM;
	}
	return json_object_set_new(m, key, value) != 0 ? TA_ERR_NOMEM : 0;
}

/* The keys object of a delegations object, made if needed. */
static json_t *
delegations_of(struct ta_meta *m)
{
	json_t *d = json_object_get(m->signed_v, "delegations");

	if (d == NULL) {
		d = json_pack("{s:{}, s:[]}", "keys", "roles");
		if (d == NULL || json_object_set_new(m->signed_v, "delegations", d) != 0)
			return NULL;
	}
	if (json_object_get(d, "keys") == NULL &&
	    json_object_set_new(d, "keys", json_object()) != 0)
		return NULL;
	return d;
}

/*
 * Records that parent delegates to role (in the config map "parents", or "bins" for succinct
 * bins) and which agent keys sign it, then saves the config.
 */
static int
delegation_record(struct tr_repo *repo, const char *map, const char *role, const char *parent,
    const struct keyset *ks)
{
	struct tn_error e;

	if (config_set(repo, map, role, json_string(parent)) != 0 ||
	    config_set(repo, "signers", role, keyset_signers(ks)) != 0)
		return tufctl_fail("repo delegate: out of memory");
	if (tr_config_save(repo, &e) != 0)
		return tr_cmd_failed("delegate", &e);
	return TUFCTL_OK;
}

static int
stage_bins(struct tr_repo *repo, const char *prefix, unsigned bits, struct tn_error *e)
{
	uint64_t count = (uint64_t)1 << bits;
	char name[TA_ROLE_NAME_MAX + 1];
	int r;

	for (uint64_t i = 0; i < count; i++) {
		struct ta_meta *m = NULL;
		bool staged = false;

		if ((r = ta_bins_name(prefix, bits, (uint32_t)i, name, sizeof(name))) != 0)
			return tn_fail(e, r, "bin name: %s", ta_strerror(r));
		r = tr_load(repo, name, &m, &staged, e);
		if (r == TA_ERR_NOT_FOUND)
			r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TARGETS, repo->now, &m);
		if (r == 0) {
			(void)json_object_del(m->signed_v, "delegations");
			r = tr_stage(repo, name, m, staged, e);
		}
		ta_meta_free(m);
		if (r != 0)
			return r;
	}
	return 0;
}

int
tufctl_repo_delegate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "pubkey", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "threshold", required_argument, NULL, 't' },
		{ "terminating", no_argument, NULL, 'T' },
		{ "from", required_argument, NULL, 'f' },
		{ "bins", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *refs[MAX_KEYS], *paths[MAX_PATHS], *parent = "targets";
	bool is_file[MAX_KEYS], terminating = false;
	size_t n_refs = 0, n_paths = 0;
	int64_t threshold = 1, bins = 0;
	struct keyset ks = { .n = 0 };
	struct tr_repo *repo = NULL;
	struct ta_meta *pm = NULL, *m = NULL;
	struct tn_error e;
	const char *role = NULL;
	bool pstaged, staged;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo delegate"))) != -1) {
		switch (c) {
		case 'k':
		case 'p':
			if (n_refs == MAX_KEYS)
				return tufctl_usage("repo delegate", "at most %d keys", MAX_KEYS);
			is_file[n_refs] = c == 'p';
			refs[n_refs++] = optarg;
			break;
		case 'P':
			if (n_paths == MAX_PATHS)
				return tufctl_usage("repo delegate", "at most %d --path", MAX_PATHS);
			paths[n_paths++] = optarg;
			break;
		case 't':
			if (tr_cmd_count("repo delegate", "--threshold", optarg, MAX_KEYS, &threshold))
				return TUFCTL_USAGE;
			break;
		case 'T':
			terminating = true;
			break;
		case 'f':
			parent = optarg;
			break;
		case 'b':
			if (tr_cmd_count("repo delegate", "--bins", optarg, (int64_t)1 << 20, &bins))
				return TUFCTL_USAGE;
			if (bins < 2 || (bins & (bins - 1)) != 0)
				return tufctl_usage("repo delegate", "--bins wants a power of two (2, 4, "
								    "..., 16384, ...)");
			break;
		case 'h':
			return fputs("see tufctl repo --help\n", stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		default:
			return tufctl_usage("repo delegate", "unknown option");
		}
	}
	if (bins != 0 ? optind != argc - 1 : optind != argc - 2)
		return tufctl_usage("repo delegate", bins != 0 ? "--bins takes DIR only" :
								  "DIR and ROLE are required");
	if (n_refs == 0 || (threshold > (int64_t)n_refs))
		return tufctl_usage("repo delegate", "give at least --threshold keys");
	if (bins == 0 && n_paths == 0)
		return tufctl_usage("repo delegate", "give --path PATTERN (\"*\" for every target)");
	if (bins != 0 && (n_paths > 0 || terminating))
		return tufctl_usage("repo delegate", "bins cover every path and are terminating");
	role = bins != 0 ? "bins" : argv[optind + 1];
	if (bins == 0) {
		enum ta_role_type t;

		if (ta_role_type_of(TA_PROFILE_TUF, role, &t) != 0 || t != TA_ROLE_TARGETS ||
		    strcmp(role, "targets") == 0)
			return tufctl_usage("repo delegate", "'%s' cannot be a delegated role's name",
			    role);
	}
	if (tr_open(argv[optind], false, &repo, &e) != 0)
		return tr_cmd_failed("delegate", &e);
	for (size_t i = 0; i < n_refs; i++)
		if (keyset_add(&ks, "delegate", refs[i], is_file[i]) != 0)
			goto out;
	if (scope_all(&ks, tr_cmd_name(repo), bins != 0 ? "bins-*" : role) != 0)
		goto out;
	if (tr_load(repo, parent, &pm, &pstaged, &e) != 0) {
		ret = tr_cmd_failed("delegate", &e);
		goto out;
	}
	if (bins != 0) {
		json_t *d = delegations_of(pm), *keys, *ids = json_array(), *sr;
		unsigned bitlen = 0;

		while (((int64_t)1 << bitlen) < bins)
			bitlen++;
		if (d == NULL || ids == NULL)
			goto oom;
		if (json_array_size(json_object_get(d, "roles")) > 0) {
			json_decref(ids);
			ret = tufctl_fail("repo delegate: %s delegates by name already; succinct bins "
					  "replace every delegation of a role (TAP 15)",
			    parent);
			goto out;
		}
		keys = json_object_get(d, "keys");
		for (size_t i = 0; i < ks.n; i++)
			if (json_object_set(keys, ks.ids[i], ks.objs[i]) != 0 ||
			    json_array_append_new(ids, json_string(ks.ids[i])) != 0)
				goto oom;
		sr = json_pack("{s:o, s:I, s:I, s:s}", "keyids", ids, "threshold",
		    (json_int_t)threshold, "bit_length", (json_int_t)bitlen, "name_prefix", "bins");
		if (sr == NULL || json_object_set_new(d, "succinct_roles", sr) != 0)
			goto oom;
		(void)json_object_del(d, "roles");
		if (tr_stage(repo, parent, pm, pstaged, &e) != 0 ||
		    stage_bins(repo, "bins", bitlen, &e) != 0) {
			ret = tr_cmd_failed("delegate", &e);
			goto out;
		}
		if ((ret = delegation_record(repo, "bins", "bins", parent, &ks)) != TUFCTL_OK)
			goto out;
		if (!tufctl.json)
			(void)printf("staged %lld bins (bins-%0*x ... bins-%llx) delegated from %s\n",
			    (long long)bins, (int)((bitlen + 3) / 4), 0, (long long)bins - 1, parent);
		ret = TUFCTL_OK;
		goto out;
	}
	{
		const char *ids[MAX_KEYS];
		const json_t *objs[MAX_KEYS];

		if (json_object_get(json_object_get(pm->signed_v, "delegations"), "succinct_roles")) {
			ret = tufctl_fail("repo delegate: %s delegates to succinct bins; it cannot "
					  "delegate by name too (TAP 15)",
			    parent);
			goto out;
		}
		for (size_t i = 0; i < ks.n; i++) {
			ids[i] = ks.ids[i];
			objs[i] = ks.objs[i];
		}
		if ((r = ta_meta_delegation_set(pm, role, ids, objs, ks.n, threshold, paths, n_paths,
			 false, terminating)) != 0) {
			ret = tufctl_fail("repo delegate: %s: %s", role, ta_strerror(r));
			goto out;
		}
	}
	if (tr_stage(repo, parent, pm, pstaged, &e) != 0) {
		ret = tr_cmd_failed("delegate", &e);
		goto out;
	}
	r = tr_load(repo, role, &m, &staged, &e);
	if (r == TA_ERR_NOT_FOUND) {
		r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TARGETS, repo->now, &m);
		if (r == 0)
			(void)json_object_del(m->signed_v, "delegations");
	}
	if (r != 0 || tr_stage(repo, role, m, staged, &e) != 0) {
		ret = tr_cmd_failed("delegate", &e);
		goto out;
	}
	if ((ret = delegation_record(repo, "parents", role, parent, &ks)) != TUFCTL_OK)
		goto out;
	if (!tufctl.json)
		(void)printf("staged the delegation of %s from %s (threshold %lld)\n", role, parent,
		    (long long)threshold);
	ret = TUFCTL_OK;
	goto out;
oom:
	ret = tufctl_fail("repo delegate: out of memory");
out:
	keyset_free(&ks);
	ta_meta_free(pm);
	ta_meta_free(m);
	tr_close(repo);
	return ret;
}

/* ---- rotate ---------------------------------------------------------------------------- */

int
tufctl_repo_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "threshold", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *refs[MAX_KEYS], *role;
	size_t n_refs = 0;
	int64_t threshold = 1;
	struct keyset ks = { .n = 0 };
	struct tr_repo *repo = NULL;
	struct ta_meta *root = NULL, *m = NULL;
	struct tn_error e;
	bool staged, rstaged;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo rotate"))) != -1) {
		if (c == 'k') {
			if (n_refs == MAX_KEYS)
				return tufctl_usage("repo rotate", "at most %d keys", MAX_KEYS);
			refs[n_refs++] = optarg;
		} else if (c == 't') {
			if (tr_cmd_count("repo rotate", "--threshold", optarg, MAX_KEYS, &threshold))
				return TUFCTL_USAGE;
		} else if (c == 'h') {
			return fputs("see tufctl repo --help\n", stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		} else {
			return tufctl_usage("repo rotate", "unknown option");
		}
	}
	if (optind != argc - 2)
		return tufctl_usage("repo rotate", "DIR and ROLE are required");
	if (n_refs == 0 || threshold > (int64_t)n_refs)
		return tufctl_usage("repo rotate", "give at least --threshold --key");
	role = argv[optind + 1];
	if (strcmp(role, "root") != 0 && strcmp(role, "targets") != 0 &&
	    strcmp(role, "snapshot") != 0 && strcmp(role, "timestamp") != 0)
		return tufctl_usage("repo rotate", "ROLE is root, targets, snapshot or timestamp; a "
						   "delegation is rotated with tufctl repo delegate");
	if (tr_open(argv[optind], false, &repo, &e) != 0)
		return tr_cmd_failed("rotate", &e);
	for (size_t i = 0; i < n_refs; i++)
		if (keyset_add(&ks, "rotate", refs[i], false) != 0)
			goto out;
	if (scope_all(&ks, tr_cmd_name(repo), role) != 0)
		goto out;
	if (tr_load(repo, "root", &root, &rstaged, &e) != 0) {
		ret = tr_cmd_failed("rotate", &e);
		goto out;
	}
	/* The role's old keys out, the new ones in. */
	{
		json_t *ids = json_deep_copy(json_object_get(
		    json_object_get(json_object_get(root->signed_v, "roles"), role), "keyids"));
		const json_t *id;
		size_t i;

		json_array_foreach(ids, i, id)
		{
			if ((r = ta_meta_root_remove_key(root, role, json_string_value(id))) != 0) {
				json_decref(ids);
				ret = tufctl_fail("repo rotate: %s", ta_strerror(r));
				goto out;
			}
		}
		json_decref(ids);
	}
	for (size_t i = 0; i < ks.n; i++)
		if ((r = ta_meta_root_add_key(root, role, ks.ids[i], ks.objs[i])) != 0) {
			ret = tufctl_fail("repo rotate: %s", ta_strerror(r));
			goto out;
		}
	if ((r = ta_meta_root_set_threshold(root, role, threshold)) != 0) {
		ret = tufctl_fail("repo rotate: %s", ta_strerror(r));
		goto out;
	}
	if (strcmp(role, "root") == 0 && !rstaged) {
		/* The old root keys sign the new root too. */
		json_t *old = json_deep_copy(tr_signers(repo, "root"));

		if (old == NULL || config_set(repo, "previous_root_signers", "root", old) != 0)
			goto oom;
	}
	if (tr_stage(repo, "root", root, rstaged, &e) != 0) {
		ret = tr_cmd_failed("rotate", &e);
		goto out;
	}
	if (config_set(repo, "signers", role, keyset_signers(&ks)) != 0)
		goto oom;
	if (tr_config_save(repo, &e) != 0) {
		ret = tr_cmd_failed("rotate", &e);
		goto out;
	}
	/* targets is signed anew by its new keys. */
	if (strcmp(role, "targets") == 0 &&
	    (tr_load(repo, "targets", &m, &staged, &e) != 0 ||
		tr_stage(repo, "targets", m, staged, &e) != 0)) {
		ret = tr_cmd_failed("rotate", &e);
		goto out;
	}
	if (!tufctl.json)
		(void)printf("staged root v%lld: %s now signed by %zu key%s, threshold %lld\n",
		    (long long)ta_meta_version(root), role, ks.n, ks.n == 1 ? "" : "s",
		    (long long)threshold);
	ret = TUFCTL_OK;
	goto out;
oom:
	ret = tufctl_fail("repo rotate: out of memory");
out:
	keyset_free(&ks);
	ta_meta_free(root);
	ta_meta_free(m);
	tr_close(repo);
	return ret;
}

/* ---- status ----------------------------------------------------------------------------- */

static int
role_status(struct tr_repo *repo, const char *role, bool is_staged, json_t *out_roles)
{
	struct ta_meta *m = NULL, *root = NULL;
	struct ta_verify_result vr;
	struct tn_error e;
	bool staged, rstaged;
	time_t exp = 0;
	char when[21];
	json_t *o;
	int r;

	if ((r = tr_load(repo, role, &m, &staged, &e)) != 0)
		return r;
	if (ta_meta_expires(m, &exp) != 0)
		exp = 0;
	ta_time_format(exp, when);
	o = json_pack("{s:s, s:I, s:s, s:b, s:b}", "role", role, "version",
	    (json_int_t)ta_meta_version(m), "expires", when, "staged", is_staged, "expired",
	    exp < repo->now);
	if (o == NULL) {
		ta_meta_free(m);
		return TA_ERR_NOMEM;
	}
	if (tr_load(repo, "root", &root, &rstaged, &e) == 0) {
		const json_t *keys = NULL, *entry = NULL;

		if (strcmp(role, "root") == 0 || strcmp(role, "targets") == 0 ||
		    strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0) {
			keys = json_object_get(root->signed_v, "keys");
			entry = json_object_get(json_object_get(root->signed_v, "roles"), role);
		}
		if (entry != NULL) {
			json_t *missing = json_array();
			const json_t *id;
			size_t i, k;

			if (ta_verify_signatures(m, keys, entry, &vr) != 0 && vr.nvalid >= (size_t)vr.threshold)
				vr.nvalid = 0; /* malformed: nothing counts */
			json_array_foreach(json_object_get(entry, "keyids"), i, id)
			{
				bool have = false;

				for (k = 0; k < vr.nsigs; k++)
					have |= vr.sigs[k].result == 0 &&
						strcmp(vr.sigs[k].keyid, json_string_value(id)) == 0;
				if (!have)
					(void)json_array_append(missing, (json_t *)(uintptr_t)id);
			}
			(void)json_object_set_new(o, "signatures", json_integer((json_int_t)vr.nvalid));
			(void)json_object_set_new(o, "threshold", json_integer(vr.threshold));
			(void)json_object_set_new(o, "missing", missing);
		}
	}
	ta_meta_free(root);
	ta_meta_free(m);
	return json_array_append_new(out_roles, o) != 0 ? TA_ERR_NOMEM : 0;
}

int
tufctl_repo_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const top[] = { "root", "targets", "snapshot", "timestamp" };
	struct tr_repo *repo = NULL;
	json_t *staged = NULL, *roles = NULL, *out = NULL;
	struct tn_error e;
	const json_t *v;
	size_t i;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo status"))) != -1) {
		if (c == 'j')
			tufctl.json = true;
		else if (c == 'h')
			return fputs("see tufctl repo --help\n", stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		else
			return tufctl_usage("repo status", "unknown option");
	}
	if (optind != argc - 1)
		return tufctl_usage("repo status", "one DIR is required");
	if ((roles = json_array()) == NULL)
		return tufctl_fail("repo status: out of memory");
	if (tr_open(argv[optind], false, &repo, &e) != 0) {
		json_decref(roles);
		return tr_cmd_failed("status", &e);
	}
	if ((r = tr_staged_roles(repo, &staged, &e)) != 0) {
		ret = tr_cmd_failed("status", &e);
		goto out;
	}
	for (i = 0; i < 4; i++) {
		bool is_staged = false;

		json_array_foreach(staged, c, v) is_staged |= strcmp(json_string_value(v), top[i]) == 0;
		r = role_status(repo, top[i], is_staged, roles);
		if (r != 0 && r != TA_ERR_NOT_FOUND)
			goto fail;
	}
	json_array_foreach(staged, i, v)
	{
		const char *n = json_string_value(v);

		if (strcmp(n, "root") == 0 || strcmp(n, "targets") == 0)
			continue;
		if ((r = role_status(repo, n, true, roles)) != 0 && r != TA_ERR_NOT_FOUND)
			goto fail;
	}
	out = json_pack("{s:s, s:b, s:O, s:O}", "repository", repo->dir, "consistent_snapshot",
	    repo->consistent, "staged", staged, "roles", roles);
	if (out == NULL)
		goto fail;
	if (tufctl.json) {
		ret = tufctl_print_json(out);
		goto out;
	}
	(void)printf("%s (consistent snapshots %s): %zu role%s staged\n", repo->dir,
	    repo->consistent ? "on" : "off", json_array_size(staged),
	    json_array_size(staged) == 1 ? "" : "s");
	json_array_foreach(roles, i, v)
	{
		const json_t *miss = json_object_get(v, "missing"), *id;
		size_t k;

		(void)printf("  %-12s v%-6lld expires %s%s%s", json_string_value(json_object_get(v, "role")),
		    (long long)json_integer_value(json_object_get(v, "version")),
		    json_string_value(json_object_get(v, "expires")),
		    json_is_true(json_object_get(v, "expired")) ? " (expired)" : "",
		    json_is_true(json_object_get(v, "staged")) ? "  staged" : "");
		if (json_object_get(v, "threshold") != NULL)
			(void)printf("  %lld of %lld signatures",
			    (long long)json_integer_value(json_object_get(v, "signatures")),
			    (long long)json_integer_value(json_object_get(v, "threshold")));
		if (json_is_true(json_object_get(v, "staged")) && json_array_size(miss) > 0) {
			(void)printf("; unsigned by");
			json_array_foreach(miss, k, id)(void) printf(" %.16s", json_string_value(id));
		}
		(void)printf("\n");
	}
	ret = tufctl_stdout_done();
	goto out;
fail:
	ret = tufctl_fail("repo status: %s", ta_strerror(r != 0 ? r : TA_ERR_NOMEM));
out:
	json_decref(out);
	json_decref(roles);
	json_decref(staged);
	tr_close(repo);
	return ret;
}
