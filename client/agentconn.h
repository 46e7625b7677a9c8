/* tufctl's connection to tuf-agent: one Unix socket, protocol version 1
 * (protocol/PROTOCOL.md).
 *
 *	struct tufctl_agent *a = NULL;
 *	json_t *result = NULL;
 *	if ((r = tufctl_agent_open(TA_PROTO_METHOD_STATUS, &a)) != 0)
 *		goto out;                        (one line was printed)
 *	if ((r = tufctl_agent_call(a, params, &result)) != 0)
 *		goto out;                        (one line was printed)
 *	...
 *	json_decref(result);
 *	tufctl_agent_close(a);
 *
 * Every function here prints exactly one line on stderr when it fails
 * ("tufctl: ...": what failed and what to do) and returns TUFCTL_FAIL, so
 * that the caller only passes the status on.  Notices the agent sends about
 * the request ("touch your key or check its PIN pad") are printed on stderr
 * as "tufctl: <message>" the moment they arrive.
 *
 * Limits: every frame from the agent is at most TA_PROTO_MAX_FRAME (64 MiB)
 * whatever the agent's own max-frame; a bigger length prefix ends the
 * connection before its payload is read. */
#ifndef TA_AGENTCONN_H
#define TA_AGENTCONN_H

#include <jansson.h>

#include "protocol/proto.h"

struct tufctl_agent;

/* The socket tufctl talks to: --socket, else $TUF_AGENT_SOCK, else
 * $XDG_RUNTIME_DIR/tuf-agent/agent.sock when XDG_RUNTIME_DIR is set, else
 * /run/tuf-agent/agent.sock.  Empty variables count as unset.  Static or
 * environment storage; never NULL. */
const char *tufctl_agent_path(void);

/* Connects (SOCK_CLOEXEC) to tufctl_agent_path() and says hello with
 * version 1, for a session that will call method m: the agent must offer it.
 * Returns TUFCTL_OK and *ret_a (free with tufctl_agent_close), or
 * TUFCTL_FAIL after printing one line. */
int tufctl_agent_open(enum ta_proto_method m, struct tufctl_agent **ret_a);

/* Sends the request for the method given to tufctl_agent_open() with params
 * (an object, borrowed; NULL for none).  The encoded frame lives in a buffer
 * that is wiped as soon as it is on the socket, so once this returns the
 * caller may wipe a secret in params (unlock.pin) and free it.  TUFCTL_OK or
 * TUFCTL_FAIL (printed). */
int tufctl_agent_send(struct tufctl_agent *a, json_t *params);

/* Reads frames until the response to the request sent, printing notices
 * about it on the way.  A result: TUFCTL_OK and *ret_result, a new reference
 * to the result object (json_decref it).  An error response is printed as
 *	tufctl: <method>: <message> (<TA_ERR name>): <detail>
 * and gives TUFCTL_FAIL, as does any failure of the connection (printed). */
int tufctl_agent_wait(struct tufctl_agent *a, json_t **ret_result);

/* tufctl_agent_send() then tufctl_agent_wait(). */
int tufctl_agent_call(struct tufctl_agent *a, json_t *params, json_t **ret_result);

/* tufctl_agent_call() in common/err.h's error space: 0, or the TA_ERR_*
 * the agent answered with (data.name, else its code's), TA_ERR_PROTOCOL
 * for a malformed message, TA_ERR_SYSTEM for a failed connection.  The
 * one line is printed all the same.  client/agent_api.h builds on it. */
int tufctl_agent_request(struct tufctl_agent *a, json_t *params, json_t **ret_result);

/* The method given to tufctl_agent_open(). */
enum ta_proto_method tufctl_agent_method(const struct tufctl_agent *a);

/* Closes the connection and wipes the buffers.  NULL is a no-op. */
void tufctl_agent_close(struct tufctl_agent *a);

/* The agent's name and version from hello ("tuf-agent 0.1.0"). */
const char *tufctl_agent_name(const struct tufctl_agent *a);

#endif
