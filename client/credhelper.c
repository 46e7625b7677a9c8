/* docker-credential-NAME get (client/credhelper.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/credhelper.h"
#include "common/err.h"
#include "common/secret.h"

extern char **environ;

int
tn_helper_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= TN_HELPER_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static long
now_ms(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Kills and reaps pid; its exit status, or -1. */
static int
reap(pid_t pid, bool kill_it)
{
	int st = 0;

	if (kill_it)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
tn_helper_run(const char *name, const char *server, int timeout_ms, char **ret,
    size_t *ret_len, size_t *ret_cap, int *ret_status)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	char prog[32 + TN_HELPER_NAME_MAX], *argv[3], *buf = NULL;
	const size_t cap = TN_HELPER_OUT_MAX + 1;
	size_t len = 0, sl = strlen(server);
	long deadline = now_ms() + timeout_ms;
	bool fa_ok = false, running = false;
	pid_t pid = -1;
	int r, err = 0;

	if (!tn_helper_name_ok(name))
		return TA_ERR_INVALID;
	(void)snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	argv[0] = prog;
	argv[1] = (char *)"get";
	argv[2] = NULL;
	if ((buf = malloc(cap)) == NULL)
		return TA_ERR_NOMEM;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		r = TA_ERR_SYSTEM;
		goto out;
	}
	if ((errno = posix_spawn_file_actions_init(&fa)) != 0) {
		r = TA_ERR_SYSTEM;
		goto out;
	}
	fa_ok = true;
	if ((errno = posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO)) != 0 ||
	    (errno = posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO)) != 0) {
		r = TA_ERR_SYSTEM;
		goto out;
	}
	if ((err = posix_spawnp(&pid, prog, &fa, NULL, argv, environ)) != 0) {
		errno = err;
		r = err == ENOENT ? TA_ERR_NOT_FOUND : TA_ERR_SYSTEM;
		goto out;
	}
	running = true;
	(void)close(in[0]);
	(void)close(out[1]);
	in[0] = out[1] = -1;
	/* A server name is far below a pipe's buffer: this does not block.
	 * A helper that exits without reading gives EPIPE, ignored here
	 * (SIGPIPE is; its answer says what went wrong). */
	{
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		(void)sigaction(SIGPIPE, &ign, &old);
		if (write(in[1], server, sl) < 0 || write(in[1], "\n", 1) < 0)
			err = errno;
		(void)sigaction(SIGPIPE, &old, NULL);
	}
	(void)close(in[1]);
	in[1] = -1;
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t got;
		int n;

		if (left <= 0) {
			r = TA_ERR_TIMEOUT;
			goto out;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = TA_ERR_SYSTEM;
			goto out;
		}
		if (n == 0)
			continue;
		got = read(out[0], buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = TA_ERR_SYSTEM;
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len >= cap) {
			r = TA_ERR_TOO_LARGE;
			goto out;
		}
	}
	running = false;
	*ret_status = reap(pid, false);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	*ret_cap = cap;
	buf = NULL;
	r = 0;
	(void)err;
out:
	err = errno;
	if (running)
		(void)reap(pid, true);
	if (fa_ok)
		(void)posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			(void)close(in[i]);
		if (out[i] >= 0)
			(void)close(out[i]);
	}
	if (buf != NULL)
		ta_wipe_free(buf, cap);
	errno = err;
	return r;
}
