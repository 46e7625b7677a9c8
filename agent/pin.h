/* PIN sources (DESIGN.md "Configuration"): file:, env:, pinentry, unlock,
 * none.  A PIN is read into a struct ta_secret and never anywhere else:
 * file contents and pinentry replies are read into locked memory, and
 * every intermediate buffer is wiped.  A wrong PIN is never retried here:
 * each call reads once.
 *
 *  file:/path  common/pinsrc.h's PIN file with the owner rule
 *              (TA_PINSRC_PRIVATE: a regular file, not a symbolic link or
 *              FIFO, owned by the agent's effective uid or root, private
 *              by mode or by a systemd credential's ACL), at most
 *              TA_PINSRC_MAX bytes of UTF-8 with no NUL, CR or LF, one
 *              trailing "\n" or "\r\n" dropped.  The path must be
 *              absolute.  The preferred source.
 *  env:NAME    secure_getenv(NAME), taken out of the environment once at
 *              start-up by ta_pin_env_take(): kept in locked memory for
 *              later logins (a token unplugged and back), removed from
 *              environ and wiped where it was, /proc/PID/environ included.
 *              Until then it was readable there by the agent's uid (and
 *              root), and whoever started the agent had it in their
 *              environment, so prefer file: with systemd's
 *              LoadCredential=.  The value is used as it is.
 *  pinentry[:/path]  common/pinsrc.h's pinentry ("pinentry" on PATH by
 *              default, else an absolute path): title "tuf-agent", desc,
 *              prompt "PIN:", OPTION ttyname=$GPG_TTY (the agent has no
 *              terminal of its own), one deadline (timeout_ms).
 *  none, unlock  TA_ERR_PIN_REQUIRED: there is no PIN to read.
 *
 * Blocking (up to timeout_ms for pinentry): run it on a worker thread. */
#ifndef TA_AGENT_PIN_H
#define TA_AGENT_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/config.h"
#include "common/pinsrc.h"

struct ta_secret;

/* The default pinentry deadline: a human reads the prompt and types. */
#define TA_PIN_TIMEOUT_MS TA_PINSRC_TIMEOUT_MS

/* Room for any reason ta_pin_get_full() writes, with its NUL. */
#define TA_PIN_WHY_MAX TA_PINSRC_WHY_MAX

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

/* Sources the agent reads by itself, with no one asked: file:, env:. */
bool ta_pin_automatic(enum ta_pin_kind k);

/* r is the token refusing a PIN (wrong, tries low or gone, its length,
 * expired): a PIN that is not to be tried again. */
bool ta_pin_refusal(int r);

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
 *	TA_ERR_INVALID         NULL src/ret, bad kind, a relative path,
 *	                       timeout_ms == 0; a PIN with a NUL, CR or LF,
 *	                       or not UTF-8 (file, pinentry)
 *	TA_ERR_PIN_REQUIRED    none, unlock; an empty PIN (file, variable or
 *	                       pinentry answer); env: variable unset
 *	the rest               ta_pinsrc_file(), ta_pinsrc_pinentry()
 *	                       (common/pinsrc.h)
 * *ret is written only on success. */
int ta_pin_get_full(const struct ta_pin_source *src, const char *desc, unsigned timeout_ms,
    char *why, size_t whylen, struct ta_secret **ret) __attribute__((warn_unused_result));

/* ta_pin_get_full() with pinentry's prompt (SETPROMPT) prompt instead of
 * "PIN:" (NULL: "PIN:"), for a secret that is not the PIN: a PIV card's
 * management key ("Management key:"). */
int ta_pin_get_prompt(const struct ta_pin_source *src, const char *desc, const char *prompt,
    unsigned timeout_ms, char *why, size_t whylen, struct ta_secret **ret)
    __attribute__((warn_unused_result));

#endif
