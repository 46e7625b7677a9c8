/* Unit tests for protocol/: requests: the JSON and the envelope (syntax, jsonrpc, id,
 * method, params, depth, numbers).
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

/* ---- requests: the JSON and the envelope ------------------------------------- */

/* Each of the n docs is refused with code and err, before its id is read. */
static void
bad_all_anonymous(const char *const *docs, size_t n, int code, int err)
{
	for (size_t i = 0; i < n; i++) {
		BAD(docs[i], code, err);
		assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
	}
}

#define BAD_ALL_ANONYMOUS(docs, code, err)                                                         \
	bad_all_anonymous((docs), sizeof(docs) / sizeof((docs)[0]), (code), (err))

static void
test_protocol_decode_empty_payload(void **state)
{
	(void)state;
	pt_bad_n("", 0, PE, TA_ERR_TRUNCATED, __LINE__);
	pt_bad_n(NULL, 0, PE, TA_ERR_TRUNCATED, __LINE__);
	BAD("   ", PE, TA_ERR_TRUNCATED);
}

static void
test_protocol_decode_truncated_json(void **state)
{
	static const char *cut[] = {
	    "{",
	    "{\"jsonrpc\":\"2.0\",\"id\":1",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"",
	    ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"" PIN),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":{}",
	    "{\"jsonrpc\":\"2.",
	};

	(void)state;
	BAD_ALL_ANONYMOUS(cut, PE, TA_ERR_TRUNCATED);
}

static void
test_protocol_decode_trailing_bytes(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"} {}", PE, TA_ERR_TRAILING);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}x", PE, TA_ERR_TRAILING);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}}", PE, TA_ERR_TRAILING);
	assert_detail_has("bytes after the JSON value");
	/* A NUL is refused as such, wherever it is. */
	BADN("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}\0", PE, TA_ERR_INVALID);
	assert_detail_has("NUL byte at byte 42");
}

static void
test_protocol_decode_trailing_whitespace_accepted(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OK("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"} \r\n\t ");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_syntax_errors(void **state)
{
	static const char *bad[] = {
	    "{jsonrpc:\"2.0\"}",
	    "{'jsonrpc':'2.0'}",
	    "{\"jsonrpc\":\"2.0\",}",
	    "{\"id\":01}",
	    "{\"id\":1,,}",
	    "\xef\xbb\xbf{\"id\":1}",
	    "{\"id\":\"a\nb\"}",
	    "{\"id\":\"\\x41\"}",
	    "{\"id\":NaN}",
	    "{\"id\":+1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		BAD(bad[i], PE, TA_ERR_INVALID);
}

static void
test_protocol_decode_pin_never_in_detail(void **state)
{
	(void)state;
	/* jansson's own messages quote the input near the error: never used. */
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":" PIN "}}", PE,
	    TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"" PIN
	    "\"x}}",
	    PE, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"" PIN
	    "\\ud800\"}}",
	    PE, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"" PIN
	    "\",\"token\":\"a\\u0001" PIN "\"}}",
	    IP, TA_ERR_INVALID);
}

static void
test_protocol_decode_not_object(void **state)
{
	static const char *bad[] = {"1", "\"status\"", "null", "true", "-0", "\"\""};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		BAD(bad[i], IR, TA_ERR_INVALID);
		assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
		assert_int_equal(pt_last.method, TA_PROTO_METHOD_NONE);
	}
}

static void
test_protocol_decode_batch_array(void **state)
{
	(void)state;
	BAD("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}]", IR, TA_ERR_INVALID);
	assert_detail_has("batch");
	BAD("[]", IR, TA_ERR_INVALID);
	BAD("[1,2]", IR, TA_ERR_INVALID);
}

static void
test_protocol_decode_jsonrpc_missing(void **state)
{
	(void)state;
	BAD("{\"id\":5,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_detail_has("jsonrpc");
	/* The id was read, so the error can carry it. */
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_INT);
	assert_int_equal(pt_last.id.num, 5);
}

static void
test_protocol_decode_jsonrpc_wrong(void **state)
{
	static const char *bad[] = {
	    "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0 \",\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.00\",\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":\"\",\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":2.0,\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":2,\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":null,\"id\":5,\"method\":\"status\"}",
	    "{\"jsonrpc\":[\"2.0\"],\"id\":5,\"method\":\"status\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		BAD(bad[i], IR, TA_ERR_INVALID);
		assert_detail_has("jsonrpc");
		assert_int_equal(pt_last.id.num, 5);
	}
}

static void
test_protocol_decode_id_missing(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_detail_has("notifications");
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
}

static void
test_protocol_decode_id_null(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
}

static void
test_protocol_decode_id_float(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1e2,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":-0.5,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
}

static void
test_protocol_decode_id_wrong_types(void **state)
{
	static const char *bad[] = {
	    "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":false,\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"status\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"status\"}",
	};

	(void)state;
	BAD_ALL_ANONYMOUS(bad, IR, TA_ERR_INVALID);
}

static void
test_protocol_decode_id_bad_strings(void **state)
{
	char *id65 = tu_repeat('i', 65), *j;

	(void)state;
	j = tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"status\"}", id65);
	BAD(j, IR, TA_ERR_TOO_LARGE);
	free(j);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\u007f\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0085\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
	free(id65);
}

static void
test_protocol_decode_id_huge_int(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"status\"}", IR,
	    TA_ERR_TOO_LARGE);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740993,\"method\":\"status\"}", IR,
	    TA_ERR_TOO_LARGE);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":9223372036854775807,\"method\":\"status\"}", IR,
	    TA_ERR_TOO_LARGE);
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_NULL);
	/* Beyond 64 bits jansson itself refuses: a parse error. */
	BAD("{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999,\"method\":\"status\"}", PE,
	    TA_ERR_TOO_LARGE);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1e400,\"method\":\"status\"}", PE, TA_ERR_TOO_LARGE);
}

static void
test_protocol_decode_unknown_top_member(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"status\",\"extra\":1}", IR, TA_ERR_INVALID);
	assert_detail_has("unknown member \"extra\"");
	assert_int_equal(pt_last.id.num, 8);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"status\",\"result\":{}}", IR,
	    TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"status\",\"Params\":{}}", IR,
	    TA_ERR_INVALID);
	/* A long or odd name is shown cut and in printable ASCII only. */
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"status\","
	    "\"\\u00e9\\\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}",
	    IR, TA_ERR_INVALID);
	assert_detail_has("unknown member \"???xxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
}

static void
test_protocol_decode_method_missing_or_wrong_type(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8}", IR, TA_ERR_INVALID);
	assert_detail_has("method: missing");
	assert_int_equal(pt_last.id.num, 8);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":1}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":null}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":[\"status\"]}", IR, TA_ERR_INVALID);
}

static void
test_protocol_decode_unknown_method(void **state)
{
	static const char *names[] = {"Status", "status ", "", "sign.bytes", "sign_raw", "key",
	    "key.delete", "notice", "hello.", "rpc.discover"};
	char *j;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		j = tu_fmt(
		    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"%s\",\"params\":{}}", names[i]);
		BAD(j, TA_PROTO_E_METHOD_NOT_FOUND, TA_ERR_NOT_FOUND);
		assert_int_equal(pt_last.id.kind, TA_PROTO_ID_STR);
		assert_string_equal(pt_last.id.str, "x");
		assert_int_equal(pt_last.method, TA_PROTO_METHOD_NONE);
		free(j);
	}
}

static void
test_protocol_decode_params_wrong_type(void **state)
{
	static const char *params[] = {"[]", "[1]", "\"x\"", "null", "1", "true"};

	(void)state;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "status", "%s", params[i]);
		assert_detail_has("params: must be an object");
		assert_int_equal(pt_last.method, TA_PROTO_METHOD_STATUS);
		assert_int_equal(pt_last.id.num, 7);
	}
}

static const struct bad_req decode_params_unknown_member_cases[] = {
	{ IP, TA_ERR_INVALID, "status", "{\"verbose\":true}", "unknown member \"verbose\"" },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"clients\":\"x\"}", NULL },
	{ IP, TA_ERR_INVALID, "unlock", "{\"pin\":\"" PIN "\",\"so\":true}", NULL },
	{ IP, TA_ERR_INVALID, "lock", "{\"token\":\"t\",\"all\":true}", NULL },
	{ IP, TA_ERR_INVALID, "key.list", "{\"pin\":\"" PIN "\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"l\",\"type\":\"ed25519\",\"bits\":1}", NULL },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"cn\":\"x\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.show",
	    "{\"key\":\"k\",\"profile\":\"tuf\",\"pem\":true}", NULL },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":\"x\",\"bytes\":\"x\"}",
	    NULL },
};

static void
test_protocol_decode_params_unknown_member(void **state)
{
	(void)state;
	BAD_REQS(decode_params_unknown_member_cases);
	assert_int_equal(pt_last.method, TA_PROTO_METHOD_SIGN);
}

static void
test_protocol_decode_params_omitted_when_required(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\"}", IP, TA_ERR_INVALID);
	assert_detail_has("params.pin: missing");
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\"}", IP, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sign\"}", IP, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"key.show\"}", IP, TA_ERR_INVALID);
}

static void
test_protocol_decode_invalid_utf8(void **state)
{
	static const char *bad[] = {
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"\xff\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"\xc0\xaf\"}"
	    "}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":"
	    "\"\xed\xa0\x80\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":"
	    "\"\xf4\x90\x80\x80\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"\xe2\x82\"}"
	    "}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"\xfe\":1}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		BAD(bad[i], PE, TA_ERR_INVALID);
	/* Lone surrogates as escapes too. */
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"\\udc00\"}}",
	    PE, TA_ERR_INVALID);
}

static void
test_protocol_decode_nul(void **state)
{
	(void)state;
	BADN("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"a\0b\"}}",
	    PE, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"a\\u0000b\"}"
	    "}",
	    PE, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"a\\u0000\":1}}", PE,
	    TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"\\u0000\"}}",
	    PE, TA_ERR_INVALID);
	BADN("\0{}", PE, TA_ERR_INVALID);
	assert_detail_has("NUL byte at byte 0");
	BADN("{\"jsonrpc\":\"2.0\",\0\"id\":1,\"method\":\"status\"}", PE, TA_ERR_INVALID);
}

static void
test_protocol_decode_duplicate_keys(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"status\"}", PE, TA_ERR_INVALID);
	assert_detail_has("duplicate");
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"method\":\"sign\"}", PE,
	    TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"unlock\",\"params\":{\"pin\":\"a\",\"pin\":"
	    "\"b\"}}",
	    PE, TA_ERR_INVALID);
	/* Spelled differently, the same key. */
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lock\",\"params\":{\"token\":\"a\","
	    "\"t\\u006fken\":\"b\"}}",
	    PE, TA_ERR_INVALID);
}

static void
test_protocol_decode_depth(void **state)
{
	char *open = tu_repeat('[', 14), *close = tu_repeat(']', 14), *deep;

	(void)state;
	/* message 1, params 2, keys 3, then 14 more: 17 levels. */
	BADF(IP, TA_ERR_TOO_LARGE, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[%s\"k\"%s],\"file\":\"x\"}", open,
	    close);
	assert_detail_has("params.keys: nested deeper than 16");
	/* 16 levels pass the depth rule and fail on type. */
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[%s\"k\"%s],\"file\":\"x\"}", open + 1,
	    close + 1);
	assert_detail_has("params.keys[0]: must be a string");
	free(open);
	free(close);
	/* Past jansson's own limit: a parse error. */
	open = tu_repeat('[', 3000);
	deep =
	    tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":{\"x\":%s}}", open);
	BAD(deep, PE, TA_ERR_TOO_LARGE);
	free(deep);
	free(open);
}

static const struct bad_req decode_reals_refused_cases[] = {
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":3650.0}", "params.days: a number with a fraction or an exponent" },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":1e3}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1.0]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,2E0]}", NULL },
};

static void
test_protocol_decode_reals_refused(void **state)
{
	(void)state;
	BAD_REQS(decode_reals_refused_cases);
}

static const struct bad_req decode_big_ints_refused_cases[] = {
	{ IP, TA_ERR_TOO_LARGE, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":9007199254740993}", "params.days: an integer beyond +-2^53" },
	{ IP, TA_ERR_TOO_LARGE, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":-9223372036854775808}", NULL },
	{ IP, TA_ERR_TOO_LARGE, "hello", "{\"versions\":[1,9223372036854775807]}", NULL },
};

static void
test_protocol_decode_big_ints_refused(void **state)
{
	(void)state;
	BAD_REQS(decode_big_ints_refused_cases);
}

static void
test_protocol_decode_oversized_payload(void **state)
{
	static const char small[] = "{}";

	(void)state;
	/* Refused on its length alone: nothing past small is read. */
	pt_bad_n(small, TA_PROTO_MAX_FRAME + 1, IR, TA_ERR_TOO_LARGE, __LINE__);
}

static void
test_protocol_decode_bad_arguments(void **state)
{
	struct ta_proto_fault f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(
	    ta_proto_decode_request((const uint8_t *)"{}", 2, NULL, &f), TA_ERR_INVALID);
	assert_int_equal(f.code, TA_PROTO_E_INTERNAL);
	pt_bad_n(NULL, 5, TA_PROTO_E_INTERNAL, TA_ERR_INVALID, __LINE__);
	/* A NULL fault is allowed. */
	assert_int_equal(
	    ta_proto_decode_request((const uint8_t *)"[]", 2, &(struct ta_proto_req *){NULL}, NULL),
	    TA_ERR_INVALID);
	ta_proto_req_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocol_decode_empty_payload),
	    cmocka_unit_test(test_protocol_decode_truncated_json),
	    cmocka_unit_test(test_protocol_decode_trailing_bytes),
	    cmocka_unit_test(test_protocol_decode_trailing_whitespace_accepted),
	    cmocka_unit_test(test_protocol_decode_syntax_errors),
	    cmocka_unit_test(test_protocol_decode_pin_never_in_detail),
	    cmocka_unit_test(test_protocol_decode_not_object),
	    cmocka_unit_test(test_protocol_decode_batch_array),
	    cmocka_unit_test(test_protocol_decode_jsonrpc_missing),
	    cmocka_unit_test(test_protocol_decode_jsonrpc_wrong),
	    cmocka_unit_test(test_protocol_decode_id_missing),
	    cmocka_unit_test(test_protocol_decode_id_null),
	    cmocka_unit_test(test_protocol_decode_id_float),
	    cmocka_unit_test(test_protocol_decode_id_wrong_types),
	    cmocka_unit_test(test_protocol_decode_id_bad_strings),
	    cmocka_unit_test(test_protocol_decode_id_huge_int),
	    cmocka_unit_test(test_protocol_decode_unknown_top_member),
	    cmocka_unit_test(test_protocol_decode_method_missing_or_wrong_type),
	    cmocka_unit_test(test_protocol_decode_unknown_method),
	    cmocka_unit_test(test_protocol_decode_params_wrong_type),
	    cmocka_unit_test(test_protocol_decode_params_unknown_member),
	    cmocka_unit_test(test_protocol_decode_params_omitted_when_required),
	    cmocka_unit_test(test_protocol_decode_invalid_utf8),
	    cmocka_unit_test(test_protocol_decode_nul),
	    cmocka_unit_test(test_protocol_decode_duplicate_keys),
	    cmocka_unit_test(test_protocol_decode_depth),
	    cmocka_unit_test(test_protocol_decode_reals_refused),
	    cmocka_unit_test(test_protocol_decode_big_ints_refused),
	    cmocka_unit_test(test_protocol_decode_oversized_payload),
	    cmocka_unit_test(test_protocol_decode_bad_arguments),
	};

	/* Process-wide, before any jansson value exists (proto.h). */
	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
