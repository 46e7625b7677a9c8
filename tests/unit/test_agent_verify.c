/* The agent's check of each signature a token returns (verify-signatures,
 * tuf/signer.h no_check): a faulty signature never leaves while the check
 * is on; with verify-signatures = no the check is skipped for ECDSA and
 * Ed25519 only, and a faulty RSA signature is still caught (one faulty
 * RSA-CRT signature factors the key).  Faults come from tests/tools/memsigner's
 * corrupt knob (one bit flipped in every signature). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/sig.h"

static const uint8_t msg[] = "{\"_type\":\"Targets\",\"version\":1}";

/* ta_sig_make's answer for a key of type: corrupt signatures or not, the
 * check on or not. */
static int
make(enum ta_key_type type, enum ta_profile profile, bool corrupt, bool no_check)
{
	struct memsigner *m = memsigner_new(type);
	struct ta_key *key = NULL;
	struct ta_sig sig;
	int r;

	assert_non_null(m);
	assert_int_equal(ta_key_from_spki(profile, m->spki, m->spki_len, &key), 0);
	m->corrupt = corrupt;
	m->signer.no_check = no_check;
	r = ta_sig_make(key, &m->signer, msg, sizeof(msg) - 1, &sig);
	assert_int_equal(m->calls, 1);
	if (r == 0 && !corrupt)
		assert_int_equal(ta_sig_verify(key, &sig, msg, sizeof(msg) - 1), 0);
	if (r == 0 && corrupt) /* what no_check lets out: a signature that fails */
		assert_int_equal(ta_sig_verify(key, &sig, msg, sizeof(msg) - 1), TA_ERR_VERIFY);
	ta_key_free(key);
	memsigner_free(m);
	return r;
}

static const enum ta_key_type ec_types[] = {TA_KEY_EC_P256, TA_KEY_EC_P384, TA_KEY_ED25519};

/* In both profiles, a key of type with the check on or off (no_check): a good signature
 * is made, and a corrupt one gives want_corrupt. */
static void
check_type(enum ta_key_type type, bool no_check, int want_corrupt)
{
	static const enum ta_profile profiles[] = {TA_PROFILE_NOTARY, TA_PROFILE_TUF};

	for (size_t p = 0; p < 2; p++) {
		assert_int_equal(make(type, profiles[p], false, no_check), 0);
		assert_int_equal(make(type, profiles[p], true, no_check), want_corrupt);
	}
}

static void
test_agent_verify_default_catches_faults(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ec_types) / sizeof(ec_types[0]); i++)
		check_type(ec_types[i], false, TA_ERR_VERIFY);
	check_type(TA_KEY_RSA_2048, false, TA_ERR_VERIFY);
}

static void
test_agent_verify_no_skips_ec_and_ed25519(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ec_types) / sizeof(ec_types[0]); i++)
		check_type(ec_types[i], true, 0);
}

static void
test_agent_verify_no_still_checks_rsa(void **state)
{
	(void)state;
	check_type(TA_KEY_RSA_2048, true, TA_ERR_VERIFY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_verify_default_catches_faults),
	    cmocka_unit_test(test_agent_verify_no_skips_ec_and_ed25519),
	    cmocka_unit_test(test_agent_verify_no_still_checks_rsa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
