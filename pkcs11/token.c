/* Finding tokens by URI, their facts, login, and the session pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/uri.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/internal.h"

unsigned
ta__p11_caps(CK_FUNCTION_LIST *fl, CK_SLOT_ID slot)
{
	static const struct {
		CK_MECHANISM_TYPE mech;
		unsigned cap;
	} map[] = {
		{ CKM_EC_KEY_PAIR_GEN, TA_CAP_EC_GEN },
		{ CKM_ECDSA, TA_CAP_ECDSA },
		{ CKM_ECDSA_SHA256, TA_CAP_ECDSA_SHA256 },
		{ CKM_RSA_PKCS_KEY_PAIR_GEN, TA_CAP_RSA_GEN },
		{ CKM_RSA_PKCS_PSS, TA_CAP_RSA_PSS },
		{ CKM_SHA256_RSA_PKCS_PSS, TA_CAP_RSA_PSS_SHA256 },
		{ CKM_RSA_PKCS, TA_CAP_RSA_PKCS },
		{ CKM_SHA256_RSA_PKCS, TA_CAP_RSA_PKCS_SHA256 },
		{ CKM_EC_EDWARDS_KEY_PAIR_GEN, TA_CAP_ED_GEN },
		{ CKM_EDDSA, TA_CAP_EDDSA },
	};
	CK_MECHANISM_TYPE *list = NULL;
	CK_ULONG n = 0;
	unsigned caps = 0;

	if (fl->C_GetMechanismList(slot, NULL, &n) != CKR_OK || n == 0 || n > 4096)
		return 0;
	if ((list = calloc(n, sizeof(*list))) == NULL)
		return 0;
	if (fl->C_GetMechanismList(slot, list, &n) == CKR_OK) {
		for (CK_ULONG i = 0; i < n; i++)
			for (size_t j = 0; j < sizeof(map) / sizeof(map[0]); j++)
				if (list[i] == map[j].mech)
					caps |= map[j].cap;
	}
	free(list);
	return caps;
}

static int
slot_list(CK_FUNCTION_LIST *fl, CK_SLOT_ID **ret, CK_ULONG *ret_n)
{
	CK_SLOT_ID *slots = NULL, *tmp;
	CK_ULONG n = 0;
	CK_RV rv;

	/* The list can grow between the two calls (a token inserted). */
	for (int tries = 0; tries < 4; tries++) {
		if ((rv = fl->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK)
			break;
		if ((tmp = reallocarray(slots, n ? n : 1, sizeof(*slots))) == NULL) {
			free(slots);
			return TA_ERR_NOMEM;
		}
		slots = tmp;
		rv = fl->C_GetSlotList(CK_TRUE, slots, &n);
		if (rv != CKR_BUFFER_TOO_SMALL)
			break;
	}
	if (rv != CKR_OK) {
		free(slots);
		return ta__p11_rv(rv);
	}
	*ret = slots;
	*ret_n = n;
	return 0;
}

static int
token_new(struct ta_p11_module *mod, CK_SLOT_ID slot, const CK_TOKEN_INFO *ti,
    unsigned sessions, struct ta_p11_token **ret)
{
	struct ta_p11_token *tok = calloc(1, sizeof(*tok));

	if (tok == NULL)
		return TA_ERR_NOMEM;
	tok->mod = mod;
	tok->slot = slot;
	tok->max = sessions;
	tok->tflags = ti->flags;
	tok->generation = 1;
	ta__p11_str(tok->label, sizeof(tok->label), ti->label, sizeof(ti->label));
	ta__p11_str(tok->serial, sizeof(tok->serial), ti->serialNumber, sizeof(ti->serialNumber));
	ta__p11_str(tok->manufacturer, sizeof(tok->manufacturer), ti->manufacturerID,
	    sizeof(ti->manufacturerID));
	ta__p11_str(tok->model, sizeof(tok->model), ti->model, sizeof(ti->model));
	tok->caps = ta__p11_caps(mod->fl, slot);
	pthread_mutex_init(&tok->lock, NULL);
	pthread_cond_init(&tok->cond, NULL);
	pthread_mutex_init(&tok->gen_lock, NULL);
	*ret = tok;
	return 0;
}

static void
close_idle(struct ta_p11_token *tok)
{
	while (tok->idle != NULL) {
		struct ta__p11_session *s = tok->idle;

		tok->idle = s->next;
		(void)tok->mod->fl->C_CloseSession(s->h);
		free(s);
		tok->open--;
	}
}

/* Removal kills every session: drop the parked ones too, and call the
 * token absent until it answers.  With tok->lock held. */
static void
token_gone(struct ta_p11_token *tok)
{
	tok->absent = true;
	tok->logged_in = false;
	close_idle(tok);
}

void
ta__p11_token_free(struct ta_p11_token *tok)
{
	if (tok == NULL)
		return;
	close_idle(tok);
	pthread_cond_destroy(&tok->cond);
	pthread_mutex_destroy(&tok->lock);
	pthread_mutex_destroy(&tok->gen_lock);
	free(tok);
}

/* Opens one session and parks it in the pool, so that the login state
 * (which PKCS#11 drops with the last session) outlives idle periods. */
static int
anchor_session(struct ta_p11_token *tok)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	int r;

	if ((r = ta__p11_session_get(tok, &h)) != 0)
		return r;
	ta__p11_session_put(tok, h, CKR_OK);
	return 0;
}

int
ta_p11_token_open(struct ta_p11_ctx *ctx, struct ta_p11_module *mod, const char *uri,
    unsigned sessions, struct ta_p11_token **ret_tok)
{
	P11KitUri *u = NULL;
	struct ta_p11_token *found = NULL, *t;
	struct ta_p11_module *found_mod = NULL;
	CK_SLOT_ID found_slot = 0, *slots = NULL;
	CK_TOKEN_INFO found_ti;
	unsigned matches = 0;
	int r;

	if (uri == NULL || sessions == 0 || sessions > TA__P11_MAX_SESSIONS)
		return TA_ERR_INVALID;
	if ((u = p11_kit_uri_new()) == NULL)
		return TA_ERR_NOMEM;
	if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, u) != P11_KIT_URI_OK) {
		r = TA_ERR_INVALID;
		goto out;
	}
	if (p11_kit_uri_get_pin_value(u) != NULL || p11_kit_uri_get_pin_source(u) != NULL) {
		r = TA_ERR_INVALID;
		goto out;
	}

	pthread_mutex_lock(&ctx->lock);
	for (struct ta_p11_module *m = ctx->mods; m != NULL; m = m->next) {
		CK_INFO info;
		CK_ULONG n = 0;

		if (mod != NULL && m != mod)
			continue;
		if (m->fl->C_GetInfo(&info) != CKR_OK || !p11_kit_uri_match_module_info(u, &info))
			continue;
		free(slots);
		slots = NULL;
		if (slot_list(m->fl, &slots, &n) != 0)
			continue;
		for (CK_ULONG i = 0; i < n; i++) {
			CK_SLOT_INFO si;
			CK_TOKEN_INFO ti;

			if (m->fl->C_GetSlotInfo(slots[i], &si) != CKR_OK ||
			    !(si.flags & CKF_TOKEN_PRESENT) || !p11_kit_uri_match_slot_info(u, &si))
				continue;
			if (m->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
			    !(ti.flags & CKF_TOKEN_INITIALIZED) || !p11_kit_uri_match_token_info(u, &ti))
				continue;
			if (matches++ == 0) {
				found_mod = m;
				found_slot = slots[i];
				found_ti = ti;
			}
		}
	}
	if (matches == 0) {
		r = TA_ERR_NOT_FOUND;
		goto unlock;
	}
	if (matches > 1) {
		r = TA_ERR_AMBIGUOUS;
		goto unlock;
	}
	for (t = ctx->toks; t != NULL; t = t->next)
		if (t->mod == found_mod && t->slot == found_slot)
			break;
	if (t != NULL) {
		*ret_tok = t;
		r = 0;
		goto unlock;
	}
	if ((r = token_new(found_mod, found_slot, &found_ti, sessions, &found)) != 0)
		goto unlock;
	if ((r = anchor_session(found)) != 0)
		goto unlock;
	found->next = ctx->toks;
	ctx->toks = found;
	*ret_tok = found;
	found = NULL;
	r = 0;
unlock:
	pthread_mutex_unlock(&ctx->lock);
	ta__p11_token_free(found);
out:
	free(slots);
	p11_kit_uri_free(u);
	return r;
}

/* With tok->lock held: does the token answer, and is it the same one? */
static bool
token_answers(struct ta_p11_token *tok, CK_TOKEN_INFO *ti)
{
	CK_SLOT_INFO si;
	char label[33], serial[17];

	if (tok->mod->fl->C_GetSlotInfo(tok->slot, &si) != CKR_OK ||
	    !(si.flags & CKF_TOKEN_PRESENT) ||
	    tok->mod->fl->C_GetTokenInfo(tok->slot, ti) != CKR_OK)
		return false;
	ta__p11_str(label, sizeof(label), ti->label, sizeof(ti->label));
	ta__p11_str(serial, sizeof(serial), ti->serialNumber, sizeof(ti->serialNumber));
	return strcmp(label, tok->label) == 0 && strcmp(serial, tok->serial) == 0;
}

int
ta_p11_token_info(struct ta_p11_token *tok, struct ta_p11_token_info *ret_info)
{
	static const struct {
		CK_FLAGS ck;
		unsigned ta;
	} flag_map[] = {
		{ CKF_LOGIN_REQUIRED, TA_TOK_LOGIN_REQUIRED },
		{ CKF_PROTECTED_AUTHENTICATION_PATH, TA_TOK_PROTECTED_AUTH },
		{ CKF_USER_PIN_COUNT_LOW, TA_TOK_PIN_COUNT_LOW },
		{ CKF_USER_PIN_FINAL_TRY, TA_TOK_PIN_FINAL_TRY },
		{ CKF_USER_PIN_LOCKED, TA_TOK_PIN_LOCKED },
		{ CKF_WRITE_PROTECTED, TA_TOK_WRITE_PROTECTED },
	};
	struct ta_p11_token_info info;
	CK_TOKEN_INFO ti;
	bool present;

	memset(&info, 0, sizeof(info));
	pthread_mutex_lock(&tok->lock);
	if (!tok->absent && tok->idle == NULL && tok->open >= tok->max && tok->has_last) {
		/* Busy: what the token said last. */
		present = true;
		info.flags |= TA_TOK_BUSY;
		ti.flags = tok->last_flags;
		ti.ulMinPinLen = tok->last_min_pin;
		ti.ulMaxPinLen = tok->last_max_pin;
	} else {
		present = !tok->absent && token_answers(tok, &ti);
		if (present) {
			tok->last_flags = ti.flags;
			tok->last_min_pin = ti.ulMinPinLen;
			tok->last_max_pin = ti.ulMaxPinLen;
			tok->has_last = true;
		}
	}
	if (present) {
		info.flags |= TA_TOK_PRESENT;
		for (size_t i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
			if (ti.flags & flag_map[i].ck)
				info.flags |= flag_map[i].ta;
		info.min_pin = ti.ulMinPinLen;
		info.max_pin = ti.ulMaxPinLen;
		/* With every session busy, the last word on the login stands. */
		if (tok->idle != NULL)
			tok->logged_in = ta__p11_logged_in(tok, tok->idle->h);
		if (tok->logged_in)
			info.flags |= TA_TOK_LOGGED_IN;
	}
	memcpy(info.label, tok->label, sizeof(info.label));
	memcpy(info.serial, tok->serial, sizeof(info.serial));
	memcpy(info.manufacturer, tok->manufacturer, sizeof(info.manufacturer));
	memcpy(info.model, tok->model, sizeof(info.model));
	(void)snprintf(info.module, sizeof(info.module), "%s", tok->mod->path);
	info.slot = tok->slot;
	info.caps = tok->caps;
	info.sessions_open = tok->open;
	info.sessions_max = tok->max;
	pthread_mutex_unlock(&tok->lock);
	*ret_info = info;
	return 0;
}

/* With tok->lock held. */
static int
refresh_locked(struct ta_p11_token *tok)
{
	CK_TOKEN_INFO ti;

	CK_ULONG n = 0;

	if (!tok->absent)
		return 0;
	/* Modules look at readers and cards again when asked for the slot
	 * list (ykcs11 reconnects to a card put back only then). */
	(void)tok->mod->fl->C_GetSlotList(CK_TRUE, NULL, &n);
	if (!token_answers(tok, &ti))
		return TA_ERR_TOKEN_ABSENT;
	/* It is back: every session of the old insertion is dead, and with
	 * them the login. */
	close_idle(tok);
	tok->absent = false;
	tok->logged_in = false;
	tok->generation++;
	tok->tflags = ti.flags;
	tok->caps = ta__p11_caps(tok->mod->fl, tok->slot);
	return 0;
}

int
ta_p11_token_refresh(struct ta_p11_token *tok)
{
	CK_TOKEN_INFO ti;
	bool anchor;
	int r;

	pthread_mutex_lock(&tok->lock);
	if (!tok->absent && tok->idle == NULL && tok->open >= tok->max) {
		/* Every session is signing (perhaps waiting for a touch): the
		 * module may hold the slot, and a removal shows in their
		 * results anyway. */
		pthread_mutex_unlock(&tok->lock);
		return 0;
	}
	if (!tok->absent && !token_answers(tok, &ti))
		token_gone(tok);
	r = refresh_locked(tok);
	anchor = r == 0 && tok->open == 0;
	pthread_mutex_unlock(&tok->lock);
	if (anchor)
		r = anchor_session(tok);
	return r;
}

/* With tok->lock held and room for one more user (an idle session, or
 * fewer open than the bound): takes an idle session or opens one.
 * Releases the lock. */
static int
take_locked(struct ta_p11_token *tok, CK_SESSION_HANDLE *ret_h)
{
	struct ta__p11_session *s = tok->idle;
	CK_RV rv;

	if (s != NULL) {
		tok->idle = s->next;
		*ret_h = s->h;
		pthread_mutex_unlock(&tok->lock);
		free(s);
		return 0;
	}
	tok->open++; /* reserve the place before unlocking */
	pthread_mutex_unlock(&tok->lock);
	rv = tok->mod->fl->C_OpenSession(tok->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	    NULL, ret_h);
	if (rv == CKR_OK)
		return 0;
	pthread_mutex_lock(&tok->lock);
	tok->open--;
	if (ta__p11_session_dead(rv))
		token_gone(tok);
	pthread_cond_broadcast(&tok->cond);
	pthread_mutex_unlock(&tok->lock);
	return ta__p11_rv(rv);
}

int
ta__p11_session_get(struct ta_p11_token *tok, CK_SESSION_HANDLE *ret_h)
{
	int r;

	pthread_mutex_lock(&tok->lock);
	for (;;) {
		if ((r = refresh_locked(tok)) != 0) {
			pthread_mutex_unlock(&tok->lock);
			return r;
		}
		/* A key generation has the token to itself: wait. */
		if (!tok->exclusive && (tok->idle != NULL || tok->open < tok->max))
			return take_locked(tok, ret_h);
		pthread_cond_wait(&tok->cond, &tok->lock);
	}
}

void
ta__p11_session_put(struct ta_p11_token *tok, CK_SESSION_HANDLE h, CK_RV last_rv)
{
	struct ta__p11_session *s = NULL;
	bool dead = ta__p11_session_dead(last_rv);

	if (!dead && (s = malloc(sizeof(*s))) == NULL)
		dead = true; /* cannot park it: close it */
	if (dead)
		(void)tok->mod->fl->C_CloseSession(h);
	pthread_mutex_lock(&tok->lock);
	if (dead) {
		tok->open--;
		if (ta__p11_session_dead(last_rv))
			token_gone(tok);
		pthread_cond_broadcast(&tok->cond);
	} else {
		s->h = h;
		s->next = tok->idle;
		tok->idle = s;
		/* A thread waiting for the token to itself must hear of it. */
		if (tok->exclusive)
			pthread_cond_broadcast(&tok->cond);
		else
			pthread_cond_signal(&tok->cond);
	}
	pthread_mutex_unlock(&tok->lock);
}

static unsigned
n_idle(const struct ta_p11_token *tok)
{
	unsigned n = 0;

	for (const struct ta__p11_session *s = tok->idle; s != NULL; s = s->next)
		n++;
	return n;
}

int
ta__p11_exclusive_begin(struct ta_p11_token *tok, CK_SESSION_HANDLE *ret_h)
{
	int r;

	pthread_mutex_lock(&tok->lock);
	while (tok->exclusive)
		pthread_cond_wait(&tok->cond, &tok->lock);
	tok->exclusive = true;
	/* Every borrowed session comes back (a signature waiting for a
	 * touch is waited for); new borrowers wait in session_get. */
	while (tok->open > n_idle(tok))
		pthread_cond_wait(&tok->cond, &tok->lock);
	if ((r = refresh_locked(tok)) != 0)
		pthread_mutex_unlock(&tok->lock);
	else if ((r = take_locked(tok, ret_h)) == 0)
		return 0;
	pthread_mutex_lock(&tok->lock);
	tok->exclusive = false;
	pthread_cond_broadcast(&tok->cond);
	pthread_mutex_unlock(&tok->lock);
	return r;
}

void
ta__p11_exclusive_end(struct ta_p11_token *tok, CK_SESSION_HANDLE h, CK_RV last_rv)
{
	ta__p11_session_put(tok, h, last_rv);
	pthread_mutex_lock(&tok->lock);
	tok->exclusive = false;
	pthread_cond_broadcast(&tok->cond);
	pthread_mutex_unlock(&tok->lock);
}

void
ta__p11_session_discard(struct ta_p11_token *tok, CK_SESSION_HANDLE h)
{
	CK_SESSION_HANDLE fresh;

	/* Open the replacement before closing: closing the last session of
	 * the application would log the token out. */
	if (tok->mod->fl->C_OpenSession(tok->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
		NULL, &fresh) == CKR_OK) {
		CK_SESSION_INFO si;

		(void)tok->mod->fl->C_CloseSession(h);
		/* OpenSC, after a failed context-specific login, voids every
		 * session of the slot when one is closed, the fresh one too:
		 * do not park a dead one (the next user opens another). */
		if (tok->mod->fl->C_GetSessionInfo(fresh, &si) == CKR_OK) {
			ta__p11_session_put(tok, fresh, CKR_OK);
			return;
		}
		(void)tok->mod->fl->C_CloseSession(fresh);
	} else {
		(void)tok->mod->fl->C_CloseSession(h);
	}
	pthread_mutex_lock(&tok->lock);
	tok->open--;
	pthread_cond_broadcast(&tok->cond);
	pthread_mutex_unlock(&tok->lock);
}

int
ta__p11_pin_error(struct ta_p11_token *tok, CK_RV rv)
{
	CK_TOKEN_INFO ti;

	if (rv != CKR_PIN_INCORRECT)
		return ta__p11_rv(rv);
	/* Say how many tries are left, as far as the token tells. */
	if (tok->mod->fl->C_GetTokenInfo(tok->slot, &ti) != CKR_OK)
		return TA_ERR_PIN_INCORRECT;
	if (ti.flags & CKF_USER_PIN_LOCKED)
		return TA_ERR_PIN_LOCKED;
	if (ti.flags & CKF_USER_PIN_FINAL_TRY)
		return TA_ERR_PIN_FINAL_TRY;
	if (ti.flags & CKF_USER_PIN_COUNT_LOW)
		return TA_ERR_PIN_COUNT_LOW;
	return TA_ERR_PIN_INCORRECT;
}

int
ta_p11_token_login(struct ta_p11_token *tok, struct ta_secret *pin, bool interactive)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int r;

	if ((r = ta__p11_session_get(tok, &h)) != 0)
		goto out;
	rv = tok->mod->fl->C_GetTokenInfo(tok->slot, &ti);
	if (rv != CKR_OK) {
		ta__p11_session_put(tok, h, rv);
		r = ta__p11_rv(rv);
		goto out;
	}
	if (ti.flags & CKF_USER_PIN_LOCKED) {
		r = TA_ERR_PIN_LOCKED;
	} else if ((ti.flags & CKF_USER_PIN_FINAL_TRY) && !interactive) {
		r = TA_ERR_PIN_FINAL_TRY;
	} else if (pin == NULL && !(ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH)) {
		r = TA_ERR_PIN_REQUIRED;
	} else {
		rv = tok->mod->fl->C_Login(h, CKU_USER, pin ? pin->data : NULL,
		    pin ? pin->len : 0);
		/* Wipe now, not at the end: the PIN's work is done. */
		ta_secret_free(pin);
		pin = NULL;
		if (rv == CKR_USER_ALREADY_LOGGED_IN)
			rv = CKR_OK;
		r = rv == CKR_OK ? 0 : ta__p11_pin_error(tok, rv);
		if (r == 0) {
			pthread_mutex_lock(&tok->lock);
			tok->logged_in = true;
			pthread_mutex_unlock(&tok->lock);
		}
		ta__p11_session_put(tok, h, rv);
		goto out;
	}
	ta__p11_session_put(tok, h, CKR_OK);
out:
	ta_secret_free(pin);
	return r;
}

int
ta_p11_token_logout(struct ta_p11_token *tok)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv;
	int r;

	if ((r = ta__p11_session_get(tok, &h)) != 0)
		return r;
	rv = tok->mod->fl->C_Logout(h);
	ta__p11_session_put(tok, h, rv);
	if (rv == CKR_USER_NOT_LOGGED_IN)
		rv = CKR_OK;
	if (rv == CKR_OK) {
		pthread_mutex_lock(&tok->lock);
		tok->logged_in = false;
		pthread_mutex_unlock(&tok->lock);
	}
	return ta__p11_rv(rv);
}

void
ta_p11_token_reset(struct ta_p11_token *tok)
{
	pthread_mutex_lock(&tok->lock);
	token_gone(tok);
	pthread_mutex_unlock(&tok->lock);
}

unsigned long
ta_p11_token_generation(struct ta_p11_token *tok)
{
	unsigned long gen;

	pthread_mutex_lock(&tok->lock);
	gen = tok->generation;
	pthread_mutex_unlock(&tok->lock);
	return gen;
}
