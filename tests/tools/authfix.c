/* Registry-auth fixtures (authfix.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include "client/notary_auth.h"
#include "common/err.h"
#include "tests/tools/testutil.h"
#include "tests/tools/authfix.h"

/* ---- helpers ------------------------------------------------------------- */

/* A string of n copies of c (static storage, one at a time). */
const char *
repeat(char c, size_t n)
{
	static char *buf;

	free(buf);
	buf = malloc(n + 1);
	assert_non_null(buf);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Standard padded base64 of n bytes (malloc()ed). */
char *
b64(const void *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	assert_non_null(out);
	(void)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

struct tn_challenge *
ch_new(void)
{
	struct tn_challenge *ch = malloc(sizeof(*ch));

	assert_non_null(ch);
	memset(ch, 0x5a, sizeof(*ch)); /* the parser must clear it */
	return ch;
}

bool
ch_is_zero(const struct tn_challenge *ch)
{
	static const struct tn_challenge zero;

	return memcmp(ch, &zero, sizeof(zero)) == 0;
}

/* value parses to a Bearer challenge with these parameters. */
void
ch_ok(const char *value, const char *realm, const char *service, const char *scope,
    const char *error)
{
	struct tn_challenge *ch = ch_new();
	int r = tn_challenge_parse(value, ch);

	if (r != 1)
		fail_msg("'%s': got %d (%s), want a Bearer challenge", value, r,
		    r < 0 ? ta_errname(r) : "none");
	assert_true(ch->bearer);
	assert_string_equal(ch->realm, realm);
	assert_string_equal(ch->service, service);
	assert_string_equal(ch->scope, scope);
	assert_string_equal(ch->error, error);
	free(ch);
}

/* value gives r (0: no Bearer challenge; < 0: malformed), *ch zeroed. */
void
ch_is(const char *value, int want)
{
	struct tn_challenge *ch = ch_new();
	int r = tn_challenge_parse(value, ch);

	if (r != want)
		fail_msg("'%s': got %d (%s), want %d (%s)", value, r, r < 0 ? ta_errname(r) : "",
		    want, want < 0 ? ta_errname(want) : "");
	assert_true(ch_is_zero(ch));
	free(ch);
}

const struct tn_auth_host host_default = {
    .host = "registry.example.com", .hostport = "registry.example.com", .default_port = true};
const struct tn_auth_host host_port = {
    .host = "127.0.0.1", .hostport = "127.0.0.1:4443", .default_port = false};
const struct tn_auth_host host_443 = {
    .host = "registry.example.com", .hostport = "registry.example.com:443", .default_port = true};

/* The lookup of json for h gives r; c is empty unless 0. */
int
lookup(const char *json, const struct tn_auth_host *h, struct tn_creds *c, int *line)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = tn_docker_lookup(json, strlen(json), h, c, line);
	if (r != 0) {
		assert_int_equal(c->kind, TN_CRED_NONE);
		assert_null(c->user);
		assert_null(c->pass);
		assert_null(c->idtoken);
		assert_false(c->helpers);
	}
	return r;
}

/* config.json with one "auths" entry for registry.example.com whose "auth"
 * is base64 of raw (n bytes); the lookup's result. */
int
lookup_auth_raw(const void *raw, size_t n, struct tn_creds *c)
{
	char *a = b64(raw, n);
	char *json = tu_fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s\"}}}", a);
	int line, r = lookup(json, &host_default, c, &line);

	free(a);
	free(json);
	return r;
}

void
creds_auth_is(const struct tn_creds *c, const char *user, const char *pass)
{
	assert_int_equal(c->kind, TN_CRED_DOCKER_AUTH);
	assert_string_equal(c->user, user);
	assert_string_equal(c->pass, pass);
	assert_null(c->idtoken);
}

/* A token answer's result; *a is empty unless 0. */
int
token(const char *json, struct tn_token_answer *a, const char **why)
{
	int r = tn_token_parse((const uint8_t *)json, strlen(json), a, why);

	if (r != 0) {
		assert_null(a->token);
		assert_null(a->refresh);
		assert_non_null(*why);
	}
	return r;
}

void
token_ok(const char *json, const char *tok, long expires, const char *refresh)
{
	struct tn_token_answer a;
	const char *why = NULL;
	int r = token(json, &a, &why);

	if (r != 0)
		fail_msg("'%s': %s (%s)", json, ta_errname(r), why);
	assert_string_equal(a.token, tok);
	assert_int_equal(a.len, strlen(tok));
	assert_int_equal(a.expires_in, expires);
	if (refresh == NULL)
		assert_null(a.refresh);
	else
		assert_string_equal(a.refresh, refresh);
	tn_token_answer_clear(&a);
	assert_null(a.token);
}

void
token_fails(const char *json, int code, const char *why_part)
{
	struct tn_token_answer a;
	const char *why = NULL;
	int r = token(json, &a, &why);

	if (r != code)
		fail_msg("'%s': got %s, want %s", json, ta_errname(r), ta_errname(code));
	if (strstr(why, why_part) == NULL)
		fail_msg("'%s': why '%s' lacks '%s'", json, why, why_part);
}
