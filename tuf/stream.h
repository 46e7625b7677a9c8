/* Canonical JSON straight from the bytes of a document, without a tree.
 *
 * ta_canon_stream() returns exactly what ta_json_parse() followed by
 * ta_canon_write() returns (tuf/json.h, tuf/canon.h), for every input:
 * the same canonical bytes when both accept, and the same TA_ERR_* code
 * when they refuse, under the same rules (size, depth, integer range,
 * reals, UTF-8, NUL, control characters, duplicate keys, trailing bytes,
 * byte-order mark).  It reads the input once, keeping only a stack of open
 * containers and the keys of the open objects, and copies runs of the input
 * that are already canonical (a compact document with sorted keys is one
 * run) instead of rebuilding every value; objects whose keys arrive out of
 * order are sorted in place when they close.  tests/unit/test_tuf_stream.c and
 * fuzz/stream_fuzz.c hold it to the tree path byte for byte.
 *
 * member selects one member of a top-level object: NULL gives the
 * canonical bytes of the whole document, "signed" those of its "signed"
 * value, which is what TUF and notary signatures cover (FORMATS §0 rule 2,
 * Appendix B).  The whole document is still checked; the member's value may
 * be of any type.  TA_ERR_FORMAT when the document is valid but not an
 * object, or has no such member (as ta_meta_parse() reports a missing
 * "signed").  Member names are compared with the decoded key, so "sig\u006eed"
 * is "signed".
 *
 * Errors fill err (when not NULL) like ta_json_parse(): code, offset (the
 * byte where the fault was found, TA_JSON_NO_OFFSET for the length and
 * argument checks and TA_ERR_FORMAT) and a one-line text, which starts
 * with "byte <offset>: " when there is an offset.  path is always empty:
 * the stream path does not track where in the tree it is.  On success
 * err->code is 0.
 *
 * Results are malloc'd, NUL-terminated for convenience (the NUL is not
 * counted in *ret_len) and freed by the caller with free().  ret_* are
 * written only on success.  Memory, with no allocation per value: the
 * output (len + 1 bytes), 8 bytes per key of the open objects, and for an
 * object whose keys arrive out of order 32 bytes per key while it is
 * sorted plus a spare buffer (up to len + 1 bytes) to reorder it in.
 * Time is linear in len for sorted input; out-of-order objects add their
 * sort.  Thread-safe: no shared state.
 *
 * Callers: tufctl canonical (client/cmd_offline.c: the tree still checks
 * the metadata shape) and the agent's sign (agent/signjob.c: the signed
 * bytes once for every key, and <C> of the notary file through
 * ta_meta_write_from()).  tufctl verify and publish build their bytes from
 * the tree: verify through tuf/verify.c, publish from models it edits. */
#ifndef TA_STREAM_H
#define TA_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuf/profile.h"

struct ta_json_error;

/* The canonical bytes of the document at buf (or of its member), in the
 * profile's flavour.  Returns 0, or the TA_ERR_* that ta_json_parse() +
 * ta_canon_write() return for these bytes, or TA_ERR_FORMAT (above), or
 * TA_ERR_NOMEM; TA_ERR_INVALID for NULL ret/ret_len, buf == NULL with
 * len > 0 or an unknown profile. */
int ta_canon_stream(const uint8_t *buf, size_t len, enum ta_profile profile, const char *member,
    uint8_t **ret, size_t *ret_len, struct ta_json_error *err) __attribute__((warn_unused_result));

/* The same in the notary profile, then HTML-escaped as in a notary file:
 * <, >, & as \u003c, \u003e, \u0026 and U+2028, U+2029 as \u2028, \u2029.
 * This is the <C> that ta_canon_write_notary_file() puts after "signed":
 * (FORMATS §1.3); signatures are over the unescaped bytes that
 * ta_canon_stream() returns. */
int ta_canon_stream_html(const uint8_t *buf, size_t len, const char *member, uint8_t **ret,
    size_t *ret_len, struct ta_json_error *err) __attribute__((warn_unused_result));

/* The reference: the same bytes and codes by the tree path (tuf/canon.c),
 * ta_json_parse(), the member, then ta_canon_write() or, with html (notary
 * only), the <C> of ta_canon_write_notary_file().  No err.  Tests and
 * fuzz/stream_fuzz.c hold the stream to it. */
int ta_canon_tree(const uint8_t *buf, size_t len, enum ta_profile profile, const char *member,
    bool html, uint8_t **ret, size_t *ret_len) __attribute__((warn_unused_result));

#endif
