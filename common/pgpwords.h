/* The PGP word list (Juola and Zimmermann, 1995; PGPfone, PGP's
 * "biometric" fingerprints, DNSSEC root KSK ceremonies): 256 two-syllable
 * words for bytes at even offsets and 256 three-syllable words for bytes
 * at odd offsets, so that a hash read aloud between witnesses is checked
 * word by word, and a dropped or swapped word breaks the rhythm. */
#ifndef TA_COMMON_PGPWORDS_H
#define TA_COMMON_PGPWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest word ("businessman", "chambermaid", ...), in bytes. */
#define TA_PGPWORD_MAX 11
/* Room that always holds n bytes as words: each word, a space or the NUL. */
#define TA_PGPWORDS_CAP(n) ((size_t)(n) * (TA_PGPWORD_MAX + 1) + 1)

/* The word for byte b at an even (odd_position false) or odd offset, with
 * the list's capitals ("Zulu", "Yucatan").  Static storage. */
const char *ta_pgpword(uint8_t b, bool odd_position);

/* n bytes at p as words separated by one space, NUL-terminated, into out
 * (cap bytes; n == 0 gives "").  TA_ERR_TOO_LARGE, with out "" when cap >
 * 0, when cap is short (TA_PGPWORDS_CAP(n) always suffices). */
int ta_pgpwords(const uint8_t *p, size_t n, char *out, size_t cap)
    __attribute__((warn_unused_result));

/* The byte that the len bytes at word name (ASCII case ignored), and in
 * *ret_odd (may be NULL) which list it is from: the two lists share no
 * word, so a word read at the wrong offset is told apart.  0..255, or
 * TA_ERR_NOT_FOUND. */
int ta_pgpword_lookup(const char *word, size_t len, bool *ret_odd);

#endif
