/* The configuration file's sections, their keys and what each value means
 * (DESIGN.md "Configuration"; syntax in config.h): the key tables, the
 * setters that check and store values, comma-separated lists, the checks
 * of a section at its end, and ta_config_load.  The line reader under
 * libinih, the error texts and the value parsers for numbers, sizes,
 * durations and PIN sources are agent/confparse.c's (agent/config_int.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/config_int.h"
#include "common/err.h"
#include "protocol/proto.h"

#define MIN_FRAME ((size_t)4 << 10)
#define MIN_BUFFER ((uint64_t)1 << 20)
#define MAX_BUFFER ((uint64_t)64 << 30)
#define MAX_CLIENTS 65535
#define MAX_INFLIGHT 1024
#define MAX_IDLE_TIMEOUT 86400
#define MAX_SESSIONS 64
#define DEFAULT_OPERATIONS \
	(TA_OP_SIGN | TA_OP_KEY_LIST | TA_OP_KEY_SHOW | TA_OP_KEY_ATTEST | TA_OP_STATUS)

enum section { SECT_NONE, SECT_AGENT, SECT_TOKEN, SECT_ALLOW };

/* Indices into agent_keys[], token_keys[] and rule_keys[], bits of struct
 * parse.seen. */
enum {
	AGENT_SOCKET,
	AGENT_AUDIT,
	AGENT_STATE_DIRECTORY,
	AGENT_MAX_CLIENTS,
	AGENT_MAX_FRAME,
	AGENT_MAX_INFLIGHT,
	AGENT_IDLE_TIMEOUT,
	AGENT_MAX_BUFFER,
	AGENT_MAX_BUFFER_PER_UID,
	AGENT_SOCKET_GROUP,
	AGENT_SOCKET_MODE,
};
enum {
	TOKEN_MODULE,
	TOKEN_URI,
	TOKEN_PIN,
	TOKEN_SESSIONS,
	TOKEN_VERIFY,
	TOKEN_PIN_CACHE,
	TOKEN_MGMT_KEY,
};
enum {
	RULE_UID,
	RULE_GID,
	RULE_USER,
	RULE_GROUP,
	RULE_KEYS,
	RULE_ROLES,
	RULE_GUN,
	RULE_MAX_EXPIRY,
	RULE_OPERATIONS,
};
#define RULE_WHO ((1u << RULE_UID) | (1u << RULE_GID) | (1u << RULE_USER) | (1u << RULE_GROUP))

struct parse;

/* One key of a section.  list keys may repeat (their entries add up). */
struct key {
	const char *name;
	bool list;
	int (*set)(struct parse *p, const char *name, const char *value);
};

struct parse {
	struct cfg_reader rd;                  /* the file, the line, the first error */
	struct ta_config *cfg;

	enum section sect;
	unsigned sect_line;
	char sect_desc[TA_CFG_NAME_MAX + 16];  /* [allow "NAME"] */
	const struct key *keys;
	size_t n_keys;
	uint32_t seen;                         /* bit i: keys[i] was set */
	struct ta_cfg_token *token;
	struct ta_cfg_rule *rule;
	unsigned agent_line;
	unsigned token_line[TA_CFG_MAX_TOKENS];
	unsigned rule_line[TA_CFG_MAX_RULES];
};

/* Errors go to the reader (agent/confparse.c): the first one wins. */
#define fail(p, ...) ta__cfg_fail(&(p)->rd, __VA_ARGS__)
#define fail_at(p, ...) ta__cfg_fail_at(&(p)->rd, __VA_ARGS__)

static const struct {
	const char *name;
	unsigned op;
} op_names[] = {
	{ "sign", TA_OP_SIGN },
	{ "key.list", TA_OP_KEY_LIST },
	{ "key.generate", TA_OP_KEY_GENERATE },
	{ "key.cert", TA_OP_KEY_CERT },
	{ "key.show", TA_OP_KEY_SHOW },
	{ "unlock", TA_OP_UNLOCK },
	{ "lock", TA_OP_LOCK },
	{ "status", TA_OP_STATUS },
	{ "key.scope", TA_OP_KEY_SCOPE },
	{ "key.attest", TA_OP_KEY_ATTEST },
};

const char *
ta_op_name(unsigned op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (op_names[i].op == op)
			return op_names[i].name;
	}
	return NULL;
}

/* ---- value setters ------------------------------------------------------ */

static int
set_string(struct parse *p, const char *name, const char *value, char *dst, size_t dstsize)
{
	size_t len = strlen(value);

	if (len >= dstsize)
		return fail(p, TA_ERR_TOO_LARGE,
		    "value of '%s' is too long (%zu bytes, at most %zu)", name, len, dstsize - 1);
	memcpy(dst, value, len + 1);
	return 0;
}

static int
set_uint(struct parse *p, const char *name, const char *value, uint64_t min, uint64_t max,
    uint64_t *ret)
{
	uint64_t v = 0;
	int r;

	r = ta__cfg_parse_uint(value, UINT64_MAX, &v, NULL);
	if (r == TA_ERR_INVALID)
		return fail(p, r, "'%s' must be a number, not '%s'", name, value);
	if (r != 0 || v < min || v > max)
		return fail(p, TA_ERR_INVALID, "'%s' must be %" PRIu64 "..%" PRIu64 ", not '%s'",
		    name, min, max, value);
	*ret = v;
	return 0;
}

/* An absolute path that fits dst. */
static int
set_path(struct parse *p, const char *name, const char *value, char *dst, size_t dstsize)
{
	if (value[0] != '/')
		return fail(p, TA_ERR_INVALID, "'%s' must be an absolute path, not '%s'", name,
		    value);
	return set_string(p, name, value, dst, dstsize);
}

/* socket-group: a group name (resolved when the agent binds, so that
 * --check-config on another host still reads the file) or a number. */
static int
set_socket_group(struct parse *p, const char *name, const char *value)
{
	for (const char *c = value; *c != '\0'; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
		    *c != '_' && *c != '-' && *c != '.')
			return fail(p, TA_ERR_INVALID, "'%s' must be a group name or number, not '%s'",
			    name, value);
	return set_string(p, name, value, p->cfg->socket_group, sizeof(p->cfg->socket_group));
}

/* socket-mode: octal, read and write bits only, the owner's always. */
static int
set_socket_mode(struct parse *p, const char *name, const char *value)
{
	unsigned long m = 0;
	size_t n = strlen(value);

	if (n < 3 || n > 4 || strspn(value, "01234567") != n)
		return fail(p, TA_ERR_INVALID, "'%s' must be an octal mode such as 0660, not '%s'",
		    name, value);
	m = strtoul(value, NULL, 8);
	if ((m & ~0666UL) != 0 || (m & 0600UL) != 0600UL)
		return fail(p, TA_ERR_INVALID, "'%s' %s: a socket is read and written (0600 at least, "
					       "no execute or special bits)", name, value);
	p->cfg->socket_mode = (unsigned)m;
	return 0;
}

static int
set_socket(struct parse *p, const char *name, const char *value)
{
	return set_path(p, name, value, p->cfg->socket, sizeof(p->cfg->socket));
}

static int
set_audit(struct parse *p, const char *name, const char *value)
{
	if (strcmp(value, "journal") != 0 && strcmp(value, "stderr") != 0 && value[0] != '/')
		return fail(p, TA_ERR_INVALID,
		    "'%s' must be journal, stderr or an absolute path, not '%s'", name, value);
	return set_string(p, name, value, p->cfg->audit, sizeof(p->cfg->audit));
}

static int
set_state_directory(struct parse *p, const char *name, const char *value)
{
	if (value[0] != '/')
		return fail(p, TA_ERR_INVALID, "'%s' must be an absolute path, not '%s'", name,
		    value);
	return set_string(p, name, value, p->cfg->state_dir, sizeof(p->cfg->state_dir));
}

static int
set_max_clients(struct parse *p, const char *name, const char *value)
{
	uint64_t v = 0;
	int r;

	r = set_uint(p, name, value, 1, MAX_CLIENTS, &v);
	if (r == 0)
		p->cfg->max_clients = (unsigned)v;
	return r;
}

static int
set_max_inflight(struct parse *p, const char *name, const char *value)
{
	uint64_t v = 0;
	int r;

	r = set_uint(p, name, value, 1, MAX_INFLIGHT, &v);
	if (r == 0)
		p->cfg->max_inflight = (unsigned)v;
	return r;
}

static int
set_max_frame(struct parse *p, const char *name, const char *value)
{
	uint64_t v = 0;
	int r;

	r = ta__cfg_parse_size(value, TA_PROTO_MAX_FRAME, &v);
	if (r == TA_ERR_INVALID)
		return fail(p, r, "'%s' must be a size (bytes, or with K, M or G), not '%s'", name,
		    value);
	if (r != 0 || v < MIN_FRAME)
		return fail(p, TA_ERR_INVALID, "'%s' must be 4K..64M, not '%s'", name, value);
	p->cfg->max_frame = (size_t)v;
	return 0;
}

/* max-buffer and max-buffer-per-uid: 1M..64G.  That the share fits the
 * whole is checked when the section ends, whatever the order of the keys. */
static int
set_buffer_size(struct parse *p, const char *name, const char *value, size_t *dst)
{
	uint64_t v = 0;
	int r;

	r = ta__cfg_parse_size(value, MAX_BUFFER, &v);
	if (r == TA_ERR_INVALID)
		return fail(p, r, "'%s' must be a size (bytes, or with K, M or G), not '%s'", name,
		    value);
	if (r != 0 || v < MIN_BUFFER || v > SIZE_MAX)
		return fail(p, TA_ERR_INVALID, "'%s' must be 1M..64G, not '%s'", name, value);
	*dst = (size_t)v;
	return 0;
}

static int
set_max_buffer(struct parse *p, const char *name, const char *value)
{
	return set_buffer_size(p, name, value, &p->cfg->max_buffer);
}

static int
set_max_buffer_per_uid(struct parse *p, const char *name, const char *value)
{
	return set_buffer_size(p, name, value, &p->cfg->max_buffer_per_uid);
}

static int
set_idle_timeout(struct parse *p, const char *name, const char *value)
{
	int64_t v = 0;
	int r;

	r = ta_duration_parse(value, &v);
	if (r == TA_ERR_INVALID)
		return fail(p, r, "'%s' must be a duration (3600, 12h, 1d), not '%s'", name,
		    value);
	if (r != 0 || v < 1 || v > MAX_IDLE_TIMEOUT)
		return fail(p, TA_ERR_INVALID, "'%s' must be 1s..1d, not '%s'", name, value);
	p->cfg->idle_timeout = (unsigned)v;
	return 0;
}

static int
set_module(struct parse *p, const char *name, const char *value)
{
	if (strchr(value, '/') != NULL) {
		if (value[0] != '/')
			return fail(p, TA_ERR_INVALID,
			    "'%s' must be a p11-kit module name or an absolute path, not '%s'",
			    name, value);
	} else if (!all_in(value, "._+-")) {
		return fail(p, TA_ERR_INVALID, "'%s': '%s' is not a p11-kit module name", name,
		    value);
	}
	return set_string(p, name, value, p->token->module, sizeof(p->token->module));
}

static int
set_uri(struct parse *p, const char *name, const char *value)
{
	if (strncmp(value, "pkcs11:", 7) != 0 || has_blank(value))
		return fail(p, TA_ERR_INVALID, "'%s' must be a PKCS#11 URI (pkcs11:token=...), "
		    "not '%s'", name, value);
	return set_string(p, name, value, p->token->uri, sizeof(p->token->uri));
}

static int
set_pin(struct parse *p, const char *name, const char *value)
{
	int r;

	r = ta_pin_source_parse(value, &p->token->pin);
	if (r == TA_ERR_TOO_LARGE)
		return fail(p, r, "value of '%s' is too long (at most %d bytes after the kind)",
		    name, TA_CFG_VALUE_MAX);
	if (r != 0)
		return fail(p, r, "'%s' must be file:/PATH, env:NAME, pinentry[:/PATH], unlock "
		    "or none, not '%s'", name, value);
	return 0;
}

/* Where the card's management key comes from, for key generation on a
 * PIV card: a file or pinentry, nothing that would sit in the
 * environment; never the factory default unless that is what the file
 * says. */
static int
set_mgmt_key(struct parse *p, const char *name, const char *value)
{
	struct ta_pin_source src;
	int r;

	r = ta_pin_source_parse(value, &src);
	if (r == TA_ERR_TOO_LARGE)
		return fail(p, r, "value of '%s' is too long (at most %d bytes after the kind)",
		    name, TA_CFG_VALUE_MAX);
	if (r != 0 || (src.kind != TA_PIN_FILE && src.kind != TA_PIN_PINENTRY))
		return fail(p, TA_ERR_INVALID,
		    "'%s' must be file:/PATH or pinentry[:/PATH], not '%s'", name, value);
	p->token->mgmt_key = src;
	return 0;
}

static int
set_sessions(struct parse *p, const char *name, const char *value)
{
	uint64_t v = 0;
	int r;

	r = set_uint(p, name, value, 1, MAX_SESSIONS, &v);
	if (r == 0)
		p->token->sessions = (unsigned)v;
	return r;
}

/* Minutes are what people think in here ("15m"); the other units are
 * ta_duration_parse()'s.  0 or "no" is no cache. */
static int
set_pin_cache(struct parse *p, const char *name, const char *value)
{
	char num[32];
	size_t n = strlen(value);
	int64_t v = 0;
	int r;

	if (strcmp(value, "no") == 0) {
		p->token->pin_cache = 0;
		return 0;
	}
	if (n > 1 && n < sizeof(num) && value[n - 1] == 'm') {
		memcpy(num, value, n - 1);
		num[n - 1] = '\0';
		r = ta_duration_parse(num, &v);
		if (r == 0 && v > TA_CFG_PIN_CACHE_MAX / 60)
			r = TA_ERR_TOO_LARGE;
		v *= 60;
	} else {
		r = ta_duration_parse(value, &v);
	}
	if (r != 0 || v < 0 || v > TA_CFG_PIN_CACHE_MAX)
		return fail(p, TA_ERR_INVALID,
		    "'%s' must be no, 0 or a duration up to 1d (90s, 15m, 1h), not '%s'", name,
		    value);
	p->token->pin_cache = (unsigned)v;
	return 0;
}

static int
set_verify(struct parse *p, const char *name, const char *value)
{
	if (strcmp(value, "yes") == 0)
		p->token->verify = true;
	else if (strcmp(value, "no") == 0)
		p->token->verify = false;
	else
		return fail(p, TA_ERR_INVALID, "'%s' must be yes or no, not '%s'", name, value);
	return 0;
}

/* uid = N or gid = N. */
static int
set_rule_id(struct parse *p, const char *name, const char *value)
{
	uint64_t v = 0;
	int r;

	/* (uid_t)-1 means "no change" to the kernel, never a real id. */
	r = set_uint(p, name, value, 0, UINT32_MAX - 1, &v);
	if (r != 0)
		return r;
	if (strcmp(name, "uid") == 0) {
		p->rule->uid = (uid_t)v;
		p->rule->has_uid = true;
	} else {
		p->rule->gid = (gid_t)v;
		p->rule->has_gid = true;
	}
	return 0;
}

/* A user or group name as useradd and sssd make them. */
static int
set_account(struct parse *p, const char *name, const char *value, char *dst, size_t dstsize)
{
	size_t len = strlen(value);
	char last = value[len - 1];
	bool digits = true;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_digit(value[i]))
			digits = false;
		if (!is_alnum(value[i]) && strchr("._@-", value[i]) == NULL &&
		    !(value[i] == '$' && i == len - 1))
			break;
	}
	if (i < len || value[0] == '-' || last == '@')
		return fail(p, TA_ERR_INVALID, "'%s': '%s' is not a valid name", name, value);
	if (digits)
		return fail(p, TA_ERR_INVALID, "'%s': '%s' is a number; write %s = %s", name,
		    value, strcmp(name, "user") == 0 ? "uid" : "gid", value);
	return set_string(p, name, value, dst, dstsize);
}

static int
set_rule_user(struct parse *p, const char *name, const char *value)
{
	return set_account(p, name, value, p->rule->user, sizeof(p->rule->user));
}

static int
set_rule_group(struct parse *p, const char *name, const char *value)
{
	return set_account(p, name, value, p->rule->group, sizeof(p->rule->group));
}

/* Calls each(p, name, entry) for the comma-separated entries of value, with
 * blanks around them dropped; refuses empty entries and entries with blanks
 * inside. */
static int
for_each_entry(struct parse *p, const char *name, const char *value,
    int (*each)(struct parse *p, const char *name, const char *entry, void *arg), void *arg)
{
	char entry[TA_CFG_VALUE_MAX + 1];
	const char *s = value, *comma;
	size_t len;
	int r;

	for (;;) {
		comma = strchr(s, ',');
		len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		while (len > 0 && is_blank(*s)) {
			s++;
			len--;
		}
		while (len > 0 && is_blank(s[len - 1]))
			len--;
		if (len == 0)
			return fail(p, TA_ERR_INVALID, "empty entry in '%s'", name);
		if (len >= sizeof(entry))
			return fail(p, TA_ERR_TOO_LARGE, "entry in '%s' is too long", name);
		memcpy(entry, s, len);
		entry[len] = '\0';
		if (has_blank(entry))
			return fail(p, TA_ERR_INVALID,
			    "entry '%s' in '%s' has a blank inside (entries are comma-separated)",
			    entry, name);
		r = each(p, name, entry, arg);
		if (r != 0)
			return r;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

struct list {
	char *base;      /* entries of entsize bytes */
	size_t entsize;
	size_t *n;
};

static int
add_entry(struct parse *p, const char *name, const char *entry, void *arg)
{
	const struct list *l = arg;
	size_t len = strlen(entry);

	if (len >= l->entsize)
		return fail(p, TA_ERR_TOO_LARGE,
		    "entry '%.32s...' in '%s' is too long (%zu bytes, at most %zu)", entry, name,
		    len, l->entsize - 1);
	if (*l->n >= TA_CFG_MAX_LIST)
		return fail(p, TA_ERR_TOO_LARGE, "more than %d entries in '%s'", TA_CFG_MAX_LIST,
		    name);
	memcpy(l->base + *l->n * l->entsize, entry, len + 1);
	(*l->n)++;
	return 0;
}

#define LIST_OF(array, count) \
	{ .base = (char *)(array), .entsize = sizeof((array)[0]), .n = &(count) }

static int
set_rule_keys(struct parse *p, const char *name, const char *value)
{
	struct list l = LIST_OF(p->rule->keys, p->rule->n_keys);

	return for_each_entry(p, name, value, add_entry, &l);
}

static int
set_rule_roles(struct parse *p, const char *name, const char *value)
{
	struct list l = LIST_OF(p->rule->roles, p->rule->n_roles);

	return for_each_entry(p, name, value, add_entry, &l);
}

static int
set_rule_guns(struct parse *p, const char *name, const char *value)
{
	struct list l = LIST_OF(p->rule->guns, p->rule->n_guns);

	return for_each_entry(p, name, value, add_entry, &l);
}

static int
set_rule_max_expiry(struct parse *p, const char *name, const char *value)
{
	int64_t v = 0;
	int r;

	r = ta_duration_parse(value, &v);
	if (r == TA_ERR_TOO_LARGE)
		return fail(p, r, "'%s' is too large: '%s'", name, value);
	if (r != 0)
		return fail(p, r, "'%s' must be a duration (90d, 12h, 2w, 1y, 3600), not '%s'",
		    name, value);
	if (v == 0)
		return fail(p, TA_ERR_INVALID, "'%s' must be more than 0 (leave it out for no "
		    "limit)", name);
	p->rule->max_expiry = v;
	return 0;
}

static int
add_operation(struct parse *p, const char *name, const char *entry, void *arg)
{
	unsigned *ops = arg;
	size_t i;

	if (strcmp(entry, "all") == 0) {
		*ops |= TA_OP_ALL;
		return 0;
	}
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (strcmp(entry, op_names[i].name) == 0) {
			*ops |= op_names[i].op;
			return 0;
		}
	}
	return fail(p, TA_ERR_INVALID, "unknown operation '%s' in '%s' (sign, key.list, "
	    "key.generate, key.cert, key.show, unlock, lock, status, all)", entry, name);
}

static int
set_rule_operations(struct parse *p, const char *name, const char *value)
{
	unsigned ops = 0;
	int r;

	r = for_each_entry(p, name, value, add_operation, &ops);
	if (r != 0)
		return r;
	/* The first operations = replaces the default; a repeated one adds. */
	if ((p->seen & (1u << RULE_OPERATIONS)) == 0)
		p->rule->operations = 0;
	p->rule->operations |= ops;
	return 0;
}

static const struct key agent_keys[] = {
	[AGENT_SOCKET] = { "socket", false, set_socket },
	[AGENT_AUDIT] = { "audit", false, set_audit },
	[AGENT_STATE_DIRECTORY] = { "state-directory", false, set_state_directory },
	[AGENT_MAX_CLIENTS] = { "max-clients", false, set_max_clients },
	[AGENT_MAX_FRAME] = { "max-frame", false, set_max_frame },
	[AGENT_MAX_INFLIGHT] = { "max-inflight", false, set_max_inflight },
	[AGENT_IDLE_TIMEOUT] = { "idle-timeout", false, set_idle_timeout },
	[AGENT_MAX_BUFFER] = { "max-buffer", false, set_max_buffer },
	[AGENT_MAX_BUFFER_PER_UID] = { "max-buffer-per-uid", false, set_max_buffer_per_uid },
	[AGENT_SOCKET_GROUP] = { "socket-group", false, set_socket_group },
	[AGENT_SOCKET_MODE] = { "socket-mode", false, set_socket_mode },
};

static const struct key token_keys[] = {
	[TOKEN_MODULE] = { "module", false, set_module },
	[TOKEN_URI] = { "uri", false, set_uri },
	[TOKEN_PIN] = { "pin", false, set_pin },
	[TOKEN_SESSIONS] = { "sessions", false, set_sessions },
	[TOKEN_VERIFY] = { "verify-signatures", false, set_verify },
	[TOKEN_PIN_CACHE] = { "pin-cache", false, set_pin_cache },
	[TOKEN_MGMT_KEY] = { "management-key", false, set_mgmt_key },
};

static const struct key rule_keys[] = {
	[RULE_UID] = { "uid", false, set_rule_id },
	[RULE_GID] = { "gid", false, set_rule_id },
	[RULE_USER] = { "user", false, set_rule_user },
	[RULE_GROUP] = { "group", false, set_rule_group },
	[RULE_KEYS] = { "keys", true, set_rule_keys },
	[RULE_ROLES] = { "roles", true, set_rule_roles },
	[RULE_GUN] = { "gun", true, set_rule_guns },
	[RULE_MAX_EXPIRY] = { "max-expiry", false, set_rule_max_expiry },
	[RULE_OPERATIONS] = { "operations", true, set_rule_operations },
};

/* ---- sections ----------------------------------------------------------- */

/* Checks the section that ends (at a new header or at the end of file). */
static int
end_section(struct parse *p)
{
	switch (p->sect) {
	case SECT_TOKEN:
		if ((p->seen & (1u << TOKEN_MODULE)) == 0)
			return fail_at(p, p->sect_line, TA_ERR_INVALID, "%s has no 'module'",
			    p->sect_desc);
		if ((p->seen & (1u << TOKEN_URI)) == 0)
			return fail_at(p, p->sect_line, TA_ERR_INVALID, "%s has no 'uri'",
			    p->sect_desc);
		break;
	case SECT_ALLOW:
		if ((p->seen & RULE_WHO) == 0)
			return fail_at(p, p->sect_line, TA_ERR_INVALID,
			    "%s names nobody: set uid, gid, user or group", p->sect_desc);
		break;
	case SECT_AGENT:
		/* The share defaults to half the whole, whichever was given. */
		if ((p->seen & (1u << AGENT_MAX_BUFFER_PER_UID)) == 0)
			p->cfg->max_buffer_per_uid = p->cfg->max_buffer / 2;
		else if (p->cfg->max_buffer_per_uid > p->cfg->max_buffer)
			return fail_at(p, p->sect_line, TA_ERR_INVALID,
			    "'max-buffer-per-uid' (%zu bytes) is over 'max-buffer' (%zu bytes)",
			    p->cfg->max_buffer_per_uid, p->cfg->max_buffer);
		break;
	case SECT_NONE:
		break;
	}
	return 0;
}

/* [token "NAME"]: s is past the kind; checks the quoted name. */
static int
section_name(struct parse *p, const char *kind, const char *s, char ret_name[TA_CFG_NAME_MAX + 1])
{
	char name[TA_CFG_NAME_MAX + 1];
	const char *end;
	size_t len;

	while (is_blank(*s))
		s++;
	if (*s != '"')
		return fail(p, TA_ERR_INVALID, "[%s] needs a name: [%s \"NAME\"]", kind, kind);
	s++;
	end = strchr(s, '"');
	if (end == NULL || end[1] != '\0')
		return fail(p, TA_ERR_INVALID, "malformed section name: [%s \"NAME\"]", kind);
	len = (size_t)(end - s);
	if (len == 0)
		return fail(p, TA_ERR_INVALID, "empty name in [%s \"\"]", kind);
	if (len > TA_CFG_NAME_MAX)
		return fail(p, TA_ERR_TOO_LARGE, "[%s] name is too long (%zu bytes, at most %d)",
		    kind, len, TA_CFG_NAME_MAX);
	memcpy(name, s, len);
	name[len] = '\0';
	if (!all_in(name, "._-"))
		return fail(p, TA_ERR_INVALID, "[%s \"%s\"]: a name is made of A-Z a-z 0-9 . _ -",
		    kind, name);
	memcpy(ret_name, name, len + 1);
	return 0;
}

/* first is 0 for a section an earlier ta_config_load() read. */
static int
duplicate(struct parse *p, const char *kind, const char *name, unsigned first)
{
	if (first == 0)
		return fail(p, TA_ERR_INVALID, "duplicate section [%s \"%s\"] (already loaded)",
		    kind, name);
	return fail(p, TA_ERR_INVALID, "duplicate section [%s \"%s\"] (first at line %u)", kind,
	    name, first);
}

static int
begin_token(struct parse *p, const char *rest)
{
	struct ta_config *cfg = p->cfg;
	char name[TA_CFG_NAME_MAX + 1];
	struct ta_cfg_token *t;
	size_t i;
	int r;

	r = section_name(p, "token", rest, name);
	if (r != 0)
		return r;
	for (i = 0; i < cfg->n_tokens; i++) {
		if (strcmp(cfg->tokens[i].name, name) == 0)
			return duplicate(p, "token", name, p->token_line[i]);
	}
	if (cfg->n_tokens >= TA_CFG_MAX_TOKENS)
		return fail(p, TA_ERR_TOO_LARGE, "more than %d [token] sections",
		    TA_CFG_MAX_TOKENS);
	p->token_line[cfg->n_tokens] = p->rd.lineno;
	t = &cfg->tokens[cfg->n_tokens++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, name, sizeof(t->name));
	t->pin.kind = TA_PIN_UNLOCK;
	t->mgmt_key.kind = TA_PIN_NONE;
	t->sessions = TA_CFG_SESSIONS_DEFAULT;
	t->verify = true;
	p->token = t;
	p->sect = SECT_TOKEN;
	p->keys = token_keys;
	p->n_keys = sizeof(token_keys) / sizeof(token_keys[0]);
	(void)snprintf(p->sect_desc, sizeof(p->sect_desc), "[token \"%s\"]", name);
	return 0;
}

static int
begin_rule(struct parse *p, const char *rest)
{
	struct ta_config *cfg = p->cfg;
	char name[TA_CFG_NAME_MAX + 1];
	struct ta_cfg_rule *rule;
	size_t i;
	int r;

	r = section_name(p, "allow", rest, name);
	if (r != 0)
		return r;
	for (i = 0; i < cfg->n_rules; i++) {
		if (strcmp(cfg->rules[i].name, name) == 0)
			return duplicate(p, "allow", name, p->rule_line[i]);
	}
	if (cfg->n_rules >= TA_CFG_MAX_RULES)
		return fail(p, TA_ERR_TOO_LARGE, "more than %d [allow] sections",
		    TA_CFG_MAX_RULES);
	p->rule_line[cfg->n_rules] = p->rd.lineno;
	rule = &cfg->rules[cfg->n_rules++];
	memset(rule, 0, sizeof(*rule));
	memcpy(rule->name, name, sizeof(rule->name));
	rule->operations = DEFAULT_OPERATIONS;
	p->rule = rule;
	p->sect = SECT_ALLOW;
	p->keys = rule_keys;
	p->n_keys = sizeof(rule_keys) / sizeof(rule_keys[0]);
	(void)snprintf(p->sect_desc, sizeof(p->sect_desc), "[allow \"%s\"]", name);
	return 0;
}

/* line is "[...]" with blanks and comments dropped. */
static int
begin_section(void *arg, const char *line)
{
	struct parse *p = arg;
	char inner[RAW_LINE_MAX + 1];
	size_t len = strlen(line);
	char *s;
	int r;

	r = end_section(p);
	if (r != 0)
		return r;
	p->sect = SECT_NONE;
	p->seen = 0;
	p->token = NULL;
	p->rule = NULL;
	p->sect_line = p->rd.lineno;
	if (len < 2 || line[len - 1] != ']')
		return fail(p, TA_ERR_INVALID, "section header without ']'");
	memcpy(inner, line + 1, len - 2);
	inner[len - 2] = '\0';
	for (s = inner; is_blank(*s); s++)
		;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		s[--len] = '\0';

	if (strcmp(s, "agent") == 0) {
		if (p->agent_line != 0)
			return fail(p, TA_ERR_INVALID,
			    "duplicate section [agent] (first at line %u)", p->agent_line);
		p->agent_line = p->rd.lineno;
		p->sect = SECT_AGENT;
		p->keys = agent_keys;
		p->n_keys = sizeof(agent_keys) / sizeof(agent_keys[0]);
		(void)snprintf(p->sect_desc, sizeof(p->sect_desc), "[agent]");
		return 0;
	}
	if (strncmp(s, "token", 5) == 0 && (s[5] == '\0' || s[5] == '"' || is_blank(s[5])))
		return begin_token(p, s + 5);
	if (strncmp(s, "allow", 5) == 0 && (s[5] == '\0' || s[5] == '"' || is_blank(s[5])))
		return begin_rule(p, s + 5);
	if (strncmp(s, "agent", 5) == 0 && (s[5] == '"' || is_blank(s[5])))
		return fail(p, TA_ERR_INVALID, "[agent] takes no name");
	return fail(p, TA_ERR_INVALID, "unknown section [%.64s] (agent, token \"NAME\", "
	    "allow \"NAME\")", s);
}

/* ---- keys ------------------------------------------------------------------- */

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	const struct key *k = NULL;
	uint32_t bit = 0;
	size_t i;

	(void)section; /* ours is in p->sect: begin_section() saw the header */
	if (p->rd.r != 0)
		return 0;
	if (p->sect == SECT_NONE) {
		(void)fail(p, TA_ERR_INVALID, "key '%s' outside any section", name);
		return 0;
	}
	for (i = 0; i < p->n_keys; i++) {
		if (strcmp(p->keys[i].name, name) == 0) {
			k = &p->keys[i];
			bit = 1u << i;
			break;
		}
	}
	if (k == NULL) {
		(void)fail(p, TA_ERR_INVALID, "unknown key '%s' in %s", name, p->sect_desc);
		return 0;
	}
	if ((p->seen & bit) != 0 && !k->list) {
		(void)fail(p, TA_ERR_INVALID, "duplicate key '%s' in %s", name, p->sect_desc);
		return 0;
	}
	if (value == NULL || value[0] == '\0') {
		(void)fail(p, TA_ERR_INVALID, "empty value for '%s' in %s", name, p->sect_desc);
		return 0;
	}
	if (k->set(p, name, value) != 0)
		return 0;
	p->seen |= bit;
	return 1;
}

/* ---- public ------------------------------------------------------------- */

void
ta_config_init(struct ta_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)snprintf(cfg->audit, sizeof(cfg->audit), "journal");
	cfg->max_clients = 256;
	cfg->socket_mode = 0660;
	cfg->max_frame = TA_CFG_DEFAULT_MAX_FRAME;
	cfg->max_buffer = TA_CFG_DEFAULT_MAX_BUFFER;
	cfg->max_buffer_per_uid = TA_CFG_DEFAULT_MAX_BUFFER / 2;
	cfg->max_inflight = 16;
	cfg->idle_timeout = 300;
}

int
ta_config_load(struct ta_config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse *p = NULL;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cfg == NULL || path == NULL)
		return TA_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return TA_ERR_NOMEM;
	p->rd.path = path;
	p->rd.err = err;
	p->rd.errlen = errlen;
	p->rd.begin_section = begin_section;
	p->rd.arg = p;
	p->cfg = malloc(sizeof(*p->cfg));
	if (p->cfg == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	memcpy(p->cfg, cfg, sizeof(*cfg));
	p->rd.f = fopen(path, "re");
	if (p->rd.f == NULL) {
		p->rd.sys_errno = errno;
		r = fail_at(p, 0, TA_ERR_SYSTEM, "cannot open: %s", strerror(p->rd.sys_errno));
		goto out;
	}

	if (ta__cfg_read(&p->rd, on_value) == 0)
		(void)end_section(p);
	r = p->rd.r;
	if (r == 0)
		memcpy(cfg, p->cfg, sizeof(*cfg));
out:
	if (p->rd.f != NULL)
		(void)fclose(p->rd.f);
	free(p->cfg);
	if (r == TA_ERR_SYSTEM && p->rd.sys_errno != 0)
		errno = p->rd.sys_errno;
	free(p);
	return r;
}
