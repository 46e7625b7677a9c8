/* Token keys: lookup by label, key ID or URI across the configured tokens,
 * key IDs and objects, and a signer on the token. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/keys.h"
#include "agent/server.h"
#include "common/err.h"

void
ta_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* ---- PKCS#11 URIs ---------------------------------------------------------- */

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes len bytes at s into out (outlen bytes with the NUL). */
static int
pct_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = unhex(s[i + 1])) < 0 || (lo = unhex(s[i + 2])) < 0)
				return TA_ERR_INVALID;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return TA_ERR_INVALID;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Sets the attribute named by nlen bytes at name, if it is one we match
 * tokens on, from vlen percent-encoded bytes at val. */
static int
uri_attr(struct ta_uri_token *u, const char *name, size_t nlen, const char *val, size_t vlen)
{
	const struct {
		const char *name;
		char *dst;
		size_t size;
		bool *has;
	} attrs[] = {
	    {"token", u->token, sizeof(u->token), &u->has_token},
	    {"serial", u->serial, sizeof(u->serial), &u->has_serial},
	    {"manufacturer", u->manufacturer, sizeof(u->manufacturer), &u->has_manufacturer},
	    {"model", u->model, sizeof(u->model), &u->has_model},
	};

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (strlen(attrs[i].name) != nlen || memcmp(attrs[i].name, name, nlen) != 0)
			continue;
		if (pct_decode(val, vlen, attrs[i].dst, attrs[i].size) != 0)
			return TA_ERR_INVALID;
		*attrs[i].has = true;
		return 0;
	}
	return 0; /* object=, id=, type=, ...: not about the token */
}

int
ta_uri_token_parse(const char *uri, struct ta_uri_token *ret)
{
	struct ta_uri_token u;
	const char *seg, *end, *next, *eq;

	if (strncmp(uri, "pkcs11:", 7) != 0)
		return TA_ERR_INVALID;
	memset(&u, 0, sizeof(u));
	seg = uri + 7;
	end = seg + strcspn(seg, "?"); /* the query holds pin-source etc. */
	for (; seg < end; seg = next + 1) {
		if ((next = memchr(seg, ';', (size_t)(end - seg))) == NULL)
			next = end;
		eq = memchr(seg, '=', (size_t)(next - seg));
		if (eq != NULL &&
		    uri_attr(&u, seg, (size_t)(eq - seg), eq + 1, (size_t)(next - eq - 1)) != 0)
			return TA_ERR_INVALID;
	}
	*ret = u;
	return 0;
}

bool
ta_uri_token_match(const struct ta_uri_token *u, const char *label, const char *serial,
    const char *manufacturer, const char *model)
{
	return (!u->has_token || strcmp(u->token, label) == 0) &&
	       (!u->has_serial || strcmp(u->serial, serial) == 0) &&
	       (!u->has_manufacturer || strcmp(u->manufacturer, manufacturer) == 0) &&
	       (!u->has_model || strcmp(u->model, model) == 0);
}

/* Appends s percent-encoded (RFC 7512: everything but unreserved
 * characters) to out. */
static void
pct_append(char *out, size_t outlen, const uint8_t *s, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = strlen(out);

	for (size_t i = 0; i < len && o + 4 < outlen; i++) {
		int c = s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 0xf];
		}
	}
	out[o] = '\0';
}

/* ---- PKCS#11 URIs of keys ------------------------------------------------------- */

/* What a key URI names: object= (the label) and id= (CKA_ID bytes). */
struct uri_object {
	bool has_object, has_id;
	char object[TA_P11_LABEL_MAX + 1];
	uint8_t id[TA_P11_ID_MAX];
	size_t id_len;
};

/* Percent-decodes len bytes at s into bytes (any byte value), cap at most. */
static int
pct_decode_bytes(const char *s, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = unhex(s[i + 1])) < 0 || (lo = unhex(s[i + 2])) < 0)
				return TA_ERR_INVALID;
			c = hi << 4 | lo;
			i += 2;
		}
		if (o >= cap)
			return TA_ERR_INVALID;
		out[o++] = (uint8_t)c;
	}
	*ret_len = o;
	return 0;
}

/* The object attributes of a key URI, as p11-kit reads them: path
 * attributes object= and id=; a pin-value in the query is refused (PINs do
 * not travel in URIs), as is a URI that names no object (the agent never
 * picks "a" key).  An object= longer than any label the cache keeps
 * cannot name one of its keys: refused too. */
static int
uri_object_parse(const char *uri, struct uri_object *ret)
{
	struct uri_object o;
	const char *seg, *end, *next, *eq;

	memset(&o, 0, sizeof(o));
	seg = uri + 7;
	end = seg + strcspn(seg, "?");
	for (; seg < end; seg = next + 1) {
		size_t nlen, vlen;

		if ((next = memchr(seg, ';', (size_t)(end - seg))) == NULL)
			next = end;
		if ((eq = memchr(seg, '=', (size_t)(next - seg))) == NULL)
			continue;
		nlen = (size_t)(eq - seg);
		vlen = (size_t)(next - eq - 1);
		if (nlen == 6 && memcmp(seg, "object", 6) == 0) {
			if (pct_decode(eq + 1, vlen, o.object, sizeof(o.object)) != 0)
				return TA_ERR_INVALID;
			o.has_object = true;
		} else if (nlen == 2 && memcmp(seg, "id", 2) == 0) {
			if (pct_decode_bytes(eq + 1, vlen, o.id, sizeof(o.id), &o.id_len) != 0)
				return TA_ERR_INVALID;
			o.has_id = true;
		}
	}
	if (*end == '?' &&
	    (strstr(end, "?pin-value=") == end || strstr(end, "&pin-value=") != NULL))
		return TA_ERR_INVALID;
	if (!o.has_object && !o.has_id)
		return TA_ERR_INVALID;
	*ret = o;
	return 0;
}

/* ---- keys -------------------------------------------------------------------- */

void
ta_tkey_clear(struct ta_tkey *tk)
{
	if (tk == NULL)
		return;
	ta_keyset_unref(tk->ks);
	memset(tk, 0, sizeof(*tk));
}

void
ta_tkey_failed(const struct ta_tkey *tk, int r)
{
	if (r == TA_ERR_KEY_NOT_FOUND && tk->kc != NULL)
		ta_keycache_drop(tk->kc);
}

static bool
is_keyid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == TA_KEY_ID_LEN;
}

static bool
keyid_matches(const struct ta_ckey *ck, const char *id)
{
	return strcasecmp(ck->notary_id, id) == 0 || strcasecmp(ck->tuf_id, id) == 0 ||
	       (ck->x509_id[0] != '\0' && strcasecmp(ck->x509_id, id) == 0);
}

/* What a lookup asks for. */
struct spec {
	const char *s;
	bool uri, by_id;
	struct ta_uri_token tok;
	struct uri_object obj;
};

/* The tally of a lookup over the tokens' sets. */
struct tally {
	size_t nfound;
	size_t tok;               /* of the first found */
	const struct ta_ckey *ck; /* the first found */
	bool absent, locked;
	int other;
};

static bool
spec_token_matches(const struct spec *sp, const struct ta_keyset *ks)
{
	return !sp->uri ||
	       ta_uri_token_match(&sp->tok, ks->label, ks->serial, ks->manufacturer, ks->model);
}

static bool
spec_key_matches(const struct spec *sp, const struct ta_ckey *ck)
{
	if (sp->by_id)
		return ck->ids_r == 0 && keyid_matches(ck, sp->s);
	if (!sp->uri)
		return strcmp(ck->key.label, sp->s) == 0;
	return (!sp->obj.has_object || strcmp(ck->key.label, sp->obj.object) == 0) &&
	       (!sp->obj.has_id || (ck->key.id_len == sp->obj.id_len &&
				       memcmp(ck->key.id, sp->obj.id, sp->obj.id_len) == 0));
}

/* Counts the keys of one token's set that spec names. */
static void
tally_set(const struct spec *sp, size_t tok, const struct ta_keyset *ks, struct tally *t)
{
	size_t before = t->nfound;

	if (!spec_token_matches(sp, ks))
		return;
	for (size_t k = 0; k < ks->n; k++) {
		const struct ta_ckey *ck = &ks->keys[k];

		if (!spec_key_matches(sp, ck))
			continue;
		if (ck->ids_r != 0) { /* named by label or URI, but unusable */
			t->other = ck->ids_r;
			continue;
		}
		if (t->nfound++ == 0) {
			t->tok = tok;
			t->ck = ck;
		}
	}
	if (t->nfound == before && ks->locked)
		t->locked = true;
}

static void
tally_err(struct tally *t, int r)
{
	switch (r) {
	case TA_ERR_TOKEN_ABSENT:
	case TA_ERR_TOKEN_NOT_INIT:
		t->absent = true;
		break;
	case TA_ERR_NOT_LOGGED_IN:
		t->locked = true;
		break;
	default:
		t->other = r;
		break;
	}
}

static void
tally_all(const struct spec *sp, size_t n, struct ta_keyset *const *sets, const int *errs,
    struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		if (sets[i] != NULL)
			tally_set(sp, i, sets[i], t);
		else
			tally_err(t, errs[i]);
	}
}

int
ta_tkey_find(const struct ta_job_token *toks, size_t n, const char *spec, struct ta_tkey *ret)
{
	struct ta_keyset *sets[TA_CFG_MAX_TOKENS] = {0};
	int errs[TA_CFG_MAX_TOKENS] = {0};
	struct spec sp = {.s = spec};
	struct tally t;
	bool refreshed = false;
	int r;

	if (n > TA_CFG_MAX_TOKENS)
		return TA_ERR_INVALID;
	sp.uri = strncmp(spec, "pkcs11:", 7) == 0;
	sp.by_id = !sp.uri && is_keyid(spec);
	if (sp.uri &&
	    (ta_uri_token_parse(spec, &sp.tok) != 0 || uri_object_parse(spec, &sp.obj) != 0))
		return TA_ERR_INVALID;
	if (!sp.uri && !sp.by_id && (spec[0] == '\0' || strlen(spec) > TA_P11_LABEL_MAX))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (toks[i].p11 == NULL)
			errs[i] = TA_ERR_TOKEN_ABSENT;
		else if ((r = ta_keycache_get(toks[i].kc, toks[i].p11, &sets[i])) != 0)
			errs[i] = r;
	}
	tally_all(&sp, n, sets, errs, &t);
	/* Nothing: perhaps a key made behind the agent's back.  List the
	 * tokens it could be on again, once. */
	for (size_t i = 0; t.nfound == 0 && i < n; i++) {
		struct ta_keyset *fresh = NULL;

		if (sets[i] == NULL || !spec_token_matches(&sp, sets[i]))
			continue;
		r = ta_keycache_miss(toks[i].kc, toks[i].p11, sets[i], &fresh);
		if (r == 1) {
			ta_keyset_unref(sets[i]);
			sets[i] = fresh;
			refreshed = true;
		}
	}
	if (refreshed)
		tally_all(&sp, n, sets, errs, &t);
	if (t.nfound == 1) {
		memset(ret, 0, sizeof(*ret));
		ret->tok = t.tok;
		ret->p11 = toks[t.tok].p11;
		ret->kc = toks[t.tok].kc;
		ret->ks = sets[t.tok];
		ret->ck = t.ck;
		ret->verify = toks[t.tok].verify;
		sets[t.tok] = NULL; /* the reference moves to ret */
	}
	for (size_t i = 0; i < n; i++)
		ta_keyset_unref(sets[i]);
	if (t.nfound == 1)
		return 0;
	if (t.nfound > 1)
		return TA_ERR_AMBIGUOUS;
	if (t.other == TA_ERR_INVALID)
		return TA_ERR_INVALID;
	if (t.absent)
		return TA_ERR_TOKEN_ABSENT;
	if (t.locked)
		return TA_ERR_NOT_LOGGED_IN;
	return t.other != 0 ? t.other : TA_ERR_KEY_NOT_FOUND;
}

int
ta_ckey_json(const struct ta_ckey *ck, const char *token_name, const char *token_label,
    const char *serial, json_t **ret)
{
	char uri[512] = "pkcs11:token=";
	const char *type = ta_key_type_name(ck->key.type);
	json_t *o = NULL, *ids = NULL;

	pct_append(uri, sizeof(uri), (const uint8_t *)token_label, strlen(token_label));
	(void)strncat(uri, ";serial=", sizeof(uri) - strlen(uri) - 1);
	pct_append(uri, sizeof(uri), (const uint8_t *)serial, strlen(serial));
	(void)strncat(uri, ";id=", sizeof(uri) - strlen(uri) - 1);
	for (size_t i = 0; i < ck->key.id_len; i++) {
		size_t o_ = strlen(uri);

		if (o_ + 4 < sizeof(uri))
			(void)snprintf(uri + o_, sizeof(uri) - o_, "%%%02X", ck->key.id[i]);
	}
	(void)strncat(uri, ";object=", sizeof(uri) - strlen(uri) - 1);
	pct_append(uri, sizeof(uri), (const uint8_t *)ck->key.label, strlen(ck->key.label));
	(void)strncat(uri, ";type=private", sizeof(uri) - strlen(uri) - 1);

	if (type == NULL)
		return TA_ERR_UNSUPPORTED;
	if ((o = json_object()) == NULL || (ids = json_object()) == NULL ||
	    json_object_set_new(o, "label", json_string(ck->key.label)) != 0 ||
	    json_object_set_new(o, "token", json_string(token_name)) != 0 ||
	    json_object_set_new(o, "uri", json_string(uri)) != 0 ||
	    json_object_set_new(o, "type", json_string(type)) != 0 ||
	    json_object_set_new(ids, "notary", json_string(ck->notary_id)) != 0 ||
	    json_object_set_new(ids, "tuf", json_string(ck->tuf_id)) != 0 ||
	    json_object_set(o, "keyids", ids) != 0 ||
	    json_object_set_new(o, "cert", json_boolean(ck->key.cert != NULL)) != 0) {
		json_decref(o);
		json_decref(ids);
		return TA_ERR_INVALID; /* a label that is not UTF-8 text, or no memory */
	}
	json_decref(ids);
	*ret = o;
	return 0;
}

const struct ta_key *
ta_ckey_key(const struct ta_ckey *ck, enum ta_profile profile, bool x509)
{
	if (profile == TA_PROFILE_NOTARY && x509 && ck->x509 != NULL)
		return ck->x509;
	return profile == TA_PROFILE_NOTARY ? ck->notary : ck->tuf;
}

static int
tsign(void *ctx, enum ta_sig_scheme scheme, const uint8_t *msg, size_t len, uint8_t sig[TA_SIG_MAX],
    size_t *ret_len)
{
	struct ta_tsigner *s = ctx;
	int r;

	if (s->since != NULL)
		atomic_store(s->since, ta_agent_now_ms());
	r = ta_p11_sign(s->p11, s->key, scheme, msg, len, NULL, sig, ret_len);
	if (s->since != NULL)
		atomic_store(s->since, 0);
	return r;
}

void
ta_tsigner_init(struct ta_tsigner *s, const struct ta_tkey *tk, atomic_llong *since)
{
	memset(s, 0, sizeof(*s));
	s->p11 = tk->p11;
	s->key = &tk->ck->key;
	s->since = since;
	s->signer.type = tk->ck->key.type;
	s->signer.spki = tk->ck->key.spki;
	s->signer.spki_len = tk->ck->key.spki_len;
	s->signer.sign = tsign;
	s->signer.ctx = s;
	s->signer.no_check = !tk->verify;
}
