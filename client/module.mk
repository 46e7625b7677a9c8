# client/: tufctl.  protocol/, tuf/ and common/ only (never pkcs11/, agent/).
TUFCTL := $(BUILD)/tufctl
CLIENT_SRC := client/tufctl.c client/cmd_offline.c
PROGRAMS += $(TUFCTL)
LINT_SRC += $(CLIENT_SRC)

$(TUFCTL): $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
