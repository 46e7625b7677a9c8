/* Fixtures for the client/notary_auth.c unit tests
 * (tests/unit/test_notary_auth.c, test_notary_creds.c): challenges parsed
 * and checked, docker config.json lookups, token answers. */
#ifndef TESTS_TOOLS_AUTHFIX_H
#define TESTS_TOOLS_AUTHFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "client/notary_auth.h"

#define REALM "https://auth.example.com/token"

/* A string of n copies of c (static storage, one at a time). */
const char *repeat(char c, size_t n);
/* Standard padded base64 of n bytes (malloc()ed). */
char *b64(const void *p, size_t n);
struct tn_challenge *ch_new(void);
bool ch_is_zero(const struct tn_challenge *ch);
/* value parses to a Bearer challenge with these parameters. */
void ch_ok(const char *value, const char *realm, const char *service, const char *scope,
    const char *error);
/* value gives r (0: no Bearer challenge; < 0: malformed), *ch zeroed. */
void ch_is(const char *value, int want);
/* registry.example.com on the default port, 127.0.0.1:4443, and
 * registry.example.com:443 spelled out. */
extern const struct tn_auth_host host_default, host_port, host_443;

/* The lookup of json for h gives r; c is empty unless 0. */
int lookup(const char *json, const struct tn_auth_host *h, struct tn_creds *c, int *line);
/* config.json with one "auths" entry for registry.example.com whose "auth"
 * is base64 of raw (n bytes); the lookup's result. */
int lookup_auth_raw(const void *raw, size_t n, struct tn_creds *c);
void creds_auth_is(const struct tn_creds *c, const char *user, const char *pass);
/* A token answer's result; *a is empty unless 0. */
int token(const char *json, struct tn_token_answer *a, const char **why);
void token_ok(const char *json, const char *tok, long expires, const char *refresh);
void token_fails(const char *json, int code, const char *why_part);

#endif
