/* Unit tests for client/notary_auth.c's credentials: docker's config.json
 * lookups and files, the caller's credentials, and the Authorization lines
 * made from them.  Fixtures: tests/tools/authfix.c. */
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

/* ---- docker's config.json --------------------------------------------------------- */

/* json holds user and password for h, and no credential helper is named for them (a
 * lookup's result has no file either). */
static void
finds_auth(const char *json, const struct tn_auth_host *h, const char *user,
    const char *password)
{
	struct tn_creds c;
	int line;

	assert_int_equal(lookup(json, h, &c, &line), 0);
	creds_auth_is(&c, user, password);
	assert_false(c.helpers);
	assert_null(c.file);
	tn_creds_clear(&c);
}

/* json holds the user "a" and the password "b" (auth "YTpi") for h. */
static void
finds_a_b(const char *json, const struct tn_auth_host *h)
{
	finds_auth(json, h, "a", "b");
}

static void
test_docker_auth(void **state)
{
	struct tn_creds c;

	(void)state;
	/* "alice:s3cret" */
	finds_auth("{\"auths\":{\"registry.example.com\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}",
	    &host_default, "alice", "s3cret");
	/* Padding, an empty password and ':' in the password. */
	assert_int_equal(lookup_auth_raw("ab:", 3, &c), 0);
	creds_auth_is(&c, "ab", "");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("a:b:c", 5, &c), 0);
	creds_auth_is(&c, "a", "b:c");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("a:bc", 4, &c), 0); /* "YTpiYw==" */
	creds_auth_is(&c, "a", "bc");
	tn_creds_clear(&c);
	assert_int_equal(lookup_auth_raw("\xc3\xa9:p\xff", 5, &c), 0); /* a UTF-8 name */
	creds_auth_is(&c, "\xc3\xa9", "p\xff");
	tn_creds_clear(&c);
}

static void
test_docker_key_forms(void **state)
{
	static const char *const keys[] = {
	    "registry.example.com",
	    "Registry.Example.COM",
	    "https://registry.example.com",
	    "http://registry.example.com/",
	    "HTTPS://registry.example.com/v1/",
	    "https://registry.example.com/v2",
	    "registry.example.com///",
	};
	static const char *const others[] = {
	    "registry.example.com:5000",
	    "other.example.com",
	    "registry.example.com.evil",
	    "https://registry.example.com/v3/",
	    "ftp://registry.example.com",
	    "",
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *j = tu_fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", keys[i]);

		assert_int_equal(lookup(j, &host_default, &c, &line), 0);
		if (c.kind != TN_CRED_DOCKER_AUTH)
			fail_msg("key '%s' does not match registry.example.com", keys[i]);
		tn_creds_clear(&c);
		/* Default port given explicitly in the URL: both forms match. */
		assert_int_equal(lookup(j, &host_443, &c, &line), 0);
		assert_int_equal(c.kind, TN_CRED_DOCKER_AUTH);
		tn_creds_clear(&c);
		free(j);
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char *j = tu_fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", others[i]);

		assert_int_equal(lookup(j, &host_default, &c, &line), 0);
		if (c.kind != TN_CRED_NONE)
			fail_msg("key '%s' matches registry.example.com", others[i]);
		free(j);
	}
	/* A non-default port must be in the key. */
	assert_int_equal(lookup("{\"auths\":{\"127.0.0.1\":{\"auth\":\"YTpi\"}}}", &host_port, &c,
			     &line),
	    0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	finds_a_b("{\"auths\":{\"127.0.0.1:4443\":{\"auth\":\"YTpi\"}}}", &host_port);
	finds_a_b("{\"auths\":{\"registry.example.com:443\":{\"auth\":\"YTpi\"}}}", &host_443);
}

static void
test_docker_identity_token(void **state)
{
	struct tn_creds c;
	int line;
	char *j;

	(void)state;
	/* Preferred over "auth". */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
				"\"identitytoken\":\"idt-1\"}}}",
			     &host_default, &c, &line),
	    0);
	assert_int_equal(c.kind, TN_CRED_DOCKER_TOKEN);
	assert_string_equal(c.idtoken, "idt-1");
	assert_null(c.user);
	assert_null(c.pass);
	tn_creds_clear(&c);
	/* An empty or non-string one falls back to "auth". */
	finds_a_b("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
	    "\"identitytoken\":\"\"}}}",
	    &host_default);
	finds_a_b("{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\","
	    "\"identitytoken\":5}}}",
	    &host_default);
	/* Limits and control characters. */
	j = tu_fmt("{\"auths\":{\"registry.example.com\":{\"identitytoken\":\"%s\"}}}",
	    repeat('i', TN_CRED_MAX));
	assert_int_equal(lookup(j, &host_default, &c, &line), 0);
	assert_int_equal(strlen(c.idtoken), TN_CRED_MAX);
	tn_creds_clear(&c);
	free(j);
	j = tu_fmt("{\"auths\":{\"registry.example.com\":{\"identitytoken\":\"%s\"}}}",
	    repeat('i', TN_CRED_MAX + 1));
	assert_int_equal(lookup(j, &host_default, &c, &line), TA_ERR_FORMAT);
	free(j);
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"identitytoken\":"
				"\"a\\u0001b\"}}}",
			     &host_default, &c, &line),
	    TA_ERR_FORMAT);
}

static void
test_docker_first_usable_entry(void **state)
{
	struct tn_creds c;
	int line;

	(void)state;
	/* Entries without credentials are skipped; the first usable one wins;
	 * other servers' entries are not looked at, broken or not. */
	finds_a_b("{\"auths\":{"
	    "\"other.example\":{\"auth\":\"!!!!\"},"
	    "\"https://registry.example.com\":{},"
	    "\"registry.example.com/v2/\":{\"email\":\"x@example.com\"},"
	    "\"http://registry.example.com\":\"not an object\","
	    "\"Registry.example.com\":{\"auth\":\"YTpi\"},"
	    "\"registry.example.com\":{\"auth\":\"Yzpk\"}}}",
	    &host_default);
	/* ... and a broken one for this server is an error, not skipped. */
	assert_int_equal(lookup("{\"auths\":{\"registry.example.com\":{\"auth\":\"!!!!\"},"
				"\"https://registry.example.com\":{\"auth\":\"YTpi\"}}}",
			     &host_default, &c, &line),
	    TA_ERR_FORMAT);
}

/* docker-credential-NAME get's answer. */
static void
test_helper_answer(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"Username\":\"u\"}", "{\"Secret\":\"s\"}",
		"{\"Username\":\"u\",\"Secret\":\"\"}", "{\"Username\":1,\"Secret\":\"s\"}",
		"{\"Username\":\"u\",\"Secret\":\"a\\nb\"}", "{\"Username\":\"a:b\",\"Secret\":\"s\"}",
		"{\"Username\":\"\",\"Secret\":\"s\"}", "{\"Username\":\"u\",\"Secret\":\"a\\u0000b\"}",
		"credentials not found in native keychain",
	};
	struct tn_creds c = {0};
	const char *ok = "{\"ServerURL\":\"r.example.com\",\"Username\":\"u\",\"Secret\":\"p\"}";
	const char *tok = "{\"Username\":\"<token>\",\"Secret\":\"refresh\"}";

	(void)state;
	assert_int_equal(tn_helper_answer(ok, strlen(ok), &c), 0);
	creds_auth_is(&c, "u", "p");
	assert_true(c.from_helper);
	tn_creds_clear(&c);
	assert_int_equal(tn_helper_answer(tok, strlen(tok), &c), 0);
	assert_int_equal(c.kind, TN_CRED_DOCKER_TOKEN);
	assert_string_equal(c.idtoken, "refresh");
	tn_creds_clear(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tn_helper_answer(bad[i], strlen(bad[i]), &c), TA_ERR_FORMAT);
		assert_int_equal(c.kind, TN_CRED_NONE);
	}
	tn_creds_clear(&c);
}

/* Which helper docker would run: the server's credHelpers entry, else
 * credsStore. */
/* json holds no credentials for registry.example.com, names credential helpers or not, and
 * helper as the one for the server (NULL: none). */
static void
finds_helper(const char *json, bool helpers, const char *helper)
{
	struct tn_creds c;
	int line;

	assert_int_equal(lookup(json, &host_default, &c, &line), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_int_equal(c.helpers, helpers);
	if (helper != NULL)
		assert_string_equal(c.helper, helper);
	else
		assert_null(c.helper);
	tn_creds_clear(&c);
}

static void
test_docker_helper_name(void **state)
{
	(void)state;
	finds_helper("{\"credsStore\":\"desktop\",\"credHelpers\":"
		     "{\"registry.example.com\":\"ecr-login\"}}",
	    true, "ecr-login");
	finds_helper("{\"credsStore\":\"desktop\",\"credHelpers\":"
		     "{\"other.example.com\":\"ecr-login\"}}",
	    true, "desktop");
	finds_helper("{\"credHelpers\":{\"other.example.com\":\"x\"}}", true, NULL);
}

static void
test_docker_helpers(void **state)
{
	(void)state;
	finds_helper("{\"credsStore\":\"desktop\"}", true, "desktop");
	finds_helper("{\"credHelpers\":{\"registry.example.com\":\"ecr-login\"}}", true,
	    "ecr-login");
	finds_helper("{\"credHelpers\":{},\"credsStore\":5}", false, NULL);
	/* Not mentioned when credentials were found. */
	finds_a_b("{\"credsStore\":\"desktop\",\"auths\":{\"registry.example.com\":"
		  "{\"auth\":\"YTpi\"}}}",
	    &host_default);
}

static void
test_docker_wrong_types(void **state)
{
	static const char *const none[] = {
	    "{}",
	    "{\"auths\":[]}",
	    "{\"auths\":null}",
	    "{\"auths\":\"registry.example.com\"}",
	    "{\"auths\":{\"registry.example.com\":[]}}",
	    "{\"auths\":{\"registry.example.com\":\"YTpi\"}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":5}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":[\"YTpi\"]}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":\"\"}}}",
	    "{\"auths\":{\"registry.example.com\":{\"auth\":null,\"identitytoken\":{}}}}",
	    "{\"auths\":{\"registry.example.com\":{\"username\":\"a\",\"password\":\"b\"}}}",
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		if (lookup(none[i], &host_default, &c, &line) != 0 || c.kind != TN_CRED_NONE)
			fail_msg("'%s' gives credentials or an error", none[i]);
	}
}

static void
test_docker_not_json_object(void **state)
{
	static const char *const bad[] = {
	    "", "[]", "\"auths\"", "{\"auths\":{}", "{\"auths\":{}} x", "{\"auths\":\"\xff\"}",
	    "{\"auths\":{}}{}",
	};
	struct tn_creds c;
	int line = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lookup(bad[i], &host_default, &c, &line) != TA_ERR_INVALID)
			fail_msg("'%s' is taken as a JSON object", bad[i]);
	assert_int_equal(lookup("{\n\n\"auths\": x}", &host_default, &c, &line), TA_ERR_INVALID);
	assert_int_equal(line, 3);
	/* Valid JSON that is not an object: jansson says line -1. */
	assert_int_equal(lookup("[1]", &host_default, &c, &line), TA_ERR_INVALID);
	assert_int_equal(line, -1);
}

static void
test_docker_bad_base64(void **state)
{
	static const char *const bad[] = {
	    "YTpi=",     /* not a multiple of 4 */
	    "YTp",       /* likewise */
	    "YT!i",      /* outside the alphabet */
	    "YT-_",      /* base64url, not standard */
	    "YTpi\\n",   /* a newline */
	    " YTpi   ",  /* blanks (EVP_DecodeBlock would drop them) */
	    "YT=i",      /* padding inside */
	    "YQ==YTpi",  /* padding, then more */
	    "YTp=Yw==",  /* likewise */
	    "Y===",      /* three pads */
	    "====",      /* nothing but padding */
	    "YQ=A",      /* a pad before data */
	};
	struct tn_creds c;
	int line;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *j = tu_fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s\"}}}", bad[i]);

		if (lookup(j, &host_default, &c, &line) != TA_ERR_FORMAT)
			fail_msg("auth '%s' is accepted", bad[i]);
		free(j);
	}
}

static void
test_docker_bad_user_pass(void **state)
{
	struct tn_creds c;

	(void)state;
	assert_int_equal(lookup_auth_raw("alice", 5, &c), TA_ERR_FORMAT);     /* no colon */
	assert_int_equal(lookup_auth_raw(":pw", 3, &c), TA_ERR_FORMAT);       /* no user */
	assert_int_equal(lookup_auth_raw(":", 1, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("al\0ce:pw", 8, &c), TA_ERR_FORMAT); /* NUL */
	assert_int_equal(lookup_auth_raw("a:p\0w", 5, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a\nb:pw", 6, &c), TA_ERR_FORMAT);   /* control */
	assert_int_equal(lookup_auth_raw("a:p\x7fw", 5, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a:pw\r\n", 6, &c), TA_ERR_FORMAT);
	assert_int_equal(lookup_auth_raw("a\xff:pw", 5, &c), TA_ERR_FORMAT);  /* not UTF-8 */
	assert_int_equal(lookup_auth_raw("\xc0\xaf:pw", 5, &c), TA_ERR_FORMAT);
}

static void
test_docker_oversized(void **state)
{
	struct tn_creds c;
	size_t n;
	char *raw, *a, *j;
	int line;

	(void)state;
	/* "auth" up to TN_CRED_MAX base64 characters. */
	n = (size_t)TN_CRED_MAX / 4 * 3;
	raw = malloc(n);
	assert_non_null(raw);
	memset(raw, 'p', n);
	raw[0] = 'u';
	raw[1] = ':';
	assert_int_equal(lookup_auth_raw(raw, n, &c), 0);
	assert_int_equal(strlen(c.pass), n - 2);
	tn_creds_clear(&c);
	free(raw);
	a = b64("u:", 2);
	j = tu_fmt("{\"auths\":{\"registry.example.com\":{\"auth\":\"%s%s\"}}}",
	    repeat('A', TN_CRED_MAX), a);
	assert_int_equal(lookup(j, &host_default, &c, &line), TA_ERR_FORMAT);
	free(j);
	free(a);
	/* A key too long matches nothing. */
	j = tu_fmt("{\"auths\":{\"%s\":{\"auth\":\"YTpi\"}}}", repeat('k', TN_AUTHS_KEY_MAX + 1));
	assert_int_equal(lookup(j, &host_default, &c, &line), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	free(j);
	/* The whole text. */
	n = TN_DOCKER_CONFIG_MAX + 1;
	j = malloc(n);
	assert_non_null(j);
	memset(j, ' ', n);
	memcpy(j, "{}", 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tn_docker_lookup(j, n, &host_default, &c, &line), TA_ERR_TOO_LARGE);
	assert_int_equal(tn_docker_lookup(j, n - 1, &host_default, &c, &line), 0);
	free(j);
}

/* ---- credential files and the caller's ------------------------------------------- */

struct tmpdir {
	char path[64];
	char file[96];
};

static void
tmp_config(struct tmpdir *t, const char *text)
{
	FILE *f;

	(void)snprintf(t->path, sizeof(t->path), "/tmp/test-notary-auth.XXXXXX");
	assert_non_null(mkdtemp(t->path));
	(void)snprintf(t->file, sizeof(t->file), "%s/config.json", t->path);
	if (text != NULL) {
		assert_non_null(f = fopen(t->file, "w"));
		assert_int_equal(fputs(text, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(setenv("DOCKER_CONFIG", t->path, 1), 0);
}

static void
tmp_done(struct tmpdir *t)
{
	(void)unlink(t->file);
	assert_int_equal(rmdir(t->path), 0);
	(void)unsetenv("DOCKER_CONFIG");
}

static void
test_creds_from_docker_file(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	struct tmpdir t = {0};

	(void)state;
	tmp_config(&t, "{\"auths\":{\"registry.example.com\":{\"auth\":\"YTpi\"}}}");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	creds_auth_is(&c, "a", "b");
	assert_true(c.loaded);
	assert_string_equal(c.file, t.file);
	/* Loaded once: a second call changes nothing. */
	assert_int_equal(tn_creds_from_docker(&c, &host_port, "https://x", &e), 0);
	creds_auth_is(&c, "a", "b");
	tn_creds_clear(&c);
	assert_false(c.loaded);
	assert_null(c.file);
	/* Nothing for this server: loaded, no file kept. */
	assert_int_equal(tn_creds_from_docker(&c, &host_port, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_true(c.loaded);
	assert_null(c.file);
	tn_creds_clear(&c);
	tmp_done(&t);

	/* No file at all. */
	tmp_config(&t, NULL);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_true(c.loaded);
	tn_creds_clear(&c);
	tmp_done(&t);
}

static void
test_creds_from_docker_file_errors(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	struct tmpdir t = {0};
	char *want;
	FILE *f;

	(void)state;
	tmp_config(&t, "{\"auths\": [}\n");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_FORMAT);
	want = tu_fmt("notary server https://n.example: docker's %s is not a JSON object (line 1); "
		   "fix it or set TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
	    t.file);
	assert_string_equal(e.text, want);
	free(want);
	assert_false(c.loaded);
	tmp_done(&t);

	tmp_config(&t, "{\"auths\":{\"registry.example.com\":{\"auth\":\"YWxpY2U=\"}}}");
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_FORMAT);
	want = tu_fmt("notary server https://n.example: docker's %s has an unusable entry for "
		   "'registry.example.com'; run docker login again or set "
		   "TUFCTL_REGISTRY_USERNAME and TUFCTL_REGISTRY_PASSWORD",
	    t.file);
	assert_string_equal(e.text, want);
	free(want);
	assert_null(c.user);
	assert_false(c.loaded);
	tmp_done(&t);

	/* Over 1 MiB. */
	tmp_config(&t, NULL);
	assert_non_null(f = fopen(t.file, "w"));
	for (size_t i = 0; i <= TN_DOCKER_CONFIG_MAX; i += 64)
		(void)fputs(repeat(' ', 64), f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_TOO_LARGE);
	want = tu_fmt("notary server https://n.example: cannot read docker's %s (", t.file);
	assert_true(strncmp(e.text, want, strlen(want)) == 0);
	free(want);
	tmp_done(&t);

	/* A directory where the file should be. */
	tmp_config(&t, NULL);
	assert_int_equal(mkdir(t.file, 0700), 0);
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://n.example", &e),
	    TA_ERR_SYSTEM);
	assert_non_null(strstr(e.text, "cannot read docker's"));
	assert_int_equal(rmdir(t.file), 0);
	tmp_done(&t);
}

static void
test_creds_from_caller(void **state)
{
	struct tn_creds c = {0};
	struct tn_error e = {""};
	char *hdr = NULL;
	size_t size = 0;

	(void)state;
	assert_int_equal(tn_creds_from_caller(&c, NULL, NULL, &e), 0);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_false(c.loaded);
	assert_int_equal(tn_creds_from_caller(&c, "alice", NULL, &e), TA_ERR_INVALID);
	assert_string_equal(e.text, "notary: a registry user name needs a password "
				    "(TUFCTL_REGISTRY_PASSWORD or --password-stdin)");
	assert_int_equal(tn_creds_from_caller(&c, "", "pw", &e), TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, NULL, "pw", &e), TA_ERR_INVALID);
	assert_non_null(strstr(e.text, "a registry password without a user name"));
	assert_int_equal(tn_creds_from_caller(&c, "a:b", "pw", &e), TA_ERR_INVALID);
	assert_string_equal(e.text, "notary: the registry user name or password is too long or "
				    "has a control character (or ':' in the name)");
	assert_int_equal(tn_creds_from_caller(&c, "a\tb", "pw", &e), TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, repeat('u', TN_CRED_MAX + 1), "pw", &e),
	    TA_ERR_INVALID);
	assert_int_equal(tn_creds_from_caller(&c, "u", repeat('p', TN_CRED_MAX + 1), &e),
	    TA_ERR_INVALID);
	assert_int_equal(c.kind, TN_CRED_NONE);
	assert_null(c.user);

	assert_int_equal(tn_creds_from_caller(&c, "alice", "s3cret", &e), 0);
	assert_int_equal(c.kind, TN_CRED_CALLER);
	assert_true(c.loaded);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YWxpY2U6czNjcmV0");
	assert_int_equal(size, strlen(hdr) + 1);
	free(hdr);
	/* Loaded: docker's file is not read. */
	assert_int_equal(tn_creds_from_docker(&c, &host_default, "https://x", &e), 0);
	assert_int_equal(c.kind, TN_CRED_CALLER);
	tn_creds_clear(&c);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), TA_ERR_INTERNAL);

	/* Empty password, and one that needs padding. */
	assert_int_equal(tn_creds_from_caller(&c, "ab", "", &e), 0);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YWI6");
	free(hdr);
	tn_creds_clear(&c);
	assert_int_equal(tn_creds_from_caller(&c, "a", "bc", &e), 0);
	assert_int_equal(tn_creds_basic_header(&c, &hdr, &size), 0);
	assert_string_equal(hdr, "Authorization: Basic YTpiYw==");
	free(hdr);
	tn_creds_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker_auth),
	    cmocka_unit_test(test_docker_key_forms),
	    cmocka_unit_test(test_docker_identity_token),
	    cmocka_unit_test(test_docker_first_usable_entry),
	    cmocka_unit_test(test_docker_helpers),
	    cmocka_unit_test(test_docker_helper_name),
	    cmocka_unit_test(test_helper_answer),
	    cmocka_unit_test(test_docker_wrong_types),
	    cmocka_unit_test(test_docker_not_json_object),
	    cmocka_unit_test(test_docker_bad_base64),
	    cmocka_unit_test(test_docker_bad_user_pass),
	    cmocka_unit_test(test_docker_oversized),
	    cmocka_unit_test(test_creds_from_caller),
	    cmocka_unit_test(test_creds_from_docker_file),
	    cmocka_unit_test(test_creds_from_docker_file_errors),
	};

	(void)unsetenv("DOCKER_CONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
