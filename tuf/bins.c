/* TAP 15 succinct hash bins (tuf/bins.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/bins.h"

uint64_t
ta_bins_count(unsigned bit_length)
{
	return bit_length >= 1 && bit_length <= 32 ? (uint64_t)1 << bit_length : 0;
}

unsigned
ta_bins_suffix_len(unsigned bit_length)
{
	/* 2^b - 1 has b bits set: ceil(b / 4) hex digits. */
	return ta_bins_count(bit_length) ? (bit_length + 3) / 4 : 0;
}

int
ta_bins_name(const char *prefix, unsigned bit_length, uint32_t index, char *buf, size_t cap)
{
	int n;

	if (prefix == NULL || buf == NULL || ta_bins_count(bit_length) == 0 ||
	    (uint64_t)index >= ta_bins_count(bit_length))
		return TA_ERR_INVALID;
	n = snprintf(buf, cap, "%s-%0*x", prefix, (int)ta_bins_suffix_len(bit_length),
	    (unsigned)index);
	if (n < 0 || (size_t)n >= cap)
		return TA_ERR_TOO_LARGE;
	return 0;
}

int64_t
ta_bins_for_path(unsigned bit_length, const char *path)
{
	uint8_t md[32];
	uint32_t v;

	if (path == NULL || ta_bins_count(bit_length) == 0)
		return TA_ERR_INVALID;
	if (EVP_Digest(path, strlen(path), md, NULL, EVP_sha256(), NULL) != 1)
		return TA_ERR_CRYPTO;
	v = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	return (int64_t)(bit_length == 32 ? v : v >> (32 - bit_length));
}

int
ta_bins_parse(const char *name, const char *prefix, unsigned bit_length, uint32_t *ret_index)
{
	size_t pl, sl;
	uint64_t v = 0;
	const char *p;

	if (name == NULL || prefix == NULL || ta_bins_count(bit_length) == 0)
		return TA_ERR_INVALID;
	pl = strlen(prefix);
	sl = ta_bins_suffix_len(bit_length);
	if (strncmp(name, prefix, pl) != 0 || name[pl] != '-' || strlen(name + pl + 1) != sl)
		return TA_ERR_NOT_FOUND;
	for (p = name + pl + 1; *p != '\0'; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' :
		    *p >= 'a' && *p <= 'f'	 ? *p - 'a' + 10 :
		    *p >= 'A' && *p <= 'F'	 ? *p - 'A' + 10 :
						   -1;

		if (d < 0)
			return TA_ERR_NOT_FOUND;
		v = v << 4 | (uint64_t)d;
	}
	if (v >= ta_bins_count(bit_length))
		return TA_ERR_NOT_FOUND;
	if (ret_index != NULL)
		*ret_index = (uint32_t)v;
	return 0;
}
