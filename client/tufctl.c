/* tufctl: the command-line client of tuf-agent. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tufctl.h"

struct tufctl_opts tufctl;

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
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

	/* Global options come before the command; "+" stops at it. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
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
		default:
			usage(stderr);
			return TUFCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return TUFCTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int sub_argc = argc - optind;

			optind = 0; /* reset getopt for the subcommand */
			return commands[i].fn(sub_argc, argv + (argc - sub_argc));
		}
	}
	(void)fprintf(stderr, "tufctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return TUFCTL_USAGE;
}
