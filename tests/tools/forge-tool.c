/* forge-tool OUTDIR GUN
 *
 * Builds the history of a notary GUN whose every key, the timestamp key
 * included, is an in-memory key of this tool (tests/tools/memsigner.c), and
 * writes each scenario tests/integration/dct-rollback.sh serves from
 * tests/integration/notary/replay-server.py as a directory OUTDIR/<scenario>/ in the
 * server's URL layout: root.json, 1.root.json, timestamp.json, and
 * snapshot, targets and targets/releases both as ROLE.json and as
 * ROLE.<sha256 hex>.json, the name a client asks for.
 *
 * A real notary-server never lets anyone but itself sign a timestamp, so
 * the attacks a consumer must refuse with every signature valid (an older
 * snapshot or targets under a newer timestamp, an expired timestamp, a
 * second file of the same version) can only be made where the timestamp
 * key is ours.  Every file verifies; only versions, expiries and which
 * file goes with which differ.
 *
 * Targets v1 {a, b} and targets/releases v1 {r1}; v2 removes b and adds r2
 * to releases.  Scenarios: v1, v2 (the trusted history); old-snapshot,
 * old-targets, old-delegation, fork-timestamp, fork-targets,
 * expired-timestamp, expired-snapshot, expired-targets, mixed-snapshot
 * (attacks on a client that trusts v2); resigned-timestamp, v3,
 * no-delegation, delegation-back (what a client must go on accepting, in
 * that order). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
#include "tuf/x509.h"

#define DAY ((time_t)24 * 3600)

struct signer_key {
	struct memsigner *ms;
	struct ta_key *key;
};

struct blob {
	uint8_t *b;
	size_t n;
};

static struct signer_key kroot, ktargets, ksnap, kts, krel;
static const char *outdir;
static time_t now;
static uint8_t *made[64]; /* every file's bytes, freed at the end */
static size_t n_made;

static void
die(const char *what, int r)
{
	(void)fprintf(stderr, "forge-tool: %s: %s\n", what, ta_strerror(r));
	exit(1);
}

static void
key_new(struct signer_key *k)
{
	int r;

	if ((k->ms = memsigner_new(TA_KEY_EC_P256)) == NULL)
		die("key", TA_ERR_CRYPTO);
	if ((r = ta_key_from_spki(TA_PROFILE_NOTARY, k->ms->spki, k->ms->spki_len, &k->key)) != 0)
		die("key object", r);
}

static void
add_key(struct ta_meta *root, const char *role, const struct ta_key *k)
{
	int r = ta_meta_root_add_ta_key(root, role, k);

	if (r != 0)
		die(role, r);
}

/* Signs m with k and takes its bytes; m is freed. */
static struct blob
seal(struct ta_meta *m, const struct signer_key *k, const char *what)
{
	struct blob out;
	int r;

	if ((r = ta_meta_sign(m, k->key, &k->ms->signer, NULL)) != 0 ||
	    (r = ta_meta_write(m, &out.b, &out.n)) != 0)
		die(what, r);
	if (n_made == sizeof(made) / sizeof(made[0]))
		die(what, TA_ERR_TOO_LARGE);
	made[n_made++] = out.b;
	ta_meta_free(m);
	return out;
}

static struct ta_meta *
meta_new(enum ta_role_type type, int64_t version, time_t expires, const char *what)
{
	struct ta_meta *m = NULL;
	int r;

	if ((r = ta_meta_new(TA_PROFILE_NOTARY, type, expires, &m)) != 0 ||
	    (r = ta_meta_set_version(m, version)) != 0)
		die(what, r);
	return m;
}

static void
add_targets(struct ta_meta *m, const char *tags)
{
	char buf[256], *save = NULL;

	(void)snprintf(buf, sizeof(buf), "%s", tags);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		struct ta_target_hashes h = { .has_sha256 = true };
		int r;

		/* A digest of the tag's name: a stand-in for a manifest's. */
		(void)EVP_Digest(t, strlen(t), h.sha256, NULL, EVP_sha256(), NULL);
		if ((r = ta_meta_target_add(m, t, (int64_t)strlen(t) * 100, &h, NULL)) != 0)
			die(t, r);
	}
}

/* targets: tags (comma-separated), delegating targets/releases or not. */
static struct blob
targets(int64_t version, const char *tags, bool delegate, time_t expires)
{
	struct ta_meta *m = meta_new(TA_ROLE_TARGETS, version, expires, "targets");
	json_t *obj = NULL;
	int r;

	add_targets(m, tags);
	if (delegate) {
		const char *id = ta_key_id(krel.key);
		const json_t *keys[1];

		if ((r = ta_key_to_json(krel.key, &obj)) != 0)
			die("delegation key", r);
		keys[0] = obj;
		if ((r = ta_meta_delegation_set(m, "targets/releases", &id, keys, 1, 1, NULL, 0, true,
			 false)) != 0)
			die("delegation", r);
		json_decref(obj);
	}
	return seal(m, &ktargets, "targets");
}

static struct blob
releases(int64_t version, const char *tags)
{
	struct ta_meta *m = meta_new(TA_ROLE_TARGETS, version, now + 365 * DAY, "releases");

	add_targets(m, tags);
	return seal(m, &krel, "targets/releases");
}

static struct blob root_file;

/* snapshot of root, t and (when not NULL) rel. */
static struct blob
snapshot(int64_t version, const struct blob *t, const struct blob *rel, time_t expires)
{
	struct ta_meta *m = meta_new(TA_ROLE_SNAPSHOT, version, expires, "snapshot");
	int r;

	if ((r = ta_meta_set_file(m, "root", root_file.b, root_file.n, 1)) != 0 ||
	    (r = ta_meta_set_file(m, "targets", t->b, t->n, 1)) != 0 ||
	    (rel != NULL &&
		(r = ta_meta_set_file(m, "targets/releases", rel->b, rel->n, 1)) != 0))
		die("snapshot", r);
	return seal(m, &ksnap, "snapshot");
}

static struct blob
timestamp(int64_t version, const struct blob *snap, time_t expires)
{
	struct ta_meta *m = meta_new(TA_ROLE_TIMESTAMP, version, expires, "timestamp");
	int r;

	if ((r = ta_meta_set_file(m, "snapshot", snap->b, snap->n, 1)) != 0)
		die("timestamp", r);
	return seal(m, &kts, "timestamp");
}

static void
put(const char *dir, const char *name, const struct blob *b)
{
	char path[4096], *slash;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s/%s.json", outdir, dir, name);
	for (slash = strchr(path + strlen(outdir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			die(path, TA_ERR_SYSTEM);
		*slash = '/';
	}
	if ((f = fopen(path, "wb")) == NULL || fwrite(b->b, 1, b->n, f) != b->n || fclose(f) != 0)
		die(path, TA_ERR_SYSTEM);
}

/* ROLE.json and ROLE.<sha256 hex>.json */
static void
put_role(const char *dir, const char *role, const struct blob *b)
{
	uint8_t d[32];
	char name[512];
	int n;

	(void)EVP_Digest(b->b, b->n, d, NULL, EVP_sha256(), NULL);
	n = snprintf(name, sizeof(name), "%s.", role);
	for (size_t i = 0; i < 32; i++)
		n += snprintf(name + n, sizeof(name) - (size_t)n, "%02x", d[i]);
	put(dir, role, b);
	put(dir, name, b);
}

/* One scenario: the files a server serves.  served_targets, when not
 * NULL, is served under t's names instead of t (a mixed snapshot). */
static void
scenario(const char *dir, const struct blob *ts, const struct blob *snap, const struct blob *t,
    const struct blob *rel, const struct blob *served_targets)
{
	uint8_t d[32];
	char name[128];
	int n;

	put(dir, "root", &root_file);
	put(dir, "1.root", &root_file);
	put(dir, "timestamp", ts);
	put_role(dir, "snapshot", snap);
	if (served_targets == NULL) {
		put_role(dir, "targets", t);
	} else {
		(void)EVP_Digest(t->b, t->n, d, NULL, EVP_sha256(), NULL);
		n = snprintf(name, sizeof(name), "targets.");
		for (size_t i = 0; i < 32; i++)
			n += snprintf(name + n, sizeof(name) - (size_t)n, "%02x", d[i]);
		put(dir, "targets", served_targets);
		put(dir, name, served_targets);
	}
	if (rel != NULL)
		put_role(dir, "targets/releases", rel);
}

int
main(int argc, char **argv)
{
	struct ta_key *rootkey = NULL;
	struct ta_meta *root;
	uint8_t *der = NULL;
	size_t der_len;
	time_t year;
	int r;

	if (argc != 3) {
		(void)fprintf(stderr, "usage: forge-tool OUTDIR GUN\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		die(outdir, TA_ERR_SYSTEM);
	now = time(NULL);
	year = now + 365 * DAY;
	key_new(&ktargets);
	key_new(&ksnap);
	key_new(&kts);
	key_new(&krel);
	if ((kroot.ms = memsigner_new(TA_KEY_EC_P256)) == NULL)
		die("root key", TA_ERR_CRYPTO);
	if ((r = ta_x509_make_root(&kroot.ms->signer, argv[2], TA_X509_DEFAULT_DAYS, now, &der,
		 &der_len)) != 0 ||
	    (r = ta_key_from_cert(der, der_len, &rootkey)) != 0)
		die("root certificate", r);
	kroot.key = rootkey;
	root = meta_new(TA_ROLE_ROOT, 1, now + DAY * 365 * 10, "root");
	add_key(root, "root", kroot.key);
	add_key(root, "targets", ktargets.key);
	add_key(root, "snapshot", ksnap.key);
	add_key(root, "timestamp", kts.key);
	root_file = seal(root, &kroot, "root");

	struct blob t1 = targets(1, "a,b", true, year), r1 = releases(1, "r1");
	struct blob s1 = snapshot(1, &t1, &r1, year), ts1 = timestamp(1, &s1, now + 14 * DAY);
	struct blob t2 = targets(2, "a", true, year), r2 = releases(2, "r1,r2");
	struct blob s2 = snapshot(2, &t2, &r2, year), ts2 = timestamp(2, &s2, now + 14 * DAY);

	scenario("v1", &ts1, &s1, &t1, &r1, NULL);
	scenario("v2", &ts2, &s2, &t2, &r2, NULL);

	/* Attacks on a client that trusts v2: each under a newer timestamp,
	 * so that the role itself is what must be refused. */
	struct blob ts3_s1 = timestamp(3, &s1, now + 14 * DAY);
	scenario("old-snapshot", &ts3_s1, &s1, &t1, &r1, NULL);

	struct blob s3a = snapshot(3, &t1, &r2, year), ts3a = timestamp(3, &s3a, now + 14 * DAY);
	scenario("old-targets", &ts3a, &s3a, &t1, &r2, NULL);

	struct blob s3b = snapshot(3, &t2, &r1, year), ts3b = timestamp(3, &s3b, now + 14 * DAY);
	scenario("old-delegation", &ts3b, &s3b, &t2, &r1, NULL);

	struct blob ts2f = timestamp(2, &s2, now + 13 * DAY);
	scenario("fork-timestamp", &ts2f, &s2, &t2, &r2, NULL);

	struct blob t2f = targets(2, "a,b,evil", true, year);
	struct blob s3c = snapshot(3, &t2f, &r2, year), ts3c = timestamp(3, &s3c, now + 14 * DAY);
	scenario("fork-targets", &ts3c, &s3c, &t2f, &r2, NULL);

	struct blob ts3x = timestamp(3, &s2, now - DAY);
	scenario("expired-timestamp", &ts3x, &s2, &t2, &r2, NULL);

	struct blob s3x = snapshot(3, &t2, &r2, now - DAY), ts3y = timestamp(3, &s3x, now + 14 * DAY);
	scenario("expired-snapshot", &ts3y, &s3x, &t2, &r2, NULL);

	struct blob t3x = targets(3, "a", true, now - DAY);
	struct blob s3z = snapshot(3, &t3x, &r2, year), ts3z = timestamp(3, &s3z, now + 14 * DAY);
	scenario("expired-targets", &ts3z, &s3z, &t3x, &r2, NULL);

	/* The snapshot names v3 of targets; the server hands out another
	 * file under that name. */
	struct blob t3 = targets(3, "a,c", true, year);
	struct blob s3m = snapshot(3, &t3, &r2, year), ts3m = timestamp(3, &s3m, now + 14 * DAY);
	scenario("mixed-snapshot", &ts3m, &s3m, &t3, &r2, &t1);

	/* What a client must go on accepting, in this order after v2. */
	struct blob ts3r = timestamp(3, &s2, now + 15 * DAY);
	scenario("resigned-timestamp", &ts3r, &s2, &t2, &r2, NULL);

	struct blob s3 = snapshot(3, &t3, &r2, year), ts4 = timestamp(4, &s3, now + 14 * DAY);
	scenario("v3", &ts4, &s3, &t3, &r2, NULL);

	struct blob t4 = targets(4, "a,c", false, year);
	struct blob s4 = snapshot(4, &t4, NULL, year), ts5 = timestamp(5, &s4, now + 14 * DAY);
	scenario("no-delegation", &ts5, &s4, &t4, NULL, NULL);

	/* Made again from scratch: version 1, lower than the 2 once trusted. */
	struct blob t5 = targets(5, "a,c", true, year), r1n = releases(1, "r9");
	struct blob s5 = snapshot(5, &t5, &r1n, year), ts6 = timestamp(6, &s5, now + 14 * DAY);
	scenario("delegation-back", &ts6, &s5, &t5, &r1n, NULL);

	printf("root key %s (certificate CN=%s)\n", ta_key_id(kroot.key), argv[2]);
	while (n_made > 0)
		free(made[--n_made]);
	struct signer_key *keys[] = { &kroot, &ktargets, &ksnap, &kts, &krel };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ta_key_free(keys[i]->key);
		memsigner_free(keys[i]->ms);
	}
	free(der);
	return 0;
}
