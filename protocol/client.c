/* Client side: what the agent sent -> a checked struct ta_proto_resp.  The
 * agent is trusted more than a peer, but its text still reaches a terminal:
 * the same JSON rules apply, and strings carry no control characters. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "protocol/internal.h"
#include "protocol/proto.h"

/* v is text of min..max bytes; copied to dst (max + 1 bytes). */
static bool
text_copy(const json_t *v, size_t min, size_t max, char *dst)
{
	size_t len;

	if (!json_is_string(v))
		return false;
	len = json_string_length(v);
	if (len < min || len > max || !ta__proto_text_ok(json_string_value(v), len))
		return false;
	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';
	return true;
}

/* The TA_ERR_* named name, or 0 when there is none. */
static int
err_from_name(const char *name)
{
	if (strcmp(name, "TA_ERR_UNKNOWN") == 0)
		return 0;
	for (int r = -1; r > TA_ERR_MIN_; r--)
		if (strcmp(ta_errname(r), name) == 0)
			return r;
	return 0;
}

static int
decode_notice(const json_t *root, struct ta_proto_resp *resp)
{
	static const char *const top[] = {"jsonrpc", "method", "params", NULL};
	static const char *const members[] = {"id", "kind", "message", NULL};
	const json_t *params = json_object_get(root, "params"), *v;
	const char *why = NULL;

	if (!ta__proto_only_members(root, top) || !json_is_string(json_object_get(root, "method")) ||
	    strcmp(json_string_value(json_object_get(root, "method")), "notice") != 0 ||
	    !json_is_object(params) || !ta__proto_only_members(params, members))
		return TA_ERR_PROTOCOL;
	if ((v = json_object_get(params, "id")) == NULL ||
	    ta__proto_id_read(v, &resp->id, &why) != 0 ||
	    !text_copy(json_object_get(params, "kind"), 1, TA_PROTO_NOTICE_KIND_MAX,
		resp->notice.kind_name) ||
	    !text_copy(
		json_object_get(params, "message"), 1, TA_PROTO_MESSAGE_MAX, resp->notice.message))
		return TA_ERR_PROTOCOL;
	resp->kind = TA_PROTO_MSG_NOTICE;
	resp->notice.kind = strcmp(resp->notice.kind_name, "touch") == 0 ? TA_PROTO_NOTICE_TOUCH
									 : TA_PROTO_NOTICE_OTHER;
	return 0;
}

static int
decode_error(const json_t *e, struct ta_proto_resp *resp)
{
	static const char *const members[] = {"code", "message", "data", NULL};
	static const char *const data_members[] = {"name", "detail", NULL};
	const json_t *code = json_object_get(e, "code"), *data = json_object_get(e, "data");
	int err = 0;

	if (!json_is_object(e) || !ta__proto_only_members(e, members) || !json_is_integer(code) ||
	    json_integer_value(code) < INT_MIN || json_integer_value(code) > INT_MAX ||
	    !text_copy(json_object_get(e, "message"), 1, TA_PROTO_MESSAGE_MAX, resp->error.message))
		return TA_ERR_PROTOCOL;
	resp->error.code = (int)json_integer_value(code);
	if (data != NULL) {
		if (!json_is_object(data) || !ta__proto_only_members(data, data_members))
			return TA_ERR_PROTOCOL;
		if (json_object_get(data, "name") != NULL &&
		    !text_copy(
			json_object_get(data, "name"), 1, TA_PROTO_ERRNAME_MAX, resp->error.name))
			return TA_ERR_PROTOCOL;
		if (json_object_get(data, "detail") != NULL &&
		    !text_copy(json_object_get(data, "detail"), 0, TA_PROTO_DETAIL_MAX,
			resp->error.detail))
			return TA_ERR_PROTOCOL;
	}
	if (resp->error.name[0] != '\0')
		err = err_from_name(resp->error.name);
	resp->error.err = err != 0 ? err : ta_proto_error_err(resp->error.code);
	resp->kind = TA_PROTO_MSG_ERROR;
	return 0;
}

static int
decode_reply(const json_t *root, struct ta_proto_resp *resp)
{
	static const char *const top[] = {"jsonrpc", "id", "result", "error", NULL};
	const json_t *id = json_object_get(root, "id");
	const json_t *result = json_object_get(root, "result"), *e = json_object_get(root, "error");
	const char *why = NULL;

	if (!ta__proto_only_members(root, top) || id == NULL || (result == NULL) == (e == NULL))
		return TA_ERR_PROTOCOL;
	if (!json_is_null(id) && ta__proto_id_read(id, &resp->id, &why) != 0)
		return TA_ERR_PROTOCOL;
	if (e != NULL)
		return decode_error(e, resp);
	if (json_is_null(id) || !json_is_object(result))
		return TA_ERR_PROTOCOL;
	resp->result = json_incref(ta__proto_unconst(result));
	resp->kind = TA_PROTO_MSG_RESULT;
	return 0;
}

int
ta_proto_decode_response(const uint8_t *json, size_t len, struct ta_proto_resp **ret)
{
	struct ta_proto_resp *resp = NULL;
	json_t *root = NULL;
	const json_t *v;
	const char *why = NULL;
	char text[128];
	int r, code = 0;

	if (ret == NULL || (json == NULL && len > 0))
		return TA_ERR_INVALID;
	if ((r = ta__proto_parse(json, len, &root, &code, text, sizeof(text))) != 0) {
		r = r == TA_ERR_NOMEM ? r : TA_ERR_PROTOCOL;
		goto out;
	}
	v = json_object_get(root, "jsonrpc");
	if (!json_is_object(root) || ta__proto_check_tree(root, 0, &why) != 0 ||
	    !json_is_string(v) || json_string_length(v) != 3 ||
	    memcmp(json_string_value(v), "2.0", 3) != 0) {
		r = TA_ERR_PROTOCOL;
		goto out;
	}
	if ((resp = calloc(1, sizeof(*resp))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (json_object_get(root, "method") != NULL)
		r = decode_notice(root, resp);
	else
		r = decode_reply(root, resp);
	if (r != 0)
		goto out;
	*ret = resp;
	resp = NULL;
out:
	ta_proto_resp_free(resp);
	json_decref(root);
	return r;
}

void
ta_proto_resp_free(struct ta_proto_resp *resp)
{
	if (resp == NULL)
		return;
	json_decref(resp->result);
	explicit_bzero(resp, sizeof(*resp));
	free(resp);
}

int
ta_proto_decode_sign_result(const json_t *result, struct ta_proto_sign_result *ret)
{
	static const char *const members[] = {"file", "keyids", "sha256", NULL};
	struct ta_proto_sign_result s = {0};
	const json_t *file = json_object_get(result, "file");
	const json_t *ids = json_object_get(result, "keyids");
	const json_t *sha = json_object_get(result, "sha256"), *v;
	size_t i;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) || !json_is_string(file) ||
	    json_string_length(file) == 0 || !json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > TA_PROTO_KEYS_MAX || !json_is_string(sha) ||
	    !ta__proto_hex64_ok(json_string_value(sha), json_string_length(sha)))
		return TA_ERR_PROTOCOL;
	json_array_foreach(ids, i, v)
	{
		if (!json_is_string(v) ||
		    !ta__proto_hex64_ok(json_string_value(v), json_string_length(v)))
			return TA_ERR_PROTOCOL;
		s.keyids[i] = json_string_value(v);
	}
	s.n_keyids = json_array_size(ids);
	s.file = json_string_value(file);
	s.file_len = json_string_length(file);
	memcpy(s.sha256, json_string_value(sha), TA_PROTO_KEYID_LEN + 1);
	*ret = s;
	return 0;
}

int
ta_proto_decode_hello_result(const json_t *result, struct ta_proto_hello_result *ret)
{
	static const char *const members[] = {"version", "agent", "methods", NULL};
	struct ta_proto_hello_result h = {0};
	const json_t *version = json_object_get(result, "version");
	const json_t *methods = json_object_get(result, "methods"), *v;
	enum ta_proto_method m;
	size_t i;

	if (ret == NULL)
		return TA_ERR_INVALID;
	if (!json_is_object(result) || !ta__proto_only_members(result, members) ||
	    !json_is_integer(version) || json_integer_value(version) < 1 ||
	    json_integer_value(version) > TA_PROTO_VERSION_VALUE_MAX ||
	    !text_copy(json_object_get(result, "agent"), 1, TA_PROTO_AGENT_MAX, h.agent) ||
	    !json_is_array(methods) || json_array_size(methods) > TA_PROTO_METHODS_MAX)
		return TA_ERR_PROTOCOL;
	json_array_foreach(methods, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > TA_PROTO_METHOD_NAME_MAX ||
		    !ta__proto_text_ok(json_string_value(v), json_string_length(v)))
			return TA_ERR_PROTOCOL;
		m = ta_proto_method_from_name(json_string_value(v), json_string_length(v));
		if (m != TA_PROTO_METHOD_NONE)
			h.methods |= 1u << m;
	}
	h.version = (uint32_t)json_integer_value(version);
	*ret = h;
	return 0;
}
