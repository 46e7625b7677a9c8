/* Unit tests for protocol/: requests: each field of each method's params.
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

/* ---- requests: each field ------------------------------------------------------- */

static const struct bad_req decode_hello_versions_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "hello", "{}", "params.versions: missing" },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":1}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":{}}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[]}", "must not be empty" },
	{ IP, TA_ERR_TOO_LARGE, "hello", "{\"versions\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[0]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[-1]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[65536]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[\"1\"]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[null]}", NULL },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,[1]]}", "params.versions[1]" },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,2,1]}", "params.versions[2]: repeats params.versions[0]" },
};

/* method's request with value where params holds "%s" is refused as invalid params with
 * err, and with detail in the error's detail (NULL: any detail). */
static void
bad_value(int err, const char *method, const char *params, const char *value,
    const char *detail)
{
	const char *at = strstr(params, "%s");

	assert_non_null(at);
	BADF(IP, err, method, "%.*s%s%s", (int)(at - params), params, value, at + 2);
	if (detail != NULL)
		assert_detail_has(detail);
}

/* bad_value() for each of n values: all invalid. */
static void
bad_values(const char *method, const char *params, const char *const *values, size_t n,
    const char *detail)
{
	for (size_t i = 0; i < n; i++)
		bad_value(TA_ERR_INVALID, method, params, values[i], detail);
}

/* bad_value() for n bytes c, one more than the member's limit: too large. */
static void
bad_too_long(const char *method, const char *params, char c, size_t n, const char *detail)
{
	char *s = tu_repeat(c, n);

	bad_value(TA_ERR_TOO_LARGE, method, params, s, detail);
	free(s);
}

#define BAD_VALUES(method, params, values, detail)                                                 \
	bad_values((method), (params), (values), sizeof(values) / sizeof((values)[0]), (detail))

static void
test_protocol_decode_hello_versions_bad(void **state)
{
	(void)state;
	BAD_REQS(decode_hello_versions_bad_cases);
}

static const struct bad_req decode_hello_client_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "hello",
	    "{\"versions\":[1],\"client\":1}", "params.client: must be a string" },
	{ IP, TA_ERR_INVALID, "hello",
	    "{\"versions\":[1],\"client\":\"\"}", "params.client: must not be empty" },
	{ IP, TA_ERR_INVALID, "hello",
	    "{\"versions\":[1],\"client\":\"a\\u001b[2J\"}", "params.client: a control character" },
	{ IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"client\":null}", NULL },
};

static void
test_protocol_decode_hello_client_bad(void **state)
{
	(void)state;
	BAD_REQS(decode_hello_client_bad_cases);
	bad_too_long("hello", "{\"versions\":[1],\"client\":\"%s\"}", 'c', 129,
	    "params.client: longer than 128 bytes");
}

static void
test_protocol_decode_unlock_pin_missing(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "unlock", "{\"token\":\"t\"}");
	assert_detail_has("params.pin: missing");
	assert_int_equal(pt_last.method, TA_PROTO_METHOD_UNLOCK);
}

static void
test_protocol_decode_unlock_pin_wrong_type(void **state)
{
	static const char *pins[] = {
	    "123456", "null", "true", "[\"" PIN "\"]", "{\"pin\":\"" PIN "\"}"};

	(void)state;
	BAD_VALUES("unlock", "{\"pin\":%s}", pins,
	    "params.pin: must be a string");
}

static void
test_protocol_decode_unlock_pin_empty(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "unlock", "{\"pin\":\"\"}");
	assert_detail_has("params.pin: must not be empty");
}

static void
test_protocol_decode_unlock_pin_too_long(void **state)
{
	char *pin = tu_repeat('7', 257);

	(void)state;
	BADF(IP, TA_ERR_TOO_LARGE, "unlock", "{\"pin\":\"%s\"}", pin);
	assert_detail_has("params.pin: longer than 256 bytes");
	assert_null(strstr(pt_last.detail, "777"));
	free(pin);
}

static void
test_protocol_decode_unlock_pin_limit_counts_bytes(void **state)
{
	char pin[129 * 6 + 1] = "";
	struct ta_proto_req *r;

	(void)state;
	for (size_t i = 0; i < 128; i++)
		strcat(pin, "\\u00e9");
	r = OKF("unlock", "{\"pin\":\"%s\"}", pin);
	assert_int_equal(r->p.unlock.pin->len, 256);
	ta_proto_req_free(r);
	strcat(pin, "\\u00e9");
	BADF(IP, TA_ERR_TOO_LARGE, "unlock", "{\"pin\":\"%s\"}", pin);
}

/* The checks on an optional "token" member of method m. */
static void
token_checks(const char *m, const char *other)
{
	char *s1025 = tu_repeat('t', 1025);

	BADF(IP, TA_ERR_INVALID, m, "{%s\"token\":1}", other);
	assert_detail_has("params.token: must be a string");
	BADF(IP, TA_ERR_INVALID, m, "{%s\"token\":null}", other);
	BADF(IP, TA_ERR_INVALID, m, "{%s\"token\":[\"t\"]}", other);
	BADF(IP, TA_ERR_INVALID, m, "{%s\"token\":\"\"}", other);
	assert_detail_has("params.token: must not be empty");
	BADF(IP, TA_ERR_TOO_LARGE, m, "{%s\"token\":\"%s\"}", other, s1025);
	assert_detail_has("params.token: longer than 1024 bytes");
	BADF(IP, TA_ERR_INVALID, m, "{%s\"token\":\"a\\rb\"}", other);
	assert_detail_has("params.token: a control character");
	free(s1025);
}

static void
test_protocol_decode_unlock_token_bad(void **state)
{
	(void)state;
	token_checks("unlock", "\"pin\":\"" PIN "\",");
}

static void
test_protocol_decode_lock_token_bad(void **state)
{
	(void)state;
	token_checks("lock", "");
}

static void
test_protocol_decode_key_list_token_bad(void **state)
{
	(void)state;
	token_checks("key.list", "");
}

static void
test_protocol_decode_key_generate_token_bad(void **state)
{
	(void)state;
	token_checks("key.generate", "\"label\":\"l\",\"type\":\"ed25519\",");
}

static const struct bad_req decode_key_generate_label_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\"}", "params.label: missing" },
	{ IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":7,\"type\":\"ed25519\"}", "params.label: must be a string" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"\",\"type\":\"ed25519\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"a\\u0085b\",\"type\":\"ed25519\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"a\\u007f\",\"type\":\"ed25519\"}", NULL },
};

static void
test_protocol_decode_key_generate_label_bad(void **state)
{
	(void)state;
	BAD_REQS(decode_key_generate_label_bad_cases);
	bad_too_long("key.generate", "{\"label\":\"%s\",\"type\":\"ed25519\"}", 'l', 129,
	    "params.label: longer than 128 bytes");
}

static void
test_protocol_decode_key_generate_type_bad(void **state)
{
	static const char *types[] = {"\"rsa\"", "\"RSA-2048\"", "\"ecdsa\"", "\"rsa-1024\"",
	    "\"ed448\"", "\"\"", "\"ed25519 \"", "1", "null", "[\"ed25519\"]"};

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"l\"}");
	assert_detail_has("params.type: missing");
	BAD_VALUES("key.generate", "{\"label\":\"l\",\"type\":%s}", types,
	    "params.type: must be one of");
}

static const struct bad_req decode_key_cert_key_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "key.cert", "{\"gun\":\"g\"}", "params.key: missing" },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":{},\"gun\":\"g\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"\",\"gun\":\"g\"}", NULL },
};

static void
test_protocol_decode_key_cert_key_bad(void **state)
{
	(void)state;
	BAD_REQS(decode_key_cert_key_bad_cases);
	bad_too_long("key.cert", "{\"key\":\"%s\",\"gun\":\"g\"}", 'k', 1025,
	    "params.key: longer than 1024 bytes");
}

static const struct bad_req decode_key_cert_gun_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\"}", "params.gun: missing" },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":false}", NULL },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"\"}", NULL },
	{ IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"a\\tb\"}", NULL },
};

static void
test_protocol_decode_key_cert_gun_bad(void **state)
{
	(void)state;
	BAD_REQS(decode_key_cert_gun_bad_cases);
	bad_too_long("key.cert", "{\"key\":\"k\",\"gun\":\"%s\"}", 'g', 256,
	    "params.gun: longer than 255 bytes");
}

static void
test_protocol_decode_key_cert_days_out_of_range(void **state)
{
	static const char *days[] = {
	    "0", "-1", "36501", "-36500", "\"3650\"", "true", "null", "[1]"};

	(void)state;
	BAD_VALUES("key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":%s}", days,
	    "params.days: must be an integer from 1 to 36500");
}

static void
test_protocol_decode_key_cert_store_bad(void **state)
{
	static const char *store[] = {"1", "0", "\"true\"", "null", "{}"};

	(void)state;
	BAD_VALUES("key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"store\":%s}", store,
	    "params.store: must be true or false");
}

static const struct bad_req decode_key_show_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "key.show", "{\"profile\":\"tuf\"}", "params.key: missing" },
	{ IP, TA_ERR_INVALID, "key.show", "{\"key\":\"k\"}", "params.profile: missing" },
	{ IP, TA_ERR_INVALID, "key.show", "{\"key\":\"\",\"profile\":\"tuf\"}", NULL },
};

static void
test_protocol_decode_key_show_bad(void **state)
{
	static const char *profiles[] = {
	    "\"Notary\"", "\"TUF\"", "\"tuf \"", "\"\"", "\"dct\"", "1", "null", "[\"tuf\"]", "\"ceremony\""};

	(void)state;
	BAD_REQS(decode_key_show_bad_cases);
	BAD_VALUES("key.show", "{\"key\":\"k\",\"profile\":%s}", profiles,
	    "params.profile: must be \"notary\" or \"tuf\"");
}

#define SIGN_REST "\"keys\":[\"k\"],\"file\":\"x\""

static void
test_protocol_decode_sign_profile_bad(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign", "{\"role\":\"targets\",\"gun\":\"g\"," SIGN_REST "}");
	assert_detail_has("params.profile: missing");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"x509\",\"role\":\"targets\",\"gun\":\"g\"," SIGN_REST "}");
	assert_detail_has("params.profile: must be \"notary\", \"tuf\" or \"ceremony\"");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":true,\"role\":\"targets\",\"gun\":\"g\"," SIGN_REST "}");
}

static void
test_protocol_decode_sign_role_bad(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\"," SIGN_REST "}");
	assert_detail_has("params.role: missing");
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":1," SIGN_REST "}");
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":\"\"," SIGN_REST "}");
	bad_too_long("sign", "{\"profile\":\"tuf\",\"role\":\"%s\"," SIGN_REST "}", 'r', 256,
	    "params.role: longer than 255 bytes");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\\n\"," SIGN_REST "}");
}

static void
test_protocol_decode_sign_gun_bad(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"notary\",\"role\":\"targets\"," SIGN_REST "}");
	assert_detail_has("params.gun: missing (the notary profile needs it)");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"notary\",\"role\":\"targets\",\"gun\":\"\"," SIGN_REST "}");
	/* Optional for tuf, but never empty. */
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"gun\":\"\"," SIGN_REST "}");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"gun\":null," SIGN_REST "}");
	bad_too_long("sign",
	    "{\"profile\":\"notary\",\"role\":\"targets\",\"gun\":\"%s\"," SIGN_REST "}", 'g', 256,
	    NULL);
}

static void
test_protocol_decode_sign_keys_empty(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[],\"file\":\"x\"}");
	assert_detail_has("params.keys: must not be empty");
}

static void
test_protocol_decode_sign_keys_too_many(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_TOO_LARGE, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"1\",\"2\",\"3\",\"4\",\"5\","
	    "\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"],"
	    "\"file\":\"x\"}");
	assert_detail_has("params.keys: more than 16 entries");
}

static const struct bad_req decode_sign_keys_duplicates_cases[] = {
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"a\",\"b\",\"a\"],\"file\":"
	    "\"x\"}",
	    "params.keys[2]: repeats params.keys[0]" },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"a\",\"\\u0061\"],\"file\":"
	    "\"x\"}",
	    NULL },
};

static void
test_protocol_decode_sign_keys_duplicates(void **state)
{
	(void)state;
	BAD_REQS(decode_sign_keys_duplicates_cases);
}

static const struct bad_req decode_sign_keys_bad_entries_cases[] = {
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"file\":\"x\"}", "params.keys: missing" },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":\"k\",\"file\":\"x\"}",
	    "params.keys: must be an array" },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\",1],\"file\":\"x\"}",
	    "params.keys[1]: must be a string" },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"\"],\"file\":\"x\"}", NULL },
	{ PE, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\\u0000\"],\"file\":\"x\"}", NULL },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\\u0008\"],\"file\":\"x\"}", NULL },
};

static void
test_protocol_decode_sign_keys_bad_entries(void **state)
{
	(void)state;
	BAD_REQS(decode_sign_keys_bad_entries_cases);
	bad_too_long("sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"%s\"],\"file\":\"x\"}", 'k', 1025,
	    "params.keys[0]: longer than 1024 bytes");
}

static const struct bad_req decode_sign_file_bad_cases[] = {
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"]}", "params.file: missing" },
	{ IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":\"\"}",
	    "params.file: must not be empty" },
};

static void
test_protocol_decode_sign_file_bad(void **state)
{
	static const char *files[] = {"{}", "{\"signed\":{}}", "1", "null", "[\"x\"]", "true"};

	(void)state;
	BAD_REQS(decode_sign_file_bad_cases);
	/* The file travels as a string, never as a tree. */
	BAD_VALUES("sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":%s}", files,
	    "params.file: must be a string");
}

/* prev_root: absent is NULL; a string like file (newlines and all), for
 * role "root" only; in the frame with the file, no limit of its own. */
static void
test_protocol_decode_sign_prev_root(void **state)
{
	size_t n = (size_t)1 << 20;
	char *big = tu_repeat('p', n);
	struct ta_proto_req *r;

	(void)state;
	r = OKF("sign", "{\"profile\":\"notary\",\"role\":\"root\",\"gun\":\"g\"," SIGN_REST "}");
	assert_null(r->p.sign.prev_root);
	assert_int_equal(r->p.sign.prev_root_len, 0);
	ta_proto_req_free(r);
	r = OKF("sign", "{\"profile\":\"notary\",\"role\":\"root\",\"gun\":\"g\",\"prev_root\":"
			"\"{\\n\\t\\\"signed\\\": \\\"\\u00e9\\\"\\n}\\n\"," SIGN_REST "}");
	assert_int_equal(r->p.sign.prev_root_len, 20);
	assert_memory_equal(r->p.sign.prev_root, "{\n\t\"signed\": \"\xc3\xa9\"\n}\n", 21);
	assert_int_equal(r->p.sign.file_len, 1);
	assert_string_equal(r->p.sign.file, "x");
	ta_proto_req_free(r);
	/* 1 byte, and a large one beside a large file. */
	r = OKF("sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\",\"keys\":[\"k\"],\"file\":\"%s\",\"prev_root\":"
	    "\"%s\"}",
	    big, big);
	assert_int_equal(r->p.sign.prev_root_len, n);
	assert_memory_equal(r->p.sign.prev_root, big, n);
	assert_int_equal(r->p.sign.file_len, n);
	ta_proto_req_free(r);
	r = OKF(
	    "sign", "{\"profile\":\"tuf\",\"role\":\"root\",\"prev_root\":\"1\"," SIGN_REST "}");
	assert_int_equal(r->p.sign.prev_root_len, 1);
	ta_proto_req_free(r);
	free(big);
}

static void
test_protocol_decode_sign_prev_root_bad(void **state)
{
	static const char *values[] = {"{}", "{\"signed\":{}}", "1", "null", "[\"x\"]", "true"};
	static const char *roles[] = {
	    "targets", "snapshot", "timestamp", "targets/releases", "Root", "root ", "roots"};

	(void)state;
	BAD_VALUES("sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prev_root\":%s}", values,
	    "params.prev_root: must be a string");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prev_root\":\"\"}");
	assert_detail_has("params.prev_root: must not be empty");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"notary\",\"role\":\"%s\",\"gun\":\"g\"," SIGN_REST
		    ",\"prev_root\":\"{}\"}",
		    roles[i]);
		assert_detail_has("params.prev_root: only for role \"root\"");
		assert_int_equal(pt_last.method, TA_PROTO_METHOD_SIGN);
	}
	/* NUL inside is a JSON rule (-32700), as for file. */
	BADF(PE, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prev_root\":\"a\\u0000\"}");
	/* Checked after the file: a request bad in both is refused for the file. */
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"k\"],\"file\":\"\","
	    "\"prev_root\":1}");
	assert_detail_has("params.file: must not be empty");
	/* Spelled otherwise it is an unknown member. */
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prevRoot\":\"x\"}");
	assert_detail_has("unknown member \"prevRoot\"");
}

/* parent: absent is NULL; a string like file, for delegated roles only. */
static void
test_protocol_decode_sign_parent(void **state)
{
	static const char *values[] = {"{}", "1", "null", "[\"x\"]", "false"};
	static const char *top[] = {"root", "targets", "snapshot", "timestamp"};
	struct ta_proto_req *r;

	(void)state;
	r = OKF("sign", "{\"profile\":\"notary\",\"role\":\"targets/releases\",\"gun\":\"g\","
			SIGN_REST "}");
	assert_null(r->p.sign.parent);
	assert_int_equal(r->p.sign.parent_len, 0);
	ta_proto_req_free(r);
	r = OKF("sign", "{\"profile\":\"notary\",\"role\":\"targets/releases\",\"gun\":\"g\","
			"\"parent\":\"{\\n\\\"signed\\\":1}\"," SIGN_REST "}");
	assert_int_equal(r->p.sign.parent_len, 13);
	assert_memory_equal(r->p.sign.parent, "{\n\"signed\":1}", 14);
	assert_null(r->p.sign.prev_root);
	ta_proto_req_free(r);
	/* tuf delegations have any name but the top-level ones. */
	r = OKF("sign", "{\"profile\":\"tuf\",\"role\":\"qa\",\"parent\":\"p\"," SIGN_REST "}");
	assert_int_equal(r->p.sign.parent_len, 1);
	ta_proto_req_free(r);
	BAD_VALUES("sign",
	    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":%s}", values,
	    "params.parent: must be a string");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":\"\"}");
	assert_detail_has("params.parent: must not be empty");
	BAD_VALUES("sign",
	    "{\"profile\":\"notary\",\"role\":\"%s\",\"gun\":\"g\","
	    SIGN_REST ",\"parent\":\"{}\"}", top,
	    "params.parent: only for delegated roles");
	BADF(PE, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":\"a\\u0000\"}");
}

static void
test_protocol_decode_fault_carries_id_and_method(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"req-9\",\"method\":\"key.show\",\"params\":{}}", IP,
	    TA_ERR_INVALID);
	assert_int_equal(pt_last.id.kind, TA_PROTO_ID_STR);
	assert_string_equal(pt_last.id.str, "req-9");
	assert_int_equal(pt_last.method, TA_PROTO_METHOD_KEY_SHOW);
	/* Member order does not matter: the id is read first whatever its place. */
	BAD("{\"method\":\"nope\",\"jsonrpc\":\"2.0\",\"id\":-4}", TA_PROTO_E_METHOD_NOT_FOUND,
	    TA_ERR_NOT_FOUND);
	assert_int_equal(pt_last.id.num, -4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocol_decode_hello_versions_bad),
	    cmocka_unit_test(test_protocol_decode_hello_client_bad),
	    cmocka_unit_test(test_protocol_decode_unlock_pin_missing),
	    cmocka_unit_test(test_protocol_decode_unlock_pin_wrong_type),
	    cmocka_unit_test(test_protocol_decode_unlock_pin_empty),
	    cmocka_unit_test(test_protocol_decode_unlock_pin_too_long),
	    cmocka_unit_test(test_protocol_decode_unlock_pin_limit_counts_bytes),
	    cmocka_unit_test(test_protocol_decode_unlock_token_bad),
	    cmocka_unit_test(test_protocol_decode_lock_token_bad),
	    cmocka_unit_test(test_protocol_decode_key_list_token_bad),
	    cmocka_unit_test(test_protocol_decode_key_generate_token_bad),
	    cmocka_unit_test(test_protocol_decode_key_generate_label_bad),
	    cmocka_unit_test(test_protocol_decode_key_generate_type_bad),
	    cmocka_unit_test(test_protocol_decode_key_cert_key_bad),
	    cmocka_unit_test(test_protocol_decode_key_cert_gun_bad),
	    cmocka_unit_test(test_protocol_decode_key_cert_days_out_of_range),
	    cmocka_unit_test(test_protocol_decode_key_cert_store_bad),
	    cmocka_unit_test(test_protocol_decode_key_show_bad),
	    cmocka_unit_test(test_protocol_decode_sign_profile_bad),
	    cmocka_unit_test(test_protocol_decode_sign_role_bad),
	    cmocka_unit_test(test_protocol_decode_sign_gun_bad),
	    cmocka_unit_test(test_protocol_decode_sign_keys_empty),
	    cmocka_unit_test(test_protocol_decode_sign_keys_too_many),
	    cmocka_unit_test(test_protocol_decode_sign_keys_duplicates),
	    cmocka_unit_test(test_protocol_decode_sign_keys_bad_entries),
	    cmocka_unit_test(test_protocol_decode_sign_file_bad),
	    cmocka_unit_test(test_protocol_decode_sign_prev_root),
	    cmocka_unit_test(test_protocol_decode_sign_prev_root_bad),
	    cmocka_unit_test(test_protocol_decode_sign_parent),
	    cmocka_unit_test(test_protocol_decode_fault_carries_id_and_method),
	};

	/* Process-wide, before any jansson value exists (proto.h). */
	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
