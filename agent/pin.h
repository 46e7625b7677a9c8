/* PIN sources (DESIGN.md "Configuration"): file:, env:, pinentry, unlock,
 * none.  A PIN is read into a struct ta_secret and never anywhere else:
 * file contents and pinentry replies are read into locked memory, and
 * every intermediate buffer is wiped.
 *
 *  file:/path  The file must be a regular file (not a symbolic link, FIFO
 *              or directory), owned by the agent's effective uid or by
 *              root, and neither readable nor writable by group or others:
 *              mode & 077 == 0, or a POSIX ACL whose only extra entry
 *              grants read to the agent's own uid (what systemd's
 *              LoadCredential= writes: a 0400 root file with
 *              "user:<service>:r--", which stat shows as 0440).  At most
 *              TA_SECRET_MAX bytes; one trailing "\n" or "\r\n" is dropped;
 *              a NUL byte is refused.  The preferred source.
 *  env:NAME    secure_getenv(NAME), taken out of the environment once at
 *              start-up by ta_pin_env_take(): kept in locked memory for
 *              later logins (a token unplugged and back), removed from
 *              environ and wiped where it was, /proc/PID/environ included.
 *              Until then it was readable there by the agent's uid (and
 *              root), and whoever started the agent had it in their
 *              environment, so prefer file: with systemd's
 *              LoadCredential=.
 *  pinentry[:/path]  The program ("pinentry" on PATH by default) is run with
 *              posix_spawn(), its stdin and stdout one end of a socketpair
 *              (so a dead pinentry gives EPIPE, never SIGPIPE), stderr
 *              inherited, every other fd closed, signals reset, and only a
 *              short list of environment variables (display, tty, locale,
 *              PATH, HOME; never the agent's env: PINs).  Assuan dialogue:
 *              greeting "OK", OPTION ttyname=$GPG_TTY (only when GPG_TTY is
 *              an absolute path), SETTITLE, SETDESC desc, SETPROMPT "PIN:",
 *              GETPIN, BYE.  ERR replies to the set-up commands are ignored
 *              (older pinentries lack some); "S" and "#" lines are skipped;
 *              lines are at most 1000 bytes, a whole dialogue at most 64 KiB.
 *              The whole dialogue has one deadline (timeout_ms); after it,
 *              or on any error, the pinentry gets EOF, then SIGTERM, then
 *              SIGKILL, and is always reaped.
 *  none, unlock  TA_ERR_PIN_REQUIRED: there is no PIN to read.
 *
 * Blocking (up to timeout_ms for pinentry): run it on a worker thread. */
#ifndef TA_AGENT_PIN_H
#define TA_AGENT_PIN_H

#include <stddef.h>

#include "agent/config.h"

struct ta_secret;

/* The default pinentry deadline: a human reads the prompt and types. */
#define TA_PIN_TIMEOUT_MS (5 * 60 * 1000)

/* Room for any reason ta_pin_get_full() writes, with its NUL. */
#define TA_PIN_WHY_MAX 512

/* Takes the env: PIN variable name out of the process environment: its
 * value (if any) is copied into locked memory, which env:name sources read
 * from then on; every "name=value" string in environ is removed and its
 * bytes wiped in place.  Only while the process has one thread (setenv and
 * unsetenv are not thread-safe): the agent calls it at start-up for each
 * env: token.  Taking a name twice is a no-op.  0, TA_ERR_INVALID (bad
 * name), TA_ERR_TOO_LARGE (more than TA_CFG_MAX_TOKENS names),
 * TA_ERR_NOMEM, TA_ERR_SYSTEM.  An unset, empty or too long variable is
 * not an error here: logins report it as before. */
int ta_pin_env_take(const char *name) __attribute__((warn_unused_result));

/* Wipes and frees what ta_pin_env_take() kept; single-threaded, at exit. */
void ta_pin_env_forget(void);

/* ta_pin_get_full(src, desc, TA_PIN_TIMEOUT_MS, NULL, 0, ret). */
int ta_pin_get(const struct ta_pin_source *src, const char *desc, struct ta_secret **ret)
    __attribute__((warn_unused_result));

/* Reads a PIN from src into a new secret in *ret (the caller frees it with
 * ta_secret_free).  desc names the token for pinentry's prompt ("PIN for
 * token 'ci-hsm'"; NULL: no SETDESC); it is percent-escaped, and cut at a
 * character boundary when it would not fit one Assuan line.
 * timeout_ms (> 0) bounds the whole pinentry dialogue.
 *
 * 0, or on error a TA_ERR_* and, when whylen > 0, a one-line reason for the
 * log in why (never the PIN; ta_strerror() when there is nothing better):
 *	TA_ERR_INVALID         NULL src/ret, bad kind, a relative path, a
 *	                       NUL byte in the PIN, timeout_ms == 0
 *	TA_ERR_NOT_FOUND       no such file; no such pinentry program
 *	TA_ERR_NOT_AUTHORIZED  a symlink, not a regular file, a bad owner or
 *	                       a group/other-accessible mode (why says which)
 *	TA_ERR_TOO_LARGE       a PIN over TA_SECRET_MAX; an Assuan line over
 *	                       1000 bytes or a dialogue over 64 KiB
 *	TA_ERR_PIN_REQUIRED    none, unlock; an empty PIN (file, variable or
 *	                       pinentry answer); env: variable unset; a
 *	                       pinentry ERR other than cancel/timeout
 *	TA_ERR_CANCELLED       pinentry ERR with GPG_ERR_CANCELED or
 *	                       GPG_ERR_FULLY_CANCELED (83886179: the user
 *	                       pressed Cancel)
 *	TA_ERR_TIMEOUT         the deadline passed; pinentry's own timeout
 *	TA_ERR_PROTOCOL        a malformed or unexpected Assuan line, INQUIRE,
 *	                       a bad percent-escape, or the pinentry closed
 *	                       the connection early
 *	TA_ERR_SYSTEM          a system call failed (errno kept)
 *	TA_ERR_NOMEM
 * *ret is written only on success. */
int ta_pin_get_full(const struct ta_pin_source *src, const char *desc, unsigned timeout_ms,
    char *why, size_t whylen, struct ta_secret **ret) __attribute__((warn_unused_result));

#endif
