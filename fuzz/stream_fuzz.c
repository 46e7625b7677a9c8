/* Fuzz target: ta_canon_stream() and ta_canon_stream_html() against the tree
 * path they replace, ta_json_parse() + ta_canon_write() (and the <C> of
 * ta_canon_write_notary_file()).  Each input runs in both profiles, for the
 * whole document and for its "signed" member, and once more wrapped as
 * {"signed":<input>} so that every input also reaches the member path.
 * The two must return the same code and, on success, the same bytes; any
 * difference aborts with both results. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_HEAD "{\"signed\":"

static void
show(const char *what, int r, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s: %s", what, ta_errname(r));
	if (r == 0)
		fprintf(stderr, " %zu bytes: %.*s", n, n > 300 ? 300 : (int)n, (const char *)p);
	fprintf(stderr, "\n");
}

static void
compare(const uint8_t *buf, size_t len, enum ta_profile p, const char *member, bool html)
{
	struct ta_json_error err;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int ra, rb;

	ra = ta_canon_tree(buf, len, html ? TA_PROFILE_NOTARY : p, member, html, &a, &alen);
	if (html)
		rb = ta_canon_stream_html(buf, len, member, &b, &blen, &err);
	else
		rb = ta_canon_stream(buf, len, p, member, &b, &blen, &err);
	if (ra != rb || (ra == 0 && (alen != blen || memcmp(a, b, alen) != 0 || b[blen] != '\0')) ||
	    err.code != rb || (rb != 0 && err.text[0] == '\0')) {
		fprintf(stderr, "stream_fuzz: %s, member %s%s: the paths disagree\n",
		    ta_profile_name(p), member != NULL ? member : "(none)", html ? ", html" : "");
		show("tree  ", ra, a, alen);
		show("stream", rb, b, blen);
		fprintf(stderr, "  stream error: %s\n", err.text);
		abort();
	}
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = strlen(FILE_HEAD);
	uint8_t *w;

	for (int p = TA_PROFILE_NOTARY; p <= TA_PROFILE_TUF; p++) {
		compare(data, size, (enum ta_profile)p, NULL, false);
		compare(data, size, (enum ta_profile)p, "signed", false);
	}
	compare(data, size, TA_PROFILE_NOTARY, NULL, true);
	compare(data, size, TA_PROFILE_NOTARY, "signed", true);

	if ((w = malloc(hl + size + 1)) == NULL)
		return 0;
	memcpy(w, FILE_HEAD, hl);
	if (size != 0)
		memcpy(w + hl, data, size);
	w[hl + size] = '}';
	compare(w, hl + size + 1, TA_PROFILE_TUF, "signed", false);
	compare(w, hl + size + 1, TA_PROFILE_NOTARY, "signed", true);
	free(w);
	return 0;
}
