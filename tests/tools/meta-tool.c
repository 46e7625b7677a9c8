/* meta-tool rewrite PROFILE ROLE FILE: parse a metadata file into the model
 * and write it back (to standard output), for byte-exactness tests against
 * what real notary servers serve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tuf/meta.h"

int
main(int argc, char **argv)
{
	enum ta_profile p;
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	uint8_t *buf, *out = NULL;
	size_t len = 0, cap = 1 << 20, n, out_len;
	FILE *f;
	int r;

	if (argc != 5 || strcmp(argv[1], "rewrite") != 0 || ta_profile_from_name(argv[2], &p)) {
		(void)fprintf(stderr, "usage: meta-tool rewrite notary|tuf ROLE FILE\n");
		return 2;
	}
	if ((f = fopen(argv[4], "rb")) == NULL || (buf = malloc(cap)) == NULL) {
		(void)fprintf(stderr, "meta-tool: cannot read '%s'\n", argv[4]);
		return 1;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0 && (len += n) < cap)
		;
	(void)fclose(f);
	if ((r = ta_meta_parse(buf, len, p, argv[3], &m, &err)) != 0) {
		(void)fprintf(stderr, "meta-tool: %s: %s\n", ta_errname(r), err.text);
		return 1;
	}
	if ((r = ta_meta_write(m, &out, &out_len)) != 0) {
		(void)fprintf(stderr, "meta-tool: write: %s\n", ta_strerror(r));
		return 1;
	}
	(void)fwrite(out, 1, out_len, stdout);
	free(out);
	free(buf);
	ta_meta_free(m);
	return 0;
}
