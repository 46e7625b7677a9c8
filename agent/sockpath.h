/* The listening socket's path, before the agent listens there. */
#ifndef TA_AGENT_SOCKPATH_H
#define TA_AGENT_SOCKPATH_H

/* Makes the socket's directory (0750) when it is missing, and removes a
 * stale socket left by an agent that died; refuses to replace anything
 * else, or a live agent (logged).  0, TA_ERR_EXISTS or TA_ERR_SYSTEM. */
int ta_socket_prepare(const char *path) __attribute__((warn_unused_result));

/* Gives the bound socket its mode (socket-mode) and, when group is not
 * empty, that group (socket-group: a name or a number), so that a run
 * without systemd can open the socket to a group as SocketGroup= and
 * SocketMode= do.  0, or TA_ERR_NOT_FOUND (no such group) or
 * TA_ERR_SYSTEM, logged. */
int ta_socket_own(const char *path, const char *group, unsigned mode)
    __attribute__((warn_unused_result));

#endif
