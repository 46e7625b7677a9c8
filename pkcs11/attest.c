/* PIV attestation, as Yubico's ykcs11 shows it (OpenSC shows none): for
 * each key generated on the card a certificate object labelled
 * "X.509 Certificate for PIV Attestation <slot>" with the key's CKA_ID,
 * made by the card when it is read (GET ... ATTEST), and the card's
 * attestation certificate (slot F9), labelled "X.509 Certificate for PIV
 * Attestation".  What they say is read in client/attest.c. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "pkcs11/internal.h"
#include "pkcs11/p11.h"

#define ATT_LABEL "X.509 Certificate for PIV Attestation"
#define ATT_CERTS_MAX 8
#define CERT_MAX 65536

/* The CKA_VALUE of obj, malloc()ed. */
static int
value(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, uint8_t **ret,
    size_t *ret_len, CK_RV *rv)
{
	CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };

	if ((*rv = tok->mod->fl->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK)
		return ta__p11_rv(*rv);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0 ||
	    a.ulValueLen > CERT_MAX)
		return TA_ERR_FORMAT;
	if ((a.pValue = malloc(a.ulValueLen)) == NULL)
		return TA_ERR_NOMEM;
	if ((*rv = tok->mod->fl->C_GetAttributeValue(s, obj, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return ta__p11_rv(*rv);
	}
	*ret = a.pValue;
	*ret_len = a.ulValueLen;
	return 0;
}

/* Whether obj's CKA_LABEL is ATT_LABEL (slot false) or "ATT_LABEL <slot>"
 * (slot true). */
static bool
labelled(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, bool slot)
{
	char label[sizeof(ATT_LABEL) + 8] = "";
	CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof(label) - 1 };
	size_t n = strlen(ATT_LABEL);

	if (tok->mod->fl->C_GetAttributeValue(s, obj, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen >= sizeof(label))
		return false;
	label[a.ulValueLen] = '\0';
	if (strncmp(label, ATT_LABEL, n) != 0)
		return false;
	return slot ? label[n] == ' ' && label[n + 1] != '\0' : label[n] == '\0';
}

/* The certificate found by tmpl (n attributes) whose label is labelled()'s. */
static int
find_cert(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    bool slot, uint8_t **ret, size_t *ret_len, CK_RV *rv)
{
	CK_OBJECT_HANDLE objs[ATT_CERTS_MAX];
	CK_ULONG found = 0;
	int r;

	if ((r = ta__p11_find(tok, s, tmpl, n, objs, ATT_CERTS_MAX, &found)) != 0)
		return r;
	for (CK_ULONG i = 0; i < found; i++)
		if (labelled(tok, s, objs[i], slot))
			return value(tok, s, objs[i], ret, ret_len, rv);
	return TA_ERR_UNSUPPORTED;
}

int
ta_p11_attestation_read(struct ta_p11_token *tok, const struct ta_p11_key *key, uint8_t **ret_att,
    size_t *ret_att_len, uint8_t **ret_f9, size_t *ret_f9_len)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE by_id[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)(uintptr_t)key->id, key->id_len },
	};
	CK_ATTRIBUTE by_label[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)(uintptr_t)ATT_LABEL, strlen(ATT_LABEL) },
	};
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_RV rv = CKR_OK;
	uint8_t *att = NULL;
	size_t att_len = 0;
	int r;

	if (key->id_len == 0)
		return TA_ERR_UNSUPPORTED;
	if ((r = ta__p11_session_get(tok, &s)) != 0)
		return r;
	r = find_cert(tok, s, by_id, 2, true, &att, &att_len, &rv);
	if (r == 0)
		r = find_cert(tok, s, by_label, 2, false, ret_f9, ret_f9_len, &rv);
	ta__p11_session_put(tok, s, rv);
	if (r != 0) {
		free(att);
		return r;
	}
	*ret_att = att;
	*ret_att_len = att_len;
	return 0;
}
