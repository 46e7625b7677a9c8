/* tufctl: subcommands and what they share. */
#ifndef TA_TUFCTL_H
#define TA_TUFCTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Exit statuses (DESIGN.md): 0 done, 1 refused or failed, 2 usage. */
enum { TUFCTL_OK = 0, TUFCTL_FAIL = 1, TUFCTL_USAGE = 2 };

struct tufctl_opts {
	const char *socket;   /* --socket, else the environment's default */
	bool json;            /* --json */
	bool verbose;         /* --verbose: each exchange with the agent and
				 the notary server, one line on stderr */
	/* The option that shortens what the command signs for ("--expiry"),
	 * or NULL: a policy refusal over max-expiry then names it with the
	 * number of days that fits. */
	const char *expiry_option;
	char command[64];     /* the command's words so far ("notary add") */
	bool json_done;       /* a JSON document went to standard output */
};

extern struct tufctl_opts tufctl;

struct option;

/* A command table: a group's subcommands ("key list", "notary rotate"). */
struct tufctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* A group's dispatch: argv[1] names one of the n entries of t, which runs
 * with argv + 1.  "--help" or "-h" prints usage on stdout (TUFCTL_OK);
 * "--list-commands" prints the names, one a line (for completion scripts
 * and tests).  With no argv[1] usage goes to stderr (TUFCTL_USAGE); an
 * unknown name is a usage error naming "tufctl <group> --help". */
int tufctl_dispatch(const char *group, const char *usage, const struct tufctl_cmd *t, size_t n,
    int argc, char **argv);
#define TUFCTL_DISPATCH(group, usage, table, argc, argv)                                          \
	tufctl_dispatch((group), (usage), (table), sizeof(table) / sizeof((table)[0]), (argc), (argv))

/* getopt_long() for every subcommand, which also answers, wherever they
 * appear among the options:
 *	--help, -h         usage on stdout, then exit(0)
 *	--list-options     the long options lo accepts, one "--name" a line
 *	                   (for completion scripts and tests), then exit(0)
 *	--list-commands    nothing (a subcommand has none), then exit(0)
 *	--json, --verbose  the global options, when lo does not take them
 * Anything else is getopt_long()'s answer as it is. */
int tufctl_getopt(int argc, char **argv, const char *shorts, const struct option *lo,
    const char *usage);

/* usage's section for one subcommand of a group's usage text: the line
 * starting "  <cmd>" (e.g. "  repo add", any of them) and the lines
 * indented deeper under it, after "usage:".  Static storage. */
const char *tufctl_usage_of(const char *usage, const char *cmd);

/* --verbose: "tufctl: <what>" on stderr.  Never give it a secret. */
void tufctl_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The error the --json error object names: code a TA_ERR_* name (copied),
 * set before the failure's line is printed; the first one set
 * wins. */
void tufctl_error_code(const char *code);

/* Reads a whole file ("-" is standard input) of at most max bytes into a
 * malloc()ed buffer.  Prints one line on error and returns -1. */
int tufctl_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len);

/* The --json output: o on one line of standard output, compact, ASCII
 * only; then standard output flushed.  TUFCTL_OK, or TUFCTL_FAIL with one
 * line on stderr when it cannot be written. */
int tufctl_print_json(const json_t *o);
/* Where text for a human goes: standard output, or standard error under
 * --json (so that standard output carries the JSON only). */
#include <stdio.h>
FILE *tufctl_human(void);
/* Flushes standard output: TUFCTL_OK, or TUFCTL_FAIL with one line. */
int tufctl_stdout_done(void);

/* Prints "tufctl: <what>" to stderr; returns TUFCTL_FAIL. */
int tufctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "tufctl: <what>" and a usage hint ("see 'tufctl <cmd> --help'":
 * cmd is the command's whole name, "notary add"); returns TUFCTL_USAGE. */
int tufctl_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tufctl_vusage(const char *cmd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* tufctl_fail() for a va_list. */
int tufctl_vfail(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* True when len bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF).  Otherwise false, and
 * *ret_bad (may be NULL) is the offset of the first byte at fault. */
bool tufctl_utf8_valid(const uint8_t *s, size_t len, size_t *ret_bad);

/* Offline (client/cmd_offline.c). */
int tufctl_cmd_canonical(int argc, char **argv);
int tufctl_cmd_verify(int argc, char **argv);

/* Through the agent (client/cmd_agent.c). */
int tufctl_cmd_status(int argc, char **argv);
int tufctl_cmd_unlock(int argc, char **argv);
int tufctl_cmd_lock(int argc, char **argv);
int tufctl_cmd_key(int argc, char **argv);
int tufctl_cmd_sign(int argc, char **argv);

/* Docker Content Trust on a notary server (client/cmd_notary.c). */
int tufctl_cmd_notary(int argc, char **argv);

/* TUF 1.0 repositories on a directory (client/cmd_repo.c, client/repo.h). */
int tufctl_cmd_repo(int argc, char **argv);

/* Root key ceremonies (client/cmd_ceremony.c, client/transcript.h). */
int tufctl_cmd_ceremony(int argc, char **argv);

#endif
