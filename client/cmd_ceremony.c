/* tufctl ceremony: root key ceremonies (issue #13), the TUF 1.0 profile.
 * init, status, finish and transcript verify here; the signing steps
 * (sign, request, sign-request, import) in client/cmd_ceremony_sign.c;
 * the ceremony folder in client/ceremony.h. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "client/attest.h"
#include "client/ceremony.h"
#include "client/cmd_ceremony.h"
#include "client/files.h"
#include "client/notary_http.h"
#include "client/notary_publish.h"
#include "client/notary_walk.h"
#include "client/transcript.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/hex.h"
#include "tuf/verify.h"

const char cer_usage[] =
    "usage: tufctl ceremony COMMAND ...   (root key ceremonies)\n"
    "  ceremony init DIR --profile tuf|notary [--gun GUN] --threshold M\n"
    "      --signer NAME=KEYREF... [--old-signer NAME=KEYREF]... [--role-key ROLE=KEYREF]...\n"
    "      [--expires DAYS] [--prev-root FILE] [--server URL [--tls-ca FILE]]\n"
    "      [--require-pin-policy never|once|always] [--require-touch-policy never|cached|always]\n"
    "      a new root (version 1, or FILE's + 1): root keys the signers', threshold M;\n"
    "      targets, snapshot and timestamp from --role-key (required without\n"
    "      --prev-root), else FILE's.  --old-signer: a key of FILE's root only that\n"
    "      signs the rotation.  KEYREF: an agent key (label, key ID, URI), pubkey:FILE\n"
    "      (PEM) or, for notary root keys, cert:FILE (the signer's certificate for the\n"
    "      GUN: tufctl key cert on its machine).  --gun: the repository's name in the\n"
    "      agent's policy and key scopes; notary: the GUN, required.  notary: an agent\n"
    "      signer's certificate for the GUN is made at init; the timestamp key (and\n"
    "      the snapshot key without --role-key snapshot) is the --server's; a first\n"
    "      root only (rotate with tufctl notary rotate GUN root).  Each agent signer's\n"
    "      token (serial, model) is recorded, and, on a YubiKey, the card's attestation\n"
    "      of the key; other signers are recorded unattested.\n"
    "  ceremony status DIR [--json]\n"
    "  ceremony sign DIR --signer NAME            with the key in this machine's agent\n"
    "  ceremony request DIR --signer NAME -o REQ  for an air-gapped signer\n"
    "  ceremony sign-request REQ --key L -o RESP  on the offline machine (its agent)\n"
    "  ceremony import DIR RESP\n"
    "  ceremony finish DIR -o ROOT                only when every threshold is met\n"
    "      sign and sign-request check the signer's token is present first, then show\n"
    "      what is signed and sign only after 'yes' on standard input.  finish then has\n"
    "      the root keys in this machine's agent sign the transcript's head (a seal\n"
    "      record).  Any step run again after a kill completes it, byte for byte.\n"
    "      Adopt ROOT: tufctl repo init REPO --root ROOT (tuf) or tufctl notary init GUN\n"
    "      --root ROOT --targets-key L (notary).\n"
    "  ceremony transcript verify FILE [--root ROOT] [--ca FILE]\n"
    "      FILE (DIR/transcript.jsonl) is a whole hash chain: every record's seq, prev,\n"
    "      time, step and form; the first bad record is named; each seal's signatures.\n"
    "      --root: the last finish record names the SHA-256 of ROOT's exact bytes and a\n"
    "      seal by ROOT's root keys follows it.  --ca: every attestation init recorded\n"
    "      (YubiKey PIV) chains to that CA bundle, attests the signer's key, no device\n"
    "      serves two signers, PIN/touch policies meet init's --require-pin-policy and\n"
    "      --require-touch-policy.\n";

/* A root file of a ceremony: the size tufctl's other root readers take. */
#define ROOT_MAX ((size_t)1024 * 1024)
#define EXPIRES_MAX_DAYS 36500

int
cer_failed(const char *cmd, const struct tn_error *e)
{
	return tufctl_fail("ceremony %s: %s", cmd, e->text);
}

/* ---- init ------------------------------------------------------------------------ */

/* A GUN or repository name as the agent takes it (tuf/cerhead.h). */
static bool
gun_ok(const char *g)
{
	size_t n = strlen(g);

	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)g[i] < 0x21 || (unsigned char)g[i] > 0x7e)
			return false;
	return true;
}

struct init_signer {
	const char *name, *ref;
	char keyid[65];
	json_t *key;
	json_t *token; /* cer_token_of; NULL for pubkey: signers or unknown */
	json_t *attestation; /* cer_attest_signer; NULL: "unattested" */
	bool in_new, in_old;
};

struct init_args {
	struct cer_keyctx kc;
	const char *server, *tls_ca; /* notary: the server's timestamp (and snapshot) key */
	const char *require_pin, *require_touch; /* what attestations must show */
	struct init_signer s[CER_SIGNERS_MAX];
	size_t n;
	const char *role_refs[3][CER_SIGNERS_MAX];
	size_t n_role[3];
};

static const char *const other_roles[3] = { "targets", "snapshot", "timestamp" };

static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) ==
		    NULL)
			return false;
	return true;
}

static int
add_signer(struct init_args *a, const char *arg, bool in_new)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || !name_ok(arg, (size_t)(eq - arg)) || eq[1] == '\0')
		return tufctl_usage("ceremony", "--signer wants NAME=KEYREF (NAME: 1..64 of "
						"[A-Za-z0-9._-]), not '%s'", arg);
	if (a->n == CER_SIGNERS_MAX)
		return tufctl_usage("ceremony", "at most %d signers", CER_SIGNERS_MAX);
	for (size_t i = 0; i < a->n; i++)
		if (strlen(a->s[i].name) == (size_t)(eq - arg) &&
		    strncmp(a->s[i].name, arg, (size_t)(eq - arg)) == 0)
			return tufctl_usage("ceremony", "signer '%.*s' named twice", (int)(eq - arg),
			    arg);
	/* arg is argv's: cut NAME off in place. */
	*(char *)(uintptr_t)eq = '\0';
	a->s[a->n].name = arg;
	a->s[a->n].ref = eq + 1;
	a->s[a->n].in_new = in_new;
	a->n++;
	return TUFCTL_OK;
}

static int
add_role_key(struct init_args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');

	for (size_t i = 0; eq != NULL && eq[1] != '\0' && i < 3; i++)
		if (strlen(other_roles[i]) == (size_t)(eq - arg) &&
		    strncmp(other_roles[i], arg, (size_t)(eq - arg)) == 0) {
			if (a->n_role[i] == CER_SIGNERS_MAX)
				return tufctl_usage("ceremony", "too many %s keys", other_roles[i]);
			a->role_refs[i][a->n_role[i]++] = eq + 1;
			return TUFCTL_OK;
		}
	return tufctl_usage("ceremony", "--role-key wants targets|snapshot|timestamp=KEYREF, not '%s'",
	    arg);
}

/* role's keys and threshold in m copied from prev. */
static int
copy_role(struct ta_meta *m, const struct ta_meta *prev, const char *role)
{
	const json_t *en = json_object_get(json_object_get(prev->signed_v, "roles"), role), *k;
	const json_t *keys = json_object_get(prev->signed_v, "keys");
	size_t i;
	int r = 0;

	json_array_foreach(json_object_get(en, "keyids"), i, k) {
		if (r == 0)
			r = ta_meta_root_add_key(m, role, json_string_value(k),
			    json_object_get(keys, json_string_value(k)));
	}
	if (r == 0)
		r = ta_meta_root_set_threshold(m, role,
		    json_integer_value(json_object_get(en, "threshold")));
	return r;
}

static bool
prev_root_key(const struct ta_meta *prev, const char *keyid)
{
	const json_t *roles = json_object_get(prev->signed_v, "roles"), *k;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(roles, "root"), "keyids"), i, k) {
		if (strcmp(json_string_value(k), keyid) == 0)
			return true;
	}
	return false;
}

/* The notary server's key for role into m (TA_ERR_NOT_FOUND after one
 * line when it cannot be had). */
static int
server_key(const struct init_args *a, struct ta_meta *m, const char *role)
{
	struct tn_options to = {.url = a->server, .gun = a->kc.gun, .tls_ca = a->tls_ca,
	    .read_only = false};
	struct tn_server *srv = NULL;
	struct tn_error e = {.text = ""};
	struct ta_key *k = NULL;
	const char *pass = getenv("TUFCTL_REGISTRY_PASSWORD");
	int r;

	if (a->server == NULL) {
		(void)tufctl_fail("ceremony init: a notary root lists the server's %s key: give "
				  "--server URL%s", role,
		    strcmp(role, "snapshot") == 0 ? " (or --role-key snapshot=KEYREF)" : "");
		return TA_ERR_NOT_FOUND;
	}
	if (pass != NULL && *pass != '\0') {
		to.creds_user = getenv("TUFCTL_REGISTRY_USERNAME");
		to.creds_pass = pass;
	}
	if ((r = tn_server_open(&to, &srv, &e)) == 0 &&
	    (r = tn_server_key_object(srv, role, false, &k, &e)) == 0)
		r = ta_meta_root_add_ta_key(m, role, k);
	if (r == 0)
		r = ta_meta_root_set_threshold(m, role, 1);
	else if (e.text[0] != '\0')
		(void)tufctl_fail("ceremony init: the server's %s key: %s", role, e.text);
	ta_key_free(k);
	tn_server_close(srv);
	return r != 0 && e.text[0] != '\0' ? TA_ERR_NOT_FOUND : r;
}

static int
build_root(struct init_args *a, const struct ta_meta *prev, int64_t threshold, int64_t days,
    time_t exp_at, struct ta_meta **ret)
{
	struct ta_meta *m = NULL;
	time_t exp = exp_at != 0 ? exp_at : time(NULL) + (time_t)days * 86400;
	int r;

	*ret = NULL;
	r = ta_meta_new(a->kc.profile, TA_ROLE_ROOT, exp, &m);
	if (r == 0 && prev != NULL)
		r = ta_meta_set_version(m, ta_meta_version(prev) + 1);
	for (size_t i = 0; r == 0 && i < a->n; i++)
		if (a->s[i].in_new)
			r = ta_meta_root_add_key(m, "root", a->s[i].keyid, a->s[i].key);
	if (r == 0)
		r = ta_meta_root_set_threshold(m, "root", threshold);
	for (size_t i = 0; r == 0 && i < 3; i++) {
		if (a->n_role[i] == 0 && prev == NULL && a->kc.profile == TA_PROFILE_NOTARY) {
			/* notary: the server's timestamp key, and its snapshot
			 * key unless the snapshot is signed here. */
			r = server_key(a, m, other_roles[i]);
			continue;
		}
		if (a->n_role[i] == 0) {
			/* init requires --role-key for each role without --prev-root. */
			r = prev != NULL ? copy_role(m, prev, other_roles[i]) : TA_ERR_INVALID;
			continue;
		}
		for (size_t j = 0; r == 0 && j < a->n_role[i]; j++) {
			char id[65];
			json_t *k = NULL;

			if (cer_key_resolve(&a->kc, a->role_refs[i][j], false, id, &k) != TUFCTL_OK) {
				r = TA_ERR_NOT_FOUND;
				break;
			}
			r = ta_meta_root_add_key(m, other_roles[i], id, k);
			json_decref(k);
		}
		if (r == 0)
			r = ta_meta_root_set_threshold(m, other_roles[i], 1);
	}
	/* Consistent snapshots for a first root (what tufctl repo init
	 * makes); a rotation keeps the repository's choice; notary has none. */
	if (r == 0 && a->kc.profile == TA_PROFILE_TUF)
		r = json_object_set(m->signed_v, "consistent_snapshot",
			prev != NULL ? json_object_get(prev->signed_v, "consistent_snapshot")
				     : json_true()) != 0 ? TA_ERR_NOMEM : 0;
	if (r != 0) {
		ta_meta_free(m);
		return r == TA_ERR_NOT_FOUND ? TUFCTL_FAIL
					     : tufctl_fail("ceremony init: the root: %s", ta_strerror(r));
	}
	*ret = m;
	return TUFCTL_OK;
}

static json_t *
plan_json(const struct init_args *a, int64_t threshold, const char *sha, const char *prev_sha,
    const struct ta_meta *m)
{
	json_t *signers = json_array(), *plan;
	char exp[21] = "";
	time_t t;

	if (ta_meta_expires(m, &t) == 0)
		ta_time_format(t, exp);
	for (size_t i = 0; signers != NULL && i < a->n; i++)
		if (json_array_append_new(signers,
			json_pack("{sssssssOsosbsbso}", "name", a->s[i].name, "keyref", a->s[i].ref,
			    "keyid", a->s[i].keyid, "key", a->s[i].key, "token",
			    a->s[i].token != NULL ? json_incref(a->s[i].token) : json_null(),
			    "new_root", a->s[i].in_new,
			    "old_root", a->s[i].in_old, "attestation",
			    a->s[i].attestation != NULL ? json_incref(a->s[i].attestation) :
							  json_string("unattested"))) != 0) {
			json_decref(signers);
			return NULL;
		}
	plan = json_pack("{sssisosIsIssssss}", "format", "tufctl-ceremony-plan", "format_version", 1,
	    "signers", signers, "threshold", (json_int_t)threshold, "root_version",
	    (json_int_t)ta_meta_version(m), "root_sha256", sha, "expires", exp, "profile",
	    ta_profile_name(a->kc.profile));
	if (plan != NULL && prev_sha != NULL &&
	    json_object_set_new(plan, "prev_root_sha256", json_string(prev_sha)) != 0) {
		json_decref(plan);
		return NULL;
	}
	return plan;
}

/* Writes DIR's files, the plan last: a ceremony is there once its plan is. */
static int
init_write(const char *dir, const uint8_t *root, size_t len, const uint8_t *prev, size_t prev_len,
    const json_t *plan, struct tn_error *e)
{
	char path[4096];
	int r;

#define P(name) (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) \
		? tn_fail(e, TA_ERR_TOO_LARGE, "%s: path too long", dir) : 0)
	if ((r = P(CER_ROOT_FILE)) != 0 || (r = tn_write_file(path, root, len, e)) != 0)
		return r;
	if (prev != NULL &&
	    ((r = P(CER_PREV_FILE)) != 0 || (r = tn_write_file(path, prev, prev_len, e)) != 0))
		return r;
	if ((r = P(CER_SIGS_FILE)) != 0 || (r = tn_write_file(path, "[]\n", 3, e)) != 0)
		return r;
	if ((r = P(CER_PLAN_FILE)) != 0 || (r = tn_write_json(path, plan, e)) != 0)
		return r;
#undef P
	return 0;
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "threshold", required_argument, NULL, 't' },
		{ "signer", required_argument, NULL, 's' },
		{ "old-signer", required_argument, NULL, 'O' },
		{ "role-key", required_argument, NULL, 'k' },
		{ "expires", required_argument, NULL, 'x' },
		{ "prev-root", required_argument, NULL, 'P' },
		{ "gun", required_argument, NULL, 'g' },
		{ "server", required_argument, NULL, 'S' },
		{ "tls-ca", required_argument, NULL, 'C' },
		{ "require-pin-policy", required_argument, NULL, 'R' },
		{ "require-touch-policy", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	struct init_args *a = calloc(1, sizeof(*a));
	const char *profile = NULL, *thr = NULL, *exps = NULL, *prev_path = NULL, *dir, *gun = NULL;
	struct cer *old = NULL;
	time_t exp_at = 0;
	struct ta_meta *prev = NULL, *m = NULL;
	struct tc_transcript *t = NULL;
	struct tn_error e;
	uint8_t *prev_bytes = NULL, *root = NULL;
	size_t prev_len = 0, root_len = 0, n_new = 0;
	char sha[65], prev_sha[65];
	json_t *plan = NULL, *fields = NULL;
	int64_t threshold = 0, days = 365;
	int ch, rc = TUFCTL_FAIL;
	char *end;

	if (a == NULL)
		return tufctl_fail("ceremony init: out of memory");
	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(cer_usage, "ceremony init"))) != -1) {
		rc = TUFCTL_OK;
		switch (ch) {
		case 'p': profile = optarg; break;
		case 't': thr = optarg; break;
		case 's': rc = add_signer(a, optarg, true); break;
		case 'O': rc = add_signer(a, optarg, false); break;
		case 'k': rc = add_role_key(a, optarg); break;
		case 'x': exps = optarg; break;
		case 'P': prev_path = optarg; break;
		case 'g': gun = optarg; break;
		case 'S': a->server = optarg; break;
		case 'C': a->tls_ca = optarg; break;
		case 'R': a->require_pin = optarg; break;
		case 'U': a->require_touch = optarg; break;
		default: rc = tufctl_usage("ceremony", "unknown option or missing value");
		}
		if (rc != TUFCTL_OK)
			goto out;
	}
	rc = TUFCTL_USAGE;
	if (optind != argc - 1) {
		(void)tufctl_usage("ceremony", "init takes one DIR");
		goto out;
	}
	dir = argv[optind];
	if (profile == NULL || ta_profile_from_name(profile, &a->kc.profile) != 0) {
		(void)tufctl_usage("ceremony", "init wants --profile tuf or --profile notary");
		goto out;
	}
	a->kc.gun = gun;
	{
		enum att_pin ap;
		enum att_touch at;

		if ((a->require_pin != NULL && !att_pin_from_name(a->require_pin, &ap)) ||
		    (a->require_touch != NULL && !att_touch_from_name(a->require_touch, &at))) {
			(void)tufctl_usage("ceremony", "--require-pin-policy takes never, once or always; "
						       "--require-touch-policy never, cached or always");
			goto out;
		}
	}
	if (a->kc.profile == TA_PROFILE_NOTARY) {
		days = TN_ROOT_DAYS;
		if (gun == NULL) {
			(void)tufctl_usage("ceremony", "--profile notary wants --gun GUN");
			goto out;
		}
		if (a->n_role[2] > 0) {
			(void)tufctl_usage("ceremony", "a notary root's timestamp key is the server's: "
						       "give --server URL, not --role-key timestamp");
			goto out;
		}
		if (prev_path != NULL) {
			(void)tufctl_usage("ceremony", "--profile notary makes a GUN's first root; rotate "
						       "a notary root with tufctl notary rotate GUN root");
			goto out;
		}
	} else if (a->server != NULL || a->tls_ca != NULL) {
		(void)tufctl_usage("ceremony", "--server and --tls-ca are for --profile notary");
		goto out;
	}
	if (gun != NULL && !gun_ok(gun)) {
		(void)tufctl_usage("ceremony", "--gun wants 1 to 255 printable ASCII characters, no "
					       "spaces");
		goto out;
	}
	for (size_t i = 0; i < a->n; i++)
		n_new += a->s[i].in_new;
	errno = 0;
	if (thr != NULL)
		threshold = strtoll(thr, &end, 10);
	if (thr == NULL || errno != 0 || *thr == '\0' || *end != '\0' || threshold < 1 ||
	    (size_t)threshold > n_new) {
		(void)tufctl_usage("ceremony", "--threshold wants a whole number from 1 to the number "
					       "of --signer keys (%zu)", n_new);
		goto out;
	}
	if (exps != NULL) {
		errno = 0;
		days = strtoll(exps, &end, 10);
		if (errno != 0 || *exps == '\0' || *end != '\0' || days < 1 ||
		    days > EXPIRES_MAX_DAYS) {
			(void)tufctl_usage("ceremony", "--expires wants days, 1 to %d",
			    EXPIRES_MAX_DAYS);
			goto out;
		}
	}
	for (size_t i = 0; i < 3; i++)
		if (prev_path == NULL && a->n_role[i] == 0 &&
		    (a->kc.profile == TA_PROFILE_TUF || i == 0)) {
			(void)tufctl_usage("ceremony", "without --prev-root, --role-key %s=KEYREF is "
						       "required", other_roles[i]);
			goto out;
		}
	if (prev_path == NULL && n_new != a->n) {
		(void)tufctl_usage("ceremony", "--old-signer wants --prev-root");
		goto out;
	}
	rc = TUFCTL_FAIL;
	/* A ceremony that has begun is never started over: its transcript
	 * says so. */
	if (tc_open(dir, &t, &e) != 0) {
		rc = cer_failed("init", &e);
		goto out;
	}
	if (tc_records(t) != 0) {
		rc = tufctl_fail("ceremony init: %s: a ceremony is already under way there", dir);
		goto out;
	}
	/* An init killed before its transcript record: the same arguments
	 * make the same root (its expiry is kept) and complete it. */
	if (cer_load(dir, &old, &e) == 0 && ta_meta_expires(old->root, &exp_at) != 0)
		exp_at = 0;
	if (prev_path != NULL) {
		struct ta_json_error je;
		int r;

		if (tufctl_read_file(prev_path, ROOT_MAX, &prev_bytes, &prev_len) != 0)
			goto out;
		if ((r = ta_meta_parse(prev_bytes, prev_len, a->kc.profile, "root", &prev, &je)) != 0) {
			rc = tufctl_fail("ceremony init: %s is not a %s root: %s", prev_path, profile,
			    je.text[0] != '\0' ? je.text : ta_strerror(r));
			goto out;
		}
		cer_sha256_hex(prev_bytes, prev_len, prev_sha);
	}
	for (size_t i = 0; i < a->n; i++) {
		if (cer_key_resolve(&a->kc, a->s[i].ref, a->s[i].in_new || a->kc.profile == TA_PROFILE_TUF,
			a->s[i].keyid, &a->s[i].key) != TUFCTL_OK)
			goto out;
		/* Which token it is, to be checked before each signature. */
		if (strncmp(a->s[i].ref, "pubkey:", 7) != 0 && strncmp(a->s[i].ref, "cert:", 5) != 0) {
			a->s[i].token = cer_token_of(a->s[i].ref);
			a->s[i].attestation = cer_attest_signer(a->s[i].ref, a->s[i].token,
			    a->s[i].key, a->kc.profile);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->s[j].keyid, a->s[i].keyid) == 0) {
				rc = tufctl_fail("ceremony init: signers '%s' and '%s' have one key",
				    a->s[j].name, a->s[i].name);
				goto out;
			}
		a->s[i].in_old = prev != NULL && prev_root_key(prev, a->s[i].keyid);
		if (!a->s[i].in_new && !a->s[i].in_old) {
			rc = tufctl_fail("ceremony init: --old-signer '%s': key %s is not a root key of "
					 "%s", a->s[i].name, a->s[i].keyid, prev_path);
			goto out;
		}
	}
	if (build_root(a, prev, threshold, days, exp_at, &m) != TUFCTL_OK)
		goto out;
	if (ta_meta_write(m, &root, &root_len) != 0) {
		rc = tufctl_fail("ceremony init: cannot write the root");
		goto out;
	}
	cer_sha256_hex(root, root_len, sha);
	plan = plan_json(a, threshold, sha, prev != NULL ? prev_sha : NULL, m);
	if (plan == NULL ||
	    (gun != NULL && json_object_set_new(plan, "gun", json_string(gun)) != 0) ||
	    ((a->require_pin != NULL || a->require_touch != NULL) &&
		json_object_set_new(plan, "require",
		    json_pack("{ssss}", "pin_policy", a->require_pin ? a->require_pin : "never",
			"touch_policy", a->require_touch ? a->require_touch : "never")) != 0)) {
		rc = tufctl_fail("ceremony init: out of memory");
		goto out;
	}
	if (old != NULL && (old->root_len != root_len || memcmp(old->root_bytes, root, root_len) != 0 ||
	    !json_equal(old->plan, plan))) {
		rc = tufctl_fail("ceremony init: %s holds an unfinished init of another root (nothing "
				 "was signed): remove it, or run init with the same arguments", dir);
		goto out;
	}
	if (init_write(dir, root, root_len, prev_bytes, prev_len, plan, &e) != 0) {
		rc = cer_failed("init", &e);
		goto out;
	}
	{
		/* The ceremony's ID is what the plan's bytes hash to: read back. */
		struct cer *c = NULL;

		if (cer_load(dir, &c, &e) != 0) {
			rc = cer_failed("init", &e);
			goto out;
		}
		tn_test_crash("ceremony-init");
		fields = json_pack("{sssOss}", "ceremony", c->id, "plan", plan, "root_sha256", sha);
		if (fields == NULL || tc_append(t, "init", fields, time(NULL), &e) != 0) {
			cer_free(c);
			rc = fields == NULL ? tufctl_fail("ceremony init: out of memory")
					    : cer_failed("init", &e);
			goto out;
		}
		fprintf(tufctl_human(), "ceremony %s: TUF root version %lld, %zu signers, threshold %lld\n", c->id,
		    (long long)ta_meta_version(m), a->n, (long long)threshold);
		(void)cer_summary(tufctl_human(), c->root, c->prev, c->sha256);
		cer_free(c);
	}
	rc = tufctl_stdout_done();
out:
	for (size_t i = 0; i < a->n; i++) {
		json_decref(a->s[i].key);
		json_decref(a->s[i].token);
		json_decref(a->s[i].attestation);
	}
	free(a);
	json_decref(fields);
	json_decref(plan);
	free(root);
	free(prev_bytes);
	ta_meta_free(m);
	ta_meta_free(prev);
	cer_free(old);
	tc_close(t);
	return rc;
}

/* ---- status ---------------------------------------------------------------------- */

static int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cer *c = NULL;
	struct tc_transcript *t = NULL;
	struct tn_error e, te;
	json_t *out = NULL, *signers = NULL, *prev = json_null(), *tr;
	const json_t *s;
	size_t have, phave, i;
	int64_t need, pneed;
	int ch, rc;
	bool done;

	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(cer_usage, "ceremony status"))) != -1) {
		if (ch != 'j')
			return tufctl_usage("ceremony", "unknown option or missing value");
		tufctl.json = true;
	}
	if (optind != argc - 1)
		return tufctl_usage("ceremony", "status takes one DIR");
	if (cer_load(argv[optind], &c, &e) != 0)
		return cer_failed("status", &e);
	cer_counts(c, &have, &need, &phave, &pneed);
	done = (int64_t)have >= need && (c->prev == NULL || (int64_t)phave >= pneed);
	if (tc_open(c->dir, &t, &te) == 0) {
		tr = json_pack("{sbsI}", "intact", 1, "records", (json_int_t)tc_records(t));
		tc_close(t);
	} else {
		tr = json_pack("{sbss}", "intact", 0, "error", te.text);
	}
	signers = json_array();
	json_array_foreach(json_object_get(c->plan, "signers"), i, s) {
		(void)json_array_append_new(signers,
		    json_pack("{sOsOsOsOsOsb}", "name", json_object_get(s, "name"), "keyid",
			json_object_get(s, "keyid"), "new_root", json_object_get(s, "new_root"),
			"old_root", json_object_get(s, "old_root"), "attestation",
			json_object_get(s, "attestation"), "signed",
			cer_has_sig(c, json_string_value(json_object_get(s, "keyid")))));
	}
	if (c->prev != NULL)
		prev = json_pack("{sIsIsI}", "version", (json_int_t)ta_meta_version(c->prev), "have",
		    (json_int_t)phave, "need", (json_int_t)pneed);
	out = json_pack("{sssssIsosOs{sIsI}sosbso}", "ceremony", c->id, "sha256", c->sha256,
	    "version", (json_int_t)ta_meta_version(c->root), "signers", signers, "threshold",
	    json_object_get(c->plan, "threshold"), "new_root", "have", (json_int_t)have, "need",
	    (json_int_t)need, "old_root", prev, "complete", done, "transcript", tr);
	if (out == NULL) {
		cer_free(c);
		return tufctl_fail("ceremony status: out of memory");
	}
	if (tufctl.json) {
		rc = tufctl_print_json(out);
		json_decref(out);
		cer_free(c);
		return rc;
	}
	fprintf(tufctl_human(), "ceremony %s\n%s root version %lld, sha256 %s\n", c->id,
	    c->profile == TA_PROFILE_NOTARY ? "Notary v1" : "TUF", (long long)ta_meta_version(c->root),
	    c->sha256);
	json_array_foreach(json_object_get(out, "signers"), i, s) {
		const json_t *att = json_object_get(s, "attestation");
		char attested[80];

		if (json_is_object(att))
			(void)snprintf(attested, sizeof(attested), "attested: serial %lld, slot %s",
			    (long long)json_integer_value(json_object_get(att, "serial")),
			    json_string_value(json_object_get(att, "slot")) != NULL
				? json_string_value(json_object_get(att, "slot")) : "?");
		else
			(void)snprintf(attested, sizeof(attested), "%s",
			    json_string_value(att) != NULL ? json_string_value(att) : "unattested");
		fprintf(tufctl_human(), "  %-16s %.16s  %-18s %-8s %s\n", json_string_value(json_object_get(s, "name")),
		    json_string_value(json_object_get(s, "keyid")),
		    json_is_true(json_object_get(s, "new_root"))
			? (json_is_true(json_object_get(s, "old_root")) ? "new and old root" : "new root")
			: "old root",
		    json_is_true(json_object_get(s, "signed")) ? "signed" : "unsigned", attested);
	}
	fprintf(tufctl_human(), "new root: %zu of %lld signatures\n", have, (long long)need);
	if (c->prev != NULL)
		fprintf(tufctl_human(), "previous root v%lld: %zu of %lld signatures\n",
		    (long long)ta_meta_version(c->prev), phave, (long long)pneed);
	tr = json_object_get(out, "transcript");
	if (json_is_true(json_object_get(tr, "intact")))
		fprintf(tufctl_human(), "transcript: %lld records, chain intact\n",
		    (long long)json_integer_value(json_object_get(tr, "records")));
	else
		fprintf(tufctl_human(), "transcript: BROKEN: %s\n", json_string_value(json_object_get(tr, "error")));
	fprintf(tufctl_human(), "%s\n", done ? "every threshold met: ready to finish" : "awaiting signatures");
	json_decref(out);
	cer_free(c);
	return tufctl_stdout_done();
}

/* ---- finish ---------------------------------------------------------------------- */

static int
cmd_finish(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outp = NULL;
	struct cer *c = NULL;
	struct tc_transcript *t = NULL;
	struct ta_verify_result res;
	struct ta_meta m;
	struct tn_error e;
	uint8_t *file = NULL;
	size_t len, have, phave;
	int64_t need, pneed;
	char sha[65];
	json_t *fields = NULL, *good = NULL;
	const json_t *sig;
	size_t i;
	int ch, rc = TUFCTL_FAIL;

	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, "o:", opts, tufctl_usage_of(cer_usage, "ceremony finish"))) != -1) {
		if (ch != 'o')
			return tufctl_usage("ceremony", "unknown option or missing value");
		outp = optarg;
	}
	if (optind != argc - 1 || outp == NULL)
		return tufctl_usage("ceremony", "finish takes DIR and -o ROOT");
	if (cer_load(argv[optind], &c, &e) != 0)
		return cer_failed("finish", &e);
	if (tc_open(c->dir, &t, &e) != 0) {
		rc = cer_failed("finish", &e);
		goto out;
	}
	cer_counts(c, &have, &need, &phave, &pneed);
	if ((int64_t)have < need || (c->prev != NULL && (int64_t)phave < pneed)) {
		if ((int64_t)have < need)
			rc = tufctl_fail("ceremony finish: the new root has %zu of %lld signatures; "
					 "nothing written", have, (long long)need);
		else
			rc = tufctl_fail("ceremony finish: the previous root's keys made %zu of %lld "
					 "signatures; nothing written", phave, (long long)pneed);
		goto out;
	}
	/* Only signatures that verify go into ROOT: signatures.json is a file
	 * anyone could have edited since they were checked. */
	if ((good = json_array()) == NULL) {
		rc = tufctl_fail("ceremony finish: out of memory");
		goto out;
	}
	json_array_foreach(c->sigs, i, sig) {
		const char *id = json_string_value(json_object_get(sig, "keyid"));
		const json_t *s, *key = NULL;
		size_t j;

		json_array_foreach(json_object_get(c->plan, "signers"), j, s) {
			if (id != NULL && strcmp(json_string_value(json_object_get(s, "keyid")), id) == 0)
				key = json_object_get(s, "key");
		}
		if (key != NULL && cer_sig_valid(c->root, id, key, sig) &&
		    json_array_append(good, (json_t *)(uintptr_t)sig) != 0) {
			rc = tufctl_fail("ceremony finish: out of memory");
			goto out;
		}
	}
	m = *c->root;
	m.signatures = good;
	/* What a client will check, once more over the whole file. */
	if (ta_verify_root(c->prev, &m, cer_gun(c), time(NULL), &res) != 0) {
		rc = tufctl_fail("ceremony finish: the signed root does not verify: %s", res.detail);
		goto out;
	}
	if (ta_meta_write(&m, &file, &len) != 0) {
		rc = tufctl_fail("ceremony finish: cannot write the root");
		goto out;
	}
	if (tn_write_file(outp, file, len, &e) != 0) {
		rc = cer_failed("finish", &e);
		goto out;
	}
	cer_sha256_hex(file, len, sha);
	tn_test_crash("ceremony-finish");
	/* Run again after a kill: the same bytes, and the record once. */
	if (!tc_has(t, "finish", "root_sha256", sha)) {
		fields = json_pack("{sssssIsI}", "ceremony", c->id, "root_sha256", sha, "signatures",
		    (json_int_t)json_array_size(good), "version",
		    (json_int_t)ta_meta_version(c->root));
		if (fields == NULL || tc_append(t, "finish", fields, time(NULL), &e) != 0) {
			rc = fields == NULL ? tufctl_fail("ceremony finish: out of memory")
					    : cer_failed("finish", &e);
			goto out;
		}
	}
	fprintf(tufctl_human(), "root version %lld written to %s (sha256 %s); the transcript names it\n",
	    (long long)ta_meta_version(c->root), outp, sha);
	if (cer_seal(c, t, sha, &e) != 0) {
		rc = cer_failed("finish", &e);
		goto out;
	}
	rc = tufctl_stdout_done();
out:
	json_decref(good);
	json_decref(fields);
	free(file);
	tc_close(t);
	cer_free(c);
	return rc;
}

/* ---- transcript verify ------------------------------------------------------------ */

/* ", sealed by K of M root keys" or ", not sealed", for the one line. */
static void
seal_words(const struct cer_seal_check *sc, char *buf, size_t len)
{
	if (!sc->sealed)
		(void)snprintf(buf, len, ", not sealed");
	else
		(void)snprintf(buf, len, ", sealed (record %zu) by %zu of the threshold %lld root "
					 "keys%s%s", sc->seal, sc->valid, (long long)sc->threshold,
		    sc->valid == 0 ? " (UNSIGNED)" : "",
		    sc->after > 0 ? "; records after the seal are not covered" : "");
}

/* ", N of M signers attested ..." of the init record's plan, against ca;
 * TA_ERR_VERIFY with why naming the signer. */
static int
attest_words(const uint8_t *data, size_t len, const char *ca, char *out, size_t out_len,
    char *why, size_t why_len)
{
	const uint8_t *nl = memchr(data, '\n', len);
	json_t *rec = nl != NULL ? json_loadb((const char *)data, (size_t)(nl - data), 0, NULL) : NULL;
	const char *step = json_string_value(json_object_get(rec, "step"));
	char sum[400], w[400];
	int r;

	if (step == NULL || strcmp(step, "init") != 0) {
		json_decref(rec);
		(void)snprintf(why, why_len, "record 1 is no init record: no plan to check");
		return TA_ERR_VERIFY;
	}
	r = cer_attest_check(json_object_get(rec, "plan"), ca, sum, sizeof(sum), w, sizeof(w));
	json_decref(rec);
	if (r != 0) {
		(void)snprintf(why, why_len, "record 1 (init): %s", w);
		return r;
	}
	(void)snprintf(out, out_len, "; %s", sum);
	return 0;
}

static int
transcript_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "ca", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *path, *ca = NULL;
	struct tc_check c;
	struct cer_seal_check sc;
	struct ta_meta *rm = NULL;
	uint8_t *data = NULL, *root = NULL, md[32];
	size_t len = 0, root_len = 0;
	char hex[65], words[160], att[512] = "", awhy[512];
	int ch, r;

	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, "", opts, tufctl_usage_of(cer_usage, "ceremony transcript"))) != -1) {
		switch (ch) {
		case 'r':
			root_path = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 'h':
			(void)fputs(cer_usage, stdout);
			return TUFCTL_OK;
		default:
			return tufctl_usage("ceremony", "unknown option or missing value");
		}
	}
	if (optind != argc - 1)
		return tufctl_usage("ceremony", "transcript verify takes one FILE");
	path = argv[optind];
	if (tufctl_read_file(path, TC_FILE_MAX, &data, &len) != 0)
		return TUFCTL_FAIL;
	r = tc_verify(data, len, &c);
	if (r == 0 && root_path != NULL) {
		if (tufctl_read_file(root_path, ROOT_MAX, &root, &root_len) != 0) {
			free(data);
			return TUFCTL_FAIL;
		}
		if (EVP_Digest(root, root_len, md, NULL, EVP_sha256(), NULL) != 1) {
			free(data);
			free(root);
			return tufctl_fail("cannot hash '%s'", root_path);
		}
		ta_hex(hex, md, sizeof(md));
		/* The seal's keys must be ROOT's root keys (either profile). */
		if (ta_meta_parse(root, root_len, TA_PROFILE_TUF, "root", &rm, NULL) != 0 &&
		    ta_meta_parse(root, root_len, TA_PROFILE_NOTARY, "root", &rm, NULL) != 0)
			rm = NULL;
		free(root);
	}
	if (r != 0) {
		free(data);
		return tufctl_fail("transcript %s: %s", path, c.why);
	}
	r = cer_seal_check(data, len, rm, &sc);
	if (r == 0 && ca != NULL &&
	    attest_words(data, len, ca, att, sizeof(att), awhy, sizeof(awhy)) != 0) {
		free(data);
		ta_meta_free(rm);
		return tufctl_fail("transcript %s: %s", path, awhy);
	}
	free(data);
	if (r != 0) {
		ta_meta_free(rm);
		return tufctl_fail("transcript %s: %s", path, sc.why);
	}
	seal_words(&sc, words, sizeof(words));
	if (root_path == NULL) {
		fprintf(tufctl_human(), "transcript: %zu record%s, chain intact%s%s\n", c.records,
		    c.records == 1 ? "" : "s", words, att);
		return tufctl_stdout_done();
	}
	if (c.finish == 0)
		r = tufctl_fail("transcript %s: no finish record names a root", path);
	else if (strcmp(c.finish_root, hex) != 0)
		r = tufctl_fail("transcript %s: record %zu (finish): root_sha256 is not the "
				"SHA-256 of '%s'", path, c.finish, root_path);
	else if (!sc.sealed)
		r = tufctl_fail("transcript %s: no seal record follows the finish record %zu: its "
				"end is not protected", path, c.finish);
	else if (rm == NULL)
		r = tufctl_fail("transcript %s: '%s' is not a root file to check the seal's keys "
				"against", path, root_path);
	else if (sc.after > 0)
		r = tufctl_fail("transcript %s: %zu record%s after the seal (record %zu)", path,
		    sc.after, sc.after == 1 ? "" : "s", sc.seal);
	ta_meta_free(rm);
	if (r != 0)
		return r;
	fprintf(tufctl_human(), "transcript: %zu record%s, chain intact, finish names %s%s%s\n", c.records,
	    c.records == 1 ? "" : "s", root_path, words, att);
	return tufctl_stdout_done();
}

static int
cmd_transcript(int argc, char **argv)
{
	static const struct tufctl_cmd cmds[] = {
		{ "verify", transcript_verify },
	};

	if (argc < 2)
		return tufctl_usage("ceremony", "transcript takes 'verify'");
	if (argv[1][0] != '-' && strcmp(argv[1], "verify") != 0)
		return tufctl_usage("ceremony", "unknown transcript command '%s'", argv[1]);
	return TUFCTL_DISPATCH("ceremony transcript", tufctl_usage_of(cer_usage, "ceremony transcript"),
	    cmds, argc, argv);
}

int
tufctl_cmd_ceremony(int argc, char **argv)
{
	static const struct tufctl_cmd cmds[] = {
		{ "init", cmd_init },
		{ "status", cmd_status },
		{ "sign", cer_cmd_sign },
		{ "request", cer_cmd_request },
		{ "sign-request", cer_cmd_sign_request },
		{ "import", cer_cmd_import },
		{ "finish", cmd_finish },
		{ "transcript", cmd_transcript },
	};

	if (argc < 2)
		return tufctl_usage("ceremony", "a command is required");
	return TUFCTL_DISPATCH("ceremony", cer_usage, cmds, argc, argv);
}
