#!/bin/bash
# Root key ceremonies at full size (issue #13): a 3-of-5 TUF 1.0 root over
# five SoftHSM2 tokens — two signers at this machine, two through
# request / sign-request / import against two other agents (each its own
# socket, state and tokens: the offline machines), one never signing —
# every step killed as kill -9 would (TUFCTL_TEST_CRASH) and run again:
# the same bytes, no step done twice.  tuf-js reads a repository built on
# the root.  Then a rotation to a 2-of-3 root: with 2 of the 3 old
# signatures finish refuses it and tuf-js refuses the same root put
# together by hand; with the third, a tuf-js client that trusted the old
# root updates to the new one.
. "$(dirname "$0")/tuf_lib.sh"

# pem AGENT LABEL: the key's public PEM, for a pubkey: signer.
pem() {
	at "$1" --json key show --label "$2" --profile tuf |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"]["keyval"]["public"].strip())' \
			>"$tmp/$2.pem"
}
files() {
	(cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum)
}
steps() {
	"$PY" -c 'import json,sys; print(" ".join(json.loads(l)["step"] for l in open(sys.argv[1])))' "$1"
}
# crash NAME POINT CMD...: CMD dies at POINT (status 9) and leaves its work half done.
crash() {
	local name=$1 point=$2
	shift 2
	TUFCTL_TEST_CRASH=$point "$@" >/dev/null 2>&1
	check "$name: killed at $point (status 9)" test $? -eq 9
}

tuf_start t1 t2 ops || { bad "the agent starts"; finish; }
KEY_TOKEN=t1 keys k1 n1
KEY_TOKEN=t2 keys k2 n2
KEY_TOKEN=ops keys targets snapshot timestamp
agent_at b t3 && agent_at c t4 t5 || { bad "the offline agents start"; finish; }
at b key generate --label k3 --type ecdsa-p256 --token t3 >/dev/null &&
	at c key generate --label k4 --type ecdsa-p256 --token t4 >/dev/null &&
	at c key generate --label k5 --type ecdsa-p256 --token t5 >/dev/null &&
	at c key generate --label n3 --type ecdsa-p256 --token t5 >/dev/null ||
	{ bad "keys on the offline tokens"; finish; }
pem b k3 && pem c k4 && pem c k5 && pem c n3 || { bad "the offline keys' PEM"; finish; }

# ---- init, killed before its record ----------------------------------------------------
C=$tmp/c1
init=(T ceremony init "$C" --profile tuf --threshold 3 --signer k1=k1 --signer k2=k2
	--signer k3="pubkey:$tmp/k3.pem" --signer k4="pubkey:$tmp/k4.pem"
	--signer k5="pubkey:$tmp/k5.pem" --role-key targets=targets --role-key snapshot=snapshot
	--role-key timestamp=timestamp --expires 30)
crash "init" ceremony-init "${init[@]}"
check "  the root and plan are written, the transcript is not" \
	test -f "$C/root.unsigned.json" -a -f "$C/plan.json" -a ! -s "$C/transcript.jsonl"
cp "$C/root.unsigned.json" "$tmp/root.unsigned.first"
cp "$C/plan.json" "$tmp/plan.first"
sleep 1.1 # the expiry a fresh init would compute is a second later
"${init[@]}" >"$tmp/init.out" 2>&1 && ok "init run again completes it" ||
	bad "init run again completes it" "$(cat "$tmp/init.out")"
check "  the same root bytes (its expiry kept)" cmp -s "$C/root.unsigned.json" "$tmp/root.unsigned.first"
check "  the same plan, so the same ceremony ID" cmp -s "$C/plan.json" "$tmp/plan.first"
check "  one init record" test "$(steps "$C/transcript.jsonl")" = init
T ceremony init "$C" --profile tuf --threshold 2 --signer k1=k1 --signer k2=k2 \
	--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
	>/dev/null 2>&1
check "init over a ceremony under way: exit 1" test $? -eq 1
C0=$tmp/c0
TUFCTL_TEST_CRASH=ceremony-init T ceremony init "$C0" --profile tuf --threshold 1 --signer k1=k1 \
	--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
	>/dev/null 2>&1
before=$(files "$C0")
T ceremony init "$C0" --profile tuf --threshold 1 --signer k2=k2 \
	--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
	>/dev/null 2>"$tmp/err"
check "init with other arguments over an unfinished init: exit 1, nothing changed" \
	test $? -eq 1 -a "$(files "$C0")" = "$before"
check "  and says so" grep -q "unfinished init of another root" "$tmp/err"

# ---- two signers here, k1's sign killed before its record -------------------------------
echo yes | crash "sign k1" ceremony-sign T ceremony sign "$C" --signer k1
cp "$C/signatures.json" "$tmp/sigs.first"
check "  its signature is kept" test "$(jget "$C/signatures.json" 'len(d)')" = 1
echo yes | T ceremony sign "$C" --signer k1 >"$tmp/s.out" 2>&1
check "sign k1 run again writes the record only" grep -q "record is written now" "$tmp/s.out"
check "  the signature's bytes unchanged (not made twice)" cmp -s "$C/signatures.json" "$tmp/sigs.first"
# ---- the right token, before any PIN -----------------------------------------------------
T --json status >"$tmp/status.json"
check "init: the plan names k1's token by the serial and model the agent reports" \
	test "$(jget "$C/plan.json" '[s["token"] for s in d["signers"] if s["name"] == "k1"][0]')" = \
	"$(jget "$tmp/status.json" '[{"model": t["model"], "name": t["name"], "serial": t["serial"]} for t in d["tokens"] if t["name"] == "t1"][0]')"
check "  a pubkey: signer's token is not known" test "$(jget "$C/plan.json" \
	'[s["token"] for s in d["signers"] if s["name"] == "k3"][0]')" = null
cp -r "$C" "$tmp/elsewhere"
echo yes | at b ceremony sign "$tmp/elsewhere" --signer k2 >"$tmp/o.out" 2>"$tmp/err"
check "sign at a machine without k2's token: exit 1" test $? -eq 1
check "  naming the token wanted and the ones present" grep -q \
	"k2's token (SoftHSM v2, serial $(jget "$tmp/status.json" '[t["serial"] for t in d["tokens"] if t["name"] == "t2"][0]')) is not here; present: t3 (SoftHSM v2, serial" "$tmp/err"
check "  before the summary or the question" test ! -s "$tmp/o.out"
check "  nothing asked of machine b's agent" bash -c "! grep -q '\"method\":\"sign\"' '$tmp/audit-b.log'"
T ceremony request "$tmp/elsewhere" --signer k2 -o "$tmp/req-k2.json" >/dev/null 2>&1
check "a request for an agent signer carries its token" test "$(jget "$tmp/req-k2.json" 'd["token"]["name"]')" = t2
echo yes | at b ceremony sign-request "$tmp/req-k2.json" --key k3 -o "$tmp/resp-k2.json" >"$tmp/o.out" 2>"$tmp/err"
check "sign-request on a machine without that token: refused first" test $? -eq 1 -a ! -s "$tmp/o.out" -a ! -e "$tmp/resp-k2.json"
check "  saying so" grep -q "k2's token (SoftHSM v2, serial .*) is not here" "$tmp/err"
echo yes | T ceremony sign "$C" --signer k2 >/dev/null 2>&1 && ok "k2 signs here" || bad "k2 signs here"
check "  its transcript record names its token" test "$(tail -n 1 "$C/transcript.jsonl" | jget - 'd["token"]["name"]')" = t2

# ---- two offline signers ------------------------------------------------------------------
crash "request k3" ceremony-request T ceremony request "$C" --signer k3 -o "$tmp/req3.json"
cp "$tmp/req3.json" "$tmp/req3.first"
T ceremony request "$C" --signer k3 -o "$tmp/req3.json" >/dev/null 2>&1 &&
	ok "request k3 run again" || bad "request k3 run again"
check "  the same REQ bytes" cmp -s "$tmp/req3.json" "$tmp/req3.first"
echo yes | at b ceremony sign-request "$tmp/req3.json" --key k3 -o "$tmp/resp3.json" >"$tmp/sr.out" 2>&1 &&
	ok "k3 signs on machine b" || bad "k3 signs on machine b" "$(cat "$tmp/sr.out")"
crash "import k3" ceremony-import T ceremony import "$C" "$tmp/resp3.json"
cp "$C/signatures.json" "$tmp/sigs.3"
T ceremony import "$C" "$tmp/resp3.json" >"$tmp/i.out" 2>&1
check "import k3 run again writes the record only" grep -q "record is written now" "$tmp/i.out"
check "  signatures.json unchanged" cmp -s "$C/signatures.json" "$tmp/sigs.3"
T ceremony request "$C" --signer k4 -o "$tmp/req4.json" >/dev/null 2>&1 &&
	echo yes | at c ceremony sign-request "$tmp/req4.json" --key k4 -o "$tmp/resp4.json" >/dev/null 2>&1 &&
	T ceremony import "$C" "$tmp/resp4.json" >/dev/null 2>&1 && ok "k4 signs on machine c, imported" ||
	bad "k4 signs on machine c, imported"
check "  the response and the import record name the token machine c used" test \
	"$(jget "$tmp/resp4.json" 'd["token"]["name"]')/$(tail -n 1 "$C/transcript.jsonl" | jget - 'd["token"]["name"]')" = t4/t4
echo yes | at c ceremony sign-request "$tmp/req4.json" --key k5 -o "$tmp/resp5.json" >/dev/null 2>&1
check "machine c's k5 cannot answer k4's request" test $? -ne 0 -a ! -e "$tmp/resp5.json"
T ceremony status "$C" --json >"$tmp/st.json" 2>&1
check "status: 4 of 3, complete, k5 missing" test "$(jget "$tmp/st.json" \
	'[d["new_root"]["have"], d["new_root"]["need"], d["complete"], [s["name"] for s in d["signers"] if not s["signed"]]]')" = \
	'[4, 3, true, ["k5"]]'

# ---- finish, killed after ROOT, then before the seal ---------------------------------------
crash "finish" ceremony-finish T ceremony finish "$C" -o "$tmp/root.json"
cp "$tmp/root.json" "$tmp/root.first"
crash "finish again" ceremony-seal T ceremony finish "$C" -o "$tmp/root.json"
check "  the same ROOT bytes" cmp -s "$tmp/root.json" "$tmp/root.first"
T ceremony finish "$C" -o "$tmp/root.json" >"$tmp/fin.out" 2>&1 && ok "finish run a third time completes" ||
	bad "finish run a third time completes" "$(cat "$tmp/fin.out")"
check "  the same ROOT bytes" cmp -s "$tmp/root.json" "$tmp/root.first"
check "  each step once: the transcript" test "$(steps "$C/transcript.jsonl")" = \
	"init sign sign request import request import finish seal"
check "  ROOT: 4 signatures, threshold 3 of 5" test "$(jget "$tmp/root.json" \
	'[len(d["signatures"]), d["signed"]["roles"]["root"]["threshold"], len(d["signed"]["roles"]["root"]["keyids"])]')" = \
	"[4, 3, 5]"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" >"$tmp/tv.out" 2>&1
check "transcript verify --root: sealed by the 2 keys here" grep -q "by 2 of the threshold 3 root keys" "$tmp/tv.out"

# ---- the root in use: tuf-js -------------------------------------------------------------
R=$tmp/repo
T repo init "$R" --root "$tmp/root.json" --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >/dev/null 2>&1 && file_blob a "three of five" &&
	T repo add "$R" app/a.txt "$tmp/blobs/a" >/dev/null 2>&1 && T repo publish "$R" >/dev/null 2>&1 &&
	ok "a repository on the 3-of-5 root" || bad "a repository on the 3-of-5 root"
serve "$R"
tufjs "$tmp/root.json" app/a.txt
check "tuf-js trusting the 3-of-5 root downloads a target" grep -q '"target":"app/a.txt","ok":true' "$tmp/tufjs.out"
tufjs_v1=$tmp/tufjs.$tufjs_n

# ---- rotation: 2 of {n1, n2, n3}, old threshold 3 of {k1..k5} ------------------------------
C2=$tmp/c2
T ceremony init "$C2" --profile tuf --threshold 2 --signer n1=n1 --signer n2=n2 \
	--signer n3="pubkey:$tmp/n3.pem" --old-signer k1=k1 --old-signer k2=k2 \
	--old-signer k3="pubkey:$tmp/k3.pem" --prev-root "$tmp/root.json" >"$tmp/i2.out" 2>&1 &&
	ok "init the rotation" || bad "init the rotation" "$(cat "$tmp/i2.out")"
for s in n1 n2 k1 k2; do
	echo yes | T ceremony sign "$C2" --signer "$s" >/dev/null 2>&1 || bad "rotation: $s signs"
done
T ceremony status "$C2" --json >"$tmp/st2.json" 2>&1
check "status: new 2 of 2, old 2 of 3" test "$(jget "$tmp/st2.json" \
	'[d["new_root"]["have"], d["new_root"]["need"], d["old_root"]["have"], d["old_root"]["need"]]')" = \
	"[2, 2, 2, 3]"
before=$(files "$C2")
T ceremony finish "$C2" -o "$tmp/root2.json" 2>"$tmp/err"
check "finish with 2 of the 3 old signatures: refused, nothing written" \
	test $? -eq 1 -a ! -e "$tmp/root2.json" -a "$(files "$C2")" = "$before"
# The same root put together by hand: tuf-js must refuse it too.
"$PY" - "$C2" "$tmp/root2-short.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1] + "/root.unsigned.json"))
d["signatures"] = json.load(open(sys.argv[1] + "/signatures.json"))
open(sys.argv[2], "w").write(json.dumps(d, sort_keys=True, separators=(",", ":")))
EOF
cp -r "$R" "$tmp/served-short"
cp "$tmp/root2-short.json" "$tmp/served-short/2.root.json"
serve "$tmp/served-short"
tufjs "$tmp/root.json" app/a.txt
if grep -q '"error":".*root was signed by 2/3 keys' "$tmp/tufjs.out" && ! grep -q '"ok":true' "$tmp/tufjs.out"; then
	ok "tuf-js refuses the rotation short of the old threshold"
else
	bad "tuf-js refuses the rotation short of the old threshold" "$(cat "$tmp/tufjs.out")"
fi
T ceremony request "$C2" --signer k3 -o "$tmp/req2-3.json" >/dev/null 2>&1 &&
	echo yes | at b ceremony sign-request "$tmp/req2-3.json" --key k3 -o "$tmp/resp2-3.json" >/dev/null 2>&1 &&
	T ceremony import "$C2" "$tmp/resp2-3.json" >/dev/null 2>&1 && ok "k3 signs the rotation offline" ||
	bad "k3 signs the rotation offline"
T ceremony finish "$C2" -o "$tmp/root2.json" >"$tmp/f2.out" 2>&1 && ok "finish the rotation: 3 old + 2 new" ||
	bad "finish the rotation" "$(cat "$tmp/f2.out")"
check "  root v2: 5 signatures" test "$(jget "$tmp/root2.json" '[d["signed"]["version"], len(d["signatures"])]')" = "[2, 5]"
cp -r "$R" "$tmp/served"
cp "$tmp/root2.json" "$tmp/served/2.root.json"
serve "$tmp/served"
# The client of the first run, which trusts v1, refreshes again.
node "$TUFJS/client.js" "$URL" "$tmp/root.json" "$tufjs_v1" app/a.txt >"$tmp/tufjs.out" 2>&1
check "tuf-js that trusted the old root updates across the rotation" \
	grep -q '"target":"app/a.txt","ok":true' "$tmp/tufjs.out"
check "  and now trusts root v2" test "$(jget "$tufjs_v1/metadata/root.json" 'd["signed"]["version"]')" = 2

finish
