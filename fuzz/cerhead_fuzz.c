/* The ceremony head the agent signs (tuf/cerhead.h): whatever is accepted
 * is written back without its signatures, and that reads back to the same
 * head; a refusal always says why. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/cerhead.h"

#define FUZZ_NAME "cerhead_fuzz"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_cerhead h, back;
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	uint8_t *out = NULL;
	size_t len = 0;
	int r;

	r = ta_cerhead_parse(data, size, &h, &m, &err);
	if (r != 0) {
		REQUIRE(m == NULL && err.code == r && err.text[0] != '\0');
		return 0;
	}
	REQUIRE(m != NULL && m->type == TA_ROLE_CEREMONY_HEAD);
	REQUIRE(ta_cerhead_write(&h, &out, &len) == 0);
	REQUIRE(ta_cerhead_parse(out, len, &back, NULL, NULL) == 0);
	REQUIRE(strcmp(h.ceremony, back.ceremony) == 0 && strcmp(h.head, back.head) == 0 &&
	    strcmp(h.root_sha256, back.root_sha256) == 0 && strcmp(h.gun, back.gun) == 0 &&
	    h.profile == back.profile && h.records == back.records);
	free(out);
	ta_meta_free(m);
	return 0;
}
