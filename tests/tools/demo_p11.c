/* demo_p11 MODULE TOKEN-URI LABEL DIR: the token layer at work, for `make demo`.
 *
 * Reads the user PIN from standard input (never argv), logs in, generates
 * an ECDSA P-256 key on the token, signs DIR/message.txt with it, and
 * writes DIR/pub.pem (the public key) and DIR/sig.der (a DER ECDSA
 * signature, as `openssl dgst -verify` wants it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/err.h"
#include "common/secret.h"
#include "pkcs11/p11.h"

static int
write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wbe")) == NULL)
		return -1;
	if (fwrite(p, 1, len, f) != len) {
		(void)fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct ta_p11_ctx *ctx = NULL;
	struct ta_p11_module *mod;
	struct ta_p11_token *tok;
	struct ta_p11_keygen g = { .type = TA_KEY_EC_P256 };
	struct ta_p11_key k = { 0 };
	struct ta_secret *pin = NULL;
	uint8_t msg[4096], sig[TA_P11_SIG_MAX];
	size_t msg_len, sig_len;
	char path[4096], line[256];
	unsigned char *der = NULL;
	const unsigned char *p;
	ECDSA_SIG *es = NULL;
	EVP_PKEY *pk = NULL;
	FILE *f;
	int r, n, ret = 1;

	if (argc != 5) {
		(void)fprintf(stderr, "usage: demo_p11 MODULE TOKEN-URI LABEL DIR (PIN on stdin)\n");
		return 2;
	}
	if (fgets(line, sizeof(line), stdin) == NULL) {
		(void)fprintf(stderr, "demo_p11: no PIN on standard input\n");
		return 1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	pin = ta_secret_from(line, strlen(line));
	explicit_bzero(line, sizeof(line));

	(void)snprintf(path, sizeof(path), "%s/message.txt", argv[4]);
	if ((f = fopen(path, "rbe")) == NULL) {
		(void)fprintf(stderr, "demo_p11: cannot open '%s'\n", path);
		goto out;
	}
	msg_len = fread(msg, 1, sizeof(msg), f);
	(void)fclose(f);

	if ((ctx = ta_p11_ctx_new()) == NULL) {
		r = TA_ERR_NOMEM;
		goto fail;
	}
	if ((r = ta_p11_module_load(ctx, argv[1], &mod)) != 0 ||
	    (r = ta_p11_token_open(ctx, mod, argv[2], 2, &tok)) != 0)
		goto fail;
	r = ta_p11_token_login(tok, pin, false);
	pin = NULL; /* wiped and freed by the layer */
	if (r != 0)
		goto fail;
	g.label = argv[3];
	if ((r = ta_p11_key_generate(tok, &g, &k)) != 0)
		goto fail;
	printf("key '%s' generated on the token: %s, sensitive=%s extractable=%s local=%s\n",
	    k.label, ta_key_type_name(k.type), k.sensitive ? "yes" : "no",
	    k.extractable ? "yes" : "no", k.local ? "yes" : "no");
	if ((r = ta_p11_sign(tok, &k, TA_SIG_ECDSA_SHA256, msg, msg_len, NULL, sig, &sig_len)) != 0)
		goto fail;
	printf("signed %zu bytes on the token: %zu-byte raw r||s signature\n", msg_len, sig_len);

	/* Hand OpenSSL what it verifies: a PEM public key and a DER signature. */
	p = k.spki;
	if ((pk = d2i_PUBKEY(NULL, &p, (long)k.spki_len)) == NULL ||
	    (es = ECDSA_SIG_new()) == NULL ||
	    !ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)) ||
	    (n = i2d_ECDSA_SIG(es, &der)) <= 0) {
		r = TA_ERR_CRYPTO;
		goto fail;
	}
	if (write_file(argv[4], "sig.der", der, (size_t)n) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "%s/pub.pem", argv[4]);
	if ((f = fopen(path, "we")) == NULL || !PEM_write_PUBKEY(f, pk) || fclose(f) != 0)
		goto out;
	ret = 0;
	goto out;
fail:
	(void)fprintf(stderr, "demo_p11: %s\n", ta_strerror(r));
out:
	ta_secret_free(pin);
	ta_p11_key_clear(&k);
	ta_p11_ctx_free(ctx);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	return ret;
}
