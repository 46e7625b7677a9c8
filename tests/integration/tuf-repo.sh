#!/bin/bash
# tufctl repo end to end: repositories published with every key on a
# SoftHSM2 token behind the agent, read by tuf-js 6.0.2 (refresh and every
# target downloaded) and checked by securesystemslib (every signature):
# consistent snapshots on and off, delegations nested and terminating,
# root rotation 1 -> 2 -> 3 with changed thresholds, every key type, a
# threshold met across two tokens, interrupted publishes, bad input.
. "$(dirname "$0")/tuf_lib.sh"

tuf_start repo spare || { bad "the agent starts"; finish; }
keys root1 root2 root3 targets snapshot timestamp rel beta

# fetched NAME...: every target downloaded by tuf-js (in $tmp/tufjs.out).
fetched() {
	local t
	for t in "$@"; do
		grep -q "\"target\":\"$t\",\"ok\":true" "$tmp/tufjs.out" || return 1
	done
}

# ---- a repository, consistent snapshots ------------------------------------------------
R=$tmp/r1
if T repo init "$R" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >"$tmp/init.out" 2>&1; then
	ok "repo init publishes root, targets, snapshot and timestamp v1"
else
	bad "repo init" "$(cat "$tmp/init.out")"
fi
check "init: N.root.json, root.json, N.targets.json, N.snapshot.json, timestamp.json" \
	test -f "$R/1.root.json" -a -f "$R/root.json" -a -f "$R/1.targets.json" -a \
	-f "$R/1.snapshot.json" -a -f "$R/timestamp.json"
check "init: the private folder holds no published name" test ! -e "$R/.tufctl/timestamp.json"
check "init refuses a repository twice" bash -c "! '$TUFCTL' --socket '$SOCK' repo init '$R' \
	--root-key root1 --targets-key targets --snapshot-key snapshot --timestamp-key timestamp 2>/dev/null"

T repo init "$tmp/r0" --root-key no-such-key --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp 2>"$tmp/err"
check "init with an unknown key fails" test $? -eq 1
check "  and leaves no private folder behind" test ! -e "$tmp/r0/.tufctl"
T repo init "$tmp/r0" --targets-key targets 2>/dev/null
check "init without the snapshot and timestamp keys is a usage error" test $? -eq 2

file_blob hello "hello, world"
file_blob app "app v1"
T repo add "$R" docs/hello.txt "$tmp/blobs/hello" >/dev/null &&
	T repo add "$R" app.tar "$tmp/blobs/app" --custom '{"purpose":"test"}' >/dev/null
T repo status "$R" >"$tmp/status.out" 2>&1
check "status: targets staged, awaiting its signature" grep -q "targets .*staged.*0 of 1" "$tmp/status.out"
T repo publish "$R" >"$tmp/pub.out" 2>&1 && ok "publish" || bad "publish" "$(cat "$tmp/pub.out")"
h=$(sha256sum "$tmp/blobs/hello" | cut -d' ' -f1)
check "consistent: targets/docs/HASH.hello.txt" test -f "$R/targets/docs/$h.hello.txt"
check "consistent: 2.targets.json, 2.snapshot.json" test -f "$R/2.targets.json" -a -f "$R/2.snapshot.json"
check "the blobs are moved, not left behind" bash -c "[ -z \"\$(ls -A '$R/.tufctl/blobs')\" ]"
serve "$R"
if tufjs "$R/1.root.json" docs/hello.txt app.tar && fetched docs/hello.txt app.tar; then
	ok "tuf-js refreshes and downloads every target"
else
	bad "tuf-js refreshes and downloads every target" "$(cat "$tmp/tufjs.out")"
fi
check "tuf-js's download is the file" cmp -s "$tmp/blobs/hello" "$tmp/tufjs.$tufjs_n/targets/docs%2Fhello.txt"
sslib_check "$R" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib verifies every signature" ||
	bad "securesystemslib verifies every signature" "$(cat "$tmp/sslib.out")"
T repo verify "$R" >"$tmp/verify.out" 2>&1 && ok "repo verify" || bad "repo verify" "$(cat "$tmp/verify.out")"

# remove, refresh
T repo remove "$R" app.tar >/dev/null && T repo publish "$R" >/dev/null
tufjs "$R/1.root.json" app.tar docs/hello.txt
check "remove: tuf-js no longer finds app.tar" grep -q '"target":"app.tar","ok":false' "$tmp/tufjs.out"
ts1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$R/timestamp.json")
T repo refresh "$R" >/dev/null
ts2=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["version"])' "$R/timestamp.json")
check "refresh: a new timestamp version ($ts1 -> $ts2)" test "$ts2" -eq $((ts1 + 1))
tufjs "$R/1.root.json" docs/hello.txt && fetched docs/hello.txt && ok "tuf-js after refresh" ||
	bad "tuf-js after refresh" "$(cat "$tmp/tufjs.out")"
T repo refresh "$R" --role snapshot >/dev/null
tufjs "$R/1.root.json" docs/hello.txt && ok "tuf-js after a snapshot refresh" ||
	bad "tuf-js after a snapshot refresh" "$(cat "$tmp/tufjs.out")"

# ---- bad input changes nothing ---------------------------------------------------------
before=$(cd "$R" && find . -type f | sort | xargs sha256sum | sha256sum)
T repo add "$R" ../escape "$tmp/blobs/hello" 2>"$tmp/err"
check "add: a path with '..' is a usage error" test $? -eq 2
printf 'ok.txt 3 %s\nbroken line\n' "$(printf abc | sha256sum | cut -d' ' -f1)" >"$tmp/list"
T repo add "$R" --from-list "$tmp/list" 2>"$tmp/err"
check "add --from-list: a malformed line fails the whole list" test $? -eq 1
check "add --from-list: the message names the line" grep -q "line 2" "$tmp/err"
T repo add "$R" x.txt /nonexistent 2>/dev/null
check "add: a missing file fails" test $? -eq 1
T repo remove "$R" not-there 2>/dev/null
check "remove: an unknown target fails" test $? -eq 1
T repo status "$R" >"$tmp/status.out"
check "bad input staged nothing" grep -q "0 roles staged" "$tmp/status.out"
after=$(cd "$R" && find . -type f ! -path './.tufctl/*' | sort | xargs sha256sum | sha256sum)
before=$(cd "$R" && find . -type f ! -path './.tufctl/*' | sort | xargs sha256sum | sha256sum)
check "bad input: DIR unchanged" test "$before" = "$after"
T repo frobnicate "$R" 2>/dev/null
check "an unknown subcommand is a usage error" test $? -eq 2

# ---- consistent snapshots off ----------------------------------------------------------
R2=$tmp/r2
T repo init "$R2" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp --no-consistent-snapshot --expires timestamp=2 >/dev/null 2>&1
T repo add "$R2" docs/hello.txt "$tmp/blobs/hello" >/dev/null && T repo publish "$R2" >/dev/null
check "no consistent snapshots: targets.json, snapshot.json, targets/docs/hello.txt" \
	test -f "$R2/targets.json" -a -f "$R2/snapshot.json" -a -f "$R2/targets/docs/hello.txt" -a \
	! -e "$R2/2.targets.json"
check "no consistent snapshots: 1.root.json all the same (tuf-js walks N.root.json)" test -f "$R2/1.root.json"
serve "$R2"
tufjs "$R2/1.root.json" docs/hello.txt && fetched docs/hello.txt &&
	ok "tuf-js without consistent snapshots" || bad "tuf-js without consistent snapshots" "$(cat "$tmp/tufjs.out")"
sslib_check "$R2" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib, no consistent snapshots" ||
	bad "securesystemslib, no consistent snapshots" "$(cat "$tmp/sslib.out")"
exp=$("$PY" -c 'import json,sys,datetime as d; e=json.load(open(sys.argv[1]))["signed"]["expires"]; print(round((d.datetime.strptime(e,"%Y-%m-%dT%H:%M:%SZ")-d.datetime.utcnow()).total_seconds()/3600))' "$R2/timestamp.json")
check "--expires timestamp=2: the timestamp expires in 48 hours ($exp)" test "$exp" -ge 47 -a "$exp" -le 48

# ---- delegations: nested, terminating ------------------------------------------------
R3=$tmp/r3
T repo init "$R3" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1
file_blob rel "release 1"
file_blob beta "beta 1"
file_blob shadow "shadowed"
T repo delegate "$R3" releases --key rel --path 'rel/*' --path 'rel/*/*' >/dev/null 2>&1 &&
	T repo delegate "$R3" beta --key beta --path 'rel/beta/*' --terminating --from releases >/dev/null 2>&1 &&
	T repo delegate "$R3" late --key beta --path 'rel/beta/*' --from releases >/dev/null 2>&1
check "delegate: releases, releases -> beta (terminating), releases -> late" test $? -eq 0
T repo add "$R3" rel/r1.txt "$tmp/blobs/rel" >"$tmp/add.out" &&
	T repo add "$R3" rel/beta/b1.txt "$tmp/blobs/beta" >>"$tmp/add.out" &&
	T repo add "$R3" rel/beta/s.txt "$tmp/blobs/shadow" --role late >>"$tmp/add.out"
check "add finds the role a client would search: releases" grep -q "rel/r1.txt in releases" "$tmp/add.out"
check "add finds the role a client would search: beta (nested)" grep -q "rel/beta/b1.txt in beta" "$tmp/add.out"
T repo publish "$R3" >"$tmp/pub.out" 2>&1 && ok "publish with delegations" ||
	bad "publish with delegations" "$(cat "$tmp/pub.out")"
check "delegated roles published as N.ROLE.json" test -f "$R3/1.releases.json" -a -f "$R3/1.beta.json"
serve "$R3"
tufjs "$R3/1.root.json" rel/r1.txt rel/beta/b1.txt
fetched rel/r1.txt rel/beta/b1.txt && ok "tuf-js finds targets through nested delegations" ||
	bad "tuf-js finds targets through nested delegations" "$(cat "$tmp/tufjs.out")"
tufjs "$R3/1.root.json" rel/beta/s.txt
check "terminating: tuf-js does not look past beta for rel/beta/s.txt" \
	grep -q '"target":"rel/beta/s.txt","ok":false' "$tmp/tufjs.out"
sslib_check "$R3" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib, delegations" ||
	bad "securesystemslib, delegations" "$(cat "$tmp/sslib.out")"
T repo verify "$R3" >"$tmp/verify.out" 2>&1 && ok "repo verify, delegations" ||
	bad "repo verify, delegations" "$(cat "$tmp/verify.out")"
T repo add "$R3" rel/x.txt "$tmp/blobs/rel" --role beta >/dev/null 2>&1
T repo publish "$R3" >"$tmp/pub.out" 2>&1
check "the agent refuses a target outside the delegation's paths" test $? -ne 0
check "  and says which target" grep -q "rel/x.txt" "$tmp/pub.out" "$LOG"
T repo remove "$R3" rel/x.txt --role beta >/dev/null 2>&1
T repo publish "$R3" >/dev/null 2>&1 && ok "publish again once the stray target is removed" ||
	bad "publish again once the stray target is removed"

# A delegation to a key outside the agent (--pubkey): its role waits for a
# signature the agent cannot make, and publish says so.
T --json key show --label beta --profile tuf | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"]["keyval"]["public"], end="")' >"$tmp/beta.pem"
T repo delegate "$R3" outside --pubkey "$tmp/beta.pem" --path 'ext/*' >/dev/null 2>&1
check "delegate --pubkey FILE" test $? -eq 0
T repo publish "$R3" >"$tmp/pub.out" 2>&1
check "  publish waits for the outside key's signature (exit 1)" test $? -eq 1
check "  and names the role" grep -q "outside v1: 0 of 1" "$tmp/pub.out"
T repo verify "$R3" >/dev/null 2>&1 && ok "  the published repository is untouched" ||
	bad "  the published repository is untouched"

# ---- root rotation 1 -> 2 -> 3, thresholds changed --------------------------------------
R4=$tmp/r4
T repo init "$R4" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1
T repo add "$R4" docs/hello.txt "$tmp/blobs/hello" >/dev/null
T repo rotate "$R4" root --key root2 --key root3 --threshold 2 >/dev/null 2>&1 &&
	T repo publish "$R4" >"$tmp/pub.out" 2>&1 && ok "rotate root to 2 of {root2, root3}" ||
	bad "rotate root to 2 of {root2, root3}" "$(cat "$tmp/pub.out")"
T repo rotate "$R4" root --key root1 --key root2 --key root3 --threshold 3 >/dev/null 2>&1 &&
	T repo rotate "$R4" targets --key rel >/dev/null 2>&1 &&
	T repo publish "$R4" >"$tmp/pub.out" 2>&1 && ok "rotate root to 3 of 3 and targets to a new key" ||
	bad "rotate root to 3 of 3 and targets to a new key" "$(cat "$tmp/pub.out")"
check "roots 1, 2 and 3 published" test -f "$R4/3.root.json" -a -f "$R4/2.root.json"
serve "$R4"
tufjs "$R4/1.root.json" docs/hello.txt && fetched docs/hello.txt &&
	ok "tuf-js trusting root 1 walks to root 3" || bad "tuf-js trusting root 1 walks to root 3" "$(cat "$tmp/tufjs.out")"
sslib_check "$R4" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib: each root signed by the old and the new root" ||
	bad "securesystemslib: each root signed by the old and the new root" "$(cat "$tmp/sslib.out")"
T repo verify "$R4" >"$tmp/verify.out" 2>&1 && grep -q "root v3" "$tmp/verify.out" &&
	ok "repo verify walks roots 1 -> 2 -> 3" || bad "repo verify walks roots 1 -> 2 -> 3" "$(cat "$tmp/verify.out")"

# ---- a root made elsewhere; keys by key ID; --sign-only; status --json ---------------------
R10=$tmp/r10
tid=$(T --json key show --label timestamp --profile tuf | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["keyid"])')
if T repo init "$R10" --root "$R4/3.root.json" --targets-key rel --snapshot-key snapshot \
	--timestamp-key "$tid" >"$tmp/init.out" 2>&1; then
	ok "init --root FILE adopts a signed root (the timestamp key by its key ID)"
else
	bad "init --root FILE adopts a signed root (the timestamp key by its key ID)" "$(cat "$tmp/init.out")"
fi
check "  published as 3.root.json, as signed" cmp -s "$R4/3.root.json" "$R10/3.root.json"
T repo add "$R10" docs/hello.txt "$tmp/blobs/hello" >/dev/null
T repo publish "$R10" --sign-only snapshot >"$tmp/pub.out" 2>&1
check "publish --sign-only snapshot leaves targets unsigned: nothing published (exit 1)" test $? -eq 1
T repo status "$R10" --json >"$tmp/status.json" 2>&1
check "status --json: targets staged, 0 of threshold 1, one key missing" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [r for r in d["roles"] if r["role"] == "targets"][0]
assert t["staged"] and t["signatures"] == 0 and t["threshold"] == 1 and len(t["missing"]) == 1, t
assert d["staged"] == ["targets"], d["staged"]' "$tmp/status.json"
T repo publish "$R10" >"$tmp/pub.out" 2>&1 && ok "then publish signs and publishes" ||
	bad "then publish signs and publishes" "$(cat "$tmp/pub.out")"
serve "$R10"
tufjs "$R10/3.root.json" docs/hello.txt && fetched docs/hello.txt && ok "tuf-js trusting the adopted root" ||
	bad "tuf-js trusting the adopted root" "$(cat "$tmp/tufjs.out")"
T repo verify "$R10" --root "$R4/3.root.json" >"$tmp/verify.out" 2>&1 && ok "repo verify --root TRUSTED" ||
	bad "repo verify --root TRUSTED" "$(cat "$tmp/verify.out")"

# ---- every key type -------------------------------------------------------------------
keys k-rsa:rsa-2048 k-ed:ed25519 k-p384:ecdsa-p384
R5=$tmp/r5
T repo init "$R5" --root-key k-ed --targets-key k-rsa --snapshot-key k-ed \
	--timestamp-key root1 >"$tmp/init.out" 2>&1 || bad "init with rsa and ed25519 keys" "$(cat "$tmp/init.out")"
T repo add "$R5" docs/hello.txt "$tmp/blobs/hello" >/dev/null && T repo publish "$R5" >/dev/null 2>&1
serve "$R5"
tufjs "$R5/1.root.json" docs/hello.txt && fetched docs/hello.txt &&
	ok "tuf-js: rsassa-pss-sha256, ed25519, ecdsa-sha2-nistp256" ||
	bad "tuf-js: rsassa-pss-sha256, ed25519, ecdsa-sha2-nistp256" "$(cat "$tmp/tufjs.out")"
sslib_check "$R5" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib: rsa, ed25519, ecdsa" ||
	bad "securesystemslib: rsa, ed25519, ecdsa" "$(cat "$tmp/sslib.out")"
R6=$tmp/r6
T repo init "$R6" --root-key k-p384 --targets-key k-p384 --snapshot-key k-p384 \
	--timestamp-key k-p384 >/dev/null 2>&1
T repo add "$R6" docs/hello.txt "$tmp/blobs/hello" >/dev/null && T repo publish "$R6" >/dev/null 2>&1
sslib_check "$R6" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib: ecdsa-sha2-nistp384" ||
	bad "securesystemslib: ecdsa-sha2-nistp384" "$(cat "$tmp/sslib.out")"
serve "$R6"
tufjs "$R6/1.root.json" docs/hello.txt && fetched docs/hello.txt && ok "tuf-js: ecdsa-sha2-nistp384" ||
	bad "tuf-js: ecdsa-sha2-nistp384" "$(cat "$tmp/tufjs.out")"

# ---- a threshold met across two tokens ----------------------------------------------------
KEY_TOKEN=spare keys spare1
R7=$tmp/r7
T repo init "$R7" --root-key root1 --root-key spare1 --root-threshold 2 --targets-key targets \
	--snapshot-key snapshot --timestamp-key timestamp >/dev/null 2>&1
check "root 2 of {root1 on repo, spare1 on spare}: published" test -f "$R7/1.root.json"
T repo rotate "$R7" targets --key rel >/dev/null 2>&1
T lock --token spare >/dev/null 2>&1
T repo publish "$R7" >"$tmp/pub.out" 2>&1
check "a token locked: publish waits (exit 1)" test $? -eq 1
check "  and says root has 1 of 2 signatures" grep -q "root v2: 1 of 2" "$tmp/pub.out"
check "  and publishes nothing" test ! -e "$R7/2.root.json"
T repo status "$R7" >"$tmp/status.out"
check "status: root 1 of 2, unsigned by one key" grep -q "root .*staged  1 of 2 signatures; unsigned by" "$tmp/status.out"
T unlock --token spare --pin-file "$tmp/pin" >/dev/null 2>&1
T repo publish "$R7" >"$tmp/pub.out" 2>&1 && ok "the token back: publish completes" ||
	bad "the token back: publish completes" "$(cat "$tmp/pub.out")"
sslib_check "$R7" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib: root 2 of 2 across tokens" ||
	bad "securesystemslib: root 2 of 2 across tokens" "$(cat "$tmp/sslib.out")"

# ---- interrupted publishes --------------------------------------------------------------
R8=$tmp/r8
T repo init "$R8" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1
serve "$R8"
n=0
for where in before-commit after-commit mid-moves; do
	n=$((n + 1))
	file_blob "c$n" "crash $n"
	T repo add "$R8" "c/$n.txt" "$tmp/blobs/c$n" >/dev/null
	old=$(sha256sum "$R8/timestamp.json")
	TUFCTL_TEST_CRASH=$where T repo publish "$R8" >/dev/null 2>&1
	st=$?
	if [ "$where" = before-commit ]; then
		check "killed $where: DIR as before" test "$(sha256sum "$R8/timestamp.json")" = "$old"
	fi
	tufjs "$R8/1.root.json"
	check "killed $where (status $st): tuf-js reads DIR" grep -q '"refresh":"ok"' "$tmp/tufjs.out"
	T repo publish "$R8" >/dev/null 2>&1
	tufjs "$R8/1.root.json" "c/$n.txt"
	check "killed $where: the next tufctl completes it" fetched "c/$n.txt"
	check "killed $where: no journal left" test ! -e "$R8/.tufctl/commit" -a ! -e "$R8/.tufctl/pending"
done

# ---- succinct hash bins ----------------------------------------------------------------
R9=$tmp/r9
keys bins
T repo init "$R9" --root-key root1 --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1
T repo delegate "$R9" --bins 16 --key bins >"$tmp/d.out" 2>&1 && grep -q "staged 16 bins" "$tmp/d.out" &&
	ok "delegate --bins 16" || bad "delegate --bins 16" "$(cat "$tmp/d.out")"
: >"$tmp/list"
for i in $(seq 1 40); do
	file_blob "p$i" "package $i"
	printf 'pkg/p%d.tar.gz %d %s\n' "$i" "$(stat -c %s "$tmp/blobs/p$i")" \
		"$(sha256sum "$tmp/blobs/p$i" | cut -d' ' -f1)" >>"$tmp/list"
done
T repo add "$R9" --from-list - <"$tmp/list" >/dev/null && T repo publish "$R9" >"$tmp/pub.out" 2>&1 &&
	ok "add --from-list (stdin) and publish 16 bins" || bad "add --from-list and publish 16 bins" "$(cat "$tmp/pub.out")"
check "every bin published (1.bins-0.json ... 1.bins-f.json)" test -f "$R9/1.bins-0.json" -a -f "$R9/1.bins-f.json"
# The listed files are not copied: publish them where a consistent client looks.
for i in $(seq 1 40); do
	h=$(sha256sum "$tmp/blobs/p$i" | cut -d' ' -f1)
	mkdir -p "$R9/targets/pkg" && cp "$tmp/blobs/p$i" "$R9/targets/pkg/$h.p$i.tar.gz"
done
serve "$R9"
tufjs "$R9/1.root.json" pkg/p1.tar.gz pkg/p17.tar.gz pkg/p40.tar.gz &&
	fetched pkg/p1.tar.gz pkg/p17.tar.gz pkg/p40.tar.gz && ok "tuf-js finds targets in their bins" ||
	bad "tuf-js finds targets in their bins" "$(cat "$tmp/tufjs.out")"
sslib_check "$R9" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib: every bin" ||
	bad "securesystemslib: every bin" "$(cat "$tmp/sslib.out")"
T repo verify "$R9" >"$tmp/verify.out" 2>&1 && ok "repo verify: bins" || bad "repo verify: bins" "$(cat "$tmp/verify.out")"
n0=$(grep -c '"result":"ok"' "$AUDIT")
file_blob extra "one more"
T repo add "$R9" pkg/extra.tar.gz "$tmp/blobs/extra" >"$tmp/add.out" && T repo publish "$R9" >/dev/null 2>&1
n1=$(grep -c '"result":"ok"' "$AUDIT")
check "one more target: only its bin, snapshot and timestamp are signed ($((n1 - n0)))" test $((n1 - n0)) -eq 3
tufjs "$R9/1.root.json" pkg/extra.tar.gz && fetched pkg/extra.tar.gz && ok "tuf-js finds the new target" ||
	bad "tuf-js finds the new target" "$(cat "$tmp/tufjs.out")"
T repo add "$R9" pkg/stray.tar.gz "$tmp/blobs/extra" --role bins-0 >/dev/null 2>&1
if [ "$(grep -o 'bins-[0-9a-f]' "$tmp/add.out")" != bins-0 ]; then
	T repo publish "$R9" >"$tmp/pub.out" 2>&1
	check "the agent refuses a target in another bin than its own" test $? -ne 0
	T repo remove "$R9" pkg/stray.tar.gz --role bins-0 >/dev/null 2>&1
fi

# ---- every single-byte change is refused ---------------------------------------------------
# The files a client reads in r1's current state, each changed at five places.
serve "$R"
sv=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["meta"]["snapshot.json"]["version"])' "$R/timestamp.json")
tv=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signed"]["meta"]["targets.json"]["version"])' "$R/$sv.snapshot.json")
h=$(sha256sum "$tmp/blobs/hello" | cut -d' ' -f1)
flips=0 missed=
for f in 1.root.json timestamp.json "$sv.snapshot.json" "$tv.targets.json" "targets/docs/$h.hello.txt"; do
	cp "$R/$f" "$tmp/orig"
	len=$(stat -c %s "$tmp/orig")
	for off in 0 $((len / 3)) $((len / 2)) $((2 * len / 3)) $((len - 2)); do
		"$PY" -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$R/$f" "$off"
		flips=$((flips + 1))
		if tufjs "$R/1.root.json" docs/hello.txt; then missed="$missed tuf-js:$f@$off"; fi
		if T repo verify "$R" >/dev/null 2>&1; then missed="$missed verify:$f@$off"; fi
		cp "$tmp/orig" "$R/$f"
	done
done
check "$flips single-byte changes, each refused by tuf-js and by repo verify${missed:+ (missed:$missed)}" test -z "$missed"
tufjs "$R/1.root.json" docs/hello.txt && ok "  and the repository reads again once restored" ||
	bad "  and the repository reads again once restored" "$(cat "$tmp/tufjs.out")"

# ---- two at once ------------------------------------------------------------------------
exec 9<"$R8/.tufctl/lock"
flock 9
T repo status "$R8" >/dev/null 2>"$tmp/err"
check "a second tufctl on a locked DIR fails at once" grep -q "in use by another tufctl" "$tmp/err"
exec 9<&-

finish
