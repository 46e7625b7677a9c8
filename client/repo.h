/* tufctl repo: TUF 1.0 repositories on a directory, every key in the agent.
 *
 * DIR is exactly what gets published (served as is by any static HTTP
 * server or copied to a mirror):
 *
 *	N.root.json          every root version, N = 1, 2, ... (clients walk
 *	                     them one at a time); root.json is the newest
 *	timestamp.json       always unprefixed
 *	N.snapshot.json      consistent snapshots; snapshot.json without
 *	N.targets.json       idem; targets.json without
 *	N.ROLE.json          delegated roles, ROLE percent-encoded as tuf-js
 *	                     asks for it (encodeURIComponent); ROLE.json without
 *	targets/DIRS/HASH.BASE   target files (sha256 HASH) with consistent
 *	                     snapshots; targets/DIRS/BASE without
 *
 * and one folder that is never published:
 *
 *	.tufctl/             the repository's private state: staged metadata
 *	                     (unsigned or partly signed), the key labels to sign
 *	                     each role with, the publish journal
 *
 * Commands: client/cmd_repo.c parses the command line and calls one
 * function per subcommand; the repository store and the publish engine
 * live in client/repo_*.c; the TUF client workflow that `repo verify` and
 * `tufctl verify --profile tuf` run is tuf/updater.c. */
#ifndef TA_CLIENT_REPO_H
#define TA_CLIENT_REPO_H

/* The name of DIR's private folder. */
#define TUFCTL_REPO_PRIVATE ".tufctl"

/* tufctl repo verify DIR [--root TRUSTED] [--at TIME] (client/repo_verify.c).
 * argv[0] is "verify". */
int tufctl_repo_verify(int argc, char **argv);

#endif
