/* Jobs: running a request in phases on workers, its response and its
 * audit record (agent/job.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "agent/agent.h"
#include "agent/audit.h"
#include "agent/job.h"
#include "agent/job_int.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"

static void
job_audit(struct ta_job *j)
{
	const char *ids[TA_PROTO_KEYS_MAX];
	struct ta_audit_rec rec = {0};
	const struct ta_proto_req *q = j->req;

	if (j->method == TA_PROTO_METHOD_NONE || j->method == TA_PROTO_METHOD_HELLO ||
	    j->ag->audit == NULL)
		return;
	for (size_t i = 0; i < j->n_keyids; i++)
		ids[i] = j->keyids[i];
	rec.uid = j->peer.uid;
	rec.gid = j->peer.gid;
	rec.pid = j->peer.pid;
	rec.method = ta_proto_method_name(j->method);
	rec.profile = j->profile;
	if (q != NULL && q->method == TA_PROTO_METHOD_SIGN) {
		rec.profile = ta_proto_profile_name(q->p.sign.profile);
		rec.role = q->p.sign.role;
		rec.gun = q->p.sign.gun[0] != '\0' ? q->p.sign.gun : NULL;
	} else if (q != NULL && q->method == TA_PROTO_METHOD_KEY_CERT) {
		rec.gun = q->p.key_cert.gun;
	} else if (q != NULL && q->method == TA_PROTO_METHOD_KEY_SHOW) {
		rec.profile = ta_proto_profile_name(q->p.key_show.profile);
	}
	rec.keyids = ids;
	rec.n_keyids = j->n_keyids;
	rec.rule = j->rule[0] != '\0' ? j->rule : NULL;
	rec.scope = j->scope[0] != '\0' ? j->scope : NULL;
	rec.version = j->version;
	rec.sha256 = j->has_sha256 ? j->sha256 : NULL;
	rec.result = j->result;
	rec.detail = j->detail[0] != '\0' ? j->detail : NULL;
	if (ta_audit_log(j->ag->audit, &rec) != 0)
		log_err_r(TA_ERR_SYSTEM, "audit record for %s from uid %u not written", rec.method,
		    (unsigned)rec.uid);
}

void
ta_job_finish(struct ta_job *j)
{
	struct ta_agent *ag = j->ag;

	if (!j->audited)
		job_audit(j);
	j->end(j);
	ag->quiet(ag);
}

void
ta_job_respond(struct ta_job *j)
{
	/* The record before the answer, as in ta_job_finish(). */
	job_audit(j);
	j->audited = true;
	if (j->resp != NULL && ta_buf_len(j->resp) > 0 && j->send_now != NULL)
		(void)j->send_now(j);
}

void
ta_job_error(struct ta_job *j, int code, int err, const char *fmt, ...)
{
	static const struct ta_proto_id null_id = {.kind = TA_PROTO_ID_NULL};
	struct ta_buf *b;
	va_list ap;

	if (err >= 0)
		err = TA_ERR_INTERNAL;
	j->result = err;
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(j->detail, sizeof(j->detail), fmt, ap);
		va_end(ap);
	} else {
		(void)snprintf(j->detail, sizeof(j->detail), "%s", ta_strerror(err));
	}
	ta_buf_free(j->resp);
	j->resp = NULL;
	if ((b = ta_buf_new(TA_BUF_MAX)) == NULL)
		return;
	if (ta_proto_encode_error(
		b, j->req != NULL ? &j->req->id : &null_id, code, err, j->detail) != 0) {
		ta_buf_free(b);
		return;
	}
	j->resp = b;
}

void
ta_job_result(struct ta_job *j, int r, json_t *result)
{
	struct ta_buf *b = NULL;

	if (r != 0) {
		ta_job_error(j, 0, r, NULL);
		return;
	}
	b = ta_buf_new(TA_BUF_MAX);
	r = b != NULL ? ta_proto_encode_result(b, &j->req->id, result) : TA_ERR_NOMEM;
	json_decref(result);
	if (b == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		return;
	}
	if (r != 0) {
		ta_buf_free(b);
		if (r == TA_ERR_TOO_LARGE)
			ta_job_error(
			    j, TA_PROTO_E_INVALID_PARAMS, r, "the response would be over 64 MiB");
		else
			ta_job_error(j, 0, r, NULL);
		return;
	}
	ta_job_answer(j, b);
}

void
ta_job_add_keyid(struct ta_job *j, const char *keyid)
{
	if (j->n_keyids < TA_PROTO_KEYS_MAX && keyid != NULL)
		(void)snprintf(j->keyids[j->n_keyids++], sizeof(j->keyids[0]), "%s", keyid);
}

static void
job_work_cb(uv_work_t *w)
{
	struct ta_job *j = w->data;

	j->run(j);
}

static void
job_after_cb(uv_work_t *w, int status)
{
	struct ta_job *j = w->data;

	j->ag->work--;
	if (status != 0) /* cancelled: never ran */
		ta_job_error(j, 0, TA_ERR_CANCELLED, NULL);
	j->done(j);
}

void
ta_job_queue(struct ta_job *j, ta_job_fn run, ta_job_fn done)
{
	int r;

	j->run = run;
	j->done = done;
	r = uv_queue_work(&j->ag->loop, &j->work, job_work_cb, job_after_cb);
	if (r != 0) {
		/* done() sees the error (every done() checks for one) and
		 * undoes what the handler began. */
		log_err("cannot queue work: %s", uv_strerror(r));
		ta_job_error(j, 0, TA_ERR_INTERNAL, NULL);
		done(j);
		return;
	}
	j->ag->work++;
}

struct ta_agent *
ta_job_agent(const struct ta_job *j)
{
	return j->ag;
}

struct ta_proto_req *
ta_job_req(const struct ta_job *j)
{
	return j->req;
}

enum ta_proto_method
ta_job_method(const struct ta_job *j)
{
	return j->method;
}

const struct ta_peer *
ta_job_peer(const struct ta_job *j)
{
	return &j->peer;
}

struct ta_rules *
ta_job_rules(const struct ta_job *j)
{
	return j->rules;
}

bool
ta_job_detached(const struct ta_job *j)
{
	return j->conn == NULL;
}

struct ta_job_token *
ta_job_tokens(struct ta_job *j)
{
	return j->toks;
}

size_t
ta_job_n_tokens(const struct ta_job *j)
{
	return j->n_toks;
}

void
ta_job_set_n_tokens(struct ta_job *j, size_t n)
{
	j->n_toks = n;
}

struct ta_signwait *
ta_job_sign_wait(struct ta_job *j)
{
	return &j->sign_wait;
}

void *
ta_job_priv(const struct ta_job *j)
{
	return j->priv;
}

void
ta_job_queue_with(struct ta_job *j, size_t size, void (*priv_free)(void *priv), ta_job_fn run,
    ta_job_fn done)
{
	if ((j->priv = calloc(1, size)) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		ta_job_finish(j);
		return;
	}
	j->priv_free = priv_free;
	ta_job_queue(j, run, done);
}

size_t
ta_job_tok(const struct ta_job *j)
{
	return j->tok_idx;
}

void
ta_job_set_tok(struct ta_job *j, size_t idx)
{
	j->tok_idx = idx;
}

unsigned
ta_job_tok_mask(const struct ta_job *j)
{
	return j->tok_mask;
}

void
ta_job_set_tok_mask(struct ta_job *j, unsigned mask)
{
	j->tok_mask = mask;
}

bool
ta_job_answered(const struct ta_job *j)
{
	return j->resp != NULL;
}

int
ta_job_outcome(const struct ta_job *j)
{
	return j->result;
}

const char *
ta_job_detail(const struct ta_job *j)
{
	return j->detail;
}

void
ta_job_answer(struct ta_job *j, struct ta_buf *b)
{
	ta_buf_free(j->resp);
	j->resp = b;
	j->result = 0;
	j->detail[0] = '\0';
}

void
ta_job_set_detail(struct ta_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(j->detail, sizeof(j->detail), fmt, ap);
	va_end(ap);
}

void
ta_job_set_rule(struct ta_job *j, const char *rule)
{
	(void)snprintf(j->rule, sizeof(j->rule), "%s", rule);
}

char *
ta_job_scope(struct ta_job *j, size_t *size)
{
	*size = sizeof(j->scope);
	return j->scope;
}

void
ta_job_set_profile(struct ta_job *j, const char *profile)
{
	j->profile = profile;
}

void
ta_job_set_version(struct ta_job *j, int64_t version)
{
	j->version = version;
}

void
ta_job_set_sha256(struct ta_job *j, const uint8_t sha256[32])
{
	memcpy(j->sha256, sha256, sizeof(j->sha256));
	j->has_sha256 = true;
}

int64_t
ta_job_version(const struct ta_job *j)
{
	return j->version;
}

size_t
ta_job_n_keyids(const struct ta_job *j)
{
	return j->n_keyids;
}
