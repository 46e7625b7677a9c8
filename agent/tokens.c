/* Opening the configured tokens, automatic logins, and the token watch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/keycache.h"
#include "agent/keys.h"
#include "agent/pin.h"
#include "agent/job.h"
#include "agent/tokens.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/pinsrc.h"
#include "common/secret.h"
#include "pkcs11/p11.h"

#define WATCH_MS_DEFAULT 2000
#define WATCH_MS_MIN 50
#define RECHECK_MS 50

struct ta_token {
	struct ta_cfg_token *cfg; /* in ag->cfg, fixed after start-up */
	struct ta_p11_token *p11; /* NULL until found */
	bool present;
	bool logged_in;
	bool tried;                    /* an automatic login was tried */
	bool auto_failed;              /* ... and failed: wait for unlock */
	bool user_locked;              /* `lock`: wait for unlock */
	bool busy;                     /* a watch job is in flight */
	unsigned unlocking;            /* unlock jobs in flight */
	int last_err;                  /* last open/refresh error logged */
	struct ta_p11_token_info info; /* label, serial, ... as last seen */
	bool has_info;
	struct ta_keycache kc; /* its keys; read by workers (keycache.h) */
	struct ta_pincache pc; /* PINs for keys that want one per signature */
	struct ta_pincache *pc_ref; /* &pc, for const readers (it has a lock) */
};

struct ta_tokens {
	struct ta_agent *ag;
	struct ta_token t[TA_CFG_MAX_TOKENS];
	size_t n;
	uv_timer_t watch;
	bool watch_init;
	uint64_t watch_ms;
	unsigned first_left;                /* first-pass jobs not done */
	unsigned busy;                      /* watch jobs in flight */
	void (*ready)(struct ta_agent *ag); /* after the first pass */
};

struct watch_job {
	uv_work_t work;
	struct ta_tokens *ts;
	size_t idx;
	bool first;
	/* in */
	const struct ta_cfg_token *cfg;
	struct ta_p11_token *p11;
	struct ta_keycache *kc;
	bool may_login;
	/* out */
	struct ta_p11_token *opened;
	int r; /* open or refresh: 0 present */
	bool logged_in;
	bool tried;
	int login_r;
	char login_why[TA_PINSRC_WHY_MAX]; /* why the PIN source failed; "" otherwise */
	struct ta_p11_token_info info;
	bool has_info;
};

static const char *
pin_kind_name(enum ta_pin_kind k)
{
	switch (k) {
	case TA_PIN_NONE:
		return "none";
	case TA_PIN_FILE:
		return "file";
	case TA_PIN_ENV:
		return "env";
	case TA_PIN_PINENTRY:
		return "pinentry";
	case TA_PIN_UNLOCK:
		return "unlock";
	}
	return "?";
}

static void watch_cb(uv_timer_t *timer);

/* A token the agent is logged into has its keys listed now, not by the
 * first request (which would wait for it); a set listed while the token
 * was locked is listed again. */
static void
watch_fill(struct watch_job *j, bool force)
{
	struct ta_keyset *ks = NULL;

	if (force) {
		(void)ta_keycache_refresh(j->kc, j->p11, NULL);
		return;
	}
	if (ta_keycache_get(j->kc, j->p11, &ks) == 0 && ks->locked)
		(void)ta_keycache_refresh(j->kc, j->p11, NULL);
	ta_keyset_unref(ks);
}

static void
watch_run(uv_work_t *w)
{
	struct watch_job *j = w->data;
	struct ta_p11_token_info info;
	struct ta_p11_module *mod = NULL;
	struct ta_secret *pin = NULL;
	char desc[TA_CFG_NAME_MAX + 32];
	int r;

	if (j->p11 == NULL) {
		if ((r = ta_p11_module_load(j->ts->ag->p11, j->cfg->module, &mod)) != 0 ||
		    (r = ta_p11_token_open(
			 j->ts->ag->p11, mod, j->cfg->uri, j->cfg->sessions, &j->p11)) != 0) {
			j->r = r;
			return;
		}
		j->opened = j->p11;
	} else if ((r = ta_p11_token_refresh(j->p11)) != 0) {
		j->r = r;
		return;
	}
	j->r = 0;
	if (ta_p11_token_info(j->p11, &info) != 0)
		return;
	j->info = info;
	j->has_info = true;
	j->logged_in = (info.flags & TA_TOK_LOGGED_IN) || !(info.flags & TA_TOK_LOGIN_REQUIRED);
	if (j->logged_in)
		watch_fill(j, false);
	if (j->logged_in || !j->may_login)
		return;
	/* The token layer can tell the login state only from an idle session:
	 * while every session is signing it says "not logged in".  Look again
	 * before spending a login (on a PIN pad, a prompt) on a logged-in
	 * token. */
	uv_sleep(RECHECK_MS);
	if (ta_p11_token_info(j->p11, &info) == 0 && (info.flags & TA_TOK_LOGGED_IN)) {
		j->logged_in = true;
		watch_fill(j, false);
		return;
	}
	j->tried = true;
	if (j->cfg->pin.kind != TA_PIN_NONE) {
		(void)snprintf(desc, sizeof(desc), "PIN for token '%s'", j->cfg->name);
		if ((j->login_r = ta_pin_get_full(&j->cfg->pin, desc, TA_PIN_TIMEOUT_MS,
			     j->login_why, sizeof(j->login_why), &pin)) != 0)
			return;
	}
	j->login_r = ta_p11_token_login(j->p11, pin, false);
	j->logged_in = j->login_r == 0;
	if (j->logged_in)
		watch_fill(j, true);
}

/* A login that failed because the token was going (or coming back), not
 * because of its PIN: the watch tries again on its next round. */
static bool
transient(int r)
{
	return r == TA_ERR_TOKEN_ABSENT || r == TA_ERR_TOKEN_NOT_INIT || r == TA_ERR_TOKEN_BUSY ||
	       r == TA_ERR_NOMEM;
}

static void
first_pass_done(struct ta_tokens *ts)
{
	void (*ready)(struct ta_agent *) = ts->ready;

	ts->ready = NULL;
	if (!ts->ag->stopping && ts->watch_init)
		(void)uv_timer_start(&ts->watch, watch_cb, ts->watch_ms, ts->watch_ms);
	if (ready != NULL)
		ready(ts->ag);
}

static void
watch_done(uv_work_t *w, int status)
{
	struct watch_job *j = w->data;
	struct ta_tokens *ts = j->ts;
	struct ta_agent *ag = ts->ag;
	struct ta_token *t = &ts->t[j->idx];
	bool present = status == 0 && j->r == 0, first = j->first;

	ag->work--;
	ts->busy--;
	t->busy = false;
	if (j->opened != NULL) {
		t->p11 = j->opened;
		log_info("token '%s' found (%s)", t->cfg->name, t->cfg->uri);
	}
	if (present && !t->present && !j->opened && t->p11 != NULL)
		log_info("token '%s' is back", t->cfg->name);
	else if (!present && t->present)
		log_warn(
		    "token '%s' is absent; requests on it fail until it returns", t->cfg->name);
	else if (!present && j->r != t->last_err && j->r == TA_ERR_NOT_FOUND)
		log_warn("token '%s': no token matches '%s' in module '%s'; waiting for it",
		    t->cfg->name, t->cfg->uri, t->cfg->module);
	else if (!present && j->r != t->last_err && j->r != 0)
		log_warn_r(j->r, "token '%s' (%s, module '%s') not available; retrying",
		    t->cfg->name, t->cfg->uri, t->cfg->module);
	t->last_err = present ? 0 : j->r;
	/* Handles die with the token; a set of its earlier insertion is never
	 * used anyway (keycache.h), but lookups should say "absent" now. */
	if (!present)
		ta_keycache_drop(&t->kc);
	/* A PIN given for this insertion never serves another one (nor a
	 * card someone else put in). */
	if (!present && ta_pincache_wipe(&t->pc))
		log_info("token '%s': removed; its cached PIN is wiped", t->cfg->name);
	if (j->has_info) {
		t->info = j->info;
		t->has_info = true;
	}
	t->present = present;
	t->logged_in = present && j->logged_in;
	if (j->tried && transient(j->login_r)) {
		log_debug("token '%s': automatic login: %s; trying again", t->cfg->name,
		    ta_strerror(j->login_r));
	} else if (j->tried) {
		t->tried = true;
		if (j->login_r == 0) {
			log_info("token '%s': logged in (PIN source %s)", t->cfg->name,
			    pin_kind_name(t->cfg->pin.kind));
		} else {
			t->auto_failed = true;
			/* Why, as the PIN source saw it (an unset variable, a
			 * file's mode, no display for pinentry), else the
			 * token's answer. */
			if (j->login_why[0] != '\0')
				log_err("token '%s': automatic login failed and will not be tried "
					"again (%s); unlock it with 'tufctl unlock'",
				    t->cfg->name, j->login_why);
			else
				log_err_r(j->login_r,
				    "token '%s': automatic login failed and will not be tried again; "
				    "unlock it with 'tufctl unlock'",
				    t->cfg->name);
		}
	}
	free(j);
	if (first && --ts->first_left == 0)
		first_pass_done(ts);
	ag->quiet(ag);
}

static bool
may_login(const struct ta_token *t)
{
	if (t->auto_failed || t->user_locked || t->unlocking > 0)
		return false;
	/* A signature's login found the source's PIN wrong: not again. */
	if (ta_pincache_refused(t->pc_ref))
		return false;
	switch (t->cfg->pin.kind) {
	case TA_PIN_FILE:
	case TA_PIN_ENV:
	case TA_PIN_NONE:
		return true;
	case TA_PIN_PINENTRY: /* at start only: nobody asked for a prompt later */
		return !t->tried;
	case TA_PIN_UNLOCK:
		return false;
	}
	return false;
}

static int
watch_queue(struct ta_tokens *ts, size_t idx, bool first)
{
	struct ta_token *t = &ts->t[idx];
	struct watch_job *j;
	int r;

	if (t->busy)
		return 0;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return TA_ERR_NOMEM;
	j->work.data = j;
	j->ts = ts;
	j->idx = idx;
	j->first = first;
	j->cfg = t->cfg;
	j->p11 = t->p11;
	j->kc = &t->kc;
	j->may_login = may_login(t);
	if ((r = uv_queue_work(&ts->ag->loop, &j->work, watch_run, watch_done)) != 0) {
		free(j);
		log_err("cannot queue the token watch: %s", uv_strerror(r));
		return TA_ERR_INTERNAL;
	}
	t->busy = true;
	ts->busy++;
	ts->ag->work++;
	return 0;
}

static void
watch_cb(uv_timer_t *timer)
{
	struct ta_tokens *ts = timer->data;

	if (ts->ag->stopping)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		if (ta_pincache_expire(&ts->t[i].pc, ta_now_ms()))
			log_info("token '%s': pin-cache time is up; the cached PIN is wiped",
			    ts->t[i].cfg->name);
		(void)watch_queue(ts, i, false);
	}
}

int
ta_tokens_start(struct ta_agent *ag, void (*ready)(struct ta_agent *ag))
{
	struct ta_tokens *ts;
	const char *env;
	char *end;
	unsigned long ms;
	int r;

	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return TA_ERR_NOMEM;
	ag->tokens = ts;
	ts->ag = ag;
	ts->n = ag->cfg->n_tokens;
	ts->watch_ms = WATCH_MS_DEFAULT;
	/* Tests make tokens vanish and return; they need a quicker watch. */
	if ((env = secure_getenv("TA_AGENT_WATCH_MS")) != NULL && *env != '\0') {
		ms = strtoul(env, &end, 10);
		if (*end == '\0' && ms >= WATCH_MS_MIN && ms <= 3600000)
			ts->watch_ms = ms;
		else
			log_warn(
			    "TA_AGENT_WATCH_MS='%s' ignored: %d..3600000 ms", env, WATCH_MS_MIN);
	}
	for (size_t i = 0; i < ts->n; i++) {
		ts->t[i].cfg = &ag->cfg->tokens[i];
		ta_keycache_init(&ts->t[i].kc);
		ta_pincache_init(&ts->t[i].pc);
		ts->t[i].pc_ref = &ts->t[i].pc;
	}
	(void)uv_timer_init(&ag->loop, &ts->watch);
	ts->watch.data = ts;
	ts->watch_init = true;
	ts->ready = ready;
	if (ts->n == 0) {
		log_warn("no [token] in the configuration: nothing to sign with");
		first_pass_done(ts);
		return 0;
	}
	for (size_t i = 0; i < ts->n; i++) {
		if ((r = watch_queue(ts, i, true)) != 0)
			return r;
		ts->first_left++;
	}
	return 0;
}

void
ta_tokens_stop(struct ta_agent *ag)
{
	struct ta_tokens *ts = ag->tokens;

	if (ts != NULL && ts->watch_init)
		(void)uv_timer_stop(&ts->watch);
}

void
ta_tokens_close(struct ta_agent *ag)
{
	struct ta_tokens *ts = ag->tokens;

	if (ts != NULL && ts->watch_init) {
		ts->watch_init = false;
		uv_close((uv_handle_t *)&ts->watch, NULL);
	}
}

void
ta_tokens_free(struct ta_agent *ag)
{
	for (size_t i = 0; ag->tokens != NULL && i < ag->tokens->n; i++) {
		ta_keycache_destroy(&ag->tokens->t[i].kc);
		ta_pincache_destroy(&ag->tokens->t[i].pc);
	}
	free(ag->tokens);
	ag->tokens = NULL;
}

unsigned
ta_tokens_busy(const struct ta_agent *ag)
{
	return ag->tokens != NULL ? ag->tokens->busy : 0;
}

void
ta_tokens_snapshot(struct ta_agent *ag, struct ta_job *job)
{
	struct ta_tokens *ts = ag->tokens;
	struct ta_job_token *toks = ta_job_tokens(job);
	size_t n = 0;

	for (; ts != NULL && n < ts->n; n++) {
		toks[n].name = ts->t[n].cfg->name;
		toks[n].uri = ts->t[n].cfg->uri;
		toks[n].cfg = ts->t[n].cfg;
		toks[n].pc = &ts->t[n].pc;
		toks[n].p11 = ts->t[n].p11;
		toks[n].kc = &ts->t[n].kc;
		toks[n].verify = ts->t[n].cfg->verify;
	}
	ta_job_set_n_tokens(job, n);
}

int
ta_tokens_find(struct ta_agent *ag, const char *name_or_uri, size_t *ret_idx)
{
	struct ta_tokens *ts = ag->tokens;
	struct ta_p11_uri *u = NULL;
	size_t found = 0, idx = 0;

	if (ts == NULL || ts->n == 0)
		return TA_ERR_NOT_FOUND;
	if (*name_or_uri == '\0') {
		if (ts->n > 1)
			return TA_ERR_AMBIGUOUS;
		*ret_idx = 0;
		return 0;
	}
	for (size_t i = 0; i < ts->n; i++) {
		if (strcmp(ts->t[i].cfg->name, name_or_uri) == 0 ||
		    strcmp(ts->t[i].cfg->uri, name_or_uri) == 0) {
			*ret_idx = i;
			return 0;
		}
	}
	if (strncmp(name_or_uri, "pkcs11:", 7) != 0 || ta_p11_uri_parse(name_or_uri, 0, &u) != 0)
		return TA_ERR_NOT_FOUND;
	for (size_t i = 0; i < ts->n; i++) {
		const struct ta_p11_token_info *in = &ts->t[i].info;

		if (ts->t[i].has_info &&
		    ta_p11_uri_match_token(u, in->label, in->serial, in->manufacturer, in->model)) {
			idx = i;
			found++;
		}
	}
	ta_p11_uri_free(u);
	if (found > 1)
		return TA_ERR_AMBIGUOUS;
	if (found == 0)
		return TA_ERR_NOT_FOUND;
	*ret_idx = idx;
	return 0;
}

void
ta_tokens_unlock_begin(struct ta_agent *ag, size_t idx)
{
	ag->tokens->t[idx].unlocking++;
}

void
ta_tokens_unlock_end(struct ta_agent *ag, size_t idx, int r)
{
	struct ta_token *t = &ag->tokens->t[idx];

	t->unlocking--;
	if (r == 0) {
		t->auto_failed = false;
		t->user_locked = false;
		t->logged_in = true;
		log_info("token '%s': unlocked", t->cfg->name);
		return;
	}
	/* A PIN the token refused is never tried again by the agent: the PIN
	 * source may hold the same wrong PIN. */
	switch (r) {
	case TA_ERR_PIN_INCORRECT:
	case TA_ERR_PIN_COUNT_LOW:
	case TA_ERR_PIN_FINAL_TRY:
	case TA_ERR_PIN_LOCKED:
	case TA_ERR_PIN_LEN_RANGE:
	case TA_ERR_PIN_EXPIRED:
		t->auto_failed = true;
		break;
	default:
		break;
	}
	log_warn_r(r, "token '%s': unlock refused", t->cfg->name);
}

void
ta_tokens_lock_begin(struct ta_agent *ag, size_t idx)
{
	ag->tokens->t[idx].user_locked = true;
}

void
ta_tokens_locked(struct ta_agent *ag, size_t idx)
{
	struct ta_token *t = &ag->tokens->t[idx];

	t->user_locked = true;
	t->logged_in = false;
	(void)ta_pincache_wipe(&t->pc);
	log_info("token '%s': locked", t->cfg->name);
}

unsigned
ta_tokens_sessions(const struct ta_agent *ag)
{
	unsigned n = 0;

	for (size_t i = 0; i < ag->cfg->n_tokens; i++)
		n += ag->cfg->tokens[i].sessions ? ag->cfg->tokens[i].sessions
						 : TA_CFG_SESSIONS_DEFAULT;
	return n;
}
