/* The test bed: throwaway SoftHSM2 tokens in a temporary directory.
 *
 * tb_softhsm_setup() makes a directory, writes a softhsm2.conf there and
 * points SOFTHSM2_CONF at it, so tests never touch the system's tokens.
 * It must run before the module is loaded (SoftHSM reads the variable at
 * C_Initialize). */
#ifndef TA_TESTBED_H
#define TA_TESTBED_H

#include <stdbool.h>

#define TB_PIN "123456"
#define TB_SO_PIN "12345678"

/* The SoftHSM2 module this machine has, or NULL. */
const char *tb_softhsm_module(void);

/* Creates the directory and configuration; returns its path (static). */
const char *tb_softhsm_setup(void);

/* Initialises a token with the given label, TB_PIN and TB_SO_PIN.
 * 0 on success. */
int tb_softhsm_token(const char *label);

/* Removes the directory tree.  Safe to call twice. */
void tb_softhsm_teardown(void);

struct ta_p11_ctx;
struct ta_secret;
/* A new secret holding the string s (for ta_p11_token_login()). */
struct ta_secret *tb_pin(const char *s);

/* A cmocka group teardown's work: frees ctx (may be NULL), then the tree. */
void tb_finish(struct ta_p11_ctx *ctx);
/* The same as a cmocka group teardown, for a group setup that left its
 * context in *state. */
int tb_group_teardown(void **state);

/* Runs argv (argv[0] a path or found on PATH) and returns its exit status,
 * -1 when it could not run.  Output goes to out (may be NULL: discarded). */
int tb_run(const char *const argv[], char *out, size_t outlen);



#include <stddef.h>
#include <stdint.h>

/* Verifies a token-made signature with OpenSSL alone.  scheme is an enum
 * ta_sig_scheme value; ECDSA signatures come raw (r||s).  1 when valid,
 * 0 when not, -1 on a malformed key. */
int tb_verify(const uint8_t *spki, size_t spki_len, int scheme, const uint8_t *msg, size_t len,
    const uint8_t *sig, size_t sig_len);
#endif
