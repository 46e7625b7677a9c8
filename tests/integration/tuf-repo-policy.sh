#!/bin/bash
# tufctl repo under the agent's policy: a timer's uid (65534 through
# setpriv) allowed to sign only snapshot and timestamp, with the online
# keys only, for one repository, refreshes it; asking for targets is
# refused by the agent, the error names the rule, and DIR stays as it was.
. "$(dirname "$0")/tuf_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (setpriv to another uid)"
command -v setpriv >/dev/null || skip_all "setpriv is not installed"
TIMER=65534
R=$tmp/repo
make_token repo || skip_all "softhsm2-util cannot make a token"
{
	agent_block
	token_block repo "$SOFTHSM" "file:$tmp/pin"
	cat <<EOF2

[allow "timer"]
uid = $TIMER
operations = sign
keys = snapshot, timestamp
roles = snapshot, timestamp
gun = $R
EOF2
} >"$tmp/agent.conf"
agent_start "$tmp/agent.conf" || { bad "agent starts"; finish; }
chmod 0711 "$tmp"
chgrp "$TIMER" "$(dirname "$SOCK")" "$SOCK"
keys root targets snapshot timestamp
file_blob hello "hello"
T repo init "$R" --root-key root --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1 && T repo add "$R" hello.txt "$tmp/blobs/hello" >/dev/null &&
	T repo publish "$R" >/dev/null || { bad "root makes the repository"; finish; }
chown -R "$TIMER:$TIMER" "$R"
as_timer() {
	setpriv --reuid="$TIMER" --regid="$TIMER" --clear-groups "$TUFCTL" --socket "$SOCK" "$@"
}
v() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$1"; }

t0=$(v "$R/timestamp.json")
as_timer repo refresh "$R" >"$tmp/t.log" 2>&1 && ok "the timer refreshes the timestamp" ||
	bad "the timer refreshes the timestamp" "$(cat "$tmp/t.log")"
check "  timestamp v$t0 -> v$((t0 + 1))" test "$(v "$R/timestamp.json")" -eq $((t0 + 1))
as_timer repo refresh "$R" --role snapshot >"$tmp/t.log" 2>&1 && ok "the timer refreshes the snapshot" ||
	bad "the timer refreshes the snapshot" "$(cat "$tmp/t.log")"
serve "$R"
tufjs "$R/1.root.json" hello.txt && ok "tuf-js reads the refreshed repository" ||
	bad "tuf-js reads the refreshed repository" "$(cat "$tmp/tufjs.out")"

before=$(cd "$R" && find . -type f ! -path './.tufctl/*' | sort | xargs sha256sum | sha256sum)
cp "$tmp/blobs/hello" "$tmp/blobs/x" && chmod 644 "$tmp/blobs/x"
as_timer repo add "$R" evil.txt "$tmp/blobs/x" >/dev/null 2>&1
as_timer repo publish "$R" >"$tmp/t.log" 2>&1
check "the timer cannot sign targets (publish fails)" test $? -eq 1
check "  the agent's refusal names the rule" grep -q "rule 'timer'" "$tmp/t.log"
after=$(cd "$R" && find . -type f ! -path './.tufctl/*' | sort | xargs sha256sum | sha256sum)
check "  DIR is as it was" test "$before" = "$after"
check "  the refusal is in the audit log" grep -q '"result":"TA_ERR_POLICY","role":"targets"' "$AUDIT"
finish
