/* tuf-agent's process state, shared by main.c, server.c, tokens.c and the
 * handlers.
 *
 * Where each concern lives (agent/):
 *	main.c       start-up, signals, reload, drain and exit: the owner of
 *	             this struct, the only file that calls down into all others
 *	server.c     the socket: connections, frames, admission of big frames
 *	job.c        a request's life on workers, its response, its audit record
 *	budget.c     the memory budget for big frames (max-buffer, per uid)
 *	sockpath.c   the listening socket's path (stale sockets, live agents)
 *	handlers.c   dispatch and the methods that do not sign
 *	signjob.c    sign and key.cert (what is signed: tuf/signplan.h)
 *	policy.c     whether a peer may: the [allow] rules and key scopes
 *	scope.c      the key scopes' store (state-directory/scopes.json)
 *	rules.c      the rules in force, reference-counted across SIGHUP
 *	tokens.c     the token watch (absent, present, logged in) and PINs
 *	keys.c       finding a request's keys in the caches; the token signer
 *	keycache.c   each token's keys, listed once and shared between threads
 *	config.c     the configuration's sections, keys and their meaning
 *	confparse.c  its line reader (libinih), error texts, value parsers
 *	pin.c audit.c   PIN sources, audit records
 * A PKCS#11 error becomes a user's message in handlers.c
 * (ta_handle_key_error) and signjob.c; a sign request's policy is decided
 * by policy.c (ta_policy_decide), called from signjob.c on the worker.
 *
 * Glossary:
 *	job          one request, from its frame to its response (server.h)
 *	cached key   a token's private key as the cache keeps it (keycache.h)
 *	key ref      a request's hold on a cached key (keys.h)
 *	scope        the GUNs and roles a key may sign for (scope.h)
 *	rules        the [allow] rules a request is judged by (rules.h)
 *	quiet        something that kept the process alive has ended
 *
 * Threads.  Everything in struct ta_agent belongs to the loop thread.  Work
 * that blocks (PKCS#11, PIN sources, parsing and signing metadata) runs in
 * libuv's thread pool on a struct ta_job (job.h) or a token watch job
 * (tokens.c), which carry what the worker needs; the worker never reads this
 * struct, apart from the fields documented as fixed after start-up.
 *
 * Calls go down only (scripts/check-includes refuses an include circle in
 * agent/): the two calls up, from the server and the token watch, are the
 * callbacks quiet and dispatch below, which main.c sets. */
#ifndef TA_AGENT_AGENT_H
#define TA_AGENT_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <uv.h>

#include "agent/config.h"
#include "agent/rules.h"

struct ta_audit;
struct ta_job;
struct ta_p11_ctx;
struct ta_scopes;
struct ta_server;
struct ta_tokens;

#define TA_AGENT_NAME "tuf-agent " TA_VERSION

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
	/* The calls up, set by main.c before the loop runs, so that no file
	 * below main.c calls back into it or into the handlers: */
	void (*quiet)(struct ta_agent *ag);   /* something that kept the process alive
						 (a job, a connection, a token watch) has
						 ended: a draining agent may exit */
	void (*dispatch)(struct ta_job *job); /* run a decoded request (handlers.c) */
};




#endif
