/* PIN test fixtures shared by tests/unit/test_pinsrc.c (common/pinsrc.c) and
 * tests/unit/test_agent_pin.c (agent/pin.c): fake pinentry scripts and the
 * checks around one PIN read.  Each program that links pinfix.o defines the
 * two hooks below for its own kind of PIN source. */
#ifndef TESTS_TOOLS_PINFIX_H
#define TESTS_TOOLS_PINFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ta_secret;

#define T_TIMEOUT 10000 /* ms: a fake that answers at once */
#define T_HANG 300      /* ms: a fake that never answers */
#define T_REAP 500      /* pinsrc.c's REAP_MS */

/* Hook: reads the PIN from src (the program's own source type). */
int pf_get(const void *src, const char *desc, unsigned timeout_ms, char *why, size_t whylen,
    struct ta_secret **ret);
/* Hook: a default source (static, one at a time) for the PIN file
 * (pinentry false) or the pinentry program at path ("": the default one). */
const void *pf_source(bool pinentry, const char *path);

/* Reads the PIN; on success checks it equals want; on failure that *ret was
 * left alone and a reason was written into why (a local buffer when NULL).
 * Also: no fd leaked, no child left. */
void pf_expect_pin(const void *src, const char *desc, unsigned timeout_ms, int want_r,
    const void *want, size_t want_len, char *why, size_t whylen);
/* A PIN file tmpdir/pin holding content with mode, read by default. */
void pf_expect_file(const char *content, size_t len, mode_t mode, int want_r, const char *want);
/* A fake pinentry tmpdir/name: greets with greet, logs every command it
 * gets to tmpdir/name.log, answers GETPIN with the shell code getpin and
 * everything else with OK. */
void pf_fake_pinentry(char *path, size_t len, const char *name, const char *greet,
    const char *getpin);
/* The fake pinentry tmpdir/pe (pf_fake_pinentry) answering the PIN "1";
 * the path of its log in log. */
void pf_pinentry_one(char *path, size_t len, char *log, size_t loglen);
/* A fake pinentry (pf_fake_pinentry) asked for "PIN for token 'test'". */
void pf_expect_pinentry(const char *greet, const char *getpin, unsigned timeout_ms, int want_r,
    const char *want);
/* The whole dialogue with a fake pinentry, whose title must be title. */
void pf_check_dialogue(const char *title);

/* A missing pinentry and one without its x bit are refused. */
void pf_check_missing_and_not_executable(void);

/* Tests both programs run, each through its own pf_source(); PF_TEST
 * lists one as prefix_name in a CMUnitTest array. */
#define PF_TEST(prefix, name) { #prefix "_" #name, pf_test_##name, NULL, NULL, NULL }
void pf_test_file_group_readable_refused(void **state);
void pf_test_file_other_owner_refused(void **state);
void pf_test_pinentry_hangs_at_getpin(void **state);
void pf_test_pinentry_cancel(void **state);
void pf_test_pinentry_on_path(void **state);

#endif
