/* The agent's configuration: /etc/tuf-agent/tuf-agent.conf (INI, libinih).
 *
 *	[agent]   socket, audit, max-clients, max-frame, max-inflight,
 *	          idle-timeout
 *	[token "NAME"]   module, uri, pin, sessions
 *	[allow "NAME"]   uid, gid, user, group, keys, roles, gun, max-expiry,
 *	                 operations
 *
 * DESIGN.md "Configuration" and the example conf are the reference; every
 * key is documented in the man page tuf-agent.conf(5). */
#ifndef TA_AGENT_CONFIG_H
#define TA_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TA_CFG_MAX_TOKENS 16
#define TA_CFG_MAX_RULES 64
#define TA_CFG_MAX_LIST 32         /* entries in one list value (keys = a, b, c) */
#define TA_CFG_NAME_MAX 64
#define TA_CFG_VALUE_MAX 1024

enum ta_pin_kind {
	TA_PIN_NONE = 0,     /* protected authentication path: no PIN from us */
	TA_PIN_FILE,         /* file:/path */
	TA_PIN_ENV,          /* env:NAME */
	TA_PIN_PINENTRY,     /* pinentry or pinentry:/path/to/program */
	TA_PIN_UNLOCK,       /* only from `tufctl unlock` */
};

struct ta_pin_source {
	enum ta_pin_kind kind;
	char arg[TA_CFG_VALUE_MAX + 1];  /* path, variable or program; "" for defaults */
};

struct ta_cfg_token {
	char name[TA_CFG_NAME_MAX + 1];
	char module[TA_CFG_VALUE_MAX + 1];  /* p11-kit name or absolute path */
	char uri[TA_CFG_VALUE_MAX + 1];     /* RFC 7512 token URI */
	struct ta_pin_source pin;
	unsigned sessions;                  /* 1..64, default 4 */
};

/* Operations a rule may grant. */
enum {
	TA_OP_STATUS = 1 << 0,
	TA_OP_UNLOCK = 1 << 1,
	TA_OP_LOCK = 1 << 2,
	TA_OP_KEY_LIST = 1 << 3,
	TA_OP_KEY_GENERATE = 1 << 4,
	TA_OP_KEY_CERT = 1 << 5,
	TA_OP_KEY_SHOW = 1 << 6,
	TA_OP_SIGN = 1 << 7,
	TA_OP_ALL = (1 << 8) - 1,
};

struct ta_cfg_rule {
	char name[TA_CFG_NAME_MAX + 1];
	/* Who: any of these matches (at least one is set). */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	char user[TA_CFG_NAME_MAX + 1];   /* resolved to a uid at check time */
	char group[TA_CFG_NAME_MAX + 1];  /* primary or supplementary group */
	/* What: globs (fnmatch); an empty list means any. */
	char keys[TA_CFG_MAX_LIST][TA_CFG_NAME_MAX * 2 + 1];
	size_t n_keys;
	char roles[TA_CFG_MAX_LIST][TA_CFG_NAME_MAX * 4 + 1];
	size_t n_roles;
	char guns[TA_CFG_MAX_LIST][256];
	size_t n_guns;
	int64_t max_expiry;               /* seconds from now; 0 = no limit */
	unsigned operations;              /* TA_OP_*; default TA_OP_SIGN | TA_OP_KEY_LIST |
					     TA_OP_KEY_SHOW | TA_OP_STATUS */
};

struct ta_config {
	char socket[108];                 /* sun_path; "" = the default */
	char audit[TA_CFG_VALUE_MAX + 1]; /* "journal", "stderr" or a path */
	unsigned max_clients;             /* default 256 */
	size_t max_frame;                 /* default 64 MiB; suffixes K, M */
	unsigned max_inflight;            /* requests in flight per connection, default 16 */
	unsigned idle_timeout;            /* seconds without a request, default 300 */
	struct ta_cfg_token tokens[TA_CFG_MAX_TOKENS];
	size_t n_tokens;
	struct ta_cfg_rule rules[TA_CFG_MAX_RULES];
	size_t n_rules;
};

/* Defaults, no tokens, no rules. */
void ta_config_init(struct ta_config *cfg);

/* Reads path into cfg (after ta_config_init).  On error returns a TA_ERR_*
 * and writes "FILE:LINE: what is wrong" into err (errlen bytes); cfg is
 * then unusable.  Unknown sections or keys are errors: a typo in a policy
 * must not silently widen or narrow it. */
int ta_config_load(struct ta_config *cfg, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Parses "file:/p", "env:NAME", "pinentry[:/p]", "unlock", "none". */
int ta_pin_source_parse(const char *s, struct ta_pin_source *ret)
    __attribute__((warn_unused_result));

/* "90d", "12h", "3600" (seconds), "2w", "1y" (365 days). */
int ta_duration_parse(const char *s, int64_t *ret) __attribute__((warn_unused_result));

#endif
