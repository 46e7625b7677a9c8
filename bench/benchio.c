/* bench/benchio.h: the clock, I/O and processes for the agent benchmarks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchio.h"
#include "common/err.h"

double
bl_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
bl_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return TA_ERR_SYSTEM;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
bl_read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t g = read(fd, p, n);

		if (g < 0 && errno == EINTR)
			continue;
		if (g < 0)
			return TA_ERR_SYSTEM;
		if (g == 0)
			return TA_ERR_TRUNCATED;
		p += g;
		n -= (size_t)g;
	}
	return 0;
}

int
bl_unix_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return TA_ERR_TOO_LARGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return TA_ERR_SYSTEM;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		(void)close(fd);
		return TA_ERR_SYSTEM;
	}
	*ret_fd = fd;
	return 0;
}

long
bl_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	(void)fclose(f);
	return kb;
}

int
bl_agent_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return TA_ERR_SYSTEM;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return TA_ERR_INTERNAL;
	*slash = '\0';
	if (snprintf(buf, len, "%s/../tuf-agent", self) >= (int)len)
		return TA_ERR_TOO_LARGE;
	return 0;
}
