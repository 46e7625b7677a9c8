/* tufctl's agent API (client/agent_api.h). */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/agent_api.h"
#include "client/agentconn.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "protocol/proto.h"
#include "tuf/encoding.h"
#include "tuf/key.h"

/* Sends params (consumed; NULL after a failed build: r says why, or none
 * when r is 0) for method m on a, or on a connection of its own when a is
 * NULL, and waits for the result object. */
static int
request(struct tufctl_agent *a, enum ta_proto_method m, int r, json_t *params, bool none,
    json_t **ret_result)
{
	struct tufctl_agent *own = NULL;

	if (r != 0) {
		(void)tufctl_fail(
		    "%s: cannot build the request: %s", ta_proto_method_name(m), ta_strerror(r));
		goto out;
	}
	if (a == NULL) {
		if (tufctl_agent_open(m, &own) != TUFCTL_OK) {
			r = TA_ERR_SYSTEM;
			goto out;
		}
		a = own;
	}
	if (tufctl_agent_method(a) != m) {
		r = TA_ERR_INVALID;
		(void)tufctl_fail("internal error: %s on a connection for %s",
		    ta_proto_method_name(m), ta_proto_method_name(tufctl_agent_method(a)));
		goto out;
	}
	r = tufctl_agent_request(a, none ? NULL : params, ret_result);
out:
	json_decref(params);
	tufctl_agent_close(own);
	return r;
}

/* After a decoder: 0, or TA_ERR_PROTOCOL (printed) and the result freed. */
static int
decoded(enum ta_proto_method m, int r, json_t **result)
{
	if (r == 0)
		return 0;
	json_decref(*result);
	*result = NULL;
	if (r == TA_ERR_NOMEM) {
		(void)tufctl_fail("%s: %s", ta_proto_method_name(m), ta_strerror(r));
		return r;
	}
	(void)tufctl_fail("%s: the agent's result is malformed (%s); is it a tuf-agent speaking "
			  "protocol version %d?",
	    ta_proto_method_name(m), ta_errname(TA_ERR_PROTOCOL), TA_PROTO_VERSION);
	return TA_ERR_PROTOCOL;
}

int
tufctl_agent_status(struct tufctl_agent *a, json_t **ret_result, struct ta_proto_status_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_STATUS;
	int r;

	if ((r = request(a, m, 0, NULL, true, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_status_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_unlock(struct tufctl_agent *a, const struct ta_proto_unlock *p, json_t **ret_result,
    struct ta_proto_unlock_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_UNLOCK;
	json_t *params = NULL;
	int r;

	r = ta_proto_unlock_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_unlock_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_lock(struct tufctl_agent *a, const struct ta_proto_token_params *p,
    json_t **ret_result, struct ta_proto_lock_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_LOCK;
	json_t *params = NULL;
	int r;

	r = ta_proto_token_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_lock_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_list(struct tufctl_agent *a, const struct ta_proto_token_params *p,
    json_t **ret_result, struct ta_proto_key_list_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_LIST;
	json_t *params = NULL;
	int r = 0;

	if (p != NULL)
		r = ta_proto_token_params(p, &params);
	if ((r = request(a, m, r, params, p == NULL, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_key_list_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_generate(struct tufctl_agent *a, const struct ta_proto_key_generate *p,
    json_t **ret_result, struct ta_proto_key_generate_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_GENERATE;
	json_t *params = NULL;
	int r;

	r = ta_proto_key_generate_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_key_generate_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_cert(struct tufctl_agent *a, const struct ta_proto_key_cert *p,
    json_t **ret_result, struct ta_proto_key_cert_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_CERT;
	json_t *params = NULL;
	int r;

	r = ta_proto_key_cert_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_key_cert_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_attest(struct tufctl_agent *a, const struct ta_proto_key_attest *p,
    json_t **ret_result, struct ta_proto_key_attest_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_ATTEST;
	json_t *params = NULL;
	int r;

	r = ta_proto_key_attest_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_key_attest_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_show(struct tufctl_agent *a, const struct ta_proto_key_show *p,
    json_t **ret_result, struct ta_proto_key_show_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_SHOW;
	json_t *params = NULL;
	int r;

	r = ta_proto_key_show_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	r = ta_proto_decode_key_show_result(*ret_result, ret);
	/* The answer is about the profile asked for. */
	if (r == 0 && ret->profile != p->profile)
		r = TA_ERR_PROTOCOL;
	return decoded(m, r, ret_result);
}

int
tufctl_agent_sign(struct tufctl_agent *a, const struct ta_proto_sign *p, json_t **ret_result,
    struct ta_proto_sign_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_SIGN;
	json_t *params = NULL;
	int r;

	r = ta_proto_sign_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_sign_result(*ret_result, ret), ret_result);
}

int
tufctl_agent_key_scope(struct tufctl_agent *a, const struct ta_proto_key_scope *p,
    json_t **ret_result, struct ta_proto_key_scope_result *ret)
{
	const enum ta_proto_method m = TA_PROTO_METHOD_KEY_SCOPE;
	json_t *params = NULL;
	int r;

	r = ta_proto_key_scope_params(p, &params);
	if ((r = request(a, m, r, params, false, ret_result)) != 0)
		return r;
	return decoded(m, ta_proto_decode_key_scope_result(*ret_result, ret), ret_result);
}

/* ---- scopes -------------------------------------------------------------------------- */

static bool
listed(const char (*patterns)[TA_PROTO_GUN_MAX + 1], size_t n, const char *s, int flags)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(patterns[i], s, flags) == 0)
			return true;
	return false;
}

/* s into dst (cap bytes); false when it does not fit. */
static bool
copy(char *dst, size_t cap, const char *s)
{
	size_t len = strlen(s);

	if (len >= cap)
		return false;
	memcpy(dst, s, len + 1);
	return true;
}

int
tufctl_scope_ensure(const char *key, const char *profile, const char *gun, const char *role)
{
	struct ta_proto_key_scope q = {.op = TA_PROTO_SCOPE_SHOW};
	struct ta_proto_key_scope_result sr;
	json_t *res = NULL;
	bool covered;
	int r;

	_Static_assert(TA_PROTO_GUN_MAX == TA_PROTO_ROLE_MAX, "guns and roles share listed()");
	if (!copy(q.key, sizeof(q.key), key) ||
	    !copy(q.scope.guns[0], sizeof(q.scope.guns[0]), gun) ||
	    !copy(q.scope.roles[0], sizeof(q.scope.roles[0]), role))
		return tufctl_fail("key.scope: %s", ta_strerror(TA_ERR_TOO_LARGE));
	if (tufctl_agent_key_scope(NULL, &q, &res, &sr) != 0)
		return TUFCTL_FAIL;
	covered = sr.has_scope && listed(sr.scope.guns, sr.scope.n_guns, gun, 0) &&
		  listed(sr.scope.roles, sr.scope.n_roles, role, FNM_PATHNAME) &&
		  (sr.scope.profile == TA_PROTO_PROFILE_NONE ||
		      strcmp(ta_proto_profile_name(sr.scope.profile), profile) == 0);
	json_decref(res);
	res = NULL;
	if (covered)
		return TUFCTL_OK;
	q.op = TA_PROTO_SCOPE_ADD;
	q.scope.profile =
	    strcmp(profile, "tuf") == 0 ? TA_PROTO_PROFILE_TUF : TA_PROTO_PROFILE_NOTARY;
	q.scope.n_guns = 1;
	q.scope.n_roles = 1;
	r = tufctl_agent_key_scope(NULL, &q, &res, &sr) != 0 ? TUFCTL_FAIL : TUFCTL_OK;
	json_decref(res);
	if (r != 0)
		(void)fprintf(stderr,
		    "tufctl: key '%s' may sign %s of %s only once its scope says so; the agent's "
		    "administrator can run: tufctl key scope --label %s --gun %s --role %s "
		    "--profile %s --add\n",
		    key, role, gun, key, gun, role, profile);
	else if (!tufctl.json)
		(void)fprintf(
		    stderr, "tufctl: key '%s' is now scoped to %s of %s\n", key, role, gun);
	return r;
}

/* ---- TUF keys by reference -------------------------------------------------------------- */

int
tufctl_pem_key(const char *who, const char *path, enum ta_profile profile, struct ta_key **ret)
{
	uint8_t *pem = NULL, *der = NULL;
	size_t len, der_len, used;
	int r;

	*ret = NULL;
	if (tufctl_read_file(path, 1 << 16, &pem, &len) != 0)
		return TUFCTL_FAIL;
	r = ta_pem_decode("PUBLIC KEY", (const char *)pem, len, true, &der, &der_len, &used);
	if (r == 0)
		r = ta_key_from_spki(profile, der, der_len, ret);
	free(der);
	free(pem);
	if (r != 0)
		return tufctl_fail("%s: '%s' is not a usable PEM public key: %s", who, path,
		    ta_strerror(r));
	return TUFCTL_OK;
}

int
tufctl_tuf_key(const char *who, const char *ref, bool file, char keyid[65], json_t **ret)
{
	*ret = NULL;
	if (!file) {
		struct ta_proto_key_show q = {.profile = TA_PROTO_PROFILE_TUF};
		struct ta_proto_key_show_result kr;
		json_t *res = NULL;

		if (ref[0] == '\0' || strlen(ref) >= sizeof(q.key))
			return tufctl_fail("%s: key reference '%.64s' is empty or too long", who, ref);
		memcpy(q.key, ref, strlen(ref) + 1);
		if (tufctl_agent_key_show(NULL, &q, &res, &kr) != 0)
			return TUFCTL_FAIL;
		memcpy(keyid, kr.keyid, 64);
		keyid[64] = '\0';
		*ret = json_deep_copy(kr.key);
		json_decref(res);
	} else {
		struct ta_key *k = NULL;
		int r;

		if (tufctl_pem_key(who, ref, TA_PROFILE_TUF, &k) != TUFCTL_OK)
			return TUFCTL_FAIL;
		r = ta_key_to_json(k, ret);
		if (r == 0)
			memcpy(keyid, ta_key_id(k), 65);
		ta_key_free(k);
		if (r != 0)
			return tufctl_fail("%s: '%s': %s", who, ref, ta_strerror(r));
	}
	return *ret != NULL ? TUFCTL_OK : tufctl_fail("%s: out of memory", who);
}
