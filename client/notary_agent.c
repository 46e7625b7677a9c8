/* The notary commands' calls to the agent (client/notary_agent.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/agent_api.h"
#include "client/notary_agent.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "protocol/proto.h"
#include "tuf/key.h"

int
tn_cmd_fail(const char *cmd, const char *fmt, ...)
{
	char f[512];
	va_list ap;

	(void)snprintf(f, sizeof(f), "notary %s: %s", cmd, fmt);
	va_start(ap, fmt);
	/* The format is the caller's, checked by the attribute on its prototype. */
	(void)tufctl_vfail(f, ap); // NOLINT(clang-diagnostic-format-nonliteral)
	va_end(ap);
	return TUFCTL_FAIL;
}

/* s into dst (cap bytes), or the one line when it does not fit. */
static int
copy_in(const char *cmd, const char *what, const char *s, char *dst, size_t cap)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (s == NULL)
		return tn_cmd_fail(cmd, "%s: not a string", what);
	if (len >= cap)
		return tn_cmd_fail(cmd, "%s '%s' is longer than %zu bytes", what, s, cap - 1);
	memcpy(dst, s, len + 1);
	return 0;
}

/* key.list's keys (a new reference), each checked by the KEY decoder.  No
 * params: every token. */
static int
agent_keys(json_t **ret)
{
	struct ta_proto_key_list_result kl = {0};
	json_t *res = NULL;

	*ret = NULL;
	if (tufctl_agent_key_list(NULL, NULL, &res, &kl) != 0)
		return TUFCTL_FAIL;
	*ret = json_incref(json_object_get(res, "keys"));
	ta_proto_key_list_result_clear(&kl);
	json_decref(res);
	return 0;
}

/* key.show for the notary profile: a new key. */
int
tn_agent_key_show(const char *cmd, const char *key, struct ta_key **ret)
{
	struct ta_proto_key_show q = {.profile = TA_PROTO_PROFILE_NOTARY};
	struct ta_proto_key_show_result ks;
	json_t *res = NULL;
	int r;

	*ret = NULL;
	if ((r = copy_in(cmd, "key", key, q.key, sizeof(q.key))) != 0)
		return r;
	if (tufctl_agent_key_show(NULL, &q, &res, &ks) != 0)
		return TUFCTL_FAIL;
	if ((r = ta_key_from_json(TA_PROFILE_NOTARY, ks.key, ret)) != 0)
		r = tn_cmd_fail(
		    cmd, "the agent's key object for '%s' is unusable: %s", key, ta_strerror(r));
	json_decref(res);
	return r;
}

/* A root certificate for gun made by the key, not stored on the token. */
int
tn_agent_key_cert(const char *cmd, const char *key, const char *gun, char **ret_pem)
{
	struct ta_proto_key_cert q = {.days = TN_ROOT_DAYS, .store = false};
	struct ta_proto_key_cert_result kc;
	json_t *res = NULL;
	int r;

	*ret_pem = NULL;
	if ((r = copy_in(cmd, "key", key, q.key, sizeof(q.key))) != 0 ||
	    (r = copy_in(cmd, "GUN", gun, q.gun, sizeof(q.gun))) != 0)
		return r;
	if (tufctl_agent_key_cert(NULL, &q, &res, &kc) != 0)
		return TUFCTL_FAIL;
	if ((*ret_pem = strndup(kc.pem, kc.pem_len)) == NULL)
		r = tn_cmd_fail(cmd, "out of memory");
	json_decref(res);
	return r;
}

/* A new key for role of gun, scoped to it from the start. */
int
tn_agent_generate(const char *cmd, const char *token, const char *label, const char *gun,
    const char *role, char **ret_uri)
{
	struct ta_proto_key_generate q = {
	    .type = TA_KEY_EC_P256,
	    .has_scope = true,
	    .scope = {.profile = TA_PROTO_PROFILE_NOTARY, .n_guns = 1, .n_roles = 1},
	};
	struct ta_proto_key_generate_result kg;
	json_t *res = NULL;
	int r;

	*ret_uri = NULL;
	if ((r = copy_in(cmd, "label", label, q.label, sizeof(q.label))) != 0 ||
	    (token != NULL && (r = copy_in(cmd, "token", token, q.token, sizeof(q.token))) != 0) ||
	    (r = copy_in(cmd, "GUN", gun, q.scope.guns[0], sizeof(q.scope.guns[0]))) != 0 ||
	    (r = copy_in(cmd, "role", role, q.scope.roles[0], sizeof(q.scope.roles[0]))) != 0)
		return r;
	if (tufctl_agent_key_generate(NULL, &q, &res, &kg) != 0)
		return TUFCTL_FAIL;
	if ((*ret_uri = strdup(kg.key.uri)) == NULL)
		r = tn_cmd_fail(cmd, "out of memory");
	json_decref(res);
	if (r == 0 && !tufctl.json)
		(void)fprintf(stderr, "tufctl: generated key '%s' on the token\n", label);
	return r;
}

/* Signs file (role of gun) with keys (URIs).  other: for a root, the
 * previous root (a rotation); for a delegation, its parent, so that the
 * agent signs as the keys the parent lists (certificates, often). */
static int
agent_sign(const char *cmd, const char *gun, const char *role, const json_t *keys,
    const struct tn_file *f, const struct tn_file *prev_root, uint8_t **ret, size_t *ret_len)
{
	struct ta_proto_sign *q = NULL;
	struct ta_proto_sign_result sr;
	json_t *res = NULL;
	const json_t *k;
	size_t i;
	int r;

	*ret = NULL;
	/* 16 keys of 1 KiB: not a stack's worth. */
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return tn_cmd_fail(cmd, "out of memory");
	q->profile = TA_PROTO_PROFILE_NOTARY;
	q->file = (const char *)f->bytes;
	q->file_len = f->len;
	if (prev_root != NULL && strcmp(role, "root") == 0) {
		q->prev_root = (const char *)prev_root->bytes;
		q->prev_root_len = prev_root->len;
	} else if (prev_root != NULL) {
		q->parent = (const char *)prev_root->bytes;
		q->parent_len = prev_root->len;
	}
	if (json_array_size(keys) > TA_PROTO_KEYS_MAX) {
		r = tn_cmd_fail(
		    cmd, "%s of %s: more than %d keys to sign with", role, gun, TA_PROTO_KEYS_MAX);
		goto out;
	}
	json_array_foreach(keys, i, k)
	{
		if ((r = copy_in(
			 cmd, "key", json_string_value(k), q->keys[i], sizeof(q->keys[i]))) != 0)
			goto out;
	}
	q->n_keys = json_array_size(keys);
	if ((r = copy_in(cmd, "role", role, q->role, sizeof(q->role))) != 0 ||
	    (r = copy_in(cmd, "GUN", gun, q->gun, sizeof(q->gun))) != 0)
		goto out;
	if (tufctl_agent_sign(NULL, q, &res, &sr) != 0) {
		r = TUFCTL_FAIL;
		goto out;
	}
	if ((*ret = malloc(sr.file_len + 1)) == NULL) {
		r = tn_cmd_fail(cmd, "out of memory");
		goto out;
	}
	memcpy(*ret, sr.file, sr.file_len);
	(*ret)[sr.file_len] = '\0';
	*ret_len = sr.file_len;
out:
	json_decref(res);
	free(q);
	return r;
}

int
tn_agent_signer_keys(void *ctx, json_t **ret, struct tn_error *e)
{
	(void)ctx;
	(void)e;
	return agent_keys(ret) != 0 ? TA_ERR_PROTOCOL : 0;
}

int
tn_agent_signer_sign(void *ctx, const char *gun, const char *role, const json_t *keys,
    const struct tn_file *f, const struct tn_file *other, uint8_t **ret, size_t *ret_len,
    struct tn_error *e)
{
	const char *const *cmd = ctx;

	(void)e;
	return agent_sign(*cmd, gun, role, keys, f, other, ret, ret_len) != 0 ? TA_ERR_PROTOCOL : 0;
}
