/* Root key ceremonies (issue #13), the TUF 1.0 profile: what a ceremony
 * folder DIR holds and the steps' shared parts.  The commands are in
 * client/cmd_ceremony.c.
 *
 *	DIR/root.unsigned.json  the exact bytes every signer signs (a TUF root
 *	                        file with no signatures); never rewritten
 *	DIR/prev-root.json      the root being rotated from, as given
 *	                        (--prev-root), its exact bytes; absent for a
 *	                        first root
 *	DIR/plan.json           who signs (name, key reference, key ID, key,
 *	                        whether the key is the new root's and/or the
 *	                        old root's, attestation), the threshold, the
 *	                        SHA-256 of root.unsigned.json.  The ceremony's
 *	                        ID is the SHA-256 of plan.json's bytes
 *	DIR/signatures.json     the signatures so far, [{"keyid","sig"}...] in
 *	                        the order they came
 *	DIR/transcript.jsonl    client/transcript.h
 *
 * Every command reads DIR again, every file is replaced atomically
 * (tn_write_file): a command killed at any point is run again. */
#ifndef TA_CLIENT_CEREMONY_H
#define TA_CLIENT_CEREMONY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "client/notary_base.h"
#include "client/transcript.h"
#include "protocol/proto.h"
#include "tuf/key.h"
#include "tuf/meta.h"

#define CER_ROOT_FILE "root.unsigned.json"
#define CER_PREV_FILE "prev-root.json"
#define CER_PLAN_FILE "plan.json"
#define CER_SIGS_FILE "signatures.json"
/* A root file, a plan, a request or a response. */
#define CER_FILE_MAX ((size_t)1024 * 1024)
/* Signers of one ceremony (the agent's TA_PROTO_KEYS_MAX per request is
 * not the bound: each signer signs alone). */
#define CER_SIGNERS_MAX 32

struct cer {
	char *dir;
	enum ta_profile profile; /* the plan's: TUF or NOTARY */
	json_t *plan;
	char id[65];             /* SHA-256 of plan.json's bytes */
	uint8_t *root_bytes;     /* root.unsigned.json, NUL-terminated */
	size_t root_len;
	char sha256[65];         /* of root_bytes */
	struct ta_meta *root;    /* root_bytes parsed */
	uint8_t *prev_bytes;     /* prev-root.json or NULL */
	size_t prev_len;
	struct ta_meta *prev;
	json_t *sigs;            /* signatures.json */
};

/* Reads DIR: TA_ERR_NOT_FOUND when there is no ceremony there; every file
 * checked against the plan (the root's hash, the previous root's). */
int cer_load(const char *dir, struct cer **ret, struct tn_error *e);
void cer_free(struct cer *c);

/* The plan's signer named name, or NULL. */
const json_t *cer_signer(const struct cer *c, const char *name);
/* Whether signatures.json holds a signature by keyid. */
bool cer_has_sig(const struct cer *c, const char *keyid);
/* Adds sig to signatures.json (atomically) and to c->sigs. */
int cer_add_sig(struct cer *c, const json_t *sig, struct tn_error *e);

/* A signature's members as TUF and notary write them: keyid, sig and, for
 * notary, method; a new reference or NULL when sig lacks keyid or sig. */
json_t *cer_sig_clean(const json_t *sig);

/* Whether sig ({"keyid","sig"}) is keyid's (key, a TUF key object)
 * valid signature over root's canonical bytes. */
bool cer_sig_valid(const struct ta_meta *root, const char *keyid, const json_t *key,
    const json_t *sig);

/* The counts against the thresholds with every signature of c: the new
 * root's own, and (when c->prev) the previous root's; *pneed 0 without. */
void cer_counts(const struct cer *c, size_t *have, int64_t *need, size_t *phave, int64_t *pneed);

/* Prints what is signed: version, expiry, each role's key IDs and
 * threshold, the changes against prev (may be NULL), and sha256 (hex of
 * the exact bytes) in hex and as PGP words. */
int cer_summary(FILE *out, const struct ta_meta *root, const struct ta_meta *prev,
    const char *sha256);
/* Asks who on stdout, reads one line from stdin: true only for exactly
 * "yes". */
bool cer_confirm(const char *who);

/* Has the agent (tufctl's --socket) sign root (its exact file bytes, len,
 * NUL-terminated) as root with key (an agent reference) for gun (may be
 * NULL), prev (may be NULL) as the previous root; *ret_sig is the signature
 * made as keyid (TA_ERR_VERIFY when the key signed as others only: not
 * keyid's key).  profile TA_PROTO_PROFILE_CEREMONY signs a transcript head
 * (tuf/cerhead.h) instead of a root. */
int cer_agent_sign(enum ta_proto_profile profile, const char *gun, const char *key,
    const char *keyid, const uint8_t *root, size_t len, const uint8_t *prev, size_t prev_len,
    json_t **ret_sig, struct tn_error *e);

/* The token holding an agent key: {"name","serial","model"} from the
 * agent's status, or NULL when it cannot be told (no serial). */
json_t *cer_token_of(const char *ref);

/* Whether tok is null or a token as cer_token_of makes it (from a REQ or
 * RESP file: printable strings "serial" and maybe "name" and "model"). */
bool cer_token_ok(const json_t *tok);

/* Whether a token with want's serial and model (cer_token_of) is present
 * at this machine's agent: checked before a signature is asked for, so
 * that a wrong token is refused before any PIN.  0 when it is or want
 * names none; TA_ERR_TOKEN_ABSENT naming who and the tokens present. */
int cer_token_check(const json_t *want, const char *who, struct tn_error *e);

/* The plan's "attestation" of a signer (client/ceremony_attest.c): the
 * card's attestation of the agent key ref on token (cer_token_of) when it
 * is a YubiKey that has one and it attests key (the plan's key object of
 * profile p), else the string "unattested".  A new reference. */
json_t *cer_attest_signer(const char *ref, const json_t *token, const json_t *key,
    enum ta_profile p);

/* Re-checks every attestation a plan records: against the CA bundle ca
 * (NULL: the chain is not checked), that it attests the signer's key, no
 * device serial shared by two signers, PIN and touch policies at least the
 * plan's "require".  0 with a one-line summary, or TA_ERR_VERIFY with why
 * (naming the signer). */
int cer_attest_check(const json_t *plan, const char *ca, char *summary, size_t summary_len,
    char *why, size_t why_len);

/* The plan's GUN ("" when it names none). */
const char *cer_gun(const struct cer *c);

/* Seals a finished ceremony (client/ceremony_seal.c): has every root key
 * of the plan that this machine's agent holds sign the transcript's head
 * (profile "ceremony"), and appends a "seal" record with the head and the
 * signatures.  Does nothing when the last record is already a seal of
 * this head's root (a finish run again).  Prints one line per key. */
int cer_seal(const struct cer *c, struct tc_transcript *t, const char *root_sha256,
    struct tn_error *e);

/* What cer_seal_check() found of the last seal. */
struct cer_seal_check {
	bool sealed;      /* a seal record follows the last finish */
	size_t seal;      /* its record number */
	size_t valid;     /* signatures valid over the head, by distinct root keys */
	int64_t threshold;/* the plan's */
	size_t after;     /* records after the seal, which it does not cover */
	char why[256];    /* when the seal is not sound: which record, why */
};

/* Checks the seals of a transcript (len bytes that tc_verify() took):
 * each seal's head names the record before it, the ceremony of the init
 * record and the root of the finish record, and each signature verifies by
 * a root key of the init record's plan (with root not NULL: a root key of
 * root, matched by public key).  0, or TA_ERR_VERIFY with why. */
int cer_seal_check(const uint8_t *data, size_t len, const struct ta_meta *root,
    struct cer_seal_check *res);

/* What a key reference means in a ceremony (client/ceremony_keys.c). */
struct cer_keyctx {
	enum ta_profile profile;
	const char *gun; /* notary: required */
};

/* A key reference as a key object of kc->profile and its ID: an agent key
 * (label, key ID, URI), "pubkey:FILE" (PEM SPKI) or, for notary root keys,
 * "cert:FILE"; a notary root key from the agent is a certificate for the
 * GUN that the key makes.  One line printed on failure; TUFCTL_OK or
 * TUFCTL_FAIL. */
int cer_key_resolve(const struct cer_keyctx *kc, const char *ref, bool root_key, char keyid[65],
    json_t **ret);

/* The plain TUF key of a key object of profile p (a notary certificate
 * key: its public key): what signs a transcript head.  A TA_ERR_*. */
int cer_tuf_key_of(enum ta_profile p, const json_t *key, struct ta_key **ret);

/* SHA-256 of len bytes as 64 lower-case hex. */
void cer_sha256_hex(const void *p, size_t len, char out[65]);

#endif
