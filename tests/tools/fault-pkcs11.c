/*
 * fault-pkcs11.c — a fault-injecting PKCS#11 module, for tests only.
 *
 * The module wraps a real one and forwards every call to it, unless a fault is configured.
 *
 * Environment
 *   TA_FAULT_TARGET  module to wrap, loaded at the first C_GetFunctionList
 *                    (default /usr/lib/softhsm/libsofthsm2.so)
 *   TA_FAULT_CTL     control file; unset, empty or missing means "no faults"
 *   TA_FAULT_STATS   if set, rewritten atomically (temporary file + rename) after every call to
 *                    C_Login, C_Sign, C_SignInit, C_OpenSession or C_GenerateKeyPair, with one
 *                    line "C_Name=N" for every function called so far
 *
 * Control file
 *   The file is re-read at the start of any call once its inode, size, mtime or ctime changes
 *   (with nanoseconds; write a new file and rename it over the old one to be safe from coarse
 *   timestamps).  One "key=value" per line; blanks around key and value are ignored; lines
 *   starting with '#' are comments.  A bad line is reported on stderr and ignored.
 *
 *   absent=LABEL[,LABEL...]
 *	The tokens with these labels (CK_TOKEN_INFO.label without its blank padding) vanish:
 *	C_GetSlotList(tokenPresent=TRUE) omits their slots, C_GetSlotInfo clears
 *	CKF_TOKEN_PRESENT, C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo, C_InitToken and
 *	C_OpenSession return CKR_TOKEN_NOT_PRESENT, and every call on an open session of the
 *	token returns CKR_DEVICE_REMOVED.  Once the label leaves the file the token is back, but
 *	the sessions that saw it vanish are closed in the target and return
 *	CKR_SESSION_HANDLE_INVALID, as after a real reinsertion (this also logs the token out).
 *	Several absent= lines add up.
 *
 *   fail=FUNC:CKR_NAME[:COUNT]
 *	FUNC (C_Sign, C_Login, ...) returns CKR_NAME (or a number such as 0x30) without calling
 *	the target, COUNT times, or on every call if COUNT is left out.  Counts start afresh each
 *	time the file is re-read.  Several fail= lines may name the same function: the first one
 *	with calls left applies, so "fail=C_Sign:CKR_DEVICE_ERROR:1" followed by
 *	"fail=C_Sign:CKR_PIN_INCORRECT" fails once with the first code, then always with the second.
 *	A failed C_Sign, C_SignUpdate or C_SignFinal also ends the signing operation in the
 *	target (completing it and discarding the signature), as a real token does, so that the
 *	caller can call C_SignInit again; other faulted operations are left as they were.
 *
 *   delay=FUNC:MILLISECONDS
 *	Every call of FUNC sleeps that long first (a touch wait), whether it then fails or not.
 *
 *   hide_mech=CKM_NAME[,CKM_NAME...]
 *	C_GetMechanismList leaves these out (NULL-list size queries agree with the data), and
 *	C_GetMechanismInfo and every call that takes a CK_MECHANISM (C_SignInit,
 *	C_GenerateKeyPair, ...) return CKR_MECHANISM_INVALID for them.  Names or numbers (0x...).
 *
 *   token_flags=CKF_NAME[,CKF_NAME...]
 *	C_GetTokenInfo ORs these flags (CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY,
 *	CKF_USER_PIN_LOCKED, CKF_PROTECTED_AUTHENTICATION_PATH, ... or 0x...) into every
 *	token's answer: a token that says its PIN is on its last try.
 *
 *   The order of the checks is: fail=, then absent=, then hide_mech=.  Changes are noticed
 *   only when a call is made: a token that vanishes and returns between two calls has, for
 *   the module, never left.  C_WaitForSlotEvent reports none of these events.
 *
 * Counters
 *   Every call is counted per function, faulted or not.  In-process tests read the counts
 *   with ta_fault_count() and clear them with ta_fault_reset_counts(), found with
 *   dlopen(path, RTLD_NOLOAD | RTLD_NOW) and dlsym().
 *
 * The control file is parsed by fault-ctl.c (fault-pkcs11.h holds what the two share).
 *
 * Locking: one mutex guards all state; it is never held while forwarding to the target or
 * while sleeping.
 */

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "tests/tools/fault-pkcs11.h"

struct slot {
	CK_SLOT_ID id;
	char label[LABEL_LEN + 1];	/* trimmed, as last reported by the target */
};

/*
 * A session is LIVE until its token is seen absent, then ORPHANED (CKR_DEVICE_REMOVED) until
 * the token returns, then STALE (CKR_SESSION_HANDLE_INVALID) while it is closed in the target;
 * after that it is forgotten and the target itself answers for the handle.
 */
enum session_state { SESSION_LIVE, SESSION_ORPHANED, SESSION_STALE };

struct session {
	CK_SESSION_HANDLE handle;	/* CK_INVALID_HANDLE: free entry */
	CK_SLOT_ID slot;
	enum session_state state;
};

__attribute__((visibility("default"))) unsigned long ta_fault_count(const char *func);
__attribute__((visibility("default"))) void ta_fault_reset_counts(void);

static pthread_once_t target_once = PTHREAD_ONCE_INIT;
static CK_FUNCTION_LIST *target;	/* set once, then read-only */
static CK_FUNCTION_LIST fault_functions;

/* All of the following is guarded by state_mutex. */
static pthread_mutex_t state_mutex = PTHREAD_MUTEX_INITIALIZER;
static char ctl_path[PATH_MAX];
static struct file_id ctl_id;
static struct config cfg;
static unsigned long counts[FN_COUNT];
static struct slot slots[MAX_SLOTS];
static size_t n_slots;
static struct session sessions[MAX_SESSIONS];

/* ---- small helpers ------------------------------------------------------------------------ */

/* A blank-padded CK_TOKEN_INFO.label, as a trimmed C string. */
static void
label_from_token(char out[static LABEL_LEN + 1], const CK_UTF8CHAR in[static LABEL_LEN])
{
	size_t len = LABEL_LEN;

	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\0'))
		len--;
	memcpy(out, in, len);
	out[len] = '\0';
}

static void
sleep_ms(unsigned long ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* Replaces cfg with the contents of path; id is what stat() said about it. */
static void
config_load_locked(const char *path, const struct file_id *id)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	struct stat st;
	FILE *f;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ctl_id = *id;
	if (!id->exists || (f = fopen(path, "re")) == NULL)
		return;
	/* Remember the version actually read, should the file have been replaced meanwhile. */
	if (fstat(fileno(f), &st) == 0)
		file_id_from_stat(&ctl_id, &st);
	while (getline(&line, &cap, f) != -1)
		config_parse_line(&cfg, line, path, ++lineno);
	free(line);
	fclose(f);
}

/* One stat() per call; the file is parsed again only when it has changed. */
static void
config_refresh_locked(void)
{
	const char *path = secure_getenv("TA_FAULT_CTL");
	struct file_id id = { 0 };
	struct stat st;

	if (path == NULL || strlen(path) >= sizeof(ctl_path))
		path = "";
	if (*path != '\0' && stat(path, &st) == 0)
		file_id_from_stat(&id, &st);
	if (strcmp(path, ctl_path) != 0 || !file_id_equal(&id, &ctl_id))
		config_load_locked(path, &id);
}

/* Consumes one call of the first fail= rule for fn that has calls left. */
static bool
fail_take_locked(enum fn fn, CK_RV *ret_rv)
{
	size_t i;

	for (i = 0; i < cfg.n_fails; i++) {
		struct fail_rule *r = &cfg.fails[i];

		if (r->fn != fn || (!r->always && r->left == 0))
			continue;
		if (!r->always)
			r->left--;
		*ret_rv = r->rv;
		return true;
	}
	return false;
}

static bool
mech_hidden_locked(CK_MECHANISM_TYPE mech)
{
	size_t i;

	for (i = 0; i < cfg.n_hidden; i++) {
		if (cfg.hidden[i] == mech)
			return true;
	}
	return false;
}

static bool
mech_hidden(CK_MECHANISM_TYPE mech)
{
	bool hidden;

	pthread_mutex_lock(&state_mutex);
	hidden = mech_hidden_locked(mech);
	pthread_mutex_unlock(&state_mutex);
	return hidden;
}

/* ---- slots ---------------------------------------------------------------------------------- */

static struct slot *
slot_find_locked(CK_SLOT_ID id)
{
	size_t i;

	for (i = 0; i < n_slots; i++) {
		if (slots[i].id == id)
			return &slots[i];
	}
	return NULL;
}

static void
slot_note_label_locked(CK_SLOT_ID id, const CK_UTF8CHAR label[static LABEL_LEN])
{
	struct slot *s = slot_find_locked(id);

	if (s == NULL) {
		if (n_slots == MAX_SLOTS)
			return;	/* never seen as absent, then */
		s = &slots[n_slots++];
		s->id = id;
	}
	label_from_token(s->label, label);
}

/* Uses the cached label: no call to the target. */
static bool
slot_absent_locked(CK_SLOT_ID id)
{
	const struct slot *s = slot_find_locked(id);
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < cfg.n_absent; i++) {
		if (strcmp(cfg.absent[i], s->label) == 0)
			return true;
	}
	return false;
}

/* Refreshes the slot's label from the target, then checks it. */
static bool
slot_absent(CK_SLOT_ID id)
{
	CK_TOKEN_INFO info;
	bool absent;
	CK_RV rv;

	rv = target->C_GetTokenInfo(id, &info);
	pthread_mutex_lock(&state_mutex);
	if (rv == CKR_OK)
		slot_note_label_locked(id, info.label);
	absent = slot_absent_locked(id);
	pthread_mutex_unlock(&state_mutex);
	return absent;
}

/* ---- sessions ------------------------------------------------------------------------------- */

static struct session *
session_find_locked(CK_SESSION_HANDLE handle)
{
	size_t i;

	if (handle == CK_INVALID_HANDLE)
		return NULL;
	for (i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].handle == handle)
			return &sessions[i];
	}
	return NULL;
}

/* A handle the target hands out again replaces whatever we remembered under it. */
static bool
session_add_locked(CK_SESSION_HANDLE handle, CK_SLOT_ID slot)
{
	struct session *s = session_find_locked(handle);
	size_t i;

	for (i = 0; i < MAX_SESSIONS && s == NULL; i++) {
		if (sessions[i].handle == CK_INVALID_HANDLE)
			s = &sessions[i];
	}
	if (s == NULL)
		return false;
	*s = (struct session){ .handle = handle, .slot = slot, .state = SESSION_LIVE };
	return true;
}

static void
session_forget_locked(CK_SESSION_HANDLE handle)
{
	struct session *s = session_find_locked(handle);

	if (s != NULL)
		s->handle = CK_INVALID_HANDLE;
}

static void
sessions_forget_slot_locked(CK_SLOT_ID slot)
{
	size_t i;

	for (i = 0; i < MAX_SESSIONS; i++) {
		if (sessions[i].handle != CK_INVALID_HANDLE && sessions[i].slot == slot)
			sessions[i].handle = CK_INVALID_HANDLE;
	}
}

/*
 * Moves sessions along with their token: LIVE -> ORPHANED when it is absent, ORPHANED ->
 * STALE when it is back.  Returns the STALE ones, which the caller closes in the target.
 */
static size_t
sessions_sweep_locked(CK_SESSION_HANDLE to_close[static MAX_SESSIONS])
{
	size_t i, n = 0;

	for (i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &sessions[i];
		bool absent;

		if (s->handle == CK_INVALID_HANDLE || s->state == SESSION_STALE)
			continue;
		absent = slot_absent_locked(s->slot);
		if (s->state == SESSION_LIVE && absent) {
			s->state = SESSION_ORPHANED;
		} else if (s->state == SESSION_ORPHANED && !absent) {
			s->state = SESSION_STALE;
			to_close[n++] = s->handle;
		}
	}
	return n;
}

/*
 * XXX If the application calls C_CloseAllSessions on the slot while we close these, and the
 * target gives a freed handle to a new session in between, we may close that new session.
 * Tests do not race token returns against session churn on the same token.
 */
static void
sessions_close_stale(const CK_SESSION_HANDLE *handles, size_t n)
{
	struct session *s;
	size_t i;

	for (i = 0; i < n; i++)
		(void)target->C_CloseSession(handles[i]);
	pthread_mutex_lock(&state_mutex);
	for (i = 0; i < n; i++) {
		s = session_find_locked(handles[i]);
		if (s != NULL && s->state == SESSION_STALE)
			s->handle = CK_INVALID_HANDLE;
	}
	pthread_mutex_unlock(&state_mutex);
}

static bool
session_check_locked(CK_SESSION_HANDLE handle, CK_RV *ret_rv)
{
	const struct session *s = session_find_locked(handle);

	if (s == NULL || s->state == SESSION_LIVE)
		return false;
	*ret_rv = s->state == SESSION_ORPHANED ? CKR_DEVICE_REMOVED : CKR_SESSION_HANDLE_INVALID;
	return true;
}

/* ---- counters ------------------------------------------------------------------------------- */

static bool
fn_in_stats(enum fn fn)
{
	switch (fn) {
	case FN_C_Login:
	case FN_C_Sign:
	case FN_C_SignInit:
	case FN_C_OpenSession:
	case FN_C_GenerateKeyPair:
		return true;
	default:
		return false;
	}
}

static void
stats_write_locked(void)
{
	const char *path = secure_getenv("TA_FAULT_STATS");
	char tmp[PATH_MAX];
	FILE *f;
	int i, len;

	if (path == NULL || *path == '\0')
		return;
	len = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(tmp) || (f = fopen(tmp, "we")) == NULL)
		return;
	for (i = 0; i < FN_COUNT; i++) {
		if (counts[i] > 0)
			fprintf(f, "%s=%lu\n", fn_names[i], counts[i]);
	}
	if ((ferror(f) | fclose(f)) != 0 || rename(tmp, path) != 0)
		(void)unlink(tmp);
}

unsigned long
ta_fault_count(const char *func)
{
	unsigned long n = 0;
	enum fn fn;

	if (func == NULL || !fn_lookup(func, &fn))
		return 0;
	pthread_mutex_lock(&state_mutex);
	n = counts[fn];
	pthread_mutex_unlock(&state_mutex);
	return n;
}

void
ta_fault_reset_counts(void)
{
	pthread_mutex_lock(&state_mutex);
	memset(counts, 0, sizeof(counts));
	pthread_mutex_unlock(&state_mutex);
}

/* ---- the common prologue -------------------------------------------------------------------- */

/*
 * Starts every call: re-reads the control file if needed, counts the call, and decides on a
 * fault.  session and mech are NULL when the function takes none.  Returns true when the call
 * must return *ret_rv without reaching the target.
 */
static bool
enter(enum fn fn, const CK_SESSION_HANDLE *session, const CK_MECHANISM *mech, CK_RV *ret_rv)
{
	CK_SESSION_HANDLE to_close[MAX_SESSIONS];
	unsigned long delay_ms;
	CK_RV rv = CKR_OK;
	size_t n_close;
	bool faulted;

	pthread_mutex_lock(&state_mutex);
	config_refresh_locked();
	n_close = sessions_sweep_locked(to_close);
	counts[fn]++;
	if (fn_in_stats(fn))
		stats_write_locked();
	delay_ms = cfg.delay_ms[fn];
	faulted = fail_take_locked(fn, &rv);
	if (!faulted && session != NULL)
		faulted = session_check_locked(*session, &rv);
	if (!faulted && mech != NULL && mech_hidden_locked(mech->mechanism)) {
		rv = CKR_MECHANISM_INVALID;
		faulted = true;
	}
	pthread_mutex_unlock(&state_mutex);

	if (n_close > 0)
		sessions_close_stale(to_close, n_close);
	if (delay_ms > 0)
		sleep_ms(delay_ms);
	if (faulted)
		*ret_rv = rv;
	return faulted;
}

/*
 * enter() for the calls that take a slot: a vanished token's slot answers
 * CKR_TOKEN_NOT_PRESENT.
 */
static bool
enter_slot(enum fn fn, CK_SLOT_ID slot, CK_RV *ret_rv)
{
	if (enter(fn, NULL, NULL, ret_rv))
		return true;
	if (slot_absent(slot)) {
		*ret_rv = CKR_TOKEN_NOT_PRESENT;
		return true;
	}
	return false;
}

/*
 * Answers the two-call protocol (NULL list: size only) from the target's full list, rv and
 * n being what the target answered, without the items hidden() picks.
 */
static CK_RV
list_answer(CK_RV rv, CK_ULONG *items, CK_ULONG n, bool (*hidden)(CK_ULONG), CK_ULONG *list,
    CK_ULONG *count)
{
	CK_ULONG i, kept = 0;

	if (rv != CKR_OK)
		return rv == CKR_BUFFER_TOO_SMALL ? CKR_GENERAL_ERROR : rv;
	for (i = 0; i < n; i++) {
		if (!hidden(items[i]))
			items[kept++] = items[i];
	}
	n = kept;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL) {
		*count = n;
		return CKR_OK;
	}
	if (*count < n) {
		*count = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(list, items, n * sizeof(*items));
	*count = n;
	return CKR_OK;
}

/* ---- trivial forwarders --------------------------------------------------------------------- */

/*
 * A forwarder: the call returns rv without reaching the target when faulted, an expression
 * that may set the forwarder's own rv, is true.
 */
#define FORWARD_IF(name, params, args, faulted)                                                    \
	static CK_RV                                                                               \
	fault_##name params                                                                        \
	{                                                                                          \
		CK_RV rv;                                                                          \
                                                                                                   \
		if (faulted)                                                                       \
			return rv;                                                                 \
		return target->name args;                                                          \
	}

#define FORWARD(name, params, args) FORWARD_IF(name, params, args, enter(FN_##name, NULL, NULL, &rv))
#define FORWARD_SESSION(name, params, args)                                                        \
	FORWARD_IF(name, params, args, enter(FN_##name, &session, NULL, &rv))
#define FORWARD_MECH(name, params, args)                                                           \
	FORWARD_IF(name, params, args, enter(FN_##name, &session, mechanism, &rv))

/*
 * Most calls share one of a few signatures: each shape's parameters are written once, then the
 * calls of that shape are listed by name.
 */
#define SESSION_PARAMS (CK_SESSION_HANDLE session)
#define SESSION_ARGS (session)
/* data in, data out, with the two-call size protocol */
#define IO_PARAMS                                                                                  \
	(CK_SESSION_HANDLE session, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,              \
	    CK_ULONG_PTR out_len)
#define IO_ARGS (session, in, in_len, out, out_len)
/* data out only */
#define OUT_PARAMS (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
#define OUT_ARGS (session, out, out_len)
/* data in only */
#define IN_PARAMS (CK_SESSION_HANDLE session, CK_BYTE_PTR in, CK_ULONG in_len)
#define IN_ARGS (session, in, in_len)
/* an operation started with a mechanism and a key */
#define INIT_PARAMS (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
#define INIT_ARGS (session, mechanism, key)
/* an object's attributes */
#define ATTR_PARAMS                                                                                \
	(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ, CK_ULONG count)
#define ATTR_ARGS (session, object, templ, count)

#define FORWARD_SESSION_ONLY(name) FORWARD_SESSION(name, SESSION_PARAMS, SESSION_ARGS)
#define FORWARD_IO(name) FORWARD_SESSION(name, IO_PARAMS, IO_ARGS)
#define FORWARD_OUT(name) FORWARD_SESSION(name, OUT_PARAMS, OUT_ARGS)
#define FORWARD_IN(name) FORWARD_SESSION(name, IN_PARAMS, IN_ARGS)
#define FORWARD_ATTR(name) FORWARD_SESSION(name, ATTR_PARAMS, ATTR_ARGS)
#define FORWARD_INIT(name) FORWARD_MECH(name, INIT_PARAMS, INIT_ARGS)

#define SESSION_ONLY_CALLS(X)                                                                      \
	X(C_Logout) X(C_FindObjectsFinal) X(C_GetFunctionStatus) X(C_CancelFunction)
#define IO_CALLS(X)                                                                                \
	X(C_Encrypt) X(C_EncryptUpdate) X(C_Decrypt) X(C_DecryptUpdate) X(C_Digest)                \
	X(C_SignRecover) X(C_VerifyRecover) X(C_DigestEncryptUpdate) X(C_DecryptDigestUpdate)      \
	X(C_SignEncryptUpdate) X(C_DecryptVerifyUpdate)
#define OUT_CALLS(X) X(C_EncryptFinal) X(C_DecryptFinal) X(C_DigestFinal) X(C_GetOperationState)
#define IN_CALLS(X) X(C_DigestUpdate) X(C_VerifyUpdate) X(C_VerifyFinal) X(C_SeedRandom)
#define ATTR_CALLS(X) X(C_GetAttributeValue) X(C_SetAttributeValue)
#define INIT_CALLS(X)                                                                              \
	X(C_EncryptInit) X(C_DecryptInit) X(C_SignInit) X(C_SignRecoverInit) X(C_VerifyInit)       \
	X(C_VerifyRecoverInit)

SESSION_ONLY_CALLS(FORWARD_SESSION_ONLY)
IO_CALLS(FORWARD_IO)
OUT_CALLS(FORWARD_OUT)
IN_CALLS(FORWARD_IN)
ATTR_CALLS(FORWARD_ATTR)
INIT_CALLS(FORWARD_INIT)

/* The calls of a signature of their own. */
FORWARD(C_Initialize, (CK_VOID_PTR args), (args))
FORWARD(C_GetInfo, (CK_INFO_PTR info), (info))
FORWARD(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved),
    (flags, slot, reserved))

FORWARD_SESSION(C_InitPIN, (CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len),
    (session, pin, pin_len))
FORWARD_SESSION(C_SetPIN,
    (CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
	CK_ULONG new_len),
    (session, old_pin, old_len, new_pin, new_len))
FORWARD_SESSION(C_GetSessionInfo, (CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info),
    (session, info))
FORWARD_SESSION(C_SetOperationState,
    (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG state_len, CK_OBJECT_HANDLE enc_key,
	CK_OBJECT_HANDLE auth_key),
    (session, state, state_len, enc_key, auth_key))
FORWARD_SESSION(C_Login,
    (CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len),
    (session, user, pin, pin_len))
FORWARD_SESSION(C_CreateObject,
    (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
	CK_OBJECT_HANDLE_PTR object),
    (session, templ, count, object))
FORWARD_SESSION(C_CopyObject,
    (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
	CK_OBJECT_HANDLE_PTR new_object),
    (session, object, templ, count, new_object))
FORWARD_SESSION(C_DestroyObject, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object),
    (session, object))
FORWARD_SESSION(C_GetObjectSize,
    (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size),
    (session, object, size))
FORWARD_SESSION(C_FindObjectsInit,
    (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count),
    (session, templ, count))
FORWARD_SESSION(C_FindObjects,
    (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max, CK_ULONG_PTR count),
    (session, objects, max, count))
FORWARD_SESSION(C_Verify,
    (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR sig,
	CK_ULONG sig_len),
    (session, data, data_len, sig, sig_len))
FORWARD_SESSION(C_DigestKey, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key), (session, key))
FORWARD_SESSION(C_GenerateRandom, (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG out_len),
    (session, out, out_len))

FORWARD_MECH(C_DigestInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism),
    (session, mechanism))
FORWARD_MECH(C_GenerateKey,
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR templ,
	CK_ULONG count, CK_OBJECT_HANDLE_PTR key),
    (session, mechanism, templ, count, key))
FORWARD_MECH(C_GenerateKeyPair,
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR pub_templ,
	CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv_templ, CK_ULONG priv_count,
	CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv),
    (session, mechanism, pub_templ, pub_count, priv_templ, priv_count, pub, priv))
FORWARD_MECH(C_WrapKey,
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE wrapping_key,
	CK_OBJECT_HANDLE key, CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_len),
    (session, mechanism, wrapping_key, key, wrapped, wrapped_len))
FORWARD_MECH(C_UnwrapKey,
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE unwrapping_key,
	CK_BYTE_PTR wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
	CK_OBJECT_HANDLE_PTR key),
    (session, mechanism, unwrapping_key, wrapped, wrapped_len, templ, count, key))
FORWARD_MECH(C_DeriveKey,
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE base_key,
	CK_ATTRIBUTE_PTR templ, CK_ULONG count, CK_OBJECT_HANDLE_PTR key),
    (session, mechanism, base_key, templ, count, key))

/* ---- functions with faults of their own ----------------------------------------------------- */

/*
 * A token ends the signing operation when C_Sign, C_SignUpdate or C_SignFinal fail with
 * anything but CKR_BUFFER_TOO_SMALL (PKCS#11 2.40, 5.12).  A faulted call never reached the
 * target, so end the operation there too, by completing it and discarding the signature;
 * otherwise the caller's next C_SignInit would meet CKR_OPERATION_ACTIVE.
 */
static bool
enter_sign(enum fn fn, CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
    CK_RV *ret_rv)
{
	CK_BYTE sig[MAX_SIGNATURE];
	CK_ULONG len = sizeof(sig);

	if (!enter(fn, &session, NULL, ret_rv))
		return false;
	if (*ret_rv == CKR_OK || *ret_rv == CKR_BUFFER_TOO_SMALL)
		return true;
	if (fn == FN_C_Sign)
		(void)target->C_Sign(session, data, data_len, sig, &len);
	else
		(void)target->C_SignFinal(session, sig, &len);
	return true;
}

FORWARD_IF(C_Sign, IO_PARAMS, IO_ARGS, enter_sign(FN_C_Sign, session, in, in_len, &rv))
FORWARD_IF(C_SignUpdate, IN_PARAMS, IN_ARGS, enter_sign(FN_C_SignUpdate, session, NULL, 0, &rv))
FORWARD_IF(C_SignFinal, OUT_PARAMS, OUT_ARGS, enter_sign(FN_C_SignFinal, session, NULL, 0, &rv))

static CK_RV
fault_C_Finalize(CK_VOID_PTR reserved)
{
	CK_RV rv;

	if (enter(FN_C_Finalize, NULL, NULL, &rv))
		return rv;
	rv = target->C_Finalize(reserved);
	if (rv == CKR_OK) {
		pthread_mutex_lock(&state_mutex);
		memset(sessions, 0, sizeof(sessions));
		n_slots = 0;
		pthread_mutex_unlock(&state_mutex);
	}
	return rv;
}

static CK_RV
fault_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_SLOT_ID all[MAX_LIST];
	CK_ULONG n = MAX_LIST;
	CK_RV rv;

	if (enter(FN_C_GetSlotList, NULL, NULL, &rv))
		return rv;
	if (!present)
		return target->C_GetSlotList(present, list, count);
	rv = target->C_GetSlotList(present, all, &n);
	return list_answer(rv, all, n, slot_absent, list, count);
}

static CK_RV
fault_C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	bool absent;
	CK_RV rv;

	if (enter(FN_C_GetSlotInfo, NULL, NULL, &rv))
		return rv;
	absent = slot_absent(slot);
	rv = target->C_GetSlotInfo(slot, info);
	if (rv == CKR_OK && absent)
		info->flags &= ~CKF_TOKEN_PRESENT;
	return rv;
}

static CK_RV
fault_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv;

	if (enter_slot(FN_C_GetTokenInfo, slot, &rv))
		return rv;
	rv = target->C_GetTokenInfo(slot, info);
	if (rv == CKR_OK) {
		pthread_mutex_lock(&state_mutex);
		info->flags |= cfg.token_flags;
		pthread_mutex_unlock(&state_mutex);
	}
	return rv;
}

static CK_RV
fault_C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_MECHANISM_TYPE all[MAX_LIST];
	CK_ULONG n = MAX_LIST;
	CK_RV rv;

	if (enter_slot(FN_C_GetMechanismList, slot, &rv))
		return rv;
	rv = target->C_GetMechanismList(slot, all, &n);
	return list_answer(rv, all, n, mech_hidden, list, count);
}

static CK_RV
fault_C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv;

	if (enter_slot(FN_C_GetMechanismInfo, slot, &rv))
		return rv;
	if (mech_hidden(type))
		return CKR_MECHANISM_INVALID;
	return target->C_GetMechanismInfo(slot, type, info);
}

static CK_RV
fault_C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len, CK_UTF8CHAR_PTR label)
{
	CK_RV rv;

	if (enter_slot(FN_C_InitToken, slot, &rv))
		return rv;
	return target->C_InitToken(slot, pin, pin_len, label);
}

static CK_RV
fault_C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
    CK_SESSION_HANDLE_PTR ret_session)
{
	bool tracked;
	CK_RV rv;

	if (enter_slot(FN_C_OpenSession, slot, &rv))
		return rv;
	rv = target->C_OpenSession(slot, flags, app, notify, ret_session);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&state_mutex);
	tracked = session_add_locked(*ret_session, slot);
	pthread_mutex_unlock(&state_mutex);
	if (!tracked) {
		(void)target->C_CloseSession(*ret_session);
		return CKR_SESSION_COUNT;
	}
	return CKR_OK;
}

/*
 * Forget before forwarding: once the target has closed the handle it may give it to another
 * thread's new session, which we must not forget.
 */
static CK_RV
fault_C_CloseSession(CK_SESSION_HANDLE session)
{
	CK_RV rv;

	if (enter(FN_C_CloseSession, &session, NULL, &rv))
		return rv;
	pthread_mutex_lock(&state_mutex);
	session_forget_locked(session);
	pthread_mutex_unlock(&state_mutex);
	return target->C_CloseSession(session);
}

static CK_RV
fault_C_CloseAllSessions(CK_SLOT_ID slot)
{
	CK_RV rv;

	if (enter(FN_C_CloseAllSessions, NULL, NULL, &rv))
		return rv;
	pthread_mutex_lock(&state_mutex);
	sessions_forget_slot_locked(slot);
	pthread_mutex_unlock(&state_mutex);
	return target->C_CloseAllSessions(slot);
}

/* ---- entry point ---------------------------------------------------------------------------- */

static void
target_load(void)
{
	const char *path = secure_getenv("TA_FAULT_TARGET");
	CK_C_GetFunctionList get_list;
	CK_FUNCTION_LIST_PTR list = NULL;
	void *dl;

	if (path == NULL || *path == '\0')
		path = DEFAULT_TARGET;
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "fault-pkcs11: %s\n", dlerror());
		return;
	}
	get_list = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	if (get_list == NULL || get_list(&list) != CKR_OK || list == NULL) {
		fprintf(stderr, "fault-pkcs11: %s: no usable C_GetFunctionList\n", path);
		dlclose(dl);
		return;
	}
	target = list;
}

static CK_RV
fault_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ret_list)
{
	CK_RV rv;

	if (enter(FN_C_GetFunctionList, NULL, NULL, &rv))
		return rv;
	if (ret_list == NULL)
		return CKR_ARGUMENTS_BAD;
	*ret_list = &fault_functions;
	return CKR_OK;
}

static CK_FUNCTION_LIST fault_functions = {
	.version = { CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
#define X(name) .name = fault_##name,
	FAULT_FUNCTIONS(X)
#undef X
};

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ret_list)
{
	(void)pthread_once(&target_once, target_load);
	if (target == NULL)
		return CKR_GENERAL_ERROR;
	return fault_C_GetFunctionList(ret_list);
}
