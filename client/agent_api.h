/* tufctl's agent API: one function per method of protocol/PROTOCOL.md, typed
 * in (the request structs of protocol/proto.h) and typed out (the result
 * structs), over client/agentconn.h's connection.
 *
 *	json_t *obj = NULL;
 *	struct ta_proto_key_list_result keys = {0};
 *	if ((r = tufctl_agent_key_list(NULL, NULL, &obj, &keys)) != 0)
 *		goto out;                        (one line was printed)
 *	... keys.keys[i].label ...
 *	ta_proto_key_list_result_clear(&keys);
 *	json_decref(obj);
 *
 * a is a connection opened for the method (tufctl_agent_open), or NULL for
 * one of its own, opened and closed around this one request.  On success
 * each returns 0, *ret_result (the result object: json_decref it; --json
 * prints it as the agent sent it) and *ret, which borrows from it (call the
 * result's _clear() where it has one).  On failure a negative TA_ERR_*
 * (tufctl_agent_request(); TA_ERR_PROTOCOL when the result is not exactly
 * the documented shape) after one line on stderr; *ret_result then holds
 * no reference and *ret is not set. */
#ifndef TA_AGENT_API_H
#define TA_AGENT_API_H

#include <stdbool.h>

#include <jansson.h>

#include "protocol/proto.h"
#include "tuf/key.h"

struct tufctl_agent;

int tufctl_agent_status(
    struct tufctl_agent *a, json_t **ret_result, struct ta_proto_status_result *ret);

/* The PIN is copied into the request, whose buffers are wiped once it is
 * on the socket; the caller still owns and frees p->pin. */
int tufctl_agent_unlock(struct tufctl_agent *a, const struct ta_proto_unlock *p,
    json_t **ret_result, struct ta_proto_unlock_result *ret);

int tufctl_agent_lock(struct tufctl_agent *a, const struct ta_proto_token_params *p,
    json_t **ret_result, struct ta_proto_lock_result *ret);

/* p NULL sends no params (every token), as {} would. */
int tufctl_agent_key_list(struct tufctl_agent *a, const struct ta_proto_token_params *p,
    json_t **ret_result, struct ta_proto_key_list_result *ret);

int tufctl_agent_key_generate(struct tufctl_agent *a, const struct ta_proto_key_generate *p,
    json_t **ret_result, struct ta_proto_key_generate_result *ret);

int tufctl_agent_key_cert(struct tufctl_agent *a, const struct ta_proto_key_cert *p,
    json_t **ret_result, struct ta_proto_key_cert_result *ret);

int tufctl_agent_key_show(struct tufctl_agent *a, const struct ta_proto_key_show *p,
    json_t **ret_result, struct ta_proto_key_show_result *ret);

int tufctl_agent_key_attest(struct tufctl_agent *a, const struct ta_proto_key_attest *p,
    json_t **ret_result, struct ta_proto_key_attest_result *ret);

int tufctl_agent_sign(struct tufctl_agent *a, const struct ta_proto_sign *p, json_t **ret_result,
    struct ta_proto_sign_result *ret);

int tufctl_agent_key_scope(struct tufctl_agent *a, const struct ta_proto_key_scope *p,
    json_t **ret_result, struct ta_proto_key_scope_result *ret);

/* Makes sure the key's scope in the agent covers role of gun (profile
 * "notary" or "tuf"): a key made or chosen for a repository is bound to it
 * (the agent's key scopes), so that no rule can make it sign for another.
 * Reads the scope (key.scope) and, when it does not cover them, asks the
 * agent to widen it; the agent decides whether this caller may.  On a
 * refusal says on stderr what the agent's administrator can run.
 * TUFCTL_OK or TUFCTL_FAIL. */
/* A TUF key object and its key ID: an agent key by reference (label, key
 * ID, PKCS#11 URI; key.show), or, file true, from a PEM public key file.
 * TUFCTL_OK, or TUFCTL_FAIL after one line "tufctl: WHO: ..." (who names
 * the command). */
int tufctl_tuf_key(const char *who, const char *ref, bool file, char keyid[65], json_t **ret);

/* A PEM public key file (SPKI, at most 64 KiB) as a key of profile.
 * TUFCTL_OK, or TUFCTL_FAIL after one line "tufctl: WHO: ...". */
int tufctl_pem_key(const char *who, const char *path, enum ta_profile profile, struct ta_key **ret);

int tufctl_scope_ensure(const char *key, const char *profile, const char *gun, const char *role);

#endif
