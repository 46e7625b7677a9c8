/* Keys, JSON objects and OpenSSL cross-checks shared by the tuf/ key and
 * signature unit tests (tests/unit/test_tuf_key.c, test_tuf_sig.c): one
 * in-memory signer of every key type (group_setup), key objects in both
 * profiles, and encoders independent of tuf/encoding.c. */
#ifndef TESTS_TOOLS_KEYFIX_H
#define TESTS_TOOLS_KEYFIX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "tests/tools/memsigner.h"
#include "tuf/key.h"

#define N TA_PROFILE_NOTARY
#define T TA_PROFILE_TUF
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

#define MSG_TEXT "{\"_type\":\"targets\",\"version\":1}"
#define MSG_LEN (sizeof(MSG_TEXT) - 1)

/* Every key type; a signer of each (group_setup) and an RSA-1024 one. */
extern const enum ta_key_type all_types[7];
extern struct memsigner *signers[TA_KEY_RSA_OTHER + 1];
extern struct memsigner *rsa1024;
/* MSG_TEXT, the message every test signs. */
extern const uint8_t msg[];
/* RFC 8032 test 1 public key (FORMATS Appendix B worked example). */
extern const char rfc8032_hex[];

int group_setup(void **state);
int group_teardown(void **state);
int reset_knobs(void **state);
struct ta_key *key_of(enum ta_profile p, enum ta_key_type t);
void sha256_hex(const void *p, size_t len, char out[TA_KEY_ID_SIZE]);
/* OpenSSL's base64 (an encoder independent of tuf/encoding.c). */
char *openssl_b64(const uint8_t *p, size_t len);
/* OpenSSL's PEM of a public key. */
char *openssl_pem(EVP_PKEY *pkey);
json_t *jload(const char *text);
/* ta_key_from_json() must fail with code and leave *ret alone; consumes o. */
void key_json_fails(enum ta_profile p, json_t *o, int code);
void key_text_fails(enum ta_profile p, const char *text, int code);
/* The key object of a fresh key of type t, as JSON to mutate. */
json_t *key_json(enum ta_profile p, enum ta_key_type t);
/* Replaces keyval.public. */
json_t *with_public(json_t *o, const char *pub);
/* base64 of the DER SPKI of a key, and the notary key object text. */
json_t *notary_obj(const char *keytype, const uint8_t *bytes, size_t len);
json_t *tuf_obj(const char *keytype, const char *scheme, const char *pub);
/* ta_key_from_json() of o, which is consumed. */
int key_from_obj(enum ta_profile p, json_t *o, struct ta_key **ret);
/* The DER SPKI of an OpenSSL key. */
size_t spki_of(EVP_PKEY *pkey, uint8_t *out, size_t cap);
/* k to JSON and back: the same key, the same text. */
void round_trip(struct ta_key *k);

#endif
