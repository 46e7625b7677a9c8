/* PIN sources (DESIGN.md "Configuration"): file:, env:, pinentry, unlock,
 * none.  A PIN is read into a struct ta_secret and never anywhere else:
 * file contents and pinentry replies are read into locked memory, and
 * every intermediate buffer is wiped. */
#ifndef TA_AGENT_PIN_H
#define TA_AGENT_PIN_H

#include "agent/config.h"

struct ta_secret;

/* Reads a PIN from src.  desc names the token for pinentry's prompt
 * ("PIN for token 'ci-hsm'").  TA_PIN_NONE and TA_PIN_UNLOCK give
 * TA_ERR_PIN_REQUIRED (no PIN can be read for them).  A file must not be
 * readable by group or others (TA_ERR_NOT_AUTHORIZED otherwise), must be a
 * regular file, and at most TA_SECRET_MAX bytes; one trailing newline is
 * dropped.  pinentry is run with the Assuan protocol (OPTION, SETDESC,
 * SETPROMPT, GETPIN); cancel gives TA_ERR_CANCELLED.  Blocking: run it on a
 * worker thread. */
int ta_pin_get(const struct ta_pin_source *src, const char *desc, struct ta_secret **ret)
    __attribute__((warn_unused_result));

#endif
