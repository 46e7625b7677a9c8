#!/bin/sh
# tufctl ceremony transcript verify: transcripts written here with
# sha256sum (the chain rule of client/transcript.h, done independently of
# the C code), then verified as they are, against a root, and after each
# kind of mutation.  Exit 0 with one line on stdout; 1 with one line on
# stderr naming the first bad record; 2 for usage errors.  Builds nothing.
. "$(dirname "$0")/test_lib.sh"

tufctl=$BUILD/tufctl
if [ ! -x "$tufctl" ]; then
	echo "FAIL: ceremony-transcript ($tufctl is not built)"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ceremony-transcript.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

run() {
	"$tufctl" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}
# check NAME RC OUT ERR: after run, stdout and stderr are exactly OUT and
# ERR ("" for empty), the status RC.
check() {
	if [ "$rc" -eq "$2" ] && [ "$(cat "$tmp/out")" = "$3" ] && [ "$(cat "$tmp/err")" = "$4" ]; then
		ok "$1"
	else
		bad "$1" "status $rc (want $2)" "stdout: $(head -c 300 "$tmp/out")" \
			"stderr: $(head -c 300 "$tmp/err")"
	fi
}
# usage NAME ARGS...: exit 2, one line on stderr, nothing on stdout.
usage() {
	name=$1
	shift
	run "$@"
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
		ok "usage: $name"
	else
		bad "usage: $name" "status $rc, stderr: $(head -c 300 "$tmp/err")"
	fi
}

# rec SEQ STEP BEFORE AFTER: one record after $prev, appended to $file;
# BEFORE and AFTER are the step's keys that sort between "prev" and "seq"
# and between "seq" and "step", each with a trailing comma.
zeros=0000000000000000000000000000000000000000000000000000000000000000
prev=$zeros
rec() {
	line=$(printf '{"prev":"%s",%s"seq":%s,%s"step":"%s","time":"2026-12-07T00:0%s:00Z"}' \
		"$prev" "$3" "$1" "$4" "$2" "$1")
	printf '%s\n' "$line" >>"$file"
	prev=$(printf '%s' "$line" | sha256sum | cut -c1-64)
}

printf '{"signed":{"_type":"root"},"signatures":[]}' >"$tmp/root.json"
printf '{"signed":{"_type":"root"},"signatures":[] }' >"$tmp/other.json"
root_sha=$(sha256sum <"$tmp/root.json" | cut -c1-64)
file=$tmp/t.jsonl
rec 1 init '' '"signers":["alice","bob"],'
rec 2 sign '' '"signer":"alice",'
rec 3 import '' '"signer":"bob",'
rec 4 finish "\"root_sha256\":\"$root_sha\"," ''
t=$tmp/t.jsonl

run ceremony transcript verify "$t"
check "verify: an intact transcript" 0 "transcript: 4 records, chain intact, not sealed" ""
run ceremony transcript verify "$t" --root "$tmp/root.json"
check "verify --root: finish names the root, but no seal follows: refused" 1 "" \
	"tufctl: transcript $t: no seal record follows the finish record 4: its end is not protected"
run ceremony transcript verify --root "$tmp/other.json" "$t"
check "verify --root: another root is refused" 1 "" \
	"tufctl: transcript $t: record 4 (finish): root_sha256 is not the SHA-256 of '$tmp/other.json'"
head -n 3 "$t" >"$tmp/nofinish.jsonl"
run ceremony transcript verify "$tmp/nofinish.jsonl"
check "verify: a transcript cut at a record boundary still chains" 0 \
	"transcript: 3 records, chain intact, not sealed" ""
run ceremony transcript verify "$tmp/nofinish.jsonl" --root "$tmp/root.json"
check "verify --root: no finish record" 1 "" \
	"tufctl: transcript $tmp/nofinish.jsonl: no finish record names a root"

# mutant NAME FILE WANT: FILE is refused with exactly "tufctl: transcript FILE: WANT".
mutant() {
	run ceremony transcript verify "$2"
	check "refused: $1" 1 "" "tufctl: transcript $2: $3"
}
m=$tmp/m.jsonl
sed 2d "$t" >"$m"
mutant "record 2 deleted" "$m" \
	"record 2: seq 3 where 2 is due (a record before it was deleted, or records were moved)"
{ sed -n 1p "$t"; sed -n 3p "$t"; sed -n 2p "$t"; sed -n 4p "$t"; } >"$m"
mutant "records 2 and 3 swapped" "$m" \
	"record 2: seq 3 where 2 is due (a record before it was deleted, or records were moved)"
sed -n '1p;2p;2p;3p;4p' "$t" >"$m"
mutant "record 2 repeated" "$m" \
	"record 3: seq 2 where 3 is due (a record was inserted, repeated or moved)"
sed '2s/alice/alicf/' "$t" >"$m"
mutant "record 2 edited" "$m" \
	"record 3: prev is not the SHA-256 of record 2 (record 2 was edited, or records were deleted, inserted or moved)"
sed '2s/{"prev"/{ "prev"/' "$t" >"$m"
mutant "record 2 reformatted" "$m" \
	"record 2: not in the writer's form (compact JSON, sorted keys): edited"
head -c -1 "$t" >"$m"
mutant "final newline missing" "$m" \
	"record 4: no newline at the end (cut short, or bytes after the last record)"
head -c 200 "$t" >"$m"
mutant "cut inside record 2" "$m" \
	"record 2: no newline at the end (cut short, or bytes after the last record)"
{ cat "$t"; printf 'garbage\n'; } >"$m"
mutant "a trailing line" "$m" \
	"record 5: not JSON: '[' or '{' expected near 'garbage' (column 7)"
{ cat "$t"; printf '\n'; } >"$m"
mutant "a trailing empty line" "$m" "record 5: an empty line"
sed '2s/alice/al\xffce/' "$t" >"$m"
mutant "invalid UTF-8" "$m" "record 2: invalid UTF-8 at byte 96"
{ cat "$t"; head -c 70000 /dev/zero | tr '\0' a; printf '\n'; } >"$m"
mutant "a line over 64 KiB" "$m" "record 5: a line over 65536 bytes"
: >"$m"
mutant "an empty file" "$m" "record 1: missing (the transcript is empty)"

run ceremony transcript verify "$tmp/absent.jsonl"
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
	ok "verify: a missing file, one line, exit 1"
else
	bad "verify: a missing file, one line, exit 1" "status $rc"
fi
run ceremony transcript verify "$t" --root "$tmp/absent.json"
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
	ok "verify --root: a missing root, one line, exit 1"
else
	bad "verify --root: a missing root, one line, exit 1" "status $rc"
fi

usage "ceremony alone" ceremony
usage "unknown ceremony command" ceremony launch
usage "transcript without verify" ceremony transcript
usage "unknown transcript command" ceremony transcript sign "$t"
usage "verify without FILE" ceremony transcript verify
usage "verify with two FILEs" ceremony transcript verify "$t" "$t"
usage "verify --root without a value" ceremony transcript verify "$t" --root
usage "verify with an unknown option" ceremony transcript verify --bogus "$t"
run ceremony --help
if [ "$rc" -eq 0 ] && grep -q 'ceremony transcript verify FILE \[--root ROOT\]' "$tmp/out"; then
	ok "ceremony --help"
else
	bad "ceremony --help" "status $rc"
fi
[ "$failures" -eq 0 ]
