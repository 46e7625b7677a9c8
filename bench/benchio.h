/* What the agent benchmarks (bench_agent, bench_flood) share besides
 * benchlib's timed runs, with no PKCS#11 in it: the clock, whole reads and
 * writes, a Unix socket connection, a process's peak RSS and where this
 * build's tuf-agent is.  Errors are negative TA_ERR_* (common/err.h). */
#ifndef TA_BENCHIO_H
#define TA_BENCHIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The monotonic clock in seconds. */
double bl_now(void);

/* All of p, retrying after EINTR: 0, TA_ERR_SYSTEM, or (reading)
 * TA_ERR_TRUNCATED at EOF. */
int bl_write_all(int fd, const uint8_t *p, size_t n);
int bl_read_all(int fd, uint8_t *p, size_t n);

/* A blocking stream connection to the socket at path, into *ret_fd. */
int bl_unix_connect(const char *path, int *ret_fd);

/* VmHWM of pid in kB; -1 when unreadable. */
long bl_hwm_kb(pid_t pid);

/* This build's tuf-agent, beside this program's folder:
 * build/bench/bench_x -> build/bench/../tuf-agent. */
int bl_agent_path(char *buf, size_t len);

#endif
