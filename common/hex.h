/* Hexadecimal: the one encoder and decoder of the tree.
 *
 * Key IDs, digests and tuf signatures are lower-case hex; readers accept
 * either case where their format does (ta_hex_ok's lower_only). */
#ifndef TA_COMMON_HEX_H
#define TA_COMMON_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n bytes at p as 2n lower-case hex digits and a NUL into out (2n + 1
 * bytes). */
void ta_hex(char *out, const uint8_t *p, size_t n);

/* The value of one hex digit (either case), or -1. */
int ta_hex_value(char c);

/* len bytes at s are hex digits (lower-case only when lower_only). */
bool ta_hex_ok(const char *s, size_t len, bool lower_only);

/* Decodes len hex digits (either case; len even) into out, which has room
 * for max bytes: 0 and *ret_len, or TA_ERR_INVALID (odd length, not hex)
 * / TA_ERR_TOO_LARGE (over max). */
int ta_unhex(const char *s, size_t len, uint8_t *out, size_t max, size_t *ret_len)
    __attribute__((warn_unused_result));

#endif
