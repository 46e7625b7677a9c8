/* bench_repo_canon DIR...: the signed-bytes paths over every metadata file
 * of TUF repositories (*.json in each DIR), against SHA-256 alone over the
 * same file bytes:
 *   stream  the canonical bytes of "signed" by the streaming canonicaliser
 *           (tuf/stream.h, what the agent signs) and their SHA-256;
 *   tree    the hardened parse and shape check of the whole file
 *           (ta_meta_parse, which the agent's sign plan and tufctl run),
 *           the canonical bytes from the tree, their SHA-256.
 * Files are read into memory first; only the work on them is timed.
 * Prints "files N bytes B stream_mbs S tree_mbs T sha256_mbs H". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/meta.h"
#include "tuf/stream.h"

struct file {
	uint8_t *p;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load(const char *dir, struct file **files, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char path[4096];
		FILE *f;
		long sz;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
			(void)fclose(f);
			continue;
		}
		if (*n == *cap) {
			struct file *nf;

			*cap = *cap ? *cap * 2 : 1024;
			if ((nf = realloc(*files, *cap * sizeof(**files))) == NULL)
				abort();
			*files = nf;
		}
		(*files)[*n].len = (size_t)sz;
		if (((*files)[*n].p = malloc((size_t)sz)) == NULL ||
		    fread((*files)[*n].p, 1, (size_t)sz, f) != (size_t)sz)
			abort();
		(void)fclose(f);
		(*n)++;
	}
	(void)closedir(d);
	return 0;
}

static int
done(struct file *files, size_t n, int status)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].p);
	free(files);
	return status;
}

int
main(int argc, char **argv)
{
	struct file *files = NULL;
	size_t n = 0, cap = 0, bytes = 0;
	uint8_t md[32];
	double t0, canon_s, sha_s, stream_s;

	if (argc < 2) {
		(void)fprintf(stderr, "usage: bench_repo_canon DIR...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (load(argv[i], &files, &n, &cap) != 0)
			return done(files, n, 1);
	for (size_t i = 0; i < n; i++)
		bytes += files[i].len;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		uint8_t *c = NULL;
		size_t clen;
		int r;

		if ((r = ta_canon_stream(files[i].p, files[i].len, TA_PROFILE_TUF, "signed", &c, &clen,
			 NULL)) != 0) {
			(void)fprintf(stderr, "bench_repo_canon: file %zu: %s\n", i, ta_strerror(r));
			return done(files, n, 1);
		}
		(void)EVP_Digest(c, clen, md, NULL, EVP_sha256(), NULL);
		free(c);
	}
	stream_s = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		struct ta_meta *m = NULL;
		uint8_t *c = NULL;
		size_t clen;
		int r;

		if ((r = ta_meta_parse(files[i].p, files[i].len, TA_PROFILE_TUF, NULL, &m, NULL)) != 0 ||
		    (r = ta_meta_signed_bytes(m, &c, &clen)) != 0) {
			(void)fprintf(stderr, "bench_repo_canon: file %zu: %s\n", i, ta_strerror(r));
			return done(files, n, 1);
		}
		(void)EVP_Digest(c, clen, md, NULL, EVP_sha256(), NULL);
		free(c);
		ta_meta_free(m);
	}
	canon_s = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++)
		(void)EVP_Digest(files[i].p, files[i].len, md, NULL, EVP_sha256(), NULL);
	sha_s = now() - t0;
	printf("files %zu bytes %zu stream_mbs %.1f tree_mbs %.1f sha256_mbs %.1f\n", n, bytes,
	    (double)bytes / 1e6 / stream_s, (double)bytes / 1e6 / canon_s, (double)bytes / 1e6 / sha_s);
	return done(files, n, 0);
}
