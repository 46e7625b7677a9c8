/* The listening socket's path (agent/sockpath.h). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/sockpath.h"
#include "common/err.h"
#include "common/log.h"

/* Makes the socket's directory (0750) when it is missing, and removes a
 * stale socket; refuses to replace anything else, or a live agent. */
int
ta_socket_prepare(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char *slash;
	int fd, live;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) == 0) {
			if (chmod(dir, 0750) != 0)
				log_warn("chmod '%s': %s", dir, strerror(errno));
		} else if (errno != EEXIST) {
			log_err(
			    "cannot make the socket's directory '%s': %s", dir, strerror(errno));
			return TA_ERR_SYSTEM;
		}
	}
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : TA_ERR_SYSTEM;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("'%s' exists and is not a socket; not replacing it", path);
		return TA_ERR_EXISTS;
	}
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return TA_ERR_SYSTEM;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	(void)close(fd);
	if (live) {
		log_err("another agent is listening on '%s'", path);
		return TA_ERR_EXISTS;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		log_err("cannot remove the stale socket '%s': %s", path, strerror(errno));
		return TA_ERR_SYSTEM;
	}
	log_info("removed a stale socket '%s'", path);
	return 0;
}

int
ta_socket_own(const char *path, const char *group, unsigned mode)
{
	gid_t gid = (gid_t)-1;

	if (group[0] != '\0') {
		char buf[4096], *end = NULL;
		struct group gr, *res = NULL;
		unsigned long n;

		errno = 0;
		n = strtoul(group, &end, 10);
		if (*end == '\0' && errno == 0 && n < (unsigned long)(gid_t)-1) {
			gid = (gid_t)n;
		} else if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) == 0 && res != NULL) {
			gid = res->gr_gid;
		} else {
			log_err("socket-group '%s': no such group", group);
			return TA_ERR_NOT_FOUND;
		}
		if (chown(path, (uid_t)-1, gid) != 0) {
			log_err("socket-group: chown '%s' to gid %u: %s", path, (unsigned)gid,
			    strerror(errno));
			return TA_ERR_SYSTEM;
		}
	}
	if (chmod(path, (mode_t)mode) != 0) {
		log_err("socket-mode: chmod '%s' to %04o: %s", path, mode, strerror(errno));
		return TA_ERR_SYSTEM;
	}
	return 0;
}
