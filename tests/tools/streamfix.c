/* The two paths of tuf/stream.c's tests (streamfix.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/profile.h"
#include "tuf/stream.h"
#include "tests/tools/streamfix.h"

/* ---- the two paths ------------------------------------------------------- */

/* What ta_canon_stream(_html) must return: the tree path, ta_canon_tree(). */
int
tree(const uint8_t *buf, size_t len, enum ta_profile p, const char *member, bool html,
    uint8_t **ret, size_t *ret_len)
{
	return ta_canon_tree(buf, len, html ? TA_PROFILE_NOTARY : p, member, html, ret, ret_len);
}

const char *
show(const uint8_t *p, size_t n)
{
	static char s[200];
	size_t w = 0;

	for (size_t i = 0; i < n && w + 5 < sizeof(s); i++)
		w += (size_t)snprintf(
		    s + w, sizeof(s) - w, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x", p[i]);
	s[w] = '\0';
	return s;
}

/* Both paths on one input; fails the test when they differ in code or
 * bytes.  Returns the code. */
int
agree_one(const uint8_t *buf, size_t len, enum ta_profile p, const char *member, bool html)
{
	struct ta_json_error err;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int ra, rb;

	ra = tree(buf, len, p, member, html, &a, &alen);
	b = (uint8_t *)&err; /* must stay untouched on failure */
	blen = 12345;
	if (html)
		rb = ta_canon_stream_html(buf, len, member, &b, &blen, &err);
	else
		rb = ta_canon_stream(buf, len, p, member, &b, &blen, &err);
	if (ra != rb)
		fail_msg("%s%s, member %s: tree %s, stream %s (%s) on '%s'", ta_profile_name(p),
		    html ? " html" : "", member != NULL ? member : "-", ta_errname(ra),
		    ta_errname(rb), err.text, show(buf, len));
	assert_int_equal(err.code, rb);
	if (rb != 0) {
		free(a); /* NULL: the codes agree */
		assert_ptr_equal(b, (uint8_t *)&err);
		assert_int_equal(blen, 12345);
		assert_true(err.text[0] != '\0');
		assert_string_equal(err.path, "");
		return rb;
	}
	assert_int_equal(err.offset, TA_JSON_NO_OFFSET);
	if (alen != blen || memcmp(a, b, alen) != 0)
		fail_msg("%s%s, member %s: bytes differ on '%s'", ta_profile_name(p),
		    html ? " html" : "", member != NULL ? member : "-", show(buf, len));
	assert_int_equal(b[blen], '\0');
	free(a);
	free(b);
	return 0;
}

/* All six ways; returns the whole-document codes of both profiles. */
void
agree(const uint8_t *buf, size_t len, int *ret_notary, int *ret_tuf)
{
	*ret_notary = agree_one(buf, len, TA_PROFILE_NOTARY, NULL, false);
	*ret_tuf = agree_one(buf, len, TA_PROFILE_TUF, NULL, false);
	(void)agree_one(buf, len, TA_PROFILE_NOTARY, "signed", false);
	(void)agree_one(buf, len, TA_PROFILE_TUF, "signed", false);
	(void)agree_one(buf, len, TA_PROFILE_NOTARY, NULL, true);
	(void)agree_one(buf, len, TA_PROFILE_NOTARY, "signed", true);
}

/* open * n, middle, close * n, then tail, in a new malloc'd buffer. */
uint8_t *
nest(const char *head, const char *open, size_t n, const char *middle, const char *close,
    const char *tail, size_t *ret_len)
{
	size_t ol = strlen(open), cl = strlen(close), len;
	uint8_t *p, *w;

	len = strlen(head) + n * (ol + cl) + strlen(middle) + strlen(tail);
	p = malloc(len + 1);
	assert_non_null(p);
	w = p;
	memcpy(w, head, strlen(head));
	w += strlen(head);
	for (size_t i = 0; i < n; i++, w += ol)
		memcpy(w, open, ol);
	memcpy(w, middle, strlen(middle));
	w += strlen(middle);
	for (size_t i = 0; i < n; i++, w += cl)
		memcpy(w, close, cl);
	memcpy(w, tail, strlen(tail));
	*ret_len = len;
	return p;
}
