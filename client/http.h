/* The libcurl transport under tufctl's notary client (client/notary_http.c):
 * one HTTP exchange, tried again when that is safe, with a bounded answer.
 * Internal: only notary_http.c includes it.
 *
 *	struct tn_req q = {.h = &s->http, .method = "GET", .label = "GET /v2/",
 *	    .url = url, .max = TN_PING_MAX, .follow = true};
 *	if ((r = tn_http_send(&q, hdrs, q.label, e)) != 0)   transport failed
 *		...
 *	q.status, q.body, q.len: the answer (any status)
 *	tn_req_free(&q);
 *
 * Every transfer starts from a reset easy handle configured from scratch:
 * http/https only (redirects never from https to http, at most
 * TN_MAX_REDIRS and only when asked), no signals, a connect timeout, a
 * stall limit (under TN_LOW_SPEED bytes/s for stall_s), the caller's CA
 * bundle, and a body cap enforced as bytes arrive (max for a 2xx answer,
 * TN_ERRBODY_MAX for any other, kept in part).
 *
 * Retries: GETs on connection errors and 5xx, POSTs only when nothing was
 * sent; TN_TRIES tries at most, backoff retry_ms doubling.  A stalled
 * transfer is not retried.
 *
 * Texts read "notary server <url>: <label>: <what failed>; <what to do>".
 * Bodies are wiped when freed (a token answer is secret). */
#ifndef TA_HTTP_H
#define TA_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "client/notary_base.h"

/* libcurl is not linked into tufctl: offline commands (add, remove,
 * status, reset, canonical, the agent commands) would pay for mapping its
 * dependency tree at every start.  The first HTTP use loads
 * libcurl.so.4 (dlopen, RTLD_NOW | RTLD_LOCAL) and resolves the functions
 * below into tn_curl; every call into libcurl goes through that table.
 * <curl/curl.h> is still included for its types and constants. */
struct tn_curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *c);
	const char *(*easy_strerror)(CURLcode cc);
	char *(*easy_escape)(CURL *c, const char *s, int n);
	CURLHcode (*easy_header)(CURL *c, const char *name, size_t index, unsigned int origin,
	    int request, struct curl_header **ret);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	curl_mime *(*mime_init)(CURL *c);
	void (*mime_free)(curl_mime *m);
	curl_mimepart *(*mime_addpart)(curl_mime *m);
	CURLcode (*mime_name)(curl_mimepart *p, const char *name);
	CURLcode (*mime_filename)(curl_mimepart *p, const char *name);
	CURLcode (*mime_type)(curl_mimepart *p, const char *type);
	CURLcode (*mime_data)(curl_mimepart *p, const char *data, size_t len);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart what, char **part, unsigned int flags);
	const char *(*url_strerror)(CURLUcode uc);
};

/* The table; all NULL until tn_curl_load() has succeeded. */
extern struct tn_curl_api tn_curl;

/* Loads libcurl (once per process; later calls return at once).  0, or
 * TA_ERR_SYSTEM with e saying that libcurl (Debian: libcurl4) is missing
 * or lacks a function (a libcurl older than 7.83). */
int tn_curl_load(struct tn_error *e) __attribute__((warn_unused_result));

#define TN_TRIES 4
#define TN_CONNECT_TIMEOUT_S 10L
#define TN_LOW_SPEED 1024L
#define TN_MAX_REDIRS 3L
#define TN_ERRBODY_MAX ((size_t)64 << 10)  /* error bodies: enough for any catalogue */

/* One server's connection: the easy handle (so connections are reused)
 * and what each transfer is configured with.  Owned by its user, who
 * creates and frees curl, url and tls_ca. */
struct tn_http {
	CURL *curl;
	char *url;      /* scheme://host[:port], no trailing slash: for texts */
	bool https;
	char *tls_ca;   /* PEM bundle, or NULL for the system CAs */
	long retry_ms;  /* the first backoff */
	long stall_s;   /* how long a transfer may stay under TN_LOW_SPEED */
};

/* One HTTP exchange, possibly tried several times. */
struct tn_req {
	struct tn_http *h;
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

/* tufctl --verbose: each try's request line ("GET URL"), status and time on
 * stderr.  No header is shown (credentials and tokens travel there). */
extern bool tn_http_verbose;

/* Sends q with the header lines hdrs, trying again (GET: on transport
 * errors and 5xx; POST: only when nothing was sent) with backoff.  0 with
 * q->status set (any status, a 5xx too when the tries ran out), or a
 * TA_ERR_* with *e filled ("notary server <url>: <who>: ..."). */
int tn_http_send(struct tn_req *q, struct curl_slist *hdrs, const char *who, struct tn_error *e);

/* Frees the answer (wiped) and the multipart body; q can be sent again. */
void tn_req_free(struct tn_req *q);

/* The answer's reason phrase, or the usual one for its status ("" when
 * none is known). */
const char *tn_http_reason(const struct tn_req *q);

/* " after N tries" when q was tried more than once, else "" (static
 * storage, overwritten by the next call). */
const char *tn_http_tries_text(const struct tn_req *q);

/* "notary server <url>: <label>: <text>" (without ": <label>" when label
 * is NULL) into *e; returns r. */
int tn_http_vfail(const struct tn_http *h, const char *label, struct tn_error *e, int r,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* Wipes every header line (Authorization among them) before freeing. */
void tn_headers_free(struct curl_slist *h);

/* Copies at most n bytes of untrusted text (a server's message) into out,
 * control characters and bytes that are not UTF-8 as '?', cut with "..."
 * (on a character boundary) when it does not fit. */
void tn_clean_text(char *out, size_t outsz, const char *in, size_t n);

#endif
