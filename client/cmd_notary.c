/* tufctl notary: Docker Content Trust repositories on a notary server, with
 * every key in the agent.
 *
 *	notary init GUN --server URL (--root-key L [--root-key L]... | --root FILE) --targets-key L
 *	     [--snapshot-key L] [--root-threshold N]
 *	notary add GUN TAG --digest sha256:HEX --size N [--role targets/NAME]
 *	notary remove GUN TAG [--role targets/NAME]
 *	notary publish GUN
 *	notary list GUN
 *	notary delegation add GUN ROLE (--key L | --cert FILE)... [--path P]... [--all-paths]
 *	notary delegation remove GUN ROLE
 *	notary rotate GUN targets|snapshot|timestamp|root [--key L]
 * with, on each: --server URL, --tls-ca FILE, --trust-dir DIR, --username U,
 * --password-stdin, --root-cert-id ID, --expiry DAYS.
 *
 * This file is the commands: their options, the agent calls they make, and
 * what they print.  init, add, remove and delegation stage changes in the
 * trust directory (client/notary_store.h); publish hands them to the
 * publish engine (client/notary_publish.h), which applies them to the
 * server's current metadata, signs every changed role through the agent
 * (the signer below), uploads one multipart update and reads the GUN back
 * as a fresh consumer would before it forgets the staged changes.  Changes
 * are idempotent (an add replaces, a remove of what is gone is a no-op), so
 * a publish interrupted anywhere is finished by running it again.  rotate
 * stages and publishes at once. */
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
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/verify.h"
#include "tuf/x509.h"

#define PASSWORD_MAX 4096

/* Options every notary command takes; each command says which it uses. */
struct nopts {
	const char *cmd;
	const char *server, *tls_ca, *trust_dir, *username, *root_cert_id, *role, *digest;
	const char *targets_key, *snapshot_key, *token, *from_list, *root_file;
	const char *root_keys[TN_MAX_KEYS];
	size_t n_root_keys;
	const char *keys[TN_MAX_KEYS];
	size_t n_keys;
	const char *certs[TN_MAX_KEYS];
	size_t n_certs;
	const char *paths[TN_MAX_PATHS];
	size_t n_paths;
	bool all_paths, password_stdin;
	long long size, root_threshold, expiry_days;
	char **args;   /* positional */
	int n_args;
};

enum {
	O_SERVER = 0x100, O_TLS_CA, O_TRUST_DIR, O_USERNAME, O_PASSWORD_STDIN, O_ROOT_CERT_ID,
	O_ROLE, O_DIGEST, O_SIZE, O_ROOT_KEY, O_TARGETS_KEY, O_SNAPSHOT_KEY, O_ROOT_THRESHOLD,
	O_KEY, O_CERT, O_PATH, O_ALL_PATHS, O_EXPIRY, O_TOKEN, O_FROM_LIST, O_ROOT, O_JSON, O_HELP
};

static const struct option all_opts[] = {
	{ "server", required_argument, NULL, O_SERVER },
	{ "tls-ca", required_argument, NULL, O_TLS_CA },
	{ "trust-dir", required_argument, NULL, O_TRUST_DIR },
	{ "username", required_argument, NULL, O_USERNAME },
	{ "password-stdin", no_argument, NULL, O_PASSWORD_STDIN },
	{ "root-cert-id", required_argument, NULL, O_ROOT_CERT_ID },
	{ "role", required_argument, NULL, O_ROLE },
	{ "digest", required_argument, NULL, O_DIGEST },
	{ "size", required_argument, NULL, O_SIZE },
	{ "root-key", required_argument, NULL, O_ROOT_KEY },
	{ "targets-key", required_argument, NULL, O_TARGETS_KEY },
	{ "snapshot-key", required_argument, NULL, O_SNAPSHOT_KEY },
	{ "root-threshold", required_argument, NULL, O_ROOT_THRESHOLD },
	{ "key", required_argument, NULL, O_KEY },
	{ "cert", required_argument, NULL, O_CERT },
	{ "path", required_argument, NULL, O_PATH },
	{ "all-paths", no_argument, NULL, O_ALL_PATHS },
	{ "expiry", required_argument, NULL, O_EXPIRY },
	{ "token", required_argument, NULL, O_TOKEN },
	{ "from-list", required_argument, NULL, O_FROM_LIST },
	{ "root", required_argument, NULL, O_ROOT },
	{ "json", no_argument, NULL, O_JSON },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Each option's words in a command's help: what it takes and what it is. */
static const struct {
	int opt;
	const char *text;
} opt_help[] = {
	{ O_SERVER, "--server URL       the notary server (default $TUFCTL_SERVER)" },
	{ O_TLS_CA, "--tls-ca FILE      CA certificates for the server's TLS" },
	{ O_TRUST_DIR, "--trust-dir DIR    the trust directory (default $XDG_DATA_HOME/tufctl/notary)" },
	{ O_USERNAME, "--username U       registry user (or $TUFCTL_REGISTRY_USERNAME)" },
	{ O_PASSWORD_STDIN, "--password-stdin   the registry password from standard input" },
	{ O_ROOT_CERT_ID, "--root-cert-id ID  pin the root certificate on first use (notary root)" },
	{ O_ROLE, "--role targets/NAME  the targets role (default targets)" },
	{ O_DIGEST, "--digest sha256:HEX  the manifest's digest" },
	{ O_SIZE, "--size N           the manifest's size in bytes" },
	{ O_ROOT_KEY, "--root-key L       a root key in the agent (label, key ID or URI)" },
	{ O_TARGETS_KEY, "--targets-key L    the targets key in the agent" },
	{ O_SNAPSHOT_KEY, "--snapshot-key L   sign snapshot here (default: the server does)" },
	{ O_ROOT_THRESHOLD, "--root-threshold N root signatures required (default: every root key)" },
	{ O_KEY, "--key L            a key in the agent (label, key ID or URI)" },
	{ O_CERT, "--cert FILE        a PEM certificate of a key kept elsewhere" },
	{ O_PATH, "--path P           a path prefix the delegation may sign" },
	{ O_ALL_PATHS, "--all-paths        the delegation may sign any path" },
	{ O_EXPIRY, "--expiry DAYS      of the roles signed (root excepted)" },
	{ O_TOKEN, "--token URI        the token new keys are generated on" },
	{ O_FROM_LIST, "--from-list FILE|- lines: TAG sha256:HEX SIZE [ROLE]" },
	{ O_ROOT, "--root FILE        a root finished by tufctl ceremony --profile notary" },
	{ O_JSON, "--json             JSON on standard output" },
};

/* usage, then "options:" and a line for each allowed option. */
static const char *
help_text(const char *usage, const int *allowed)
{
	static char out[8192];
	size_t o = (size_t)snprintf(out, sizeof(out), "%soptions:\n", usage);

	for (const int *a = allowed; *a != 0; a++)
		for (size_t i = 0; i < sizeof(opt_help) / sizeof(opt_help[0]); i++)
			if (opt_help[i].opt == *a && o < sizeof(out))
				o += (size_t)snprintf(out + o, sizeof(out) - o, "  %s\n",
				    opt_help[i].text);
	if (o < sizeof(out))
		(void)snprintf(out + o, sizeof(out) - o, "  --verbose, -h, --help\n");
	return out;
}

/* The long options a command takes: all_opts' entries that are allowed. */
static void
allowed_opts(const int *allowed, struct option *lo)
{
	size_t n = 0;

	for (const struct option *p = all_opts; p->name != NULL; p++)
		for (const int *a = allowed; *a != 0; a++)
			if (*a == p->val || p->val == O_HELP) {
				lo[n++] = *p;
				break;
			}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

static const char notary_usage[] =
    "usage: tufctl notary init GUN --server URL --root-key L [--root-key L]... --targets-key L\n"
    "                     [--snapshot-key L] [--root-threshold N]\n"
    "       tufctl notary init GUN --server URL --root FILE --targets-key L [--snapshot-key L]\n"
    "                     (FILE: a root finished by tufctl ceremony --profile notary)\n"
    "       tufctl notary add GUN TAG --digest sha256:HEX --size N [--role targets/NAME]\n"
    "       tufctl notary add GUN --from-list FILE|-    (lines: TAG sha256:HEX SIZE [ROLE])\n"
    "       tufctl notary remove GUN TAG [--role targets/NAME]\n"
    "       tufctl notary publish GUN\n"
    "       tufctl notary list GUN\n"
    "       tufctl notary root GUN          (the trusted root: keys, certificate IDs, threshold)\n"
    "       tufctl notary status GUN\n"
    "       tufctl notary reset GUN\n"
    "       tufctl notary delegation add GUN ROLE (--key L | --cert FILE)... [--path P]... "
    "[--all-paths]\n"
    "       tufctl notary delegation remove GUN ROLE\n"
    "       tufctl notary rotate GUN targets|snapshot|timestamp|root [--key L]...\n"
    "                     [--token URI] [--root-threshold N]\n"
    "Options for every notary command: --server URL (default $TUFCTL_SERVER), --tls-ca FILE,\n"
    "--trust-dir DIR,\n"
    "--username U and --password-stdin (or TUFCTL_REGISTRY_USERNAME/PASSWORD, or docker's\n"
    "config.json), --root-cert-id ID (pin the root on first use), --expiry DAYS (of the roles\n"
    "signed by publish; root excepted), --token URI (where rotate generates keys).\n"
    "Each command answers --help with its options ('tufctl notary add --help').\n";

/* A usage error of a notary command: the hint names 'tufctl notary CMD --help'. */
static int __attribute__((format(printf, 2, 3)))
nusage(const struct nopts *o, const char *fmt, ...)
{
	char cmd[64];
	va_list ap;

	(void)snprintf(cmd, sizeof(cmd), "notary %s", o->cmd);
	va_start(ap, fmt);
	(void)tufctl_vusage(cmd, fmt, ap);
	va_end(ap);
	return TUFCTL_USAGE;
}

static int
nerr(struct nopts *o, const struct tn_error *e)
{
	return tn_cmd_fail(o->cmd, "%s", e->text);
}

static int
nomem(struct nopts *o)
{
	return tn_cmd_fail(o->cmd, "out of memory");
}

/* tufctl_print_json() of v, a new reference (NULL: a json_pack that ran
 * out of memory), released here. */
static int
print_json(struct nopts *o, json_t *v)
{
	int r;

	if (v == NULL)
		return nomem(o);
	r = tufctl_print_json(v);
	json_decref(v);
	return r;
}

static int
add_opt(struct nopts *o, const char **list, size_t *n, size_t max, const char *name, const char *v)
{
	if (*v == '\0')
		return nusage(o, "--%s must not be empty", name);
	if (*n == max)
		return nusage(o, "at most %zu --%s options", max, name);
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], v) == 0)
			return nusage(o, "--%s '%s' is given twice", name, v);
	list[(*n)++] = v;
	return 0;
}

static int
parse_number(struct nopts *o, const char *name, const char *v, long long lo, long long hi,
    long long *ret)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi || *v == '+' || *v == ' ')
		return nusage(o, "--%s takes a whole number from %lld to %lld", name, lo,
		    hi);
	*ret = n;
	return 0;
}

/* Parses argv with the options allowed (a string of O_* - 0x100 + 'A'
 * letters would be clever; a list is clearer). */
static int
parse(struct nopts *o, int argc, char **argv, const int *allowed, int min_args, int max_args,
    const char *usage)
{
	struct option lo[sizeof(all_opts) / sizeof(all_opts[0])];
	const char *help = help_text(usage, allowed);
	int c;

	if (argv == NULL || argc < 1) {
		(void)nusage(o, "%s", usage);
		return TUFCTL_USAGE;
	}
	o->args = argv + argc; /* none, until getopt is done */
	o->n_args = 0;
	opterr = 0;
	allowed_opts(allowed, lo);
	optind = 0;
	while ((c = tufctl_getopt(argc, argv, ":", lo, help)) != -1) {
		const char *arg = optind > 0 ? argv[optind - 1] : "?";
		bool ok = false;
		int r = 0;

		if (c == ':')
			return nusage(o, "option '%.*s' needs a value",
			    (int)strcspn(arg, "="), arg);
		for (const int *a = allowed; *a != 0; a++)
			ok = ok || *a == c;
		if (c == '?' && optopt != 0)
			return nusage(o, "unknown option '-%c'", optopt);
		if (c == '?' || !ok)
			return nusage(o, "unknown option '%.*s'", (int)strcspn(arg, "="),
			    arg);
		if (optarg != NULL && *optarg == '\0')
			return nusage(o, "option '%.*s' must not be empty",
			    (int)strcspn(arg, "="), arg);
		switch (c) {
		case O_SERVER: o->server = optarg; break;
		case O_TLS_CA: o->tls_ca = optarg; break;
		case O_TRUST_DIR: o->trust_dir = optarg; break;
		case O_USERNAME: o->username = optarg; break;
		case O_PASSWORD_STDIN: o->password_stdin = true; break;
		case O_ROOT_CERT_ID: o->root_cert_id = optarg; break;
		case O_ROLE: o->role = optarg; break;
		case O_DIGEST: o->digest = optarg; break;
		case O_TARGETS_KEY: o->targets_key = optarg; break;
		case O_SNAPSHOT_KEY: o->snapshot_key = optarg; break;
		case O_TOKEN: o->token = optarg; break;
		case O_FROM_LIST: o->from_list = optarg; break;
		case O_ROOT: o->root_file = optarg; break;
		case O_ALL_PATHS: o->all_paths = true; break;
		case O_JSON: tufctl.json = true; break;
		case O_SIZE:
			r = parse_number(o, "size", optarg, 0, 9007199254740991LL, &o->size);
			break;
		case O_ROOT_THRESHOLD:
			r = parse_number(o, "root-threshold", optarg, 1, TN_MAX_KEYS,
			    &o->root_threshold);
			break;
		case O_EXPIRY:
			r = parse_number(o, "expiry", optarg, 1, 36500, &o->expiry_days);
			break;
		case O_ROOT_KEY:
			r = add_opt(o, o->root_keys, &o->n_root_keys, TN_MAX_KEYS, "root-key",
			    optarg);
			break;
		case O_KEY:
			r = add_opt(o, o->keys, &o->n_keys, TN_MAX_KEYS, "key", optarg);
			break;
		case O_CERT:
			r = add_opt(o, o->certs, &o->n_certs, TN_MAX_KEYS, "cert", optarg);
			break;
		case O_PATH:
			r = add_opt(o, o->paths, &o->n_paths, TN_MAX_PATHS, "path", optarg);
			break;
		default:
			return nusage(o, "unknown option '%s'", arg);
		}
		if (r != 0)
			return TUFCTL_USAGE;
	}
	o->args = argv + optind;
	o->n_args = argc - optind;
	/* $TUFCTL_SERVER stands for --server (which wins), so that CI jobs
	 * need not repeat it. */
	for (const int *a = allowed; *a != 0 && o->server == NULL; a++) {
		const char *env = getenv("TUFCTL_SERVER");

		if (*a == O_SERVER && env != NULL && *env != '\0')
			o->server = env;
	}
	if (o->n_args < min_args || o->n_args > max_args)
		return nusage(o, "%s", strchr(usage, ' ') + 1);
	if (!tn_gun_valid(o->args[0]))
		return nusage(o,
		    "'%s' is not a GUN (a repository name such as registry.example.com/team/app)",
		    o->args[0]);
	return 0;
}

/* ---- the server ------------------------------------------------------------------ */

struct nsession {
	struct tn_server *srv;
	char *password;
	size_t password_len;
};

static int
read_password(struct nopts *o, struct nsession *ns)
{
	char *buf = malloc(PASSWORD_MAX + 1);
	size_t n = 0;

	if (buf == NULL)
		return nomem(o);
	for (;;) {
		ssize_t got = read(STDIN_FILENO, buf + n, PASSWORD_MAX + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ta_wipe_free(buf, PASSWORD_MAX + 1);
			return tn_cmd_fail(o->cmd,
			    "cannot read the password from standard input: %s", strerror(errno));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > PASSWORD_MAX) {
			ta_wipe_free(buf, PASSWORD_MAX + 1);
			return tn_cmd_fail(o->cmd,
			    "the password on standard input is over %d bytes", PASSWORD_MAX);
		}
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\n', n) != NULL || memchr(buf, '\0', n) != NULL) {
		ta_wipe_free(buf, PASSWORD_MAX + 1);
		return tn_cmd_fail(o->cmd, "--password-stdin wants one line holding the password");
	}
	ns->password = buf;
	ns->password_len = PASSWORD_MAX + 1;
	return 0;
}

static int
server_open(struct nopts *o, const struct tn_repo *repo, bool read_only, struct nsession *ns)
{
	struct tn_options to = { .url = repo->url, .gun = repo->gun, .tls_ca = repo->tls_ca,
		.read_only = read_only };
	const char *env_pass = getenv("TUFCTL_REGISTRY_PASSWORD");
	struct tn_error e = { .text = "" };

	to.creds_user = o->username != NULL ? o->username : getenv("TUFCTL_REGISTRY_USERNAME");
	if (o->password_stdin) {
		if (read_password(o, ns) != 0)
			return TUFCTL_FAIL;
		to.creds_pass = ns->password;
	} else if (env_pass != NULL && *env_pass != '\0') {
		to.creds_pass = env_pass;
	}
	if (to.creds_pass != NULL && (to.creds_user == NULL || *to.creds_user == '\0'))
		return tn_cmd_fail(o->cmd,
		    "a registry password needs a user name: set TUFCTL_REGISTRY_USERNAME "
		    "or give --username");
	if (to.creds_pass == NULL)
		to.creds_user = NULL;
	if (tn_server_open(&to, &ns->srv, &e) != 0)
		return nerr(o, &e);
	return 0;
}

static void
session_close(struct nsession *ns)
{
	tn_server_close(ns->srv);
	if (ns->password != NULL)
		ta_wipe_free(ns->password, ns->password_len);
	memset(ns, 0, sizeof(*ns));
}

static int
repo_open(struct nopts *o, bool create, struct tn_repo **ret)
{
	struct tn_error e = { .text = "" };

	if (o->args == NULL || o->n_args < 1) {
		(void)nusage(o, "no GUN given");
		return TUFCTL_USAGE;
	}
	if (tn_repo_open(o->trust_dir, o->args[0], o->server, o->tls_ca, create, true, ret, &e) != 0)
		return nerr(o, &e);
	return *ret != NULL ? 0 : tn_cmd_fail(o->cmd, "no repository");
}

/* ---- staging ------------------------------------------------------------------------ */

/* Stages change after the others.  A remove first drops any staged add
 * of the same name to the same role (it could never be published
 * otherwise, were it outside the role's paths). */
static int
stage(struct nopts *o, struct tn_repo *repo, json_t *change)
{
	const char *op = json_string_value(json_object_get(change, "op"));
	struct tn_error e = { .text = "" };
	json_t *staged = NULL, *c;
	int r = TUFCTL_FAIL;
	size_t i;

	if (change == NULL)
		return nomem(o);
	if (op != NULL && strcmp(op, "remove") == 0) {
		if (tn_repo_staged(repo, &staged, &e) != 0) {
			r = nerr(o, &e);
			goto out;
		}
		json_array_foreach(json_object_get(staged, "changes"), i, c) {
			if (strcmp(json_string_value(json_object_get(c, "op")) ?: "", "add") == 0 &&
			    json_equal(json_object_get(c, "role"), json_object_get(change, "role")) &&
			    json_equal(json_object_get(c, "name"), json_object_get(change, "name")) &&
			    tn_repo_unstage(repo, staged, i, &e) != 0) {
				r = nerr(o, &e);
				goto out;
			}
		}
	}
	r = tn_repo_stage(repo, change, &e) != 0 ? nerr(o, &e) : 0;
out:
	json_decref(staged);
	json_decref(change);
	return r;
}

/* stage() in the GUN's directory, then "staged: <what> of GUN". */
static int
stage_in_repo(struct nopts *o, json_t *change, const char *what)
{
	struct tn_repo *repo = NULL;
	int r;

	if (repo_open(o, true, &repo) != 0) {
		json_decref(change);
		return TUFCTL_FAIL;
	}
	json_incref(change);
	r = stage(o, repo, change);
	if (r == 0 && tufctl.json)
		r = print_json(o, json_pack("{s:s, s:i, s:[O]}", "gun", repo->gun, "staged", 1,
		    "changes", change));
	else if (r == 0)
		printf("staged: %s of %s\n", what, repo->gun);
	json_decref(change);
	tn_repo_close(repo);
	return r;
}

static int
role_arg(struct nopts *o, const char *role, bool delegation_only)
{
	enum ta_role_type t;

	if (ta_role_type_of(TA_PROFILE_NOTARY, role, &t) != 0 || t != TA_ROLE_TARGETS ||
	    (delegation_only && strcmp(role, "targets") == 0))
		return nusage(o, "'%s' is not a %s role", role,
		    delegation_only ? "delegation (targets/NAME)" : "targets (targets or targets/NAME)");
	return 0;
}

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
		uint8_t *der = NULL;
		size_t der_len, used;

		if (ta_x509_check_root((const uint8_t *)s, strlen(s), repo->gun, now,
			TA_X509_CHECK_TIME, NULL) != 0 ||
		    ta_pem_decode("CERTIFICATE", s, strlen(s), false, &der, &der_len, &used) != 0)
			continue;
		r = ta_key_from_cert(der, der_len, &c);
		free(der);
		if (r != 0)
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
	{
		uint8_t *der = NULL;
		size_t der_len, used;

		r = ta_pem_decode("CERTIFICATE", pem, strlen(pem), false, &der, &der_len, &used);
		if (r == 0)
			r = ta_key_from_cert(der, der_len, &c);
		free(der);
	}
	if (r != 0) {
		free(pem);
		return tn_cmd_fail(o->cmd, "the agent's certificate for '%s' is unusable: %s",
		    label, ta_strerror(r));
	}
	if (tn_repo_put_cert(repo, ta_key_id(c), pem, &e) != 0) {
		free(pem);
		ta_key_free(c);
		return nerr(o, &e);
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

	return tn_server_key_object(ns->srv, role, rotate, ret, &e) != 0 ? nerr(o, &e) : 0;
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
	return *ret == NULL ? nomem(o) : 0;
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
		(void)nomem(o);
		goto out;
	}
	if (tn_repo_set_init(repo, init, &e) != 0) {
		(void)nerr(o, &e);
		goto out;
	}
	if (tufctl.json) {
		ret = print_json(o, json_pack("{s:s, s:b, s:s, s:I}", "gun", repo->gun, "staged", 1,
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

static int
cmd_init(int argc, char **argv)
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

	if ((r = parse(&o, argc, argv, allowed, 1, 1,
		 "usage: tufctl notary init GUN --server URL (--root-key L [--root-key L]... "
		 "[--root-threshold N] | --root FILE) --targets-key L [--snapshot-key L]\n")) != 0)
		return r;
	if (o.root_file != NULL && (o.n_root_keys > 0 || o.root_threshold > 0))
		return nusage(&o, "--root FILE brings its root keys and threshold: no "
					   "--root-key or --root-threshold");
	if (o.server == NULL || (o.n_root_keys == 0 && o.root_file == NULL) || o.targets_key == NULL)
		return nusage(&o, "--server, --root-key (or --root) and --targets-key are "
					   "required");
	if (o.root_threshold > (long long)o.n_root_keys)
		return nusage(&o, "--root-threshold %lld is more than the %zu root keys",
		    o.root_threshold, o.n_root_keys);
	if (repo_open(&o, true, &repo) != 0)
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
	if (server_open(&o, repo, false, &ns) != 0)
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
		(void)nerr(&o, &e);
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
		(void)nerr(&o, &e);
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
		(void)nerr(&o, &e);
		goto out;
	}
	if (tufctl.json) {
		ret = print_json(&o, json_pack("{s:s, s:b, s:s}", "gun", repo->gun, "staged", 1,
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
	(void)nomem(&o);
out:
	ta_key_free(k);
	ta_meta_free(root);
	ta_meta_free(targets);
	json_decref(kept);
	json_decref(init);
	session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

/* ---- add, remove, delegation -------------------------------------------------------- */

/* add GUN --from-list FILE|-: every line checked, then one change file. */
static int
add_list(struct nopts *o)
{
	const char *name = strcmp(o->from_list, "-") == 0 ? "standard input" : o->from_list;
	struct tn_repo *repo = NULL;
	struct tn_error e = { .text = "" };
	json_t *changes = NULL;
	uint8_t *buf = NULL;
	size_t len, n;
	int ret = TUFCTL_FAIL;

	if (o->digest != NULL || o->size >= 0 || o->role != NULL)
		return nusage(o, "--from-list takes no --digest, --size or --role: each "
					    "line says 'TAG sha256:HEX SIZE [ROLE]'");
	if (tufctl_read_file(o->from_list, TN_LIST_MAX, &buf, &len) != 0)
		return TUFCTL_FAIL;
	if (tn_list_parse(name, buf, len, &changes, &e) != 0) {
		(void)tn_cmd_fail(o->cmd, "%s; nothing staged", e.text);
		goto out;
	}
	if ((n = json_array_size(changes)) == 0) {
		(void)tn_cmd_fail(o->cmd, "%s holds no tags (only blank lines or comments); "
					  "nothing staged", name);
		goto out;
	}
	if (repo_open(o, true, &repo) != 0)
		goto out;
	if (tn_repo_stage_many(repo, changes, &e) != 0) {
		(void)nerr(o, &e);
		goto out;
	}
	if (tufctl.json)
		ret = print_json(o, json_pack("{s:s, s:I}", "gun", repo->gun, "staged",
		    (json_int_t)n));
	else
		ret = printf("staged: %zu tag%s of %s from %s\n", n, n == 1 ? "" : "s", repo->gun,
			  name) < 0 ? TUFCTL_FAIL : TUFCTL_OK;
out:
	free(buf);
	json_decref(changes);
	tn_repo_close(repo);
	return ret;
}

static int
cmd_add(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_ROLE, O_DIGEST, O_SIZE,
		O_FROM_LIST, O_JSON, 0 };
	struct nopts o = { .cmd = "add", .size = -1 };
	char what[TA_TARGET_NAME_MAX + TA_ROLE_NAME_MAX + 16];
	const char *hex;
	int r;

	if ((r = parse(&o, argc, argv, allowed, 1, 2,
		 "usage: tufctl notary add GUN TAG --digest sha256:HEX --size N "
		 "[--role targets/NAME]\n"
		 "       tufctl notary add GUN --from-list FILE|-   (lines: TAG sha256:HEX SIZE "
		 "[ROLE])\n")) != 0)
		return r;
	if (o.from_list != NULL) {
		if (o.n_args != 1)
			return nusage(&o, "--from-list takes the GUN only; the tags are in "
						   "the list");
		return add_list(&o);
	}
	if (o.n_args != 2)
		return nusage(&o, "give GUN and TAG (or GUN --from-list FILE)");
	if (o.digest == NULL || o.size < 0)
		return nusage(&o, "--digest and --size are required");
	hex = o.digest + 7;
	if (strncmp(o.digest, "sha256:", 7) != 0 || strlen(hex) != 64 ||
	    strspn(hex, "0123456789abcdef") != 64)
		return nusage(&o, "--digest takes sha256: and 64 lowercase hex digits");
	if (o.role != NULL && role_arg(&o, o.role, false) != 0)
		return TUFCTL_USAGE;
	if (!tn_tag_valid(o.args[1], strlen(o.args[1])))
		return nusage(&o,
		    "'%s' is not a docker tag (1..%d of A-Z a-z 0-9 _ . -, not starting with . or -)",
		    o.args[1], TN_TAG_MAX);
	(void)snprintf(what, sizeof(what), "add %s to %s", o.args[1], o.role ? o.role : "targets");
	return stage_in_repo(&o,
	    json_pack("{s:s, s:s, s:s, s:I, s:s}", "op", "add", "role", o.role ? o.role : "targets",
		"name", o.args[1], "length", (json_int_t)o.size, "sha256", hex),
	    what);
}

static int
cmd_remove(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_ROLE, O_JSON, 0 };
	struct nopts o = { .cmd = "remove" };
	char what[TA_TARGET_NAME_MAX + TA_ROLE_NAME_MAX + 16];
	int r;

	if ((r = parse(&o, argc, argv, allowed, 2, 2,
		 "usage: tufctl notary remove GUN TAG [--role targets/NAME]\n")) != 0)
		return r;
	if (o.role != NULL && role_arg(&o, o.role, false) != 0)
		return TUFCTL_USAGE;
	(void)snprintf(what, sizeof(what), "remove %s from %s", o.args[1],
	    o.role ? o.role : "targets");
	return stage_in_repo(&o, json_pack("{s:s, s:s, s:s}", "op", "remove", "role",
				     o.role ? o.role : "targets", "name", o.args[1]),
	    what);
}

/* A key object for --cert FILE. */
static int
cert_key(struct nopts *o, const char *path, struct ta_key **ret)
{
	uint8_t *pem = NULL, *der = NULL;
	size_t len, der_len, used;
	int r;

	*ret = NULL;
	if (tufctl_read_file(path, 64 << 10, &pem, &len) != 0)
		return TUFCTL_FAIL;
	r = ta_pem_decode("CERTIFICATE", (char *)pem, len, true, &der, &der_len, &used);
	if (r == 0)
		r = ta_key_from_cert(der, der_len, ret);
	free(pem);
	free(der);
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

	if ((r = parse(&o, argc, argv, add ? allowed : allowed_remove, 2, 2,
		 add ? "usage: tufctl notary delegation add GUN ROLE (--key L | --cert FILE)... "
		       "[--path P]... [--all-paths]\n" :
		       "usage: tufctl notary delegation remove GUN ROLE\n")) != 0)
		return r;
	if (role_arg(&o, o.args[1], true) != 0)
		return TUFCTL_USAGE;
	if (!add && (o.n_keys || o.n_certs || o.n_paths || o.all_paths))
		return nusage(&o, "remove takes no --key, --cert or --path");
	if (add && o.n_keys + o.n_certs == 0)
		return nusage(&o, "at least one --key or --cert is required");
	if (add && o.all_paths && o.n_paths)
		return nusage(&o, "--all-paths and --path exclude each other");
	if (add && !o.all_paths && o.n_paths == 0)
		return nusage(&o, "say which targets it may sign: --path P or --all-paths");
	if (!add) {
		char what[TA_ROLE_NAME_MAX + 32];

		(void)snprintf(what, sizeof(what), "remove delegation %s", o.args[1]);
		return stage_in_repo(&o,
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
	if (repo_open(&o, true, &repo) != 0)
		goto out;
	if (stage(&o, repo,
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
		ret = ids == NULL ? nomem(&o) :
		    print_json(&o, json_pack("{s:s, s:i, s:[{s:s, s:s, s:o, s:O, s:b}]}", "gun",
			repo->gun, "staged", 1, "changes", "op", "delegation-add", "role", o.args[1],
			"keyids", ids, "paths", paths, "all_paths", o.all_paths));
		goto out;
	}
		printf("staged: delegation %s of %s with %zu key%s\n", o.args[1], repo->gun,
		    json_object_size(keys), json_object_size(keys) == 1 ? "" : "s");
	ret = TUFCTL_OK;
	goto out;
oom:
	(void)nomem(&o);
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

static int
cmd_delegation(int argc, char **argv)
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

/* ---- publish ------------------------------------------------------------------------ */

/* What a publish changed in each targets role it signed: {ROLE:
 * {"added":[TAG...], "removed":[...], "changed":[...]}} (names sorted),
 * the server's view before (p->cur) against what was uploaded (p->next).
 * NULL when out of memory. */
static json_t *
tags_changed(struct tn_pub *p)
{
	json_t *out = json_object();

	for (size_t i = 0; out != NULL && i < p->next.n; i++) {
		const struct tn_file *f = &p->next.files[i];
		const struct tn_file *old = tn_state_get(&p->cur, f->role);
		json_t *nt, *ot, *v;
		json_t *add = json_array(), *rm = json_array(), *chg = json_array();
		const char *name;

		if (!p->changed[i] || f->m->type != TA_ROLE_TARGETS) {
			json_decref(add);
			json_decref(rm);
			json_decref(chg);
			continue;
		}
		nt = json_object_get(f->m->signed_v, "targets");
		ot = old != NULL ? json_object_get(old->m->signed_v, "targets") : NULL;
		if (add == NULL || rm == NULL || chg == NULL)
			goto oom;
		json_object_foreach(nt, name, v) {
			const json_t *was = json_object_get(ot, name);

			if (was == NULL ? json_array_append_new(add, json_string(name)) != 0 :
			    !json_equal(was, v) && json_array_append_new(chg, json_string(name)) != 0)
				goto oom;
		}
		json_object_foreach(ot, name, v) {
			if (json_object_get(nt, name) == NULL &&
			    json_array_append_new(rm, json_string(name)) != 0)
				goto oom;
		}
		if (json_array_size(add) + json_array_size(rm) + json_array_size(chg) == 0) {
			json_decref(add);
			json_decref(rm);
			json_decref(chg);
			continue;
		}
		if (json_object_set_new(out, f->role,
			json_pack("{s:o, s:o, s:o}", "added", add, "removed", rm, "changed", chg)) != 0)
			goto oom_set;
		continue;
oom:
		json_decref(add);
		json_decref(rm);
		json_decref(chg);
oom_set:
		json_decref(out);
		out = NULL;
	}
	return out;
}

/* " added N: a, b, ... and K more" (at most 10 names; --json has all). */
static void
print_names(const json_t *names, const char *what)
{
	size_t n = json_array_size(names), i;

	if (n == 0)
		return;
	printf(" %s %zu:", what, n);
	for (i = 0; i < n && i < 10; i++)
		printf("%s %s", i ? "," : "", json_string_value(json_array_get(names, i)));
	if (n > 10)
		printf(" ... and %zu more", n - 10);
	printf(";");
}

/* Publishes what is staged (plus the change rotate made).  Prints a line,
 * then one a targets role changed: the tags added, removed and changed. */
static int
publish(struct nopts *o, struct tn_repo *repo, struct nsession *ns)
{
	const struct tn_signer signer = { .ctx = &o->cmd, .keys = tn_agent_signer_keys,
		.sign = tn_agent_signer_sign };
	struct tn_pub p = { .gun = repo->gun, .url = repo->url, .dir = repo->dir,
		.signer = &signer, .expiry_days = o->expiry_days, .now = time(NULL) };
	struct tn_error e = { .text = "" };
	json_t *what = NULL;
	int ret = TUFCTL_FAIL;

	tufctl.expiry_option = "--expiry";
	if (tn_publish_run(&p, repo, ns->srv, o->root_cert_id, &e) != 0) {
		if (e.text[0] != '\0')
			(void)nerr(o, &e);
		goto out;
	}
	if (p.n_changed != 0 && (what = tags_changed(&p)) == NULL) {
		ret = nomem(o);
		goto out;
	}
	if (tufctl.json) {
		ret = print_json(o, json_pack("{s:s, s:b, s:O}", "gun", repo->gun, "published",
		    p.n_changed != 0, "roles", what != NULL ? what : json_object()));
		goto out;
	}
	if (p.n_changed == 0) {
		printf("%s: nothing to publish; the server has every staged change\n", repo->gun);
	} else {
		const char *role;
		json_t *v;

		printf("published %s:", repo->gun);
		for (size_t i = 0; i < p.next.n; i++)
			if (p.changed[i])
				printf(" %s v%lld", p.next.files[i].role,
				    (long long)ta_meta_version(p.next.files[i].m));
		printf("; read back and verified\n");
		json_object_foreach(what, role, v) {
			printf("  %s:", role);
			print_names(json_object_get(v, "added"), "added");
			print_names(json_object_get(v, "removed"), "removed");
			print_names(json_object_get(v, "changed"), "changed");
			printf("\n");
		}
	}
	ret = tufctl_stdout_done();
out:
	json_decref(what);
	tn_pub_free(&p);
	return ret;
}

static int
cmd_publish(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_CERT_ID, O_EXPIRY, O_JSON, 0 };
	struct nopts o = { .cmd = "publish" };
	struct tn_repo *repo = NULL;
	int r;

	if ((r = parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary publish GUN\n")) != 0)
		return r;
	struct nsession ns = { 0 };

	if (repo_open(&o, true, &repo) != 0)
		return TUFCTL_FAIL;
	r = server_open(&o, repo, false, &ns) != 0 ? TUFCTL_FAIL : publish(&o, repo, &ns);
	session_close(&ns);
	tn_repo_close(repo);
	return r;
}

/* ---- list -------------------------------------------------------------------------- */

static int
print_targets(struct tn_state *st, const char *gun)
{
	json_t *out = tufctl.json ? json_array() : NULL;
	size_t count = 0;

	if (!tufctl.json)
		printf("%-32s %-64s %10s  %s\n", "NAME", "DIGEST", "SIZE", "ROLE");
	for (size_t i = 0; i < st->n; i++) {
		const char *name;
		json_t *t, *v;

		if (st->files[i].m->type != TA_ROLE_TARGETS)
			continue;
		t = json_object_get(st->files[i].m->signed_v, "targets");
		json_object_foreach(t, name, v) {
			struct ta_target_hashes h;
			int64_t len;
			char hex[65] = "-";

			if (ta_meta_target_get(st->files[i].m, name, &len, &h) != 0)
				continue;
			if (h.has_sha256)
				for (size_t k = 0; k < 32; k++)
					(void)snprintf(hex + 2 * k, 3, "%02x", h.sha256[k]);
			count++;
			if (out != NULL)
				(void)json_array_append_new(out,
				    json_pack("{s:s, s:s, s:I, s:s}", "name", name, "sha256", hex,
					"length", (json_int_t)len, "role", st->files[i].role));
			else
				printf("%-32s %-64s %10lld  %s\n", name, hex, (long long)len,
				    st->files[i].role);
		}
	}
	if (out != NULL) {
		json_t *o = json_pack("{s:s, s:o}", "gun", gun, "targets", out);
		int r = o != NULL ? tufctl_print_json(o) : tufctl_fail("out of memory");

		json_decref(o);
		return r;
	}
	if (count == 0)
		printf("(no targets)\n");
	return fflush(stdout) == 0 ? TUFCTL_OK : TUFCTL_FAIL;
}

/* The GUN's metadata from the server, verified from the trusted root (or
 * trusted on first use, pinned by --root-cert-id) and saved as trusted. */
static int
update(struct nopts *o, struct tn_repo *repo, struct nsession *ns, struct tn_state *st)
{
	struct tn_state local = { .n = 0 };
	struct tn_file *trusted;
	struct tn_error e = { .text = "" };
	int ret = TUFCTL_FAIL;

	if (tn_repo_load(repo, &local, &e) != 0) {
		(void)nerr(o, &e);
		goto out;
	}
	trusted = tn_state_get(&local, "root");
	if (tn_fetch(ns->srv, repo->gun, &local, trusted ? NULL : o->root_cert_id, time(NULL), st,
		&e) != 0) {
		(void)nerr(o, &e);
		goto out;
	}
	if (tn_repo_save(repo, st, &e) != 0) {
		(void)nerr(o, &e);
		goto out;
	}
	ret = TUFCTL_OK;
out:
	tn_state_clear(&local);
	return ret;
}

static int
cmd_list(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_CERT_ID, O_JSON, 0 };
	struct nopts o = { .cmd = "list" };
	struct tn_repo *repo = NULL;
	struct nsession ns = { 0 };
	struct tn_state st = { .n = 0 };
	int r, ret = TUFCTL_FAIL;

	if ((r = parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary list GUN\n")) != 0)
		return r;
	if (repo_open(&o, true, &repo) != 0 || server_open(&o, repo, true, &ns) != 0 ||
	    update(&o, repo, &ns, &st) != 0)
		goto out;
	ret = print_targets(&st, repo->gun);
out:
	tn_state_clear(&st);
	session_close(&ns);
	tn_repo_close(repo);
	return ret;
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
print_root(struct nopts *o, const struct tn_file *root, const char *gun)
{
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
		return nomem(o);
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
		ret = print_json(o, json_pack("{s:s, s:I, s:s, s:I, s:O}", "gun", gun, "version",
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
	(void)nomem(o);
out:
	json_decref(list);
	return ret;
}

/* tufctl notary root GUN: read-only, as list (it updates the trusted
 * metadata from the server first). */
static int
cmd_root(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_CERT_ID, O_JSON, 0 };
	struct nopts o = { .cmd = "root" };
	struct tn_repo *repo = NULL;
	struct nsession ns = { 0 };
	struct tn_state st = { .n = 0 };
	int r, ret = TUFCTL_FAIL;

	if ((r = parse(&o, argc, argv, allowed, 1, 1,
		 "usage: tufctl notary root GUN\n"
		 "The GUN's trusted root, updated from the server as notary list does: its root\n"
		 "keys (notary's key ID, and the certificate's ID that --root-cert-id pins), each\n"
		 "certificate's subject CN and expiry, the threshold and the root's expiry.\n")) != 0)
		return r;
	if (repo_open(&o, true, &repo) != 0 || server_open(&o, repo, true, &ns) != 0 ||
	    update(&o, repo, &ns, &st) != 0)
		goto out;
	ret = print_root(&o, tn_state_get(&st, "root"), repo->gun);
out:
	tn_state_clear(&st);
	session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

/* ---- status, reset ------------------------------------------------------------------ */

/* One staged change, as a line: "add TAG sha256:HEX SIZE ROLE", ... */
static void
print_change(const json_t *c)
{
	const char *op = json_string_value(json_object_get(c, "op")) ?: "?";
	const char *role = json_string_value(json_object_get(c, "role")) ?: "?";
	const char *name = json_string_value(json_object_get(c, "name"));

	if (strcmp(op, "add") == 0)
		printf("  add %s sha256:%s %lld %s\n", name ? name : "?",
		    json_string_value(json_object_get(c, "sha256")) ?: "?",
		    (long long)json_integer_value(json_object_get(c, "length")), role);
	else if (strcmp(op, "remove") == 0)
		printf("  remove %s %s\n", name ? name : "?", role);
	else if (strcmp(op, "delegation-add") == 0)
		printf("  delegation add %s (%zu key%s)\n", role,
		    json_object_size(json_object_get(c, "keys")),
		    json_object_size(json_object_get(c, "keys")) == 1 ? "" : "s");
	else if (strcmp(op, "delegation-remove") == 0)
		printf("  delegation remove %s\n", role);
	else
		printf("  %s %s\n", op, role);
}

static int
cmd_status(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_JSON, 0 };
	struct nopts o = { .cmd = "status" };
	struct tn_repo *repo = NULL;
	struct tn_state local = { .n = 0 };
	struct tn_error e = { .text = "" };
	json_t *staged = NULL, *pub = NULL, *changes;
	const json_t *c;
	size_t i;
	int r, ret = TUFCTL_FAIL;

	if ((r = parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary status GUN\n")) != 0)
		return r;
	if (tn_repo_open(o.trust_dir, o.args[0], o.server, o.tls_ca, false, true, &repo, &e) != 0) {
		(void)nerr(&o, &e);
		goto out;
	}
	if (tn_repo_load(repo, &local, &e) != 0 || tn_repo_staged(repo, &staged, &e) != 0) {
		(void)nerr(&o, &e);
		goto out;
	}
	if ((pub = json_array()) == NULL)
		goto oom;
	for (i = 0; i < local.n; i++) {
		time_t exp = 0;
		char when[32] = "?";
		struct tm tm;

		if (ta_meta_expires(local.files[i].m, &exp) == 0 && gmtime_r(&exp, &tm) != NULL)
			(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json_array_append_new(pub, json_pack("{s:s, s:I, s:s}", "role",
			local.files[i].role, "version", (json_int_t)ta_meta_version(local.files[i].m),
			"expires", when)) != 0)
			goto oom;
	}
	changes = json_object_get(staged, "changes");
	if (tufctl.json) {
		ret = print_json(&o, json_pack("{s:s, s:s, s:s, s:O, s:b, s:O}", "gun", repo->gun,
		    "server", repo->url, "dir", repo->dir, "published", pub, "init",
		    json_object_get(staged, "init") != NULL, "changes", changes));
		goto out;
	}
	printf("%s on %s (%s)\n", repo->gun, repo->url, repo->dir);
	if (local.n == 0) {
		printf("published: nothing seen yet%s\n",
		    json_object_get(staged, "init") != NULL ? " (init staged: root and targets)" : "");
	} else {
		printf("published (verified, as last seen):\n");
		json_array_foreach(pub, i, c) {
			printf("  %-24s v%-6lld expires %s\n",
			    json_string_value(json_object_get(c, "role")),
			    (long long)json_integer_value(json_object_get(c, "version")),
			    json_string_value(json_object_get(c, "expires")));
		}
	}
	if (json_array_size(changes) == 0) {
		printf("staged: nothing\n");
	} else {
		printf("staged: %zu change%s (tufctl notary publish %s)\n", json_array_size(changes),
		    json_array_size(changes) == 1 ? "" : "s", repo->gun);
		json_array_foreach(changes, i, c) {
			print_change(c);
		}
	}
	ret = tufctl_stdout_done();
	goto out;
oom:
	(void)nomem(&o);
out:
	json_decref(pub);
	json_decref(staged);
	tn_state_clear(&local);
	tn_repo_close(repo);
	return ret;
}

static int
cmd_reset(int argc, char **argv)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_JSON, 0 };
	struct nopts o = { .cmd = "reset" };
	struct tn_repo *repo = NULL;
	struct tn_error e = { .text = "" };
	json_t *staged = NULL;
	size_t n, files;
	int r, ret = TUFCTL_FAIL;

	if ((r = parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary reset GUN\n")) != 0)
		return r;
	if (tn_repo_open(o.trust_dir, o.args[0], o.server, o.tls_ca, false, true, &repo, &e) != 0 ||
	    tn_repo_staged(repo, &staged, &e) != 0 || tn_repo_reset(repo, &files, &e) != 0) {
		(void)nerr(&o, &e);
		goto out;
	}
	n = json_array_size(json_object_get(staged, "changes"));
	if (tufctl.json)
		ret = print_json(&o, json_pack("{s:s, s:I}", "gun", repo->gun, "dropped",
		    (json_int_t)n));
	else
		ret = printf("%s: dropped %zu staged change%s%s\n", repo->gun, n, n == 1 ? "" : "s",
			  json_object_get(staged, "init") != NULL ?
				  " (the staged init stays: remove the GUN's directory to start over)" :
				  "") < 0 ?
			  TUFCTL_FAIL :
			  tufctl_stdout_done();
out:
	json_decref(staged);
	tn_repo_close(repo);
	return ret;
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
		r = nomem(o);
	ta_key_free(k);
	return r;
}

static int
cmd_rotate(int argc, char **argv)
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

	if ((r = parse(&o, argc, argv, allowed, 2, 2,
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
		return nusage(&o, "ROLE is targets, snapshot, timestamp or root");
	if (strcmp(role, "timestamp") == 0 && o.n_keys > 0)
		return nusage(&o, "the timestamp key is always the server's: no --key");
	if (strcmp(role, "root") != 0 && o.n_keys > 1)
		return nusage(&o, "%s takes one --key", role);
	if (o.root_threshold > 0 && strcmp(role, "root") != 0)
		return nusage(&o, "--root-threshold is for a root rotation");
	if (o.root_threshold > (long long)(o.n_keys ? o.n_keys : 1))
		return nusage(&o, "--root-threshold %lld is more than the %zu new root key%s",
		    o.root_threshold, o.n_keys ? o.n_keys : 1, o.n_keys > 1 ? "s" : "");
	if (repo_open(&o, true, &repo) != 0 || server_open(&o, repo, false, &ns) != 0)
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
			(void)nerr(&o, &e);
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
	if (stage(&o, repo, o.root_threshold > 0 ?
		json_pack("{s:s, s:s, s:O, s:I}", "op", "rotate", "role", role, "keys", keys,
		    "threshold", (json_int_t)o.root_threshold) :
		json_pack("{s:s, s:s, s:O}", "op", "rotate", "role", role, "keys", keys)))
		goto out;
	ret = publish(&o, repo, &ns);
	goto out;
oom:
	(void)nomem(&o);
out:
	free(uri);
	ta_key_free(k);
	json_decref(keys);
	json_decref(kept);
	session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

/* ---- dispatch ----------------------------------------------------------------------- */

int
tufctl_cmd_notary(int argc, char **argv)
{
	static const struct tufctl_cmd cmds[] = {
		{ "init", cmd_init }, { "add", cmd_add }, { "remove", cmd_remove },
		{ "publish", cmd_publish }, { "list", cmd_list }, { "root", cmd_root },
		{ "delegation", cmd_delegation }, { "rotate", cmd_rotate }, { "status", cmd_status },
		{ "reset", cmd_reset },
	};

	return TUFCTL_DISPATCH("notary", notary_usage, cmds, argc, argv);
}
