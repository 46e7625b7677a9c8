/* Request and response helpers shared by the protocol/ unit tests
 * (protofix.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "protocol/proto.h"
#include "tests/tools/protofix.h"
#include "tests/tools/testutil.h"

/* A request with id 7 for method with the params object formatted from pf. */
static char *__attribute__((format(printf, 2, 0)))
vrq(const char *method, const char *pf, va_list ap)
{
	char *p = tu_vfmt(pf, ap), *s;

	s = tu_fmt("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}", method, p);
	free(p);
	return s;
}

char *__attribute__((format(printf, 2, 3))) pt_rq(const char *method, const char *pf, ...)
{
	va_list ap;
	char *s;

	va_start(ap, pf);
	s = vrq(method, pf, ap);
	va_end(ap);
	return s;
}

struct ta_proto_fault pt_last;

struct ta_proto_req *
pt_ok_n(const char *json, size_t len, int line)
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

void
pt_bad_n(const char *json, size_t len, int code, int err, int line)
{
	struct ta_proto_req *sentinel = (struct ta_proto_req *)&pt_last, *req = sentinel;
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
	pt_last = f;
}


struct ta_proto_req *__attribute__((format(printf, 3, 4)))
pt_okf_line(int line, const char *method, const char *pf, ...)
{
	struct ta_proto_req *req;
	va_list ap;
	char *s;

	va_start(ap, pf);
	s = vrq(method, pf, ap);
	va_end(ap);
	req = pt_ok_n(s, strlen(s), line);
	free(s);
	return req;
}


void
assert_detail_has(const char *want)
{
	if (strstr(pt_last.detail, want) == NULL)
		print_message("detail \"%s\" lacks \"%s\"\n", pt_last.detail, want);
	assert_non_null(strstr(pt_last.detail, want));
}

struct ta_buf *
pt_out_buf(void)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);

	assert_non_null(b);
	return b;
}

/* Takes one frame off b and returns its payload as a new string. */
char *
pt_take_text(struct ta_buf *b)
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
struct ta_proto_resp *
pt_take_resp(struct ta_buf *b)
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
struct ta_proto_req *
pt_take_req(struct ta_buf *b)
{
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_int_equal(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n), 0);
	return pt_ok_n((const char *)p, n, __LINE__);
}

void
pt_resp_bad(const char *json)
{
	struct ta_proto_resp *sentinel = (struct ta_proto_resp *)&pt_last, *resp = sentinel;
	int r = ta_proto_decode_response((const uint8_t *)json, strlen(json), &resp);

	if (r != TA_ERR_PROTOCOL)
		print_message("accepted or wrong code %d: %s\n", r, json);
	assert_int_equal(r, TA_ERR_PROTOCOL);
	assert_ptr_equal(resp, sentinel);
}

void
pt_bad_reqs(const struct bad_req *c, size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		char *j = pt_rq(c[i].method, "%s", c[i].params);

		pt_bad_n(j, strlen(j), c[i].code, c[i].err, line);
		free(j);
		if (c[i].detail != NULL)
			assert_detail_has(c[i].detail);
	}
}
