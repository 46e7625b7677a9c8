/* The agent's self-check alone, for bench_agent's goals (bench/benchlib.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "bench/benchlib.h"

/* The CPU microseconds of one ECDSA P-256 verification of a 512-byte
 * message as the agent's self-check makes it (tuf/sig.c: a copy of a
 * verify context kept with the key, used once), on this thread, over
 * secs seconds; 0 when OpenSSL fails. */
double
bl_selfcheck_us(double secs)
{
	uint8_t msg[512], sig[128];
	size_t sig_len = sizeof(sig), n = 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	EVP_MD_CTX *tmpl = EVP_MD_CTX_new(), *ctx = NULL;
	double t0, t1 = 0, us = 0;
	bool ok;

	memset(msg, 'm', sizeof(msg));
	ok = key != NULL && tmpl != NULL &&
	     (ctx = EVP_MD_CTX_new()) != NULL &&
	     EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestSign(ctx, sig, &sig_len, msg, sizeof(msg)) == 1 &&
	     EVP_DigestVerifyInit(tmpl, NULL, EVP_sha256(), NULL, key) == 1;
	EVP_MD_CTX_free(ctx);
	t0 = bl_thread_cpu();
	while (ok && (t1 = bl_thread_cpu()) - t0 < secs) {
		for (int i = 0; ok && i < 64; i++, n++) {
			ok = (ctx = EVP_MD_CTX_new()) != NULL && EVP_MD_CTX_copy_ex(ctx, tmpl) == 1;
			if (ok) {
				EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
				ok = EVP_DigestVerify(ctx, sig, sig_len, msg, sizeof(msg)) == 1;
			}
			EVP_MD_CTX_free(ctx);
		}
	}
	if (ok && n > 0)
		us = (t1 - t0) * 1e6 / (double)n;
	EVP_MD_CTX_free(tmpl);
	EVP_PKEY_free(key);
	return us;
}
