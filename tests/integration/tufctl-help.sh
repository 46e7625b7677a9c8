#!/bin/bash
# tufctl's help, walked from the top: the commands are the first words of
# the lines under "commands:" in 'tufctl --help' (and must be exactly what
# 'tufctl --list-commands' names); each group names its subcommands with
# --list-commands (a leaf command prints none).  Every command and
# subcommand answers --help and -h with exit 0, its usage on stdout, nothing
# on stderr; every option it takes (--list-options: its option table) is
# named in that help.  Every "see 'tufctl X --help'" pointer names a command
# that answers --help: the ones in the sources, and the ones usage errors
# print.  No agent, no server.
. "$(dirname "$0")/test_lib.sh"

T=$BUILD/tufctl
[ -x "$T" ] || { echo "SKIP: tufctl-help ($T is not built)"; exit 0; }
tmp=$(mktemp -d /tmp/ta-help-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TUF_AGENT_SOCK=$tmp/no-agent.sock

# ---- the commands, from tufctl --help ------------------------------------------
"$T" --help >"$tmp/top" 2>"$tmp/top.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/top" ] && [ ! -s "$tmp/top.err" ]; then
	ok "tufctl --help: exit 0, stdout"
else
	bad "tufctl --help: exit 0, stdout" "rc=$rc" "$(cat "$tmp/top.err")"
fi
top_cmds=$(sed -n '/^commands:/,$p' "$tmp/top" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | awk '!s[$0]++')
listed=$("$T" --list-commands)
if [ "$(sort <<<"$top_cmds")" = "$(sort <<<"$listed")" ] && [ -n "$listed" ]; then
	ok "tufctl --help names every command of the table ($(echo $listed))"
else
	bad "tufctl --help names every command of the table" "help: $(echo $top_cmds)" "table: $(echo $listed)"
fi

# ---- walk -----------------------------------------------------------------------
leaves=()
groups=()
walk() { # PATH...
	local subs s
	subs=$("$T" "$@" --list-commands 2>"$tmp/walk.err")
	if [ $? -ne 0 ]; then
		bad "tufctl $* --list-commands: exit 0" "$(cat "$tmp/walk.err")"
		return
	fi
	if [ -z "$subs" ]; then
		leaves+=("$*")
		return
	fi
	groups+=("$*")
	for s in $subs; do walk "$@" "$s"; done
}
for c in $top_cmds; do walk $c; done
if [ ${#leaves[@]} -ge 35 ]; then
	ok "walked ${#groups[@]} groups and ${#leaves[@]} commands"
else
	bad "walked only ${#leaves[@]} commands" "${leaves[@]}"
fi

# help_ok PATH: --help and -h, exit 0, the same non-empty stdout, no stderr.
help_ok() {
	local rc1 rc2
	# shellcheck disable=SC2086
	"$T" $1 --help >"$tmp/h1" 2>"$tmp/e1"
	rc1=$?
	# shellcheck disable=SC2086
	"$T" $1 -h >"$tmp/h2" 2>"$tmp/e2"
	rc2=$?
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ -s "$tmp/h1" ] && [ ! -s "$tmp/e1" ] &&
		[ ! -s "$tmp/e2" ] && cmp -s "$tmp/h1" "$tmp/h2"; then
		return 0
	fi
	bad "tufctl $1 --help / -h: exit 0, usage on stdout" "rc $rc1 / $rc2" \
		"$(head -c 300 "$tmp/e1")" "$(head -c 300 "$tmp/e2")"
	return 1
}

for g in "${groups[@]}"; do
	help_ok "$g" && ok "tufctl $g --help and -h (a group)"
done

for c in "${leaves[@]}"; do
	help_ok "$c" || continue
	# shellcheck disable=SC2086
	if ! "$T" $c --list-options >"$tmp/opts" 2>"$tmp/e3" || [ ! -s "$tmp/opts" ]; then
		bad "tufctl $c --list-options" "$(cat "$tmp/e3")"
		continue
	fi
	missing=
	while read -r names; do
		found=
		for n in $names; do
			if grep -qE -- "(^|[^A-Za-z0-9-])$n([^A-Za-z0-9-]|$)" "$tmp/h1"; then
				found=1
			fi
		done
		[ -n "$found" ] || missing="$missing $names"
	done <"$tmp/opts"
	if [ -z "$missing" ]; then
		ok "tufctl $c --help names its $(wc -l <"$tmp/opts") options"
	else
		bad "tufctl $c --help names every option it takes" "missing:$missing"
	fi
done

# ---- pointers -----------------------------------------------------------------------
# In the sources: tufctl_usage("X", ...) and "see 'tufctl X --help'" / "tufctl X --help".
pointers=$(grep -ohE 'tufctl_usage\("[a-z -]+"' "$top"/client/*.c | sed 's/.*("\(.*\)"/\1/'
	grep -ohE "tufctl [a-z][a-z -]* --help" "$top"/client/*.c | sed 's/^tufctl \(.*\) --help$/\1/')
# From usage errors: an unknown option given to every command.
for c in "${leaves[@]}"; do
	# shellcheck disable=SC2086
	"$T" $c --no-such-option >/dev/null 2>"$tmp/e4"
	rc=$?
	hint=$(sed -n "s/.*see 'tufctl \(.*\) --help'.*/\1/p" "$tmp/e4")
	if [ $rc -ne 2 ] || [ -z "$hint" ]; then
		bad "tufctl $c --no-such-option: exit 2 with a pointer to help" "rc=$rc" "$(cat "$tmp/e4")"
		continue
	fi
	pointers="$pointers
$hint"
done
pointers=$(sort -u <<<"$pointers" | sed '/^$/d')
nbad=0
while read -r p; do
	# shellcheck disable=SC2086
	if ! "$T" $p --help >/dev/null 2>&1; then
		bad "the pointer 'tufctl $p --help' names a command that answers --help"
		nbad=$((nbad + 1))
	fi
done <<<"$pointers"
[ $nbad -eq 0 ] && ok "every pointer names a real command ($(wc -l <<<"$pointers") checked)"

# A few by hand: what issue #15 named.
"$T" notary delegation --help >"$tmp/out" 2>&1 && grep -q "delegation add" "$tmp/out" &&
	ok "tufctl notary delegation --help: exit 0" || bad "tufctl notary delegation --help: exit 0" "$(cat "$tmp/out")"
"$T" notary add g/x >/dev/null 2>"$tmp/err"
grep -q "see 'tufctl notary add --help'" "$tmp/err" &&
	ok "notary add's usage error points at tufctl notary add --help" ||
	bad "notary add's usage error points at tufctl notary add --help" "$(cat "$tmp/err")"
"$T" notary delegation add g/x targets/a >/dev/null 2>"$tmp/err"
grep -q "see 'tufctl notary delegation add --help'" "$tmp/err" &&
	ok "delegation add's usage error points at tufctl notary delegation add --help" ||
	bad "delegation add's usage error points at tufctl notary delegation add --help" "$(cat "$tmp/err")"
"$T" notary rotate g/x root --root-threshold 0 >/dev/null 2>"$tmp/err"
grep -q "see 'tufctl notary rotate --help'" "$tmp/err" &&
	ok "rotate's usage error points at tufctl notary rotate --help" ||
	bad "rotate's usage error points at tufctl notary rotate --help" "$(cat "$tmp/err")"

[ $failures -eq 0 ]
