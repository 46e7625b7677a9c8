/* Request handlers: one per method of PROTOCOL.md, dispatched on a decoded
 * request.  Each checks the policy on the loop thread (ta_policy_check with
 * the peer and the job's rules), runs what blocks on a worker (server.h,
 * ta_job_queue), and finishes its job with a response and an audit record.
 *
 * Methods that name keys (key.show, key.cert, sign) check the policy twice:
 * before any work with what the request says (operation, role, GUN), and
 * again once the keys are found and the metadata is parsed (the keys'
 * labels and IDs, the expiry), before anything is signed: for sign and
 * key.cert on the worker that signs (signjob.c), with the same rules. */
#ifndef TA_AGENT_HANDLERS_H
#define TA_AGENT_HANDLERS_H

#include <stddef.h>
#include <time.h>

#include "agent/policy.h"

struct ta_job;
struct ta_key_ref;

/* Runs the request in job->req (decoded, within max-inflight). */
void ta_handle_request(struct ta_job *job);

/* signjob.c */
void ta_handle_sign(struct ta_job *job);
void ta_handle_key_cert(struct ta_job *job);

/* 0 when the policy (the job's rules) allows the request; otherwise the
 * job's response is the refusal (-32001 or -32007, with the policy's
 * reason) and the refusal is logged.  From the loop or the job's worker. */
int ta_handle_policy(struct ta_job *job, unsigned operation, const struct ta_policy_key *keys,
    size_t n_keys, const char *role, const char *gun, time_t expires);

/* ta_handle_policy() with a whole request (its now is set here); on
 * success the rule that allowed it is the job's (audit record). */
int ta_handle_policy_req(struct ta_job *job, struct ta_policy_req *pr);

/* The policy's view of a found key (points into tk), with its scope, if
 * it has one, read into *scope and described in the job's audit record. */
void ta_handle_policy_key(struct ta_job *job, const struct ta_key_ref *tk, struct ta_policy_key *ret,
    struct ta_proto_scope *scope);

/* The prologue of the methods that name one key: the policy for the
 * operation, on the request's GUN and expiry when it has them (NULL, 0:
 * none), the key's own check coming once it is found; then run on a
 * worker and done on the loop (ta_job_queue()), with a struct ta_key_ref
 * to find the key into as the job's priv. */
void ta_handle_one_key(struct ta_job *job, unsigned operation, const char *gun, time_t expires,
    void (*run)(struct ta_job *job), void (*done)(struct ta_job *job));

/* Answers with why the key that the request member names (e.g.
 * "params.keys[2]") could not be used: r from ta_key_ref_find(). */
void ta_handle_key_error(struct ta_job *job, int r, const char *member);

#endif
