/* A small TUF 1.0 repository in memory (tests/tools/tufrepo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/hex.h"
#include "tests/tools/tufrepo.h"
#include "tuf/bins.h"
#include "tuf/sign.h"
#include "tuf/updater.h"

#define DAY ((time_t)86400)

int
trepo_keys_new(struct trepo_keys *k)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < TREPO_KEYS; i++) {
		int r;

		if ((k->ms[i] = memsigner_new(TA_KEY_ED25519)) == NULL)
			return TA_ERR_CRYPTO;
		if ((r = ta_key_from_spki(TA_PROFILE_TUF, k->ms[i]->spki, k->ms[i]->spki_len,
			 &k->k[i])) != 0)
			return r;
	}
	return 0;
}

void
trepo_keys_free(struct trepo_keys *k)
{
	for (int i = 0; i < TREPO_KEYS; i++) {
		ta_key_free(k->k[i]);
		memsigner_free(k->ms[i]);
	}
	memset(k, 0, sizeof(*k));
}

void
trepo_free(struct trepo *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->files[i].data);
	r->n = 0;
}

struct trepo_file *
trepo_get(struct trepo *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->files[i].name, name) == 0)
			return &r->files[i];
	return NULL;
}

int
trepo_put(struct trepo *r, const char *name, const uint8_t *data, size_t len)
{
	struct trepo_file *f = trepo_get(r, name);
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL)
		return TA_ERR_NOMEM;
	memcpy(copy, data, len);
	if (f == NULL) {
		if (r->n == TREPO_FILES) {
			free(copy);
			return TA_ERR_TOO_LARGE;
		}
		f = &r->files[r->n++];
		(void)snprintf(f->name, sizeof(f->name), "%s", name);
	} else {
		free(f->data);
	}
	f->data = copy;
	f->len = len;
	return 0;
}

int
trepo_remove(struct trepo *r, const char *name)
{
	struct trepo_file *f = trepo_get(r, name);

	if (f == NULL)
		return TA_ERR_NOT_FOUND;
	free(f->data);
	*f = r->files[--r->n];
	return 0;
}

int
trepo_copy(struct trepo *dst, const struct trepo *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++) {
		int r = trepo_put(dst, src->files[i].name, src->files[i].data, src->files[i].len);

		if (r != 0)
			return r;
	}
	return 0;
}

int
trepo_fetch(void *ctx, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	struct trepo *r = ctx;
	struct trepo_file *f = trepo_get(r, name);

	r->fetches++;
	if (f == NULL)
		return TA_ERR_NOT_FOUND;
	if (f->len > max)
		return TA_ERR_TOO_LARGE;
	if ((*ret = malloc(f->len ? f->len : 1)) == NULL)
		return TA_ERR_NOMEM;
	memcpy(*ret, f->data, f->len);
	*ret_len = f->len;
	return 0;
}

/* ---- building ------------------------------------------------------------ */

struct build {
	struct trepo *r;
	const struct trepo_keys *k;
	const struct trepo_opts *o;
};

/* Tweaks, signs with the keys in mask and stores m under its file name:
 * prefix "V." when versioned. */
static int
emit(struct build *b, const char *role, struct ta_meta *m, unsigned mask, bool versioned,
    const char *base)
{
	char name[1300];
	uint8_t *out = NULL;
	size_t len;
	int r;

	if (b->o->tweak != NULL)
		b->o->tweak(b->o->arg, role, ta_meta_version(m), m, 0);
	for (int i = 0; i < TREPO_KEYS; i++)
		if ((mask & (1u << i)) != 0 &&
		    (r = ta_meta_sign(m, b->k->k[i], &b->k->ms[i]->signer, NULL)) != 0)
			return r;
	if (b->o->tweak != NULL)
		b->o->tweak(b->o->arg, role, ta_meta_version(m), m, 1);
	if ((r = ta_meta_write(m, &out, &len)) != 0)
		return r;
	if (versioned)
		(void)snprintf(name, sizeof(name), "%lld.%s", (long long)ta_meta_version(m), base);
	else
		(void)snprintf(name, sizeof(name), "%s", base);
	r = trepo_put(b->r, name, out, len);
	free(out);
	return r;
}

static int
root_version(struct build *b, int v)
{
	static const unsigned keys[4] = { 0, 1u << 0, 1u << 0 | 1u << 7, 1u << 7 | 1u << 8 };
	static const unsigned signers[4] = { 0, 1u << 0, 1u << 0 | 1u << 7,
		1u << 0 | 1u << 7 | 1u << 8 };
	const struct trepo_opts *o = b->o;
	time_t exp = o->root_expires[v] ? o->root_expires[v] : o->now + 365 * DAY;
	struct ta_meta *m = NULL;
	int r, n = 0;

	if ((r = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_ROOT, exp, &m)) != 0)
		return r;
	for (int i = 0; r == 0 && i < TREPO_KEYS; i++)
		if ((keys[v] & (1u << i)) != 0) {
			r = ta_meta_root_add_ta_key(m, "root", b->k->k[i]);
			n++;
		}
	if (r == 0)
		r = ta_meta_set_version(m, v);
	if (r == 0)
		r = ta_meta_root_set_threshold(m, "root", n);
	if (r == 0 && (r = ta_meta_root_add_ta_key(m, "targets", b->k->k[1])) == 0 &&
	    (r = ta_meta_root_add_ta_key(m, "snapshot", b->k->k[2])) == 0 &&
	    (r = ta_meta_root_add_ta_key(m, "timestamp", b->k->k[3])) == 0 &&
	    json_object_set_new(m->signed_v, "consistent_snapshot",
		json_boolean(o->consistent)) != 0)
		r = TA_ERR_NOMEM;
	if (r == 0)
		r = emit(b, "root", m, o->root_signers[v] ? o->root_signers[v] : signers[v], true,
		    "root.json");
	if (r == 0 && v == (o->nroots ? o->nroots : 1)) { /* the newest also as root.json */
		char name[32];
		struct trepo_file *f;

		(void)snprintf(name, sizeof(name), "%d.root.json", v);
		f = trepo_get(b->r, name);
		r = trepo_put(b->r, "root.json", f->data, f->len);
	}
	ta_meta_free(m);
	return r;
}

/* Adds a target (and its file) to m. */
static int
add_target(struct build *b, struct ta_meta *m, const char *path)
{
	struct ta_target_hashes h = { .has_sha256 = true, .has_sha512 = true };
	char content[1200], name[1300], hex[65];
	const char *base = strrchr(path, '/');
	size_t len;
	int r;

	len = (size_t)snprintf(content, sizeof(content), "content of %s\n", path);
	if (EVP_Digest(content, len, h.sha256, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(content, len, h.sha512, NULL, EVP_sha512(), NULL) != 1)
		return TA_ERR_CRYPTO;
	if ((r = ta_meta_target_add(m, path, (int64_t)len, &h, NULL)) != 0)
		return r;
	ta_hex(hex, h.sha256, 32);
	base = base ? base + 1 : path;
	if (b->o->consistent)
		(void)snprintf(name, sizeof(name), "targets/%.*s%s.%s", (int)(base - path), path,
		    hex, base);
	else
		(void)snprintf(name, sizeof(name), "targets/%s", path);
	return trepo_put(b->r, name, (const uint8_t *)content, len);
}

static int
delegate(struct ta_meta *m, const char *name, const struct ta_key *k, const char *path,
    bool terminating)
{
	const char *ids[1] = { ta_key_id(k) };
	json_t *obj = NULL;
	int r;

	if ((r = ta_key_to_json(k, &obj)) != 0)
		return r;
	r = ta_meta_delegation_set(m, name, ids, (const json_t *const *)&obj, 1, 1, &path, 1,
	    false, terminating);
	json_decref(obj);
	return r;
}

static int
new_targets(struct build *b, struct ta_meta **ret)
{
	return ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TARGETS,
	    b->o->expires ? b->o->expires : b->o->now + 30 * DAY, ret);
}

/* A delegated role listing path, signed by key ki, stored and listed in
 * snap. */
static int
leaf(struct build *b, struct ta_meta *snap, const char *name, int ki, const char *path,
    struct ta_meta *m)
{
	char enc[800], base[820];
	struct trepo_file *f;
	int r;

	if (path != NULL && (r = add_target(b, m, path)) != 0)
		return r;
	if ((r = ta_updater_encode_role(name, enc, sizeof(enc))) != 0)
		return r;
	(void)snprintf(base, sizeof(base), "%s.json", enc);
	if ((r = emit(b, name, m, 1u << ki, b->o->consistent, base)) != 0)
		return r;
	if (b->o->consistent)
		(void)snprintf(base, sizeof(base), "%lld.%s.json", (long long)ta_meta_version(m),
		    enc);
	f = trepo_get(b->r, base);
	return ta_meta_set_file(snap, name, f->data, f->len, ta_meta_version(m));
}

static int
delegations(struct build *b, struct ta_meta *targets, struct ta_meta *snap)
{
	struct ta_meta *proj = NULL, *nightly = NULL, *hashed = NULL, *fallback = NULL;
	json_t *d;
	uint8_t md[32];
	char hex[65];
	int r;

	if ((r = new_targets(b, &nightly)) == 0)
		r = leaf(b, snap, "proj-nightly", 5, "proj/nightly-1.tgz", nightly);
	if (r == 0 && (r = new_targets(b, &proj)) == 0 &&
	    (r = add_target(b, proj, "proj/x.tgz")) == 0 &&
	    (r = delegate(proj, "proj-nightly", b->k->k[5], "proj/nightly-*", true)) == 0)
		r = leaf(b, snap, "proj", 4, NULL, proj);
	if (r == 0 && (r = new_targets(b, &hashed)) == 0)
		r = leaf(b, snap, "hashed", 6, "h/one", hashed);
	if (r == 0 && (r = new_targets(b, &fallback)) == 0 &&
	    (r = add_target(b, fallback, "proj/nightly-2.tgz")) == 0)
		r = leaf(b, snap, "fallback", 6, "other/z", fallback);
	if (r == 0 && (r = delegate(targets, "proj", b->k->k[4], "proj/*", false)) == 0 &&
	    (r = delegate(targets, "hashed", b->k->k[6], "unused", false)) == 0)
		r = delegate(targets, "fallback", b->k->k[6], "*/*", false);
	if (r == 0) {
		/* "hashed" by path_hash_prefixes instead of paths. */
		json_t *e = json_array_get(json_object_get(json_object_get(targets->signed_v,
					      "delegations"), "roles"), 1);

		(void)EVP_Digest("h/one", 5, md, NULL, EVP_sha256(), NULL);
		ta_hex(hex, md, 32);
		hex[3] = '\0';
		d = json_pack("[s]", hex);
		if (d == NULL || json_object_del(e, "paths") != 0 ||
		    json_object_set_new(e, "path_hash_prefixes", d) != 0)
			r = TA_ERR_NOMEM;
	}
	ta_meta_free(proj);
	ta_meta_free(nightly);
	ta_meta_free(hashed);
	ta_meta_free(fallback);
	return r;
}

static int
bins(struct build *b, struct ta_meta *targets, struct ta_meta *snap)
{
	json_t *d = json_object_get(targets->signed_v, "delegations"), *kobj = NULL;
	int64_t mine = ta_bins_for_path(2, "b/file1");
	int r;

	if (d == NULL) {
		d = json_pack("{s:{}}", "keys");
		if (d == NULL || json_object_set_new(targets->signed_v, "delegations", d) != 0)
			return TA_ERR_NOMEM;
	}
	if ((r = ta_key_to_json(b->k->k[6], &kobj)) != 0)
		return r;
	if (json_object_set_new(json_object_get(d, "keys"), ta_key_id(b->k->k[6]), kobj) != 0 ||
	    (json_object_get(d, "roles") != NULL && json_object_del(d, "roles") != 0) ||
	    json_object_set_new(d, "succinct_roles", json_pack("{s:[s], s:i, s:i, s:s}", "keyids",
		ta_key_id(b->k->k[6]), "threshold", 1, "bit_length", 2, "name_prefix", "bins")))
		return TA_ERR_NOMEM;
	for (uint32_t i = 0; r == 0 && i < 4; i++) {
		struct ta_meta *m = NULL;
		char name[32];

		if ((r = ta_bins_name("bins", 2, i, name, sizeof(name))) == 0 &&
		    (r = new_targets(b, &m)) == 0)
			r = leaf(b, snap, name, 6, (int64_t)i == mine ? "b/file1" : NULL, m);
		ta_meta_free(m);
	}
	return r;
}

int
trepo_build(struct trepo *r, const struct trepo_keys *k, const struct trepo_opts *o)
{
	struct build b = { .r = r, .k = k, .o = o };
	struct ta_meta *targets = NULL, *snap = NULL, *ts = NULL;
	time_t exp = o->expires ? o->expires : o->now + 30 * DAY;
	struct trepo_file *f;
	char name[64];
	int rc = 0;

	trepo_free(r);
	for (int v = 1; rc == 0 && v <= (o->nroots ? o->nroots : 1); v++)
		rc = root_version(&b, v);
	if (rc == 0)
		rc = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_SNAPSHOT, exp, &snap);
	if (rc == 0 && (rc = new_targets(&b, &targets)) == 0)
		rc = add_target(&b, targets, "a.txt");
	if (rc == 0 && o->delegations)
		rc = delegations(&b, targets, snap);
	if (rc == 0 && o->bins)
		rc = bins(&b, targets, snap);
	if (rc == 0 && (rc = emit(&b, "targets", targets, 1u << 1, o->consistent,
			    "targets.json")) == 0) {
		(void)snprintf(name, sizeof(name), o->consistent ? "%lld.targets.json" :
		    "targets.json", (long long)ta_meta_version(targets));
		f = trepo_get(r, name);
		rc = ta_meta_set_file(snap, "targets", f->data, f->len, ta_meta_version(targets));
	}
	if (rc == 0 && (rc = emit(&b, "snapshot", snap, 1u << 2, o->consistent,
			    "snapshot.json")) == 0) {
		(void)snprintf(name, sizeof(name), o->consistent ? "%lld.snapshot.json" :
		    "snapshot.json", (long long)ta_meta_version(snap));
		f = trepo_get(r, name);
		if ((rc = ta_meta_new(TA_PROFILE_TUF, TA_ROLE_TIMESTAMP, exp, &ts)) == 0 &&
		    (rc = ta_meta_set_file(ts, "snapshot", f->data, f->len,
			 ta_meta_version(snap))) == 0)
			rc = emit(&b, "timestamp", ts, 1u << 3, false, "timestamp.json");
	}
	ta_meta_free(targets);
	ta_meta_free(snap);
	ta_meta_free(ts);
	return rc;
}
