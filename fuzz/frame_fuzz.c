/* Fuzz target: protocol/ as the agent and the client meet it.
 *
 *  1. The input is a byte stream from a peer: ta_proto_frame_take() cuts it
 *     into frames (under the default maximum and under a small one) and each
 *     payload goes through ta_proto_decode_request().
 *  2. The whole input is one payload: ta_proto_decode_request() and
 *     ta_proto_decode_response(), and a result goes through every typed
 *     result reader (protocol/result.c).
 *
 * Invariants: every refusal is a documented (code, TA_ERR_*) pair with a
 * printable detail; a decoded request re-encodes (ta_proto_encode_request)
 * into one that decodes to the same thing; every response the agent would
 * send about it (result, notice, error, or the fault for a refusal) decodes
 * on the client side to the same id, code and text; a result a typed
 * reader accepts, its encoder gives back as an equal object that the reader
 * accepts again (hello's method list excepted: unknown names are skipped).
 * A broken invariant
 * aborts; sanitizers catch memory errors and leaks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/secret.h"
#include "protocol/proto.h"

#define FUZZ_NAME "frame_fuzz"
#include "fuzz/fuzz.h"

#define SMALL_MAX 64

/* NUL-terminated within cap bytes, every byte printable ASCII. */
static bool
printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* NUL-terminated within cap bytes, at most max bytes, not empty. */
static bool
str_ok(const char *s, size_t max, bool may_be_empty)
{
	size_t n = strnlen(s, max + 1);

	return n <= max && (may_be_empty || n > 0);
}

/* Two scopes say the same (member by member: the struct has padding). */
static bool
scope_equal(const struct ta_proto_scope *a, const struct ta_proto_scope *b)
{
	if (a->profile != b->profile || a->n_guns != b->n_guns || a->n_roles != b->n_roles)
		return false;
	for (size_t i = 0; i < a->n_guns; i++)
		if (strcmp(a->guns[i], b->guns[i]) != 0)
			return false;
	for (size_t i = 0; i < a->n_roles; i++)
		if (strcmp(a->roles[i], b->roles[i]) != 0)
			return false;
	return true;
}

/* A decoded scope: 1..16 distinct, non-empty entries each; and it
 * encodes into an object that decodes to the same scope. */
static void
check_scope(const struct ta_proto_scope *s)
{
	struct ta_proto_scope back;
	char why[256];
	json_t *j;

	REQUIRE(s->n_guns >= 1 && s->n_guns <= TA_PROTO_SCOPE_MAX);
	REQUIRE(s->n_roles >= 1 && s->n_roles <= TA_PROTO_SCOPE_MAX);
	for (size_t i = 0; i < s->n_guns; i++) {
		REQUIRE(str_ok(s->guns[i], TA_PROTO_GUN_MAX, false));
		for (size_t k = 0; k < i; k++)
			REQUIRE(strcmp(s->guns[i], s->guns[k]) != 0);
	}
	for (size_t i = 0; i < s->n_roles; i++)
		REQUIRE(str_ok(s->roles[i], TA_PROTO_ROLE_MAX, false));
	j = ta_proto_scope_json(s);
	REQUIRE(j != NULL);
	REQUIRE(ta_proto_scope_decode(j, "scope", &back, why, sizeof(why)) == 0);
	REQUIRE(scope_equal(&back, s));
	json_decref(j);
}

/* Takes exactly one frame off b and decodes it as a response. */
static struct ta_proto_resp *
take_resp(struct ta_buf *b)
{
	struct ta_proto_resp *resp = NULL;
	const uint8_t *p = NULL;
	size_t n = 0;

	REQUIRE(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n) == 0);
	REQUIRE(ta_buf_len(b) == 0);
	REQUIRE(ta_proto_decode_response(p, n, &resp) == 0);
	REQUIRE(resp != NULL);
	return resp;
}

static void
check_req_fields(const struct ta_proto_req *r)
{
	const struct ta_proto_sign *s = &r->p.sign;

	REQUIRE(r->id.kind == TA_PROTO_ID_INT || r->id.kind == TA_PROTO_ID_STR);
	REQUIRE(r->id.kind != TA_PROTO_ID_STR ||
		(r->id.len >= 1 && r->id.len <= TA_PROTO_ID_MAX && strlen(r->id.str) == r->id.len));
	switch (r->method) {
	case TA_PROTO_METHOD_HELLO:
		REQUIRE(
		    r->p.hello.n_versions >= 1 && r->p.hello.n_versions <= TA_PROTO_VERSIONS_MAX);
		for (size_t i = 0; i < r->p.hello.n_versions; i++) {
			REQUIRE(r->p.hello.versions[i] >= 1 &&
				r->p.hello.versions[i] <= TA_PROTO_VERSION_VALUE_MAX);
			for (size_t j = 0; j < i; j++)
				REQUIRE(r->p.hello.versions[i] != r->p.hello.versions[j]);
		}
		REQUIRE(str_ok(r->p.hello.client, TA_PROTO_CLIENT_MAX, true));
		break;
	case TA_PROTO_METHOD_STATUS:
		break;
	case TA_PROTO_METHOD_UNLOCK:
		REQUIRE(r->p.unlock.pin != NULL);
		REQUIRE(r->p.unlock.pin->len >= 1 && r->p.unlock.pin->len <= TA_PROTO_PIN_MAX);
		REQUIRE(r->p.unlock.pin->data[r->p.unlock.pin->len] == '\0');
		REQUIRE(str_ok(r->p.unlock.token, TA_PROTO_TOKEN_MAX, true));
		break;
	case TA_PROTO_METHOD_LOCK:
		REQUIRE(str_ok(r->p.lock.token, TA_PROTO_TOKEN_MAX, true));
		break;
	case TA_PROTO_METHOD_KEY_LIST:
		REQUIRE(str_ok(r->p.key_list.token, TA_PROTO_TOKEN_MAX, true));
		break;
	case TA_PROTO_METHOD_KEY_GENERATE:
		REQUIRE(str_ok(r->p.key_generate.label, TA_PROTO_LABEL_MAX, false));
		REQUIRE(r->p.key_generate.type != TA_KEY_NONE &&
			r->p.key_generate.type != TA_KEY_RSA_OTHER);
		REQUIRE(str_ok(r->p.key_generate.token, TA_PROTO_TOKEN_MAX, true));
		if (r->p.key_generate.has_scope)
			check_scope(&r->p.key_generate.scope);
		break;
	case TA_PROTO_METHOD_KEY_CERT:
		REQUIRE(str_ok(r->p.key_cert.key, TA_PROTO_KEY_MAX, false));
		REQUIRE(str_ok(r->p.key_cert.gun, TA_PROTO_GUN_MAX, false));
		REQUIRE(r->p.key_cert.days >= TA_PROTO_DAYS_MIN &&
			r->p.key_cert.days <= TA_PROTO_DAYS_MAX);
		break;
	case TA_PROTO_METHOD_KEY_SHOW:
		REQUIRE(str_ok(r->p.key_show.key, TA_PROTO_KEY_MAX, false));
		REQUIRE(r->p.key_show.profile == TA_PROTO_PROFILE_NOTARY ||
			r->p.key_show.profile == TA_PROTO_PROFILE_TUF);
		break;
	case TA_PROTO_METHOD_KEY_ATTEST:
		REQUIRE(str_ok(r->p.key_attest.key, TA_PROTO_KEY_MAX, false));
		break;
	case TA_PROTO_METHOD_KEY_SCOPE:
		REQUIRE(str_ok(r->p.key_scope.key, TA_PROTO_KEY_MAX, false));
		REQUIRE(r->p.key_scope.op <= TA_PROTO_SCOPE_CLEAR);
		if (r->p.key_scope.op == TA_PROTO_SCOPE_SET || r->p.key_scope.op == TA_PROTO_SCOPE_ADD)
			check_scope(&r->p.key_scope.scope);
		break;
	case TA_PROTO_METHOD_SIGN:
		REQUIRE(
		    s->profile == TA_PROTO_PROFILE_NOTARY || s->profile == TA_PROTO_PROFILE_TUF);
		REQUIRE(str_ok(s->role, TA_PROTO_ROLE_MAX, false));
		REQUIRE(str_ok(s->gun, TA_PROTO_GUN_MAX, s->profile == TA_PROTO_PROFILE_TUF));
		REQUIRE(s->n_keys >= 1 && s->n_keys <= TA_PROTO_KEYS_MAX);
		for (size_t i = 0; i < s->n_keys; i++) {
			REQUIRE(str_ok(s->keys[i], TA_PROTO_KEY_MAX, false));
			for (size_t j = 0; j < i; j++)
				REQUIRE(strcmp(s->keys[i], s->keys[j]) != 0);
		}
		REQUIRE(s->file != NULL && s->file_len >= 1 && strlen(s->file) == s->file_len);
		/* prev_root for roots only, parent for delegations only; each
		 * absent (NULL, 0) or a whole non-empty string. */
		REQUIRE((s->prev_root == NULL) == (s->prev_root_len == 0));
		REQUIRE(s->prev_root == NULL || (strcmp(s->role, "root") == 0 &&
						    strlen(s->prev_root) == s->prev_root_len));
		REQUIRE((s->parent == NULL) == (s->parent_len == 0));
		REQUIRE(s->parent == NULL ||
			(strcmp(s->role, "root") != 0 && strcmp(s->role, "targets") != 0 &&
			    strcmp(s->role, "snapshot") != 0 && strcmp(s->role, "timestamp") != 0 &&
			    strlen(s->parent) == s->parent_len));
		break;
	default:
		REQUIRE(!"unknown method");
	}
}

/* The params of every method but unlock and sign (compared by the caller). */
static bool
same_simple_params(const struct ta_proto_req *a, const struct ta_proto_req *b)
{
	switch (a->method) {
	case TA_PROTO_METHOD_HELLO:
		return a->p.hello.n_versions == b->p.hello.n_versions &&
		       memcmp(a->p.hello.versions, b->p.hello.versions,
			   a->p.hello.n_versions * sizeof(a->p.hello.versions[0])) == 0 &&
		       strcmp(a->p.hello.client, b->p.hello.client) == 0;
	case TA_PROTO_METHOD_STATUS:
		return true;
	case TA_PROTO_METHOD_LOCK:
		return strcmp(a->p.lock.token, b->p.lock.token) == 0;
	case TA_PROTO_METHOD_KEY_LIST:
		return strcmp(a->p.key_list.token, b->p.key_list.token) == 0;
	case TA_PROTO_METHOD_KEY_GENERATE:
		return strcmp(a->p.key_generate.label, b->p.key_generate.label) == 0 &&
		       a->p.key_generate.type == b->p.key_generate.type &&
		       strcmp(a->p.key_generate.token, b->p.key_generate.token) == 0 &&
		       a->p.key_generate.has_scope == b->p.key_generate.has_scope &&
		       (!a->p.key_generate.has_scope ||
			   scope_equal(&a->p.key_generate.scope, &b->p.key_generate.scope));
	case TA_PROTO_METHOD_KEY_SCOPE:
		return strcmp(a->p.key_scope.key, b->p.key_scope.key) == 0 &&
		       a->p.key_scope.op == b->p.key_scope.op &&
		       scope_equal(&a->p.key_scope.scope, &b->p.key_scope.scope);
	case TA_PROTO_METHOD_KEY_CERT:
		return strcmp(a->p.key_cert.key, b->p.key_cert.key) == 0 &&
		       strcmp(a->p.key_cert.gun, b->p.key_cert.gun) == 0 &&
		       a->p.key_cert.days == b->p.key_cert.days &&
		       a->p.key_cert.store == b->p.key_cert.store;
	case TA_PROTO_METHOD_KEY_SHOW:
		return strcmp(a->p.key_show.key, b->p.key_show.key) == 0 &&
		       a->p.key_show.profile == b->p.key_show.profile;
	case TA_PROTO_METHOD_KEY_ATTEST:
		return strcmp(a->p.key_attest.key, b->p.key_attest.key) == 0;
	default:
		return false;
	}
}

/* The request decodes again, the same, after the client encodes it. */
static void
check_reencode(const uint8_t *p, size_t n, const struct ta_proto_req *r)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);
	struct ta_proto_req *r2 = NULL;
	const uint8_t *q = NULL;
	json_t *root;
	size_t m = 0;

	REQUIRE(b != NULL);
	root = json_loadb((const char *)p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	REQUIRE(root != NULL);
	REQUIRE(
	    ta_proto_encode_request(b, &r->id, r->method, json_object_get(root, "params")) == 0);
	json_decref(root);
	REQUIRE(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &q, &m) == 0);
	REQUIRE(ta_proto_decode_request(q, m, &r2, NULL) == 0);
	REQUIRE(r2->method == r->method && ta_proto_id_equal(&r2->id, &r->id));
	if (r->method == TA_PROTO_METHOD_UNLOCK)
		REQUIRE(r2->p.unlock.pin->len == r->p.unlock.pin->len &&
			memcmp(r2->p.unlock.pin->data, r->p.unlock.pin->data,
			    r->p.unlock.pin->len) == 0 &&
			strcmp(r2->p.unlock.token, r->p.unlock.token) == 0);
	else if (r->method == TA_PROTO_METHOD_SIGN)
		REQUIRE(r2->p.sign.file_len == r->p.sign.file_len &&
			memcmp(r2->p.sign.file, r->p.sign.file, r->p.sign.file_len) == 0 &&
			r2->p.sign.n_keys == r->p.sign.n_keys &&
			strcmp(r2->p.sign.gun, r->p.sign.gun) == 0 &&
			r2->p.sign.prev_root_len == r->p.sign.prev_root_len &&
			(r->p.sign.prev_root == NULL ||
			    memcmp(r2->p.sign.prev_root, r->p.sign.prev_root,
				r->p.sign.prev_root_len) == 0) &&
			r2->p.sign.parent_len == r->p.sign.parent_len &&
			(r->p.sign.parent == NULL ||
			    memcmp(r2->p.sign.parent, r->p.sign.parent, r->p.sign.parent_len) == 0));
	else
		REQUIRE(same_simple_params(r, r2));
	ta_proto_req_free(r2);
	ta_buf_free(b);
}

/* What the agent answers about a request decodes on the client side. */
static void
check_answers(const struct ta_proto_req *r)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);
	struct ta_proto_resp *resp;
	json_t *obj = json_object();

	REQUIRE(b != NULL && obj != NULL);
	REQUIRE(ta_proto_encode_notice(b, &r->id, TA_PROTO_NOTICE_TOUCH) == 0);
	resp = take_resp(b);
	REQUIRE(resp->kind == TA_PROTO_MSG_NOTICE && ta_proto_id_equal(&resp->id, &r->id));
	REQUIRE(resp->notice.kind == TA_PROTO_NOTICE_TOUCH);
	ta_proto_resp_free(resp);

	REQUIRE(ta_proto_encode_result(b, &r->id, obj) == 0);
	resp = take_resp(b);
	REQUIRE(resp->kind == TA_PROTO_MSG_RESULT && ta_proto_id_equal(&resp->id, &r->id));
	REQUIRE(json_is_object(resp->result) && json_object_size(resp->result) == 0);
	ta_proto_resp_free(resp);

	REQUIRE(ta_proto_encode_error(b, &r->id, 0, TA_ERR_PIN_FINAL_TRY, NULL) == 0);
	resp = take_resp(b);
	REQUIRE(resp->kind == TA_PROTO_MSG_ERROR && ta_proto_id_equal(&resp->id, &r->id));
	REQUIRE(resp->error.code == TA_PROTO_E_PIN_FINAL_TRY);
	REQUIRE(resp->error.err == TA_ERR_PIN_FINAL_TRY);
	ta_proto_resp_free(resp);
	json_decref(obj);
	ta_buf_free(b);
}

/* A refusal is a documented pair, answered with the same id and text. */
static void
check_fault(int r, const struct ta_proto_fault *f)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);
	struct ta_proto_resp *resp;

	REQUIRE(b != NULL);
	REQUIRE(f->err == r);
	switch (f->code) {
	case TA_PROTO_E_PARSE:
		REQUIRE(r == TA_ERR_INVALID || r == TA_ERR_TRUNCATED || r == TA_ERR_TRAILING ||
			r == TA_ERR_TOO_LARGE);
		REQUIRE(f->id.kind == TA_PROTO_ID_NULL && f->method == TA_PROTO_METHOD_NONE);
		break;
	case TA_PROTO_E_INVALID_REQUEST:
		REQUIRE(r == TA_ERR_INVALID || r == TA_ERR_TOO_LARGE);
		REQUIRE(f->method == TA_PROTO_METHOD_NONE);
		break;
	case TA_PROTO_E_METHOD_NOT_FOUND:
		REQUIRE(r == TA_ERR_NOT_FOUND);
		REQUIRE(f->id.kind != TA_PROTO_ID_NULL && f->method == TA_PROTO_METHOD_NONE);
		break;
	case TA_PROTO_E_INVALID_PARAMS:
		REQUIRE(r == TA_ERR_INVALID || r == TA_ERR_TOO_LARGE);
		REQUIRE(f->id.kind != TA_PROTO_ID_NULL && f->method != TA_PROTO_METHOD_NONE);
		break;
	case TA_PROTO_E_INTERNAL:
		REQUIRE(r == TA_ERR_NOMEM);
		break;
	default:
		REQUIRE(!"undocumented code");
	}
	REQUIRE(printable(f->detail, sizeof(f->detail)) && f->detail[0] != '\0');

	REQUIRE(ta_proto_encode_fault(b, f) == 0);
	resp = take_resp(b);
	REQUIRE(resp->kind == TA_PROTO_MSG_ERROR && ta_proto_id_equal(&resp->id, &f->id));
	REQUIRE(resp->error.code == f->code && resp->error.err == f->err);
	REQUIRE(strcmp(resp->error.detail, f->detail) == 0);
	REQUIRE(strcmp(resp->error.name, ta_errname(f->err)) == 0);
	ta_proto_resp_free(resp);
	ta_buf_free(b);
}

static void
check_request(const uint8_t *p, size_t n)
{
	struct ta_proto_req *req = NULL;
	struct ta_proto_fault f;
	int r;

	r = ta_proto_decode_request(p, n, &req, &f);
	if (r != 0) {
		REQUIRE(req == NULL);
		check_fault(r, &f);
		return;
	}
	REQUIRE(req != NULL);
	check_req_fields(req);
	check_reencode(p, n, req);
	check_answers(req);
	ta_proto_req_free(req);
}

/* dec accepts result: enc gives back an equal object, which dec accepts. */
#define RESULT_ROUND_TRIP(T, dec, enc, clear)                                                      \
	do {                                                                                       \
		T v_, w_;                                                                          \
		json_t *o_ = NULL;                                                                 \
		memset(&v_, 0, sizeof(v_));                                                        \
		memset(&w_, 0, sizeof(w_));                                                        \
		if (dec(result, &v_) == 0) {                                                       \
			REQUIRE(enc(&v_, &o_) == 0);                                               \
			REQUIRE(json_equal(o_, result));                                           \
			REQUIRE(dec(o_, &w_) == 0);                                                \
			clear(&w_);                                                                \
			json_decref(o_);                                                           \
			clear(&v_);                                                                \
		}                                                                                  \
	} while (0)

static void
check_results(const json_t *result)
{
	RESULT_ROUND_TRIP(struct ta_proto_status_result, ta_proto_decode_status_result,
	    ta_proto_status_result_json, ta_proto_status_result_clear);
	RESULT_ROUND_TRIP(struct ta_proto_unlock_result, ta_proto_decode_unlock_result,
	    ta_proto_unlock_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_lock_result, ta_proto_decode_lock_result,
	    ta_proto_lock_result_json, ta_proto_lock_result_clear);
	RESULT_ROUND_TRIP(struct ta_proto_key_list_result, ta_proto_decode_key_list_result,
	    ta_proto_key_list_result_json, ta_proto_key_list_result_clear);
	RESULT_ROUND_TRIP(struct ta_proto_key_generate_result, ta_proto_decode_key_generate_result,
	    ta_proto_key_generate_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_key_cert_result, ta_proto_decode_key_cert_result,
	    ta_proto_key_cert_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_key_show_result, ta_proto_decode_key_show_result,
	    ta_proto_key_show_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_key_scope_result, ta_proto_decode_key_scope_result,
	    ta_proto_key_scope_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_sign_result, ta_proto_decode_sign_result,
	    ta_proto_sign_result_json, (void));
	RESULT_ROUND_TRIP(struct ta_proto_key_attest_result, ta_proto_decode_key_attest_result,
	    ta_proto_key_attest_result_json, (void));
}

static void
check_response(const uint8_t *p, size_t n)
{
	struct ta_proto_hello_result h;
	struct ta_proto_sign_result s;
	struct ta_proto_resp *resp = NULL;
	int r;

	r = ta_proto_decode_response(p, n, &resp);
	if (r != 0) {
		REQUIRE(r == TA_ERR_PROTOCOL || r == TA_ERR_NOMEM);
		REQUIRE(resp == NULL);
		return;
	}
	switch (resp->kind) {
	case TA_PROTO_MSG_RESULT:
		REQUIRE(json_is_object(resp->result));
		REQUIRE(resp->id.kind != TA_PROTO_ID_NULL);
		if (ta_proto_decode_sign_result(resp->result, &s) == 0) {
			REQUIRE(s.file_len >= 1 && strlen(s.file) == s.file_len);
			REQUIRE(s.n_keyids >= 1 && s.n_keyids <= TA_PROTO_KEYS_MAX);
			REQUIRE(strlen(s.sha256) == TA_PROTO_KEYID_LEN);
			for (size_t i = 0; i < s.n_keyids; i++)
				REQUIRE(strlen(s.keyids[i]) == TA_PROTO_KEYID_LEN);
		}
		if (ta_proto_decode_hello_result(resp->result, &h) == 0) {
			REQUIRE(h.version >= 1 && h.version <= TA_PROTO_VERSION_VALUE_MAX);
			REQUIRE(str_ok(h.agent, TA_PROTO_AGENT_MAX, false));
			REQUIRE((h.methods & 1u) == 0);
		}
		check_results(resp->result);
		break;
	case TA_PROTO_MSG_ERROR:
		REQUIRE(resp->result == NULL);
		REQUIRE(resp->error.err < 0);
		REQUIRE(str_ok(resp->error.message, TA_PROTO_MESSAGE_MAX, false));
		REQUIRE(str_ok(resp->error.name, TA_PROTO_ERRNAME_MAX, true));
		REQUIRE(str_ok(resp->error.detail, TA_PROTO_DETAIL_MAX, true));
		break;
	case TA_PROTO_MSG_NOTICE:
		REQUIRE(resp->result == NULL && resp->id.kind != TA_PROTO_ID_NULL);
		REQUIRE(str_ok(resp->notice.kind_name, TA_PROTO_NOTICE_KIND_MAX, false));
		REQUIRE(str_ok(resp->notice.message, TA_PROTO_MESSAGE_MAX, false));
		REQUIRE((resp->notice.kind == TA_PROTO_NOTICE_TOUCH) ==
			(strcmp(resp->notice.kind_name, "touch") == 0));
		break;
	default:
		REQUIRE(!"unknown kind");
	}
	ta_proto_resp_free(resp);
}

/* Cuts the stream into frames under max, as a connection would. */
static void
check_stream(const uint8_t *data, size_t size, size_t max)
{
	struct ta_buf *in = ta_buf_from_const(data, size);
	const uint8_t *p = NULL;
	size_t n = 0, n2 = 0, left;
	int r;

	REQUIRE(in != NULL);
	for (;;) {
		left = ta_buf_len(in);
		r = ta_proto_frame_take(in, max, &p, &n);
		if (r != 0) {
			REQUIRE(
			    r == TA_ERR_TRUNCATED || r == TA_ERR_TOO_LARGE || r == TA_ERR_PROTOCOL);
			REQUIRE(ta_buf_len(in) == left); /* nothing consumed */
			break;
		}
		REQUIRE(n >= 1 && n <= max && left - ta_buf_len(in) == TA_PROTO_FRAME_HDR + n);
		/* One byte short is "not yet". */
		REQUIRE(ta_proto_frame_check(p - TA_PROTO_FRAME_HDR, TA_PROTO_FRAME_HDR + n - 1,
			    max, &n2) == TA_ERR_TRUNCATED);
		check_request(p, n);
	}
	ta_buf_free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool inited;

	if (!inited) {
		ta_proto_init();
		inited = true;
	}
	if (size > TA_PROTO_MAX_FRAME)
		return 0;
	check_stream(data, size, TA_PROTO_MAX_FRAME);
	check_stream(data, size, SMALL_MAX);
	check_request(data, size);
	check_response(data, size);
	return 0;
}
