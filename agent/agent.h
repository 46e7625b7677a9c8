/* tuf-agent's process state, shared by main.c, server.c, tokens.c and the
 * handlers.
 *
 * Threads.  Everything in struct ta_agent belongs to the loop thread.  Work
 * that blocks (PKCS#11, PIN sources, parsing and signing metadata) runs in
 * libuv's thread pool on a struct ta_job (server.h) or a token watch job
 * (tokens.c), which carry what the worker needs; the worker never reads this
 * struct, apart from the fields documented as fixed after start-up. */
#ifndef TA_AGENT_AGENT_H
#define TA_AGENT_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <uv.h>

#include "agent/config.h"

struct ta_audit;
struct ta_p11_ctx;
struct ta_scopes;
struct ta_server;
struct ta_tokens;

#define TA_AGENT_NAME "tuf-agent " TA_VERSION

/* The [allow] rules in force, immutable: SIGHUP makes a new set and swaps
 * it in (loop thread); each request holds a reference to the set it
 * arrived under and is judged by it throughout, so that its policy checks
 * can run on a worker (signjob.c checks the keys and expiry there, beside
 * the signature) without a lock, and a reload never changes the rules
 * under a check. */
struct ta_rules {
	atomic_uint refs;
	const struct ta_config *cfg; /* only its rules are read */
	struct ta_config *owned;     /* freed with the set; NULL: the start-up cfg */
};

struct ta_agent {
	uv_loop_t loop;
	/* Fixed after start-up, and read by workers: cfg->tokens, n_tokens and
	 * the [agent] values.  cfg->rules are the start-up rules: the rules in
	 * force are rules->cfg->rules. */
	struct ta_config *cfg;
	struct ta_rules *rules; /* loop thread; one reference */
	const char *config_path;
	char socket_path[108];
	bool foreground;
	uid_t uid; /* the agent's own uid, for the default policy */
	struct ta_audit *audit;
	struct ta_scopes *scopes; /* fixed after start-up; thread-safe (scope.h) */
	struct ta_p11_ctx *p11;   /* thread-safe (pkcs11/p11.h) */
	struct ta_tokens *tokens; /* tokens.c */
	struct ta_server *server; /* server.c */
	uv_signal_t sig_term, sig_int, sig_hup;
	bool stopping; /* SIGTERM/SIGINT: draining */
	bool closing;  /* drained: the last handles are closing */
	int exit_code;
	unsigned work; /* uv_work_t requests queued or running */
};

/* main.c: something that kept the process alive has ended (a job, a
 * connection); when draining and nothing is left, close the last handles so
 * that uv_run() returns. */
void ta_agent_maybe_exit(struct ta_agent *ag);

/* main.c: a new reference to the rules in force (loop thread); dropping
 * one is thread-safe (NULL is a no-op). */
struct ta_rules *ta_agent_rules(struct ta_agent *ag);
void ta_rules_unref(struct ta_rules *rules);

/* Milliseconds on the monotonic clock (uv_hrtime), from any thread. */
long long ta_agent_now_ms(void);

#endif
