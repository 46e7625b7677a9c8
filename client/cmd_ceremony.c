/* tufctl ceremony: root key ceremonies (issue #13).  For now only the
 * transcript verifier; the steps that write a transcript come later. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "client/transcript.h"
#include "client/tufctl.h"
#include "common/hex.h"

static const char ceremony_usage[] =
    "usage: tufctl ceremony COMMAND ...\n"
    "  ceremony transcript verify FILE [--root ROOT]\n"
    "      FILE (DIR/transcript.jsonl) is a whole hash chain: every record's seq, prev,\n"
    "      time, step and form; the first bad record is named.  --root: the last\n"
    "      finish record names the SHA-256 of ROOT's exact bytes (root_sha256).\n";

/* A root file of a ceremony: the size tufctl's other root readers take. */
#define ROOT_MAX ((size_t)1024 * 1024)

static int
transcript_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *path;
	struct tc_check c;
	uint8_t *data = NULL, md[32];
	size_t len = 0;
	char hex[65];
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			root_path = optarg;
			break;
		case 'h':
			(void)fputs(ceremony_usage, stdout);
			return TUFCTL_OK;
		default:
			return tufctl_usage("ceremony", "unknown option or missing value");
		}
	}
	if (optind != argc - 1)
		return tufctl_usage("ceremony", "transcript verify takes one FILE");
	path = argv[optind];
	if (tufctl_read_file(path, TC_FILE_MAX, &data, &len) != 0)
		return TUFCTL_FAIL;
	r = tc_verify(data, len, &c);
	free(data);
	if (r != 0)
		return tufctl_fail("transcript %s: %s", path, c.why);
	if (root_path == NULL) {
		printf("transcript: %zu record%s, chain intact\n", c.records, c.records == 1 ? "" : "s");
		return tufctl_stdout_done();
	}
	if (tufctl_read_file(root_path, ROOT_MAX, &data, &len) != 0)
		return TUFCTL_FAIL;
	r = EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
	free(data);
	if (r != 0)
		return tufctl_fail("cannot hash '%s'", root_path);
	ta_hex(hex, md, sizeof(md));
	if (c.finish == 0)
		return tufctl_fail("transcript %s: no finish record names a root", path);
	if (strcmp(c.finish_root, hex) != 0)
		return tufctl_fail("transcript %s: record %zu (finish): root_sha256 is not the "
				   "SHA-256 of '%s'", path, c.finish, root_path);
	printf("transcript: %zu record%s, chain intact, finish names %s\n", c.records,
	    c.records == 1 ? "" : "s", root_path);
	return tufctl_stdout_done();
}

int
tufctl_cmd_ceremony(int argc, char **argv)
{
	if (argc < 2)
		return tufctl_usage("ceremony", "a command is required");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		(void)fputs(ceremony_usage, stdout);
		return TUFCTL_OK;
	}
	if (strcmp(argv[1], "transcript") != 0)
		return tufctl_usage("ceremony", "unknown command '%s'", argv[1]);
	if (argc < 3)
		return tufctl_usage("ceremony", "transcript takes 'verify'");
	if (strcmp(argv[2], "verify") != 0)
		return tufctl_usage("ceremony", "unknown transcript command '%s'", argv[2]);
	return transcript_verify(argc - 2, argv + 2);
}
