/* A connection's input side (agent/server_int.h): reading into the
 * connection's buffer, taking frames, admitting big frames against the
 * memory budget, and decoding requests on workers, in order. */
/* The listener, connections, frames in and out, request jobs, and touch
 * notices. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "agent/agent.h"
#include "agent/audit.h"
#include "agent/budget.h"
#include "agent/job.h"
#include "agent/job_int.h"
#include "agent/server.h"
#include "agent/server_int.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secret.h"

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

	if ((j = ta__srv_job_new(c)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "conn %llu", c->num);
		ta__srv_conn_close(c);
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

	if ((j = ta__srv_job_new(c)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "conn %llu", c->num);
		ta__srv_conn_close(c); /* frees the frame and gives back its charge */
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

void
ta__srv_conn_big_drop(struct ta_conn *c)
{
	if (c->big == NULL)
		return;
	ta_wipe_free(c->big, c->big_len);
	c->big = NULL;
	ta__srv_budget_give(c->srv, c->acct, c->big_cost);
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

void
ta__srv_waitq_remove(struct ta_conn *c)
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
		ta__srv_conn_close(c);
		return;
	}
	c->skip = n;
	if ((b = ta_buf_new(TA_BUF_MAX)) == NULL ||
	    ta_proto_encode_error(b, &null_id, code, err, detail) != 0) {
		ta_buf_free(b);
		ta__srv_conn_close(c);
		return;
	}
	ta__srv_conn_send(c, b);
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
		ta__srv_kick_schedule(srv);
		return false;
	}
	if ((r = conn_big_admit(c, n)) != 0) {
		log_err_r(r, "conn %llu: frame of %zu bytes", c->num, n);
		ta__srv_conn_close(c);
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
		ta__srv_conn_close(c);
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
			ta__srv_conn_close(c);
			return;
		}
		took = true;
		conn_frame(c, json, len);
	}
	if (took && !c->closing)
		conn_wipe_input(c);
}

void
ta__srv_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
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

void
ta__srv_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
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
			ta__srv_conn_big_drop(c);
			ta__srv_conn_check_done(c);
		} else if (nread == UV_ENOBUFS) {
			log_warn("peer uid %u pid %d: input buffer full; connection closed",
			    (unsigned)c->peer.uid, (int)c->peer.pid);
			ta__srv_conn_close(c);
		} else {
			log_debug("conn %llu: read: %s", c->num, uv_strerror((int)nread));
			ta__srv_conn_close(c);
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
		ta__srv_waitq_remove(c);
		if (conn_big_admit(c, c->wait_len) != 0) {
			log_err_r(TA_ERR_NOMEM, "conn %llu: frame of %zu bytes", c->num, c->wait_len);
			ta__srv_conn_close(c);
			continue;
		}
		if (c->big_have == c->big_len)
			conn_big_done(c);
		ta__srv_conn_read_resume(c);
		if (!c->closing && c->big == NULL)
			conn_take_frames(c);
	}
}

/* Reads again, unless something else still holds the connection back. */
void
ta__srv_conn_read_resume(struct ta_conn *c)
{
	int r;

	if (c->closing || c->eof || c->waiting || c->out_paused || c->srv->ag->stopping)
		return;
	r = uv_read_start((uv_stream_t *)&c->pipe, ta__srv_alloc_cb, ta__srv_read_cb);
	if (r != 0 && r != UV_EALREADY)
		ta__srv_conn_close(c);
}

void
ta__srv_kick_schedule(struct ta_server *srv)
{
	if (srv->wait_head != NULL && srv->kick_init)
		(void)uv_timer_start(&srv->kick, kick_cb, 0, 0);
}

