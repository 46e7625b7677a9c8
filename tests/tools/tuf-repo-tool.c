/* tuf-repo-tool OUTDIR [consistent] [delegations] [bins] [oddexpires] [roots=N]
 *     [now=EPOCH] [expires=EPOCH]
 *
 * Writes the small TUF 1.0 repository of tests/tools/tufrepo.h (fresh
 * in-memory keys) into OUTDIR, folders included, for
 * tests/integration/tuf-verify.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/err.h"
#include "tests/tools/tufrepo.h"

static int
write_file(const char *dir, const struct trepo_file *f)
{
	char path[4096];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	if (fwrite(f->data, 1, f->len, fp) != f->len) {
		(void)fclose(fp);
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* oddexpires: timestamp.json's expires written with a fraction, as older
 * tools wrote it. */
static void
odd_expires(void *arg, const char *role, int64_t v, struct ta_meta *m, int stage)
{
	char buf[64];
	const char *e = json_string_value(json_object_get(m->signed_v, "expires"));

	(void)arg;
	(void)v;
	if (stage != 0 || strcmp(role, "timestamp") != 0 || e == NULL || strlen(e) != 20)
		return;
	(void)snprintf(buf, sizeof(buf), "%.19s.500Z", e);
	(void)json_object_set_new(m->signed_v, "expires", json_string(buf));
}

int
main(int argc, char **argv)
{
	struct trepo_opts o = { .now = time(NULL) };
	struct trepo_keys k;
	struct trepo repo = { 0 };
	int r;

	if (argc < 2) {
		(void)fprintf(stderr, "usage: tuf-repo-tool OUTDIR [consistent] [delegations] "
				      "[bins] [oddexpires] [roots=N] [now=EPOCH] [expires=EPOCH]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "consistent") == 0)
			o.consistent = true;
		else if (strcmp(argv[i], "delegations") == 0)
			o.delegations = true;
		else if (strcmp(argv[i], "bins") == 0)
			o.bins = true;
		else if (strcmp(argv[i], "oddexpires") == 0)
			o.tweak = odd_expires;
		else if (strncmp(argv[i], "roots=", 6) == 0)
			o.nroots = atoi(argv[i] + 6);
		else if (strncmp(argv[i], "now=", 4) == 0)
			o.now = (time_t)atoll(argv[i] + 4);
		else if (strncmp(argv[i], "expires=", 8) == 0)
			o.expires = (time_t)atoll(argv[i] + 8);
		else {
			(void)fprintf(stderr, "tuf-repo-tool: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (o.nroots < 0 || o.nroots > 3) {
		(void)fprintf(stderr, "tuf-repo-tool: roots=1..3\n");
		return 2;
	}
	if ((r = trepo_keys_new(&k)) != 0 || (r = trepo_build(&repo, &k, &o)) != 0) {
		(void)fprintf(stderr, "tuf-repo-tool: %s\n", ta_strerror(r));
		return 1;
	}
	(void)mkdir(argv[1], 0755);
	for (size_t i = 0; i < repo.n; i++)
		if (write_file(argv[1], &repo.files[i]) != 0) {
			(void)fprintf(stderr, "tuf-repo-tool: cannot write %s\n", repo.files[i].name);
			return 1;
		}
	trepo_free(&repo);
	trepo_keys_free(&k);
	return 0;
}
