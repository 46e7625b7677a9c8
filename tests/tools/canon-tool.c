/* canon-tool: test helper that writes the canonical bytes of a JSON file.
 *
 *	canon-tool tuf|notary|notary-file FILE|-
 *
 * tuf and notary write ta_canon_write() in that profile; notary-file writes
 * the notary file (FORMATS §1.3) with an empty signature list.  Exit status
 * 0 with the bytes on stdout; 1 with one line on stderr when the document is
 * refused; 2 on usage errors.  tests/integration/canonical-interop.sh drives it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/canon.h"
#include "tuf/json.h"

static int
read_all(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;
	int r = 0;

	if (f == NULL)
		return TA_ERR_SYSTEM;
	for (;;) {
		if (len == cap) {
			uint8_t *np;

			if (cap > TA_JSON_MAX) {
				r = TA_ERR_TOO_LARGE;
				goto out;
			}
			cap = cap != 0 ? cap * 2 : 65536;
			if ((np = realloc(p, cap)) == NULL) {
				r = TA_ERR_NOMEM;
				goto out;
			}
			p = np;
		}
		size_t n = fread(p + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				r = TA_ERR_SYSTEM;
			break;
		}
	}
	if (r == 0) {
		*ret = p;
		*ret_len = len;
		p = NULL;
	}
out:
	free(p);
	if (f != stdin)
		fclose(f);
	return r;
}

int
main(int argc, char **argv)
{
	struct ta_json_error err;
	enum ta_profile profile;
	uint8_t *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	json_t *v = NULL;
	int r, status = 1;
	int file = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: canon-tool tuf|notary|notary-file FILE|-\n");
		return 2;
	}
	if (strcmp(argv[1], "notary-file") == 0) {
		profile = TA_PROFILE_NOTARY;
		file = 1;
	} else if (ta_profile_from_name(argv[1], &profile) != 0) {
		fprintf(stderr, "canon-tool: unknown profile '%s'\n", argv[1]);
		return 2;
	}
	if ((r = read_all(argv[2], &in, &in_len)) != 0) {
		fprintf(stderr, "canon-tool: read '%s': %s%s%s\n", argv[2], ta_strerror(r),
		    r == TA_ERR_SYSTEM ? ": " : "", r == TA_ERR_SYSTEM ? strerror(errno) : "");
		goto out;
	}
	if ((r = ta_json_parse(in, in_len, profile, &v, &err)) != 0) {
		fprintf(stderr, "canon-tool: '%s': %s [%s]\n", argv[2], err.text, ta_errname(r));
		goto out;
	}
	r = file ? ta_canon_write_notary_file(v, NULL, 0, &out, &out_len)
		 : ta_canon_write(v, profile, &out, &out_len);
	if (r != 0) {
		fprintf(
		    stderr, "canon-tool: '%s': %s [%s]\n", argv[2], ta_strerror(r), ta_errname(r));
		goto out;
	}
	if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
		fprintf(stderr, "canon-tool: write: %s\n", strerror(errno));
		goto out;
	}
	status = 0;
out:
	json_decref(v);
	free(in);
	free(out);
	return status;
}
