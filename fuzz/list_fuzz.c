/* Fuzz target: the lists of tufctl notary add --from-list
 * (client/notary_list.c), which come from CI jobs' generated files.
 *
 * Invariants: the parser never crashes or leaks; n changes accepted take
 * at least 76n - 1 bytes (the shortest line is 75: a 1-byte tag, 71 bytes
 * of digest, a 1-digit size and two blanks; one newline between lines),
 * each a docker tag with 64 lowercase hex digits; a list refused names its
 * line ("l:N: ..."); and the same bytes give the same answer twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/notary_list.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_error e = { .text = "" }, e2 = { .text = "" };
	json_t *c = NULL, *c2 = NULL, *v;
	size_t i;
	int r, r2;

	r = tn_list_parse("l", data, size, &c, &e);
	r2 = tn_list_parse("l", data, size, &c2, &e2);
	if (r != r2 || (r == 0) != (c != NULL) || (r == 0 && !json_equal(c, c2)) ||
	    (r != 0 && (strcmp(e.text, e2.text) != 0 || strncmp(e.text, "l:", 2) != 0)) ||
	    (r == 0 && json_array_size(c) > (size + 1) / 76)) {
		(void)fprintf(stderr, "list_fuzz: %d then %d: %s\n", r, r2, e.text);
		abort();
	}
	json_array_foreach(c, i, v) {
		const char *tag = json_string_value(json_object_get(v, "name"));
		const char *hex = json_string_value(json_object_get(v, "sha256"));

		if (tag == NULL || !tn_tag_valid(tag, strlen(tag)) || hex == NULL ||
		    strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64) {
			(void)fprintf(stderr, "list_fuzz: a bad change accepted\n");
			abort();
		}
	}
	json_decref(c);
	json_decref(c2);
	return 0;
}
