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

/* ---- keys -------------------------------------------------------------------- */

void
ta_tkey_clear(struct ta_tkey *tk)
{
	if (tk == NULL)
		return;
	ta_p11_key_clear(&tk->key);
	memset(tk, 0, sizeof(*tk));
}

int
ta_tkey_ids(struct ta_tkey *tk)
{
	struct ta_key *k = NULL;
	int r;

	tk->notary_id[0] = tk->tuf_id[0] = tk->x509_id[0] = '\0';
	if (tk->key.spki == NULL || tk->key.type == TA_KEY_NONE)
		return TA_ERR_UNSUPPORTED;
	if ((r = ta_key_from_spki(TA_PROFILE_NOTARY, tk->key.spki, tk->key.spki_len, &k)) != 0)
		return r;
	(void)snprintf(tk->notary_id, sizeof(tk->notary_id), "%s", ta_key_id(k));
	ta_key_free(k);
	k = NULL;
	if ((r = ta_key_from_spki(TA_PROFILE_TUF, tk->key.spki, tk->key.spki_len, &k)) != 0)
		return r;
	(void)snprintf(tk->tuf_id, sizeof(tk->tuf_id), "%s", ta_key_id(k));
	ta_key_free(k);
	k = NULL;
	/* A certificate that does not parse is no x509 key; the key stays. */
	if (tk->key.cert != NULL && ta_key_from_cert(tk->key.cert, tk->key.cert_len, &k) == 0) {
		(void)snprintf(tk->x509_id, sizeof(tk->x509_id), "%s", ta_key_id(k));
		ta_key_free(k);
	}
	return 0;
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
keyid_matches(const struct ta_tkey *tk, const char *id)
{
	return strcasecmp(tk->notary_id, id) == 0 || strcasecmp(tk->tuf_id, id) == 0 ||
	       (tk->x509_id[0] != '\0' && strcasecmp(tk->x509_id, id) == 0);
}

static bool
token_locked(struct ta_p11_token *p11)
{
	struct ta_p11_token_info in;

	return ta_p11_token_info(p11, &in) == 0 && (in.flags & TA_TOK_LOGIN_REQUIRED) &&
	       !(in.flags & TA_TOK_LOGGED_IN);
}

/* Looks for spec (a key ID) among every key of one token. */
static int
find_by_id(
    struct ta_p11_token *p11, size_t tok, const char *spec, struct ta_tkey *found, size_t *nfound)
{
	struct ta_p11_key *keys = NULL;
	size_t n = 0;
	int r;

	if ((r = ta_p11_key_list(p11, &keys, &n)) != 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		struct ta_tkey tk = {.tok = tok, .p11 = p11, .key = keys[k]};

		memset(&keys[k], 0, sizeof(keys[k]));
		if (ta_tkey_ids(&tk) != 0 || !keyid_matches(&tk, spec)) {
			ta_tkey_clear(&tk);
			continue;
		}
		if ((*nfound)++ == 0)
			*found = tk;
		else
			ta_tkey_clear(&tk);
	}
	ta_p11_keys_free(keys, n);
	if (*nfound == 0 && token_locked(p11))
		return TA_ERR_NOT_LOGGED_IN;
	return 0;
}

int
ta_tkey_find(const struct ta_job_token *toks, size_t n, const char *spec, struct ta_tkey *ret)
{
	struct ta_tkey found = {0};
	struct ta_uri_token u;
	bool uri = strncmp(spec, "pkcs11:", 7) == 0, by_id = !uri && is_keyid(spec);
	bool absent = false, locked = false;
	size_t nfound = 0;
	int other = 0, r;

	if (uri && ta_uri_token_parse(spec, &u) != 0)
		return TA_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		struct ta_p11_token *p11 = toks[i].p11;
		struct ta_p11_token_info in;

		if (p11 == NULL) {
			absent = true;
			continue;
		}
		if (uri) {
			if (ta_p11_token_info(p11, &in) != 0 || !(in.flags & TA_TOK_PRESENT)) {
				absent = true;
				continue;
			}
			if (!ta_uri_token_match(&u, in.label, in.serial, in.manufacturer, in.model))
				continue;
		}
		if (by_id) {
			r = find_by_id(p11, i, spec, &found, &nfound);
		} else {
			struct ta_tkey tk = {.tok = i, .p11 = p11};

			r = ta_p11_key_find(p11, spec, &tk.key);
			if (r == 0 && (r = ta_tkey_ids(&tk)) != 0)
				ta_tkey_clear(&tk);
			if (r == 0) {
				if (nfound++ == 0)
					found = tk;
				else
					ta_tkey_clear(&tk);
			} else if (r == TA_ERR_AMBIGUOUS) {
				nfound += 2;
			}
		}
		switch (r) {
		case 0:
		case TA_ERR_KEY_NOT_FOUND:
		case TA_ERR_AMBIGUOUS:
			break;
		case TA_ERR_TOKEN_ABSENT:
		case TA_ERR_TOKEN_NOT_INIT:
			absent = true;
			break;
		case TA_ERR_NOT_LOGGED_IN:
			locked = true;
			break;
		default:
			other = r;
			break;
		}
	}
	if (nfound == 1) {
		*ret = found;
		return 0;
	}
	ta_tkey_clear(&found);
	if (nfound > 1)
		return TA_ERR_AMBIGUOUS;
	if (other == TA_ERR_INVALID)
		return TA_ERR_INVALID;
	if (absent)
		return TA_ERR_TOKEN_ABSENT;
	if (locked)
		return TA_ERR_NOT_LOGGED_IN;
	return other != 0 ? other : TA_ERR_KEY_NOT_FOUND;
}

int
ta_tkey_json(const struct ta_tkey *tk, const char *token_name, const char *token_label,
    const char *serial, json_t **ret)
{
	char uri[512] = "pkcs11:token=";
	const char *type = ta_key_type_name(tk->key.type);
	json_t *o = NULL, *ids = NULL;

	pct_append(uri, sizeof(uri), (const uint8_t *)token_label, strlen(token_label));
	(void)strncat(uri, ";serial=", sizeof(uri) - strlen(uri) - 1);
	pct_append(uri, sizeof(uri), (const uint8_t *)serial, strlen(serial));
	(void)strncat(uri, ";id=", sizeof(uri) - strlen(uri) - 1);
	for (size_t i = 0; i < tk->key.id_len; i++) {
		size_t o_ = strlen(uri);

		if (o_ + 4 < sizeof(uri))
			(void)snprintf(uri + o_, sizeof(uri) - o_, "%%%02X", tk->key.id[i]);
	}
	(void)strncat(uri, ";object=", sizeof(uri) - strlen(uri) - 1);
	pct_append(uri, sizeof(uri), (const uint8_t *)tk->key.label, strlen(tk->key.label));
	(void)strncat(uri, ";type=private", sizeof(uri) - strlen(uri) - 1);

	if (type == NULL)
		return TA_ERR_UNSUPPORTED;
	if ((o = json_object()) == NULL || (ids = json_object()) == NULL ||
	    json_object_set_new(o, "label", json_string(tk->key.label)) != 0 ||
	    json_object_set_new(o, "token", json_string(token_name)) != 0 ||
	    json_object_set_new(o, "uri", json_string(uri)) != 0 ||
	    json_object_set_new(o, "type", json_string(type)) != 0 ||
	    json_object_set_new(ids, "notary", json_string(tk->notary_id)) != 0 ||
	    json_object_set_new(ids, "tuf", json_string(tk->tuf_id)) != 0 ||
	    json_object_set(o, "keyids", ids) != 0 ||
	    json_object_set_new(o, "cert", json_boolean(tk->key.cert != NULL)) != 0) {
		json_decref(o);
		json_decref(ids);
		return TA_ERR_INVALID; /* a label that is not UTF-8 text, or no memory */
	}
	json_decref(ids);
	*ret = o;
	return 0;
}

int
ta_tkey_key(const struct ta_tkey *tk, enum ta_profile profile, bool x509, struct ta_key **ret)
{
	if (profile == TA_PROFILE_NOTARY && x509 && tk->key.cert != NULL)
		return ta_key_from_cert(tk->key.cert, tk->key.cert_len, ret);
	if (tk->key.spki == NULL)
		return TA_ERR_UNSUPPORTED;
	return ta_key_from_spki(profile, tk->key.spki, tk->key.spki_len, ret);
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
	s->key = &tk->key;
	s->since = since;
	s->signer.type = tk->key.type;
	s->signer.spki = tk->key.spki;
	s->signer.spki_len = tk->key.spki_len;
	s->signer.sign = tsign;
	s->signer.ctx = s;
}
