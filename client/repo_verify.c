/* tufctl repo verify: the TUF client workflow over a repository directory. */
#include "client/repo.h"
#include "client/tufctl.h"

int
tufctl_repo_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return tufctl_fail("repo verify: not built yet");
}
