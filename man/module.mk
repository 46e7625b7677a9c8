# man/: the manual pages, written in man(7) by hand.
MAN_PAGES := man/tufctl.1 man/tuf-agent.conf.5 man/tuf-agent.8

INSTALL_TARGETS += install-man

install-man:
	@for m in $(MAN_PAGES); do \
		install -Dm644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/} || exit 1; done

# Every example of the manual pages and README.md runs or loads as written
# (tests/integration/doc_examples.py takes them out; the test says how).
TESTS += tests/integration/doc-examples.sh
