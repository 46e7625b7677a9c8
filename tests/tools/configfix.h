/* Configuration files for the agent/config.c unit tests
 * (tests/unit/test_agent_config*.c): each text is written to a fresh
 * temporary file and loaded; OK must succeed, BAD must fail with the given
 * error, line and message prefix and leave the config untouched. */
#ifndef TESTS_TOOLS_CONFIGFIX_H
#define TESTS_TOOLS_CONFIGFIX_H

#include <limits.h>
#include <stddef.h>

#include "agent/config.h"

#define OK(cfg, text) ok_n((cfg), (text), __LINE__)
#define BAD(text, r, line, want) bad_n((text), strlen(text), (r), (line), (want), __LINE__)
/* A config with a valid rule wrapped around one more line, on line 3. */
#define RULE(line) "[allow \"r\"]\nuid = 1000\n" line "\n"
#define TOKEN(line) "[token \"t\"]\nmodule = softhsm2\nuri = pkcs11:token=t\n" line "\n"

/* The last file written (already removed). */
extern char cfg_path[PATH_MAX];

/* A fresh malloc'd config, ta_config_init()ed. */
struct ta_config *cfg_new(void);
/* Writes text to a fresh temporary file (its name in cfg_path). */
void write_conf(const char *text, size_t len);
/* Loads len bytes of text into cfg through a temporary file. */
int load_n(struct ta_config *cfg, const char *text, size_t len, char *err, size_t errlen);
/* Loads text, which must be valid, into cfg. */
void ok_n(struct ta_config *cfg, const char *text, int line);
/* Loads text, which must fail with r and "PATH:LINE: <want...>" (want is a
 * prefix of the message; line 0: "PATH: "); cfg must not change. */
void bad_n(const char *text, size_t len, int want_r, unsigned want_line, const char *want,
    int line);

/* One file BAD refuses: its text, the error, the line and the message's
 * start (a table row). */
struct bad_case {
	const char *text;
	int r;
	unsigned line;
	const char *want;
};
/* Every row of a table must be refused as it says (bad_n; line: the
 * caller's, for the message). */
void bad_cases(const struct bad_case *c, size_t n, int line);
#define BAD_CASES(t) bad_cases((t), sizeof(t) / sizeof((t)[0]), __LINE__)

#endif
