/* The per-token key cache: listings of a token as immutable, shared sets. */
#include <stdlib.h>
#include <string.h>

#include "agent/keycache.h"
#include "common/clock.h"
#include "common/err.h"

/* A lookup that finds nothing lists a token again at most this often. */
#define MISS_REFRESH_MS 1000

int
ta_cached_key_init(struct ta_cached_key *ck, struct ta_p11_key *key)
{
	const uint8_t *spki = key->spki;
	size_t len = key->spki_len;
	int r;

	memset(ck, 0, sizeof(*ck));
	ck->key = *key;
	memset(key, 0, sizeof(*key));
	if (spki == NULL || ck->key.type == TA_KEY_NONE) {
		ck->ids_r = TA_ERR_UNSUPPORTED;
		return 0;
	}
	if ((r = ta_key_from_spki(TA_PROFILE_NOTARY, spki, len, &ck->notary)) != 0 ||
	    (r = ta_key_from_spki(TA_PROFILE_TUF, spki, len, &ck->tuf)) != 0) {
		ta_key_free(ck->notary);
		ck->notary = NULL;
		if (r == TA_ERR_NOMEM)
			return r;
		ck->ids_r = r;
		return 0;
	}
	memcpy(ck->notary_id, ta_key_id(ck->notary), TA_KEY_ID_SIZE);
	memcpy(ck->tuf_id, ta_key_id(ck->tuf), TA_KEY_ID_SIZE);
	/* A certificate that does not parse is no x509 key; the key stays. */
	if (ck->key.cert != NULL &&
	    ta_key_from_cert(ck->key.cert, ck->key.cert_len, &ck->x509) == 0)
		memcpy(ck->x509_id, ta_key_id(ck->x509), TA_KEY_ID_SIZE);
	return 0;
}

void
ta_cached_key_clear(struct ta_cached_key *ck)
{
	if (ck == NULL)
		return;
	ta_key_free(ck->notary);
	ta_key_free(ck->tuf);
	ta_key_free(ck->x509);
	ta_p11_key_clear(&ck->key);
	memset(ck, 0, sizeof(*ck));
}

void
ta_keyset_ref(struct ta_keyset *ks)
{
	atomic_fetch_add_explicit(&ks->refs, 1, memory_order_relaxed);
}

void
ta_keyset_unref(struct ta_keyset *ks)
{
	if (ks == NULL || atomic_fetch_sub_explicit(&ks->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < ks->n; i++)
		ta_cached_key_clear(&ks->keys[i]);
	free(ks);
}

void
ta_keycache_init(struct ta_keycache *kc)
{
	memset(kc, 0, sizeof(*kc));
	pthread_mutex_init(&kc->lock, NULL);
	pthread_mutex_init(&kc->fill, NULL);
}

void
ta_keycache_destroy(struct ta_keycache *kc)
{
	ta_keyset_unref(kc->cur);
	kc->cur = NULL;
	pthread_mutex_destroy(&kc->lock);
	pthread_mutex_destroy(&kc->fill);
}

/* A new set from a listing of the token (one reference). */
static int
keyset_make(struct ta_p11_token *p11, struct ta_keyset **ret)
{
	struct ta_p11_token_info in;
	struct ta_p11_key *keys = NULL;
	struct ta_keyset *ks = NULL;
	unsigned long gen = ta_p11_token_generation(p11);
	size_t n = 0;
	int r;

	/* The generation is read first: a set listed across a return is
	 * marked with the older one, and never used. */
	if ((r = ta_p11_key_list(p11, &keys, &n)) != 0)
		return r;
	if ((r = ta_p11_token_info(p11, &in)) != 0)
		goto out;
	if ((ks = calloc(1, sizeof(*ks) + n * sizeof(ks->keys[0]))) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	atomic_init(&ks->refs, 1);
	ks->generation = gen;
	/* Private keys are invisible while logged out. */
	ks->locked = n == 0 && (in.flags & TA_TOK_LOGIN_REQUIRED) && !(in.flags & TA_TOK_LOGGED_IN);
	memcpy(ks->label, in.label, sizeof(ks->label));
	memcpy(ks->serial, in.serial, sizeof(ks->serial));
	memcpy(ks->manufacturer, in.manufacturer, sizeof(ks->manufacturer));
	memcpy(ks->model, in.model, sizeof(ks->model));
	for (size_t i = 0; i < n; i++) {
		if ((r = ta_cached_key_init(&ks->keys[i], &keys[i])) != 0)
			goto out;
		ks->n++;
	}
	*ret = ks;
	ks = NULL;
out:
	ta_keyset_unref(ks);
	ta_p11_keys_free(keys, n);
	return r;
}

/* With kc->fill held: lists the token, installs the set unless a drop came
 * in between (the listing may be of the token before it went), and hands
 * the caller a reference when ret is not NULL. */
static int
refresh_filling(struct ta_keycache *kc, struct ta_p11_token *p11, struct ta_keyset **ret)
{
	struct ta_keyset *ks = NULL, *old = NULL;
	unsigned long epoch;
	int r;

	pthread_mutex_lock(&kc->lock);
	epoch = kc->epoch;
	pthread_mutex_unlock(&kc->lock);
	if ((r = keyset_make(p11, &ks)) != 0)
		return r;
	pthread_mutex_lock(&kc->lock);
	if (kc->epoch == epoch) {
		old = kc->cur;
		kc->cur = ks;
		ta_keyset_ref(ks);
	}
	pthread_mutex_unlock(&kc->lock);
	ta_keyset_unref(old);
	if (ret != NULL)
		*ret = ks;
	else
		ta_keyset_unref(ks);
	return 0;
}

/* A reference to the current set when it is of this insertion. */
static struct ta_keyset *
current(struct ta_keycache *kc, unsigned long gen)
{
	struct ta_keyset *ks;

	pthread_mutex_lock(&kc->lock);
	ks = kc->cur;
	if (ks != NULL && ks->generation == gen)
		ta_keyset_ref(ks);
	else
		ks = NULL;
	pthread_mutex_unlock(&kc->lock);
	return ks;
}

int
ta_keycache_get(struct ta_keycache *kc, struct ta_p11_token *p11, struct ta_keyset **ret)
{
	unsigned long gen = ta_p11_token_generation(p11);
	struct ta_keyset *ks;
	int r;

	if ((ks = current(kc, gen)) != NULL) {
		*ret = ks;
		return 0;
	}
	pthread_mutex_lock(&kc->fill);
	/* Another request may have listed the token while this one waited. */
	if ((ks = current(kc, gen)) != NULL) {
		pthread_mutex_unlock(&kc->fill);
		*ret = ks;
		return 0;
	}
	r = refresh_filling(kc, p11, ret);
	pthread_mutex_unlock(&kc->fill);
	return r;
}

int
ta_keycache_refresh(struct ta_keycache *kc, struct ta_p11_token *p11, struct ta_keyset **ret)
{
	int r;

	pthread_mutex_lock(&kc->fill);
	r = refresh_filling(kc, p11, ret);
	pthread_mutex_unlock(&kc->fill);
	if (r != 0)
		ta_keycache_drop(kc);
	return r;
}

int
ta_keycache_miss(struct ta_keycache *kc, struct ta_p11_token *p11, const struct ta_keyset *seen,
    struct ta_keyset **ret)
{
	unsigned long gen = ta_p11_token_generation(p11);
	long long now;
	int r;

	pthread_mutex_lock(&kc->fill);
	pthread_mutex_lock(&kc->lock);
	/* seen is referenced by the caller, so its address is not reused. */
	if (kc->cur != NULL && kc->cur != seen && kc->cur->generation == gen) {
		*ret = kc->cur;
		ta_keyset_ref(*ret);
		pthread_mutex_unlock(&kc->lock);
		pthread_mutex_unlock(&kc->fill);
		return 1;
	}
	now = ta_now_ms();
	if (kc->cur != NULL && kc->cur->generation == gen && kc->last_miss_ms != 0 &&
	    now - kc->last_miss_ms < MISS_REFRESH_MS) {
		pthread_mutex_unlock(&kc->lock);
		pthread_mutex_unlock(&kc->fill);
		return 0;
	}
	kc->last_miss_ms = now;
	pthread_mutex_unlock(&kc->lock);
	r = refresh_filling(kc, p11, ret);
	pthread_mutex_unlock(&kc->fill);
	return r == 0 ? 1 : r;
}

void
ta_keycache_drop(struct ta_keycache *kc)
{
	struct ta_keyset *old;

	pthread_mutex_lock(&kc->lock);
	old = kc->cur;
	kc->cur = NULL;
	kc->epoch++;
	pthread_mutex_unlock(&kc->lock);
	ta_keyset_unref(old);
}
