/* Inside struct ta_job: for job.c, which runs jobs, and server.c, which
 * makes them, keeps them on its connection and server lists and frees
 * them.  Everyone else (handlers.c, signjob.c, tokens.c) goes through
 * job.h's accessors.  Not job.h's own header: job.h does not include it,
 * and it does not include job.h (agent/ has no include circle). */
#ifndef TA_AGENT_JOB_INT_H
#define TA_AGENT_JOB_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "agent/config.h"
#include "agent/keys.h"
#include "agent/policy.h"
#include "agent/signwait.h"
#include "protocol/proto.h"

struct ta_agent;
struct ta_buf;
struct ta_conn;
struct ta_memacct;
struct ta_out;
struct ta_rules;

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
	/* Called by ta_job_respond() on the worker: sends resp at once when
	 * the connection can take it without waiting (server.c), and takes
	 * it (resp NULL after); non-zero leaves resp to end().  Touches only
	 * out, the connection's output shared with workers (one reference). */
	int (*send_now)(struct ta_job *job);
	struct ta_out *out;
	bool sent;    /* send_now took resp (under out's lock) */
	bool audited; /* the audit record is written (ta_job_respond()) */
	struct ta_peer peer;
	struct ta_rules *rules;      /* the rules it is judged by (agent.h); one reference */
	enum ta_proto_method method; /* NONE when the frame did not say */
	struct ta_proto_req *req;    /* owned; NULL until decoded */

	/* The frame of a big request, decoded on a worker. */
	uint8_t *frame;
	size_t frame_len;
	int decode_r;
	struct ta_proto_fault fault;
	struct ta_job *dnext;    /* waiting for a decode slot */
	size_t charge;           /* memory charged to the budgets until freed */
	struct ta_memacct *acct; /* ... to this uid's share; NULL: none */

	struct ta_job_token toks[TA_CFG_MAX_TOKENS];
	size_t n_toks;

	void (*run)(struct ta_job *job);  /* worker */
	void (*done)(struct ta_job *job); /* loop */

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

	/* Touch notice: a worker begins the wait (agent/signwait.h) while a
	 * signature is on the token, and ends it after; the loop sends one
	 * notice, with the wait's text, when a signature has been out for a
	 * second. */
	struct ta_signwait sign_wait;
	bool noticed;

	void *priv; /* handler state, freed by priv_free */
	void (*priv_free)(void *priv);
	size_t tok_idx;    /* handler scratch: the token a request names */
	unsigned tok_mask; /* handler scratch: a set of tokens */
};

#endif
