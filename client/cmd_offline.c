/* Offline commands: no agent needed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/err.h"

#include "client/tufctl.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/meta.h"
#include "tuf/stream.h"
#include "tuf/verify.h"

/* tufctl canonical --profile notary|tuf FILE
 * The canonical bytes of the file's "signed" value: what a signature is
 * over.  The file must be a metadata file of the profile. */
#define CANONICAL_USAGE                                                                            \
	"usage: tufctl canonical --profile notary|tuf FILE\n"                                     \
	"The canonical bytes of a metadata file's \"signed\" (what its signatures cover),\n"       \
	"on standard output; FILE may be - for standard input.\n"
#define VERIFY_USAGE                                                                               \
	"usage: tufctl verify --profile notary|tuf --root ROOT [--role ROLE] "                     \
	"[--gun GUN] [--parent FILE] FILE\n"                                                       \
	"  ROOT must be signed to its own root threshold; FILE is then "                           \
	"checked against it\n"                                                                     \
	"  (a delegated role against --parent).  A root FILE is a rotation: "                      \
	"one version at a\n"                                                                       \
	"  time (ROOT's version + 1 for tuf), signed to threshold by ROOT's "                       \
	"root keys and its own.\n"                                                                 \
	"  tuf: a signature entry with an empty or non-hex sig or an unknown "                     \
	"key ID does not\n"                                                                        \
	"  count but leaves FILE readable; one key listed under two key IDs "                      \
	"counts once; two\n"                                                                       \
	"  entries with the same key ID are refused (as tuf-js does); expires "                    \
	"with a fraction or\n"                                                                     \
	"  an offset is read.  --gun: a notary root's certificates must name the GUN.  To walk\n"  \
	"  a whole repository (N.root.json one at a time, then timestamp, snapshot, targets,\n"   \
	"  delegations): tufctl repo verify DIR.\n"

int
tufctl_cmd_canonical(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ta_profile profile = 0;
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	uint8_t *in = NULL, *out = NULL;
	size_t in_len, out_len;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, CANONICAL_USAGE)) != -1) {
		switch (c) {
		case 'p':
			if (ta_profile_from_name(optarg, &profile) != 0)
				return tufctl_usage("canonical", "unknown profile '%s'", optarg);
			break;
		case 'h':
			printf("usage: tufctl canonical --profile notary|tuf FILE\n");
			return TUFCTL_OK;
		default:
			return tufctl_usage("canonical", "unknown option");
		}
	}
	if (profile == 0)
		return tufctl_usage("canonical", "--profile is required");
	if (optind != argc - 1)
		return tufctl_usage("canonical", "one FILE is required");
	if (tufctl_read_file(argv[optind], TA_JSON_MAX, &in, &in_len) != 0)
		return TUFCTL_FAIL;
	if ((r = ta_meta_parse(in, in_len, profile, NULL, &m, &err)) != 0) {
		(void)tufctl_fail("'%s' is not %s metadata: %s", argv[optind],
		    ta_profile_name(profile), err.text[0] ? err.text : ta_strerror(r));
		goto out;
	}
	/* The tree is for the shape checks; the bytes come from the file by
	 * the stream, which gives ta_meta_signed_bytes()'s bytes without
	 * rebuilding them from the tree (tests/unit/test_tuf_stream.c). */
	ta_meta_free(m);
	m = NULL;
	if ((r = ta_canon_stream(in, in_len, profile, "signed", &out, &out_len, &err)) != 0) {
		(void)tufctl_fail("canonical form of '%s': %s", argv[optind],
		    err.text[0] ? err.text : ta_strerror(r));
		goto out;
	}
	if (tufctl.json) {
		/* The bytes as a string, and their SHA-256 (what signatures cover). */
		uint8_t d[32];
		char hex[65];
		json_t *o;

		(void)EVP_Digest(out, out_len, d, NULL, EVP_sha256(), NULL);
		for (size_t i = 0; i < 32; i++)
			(void)snprintf(hex + 2 * i, 3, "%02x", d[i]);
		o = json_pack("{s:s, s:s#, s:s}", "profile", ta_profile_name(profile), "canonical",
		    (const char *)out, out_len, "sha256", hex);
		ret = o != NULL ? tufctl_print_json(o) : tufctl_fail("out of memory");
		json_decref(o);
		goto out;
	}
	if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
		(void)tufctl_fail("cannot write to standard output");
		goto out;
	}
	ret = TUFCTL_OK;
out:
	ta_meta_free(m);
	free(in);
	free(out);
	return ret;
}

static int
load_meta(const char *path, enum ta_profile profile, const char *role, struct ta_meta **ret)
{
	struct ta_json_error err;
	uint8_t *buf = NULL;
	size_t len;
	int r;

	if (tufctl_read_file(path, TA_JSON_MAX, &buf, &len) != 0)
		return -1;
	r = ta_meta_parse(buf, len, profile, role, ret, &err);
	free(buf);
	if (r != 0) {
		(void)tufctl_fail("'%s' is not %s %s metadata: %s", path, ta_profile_name(profile),
		    role ? role : "", err.text[0] ? err.text : ta_strerror(r));
		return -1;
	}
	return 0;
}

/* Why a signature did not count, in words about metadata (never about
 * tokens: this is offline). */
static const char *
sig_why(const struct ta_verify_sig *s)
{
	if (s->why != NULL && s->why[0] != '\0')
		return s->why;
	return s->result == TA_ERR_KEY_NOT_FOUND ? "unknown key ID" : ta_strerror(s->result);
}

static void
report(const char *what, const struct ta_verify_result *res, int r)
{
	if (tufctl.json) {
		json_t *sigs = json_array(), *o;

		for (size_t i = 0; sigs != NULL && i < res->nsigs; i++)
			(void)json_array_append_new(sigs, json_pack("{s:s, s:b, s:s}", "keyid",
			    res->sigs[i].keyid, "valid", res->sigs[i].result == 0, "reason",
			    res->sigs[i].result ? sig_why(&res->sigs[i]) : ""));
		o = json_pack("{s:s, s:b, s:I, s:I, s:o, s:s}", "role", what, "ok", r == 0,
		    "threshold", (json_int_t)res->threshold, "valid", (json_int_t)res->nvalid,
		    "signatures", sigs, "error", r ? (res->detail[0] ? res->detail :
						      ta_strerror(r)) : "");
		if (o != NULL)
			(void)json_dumpf(o, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(o);
		return;
	}
	for (size_t i = 0; i < res->nsigs; i++)
		printf("%s: key %s: %s\n", what, res->sigs[i].keyid,
		    res->sigs[i].result ? sig_why(&res->sigs[i]) : "valid signature");
	if (r == 0)
		printf("%s: verified: %zu of threshold %lld\n", what, res->nvalid,
		    (long long)res->threshold);
}

/* tufctl verify --profile P --root ROOT [--role R] [--gun G] [--parent F] FILE
 * Offline: the root is verified (self-signed; for notary its certificates
 * against the GUN), then FILE against it, or against --parent for a
 * delegated role; a root FILE is a rotation from ROOT (tuf: exactly
 * version + 1; a longer chain is what tufctl repo verify walks).  The tuf
 * profile reads signatures as tuf/verify.h says (invalid entries do not
 * count, keys counted once, duplicate key IDs refused). */
int
tufctl_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "role", required_argument, NULL, 'R' },
		{ "gun", required_argument, NULL, 'g' },
		{ "parent", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *role = NULL, *gun = NULL, *parent_path = NULL;
	struct ta_meta *root = NULL, *m = NULL, *parent = NULL;
	struct ta_verify_result res;
	enum ta_profile profile = 0;
	enum ta_role_type type;
	time_t now = time(NULL);
	int c, r, ret = TUFCTL_FAIL;

	while ((c = tufctl_getopt(argc, argv, "", opts, VERIFY_USAGE)) != -1) {
		switch (c) {
		case 'p':
			if (ta_profile_from_name(optarg, &profile) != 0)
				return tufctl_usage("verify", "unknown profile '%s'", optarg);
			break;
		case 'r':
			root_path = optarg;
			break;
		case 'R':
			role = optarg;
			break;
		case 'g':
			gun = optarg;
			break;
		case 'P':
			parent_path = optarg;
			break;
		case 'h':
			printf("usage: tufctl verify --profile notary|tuf --root ROOT [--role ROLE] "
			       "[--gun GUN] [--parent FILE] FILE\n"
			       "  ROOT must be signed to its own root threshold; FILE is then "
			       "checked against it\n"
			       "  (a delegated role against --parent).  A root FILE is a rotation: "
			       "one version at a\n"
			       "  time (ROOT's version + 1 for tuf), signed to threshold by ROOT's "
			       "root keys and its own.\n"
			       "  tuf: a signature entry with an empty or non-hex sig or an unknown "
			       "key ID does not\n"
			       "  count but leaves FILE readable; one key listed under two key IDs "
			       "counts once; two\n"
			       "  entries with the same key ID are refused (as tuf-js does); expires "
			       "with a fraction or\n"
			       "  an offset is read.  To walk a whole repository (N.root.json one "
			       "at a time, then\n"
			       "  timestamp, snapshot, targets, delegations): tufctl repo verify "
			       "DIR.\n");
			return TUFCTL_OK;
		default:
			return tufctl_usage("verify", "unknown option");
		}
	}
	if (profile == 0 || root_path == NULL || optind != argc - 1)
		return tufctl_usage("verify", "--profile, --root and one FILE are required");
	if (profile == TA_PROFILE_NOTARY && gun == NULL)
		return tufctl_usage("verify", "notary roots are checked against a GUN: give --gun");
	if (role != NULL && ta_role_type_of(profile, role, &type) != 0)
		return tufctl_usage("verify", "'%s' is not a %s role name", role,
		    ta_profile_name(profile));

	if (load_meta(root_path, profile, "root", &root) != 0)
		goto out;
	r = ta_verify_root(NULL, root, gun, now, &res);
	report("root", &res, r);
	if (r != 0) {
		(void)tufctl_fail("root '%s' does not verify: %s", root_path,
		    res.detail[0] ? res.detail : ta_strerror(r));
		goto out;
	}
	if (load_meta(argv[optind], profile, role, &m) != 0)
		goto out;
	if (role == NULL) {
		static const char *const names[] = { NULL, "root", "targets", "snapshot", "timestamp" };

		role = names[m->type];
	}
	if (m->type == TA_ROLE_ROOT)
		r = ta_verify_root(root, m, gun, now, &res);
	else if (m->type == TA_ROLE_TARGETS && strcmp(role, "targets") != 0) {
		if (parent_path == NULL) {
			ret = tufctl_usage("verify", "a delegated role needs --parent FILE");
			goto out;
		}
		if (load_meta(parent_path, profile, NULL, &parent) != 0)
			goto out;
		if (parent->type != TA_ROLE_TARGETS) {
			(void)tufctl_fail("--parent '%s' is not a targets role", parent_path);
			goto out;
		}
		r = ta_verify_delegated(parent, m, role, now, &res);
	} else {
		r = ta_verify_role(root, m, role, now, &res);
	}
	report(role, &res, r);
	if (r != 0) {
		(void)tufctl_fail("'%s' does not verify as %s: %s", argv[optind], role,
		    res.detail[0] ? res.detail : ta_strerror(r));
		goto out;
	}
	ret = TUFCTL_OK;
out:
	ta_meta_free(root);
	ta_meta_free(m);
	ta_meta_free(parent);
	return ret;
}
