/* Hardened JSON for untrusted metadata, on top of jansson.
 *
 * ta_json_parse() turns bytes from a peer or a file into a jansson tree only
 * when the document is one that every verifier of the profile reads the same
 * way, so that canonical JSON (tuf/canon.h) of the tree is what they sign
 * and check.  It refuses:
 *
 *	empty input                                   TA_ERR_TRUNCATED
 *	a document that ends early                    TA_ERR_TRUNCATED
 *	more than TA_JSON_MAX bytes                   TA_ERR_TOO_LARGE
 *	nesting deeper than TA_JSON_MAX_DEPTH         TA_ERR_TOO_LARGE
 *	integers with |n| > 2^53 (TA_JSON_INT_LIMIT)  TA_ERR_TOO_LARGE
 *	bytes after the value (whitespace is fine)    TA_ERR_TRAILING
 *	syntax errors, duplicate object keys, invalid UTF-8 (overlong forms,
 *	encoded or escaped lone surrogates, code points above U+10FFFF,
 *	truncated sequences), raw control characters in strings, NUL bytes
 *	anywhere and \u0000 escapes, numbers with a fraction or an exponent
 *	(1.0 and 1e3 included), a byte-order mark      TA_ERR_INVALID
 *
 * and, in the notary profile only, strings (keys included) holding a control
 * character (U+0000..U+001F) even when it was written as an escape such as
 * \n: Go notary cannot re-serialize them (FORMATS §1.1, "Agent rule").
 *
 * Why these limits:
 *  - Integers: notary's verifier decodes numbers into float64 (FORMATS §1.1),
 *    and tuf-js holds them as JavaScript numbers, so above 2^53 two documents
 *    with different digits have the same value for them and not for us.
 *    Negative integers are JSON and are canonical in both flavours, so they
 *    are accepted here; whether a field may be negative is for the metadata
 *    model to decide.  "-0" reads as 0 (as Python and Go read it).
 *  - Floats: securesystemslib raises FormatError on them (FORMATS §2.1) and
 *    docker/go turns 1e3 into 1000 (§1.1); refusing them keeps one meaning.
 *  - Duplicate keys: Go keeps the last, others the first.
 *  - TA_JSON_MAX equals the default max-frame of the agent (DESIGN.md).
 *
 * Errors are described in struct ta_json_error: the code, a JSON path to the
 * value at fault and one line of text, e.g.
 *	code = TA_ERR_INVALID
 *	path = signed.targets["v1.0"].length
 *	text = signed.targets["v1.0"].length: number with a fraction or an
 *	       exponent; only integers are allowed
 *
 * Path syntax: object members are ".name" when the name matches
 * [A-Za-z_][A-Za-z0-9_]* (no dot at the start of the path), otherwise
 * ["name"] with ", \ and control characters escaped JSON-style; array
 * elements are [index].  The top-level value has the empty path and is
 * called "top level" in the text.  Names longer than 64 bytes are cut and
 * end in "...", as does a path that would not fit TA_JSON_PATH_MAX.
 * Syntax errors that jansson finds are placed by scanning the input up to
 * the byte where jansson stopped: the path is that of the value being read
 * there, and offset is that byte.
 *
 * Thread-safe: no shared state beyond jansson's (which is thread-safe for
 * distinct trees). */
#ifndef TA_JSON_H
#define TA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tuf/profile.h"

#define TA_JSON_MAX ((size_t)64 << 20) /* bytes in one document */
#define TA_JSON_MAX_DEPTH 64           /* [[1]] has depth 2; scalars add none */
#define TA_JSON_INT_LIMIT ((json_int_t)1 << 53)
#define TA_JSON_PATH_MAX 256
#define TA_JSON_TEXT_MAX 512
#define TA_JSON_NO_OFFSET SIZE_MAX

struct ta_json_error {
	int code;                    /* what the function returned; 0 if none */
	size_t offset;               /* byte where jansson stopped, or TA_JSON_NO_OFFSET */
	char path[TA_JSON_PATH_MAX]; /* "" for the top level or when unknown */
	char text[TA_JSON_TEXT_MAX]; /* "<path>: <why>", printable ASCII and UTF-8 */
};

/* Parses len bytes at buf as one JSON value of any type (callers check the
 * type they expect) under the rules above.
 *
 * Returns 0 and sets *ret_v to a new reference that the caller releases with
 * json_decref(); or a negative TA_ERR_* from the table above (TA_ERR_NOMEM
 * when memory runs out, TA_ERR_INVALID for a NULL ret_v, buf == NULL with
 * len > 0, or an unknown profile), with *ret_v untouched.  err may be NULL;
 * otherwise it is always filled in (code 0 on success). */
int ta_json_parse(const uint8_t *buf, size_t len, enum ta_profile profile, json_t **ret_v,
    struct ta_json_error *err) __attribute__((warn_unused_result));

/* Applies the checks that ta_json_parse() makes on the tree to a value built
 * in code: no reals, integers within +-2^53, depth, strings and keys that are
 * valid UTF-8 without NUL (and, for notary, without control characters).
 * Returns 0 or the TA_ERR_* of the first fault in iteration order (jansson
 * iterates objects in insertion order).  err may be NULL. */
int ta_json_check(const json_t *v, enum ta_profile profile, struct ta_json_error *err)
    __attribute__((warn_unused_result));

/* The first member of object o whose name is not in names (NULL-terminated),
 * or NULL when every member is named there (or o is no object): the check
 * behind every exact format (metadata fields, ceremony heads, REQ/RESP). */
const char *ta_json_stray_member(const json_t *o, const char *const *names);

/* v as jansson's iterators take it (they want non-const trees); for
 * reading only. */
static inline json_t *
ta_json_unconst(const json_t *v)
{
	union {
		const json_t *c;
		json_t *m;
	} u = {.c = v};
	return u.m;
}

/* Whether the array a holds the string s (a not an array: no). */
bool ta_json_array_has_string(const json_t *a, const char *s);

/* Internal to tuf/ (json.c, stream_lex.c): the value of the four hex
 * digits of a \u escape at s (n bytes readable), or -1. */
long ta__json_hex4(const uint8_t *s, size_t n);

#endif
