/* tufctl repo: the subcommand table (client/repo.h). */
#include <stdio.h>
#include <string.h>

#include "client/repo.h"
#include "client/tufctl.h"

static const char repo_usage[] =
    "usage: tufctl repo COMMAND DIR ...\n"
    "  repo verify DIR [--root TRUSTED] [--at TIME] [--verbose] [--json]\n"
    "      the TUF client workflow over DIR, offline (repo verify --help)\n";

int
tufctl_cmd_repo(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "verify", tufctl_repo_verify },
	};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		(void)fputs(repo_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? TUFCTL_USAGE : TUFCTL_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	return tufctl_usage("repo", "unknown command '%s'", argv[1]);
}
