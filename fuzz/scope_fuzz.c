/* Fuzz target: the agent's key scopes file (agent/scope.c), which the agent
 * reads at start and refuses to start on when it is not valid.
 *
 * Invariants: the parser never crashes or leaks; a file it accepts has at
 * most as many entries as it has bytes / 64 (every key ID is 64 digits),
 * and parsing the same bytes again gives the same answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/scope.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, n2 = 0;
	int r, r2;

	r = ta__scopes_parse((const char *)data, size, &n);
	r2 = ta__scopes_parse((const char *)data, size, &n2);
	if (r != r2 || (r == 0 && (n != n2 || n > size / 64))) {
		(void)fprintf(stderr, "scope_fuzz: %d/%zu then %d/%zu\n", r, n, r2, n2);
		abort();
	}
	return 0;
}
