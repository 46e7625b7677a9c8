/* YubiKey PIV attestation, checked (client/attest.c): what `tufctl key
 * attest` prints and a ceremony records and re-checks.
 *
 * A key generated on a YubiKey's PIV application has an attestation
 * certificate made by the card: its public key is the attested key, its
 * subject "CN=YubiKey PIV Attestation <slot>", its issuer the card's
 * attestation certificate (slot F9), itself issued by Yubico's PIV CA, and
 * Yubico's extensions under 1.3.6.1.4.1.41482.3:
 *	.3  firmware version, 3 bytes (major, minor, patch)
 *	.7  device serial, an INTEGER
 *	.8  PIN policy and touch policy, 2 bytes (PIN 1 never, 2 once,
 *	    3 always; touch 1 never, 2 always, 3 cached)
 *	.9  form factor, 1 byte */
#ifndef TA_CLIENT_ATTEST_H
#define TA_CLIENT_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

enum att_pin { ATT_PIN_UNKNOWN = 0, ATT_PIN_NEVER = 1, ATT_PIN_ONCE = 2, ATT_PIN_ALWAYS = 3 };
enum att_touch {
	ATT_TOUCH_UNKNOWN = 0,
	ATT_TOUCH_NEVER = 1,
	ATT_TOUCH_ALWAYS = 2,
	ATT_TOUCH_CACHED = 3,
};

struct att_info {
	char slot[8];          /* "9a", from the subject; "" when not said */
	bool has_serial;
	uint64_t serial;
	char firmware[16];     /* "5.4.3"; "" when not said */
	enum att_pin pin;
	enum att_touch touch;
	int form_factor;       /* -1 when not said */
	bool chain_checked;    /* against a CA bundle */
};

/* Reads and checks an attestation: att must be signed by signer, name
 * key's public key (key may be NULL: not checked) and, when ca_file is not
 * NULL, chain through signer to a certificate of that PEM bundle (dates
 * not checked: an attestation states what was so when the key was made).
 * att and signer are each one PEM certificate exactly as the agent writes
 * it (ta_pem_encode(), 1..TA_PROTO_PEM_MAX bytes, nothing after it).
 * Yubico's extensions are optional but for the serial; one that is there
 * has its documented shape (firmware 3 bytes, serial a DER INTEGER of
 * 0..2^32-1, policies 2 bytes, form factor 1 byte), once; policy values
 * other than 1..3 read as unknown.  0 and *out, or with why (one line):
 * TA_ERR_TRUNCATED (empty), TA_ERR_TOO_LARGE, TA_ERR_TRAILING (bytes after
 * the PEM block), TA_ERR_FORMAT (not such a PEM certificate, an extension
 * malformed or twice, no serial), TA_ERR_VERIFY (signature, key, chain),
 * TA_ERR_INVALID (ca_file unreadable), TA_ERR_NOMEM. */
int att_check(const char *att, size_t att_len, const char *signer, size_t signer_len,
    const EVP_PKEY *key, const char *ca_file, struct att_info *out, char *why, size_t why_len);

const char *att_pin_name(enum att_pin p);     /* "never", "once", "always", "unknown" */
const char *att_touch_name(enum att_touch t); /* "never", "always", "cached", "unknown" */
/* The inverse, for plans; false when unknown. */
bool att_pin_from_name(const char *s, enum att_pin *ret);
bool att_touch_from_name(const char *s, enum att_touch *ret);
/* Whether a slot's policy is at least what is required: PIN always >
 * once > never; touch always > cached > never. */
bool att_pin_at_least(enum att_pin have, enum att_pin want);
bool att_touch_at_least(enum att_touch have, enum att_touch want);

/* info as JSON members (slot, serial, firmware, pin_policy, touch_policy,
 * form_factor) added to o.  0 or TA_ERR_NOMEM. */
int att_info_json(const struct att_info *info, json_t *o);

/* tufctl key attest --label L [--ca FILE] */
int tufctl_key_attest(int argc, char **argv);

#endif
