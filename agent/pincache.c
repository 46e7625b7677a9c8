/* The per-token PIN cache (agent/pincache.h). */
#include <stddef.h>

#include "agent/pincache.h"
#include "common/err.h"
#include "common/secret.h"

void
ta_pincache_init(struct ta_pincache *pc)
{
	pthread_mutex_init(&pc->lock, NULL);
	pc->pin = NULL;
	pc->expires_ms = 0;
	pc->uses = 0;
	pc->generation = 0;
	pc->refused = false;
}

void
ta_pincache_destroy(struct ta_pincache *pc)
{
	(void)ta_pincache_wipe(pc);
	pthread_mutex_destroy(&pc->lock);
}

/* With pc->lock held. */
static bool
wipe_locked(struct ta_pincache *pc)
{
	bool had = pc->pin != NULL;

	ta_secret_free(pc->pin);
	pc->pin = NULL;
	pc->expires_ms = 0;
	pc->uses = 0;
	return had;
}

int
ta_pincache_put(struct ta_pincache *pc, const struct ta_secret *pin, unsigned long generation,
    long long now_ms, long long ttl_ms, unsigned uses)
{
	struct ta_secret *copy = ta_secret_from(pin->data, pin->len);

	if (copy == NULL)
		return TA_ERR_NOMEM;
	pthread_mutex_lock(&pc->lock);
	(void)wipe_locked(pc);
	pc->pin = copy;
	pc->generation = generation;
	pc->expires_ms = now_ms + ttl_ms;
	pc->uses = uses;
	pthread_mutex_unlock(&pc->lock);
	return 0;
}

int
ta_pincache_take(struct ta_pincache *pc, unsigned long generation, long long now_ms,
    struct ta_secret **ret)
{
	struct ta_secret *copy = NULL;
	int r = TA_ERR_NOT_FOUND;

	pthread_mutex_lock(&pc->lock);
	if (pc->pin != NULL && (pc->generation != generation || now_ms >= pc->expires_ms))
		(void)wipe_locked(pc);
	if (pc->pin != NULL) {
		if ((copy = ta_secret_from(pc->pin->data, pc->pin->len)) == NULL) {
			r = TA_ERR_NOMEM;
		} else {
			r = 0;
			if (pc->uses > 0 && --pc->uses == 0)
				(void)wipe_locked(pc);
		}
	}
	pthread_mutex_unlock(&pc->lock);
	if (r == 0)
		*ret = copy;
	return r;
}

bool
ta_pincache_wipe(struct ta_pincache *pc)
{
	bool had;

	pthread_mutex_lock(&pc->lock);
	had = wipe_locked(pc);
	pthread_mutex_unlock(&pc->lock);
	return had;
}

bool
ta_pincache_expire(struct ta_pincache *pc, long long now_ms)
{
	bool did = false;

	pthread_mutex_lock(&pc->lock);
	if (pc->pin != NULL && now_ms >= pc->expires_ms)
		did = wipe_locked(pc);
	pthread_mutex_unlock(&pc->lock);
	return did;
}

void
ta_pincache_set_refused(struct ta_pincache *pc, bool refused)
{
	pthread_mutex_lock(&pc->lock);
	pc->refused = refused;
	pthread_mutex_unlock(&pc->lock);
}

bool
ta_pincache_refused(struct ta_pincache *pc)
{
	bool r;

	pthread_mutex_lock(&pc->lock);
	r = pc->refused;
	pthread_mutex_unlock(&pc->lock);
	return r;
}
