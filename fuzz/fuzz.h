/* What the fuzz targets share: libFuzzer's entry point, which each target
 * defines (fuzz/main.c calls it to replay corpora), and REQUIRE(x): when
 * an invariant does not hold, one line naming the target (FUZZ_NAME, set
 * before this is included) and the line, then abort() -- the finding. */
#ifndef TA_FUZZ_H
#define TA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(x)                                                                                 \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "%s: invariant failed: %s (line %d)\n", FUZZ_NAME, #x,     \
			    __LINE__);                                                             \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
