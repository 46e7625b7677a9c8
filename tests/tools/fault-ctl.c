/* fault-ctl.c — the control file of the fault-injecting PKCS#11 module
 * (fault-pkcs11.c describes its keys): names of functions, return values,
 * flags and mechanisms, and one line parsed at a time. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/fault-pkcs11.h"

const char *const fn_names[FN_COUNT] = {
#define X(name) [FN_##name] = #name,
	FAULT_FUNCTIONS(X)
#undef X
};

struct named {
	const char *name;
	unsigned long value;
};

#define NAMED(x) { #x, x }

static const struct named rv_names[] = {
	NAMED(CKR_OK),
	NAMED(CKR_HOST_MEMORY),
	NAMED(CKR_TOKEN_WRITE_PROTECTED),
	NAMED(CKR_GENERAL_ERROR),
	NAMED(CKR_FUNCTION_FAILED),
	NAMED(CKR_ARGUMENTS_BAD),
	NAMED(CKR_DEVICE_ERROR),
	NAMED(CKR_DEVICE_MEMORY),
	NAMED(CKR_DEVICE_REMOVED),
	NAMED(CKR_FUNCTION_CANCELED),
	NAMED(CKR_KEY_HANDLE_INVALID),
	NAMED(CKR_MECHANISM_INVALID),
	NAMED(CKR_OPERATION_NOT_INITIALIZED),
	NAMED(CKR_PIN_INCORRECT),
	NAMED(CKR_PIN_INVALID),
	NAMED(CKR_PIN_LEN_RANGE),
	NAMED(CKR_PIN_EXPIRED),
	NAMED(CKR_PIN_LOCKED),
	NAMED(CKR_SESSION_CLOSED),
	NAMED(CKR_SESSION_COUNT),
	NAMED(CKR_SESSION_HANDLE_INVALID),
	NAMED(CKR_TOKEN_NOT_PRESENT),
	NAMED(CKR_TOKEN_NOT_RECOGNIZED),
	NAMED(CKR_USER_ALREADY_LOGGED_IN),
	NAMED(CKR_USER_NOT_LOGGED_IN),
	NAMED(CKR_CRYPTOKI_NOT_INITIALIZED),
};

static const struct named flag_names[] = {
	NAMED(CKF_USER_PIN_COUNT_LOW),
	NAMED(CKF_USER_PIN_FINAL_TRY),
	NAMED(CKF_USER_PIN_LOCKED),
	NAMED(CKF_USER_PIN_TO_BE_CHANGED),
	NAMED(CKF_PROTECTED_AUTHENTICATION_PATH),
	NAMED(CKF_WRITE_PROTECTED),
};

static const struct named mech_names[] = {
	NAMED(CKM_RSA_PKCS_KEY_PAIR_GEN),
	NAMED(CKM_RSA_PKCS),
	NAMED(CKM_RSA_PKCS_PSS),
	NAMED(CKM_SHA256_RSA_PKCS),
	NAMED(CKM_SHA256_RSA_PKCS_PSS),
	NAMED(CKM_EC_KEY_PAIR_GEN),
	NAMED(CKM_ECDSA),
	NAMED(CKM_ECDSA_SHA256),
	NAMED(CKM_EC_EDWARDS_KEY_PAIR_GEN),
	NAMED(CKM_EDDSA),
};

/* ---- small helpers ------------------------------------------------------------------------ */

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* Decimal, or 0x... hexadecimal; no sign, no trailing junk. */
static bool
parse_ulong(const char *s, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = v;
	return true;
}

static bool
name_lookup(const struct named *table, size_t n, const char *name, unsigned long *ret)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(table[i].name, name) == 0) {
			*ret = table[i].value;
			return true;
		}
	}
	return parse_ulong(name, ret);
}

bool
fn_lookup(const char *name, enum fn *ret)
{
	int i;

	for (i = 0; i < FN_COUNT; i++) {
		if (strcmp(fn_names[i], name) == 0) {
			*ret = (enum fn)i;
			return true;
		}
	}
	return false;
}

/* ---- control file --------------------------------------------------------------------------- */

/* The next item of a comma-separated list, trimmed; empty ones are skipped.
 * NULL after the last. */
static char *
next_item(char **list)
{
	char *item;

	while ((item = strsep(list, ",")) != NULL) {
		item = trim(item);
		if (*item != '\0')
			return item;
	}
	return NULL;
}

static const char *
parse_absent(struct config *c, char *value)
{
	char *item;
	size_t len;

	while ((item = next_item(&value)) != NULL) {
		if ((len = strlen(item)) > LABEL_LEN)
			return "label longer than 32 bytes";
		if (c->n_absent == MAX_LABELS)
			return "too many absent labels";
		memcpy(c->absent[c->n_absent++], item, len + 1);
	}
	return NULL;
}

static const char *
parse_fail(struct config *c, char *value)
{
	char *func = strsep(&value, ":");
	char *code = strsep(&value, ":");
	char *count = value;	/* the rest, or NULL */
	struct fail_rule r = { 0 };

	if (code == NULL)
		return "expected fail=FUNC:CKR_NAME[:COUNT]";
	if (!fn_lookup(trim(func), &r.fn))
		return "unknown function";
	if (!name_lookup(rv_names, ARRAY_SIZE(rv_names), trim(code), &r.rv))
		return "unknown return code";
	r.always = count == NULL;
	if (count != NULL && (!parse_ulong(trim(count), &r.left) || r.left == 0))
		return "COUNT must be a number above 0";
	if (c->n_fails == MAX_FAILS)
		return "too many fail= lines";
	c->fails[c->n_fails++] = r;
	return NULL;
}

static const char *
parse_delay(struct config *c, char *value)
{
	char *func = strsep(&value, ":");
	char *ms = value;
	unsigned long v;
	enum fn fn;

	if (ms == NULL)
		return "expected delay=FUNC:MILLISECONDS";
	if (!fn_lookup(trim(func), &fn))
		return "unknown function";
	if (!parse_ulong(trim(ms), &v) || v > MAX_DELAY_MS)
		return "bad MILLISECONDS";
	c->delay_ms[fn] = v;
	return NULL;
}

static const char *
parse_hide_mech(struct config *c, char *value)
{
	CK_MECHANISM_TYPE mech;
	char *item;

	while ((item = next_item(&value)) != NULL) {
		if (!name_lookup(mech_names, ARRAY_SIZE(mech_names), item, &mech))
			return "unknown mechanism";
		if (c->n_hidden == MAX_MECHS)
			return "too many hidden mechanisms";
		c->hidden[c->n_hidden++] = mech;
	}
	return NULL;
}

static const char *
parse_token_flags(struct config *c, char *value)
{
	unsigned long flag;
	char *item;

	while ((item = next_item(&value)) != NULL) {
		if (!name_lookup(flag_names, ARRAY_SIZE(flag_names), item, &flag))
			return "unknown token flag";
		c->token_flags |= flag;
	}
	return NULL;
}

static const struct {
	const char *key;
	const char *(*parse)(struct config *c, char *value);
} ctl_keys[] = {
	{ "absent", parse_absent },
	{ "fail", parse_fail },
	{ "delay", parse_delay },
	{ "hide_mech", parse_hide_mech },
	{ "token_flags", parse_token_flags },
};

void
config_parse_line(struct config *c, char *line, const char *path, unsigned lineno)
{
	const char *err = "unknown key";
	char *key, *value;
	size_t i;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return;
	value = strchr(key, '=');
	if (value == NULL) {
		err = "expected key=value";
	} else {
		*value++ = '\0';
		key = trim(key);
		for (i = 0; i < ARRAY_SIZE(ctl_keys); i++) {
			if (strcmp(key, ctl_keys[i].key) == 0) {
				err = ctl_keys[i].parse(c, trim(value));
				break;
			}
		}
	}
	if (err != NULL)
		fprintf(stderr, "fault-pkcs11: %s:%u: %s; line ignored\n", path, lineno, err);
}

void
file_id_from_stat(struct file_id *id, const struct stat *st)
{
	*id = (struct file_id){
		.exists = true,
		.dev = st->st_dev,
		.ino = st->st_ino,
		.size = st->st_size,
		.mtime = st->st_mtim,
		.ctime = st->st_ctim,
	};
}

bool
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	if (!a->exists || !b->exists)
		return a->exists == b->exists;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}
