#!/bin/sh
# tufctl repo verify (and tufctl verify --profile tuf) over TUF 1.0
# repositories written by tests/tools/tuf-repo-tool: exit codes (0 verifies,
# 1 refused with one line naming the file and the reason, 2 usage), trust
# on first use, --root, --at, --verbose, --json, and that no message of
# this offline command talks about tokens or the agent.
#
# Prints one "PASS: name" / "FAIL: name (why)" per case.  Builds nothing.
set -u

BUILD=${BUILD:-build}
tufctl=$BUILD/tufctl
tool=$BUILD/tests/tools/tuf-repo-tool
py=/usr/bin/python3

for x in "$tufctl" "$tool"; do
	if [ ! -x "$x" ]; then
		echo "FAIL: tuf-verify ($x is not built)"
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tuf-verify.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ($2)"; }

# run ARGS...: tufctl with stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	"$tufctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out" "$tmp/err" >>"$tmp/all"
}

# expect NAME RC [GREP_STDOUT] [GREP_STDERR]
expect() {
	name=$1 want=$2
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -c 300 "$tmp/err")"
		return
	fi
	if [ -n "${3:-}" ] && ! grep -q -e "$3" "$tmp/out"; then
		fail "$name" "stdout lacks '$3': $(head -c 300 "$tmp/out")"
		return
	fi
	if [ -n "${4:-}" ] && ! grep -q -e "$4" "$tmp/err"; then
		fail "$name" "stderr lacks '$4': $(head -c 300 "$tmp/err")"
		return
	fi
	pass "$name"
}

r=$tmp/repo
"$tool" "$r" consistent delegations roots=3 || { fail "tuf-repo-tool" "exit $?"; exit 1; }

run repo verify "$r"
expect "verifies, trust on first use" 0 'trust on first use' ''
grep -q '^root v3 ok (2 of threshold 2: ' "$tmp/out" && pass "root v3 line" || fail "root v3 line" "$(cat "$tmp/out")"
grep -q "^$r: verified at .*: root v3, 10 role files, 6 targets, 6 target files checked" "$tmp/out" &&
	pass "final line" || fail "final line" "$(tail -n 1 "$tmp/out")"
grep -q '^proj-nightly v1 ok (1 of threshold 1: [0-9a-f]\{8\}) delegated by proj, 1 target$' "$tmp/out" &&
	pass "delegated role line" || fail "delegated role line" "$(cat "$tmp/out")"

run repo verify "$r" --root "$r/2.root.json"
expect "--root pins a root" 0 '^root v3 ok' ''
grep -q 'trust on first use' "$tmp/out" && fail "--root: no trust on first use" "said so" ||
	pass "--root: no trust on first use"

run repo verify "$r" --at 2020-01-01T00:00:00Z
expect "--at in the past" 0 'verified at 2020-01-01T00:00:00Z' ''
run repo verify "$r" --at @4102444800
expect "--at far ahead: the final root has expired" 1 '' "$r/3.root.json: root v3 expired at"
now=$(date +%s)
run repo verify "$r" --at @$((now + 40 * 86400))
expect "--at after the timestamp expires: a freeze" 1 '' "$r/timestamp.json: timestamp v1 expired at"

run repo verify
expect "no DIR: usage" 2 '' ''
run repo verify "$r" --at tomorrow
expect "bad --at: usage" 2 '' '--at takes'
run repo verify "$r" --at 2030-01-01T00:00:00.5Z
expect "--at takes only the canonical form" 2 '' ''
run repo verify "$r" --frobnicate
expect "unknown option: usage" 2 '' ''
run repo verify "$r" "$r"
expect "two DIRs: usage" 2 '' ''
run repo verify --help
expect "--help" 0 'trust on first use' ''

run --json repo verify "$r"
if [ "$rc" -eq 0 ] && [ -x "$py" ] && "$py" -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["ok"] is True and o["trust_on_first_use"] is True and o["root_version"] == 3, o
assert [x["role"] for x in o["roles"]][:6] == ["root", "root", "root", "timestamp", "snapshot", "targets"]
assert o["roles"][2]["threshold"] == 2 and len(o["roles"][2]["valid"]) == 2
assert o["target_files"] == 6 and "error" not in o
' "$tmp/out"; then pass "--json"; else fail "--json" "exit $rc: $(head -c 300 "$tmp/out")"; fi
run repo verify --json "$r" --at @4102444800
if [ "$rc" -eq 1 ] && [ -x "$py" ] && "$py" -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["ok"] is False and o["error"]["file"] == "3.root.json" and o["error"]["code"] == "TA_ERR_EXPIRED", o
' "$tmp/out"; then pass "--json failure"; else fail "--json failure" "exit $rc: $(head -c 300 "$tmp/out")"; fi

# Tampering: each on a fresh copy $t of $r, refused with the file named.
t=$tmp/t
fresh() { rm -rf "$t"; cp -r "$r" "$t"; }
# refused NAME WANT: repo verify of $t fails, and stderr matches WANT.
refused() { run repo verify "$t"; expect "$1" 1 '' "$2"; }
fresh
f=$(cd "$t" && ls targets/proj/*.x.tgz)
printf 'X' >>"$t/$f"
refused "a target file changed" "$t/$f: target \"proj/x.tgz\" (listed by 1.proj.json)"
fresh
rm "$t/$f"
refused "a target file missing" "$t/$f: .*missing"
fresh
sed 's/"version":1/"version":2/' "$r/1.proj.json" >"$t/1.proj.json"
refused "a role file changed" "$t/1.proj.json: length or hashes differ from what 1.snapshot.json lists"
fresh
rm "$t/timestamp.json"
refused "timestamp.json missing" "$t/timestamp.json: missing"
fresh
cp "$r/3.root.json" "$t/2.root.json"
refused "a root version skipped" "$t/2.root.json: root version 3 cannot follow version 1"
fresh
sed 's/"expires":"\([0-9-]*\)T/"expires":"\1 /' "$r/timestamp.json" >"$t/timestamp.json"
refused "an unreadable file" "$t/timestamp.json: not TUF timestamp metadata"

# Hash bins, without consistent snapshots.
b=$tmp/bins
"$tool" "$b" bins || fail "tuf-repo-tool bins" "exit $?"
run repo verify "$b"
expect "hash bins" 0 '^bins-3 v1 ok (1 of threshold 1: [0-9a-f]*) delegated by targets$' ''
[ -f "$b/targets/b/file1" ] && pass "plain target names" || fail "plain target names" "missing"

# expires with a fraction: read, and said so in --verbose.
o=$tmp/odd
"$tool" "$o" oddexpires || fail "tuf-repo-tool oddexpires" "exit $?"
run repo verify "$o" --verbose
expect "non-canonical expires read, and reported" 0 'expires .*\.500Z (non-canonical' ''

# tufctl verify --profile tuf: a rotation, with the same tolerant rules.
run verify --profile tuf --root "$r/1.root.json" "$r/2.root.json"
expect "verify --profile tuf: a rotation" 0 'root: verified: 2 of threshold 2' ''
run verify --profile tuf --root "$r/2.root.json" "$r/3.root.json"
expect "verify --profile tuf: the old key's signature does not count for the new root" 0 \
	': unknown key ID$' ''
run verify --profile tuf --root "$r/1.root.json" "$r/3.root.json"
expect "verify --profile tuf: a skipped version" 1 '' 'cannot follow version 1'
run verify --help
expect "verify --help documents the tuf profile" 0 'A root FILE is a rotation' ''

if grep -qi -e token -e agent "$tmp/all"; then
	fail "offline messages never mention tokens or the agent" "$(grep -i -e token -e agent "$tmp/all" | head -n 3)"
else
	pass "offline messages never mention tokens or the agent"
fi
