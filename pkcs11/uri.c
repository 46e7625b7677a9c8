/* PKCS#11 URIs (RFC 7512) for the agent's lookups: p11-kit parses, matches
 * and formats them; this file only adds the agent's rules on top. */
#include <stdlib.h>
#include <string.h>

#include <p11-kit/uri.h>

#include "common/err.h"
#include "pkcs11/internal.h"

struct ta_p11_uri {
	P11KitUri *u;
};

/* A CK_TOKEN_INFO text field of the URI names something (p11-kit leaves
 * an attribute the URI does not give all zero) that cannot be a token's:
 * a NUL inside it. */
static bool
field_has_nul(const CK_UTF8CHAR *f, size_t size)
{
	return f[0] != 0 && memchr(f, 0, size) != NULL;
}

/* An attribute the lookups compare as a C string or against a key's
 * bounded CKA_ID: too long or holding a NUL, it can name no key. */
static bool
attr_bad(const CK_ATTRIBUTE *a, size_t max, bool text)
{
	if (a == NULL)
		return false;
	if (a->ulValueLen > max)
		return true;
	return text && a->ulValueLen > 0 && memchr(a->pValue, 0, a->ulValueLen) != NULL;
}

static int
check(P11KitUri *u, unsigned flags)
{
	CK_TOKEN_INFO *ti = p11_kit_uri_get_token_info(u);
	CK_ATTRIBUTE *label = p11_kit_uri_get_attribute(u, CKA_LABEL);
	CK_ATTRIBUTE *id = p11_kit_uri_get_attribute(u, CKA_ID);

	/* p11-kit marks an attribute it does not know, and a token attribute
	 * longer than CK_TOKEN_INFO holds, as unrecognized: such a URI would
	 * match nothing, so it is refused as malformed. */
	if (p11_kit_uri_any_unrecognized(u))
		return TA_ERR_INVALID;
	if (field_has_nul(ti->label, sizeof(ti->label)) ||
	    field_has_nul(ti->serialNumber, sizeof(ti->serialNumber)) ||
	    field_has_nul(ti->manufacturerID, sizeof(ti->manufacturerID)) ||
	    field_has_nul(ti->model, sizeof(ti->model)))
		return TA_ERR_INVALID;
	if (!(flags & TA_P11_URI_KEY))
		return 0;
	/* PINs do not travel in URIs; and the agent never picks "a" key. */
	if (p11_kit_uri_get_pin_value(u) != NULL || p11_kit_uri_get_pin_source(u) != NULL)
		return TA_ERR_INVALID;
	if (label == NULL && id == NULL)
		return TA_ERR_INVALID;
	if (attr_bad(label, TA_P11_LABEL_MAX, true) || attr_bad(id, TA_P11_ID_MAX, false))
		return TA_ERR_INVALID;
	return 0;
}

int
ta_p11_uri_parse(const char *uri, unsigned flags, struct ta_p11_uri **ret)
{
	struct ta_p11_uri *pu;
	int r;

	if (uri == NULL || strncmp(uri, "pkcs11:", 7) != 0)
		return TA_ERR_INVALID;
	if ((pu = calloc(1, sizeof(*pu))) == NULL || (pu->u = p11_kit_uri_new()) == NULL) {
		free(pu);
		return TA_ERR_NOMEM;
	}
	if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, pu->u) != P11_KIT_URI_OK)
		r = TA_ERR_INVALID;
	else
		r = check(pu->u, flags);
	if (r != 0) {
		ta_p11_uri_free(pu);
		return r;
	}
	*ret = pu;
	return 0;
}

void
ta_p11_uri_free(struct ta_p11_uri *pu)
{
	if (pu == NULL)
		return;
	p11_kit_uri_free(pu->u);
	free(pu);
}

/* s into a blank-padded CK_TOKEN_INFO field; false when it does not fit. */
static bool
pad(CK_UTF8CHAR *f, size_t size, const char *s)
{
	size_t n = strnlen(s, size + 1);

	if (n > size)
		return false;
	memset(f, ' ', size);
	memcpy(f, s, n);
	return true;
}

bool
ta_p11_uri_match_token(const struct ta_p11_uri *pu, const char *label, const char *serial,
    const char *manufacturer, const char *model)
{
	CK_TOKEN_INFO ti;

	memset(&ti, 0, sizeof(ti));
	if (!pad(ti.label, sizeof(ti.label), label) ||
	    !pad(ti.serialNumber, sizeof(ti.serialNumber), serial) ||
	    !pad(ti.manufacturerID, sizeof(ti.manufacturerID), manufacturer) ||
	    !pad(ti.model, sizeof(ti.model), model))
		return false;
	return p11_kit_uri_match_token_info(pu->u, &ti) != 0;
}

bool
ta_p11_uri_match_key(const struct ta_p11_uri *pu, const struct ta_p11_key *key)
{
	/* Only label and ID are compared: type= and the rest do not decide
	 * which of a token's private keys the URI names. */
	CK_ATTRIBUTE attrs[] = {
	    {CKA_LABEL, (void *)(uintptr_t)key->label, strlen(key->label)},
	    {CKA_ID, (void *)(uintptr_t)key->id, key->id_len},
	};

	return p11_kit_uri_match_attributes(pu->u, attrs, 2) != 0;
}

/* The path of one p11-kit formatted URI ("pkcs11:" cut off), appended to
 * the malloc()ed *out after a ';' when *out is not empty. */
static int
append(P11KitUri *u, P11KitUriType what, char **out)
{
	char *s = NULL, *joined;
	size_t have = strlen(*out), add;

	if (p11_kit_uri_format(u, what, &s) != P11_KIT_URI_OK)
		return TA_ERR_NOMEM;
	add = strlen(s) - 7;
	if ((joined = realloc(*out, have + 1 + add + 1)) == NULL) {
		free(s);
		return TA_ERR_NOMEM;
	}
	if (have > 0 && joined[have - 1] != ':')
		joined[have++] = ';';
	memcpy(joined + have, s + 7, add + 1);
	*out = joined;
	free(s);
	return 0;
}

/* One attribute of the key URI formatted by p11-kit, token= (the label)
 * or serial=: each on its own, since p11-kit writes serial= before token=
 * and the agent has always listed token= first. */
static int
append_token_field(bool is_serial, const char *value, char **out)
{
	P11KitUri *u;
	CK_TOKEN_INFO *ti;
	int r;

	if ((u = p11_kit_uri_new()) == NULL)
		return TA_ERR_NOMEM;
	ti = p11_kit_uri_get_token_info(u);
	if (is_serial ? !pad(ti->serialNumber, sizeof(ti->serialNumber), value)
		      : !pad(ti->label, sizeof(ti->label), value))
		r = TA_ERR_INVALID;
	else
		r = append(u, P11_KIT_URI_FOR_TOKEN, out);
	p11_kit_uri_free(u);
	return r;
}

int
ta_p11_uri_format_key(const char *token_label, const char *serial, const struct ta_p11_key *key,
    char **ret)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE attrs[] = {
	    {CKA_ID, (void *)(uintptr_t)key->id, key->id_len},
	    {CKA_LABEL, (void *)(uintptr_t)key->label, strlen(key->label)},
	    {CKA_CLASS, &cls, sizeof(cls)},
	};
	P11KitUri *u = NULL;
	char *out;
	int r;

	if ((out = strdup("pkcs11:")) == NULL)
		return TA_ERR_NOMEM;
	if ((r = append_token_field(false, token_label, &out)) != 0 ||
	    (r = append_token_field(true, serial, &out)) != 0)
		goto out;
	if ((u = p11_kit_uri_new()) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if (p11_kit_uri_set_attributes(u, attrs, 3) != P11_KIT_URI_OK) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	if ((r = append(u, P11_KIT_URI_FOR_OBJECT, &out)) != 0)
		goto out;
	*ret = out;
	out = NULL;
out:
	p11_kit_uri_free(u);
	free(out);
	return r;
}
