/* Helpers shared by the protocol/ unit tests (tests/unit/test_protocol*.c):
 * formatted requests, decoding that must succeed (OK, OKF) or fail with a
 * given fault (BAD, BADN, BADF; the fault is kept in pt_last), and frames
 * taken off a buffer.  The PIN in every test is PIN, and no fault detail
 * may ever contain it. */
#ifndef TESTS_TOOLS_PROTOFIX_H
#define TESTS_TOOLS_PROTOFIX_H

#include <stdarg.h>
#include <stddef.h>

#include "common/buf.h"
#include "protocol/proto.h"
#include "tests/tools/testutil.h" /* tu_fmt, tu_repeat */

#define PIN "s3cr3t"
#define IP TA_PROTO_E_INVALID_PARAMS
#define IR TA_PROTO_E_INVALID_REQUEST
#define PE TA_PROTO_E_PARSE

/* The fault of the last BAD* decode. */
extern struct ta_proto_fault pt_last;

/* A request with id 7 for method with the params object formatted from pf. */
char *pt_rq(const char *method, const char *pf, ...) __attribute__((format(printf, 2, 3)));
/* Decodes json; it must succeed (line: the caller's, for the message). */
struct ta_proto_req *pt_ok_n(const char *json, size_t len, int line);
/* Decodes json; it must fail with code and err, leave the request alone and
 * give a printable detail without the PIN; the fault goes to pt_last. */
void pt_bad_n(const char *json, size_t len, int code, int err, int line);
struct ta_proto_req *pt_okf_line(int line, const char *method, const char *pf, ...)
    __attribute__((format(printf, 3, 4)));
/* pt_last's detail contains want. */
void assert_detail_has(const char *want);
/* A new empty buffer of TA_BUF_MAX. */
struct ta_buf *pt_out_buf(void);
/* Takes one frame off b and returns its payload as a new string. */
char *pt_take_text(struct ta_buf *b);
/* Takes one frame off b and decodes it as a response. */
struct ta_proto_resp *pt_take_resp(struct ta_buf *b);
/* Takes one frame off b and decodes it as a request. */
struct ta_proto_req *pt_take_req(struct ta_buf *b);
/* json must not decode as a response. */
void pt_resp_bad(const char *json);

#define OK(json) pt_ok_n((json), strlen(json), __LINE__)

#define BAD(json, code, err) pt_bad_n((json), strlen(json), (code), (err), __LINE__)

#define BADN(json, code, err) pt_bad_n((json), sizeof(json) - 1, (code), (err), __LINE__)

/* Builds a request from method and a params format, expects a fault. */
#define BADF(code, err, method, ...)                                                               \
	do {                                                                                       \
		char *j_ = pt_rq((method), __VA_ARGS__);                                              \
		pt_bad_n(j_, strlen(j_), (code), (err), __LINE__);                                    \
		free(j_);                                                                          \
	} while (0)

#define OKF(method, ...) pt_okf_line(__LINE__, (method), __VA_ARGS__)

/* One request BADF refuses, as a table row: the fault's code and error, the
 * method, its params (JSON, no format) and what the detail must contain
 * (NULL: anything). */
struct bad_req {
	int code, err;
	const char *method, *params, *detail;
};
/* Every row of a table must be refused as it says (line: the caller's). */
void pt_bad_reqs(const struct bad_req *c, size_t n, int line);
#define BAD_REQS(t) pt_bad_reqs((t), sizeof(t) / sizeof((t)[0]), __LINE__)

#endif
