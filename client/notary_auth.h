/* Registry token auth for tufctl's notary client (FORMATS.md §1.9): the
 * layer under client/notary_http.c.  Internal: only notary_http.c, the unit
 * test and the fuzz target include it.
 *
 * The parsers are pure (no libcurl, no server, no files) so that tests and
 * fuzzers can drive them with any bytes:
 *
 *	tn_challenge_parse()  one WWW-Authenticate value -> struct tn_challenge
 *	tn_challenge_find()   the values of every WWW-Authenticate line
 *	tn_realm_check()      may credentials be sent to this realm?
 *	tn_token_parse()      a token service's JSON answer -> token, lifetime,
 *	                      refresh token
 *	tn_docker_lookup()    docker's config.json text + the server's
 *	                      host[:port] -> user/password or identity token
 *
 * and the credentials of a session (struct tn_creds: from the caller or
 * from docker's config.json file) with the Authorization lines made from
 * them.  The HTTP exchanges themselves (the ping, the token request) stay in
 * notary_http.c.
 *
 * Secrets (passwords, identity and refresh tokens, bearer tokens, header
 * lines made from them) live in malloc()ed buffers that are wiped before
 * they are freed; none ever goes into an error text.  While a secret is
 * parsed, jansson's free function is switched to a wiping one (process-wide:
 * single-threaded use only). */
#ifndef TA_NOTARY_AUTH_H
#define TA_NOTARY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "client/notary_base.h"

#define TN_PARAM_MAX 2048          /* one challenge parameter's value */
#define TN_PARAM_NAME_MAX 63       /* one challenge parameter's name */
#define TN_CHALLENGE_LINES 16      /* WWW-Authenticate lines looked at */
#define TN_TOKEN_BODY_MAX ((size_t)1 << 20)
#define TN_TOKEN_MAX 16384
#define TN_TOKEN_MIN_S 60          /* distribution's minimumTokenLifetimeSeconds */
#define TN_TOKEN_MAX_S 86400
#define TN_TOKEN_MARGIN_S 5        /* refetch a little before the token expires */
#define TN_CRED_MAX 4096           /* user name, password, identity token */
#define TN_DOCKER_CONFIG_MAX ((size_t)1 << 20)
#define TN_AUTHS_KEY_MAX 511       /* a longer "auths" key matches nothing */

/* True when s has a control character (C0 or DEL). */
bool tn_has_ctl(const char *s);

/* ---- challenges (RFC 7235 §2.1, RFC 6750 §3) ------------------------------ */

/* The first Bearer challenge of a field; a parameter not given is "". */
struct tn_challenge {
	bool bearer;                   /* set whenever the struct is filled */
	char realm[TN_PARAM_MAX + 1];
	char service[TN_PARAM_MAX + 1];
	char scope[TN_PARAM_MAX + 1];
	char error[TN_PARAM_MAX + 1];
};

/* One WWW-Authenticate field value: challenges separated by commas, each a
 * scheme (any case) and either a token68 or auth-params (name=token or
 * name="quoted string" with \-escapes, any order, unknown names ignored).
 * Returns 1 and fills *ch from the first Bearer challenge, 0 when there is
 * none, or when the field is malformed:
 *   TA_ERR_TRUNCATED  a quoted string or an escape runs to the end
 *   TA_ERR_TOO_LARGE  a value over TN_PARAM_MAX or a name over
 *                     TN_PARAM_NAME_MAX bytes
 *   TA_ERR_INVALID    anything else: a character out of place (trailing
 *                     bytes after a value among them), a control character
 *                     (a tab is allowed in quoted strings), a Bearer
 *                     parameter given twice or not valid UTF-8.
 * Values of other schemes may carry obs-text (bytes 0x80-0xff, RFC 7230
 * §3.2.6).  Unless 1 is returned, *ch is all zero. */
int tn_challenge_parse(const char *value, struct tn_challenge *ch);

/* The values of every WWW-Authenticate line of one answer, in order: 1 with
 * the first Bearer challenge found, 0 when no line has one and none is
 * malformed, else the first line's error.  A malformed line does not hide a
 * Bearer challenge in another.  Unless 1 is returned, *ch is all zero. */
int tn_challenge_find(const char *const *values, size_t n, struct tn_challenge *ch);

enum tn_realm_fault {
	TN_REALM_OK,
	TN_REALM_MISSING,     /* no realm parameter, or an empty one */
	TN_REALM_NOT_HTTP,    /* not http:// or https://, no host, a control
				 character or space, or not UTF-8 */
	TN_REALM_CREDENTIALS, /* user info in the URL (user@host) */
	TN_REALM_DOWNGRADE,   /* plain http for a server reached over https */
};

/* Whether credentials may be sent to realm, for a server reached over
 * https or not.  Checked in that order; the caller may be stricter still
 * (notary_http.c has libcurl parse the URL too). */
enum tn_realm_fault tn_realm_check(const char *realm, bool https);

/* ---- token answers ---------------------------------------------------------- */

struct tn_token_answer {
	char *token;      /* secret; 1..TN_TOKEN_MAX bytes 0x21..0x7e */
	size_t len;
	long expires_in;  /* TN_TOKEN_MIN_S..TN_TOKEN_MAX_S */
	char *refresh;    /* secret, or NULL: a usable "refresh_token" */
};

/* A token service's answer, a JSON object with "token" or "access_token"
 * (access_token wins when both are non-empty strings, as distribution's
 * client does), "expires_in" (an integer, clamped to TN_TOKEN_MIN_S..
 * TN_TOKEN_MAX_S; absent or of another type counts as TN_TOKEN_MIN_S) and
 * optionally "refresh_token" (ignored unless a string of 1..TN_CRED_MAX
 * bytes without control characters).  0 with *a filled, else *a empty and
 * *why set to a phrase for the error text (static storage):
 *   TA_ERR_PROTOCOL  not a JSON object, no token, or a token over
 *                    TN_TOKEN_MAX bytes or with bytes a header cannot carry
 *   TA_ERR_TOO_LARGE over TN_TOKEN_BODY_MAX bytes
 *   TA_ERR_NOMEM */
int tn_token_parse(const uint8_t *body, size_t len, struct tn_token_answer *a,
    const char **why);

/* Wipes and frees what *a holds; *a is empty after. */
void tn_token_answer_clear(struct tn_token_answer *a);

/* A bearer token held for one scope. */
struct tn_token {
	char *value;  /* secret, or NULL */
	size_t len;
	time_t until; /* CLOCK_MONOTONIC seconds */
};

void tn_token_drop(struct tn_token *t);

/* Moves a's token into t (dropping t's), good until now + expires_in -
 * TN_TOKEN_MARGIN_S; a keeps its refresh token. */
void tn_token_take(struct tn_token *t, struct tn_token_answer *a, time_t now);

/* "Authorization: Bearer <token>" into *ret (malloc()ed, ret_size bytes
 * long, the caller's to wipe).  TA_ERR_INTERNAL without a token. */
int tn_token_header(const struct tn_token *t, char **ret, size_t *ret_size);

/* ---- credentials ------------------------------------------------------------ */

enum tn_cred { TN_CRED_NONE, TN_CRED_CALLER, TN_CRED_DOCKER_AUTH, TN_CRED_DOCKER_TOKEN };

struct tn_creds {
	enum tn_cred kind;
	bool loaded;     /* looked for already (none found is an answer too) */
	char *user;      /* CALLER, DOCKER_AUTH: not secret, but only in "for
			    user 'x'" texts and the token request's account= */
	char *pass;      /* CALLER, DOCKER_AUTH: secret, may be "" */
	char *idtoken;   /* DOCKER_TOKEN: secret, docker's identitytoken (an OAuth
			    refresh token) */
	char *file;      /* DOCKER_*: the config.json they came from, or
			    "docker-credential-NAME" */
	bool helpers;    /* NONE: that file names credential helpers */
	char *helper;    /* NONE: the helper docker would run for the server
			    (credHelpers' entry for it, else credsStore), or NULL */
	bool from_helper; /* DOCKER_*: the helper gave them */
	bool helper_tried; /* the helper was run (notary_http.c) */
	bool helper_empty; /* ... and had no credentials for the server */
};

/* Wipes the secrets and frees everything; *c is all zero after. */
void tn_creds_clear(struct tn_creds *c);

/* The caller's user name and password (either may be NULL): nothing when
 * both are NULL, else both must be given, at most TN_CRED_MAX bytes, no
 * control characters, no ':' in the name.  Sets c->loaded when it takes
 * them.  Texts start "notary: ". */
int tn_creds_from_caller(struct tn_creds *c, const char *user, const char *pass,
    struct tn_error *e);

/* The server as docker names it in "auths". */
struct tn_auth_host {
	const char *host;     /* lower case, as in the URL (IPv6 in brackets) */
	const char *hostport; /* host[:port] as in the URL */
	bool default_port;    /* no port in the URL, or the scheme's own */
};

/* docker's config.json text: the first "auths" entry whose key is the
 * server (as host[:port], also with http:// or https:// before it and a
 * trailing /, /v1/ or /v2/ after it, any case; as host alone when the port
 * is the default), has "identitytoken" (preferred) or "auth" (base64 of
 * user:password) as a non-empty string.  Entries of other types are
 * skipped.  0 with *c filled (kind NONE when nothing applies; helpers set
 * then when "credsStore" or "credHelpers" is there, and helper to the
 * name of the one docker would run for the server: its "credHelpers"
 * entry, matched as "auths" keys are, else "credsStore"), else *c empty
 * and:
 *   TA_ERR_INVALID    not a JSON object (*json_line: jansson's line, -1
 *                     when the text is JSON but not an object)
 *   TA_ERR_FORMAT     the server's entry is unusable: an identity token
 *                     over TN_CRED_MAX bytes or with a control character,
 *                     "auth" that is not padded standard base64 of at most
 *                     TN_CRED_MAX bytes, or does not decode to user:password
 *                     (user not empty, valid UTF-8; neither with a control
 *                     character or NUL)
 *   TA_ERR_TOO_LARGE  the text is over TN_DOCKER_CONFIG_MAX bytes
 *   TA_ERR_NOMEM
 * c->file is left alone. */
int tn_docker_lookup(const char *json, size_t len, const struct tn_auth_host *h,
    struct tn_creds *c, int *json_line);

/* Unless c is loaded already: docker's config.json (its credential helper
 * is run by notary_http.c, not here) ($DOCKER_CONFIG/
 * config.json, else ~/.docker/config.json; absent is fine) through
 * tn_docker_lookup(), c->file set when something was taken.  Sets
 * c->loaded on success.  Texts start "notary server <url>: ". */
int tn_creds_from_docker(struct tn_creds *c, const struct tn_auth_host *h, const char *url,
    struct tn_error *e);

/* A credential helper's answer to "get" (docker-credential-helpers'
 * protocol): a JSON object with "Username" and "Secret" strings (and
 * "ServerURL", not checked); Username "<token>" makes Secret an identity
 * token.  0 with c's credentials set (kind DOCKER_AUTH or DOCKER_TOKEN,
 * from_helper), or TA_ERR_FORMAT (not that object, an empty Secret, too
 * long or with control characters), TA_ERR_NOMEM; the parse wipes what it
 * read. */
int tn_helper_answer(const char *out, size_t len, struct tn_creds *c);

/* "Authorization: Basic base64(user:pass)" (CALLER, DOCKER_AUTH) into *ret
 * (malloc()ed, ret_size bytes long, the caller's to wipe). */
int tn_creds_basic_header(const struct tn_creds *c, char **ret, size_t *ret_size);

/* OAuth refresh-token rotation: for DOCKER_TOKEN credentials, a's refresh
 * token (if any) replaces the identity token; a no longer holds it. */
void tn_creds_take_refresh(struct tn_creds *c, struct tn_token_answer *a);

#endif
