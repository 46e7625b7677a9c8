#!/bin/bash
# tufctl ceremony, the TUF 1.0 profile, end to end: a 2-of-3 root over
# three SoftHSM2 tokens, two signers here (this machine's agent) and one
# through request / sign-request / import against a second agent on its
# own socket and token (the "offline" machine: the two share only the REQ
# and RESP files); finish; the root adopted by tufctl repo init --root,
# published, and read by tuf-js.  Refusals change nothing: a confirmation
# other than "yes", a response for another ceremony, a tampered one, a
# duplicate, finish before the threshold.
. "$(dirname "$0")/tuf_lib.sh"

# ---- the second agent (the offline machine) ----------------------------------------------
T2() {
	at b "$@"
}

tuf_start alice bob ops || { bad "the agent starts"; finish; }
KEY_TOKEN=alice keys alice
KEY_TOKEN=bob keys bob
KEY_TOKEN=ops keys targets snapshot timestamp
agent_at b offline || { bad "the second agent starts"; finish; }
T2 key generate --label carol --type ecdsa-p256 --token offline >/dev/null ||
	{ bad "a key on the offline token"; finish; }
# The plan knows carol's key by its public key only.
T2 --json key show --label carol --profile tuf |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"]["keyval"]["public"].strip())' \
		>"$tmp/carol.pem"
check "the offline key is not in this machine's agent" bash -c "! '$TUFCTL' --socket '$SOCK' \
	key show --label carol --profile tuf >/dev/null 2>&1"

# files DIR: a digest of every file in DIR (nothing changed on a refusal).
files() {
	(cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum)
}

C=$tmp/ceremony
# ---- usage -------------------------------------------------------------------------------
T ceremony init "$C" --profile notary --threshold 1 --signer a=alice 2>"$tmp/err"
check "init --profile notary without --gun: exit 2" test $? -eq 2
check "  and says so" grep -q "wants --gun GUN" "$tmp/err"
T ceremony init "$C" --profile tuf --threshold 1 --signer a=alice 2>/dev/null
check "init without --role-key and --prev-root: exit 2" test $? -eq 2
T ceremony init "$C" --profile tuf --threshold 3 --signer a=alice --role-key targets=targets \
	--role-key snapshot=snapshot --role-key timestamp=timestamp 2>/dev/null
check "init with a threshold above the signers: exit 2" test $? -eq 2
check "  and no ceremony" test ! -e "$C/plan.json"
T ceremony sign "$C" 2>/dev/null
check "sign without --signer: exit 2" test $? -eq 2
T ceremony import "$C" 2>/dev/null
check "import without RESP: exit 2" test $? -eq 2
T ceremony finish "$C" 2>/dev/null
check "finish without -o: exit 2" test $? -eq 2
T ceremony status "$tmp" 2>"$tmp/err"
check "status of a folder with no ceremony: exit 1" test $? -eq 1
check "  one line" test "$(wc -l <"$tmp/err")" -eq 1

# ---- init --------------------------------------------------------------------------------
if T ceremony init "$C" --profile tuf --threshold 2 --signer alice=alice --signer bob=bob \
	--signer carol="pubkey:$tmp/carol.pem" --role-key targets=targets --role-key snapshot=snapshot \
	--role-key timestamp=timestamp --expires 30 >"$tmp/init.out" 2>&1; then
	ok "init: a 2-of-3 root"
else
	bad "init: a 2-of-3 root" "$(cat "$tmp/init.out")"
fi
check "init: root.unsigned.json, plan.json, transcript.jsonl" \
	test -f "$C/root.unsigned.json" -a -f "$C/plan.json" -a -f "$C/transcript.jsonl"
check "init: the plan names the bytes' SHA-256" test "$(jget "$C/plan.json" 'd["root_sha256"]')" = \
	"$(sha256sum "$C/root.unsigned.json" | cut -d' ' -f1)"
check "init: every signer unattested" test "$(jget "$C/plan.json" \
	'sorted(set(s["attestation"] for s in d["signers"]))')" = '["unattested"]'
check "init: root threshold 2 of 3, version 1" test "$(jget "$C/root.unsigned.json" \
	'[d["signed"]["version"], d["signed"]["roles"]["root"]["threshold"], len(d["signed"]["roles"]["root"]["keyids"])]')" = "[1, 2, 3]"
check "init: transcript record init" test "$(jget - 'd["step"]' <"$C/transcript.jsonl")" = init
T ceremony init "$C" --profile tuf --threshold 1 --signer alice=alice --role-key targets=targets \
	--role-key snapshot=snapshot --role-key timestamp=timestamp >/dev/null 2>&1
check "init refuses an existing ceremony (exit 1)" test $? -eq 1
id=$(sha256sum "$C/plan.json" | cut -d' ' -f1)

# ---- sign here ---------------------------------------------------------------------------
before=$(files "$C")
echo no | T ceremony sign "$C" --signer alice >"$tmp/sign.out" 2>"$tmp/err"
check "sign answered 'no': exit 1" test $? -eq 1
check "  nothing changed" test "$(files "$C")" = "$before"
echo "yes " | T ceremony sign "$C" --signer alice >/dev/null 2>&1
check "sign answered 'yes ': exit 1, nothing changed" test $? -eq 1 -a "$(files "$C")" = "$before"
T ceremony sign "$C" --signer alice </dev/null >/dev/null 2>&1
check "sign with no answer: exit 1, nothing changed" test $? -eq 1 -a "$(files "$C")" = "$before"
check "the summary: version, expiry, each role" grep -q "TUF 1.0 root, version 1, expires" "$tmp/sign.out"
check "the summary: the SHA-256 in hex" grep -q "$(sha256sum "$C/root.unsigned.json" | cut -d' ' -f1)" \
	"$tmp/sign.out"
words=$(sed -n '/^SHA-256/{n;n;p}' "$tmp/sign.out" | wc -w)
check "the summary: the SHA-256 as 32 PGP words" test "$words" -eq 32
check "the summary: a first root says so" grep -q "a first root" "$tmp/sign.out"

echo yes | T ceremony sign "$C" --signer alice >"$tmp/sign.out" 2>&1 && ok "alice signs here" ||
	bad "alice signs here" "$(cat "$tmp/sign.out")"
check "  signatures.json holds one" test "$(jget "$C/signatures.json" 'len(d)')" = 1
echo yes | T ceremony sign "$C" --signer alice >"$tmp/sign.out" 2>&1
check "a second sign by alice is a no-op (exit 0)" grep -q "already" "$tmp/sign.out"
check "  still one signature" test "$(jget "$C/signatures.json" 'len(d)')" = 1
# Killed after signatures.json was written, before the transcript record:
# the chain's last record cut off, as such a kill leaves it.
sed -i '$d' "$C/transcript.jsonl"
echo yes | T ceremony sign "$C" --signer alice >"$tmp/sign.out" 2>&1
check "sign run again after a kill writes the missing record only" grep -q "record is written now" "$tmp/sign.out"
check "  still one signature, two records" test "$(jget "$C/signatures.json" 'len(d)')" = 1 -a \
	"$(wc -l <"$C/transcript.jsonl")" -eq 2
T ceremony sign "$C" --signer mallory </dev/null >/dev/null 2>&1
check "sign by a signer not in the plan: exit 1" test $? -eq 1

# ---- finish before the threshold ---------------------------------------------------------
before=$(files "$C")
T ceremony finish "$C" -o "$tmp/root.json" 2>"$tmp/err"
check "finish at 1 of 2: exit 1" test $? -eq 1
check "  no ROOT written, DIR unchanged" test ! -e "$tmp/root.json" -a "$(files "$C")" = "$before"
T ceremony status "$C" >"$tmp/status.out" 2>&1
check "status: 1 of 2" grep -q "new root: 1 of 2 signatures" "$tmp/status.out"
check "status: the chain" grep -q "chain intact" "$tmp/status.out"

# ---- carol, air-gapped --------------------------------------------------------------------
T ceremony request "$C" --signer carol -o "$tmp/req.json" >/dev/null 2>&1 && ok "request for carol" ||
	bad "request for carol"
check "REQ names the ceremony" test "$(jget "$tmp/req.json" 'd["ceremony"]')" = "$id"
cp "$tmp/req.json" "$tmp/req-bad.json"
"$PY" - "$tmp/req-bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["root"] = d["root"].replace('"threshold":2', '"threshold":1', 1)
json.dump(d, open(sys.argv[1], "w"))
EOF
echo yes | T2 ceremony sign-request "$tmp/req-bad.json" --key carol -o "$tmp/resp-bad.json" >/dev/null 2>&1
check "sign-request refuses bytes that do not hash to REQ's sha256" test $? -eq 1 -a ! -e "$tmp/resp-bad.json"
T2 key generate --label eve --type ecdsa-p256 --token offline >/dev/null
echo yes | T2 ceremony sign-request "$tmp/req.json" --key eve -o "$tmp/resp.json" >/dev/null 2>&1
check "sign-request with a key that is not the signer's: exit 1, no RESP" test $? -eq 1 -a ! -e "$tmp/resp.json"
before=$(files "$C")
echo yes | T ceremony sign "$C" --signer carol >/dev/null 2>&1
check "sign here for carol, whose key this agent lacks: exit 1, nothing changed" \
	test $? -eq 1 -a "$(files "$C")" = "$before"
echo nope | T2 ceremony sign-request "$tmp/req.json" --key carol -o "$tmp/resp.json" >/dev/null 2>&1
check "sign-request answered 'nope': exit 1, no RESP" test $? -eq 1 -a ! -e "$tmp/resp.json"
echo yes | T2 ceremony sign-request "$tmp/req.json" --key carol -o "$tmp/resp.json" >"$tmp/sr.out" 2>&1 &&
	ok "carol signs offline through the second agent" || bad "carol signs offline" "$(cat "$tmp/sr.out")"
check "  after the same summary" grep -q "TUF 1.0 root, version 1" "$tmp/sr.out"

before=$(files "$C")
# another ceremony: the same response under another ceremony ID
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["ceremony"]="0"*64; json.dump(d, open(sys.argv[2],"w"))' \
	"$tmp/resp.json" "$tmp/resp-other.json"
T ceremony import "$C" "$tmp/resp-other.json" 2>"$tmp/err"
check "import refuses a response for another ceremony" test $? -eq 1
check "  and says so" grep -q "another ceremony" "$tmp/err"
# tampered: one byte of the signature
"$PY" - "$tmp/resp.json" "$tmp/resp-tamper.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signature"]["sig"]
i = len(s) // 2
d["signature"]["sig"] = s[:i] + ("0" if s[i] != "0" else "1") + s[i + 1:]
json.dump(d, open(sys.argv[2], "w"))
EOF
T ceremony import "$C" "$tmp/resp-tamper.json" 2>"$tmp/err"
check "import refuses a tampered signature (one byte)" test $? -eq 1
check "  which does not verify" grep -q "does not verify" "$tmp/err"
# carol's response claimed by bob
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["signer"]="bob"; json.dump(d, open(sys.argv[2],"w"))' \
	"$tmp/resp.json" "$tmp/resp-bob.json"
T ceremony import "$C" "$tmp/resp-bob.json" 2>/dev/null
check "import refuses a key that is not the signer's" test $? -eq 1
check "  DIR unchanged by every refusal" test "$(files "$C")" = "$before"
T ceremony import "$C" "$tmp/resp.json" >"$tmp/imp.out" 2>&1 && ok "import carol's response" ||
	bad "import carol's response" "$(cat "$tmp/imp.out")"
sed -i '$d' "$C/transcript.jsonl"
T ceremony import "$C" "$tmp/resp.json" >"$tmp/imp.out" 2>&1
check "import run again after a kill writes the missing record only" grep -q "record is written now" "$tmp/imp.out"
before=$(files "$C")
T ceremony import "$C" "$tmp/resp.json" 2>"$tmp/err"
check "import refuses a duplicate" test $? -eq 1 -a "$(files "$C")" = "$before"

# ---- bob, status, finish ------------------------------------------------------------------
echo yes | T ceremony sign "$C" --signer bob >/dev/null 2>&1 && ok "bob signs here" || bad "bob signs here"
T ceremony status "$C" --json >"$tmp/status.json" 2>&1
check "status --json: 3 of 2, complete, every signer signed" test "$(jget "$tmp/status.json" \
	'[d["new_root"]["have"], d["new_root"]["need"], d["complete"], all(s["signed"] for s in d["signers"])]')" = \
	"[3, 2, true, true]"
# A signature slipped into signatures.json by hand is not carried into ROOT.
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d.append({"keyid":"ab"*32,"sig":"00"}); json.dump(d, open(sys.argv[1],"w"))' \
	"$C/signatures.json"
T ceremony finish "$C" -o "$tmp/root.json" >"$tmp/fin.out" 2>&1 && ok "finish" ||
	bad "finish" "$(cat "$tmp/fin.out")"
check "  the root carries the 3 that verify" test "$(jget "$tmp/root.json" 'len(d["signatures"])')" = 3
check "  its signed part is the ceremony's bytes'" "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(0 if a["signed"] == b["signed"] else 1)' "$tmp/root.json" "$C/root.unsigned.json"
check "finish: alice and bob seal the transcript head; carol's key is not here" \
	test "$(grep -c "signed the transcript head" "$tmp/fin.out")" -eq 2
check "  the agent signed it under the ceremony profile" grep -q '"profile":"ceremony"' "$tmp/audit.log"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" >"$tmp/tv.out" 2>&1 &&
	ok "transcript verify --root ROOT" || bad "transcript verify --root ROOT" "$(cat "$tmp/tv.out")"
check "  the head signed by 2 of the threshold 2" grep -q "sealed (record 7) by 2 of the threshold 2 root keys" "$tmp/tv.out"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" --ca "$tmp/root.json" >"$tmp/tv.out" 2>&1
check "transcript verify --ca: SoftHSM2 signers are listed unattested" \
	grep -q "0 of 3 signers attested (checked against --ca); unattested: alice, bob, carol" "$tmp/tv.out"
check "  steps init, sign, request, import, sign, finish, seal" test "$("$PY" -c '
import json, sys
print(" ".join(json.loads(l)["step"] for l in open(sys.argv[1])))' "$C/transcript.jsonl")" = \
	"init sign request import sign finish seal"
check "  the seal's signatures verify with securesystemslib" "$PY" - "$C/transcript.jsonl" "$C/plan.json" <<'EOF2'
import json, sys
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Signature, SSlibKey
recs = [json.loads(l) for l in open(sys.argv[1])]
plan = json.load(open(sys.argv[2]))
seal = recs[-1]
keys = {s["keyid"]: s["key"] for s in plan["signers"]}
data = encode_canonical(seal["head"]).encode()
assert len(seal["signatures"]) == 2
for s in seal["signatures"]:
    SSlibKey.from_dict(s["keyid"], dict(keys[s["keyid"]])).verify_signature(
        Signature(s["keyid"], s["sig"]), data)
EOF2
before=$(files "$C")
cp "$tmp/root.json" "$tmp/root.first"
T ceremony finish "$C" -o "$tmp/root.json" >"$tmp/fin.out" 2>&1
check "finish run again: exit 0, the same ROOT bytes, the transcript unchanged" \
	test $? -eq 0 -a "$(files "$C")" = "$before"
check "  the same ROOT bytes" cmp -s "$tmp/root.json" "$tmp/root.first"
# The seal record cut off (or the finish and seal both): the end is open.
cp "$C/transcript.jsonl" "$tmp/t.keep"
sed -i '$d' "$C/transcript.jsonl"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" 2>"$tmp/err" >/dev/null
check "transcript verify --root: the seal cut off is caught" test $? -eq 1
check "  and said" grep -q "no seal record" "$tmp/err"
cp "$tmp/t.keep" "$C/transcript.jsonl"
# A seal signature edited (the chain re-linked is beyond an editor without
# the hash, but a lone last record needs none): caught by its key.
"$PY" - "$C/transcript.jsonl" <<'EOF2'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
seal = json.loads(lines[-1])
s = seal["signatures"][0]["sig"]
seal["signatures"][0]["sig"] = s[:-2] + ("00" if s[-2:] != "00" else "11")
lines[-1] = json.dumps(seal, sort_keys=True, separators=(",", ":"))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF2
T ceremony transcript verify "$C/transcript.jsonl" 2>"$tmp/err" >/dev/null
check "transcript verify: an edited seal signature is named" grep -q "does not verify over the head" "$tmp/err"
cp "$tmp/t.keep" "$C/transcript.jsonl"
# A record chained on after the seal: the chain holds, the seal does not cover it.
"$PY" - "$C/transcript.jsonl" <<'EOF2'
import hashlib, json, sys
lines = open(sys.argv[1]).read().splitlines()
last = json.loads(lines[-1])
rec = {"prev": hashlib.sha256(lines[-1].encode()).hexdigest(), "seq": last["seq"] + 1,
       "step": "sign", "time": last["time"], "signer": "mallory"}
lines.append(json.dumps(rec, sort_keys=True, separators=(",", ":")))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF2
T ceremony transcript verify "$C/transcript.jsonl" >"$tmp/tv.out" 2>&1
check "a record after the seal: the chain verifies, the line says it is not covered" \
	grep -q "records after the seal are not covered" "$tmp/tv.out"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" >/dev/null 2>"$tmp/err"
check "  and verify --root refuses it" grep -q "1 record after the seal (record 7)" "$tmp/err"
cp "$tmp/t.keep" "$C/transcript.jsonl"
echo '{}' >"$tmp/other-root.json"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/other-root.json" >/dev/null 2>&1
check "transcript verify against another file fails" test $? -eq 1

# ---- the root in use ----------------------------------------------------------------------
R=$tmp/repo
if T repo init "$R" --root "$tmp/root.json" --targets-key targets --snapshot-key snapshot \
	--timestamp-key timestamp >"$tmp/rinit.out" 2>&1; then
	ok "repo init --root adopts the ceremony's root"
else
	bad "repo init --root adopts the ceremony's root" "$(cat "$tmp/rinit.out")"
fi
file_blob hello "hello, ceremony"
publish_fetched "$R" "$tmp/root.json" "$tmp/blobs/hello" "add and publish" \
	"tuf-js trusting the ceremony's root downloads a target" "securesystemslib verifies every signature"

# ---- a rotation: v2, 2 of {alice, dave}, signed by a threshold of v1's keys too ------------
KEY_TOKEN=alice keys dave
C2=$tmp/rotation
T ceremony init "$C2" --profile tuf --threshold 2 --signer alice=alice --signer dave=dave \
	--old-signer bob=bob --prev-root "$tmp/root.json" >"$tmp/init2.out" 2>&1 &&
	ok "init --prev-root: a rotation to v2" || bad "init --prev-root" "$(cat "$tmp/init2.out")"
check "  version 2, the other roles' keys from the previous root" test "$(jget "$C2/root.unsigned.json" \
	'[d["signed"]["version"], d["signed"]["roles"]["targets"]]')" = "$(jget "$tmp/root.json" \
	'[d["signed"]["version"] + 1, d["signed"]["roles"]["targets"]]')"
T ceremony init "$C2.x" --profile tuf --threshold 1 --signer alice=alice --old-signer dave=dave \
	--prev-root "$tmp/root.json" >/dev/null 2>&1
check "init refuses an --old-signer whose key the previous root does not list" test $? -eq 1
echo yes | T ceremony sign "$C2" --signer alice >"$tmp/r.out" 2>&1
check "the summary names the changes: dave added, carol removed" \
	grep -q "+ key $(T --json key show --label dave --profile tuf | jget - 'd["keyid"]')" "$tmp/r.out"
check "  carol removed" grep -q "\- key $(jget "$C/plan.json" '[s["keyid"] for s in d["signers"] if s["name"] == "carol"][0]')" "$tmp/r.out"
echo yes | T ceremony sign "$C2" --signer dave >/dev/null 2>&1
T ceremony status "$C2" --json >"$tmp/status2.json" 2>&1
check "status --json: new root 2 of 2, old root 1 of 2, apart" test "$(jget "$tmp/status2.json" \
	'[d["new_root"]["have"], d["new_root"]["need"], d["old_root"]["have"], d["old_root"]["need"], d["complete"]]')" = \
	"[2, 2, 1, 2, false]"
T ceremony finish "$C2" -o "$tmp/root2.json" 2>"$tmp/err"
check "finish without the old root's threshold: exit 1, no ROOT" test $? -eq 1 -a ! -e "$tmp/root2.json"
check "  naming the previous root" grep -q "previous root" "$tmp/err"
echo yes | T ceremony sign "$C2" --signer bob >/dev/null 2>&1 && ok "bob (an old root key only) signs" ||
	bad "bob (an old root key only) signs"
T ceremony finish "$C2" -o "$tmp/root2.json" >"$tmp/fin2.out" 2>&1 && ok "finish the rotation" ||
	bad "finish the rotation" "$(cat "$tmp/fin2.out")"
T verify --profile tuf --root "$tmp/root.json" "$tmp/root2.json" >"$tmp/v2.out" 2>&1 &&
	ok "tufctl verify: v2 against the trusted v1" || bad "tufctl verify: v2 against the trusted v1" "$(cat "$tmp/v2.out")"
T ceremony transcript verify "$C2/transcript.jsonl" --root "$tmp/root2.json" >/dev/null 2>&1 &&
	ok "the rotation's transcript names root v2" || bad "the rotation's transcript names root v2"

finish
