/* tufctl ceremony's commands, shared between client/cmd_ceremony.c and
 * client/cmd_ceremony_sign.c (argv[0] is the command's name). */
#ifndef TA_CLIENT_CMD_CEREMONY_H
#define TA_CLIENT_CMD_CEREMONY_H

#include "client/notary_base.h"

extern const char cer_usage[];

/* "tufctl: ceremony CMD: <e>"; TUFCTL_FAIL. */
int cer_failed(const char *cmd, const struct tn_error *e);

int cer_cmd_sign(int argc, char **argv);
int cer_cmd_request(int argc, char **argv);
int cer_cmd_sign_request(int argc, char **argv);
int cer_cmd_import(int argc, char **argv);

#endif
