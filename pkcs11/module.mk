# pkcs11/: the token layer.  p11-kit for modules and URIs, OpenSSL for keys.
PKCS11_SRC := pkcs11/module.c pkcs11/token.c pkcs11/key.c pkcs11/sign.c pkcs11/cert.c \
	pkcs11/uri.c
LIBRARIES += $(LIB_PKCS11)
LINT_SRC += $(PKCS11_SRC)

$(LIB_PKCS11): $(PKCS11_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)
