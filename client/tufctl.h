/* tufctl: subcommands and what they share. */
#ifndef TA_TUFCTL_H
#define TA_TUFCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Exit statuses (DESIGN.md): 0 done, 1 refused or failed, 2 usage. */
enum { TUFCTL_OK = 0, TUFCTL_FAIL = 1, TUFCTL_USAGE = 2 };

struct tufctl_opts {
	const char *socket;   /* --socket, else the environment's default */
	bool json;            /* --json */
	/* The option that shortens what the command signs for ("--expiry"),
	 * or NULL: a policy refusal over max-expiry then names it with the
	 * number of days that fits. */
	const char *expiry_option;
};

extern struct tufctl_opts tufctl;

/* Reads a whole file ("-" is standard input) of at most max bytes into a
 * malloc()ed buffer.  Prints one line on error and returns -1. */
int tufctl_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len);

/* The --json output: o on one line of standard output, compact, ASCII
 * only; then standard output flushed.  TUFCTL_OK, or TUFCTL_FAIL with one
 * line on stderr when it cannot be written. */
int tufctl_print_json(const json_t *o);
/* Flushes standard output: TUFCTL_OK, or TUFCTL_FAIL with one line. */
int tufctl_stdout_done(void);

/* Prints "tufctl: <what>" to stderr; returns TUFCTL_FAIL. */
int tufctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "tufctl: <what>" and a usage hint; returns TUFCTL_USAGE. */
int tufctl_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
