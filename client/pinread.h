/* Where tufctl unlock gets a PIN: a file, a pinentry program, or the
 * terminal.  Never the command line or the environment.
 *
 * Each function returns TUFCTL_OK and *ret_pin, a struct ta_secret
 * (common/secret.h: locked, non-dumpable memory) holding 1..TA_PROTO_PIN_MAX
 * bytes of UTF-8 without NUL, CR or LF (common/pinsrc.h's rules), which
 * the caller frees with ta_secret_free() as soon as the request is encoded
 * and sent; or TUFCTL_FAIL after printing one line.  Scratch copies are wiped before they are released. */
#ifndef TA_PINREAD_H
#define TA_PINREAD_H

struct ta_secret;

/* The PIN in path, read by common/pinsrc.c with the owner rule, as the
 * agent reads its file: a regular file (not a symbolic link, FIFO or
 * directory; a FIFO is refused without waiting for a writer), owned by the
 * user or root and not accessible to group or others (mode 0600 or 0400,
 * or a systemd credential's ACL); one trailing "\n" or "\r\n" dropped; no
 * second line. */
int tufctl_pin_from_file(const char *path, struct ta_secret **ret_pin);

/* Asks a human: through the pinentry program named by $TUFCTL_PINENTRY (a
 * path, or a name on PATH; common/pinsrc.c's Assuan client, five minutes)
 * when that is set, else on /dev/tty with echo off and the prompt on
 * stderr.  token (may be NULL) names the token in the prompt. */
int tufctl_pin_ask(const char *token, struct ta_secret **ret_pin);

#endif
