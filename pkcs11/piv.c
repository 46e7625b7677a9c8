/* PIV cards as the two modules show them: which module it is, the slot of
 * a key, and a key generated in a slot through Yubico's ykcs11 (OpenSC's
 * module cannot generate on a PIV card: its PKCS#15 emulation has no
 * write profile for PIV).
 *
 * ykcs11's rules for a generation, from its source (2.2): the application
 * must be logged in as the security officer, whose "PIN" is the card's
 * management key in hex (48 digits, 3DES), which it refuses while the user
 * is logged in; CKA_ID is the slot's number (1..4 for 9a, 9c, 9d, 9e, 5..24
 * for 82..95); the templates may carry only the attributes it knows
 * (CKA_EXTRACTABLE and CKA_ALWAYS_AUTHENTICATE are refused; a PIV key is
 * never extractable anyway); CKA_LABEL is ignored: the key is named by its
 * slot; PIN and touch policies are the slot's defaults. */
#include <string.h>

#include "common/err.h"
#include "common/hex.h"
#include "common/secret.h"
#include "pkcs11/internal.h"
#include "pkcs11/p11.h"

/* Both modules number the PIV keys alike: CKA_ID 1..4 are 9a, 9c, 9d, 9e,
 * 5..24 the retired slots 82..95. */
static const unsigned first_slots[] = { 0x9a, 0x9c, 0x9d, 0x9e };

static unsigned
slot_of_id(unsigned id)
{
	if (id == 0 || id > 24)
		return 0;
	return id <= 4 ? first_slots[id - 1] : 0x82u + (id - 5u);
}

static unsigned
id_of_slot(unsigned slot)
{
	for (unsigned i = 0; i < 4; i++)
		if (first_slots[i] == slot)
			return i + 1;
	return slot >= 0x82 && slot <= 0x95 ? slot - 0x82 + 5 : 0;
}

enum ta_p11_piv
ta_p11_piv_module(const struct ta_p11_token *tok)
{
	if (strcmp(tok->manufacturer, "piv_II") == 0)
		return TA_P11_PIV_OPENSC;
	if (strncmp(tok->model, "YubiKey", 7) == 0 || strncmp(tok->manufacturer, "Yubico", 6) == 0)
		return TA_P11_PIV_YKCS11;
	return TA_P11_PIV_NONE;
}

unsigned
ta_p11_piv_slot(const struct ta_p11_token *tok, const struct ta_p11_key *key)
{
	if (ta_p11_piv_module(tok) == TA_P11_PIV_NONE || key->id_len != 1)
		return 0;
	return slot_of_id(key->id[0]);
}

const char *
ta_p11_piv_label(unsigned slot)
{
	static const char *const named[] = { "Private key for PIV Authentication",
		"Private key for Digital Signature", "Private key for Key Management",
		"Private key for Card Authentication" };
	static const char *const retired[] = { "Private key for Retired Key 1",
		"Private key for Retired Key 2", "Private key for Retired Key 3",
		"Private key for Retired Key 4", "Private key for Retired Key 5",
		"Private key for Retired Key 6", "Private key for Retired Key 7",
		"Private key for Retired Key 8", "Private key for Retired Key 9",
		"Private key for Retired Key 10", "Private key for Retired Key 11",
		"Private key for Retired Key 12", "Private key for Retired Key 13",
		"Private key for Retired Key 14", "Private key for Retired Key 15",
		"Private key for Retired Key 16", "Private key for Retired Key 17",
		"Private key for Retired Key 18", "Private key for Retired Key 19",
		"Private key for Retired Key 20" };
	unsigned id = id_of_slot(slot);

	if (id == 0)
		return NULL;
	return id <= 4 ? named[id - 1] : retired[id - 5];
}

/* Does the slot hold a key (either half) already? */
static int
slot_taken(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_BYTE id, bool *ret)
{
	CK_OBJECT_CLASS classes[] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY };
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0;
	int r;

	*ret = false;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]) && !*ret; i++) {
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &classes[i], sizeof(classes[i]) },
			{ CKA_ID, &id, 1 },
		};

		if ((r = ta__p11_find(tok, s, tmpl, 2, &obj, 1, &n)) != 0)
			return r;
		*ret = n > 0;
	}
	return 0;
}

bool
ta_p11_piv_mgmt_ok(const struct ta_secret *k)
{
	return k != NULL && k->len == TA_P11_PIV_MGMT_HEX &&
	       ta_hex_ok((const char *)k->data, k->len, false);
}

int
ta_p11_piv_generate(struct ta_p11_token *tok, struct ta_p11_pivgen *gen,
    struct ta_p11_pivgen_out *out, struct ta_p11_key *ret_key)
{
	CK_BBOOL t = CK_TRUE;
	CK_ULONG bits = 2048;
	static CK_BYTE exp65537[] = { 0x01, 0x00, 0x01 };
	static CK_BYTE oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	static CK_BYTE oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BYTE id = (CK_BYTE)id_of_slot(gen->slot);
	CK_ATTRIBUTE pubt[5] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_VERIFY, &t, sizeof(t) },
		{ CKA_ID, &id, 1 },
	};
	CK_ULONG npub = 3;
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &t, sizeof(t) },
		{ CKA_PRIVATE, &t, sizeof(t) },
		{ CKA_SENSITIVE, &t, sizeof(t) },
		{ CKA_SIGN, &t, sizeof(t) },
		{ CKA_ID, &id, 1 },
	};
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_SESSION_INFO si;
	CK_RV rv = CKR_OK;
	bool taken;
	int r;

	memset(out, 0, sizeof(*out));
	switch (gen->type) {
	case TA_KEY_EC_P256:
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, oid_p256, sizeof(oid_p256) };
		break;
	case TA_KEY_EC_P384:
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, oid_p384, sizeof(oid_p384) };
		break;
	case TA_KEY_RSA_2048:
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, exp65537, sizeof(exp65537) };
		break;
	default:
		r = TA_ERR_UNSUPPORTED;
		goto wipe;
	}
	if (id == 0 || !ta_p11_piv_mgmt_ok(gen->mgmt)) {
		r = TA_ERR_INVALID;
		goto wipe;
	}
	if (ta_p11_piv_module(tok) != TA_P11_PIV_YKCS11) {
		r = TA_ERR_UNSUPPORTED;
		goto wipe;
	}

	if ((r = ta__p11_exclusive_begin(tok, &s)) != 0)
		goto wipe;
	pthread_mutex_lock(&tok->gen_lock);
	rv = tok->mod->fl->C_GetSessionInfo(s, &si);
	if (rv != CKR_OK) {
		r = ta__p11_rv(rv);
		goto done;
	}
	out->was_in = si.state == CKS_RW_USER_FUNCTIONS || si.state == CKS_RO_USER_FUNCTIONS;
	/* A slot's key is never replaced here: look while its objects show
	 * (logged in, or the public halves when not). */
	if ((r = slot_taken(tok, s, id, &taken)) != 0)
		goto done;
	if (taken) {
		r = TA_ERR_EXISTS;
		goto done;
	}
	if (out->was_in) {
		rv = tok->mod->fl->C_Logout(s);
		if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN) {
			r = ta__p11_rv(rv);
			goto done;
		}
		pthread_mutex_lock(&tok->lock);
		tok->logged_in = false;
		pthread_mutex_unlock(&tok->lock);
	}
	rv = tok->mod->fl->C_Login(s, CKU_SO, gen->mgmt->data, gen->mgmt->len);
	ta_secret_free(gen->mgmt);
	gen->mgmt = NULL;
	if (rv != CKR_OK) {
		out->so_r = ta__p11_rv(rv);
		r = out->so_r;
		goto relogin; /* unless the session died with the card */
	}
	/* The private half shows to the security officer too. */
	if ((r = slot_taken(tok, s, id, &taken)) == 0 && taken)
		r = TA_ERR_EXISTS;
	if (r == 0) {
		rv = tok->mod->fl->C_GenerateKeyPair(s, &mech, pubt, npub, privt,
		    sizeof(privt) / sizeof(privt[0]), &pub, &priv);
		r = rv == CKR_OK ? ta__p11_key_load(tok, s, priv, ret_key) : ta__p11_rv(rv);
	}
	if (tok->mod->fl->C_Logout(s) != CKR_OK && r == 0)
		r = TA_ERR_PKCS11; /* still the officer: no one may sign */
relogin:
	if (out->was_in && gen->pin != NULL && !ta__p11_session_dead(rv)) {
		CK_RV lrv = tok->mod->fl->C_Login(s, CKU_USER, gen->pin->data, gen->pin->len);

		if (lrv == CKR_USER_ALREADY_LOGGED_IN)
			lrv = CKR_OK;
		out->user_r = lrv == CKR_OK ? 0 : ta__p11_pin_error(tok, lrv);
		if (lrv == CKR_OK) {
			pthread_mutex_lock(&tok->lock);
			tok->logged_in = true;
			pthread_mutex_unlock(&tok->lock);
		}
	} else if (out->was_in) {
		out->user_r = TA_ERR_PIN_REQUIRED;
	}
done:
	pthread_mutex_unlock(&tok->gen_lock);
	ta__p11_exclusive_end(tok, s, rv);
wipe:
	ta_secret_free(gen->mgmt);
	ta_secret_free(gen->pin);
	gen->mgmt = gen->pin = NULL;
	return r;
}
