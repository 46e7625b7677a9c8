/* Canonical JSON in both flavours, and the notary file bytes.
 *
 * What is signed is the canonical form of the parsed "signed" value
 * (FORMATS §0 rule 2, Appendix B "What is signed").  Both flavours write:
 *  - no whitespace;
 *  - object members sorted by key as byte strings (memcmp, shorter first
 *    on a tie), which for UTF-8 is code-point order: Go's sort.Strings for
 *    docker/go (FORMATS §1.1) and Python's sorted() of str for
 *    securesystemslib (§2.1);
 *  - strings with only " and \ escaped (as \" and \\); every other byte,
 *    control characters, <, >, & and non-ASCII included, raw (§1.1 "Strings,
 *    canonical mode"; §2.1);
 *  - integers in decimal; true, false, null.  No reals.
 * The flavours therefore give the same bytes for every value both accept.
 * They differ in what they accept (ta_json_check(): the notary profile
 * refuses control characters, because Go notary cannot put them in a file)
 * and in the file around the signed bytes (ta_canon_write_notary_file()).
 * tuf-js sorts keys by UTF-16 code units instead; that differs only for keys
 * with characters above U+FFFF (Appendix B) and is not followed here.
 *
 * Results are malloc'd, NUL-terminated for convenience (the NUL is not
 * counted in *ret_len) and freed by the caller with free().  ret_* are
 * written only on success. */
#ifndef TA_CANON_H
#define TA_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tuf/profile.h"

/* Output limit: room for the notary file of any document ta_json_parse()
 * accepts, where HTML escaping turns one byte into six. */
#define TA_CANON_MAX ((size_t)7 * ((size_t)64 << 20))

/* Limits on the fields of one notary signature object. */
#define TA_CANON_KEYID_MAX 128
#define TA_CANON_METHOD_MAX 32
#define TA_CANON_SIG_MAX 2048 /* raw signature bytes (RSA-16384 fits) */

/* The canonical bytes of v in the profile's flavour.  v is first checked
 * with ta_json_check(); its TA_ERR_* is returned when that fails (call
 * ta_json_check() for the path).  TA_ERR_TOO_LARGE past TA_CANON_MAX,
 * TA_ERR_NOMEM, TA_ERR_INVALID for NULL arguments or an unknown profile. */
int ta_canon_write(const json_t *v, enum ta_profile profile, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* One entry of a notary file's "signatures" array. */
struct ta_canon_sig {
	const char *keyid;  /* the TUF key ID: lowercase hex, 1..TA_CANON_KEYID_MAX */
	const char *method; /* as notary writes it: "ecdsa", "rsapss", "eddsa" (lowercase) */
	const uint8_t *sig; /* raw signature bytes (ECDSA: r||s), written as padded base64 */
	size_t sig_len;     /* 1..TA_CANON_SIG_MAX */
};

/* The bytes of a notary metadata file (FORMATS §1.3), exactly as Go's
 * json.Marshal of data.Signed writes them, ready to upload:
 *
 *	{"signed":<C>,"signatures":[{"keyid":"<hex>","method":"<m>","sig":"<b64>"},...]}
 *
 * where <C> is ta_canon_write(signed_value, TA_PROFILE_NOTARY) with <, >, &
 * written as \u003c, \u003e, \u0026 and U+2028, U+2029 as \u2028, \u2029
 * (RawMessage compaction with HTML escaping).  No whitespace, no trailing
 * newline; an empty list is "signatures":[].  The signatures are over the
 * unescaped canonical bytes, not over <C>.
 *
 * A value nested TA_JSON_MAX_DEPTH deep makes a file one level deeper,
 * which ta_json_parse() would refuse to read back (Go would read it).
 *
 * method must be lowercase letters, digits, '-', '#' or ' ' (that covers
 * "pycrypto-pkcs#1 pss"); keyid lowercase hex.  Both are then written
 * verbatim, which is what Go writes for such strings.  TA_ERR_INVALID when a
 * field is malformed or nsigs > 0 with sigs NULL; otherwise as
 * ta_canon_write(). */
int ta_canon_write_notary_file(const json_t *signed_value, const struct ta_canon_sig *sigs,
    size_t nsigs, uint8_t **ret, size_t *ret_len) __attribute__((warn_unused_result));

/* The same file with <C> given as bytes, c_len > 0 of them, written as they
 * are: what ta_canon_stream_html() (tuf/stream.h) returns for the "signed"
 * member of a file, so that re-signing a parsed file need not rebuild its
 * canonical form from the tree.  The bytes are not checked. */
int ta_canon_write_notary_file_raw(const uint8_t *c, size_t c_len, const struct ta_canon_sig *sigs,
    size_t nsigs, uint8_t **ret, size_t *ret_len) __attribute__((warn_unused_result));

#endif
