/* Succinct hash bins (tuf/bins.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "tuf/bins.h"

uint32_t
ta_bins_for_path(unsigned bit_length, const char *path)
{
	uint8_t md[32];
	uint32_t top;

	if (bit_length < 1 || bit_length > 32)
		return 0;
	(void)EVP_Digest(path, strlen(path), md, NULL, EVP_sha256(), NULL);
	top = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	return (uint32_t)((uint64_t)top >> (32 - bit_length));
}

int
ta_bins_name(const char *prefix, unsigned bit_length, uint32_t index, char *buf, size_t cap)
{
	uint64_t last;
	int width, n;

	if (prefix == NULL || bit_length < 1 || bit_length > 32)
		return TA_ERR_INVALID;
	last = ((uint64_t)1 << bit_length) - 1;
	if (index > last)
		return TA_ERR_INVALID;
	width = snprintf(NULL, 0, "%llx", (unsigned long long)last);
	n = snprintf(buf, cap, "%s-%0*llx", prefix, width, (unsigned long long)index);
	return n < 0 || (size_t)n >= cap ? TA_ERR_TOO_LARGE : 0;
}

int
ta_bins_index(const char *prefix, unsigned bit_length, const char *name, uint32_t *ret)
{
	size_t plen;
	uint64_t v = 0, last;
	int width;
	const char *s;

	if (prefix == NULL || name == NULL || bit_length < 1 || bit_length > 32)
		return TA_ERR_INVALID;
	plen = strlen(prefix);
	if (strncmp(name, prefix, plen) != 0 || name[plen] != '-')
		return TA_ERR_INVALID;
	last = ((uint64_t)1 << bit_length) - 1;
	width = snprintf(NULL, 0, "%llx", (unsigned long long)last);
	s = name + plen + 1;
	if ((int)strlen(s) != width)
		return TA_ERR_INVALID;
	for (; *s != '\0'; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

		if (d < 0)
			return TA_ERR_INVALID;
		v = v << 4 | (uint64_t)d;
	}
	if (v > last)
		return TA_ERR_INVALID;
	*ret = (uint32_t)v;
	return 0;
}
