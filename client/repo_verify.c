/* tufctl repo verify: the TUF client workflow (tuf/updater.c) over a
 * repository directory, offline: nothing here talks to the agent or a
 * token. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/repo.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/updater.h"

static const char verify_usage[] =
    "usage: tufctl [--json] repo verify DIR [--root TRUSTED] [--at TIME] [--verbose]\n"
    "  Runs the TUF client workflow over DIR: root rotations one version at a time\n"
    "  (N.root.json), timestamp.json, the snapshot, targets and every delegated role\n"
    "  reachable (hash bins included), and every target file.  Without --root,\n"
    "  DIR/1.root.json is trusted as found (trust on first use).  TIME is\n"
    "  YYYY-MM-DDTHH:MM:SSZ or @EPOCH (default: now).  Exit 0 when DIR verifies,\n"
    "  1 with the first failure (file and reason), 2 on usage errors.\n";

struct dir_ctx {
	const char *dir;
};

/* The fetch callback: DIR/name, a regular file of at most max bytes. */
static int
dir_fetch(void *vctx, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	const struct dir_ctx *ctx = vctx;
	char path[8192];
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, n;

	*ret = NULL;
	if (name[0] == '/' || strstr(name, "..") != NULL)
		return TA_ERR_INVALID; /* the workflow never asks for these */
	n = snprintf(path, sizeof(path), "%s/%s", ctx->dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return TA_ERR_TOO_LARGE;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? TA_ERR_NOT_FOUND : TA_ERR_SYSTEM;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return TA_ERR_SYSTEM;
	}
	if ((uint64_t)st.st_size > (uint64_t)max) {
		(void)close(fd);
		return TA_ERR_TOO_LARGE;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)close(fd);
		return TA_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size + 1) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	(void)close(fd);
	if (got > max) {
		free(buf);
		return TA_ERR_TOO_LARGE;
	}
	*ret = buf;
	*ret_len = got;
	return 0;
}

/* YYYY-MM-DDTHH:MM:SSZ or @EPOCH. */
static int
parse_at(const char *s, time_t *ret)
{
	if (s[0] == '@') {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (s[1] < '0' || s[1] > '9' || *end != '\0' || errno != 0 || v <= 0 ||
		    v > (long long)TA_TIME_MAX)
			return -1;
		*ret = (time_t)v;
		return 0;
	}
	if (!ta_time_canonical(s) || ta_time_parse(TA_PROFILE_TUF, s, ret) != 0 || *ret <= 0)
		return -1;
	return 0;
}

/* "2 of threshold 2: 1a2b3c4d 5e6f7a8b" */
static void
signers(const struct ta_updater_role *e, bool full, char *out, size_t cap)
{
	size_t n = 0;

	n += (size_t)snprintf(out, cap, "%zu of threshold %lld", e->res.nvalid,
	    (long long)e->res.threshold);
	for (size_t i = 0, k = 0; i < e->res.nsigs && n < cap; i++) {
		if (e->res.sigs[i].result != 0 || strcmp(e->res.sigs[i].why, "") != 0)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%.*s", k++ ? " " : ": ", full ? 64 : 8,
		    e->res.sigs[i].keyid);
	}
}

static void
print_role(const struct ta_updater_role *e, bool verbose)
{
	char who[1024];

	signers(e, verbose, who, sizeof(who));
	printf("%s v%lld %s (%s)", e->name, (long long)e->version,
	    e->result == 0 ? "ok" : "FAILED", who);
	if (e->delegator[0] != '\0')
		printf(" delegated by %s", e->delegator);
	if (e->ntargets)
		printf(", %zu target%s", e->ntargets, e->ntargets == 1 ? "" : "s");
	printf("\n");
	if (!verbose)
		return;
	printf("  file %s, expires %s%s%s\n", e->file, e->expires,
	    e->expires_canonical ? "" : " (non-canonical: tufctl writes YYYY-MM-DDTHH:MM:SSZ)",
	    e->expired ? " (expired; allowed for an intermediate root)" : "");
	for (size_t i = 0; i < e->res.nsigs; i++)
		if (e->res.sigs[i].why != NULL && e->res.sigs[i].why[0] != '\0')
			printf("  not counted: %s: %s\n", e->res.sigs[i].keyid[0] ?
				   e->res.sigs[i].keyid : "(no key ID)", e->res.sigs[i].why);
}

static json_t *
role_json(const struct ta_updater_role *e)
{
	json_t *valid = json_array(), *invalid = json_array(), *o;

	for (size_t i = 0; valid != NULL && invalid != NULL && i < e->res.nsigs; i++) {
		const struct ta_verify_sig *s = &e->res.sigs[i];

		if (s->why == NULL || s->why[0] == '\0')
			(void)json_array_append_new(valid, json_string(s->keyid));
		else
			(void)json_array_append_new(invalid, json_pack("{s:s, s:s}", "keyid",
			    s->keyid, "reason", s->why));
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:I, s:o, s:o, s:I, s:b}", "role", e->name,
	    "file", e->file, "delegator", e->delegator, "version", (json_int_t)e->version,
	    "expires", e->expires, "expires_canonical", e->expires_canonical, "threshold",
	    (json_int_t)e->res.threshold, "valid", valid ? valid : json_null(), "invalid",
	    invalid ? invalid : json_null(), "targets", (json_int_t)e->ntargets, "ok",
	    e->result == 0);
	return o;
}

static int
print_json(const char *dir, time_t now, const struct ta_updater_report *rep)
{
	json_t *roles = json_array(), *o;
	char at[21];
	int r;

	ta_time_format(now, at);
	for (size_t i = 0; roles != NULL && i < rep->nroles; i++)
		(void)json_array_append_new(roles, role_json(&rep->roles[i]));
	o = json_pack("{s:s, s:b, s:s, s:b, s:I, s:b, s:o, s:I, s:I}", "dir", dir, "ok",
	    rep->result == 0, "at", at, "trust_on_first_use", rep->trust_on_first_use,
	    "root_version", (json_int_t)rep->root_version, "consistent_snapshot",
	    rep->consistent_snapshot, "roles", roles ? roles : json_null(), "targets",
	    (json_int_t)rep->ntargets, "target_files", (json_int_t)rep->ntarget_files);
	if (o != NULL && rep->result != 0)
		(void)json_object_set_new(o, "error", json_pack("{s:s, s:s, s:s}", "file",
		    rep->fail_file, "reason", rep->fail_reason, "code",
		    ta_errname(rep->result)));
	if (o == NULL)
		return tufctl_fail("out of memory");
	r = tufctl_print_json(o);
	json_decref(o);
	return r;
}

int
tufctl_repo_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ta_updater_opts uo = { .check_targets = true };
	struct ta_updater_report rep;
	const char *root_path = NULL, *dir;
	struct dir_ctx ctx;
	uint8_t *root = NULL;
	size_t root_len = 0;
	bool verbose = false;
	time_t now = time(NULL);
	char at[21];
	int c, r;

	optind = 0;
	while ((c = tufctl_getopt(argc, argv, "v", opts, verify_usage)) != -1) {
		switch (c) {
		case 'r':
			root_path = optarg;
			break;
		case 'a':
			if (parse_at(optarg, &now) != 0)
				return tufctl_usage("repo verify", "--at takes YYYY-MM-DDTHH:MM:SSZ "
								   "or @EPOCH, not '%s'", optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'j':
			tufctl.json = true;
			break;
		case 'h':
			(void)fputs(verify_usage, stdout);
			return TUFCTL_OK;
		default:
			return tufctl_usage("repo verify", "unknown option");
		}
	}
	if (optind != argc - 1)
		return tufctl_usage("repo verify", "one DIR is required");
	dir = argv[optind];
	if (root_path != NULL) {
		if (tufctl_read_file(root_path, TA_UPDATER_ROOT_MAX, &root, &root_len) != 0)
			return TUFCTL_FAIL;
		uo.trusted_root = root;
		uo.trusted_root_len = root_len;
	}
	uo.now = now;
	ctx.dir = dir;
	r = ta_updater_run(&uo, dir_fetch, &ctx, &rep);
	free(root);
	if (tufctl.json) {
		int pr = print_json(dir, now, &rep);

		ta_updater_report_free(&rep);
		return r != 0 ? TUFCTL_FAIL : pr;
	}
	if (rep.trust_on_first_use && rep.nroles > 0)
		printf("trust on first use: %s/1.root.json is trusted as found (pin a root "
		       "with --root TRUSTED)\n", dir);
	for (size_t i = 0; i < rep.nroles; i++)
		print_role(&rep.roles[i], verbose);
	ta_time_format(now, at);
	if (r == 0) {
		printf("%s: verified at %s: root v%lld, %zu role files, %zu target%s, %zu target "
		       "file%s checked\n", dir, at, (long long)rep.root_version, rep.nroles,
		    rep.ntargets, rep.ntargets == 1 ? "" : "s", rep.ntarget_files,
		    rep.ntarget_files == 1 ? "" : "s");
		ta_updater_report_free(&rep);
		return tufctl_stdout_done();
	}
	(void)fflush(stdout);
	if (rep.fail_file[0] != '\0' && strcmp(rep.fail_file, "trusted root") != 0)
		(void)tufctl_fail("%s/%s: %s", dir, rep.fail_file, rep.fail_reason);
	else if (rep.fail_file[0] != '\0')
		(void)tufctl_fail("%s (%s): %s", root_path ? root_path : "", rep.fail_file,
		    rep.fail_reason);
	else
		(void)tufctl_fail("%s: %s", dir, rep.fail_reason);
	ta_updater_report_free(&rep);
	return TUFCTL_FAIL;
}
