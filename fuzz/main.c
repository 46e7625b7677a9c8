/* A stand-in for libFuzzer's main(), so that any compiler can replay corpora
 * through the fuzz targets (p11-kit's fuzz/main.c does the same).
 *
 *	<name>_replay [FILE|DIR]...
 *
 * Each FILE, and each regular file directly inside each DIR (in name
 * order), is read whole and passed to LLVMFuzzerTestOneInput() once; with
 * no arguments, standard input is.  A target reports a broken invariant by
 * aborting, so reaching the end means every input passed.  Exit status 0,
 * or 1 when an input cannot be read. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

#define REPLAY_MAX ((size_t)256 << 20)

static int
replay_stream(FILE *f, const char *name)
{
	uint8_t *p = NULL, *np;
	size_t len = 0, cap = 0, n;
	int r = 1;

	for (;;) {
		if (len == cap) {
			if (cap >= REPLAY_MAX) {
				fprintf(stderr, "replay: %s: larger than %zu bytes\n", name,
				    REPLAY_MAX);
				goto out;
			}
			cap = cap != 0 ? cap * 2 : 4096;
			if ((np = realloc(p, cap)) == NULL) {
				fprintf(stderr, "replay: %s: out of memory\n", name);
				goto out;
			}
			p = np;
		}
		if ((n = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", name);
		goto out;
	}
	/* An exact-size copy, so that ASan sees reads past the input. */
	np = malloc(len != 0 ? len : 1);
	if (np == NULL)
		goto out;
	if (len != 0)
		memcpy(np, p, len);
	LLVMFuzzerTestOneInput(np, len);
	free(np);
	r = 0;
out:
	free(p);
	return r;
}

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	int r;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(stderr, "replay: %s\n", path);
	r = replay_stream(f, path);
	fclose(f);
	return r;
}

static int
only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
replay_dir(const char *dir)
{
	struct dirent **names = NULL;
	int n, r = 0;

	if ((n = scandir(dir, &names, only_files, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    (int)sizeof(path)) {
			r = 1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			r |= replay_file(path);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int r = 0;

	if (argc < 2)
		return replay_stream(stdin, "stdin");
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			r |= replay_dir(argv[i]);
		else
			r |= replay_file(argv[i]);
	}
	return r;
}
