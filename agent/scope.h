/* Key scopes: the repositories and roles each token key may sign for.
 *
 * A notary targets, snapshot, timestamp or delegation file does not name
 * its GUN, and a delegation's file has the same _type as the top-level
 * targets: the GUN and role a caller claims prove nothing about what a
 * signature will be used for.  What binds a key to a repository is a
 * record the caller cannot write: its scope, kept here by the agent.  A
 * request is signed only when its profile, GUN and role lie in the scope of
 * every key it names and in the caller's rule (agent/policy.h).
 *
 * Where: <state-directory>/scopes.json, one JSON object
 *	{"version":1,"keys":{"<notary key ID>":{"label":L,"scope":SCOPE}}}
 * with SCOPE as in PROTOCOL.md ("Key scopes").  The key is named by its
 * notary key ID, a hash of its public key: a new key given an old key's
 * label does not inherit its scope, and a certificate stored later does
 * not change it.  label is for people reading the file.
 *
 * Trust: only the agent writes the file (key.generate with a scope, and
 * key.scope; agent/policy.h says who may).  The directory must belong to
 * the agent's uid and be writable by nobody else, the file likewise:
 * ta_scopes_open() refuses anything else, since a scope a caller could
 * write would bound nothing.  The file is replaced whole (a temporary
 * file, fsync, rename, fsync of the directory): a crash leaves the old
 * scopes or the new ones. */
#ifndef TA_AGENT_SCOPE_H
#define TA_AGENT_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "protocol/proto.h"

#define TA_SCOPE_FILE "scopes.json"
#define TA_SCOPE_FILE_MAX ((size_t)4 << 20) /* bytes of scopes.json */

struct ta_scopes;

/* The default state directory: $STATE_DIRECTORY (its first entry: what
 * systemd's StateDirectory= made), else /var/lib/tuf-agent for root, else
 * $XDG_STATE_HOME/tuf-agent, else $HOME/.local/state/tuf-agent.  0, or
 * TA_ERR_NOT_FOUND (no usable variable) / TA_ERR_TOO_LARGE. */
int ta_scope_default_dir(char *dst, size_t len) __attribute__((warn_unused_result));

/* Opens the store in dir (made, mode 0700, when it does not exist; its
 * parent must).  0 and *ret; on failure a TA_ERR_* and one line in err:
 * a directory or file others may write, or owned by another uid; a file
 * that is not a valid scopes file (the agent does not start on a store it
 * cannot read: keys would silently lose their scopes). */
int ta_scopes_open(const char *dir, struct ta_scopes **ret, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* NULL is a no-op. */
void ta_scopes_free(struct ta_scopes *st);

/* The scope of the key with this notary key ID into *ret: 0, or
 * TA_ERR_NOT_FOUND when the key has none.  Thread-safe. */
int ta_scopes_get(struct ta_scopes *st, const char *keyid, struct ta_proto_scope *ret)
    __attribute__((warn_unused_result));

/* Records s as the key's scope (s NULL: removes it), writing the file
 * before anything changes in memory.  Thread-safe; blocking (fsync). */
int ta_scopes_put(struct ta_scopes *st, const char *keyid, const char *label,
    const struct ta_proto_scope *s) __attribute__((warn_unused_result));

/* For the fuzz target and tests: parses a scopes file's text as
 * ta_scopes_open() does; 0 and the number of entries, or TA_ERR_FORMAT /
 * TA_ERR_NOMEM. */
int ta__scopes_parse(const char *text, size_t len, size_t *ret_n)
    __attribute__((warn_unused_result));

/* ---- pure helpers --------------------------------------------------------- */

/* a widened by b, into *ret (may be a): the union of each list, the
 * profile kept when both say the same.  TA_ERR_INVALID when the profiles
 * differ (a key signs for one profile; clear or set the scope instead),
 * TA_ERR_TOO_LARGE over TA_PROTO_SCOPE_MAX entries. */
int ta_scope_union(const struct ta_proto_scope *a, const struct ta_proto_scope *b,
    struct ta_proto_scope *ret) __attribute__((warn_unused_result));

/* "notary: registry.example.com/prod/app; roles targets" for logs, audit
 * records and refusals; cut to fit len. */
void ta_scope_describe(const struct ta_proto_scope *s, char *dst, size_t len);

#endif
