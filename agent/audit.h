/* One audit record per operation (DESIGN.md "Agent rules"): a JSON object
 * with time, peer uid/gid/pid, method, profile, role, GUN, key IDs,
 * version, sha256 of the signed bytes and the result.  To the journal
 * (MESSAGE= the JSON, plus TA_* fields), stderr, or a file (appended, one
 * line each).  Never a PIN. */
#ifndef TA_AGENT_AUDIT_H
#define TA_AGENT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ta_audit;

struct ta_audit_rec {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	const char *method;        /* "sign", "unlock", ... */
	const char *profile;       /* NULL when none */
	const char *role;
	const char *gun;
	const char *const *keyids; /* n_keyids entries */
	size_t n_keyids;
	int64_t version;           /* 0 when none */
	const uint8_t *sha256;     /* 32 bytes of the signed bytes, or NULL */
	int result;                /* 0 or TA_ERR_* */
	const char *detail;        /* why, for refusals; NULL when none */
};

/* target: "journal", "stderr" or an absolute path.  NULL on error (errno). */
struct ta_audit *ta_audit_open(const char *target);
void ta_audit_close(struct ta_audit *a);
/* Writes one record; thread-safe.  0 or TA_ERR_SYSTEM. */
int ta_audit_log(struct ta_audit *a, const struct ta_audit_rec *rec);

#endif
