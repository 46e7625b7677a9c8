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
#include "tuf/encoding.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/verify.h"
#include "tuf/x509.h"

#define PASSWORD_MAX 4096
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
int __attribute__((format(printf, 2, 3)))
tnc_usage(const struct nopts *o, const char *fmt, ...)
{
	char cmd[64];
	va_list ap;

	(void)snprintf(cmd, sizeof(cmd), "notary %s", o->cmd);
	va_start(ap, fmt);
	(void)tufctl_vusage(cmd, fmt, ap);
	va_end(ap);
	return TUFCTL_USAGE;
}

int
tnc_err(struct nopts *o, const struct tn_error *e)
{
	return tn_cmd_fail(o->cmd, "%s", e->text);
}

int
tnc_nomem(struct nopts *o)
{
	return tn_cmd_fail(o->cmd, "out of memory");
}

/* tufctl_print_json() of v, a new reference (NULL: a json_pack that ran
 * out of memory), released here. */
int
tnc_print_json(struct nopts *o, json_t *v)
{
	int r;

	if (v == NULL)
		return tnc_nomem(o);
	r = tufctl_print_json(v);
	json_decref(v);
	return r;
}

static int
add_opt(struct nopts *o, const char **list, size_t *n, size_t max, const char *name, const char *v)
{
	if (*v == '\0')
		return tnc_usage(o, "--%s must not be empty", name);
	if (*n == max)
		return tnc_usage(o, "at most %zu --%s options", max, name);
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], v) == 0)
			return tnc_usage(o, "--%s '%s' is given twice", name, v);
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
		return tnc_usage(o, "--%s takes a whole number from %lld to %lld", name, lo,
		    hi);
	*ret = n;
	return 0;
}

/* Parses argv with the options allowed (a string of O_* - 0x100 + 'A'
 * letters would be clever; a list is clearer). */
int
tnc_parse(struct nopts *o, int argc, char **argv, const int *allowed, int min_args, int max_args,
    const char *usage)
{
	struct option lo[sizeof(all_opts) / sizeof(all_opts[0])];
	const char *help = help_text(usage, allowed);
	int c;

	if (argv == NULL || argc < 1) {
		(void)tnc_usage(o, "%s", usage);
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
			return tnc_usage(o, "option '%.*s' needs a value",
			    (int)strcspn(arg, "="), arg);
		for (const int *a = allowed; *a != 0; a++)
			ok = ok || *a == c;
		if (c == '?' && optopt != 0)
			return tnc_usage(o, "unknown option '-%c'", optopt);
		if (c == '?' || !ok)
			return tnc_usage(o, "unknown option '%.*s'", (int)strcspn(arg, "="),
			    arg);
		if (optarg != NULL && *optarg == '\0')
			return tnc_usage(o, "option '%.*s' must not be empty",
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
			return tnc_usage(o, "unknown option '%s'", arg);
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
		return tnc_usage(o, "%s", strchr(usage, ' ') + 1);
	if (!tn_gun_valid(o->args[0]))
		return tnc_usage(o,
		    "'%s' is not a GUN (a repository name such as registry.example.com/team/app)",
		    o->args[0]);
	return 0;
}

/* ---- the server ------------------------------------------------------------------ */

static int
read_password(struct nopts *o, struct nsession *ns)
{
	char *buf = malloc(PASSWORD_MAX + 1);
	size_t n = 0;

	if (buf == NULL)
		return tnc_nomem(o);
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

int
tnc_server_open(struct nopts *o, const struct tn_repo *repo, bool read_only, struct nsession *ns)
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
		return tnc_err(o, &e);
	return 0;
}

void
tnc_session_close(struct nsession *ns)
{
	tn_server_close(ns->srv);
	if (ns->password != NULL)
		ta_wipe_free(ns->password, ns->password_len);
	memset(ns, 0, sizeof(*ns));
}

int
tnc_repo_open(struct nopts *o, bool create, struct tn_repo **ret)
{
	struct tn_error e = { .text = "" };

	if (o->args == NULL || o->n_args < 1) {
		(void)tnc_usage(o, "no GUN given");
		return TUFCTL_USAGE;
	}
	if (tn_repo_open(o->trust_dir, o->args[0], o->server, o->tls_ca, create, true, ret, &e) != 0)
		return tnc_err(o, &e);
	return *ret != NULL ? 0 : tn_cmd_fail(o->cmd, "no repository");
}

/* ---- staging ------------------------------------------------------------------------ */

/* Stages change after the others.  A remove first drops any staged add
 * of the same name to the same role (it could never be published
 * otherwise, were it outside the role's paths). */
int
tnc_stage(struct nopts *o, struct tn_repo *repo, json_t *change)
{
	const char *op = json_string_value(json_object_get(change, "op"));
	struct tn_error e = { .text = "" };
	json_t *staged = NULL, *c;
	int r = TUFCTL_FAIL;
	size_t i;

	if (change == NULL)
		return tnc_nomem(o);
	if (op != NULL && strcmp(op, "remove") == 0) {
		if (tn_repo_staged(repo, &staged, &e) != 0) {
			r = tnc_err(o, &e);
			goto out;
		}
		json_array_foreach(json_object_get(staged, "changes"), i, c) {
			if (strcmp(json_string_value(json_object_get(c, "op")) ?: "", "add") == 0 &&
			    json_equal(json_object_get(c, "role"), json_object_get(change, "role")) &&
			    json_equal(json_object_get(c, "name"), json_object_get(change, "name")) &&
			    tn_repo_unstage(repo, staged, i, &e) != 0) {
				r = tnc_err(o, &e);
				goto out;
			}
		}
	}
	r = tn_repo_stage(repo, change, &e) != 0 ? tnc_err(o, &e) : 0;
out:
	json_decref(staged);
	json_decref(change);
	return r;
}

/* tnc_stage() in the GUN's directory, then "staged: <what> of GUN". */
int
tnc_stage_in_repo(struct nopts *o, json_t *change, const char *what)
{
	struct tn_repo *repo = NULL;
	int r;

	if (tnc_repo_open(o, true, &repo) != 0) {
		json_decref(change);
		return TUFCTL_FAIL;
	}
	json_incref(change);
	r = tnc_stage(o, repo, change);
	if (r == 0 && tufctl.json)
		r = tnc_print_json(o, json_pack("{s:s, s:i, s:[O]}", "gun", repo->gun, "staged", 1,
		    "changes", change));
	else if (r == 0)
		printf("staged: %s of %s\n", what, repo->gun);
	json_decref(change);
	tn_repo_close(repo);
	return r;
}

int
tnc_role_arg(struct nopts *o, const char *role, bool delegation_only)
{
	enum ta_role_type t;

	if (ta_role_type_of(TA_PROFILE_NOTARY, role, &t) != 0 || t != TA_ROLE_TARGETS ||
	    (delegation_only && strcmp(role, "targets") == 0))
		return tnc_usage(o, "'%s' is not a %s role", role,
		    delegation_only ? "delegation (targets/NAME)" : "targets (targets or targets/NAME)");
	return 0;
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
		return tnc_usage(o, "--from-list takes no --digest, --size or --role: each "
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
	if (tnc_repo_open(o, true, &repo) != 0)
		goto out;
	if (tn_repo_stage_many(repo, changes, &e) != 0) {
		(void)tnc_err(o, &e);
		goto out;
	}
	if (tufctl.json)
		ret = tnc_print_json(o, json_pack("{s:s, s:I}", "gun", repo->gun, "staged",
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

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 2,
		 "usage: tufctl notary add GUN TAG --digest sha256:HEX --size N "
		 "[--role targets/NAME]\n"
		 "       tufctl notary add GUN --from-list FILE|-   (lines: TAG sha256:HEX SIZE "
		 "[ROLE])\n")) != 0)
		return r;
	if (o.from_list != NULL) {
		if (o.n_args != 1)
			return tnc_usage(&o, "--from-list takes the GUN only; the tags are in "
						   "the list");
		return add_list(&o);
	}
	if (o.n_args != 2)
		return tnc_usage(&o, "give GUN and TAG (or GUN --from-list FILE)");
	if (o.digest == NULL || o.size < 0)
		return tnc_usage(&o, "--digest and --size are required");
	hex = o.digest + 7;
	if (strncmp(o.digest, "sha256:", 7) != 0 || strlen(hex) != 64 ||
	    strspn(hex, "0123456789abcdef") != 64)
		return tnc_usage(&o, "--digest takes sha256: and 64 lowercase hex digits");
	if (o.role != NULL && tnc_role_arg(&o, o.role, false) != 0)
		return TUFCTL_USAGE;
	if (!tn_tag_valid(o.args[1], strlen(o.args[1])))
		return tnc_usage(&o,
		    "'%s' is not a docker tag (1..%d of A-Z a-z 0-9 _ . -, not starting with . or -)",
		    o.args[1], TN_TAG_MAX);
	(void)snprintf(what, sizeof(what), "add %s to %s", o.args[1], o.role ? o.role : "targets");
	return tnc_stage_in_repo(&o,
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

	if ((r = tnc_parse(&o, argc, argv, allowed, 2, 2,
		 "usage: tufctl notary remove GUN TAG [--role targets/NAME]\n")) != 0)
		return r;
	if (o.role != NULL && tnc_role_arg(&o, o.role, false) != 0)
		return TUFCTL_USAGE;
	(void)snprintf(what, sizeof(what), "remove %s from %s", o.args[1],
	    o.role ? o.role : "targets");
	return tnc_stage_in_repo(&o, json_pack("{s:s, s:s, s:s}", "op", "remove", "role",
				     o.role ? o.role : "targets", "name", o.args[1]),
	    what);
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
int
tnc_publish(struct nopts *o, struct tn_repo *repo, struct nsession *ns)
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
			(void)tnc_err(o, &e);
		goto out;
	}
	if (p.n_changed != 0 && (what = tags_changed(&p)) == NULL) {
		ret = tnc_nomem(o);
		goto out;
	}
	if (tufctl.json) {
		ret = tnc_print_json(o, json_pack("{s:s, s:b, s:O}", "gun", repo->gun, "published",
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

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary publish GUN\n")) != 0)
		return r;
	struct nsession ns = { 0 };

	if (tnc_repo_open(&o, true, &repo) != 0)
		return TUFCTL_FAIL;
	r = tnc_server_open(&o, repo, false, &ns) != 0 ? TUFCTL_FAIL : tnc_publish(&o, repo, &ns);
	tnc_session_close(&ns);
	tn_repo_close(repo);
	return r;
}

/* ---- list -------------------------------------------------------------------------- */

static int
print_targets(struct nopts *o, struct tn_state *st, const char *gun)
{
	json_t *out = tufctl.json ? json_array() : NULL;
	size_t count = 0;

	(void)o;
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
		json_t *doc = json_pack("{s:s, s:o}", "gun", gun, "targets", out);
		int r = doc != NULL ? tufctl_print_json(doc) : tufctl_fail("out of memory");

		json_decref(doc);
		return r;
	}
	if (count == 0)
		printf("(no targets)\n");
	return fflush(stdout) == 0 ? TUFCTL_OK : TUFCTL_FAIL;
}

/* The GUN's metadata from the server, verified from the trusted root (or
 * trusted on first use, pinned by --root-cert-id) and saved as trusted. */
int
tnc_update(struct nopts *o, struct tn_repo *repo, struct nsession *ns, struct tn_state *st)
{
	struct tn_state local = { .n = 0 };
	struct tn_file *trusted;
	struct tn_error e = { .text = "" };
	int ret = TUFCTL_FAIL;

	if (tn_repo_load(repo, &local, &e) != 0) {
		(void)tnc_err(o, &e);
		goto out;
	}
	trusted = tn_state_get(&local, "root");
	if (tn_fetch(ns->srv, repo->gun, &local, trusted ? NULL : o->root_cert_id, time(NULL), st,
		&e) != 0) {
		(void)tnc_err(o, &e);
		goto out;
	}
	if (tn_repo_save(repo, st, &e) != 0) {
		(void)tnc_err(o, &e);
		goto out;
	}
	ret = TUFCTL_OK;
out:
	tn_state_clear(&local);
	return ret;
}

/* tufctl notary list GUN (and root): read-only, the GUN's trusted metadata
 * updated from the server first (tnc_update), then shown. */
int
tnc_run_updated(int argc, char **argv, const char *cmd, const char *usage, tnc_show_fn show)
{
	static const int allowed[] = { O_SERVER, O_TLS_CA, O_TRUST_DIR, O_USERNAME,
		O_PASSWORD_STDIN, O_ROOT_CERT_ID, O_JSON, 0 };
	struct nopts o = { .cmd = cmd };
	struct tn_repo *repo = NULL;
	struct nsession ns = { 0 };
	struct tn_state st = { .n = 0 };
	int r, ret = TUFCTL_FAIL;

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 1, usage)) != 0)
		return r;
	if (tnc_repo_open(&o, true, &repo) != 0 || tnc_server_open(&o, repo, true, &ns) != 0 ||
	    tnc_update(&o, repo, &ns, &st) != 0)
		goto out;
	ret = show(&o, &st, repo->gun);
out:
	tn_state_clear(&st);
	tnc_session_close(&ns);
	tn_repo_close(repo);
	return ret;
}

static int
cmd_list(int argc, char **argv)
{
	return tnc_run_updated(argc, argv, "list", "usage: tufctl notary list GUN\n", print_targets);
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

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary status GUN\n")) != 0)
		return r;
	if (tn_repo_open(o.trust_dir, o.args[0], o.server, o.tls_ca, false, true, &repo, &e) != 0) {
		(void)tnc_err(&o, &e);
		goto out;
	}
	if (tn_repo_load(repo, &local, &e) != 0 || tn_repo_staged(repo, &staged, &e) != 0) {
		(void)tnc_err(&o, &e);
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
		ret = tnc_print_json(&o, json_pack("{s:s, s:s, s:s, s:O, s:b, s:O}", "gun", repo->gun,
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
	(void)tnc_nomem(&o);
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

	if ((r = tnc_parse(&o, argc, argv, allowed, 1, 1, "usage: tufctl notary reset GUN\n")) != 0)
		return r;
	if (tn_repo_open(o.trust_dir, o.args[0], o.server, o.tls_ca, false, true, &repo, &e) != 0 ||
	    tn_repo_staged(repo, &staged, &e) != 0 || tn_repo_reset(repo, &files, &e) != 0) {
		(void)tnc_err(&o, &e);
		goto out;
	}
	n = json_array_size(json_object_get(staged, "changes"));
	if (tufctl.json)
		ret = tnc_print_json(&o, json_pack("{s:s, s:I}", "gun", repo->gun, "dropped",
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
/* ---- dispatch ----------------------------------------------------------------------- */

int
tufctl_cmd_notary(int argc, char **argv)
{
	static const struct tufctl_cmd cmds[] = {
		{ "init", tnc_cmd_init }, { "add", cmd_add }, { "remove", cmd_remove },
		{ "publish", cmd_publish }, { "list", cmd_list }, { "root", tnc_cmd_root },
		{ "delegation", tnc_cmd_delegation }, { "rotate", tnc_cmd_rotate }, { "status", cmd_status },
		{ "reset", cmd_reset },
	};

	return TUFCTL_DISPATCH("notary", notary_usage, cmds, argc, argv);
}
