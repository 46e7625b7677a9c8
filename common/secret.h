/* Secrets (PINs) in locked, non-dumpable memory, wiped when freed.
 *
 * A struct ta_secret owns one private anonymous mapping: mlock()ed so it is
 * never swapped, MADV_DONTDUMP so it never lands in a core file, wiped with
 * explicit_bzero() before it is unmapped.  Capacity is fixed at creation.
 * Whoever is handed a secret frees it (ta_secret_free), on every path. */
#ifndef TA_SECRET_H
#define TA_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define TA_SECRET_MAX 4096

struct ta_secret {
	uint8_t *data;   /* cap bytes, always NUL-terminated after len */
	size_t len;
	size_t cap;      /* usable bytes, not counting the terminator */
};

/* A new empty secret able to hold cap bytes (1..TA_SECRET_MAX).
 * NULL on bad size or when memory cannot be had.  Locking is best effort:
 * under a small RLIMIT_MEMLOCK the secret is still usable, only swappable
 * (the agent raises the limit or runs with LimitMEMLOCK= set). */
struct ta_secret *ta_secret_new(size_t cap);

/* A new secret holding a copy of len (0..TA_SECRET_MAX) bytes of p; an
 * empty secret is an empty PIN, which some tokens use.  NULL on OOM. */
struct ta_secret *ta_secret_from(const void *p, size_t len);

/* Appends; TA_ERR_TOO_LARGE when it does not fit (the secret is unchanged). */
int ta_secret_append(struct ta_secret *s, const void *p, size_t len)
    __attribute__((warn_unused_result));

/* Wipes, unlocks and unmaps.  NULL is a no-op. */
void ta_secret_free(struct ta_secret *s);

/* Wipes len bytes at p; the compiler may not elide it. */
void ta_wipe(void *p, size_t len);

/* ta_wipe() then free(); NULL is a no-op. */
void ta_wipe_free(void *p, size_t len);

/* free(3) that first wipes the whole block (malloc_usable_size): a free
 * function for libraries that copy secrets into blocks of their own
 * (jansson's json_set_alloc_funcs).  NULL is a no-op. */
void ta_free_wiping(void *p);

#endif
