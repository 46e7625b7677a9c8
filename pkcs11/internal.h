/* Shared between the token layer's files; not for use outside pkcs11/. */
#ifndef TA_P11_INTERNAL_H
#define TA_P11_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <p11-kit/pkcs11.h>

#include "pkcs11/p11.h"

#define TA__P11_MAX_SESSIONS 64

struct ta_p11_module {
	struct ta_p11_module *next;
	CK_FUNCTION_LIST *fl;
	char *path;          /* module file name */
	char *name;          /* p11-kit name or the path it was asked for */
};

struct ta__p11_session {
	CK_SESSION_HANDLE h;
	struct ta__p11_session *next;
};

struct ta_p11_token {
	struct ta_p11_token *next;
	struct ta_p11_module *mod;
	CK_SLOT_ID slot;
	char label[33], serial[17], manufacturer[33], model[17];
	unsigned caps;       /* TA_CAP_*, read at open and refresh */
	CK_FLAGS tflags;     /* token flags at open */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ta__p11_session *idle; /* open sessions not in use */
	unsigned open;       /* sessions open (idle + busy) */
	unsigned max;        /* pool bound */
	bool absent;         /* a session failed with removed/absent */
	bool logged_in;      /* as last seen; asked of an idle session when there is one */
	/* What C_GetTokenInfo said last: while every session is busy (a
	 * signature waits for a touch) the module may block other calls on
	 * the slot, and status must not wait for a touch. */
	CK_FLAGS last_flags;
	CK_ULONG last_min_pin, last_max_pin;
	bool has_last;
	unsigned long generation; /* bumped at each return after absence */
	pthread_mutex_t gen_lock; /* serialises key generation (label check) */
	bool exclusive;      /* one thread has the token to itself (ta__p11_exclusive_begin) */
};

struct ta_p11_ctx {
	pthread_mutex_t lock;
	struct ta_p11_module *mods;
	struct ta_p11_token *toks;
};

/* CK_RV to TA_ERR_*, once, here. */
int ta__p11_rv(CK_RV rv);
/* True for errors after which a session is not worth keeping. */
bool ta__p11_session_dead(CK_RV rv);

/* Copy a blank-padded PKCS#11 string into a NUL-terminated one. */
void ta__p11_str(char *dst, size_t dstlen, const unsigned char *src, size_t srclen);

/* Borrow a pooled session; give it back with ok=false when the call on it
 * failed in a way that kills sessions (ta__p11_session_dead). */
int ta__p11_session_get(struct ta_p11_token *tok, CK_SESSION_HANDLE *ret_h);
void ta__p11_session_put(struct ta_p11_token *tok, CK_SESSION_HANDLE h, CK_RV last_rv);
/* Close a borrowed session that is in an unknown state (an operation
 * left active); the token is not marked absent. */
void ta__p11_session_discard(struct ta_p11_token *tok, CK_SESSION_HANDLE h);

/* The token to this thread alone, for what changes the login state of
 * every session (a PIV key generation logs the user out): waits until no
 * other thread holds a session of tok, then keeps the others waiting in
 * ta__p11_session_get() until ta__p11_exclusive_end().  *ret_h is a
 * session for the holder, given back by ta__p11_exclusive_end() as
 * ta__p11_session_put() would. */
int ta__p11_exclusive_begin(struct ta_p11_token *tok, CK_SESSION_HANDLE *ret_h);
void ta__p11_exclusive_end(struct ta_p11_token *tok, CK_SESSION_HANDLE h, CK_RV last_rv);

void ta__p11_token_free(struct ta_p11_token *tok);

/* Capabilities from the mechanism list. */
unsigned ta__p11_caps(CK_FUNCTION_LIST *fl, CK_SLOT_ID slot);

/* Fill key from a private key object handle (label, id, type, spki, cert). */
int ta__p11_key_load(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    struct ta_p11_key *key);

/* Find objects matching a template; up to max handles. */
int ta__p11_find(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
    CK_ULONG n, CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n);

/* Reads one variable-length attribute (at most 64 KiB) into malloc()ed
 * memory the caller frees; CKR_ATTRIBUTE_VALUE_INVALID when the token gives
 * no usable length, CKR_HOST_MEMORY when out of memory. */
CK_RV ta__p11_get_attr(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type, uint8_t **ret, size_t *ret_len);

/* ta__p11_find() for the objects of class cls with key's CKA_ID. */
int ta__p11_find_id(struct ta_p11_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const struct ta_p11_key *key, CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n);

/* The certificates with key's CKA_ID that are the key's own: not the
 * attestation ykcs11 shows with the same CKA_ID.  Up to max handles. */
int ta__p11_find_cert(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const struct ta_p11_key *key,
    CK_OBJECT_HANDLE *ret_objs, CK_ULONG max, CK_ULONG *ret_n);

/* The CKA_VALUE (DER) of the first certificate ta__p11_find_cert() finds,
 * malloc()ed: TA_ERR_NOT_FOUND when there is none, TA_ERR_FORMAT when the
 * token gives no usable value.  *ret_rv is the last PKCS#11 result, for
 * ta__p11_session_put(). */
int ta__p11_cert_value(struct ta_p11_token *tok, CK_SESSION_HANDLE s, const struct ta_p11_key *key,
    uint8_t **ret_der, size_t *ret_len, CK_RV *ret_rv);

/* A C_Login's CK_RV as a TA_ERR_*: after CKR_PIN_INCORRECT the token's
 * flags choose between INCORRECT, COUNT_LOW, FINAL_TRY and LOCKED. */
int ta__p11_pin_error(struct ta_p11_token *tok, CK_RV rv);

/* Is the application logged in as the user? */
bool ta__p11_logged_in(struct ta_p11_token *tok, CK_SESSION_HANDLE s);

/* Re-find the private key's handle when the token generation moved on. */
int ta__p11_key_handle(struct ta_p11_token *tok, CK_SESSION_HANDLE s,
    const struct ta_p11_key *key, CK_OBJECT_HANDLE *ret_h);

#endif
