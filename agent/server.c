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
#include "agent/server_int.h"
#include "agent/sockpath.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secret.h"

static void job_end(struct ta_job *j);

/* ---- the memory budget ------------------------------------------------------ */

/* Gives cost back, and lets waiting connections try again (from the loop's
 * next turn: the caller may be deep in a connection's input). */
void
ta__srv_budget_give(struct ta_server *srv, struct ta_memacct *a, size_t cost)
{
	ta_budget_give(&srv->budget, a, cost);
	ta__srv_kick_schedule(srv);
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

struct ta_job *
ta__srv_job_new(struct ta_conn *c)
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
		ta__srv_budget_give(srv, j->acct, j->charge);
		ta_budget_acct_put(&srv->budget, j->acct);
	}
	ta_wipe(j, sizeof(*j));
	free(j);
	ta__srv_kick_schedule(srv); /* a connection may wait for max-inflight */
}

/* job->end: the job's response to its connection, if it still has one,
 * then the job freed (ta_job_finish() has written its audit record). */
static void
job_end(struct ta_job *j)
{
	struct ta_conn *c = j->conn;

	if (c != NULL && j->resp != NULL && ta_buf_len(j->resp) > 0) {
		ta__srv_conn_send(c, j->resp);
		j->resp = NULL;
	} else if (c != NULL) {
		out_flush(c); /* the rest of its worker's short send, if any */
	}
	job_free(j);
	if (c != NULL)
		ta__srv_conn_check_done(c);
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
		ta__srv_conn_close(c);
		return;
	}
	if (c->out_paused && !c->closing &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) <= OUT_PAUSE / 2) {
		c->out_paused = false;
		ta__srv_conn_read_resume(c);
	}
	ta__srv_conn_check_done(c);
}

/* Takes b (one or more encoded frames). */
void
ta__srv_conn_send(struct ta_conn *c, struct ta_buf *b)
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
		ta__srv_conn_close(c);
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
		ta__srv_conn_close(c);
	}
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

void
ta__srv_conn_close(struct ta_conn *c)
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
	ta__srv_waitq_remove(c);
	ta__srv_conn_big_drop(c);
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
void
ta__srv_conn_check_done(struct ta_conn *c)
{
	if (c->closing || !(c->eof || c->srv->ag->stopping))
		return;
	if (c->inflight == 0 && c->writes == 0)
		ta__srv_conn_close(c);
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
		ta__srv_conn_close(c);
		return;
	}
	if (c->inflight > 0 || c->writes > 0 || c->waiting)
		return; /* uv_timer_again() rearms it with the repeat value */
	log_debug(
	    "conn %llu: idle for %u s; connection closed", c->num, c->srv->ag->cfg->idle_timeout);
	ta__srv_conn_close(c);
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
		ta__srv_conn_close(c);
		return;
	}
	if (peer_creds(c) != 0) {
		log_warn("accept: SO_PEERCRED: %s; connection closed", strerror(errno));
		ta__srv_conn_close(c);
		return;
	}
	if (srv->n_conns > ag->cfg->max_clients) {
		log_warn("peer uid %u pid %d refused: %u clients connected (max-clients); "
			 "connection closed",
		    (unsigned)c->peer.uid, (int)c->peer.pid, ag->cfg->max_clients);
		ta__srv_conn_close(c);
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
		ta__srv_conn_close(c);
		return;
	}
	if ((c->acct = ta_budget_acct(&srv->budget, c->peer.uid)) == NULL ||
	    (c->in = ta_buf_new(IN_MAX)) == NULL || uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    (c->out = out_new(fd)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "accept");
		ta__srv_conn_close(c);
		return;
	}
	log_debug("conn %llu: peer uid %u gid %u pid %d", c->num, (unsigned)c->peer.uid,
	    (unsigned)c->peer.gid, (int)c->peer.pid);
	if (ag->cfg->idle_timeout > 0) {
		uint64_t ms = (uint64_t)ag->cfg->idle_timeout * 1000;

		(void)uv_timer_start(&c->idle, idle_cb, ms, ms);
	}
	if ((r = uv_read_start((uv_stream_t *)&c->pipe, ta__srv_alloc_cb, ta__srv_read_cb)) != 0) {
		log_warn("conn %llu: read: %s", c->num, uv_strerror(r));
		ta__srv_conn_close(c);
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
		ta__srv_conn_check_done(c);
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
