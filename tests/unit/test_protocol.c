/* Unit tests for protocol/: frames, requests of every method from a good frame, key scopes, method
 * names, ids and set-up.
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

/* ---- frames ------------------------------------------------------------- */

/* ta_proto_frame_check() on len bytes of f with max gives want, and the payload length
 * want_n; on an error the length is left alone. */
static void
frame_is(const uint8_t *f, size_t len, size_t max, int want, size_t want_n)
{
	size_t n = 99;

	assert_int_equal(ta_proto_frame_check(f, len, max, &n), want);
	assert_int_equal(n, want == 0 ? want_n : 99);
}

static void
test_protocol_frame_complete(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}\0\0\0\1";

	(void)state;
	frame_is(f, 6, TA_PROTO_MAX_FRAME, 0, 2);
	/* The start of the next frame after it changes nothing. */
	frame_is(f, sizeof(f) - 1, 2, 0, 2);
}

static void
test_protocol_frame_truncated_header(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}";

	(void)state;
	for (size_t len = 0; len < 4; len++)
		frame_is(f, len, 100, TA_ERR_TRUNCATED, 0);
	frame_is(NULL, 0, 100, TA_ERR_TRUNCATED, 0);
}

static void
test_protocol_frame_truncated_payload(void **state)
{
	static const uint8_t f[] = "\0\0\0\12{\"a\":1234}";

	(void)state;
	for (size_t len = 4; len < 14; len++)
		frame_is(f, len, 100, TA_ERR_TRUNCATED, 0);
	frame_is(f, 14, 100, 0, 10);
}

static void
test_protocol_frame_zero_length(void **state)
{
	static const uint8_t f[] = "\0\0\0\0{}";

	(void)state;
	frame_is(f, 4, 100, TA_ERR_PROTOCOL, 0);
	frame_is(f, 6, 100, TA_ERR_PROTOCOL, 0);
}

static void
test_protocol_frame_oversized_prefix(void **state)
{
	static const uint8_t over_default[] = {0x04, 0x00, 0x00, 0x01}; /* 64 MiB + 1 */
	static const uint8_t at_default[] = {0x04, 0x00, 0x00, 0x00};
	static const uint8_t all_ones[] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t eleven[] = {0, 0, 0, 11};

	(void)state;
	/* Decided from the four length bytes alone. */
	frame_is(over_default, 4, TA_PROTO_MAX_FRAME, TA_ERR_TOO_LARGE, 0);
	frame_is(all_ones, 4, TA_PROTO_MAX_FRAME, TA_ERR_TOO_LARGE, 0);
	frame_is(eleven, 4, 10, TA_ERR_TOO_LARGE, 0);
	frame_is(at_default, 4, TA_PROTO_MAX_FRAME - 1, TA_ERR_TOO_LARGE, 0);
	/* Exactly the maximum is fine: wait for it. */
	frame_is(at_default, 4, TA_PROTO_MAX_FRAME, TA_ERR_TRUNCATED, 0);
}

static void
test_protocol_frame_max_boundary(void **state)
{
	uint8_t f[14] = {0, 0, 0, 10};

	(void)state;
	memset(f + 4, ' ', 10);
	frame_is(f, sizeof(f), 10, 0, 10);
	frame_is(f, sizeof(f), 9, TA_ERR_TOO_LARGE, 0);
	f[3] = 1;
	frame_is(f, sizeof(f), 1, 0, 1);
}

static void
test_protocol_frame_bad_arguments(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}";
	const uint8_t *p = NULL;
	struct ta_buf *b;
	size_t n = 99;

	(void)state;
	frame_is(f, 6, 0, TA_ERR_INVALID, 0);
	frame_is(f, 6, TA_PROTO_MAX_FRAME + 1, TA_ERR_INVALID, 0);
	frame_is(NULL, 6, 100, TA_ERR_INVALID, 0);
	assert_int_equal(ta_proto_frame_check(f, 6, 100, NULL), TA_ERR_INVALID);
	b = pt_out_buf();
	assert_int_equal(ta_proto_frame_take(NULL, 100, &p, &n), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_take(b, 100, NULL, &n), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_take(b, 100, &p, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_take(b, 0, &p, &n), TA_ERR_INVALID);
	ta_buf_free(b);
}

static void
test_protocol_frame_take_pipelined(void **state)
{
	static const uint8_t in[] = "\0\0\0\2{}\0\0\0\3[1]\0\0\0\7{\"a\"";
	const uint8_t *p = NULL;
	struct ta_buf *b = pt_out_buf();
	size_t n = 0;

	(void)state;
	assert_int_equal(ta_buf_put(b, in, sizeof(in) - 1), 0);
	assert_int_equal(ta_proto_frame_take(b, 100, &p, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "{}", 2);
	assert_int_equal(ta_proto_frame_take(b, 100, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "[1]", 3);
	/* The third is incomplete: nothing is consumed. */
	assert_int_equal(ta_proto_frame_take(b, 100, &p, &n), TA_ERR_TRUNCATED);
	assert_int_equal(ta_buf_len(b), 8);
	assert_int_equal(ta_buf_put(b, ":1}", 3), 0);
	assert_int_equal(ta_proto_frame_take(b, 100, &p, &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "{\"a\":1}", 7);
	assert_int_equal(ta_buf_len(b), 0);
	/* A bad prefix consumes nothing either. */
	assert_int_equal(ta_buf_put(b, "\0\0\1\0", 4), 0);
	assert_int_equal(ta_proto_frame_take(b, 255, &p, &n), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_buf_len(b), 4);
	ta_buf_reset(b);
	assert_int_equal(ta_buf_put(b, "\0\0\0\0", 4), 0);
	assert_int_equal(ta_proto_frame_take(b, 255, &p, &n), TA_ERR_PROTOCOL);
	assert_int_equal(ta_buf_len(b), 4);
	ta_buf_free(b);
}

static void
test_protocol_frame_take_byte_at_a_time(void **state)
{
	static const char req[] =
	    "\0\0\0\66{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":{}}";
	struct ta_buf *b = pt_out_buf();
	const uint8_t *p = NULL;
	struct ta_proto_req *r;
	size_t n = 0;

	(void)state;
	assert_int_equal(sizeof(req) - 1, 4 + 066);
	for (size_t i = 0; i + 1 < sizeof(req) - 1; i++) {
		assert_int_equal(ta_buf_put(b, req + i, 1), 0);
		assert_int_equal(ta_proto_frame_take(b, 1000, &p, &n), TA_ERR_TRUNCATED);
	}
	assert_int_equal(ta_buf_put(b, req + sizeof(req) - 2, 1), 0);
	assert_int_equal(ta_proto_frame_take(b, 1000, &p, &n), 0);
	r = pt_ok_n((const char *)p, n, __LINE__);
	assert_int_equal(r->method, TA_PROTO_METHOD_STATUS);
	ta_proto_req_free(r);
	ta_buf_free(b);
}

/* ---- requests: every method from a good frame ---------------------------------- */

static void
test_protocol_decode_hello(void **state)
{
	struct ta_proto_req *r;
	uint32_t v = 0;

	(void)state;
	r = OKF("hello", "{\"versions\":[2,1],\"client\":\"tufctl 0.1.0\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_HELLO);
	assert_int_equal(r->id.kind, TA_PROTO_ID_INT);
	assert_int_equal(r->id.num, 7);
	assert_int_equal(r->p.hello.n_versions, 2);
	assert_int_equal(r->p.hello.versions[0], 2);
	assert_int_equal(r->p.hello.versions[1], 1);
	assert_string_equal(r->p.hello.client, "tufctl 0.1.0");
	assert_int_equal(ta_proto_hello_pick(&r->p.hello, &v), 0);
	assert_int_equal(v, 1);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_hello_without_client(void **state)
{
	struct ta_proto_req *r;
	uint32_t v = 42;

	(void)state;
	r = OKF("hello", "{\"versions\":[3,2]}");
	assert_int_equal(r->p.hello.n_versions, 2);
	assert_string_equal(r->p.hello.client, "");
	/* Well-formed, but no version in common. */
	assert_int_equal(ta_proto_hello_pick(&r->p.hello, &v), TA_ERR_UNSUPPORTED);
	assert_int_equal(v, 42);
	assert_int_equal(ta_proto_hello_pick(NULL, &v), TA_ERR_INVALID);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_status(void **state)
{
	static const char omitted[] = "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"method\":\"status\"}";
	struct ta_proto_req *r;

	(void)state;
	r = OKF("status", "{}");
	assert_int_equal(r->method, TA_PROTO_METHOD_STATUS);
	ta_proto_req_free(r);
	r = OK(omitted);
	assert_int_equal(r->method, TA_PROTO_METHOD_STATUS);
	assert_int_equal(r->id.kind, TA_PROTO_ID_STR);
	assert_string_equal(r->id.str, "s-1");
	assert_int_equal(r->id.len, 3);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_unlock(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("unlock", "{\"token\":\"pkcs11:token=ci-hsm\",\"pin\":\"" PIN "\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_UNLOCK);
	assert_string_equal(r->p.unlock.token, "pkcs11:token=ci-hsm");
	assert_non_null(r->p.unlock.pin);
	assert_int_equal(r->p.unlock.pin->len, strlen(PIN));
	assert_memory_equal(r->p.unlock.pin->data, PIN, strlen(PIN));
	ta_proto_req_free(r);
}

static void
test_protocol_decode_unlock_without_token(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	/* A PIN is any UTF-8 but NUL: escapes decoded, spaces kept. */
	r = OKF("unlock", "{\"pin\":\" \\u00e9\\t1\"}");
	assert_string_equal(r->p.unlock.token, "");
	assert_int_equal(r->p.unlock.pin->len, 5);
	assert_memory_equal(r->p.unlock.pin->data, " \xc3\xa9\t1", 5);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_lock(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("lock", "{\"token\":\"yubikey\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_LOCK);
	assert_string_equal(r->p.lock.token, "yubikey");
	ta_proto_req_free(r);
	r = OKF("lock", "{}");
	assert_string_equal(r->p.lock.token, "");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_key_list(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("key.list", "{\"token\":\"pkcs11:token=a;serial=1\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_KEY_LIST);
	assert_string_equal(r->p.key_list.token, "pkcs11:token=a;serial=1");
	ta_proto_req_free(r);
	r = OK("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"key.list\"}");
	assert_string_equal(r->p.key_list.token, "");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_key_generate(void **state)
{
	static const struct {
		const char *name;
		enum ta_key_type type;
	} types[] = {
	    {"ecdsa-p256", TA_KEY_EC_P256},
	    {"ecdsa-p384", TA_KEY_EC_P384},
	    {"rsa-2048", TA_KEY_RSA_2048},
	    {"rsa-3072", TA_KEY_RSA_3072},
	    {"rsa-4096", TA_KEY_RSA_4096},
	    {"ed25519", TA_KEY_ED25519},
	};
	struct ta_proto_req *r;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		r = OKF("key.generate", "{\"label\":\"targets-1\",\"type\":\"%s\",\"token\":\"t\"}",
		    types[i].name);
		assert_int_equal(r->method, TA_PROTO_METHOD_KEY_GENERATE);
		assert_string_equal(r->p.key_generate.label, "targets-1");
		assert_int_equal(r->p.key_generate.type, types[i].type);
		assert_string_equal(r->p.key_generate.token, "t");
		ta_proto_req_free(r);
	}
	r = OKF("key.generate", "{\"type\":\"ed25519\",\"label\":\"r\\u00f6\\u00f6t\"}");
	assert_string_equal(r->p.key_generate.label, "r\xc3\xb6\xc3\xb6t");
	assert_string_equal(r->p.key_generate.token, "");
	assert_int_equal(r->p.key_generate.slot, 0);
	ta_proto_req_free(r);
	/* A PIV slot: the label may go (the module names the key). */
	r = OKF("key.generate", "{\"type\":\"ecdsa-p256\",\"slot\":\"9c\"}");
	assert_int_equal(r->p.key_generate.slot, 0x9c);
	assert_string_equal(r->p.key_generate.label, "");
	ta_proto_req_free(r);
	r = OKF("key.generate", "{\"type\":\"rsa-2048\",\"slot\":\"95\",\"label\":\"x\"}");
	assert_int_equal(r->p.key_generate.slot, 0x95);
	assert_string_equal(r->p.key_generate.label, "x");
	ta_proto_req_free(r);
}

static void
test_protocol_piv_slot(void **state)
{
	static const char *const good[] = {"9a", "9c", "9d", "9e", "82", "8f", "95"};
	static const char *const bad[] = {"9b", "f9", "81", "96", "9C", "9", "09c", "", "x9",
	    "9\xc3", "80", "00"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ta_proto_piv_slot(good[i]), strtoul(good[i], NULL, 16));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ta_proto_piv_slot(bad[i]), 0);
	assert_int_equal(ta_proto_piv_slot(NULL), 0);
}

static void
test_protocol_decode_key_cert(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("key.cert",
	    "{\"key\":\"root-1\",\"gun\":\"registry.example.com/team/app\",\"days\":365,"
	    "\"store\":true}");
	assert_int_equal(r->method, TA_PROTO_METHOD_KEY_CERT);
	assert_string_equal(r->p.key_cert.key, "root-1");
	assert_string_equal(r->p.key_cert.gun, "registry.example.com/team/app");
	assert_int_equal(r->p.key_cert.days, 365);
	assert_true(r->p.key_cert.store);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_key_cert_defaults(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("key.cert", "{\"key\":\"root-1\",\"gun\":\"docker.io/library/x\"}");
	assert_int_equal(r->p.key_cert.days, TA_PROTO_DAYS_DEFAULT);
	assert_int_equal(r->p.key_cert.days, 3650);
	assert_false(r->p.key_cert.store);
	ta_proto_req_free(r);
	r = OKF("key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"store\":false,\"days\":1}");
	assert_int_equal(r->p.key_cert.days, 1);
	assert_false(r->p.key_cert.store);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_key_show(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("key.show", "{\"key\":\"targets-1\",\"profile\":\"notary\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_KEY_SHOW);
	assert_string_equal(r->p.key_show.key, "targets-1");
	assert_int_equal(r->p.key_show.profile, TA_PROTO_PROFILE_NOTARY);
	ta_proto_req_free(r);
	r = OKF("key.show", "{\"profile\":\"tuf\",\"key\":\"pkcs11:object=x\"}");
	assert_int_equal(r->p.key_show.profile, TA_PROTO_PROFILE_TUF);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_sign_notary(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF("sign",
	    "{\"profile\":\"notary\",\"role\":\"targets/releases\",\"gun\":\"r.example/a\","
	    "\"keys\":[\"k1\",\"pkcs11:object=k2\"],\"file\":\"{\\\"signed\\\":{}}\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_SIGN);
	assert_int_equal(r->p.sign.profile, TA_PROTO_PROFILE_NOTARY);
	assert_string_equal(r->p.sign.role, "targets/releases");
	assert_string_equal(r->p.sign.gun, "r.example/a");
	assert_int_equal(r->p.sign.n_keys, 2);
	assert_string_equal(r->p.sign.keys[0], "k1");
	assert_string_equal(r->p.sign.keys[1], "pkcs11:object=k2");
	assert_int_equal(r->p.sign.file_len, 13);
	assert_string_equal(r->p.sign.file, "{\"signed\":{}}");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_sign_tuf_without_gun(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OKF(
	    "sign", "{\"profile\":\"tuf\",\"role\":\"snapshot\",\"keys\":[\"k\"],\"file\":\"x\"}");
	assert_int_equal(r->p.sign.profile, TA_PROTO_PROFILE_TUF);
	assert_string_equal(r->p.sign.gun, "");
	assert_int_equal(r->p.sign.n_keys, 1);
	ta_proto_req_free(r);
	r = OKF("sign", "{\"profile\":\"tuf\",\"role\":\"root\",\"gun\":\"repo\",\"keys\":[\"k\"],"
			"\"file\":\"x\"}");
	assert_string_equal(r->p.sign.gun, "repo");
	ta_proto_req_free(r);
	/* A ceremony head (PROTOCOL.md §5.9): sign only. */
	r = OKF("sign", "{\"profile\":\"ceremony\",\"role\":\"root\",\"keys\":[\"k\"],"
			"\"file\":\"x\"}");
	assert_int_equal(r->p.sign.profile, TA_PROTO_PROFILE_CEREMONY);
	assert_string_equal(ta_proto_profile_name(r->p.sign.profile), "ceremony");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_sign_file_exact_bytes(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	/* Newlines, a tab, escaped quotes and a non-ASCII character: decoded
	 * exactly, and control characters are allowed in the file only. */
	r = OKF("sign", "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"k\"],"
			"\"file\":\"{\\n\\t\\\"a\\\": \\\"\\u00e9\\\\\\\"\\n}\\n\"}");
	assert_int_equal(r->p.sign.file_len, 16);
	assert_memory_equal(r->p.sign.file, "{\n\t\"a\": \"\xc3\xa9\\\"\n}\n", 17);
	ta_proto_req_free(r);
}

static void
test_protocol_decode_sign_large_file(void **state)
{
	size_t n = (size_t)1 << 20;
	char *file = tu_repeat('a', n);
	struct ta_proto_req *r;

	(void)state;
	r = OKF("sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"k\"],\"file\":\"%s\"}", file);
	assert_int_equal(r->p.sign.file_len, n);
	assert_memory_equal(r->p.sign.file, file, n);
	ta_proto_req_free(r);
	free(file);
}

static void
test_protocol_decode_string_id(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OK("{\"id\":\"\\u00e9-\\ud83d\\ude00\",\"method\":\"status\",\"jsonrpc\":\"2.0\"}");
	assert_int_equal(r->id.kind, TA_PROTO_ID_STR);
	assert_int_equal(r->id.len, 7);
	assert_string_equal(r->id.str, "\xc3\xa9-\xf0\x9f\x98\x80");
	ta_proto_req_free(r);
}

static void
test_protocol_decode_id_limits_accepted(void **state)
{
	char *id64 = tu_repeat('i', 64), *j;
	struct ta_proto_req *r;

	(void)state;
	r = OK("{\"jsonrpc\":\"2.0\",\"id\":9007199254740992,\"method\":\"status\"}");
	assert_int_equal(r->id.num, (int64_t)1 << 53);
	ta_proto_req_free(r);
	r = OK("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740992,\"method\":\"status\"}");
	assert_int_equal(r->id.num, -((int64_t)1 << 53));
	ta_proto_req_free(r);
	r = OK("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"status\"}");
	assert_int_equal(r->id.kind, TA_PROTO_ID_INT);
	assert_int_equal(r->id.num, 0);
	ta_proto_req_free(r);
	j = tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"status\"}", id64);
	r = OK(j);
	assert_int_equal(r->id.len, 64);
	assert_string_equal(r->id.str, id64);
	ta_proto_req_free(r);
	free(j);
	free(id64);
}

static void
test_protocol_decode_limits_accepted(void **state)
{
	char *s128 = tu_repeat('l', 128), *s255 = tu_repeat('g', 255), *s256 = tu_repeat('p', 256);
	char *s1024 = tu_repeat('k', 1024), *keys;
	struct ta_proto_req *r;

	(void)state;
	r = OKF("key.generate", "{\"label\":\"%s\",\"type\":\"ed25519\",\"token\":\"%s\"}", s128,
	    s1024);
	assert_int_equal(strlen(r->p.key_generate.label), 128);
	assert_int_equal(strlen(r->p.key_generate.token), 1024);
	ta_proto_req_free(r);
	r = OKF("unlock", "{\"pin\":\"%s\"}", s256);
	assert_int_equal(r->p.unlock.pin->len, 256);
	ta_proto_req_free(r);
	r = OKF("key.cert", "{\"key\":\"%s\",\"gun\":\"%s\",\"days\":36500}", s1024, s255);
	assert_int_equal(r->p.key_cert.days, 36500);
	assert_int_equal(strlen(r->p.key_cert.gun), 255);
	ta_proto_req_free(r);
	r = OKF("hello",
	    "{\"versions\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,65535],\"client\":\"%s\"}", s128);
	assert_int_equal(r->p.hello.n_versions, 16);
	assert_int_equal(r->p.hello.versions[15], 65535);
	ta_proto_req_free(r);
	keys =
	    tu_fmt("[\"a%s\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
		"\"n\",\"o\",\"p\"]",
		s1024 + 1);
	r = OKF("sign",
	    "{\"profile\":\"notary\",\"role\":\"%s\",\"gun\":\"%s\",\"keys\":%s,\"file\":\"x\"}",
	    s255, s255, keys);
	assert_int_equal(r->p.sign.n_keys, 16);
	assert_int_equal(strlen(r->p.sign.keys[0]), 1024);
	assert_string_equal(r->p.sign.keys[15], "p");
	ta_proto_req_free(r);
	free(keys);
	free(s128);
	free(s255);
	free(s256);
	free(s1024);
}

static void
test_protocol_decode_member_order_and_whitespace(void **state)
{
	struct ta_proto_req *r;

	(void)state;
	r = OK(" \n{ \"params\" : { \"token\" : \"t\" } ,\r\n\t\"method\":\"lock\", \"id\" : 3 ,"
	       "\"jsonrpc\" : \"2.0\" }\n ");
	assert_int_equal(r->method, TA_PROTO_METHOD_LOCK);
	assert_int_equal(r->id.num, 3);
	assert_string_equal(r->p.lock.token, "t");
	ta_proto_req_free(r);
}

/* ---- key scopes ---------------------------------------------------------------------------- */

#define SC "{\"profile\":\"notary\",\"guns\":[\"r.example/a\",\"r.example/b*\"],\"roles\":[\"targets\"]}"

static void
test_protocol_decode_key_scope(void **state)
{
	struct ta_proto_req *r;
	json_t *j;
	char *text;

	(void)state;
	r = OKF("key.scope", "{\"key\":\"targets-1\"}");
	assert_int_equal(r->method, TA_PROTO_METHOD_KEY_SCOPE);
	assert_string_equal(r->p.key_scope.key, "targets-1");
	assert_int_equal(r->p.key_scope.op, TA_PROTO_SCOPE_SHOW);
	ta_proto_req_free(r);
	r = OKF("key.scope", "{\"key\":\"k\",\"clear\":true}");
	assert_int_equal(r->p.key_scope.op, TA_PROTO_SCOPE_CLEAR);
	ta_proto_req_free(r);
	r = OKF("key.scope", "{\"key\":\"k\",\"add\":%s}", SC);
	assert_int_equal(r->p.key_scope.op, TA_PROTO_SCOPE_ADD);
	assert_int_equal(r->p.key_scope.scope.profile, TA_PROTO_PROFILE_NOTARY);
	assert_int_equal(r->p.key_scope.scope.n_guns, 2);
	assert_string_equal(r->p.key_scope.scope.guns[1], "r.example/b*");
	assert_int_equal(r->p.key_scope.scope.n_roles, 1);
	assert_string_equal(r->p.key_scope.scope.roles[0], "targets");
	/* The encoder gives back what was decoded. */
	j = ta_proto_scope_json(&r->p.key_scope.scope);
	assert_non_null(j);
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"guns\":[\"r.example/a\",\"r.example/b*\"],\"profile\":"
				  "\"notary\",\"roles\":[\"targets\"]}");
	free(text);
	json_decref(j);
	ta_proto_req_free(r);
	r = OKF("key.scope", "{\"key\":\"k\",\"set\":{\"guns\":[\"*\"],\"roles\":[\"r\"]}}");
	assert_int_equal(r->p.key_scope.op, TA_PROTO_SCOPE_SET);
	assert_int_equal(r->p.key_scope.scope.profile, TA_PROTO_PROFILE_NONE);
	ta_proto_req_free(r);
	/* key.generate carries one too. */
	r = OKF("key.generate", "{\"label\":\"x\",\"type\":\"ed25519\",\"scope\":%s}", SC);
	assert_true(r->p.key_generate.has_scope);
	assert_int_equal(r->p.key_generate.scope.n_guns, 2);
	ta_proto_req_free(r);
	r = OKF("key.generate", "{\"label\":\"x\",\"type\":\"ed25519\"}");
	assert_false(r->p.key_generate.has_scope);
	ta_proto_req_free(r);
	assert_true(ta_proto_scope_literal("registry.example.com/app"));
	assert_false(ta_proto_scope_literal("registry.example.com/*"));
	assert_false(ta_proto_scope_literal("a?"));
	assert_false(ta_proto_scope_literal("a[bc]"));
	assert_false(ta_proto_scope_literal("a\\b"));
}

static const struct bad_req decode_key_scope_refused_cases[] = {
	{ IP, TA_ERR_INVALID, "key.scope", "{}", "params.key: missing" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"clear\":false}", "params.clear: must be true" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":[]}", "params.set: must be an object" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"roles\":[\"r\"]}}", "params.set.guns: missing" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[],\"roles\":[\"r\"]}}",
	    "params.set.guns: must not be empty" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\"],\"roles\":\"r\"}}",
	    "params.set.roles: must be an array" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[1],\"roles\":[\"r\"]}}",
	    "params.set.guns[0]: must be a string" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"\"],\"roles\":[\"r\"]}}", NULL },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\",\"g\"],\"roles\":[\"r\"]}}",
	    "params.set.guns[1]: repeats params.set.guns[0]" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\\u0001\"],\"roles\":[\"r\"]}}",
	    "control character" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\"],\"roles\":[\"r\"],\"x\":1}}",
	    "unknown member" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"profile\":\"x509\",\"guns\":[\"g\"],\"roles\":[\"r\"]}}",
	    "params.set.profile" },
	{ IP, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"other\":1}", NULL },
	{ IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"x\",\"type\":\"ed25519\",\"scope\":{\"guns\":[\"g\"]}}",
	    "params.scope.roles: missing" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\"}", "params.label: missing" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\",\"slot\":\"9b\"}",
	    "params.slot: must be a PIV key slot" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\",\"slot\":\"9C\"}",
	    "params.slot: must be a PIV key slot" },
	{ IP, TA_ERR_TOO_LARGE, "key.generate", "{\"type\":\"ed25519\",\"slot\":\"9cc\"}",
	    "params.slot: longer than 2 bytes" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\",\"slot\":156}",
	    "params.slot" },
	{ IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\",\"slot\":\"\"}",
	    "params.slot" },
};

static void
test_protocol_decode_key_scope_refused(void **state)
{
	char big[300], many[16 * 6 + 20], *p = many;

	(void)state;
	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p += sprintf(p, "[");
	for (int i = 0; i < 17; i++)
		p += sprintf(p, "%s\"g%d\"", i > 0 ? "," : "", i);
	(void)sprintf(p, "]");
	BAD_REQS(decode_key_scope_refused_cases);
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":%s,\"add\":%s}", SC, SC);
	assert_detail_has("at most one of set, add and clear");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"clear\":true,\"add\":%s}", SC);
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_TOO_LARGE, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"%s\"],\"roles\":[\"r\"]}}", big);
	assert_detail_has("params.set.guns[0]: longer than 255 bytes");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_TOO_LARGE, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":%s,\"roles\":[\"r\"]}}", many);
	assert_detail_has("more than 16 entries");
}

/* ---- names, ids, set-up ----------------------------------------------------------------- */

static void
test_protocol_method_names(void **state)
{
	static const char *names[] = {NULL, "hello", "status", "unlock", "lock", "key.list",
	    "key.generate", "key.cert", "key.show", "sign", "key.scope", "key.attest"};

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), TA_PROTO_METHOD_COUNT_);
	for (int m = 1; m < TA_PROTO_METHOD_COUNT_; m++) {
		assert_string_equal(ta_proto_method_name(m), names[m]);
		assert_int_equal(ta_proto_method_from_name(names[m], strlen(names[m])), m);
	}
	assert_null(ta_proto_method_name(TA_PROTO_METHOD_NONE));
	assert_null(ta_proto_method_name(TA_PROTO_METHOD_COUNT_));
	assert_int_equal(ta_proto_method_from_name("sig", 3), TA_PROTO_METHOD_NONE);
	assert_int_equal(ta_proto_method_from_name("signs", 5), TA_PROTO_METHOD_NONE);
	assert_int_equal(ta_proto_method_from_name("sign", 3), TA_PROTO_METHOD_NONE);
	assert_int_equal(ta_proto_method_from_name(NULL, 0), TA_PROTO_METHOD_NONE);
	assert_string_equal(ta_proto_profile_name(TA_PROTO_PROFILE_NOTARY), "notary");
	assert_string_equal(ta_proto_profile_name(TA_PROTO_PROFILE_TUF), "tuf");
	assert_null(ta_proto_profile_name(TA_PROTO_PROFILE_NONE));
}

static void
test_protocol_id_helpers(void **state)
{
	struct ta_proto_id a, b;
	char *s65 = tu_repeat('x', 65);

	(void)state;
	memset(&a, 0x5a, sizeof(a));
	b = a;
	assert_int_equal(ta_proto_id_int((int64_t)1 << 53, &a), 0);
	assert_int_equal(ta_proto_id_int(-((int64_t)1 << 53), &b), 0);
	assert_false(ta_proto_id_equal(&a, &b));
	assert_int_equal(ta_proto_id_int(((int64_t)1 << 53) + 1, &a), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_int(INT64_MIN, &a), TA_ERR_INVALID);
	assert_int_equal(a.num, (int64_t)1 << 53);
	assert_int_equal(ta_proto_id_str("", &a), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_str(s65, &a), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_str("a\x7f", &a), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_str("\xc3", &a), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_str(s65 + 1, &a), 0);
	assert_int_equal(ta_proto_id_str(s65 + 1, &b), 0);
	assert_true(ta_proto_id_equal(&a, &b));
	assert_int_equal(ta_proto_id_str("1", &a), 0);
	assert_int_equal(ta_proto_id_int(1, &b), 0);
	assert_false(ta_proto_id_equal(&a, &b));
	assert_false(ta_proto_id_equal(&a, NULL));
	assert_int_equal(ta_proto_id_int(1, NULL), TA_ERR_INVALID);
	assert_int_equal(ta_proto_id_str(NULL, &a), TA_ERR_INVALID);
	free(s65);
}

static void
test_protocol_init_installs_wiping_free(void **state)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	(void)state;
	ta_proto_init();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, malloc);
	assert_true(f != NULL && f != free);
	/* Idempotent. */
	ta_proto_init();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, malloc);
	assert_true(f != free);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocol_frame_complete),
	    cmocka_unit_test(test_protocol_frame_truncated_header),
	    cmocka_unit_test(test_protocol_frame_truncated_payload),
	    cmocka_unit_test(test_protocol_frame_zero_length),
	    cmocka_unit_test(test_protocol_frame_oversized_prefix),
	    cmocka_unit_test(test_protocol_frame_max_boundary),
	    cmocka_unit_test(test_protocol_frame_bad_arguments),
	    cmocka_unit_test(test_protocol_frame_take_pipelined),
	    cmocka_unit_test(test_protocol_frame_take_byte_at_a_time),
	    cmocka_unit_test(test_protocol_decode_hello),
	    cmocka_unit_test(test_protocol_decode_hello_without_client),
	    cmocka_unit_test(test_protocol_decode_status),
	    cmocka_unit_test(test_protocol_decode_unlock),
	    cmocka_unit_test(test_protocol_decode_unlock_without_token),
	    cmocka_unit_test(test_protocol_decode_lock),
	    cmocka_unit_test(test_protocol_decode_key_list),
	    cmocka_unit_test(test_protocol_decode_key_generate),
	    cmocka_unit_test(test_protocol_piv_slot),
	    cmocka_unit_test(test_protocol_decode_key_scope),
	    cmocka_unit_test(test_protocol_decode_key_scope_refused),
	    cmocka_unit_test(test_protocol_decode_key_cert),
	    cmocka_unit_test(test_protocol_decode_key_cert_defaults),
	    cmocka_unit_test(test_protocol_decode_key_show),
	    cmocka_unit_test(test_protocol_decode_sign_notary),
	    cmocka_unit_test(test_protocol_decode_sign_tuf_without_gun),
	    cmocka_unit_test(test_protocol_decode_sign_file_exact_bytes),
	    cmocka_unit_test(test_protocol_decode_sign_large_file),
	    cmocka_unit_test(test_protocol_decode_string_id),
	    cmocka_unit_test(test_protocol_decode_id_limits_accepted),
	    cmocka_unit_test(test_protocol_decode_limits_accepted),
	    cmocka_unit_test(test_protocol_decode_member_order_and_whitespace),
	    cmocka_unit_test(test_protocol_method_names),
	    cmocka_unit_test(test_protocol_id_helpers),
	    cmocka_unit_test(test_protocol_init_installs_wiping_free),
	};

	/* Process-wide, before any jansson value exists (proto.h). */
	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
