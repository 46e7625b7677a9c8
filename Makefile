# tuf-agent — one non-recursive GNU Makefile.
#
#   make                 build everything
#   make check           build and run every test; last line "N passed, M failed"
#   make demo            the whole story on loopback: a SoftHSM2 token, the agent,
#                        a local notary-server, two tags published and listed
#   make demo-yubikey    the laptop story on the virtual YubiKey (tests/piv/; root)
#   make bench           benchmarks (never part of check)
#   make fuzz            libFuzzer targets (clang)
#   make lint            clang-tidy, cppcheck, include-direction check
#   make format          clang-format on changed lines
#   make install         PREFIX=/usr/local DESTDIR=
#
# Switches: V=1 (verbose), WERROR=1, SAN=address,undefined, BUILD=dir.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config
BUILD   ?= build
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2)
endif

probe = $(shell $(CC) -Werror $(1) -xc -c /dev/null -o /dev/null 2>/dev/null && echo $(1))
probe_ld = $(shell $(CC) -Werror $(1) -xc /dev/null -o /dev/null 2>/dev/null || \
	printf 'int main(void){return 0;}' | $(CC) -Werror $(1) -xc - -o /dev/null 2>/dev/null && echo $(1))

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wimplicit-fallthrough -Wpointer-arith -Wundef -Wcast-qual
HARDEN := -fstack-protector-strong $(call probe,-fstack-clash-protection) \
	$(call probe,-fcf-protection) -fPIE \
	$(call probe,-ftrivial-auto-var-init=zero) $(call probe,-fzero-call-used-regs=used)
ifeq ($(SAN),)
HARDEN += -D_FORTIFY_SOURCE=3
endif
LDHARDEN := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

OPT ?= -O2 -g
CFLAGS ?=
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE -DTA_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(HARDEN) \
	-I. -MMD -MP $(CFLAGS)
ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDHARDEN += -fsanitize=$(SAN)
endif
ALL_LDFLAGS := $(LDHARDEN) $(LDFLAGS)

LIBS_P11    := $(shell $(PKG_CONFIG) --libs p11-kit-1 2>/dev/null)
CFLAGS_P11  := $(shell $(PKG_CONFIG) --cflags p11-kit-1 2>/dev/null)
LIBS_SSL    := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null)
LIBS_CMOCKA := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
CFLAGS_JANSSON := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
LIBS_JANSSON := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null)
LIBS_CURL   := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
ALL_CFLAGS  += $(CFLAGS_P11) $(CFLAGS_JANSSON)

# Rebuild everything when the flags change (SAN, WERROR, CC ...).
FLAGS_STAMP := $(BUILD)/.flags
$(shell mkdir -p $(BUILD) && echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $(FLAGS_STAMP) || \
	echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $(FLAGS_STAMP))

# ---- modules --------------------------------------------------------------
# Each folder's module.mk adds its sources, libraries, programs, tests,
# benchmarks and fuzz targets to these lists and defines its own link rules.
LIB_COMMON := $(BUILD)/libcommon.a
LIB_PKCS11 := $(BUILD)/libpkcs11.a
LIB_TUF    := $(BUILD)/libtuf.a
LIB_PROTO  := $(BUILD)/libprotocol.a
TEST_HELPERS := $(BUILD)/tests/tools/testbed.o
# What a program using the token layer links (module.mk files are read in
# name order, so shared link sets are defined here, before them).
PKCS11_LIBS := $(LIB_PKCS11) $(LIB_COMMON)
PKCS11_LDLIBS = $(LIBS_P11) $(LIBS_SSL) -lpthread
TUF_LIBS := $(LIB_TUF) $(LIB_COMMON)
PROTO_LIBS := $(LIB_PROTO) $(LIB_COMMON)
PROTO_LDLIBS = $(LIBS_JANSSON)
TUF_LDLIBS = $(LIBS_JANSSON) $(LIBS_SSL)
FAULT_MODULE := $(BUILD)/tests/tools/fault-pkcs11.so

LIBRARIES :=
PROGRAMS :=
DEMO_DEPS :=
TESTS :=
TEST_EXTRA :=
BENCHES :=
FUZZ_TARGETS :=
LINT_SRC :=
INSTALL_TARGETS :=

all: build-all

include $(sort $(wildcard */module.mk))

build-all: $(LIBRARIES) $(PROGRAMS)

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	$(call quiet,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# link = $(call link,$@,objects and libraries,extra libs)
define link
	$(call quiet,LD,$(1))
	@mkdir -p $(dir $(1))
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $(1) $(2) $(3)
endef
define archive
	$(call quiet,AR,$(1))
	$(Q)rm -f $(1) && ar rcs $(1) $(2)
endef

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory build-all $(TESTS) $(TEST_EXTRA)
	@BUILD=$(BUILD) tests/run-tests $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory build-all $(DEMO_DEPS)
	@BUILD=$(BUILD) scripts/demo

demo-yubikey: deps
	@$(MAKE) --no-print-directory build-all $(DEMO_DEPS)
	@BUILD=$(BUILD) scripts/demo-yubikey

bench: deps
	@$(MAKE) --no-print-directory OPT='-O2 -g' $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

# ---- fuzzing (clang + libFuzzer) ------------------------------------------
# Each target is built from the same sources with clang -fsanitize=fuzzer;
# make check replays the corpora with fuzz/main.c under the normal build.
FUZZ_BUILD := build-fuzz
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SAN=address,undefined \
		FUZZING=1 $(FUZZ_TARGETS:$(BUILD)/%=$(FUZZ_BUILD)/%)

# ---- lint, format ---------------------------------------------------------
lint:
	@scripts/check-includes
	clang-tidy --quiet $(LINT_SRC) -- $(filter-out -fzero-call-used-regs=used -ftrivial-auto-var-init=zero,$(ALL_CFLAGS))
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
		-I. -D_GNU_SOURCE $(LINT_SRC)

format:
	git clang-format

# ---- install --------------------------------------------------------------
# tufctl goes to BINDIR.  tuf-agent goes to SBINDIR: it is a daemon that a
# systemd manager (the system's, or a user's through the user units) starts,
# not a command people type, like sshd(8) and pcscd(8), and its manual is in
# section 8.  SYSCONFDIR stays /etc whatever PREFIX is: the agent's built-in
# configuration path is /etc/tuf-agent/tuf-agent.conf.  Units, sysusers.d and
# tmpfiles.d go where systemd looks for them under PREFIX (/usr/lib/... and
# /usr/local/lib/... both are searched).  Modules add their install steps
# (units, man pages, the example configuration) to INSTALL_TARGETS.
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SBIN_PROGRAMS := $(filter %/tuf-agent,$(PROGRAMS))

install: all $(INSTALL_TARGETS)
	@for p in $(filter-out $(SBIN_PROGRAMS),$(PROGRAMS)); do \
		install -Dm755 $$p $(DESTDIR)$(BINDIR)/$$(basename $$p) || exit 1; done
	@for p in $(SBIN_PROGRAMS); do \
		install -Dm755 $$p $(DESTDIR)$(SBINDIR)/$$(basename $$p) || exit 1; done

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

.PHONY: all build-all check deps demo demo-yubikey bench fuzz lint format install $(INSTALL_TARGETS) clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
