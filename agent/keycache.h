/* The keys of each configured token, kept between requests.
 *
 * Finding a key on the token for every request cost more than the
 * signature: C_FindObjects and a dozen C_GetAttributeValue (SoftHSM2 reads
 * the key files again for each), the public key built and parsed twice
 * with OpenSSL, its key IDs hashed, and a token session held meanwhile.
 * The cache keeps, for every private key of a token, what requests need:
 * the object handle, CKA_ID, label, type, DER SPKI, stored certificate,
 * key IDs and the key objects of both profiles (whose EVP_PKEY verifies),
 * so that finding a key by label, key ID or PKCS#11 URI makes no PKCS#11
 * call and holds no session.
 *
 * Threads: read-copy-update with reference counts.  A struct ta_keyset is
 * one listing of a token, immutable once published; readers take a
 * reference under the cache's mutex (held for a pointer copy and an
 * increment, never across a PKCS#11 call) and read it without a lock for
 * as long as they hold it.  A refresh lists the token into a new set and
 * swaps it in; the old one is freed by whoever drops its last reference.
 * Refreshes of one token are serialised by a second mutex (fill), so that
 * requests that find the cache empty wait for one listing instead of each
 * making their own.  A struct ta_key is immutable and OpenSSL 3 allows
 * concurrent verifications with one EVP_PKEY, so key objects are shared.
 *
 * When a set stops being true:
 *  - the token goes away: the watch (tokens.c) drops the set; a set made
 *    in an earlier insertion of the token (ta_p11_token_generation) is
 *    never used, whoever noticed the return;
 *  - lock, unlock and automatic logins: private keys are invisible while
 *    logged out, so the set is dropped and made again;
 *  - key.generate and key.cert (stored) refresh the token's set, key.list
 *    lists afresh and installs what it found;
 *  - another program adds or removes keys behind the agent's back: a
 *    lookup that finds nothing refreshes the sets once (at most once a
 *    second per token: a client asking for keys that do not exist cannot
 *    make the agent list the token on every request), and a signature on a
 *    handle that is gone fails cleanly and drops the set. */
#ifndef TA_AGENT_KEYCACHE_H
#define TA_AGENT_KEYCACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pkcs11/p11.h"
#include "tuf/key.h"

/* One private key of a token, as the cache keeps it. */
struct ta_cached_key {
	struct ta_p11_key key; /* owns its SPKI and certificate */
	int ids_r;             /* 0, or why the key has no IDs (an unsupported type) */
	char notary_id[TA_KEY_ID_SIZE];
	char tuf_id[TA_KEY_ID_SIZE];
	char x509_id[TA_KEY_ID_SIZE]; /* "" without a (parseable) stored certificate */
	struct ta_key *notary, *tuf;  /* NULL when ids_r != 0 */
	struct ta_key *x509;          /* notary x509 key of the certificate, or NULL */
};

/* Takes what key owns (and clears it); fills the IDs and key objects.  A
 * key the profiles cannot express keeps ids_r != 0 and is still a key
 * (key.list leaves it out; a lookup by label reports why). */
int ta_cached_key_init(struct ta_cached_key *ck, struct ta_p11_key *key) __attribute__((warn_unused_result));
void ta_cached_key_clear(struct ta_cached_key *ck);

/* One listing of a token. */
struct ta_keyset {
	atomic_uint refs;
	unsigned long generation; /* ta_p11_token_generation() when listed */
	bool locked;              /* login required and not done: no private keys seen */
	char label[33], serial[17], manufacturer[33], model[17]; /* the token's */
	size_t n;
	struct ta_cached_key keys[];
};

void ta_keyset_ref(struct ta_keyset *ks);
/* NULL is a no-op; frees the set with its last reference. */
void ta_keyset_unref(struct ta_keyset *ks);

/* One per configured token, for the agent's lifetime. */
struct ta_keycache {
	pthread_mutex_t lock;   /* cur, epoch, last_miss_ms */
	pthread_mutex_t fill;   /* one listing at a time */
	struct ta_keyset *cur;  /* one reference; NULL when dropped */
	unsigned long epoch;    /* grows at each drop: older listings are stale */
	long long last_miss_ms; /* the last refresh a miss asked for */
};

void ta_keycache_init(struct ta_keycache *kc);
void ta_keycache_destroy(struct ta_keycache *kc);

/* A reference to the token's set, listing the token first when there is
 * none (or it is of an earlier insertion).  Blocking: worker threads only.
 * TA_ERR_TOKEN_ABSENT and the listing's other errors. */
int ta_keycache_get(struct ta_keycache *kc, struct ta_p11_token *p11, struct ta_keyset **ret)
    __attribute__((warn_unused_result));

/* Lists the token now and installs the set (unless a drop came meanwhile);
 * a reference to it in *ret when ret is not NULL.  When the listing fails
 * the set in the cache is dropped, as it may be stale: the next lookup
 * lists again.  Worker threads only. */
int ta_keycache_refresh(struct ta_keycache *kc, struct ta_p11_token *p11, struct ta_keyset **ret);

/* After a lookup in seen found nothing: 1 and a reference to a newer set
 * in *ret (made now, or by another thread since seen was taken), 0 when
 * the rate limit says no (*ret untouched), or a negative TA_ERR_*.
 * Worker threads only. */
int ta_keycache_miss(struct ta_keycache *kc, struct ta_p11_token *p11, const struct ta_keyset *seen,
    struct ta_keyset **ret) __attribute__((warn_unused_result));

/* Forgets the set (any thread; no PKCS#11 call). */
void ta_keycache_drop(struct ta_keycache *kc);

#endif
