/* Key types and signature schemes: the vocabulary that the token layer
 * (pkcs11/) and the metadata code (tuf/) share without depending on each
 * other.  The values are stable; they may appear in logs. */
#ifndef TA_KEYTYPE_H
#define TA_KEYTYPE_H

enum ta_key_type {
	TA_KEY_NONE = 0,
	TA_KEY_EC_P256,
	TA_KEY_EC_P384,
	TA_KEY_RSA_2048,
	TA_KEY_RSA_3072,
	TA_KEY_RSA_4096,
	TA_KEY_ED25519,
	TA_KEY_RSA_OTHER, /* an RSA key of another size found on a token */
};

enum ta_sig_scheme {
	TA_SIG_ECDSA_SHA256,     /* raw r||s over SHA-256(msg) */
	TA_SIG_ECDSA_SHA384,     /* raw r||s over SHA-384(msg) */
	TA_SIG_RSA_PSS_SHA256,   /* RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 */
	TA_SIG_RSA_PKCS1_SHA256, /* RSASSA-PKCS1-v1_5 with SHA-256 (X.509) */
	TA_SIG_ED25519,          /* PureEdDSA over msg */
};

/* Raw signatures are at most this long (RSA-4096). */
#define TA_SIG_MAX 512

/* "ecdsa-p256", "rsa-2048", "ed25519", ...; NULL for TA_KEY_NONE. */
const char *ta_key_type_name(enum ta_key_type t);
/* The inverse; TA_KEY_NONE for an unknown name ("rsa" alone included). */
enum ta_key_type ta_key_type_from_name(const char *name);

#endif
