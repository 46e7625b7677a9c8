# common/: libc only.
COMMON_SRC := common/err.c common/log.c common/secret.c common/buf.c common/keytype.c common/utf8.c \
	common/hex.c common/clock.c common/pinsrc.c
LIBRARIES += $(LIB_COMMON)
LINT_SRC += $(COMMON_SRC)

$(LIB_COMMON): $(COMMON_SRC:%.c=$(BUILD)/%.o)
	$(call archive,$@,$^)
