/* tuf-agent: start-up, signals, shut-down.
 *
 *	tuf-agent [--config FILE] [--socket PATH] [--foreground] [--version]
 *	tuf-agent --check-config [FILE]
 *
 * The agent never forks: systemd (or a shell) runs it in the foreground.
 * --foreground only raises the log level to debug (every connection,
 * request refusal and touch notice is logged on stderr); without it the
 * agent logs at info.  TA_DEBUG=1 does the same as --foreground for the log.
 * TA_AGENT_WATCH_MS sets how often tokens are checked (tokens.h). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <uv.h>

#include "agent/agent.h"
#include "agent/audit.h"
#include "agent/config.h"
#include "agent/handlers.h"
#include "agent/pin.h"
#include "agent/policy.h"
#include "agent/scope.h"
#include "agent/server.h"
#include "agent/tokens.h"
#include "common/err.h"
#include "common/log.h"
#include "pkcs11/p11.h"
#include "protocol/proto.h"

#define DEFAULT_CONFIG "/etc/tuf-agent/tuf-agent.conf"
#define SYSTEM_SOCKET "/run/tuf-agent/agent.sock"
#define THREADPOOL_MAX 1024 /* libuv's own bound */

static void
usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: tuf-agent [--config FILE] [--socket PATH] [--foreground] [--version]\n"
	    "       tuf-agent --check-config [FILE]   check a configuration, then exit\n"
	    "  --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
	    "  --socket PATH   listen here (default: the configuration's socket, else\n"
	    "                  $XDG_RUNTIME_DIR/tuf-agent/agent.sock for a user, else\n"
	    "                  " SYSTEM_SOCKET "); ignored under socket activation\n"
	    "  --foreground    log at debug level on stderr (the agent never forks)\n"
	    "  --version       print the version and exit\n"
	    "environment: TA_AGENT_WATCH_MS  how often tokens are checked (default 2000)\n"
	    "             TA_DEBUG=1         log at debug level\n");
}

/* Not dumpable, no core files, private files: the process holds PINs. */
static int
harden(void)
{
	struct rlimit no_core = {0, 0};

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setrlimit(RLIMIT_CORE, &no_core) != 0)
		return TA_ERR_SYSTEM;
	(void)umask(077);
	(void)signal(SIGPIPE, SIG_IGN);
	/* Big request buffers (frames, jansson's lexer and strings) must go
	 * back to the system when freed, or the memory budget (server.c) bounds
	 * what is charged but not the RSS: glibc's default threshold rises
	 * after the first free of a big block, up to 32 MiB, and the heap and
	 * per-thread arenas then keep what those blocks held.  A fixed
	 * threshold serves every block from 128 KiB up with its own mapping. */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	return 0;
}

static int
socket_path(struct ta_agent *ag, const char *opt)
{
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	int n;

	if (opt != NULL)
		n = snprintf(ag->socket_path, sizeof(ag->socket_path), "%s", opt);
	else if (ag->cfg->socket[0] != '\0')
		n = snprintf(ag->socket_path, sizeof(ag->socket_path), "%s", ag->cfg->socket);
	else if (getuid() != 0 && xdg != NULL && xdg[0] == '/')
		n = snprintf(
		    ag->socket_path, sizeof(ag->socket_path), "%s/tuf-agent/agent.sock", xdg);
	else
		n = snprintf(ag->socket_path, sizeof(ag->socket_path), "%s", SYSTEM_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(ag->socket_path)) {
		log_err("the socket path is longer than %zu bytes", sizeof(ag->socket_path) - 1);
		return TA_ERR_TOO_LARGE;
	}
	return 0;
}

/* One worker per token session, two for the token watch and the rest, and
 * the big decodes' own (so that they never hold up status); set before the
 * first uv_queue_work creates the pool. */
static void
threadpool_size(const struct ta_agent *ag)
{
	unsigned long want = ta_tokens_sessions(ag) + 2 + TA_SERVER_DECODE_SLOTS, have = 0;
	const char *env = getenv("UV_THREADPOOL_SIZE");
	char buf[16];

	if (env != NULL)
		have = strtoul(env, NULL, 10);
	if (want > THREADPOOL_MAX)
		want = THREADPOOL_MAX;
	if (have >= want)
		return;
	(void)snprintf(buf, sizeof(buf), "%lu", want);
	(void)setenv("UV_THREADPOOL_SIZE", buf, 1);
}

static void
close_signals(struct ta_agent *ag)
{
	uv_close((uv_handle_t *)&ag->sig_term, NULL);
	uv_close((uv_handle_t *)&ag->sig_int, NULL);
	uv_close((uv_handle_t *)&ag->sig_hup, NULL);
}

/* ag->quiet: when draining and nothing is left, close the last handles so
 * that uv_run() returns. */
static void
agent_quiet(struct ta_agent *ag)
{
	if (!ag->stopping || ag->closing || ag->work > 0 || !ta_server_idle(ag) ||
	    ta_tokens_busy(ag) > 0)
		return;
	ag->closing = true;
	log_debug("drained: exiting");
	ta_server_close(ag);
	ta_tokens_close(ag);
	close_signals(ag);
}

static void
stop(struct ta_agent *ag, int code)
{
	if (ag->stopping)
		return;
	ag->stopping = true;
	if (code != 0)
		ag->exit_code = code;
	(void)sd_notify(0, "STOPPING=1\nSTATUS=finishing the requests in flight");
	ta_tokens_stop(ag);
	ta_server_stop(ag);
	agent_quiet(ag);
}

static void
warn_log(const char *msg, void *arg)
{
	(void)arg;
	log_warn("%s", msg);
}

/* SIGHUP: the [allow] rules, from the same file; the rest stays.  Requests
 * in flight keep the rules they arrived under (agent.h). */
static void
reload(struct ta_agent *ag)
{
	struct ta_config *n = malloc(sizeof(*n));
	struct ta_rules *rules;
	char err[512] = "";
	int r;

	if (n == NULL) {
		log_err_r(TA_ERR_NOMEM, "SIGHUP: configuration not reloaded");
		return;
	}
	ta_config_init(n);
	if ((r = ta_config_load(n, ag->config_path, err, sizeof(err))) != 0) {
		log_err("SIGHUP: '%s' not reloaded (%s); the rules in force are kept",
		    ag->config_path, err[0] != '\0' ? err : ta_strerror(r));
		free(n);
		return;
	}
	if ((rules = ta_rules_new(n, n)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "SIGHUP: configuration not reloaded");
		free(n);
		return;
	}
	if (n->n_tokens != ag->cfg->n_tokens)
		log_warn("SIGHUP: [token] sections changed; tokens change only at a restart");
	log_info("SIGHUP: %zu [allow] rule(s) reloaded from '%s'", n->n_rules, ag->config_path);
	(void)ta_policy_warnings(n, warn_log, NULL);
	ta_rules_unref(ag->rules);
	ag->rules = rules;
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct ta_agent *ag = h->data;

	if (signum == SIGHUP) {
		reload(ag);
		return;
	}
	if (ag->stopping) {
		log_warn("%s again: exiting now, with requests in flight", strsignal(signum));
		_exit(1);
	}
	log_info("%s: stopping once the requests in flight are answered", strsignal(signum));
	stop(ag, 0);
}

static void
tokens_ready(struct ta_agent *ag)
{
	char status[256];

	if (ag->stopping) {
		agent_quiet(ag);
		return;
	}
	if (ta_server_start(ag) != 0) {
		stop(ag, 1);
		return;
	}
	(void)snprintf(status, sizeof(status), "READY=1\nSTATUS=serving %zu token(s) on %s",
	    ag->cfg->n_tokens, ag->socket_path);
	(void)sd_notify(0, status);
}

/* Closes a handle left open; after a whole run (arg not NULL) that is a
 * bug, logged and counted, as libuv's own tests count leaked handles. */
static void
walk_close(uv_handle_t *h, void *arg)
{
	unsigned *leaked = arg;

	if (uv_is_closing(h))
		return;
	if (leaked != NULL) {
		log_err("a %s handle was left open at exit", uv_handle_type_name(uv_handle_get_type(h)));
		(*leaked)++;
	}
	uv_close(h, NULL);
}

static void
warn_print(const char *msg, void *arg)
{
	(void)arg;
	(void)fprintf(stderr, "tuf-agent: warning: %s\n", msg);
}

/* --check-config: the file parses, and what its rules leave to key scopes;
 * 0 when it loads (warnings or not), 1 when it does not. */
static int
check_config(const char *path)
{
	struct ta_config *cfg = malloc(sizeof(*cfg));
	char err[512] = "";
	size_t n;
	int r;

	if (cfg == NULL) {
		(void)fprintf(stderr, "tuf-agent: out of memory\n");
		return 1;
	}
	ta_config_init(cfg);
	if ((r = ta_config_load(cfg, path, err, sizeof(err))) != 0) {
		(void)fprintf(stderr, "tuf-agent: %s: %s\n", path,
		    err[0] != '\0' ? err : ta_strerror(r));
		free(cfg);
		return 1;
	}
	n = ta_policy_warnings(cfg, warn_print, NULL);
	(void)printf("%s: %zu token(s), %zu rule(s), %zu warning(s)\n", path, cfg->n_tokens,
	    cfg->n_rules, n);
	free(cfg);
	return 0;
}

/* The key scopes' store: the configured state directory, or the default. */
static int
scopes_open(struct ta_agent *ag)
{
	char dir[4096], err[512] = "";
	int r;

	if (ag->cfg->state_dir[0] != '\0')
		(void)snprintf(dir, sizeof(dir), "%s", ag->cfg->state_dir);
	else if (ta_scope_default_dir(dir, sizeof(dir)) != 0) {
		log_err("no state directory for the key scopes: set state-directory in [agent] "
			"(or STATE_DIRECTORY, XDG_STATE_HOME or HOME)");
		return 1;
	}
	if ((r = ta_scopes_open(dir, &ag->scopes, err, sizeof(err))) != 0) {
		log_err("key scopes: %s", err[0] != '\0' ? err : ta_strerror(r));
		return 1;
	}
	log_debug("key scopes in %s/%s", dir, TA_SCOPE_FILE);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"version", no_argument, NULL, 'V'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct ta_agent agent;
	struct ta_agent *ag = &agent;
	const char *opt_socket = NULL, *audit;
	char err[512] = "";
	bool loop_init = false, check_only = false, ran = false;
	unsigned leaked = 0;
	int c, r, ret = 1;

	ag->config_path = DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:s:fVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ag->config_path = optarg;
			break;
		case 's':
			opt_socket = optarg;
			break;
		case 'f':
			ag->foreground = true;
			break;
		case 'V':
			(void)printf("%s\n", TA_AGENT_NAME);
			return 0;
		case 'C':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (check_only && optind + 1 == argc)
		return check_config(argv[optind]);
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check_only)
		return check_config(ag->config_path);
	ta_log_init("tuf-agent", ag->foreground ? TA_LOG_DEBUG : TA_LOG_INFO);
	if (harden() != 0) {
		log_err("cannot make the process undumpable: %s", strerror(errno));
		return 1;
	}
	/* Before any jansson value exists and before threads start. */
	ta_proto_init();
	ag->uid = geteuid();
	ag->quiet = agent_quiet;
	ag->dispatch = ta_handle_request;

	if ((ag->cfg = malloc(sizeof(*ag->cfg))) == NULL) {
		log_err_r(TA_ERR_NOMEM, "start-up");
		return 1;
	}
	ta_config_init(ag->cfg);
	if ((r = ta_config_load(ag->cfg, ag->config_path, err, sizeof(err))) != 0) {
		log_err("configuration: %s", err[0] != '\0' ? err : ta_strerror(r));
		goto out;
	}
	/* While the process has one thread: env: PINs leave the environment. */
	for (size_t i = 0; i < ag->cfg->n_tokens; i++) {
		const struct ta_pin_source *ps = &ag->cfg->tokens[i].pin;

		if (ps->kind == TA_PIN_ENV && (r = ta_pin_env_take(ps->arg)) != 0) {
			log_err_r(r, "token '%s': PIN variable '%s'", ag->cfg->tokens[i].name,
			    ps->arg);
			goto out;
		}
	}
	if ((ag->rules = ta_rules_new(ag->cfg, NULL)) == NULL) {
		log_err_r(TA_ERR_NOMEM, "start-up");
		goto out;
	}
	if (socket_path(ag, opt_socket) != 0 || ta_server_check(ag) != 0)
		goto out;
	audit = ag->cfg->audit[0] != '\0' ? ag->cfg->audit : "journal";
	if ((ag->audit = ta_audit_open(audit)) == NULL) {
		log_err("cannot open the audit log '%s': %s", audit, strerror(errno));
		goto out;
	}
	if (scopes_open(ag) != 0)
		goto out;
	(void)ta_policy_warnings(ag->cfg, warn_log, NULL);
	threadpool_size(ag);
	if ((r = uv_loop_init(&ag->loop)) != 0) {
		log_err("event loop: %s", uv_strerror(r));
		goto out;
	}
	loop_init = true;
	if ((ag->p11 = ta_p11_ctx_new()) == NULL) {
		log_err_r(TA_ERR_NOMEM, "start-up");
		goto out;
	}
	ag->sig_term.data = ag->sig_int.data = ag->sig_hup.data = ag;
	if (uv_signal_init(&ag->loop, &ag->sig_term) != 0 ||
	    uv_signal_init(&ag->loop, &ag->sig_int) != 0 ||
	    uv_signal_init(&ag->loop, &ag->sig_hup) != 0 ||
	    uv_signal_start(&ag->sig_term, on_signal, SIGTERM) != 0 ||
	    uv_signal_start(&ag->sig_int, on_signal, SIGINT) != 0 ||
	    uv_signal_start(&ag->sig_hup, on_signal, SIGHUP) != 0) {
		log_err("cannot handle signals");
		goto out;
	}
	log_info("%s starting: configuration '%s', %zu token(s)", TA_AGENT_NAME, ag->config_path,
	    ag->cfg->n_tokens);
	if (ta_tokens_start(ag, tokens_ready) != 0) {
		log_err("cannot start the tokens");
		stop(ag, 1);
	}
	(void)uv_run(&ag->loop, UV_RUN_DEFAULT);
	ret = ag->exit_code;
	ran = true;
out:
	if (loop_init) {
		/* Handles left after an early failure are expected; after a whole
		 * run, every handle must have been closed: one left open fails the
		 * exit status (the agent's tests check it). */
		if (uv_loop_close(&ag->loop) == UV_EBUSY) {
			uv_walk(&ag->loop, walk_close, ran ? &leaked : NULL);
			(void)uv_run(&ag->loop, UV_RUN_DEFAULT);
			(void)uv_loop_close(&ag->loop);
			if (leaked > 0 && ret == 0)
				ret = 1;
		}
	}
	/* Join the worker threads: their thread-local state (OpenSSL's) is
	 * freed as they end, before the modules are finalized. */
	uv_library_shutdown();
	ta_server_free(ag);
	ta_tokens_free(ag);
	ta_p11_ctx_free(ag->p11);
	ta_audit_close(ag->audit);
	ta_scopes_free(ag->scopes);
	ta_rules_unref(ag->rules);
	ta_pin_env_forget();
	free(ag->cfg);
	if (ret == 0)
		log_info("stopped");
	return ret;
}
