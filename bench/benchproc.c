/* Child processes for the benchmarks (bench/benchproc.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchio.h"
#include "bench/benchproc.h"
#include "common/err.h"

extern char **environ;

/* A program of that name on PATH. */
bool
bl_have_tool(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p != '\0';) {
		size_t n = strcspn(p, ":");

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* The child of bl_spawn(): only async-signal-safe calls until exec.  An exec
 * failure's errno goes up the close-on-exec pipe. */
static void __attribute__((noreturn))
spawn_child(const char *const argv[], char *const envp[], const char *log, pid_t parent, int ep)
{
	int e, fd;

	/* A bench that dies (a crash, ^C) takes its agents with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0 ||
	    (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0 || dup2(fd, 1) < 0 ||
	    dup2(1, 2) < 0) {
		e = errno;
	} else {
		(void)execvpe(argv[0], (char *const *)(uintptr_t)argv, envp);
		e = errno;
	}
	(void)!write(ep, &e, sizeof(e));
	_exit(127);
}

/* Starts argv with stdin from /dev/null and stdout and stderr appended to
 * log; extra is NULL or a NULL-terminated list of NAME=value put before the
 * environment.  The child gets SIGTERM if this process dies first. */
int
bl_spawn(const char *const argv[], const char *const extra[], const char *log, pid_t *ret_pid)
{
	size_t ne = 0, nx = 0;
	pid_t parent = getpid(), pid;
	int ep[2], e = 0;
	char **envp;

	while (environ[ne] != NULL)
		ne++;
	while (extra != NULL && extra[nx] != NULL)
		nx++;
	if ((envp = calloc(ne + nx + 1, sizeof(*envp))) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < nx; i++)
		envp[i] = (char *)(uintptr_t)extra[i];
	for (size_t i = 0; i < ne; i++)
		envp[nx + i] = environ[i];
	if (pipe2(ep, O_CLOEXEC) != 0) {
		free(envp);
		return TA_ERR_SYSTEM;
	}
	if ((pid = fork()) == 0)
		spawn_child(argv, envp, log, parent, ep[1]);
	e = pid < 0 ? errno : 0;
	free(envp);
	(void)close(ep[1]);
	while (pid > 0 && read(ep[0], &e, sizeof(e)) < 0 && errno == EINTR)
		;
	(void)close(ep[0]);
	if (e != 0) {
		if (pid > 0)
			(void)waitpid(pid, NULL, 0);
		(void)fprintf(stderr, "%s: cannot run %s: %s\n", program_invocation_short_name,
		    argv[0], strerror(e));
		return TA_ERR_SYSTEM;
	}
	*ret_pid = pid;
	return 0;
}

/* Waits for pid for up to timeout seconds; its exit status, 128 + signal,
 * or -1 when it is still running. */
int
bl_reap(pid_t pid, double timeout)
{
	double end = bl_now() + timeout;
	int st;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -1;
		if (bl_now() > end)
			return -1;
		(void)nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
}

/* SIGTERM, then SIGKILL after 5 s.  The exit status as bl_reap() gives it. */
int
bl_stop(pid_t *pid)
{
	int st;

	if (*pid <= 0)
		return 0;
	(void)kill(*pid, SIGTERM);
	if ((st = bl_reap(*pid, 5)) < 0) {
		(void)kill(*pid, SIGKILL);
		st = bl_reap(*pid, 5);
	}
	*pid = 0;
	return st;
}

/* Runs argv to its end; its exit status (as bl_reap()) or -1. */
int
bl_run(const char *const argv[], const char *const extra[], const char *log)
{
	pid_t pid;

	if (bl_spawn(argv, extra, log, &pid) != 0)
		return -1;
	return bl_reap(pid, 60);
}

/* Waits up to 10 s for a listener on path while pid runs. */
int
bl_wait_listen(const char *path, pid_t pid, const char *what)
{
	double end = bl_now() + 10;
	int fd;

	while (bl_now() < end) {
		if (bl_unix_connect(path, &fd) == 0) {
			(void)close(fd);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			(void)fprintf(stderr, "%s: %s exited before it listened\n",
			    program_invocation_short_name, what);
			return TA_ERR_SYSTEM;
		}
		(void)nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
	(void)fprintf(stderr, "%s: %s did not listen on %s within 10 s\n",
	    program_invocation_short_name, what, path);
	return TA_ERR_TIMEOUT;
}
