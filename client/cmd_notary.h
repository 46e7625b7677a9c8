/* tufctl notary's commands, split by concern: client/cmd_notary.c holds the
 * options, the server session, staging, add, remove, publish, list, status
 * and reset; client/cmd_notary_roles.c the commands that decide who signs:
 * init (and adopting a ceremony's root), delegation, root and rotate.  This
 * header is what the two share; nothing else includes it. */
#ifndef TA_CLIENT_CMD_NOTARY_H
#define TA_CLIENT_CMD_NOTARY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "client/notary_base.h"
#include "client/notary_http.h"
#include "client/notary_publish.h"
#include "client/notary_store.h"

/* Options every notary command takes; each command says which it uses. */
struct nopts {
	const char *cmd;
	const char *server, *tls_ca, *trust_dir, *username, *root_cert_id, *role, *digest;
	const char *targets_key, *snapshot_key, *token, *from_list, *root_file;
	const char *root_keys[TN_MAX_KEYS];
	size_t n_root_keys;
	const char *keys[TN_MAX_KEYS];
	size_t n_keys;
	const char *certs[TN_MAX_KEYS];
	size_t n_certs;
	const char *paths[TN_MAX_PATHS];
	size_t n_paths;
	bool all_paths, password_stdin;
	long long size, root_threshold, expiry_days;
	char **args;   /* positional */
	int n_args;
};

enum {
	O_SERVER = 0x100, O_TLS_CA, O_TRUST_DIR, O_USERNAME, O_PASSWORD_STDIN, O_ROOT_CERT_ID,
	O_ROLE, O_DIGEST, O_SIZE, O_ROOT_KEY, O_TARGETS_KEY, O_SNAPSHOT_KEY, O_ROOT_THRESHOLD,
	O_KEY, O_CERT, O_PATH, O_ALL_PATHS, O_EXPIRY, O_TOKEN, O_FROM_LIST, O_ROOT, O_JSON, O_HELP
};

struct nsession {
	struct tn_server *srv;
	char *password;
	size_t password_len;
};

int tnc_usage(const struct nopts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tnc_err(struct nopts *o, const struct tn_error *e);
int tnc_nomem(struct nopts *o);
int tnc_print_json(struct nopts *o, json_t *v);
int tnc_parse(struct nopts *o, int argc, char **argv, const int *allowed, int min_args, int max_args,
    const char *usage);
int tnc_server_open(struct nopts *o, const struct tn_repo *repo, bool read_only, struct nsession *ns);
void tnc_session_close(struct nsession *ns);
int tnc_repo_open(struct nopts *o, bool create, struct tn_repo **ret);
int tnc_stage(struct nopts *o, struct tn_repo *repo, json_t *change);
int tnc_stage_in_repo(struct nopts *o, json_t *change, const char *what);
int tnc_role_arg(struct nopts *o, const char *role, bool delegation_only);
int tnc_publish(struct nopts *o, struct tn_repo *repo, struct nsession *ns);
int tnc_update(struct nopts *o, struct tn_repo *repo, struct nsession *ns, struct tn_state *st);
/* What a read-only command shows of the GUN's updated metadata; returns
 * TUFCTL_OK or TUFCTL_FAIL. */
typedef int (*tnc_show_fn)(struct nopts *o, struct tn_state *st, const char *gun);
/* A read-only command on one GUN (list, root): its options parsed (the
 * server's, --trust-dir, --root-cert-id, --json), the trusted metadata
 * updated from the server (tnc_update), then show(). */
int tnc_run_updated(int argc, char **argv, const char *cmd, const char *usage, tnc_show_fn show);
int tnc_cmd_init(int argc, char **argv);
int tnc_cmd_delegation(int argc, char **argv);
int tnc_cmd_root(int argc, char **argv);
int tnc_cmd_rotate(int argc, char **argv);

#endif
