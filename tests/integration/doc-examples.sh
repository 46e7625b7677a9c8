#!/bin/bash
# Every example of README.md and the man pages runs as written (issue #15).
#
# tests/integration/doc_examples.py takes out every block: README.md's
# 4-space indented blocks, and the .nf/.fi blocks of man/tufctl.1,
# man/tuf-agent.8 and man/tuf-agent.conf.5.  Each block is one of:
#  - excluded: listed in EXCLUDE below, with the reason;
#  - parsed: a configuration (it starts with [agent], [token or [allow), or
#    the lines a man page shows after `cat FILE`: `tuf-agent --check-config`
#    loads it as written;
#  - run: anything else.  The blocks of a section (a README heading, a man
#    page's .SH/.SS) run in order as one bash script (-e -o pipefail) in a
#    sandbox of their own: fresh SoftHSM2 tokens, the agent on a temporary
#    socket (TUF_AGENT_SOCK) running the section's configuration (after the
#    substitutions below) or else one with the tokens officer-a, officer-b
#    and online, a notary-server of its own when the section names one, and
#    build/ first on PATH.  In a man page, lines after "$ " or "# " are
#    commands and other lines are their output or prose; in README.md every
#    line is.  Commands that would change the host or need systemd (sudo,
#    systemctl, usermod, systemd-sysusers, systemd-tmpfiles, systemd-creds,
#    make install, and make demo|check, which install packages and run this
#    very test) are recorded "not run here" with the reason.
# A block that is not listed is parsed or run, so a new example is tested
# from the day it is written, and one that fails, fails the test; an
# EXCLUDE or RUNAS line that matches no block fails too.
#
# The substitutions, the only ones:
#  - in commands: https://notary.example.com and https://registry.example.com
#    become the section's notary-server; /srv/ and /tmp/ceremony become
#    directories of the sandbox; `tufctl ceremony sign` and `sign-request`
#    get "yes" on standard input (what the signer types); after
#    `tuf-agent ... --socket S ... &` the script waits for S (what a person
#    waits for on the terminal);
#  - in a configuration the section's agent runs (a parsed block is parsed
#    as written): module = ANY becomes SoftHSM2 and a token's uri becomes
#    pkcs11:token=NAME (each [token "NAME"] is a SoftHSM2 token of that label);
#    pin = file:/run/credentials/... becomes the sandbox's PIN file;
#    audit = /var/log/... a file of the sandbox; group = ci becomes
#    gid = 65534, the CI principal's group (below);
#  - the environment: HOME, the trust directory, TUF_AGENT_SOCK, SOFTHSM2_CONF
#    and the agent's STATE_DIRECTORY are the sandbox's; the agent has a
#    DISPLAY, and `pinentry` on its PATH (and TUFCTL_PINENTRY, tufctl's) is
#    one that answers the tokens' PIN; REGISTRY_TOKEN is set.
# Blocks listed in RUNAS run as the CI principal (uid and gid 65534, through
# setpriv): the build server's CI job, so that its rule (max-expiry = 90d)
# holds it.  What a section takes as given (keys the text says exist, the
# files an example reads) is made first by `givens`, said there.
. "$(dirname "$0")/dct_lib.sh"
dct_needs_setpriv
CI=65534

# FILE <TAB> first line of the block (its start) <TAB> why it is not run or parsed
cat >"$tmp/exclude.tsv" <<'EOF'
README.md	agent/     tuf-agent: libuv loop	the source tree's layout, not a command
man/tuf-agent.8	polkit.addRule(function(action, subject) {	a polkit rule (JavaScript), for pcscd on a host with polkit
man/tuf-agent.8	# systemctl edit tuf-agent.service	a systemd drop-in: systemd only (tests/integration/systemd-units.sh checks the units)
EOF
# FILE <TAB> first line of a block the CI job runs
cat >"$tmp/runas.tsv" <<'EOF'
README.md	export TUFCTL_SERVER=https://registry.example.com
man/tufctl.1	$ export TUFCTL_SERVER=https://registry.example.com
man/tufctl.1	$ tufctl sign --profile notary --role targets
EOF

out=$tmp/doc
mkdir -p "$out"
if ! "$PY" "$here/doc_examples.py" "$top" "$out" "$tmp/exclude.tsv" "$tmp/runas.tsv"; then
	bad "the examples are taken out of README.md and the man pages"
	exit 1
fi
while IFS=$'\t' read -r what f start; do
	bad "$what list: no block of $f starts with '$start'"
done <"$out/stale.tsv"

while IFS=$'\t' read -r id n kind what; do
	[ "$kind" = unknown ] && bad "$id: a block neither run, parsed nor listed ($what)"
done <"$out/blocks.tsv"

# ---- parsed: every configuration loads as written
while IFS=$'\t' read -r id n kind what; do
	[ "$kind" = parse ] || continue
	if "$BUILD/tuf-agent" --check-config "$what" >"$tmp/cc.log" 2>&1; then
		ok "parsed: $id loads (tuf-agent --check-config)"
	else
		bad "parsed: $id loads (tuf-agent --check-config)" "$(cat "$tmp/cc.log")"
	fi
done <"$out/blocks.tsv"

# ---- run
cat >"$tmp/pinentry" <<EOF
#!/bin/sh
echo "OK ready"
while read -r cmd rest; do
	case \$cmd in
	GETPIN) printf 'D %s\n' "$PIN"; echo OK ;;
	BYE) exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
chmod 755 "$tmp/pinentry"
chmod 0711 "$tmp"

# The functions a section's script runs with.
cat >"$tmp/prelude.sh" <<'EOF'
set -e -o pipefail
doc_at() { __at="$1: $2"; }
trap 'echo "doc-examples: failed at $__at" >&2' ERR
doc_done() { echo "@@done $1"; }
doc_wait_socket() {
	for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
doc_as_ci() {
	setpriv --reuid="$DOC_CI" --regid="$DOC_CI" --clear-groups \
		env HOME="$DOC_ROOT/ci" XDG_DATA_HOME="$DOC_ROOT/ci/.local/share" \
		bash -c '. "$DOC_PRELUDE"; . "$1"' doc "$1"
}
EOF

# conf_subst IN OUT SANDBOX: the substitutions of a configuration the agent runs.
conf_subst() {
	awk -v mod="$SOFTHSM" -v sb="$3" '
	/^\[token "/ { name = $0; sub(/^\[token "/, "", name); sub(/".*/, "", name) }
	/^\[/ && !/^\[token "/ { name = "" }
	/^module *=/ { print "module = " mod; next }
	/^uri *=/ && name != "" { print "uri = pkcs11:token=" name; next }
	/^pin *= *file:\/run\/credentials\// { print "pin = file:" sb "/pin"; next }
	/^audit *= *\/var\/log\// { print "audit = " sb "/audit.log"; next }
	/^group *= *ci( |;|$)/ { print "gid = 65534"; next }
	{ print }' "$1" >"$2"
}

# conf_tokens CONF: the labels of its [token] sections.
conf_tokens() {
	sed -n 's/^\[token "\([^"]*\)"\].*/\1/p' "$1"
}

# sec_key LABEL [TOKEN] [ARGS...]: a key made as root through the section's agent.
sec_key() {
	local l=$1 t=${2:-}
	shift 2 2>/dev/null || shift
	"$TUFCTL" --socket "$sb/run/agent.sock" key generate --label "$l" \
		${t:+--token "$t"} "$@" >/dev/null
}

# sec_pem LABEL FILE: the key's public key (PEM), as an offline signer sends it.
sec_pem() {
	"$TUFCTL" --socket "$sb/run/agent.sock" --json key show --label "$1" --profile tuf |
		jget - 'd["key"]["keyval"]["public"]' >"$2"
}

# givens SECTION: what the section takes as given, made before it runs.
givens() {
	local w=$sb/work d
	case $1 in
	'README.md#A build server')
		# The CI job's list of tags (TAG sha256:HEX SIZE lines).
		d=$(printf 'v1.4.3' | sha256sum | cut -d' ' -f1)
		printf 'v1.4.3 sha256:%s 6\nlatest sha256:%s 6\n' "$d" "$d" >"$w/tags.txt"
		;;
	'README.md#A TUF 1.0 repository')
		# Two releases, and a list naming the older one.
		printf 'app 1.4.2\n' >"$w/app-1.4.2.tar.gz"
		printf 'app 1.4.1\n' >"$w/app-1.4.1.tar.gz"
		printf 'releases/app-1.4.1.tar.gz 10 %s\n' \
			"$(sha256sum <"$w/app-1.4.1.tar.gz" | cut -d' ' -f1)" >"$w/index.txt"
		;;
	'README.md#A ceremony on paper' | 'man/tufctl.1#EXAMPLES / A root key ceremony')
		# The signers present hold their root keys; the online keys exist;
		# signers away sent their public keys.
		sec_key root-alice officer-a && sec_key root-bob officer-b &&
			sec_key targets online && sec_key snapshot online &&
			sec_key timestamp online || return 1
		if [ "$1" = 'README.md#A ceremony on paper' ]; then
			for k in carol dan erin; do
				openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
					openssl pkey -pubout -out "$w/$k.pem" || return 1
			done
		else
			sec_key root-carol online && sec_pem root-carol "$w/carol.pem" || return 1
		fi
		mkdir -p "$sb/srv"
		;;
	'man/tufctl.1#EXAMPLES / A build server')
		# The GUN exists, as README's build server made it (its keys scoped,
		# published by root), and the CI job has a targets file to sign.
		local g=registry.example.com/team/app T=("$TUFCTL" --socket "$sb/run/agent.sock")
		sec_key root-team ci-hsm --gun "$g" --role root &&
			sec_key targets-team ci-hsm --gun "$g" --role targets &&
			"${T[@]}" notary init "$g" --server "$NT_URL" --root-key root-team \
				--targets-key targets-team >/dev/null &&
			"${T[@]}" notary publish "$g" --server "$NT_URL" --expiry 90 >/dev/null || return 1
		cp "$(find "$sb/home" -path "*/$g/metadata/targets.json")" "$w/targets.json" &&
			chmod 666 "$w/targets.json"
		;;
	'man/tufctl.1#EXAMPLES / A developer'"'"'s laptop')
		# The YubiKey's PIV slots 9c and 9a, as ykcs11 names their keys
		# (the example's module; tests/integration/piv-*.sh run them on a
		# virtual card).
		sec_key "Private key for Digital Signature" yubikey &&
			sec_key "Private key for PIV Authentication" yubikey
		;;
	'man/tuf-agent.8#EXAMPLES / A root key ceremony')
		# ceremony.conf: tuf-agent.conf(5)'s ceremony example.
		conf_subst "$(conf_of 'man/tuf-agent.conf.5#EXAMPLES / A root key ceremony')" \
			"$w/ceremony.conf" "$sb" &&
			for t in $(conf_tokens "$w/ceremony.conf"); do make_token "$t" || return 1; done
		;;
	'man/tuf-agent.conf.5#KEY SCOPES')
		# A key made before scopes.
		sec_key targets-team officer-a
		;;
	esac
}

# conf_of SECTION: the section's (last) configuration block.
conf_of() {
	local n
	n=$(awk -F'\t' -v s="$1" '$2 == s { print $1 }' "$out/sections.tsv")
	awk -F'\t' -v n="$n" '$2 == n && $3 == "parse" { f = $4 } END { print f }' "$out/blocks.tsv"
}

# The sections whose agent runs another section's configuration.
conf_for() {
	case $1 in
	'man/tufctl.1#EXAMPLES / A build server') conf_of 'man/tuf-agent.conf.5#EXAMPLES / A build server' ;;
	'man/tufctl.1#EXAMPLES / A developer'"'"'s laptop') conf_of 'man/tuf-agent.conf.5#EXAMPLES / A developer'"'"'s laptop' ;;
	*) conf_of "$1" ;;
	esac
}

started=$(date +%s)
while IFS=$'\t' read -r n sec; do
	grep -qP "^[^\t]+\t$n\t(run|run-ci)\t" "$out/blocks.tsv" || continue
	sb=$tmp/s$n
	mkdir -p "$sb/home" "$sb/ci" "$sb/work" "$sb/tokens" "$sb/bin"
	chmod 0711 "$sb"
	chmod 0777 "$sb/work"
	chown "$CI:$CI" "$sb/ci"
	cp "$tmp/pinentry" "$sb/bin/pinentry"
	cp "$tmp/pin" "$sb/pin"
	export SOFTHSM2_CONF=$sb/softhsm2.conf
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
		"$sb" >"$SOFTHSM2_CONF"
	conf=$(conf_for "$sec")
	if [ -n "$conf" ]; then
		conf_subst "$conf" "$sb/agent.conf" "$sb"
	else
		for t in officer-a officer-b online; do
			token_block "$t" "$SOFTHSM" "file:$sb/pin"
		done >"$sb/agent.conf"
	fi
	for t in $(conf_tokens "$sb/agent.conf"); do
		make_token "$t" || skip_all "softhsm2-util cannot make a token"
	done
	SOCK=$sb/run/agent.sock LOG=$sb/agent.log
	# The desktop session: a display, and a pinentry on PATH that answers the PIN.
	if ! agent_start "$sb/agent.conf" STATE_DIRECTORY="$sb/state" DISPLAY=:doc \
		PATH="$sb/bin:$PATH"; then
		bad "$sec: the agent starts on its configuration" "$(tail -n 5 "$LOG")"
		continue
	fi
	chgrp "$CI" "$sb/run" "$SOCK"
	# A notary-server of its own for a section that names one.
	if grep -q 'DOC_SERVER' "$out/s$n.sh" $(sed -n 's/^doc_as_ci //p' "$out/s$n.sh") ||
		[ "$sec" = 'man/tufctl.1#EXAMPLES / A build server' ]; then
		[ -n "$NT_PID" ] && nt__kill_wait "$NT_PID"
		nt_server_start >/dev/null || { bad "$sec: notary-server starts"; continue; }
	fi
	export HOME=$sb/home XDG_DATA_HOME=$sb/home/.local/share
	unset XDG_RUNTIME_DIR XDG_CONFIG_HOME
	if ! givens "$sec" >"$sb/givens.log" 2>&1; then
		bad "$sec: what it takes as given is made" "$(tail -n 5 "$sb/givens.log")"
		agent_stop
		continue
	fi
	t0=$(date +%s)
	(cd "$sb/work" && env PATH="$BUILD:$sb/bin:$PATH" TUF_AGENT_SOCK="$SOCK" \
		DOC_ROOT="$sb" DOC_SERVER="$NT_URL" DOC_CI=$CI DOC_PRELUDE="$tmp/prelude.sh" \
		TUFCTL_PINENTRY=pinentry REGISTRY_TOKEN=ci-registry-token \
		bash -c '. "$DOC_PRELUDE"; . "$1"; for p in $(jobs -p); do kill $p; wait $p || :; done' \
		doc "$out/s$n.sh") </dev/null >"$sb/run.log" 2>&1
	rc=$?
	while IFS=$'\t' read -r id bn kind what; do
		[ "$bn" = "$n" ] || continue
		case $kind in run | run-ci) ;; *) continue ;; esac
		if grep -qxF "@@done $id" "$sb/run.log"; then
			ok "run: $id ($sec)"
		else
			bad "run: $id ($sec)" "$(grep -v '^@@done' "$sb/run.log" | tail -n 12)"
		fi
	done <"$out/blocks.tsv"
	# The CI job signed under its rule, not as root.
	if grep -qP "^[^\t]+\t$n\trun-ci\t" "$out/blocks.tsv" && [ $rc -eq 0 ]; then
		check "$sec: the CI job's signatures were allowed by rule 'ci' (uid $CI)" \
			grep -qs "\"method\":\"sign\".*\"result\":\"ok\".*\"rule\":\"ci\".*\"uid\":$CI" \
			"$sb/audit.log" "$LOG"
	fi
	[ $rc -eq 0 ] || grep -q '^doc-examples: failed' "$sb/run.log" ||
		bad "$sec: its script exits 0 (status $rc)" "$(tail -n 5 "$sb/run.log")"
	echo "   ($sec: $(($(date +%s) - t0)) s)"
	agent_stop >/dev/null
done <"$out/sections.tsv"

# ---- the record: what was run, parsed, excluded, and not run here
r=$(grep -cP '\t(run|run-ci)\t' "$out/blocks.tsv")
p=$(grep -cP '\tparse\t' "$out/blocks.tsv")
e=$(grep -cP '\texcluded\t' "$out/blocks.tsv")
x=$(grep -cP '\tnotrun\t' "$out/blocks.tsv")
echo "blocks: $r run, $p parsed, $e excluded, $x with no command run here ($(($(date +%s) - started)) s)"
awk -F'\t' '$3 == "excluded" { print "   excluded: " $1 ": " $4 }' "$out/blocks.tsv"
awk -F'\t' '{ print "   not run here: " $1 ": " $2 " (" $3 ")" }' "$out/notrun.tsv"
finish
