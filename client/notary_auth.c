/* Registry token auth for tufctl's notary client (client/notary_auth.h):
 * Bearer challenges, token answers, docker's config.json, the credentials
 * of a session and the Authorization lines made from them.  No libcurl
 * here: notary_http.c does the exchanges.
 *
 * Secrets are wiped before they are freed, jansson's copies of them too
 * (see json_wipe_begin); none is ever put into an error text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "client/notary_auth.h"
#include "common/err.h"
#include "common/secret.h"
#include "common/utf8.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* "notary server URL: <text>", as notary_http.c words its errors. */
static int __attribute__((format(printf, 4, 5)))
sfail(struct tn_error *e, int r, const char *url, const char *fmt, ...)
{
	char text[sizeof(e->text)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return tn_fail(e, r, "notary server %s: %s", url, text);
}

bool
tn_has_ctl(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static bool
utf8_ok(const char *s, size_t n)
{
	return ta_utf8_valid((const uint8_t *)s, n, NULL);
}

static void
str_wipe_free(char **p)
{
	if (*p != NULL)
		ta_wipe_free(*p, strlen(*p));
	*p = NULL;
}

/* ---- jansson and secrets ----------------------------------------------------- */

/* jansson's allocations while a secret is parsed: freed wiped.  Switched
 * only when jansson uses plain malloc/free (ta_proto_init() may already
 * have made every free wipe), and switched back after. */
struct json_wipe {
	bool on;
};

static void
json_wipe_begin(struct json_wipe *w)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	w->on = (m == malloc && f == free);
	if (w->on)
		json_set_alloc_funcs(malloc, ta_free_wiping);
}

static void
json_wipe_end(struct json_wipe *w)
{
	if (w->on)
		json_set_alloc_funcs(malloc, free);
	w->on = false;
}

/* The string values named in keys, of obj, wiped in place (the tree is
 * about to be freed). */
static void
wipe_members(json_t *obj, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, keys[i]);

		if (json_is_string(v))
			ta_wipe((char *)(uintptr_t)json_string_value(v), json_string_length(v));
	}
}

/* ---- challenges -------------------------------------------------------------- */

static bool
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_t68(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-._~+/", c) != NULL);
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *
skip_list_sep(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* A token or quoted-string value into out (*len bytes); NULL with *err
 * set when malformed. */
static const char *
param_value(const char *p, char out[static TN_PARAM_MAX + 1], size_t *len, int *err)
{
	size_t o = 0;

	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if (*p == '\0') {
				*err = TA_ERR_TRUNCATED;
				return NULL;
			}
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
				*err = TA_ERR_INVALID;
				return NULL;
			}
			if (o >= TN_PARAM_MAX) {
				*err = TA_ERR_TOO_LARGE;
				return NULL;
			}
			out[o++] = *p;
		}
		p++;
	} else {
		for (; is_tchar((unsigned char)*p); p++) {
			if (o >= TN_PARAM_MAX) {
				*err = TA_ERR_TOO_LARGE;
				return NULL;
			}
			out[o++] = *p;
		}
		if (o == 0) {
			*err = TA_ERR_INVALID;
			return NULL;
		}
	}
	out[o] = '\0';
	*len = o;
	return p;
}

/* A Bearer parameter we keep; a repeated one is an error (RFC 7235 §2.1:
 * each parameter name MUST only occur once per challenge). */
static int
bearer_param(struct tn_challenge *ch, const char *name, const char *val, size_t len,
    unsigned *seen)
{
	static const char *const names[] = {"realm", "service", "scope", "error"};
	char *fields[] = {ch->realm, ch->service, ch->scope, ch->error};

	/* Everything of a Bearer challenge ends up in URLs or texts. */
	if (!utf8_ok(val, len))
		return TA_ERR_INVALID;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i]) != 0)
			continue;
		if (*seen & (1u << i))
			return TA_ERR_INVALID;
		*seen |= 1u << i;
		memcpy(fields[i], val, len + 1);
		return 0;
	}
	return 0;
}

/* The auth-params of one challenge, up to the end of the field or the
 * next challenge's scheme: *pp is left there.  Only a Bearer challenge's
 * are kept. */
static int
challenge_params(const char **pp, bool bearer, struct tn_challenge *ch)
{
	char name[TN_PARAM_NAME_MAX + 1], val[TN_PARAM_MAX + 1];
	const char *p = *pp, *q, *start;
	unsigned seen = 0;
	size_t k, vlen = 0;
	int r = 0;

	for (;;) {
		p = skip_list_sep(p);
		if (*p == '\0')
			break;
		start = p;
		for (k = 0; is_tchar((unsigned char)p[k]); k++)
			;
		if (k == 0)
			return TA_ERR_INVALID;
		q = skip_ows(p + k);
		if (*q != '=') {
			p = start; /* "Scheme2 ...": the next challenge */
			break;
		}
		if (k > TN_PARAM_NAME_MAX)
			return TA_ERR_TOO_LARGE;
		memcpy(name, start, k);
		name[k] = '\0';
		if ((p = param_value(skip_ows(q + 1), val, &vlen, &r)) == NULL)
			return r;
		p = skip_ows(p);
		if (*p != '\0' && *p != ',')
			return TA_ERR_INVALID;
		if (bearer && (r = bearer_param(ch, name, val, vlen, &seen)) != 0)
			return r;
	}
	*pp = p;
	return 0;
}

int
tn_challenge_parse(const char *p, struct tn_challenge *ch)
{
	int r;

	memset(ch, 0, sizeof(*ch));
	for (;;) {
		const char *q;
		size_t k;
		bool bearer;

		p = skip_list_sep(p);
		if (*p == '\0')
			return 0;
		for (k = 0; is_tchar((unsigned char)p[k]); k++)
			;
		if (k == 0)
			return TA_ERR_INVALID;
		bearer = k == 6 && strncasecmp(p, "Bearer", 6) == 0;
		p += k;
		if (*p != ' ' && *p != '\t' && *p != ',' && *p != '\0')
			return TA_ERR_INVALID;
		p = skip_ows(p);
		/* A token68 ("Negotiate abc/d==") is all there is of this one. */
		for (q = p; is_t68((unsigned char)*q); q++)
			;
		if (q > p) {
			while (*q == '=')
				q++;
			q = skip_ows(q);
			if (*q == ',' || *q == '\0') {
				p = q;
				if (bearer) {
					ch->bearer = true;
					return 1;
				}
				continue;
			}
		}
		if ((r = challenge_params(&p, bearer, ch)) != 0) {
			memset(ch, 0, sizeof(*ch));
			return r;
		}
		/* What follows the first Bearer challenge is not read: it is
		 * the one tufctl answers. */
		if (bearer) {
			ch->bearer = true;
			return 1;
		}
	}
}

int
tn_challenge_find(const char *const *values, size_t n, struct tn_challenge *ch)
{
	int found = 0;

	memset(ch, 0, sizeof(*ch));
	for (size_t i = 0; i < n; i++) {
		int r = tn_challenge_parse(values[i], ch);

		if (r == 1)
			return 1;
		if (r < 0 && found == 0)
			found = r;
	}
	return found;
}

enum tn_realm_fault
tn_realm_check(const char *realm, bool https)
{
	const char *auth, *end, *at, *host;
	bool tls;

	if (realm == NULL || realm[0] == '\0')
		return TN_REALM_MISSING;
	if (tn_has_ctl(realm) || strchr(realm, ' ') != NULL || !utf8_ok(realm, strlen(realm)))
		return TN_REALM_NOT_HTTP;
	if (strncasecmp(realm, "https://", 8) == 0) {
		tls = true;
		auth = realm + 8;
	} else if (strncasecmp(realm, "http://", 7) == 0) {
		tls = false;
		auth = realm + 7;
	} else {
		return TN_REALM_NOT_HTTP;
	}
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	host = at != NULL ? at + 1 : auth;
	if (host == end || *host == ':')
		return TN_REALM_NOT_HTTP;
	if (at != NULL)
		return TN_REALM_CREDENTIALS;
	if (https && !tls)
		return TN_REALM_DOWNGRADE;
	return TN_REALM_OK;
}

/* ---- token answers ------------------------------------------------------------ */

#define WHY_NOT_OBJECT "the token service answered something that is not a JSON object; " \
	"is the realm right?"
#define WHY_NO_TOKEN "the token service's answer has no token"
#define WHY_BAD_TOKEN "the token service's token is over " STR(TN_TOKEN_MAX) " bytes or has " \
	"characters a header cannot carry"
#define WHY_TOO_LARGE "the token service's answer is over 1 MiB"
#define WHY_NOMEM "out of memory"

void
tn_token_answer_clear(struct tn_token_answer *a)
{
	ta_wipe_free(a->token, a->len + 1);
	str_wipe_free(&a->refresh);
	memset(a, 0, sizeof(*a));
}

/* The token (either name), NULL when there is none. */
static json_t *
answer_token(json_t *root)
{
	json_t *v = json_object_get(root, "access_token");

	/* distribution prefers access_token when both are there. */
	if (!json_is_string(v) || json_string_length(v) == 0)
		v = json_object_get(root, "token");
	return json_is_string(v) && json_string_length(v) > 0 ? v : NULL;
}

/* It goes into a header line: printable ASCII without spaces only. */
static bool
token_chars_ok(const char *tok, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f)
			return false;
	return true;
}

static void
answer_refresh(json_t *root, struct tn_token_answer *a)
{
	json_t *v = json_object_get(root, "refresh_token");

	/* An unusable one is ignored, as is running out of memory for it:
	 * the identity token in hand stays. */
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) <= TN_CRED_MAX && !tn_has_ctl(json_string_value(v)))
		a->refresh = strdup(json_string_value(v));
}

int
tn_token_parse(const uint8_t *body, size_t len, struct tn_token_answer *a, const char **why)
{
	static const char *const secret_keys[] = {"token", "access_token", "refresh_token"};
	struct json_wipe jw = {false};
	json_t *root = NULL, *v;
	json_int_t exp = 0;
	int r = 0;

	memset(a, 0, sizeof(*a));
	*why = NULL;
	if (len > TN_TOKEN_BODY_MAX) {
		*why = WHY_TOO_LARGE;
		return TA_ERR_TOO_LARGE;
	}
	json_wipe_begin(&jw);
	if (body != NULL)
		root = json_loadb((const char *)body, len, 0, NULL);
	if (!json_is_object(root)) {
		*why = WHY_NOT_OBJECT;
		r = TA_ERR_PROTOCOL;
		goto out;
	}
	if ((v = answer_token(root)) == NULL) {
		*why = WHY_NO_TOKEN;
		r = TA_ERR_PROTOCOL;
		goto out;
	}
	if (json_string_length(v) > TN_TOKEN_MAX ||
	    !token_chars_ok(json_string_value(v), json_string_length(v))) {
		*why = WHY_BAD_TOKEN;
		r = TA_ERR_PROTOCOL;
		goto out;
	}
	if ((a->token = malloc(json_string_length(v) + 1)) == NULL) {
		*why = WHY_NOMEM;
		r = TA_ERR_NOMEM;
		goto out;
	}
	a->len = json_string_length(v);
	memcpy(a->token, json_string_value(v), a->len + 1);
	/* A float, a string or anything else counts as absent. */
	if (json_is_integer(v = json_object_get(root, "expires_in")))
		exp = json_integer_value(v);
	if (exp < TN_TOKEN_MIN_S)
		exp = TN_TOKEN_MIN_S;
	if (exp > TN_TOKEN_MAX_S)
		exp = TN_TOKEN_MAX_S;
	a->expires_in = (long)exp;
	answer_refresh(root, a);
out:
	if (json_is_object(root))
		wipe_members(root, secret_keys, sizeof(secret_keys) / sizeof(secret_keys[0]));
	json_decref(root);
	json_wipe_end(&jw);
	return r;
}

void
tn_token_drop(struct tn_token *t)
{
	ta_wipe_free(t->value, t->len);
	t->value = NULL;
	t->len = 0;
	t->until = 0;
}

void
tn_token_take(struct tn_token *t, struct tn_token_answer *a, time_t now)
{
	tn_token_drop(t);
	t->value = a->token;
	t->len = a->len;
	t->until = now + (time_t)a->expires_in - TN_TOKEN_MARGIN_S;
	a->token = NULL;
	a->len = 0;
}

int
tn_token_header(const struct tn_token *t, char **ret, size_t *ret_size)
{
	size_t hl;
	char *hdr;

	if (t->value == NULL)
		return TA_ERR_INTERNAL;
	hl = 22 + t->len + 1;
	if ((hdr = malloc(hl)) == NULL)
		return TA_ERR_NOMEM;
	(void)snprintf(hdr, hl, "Authorization: Bearer %s", t->value);
	*ret = hdr;
	*ret_size = hl;
	return 0;
}

/* ---- credentials ---------------------------------------------------------------- */

/* The credential fields only (not file, not loaded). */
static void
creds_reset(struct tn_creds *c)
{
	str_wipe_free(&c->pass);
	str_wipe_free(&c->idtoken);
	free(c->user);
	c->user = NULL;
	free(c->helper);
	c->helper = NULL;
	c->kind = TN_CRED_NONE;
	c->helpers = false;
	c->from_helper = false;
}

void
tn_creds_clear(struct tn_creds *c)
{
	creds_reset(c);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

int
tn_creds_from_caller(struct tn_creds *c, const char *user, const char *pass,
    struct tn_error *e)
{
	if (user != NULL) {
		if (*user == '\0' || pass == NULL)
			return tn_fail(e, TA_ERR_INVALID, "notary: a registry user name needs a "
			    "password (TUFCTL_REGISTRY_PASSWORD or --password-stdin)");
		if (strlen(user) > TN_CRED_MAX || strlen(pass) > TN_CRED_MAX ||
		    tn_has_ctl(user) || strchr(user, ':') != NULL)
			return tn_fail(e, TA_ERR_INVALID, "notary: the registry user name or password "
			    "is too long or has a control character (or ':' in the name)");
		creds_reset(c);
		if ((c->user = strdup(user)) == NULL || (c->pass = strdup(pass)) == NULL) {
			creds_reset(c);
			return tn_fail(e, TA_ERR_NOMEM, "notary: out of memory");
		}
		c->kind = TN_CRED_CALLER;
		c->loaded = true;
	} else if (pass != NULL) {
		return tn_fail(e, TA_ERR_INVALID, "notary: a registry password without a user name; "
		    "set TUFCTL_REGISTRY_USERNAME too");
	}
	return 0;
}

/* docker's "auths" key, as host[:port]: without a scheme, a /v1/ or /v2/
 * suffix or a trailing slash; lower case. */
static bool
auths_key_matches(const struct tn_auth_host *h, const char *key)
{
	char k[TN_AUTHS_KEY_MAX + 1];
	size_t n;

	if (strncasecmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncasecmp(key, "http://", 7) == 0)
		key += 7;
	n = strlen(key);
	if (n == 0 || n >= sizeof(k))
		return false;
	memcpy(k, key, n + 1);
	for (size_t i = 0; i < n; i++)
		if (k[i] >= 'A' && k[i] <= 'Z')
			k[i] = (char)(k[i] - 'A' + 'a');
	while (n > 0 && k[n - 1] == '/')
		k[--n] = '\0';
	if (n > 3 && (strcmp(k + n - 3, "/v1") == 0 || strcmp(k + n - 3, "/v2") == 0))
		k[n - 3] = '\0';
	if (strcmp(k, h->hostport) == 0)
		return true;
	return h->default_port && strcmp(k, h->host) == 0;
}

/* Padded standard base64, what docker writes: the alphabet, and '=' only
 * as the last one or two characters.  (EVP_DecodeBlock() alone takes '='
 * anywhere as zero bits, and blanks at either end.) */
static bool
base64_ok(const char *s, size_t n)
{
	if (n == 0 || n % 4 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '=') {
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return false;
		} else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/')) {
			return false;
		}
	}
	return true;
}

/* "auth": base64 of "user:password". */
static int
take_docker_auth(struct tn_creds *c, const char *b64)
{
	size_t n = strlen(b64), pad = 0, len, cap;
	unsigned char *raw;
	char *colon;
	int dl, r = TA_ERR_FORMAT;

	if (n > TN_CRED_MAX || !base64_ok(b64, n))
		return TA_ERR_FORMAT;
	cap = n / 4 * 3 + 1;
	if ((raw = malloc(cap)) == NULL)
		return TA_ERR_NOMEM;
	dl = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (dl < 0)
		goto out;
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	len = (size_t)dl - pad;
	raw[len] = '\0';
	colon = memchr(raw, ':', len);
	if (colon == NULL || colon == (char *)raw || memchr(raw, '\0', len) != NULL ||
	    tn_has_ctl((char *)raw) || !utf8_ok((char *)raw, (size_t)(colon - (char *)raw)))
		goto out;
	*colon = '\0';
	r = 0;
	if ((c->user = strdup((char *)raw)) == NULL || (c->pass = strdup(colon + 1)) == NULL)
		r = TA_ERR_NOMEM;
out:
	ta_wipe_free(raw, cap);
	return r;
}

/* The identity token of an entry, checked. */
static int
take_docker_token(struct tn_creds *c, json_t *tok)
{
	if (json_string_length(tok) > TN_CRED_MAX || tn_has_ctl(json_string_value(tok)))
		return TA_ERR_FORMAT;
	if ((c->idtoken = strdup(json_string_value(tok))) == NULL)
		return TA_ERR_NOMEM;
	return 0;
}

/* The first usable entry for the server: 0 (c->kind NONE when none). */
static int
docker_auths(json_t *auths, const struct tn_auth_host *h, struct tn_creds *c)
{
	const char *key;
	json_t *entry;
	int r;

	json_object_foreach(auths, key, entry) {
		json_t *tok, *auth;

		if (!auths_key_matches(h, key) || !json_is_object(entry))
			continue;
		tok = json_object_get(entry, "identitytoken");
		auth = json_object_get(entry, "auth");
		if (json_is_string(tok) && json_string_length(tok) > 0) {
			if ((r = take_docker_token(c, tok)) != 0)
				return r;
			c->kind = TN_CRED_DOCKER_TOKEN;
			return 0;
		}
		if (json_is_string(auth) && json_string_length(auth) > 0) {
			if ((r = take_docker_auth(c, json_string_value(auth))) != 0)
				return r;
			c->kind = TN_CRED_DOCKER_AUTH;
			return 0;
		}
	}
	return 0;
}

int
tn_docker_lookup(const char *json, size_t len, const struct tn_auth_host *h,
    struct tn_creds *c, int *json_line)
{
	static const char *const secret_keys[] = {"auth", "identitytoken", "password"};
	const size_t n_secret = sizeof(secret_keys) / sizeof(secret_keys[0]);
	struct json_wipe jw = {false};
	json_error_t jerr;
	json_t *root, *entry;
	const char *key;
	int r;

	creds_reset(c);
	*json_line = 0;
	if (len > TN_DOCKER_CONFIG_MAX)
		return TA_ERR_TOO_LARGE;
	json_wipe_begin(&jw);
	root = json_loadb(json, len, 0, &jerr);
	if (!json_is_object(root)) {
		/* jansson sets line -1 when the text parsed (as a non-object). */
		*json_line = jerr.line;
		r = TA_ERR_INVALID;
		goto out;
	}
	if ((r = docker_auths(json_object_get(root, "auths"), h, c)) != 0)
		goto out;
	if (c->kind == TN_CRED_NONE) {
		const char *hk, *name = json_string_value(json_object_get(root, "credsStore"));
		json_t *hv;

		c->helpers = json_is_string(json_object_get(root, "credsStore")) ||
		    json_object_size(json_object_get(root, "credHelpers")) > 0;
		json_object_foreach(json_object_get(root, "credHelpers"), hk, hv) {
			if (json_is_string(hv) && auths_key_matches(h, hk)) {
				name = json_string_value(hv);
				break;
			}
		}
		if (name != NULL && *name != '\0' && (c->helper = strdup(name)) == NULL)
			r = TA_ERR_NOMEM;
	}
out:
	if (r != 0)
		creds_reset(c);
	/* The strings of the tree are secrets too. */
	if (json_is_object(root)) {
		json_object_foreach(json_object_get(root, "auths"), key, entry) {
			wipe_members(entry, secret_keys, n_secret);
		}
	}
	json_decref(root);
	json_wipe_end(&jw);
	return r;
}

static int
docker_config_path(char **ret)
{
	const char *d = secure_getenv("DOCKER_CONFIG"), *home = secure_getenv("HOME");

	*ret = NULL;
	if (d != NULL && *d != '\0')
		return asprintf(ret, "%s/config.json", d) < 0 ? TA_ERR_NOMEM : 0;
	if (home != NULL && *home != '\0')
		return asprintf(ret, "%s/.docker/config.json", home) < 0 ? TA_ERR_NOMEM : 0;
	return 0;
}

/* Reads a whole small file; the buffer (max + 1 bytes) is the caller's to
 * wipe.  1 when it does not exist; TA_ERR_SYSTEM with errno set. */
static int
read_small(const char *path, size_t max, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t n = 0;
	int r = 0, err = 0;

	if (f == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 1 : TA_ERR_SYSTEM;
	if ((buf = malloc(max + 1)) == NULL) {
		(void)fclose(f);
		return TA_ERR_NOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		err = errno;
		r = TA_ERR_SYSTEM;
	} else if (n > max) {
		r = TA_ERR_TOO_LARGE;
	}
	(void)fclose(f);
	if (r != 0) {
		ta_wipe_free(buf, max + 1);
		errno = err;
		return r;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

int
tn_creds_from_docker(struct tn_creds *c, const struct tn_auth_host *h, const char *url,
    struct tn_error *e)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	int r, line = 0;

	if (c->loaded)
		return 0;
	if ((r = docker_config_path(&path)) != 0)
		return tn_fail(e, r, "notary: out of memory");
	if (path == NULL) {
		c->loaded = true;
		return 0;
	}
	r = read_small(path, TN_DOCKER_CONFIG_MAX, &buf, &len);
	if (r == 1) {
		r = 0;
		c->loaded = true;
		goto out;
	}
	if (r != 0) {
		r = sfail(e, r, url, "cannot read docker's %s (%s); fix it or set "
		    "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
		    path, r == TA_ERR_SYSTEM ? strerror(errno) : ta_strerror(r));
		goto out;
	}
	r = tn_docker_lookup(buf, len, h, c, &line);
	if (r == TA_ERR_INVALID || r == TA_ERR_TOO_LARGE) {
		r = sfail(e, TA_ERR_FORMAT, url, "docker's %s is not a JSON object (line %d); fix "
		    "it or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD", path, line);
		goto out;
	}
	if (r != 0) {
		r = sfail(e, r, url, "docker's %s has an unusable entry for '%s'; run docker "
		    "login again or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
		    path, h->hostport);
		goto out;
	}
	c->loaded = true;
	if (c->kind != TN_CRED_NONE) {
		c->file = path;
		path = NULL;
	}
out:
	if (buf != NULL)
		ta_wipe_free(buf, len + 1);
	free(path);
	return r;
}

int
tn_helper_answer(const char *out, size_t len, struct tn_creds *c)
{
	static const char *const secret_keys[] = {"Secret", "Username"};
	struct json_wipe jw = {false};
	json_t *root, *user, *secret;
	int r = TA_ERR_FORMAT;

	json_wipe_begin(&jw);
	root = json_loadb(out, len, 0, NULL);
	user = json_object_get(root, "Username");
	secret = json_object_get(root, "Secret");
	if (!json_is_string(user) || !json_is_string(secret) || json_string_length(secret) == 0 ||
	    json_string_length(secret) > TN_CRED_MAX || json_string_length(user) > TN_CRED_MAX ||
	    tn_has_ctl(json_string_value(secret)) || tn_has_ctl(json_string_value(user)) ||
	    strlen(json_string_value(secret)) != json_string_length(secret) ||
	    strlen(json_string_value(user)) != json_string_length(user))
		goto out;
	str_wipe_free(&c->pass);
	str_wipe_free(&c->idtoken);
	free(c->user);
	c->user = NULL;
	r = TA_ERR_NOMEM;
	if (strcmp(json_string_value(user), "<token>") == 0) {
		if ((c->idtoken = strdup(json_string_value(secret))) == NULL)
			goto out;
		c->kind = TN_CRED_DOCKER_TOKEN;
	} else {
		if (json_string_length(user) == 0 || strchr(json_string_value(user), ':') != NULL) {
			r = TA_ERR_FORMAT;
			goto out;
		}
		if ((c->user = strdup(json_string_value(user))) == NULL ||
		    (c->pass = strdup(json_string_value(secret))) == NULL) {
			free(c->user);
			c->user = NULL;
			goto out;
		}
		c->kind = TN_CRED_DOCKER_AUTH;
	}
	c->from_helper = true;
	r = 0;
out:
	wipe_members(root, secret_keys, 2);
	json_decref(root);
	json_wipe_end(&jw);
	return r;
}

int
tn_creds_basic_header(const struct tn_creds *c, char **ret, size_t *ret_size)
{
	size_t ul, pl, rl, hl;
	char *raw = NULL, *hdr = NULL;
	int r = 0;

	if (c->user == NULL || c->pass == NULL)
		return TA_ERR_INTERNAL;
	ul = strlen(c->user);
	pl = strlen(c->pass);
	rl = ul + 1 + pl;
	hl = 21 + 4 * ((rl + 2) / 3) + 1;
	if ((raw = malloc(rl + 1)) == NULL || (hdr = malloc(hl)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	memcpy(raw, c->user, ul);
	raw[ul] = ':';
	memcpy(raw + ul + 1, c->pass, pl);
	memcpy(hdr, "Authorization: Basic ", 22);
	(void)EVP_EncodeBlock((unsigned char *)hdr + 21, (const unsigned char *)raw, (int)rl);
	*ret = hdr;
	*ret_size = hl;
	hdr = NULL;
out:
	ta_wipe_free(raw, rl + 1);
	ta_wipe_free(hdr, hl);
	return r;
}

void
tn_creds_take_refresh(struct tn_creds *c, struct tn_token_answer *a)
{
	if (c->kind != TN_CRED_DOCKER_TOKEN || a->refresh == NULL)
		return;
	str_wipe_free(&c->idtoken);
	c->idtoken = a->refresh;
	a->refresh = NULL;
}
