/* Attestation in a ceremony (client/ceremony.h): init records, for each
 * signer whose key is on a YubiKey in this machine's agent, the card's
 * attestation of the key (client/attest.h) in the plan; other signers are
 * recorded "unattested", visibly.  transcript verify --ca re-checks every
 * recorded attestation against the vendor's CA: the chain, that it attests
 * the signer's key, that no two signers share a device, and that each slot's
 * PIN and touch policy is at least what the plan requires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/agent_api.h"
#include "client/attest.h"
#include "client/ceremony.h"
#include "common/err.h"
#include "tuf/key.h"

/* Whether the token is a YubiKey (as its model or manufacturer says):
 * only those are asked, so that other tokens are not asked in vain. */
static bool
yubikey(const json_t *token)
{
	const char *m = json_string_value(json_object_get(token, "model"));

	return m != NULL && strcasestr(m, "yubikey") != NULL;
}

json_t *
cer_attest_signer(const char *ref, const json_t *token, const json_t *key, enum ta_profile p)
{
	struct ta_proto_key_attest q = { .key = "" };
	struct ta_proto_key_attest_result ar;
	struct att_info in;
	struct ta_key *k = NULL;
	json_t *res = NULL, *o = NULL;
	char why[512];

	if (!yubikey(token) || strlen(ref) >= sizeof(q.key))
		return json_string("unattested");
	memcpy(q.key, ref, strlen(ref) + 1);
	if (cer_tuf_key_of(p, key, &k) != 0 || tufctl_agent_key_attest(NULL, &q, &res, &ar) != 0) {
		ta_key_free(k);
		return json_string("unattested");
	}
	if (att_check(ar.attestation, ar.attestation_len, ar.signer, ar.signer_len, ta_key_pkey(k),
		NULL, &in, why, sizeof(why)) != 0) {
		printf("attestation of '%s' does not hold (%s): recorded unattested\n", ref, why);
	} else if ((o = json_pack("{sOsO}", "certificate", json_object_get(res, "attestation"),
			"signer", json_object_get(res, "signer"))) != NULL &&
		   att_info_json(&in, o) != 0) {
		json_decref(o);
		o = NULL;
	}
	ta_key_free(k);
	json_decref(res);
	return o != NULL ? o : json_string("unattested");
}

/* One signer's recorded attestation, against ca.  0 or TA_ERR_VERIFY. */
static int
check_one(const json_t *s, enum ta_profile p, const char *ca, struct att_info *in, char *why,
    size_t why_len)
{
	const json_t *a = json_object_get(s, "attestation");
	const json_t *c = json_object_get(a, "certificate"), *g = json_object_get(a, "signer");
	struct ta_key *k = NULL;
	char w[400];
	int r;

	if (!json_is_string(c) || !json_is_string(g)) {
		(void)snprintf(why, why_len, "not an attestation record");
		return TA_ERR_VERIFY;
	}
	if (cer_tuf_key_of(p, json_object_get(s, "key"), &k) != 0) {
		(void)snprintf(why, why_len, "the plan's key cannot be read");
		return TA_ERR_VERIFY;
	}
	r = att_check(json_string_value(c), json_string_length(c), json_string_value(g),
	    json_string_length(g), ta_key_pkey(k), ca, in, w, sizeof(w));
	ta_key_free(k);
	if (r != 0) {
		(void)snprintf(why, why_len, "%s", w);
		return TA_ERR_VERIFY;
	}
	return 0;
}

int
cer_attest_check(const json_t *plan, const char *ca, char *summary, size_t summary_len, char *why,
    size_t why_len)
{
	const json_t *s, *req = json_object_get(plan, "require");
	enum att_pin want_pin = ATT_PIN_NEVER;
	enum att_touch want_touch = ATT_TOUCH_NEVER;
	enum ta_profile p = TA_PROFILE_TUF;
	uint64_t serials[CER_SIGNERS_MAX];
	char names[256] = "";
	size_t i, n = 0, total = 0, un = 0;

	if (json_string_value(json_object_get(plan, "profile")) != NULL &&
	    ta_profile_from_name(json_string_value(json_object_get(plan, "profile")), &p) != 0)
		p = TA_PROFILE_TUF;
	(void)att_pin_from_name(json_string_value(json_object_get(req, "pin_policy")), &want_pin);
	(void)att_touch_from_name(json_string_value(json_object_get(req, "touch_policy")), &want_touch);
	json_array_foreach(json_object_get(plan, "signers"), i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		struct att_info in;
		char w[400];

		total++;
		if (!json_is_object(json_object_get(s, "attestation"))) {
			un++;
			(void)snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			    un > 1 ? ", " : "", name != NULL ? name : "?");
			continue;
		}
		if (check_one(s, p, ca, &in, w, sizeof(w)) != 0) {
			(void)snprintf(why, why_len, "signer '%s': %s", name != NULL ? name : "?", w);
			return TA_ERR_VERIFY;
		}
		for (size_t j = 0; j < n; j++)
			if (serials[j] == in.serial) {
				(void)snprintf(why, why_len, "signer '%s': device serial %llu attests "
							     "another signer's key too",
				    name != NULL ? name : "?", (unsigned long long)in.serial);
				return TA_ERR_VERIFY;
			}
		if (n < CER_SIGNERS_MAX)
			serials[n++] = in.serial;
		if (!att_pin_at_least(in.pin, want_pin) || !att_touch_at_least(in.touch, want_touch)) {
			(void)snprintf(why, why_len, "signer '%s': slot %s has PIN policy %s and touch "
						     "policy %s; the plan requires at least %s and %s",
			    name != NULL ? name : "?", in.slot, att_pin_name(in.pin),
			    att_touch_name(in.touch), att_pin_name(want_pin),
			    att_touch_name(want_touch));
			return TA_ERR_VERIFY;
		}
	}
	if (un > 0)
		(void)snprintf(summary, summary_len, "%zu of %zu signers attested (%s); unattested: %s",
		    total - un, total, ca != NULL ? "checked against --ca" : "not checked", names);
	else
		(void)snprintf(summary, summary_len, "%zu of %zu signers attested (%s)", total - un,
		    total, ca != NULL ? "checked against --ca" : "not checked");
	return 0;
}
