/* tufctl's connection to tuf-agent (client/agentconn.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "client/agentconn.h"
#include "client/tufctl.h"
#include "common/buf.h"
#include "common/err.h"
#include "protocol/proto.h"

#define AGENT_READ_CHUNK ((size_t)64 << 10)
#define AGENT_SOCK_DEFAULT "/run/tuf-agent/agent.sock"
#define AGENT_SOCK_USER "/tuf-agent/agent.sock"

struct tufctl_agent {
	int fd;
	const char *path;
	enum ta_proto_method method; /* of the request in flight */
	struct ta_proto_id id;       /* its id */
	int64_t next_id;
	struct ta_buf *in;  /* frames from the agent, wiped when drained */
	struct ta_buf *out; /* the request being sent, wiped once sent */
	struct ta_proto_hello_result hello;
	int err; /* why the last request failed, when the agent or its bytes said */
};

const char *
tufctl_agent_path(void)
{
	static char user[4096];
	const char *s;

	if (tufctl.socket != NULL)
		return tufctl.socket;
	if ((s = secure_getenv("TUF_AGENT_SOCK")) != NULL && *s != '\0')
		return s;
	if ((s = secure_getenv("XDG_RUNTIME_DIR")) != NULL && *s != '\0') {
		int n = snprintf(user, sizeof(user), "%s%s", s, AGENT_SOCK_USER);

		/* Too long for a buffer is too long for a socket too: connect()
		 * reports it with the (cut) path. */
		if (n > 0)
			return user;
	}
	return AGENT_SOCK_DEFAULT;
}

static int
agent_connect(struct tufctl_agent *a)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(a->path);
	const char *hint = "is tuf-agent running? (see --socket, $TUF_AGENT_SOCK)";

	if (len == 0 || len >= sizeof(sun.sun_path))
		return tufctl_fail("cannot connect to the agent at %s: the path is longer than "
				   "%zu bytes; give a shorter one with --socket",
		    a->path, sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, a->path, len + 1);
	if ((a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return tufctl_fail("cannot create a socket: %s", strerror(errno));
	while (connect(a->fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EACCES || errno == EPERM)
			hint = "ask for access to the agent's socket (its group), or see --socket, "
			       "$TUF_AGENT_SOCK";
		return tufctl_fail(
		    "cannot connect to the agent at %s: %s; %s", a->path, strerror(errno), hint);
	}
	return TUFCTL_OK;
}

/* The whole output buffer onto the socket; the buffer is wiped either way. */
static int
agent_flush(struct tufctl_agent *a)
{
	const uint8_t *p = ta_buf_ptr(a->out);
	size_t n = ta_buf_len(a->out);
	ssize_t w;
	int ret = TUFCTL_OK;

	while (n > 0) {
		if ((w = send(a->fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				ret = tufctl_fail("the agent at %s closed the connection while tufctl "
						  "was sending %s (the agent drops a request over "
						  "its max-frame setting); see the agent's log",
				    a->path, ta_proto_method_name(a->method));
			else
				ret = tufctl_fail("sending %s to the agent at %s: %s",
				    ta_proto_method_name(a->method), a->path, strerror(errno));
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	ta_buf_reset(a->out);
	return ret;
}

/* Reads until a whole frame is buffered and takes it: *ret_json points at
 * its payload inside a->in, valid until the next read. */
static int
agent_read_frame(struct tufctl_agent *a, const uint8_t **ret_json, size_t *ret_len)
{
	const char *what = ta_proto_method_name(a->method);
	uint8_t *p;
	size_t n;
	ssize_t got;
	int r;

	for (;;) {
		r = ta_proto_frame_take(a->in, TA_PROTO_MAX_FRAME, ret_json, ret_len);
		if (r == 0)
			return TUFCTL_OK;
		if (r == TA_ERR_TOO_LARGE)
			return tufctl_fail("the agent at %s sent a frame over the %zu-byte limit "
					   "while answering %s; is it a tuf-agent socket?",
			    a->path, TA_PROTO_MAX_FRAME, what);
		if (r == TA_ERR_PROTOCOL)
			return tufctl_fail("the agent at %s sent an empty frame while answering "
					   "%s; is it a tuf-agent socket?",
			    a->path, what);
		if (r != TA_ERR_TRUNCATED)
			return tufctl_fail("reading from the agent at %s: %s", a->path,
			    ta_strerror(r));
		/* A partial frame is at most 4 + 64 MiB: there is always room. */
		n = ta_buf_avail(a->in);
		if (n > AGENT_READ_CHUNK)
			n = AGENT_READ_CHUNK;
		if (n == 0 || (r = ta_buf_reserve(a->in, n, &p)) != 0)
			return tufctl_fail("reading from the agent at %s: %s", a->path,
			    ta_strerror(n == 0 ? TA_ERR_TOO_LARGE : r));
		do
			got = read(a->fd, p, n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return tufctl_fail("reading the answer to %s from the agent at %s: %s", what,
			    a->path, strerror(errno));
		if (ta_buf_consume_end(a->in, n - (size_t)got) != 0)
			return tufctl_fail("reading from the agent at %s: %s", a->path,
			    ta_strerror(TA_ERR_INTERNAL));
		if (got == 0)
			return tufctl_fail("the agent at %s closed the connection before answering "
					   "%s; see the agent's log",
			    a->path, what);
	}
}

static int
agent_print_error(const struct tufctl_agent *a, const struct ta_proto_resp *resp)
{
	const char *name = resp->error.name[0] ? resp->error.name : ta_errname(resp->error.err);
	const char *detail =
	    resp->error.detail[0] ? resp->error.detail : ta_strerror(resp->error.err);

	const char *over = strstr(detail, "over max-expiry ");
	char *end = NULL;
	long long n = 0;

	/* The agent says "expires 1095d from now, over max-expiry 90d": the
	 * refusal names the option that fits the rule. */
	if (over != NULL && over[16] >= '0' && over[16] <= '9') {
		errno = 0;
		n = strtoll(over + 16, &end, 10);
		if (errno != 0)
			n = 0;
	}
	if (resp->error.err == TA_ERR_POLICY && tufctl.expiry_option != NULL && n > 0) {
		char unit = *end;
		long long days = unit == 'd' ? n : unit == 'h' ? n / 24 : unit == 's' ? n / 86400 : 0;

		if (days > 0)
			return tufctl_fail("%s: %s (%s): %s; sign for at most that: give %s %lld",
			    ta_proto_method_name(a->method), resp->error.message, name, detail,
			    tufctl.expiry_option, days);
	}
	return tufctl_fail("%s: %s (%s): %s", ta_proto_method_name(a->method),
	    resp->error.message, name, detail);
}

int
tufctl_agent_wait(struct tufctl_agent *a, json_t **ret_result)
{
	struct ta_proto_resp *resp = NULL;
	const uint8_t *json;
	size_t len;
	int r, ret = TUFCTL_FAIL;

	for (;;) {
		if (agent_read_frame(a, &json, &len) != 0)
			goto out;
		r = ta_proto_decode_response(json, len, &resp);
		if (ta_buf_len(a->in) == 0)
			ta_buf_reset(a->in);
		if (r != 0) {
			a->err = r == TA_ERR_NOMEM ? r : TA_ERR_PROTOCOL;
			(void)tufctl_fail("the agent at %s sent a malformed message while answering "
					  "%s (%s); is it a tuf-agent speaking protocol version %d?",
			    a->path, ta_proto_method_name(a->method),
			    ta_errname(r == TA_ERR_NOMEM ? r : TA_ERR_PROTOCOL), TA_PROTO_VERSION);
			goto out;
		}
		switch (resp->kind) {
		case TA_PROTO_MSG_NOTICE:
			/* Any kind: the message is text for a human, and a kind
			 * this version does not know changes nothing else. */
			if (ta_proto_id_equal(&resp->id, &a->id)) {
				(void)fprintf(stderr, "tufctl: %s\n", resp->notice.message);
				(void)fflush(stderr);
			}
			break;
		case TA_PROTO_MSG_ERROR:
			/* A null id: the agent could not read ours; only one
			 * request is ever in flight, so it is ours. */
			if (resp->id.kind == TA_PROTO_ID_NULL || ta_proto_id_equal(&resp->id, &a->id)) {
				a->err = resp->error.err;
				(void)agent_print_error(a, resp);
				goto out;
			}
			break;
		case TA_PROTO_MSG_RESULT:
			if (ta_proto_id_equal(&resp->id, &a->id)) {
				*ret_result = json_incref(resp->result);
				ret = TUFCTL_OK;
				goto out;
			}
			break;
		}
		ta_proto_resp_free(resp);
		resp = NULL;
	}
out:
	ta_proto_resp_free(resp);
	return ret;
}

int
tufctl_agent_send(struct tufctl_agent *a, json_t *params)
{
	int r;

	if ((r = ta_proto_id_int(a->next_id++, &a->id)) != 0)
		return tufctl_fail("%s: %s", ta_proto_method_name(a->method), ta_strerror(r));
	if ((r = ta_proto_encode_request(a->out, &a->id, a->method, params)) != 0) {
		if (r == TA_ERR_TOO_LARGE)
			return tufctl_fail("%s: the request is larger than the protocol's %zu-byte "
					   "frame limit",
			    ta_proto_method_name(a->method), TA_PROTO_MAX_FRAME);
		return tufctl_fail("%s: cannot build the request: %s",
		    ta_proto_method_name(a->method), ta_strerror(r));
	}
	return agent_flush(a);
}

int
tufctl_agent_call(struct tufctl_agent *a, json_t *params, json_t **ret_result)
{
	if (tufctl_agent_send(a, params) != 0)
		return TUFCTL_FAIL;
	return tufctl_agent_wait(a, ret_result);
}

int
tufctl_agent_request(struct tufctl_agent *a, json_t *params, json_t **ret_result)
{
	a->err = 0;
	if (tufctl_agent_call(a, params, ret_result) == TUFCTL_OK)
		return 0;
	return a->err != 0 ? a->err : TA_ERR_SYSTEM;
}

enum ta_proto_method
tufctl_agent_method(const struct tufctl_agent *a)
{
	/* Never NULL: agent_api.c opens a connection when it was given none. */
	// cppcheck-suppress ctunullpointer
	return a->method;
}

static int
agent_hello(struct tufctl_agent *a, enum ta_proto_method m)
{
	struct ta_proto_hello h = {
	    .versions = {TA_PROTO_VERSION}, .n_versions = 1, .client = "tufctl " TA_VERSION};
	json_t *params = NULL, *result = NULL;
	int r, ret = TUFCTL_FAIL;

	a->method = TA_PROTO_METHOD_HELLO;
	if ((r = ta_proto_hello_params(&h, &params)) != 0) {
		(void)tufctl_fail("hello: %s", ta_strerror(r));
		goto out;
	}
	if (tufctl_agent_call(a, params, &result) != 0)
		goto out;
	if (ta_proto_decode_hello_result(result, &a->hello) != 0) {
		(void)tufctl_fail("the agent at %s sent a malformed hello result (%s); is it a "
				  "tuf-agent speaking protocol version %d?",
		    a->path, ta_errname(TA_ERR_PROTOCOL), TA_PROTO_VERSION);
		goto out;
	}
	if (a->hello.version != TA_PROTO_VERSION) {
		(void)tufctl_fail("the agent at %s (%s) chose protocol version %u; tufctl speaks "
				  "version %d",
		    a->path, a->hello.agent, a->hello.version, TA_PROTO_VERSION);
		goto out;
	}
	if ((a->hello.methods & (1u << m)) == 0) {
		(void)tufctl_fail("the agent at %s (%s) does not offer %s; upgrade it", a->path,
		    a->hello.agent, ta_proto_method_name(m));
		goto out;
	}
	a->method = m;
	ret = TUFCTL_OK;
out:
	json_decref(params);
	json_decref(result);
	return ret;
}

int
tufctl_agent_open(enum ta_proto_method m, struct tufctl_agent **ret_a)
{
	struct tufctl_agent *a = NULL;
	int ret = TUFCTL_FAIL;

	if (ta_proto_method_name(m) == NULL || m == TA_PROTO_METHOD_HELLO)
		return tufctl_fail("internal error: no such method");
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		(void)tufctl_fail("connecting to the agent: %s", ta_strerror(TA_ERR_NOMEM));
		goto out;
	}
	a->fd = -1;
	a->next_id = 1;
	a->path = tufctl_agent_path();
	a->method = m;
	if ((a->in = ta_buf_new(TA_BUF_MAX)) == NULL ||
	    (a->out = ta_buf_new(TA_BUF_MAX)) == NULL) {
		(void)tufctl_fail("connecting to the agent: %s", ta_strerror(TA_ERR_NOMEM));
		goto out;
	}
	if (agent_connect(a) != 0 || agent_hello(a, m) != 0)
		goto out;
	*ret_a = a;
	a = NULL;
	ret = TUFCTL_OK;
out:
	tufctl_agent_close(a);
	return ret;
}

void
tufctl_agent_close(struct tufctl_agent *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		(void)close(a->fd);
	ta_buf_free(a->in);
	ta_buf_free(a->out);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

const char *
tufctl_agent_name(const struct tufctl_agent *a)
{
	return a->hello.agent;
}
