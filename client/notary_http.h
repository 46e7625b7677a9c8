/* tufctl's client for the notary server HTTP API (FORMATS.md §1.8, §1.9),
 * on libcurl.
 *
 *	struct tn_server *s = NULL;
 *	struct tn_error e;
 *	struct tn_options o = { .url = "https://notary.example.com", .gun = gun };
 *	if (tn_server_open(&o, &s, &e) != 0)
 *		fail(e.text);
 *	r = tn_get(s, "root", TN_ROOT_MAX, &body, &len, &e);   TA_ERR_NOT_FOUND: 404
 *	...
 *	tn_server_close(s);
 *
 * One tn_server talks to one server about one GUN: the registry token it
 * fetches is scoped to repository:GUN:push,pull (or pull for read-only
 * sessions); rotating a server key fetches one for repository:GUN:*, the
 * scope notary-server demands for that.  Every function returns 0 or a negative TA_ERR_* and, on
 * error, fills *e with one line that says what failed and what to do
 * ("notary server https://x: GET .../root.json: 503 Service Unavailable
 * after 4 tries; try again later").
 *
 * Errors:
 *   TA_ERR_NOT_FOUND        404 (for metadata: the server has no such file)
 *   TA_ERR_NOT_AUTHORIZED   401/403 after authenticating, or credentials refused
 *                           by the token realm
 *   TA_ERR_VERIFY           400 INVALID_UPDATE (the server refused the metadata;
 *                           e->text carries detail.Name and detail.Error.Msg)
 *   TA_ERR_EXISTS           400 VERSION (a newer version is already there)
 *   TA_ERR_FORMAT           400 other catalogue codes, or a body we cannot use
 *   TA_ERR_TOO_LARGE        a body over the caller's limit
 *   TA_ERR_TIMEOUT          the server did not answer in time
 *   TA_ERR_SYSTEM           connection refused / DNS / TLS failure (after retries)
 *   TA_ERR_PROTOCOL         an answer that is neither success nor a known error
 *                           (a 5xx after the tries too)
 *
 * Retries: GETs are retried on connection errors and 5xx, up to 4 tries with
 * backoff 0.25 s, 0.5 s, 1 s (TN_RETRY_BASE_MS can be lowered for tests via
 * the environment variable TUFCTL_HTTP_RETRY_MS).  POSTs are retried only when
 * the connection failed before anything was sent (the server cannot have
 * acted on them).  A stalled transfer (TA_ERR_TIMEOUT) is not retried.
 *
 * Limits: a body is at most the caller's max; connect timeout 10 s; a
 * transfer slower than 1 KiB/s for 30 s is abandoned (TUFCTL_HTTP_STALL_S
 * can lower the 30 s for tests); redirects are not followed for POST and at
 * most 3 for GET, never from https to http.
 *
 * Single-threaded: while a call parses a secret (a token answer, docker's
 * config.json) jansson's free function is switched to a wiping one, which is
 * process-wide. */
#ifndef TA_NOTARY_HTTP_H
#define TA_NOTARY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/notary_base.h"

#define TN_ROOT_MAX (100u << 20)      /* notary client's general cap */
#define TN_META_MAX (100u << 20)
#define TN_TIMESTAMP_MAX (1u << 20)   /* notary client's timestamp cap */
#define TN_KEY_MAX (64u << 10)

/* Where the credentials come from: the first that applies.
 *   creds_user/creds_pass set by the caller (--password-stdin or the
 *     TUFCTL_REGISTRY_USERNAME / TUFCTL_REGISTRY_PASSWORD variables, read by
 *     tufctl; the password buffer is the caller's and is wiped by it);
 *   else docker's config.json ($DOCKER_CONFIG/config.json, else
 *     ~/.docker/config.json): "auths" entry for the server's host[:port]
 *     (also matched as https://host[:port] and with a /v1/ or /v2/ suffix):
 *     "auth" (base64 user:pass) or "identitytoken" (OAuth refresh-token
 *     grant).  credsStore/credHelpers are not consulted (helpers are
 *     programs; tufctl does not run them) — said in the man page.
 *   else anonymous: a 401 from the token realm then says which variables
 *     to set. */
struct tn_options {
	const char *url;         /* base, http://h:p or https://h:p, no path (a trailing / ok) */
	const char *gun;         /* the GUN; validated: 1..255 bytes, no "..", no control chars */
	const char *tls_ca;      /* PEM bundle, or NULL for the system CAs */
	const char *creds_user;  /* or NULL */
	const char *creds_pass;  /* or NULL; with creds_user */
	bool read_only;          /* ask for "pull" scope only */
};

struct tn_server;

/* Checks the options, pings <url>/v2/ and, when it answers 401 with a Bearer
 * challenge, remembers the realm and service (the token itself is fetched on
 * first need).  Anything but 2xx/401 from the ping is an error here (unlike
 * the notary client, tufctl has no offline mode: it says the server is not a
 * notary server or is down). */
int tn_server_open(const struct tn_options *o, struct tn_server **ret, struct tn_error *e);
void tn_server_close(struct tn_server *s);

/* GET <url>/v2/<gun>/_trust/tuf/<name>.json, where name is a role
 * ("root", "targets", "targets/releases", "snapshot", "timestamp"),
 * "<role>.<hex checksum>" or "<N>.root".  *ret is malloc()ed (NUL-terminated
 * one past len for convenience); TA_ERR_NOT_FOUND on 404. */
int tn_get(struct tn_server *s, const char *name, size_t max, uint8_t **ret, size_t *ret_len,
    struct tn_error *e);

/* GET (rotate false) or POST (rotate true) <...>/<role>.key, role
 * "timestamp" or "snapshot": the server's public key object JSON (malloc()ed,
 * NUL-terminated). */
int tn_server_key(struct tn_server *s, const char *role, bool rotate, char **ret_json,
    struct tn_error *e);

/* One multipart/form-data POST to <url>/v2/<gun>/_trust/tuf/ with a part per
 * role (struct tn_part, client/notary_base.h; field "files", filename = role, type application/octet-stream), the
 * bytes exactly as given.  0 on 200. */
int tn_publish(struct tn_server *s, const struct tn_part *parts, size_t n, struct tn_error *e);

/* Base URL without trailing slash, as normalised by tn_server_open (static
 * storage owned by s). */
const char *tn_server_url(const struct tn_server *s);

#endif
