/* Unit tests for protocol/: encoders and round trips, response decoding on the client
 * side and the error table.
 * Helpers: tests/tools/protofix.c. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/keytype.h"
#include "common/secret.h"
#include "protocol/proto.h"
#include "tests/tools/protofix.h"

/* ---- encoders and round trips ------------------------------------------------ */

static void
test_protocol_result_round_trip(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	json_t *res;
	char *text;

	(void)state;
	res = json_pack("{s:b,s:[s]}", "unlocked", 1, "tokens", "ci-hsm");
	assert_non_null(res);
	assert_int_equal(ta_proto_id_int(42, &id), 0);
	assert_int_equal(ta_proto_encode_result(b, &id, res), 0);
	text = pt_take_text(b);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{\"unlocked\":true,"
				  "\"tokens\":[\"ci-hsm\"]}}");
	free(text);

	assert_int_equal(ta_proto_id_str("r\xc3\xa9q", &id), 0);
	assert_int_equal(ta_proto_encode_result(b, &id, res), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->kind, TA_PROTO_MSG_RESULT);
	assert_true(ta_proto_id_equal(&resp->id, &id));
	assert_true(json_equal(resp->result, res));
	ta_proto_resp_free(resp);
	assert_int_equal(res->refcount, 1);
	json_decref(res);
	ta_buf_free(b);
}

static void
test_protocol_error_round_trip(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_int(7, &id), 0);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_PIN_INCORRECT, NULL), 0);
	text = pt_take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32004,\"message\":\"PIN "
	    "incorrect\","
	    "\"data\":{\"name\":\"TA_ERR_PIN_INCORRECT\",\"detail\":\"PIN incorrect\"}}}");
	free(text);

	assert_int_equal(ta_proto_encode_error(b, &id, TA_PROTO_E_METADATA, TA_ERR_INVALID,
			     "signed.expires: not a date"),
	    0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->kind, TA_PROTO_MSG_ERROR);
	assert_true(ta_proto_id_equal(&resp->id, &id));
	assert_int_equal(resp->error.code, -32011);
	assert_int_equal(resp->error.err, TA_ERR_INVALID);
	assert_string_equal(resp->error.name, "TA_ERR_INVALID");
	assert_string_equal(resp->error.message, "metadata rejected");
	assert_string_equal(resp->error.detail, "signed.expires: not a date");
	assert_null(resp->result);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_error_null_id(void **state)
{
	struct ta_proto_id null_id = {.kind = TA_PROTO_ID_NULL};
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_encode_error(b, NULL, TA_PROTO_E_PARSE, TA_ERR_INVALID, "x"), 0);
	text = pt_take_text(b);
	assert_non_null(strstr(text, "\"id\":null"));
	free(text);
	assert_int_equal(ta_proto_encode_error(b, &null_id, 0, TA_ERR_PROTOCOL, NULL), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->id.kind, TA_PROTO_ID_NULL);
	assert_int_equal(resp->error.code, TA_PROTO_E_INVALID_REQUEST);
	assert_int_equal(resp->error.err, TA_ERR_PROTOCOL);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_error_detail_sanitized(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *longd;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_KEY_NOT_FOUND,
			     "key 'a\nb\x1b[0m' \xff\xc3\xa9 \xc2\x85!"),
	    0);
	resp = pt_take_resp(b);
	assert_string_equal(resp->error.detail, "key 'a?b?[0m' ?\xc3\xa9 ?!");
	ta_proto_resp_free(resp);

	/* Cut to 1024 bytes without splitting a character. */
	longd = tu_repeat('x', 2000);
	memcpy(longd + 1023, "\xc3\xa9", 2);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_FORMAT, longd), 0);
	resp = pt_take_resp(b);
	assert_int_equal(strlen(resp->error.detail), 1023);
	ta_proto_resp_free(resp);
	free(longd);
	ta_buf_free(b);
}

static void
test_protocol_error_defaults(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	/* TA_OK is not an error: it is reported as a bug. */
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_OK, NULL), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->error.code, TA_PROTO_E_INTERNAL);
	assert_string_equal(resp->error.name, "TA_ERR_INTERNAL");
	assert_string_equal(resp->error.detail, ta_strerror(TA_ERR_INTERNAL));
	ta_proto_resp_free(resp);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_POLICY, NULL), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->error.code, TA_PROTO_E_POLICY);
	assert_int_equal(resp->error.err, TA_ERR_POLICY);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_encode_bad_arguments(void **state)
{
	struct ta_proto_id id, null_id = {.kind = TA_PROTO_ID_NULL}, bad_id;
	struct ta_buf *b = pt_out_buf();
	json_t *arr = json_array(), *obj = json_object();

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	memset(&bad_id, 0, sizeof(bad_id));
	bad_id.kind = TA_PROTO_ID_STR;
	bad_id.len = 2;
	memcpy(bad_id.str, "a\n", 3);

	assert_int_equal(
	    ta_proto_encode_error(b, &id, -32000, TA_ERR_INVALID, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_error(b, &id, 1, TA_ERR_INVALID, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_error(NULL, &id, 0, TA_ERR_INVALID, NULL), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_error(b, &bad_id, 0, TA_ERR_INVALID, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_result(b, &id, arr), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_result(b, &id, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_result(b, NULL, obj), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_result(b, &null_id, obj), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_result(b, &bad_id, obj), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_request(b, &id, TA_PROTO_METHOD_NONE, NULL), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_request(b, &id, TA_PROTO_METHOD_COUNT_, NULL), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_request(b, &null_id, TA_PROTO_METHOD_STATUS, NULL), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_request(b, &id, TA_PROTO_METHOD_STATUS, arr), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 0, "a"), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, ""), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, "a\tb"), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_fault(b, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_buf_len(b), 0);
	json_decref(arr);
	json_decref(obj);
	ta_buf_free(b);
}

static void
test_protocol_encode_out_full(void **state)
{
	struct ta_buf *b = ta_buf_new(40);
	struct ta_proto_id id;
	json_t *obj = json_object();

	(void)state;
	assert_non_null(b);
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	/* {"jsonrpc":"2.0","id":1,"result":{}} is 36 bytes: 40 with the header. */
	assert_int_equal(ta_proto_encode_result(b, &id, obj), 0);
	assert_int_equal(ta_buf_len(b), 40);
	assert_int_equal(ta_proto_encode_result(b, &id, obj), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_len(b), 40);
	ta_buf_reset(b);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_INVALID, NULL), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_len(b), 0);
	json_decref(obj);
	ta_buf_free(b);
}

static void
test_protocol_encode_appends_frames(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	json_t *obj = json_object();

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ta_proto_id_int(i, &id), 0);
		assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_TOUCH), 0);
		assert_int_equal(ta_proto_encode_result(b, &id, obj), 0);
	}
	for (int i = 0; i < 3; i++) {
		resp = pt_take_resp(b);
		assert_int_equal(resp->kind, TA_PROTO_MSG_NOTICE);
		assert_int_equal(resp->id.num, i);
		ta_proto_resp_free(resp);
		resp = pt_take_resp(b);
		assert_int_equal(resp->kind, TA_PROTO_MSG_RESULT);
		assert_int_equal(resp->id.num, i);
		ta_proto_resp_free(resp);
	}
	assert_int_equal(ta_buf_len(b), 0);
	json_decref(obj);
	ta_buf_free(b);
}

static void
test_protocol_fault_round_trip(void **state)
{
	static const char *reqs[] = {
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"",
	    "[]",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"nope\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"unlock\",\"params\":{\"pin\":\"\"}}",
	};
	static const int codes[] = {PE, IR, TA_PROTO_E_METHOD_NOT_FOUND, IP};
	static const int errs[] = {
	    TA_ERR_TRUNCATED, TA_ERR_INVALID, TA_ERR_NOT_FOUND, TA_ERR_INVALID};
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;

	(void)state;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		BAD(reqs[i], codes[i], errs[i]);
		assert_int_equal(ta_proto_encode_fault(b, &pt_last), 0);
		resp = pt_take_resp(b);
		assert_int_equal(resp->kind, TA_PROTO_MSG_ERROR);
		assert_int_equal(resp->error.code, codes[i]);
		assert_int_equal(resp->error.err, pt_last.err);
		assert_string_equal(resp->error.name, ta_errname(pt_last.err));
		assert_string_equal(resp->error.detail, pt_last.detail);
		assert_string_equal(resp->error.message, ta_proto_error_message(codes[i]));
		assert_true(ta_proto_id_equal(&resp->id, &pt_last.id));
		ta_proto_resp_free(resp);
	}
	ta_buf_free(b);
}

static void
test_protocol_notice_round_trip(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_str("sign-3", &id), 0);
	assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_TOUCH), 0);
	text = pt_take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":\"sign-3\","
	    "\"kind\":\"touch\",\"message\":\"touch your key or check its PIN pad\"}}");
	free(text);
	assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_TOUCH), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->kind, TA_PROTO_MSG_NOTICE);
	assert_true(ta_proto_id_equal(&resp->id, &id));
	assert_int_equal(resp->notice.kind, TA_PROTO_NOTICE_TOUCH);
	assert_string_equal(resp->notice.kind_name, "touch");
	assert_string_equal(resp->notice.message, "touch your key or check its PIN pad");
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_notice_bad_arguments(void **state)
{
	struct ta_proto_id id, null_id = {.kind = TA_PROTO_ID_NULL};
	struct ta_buf *b = pt_out_buf();

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	assert_int_equal(ta_proto_encode_notice(b, NULL, TA_PROTO_NOTICE_TOUCH), TA_ERR_INVALID);
	assert_int_equal(
	    ta_proto_encode_notice(b, &null_id, TA_PROTO_NOTICE_TOUCH), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_OTHER), TA_ERR_INVALID);
	assert_int_equal(ta_proto_encode_notice(NULL, &id, TA_PROTO_NOTICE_TOUCH), TA_ERR_INVALID);
	assert_int_equal(ta_buf_len(b), 0);
	ta_buf_free(b);
}

static void
test_protocol_hello_result_round_trip(void **state)
{
	struct ta_proto_hello_result h;
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, "tuf-agent 0.1.0"), 0);
	text = pt_take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"version\":1,\"agent\":\"tuf-agent 0.1.0\","
	    "\"methods\":[\"hello\",\"status\",\"unlock\",\"lock\",\"key.list\",\"key.generate\","
	    "\"key.cert\",\"key.show\",\"sign\",\"key.scope\",\"key.attest\"]}}");
	free(text);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, "tuf-agent 0.1.0"), 0);
	resp = pt_take_resp(b);
	assert_int_equal(ta_proto_decode_hello_result(resp->result, &h), 0);
	assert_int_equal(h.version, 1);
	assert_string_equal(h.agent, "tuf-agent 0.1.0");
	for (int m = TA_PROTO_METHOD_HELLO; m < TA_PROTO_METHOD_COUNT_; m++)
		assert_true(h.methods & (1u << m));
	assert_false(h.methods & 1u);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_hello_result_bad(void **state)
{
	static const char *bad[] = {
	    "{\"version\":1,\"agent\":\"a\"}",
	    "{\"version\":0,\"agent\":\"a\",\"methods\":[]}",
	    "{\"version\":\"1\",\"agent\":\"a\",\"methods\":[]}",
	    "{\"version\":1,\"agent\":\"\",\"methods\":[]}",
	    "{\"version\":1,\"agent\":\"a\",\"methods\":[1]}",
	    "{\"version\":1,\"agent\":\"a\",\"methods\":[\"\"]}",
	    "{\"version\":1,\"agent\":\"a\",\"methods\":[],\"x\":1}",
	    "[]",
	};
	struct ta_proto_hello_result h;
	json_t *v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_loads(bad[i], 0, NULL);
		assert_non_null(v);
		assert_int_equal(ta_proto_decode_hello_result(v, &h), TA_ERR_PROTOCOL);
		json_decref(v);
	}
	/* Unknown method names are skipped. */
	v = json_loads(
	    "{\"version\":2,\"agent\":\"a\",\"methods\":[\"sign\",\"repo.init\"]}", 0, NULL);
	assert_int_equal(ta_proto_decode_hello_result(v, &h), 0);
	assert_int_equal(h.methods, 1u << TA_PROTO_METHOD_SIGN);
	assert_int_equal(ta_proto_decode_hello_result(v, NULL), TA_ERR_INVALID);
	json_decref(v);
}

#define KEYID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KEYID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
test_protocol_sign_result_round_trip(void **state)
{
	static const char file[] =
	    "{\"signed\":{\"_type\":\"Targets\"},\n\t\"signatures\":[\"\xc3\xa9\"]}";
	struct ta_proto_sign_result in = {0}, res;
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;

	(void)state;
	in.file = file;
	in.file_len = sizeof(file) - 1;
	in.keyids[0] = KEYID_A;
	in.keyids[1] = KEYID_B;
	in.n_keyids = 2;
	memcpy(in.sha256, KEYID_B, 65);
	assert_int_equal(ta_proto_id_int(5, &id), 0);
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), 0);
	resp = pt_take_resp(b);
	assert_int_equal(resp->kind, TA_PROTO_MSG_RESULT);
	assert_int_equal(ta_proto_decode_sign_result(resp->result, &res), 0);
	assert_int_equal(res.file_len, in.file_len);
	assert_memory_equal(res.file, file, in.file_len);
	assert_int_equal(res.n_keyids, 2);
	assert_string_equal(res.keyids[0], KEYID_A);
	assert_string_equal(res.keyids[1], KEYID_B);
	assert_string_equal(res.sha256, KEYID_B);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

/* ta_proto_encode_sign_result() writes its frame directly: byte for byte
 * what the tree (ta_proto_sign_result_json() through ta_proto_encode_result())
 * gives, for every character class of the file and both kinds of id. */
static void
test_protocol_sign_result_direct_equals_tree(void **state)
{
	static const char *files[] = {
	    "x",
	    "{\"signed\":{\"_type\":\"Targets\"},\"signatures\":[]}",
	    "\"\\/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x80\xa8\xf0\x9f\x94\x91",
	    "\n\n\n",
	    "tail\\",
	};
	static const char *ids[] = {"a", "q\"uo\\te \xc3\xa9/x", NULL};
	struct ta_proto_sign_result in = {0};
	struct ta_proto_id id;
	json_t *o = NULL;

	(void)state;
	in.keyids[0] = KEYID_A;
	in.keyids[1] = KEYID_B;
	memcpy(in.sha256, KEYID_B, 65);
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			struct ta_buf *direct = pt_out_buf(), *tree = pt_out_buf();

			if (ids[k] != NULL)
				assert_int_equal(ta_proto_id_str(ids[k], &id), 0);
			else
				assert_int_equal(ta_proto_id_int(-9007199254740991LL, &id), 0);
			in.file = files[f];
			in.file_len = strlen(files[f]);
			in.n_keyids = 1 + (f & 1);
			assert_int_equal(ta_proto_encode_sign_result(direct, &id, &in), 0);
			assert_int_equal(ta_proto_sign_result_json(&in, &o), 0);
			assert_int_equal(ta_proto_encode_result(tree, &id, o), 0);
			json_decref(o);
			assert_int_equal(ta_buf_len(direct), ta_buf_len(tree));
			assert_memory_equal(ta_buf_ptr(direct), ta_buf_ptr(tree), ta_buf_len(tree));
			ta_buf_free(direct);
			ta_buf_free(tree);
		}
	}
}

static void
test_protocol_sign_result_bad(void **state)
{
	static const char *bad[] = {
	    "{\"file\":\"x\",\"keyids\":[\"" KEYID_A "\"]}",
	    "{\"file\":\"\",\"keyids\":[\"" KEYID_A "\"],\"sha256\":\"" KEYID_A "\"}",
	    "{\"file\":\"x\",\"keyids\":[],\"sha256\":\"" KEYID_A "\"}",
	    "{\"file\":\"x\",\"keyids\":[\"ABCDEF\"],\"sha256\":\"" KEYID_A "\"}",
	    "{\"file\":\"x\",\"keyids\":[\"" KEYID_A "\"],\"sha256\":\"" KEYID_A "0\"}",
	    "{\"file\":\"x\",\"keyids\":\"" KEYID_A "\",\"sha256\":\"" KEYID_A "\"}",
	    "{\"file\":{},\"keyids\":[\"" KEYID_A "\"],\"sha256\":\"" KEYID_A "\"}",
	    "{\"file\":\"x\",\"keyids\":[\"" KEYID_A "\"],\"sha256\":\"" KEYID_A "\",\"x\":1}",
	};
	struct ta_proto_sign_result in = {0}, res;
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_id id;
	json_t *v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_loads(bad[i], 0, NULL);
		assert_non_null(v);
		assert_int_equal(ta_proto_decode_sign_result(v, &res), TA_ERR_PROTOCOL);
		json_decref(v);
	}
	assert_int_equal(ta_proto_id_int(5, &id), 0);
	in.file = "x\0y";
	in.file_len = 3;
	in.keyids[0] = KEYID_A;
	in.n_keyids = 1;
	memcpy(in.sha256, KEYID_A, 65);
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID); /* NUL */
	in.file = "\xff";
	in.file_len = 1;
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID); /* UTF-8 */
	in.file = "x";
	in.keyids[0] = "0123";
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID);
	in.keyids[0] = KEYID_A;
	in.n_keyids = 0;
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID);
	in.n_keyids = TA_PROTO_KEYS_MAX + 1;
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID);
	in.n_keyids = 1;
	in.sha256[0] = 'G';
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), TA_ERR_INVALID);
	in.sha256[0] = '0';
	assert_int_equal(ta_proto_encode_sign_result(b, &id, &in), 0);
	assert_int_equal(ta_proto_encode_sign_result(b, &id, NULL), TA_ERR_INVALID);
	ta_buf_free(b);
}

static void
test_protocol_request_round_trip(void **state)
{
	struct ta_buf *b = pt_out_buf();
	struct ta_proto_req *r;
	struct ta_proto_id id;
	json_t *p;

	(void)state;
	assert_int_equal(ta_proto_id_str("c-1", &id), 0);

	p = json_pack("{s:[i],s:s}", "versions", 1, "client", "tufctl");
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_HELLO, p), 0);
	json_decref(p);
	r = pt_take_req(b);
	assert_int_equal(r->method, TA_PROTO_METHOD_HELLO);
	assert_true(ta_proto_id_equal(&r->id, &id));
	assert_string_equal(r->p.hello.client, "tufctl");
	ta_proto_req_free(r);

	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_STATUS, NULL), 0);
	r = pt_take_req(b);
	assert_int_equal(r->method, TA_PROTO_METHOD_STATUS);
	ta_proto_req_free(r);

	p = json_pack("{s:s}", "pin", PIN);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_UNLOCK, p), 0);
	json_decref(p);
	r = pt_take_req(b);
	assert_memory_equal(r->p.unlock.pin->data, PIN, strlen(PIN));
	ta_proto_req_free(r);

	p = json_pack("{s:s,s:s,s:[s,s],s:s}", "profile", "notary", "role", "targets", "keys", "a",
	    "b", "file", "{\n}\n");
	assert_int_equal(json_object_set_new(p, "gun", json_string("g")), 0);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_SIGN, p), 0);
	json_decref(p);
	r = pt_take_req(b);
	assert_int_equal(r->p.sign.n_keys, 2);
	assert_string_equal(r->p.sign.gun, "g");
	assert_string_equal(r->p.sign.file, "{\n}\n");
	ta_proto_req_free(r);

	p = json_pack("{s:s,s:s,s:i,s:b}", "key", "k", "gun", "g", "days", 30, "store", 1);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_KEY_CERT, p), 0);
	json_decref(p);
	r = pt_take_req(b);
	assert_int_equal(r->p.key_cert.days, 30);
	assert_true(r->p.key_cert.store);
	ta_proto_req_free(r);
	ta_buf_free(b);
}

/* ---- client decoding ------------------------------------------------------------ */

static void
test_protocol_response_malformed(void **state)
{
	static const char *bad[] = {
	    "",
	    "[]",
	    "1",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} x",
	    "{\"id\":1,\"result\":{}}",
	    "{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1}",
	    "{\"jsonrpc\":\"2.0\",\"result\":{}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":true,\"result\":{}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":1.5}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":9007199254740993}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"x\":1}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1,\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"1\",\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"a\\u001bb\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":4294967296,\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\",\"x\":1}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\",\"data\":[]}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\",\"data\":{\"x\":"
	    "1}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\",\"data\":{"
	    "\"name\":\"\"}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\",\"data\":{"
	    "\"detail\":\"\\n\"}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"oops\"}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"kind\":\"touch\",\"message\":"
	    "\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":null,\"kind\":\"touch\","
	    "\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"other\",\"params\":{\"id\":1,\"kind\":\"touch\","
	    "\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":1,\"kind\":\"\","
	    "\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":1,\"kind\":\"touch\","
	    "\"message\":\"m\",\"x\":1}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"id\":1,\"params\":{\"id\":1,\"kind\":"
	    "\"touch\",\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":[]}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"result\":{}}",
	};
	char *open = tu_repeat('[', 16), *close = tu_repeat(']', 16), *deep;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		pt_resp_bad(bad[i]);
	deep = tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":%s%s}}", open, close);
	pt_resp_bad(deep);
	free(deep);
	/* One level less is fine. */
	deep = tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":%s%s}}", open + 2, close + 2);
	{
		struct ta_proto_resp *resp = NULL;

		assert_int_equal(
		    ta_proto_decode_response((const uint8_t *)deep, strlen(deep), &resp), 0);
		ta_proto_resp_free(resp);
	}
	free(deep);
	free(open);
	free(close);
}

static void
test_protocol_response_unknown_error_name(void **state)
{
	static const char *msgs[] = {
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"m\","
	    "\"data\":{\"name\":\"TA_ERR_NEWER\",\"detail\":\"d\"}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"m\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"m\","
	    "\"data\":{\"name\":\"TA_ERR_UNKNOWN\"}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"m\","
	    "\"data\":{\"name\":\"TA_OK\"}}}",
	};
	static const char unknown[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":\"m\"}}";
	struct ta_proto_resp *resp = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(
		    ta_proto_decode_response((const uint8_t *)msgs[i], strlen(msgs[i]), &resp), 0);
		assert_int_equal(resp->error.code, -32005);
		assert_int_equal(resp->error.err, TA_ERR_PIN_LOCKED);
		ta_proto_resp_free(resp);
	}
	/* An unknown code without a known name. */
	assert_int_equal(
	    ta_proto_decode_response((const uint8_t *)unknown, strlen(unknown), &resp), 0);
	assert_int_equal(resp->error.err, TA_ERR_PROTOCOL);
	assert_string_equal(resp->error.name, "");
	assert_string_equal(resp->error.detail, "");
	ta_proto_resp_free(resp);
	ta_proto_resp_free(NULL);
}

static void
test_protocol_response_notice_other_kind(void **state)
{
	static const char msg[] =
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":\"q\","
	    "\"kind\":\"pinentry\",\"message\":\"enter the PIN\"}}";
	struct ta_proto_resp *resp = NULL;

	(void)state;
	assert_int_equal(ta_proto_decode_response((const uint8_t *)msg, sizeof(msg) - 1, &resp), 0);
	assert_int_equal(resp->kind, TA_PROTO_MSG_NOTICE);
	assert_int_equal(resp->notice.kind, TA_PROTO_NOTICE_OTHER);
	assert_string_equal(resp->notice.kind_name, "pinentry");
	assert_string_equal(resp->id.str, "q");
	ta_proto_resp_free(resp);
}

static void
test_protocol_response_bad_arguments(void **state)
{
	struct ta_proto_resp *resp = NULL;
	struct ta_proto_sign_result s;

	(void)state;
	assert_int_equal(ta_proto_decode_response((const uint8_t *)"{}", 2, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_decode_response(NULL, 2, &resp), TA_ERR_INVALID);
	assert_int_equal(ta_proto_decode_response(NULL, 0, &resp), TA_ERR_PROTOCOL);
	assert_null(resp);
	assert_int_equal(ta_proto_decode_sign_result(NULL, &s), TA_ERR_PROTOCOL);
	assert_int_equal(ta_proto_decode_sign_result(NULL, NULL), TA_ERR_INVALID);
}

/* ---- the error table ---------------------------------------------------------------- */

static void
test_protocol_error_map_table(void **state)
{
	static const struct {
		int err, code;
	} map[] = {
	    {TA_ERR_PROTOCOL, -32600},
	    {TA_ERR_INVALID, -32602},
	    {TA_ERR_TOO_LARGE, -32602},
	    {TA_ERR_TRUNCATED, -32602},
	    {TA_ERR_TRAILING, -32602},
	    {TA_ERR_AMBIGUOUS, -32602},
	    {TA_ERR_INTERNAL, -32603},
	    {TA_ERR_NOMEM, -32603},
	    {TA_ERR_SYSTEM, -32603},
	    {TA_ERR_CRYPTO, -32603},
	    {TA_ERR_PKCS11, -32603},
	    {TA_ERR_MODULE_LOAD, -32603},
	    {TA_ERR_NOT_AUTHORIZED, -32001},
	    {TA_ERR_TOKEN_ABSENT, -32002},
	    {TA_ERR_TOKEN_NOT_INIT, -32002},
	    {TA_ERR_NOT_LOGGED_IN, -32003},
	    {TA_ERR_PIN_REQUIRED, -32003},
	    {TA_ERR_PIN_INCORRECT, -32004},
	    {TA_ERR_PIN_COUNT_LOW, -32004},
	    {TA_ERR_PIN_LEN_RANGE, -32004},
	    {TA_ERR_PIN_LOCKED, -32005},
	    {TA_ERR_PIN_EXPIRED, -32005},
	    {TA_ERR_KEY_NOT_FOUND, -32006},
	    {TA_ERR_NOT_FOUND, -32006},
	    {TA_ERR_POLICY, -32007},
	    {TA_ERR_TOKEN_BUSY, -32008},
	    {TA_ERR_TIMEOUT, -32009},
	    {TA_ERR_CANCELLED, -32009},
	    {TA_ERR_UNSUPPORTED, -32010},
	    {TA_ERR_KEY_TYPE, -32010},
	    {TA_ERR_READ_ONLY, -32010},
	    {TA_ERR_FORMAT, -32011},
	    {TA_ERR_VERIFY, -32011},
	    {TA_ERR_EXPIRED, -32011},
	    {TA_ERR_KEY_WEAK, -32011},
	    {TA_ERR_CERT_LEAF, -32011},
	    {TA_ERR_CERT_CN, -32011},
	    {TA_ERR_CERT_DATES, -32011},
	    {TA_ERR_CERT_NOT_YET_VALID, -32011},
	    {TA_ERR_CERT_EXPIRED, -32011},
	    {TA_ERR_CERT_SHA1, -32011},
	    {TA_ERR_PIN_FINAL_TRY, -32012},
	    {TA_ERR_EXISTS, -32013},
	    /* Not errors, or not known: internal. */
	    {TA_OK, -32603},
	    {1, -32603},
	    {TA_ERR_MIN_, -32603},
	    {INT_MIN, -32603},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (ta_proto_error_code(map[i].err) != map[i].code)
			print_message("%s\n", ta_errname(map[i].err));
		assert_int_equal(ta_proto_error_code(map[i].err), map[i].code);
	}
	/* Every TA_ERR_* in the range is placed somewhere on purpose. */
	for (int r = -1; r > TA_ERR_MIN_; r--) {
		bool listed = false;

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			listed |= map[i].err == r;
		if (!listed && strcmp(ta_errname(r), "TA_ERR_UNKNOWN") != 0)
			print_message("%s is not in the table\n", ta_errname(r));
		assert_true(listed || strcmp(ta_errname(r), "TA_ERR_UNKNOWN") == 0);
	}
}

static void
test_protocol_error_codes_and_messages(void **state)
{
	static const struct {
		int code;
		const char *message;
		int primary;
	} table[] = {
	    {-32700, "parse error", TA_ERR_PROTOCOL},
	    {-32600, "invalid request", TA_ERR_PROTOCOL},
	    {-32601, "method not found", TA_ERR_UNSUPPORTED},
	    {-32602, "invalid params", TA_ERR_INVALID},
	    {-32603, "internal error", TA_ERR_INTERNAL},
	    {-32001, "not authorized", TA_ERR_NOT_AUTHORIZED},
	    {-32002, "token absent", TA_ERR_TOKEN_ABSENT},
	    {-32003, "token locked", TA_ERR_NOT_LOGGED_IN},
	    {-32004, "PIN incorrect", TA_ERR_PIN_INCORRECT},
	    {-32005, "PIN locked", TA_ERR_PIN_LOCKED},
	    {-32006, "key not found", TA_ERR_KEY_NOT_FOUND},
	    {-32007, "refused by policy", TA_ERR_POLICY},
	    {-32008, "busy", TA_ERR_TOKEN_BUSY},
	    {-32009, "timed out", TA_ERR_TIMEOUT},
	    {-32010, "unsupported", TA_ERR_UNSUPPORTED},
	    {-32011, "metadata rejected", TA_ERR_FORMAT},
	    {-32012, "PIN final try: unlock interactively", TA_ERR_PIN_FINAL_TRY},
	    {-32013, "already exists", TA_ERR_EXISTS},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_string_equal(ta_proto_error_message(table[i].code), table[i].message);
		assert_int_equal(ta_proto_error_err(table[i].code), table[i].primary);
	}
	assert_null(ta_proto_error_message(0));
	assert_null(ta_proto_error_message(-32000));
	assert_null(ta_proto_error_message(-32014));
	assert_int_equal(ta_proto_error_err(-32000), TA_ERR_PROTOCOL);
	assert_int_equal(ta_proto_error_err(0), TA_ERR_PROTOCOL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocol_result_round_trip),
	    cmocka_unit_test(test_protocol_error_round_trip),
	    cmocka_unit_test(test_protocol_error_null_id),
	    cmocka_unit_test(test_protocol_error_detail_sanitized),
	    cmocka_unit_test(test_protocol_error_defaults),
	    cmocka_unit_test(test_protocol_encode_bad_arguments),
	    cmocka_unit_test(test_protocol_encode_out_full),
	    cmocka_unit_test(test_protocol_encode_appends_frames),
	    cmocka_unit_test(test_protocol_fault_round_trip),
	    cmocka_unit_test(test_protocol_notice_round_trip),
	    cmocka_unit_test(test_protocol_notice_bad_arguments),
	    cmocka_unit_test(test_protocol_hello_result_round_trip),
	    cmocka_unit_test(test_protocol_hello_result_bad),
	    cmocka_unit_test(test_protocol_sign_result_round_trip),
	    cmocka_unit_test(test_protocol_sign_result_direct_equals_tree),
	    cmocka_unit_test(test_protocol_sign_result_bad),
	    cmocka_unit_test(test_protocol_request_round_trip),
	    cmocka_unit_test(test_protocol_response_malformed),
	    cmocka_unit_test(test_protocol_response_unknown_error_name),
	    cmocka_unit_test(test_protocol_response_notice_other_kind),
	    cmocka_unit_test(test_protocol_response_bad_arguments),
	    cmocka_unit_test(test_protocol_error_map_table),
	    cmocka_unit_test(test_protocol_error_codes_and_messages),
	};

	/* Process-wide, before any jansson value exists (proto.h). */
	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
