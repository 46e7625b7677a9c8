/* The ceremony transcript (issue #13): DIR/transcript.jsonl, one JSON
 * object per line, each naming the SHA-256 of the line before it:
 *
 *	{"prev":"<64 hex>","seq":1,"step":"init","time":"2026-12-07T00:00:00Z",...}
 *
 * seq counts from 1; prev is the SHA-256 (lower-case hex) of the previous
 * line's exact bytes without its newline, 64 zeros for the first; time is
 * UTC to the second; step is [a-z][a-z0-9-]*; the other keys are the
 * step's.  Lines are jansson's compact form with sorted keys, UTF-8, each
 * ending in '\n', at most TC_LINE_MAX bytes.
 *
 * The chain shows a deleted, moved, inserted or edited record anywhere but
 * the last: the last record, or whole records cut off the end, are only
 * caught against something that names the head (the finish record's
 * root_sha256, the signatures over the chain head). */
#ifndef TA_CLIENT_TRANSCRIPT_H
#define TA_CLIENT_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "client/notary_base.h"

#define TC_FILE "transcript.jsonl"
/* One record, newline excluded: room for attestation certificate chains. */
#define TC_LINE_MAX ((size_t)64 * 1024)
/* A whole transcript. */
#define TC_FILE_MAX ((size_t)16 * 1024 * 1024)
#define TC_STEP_MAX 32

/* What tc_verify() found. */
struct tc_check {
	size_t records;          /* records that verified */
	size_t bad;              /* 1-based number of the first bad record; 0: none */
	char why[256];           /* why that one, one line; "" when none */
	uint8_t head[32];        /* SHA-256 of the last good line (zeros: none) */
	size_t finish;           /* the last good "finish" record; 0: none */
	char finish_root[65];    /* its root_sha256 when a string of 64 lower-case hex, else "" */
};

/* Verifies len bytes of a transcript.  0 when every record holds (an empty
 * transcript does not: it has lost its init record); else TA_ERR_VERIFY,
 * TA_ERR_FORMAT (not a transcript line), TA_ERR_TOO_LARGE (a line over
 * TC_LINE_MAX), TA_ERR_TRUNCATED (no final newline) or TA_ERR_NOMEM, with
 * c->bad and c->why set.  c is always filled. */
int tc_verify(const uint8_t *data, size_t len, struct tc_check *c);

/* An open transcript: its verified bytes, to append to. */
struct tc_transcript;

/* Reads and verifies DIR/transcript.jsonl; a missing file is an empty
 * transcript to start.  A transcript that does not verify is refused
 * (TA_ERR_VERIFY ..., e names the record): nothing is ever added to a
 * broken chain. */
int tc_open(const char *dir, struct tc_transcript **ret, struct tn_error *e);
size_t tc_records(const struct tc_transcript *t);
/* SHA-256 of the last line; zeros when empty. */
void tc_head(const struct tc_transcript *t, uint8_t out[32]);

/* Appends one record: step (TC_STEP_MAX bytes of [a-z][a-z0-9-]*), the
 * keys of fields (may be NULL; none of seq, prev, time, step; the record
 * must fit TC_LINE_MAX) and seq, prev and time filled in (now, UTC).
 *
 * The whole new transcript is written to a temporary file beside it,
 * fsync()ed and renamed over the old one (tn_write_file): a kill or a
 * power cut at any point leaves the old transcript or the new one, never a
 * torn line that would break the chain for good.  Transcripts are a few
 * dozen records, so rewriting one costs nothing.  On failure t is
 * unchanged. */
int tc_append(struct tc_transcript *t, const char *step, const json_t *fields, time_t now,
    struct tn_error *e);

/* Whether a record of step has the string value under key: what a
 * command run again after a kill looks for to tell a step done from a
 * step half done. */
bool tc_has(const struct tc_transcript *t, const char *step, const char *key, const char *value);
/* Whether the last record is of step. */
bool tc_last_step_is(const struct tc_transcript *t, const char *step);

void tc_close(struct tc_transcript *t);

#endif
