/* Token keys as the agent serves them: finding a key a request names on
 * the configured tokens, its key IDs and key objects in both profiles, the
 * KEY object of key.list, and a struct ta_signer that signs on the token.
 *
 * Blocking (PKCS#11 and hashing): worker threads only. */
#ifndef TA_AGENT_KEYS_H
#define TA_AGENT_KEYS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "pkcs11/p11.h"
#include "tuf/key.h"
#include "tuf/signer.h"

struct ta_job_token;

/* A key found on a token. */
struct ta_tkey {
	size_t tok; /* index into the job's tokens */
	struct ta_p11_token *p11;
	struct ta_p11_key key; /* owns its SPKI and certificate */
	char notary_id[TA_KEY_ID_SIZE];
	char tuf_id[TA_KEY_ID_SIZE];
	char x509_id[TA_KEY_ID_SIZE]; /* "" without a stored certificate */
};

/* Finds the one key that spec names among the tokens: a PKCS#11 URI
 * ("pkcs11:", its token attributes choose the tokens, object=/id= the key),
 * a key ID (64 hex digits: the notary, tuf or x509 ID of a token key), or
 * a label.  0 and *ret; else TA_ERR_KEY_NOT_FOUND, TA_ERR_AMBIGUOUS (two
 * tokens, or two keys), TA_ERR_TOKEN_ABSENT / TA_ERR_NOT_LOGGED_IN when the
 * key was not found and a token was absent / locked, or another error.
 * Clear *ret with ta_tkey_clear(). */
int ta_tkey_find(const struct ta_job_token *toks, size_t n, const char *spec, struct ta_tkey *ret)
    __attribute__((warn_unused_result));

/* Fills the IDs of key (in *tk, whose key and tok are set). */
int ta_tkey_ids(struct ta_tkey *tk) __attribute__((warn_unused_result));

void ta_tkey_clear(struct ta_tkey *tk);

/* The KEY object of PROTOCOL.md (key.list): label, token, uri, type,
 * keyids, cert.  token_label and serial are the token's (for the URI). */
int ta_tkey_json(const struct ta_tkey *tk, const char *token_name, const char *token_label,
    const char *serial, json_t **ret) __attribute__((warn_unused_result));

/* The profile's key object for tk: for notary, with x509 true and a stored
 * certificate, the ecdsa-x509 / rsa-x509 key of the certificate.  Free
 * with ta_key_free(). */
int ta_tkey_key(const struct ta_tkey *tk, enum ta_profile profile, bool x509, struct ta_key **ret)
    __attribute__((warn_unused_result));

/* A signer over a token key; since (may be NULL) holds the time a
 * signature started, 0 when none is on the token (touch notices). */
struct ta_tsigner {
	struct ta_signer signer; /* signer.ctx points here */
	struct ta_p11_token *p11;
	const struct ta_p11_key *key;
	atomic_llong *since;
};

void ta_tsigner_init(struct ta_tsigner *s, const struct ta_tkey *tk, atomic_llong *since);

/* The token attributes of a PKCS#11 URI (RFC 7512 path attributes token,
 * serial, manufacturer, model; percent-decoded; "" when absent). */
struct ta_uri_token {
	char token[33], serial[17], manufacturer[33], model[17];
	bool has_token, has_serial, has_manufacturer, has_model;
};

/* TA_ERR_INVALID for a malformed URI or an attribute too long to match. */
int ta_uri_token_parse(const char *uri, struct ta_uri_token *ret)
    __attribute__((warn_unused_result));

/* Every attribute the URI gives equals the token's. */
bool ta_uri_token_match(const struct ta_uri_token *u, const char *label, const char *serial,
    const char *manufacturer, const char *model);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void ta_hex(char *out, const uint8_t *p, size_t n);

#endif
