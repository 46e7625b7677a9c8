/* A token's PIN cache for keys that want a PIN for every signature
 * (CKA_ALWAYS_AUTHENTICATE: a YubiKey slot with PIN policy "always").
 *
 * The agent asks for that PIN per signature (pinentry) or takes it from
 * `tufctl unlock`; with `pin-cache = DURATION` ([token], tuf-agent.conf(5))
 * it keeps the PIN that long, in locked memory (common/secret.h), for the
 * signatures that follow.  The cache is wiped on `lock`, when its time is
 * up (the token watch calls ta_pincache_expire() every round), when the
 * token is removed (a PIN given for one insertion never serves the next:
 * the token generation is checked too), and after any PIN error.
 *
 * Thread-safe: workers take and put PINs, the loop wipes. */
#ifndef TA_AGENT_PINCACHE_H
#define TA_AGENT_PINCACHE_H

#include <pthread.h>
#include <stdbool.h>

struct ta_secret;

struct ta_pincache {
	pthread_mutex_t lock;
	struct ta_secret *pin;    /* NULL: none */
	long long expires_ms;     /* ta_now_ms() deadline */
	unsigned uses;            /* signatures it may still serve; 0: until expiry */
	unsigned long generation; /* the token insertion it was given for */
	bool refused;             /* an automatic source's PIN was refused */
};

/* How long `tufctl unlock`'s PIN waits for its one signature when there is
 * no cache (pin-cache = 0). */
#define TA_PINCACHE_ONE_USE_MS ((long long)5 * 60 * 1000)

void ta_pincache_init(struct ta_pincache *pc);
/* Wipes; the struct is unusable after. */
void ta_pincache_destroy(struct ta_pincache *pc);

/* Keeps a copy of pin (the caller keeps its own) for the token insertion
 * generation until now_ms + ttl_ms, for `uses` signatures (0: any number
 * until then).  Replaces what was there.  0 or TA_ERR_NOMEM. */
int ta_pincache_put(struct ta_pincache *pc, const struct ta_secret *pin, unsigned long generation,
    long long now_ms, long long ttl_ms, unsigned uses) __attribute__((warn_unused_result));

/* A copy of the cached PIN in *ret (the caller frees it) when there is one
 * for this generation and its time is not up; a PIN with uses left counts
 * one down and is wiped at 0.  0, TA_ERR_NOT_FOUND, TA_ERR_NOMEM. */
int ta_pincache_take(struct ta_pincache *pc, unsigned long generation, long long now_ms,
    struct ta_secret **ret) __attribute__((warn_unused_result));

/* Wipes the PIN; true when there was one. */
bool ta_pincache_wipe(struct ta_pincache *pc);

/* Wipes the PIN when its time is up; true when it did. */
bool ta_pincache_expire(struct ta_pincache *pc, long long now_ms);

/* A PIN the token refused came from an automatic source (file:, env:):
 * no signature tries it again until an unlock succeeds (refused false). */
void ta_pincache_set_refused(struct ta_pincache *pc, bool refused);
bool ta_pincache_refused(struct ta_pincache *pc);

#endif
