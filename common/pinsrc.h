/* PIN sources shared by tuf-agent (agent/pin.c: pin = file:, pinentry) and
 * tufctl (client/pinread.c: unlock --pin-file, $TUFCTL_PINENTRY, the
 * terminal): one PIN-file reader, one pinentry client, one set of rules for
 * what a PIN may hold.  Which source to use, when to ask and what to do
 * with a refused PIN is the caller's policy.
 *
 * A PIN is read straight into a struct ta_secret (locked, non-dumpable
 * memory); every intermediate buffer is wiped; no PIN byte is ever quoted
 * in a reason.
 *
 * The PIN, whatever the source (ta_pinsrc_check):
 *   1..max bytes (max <= TA_PINSRC_MAX; tufctl: 256, the protocol's
 *   unlock.pin), no NUL, no CR or LF (nobody can type one at a prompt: a
 *   file with a second line is a mistake), well-formed UTF-8 (PKCS#11
 *   PINs are UTF-8, and unlock.pin is a JSON string).
 *
 * A PIN file (ta_pinsrc_file):
 *   - a regular file: a symbolic link (the last component), a FIFO, a
 *     socket, a device or a directory is refused.  The file is opened with
 *     O_NOFOLLOW and O_NONBLOCK, so opening a FIFO never waits for a
 *     writer, and then checked on the open descriptor (fstat);
 *   - with TA_PINSRC_PRIVATE (both programs set it): owned by the reading
 *     process's effective uid or by root, and neither readable nor
 *     writable by group or others: mode & 077 == 0, or a POSIX ACL whose
 *     only extra entry grants read to the effective uid (what systemd's
 *     LoadCredential= writes: a 0400 root file with "user:<uid>:r--",
 *     which stat shows as 0440);
 *   - its contents are the PIN and at most one line ending: one trailing
 *     "\n" or "\r\n" is dropped, never more; so the file is at most
 *     max + 2 bytes.
 *
 * A pinentry program (ta_pinsrc_pinentry):
 *   run with posix_spawn(): its stdin and stdout one end of a socketpair
 *   (a dead pinentry gives EPIPE, never SIGPIPE), stderr inherited, every
 *   other fd closed, signals reset to their defaults, an empty signal mask,
 *   and only a short list of environment variables (PATH, HOME, USER,
 *   LOGNAME, the locale, TERM, GPG_TTY, the display's and the session
 *   bus's): never a PIN or a password the caller's environment holds.
 *   Assuan dialogue, as gpg-agent drives it: greeting "OK", OPTION
 *   ttyname= and ttytype= (when given), SETTITLE, SETDESC, SETPROMPT,
 *   SETERROR (when given), GETPIN, BYE.  Arguments are percent-escaped (%,
 *   CR, LF and other control bytes) and cut at a character boundary to fit
 *   one line.  ERR replies to the set-up commands are ignored (older
 *   pinentries lack some); "S" and "#" lines are skipped; D lines are
 *   percent-decoded (a malformed escape is a protocol error); lines are at
 *   most 1000 bytes, a whole dialogue at most 64 KiB.  The whole dialogue
 *   has one deadline; after it, or on any error, the pinentry gets EOF,
 *   then SIGTERM, then SIGKILL (half a second apart), and is always
 *   reaped.
 *
 * Each function returns 0, or a TA_ERR_* and, when whylen > 0, a one-line
 * reason in why (NUL-terminated, cut to whylen; ta_strerror() when there
 * is nothing better).  *ret is written only on success; the caller frees
 * it with ta_secret_free().  Blocking: the agent runs them on a worker
 * thread. */
#ifndef TA_PINSRC_H
#define TA_PINSRC_H

#include <stddef.h>

#include "common/secret.h"

/* The longest PIN any source returns: a PIN file's line ending must fit in
 * the same secret. */
#define TA_PINSRC_MAX (TA_SECRET_MAX - 2)

/* Room for any reason written here, with its NUL (paths are cut). */
#define TA_PINSRC_WHY_MAX 512

/* The default pinentry deadline: a human reads the prompt and types. */
#define TA_PINSRC_TIMEOUT_MS (5 * 60 * 1000)

/* ta_pinsrc_file flags. */
enum {
	TA_PINSRC_PRIVATE = 1 << 0, /* the owner rule: owner and mode, above */
};

/* Whether s holds an acceptable PIN (the rules above) of at most max bytes.
 * from names the source in the reason ("PIN file '/x'", "the terminal").
 *	TA_ERR_PIN_REQUIRED  empty
 *	TA_ERR_TOO_LARGE     over max
 *	TA_ERR_INVALID       a NUL, a CR or LF, not UTF-8 (why gives the offset) */
int ta_pinsrc_check(const struct ta_secret *s, size_t max, const char *from, char *why,
    size_t whylen) __attribute__((warn_unused_result));

/* Reads the PIN file at path (any path: a caller that wants an absolute one
 * checks that itself) with flags (TA_PINSRC_*), a PIN of 1..max bytes
 * (max 1..TA_PINSRC_MAX).
 *	TA_ERR_NOT_FOUND       no such file
 *	TA_ERR_NOT_AUTHORIZED  a symlink, not a regular file; with
 *	                       TA_PINSRC_PRIVATE a bad owner or a group/other
 *	                       accessible mode (why says which and what to do)
 *	TA_ERR_TOO_LARGE, TA_ERR_PIN_REQUIRED, TA_ERR_INVALID: ta_pinsrc_check;
 *	                       TA_ERR_INVALID also for a bad argument
 *	TA_ERR_SYSTEM          open, fstat or read failed (errno kept)
 *	TA_ERR_NOMEM */
int ta_pinsrc_file(const char *path, unsigned flags, size_t max, char *why, size_t whylen,
    struct ta_secret **ret) __attribute__((warn_unused_result));

/* What to ask a pinentry, and how long to wait. */
struct ta_pinentry {
	const char *program; /* a path, or a name looked up on PATH; NULL or "": "pinentry" */
	const char *title;   /* SETTITLE; NULL: not sent */
	const char *desc;    /* SETDESC, e.g. "PIN for token 'ci-hsm'"; NULL: not sent */
	const char *prompt;  /* SETPROMPT; NULL: "PIN:" */
	const char *error;   /* SETERROR, shown above the prompt (why a PIN is asked
	                      * again, tries left); NULL: not sent */
	const char *tty;     /* OPTION ttyname=, only when an absolute path of
	                      * printable bytes; NULL: not sent */
	const char *ttytype; /* OPTION ttytype= (TERM), only with tty; NULL: not sent */
	unsigned timeout_ms; /* > 0: the whole dialogue's deadline */
	size_t max;          /* 1..TA_PINSRC_MAX: the longest PIN accepted */
};

/* Asks the pinentry pe describes for a PIN.
 *	TA_ERR_INVALID         NULL pe/ret, timeout_ms or max out of range; a
 *	                       PIN with a NUL, a CR or LF, not UTF-8
 *	TA_ERR_NOT_FOUND       no such program
 *	TA_ERR_PIN_REQUIRED    an empty PIN; an ERR other than cancel/timeout
 *	                       (why holds its code and printable text)
 *	TA_ERR_CANCELLED       ERR GPG_ERR_CANCELED or GPG_ERR_FULLY_CANCELED
 *	                       (the user pressed Cancel or closed the window)
 *	TA_ERR_TIMEOUT         the deadline passed; the pinentry's own timeout
 *	TA_ERR_TOO_LARGE       a PIN over max; a line over 1000 bytes or a
 *	                       dialogue over 64 KiB
 *	TA_ERR_PROTOCOL        a malformed or unexpected line, INQUIRE, a bad
 *	                       %-escape, or the pinentry closed the connection
 *	                       (exited) early
 *	TA_ERR_SYSTEM          a system call failed, or the program could not be
 *	                       run (not executable: errno kept)
 *	TA_ERR_NOMEM */
int ta_pinsrc_pinentry(const struct ta_pinentry *pe, char *why, size_t whylen,
    struct ta_secret **ret) __attribute__((warn_unused_result));

#endif
