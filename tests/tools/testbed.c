#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/secret.h"
#include "pkcs11/p11.h"
#include "tests/tools/testbed.h"

extern char **environ;

static char tb_dir[256];

const char *
tb_softhsm_module(void)
{
	static const char *const paths[] = {
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return NULL;
}

const char *
tb_softhsm_setup(void)
{
	char conf[300], tokens[300];
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	(void)snprintf(tb_dir, sizeof(tb_dir), "%s/ta-test-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(tb_dir) == NULL)
		return NULL;
	(void)snprintf(tokens, sizeof(tokens), "%s/tokens", tb_dir);
	(void)snprintf(conf, sizeof(conf), "%s/softhsm2.conf", tb_dir);
	if (mkdir(tokens, 0700) != 0 || (f = fopen(conf, "w")) == NULL)
		return NULL;
	(void)fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\n"
			 "log.level = ERROR\nslots.removable = false\n", tokens);
	if (fclose(f) != 0)
		return NULL;
	(void)setenv("SOFTHSM2_CONF", conf, 1);
	return tb_dir;
}

int
tb_softhsm_token(const char *label)
{
	const char *argv[] = { "softhsm2-util", "--init-token", "--free", "--label", label,
		"--pin", TB_PIN, "--so-pin", TB_SO_PIN, NULL };

	return tb_run(argv, NULL, 0);
}

void
tb_softhsm_teardown(void)
{
	const char *argv[] = { "rm", "-rf", tb_dir, NULL };

	if (tb_dir[0] != '\0')
		(void)tb_run(argv, NULL, 0);
	tb_dir[0] = '\0';
}

struct ta_secret *
tb_pin(const char *s)
{
	struct ta_secret *p = ta_secret_from(s, strlen(s));

	if (p == NULL)
		abort(); /* out of memory: no test can go on */
	return p;
}

void
tb_finish(struct ta_p11_ctx *ctx)
{
	ta_p11_ctx_free(ctx);
	tb_softhsm_teardown();
}

int
tb_group_teardown(void **state)
{
	tb_finish(*state);
	return 0;
}

int
tb_run(const char *const argv[], char *out, size_t outlen)
{
	posix_spawn_file_actions_t fa;
	int pfd[2], st;
	pid_t pid;
	size_t got = 0;
	ssize_t n;
	char junk[512];

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	for (;;) {
		if (out != NULL && got + 1 < outlen)
			n = read(pfd[0], out + got, outlen - 1 - got);
		else
			n = read(pfd[0], junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out != NULL && got + 1 < outlen)
			got += (size_t)n;
	}
	if (out != NULL && outlen > 0)
		out[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
tb_verify(const uint8_t *spki, size_t spki_len, int scheme, const uint8_t *msg, size_t len,
    const uint8_t *sig, size_t sig_len)
{
	const unsigned char *p = spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki_len);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	const EVP_MD *md = NULL;
	unsigned char *der = NULL;
	ECDSA_SIG *es = NULL;
	int ok = -1, n;

	if (pk == NULL || mc == NULL)
		goto out;
	switch (scheme) {
	case TA_SIG_ECDSA_SHA256:
	case TA_SIG_ECDSA_SHA384:
		md = scheme == TA_SIG_ECDSA_SHA256 ? EVP_sha256() : EVP_sha384();
		es = ECDSA_SIG_new();
		if (es == NULL || sig_len % 2 ||
		    !ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)sig_len / 2, NULL),
			BN_bin2bn(sig + sig_len / 2, (int)sig_len / 2, NULL)) ||
		    (n = i2d_ECDSA_SIG(es, &der)) <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)n;
		break;
	case TA_SIG_RSA_PSS_SHA256:
	case TA_SIG_RSA_PKCS1_SHA256:
		md = EVP_sha256();
		break;
	case TA_SIG_ED25519:
		break;
	default:
		goto out;
	}
	if (EVP_DigestVerifyInit(mc, &pc, md, NULL, pk) != 1)
		goto out;
	if (scheme == TA_SIG_RSA_PSS_SHA256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) != 1))
		goto out;
	ok = EVP_DigestVerify(mc, sig, sig_len, msg, len) == 1 ? 1 : 0;
out:
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	return ok;
}
