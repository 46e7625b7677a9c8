/* Commands that go through the agent: status, unlock, lock, key ..., sign.
 *
 * Each builds the params of one request, sends it on a fresh connection
 * (client/agentconn.h) and prints the result: for humans by default, or
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

/* getopt_long() values of the long options (past any char). */
enum { OPT_HELP = 'h', OPT_JSON = 0x100, OPT_TOKEN, OPT_PIN_FILE, OPT_PIN, OPT_LABEL, OPT_TYPE,
	OPT_GUN, OPT_DAYS, OPT_STORE, OPT_PROFILE, OPT_ROLE, OPT_KEY, OPT_PREV_ROOT, OPT_PARENT,
	OPT_ADD, OPT_CLEAR };

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

/* The SCOPE object (PROTOCOL.md); NULL on no memory. */
static json_t *
scope_json(const struct scope_opts *s)
{
	json_t *o = json_pack("{s:[], s:[]}", "guns", "roles");

	for (size_t i = 0; o != NULL && i < s->n_guns; i++)
		if (json_array_append_new(json_object_get(o, "guns"), json_string(s->guns[i])) != 0)
			goto fail;
	for (size_t i = 0; o != NULL && i < s->n_roles; i++)
		if (json_array_append_new(json_object_get(o, "roles"), json_string(s->roles[i])) !=
		    0)
			goto fail;
	if (o != NULL && s->profile != NULL &&
	    json_object_set_new(o, "profile", json_string(s->profile)) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* "notary: gun a, b; roles targets", or "none" */
static void
print_scope(const char *prefix, const json_t *sc)
{
	const json_t *v;
	size_t i;

	printf("%s", prefix);
	if (!json_is_object(sc)) {
		printf("none\n");
		return;
	}
	if (json_string_value(json_object_get(sc, "profile")) != NULL)
		printf("%s ", json_string_value(json_object_get(sc, "profile")));
	printf("gun");
	v = json_object_get(sc, "guns");
	for (i = 0; i < json_array_size(v); i++)
		printf("%s%s", i > 0 ? ", " : " ", json_string_value(json_array_get(v, i)));
	printf("; roles");
	v = json_object_get(sc, "roles");
	for (i = 0; i < json_array_size(v); i++)
		printf("%s%s", i > 0 ? ", " : " ", json_string_value(json_array_get(v, i)));
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

/* Takes --gun, --role and --profile into so: 1 when c was one of them, 0
 * when it was not, TUFCTL_USAGE (negative) on a bad value. */
static int
scope_getopt(const char *cmd, int c, const char *arg, struct scope_opts *so)
{
	switch (c) {
	case OPT_GUN:
		return scope_opt(cmd, "gun", arg, so->guns, &so->n_guns) != 0 ? -TUFCTL_USAGE : 1;
	case OPT_ROLE:
		return scope_opt(cmd, "role", arg, so->roles, &so->n_roles) != 0 ? -TUFCTL_USAGE : 1;
	case OPT_PROFILE:
		return opt_profile(cmd, arg, &so->profile) != 0 ? -TUFCTL_USAGE : 1;
	default:
		return 0;
	}
}

static int
no_arguments(const char *cmd, int argc, char **argv)
{
	if (optind < argc)
		return tufctl_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return TUFCTL_OK;
}

static int
bad_result(enum ta_proto_method m, const char *what)
{
	return tufctl_fail("%s: the agent's result is malformed (%s: %s); is it a tuf-agent "
			   "speaking protocol version %d?",
	    ta_proto_method_name(m), ta_errname(TA_ERR_PROTOCOL), what, TA_PROTO_VERSION);
}

/* Strings from the agent (labels, token names, URIs) may come from a token
 * anyone could write: before they reach a terminal, control characters
 * (C0, DEL, C1) become '?'.  jansson has checked that they are UTF-8. */
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
			} else if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
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

/* 64 lowercase hex digits: a key ID or a SHA-256. */
static bool
hex64_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')); n++)
		;
	return s != NULL && n == TA_PROTO_KEYID_LEN && s[n] == '\0';
}

static const char *
str_member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One request on a fresh connection.  params is borrowed (may be NULL). */
static int
agent_run(enum ta_proto_method m, json_t *params, json_t **ret_result)
{
	struct tufctl_agent *a = NULL;
	int ret;

	if ((ret = tufctl_agent_open(m, &a)) == TUFCTL_OK)
		ret = tufctl_agent_call(a, params, ret_result);
	tufctl_agent_close(a);
	return ret;
}

/* params with "token" set when token is not NULL. */
static json_t *
token_params(const char *token)
{
	json_t *p = json_object();

	if (p != NULL && token != NULL && json_object_set_new(p, "token", json_string(token)) != 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static int
out_of_memory(const char *cmd)
{
	return tufctl_fail("%s: %s", cmd, ta_strerror(TA_ERR_NOMEM));
}

/* ---- status -------------------------------------------------------------------- */

static const char *
pin_state_text(const char *state)
{
	static const struct {
		const char *state, *text;
	} texts[] = {
		{"ok", "PIN ok"},
		{"count-low", "PIN tries low"},
		{"final-try", "PIN final try: unlock interactively"},
		{"locked", "PIN locked"},
		{"unknown", "PIN tries unknown"},
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].state, state) == 0)
			return texts[i].text;
	return NULL;
}

static int
print_status(json_t *result)
{
	const json_t *tokens = json_object_get(result, "tokens"), *t;
	const char *agent = str_member(result, "agent");
	size_t i;

	if (agent == NULL || !json_is_integer(json_object_get(result, "version")) ||
	    !json_is_array(tokens))
		return bad_result(TA_PROTO_METHOD_STATUS, "version, agent, tokens");
	json_array_foreach(tokens, i, t)
	{
		const char *name = str_member(t, "name"), *uri = str_member(t, "uri");
		const char *pin = str_member(t, "pin");

		if (name == NULL || uri == NULL || pin == NULL || pin_state_text(pin) == NULL ||
		    !json_is_boolean(json_object_get(t, "present")) ||
		    !json_is_boolean(json_object_get(t, "unlocked")) ||
		    !json_is_integer(json_object_get(t, "keys")))
			return bad_result(TA_PROTO_METHOD_STATUS, "tokens[]");
	}
	clean_tree(result);
	printf("agent: %s, protocol %lld\n", str_member(result, "agent"),
	    (long long)json_integer_value(json_object_get(result, "version")));
	if (json_array_size(tokens) == 0)
		printf("no tokens configured\n");
	json_array_foreach(tokens, i, t)
	{
		json_int_t keys = json_integer_value(json_object_get(t, "keys"));

		printf("token %s: ", str_member(t, "name"));
		if (!json_is_true(json_object_get(t, "present")))
			printf("absent, ");
		else
			printf("%s, %s, %lld key%s, ",
			    json_is_true(json_object_get(t, "unlocked")) ? "unlocked" : "locked",
			    pin_state_text(str_member(t, "pin")), (long long)keys,
			    keys == 1 ? "" : "s");
		printf("%s\n", str_member(t, "uri"));
	}
	return tufctl_stdout_done();
}

/* tufctl status */
int
tufctl_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	json_t *result = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl status\n");
			return TUFCTL_OK;
		default:
			return opt_error("status", c, argv);
		}
	}
	if (no_arguments("status", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((ret = agent_run(TA_PROTO_METHOD_STATUS, NULL, &result)) == TUFCTL_OK)
		ret = tufctl.json ? tufctl_print_json(result) : print_status(result);
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
	static const struct option opts[] = {
		{"token", required_argument, NULL, OPT_TOKEN},
		{"pin-file", required_argument, NULL, OPT_PIN_FILE},
		{"pin", optional_argument, NULL, OPT_PIN}, /* only to refuse it */
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *token = NULL, *pin_file = NULL;
	struct tufctl_agent *a = NULL;
	struct ta_secret *pin = NULL;
	json_t *params = NULL, *result = NULL, *v;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOKEN:
			if (opt_text("unlock", "token", optarg, &token) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_PIN_FILE:
			if (opt_text("unlock", "pin-file", optarg, &pin_file) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_PIN:
			return tufctl_usage("unlock", "there is no --pin: a PIN is never taken from "
						      "the command line; use --pin-file F, a "
						      "terminal, or $TUFCTL_PINENTRY");
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl unlock [--token URI] [--pin-file F]\n"
			       "The PIN comes from F (mode 0600 or stricter), else from the "
			       "pinentry program\nnamed by $TUFCTL_PINENTRY, else from the "
			       "terminal.\n");
			return TUFCTL_OK;
		default:
			return opt_error("unlock", c, argv);
		}
	}
	/* Not echoed: a PIN typed as an argument is still a PIN. */
	if (optind < argc)
		return tufctl_usage("unlock", "unlock takes no arguments; a PIN is never taken "
					      "from the command line");
	/* A file is read before connecting, so that a bad one is reported
	 * first; a human is asked only once the agent is known to be there. */
	if (pin_file != NULL && tufctl_pin_from_file(pin_file, &pin) != 0)
		goto out;
	if (tufctl_agent_open(TA_PROTO_METHOD_UNLOCK, &a) != 0)
		goto out;
	if (pin == NULL && tufctl_pin_ask(token, &pin) != 0)
		goto out;
	if ((params = token_params(token)) == NULL ||
	    (v = json_stringn((const char *)pin->data, pin->len)) == NULL ||
	    json_object_set_new(params, "pin", v) != 0) {
		(void)out_of_memory("unlock");
		goto out;
	}
	/* jansson's copy goes with params: its frees wipe (ta_proto_init). */
	ta_secret_free(pin);
	pin = NULL;
	if (tufctl_agent_send(a, params) != 0)
		goto out;
	json_decref(params);
	params = NULL;
	if (tufctl_agent_wait(a, &result) != 0)
		goto out;
	if (str_member(result, "token") == NULL) {
		(void)bad_result(TA_PROTO_METHOD_UNLOCK, "token");
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	clean_tree(result);
	printf("unlocked %s\n", str_member(result, "token"));
	ret = tufctl_stdout_done();
out:
	ta_secret_free(pin);
	json_decref(params);
	json_decref(result);
	tufctl_agent_close(a);
	return ret;
}

/* tufctl lock [--token URI] */
int
tufctl_cmd_lock(int argc, char **argv)
{
	static const struct option opts[] = {
		{"token", required_argument, NULL, OPT_TOKEN},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *token = NULL;
	json_t *params = NULL, *result = NULL, *tokens, *t;
	size_t i;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOKEN:
			if (opt_text("lock", "token", optarg, &token) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl lock [--token URI]\n"
			       "Logs out of the token, or of every token.\n");
			return TUFCTL_OK;
		default:
			return opt_error("lock", c, argv);
		}
	}
	if (no_arguments("lock", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((params = token_params(token)) == NULL) {
		(void)out_of_memory("lock");
		goto out;
	}
	if (agent_run(TA_PROTO_METHOD_LOCK, params, &result) != 0)
		goto out;
	tokens = json_object_get(result, "tokens");
	if (!json_is_array(tokens)) {
		(void)bad_result(TA_PROTO_METHOD_LOCK, "tokens");
		goto out;
	}
	json_array_foreach(tokens, i, t)
	{
		if (!json_is_string(t)) {
			(void)bad_result(TA_PROTO_METHOD_LOCK, "tokens[]");
			goto out;
		}
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	clean_tree(result);
	if (json_array_size(tokens) == 0)
		printf("no token was unlocked\n");
	json_array_foreach(tokens, i, t)
	{
		printf("locked %s\n", json_string_value(t));
	}
	ret = tufctl_stdout_done();
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

/* ---- key ----------------------------------------------------------------------------- */

/* KEY of key.list and key.generate. */
static bool
key_ok(const json_t *k)
{
	const json_t *ids = json_object_get(k, "keyids");

	return json_is_object(k) && str_member(k, "label") != NULL &&
	       str_member(k, "token") != NULL && str_member(k, "uri") != NULL &&
	       str_member(k, "type") != NULL && json_is_object(ids) &&
	       hex64_ok(str_member(ids, "notary")) && hex64_ok(str_member(ids, "tuf")) &&
	       json_is_boolean(json_object_get(k, "cert"));
}

static const char *
key_id(const json_t *k, const char *profile)
{
	return str_member(json_object_get(k, "keyids"), profile);
}

static size_t
max_len(size_t a, const char *s)
{
	size_t n = strlen(s);

	return n > a ? n : a;
}

static int
key_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"token", required_argument, NULL, OPT_TOKEN},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *token = NULL;
	json_t *params = NULL, *result = NULL, *keys, *k;
	size_t i, wl = strlen("LABEL"), wt = strlen("TOKEN"), wy = strlen("TYPE");
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOKEN:
			if (opt_text("key list", "token", optarg, &token) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl key list [--token URI]\n");
			return TUFCTL_OK;
		default:
			return opt_error("key list", c, argv);
		}
	}
	if (no_arguments("key list", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((params = token_params(token)) == NULL) {
		(void)out_of_memory("key list");
		goto out;
	}
	if (agent_run(TA_PROTO_METHOD_KEY_LIST, params, &result) != 0)
		goto out;
	keys = json_object_get(result, "keys");
	if (!json_is_array(keys)) {
		(void)bad_result(TA_PROTO_METHOD_KEY_LIST, "keys");
		goto out;
	}
	json_array_foreach(keys, i, k)
	{
		if (!key_ok(k)) {
			(void)bad_result(TA_PROTO_METHOD_KEY_LIST, "keys[]");
			goto out;
		}
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	clean_tree(result);
	if (json_array_size(keys) == 0) {
		printf("no keys\n");
		ret = tufctl_stdout_done();
		goto out;
	}
	json_array_foreach(keys, i, k)
	{
		wl = max_len(wl, str_member(k, "label"));
		wt = max_len(wt, str_member(k, "token"));
		wy = max_len(wy, str_member(k, "type"));
	}
	printf("%-*s  %-*s  %-*s  CERT  %-64s  %s\n", (int)wl, "LABEL", (int)wt, "TOKEN", (int)wy,
	    "TYPE", "NOTARY-KEYID", "TUF-KEYID");
	json_array_foreach(keys, i, k)
	{
		printf("%-*s  %-*s  %-*s  %-4s  %-64s  %s\n", (int)wl, str_member(k, "label"), (int)wt,
		    str_member(k, "token"), (int)wy, str_member(k, "type"),
		    json_is_true(json_object_get(k, "cert")) ? "yes" : "no", key_id(k, "notary"),
		    key_id(k, "tuf"));
	}
	ret = tufctl_stdout_done();
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

static int
key_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"label", required_argument, NULL, OPT_LABEL},
		{"type", required_argument, NULL, OPT_TYPE},
		{"token", required_argument, NULL, OPT_TOKEN},
		{"gun", required_argument, NULL, OPT_GUN},
		{"role", required_argument, NULL, OPT_ROLE},
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *label = NULL, *type = "ecdsa-p256", *token = NULL;
	struct scope_opts so = {0};
	json_t *params = NULL, *result = NULL, *k;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (opt_text("key generate", "label", optarg, &label) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_TYPE:
			if (ta_key_type_from_name(optarg) == TA_KEY_NONE)
				return tufctl_usage("key generate",
				    "unknown key type '%s' (ecdsa-p256, ecdsa-p384, rsa-2048, "
				    "rsa-3072, rsa-4096 or ed25519)",
				    optarg);
			type = optarg;
			break;
		case OPT_TOKEN:
			if (opt_text("key generate", "token", optarg, &token) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_GUN:
		case OPT_ROLE:
		case OPT_PROFILE:
			if (scope_getopt("key generate", c, optarg, &so) < 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl key generate --label L [--type ecdsa-p256|ecdsa-p384|"
			       "rsa-2048|rsa-3072|rsa-4096|ed25519] [--token URI]\n"
			       "                           [--gun G]... [--role R]... "
			       "[--profile notary|tuf]\n"
			       "Generates a signing key on the token (default type ecdsa-p256).\n"
			       "--gun and --role (both, repeatable, fnmatch patterns) record the "
			       "key's scope:\nthe repositories and roles it may sign for.\n");
			return TUFCTL_OK;
		default:
			return opt_error("key generate", c, argv);
		}
	}
	if (label == NULL)
		return tufctl_usage("key generate", "--label is required");
	if ((so.n_guns == 0) != (so.n_roles == 0) || (so.profile != NULL && so.n_guns == 0))
		return tufctl_usage("key generate", "a scope needs both --gun and --role");
	if (no_arguments("key generate", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((params = token_params(token)) == NULL ||
	    json_object_set_new(params, "label", json_string(label)) != 0 ||
	    json_object_set_new(params, "type", json_string(type)) != 0 ||
	    (so.n_guns > 0 && json_object_set_new(params, "scope", scope_json(&so)) != 0)) {
		(void)out_of_memory("key generate");
		goto out;
	}
	if (agent_run(TA_PROTO_METHOD_KEY_GENERATE, params, &result) != 0)
		goto out;
	if (!key_ok(k = json_object_get(result, "key"))) {
		(void)bad_result(TA_PROTO_METHOD_KEY_GENERATE, "key");
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	clean_tree(result);
	printf("label   %s\ntoken   %s\ntype    %s\nnotary  %s\ntuf     %s\nuri     %s\n",
	    str_member(k, "label"), str_member(k, "token"), str_member(k, "type"),
	    key_id(k, "notary"), key_id(k, "tuf"), str_member(k, "uri"));
	print_scope("scope   ", json_object_get(k, "scope"));
	ret = tufctl_stdout_done();
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

/* PEM text: printable ASCII lines. */
static bool
pem_ok(const char *s, size_t len)
{
	if (len == 0 || strncmp(s, "-----BEGIN ", 11) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7e))
			return false;
	return true;
}

static int
key_cert(int argc, char **argv)
{
	static const struct option opts[] = {
		{"label", required_argument, NULL, OPT_LABEL},
		{"gun", required_argument, NULL, OPT_GUN},
		{"days", required_argument, NULL, OPT_DAYS},
		{"store", no_argument, NULL, OPT_STORE},
		{"role", required_argument, NULL, OPT_ROLE},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *label = NULL, *gun = NULL, *role = "root", *pem;
	json_t *params = NULL, *result = NULL;
	long days = 0;
	bool store = false;
	char *end;
	size_t len;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (opt_text("key cert", "label", optarg, &label) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_GUN:
			if (opt_text("key cert", "gun", optarg, &gun) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_DAYS:
			errno = 0;
			days = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0 ||
			    days < TA_PROTO_DAYS_MIN || days > TA_PROTO_DAYS_MAX)
				return tufctl_usage("key cert", "--days takes a number of days, %d..%d",
				    TA_PROTO_DAYS_MIN, TA_PROTO_DAYS_MAX);
			break;
		case OPT_STORE:
			store = true;
			break;
		case OPT_ROLE:
			if (opt_text("key cert", "role", optarg, &role) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl key cert --label L --gun GUN [--role ROLE] [--days N] "
			       "[--store]\n"
			       "A self-signed root certificate for the key (PEM on stdout), valid "
			       "for N days\n(default %d); --store also writes it to the token beside "
			       "the key.\nThe key's scope is widened to ROLE of GUN first (default "
			       "root; a delegation's\nname, e.g. targets/releases, for a certificate "
			       "a delegation will list).\n",
			    TA_PROTO_DAYS_DEFAULT);
			return TUFCTL_OK;
		default:
			return opt_error("key cert", c, argv);
		}
	}
	if (label == NULL || gun == NULL)
		return tufctl_usage("key cert", "--label and --gun are required");
	if (no_arguments("key cert", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((params = json_pack("{s:s, s:s}", "key", label, "gun", gun)) == NULL ||
	    (days != 0 && json_object_set_new(params, "days", json_integer(days)) != 0) ||
	    (store && json_object_set_new(params, "store", json_true()) != 0)) {
		(void)out_of_memory("key cert");
		goto out;
	}
	/* A certificate for a GUN binds the key to that GUN, as its root or
	 * as the delegation it is made for. */
	if (tufctl_scope_ensure(label, "notary", gun, role) != 0 ||
	    agent_run(TA_PROTO_METHOD_KEY_CERT, params, &result) != 0)
		goto out;
	pem = str_member(result, "pem");
	len = json_string_length(json_object_get(result, "pem"));
	if (pem == NULL || !pem_ok(pem, len) ||
	    !json_is_boolean(json_object_get(result, "stored")) ||
	    str_member(result, "not_after") == NULL) {
		(void)bad_result(TA_PROTO_METHOD_KEY_CERT, "pem, stored, not_after");
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	(void)fwrite(pem, 1, len, stdout);
	if (pem[len - 1] != '\n')
		(void)putchar('\n');
	ret = tufctl_stdout_done();
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

static int
key_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{"label", required_argument, NULL, OPT_LABEL},
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *label = NULL, *profile = NULL;
	json_t *params = NULL, *result = NULL;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (opt_text("key show", "label", optarg, &label) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_PROFILE:
			if (opt_profile("key show", optarg, &profile) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl key show --label L --profile notary|tuf\n"
			       "The profile's public key object for the key, and its key ID.\n");
			return TUFCTL_OK;
		default:
			return opt_error("key show", c, argv);
		}
	}
	if (label == NULL || profile == NULL)
		return tufctl_usage("key show", "--label and --profile are required");
	if (no_arguments("key show", argc, argv) != 0)
		return TUFCTL_USAGE;
	if ((params = json_pack("{s:s, s:s}", "key", label, "profile", profile)) == NULL) {
		(void)out_of_memory("key show");
		goto out;
	}
	if (agent_run(TA_PROTO_METHOD_KEY_SHOW, params, &result) != 0)
		goto out;
	if (str_member(result, "profile") == NULL ||
	    strcmp(str_member(result, "profile"), profile) != 0 ||
	    !hex64_ok(str_member(result, "keyid")) ||
	    !json_is_object(json_object_get(result, "key"))) {
		(void)bad_result(TA_PROTO_METHOD_KEY_SHOW, "profile, keyid, key");
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	/* The key object goes out as JSON: escaped, PEM newlines included. */
	printf("profile  %s\nkeyid    %s\n", str_member(result, "profile"),
	    str_member(result, "keyid"));
	print_scope("scope    ", json_object_get(result, "scope"));
	printf("key      ");
	ret = tufctl_print_json(json_object_get(result, "key"));
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

/* tufctl key scope --label L [--gun G]... [--role R]... [--profile P] [--add | --clear] */
static int
key_scope(int argc, char **argv)
{
	static const struct option opts[] = {
		{"label", required_argument, NULL, OPT_LABEL},
		{"gun", required_argument, NULL, OPT_GUN},
		{"role", required_argument, NULL, OPT_ROLE},
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"add", no_argument, NULL, OPT_ADD},
		{"clear", no_argument, NULL, OPT_CLEAR},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *label = NULL;
	struct scope_opts so = {0};
	bool add = false, clear = false;
	json_t *params = NULL, *result = NULL;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (opt_text("key scope", "label", optarg, &label) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_GUN:
		case OPT_ROLE:
		case OPT_PROFILE:
			if (scope_getopt("key scope", c, optarg, &so) < 0)
				return TUFCTL_USAGE;
			break;
		case OPT_ADD:
			add = true;
			break;
		case OPT_CLEAR:
			clear = true;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl key scope --label L [--gun G]... [--role R]... "
			       "[--profile notary|tuf] [--add | --clear]\n"
			       "Shows or sets what a key may sign for: the repositories (GUN "
			       "patterns) and roles.\nWith --gun and --role the scope is replaced "
			       "(--add widens it); --clear removes it.\n"
			       "The agent signs only inside the scope, whatever its rules allow.\n");
			return TUFCTL_OK;
		default:
			return opt_error("key scope", c, argv);
		}
	}
	if (label == NULL)
		return tufctl_usage("key scope", "--label is required");
	if (no_arguments("key scope", argc, argv) != 0)
		return TUFCTL_USAGE;
	if (clear && (add || so.n_guns > 0 || so.n_roles > 0 || so.profile != NULL))
		return tufctl_usage("key scope", "--clear takes no --gun, --role, --profile or --add");
	if ((so.n_guns == 0) != (so.n_roles == 0) || (so.profile != NULL && so.n_guns == 0) ||
	    (add && so.n_guns == 0))
		return tufctl_usage("key scope", "a scope needs both --gun and --role");
	if ((params = json_pack("{s:s}", "key", label)) == NULL ||
	    (clear && json_object_set_new(params, "clear", json_true()) != 0) ||
	    (so.n_guns > 0 &&
		json_object_set_new(params, add ? "add" : "set", scope_json(&so)) != 0)) {
		(void)out_of_memory("key scope");
		goto out;
	}
	if (agent_run(TA_PROTO_METHOD_KEY_SCOPE, params, &result) != 0)
		goto out;
	if (str_member(result, "label") == NULL || !hex64_ok(str_member(result, "keyid")) ||
	    json_object_get(result, "scope") == NULL) {
		(void)bad_result(TA_PROTO_METHOD_KEY_SCOPE, "label, keyid, scope");
		goto out;
	}
	if (tufctl.json) {
		ret = tufctl_print_json(result);
		goto out;
	}
	clean_tree(result);
	printf("label  %s\nkeyid  %s\n", str_member(result, "label"), str_member(result, "keyid"));
	print_scope("scope  ", json_object_get(result, "scope"));
	ret = tufctl_stdout_done();
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

/* tufctl key list|generate|cert|show|scope ... */
int
tufctl_cmd_key(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{"list", key_list},
		{"generate", key_generate},
		{"cert", key_cert},
		{"show", key_show},
		{"scope", key_scope},
	};

	if (argc < 2)
		return tufctl_usage(
		    "key", "a subcommand is required: list, generate, cert, show or scope");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: tufctl key list [--token URI]\n"
		       "       tufctl key generate --label L [--type ecdsa-p256|ecdsa-p384|rsa-2048|"
		       "rsa-3072|rsa-4096|ed25519] [--token URI]\n"
		       "                           [--gun G]... [--role R]... [--profile P]\n"
		       "       tufctl key cert --label L --gun GUN [--role ROLE] [--days N] [--store]\n"
		       "       tufctl key show --label L --profile notary|tuf\n"
		       "       tufctl key scope --label L [--gun G]... [--role R]... [--profile P] "
		       "[--add | --clear]\n");
		return TUFCTL_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return subs[i].fn(argc - 1, argv + 1);
		}
	}
	return tufctl_usage(
	    "key", "unknown subcommand '%s' (list, generate, cert, show or scope)", argv[1]);
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
	struct tn_error e = { .text = "" };
	const char *base;
	struct stat st;
	int r;

	o->path = path;
	if ((r = tn_path_dir(path, &o->dir, &base, &e)) != 0)
		return r == TA_ERR_NOMEM ? out_of_memory("sign") : tufctl_fail("-o %s", e.text);
	if (access(o->dir, W_OK | X_OK) != 0)
		return tufctl_fail("cannot create a file in '%s' for '%s': %s", o->dir, path,
		    strerror(errno));
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return tufctl_fail("-o '%s' names a directory, not a file", path);
	return TUFCTL_OK;
}

static int
atomic_commit(struct atomic_out *o, const char *data, size_t len)
{
	struct tn_error e = { .text = "" };

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
		(void)tufctl_fail("'%s' is not valid UTF-8 (byte %zu): a metadata file is JSON text",
		    shown, bad);
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
	static const struct option opts[] = {
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"role", required_argument, NULL, OPT_ROLE},
		{"gun", required_argument, NULL, OPT_GUN},
		{"key", required_argument, NULL, OPT_KEY},
		{"prev-root", required_argument, NULL, OPT_PREV_ROOT},
		{"parent", required_argument, NULL, OPT_PARENT},
		{"output", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *profile = NULL, *role = NULL, *gun = NULL, *out = NULL, *path, *shown;
	const char *prev_path = NULL, *parent_path = NULL;
	const char *keys[TA_PROTO_KEYS_MAX];
	struct atomic_out ao = {0};
	struct ta_proto_sign_result sr;
	json_t *params = NULL, *result = NULL, *jkeys = NULL;
	uint8_t *file = NULL, *prev = NULL;
	size_t n_keys = 0, len = 0, prev_len = 0;
	int c, ret = TUFCTL_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			if (opt_profile("sign", optarg, &profile) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_ROLE:
			if (opt_text("sign", "role", optarg, &role) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_GUN:
			if (opt_text("sign", "gun", optarg, &gun) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_KEY:
			if (*optarg == '\0')
				return tufctl_usage("sign", "--key must not be empty");
			if (n_keys == TA_PROTO_KEYS_MAX)
				return tufctl_usage("sign", "at most %d --key options",
				    TA_PROTO_KEYS_MAX);
			for (size_t i = 0; i < n_keys; i++)
				if (strcmp(keys[i], optarg) == 0)
					return tufctl_usage(
					    "sign", "--key '%s' is given twice", optarg);
			keys[n_keys++] = optarg;
			break;
		case OPT_PREV_ROOT:
			if (opt_text("sign", "prev-root", optarg, &prev_path) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_PARENT:
			if (opt_text("sign", "parent", optarg, &parent_path) != 0)
				return TUFCTL_USAGE;
			break;
		case 'o':
			if (opt_text("sign", "output", optarg, &out) != 0)
				return TUFCTL_USAGE;
			break;
		case OPT_JSON:
			tufctl.json = true;
			break;
		case OPT_HELP:
			printf("usage: tufctl sign --profile notary|tuf --role ROLE [--gun GUN] --key L "
			       "[--key L]... [--prev-root ROOT | --parent FILE] [-o OUT] FILE|-\n"
			       "Signs a metadata file with keys on the agent's tokens (a label, a key "
			       "ID or a PKCS#11 URI\neach).  The signed file goes to OUT, replaced "
			       "atomically, or to stdout.\n"
			       "--prev-root names the trusted root a new root rotates from: the keys "
			       "of its root role\nmay sign too (as its keys), and the new root must "
			       "be its version + 1.\n"
			       "--parent names the file that delegates to a delegated ROLE (required "
			       "for them): the\nagent signs only as a key it lists for ROLE, and only "
			       "targets within its paths.\n");
			return TUFCTL_OK;
		default:
			return opt_error("sign", c, argv);
		}
	}
	if (profile == NULL || role == NULL)
		return tufctl_usage("sign", "--profile and --role are required");
	if (n_keys == 0)
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
		return tufctl_usage("sign", "--parent is for delegated roles, --prev-root for root");
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
	if ((jkeys = json_array()) == NULL)
		goto oom;
	for (size_t i = 0; i < n_keys; i++)
		if (json_array_append_new(jkeys, json_string(keys[i])) != 0)
			goto oom;
	if ((params = json_pack("{s:s, s:s, s:O, s:s%}", "profile", profile, "role", role, "keys",
		 jkeys, "file", (const char *)file, len)) == NULL ||
	    (gun != NULL && json_object_set_new(params, "gun", json_string(gun)) != 0) ||
	    (prev != NULL &&
		json_object_set_new(params, parent_path != NULL ? "parent" : "prev_root",
		    json_stringn((const char *)prev, prev_len)) != 0))
		goto oom;
	free(file);
	file = NULL;
	free(prev);
	prev = NULL;
	if (agent_run(TA_PROTO_METHOD_SIGN, params, &result) != 0)
		goto out;
	json_decref(params);
	params = NULL;
	if (ta_proto_decode_sign_result(result, &sr) != 0) {
		(void)bad_result(TA_PROTO_METHOD_SIGN, "file, keyids, sha256");
		goto out;
	}
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
	free(file);
	free(prev);
	json_decref(jkeys);
	json_decref(params);
	json_decref(result);
	return ret;
}
