/* tufctl: the command-line client of tuf-agent. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/http.h"
#include "client/tufctl.h"
#include "common/utf8.h"
#include "protocol/proto.h"

struct tufctl_opts tufctl;

/* Each command's line(s) in "tufctl --help": the first word of each is the
 * command (tests/integration/tufctl-help.sh walks them). */
static const struct {
	struct tufctl_cmd cmd;
	const char *usage;
} commands[] = {
	{ { "status", tufctl_cmd_status },
	    "status                                  agent version, tokens, locked/unlocked, PIN tries, "
	    "key count" },
	{ { "unlock", tufctl_cmd_unlock },
	    "unlock [--token URI] [--pin-file F]     PIN via pinentry, tty, or file; never argv" },
	{ { "lock", tufctl_cmd_lock }, "lock [--token URI]" },
	{ { "key", tufctl_cmd_key },
	    "key list [--token URI]\n"
	    "  key generate --label L [--type ecdsa-p256|ecdsa-p384|rsa-2048|rsa-3072|rsa-4096|"
	    "ed25519] [--token URI]\n"
	    "               [--gun G]... [--role R]... [--profile P]   with the key's scope\n"
	    "  key cert --label L --gun GUN [--role ROLE] [--days N] [--store]   self-signed "
	    "certificate\n"
	    "                                          (PEM on stdout); --store also writes it to "
	    "the token\n"
	    "  key show --label L --profile notary|tuf         the profile's key object and its "
	    "key ID\n"
	    "  key scope --label L [--gun G]... [--role R]... [--profile P] [--add | --clear]\n"
	    "                                          what the key may sign for (GUNs, roles)\n"
	    "  key attest --label L [--ca FILE] [--json]   the card's attestation (YubiKey PIV)" },
	{ { "sign", tufctl_cmd_sign },
	    "sign --profile notary|tuf --role ROLE [--gun GUN] --key L [--key L]... "
	    "[--prev-root ROOT | --parent FILE] [-o OUT] FILE|-" },
	{ { "notary", tufctl_cmd_notary },
	    "notary init GUN --server URL (--root-key L [--root-key L]... | --root FILE) "
	    "--targets-key L\n"
	    "  notary add GUN TAG --digest sha256:HEX --size N [--role targets/NAME]\n"
	    "  notary add GUN --from-list FILE|-     lines: TAG sha256:HEX SIZE [ROLE]\n"
	    "  notary remove GUN TAG\n"
	    "  notary publish GUN\n"
	    "  notary list GUN\n"
	    "  notary root GUN                       the trusted root: keys, certificates, "
	    "threshold\n"
	    "  notary status GUN | notary reset GUN\n"
	    "  notary delegation add|remove GUN ROLE (--key L | --cert FILE) [--path P]... "
	    "[--all-paths]\n"
	    "  notary rotate GUN targets|snapshot|timestamp|root [--root-threshold N]\n"
	    "                                          Docker Content Trust on a notary server "
	    "('notary --help')" },
	{ { "repo", tufctl_cmd_repo },
	    "repo init|add|remove|delegate|rotate|publish|refresh|status|verify DIR ...\n"
	    "                                          TUF 1.0 repositories ('repo --help')" },
	{ { "ceremony", tufctl_cmd_ceremony },
	    "ceremony init|status|sign|request|sign-request|import|finish DIR ...\n"
	    "  ceremony transcript verify FILE [--root ROOT]\n"
	    "                                          root key ceremonies, TUF 1.0 and notary "
	    "('ceremony --help')" },
	{ { "canonical", tufctl_cmd_canonical },
	    "canonical --profile notary|tuf FILE      canonical bytes of a file's \"signed\"" },
	{ { "verify", tufctl_cmd_verify },
	    "verify --profile notary|tuf --root ROOT [--role ROLE] [--gun GUN] [--parent FILE] FILE\n"
	    "                                          check a file against a root (offline)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	(void)fprintf(f, "usage: tufctl [--socket PATH] [--json] [--verbose] COMMAND [ARGS]\n"
			 "       tufctl COMMAND [SUBCOMMAND] --help\n\n"
			 "global options (before the command; --json, --verbose and --help\n"
			 "also after it):\n"
			 "  --socket PATH  the agent's socket (default $TUF_AGENT_SOCK, else\n"
			 "                 $XDG_RUNTIME_DIR/tuf-agent/agent.sock, else "
			 "/run/tuf-agent/agent.sock)\n"
			 "  --json         JSON on standard output, for results and for errors\n"
			 "                 ({\"error\":{\"code\":...,\"message\":...}})\n"
			 "  --verbose      each request to the agent and the notary server, with\n"
			 "                 its time, on standard error (never a secret)\n"
			 "  --version, -h, --help\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		(void)fprintf(f, "  %s\n", commands[i].usage);
}

static void command_word(const char *w);

/* ---- errors ------------------------------------------------------------------------- */

/* The first failure of the run, for --json's error object. */
static struct {
	const char *code; /* a TA_ERR_* name, or NULL */
	char *message;
} first_error;

void
tufctl_error_code(const char *code)
{
	static char copy[64];

	if (first_error.code == NULL && first_error.message == NULL && code != NULL &&
	    *code != '\0') {
		(void)snprintf(copy, sizeof(copy), "%s", code);
		first_error.code = copy;
	}
}

static void
note_error(const char *msg)
{
	if (first_error.message == NULL)
		first_error.message = strdup(msg);
}

/* "tufctl: <text><tail>" on stderr, and the text noted. */
static void __attribute__((format(printf, 1, 0)))
report(const char *fmt, va_list ap, const char *tail)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	(void)fprintf(stderr, "tufctl: %s%s\n", text != NULL ? text : "out of memory", tail);
	if (text != NULL)
		note_error(text);
	free(text);
}

int
tufctl_vfail(const char *fmt, va_list ap)
{
	report(fmt, ap, "");
	return TUFCTL_FAIL;
}

int
tufctl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(fmt, ap, "");
	va_end(ap);
	return TUFCTL_FAIL;
}

int
tufctl_vusage(const char *cmd, const char *fmt, va_list ap)
{
	char tail[128];

	(void)snprintf(tail, sizeof(tail), "; see 'tufctl %s%s--help'", cmd, *cmd ? " " : "");
	report(fmt, ap, tail);
	return TUFCTL_USAGE;
}

int
tufctl_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)tufctl_vusage(cmd, fmt, ap);
	va_end(ap);
	return TUFCTL_USAGE;
}

void
tufctl_verbose(const char *fmt, ...)
{
	va_list ap;

	tn_http_verbose = tufctl.verbose;
	if (!tufctl.verbose)
		return;
	(void)fputs("tufctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	(void)fflush(stderr);
}

/* With --json a failed run says so on stdout too: {"error":{"code":C,
 * "message":M}}, C the TA_ERR_* name the agent (or tufctl) gave, else the
 * exit class ("usage" for 2, "failed" for 1); M the line on stderr without
 * "tufctl: ". */
static void
print_error_json(int status)
{
	const char *code = first_error.code != NULL   ? first_error.code
			   : status == TUFCTL_USAGE ? "usage"
						    : "failed";
	json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
	    first_error.message != NULL ? first_error.message : "failed");

	if (o != NULL)
		(void)tufctl_print_json(o);
	json_decref(o);
}

/* ---- help, options, dispatch ---------------------------------------------------------- */

int
tufctl_dispatch(const char *group, const char *usage_text, const struct tufctl_cmd *t, size_t n,
    int argc, char **argv)
{
	if (argc < 2) {
		(void)fputs(usage_text, stderr);
		return TUFCTL_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		(void)fputs(usage_text, stdout);
		return tufctl_stdout_done();
	}
	if (strcmp(argv[1], "--list-commands") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", t[i].name);
		return tufctl_stdout_done();
	}
	if (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "--verbose") == 0) {
		/* Global options may come after the group's name too. */
		if (argv[1][2] == 'j')
			tufctl.json = true;
		else
			tufctl.verbose = tn_http_verbose = true;
		argv[1] = argv[0];
		return tufctl_dispatch(group, usage_text, t, n, argc - 1, argv + 1);
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], t[i].name) == 0) {
			command_word(t[i].name);
			optind = 0;
			return t[i].fn(argc - 1, argv + 1);
		}
	return tufctl_usage(group, "unknown command '%s'", argv[1]);
}

const char *
tufctl_usage_of(const char *text, const char *cmd)
{
	static char out[4096];
	size_t o, cl = strlen(cmd);
	bool in = false;

	o = (size_t)snprintf(out, sizeof(out), "usage:\n");
	for (const char *l = text; *l != '\0';) {
		size_t len = strcspn(l, "\n");
		size_t ind = strspn(l, " ");

		if (ind == 2 && strncmp(l + 2, cmd, cl) == 0 && (l[2 + cl] == ' ' || l[2 + cl] == '\n'))
			in = true;
		else if (ind <= 2)
			in = false;
		if (in && o + len + 10 < sizeof(out)) {
			if (ind == 2) {
				memcpy(out + o, "  tufctl ", 9);
				o += 9;
				memcpy(out + o, l + 2, len - 2);
				o += len - 2;
			} else {
				memcpy(out + o, l, len);
				o += len;
			}
			out[o++] = '\n';
			out[o] = '\0';
		}
		l += len + (l[len] == '\n');
	}
	return out;
}

int
tufctl_getopt(int argc, char **argv, const char *shorts, const struct option *lo,
    const char *usage_text)
{
	int help = 'h';
	bool has_json = false, has_verbose = false;

	for (const struct option *p = lo; p->name != NULL; p++) {
		if (strcmp(p->name, "help") == 0)
			help = p->val;
		has_json = has_json || strcmp(p->name, "json") == 0;
		has_verbose = has_verbose || strcmp(p->name, "verbose") == 0;
	}
	for (;;) {
		int c = getopt_long(argc, argv, shorts, lo, NULL);
		const char *arg = c != -1 && optind > 0 && optind <= argc ? argv[optind - 1] : "";
		bool unknown_long = c == '?' && optopt == 0;

		if (c == help || (c == '?' && optopt == 'h') ||
		    (unknown_long && strcmp(arg, "--help") == 0)) {
			(void)fputs(usage_text, stdout);
			if (usage_text[0] != '\0' && usage_text[strlen(usage_text) - 1] != '\n')
				(void)putchar('\n');
			if (strstr(usage_text, "--help") == NULL)
				printf("options of every command: --json, --verbose, -h, --help\n");
			exit(tufctl_stdout_done());
		}
		if (unknown_long && strcmp(arg, "--list-options") == 0) {
			/* "--output -o": a long option and its short alias. */
			for (const struct option *p = lo; p->name != NULL; p++) {
				if (strcmp(p->name, "help") == 0)
					continue;
				printf("--%s", p->name);
				if (p->flag == NULL && p->val > ' ' && p->val < 0x7f && p->val != ':' &&
				    strchr(shorts, p->val) != NULL)
					printf(" -%c", p->val);
				printf("\n");
			}
			printf("--help -h\n%s%s", has_json ? "" : "--json\n",
			    has_verbose ? "" : "--verbose\n");
			exit(tufctl_stdout_done());
		}
		if (unknown_long && strcmp(arg, "--list-commands") == 0)
			exit(TUFCTL_OK);
		if (unknown_long && strcmp(arg, "--json") == 0) {
			tufctl.json = true;
			continue;
		}
		if (unknown_long && strcmp(arg, "--verbose") == 0) {
			tufctl.verbose = tn_http_verbose = true;
			continue;
		}
		return c;
	}
}

int
tufctl_stdout_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return tufctl_fail("cannot write to standard output: %s", strerror(errno));
	return TUFCTL_OK;
}

FILE *
tufctl_human(void)
{
	return tufctl.json ? stderr : stdout;
}

static void
command_word(const char *w)
{
	size_t n = strlen(tufctl.command);

	(void)snprintf(tufctl.command + n, sizeof(tufctl.command) - n, "%s%s", n ? " " : "", w);
}

int
tufctl_print_json(const json_t *o)
{
	tufctl.json_done = true;
	if (json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
		return tufctl_fail("cannot write to standard output: %s", strerror(errno));
	(void)putchar('\n');
	return tufctl_stdout_done();
}

int
tufctl_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rbe");
	uint8_t *buf = NULL, *tmp;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		(void)tufctl_fail("cannot open '%s': %m", path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			if ((tmp = realloc(buf, cap)) == NULL) {
				(void)tufctl_fail("out of memory reading '%s'", path);
				goto fail;
			}
			buf = tmp;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > max) {
			(void)tufctl_fail("'%s' is larger than %zu bytes", path, max);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		(void)tufctl_fail("cannot read '%s'", path);
		goto fail;
	}
	if (f != stdin)
		(void)fclose(f);
	*ret = buf;
	*ret_len = len;
	return 0;
fail:
	free(buf);
	if (f != stdin)
		(void)fclose(f);
	return -1;
}

bool
tufctl_utf8_valid(const uint8_t *s, size_t len, size_t *ret_bad)
{
	return ta_utf8_valid(s, len, ret_bad);
}

static int
run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-commands", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* Before any jansson value exists: jansson's frees wipe (a PIN). */
	ta_proto_init();
	/* Global options come before the command; "+" stops at it.  Errors
	 * are one line of our own, not getopt's. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			tufctl.socket = optarg;
			break;
		case 'j':
			tufctl.json = true;
			break;
		case 'v':
			tufctl.verbose = tn_http_verbose = true;
			break;
		case 'L':
			for (size_t i = 0; i < N_COMMANDS; i++)
				printf("%s\n", commands[i].cmd.name);
			return tufctl_stdout_done();
		case 'h':
			usage(stdout);
			return TUFCTL_OK;
		case 'V':
			printf("tufctl %s\n", TA_VERSION);
			return TUFCTL_OK;
		case ':':
			return tufctl_usage("", "option '%.*s' needs a value",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
		default:
			return tufctl_usage("", "unknown option '%.*s'",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return tufctl_usage("", "no command given");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].cmd.name) == 0) {
			int sub_argc = argc - optind;

			optind = 0; /* reset getopt for the subcommand */
			command_word(commands[i].cmd.name);
			return commands[i].cmd.fn(sub_argc, argv + (argc - sub_argc));
		}
	}
	return tufctl_usage("", "unknown command '%s'", argv[optind]);
}

int
main(int argc, char **argv)
{
	int ret = run(argc, argv);

	if (ret != TUFCTL_OK && tufctl.json && !tufctl.json_done) {
		/* (A command whose JSON already tells the failure, as repo
		 * verify's report with "ok":false, gets no second document.) */
		print_error_json(ret);
	} else if (tufctl.json && !tufctl.json_done && tufctl.command[0] != '\0') {
		/* A command with nothing more to say than that it is done. */
		json_t *o = json_pack("{s:s, s:b}", "command", tufctl.command, "ok", 1);

		ret = o != NULL ? tufctl_print_json(o) : TUFCTL_FAIL;
		json_decref(o);
	}
	free(first_error.message);
	return ret;
}
