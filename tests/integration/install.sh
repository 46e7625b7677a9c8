#!/bin/bash
# make install DESTDIR=...: the whole tree and nothing else, the units with
# the installed paths, the installed programs run from it (the agent with
# the installed example configuration, as it is and with every setting
# uncommented), the units verify, every man page renders with man -l and
# groff without a warning, and a second install keeps an administrator's
# configuration.
#
# make install depends on the build: it is run with the flags this build
# directory was made with (read back from its $BUILD/.flags), so that it
# never rebuilds it with others; the test checks that the flags stamp stays.
. "$(dirname "$0")/test_lib.sh"

check_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2'" "want '$3'"; fi
}
skip_all() {
	echo "SKIP: install ($1)"
	exit 0
}

[ -x "$BUILD/tuf-agent" ] && [ -x "$BUILD/tufctl" ] && [ -f "$BUILD/.flags" ] ||
	skip_all "$BUILD is not built"
command -v make >/dev/null || skip_all "make is not installed"

tmp=$(mktemp -d /tmp/ta-install-XXXXXX)
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -KILL "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the flags of this build directory -------------------------------------
# .flags is "CC CFLAGS LDFLAGS" as the Makefile wrote it; CC, SAN and WERROR
# are what the Makefile's switches change.  A probe in a scratch build
# directory must write the same line, or the test cannot run make install
# here without rebuilding.
flags=$(cat "$BUILD/.flags")
cc=${flags%% *}
san=$(printf '%s\n' "$flags" | grep -o -- '-fsanitize=[^ ]*' | head -n 1 | sed 's/-fsanitize=//')
werror=
case " $flags " in *" -Werror "*) werror=1 ;; esac
mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -C "$top" \
		CC="$cc" SAN="$san" WERROR="$werror" "$@"
}
mk -n BUILD="$tmp/probe" clean >/dev/null 2>&1
cmp -s "$tmp/probe/.flags" "$BUILD/.flags" ||
	skip_all "cannot tell the flags $BUILD was built with (CC, SAN, WERROR, or custom CFLAGS)"

# ---- make install -------------------------------------------------------------
dest=$tmp/dest
before=$(stat -c '%Y %s' "$BUILD/.flags")
if mk BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr install >"$tmp/install.log" 2>&1; then
	ok "make install PREFIX=/usr DESTDIR=... succeeds"
else
	bad "make install PREFIX=/usr DESTDIR=... succeeds" "$(tail -n 20 "$tmp/install.log")"
	exit 1
fi
# The build's flags stamp is untouched: make install built (if anything was
# out of date) with the flags of this build directory, never others.
check_eq "make install keeps the build directory's flags" \
	"$(stat -c '%Y %s' "$BUILD/.flags")" "$before"

(cd "$dest" && find . -printf '%y %m %P\n' | grep -v '^d' | sort) >"$tmp/tree.txt"
cat >"$tmp/want.txt" <<'EOF'
f 644 etc/tuf-agent/tuf-agent.conf
f 644 usr/lib/systemd/system/tuf-agent.service
f 644 usr/lib/systemd/system/tuf-agent.socket
f 644 usr/lib/systemd/user/tuf-agent.service
f 644 usr/lib/systemd/user/tuf-agent.socket
f 644 usr/lib/sysusers.d/tuf-agent.conf
f 644 usr/lib/tmpfiles.d/tuf-agent.conf
f 644 usr/share/bash-completion/completions/tufctl
f 644 usr/share/man/man1/tufctl.1
f 644 usr/share/man/man5/tuf-agent.conf.5
f 644 usr/share/man/man8/tuf-agent.8
f 755 usr/bin/tufctl
f 755 usr/sbin/tuf-agent
EOF
sort -o "$tmp/want.txt" "$tmp/want.txt"
if cmp -s "$tmp/tree.txt" "$tmp/want.txt"; then
	ok "the tree: tufctl in bin, tuf-agent in sbin, units, sysusers, tmpfiles, conf, man pages, completion"
else
	bad "the tree: tufctl in bin, tuf-agent in sbin, units, sysusers, tmpfiles, conf, man pages" \
		"$(diff "$tmp/want.txt" "$tmp/tree.txt")"
fi
check_eq "installed units carry the installed paths" \
	"$(grep -h '^ExecStart=' "$dest"/usr/lib/systemd/system/tuf-agent.service "$dest"/usr/lib/systemd/user/tuf-agent.service | tr '\n' ' ')$(grep -l '@[A-Z]*@' "$dest"/usr/lib/systemd/*/*)" \
	"ExecStart=/usr/sbin/tuf-agent --config /etc/tuf-agent/tuf-agent.conf ExecStart=/usr/sbin/tuf-agent --config %E/tuf-agent/tuf-agent.conf "
cmp -s "$dest/etc/tuf-agent/tuf-agent.conf" "$top/etc/tuf-agent.conf" &&
	cmp -s "$dest/usr/lib/sysusers.d/tuf-agent.conf" "$top/systemd/tuf-agent.sysusers" &&
	cmp -s "$dest/usr/lib/tmpfiles.d/tuf-agent.conf" "$top/systemd/tuf-agent.tmpfiles"
check_eq "the example configuration and the sysusers.d and tmpfiles.d snippets are installed as they are" $? 0

# PREFIX=/usr/local: programs and units move, the configuration stays in /etc.
mk BUILD="$BUILD" DESTDIR="$tmp/local" PREFIX=/usr/local install >"$tmp/install2.log" 2>&1
check_eq "PREFIX=/usr/local: the unit runs /usr/local/sbin/tuf-agent with /etc/tuf-agent/tuf-agent.conf" \
	"$(grep -h '^ExecStart=' "$tmp/local/usr/local/lib/systemd/system/tuf-agent.service" 2>&1) $(test -f "$tmp/local/etc/tuf-agent/tuf-agent.conf" && echo conf)" \
	"ExecStart=/usr/local/sbin/tuf-agent --config /etc/tuf-agent/tuf-agent.conf conf"

# A second install never replaces an administrator's configuration.
echo '# mine' >>"$dest/etc/tuf-agent/tuf-agent.conf"
mk BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr install >"$tmp/install3.log" 2>&1
check_eq "a second make install keeps the configuration there, and says so" \
	"$(tail -n 1 "$dest/etc/tuf-agent/tuf-agent.conf") $(grep -c 'kept .*tuf-agent.conf' "$tmp/install3.log")" "# mine 1"
cp "$top/etc/tuf-agent.conf" "$dest/etc/tuf-agent/tuf-agent.conf"

# ---- the installed programs run --------------------------------------------------
check_eq "installed tufctl and tuf-agent run: --version" \
	"$("$dest/usr/bin/tufctl" --version 2>&1) / $("$dest/usr/sbin/tuf-agent" --version 2>&1)" \
	"tufctl 0.1.0 / tuf-agent 0.1.0"

# The installed completion, sourced in bash, completes with the installed tufctl.
check_eq "the installed bash completion completes 'tufctl notary roo' to root" \
	"$(bash -c '. "$1"; COMP_WORDS=("$2" notary roo); COMP_CWORD=2; _tufctl; echo "${COMPREPLY[*]}"' \
		_ "$dest/usr/share/bash-completion/completions/tufctl" "$dest/usr/bin/tufctl" 2>&1)" "root"

# run_agent CONF NAME TOKENS: the installed agent with CONF on a socket of the
# test's; the installed tufctl's status must list TOKENS (names, in order).
run_agent() {
	local sock=$tmp/run/agent.sock st names
	rm -rf "$tmp/run"
	SOFTHSM2_CONF=$tmp/softhsm2.conf "$dest/usr/sbin/tuf-agent" --config "$1" --socket "$sock" \
		>"$tmp/agent.log" 2>&1 &
	agent_pid=$!
	for _ in $(seq 1 100); do
		[ -S "$sock" ] && break
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.1
	done
	"$dest/usr/bin/tufctl" --socket "$sock" --json status >"$tmp/status.json" 2>&1
	names=$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["agent"], *[t["name"] for t in d["tokens"]])' "$tmp/status.json" 2>&1)
	kill -TERM "$agent_pid" 2>/dev/null
	wait "$agent_pid"
	st=$?
	agent_pid=
	if [ "$names" = "tuf-agent 0.1.0${3:+ $3}" ] && [ "$st" = 0 ]; then
		ok "$2"
	else
		bad "$2" "status: $names" "exit $st" "$(tail -n 15 "$tmp/agent.log")"
	fi
}
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$tmp" >"$tmp/softhsm2.conf"
mkdir -p "$tmp/tokens"
run_agent "$dest/etc/tuf-agent/tuf-agent.conf" \
	"the installed agent runs with the installed example configuration (no token)" ""
# Every "#key = value" and "#[section]" line of the example made a setting.
# socket-group names the group the packaged sysusers.d snippet makes, which
# this host may not have: the test's own group stands for it.
sed -e 's/^#\([a-z[]\)/\1/' -e "s/^socket-group = .*/socket-group = $(id -g)/" \
	"$dest/etc/tuf-agent/tuf-agent.conf" >"$tmp/all.conf"
run_agent "$tmp/all.conf" \
	"the example configuration with every setting uncommented loads (three tokens)" \
	"ci-hsm yubikey root-1"

# ---- the installed units verify ----------------------------------------------------
# ExecStart= names /usr/sbin/tuf-agent, which is in DESTDIR: verify copies
# with DESTDIR's paths (the installed files themselves are checked above).
if command -v systemd-analyze >/dev/null; then
	for scope in system user; do
		mkdir -p "$tmp/verify-$scope"
		for u in tuf-agent.socket tuf-agent.service; do
			sed "s|/usr/sbin/tuf-agent|$dest/usr/sbin/tuf-agent|" \
				"$dest/usr/lib/systemd/$scope/$u" >"$tmp/verify-$scope/$u"
		done
	done
	man_opt=--man=no
	command -v man >/dev/null && man_opt=--man=yes
	mkdir -p "$tmp/xdg"
	(cd "$tmp/verify-system" && MANPATH="$dest/usr/share/man" \
		systemd-analyze verify "$man_opt" ./tuf-agent.socket ./tuf-agent.service) >"$tmp/verify.log" 2>&1
	(cd "$tmp/verify-user" && MANPATH="$dest/usr/share/man" XDG_RUNTIME_DIR="$tmp/xdg" \
		systemd-analyze --user verify "$man_opt" ./tuf-agent.socket ./tuf-agent.service) >>"$tmp/verify.log" 2>&1
	if [ ! -s "$tmp/verify.log" ]; then
		ok "systemd-analyze verify: the installed units, Documentation= in the installed pages ($man_opt)"
	else
		bad "systemd-analyze verify: the installed units, Documentation= in the installed pages ($man_opt)" \
			"$(cat "$tmp/verify.log")"
	fi
else
	echo "SKIP: installed units verify (systemd-analyze is not installed)"
fi

# ---- man -l renders every page without a warning ------------------------------------
if command -v man >/dev/null && command -v groff >/dev/null; then
	for page in "$dest"/usr/share/man/man*/*; do
		name=${page##*/}
		MANWIDTH=80 man --warnings=all -l "$page" >"$tmp/page.txt" 2>"$tmp/page.err"
		st=$?
		groff -man -ww -z "$page" 2>>"$tmp/page.err"
		if [ "$st" = 0 ] && [ ! -s "$tmp/page.err" ] && grep -q '^NAME' "$tmp/page.txt" &&
			grep -q '^EXAMPLES' "$tmp/page.txt" && grep -q '^SEE ALSO' "$tmp/page.txt"; then
			ok "man -l $name renders without a warning (NAME, EXAMPLES, SEE ALSO)"
		else
			bad "man -l $name renders without a warning (NAME, EXAMPLES, SEE ALSO)" \
				"exit $st" "$(head -n 20 "$tmp/page.err")"
		fi
	done
else
	echo "SKIP: man pages render (man or groff is not installed: packages man-db, groff-base)"
fi

# Every key the agent's configuration parser knows is in tuf-agent.conf(5)
# and in the example; every tufctl command is in tufctl(1).
missing=
for k in $(sed -n 's/^\t\(\[[A-Z_]*\] = \)\?{ "\([a-z-]*\)", \(true\|false\), set_.*/\2/p' "$top/agent/config.c"); do
	grep -q "^\.BI $(printf '%s' "$k" | sed 's/-/\\\\-/g') " "$top/man/tuf-agent.conf.5" ||
		missing="$missing conf(5):$k"
	grep -q "^#$k = " "$top/etc/tuf-agent.conf" || missing="$missing example:$k"
done
check_eq "every configuration key is in tuf-agent.conf(5) and in the example" "${missing:-none}" none
missing=
{
	"$BUILD/tufctl" --help | sed -n 's/^  \(key\|notary\) \([a-z]*\).*/\1 \2/p; s/^  \([a-z]*\) .*/\1/p; s/^  \([a-z]*\)$/\1/p'
	"$BUILD/tufctl" notary --help | sed -n 's/^.*tufctl \(notary delegation [a-z]*\).*/\1/p'
} | grep . | sort -u >"$tmp/commands.txt"
while read -r c; do
	grep -q "^\.B $c\( \|\$\)" "$top/man/tufctl.1" || missing="$missing '$c'"
done <"$tmp/commands.txt"
for o in $("$BUILD/tufctl" notary --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$top/man/tufctl.1" || missing="$missing $o"
done
check_eq "every tufctl command ($(wc -l <"$tmp/commands.txt")) and notary option is in tufctl(1)" \
	"${missing:-none}" none

[ "$failures" -eq 0 ]
