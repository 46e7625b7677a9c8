/* key.generate in a PIV slot: agent/pivgen.h. */
#include <stdio.h>

#include "agent/agent.h"
#include "agent/job.h"
#include "agent/keys.h"
#include "agent/pin.h"
#include "agent/pincache.h"
#include "agent/pivgen.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secret.h"
#include "pkcs11/p11.h"
#include "protocol/proto.h"

/* The PIN that logs the user in again: the cached one, else the token's
 * source; NULL when there is none to be had (unlock, none, a source whose
 * PIN was refused).  pinentry asks only when the agent is logged in now
 * (as far as the token layer can tell: not while every session is busy,
 * when a file's PIN is read all the same). */
static struct ta_secret *
user_pin(struct ta_job_token *t)
{
	const struct ta_pin_source *src = &t->cfg->pin;
	struct ta_p11_token_info in;
	struct ta_secret *pin = NULL;
	char desc[TA_CFG_NAME_MAX + 80];

	if (ta_pincache_take(t->pc, ta_p11_token_generation(t->p11), ta_now_ms(), &pin) == 0)
		return pin;
	if (src->kind == TA_PIN_PINENTRY &&
	    (ta_p11_token_info(t->p11, &in) != 0 || !(in.flags & TA_TOK_LOGGED_IN)))
		return NULL;
	if ((!ta_pin_automatic(src->kind) && src->kind != TA_PIN_PINENTRY) ||
	    (ta_pin_automatic(src->kind) && ta_pincache_refused(t->pc)))
		return NULL;
	(void)snprintf(desc, sizeof(desc), "PIN for token '%s' (to log in again after a key generation)",
	    t->name);
	if (ta_pin_get(src, desc, &pin) != 0)
		return NULL;
	return pin;
}

int
ta_pivgen_run(struct ta_job *j, struct ta_job_token *t, struct ta_p11_key *ret_key,
    bool *ret_logged_out)
{
	const struct ta_proto_key_generate *g = &ta_job_req(j)->p.key_generate;
	struct ta_p11_pivgen gen = {.type = g->type, .slot = g->slot};
	struct ta_p11_pivgen_out out;
	char desc[TA_CFG_NAME_MAX + 96], why[TA_PIN_WHY_MAX];
	int r;

	*ret_logged_out = false;
	switch (ta_p11_piv_module(t->p11)) {
	case TA_P11_PIV_YKCS11:
		break;
	case TA_P11_PIV_OPENSC:
		ta_job_error(j, 0, TA_ERR_UNSUPPORTED,
		    "token '%s' is a PIV card shown by OpenSC, whose module cannot generate keys "
		    "on it: generate through Yubico's ykcs11 (module = libykcs11.so) or with "
		    "ykman, then use the key through either module",
		    t->name);
		return TA_ERR_UNSUPPORTED;
	default:
		ta_job_error(j, 0, TA_ERR_UNSUPPORTED,
		    "params.slot: token '%s' is not a PIV card (leave the slot out)", t->name);
		return TA_ERR_UNSUPPORTED;
	}
	if (g->type != TA_KEY_EC_P256 && g->type != TA_KEY_EC_P384 && g->type != TA_KEY_RSA_2048) {
		ta_job_error(j, 0, TA_ERR_UNSUPPORTED,
		    "params.type: a YubiKey's PIV slot takes ecdsa-p256, ecdsa-p384 or rsa-2048 "
		    "keys through ykcs11, not %s",
		    ta_key_type_name(g->type));
		return TA_ERR_UNSUPPORTED;
	}
	if (t->cfg->mgmt_key.kind == TA_PIN_NONE) {
		ta_job_error(j, 0, TA_ERR_UNSUPPORTED,
		    "token '%s': a key is generated on a PIV card with the card's management key, "
		    "and the token has no 'management-key' source: add 'management-key = "
		    "file:/PATH' (48 hex digits, owner-only) or 'management-key = pinentry' to its "
		    "[token] section; the agent never tries the factory default key by itself",
		    t->name);
		return TA_ERR_UNSUPPORTED;
	}
	(void)snprintf(desc, sizeof(desc),
	    "management key of the YubiKey of token '%s' (48 hex digits), to generate a key in "
	    "slot %02x",
	    t->name, g->slot);
	if ((r = ta_pin_get_prompt(&t->cfg->mgmt_key, desc, "Management key:", TA_PIN_TIMEOUT_MS, why,
		 sizeof(why), &gen.mgmt)) != 0) {
		ta_job_error(j, 0, r, "token '%s': no management key: %s", t->name, why);
		return r;
	}
	if (!ta_p11_piv_mgmt_ok(gen.mgmt)) {
		ta_secret_free(gen.mgmt);
		ta_job_error(j, 0, TA_ERR_INVALID,
		    "token '%s': the management key from its 'management-key' source is not 48 "
		    "hex digits (a 3DES key, the only kind ykcs11 takes)",
		    t->name);
		return TA_ERR_INVALID;
	}
	gen.pin = user_pin(t);
	r = ta_p11_piv_generate(t->p11, &gen, &out, ret_key);
	if (out.was_in && out.user_r != 0) {
		*ret_logged_out = true;
		/* A source's PIN the card refused is not tried again by the watch. */
		if (ta_pin_refusal(out.user_r) && ta_pin_automatic(t->cfg->pin.kind))
			ta_pincache_set_refused(t->pc, true);
		log_warn_r(out.user_r, "token '%s': logged out by the key generation in slot %02x and "
				       "not logged in again; 'tufctl unlock'",
		    t->name, g->slot);
	}
	if (r == 0)
		return 0;
	if (out.so_r != 0)
		ta_job_error(j, 0, r,
		    "token '%s' refused the management key (%s): nothing was generated%s", t->name,
		    ta_strerror(out.so_r),
		    *ret_logged_out ? "; the token is logged out: 'tufctl unlock'" : "");
	else if (r == TA_ERR_EXISTS)
		ta_job_error(j, 0, r,
		    "params.slot: slot %02x of token '%s' holds a key, which the agent never "
		    "replaces (if that is what you want: ykman piv keys delete %02x)",
		    g->slot, t->name, g->slot);
	else
		ta_job_error(j, 0, r, "token '%s': generating a key in slot %02x: %s%s", t->name,
		    g->slot, ta_strerror(r),
		    *ret_logged_out ? "; the token is logged out: 'tufctl unlock'" : "");
	return r;
}
