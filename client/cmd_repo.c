/* tufctl repo: the command lines (client/repo.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "client/agent_api.h"
#include "client/files.h"
#include "client/repo.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/utf8.h"
#include "tuf/bins.h"
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/verify.h"

const char tufctl_repo_usage[] =
    "usage: tufctl repo COMMAND DIR ...\n"
    "  repo init DIR (--root FILE | --root-key L [--root-key L]... [--root-threshold N])\n"
    "                --targets-key L --snapshot-key L --timestamp-key L\n"
    "                [--no-consistent-snapshot] [--expires ROLE=DAYS]...\n"
    "  repo add DIR TARGET-PATH FILE [--role ROLE] [--custom JSON]\n"
    "  repo add DIR --from-list FILE|-       lines \"PATH LENGTH SHA256HEX\"\n"
    "  repo remove DIR TARGET-PATH [--role ROLE]\n"
    "  repo delegate DIR ROLE (--key L | --pubkey FILE)... --path PATTERN... [--threshold N]\n"
    "                [--terminating] [--from PARENT]\n"
    "  repo delegate DIR --bins N --key L... [--from PARENT]   succinct hash bins (TAP 15)\n"
    "  repo rotate DIR ROLE --key L... [--threshold N]\n"
    "  repo publish DIR [--sign-only ROLE...]\n"
    "  repo refresh DIR [--role timestamp|snapshot|ROLE]\n"
    "  repo status DIR [--json]\n"
    "  repo verify DIR [--root TRUSTED] [--at TIME] [--verbose] [--json]\n";

#define MAX_KEYS 16

/* Target paths as TUF clients take them: relative, '/'-separated, no
 * empty, "." or ".." segment, printable UTF-8. */
static bool
target_path_ok(const char *p)
{
	size_t len = strlen(p);
	const char *s = p;

	if (len == 0 || len > TA_TARGET_NAME_MAX || !ta_utf8_valid((const uint8_t *)p, len, NULL))
		return false;
	for (const unsigned char *c = (const unsigned char *)p; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			return false;
	for (;;) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

/* ---- init ---------------------------------------------------------------------------- */

static int
add_role_keys(const char *cmd, struct ta_meta *root, const char *role, char **refs, size_t n,
    json_t *signers)
{
	for (size_t i = 0; i < n; i++) {
		char id[65];
		json_t *k = NULL;
		int r;

		if (tr_cmd_key(cmd, refs[i], false, id, &k) != 0)
			return TUFCTL_FAIL;
		r = ta_meta_root_add_key(root, role, id, k);
		json_decref(k);
		if (r != 0)
			return tufctl_fail("repo %s: %s key '%s': %s", cmd, role, refs[i], ta_strerror(r));
		if (json_array_append_new(signers, json_string(refs[i])) != 0)
			return tufctl_fail("repo %s: out of memory", cmd);
	}
	return TUFCTL_OK;
}

int
tufctl_repo_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "root-key", required_argument, NULL, 'r' },
		{ "root-threshold", required_argument, NULL, 'n' },
		{ "targets-key", required_argument, NULL, 't' },
		{ "snapshot-key", required_argument, NULL, 's' },
		{ "timestamp-key", required_argument, NULL, 'T' },
		{ "no-consistent-snapshot", no_argument, NULL, 'C' },
		{ "expires", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_file = NULL;
	char *root_keys[MAX_KEYS], *tk = NULL, *sk = NULL, *tsk = NULL, *roles[4];
	size_t n_root = 0;
	int64_t threshold = 1;
	bool consistent = true, existed = false, published = false;
	struct tr_repo *repo = NULL;
	struct ta_meta *root = NULL, *targets = NULL;
	struct tn_error e;
	json_t *expires = json_object(), *signers = json_object();
	char real[PATH_MAX], p[4096];
	int c, r, ret = TUFCTL_FAIL;

	if (expires == NULL || signers == NULL)
		goto oom;
	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo init"))) != -1) {
		switch (c) {
		case 'R':
			root_file = optarg;
			break;
		case 'r':
			if (n_root == MAX_KEYS) {
				ret = tufctl_usage("repo init", "at most %d --root-key", MAX_KEYS);
				goto out;
			}
			root_keys[n_root++] = optarg;
			break;
		case 'n':
			if ((ret = tr_cmd_count("repo init", "--root-threshold", optarg, MAX_KEYS,
				 &threshold)) != 0)
				goto out;
			ret = TUFCTL_FAIL;
			break;
		case 't':
			tk = optarg;
			break;
		case 's':
			sk = optarg;
			break;
		case 'T':
			tsk = optarg;
			break;
		case 'C':
			consistent = false;
			break;
		case 'e': {
			char *eq = strchr(optarg, '=');
			int64_t days;
			enum ta_role_type t;

			if (eq == NULL || eq == optarg) {
				ret = tufctl_usage("repo init", "--expires wants ROLE=DAYS");
				goto out;
			}
			*eq = '\0';
			if (ta_role_type_of(TA_PROFILE_TUF, optarg, &t) != 0) {
				ret = tufctl_usage("repo init", "'%s' is not a role name", optarg);
				goto out;
			}
			if ((ret = tr_cmd_count("repo init", "--expires", eq + 1, 36500, &days)) != 0)
				goto out;
			ret = TUFCTL_FAIL;
			if (json_object_set_new(expires, optarg, json_integer(days)) != 0)
				goto oom;
			break;
		}
		case 'h':
			(void)fputs(tufctl_repo_usage, stdout);
			ret = TUFCTL_OK;
			goto out;
		default:
			ret = tufctl_usage("repo init", "unknown option");
			goto out;
		}
	}
	if (optind != argc - 1) {
		ret = tufctl_usage("repo init", "one DIR is required");
		goto out;
	}
	if (tk == NULL || sk == NULL || tsk == NULL) {
		ret = tufctl_usage("repo init", "--targets-key, --snapshot-key and --timestamp-key "
						"are required");
		goto out;
	}
	if ((root_file == NULL) == (n_root == 0)) {
		ret = tufctl_usage("repo init", "give either --root FILE or --root-key");
		goto out;
	}
	if (root_file != NULL && threshold != 1) {
		ret = tufctl_usage("repo init", "--root-threshold goes with --root-key");
		goto out;
	}
	if ((int64_t)n_root < threshold && root_file == NULL) {
		ret = tufctl_usage("repo init", "--root-threshold %lld needs as many --root-key",
		    (long long)threshold);
		goto out;
	}
	if (snprintf(p, sizeof(p), "%s/%s", argv[optind], TUFCTL_REPO_PRIVATE) >= (int)sizeof(p)) {
		ret = tufctl_usage("repo init", "DIR is too long");
		goto out;
	}
	existed = access(p, F_OK) == 0;
	if (tr_open(argv[optind], true, &repo, &e) != 0) {
		ret = tr_cmd_failed("init", &e);
		goto out;
	}
	if (json_object_get(repo->config, "name") != NULL) {
		ret = tufctl_fail("repo init: '%s' is a repository already", repo->dir);
		goto out;
	}
	if (realpath(repo->dir, real) == NULL) {
		ret = tufctl_fail("repo init: '%s': %s", repo->dir, strerror(errno));
		goto out;
	}
	if (json_object_set_new(repo->config, "name", json_string(real)) != 0 ||
	    json_object_set_new(repo->config, "expires", json_incref(expires)) != 0 ||
	    json_object_set_new(repo->config, "signers", json_incref(signers)) != 0)
		goto oom;
	roles[0] = "root";

	if (root_file != NULL) {
		uint8_t *buf = NULL;
		size_t len;
		struct ta_json_error je;
		struct ta_verify_result vr;

		if (tufctl_read_file(root_file, TR_META_MAX, &buf, &len) != 0)
			goto out;
		r = ta_meta_parse(buf, len, TA_PROFILE_TUF, "root", &root, &je);
		free(buf);
		if (r != 0) {
			ret = tufctl_fail("repo init: '%s' is not a TUF root: %s", root_file,
			    je.text[0] != '\0' ? je.text : ta_strerror(r));
			goto out;
		}
		if (ta_verify_root(NULL, root, NULL, 0, &vr) != 0)
			(void)fprintf(stderr,
			    "tufctl: repo init: '%s' is not yet signed to its threshold (%s); "
			    "publish waits for its signatures\n",
			    root_file, vr.detail);
		consistent = json_is_true(json_object_get(root->signed_v, "consistent_snapshot"));
	} else {
		json_t *rs = json_array();

		if (rs == NULL || json_object_set_new(signers, "root", rs) != 0)
			goto oom;
		if ((r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_ROOT, repo->now, &root)) != 0 ||
		    (r = ta_meta_root_set_threshold(root, "root", threshold)) != 0 ||
		    (r = ta_meta_set_expires(root, repo->now + (time_t)tr_expires_days(repo, "root") *
							       86400)) != 0) {
			ret = tufctl_fail("repo init: %s", ta_strerror(r));
			goto out;
		}
		if (add_role_keys("init", root, "root", root_keys, n_root, rs) != 0)
			goto out;
		if (json_object_set_new(root->signed_v, "consistent_snapshot",
			json_boolean(consistent)) != 0)
			goto oom;
	}
	roles[1] = "targets";
	roles[2] = "snapshot";
	roles[3] = "timestamp";
	{
		char *refs[3] = { tk, sk, tsk };

		for (int i = 0; i < 3; i++) {
			json_t *a = json_array();

			if (a == NULL || json_object_set_new(signers, roles[i + 1], a) != 0)
				goto oom;
			if (root_file == NULL) {
				if (add_role_keys("init", root, roles[i + 1], &refs[i], 1, a) != 0)
					goto out;
			} else if (json_array_append_new(a, json_string(refs[i])) != 0) {
				goto oom;
			}
		}
	}
	for (size_t i = 0; i < n_root; i++)
		if (tufctl_scope_ensure(root_keys[i], "tuf", real, "root") != 0)
			goto out;
	if (tufctl_scope_ensure(tk, "tuf", real, "targets") != 0 ||
	    tufctl_scope_ensure(sk, "tuf", real, "snapshot") != 0 ||
	    tufctl_scope_ensure(tsk, "tuf", real, "timestamp") != 0)
		goto out;
	if (json_object_set_new(repo->config, "consistent_snapshot", json_boolean(consistent)) != 0)
		goto oom;
	repo->consistent = consistent;
	if (tr_config_save(repo, &e) != 0 || tr_stage_write(repo, "root", root, &e) != 0) {
		ret = tr_cmd_failed("init", &e);
		goto out;
	}
	if ((r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TARGETS, repo->now, &targets)) != 0) {
		ret = tufctl_fail("repo init: %s", ta_strerror(r));
		goto out;
	}
	if (tr_stage(repo, "targets", targets, false, &e) != 0) {
		ret = tr_cmd_failed("init", &e);
		goto out;
	}
	{
		struct tr_publish_opts o = {0};

		published = true;
		if (tr_publish(repo, &o, &e) != 0) {
			ret = tr_cmd_failed("init", &e);
			goto out;
		}
	}
	ret = TUFCTL_OK;
	goto out;
oom:
	ret = tufctl_fail("repo init: out of memory");
out:
	/* A failed init leaves nothing behind (unless it got as far as
	 * publishing: then publish's partial state is kept for the next try). */
	if (ret != TUFCTL_OK && repo != NULL && !published && !existed)
		(void)tr_remove_private(repo);
	ta_meta_free(root);
	ta_meta_free(targets);
	json_decref(expires);
	json_decref(signers);
	tr_close(repo);
	return ret;
}

/* ---- add and remove ---------------------------------------------------------------- */

/* Hashes a file and copies it into .tufctl/blobs/. */
static int
take_file(struct tr_repo *repo, const char *path, int64_t *ret_len, struct ta_target_hashes *h,
    struct tn_error *e)
{
	uint8_t *buf = NULL;
	size_t len;
	char hex[65], p[4096];
	int r;

	if (tufctl_read_file(path, (size_t)1 << 34, &buf, &len) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s'", path);
	memset(h, 0, sizeof(*h));
	h->has_sha256 = true;
	(void)EVP_Digest(buf, len, h->sha256, NULL, EVP_sha256(), NULL);
	ta_hex(hex, h->sha256, 32);
	*ret_len = (int64_t)len;
	if ((r = tr_path(repo, p, sizeof(p), e, "%s/blobs/%s", TUFCTL_REPO_PRIVATE, hex)) == 0)
		r = tn_write_file(p, buf, len, e);
	free(buf);
	return r;
}

struct listed_target {
	char *path;
	char *role;
	int64_t length;
	uint8_t sha256[32];
};

static int
by_role(const void *a, const void *b)
{
	const struct listed_target *x = a, *y = b;
	int c = strcmp(x->role, y->role);

	return c != 0 ? c : strcmp(x->path, y->path);
}

/* Where list entries go: the bins of targets when it delegates to
 * succinct bins (computed, nothing loaded), else tr_role_for_path. */
struct placer {
	char prefix[TA_ROLE_NAME_MAX + 1];
	unsigned bits; /* 0: no bins at the top */
};

static int
placer_init(struct tr_repo *repo, struct placer *pl, struct tn_error *e)
{
	struct ta_meta *m = NULL;
	const json_t *sr;
	bool staged;
	int r;

	pl->bits = 0;
	if ((r = tr_load(repo, "targets", &m, &staged, e)) != 0)
		return r;
	sr = json_object_get(json_object_get(m->signed_v, "delegations"), "succinct_roles");
	if (sr != NULL) {
		const char *prefix = json_string_value(json_object_get(sr, "name_prefix"));
		json_int_t bits = json_integer_value(json_object_get(sr, "bit_length"));

		if (prefix != NULL && strlen(prefix) < sizeof(pl->prefix) && bits >= 1 && bits <= 32) {
			memcpy(pl->prefix, prefix, strlen(prefix) + 1);
			pl->bits = (unsigned)bits;
		}
	}
	ta_meta_free(m);
	return 0;
}

static int
placer_role(struct tr_repo *repo, const struct placer *pl, const char *path, char *buf, size_t cap,
    struct tn_error *e)
{
	if (pl->bits == 0)
		return tr_role_for_path(repo, path, buf, cap, e);
	int64_t bin = ta_bins_for_path(pl->bits, path);

	if (bin < 0 || ta_bins_name(pl->prefix, pl->bits, (uint32_t)bin, buf, cap) != 0)
		return tn_fail(e, TA_ERR_TOO_LARGE, "role name too long");
	return 0;
}

/* Adds the targets of a list, role by role, each role loaded once. */
static int
add_list(struct tr_repo *repo, const char *list, const char *force_role, struct tn_error *e)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "re");
	struct listed_target *t = NULL;
	size_t n = 0, cap = 0, lineno = 0, linecap = 0, i, start;
	char *line = NULL, role[TA_ROLE_NAME_MAX + 1];
	struct placer pl;
	ssize_t got;
	int r = 0;

	if (f == NULL)
		return tn_fail(e, TA_ERR_SYSTEM, "cannot open '%s': %s", list, strerror(errno));
	if ((r = placer_init(repo, &pl, e)) != 0) {
		if (f != stdin)
			(void)fclose(f);
		return r;
	}
	while ((got = getline(&line, &linecap, f)) > 0) {
		char *path, *len_s, *hash, *end, *save = NULL;
		long long len;
		size_t hlen;

		lineno++;
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (got == 0 || line[0] == '#')
			continue;
		path = strtok_r(line, " ", &save);
		len_s = strtok_r(NULL, " ", &save);
		hash = strtok_r(NULL, " ", &save);
		errno = 0;
		len = len_s != NULL ? strtoll(len_s, &end, 10) : -1;
		if (path == NULL || len_s == NULL || hash == NULL || strtok_r(NULL, " ", &save) != NULL ||
		    errno != 0 || *end != '\0' || len < 0 || strlen(hash) != 64 ||
		    !ta_hex_ok(hash, 64, false) || !target_path_ok(path)) {
			r = tn_fail(e, TA_ERR_INVALID,
			    "'%s' line %zu: want \"PATH LENGTH SHA256HEX\" with a relative target path",
			    list, lineno);
			goto out;
		}
		if (n == cap) {
			struct listed_target *nt;

			cap = cap != 0 ? cap * 2 : 1024;
			if ((nt = realloc(t, cap * sizeof(*t))) == NULL) {
				r = tn_fail(e, TA_ERR_NOMEM, "out of memory");
				goto out;
			}
			t = nt;
		}
		if (force_role != NULL)
			r = snprintf(role, sizeof(role), "%s", force_role) >= (int)sizeof(role) ?
				tn_fail(e, TA_ERR_TOO_LARGE, "role name too long") : 0;
		else
			r = placer_role(repo, &pl, path, role, sizeof(role), e);
		if (r != 0)
			goto out;
		t[n].length = len;
		if (ta_unhex(hash, 64, t[n].sha256, 32, &hlen) != 0 || hlen != 32) {
			r = tn_fail(e, TA_ERR_INVALID, "'%s' line %zu: bad hash", list, lineno);
			goto out;
		}
		t[n].path = strdup(path);
		t[n].role = strdup(role);
		if (t[n].path == NULL || t[n].role == NULL) {
			free(t[n].path);
			free(t[n].role);
			r = tn_fail(e, TA_ERR_NOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		r = tn_fail(e, TA_ERR_SYSTEM, "cannot read '%s'", list);
		goto out;
	}
	if (n > 0)
		qsort(t, n, sizeof(*t), by_role);
	for (start = 0; start < n; start = i) {
		struct ta_meta *m = NULL;
		bool staged;

		if ((r = tr_load(repo, t[start].role, &m, &staged, e)) != 0) {
			if (r == TA_ERR_NOT_FOUND)
				r = tn_fail(e, r, "no role '%s' (make it with tufctl repo delegate)",
				    t[start].role);
			goto out;
		}
		for (i = start; i < n && strcmp(t[i].role, t[start].role) == 0; i++) {
			struct ta_target_hashes h = {.has_sha256 = true};

			memcpy(h.sha256, t[i].sha256, 32);
			if ((r = ta_meta_target_add(m, t[i].path, t[i].length, &h, NULL)) != 0) {
				ta_meta_free(m);
				r = tn_fail(e, r, "%s: target '%s': %s", t[start].role, t[i].path,
				    ta_strerror(r));
				goto out;
			}
		}
		r = tr_stage(repo, t[start].role, m, staged, e);
		ta_meta_free(m);
		if (r != 0)
			goto out;
	}
	if (!tufctl.json)
		(void)printf("staged %zu target%s\n", n, n == 1 ? "" : "s");
out:
	for (i = 0; i < n; i++) {
		free(t[i].path);
		free(t[i].role);
	}
	free(t);
	free(line);
	if (f != stdin)
		(void)fclose(f);
	return r;
}

int
tufctl_repo_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "custom", required_argument, NULL, 'c' },
		{ "from-list", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role_opt = NULL, *custom_s = NULL, *list = NULL;
	struct tr_repo *repo = NULL;
	struct ta_meta *m = NULL;
	json_t *custom = NULL;
	struct tn_error e;
	struct ta_target_hashes h;
	char role[TA_ROLE_NAME_MAX + 1];
	int64_t len;
	bool staged;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo add"))) != -1) {
		switch (c) {
		case 'r':
			role_opt = optarg;
			break;
		case 'c':
			custom_s = optarg;
			break;
		case 'l':
			list = optarg;
			break;
		case 'h':
			(void)fputs(tufctl_repo_usage, stdout);
			return TUFCTL_OK;
		default:
			return tufctl_usage("repo add", "unknown option");
		}
	}
	if (list != NULL ? optind != argc - 1 : optind != argc - 3)
		return tufctl_usage("repo add", list != NULL ? "DIR and --from-list FILE" :
							       "DIR TARGET-PATH FILE are required");
	if (list == NULL && !target_path_ok(argv[optind + 1]))
		return tufctl_usage("repo add", "'%s' is not a target path (relative, '/'-separated, "
						"no empty, '.' or '..' part)",
		    argv[optind + 1]);
	if (custom_s != NULL) {
		json_error_t je;

		if (list != NULL)
			return tufctl_usage("repo add", "--custom goes with one target");
		custom = json_loads(custom_s, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(custom)) {
			json_decref(custom);
			return tufctl_usage("repo add", "--custom wants a JSON object");
		}
	}
	if (tr_open(argv[optind], false, &repo, &e) != 0) {
		ret = tr_cmd_failed("add", &e);
		goto out;
	}
	if (list != NULL) {
		ret = add_list(repo, list, role_opt, &e) != 0 ? tr_cmd_failed("add", &e) : TUFCTL_OK;
		goto out;
	}
	if (role_opt != NULL)
		r = snprintf(role, sizeof(role), "%s", role_opt) >= (int)sizeof(role) ?
			tn_fail(&e, TA_ERR_TOO_LARGE, "role name too long") : 0;
	else
		r = tr_role_for_path(repo, argv[optind + 1], role, sizeof(role), &e);
	if (r != 0 || take_file(repo, argv[optind + 2], &len, &h, &e) != 0 ||
	    tr_load(repo, role, &m, &staged, &e) != 0) {
		ret = tr_cmd_failed("add", &e);
		goto out;
	}
	if ((r = ta_meta_target_add(m, argv[optind + 1], len, &h, custom)) != 0) {
		ret = tufctl_fail("repo add: '%s': %s", argv[optind + 1], ta_strerror(r));
		goto out;
	}
	if (tr_stage(repo, role, m, staged, &e) != 0) {
		ret = tr_cmd_failed("add", &e);
		goto out;
	}
	if (!tufctl.json)
		(void)printf("staged %s in %s (%lld bytes)\n", argv[optind + 1], role, (long long)len);
	ret = TUFCTL_OK;
out:
	json_decref(custom);
	ta_meta_free(m);
	tr_close(repo);
	return ret;
}

int
tufctl_repo_remove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role_opt = NULL;
	struct tr_repo *repo = NULL;
	struct ta_meta *m = NULL;
	struct tn_error e;
	char role[TA_ROLE_NAME_MAX + 1];
	bool staged;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo remove"))) != -1) {
		if (c == 'r')
			role_opt = optarg;
		else if (c == 'h')
			return fputs(tufctl_repo_usage, stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		else
			return tufctl_usage("repo remove", "unknown option");
	}
	if (optind != argc - 2)
		return tufctl_usage("repo remove", "DIR and TARGET-PATH are required");
	if (tr_open(argv[optind], false, &repo, &e) != 0)
		return tr_cmd_failed("remove", &e);
	if (role_opt != NULL)
		r = snprintf(role, sizeof(role), "%s", role_opt) >= (int)sizeof(role) ?
			tn_fail(&e, TA_ERR_TOO_LARGE, "role name too long") : 0;
	else
		r = tr_role_for_path(repo, argv[optind + 1], role, sizeof(role), &e);
	if (r != 0 || tr_load(repo, role, &m, &staged, &e) != 0) {
		ret = tr_cmd_failed("remove", &e);
		goto out;
	}
	if (ta_meta_target_remove(m, argv[optind + 1]) != 0) {
		ret = tufctl_fail("repo remove: '%s' is not a target of %s%s", argv[optind + 1], role,
		    role_opt == NULL ? " (give --role ROLE)" : "");
		goto out;
	}
	if (tr_stage(repo, role, m, staged, &e) != 0) {
		ret = tr_cmd_failed("remove", &e);
		goto out;
	}
	if (!tufctl.json)
		(void)printf("staged the removal of %s from %s\n", argv[optind + 1], role);
	ret = TUFCTL_OK;
out:
	ta_meta_free(m);
	tr_close(repo);
	return ret;
}

/* ---- publish, refresh ------------------------------------------------------------------ */

int
tufctl_repo_publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sign-only", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only[64];
	struct tr_publish_opts o = {0};
	struct tr_repo *repo = NULL;
	struct tn_error e;
	int c, ret;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo publish"))) != -1) {
		if (c == 's') {
			if (o.n_sign_only == 64)
				return tufctl_usage("repo publish", "at most 64 --sign-only");
			only[o.n_sign_only++] = optarg;
		} else if (c == 'h') {
			return fputs(tufctl_repo_usage, stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		} else {
			return tufctl_usage("repo publish", "unknown option");
		}
	}
	/* --sign-only ROLE... : roles may follow DIR as more arguments. */
	if (optind >= argc)
		return tufctl_usage("repo publish", "DIR is required");
	for (int i = optind + 1; i < argc; i++) {
		if (o.n_sign_only == 0 || o.n_sign_only == 64)
			return tufctl_usage("repo publish", "one DIR is required");
		only[o.n_sign_only++] = argv[i];
	}
	if (o.n_sign_only > 0)
		o.sign_only = only;
	if (tr_open(argv[optind], false, &repo, &e) != 0)
		return tr_cmd_failed("publish", &e);
	ret = tr_publish(repo, &o, &e) != 0 ? tr_cmd_failed("publish", &e) : TUFCTL_OK;
	tr_close(repo);
	return ret;
}

int
tufctl_repo_refresh(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = "timestamp";
	struct tr_publish_opts o = {0};
	struct tr_repo *repo = NULL;
	struct ta_meta *m = NULL;
	struct tn_error e;
	bool staged;
	int c, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(tufctl_repo_usage, "repo refresh"))) != -1) {
		if (c == 'r')
			role = optarg;
		else if (c == 'h')
			return fputs(tufctl_repo_usage, stdout) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
		else
			return tufctl_usage("repo refresh", "unknown option");
	}
	if (optind != argc - 1)
		return tufctl_usage("repo refresh", "one DIR is required");
	if (tr_open(argv[optind], false, &repo, &e) != 0)
		return tr_cmd_failed("refresh", &e);
	o.refresh = role;
	if (strcmp(role, "timestamp") != 0 && strcmp(role, "snapshot") != 0) {
		/* A targets role or root: the same content, a new version and expiry. */
		if (tr_load(repo, role, &m, &staged, &e) != 0 ||
		    tr_stage(repo, role, m, staged, &e) != 0) {
			ret = tr_cmd_failed("refresh", &e);
			goto out;
		}
	}
	ret = tr_publish(repo, &o, &e) != 0 ? tr_cmd_failed("refresh", &e) : TUFCTL_OK;
out:
	ta_meta_free(m);
	tr_close(repo);
	return ret;
}

/* ---- the table -------------------------------------------------------------------------- */

int
tufctl_cmd_repo(int argc, char **argv)
{
	static const struct tufctl_cmd cmds[] = {
		{ "init", tufctl_repo_init },
		{ "add", tufctl_repo_add },
		{ "remove", tufctl_repo_remove },
		{ "delegate", tufctl_repo_delegate },
		{ "rotate", tufctl_repo_rotate },
		{ "publish", tufctl_repo_publish },
		{ "refresh", tufctl_repo_refresh },
		{ "status", tufctl_repo_status },
		{ "verify", tufctl_repo_verify },
	};

	return TUFCTL_DISPATCH("repo", tufctl_repo_usage, cmds, argc, argv);
}
