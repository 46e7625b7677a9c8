/* tufctl: the command-line client of tuf-agent. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tufctl.h"
#include "common/utf8.h"
#include "protocol/proto.h"

struct tufctl_opts tufctl;

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "status", tufctl_cmd_status,
	    "status                                  agent version, tokens, locked/unlocked, PIN tries, "
	    "key count" },
	{ "unlock", tufctl_cmd_unlock,
	    "unlock [--token URI] [--pin-file F]     PIN via pinentry, tty, or file; never argv" },
	{ "lock", tufctl_cmd_lock, "lock [--token URI]" },
	{ "key", tufctl_cmd_key,
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
	    "                                          what the key may sign for (GUNs, roles)" },
	{ "sign", tufctl_cmd_sign,
	    "sign --profile notary|tuf --role ROLE [--gun GUN] --key L [--key L]... "
	    "[--prev-root ROOT | --parent FILE] [-o OUT] FILE|-" },
	{ "notary", tufctl_cmd_notary,
	    "notary init GUN --server URL (--root-key L [--root-key L]... | --root FILE) "
	    "--targets-key L\n"
	    "  notary add GUN TAG --digest sha256:HEX --size N [--role targets/NAME]\n"
	    "  notary add GUN --from-list FILE|-     lines: TAG sha256:HEX SIZE [ROLE]\n"
	    "  notary remove GUN TAG\n"
	    "  notary publish GUN\n"
	    "  notary list GUN\n"
	    "  notary status GUN | notary reset GUN\n"
	    "  notary delegation add|remove GUN ROLE (--key L | --cert FILE) [--path P]... "
	    "[--all-paths]\n"
	    "  notary rotate GUN targets|snapshot|timestamp|root\n"
	    "                                          Docker Content Trust on a notary server "
	    "('notary --help')" },
	{ "repo", tufctl_cmd_repo,
	    "repo verify DIR [--root TRUSTED] [--at TIME]   TUF 1.0 repositories ('repo --help')" },
	{ "ceremony", tufctl_cmd_ceremony,
	    "ceremony init|status|sign|request|sign-request|import|finish DIR ...\n"
	    "  ceremony transcript verify FILE [--root ROOT]\n"
	    "                                          root key ceremonies, TUF 1.0 and notary "
	    "('ceremony --help')" },
	{ "canonical", tufctl_cmd_canonical,
	    "canonical --profile notary|tuf FILE      canonical bytes of a file's \"signed\"" },
	{ "verify", tufctl_cmd_verify,
	    "verify --profile notary|tuf --root ROOT [--role ROLE] [--gun GUN] [--parent FILE] FILE\n"
	    "                                          check a file against a root (offline)" },
};

static void
usage(FILE *f)
{
	(void)fprintf(f, "usage: tufctl [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		(void)fprintf(f, "  %s\n", commands[i].usage);
}

int
tufctl_fail(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("tufctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	return TUFCTL_FAIL;
}

int
tufctl_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)fputs("tufctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "; see 'tufctl %s --help'\n", cmd);
	return TUFCTL_USAGE;
}

int
tufctl_stdout_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return tufctl_fail("cannot write to standard output: %s", strerror(errno));
	return TUFCTL_OK;
}

int
tufctl_print_json(const json_t *o)
{
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
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
		case 'h':
			usage(stdout);
			return TUFCTL_OK;
		case 'V':
			printf("tufctl %s\n", TA_VERSION);
			return TUFCTL_OK;
		case ':':
			(void)fprintf(stderr, "tufctl: option '%.*s' needs a value; see 'tufctl --help'\n",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			return TUFCTL_USAGE;
		default:
			(void)fprintf(stderr, "tufctl: unknown option '%.*s'; see 'tufctl --help'\n",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			return TUFCTL_USAGE;
		}
	}
	if (optind >= argc) {
		(void)fprintf(stderr, "tufctl: no command given; see 'tufctl --help'\n");
		return TUFCTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int sub_argc = argc - optind;

			optind = 0; /* reset getopt for the subcommand */
			return commands[i].fn(sub_argc, argv + (argc - sub_argc));
		}
	}
	(void)fprintf(stderr, "tufctl: unknown command '%s'; see 'tufctl --help'\n", argv[optind]);
	return TUFCTL_USAGE;
}
