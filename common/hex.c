/* Hexadecimal (common/hex.h). */
#include "common/hex.h"
#include "common/err.h"

void
ta_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int
ta_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
ta_hex_ok(const char *s, size_t len, bool lower_only)
{
	for (size_t i = 0; i < len; i++) {
		int v = ta_hex_value(s[i]);

		if (v < 0 || (lower_only && s[i] >= 'A' && s[i] <= 'F'))
			return false;
	}
	return true;
}

int
ta_unhex(const char *s, size_t len, uint8_t *out, size_t max, size_t *ret_len)
{
	if (len % 2 != 0 || !ta_hex_ok(s, len, false))
		return TA_ERR_INVALID;
	if (len / 2 > max)
		return TA_ERR_TOO_LARGE;
	for (size_t i = 0; i < len; i += 2) {
		int hi = ta_hex_value(s[i]), lo = ta_hex_value(s[i + 1]);

		if (hi < 0 || lo < 0) /* checked above; said again for the analyzer */
			return TA_ERR_INVALID;
		out[i / 2] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
	}
	*ret_len = len / 2;
	return 0;
}
