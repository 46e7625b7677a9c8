/* The notary commands' calls to the agent (client/agent_api.h): the keys
 * they need as TUF key objects and certificates, new keys for rotations,
 * and the publish engine's signer (client/notary_publish.h).
 *
 * cmd names the notary command for the one line printed on a failure
 * ("tufctl: notary CMD: ..."); every function returns 0 or TUFCTL_FAIL. */
#ifndef TA_NOTARY_AGENT_H
#define TA_NOTARY_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/notary_publish.h"
#include "tuf/key.h"

/* Prints "tufctl: notary CMD: ..." on stderr; returns TUFCTL_FAIL. */
int tn_cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* key.show for the notary profile: a new key (ta_key_free). */
int tn_agent_key_show(const char *cmd, const char *key, struct ta_key **ret);

/* A root certificate for gun made by the key, valid TN_ROOT_DAYS, not
 * stored on the token: PEM, malloc()ed. */
int tn_agent_key_cert(const char *cmd, const char *key, const char *gun, char **ret_pem);

/* A new ecdsa-p256 key labelled label on token (NULL: the agent's only
 * one), scoped to role of gun from the start; *ret_uri (malloc()ed) names
 * it.  Says so on stderr unless --json. */
int tn_agent_generate(const char *cmd, const char *token, const char *label, const char *gun,
    const char *role, char **ret_uri);

/* struct tn_signer's keys and sign, with ctx pointing at the command's
 * name (const char *).  agent_api has printed why a call failed, so the
 * error goes back without a message. */
int tn_agent_signer_keys(void *ctx, json_t **ret, struct tn_error *e);
int tn_agent_signer_sign(void *ctx, const char *gun, const char *role, const json_t *keys,
    const struct tn_file *f, const struct tn_file *other, uint8_t **ret, size_t *ret_len,
    struct tn_error *e);

#endif
