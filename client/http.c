/* The libcurl transport under tufctl's notary client (client/http.h): easy
 * handle set-up, TLS and redirect options, bounded bodies, retries with
 * backoff, and the texts for transport failures.  What the exchanges mean
 * (the notary API, registry token auth, the server's error catalogue) is
 * client/notary_http.c's. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "client/http.h"
#include "common/err.h"
#include "common/secret.h"
#include "common/utf8.h"

#ifndef TN_CURL_SONAME
#define TN_CURL_SONAME "libcurl.so.4"
#endif

/* ---- libcurl, loaded at first use ------------------------------------------- */

struct tn_curl_api tn_curl;

int
tn_curl_load(struct tn_error *e)
{
	static const struct {
		const char *name;
		size_t off;
	} fns[] = {
#define FN(f) { "curl_" #f, offsetof(struct tn_curl_api, f) }
		FN(global_init), FN(global_cleanup), FN(easy_init), FN(easy_cleanup),
		FN(easy_reset), FN(easy_setopt), FN(easy_getinfo), FN(easy_perform),
		FN(easy_strerror), FN(easy_escape), FN(easy_header), FN(free), FN(slist_append),
		FN(slist_free_all), FN(mime_init), FN(mime_free), FN(mime_addpart), FN(mime_name),
		FN(mime_filename), FN(mime_type), FN(mime_data), FN(url), FN(url_cleanup),
		FN(url_set), FN(url_get), FN(url_strerror),
#undef FN
	};
	struct tn_curl_api t;
	void *lib;

	if (tn_curl.url_strerror != NULL)
		return 0;
	/* Never unloaded: it is needed until the process exits. */
	if ((lib = dlopen(TN_CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return tn_fail(e, TA_ERR_SYSTEM,
		    "notary: cannot load libcurl (%s); tufctl needs it to talk to a notary "
		    "server: install libcurl4 (or libcurl4-openssl-dev)",
		    dlerror());
	memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(lib, fns[i].name);

		if (f == NULL) {
			(void)dlclose(lib);
			return tn_fail(e, TA_ERR_SYSTEM,
			    "notary: the libcurl found (%s) has no %s; tufctl needs libcurl 7.83 or "
			    "later",
			    TN_CURL_SONAME, fns[i].name);
		}
		/* POSIX: a function pointer and void * have the same
		 * representation (dlsym's contract). */
		memcpy((char *)&t + fns[i].off, &f, sizeof(f));
	}
	tn_curl = t;
	return 0;
}

/* ---- small helpers --------------------------------------------------------- */

int
tn_http_vfail(const struct tn_http *h, const char *label, struct tn_error *e, int r,
    const char *fmt, va_list ap)
{
	char text[sizeof(e->text)];

	(void)vsnprintf(text, sizeof(text), fmt, ap);
	if (label != NULL)
		return tn_fail(e, r, "notary server %s: %s: %s", h->url, label, text);
	return tn_fail(e, r, "notary server %s: %s", h->url, text);
}

static int __attribute__((format(printf, 5, 6)))
hfail(const struct tn_http *h, const char *label, struct tn_error *e, int r, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = tn_http_vfail(h, label, e, r, fmt, ap);
	va_end(ap);
	return r;
}

void
tn_clean_text(char *out, size_t outsz, const char *in, size_t n)
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
			/* o is on a character boundary; cut back, it may not be. */
			if (o > outsz - 4) {
				o = outsz - 4;
				while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
					o--;
			}
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

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
tn_headers_free(struct curl_slist *h)
{
	if (h == NULL)
		return;
	for (struct curl_slist *p = h; p != NULL; p = p->next)
		ta_wipe(p->data, strlen(p->data));
	tn_curl.slist_free_all(h);
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

void
tn_req_free(struct tn_req *q)
{
	if (q->mime != NULL)
		tn_curl.mime_free(q->mime);
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
			tn_clean_text(q->reason, sizeof(q->reason), sp2 + 1, k);
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

	(void)tn_curl.easy_getinfo(q->h->curl, CURLINFO_RESPONSE_CODE, &status);
	ok = status >= 200 && status < 300;
	max = ok ? q->max : TN_ERRBODY_MAX;
	if (q->len == 0 && ok &&
	    tn_curl.easy_getinfo(q->h->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) == CURLE_OK &&
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
	tn_curl.mime_free(q->mime);
	if ((q->mime = tn_curl.mime_init(q->h->curl)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < q->nparts; i++) {
		curl_mimepart *p = tn_curl.mime_addpart(q->mime);

		if (p == NULL || tn_curl.mime_name(p, "files") != CURLE_OK ||
		    tn_curl.mime_filename(p, q->parts[i].role) != CURLE_OK ||
		    tn_curl.mime_type(p, "application/octet-stream") != CURLE_OK ||
		    tn_curl.mime_data(p, (const char *)q->parts[i].data, q->parts[i].len) != CURLE_OK)
			return TA_ERR_NOMEM;
	}
	return 0;
}

static int
setup(struct tn_req *q, struct curl_slist *hdrs)
{
	struct tn_http *h = q->h;
	CURL *c = h->curl;
	CURLcode cc = CURLE_OK;

	tn_curl.easy_reset(c);
#define SET(opt, val) \
	if (cc == CURLE_OK) \
	cc = tn_curl.easy_setopt(c, opt, val)
	SET(CURLOPT_URL, q->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* Never from https down to http. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, h->https ? "https" : "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, TN_CONNECT_TIMEOUT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, TN_LOW_SPEED);
	SET(CURLOPT_LOW_SPEED_TIME, h->stall_s);
	SET(CURLOPT_FOLLOWLOCATION, q->follow ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, TN_MAX_REDIRS);
	SET(CURLOPT_USERAGENT, "tufctl/" TA_VERSION);
	SET(CURLOPT_ERRORBUFFER, q->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, q);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, q);
	SET(CURLOPT_HTTPHEADER, hdrs);
	if (h->tls_ca != NULL)
		SET(CURLOPT_CAINFO, h->tls_ca);
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

const char *
tn_http_tries_text(const struct tn_req *q)
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
	const struct tn_http *h = q->h;
	const char *why = q->errbuf[0] != '\0' ? q->errbuf : tn_curl.easy_strerror(q->cc);
	bool post = strcmp(q->method, "POST") == 0;

	switch (q->cc) {
	case CURLE_WRITE_ERROR:
		if (q->too_large)
			return hfail(h, who, e, TA_ERR_TOO_LARGE, "the answer is over %zu bytes; "
			    "the server is not sending what a notary server sends", q->max);
		return hfail(h, who, e, TA_ERR_NOMEM, "out of memory");
	case CURLE_COULDNT_RESOLVE_HOST:
		return hfail(h, who, e, TA_ERR_SYSTEM, "cannot resolve the host name (%s)%s; "
		    "check the server URL", why, tn_http_tries_text(q));
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return hfail(h, who, e, TA_ERR_SYSTEM, "cannot connect (%s)%s; is the server "
		    "running and is the URL right?", why, tn_http_tries_text(q));
	case CURLE_PEER_FAILED_VERIFICATION:
		return hfail(h, who, e, TA_ERR_SYSTEM, "the server's TLS certificate is not "
		    "trusted (%s); give the CA that signed it with --tls-ca", why);
	case CURLE_SSL_CACERT_BADFILE:
		return hfail(h, who, e, TA_ERR_SYSTEM, "cannot use the CA bundle '%s' (%s); give "
		    "a PEM file of CA certificates with --tls-ca", h->tls_ca ? h->tls_ca : "",
		    why);
	case CURLE_SSL_CONNECT_ERROR:
		return hfail(h, who, e, TA_ERR_SYSTEM, "the TLS handshake failed (%s)%s; is the "
		    "server speaking https?", why, tn_http_tries_text(q));
	case CURLE_OPERATION_TIMEDOUT: {
		curl_off_t ct = 0;

		/* Zero when the request never started: no connection. */
		(void)tn_curl.easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &ct);
		if (ct == 0)
			return hfail(h, who, e, TA_ERR_TIMEOUT, "no connection within %ld s; is "
			    "the server up and reachable?", TN_CONNECT_TIMEOUT_S);
		return hfail(h, who, e, TA_ERR_TIMEOUT, "the server stopped answering (under "
		    "%ld bytes/s for %ld s)%s; try again later", TN_LOW_SPEED, h->stall_s,
		    post ? "; the update may or may not have been applied: read it back "
			   "before publishing again" : "");
	}
	case CURLE_UNSUPPORTED_PROTOCOL:
		return hfail(h, who, e, TA_ERR_PROTOCOL, "redirected to a URL tufctl will not "
		    "follow (%s); only http(s), never from https to http", why);
	case CURLE_TOO_MANY_REDIRECTS:
		return hfail(h, who, e, TA_ERR_PROTOCOL, "more than %ld redirects; give the "
		    "server's final URL", TN_MAX_REDIRS);
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		if (post)
			return hfail(h, who, e, TA_ERR_SYSTEM, "the connection broke before the "
			    "server answered (%s); the update may or may not have been applied: "
			    "read it back before publishing again", why);
		return hfail(h, who, e, TA_ERR_SYSTEM, "the connection broke (%s)%s; try again "
		    "later", why, tn_http_tries_text(q));
	default:
		return hfail(h, who, e, TA_ERR_SYSTEM, "the transfer failed (%s)%s", why,
		    tn_http_tries_text(q));
	}
}

bool tn_http_verbose;

/* --verbose: the request line, its answer's status and time.  The URL
 * carries no secret (credentials and tokens go in headers only). */
static void
trace(const struct tn_req *q, const struct timespec *t0)
{
	struct timespec t;
	double ms;

	if (!tn_http_verbose)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
	if (q->cc == CURLE_OK)
		(void)fprintf(stderr, "tufctl: http: %s %s -> %ld, %.1f ms (try %d)\n", q->method,
		    q->url, q->status, ms, q->tries);
	else
		(void)fprintf(stderr, "tufctl: http: %s %s -> %s, %.1f ms (try %d)\n", q->method,
		    q->url, tn_curl.easy_strerror(q->cc), ms, q->tries);
	(void)fflush(stderr);
}

int
tn_http_send(struct tn_req *q, struct curl_slist *hdrs, const char *who, struct tn_error *e)
{
	struct tn_http *h = q->h;
	bool get = strcmp(q->method, "GET") == 0;
	long backoff = h->retry_ms;
	int r;

	for (q->tries = 1;; q->tries++) {
		bool again;

		struct timespec t0;

		req_reset_answer(q);
		if ((r = setup(q, hdrs)) != 0)
			return hfail(h, who, e, r, "cannot set up the transfer (libcurl: out of "
			    "memory?)");
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		q->cc = tn_curl.easy_perform(h->curl);
		if (q->cc == CURLE_WRITE_ERROR && q->truncated && !q->too_large)
			q->cc = CURLE_OK; /* an error body cut short: the status stands */
		if (q->cc == CURLE_OK)
			(void)tn_curl.easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &q->status);
		trace(q, &t0);
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

const char *
tn_http_reason(const struct tn_req *q)
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
