/* The TUF client workflow (tuf/updater.c) and the hash-bin names
 * (tuf/bins.c) on hostile input.  The input is up to five files separated
 * by a line "--": 1.root.json, timestamp.json, snapshot.json,
 * targets.json, then one target file served under every other name asked
 * for; the first line of the input is also read as a bin name.  The run
 * must reach an answer, and a failure must name a file and a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "tuf/bins.h"
#include "tuf/updater.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(x)                                                                            \
	do {                                                                                  \
		if (!(x)) {                                                                   \
			fprintf(stderr, "updater_fuzz: invariant failed: %s (line %d)\n", #x, \
			    __LINE__);                                                        \
			abort();                                                              \
		}                                                                             \
	} while (0)

struct files {
	const uint8_t *p[5];
	size_t len[5];
	size_t n;
};

static int
fetch(void *ctx, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	static const char *const names[4] = { "1.root.json", "timestamp.json", "snapshot.json",
		"targets.json" };
	const struct files *f = ctx;
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			break;
	if (i == 4 && strncmp(name, "targets/", 8) != 0)
		return TA_ERR_NOT_FOUND;
	if (i >= f->n)
		return TA_ERR_NOT_FOUND;
	if (f->len[i] > max)
		return TA_ERR_TOO_LARGE;
	if ((*ret = malloc(f->len[i] + 1)) == NULL)
		return TA_ERR_NOMEM;
	memcpy(*ret, f->p[i], f->len[i]);
	*ret_len = f->len[i];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ta_updater_opts o = { .now = 1800000000, .check_targets = true };
	struct ta_updater_report rep;
	struct files f = { .n = 0 };
	size_t start = 0;
	char name[128];
	uint32_t idx;
	int r;

	for (size_t i = 0; i <= size && f.n < 5; i++)
		if (i == size || (i + 4 <= size && memcmp(data + i, "\n--\n", 4) == 0)) {
			f.p[f.n] = data + start;
			f.len[f.n++] = i - start;
			start = i + 4;
			i += 3;
		}
	/* bins: the first line as a name, under every bit length */
	size_t nl = 0;
	while (nl < size && nl < sizeof(name) - 1 && data[nl] != '\n' && data[nl] != '\0')
		nl++;
	memcpy(name, data, nl);
	name[nl] = '\0';
	for (unsigned b = 0; b <= 33; b++)
		if (ta_bins_parse(name, "bins", b, &idx) == 0) {
			char back[160];

			REQUIRE(b >= 1 && b <= 32 && idx < ta_bins_count(b));
			REQUIRE(ta_bins_name("bins", b, idx, back, sizeof(back)) == 0);
			REQUIRE(strcasecmp(back, name) == 0);
		}
	r = ta_updater_run(&o, fetch, &f, &rep);
	REQUIRE(r == rep.result);
	if (r != 0)
		REQUIRE(rep.fail_reason[0] != '\0');
	else
		REQUIRE(rep.root != NULL && rep.timestamp != NULL && rep.snapshot != NULL);
	for (size_t i = 0; r == 0 && i < rep.nroles; i++)
		REQUIRE(rep.roles[i].result == 0 && rep.roles[i].meta != NULL);
	ta_updater_report_free(&rep);
	return 0;
}
