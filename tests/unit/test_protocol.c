/* Unit tests for protocol/: frames, request decoding, encoders, response
 * decoding and the error table.  The PIN in every test is "s3cr3t", and no
 * fault detail may ever contain it. */
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

#define PIN "s3cr3t"
#define IP TA_PROTO_E_INVALID_PARAMS
#define IR TA_PROTO_E_INVALID_REQUEST
#define PE TA_PROTO_E_PARSE

/* ---- helpers ------------------------------------------------------------ */

static char *__attribute__((format(printf, 1, 0))) vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	assert_true(vasprintf(&s, fmt, ap) >= 0);
	return s;
}

static char *__attribute__((format(printf, 1, 2))) fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = vfmt(f, ap);
	va_end(ap);
	return s;
}

/* n copies of c, NUL-terminated. */
static char *
rep(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A request with id 7 for method with the params object formatted from pf. */
static char *__attribute__((format(printf, 2, 3))) rq(const char *method, const char *pf, ...)
{
	va_list ap;
	char *p, *s;

	va_start(ap, pf);
	p = vfmt(pf, ap);
	va_end(ap);
	s = fmt("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}", method, p);
	free(p);
	return s;
}

static struct ta_proto_fault last;

static struct ta_proto_req *
ok_n(const char *json, size_t len, int line)
{
	struct ta_proto_req *req = NULL;
	struct ta_proto_fault f;
	int r;

	r = ta_proto_decode_request((const uint8_t *)json, len, &req, &f);
	if (r != 0)
		print_message("line %d: fault %d/%s: %s\n  in %.300s\n", line, f.code,
		    ta_errname(f.err), f.detail, json);
	assert_int_equal(r, 0);
	assert_non_null(req);
	return req;
}

static void
bad_n(const char *json, size_t len, int code, int err, int line)
{
	struct ta_proto_req *sentinel = (struct ta_proto_req *)&last, *req = sentinel;
	struct ta_proto_fault f;
	int r;

	memset(&f, 0xa5, sizeof(f));
	r = ta_proto_decode_request((const uint8_t *)json, len, &req, &f);
	if (r != err || f.code != code)
		print_message("line %d: got %d/%s (%s), want %d/%s\n  in %.300s\n", line, f.code,
		    ta_errname(r), r != 0 ? f.detail : "", code, ta_errname(err), json);
	assert_int_equal(r, err);
	assert_int_equal(f.code, code);
	assert_int_equal(f.err, err);
	assert_ptr_equal(req, sentinel); /* untouched */
	assert_true(strlen(f.detail) > 0 && strlen(f.detail) < sizeof(f.detail));
	for (const char *p = f.detail; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_null(strstr(f.detail, PIN));
	last = f;
}

#define OK(json) ok_n((json), strlen(json), __LINE__)
#define BAD(json, code, err) bad_n((json), strlen(json), (code), (err), __LINE__)
#define BADN(json, code, err) bad_n((json), sizeof(json) - 1, (code), (err), __LINE__)

/* Builds a request from method and a params format, expects a fault. */
#define BADF(code, err, method, ...)                                                               \
	do {                                                                                       \
		char *j_ = rq((method), __VA_ARGS__);                                              \
		bad_n(j_, strlen(j_), (code), (err), __LINE__);                                    \
		free(j_);                                                                          \
	} while (0)

static struct ta_proto_req *__attribute__((format(printf, 3, 4)))
okf_line(int line, const char *method, const char *pf, ...)
{
	struct ta_proto_req *req;
	va_list ap;
	char *p, *s;

	va_start(ap, pf);
	p = vfmt(pf, ap);
	va_end(ap);
	s = fmt("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}", method, p);
	req = ok_n(s, strlen(s), line);
	free(p);
	free(s);
	return req;
}

#define OKF(method, ...) okf_line(__LINE__, (method), __VA_ARGS__)

static void
assert_detail_has(const char *want)
{
	if (strstr(last.detail, want) == NULL)
		print_message("detail \"%s\" lacks \"%s\"\n", last.detail, want);
	assert_non_null(strstr(last.detail, want));
}

static struct ta_buf *
out_buf(void)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);

	assert_non_null(b);
	return b;
}

/* Takes one frame off b and returns its payload as a new string. */
static char *
take_text(struct ta_buf *b)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	char *s;

	assert_int_equal(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n), 0);
	s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Takes one frame off b and decodes it as a response. */
static struct ta_proto_resp *
take_resp(struct ta_buf *b)
{
	struct ta_proto_resp *resp = NULL;
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_int_equal(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n), 0);
	assert_int_equal(ta_proto_decode_response(p, n, &resp), 0);
	assert_non_null(resp);
	return resp;
}

/* Takes one frame off b and decodes it as a request. */
static struct ta_proto_req *
take_req(struct ta_buf *b)
{
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_int_equal(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n), 0);
	return ok_n((const char *)p, n, __LINE__);
}

static void
resp_bad(const char *json)
{
	struct ta_proto_resp *sentinel = (struct ta_proto_resp *)&last, *resp = sentinel;
	int r = ta_proto_decode_response((const uint8_t *)json, strlen(json), &resp);

	if (r != TA_ERR_PROTOCOL)
		print_message("accepted or wrong code %d: %s\n", r, json);
	assert_int_equal(r, TA_ERR_PROTOCOL);
	assert_ptr_equal(resp, sentinel);
}

/* ---- frames ------------------------------------------------------------- */

static void
test_protocol_frame_complete(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}\0\0\0\1";
	size_t n = 0;

	(void)state;
	assert_int_equal(ta_proto_frame_check(f, 6, TA_PROTO_MAX_FRAME, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	/* The start of the next frame after it changes nothing. */
	assert_int_equal(ta_proto_frame_check(f, sizeof(f) - 1, 2, &n), 0);
	assert_int_equal(n, 2);
}

static void
test_protocol_frame_truncated_header(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}";
	size_t n = 99;

	(void)state;
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(ta_proto_frame_check(f, len, 100, &n), TA_ERR_TRUNCATED);
	assert_int_equal(ta_proto_frame_check(NULL, 0, 100, &n), TA_ERR_TRUNCATED);
	assert_int_equal(n, 99);
}

static void
test_protocol_frame_truncated_payload(void **state)
{
	static const uint8_t f[] = "\0\0\0\12{\"a\":1234}";
	size_t n = 99;

	(void)state;
	for (size_t len = 4; len < 14; len++)
		assert_int_equal(ta_proto_frame_check(f, len, 100, &n), TA_ERR_TRUNCATED);
	assert_int_equal(n, 99);
	assert_int_equal(ta_proto_frame_check(f, 14, 100, &n), 0);
	assert_int_equal(n, 10);
}

static void
test_protocol_frame_zero_length(void **state)
{
	static const uint8_t f[] = "\0\0\0\0{}";
	size_t n = 99;

	(void)state;
	assert_int_equal(ta_proto_frame_check(f, 4, 100, &n), TA_ERR_PROTOCOL);
	assert_int_equal(ta_proto_frame_check(f, 6, 100, &n), TA_ERR_PROTOCOL);
	assert_int_equal(n, 99);
}

static void
test_protocol_frame_oversized_prefix(void **state)
{
	static const uint8_t over_default[] = {0x04, 0x00, 0x00, 0x01}; /* 64 MiB + 1 */
	static const uint8_t at_default[] = {0x04, 0x00, 0x00, 0x00};
	static const uint8_t all_ones[] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t eleven[] = {0, 0, 0, 11};
	size_t n = 99;

	(void)state;
	/* Decided from the four length bytes alone. */
	assert_int_equal(
	    ta_proto_frame_check(over_default, 4, TA_PROTO_MAX_FRAME, &n), TA_ERR_TOO_LARGE);
	assert_int_equal(
	    ta_proto_frame_check(all_ones, 4, TA_PROTO_MAX_FRAME, &n), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_proto_frame_check(eleven, 4, 10, &n), TA_ERR_TOO_LARGE);
	assert_int_equal(
	    ta_proto_frame_check(at_default, 4, TA_PROTO_MAX_FRAME - 1, &n), TA_ERR_TOO_LARGE);
	/* Exactly the maximum is fine: wait for it. */
	assert_int_equal(
	    ta_proto_frame_check(at_default, 4, TA_PROTO_MAX_FRAME, &n), TA_ERR_TRUNCATED);
	assert_int_equal(n, 99);
}

static void
test_protocol_frame_max_boundary(void **state)
{
	uint8_t f[14] = {0, 0, 0, 10};
	size_t n = 0;

	(void)state;
	memset(f + 4, ' ', 10);
	assert_int_equal(ta_proto_frame_check(f, sizeof(f), 10, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(ta_proto_frame_check(f, sizeof(f), 9, &n), TA_ERR_TOO_LARGE);
	f[3] = 1;
	assert_int_equal(ta_proto_frame_check(f, sizeof(f), 1, &n), 0);
	assert_int_equal(n, 1);
}

static void
test_protocol_frame_bad_arguments(void **state)
{
	static const uint8_t f[] = "\0\0\0\2{}";
	const uint8_t *p = NULL;
	struct ta_buf *b;
	size_t n = 99;

	(void)state;
	assert_int_equal(ta_proto_frame_check(f, 6, 0, &n), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_check(f, 6, TA_PROTO_MAX_FRAME + 1, &n), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_check(NULL, 6, 100, &n), TA_ERR_INVALID);
	assert_int_equal(ta_proto_frame_check(f, 6, 100, NULL), TA_ERR_INVALID);
	assert_int_equal(n, 99);
	b = out_buf();
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
	struct ta_buf *b = out_buf();
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
	struct ta_buf *b = out_buf();
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
	r = ok_n((const char *)p, n, __LINE__);
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
	ta_proto_req_free(r);
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
	char *file = rep('a', n);
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
	char *id64 = rep('i', 64), *j;
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
	j = fmt("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"status\"}", id64);
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
	char *s128 = rep('l', 128), *s255 = rep('g', 255), *s256 = rep('p', 256);
	char *s1024 = rep('k', 1024), *keys;
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
	    fmt("[\"a%s\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\","
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

/* ---- requests: the JSON and the envelope ------------------------------------- */

static void
test_protocol_decode_empty_payload(void **state)
{
	(void)state;
	bad_n("", 0, PE, TA_ERR_TRUNCATED, __LINE__);
	bad_n(NULL, 0, PE, TA_ERR_TRUNCATED, __LINE__);
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
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		BAD(cut[i], PE, TA_ERR_TRUNCATED);
		assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
	}
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
		assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
		assert_int_equal(last.method, TA_PROTO_METHOD_NONE);
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
	assert_int_equal(last.id.kind, TA_PROTO_ID_INT);
	assert_int_equal(last.id.num, 5);
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
		assert_int_equal(last.id.num, 5);
	}
}

static void
test_protocol_decode_id_missing(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_detail_has("notifications");
	assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
}

static void
test_protocol_decode_id_null(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
}

static void
test_protocol_decode_id_float(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":1e2,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":-0.5,\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
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
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		BAD(bad[i], IR, TA_ERR_INVALID);
		assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
	}
}

static void
test_protocol_decode_id_bad_strings(void **state)
{
	char *id65 = rep('i', 65), *j;

	(void)state;
	j = fmt("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"status\"}", id65);
	BAD(j, IR, TA_ERR_TOO_LARGE);
	free(j);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\u007f\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0085\",\"method\":\"status\"}", IR, TA_ERR_INVALID);
	assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
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
	assert_int_equal(last.id.kind, TA_PROTO_ID_NULL);
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
	assert_int_equal(last.id.num, 8);
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
	assert_int_equal(last.id.num, 8);
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
		j = fmt(
		    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"%s\",\"params\":{}}", names[i]);
		BAD(j, TA_PROTO_E_METHOD_NOT_FOUND, TA_ERR_NOT_FOUND);
		assert_int_equal(last.id.kind, TA_PROTO_ID_STR);
		assert_string_equal(last.id.str, "x");
		assert_int_equal(last.method, TA_PROTO_METHOD_NONE);
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
		assert_int_equal(last.method, TA_PROTO_METHOD_STATUS);
		assert_int_equal(last.id.num, 7);
	}
}

static void
test_protocol_decode_params_unknown_member(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "status", "{\"verbose\":true}");
	assert_detail_has("unknown member \"verbose\"");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"clients\":\"x\"}");
	BADF(IP, TA_ERR_INVALID, "unlock", "{\"pin\":\"" PIN "\",\"so\":true}");
	BADF(IP, TA_ERR_INVALID, "lock", "{\"token\":\"t\",\"all\":true}");
	BADF(IP, TA_ERR_INVALID, "key.list", "{\"pin\":\"" PIN "\"}");
	BADF(IP, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"l\",\"type\":\"ed25519\",\"bits\":1}");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"cn\":\"x\"}");
	BADF(IP, TA_ERR_INVALID, "key.show", "{\"key\":\"k\",\"profile\":\"tuf\",\"pem\":true}");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":\"x\",\"bytes\":\"x\"}");
	assert_int_equal(last.method, TA_PROTO_METHOD_SIGN);
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
	char *open = rep('[', 14), *close = rep(']', 14), *deep;

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
	open = rep('[', 3000);
	deep =
	    fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":{\"x\":%s}}", open);
	BAD(deep, PE, TA_ERR_TOO_LARGE);
	free(deep);
	free(open);
}

static void
test_protocol_decode_reals_refused(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":3650.0}");
	assert_detail_has("params.days: a number with a fraction or an exponent");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":1e3}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1.0]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,2E0]}");
}

static void
test_protocol_decode_big_ints_refused(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_TOO_LARGE, "key.cert",
	    "{\"key\":\"k\",\"gun\":\"g\",\"days\":9007199254740993}");
	assert_detail_has("params.days: an integer beyond +-2^53");
	BADF(IP, TA_ERR_TOO_LARGE, "key.cert",
	    "{\"key\":\"k\",\"gun\":\"g\",\"days\":-9223372036854775808}");
	BADF(IP, TA_ERR_TOO_LARGE, "hello", "{\"versions\":[1,9223372036854775807]}");
}

static void
test_protocol_decode_oversized_payload(void **state)
{
	static const char small[] = "{}";

	(void)state;
	/* Refused on its length alone: nothing past small is read. */
	bad_n(small, TA_PROTO_MAX_FRAME + 1, IR, TA_ERR_TOO_LARGE, __LINE__);
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
	bad_n(NULL, 5, TA_PROTO_E_INTERNAL, TA_ERR_INVALID, __LINE__);
	/* A NULL fault is allowed. */
	assert_int_equal(
	    ta_proto_decode_request((const uint8_t *)"[]", 2, &(struct ta_proto_req *){NULL}, NULL),
	    TA_ERR_INVALID);
	ta_proto_req_free(NULL);
}

/* ---- requests: each field ------------------------------------------------------- */

static void
test_protocol_decode_hello_versions_bad(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "hello", "{}");
	assert_detail_has("params.versions: missing");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":1}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":{}}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[]}");
	assert_detail_has("must not be empty");
	BADF(IP, TA_ERR_TOO_LARGE, "hello",
	    "{\"versions\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[0]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[-1]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[65536]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[\"1\"]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[null]}");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,[1]]}");
	assert_detail_has("params.versions[1]");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1,2,1]}");
	assert_detail_has("params.versions[2]: repeats params.versions[0]");
}

static void
test_protocol_decode_hello_client_bad(void **state)
{
	char *s129 = rep('c', 129);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"client\":1}");
	assert_detail_has("params.client: must be a string");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"client\":\"\"}");
	assert_detail_has("params.client: must not be empty");
	BADF(IP, TA_ERR_TOO_LARGE, "hello", "{\"versions\":[1],\"client\":\"%s\"}", s129);
	assert_detail_has("params.client: longer than 128 bytes");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"client\":\"a\\u001b[2J\"}");
	assert_detail_has("params.client: a control character");
	BADF(IP, TA_ERR_INVALID, "hello", "{\"versions\":[1],\"client\":null}");
	free(s129);
}

static void
test_protocol_decode_unlock_pin_missing(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "unlock", "{\"token\":\"t\"}");
	assert_detail_has("params.pin: missing");
	assert_int_equal(last.method, TA_PROTO_METHOD_UNLOCK);
}

static void
test_protocol_decode_unlock_pin_wrong_type(void **state)
{
	static const char *pins[] = {
	    "123456", "null", "true", "[\"" PIN "\"]", "{\"pin\":\"" PIN "\"}"};

	(void)state;
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "unlock", "{\"pin\":%s}", pins[i]);
		assert_detail_has("params.pin: must be a string");
	}
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
	char *pin = rep('7', 257);

	(void)state;
	BADF(IP, TA_ERR_TOO_LARGE, "unlock", "{\"pin\":\"%s\"}", pin);
	assert_detail_has("params.pin: longer than 256 bytes");
	assert_null(strstr(last.detail, "777"));
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
	char *s1025 = rep('t', 1025);

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

static void
test_protocol_decode_key_generate_label_bad(void **state)
{
	char *s129 = rep('l', 129);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"type\":\"ed25519\"}");
	assert_detail_has("params.label: missing");
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":7,\"type\":\"ed25519\"}");
	assert_detail_has("params.label: must be a string");
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"\",\"type\":\"ed25519\"}");
	BADF(IP, TA_ERR_TOO_LARGE, "key.generate", "{\"label\":\"%s\",\"type\":\"ed25519\"}", s129);
	assert_detail_has("params.label: longer than 128 bytes");
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"a\\u0085b\",\"type\":\"ed25519\"}");
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"a\\u007f\",\"type\":\"ed25519\"}");
	free(s129);
}

static void
test_protocol_decode_key_generate_type_bad(void **state)
{
	static const char *types[] = {"\"rsa\"", "\"RSA-2048\"", "\"ecdsa\"", "\"rsa-1024\"",
	    "\"ed448\"", "\"\"", "\"ed25519 \"", "1", "null", "[\"ed25519\"]"};

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"l\"}");
	assert_detail_has("params.type: missing");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "key.generate", "{\"label\":\"l\",\"type\":%s}", types[i]);
		assert_detail_has("params.type: must be one of");
	}
}

static void
test_protocol_decode_key_cert_key_bad(void **state)
{
	char *s1025 = rep('k', 1025);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"gun\":\"g\"}");
	assert_detail_has("params.key: missing");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":{},\"gun\":\"g\"}");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"\",\"gun\":\"g\"}");
	BADF(IP, TA_ERR_TOO_LARGE, "key.cert", "{\"key\":\"%s\",\"gun\":\"g\"}", s1025);
	assert_detail_has("params.key: longer than 1024 bytes");
	free(s1025);
}

static void
test_protocol_decode_key_cert_gun_bad(void **state)
{
	char *s256 = rep('g', 256);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\"}");
	assert_detail_has("params.gun: missing");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":false}");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"\"}");
	BADF(IP, TA_ERR_TOO_LARGE, "key.cert", "{\"key\":\"k\",\"gun\":\"%s\"}", s256);
	assert_detail_has("params.gun: longer than 255 bytes");
	BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"a\\tb\"}");
	free(s256);
}

static void
test_protocol_decode_key_cert_days_out_of_range(void **state)
{
	static const char *days[] = {
	    "0", "-1", "36501", "-36500", "\"3650\"", "true", "null", "[1]"};

	(void)state;
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"days\":%s}",
		    days[i]);
		assert_detail_has("params.days: must be an integer from 1 to 36500");
	}
}

static void
test_protocol_decode_key_cert_store_bad(void **state)
{
	static const char *store[] = {"1", "0", "\"true\"", "null", "{}"};

	(void)state;
	for (size_t i = 0; i < sizeof(store) / sizeof(store[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "key.cert", "{\"key\":\"k\",\"gun\":\"g\",\"store\":%s}",
		    store[i]);
		assert_detail_has("params.store: must be true or false");
	}
}

static void
test_protocol_decode_key_show_bad(void **state)
{
	static const char *profiles[] = {
	    "\"Notary\"", "\"TUF\"", "\"tuf \"", "\"\"", "\"dct\"", "1", "null", "[\"tuf\"]"};

	(void)state;
	BADF(IP, TA_ERR_INVALID, "key.show", "{\"profile\":\"tuf\"}");
	assert_detail_has("params.key: missing");
	BADF(IP, TA_ERR_INVALID, "key.show", "{\"key\":\"k\"}");
	assert_detail_has("params.profile: missing");
	BADF(IP, TA_ERR_INVALID, "key.show", "{\"key\":\"\",\"profile\":\"tuf\"}");
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "key.show", "{\"key\":\"k\",\"profile\":%s}", profiles[i]);
		assert_detail_has("params.profile: must be \"notary\" or \"tuf\"");
	}
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
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":true,\"role\":\"targets\",\"gun\":\"g\"," SIGN_REST "}");
}

static void
test_protocol_decode_sign_role_bad(void **state)
{
	char *s256 = rep('r', 256);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\"," SIGN_REST "}");
	assert_detail_has("params.role: missing");
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":1," SIGN_REST "}");
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":\"\"," SIGN_REST "}");
	BADF(IP, TA_ERR_TOO_LARGE, "sign", "{\"profile\":\"tuf\",\"role\":\"%s\"," SIGN_REST "}",
	    s256);
	assert_detail_has("params.role: longer than 255 bytes");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\\n\"," SIGN_REST "}");
	free(s256);
}

static void
test_protocol_decode_sign_gun_bad(void **state)
{
	char *s256 = rep('g', 256);

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
	BADF(IP, TA_ERR_TOO_LARGE, "sign",
	    "{\"profile\":\"notary\",\"role\":\"targets\",\"gun\":\"%s\"," SIGN_REST "}", s256);
	free(s256);
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

static void
test_protocol_decode_sign_keys_duplicates(void **state)
{
	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"a\",\"b\",\"a\"],\"file\":"
	    "\"x\"}");
	assert_detail_has("params.keys[2]: repeats params.keys[0]");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"targets\",\"keys\":[\"a\",\"\\u0061\"],\"file\":"
	    "\"x\"}");
}

static void
test_protocol_decode_sign_keys_bad_entries(void **state)
{
	char *s1025 = rep('k', 1025);

	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":\"r\",\"file\":\"x\"}");
	assert_detail_has("params.keys: missing");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":\"k\",\"file\":\"x\"}");
	assert_detail_has("params.keys: must be an array");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\",1],\"file\":\"x\"}");
	assert_detail_has("params.keys[1]: must be a string");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"\"],\"file\":\"x\"}");
	BADF(IP, TA_ERR_TOO_LARGE, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"%s\"],\"file\":\"x\"}", s1025);
	assert_detail_has("params.keys[0]: longer than 1024 bytes");
	BADF(PE, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\\u0000\"],\"file\":\"x\"}");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\\u0008\"],\"file\":\"x\"}");
	free(s1025);
}

static void
test_protocol_decode_sign_file_bad(void **state)
{
	static const char *files[] = {"{}", "{\"signed\":{}}", "1", "null", "[\"x\"]", "true"};

	(void)state;
	BADF(IP, TA_ERR_INVALID, "sign", "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"]}");
	assert_detail_has("params.file: missing");
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":\"\"}");
	assert_detail_has("params.file: must not be empty");
	/* The file travels as a string, never as a tree. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"tuf\",\"role\":\"r\",\"keys\":[\"k\"],\"file\":%s}", files[i]);
		assert_detail_has("params.file: must be a string");
	}
}

/* prev_root: absent is NULL; a string like file (newlines and all), for
 * role "root" only; in the frame with the file, no limit of its own. */
static void
test_protocol_decode_sign_prev_root(void **state)
{
	size_t n = (size_t)1 << 20;
	char *big = rep('p', n);
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
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prev_root\":%s}",
		    values[i]);
		assert_detail_has("params.prev_root: must be a string");
	}
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"root\"," SIGN_REST ",\"prev_root\":\"\"}");
	assert_detail_has("params.prev_root: must not be empty");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"notary\",\"role\":\"%s\",\"gun\":\"g\"," SIGN_REST
		    ",\"prev_root\":\"{}\"}",
		    roles[i]);
		assert_detail_has("params.prev_root: only for role \"root\"");
		assert_int_equal(last.method, TA_PROTO_METHOD_SIGN);
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
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":%s}", values[i]);
		assert_detail_has("params.parent: must be a string");
	}
	BADF(IP, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":\"\"}");
	assert_detail_has("params.parent: must not be empty");
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		BADF(IP, TA_ERR_INVALID, "sign",
		    "{\"profile\":\"notary\",\"role\":\"%s\",\"gun\":\"g\"," SIGN_REST
		    ",\"parent\":\"{}\"}",
		    top[i]);
		assert_detail_has("params.parent: only for delegated roles");
	}
	BADF(PE, TA_ERR_INVALID, "sign",
	    "{\"profile\":\"tuf\",\"role\":\"qa\"," SIGN_REST ",\"parent\":\"a\\u0000\"}");
}

static void
test_protocol_decode_fault_carries_id_and_method(void **state)
{
	(void)state;
	BAD("{\"jsonrpc\":\"2.0\",\"id\":\"req-9\",\"method\":\"key.show\",\"params\":{}}", IP,
	    TA_ERR_INVALID);
	assert_int_equal(last.id.kind, TA_PROTO_ID_STR);
	assert_string_equal(last.id.str, "req-9");
	assert_int_equal(last.method, TA_PROTO_METHOD_KEY_SHOW);
	/* Member order does not matter: the id is read first whatever its place. */
	BAD("{\"method\":\"nope\",\"jsonrpc\":\"2.0\",\"id\":-4}", TA_PROTO_E_METHOD_NOT_FOUND,
	    TA_ERR_NOT_FOUND);
	assert_int_equal(last.id.num, -4);
}

/* ---- encoders and round trips ------------------------------------------------ */

static void
test_protocol_result_round_trip(void **state)
{
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	json_t *res;
	char *text;

	(void)state;
	res = json_pack("{s:b,s:[s]}", "unlocked", 1, "tokens", "ci-hsm");
	assert_non_null(res);
	assert_int_equal(ta_proto_id_int(42, &id), 0);
	assert_int_equal(ta_proto_encode_result(b, &id, res), 0);
	text = take_text(b);
	assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{\"unlocked\":true,"
				  "\"tokens\":[\"ci-hsm\"]}}");
	free(text);

	assert_int_equal(ta_proto_id_str("r\xc3\xa9q", &id), 0);
	assert_int_equal(ta_proto_encode_result(b, &id, res), 0);
	resp = take_resp(b);
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
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_int(7, &id), 0);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_PIN_INCORRECT, NULL), 0);
	text = take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32004,\"message\":\"PIN "
	    "incorrect\","
	    "\"data\":{\"name\":\"TA_ERR_PIN_INCORRECT\",\"detail\":\"PIN incorrect\"}}}");
	free(text);

	assert_int_equal(ta_proto_encode_error(b, &id, TA_PROTO_E_METADATA, TA_ERR_INVALID,
			     "signed.expires: not a date"),
	    0);
	resp = take_resp(b);
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
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_encode_error(b, NULL, TA_PROTO_E_PARSE, TA_ERR_INVALID, "x"), 0);
	text = take_text(b);
	assert_non_null(strstr(text, "\"id\":null"));
	free(text);
	assert_int_equal(ta_proto_encode_error(b, &null_id, 0, TA_ERR_PROTOCOL, NULL), 0);
	resp = take_resp(b);
	assert_int_equal(resp->id.kind, TA_PROTO_ID_NULL);
	assert_int_equal(resp->error.code, TA_PROTO_E_INVALID_REQUEST);
	assert_int_equal(resp->error.err, TA_ERR_PROTOCOL);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_error_detail_sanitized(void **state)
{
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *longd;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_KEY_NOT_FOUND,
			     "key 'a\nb\x1b[0m' \xff\xc3\xa9 \xc2\x85!"),
	    0);
	resp = take_resp(b);
	assert_string_equal(resp->error.detail, "key 'a?b?[0m' ?\xc3\xa9 ?!");
	ta_proto_resp_free(resp);

	/* Cut to 1024 bytes without splitting a character. */
	longd = rep('x', 2000);
	memcpy(longd + 1023, "\xc3\xa9", 2);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_FORMAT, longd), 0);
	resp = take_resp(b);
	assert_int_equal(strlen(resp->error.detail), 1023);
	ta_proto_resp_free(resp);
	free(longd);
	ta_buf_free(b);
}

static void
test_protocol_error_defaults(void **state)
{
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	/* TA_OK is not an error: it is reported as a bug. */
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_OK, NULL), 0);
	resp = take_resp(b);
	assert_int_equal(resp->error.code, TA_PROTO_E_INTERNAL);
	assert_string_equal(resp->error.name, "TA_ERR_INTERNAL");
	assert_string_equal(resp->error.detail, ta_strerror(TA_ERR_INTERNAL));
	ta_proto_resp_free(resp);
	assert_int_equal(ta_proto_encode_error(b, &id, 0, TA_ERR_POLICY, NULL), 0);
	resp = take_resp(b);
	assert_int_equal(resp->error.code, TA_PROTO_E_POLICY);
	assert_int_equal(resp->error.err, TA_ERR_POLICY);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
test_protocol_encode_bad_arguments(void **state)
{
	struct ta_proto_id id, null_id = {.kind = TA_PROTO_ID_NULL}, bad_id;
	struct ta_buf *b = out_buf();
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
	struct ta_buf *b = out_buf();
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
		resp = take_resp(b);
		assert_int_equal(resp->kind, TA_PROTO_MSG_NOTICE);
		assert_int_equal(resp->id.num, i);
		ta_proto_resp_free(resp);
		resp = take_resp(b);
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
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;

	(void)state;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		BAD(reqs[i], codes[i], errs[i]);
		assert_int_equal(ta_proto_encode_fault(b, &last), 0);
		resp = take_resp(b);
		assert_int_equal(resp->kind, TA_PROTO_MSG_ERROR);
		assert_int_equal(resp->error.code, codes[i]);
		assert_int_equal(resp->error.err, last.err);
		assert_string_equal(resp->error.name, ta_errname(last.err));
		assert_string_equal(resp->error.detail, last.detail);
		assert_string_equal(resp->error.message, ta_proto_error_message(codes[i]));
		assert_true(ta_proto_id_equal(&resp->id, &last.id));
		ta_proto_resp_free(resp);
	}
	ta_buf_free(b);
}

static void
test_protocol_notice_round_trip(void **state)
{
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_str("sign-3", &id), 0);
	assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_TOUCH), 0);
	text = take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notice\",\"params\":{\"id\":\"sign-3\","
	    "\"kind\":\"touch\",\"message\":\"touch your key or check its PIN pad\"}}");
	free(text);
	assert_int_equal(ta_proto_encode_notice(b, &id, TA_PROTO_NOTICE_TOUCH), 0);
	resp = take_resp(b);
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
	struct ta_buf *b = out_buf();

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
	struct ta_buf *b = out_buf();
	struct ta_proto_resp *resp;
	struct ta_proto_id id;
	char *text;

	(void)state;
	assert_int_equal(ta_proto_id_int(1, &id), 0);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, "tuf-agent 0.1.0"), 0);
	text = take_text(b);
	assert_string_equal(text,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"version\":1,\"agent\":\"tuf-agent 0.1.0\","
	    "\"methods\":[\"hello\",\"status\",\"unlock\",\"lock\",\"key.list\",\"key.generate\","
	    "\"key.cert\",\"key.show\",\"sign\",\"key.scope\"]}}");
	free(text);
	assert_int_equal(ta_proto_encode_hello_result(b, &id, 1, "tuf-agent 0.1.0"), 0);
	resp = take_resp(b);
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
	struct ta_buf *b = out_buf();
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
	resp = take_resp(b);
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
	struct ta_buf *b = out_buf();
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
	struct ta_buf *b = out_buf();
	struct ta_proto_req *r;
	struct ta_proto_id id;
	json_t *p;

	(void)state;
	assert_int_equal(ta_proto_id_str("c-1", &id), 0);

	p = json_pack("{s:[i],s:s}", "versions", 1, "client", "tufctl");
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_HELLO, p), 0);
	json_decref(p);
	r = take_req(b);
	assert_int_equal(r->method, TA_PROTO_METHOD_HELLO);
	assert_true(ta_proto_id_equal(&r->id, &id));
	assert_string_equal(r->p.hello.client, "tufctl");
	ta_proto_req_free(r);

	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_STATUS, NULL), 0);
	r = take_req(b);
	assert_int_equal(r->method, TA_PROTO_METHOD_STATUS);
	ta_proto_req_free(r);

	p = json_pack("{s:s}", "pin", PIN);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_UNLOCK, p), 0);
	json_decref(p);
	r = take_req(b);
	assert_memory_equal(r->p.unlock.pin->data, PIN, strlen(PIN));
	ta_proto_req_free(r);

	p = json_pack("{s:s,s:s,s:[s,s],s:s}", "profile", "notary", "role", "targets", "keys", "a",
	    "b", "file", "{\n}\n");
	assert_int_equal(json_object_set_new(p, "gun", json_string("g")), 0);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_SIGN, p), 0);
	json_decref(p);
	r = take_req(b);
	assert_int_equal(r->p.sign.n_keys, 2);
	assert_string_equal(r->p.sign.gun, "g");
	assert_string_equal(r->p.sign.file, "{\n}\n");
	ta_proto_req_free(r);

	p = json_pack("{s:s,s:s,s:i,s:b}", "key", "k", "gun", "g", "days", 30, "store", 1);
	assert_int_equal(ta_proto_encode_request(b, &id, TA_PROTO_METHOD_KEY_CERT, p), 0);
	json_decref(p);
	r = take_req(b);
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
	char *open = rep('[', 16), *close = rep(']', 16), *deep;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		resp_bad(bad[i]);
	deep = fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":%s%s}}", open, close);
	resp_bad(deep);
	free(deep);
	/* One level less is fine. */
	deep = fmt("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":%s%s}}", open + 2, close + 2);
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
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope", "{}");
	assert_detail_has("params.key: missing");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":%s,\"add\":%s}", SC, SC);
	assert_detail_has("at most one of set, add and clear");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"clear\":true,\"add\":%s}", SC);
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope", "{\"key\":\"k\",\"clear\":false}");
	assert_detail_has("params.clear: must be true");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope", "{\"key\":\"k\",\"set\":[]}");
	assert_detail_has("params.set: must be an object");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"roles\":[\"r\"]}}");
	assert_detail_has("params.set.guns: missing");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[],\"roles\":[\"r\"]}}");
	assert_detail_has("params.set.guns: must not be empty");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\"],\"roles\":\"r\"}}");
	assert_detail_has("params.set.roles: must be an array");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[1],\"roles\":[\"r\"]}}");
	assert_detail_has("params.set.guns[0]: must be a string");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"\"],\"roles\":[\"r\"]}}");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\",\"g\"],\"roles\":[\"r\"]}}");
	assert_detail_has("params.set.guns[1]: repeats params.set.guns[0]");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\\u0001\"],\"roles\":[\"r\"]}}");
	assert_detail_has("control character");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_TOO_LARGE, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"%s\"],\"roles\":[\"r\"]}}", big);
	assert_detail_has("params.set.guns[0]: longer than 255 bytes");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_TOO_LARGE, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":%s,\"roles\":[\"r\"]}}", many);
	assert_detail_has("more than 16 entries");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"guns\":[\"g\"],\"roles\":[\"r\"],\"x\":1}}");
	assert_detail_has("unknown member");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope",
	    "{\"key\":\"k\",\"set\":{\"profile\":\"x509\",\"guns\":[\"g\"],\"roles\":[\"r\"]}}");
	assert_detail_has("params.set.profile");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.scope", "{\"key\":\"k\",\"other\":1}");
	BADF(TA_PROTO_E_INVALID_PARAMS, TA_ERR_INVALID, "key.generate",
	    "{\"label\":\"x\",\"type\":\"ed25519\",\"scope\":{\"guns\":[\"g\"]}}");
	assert_detail_has("params.scope.roles: missing");
}

/* ---- names, ids, set-up ----------------------------------------------------------------- */

static void
test_protocol_method_names(void **state)
{
	static const char *names[] = {NULL, "hello", "status", "unlock", "lock", "key.list",
	    "key.generate", "key.cert", "key.show", "sign", "key.scope"};

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
	char *s65 = rep('x', 65);

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
	    cmocka_unit_test(test_protocol_sign_result_bad),
	    cmocka_unit_test(test_protocol_request_round_trip),
	    cmocka_unit_test(test_protocol_response_malformed),
	    cmocka_unit_test(test_protocol_response_unknown_error_name),
	    cmocka_unit_test(test_protocol_response_notice_other_kind),
	    cmocka_unit_test(test_protocol_response_bad_arguments),
	    cmocka_unit_test(test_protocol_error_map_table),
	    cmocka_unit_test(test_protocol_error_codes_and_messages),
	    cmocka_unit_test(test_protocol_method_names),
	    cmocka_unit_test(test_protocol_id_helpers),
	    cmocka_unit_test(test_protocol_init_installs_wiping_free),
	};

	/* Process-wide, before any jansson value exists (proto.h). */
	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
