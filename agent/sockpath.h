/* The listening socket's path, before the agent listens there. */
#ifndef TA_AGENT_SOCKPATH_H
#define TA_AGENT_SOCKPATH_H

/* Makes the socket's directory (0750) when it is missing, and removes a
 * stale socket left by an agent that died; refuses to replace anything
 * else, or a live agent (logged).  0, TA_ERR_EXISTS or TA_ERR_SYSTEM. */
int ta_socket_prepare(const char *path) __attribute__((warn_unused_result));

#endif
