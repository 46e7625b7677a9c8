# systemd/: the system and user units, sysusers.d and tmpfiles.d snippets,
# and etc/tuf-agent.conf, the example configuration.  Units are templates:
# make install writes them with @SBINDIR@ and @SYSCONFDIR@ replaced by the
# install paths (the main Makefile's install variables).
SYSTEMD_UNITS := systemd/tuf-agent.socket systemd/tuf-agent.service
SYSTEMD_USER_UNITS := systemd/user/tuf-agent.socket systemd/user/tuf-agent.service
systemd_subst = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

INSTALL_TARGETS += install-systemd install-conf

install-systemd:
	@install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(USERUNITDIR)
	@for u in $(SYSTEMD_UNITS); do \
		$(systemd_subst) $$u.in >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	@for u in $(SYSTEMD_USER_UNITS); do \
		$(systemd_subst) $$u.in >$(DESTDIR)$(USERUNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(USERUNITDIR)/$${u##*/} || exit 1; done
	@install -Dm644 systemd/tuf-agent.sysusers $(DESTDIR)$(SYSUSERSDIR)/tuf-agent.conf
	@install -Dm644 systemd/tuf-agent.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tuf-agent.conf

# An administrator's configuration is never replaced: a second make install
# leaves it and says so.
install-conf:
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/tuf-agent/tuf-agent.conf ]; then \
		echo "install: kept $(DESTDIR)$(SYSCONFDIR)/tuf-agent/tuf-agent.conf (the example is etc/tuf-agent.conf)"; \
	else \
		install -Dm644 etc/tuf-agent.conf $(DESTDIR)$(SYSCONFDIR)/tuf-agent/tuf-agent.conf; \
	fi

# systemd-units.sh: systemd-analyze verify and security (exposure <= 2.0),
# sysusers.d and tmpfiles.d in a scratch root, and socket activation end to
# end with systemd-socket-activate and the socket unit's settings.
# install.sh: make install DESTDIR=..., the tree, the installed programs run,
# man -l renders every page without a warning.
TESTS += tests/integration/systemd-units.sh tests/integration/install.sh
TEST_EXTRA += $(TUF_AGENT) $(TUFCTL)
