/* agent/server.c's private parts, shared with agent/conn_in.c (the input
 * side of a connection: reading, frames, big-frame admission, decoding).
 * Only those two files include it. */
#ifndef TA_AGENT_SERVER_INT_H
#define TA_AGENT_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "agent/agent.h"
#include "agent/budget.h"
#include "agent/job.h"
#include "agent/job_int.h"
#include "common/buf.h"

/* Bytes lent to libuv per read into a connection's own buffer, and the
 * bound on what is left behind a frame when its bytes are wiped. */
#define READ_CHUNK ((size_t)64 << 10)
/* Memory (PROTOCOL.md "Limits").  A frame up to SMALL_FRAME_MAX is small:
 * every request but sign fits (the longest, a key.cert with every field at
 * its limit and every byte escaped, is under 16 KiB).  It is read into the
 * connection's own buffer of IN_MAX bytes, always, and decoded on the loop
 * at once: a small decode takes well under a millisecond, and nothing cheap
 * (hello, status, key.list, lock) ever waits behind a big one.  A bigger
 * frame is read into a buffer of its own, which only a peer that may sign
 * gets, and only when its cost fits the budgets (max-buffer,
 * max-buffer-per-uid); else the connection stops reading until it fits. */
#define SMALL_FRAME_MAX ((size_t)64 << 10)
#define IN_MAX (SMALL_FRAME_MAX + TA_PROTO_FRAME_HDR + READ_CHUNK)
/* What a big request is charged per frame byte, from its length prefix to
 * its response: the frame, then jansson's lexer buffer (which doubles) and
 * the string it makes of sign.file, measured at 3.1 to 3.6 times the frame
 * for 10 to 60 MiB frames; the request then keeps the file. */
#define DECODE_COST 4
/* Unsent output beyond which a peer that does not read is dropped; one
 * response, however big, is always allowed. */
#define OUT_LIMIT_MAX ((size_t)64 << 20)
/* Unsent output over which a connection is not read (until half of it has
 * been written): a peer that pipelines requests and never reads the
 * answers would otherwise grow its queue to the out limit, a small
 * response at a time. */
#define OUT_PAUSE ((size_t)256 << 10)
#define TOUCH_AFTER_MS 1000
#define TOUCH_SCAN_MS 200

/* A connection's output as workers see it (ta_job_respond()): a worker may
 * write a response straight to the socket, but only when nothing is queued
 * on the loop for it, so that frames never interleave.  The loop counts
 * its queued writes in busy; a worker writes only with busy 0, no partial
 * and the connection open, all under lock, with one non-blocking send(2).
 * What a short send leaves is partial, which the loop queues before any
 * other output (out_flush()).  The lock is held for one send(2) or a
 * counter: the loop never waits on a worker for longer. */
struct ta_out {
	pthread_mutex_t lock;
	atomic_uint refs;  /* the connection's and each job's */
	int fd;
	bool closed;       /* the connection is closing: nobody writes */
	unsigned busy;     /* the loop's writes queued (or being made) */
	struct ta_buf *partial; /* the rest of a response a worker began */
};

struct ta_conn {
	uv_pipe_t pipe; /* first: handle->data is the conn */
	uv_timer_t idle;
	struct ta_server *srv;
	struct ta_conn *prev, *next;
	unsigned long long num;
	struct ta_peer peer;
	struct ta_out *out; /* one reference */
	struct ta_buf *in;
	size_t lent;       /* bytes reserved in ta__srv_alloc_cb, not yet filled */
	bool lent_big;     /* ... in big, not in `in` */
	struct ta_memacct *acct; /* its uid's share of the budget; one reference */
	/* A big frame being received: big_len bytes, big_have so far, charged
	 * big_cost to the budgets until its job ends. */
	uint8_t *big;
	size_t big_len, big_have, big_cost;
	/* Waiting on srv->waitq for room for a big frame of wait_len bytes;
	 * not reading meanwhile. */
	bool waiting;
	size_t wait_len;
	struct ta_conn *wnext;
	size_t skip;       /* bytes of a refused frame still to discard */
	bool out_paused;   /* not read: OUT_PAUSE bytes of responses unsent */
	unsigned refused;  /* frames refused before they were read */
	unsigned inflight; /* jobs not finished */
	unsigned writes;   /* uv_write requests not completed */
	struct ta_job *jobs;
	int handles; /* open handles: freed at 0 */
	bool closing;
	bool eof;
};


struct wreq {
	uv_write_t req;
	struct ta_buf *buf;
	struct ta_conn *conn;
};

struct ta_server {
	struct ta_agent *ag;
	uv_pipe_t listener;
	uv_timer_t touch;
	bool listener_init, touch_init, listening, activated;
	int closing_handles;
	struct ta_conn *conns;
	unsigned n_conns; /* accepted and not yet closing */
	unsigned n_alive; /* not yet freed */
	unsigned long long next_num;
	struct ta_job *jobs;
	unsigned n_jobs;
	size_t max_frame, out_limit;
	struct ta_budget budget; /* for big frames: max-buffer, max-buffer-per-uid */
	struct ta_conn *wait_head, *wait_tail;
	uv_timer_t kick; /* runs the wait queue once budget is given back */
	bool kick_init;
	/* Big decodes queued to workers, at most TA_SERVER_DECODE_SLOTS; the
	 * rest wait in order on dq. */
	unsigned decoding;
	struct ta_job *dq_head, *dq_tail;
	ino_t sock_ino;
	bool sock_made;
};



void ta__srv_conn_big_drop(struct ta_conn *c);
void ta__srv_waitq_remove(struct ta_conn *c);
void ta__srv_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
void ta__srv_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
void ta__srv_conn_read_resume(struct ta_conn *c);
void ta__srv_kick_schedule(struct ta_server *srv);
void ta__srv_budget_give(struct ta_server *srv, struct ta_memacct *a, size_t cost);
struct ta_job * ta__srv_job_new(struct ta_conn *c);
void ta__srv_conn_send(struct ta_conn *c, struct ta_buf *b);
void ta__srv_conn_close(struct ta_conn *c);
void ta__srv_conn_check_done(struct ta_conn *c);

#endif
