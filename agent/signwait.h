/* A signature waiting on a token, as the touch notice sees it: since when
 * (ta_now_ms(), 0 when none is on the token) and what waits ("touch your
 * YubiKey (slot 9c) to sign with key '...'").  A worker begins and ends
 * the wait; the loop reads both at once (one lock for all jobs: held for
 * a copy of a short text). */
#ifndef TA_AGENT_SIGNWAIT_H
#define TA_AGENT_SIGNWAIT_H

#include <stddef.h>

#define TA_SIGNWAIT_WHAT_MAX 200

struct ta_signwait {
	long long since;
	char what[TA_SIGNWAIT_WHAT_MAX + 1]; /* "" : the protocol's default text */
};

void ta_signwait_init(struct ta_signwait *w);
/* Worker: a signature starts now; what may be NULL (the default text). */
void ta_signwait_begin(struct ta_signwait *w, const char *what);
void ta_signwait_end(struct ta_signwait *w);
/* Loop: since (0: nothing waits), and what into buf (len > 0). */
long long ta_signwait_get(const struct ta_signwait *w, char *buf, size_t len);

#endif
