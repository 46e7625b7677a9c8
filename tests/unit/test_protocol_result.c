/* protocol/: the typed result and params codecs (protocol/result.c,
 * protocol/params.c), and that every method has both and a PROTOCOL.md
 * section.  The frame, request and response decoders are in
 * test_protocol.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/keytype.h"
#include "common/secret.h"
#include "protocol/proto.h"

#define KN "9f2c000000000000000000000000000000000000000000000000000000000001"
#define KT "1234000000000000000000000000000000000000000000000000000000000002"
#define PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#define PEM_JSON "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"

/* The compact JSON text of o, which the test frees. */
static char *
text_of(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	assert_non_null(s);
	return s;
}

/* o's compact JSON text is want. */
static void
text_is(json_t *o, const char *want)
{
	char *s = text_of(o);

	assert_string_equal(s, want);
	free(s);
}

static json_t *
parse(const char *s)
{
	json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, NULL);

	assert_non_null(o);
	return o;
}

/* One case of decode_any(); DECODE_CLEAR for the results that own memory. */
#define DECODE(method, name)                                                                       \
	case TA_PROTO_METHOD_##method: {                                                           \
		struct ta_proto_##name##_result v;                                                 \
		return ta_proto_decode_##name##_result(o, &v);                                     \
	}
#define DECODE_CLEAR(method, name)                                                                 \
	case TA_PROTO_METHOD_##method: {                                                           \
		struct ta_proto_##name##_result v = { 0 };                                         \
		r = ta_proto_decode_##name##_result(o, &v);                                        \
		ta_proto_##name##_result_clear(&v);                                                \
		return r;                                                                          \
	}

/* The decoder for m's result, its struct freed again: 0 or its error.  A
 * switch without default: a method added to the enum without a result
 * decoder here is a -Wswitch warning (an error under WERROR=1). */
static int
decode_any(enum ta_proto_method m, const json_t *o)
{
	int r = TA_ERR_INVALID;

	switch (m) {
	DECODE(HELLO, hello)
	DECODE_CLEAR(STATUS, status)
	DECODE(UNLOCK, unlock)
	DECODE_CLEAR(LOCK, lock)
	DECODE_CLEAR(KEY_LIST, key_list)
	DECODE(KEY_GENERATE, key_generate)
	DECODE(KEY_CERT, key_cert)
	DECODE(KEY_SHOW, key_show)
	DECODE(SIGN, sign)
	DECODE(KEY_SCOPE, key_scope)
	DECODE(KEY_ATTEST, key_attest)
	case TA_PROTO_METHOD_NONE:
	case TA_PROTO_METHOD_COUNT_:
		break;
	}
	return r;
}

#undef DECODE
#undef DECODE_CLEAR

/* Decodes json as m's result: 0 (good) or TA_ERR_PROTOCOL (bad) is wanted. */
static void
decode_is(enum ta_proto_method m, const char *json, int want)
{
	json_t *o = parse(json);

	if (decode_any(m, o) != want)
		fail_msg("%s %s %s", ta_proto_method_name(m), want == 0 ? "refused" : "accepted",
		    json);
	json_decref(o);
}

static void
decode_bad(enum ta_proto_method m, const char *json)
{
	decode_is(m, json, TA_ERR_PROTOCOL);
}

static void
decode_good(enum ta_proto_method m, const char *json)
{
	decode_is(m, json, 0);
}

/* A KEY with a scope for key.list and key.generate. */
static struct ta_proto_key_info
key_fixture(bool scoped)
{
	struct ta_proto_key_info k = {
	    .label = "targets-1",
	    .token = "ci-hsm",
	    .uri = "pkcs11:token=ci-hsm;object=targets-1",
	    .type = TA_KEY_EC_P256,
	    .notary_id = KN,
	    .tuf_id = KT,
	    .cert = true,
	    .has_scope = scoped,
	    .scope = {.profile = TA_PROTO_PROFILE_NOTARY, .n_guns = 2, .n_roles = 1},
	};

	strcpy(k.scope.guns[0], "r.example/a");
	strcpy(k.scope.guns[1], "r.example/b*");
	strcpy(k.scope.roles[0], "targets");
	return k;
}

static void
scope_equal(const struct ta_proto_scope *a, const struct ta_proto_scope *b)
{
	assert_int_equal(a->profile, b->profile);
	assert_int_equal(a->n_guns, b->n_guns);
	assert_int_equal(a->n_roles, b->n_roles);
	for (size_t i = 0; i < a->n_guns; i++)
		assert_string_equal(a->guns[i], b->guns[i]);
	for (size_t i = 0; i < a->n_roles; i++)
		assert_string_equal(a->roles[i], b->roles[i]);
}

static void
key_equal(const struct ta_proto_key_info *a, const struct ta_proto_key_info *b)
{
	assert_string_equal(a->label, b->label);
	assert_string_equal(a->token, b->token);
	assert_string_equal(a->uri, b->uri);
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->notary_id, b->notary_id);
	assert_string_equal(a->tuf_id, b->tuf_id);
	assert_int_equal(a->cert, b->cert);
	assert_int_equal(a->has_scope, b->has_scope);
	if (a->has_scope)
		scope_equal(&a->scope, &b->scope);
}

/* ---- round trips ----------------------------------------------------------------- */

static void
test_result_status_round_trip(void **state)
{
	struct ta_proto_token_status toks[] = {
	    {.name = "ci-hsm",
		.uri = "pkcs11:token=ci-hsm",
		.present = true,
		.unlocked = true,
		.pin = TA_PROTO_PIN_OK,
		.keys = 2,
		.serial = "0a1b2c3d",
		.model = "SoftHSM v2"},
	    {.name = "yubi", .uri = "pkcs11:token=yubi", .pin = TA_PROTO_PIN_UNKNOWN},
	};
	struct ta_proto_status_result in = {
	    .version = 1, .agent = "tuf-agent 0.1.0", .tokens = toks, .n_tokens = 2};
	struct ta_proto_status_result out = {0};
	json_t *o = NULL;

	(void)state;
	assert_int_equal(ta_proto_status_result_json(&in, &o), 0);
	/* The member order the agent has always sent. */
	text_is(o,
	    "{\"version\":1,\"agent\":\"tuf-agent 0.1.0\",\"tokens\":[{\"name\":\"ci-hsm\","
	    "\"uri\":\"pkcs11:token=ci-hsm\",\"present\":true,\"unlocked\":true,\"pin\":\"ok\","
	    "\"keys\":2,\"serial\":\"0a1b2c3d\",\"model\":\"SoftHSM v2\"},{\"name\":\"yubi\",\"uri\":\"pkcs11:token=yubi\",\"present\":false,"
	    "\"unlocked\":false,\"pin\":\"unknown\",\"keys\":0}]}");
	assert_int_equal(ta_proto_decode_status_result(o, &out), 0);
	assert_int_equal(out.version, 1);
	assert_string_equal(out.agent, in.agent);
	assert_int_equal(out.n_tokens, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(out.tokens[i].name, toks[i].name);
		assert_string_equal(out.tokens[i].uri, toks[i].uri);
		assert_int_equal(out.tokens[i].present, toks[i].present);
		assert_int_equal(out.tokens[i].unlocked, toks[i].unlocked);
		assert_int_equal(out.tokens[i].pin, toks[i].pin);
		assert_int_equal(out.tokens[i].keys, toks[i].keys);
	}
	assert_string_equal(out.tokens[0].serial, "0a1b2c3d");
	assert_string_equal(out.tokens[0].model, "SoftHSM v2");
	assert_null(out.tokens[0].manufacturer);
	assert_null(out.tokens[1].serial);
	ta_proto_status_result_clear(&out);
	ta_proto_status_result_clear(&out); /* cleared twice: a no-op */
	json_decref(o);
}

static void
test_result_unlock_lock_round_trip(void **state)
{
	struct ta_proto_unlock_result u = {.token = "ci-hsm"}, u2;
	const char *names[] = {"ci-hsm", "hsm2"};
	struct ta_proto_lock_result l = {.tokens = names, .n_tokens = 2}, l2 = {0};
	json_t *o = NULL;

	(void)state;
	assert_int_equal(ta_proto_unlock_result_json(&u, &o), 0);
	assert_int_equal(ta_proto_decode_unlock_result(o, &u2), 0);
	assert_string_equal(u2.token, "ci-hsm");
	json_decref(o);

	assert_int_equal(ta_proto_lock_result_json(&l, &o), 0);
	text_is(o, "{\"tokens\":[\"ci-hsm\",\"hsm2\"]}");
	assert_int_equal(ta_proto_decode_lock_result(o, &l2), 0);
	assert_int_equal(l2.n_tokens, 2);
	assert_string_equal(l2.tokens[0], "ci-hsm");
	assert_string_equal(l2.tokens[1], "hsm2");
	ta_proto_lock_result_clear(&l2);
	json_decref(o);

	l.n_tokens = 0;
	assert_int_equal(ta_proto_lock_result_json(&l, &o), 0);
	assert_int_equal(ta_proto_decode_lock_result(o, &l2), 0);
	assert_int_equal(l2.n_tokens, 0);
	ta_proto_lock_result_clear(&l2);
	json_decref(o);
}

static void
test_result_keys_round_trip(void **state)
{
	struct ta_proto_key_info keys[2] = {key_fixture(true), key_fixture(false)};
	struct ta_proto_key_list_result in = {.keys = keys, .n_keys = 2}, out = {0};
	struct ta_proto_key_generate_result g = {.key = keys[0]}, g2;
	json_t *o = NULL;

	(void)state;
	keys[1].type = TA_KEY_RSA_OTHER; /* "rsa": a key some other program made */
	keys[1].cert = false;
	assert_int_equal(ta_proto_key_list_result_json(&in, &o), 0);
	text_is(o,
	    "{\"keys\":[{\"label\":\"targets-1\",\"token\":\"ci-hsm\",\"uri\":\"pkcs11:token=ci-"
	    "hsm;"
	    "object=targets-1\",\"type\":\"ecdsa-p256\",\"keyids\":{\"notary\":\"" KN
	    "\",\"tuf\":\"" KT
	    "\"},\"cert\":true,\"scope\":{\"guns\":[\"r.example/a\",\"r.example/b*\"],\"roles\":["
	    "\"targets\"],\"profile\":\"notary\"}},{\"label\":\"targets-1\",\"token\":\"ci-hsm\","
	    "\"uri\":\"pkcs11:token=ci-hsm;object=targets-1\",\"type\":\"rsa\",\"keyids\":{"
	    "\"notary\":\"" KN "\",\"tuf\":\"" KT "\"},\"cert\":false,\"scope\":null}]}");
	assert_int_equal(ta_proto_decode_key_list_result(o, &out), 0);
	assert_int_equal(out.n_keys, 2);
	key_equal(&out.keys[0], &keys[0]);
	key_equal(&out.keys[1], &keys[1]);
	ta_proto_key_list_result_clear(&out);
	json_decref(o);

	assert_int_equal(ta_proto_key_generate_result_json(&g, &o), 0);
	assert_null(json_object_get(o, "logged_out")); /* present only when true */
	assert_int_equal(ta_proto_decode_key_generate_result(o, &g2), 0);
	key_equal(&g2.key, &keys[0]);
	assert_false(g2.logged_out);
	json_decref(o);

	/* A PIV generation that left the token locked says so. */
	g.logged_out = true;
	assert_int_equal(ta_proto_key_generate_result_json(&g, &o), 0);
	assert_true(json_is_true(json_object_get(o, "logged_out")));
	assert_int_equal(ta_proto_decode_key_generate_result(o, &g2), 0);
	assert_true(g2.logged_out);
	/* "logged_out": false is not a form the agent writes. */
	assert_int_equal(json_object_set_new(o, "logged_out", json_false()), 0);
	assert_int_equal(ta_proto_decode_key_generate_result(o, &g2), TA_ERR_PROTOCOL);
	assert_int_equal(json_object_set_new(o, "logged_out", json_string("yes")), 0);
	assert_int_equal(ta_proto_decode_key_generate_result(o, &g2), TA_ERR_PROTOCOL);
	json_decref(o);
}

static void
test_result_cert_show_scope_round_trip(void **state)
{
	struct ta_proto_key_cert_result c = {.pem = PEM,
	    .pem_len = strlen(PEM),
	    .stored = true,
	    .not_after = "2035-01-01T00:00:00Z"};
	struct ta_proto_key_cert_result c2;
	struct ta_proto_key_show_result sh = {.profile = TA_PROTO_PROFILE_TUF, .keyid = KT}, sh2;
	struct ta_proto_key_scope_result sc = {.label = "root-1", .keyid = KN}, sc2;
	struct ta_proto_key_info k = key_fixture(true);
	json_t *o = NULL, *key = parse("{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"QUJD\"}}");
	char *s;

	(void)state;
	assert_int_equal(ta_proto_key_cert_result_json(&c, &o), 0);
	text_is(o,
	    "{\"pem\":\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END "
	    "CERTIFICATE-----\\n\",\"stored\":true,\"not_after\":\"2035-01-01T00:"
	    "00:00Z\"}");
	assert_int_equal(ta_proto_decode_key_cert_result(o, &c2), 0);
	assert_int_equal(c2.pem_len, c.pem_len);
	assert_memory_equal(c2.pem, PEM, c.pem_len);
	assert_true(c2.stored);
	assert_string_equal(c2.not_after, c.not_after);
	json_decref(o);

	sh.key = key;
	sh.has_scope = true;
	sh.scope = k.scope;
	assert_int_equal(ta_proto_key_show_result_json(&sh, &o), 0);
	assert_int_equal(ta_proto_decode_key_show_result(o, &sh2), 0);
	assert_int_equal(sh2.profile, TA_PROTO_PROFILE_TUF);
	assert_string_equal(sh2.keyid, KT);
	assert_true(json_equal(sh2.key, key));
	assert_true(sh2.has_scope);
	scope_equal(&sh2.scope, &k.scope);
	s = text_of(o);
	assert_non_null(strstr(s, "{\"profile\":\"tuf\",\"keyid\":\"" KT "\",\"key\":{"));
	free(s);
	json_decref(o);

	assert_int_equal(ta_proto_key_scope_result_json(&sc, &o), 0);
	text_is(o, "{\"label\":\"root-1\",\"keyid\":\"" KN "\",\"scope\":null}");
	assert_int_equal(ta_proto_decode_key_scope_result(o, &sc2), 0);
	assert_string_equal(sc2.label, "root-1");
	assert_false(sc2.has_scope);
	json_decref(o);
	json_decref(key);
}

/* ---- strict decoding ---------------------------------------------------------------- */

#define KEY_OK                                                                                     \
	"{\"label\":\"l\",\"token\":\"t\",\"uri\":\"pkcs11:\",\"type\":\"ed25519\",\"keyids\":{"   \
	"\"notary\":\"" KN "\",\"tuf\":\"" KT "\"},\"cert\":false,\"scope\":null}"

static void
test_result_decode_refuses(void **state)
{
	char big[TA_PROTO_URI_MAX + 64], json[TA_PROTO_URI_MAX + 512];

	(void)state;
	/* The good shapes first, so that each bad one below is bad for its
	 * one reason. */
	decode_good(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":[]}");
	decode_good(TA_PROTO_METHOD_KEY_LIST, "{\"keys\":[" KEY_OK "]}");
	decode_good(TA_PROTO_METHOD_KEY_LIST, "{\"keys\":[]}");
	/* A label is what some program wrote to the token: control
	 * characters are shown as '?' by tufctl, not refused. */
	decode_good(TA_PROTO_METHOD_UNLOCK, "{\"token\":\"ci\\u001b[31m\"}");

	/* not an object, wrong types */
	decode_bad(TA_PROTO_METHOD_STATUS, "[]");
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":\"1\",\"agent\":\"a\",\"tokens\":[]}");
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":{}}");
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":[{\"name\":"
					   "\"n\",\"uri\":\"u\",\"present\":1,"
					   "\"unlocked\":true,\"pin\":\"ok\",\"keys\":0}]}");
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":[{\"name\":"
					   "\"n\",\"uri\":\"u\",\"present\":true,"
					   "\"unlocked\":true,\"pin\":\"fine\",\"keys\":0}]}");
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":[{\"name\":"
					   "\"n\",\"uri\":\"u\",\"present\":true,"
					   "\"unlocked\":true,\"pin\":\"ok\",\"keys\":-1}]}");
	decode_bad(TA_PROTO_METHOD_UNLOCK, "{\"token\":7}");
	decode_bad(TA_PROTO_METHOD_LOCK, "{\"tokens\":[\"a\",1]}");
	decode_bad(TA_PROTO_METHOD_KEY_CERT,
	    "{\"pem\":\"" PEM_JSON "\",\"stored\":\"yes\",\"not_after\":\"2035-01-01T00:00:00Z\"}");
	decode_bad(TA_PROTO_METHOD_KEY_CERT,
	    "{\"pem\":\"PEM\",\"stored\":true,\"not_after\":\"2035-01-01T00:00:00Z\"}");
	decode_bad(TA_PROTO_METHOD_KEY_CERT,
	    "{\"pem\":\"-----BEGIN X\",\"stored\":true,\"not_after\":\"2035-01-01 00:00:00\"}");
	decode_bad(TA_PROTO_METHOD_KEY_SHOW,
	    "{\"profile\":\"notary\",\"keyid\":\"" KN "\",\"key\":\"k\",\"scope\":null}");
	decode_bad(TA_PROTO_METHOD_KEY_SHOW,
	    "{\"profile\":\"x509\",\"keyid\":\"" KN "\",\"key\":{},\"scope\":null}");
	decode_bad(TA_PROTO_METHOD_KEY_SCOPE,
	    "{\"label\":\"l\",\"keyid\":\"" KN "\",\"scope\":{\"guns\":[],\"roles\":[\"r\"]}}");
	decode_bad(TA_PROTO_METHOD_KEY_LIST,
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"u\",\"type\":\"rsa-1024\","
	    "\"keyids\":"
	    "{\"notary\":\"" KN "\",\"tuf\":\"" KT "\"},\"cert\":false,\"scope\":null}]}");
	decode_bad(TA_PROTO_METHOD_KEY_LIST,
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"u\",\"type\":\"ed25519\","
	    "\"keyids\":"
	    "{\"notary\":\"" KT "X\",\"tuf\":\"" KT "\"},\"cert\":false,\"scope\":null}]}");
	/* missing members */
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\"}");
	decode_bad(TA_PROTO_METHOD_UNLOCK, "{}");
	decode_bad(TA_PROTO_METHOD_KEY_GENERATE, "{}");
	decode_bad(TA_PROTO_METHOD_KEY_CERT, "{\"pem\":\"" PEM_JSON "\",\"stored\":true}");
	decode_bad(
	    TA_PROTO_METHOD_KEY_SHOW, "{\"profile\":\"notary\",\"keyid\":\"" KN "\",\"key\":{}}");
	decode_bad(TA_PROTO_METHOD_KEY_SCOPE, "{\"label\":\"l\",\"keyid\":\"" KN "\"}");
	decode_bad(TA_PROTO_METHOD_KEY_LIST,
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"u\",\"type\":\"ed25519\","
	    "\"keyids\":"
	    "{\"notary\":\"" KN "\",\"tuf\":\"" KT "\"},\"cert\":false}]}");
	/* extra members, at each level */
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\",\"tokens\":[],\"x\":1}");
	decode_bad(TA_PROTO_METHOD_UNLOCK, "{\"token\":\"t\",\"pin\":\"p\"}");
	decode_bad(TA_PROTO_METHOD_LOCK, "{\"tokens\":[],\"all\":true}");
	decode_bad(TA_PROTO_METHOD_KEY_GENERATE, "{\"key\":" KEY_OK ",\"x\":null}");
	decode_bad(TA_PROTO_METHOD_KEY_LIST,
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"u\",\"type\":\"ed25519\","
	    "\"keyids\":"
	    "{\"notary\":\"" KN "\",\"tuf\":\"" KT "\",\"x509\":\"" KT "\"},\"cert\":false,"
	    "\"scope\":null}]}");
	decode_bad(TA_PROTO_METHOD_KEY_SCOPE,
	    "{\"label\":\"l\",\"keyid\":\"" KN "\",\"scope\":null,\"was\":null}");
	/* empty and oversized strings */
	decode_bad(TA_PROTO_METHOD_UNLOCK, "{\"token\":\"\"}");
	memset(big, 'u', sizeof(big) - 1);
	big[TA_PROTO_URI_MAX + 1] = '\0';
	(void)snprintf(json, sizeof(json), "{\"token\":\"%s\"}", big);
	decode_bad(TA_PROTO_METHOD_UNLOCK, json);
	(void)snprintf(json, sizeof(json),
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"%s\",\"type\":\"ed25519\","
	    "\"keyids\":{\"notary\":\"" KN "\",\"tuf\":\"" KT
	    "\"},\"cert\":false,\"scope\":null}]}",
	    big);
	decode_bad(TA_PROTO_METHOD_KEY_LIST, json);
	big[TA_PROTO_URI_MAX] = '\0';
	json[0] = '\0';
	(void)snprintf(json, sizeof(json),
	    "{\"keys\":[{\"label\":\"l\",\"token\":\"t\",\"uri\":\"%s\",\"type\":\"ed25519\","
	    "\"keyids\":{\"notary\":\"" KN "\",\"tuf\":\"" KT
	    "\"},\"cert\":false,\"scope\":null}]}",
	    big);
	decode_good(TA_PROTO_METHOD_KEY_LIST, json);
	big[TA_PROTO_AGENT_MAX + 1] = '\0';
	(void)snprintf(json, sizeof(json), "{\"version\":1,\"agent\":\"%s\",\"tokens\":[]}", big);
	decode_bad(TA_PROTO_METHOD_STATUS, json);
	/* text where text is required: no control characters in agent */
	decode_bad(TA_PROTO_METHOD_STATUS, "{\"version\":1,\"agent\":\"a\\u0007\",\"tokens\":[]}");
}

/* Strings that jansson would not parse, but a caller could build. */
static void
test_result_invalid_utf8(void **state)
{
	json_t *o = json_object(), *keys = json_array(), *k = parse(KEY_OK);
	struct ta_proto_key_info bad = key_fixture(false);
	json_t *out = NULL;

	(void)state;
	assert_int_equal(json_object_set_new(o, "token", json_stringn_nocheck("t\xff", 2)), 0);
	assert_int_equal(decode_any(TA_PROTO_METHOD_UNLOCK, o), TA_ERR_PROTOCOL);
	assert_int_equal(json_object_set_new(o, "token", json_stringn_nocheck("t\0u", 3)), 0);
	assert_int_equal(decode_any(TA_PROTO_METHOD_UNLOCK, o), TA_ERR_PROTOCOL);
	json_decref(o);

	assert_int_equal(json_object_set_new(k, "label", json_stringn_nocheck("\xc0\x80", 2)), 0);
	assert_int_equal(json_array_append_new(keys, k), 0);
	o = json_pack("{s:o}", "keys", keys);
	assert_int_equal(decode_any(TA_PROTO_METHOD_KEY_LIST, o), TA_ERR_PROTOCOL);
	json_decref(o);

	/* and the encoders refuse what the decoders would */
	bad.label = "\xff";
	assert_int_equal(ta_proto_key_info_json(&bad, &out), TA_ERR_INVALID);
	assert_null(out);
}

static void
test_result_encode_refuses(void **state)
{
	struct ta_proto_token_status t = {.name = "n", .uri = "u", .pin = 99};
	struct ta_proto_status_result st = {
	    .version = 1, .agent = "a", .tokens = &t, .n_tokens = 1};
	struct ta_proto_key_info k = key_fixture(true);
	struct ta_proto_key_cert_result c = {
	    .pem = PEM, .pem_len = strlen(PEM), .not_after = "2035-01-01T00:00:00Z"};
	struct ta_proto_key_show_result sh = {.profile = TA_PROTO_PROFILE_NOTARY, .keyid = KN};
	struct ta_proto_key_scope_result sc = {.label = "", .keyid = KN};
	struct ta_proto_lock_result l = {.n_tokens = TA_PROTO_TOKENS_MAX + 1};
	json_t *o = NULL;

	(void)state;
	assert_int_equal(ta_proto_status_result_json(&st, &o), TA_ERR_INVALID);
	t.pin = TA_PROTO_PIN_OK;
	t.serial = "a\nb";
	assert_int_equal(ta_proto_status_result_json(&st, &o), TA_ERR_INVALID);
	t.serial = "0123456789abcdef0123456789abcdef0";
	assert_int_equal(ta_proto_status_result_json(&st, &o), TA_ERR_INVALID);
	t.serial = NULL;
	t.pin = 99;
	t.pin = TA_PROTO_PIN_OK;
	st.agent = "a\n";
	assert_int_equal(ta_proto_status_result_json(&st, &o), TA_ERR_INVALID);
	assert_int_equal(ta_proto_lock_result_json(&l, &o), TA_ERR_INVALID);
	k.notary_id = "AB";
	assert_int_equal(ta_proto_key_info_json(&k, &o), TA_ERR_INVALID);
	k = key_fixture(true);
	k.scope.n_guns = 0;
	assert_int_equal(ta_proto_key_info_json(&k, &o), TA_ERR_INVALID);
	k = key_fixture(false);
	k.type = TA_KEY_NONE;
	assert_int_equal(ta_proto_key_info_json(&k, &o), TA_ERR_INVALID);
	c.not_after = "tomorrow";
	assert_int_equal(ta_proto_key_cert_result_json(&c, &o), TA_ERR_INVALID);
	c.not_after = "2035-01-01T00:00:00Z";
	c.pem = "-----BEGIN X\x01";
	c.pem_len = strlen(c.pem);
	assert_int_equal(ta_proto_key_cert_result_json(&c, &o), TA_ERR_INVALID);
	assert_int_equal(ta_proto_key_show_result_json(&sh, &o), TA_ERR_INVALID); /* key NULL */
	assert_int_equal(ta_proto_key_scope_result_json(&sc, &o), TA_ERR_INVALID);
	assert_int_equal(ta_proto_hello_result_json(0, "a", &o), TA_ERR_INVALID);
	assert_null(o);
}

/* ---- params ---------------------------------------------------------------------- */

/* params as the agent decodes them: encoded as a request, framed, decoded. */
static struct ta_proto_req *
through_agent(enum ta_proto_method m, int r, json_t *params)
{
	struct ta_buf *b = ta_buf_new(TA_BUF_MAX);
	struct ta_proto_req *req = NULL;
	struct ta_proto_fault f;
	struct ta_proto_id id;
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_int_equal(r, 0);
	assert_non_null(b);
	assert_int_equal(ta_proto_id_int(7, &id), 0);
	assert_int_equal(ta_proto_encode_request(b, &id, m, params), 0);
	json_decref(params);
	assert_int_equal(ta_proto_frame_take(b, TA_PROTO_MAX_FRAME, &p, &n), 0);
	if (ta_proto_decode_request(p, n, &req, &f) != 0)
		fail_msg("%s: %s", ta_proto_method_name(m), f.detail);
	ta_buf_free(b);
	assert_int_equal(req->method, m);
	return req;
}

static void
test_params_round_trip(void **state)
{
	struct ta_proto_hello h = {.versions = {1, 2}, .n_versions = 2, .client = "tufctl"};
	struct ta_proto_unlock u = {.token = "ci-hsm"};
	struct ta_proto_token_params tp = {.token = ""};
	struct ta_proto_key_generate g = {.label = "k", .type = TA_KEY_ED25519, .has_scope = true};
	struct ta_proto_key_cert c = {.key = "k", .gun = "r.example/a", .days = 30, .store = true};
	struct ta_proto_key_show sh = {.key = "k", .profile = TA_PROTO_PROFILE_TUF};
	struct ta_proto_key_scope sc = {.key = "k", .op = TA_PROTO_SCOPE_ADD};
	struct ta_proto_sign *s = calloc(1, sizeof(*s));
	struct ta_proto_req *r;
	json_t *p = NULL;
	int e;

	(void)state;
	assert_non_null(s);
	g.scope = key_fixture(true).scope;
	sc.scope = g.scope;
	e = ta_proto_hello_params(&h, &p);
	r = through_agent(TA_PROTO_METHOD_HELLO, e, p);
	assert_int_equal(r->p.hello.n_versions, 2);
	assert_int_equal(r->p.hello.versions[1], 2);
	assert_string_equal(r->p.hello.client, "tufctl");
	ta_proto_req_free(r);

	assert_non_null(u.pin = ta_secret_from("p\x01n", 3));
	e = ta_proto_unlock_params(&u, &p);
	r = through_agent(TA_PROTO_METHOD_UNLOCK, e, p);
	assert_string_equal(r->p.unlock.token, "ci-hsm");
	assert_int_equal(r->p.unlock.pin->len, 3);
	assert_memory_equal(r->p.unlock.pin->data, "p\x01n", 3);
	ta_proto_req_free(r);
	ta_secret_free(u.pin);

	e = ta_proto_token_params(&tp, &p);
	assert_int_equal(json_object_size(p), 0); /* "" is left out */
	r = through_agent(TA_PROTO_METHOD_LOCK, e, p);
	assert_string_equal(r->p.lock.token, "");
	ta_proto_req_free(r);

	e = ta_proto_key_generate_params(&g, &p);
	r = through_agent(TA_PROTO_METHOD_KEY_GENERATE, e, p);
	assert_string_equal(r->p.key_generate.label, "k");
	assert_int_equal(r->p.key_generate.type, TA_KEY_ED25519);
	assert_true(r->p.key_generate.has_scope);
	scope_equal(&r->p.key_generate.scope, &g.scope);
	assert_int_equal(r->p.key_generate.slot, 0);
	ta_proto_req_free(r);
	/* A PIV slot, no label; a slot that is not one is refused. */
	g.label[0] = '\0';
	g.slot = 0x9d;
	e = ta_proto_key_generate_params(&g, &p);
	r = through_agent(TA_PROTO_METHOD_KEY_GENERATE, e, p);
	assert_int_equal(r->p.key_generate.slot, 0x9d);
	assert_string_equal(r->p.key_generate.label, "");
	ta_proto_req_free(r);
	g.slot = 0x9b;
	assert_int_equal(ta_proto_key_generate_params(&g, &p), TA_ERR_INVALID);
	g.slot = 0x19d;
	assert_int_equal(ta_proto_key_generate_params(&g, &p), TA_ERR_INVALID);
	g.slot = 0;
	assert_int_equal(ta_proto_key_generate_params(&g, &p), TA_ERR_INVALID); /* nor a label */

	e = ta_proto_key_cert_params(&c, &p);
	r = through_agent(TA_PROTO_METHOD_KEY_CERT, e, p);
	assert_string_equal(r->p.key_cert.gun, "r.example/a");
	assert_int_equal(r->p.key_cert.days, 30);
	assert_true(r->p.key_cert.store);
	ta_proto_req_free(r);
	c.days = 0;
	c.store = false;
	e = ta_proto_key_cert_params(&c, &p);
	r = through_agent(TA_PROTO_METHOD_KEY_CERT, e, p);
	assert_int_equal(r->p.key_cert.days, TA_PROTO_DAYS_DEFAULT);
	assert_false(r->p.key_cert.store);
	ta_proto_req_free(r);

	e = ta_proto_key_show_params(&sh, &p);
	r = through_agent(TA_PROTO_METHOD_KEY_SHOW, e, p);
	assert_int_equal(r->p.key_show.profile, TA_PROTO_PROFILE_TUF);
	ta_proto_req_free(r);

	for (int op = TA_PROTO_SCOPE_SHOW; op <= TA_PROTO_SCOPE_CLEAR; op++) {
		sc.op = op;
		e = ta_proto_key_scope_params(&sc, &p);
		r = through_agent(TA_PROTO_METHOD_KEY_SCOPE, e, p);
		assert_int_equal(r->p.key_scope.op, op);
		if (op == TA_PROTO_SCOPE_SET || op == TA_PROTO_SCOPE_ADD)
			scope_equal(&r->p.key_scope.scope, &sc.scope);
		ta_proto_req_free(r);
	}

	s->profile = TA_PROTO_PROFILE_NOTARY;
	strcpy(s->role, "targets/releases");
	strcpy(s->gun, "r.example/a");
	strcpy(s->keys[0], "a");
	strcpy(s->keys[1], "pkcs11:object=b");
	s->n_keys = 2;
	s->file = "{\"signed\":{}}\n";
	s->file_len = strlen(s->file);
	s->parent = "{\"signed\":{\"_type\":\"targets\"}}";
	s->parent_len = strlen(s->parent);
	e = ta_proto_sign_params(s, &p);
	r = through_agent(TA_PROTO_METHOD_SIGN, e, p);
	assert_int_equal(r->p.sign.n_keys, 2);
	assert_string_equal(r->p.sign.keys[1], "pkcs11:object=b");
	assert_string_equal(r->p.sign.role, "targets/releases");
	assert_string_equal(r->p.sign.gun, "r.example/a");
	assert_int_equal(r->p.sign.file_len, s->file_len);
	assert_memory_equal(r->p.sign.file, s->file, s->file_len);
	assert_int_equal(r->p.sign.parent_len, s->parent_len);
	assert_null(r->p.sign.prev_root);
	ta_proto_req_free(r);

	/* refused on their face */
	s->n_keys = 0;
	assert_int_equal(ta_proto_sign_params(s, &p), TA_ERR_INVALID);
	g.type = TA_KEY_NONE;
	assert_int_equal(ta_proto_key_generate_params(&g, &p), TA_ERR_INVALID);
	c.days = TA_PROTO_DAYS_MAX + 1;
	assert_int_equal(ta_proto_key_cert_params(&c, &p), TA_ERR_INVALID);
	sh.profile = TA_PROTO_PROFILE_NONE;
	assert_int_equal(ta_proto_key_show_params(&sh, &p), TA_ERR_INVALID);
	u.pin = NULL;
	assert_int_equal(ta_proto_unlock_params(&u, &p), TA_ERR_INVALID);
	free(s);
}

/* ---- the method table, the codecs and PROTOCOL.md ------------------------------------ */

typedef void (*any_fn)(void);

/* Every method's codecs.  status alone has no params (PROTOCOL.md §5.2). */
#define CODEC(method, params, name)                                                                \
	{ TA_PROTO_METHOD_##method, (any_fn)(params), (any_fn)ta_proto_##name##_result_json,        \
		(any_fn)ta_proto_decode_##name##_result }
static const struct {
	enum ta_proto_method m;
	any_fn params, encode, decode;
} codecs[] = {
	CODEC(HELLO, ta_proto_hello_params, hello),
	CODEC(STATUS, NULL, status),
	CODEC(UNLOCK, ta_proto_unlock_params, unlock),
	CODEC(LOCK, ta_proto_token_params, lock),
	CODEC(KEY_LIST, ta_proto_token_params, key_list),
	CODEC(KEY_GENERATE, ta_proto_key_generate_params, key_generate),
	CODEC(KEY_CERT, ta_proto_key_cert_params, key_cert),
	CODEC(KEY_SHOW, ta_proto_key_show_params, key_show),
	CODEC(SIGN, ta_proto_sign_params, sign),
	CODEC(KEY_SCOPE, ta_proto_key_scope_params, key_scope),
	CODEC(KEY_ATTEST, ta_proto_key_attest_params, key_attest),
};
#undef CODEC

/* protocol/PROTOCOL.md, found from this file's place in the source tree. */
static char *
read_protocol_md(void)
{
	const char *slash = strrchr(__FILE__, '/');
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	(void)snprintf(path, sizeof(path), "%.*s../../protocol/PROTOCOL.md",
	    slash != NULL ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
	if ((f = fopen(path, "re")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	(void)fclose(f);
	return buf;
}

/* md has a line "### 5.N ...`name`" */
static bool
has_section(const char *md, const char *name)
{
	char want[64];

	(void)snprintf(want, sizeof(want), "`%s`", name);
	for (const char *l = md; l != NULL; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n'), *hit;

		if (strncmp(l, "### 5.", 6) != 0)
			continue;
		hit = strstr(l, want);
		if (hit != NULL && (end == NULL || hit < end))
			return true;
	}
	return false;
}

static void
test_every_method_has_codecs_and_a_section(void **state)
{
	bool seen[TA_PROTO_METHOD_COUNT_] = {false};
	char *md = read_protocol_md();
	json_t *empty = json_object();

	(void)state;
	assert_non_null(empty);
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		enum ta_proto_method m = codecs[i].m;
		const char *name = ta_proto_method_name(m);

		assert_non_null(name);
		assert_false(seen[m]);
		seen[m] = true;
		if (codecs[i].encode == NULL || codecs[i].decode == NULL)
			fail_msg("%s lacks a result codec", name);
		if (codecs[i].params == NULL && m != TA_PROTO_METHOD_STATUS)
			fail_msg("%s lacks a params encoder", name);
		/* A request decoder: the agent's method table knows it. */
		assert_int_equal(ta_proto_method_from_name(name, strlen(name)), m);
		/* A result decoder as decode_any() dispatches: an empty object
		 * is no method's result. */
		assert_int_equal(decode_any(m, empty), TA_ERR_PROTOCOL);
		if (!has_section(md, name))
			fail_msg("protocol/PROTOCOL.md has no \"### 5.x ... `%s`\" section", name);
	}
	for (int m = TA_PROTO_METHOD_NONE + 1; m < TA_PROTO_METHOD_COUNT_; m++)
		if (!seen[m])
			fail_msg("%s has no row in the codec table", ta_proto_method_name(m));
	json_decref(empty);
	free(md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_result_status_round_trip),
	    cmocka_unit_test(test_result_unlock_lock_round_trip),
	    cmocka_unit_test(test_result_keys_round_trip),
	    cmocka_unit_test(test_result_cert_show_scope_round_trip),
	    cmocka_unit_test(test_result_decode_refuses),
	    cmocka_unit_test(test_result_invalid_utf8),
	    cmocka_unit_test(test_result_encode_refuses),
	    cmocka_unit_test(test_params_round_trip),
	    cmocka_unit_test(test_every_method_has_codecs_and_a_section),
	};

	ta_proto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
