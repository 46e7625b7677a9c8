/* The agent's PIN sources (agent/pin.h): the file and pinentry readers are
 * common/pinsrc.c's; env:, none, unlock and the agent's rules are here. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pin.h"
#include "common/err.h"
#include "common/pinsrc.h"
#include "common/secret.h"

extern char **environ;

/* ---- file: ---------------------------------------------------------------- */

/* Absolute: the agent's working directory is nobody's business.  The owner
 * rule always: another user must neither read the PIN nor choose it (a
 * wrong one, tried at every start, would use up the token's tries). */
static int
pin_from_file(const char *path, const struct ta_why *w, struct ta_secret **ret)
{
	if (path[0] != '/')
		return ta_why_fail(
		    TA_ERR_INVALID, w, "PIN file '%s' is not an absolute path", path);
	return ta_pinsrc_file(path, TA_PINSRC_PRIVATE, TA_PINSRC_MAX, w->buf, w->len, ret);
}

/* ---- env: ----------------------------------------------------------------- */

/* Variables taken out of the environment at start-up (ta_pin_env_take):
 * written only then, before any thread exists; read-only after. */
enum env_state { ENV_SET, ENV_UNSET, ENV_EMPTY, ENV_TOO_LARGE };
static struct {
	char name[TA_CFG_VALUE_MAX + 1];
	enum env_state state;
	struct ta_secret *pin; /* ENV_SET */
} env_taken[TA_CFG_MAX_TOKENS];
static size_t n_env_taken;

static int
env_check_name(const char *name, const struct ta_why *w)
{
	if (name[0] == '\0' || strchr(name, '=') != NULL || strlen(name) > TA_CFG_VALUE_MAX)
		return ta_why_fail(
		    TA_ERR_INVALID, w, "'%s' is not an environment variable name", name);
	return 0;
}

static int
env_value(const char *name, enum env_state st, const struct ta_why *w)
{
	switch (st) {
	case ENV_UNSET:
		return ta_why_fail(
		    TA_ERR_PIN_REQUIRED, w, "environment variable '%s' is not set", name);
	case ENV_EMPTY:
		return ta_why_fail(
		    TA_ERR_PIN_REQUIRED, w, "environment variable '%s' is empty", name);
	case ENV_TOO_LARGE:
		return ta_why_fail(TA_ERR_TOO_LARGE, w,
		    "environment variable '%s' is over %d bytes", name, TA_SECRET_MAX);
	case ENV_SET:
		break;
	}
	return 0;
}

static enum env_state
env_state_of(const char *v, size_t *ret_len)
{
	size_t n;

	if (v == NULL)
		return ENV_UNSET;
	n = strnlen(v, TA_SECRET_MAX + 1);
	*ret_len = n;
	if (n == 0)
		return ENV_EMPTY;
	return n > TA_SECRET_MAX ? ENV_TOO_LARGE : ENV_SET;
}

int
ta_pin_env_take(const char *name)
{
	const struct ta_why w = {.buf = NULL, .len = 0};
	size_t nlen, i, n = 0, k = 0;
	char **copies = NULL;
	int r;

	if (name == NULL || env_check_name(name, &w) != 0)
		return TA_ERR_INVALID;
	for (i = 0; i < n_env_taken; i++) {
		if (strcmp(env_taken[i].name, name) == 0)
			return 0; /* two tokens, one variable */
	}
	if (n_env_taken == TA_CFG_MAX_TOKENS)
		return TA_ERR_TOO_LARGE;
	nlen = strlen(name);
	/* Every "NAME=..." string: an environment can hold one name twice
	 * (execve() does not care), and getenv() sees only the first. */
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		k++;
	if ((copies = calloc(k + 1, sizeof(*copies))) == NULL)
		return TA_ERR_NOMEM;
	for (i = 0; i < k; i++) {
		if (strncmp(environ[i], name, nlen) == 0 && environ[i][nlen] == '=')
			copies[n++] = environ[i];
	}
	(void)snprintf(env_taken[n_env_taken].name, sizeof(env_taken[0].name), "%s", name);
	env_taken[n_env_taken].state = env_state_of(secure_getenv(name), &k);
	if (env_taken[n_env_taken].state == ENV_SET &&
	    (env_taken[n_env_taken].pin = ta_secret_from(secure_getenv(name), k)) == NULL) {
		r = TA_ERR_NOMEM;
		goto out;
	}
	n_env_taken++;
	/* Out of environ (children never inherit it, getenv() never finds it),
	 * then the bytes themselves: the first strings live in the stack area
	 * that /proc/PID/environ shows, and unsetenv() only moves pointers. */
	if (unsetenv(name) != 0) {
		r = TA_ERR_SYSTEM;
		goto out;
	}
	r = 0;
out:
	for (i = 0; i < n; i++)
		ta_wipe(copies[i], strlen(copies[i]));
	free(copies);
	return r;
}

void
ta_pin_env_forget(void)
{
	for (size_t i = 0; i < n_env_taken; i++) {
		ta_secret_free(env_taken[i].pin);
		env_taken[i].pin = NULL;
	}
	n_env_taken = 0;
}

static int
pin_from_env(const char *name, const struct ta_why *w, struct ta_secret **ret)
{
	struct ta_secret *s;
	enum env_state st;
	const char *v;
	size_t i, n = 0;
	int r;

	if ((r = env_check_name(name, w)) != 0)
		return r;
	for (i = 0; i < n_env_taken; i++) {
		if (strcmp(env_taken[i].name, name) != 0)
			continue;
		if ((r = env_value(name, env_taken[i].state, w)) != 0)
			return r;
		s = ta_secret_from(env_taken[i].pin->data, env_taken[i].pin->len);
		if (s == NULL)
			return TA_ERR_NOMEM;
		*ret = s;
		return 0;
	}
	/* Not taken at start-up (a program other than the agent). */
	v = secure_getenv(name);
	st = env_state_of(v, &n);
	if ((r = env_value(name, st, w)) != 0)
		return r;
	if ((s = ta_secret_from(v, n)) == NULL)
		return TA_ERR_NOMEM;
	*ret = s;
	return 0;
}

/* ---- pinentry ------------------------------------------------------------- */

static int
pin_from_pinentry(const char *prog, const char *desc, const char *prompt, unsigned timeout_ms,
    const struct ta_why *w, struct ta_secret **ret)
{
	int r;
	const struct ta_pinentry pe = {
		.program = prog[0] != '\0' ? prog : "pinentry",
		.title = "tuf-agent",
		.desc = desc,
		.prompt = prompt,
		.tty = secure_getenv("GPG_TTY"), /* the agent has no terminal of its own */
		.timeout_ms = timeout_ms,
		.max = TA_PINSRC_MAX,
	};

	if (prog[0] != '\0' && prog[0] != '/')
		return ta_why_fail(
		    TA_ERR_INVALID, w, "pinentry program '%s' is not an absolute path", prog);
	r = ta_pinsrc_pinentry(&pe, w->buf, w->len, ret);
	/* A pinentry needs a display or a terminal; the agent has neither of
	 * its own (a system service never has one): say so beside why it
	 * failed. */
	if (r != 0 && r != TA_ERR_CANCELLED && secure_getenv("DISPLAY") == NULL &&
	    secure_getenv("WAYLAND_DISPLAY") == NULL && pe.tty == NULL && w->len > 0) {
		size_t n = strlen(w->buf);

		(void)snprintf(w->buf + n, w->len - n,
		    "; the agent has no display ($DISPLAY, $WAYLAND_DISPLAY) and no terminal "
		    "($GPG_TTY) for pinentry to ask on: run it in the user's session, or use pin = "
		    "unlock or a PIN file");
	}
	return r;
}

/* ---- entry points --------------------------------------------------------- */

bool
ta_pin_automatic(enum ta_pin_kind k)
{
	return k == TA_PIN_FILE || k == TA_PIN_ENV;
}

bool
ta_pin_refusal(int r)
{
	return r == TA_ERR_PIN_INCORRECT || r == TA_ERR_PIN_COUNT_LOW || r == TA_ERR_PIN_FINAL_TRY ||
	       r == TA_ERR_PIN_LOCKED || r == TA_ERR_PIN_LEN_RANGE || r == TA_ERR_PIN_EXPIRED;
}

int
ta_pin_get(const struct ta_pin_source *src, const char *desc, struct ta_secret **ret)
{
	return ta_pin_get_full(src, desc, TA_PIN_TIMEOUT_MS, NULL, 0, ret);
}

int
ta_pin_get_full(const struct ta_pin_source *src, const char *desc, unsigned timeout_ms,
    char *why, size_t whylen, struct ta_secret **ret)
{
	return ta_pin_get_prompt(src, desc, "PIN:", timeout_ms, why, whylen, ret);
}

int
ta_pin_get_prompt(const struct ta_pin_source *src, const char *desc, const char *prompt,
    unsigned timeout_ms, char *why, size_t whylen, struct ta_secret **ret)
{
	const struct ta_why w = ta_why_start(why, whylen);
	int r;

	if (src == NULL || ret == NULL || timeout_ms == 0 ||
	    memchr(src->arg, '\0', sizeof(src->arg)) == NULL) {
		r = TA_ERR_INVALID;
		goto out;
	}
	switch (src->kind) {
	case TA_PIN_FILE:
		r = pin_from_file(src->arg, &w, ret);
		break;
	case TA_PIN_ENV:
		r = pin_from_env(src->arg, &w, ret);
		break;
	case TA_PIN_PINENTRY:
		r = pin_from_pinentry(src->arg, desc, prompt, timeout_ms, &w, ret);
		break;
	case TA_PIN_NONE:
		r = ta_why_fail(TA_ERR_PIN_REQUIRED, &w,
		    "PIN source is 'none' (protected authentication path): no PIN to read");
		break;
	case TA_PIN_UNLOCK:
		r = ta_why_fail(TA_ERR_PIN_REQUIRED, &w,
		    "PIN source is 'unlock': the PIN comes only from 'tufctl unlock'");
		break;
	default:
		r = ta_why_fail(TA_ERR_INVALID, &w, "unknown PIN source %d", (int)src->kind);
		break;
	}
out:
	return ta_why_end(&w, r);
}
