/* Canonicalise, hash and verify a targets file with 100,000 targets, in
 * both profiles, and compare with SHA-256 over the same bytes and with
 * securesystemslib's encode_canonical (run by bench/sslib_canon.py in the
 * same run).  Two paths per profile: "tree" parses with ta_meta_parse()
 * (jansson) and canonicalises with ta_meta_signed_bytes(); "stream" gets
 * the canonical bytes of "signed" straight from the file bytes with
 * ta_canon_stream() (its parse column is parse + canonicalise).
 *
 *	bench_canon [targets] [python3]     (defaults: 100000, /usr/bin/python3)
 *
 * bench_canon --write DIR [targets] writes the files instead, for timing
 * the commands on them: DIR/notary-targets.json, DIR/tuf-targets.json and
 * DIR/tuf-root.json (one key for every role, so that
 * tufctl verify --profile tuf --root DIR/tuf-root.json DIR/tuf-targets.json
 * succeeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/sig.h"
#include "tuf/sign.h"
#include "tuf/stream.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct times {
	double parse, canon, hash, verify, sha_only;
	size_t file_len, canon_len;
};

static int
build(enum ta_profile p, long n, struct memsigner *ms, struct ta_key *key, uint8_t **ret,
    size_t *ret_len)
{
	struct ta_target_hashes h = { .has_sha256 = true, .has_sha512 = true };
	struct ta_meta *m = NULL;
	char name[64];
	int r;

	if ((r = ta_meta_new(p, TA_ROLE_TARGETS, time(NULL) + 86400 * 365, &m)) != 0)
		return r;
	for (long i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "registry.example.com/team/app:v%ld.%ld", i / 100,
		    i % 100);
		(void)EVP_Digest(name, strlen(name), h.sha256, NULL, EVP_sha256(), NULL);
		(void)EVP_Digest(name, strlen(name), h.sha512, NULL, EVP_sha512(), NULL);
		if ((r = ta_meta_target_add(m, name, 1000 + i, &h, NULL)) != 0)
			goto out;
	}
	if ((r = ta_meta_sign(m, key, &ms->signer, NULL)) != 0)
		goto out;
	r = ta_meta_write(m, ret, ret_len);
out:
	ta_meta_free(m);
	return r;
}

/* SHA-256 alone over the canonical bytes c, for the "within 4x" goal. */
static void
time_sha_only(struct times *t, const uint8_t *c, size_t clen)
{
	uint8_t d[32];
	double t0 = now();

	(void)EVP_Digest(c, clen, d, NULL, EVP_sha256(), NULL);
	t->sha_only += now() - t0;
	t->canon_len = clen;
}

/* The sums of reps runs into their means. */
static void
times_mean(struct times *t, int reps)
{
	t->parse /= reps;
	t->canon /= reps;
	t->hash /= reps;
	t->verify /= reps;
	t->sha_only /= reps;
}

static int
measure(enum ta_profile p, const uint8_t *file, size_t len, struct ta_key *key, int reps,
    struct times *t)
{
	memset(t, 0, sizeof(*t));
	t->file_len = len;
	for (int i = 0; i < reps; i++) {
		struct ta_meta *m = NULL;
		struct ta_sig sig;
		uint8_t *c = NULL, d[32];
		size_t clen;
		double t0 = now(), t1, t2, t3, t4;
		int r;

		if ((r = ta_meta_parse(file, len, p, "targets", &m, NULL)) != 0)
			return r;
		t1 = now();
		if ((r = ta_meta_signed_bytes(m, &c, &clen)) != 0)
			return r;
		t2 = now();
		(void)EVP_Digest(c, clen, d, NULL, EVP_sha256(), NULL);
		t3 = now();
		if ((r = ta_sig_from_json(p, json_array_get(m->signatures, 0), &sig)) != 0 ||
		    (r = ta_sig_verify(key, &sig, c, clen)) != 0)
			return r;
		t4 = now();
		t->parse += t1 - t0;
		t->canon += t2 - t1;
		t->hash += t3 - t2;
		t->verify += t4 - t3;
		time_sha_only(t, c, clen);
		free(c);
		ta_meta_free(m);
	}
	times_mean(t, reps);
	return 0;
}

/* The same with ta_canon_stream(): t->parse is parse + canonicalise, and
 * t->canon is 0.  The signature comes from a tree parse outside the timing;
 * the bytes must equal the tree path's. */
static int
measure_stream(enum ta_profile p, const uint8_t *file, size_t len, struct ta_key *key, int reps,
    struct times *t)
{
	struct ta_meta *m = NULL;
	struct ta_sig sig;
	uint8_t *ref = NULL;
	size_t ref_len;
	int r;

	memset(t, 0, sizeof(*t));
	t->file_len = len;
	if ((r = ta_meta_parse(file, len, p, "targets", &m, NULL)) != 0 ||
	    (r = ta_meta_signed_bytes(m, &ref, &ref_len)) != 0 ||
	    (r = ta_sig_from_json(p, json_array_get(m->signatures, 0), &sig)) != 0)
		goto out;
	for (int i = 0; i < reps; i++) {
		uint8_t *c = NULL, d[32];
		size_t clen;
		double t0 = now(), t1, t2, t3;

		if ((r = ta_canon_stream(file, len, p, "signed", &c, &clen, NULL)) != 0)
			goto out;
		t1 = now();
		(void)EVP_Digest(c, clen, d, NULL, EVP_sha256(), NULL);
		t2 = now();
		if ((r = ta_sig_verify(key, &sig, c, clen)) != 0) {
			free(c);
			goto out;
		}
		t3 = now();
		t->parse += t1 - t0;
		t->hash += t2 - t1;
		t->verify += t3 - t2;
		time_sha_only(t, c, clen);
		if (clen != ref_len || memcmp(c, ref, clen) != 0)
			r = TA_ERR_INTERNAL;
		free(c);
		if (r != 0)
			goto out;
	}
	times_mean(t, reps);
out:
	free(ref);
	ta_meta_free(m);
	return r;
}

static void
report(const char *profile, const char *path, const struct times *t, double sslib)
{
	double mb = (double)t->canon_len / 1e6;
	double total = t->parse + t->canon + t->hash + t->verify;
	char canon[16];

	if (t->canon > 0)
		(void)snprintf(canon, sizeof(canon), "%9.0f", mb / t->canon);
	else
		(void)snprintf(canon, sizeof(canon), "%9s", "(incl)");
	printf("%-7s %-6s %8.1f %8.1f | %9.0f %s %9.0f %9.2f | %9.0f %9.0f | %8.1f\n", profile,
	    path, (double)t->file_len / 1e6, mb, mb / t->parse, canon, mb / t->hash,
	    t->verify * 1e3, mb / total, mb / t->sha_only, sslib);
	printf("        ratios: total vs securesystemslib %.1fx (goal >= 15x); "
	       "SHA-256 alone / total %.1fx (goal <= 4x)\n",
	    sslib > 0 ? (mb / total) / sslib : 0.0, (mb / t->sha_only) / (mb / total));
	if (t->canon > 0)
		printf("        time split: parse %.0f%%, canonicalise %.0f%%, hash %.0f%%, "
		       "verify %.0f%%\n",
		    100 * t->parse / total, 100 * t->canon / total, 100 * t->hash / total,
		    100 * t->verify / total);
	else
		printf("        time split: parse + canonicalise %.0f%%, hash %.0f%%, "
		       "verify %.0f%%\n",
		    100 * t->parse / total, 100 * t->hash / total, 100 * t->verify / total);
}

static int
save(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return TA_ERR_SYSTEM;
	if (fwrite(b, 1, n, f) != n) {
		(void)fclose(f);
		return TA_ERR_SYSTEM;
	}
	return fclose(f) != 0 ? TA_ERR_SYSTEM : 0;
}

static int
write_files(const char *dir, long n)
{
	static const char *const roles[] = { "root", "targets", "snapshot", "timestamp" };
	struct memsigner *ms = memsigner_new(TA_KEY_EC_P256);
	struct ta_key *key = NULL;
	struct ta_meta *root = NULL;
	json_t *obj = NULL;
	uint8_t *b = NULL;
	size_t len;
	int r;

	if (ms == NULL)
		return TA_ERR_CRYPTO;
	for (int p = TA_PROFILE_NOTARY; p <= TA_PROFILE_TUF; p++) {
		if ((r = ta_key_from_spki(p, ms->spki, ms->spki_len, &key)) != 0 ||
		    (r = build(p, n, ms, key, &b, &len)) != 0 ||
		    (r = save(dir, p == TA_PROFILE_NOTARY ? "notary-targets.json" :
							    "tuf-targets.json", b, len)) != 0)
			goto out;
		free(b);
		b = NULL;
		if (p == TA_PROFILE_NOTARY) {
			ta_key_free(key);
			key = NULL;
		}
	}
	if ((r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_ROOT, time(NULL) + 86400 * 365, &root)) != 0 ||
	    (r = ta_key_to_json(key, &obj)) != 0)
		goto out;
	for (int i = 0; i < 4; i++)
		if ((r = ta_meta_root_add_key(root, roles[i], ta_key_id(key), obj)) != 0)
			goto out;
	if ((r = ta_meta_sign(root, key, &ms->signer, NULL)) != 0 ||
	    (r = ta_meta_write(root, &b, &len)) != 0)
		goto out;
	r = save(dir, "tuf-root.json", b, len);
out:
	free(b);
	json_decref(obj);
	ta_meta_free(root);
	ta_key_free(key);
	memsigner_free(ms);
	return r;
}

/* securesystemslib's MB/s on the same file, or -1. */
static double
sslib_rate(const char *python, const char *script, const uint8_t *file, size_t len)
{
	char tmpl[] = "/tmp/ta-bench-XXXXXX", cmd[8192];
	double rate = -1;
	FILE *f;
	int fd = mkstemp(tmpl);

	if (fd < 0)
		return -1;
	if (write(fd, file, len) != (ssize_t)len) {
		close(fd);
		unlink(tmpl);
		return -1;
	}
	close(fd);
	(void)snprintf(cmd, sizeof(cmd), "%s %s %s 2>/dev/null", python, script, tmpl);
	if ((f = popen(cmd, "r")) != NULL) {
		if (fscanf(f, "%lf", &rate) != 1)
			rate = -1;
		(void)pclose(f);
	}
	unlink(tmpl);
	return rate;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *python = argc > 2 ? argv[2] : "/usr/bin/python3";
	struct memsigner *ms = memsigner_new(TA_KEY_EC_P256);
	struct ta_key *key[3] = { NULL };
	static const char *const names[] = { "", "notary", "tuf" };
	char script[4096];
	int r;

	if (argc > 2 && strcmp(argv[1], "--write") == 0) {
		memsigner_free(ms);
		if ((r = write_files(argv[2], argc > 3 ? atol(argv[3]) : 100000)) != 0) {
			(void)fprintf(stderr, "bench_canon: %s: %s\n", argv[2], ta_strerror(r));
			return 1;
		}
		return 0;
	}

	(void)snprintf(script, sizeof(script), "%s/sslib_canon.py",
	    getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "bench");
	if (ms == NULL || n <= 0)
		return 1;
	printf("canonicalise + hash + verify a targets file with %ld targets\n\n", n);
	printf("%-7s %-6s %8s %8s | %9s %9s %9s %9s | %9s %9s | %8s\n", "profile", "path",
	    "file MB", "canon MB", "parse", "canon", "sha256", "verify", "total", "sha only",
	    "sslib");
	printf("%-7s %-6s %8s %8s | %9s %9s %9s %9s | %9s %9s | %8s\n", "", "", "", "", "MB/s",
	    "MB/s", "MB/s", "ms", "MB/s", "MB/s", "MB/s");
	for (int p = TA_PROFILE_NOTARY; p <= TA_PROFILE_TUF; p++) {
		struct times t, ts;
		uint8_t *file = NULL;
		size_t len;
		double sslib;

		if ((r = ta_key_from_spki(p, ms->spki, ms->spki_len, &key[p])) != 0 ||
		    (r = build(p, n, ms, key[p], &file, &len)) != 0 ||
		    (r = measure(p, file, len, key[p], 5, &t)) != 0 ||
		    (r = measure_stream(p, file, len, key[p], 5, &ts)) != 0) {
			(void)fprintf(stderr, "bench_canon: %s: %s\n", names[p], ta_strerror(r));
			return 1;
		}
		sslib = sslib_rate(python, script, file, len);
		report(names[p], "tree", &t, sslib);
		report("", "stream", &ts, sslib);
		free(file);
	}
	for (int p = 1; p <= 2; p++)
		ta_key_free(key[p]);
	memsigner_free(ms);
	return 0;
}
