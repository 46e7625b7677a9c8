/* What every layer of tufctl's notary client shares, below
 * client/notary_http.h (the notary API), client/http.h (the libcurl
 * transport) and client/notary_auth.h (registry token auth): the one-line
 * error text every tn_ function fills, and a file handed to the server. */
#ifndef TA_NOTARY_BASE_H
#define TA_NOTARY_BASE_H

#include <stddef.h>
#include <stdint.h>

struct tn_error {
	char text[512];
};

/* Sets e->text (when e is not NULL) and returns r: every tn_ function
 * fails with one of these. */
int tn_fail(struct tn_error *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Callers see the result as r itself, so that a static analyzer knows a
 * failure path returns the failure (r is a constant or a variable: it is
 * evaluated twice). */
#define tn_fail(e, r, ...) (tn_fail((e), (r), __VA_ARGS__), (r))

/* One file of a publish (tn_publish()). */
struct tn_part {
	const char *role;        /* form filename: "root", "targets/releases", ... */
	const uint8_t *data;
	size_t len;
};

#endif
