/* Contexts, module loading, and the one CK_RV translation table. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>

#include "common/err.h"
#include "pkcs11/internal.h"

static const struct {
	CK_RV rv;
	int err;
} rv_map[] = {
	{ CKR_OK, 0 },
	{ CKR_HOST_MEMORY, TA_ERR_NOMEM },
	{ CKR_DEVICE_MEMORY, TA_ERR_NOMEM },
	{ CKR_PIN_INCORRECT, TA_ERR_PIN_INCORRECT },
	{ CKR_PIN_LOCKED, TA_ERR_PIN_LOCKED },
	{ CKR_PIN_LEN_RANGE, TA_ERR_PIN_LEN_RANGE },
	{ CKR_PIN_INVALID, TA_ERR_PIN_LEN_RANGE },
	{ CKR_PIN_EXPIRED, TA_ERR_PIN_EXPIRED },
	{ CKR_USER_NOT_LOGGED_IN, TA_ERR_NOT_LOGGED_IN },
	{ CKR_USER_PIN_NOT_INITIALIZED, TA_ERR_TOKEN_NOT_INIT },
	{ CKR_TOKEN_NOT_PRESENT, TA_ERR_TOKEN_ABSENT },
	{ CKR_TOKEN_NOT_RECOGNIZED, TA_ERR_TOKEN_ABSENT },
	{ CKR_DEVICE_REMOVED, TA_ERR_TOKEN_ABSENT },
	{ CKR_SLOT_ID_INVALID, TA_ERR_TOKEN_ABSENT },
	{ CKR_SESSION_HANDLE_INVALID, TA_ERR_TOKEN_ABSENT },
	{ CKR_SESSION_CLOSED, TA_ERR_TOKEN_ABSENT },
	{ CKR_MECHANISM_INVALID, TA_ERR_UNSUPPORTED },
	{ CKR_MECHANISM_PARAM_INVALID, TA_ERR_UNSUPPORTED },
	{ CKR_FUNCTION_NOT_SUPPORTED, TA_ERR_UNSUPPORTED },
	{ CKR_CURVE_NOT_SUPPORTED, TA_ERR_UNSUPPORTED },
	{ CKR_DOMAIN_PARAMS_INVALID, TA_ERR_UNSUPPORTED },
	{ CKR_KEY_SIZE_RANGE, TA_ERR_UNSUPPORTED },
	{ CKR_TEMPLATE_INCONSISTENT, TA_ERR_UNSUPPORTED },
	{ CKR_ATTRIBUTE_VALUE_INVALID, TA_ERR_UNSUPPORTED },
	{ CKR_ATTRIBUTE_TYPE_INVALID, TA_ERR_UNSUPPORTED },
	{ CKR_KEY_TYPE_INCONSISTENT, TA_ERR_KEY_TYPE },
	{ CKR_KEY_FUNCTION_NOT_PERMITTED, TA_ERR_KEY_TYPE },
	{ CKR_KEY_HANDLE_INVALID, TA_ERR_KEY_NOT_FOUND },
	{ CKR_OBJECT_HANDLE_INVALID, TA_ERR_KEY_NOT_FOUND },
	{ CKR_TOKEN_WRITE_PROTECTED, TA_ERR_READ_ONLY },
	{ CKR_SESSION_READ_ONLY, TA_ERR_READ_ONLY },
	{ CKR_SESSION_COUNT, TA_ERR_TOKEN_BUSY },
	{ CKR_OPERATION_ACTIVE, TA_ERR_TOKEN_BUSY },
	{ CKR_FUNCTION_CANCELED, TA_ERR_CANCELLED },
	{ CKR_DATA_LEN_RANGE, TA_ERR_INVALID },
	{ CKR_DATA_INVALID, TA_ERR_INVALID },
	{ CKR_ARGUMENTS_BAD, TA_ERR_INTERNAL },
	{ CKR_BUFFER_TOO_SMALL, TA_ERR_INTERNAL },
	{ CKR_CRYPTOKI_NOT_INITIALIZED, TA_ERR_INTERNAL },
	{ CKR_OPERATION_NOT_INITIALIZED, TA_ERR_INTERNAL },
};

int
ta__p11_rv(CK_RV rv)
{
	for (size_t i = 0; i < sizeof(rv_map) / sizeof(rv_map[0]); i++)
		if (rv_map[i].rv == rv)
			return rv_map[i].err;
	return TA_ERR_PKCS11;
}

bool
ta__p11_session_dead(CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_SLOT_ID_INVALID:
		return true;
	default:
		return false;
	}
}

void
ta__p11_str(char *dst, size_t dstlen, const unsigned char *src, size_t srclen)
{
	size_t n = srclen < dstlen - 1 ? srclen : dstlen - 1;

	memcpy(dst, src, n);
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
}

struct ta_p11_ctx *
ta_p11_ctx_new(void)
{
	struct ta_p11_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void
ta_p11_ctx_free(struct ta_p11_ctx *ctx)
{
	if (ctx == NULL)
		return;
	while (ctx->toks != NULL) {
		struct ta_p11_token *t = ctx->toks;

		ctx->toks = t->next;
		ta__p11_token_free(t);
	}
	while (ctx->mods != NULL) {
		struct ta_p11_module *m = ctx->mods;

		ctx->mods = m->next;
		(void)m->fl->C_Finalize(NULL);
		p11_kit_module_release(m->fl);
		free(m->path);
		free(m->name);
		free(m);
	}
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

/* The file a registered p11-kit module name stands for, malloc()ed. */
static char *
registered_module_path(const char *name)
{
	CK_FUNCTION_LIST **all = p11_kit_modules_load(NULL, P11_KIT_MODULE_UNMANAGED);
	CK_FUNCTION_LIST *m;
	char *path = NULL;

	if (all == NULL)
		return NULL;
	if ((m = p11_kit_module_for_name(all, name)) != NULL)
		path = p11_kit_module_get_filename(m);
	p11_kit_modules_release(all);
	return path;
}

int
ta_p11_module_load(struct ta_p11_ctx *ctx, const char *name_or_path,
    struct ta_p11_module **ret_mod)
{
	struct ta_p11_module *m = NULL;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	char *file = NULL, *real = NULL;
	CK_RV rv;
	int r;

	if (name_or_path == NULL || *name_or_path == '\0')
		return TA_ERR_INVALID;
	if (name_or_path[0] == '/')
		file = strdup(name_or_path);
	else if (strchr(name_or_path, '/') != NULL)
		return TA_ERR_INVALID; /* relative paths depend on the cwd: refuse */
	else
		file = registered_module_path(name_or_path);
	if (file == NULL)
		return TA_ERR_MODULE_LOAD;
	/* One instance per file, however it was named: a second C_Initialize
	 * of the same module would fail or, worse, be finalized twice. */
	if ((real = realpath(file, NULL)) == NULL) {
		r = TA_ERR_MODULE_LOAD;
		goto out;
	}

	pthread_mutex_lock(&ctx->lock);
	for (m = ctx->mods; m != NULL; m = m->next)
		if (strcmp(m->path, real) == 0)
			break;
	if (m != NULL) {
		pthread_mutex_unlock(&ctx->lock);
		*ret_mod = m;
		r = 0;
		goto out;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->name = strdup(name_or_path)) == NULL) {
		r = TA_ERR_NOMEM;
		goto unlock;
	}
	m->fl = p11_kit_module_load(real, P11_KIT_MODULE_UNMANAGED | P11_KIT_MODULE_CRITICAL);
	if (m->fl == NULL) {
		r = TA_ERR_MODULE_LOAD;
		goto unlock;
	}
	rv = m->fl->C_Initialize(&args);
	if (rv != CKR_OK) {
		p11_kit_module_release(m->fl);
		m->fl = NULL;
		r = TA_ERR_MODULE_LOAD;
		goto unlock;
	}
	m->path = real;
	real = NULL;
	m->next = ctx->mods;
	ctx->mods = m;
	*ret_mod = m;
	m = NULL;
	r = 0;
unlock:
	pthread_mutex_unlock(&ctx->lock);
	if (m != NULL) {
		free(m->name);
		free(m);
	}
out:
	free(real);
	free(file);
	return r;
}
