/* Signatures waiting on a token (agent/signwait.h). */
#include <pthread.h>
#include <stdio.h>

#include "agent/signwait.h"
#include "common/clock.h"

static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;

void
ta_signwait_init(struct ta_signwait *w)
{
	w->since = 0;
	w->what[0] = '\0';
}

void
ta_signwait_begin(struct ta_signwait *w, const char *what)
{
	pthread_mutex_lock(&wait_lock);
	(void)snprintf(w->what, sizeof(w->what), "%s", what != NULL ? what : "");
	w->since = ta_now_ms();
	pthread_mutex_unlock(&wait_lock);
}

void
ta_signwait_end(struct ta_signwait *w)
{
	pthread_mutex_lock(&wait_lock);
	w->since = 0;
	pthread_mutex_unlock(&wait_lock);
}

long long
ta_signwait_get(const struct ta_signwait *w, char *buf, size_t len)
{
	long long since;

	pthread_mutex_lock(&wait_lock);
	since = w->since;
	(void)snprintf(buf, len, "%s", w->what);
	pthread_mutex_unlock(&wait_lock);
	return since;
}
