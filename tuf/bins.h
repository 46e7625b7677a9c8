/* Succinct hash bins (TAP 15), as @tufjs/models' SuccinctRoles defines
 * them: 2^bit_length bins (bit_length 1..32) named PREFIX-HEX, HEX the
 * bin's index in lower-case hex zero-padded to the length of the last
 * index; a target path's bin is the first bit_length bits of its SHA-256. */
#ifndef TA_BINS_H
#define TA_BINS_H

#include <stddef.h>
#include <stdint.h>

/* The bin of a target path. */
uint32_t ta_bins_for_path(unsigned bit_length, const char *path);

/* "PREFIX-HEX" into buf; TA_ERR_INVALID for bit_length outside 1..32 or
 * index out of range, TA_ERR_TOO_LARGE when it does not fit. */
int ta_bins_name(const char *prefix, unsigned bit_length, uint32_t index, char *buf, size_t cap)
    __attribute__((warn_unused_result));

/* The index of the bin named name (exactly PREFIX-HEX as ta_bins_name
 * writes it, lower- or upper-case hex); TA_ERR_INVALID when name is not
 * one of the 2^bit_length bins. */
int ta_bins_index(const char *prefix, unsigned bit_length, const char *name, uint32_t *ret)
    __attribute__((warn_unused_result));

#endif
