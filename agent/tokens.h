/* The configured tokens: opening them, automatic logins, and the watch
 * that follows them as they come and go.
 *
 * At start every [token] is opened on a worker (module load, token lookup)
 * and, when its PIN source is file:, env:, pinentry or none, logged into
 * (never as an interactive login, so never on a token's final try).  Then a
 * timer, every TA_AGENT_WATCH_MS milliseconds (default 2000), queues a
 * refresh of each token on a worker: a token that is back is logged into
 * again when its source is file:, env: or none.  An automatic login that
 * failed is not tried again until an `unlock` succeeds, and a token locked
 * with `lock` stays locked until then.
 *
 * All of this is loop-thread state; jobs see tokens through
 * ta_tokens_snapshot(). */
#ifndef TA_AGENT_TOKENS_H
#define TA_AGENT_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

struct ta_agent;
struct ta_job;

/* Allocates the table and queues the first pass; ready(ag) is called on
 * the loop once every token has had its first try (at once when there are
 * none).  0 or a negative TA_ERR_*. */
int ta_tokens_start(struct ta_agent *ag, void (*ready)(struct ta_agent *ag))
    __attribute__((warn_unused_result));

/* Stops the watch (draining); tokens jobs already queued finish. */
void ta_tokens_stop(struct ta_agent *ag);

/* Closes the watch timer; frees the table after the loop has run. */
void ta_tokens_close(struct ta_agent *ag);
void ta_tokens_free(struct ta_agent *ag);

/* Token jobs in flight. */
unsigned ta_tokens_busy(const struct ta_agent *ag);

/* Fills job->toks with every configured token. */
void ta_tokens_snapshot(struct ta_agent *ag, struct ta_job *job);

/* The index of the token a request names: "" is the only configured token
 * (TA_ERR_AMBIGUOUS when there are several, TA_ERR_NOT_FOUND when none);
 * else a token name, the configured URI, or a PKCS#11 URI whose token
 * attributes match one token's.  TA_ERR_NOT_FOUND otherwise. */
int ta_tokens_find(struct ta_agent *ag, const char *name_or_uri, size_t *ret_idx)
    __attribute__((warn_unused_result));

/* unlock and lock bookkeeping, on the loop: an unlock starts (no automatic
 * login meanwhile) and ends with r; a lock starts (no automatic login from
 * now until an unlock succeeds), and logged the token out. */
void ta_tokens_unlock_begin(struct ta_agent *ag, size_t idx);
void ta_tokens_unlock_end(struct ta_agent *ag, size_t idx, int r);
void ta_tokens_lock_begin(struct ta_agent *ag, size_t idx);
void ta_tokens_locked(struct ta_agent *ag, size_t idx);

/* Sum of the configured sessions of every token. */
unsigned ta_tokens_sessions(const struct ta_agent *ag);

#endif
