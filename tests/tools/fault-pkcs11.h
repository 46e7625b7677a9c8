/* fault-pkcs11.c's insides shared with fault-ctl.c (its control file): the
 * functions it wraps, the parsed control file and what tells one version of
 * the file from the next.  Not installed; hidden from the module's users. */
#ifndef TESTS_TOOLS_FAULT_PKCS11_H
#define TESTS_TOOLS_FAULT_PKCS11_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#pragma GCC visibility push(hidden)

#define DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"
#define LABEL_LEN 32		/* CK_TOKEN_INFO.label */
#define MAX_FAILS 32
#define MAX_LABELS 16
#define MAX_MECHS 32
#define MAX_SLOTS 64
#define MAX_SESSIONS 256
#define MAX_LIST 512		/* slots or mechanisms fetched from the target at once */
#define MAX_DELAY_MS 600000UL
#define MAX_SIGNATURE 2048	/* RSA-16384 */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))


/* Every function of the v2.40 CK_FUNCTION_LIST, in its order. */
#define FAULT_FUNCTIONS(X)                                                                         \
	X(C_Initialize) X(C_Finalize) X(C_GetInfo) X(C_GetFunctionList) X(C_GetSlotList)           \
	X(C_GetSlotInfo) X(C_GetTokenInfo) X(C_GetMechanismList) X(C_GetMechanismInfo)             \
	X(C_InitToken) X(C_InitPIN) X(C_SetPIN) X(C_OpenSession) X(C_CloseSession)                 \
	X(C_CloseAllSessions) X(C_GetSessionInfo) X(C_GetOperationState) X(C_SetOperationState)    \
	X(C_Login) X(C_Logout) X(C_CreateObject) X(C_CopyObject) X(C_DestroyObject)                \
	X(C_GetObjectSize) X(C_GetAttributeValue) X(C_SetAttributeValue) X(C_FindObjectsInit)      \
	X(C_FindObjects) X(C_FindObjectsFinal) X(C_EncryptInit) X(C_Encrypt) X(C_EncryptUpdate)    \
	X(C_EncryptFinal) X(C_DecryptInit) X(C_Decrypt) X(C_DecryptUpdate) X(C_DecryptFinal)       \
	X(C_DigestInit) X(C_Digest) X(C_DigestUpdate) X(C_DigestKey) X(C_DigestFinal)              \
	X(C_SignInit) X(C_Sign) X(C_SignUpdate) X(C_SignFinal) X(C_SignRecoverInit)                \
	X(C_SignRecover) X(C_VerifyInit) X(C_Verify) X(C_VerifyUpdate) X(C_VerifyFinal)            \
	X(C_VerifyRecoverInit) X(C_VerifyRecover) X(C_DigestEncryptUpdate)                         \
	X(C_DecryptDigestUpdate) X(C_SignEncryptUpdate) X(C_DecryptVerifyUpdate) X(C_GenerateKey)  \
	X(C_GenerateKeyPair) X(C_WrapKey) X(C_UnwrapKey) X(C_DeriveKey) X(C_SeedRandom)            \
	X(C_GenerateRandom) X(C_GetFunctionStatus) X(C_CancelFunction) X(C_WaitForSlotEvent)

enum fn {
#define X(name) FN_##name,
	FAULT_FUNCTIONS(X)
#undef X
	FN_COUNT
};

/* "C_Initialize", ... by enum fn. */
extern const char *const fn_names[FN_COUNT];

/* One fail= line. */
struct fail_rule {
	enum fn fn;
	CK_RV rv;
	bool always;		/* no COUNT given */
	unsigned long left;	/* calls still to fail, if !always */
};

/* The control file, parsed. */
struct config {
	struct fail_rule fails[MAX_FAILS];
	size_t n_fails;
	unsigned long delay_ms[FN_COUNT];
	char absent[MAX_LABELS][LABEL_LEN + 1];
	size_t n_absent;
	CK_MECHANISM_TYPE hidden[MAX_MECHS];
	size_t n_hidden;
	CK_FLAGS token_flags;	/* ORed into every C_GetTokenInfo answer */
};

/* What tells one version of the control file from the next. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

/* Looks up a function by its name ("C_Sign"). */
bool fn_lookup(const char *name, enum fn *ret);
/* Parses one line of the control file path into c; a bad one is reported on
 * stderr and ignored. */
void config_parse_line(struct config *c, char *line, const char *path, unsigned lineno);
void file_id_from_stat(struct file_id *id, const struct stat *st);
bool file_id_equal(const struct file_id *a, const struct file_id *b);

#pragma GCC visibility pop

#endif
