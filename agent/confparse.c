/* The configuration file's reader (agent/config_int.h): the line reader
 * under libinih, errors with file and line, and the value parsers
 * (numbers, sizes, durations, PIN sources).  The sections, their keys and
 * what each value means are agent/config.c's.
 *
 * libinih splits lines into sections and key = value pairs, but it reads
 * through our own line reader (read_line), for four reasons:
 * through our own line reader (read_line), for four reasons:
 *  - inih cuts a line longer than its buffer and parses the rest as a new
 *    line, so "keys = <190 bytes>operations = all" would grant "all";
 *    the reader refuses such lines instead;
 *  - inline comments and continuation lines depend on how inih was built
 *    (INI_ALLOW_INLINE_COMMENTS, INI_ALLOW_MULTILINE; Debian exports them as
 *    run-time globals, other builds do not).  The reader drops comments and
 *    indentation itself, so inih never sees either and the syntax is ours;
 *  - inih calls the handler only for key = value lines, so an empty or
 *    repeated section would go unnoticed; the reader sees every header;
 *  - the handler of the default build gets no line number; the reader
 *    counts lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "agent/config.h"
#include "agent/config_int.h"
#include "common/err.h"

/* ---- errors ------------------------------------------------------------- */

void
ta__cfg_vfail_at(struct cfg_reader *rd, unsigned line, int r, const char *fmt, va_list ap)
{
	int n;

	if (rd->r != 0)
		return;
	rd->r = r;
	rd->err_line = line;
	if (rd->err == NULL || rd->errlen == 0)
		return;
	if (line > 0)
		n = snprintf(rd->err, rd->errlen, "%s:%u: ", rd->path, line);
	else
		n = snprintf(rd->err, rd->errlen, "%s: ", rd->path);
	if (n >= 0 && (size_t)n < rd->errlen)
		(void)vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
}

/* ---- value parsers ------------------------------------------------------ */

int
ta__cfg_parse_uint(const char *s, uint64_t max, uint64_t *ret, const char **end)
{
	uint64_t v = 0;

	if (!is_digit(*s))
		return TA_ERR_INVALID;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return TA_ERR_TOO_LARGE;
		v = v * 10 + d;
	}
	if (end != NULL)
		*end = s;
	else if (*s != '\0')
		return TA_ERR_INVALID;
	*ret = v;
	return 0;
}

/* A unit a number may end with ('\0': none), and what it multiplies by. */
struct unit {
	char suffix;
	uint64_t mult;
};

/* A number (at most num_max), with at most one of the units after it, up
 * to max in all. */
static int
parse_with_unit(const char *s, const struct unit *units, size_t n_units, uint64_t num_max,
    uint64_t max, uint64_t *ret)
{
	const char *end = NULL;
	uint64_t v;
	size_t i;
	int r;

	r = ta__cfg_parse_uint(s, num_max, &v, &end);
	if (r != 0)
		return r;
	for (i = 0; i < n_units && units[i].suffix != *end; i++)
		;
	if (i == n_units)
		return TA_ERR_INVALID;
	if (*end != '\0' && end[1] != '\0')
		return TA_ERR_INVALID;
	if (v > max / units[i].mult)
		return TA_ERR_TOO_LARGE;
	*ret = v * units[i].mult;
	return 0;
}

int
ta_duration_parse(const char *s, int64_t *ret)
{
	static const struct unit units[] = {
		{ '\0', 1 },
		{ 's', 1 },
		{ 'h', 3600 },
		{ 'd', 86400 },
		{ 'w', (uint64_t)7 * 86400 },
		{ 'y', (uint64_t)365 * 86400 },
	};
	uint64_t v;
	int r;

	if (s == NULL || ret == NULL)
		return TA_ERR_INVALID;
	r = parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), INT64_MAX, INT64_MAX, &v);
	if (r == 0)
		*ret = (int64_t)v;
	return r;
}

static int
pin_arg(struct ta_pin_source *pin, enum ta_pin_kind kind, const char *arg)
{
	size_t len = strlen(arg);

	if (len > TA_CFG_VALUE_MAX)
		return TA_ERR_TOO_LARGE;
	pin->kind = kind;
	memcpy(pin->arg, arg, len + 1);
	return 0;
}

int
ta_pin_source_parse(const char *s, struct ta_pin_source *ret)
{
	struct ta_pin_source pin = { .kind = TA_PIN_NONE };
	const char *arg;
	int r;

	if (s == NULL || ret == NULL)
		return TA_ERR_INVALID;
	if (strcmp(s, "none") == 0) {
		r = pin_arg(&pin, TA_PIN_NONE, "");
	} else if (strcmp(s, "unlock") == 0) {
		r = pin_arg(&pin, TA_PIN_UNLOCK, "");
	} else if (strcmp(s, "pinentry") == 0) {
		r = pin_arg(&pin, TA_PIN_PINENTRY, "");
	} else if (strncmp(s, "pinentry:", 9) == 0) {
		arg = s + 9;
		r = arg[0] == '/' ? pin_arg(&pin, TA_PIN_PINENTRY, arg) : TA_ERR_INVALID;
	} else if (strncmp(s, "file:", 5) == 0) {
		arg = s + 5;
		r = arg[0] == '/' ? pin_arg(&pin, TA_PIN_FILE, arg) : TA_ERR_INVALID;
	} else if (strncmp(s, "env:", 4) == 0) {
		arg = s + 4;
		if (arg[0] == '\0' || is_digit(arg[0]) || !all_in(arg, "_"))
			r = TA_ERR_INVALID;
		else
			r = pin_arg(&pin, TA_PIN_ENV, arg);
	} else {
		r = TA_ERR_INVALID;
	}
	if (r == 0)
		*ret = pin;
	return r;
}

int
ta__cfg_parse_size(const char *value, uint64_t max, uint64_t *ret)
{
	static const struct unit units[] = {
		{ '\0', 1 },
		{ 'K', (uint64_t)1 << 10 },
		{ 'M', (uint64_t)1 << 20 },
		{ 'G', (uint64_t)1 << 30 },
	};

	return parse_with_unit(
	    value, units, sizeof(units) / sizeof(units[0]), UINT64_MAX, max, ret);
}

/* ---- the line reader ------------------------------------------------------ */

/* Reads one line into rd->raw: 1, 0 at the end of the file, or an error. */
static int
read_raw(struct cfg_reader *rd, size_t *ret_len)
{
	size_t len = 0;
	bool too_long = false;
	int c;

	while ((c = getc(rd->f)) != EOF && c != '\n') {
		if (len < RAW_LINE_MAX)
			rd->raw[len++] = (char)c;
		else
			too_long = true;
	}
	if (ferror(rd->f)) {
		rd->sys_errno = errno;
		return ta__cfg_fail_at(rd, 0, TA_ERR_SYSTEM, "read: %s", strerror(rd->sys_errno));
	}
	if (c == EOF && len == 0 && !too_long)
		return 0;
	rd->lineno++;
	if (too_long)
		return ta__cfg_fail(rd, TA_ERR_TOO_LARGE, "line is too long");
	rd->raw[len] = '\0';
	*ret_len = len;
	return 1;
}

/* inih's fgets-style reader: hands over each line with blanks and comments
 * dropped, after handling section headers itself. */
static char *
read_line(char *str, int num, void *stream)
{
	struct cfg_reader *rd = stream;
	char *s, *cut;
	size_t len = 0, i;
	int r;

	if (rd->r != 0 || num < 2)
		return NULL;
	r = read_raw(rd, &len);
	if (r <= 0)
		return NULL;
	s = rd->raw;
	if (rd->lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && !(c == '\r' && i == len - 1)) || c == 0x7f) {
			(void)ta__cfg_fail(rd, TA_ERR_INVALID, "control character 0x%02x in line",
			    c);
			return NULL;
		}
	}
	while (is_blank(*s))
		s++;
	/* A comment starts the line or follows a blank. */
	for (cut = s; *cut != '\0'; cut++) {
		if ((*cut == ';' || *cut == '#') && (cut == s || is_blank(cut[-1])))
			break;
	}
	*cut = '\0';
	len = (size_t)(cut - s);
	while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\r'))
		s[--len] = '\0';

	if (s[0] == '[' && rd->begin_section(rd->arg, s) != 0)
		return NULL;
	/* libinih also takes "key: value"; the syntax here is "key = value"
	 * only, so that a YAML habit is an error, not a second syntax. */
	if (s[0] != '[' && s[0] != '\0') {
		size_t k = strcspn(s, "=:");

		if (s[k] == ':') {
			(void)ta__cfg_fail(rd, TA_ERR_INVALID, "'%.*s:' is not a setting: write "
			    "'key = value'", (int)(k < 64 ? k : 64), s);
			return NULL;
		}
	}
	if (len >= (size_t)num) {
		(void)ta__cfg_fail(rd, TA_ERR_TOO_LARGE, "line is too long (%zu characters without "
		    "comments, at most %d)", len, num - 1);
		return NULL;
	}
	memcpy(str, s, len + 1);
	return str;
}

/* ---- the reader ------------------------------------------------------------ */

int
ta__cfg_read(struct cfg_reader *rd,
    int (*on_value)(void *arg, const char *section, const char *name, const char *value))
{
	int ir;

	ir = ini_parse_stream(read_line, rd, on_value, rd->arg);
	if (ir > 0 && (rd->r == 0 || (unsigned)ir < rd->err_line)) {
		/* inih found a line that is neither a pair, a header nor a comment
		 * before (or without) any error of ours. */
		rd->r = 0;
		(void)ta__cfg_fail_at(rd, (unsigned)ir, TA_ERR_INVALID,
		    "expected 'key = value', '[section]' or a comment");
	} else if (ir < 0 && rd->r == 0) {
		(void)ta__cfg_fail_at(rd, 0, ir == -2 ? TA_ERR_NOMEM : TA_ERR_SYSTEM,
		    "cannot parse");
	}
	return rd->r;
}
