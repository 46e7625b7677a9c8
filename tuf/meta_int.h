/* Shared inside tuf/meta.c and tuf/meta_edit.c only (ta__meta_*). */
#ifndef TA_TUF_META_INT_H
#define TA_TUF_META_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s is hex of an even, non-zero length (exactly want digits when want is
 * not 0): key IDs, tuf hashes and signatures. */
bool ta__meta_is_hex(const char *s, size_t want);

/* Decoded length of padded standard base64, or -1 when it is not that.
 * Trailing bits are not checked: Go's decoder, which wrote notary's
 * files, does not check them either. */
long ta__meta_b64_len(const char *s);

/* Hex or base64 (as ta__meta_b64_len reads it) into out (max bytes):
 * 0 and *ret_len, or TA_ERR_INVALID. */
int ta__meta_unhex(const char *s, uint8_t *out, size_t max, size_t *ret_len);
int ta__meta_unb64(const char *s, uint8_t *out, size_t max, size_t *ret_len);

#endif
