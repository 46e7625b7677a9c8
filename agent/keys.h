/* Token keys as the agent serves them: finding a key a request names on
 * the configured tokens, its key IDs and key objects in both profiles, the
 * KEY object of key.list, and a struct ta_signer that signs on the token.
 *
 * Blocking (PKCS#11): worker threads only. */
#ifndef TA_AGENT_KEYS_H
#define TA_AGENT_KEYS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "agent/keycache.h"
#include "agent/pincache.h"
#include "agent/signwait.h"
#include "common/hex.h"
#include "pkcs11/p11.h"
#include "protocol/proto.h"
#include "tuf/key.h"
#include "tuf/signer.h"

struct ta_cfg_token;


/* A key found on a token: a cached key (keycache.h), valid while the
 * reference to its set is held. */
/* A configured token as a job sees it: a snapshot taken on the loop when
 * the job is made (tokens.c, ta_tokens_snapshot). */
struct ta_job_token {
	const char *name; /* [token "NAME"]; lives as long as the agent */
	const char *uri;
	const struct ta_cfg_token *cfg; /* fixed after start-up */
	struct ta_pincache *pc;   /* its PIN cache (thread-safe; lives as long as the agent) */
	struct ta_p11_token *p11; /* NULL: not found since start (absent) */
	struct ta_keycache *kc;   /* its key cache (thread-safe; lives as long as the agent) */
	bool verify;              /* verify-signatures */
};

/* A request's hold on one cached key: the key (in a key set it holds a
 * reference to, so that a refresh cannot free it underneath), its token,
 * and that token's cache. */
struct ta_key_ref {
	size_t tok; /* index into the job's tokens */
	struct ta_p11_token *p11;
	struct ta_keycache *kc;   /* the token's cache */
	struct ta_keyset *ks;     /* one reference */
	const struct ta_cached_key *ck; /* in ks */
	bool verify;              /* the token's verify-signatures */
};

/* Finds the one key that spec names among the tokens: a PKCS#11 URI
 * ("pkcs11:", its token attributes choose the tokens, object=/id= the key),
 * a key ID (64 hex digits: the notary, tuf or x509 ID of a token key), or
 * a label.  Looks in the tokens' key caches, which it fills when empty;
 * when nothing matches it refreshes them once (rate-limited, keycache.h)
 * for keys made behind the agent's back.  0 and *ret; else
 * TA_ERR_KEY_NOT_FOUND, TA_ERR_AMBIGUOUS (two tokens, or two keys),
 * TA_ERR_TOKEN_ABSENT / TA_ERR_NOT_LOGGED_IN when the key was not found and
 * a token was absent / locked, or another error.  Clear *ret with
 * ta_key_ref_clear().  Worker threads (it may list a token). */
int ta_key_ref_find(const struct ta_job_token *toks, size_t n, const char *spec, struct ta_key_ref *ret)
    __attribute__((warn_unused_result));

void ta_key_ref_clear(struct ta_key_ref *tk);

/* After a signature with tk failed with r: a key that is gone from the
 * token (its handle void: deleted behind the agent's back) drops the
 * token's cache, so that the next lookup lists the token again. */
void ta_key_ref_failed(const struct ta_key_ref *tk, int r);

/* The KEY of PROTOCOL.md (key.list) for ck: *ret borrows from ck and
 * token_name; its uri is *ret_uri (free it); scope NULL is none.
 * token_label and serial are the token's (for the URI).  TA_ERR_INVALID
 * when the KEY encoder would refuse it (a label that is not UTF-8), so
 * that a caller can skip the key; TA_ERR_UNSUPPORTED for a key type the
 * protocol has no name for. */
int ta_cached_key_info(const struct ta_cached_key *ck, const char *token_name,
    const char *token_label, const char *serial, const struct ta_proto_scope *scope,
    struct ta_proto_key_info *ret, char **ret_uri) __attribute__((warn_unused_result));

/* The profile's key object for ck, borrowed from it: for notary, with x509
 * true and a stored certificate, the ecdsa-x509 / rsa-x509 key of the
 * certificate.  NULL when the profiles cannot express the key. */
const struct ta_key *ta_cached_key_key(const struct ta_cached_key *ck, enum ta_profile profile, bool x509);

/* A signer over a token key.  A key that wants a PIN for every signature
 * (CKA_ALWAYS_AUTHENTICATE) gets it for the context-specific login from
 * the token's PIN cache, else from its PIN source (file:, env:, pinentry;
 * `unlock` only through the cache, which `tufctl unlock` fills), never
 * twice after the token refused it.  While the signature is on the token
 * the wait (may be NULL) says so, for the touch notice.  A failed
 * signature leaves why: a user's sentence ("touch not received: ...",
 * "PIN blocked: use the PUK ..."), or "" when the code says it all. */
#define TA_TSIGNER_WHY_MAX 400

struct ta_tsigner {
	struct ta_signer signer; /* signer.ctx points here */
	struct ta_p11_token *p11;
	const struct ta_p11_key *key;
	const struct ta_job_token *tok;
	struct ta_signwait *wait;
	unsigned slot; /* PIV slot (ta_p11_piv_slot), 0 when none */
	char id[TA_KEY_ID_SIZE]; /* the key's notary key ID */
	char why[TA_TSIGNER_WHY_MAX];
};

/* The signer verifies what the token returns unless its
 * verify-signatures is no (then RSA signatures only: tuf/signer.h).
 * tok is the token tk is on. */
void ta_tsigner_init(struct ta_tsigner *s, const struct ta_key_ref *tk,
    const struct ta_job_token *tok, struct ta_signwait *wait);

/* How long a signature on a PIV card may wait before a failure is the
 * touch's (the card's own timeout is 15 s; a PIN or key error comes at
 * once). */
#define TA_TSIGNER_TOUCH_MS 1000


#endif
