/* The listener, connections, frames in and out, request jobs, and touch
 * notices. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <uv.h>

#include "agent/agent.h"
#include "agent/audit.h"
#include "agent/budget.h"
#include "agent/job.h"
#include "agent/job_int.h"
#include "agent/server.h"
#include "agent/sockpath.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secret.h"

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
	size_t lent;       /* bytes reserved in alloc_cb, not yet filled */
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

static void conn_close(struct ta_conn *c);
static void conn_check_done(struct ta_conn *c);
static void conn_send(struct ta_conn *c, struct ta_buf *b);
static void kick_schedule(struct ta_server *srv);
static void conn_read_resume(struct ta_conn *c);
static void job_end(struct ta_job *j);


/* ---- the memory budget ------------------------------------------------------ */

/* Gives cost back, and lets waiting connections try again (from the loop's
 * next turn: the caller may be deep in a connection's input). */
static void
budget_give(struct ta_server *srv, struct ta_memacct *a, size_t cost)
{
	ta_budget_give(&srv->budget, a, cost);
	kick_schedule(srv);
}

/* ---- output shared with workers ------------------------------------------- */

static struct ta_out *
out_new(int fd)
{
	struct ta_out *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	if (pthread_mutex_init(&o->lock, NULL) != 0) {
		free(o);
		return NULL;
	}
	atomic_init(&o->refs, 1);
	o->fd = fd;
	return o;
}

static struct ta_out *
out_ref(struct ta_out *o)
{
	if (o != NULL)
		atomic_fetch_add(&o->refs, 1);
	return o;
}

/* NULL is a no-op.  From any thread. */
static void
out_unref(struct ta_out *o)
{
	if (o == NULL || atomic_fetch_sub(&o->refs, 1) != 1)
		return;
	ta_buf_free(o->partial);
	(void)pthread_mutex_destroy(&o->lock);
	free(o);
}

/* job->send_now, on the worker (job_int.h). */
static int
job_send_now(struct ta_job *j)
{
	struct ta_out *o = j->out;
	struct ta_buf *b = j->resp;
	size_t len = ta_buf_len(b);
	ssize_t n = -1;
	int r = -1;

	if (o == NULL)
		return -1;
	(void)pthread_mutex_lock(&o->lock);
	if (!o->closed && o->busy == 0 && o->partial == NULL) {
		do
			n = send(o->fd, ta_buf_ptr(b), len, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n > 0 && (size_t)n < len && ta_buf_consume(b, (size_t)n) == 0) {
			o->partial = b; /* the loop sends the rest first */
			j->resp = NULL;
			j->sent = true;
			r = 0;
		} else if (n > 0 && (size_t)n == len) {
			ta_buf_free(b);
			j->resp = NULL;
			j->sent = true;
			r = 0;
		}
		/* Else (EAGAIN, an error): the loop sends it, and sees any
		 * error itself. */
	}
	(void)pthread_mutex_unlock(&o->lock);
	return r;
}

static void conn_write(struct ta_conn *c, struct ta_buf *b);

/* Takes b (one or more encoded frames, or NULL: nothing), after what a
 * worker's short send left.  From here until their write_cb no worker
 * writes to the connection.  A frame for job j (a touch notice) is dropped
 * once j's worker has sent its response: a notice never follows the
 * answer. */
static void
conn_send_for(struct ta_conn *c, struct ta_buf *b, const struct ta_job *j)
{
	struct ta_out *o = c->out;
	struct ta_buf *p = NULL;
	bool late;

	if (c->closing || o == NULL) {
		ta_buf_free(b);
		return;
	}
	(void)pthread_mutex_lock(&o->lock);
	late = j != NULL && j->sent;
	if (!late) {
		p = o->partial;
		o->partial = NULL;
		o->busy += (p != NULL) + (b != NULL);
	}
	(void)pthread_mutex_unlock(&o->lock);
	if (late) {
		ta_buf_free(b);
		return;
	}
	if (p != NULL)
		conn_write(c, p);
	if (b != NULL)
		conn_write(c, b);
}

/* Queues what a worker's short send left, if anything. */
static void
out_flush(struct ta_conn *c)
{
	conn_send_for(c, NULL, NULL);
}

/* ---- jobs ----------------------------------------------------------------- */

static void
touch_cb(uv_timer_t *t)
{
	struct ta_server *srv = t->data;
	long long now = ta_now_ms(), since;
	char what[TA_SIGNWAIT_WHAT_MAX + 1];
	struct ta_buf *b;

	for (struct ta_job *j = srv->jobs; j != NULL; j = j->snext) {
		if (j->noticed || j->conn == NULL || j->req == NULL)
			continue;
		since = ta_signwait_get(&j->sign_wait, what, sizeof(what));
		if (since == 0 || now - since < TOUCH_AFTER_MS)
			continue;
		j->noticed = true;
		if ((b = ta_buf_new(TA_BUF_MAX)) == NULL ||
		    ta_proto_encode_notice_msg(b, &j->req->id, TA_PROTO_NOTICE_TOUCH, what) != 0) {
			ta_buf_free(b);
			continue;
		}
		log_debug("conn %llu: signature waiting for %lld ms: touch notice sent",
		    j->conn->num, now - since);
		conn_send_for(j->conn, b, j);
	}
}

static struct ta_job *
job_new(struct ta_conn *c)
{
	struct ta_server *srv = c->srv;
	struct ta_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->ag = srv->ag;
	j->conn = c;
	j->peer = c->peer;
	j->rules = ta_rules_ref(srv->ag->rules);
	j->work.data = j;
	j->end = job_end;
	j->send_now = job_send_now;
	j->out = out_ref(c->out);
	ta_signwait_init(&j->sign_wait);
	j->cnext = c->jobs;
	if (c->jobs != NULL)
		c->jobs->cprev = j;
	c->jobs = j;
	c->inflight++;
	j->snext = srv->jobs;
	if (srv->jobs != NULL)
		srv->jobs->sprev = j;
	srv->jobs = j;
	if (srv->n_jobs++ == 0 && srv->touch_init)
		(void)uv_timer_start(&srv->touch, touch_cb, TOUCH_SCAN_MS, TOUCH_SCAN_MS);
	return j;
}

static void
job_detach(struct ta_job *j)
{
	struct ta_conn *c = j->conn;

	if (c == NULL)
		return;
	if (j->cprev != NULL)
		j->cprev->cnext = j->cnext;
	else
		c->jobs = j->cnext;
	if (j->cnext != NULL)
		j->cnext->cprev = j->cprev;
	j->cprev = j->cnext = NULL;
	c->inflight--;
	j->conn = NULL;
}

static void
job_free(struct ta_job *j)
{
	struct ta_server *srv = j->ag->server;

	job_detach(j);
	if (j->sprev != NULL)
		j->sprev->snext = j->snext;
	else
		srv->jobs = j->snext;
	if (j->snext != NULL)
		j->snext->sprev = j->sprev;
	if (--srv->n_jobs == 0 && srv->touch_init)
		(void)uv_timer_stop(&srv->touch);
	if (j->priv_free != NULL)
		j->priv_free(j->priv);
	ta_proto_req_free(j->req);
	ta_rules_unref(j->rules);
	ta_buf_free(j->resp);
	out_unref(j->out);
	if (j->frame != NULL)
		ta_wipe_free(j->frame, j->frame_len);
	if (j->acct != NULL) {
		budget_give(srv, j->acct, j->charge);
		ta_budget_acct_put(&srv->budget, j->acct);
	}
	ta_wipe(j, sizeof(*j));
	free(j);
	kick_schedule(srv); /* a connection may wait for max-inflight */
}

/* job->end: the job's response to its connection, if it still has one,
 * then the job freed (ta_job_finish() has written its audit record). */
static void
job_end(struct ta_job *j)
{
	struct ta_conn *c = j->conn;

	if (c != NULL && j->resp != NULL && ta_buf_len(j->resp) > 0) {
		conn_send(c, j->resp);
		j->resp = NULL;
	} else if (c != NULL) {
		out_flush(c); /* the rest of its worker's short send, if any */
	}
	job_free(j);
	if (c != NULL)
		conn_check_done(c);
}

/* ---- output ---------------------------------------------------------------- */

static void
write_cb(uv_write_t *req, int status)
{
	struct wreq *w = req->data;
	struct ta_conn *c = w->conn;

	c->writes--;
	(void)pthread_mutex_lock(&c->out->lock);
	c->out->busy--;
	(void)pthread_mutex_unlock(&c->out->lock);
	ta_buf_free(w->buf);
	free(w);
	if (status < 0 && status != UV_ECANCELED) {
		log_debug("conn %llu: write: %s", c->num, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (c->out_paused && !c->closing &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) <= OUT_PAUSE / 2) {
		c->out_paused = false;
		conn_read_resume(c);
	}
	conn_check_done(c);
}

/* Takes b (one or more encoded frames). */
static void
conn_send(struct ta_conn *c, struct ta_buf *b)
{
	conn_send_for(c, b, NULL);
}

/* Queues b on the pipe; c->out->busy has been raised for it. */
static void
conn_write(struct ta_conn *c, struct ta_buf *b)
{
	struct wreq *w = NULL;
	uv_buf_t ub;
	size_t queued;
	int r;

	if (c->closing || (w = calloc(1, sizeof(*w))) == NULL) {
		(void)pthread_mutex_lock(&c->out->lock);
		c->out->busy--;
		(void)pthread_mutex_unlock(&c->out->lock);
		ta_buf_free(b);
		return;
	}
	w->buf = b;
	w->conn = c;
	w->req.data = w;
	ub = uv_buf_init((char *)(uintptr_t)ta_buf_ptr(b), (unsigned)ta_buf_len(b));
	if ((r = uv_write(&w->req, (uv_stream_t *)&c->pipe, &ub, 1, write_cb)) != 0) {
		log_debug("conn %llu: write: %s", c->num, uv_strerror(r));
		(void)pthread_mutex_lock(&c->out->lock);
		c->out->busy--;
		(void)pthread_mutex_unlock(&c->out->lock);
		ta_buf_free(b);
		free(w);
		conn_close(c);
		return;
	}
	c->writes++;
	queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
	if (queued > OUT_PAUSE && !c->out_paused) {
		c->out_paused = true;
		(void)uv_read_stop((uv_stream_t *)&c->pipe);
		log_debug("conn %llu: %zu bytes of responses unsent: not reading until they are",
		    c->num, queued);
		if (c->srv->ag->cfg->idle_timeout > 0) /* closed if it still does not read */
			(void)uv_timer_again(&c->idle);
	}
	if (queued > c->srv->out_limit && c->writes > 1) {
		log_warn("peer uid %u pid %d: %zu bytes of responses unread (limit %zu); "
			 "connection closed",
		    (unsigned)c->peer.uid, (int)c->peer.pid, queued, c->srv->out_limit);
		conn_close(c);
	}
}

/* ---- input ----------------------------------------------------------------- */

static void
job_decoded(struct ta_job *j, int r)
{
	struct ta_agent *ag = j->ag;

	if (r != 0) {
		j->method = j->fault.method;
		j->result = j->fault.err;
		(void)snprintf(j->detail, sizeof(j->detail), "%s", j->fault.detail);
		if ((j->resp = ta_buf_new(TA_BUF_MAX)) != NULL &&
		    ta_proto_encode_fault(j->resp, &j->fault) != 0) {
			ta_buf_free(j->resp);
			j->resp = NULL;
		}
		if (j->conn != NULL)
			log_debug("conn %llu: request refused: %s", j->conn->num, j->fault.detail);
		ta_job_finish(j);
		return;
	}
	j->method = j->req->method;
	if (j->conn == NULL) { /* the peer left while its frame was decoded */
		ta_job_finish(j);
		return;
	}
	if (j->conn->inflight > ag->cfg->max_inflight) {
		ta_job_error(j, TA_PROTO_E_BUSY, TA_ERR_TOKEN_BUSY,
		    "more than %u requests in flight on this connection (max-inflight); "
		    "wait for responses",
		    ag->cfg->max_inflight);
		ta_job_finish(j);
		return;
	}
	j->ag->dispatch(j);
}

static void decode_next(struct ta_server *srv);

static void
decode_run(struct ta_job *j)
{
	j->decode_r = ta_proto_decode_request(j->frame, j->frame_len, &j->req, &j->fault);
	ta_wipe_free(j->frame, j->frame_len);
	j->frame = NULL;
	j->frame_len = 0;
}

static void
decode_done(struct ta_job *j)
{
	struct ta_server *srv = j->ag->server;

	srv->decoding--;
	decode_next(srv);
	if (j->resp != NULL) { /* never ran */
		ta_job_finish(j);
		return;
	}
	job_decoded(j, j->decode_r);
}

/* Starts the decodes waiting for a slot.  Big decodes are few at a time so
 * that the workers stay free for the tokens and for status (libuv runs its
 * pool first come, first served); main.c adds the slots to the pool. */
static void
decode_next(struct ta_server *srv)
{
	struct ta_job *j;

	while (srv->decoding < TA_SERVER_DECODE_SLOTS && (j = srv->dq_head) != NULL) {
		srv->dq_head = j->dnext;
		if (srv->dq_head == NULL)
			srv->dq_tail = NULL;
		j->dnext = NULL;
		if (j->conn == NULL) { /* its peer has gone: nobody wants the answer */
			ta_job_finish(j);
			continue;
		}
		srv->decoding++;
		ta_job_queue(j, decode_run, decode_done);
	}
}

/* A small frame: decoded here and now. */
static void
conn_frame(struct ta_conn *c, const uint8_t *json, size_t len)
{
	struct ta_agent *ag = c->srv->ag;
	struct ta_job *j;
	int r;

	if ((j = job_new(c)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "conn %llu", c->num);
		conn_close(c);
		return;
	}
	if (ag->cfg->idle_timeout > 0)
		(void)uv_timer_again(&c->idle);
	r = ta_proto_decode_request(json, len, &j->req, &j->fault);
	job_decoded(j, r);
}

/* A big frame has arrived whole: it becomes a job, with its bytes and its
 * charge, and waits for a decode slot. */
static void
conn_big_done(struct ta_conn *c)
{
	struct ta_server *srv = c->srv;
	struct ta_agent *ag = srv->ag;
	struct ta_job *j;

	if ((j = job_new(c)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "conn %llu", c->num);
		conn_close(c); /* frees the frame and gives back its charge */
		return;
	}
	if (ag->cfg->idle_timeout > 0)
		(void)uv_timer_again(&c->idle);
	j->frame = c->big;
	j->frame_len = c->big_len;
	j->charge = c->big_cost;
	j->acct = c->acct;
	c->acct->refs++;
	c->big = NULL;
	c->big_len = c->big_have = c->big_cost = 0;
	if (srv->dq_tail != NULL)
		srv->dq_tail->dnext = j;
	else
		srv->dq_head = j;
	srv->dq_tail = j;
	decode_next(srv);
}

static void
conn_big_drop(struct ta_conn *c)
{
	if (c->big == NULL)
		return;
	ta_wipe_free(c->big, c->big_len);
	c->big = NULL;
	budget_give(c->srv, c->acct, c->big_cost);
	c->big_len = c->big_have = c->big_cost = 0;
}

/* Room for a big frame of n bytes has been found: charge it, and move the
 * bytes of it already read (behind its length prefix) into its buffer. */
static int
conn_big_admit(struct ta_conn *c, size_t n)
{
	struct ta_server *srv = c->srv;
	size_t have;

	if ((c->big = malloc(n)) == NULL)
		return TA_ERR_NOMEM;
	c->big_len = n;
	c->big_cost = n * DECODE_COST;
	ta_budget_take(&srv->budget, c->acct, c->big_cost);
	if (ta_buf_consume(c->in, TA_PROTO_FRAME_HDR) != 0)
		return TA_ERR_INTERNAL; /* cannot happen: the prefix was peeked */
	have = ta_buf_len(c->in) < n ? ta_buf_len(c->in) : n;
	memcpy(c->big, ta_buf_ptr(c->in), have);
	c->big_have = have;
	if (ta_buf_consume(c->in, have) != 0)
		return TA_ERR_INTERNAL;
	log_debug("conn %llu: frame of %zu bytes admitted (%zu of %zu charged, uid %u %zu of %zu)",
	    c->num, n, srv->budget.used, srv->budget.max, (unsigned)c->peer.uid, c->acct->used,
	    srv->budget.share);
	return 0;
}

static void
waitq_remove(struct ta_conn *c)
{
	struct ta_server *srv = c->srv;
	struct ta_conn **pp, *prev = NULL;

	if (!c->waiting)
		return;
	for (pp = &srv->wait_head; *pp != NULL; prev = *pp, pp = &(*pp)->wnext) {
		if (*pp == c) {
			*pp = c->wnext;
			if (srv->wait_tail == c)
				srv->wait_tail = prev;
			break;
		}
	}
	c->wnext = NULL;
	c->waiting = false;
}

/* A frame the peer may not send, or that can never fit its share, is
 * refused before a byte of it is kept: one error (its id is unknown:
 * null), an audit record, and its bytes are read and dropped as they come,
 * so that the peer, which may be writing it still, reads the answer and
 * the connection stays usable. */
static void __attribute__((format(printf, 5, 6)))
conn_refuse(struct ta_conn *c, size_t n, int code, int err, const char *fmt, ...)
{
	static const struct ta_proto_id null_id = {.kind = TA_PROTO_ID_NULL};
	struct ta_agent *ag = c->srv->ag;
	char detail[TA_PROTO_DETAIL_MAX + 1];
	struct ta_audit_rec rec = {
		.uid = c->peer.uid, .gid = c->peer.gid, .pid = c->peer.pid,
		.method = "frame", .result = err, .detail = detail,
	};
	struct ta_buf *b;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* One warning per connection: a flood of refused frames is one event. */
	if (c->refused++ == 0)
		log_warn("peer uid %u pid %d: %s", (unsigned)c->peer.uid, (int)c->peer.pid, detail);
	else
		log_debug("conn %llu: %s", c->num, detail);
	if (ta_audit_log(ag->audit, &rec) != 0)
		log_err_r(TA_ERR_SYSTEM, "audit record for a refused frame not written");
	if (ta_buf_consume(c->in, TA_PROTO_FRAME_HDR) != 0) {
		conn_close(c);
		return;
	}
	c->skip = n;
	if ((b = ta_buf_new(TA_BUF_MAX)) == NULL ||
	    ta_proto_encode_error(b, &null_id, code, err, detail) != 0) {
		ta_buf_free(b);
		conn_close(c);
		return;
	}
	conn_send(c, b);
}

/* The length prefix of a big frame (n bytes, over SMALL_FRAME_MAX) is in:
 * refuse it, admit it, or wait for room.  true when the caller may go on
 * taking frames. */
static bool
conn_big_begin(struct ta_conn *c, size_t n)
{
	struct ta_server *srv = c->srv;
	struct ta_agent *ag = srv->ag;
	struct ta_policy_req pr = {.operation = TA_OP_SIGN, .now = time(NULL)};
	char why[256] = "";
	int r;

	/* Only sign carries a file; a peer no rule lets sign anything has no
	 * use for a frame this big (the checks of the request's keys, role
	 * and GUN need the decoded request, and come after). */
	r = ta_policy_check(ag->rules->cfg, ag->uid, &c->peer, &pr, why, sizeof(why));
	if (r != 0) {
		if (r != TA_ERR_NOT_AUTHORIZED)
			r = TA_ERR_POLICY;
		conn_refuse(c, n, 0, r,
		    "a frame of %zu bytes is refused unread: only sign requests may be over "
		    "%zu bytes, and this peer may not sign (%s)",
		    n, SMALL_FRAME_MAX, why[0] != '\0' ? why : ta_strerror(r));
		return !c->closing;
	}
	if (n > srv->budget.share / DECODE_COST) {
		conn_refuse(c, n, TA_PROTO_E_INVALID_REQUEST, TA_ERR_TOO_LARGE,
		    "a frame of %zu bytes is refused unread: decoding it takes %d times its size, "
		    "over the %zu bytes of max-buffer-per-uid; send a smaller file or raise "
		    "max-buffer-per-uid",
		    n, DECODE_COST, srv->budget.share);
		return !c->closing;
	}
	if (c->inflight >= ag->cfg->max_inflight || !ta_budget_fits(&srv->budget, c->acct, n * DECODE_COST) ||
	    srv->wait_head != NULL) {
		/* Back-pressure: the peer's writes block, its bytes stay in the
		 * kernel; the queue is first come, first served. */
		c->waiting = true;
		c->wait_len = n;
		if (srv->wait_tail != NULL)
			srv->wait_tail->wnext = c;
		else
			srv->wait_head = c;
		srv->wait_tail = c;
		(void)uv_read_stop((uv_stream_t *)&c->pipe);
		log_debug("conn %llu: frame of %zu bytes waits for memory (%zu of %zu charged, "
			  "uid %u %zu of %zu)",
		    c->num, n, srv->budget.used, srv->budget.max, (unsigned)c->peer.uid, c->acct->used,
		    srv->budget.share);
		kick_schedule(srv);
		return false;
	}
	if ((r = conn_big_admit(c, n)) != 0) {
		log_err_r(r, "conn %llu: frame of %zu bytes", c->num, n);
		conn_close(c);
		return false;
	}
	if (c->big_have == c->big_len)
		conn_big_done(c);
	return !c->closing;
}

/* The frames' bytes have been decoded: wipe them (PROTOCOL.md "Secrets").
 * What is left is the start of the next frame, all of it from the last
 * read, so at most IN_MAX bytes are moved. */
static void
conn_wipe_input(struct ta_conn *c)
{
	size_t left = ta_buf_len(c->in);
	uint8_t *tmp;

	if (left == 0) {
		ta_buf_reset(c->in);
		return;
	}
	if ((tmp = malloc(left)) == NULL)
		return; /* compaction wipes the bytes later */
	memcpy(tmp, ta_buf_ptr(c->in), left);
	ta_buf_reset(c->in);
	if (ta_buf_put(c->in, tmp, left) != 0) {
		log_err_r(TA_ERR_NOMEM, "conn %llu", c->num);
		conn_close(c);
	}
	ta_wipe_free(tmp, left);
}

static void
conn_take_frames(struct ta_conn *c)
{
	size_t max = c->srv->max_frame, len, drop;
	const uint8_t *json;
	uint32_t n = 0;
	bool took = false;
	int r;

	while (!c->closing && !c->waiting && c->big == NULL) {
		if (c->skip > 0) {
			if ((drop = ta_buf_len(c->in)) == 0)
				break;
			if (drop > c->skip)
				drop = c->skip;
			if (ta_buf_consume(c->in, drop) != 0)
				break;
			c->skip -= drop;
			took = true;
			continue;
		}
		if (ta_buf_peek_u32(c->in, &n) != 0)
			break;
		if (n > SMALL_FRAME_MAX && n <= max) {
			took = true;
			if (!conn_big_begin(c, n))
				break;
			continue;
		}
		r = ta_proto_frame_take(c->in, max, &json, &len);
		if (r == TA_ERR_TRUNCATED)
			break;
		if (r != 0) {
			log_warn("peer uid %u pid %d: frame of %lu bytes %s; connection closed",
			    (unsigned)c->peer.uid, (int)c->peer.pid, (unsigned long)n,
			    r == TA_ERR_TOO_LARGE ? "over max-frame" : "(a zero length prefix)");
			conn_close(c);
			return;
		}
		took = true;
		conn_frame(c, json, len);
	}
	if (took && !c->closing)
		conn_wipe_input(c);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct ta_conn *c = h->data;
	size_t n;
	uint8_t *p;

	(void)suggested;
	if (c->big != NULL) { /* straight into the frame's own buffer */
		c->lent = c->big_len - c->big_have;
		c->lent_big = true;
		*buf = uv_buf_init((char *)c->big + c->big_have, (unsigned)c->lent);
		return;
	}
	n = ta_buf_avail(c->in);
	if (n > READ_CHUNK)
		n = READ_CHUNK;
	if (n == 0 || ta_buf_reserve(c->in, n, &p) != 0) {
		*buf = uv_buf_init(NULL, 0);
		return;
	}
	c->lent = n;
	c->lent_big = false;
	*buf = uv_buf_init((char *)p, (unsigned)n);
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct ta_conn *c = s->data;
	size_t filled = nread > 0 ? (size_t)nread : 0;

	(void)buf;
	if (c->lent > 0 && c->lent_big) {
		c->big_have += filled;
	} else if (c->lent > 0) {
		if (ta_buf_consume_end(c->in, c->lent - filled) != 0)
			ta_buf_reset(c->in); /* cannot happen: lent bytes are there */
	}
	c->lent = 0;
	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		if (nread == UV_EOF) {
			if (ta_buf_len(c->in) > 0 || c->big != NULL)
				log_debug(
				    "conn %llu: peer closed in the middle of a frame", c->num);
			(void)uv_read_stop(s);
			c->eof = true;
			ta_buf_reset(c->in);
			conn_big_drop(c);
			conn_check_done(c);
		} else if (nread == UV_ENOBUFS) {
			log_warn("peer uid %u pid %d: input buffer full; connection closed",
			    (unsigned)c->peer.uid, (int)c->peer.pid);
			conn_close(c);
		} else {
			log_debug("conn %llu: read: %s", c->num, uv_strerror((int)nread));
			conn_close(c);
		}
		return;
	}
	if (c->big != NULL) {
		if (c->big_have < c->big_len)
			return;
		conn_big_done(c);
	}
	conn_take_frames(c);
}

/* Waiting connections, first come first served: each takes its room as it
 * fits.  One that waits for its own uid's share (or its max-inflight) does
 * not hold up the others; one that waits for the global budget does, so
 * that a big frame is not starved by smaller ones behind it. */
static void
kick_cb(uv_timer_t *t)
{
	struct ta_server *srv = t->data;
	struct ta_agent *ag = srv->ag;
	struct ta_conn *c, *next;
	size_t cost;

	for (c = srv->wait_head; c != NULL && !ag->stopping; c = next) {
		next = c->wnext;
		cost = c->wait_len * DECODE_COST;
		if (cost > srv->budget.max - srv->budget.used)
			break;
		if (c->inflight >= ag->cfg->max_inflight || cost > srv->budget.share - c->acct->used)
			continue;
		waitq_remove(c);
		if (conn_big_admit(c, c->wait_len) != 0) {
			log_err_r(TA_ERR_NOMEM, "conn %llu: frame of %zu bytes", c->num, c->wait_len);
			conn_close(c);
			continue;
		}
		if (c->big_have == c->big_len)
			conn_big_done(c);
		conn_read_resume(c);
		if (!c->closing && c->big == NULL)
			conn_take_frames(c);
	}
}

/* Reads again, unless something else still holds the connection back. */
static void
conn_read_resume(struct ta_conn *c)
{
	int r;

	if (c->closing || c->eof || c->waiting || c->out_paused || c->srv->ag->stopping)
		return;
	r = uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
	if (r != 0 && r != UV_EALREADY)
		conn_close(c);
}

static void
kick_schedule(struct ta_server *srv)
{
	if (srv->wait_head != NULL && srv->kick_init)
		(void)uv_timer_start(&srv->kick, kick_cb, 0, 0);
}

/* ---- connections ------------------------------------------------------------ */

static void
conn_free_cb(uv_handle_t *h)
{
	struct ta_conn *c = h->data;
	struct ta_server *srv = c->srv;
	struct ta_agent *ag = srv->ag;

	if (--c->handles > 0)
		return;
	ta_budget_acct_put(&srv->budget, c->acct);
	ta_buf_free(c->in);
	out_unref(c->out);
	free(c);
	srv->n_alive--;
	ag->quiet(ag);
}

static void
conn_close(struct ta_conn *c)
{
	struct ta_server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = true;
	if (c->out != NULL) { /* no worker writes to it from now on */
		(void)pthread_mutex_lock(&c->out->lock);
		c->out->closed = true;
		ta_buf_free(c->out->partial);
		c->out->partial = NULL;
		(void)pthread_mutex_unlock(&c->out->lock);
	}
	waitq_remove(c);
	conn_big_drop(c);
	while (c->jobs != NULL) /* they finish on their own; results dropped */
		job_detach(c->jobs);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->n_conns--;
	(void)uv_read_stop((uv_stream_t *)&c->pipe);
	(void)uv_timer_stop(&c->idle);
	log_debug("conn %llu: closed", c->num);
	uv_close((uv_handle_t *)&c->pipe, conn_free_cb);
	uv_close((uv_handle_t *)&c->idle, conn_free_cb);
}

/* A connection that will get no more requests (EOF, or draining) closes
 * once it has answered everything. */
static void
conn_check_done(struct ta_conn *c)
{
	if (c->closing || !(c->eof || c->srv->ag->stopping))
		return;
	if (c->inflight == 0 && c->writes == 0)
		conn_close(c);
}

static void
idle_cb(uv_timer_t *t)
{
	struct ta_conn *c = t->data;

	if (c->out_paused) {
		/* Not read for a whole idle-timeout because it does not read:
		 * it holds a connection slot and its answers for nothing. */
		log_warn("peer uid %u pid %d: %zu bytes of responses unread for %u s; "
			 "connection closed",
		    (unsigned)c->peer.uid, (int)c->peer.pid,
		    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe),
		    c->srv->ag->cfg->idle_timeout);
		conn_close(c);
		return;
	}
	if (c->inflight > 0 || c->writes > 0 || c->waiting)
		return; /* uv_timer_again() rearms it with the repeat value */
	log_debug(
	    "conn %llu: idle for %u s; connection closed", c->num, c->srv->ag->cfg->idle_timeout);
	conn_close(c);
}

static int
peer_creds(struct ta_conn *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 || len != sizeof(uc))
		return TA_ERR_SYSTEM;
	c->peer.uid = uc.uid;
	c->peer.gid = uc.gid;
	c->peer.pid = uc.pid;
	return 0;
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct ta_server *srv = server->data;
	struct ta_agent *ag = srv->ag;
	struct ta_policy_req pr = {.operation = TA_OP_STATUS};
	struct ta_conn *c;
	char why[256] = "";
	uv_os_fd_t fd;
	int r;

	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_err_r(TA_ERR_NOMEM, "accept");
		return;
	}
	c->srv = srv;
	c->num = ++srv->next_num;
	c->pipe.data = c;
	c->idle.data = c;
	(void)uv_pipe_init(&ag->loop, &c->pipe, 0);
	(void)uv_timer_init(&ag->loop, &c->idle);
	c->handles = 2;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	srv->n_alive++;
	if ((r = uv_accept(server, (uv_stream_t *)&c->pipe)) != 0) {
		log_warn("accept: %s", uv_strerror(r));
		conn_close(c);
		return;
	}
	if (peer_creds(c) != 0) {
		log_warn("accept: SO_PEERCRED: %s; connection closed", strerror(errno));
		conn_close(c);
		return;
	}
	if (srv->n_conns > ag->cfg->max_clients) {
		log_warn("peer uid %u pid %d refused: %u clients connected (max-clients); "
			 "connection closed",
		    (unsigned)c->peer.uid, (int)c->peer.pid, ag->cfg->max_clients);
		conn_close(c);
		return;
	}
	pr.now = time(NULL);
	r = ta_policy_check(ag->rules->cfg, ag->uid, &c->peer, &pr, why, sizeof(why));
	if (r == TA_ERR_NOT_AUTHORIZED) {
		struct ta_audit_rec rec = {
			.uid = c->peer.uid, .gid = c->peer.gid, .pid = c->peer.pid,
			.method = "connect", .result = r,
			.detail = "no [allow] rule names the peer; connection closed",
		};

		log_warn("peer uid %u gid %u pid %d refused: no [allow] rule names it; "
			 "connection closed",
		    (unsigned)c->peer.uid, (unsigned)c->peer.gid, (int)c->peer.pid);
		/* A stranger knocking is an operation worth a record too. */
		if (ta_audit_log(ag->audit, &rec) != 0)
			log_err_r(TA_ERR_SYSTEM, "audit record for a refused peer not written");
		conn_close(c);
		return;
	}
	if ((c->acct = ta_budget_acct(&srv->budget, c->peer.uid)) == NULL ||
	    (c->in = ta_buf_new(IN_MAX)) == NULL || uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    (c->out = out_new(fd)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "accept");
		conn_close(c);
		return;
	}
	log_debug("conn %llu: peer uid %u gid %u pid %d", c->num, (unsigned)c->peer.uid,
	    (unsigned)c->peer.gid, (int)c->peer.pid);
	if (ag->cfg->idle_timeout > 0) {
		uint64_t ms = (uint64_t)ag->cfg->idle_timeout * 1000;

		(void)uv_timer_start(&c->idle, idle_cb, ms, ms);
	}
	if ((r = uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb)) != 0) {
		log_warn("conn %llu: read: %s", c->num, uv_strerror(r));
		conn_close(c);
	}
}

/* ---- the listening socket ---------------------------------------------------- */

int
ta_server_check(struct ta_agent *ag)
{
	if (sd_listen_fds(0) > 0) /* 0: leave LISTEN_FDS for ta_server_start */
		return 0;
	return ta_socket_prepare(ag->socket_path);
}

int
ta_server_start(struct ta_agent *ag)
{
	struct ta_server *srv;
	struct stat st;
	int n, r, fd;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return TA_ERR_NOMEM;
	ag->server = srv;
	srv->ag = ag;
	srv->max_frame = ag->cfg->max_frame;
	if (srv->max_frame == 0 || srv->max_frame > TA_PROTO_MAX_FRAME)
		srv->max_frame = TA_PROTO_MAX_FRAME;
	srv->out_limit = srv->max_frame > OUT_LIMIT_MAX / 4 ? OUT_LIMIT_MAX : 4 * srv->max_frame;
	srv->budget.max = ag->cfg->max_buffer;
	srv->budget.share = ag->cfg->max_buffer_per_uid;
	if (srv->budget.share > srv->budget.max)
		srv->budget.share = srv->budget.max;
	if (srv->max_frame > srv->budget.share / DECODE_COST)
		log_warn("requests over %zu bytes are refused: decoding one takes %d times its "
			 "size, and max-buffer-per-uid is %zu bytes (max-frame is %zu)",
		    srv->budget.share / DECODE_COST, DECODE_COST, srv->budget.share, srv->max_frame);
	(void)uv_timer_init(&ag->loop, &srv->kick);
	srv->kick.data = srv;
	srv->kick_init = true;
	(void)uv_timer_init(&ag->loop, &srv->touch);
	srv->touch.data = srv;
	srv->touch_init = true;
	(void)uv_pipe_init(&ag->loop, &srv->listener, 0);
	srv->listener.data = srv;
	srv->listener_init = true;

	n = sd_listen_fds(1);
	if (n > 1) {
		log_err("socket activation passed %d sockets; expected one", n);
		return TA_ERR_INVALID;
	}
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			log_err(
			    "socket activation: fd %d is not a listening Unix stream socket", fd);
			return TA_ERR_INVALID;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		if ((r = uv_pipe_open(&srv->listener, fd)) != 0) {
			log_err("socket activation: %s", uv_strerror(r));
			return TA_ERR_SYSTEM;
		}
		srv->activated = true;
	} else {
		if ((r = ta_socket_prepare(ag->socket_path)) != 0)
			return r;
		if ((r = uv_pipe_bind(&srv->listener, ag->socket_path)) != 0) {
			log_err("bind '%s': %s", ag->socket_path, uv_strerror(r));
			return TA_ERR_SYSTEM;
		}
		srv->sock_made = true;
		if ((r = ta_socket_own(ag->socket_path, ag->cfg->socket_group,
			 ag->cfg->socket_mode)) != 0)
			return r;
		if (lstat(ag->socket_path, &st) == 0)
			srv->sock_ino = st.st_ino;
	}
	if ((r = uv_listen((uv_stream_t *)&srv->listener, 128, on_connection)) != 0) {
		log_err("listen: %s", uv_strerror(r));
		return TA_ERR_SYSTEM;
	}
	srv->listening = true;
	log_info("listening on %s", srv->activated ? "the socket systemd passed" : ag->socket_path);
	return 0;
}

static void
listener_close_cb(uv_handle_t *h)
{
	struct ta_server *srv = h->data;

	srv->closing_handles--;
	srv->ag->quiet(srv->ag);
}

static void
server_unlink(struct ta_server *srv)
{
	struct stat st;

	if (!srv->sock_made)
		return;
	srv->sock_made = false;
	if (lstat(srv->ag->socket_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_ino == srv->sock_ino)
		(void)unlink(srv->ag->socket_path);
}

void
ta_server_stop(struct ta_agent *ag)
{
	struct ta_server *srv = ag->server;
	struct ta_conn *c, *next;

	if (srv == NULL)
		return;
	if (srv->listening) {
		srv->listening = false;
		srv->listener_init = false;
		srv->closing_handles++;
		uv_close((uv_handle_t *)&srv->listener, listener_close_cb);
		server_unlink(srv);
	}
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		(void)uv_read_stop((uv_stream_t *)&c->pipe);
		conn_check_done(c);
	}
}

bool
ta_server_idle(const struct ta_agent *ag)
{
	const struct ta_server *srv = ag->server;

	return srv == NULL || (srv->n_alive == 0 && srv->n_jobs == 0 && srv->closing_handles == 0);
}

void
ta_server_close(struct ta_agent *ag)
{
	struct ta_server *srv = ag->server;

	if (srv == NULL)
		return;
	if (srv->listener_init) {
		srv->listener_init = false;
		srv->listening = false;
		uv_close((uv_handle_t *)&srv->listener, NULL);
		server_unlink(srv);
	}
	if (srv->touch_init) {
		srv->touch_init = false;
		uv_close((uv_handle_t *)&srv->touch, NULL);
	}
	if (srv->kick_init) {
		srv->kick_init = false;
		uv_close((uv_handle_t *)&srv->kick, NULL);
	}
}

void
ta_server_free(struct ta_agent *ag)
{
	if (ag->server == NULL)
		return;
	server_unlink(ag->server);
	free(ag->server);
	ag->server = NULL;
}
