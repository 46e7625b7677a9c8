/* UTF-8 as RFC 3629 defines it: the one validator every parser shares. */
#ifndef TA_UTF8_H
#define TA_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s, of which n > 0
 * bytes are readable, or 0 when it is not one: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence. */
size_t ta_utf8_seq(const uint8_t *s, size_t n);

/* len bytes at s are well-formed UTF-8 (ta_utf8_seq throughout).  When
 * not, and ret_bad is not NULL, *ret_bad is the offset of the first byte
 * that does not start a well-formed sequence. */
bool ta_utf8_valid(const uint8_t *s, size_t len, size_t *ret_bad);

/* Writes code point cp (at most U+10FFFF, not a surrogate: the caller's
 * to check) as UTF-8 into out; returns the length, 1..4. */
size_t ta_utf8_put(uint32_t cp, uint8_t out[static 4]);

#endif
