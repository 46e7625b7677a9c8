/* sig-tool: test helper that makes and checks signatures with tuf/key.h and
 * tuf/sig.h, for tests/integration/sslib-interop.sh.
 *
 *	sig-tool sign PROFILE TYPE COUNT DOC
 *		makes an in-memory key of TYPE (ecdsa-p256, rsa-2048, ed25519 ...,
 *		common/keytype.h names), signs the canonical bytes of the JSON
 *		document DOC COUNT times and prints one JSON object:
 *		{"key":<key object>,"keyid":..,"keyid_sslib026":..,
 *		 "canonical_hex":..,"signatures":[<signature object>,...]}
 *	sig-tool verify PROFILE KEY SIGS DOC
 *		reads a key object (KEY), a signature object or an array of them
 *		(SIGS) and DOC, and verifies every signature over the canonical
 *		bytes of DOC; prints "ok N" or one "sig I: TA_ERR_..." line per
 *		failure on stderr
 *	sig-tool keyid PROFILE KEY
 *		prints the key's ID and (tuf) its securesystemslib 0.26 ID
 *
 * Files are JSON read with ta_json_parse() in the profile.  Exit status 0
 * on success, 1 when something is refused or does not verify, 2 on usage
 * errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "tests/tools/memsigner.h"
#include "tuf/canon.h"
#include "tuf/encoding.h"
#include "tuf/json.h"
#include "tuf/key.h"
#include "tuf/sig.h"

static int
read_json(const char *path, enum ta_profile profile, json_t **ret)
{
	struct ta_json_error err;
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t len = 0, cap = 0, n;
	int r = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		return TA_ERR_SYSTEM;
	}
	do {
		if (len == cap) {
			uint8_t *np = realloc(p, cap = cap ? 2 * cap : 65536);

			if (np == NULL || cap > TA_JSON_MAX) {
				free(np != NULL ? np : p);
				fclose(f);
				return TA_ERR_NOMEM;
			}
			p = np;
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if ((r = ta_json_parse(p, len, profile, ret, &err)) != 0)
		fprintf(stderr, "%s: %s\n", path, err.text);
	free(p);
	return r;
}

static int
canonical(const char *path, enum ta_profile profile, uint8_t **ret, size_t *ret_len)
{
	json_t *doc = NULL;
	int r;

	if ((r = read_json(path, profile, &doc)) != 0)
		return r;
	r = ta_canon_write(doc, profile, ret, ret_len);
	json_decref(doc);
	return r;
}

static int
cmd_sign(enum ta_profile profile, const char *type_name, long count, const char *path)
{
	enum ta_key_type type = ta_key_type_from_name(type_name);
	struct memsigner *m = NULL;
	struct ta_key *key = NULL;
	json_t *out = NULL, *sigs = NULL, *kj = NULL;
	uint8_t *msg = NULL;
	size_t len = 0;
	char *hex = NULL;
	int r;

	if (type == TA_KEY_NONE || count < 1 || count > 100000)
		return TA_ERR_INVALID;
	if ((m = memsigner_new(type)) == NULL)
		return TA_ERR_CRYPTO;
	if ((r = canonical(path, profile, &msg, &len)) != 0 ||
	    (r = ta_key_from_spki(profile, m->spki, m->spki_len, &key)) != 0 ||
	    (r = ta_key_to_json(key, &kj)) != 0 || (r = ta_hex_encode(msg, len, &hex)) != 0)
		goto out;
	if ((sigs = json_array()) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	for (long i = 0; i < count; i++) {
		struct ta_sig s;
		json_t *sj = NULL;

		if ((r = ta_sig_make(key, &m->signer, msg, len, &s)) != 0 ||
		    (r = ta_sig_to_json(&s, &sj)) != 0)
			goto out;
		json_array_append_new(sigs, sj);
	}
	out = json_pack("{s:O, s:s, s:s?, s:s, s:O}", "key", kj, "keyid", ta_key_id(key),
	    "keyid_sslib026", ta_key_sslib026_id(key), "canonical_hex", hex, "signatures", sigs);
	if (out == NULL || json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS) != 0) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	putchar('\n');
out:
	json_decref(out);
	json_decref(sigs);
	json_decref(kj);
	free(hex);
	free(msg);
	ta_key_free(key);
	memsigner_free(m);
	return r;
}

static int
load_key(enum ta_profile profile, const char *path, struct ta_key **ret)
{
	json_t *kj = NULL;
	int r;

	if ((r = read_json(path, profile, &kj)) != 0)
		return r;
	if ((r = ta_key_from_json(profile, kj, ret)) != 0)
		fprintf(stderr, "%s: key refused: %s\n", path, ta_errname(r));
	json_decref(kj);
	return r;
}

static int
cmd_verify(enum ta_profile profile, const char *key_path, const char *sig_path,
    const char *doc_path)
{
	struct ta_key *key = NULL;
	json_t *sj = NULL, *arr = NULL;
	uint8_t *msg = NULL;
	size_t len = 0, bad = 0;
	int r;

	if ((r = load_key(profile, key_path, &key)) != 0 ||
	    (r = read_json(sig_path, profile, &sj)) != 0 ||
	    (r = canonical(doc_path, profile, &msg, &len)) != 0)
		goto out;
	if (json_is_array(sj)) {
		arr = json_incref(sj);
	} else if ((arr = json_array()) == NULL || json_array_append(arr, sj) != 0) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		struct ta_sig s;
		int v = ta_sig_from_json(profile, json_array_get(arr, i), &s);

		if (v == 0)
			v = ta_sig_verify(key, &s, msg, len);
		if (v != 0) {
			fprintf(stderr, "sig %zu: %s\n", i, ta_errname(v));
			bad++;
			r = v;
		}
	}
	if (bad == 0)
		printf("ok %zu\n", json_array_size(arr));
out:
	json_decref(arr);
	json_decref(sj);
	free(msg);
	ta_key_free(key);
	return r;
}

static int
cmd_keyid(enum ta_profile profile, const char *path)
{
	struct ta_key *key = NULL;
	int r;

	if ((r = load_key(profile, path, &key)) != 0)
		return r;
	printf("%s %s\n", ta_key_id(key),
	    ta_key_sslib026_id(key) != NULL ? ta_key_sslib026_id(key) : "-");
	ta_key_free(key);
	return 0;
}

int
main(int argc, char **argv)
{
	enum ta_profile profile;
	int r;

	if (argc < 4 || ta_profile_from_name(argv[2], &profile) != 0)
		goto usage;
	if (strcmp(argv[1], "sign") == 0 && argc == 6)
		r = cmd_sign(profile, argv[3], strtol(argv[4], NULL, 10), argv[5]);
	else if (strcmp(argv[1], "verify") == 0 && argc == 6)
		r = cmd_verify(profile, argv[3], argv[4], argv[5]);
	else if (strcmp(argv[1], "keyid") == 0 && argc == 4)
		r = cmd_keyid(profile, argv[3]);
	else
		goto usage;
	if (r != 0)
		fprintf(stderr, "sig-tool: %s (%s)\n", ta_errname(r), ta_strerror(r));
	return r == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: sig-tool sign PROFILE TYPE COUNT DOC\n"
			"       sig-tool verify PROFILE KEY SIGS DOC\n"
			"       sig-tool keyid PROFILE KEY\n");
	return 2;
}
