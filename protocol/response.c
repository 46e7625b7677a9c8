/* Encoders: responses, errors and notices from the agent, requests from a
 * client.  Each appends one frame or nothing. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

#define ERRS_MAX 11

/* PROTOCOL.md, "Errors": each code, its message, the TA_ERR_* reported with
 * it, and the one a client falls back on (primary) when data.name is not a
 * name it knows. */
static const struct {
	int code;
	const char *message;
	int primary;
	int errs[ERRS_MAX]; /* ended by TA_OK */
} codes[] = {
    {TA_PROTO_E_PARSE, "parse error", TA_ERR_PROTOCOL, {TA_OK}},
    {TA_PROTO_E_INVALID_REQUEST, "invalid request", TA_ERR_PROTOCOL, {TA_ERR_PROTOCOL, TA_OK}},
    {TA_PROTO_E_METHOD_NOT_FOUND, "method not found", TA_ERR_UNSUPPORTED, {TA_OK}},
    {TA_PROTO_E_INVALID_PARAMS, "invalid params", TA_ERR_INVALID,
	{TA_ERR_INVALID, TA_ERR_TOO_LARGE, TA_ERR_TRUNCATED, TA_ERR_TRAILING, TA_ERR_AMBIGUOUS,
	    TA_OK}},
    {TA_PROTO_E_INTERNAL, "internal error", TA_ERR_INTERNAL,
	{TA_ERR_INTERNAL, TA_ERR_NOMEM, TA_ERR_SYSTEM, TA_ERR_CRYPTO, TA_ERR_PKCS11,
	    TA_ERR_MODULE_LOAD, TA_OK}},
    {TA_PROTO_E_NOT_AUTHORIZED, "not authorized", TA_ERR_NOT_AUTHORIZED,
	{TA_ERR_NOT_AUTHORIZED, TA_OK}},
    {TA_PROTO_E_TOKEN_ABSENT, "token absent", TA_ERR_TOKEN_ABSENT,
	{TA_ERR_TOKEN_ABSENT, TA_ERR_TOKEN_NOT_INIT, TA_OK}},
    {TA_PROTO_E_TOKEN_LOCKED, "token locked", TA_ERR_NOT_LOGGED_IN,
	{TA_ERR_NOT_LOGGED_IN, TA_ERR_PIN_REQUIRED, TA_OK}},
    {TA_PROTO_E_PIN_INCORRECT, "PIN incorrect", TA_ERR_PIN_INCORRECT,
	{TA_ERR_PIN_INCORRECT, TA_ERR_PIN_COUNT_LOW, TA_ERR_PIN_LEN_RANGE, TA_OK}},
    {TA_PROTO_E_PIN_LOCKED, "PIN locked", TA_ERR_PIN_LOCKED,
	{TA_ERR_PIN_LOCKED, TA_ERR_PIN_EXPIRED, TA_OK}},
    {TA_PROTO_E_KEY_NOT_FOUND, "key not found", TA_ERR_KEY_NOT_FOUND,
	{TA_ERR_KEY_NOT_FOUND, TA_ERR_NOT_FOUND, TA_OK}},
    {TA_PROTO_E_POLICY, "refused by policy", TA_ERR_POLICY, {TA_ERR_POLICY, TA_OK}},
    {TA_PROTO_E_BUSY, "busy", TA_ERR_TOKEN_BUSY, {TA_ERR_TOKEN_BUSY, TA_OK}},
    {TA_PROTO_E_TIMEOUT, "timed out", TA_ERR_TIMEOUT, {TA_ERR_TIMEOUT, TA_ERR_CANCELLED, TA_OK}},
    {TA_PROTO_E_UNSUPPORTED, "unsupported", TA_ERR_UNSUPPORTED,
	{TA_ERR_UNSUPPORTED, TA_ERR_KEY_TYPE, TA_ERR_READ_ONLY, TA_OK}},
    {TA_PROTO_E_METADATA, "metadata rejected", TA_ERR_FORMAT,
	{TA_ERR_FORMAT, TA_ERR_VERIFY, TA_ERR_EXPIRED, TA_ERR_KEY_WEAK, TA_ERR_CERT_LEAF,
	    TA_ERR_CERT_CN, TA_ERR_CERT_DATES, TA_ERR_CERT_NOT_YET_VALID, TA_ERR_CERT_EXPIRED,
	    TA_ERR_CERT_SHA1, TA_OK}},
    {TA_PROTO_E_PIN_FINAL_TRY, "PIN final try: unlock interactively", TA_ERR_PIN_FINAL_TRY,
	{TA_ERR_PIN_FINAL_TRY, TA_OK}},
    {TA_PROTO_E_EXISTS, "already exists", TA_ERR_EXISTS, {TA_ERR_EXISTS, TA_OK}},
};

#define N_CODES (sizeof(codes) / sizeof(codes[0]))

int
ta_proto_error_code(int err)
{
	for (size_t i = 0; err != TA_OK && i < N_CODES; i++)
		for (size_t j = 0; j < ERRS_MAX && codes[i].errs[j] != TA_OK; j++)
			if (codes[i].errs[j] == err)
				return codes[i].code;
	return TA_PROTO_E_INTERNAL;
}

int
ta_proto_error_err(int code)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (codes[i].code == code)
			return codes[i].primary;
	return TA_ERR_PROTOCOL;
}

const char *
ta_proto_error_message(int code)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (codes[i].code == code)
			return codes[i].message;
	return NULL;
}

/* ---- building ------------------------------------------------------------------ */

static bool
id_ok(const struct ta_proto_id *id, bool null_ok)
{
	json_t *v;

	if (id == NULL || id->kind == TA_PROTO_ID_NULL)
		return null_ok;
	if ((v = ta__proto_id_json(id)) == NULL)
		return false;
	json_decref(v);
	return true;
}

/* A new {"jsonrpc":"2.0","id":ID} (id checked by the caller), or NULL. */
static json_t *
envelope(const struct ta_proto_id *id)
{
	json_t *msg = json_object();

	if (msg == NULL || json_object_set_new(msg, "jsonrpc", json_string("2.0")) != 0 ||
	    json_object_set_new(msg, "id", ta__proto_id_json(id)) != 0) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

/* Puts msg (NULL after an OOM while building it) into a frame; frees it. */
static int
finish(struct ta_buf *out, json_t *msg)
{
	int r = msg != NULL ? ta__proto_put_frame(out, msg) : TA_ERR_NOMEM;

	json_decref(msg);
	return r;
}

int
ta_proto_encode_result(struct ta_buf *out, const struct ta_proto_id *id, json_t *result)
{
	json_t *msg = NULL;

	if (out == NULL || !json_is_object(result) || !id_ok(id, false))
		return TA_ERR_INVALID;
	if ((msg = envelope(id)) != NULL && json_object_set(msg, "result", result) != 0) {
		json_decref(msg);
		msg = NULL;
	}
	return finish(out, msg);
}

int
ta_proto_encode_error(
    struct ta_buf *out, const struct ta_proto_id *id, int code, int err, const char *detail)
{
	char text[TA_PROTO_DETAIL_MAX + 1];
	json_t *msg = NULL, *e = NULL, *data = NULL;
	int r;

	if (out == NULL || !id_ok(id, true))
		return TA_ERR_INVALID;
	if (err >= TA_OK)
		err = TA_ERR_INTERNAL;
	if (code == 0)
		code = ta_proto_error_code(err);
	if (ta_proto_error_message(code) == NULL)
		return TA_ERR_INVALID;
	ta__proto_sanitize(text, sizeof(text), detail != NULL ? detail : ta_strerror(err));

	if ((msg = envelope(id)) == NULL || (e = json_object()) == NULL ||
	    (data = json_object()) == NULL ||
	    json_object_set_new(data, "name", json_string(ta_errname(err))) != 0 ||
	    json_object_set_new(data, "detail", json_string(text)) != 0 ||
	    json_object_set_new(e, "code", json_integer(code)) != 0 ||
	    json_object_set_new(e, "message", json_string(ta_proto_error_message(code))) != 0 ||
	    json_object_set(e, "data", data) != 0 || json_object_set(msg, "error", e) != 0) {
		json_decref(msg);
		msg = NULL;
	}
	r = finish(out, msg);
	json_decref(e);
	json_decref(data);
	return r;
}

int
ta_proto_encode_fault(struct ta_buf *out, const struct ta_proto_fault *f)
{
	if (f == NULL)
		return TA_ERR_INVALID;
	return ta_proto_encode_error(out, &f->id, f->code, f->err, f->detail);
}

int
ta_proto_encode_notice(struct ta_buf *out, const struct ta_proto_id *id, enum ta_proto_notice kind)
{
	return ta_proto_encode_notice_msg(out, id, kind, NULL);
}

int
ta_proto_encode_notice_msg(struct ta_buf *out, const struct ta_proto_id *id,
    enum ta_proto_notice kind, const char *message)
{
	json_t *msg = NULL, *params = NULL;
	int r;

	if (out == NULL || kind != TA_PROTO_NOTICE_TOUCH || !id_ok(id, false))
		return TA_ERR_INVALID;
	if (message == NULL || message[0] == '\0')
		message = "touch your key or check its PIN pad";
	if (strlen(message) > TA_PROTO_MESSAGE_MAX)
		return TA_ERR_TOO_LARGE;
	if ((msg = json_object()) == NULL || (params = json_object()) == NULL ||
	    json_object_set_new(msg, "jsonrpc", json_string("2.0")) != 0 ||
	    json_object_set_new(msg, "method", json_string("notice")) != 0 ||
	    json_object_set_new(params, "id", ta__proto_id_json(id)) != 0 ||
	    json_object_set_new(params, "kind", json_string("touch")) != 0 ||
	    json_object_set_new(params, "message", json_string(message)) != 0 ||
	    json_object_set(msg, "params", params) != 0) {
		json_decref(msg);
		msg = NULL;
	}
	r = finish(out, msg);
	json_decref(params);
	return r;
}

/* A result object built by one of protocol/result.c's encoders, framed. */
static int
encode_built(struct ta_buf *out, const struct ta_proto_id *id, int r, json_t *res)
{
	if (r == 0)
		r = ta_proto_encode_result(out, id, res);
	json_decref(res);
	return r;
}

int
ta_proto_encode_hello_result(
    struct ta_buf *out, const struct ta_proto_id *id, uint32_t version, const char *agent)
{
	json_t *res = NULL;
	int r;

	if (out == NULL)
		return TA_ERR_INVALID;
	r = ta_proto_hello_result_json(version, agent, &res);
	return encode_built(out, id, r, res);
}

/* ---- sign's result, written directly ------------------------------------------ */

/* sign's response is the agent's hot path, and most of it is the signed file
 * as one JSON string: it is written here byte for byte as the tree form
 * (ta_proto_sign_result_json() framed by ta_proto_encode_result(), that is
 * jansson's JSON_COMPACT dump) would write it, without building the tree or
 * dumping it twice (once to size it).  tests/unit/test_protocol_encode.c
 * compares the two. */

/* What jansson writes for a character below 0x20, '"' and '\\' (the rest of
 * valid UTF-8 is written as it is). */
static size_t
json_esc_len(uint8_t c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
	    c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/* The length of s[0..n) as a JSON string, quotes included. */
static size_t
json_str_len(const char *s, size_t n)
{
	size_t len = 2;

	for (size_t i = 0; i < n; i++)
		len += json_esc_len((uint8_t)s[i]);
	return len;
}

static uint8_t *
json_str_put(uint8_t *p, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		char e = 0;

		if (json_esc_len(c) == 1) {
			run++;
			continue;
		}
		memcpy(p, s + i - run, run);
		p += run;
		run = 0;
		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: break;
		}
		*p++ = '\\';
		if (e != 0) {
			*p++ = (uint8_t)e;
		} else {
			p[0] = 'u';
			p[1] = '0';
			p[2] = '0';
			p[3] = (uint8_t)hex[c >> 4];
			p[4] = (uint8_t)hex[c & 15];
			p += 5;
		}
	}
	memcpy(p, s + n - run, run);
	p += run;
	*p++ = '"';
	return p;
}

/* Bytes, not a string: the frame has no terminator. */
static uint8_t *
put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

#define PUT_LIT(p, lit) put_bytes((p), (lit), sizeof(lit) - 1)

int
ta_proto_encode_sign_result(
    struct ta_buf *out, const struct ta_proto_id *id, const struct ta_proto_sign_result *res)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":", file[] = ",\"result\":{\"file\":",
			  keyids[] = ",\"keyids\":[", sha[] = "],\"sha256\":", tail[] = "}}";
	char num[24];
	size_t n, id_len;
	uint8_t *p = NULL, *q;
	int r;

	if (out == NULL || !ta__proto_sign_result_ok(res) || !id_ok(id, false))
		return TA_ERR_INVALID;
	if (id->kind == TA_PROTO_ID_INT)
		id_len = (size_t)snprintf(num, sizeof(num), "%lld", (long long)id->num);
	else
		id_len = json_str_len(id->str, id->len);
	/* Every part but the file is bounded (a 64 KiB id at most), so only
	 * the file's length can overflow anything: it is below
	 * TA_PROTO_MAX_FRAME, and each byte takes 6 at most. */
	n = sizeof(head) - 1 + id_len + sizeof(file) - 1 + json_str_len(res->file, res->file_len) +
	    sizeof(keyids) - 1 + res->n_keyids * (TA_PROTO_KEYID_LEN + 3) - 1 + sizeof(sha) - 1 +
	    TA_PROTO_KEYID_LEN + 2 + sizeof(tail) - 1;
	if ((r = ta__proto_frame_reserve(out, n, &p)) != 0)
		return r;
	q = PUT_LIT(p + TA_PROTO_FRAME_HDR, head);
	if (id->kind == TA_PROTO_ID_INT) {
		memcpy(q, num, id_len);
		q += id_len;
	} else {
		q = json_str_put(q, id->str, id->len);
	}
	q = PUT_LIT(q, file);
	q = json_str_put(q, res->file, res->file_len);
	q = PUT_LIT(q, keyids);
	for (size_t i = 0; i < res->n_keyids; i++) {
		if (i > 0)
			*q++ = ',';
		q = json_str_put(q, res->keyids[i], TA_PROTO_KEYID_LEN);
	}
	q = PUT_LIT(q, sha);
	q = json_str_put(q, res->sha256, TA_PROTO_KEYID_LEN);
	q = PUT_LIT(q, tail);
	if ((size_t)(q - p) != TA_PROTO_FRAME_HDR + n) { /* cannot happen: sized above */
		r = ta_buf_consume_end(out, TA_PROTO_FRAME_HDR + n); /* wipes them */
		(void)r;
		return TA_ERR_INTERNAL;
	}
	return 0;
}

int
ta_proto_encode_request(
    struct ta_buf *out, const struct ta_proto_id *id, enum ta_proto_method m, json_t *params)
{
	const char *name = ta_proto_method_name(m);
	json_t *msg = NULL;

	if (out == NULL || name == NULL || (params != NULL && !json_is_object(params)) ||
	    !id_ok(id, false))
		return TA_ERR_INVALID;
	if ((msg = envelope(id)) == NULL ||
	    json_object_set_new(msg, "method", json_string(name)) != 0 ||
	    (params != NULL && json_object_set(msg, "params", params) != 0)) {
		json_decref(msg);
		msg = NULL;
	}
	return finish(out, msg);
}
