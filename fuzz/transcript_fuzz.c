/* Fuzz target: the ceremony transcript reader, tc_verify()
 * (client/transcript.h), on whole files.
 *
 * Invariants: the result is 0 or a documented refusal; a refusal names
 * record records + 1 with a reason that starts "record N: "; an accepted
 * transcript has one record per newline and ends in one; the records that
 * verified before a refusal verify alone, to the same head.  A broken
 * invariant aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client/transcript.h"
#include "common/err.h"

#define FUZZ_NAME "transcript_fuzz"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_check c, again;
	char prefix[48];
	size_t lines = 0, end = 0;
	int r;

	if (size > TC_FILE_MAX)
		return 0;
	r = tc_verify(data, size, &c);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r == 0) {
		REQUIRE(c.bad == 0 && c.why[0] == '\0');
		REQUIRE(c.records == lines && size > 0 && data[size - 1] == '\n');
		REQUIRE(c.finish <= c.records);
		REQUIRE(c.finish_root[0] == '\0' || strlen(c.finish_root) == 64);
		return 0;
	}
	REQUIRE(r == TA_ERR_VERIFY || r == TA_ERR_FORMAT || r == TA_ERR_TOO_LARGE ||
	    r == TA_ERR_TRUNCATED || r == TA_ERR_NOMEM);
	REQUIRE(c.bad == c.records + 1);
	(void)snprintf(prefix, sizeof(prefix), "record %zu: ", c.bad);
	REQUIRE(strncmp(c.why, prefix, strlen(prefix)) == 0);
	if (c.records == 0)
		return 0;
	/* The good records alone: where the n-th newline is. */
	for (size_t n = 0; n < c.records; end++)
		n += data[end] == '\n';
	REQUIRE(tc_verify(data, end, &again) == 0);
	REQUIRE(again.records == c.records && memcmp(again.head, c.head, 32) == 0);
	REQUIRE(again.finish == c.finish && strcmp(again.finish_root, c.finish_root) == 0);
	return 0;
}
