/* A request, from its frame to its response: struct ta_job, and how a
 * handler runs it, answers it and leaves its audit record.
 *
 * A handler (handlers.c, signjob.c) runs a job in phases: ta_job_queue()
 * runs `run` on a worker thread, then `done` on the loop; `done` may queue
 * another phase or call ta_job_finish().  Workers only touch their job (and
 * what it references that is documented thread-safe: tokens, key caches,
 * its rules).  ta_job_finish() writes the audit record first, then hands
 * the response over (job->end, set by the server that made the job): a
 * record is written before its answer leaves. */
#ifndef TA_AGENT_JOB_H
#define TA_AGENT_JOB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "agent/config.h"
#include "agent/keys.h"
#include "agent/policy.h"
#include "protocol/proto.h"

struct ta_agent;
struct ta_buf;
struct ta_conn;
struct ta_memacct;
struct ta_rules;
struct ta_job;

typedef void (*ta_job_fn)(struct ta_job *job);

struct ta_job {
	uv_work_t work;
	struct ta_agent *ag;
	/* The server's (server.c): the connection, NULL once the peer has
	 * gone, and the lists the job is on. */
	struct ta_conn *conn;
	struct ta_job *cprev, *cnext; /* the connection's jobs */
	struct ta_job *sprev, *snext; /* the server's jobs */
	/* Called by ta_job_finish() after the audit record: hands the
	 * response to the connection (if there still is one) and frees the
	 * job (server.c). */
	void (*end)(struct ta_job *job);
	struct ta_peer peer;
	struct ta_rules *rules;      /* the rules it is judged by (agent.h); one reference */
	enum ta_proto_method method; /* NONE when the frame did not say */
	struct ta_proto_req *req;    /* owned; NULL until decoded */

	/* The frame of a big request, decoded on a worker. */
	uint8_t *frame;
	size_t frame_len;
	int decode_r;
	struct ta_proto_fault fault;
	struct ta_job *dnext;     /* waiting for a decode slot */
	size_t charge;            /* memory charged to the budgets until freed */
	struct ta_memacct *acct;  /* ... to this uid's share; NULL: none */

	struct ta_job_token toks[TA_CFG_MAX_TOKENS];
	size_t n_toks;

	ta_job_fn run;  /* worker */
	ta_job_fn done; /* loop */

	/* The outcome: the encoded response frame, and what the audit
	 * record says. */
	struct ta_buf *resp;
	int result; /* 0 or TA_ERR_* */
	char detail[TA_PROTO_DETAIL_MAX + 1];
	const char *profile; /* static strings, NULL when none */
	char keyids[TA_PROTO_KEYS_MAX][TA_PROTO_KEYID_LEN + 1];
	size_t n_keyids;
	int64_t version;
	uint8_t sha256[32];
	bool has_sha256;
	char rule[80];   /* the rule that allowed it ("" when refused or none checked) */
	char scope[256]; /* the keys' scopes, described ("" when none) */

	/* Touch notice: a worker sets sign_since (ta_now_ms()) while a
	 * signature is on the token, and clears it after; the loop sends one
	 * notice when a signature has been out for a second. */
	atomic_llong sign_since;
	bool noticed;

	void *priv; /* handler state, freed by priv_free */
	void (*priv_free)(void *priv);
	size_t tok_idx;    /* handler scratch: the token a request names */
	unsigned tok_mask; /* handler scratch: a set of tokens */
};

/* Runs run(job) on a worker, then done(job) on the loop.  When the work
 * cannot be queued (or is cancelled), done(job) runs with the job's
 * response already an internal error: done() must check for an error
 * (job->resp or job->result) before it acts on run()'s outcome. */
void ta_job_queue(struct ta_job *job, ta_job_fn run, ta_job_fn done);

/* Sends the job's response (if its peer is still there), writes its audit
 * record, and frees it. */
void ta_job_finish(struct ta_job *job);

/* Encodes the response into job->resp, replacing any there.  From any
 * thread (only the job is touched).  ta_job_error() also sets result and
 * detail for the audit record; code 0 means ta_proto_error_code(err); fmt
 * NULL means ta_strerror(err).  ta_job_result() takes what one of
 * protocol/'s result encoders returned: r and, when r is 0, the result
 * object, which it consumes. */
void ta_job_error(struct ta_job *job, int code, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ta_job_result(struct ta_job *job, int r, json_t *result);

/* Records a key ID for the audit record (at most TA_PROTO_KEYS_MAX). */
void ta_job_add_keyid(struct ta_job *job, const char *keyid);

#endif
