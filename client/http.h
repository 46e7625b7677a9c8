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
