/* The metadata model: parse a file in both profiles; whatever is accepted
 * is written back, and what is written reads back to the same bytes (the
 * writer is a function of the model), and verification runs to an answer
 * without crashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/meta.h"
#include "tuf/verify.h"

#define FUZZ_NAME "meta_fuzz"
#include "fuzz/fuzz.h"

static void
one(const uint8_t *data, size_t size, enum ta_profile p)
{
	struct ta_meta *m = NULL, *back = NULL;
	struct ta_verify_result res;
	struct ta_json_error err;
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t alen, blen, clen;
	int r;

	r = ta_meta_parse(data, size, p, NULL, &m, &err);
	if (r != 0) {
		REQUIRE(m == NULL && err.code == r && err.text[0] != '\0');
		return;
	}
	REQUIRE(ta_meta_write(m, &a, &alen) == 0);
	REQUIRE(ta_meta_signed_bytes(m, &c, &clen) == 0);
	REQUIRE(ta_meta_parse(a, alen, p, NULL, &back, &err) == 0);
	REQUIRE(back->type == m->type);
	REQUIRE(ta_meta_write(back, &b, &blen) == 0);
	REQUIRE(alen == blen && memcmp(a, b, alen) == 0);
	if (m->type == TA_ROLE_ROOT) {
		r = ta_verify_root(NULL, m, "example.com/app", 0, &res);
		REQUIRE(r != 0 || res.nvalid >= (size_t)res.threshold);
		r = ta_verify_root(m, back, "example.com/app", 0, &res);
		(void)r;
	}
	free(a);
	free(b);
	free(c);
	ta_meta_free(m);
	ta_meta_free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, TA_PROFILE_NOTARY);
	one(data, size, TA_PROFILE_TUF);
	return 0;
}
