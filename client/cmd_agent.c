/* Commands that go through the agent: status, unlock, lock, key ..., sign.
 *
 * Each fills the typed params of one request, sends it on a fresh
 * connection (client/agent_api.h) and prints the typed result: for humans by default, or
 * with --json the result object as compact JSON on one line (ASCII, so
 * that no byte of it can steer a terminal).  Errors are one line on stderr;
 * exit status 0 done, 1 refused or failed, 2 usage (DESIGN.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "client/agent_api.h"
#include "client/attest.h"
#include "client/agentconn.h"
#include "client/files.h"
#include "client/pinread.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "common/keytype.h"
#include "common/secret.h"
#include "protocol/proto.h"

/* ---- shared ------------------------------------------------------------------ */

/* getopt_long() with our own one-line messages: optstring starts with ':'
 * and opterr is 0.  An option is shown without its "=value" (a PIN could
 * be there). */
static int
opt_error(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	int n = (int)strcspn(arg, "=");

	if (c == ':')
		return tufctl_usage(cmd, "option '%.*s' needs a value", n, arg);
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return tufctl_usage(cmd, "unknown option '-%c'", optopt);
	return tufctl_usage(cmd, "unknown option '%.*s'", n, arg);
}

/* getopt_long() values of the long options (past any char): a table's
 * option i is OPT_TABLE + i (parse_opts()). */
enum { OPT_HELP = 'h', OPT_JSON = 0x100, OPT_TABLE };

/* A scope given on the command line: --gun G... --role R... [--profile P]. */
struct scope_opts {
	const char *guns[TA_PROTO_SCOPE_MAX], *roles[TA_PROTO_SCOPE_MAX], *profile;
	size_t n_guns, n_roles;
};

static int
scope_opt(const char *cmd, const char *name, const char *value, const char **list, size_t *n)
{
	if (*value == '\0')
		return tufctl_usage(cmd, "--%s must not be empty", name);
	if (*n == TA_PROTO_SCOPE_MAX)
		return tufctl_usage(cmd, "at most %d --%s options", TA_PROTO_SCOPE_MAX, name);
	list[(*n)++] = value;
	return TUFCTL_OK;
}

/* s into dst (cap bytes), or a usage error: the request structs have room
 * for what the protocol allows. */
static int
opt_copy(const char *cmd, const char *name, const char *s, char *dst, size_t cap)
{
	size_t len = strlen(s);

	if (len >= cap)
		return tufctl_usage(cmd, "--%s is longer than %zu bytes", name, cap - 1);
	memcpy(dst, s, len + 1);
	return TUFCTL_OK;
}

static enum ta_proto_profile
profile_of(const char *name)
{
	return strcmp(name, "tuf") == 0 ? TA_PROTO_PROFILE_TUF : TA_PROTO_PROFILE_NOTARY;
}

/* The scope given on the command line. */
static int
scope_fill(const char *cmd, const struct scope_opts *so, struct ta_proto_scope *s)
{
	s->profile = so->profile != NULL ? profile_of(so->profile) : TA_PROTO_PROFILE_NONE;
	s->n_guns = so->n_guns;
	s->n_roles = so->n_roles;
	for (size_t i = 0; i < so->n_guns; i++)
		if (opt_copy(cmd, "gun", so->guns[i], s->guns[i], sizeof(s->guns[i])) != 0)
			return TUFCTL_USAGE;
	for (size_t i = 0; i < so->n_roles; i++)
		if (opt_copy(cmd, "role", so->roles[i], s->roles[i], sizeof(s->roles[i])) != 0)
			return TUFCTL_USAGE;
	return TUFCTL_OK;
}

/* "notary: gun a, b; roles targets", or "none" */
static void
print_scope(const char *prefix, bool has, const struct ta_proto_scope *sc)
{
	printf("%s", prefix);
	if (!has) {
		printf("none\n");
		return;
	}
	if (sc->profile != TA_PROTO_PROFILE_NONE)
		printf("%s ", ta_proto_profile_name(sc->profile));
	printf("gun");
	for (size_t i = 0; i < sc->n_guns; i++)
		printf("%s%s", i > 0 ? ", " : " ", sc->guns[i]);
	printf("; roles");
	for (size_t i = 0; i < sc->n_roles; i++)
		printf("%s%s", i > 0 ? ", " : " ", sc->roles[i]);
	printf("\n");
}

/* An option's value: never empty (the protocol refuses empty strings). */
static int
opt_text(const char *cmd, const char *name, const char *value, const char **ret)
{
	if (*value == '\0')
		return tufctl_usage(cmd, "--%s must not be empty", name);
	*ret = value;
	return TUFCTL_OK;
}

static int
opt_profile(const char *cmd, const char *value, const char **ret)
{
	if (strcmp(value, "notary") != 0 && strcmp(value, "tuf") != 0)
		return tufctl_usage(cmd, "unknown profile '%s' (notary or tuf)", value);
	*ret = value;
	return TUFCTL_OK;
}

static int
no_arguments(const char *cmd, int argc, char **argv)
{
	if (optind < argc)
		return tufctl_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return TUFCTL_OK;
}

/* A subcommand's options as a table: each takes its value (NULL for a
 * flag) into dst, or says what is wrong (TUFCTL_USAGE).  --json and --help
 * every subcommand has. */
/* In struct option's order, which the tables follow; the padding does
 * not matter for a dozen entries. */
struct opt { // NOLINT(clang-analyzer-optin.performance.Padding)
	const char *name;
	int has_arg;
	int (*take)(const char *cmd, const char *name, const char *arg, void *dst);
	void *dst;
	int short_name; /* 0: none */
};

#define OPTS_MAX 12
#define STR_(x) #x
#define STR(x) STR_(x)
#define DAYS_DEFAULT STR(TA_PROTO_DAYS_DEFAULT)
#define OPTS_GO (-1) /* parse_opts(): the command goes on */

/* getopt_long() over the table: OPTS_GO, or what the command returns
 * (TUFCTL_OK after --help, TUFCTL_USAGE).  help is printed as it is. */
static int
parse_opts(const char *cmd, const char *help, const struct opt *t, size_t n, int argc, char **argv)
{
	struct option lo[OPTS_MAX + 3] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, OPT_HELP},
	};
	char shorts[8 + 2 * OPTS_MAX] = ":h";
	size_t ns = strlen(shorts);
	int c;

	for (size_t i = 0; i < n && i < OPTS_MAX; i++) {
		lo[2 + i] = (struct option){t[i].name, t[i].has_arg, NULL,
		    t[i].short_name != 0 ? t[i].short_name : OPT_TABLE + (int)i};
		if (t[i].short_name != 0) {
			shorts[ns++] = (char)t[i].short_name;
			if (t[i].has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	opterr = 0;
	while ((c = tufctl_getopt(argc, argv, shorts, lo, help)) != -1) {
		size_t i;

		if (c == OPT_JSON) {
			tufctl.json = true;
			continue;
		}
		for (i = 0; i < n; i++)
			if (c == (t[i].short_name != 0 ? t[i].short_name : OPT_TABLE + (int)i))
				break;
		if (i == n)
			return opt_error(cmd, c, argv);
		if (t[i].take(cmd, t[i].name, optarg, t[i].dst) != TUFCTL_OK)
			return TUFCTL_USAGE;
	}
	return OPTS_GO;
}

#define PARSE_OPTS(cmd, help, table, argc, argv)                                                   \
	parse_opts((cmd), (help), (table), sizeof(table) / sizeof((table)[0]), (argc), (argv))

/* The takers: a non-empty text, a profile name, a flag, a scope's --gun,
 * --role and --profile (dst a struct scope_opts). */
static int
take_text(const char *cmd, const char *name, const char *arg, void *dst)
{
	return opt_text(cmd, name, arg, dst);
}

static int
take_profile(const char *cmd, const char *name, const char *arg, void *dst)
{
	(void)name;
	return opt_profile(cmd, arg, dst);
}

static int
take_flag(const char *cmd, const char *name, const char *arg, void *dst)
{
	(void)cmd, (void)name, (void)arg;
	*(bool *)dst = true;
	return TUFCTL_OK;
}

static int
take_scope(const char *cmd, const char *name, const char *arg, void *dst)
{
	struct scope_opts *so = dst;

	if (strcmp(name, "gun") == 0)
		return scope_opt(cmd, name, arg, so->guns, &so->n_guns);
	if (strcmp(name, "role") == 0)
		return scope_opt(cmd, name, arg, so->roles, &so->n_roles);
	return opt_profile(cmd, arg, &so->profile);
}

/* --pin is there only to be refused. */
static int
take_no_pin(const char *cmd, const char *name, const char *arg, void *dst)
{
	(void)name, (void)arg, (void)dst;
	return tufctl_usage(cmd, "there is no --pin: a PIN is never taken from the command line; "
				 "use --pin-file F, a terminal, or $TUFCTL_PINENTRY");
}

static int
take_key_type(const char *cmd, const char *name, const char *arg, void *dst)
{
	(void)name;
	if (ta_key_type_from_name(arg) == TA_KEY_NONE)
		return tufctl_usage(cmd,
		    "unknown key type '%s' (ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, "
		    "rsa-4096 or ed25519)",
		    arg);
	*(const char **)dst = arg;
	return TUFCTL_OK;
}

static int
take_days(const char *cmd, const char *name, const char *arg, void *dst)
{
	long *days = dst;
	char *end;

	(void)name;
	errno = 0;
	*days = strtol(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    *days < TA_PROTO_DAYS_MIN || *days > TA_PROTO_DAYS_MAX)
		return tufctl_usage(cmd, "--days takes a number of days, %d..%d", TA_PROTO_DAYS_MIN,
		    TA_PROTO_DAYS_MAX);
	return TUFCTL_OK;
}

/* sign's --key L...: distinct, at most TA_PROTO_KEYS_MAX. */
struct key_opts {
	const char *v[TA_PROTO_KEYS_MAX];
	size_t n;
};

static int
take_key(const char *cmd, const char *name, const char *arg, void *dst)
{
	struct key_opts *ko = dst;

	(void)name;
	if (*arg == '\0')
		return tufctl_usage(cmd, "--key must not be empty");
	if (ko->n == TA_PROTO_KEYS_MAX)
		return tufctl_usage(cmd, "at most %d --key options", TA_PROTO_KEYS_MAX);
	for (size_t i = 0; i < ko->n; i++)
		if (strcmp(ko->v[i], arg) == 0)
			return tufctl_usage(cmd, "--key '%s' is given twice", arg);
	ko->v[ko->n++] = arg;
	return TUFCTL_OK;
}

/* Strings from the agent (labels, token names, URIs) may come from a token
 * anyone could write: before they reach a terminal, control characters
 * (C0, DEL, C1) become '?'.  jansson has checked that they are UTF-8.
 * The result decoders accept the cleaned object as they did the raw one, so
 * a command for humans cleans the result and decodes it again. */
static void
clean_tree(json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, k, m)
		{
			clean_tree(m);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, m)
		{
			clean_tree(m);
		}
		break;
	case JSON_STRING: {
		const unsigned char *s = (const unsigned char *)json_string_value(v);
		size_t len = json_string_length(v), o = 0;
		char *c;
		bool dirty = false;

		for (i = 0; i < len; i++)
			if (s[i] < 0x20 || s[i] == 0x7f ||
			    (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f))
				dirty = true;
		if (!dirty || (c = malloc(len + 1)) == NULL)
			break;
		for (i = 0; i < len; i++) {
			if (s[i] < 0x20 || s[i] == 0x7f) {
				c[o++] = '?';
			} else if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
				   s[i + 1] <= 0x9f) {
				c[o++] = '?';
				i++;
			} else {
				c[o++] = (char)s[i];
			}
		}
		(void)json_string_setn_nocheck(v, c, o);
		free(c);
		break;
	}
	default:
		break;
	}
}

static int
out_of_memory(const char *cmd)
{
	return tufctl_fail("%s: %s", cmd, ta_strerror(TA_ERR_NOMEM));
}

/* After clean_tree() on a result decoded by dec into ret: decoded again, so
 * that ret borrows the cleaned strings. */
#define REDECODE(cmd, dec, result, ret)                                                            \
	(clean_tree(result), (dec)((result), (ret)) != 0 ? out_of_memory(cmd) : TUFCTL_OK)

/* ---- status -------------------------------------------------------------------- */

static const char *
pin_state_text(enum ta_proto_pin_state state)
{
	static const char *const texts[] = {
	    /* PKCS#11 tells no number but these states: COUNT_LOW is "a
	     * wrong PIN since the last right one". */
	    [TA_PROTO_PIN_OK] = "PIN ok",
	    [TA_PROTO_PIN_COUNT_LOW] = "PIN tries low (a wrong PIN was given; tries left: fewer than full)",
	    [TA_PROTO_PIN_FINAL_TRY] = "PIN tries left: 1 (unlock interactively)",
	    [TA_PROTO_PIN_LOCKED] = "PIN blocked: use the PUK (or the SO PIN) to set a new one",
	    [TA_PROTO_PIN_UNKNOWN] = "PIN tries unknown",
	};

	return texts[state];
}

static int
print_status(json_t *result, struct ta_proto_status_result *st)
{
	ta_proto_status_result_clear(st);
	if (REDECODE("status", ta_proto_decode_status_result, result, st) != 0)
		return TUFCTL_FAIL;
	printf("agent: %s, protocol %u\n", st->agent, st->version);
	if (st->n_tokens == 0)
		printf("no tokens configured\n");
	for (size_t i = 0; i < st->n_tokens; i++) {
		const struct ta_proto_token_status *t = &st->tokens[i];

		printf("token %s: ", t->name);
		if (!t->present)
			printf("absent, ");
		else if (!t->unlocked)
			printf("locked, %s, keys not listed until unlocked, ", pin_state_text(t->pin));
		else
			printf("unlocked, %s, %u key%s, ", pin_state_text(t->pin), t->keys,
			    t->keys == 1 ? "" : "s");
		printf("%s", t->uri);
		if (t->model != NULL || t->serial != NULL)
			printf(" (%s%s%s%s)", t->model != NULL ? t->model : "",
			    t->model != NULL && t->serial != NULL ? ", " : "",
			    t->serial != NULL ? "serial " : "", t->serial != NULL ? t->serial : "");
		printf("\n");
	}
	return tufctl_stdout_done();
}

/* tufctl status */
int
tufctl_cmd_status(int argc, char **argv)
{
	struct ta_proto_status_result st = {0};
	json_t *result = NULL;
	int ret;

	if ((ret = parse_opts("status", "usage: tufctl status\n", NULL, 0, argc, argv)) != OPTS_GO)
		return ret;
	if (no_arguments("status", argc, argv) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_status(NULL, &result, &st) != 0)
		return TUFCTL_FAIL;
	ret = tufctl.json ? tufctl_print_json(result) : print_status(result, &st);
	ta_proto_status_result_clear(&st);
	json_decref(result);
	return ret;
}

/* ---- unlock, lock ----------------------------------------------------------------- */

/* tufctl unlock [--token URI] [--pin-file F]
 * The PIN comes from F, from $TUFCTL_PINENTRY or from the terminal, and
 * lives in locked memory until the request is encoded; the request's
 * buffers are wiped once it is on the socket.  Never from argv. */
int
tufctl_cmd_unlock(int argc, char **argv)
{
	const char *token = NULL, *pin_file = NULL;
	struct tufctl_agent *a = NULL;
	struct ta_proto_unlock q = {0};
	struct ta_proto_unlock_result res;
	json_t *result = NULL;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"token", required_argument, take_text, &token, 0},
	    {"pin-file", required_argument, take_text, &pin_file, 0},
	    {"pin", optional_argument, take_no_pin, NULL, 0},
	};

	if ((ret = PARSE_OPTS("unlock",
		 "usage: tufctl unlock [--token URI] [--pin-file F]\n"
		 "The PIN comes from F (mode 0600 or stricter), else from the pinentry program\n"
		 "named by $TUFCTL_PINENTRY, else from the terminal.  There is no --pin: a PIN\n"
		 "is never taken from the command line.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	/* Not echoed: a PIN typed as an argument is still a PIN. */
	if (optind < argc)
		return tufctl_usage("unlock", "unlock takes no arguments; a PIN is never taken "
					      "from the command line");
	/* A file is read before connecting, so that a bad one is reported
	 * first; a human is asked only once the agent is known to be there. */
	if (token != NULL && opt_copy("unlock", "token", token, q.token, sizeof(q.token)) != 0)
		return TUFCTL_USAGE;
	if (pin_file != NULL && tufctl_pin_from_file(pin_file, &q.pin) != 0)
		goto out;
	if (tufctl_agent_open(TA_PROTO_METHOD_UNLOCK, &a) != 0)
		goto out;
	if (q.pin == NULL && tufctl_pin_ask(token, &q.pin) != 0)
		goto out;
	/* The request's copies of the PIN are wiped once it is on the socket
	 * (agent_api.h); this one goes as soon as the answer is in. */
	if (tufctl_agent_unlock(a, &q, &result, &res) != 0)
		goto out;
	ta_secret_free(q.pin);
	q.pin = NULL;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	if (REDECODE("unlock", ta_proto_decode_unlock_result, result, &res) != 0)
		goto out;
	printf("unlocked %s\n", res.token);
	ret = tufctl_stdout_done();
out:
	ta_secret_free(q.pin);
	json_decref(result);
	tufctl_agent_close(a);
	return ret;
}

/* tufctl lock [--token URI] */
int
tufctl_cmd_lock(int argc, char **argv)
{
	const char *token = NULL;
	struct ta_proto_token_params q = {0};
	struct ta_proto_lock_result res = {0};
	json_t *result = NULL;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"token", required_argument, take_text, &token, 0},
	};

	if ((ret = PARSE_OPTS("lock",
		 "usage: tufctl lock [--token URI]\nLogs out of the token, or of every token.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (no_arguments("lock", argc, argv) != 0)
		return TUFCTL_USAGE;
	if (token != NULL && opt_copy("lock", "token", token, q.token, sizeof(q.token)) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_lock(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	ta_proto_lock_result_clear(&res);
	if (REDECODE("lock", ta_proto_decode_lock_result, result, &res) != 0)
		goto out;
	if (res.n_tokens == 0)
		printf("no token was unlocked\n");
	for (size_t i = 0; i < res.n_tokens; i++)
		printf("locked %s\n", res.tokens[i]);
	ret = tufctl_stdout_done();
out:
	ta_proto_lock_result_clear(&res);
	json_decref(result);
	return ret;
}

/* ---- key ----------------------------------------------------------------------------- */

static size_t
max_len(size_t a, const char *s)
{
	size_t n = strlen(s);

	return n > a ? n : a;
}

/* After key list: a line for each token (of only, a name, when not NULL)
 * whose keys the list cannot show, locked or absent.  How many. */
static size_t
print_hidden(const char *only)
{
	struct ta_proto_status_result st = {0};
	json_t *result = NULL;
	size_t n = 0;

	if (tufctl_agent_status(NULL, &result, &st) != 0)
		return 0;
	for (size_t i = 0; i < st.n_tokens; i++) {
		const struct ta_proto_token_status *t = &st.tokens[i];

		if (only != NULL && strcmp(only, t->name) != 0 && strcmp(only, t->uri) != 0)
			continue;
		if (!t->present) {
			printf("token %s: absent: its keys are not listed (insert it)\n", t->name);
			n++;
		} else if (!t->unlocked) {
			printf("token %s: locked: its keys are not listed (tufctl unlock --token %s)\n",
			    t->name, t->name);
			n++;
		}
	}
	ta_proto_status_result_clear(&st);
	json_decref(result);
	return n;
}

static int
key_list(int argc, char **argv)
{
	const char *token = NULL;
	struct ta_proto_token_params q = {0};
	struct ta_proto_key_list_result res = {0};
	json_t *result = NULL;
	size_t wl = strlen("LABEL"), wt = strlen("TOKEN"), wy = strlen("TYPE");
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"token", required_argument, take_text, &token, 0},
	};

	if ((ret = PARSE_OPTS("key list", "usage: tufctl key list [--token URI]\n", opts, argc,
		 argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (no_arguments("key list", argc, argv) != 0)
		return TUFCTL_USAGE;
	if (token != NULL && opt_copy("key list", "token", token, q.token, sizeof(q.token)) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_key_list(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	ta_proto_key_list_result_clear(&res);
	if (REDECODE("key list", ta_proto_decode_key_list_result, result, &res) != 0)
		goto out;
	if (res.n_keys == 0) {
		/* "no keys" only when no token hides some. */
		if (print_hidden(token) == 0)
			printf("no keys\n");
		ret = tufctl_stdout_done();
		goto out;
	}
	for (size_t i = 0; i < res.n_keys; i++) {
		wl = max_len(wl, res.keys[i].label);
		wt = max_len(wt, res.keys[i].token);
		wy = max_len(wy, ta_key_type_name(res.keys[i].type));
	}
	printf("%-*s  %-*s  %-*s  CERT  %-64s  %s\n", (int)wl, "LABEL", (int)wt, "TOKEN", (int)wy,
	    "TYPE", "NOTARY-KEYID", "TUF-KEYID");
	for (size_t i = 0; i < res.n_keys; i++) {
		const struct ta_proto_key_info *k = &res.keys[i];

		printf("%-*s  %-*s  %-*s  %-4s  %-64s  %s\n", (int)wl, k->label, (int)wt, k->token,
		    (int)wy, ta_key_type_name(k->type), k->cert ? "yes" : "no", k->notary_id,
		    k->tuf_id);
	}
	(void)print_hidden(token);
	ret = tufctl_stdout_done();
out:
	ta_proto_key_list_result_clear(&res);
	json_decref(result);
	return ret;
}

static int
key_generate(int argc, char **argv)
{
	const char *label = NULL, *type = "ecdsa-p256", *token = NULL, *slot = NULL;
	struct scope_opts so = {0};
	struct ta_proto_key_generate q = {0};
	struct ta_proto_key_generate_result res = {0};
	json_t *result = NULL;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"label", required_argument, take_text, &label, 0},
	    {"type", required_argument, take_key_type, &type, 0},
	    {"token", required_argument, take_text, &token, 0},
	    {"gun", required_argument, take_scope, &so, 0},
	    {"role", required_argument, take_scope, &so, 0},
	    {"profile", required_argument, take_scope, &so, 0},
	    {"slot", required_argument, take_text, &slot, 0},
	};

	if ((ret = PARSE_OPTS("key generate",
		 "usage: tufctl key generate --label L [--type ecdsa-p256|ecdsa-p384|"
		 "rsa-2048|rsa-3072|rsa-4096|ed25519] [--token URI]\n"
		 "                           [--gun G]... [--role R]... [--profile notary|tuf]\n"
		 "       tufctl key generate --slot 9a|9c|9d|9e|82..95 [--type ecdsa-p256|"
		 "ecdsa-p384|rsa-2048]\n"
		 "                           [--token URI] [--gun G]... [--role R]...\n"
		 "Generates a signing key on the token (default type ecdsa-p256).\n"
		 "--slot: in an empty slot of a YubiKey (through ykcs11, with the token's\n"
		 "management-key source); the module names the key after the slot.\n"
		 "--gun and --role (both, repeatable, fnmatch patterns) record the key's scope:\n"
		 "the repositories and roles it may sign for.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (label == NULL && slot == NULL)
		return tufctl_usage("key generate", "--label or --slot is required");
	if (slot != NULL && (q.slot = ta_proto_piv_slot(slot)) == 0)
		return tufctl_usage("key generate",
		    "--slot must be a PIV key slot: 9a, 9c, 9d, 9e or 82 to 95");
	if ((so.n_guns == 0) != (so.n_roles == 0) || (so.profile != NULL && so.n_guns == 0))
		return tufctl_usage("key generate", "a scope needs both --gun and --role");
	if (no_arguments("key generate", argc, argv) != 0)
		return TUFCTL_USAGE;
	q.type = ta_key_type_from_name(type);
	q.has_scope = so.n_guns > 0;
	if ((label != NULL && opt_copy("key generate", "label", label, q.label, sizeof(q.label)) != 0) ||
	    (token != NULL &&
		opt_copy("key generate", "token", token, q.token, sizeof(q.token)) != 0) ||
	    scope_fill("key generate", &so, &q.scope) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_key_generate(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	if (REDECODE("key generate", ta_proto_decode_key_generate_result, result, &res) != 0)
		goto out;
	printf("label   %s\ntoken   %s\ntype    %s\nnotary  %s\ntuf     %s\nuri     %s\n",
	    res.key.label, res.key.token, ta_key_type_name(res.key.type), res.key.notary_id,
	    res.key.tuf_id, res.key.uri);
	print_scope("scope   ", res.key.has_scope, &res.key.scope);
	if (res.logged_out)
		fprintf(stderr, "tufctl: token '%s' is locked now (the card's management key logged "
				"the user out, and the agent could not log in again): tufctl unlock --token "
				"%s\n",
		    res.key.token, res.key.token);
	ret = tufctl_stdout_done();
out:
	json_decref(result);
	return ret;
}

static int
key_cert(int argc, char **argv)
{
	const char *label = NULL, *gun = NULL, *role = "root";
	struct ta_proto_key_cert q = {0};
	struct ta_proto_key_cert_result res;
	json_t *result = NULL;
	long days = 0;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"label", required_argument, take_text, &label, 0},
	    {"gun", required_argument, take_text, &gun, 0},
	    {"days", required_argument, take_days, &days, 0},
	    {"store", no_argument, take_flag, &q.store, 0},
	    {"role", required_argument, take_text, &role, 0},
	};

	if ((ret = PARSE_OPTS("key cert",
		 "usage: tufctl key cert --label L --gun GUN [--role ROLE] [--days N] [--store]\n"
		 "A self-signed root certificate for the key (PEM on stdout), valid for N days\n"
		 "(default " DAYS_DEFAULT "); --store also writes it to the token beside the key.\n"
		 "The key's scope is widened to ROLE of GUN first (default root; a delegation's\n"
		 "name, e.g. targets/releases, for a certificate a delegation will list).\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (label == NULL || gun == NULL)
		return tufctl_usage("key cert", "--label and --gun are required");
	if (no_arguments("key cert", argc, argv) != 0)
		return TUFCTL_USAGE;
	q.days = (uint32_t)days;
	if (opt_copy("key cert", "label", label, q.key, sizeof(q.key)) != 0 ||
	    opt_copy("key cert", "gun", gun, q.gun, sizeof(q.gun)) != 0)
		return TUFCTL_USAGE;
	/* A certificate for a GUN binds the key to that GUN, as its root or
	 * as the delegation it is made for. */
	if (tufctl_scope_ensure(label, "notary", gun, role) != 0 ||
	    tufctl_agent_key_cert(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	(void)fwrite(res.pem, 1, res.pem_len, stdout);
	if (res.pem[res.pem_len - 1] != '\n')
		(void)putchar('\n');
	ret = tufctl_stdout_done();
out:
	json_decref(result);
	return ret;
}

static int
key_show(int argc, char **argv)
{
	const char *label = NULL, *profile = NULL;
	struct ta_proto_key_show q = {0};
	struct ta_proto_key_show_result res;
	json_t *result = NULL;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"label", required_argument, take_text, &label, 0},
	    {"profile", required_argument, take_profile, &profile, 0},
	};

	if ((ret = PARSE_OPTS("key show",
		 "usage: tufctl key show --label L --profile notary|tuf\n"
		 "The profile's public key object for the key, and its key ID.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (label == NULL || profile == NULL)
		return tufctl_usage("key show", "--label and --profile are required");
	if (no_arguments("key show", argc, argv) != 0)
		return TUFCTL_USAGE;
	q.profile = profile_of(profile);
	if (opt_copy("key show", "label", label, q.key, sizeof(q.key)) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_key_show(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	/* The key object goes out as JSON: escaped, PEM newlines included. */
	printf("profile  %s\nkeyid    %s\n", ta_proto_profile_name(res.profile), res.keyid);
	print_scope("scope    ", res.has_scope, &res.scope);
	printf("key      ");
	ret = tufctl_print_json(res.key);
out:
	json_decref(result);
	return ret;
}

/* tufctl key scope --label L [--gun G]... [--role R]... [--profile P] [--add | --clear] */
static int
key_scope(int argc, char **argv)
{
	const char *label = NULL;
	struct scope_opts so = {0};
	bool add = false, clear = false;
	struct ta_proto_key_scope q = {0};
	struct ta_proto_key_scope_result res;
	json_t *result = NULL;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"label", required_argument, take_text, &label, 0},
	    {"gun", required_argument, take_scope, &so, 0},
	    {"role", required_argument, take_scope, &so, 0},
	    {"profile", required_argument, take_scope, &so, 0},
	    {"add", no_argument, take_flag, &add, 0},
	    {"clear", no_argument, take_flag, &clear, 0},
	};

	if ((ret = PARSE_OPTS("key scope",
		 "usage: tufctl key scope --label L [--gun G]... [--role R]... "
		 "[--profile notary|tuf] [--add | --clear]\n"
		 "Shows or sets what a key may sign for: the repositories (GUN patterns) and "
		 "roles.\n"
		 "With --gun and --role the scope is replaced (--add widens it); --clear removes "
		 "it.\n"
		 "The agent signs only inside the scope, whatever its rules allow.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (label == NULL)
		return tufctl_usage("key scope", "--label is required");
	if (no_arguments("key scope", argc, argv) != 0)
		return TUFCTL_USAGE;
	if (clear && (add || so.n_guns > 0 || so.n_roles > 0 || so.profile != NULL))
		return tufctl_usage(
		    "key scope", "--clear takes no --gun, --role, --profile or --add");
	if ((so.n_guns == 0) != (so.n_roles == 0) || (so.profile != NULL && so.n_guns == 0) ||
	    (add && so.n_guns == 0))
		return tufctl_usage("key scope", "a scope needs both --gun and --role");
	q.op = clear            ? TA_PROTO_SCOPE_CLEAR
	       : so.n_guns == 0 ? TA_PROTO_SCOPE_SHOW
	       : add            ? TA_PROTO_SCOPE_ADD
				: TA_PROTO_SCOPE_SET;
	if (opt_copy("key scope", "label", label, q.key, sizeof(q.key)) != 0 ||
	    scope_fill("key scope", &so, &q.scope) != 0)
		return TUFCTL_USAGE;
	if (tufctl_agent_key_scope(NULL, &q, &result, &res) != 0)
		goto out;
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	if (REDECODE("key scope", ta_proto_decode_key_scope_result, result, &res) != 0)
		goto out;
	printf("label  %s\nkeyid  %s\n", res.label, res.keyid);
	print_scope("scope  ", res.has_scope, &res.scope);
	ret = tufctl_stdout_done();
out:
	json_decref(result);
	return ret;
}

/* tufctl key list|generate|cert|show|scope ... */
int
tufctl_cmd_key(int argc, char **argv)
{
	static const struct tufctl_cmd subs[] = {
	    {"list", key_list},
	    {"generate", key_generate},
	    {"cert", key_cert},
	    {"show", key_show},
	    {"scope", key_scope},
	    {"attest", tufctl_key_attest},
	};

	static const char key_usage[] =
	    "usage: tufctl key list [--token URI]\n"
	    "       tufctl key generate --label L [--type ecdsa-p256|ecdsa-p384|rsa-2048|"
	    "rsa-3072|rsa-4096|ed25519] [--token URI]\n"
	    "                           [--gun G]... [--role R]... [--profile P]\n"
	    "       tufctl key cert --label L --gun GUN [--role ROLE] [--days N] "
	    "[--store]\n"
	    "       tufctl key show --label L --profile notary|tuf\n"
	    "       tufctl key scope --label L [--gun G]... [--role R]... [--profile P] "
	    "[--add | --clear]\n"
	    "       tufctl key attest --label L [--ca FILE] [--json]\n"
	    "Each answers --help with its options ('tufctl key generate --help').\n";
	bool known = false;

	if (argc < 2)
		return tufctl_usage(
		    "key", "a subcommand is required: list, generate, cert, show, scope or attest");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		known = known || strcmp(argv[1], subs[i].name) == 0;
	if (!known && argv[1][0] != '-')
		return tufctl_usage(
		    "key", "unknown subcommand '%s' (list, generate, cert, show, scope or attest)", argv[1]);
	return TUFCTL_DISPATCH("key", key_usage, subs, argc, argv);
}

/* ---- sign ------------------------------------------------------------------------------- */

/* An output file written whole or not at all (tn_write_file: a temporary
 * file beside it, mode 0644, fsync, rename over OUT). */
struct atomic_out {
	const char *path;
	char *dir;
};

/* Checks early (before the agent, and perhaps a touch, is involved) that
 * OUT can be written; the temporary file itself is made only once there is
 * something to put in it, so that an interrupted wait leaves nothing. */
static int
atomic_prepare(struct atomic_out *o, const char *path)
{
	struct tn_error e = {.text = ""};
	const char *base;
	struct stat st;
	int r;

	o->path = path;
	if ((r = tn_path_dir(path, &o->dir, &base, &e)) != 0)
		return r == TA_ERR_NOMEM ? out_of_memory("sign") : tufctl_fail("-o %s", e.text);
	if (access(o->dir, W_OK | X_OK) != 0)
		return tufctl_fail(
		    "cannot create a file in '%s' for '%s': %s", o->dir, path, strerror(errno));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return tufctl_fail("-o '%s' names a directory, not a file", path);
	return TUFCTL_OK;
}

static int
atomic_commit(struct atomic_out *o, const char *data, size_t len)
{
	struct tn_error e = {.text = ""};

	if (tn_write_file(o->path, data, len, &e) != 0)
		return tufctl_fail("%s", e.text);
	return TUFCTL_OK;
}

static void
atomic_abort(struct atomic_out *o)
{
	free(o->dir);
	o->dir = NULL;
}

/* A metadata file's exact bytes, read and checked as sign will send them:
 * not empty, no NUL, valid UTF-8.  shown names it in messages. */
static int
read_meta_file(const char *path, const char *shown, uint8_t **ret, size_t *ret_len)
{
	uint8_t *file = NULL;
	const uint8_t *nul;
	size_t len = 0, bad;

	if (tufctl_read_file(path, TA_PROTO_MAX_FRAME, &file, &len) != 0)
		return TUFCTL_FAIL;
	if (len == 0) {
		(void)tufctl_fail("'%s' is empty; nothing to sign", shown);
		goto fail;
	}
	if ((nul = memchr(file, '\0', len)) != NULL) {
		(void)tufctl_fail("'%s' contains a NUL byte (byte %zu): a metadata file is JSON "
				  "text",
		    shown, (size_t)(nul - file));
		goto fail;
	}
	if (!tufctl_utf8_valid(file, len, &bad)) {
		(void)tufctl_fail(
		    "'%s' is not valid UTF-8 (byte %zu): a metadata file is JSON text", shown, bad);
		goto fail;
	}
	*ret = file;
	*ret_len = len;
	return TUFCTL_OK;
fail:
	free(file);
	return TUFCTL_FAIL;
}

/* tufctl sign --profile P --role R [--gun G] --key K [--key K]...
 *	[--prev-root ROOT] [-o OUT] FILE|-
 * Sends the metadata file's exact bytes (and, for a root rotation, the
 * trusted root's); writes the signed file's exact bytes to OUT
 * (atomically, mode 0644) or to stdout. */
int
tufctl_cmd_sign(int argc, char **argv)
{
	const char *profile = NULL, *role = NULL, *gun = NULL, *out = NULL, *path, *shown;
	const char *prev_path = NULL, *parent_path = NULL;
	struct key_opts ko = {0};
	struct atomic_out ao = {0};
	struct ta_proto_sign_result sr;
	struct ta_proto_sign *q = NULL;
	json_t *result = NULL;
	uint8_t *file = NULL, *prev = NULL;
	size_t len = 0, prev_len = 0;
	int ret = TUFCTL_FAIL;
	const struct opt opts[] = {
	    {"profile", required_argument, take_profile, &profile, 0},
	    {"role", required_argument, take_text, &role, 0},
	    {"gun", required_argument, take_text, &gun, 0},
	    {"key", required_argument, take_key, &ko, 0},
	    {"prev-root", required_argument, take_text, &prev_path, 0},
	    {"parent", required_argument, take_text, &parent_path, 0},
	    {"output", required_argument, take_text, &out, 'o'},
	};

	if ((ret = PARSE_OPTS("sign",
		 "usage: tufctl sign --profile notary|tuf --role ROLE [--gun GUN] --key L "
		 "[--key L]... [--prev-root ROOT | --parent FILE] [-o OUT] FILE|-\n"
		 "Signs a metadata file with keys on the agent's tokens (a label, a key ID or a "
		 "PKCS#11 URI\neach).  The signed file goes to OUT, replaced atomically, or to "
		 "stdout.\n"
		 "--prev-root names the trusted root a new root rotates from: the keys of its root "
		 "role\nmay sign too (as its keys), and the new root must be its version + 1.\n"
		 "--parent names the file that delegates to a delegated ROLE (required for them): "
		 "the\nagent signs only as a key it lists for ROLE, and only targets within its "
		 "paths.\n",
		 opts, argc, argv)) != OPTS_GO)
		return ret;
	ret = TUFCTL_FAIL;
	if (profile == NULL || role == NULL)
		return tufctl_usage("sign", "--profile and --role are required");
	if (ko.n == 0)
		return tufctl_usage("sign", "at least one --key is required");
	if (gun == NULL && strcmp(profile, "notary") == 0)
		return tufctl_usage("sign", "--gun is required for --profile notary");
	if (optind != argc - 1)
		return tufctl_usage("sign", "one FILE (or - for standard input) is required");
	if (prev_path != NULL && strcmp(role, "root") != 0)
		return tufctl_usage("sign", "--prev-root is for --role root only (a rotation)");
	if (prev_path != NULL && strcmp(prev_path, "-") == 0)
		return tufctl_usage("sign", "--prev-root takes a file, not standard input");
	if (parent_path != NULL && prev_path != NULL)
		return tufctl_usage(
		    "sign", "--parent is for delegated roles, --prev-root for root");
	if (parent_path != NULL && strcmp(parent_path, "-") == 0)
		return tufctl_usage("sign", "--parent takes a file, not standard input");
	path = argv[optind];
	shown = strcmp(path, "-") == 0 ? "standard input" : path;
	if (out != NULL && strcmp(out, "-") == 0)
		out = NULL;

	/* Everything that can be checked here is, before the agent (and
	 * perhaps a touch) is involved. */
	if (read_meta_file(path, shown, &file, &len) != 0)
		goto out;
	if (prev_path != NULL && read_meta_file(prev_path, prev_path, &prev, &prev_len) != 0)
		goto out;
	if (parent_path != NULL && read_meta_file(parent_path, parent_path, &prev, &prev_len) != 0)
		goto out;
	if (out != NULL && atomic_prepare(&ao, out) != 0)
		goto out;
	/* 16 keys of 1 KiB: not a stack's worth. */
	if ((q = calloc(1, sizeof(*q))) == NULL)
		goto oom;
	q->profile = profile_of(profile);
	q->n_keys = ko.n;
	q->file = (const char *)file;
	q->file_len = len;
	if (parent_path != NULL) {
		q->parent = (const char *)prev;
		q->parent_len = prev_len;
	} else if (prev != NULL) {
		q->prev_root = (const char *)prev;
		q->prev_root_len = prev_len;
	}
	for (size_t i = 0; i < ko.n; i++)
		if (opt_copy("sign", "key", ko.v[i], q->keys[i], sizeof(q->keys[i])) != 0) {
			ret = TUFCTL_USAGE;
			goto out;
		}
	if (opt_copy("sign", "role", role, q->role, sizeof(q->role)) != 0 ||
	    (gun != NULL && opt_copy("sign", "gun", gun, q->gun, sizeof(q->gun)) != 0)) {
		ret = TUFCTL_USAGE;
		goto out;
	}
	if (tufctl_agent_sign(NULL, q, &result, &sr) != 0)
		goto out;
	if (out != NULL) {
		if (atomic_commit(&ao, sr.file, sr.file_len) != 0)
			goto out;
		if (tufctl.json) {
			/* The file is in OUT: say where, not what. */
			if (json_object_del(result, "file") != 0 ||
			    json_object_set_new(result, "output", json_string(out)) != 0)
				goto oom;
			ret = tufctl_print_json(result);
			goto out;
		}
		printf("wrote %s: signed by", out);
		for (size_t i = 0; i < sr.n_keyids; i++)
			printf("%s %s", i ? "," : "", sr.keyids[i]);
		printf("; signed bytes sha256 %s\n", sr.sha256);
		ret = tufctl_stdout_done();
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	if (fwrite(sr.file, 1, sr.file_len, stdout) != sr.file_len) {
		(void)tufctl_fail("cannot write to standard output: %s", strerror(errno));
		goto out;
	}
	ret = tufctl_stdout_done();
	goto out;
oom:
	(void)out_of_memory("sign");
out:
	atomic_abort(&ao);
	free(q);
	free(file);
	free(prev);
	json_decref(result);
	return ret;
}
