/* key.generate in a PIV slot ("slot" in its params): a key made on a
 * YubiKey through ykcs11 with the card's management key, read from the
 * token's management-key source (agent/config.h) and never the factory
 * default by the agent's own choice.  The user is logged out for the time
 * of it (the module's rule) and logged in again from the PIN cache or the
 * token's PIN source; pkcs11/piv.c does the token's part. */
#ifndef TA_AGENT_PIVGEN_H
#define TA_AGENT_PIVGEN_H

#include <stdbool.h>

struct ta_job;
struct ta_job_token;
struct ta_p11_key;

/* On a worker.  0 and the new key in *ret_key (and *ret_logged_out when
 * the token could not be logged in again); else the job's error is set
 * (a sentence a YubiKey user can act on) and a TA_ERR_* returned. */
int ta_pivgen_run(struct ta_job *j, struct ta_job_token *t, struct ta_p11_key *ret_key,
    bool *ret_logged_out) __attribute__((warn_unused_result));

#endif
