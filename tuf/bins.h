/* TAP 15 succinct hash bins: the arithmetic alone, shared by the client
 * workflow (tuf/updater.c), ta_delegation_covers() and the repository
 * writer.
 *
 * As @tufjs/models SuccinctRoles (and python-tuf) compute it: with
 * delegations.succinct_roles = {keyids, threshold, bit_length, name_prefix}
 * there are 2^bit_length bins (bit_length 1..32); bin i is named
 * name_prefix + "-" + i in lowercase hex, zero-padded to the number of hex
 * digits of 2^bit_length - 1; a target path falls in the bin given by the
 * first four bytes of SHA-256(path), big-endian, shifted right by
 * 32 - bit_length.  Every bin is a terminating delegation. */
#ifndef TA_BINS_H
#define TA_BINS_H

#include <stddef.h>
#include <stdint.h>

/* The number of bins: 2^bit_length, or 0 for a bit_length outside 1..32. */
uint64_t ta_bins_count(unsigned bit_length);

/* Hex digits of a bin suffix: those of 2^bit_length - 1 (1..8), 0 for a
 * bad bit_length. */
unsigned ta_bins_suffix_len(unsigned bit_length);

/* Writes bin index's role name into buf (cap bytes, NUL included).
 * TA_ERR_INVALID for a bad bit_length or an index out of range,
 * TA_ERR_TOO_LARGE when cap is short. */
int ta_bins_name(const char *prefix, unsigned bit_length, uint32_t index, char *buf,
    size_t cap) __attribute__((warn_unused_result));

/* The bin of a target path: 0..2^bit_length-1, or TA_ERR_INVALID (a
 * negative value) for a bad bit_length or a NULL path, TA_ERR_CRYPTO. */
int64_t ta_bins_for_path(unsigned bit_length, const char *path);

/* Whether name is one of the bins (prefix "-" exactly suffix_len hex
 * digits, either case as tuf-js accepts, naming an index below the count):
 * 0 and *ret_index, or TA_ERR_NOT_FOUND (TA_ERR_INVALID for bad
 * arguments). */
int ta_bins_parse(const char *name, const char *prefix, unsigned bit_length,
    uint32_t *ret_index) __attribute__((warn_unused_result));

#endif
