/* The token layer: a small, blocking, thread-safe API over PKCS#11.
 *
 * The only part of tuf-agent that includes pkcs11.h.  It loads modules
 * through p11-kit (by path or registered name, each module once), finds
 * tokens by RFC 7512 URI, logs in, lists and generates keys, signs, and
 * stores certificates.  Every CK_RV is translated here into a TA_ERR_*.
 *
 * Threads: a struct ta_p11_token may be used from any number of threads at
 * once.  Each signature takes a session from the token's pool (opening one
 * when fewer than `sessions` exist, else waiting for one), so N threads sign
 * in parallel on N sessions.  A session that fails with a handle, closed,
 * removed or absent error is closed and dropped, and the token then reports
 * itself absent until ta_p11_token_refresh() finds it answering again.
 *
 * PINs: the layer never retries a PIN and never keeps one.  A PIN is handed
 * over in a struct ta_secret, which the layer wipes and frees. */
#ifndef TA_P11_H
#define TA_P11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/keytype.h"

struct ta_secret;
struct ta_p11_ctx;
struct ta_p11_module;
struct ta_p11_token;
typedef struct x509_st X509;

/* What a token can do, from C_GetMechanismList. */
enum {
	TA_CAP_EC_GEN = 1 << 0,
	TA_CAP_ECDSA = 1 << 1,
	TA_CAP_ECDSA_SHA256 = 1 << 2,
	TA_CAP_RSA_GEN = 1 << 3,
	TA_CAP_RSA_PSS = 1 << 4,
	TA_CAP_RSA_PSS_SHA256 = 1 << 5,
	TA_CAP_RSA_PKCS = 1 << 6,
	TA_CAP_RSA_PKCS_SHA256 = 1 << 7,
	TA_CAP_ED_GEN = 1 << 8,
	TA_CAP_EDDSA = 1 << 9,
};

/* Token flags the layer reports (from CK_TOKEN_INFO.flags). */
enum {
	TA_TOK_LOGIN_REQUIRED = 1 << 0,
	TA_TOK_PROTECTED_AUTH = 1 << 1, /* PIN pad or touch; no PIN from us */
	TA_TOK_PIN_COUNT_LOW = 1 << 2,
	TA_TOK_PIN_FINAL_TRY = 1 << 3,
	TA_TOK_PIN_LOCKED = 1 << 4,
	TA_TOK_WRITE_PROTECTED = 1 << 5,
	TA_TOK_LOGGED_IN = 1 << 6,      /* our application is logged in */
	TA_TOK_PRESENT = 1 << 7,
	TA_TOK_BUSY = 1 << 8,           /* every session is in use (a signature
					   may be waiting for a touch): the
					   other flags are as last seen */
};

struct ta_p11_token_info {
	char label[33];        /* blank padding removed, NUL-terminated */
	char manufacturer[33];
	char model[17];
	char serial[17];
	char module[256];      /* module file name */
	unsigned long slot;
	unsigned flags;        /* TA_TOK_* */
	unsigned caps;         /* TA_CAP_* */
	unsigned long min_pin, max_pin;
	unsigned sessions_open, sessions_max;
};

#define TA_P11_ID_MAX 64
#define TA_P11_LABEL_MAX 128

/* A private key as found on a token: public facts only. */
struct ta_p11_key {
	enum ta_key_type type;
	unsigned bits;                 /* RSA modulus bits, EC field bits */
	char label[TA_P11_LABEL_MAX + 1];
	uint8_t id[TA_P11_ID_MAX];
	size_t id_len;
	bool always_auth;              /* CKA_ALWAYS_AUTHENTICATE */
	bool no_sign;                  /* CKA_SIGN false: a key for key agreement or
	                                * decryption only (OpenSC's PIV slot 9d) */
	bool sensitive, extractable, local;
	uint8_t *spki;                 /* DER SubjectPublicKeyInfo, may be NULL */
	size_t spki_len;
	uint8_t *cert;                 /* DER certificate with the same CKA_ID, or NULL */
	size_t cert_len;
	unsigned long handle;          /* object handle (valid for this token generation) */
	unsigned long generation;      /* token generation the handle belongs to */
};

/* ---- context and modules ------------------------------------------------ */

/* A context owns loaded modules; free it last.  NULL on OOM. */
struct ta_p11_ctx *ta_p11_ctx_new(void);
/* Closes every token's sessions, finalizes and unloads every module. */
void ta_p11_ctx_free(struct ta_p11_ctx *ctx);

/* Loads and initializes a module: an absolute path to a .so, or a p11-kit
 * registered module name ("softhsm2", "opensc-pkcs11").  Loading the same
 * module twice returns the first instance.  *ret_mod is owned by ctx.
 * TA_ERR_MODULE_LOAD when it cannot be found, loaded or initialized. */
int ta_p11_module_load(struct ta_p11_ctx *ctx, const char *name_or_path,
    struct ta_p11_module **ret_mod) __attribute__((warn_unused_result));

/* ---- tokens ------------------------------------------------------------- */

/* Finds the one token matching an RFC 7512 URI ("pkcs11:token=ci-hsm",
 * "pkcs11:serial=…;manufacturer=…") among the slots of mod, or of every
 * module loaded in ctx when mod is NULL, skipping slots without a token and
 * tokens that are not initialised.  Object attributes in the URI are ignored
 * here.  A URI carrying pin-value or pin-source is refused (TA_ERR_INVALID):
 * PINs do not travel in URIs.  sessions (1..64) bounds the session pool.
 * TA_ERR_INVALID for a malformed URI, TA_ERR_NOT_FOUND when nothing matches,
 * TA_ERR_AMBIGUOUS when several tokens match.  *ret_tok is owned by ctx. */
int ta_p11_token_open(struct ta_p11_ctx *ctx, struct ta_p11_module *mod, const char *uri,
    unsigned sessions, struct ta_p11_token **ret_tok) __attribute__((warn_unused_result));

/* Fresh token facts (flags, PIN counters, presence). */
int ta_p11_token_info(struct ta_p11_token *tok, struct ta_p11_token_info *ret_info)
    __attribute__((warn_unused_result));

/* Checks that the token answers and is the same token (label and serial).
 * After an absence it reopens a session; the caller logs in again.
 * 0 when present, TA_ERR_TOKEN_ABSENT when not. */
int ta_p11_token_refresh(struct ta_p11_token *tok) __attribute__((warn_unused_result));

/* Logs the user in.  pin may be NULL only when the token has a protected
 * authentication path.  pin is wiped and freed on every path.  One C_Login
 * at most, never a retry.  Unless interactive is true, login is refused
 * with TA_ERR_PIN_FINAL_TRY (no C_Login) when the token reports its final
 * try.  Already logged in is success.  PIN errors are the distinct
 * TA_ERR_PIN_* codes; after CKR_PIN_INCORRECT the token's flags choose
 * between INCORRECT, COUNT_LOW, FINAL_TRY and LOCKED. */
int ta_p11_token_login(struct ta_p11_token *tok, struct ta_secret *pin, bool interactive)
    __attribute__((warn_unused_result));

int ta_p11_token_logout(struct ta_p11_token *tok);

/* The token stopped answering in a way its module does not call a removal
 * (ykcs11 answers CKR_DEVICE_ERROR for a card pulled out, and its slot
 * still shows the token): treat it as absent, so that the next use, once
 * it answers, opens new sessions on a new generation and logs in again. */
void ta_p11_token_reset(struct ta_p11_token *tok);

/* The token's insertion: starts at 1 and grows each time the token is
 * found answering again after an absence (object handles of an earlier
 * insertion are void).  No PKCS#11 call: cheap enough for every request,
 * so that a cache of handles can tell that it is stale. */
unsigned long ta_p11_token_generation(struct ta_p11_token *tok);

/* ---- keys --------------------------------------------------------------- */

/* All private keys on the token.  *ret_keys is an array of *ret_n keys,
 * freed with ta_p11_keys_free(). */
int ta_p11_key_list(struct ta_p11_token *tok, struct ta_p11_key **ret_keys, size_t *ret_n)
    __attribute__((warn_unused_result));
void ta_p11_keys_free(struct ta_p11_key *keys, size_t n);
/* Frees what one key owns (not the struct). */
void ta_p11_key_clear(struct ta_p11_key *key);

/* Finds one private key by label, or by RFC 7512 URI (object=, id=).
 * TA_ERR_KEY_NOT_FOUND, TA_ERR_AMBIGUOUS. */
int ta_p11_key_find(struct ta_p11_token *tok, const char *label_or_uri,
    struct ta_p11_key *ret_key) __attribute__((warn_unused_result));

struct ta_p11_keygen {
	enum ta_key_type type;
	const char *label;           /* 1..TA_P11_LABEL_MAX bytes */
	const uint8_t *id;           /* NULL: 16 random bytes */
	size_t id_len;
	bool always_auth;            /* set CKA_ALWAYS_AUTHENTICATE */
};

/* Generates a key pair on the token: private key CKA_TOKEN, CKA_PRIVATE,
 * CKA_SENSITIVE, not CKA_EXTRACTABLE, signing only; public key verify only;
 * one CKA_ID for both.  TA_ERR_EXISTS when any object has the label,
 * TA_ERR_UNSUPPORTED when the token lacks the mechanism. */
int ta_p11_key_generate(struct ta_p11_token *tok, const struct ta_p11_keygen *gen,
    struct ta_p11_key *ret_key) __attribute__((warn_unused_result));

/* Deletes the key pair and certificate with the key's CKA_ID. */
int ta_p11_key_destroy(struct ta_p11_token *tok, const struct ta_p11_key *key)
    __attribute__((warn_unused_result));

/* ---- PIV cards (pkcs11/piv.c) --------------------------------------------- */

/* Which module shows tok, when it is a PIV card.  No PKCS#11 call. */
enum ta_p11_piv {
	TA_P11_PIV_NONE = 0,
	TA_P11_PIV_YKCS11, /* Yubico's ykcs11: model "YubiKey ..." */
	TA_P11_PIV_OPENSC, /* OpenSC: manufacturer "piv_II" */
};
enum ta_p11_piv ta_p11_piv_module(const struct ta_p11_token *tok);

/* The PIV slot of key (0x9a, 0x9c, 0x9d, 0x9e, 0x82..0x95) when tok is a
 * PIV card as OpenSC or ykcs11 shows it, else 0.  No PKCS#11 call. */
unsigned ta_p11_piv_slot(const struct ta_p11_token *tok, const struct ta_p11_key *key);

/* The label ykcs11 gives the private key of a slot ("Private key for
 * Digital Signature" for 9c); NULL when slot is not a PIV key slot. */
const char *ta_p11_piv_label(unsigned slot);

/* A management key in hex: 3DES, the only kind ykcs11 2.2 logs in with. */
#define TA_P11_PIV_MGMT_HEX 48

/* k is a management key ta_p11_piv_generate() takes: TA_P11_PIV_MGMT_HEX
 * hex digits, either case. */
bool ta_p11_piv_mgmt_ok(const struct ta_secret *k);

struct ta_p11_pivgen {
	enum ta_key_type type;  /* TA_KEY_EC_P256, TA_KEY_EC_P384 or TA_KEY_RSA_2048 */
	unsigned slot;          /* 0x9a, 0x9c, 0x9d, 0x9e, 0x82..0x95 */
	struct ta_secret *mgmt; /* the card's management key, TA_P11_PIV_MGMT_HEX hex digits */
	struct ta_secret *pin;  /* the user's PIN, to log in again afterwards; may be NULL */
};

struct ta_p11_pivgen_out {
	int so_r;     /* the management key's login failed with this (nothing made) */
	bool was_in;  /* the user was logged in before */
	int user_r;   /* 0, or why the user is not logged in again (was_in) */
};

/* Generates a key pair in an empty PIV slot of a YubiKey through ykcs11
 * (TA_ERR_UNSUPPORTED for any other module): the user logged out, the
 * security officer logged in with the management key, the pair made
 * (sensitive, never extractable, the slot's default PIN and touch
 * policies, named by the module after the slot), the officer logged out
 * and the user logged in again with gen->pin.  No other thread uses the
 * token meanwhile (it waits).  One C_Login of each kind at most, never a
 * retry.  TA_ERR_EXISTS when the slot holds a key (never replaced),
 * TA_ERR_INVALID for a bad slot or a management key that is not 48 hex
 * digits; a refused management key is out->so_r (and the return value).
 * gen->mgmt and gen->pin are wiped, freed and set NULL on every path. */
int ta_p11_piv_generate(struct ta_p11_token *tok, struct ta_p11_pivgen *gen,
    struct ta_p11_pivgen_out *out, struct ta_p11_key *ret_key)
    __attribute__((warn_unused_result));

/* ---- URIs ---------------------------------------------------------------- */

/* An RFC 7512 URI parsed by p11-kit, for matching tokens and keys the
 * layer already lists (ta_p11_token_open and ta_p11_key_find parse their
 * own).  Not thread-safe: one user at a time. */
struct ta_p11_uri;

enum {
	/* A key URI: it must name an object (object= or id=, never "a"
	 * key), and pin-value and pin-source are refused (PINs do not travel
	 * in URIs). */
	TA_P11_URI_KEY = 1 << 0,
};

/* Parses uri ("pkcs11:..."); flags are TA_P11_URI_*.  TA_ERR_INVALID for
 * a malformed URI, an attribute p11-kit does not know, a token attribute
 * longer than its CK_TOKEN_INFO field, a NUL in a token attribute, and,
 * with TA_P11_URI_KEY, an object= longer than TA_P11_LABEL_MAX or holding a
 * NUL, or an id= longer than TA_P11_ID_MAX.  Free *ret with
 * ta_p11_uri_free(). */
int ta_p11_uri_parse(const char *uri, unsigned flags, struct ta_p11_uri **ret)
    __attribute__((warn_unused_result));
void ta_p11_uri_free(struct ta_p11_uri *u);

/* Every token attribute the URI gives (token, serial, manufacturer, model)
 * equals the token's (NUL-terminated, blank padding removed, as in struct
 * ta_p11_token_info). */
bool ta_p11_uri_match_token(const struct ta_p11_uri *u, const char *label, const char *serial,
    const char *manufacturer, const char *model);

/* The URI's object= and id=, when given, equal the key's label and ID. */
bool ta_p11_uri_match_key(const struct ta_p11_uri *u, const struct ta_p11_key *key);

/* The URI of key on the token: "pkcs11:token=…;serial=…;id=…;object=…;
 * type=private", percent-encoded by p11-kit.  *ret is malloc()ed.
 * TA_ERR_INVALID when label or serial is longer than CK_TOKEN_INFO holds. */
int ta_p11_uri_format_key(const char *token_label, const char *serial,
    const struct ta_p11_key *key, char **ret) __attribute__((warn_unused_result));

/* ---- signing ------------------------------------------------------------ */

#define TA_P11_SIG_MAX TA_SIG_MAX

/* Signs msg with key in the given scheme, on a pooled session.  ECDSA
 * returns raw r||s (64 or 96 bytes), RSA the modulus-sized signature,
 * Ed25519 64 bytes.  For keys with CKA_ALWAYS_AUTHENTICATE, ctx_pin is
 * used for the context-specific login (NULL on a protected-auth token);
 * given for another key, it is used so too (a PIV slot with PIN policy
 * "always" that the module does not mark);
 * it is wiped and freed on every path when not NULL.  One C_Login, never
 * retried; a refused PIN is the TA_ERR_PIN_* the token's flags say
 * (INCORRECT, COUNT_LOW, FINAL_TRY, LOCKED).
 * TA_ERR_KEY_TYPE when scheme and key do not fit, TA_ERR_UNSUPPORTED when
 * the token lacks the mechanism. */
int ta_p11_sign(struct ta_p11_token *tok, const struct ta_p11_key *key,
    enum ta_sig_scheme scheme, const uint8_t *msg, size_t msg_len,
    struct ta_secret *ctx_pin, uint8_t sig[TA_P11_SIG_MAX], size_t *ret_sig_len)
    __attribute__((warn_unused_result));

/* ---- certificates ------------------------------------------------------- */

/* Stores a DER certificate on the token beside key (same CKA_ID and label),
 * replacing the one there. */
int ta_p11_cert_store(struct ta_p11_token *tok, const struct ta_p11_key *key,
    const uint8_t *der, size_t der_len) __attribute__((warn_unused_result));

/* Reads the DER certificate stored with key's CKA_ID.  *ret_der is
 * malloc()ed.  TA_ERR_NOT_FOUND when there is none. */
int ta_p11_cert_read(struct ta_p11_token *tok, const struct ta_p11_key *key,
    uint8_t **ret_der, size_t *ret_len) __attribute__((warn_unused_result));

/* PIV attestation (pkcs11/attest.c): the card's attestation certificate for
 * key (*ret_att) and its attestation signer's certificate (slot F9,
 * *ret_f9), DER, malloc()ed, as ykcs11 shows them.  TA_ERR_UNSUPPORTED
 * when the module shows none (OpenSC, SoftHSM2, an imported key). */
int ta_p11_attestation_read(struct ta_p11_token *tok, const struct ta_p11_key *key,
    uint8_t **ret_att, size_t *ret_att_len, uint8_t **ret_f9, size_t *ret_f9_len)
    __attribute__((warn_unused_result));

/* Signs a prepared certificate x (subject, issuer, validity, public key
 * and extensions set) with key: sets both signature algorithm fields for
 * the key's type (ecdsa-with-SHA256, sha256WithRSAEncryption, Ed25519),
 * signs the TBSCertificate on the token and puts the signature in x. */
int ta_p11_sign_x509(struct ta_p11_token *tok, const struct ta_p11_key *key, X509 *x,
    struct ta_secret *ctx_pin) __attribute__((warn_unused_result));

#endif
