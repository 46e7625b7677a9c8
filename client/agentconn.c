/* tufctl's connection to tuf-agent (client/agentconn.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
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
	json_t *params;       /* the request in flight's (never unlock's: a PIN), for
				 error texts in the user's words */
	struct timespec sent; /* when it was sent, for --verbose */
};

/* ---- the user's words ---------------------------------------------------------- */

/* A string member of the request in flight, or NULL. */
static const char *
param_text(const struct tufctl_agent *a, const char *name, long index)
{
	const json_t *v = json_object_get(a->params, name);

	if (index >= 0)
		v = json_array_get(v, (size_t)index);
	return json_string_value(v);
}

/* What a request is, for humans ("key 'L'", "signing targets"), instead of
 * the protocol's method name ("key.show"). */
static const char *
method_words(const struct tufctl_agent *a, char *buf, size_t cap)
{
	const char *key = param_text(a, "key", -1), *v;

	switch (a->method) {
	case TA_PROTO_METHOD_HELLO:
		return "the agent";
	case TA_PROTO_METHOD_KEY_LIST:
		return "key list";
	case TA_PROTO_METHOD_KEY_SHOW:
		if (key == NULL)
			return "key show";
		(void)snprintf(buf, cap, "key '%s'", key);
		return buf;
	case TA_PROTO_METHOD_KEY_CERT:
		if (key == NULL)
			return "key cert";
		(void)snprintf(buf, cap, "certificate of key '%s'", key);
		return buf;
	case TA_PROTO_METHOD_KEY_SCOPE:
		if (key == NULL)
			return "key scope";
		(void)snprintf(buf, cap, "scope of key '%s'", key);
		return buf;
	case TA_PROTO_METHOD_KEY_GENERATE:
		if ((v = param_text(a, "label", -1)) == NULL)
			return "key generate";
		(void)snprintf(buf, cap, "new key '%s'", v);
		return buf;
	case TA_PROTO_METHOD_SIGN:
		if ((v = param_text(a, "role", -1)) == NULL)
			return "sign";
		(void)snprintf(buf, cap, "signing %s", v);
		return buf;
	default:
		(void)snprintf(buf, cap, "%s", ta_proto_method_name(a->method));
		for (char *p = buf; *p != '\0'; p++)
			if (*p == '.' || *p == '_')
				*p = ' ';
		return buf;
	}
}

/* One member path of a request ("params.keys[0]", "params.file"), in
 * words: the value the user gave where it is one (never the PIN). */
static void
member_words(const struct tufctl_agent *a, const char *name, long index, char *out, size_t cap)
{
	static const struct {
		const char *name, *words;
	} fixed[] = {
		{ "file", "the file" }, { "prev_root", "the previous root" },
		{ "parent", "the delegating file" }, { "pin", "the PIN" },
		{ "profile", "the profile" }, { "type", "the key type" },
		{ "days", "the number of days" }, { "store", "--store" },
		{ "scope", "the scope" }, { "add", "the scope" },
		{ "versions", "the protocol versions" }, { "keys", "the keys" },
	};
	static const struct {
		const char *name, *what;
	} valued[] = {
		{ "key", "key" }, { "keys", "key" }, { "label", "label" }, { "token", "token" },
		{ "gun", "GUN" }, { "role", "role" },
	};
	const char *v;

	if (strcmp(name, "pin") != 0)
		for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
			if (strcmp(name, valued[i].name) == 0 &&
			    (v = param_text(a, name, index)) != NULL) {
				(void)snprintf(out, cap, "%s '%s'", valued[i].what, v);
				return;
			}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i].name) == 0) {
			(void)snprintf(out, cap, "%s", fixed[i].words);
			return;
		}
	(void)snprintf(out, cap, "the %s", name);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
}

/* text with every protocol path ("params.keys[0]", "params.file", a
 * leading "id") in the user's words (member_words()), into out. */
static void
detail_words(const struct tufctl_agent *a, const char *text, char *out, size_t cap)
{
	size_t o = 0;

	if (strncmp(text, "id:", 3) == 0) {
		o = (size_t)snprintf(out, cap, "the request's id");
		text += 2;
	}
	while (*text != '\0' && o + 1 < cap) {
		if (strncmp(text, "params.", 7) == 0 && text[7] >= 'a' && text[7] <= 'z') {
			char name[64], words[512];
			size_t n = strspn(text + 7, "abcdefghijklmnopqrstuvwxyz_");
			long index = -1;

			(void)snprintf(name, sizeof(name), "%.*s", (int)n, text + 7);
			text += 7 + n;
			if (*text == '[') {
				index = strtol(text + 1, NULL, 10);
				text += 1 + strcspn(text + 1, "]");
				text += *text == ']';
			}
			/* Deeper members ("params.scope.guns[2]") are their member's. */
			while (*text == '.' || *text == '[') {
				text++;
				text += strspn(text, "abcdefghijklmnopqrstuvwxyz_0123456789]");
			}
			member_words(a, name, index, words, sizeof(words));
			o += (size_t)snprintf(out + o, cap - o, "%s", words);
			if (o >= cap)
				o = cap - 1;
			continue;
		}
		out[o++] = *text++;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* method_words() in a compound literal's buffer: valid to the end of the
 * full expression's block. */
#define METHOD_WORDS(a) method_words((a), (char[512]){0}, 512)

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

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
	const char *hint = "is tuf-agent running? (see --socket, $TUF_AGENT_SOCK; under systemd: "
			   "systemctl status tuf-agent.socket, journalctl -u tuf-agent)";

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
				    a->path, METHOD_WORDS(a));
			else
				ret = tufctl_fail("sending %s to the agent at %s: %s",
				    METHOD_WORDS(a), a->path, strerror(errno));
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
	const char *what = METHOD_WORDS(a);
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
		if (got < 0 && errno == ECONNRESET)
			got = 0;
		if (got < 0)
			return tufctl_fail("reading the answer to %s from the agent at %s: %s", what,
			    a->path, strerror(errno));
		if (ta_buf_consume_end(a->in, n - (size_t)got) != 0)
			return tufctl_fail("reading from the agent at %s: %s", a->path,
			    ta_strerror(TA_ERR_INTERNAL));
		/* A socket-activated agent that dies at start (a bad
		 * configuration) closes its first connection unanswered. */
		if (got == 0)
			return tufctl_fail("the agent at %s closed the connection before answering "
					   "%s; see the agent's log (under systemd: journalctl -u "
					   "tuf-agent; tuf-agent --check-config FILE finds a bad "
					   "configuration)",
			    a->path, what);
	}
}

static int
agent_print_error(const struct tufctl_agent *a, const struct ta_proto_resp *resp)
{
	const char *name = resp->error.name[0] ? resp->error.name : ta_errname(resp->error.err);
	const char *raw = resp->error.detail[0] ? resp->error.detail : ta_strerror(resp->error.err);
	char detail[2 * TA_PROTO_DETAIL_MAX], mbuf[512];
	const char *what = method_words(a, mbuf, sizeof(mbuf));
	const char *over;
	char *end = NULL;
	long long n = 0;

	/* Errors in the user's words, here only: the agent's texts name
	 * the protocol's members ("params.keys[0]"), which the user never
	 * typed; the detail itself is kept. */
	detail_words(a, raw, detail, sizeof(detail));
	tufctl_error_code(name);
	over = strstr(detail, "over max-expiry ");
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
			    what, resp->error.message, name, detail, tufctl.expiry_option, days);
	}
	return tufctl_fail("%s: %s (%s): %s", what, resp->error.message, name, detail);
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
			    a->path, METHOD_WORDS(a),
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
				tufctl_verbose("agent: <- %s: error %s, %.1f ms",
				    ta_proto_method_name(a->method),
				    resp->error.name[0] ? resp->error.name : ta_errname(resp->error.err),
				    ms_since(&a->sent));
				(void)agent_print_error(a, resp);
				goto out;
			}
			break;
		case TA_PROTO_MSG_RESULT:
			if (ta_proto_id_equal(&resp->id, &a->id)) {
				tufctl_verbose("agent: <- %s: result, %.1f ms",
				    ta_proto_method_name(a->method), ms_since(&a->sent));
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

	json_decref(a->params);
	a->params = a->method == TA_PROTO_METHOD_UNLOCK ? NULL : json_incref(params);
	if ((r = ta_proto_id_int(a->next_id++, &a->id)) != 0)
		return tufctl_fail("%s: %s", METHOD_WORDS(a), ta_strerror(r));
	tufctl_verbose("agent: -> %s (id %lld, %s)", ta_proto_method_name(a->method),
	    (long long)(a->next_id - 1), a->path);
	(void)clock_gettime(CLOCK_MONOTONIC, &a->sent);
	if ((r = ta_proto_encode_request(a->out, &a->id, a->method, params)) != 0) {
		if (r == TA_ERR_TOO_LARGE)
			return tufctl_fail("%s: the request is larger than the protocol's %zu-byte "
					   "frame limit",
			    METHOD_WORDS(a), TA_PROTO_MAX_FRAME);
		return tufctl_fail("%s: cannot build the request: %s",
		    METHOD_WORDS(a), ta_strerror(r));
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
	json_decref(a->params);
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
