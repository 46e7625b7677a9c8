#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hex.h"
#include "tuf/encoding.h"

static const char b64_tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define PEM_LINE 64
#define PEM_TYPE_MAX 32

/* The value of a base64 character, or -1. */
static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Writes the base64 of len bytes to out, which has room for 4 * ceil(len / 3). */
static size_t
b64_put(char *out, const uint8_t *p, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = b64_tab[v >> 18 & 0x3f];
		out[o++] = b64_tab[v >> 12 & 0x3f];
		out[o++] = b64_tab[v >> 6 & 0x3f];
		out[o++] = b64_tab[v & 0x3f];
		if (i + 2 >= len)
			out[o - 1] = '=';
		if (i + 1 >= len)
			out[o - 2] = '=';
	}
	return o;
}

int
ta_base64_encode(const uint8_t *p, size_t len, char **ret, size_t *ret_len)
{
	size_t n;
	char *s;

	if ((p == NULL && len > 0) || ret == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if (len > TA_ENCODING_MAX)
		return TA_ERR_TOO_LARGE;
	n = (len + 2) / 3 * 4;
	if ((s = malloc(n + 1)) == NULL)
		return TA_ERR_NOMEM;
	b64_put(s, p, len);
	s[n] = '\0';
	*ret = s;
	*ret_len = n;
	return 0;
}

int
ta_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = NULL;
	size_t pad = 0, o = 0;
	int r = TA_ERR_INVALID;

	if ((s == NULL && len > 0) || ret == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if (len > TA_ENCODING_MAX / 3 * 4 + 4)
		return TA_ERR_TOO_LARGE;
	if (len % 4 != 0)
		return TA_ERR_INVALID;
	if (len > 0 && s[len - 1] == '=')
		pad = len > 1 && s[len - 2] == '=' ? 2 : 1;
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = 0; i < len; i += 4) {
		size_t real = i + 4 == len ? 4 - pad : 4;
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int c = j < real ? b64_val(s[i + j]) : 0;

			if (c < 0)
				goto out; /* '=' before the end lands here too */
			v = v << 6 | (uint32_t)c;
		}
		out[o++] = (uint8_t)(v >> 16);
		if (real > 2)
			out[o++] = (uint8_t)(v >> 8);
		if (real > 3)
			out[o++] = (uint8_t)v;
		/* The bits under the padding must be zero, or two strings
		 * would decode to the same bytes. */
		if ((real == 2 && (v & 0xffff) != 0) || (real == 3 && (v & 0xff) != 0))
			goto out;
	}
	*ret = out;
	*ret_len = o;
	out = NULL;
	r = 0;
out:
	free(out);
	return r;
}

int
ta_hex_encode(const uint8_t *p, size_t len, char **ret)
{
	char *s;

	if ((p == NULL && len > 0) || ret == NULL)
		return TA_ERR_INVALID;
	if (len > TA_ENCODING_MAX)
		return TA_ERR_TOO_LARGE;
	if ((s = malloc(2 * len + 1)) == NULL)
		return TA_ERR_NOMEM;
	ta_hex(s, p, len);
	*ret = s;
	return 0;
}

int
ta_hex_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out;
	int r;

	if ((s == NULL && len > 0) || ret == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if (len > 2 * TA_ENCODING_MAX)
		return TA_ERR_TOO_LARGE;
	if (len % 2 != 0)
		return TA_ERR_INVALID;
	if ((out = malloc(len / 2 + 1)) == NULL)
		return TA_ERR_NOMEM;
	if ((r = ta_unhex(s, len, out, len / 2, ret_len)) != 0) {
		free(out);
		return r;
	}
	*ret = out;
	return 0;
}

static bool
pem_type_ok(const char *type)
{
	size_t n = type != NULL ? strlen(type) : 0;

	if (n == 0 || n > PEM_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((type[i] >= 'A' && type[i] <= 'Z') || type[i] == ' '))
			return false;
	return true;
}

int
ta_pem_encode(const char *type, const uint8_t *der, size_t len, char **ret, size_t *ret_len)
{
	size_t b64 = (len + 2) / 3 * 4, lines = (b64 + PEM_LINE - 1) / PEM_LINE, tl, n, o;
	char *s;

	if (!pem_type_ok(type) || der == NULL || len == 0 || ret == NULL || ret_len == NULL)
		return TA_ERR_INVALID;
	if (len > TA_ENCODING_MAX)
		return TA_ERR_TOO_LARGE;
	tl = strlen(type);
	/* "-----BEGIN " type "-----\n", body and newlines, "-----END " type "-----\n" */
	n = 11 + tl + 6 + b64 + lines + 9 + tl + 6;
	if ((s = malloc(n + 1)) == NULL)
		return TA_ERR_NOMEM;
	o = (size_t)sprintf(s, "-----BEGIN %s-----\n", type);
	/* 48 bytes make one full line of 64 characters. */
	for (size_t i = 0; i < len; i += 48) {
		o += b64_put(s + o, der + i, len - i < 48 ? len - i : 48);
		s[o++] = '\n';
	}
	o += (size_t)sprintf(s + o, "-----END %s-----\n", type);
	if (o != n) {
		free(s);
		return TA_ERR_INTERNAL;
	}
	*ret = s;
	*ret_len = n;
	return 0;
}

/* Matches the literal lit at s[*pos], advancing *pos. */
static bool
eat(const char *s, size_t len, size_t *pos, const char *lit)
{
	size_t n = strlen(lit);

	if (len - *pos < n || memcmp(s + *pos, lit, n) != 0)
		return false;
	*pos += n;
	return true;
}

int
ta_pem_decode(const char *type, const char *s, size_t len, bool final_newline_optional,
    uint8_t **ret_der, size_t *ret_der_len, size_t *ret_used)
{
	char begin[PEM_TYPE_MAX + 20], end[PEM_TYPE_MAX + 20];
	size_t pos = 0, body, body_len = 0, nlines = 0;
	uint8_t *der = NULL;
	char *b64 = NULL, *pem = NULL;
	size_t der_len = 0, pem_len = 0;
	bool had_nl = false;
	int r = TA_ERR_INVALID;

	if (!pem_type_ok(type) || s == NULL || ret_der == NULL || ret_der_len == NULL ||
	    ret_used == NULL)
		return TA_ERR_INVALID;
	if (len > 2 * TA_ENCODING_MAX)
		return TA_ERR_TOO_LARGE;
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", type);
	snprintf(end, sizeof(end), "-----END %s-----", type);
	if (!eat(s, len, &pos, begin))
		return TA_ERR_INVALID;
	/* Collect the body lines, then let the encoder decide whether they
	 * are laid out exactly as it would lay them out. */
	body = pos;
	while (pos < len && s[pos] != '-') {
		const char *nl = memchr(s + pos, '\n', len - pos);

		if (nl == NULL)
			return TA_ERR_INVALID;
		body_len += (size_t)(nl - (s + pos));
		pos = (size_t)(nl - s) + 1;
		nlines++;
	}
	if (nlines == 0 || !eat(s, len, &pos, end))
		return TA_ERR_INVALID;
	if (eat(s, len, &pos, "\n"))
		had_nl = true;
	else if (!final_newline_optional || pos != len)
		return TA_ERR_INVALID;
	if ((b64 = malloc(body_len + 1)) == NULL)
		return TA_ERR_NOMEM;
	for (size_t i = body, o = 0; o < body_len; i++)
		if (s[i] != '\n')
			b64[o++] = s[i];
	if ((r = ta_base64_decode(b64, body_len, &der, &der_len)) != 0)
		goto out;
	if (der_len == 0) {
		r = TA_ERR_INVALID;
		goto out;
	}
	if ((r = ta_pem_encode(type, der, der_len, &pem, &pem_len)) != 0)
		goto out;
	/* The block as read, with its final newline, must be what we write. */
	if (pos != (had_nl ? pem_len : pem_len - 1) || memcmp(pem, s, pos) != 0) {
		r = TA_ERR_INVALID;
		goto out;
	}
	*ret_der = der;
	*ret_der_len = der_len;
	*ret_used = pos;
	der = NULL;
	r = 0;
out:
	free(b64);
	free(der);
	free(pem);
	return r;
}
