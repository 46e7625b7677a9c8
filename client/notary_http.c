/* tufctl's client for the notary server HTTP API (client/notary_http.h):
 * the endpoints (the /v2/ ping, GETs of metadata and server keys, the
 * multipart publish), the checks of what the caller gives (URL, GUN,
 * names), the server's error catalogue turned into texts, and registry
 * token auth (FORMATS §1.9) driven from here: the exchanges with the
 * server and the token realm (Basic or OAuth refresh-token grants).  What
 * they carry is parsed and held by client/notary_auth.c (challenges, token
 * answers, credentials, docker's config.json); each exchange goes through
 * client/http.c (the libcurl transport: set-up, bounded bodies, retries).
 *
 * Secrets (the password, docker's identity token, bearer tokens and every
 * Authorization header built from them) live in buffers that are wiped
 * before they are freed; none is ever put into an error text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client/credhelper.h"
#include "client/http.h"
#include "client/notary_auth.h"
#include "client/notary_http.h"
#include "common/err.h"
#include "common/secret.h"
#include "common/utf8.h"

#define TN_RETRY_BASE_MS 250
#define TN_STALL_S 30L
#define TN_GUN_MAX 255
#define TN_NAME_MAX 255
#define TN_URL_MAX 2048
#define TN_PARTS_MAX 64
#define TN_PING_MAX ((size_t)64 << 10)
#define TN_CLIENT_ID "tufctl"

enum tn_scope { TN_SCOPE_PULL, TN_SCOPE_PUSH, TN_SCOPE_ADMIN, TN_SCOPE_N };
static const char *const scope_actions[TN_SCOPE_N] = {"pull", "push,pull", "*"};

struct tn_server {
	struct tn_http http; /* the easy handle, base URL, scheme, CA bundle */
	char *host;     /* lower case, as in the URL (IPv6 in brackets) */
	char *hostport; /* host[:port] as in the URL */
	bool default_port; /* no port in the URL, or the scheme's */
	char *gun;
	char *gun_path; /* each segment percent-escaped, '/' between them */
	bool read_only;

	/* Token auth: set from a Bearer challenge. */
	char *realm;
	char *service;
	struct tn_creds creds;
	struct tn_token tok[TN_SCOPE_N];
};

/* ---- small helpers --------------------------------------------------------- */

/* "notary server URL: LABEL: <text>" */
static int __attribute__((format(printf, 5, 6)))
sfail(const struct tn_server *s, const char *label, struct tn_error *e, int r, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = tn_http_vfail(&s->http, label, e, r, fmt, ap);
	va_end(ap);
	return r;
}

static time_t
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* A knob from the environment that may only lower a default: lo..def. */
static long
env_lower(const char *name, long lo, long def)
{
	const char *v = secure_getenv(name);
	char *end = NULL;
	long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > def)
		return def;
	return n;
}

/* ---- checks of what the caller gives ------------------------------------- */

static int
check_gun(const char *gun, struct tn_error *e)
{
	size_t n, i;

	if (gun == NULL || (n = strlen(gun)) == 0)
		return tn_fail(e, TA_ERR_INVALID, "notary: no GUN given; name the repository, e.g. "
		    "registry.example.com/team/app");
	if (n > TN_GUN_MAX)
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN is %zu bytes long; at most %d are "
		    "allowed", n, TN_GUN_MAX);
	if (tn_has_ctl(gun))
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN contains a control character; give "
		    "a plain name like registry.example.com/team/app");
	for (i = 0; i < n;) {
		size_t k = ta_utf8_seq((const uint8_t *)gun + i, n - i);

		if (k == 0)
			return tn_fail(e, TA_ERR_INVALID, "notary: the GUN is not valid UTF-8 (byte "
			    "%zu); give a plain name like registry.example.com/team/app", i);
		i += k;
	}
	if (strstr(gun, "..") != NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN '%s' contains \"..\"; give the "
		    "repository's real name", gun);
	if (gun[0] == '/' || gun[n - 1] == '/' || strstr(gun, "//") != NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN '%s' has an empty path segment "
		    "(a leading, trailing or double '/')", gun);
	if (strcmp(gun, ".") == 0 || strncmp(gun, "./", 2) == 0 || strstr(gun, "/./") != NULL ||
	    (n >= 2 && strcmp(gun + n - 2, "/.") == 0))
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN '%s' has a \".\" path segment; give "
		    "the repository's real name", gun);
	/* notary-server routes /v2/{gun:[^*]+}/_trust/... */
	if (strchr(gun, '*') != NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: the GUN '%s' contains '*', which notary "
		    "servers do not accept", gun);
	return 0;
}

/* Roles, "<role>.<hex>" and "<N>.root": [A-Za-z0-9._-] segments joined by
 * single '/', no "..", so nothing needs escaping in a path. */
static bool
name_ok(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > TN_NAME_MAX)
		return false;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") != n)
		return false;
	return strstr(name, "..") == NULL && name[0] != '/' && name[n - 1] != '/' &&
	    name[0] != '.' && strstr(name, "//") == NULL && strstr(name, "/.") == NULL;
}

/* Each segment of the GUN escaped on its own; the slashes stay. */
static int
escape_gun(CURL *c, const char *gun, char **ret)
{
	size_t cap = strlen(gun) * 3 + 1, o = 0;
	char *out = malloc(cap);
	const char *p = gun;

	if (out == NULL)
		return TA_ERR_NOMEM;
	for (;;) {
		size_t seg = strcspn(p, "/");
		char *esc = tn_curl.easy_escape(c, p, (int)seg);
		size_t k;

		if (esc == NULL) {
			free(out);
			return TA_ERR_NOMEM;
		}
		k = strlen(esc);
		if (o + k + 2 > cap) { /* cannot happen: 3 bytes per byte at most */
			tn_curl.free(esc);
			free(out);
			return TA_ERR_INTERNAL;
		}
		memcpy(out + o, esc, k);
		o += k;
		tn_curl.free(esc);
		if (p[seg] == '\0')
			break;
		out[o++] = '/';
		p += seg + 1;
	}
	out[o] = '\0';
	*ret = out;
	return 0;
}

static int
parse_base_url(struct tn_server *s, const char *url, struct tn_error *e)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *frag = NULL, *user = NULL, *pw = NULL;
	CURLUcode uc;
	int r = 0;

	if (url == NULL || *url == '\0')
		return tn_fail(e, TA_ERR_INVALID, "notary: no server URL given; give one such as "
		    "https://notary.example.com");
	if (strlen(url) > TN_URL_MAX || tn_has_ctl(url) || strpbrk(url, " \t") != NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: the server URL is too long or contains "
		    "spaces or control characters; give one such as https://notary.example.com");
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return tn_fail(e, TA_ERR_INVALID, "notary: the server URL '%s' is not http:// or "
		    "https://; give one such as https://notary.example.com", url);
	if ((u = tn_curl.url()) == NULL)
		return tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
	if ((uc = tn_curl.url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		r = tn_fail(e, TA_ERR_INVALID, "notary: the server URL '%s' is not valid (%s); give "
		    "one such as https://notary.example.com", url, tn_curl.url_strerror(uc));
		goto out;
	}
	(void)tn_curl.url_get(u, CURLUPART_SCHEME, &scheme, 0);
	(void)tn_curl.url_get(u, CURLUPART_HOST, &host, 0);
	(void)tn_curl.url_get(u, CURLUPART_PORT, &port, 0);
	(void)tn_curl.url_get(u, CURLUPART_PATH, &path, 0);
	(void)tn_curl.url_get(u, CURLUPART_QUERY, &query, 0);
	(void)tn_curl.url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	(void)tn_curl.url_get(u, CURLUPART_USER, &user, 0);
	(void)tn_curl.url_get(u, CURLUPART_PASSWORD, &pw, 0);
	if (user != NULL || pw != NULL) {
		r = tn_fail(e, TA_ERR_INVALID, "notary: the server URL carries credentials; give them "
		    "in TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD instead");
		goto out;
	}
	if (scheme == NULL || host == NULL || *host == '\0') {
		r = tn_fail(e, TA_ERR_INVALID, "notary: the server URL '%s' has no host; give one "
		    "such as https://notary.example.com", url);
		goto out;
	}
	if ((path != NULL && strcmp(path, "/") != 0 && *path != '\0') || query != NULL ||
	    frag != NULL) {
		r = tn_fail(e, TA_ERR_INVALID, "notary: the server URL '%s' has a path, query or "
		    "fragment; give the server's base URL only (the API lives under /v2/)", url);
		goto out;
	}
	s->http.https = strcasecmp(scheme, "https") == 0;
	for (char *p = host; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	s->default_port = port == NULL || strcmp(port, s->http.https ? "443" : "80") == 0;
	if ((s->host = strdup(host)) == NULL ||
	    asprintf(&s->hostport, "%s%s%s", host, port ? ":" : "", port ? port : "") < 0 ||
	    asprintf(&s->http.url, "%s://%s", s->http.https ? "https" : "http", s->hostport) < 0) {
		s->hostport = s->http.url = NULL;
		r = tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
	}
out:
	tn_curl.free(scheme);
	tn_curl.free(host);
	tn_curl.free(port);
	tn_curl.free(path);
	tn_curl.free(query);
	tn_curl.free(frag);
	tn_curl.free(user);
	tn_curl.free(pw);
	tn_curl.url_cleanup(u);
	return r;
}

/* The server's error catalogue, {"errors":[{"code","message","detail"}]}:
 * the first error's code, and one cleaned line of text for it. */
struct tn_catalogue {
	char code[64];
	char text[384];
};

/* False when the body is not a catalogue. */
static bool
catalogue(const struct tn_req *q, struct tn_catalogue *cat)
{
	json_t *root = NULL, *err0, *v, *detail;
	const char *code, *msg = NULL;
	char dtext[300] = "";
	bool ok = false;

	cat->code[0] = cat->text[0] = '\0';
	if (q->body == NULL || q->len == 0 || q->truncated)
		return false;
	root = json_loadb((const char *)q->body, q->len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) || !json_is_array(v = json_object_get(root, "errors")) ||
	    !json_is_object(err0 = json_array_get(v, 0)) ||
	    !json_is_string(v = json_object_get(err0, "code")))
		goto out;
	code = json_string_value(v);
	tn_clean_text(cat->code, sizeof(cat->code), code, strlen(code));
	if (json_is_string(v = json_object_get(err0, "message")))
		msg = json_string_value(v);
	detail = json_object_get(err0, "detail");
	if (json_is_object(detail)) {
		/* INVALID_UPDATE: {"Name": "ErrBadRoot", "Error": {"Msg": ...}}
		 * (a validation.SerializableError); some have "Error" as text. */
		json_t *name = json_object_get(detail, "Name"), *er = json_object_get(detail, "Error");
		const char *n = json_is_string(name) ? json_string_value(name) : NULL;
		const char *m = NULL;
		char tmp[300];

		if (json_is_object(er) && json_is_string(json_object_get(er, "Msg")))
			m = json_string_value(json_object_get(er, "Msg"));
		else if (json_is_string(er))
			m = json_string_value(er);
		(void)snprintf(tmp, sizeof(tmp), "%s%s%s", n ? n : "", n && m ? ": " : "",
		    m ? m : "");
		tn_clean_text(dtext, sizeof(dtext), tmp, strlen(tmp));
	} else if (json_is_string(detail)) {
		const char *d = json_string_value(detail);

		tn_clean_text(dtext, sizeof(dtext), d, strlen(d));
	}
	{
		char m[200] = "";

		if (msg != NULL)
			tn_clean_text(m, sizeof(m), msg, strlen(msg));
		if (strcmp(cat->code, "INVALID_UPDATE") == 0 && dtext[0] != '\0')
			(void)snprintf(cat->text, sizeof(cat->text), "%s", dtext);
		else if (dtext[0] != '\0')
			(void)snprintf(cat->text, sizeof(cat->text), "%s%s%s (%s)", cat->code,
			    m[0] ? ": " : "", m, dtext);
		else
			(void)snprintf(cat->text, sizeof(cat->text), "%s%s%s", cat->code,
			    m[0] ? ": " : "", m);
	}
	ok = true;
out:
	json_decref(root);
	return ok;
}

/* A non-2xx, non-401 answer as the error of the header's list. */
static int
status_error(const struct tn_server *s, const struct tn_req *q, const char *who,
    struct tn_error *e)
{
	struct tn_catalogue cat;
	bool have = catalogue(q, &cat);
	long st = q->status;

	if (st == 404)
		return sfail(s, who, e, TA_ERR_NOT_FOUND, "404 %s: the server has no such file "
		    "for '%s'", tn_http_reason(q), s->gun);
	if (st == 400 && have && strcmp(cat.code, "INVALID_UPDATE") == 0)
		return sfail(s, who, e, TA_ERR_VERIFY, "the server refused the update: %s; fix "
		    "the metadata (the server's log says more)", cat.text);
	if (st == 400 && have && strcmp(cat.code, "VERSION") == 0)
		return sfail(s, who, e, TA_ERR_EXISTS, "the server already has this version or a "
		    "newer one (VERSION); raise the version and sign again");
	if (st == 400)
		return sfail(s, who, e, TA_ERR_FORMAT, "400 %s: %s; the server could not use "
		    "what was sent", tn_http_reason(q), have ? cat.text : "no error catalogue");
	if (st == 401 || st == 403)
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s%s%s; the credentials do "
		    "not allow this on '%s'", st, tn_http_reason(q), have ? ": " : "",
		    have ? cat.text : "", s->gun);
	if (st >= 300 && st <= 399)
		return sfail(s, who, e, TA_ERR_PROTOCOL, "%ld %s: a redirect tufctl does not "
		    "follow here; give the server's final URL", st, tn_http_reason(q));
	if (st >= 500 && st <= 599)
		return sfail(s, who, e, TA_ERR_PROTOCOL, "%ld %s%s%s%s%s; try again later", st,
		    tn_http_reason(q), have ? " (" : "", have ? cat.text : "", have ? ")" : "",
		    tn_http_tries_text(q));
	return sfail(s, who, e, TA_ERR_PROTOCOL, "unexpected answer %ld %s%s%s; is this a "
	    "notary server?", st, tn_http_reason(q), have ? ": " : "", have ? cat.text : "");
}

/* ---- challenges -------------------------------------------------------------- */

/* The Bearer challenge of the last answer, from its first
 * TN_CHALLENGE_LINES WWW-Authenticate lines (tn_challenge_find): 1 found,
 * 0 none, TA_ERR_NOMEM, or another TA_ERR_* when malformed. */
static int
answer_challenge(struct tn_server *s, struct tn_challenge *ch)
{
	char *values[TN_CHALLENGE_LINES];
	struct curl_header *h = NULL;
	size_t i, n = 0, amount = 1;
	int r = 0;

	/* Copied: a struct curl_header lasts until the next call only. */
	for (i = 0; i < amount && i < TN_CHALLENGE_LINES; i++) {
		if (tn_curl.easy_header(s->http.curl, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) !=
		    CURLHE_OK)
			break;
		amount = h->amount;
		if ((values[n] = strdup(h->value)) == NULL) {
			r = TA_ERR_NOMEM;
			break;
		}
		n++;
	}
	if (r == 0)
		r = tn_challenge_find((const char *const *)values, n, ch);
	for (i = 0; i < n; i++)
		free(values[i]);
	return r;
}

/* Takes the realm and service of a challenge: the realm must be an http(s)
 * URL without credentials, and https when the server is
 * (tn_realm_check()), and one libcurl can parse. */
static int
adopt_challenge(struct tn_server *s, const struct tn_challenge *ch, const char *who,
    struct tn_error *e)
{
	enum tn_realm_fault f = tn_realm_check(ch->realm, s->http.https);
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, rtext[128];
	int r = 0;

	tn_clean_text(rtext, sizeof(rtext), ch->realm, strlen(ch->realm));
	if (f == TN_REALM_MISSING)
		return sfail(s, who, e, TA_ERR_PROTOCOL, "the Bearer challenge has no realm; the "
		    "server's auth setup is broken");
	if ((u = tn_curl.url()) == NULL)
		return sfail(s, who, e, TA_ERR_NOMEM, "out of memory");
	if (f == TN_REALM_NOT_HTTP || tn_curl.url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK ||
	    tn_curl.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    tn_curl.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm '%s' is not an http(s) URL; "
		    "the server's auth setup is broken", rtext);
		goto out;
	}
	if (f == TN_REALM_CREDENTIALS || tn_curl.url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm carries credentials in its "
		    "URL; refusing it");
		goto out;
	}
	if (f == TN_REALM_DOWNGRADE || (s->http.https && strcmp(scheme, "https") != 0)) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm '%s' is plain http while "
		    "the server is https; refusing to send credentials there", rtext);
		goto out;
	}
	if (s->realm == NULL || strcmp(s->realm, ch->realm) != 0 || s->service == NULL ||
	    strcmp(s->service, ch->service) != 0) {
		for (int i = 0; i < TN_SCOPE_N; i++)
			tn_token_drop(&s->tok[i]);
		free(s->realm);
		free(s->service);
		s->service = NULL;
		if ((s->realm = strdup(ch->realm)) == NULL ||
		    (s->service = strdup(ch->service)) == NULL)
			r = sfail(s, who, e, TA_ERR_NOMEM, "out of memory");
	}
out:
	tn_curl.free(scheme);
	tn_curl.free(host);
	tn_curl.free(user);
	tn_curl.url_cleanup(u);
	return r;
}

/* ---- credentials ------------------------------------------------------------- */

/* What to tell when the realm refuses the credentials we have. */
/* ", or store them in docker-credential-NAME, which has none for HOST" when
 * a helper is configured, else "". */
static const char *
helper_hint(const struct tn_server *s, char *buf, size_t cap)
{
	static char text[128 + TN_HELPER_NAME_MAX + TN_PARAM_MAX];

	if (buf == NULL) {
		buf = text;
		cap = sizeof(text);
	}
	if (s->creds.helper == NULL)
		return "";
	(void)snprintf(buf, cap, ", or store them in docker-credential-%s%s%s", s->creds.helper,
	    s->creds.helper_empty ? ", which has none for " : "",
	    s->creds.helper_empty ? s->hostport : "");
	return buf;
}

static int
creds_refused(struct tn_server *s, const struct tn_req *q, struct tn_error *e)
{
	char realm[128];
	const char *who = "token";

	tn_clean_text(realm, sizeof(realm), s->realm, strlen(s->realm));
	switch (s->creds.kind) {
	case TN_CRED_CALLER:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "credentials for user '%s' (%ld); check TUFCTL_REGISTRY_USERNAME and "
		    "TUFCTL_REGISTRY_PASSWORD (or --password-stdin)", realm, s->creds.user,
		    q->status);
	case TN_CRED_DOCKER_AUTH:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "credentials for user '%s' from %s (%ld); %s or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", realm, s->creds.user,
		    s->creds.file, q->status, s->creds.from_helper ? "update what the helper holds" :
		    "run docker login again");
	case TN_CRED_DOCKER_TOKEN:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "identity token from %s (%ld); %s or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", realm, s->creds.file,
		    q->status, s->creds.from_helper ? "update what the helper holds" :
		    "run docker login again");
	default:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the server needs registry "
		    "credentials (the token service %s answered %ld without them); set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD (or use "
		    "--password-stdin%s%s)", realm, q->status, helper_hint(s, NULL, 0),
		    s->creds.helper != NULL ? "" : ", or docker login");
	}
}

/* ---- tokens ------------------------------------------------------------------ */

/* Appends a header line holding a secret; hdr (size bytes) is wiped and
 * freed whatever happens, and tn_headers_free() wipes the list's copy. */
static int
add_secret_header(struct curl_slist **hdrs, char *hdr, size_t size)
{
	struct curl_slist *n = tn_curl.slist_append(*hdrs, hdr);

	ta_wipe_free(hdr, size);
	if (n == NULL)
		return TA_ERR_NOMEM;
	*hdrs = n;
	return 0;
}

/* "Authorization: Basic base64(user:pass)". */
static int
basic_header(const struct tn_server *s, struct curl_slist **hdrs)
{
	char *hdr = NULL;
	size_t size = 0;
	int r;

	if ((r = tn_creds_basic_header(&s->creds, &hdr, &size)) != 0)
		return r;
	return add_secret_header(hdrs, hdr, size);
}

static int
bearer_header(const struct tn_token *t, struct curl_slist **hdrs)
{
	char *hdr = NULL;
	size_t size = 0;
	int r;

	if ((r = tn_token_header(t, &hdr, &size)) != 0)
		return r;
	return add_secret_header(hdrs, hdr, size);
}

/* key=escaped(value)&... appended to a growing form; the escaped copy of a
 * secret is wiped. */
static int
form_add(CURL *c, char **form, size_t *len, const char *key, const char *val)
{
	char *esc = tn_curl.easy_escape(c, val, 0), *nf;
	size_t el, kl = strlen(key), nl;

	if (esc == NULL)
		return TA_ERR_NOMEM;
	el = strlen(esc);
	nl = *len + (*len ? 1 : 0) + kl + 1 + el;
	if ((nf = malloc(nl + 1)) == NULL) {
		ta_wipe(esc, el);
		tn_curl.free(esc);
		return TA_ERR_NOMEM;
	}
	if (*len)
		memcpy(nf, *form, *len);
	(void)snprintf(nf + *len, nl + 1 - *len, "%s%s=%s", *len ? "&" : "", key, esc);
	ta_wipe(esc, el);
	tn_curl.free(esc);
	if (*form != NULL)
		ta_wipe_free(*form, *len + 1);
	*form = nf;
	*len = nl;
	return 0;
}

/* realm?service=S&scope=SCOPE[&account=U] */
static int
realm_url(struct tn_server *s, const char *scope, char **ret)
{
	CURLU *u = tn_curl.url();
	char *q = NULL, *url = NULL;
	int r = TA_ERR_NOMEM;

	if (u == NULL || tn_curl.url_set(u, CURLUPART_URL, s->realm, 0) != CURLUE_OK)
		goto out;
	if (s->service[0] != '\0') {
		if (asprintf(&q, "service=%s", s->service) < 0)
			goto out;
		if (tn_curl.url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK)
			goto out;
		free(q);
		q = NULL;
	}
	if (asprintf(&q, "scope=%s", scope) < 0 ||
	    tn_curl.url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
		goto out;
	free(q);
	q = NULL;
	if (s->creds.kind == TN_CRED_CALLER || s->creds.kind == TN_CRED_DOCKER_AUTH) {
		if (asprintf(&q, "account=%s", s->creds.user) < 0 ||
		    tn_curl.url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
			CURLUE_OK)
			goto out;
	}
	if (tn_curl.url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto out;
	if ((*ret = strdup(url)) != NULL)
		r = 0;
out:
	free(q);
	tn_curl.free(url);
	tn_curl.url_cleanup(u);
	return r;
}

/* The token answer (tn_token_parse()) into t; for docker's identity token
 * a new refresh token replaces the old one (OAuth rotation). */
static int
take_token(struct tn_server *s, const struct tn_req *q, struct tn_token *t, struct tn_error *e)
{
	struct tn_token_answer a;
	const char *why = NULL;
	int r;

	if ((r = tn_token_parse(q->body, q->len, &a, &why)) != 0) {
		if (r == TA_ERR_NOMEM)
			tn_token_drop(t);
		return sfail(s, "token", e, r, "%s", why);
	}
	tn_token_take(t, &a, now_s());
	tn_creds_take_refresh(&s->creds, &a);
	tn_token_answer_clear(&a);
	return 0;
}

/* docker's credential helper for the server, once: what docker would run
 * when config.json has no "auths" credentials for it.  A helper that says
 * it has none leaves the session anonymous; one that is missing, fails or
 * answers otherwise is an error naming it. */
static int
helper_creds(struct tn_server *s, struct tn_error *e)
{
	struct tn_creds *c = &s->creds;
	char *out = NULL, prog[32 + TN_HELPER_NAME_MAX], first[160];
	size_t len = 0, cap = 0;
	int r, status = 0;
	const char *fix = "fix it, or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD";

	if (c->kind != TN_CRED_NONE || c->helper == NULL || c->helper_tried)
		return 0;
	c->helper_tried = true;
	if (!tn_helper_name_ok(c->helper))
		return sfail(s, "credentials", e, TA_ERR_FORMAT, "docker's config.json names a "
		    "credential helper that is not a helper's name; %s", fix);
	(void)snprintf(prog, sizeof(prog), "docker-credential-%s", c->helper);
	if (tn_http_verbose) {
		(void)fprintf(stderr, "tufctl: running %s get for %s\n", prog, s->hostport);
		(void)fflush(stderr);
	}
	r = tn_helper_run(c->helper, s->hostport, TN_HELPER_TIMEOUT_MS, &out, &len, &cap, &status);
	switch (r) {
	case 0:
		break;
	case TA_ERR_NOT_FOUND:
		return sfail(s, "credentials", e, TA_ERR_SYSTEM, "docker's config.json names "
		    "the credential helper %s, which is not on PATH; install it, or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", prog);
	case TA_ERR_TIMEOUT:
		return sfail(s, "credentials", e, TA_ERR_TIMEOUT, "the credential helper %s did "
		    "not answer within %d s (stopped); %s", prog, TN_HELPER_TIMEOUT_MS / 1000, fix);
	case TA_ERR_TOO_LARGE:
		return sfail(s, "credentials", e, TA_ERR_FORMAT, "the credential helper %s wrote "
		    "over %zu bytes (stopped); %s", prog, TN_HELPER_OUT_MAX, fix);
	default:
		return sfail(s, "credentials", e, r, "cannot run the credential helper %s: %s; %s",
		    prog, r == TA_ERR_SYSTEM ? strerror(errno) : ta_strerror(r), fix);
	}
	if (status != 0) {
		/* Its message (never a secret: it failed) says why; docker's
		 * helpers say "credentials not found" for a server they do not
		 * hold, which leaves the session anonymous as docker does. */
		tn_clean_text(first, sizeof(first), out, strcspn(out, "\r\n"));
		ta_wipe_free(out, cap);
		if (strstr(first, "credentials not found") != NULL) {
			c->helper_empty = true;
			return 0;
		}
		return sfail(s, "credentials", e, TA_ERR_NOT_AUTHORIZED, "the credential helper "
		    "%s get failed (exit status %d%s%s); %s", prog, status, first[0] ? ": " : "",
		    first, fix);
	}
	r = tn_helper_answer(out, len, c);
	ta_wipe_free(out, cap);
	if (r == TA_ERR_NOMEM)
		return sfail(s, "credentials", e, r, "out of memory");
	if (r != 0)
		return sfail(s, "credentials", e, TA_ERR_FORMAT, "the credential helper %s did not "
		    "answer with a JSON object holding Username and Secret; %s", prog, fix);
	if ((c->file = strdup(prog)) == NULL)
		return sfail(s, "credentials", e, TA_ERR_NOMEM, "out of memory");
	return 0;
}

static int
fetch_token(struct tn_server *s, enum tn_scope sc, struct tn_error *e)
{
	struct tn_req q = {.h = &s->http, .max = TN_TOKEN_BODY_MAX};
	struct tn_auth_host h = {.host = s->host, .hostport = s->hostport,
	    .default_port = s->default_port};
	struct curl_slist *hdrs = NULL;
	char *scope = NULL, *url = NULL, *form = NULL;
	size_t form_len = 0;
	int r;

	if ((r = tn_creds_from_docker(&s->creds, &h, s->http.url, e)) != 0 ||
	    (r = helper_creds(s, e)) != 0)
		return r;
	if (asprintf(&scope, "repository:%s:%s", s->gun, scope_actions[sc]) < 0)
		return sfail(s, "token", e, TA_ERR_NOMEM, "out of memory");
	if (s->creds.kind == TN_CRED_DOCKER_TOKEN) {
		const char *idtoken = s->creds.idtoken;
		CURL *c = s->http.curl;

		/* docker's identitytoken: the OAuth2 refresh-token grant. */
		if ((r = form_add(c, &form, &form_len, "grant_type", "refresh_token")) != 0 ||
		    (r = form_add(c, &form, &form_len, "refresh_token", idtoken)) != 0 ||
		    (r = form_add(c, &form, &form_len, "service", s->service)) != 0 ||
		    (r = form_add(c, &form, &form_len, "scope", scope)) != 0 ||
		    (r = form_add(c, &form, &form_len, "client_id", TN_CLIENT_ID)) != 0) {
			r = sfail(s, "token", e, r, "out of memory");
			goto out;
		}
		q.method = "POST";
		q.url = s->realm;
		q.form = form;
		q.form_len = form_len;
	} else {
		if ((r = realm_url(s, scope, &url)) != 0) {
			r = sfail(s, "token", e, r, "cannot build the token request URL");
			goto out;
		}
		if ((s->creds.kind == TN_CRED_CALLER || s->creds.kind == TN_CRED_DOCKER_AUTH) &&
		    (r = basic_header(s, &hdrs)) != 0) {
			r = sfail(s, "token", e, r, "out of memory");
			goto out;
		}
		q.method = "GET";
		q.url = url;
	}
	q.label = "token";
	if ((r = tn_http_send(&q, hdrs, "token", e)) != 0)
		goto out;
	if (q.status == 401 || q.status == 403) {
		r = creds_refused(s, &q, e);
		goto out;
	}
	if (q.status < 200 || q.status > 299) {
		char realm[128];

		tn_clean_text(realm, sizeof(realm), s->realm, strlen(s->realm));
		r = sfail(s, "token", e, TA_ERR_PROTOCOL, "the token service %s answered %ld %s%s; "
		    "try again later", realm, q.status, tn_http_reason(&q), tn_http_tries_text(&q));
		goto out;
	}
	r = take_token(s, &q, &s->tok[sc], e);
out:
	tn_headers_free(hdrs);
	if (form != NULL)
		ta_wipe_free(form, form_len + 1);
	free(url);
	free(scope);
	tn_req_free(&q);
	return r;
}

/* ---- requests to the notary server ------------------------------------------ */

/* What the token of the other failure says, once authenticated. */
static int
not_authorized(struct tn_server *s, const struct tn_req *q, enum tn_scope sc, const char *who,
    struct tn_error *e)
{
	struct tn_catalogue cat;
	bool have = catalogue(q, &cat);

	if (s->creds.kind == TN_CRED_NONE)
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s without registry credentials; "
		    "set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD (or use "
		    "--password-stdin%s%s)", q->status, tn_http_reason(q), helper_hint(s, NULL, 0),
		    s->creds.helper != NULL ? "" : ", or docker login");
	return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s%s%s: %s%s%s is not allowed to %s "
	    "'%s'; ask the registry's admin for that access", q->status, tn_http_reason(q),
	    have ? ": " : "", have ? cat.text : "",
	    s->creds.kind == TN_CRED_DOCKER_TOKEN ? "docker's identity token" : "user '",
	    s->creds.kind == TN_CRED_DOCKER_TOKEN ? "" : s->creds.user,
	    s->creds.kind == TN_CRED_DOCKER_TOKEN ? "" : "'",
	    sc == TN_SCOPE_PULL ? "read" : sc == TN_SCOPE_PUSH ? "push to" : "administer",
	    s->gun);
}

/* Sends q with a token for scope sc when the server wants one.  A 401 with
 * a token gets one fresh token and one more go, never more. */
static int
call(struct tn_server *s, struct tn_req *q, enum tn_scope sc, struct tn_error *e)
{
	bool refetched = false;
	int r;

	for (;;) {
		struct curl_slist *hdrs = tn_curl.slist_append(NULL, "Expect:");
		struct tn_challenge ch;
		bool sent_token = false;
		int c;

		if (hdrs == NULL)
			return sfail(s, q->label, e, TA_ERR_NOMEM, "out of memory");
		if (s->realm != NULL) {
			struct tn_token *t = &s->tok[sc];

			if (t->value == NULL || now_s() >= t->until) {
				if ((r = fetch_token(s, sc, e)) != 0) {
					tn_headers_free(hdrs);
					return r;
				}
			}
			if ((r = bearer_header(t, &hdrs)) != 0) {
				tn_headers_free(hdrs);
				return sfail(s, q->label, e, r, "out of memory");
			}
			sent_token = true;
		}
		r = tn_http_send(q, hdrs, q->label, e);
		tn_headers_free(hdrs);
		if (r != 0)
			return r;
		if (q->status >= 200 && q->status <= 299)
			return 0;
		if (q->status != 401)
			return status_error(s, q, q->label, e);
		if ((c = answer_challenge(s, &ch)) == TA_ERR_NOMEM)
			return sfail(s, q->label, e, c, "out of memory");
		if (c <= 0)
			return sfail(s, q->label, e, TA_ERR_PROTOCOL, "401 %s with %s Bearer "
			    "challenge; tufctl speaks registry token auth only", tn_http_reason(q),
			    c < 0 ? "a malformed" : "no");
		if (sent_token && refetched)
			return not_authorized(s, q, sc, q->label, e);
		if ((r = adopt_challenge(s, &ch, q->label, e)) != 0)
			return r;
		if (sent_token) {
			tn_token_drop(&s->tok[sc]);
			refetched = true;
		}
	}
}

static int
tuf_url(const struct tn_server *s, const char *tail, char **ret)
{
	return asprintf(ret, "%s/v2/%s/_trust/tuf/%s", s->http.url, s->gun_path, tail) < 0 ?
	    TA_ERR_NOMEM : 0;
}

/* ---- the API ----------------------------------------------------------------- */

static int
ping(struct tn_server *s, struct tn_error *e)
{
	struct tn_req q = {.h = &s->http, .method = "GET", .label = "GET /v2/", .max = TN_PING_MAX,
	    .follow = true};
	struct curl_slist *hdrs = tn_curl.slist_append(NULL, "Expect:");
	struct tn_challenge ch;
	char *url = NULL;
	int r, c;

	if (hdrs == NULL || asprintf(&url, "%s/v2/", s->http.url) < 0) {
		url = NULL;
		r = tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
		goto out;
	}
	q.url = url;
	if ((r = tn_http_send(&q, hdrs, q.label, e)) != 0)
		goto out;
	if (q.status >= 200 && q.status <= 299)
		goto out;
	if (q.status == 401) {
		if ((c = answer_challenge(s, &ch)) == TA_ERR_NOMEM) {
			r = sfail(s, q.label, e, c, "out of memory");
			goto out;
		}
		if (c <= 0) {
			r = sfail(s, q.label, e, TA_ERR_PROTOCOL, "401 with %s Bearer challenge; "
			    "tufctl speaks registry token auth only", c < 0 ? "a malformed" : "no");
			goto out;
		}
		r = adopt_challenge(s, &ch, q.label, e);
		goto out;
	}
	r = sfail(s, q.label, e, TA_ERR_PROTOCOL, "%ld %s%s; %s", q.status, tn_http_reason(&q),
	    tn_http_tries_text(&q),
	    q.status >= 500 ? "the server is not working; try again later"
			    : "this is not a notary server, or the URL is wrong");
out:
	tn_headers_free(hdrs);
	free(url);
	tn_req_free(&q);
	return r;
}

int
tn_server_open(const struct tn_options *o, struct tn_server **ret, struct tn_error *e)
{
	struct tn_server *s = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (o == NULL || ret == NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: no options given (a bug)");
	if ((r = check_gun(o->gun, e)) != 0)
		return r;
	if (o->tls_ca != NULL && access(o->tls_ca, R_OK) != 0)
		return tn_fail(e, TA_ERR_SYSTEM, "notary: cannot read the CA bundle '%s' (%s); give a "
		    "PEM file with --tls-ca", o->tls_ca, strerror(errno));
	if ((r = tn_curl_load(e)) != 0)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
	if ((r = parse_base_url(s, o->url, e)) != 0)
		goto fail;
	if (tn_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = tn_fail(e, TA_ERR_SYSTEM, "notary: libcurl cannot start");
		goto fail;
	}
	if ((s->http.curl = tn_curl.easy_init()) == NULL) {
		tn_curl.global_cleanup();
		r = tn_fail(e, TA_ERR_NOMEM, "notary: libcurl cannot start (out of memory)");
		goto fail;
	}
	if ((s->gun = strdup(o->gun)) == NULL ||
	    escape_gun(s->http.curl, o->gun, &s->gun_path) != 0 ||
	    (o->tls_ca != NULL && (s->http.tls_ca = strdup(o->tls_ca)) == NULL)) {
		r = tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
		goto fail;
	}
	s->read_only = o->read_only;
	s->http.retry_ms = env_lower("TUFCTL_HTTP_RETRY_MS", 0, TN_RETRY_BASE_MS);
	s->http.stall_s = env_lower("TUFCTL_HTTP_STALL_S", 1, TN_STALL_S);
	if ((r = tn_creds_from_caller(&s->creds, o->creds_user, o->creds_pass, e)) != 0)
		goto fail;
	if ((r = ping(s, e)) != 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	tn_server_close(s);
	return r;
}

void
tn_server_close(struct tn_server *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < TN_SCOPE_N; i++)
		tn_token_drop(&s->tok[i]);
	tn_creds_clear(&s->creds);
	free(s->realm);
	free(s->service);
	free(s->http.url);
	free(s->host);
	free(s->hostport);
	free(s->gun);
	free(s->gun_path);
	free(s->http.tls_ca);
	if (s->http.curl != NULL) {
		tn_curl.easy_cleanup(s->http.curl);
		tn_curl.global_cleanup();
	}
	free(s);
}

const char *
tn_server_url(const struct tn_server *s)
{
	return s->http.url;
}

int
tn_get(struct tn_server *s, const char *name, size_t max, uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	struct tn_req q = {.h = &s->http, .method = "GET", .max = max, .follow = true};
	char label[TN_NAME_MAX + 16], *url = NULL, *tail = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || ret == NULL || ret_len == NULL || max == 0)
		return tn_fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_get (a bug)");
	if (!name_ok(name))
		return sfail(s, NULL, e, TA_ERR_INVALID, "'%s' is not a metadata name (a role, "
		    "ROLE.<checksum> or N.root)", name ? name : "");
	(void)snprintf(label, sizeof(label), "GET .../%s.json", name);
	q.label = label;
	if (asprintf(&tail, "%s.json", name) < 0 || tuf_url(s, tail, &url) != 0) {
		r = sfail(s, label, e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	q.url = url;
	if ((r = call(s, &q, s->read_only ? TN_SCOPE_PULL : TN_SCOPE_PUSH, e)) != 0)
		goto out;
	if (q.body == NULL && (q.body = malloc(1)) == NULL) {
		r = sfail(s, label, e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (q.cap == 0)
		q.cap = 1;
	q.body[q.len] = '\0';
	*ret = q.body;
	*ret_len = q.len;
	q.body = NULL;
out:
	tn_req_free(&q);
	free(url);
	free(tail);
	return r;
}

int
tn_server_key(struct tn_server *s, const char *role, bool rotate, char **ret_json,
    struct tn_error *e)
{
	struct tn_req q = {.h = &s->http, .max = TN_KEY_MAX};
	char label[64], *url = NULL, *tail = NULL;
	json_t *k = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || ret_json == NULL)
		return tn_fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_server_key (a bug)");
	if (role == NULL || (strcmp(role, "timestamp") != 0 && strcmp(role, "snapshot") != 0))
		return sfail(s, NULL, e, TA_ERR_INVALID, "the server holds keys for timestamp and "
		    "snapshot only, not '%s'", role ? role : "");
	q.method = rotate ? "POST" : "GET";
	q.follow = !rotate;
	(void)snprintf(label, sizeof(label), "%s .../%s.key", q.method, role);
	q.label = label;
	if (asprintf(&tail, "%s.key", role) < 0 || tuf_url(s, tail, &url) != 0) {
		r = sfail(s, label, e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	q.url = url;
	/* The server wants "*" to rotate, push,pull to hand out a key. */
	if ((r = call(s, &q, rotate ? TN_SCOPE_ADMIN : TN_SCOPE_PUSH, e)) != 0)
		goto out;
	k = q.body ? json_loadb((const char *)q.body, q.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(k) || !json_is_string(json_object_get(k, "keytype")) ||
	    !json_is_object(json_object_get(k, "keyval"))) {
		r = sfail(s, label, e, TA_ERR_FORMAT, "the answer is not a TUF key object; is "
		    "this a notary server?");
		goto out;
	}
	*ret_json = (char *)q.body;
	q.body = NULL;
out:
	json_decref(k);
	tn_req_free(&q);
	free(url);
	free(tail);
	return r;
}

int
tn_publish(struct tn_server *s, const struct tn_part *parts, size_t n, struct tn_error *e)
{
	struct tn_req q = {.h = &s->http, .method = "POST", .label = "POST .../ (publish)",
	    .max = TN_ERRBODY_MAX};
	char *url = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || (parts == NULL && n > 0))
		return tn_fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_publish (a bug)");
	if (n == 0 || n > TN_PARTS_MAX)
		return sfail(s, q.label, e, TA_ERR_INVALID, "%zu files to publish; give 1 to %d",
		    n, TN_PARTS_MAX);
	if (s->read_only)
		return sfail(s, q.label, e, TA_ERR_INVALID, "this session is read-only (a bug)");
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(parts[i].role) || strchr(parts[i].role, '.') != NULL)
			return sfail(s, q.label, e, TA_ERR_INVALID, "'%s' is not a role name",
			    parts[i].role ? parts[i].role : "");
		if (parts[i].data == NULL || parts[i].len == 0)
			return sfail(s, q.label, e, TA_ERR_INVALID, "the %s file is empty",
			    parts[i].role);
		for (size_t j = 0; j < i; j++)
			if (strcmp(parts[i].role, parts[j].role) == 0)
				return sfail(s, q.label, e, TA_ERR_INVALID, "%s is given twice",
				    parts[i].role);
	}
	if (tuf_url(s, "", &url) != 0) {
		r = sfail(s, q.label, e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	q.url = url;
	q.parts = parts;
	q.nparts = n;
	if ((r = call(s, &q, TN_SCOPE_PUSH, e)) != 0)
		goto out;
	if (q.status != 200) {
		r = sfail(s, q.label, e, TA_ERR_PROTOCOL, "%ld %s where 200 was expected; read "
		    "the repository back before publishing again", q.status, tn_http_reason(&q));
		goto out;
	}
out:
	tn_req_free(&q);
	free(url);
	return r;
}
