/* A small TUF 1.0 repository built in memory with tuf/ and in-memory keys
 * (tests/tools/memsigner.c), for tests/unit/test_tuf_updater.c and
 * tests/tools/tuf-repo-tool.c.  Test code only.  (STAR below is an asterisk.)
 *
 * Keys (ed25519): 0 root v1, 1 targets, 2 snapshot, 3 timestamp, 4 "proj",
 * 5 "proj-nightly", 6 "hashed" and the hash bins, 7 and 8 later root keys.
 *
 * Roots: v1 {key 0} threshold 1; v2 {0, 7} threshold 2; v3 {7, 8}
 * threshold 2; each signed by the keys of its own root role and of the
 * previous one (unless root_signers overrides it).
 *
 * targets lists "a.txt"; with delegations it delegates, in order,
 * "proj" (paths ["proj/STAR"], not terminating; lists "proj/x.tgz"), which
 * delegates "proj-nightly" (["proj/nightly-*"], terminating; lists
 * "proj/nightly-1.tgz"); then "hashed" (path_hash_prefixes of "h/one";
 * lists "h/one"); then "fallback" (["STAR/STAR"], key 6; lists "other/z" and
 * "proj/nightly-2.tgz", which a client never finds there: the terminating
 * "proj-nightly" comes first).  With bins, targets' delegations are succinct_roles
 * instead (bit_length 2, name_prefix "bins"): every bin exists, and the
 * bin of "b/file1" lists it. */
#ifndef TA_TESTS_TUFREPO_H
#define TA_TESTS_TUFREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/meta.h"

#define TREPO_KEYS 9
#define TREPO_FILES 64

struct trepo_file {
	char name[1300];
	uint8_t *data;
	size_t len;
};

struct trepo_keys {
	struct memsigner *ms[TREPO_KEYS];
	struct ta_key *k[TREPO_KEYS];
};

struct trepo {
	struct trepo_file files[TREPO_FILES];
	size_t n;
	size_t fetches; /* fetch calls made */
};

/* Called for every role before it is signed (stage 0) and after (stage
 * 1), role "root" with its version in v. */
typedef void (*trepo_tweak_fn)(void *arg, const char *role, int64_t v, struct ta_meta *m,
    int stage);

struct trepo_opts {
	time_t now;
	bool consistent;
	bool delegations;
	bool bins;
	int nroots;                /* 1..3 */
	time_t root_expires[4];    /* by version; 0: now + 1 year */
	unsigned root_signers[4];  /* by version: a key bit mask; 0: the default */
	time_t expires;            /* of the other roles; 0: now + 30 days */
	trepo_tweak_fn tweak;
	void *arg;
};

int trepo_keys_new(struct trepo_keys *k);
void trepo_keys_free(struct trepo_keys *k);

/* Builds the repository into r (emptied first).  0 or a TA_ERR_*. */
int trepo_build(struct trepo *r, const struct trepo_keys *k, const struct trepo_opts *o);

void trepo_free(struct trepo *r);
struct trepo_file *trepo_get(struct trepo *r, const char *name);
int trepo_put(struct trepo *r, const char *name, const uint8_t *data, size_t len);
int trepo_remove(struct trepo *r, const char *name);
/* A copy of r (files duplicated). */
int trepo_copy(struct trepo *dst, const struct trepo *src);

/* The ta_updater_fetch_fn over a struct trepo. */
int trepo_fetch(void *ctx, const char *name, size_t max, uint8_t **ret, size_t *ret_len);

#endif
