/* The listener and client connections: frames in, jobs made, responses
 * out, the memory budget.
 *
 * A connection (struct ta_conn, private to server.c) owns a uv_pipe_t, an
 * idle timer and a bounded input buffer whose free space alloc_cb lends to
 * libuv.  Each frame taken from it becomes a struct ta_job, which lives
 * until its response has been handed to the connection (or dropped, when
 * the peer has gone): the connection counts its jobs against max-inflight,
 * and a job whose connection closes keeps running, detached.
 *
 * Jobs themselves (queue, finish, response, audit record) are job.h's. */
#ifndef TA_AGENT_SERVER_H
#define TA_AGENT_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>


struct ta_agent;
struct ta_buf;
struct ta_conn;
struct ta_keycache;
struct ta_p11_token;
struct ta_job;
struct ta_rules;

/* Requests over 64 KiB decoded on workers at once, at most (server.c);
 * main.c adds as many threads to libuv's pool. */
#define TA_SERVER_DECODE_SLOTS 2


/* Before the tokens are opened: fails (logged) when the socket path cannot
 * be used (another agent listens there, or it is not a socket), so that a
 * second agent stops before it logs in.  Nothing to check under socket
 * activation. */
int ta_server_check(struct ta_agent *ag) __attribute__((warn_unused_result));

/* Opens the listening socket (socket activation, or ag->socket_path) and
 * starts accepting.  0 or a negative TA_ERR_* (logged). */
int ta_server_start(struct ta_agent *ag) __attribute__((warn_unused_result));

/* Draining: stops accepting and reading; every connection closes once its
 * jobs have answered and its output has been written. */
void ta_server_stop(struct ta_agent *ag);

/* Connections and jobs still alive; 0 and 0 means the server is done. */
bool ta_server_idle(const struct ta_agent *ag);

/* Closes the server's own handles (once idle) and frees it after the loop
 * ran their close callbacks; removes the socket file it made. */
void ta_server_close(struct ta_agent *ag);
void ta_server_free(struct ta_agent *ag);

#endif
