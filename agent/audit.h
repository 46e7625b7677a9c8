/* One audit record per operation (DESIGN.md "Agent rules"): a JSON object
 * with time, peer uid/gid/pid, method, profile, role, GUN, key IDs,
 * version, sha256 of the signed bytes and the result.  To the journal
 * (MESSAGE= the JSON, plus TA_* fields), stderr, or a file (appended, one
 * line each).  Never a PIN.
 *
 * The record, one line of JSON (jansson, compact, sorted keys, ASCII only:
 * control characters, DEL, U+0085, U+2028 and every other non-ASCII character
 * are \u-escaped, so no byte of a peer's string can end or split a line):
 *	{"detail":"...","gid":1000,"gun":"registry.example.com/app",
 *	 "keyids":["ab12..."],"method":"sign","pid":4242,"profile":"dct",
 *	 "result":"ok","role":"targets","sha256":"<64 hex>",
 *	 "time":"2024-05-01T12:34:56.789Z","uid":1000,"version":7}
 * time is RFC 3339 UTC with milliseconds; result is "ok" or the
 * ta_errname() of the code ("TA_ERR_POLICY").  Absent fields are left out:
 * NULL strings, no key IDs, version 0, sha256 NULL, uid or gid (uid_t)-1 /
 * (gid_t)-1, pid <= 0.  Strings are cut to TA_AUDIT_FIELD_MAX bytes (at a
 * character boundary, "..." appended) and invalid UTF-8 bytes become
 * U+FFFD, so a record stays well under journald's line limit.
 *
 * Targets:
 *	"stderr"   one line per record on fd 2.
 *	"journal"  sd_journal_sendv(): MESSAGE=<the JSON>,
 *	           SYSLOG_IDENTIFIER=tuf-agent, PRIORITY=6 (result 0) or 4
 *	           (any refusal or failure), TA_METHOD=, TA_RESULT=, TA_UID=,
 *	           TA_GUN=, TA_ROLE=, TA_KEYIDS= (comma-separated), each only
 *	           when the record has it.  When journald cannot be reached the
 *	           line goes to stderr instead, so that no record is lost
 *	           silently: libsystemd's sd_journal_sendv() returns 0 and drops
 *	           the entry when /run/systemd/journal/socket does not exist (a
 *	           container, early boot, a test), so each record first checks
 *	           that the socket is there; a send that fails (ECONNREFUSED:
 *	           a stale socket, no journald behind it) falls back as well.
 *	"/path"    opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOFOLLOW, mode
 *	           0640 (less the umask) when created; must be a regular file.
 *	           Lines are written whole: each record is one write(2) of its
 *	           line or, when threads log at once, part of one write(2) of
 *	           several whole lines (group commit: those that come while a
 *	           write is under way are written together by the next), so
 *	           records from several handles or processes never
 *	           interleave.  ta_audit_log() returns only once the write(2)
 *	           carrying its record has returned, so a record is in the
 *	           file before the response it precedes is sent.  No fsync (as
 *	           ever).  Rotation: copytruncate (no reopen).
 * Writes are serialised with a mutex; ta_audit_log() is thread-safe. */
#ifndef TA_AGENT_AUDIT_H
#define TA_AGENT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest string field in a record, in bytes, before "..." is appended. */
#define TA_AUDIT_FIELD_MAX 1024

struct ta_audit;

struct ta_audit_rec {
	uid_t uid;                 /* (uid_t)-1: no peer */
	gid_t gid;                 /* (gid_t)-1: no peer */
	pid_t pid;                 /* <= 0: no peer */
	const char *method;        /* "sign", "unlock", ...; required */
	const char *profile;       /* NULL when none */
	const char *role;
	const char *gun;
	const char *const *keyids; /* n_keyids entries, none NULL */
	size_t n_keyids;
	int64_t version;           /* 0 when none */
	const uint8_t *sha256;     /* 32 bytes of the signed bytes, or NULL */
	int result;                /* 0 or TA_ERR_* */
	const char *rule;          /* the [allow] rule that allowed it, or "default: ..."; NULL */
	const char *scope;         /* the scopes of the keys used, described; NULL when none */
	const char *detail;        /* why, for refusals; what else to know of a success
	                            * (a rotation: signatures as previous root keys);
	                            * NULL when none */
};

/* target: "journal", "stderr" or an absolute path.  NULL on error with
 * errno: EINVAL for NULL, "", a relative path or a path that is not a
 * regular file; ELOOP for a symbolic link; ENOMEM; or open(2)'s errno.
 * Free with ta_audit_close(). */
struct ta_audit *ta_audit_open(const char *target);

/* For tests: the socket whose presence means "journald is there" (default
 * /run/systemd/journal/socket; the records still go where libsystemd sends
 * them).  0 or TA_ERR_INVALID.  Call before the handle is shared. */
int ta__audit_journal_socket(struct ta_audit *a, const char *path);

/* Closes the file, if any.  NULL is a no-op. */
void ta_audit_close(struct ta_audit *a);

/* Writes one record; thread-safe.  0, TA_ERR_INVALID (a or rec or
 * rec->method NULL, a NULL key ID), TA_ERR_NOMEM, or TA_ERR_SYSTEM (errno
 * kept) when the line could not be written; for "journal", only when the
 * stderr fallback failed too. */
int ta_audit_log(struct ta_audit *a, const struct ta_audit_rec *rec);

#endif
