/* The differential check of tuf/stream.c against the tree path, shared by
 * tests/unit/test_tuf_stream.c (tables) and test_tuf_stream_random.c
 * (generated documents): every document through both paths in both
 * profiles, whole and its "signed" member, plain and HTML (agree()). */
#ifndef TESTS_TOOLS_STREAMFIX_H
#define TESTS_TOOLS_STREAMFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuf/profile.h"

#define FILE_HEAD "{\"signed\":"
#define FILE_TAIL ",\"signatures\":[]}"

/* What ta_canon_stream(_html) must return, from the tree. */
int tree(const uint8_t *buf, size_t len, enum ta_profile p, const char *member, bool html,
    uint8_t **ret, size_t *ret_len);
const char *show(const uint8_t *p, size_t n);
/* Both paths on one input; fails the test when they differ in code or
 * bytes.  Returns the code. */
int agree_one(const uint8_t *buf, size_t len, enum ta_profile p, const char *member, bool html);
/* All six ways; returns the whole-document codes of both profiles. */
void agree(const uint8_t *buf, size_t len, int *ret_notary, int *ret_tuf);
/* open * n, middle, close * n, then tail, in a new malloc'd buffer. */
uint8_t *nest(const char *head, const char *open, size_t n, const char *middle, const char *close,
    const char *tail, size_t *ret_len);

#endif
