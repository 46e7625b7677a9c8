/* The keys of a ceremony's root, by profile (client/ceremony.h):
 *
 *	                 TUF 1.0                      Notary v1
 *	root key (agent) key.show's TUF key          a certificate for the GUN the
 *	                                             key makes (key.cert, not stored)
 *	root key (away)  pubkey:FILE (PEM SPKI)      cert:FILE (its certificate for
 *	                                             the GUN: tufctl key cert there)
 *	targets/snapshot an agent key or pubkey:FILE an agent key or pubkey:FILE;
 *	                                             snapshot also the server's
 *	timestamp        an agent key or pubkey:FILE the server's (--server URL)
 *
 * and each signer's TUF key, which signs the transcript head at finish
 * (the agent's ceremony profile signs as the plain key, whatever the
 * profile of the root). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/agent_api.h"
#include "client/ceremony.h"
#include "client/notary_agent.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/key.h"
#include "tuf/x509.h"

#define KEYFILE_MAX (1 << 16)

/* A certificate file's key for ctx->gun: one notary takes as a root key
 * (FORMATS §1.6), dates included. */
static int
cert_file(const struct cer_keyctx *kc, const char *path, struct ta_key **ret)
{
	uint8_t *pem = NULL;
	size_t len;
	struct ta_x509_error xe;
	int r;

	if (tufctl_read_file(path, KEYFILE_MAX, &pem, &len) != 0)
		return TUFCTL_FAIL;
	r = ta_x509_check_root(pem, len, kc->gun, time(NULL), TA_X509_CHECK_TIME, &xe);
	if (r != 0) {
		free(pem);
		return tufctl_fail("ceremony: '%s' is not a root certificate notary takes for '%s': "
				   "%s", path, kc->gun, xe.text);
	}
	r = ta_key_from_cert_pem((const char *)pem, len, false, ret);
	free(pem);
	return r != 0 ? tufctl_fail("ceremony: '%s': %s", path, ta_strerror(r)) : TUFCTL_OK;
}

/* An agent key as a notary root key: its certificate for the GUN. */
static int
agent_cert(const struct cer_keyctx *kc, const char *ref, struct ta_key **ret)
{
	char *pem = NULL;
	int r;

	if (tn_agent_key_cert("ceremony", ref, kc->gun, &pem) != 0)
		return TUFCTL_FAIL;
	r = ta_key_from_cert_pem(pem, strlen(pem), false, ret);
	free(pem);
	return r != 0 ? tufctl_fail("ceremony: the certificate key '%s' made: %s", ref,
			    ta_strerror(r))
		      : TUFCTL_OK;
}

int
cer_key_resolve(const struct cer_keyctx *kc, const char *ref, bool root_key, char keyid[65],
    json_t **ret)
{
	bool pubkey = strncmp(ref, "pubkey:", 7) == 0, cert = strncmp(ref, "cert:", 5) == 0;
	struct ta_key *k = NULL;
	int rc;

	*ret = NULL;
	if (kc->profile == TA_PROFILE_TUF) {
		if (cert)
			return tufctl_fail("ceremony: cert:FILE is for notary roots; a TUF 1.0 key is "
					   "pubkey:FILE or an agent key");
		return tufctl_tuf_key("ceremony", pubkey ? ref + 7 : ref, pubkey, keyid, ret);
	}
	if (root_key && pubkey)
		return tufctl_fail("ceremony: a notary root key is a certificate for the GUN: give "
				   "cert:FILE (made on the signer's machine with tufctl key cert "
				   "--label L --gun %s), not %s", kc->gun, ref);
	if (!root_key && cert)
		return tufctl_fail("ceremony: cert:FILE is for root keys; give pubkey:FILE or an "
				   "agent key");
	if (cert)
		rc = cert_file(kc, ref + 5, &k);
	else if (pubkey)
		rc = tufctl_pem_key("ceremony", ref + 7, TA_PROFILE_NOTARY, &k);
	else if (root_key)
		rc = agent_cert(kc, ref, &k);
	else
		rc = tn_agent_key_show("ceremony", ref, &k) != 0 ? TUFCTL_FAIL : TUFCTL_OK;
	if (rc == TUFCTL_OK && ta_key_to_json(k, ret) != 0)
		rc = tufctl_fail("ceremony: out of memory");
	if (rc == TUFCTL_OK)
		memcpy(keyid, ta_key_id(k), 65);
	ta_key_free(k);
	return rc;
}

int
cer_tuf_key_of(enum ta_profile p, const json_t *key, struct ta_key **ret)
{
	struct ta_key *k = NULL;
	const uint8_t *spki;
	size_t len;
	int r;

	*ret = NULL;
	if (p == TA_PROFILE_TUF)
		return ta_key_from_json(TA_PROFILE_TUF, key, ret);
	if ((r = ta_key_from_json(TA_PROFILE_NOTARY, key, &k)) != 0)
		return r;
	spki = ta_key_spki(k, &len);
	r = ta_key_from_spki(TA_PROFILE_TUF, spki, len, ret);
	ta_key_free(k);
	return r;
}
