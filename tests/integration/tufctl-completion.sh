#!/bin/bash
# etc/bash-completion/tufctl: sourced in bash, _tufctl called with
# COMP_WORDS/COMP_CWORD as bash would; what it offers comes from tufctl's
# own tables (--list-commands, --list-options).  No agent, no server.
. "$(dirname "$0")/test_lib.sh"

T=$BUILD/tufctl
[ -x "$T" ] || { echo "SKIP: tufctl-completion ($T is not built)"; exit 0; }
COMP=$top/etc/bash-completion/tufctl
tmp=$(mktemp -d /tmp/ta-comp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/root.json" "$tmp/rooty.txt"

# complete WORD...: what _tufctl offers for the last word (sorted, one line).
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tufctl
printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$COMP" "$T" "$@" 2>&1 | sed 's/ $//'
}
expect() { # NAME WANT WORD...
	local name=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name" "got '$got'" "want '$want'"; fi
}

expect "top level: every command" "$("$T" --list-commands | sort | tr '\n' ' ' | sed 's/ $//')" ""
expect "a prefix of a command" "notary" "no"
expect "a global option after another" "--json" --socket /x --j
expect "global options" "--socket" --s
expect "after global options, the commands still" "key" --json --socket /x k
expect "notary's subcommands from ro" "root rotate" notary ro
expect "notary delegation's subcommands" "add remove" notary delegation ""
expect "ceremony transcript's" "verify" ceremony transcript v
expect "an option of notary rotate" "--root-cert-id --root-threshold" notary rotate --root-
expect "sign's options: -o's long form too" "--output" sign --out
expect "key generate --type values" "ed25519" key generate --type ed
expect "--profile values" "notary tuf" verify --profile ""
expect "an option of a command after its arguments" "--digest" notary add g/x v1 --dig
expect "files for an argument" "$tmp/root.json $tmp/rooty.txt" canonical --profile tuf "$tmp/roo"
expect "a command takes no subcommand: files, not names" "" status zz
expect "an unknown command completes nothing" "" bogus --x

[ $failures -eq 0 ]
