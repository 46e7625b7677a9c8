/* Child processes for the benchmarks: the peers bench_agent measures (the
 * agent, ssh-agent, p11-kit's server) and the tools that set them up.
 * Errors are negative TA_ERR_* (common/err.h), with one line on stderr
 * saying what failed. */
#ifndef TA_BENCHPROC_H
#define TA_BENCHPROC_H

#include <stdbool.h>
#include <sys/types.h>

/* A program of that name on PATH. */
bool bl_have_tool(const char *name);

/* Starts argv with stdin from /dev/null and stdout and stderr appended to
 * log; extra is NULL or a NULL-terminated list of NAME=value put before the
 * environment.  The child gets SIGTERM if this process dies first. */
int bl_spawn(const char *const argv[], const char *const extra[], const char *log, pid_t *ret_pid);

/* Waits for pid for up to timeout seconds; its exit status, 128 + signal,
 * or -1 when it is still running. */
int bl_reap(pid_t pid, double timeout);

/* SIGTERM, then SIGKILL after 5 s; *pid becomes 0.  The exit status as
 * bl_reap() gives it (0 when *pid was not running). */
int bl_stop(pid_t *pid);

/* Runs argv to its end (at most 60 s); its exit status (as bl_reap()) or -1. */
int bl_run(const char *const argv[], const char *const extra[], const char *log);

/* Waits up to 10 s for a listener on path while pid runs. */
int bl_wait_listen(const char *path, pid_t pid, const char *what);

#endif
