/* repo-tool notary OUTDIR GUN TIMESTAMP_KEY TAG=SIZE:SHA256HEX...
 *
 * Builds and signs a new notary repository with tuf/ alone: in-memory keys
 * (tests/tools/memsigner.c), a root certificate from ta_x509_make_root(), the
 * server's timestamp key (the JSON of GET .../timestamp.key), a client-side
 * snapshot key.  Writes OUTDIR/root.json, targets.json and snapshot.json,
 * ready for the publish POST, so a test can check that the real server
 * takes them and a fresh real client reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/key.h"
#include "tuf/meta.h"
#include "tuf/sign.h"
#include "tuf/x509.h"

#define YEAR (365L * 24 * 3600)

static int
fail(const char *what, int r)
{
	(void)fprintf(stderr, "repo-tool: %s: %s\n", what, ta_strerror(r));
	return 1;
}

static int
save(const char *dir, const char *name, const struct ta_meta *m, uint8_t **ret, size_t *ret_len)
{
	char path[4096];
	FILE *f;
	int r;

	if ((r = ta_meta_write(m, ret, ret_len)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(*ret, 1, *ret_len, f) != *ret_len ||
	    fclose(f) != 0)
		return TA_ERR_SYSTEM;
	return 0;
}

static int
hexbytes(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct memsigner *rk, *tk, *sk;
	struct ta_key *rootkey = NULL, *tkey = NULL, *skey = NULL, *tskey = NULL;
	struct ta_meta *root = NULL, *targets = NULL, *snap = NULL;
	uint8_t *der = NULL, *rb = NULL, *tb = NULL, *sb = NULL;
	size_t der_len, rlen, tlen, slen;
	time_t now = time(NULL);
	json_error_t jerr;
	json_t *ts;
	int r;

	if (argc < 5 || strcmp(argv[1], "notary") != 0) {
		(void)fprintf(stderr, "usage: repo-tool notary OUTDIR GUN TIMESTAMP_KEY "
				      "TAG=SIZE:SHA256HEX...\n");
		return 2;
	}
	if ((ts = json_load_file(argv[4], 0, &jerr)) == NULL)
		return fail("timestamp key", TA_ERR_INVALID);
	rk = memsigner_new(TA_KEY_EC_P256);
	tk = memsigner_new(TA_KEY_EC_P256);
	sk = memsigner_new(TA_KEY_EC_P256);
	if (rk == NULL || tk == NULL || sk == NULL)
		return fail("keys", TA_ERR_CRYPTO);
	if ((r = ta_x509_make_root(&rk->signer, argv[3], TA_X509_DEFAULT_DAYS, now, &der,
		 &der_len)) != 0)
		return fail("root certificate", r);
	if ((r = ta_key_from_cert(der, der_len, &rootkey)) != 0 ||
	    (r = ta_key_from_spki(TA_PROFILE_NOTARY, tk->spki, tk->spki_len, &tkey)) != 0 ||
	    (r = ta_key_from_spki(TA_PROFILE_NOTARY, sk->spki, sk->spki_len, &skey)) != 0 ||
	    (r = ta_key_from_json(TA_PROFILE_NOTARY, ts, &tskey)) != 0)
		return fail("key objects", r);

	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_ROOT, now + 10 * YEAR, &root)) != 0 ||
	    (r = ta_meta_root_add_ta_key(root, "root", rootkey)) != 0 ||
	    (r = ta_meta_root_add_ta_key(root, "targets", tkey)) != 0 ||
	    (r = ta_meta_root_add_ta_key(root, "snapshot", skey)) != 0 ||
	    (r = ta_meta_root_add_ta_key(root, "timestamp", tskey)) != 0 ||
	    (r = ta_meta_sign(root, rootkey, &rk->signer, NULL)) != 0 ||
	    (r = save(argv[2], "root.json", root, &rb, &rlen)) != 0)
		return fail("root", r);

	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_TARGETS, now + 3 * YEAR, &targets)) != 0)
		return fail("targets", r);
	for (int i = 5; i < argc; i++) {
		struct ta_target_hashes h = { .has_sha256 = true };
		char name[256];
		long long size;
		char hex[65];

		if (sscanf(argv[i], "%255[^=]=%lld:%64s", name, &size, hex) != 3 ||
		    hexbytes(hex, h.sha256, 32) != 0)
			return fail(argv[i], TA_ERR_INVALID);
		if ((r = ta_meta_target_add(targets, name, size, &h, NULL)) != 0)
			return fail(argv[i], r);
	}
	if ((r = ta_meta_sign(targets, tkey, &tk->signer, NULL)) != 0 ||
	    (r = save(argv[2], "targets.json", targets, &tb, &tlen)) != 0)
		return fail("targets", r);

	if ((r = ta_meta_new(TA_PROFILE_NOTARY, TA_ROLE_SNAPSHOT, now + 3 * YEAR, &snap)) != 0 ||
	    (r = ta_meta_set_file(snap, "root", rb, rlen, 1)) != 0 ||
	    (r = ta_meta_set_file(snap, "targets", tb, tlen, 1)) != 0 ||
	    (r = ta_meta_sign(snap, skey, &sk->signer, NULL)) != 0 ||
	    (r = save(argv[2], "snapshot.json", snap, &sb, &slen)) != 0)
		return fail("snapshot", r);

	printf("root key %s (certificate CN=%s)\n", ta_key_id(rootkey), argv[3]);
	ta_meta_free(root);
	ta_meta_free(targets);
	ta_meta_free(snap);
	ta_key_free(rootkey);
	ta_key_free(tkey);
	ta_key_free(skey);
	ta_key_free(tskey);
	memsigner_free(rk);
	memsigner_free(tk);
	memsigner_free(sk);
	json_decref(ts);
	free(der);
	free(rb);
	free(tb);
	free(sb);
	return 0;
}
