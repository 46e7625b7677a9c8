/* The agent's configuration: /etc/tuf-agent/tuf-agent.conf (INI, libinih).
 *
 *	[agent]   socket, audit, state-directory, max-clients, max-frame,
 *	          max-inflight, idle-timeout, max-buffer, max-buffer-per-uid
 *	[token "NAME"]   module, uri, pin, sessions
 *	[allow "NAME"]   uid, gid, user, group, keys, roles, gun, max-expiry,
 *	                 operations
 *
 * DESIGN.md "Configuration" and the example conf are the reference; every
 * key is documented in the man page tuf-agent.conf(5).
 *
 * Syntax (the same whatever options the installed libinih was built with):
 *  - "key = value", one per line; leading and trailing blanks are dropped.
 *    Indentation is allowed and means nothing: there are no continuation
 *    lines (an indented "key = value" is a key of its own).
 *  - Comments: a line starting with ';' or '#', and inline from a ';' or
 *    '#' preceded by a blank ("max-frame = 64M  ; frames").  A ';' or '#'
 *    inside a value (pkcs11:token=a;object=b) is part of the value.
 *  - A line holds at most as many characters as libinih's line buffer
 *    (INI_MAX_LINE - 1, 199 on Debian) once comments and blanks are
 *    dropped; longer lines are refused, never split.  Control characters
 *    other than tab are refused.
 *  - NAME in [token "NAME"] and [allow "NAME"]: 1..TA_CFG_NAME_MAX of
 *    [A-Za-z0-9._-]; each section at most once.
 *  - Each key at most once per section, except the list keys (keys, roles,
 *    gun, operations): a repeated list key adds its entries.  Lists are
 *    comma-separated, blanks around entries dropped; an entry is never
 *    empty and holds no blanks; at most TA_CFG_MAX_LIST entries.
 *  - Numbers are plain decimal: no sign, no blanks, no trailing bytes.
 *  - Unknown sections and keys, empty values and values out of range are
 *    errors: nothing is silently ignored.
 *
 * [agent]
 *	socket       absolute path, at most 107 bytes; default "" (the built-in
 *	             path, or the socket-activation fd)
 *	audit        journal | stderr | /absolute/path; default journal
 *	state-directory  /absolute/path where the agent keeps the key scopes;
 *	             default agent/scope.h ta_scope_default_dir()
 *	max-clients  1..65535 connections at once; default 256
 *	max-frame    4K..64M request bytes (K, M, G = 2^10, 2^20, 2^30); default
 *	             32M (TA_CFG_DEFAULT_MAX_FRAME)
 *	max-buffer   1M..64G: the memory all connections together may hold for
 *	             requests over 64 KiB being received or decoded (server.c
 *	             charges 4 bytes per frame byte); default 256M
 *	max-buffer-per-uid  1M..max-buffer: the same, for all connections of
 *	             one uid; default half of max-buffer
 *	max-inflight 1..1024 requests in flight per connection; default 16
 *	idle-timeout 1s..1d (ta_duration_parse) without a request before the
 *	             agent closes a connection; default 300 (seconds)
 * [token "NAME"] (at most TA_CFG_MAX_TOKENS; module and uri required)
 *	module       a p11-kit module name ([A-Za-z0-9._+-]) or an absolute path
 *	uri          an RFC 7512 URI "pkcs11:...", no blanks
 *	pin          ta_pin_source_parse(); default unlock
 *	sessions     1..64; default 4
 *	verify-signatures  yes | no; default yes: verify each ECDSA and
 *	             Ed25519 signature of the token before it is used (RSA
 *	             signatures are verified always; tuf/signer.h no_check)
 *	pin-cache    no | DURATION up to a day; default no
 *	management-key  file:/PATH | pinentry[:/PATH]; default none (no key
 *	             generation on a PIV card)
 * [allow "NAME"] (at most TA_CFG_MAX_RULES; at least one of uid, gid,
 * user, group; the rest is documented in agent/policy.h)
 *	uid, gid     0..4294967294
 *	user, group  a name ([A-Za-z0-9._@-], may end in '$', not all digits,
 *	             not starting with '-'), looked up when a peer is checked
 *	keys         globs, each at most TA_CFG_NAME_MAX * 2 bytes
 *	roles        globs, each at most TA_CFG_NAME_MAX * 4 bytes
 *	gun          globs, each at most 255 bytes
 *	max-expiry   ta_duration_parse(), more than 0
 *	operations   sign, key.list, key.generate, key.cert, key.show,
 *	             key.scope, unlock, lock, status, or all */
#ifndef TA_AGENT_CONFIG_H
#define TA_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TA_CFG_MAX_TOKENS 16
#define TA_CFG_SESSIONS_DEFAULT 4 /* [token] sessions = */
#define TA_CFG_MAX_RULES 64
#define TA_CFG_MAX_LIST 32         /* entries in one list value (keys = a, b, c) */
#define TA_CFG_NAME_MAX 64
#define TA_CFG_VALUE_MAX 1024

/* A notary targets file with 100,000 tags is a sign frame of about 11 MB
 * (bench/bench_flood measures it): 32 MiB leaves room for a file and its
 * parent that size, or longer tags. */
#define TA_CFG_DEFAULT_MAX_FRAME ((size_t)32 << 20)
#define TA_CFG_DEFAULT_MAX_BUFFER ((size_t)256 << 20)

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
	struct ta_pin_source pin;           /* default TA_PIN_UNLOCK */
	unsigned sessions;                  /* 1..64, default 4 */
	bool verify;                        /* verify-signatures, default true */
	/* pin-cache: seconds a PIN asked for a signature (pinentry, unlock)
	 * is kept for the next ones of keys that need a PIN for every
	 * signature (CKA_ALWAYS_AUTHENTICATE); 0 (default) keeps none. */
	unsigned pin_cache;
	/* management-key: where a PIV card's management key is read for a
	 * key generation (file: or pinentry); TA_PIN_NONE (default): none,
	 * and the agent generates no key on the card. */
	struct ta_pin_source mgmt_key;
};

#define TA_CFG_PIN_CACHE_MAX ((long long)24 * 3600)

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
	TA_OP_KEY_SCOPE = 1 << 8,
	TA_OP_KEY_ATTEST = 1 << 9,
	TA_OP_ALL = (1 << 10) - 1,
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
					     TA_OP_KEY_SHOW | TA_OP_KEY_ATTEST | TA_OP_STATUS */
};

struct ta_config {
	char socket[108];                 /* sun_path; "" = the default */
	char socket_group[TA_CFG_NAME_MAX + 1]; /* socket-group; "" = the agent's own */
	unsigned socket_mode;             /* socket-mode; default 0660 */
	char audit[TA_CFG_VALUE_MAX + 1]; /* "journal" (default), "stderr" or a path */
	char state_dir[TA_CFG_VALUE_MAX + 1]; /* state-directory: the key scopes; "" = the
					       * default (agent/scope.h) */
	unsigned max_clients;             /* default 256 */
	size_t max_frame;                 /* 4 KiB..64 MiB, default 32 MiB; suffixes K, M, G */
	size_t max_buffer;                /* 1 MiB..64 GiB, default 256 MiB */
	size_t max_buffer_per_uid;        /* 1 MiB..max_buffer, default max_buffer / 2 */
	unsigned max_inflight;            /* requests in flight per connection, default 16 */
	unsigned idle_timeout;            /* seconds without a request, default 300 */
	struct ta_cfg_token tokens[TA_CFG_MAX_TOKENS];
	size_t n_tokens;
	struct ta_cfg_rule rules[TA_CFG_MAX_RULES];
	size_t n_rules;
};

/* Defaults, no tokens, no rules. */
void ta_config_init(struct ta_config *cfg);

/* Reads path into cfg (after ta_config_init; [agent] keys override what
 * cfg holds, tokens and rules are added).  0, or on error a TA_ERR_*
 * (TA_ERR_INVALID for content, TA_ERR_TOO_LARGE for a limit, TA_ERR_SYSTEM
 * with errno when the file cannot be read), with "FILE:LINE: what is
 * wrong" ("FILE: ..." when no line is to blame) in err (errlen bytes, may
 * be 0); cfg is then left as it was, so a reload can keep the old one.
 * Unknown sections or keys are errors: a typo in a policy must not
 * silently widen or narrow it.  Blocking file I/O; thread-safe. */
int ta_config_load(struct ta_config *cfg, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Parses "file:/p", "env:NAME", "pinentry[:/p]", "unlock", "none".  Paths
 * are absolute; NAME is [A-Za-z_][A-Za-z0-9_]*.  0, TA_ERR_INVALID, or
 * TA_ERR_TOO_LARGE when the argument is over TA_CFG_VALUE_MAX; *ret is
 * written only on success. */
int ta_pin_source_parse(const char *s, struct ta_pin_source *ret)
    __attribute__((warn_unused_result));

/* "90d", "12h", "3600" or "3600s" (seconds), "2w", "1y" (365 days): decimal
 * digits and at most one lower-case suffix, nothing else.  0 (*ret in
 * seconds, >= 0), TA_ERR_INVALID, or TA_ERR_TOO_LARGE past INT64_MAX. */
int ta_duration_parse(const char *s, int64_t *ret) __attribute__((warn_unused_result));

/* "sign", "key.list", ... for one TA_OP_* bit (the names operations = takes);
 * NULL for anything else.  Static storage. */
const char *ta_op_name(unsigned op);

#endif
