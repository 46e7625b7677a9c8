/* tufctl's client for the notary server HTTP API (client/notary_http.h),
 * on libcurl.
 *
 * One easy handle per server (so connections are reused), reset before
 * each transfer and configured from scratch: http/https only, no signals,
 * bounded connect and stall times, a body cap enforced as bytes arrive.
 * Registry token auth (FORMATS §1.9) is done here too: the Bearer
 * challenge, the token realm, Basic or OAuth refresh-token grants.
 *
 * Secrets (the password, docker's identity token, bearer tokens and every
 * Authorization header built from them) live in buffers that are wiped
 * before they are freed; none is ever put into an error text. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "client/notary_http.h"
#include "common/err.h"
#include "common/secret.h"
#include "common/utf8.h"

#define TN_TRIES 4
#define TN_RETRY_BASE_MS 250
#define TN_CONNECT_TIMEOUT_S 10L
#define TN_STALL_S 30L
#define TN_LOW_SPEED 1024L
#define TN_MAX_REDIRS 3L
#define TN_GUN_MAX 255
#define TN_NAME_MAX 255
#define TN_URL_MAX 2048
#define TN_PARTS_MAX 64
#define TN_ERRBODY_MAX ((size_t)64 << 10)  /* error bodies: enough for any catalogue */
#define TN_PING_MAX ((size_t)64 << 10)
#define TN_TOKEN_BODY_MAX ((size_t)1 << 20)
#define TN_TOKEN_MAX 16384
#define TN_TOKEN_MIN_S 60          /* distribution's minimumTokenLifetimeSeconds */
#define TN_TOKEN_MAX_S 86400
#define TN_TOKEN_MARGIN_S 5        /* refetch a little before the token expires */
#define TN_PARAM_MAX 2048          /* one challenge parameter */
#define TN_CRED_MAX 4096           /* user name, password, identity token */
#define TN_DOCKER_CONFIG_MAX ((size_t)1 << 20)
#define TN_CLIENT_ID "tufctl"

enum tn_scope { TN_SCOPE_PULL, TN_SCOPE_PUSH, TN_SCOPE_ADMIN, TN_SCOPE_N };
static const char *const scope_actions[TN_SCOPE_N] = {"pull", "push,pull", "*"};

enum tn_cred { TN_CRED_NONE, TN_CRED_CALLER, TN_CRED_DOCKER_AUTH, TN_CRED_DOCKER_TOKEN };

struct tn_token {
	char *value; /* wiped when dropped */
	size_t len;
	time_t until; /* CLOCK_MONOTONIC seconds */
};

struct tn_server {
	CURL *curl;
	char *url;      /* scheme://host[:port], no trailing slash */
	char *host;     /* lower case, as in the URL (IPv6 in brackets) */
	char *hostport; /* host[:port] as in the URL */
	bool https;
	bool default_port; /* no port in the URL, or the scheme's */
	char *gun;
	char *gun_path; /* each segment percent-escaped, '/' between them */
	char *tls_ca;
	bool read_only;
	long retry_ms;
	long stall_s;

	/* Token auth: set from a Bearer challenge. */
	char *realm;
	char *service;
	bool creds_loaded;
	enum tn_cred cred;
	char *user;      /* not secret, but only in "for user 'x'" texts */
	char *pass;      /* secret */
	char *idtoken;   /* secret: docker's identitytoken (OAuth refresh token) */
	char *cred_file; /* the config.json the credentials came from */
	bool helpers;    /* that file names credential helpers, which are not run */
	struct tn_token tok[TN_SCOPE_N];
};

/* One HTTP exchange, possibly tried several times. */
struct tn_req {
	struct tn_server *s;
	const char *method;   /* "GET" or "POST" */
	const char *label;    /* for texts: "GET .../root.json" */
	const char *url;
	size_t max;           /* cap for a 2xx body */
	bool follow;          /* GETs follow up to TN_MAX_REDIRS redirects */
	const struct tn_part *parts; /* POST: multipart/form-data, or */
	size_t nparts;
	curl_mime *mime;      /* (made anew for each try: a sent one is spent) */
	const char *form;     /* POST: application/x-www-form-urlencoded (may be secret) */
	size_t form_len;      /* (a POST with neither sends an empty body) */
	/* The answer. */
	long status;
	char reason[64];
	uint8_t *body;        /* wiped when freed: token answers are secret */
	size_t len, cap;
	bool too_large;       /* a 2xx body over max: the transfer was stopped */
	bool truncated;       /* an error body over TN_ERRBODY_MAX: kept in part */
	int tries;
	CURLcode cc;
	char errbuf[CURL_ERROR_SIZE];
};

/* A parsed Bearer challenge (RFC 6750 §3, RFC 7235 §2.1). */
struct tn_challenge {
	bool bearer;
	char realm[TN_PARAM_MAX + 1];
	char service[TN_PARAM_MAX + 1];
	char scope[TN_PARAM_MAX + 1];
	char error[TN_PARAM_MAX + 1];
};

/* ---- small helpers --------------------------------------------------------- */

static int __attribute__((format(printf, 3, 4)))
fail(struct tn_error *e, int r, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* "notary server URL: LABEL: <text>" */
static int __attribute__((format(printf, 5, 6)))
sfail(const struct tn_server *s, const char *label, struct tn_error *e, int r, const char *fmt,
    ...)
{
	char text[sizeof(e->text)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (label != NULL)
		return fail(e, r, "notary server %s: %s: %s", s->url, label, text);
	return fail(e, r, "notary server %s: %s", s->url, text);
}

/* Copies at most n bytes of untrusted text (a server's message) into out,
 * control characters and bytes that are not UTF-8 as '?', cut with "..."
 * (on a character boundary) when it does not fit. */
static void
clean_text(char *out, size_t outsz, const char *in, size_t n)
{
	size_t o = 0, i = 0;

	if (outsz < 4) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	while (i < n && in[i] != '\0') {
		size_t k = ta_utf8_seq((const uint8_t *)in + i, n - i);
		bool bad = k == 0 || (k == 1 && ((unsigned char)in[i] < 0x20 || in[i] == 0x7f));
		size_t w = bad ? 1 : k;

		if (o + w + 1 > outsz) {
			if (o > outsz - 4)
				o = outsz - 4;
			while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
				o--;
			memcpy(out + o, "...", 4);
			return;
		}
		if (bad)
			out[o] = '?';
		else
			memcpy(out + o, in + i, k);
		o += w;
		i += w;
	}
	out[o] = '\0';
}

static time_t
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

static void
str_wipe_free(char **p)
{
	if (*p != NULL)
		ta_wipe_free(*p, strlen(*p));
	*p = NULL;
}

static void
token_drop(struct tn_token *t)
{
	ta_wipe_free(t->value, t->len);
	t->value = NULL;
	t->len = 0;
	t->until = 0;
}

/* Wipes every header line (Authorization among them) before freeing. */
static void
headers_free(struct curl_slist *h)
{
	for (struct curl_slist *p = h; p != NULL; p = p->next)
		ta_wipe(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

/* jansson's allocations while a secret is parsed: freed wiped.  Switched
 * only when jansson uses plain malloc/free (ta_proto_init() may already
 * have made every free wipe), and switched back after. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

struct json_wipe {
	bool on;
};

static void
json_wipe_begin(struct json_wipe *w)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	w->on = (m == malloc && f == free);
	if (w->on)
		json_set_alloc_funcs(malloc, wiping_free);
}

static void
json_wipe_end(struct json_wipe *w)
{
	if (w->on)
		json_set_alloc_funcs(malloc, free);
	w->on = false;
}

/* ---- checks of what the caller gives ------------------------------------- */

static bool
has_ctl(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static int
check_gun(const char *gun, struct tn_error *e)
{
	size_t n, i;

	if (gun == NULL || (n = strlen(gun)) == 0)
		return fail(e, TA_ERR_INVALID, "notary: no GUN given; name the repository, e.g. "
		    "registry.example.com/team/app");
	if (n > TN_GUN_MAX)
		return fail(e, TA_ERR_INVALID, "notary: the GUN is %zu bytes long; at most %d are "
		    "allowed", n, TN_GUN_MAX);
	if (has_ctl(gun))
		return fail(e, TA_ERR_INVALID, "notary: the GUN contains a control character; give "
		    "a plain name like registry.example.com/team/app");
	for (i = 0; i < n;) {
		size_t k = ta_utf8_seq((const uint8_t *)gun + i, n - i);

		if (k == 0)
			return fail(e, TA_ERR_INVALID, "notary: the GUN is not valid UTF-8 (byte "
			    "%zu); give a plain name like registry.example.com/team/app", i);
		i += k;
	}
	if (strstr(gun, "..") != NULL)
		return fail(e, TA_ERR_INVALID, "notary: the GUN '%s' contains \"..\"; give the "
		    "repository's real name", gun);
	if (gun[0] == '/' || gun[n - 1] == '/' || strstr(gun, "//") != NULL)
		return fail(e, TA_ERR_INVALID, "notary: the GUN '%s' has an empty path segment "
		    "(a leading, trailing or double '/')", gun);
	if (strcmp(gun, ".") == 0 || strncmp(gun, "./", 2) == 0 || strstr(gun, "/./") != NULL ||
	    (n >= 2 && strcmp(gun + n - 2, "/.") == 0))
		return fail(e, TA_ERR_INVALID, "notary: the GUN '%s' has a \".\" path segment; give "
		    "the repository's real name", gun);
	/* notary-server routes /v2/{gun:[^*]+}/_trust/... */
	if (strchr(gun, '*') != NULL)
		return fail(e, TA_ERR_INVALID, "notary: the GUN '%s' contains '*', which notary "
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
		char *esc = curl_easy_escape(c, p, (int)seg);
		size_t k;

		if (esc == NULL) {
			free(out);
			return TA_ERR_NOMEM;
		}
		k = strlen(esc);
		if (o + k + 2 > cap) { /* cannot happen: 3 bytes per byte at most */
			curl_free(esc);
			free(out);
			return TA_ERR_INTERNAL;
		}
		memcpy(out + o, esc, k);
		o += k;
		curl_free(esc);
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
		return fail(e, TA_ERR_INVALID, "notary: no server URL given; give one such as "
		    "https://notary.example.com");
	if (strlen(url) > TN_URL_MAX || has_ctl(url) || strpbrk(url, " \t") != NULL)
		return fail(e, TA_ERR_INVALID, "notary: the server URL is too long or contains "
		    "spaces or control characters; give one such as https://notary.example.com");
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return fail(e, TA_ERR_INVALID, "notary: the server URL '%s' is not http:// or "
		    "https://; give one such as https://notary.example.com", url);
	if ((u = curl_url()) == NULL)
		return fail(e, TA_ERR_NOMEM, "notary: out of memory");
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		r = fail(e, TA_ERR_INVALID, "notary: the server URL '%s' is not valid (%s); give "
		    "one such as https://notary.example.com", url, curl_url_strerror(uc));
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	(void)curl_url_get(u, CURLUPART_HOST, &host, 0);
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	if (user != NULL || pw != NULL) {
		r = fail(e, TA_ERR_INVALID, "notary: the server URL carries credentials; give them "
		    "in TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD instead");
		goto out;
	}
	if (scheme == NULL || host == NULL || *host == '\0') {
		r = fail(e, TA_ERR_INVALID, "notary: the server URL '%s' has no host; give one "
		    "such as https://notary.example.com", url);
		goto out;
	}
	if ((path != NULL && strcmp(path, "/") != 0 && *path != '\0') || query != NULL ||
	    frag != NULL) {
		r = fail(e, TA_ERR_INVALID, "notary: the server URL '%s' has a path, query or "
		    "fragment; give the server's base URL only (the API lives under /v2/)", url);
		goto out;
	}
	s->https = strcasecmp(scheme, "https") == 0;
	for (char *p = host; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	s->default_port = port == NULL || strcmp(port, s->https ? "443" : "80") == 0;
	if ((s->host = strdup(host)) == NULL ||
	    asprintf(&s->hostport, "%s%s%s", host, port ? ":" : "", port ? port : "") < 0 ||
	    asprintf(&s->url, "%s://%s", s->https ? "https" : "http", s->hostport) < 0) {
		s->hostport = s->url = NULL;
		r = fail(e, TA_ERR_NOMEM, "notary: out of memory");
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_free(pw);
	curl_url_cleanup(u);
	return r;
}

/* ---- one transfer ------------------------------------------------------------ */

static void
req_reset_answer(struct tn_req *q)
{
	ta_wipe_free(q->body, q->cap);
	q->body = NULL;
	q->len = q->cap = 0;
	q->status = 0;
	q->reason[0] = '\0';
	q->too_large = q->truncated = false;
	q->errbuf[0] = '\0';
	q->cc = CURLE_OK;
}

static void
req_free(struct tn_req *q)
{
	curl_mime_free(q->mime);
	q->mime = NULL;
	ta_wipe_free(q->body, q->cap);
	q->body = NULL;
	q->len = q->cap = 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct tn_req *q = arg;
	size_t len = size * n;

	/* The reason phrase of the last status line (redirects and 100
	 * Continue have theirs too; the last one wins). */
	if (len > 9 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);
		const char *sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - p)) : NULL;
		size_t k = 0;

		q->reason[0] = '\0';
		if (sp2 != NULL) {
			k = len - (size_t)(sp2 + 1 - p);
			while (k > 0 && (sp2[k] == '\r' || sp2[k] == '\n'))
				k--;
			clean_text(q->reason, sizeof(q->reason), sp2 + 1, k);
		}
	}
	return len;
}

/* Appends, growing by doubling; the old buffer is wiped (it may hold a
 * token answer). */
static int
body_append(struct tn_req *q, const char *p, size_t n, size_t max)
{
	if (q->len + n + 1 > q->cap) {
		size_t cap = q->cap ? q->cap : 4096;
		uint8_t *nb;

		while (cap < q->len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		if ((nb = malloc(cap)) == NULL)
			return -1;
		if (q->len > 0)
			memcpy(nb, q->body, q->len);
		ta_wipe_free(q->body, q->cap);
		q->body = nb;
		q->cap = cap;
	}
	memcpy(q->body + q->len, p, n);
	q->len += n;
	q->body[q->len] = '\0';
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct tn_req *q = arg;
	size_t len = size * n, max;
	long status = 0;
	curl_off_t clen = -1;
	bool ok;

	(void)curl_easy_getinfo(q->s->curl, CURLINFO_RESPONSE_CODE, &status);
	ok = status >= 200 && status < 300;
	max = ok ? q->max : TN_ERRBODY_MAX;
	if (q->len == 0 && ok &&
	    curl_easy_getinfo(q->s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) == CURLE_OK &&
	    clen > 0 && (uint64_t)clen > max) {
		q->too_large = true;
		return 0;
	}
	if (len > max - q->len) {
		if (ok) {
			q->too_large = true;
			return 0;
		}
		len = max - q->len;
		q->truncated = true;
	}
	if (len > 0 && body_append(q, p, len, max) != 0)
		return 0; /* CURLE_WRITE_ERROR, too_large unset: out of memory */
	return q->truncated ? 0 : size * n;
}

/* One part per role: field "files", filename = role, the bytes as given. */
static int
make_mime(struct tn_req *q)
{
	curl_mime_free(q->mime);
	if ((q->mime = curl_mime_init(q->s->curl)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < q->nparts; i++) {
		curl_mimepart *p = curl_mime_addpart(q->mime);

		if (p == NULL || curl_mime_name(p, "files") != CURLE_OK ||
		    curl_mime_filename(p, q->parts[i].role) != CURLE_OK ||
		    curl_mime_type(p, "application/octet-stream") != CURLE_OK ||
		    curl_mime_data(p, (const char *)q->parts[i].data, q->parts[i].len) != CURLE_OK)
			return TA_ERR_NOMEM;
	}
	return 0;
}

static int
setup(struct tn_req *q, struct curl_slist *hdrs)
{
	struct tn_server *s = q->s;
	CURL *c = s->curl;
	CURLcode cc = CURLE_OK;

	curl_easy_reset(c);
#define SET(opt, val) \
	if (cc == CURLE_OK) \
	cc = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, q->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* Never from https down to http. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, s->https ? "https" : "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, TN_CONNECT_TIMEOUT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, TN_LOW_SPEED);
	SET(CURLOPT_LOW_SPEED_TIME, s->stall_s);
	SET(CURLOPT_FOLLOWLOCATION, q->follow ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, TN_MAX_REDIRS);
	SET(CURLOPT_USERAGENT, "tufctl/" TA_VERSION);
	SET(CURLOPT_ERRORBUFFER, q->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, q);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, q);
	SET(CURLOPT_HTTPHEADER, hdrs);
	if (s->tls_ca != NULL)
		SET(CURLOPT_CAINFO, s->tls_ca);
	if (strcmp(q->method, "POST") == 0) {
		if (q->parts != NULL) {
			if (make_mime(q) != 0)
				return TA_ERR_NOMEM;
			SET(CURLOPT_MIMEPOST, q->mime);
		} else {
			/* Not copied: a form may hold a refresh token, which
			 * stays in the caller's buffer that is wiped. */
			SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->form_len);
			SET(CURLOPT_POSTFIELDS, q->form != NULL ? q->form : "");
		}
	}
#undef SET
	return cc == CURLE_OK ? 0 : TA_ERR_INTERNAL;
}

/* Transport failures where nothing reached the server. */
static bool
nothing_sent(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
	    cc == CURLE_COULDNT_CONNECT || cc == CURLE_SSL_CONNECT_ERROR;
}

static bool
retry_get(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static const char *
tries_text(const struct tn_req *q)
{
	static char buf[32];

	if (q->tries <= 1)
		return "";
	(void)snprintf(buf, sizeof(buf), " after %d tries", q->tries);
	return buf;
}

static int
transport_error(const struct tn_req *q, const char *who, struct tn_error *e)
{
	const struct tn_server *s = q->s;
	const char *why = q->errbuf[0] != '\0' ? q->errbuf : curl_easy_strerror(q->cc);
	bool post = strcmp(q->method, "POST") == 0;

	switch (q->cc) {
	case CURLE_WRITE_ERROR:
		if (q->too_large)
			return sfail(s, who, e, TA_ERR_TOO_LARGE, "the answer is over %zu bytes; "
			    "the server is not sending what a notary server sends", q->max);
		return sfail(s, who, e, TA_ERR_NOMEM, "out of memory");
	case CURLE_COULDNT_RESOLVE_HOST:
		return sfail(s, who, e, TA_ERR_SYSTEM, "cannot resolve the host name (%s)%s; "
		    "check the server URL", why, tries_text(q));
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return sfail(s, who, e, TA_ERR_SYSTEM, "cannot connect (%s)%s; is the server "
		    "running and is the URL right?", why, tries_text(q));
	case CURLE_PEER_FAILED_VERIFICATION:
		return sfail(s, who, e, TA_ERR_SYSTEM, "the server's TLS certificate is not "
		    "trusted (%s); give the CA that signed it with --tls-ca", why);
	case CURLE_SSL_CACERT_BADFILE:
		return sfail(s, who, e, TA_ERR_SYSTEM, "cannot use the CA bundle '%s' (%s); give "
		    "a PEM file of CA certificates with --tls-ca", s->tls_ca ? s->tls_ca : "",
		    why);
	case CURLE_SSL_CONNECT_ERROR:
		return sfail(s, who, e, TA_ERR_SYSTEM, "the TLS handshake failed (%s)%s; is the "
		    "server speaking https?", why, tries_text(q));
	case CURLE_OPERATION_TIMEDOUT: {
		curl_off_t ct = 0;

		/* Zero when the request never started: no connection. */
		(void)curl_easy_getinfo(s->curl, CURLINFO_PRETRANSFER_TIME_T, &ct);
		if (ct == 0)
			return sfail(s, who, e, TA_ERR_TIMEOUT, "no connection within %ld s; is "
			    "the server up and reachable?", TN_CONNECT_TIMEOUT_S);
		return sfail(s, who, e, TA_ERR_TIMEOUT, "the server stopped answering (under "
		    "%ld bytes/s for %ld s)%s; try again later", TN_LOW_SPEED, s->stall_s,
		    post ? "; the update may or may not have been applied: read it back "
			   "before publishing again" : "");
	}
	case CURLE_UNSUPPORTED_PROTOCOL:
		return sfail(s, who, e, TA_ERR_PROTOCOL, "redirected to a URL tufctl will not "
		    "follow (%s); only http(s), never from https to http", why);
	case CURLE_TOO_MANY_REDIRECTS:
		return sfail(s, who, e, TA_ERR_PROTOCOL, "more than %ld redirects; give the "
		    "server's final URL", TN_MAX_REDIRS);
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		if (post)
			return sfail(s, who, e, TA_ERR_SYSTEM, "the connection broke before the "
			    "server answered (%s); the update may or may not have been applied: "
			    "read it back before publishing again", why);
		return sfail(s, who, e, TA_ERR_SYSTEM, "the connection broke (%s)%s; try again "
		    "later", why, tries_text(q));
	default:
		return sfail(s, who, e, TA_ERR_SYSTEM, "the transfer failed (%s)%s", why,
		    tries_text(q));
	}
}

/* Sends q, trying again (GET: on transport errors and 5xx; POST: only when
 * nothing was sent) with backoff.  0 with q->status set (any status, a 5xx
 * too when the tries ran out), or a TA_ERR_* with *e filled. */
static int
send_req(struct tn_req *q, struct curl_slist *hdrs, const char *who, struct tn_error *e)
{
	struct tn_server *s = q->s;
	bool get = strcmp(q->method, "GET") == 0;
	long backoff = s->retry_ms;
	int r;

	for (q->tries = 1;; q->tries++) {
		bool again;

		req_reset_answer(q);
		if ((r = setup(q, hdrs)) != 0)
			return sfail(s, who, e, r, "cannot set up the transfer (libcurl: out of "
			    "memory?)");
		q->cc = curl_easy_perform(s->curl);
		if (q->cc == CURLE_WRITE_ERROR && q->truncated && !q->too_large)
			q->cc = CURLE_OK; /* an error body cut short: the status stands */
		if (q->cc == CURLE_OK)
			(void)curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &q->status);
		if (q->cc != CURLE_OK)
			again = get ? retry_get(q->cc) : nothing_sent(q->cc);
		else
			again = get && q->status >= 500 && q->status <= 599;
		if (!again || q->tries >= TN_TRIES)
			break;
		sleep_ms(backoff);
		backoff *= 2;
	}
	if (q->cc != CURLE_OK)
		return transport_error(q, who, e);
	return 0;
}

/* ---- answers -------------------------------------------------------------- */

static const char *
reason_of(const struct tn_req *q)
{
	if (q->reason[0] != '\0')
		return q->reason;
	switch (q->status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
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
	clean_text(cat->code, sizeof(cat->code), code, strlen(code));
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
		clean_text(dtext, sizeof(dtext), tmp, strlen(tmp));
	} else if (json_is_string(detail)) {
		const char *d = json_string_value(detail);

		clean_text(dtext, sizeof(dtext), d, strlen(d));
	}
	{
		char m[200] = "";

		if (msg != NULL)
			clean_text(m, sizeof(m), msg, strlen(msg));
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
status_error(const struct tn_req *q, const char *who, struct tn_error *e)
{
	const struct tn_server *s = q->s;
	struct tn_catalogue cat;
	bool have = catalogue(q, &cat);
	long st = q->status;

	if (st == 404)
		return sfail(s, who, e, TA_ERR_NOT_FOUND, "404 %s: the server has no such file "
		    "for '%s'", reason_of(q), s->gun);
	if (st == 400 && have && strcmp(cat.code, "INVALID_UPDATE") == 0)
		return sfail(s, who, e, TA_ERR_VERIFY, "the server refused the update: %s; fix "
		    "the metadata (the server's log says more)", cat.text);
	if (st == 400 && have && strcmp(cat.code, "VERSION") == 0)
		return sfail(s, who, e, TA_ERR_EXISTS, "the server already has this version or a "
		    "newer one (VERSION); raise the version and sign again");
	if (st == 400)
		return sfail(s, who, e, TA_ERR_FORMAT, "400 %s: %s; the server could not use "
		    "what was sent", reason_of(q), have ? cat.text : "no error catalogue");
	if (st == 401 || st == 403)
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s%s%s; the credentials do "
		    "not allow this on '%s'", st, reason_of(q), have ? ": " : "",
		    have ? cat.text : "", s->gun);
	if (st >= 300 && st <= 399)
		return sfail(s, who, e, TA_ERR_PROTOCOL, "%ld %s: a redirect tufctl does not "
		    "follow here; give the server's final URL", st, reason_of(q));
	if (st >= 500 && st <= 599)
		return sfail(s, who, e, TA_ERR_PROTOCOL, "%ld %s%s%s%s%s; try again later", st,
		    reason_of(q), have ? " (" : "", have ? cat.text : "", have ? ")" : "",
		    tries_text(q));
	return sfail(s, who, e, TA_ERR_PROTOCOL, "unexpected answer %ld %s%s%s; is this a "
	    "notary server?", st, reason_of(q), have ? ": " : "", have ? cat.text : "");
}

/* ---- challenges -------------------------------------------------------------- */

static bool
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A token or quoted-string value into out (at most TN_PARAM_MAX bytes);
 * NULL when malformed. */
static const char *
param_value(const char *p, char out[static TN_PARAM_MAX + 1])
{
	size_t o = 0;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if (*p == '\0' || ((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				return NULL;
			if (o >= TN_PARAM_MAX)
				return NULL;
			out[o++] = *p;
		}
		p++;
	} else {
		for (; is_tchar((unsigned char)*p); p++) {
			if (o >= TN_PARAM_MAX)
				return NULL;
			out[o++] = *p;
		}
		if (o == 0)
			return NULL;
	}
	out[o] = '\0';
	return p;
}

static bool
is_t68(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-._~+/", c) != NULL);
}

/* One WWW-Authenticate field value: challenges separated by commas, each a
 * scheme and either a token68 or auth-params (name=token|quoted-string) in
 * any order.  Fills *ch from the first Bearer challenge.  1 when one was
 * found, 0 when none, -1 when the field is malformed (or a Bearer challenge
 * repeats a parameter). */
static int
parse_challenges(const char *p, struct tn_challenge *ch)
{
	char name[64], val[TN_PARAM_MAX + 1];

	for (;;) {
		const char *q;
		size_t k;
		bool bearer;
		bool seen_realm = false, seen_service = false, seen_scope = false,
		     seen_error = false;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		for (k = 0; is_tchar((unsigned char)p[k]); k++)
			;
		if (k == 0)
			return -1;
		bearer = k == 6 && strncasecmp(p, "Bearer", 6) == 0;
		p += k;
		if (*p != ' ' && *p != '\t' && *p != ',' && *p != '\0')
			return -1;
		if (bearer)
			memset(ch, 0, sizeof(*ch));
		p = skip_ows(p);
		/* A token68 ("Negotiate abc/d==") is all there is of this one. */
		for (q = p; is_t68((unsigned char)*q); q++)
			;
		if (q > p) {
			while (*q == '=')
				q++;
			q = skip_ows(q);
			if (*q == ',' || *q == '\0') {
				p = q;
				if (bearer) {
					ch->bearer = true;
					return 1;
				}
				continue;
			}
		}
		/* Parameters until the end or the next challenge. */
		for (;;) {
			const char *start;

			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (*p == '\0')
				break;
			start = p;
			for (k = 0; is_tchar((unsigned char)p[k]); k++)
				;
			if (k == 0)
				return -1;
			q = skip_ows(p + k);
			if (*q != '=') {
				p = start; /* "Scheme2 ...": the next challenge */
				break;
			}
			if (k >= sizeof(name))
				return -1;
			memcpy(name, start, k);
			name[k] = '\0';
			if ((p = param_value(skip_ows(q + 1), val)) == NULL)
				return -1;
			p = skip_ows(p);
			if (*p != '\0' && *p != ',')
				return -1;
			if (!bearer)
				continue;
#define TAKE(field, seen) \
	do { \
		if (seen) \
			return -1; \
		(seen) = true; \
		memcpy(ch->field, val, strlen(val) + 1); \
	} while (0)
			if (strcasecmp(name, "realm") == 0)
				TAKE(realm, seen_realm);
			else if (strcasecmp(name, "service") == 0)
				TAKE(service, seen_service);
			else if (strcasecmp(name, "scope") == 0)
				TAKE(scope, seen_scope);
			else if (strcasecmp(name, "error") == 0)
				TAKE(error, seen_error);
#undef TAKE
		}
		if (bearer) {
			ch->bearer = true;
			return 1;
		}
	}
}

/* The Bearer challenge of the last answer, from every WWW-Authenticate
 * field.  1 found, 0 none, -1 malformed. */
static int
answer_challenge(struct tn_server *s, struct tn_challenge *ch)
{
	struct curl_header *h = NULL;
	size_t i = 0, amount = 1;
	int found = 0;

	for (i = 0; i < amount && i < 16; i++) {
		int r;

		if (curl_easy_header(s->curl, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) !=
		    CURLHE_OK)
			break;
		amount = h->amount;
		if ((r = parse_challenges(h->value, ch)) == 1)
			return 1;
		if (r < 0)
			found = -1;
	}
	return found;
}

/* Takes the realm and service of a challenge: the realm must be an http(s)
 * URL without credentials, and https when the server is. */
static int
adopt_challenge(struct tn_server *s, const struct tn_challenge *ch, const char *who,
    struct tn_error *e)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, rtext[128];
	int r = 0;

	clean_text(rtext, sizeof(rtext), ch->realm, strlen(ch->realm));
	if (ch->realm[0] == '\0')
		return sfail(s, who, e, TA_ERR_PROTOCOL, "the Bearer challenge has no realm; the "
		    "server's auth setup is broken");
	if ((u = curl_url()) == NULL)
		return sfail(s, who, e, TA_ERR_NOMEM, "out of memory");
	if (has_ctl(ch->realm) || curl_url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm '%s' is not an http(s) URL; "
		    "the server's auth setup is broken", rtext);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm carries credentials in its "
		    "URL; refusing it");
		goto out;
	}
	if (s->https && strcmp(scheme, "https") != 0) {
		r = sfail(s, who, e, TA_ERR_PROTOCOL, "the token realm '%s' is plain http while "
		    "the server is https; refusing to send credentials there", rtext);
		goto out;
	}
	if (s->realm == NULL || strcmp(s->realm, ch->realm) != 0 || s->service == NULL ||
	    strcmp(s->service, ch->service) != 0) {
		for (int i = 0; i < TN_SCOPE_N; i++)
			token_drop(&s->tok[i]);
		free(s->realm);
		free(s->service);
		s->service = NULL;
		if ((s->realm = strdup(ch->realm)) == NULL ||
		    (s->service = strdup(ch->service)) == NULL)
			r = sfail(s, who, e, TA_ERR_NOMEM, "out of memory");
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return r;
}

/* ---- credentials ------------------------------------------------------------- */

/* docker's "auths" key, as host[:port]: without a scheme, a /v1/ or /v2/
 * suffix or a trailing slash; lower case. */
static bool
auths_key_matches(const struct tn_server *s, const char *key)
{
	char k[512];
	size_t n;

	if (strncasecmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncasecmp(key, "http://", 7) == 0)
		key += 7;
	n = strlen(key);
	if (n == 0 || n >= sizeof(k))
		return false;
	memcpy(k, key, n + 1);
	for (size_t i = 0; i < n; i++)
		if (k[i] >= 'A' && k[i] <= 'Z')
			k[i] = (char)(k[i] - 'A' + 'a');
	while (n > 0 && k[n - 1] == '/')
		k[--n] = '\0';
	if (n > 3 && (strcmp(k + n - 3, "/v1") == 0 || strcmp(k + n - 3, "/v2") == 0))
		k[n - 3] = '\0';
	if (strcmp(k, s->hostport) == 0)
		return true;
	return s->default_port && strcmp(k, s->host) == 0;
}

static int
docker_config_path(char **ret)
{
	const char *d = secure_getenv("DOCKER_CONFIG"), *home = secure_getenv("HOME");

	*ret = NULL;
	if (d != NULL && *d != '\0')
		return asprintf(ret, "%s/config.json", d) < 0 ? TA_ERR_NOMEM : 0;
	if (home != NULL && *home != '\0')
		return asprintf(ret, "%s/.docker/config.json", home) < 0 ? TA_ERR_NOMEM : 0;
	return 0;
}

/* Reads a whole small file; the buffer is the caller's to wipe.  1 when it
 * does not exist. */
static int
read_small(const char *path, size_t max, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t n = 0;
	int r = 0;

	if (f == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 1 : TA_ERR_SYSTEM;
	if ((buf = malloc(max + 1)) == NULL) {
		(void)fclose(f);
		return TA_ERR_NOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		r = TA_ERR_SYSTEM;
	else if (n > max)
		r = TA_ERR_TOO_LARGE;
	(void)fclose(f);
	if (r != 0) {
		ta_wipe_free(buf, max + 1);
		return r;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

/* "auth": base64 of "user:password". */
static int
take_docker_auth(struct tn_server *s, const char *b64)
{
	size_t n = strlen(b64), pad = 0, len;
	unsigned char *raw;
	char *colon;
	int dl;

	if (n == 0 || n % 4 != 0 || n > TN_CRED_MAX)
		return TA_ERR_FORMAT;
	if ((raw = malloc(n / 4 * 3 + 1)) == NULL)
		return TA_ERR_NOMEM;
	dl = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (dl < 0) {
		ta_wipe_free(raw, n / 4 * 3 + 1);
		return TA_ERR_FORMAT;
	}
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	len = (size_t)dl - pad;
	raw[len] = '\0';
	colon = memchr(raw, ':', len);
	if (colon == NULL || colon == (char *)raw || memchr(raw, '\0', len) != NULL ||
	    has_ctl((char *)raw)) {
		ta_wipe_free(raw, n / 4 * 3 + 1);
		return TA_ERR_FORMAT;
	}
	*colon = '\0';
	if ((s->user = strdup((char *)raw)) == NULL || (s->pass = strdup(colon + 1)) == NULL) {
		ta_wipe_free(raw, n / 4 * 3 + 1);
		return TA_ERR_NOMEM;
	}
	ta_wipe_free(raw, n / 4 * 3 + 1);
	return 0;
}

/* docker's config.json "auths" entry for this server, if any. */
static int
load_docker_creds(struct tn_server *s, struct tn_error *e)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	json_t *root = NULL, *auths, *entry;
	const char *key;
	struct json_wipe jw = {false};
	json_error_t jerr;
	int r;

	if ((r = docker_config_path(&path)) != 0 || path == NULL)
		return r == 0 ? 0 : fail(e, r, "notary: out of memory");
	r = read_small(path, TN_DOCKER_CONFIG_MAX, &buf, &len);
	if (r == 1) {
		r = 0;
		goto out;
	}
	if (r != 0) {
		r = sfail(s, NULL, e, r, "cannot read docker's %s (%s); fix it or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
		    path, r == TA_ERR_SYSTEM ? strerror(errno) : ta_strerror(r));
		goto out;
	}
	json_wipe_begin(&jw);
	root = json_loadb(buf, len, 0, &jerr);
	ta_wipe(buf, len);
	if (!json_is_object(root)) {
		r = sfail(s, NULL, e, TA_ERR_FORMAT, "docker's %s is not a JSON object (line %d); "
		    "fix it or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", path,
		    jerr.line);
		goto out;
	}
	auths = json_object_get(root, "auths");
	json_object_foreach(auths, key, entry) {
		json_t *tok, *auth;

		if (!auths_key_matches(s, key) || !json_is_object(entry))
			continue;
		tok = json_object_get(entry, "identitytoken");
		auth = json_object_get(entry, "auth");
		if (json_is_string(tok) && json_string_length(tok) > 0) {
			if (json_string_length(tok) > TN_CRED_MAX ||
			    has_ctl(json_string_value(tok))) {
				r = TA_ERR_FORMAT;
			} else if ((s->idtoken = strdup(json_string_value(tok))) == NULL) {
				r = TA_ERR_NOMEM;
			} else {
				s->cred = TN_CRED_DOCKER_TOKEN;
			}
		} else if (json_is_string(auth) && json_string_length(auth) > 0) {
			if ((r = take_docker_auth(s, json_string_value(auth))) == 0)
				s->cred = TN_CRED_DOCKER_AUTH;
		} else {
			continue;
		}
		if (r != 0) {
			r = sfail(s, NULL, e, r, "docker's %s has an unusable entry for '%s'; run "
			    "docker login again or set TUFCTL_REGISTRY_USERNAME and "
			    "TUFCTL_REGISTRY_PASSWORD", path, s->hostport);
			goto out;
		}
		s->cred_file = path;
		path = NULL;
		break;
	}
	if (s->cred == TN_CRED_NONE)
		s->helpers = json_is_string(json_object_get(root, "credsStore")) ||
		    json_object_size(json_object_get(root, "credHelpers")) > 0;
out:
	/* The strings of the tree are secrets too. */
	if (root != NULL) {
		json_object_foreach(json_object_get(root, "auths"), key, entry) {
			const char *f[] = {"auth", "identitytoken", "password"};

			for (size_t i = 0; i < 3; i++) {
				json_t *v = json_object_get(entry, f[i]);

				if (json_is_string(v))
					ta_wipe((char *)(uintptr_t)json_string_value(v),
					    json_string_length(v));
			}
		}
	}
	json_decref(root);
	json_wipe_end(&jw);
	ta_wipe_free(buf, len + 1);
	free(path);
	return r;
}

static int
load_creds(struct tn_server *s, const struct tn_options *o, struct tn_error *e)
{
	if (o->creds_user != NULL) {
		if (*o->creds_user == '\0' || o->creds_pass == NULL)
			return fail(e, TA_ERR_INVALID, "notary: a registry user name needs a "
			    "password (TUFCTL_REGISTRY_PASSWORD or --password-stdin)");
		if (strlen(o->creds_user) > TN_CRED_MAX || strlen(o->creds_pass) > TN_CRED_MAX ||
		    has_ctl(o->creds_user) || strchr(o->creds_user, ':') != NULL)
			return fail(e, TA_ERR_INVALID, "notary: the registry user name or password "
			    "is too long or has a control character (or ':' in the name)");
		if ((s->user = strdup(o->creds_user)) == NULL ||
		    (s->pass = strdup(o->creds_pass)) == NULL)
			return fail(e, TA_ERR_NOMEM, "notary: out of memory");
		s->cred = TN_CRED_CALLER;
		s->creds_loaded = true;
	} else if (o->creds_pass != NULL) {
		return fail(e, TA_ERR_INVALID, "notary: a registry password without a user name; "
		    "set TUFCTL_REGISTRY_USERNAME too");
	}
	return 0;
}

/* What to tell when the realm refuses the credentials we have. */
static int
creds_refused(struct tn_server *s, const struct tn_req *q, struct tn_error *e)
{
	char realm[128];
	const char *who = "token";

	clean_text(realm, sizeof(realm), s->realm, strlen(s->realm));
	switch (s->cred) {
	case TN_CRED_CALLER:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "credentials for user '%s' (%ld); check TUFCTL_REGISTRY_USERNAME and "
		    "TUFCTL_REGISTRY_PASSWORD (or --password-stdin)", realm, s->user, q->status);
	case TN_CRED_DOCKER_AUTH:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "credentials for user '%s' from %s (%ld); run docker login again or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", realm, s->user,
		    s->cred_file, q->status);
	case TN_CRED_DOCKER_TOKEN:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the token service %s refused the "
		    "identity token from %s (%ld); run docker login again or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", realm, s->cred_file,
		    q->status);
	default:
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "the server needs registry "
		    "credentials (the token service %s answered %ld without them); set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD (or use "
		    "--password-stdin, or docker login)%s", realm, q->status,
		    s->helpers ? "; docker's credential helpers are not used" : "");
	}
}

/* ---- tokens ------------------------------------------------------------------ */

/* "Authorization: Basic base64(user:pass)", wiped by headers_free(). */
static int
basic_header(const struct tn_server *s, struct curl_slist **hdrs)
{
	size_t ul = strlen(s->user), pl = strlen(s->pass), rl = ul + 1 + pl;
	size_t hl = 21 + 4 * ((rl + 2) / 3) + 1;
	char *raw = malloc(rl + 1), *hdr = malloc(hl);
	struct curl_slist *n;
	int r = 0;

	if (raw == NULL || hdr == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	memcpy(raw, s->user, ul);
	raw[ul] = ':';
	memcpy(raw + ul + 1, s->pass, pl);
	memcpy(hdr, "Authorization: Basic ", 22);
	(void)EVP_EncodeBlock((unsigned char *)hdr + 21, (const unsigned char *)raw, (int)rl);
	if ((n = curl_slist_append(*hdrs, hdr)) == NULL)
		r = TA_ERR_NOMEM;
	else
		*hdrs = n;
out:
	ta_wipe_free(raw, rl + 1);
	ta_wipe_free(hdr, hl);
	return r;
}

static int
bearer_header(const struct tn_token *t, struct curl_slist **hdrs)
{
	size_t hl = 22 + t->len + 1;
	struct curl_slist *n;
	char *hdr;

	if (t->value == NULL)
		return TA_ERR_INTERNAL;
	if ((hdr = malloc(hl)) == NULL)
		return TA_ERR_NOMEM;
	(void)snprintf(hdr, hl, "Authorization: Bearer %s", t->value);
	n = curl_slist_append(*hdrs, hdr);
	ta_wipe_free(hdr, hl);
	if (n == NULL)
		return TA_ERR_NOMEM;
	*hdrs = n;
	return 0;
}

/* key=escaped(value)&... appended to a growing form; the escaped copy of a
 * secret is wiped. */
static int
form_add(CURL *c, char **form, size_t *len, const char *key, const char *val)
{
	char *esc = curl_easy_escape(c, val, 0), *nf;
	size_t el, kl = strlen(key), nl;

	if (esc == NULL)
		return TA_ERR_NOMEM;
	el = strlen(esc);
	nl = *len + (*len ? 1 : 0) + kl + 1 + el;
	if ((nf = malloc(nl + 1)) == NULL) {
		ta_wipe(esc, el);
		curl_free(esc);
		return TA_ERR_NOMEM;
	}
	if (*len)
		memcpy(nf, *form, *len);
	(void)snprintf(nf + *len, nl + 1 - *len, "%s%s=%s", *len ? "&" : "", key, esc);
	ta_wipe(esc, el);
	curl_free(esc);
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
	CURLU *u = curl_url();
	char *q = NULL, *url = NULL;
	int r = TA_ERR_NOMEM;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, s->realm, 0) != CURLUE_OK)
		goto out;
	if (s->service[0] != '\0') {
		if (asprintf(&q, "service=%s", s->service) < 0)
			goto out;
		if (curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		    CURLUE_OK)
			goto out;
		free(q);
		q = NULL;
	}
	if (asprintf(&q, "scope=%s", scope) < 0 ||
	    curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
		goto out;
	free(q);
	q = NULL;
	if (s->cred == TN_CRED_CALLER || s->cred == TN_CRED_DOCKER_AUTH) {
		if (asprintf(&q, "account=%s", s->user) < 0 ||
		    curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
			CURLUE_OK)
			goto out;
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto out;
	if ((*ret = strdup(url)) != NULL)
		r = 0;
out:
	free(q);
	curl_free(url);
	curl_url_cleanup(u);
	return r;
}

/* The token answer: {"token"|"access_token", "expires_in", "refresh_token"}. */
static int
take_token(struct tn_server *s, const struct tn_req *q, struct tn_token *t, struct tn_error *e)
{
	struct json_wipe jw = {false};
	json_t *root, *v;
	const char *tok = NULL;
	json_int_t exp = 0;
	size_t len = 0;
	int r = 0;

	json_wipe_begin(&jw);
	root = json_loadb((const char *)q->body, q->len, 0, NULL);
	if (!json_is_object(root)) {
		r = sfail(s, "token", e, TA_ERR_PROTOCOL, "the token service answered something "
		    "that is not a JSON object; is the realm right?");
		goto out;
	}
	/* Either name; distribution prefers access_token when both are. */
	v = json_object_get(root, "access_token");
	if (!json_is_string(v) || json_string_length(v) == 0)
		v = json_object_get(root, "token");
	if (json_is_string(v) && json_string_length(v) > 0) {
		tok = json_string_value(v);
		len = json_string_length(v);
	}
	if (tok == NULL) {
		r = sfail(s, "token", e, TA_ERR_PROTOCOL, "the token service's answer has no "
		    "token");
		goto out;
	}
	/* It goes into a header line: printable ASCII without spaces only. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f)
			len = TN_TOKEN_MAX + 1;
	if (len > TN_TOKEN_MAX) {
		r = sfail(s, "token", e, TA_ERR_PROTOCOL, "the token service's token is over %d "
		    "bytes or has characters a header cannot carry", TN_TOKEN_MAX);
		goto out;
	}
	if (json_is_integer(v = json_object_get(root, "expires_in")))
		exp = json_integer_value(v);
	if (exp < TN_TOKEN_MIN_S)
		exp = TN_TOKEN_MIN_S;
	if (exp > TN_TOKEN_MAX_S)
		exp = TN_TOKEN_MAX_S;
	token_drop(t);
	if ((t->value = malloc(len + 1)) == NULL) {
		r = sfail(s, "token", e, TA_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(t->value, tok, len + 1);
	t->len = len;
	t->until = now_s() + (time_t)exp - TN_TOKEN_MARGIN_S;
	/* A new refresh token replaces the old one (OAuth rotation). */
	if (s->cred == TN_CRED_DOCKER_TOKEN &&
	    json_is_string(v = json_object_get(root, "refresh_token")) &&
	    json_string_length(v) > 0 && json_string_length(v) <= TN_CRED_MAX &&
	    !has_ctl(json_string_value(v))) {
		char *n = strdup(json_string_value(v));

		if (n != NULL) {
			str_wipe_free(&s->idtoken);
			s->idtoken = n;
		}
	}
out:
	if (json_is_object(root)) {
		const char *f[] = {"token", "access_token", "refresh_token"};

		for (size_t i = 0; i < 3; i++)
			if (json_is_string(v = json_object_get(root, f[i])))
				ta_wipe((char *)(uintptr_t)json_string_value(v),
				    json_string_length(v));
	}
	json_decref(root);
	json_wipe_end(&jw);
	return r;
}

static int
fetch_token(struct tn_server *s, enum tn_scope sc, struct tn_error *e)
{
	struct tn_req q = {.s = s, .max = TN_TOKEN_BODY_MAX};
	struct curl_slist *hdrs = NULL;
	char *scope = NULL, *url = NULL, *form = NULL;
	size_t form_len = 0;
	int r;

	if (!s->creds_loaded) {
		if ((r = load_docker_creds(s, e)) != 0)
			return r;
		s->creds_loaded = true;
	}
	if (asprintf(&scope, "repository:%s:%s", s->gun, scope_actions[sc]) < 0)
		return sfail(s, "token", e, TA_ERR_NOMEM, "out of memory");
	if (s->cred == TN_CRED_DOCKER_TOKEN) {
		/* docker's identitytoken: the OAuth2 refresh-token grant. */
		if ((r = form_add(s->curl, &form, &form_len, "grant_type", "refresh_token")) != 0 ||
		    (r = form_add(s->curl, &form, &form_len, "refresh_token", s->idtoken)) != 0 ||
		    (r = form_add(s->curl, &form, &form_len, "service", s->service)) != 0 ||
		    (r = form_add(s->curl, &form, &form_len, "scope", scope)) != 0 ||
		    (r = form_add(s->curl, &form, &form_len, "client_id", TN_CLIENT_ID)) != 0) {
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
		if ((s->cred == TN_CRED_CALLER || s->cred == TN_CRED_DOCKER_AUTH) &&
		    (r = basic_header(s, &hdrs)) != 0) {
			r = sfail(s, "token", e, r, "out of memory");
			goto out;
		}
		q.method = "GET";
		q.url = url;
	}
	q.label = "token";
	if ((r = send_req(&q, hdrs, "token", e)) != 0)
		goto out;
	if (q.status == 401 || q.status == 403) {
		r = creds_refused(s, &q, e);
		goto out;
	}
	if (q.status < 200 || q.status > 299) {
		char realm[128];

		clean_text(realm, sizeof(realm), s->realm, strlen(s->realm));
		r = sfail(s, "token", e, TA_ERR_PROTOCOL, "the token service %s answered %ld %s%s; "
		    "try again later", realm, q.status, reason_of(&q), tries_text(&q));
		goto out;
	}
	r = take_token(s, &q, &s->tok[sc], e);
out:
	headers_free(hdrs);
	if (form != NULL)
		ta_wipe_free(form, form_len + 1);
	free(url);
	free(scope);
	req_free(&q);
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

	if (s->cred == TN_CRED_NONE)
		return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s without registry credentials; "
		    "set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD (or use "
		    "--password-stdin, or docker login)%s", q->status, reason_of(q),
		    s->helpers ? "; docker's credential helpers are not used" : "");
	return sfail(s, who, e, TA_ERR_NOT_AUTHORIZED, "%ld %s%s%s: %s%s%s is not allowed to %s "
	    "'%s'; ask the registry's admin for that access", q->status, reason_of(q),
	    have ? ": " : "", have ? cat.text : "",
	    s->cred == TN_CRED_DOCKER_TOKEN ? "docker's identity token" : "user '",
	    s->cred == TN_CRED_DOCKER_TOKEN ? "" : s->user,
	    s->cred == TN_CRED_DOCKER_TOKEN ? "" : "'",
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
		struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
		struct tn_challenge ch;
		bool sent_token = false;
		int c;

		if (hdrs == NULL)
			return sfail(s, q->label, e, TA_ERR_NOMEM, "out of memory");
		if (s->realm != NULL) {
			struct tn_token *t = &s->tok[sc];

			if (t->value == NULL || now_s() >= t->until) {
				if ((r = fetch_token(s, sc, e)) != 0) {
					headers_free(hdrs);
					return r;
				}
			}
			if ((r = bearer_header(t, &hdrs)) != 0) {
				headers_free(hdrs);
				return sfail(s, q->label, e, r, "out of memory");
			}
			sent_token = true;
		}
		r = send_req(q, hdrs, q->label, e);
		headers_free(hdrs);
		if (r != 0)
			return r;
		if (q->status >= 200 && q->status <= 299)
			return 0;
		if (q->status != 401)
			return status_error(q, q->label, e);
		if ((c = answer_challenge(s, &ch)) <= 0)
			return sfail(s, q->label, e, TA_ERR_PROTOCOL, "401 %s with %s Bearer "
			    "challenge; tufctl speaks registry token auth only", reason_of(q),
			    c < 0 ? "a malformed" : "no");
		if (sent_token && refetched)
			return not_authorized(s, q, sc, q->label, e);
		if ((r = adopt_challenge(s, &ch, q->label, e)) != 0)
			return r;
		if (sent_token) {
			token_drop(&s->tok[sc]);
			refetched = true;
		}
	}
}

static int
tuf_url(const struct tn_server *s, const char *tail, char **ret)
{
	return asprintf(ret, "%s/v2/%s/_trust/tuf/%s", s->url, s->gun_path, tail) < 0 ?
	    TA_ERR_NOMEM : 0;
}

/* ---- the API ----------------------------------------------------------------- */

static int
ping(struct tn_server *s, struct tn_error *e)
{
	struct tn_req q = {.s = s, .method = "GET", .label = "GET /v2/", .max = TN_PING_MAX,
	    .follow = true};
	struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
	struct tn_challenge ch;
	char *url = NULL;
	int r, c;

	if (hdrs == NULL || asprintf(&url, "%s/v2/", s->url) < 0) {
		url = NULL;
		r = fail(e, TA_ERR_NOMEM, "notary: out of memory");
		goto out;
	}
	q.url = url;
	if ((r = send_req(&q, hdrs, q.label, e)) != 0)
		goto out;
	if (q.status >= 200 && q.status <= 299)
		goto out;
	if (q.status == 401) {
		if ((c = answer_challenge(s, &ch)) <= 0) {
			r = sfail(s, q.label, e, TA_ERR_PROTOCOL, "401 with %s Bearer challenge; "
			    "tufctl speaks registry token auth only", c < 0 ? "a malformed" : "no");
			goto out;
		}
		r = adopt_challenge(s, &ch, q.label, e);
		goto out;
	}
	r = sfail(s, q.label, e, TA_ERR_PROTOCOL, "%ld %s%s; %s", q.status, reason_of(&q), tries_text(&q),
	    q.status >= 500 ? "the server is not working; try again later"
			    : "this is not a notary server, or the URL is wrong");
out:
	headers_free(hdrs);
	free(url);
	req_free(&q);
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
		return fail(e, TA_ERR_INVALID, "notary: no options given (a bug)");
	if ((r = check_gun(o->gun, e)) != 0)
		return r;
	if (o->tls_ca != NULL && access(o->tls_ca, R_OK) != 0)
		return fail(e, TA_ERR_SYSTEM, "notary: cannot read the CA bundle '%s' (%s); give a "
		    "PEM file with --tls-ca", o->tls_ca, strerror(errno));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fail(e, TA_ERR_NOMEM, "notary: out of memory");
	if ((r = parse_base_url(s, o->url, e)) != 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = fail(e, TA_ERR_SYSTEM, "notary: libcurl cannot start");
		goto fail;
	}
	if ((s->curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		r = fail(e, TA_ERR_NOMEM, "notary: libcurl cannot start (out of memory)");
		goto fail;
	}
	if ((s->gun = strdup(o->gun)) == NULL || escape_gun(s->curl, o->gun, &s->gun_path) != 0 ||
	    (o->tls_ca != NULL && (s->tls_ca = strdup(o->tls_ca)) == NULL)) {
		r = fail(e, TA_ERR_NOMEM, "notary: out of memory");
		goto fail;
	}
	s->read_only = o->read_only;
	s->retry_ms = env_lower("TUFCTL_HTTP_RETRY_MS", 0, TN_RETRY_BASE_MS);
	s->stall_s = env_lower("TUFCTL_HTTP_STALL_S", 1, TN_STALL_S);
	if ((r = load_creds(s, o, e)) != 0)
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
		token_drop(&s->tok[i]);
	str_wipe_free(&s->pass);
	str_wipe_free(&s->idtoken);
	free(s->user);
	free(s->cred_file);
	free(s->realm);
	free(s->service);
	free(s->url);
	free(s->host);
	free(s->hostport);
	free(s->gun);
	free(s->gun_path);
	free(s->tls_ca);
	if (s->curl != NULL) {
		curl_easy_cleanup(s->curl);
		curl_global_cleanup();
	}
	free(s);
}

const char *
tn_server_url(const struct tn_server *s)
{
	return s->url;
}

int
tn_get(struct tn_server *s, const char *name, size_t max, uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	struct tn_req q = {.s = s, .method = "GET", .max = max, .follow = true};
	char label[TN_NAME_MAX + 16], *url = NULL, *tail = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || ret == NULL || ret_len == NULL || max == 0)
		return fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_get (a bug)");
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
	req_free(&q);
	free(url);
	free(tail);
	return r;
}

int
tn_server_key(struct tn_server *s, const char *role, bool rotate, char **ret_json,
    struct tn_error *e)
{
	struct tn_req q = {.s = s, .max = TN_KEY_MAX};
	char label[64], *url = NULL, *tail = NULL;
	json_t *k = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || ret_json == NULL)
		return fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_server_key (a bug)");
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
	req_free(&q);
	free(url);
	free(tail);
	return r;
}

int
tn_publish(struct tn_server *s, const struct tn_part *parts, size_t n, struct tn_error *e)
{
	struct tn_req q = {.s = s, .method = "POST", .label = "POST .../ (publish)",
	    .max = TN_ERRBODY_MAX};
	char *url = NULL;
	int r;

	if (e != NULL)
		e->text[0] = '\0';
	if (s == NULL || (parts == NULL && n > 0))
		return fail(e, TA_ERR_INVALID, "notary: bad arguments to tn_publish (a bug)");
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
		    "the repository back before publishing again", q.status, reason_of(&q));
		goto out;
	}
out:
	req_free(&q);
	free(url);
	return r;
}
