#!/bin/bash
# Docker Content Trust, test 5: faults between tufctl and the server, made
# by tests/integration/notary/fault-proxy.py in front of the real notary-server: the
# server down, the connection lost after the server took the update, 400
# and 503 answers, a tampered download.  Each gives one clear line, leaves
# the trust directory as it was (staged changes kept, trusted metadata
# untouched), and running the command again finishes the job.
. "$(dirname "$0")/dct_lib.sh"

dct_up root-1 targets-1
nt_proxy_start || { bad "the fault proxy starts"; exit 1; }
export TUFCTL_HTTP_RETRY_MS=20
GUN=registry.example.com/team/faults
NT_GUN=$GUN
URL=$NT_PROXY_URL
dir=$TRUST/127.0.0.1:${URL##*:}/$GUN
for t in v1 v2 v3 v4 v5; do blob $t "content of $t"; done
add() { quiet tufctl notary add "$GUN" "$1" --digest "sha256:$(eval echo \$D_$1)" --size "$(eval echo \$S_$1)"; }

quiet tufctl notary init "$GUN" --server "$URL" --root-key root-1 --targets-key targets-1 &&
	add v1 && quiet tufctl notary publish "$GUN" ||
	{ bad "published v1 through the proxy" "$(cat "$tmp/quiet.log")"; exit 1; }
ok "published v1 through the proxy"

# snap: the trust directory's state.
snap() { (cd "$dir" && find metadata changes -type f | sort | xargs sha256sum) >"$tmp/$1"; }
same_as() { snap now && cmp -s "$tmp/$1" "$tmp/now"; }
served() { nt_fresh_client list "$GUN" 2>&1 | grep -q "^$1 "; }

# 1. The server is down: every connection closed unanswered.
add v2
snap before
nt_proxy_fault close 50
tufctl notary publish "$GUN" >"$tmp/down.log" 2>&1
st=$?
check "server down: publish fails (status 1) with one line" \
	sh -c "[ $st = 1 ] && [ \$(wc -l <'$tmp/down.log') = 1 ]"
check "server down: the message says what happened" grep -qi "connection\|server" "$tmp/down.log"
check "server down: the trust directory is as it was" same_as before
nt_proxy_fault clear
check "server back: publish again succeeds" quiet tufctl notary publish "$GUN"
check "server back: v2 is served" served v2

# 2. The server takes the update, then the connection is lost.
add v3
nt_proxy_fault forward-close 1 "POST "
if tufctl notary publish "$GUN" >"$tmp/lost.log" 2>&1; then
	bad "connection lost after the POST: publish reports a failure"
else
	ok "connection lost after the POST: publish reports a failure"
fi
check "connection lost: the change stays staged" sh -c "cat '$dir'/changes/*.json | grep -q '\"v3\"'"
check "the server did take it" served v3
if quiet tufctl notary publish "$GUN"; then
	ok "publish again finishes the job"
else
	bad "publish again finishes the job" "$(cat "$tmp/quiet.log")"
fi
check "... saying the server already had it" grep -q "nothing to publish" "$tmp/quiet.log"
check "... and nothing stays staged" test -z "$(ls "$dir/changes")"

# 3. 503 twice, then success: retried within one publish.
add v4
nt_proxy_fault 503 2 "timestamp.json"
check "503 twice on a GET: retried, publish succeeds" quiet tufctl notary publish "$GUN"
check "... and v4 is served" served v4

# 4. A 400 answer to the update: clear error, nothing lost, retry works.
add v5
snap before
nt_proxy_fault 400 1 "POST "
tufctl notary publish "$GUN" >"$tmp/400.log" 2>&1
st=$?
check "400: publish fails (status 1) with one line" sh -c "[ $st = 1 ] && [ \$(wc -l <'$tmp/400.log') = 1 ]"
check "400: the trust directory is as it was" same_as before
check "400: publish again succeeds" quiet tufctl notary publish "$GUN"
check "... and v5 is served" served v5

# 5. A tampered download: one byte of targets changed on the way.
snap before
nt_proxy_fault corrupt 1 "/targets."
tufctl notary list "$GUN" >"$tmp/tamper.log" 2>&1
st=$?
check "tampered targets: list fails" test "$st" = 1
check "tampered targets: the message says so" grep -q "does not match\|tampered" "$tmp/tamper.log"
check "tampered targets: the trust directory is as it was" same_as before
tufctl notary list "$GUN" >"$tmp/l.txt" 2>&1
check "list again (no tampering) succeeds" grep -q "^v5 " "$tmp/l.txt"
finish
