/* Token keys: lookup by label, key ID or URI across the configured tokens,
 * key IDs and objects, and a signer on the token. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/keys.h"
#include "agent/pin.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/secret.h"

/* ---- keys -------------------------------------------------------------------- */

void
ta_key_ref_clear(struct ta_key_ref *tk)
{
	if (tk == NULL)
		return;
	ta_keyset_unref(tk->ks);
	memset(tk, 0, sizeof(*tk));
}

void
ta_key_ref_failed(const struct ta_key_ref *tk, int r)
{
	if (r == TA_ERR_KEY_NOT_FOUND && tk->kc != NULL)
		ta_keycache_drop(tk->kc);
}

static bool
is_keyid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == TA_KEY_ID_LEN;
}

static bool
keyid_matches(const struct ta_cached_key *ck, const char *id)
{
	return strcasecmp(ck->notary_id, id) == 0 || strcasecmp(ck->tuf_id, id) == 0 ||
	       (ck->x509_id[0] != '\0' && strcasecmp(ck->x509_id, id) == 0);
}

/* What a lookup asks for. */
struct spec {
	const char *s;
	bool uri, by_id;
	struct ta_p11_uri *u; /* when uri: token and object= / id= */
};

/* The tally of a lookup over the tokens' sets. */
struct tally {
	size_t nfound;
	size_t tok;               /* of the first found */
	const struct ta_cached_key *ck; /* the first found */
	bool absent, locked;
	int other;
};

static bool
spec_token_matches(const struct spec *sp, const struct ta_keyset *ks)
{
	return !sp->uri ||
	       ta_p11_uri_match_token(sp->u, ks->label, ks->serial, ks->manufacturer, ks->model);
}

static bool
spec_key_matches(const struct spec *sp, const struct ta_cached_key *ck)
{
	if (sp->by_id)
		return ck->ids_r == 0 && keyid_matches(ck, sp->s);
	if (!sp->uri)
		return strcmp(ck->key.label, sp->s) == 0;
	return ta_p11_uri_match_key(sp->u, &ck->key);
}

/* Counts the keys of one token's set that spec names. */
static void
tally_set(const struct spec *sp, size_t tok, const struct ta_keyset *ks, struct tally *t)
{
	size_t before = t->nfound;

	if (!spec_token_matches(sp, ks))
		return;
	for (size_t k = 0; k < ks->n; k++) {
		const struct ta_cached_key *ck = &ks->keys[k];

		if (!spec_key_matches(sp, ck))
			continue;
		if (ck->ids_r != 0) { /* named by label or URI, but unusable */
			t->other = ck->ids_r;
			continue;
		}
		if (t->nfound++ == 0) {
			t->tok = tok;
			t->ck = ck;
		}
	}
	if (t->nfound == before && ks->locked)
		t->locked = true;
}

static void
tally_err(struct tally *t, int r)
{
	switch (r) {
	case TA_ERR_TOKEN_ABSENT:
	case TA_ERR_TOKEN_NOT_INIT:
		t->absent = true;
		break;
	case TA_ERR_NOT_LOGGED_IN:
		t->locked = true;
		break;
	default:
		t->other = r;
		break;
	}
}

static void
tally_all(const struct spec *sp, size_t n, struct ta_keyset *const *sets, const int *errs,
    struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		if (sets[i] != NULL)
			tally_set(sp, i, sets[i], t);
		else
			tally_err(t, errs[i]);
	}
}

int
ta_key_ref_find(const struct ta_job_token *toks, size_t n, const char *spec, struct ta_key_ref *ret)
{
	struct ta_keyset *sets[TA_CFG_MAX_TOKENS] = {0};
	int errs[TA_CFG_MAX_TOKENS] = {0};
	struct spec sp = {.s = spec};
	struct tally t;
	bool refreshed = false;
	int r;

	if (n > TA_CFG_MAX_TOKENS)
		return TA_ERR_INVALID;
	sp.uri = strncmp(spec, "pkcs11:", 7) == 0;
	sp.by_id = !sp.uri && is_keyid(spec);
	if (sp.uri && (r = ta_p11_uri_parse(spec, TA_P11_URI_KEY, &sp.u)) != 0)
		return r == TA_ERR_NOMEM ? r : TA_ERR_INVALID;
	if (!sp.uri && !sp.by_id && (spec[0] == '\0' || strlen(spec) > TA_P11_LABEL_MAX))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (toks[i].p11 == NULL)
			errs[i] = TA_ERR_TOKEN_ABSENT;
		else if ((r = ta_keycache_get(toks[i].kc, toks[i].p11, &sets[i])) != 0)
			errs[i] = r;
	}
	tally_all(&sp, n, sets, errs, &t);
	/* Nothing: perhaps a key made behind the agent's back.  List the
	 * tokens it could be on again, once. */
	for (size_t i = 0; t.nfound == 0 && i < n; i++) {
		struct ta_keyset *fresh = NULL;

		if (sets[i] == NULL || !spec_token_matches(&sp, sets[i]))
			continue;
		r = ta_keycache_miss(toks[i].kc, toks[i].p11, sets[i], &fresh);
		if (r == 1) {
			ta_keyset_unref(sets[i]);
			sets[i] = fresh;
			refreshed = true;
		}
	}
	if (refreshed)
		tally_all(&sp, n, sets, errs, &t);
	if (t.nfound == 1) {
		memset(ret, 0, sizeof(*ret));
		ret->tok = t.tok;
		ret->p11 = toks[t.tok].p11;
		ret->kc = toks[t.tok].kc;
		ret->ks = sets[t.tok];
		ret->ck = t.ck;
		ret->verify = toks[t.tok].verify;
		sets[t.tok] = NULL; /* the reference moves to ret */
	}
	for (size_t i = 0; i < n; i++)
		ta_keyset_unref(sets[i]);
	ta_p11_uri_free(sp.u);
	if (t.nfound == 1)
		return 0;
	if (t.nfound > 1)
		return TA_ERR_AMBIGUOUS;
	if (t.other == TA_ERR_INVALID)
		return TA_ERR_INVALID;
	if (t.absent)
		return TA_ERR_TOKEN_ABSENT;
	if (t.locked)
		return TA_ERR_NOT_LOGGED_IN;
	return t.other != 0 ? t.other : TA_ERR_KEY_NOT_FOUND;
}

int
ta_cached_key_info(const struct ta_cached_key *ck, const char *token_name, const char *token_label,
    const char *serial, const struct ta_proto_scope *scope, struct ta_proto_key_info *ret,
    char **ret_uri)
{
	struct ta_proto_key_info k = {
	    .label = ck->key.label,
	    .token = token_name,
	    .type = ck->key.type,
	    .notary_id = ck->notary_id,
	    .tuf_id = ck->tuf_id,
	    .cert = ck->key.cert != NULL,
	    .has_scope = scope != NULL,
	};
	json_t *check = NULL;
	char *uri = NULL;
	int r;

	if (ta_key_type_name(ck->key.type) == NULL)
		return TA_ERR_UNSUPPORTED;
	if ((r = ta_p11_uri_format_key(token_label, serial, &ck->key, &uri)) != 0)
		return r;
	k.uri = uri;
	if (scope != NULL)
		k.scope = *scope;
	/* Refused here rather than when the result is built: one key whose
	 * label is not UTF-8 must not fail a whole key.list. */
	if ((r = ta_proto_key_info_json(&k, &check)) != 0) {
		free(uri);
		return r;
	}
	json_decref(check);
	*ret = k;
	*ret_uri = uri;
	return 0;
}

const struct ta_key *
ta_cached_key_key(const struct ta_cached_key *ck, enum ta_profile profile, bool x509)
{
	if (profile == TA_PROFILE_NOTARY && x509 && ck->x509 != NULL)
		return ck->x509;
	return profile == TA_PROFILE_NOTARY ? ck->notary : ck->tuf;
}

/* "key 'L' (slot 9c)" or "key 'L'", for the user's messages. */
static void
key_words(const struct ta_tsigner *s, char *buf, size_t len)
{
	if (s->slot != 0)
		(void)snprintf(buf, len, "key '%s' (slot %02x)", s->key->label, s->slot);
	else
		(void)snprintf(buf, len, "key '%s'", s->key->label);
}

/* The PIN for one context-specific login, into *ret; *ret_fresh says it
 * was asked for now (pinentry), so that the cache may keep it once the
 * token took it.  Fills s->why when there is none. */
static int
ctx_pin(struct ta_tsigner *s, struct ta_secret **ret, bool *ret_fresh)
{
	const struct ta_job_token *t = s->tok;
	char kw[TA_P11_LABEL_MAX + 32], desc[TA_P11_LABEL_MAX + TA_CFG_NAME_MAX + 96];
	char why[160];
	int r;

	*ret_fresh = false;
	key_words(s, kw, sizeof(kw));
	if (ta_pincache_take(t->pc, ta_p11_token_generation(s->p11), ta_now_ms(), ret) == 0)
		return 0;
	if (ta_pin_automatic(t->cfg->pin.kind) && ta_pincache_refused(t->pc)) {
		(void)snprintf(s->why, sizeof(s->why),
		    "%s needs its PIN for every signature, and token '%s' refused the PIN of "
		    "its PIN source: fix it, then 'tufctl unlock'",
		    kw, t->name);
		return TA_ERR_PIN_REQUIRED;
	}
	switch (t->cfg->pin.kind) {
	case TA_PIN_FILE:
	case TA_PIN_ENV:
	case TA_PIN_PINENTRY:
		(void)snprintf(desc, sizeof(desc), "PIN of token '%s' to sign with %s", t->name, kw);
		r = ta_pin_get_full(&t->cfg->pin, desc, TA_PIN_TIMEOUT_MS, why, sizeof(why), ret);
		if (r != 0) {
			(void)snprintf(s->why, sizeof(s->why), "%s needs its PIN for every signature: %s",
			    kw, why);
			return r;
		}
		*ret_fresh = t->cfg->pin.kind == TA_PIN_PINENTRY;
		return 0;
	case TA_PIN_UNLOCK:
		(void)snprintf(s->why, sizeof(s->why),
		    "%s needs its PIN for every signature: run 'tufctl unlock' before signing (its "
		    "PIN serves one signature, or every one for pin-cache's time)",
		    kw);
		return TA_ERR_PIN_REQUIRED;
	case TA_PIN_NONE:
	default:
		(void)snprintf(s->why, sizeof(s->why),
		    "%s needs its PIN for every signature, and token '%s' has PIN source 'none'", kw,
		    t->name);
		return TA_ERR_PIN_REQUIRED;
	}
}

/* The user's sentence for a failed signature. */
static void
explain(struct ta_tsigner *s, int r, long long waited_ms)
{
	char kw[TA_P11_LABEL_MAX + 32];

	key_words(s, kw, sizeof(kw));
	switch (r) {
	case TA_ERR_PIN_LOCKED:
		(void)snprintf(s->why, sizeof(s->why),
		    "PIN blocked: use the PUK to set a new PIN (ykman piv access unblock-pin, or "
		    "yubico-piv-tool -a unblock-pin), then 'tufctl unlock'");
		break;
	case TA_ERR_PIN_FINAL_TRY:
		(void)snprintf(s->why, sizeof(s->why),
		    "wrong PIN for %s: one try is left before the PIN is blocked", kw);
		break;
	case TA_ERR_PIN_COUNT_LOW:
		(void)snprintf(s->why, sizeof(s->why),
		    "wrong PIN for %s: few tries are left ('tufctl status')", kw);
		break;
	case TA_ERR_PIN_INCORRECT:
		(void)snprintf(s->why, sizeof(s->why), "wrong PIN for %s", kw);
		break;
	case TA_ERR_TIMEOUT:
		(void)snprintf(s->why, sizeof(s->why),
		    "touch not received: %s waited %lld s for a touch of the YubiKey; sign again "
		    "and touch it when it blinks",
		    kw, (waited_ms + 500) / 1000);
		break;
	case TA_ERR_TOKEN_ABSENT:
		(void)snprintf(s->why, sizeof(s->why),
		    "the YubiKey stopped answering while %s was signing (pulled out?); the agent "
		    "uses it again once it is back",
		    kw);
		break;
	default:
		break;
	}
}

/* Keys that want a PIN for every signature though their module does not
 * say so (CKA_ALWAYS_AUTHENTICATE): a PIV slot other than 9c with PIN
 * policy "always".  Learned from the card's refusal; by notary key ID. */
#define PIN_ALWAYS_MAX 64
static pthread_mutex_t pin_always_lock = PTHREAD_MUTEX_INITIALIZER;
static char pin_always[PIN_ALWAYS_MAX][TA_KEY_ID_SIZE];
static size_t n_pin_always;

static bool
wants_pin_always(const struct ta_tsigner *s)
{
	bool yes = false;

	if (s->key->always_auth)
		return true;
	pthread_mutex_lock(&pin_always_lock);
	for (size_t i = 0; i < n_pin_always && !yes; i++)
		yes = strcmp(pin_always[i], s->id) == 0;
	pthread_mutex_unlock(&pin_always_lock);
	return yes;
}

static void
learn_pin_always(const struct ta_tsigner *s)
{
	pthread_mutex_lock(&pin_always_lock);
	if (n_pin_always < PIN_ALWAYS_MAX)
		(void)snprintf(pin_always[n_pin_always++], TA_KEY_ID_SIZE, "%s", s->id);
	pthread_mutex_unlock(&pin_always_lock);
}

/* OpenSC shows what the card does after a failed VERIFY: the PIN is no
 * longer verified for any slot.  ykcs11 verifies again by itself. */
static bool
logged_out(struct ta_p11_token *p11)
{
	struct ta_p11_token_info in;

	return ta_p11_token_info(p11, &in) == 0 && (in.flags & TA_TOK_PRESENT) &&
	       (in.flags & TA_TOK_LOGIN_REQUIRED) && !(in.flags & TA_TOK_LOGGED_IN);
}

/* The card logged itself out after a failed signature (OpenSC after a
 * wrong PIN, an untouched key or a refusal for want of a PIN).  An
 * automatic PIN source whose PIN is not in question logs in again at
 * once, so that the next request does not find the token locked; else
 * the user unlocks.  A wrong PIN is never tried again here. */
static void
relogin(struct ta_tsigner *s, int r)
{
	const struct ta_cfg_token *cfg = s->tok != NULL ? s->tok->cfg : NULL;
	struct ta_secret *pin = NULL;
	size_t n = strlen(s->why);

	if (cfg != NULL &&
	    (r == TA_ERR_TIMEOUT || r == TA_ERR_TOKEN_ABSENT || r == TA_ERR_NOT_LOGGED_IN) &&
	    ta_pin_automatic(cfg->pin.kind) &&
	    !ta_pincache_refused(s->tok->pc) && ta_pin_get(&cfg->pin, NULL, &pin) == 0 &&
	    ta_p11_token_login(s->p11, pin, false) == 0) {
		(void)ta_keycache_refresh(s->tok->kc, s->p11, NULL);
		return;
	}
	(void)snprintf(s->why + n, sizeof(s->why) - n,
	    "; the card is logged out (as a PIV card is after a wrong PIN, a missed touch or "
	    "a removal): 'tufctl unlock'");
}

static int
tsign_once(struct ta_tsigner *s, bool always, enum ta_sig_scheme scheme, const uint8_t *msg,
    size_t len, uint8_t sig[TA_SIG_MAX], size_t *ret_len)
{
	struct ta_secret *pin = NULL, *keep = NULL;
	const struct ta_cfg_token *cfg = s->tok != NULL ? s->tok->cfg : NULL;
	char what[TA_SIGNWAIT_WHAT_MAX + 1] = "";
	unsigned long gen = ta_p11_token_generation(s->p11);
	bool fresh = false;
	long long t0;
	int r;

	s->why[0] = '\0';
	if (always && cfg != NULL) {
		if ((r = ctx_pin(s, &pin, &fresh)) != 0)
			return r;
		if (fresh && cfg->pin_cache > 0 &&
		    (keep = ta_secret_from(pin->data, pin->len)) == NULL) {
			ta_secret_free(pin);
			return TA_ERR_NOMEM;
		}
	}
	if (s->slot != 0)
		(void)snprintf(what, sizeof(what), "touch your YubiKey (slot %02x) to sign with key '%s'",
		    s->slot, s->key->label);
	t0 = ta_now_ms();
	if (s->wait != NULL)
		ta_signwait_begin(s->wait, what);
	r = ta_p11_sign(s->p11, s->key, scheme, msg, len, pin, sig, ret_len);
	if (s->wait != NULL)
		ta_signwait_end(s->wait);
	/* A PIV card that waited for a touch in vain answers "security status
	 * not satisfied", which modules report as they please: what tells it
	 * from a PIN error is the wait. */
	if (r == TA_ERR_NOT_LOGGED_IN && s->slot != 0 && ta_now_ms() - t0 >= TA_TSIGNER_TOUCH_MS)
		r = TA_ERR_TIMEOUT;
	/* ykcs11's word for a card pulled out. */
	if (r == TA_ERR_PKCS11 && s->slot != 0)
		r = TA_ERR_TOKEN_ABSENT;
	/* After a missed touch or a card pulled out (which ykcs11 may report
	 * either way) the module's hold on the card is not to be trusted:
	 * new sessions, the slot list asked again (ykcs11 reconnects only
	 * then), and a new login below. */
	if (s->slot != 0 && (r == TA_ERR_TIMEOUT || r == TA_ERR_TOKEN_ABSENT)) {
		ta_p11_token_reset(s->p11);
		/* Out: whatever the module said, the card is gone (and the
		 * watch finds it when it is back). */
		if (ta_p11_token_refresh(s->p11) != 0)
			r = TA_ERR_TOKEN_ABSENT;
	}
	if (cfg != NULL && always) {
		if (ta_pin_refusal(r)) {
			(void)ta_pincache_wipe(s->tok->pc);
			if (ta_pin_automatic(cfg->pin.kind))
				ta_pincache_set_refused(s->tok->pc, true);
		} else if (keep != NULL && r != TA_ERR_TOKEN_ABSENT &&
			   ta_pincache_put(s->tok->pc, keep, gen, ta_now_ms(),
			       (long long)cfg->pin_cache * 1000, 0) != 0) {
			/* Out of memory: the next signature asks again. */
		}
	}
	ta_secret_free(keep);
	if (r != 0)
		explain(s, r, ta_now_ms() - t0);
	if (((ta_pin_refusal(r) && r != TA_ERR_PIN_LOCKED) || r == TA_ERR_TIMEOUT ||
		r == TA_ERR_TOKEN_ABSENT) &&
	    logged_out(s->p11))
		relogin(s, r);
	return r;
}

static int
tsign(void *ctx, enum ta_sig_scheme scheme, const uint8_t *msg, size_t len, uint8_t sig[TA_SIG_MAX],
    size_t *ret_len)
{
	struct ta_tsigner *s = ctx;
	bool always = wants_pin_always(s);
	char kw[TA_P11_LABEL_MAX + 32];
	int r;

	/* Said before any PIN is asked for. */
	if (s->key->no_sign) {
		key_words(s, kw, sizeof(kw));
		(void)snprintf(s->why, sizeof(s->why),
		    "%s may not sign: its module marks it for key agreement or decryption only%s", kw,
		    s->slot == 0x9d ? " (as OpenSC shows a PIV card's slot 9d: sign with 9a, 9c or "
				      "9e, or through Yubico's ykcs11)"
				    : "");
		return TA_ERR_KEY_TYPE;
	}
	r = tsign_once(s, always, scheme, msg, len, sig, ret_len);
	/* A PIV card refusing at once ("security status not satisfied", no
	 * touch awaited) a key the agent is logged in for: the slot's PIN
	 * policy is "always" though the module does not say so.  Once more,
	 * with the PIN; no PIN was spent by the refusal. */
	if (r == TA_ERR_NOT_LOGGED_IN && s->slot != 0 && !always && s->tok != NULL) {
		learn_pin_always(s);
		/* OpenSC took the refusal (CKR_USER_NOT_LOGGED_IN) for a
		 * logout, and refuses a context-specific login without the
		 * user's (CKR_OPERATION_NOT_INITIALIZED): log in again
		 * first, as after a missed touch. */
		if (logged_out(s->p11)) {
			key_words(s, kw, sizeof(kw));
			(void)snprintf(s->why, sizeof(s->why),
			    "%s needs its PIN for every signature (PIN policy always)", kw);
			relogin(s, r);
			if (logged_out(s->p11))
				return r;
		}
		r = tsign_once(s, true, scheme, msg, len, sig, ret_len);
	}
	return r;
}

void
ta_tsigner_init(struct ta_tsigner *s, const struct ta_key_ref *tk, const struct ta_job_token *tok,
    struct ta_signwait *wait)
{
	memset(s, 0, sizeof(*s));
	s->p11 = tk->p11;
	s->key = &tk->ck->key;
	s->tok = tok;
	s->wait = wait;
	s->slot = ta_p11_piv_slot(tk->p11, &tk->ck->key);
	(void)snprintf(s->id, sizeof(s->id), "%s", tk->ck->notary_id);
	s->signer.type = tk->ck->key.type;
	s->signer.spki = tk->ck->key.spki;
	s->signer.spki_len = tk->ck->key.spki_len;
	s->signer.sign = tsign;
	s->signer.ctx = s;
	s->signer.no_check = !tk->verify;
}
