/* Unit tests for client/notary_list.c (the lists of tufctl notary add
 * --from-list) and tn_server_dir_name() (client/notary_store.c), without
 * libcurl: the names expected of the latter are the ones libcurl 7.88's
 * URL API gave for the same URLs (CURLUPART_HOST, CURLUPART_PORT with
 * CURLU_DEFAULT_PORT), so that trust directories made before keep their
 * names.  tests/integration/notary-batch.sh drives the command. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "client/notary_list.h"
#include "client/notary_store.h"
#include "common/err.h"

#define HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static json_t *
parse_ok(const char *text)
{
	struct tn_error e = { .text = "" };
	json_t *c = NULL;

	if (tn_list_parse("l", (const uint8_t *)text, strlen(text), &c, &e) != 0)
		fail_msg("refused: %s", e.text);
	return c;
}

/* The list is refused and the message starts with want. */
static void
parse_bad(const char *text, size_t len, const char *want)
{
	struct tn_error e = { .text = "" };
	json_t *c = (json_t *)1;

	assert_int_not_equal(tn_list_parse("l", (const uint8_t *)text, len, &c, &e), 0);
	assert_null(c);
	if (strncmp(e.text, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", e.text, want);
}

static void
test_list_lines(void **state)
{
	json_t *c;

	(void)state;
	c = parse_ok("# c\n\n  \t\nv1 sha256:" HEX " 12\n\tv2\tsha256:" HEX "  0  targets/rel \r\n"
		     "  # indented\nlatest sha256:" HEX " 9007199254740991");
	assert_int_equal(json_array_size(c), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "name")), "v1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "role")),
	    "targets");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "length")), 12);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "role")),
	    "targets/rel");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 1), "length")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 2), "length")),
	    9007199254740991LL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 2), "sha256")), HEX);
	json_decref(c);
	/* Empty: no changes (the command refuses it, not the parser). */
	c = parse_ok("");
	assert_int_equal(json_array_size(c), 0);
	json_decref(c);
	/* The same tag for two roles is two changes. */
	c = parse_ok("v1 sha256:" HEX " 1\nv1 sha256:" HEX " 1 targets/a\n");
	assert_int_equal(json_array_size(c), 2);
	json_decref(c);
}

/* A literal's bytes, NULs included. */
#define BAD(text, want) parse_bad(text, sizeof(text) - 1, want)

static void
test_list_bad_lines(void **state)
{
	(void)state;
	BAD("v1 sha256:" HEX "\n", "l:1: 2 fields");
	BAD("v1\n", "l:1: 1 field ");
	BAD("v1 sha256:" HEX " 1\nv2 sha256:" HEX " 1 targets x\n", "l:2: trailing 'x'");
	BAD("v1 sha256:" HEX "0 1\n", "l:1: 'sha256:");
	BAD("v1 sha256:9F86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 1\n", "l:1: 'sha256:9F");
	BAD("v1 sha512:" HEX " 1\n", "l:1: 'sha512:");
	BAD("v1 sha256:" HEX " 9007199254740992\n", "l:1: size '9007199254740992'");
	BAD("v1 sha256:" HEX " 12345678901234567\n", "l:1: size");
	BAD("v1 sha256:" HEX " +1\n", "l:1: size '+1'");
	BAD("v1 sha256:" HEX " 1e3\n", "l:1: size '1e3'");
	BAD("-v1 sha256:" HEX " 1\n", "l:1: '-v1' is not a docker tag");
	BAD("v/1 sha256:" HEX " 1\n", "l:1: 'v/1' is not a docker tag");
	BAD("v\xc3\xa9 sha256:" HEX " 1\n", "l:1: 'v\xc3\xa9' is not a docker tag");
	BAD("v\xff sha256:" HEX " 1\n", "l:1: not UTF-8 (byte 2");
	BAD("v\xc3 sha256:" HEX " 1\n", "l:1: not UTF-8");
	BAD("v1 sha256:" HEX " 1\nv\0 sha256:" HEX " 1\n", "l:2: a NUL");
	BAD("v1 sha256:" HEX " 1 root\n", "l:1: 'root' is not a targets role");
	BAD("v1 sha256:" HEX " 1 targets/\n", "l:1: 'targets/' is not");
	BAD("v1 sha256:" HEX " 1 targets/../x\n", "l:1: 'targets/../x' is not");
	BAD("v1 sha256:" HEX " 1\nv1 sha256:" HEX " 2 targets\n", "l:2: tag 'v1' of targets is on line 1 already");
}

static void
test_tag_rules(void **state)
{
	char t[130];

	(void)state;
	assert_true(tn_tag_valid("latest", 6));
	assert_true(tn_tag_valid("_x.Y-9", 6));
	assert_false(tn_tag_valid(".x", 2));
	assert_false(tn_tag_valid("", 0));
	assert_false(tn_tag_valid("a:b", 3));
	memset(t, 'a', sizeof(t));
	assert_true(tn_tag_valid(t, 128));
	assert_false(tn_tag_valid(t, 129));
}

static void
dir_ok(const char *url, const char *want)
{
	struct tn_error e = { .text = "" };
	char *n = NULL;

	if (tn_server_dir_name(url, &n, &e) != 0)
		fail_msg("%s refused: %s", url, e.text);
	assert_string_equal(n, want);
	free(n);
}

static void
dir_bad(const char *url)
{
	struct tn_error e = { .text = "" };
	char *n = (char *)1;

	if (tn_server_dir_name(url, &n, &e) == 0)
		fail_msg("%s taken as %s", url, n);
	assert_null(n);
}

static void
test_server_dir_names(void **state)
{
	(void)state;
	/* What libcurl 7.88 answered for each. */
	dir_ok("http://127.0.0.1:4443", "127.0.0.1:4443");
	dir_ok("https://notary.example.com", "notary.example.com:443");
	dir_ok("http://notary.example.com/", "notary.example.com:80");
	dir_ok("HTTP://Notary.EXAMPLE.com:0443/", "Notary.EXAMPLE.com:443");
	dir_ok("http://[::1]:80", "[::1]:80");
	dir_ok("http://[::FFFF:1]", "[::FFFF:1]:80");
	dir_ok("https://a_b.c", "a_b.c:443");
	dir_ok("http://u:p@h:1/x?y#z", "h:1");
	dir_ok("http://h:", "h:80");
	dir_ok("http://h.:80", "h.:80");
	dir_ok("http://10.0.0.1:5000", "10.0.0.1:5000");
	/* Refused: curl refuses them, or would rewrite the host. */
	dir_bad("ftp://h");
	dir_bad("http:/h");
	dir_bad("http://");
	dir_bad("http://:80");
	dir_bad("http://h:99999");
	dir_bad("http://h:8x");
	dir_bad("http://h h");
	dir_bad("http://ho%41st");
	dir_bad("http://1.2.3");
	dir_bad("http://0x7f.1");
	dir_bad("http://010.0.0.1");
	dir_bad("http://[::1");
	dir_bad("http://[zz]");
	dir_bad("http://..");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_lines),
		cmocka_unit_test(test_list_bad_lines),
		cmocka_unit_test(test_tag_rules),
		cmocka_unit_test(test_server_dir_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
