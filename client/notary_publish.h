/* The publish engine: staged changes applied to the server's verified
 * state, every changed role bumped (version, expiry) and signed by whoever
 * holds its keys, one multipart upload, then the GUN read back as a fresh
 * consumer would before the staged changes are forgotten.
 *
 * It prints nothing: each function returns 0 or a TA_ERR_* with one line
 * in e.  What signs is behind struct tn_signer (the agent in tufctl, an
 * in-memory key in tests/unit/test_notary_publish.c).
 *
 * Use: tn_publish_run() for the whole of it against a server; or, without
 * one, tn_pub_begin(), tn_pub_apply() and tn_pub_sign() on a state built
 * by hand, then p->next and p->changed[] are what would be uploaded.
 * tn_pub_free() in every case. */
#ifndef TA_NOTARY_PUBLISH_H
#define TA_NOTARY_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "client/notary_http.h"
#include "client/notary_store.h"

#define TN_DAY (24L * 3600)
#define TN_ROOT_DAYS 3650     /* notary's defaults: root 10 years, */
#define TN_META_DAYS 1095     /* targets, delegations, snapshot 3 years */
#define TN_MAX_KEYS 16        /* TA_PROTO_KEYS_MAX: keys one signature request names */
#define TN_MAX_PATHS 256      /* --path options of one delegation change */

/* Whoever holds the keys.  A callback that has already told the user why
 * it failed may leave e->text empty: the engine passes its error on as it
 * came, and the caller prints e->text only when there is one. */
struct tn_signer {
	void *ctx;
	/* The keys held, as the agent's key.list lists them: an array of
	 * objects with "uri" and "keyids": {"notary": ID}.  A new reference. */
	int (*keys)(void *ctx, json_t **ret, struct tn_error *e);
	/* Signs f (role of gun) with keys (an array of "uri" strings of the
	 * keys above).  other: for root, the previous root (a rotation); for a
	 * delegation, its parent; else NULL.  *ret (malloc()ed) is the signed
	 * file. */
	int (*sign)(void *ctx, const char *gun, const char *role, const json_t *keys,
	    const struct tn_file *f, const struct tn_file *other, uint8_t **ret, size_t *ret_len,
	    struct tn_error *e);
};

/* A publish under way.  The caller sets the inputs (gun, url and dir are
 * only for messages); the rest starts zeroed. */
struct tn_pub {
	/* inputs */
	const char *gun;
	const char *url;            /* the server, as the trust directory has it */
	const char *dir;            /* the GUN's trust directory */
	const struct tn_signer *signer;
	long long expiry_days;      /* of the roles signed, root excepted; 0: notary's */
	time_t now;
	json_t *held;               /* the signer's keys; tn_publish_run() asks for them */

	/* working state */
	struct tn_state cur;        /* verified from the server (empty for a new GUN) */
	struct tn_state next;       /* what will be published */
	bool changed[TN_MAX_ROLES]; /* next.files[i] is to be signed and uploaded */
	bool is_new;                /* the GUN is not on the server yet */
	bool root_adopted;          /* the staged init's root is signed already (a
	                             * ceremony's, notary init --root): published as
	                             * it is, neither bumped nor signed */
	bool client_snapshot;       /* the signer holds the snapshot key and signed it */
	struct tn_file *prev_root;  /* cur's root, when the root changes */
	size_t n_changed;           /* roles changed, the snapshot not counted */
};

/* Starts next: a copy of cur (the server's verified state), or, when cur
 * is NULL, the staged init (init.json: {"root": TEXT, "targets": TEXT,
 * "root_signed": true?}) of a new GUN; root_signed: the root is a finished
 * one to publish byte for byte.  With both, init must be the root the server has (a first
 * publish cut short after the upload); TA_ERR_EXISTS when it is not. */
int tn_pub_begin(struct tn_pub *p, const struct tn_state *cur, const json_t *init,
    struct tn_error *e) __attribute__((warn_unused_result));

/* Applies staged changes (tn_repo_staged()'s "changes") to next, in order,
 * then bumps the version and expiry of each role changed, the snapshot
 * excepted.  Each change is idempotent: what is there already changes
 * nothing.  p->n_changed says how many roles changed. */
int tn_pub_apply(struct tn_pub *p, const json_t *changes, struct tn_error *e)
    __attribute__((warn_unused_result));

/* Signs every changed role through p->signer, root first (its keys sign
 * the rest), then targets and delegations, then, when the signer holds a
 * snapshot key, a new snapshot.  On failure next is left as it was
 * signed so far and cur as it came. */
int tn_pub_sign(struct tn_pub *p, struct tn_error *e) __attribute__((warn_unused_result));

/* The whole publish of what repo has staged to s: the server's state held
 * to the trusted one (pin_cert_id pins a root seen for the first time),
 * tn_pub_begin/apply/sign, the snapshot key checked on the server when
 * the signer has none, one upload, the read-back, and then the trust
 * directory updated and the staged changes cleared.  With nothing to
 * change, only the last two.  p's inputs are set by the caller. */
int tn_publish_run(struct tn_pub *p, struct tn_repo *repo, struct tn_server *s,
    const char *pin_cert_id, struct tn_error *e) __attribute__((warn_unused_result));

/* Releases what p holds (not its inputs but held). */
void tn_pub_free(struct tn_pub *p);

#endif
