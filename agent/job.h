/* A request, from its frame to its response: struct ta_job, and how a
 * handler runs it, answers it and leaves its audit record.
 *
 * A handler (handlers.c, signjob.c) runs a job in phases: ta_job_queue()
 * runs `run` on a worker thread, then `done` on the loop; `done` may queue
 * another phase or call ta_job_finish().  Workers only touch their job (and
 * what it references that is documented thread-safe: tokens, key caches,
 * its rules).  ta_job_finish() writes the audit record first, then hands
 * the response over (job->end, set by the server that made the job): a
 * record is written before its answer leaves.  A handler whose last phase
 * makes the final response (sign) calls ta_job_respond() at its end on the
 * worker instead, which writes the record and sends the answer from there;
 * ta_job_finish() on the loop then only frees the job. */
#ifndef TA_AGENT_JOB_H
#define TA_AGENT_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/keys.h"
#include "protocol/proto.h"

struct ta_agent;
struct ta_buf;
struct ta_rules;
struct ta_signwait;
struct ta_job; /* opaque: job_int.h, for job.c and server.c */

typedef void (*ta_job_fn)(struct ta_job *job);

/* Runs run(job) on a worker, then done(job) on the loop.  When the work
 * cannot be queued (or is cancelled), done(job) runs with the job's
 * response already an internal error: done() must check for an error
 * (ta_job_answered()) before it acts on run()'s outcome. */
void ta_job_queue(struct ta_job *job, ta_job_fn run, ta_job_fn done);

/* ta_job_queue() with the handler's state: a new zeroed priv of size
 * bytes, freed with priv_free when the job is.  Without the memory for it
 * the job is answered so and finished instead. */
void ta_job_queue_with(struct ta_job *job, size_t size, void (*priv_free)(void *priv),
    ta_job_fn run, ta_job_fn done);

/* Writes the job's audit record (unless ta_job_respond() has), sends its
 * response (if its peer is still there and it was not sent), and frees it.
 * Loop thread. */
void ta_job_finish(struct ta_job *job);

/* From the worker, once the job's response and everything its audit record
 * says are final: writes the audit record, then sends the response from
 * this thread when the connection can take it at once (no output queued
 * on the loop; else the loop sends it in ta_job_finish()).  The answer then
 * leaves without waiting for the loop's turn: one thread hand-off per
 * request instead of two.  done() must not change the response after it,
 * and still calls ta_job_finish(), which frees the job. */
void ta_job_respond(struct ta_job *job);

/* Encodes the response into job->resp, replacing any there.  From any
 * thread (only the job is touched).  ta_job_error() also sets result and
 * detail for the audit record; code 0 means ta_proto_error_code(err); fmt
 * NULL means ta_strerror(err).  ta_job_result() takes what one of
 * protocol/'s result encoders returned: r and, when r is 0, the result
 * object, which it consumes. */
void ta_job_error(struct ta_job *job, int code, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ta_job_result(struct ta_job *job, int r, json_t *result);

/* Records a key ID for the audit record (at most TA_PROTO_KEYS_MAX);
 * ta_job_n_keyids() says how many it has. */
void ta_job_add_keyid(struct ta_job *job, const char *keyid);
size_t ta_job_n_keyids(const struct ta_job *job);

/* What a handler reads of its job. */
struct ta_agent *ta_job_agent(const struct ta_job *job);
struct ta_proto_req *ta_job_req(const struct ta_job *job); /* NULL until decoded */
enum ta_proto_method ta_job_method(const struct ta_job *job);
const struct ta_peer *ta_job_peer(const struct ta_job *job);
struct ta_rules *ta_job_rules(const struct ta_job *job);
bool ta_job_detached(const struct ta_job *job); /* its peer has gone */
/* The tokens as they were when the request came (ta_tokens_snapshot()
 * fills them in: TA_CFG_MAX_TOKENS of room, and sets their number). */
struct ta_job_token *ta_job_tokens(struct ta_job *job);
size_t ta_job_n_tokens(const struct ta_job *job);
void ta_job_set_n_tokens(struct ta_job *job, size_t n);
/* Set by a worker while a signature is on the token (server.c's notice). */
struct ta_signwait *ta_job_sign_wait(struct ta_job *job);

/* Handler state: priv (ta_job_queue_with()), and scratch for the token a
 * request names and a set of tokens. */
void *ta_job_priv(const struct ta_job *job);
size_t ta_job_tok(const struct ta_job *job);
void ta_job_set_tok(struct ta_job *job, size_t idx);
unsigned ta_job_tok_mask(const struct ta_job *job);
void ta_job_set_tok_mask(struct ta_job *job, unsigned mask);

/* The outcome so far: whether a response is there (an error, mostly),
 * and 0 or the TA_ERR_* the audit record will say. */
bool ta_job_answered(const struct ta_job *job);
int ta_job_outcome(const struct ta_job *job);
const char *ta_job_detail(const struct ta_job *job);

/* Takes b, an encoded success response, as the job's response: result 0,
 * no detail.  ta_job_set_detail() says more of a success, for the log and
 * the audit record. */
void ta_job_answer(struct ta_job *job, struct ta_buf *b);
void ta_job_set_detail(struct ta_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* For the audit record: what allowed it, the keys' scopes (described;
 * ta_job_scope() is the buffer to append to, *size its size), the
 * profile (a static string), the metadata's version and digest. */
void ta_job_set_rule(struct ta_job *job, const char *rule);
char *ta_job_scope(struct ta_job *job, size_t *size);
void ta_job_set_profile(struct ta_job *job, const char *profile);
void ta_job_set_version(struct ta_job *job, int64_t version);
int64_t ta_job_version(const struct ta_job *job);
void ta_job_set_sha256(struct ta_job *job, const uint8_t sha256[32]);

#endif
