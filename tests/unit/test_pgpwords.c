/* Unit tests for common/pgpwords.c: published vectors, the anchors at both
 * ends, a digest of both tables (computed from IANA's DNSSEC ceremony
 * copy, common/sha2wordlist.h of iana-org/dnssec-keytools-legacy), the
 * buffer rule and the lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common/err.h"
#include "common/hex.h"
#include "common/pgpwords.h"

static void
encode_hex(const char *hex, const char *want)
{
	uint8_t b[64];
	char digits[129], out[TA_PGPWORDS_CAP(64)];
	size_t n = 0, len;

	for (const char *h = hex; *h != '\0'; h++)
		if (*h != ' ')
			digits[n++] = *h;
	assert_int_equal(ta_unhex(digits, n, b, sizeof(b), &len), 0);
	assert_int_equal(ta_pgpwords(b, len, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* The example of the list's documentation (Wikipedia's "PGP word list"),
 * and the test vectors of two independent implementations (Warren Guy's
 * ruby-pgp-word-list README, Perl's Encode::Wordlist::PGP tests). */
static void
test_pgpwords_published_vectors(void **state)
{
	(void)state;
	encode_hex("E582 94F2 E9A2 2748 6E8B 061B 31CC 528F D7FA 3F19",
	    "topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish "
	    "Medusa afflict bravado chatter revolver Dupont midsummer stopwatch whimsical "
	    "cowbell bottomless");
	encode_hex("D1D4 64C0 04F0 0FB5 C9A4 C8D8 E433 E7FB 7FF5 6256",
	    "stairway souvenir flytrap recipe adrift upcoming artist positive spearhead "
	    "Pandora spaniel stupendous tonic concurrent transit Wichita lockup visitor "
	    "flagpole escapade");
	encode_hex("4155 9711 308F 2A21 B9D5 072D 6219 58AF CB50 B5F9",
	    "cranky equipment preshrunk Babylon chairlift midsummer brickyard Camelot "
	    "sentence specialist ahead clergyman flagpole bottomless endorse pharmacy "
	    "spheroid embezzle scorecard Waterloo");
}

/* Single bytes from the published table: both ends, and the rows the
 * original "biometric word list" article quotes. */
static void
test_pgpwords_anchors(void **state)
{
	static const struct {
		uint8_t b;
		const char *even, *odd;
	} rows[] = {
		{ 0x00, "aardvark", "adroitness" }, { 0x01, "absurd", "adviser" },
		{ 0x0d, "ancient", "asteroid" }, { 0x17, "banjo", "bookseller" },
		{ 0x20, "bison", "butterfat" }, { 0x29, "breakup", "certify" },
		{ 0x38, "classic", "consulting" }, { 0x6b, "glitter", "Hamilton" },
		{ 0xd2, "standard", "sensation" }, { 0xfe, "woodlark", "yesteryear" },
		{ 0xff, "Zulu", "Yucatan" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_string_equal(ta_pgpword(rows[i].b, false), rows[i].even);
		assert_string_equal(ta_pgpword(rows[i].b, true), rows[i].odd);
	}
}

/* SHA-256 of every word and a newline, even list then odd, as computed
 * from IANA's copy: one wrong letter anywhere fails here. */
static void
test_pgpwords_whole_tables(void **state)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t md[32];
	char hex[65];
	size_t longest = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	for (int odd = 0; odd < 2; odd++)
		for (int b = 0; b < 256; b++) {
			const char *w = ta_pgpword((uint8_t)b, odd != 0);

			if (strlen(w) > longest)
				longest = strlen(w);
			assert_int_equal(EVP_DigestUpdate(c, w, strlen(w)), 1);
			assert_int_equal(EVP_DigestUpdate(c, "\n", 1), 1);
		}
	assert_int_equal(EVP_DigestFinal_ex(c, md, NULL), 1);
	EVP_MD_CTX_free(c);
	ta_hex(hex, md, sizeof(md));
	assert_string_equal(hex, "7e5237abee2c4ed4374b29a853b0ac3ac108a0ea11e8c7f50f6dc667402a49b6");
	assert_int_equal(longest, TA_PGPWORD_MAX);
}

static void
test_pgpwords_buffer(void **state)
{
	uint8_t ff[32];
	char out[TA_PGPWORDS_CAP(32)];
	/* "aardvark adroitness": 19 characters and the NUL. */
	static const uint8_t zz[2] = { 0, 0 };

	(void)state;
	assert_int_equal(ta_pgpwords(zz, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(ta_pgpwords(zz, 2, out, 20), 0);
	assert_string_equal(out, "aardvark adroitness");
	memset(out, 'x', sizeof(out));
	assert_int_equal(ta_pgpwords(zz, 2, out, 19), TA_ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(ta_pgpwords(zz, 1, out, 0), TA_ERR_TOO_LARGE);
	assert_int_equal(ta_pgpwords(zz, 1, out, 8), TA_ERR_TOO_LARGE);
	/* A run of long words fits TA_PGPWORDS_CAP (0xa5: "reindeer", then
	 * "paperweight", one of the longest). */
	for (size_t i = 0; i < sizeof(ff); i++)
		ff[i] = 0xa5;
	assert_int_equal(ta_pgpwords(ff, sizeof(ff), out, sizeof(out)), 0);
	assert_int_equal(strncmp(out, "reindeer paperweight reindeer", 29), 0);
}

static void
test_pgpwords_lookup(void **state)
{
	bool odd = true;

	(void)state;
	assert_int_equal(ta_pgpword_lookup("aardvark", 8, &odd), 0);
	assert_false(odd);
	assert_int_equal(ta_pgpword_lookup("YUCATAN", 7, &odd), 0xff);
	assert_true(odd);
	assert_int_equal(ta_pgpword_lookup("zulu extra", 4, NULL), 0xff);
	assert_int_equal(ta_pgpword_lookup("aardvar", 7, NULL), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_pgpword_lookup("aardvarks", 9, NULL), TA_ERR_NOT_FOUND);
	assert_int_equal(ta_pgpword_lookup("", 0, NULL), TA_ERR_NOT_FOUND);
	/* Every word finds itself, in its own list: no word is in both. */
	for (int l = 0; l < 2; l++)
		for (int b = 0; b < 256; b++) {
			const char *w = ta_pgpword((uint8_t)b, l != 0);

			assert_int_equal(ta_pgpword_lookup(w, strlen(w), &odd), b);
			assert_int_equal(odd, l != 0);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgpwords_published_vectors),
		cmocka_unit_test(test_pgpwords_anchors),
		cmocka_unit_test(test_pgpwords_whole_tables),
		cmocka_unit_test(test_pgpwords_buffer),
		cmocka_unit_test(test_pgpwords_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
