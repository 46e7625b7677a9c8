/* tufctl notary: the commands that decide who signs (client/cmd_notary.h):
 * init, with a root of its own or a ceremony's (--root), delegation add and
 * remove, root (show a GUN's root) and rotate. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "client/agent_api.h"
#include "client/cmd_notary.h"
#include "client/notary_agent.h"
#include "client/notary_http.h"
#include "client/notary_list.h"
#include "client/notary_publish.h"
#include "client/notary_store.h"
#include "client/notary_walk.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/secret.h"
#include "protocol/proto.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/verify.h"
#include "tuf/x509.h"


/* ---- init --------------------------------------------------------------------------- */

/* A root certificate for gun whose key is the agent key, as a key object:
 * one kept in the trust directory or on the token, else a new one. */
static int
root_cert_key(struct nopts *o, struct tn_repo *repo, const json_t *kept, const char *label,
    struct ta_key **ret)
{
	struct ta_key *k = NULL, *c = NULL;
	const uint8_t *spki, *cspki;
	size_t spki_len, cspki_len, i;
	const json_t *v;
	char *pem = NULL;
	time_t now = time(NULL);
	struct tn_error e = { .text = "" };
	int r;

	*ret = NULL;
	if (tn_agent_key_show(o->cmd, label, &k) != 0)
		return TUFCTL_FAIL;
	spki = ta_key_spki(k, &spki_len);
	/* The token's own certificate, when it is one for this GUN. */
	if (ta_key_is_x509(k)) {
		size_t pl;
		const uint8_t *p = ta_key_public_bytes(k, &pl);

		if (ta_x509_check_root(p, pl, repo->gun, now, TA_X509_CHECK_TIME, NULL) == 0) {
			*ret = k;
			return 0;
		}
	}
	json_array_foreach(kept, i, v) {
		const char *s = json_string_value(v);

		if (ta_x509_check_root((const uint8_t *)s, strlen(s), repo->gun, now,
			TA_X509_CHECK_TIME, NULL) != 0 ||
		    ta_key_from_cert_pem(s, strlen(s), false, &c) != 0)
			continue;
		cspki = ta_key_spki(c, &cspki_len);
		if (cspki_len == spki_len && memcmp(cspki, spki, spki_len) == 0) {
			ta_key_free(k);
			*ret = c;
			return 0;
		}
		ta_key_free(c);
		c = NULL;
	}
	ta_key_free(k);
	if (tn_agent_key_cert(o->cmd, label, repo->gun, &pem) != 0)
		return TUFCTL_FAIL;
	if ((r = ta_key_from_cert_pem(pem, strlen(pem), false, &c)) != 0) {
		free(pem);
		return tn_cmd_fail(o->cmd, "the agent's certificate for '%s' is unusable: %s",
		    label, ta_strerror(r));
	}
	if (tn_repo_put_cert(repo, ta_key_id(c), pem, &e) != 0) {
		free(pem);
		ta_key_free(c);
		return tnc_err(o, &e);
	}
	free(pem);
	*ret = c;
	return 0;
}

static int
add_key(struct nopts *o, struct ta_meta *root, const char *role, const struct ta_key *k)
{
	int r = ta_meta_root_add_ta_key(root, role, k);

	return r != 0 ? tn_cmd_fail(
			    o->cmd, "cannot add a %s key to the root: %s", role, ta_strerror(r))
		      : 0;
}

/* The server's key for role (timestamp or snapshot), perhaps rotated. */
static int
server_key(struct nopts *o, struct nsession *ns, const char *role, bool rotate,
    struct ta_key **ret)
{
	struct tn_error e = { .text = "" };

	return tn_server_key_object(ns->srv, role, rotate, ret, &e) != 0 ? tnc_err(o, &e) : 0;
}

static int
meta_text(struct nopts *o, const struct ta_meta *m, json_t **ret)
{
	uint8_t *b = NULL;
	size_t n;
	int r;

	if ((r = ta_meta_write(m, &b, &n)) != 0)
		return tn_cmd_fail(o->cmd, "cannot write metadata: %s", ta_strerror(r));
	*ret = json_stringn((char *)b, n);
	free(b);
	return *ret == NULL ? tnc_nomem(o) : 0;
}

/* Whether root lists exactly k (by key ID) for role. */
static bool
root_lists(const struct ta_meta *root, const char *role, const struct ta_key *k)
{
	const json_t *ids = json_object_get(
	    json_object_get(json_object_get(root->signed_v, "roles"), role), "keyids");

	return json_array_size(ids) == 1 &&
	       strcmp(json_string_value(json_array_get(ids, 0)), ta_key_id(k)) == 0;
}

/* notary init --root FILE: a root finished elsewhere (tufctl ceremony,
 * --profile notary), signed to its threshold, staged to be published byte
 * for byte; its other roles' keys must be the ones this publish signs with
 * and the server's. */
static int
init_adopt(struct nopts *o, struct tn_repo *repo)
{
	struct ta_meta *root = NULL, *targets = NULL;
	struct ta_verify_result res;
	struct ta_json_error je;
	struct ta_key *k = NULL;
	json_t *init = NULL, *t = NULL;
	struct tn_error e = { .text = "" };
	uint8_t *b = NULL;
	size_t n;
	time_t now = time(NULL);
	const char *why = NULL;
	int r, ret = TUFCTL_FAIL;

	if (tufctl_read_file(o->root_file, TN_ROOT_MAX, &b, &n) != 0)
		return TUFCTL_FAIL;
	if ((r = ta_meta_parse(b, n, TA_PROFILE_NOTARY, "root", &root, &je)) != 0) {
		(void)tn_cmd_fail(o->cmd, "%s is not a notary root: %s", o->root_file,
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		goto out;
	}
	if (ta_verify_root(NULL, root, repo->gun, now, &res) != 0) {
		(void)tn_cmd_fail(o->cmd, "%s does not verify as a root of '%s': %s", o->root_file,
		    repo->gun, res.detail);
		goto out;
	}
	if (tn_agent_key_show(o->cmd, o->targets_key, &k) != 0)
		goto out;
	if (!root_lists(root, "targets", k))
		why = "its targets key is not --targets-key's";
	ta_key_free(k);
	k = NULL;
	/* The server's keys (timestamp, a server-kept snapshot) cannot be
	 * compared here: before a GUN's first publish each GET makes a new
	 * one, and the server takes any it handed out (FORMATS.md, timestamp
	 * key); it refuses the upload when the root names one it does not
	 * hold. */
	if (why == NULL && o->snapshot_key != NULL) {
		if (tn_agent_key_show(o->cmd, o->snapshot_key, &k) != 0)
			goto out;
		if (!root_lists(root, "snapshot", k))
			why = "its snapshot key is not --snapshot-key's";
	}
	if (why != NULL) {
		(void)tn_cmd_fail(o->cmd, "%s cannot start '%s' on %s: %s", o->root_file, repo->gun,
		    repo->url, why);
		goto out;
	}
	if (tufctl_scope_ensure(o->targets_key, "notary", repo->gun, "targets") != 0 ||
	    (o->snapshot_key != NULL &&
		tufctl_scope_ensure(o->snapshot_key, "notary", repo->gun, "snapshot") != 0))
		goto out;
	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, now + TN_META_DAYS * TN_DAY,
		 &targets)) != 0) {
		(void)tn_cmd_fail(o->cmd, "cannot make metadata: %s", ta_strerror(r));
		goto out;
	}
	if ((init = json_pack("{s:s#, s:b}", "root", (const char *)b, n, "root_signed", 1)) == NULL ||
	    meta_text(o, targets, &t) != 0 || json_object_set_new(init, "targets", t) != 0) {
		(void)tnc_nomem(o);
		goto out;
	}
	if (tn_repo_set_init(repo, init, &e) != 0) {
		(void)tnc_err(o, &e);
		goto out;
	}
	if (tufctl.json) {
		ret = tnc_print_json(o, json_pack("{s:s, s:b, s:s, s:I}", "gun", repo->gun, "staged", 1,
		    "root", "adopted", "root_version", (json_int_t)ta_meta_version(root)));
		goto out;
	}
	printf("initialised %s with the root of %s (version %lld, %lld of %zu root keys signed it); "
	       "publish with: tufctl notary publish %s\n",
	    repo->gun, o->root_file, (long long)ta_meta_version(root), (long long)res.threshold,
	    res.nvalid, repo->gun);
	ret = TUFCTL_OK;
out:
	ta_key_free(k);
	ta_meta_free(root);
	ta_meta_free(targets);
	json_decref(init);
	free(b);
	return ret;
}

int
tnc_cmd_init(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_KEY, O_TARGETS_KEY, O_SNAPSHOT_KEY, O_ROOT_THRESHOLD,
		O_ROOT, O_JSON, 0 };
	struct nopts o = { .cmd = "init" };
	struct nsession ns = { 0 };
	struct tn_repo *repo = NULL;
	struct ta_meta *root = NULL, *targets = NULL;
	struct ta_key *k = NULL;
	json_t *kept = NULL, *init = NULL, *t = NULL;
	struct tn_error e = { .text = "" };
	uint8_t *b = NULL;
	size_t n;
	time_t now = time(NULL);
	int r, ret = TUFCTL_FAIL;

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 1,
		 "usage: tufctl notary init GUN --server URL (--root-key L [--root-key L]... "
		 "[--root-threshold N] | --root FILE) --targets-key L [--snapshot-key L]\n")) != 0)
		return r;
	if (o.root_file != NULL && (o.n_root_keys > 0 || o.root_threshold > 0))
		return tnc_usage(&o, "--root FILE brings its root keys and threshold: no "
					   "--root-key or --root-threshold");
	if (o.server == NULL || (o.n_root_keys == 0 && o.root_file == NULL) || o.targets_key == NULL)
		return tnc_usage(&o, "--server, --root-key (or --root) and --targets-key are "
					   "required");
	if (o.root_threshold > (long long)o.n_root_keys)
		return tnc_usage(&o, "--root-threshold %lld is more than the %zu root keys",
		    o.root_threshold, o.n_root_keys);
	if (tnc_repo_open(&o, true, &repo) != 0)
		goto out;
	{
		char *p;
		bool published;

		if (asprintf(&p, "%s/metadata/root.json", repo->dir) < 0)
			goto oom;
		published = access(p, F_OK) == 0;
		free(p);
		if (published) {
			(void)tn_cmd_fail(o.cmd,
			    "'%s' already has trust data from %s in %s; nothing to "
			    "initialise",
			    repo->gun, repo->url, repo->dir);
			goto out;
		}
	}
	if (tnc_server_open(&o, repo, false, &ns) != 0)
		goto out;
	r = tn_get(ns.srv, "root", TN_ROOT_MAX, &b, &n, &e);
	free(b);
	b = NULL;
	if (r == 0) {
		(void)tn_cmd_fail(o.cmd,
		    "'%s' already exists on %s; use tufctl notary list to trust it", repo->gun,
		    repo->url);
		goto out;
	}
	if (r != TA_ERR_NOT_FOUND) {
		(void)tnc_err(&o, &e);
		goto out;
	}
	if (o.root_file != NULL) {
		ret = init_adopt(&o, repo);
		goto out;
	}
	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_ROOT, now + TN_ROOT_DAYS * TN_DAY,
		 &root)) != 0 ||
	    (r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, now + TN_META_DAYS * TN_DAY,
		 &targets)) != 0) {
		(void)tn_cmd_fail(o.cmd, "cannot make metadata: %s", ta_strerror(r));
		goto out;
	}
	if (tn_repo_certs(repo, &kept, &e) != 0) {
		(void)tnc_err(&o, &e);
		goto out;
	}
	for (size_t i = 0; i < o.n_root_keys; i++) {
		if (tufctl_scope_ensure(o.root_keys[i], "notary", repo->gun, "root") != 0 ||
		    root_cert_key(&o, repo, kept, o.root_keys[i], &k) != 0 ||
		    add_key(&o, root, "root", k) != 0)
			goto out;
		ta_key_free(k);
		k = NULL;
	}
	if (tufctl_scope_ensure(o.targets_key, "notary", repo->gun, "targets") != 0 ||
	    tn_agent_key_show(o.cmd, o.targets_key, &k) != 0 ||
	    add_key(&o, root, "targets", k) != 0)
		goto out;
	ta_key_free(k);
	k = NULL;
	if (o.snapshot_key != NULL
		? tufctl_scope_ensure(o.snapshot_key, "notary", repo->gun, "snapshot") != 0 ||
		      tn_agent_key_show(o.cmd, o.snapshot_key, &k) != 0
		: server_key(&o, &ns, "snapshot", false, &k) != 0)
		goto out;
	if (add_key(&o, root, "snapshot", k) != 0)
		goto out;
	ta_key_free(k);
	k = NULL;
	if (server_key(&o, &ns, "timestamp", false, &k) != 0 || add_key(&o, root, "timestamp", k))
		goto out;
	if ((r = ta_meta_root_set_threshold(root, "root",
		 o.root_threshold ? o.root_threshold : (long long)o.n_root_keys)) != 0) {
		(void)tn_cmd_fail(o.cmd, "cannot set the root threshold: %s", ta_strerror(r));
		goto out;
	}
	if (meta_text(&o, root, &t) != 0 || (init = json_pack("{s:o}", "root", t)) == NULL)
		goto oom;
	if (meta_text(&o, targets, &t) != 0 || json_object_set_new(init, "targets", t) != 0)
		goto oom;
	if (tn_repo_set_init(repo, init, &e) != 0) {
		(void)tnc_err(&o, &e);
		goto out;
	}
	if (tufctl.json) {
		ret = tnc_print_json(&o, json_pack("{s:s, s:b, s:s}", "gun", repo->gun, "staged", 1,
		    "snapshot", o.snapshot_key ? "client" : "server"));
		goto out;
	}
	printf("initialised %s: root (%zu key%s, threshold %lld), targets; snapshot kept by the "
	       "%s; publish with: tufctl notary publish %s\n",
	    repo->gun, o.n_root_keys, o.n_root_keys == 1 ? "" : "s",
	    o.root_threshold ? o.root_threshold : (long long)o.n_root_keys,
	    o.snapshot_key ? "agent" : "server", repo->gun);
	ret = TUFCTL_OK;
	goto out;
oom:
	(void)tnc_nomem(&o);
out:
	ta_key_free(k);
	ta_meta_free(root);
	ta_meta_free(targets);
	json_decref(kept);
	json_decref(init);
	tnc_session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

/* ---- delegation ------------------------------------------------------------------------ */

/* A key object for --cert FILE. */
static int
cert_key(struct nopts *o, const char *path, struct ta_key **ret)
{
	uint8_t *pem = NULL;
	size_t len;
	int r;

	*ret = NULL;
	if (tufctl_read_file(path, 64 << 10, &pem, &len) != 0)
		return TUFCTL_FAIL;
	r = ta_key_from_cert_pem((const char *)pem, len, true, ret);
	free(pem);
	return r != 0 ? tn_cmd_fail(o->cmd, "'%s' is not a PEM certificate of an EC or RSA key: %s",
			    path, ta_strerror(r))
		      : 0;
}

static int
delegation(int argc, char **argv, bool add)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_KEY, O_CERT, O_PATH,
		O_ALL_PATHS, O_JSON, 0 };
	static const int allowed_remove[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_JSON, 0 };
	struct nopts o = { .cmd = add ? "delegation add" : "delegation remove" };
	struct tn_repo *repo = NULL;
	json_t *keys = NULL, *paths = NULL, *obj = NULL;
	struct ta_key *k = NULL;
	int r, ret = TUFCTL_FAIL;

	if ((r = tnc_parse(&o, argc, argv, add ? allowed : allowed_remove, 2, 2,
		 add ? "usage: tufctl notary delegation add GUN ROLE (--key L | --cert FILE)... "
		       "[--path P]... [--all-paths]\n" :
		       "usage: tufctl notary delegation remove GUN ROLE\n")) != 0)
		return r;
	if (tnc_role_arg(&o, o.args[1], true) != 0)
		return TUFCTL_USAGE;
	if (!add && (o.n_keys || o.n_certs || o.n_paths || o.all_paths))
		return tnc_usage(&o, "remove takes no --key, --cert or --path");
	if (add && o.n_keys + o.n_certs == 0)
		return tnc_usage(&o, "at least one --key or --cert is required");
	if (add && o.all_paths && o.n_paths)
		return tnc_usage(&o, "--all-paths and --path exclude each other");
	if (add && !o.all_paths && o.n_paths == 0)
		return tnc_usage(&o, "say which targets it may sign: --path P or --all-paths");
	if (!add) {
		char what[TA_ROLE_NAME_MAX + 32];

		(void)snprintf(what, sizeof(what), "remove delegation %s", o.args[1]);
		return tnc_stage_in_repo(&o,
		    json_pack("{s:s, s:s}", "op", "delegation-remove", "role", o.args[1]), what);
	}
	if ((keys = json_object()) == NULL || (paths = json_array()) == NULL)
		goto oom;
	for (size_t i = 0; i < o.n_keys + o.n_certs; i++) {
		if ((i < o.n_keys
			    ? tufctl_scope_ensure(o.keys[i], "notary", o.args[0], o.args[1]) != 0 ||
				  tn_agent_key_show(o.cmd, o.keys[i], &k) != 0
			    : cert_key(&o, o.certs[i - o.n_keys], &k) != 0))
			goto out;
		if (ta_key_to_json(k, &obj) != 0 || json_object_set_new(keys, ta_key_id(k), obj) != 0)
			goto oom;
		obj = NULL;
		ta_key_free(k);
		k = NULL;
	}
	for (size_t i = 0; i < o.n_paths; i++)
		if (json_array_append_new(paths, json_string(o.paths[i])) != 0)
			goto oom;
	if (tnc_repo_open(&o, true, &repo) != 0)
		goto out;
	if (tnc_stage(&o, repo,
		json_pack("{s:s, s:s, s:O, s:O, s:b}", "op", "delegation-add", "role", o.args[1],
		    "keys", keys, "paths", paths, "all_paths", o.all_paths)) != 0)
		goto out;
	if (tufctl.json) {
		json_t *ids = json_array();
		const char *id;

		json_object_foreach(keys, id, obj) {
			if (ids != NULL && json_array_append_new(ids, json_string(id)) != 0) {
				json_decref(ids);
				ids = NULL;
			}
		}
		obj = NULL;
		ret = ids == NULL ? tnc_nomem(&o) :
		    tnc_print_json(&o, json_pack("{s:s, s:i, s:[{s:s, s:s, s:o, s:O, s:b}]}", "gun",
			repo->gun, "staged", 1, "changes", "op", "delegation-add", "role", o.args[1],
			"keyids", ids, "paths", paths, "all_paths", o.all_paths));
		goto out;
	}
	printf("staged: delegation %s of %s with %zu key%s\n", o.args[1], repo->gun,
	    json_object_size(keys), json_object_size(keys) == 1 ? "" : "s");
	ret = TUFCTL_OK;
	goto out;
oom:
	(void)tnc_nomem(&o);
out:
	ta_key_free(k);
	json_decref(obj);
	json_decref(keys);
	json_decref(paths);
	tn_repo_close(repo);
	return ret;
}

static int
cmd_delegation_add(int argc, char **argv)
{
	return delegation(argc, argv, true);
}

static int
cmd_delegation_remove(int argc, char **argv)
{
	return delegation(argc, argv, false);
}

int
tnc_cmd_delegation(int argc, char **argv)
{
	static const struct tufctl_cmd subs[] = {
		{ "add", cmd_delegation_add },
		{ "remove", cmd_delegation_remove },
	};
	static const char usage[] =
	    "usage: tufctl notary delegation add GUN ROLE (--key L | --cert FILE)... [--path P]... "
	    "[--all-paths]\n"
	    "       tufctl notary delegation remove GUN ROLE\n"
	    "ROLE is targets/NAME.  Each answers --help with its options.\n";

	if (argc < 2 || (argv[1][0] != '-' && strcmp(argv[1], "add") != 0 &&
			    strcmp(argv[1], "remove") != 0))
		return tufctl_usage("notary delegation",
		    "say add or remove: tufctl notary delegation add|remove GUN ROLE ...");
	return TUFCTL_DISPATCH("notary delegation", usage, subs, argc, argv);
}

/* ---- root ---------------------------------------------------------------------------- */

static void
utc_text(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, 32, "?");
}

/* A root key's certificate: its subject's CN and NotAfter (UTC), when its
 * public value is a PEM certificate. */
static bool
cert_facts(const struct ta_key *k, char cn[TA_X509_GUN_MAX + 2], char until[32])
{
	size_t len;
	const uint8_t *pem = ta_key_public_bytes(k, &len);
	BIO *b = NULL;
	X509 *x = NULL;
	struct tm tm;
	bool ok = false;

	cn[0] = '\0';
	(void)snprintf(until, 32, "?");
	if (!ta_key_is_x509(k) || pem == NULL || len > INT_MAX ||
	    (b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		goto out;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
		TA_X509_GUN_MAX + 2) < 0)
		cn[0] = '\0';
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		(void)strftime(until, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ok = true;
out:
	X509_free(x);
	BIO_free(b);
	return ok;
}

/* The trusted root of a GUN: its keys (notary's key ID, the certificate's
 * ID that --root-cert-id pins, the certificate's CN and expiry), its
 * threshold and its own expiry. */
static int
print_root(struct nopts *o, struct tn_state *st, const char *gun)
{
	const struct tn_file *root = tn_state_get(st, "root");
	const json_t *roles = json_object_get(root->m->signed_v, "roles");
	const json_t *rr = json_object_get(roles, "root"), *ids = json_object_get(rr, "keyids");
	const json_t *keys = json_object_get(root->m->signed_v, "keys"), *id;
	json_int_t threshold = json_integer_value(json_object_get(rr, "threshold"));
	json_t *list = NULL;
	char expires[32] = "?", cn[TA_X509_GUN_MAX + 2], until[32];
	time_t exp = 0;
	size_t i;
	int ret = TUFCTL_FAIL;

	if (ta_meta_expires(root->m, &exp) == 0)
		utc_text(exp, expires);
	if ((list = json_array()) == NULL)
		return tnc_nomem(o);
	json_array_foreach(ids, i, id) {
		struct ta_key *k = NULL;
		const char *cid = json_string_value(id);
		bool cert;

		if (cid == NULL ||
		    ta_key_from_json(TA_PROFILE_NOTARY, json_object_get(keys, cid), &k) != 0) {
			(void)tn_cmd_fail(o->cmd, "the trusted root of '%s' lists a root key it does "
						  "not hold; run tufctl notary list %s", gun, gun);
			goto out;
		}
		cert = cert_facts(k, cn, until);
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "keyid",
			ta_key_canonical_id(k), "cert_id", cid, "cn", cert ? cn : NULL,
			"cert_expires", cert ? until : NULL, "keytype", ta_key_keytype(k))) != 0) {
			ta_key_free(k);
			goto oom;
		}
		ta_key_free(k);
	}
	if (tufctl.json) {
		ret = tnc_print_json(o, json_pack("{s:s, s:I, s:s, s:I, s:O}", "gun", gun, "version",
		    (json_int_t)ta_meta_version(root->m), "expires", expires, "threshold", threshold,
		    "keys", list));
		goto out;
	}
	printf("gun        %s\nversion    %lld\nexpires    %s\nthreshold  %lld of %zu root "
	       "key%s\n",
	    gun, (long long)ta_meta_version(root->m), expires, (long long)threshold,
	    json_array_size(list), json_array_size(list) == 1 ? "" : "s");
	json_array_foreach(list, i, id) {
		const char *c = json_string_value(json_object_get(id, "cn"));

		printf("root key   %s (%s)\n", json_string_value(json_object_get(id, "keyid")),
		    json_string_value(json_object_get(id, "keytype")));
		printf("  cert id  %s   (--root-cert-id)\n",
		    json_string_value(json_object_get(id, "cert_id")));
		if (c != NULL)
			printf("  subject  CN=%s, expires %s\n", c,
			    json_string_value(json_object_get(id, "cert_expires")));
	}
	ret = tufctl_stdout_done();
	goto out;
oom:
	(void)tnc_nomem(o);
out:
	json_decref(list);
	return ret;
}

/* tufctl notary root GUN: read-only, as list (it updates the trusted
 * metadata from the server first). */
int
tnc_cmd_root(int argc, char **argv)
{
	return tnc_run_updated(argc, argv, "root",
	    "usage: tufctl notary root GUN\n"
	    "The GUN's trusted root, updated from the server as notary list does: its root\n"
	    "keys (notary's key ID, and the certificate's ID that --root-cert-id pins), each\n"
	    "certificate's subject CN and expiry, the threshold and the root's expiry.\n",
	    print_root);
}

/* ---- rotate ------------------------------------------------------------------------ */

/* A label for a key rotate generates: ROLE-<8 hex of the GUN's
 * SHA-256>-<UTC time>. */
static void
new_label(const char *role, const char *gun, char out[64])
{
	uint8_t d[32];
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	(void)EVP_Digest(gun, strlen(gun), d, NULL, EVP_sha256(), NULL);
	(void)strftime(when, sizeof(when), "%Y%m%d%H%M%S", gmtime_r(&now, &tm));
	(void)snprintf(out, 64, "%s-%02x%02x%02x%02x-%s", role, d[0], d[1], d[2], d[3], when);
}

static int
put_key(struct nopts *o, json_t *keys, struct ta_key *k)
{
	json_t *obj = NULL;
	int r = 0;

	if (ta_key_to_json(k, &obj) != 0 || json_object_set_new(keys, ta_key_id(k), obj) != 0)
		r = tnc_nomem(o);
	ta_key_free(k);
	return r;
}

int
tnc_cmd_rotate(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_CERT_ID, O_KEY, O_TOKEN, O_EXPIRY, O_ROOT_THRESHOLD, O_JSON,
		0 };
	struct nopts o = { .cmd = "rotate" };
	struct tn_repo *repo = NULL;
	struct nsession ns = { 0 };
	struct ta_key *k = NULL;
	json_t *keys = NULL, *kept = NULL;
	const char *role;
	char label[64], *uri = NULL;
	struct tn_error e = { .text = "" };
	int r, ret = TUFCTL_FAIL;

	if ((r = tnc_parse(&o, argc, argv, allowed, 2, 2,
		 "usage: tufctl notary rotate GUN targets|snapshot|timestamp|root [--key L]... "
		 "[--token URI]\n"
		 "       tufctl notary rotate GUN root [--key L]... [--root-threshold N]\n"
		 "New keys for a role (made on the agent's token when no --key is given), published\n"
		 "at once.  A root rotation is signed by the old root's keys and the new ones; its\n"
		 "threshold is N (default: every new root key).\n")) != 0)
		return r;
	role = o.args[1];
	if (strcmp(role, "targets") != 0 && strcmp(role, "snapshot") != 0 &&
	    strcmp(role, "timestamp") != 0 && strcmp(role, "root") != 0)
		return tnc_usage(&o, "ROLE is targets, snapshot, timestamp or root");
	if (strcmp(role, "timestamp") == 0 && o.n_keys > 0)
		return tnc_usage(&o, "the timestamp key is always the server's: no --key");
	if (strcmp(role, "root") != 0 && o.n_keys > 1)
		return tnc_usage(&o, "%s takes one --key", role);
	if (o.root_threshold > 0 && strcmp(role, "root") != 0)
		return tnc_usage(&o, "--root-threshold is for a root rotation");
	if (o.root_threshold > (long long)(o.n_keys ? o.n_keys : 1))
		return tnc_usage(&o, "--root-threshold %lld is more than the %zu new root key%s",
		    o.root_threshold, o.n_keys ? o.n_keys : 1, o.n_keys > 1 ? "s" : "");
	if (tnc_repo_open(&o, true, &repo) != 0 || tnc_server_open(&o, repo, false, &ns) != 0)
		goto out;
	if ((keys = json_object()) == NULL)
		goto oom;
	if (strcmp(role, "timestamp") == 0 || (strcmp(role, "snapshot") == 0 && o.n_keys == 0)) {
		if (server_key(&o, &ns, role, true, &k) != 0 || put_key(&o, keys, k) != 0)
			goto out;
		k = NULL;
	} else {
		size_t n = o.n_keys ? o.n_keys : 1;

		if (strcmp(role, "root") == 0 && tn_repo_certs(repo, &kept, &e) != 0) {
			(void)tnc_err(&o, &e);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const char *key = o.n_keys ? o.keys[i] : NULL;

			if (key == NULL) {
				new_label(role, repo->gun, label);
				if (tn_agent_generate(
					o.cmd, o.token, label, repo->gun, role, &uri) != 0)
					goto out;
				key = uri;
			} else if (tufctl_scope_ensure(key, "notary", repo->gun, role) != 0) {
				goto out;
			}
			r = strcmp(role, "root") == 0 ? root_cert_key(&o, repo, kept, key, &k)
						      : tn_agent_key_show(o.cmd, key, &k);
			free(uri);
			uri = NULL;
			if (r != 0 || put_key(&o, keys, k) != 0)
				goto out;
			k = NULL;
		}
	}
	if (tnc_stage(&o, repo, o.root_threshold > 0 ?
		json_pack("{s:s, s:s, s:O, s:I}", "op", "rotate", "role", role, "keys", keys,
		    "threshold", (json_int_t)o.root_threshold) :
		json_pack("{s:s, s:s, s:O}", "op", "rotate", "role", role, "keys", keys)))
		goto out;
	ret = tnc_publish(&o, repo, &ns);
	goto out;
oom:
	(void)tnc_nomem(&o);
out:
	free(uri);
	ta_key_free(k);
	json_decref(keys);
	json_decref(kept);
	tnc_session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

