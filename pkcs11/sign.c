/* Signing on a pooled session, mechanism chosen from what the token offers. */
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/internal.h"

/* DER DigestInfo prefix for SHA-256 (RFC 8017 9.2 note 1). */
static const uint8_t digestinfo_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
	0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };

/* An RSA scheme: the mechanism for tokens that hash SHA-256 themselves, or
 * the one that only pads what we hash, after a prefix. */
struct rsa_mechs {
	unsigned cap_hashing, cap_raw;
	CK_MECHANISM_TYPE hashing, raw;
	const uint8_t *prefix;
	size_t prefix_len;
};

static const struct rsa_mechs rsa_pss_mechs = {
	TA_CAP_RSA_PSS_SHA256, TA_CAP_RSA_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_RSA_PKCS_PSS, NULL, 0,
};
static const struct rsa_mechs rsa_pkcs1_mechs = {
	TA_CAP_RSA_PKCS_SHA256, TA_CAP_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS,
	digestinfo_sha256, sizeof(digestinfo_sha256),
};

static bool
is_rsa(enum ta_key_type t)
{
	return t == TA_KEY_RSA_2048 || t == TA_KEY_RSA_3072 || t == TA_KEY_RSA_4096 ||
	    t == TA_KEY_RSA_OTHER;
}

static int
digest(const char *md, const uint8_t *msg, size_t len, uint8_t *out, size_t *ret_len)
{
	unsigned n = 0;

	if (EVP_Digest(msg, len, out, &n, EVP_get_digestbyname(md), NULL) != 1)
		return TA_ERR_CRYPTO;
	*ret_len = n;
	return 0;
}

int
ta_p11_sign(struct ta_p11_token *tok, const struct ta_p11_key *key, enum ta_sig_scheme scheme,
    const uint8_t *msg, size_t msg_len, struct ta_secret *ctx_pin, uint8_t sig[TA_P11_SIG_MAX],
    size_t *ret_sig_len)
{
	CK_FUNCTION_LIST *fl = tok->mod->fl;
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { 0, NULL, 0 };
	const struct rsa_mechs *rm;
	uint8_t buf[sizeof(digestinfo_sha256) + EVP_MAX_MD_SIZE];
	const uint8_t *in = msg;
	size_t in_len = msg_len, dlen = 0, want = 0;
	CK_ULONG out_len = TA_P11_SIG_MAX;
	CK_OBJECT_HANDLE kh;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	bool active = false, ctx_login;
	CK_RV rv = CKR_OK;
	int r, login_r = 0;

	switch (scheme) {
	case TA_SIG_ECDSA_SHA256:
	case TA_SIG_ECDSA_SHA384:
		if (key->type != TA_KEY_EC_P256 && key->type != TA_KEY_EC_P384) {
			r = TA_ERR_KEY_TYPE;
			goto out;
		}
		if (!(tok->caps & TA_CAP_ECDSA)) {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		r = digest(scheme == TA_SIG_ECDSA_SHA256 ? "SHA256" : "SHA384", msg, msg_len, buf,
		    &dlen);
		if (r != 0)
			goto out;
		mech.mechanism = CKM_ECDSA;
		in = buf, in_len = dlen;
		want = key->type == TA_KEY_EC_P256 ? 64 : 96;
		break;
	case TA_SIG_RSA_PSS_SHA256:
	case TA_SIG_RSA_PKCS1_SHA256:
		rm = scheme == TA_SIG_RSA_PSS_SHA256 ? &rsa_pss_mechs : &rsa_pkcs1_mechs;
		if (!is_rsa(key->type)) {
			r = TA_ERR_KEY_TYPE;
			goto out;
		}
		if (scheme == TA_SIG_RSA_PSS_SHA256) {
			mech.pParameter = &pss;
			mech.ulParameterLen = sizeof(pss);
		}
		if (tok->caps & rm->cap_hashing) {
			mech.mechanism = rm->hashing; /* the token hashes */
		} else if (tok->caps & rm->cap_raw) {
			if (rm->prefix_len > 0)
				memcpy(buf, rm->prefix, rm->prefix_len);
			r = digest("SHA256", msg, msg_len, buf + rm->prefix_len, &dlen);
			if (r != 0)
				goto out;
			mech.mechanism = rm->raw;
			in = buf, in_len = rm->prefix_len + dlen;
		} else {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		want = (key->bits + 7) / 8;
		break;
	case TA_SIG_ED25519:
		if (key->type != TA_KEY_ED25519) {
			r = TA_ERR_KEY_TYPE;
			goto out;
		}
		if (!(tok->caps & TA_CAP_EDDSA)) {
			r = TA_ERR_UNSUPPORTED;
			goto out;
		}
		mech.mechanism = CKM_EDDSA;
		want = 64;
		break;
	default:
		r = TA_ERR_INVALID;
		goto out;
	}
	/* Not even a PIN prompt for a key its module will not sign with. */
	if (want == 0 || want > TA_P11_SIG_MAX || key->no_sign) {
		r = TA_ERR_KEY_TYPE;
		goto out;
	}

	ctx_login = key->always_auth || ctx_pin != NULL;
	if (key->always_auth && ctx_pin == NULL && !(tok->tflags & CKF_PROTECTED_AUTHENTICATION_PATH)) {
		r = TA_ERR_PIN_REQUIRED;
		goto out;
	}

	if ((r = ta__p11_session_get(tok, &s)) != 0)
		goto out;
	if ((r = ta__p11_key_handle(tok, s, key, &kh)) != 0) {
		ta__p11_session_put(tok, s, CKR_OK);
		goto out;
	}
	if ((rv = fl->C_SignInit(s, &mech, kh)) != CKR_OK)
		goto done;
	active = true;
	if (ctx_login) {
		CK_RV lrv;

		/* One context-specific login per signature, never retried. */
		lrv = fl->C_Login(s, CKU_CONTEXT_SPECIFIC, ctx_pin ? ctx_pin->data : NULL,
		    ctx_pin ? ctx_pin->len : 0);
		ta_secret_free(ctx_pin);
		ctx_pin = NULL;
		if (lrv != CKR_OK) {
			/* The session's operation is still active: discard it
			 * (below), and say what the token says of its tries. */
			login_r = ta__p11_pin_error(tok, lrv);
			rv = ta__p11_session_dead(lrv) ? lrv : CKR_PIN_INCORRECT;
			goto done;
		}
	}
	rv = fl->C_Sign(s, (CK_BYTE *)(uintptr_t)in, in_len, sig, &out_len);
	active = false; /* C_Sign ends the operation whatever it returns */
	if (rv == CKR_OK && out_len != want)
		rv = CKR_GENERAL_ERROR;
done:
	if (active && !ta__p11_session_dead(rv))
		ta__p11_session_discard(tok, s); /* an operation is left active */
	else
		ta__p11_session_put(tok, s, rv);
	if (rv != CKR_OK) {
		r = login_r != 0 ? login_r : ta__p11_rv(rv);
		goto out;
	}
	*ret_sig_len = out_len;
	r = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	ta_secret_free(ctx_pin);
	return r;
}
