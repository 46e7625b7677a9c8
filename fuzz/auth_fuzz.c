/* Fuzz target: the pure parsers of client/notary_auth.c.  The first byte
 * picks one ('c', 't', 'd'; any other byte by its value mod 3), the rest
 * is its input:
 *
 *  c  WWW-Authenticate values, one per line ('\n'), through
 *     tn_challenge_find() and each through tn_challenge_parse(), then the
 *     realm through tn_realm_check() for an http and an https server;
 *  t  a token service's answer through tn_token_parse(), and the
 *     Authorization line made from the token;
 *  d  docker's config.json through tn_docker_lookup() for three servers,
 *     and the Basic Authorization line made from what it found.
 *
 * Invariants: refusals are documented codes and leave the outputs empty;
 * what is accepted is within the limits (lengths, no NUL inside, no
 * control characters, UTF-8 where the header says so); a challenge written
 * back from what was parsed parses to the same values; a realm
 * tn_realm_check() accepts is http(s) with a host and no user info (https
 * for an https server); a token fits a header line; Basic credentials
 * decode back to user:password.  A broken invariant aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "client/notary_auth.h"
#include "common/err.h"
#include "common/utf8.h"

#define FUZZ_NAME "auth_fuzz"
#include "fuzz/fuzz.h"

/* Bigger inputs only make the parsers loop longer (their limits are far
 * smaller), except the token answer and config.json caps: 1 MiB each. */
#define INPUT_MAX (((size_t)1 << 20) + 16)

static bool
utf8_ok(const char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if ((k = ta_utf8_seq((const uint8_t *)s + i, n - i)) == 0)
			return false;
	return true;
}

/* NUL-terminated within max + 1 bytes; no control character but tab when
 * tab_ok. */
static bool
clean(const char *s, size_t max, bool tab_ok)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && !(tab_ok && s[i] == '\t')) || s[i] == 0x7f)
			return false;
	return true;
}

static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* ---- challenges ------------------------------------------------------------ */

/* s as a quoted-string, appended at *o. */
static void
put_quoted(char *out, size_t *o, const char *s)
{
	out[(*o)++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			out[(*o)++] = '\\';
		out[(*o)++] = *s;
	}
	out[(*o)++] = '"';
}

/* The parsed challenge written back, parsed again: the same values. */
static void
check_rewrite(const struct tn_challenge *ch)
{
	const char *names[] = {"realm", "service", "scope", "error"};
	const char *vals[] = {ch->realm, ch->service, ch->scope, ch->error};
	static char buf[16 + 4 * (16 + 2 * TN_PARAM_MAX + 2)];
	static struct tn_challenge again;
	size_t o = 0;

	memcpy(buf, "Bearer ", 7);
	o = 7;
	/* In reverse order: order must not matter. */
	for (size_t i = 4; i-- > 0;) {
		if (vals[i][0] == '\0')
			continue;
		o += (size_t)sprintf(buf + o, "%s%s=", o > 7 ? ", " : "", names[i]);
		put_quoted(buf, &o, vals[i]);
	}
	buf[o] = '\0';
	REQUIRE(tn_challenge_parse(buf, &again) == 1);
	REQUIRE(strcmp(again.realm, ch->realm) == 0 && strcmp(again.service, ch->service) == 0 &&
		strcmp(again.scope, ch->scope) == 0 && strcmp(again.error, ch->error) == 0);
}

static void
check_realm(const char *realm)
{
	enum tn_realm_fault plain = tn_realm_check(realm, false);
	enum tn_realm_fault tls = tn_realm_check(realm, true);
	const char *auth, *end;

	REQUIRE(plain >= TN_REALM_OK && plain <= TN_REALM_CREDENTIALS);
	REQUIRE(tls >= TN_REALM_OK && tls <= TN_REALM_DOWNGRADE);
	/* An https server is only ever stricter, and only about http. */
	REQUIRE(tls == plain || (plain == TN_REALM_OK && tls == TN_REALM_DOWNGRADE));
	REQUIRE((plain == TN_REALM_MISSING) == (realm[0] == '\0'));
	if (plain != TN_REALM_OK)
		return;
	REQUIRE(strncasecmp(realm, "http://", 7) == 0 || strncasecmp(realm, "https://", 8) == 0);
	REQUIRE((tls == TN_REALM_OK) == (strncasecmp(realm, "https://", 8) == 0));
	REQUIRE(clean(realm, TN_PARAM_MAX, false) && strchr(realm, ' ') == NULL);
	auth = strstr(realm, "//") + 2;
	end = auth + strcspn(auth, "/?#");
	REQUIRE(end > auth && *auth != ':');
	REQUIRE(memchr(auth, '@', (size_t)(end - auth)) == NULL);
}

static void
check_challenge_fields(const struct tn_challenge *ch)
{
	const char *vals[] = {ch->realm, ch->service, ch->scope, ch->error};

	REQUIRE(ch->bearer);
	for (size_t i = 0; i < 4; i++) {
		REQUIRE(clean(vals[i], TN_PARAM_MAX, true));
		REQUIRE(utf8_ok(vals[i], strlen(vals[i])));
	}
}

static void
fuzz_challenges(char *text)
{
	static struct tn_challenge ch, one;
	const char *lines[TN_CHALLENGE_LINES];
	size_t n = 0;
	int r, first_err = 0, first_one = -1;

	for (char *p = text; n < TN_CHALLENGE_LINES;) {
		char *nl = strchr(p, '\n');

		lines[n++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	r = tn_challenge_find(lines, n, &ch);
	REQUIRE(r == 1 || r == 0 || r == TA_ERR_TRUNCATED || r == TA_ERR_TOO_LARGE ||
		r == TA_ERR_INVALID);
	/* The same as the lines one by one. */
	for (size_t i = 0; i < n; i++) {
		int ri = tn_challenge_parse(lines[i], &one);

		REQUIRE(ri == 1 || ri == 0 || ri == TA_ERR_TRUNCATED || ri == TA_ERR_TOO_LARGE ||
			ri == TA_ERR_INVALID);
		if (ri != 1)
			REQUIRE(all_zero(&one, sizeof(one)));
		if (ri < 0 && first_err == 0)
			first_err = ri;
		if (ri == 1 && first_one < 0) {
			first_one = (int)i;
			check_challenge_fields(&one);
			if (r == 1)
				REQUIRE(memcmp(&one, &ch, sizeof(ch)) == 0);
		}
	}
	REQUIRE(r == (first_one >= 0 ? 1 : first_err));
	if (r != 1) {
		REQUIRE(all_zero(&ch, sizeof(ch)));
		return;
	}
	check_rewrite(&ch);
	check_realm(ch.realm);
}

/* ---- token answers ----------------------------------------------------------- */

static void
fuzz_token(const uint8_t *data, size_t size)
{
	struct tn_token_answer a;
	struct tn_token t = {0};
	const char *why = NULL;
	char *hdr = NULL;
	size_t hsize = 0;
	int r;

	r = tn_token_parse(data, size, &a, &why);
	if (r != 0) {
		REQUIRE(r == TA_ERR_PROTOCOL || r == TA_ERR_TOO_LARGE || r == TA_ERR_NOMEM);
		REQUIRE(why != NULL && why[0] != '\0');
		REQUIRE(a.token == NULL && a.len == 0 && a.refresh == NULL);
		return;
	}
	REQUIRE(a.token != NULL && a.len >= 1 && a.len <= TN_TOKEN_MAX);
	REQUIRE(strlen(a.token) == a.len);
	for (size_t i = 0; i < a.len; i++)
		REQUIRE((unsigned char)a.token[i] > 0x20 && (unsigned char)a.token[i] < 0x7f);
	REQUIRE(a.expires_in >= TN_TOKEN_MIN_S && a.expires_in <= TN_TOKEN_MAX_S);
	REQUIRE(a.refresh == NULL || (a.refresh[0] != '\0' && clean(a.refresh, TN_CRED_MAX, false)));

	tn_token_take(&t, &a, 1000);
	REQUIRE(a.token == NULL && t.value != NULL);
	REQUIRE(t.until == 1000 + a.expires_in - TN_TOKEN_MARGIN_S);
	REQUIRE(tn_token_header(&t, &hdr, &hsize) == 0);
	REQUIRE(strlen(hdr) == 22 + t.len && hsize == strlen(hdr) + 1);
	REQUIRE(memcmp(hdr, "Authorization: Bearer ", 22) == 0 && strcmp(hdr + 22, t.value) == 0);
	free(hdr);
	tn_token_drop(&t);
	tn_token_answer_clear(&a);
	REQUIRE(a.refresh == NULL);
}

/* ---- docker's config.json ------------------------------------------------------ */

static void
check_basic(const struct tn_creds *c)
{
	char *hdr = NULL;
	size_t hsize = 0, ul = strlen(c->user), pl = strlen(c->pass);
	unsigned char *raw;
	int n;

	REQUIRE(tn_creds_basic_header(c, &hdr, &hsize) == 0);
	REQUIRE(memcmp(hdr, "Authorization: Basic ", 21) == 0 && hsize == strlen(hdr) + 1);
	raw = malloc(hsize);
	REQUIRE(raw != NULL);
	n = EVP_DecodeBlock(raw, (const unsigned char *)hdr + 21, (int)strlen(hdr + 21));
	REQUIRE(n >= (int)(ul + 1 + pl));
	REQUIRE(memcmp(raw, c->user, ul) == 0 && raw[ul] == ':' &&
		memcmp(raw + ul + 1, c->pass, pl) == 0);
	free(raw);
	free(hdr);
}

static void
fuzz_docker(const uint8_t *data, size_t size)
{
	static const struct tn_auth_host hosts[] = {
	    {"registry.example.com", "registry.example.com", true},
	    {"127.0.0.1", "127.0.0.1:4443", false},
	    {"[::1]", "[::1]:443", true},
	};

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct tn_creds c = {0};
		int line = 12345, r;

		r = tn_docker_lookup((const char *)data, size, &hosts[i], &c, &line);
		REQUIRE(c.file == NULL && !c.loaded);
		if (r != 0) {
			REQUIRE(r == TA_ERR_INVALID || r == TA_ERR_FORMAT || r == TA_ERR_TOO_LARGE ||
				r == TA_ERR_NOMEM);
			REQUIRE(r == TA_ERR_INVALID || line == 0);
			REQUIRE(c.kind == TN_CRED_NONE && c.user == NULL && c.pass == NULL &&
				c.idtoken == NULL && !c.helpers);
			continue;
		}
		REQUIRE(line == 0);
		switch (c.kind) {
		case TN_CRED_NONE:
			REQUIRE(c.user == NULL && c.pass == NULL && c.idtoken == NULL);
			break;
		case TN_CRED_DOCKER_AUTH:
			REQUIRE(c.idtoken == NULL && !c.helpers);
			REQUIRE(c.user != NULL && c.user[0] != '\0' && c.pass != NULL);
			REQUIRE(clean(c.user, TN_CRED_MAX, false) && clean(c.pass, TN_CRED_MAX, false));
			REQUIRE(strchr(c.user, ':') == NULL && utf8_ok(c.user, strlen(c.user)));
			check_basic(&c);
			break;
		case TN_CRED_DOCKER_TOKEN:
			REQUIRE(c.user == NULL && c.pass == NULL && !c.helpers);
			REQUIRE(c.idtoken != NULL && c.idtoken[0] != '\0');
			REQUIRE(clean(c.idtoken, TN_CRED_MAX, false));
			break;
		default:
			REQUIRE(!"unknown kind");
		}
		tn_creds_clear(&c);
		REQUIRE(all_zero(&c, sizeof(c)));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0 || size > INPUT_MAX)
		return 0;
	switch (data[0] == 'c' ? 0 : data[0] == 't' ? 1 : data[0] == 'd' ? 2 : data[0] % 3) {
	case 0:
		/* The parsers take C strings (curl's header values are). */
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		fuzz_challenges(text);
		free(text);
		break;
	case 1:
		fuzz_token(data + 1, size - 1);
		break;
	default:
		fuzz_docker(data + 1, size - 1);
		break;
	}
	return 0;
}
