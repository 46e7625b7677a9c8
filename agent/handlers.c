/* Dispatch, and the methods that do not sign: hello, status, unlock, lock,
 * key.list, key.generate, key.show. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/handlers.h"
#include "agent/keys.h"
#include "agent/pivgen.h"
#include "agent/scope.h"
#include "agent/job.h"
#include "agent/tokens.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tuf/encoding.h"

/* ---- shared --------------------------------------------------------------- */

int
ta_handle_policy_req(struct ta_job *j, struct ta_policy_req *pr)
{
	struct ta_policy_verdict v;
	int r;

	pr->now = time(NULL);
	r = ta_policy_decide(ta_job_rules(j)->cfg, ta_job_agent(j)->uid, ta_job_peer(j), pr, &v);
	if (r == 0) {
		ta_job_set_rule(j, v.rule);
		return 0;
	}
	if (r != TA_ERR_NOT_AUTHORIZED && r != TA_ERR_POLICY)
		r = TA_ERR_POLICY; /* fail closed, whatever went wrong */
	if (v.why[0] == '\0')
		(void)snprintf(v.why, sizeof(v.why), "%s", ta_strerror(r));
	log_info("peer uid %u pid %d: %s refused: %s", (unsigned)ta_job_peer(j)->uid,
	    (int)ta_job_peer(j)->pid, ta_proto_method_name(ta_job_method(j)), v.why);
	ta_job_error(j, 0, r, "%s", v.why);
	return r;
}

int
ta_handle_policy(struct ta_job *j, unsigned operation, const struct ta_policy_key *keys,
    size_t n_keys, const char *role, const char *gun, time_t expires)
{
	struct ta_policy_req pr = {
	    .operation = operation,
	    .keys = keys,
	    .n_keys = n_keys,
	    .role = role,
	    .gun = gun,
	    .expires = expires,
	};

	return ta_handle_policy_req(j, &pr);
}

void
ta_handle_policy_key(struct ta_job *j, const struct ta_key_ref *tk, struct ta_policy_key *ret,
    struct ta_proto_scope *scope)
{
	size_t size = 0;
	char *buf = ta_job_scope(j, &size);
	size_t n = 0, used = strlen(buf);

	memset(ret, 0, sizeof(*ret));
	if (ta_scopes_get(ta_job_agent(j)->scopes, tk->ck->notary_id, scope) == 0) {
		ret->scope = scope;
		if (used + 8 < size) {
			int w = snprintf(buf + used, size - used, "%s%s: ", used > 0 ? " | " : "",
			    tk->ck->key.label);

			if (w > 0 && used + (size_t)w < size)
				ta_scope_describe(
				    scope, buf + used + (size_t)w, size - used - (size_t)w);
		}
	}
	ret->label = tk->ck->key.label;
	if (tk->ck->notary_id[0] != '\0')
		ret->ids[n++] = tk->ck->notary_id;
	if (tk->ck->tuf_id[0] != '\0')
		ret->ids[n++] = tk->ck->tuf_id;
	if (tk->ck->x509_id[0] != '\0' && n < 3)
		ret->ids[n++] = tk->ck->x509_id;
}

void
ta_handle_key_error(struct ta_job *j, int r, const char *member)
{
	switch (r) {
	case TA_ERR_KEY_NOT_FOUND:
	case TA_ERR_NOT_FOUND:
		ta_job_error(j, TA_PROTO_E_KEY_NOT_FOUND, TA_ERR_KEY_NOT_FOUND,
		    "%s: no key on the tokens has this label, key ID or URI (tufctl key list)",
		    member);
		break;
	case TA_ERR_AMBIGUOUS:
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
		    "%s: names more than one key; name it by key ID or PKCS#11 URI", member);
		break;
	case TA_ERR_INVALID:
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
		    "%s: not a usable PKCS#11 URI (it must name the key by object= or id=)",
		    member);
		break;
	case TA_ERR_TOKEN_ABSENT:
	case TA_ERR_TOKEN_NOT_INIT:
		ta_job_error(j, 0, r, "%s: not found, and a token is absent: insert it", member);
		break;
	case TA_ERR_NOT_LOGGED_IN:
		ta_job_error(j, 0, r,
		    "%s: not found, and a token is locked: unlock it (tufctl unlock)", member);
		break;
	default:
		ta_job_error(j, 0, r, "%s: %s", member, ta_strerror(r));
		break;
	}
}

/* The token a request's `token` member names, into ta_job_tok(j); answers and
 * returns non-zero when there is none. */
static int
request_token(struct ta_job *j, const char *name)
{
	size_t idx = 0;
	int r = ta_tokens_find(ta_job_agent(j), name, &idx);

	if (r == 0)
		ta_job_set_tok(j, idx);
	else if (r == TA_ERR_AMBIGUOUS)
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
		    "params.token: several tokens are configured; name one");
	else if (r != 0 && name[0] == '\0')
		ta_job_error(
		    j, TA_PROTO_E_TOKEN_ABSENT, TA_ERR_TOKEN_ABSENT, "no token is configured");
	else if (r != 0)
		ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, TA_ERR_NOT_FOUND,
		    "params.token: no configured token has this name or URI");
	return r;
}

static enum ta_proto_pin_state
pin_state(unsigned flags)
{
	if (!(flags & TA_TOK_PRESENT))
		return TA_PROTO_PIN_UNKNOWN;
	if (flags & TA_TOK_PIN_LOCKED)
		return TA_PROTO_PIN_LOCKED;
	if (flags & TA_TOK_PIN_FINAL_TRY)
		return TA_PROTO_PIN_FINAL_TRY;
	if (flags & TA_TOK_PIN_COUNT_LOW)
		return TA_PROTO_PIN_COUNT_LOW;
	return TA_PROTO_PIN_OK;
}

/* ---- hello ------------------------------------------------------------------ */

static void
handle_hello(struct ta_job *j)
{
	uint32_t version = 0;
	struct ta_buf *b;

	if (ta_job_req(j)->p.hello.client[0] != '\0' && !ta_job_detached(j))
		log_debug("peer uid %u pid %d: client '%s'", (unsigned)ta_job_peer(j)->uid,
		    (int)ta_job_peer(j)->pid, ta_job_req(j)->p.hello.client);
	if (ta_proto_hello_pick(&ta_job_req(j)->p.hello, &version) != 0) {
		ta_job_error(j, TA_PROTO_E_UNSUPPORTED, TA_ERR_UNSUPPORTED,
		    "no shared protocol version: this agent speaks version %d", TA_PROTO_VERSION);
	} else if ((b = ta_buf_new(TA_BUF_MAX)) == NULL ||
		   ta_proto_encode_hello_result(b, &ta_job_req(j)->id, version, TA_AGENT_NAME) !=
		       0) {
		ta_buf_free(b);
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
	} else {
		ta_job_answer(j, b);
	}
	ta_job_finish(j);
}

/* ---- status ------------------------------------------------------------------ */

/* s when it is printable ASCII and not empty (what the status result
 * carries of a token's CK_TOKEN_INFO), else NULL. */
static const char *
printable(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return NULL;
	return s[0] != '\0' ? s : NULL;
}

static void
status_run(struct ta_job *j)
{
	struct ta_proto_token_status toks[TA_PROTO_TOKENS_MAX];
	struct ta_p11_token_info infos[TA_PROTO_TOKENS_MAX];
	struct ta_proto_status_result res = {
	    .version = TA_PROTO_VERSION, .agent = TA_AGENT_NAME, .tokens = toks};
	json_t *o = NULL;
	int r;

	_Static_assert(TA_CFG_MAX_TOKENS <= TA_PROTO_TOKENS_MAX, "status lists every token");
	for (size_t i = 0; i < ta_job_n_tokens(j); i++) {
		struct ta_p11_token_info in = {0};
		struct ta_p11_token_info *id = &infos[i];
		struct ta_keyset *ks = NULL;
		size_t count = 0;
		bool unlocked = false;

		if (ta_job_tokens(j)[i].p11 != NULL &&
		    ta_p11_token_info(ta_job_tokens(j)[i].p11, &in) != 0)
			in.flags = 0;
		if (in.flags & TA_TOK_PRESENT)
			unlocked =
			    (in.flags & TA_TOK_LOGGED_IN) || !(in.flags & TA_TOK_LOGIN_REQUIRED);
		if (unlocked &&
		    ta_keycache_get(ta_job_tokens(j)[i].kc, ta_job_tokens(j)[i].p11, &ks) == 0) {
			for (size_t k = 0; k < ks->n; k++)
				count += ks->keys[k].key.type != TA_KEY_NONE;
			ta_keyset_unref(ks);
		}
		toks[res.n_tokens++] = (struct ta_proto_token_status){
		    .name = ta_job_tokens(j)[i].name,
		    .uri = ta_job_tokens(j)[i].uri,
		    .present = (in.flags & TA_TOK_PRESENT) != 0,
		    .unlocked = unlocked,
		    .pin = pin_state(in.flags),
		    .keys = (uint32_t)count,
		};
		/* Who the token says it is, for a ceremony's "is this the right
		 * token" before any PIN (PROTOCOL.md §5.2). */
		*id = in;
		if (in.flags & TA_TOK_PRESENT) {
			toks[i].serial = printable(id->serial);
			toks[i].model = printable(id->model);
			toks[i].manufacturer = printable(id->manufacturer);
		}
	}
	r = ta_proto_status_result_json(&res, &o);
	ta_job_result(j, r, o);
}

static void
handle_status(struct ta_job *j)
{
	if (ta_handle_policy(j, TA_OP_STATUS, NULL, 0, NULL, NULL, 0) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue(j, status_run, ta_job_finish);
}

/* ---- unlock, lock ------------------------------------------------------------------ */

static void
unlock_run(struct ta_job *j)
{
	struct ta_job_token *t = &ta_job_tokens(j)[ta_job_tok(j)];
	struct ta_secret *pin = ta_job_req(j)->p.unlock.pin, *keep = NULL;
	struct ta_proto_unlock_result res = {.token = t->name};
	unsigned long gen = ta_p11_token_generation(t->p11);
	json_t *o = NULL;
	int r;

	ta_job_req(j)->p.unlock.pin = NULL; /* the token layer wipes and frees it */
	/* The PIN a person typed also serves keys that want it for every
	 * signature: the next one, or all for pin-cache's time. */
	if (pin != NULL && (t->cfg->pin.kind == TA_PIN_UNLOCK || t->cfg->pin.kind == TA_PIN_PINENTRY) &&
	    (keep = ta_secret_from(pin->data, pin->len)) == NULL) {
		ta_secret_free(pin);
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		return;
	}
	r = ta_p11_token_login(t->p11, pin, false);
	if (r == 0) {
		ta_pincache_set_refused(t->pc, false);
		if (keep != NULL && t->cfg->pin_cache > 0)
			r = ta_pincache_put(t->pc, keep, gen, ta_now_ms(),
			    (long long)t->cfg->pin_cache * 1000, 0);
		else if (keep != NULL)
			r = ta_pincache_put(t->pc, keep, gen, ta_now_ms(), TA_PINCACHE_ONE_USE_MS, 1);
	}
	ta_secret_free(keep);
	if (r == 0) /* its private keys are visible now */
		(void)ta_keycache_refresh(t->kc, t->p11, NULL);
	if (r == TA_ERR_PIN_FINAL_TRY) {
		ta_job_error(j, 0, r,
		    "token '%s' has one PIN try left: the agent will not spend it; unlock it "
		    "interactively with the token's tools",
		    t->name);
	} else if (r != 0) {
		ta_job_error(j, 0, r, "token '%s': %s", t->name, ta_strerror(r));
	} else {
		r = ta_proto_unlock_result_json(&res, &o);
		ta_job_result(j, r, o);
	}
}

static void
unlock_done(struct ta_job *j)
{
	ta_tokens_unlock_end(ta_job_agent(j), ta_job_tok(j), ta_job_outcome(j));
	ta_job_finish(j);
}

static void
handle_unlock(struct ta_job *j)
{
	if (ta_handle_policy(j, TA_OP_UNLOCK, NULL, 0, NULL, NULL, 0) != 0 ||
	    request_token(j, ta_job_req(j)->p.unlock.token) != 0) {
		ta_job_finish(j);
		return;
	}
	if (ta_job_tokens(j)[ta_job_tok(j)].p11 == NULL) {
		ta_job_error(j, 0, TA_ERR_TOKEN_ABSENT, "token '%s' is absent",
		    ta_job_tokens(j)[ta_job_tok(j)].name);
		ta_job_finish(j);
		return;
	}
	ta_tokens_unlock_begin(ta_job_agent(j), ta_job_tok(j));
	ta_job_queue(j, unlock_run, unlock_done);
}

static void
lock_run(struct ta_job *j)
{
	const char *names[TA_PROTO_TOKENS_MAX];
	struct ta_proto_lock_result res = {.tokens = names};
	unsigned want = ta_job_tok_mask(j), done = 0;
	json_t *o = NULL;
	int r, last = 0;

	ta_job_set_tok(j, SIZE_MAX);
	for (size_t i = 0; i < ta_job_n_tokens(j); i++) {
		int lr;

		if (!(want & (1u << i)))
			continue;
		if (ta_job_tokens(j)[i].p11 == NULL) {
			last = TA_ERR_TOKEN_ABSENT;
			continue;
		}
		(void)ta_pincache_wipe(ta_job_tokens(j)[i].pc);
		lr = ta_p11_token_logout(ta_job_tokens(j)[i].p11);
		/* Private keys are invisible from now on (or the token went). */
		ta_keycache_drop(ta_job_tokens(j)[i].kc);
		if (lr != 0) {
			last = lr;
			continue;
		}
		done |= 1u << i;
		names[res.n_tokens++] = ta_job_tokens(j)[i].name;
	}
	ta_job_set_tok_mask(j, done);
	if (done == 0 && last != 0) {
		ta_job_error(j, 0, last, NULL);
		return;
	}
	r = ta_proto_lock_result_json(&res, &o);
	ta_job_result(j, r, o);
}

static void
lock_done(struct ta_job *j)
{
	/* The token index (SIZE_MAX) says lock_run ran: the mask is then what it
	 * logged out. */
	for (size_t i = 0; i < ta_job_n_tokens(j) && ta_job_tok(j) == SIZE_MAX; i++)
		if (ta_job_tok_mask(j) & (1u << i))
			ta_tokens_locked(ta_job_agent(j), i);
	ta_job_finish(j);
}

/* The tokens a request's optional `token` member names, as the job's
 * token mask: that one (ta_job_tok() says which), or every token when it
 * is "".  Answers and returns non-zero when there is no such token. */
static int
request_tokens(struct ta_job *j, const char *name)
{
	if (name[0] == '\0') {
		ta_job_set_tok_mask(j, (1u << ta_job_n_tokens(j)) - 1);
		return 0;
	}
	if (request_token(j, name) != 0)
		return -1;
	ta_job_set_tok_mask(j, 1u << ta_job_tok(j));
	return 0;
}

static void
handle_lock(struct ta_job *j)
{
	if (ta_handle_policy(j, TA_OP_LOCK, NULL, 0, NULL, NULL, 0) != 0 ||
	    request_tokens(j, ta_job_req(j)->p.lock.token) != 0) {
		ta_job_finish(j);
		return;
	}
	for (size_t i = 0; i < ta_job_n_tokens(j); i++)
		if (ta_job_tok_mask(j) & (1u << i))
			ta_tokens_lock_begin(ta_job_agent(j), i);
	ta_job_queue(j, lock_run, lock_done);
}

/* ---- key.list ------------------------------------------------------------------------ */

/* A key found, with copies of what its KEY borrows (the key set it came
 * from is gone by key_list_done): info's label, keyids and uri are set to
 * these when the result is built, as the array may move until then. */
struct list_entry {
	struct ta_proto_key_info info;
	char *uri;
	char label[TA_P11_LABEL_MAX + 1];
	char ids[3][TA_KEY_ID_SIZE];
};

struct list_priv {
	struct list_entry *e;
	size_t n, cap;
};

static void
list_priv_free(void *p)
{
	struct list_priv *lp = p;

	if (lp == NULL)
		return;
	for (size_t i = 0; i < lp->n; i++)
		free(lp->e[i].uri);
	free(lp->e);
	free(lp);
}

static int
list_add(struct list_priv *lp, const struct ta_cached_key *ck, const struct ta_proto_key_info *info,
    char *uri)
{
	struct list_entry *e;

	if (lp->n == lp->cap) {
		size_t cap = lp->cap ? 2 * lp->cap : 16;

		if ((e = reallocarray(lp->e, cap, sizeof(*e))) == NULL)
			return TA_ERR_NOMEM;
		lp->e = e;
		lp->cap = cap;
	}
	e = &lp->e[lp->n++];
	memset(e, 0, sizeof(*e));
	e->info = *info;
	e->uri = uri;
	(void)snprintf(e->label, sizeof(e->label), "%s", ck->key.label);
	(void)snprintf(e->ids[0], sizeof(e->ids[0]), "%s", ck->notary_id);
	(void)snprintf(e->ids[1], sizeof(e->ids[1]), "%s", ck->tuf_id);
	(void)snprintf(e->ids[2], sizeof(e->ids[2]), "%s", ck->x509_id);
	return 0;
}

/* key.list lists the tokens afresh (keys made or removed by other programs
 * show) and leaves what it found in their caches. */
static void
key_list_run(struct ta_job *j)
{
	struct list_priv *lp = ta_job_priv(j);
	int r = 0, last = 0;

	for (size_t i = 0; i < ta_job_n_tokens(j) && r == 0; i++) {
		struct ta_p11_token *p11 = ta_job_tokens(j)[i].p11;
		struct ta_p11_token_info in;
		struct ta_keyset *ks = NULL;

		if (!(ta_job_tok_mask(j) & (1u << i)))
			continue;
		if (p11 == NULL || ta_p11_token_info(p11, &in) != 0 ||
		    !(in.flags & TA_TOK_PRESENT)) {
			last = TA_ERR_TOKEN_ABSENT;
			continue;
		}
		/* A token whose sessions are all signing (waiting for a touch)
		 * is listed from the cache: key list must not wait for it. */
		if ((in.flags & TA_TOK_BUSY) ? (r = ta_keycache_get(ta_job_tokens(j)[i].kc, p11, &ks)) != 0
					      : (r = ta_keycache_refresh(ta_job_tokens(j)[i].kc, p11, &ks)) != 0) {
			last = r;
			r = 0;
			continue;
		}
		for (size_t k = 0; k < ks->n && r == 0; k++) {
			const struct ta_cached_key *ck = &ks->keys[k];
			struct ta_proto_scope sc;
			struct ta_proto_key_info info;
			char *uri = NULL;

			if (ck->ids_r == 0 &&
			    ta_cached_key_info(ck, ta_job_tokens(j)[i].name, in.label, in.serial,
				ta_scopes_get(ta_job_agent(j)->scopes, ck->notary_id, &sc) == 0
				    ? &sc
				    : NULL,
				&info, &uri) == 0 &&
			    (r = list_add(lp, ck, &info, uri)) != 0)
				free(uri);
		}
		ta_keyset_unref(ks);
	}
	if (r != 0)
		ta_job_error(j, 0, r, NULL);
	else if (lp->n == 0 && last != 0 && ta_job_req(j)->p.key_list.token[0] != '\0')
		ta_job_error(j, 0, last, "token '%s': %s", ta_job_tokens(j)[ta_job_tok(j)].name,
		    ta_strerror(last));
}

/* The policy may grant key.list for some keys only: list those. */
static void
key_list_done(struct ta_job *j)
{
	struct list_priv *lp = ta_job_priv(j);
	struct ta_proto_key_list_result res = {0};
	json_t *o = NULL;
	int r;

	if (ta_job_answered(j)) /* an error */
		goto out;
	if (lp->n > 0 && (res.keys = calloc(lp->n, sizeof(*res.keys))) == NULL) {
		ta_job_error(j, 0, TA_ERR_NOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < lp->n; i++) {
		struct list_entry *e = &lp->e[i];
		struct ta_policy_key pk = {.label = e->label};
		struct ta_policy_req pr = {.operation = TA_OP_KEY_LIST, .keys = &pk, .n_keys = 1};
		const struct ta_config *cfg = ta_job_rules(j)->cfg;
		char why[256];
		size_t n = 0;

		for (size_t k = 0; k < 3; k++)
			if (e->ids[k][0] != '\0')
				pk.ids[n++] = e->ids[k];
		pr.now = time(NULL);
		if (ta_policy_check(
			cfg, ta_job_agent(j)->uid, ta_job_peer(j), &pr, why, sizeof(why)) != 0)
			continue;
		e->info.label = e->label;
		e->info.notary_id = e->ids[0];
		e->info.tuf_id = e->ids[1];
		e->info.uri = e->uri;
		res.keys[res.n_keys++] = e->info;
	}
	r = ta_proto_key_list_result_json(&res, &o);
	ta_job_result(j, r, o);
out:
	free(res.keys);
	ta_job_finish(j);
}

static void
handle_key_list(struct ta_job *j)
{
	if (ta_handle_policy(j, TA_OP_KEY_LIST, NULL, 0, NULL, NULL, 0) != 0 ||
	    request_tokens(j, ta_job_req(j)->p.key_list.token) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue_with(j, sizeof(struct list_priv), list_priv_free, key_list_run, key_list_done);
}

/* ---- key.generate ------------------------------------------------------------------ */

static void handle_key_generate_named(struct ta_job *j);

static void
key_generate_run(struct ta_job *j)
{
	const struct ta_proto_key_generate *g = &ta_job_req(j)->p.key_generate;
	struct ta_job_token *t = &ta_job_tokens(j)[ta_job_tok(j)];
	struct ta_p11_keygen gen = {.type = g->type, .label = g->label};
	struct ta_p11_token_info in;
	struct ta_p11_key pk = {0};
	struct ta_cached_key ck = {0};
	struct ta_proto_key_generate_result res = {0};
	json_t *o = NULL;
	char *uri = NULL;
	size_t size = 0;
	char *scope = ta_job_scope(j, &size);
	int r;

	if (t->p11 == NULL) {
		ta_job_error(j, 0, TA_ERR_TOKEN_ABSENT, "token '%s' is absent", t->name);
		return;
	}
	if (g->slot != 0) {
		if (ta_pivgen_run(j, t, &pk, &res.logged_out) != 0)
			return;
		goto made;
	}
	/* Labels name keys across tokens: one label, one key. */
	for (size_t i = 0; i < ta_job_n_tokens(j); i++) {
		struct ta_p11_key other;

		if (i == ta_job_tok(j) || ta_job_tokens(j)[i].p11 == NULL)
			continue;
		r = ta_p11_key_find(ta_job_tokens(j)[i].p11, g->label, &other);
		if (r == 0)
			ta_p11_key_clear(&other);
		if (r == 0 || r == TA_ERR_AMBIGUOUS) {
			ta_job_error(j, 0, TA_ERR_EXISTS,
			    "params.label: a key on token '%s' has this label",
			    ta_job_tokens(j)[i].name);
			return;
		}
	}
	if ((r = ta_p11_key_generate(t->p11, &gen, &pk)) != 0) {
		if (r == TA_ERR_EXISTS)
			ta_job_error(j, 0, r,
			    "params.label: an object on token '%s' has this label", t->name);
		else if (r == TA_ERR_UNSUPPORTED)
			ta_job_error(j, 0, r, "token '%s' cannot generate %s keys", t->name,
			    ta_key_type_name(g->type));
		else
			ta_job_error(j, 0, r, "token '%s': %s", t->name, ta_strerror(r));
		return;
	}
made:
	/* The new key is in the cache for the requests that follow. */
	(void)ta_keycache_refresh(t->kc, t->p11, NULL);
	if ((r = ta_cached_key_init(&ck, &pk)) != 0 || (r = ck.ids_r) != 0 ||
	    (r = ta_p11_token_info(t->p11, &in)) != 0) {
		ta_job_error(j, 0, r, "the new key on token '%s': %s", t->name, ta_strerror(r));
		goto out;
	}
	/* Its scope before anyone can use it.  Should the record fail, the
	 * key stays, unscoped (usable by the default rule and rules naming
	 * it only), and the error says so. */
	if (g->has_scope &&
	    (r = ta_scopes_put(ta_job_agent(j)->scopes, ck.notary_id, g->label, &g->scope)) != 0) {
		ta_job_error(j, 0, r,
		    "key '%s' generated on token '%s', but its scope was not recorded: %s; "
		    "set it with tufctl key scope",
		    g->label, t->name, ta_strerror(r));
		goto out;
	}
	if ((r = ta_cached_key_info(&ck, t->name, in.label, in.serial,
		 g->has_scope ? &g->scope : NULL, &res.key, &uri)) != 0) {
		ta_job_error(j, 0, r, "the new key on token '%s': %s", t->name, ta_strerror(r));
		goto out;
	}
	if (g->has_scope)
		ta_scope_describe(&g->scope, scope, size);
	ta_job_add_keyid(j, ck.notary_id);
	ta_job_add_keyid(j, ck.tuf_id);
	r = ta_proto_key_generate_result_json(&res, &o);
	ta_job_result(j, r, o);
out:
	free(uri);
	ta_cached_key_clear(&ck);
	ta_p11_key_clear(&pk);
}

static void
key_generate_done(struct ta_job *j)
{
	if (ta_job_outcome(j) == 0)
		log_info("peer uid %u: key '%s' (%s) generated on token '%s'",
		    (unsigned)ta_job_peer(j)->uid, ta_job_req(j)->p.key_generate.label,
		    ta_key_type_name(ta_job_req(j)->p.key_generate.type),
		    ta_job_tokens(j)[ta_job_tok(j)].name);
	ta_job_finish(j);
}

static void
handle_key_generate(struct ta_job *j)
{
	struct ta_proto_key_generate *g = &ta_job_req(j)->p.key_generate;
	const char *slot_label = g->slot != 0 ? ta_p11_piv_label(g->slot) : NULL;

	/* A PIV slot's key is named by ykcs11 after the slot: that name is
	 * what the rules and the audit see. */
	if (slot_label != NULL && g->label[0] != '\0' && strcmp(g->label, slot_label) != 0) {
		ta_job_error(j, 0, TA_ERR_INVALID,
		    "params.label: the key in slot %02x is named '%s' by the card's module: leave "
		    "the label out",
		    g->slot, slot_label);
		ta_job_finish(j);
		return;
	}
	if (slot_label != NULL)
		(void)snprintf(g->label, sizeof(g->label), "%s", slot_label);
	handle_key_generate_named(j);
}

static void
handle_key_generate_named(struct ta_job *j)
{
	const struct ta_proto_key_generate *g = &ta_job_req(j)->p.key_generate;
	struct ta_policy_key pk = {.label = g->label};
	struct ta_policy_req pr = {
	    .operation = TA_OP_KEY_GENERATE,
	    .keys = &pk,
	    .n_keys = 1,
	    .new_scope = g->has_scope ? &g->scope : NULL,
	};

	if (ta_handle_policy_req(j, &pr) != 0 ||
	    request_token(j, ta_job_req(j)->p.key_generate.token) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue(j, key_generate_run, key_generate_done);
}

/* ---- key.show ------------------------------------------------------------------------ */

static void
tkey_free(void *p)
{
	ta_key_ref_clear(p);
	free(p);
}

static void
key_show_run(struct ta_job *j)
{
	const struct ta_proto_key_show *q = &ta_job_req(j)->p.key_show;
	struct ta_key_ref *tk = ta_job_priv(j);
	enum ta_profile profile =
	    q->profile == TA_PROTO_PROFILE_NOTARY ? TA_PROFILE_NOTARY : TA_PROFILE_TUF;
	const struct ta_key *key;
	struct ta_proto_key_show_result res = {.profile = q->profile};
	json_t *obj = NULL, *o = NULL;
	int r;

	ta_job_set_profile(j, ta_proto_profile_name(q->profile));
	if ((r = ta_key_ref_find(ta_job_tokens(j), ta_job_n_tokens(j), q->key, tk)) != 0) {
		ta_handle_key_error(j, r, "params.key");
		return;
	}
	if ((key = ta_cached_key_key(tk->ck, profile, true)) == NULL)
		r = TA_ERR_UNSUPPORTED;
	else
		r = ta_key_to_json(key, &obj);
	if (r != 0) {
		ta_job_error(j, 0, r, "params.key: the key's %s key object: %s",
		    ta_profile_name(profile), ta_strerror(r));
		goto out;
	}
	ta_job_add_keyid(j, ta_key_id(key));
	res.keyid = ta_key_id(key);
	res.key = obj;
	res.has_scope = ta_scopes_get(ta_job_agent(j)->scopes, tk->ck->notary_id, &res.scope) == 0;
	r = ta_proto_key_show_result_json(&res, &o);
	ta_job_result(j, r, o);
out:
	json_decref(obj);
}

static void
key_show_done(struct ta_job *j)
{
	struct ta_policy_key pk;
	struct ta_proto_scope sc;

	if (ta_job_outcome(j) == 0) {
		ta_handle_policy_key(j, ta_job_priv(j), &pk, &sc);
		(void)ta_handle_policy(j, TA_OP_KEY_SHOW, &pk, 1, NULL, NULL, 0);
	}
	ta_job_finish(j);
}

void
ta_handle_one_key(struct ta_job *j, unsigned operation, const char *gun, time_t expires,
    ta_job_fn run, ta_job_fn done)
{
	if (ta_handle_policy(j, operation, NULL, 0, NULL, gun, expires) != 0) {
		ta_job_finish(j);
		return;
	}
	ta_job_queue_with(j, sizeof(struct ta_key_ref), tkey_free, run, done);
}

static void
handle_key_show(struct ta_job *j)
{
	ta_handle_one_key(j, TA_OP_KEY_SHOW, NULL, 0, key_show_run, key_show_done);
}

/* ---- key.scope ------------------------------------------------------------------------ */

static unsigned
scope_operation(enum ta_proto_scope_op op)
{
	return op == TA_PROTO_SCOPE_SHOW ? TA_OP_KEY_SHOW : TA_OP_KEY_SCOPE;
}

/* Finds the key, checks the policy with its current scope and the new
 * one, and records the change (agent/scope.h). */
static void
key_scope_run(struct ta_job *j)
{
	const struct ta_proto_key_scope *q = &ta_job_req(j)->p.key_scope;
	struct ta_key_ref *tk = ta_job_priv(j);
	struct ta_proto_scope cur, next;
	struct ta_policy_key pk;
	struct ta_policy_req pr = {
	    .operation = scope_operation(q->op),
	    .keys = &pk,
	    .n_keys = 1,
	};
	const struct ta_proto_scope *after;
	char before[128] = "none", now[128] = "none", detail[TA_PROTO_DETAIL_MAX + 1] = "";
	struct ta_proto_key_scope_result res;
	json_t *o = NULL;
	size_t size = 0;
	char *scope = ta_job_scope(j, &size);
	int r;

	if ((r = ta_key_ref_find(ta_job_tokens(j), ta_job_n_tokens(j), q->key, tk)) != 0) {
		ta_handle_key_error(j, r, "params.key");
		return;
	}
	ta_handle_policy_key(j, tk, &pk, &cur);
	ta_job_add_keyid(j, tk->ck->notary_id);
	if (q->op == TA_PROTO_SCOPE_SET || q->op == TA_PROTO_SCOPE_ADD)
		pr.new_scope = &q->scope;
	if (ta_handle_policy_req(j, &pr) != 0)
		return;
	after = pk.scope;
	if (pk.scope != NULL)
		ta_scope_describe(pk.scope, before, sizeof(before));
	switch (q->op) {
	case TA_PROTO_SCOPE_SHOW:
		break;
	case TA_PROTO_SCOPE_SET:
	case TA_PROTO_SCOPE_ADD:
		next = q->scope;
		if (q->op == TA_PROTO_SCOPE_ADD && pk.scope != NULL &&
		    (r = ta_scope_union(pk.scope, &q->scope, &next)) != 0) {
			ta_job_error(j, TA_PROTO_E_INVALID_PARAMS, r,
			    r == TA_ERR_INVALID
				? "params.add: the key is scoped to another profile (%s); "
				  "replace its scope (set) instead"
				: "params.add: the key's scope would list more than 16 GUNs or "
				  "roles (%s); use a pattern",
			    before);
			return;
		}
		after = &next;
		__attribute__((fallthrough)); /* clang does not read the comment form */
	case TA_PROTO_SCOPE_CLEAR:
		if (q->op == TA_PROTO_SCOPE_CLEAR)
			after = NULL;
		if ((r = ta_scopes_put(ta_job_agent(j)->scopes, tk->ck->notary_id,
			 tk->ck->key.label, after)) != 0) {
			ta_job_error(j, 0, r, "recording the scope in the state directory: %s",
			    ta_strerror(r));
			return;
		}
		if (after != NULL)
			ta_scope_describe(after, now, sizeof(now));
		(void)snprintf(detail, sizeof(detail), "scope was %s; now %s", before, now);
		(void)snprintf(scope, size, "%s: %s", tk->ck->key.label, now);
		break;
	}
	res = (struct ta_proto_key_scope_result){
	    .label = tk->ck->key.label, .keyid = tk->ck->notary_id, .has_scope = after != NULL};
	if (after != NULL)
		res.scope = *after;
	r = ta_proto_key_scope_result_json(&res, &o);
	ta_job_result(j, r, o);
	/* The change, for the log and the audit record of this success. */
	if (ta_job_outcome(j) == 0)
		ta_job_set_detail(j, "%s", detail);
}

static void
key_scope_done(struct ta_job *j)
{
	if (ta_job_outcome(j) == 0 && ta_job_req(j)->p.key_scope.op != TA_PROTO_SCOPE_SHOW)
		log_info("peer uid %u pid %d: key '%s': %s", (unsigned)ta_job_peer(j)->uid,
		    (int)ta_job_peer(j)->pid, ((struct ta_key_ref *)ta_job_priv(j))->ck->key.label,
		    ta_job_detail(j));
	ta_job_finish(j);
}

static void
handle_key_scope(struct ta_job *j)
{
	ta_handle_one_key(j, scope_operation(ta_job_req(j)->p.key_scope.op), NULL, 0,
	    key_scope_run, key_scope_done);
}

/* ---- key.attest ------------------------------------------------------------------------ */

/* The card's attestation of a key, as its module shows it (pkcs11/attest.c);
 * checking it is the client's (client/attest.c): the agent only reads. */
static void
key_attest_run(struct ta_job *j)
{
	const struct ta_proto_key_attest *q = &ta_job_req(j)->p.key_attest;
	struct ta_key_ref *tk = ta_job_priv(j);
	struct ta_proto_key_attest_result res;
	uint8_t *att = NULL, *f9 = NULL;
	size_t att_len = 0, f9_len = 0;
	char *a = NULL, *s = NULL;
	json_t *o = NULL;
	int r;

	if ((r = ta_key_ref_find(ta_job_tokens(j), ta_job_n_tokens(j), q->key, tk)) != 0) {
		ta_handle_key_error(j, r, "params.key");
		return;
	}
	ta_job_add_keyid(j, tk->ck->notary_id);
	r = ta_p11_attestation_read(tk->p11, &tk->ck->key, &att, &att_len, &f9, &f9_len);
	if (r == TA_ERR_UNSUPPORTED) {
		ta_job_error(j, TA_PROTO_E_UNSUPPORTED, r,
		    "params.key: token '%s' shows no attestation of key '%s' (a PIV key generated "
		    "on a YubiKey, through the ykcs11 module, has one)",
		    ta_job_tokens(j)[tk->tok].name, tk->ck->key.label);
		goto out;
	}
	if (r == 0 && (r = ta_pem_encode("CERTIFICATE", att, att_len, &a, &res.attestation_len)) == 0)
		r = ta_pem_encode("CERTIFICATE", f9, f9_len, &s, &res.signer_len);
	if (r != 0) {
		ta_job_error(j, 0, r, "reading the attestation of key '%s': %s", tk->ck->key.label,
		    ta_strerror(r));
		goto out;
	}
	res.attestation = a;
	res.signer = s;
	r = ta_proto_key_attest_result_json(&res, &o);
	ta_job_result(j, r, o);
out:
	free(att);
	free(f9);
	free(a);
	free(s);
}

static void
key_attest_done(struct ta_job *j)
{
	struct ta_policy_key pk;
	struct ta_proto_scope sc;

	if (ta_job_outcome(j) == 0) {
		ta_handle_policy_key(j, ta_job_priv(j), &pk, &sc);
		(void)ta_handle_policy(j, TA_OP_KEY_ATTEST, &pk, 1, NULL, NULL, 0);
	}
	ta_job_finish(j);
}

static void
handle_key_attest(struct ta_job *j)
{
	ta_handle_one_key(j, TA_OP_KEY_ATTEST, NULL, 0, key_attest_run, key_attest_done);
}

/* ---- dispatch ---------------------------------------------------------------------- */

void
ta_handle_request(struct ta_job *j)
{
	ta_tokens_snapshot(ta_job_agent(j), j);
	switch (ta_job_req(j)->method) {
	case TA_PROTO_METHOD_HELLO:
		handle_hello(j);
		return;
	case TA_PROTO_METHOD_STATUS:
		handle_status(j);
		return;
	case TA_PROTO_METHOD_UNLOCK:
		handle_unlock(j);
		return;
	case TA_PROTO_METHOD_LOCK:
		handle_lock(j);
		return;
	case TA_PROTO_METHOD_KEY_LIST:
		handle_key_list(j);
		return;
	case TA_PROTO_METHOD_KEY_GENERATE:
		handle_key_generate(j);
		return;
	case TA_PROTO_METHOD_KEY_CERT:
		ta_handle_key_cert(j);
		return;
	case TA_PROTO_METHOD_KEY_SHOW:
		handle_key_show(j);
		return;
	case TA_PROTO_METHOD_SIGN:
		ta_handle_sign(j);
		return;
	case TA_PROTO_METHOD_KEY_SCOPE:
		handle_key_scope(j);
		return;
	case TA_PROTO_METHOD_KEY_ATTEST:
		handle_key_attest(j);
		return;
	case TA_PROTO_METHOD_NONE:
	case TA_PROTO_METHOD_COUNT_:
		break;
	}
	ta_job_error(j, TA_PROTO_E_METHOD_NOT_FOUND, TA_ERR_NOT_FOUND, "unknown method");
	ta_job_finish(j);
}
