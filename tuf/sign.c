#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/sig.h"
#include "tuf/sign.h"

int
ta_meta_sign(struct ta_meta *m, const struct ta_key *key, const struct ta_signer *signer,
    uint8_t ret_sha256[32])
{
	uint8_t *msg = NULL;
	size_t len;
	int r;

	if (m == NULL || key == NULL || signer == NULL || ta_key_profile(key) != m->profile)
		return TA_ERR_INVALID;
	if ((r = ta_meta_signed_bytes(m, &msg, &len)) != 0)
		return r;
	r = ta_meta_sign_bytes(m, key, signer, msg, len, ret_sha256);
	free(msg);
	return r;
}

int
ta_meta_sign_bytes(struct ta_meta *m, const struct ta_key *key, const struct ta_signer *signer,
    const uint8_t *msg, size_t len, uint8_t ret_sha256[32])
{
	struct ta_sig sig;
	json_t *obj = NULL, *s;
	uint8_t digest[32];
	size_t i;
	int r;

	if (m == NULL || key == NULL || signer == NULL || msg == NULL ||
	    ta_key_profile(key) != m->profile)
		return TA_ERR_INVALID;
	if ((r = ta_sig_make(key, signer, msg, len, &sig)) != 0 ||
	    (r = ta_sig_to_json(&sig, &obj)) != 0)
		goto out;
	if (EVP_Digest(msg, len, digest, NULL, EVP_sha256(), NULL) != 1) {
		r = TA_ERR_CRYPTO;
		goto out;
	}
	json_array_foreach(m->signatures, i, s) {
		const char *id = json_string_value(json_object_get(s, "keyid"));

		if (id != NULL && strcasecmp(id, sig.keyid) == 0)
			break;
	}
	if (i < json_array_size(m->signatures) ? json_array_set(m->signatures, i, obj) :
						json_array_append(m->signatures, obj)) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (ret_sha256 != NULL)
		memcpy(ret_sha256, digest, sizeof(digest));
	r = 0;
out:
	json_decref(obj);
	return r;
}
