/* The socket protocol: frames, requests, responses and notices.  No I/O.
 *
 * protocol/PROTOCOL.md is the specification; this header is its C face and
 * repeats only what a caller needs.  Every limit below is a documented part
 * of the protocol (PROTOCOL.md, "Limits").
 *
 * Agent side:
 *	ta_proto_init();                                   (once, at start-up)
 *	r = ta_proto_frame_take(in, max_frame, &json, &len);
 *	if (r == TA_ERR_TRUNCATED)  -> wait for more bytes
 *	if (r != 0)                 -> protocol error: drop the connection
 *	r = ta_proto_decode_request(json, len, &req, &fault);
 *	if (r != 0)                 -> ta_proto_encode_fault(out, &fault)
 *	else                        -> dispatch on req->method, then
 *	                               ta_proto_encode_result/_error(out, &req->id, ...);
 *	                               ta_proto_req_free(req)
 *
 * Client side: ta_proto_encode_request() and ta_proto_decode_response().
 *
 * Errors are negative TA_ERR_* (common/err.h).  ret_* parameters are written
 * only on success.  A failed encode leaves the output buffer as it was.
 * Thread-safe apart from ta_proto_init(): no shared state beyond jansson's. */
#ifndef TA_PROTO_H
#define TA_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/keytype.h"

struct ta_buf;
struct ta_secret;

#define TA_PROTO_WUR __attribute__((warn_unused_result))

/* ---- limits (PROTOCOL.md, "Limits") ------------------------------------- */

#define TA_PROTO_VERSION 1                       /* the only version spoken */
#define TA_PROTO_FRAME_HDR 4                     /* big-endian u32 payload length */
#define TA_PROTO_MAX_FRAME ((size_t)64 << 20)    /* payload bytes: default and hard cap */
#define TA_PROTO_MAX_DEPTH 16                    /* containers, the message object is 1 */
#define TA_PROTO_INT_LIMIT ((json_int_t)1 << 53) /* |integer| anywhere in a message */
#define TA_PROTO_ID_MAX 64                       /* bytes in a string id */
#define TA_PROTO_VERSIONS_MAX 16                 /* entries in hello.versions */
#define TA_PROTO_VERSION_VALUE_MAX 65535         /* each entry is 1..this */
#define TA_PROTO_CLIENT_MAX 128                  /* hello.client */
#define TA_PROTO_AGENT_MAX 128                   /* hello result: agent */
#define TA_PROTO_TOKEN_MAX 1024                  /* token name or PKCS#11 URI */
#define TA_PROTO_PIN_MAX 256                     /* unlock.pin (<= TA_SECRET_MAX) */
#define TA_PROTO_LABEL_MAX 128                   /* key.generate.label */
#define TA_PROTO_KEY_MAX 1024                    /* a key: label, key ID or PKCS#11 URI */
#define TA_PROTO_GUN_MAX 255                     /* a GUN (docker reference limit) */
#define TA_PROTO_ROLE_MAX 255                    /* a role name */
#define TA_PROTO_KEYS_MAX 16                     /* sign.keys entries */
#define TA_PROTO_SCOPE_MAX 16                    /* entries in a scope's guns and roles */
#define TA_PROTO_DAYS_MIN 1
#define TA_PROTO_DAYS_MAX 36500
#define TA_PROTO_DAYS_DEFAULT 3650
#define TA_PROTO_KEYID_LEN 64   /* hex SHA-256 key IDs and digests */
#define TA_PROTO_METHODS_MAX 64 /* hello result: methods entries */
#define TA_PROTO_METHOD_NAME_MAX 32
#define TA_PROTO_ERRNAME_MAX 64  /* error data.name */
#define TA_PROTO_MESSAGE_MAX 256 /* error message, notice message */
#define TA_PROTO_DETAIL_MAX 1024 /* error data.detail */
#define TA_PROTO_NOTICE_KIND_MAX 32

/* ---- error codes (PROTOCOL.md, "Errors") --------------------------------- */

enum {
	TA_PROTO_E_PARSE = -32700,           /* not one well-formed JSON value */
	TA_PROTO_E_INVALID_REQUEST = -32600, /* not a valid request object */
	TA_PROTO_E_METHOD_NOT_FOUND = -32601,
	TA_PROTO_E_INVALID_PARAMS = -32602,
	TA_PROTO_E_INTERNAL = -32603,
	TA_PROTO_E_NOT_AUTHORIZED = -32001,
	TA_PROTO_E_TOKEN_ABSENT = -32002,
	TA_PROTO_E_TOKEN_LOCKED = -32003,
	TA_PROTO_E_PIN_INCORRECT = -32004,
	TA_PROTO_E_PIN_LOCKED = -32005,
	TA_PROTO_E_KEY_NOT_FOUND = -32006,
	TA_PROTO_E_POLICY = -32007,
	TA_PROTO_E_BUSY = -32008,
	TA_PROTO_E_TIMEOUT = -32009,
	TA_PROTO_E_UNSUPPORTED = -32010,
	TA_PROTO_E_METADATA = -32011,
	TA_PROTO_E_PIN_FINAL_TRY = -32012,
	TA_PROTO_E_EXISTS = -32013,
};

/* The error code a TA_ERR_* is reported with (PROTOCOL.md has the table).
 * Anything unlisted, TA_OK and unknown values included, is
 * TA_PROTO_E_INTERNAL. */
int ta_proto_error_code(int err);

/* The TA_ERR_* a client should act on for an error code without a known
 * data.name: the first row of the table for that code; TA_ERR_PROTOCOL for
 * codes that are not in it. */
int ta_proto_error_err(int code);

/* The message sent with a code ("PIN incorrect"); NULL for a code that is not
 * in the table.  Static storage. */
const char *ta_proto_error_message(int code);

/* ---- values -------------------------------------------------------------- */

enum ta_proto_method {
	TA_PROTO_METHOD_NONE = 0,
	TA_PROTO_METHOD_HELLO,
	TA_PROTO_METHOD_STATUS,
	TA_PROTO_METHOD_UNLOCK,
	TA_PROTO_METHOD_LOCK,
	TA_PROTO_METHOD_KEY_LIST,
	TA_PROTO_METHOD_KEY_GENERATE,
	TA_PROTO_METHOD_KEY_CERT,
	TA_PROTO_METHOD_KEY_SHOW,
	TA_PROTO_METHOD_SIGN,
	TA_PROTO_METHOD_KEY_SCOPE,
	TA_PROTO_METHOD_KEY_ATTEST,
	TA_PROTO_METHOD_COUNT_ /* not a method */
};

/* "hello", "key.generate", ...; NULL for NONE or an unknown value. */
const char *ta_proto_method_name(enum ta_proto_method m);

/* A PIV key slot written as in key.generate's "slot" ("9c": two lowercase
 * hex digits; 9a, 9c, 9d, 9e, 82..95) as its number, else 0. */
unsigned ta_proto_piv_slot(const char *s);

/* The inverse for len bytes at name; TA_PROTO_METHOD_NONE when unknown. */
enum ta_proto_method ta_proto_method_from_name(const char *name, size_t len);

enum ta_proto_profile {
	TA_PROTO_PROFILE_NONE = 0,
	TA_PROTO_PROFILE_NOTARY,
	TA_PROTO_PROFILE_TUF,
	TA_PROTO_PROFILE_CEREMONY, /* sign only: a ceremony transcript head (tuf/cerhead.h) */
};

/* "notary", "tuf", "ceremony"; NULL otherwise. */
const char *ta_proto_profile_name(enum ta_proto_profile p);

enum ta_proto_id_kind {
	TA_PROTO_ID_NULL = 0, /* JSON null: no id could be read */
	TA_PROTO_ID_INT,
	TA_PROTO_ID_STR,
};

/* A request id, echoed in the response.  An integer is within
 * +-TA_PROTO_INT_LIMIT; a string is 1..TA_PROTO_ID_MAX bytes of UTF-8 with
 * no control characters, NUL-terminated here. */
struct ta_proto_id {
	enum ta_proto_id_kind kind;
	int64_t num;
	size_t len;
	char str[TA_PROTO_ID_MAX + 1];
};

/* Sets *ret_id to an integer id; TA_ERR_INVALID beyond +-2^53. */
int ta_proto_id_int(int64_t num, struct ta_proto_id *ret_id) TA_PROTO_WUR;

/* Sets *ret_id to a string id; TA_ERR_INVALID unless s is a valid id string. */
int ta_proto_id_str(const char *s, struct ta_proto_id *ret_id) TA_PROTO_WUR;

/* Same kind and same value. */
bool ta_proto_id_equal(const struct ta_proto_id *a, const struct ta_proto_id *b);

/* ---- process set-up ------------------------------------------------------- */

/* Installs jansson allocation functions whose free wipes every block
 * (explicit_bzero over malloc_usable_size) before releasing it, so that the
 * copies jansson makes of a PIN while parsing an unlock request (lexer
 * buffers, the string value) do not outlive the request.  Process-wide: it
 * affects every jansson user in the process (tuf/ too).  Call it once at
 * start-up, before any jansson value exists and before threads start.  Safe
 * to call again. */
void ta_proto_init(void);

/* ---- frames ---------------------------------------------------------------- */

/* Looks for one frame at the start of len bytes at p, whose payload may be at
 * most max bytes (1..TA_PROTO_MAX_FRAME).
 *   0                  a whole frame is there: its payload is the *ret_len
 *                      (1..max) bytes at p + TA_PROTO_FRAME_HDR
 *   TA_ERR_TRUNCATED   not yet: read more bytes and call again
 *   TA_ERR_TOO_LARGE   the length prefix is over max      } the connection is
 *   TA_ERR_PROTOCOL    the length prefix is zero          } beyond repair
 *   TA_ERR_INVALID     max out of range, or p NULL with len > 0
 * A bad prefix is reported as soon as its four bytes are there. */
int ta_proto_frame_check(const uint8_t *p, size_t len, size_t max, size_t *ret_len) TA_PROTO_WUR;

/* ta_proto_frame_check() on a connection's input buffer.  On success the
 * frame is consumed and *ret_json points at its payload inside in (borrowed,
 * valid until the next write to in; see common/buf.h).  Consumed bytes stay
 * in memory until the buffer is reset or compacted: the agent resets its
 * input buffer when it drains (PROTOCOL.md, "Secrets"). */
int ta_proto_frame_take(
    struct ta_buf *in, size_t max, const uint8_t **ret_json, size_t *ret_len) TA_PROTO_WUR;

/* ---- requests (agent side) -------------------------------------------------- */

/* Strings are NUL-terminated; an optional string that was absent is "" (an
 * empty string on the wire is refused, so "" always means absent). */
struct ta_proto_hello {
	uint32_t versions[TA_PROTO_VERSIONS_MAX]; /* distinct, 1..65535, in wire order */
	size_t n_versions;                        /* 1..TA_PROTO_VERSIONS_MAX */
	char client[TA_PROTO_CLIENT_MAX + 1];     /* optional */
};

struct ta_proto_unlock {
	char token[TA_PROTO_TOKEN_MAX + 1]; /* optional */
	struct ta_secret *pin;              /* 1..TA_PROTO_PIN_MAX bytes; owned by the request */
};

struct ta_proto_token_params {              /* lock, key.list */
	char token[TA_PROTO_TOKEN_MAX + 1]; /* optional */
};

/* A key's scope (PROTOCOL.md, "Key scopes"): the repositories (GUN
 * patterns) and roles (role patterns) it may sign for, and the profile.
 * Patterns are fnmatch(3) globs: GUNs with flags 0, roles FNM_PATHNAME, as
 * the [allow] rules' gun = and roles =. */
struct ta_proto_scope {
	enum ta_proto_profile profile; /* TA_PROTO_PROFILE_NONE: either */
	char guns[TA_PROTO_SCOPE_MAX][TA_PROTO_GUN_MAX + 1];
	size_t n_guns; /* 1..TA_PROTO_SCOPE_MAX */
	char roles[TA_PROTO_SCOPE_MAX][TA_PROTO_ROLE_MAX + 1];
	size_t n_roles; /* 1..TA_PROTO_SCOPE_MAX */
};

/* Reads a SCOPE object {"profile"?,"guns","roles"}: no other members, 1..16
 * entries of 1..255 bytes of text each, no repeats.  0 and *ret, or
 * TA_ERR_INVALID / TA_ERR_TOO_LARGE with a reason in why (naming path and
 * the member, never quoting a value). */
int ta_proto_scope_decode(const json_t *v, const char *path, struct ta_proto_scope *ret,
    char *why, size_t whylen) TA_PROTO_WUR;

/* The SCOPE object for s: a new reference, or NULL (out of memory). */
json_t *ta_proto_scope_json(const struct ta_proto_scope *s);

/* s has no fnmatch(3) special character (* ? [ \\): it names one GUN or role. */
bool ta_proto_scope_literal(const char *s);

struct ta_proto_key_generate {
	char label[TA_PROTO_LABEL_MAX + 1]; /* "" only with slot: the module names the key */
	unsigned slot;                      /* a PIV key slot (0x9c) or 0; params "slot": "9c" */
	enum ta_key_type type;              /* one of the six generatable types */
	char token[TA_PROTO_TOKEN_MAX + 1]; /* optional */
	bool has_scope;                     /* the new key's scope was given */
	struct ta_proto_scope scope;
};

/* key.scope: show (neither set, add nor clear), replace, widen or remove a
 * key's scope. */
enum ta_proto_scope_op {
	TA_PROTO_SCOPE_SHOW = 0,
	TA_PROTO_SCOPE_SET,
	TA_PROTO_SCOPE_ADD,
	TA_PROTO_SCOPE_CLEAR,
};

struct ta_proto_key_scope {
	char key[TA_PROTO_KEY_MAX + 1];
	enum ta_proto_scope_op op;
	struct ta_proto_scope scope; /* SET and ADD */
};

struct ta_proto_key_cert {
	char key[TA_PROTO_KEY_MAX + 1];
	char gun[TA_PROTO_GUN_MAX + 1];
	uint32_t days; /* TA_PROTO_DAYS_MIN..MAX, default TA_PROTO_DAYS_DEFAULT */
	bool store;    /* default false */
};

struct ta_proto_key_show {
	char key[TA_PROTO_KEY_MAX + 1];
	enum ta_proto_profile profile;
};

struct ta_proto_key_attest {
	char key[TA_PROTO_KEY_MAX + 1];
};

struct ta_proto_sign {
	enum ta_proto_profile profile;
	char role[TA_PROTO_ROLE_MAX + 1];
	char gun[TA_PROTO_GUN_MAX + 1]; /* required for notary, optional for tuf */
	char keys[TA_PROTO_KEYS_MAX][TA_PROTO_KEY_MAX + 1]; /* distinct */
	size_t n_keys;                                      /* 1..TA_PROTO_KEYS_MAX */
	const char *file; /* borrowed from the request; NUL-terminated */
	size_t file_len;  /* 1..TA_PROTO_MAX_FRAME, no NUL inside */
	/* Optional, role "root" only: the currently trusted root's bytes, as
	 * file (a rotation: the previous root's root keys may sign too).
	 * NULL and 0 when absent. */
	const char *prev_root;
	size_t prev_root_len;
	/* Optional, delegated targets roles only (not root, targets, snapshot
	 * or timestamp): the delegating role's file, as file.  The keys then
	 * sign as the keys that file's delegation to role lists (by public
	 * key: a delegation may list a certificate of the token key).  NULL
	 * and 0 when absent. */
	const char *parent;
	size_t parent_len;
};

/* A decoded, fully validated request.  Owns everything it points to: the PIN
 * secret (unlock) and, for sign only, the parsed message that file and
 * prev_root point into.  Free with ta_proto_req_free(). */
struct ta_proto_req {
	enum ta_proto_method method;
	struct ta_proto_id id; /* never TA_PROTO_ID_NULL */
	union {
		struct ta_proto_hello hello;
		struct ta_proto_unlock unlock;
		struct ta_proto_token_params lock;
		struct ta_proto_token_params key_list;
		struct ta_proto_key_generate key_generate;
		struct ta_proto_key_cert key_cert;
		struct ta_proto_key_show key_show;
		struct ta_proto_key_attest key_attest;
		struct ta_proto_sign sign;
		struct ta_proto_key_scope key_scope;
	} p;           /* by method; status has no params */
	json_t *tree_; /* private: keeps sign.file, prev_root and parent alive */
};

/* Why a request was refused, for the error response and the audit log.
 * detail never quotes a value from the request (a PIN could be anywhere);
 * it names the member at fault, e.g. "params.keys[3]: longer than 1024
 * bytes", quoting an unknown member's name in printable ASCII at most. */
struct ta_proto_fault {
	int code;                    /* TA_PROTO_E_PARSE .. _INTERNAL */
	int err;                     /* the TA_ERR_* that was returned */
	struct ta_proto_id id;       /* the request's id when it was read, else NULL */
	enum ta_proto_method method; /* when it was read, else NONE */
	char detail[TA_PROTO_DETAIL_MAX + 1];
};

/* Decodes one frame payload (len bytes of JSON at json, 1..TA_PROTO_MAX_FRAME)
 * into a new request under every rule of PROTOCOL.md.  No I/O, no side
 * effects beyond memory.  Returns 0 and sets *ret_req (free it with
 * ta_proto_req_free); or a negative TA_ERR_* and, when fault is not NULL,
 * fills *fault (always, on failure only):
 *   TA_ERR_INVALID    malformed, wrong type, missing, empty, out of range
 *   TA_ERR_TOO_LARGE  over a limit (length, count, depth, integer size)
 *   TA_ERR_TRUNCATED  the JSON ends early (-32700)
 *   TA_ERR_TRAILING   bytes after the JSON value (-32700)
 *   TA_ERR_NOT_FOUND  unknown method (-32601)
 *   TA_ERR_NOMEM      (-32603) */
int ta_proto_decode_request(const uint8_t *json, size_t len, struct ta_proto_req **ret_req,
    struct ta_proto_fault *fault) TA_PROTO_WUR;

/* Wipes and frees a request, its PIN and its parsed message.  NULL is a no-op. */
void ta_proto_req_free(struct ta_proto_req *req);

/* The version to speak: the highest of hello.versions the agent supports.
 * TA_ERR_UNSUPPORTED when there is none (answer with TA_PROTO_E_UNSUPPORTED). */
int ta_proto_hello_pick(const struct ta_proto_hello *h, uint32_t *ret_version) TA_PROTO_WUR;

/* ---- responses and notices (agent side) -------------------------------------- */

/* Each encoder appends exactly one frame to out, or nothing on failure:
 *   TA_ERR_INVALID    a bad argument (NULL, a NULL id where one is needed,
 *                     an unknown code, a value jansson will not encode)
 *   TA_ERR_TOO_LARGE  the message is over TA_PROTO_MAX_FRAME, or out is full
 *   TA_ERR_NOMEM */

/* {"jsonrpc":"2.0","id":ID,"result":RESULT}.  result is an object, borrowed
 * (its reference count is as before on return). */
int ta_proto_encode_result(
    struct ta_buf *out, const struct ta_proto_id *id, json_t *result) TA_PROTO_WUR;

/* {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M,"data":{"name":N,
 * "detail":D}}}.  id may be NULL or of kind NULL (sent as null).  code 0 means
 * ta_proto_error_code(err); otherwise it must be in the table.  err is a
 * TA_ERR_* (TA_OK becomes TA_ERR_INTERNAL); N is ta_errname(err).  detail
 * NULL means ta_strerror(err); it is sent with control characters and
 * invalid UTF-8 as '?' and cut to TA_PROTO_DETAIL_MAX bytes at a character
 * boundary. */
int ta_proto_encode_error(struct ta_buf *out, const struct ta_proto_id *id, int code, int err,
    const char *detail) TA_PROTO_WUR;

/* The error response for a request that ta_proto_decode_request() refused. */
int ta_proto_encode_fault(struct ta_buf *out, const struct ta_proto_fault *f) TA_PROTO_WUR;

enum ta_proto_notice {
	TA_PROTO_NOTICE_OTHER = 0, /* a kind this version does not know (decode only) */
	TA_PROTO_NOTICE_TOUCH,     /* a signature waits for a touch or a PIN pad */
};

/* {"jsonrpc":"2.0","method":"notice","params":{"id":ID,"kind":K,"message":M}}
 * about the request with this id (not NULL, not of kind NULL). */
int ta_proto_encode_notice(
    struct ta_buf *out, const struct ta_proto_id *id, enum ta_proto_notice kind) TA_PROTO_WUR;
/* The same with the agent's own message (1..TA_PROTO_MESSAGE_MAX bytes of
 * UTF-8: "touch your YubiKey (slot 9c) ..."); NULL or "" is the default
 * text.  TA_ERR_TOO_LARGE for a longer message; a message that is not
 * UTF-8 fails as an encoding error does. */
int ta_proto_encode_notice_msg(struct ta_buf *out, const struct ta_proto_id *id,
    enum ta_proto_notice kind, const char *message) TA_PROTO_WUR;

/* hello's result: {"version":V,"agent":A,"methods":[every method name]}.
 * agent is 1..TA_PROTO_AGENT_MAX bytes of text. */
int ta_proto_encode_hello_result(struct ta_buf *out, const struct ta_proto_id *id, uint32_t version,
    const char *agent) TA_PROTO_WUR;

/* sign's result.  On encode every field is borrowed from the caller; on
 * decode they point into the result object (borrowed from it). */
struct ta_proto_sign_result {
	const char *file;                      /* the signed file's exact bytes */
	size_t file_len;                       /* 1..; valid UTF-8, no NUL */
	const char *keyids[TA_PROTO_KEYS_MAX]; /* 64 lowercase hex each */
	size_t n_keyids;                       /* 1..TA_PROTO_KEYS_MAX */
	char sha256[TA_PROTO_KEYID_LEN + 1];   /* of the file, lowercase hex */
};

/* {"file":F,"keyids":[...],"sha256":H} */
int ta_proto_encode_sign_result(struct ta_buf *out, const struct ta_proto_id *id,
    const struct ta_proto_sign_result *res) TA_PROTO_WUR;

/* ---- client side --------------------------------------------------------------- */

/* {"jsonrpc":"2.0","id":ID,"method":NAME,"params":PARAMS}; params is an
 * object, borrowed, or NULL to leave it out.  The agent validates it; this
 * only builds the frame.  A PIN given in params is wiped when params is
 * freed if ta_proto_init() was called; out is a ta_buf, wiped when freed. */
int ta_proto_encode_request(struct ta_buf *out, const struct ta_proto_id *id,
    enum ta_proto_method m, json_t *params) TA_PROTO_WUR;

enum ta_proto_msg {
	TA_PROTO_MSG_RESULT = 1,
	TA_PROTO_MSG_ERROR,
	TA_PROTO_MSG_NOTICE,
};

/* What the agent sent.  Strings are NUL-terminated text (no control
 * characters). */
struct ta_proto_resp {
	enum ta_proto_msg kind;
	struct ta_proto_id id; /* RESULT, ERROR: the request's (ERROR: may be NULL);
				  NOTICE: params.id, the request it is about */
	json_t *result;        /* RESULT: an object, owned by the response */
	struct {
		int code; /* any integer the agent sent */
		int err;  /* TA_ERR_* from name, else ta_proto_error_err(code) */
		char name[TA_PROTO_ERRNAME_MAX + 1]; /* "" when data was absent */
		char message[TA_PROTO_MESSAGE_MAX + 1];
		char detail[TA_PROTO_DETAIL_MAX + 1]; /* "" when absent */
	} error;
	struct {
		enum ta_proto_notice kind;
		char kind_name[TA_PROTO_NOTICE_KIND_MAX + 1];
		char message[TA_PROTO_MESSAGE_MAX + 1];
	} notice;
};

/* Decodes one frame payload from the agent: a response or a notice, under
 * the same JSON rules as requests (PROTOCOL.md).  Returns 0 and sets *ret
 * (free with ta_proto_resp_free); TA_ERR_PROTOCOL for anything malformed;
 * TA_ERR_NOMEM; TA_ERR_INVALID for bad arguments. */
int ta_proto_decode_response(
    const uint8_t *json, size_t len, struct ta_proto_resp **ret) TA_PROTO_WUR;

/* NULL is a no-op. */
void ta_proto_resp_free(struct ta_proto_resp *resp);

/* Reads sign's result object.  TA_ERR_PROTOCOL when it is not exactly the
 * shape above. */
int ta_proto_decode_sign_result(
    const json_t *result, struct ta_proto_sign_result *ret) TA_PROTO_WUR;

struct ta_proto_hello_result {
	uint32_t version; /* 1..65535 */
	char agent[TA_PROTO_AGENT_MAX + 1];
	uint32_t methods; /* bit (1u << m) per known method offered */
};

/* Reads hello's result object; method names this version does not know are
 * skipped.  TA_ERR_PROTOCOL when it is malformed. */
int ta_proto_decode_hello_result(
    const json_t *result, struct ta_proto_hello_result *ret) TA_PROTO_WUR;

/* ---- typed results and request params (protocol/result.c) -------------------- */

/* Every method's result has a struct here, an encoder that builds the
 * result object (agent side) and a strict decoder (client side) that
 * accepts exactly the shape of PROTOCOL.md §5 and nothing else
 * (TA_ERR_PROTOCOL).  Strings are borrowed: on encode from the caller, on
 * decode from the result object, which must outlive the struct.  A decoder
 * that allocates (arrays of tokens or keys) is paired with a _clear()
 * function; clearing a zeroed struct is a no-op.
 *
 * Strings that a token or the configuration names (labels, token names,
 * URIs) are any UTF-8 but NUL: a label is whatever a program wrote to the
 * token, so a client shows them with control characters replaced.
 *
 * Encoders return 0 and *ret (a new object), TA_ERR_INVALID for a struct
 * that breaks the rules the decoder checks, or TA_ERR_NOMEM. */

#define TA_PROTO_TOKENS_MAX 32 /* status.tokens, lock.tokens */
#define TA_PROTO_URI_MAX 4096  /* a key's or token's PKCS#11 URI in a result */
#define TA_PROTO_PEM_MAX 65536 /* key.cert pem */
#define TA_PROTO_TIME_LEN 20   /* "YYYY-MM-DDTHH:MM:SSZ" */

enum ta_proto_pin_state {
	TA_PROTO_PIN_OK = 0,
	TA_PROTO_PIN_COUNT_LOW,
	TA_PROTO_PIN_FINAL_TRY,
	TA_PROTO_PIN_LOCKED,
	TA_PROTO_PIN_UNKNOWN,
};

/* "ok", "count-low", "final-try", "locked", "unknown"; NULL otherwise. */
const char *ta_proto_pin_state_name(enum ta_proto_pin_state s);

struct ta_proto_token_status {
	const char *name; /* 1..TA_PROTO_TOKEN_MAX */
	const char *uri;  /* 1..TA_PROTO_URI_MAX */
	bool present;
	bool unlocked;
	enum ta_proto_pin_state pin;
	uint32_t keys; /* signing keys on it; 0 when absent or locked */
	/* What the token says it is (CK_TOKEN_INFO, blanks trimmed): NULL when
	 * absent or blank; 1..TA_PROTO_TOKEN_ID_MAX. */
	const char *serial, *model, *manufacturer;
};

#define TA_PROTO_TOKEN_ID_MAX 32

struct ta_proto_status_result {
	uint32_t version;                     /* 1..65535 */
	const char *agent;                    /* 1..TA_PROTO_AGENT_MAX, text */
	struct ta_proto_token_status *tokens; /* decode: allocated (clear) */
	size_t n_tokens;                      /* 0..TA_PROTO_TOKENS_MAX */
};

struct ta_proto_unlock_result {
	const char *token; /* 1..TA_PROTO_TOKEN_MAX */
};

struct ta_proto_lock_result {
	const char **tokens; /* decode: allocated (clear) */
	size_t n_tokens;     /* 0..TA_PROTO_TOKENS_MAX */
};

/* KEY of key.list and key.generate. */
struct ta_proto_key_info {
	const char *label;     /* 1..TA_PROTO_KEY_MAX */
	const char *token;     /* 1..TA_PROTO_TOKEN_MAX */
	const char *uri;       /* 1..TA_PROTO_URI_MAX */
	enum ta_key_type type; /* any but TA_KEY_NONE */
	const char *notary_id; /* 64 lowercase hex */
	const char *tuf_id;    /* 64 lowercase hex */
	bool cert;             /* a root certificate is stored beside the key */
	bool has_scope;        /* "scope" is a SCOPE, else null */
	struct ta_proto_scope scope;
};

struct ta_proto_key_list_result {
	struct ta_proto_key_info *keys; /* decode: allocated (clear) */
	size_t n_keys;
};

struct ta_proto_key_generate_result {
	struct ta_proto_key_info key;
	/* A PIV generation logged the user out (the management key's login
	 * ends it) and could not log in again: the token is locked. */
	bool logged_out;
};

struct ta_proto_key_cert_result {
	const char *pem; /* "-----BEGIN ..." printable ASCII lines */
	size_t pem_len;  /* 1..TA_PROTO_PEM_MAX */
	bool stored;
	const char *not_after; /* "YYYY-MM-DDTHH:MM:SSZ" */
};

/* key.attest: PEM certificates (printable ASCII lines, 1..TA_PROTO_PEM_MAX
 * bytes each): the card's attestation for the key and its signer's (PIV
 * slot F9) certificate. */
struct ta_proto_key_attest_result {
	const char *attestation;
	size_t attestation_len;
	const char *signer;
	size_t signer_len;
};

/* The key object stays JSON: its members depend on the profile and the key
 * type and are defined by tuf/ (FORMATS.md), which protocol/ does not know;
 * a client prints it or hands it to tuf/'s key parser, and a copy as a
 * string would only be parsed again. */
struct ta_proto_key_show_result {
	enum ta_proto_profile profile; /* NOTARY or TUF */
	const char *keyid;             /* 64 lowercase hex */
	const json_t *key;             /* an object; borrowed */
	bool has_scope;
	struct ta_proto_scope scope;
};

struct ta_proto_key_scope_result {
	const char *label; /* 1..TA_PROTO_KEY_MAX */
	const char *keyid; /* the notary key ID, 64 lowercase hex */
	bool has_scope;    /* the scope after the request; null when none */
	struct ta_proto_scope scope;
};

int ta_proto_hello_result_json(uint32_t version, const char *agent, json_t **ret) TA_PROTO_WUR;
int ta_proto_status_result_json(
    const struct ta_proto_status_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_unlock_result_json(
    const struct ta_proto_unlock_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_lock_result_json(const struct ta_proto_lock_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_info_json(const struct ta_proto_key_info *k, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_list_result_json(
    const struct ta_proto_key_list_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_generate_result_json(
    const struct ta_proto_key_generate_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_cert_result_json(
    const struct ta_proto_key_cert_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_show_result_json(
    const struct ta_proto_key_show_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_scope_result_json(
    const struct ta_proto_key_scope_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_sign_result_json(const struct ta_proto_sign_result *res, json_t **ret) TA_PROTO_WUR;

int ta_proto_decode_status_result(
    const json_t *result, struct ta_proto_status_result *ret) TA_PROTO_WUR;
int ta_proto_decode_unlock_result(
    const json_t *result, struct ta_proto_unlock_result *ret) TA_PROTO_WUR;
int ta_proto_decode_lock_result(
    const json_t *result, struct ta_proto_lock_result *ret) TA_PROTO_WUR;
int ta_proto_decode_key_info(const json_t *v, struct ta_proto_key_info *ret) TA_PROTO_WUR;
int ta_proto_decode_key_list_result(
    const json_t *result, struct ta_proto_key_list_result *ret) TA_PROTO_WUR;
int ta_proto_decode_key_generate_result(
    const json_t *result, struct ta_proto_key_generate_result *ret) TA_PROTO_WUR;
int ta_proto_decode_key_cert_result(
    const json_t *result, struct ta_proto_key_cert_result *ret) TA_PROTO_WUR;
int ta_proto_decode_key_show_result(
    const json_t *result, struct ta_proto_key_show_result *ret) TA_PROTO_WUR;
int ta_proto_key_attest_result_json(
    const struct ta_proto_key_attest_result *res, json_t **ret) TA_PROTO_WUR;
int ta_proto_decode_key_attest_result(
    const json_t *result, struct ta_proto_key_attest_result *ret) TA_PROTO_WUR;
int ta_proto_decode_key_scope_result(
    const json_t *result, struct ta_proto_key_scope_result *ret) TA_PROTO_WUR;

void ta_proto_status_result_clear(struct ta_proto_status_result *res);
void ta_proto_lock_result_clear(struct ta_proto_lock_result *res);
void ta_proto_key_list_result_clear(struct ta_proto_key_list_result *res);

/* Request params (client side): the params object of each method for the
 * same structs ta_proto_decode_request() fills, so that a client cannot
 * send what the agent's decoder would not read back as it was meant.
 * Optional strings that are "" are left out, as are key_cert.days 0 (the
 * agent's default) and store false; unlock.pin is copied into the object
 * (whose frees wipe once ta_proto_init() ran).  status has no params.  A
 * string jansson will not take (not UTF-8) is TA_ERR_NOMEM, as jansson
 * reports both the same way.  TA_ERR_INVALID for a struct
 * the agent would refuse on its face (an empty required string, counts out
 * of range), TA_ERR_NOMEM. */
int ta_proto_hello_params(const struct ta_proto_hello *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_unlock_params(const struct ta_proto_unlock *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_token_params(const struct ta_proto_token_params *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_generate_params(const struct ta_proto_key_generate *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_cert_params(const struct ta_proto_key_cert *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_show_params(const struct ta_proto_key_show *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_attest_params(const struct ta_proto_key_attest *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_sign_params(const struct ta_proto_sign *p, json_t **ret) TA_PROTO_WUR;
int ta_proto_key_scope_params(const struct ta_proto_key_scope *p, json_t **ret) TA_PROTO_WUR;

#endif
