/* Offline commands: no agent needed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "client/tufctl.h"
#include "tuf/canon.h"
#include "tuf/json.h"
#include "tuf/meta.h"

/* tufctl canonical --profile notary|tuf FILE
 * The canonical bytes of the file's "signed" value: what a signature is
 * over.  The file must be a metadata file of the profile. */
int
tufctl_cmd_canonical(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ta_profile profile = 0;
	struct ta_json_error err;
	struct ta_meta *m = NULL;
	uint8_t *in = NULL, *out = NULL;
	size_t in_len, out_len;
	int c, r, ret = TUFCTL_FAIL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ta_profile_from_name(optarg, &profile) != 0)
				return tufctl_usage("canonical", "unknown profile '%s'", optarg);
			break;
		case 'h':
			printf("usage: tufctl canonical --profile notary|tuf FILE\n");
			return TUFCTL_OK;
		default:
			return tufctl_usage("canonical", "unknown option");
		}
	}
	if (profile == 0)
		return tufctl_usage("canonical", "--profile is required");
	if (optind != argc - 1)
		return tufctl_usage("canonical", "one FILE is required");
	if (tufctl_read_file(argv[optind], TA_JSON_MAX, &in, &in_len) != 0)
		return TUFCTL_FAIL;
	if ((r = ta_meta_parse(in, in_len, profile, NULL, &m, &err)) != 0) {
		(void)tufctl_fail("'%s' is not %s metadata: %s", argv[optind],
		    ta_profile_name(profile), err.text[0] ? err.text : ta_strerror(r));
		goto out;
	}
	if ((r = ta_meta_signed_bytes(m, &out, &out_len)) != 0) {
		(void)tufctl_fail("canonical form of '%s': %s", argv[optind], ta_strerror(r));
		goto out;
	}
	if (fwrite(out, 1, out_len, stdout) != out_len || fflush(stdout) != 0) {
		(void)tufctl_fail("cannot write to standard output");
		goto out;
	}
	ret = TUFCTL_OK;
out:
	ta_meta_free(m);
	free(in);
	free(out);
	return ret;
}
