/* The list that tufctl notary add GUN --from-list FILE|- stages at once:
 * one tag a line,
 *
 *	TAG sha256:HEX SIZE [ROLE]
 *
 * fields separated by spaces or tabs (blanks before and after a line are
 * fine, a CR before the LF too); lines that are empty or only blanks are
 * skipped, and so are comments: lines whose first non-blank is '#'.  A '#'
 * anywhere else is part of a field (and so refused: no field may hold one).
 *
 *	TAG   a docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *	HEX   64 lowercase hex digits (the manifest's SHA-256)
 *	SIZE  decimal digits, 0 .. 2^53-1 (what a JSON reader keeps exactly)
 *	ROLE  targets or targets/NAME (as --role of the single add); targets
 *	      when absent
 *
 * A tag given twice for the same role is refused (both lines named), even
 * with the same digest: a list is meant to say each tag once.  The same tag
 * for two roles is two changes.
 *
 * Nothing here touches the trust directory: the caller stages the result
 * as one change file (tn_repo_stage_many()), so that a list stages whole or
 * not at all. */
#ifndef TA_NOTARY_LIST_H
#define TA_NOTARY_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/notary_base.h"

#define TN_LIST_MAX ((size_t)64 << 20)  /* bytes of a list */
#define TN_LIST_LINES_MAX 1000000u        /* changes in one list */
#define TN_TAG_MAX 128                    /* docker's tag length */
#define TN_SIZE_MAX 9007199254740991LL    /* 2^53 - 1 */

/* Parses len bytes of a list named name (for messages: a path, or
 * "standard input").  On success *ret_changes is a new array of
 * {"op":"add","role":R,"name":TAG,"length":N,"sha256":HEX} in the order of
 * the lines (empty when the list holds none).  On failure TA_ERR_INVALID
 * (or TA_ERR_TOO_LARGE, TA_ERR_NOMEM) and e says "NAME:LINE: what is wrong",
 * for the first line at fault; *ret_changes is NULL. */
int tn_list_parse(const char *name, const uint8_t *buf, size_t len, json_t **ret_changes,
    struct tn_error *e) __attribute__((warn_unused_result));

/* True when tag is a docker tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
bool tn_tag_valid(const char *tag, size_t len);

#endif
