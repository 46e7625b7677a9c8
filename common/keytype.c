#include <string.h>

#include "common/keytype.h"

static const struct {
	enum ta_key_type type;
	const char *name;
} type_names[] = {
	{ TA_KEY_EC_P256, "ecdsa-p256" },
	{ TA_KEY_EC_P384, "ecdsa-p384" },
	{ TA_KEY_RSA_2048, "rsa-2048" },
	{ TA_KEY_RSA_3072, "rsa-3072" },
	{ TA_KEY_RSA_4096, "rsa-4096" },
	{ TA_KEY_ED25519, "ed25519" },
	{ TA_KEY_RSA_OTHER, "rsa" },
};

const char *
ta_key_type_name(enum ta_key_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return NULL;
}

enum ta_key_type
ta_key_type_from_name(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i].name, name) == 0 && type_names[i].type != TA_KEY_RSA_OTHER)
			return type_names[i].type;
	return TA_KEY_NONE;
}
