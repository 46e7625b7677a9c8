/* http-tool: drives client/notary_http.c against a real notary-server.
 *
 *   http-tool [--url URL] [--gun GUN] [--tls-ca FILE] [--read-only]
 *             [--max BYTES] COMMAND ...
 *     open                     only tn_server_open (the ping)
 *     get NAME                 GET NAME.json, the body to stdout
 *     fetch NAME=FILE...       GET each into FILE, one session
 *     key ROLE [--rotate]      GET (or POST) ROLE.key, the JSON to stdout
 *     publish ROLE=FILE...     one multipart POST
 *
 * --url defaults to $NT_URL, --gun to $NT_GUN.  Credentials come from
 * TUFCTL_REGISTRY_USERNAME / TUFCTL_REGISTRY_PASSWORD, as tufctl reads them.
 * On error: "http-tool: <the error line> [TA_ERR_NAME]" on stderr, exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/notary_http.h"
#include "common/err.h"

#define FILE_MAX (100u << 20)

static int
usage(void)
{
	(void)fprintf(stderr, "usage: http-tool [--url URL] [--gun GUN] [--tls-ca FILE] "
			      "[--read-only] [--max BYTES]\n"
			      "         open | get NAME | fetch NAME=FILE... | key ROLE [--rotate] |"
			      " publish ROLE=FILE...\n");
	return 2;
}

static int
failed(int r, const struct tn_error *e)
{
	(void)fprintf(stderr, "http-tool: %s [%s]\n", e->text, ta_errname(r));
	return 1;
}

static int
read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;

	if (f == NULL || (buf = malloc(FILE_MAX + 1)) == NULL) {
		if (f != NULL)
			(void)fclose(f);
		(void)fprintf(stderr, "http-tool: cannot read %s\n", path);
		return -1;
	}
	n = fread(buf, 1, FILE_MAX + 1, f);
	(void)fclose(f);
	if (n > FILE_MAX) {
		free(buf);
		(void)fprintf(stderr, "http-tool: %s is too large\n", path);
		return -1;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

static int
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		(void)fprintf(stderr, "http-tool: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int
cmd_fetch(struct tn_server *s, size_t max, int argc, char **argv)
{
	struct tn_error e;

	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint8_t *body = NULL;
		size_t len = 0;
		int r;

		if (eq == NULL)
			return usage();
		*eq = '\0';
		if ((r = tn_get(s, argv[i], max, &body, &len, &e)) != 0)
			return failed(r, &e);
		r = write_file(eq + 1, body, len);
		free(body);
		if (r != 0)
			return 1;
	}
	return 0;
}

static int
cmd_publish(struct tn_server *s, int argc, char **argv)
{
	struct tn_part *parts = calloc((size_t)argc + 1, sizeof(*parts));
	struct tn_error e;
	int r = 0, i;

	if (parts == NULL)
		return 1;
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint8_t *data = NULL;
		size_t len = 0;

		if (eq == NULL) {
			r = usage();
			goto out;
		}
		*eq = '\0';
		if (read_file(eq + 1, &data, &len) != 0) {
			r = 1;
			goto out;
		}
		parts[i].role = argv[i];
		parts[i].data = data;
		parts[i].len = len;
	}
	if ((r = tn_publish(s, parts, (size_t)argc, &e)) != 0)
		r = failed(r, &e);
out:
	for (i = 0; i < argc; i++)
		free((void *)(uintptr_t)parts[i].data);
	free(parts);
	return r;
}

int
main(int argc, char **argv)
{
	struct tn_options o = {.url = getenv("NT_URL"), .gun = getenv("NT_GUN")};
	struct tn_server *s = NULL;
	struct tn_error e;
	size_t max = TN_META_MAX;
	const char *cmd;
	int i, r;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--read-only") == 0) {
			o.read_only = true;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--url") == 0)
			o.url = argv[++i];
		else if (strcmp(argv[i], "--gun") == 0)
			o.gun = argv[++i];
		else if (strcmp(argv[i], "--tls-ca") == 0)
			o.tls_ca = argv[++i];
		else if (strcmp(argv[i], "--max") == 0)
			max = strtoul(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (i >= argc || strncmp(argv[i], "--", 2) == 0)
		return usage();
	cmd = argv[i++];
	o.creds_user = getenv("TUFCTL_REGISTRY_USERNAME");
	o.creds_pass = getenv("TUFCTL_REGISTRY_PASSWORD");
	if ((r = tn_server_open(&o, &s, &e)) != 0)
		return failed(r, &e);
	if (strcmp(cmd, "open") == 0 && i == argc) {
		(void)printf("%s\n", tn_server_url(s));
		r = 0;
	} else if (strcmp(cmd, "get") == 0 && i + 1 == argc) {
		uint8_t *body = NULL;
		size_t len = 0;

		if ((r = tn_get(s, argv[i], max, &body, &len, &e)) != 0) {
			r = failed(r, &e);
		} else {
			r = fwrite(body, 1, len, stdout) == len ? 0 : 1;
			free(body);
		}
	} else if (strcmp(cmd, "fetch") == 0 && i < argc) {
		r = cmd_fetch(s, max, argc - i, argv + i);
	} else if (strcmp(cmd, "key") == 0 && (i + 1 == argc ||
		   (i + 2 == argc && strcmp(argv[i + 1], "--rotate") == 0))) {
		char *json = NULL;

		if ((r = tn_server_key(s, argv[i], i + 2 == argc, &json, &e)) != 0) {
			r = failed(r, &e);
		} else {
			(void)printf("%s\n", json);
			free(json);
		}
	} else if (strcmp(cmd, "publish") == 0 && i < argc) {
		r = cmd_publish(s, argc - i, argv + i);
	} else {
		r = usage();
	}
	tn_server_close(s);
	return r;
}
