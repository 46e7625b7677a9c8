#!/bin/bash
# Root keys beyond the one stored certificate, and root rotation, through
# tuf-agent's sign on a SoftHSM2 token:
#  - one token key, many GUNs: a certificate for a second GUN made with
#    key.cert without --store, listed by that GUN's root, is signed as (the
#    token key matches a listed certificate by its public key);
#  - a renewed certificate: a root listing two certificates of one key gets
#    a signature as each;
#  - rotation A -> B (notary and tuf): without prev_root the old key is
#    refused; with it the old key signs as the previous root's key, and
#    tufctl verify accepts the new root against the previous one and itself;
#  - prev_root refused: a version gap, another GUN's certificates, not a
#    root, and on a role other than root.
. "$(dirname "$0")/agent_lib.sh"

G1=registry.example.com/team/one
G2=registry.example.com/team/two
[ -x "$TUFCTL" ] || skip_all "$TUFCTL is not built"
make_token alpha || skip_all "softhsm2-util cannot make a token"
{ agent_block; token_block alpha "$SOFTHSM" "file:$tmp/pin"; } >"$tmp/agent.conf"
agent_started "agent starts" "$tmp/agent.conf"

gen_ok=true
for k in root-a root-b root-c targets; do
	call key.generate "{\"label\":\"$k\",\"type\":\"ecdsa-p256\"}" >"$tmp/gen-$k.json" || gen_ok=false
done
check "four ecdsa-p256 keys" $gen_ok

# ---- helpers

# cert_key PEM_FILE: the notary ecdsa-x509 key object of a certificate
# and its key ID (SHA-256 of its canonical JSON), as {"keyid":..,"key":..}.
cert_key() {
	"$PY" - "$1" <<'PY'
import base64, hashlib, json, sys
pem = open(sys.argv[1], "rb").read()
key = {"keytype": "ecdsa-x509",
       "keyval": {"private": None, "public": base64.b64encode(pem).decode()}}
canon = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
print(json.dumps({"keyid": hashlib.sha256(canon).hexdigest(), "key": key}))
PY
}
# key_cert LABEL GUN STORE OUT: key.cert's result in OUT.json, the PEM in
# OUT.pem, the x509 key object in OUT.key.
key_cert() {
	call key.cert "{\"key\":\"$1\",\"gun\":\"$2\",\"store\":$3}" >"$4.json" &&
		"$PY" -c 'import json,sys
open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["pem"])' "$4.json" "$4.pem" &&
		cert_key "$4.pem" >"$4.key"
}
# notary_root VERSION ROOT_KEY_FILE...: an unsigned notary root listing the
# key objects (files of {"keyid","key"}) as root keys, threshold 1, and the
# targets key for the other roles.
notary_root() {
	"$PY" - "$tmp" "$@" <<'PY'
import json, sys
t, version, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
roots = [json.load(open(f)) for f in files]
tg = json.load(open(t + "/show-targets-notary.json"))
keys = {r["keyid"]: r["key"] for r in roots}
keys[tg["keyid"]] = tg["key"]
signed = {"_type": "Root", "consistent_snapshot": False, "expires": "2035-01-01T00:00:00Z",
          "keys": keys,
          "roles": {"root": {"keyids": [r["keyid"] for r in roots], "threshold": 1},
                    "targets": {"keyids": [tg["keyid"]], "threshold": 1},
                    "snapshot": {"keyids": [tg["keyid"]], "threshold": 1},
                    "timestamp": {"keyids": [tg["keyid"]], "threshold": 1}},
          "version": version}
print(json.dumps({"signed": signed, "signatures": []}, indent=1))
PY
}
# tuf_root VERSION ROOT_LABEL: an unsigned tuf root, one root key.
tuf_root() {
	"$PY" - "$tmp" "$@" <<'PY'
import json, sys
t, version, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = json.load(open("%s/show-%s-tuf.json" % (t, label)))
tg = json.load(open(t + "/show-targets-tuf.json"))
signed = {"_type": "root", "spec_version": "1.0.31", "version": version,
          "expires": "2035-01-01T00:00:00Z", "consistent_snapshot": False,
          "keys": {r["keyid"]: r["key"], tg["keyid"]: tg["key"]},
          "roles": {"root": {"keyids": [r["keyid"]], "threshold": 1},
                    "targets": {"keyids": [tg["keyid"]], "threshold": 1},
                    "snapshot": {"keyids": [tg["keyid"]], "threshold": 1},
                    "timestamp": {"keyids": [tg["keyid"]], "threshold": 1}}}
print(json.dumps({"signed": signed, "signatures": []}, indent=1))
PY
}
# sign PROFILE ROLE GUN KEYS_JSON FILE [PREV_ROOT_FILE]: the response JSON
# (result or error) on stdout; exit status 0 for a result.
sign() {
	"$PY" -c 'import json,sys
p = {"profile": sys.argv[1], "role": sys.argv[2], "keys": json.loads(sys.argv[4]),
     "file": open(sys.argv[5], encoding="utf-8").read()}
if sys.argv[3]:
    p["gun"] = sys.argv[3]
if len(sys.argv) > 6:
    p["prev_root"] = open(sys.argv[6], encoding="utf-8").read()
print(json.dumps(p))' "$@" >"$tmp/params.json"
	call sign "$(cat "$tmp/params.json")"
}
# signed RESPONSE OUT: the signed file's exact bytes.
signed() {
	"$PY" -c 'import json,sys
open(sys.argv[2], "w", encoding="utf-8").write(json.load(open(sys.argv[1]))["file"])' "$1" "$2"
}
# sign_as SIGNED PROFILE ROLE GUN KEYS_JSON FILE [PREV_ROOT_FILE]: sign, the
# response in $tmp/out.json, the signed file's bytes in SIGNED.
sign_as() {
	local out=$1
	shift
	sign "$@" >"$tmp/out.json"
	signed "$tmp/out.json" "$out"
}
keyid() { jget "$1" 'd["keyid"]'; }
# refused NAME CODE ERR DETAIL SIGN_ARGS...: sign SIGN_ARGS is refused with
# that error (err_is), checked as NAME.
refused() {
	local name=$1 code=$2 err=$3 detail=$4
	shift 4
	sign "$@" >"$tmp/out.json"
	check "$name" err_is "$tmp/out.json" "$code" "$err" "$detail"
}
# keyids_are KEYFILE...: the signatures in $tmp/out.json are by the key IDs
# of the KEYFILEs (key.cert or key.show answers), in that order.
keyids_are() {
	local want= k
	for k; do
		want+="${want:+, }\"$(keyid "$k")\""
	done
	test "$(jget "$tmp/out.json" 'd["keyids"]')" = "[$want]"
}
fails() { ! "$@"; }
# verify PROFILE GUN TRUSTED FILE: tufctl verify, output in $tmp/verify.log.
verify() {
	local gun=()
	[ -n "$2" ] && gun=(--gun "$2")
	"$TUFCTL" verify --profile "$1" "${gun[@]}" --root "$3" "$4" >"$tmp/verify.log" 2>&1
}
err_is() { # RESPONSE CODE NAME DETAIL_SUBSTRING
	"$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
ok = d.get("code") == int(sys.argv[2]) and d["data"]["name"] == sys.argv[3] and \
    sys.argv[4] in d["data"]["detail"]
if not ok:
    print("   got", json.dumps(d))
sys.exit(0 if ok else 1)' "$@"
}

for k in root-a root-b root-c targets; do
	for p in notary tuf; do
		call key.show "{\"key\":\"$k\",\"profile\":\"$p\"}" >"$tmp/show-$k-$p.json"
	done
done

# ---- one key, many GUNs
key_cert root-a "$G1" true "$tmp/a1"
key_cert root-a "$G2" false "$tmp/a2"
check "key.cert without store: a PEM for another GUN, not stored" \
	test "$(jget "$tmp/a2.json" 'd["stored"]')/$(openssl x509 -in "$tmp/a2.pem" -noout -subject -nameopt RFC2253 2>&1)" = \
	"false/subject=CN=$G2"
call key.show '{"key":"root-a","profile":"notary"}' >"$tmp/show-a-x509.json"
check "the token keeps the first certificate (key.show's x509 key is G1's)" \
	test "$(keyid "$tmp/show-a-x509.json")" = "$(keyid "$tmp/a1.key")"
check "the two certificates have distinct key IDs" \
	test "$(keyid "$tmp/a1.key")" != "$(keyid "$tmp/a2.key")"

notary_root 1 "$tmp/a1.key" >"$tmp/g1-v1.json"
sign_as "$tmp/g1-v1.signed.json" notary root "$G1" '["root-a"]' "$tmp/g1-v1.json"
check "G1 root v1: signed by key A as its stored certificate's ID" \
	keyids_are "$tmp/a1.key"
check "G1 root v1: tufctl verify accepts it" \
	verify notary "$G1" "$tmp/g1-v1.signed.json" "$tmp/g1-v1.signed.json"

notary_root 1 "$tmp/a2.key" >"$tmp/g2-v1.json"
sign_as "$tmp/g2-v1.signed.json" notary root "$G2" '["root-a"]' "$tmp/g2-v1.json"
check "G2 root v1 (certificate not on the token): key A signs as that certificate's ID" \
	keyids_are "$tmp/a2.key"
check "G2 root v1: tufctl verify --gun G2 accepts it" \
	verify notary "$G2" "$tmp/g2-v1.signed.json" "$tmp/g2-v1.signed.json"
check "G2 root v1: tufctl verify --gun G1 refuses it (CN)" \
	fails verify notary "$G1" "$tmp/g2-v1.signed.json" "$tmp/g2-v1.signed.json"
refused "G2 root v1: key B (no listed certificate) is refused naming roles.root.keyids" -32011 TA_ERR_VERIFY "is not one of this root's root keys (roles.root.keyids)" \
	notary root "$G2" '["root-b"]' "$tmp/g2-v1.json"

# A renewed certificate: two certificates of key A listed; one signature as each.
key_cert root-a "$G1" false "$tmp/a1b"
notary_root 1 "$tmp/a1.key" "$tmp/a1b.key" >"$tmp/g1-two.json"
sign_as "$tmp/g1-two.signed.json" notary root "$G1" '["root-a"]' "$tmp/g1-two.json"
check "two certificates of key A listed: signed as both, in roles.root order" \
	keyids_are "$tmp/a1.key" "$tmp/a1b.key"
check "two certificates of key A: two signatures in the file" \
	test "$(jget "$tmp/g1-two.signed.json" 'len(d["signatures"])')" = 2
check "two certificates of key A: tufctl verify accepts the root" \
	verify notary "$G1" "$tmp/g1-two.signed.json" "$tmp/g1-two.signed.json"

# unproven_rotation WHAT PROFILE GUN V1_SIGNED V2 A_SHOW: without prev_root the
# agent refuses key A (shown in A_SHOW) for V2, whose root keys are B's alone;
# signed by B alone (V2 with .bonly), tufctl verify refuses V2 against V1_SIGNED.
unproven_rotation() {
	refused "$1 without prev_root: key A refused, the message names roles.root.keyids" -32011 TA_ERR_VERIFY "params.keys[0]: key $(keyid "$6") is not one of this root's root keys (roles.root.keyids)" \
		"$2" root "$3" '["root-a","root-b"]' "$5"
	sign_as "${5%.json}.bonly.json" "$2" root "$3" '["root-b"]' "$5"
	check "$1 signed by B alone: tufctl verify refuses it against v1" \
		fails verify "$2" "$3" "$4" "${5%.json}.bonly.json"
}

# ---- notary rotation: G1 v1 (A) -> v2 (B)
key_cert root-b "$G1" false "$tmp/b1"
notary_root 2 "$tmp/b1.key" >"$tmp/g1-v2.json"
unproven_rotation rotation notary "$G1" "$tmp/g1-v1.signed.json" "$tmp/g1-v2.json" \
	"$tmp/show-root-a-notary.json"
check "  ... and says the trusted root did not sign" grep -q "not signed by the trusted root" "$tmp/verify.log"

sign_as "$tmp/g1-v2.signed.json" notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v2.json" "$tmp/g1-v1.signed.json"
check "rotation with prev_root: A signs as v1's root key, B as v2's" \
	keyids_are "$tmp/a1.key" "$tmp/b1.key"
check "rotation: tufctl verify accepts v2 against v1" \
	verify notary "$G1" "$tmp/g1-v1.signed.json" "$tmp/g1-v2.signed.json"
check "rotation: tufctl verify accepts v2 against itself" \
	verify notary "$G1" "$tmp/g1-v2.signed.json" "$tmp/g1-v2.signed.json"
check "rotation: the log says A signed as a previous root key" \
	grep -q "params.keys\[0\] (key 'root-a') signed as previous root key $(keyid "$tmp/a1.key")" "$LOG"
check "rotation: the audit record says so too" \
	grep -q '"detail":"1 signature(s) as previous root key".*"method":"sign".*"result":"ok"' "$AUDIT"
check "rotation: the audit record lists both key IDs" \
	"$PY" -c 'import json,sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(r["method"] == "sign" and r["result"] == "ok" and r.get("version") == 2
                  and r.get("keyids") == sys.argv[2:] for r in recs) else 1)' \
	"$AUDIT" "$(keyid "$tmp/a1.key")" "$(keyid "$tmp/b1.key")"

# The same rotation through tufctl sign --prev-root, key A alone, then B.
"$TUFCTL" --socket "$SOCK" sign --profile notary --role root --gun "$G1" --key root-a \
	--prev-root "$tmp/g1-v1.signed.json" -o "$tmp/g1-v2.tufctl-a.json" "$tmp/g1-v2.json" \
	>"$tmp/tufctl.out" 2>&1
check "tufctl sign --prev-root: key A alone signs as v1's root key" \
	grep -q "signed by $(keyid "$tmp/a1.key");" "$tmp/tufctl.out"
"$TUFCTL" --socket "$SOCK" sign --profile notary --role root --gun "$G1" --key root-b \
	-o "$tmp/g1-v2.tufctl.json" "$tmp/g1-v2.tufctl-a.json" >"$tmp/tufctl.out" 2>&1
check "tufctl sign: B adds its signature; v2 verifies against v1" \
	verify notary "$G1" "$tmp/g1-v1.signed.json" "$tmp/g1-v2.tufctl.json"
"$TUFCTL" --socket "$SOCK" sign --profile notary --role targets --gun "$G1" --key targets \
	--prev-root "$tmp/g1-v1.signed.json" "$tmp/g1-v2.json" >"$tmp/tufctl.out" 2>&1
st=$?
check "tufctl sign --prev-root with --role targets: usage error (2), one line" \
	test "$st/$(wc -l <"$tmp/tufctl.out")/$(cat "$tmp/tufctl.out")" = \
	"2/1/tufctl: --prev-root is for --role root only (a rotation); see 'tufctl sign --help'"

# A renewal: v2 lists a new certificate of key A; with prev_root A signs as both.
notary_root 2 "$tmp/a1b.key" >"$tmp/g1-v2r.json"
sign_as "$tmp/g1-v2r.signed.json" notary root "$G1" '["root-a"]' "$tmp/g1-v2r.json" "$tmp/g1-v1.signed.json"
check "certificate renewal: key A signs as the new and the previous certificate" \
	keyids_are "$tmp/a1b.key" "$tmp/a1.key"
check "certificate renewal: tufctl verify accepts v2 against v1" \
	verify notary "$G1" "$tmp/g1-v1.signed.json" "$tmp/g1-v2r.signed.json"

# ---- prev_root refused
refused "prev_root: a key in neither root is refused (nor of the previous root's)" -32011 TA_ERR_VERIFY "roles.root.keyids) nor of the previous root's" \
	notary root "$G1" '["root-c"]' "$tmp/g1-v2.json" "$tmp/g1-v1.signed.json"
notary_root 3 "$tmp/b1.key" >"$tmp/g1-v3.json"
refused "prev_root: a version gap (1 -> 3) is refused" -32011 TA_ERR_VERIFY "root version 3 cannot follow the previous root's version 1" \
	notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v3.json" "$tmp/g1-v1.signed.json"
refused "prev_root: the same version is refused" -32011 TA_ERR_VERIFY "root version 1 cannot follow" \
	notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v1.json" "$tmp/g1-v1.signed.json"
notary_root 2 "$tmp/a2.key" >"$tmp/g2-v2.json"
refused "prev_root: another GUN's root is refused (its certificate's CN)" -32011 TA_ERR_CERT_CN "params.prev_root: root key $(keyid "$tmp/a2.key")" \
	notary root "$G1" '["root-a"]' "$tmp/g1-v2.json" "$tmp/g2-v1.signed.json"
cat >"$tmp/targets.json" <<'EOF'
{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2035-01-01T00:00:00Z","targets":{},"version":1},"signatures":[]}
EOF
refused "prev_root: a targets file is refused (not a root)" -32011 TA_ERR_FORMAT "params.prev_root: a Targets file, not a root" \
	notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v2.json" "$tmp/targets.json"
printf '{"signed":' >"$tmp/broken.json"
sign notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v2.json" "$tmp/broken.json" >"$tmp/out.json"
check "prev_root: a file that does not parse is refused, naming params.prev_root" \
	test "$(jget "$tmp/out.json" '(d["code"], d["data"]["detail"].startswith("params.prev_root: "))')" = '[-32011, true]'
refused "prev_root on role targets: -32602 from the decoder" -32602 TA_ERR_INVALID 'params.prev_root: only for role "root"' \
	notary targets "$G1" '["targets"]' "$tmp/targets.json" "$tmp/g1-v1.signed.json"
sign notary root "$G1" '["root-a","root-b"]' "$tmp/g1-v2.json" "$tmp/g1-v1.json" >"$tmp/out.json"
check "prev_root: an unsigned previous root still names the keys (no signature check)" \
	test "$(jget "$tmp/out.json" 'len(d["keyids"])')" = 2

# ---- tuf rotation: v1 (A) -> v2 (B); tuf keys are plain, same rule
tuf_root 1 root-a >"$tmp/t-v1.json"
tuf_root 2 root-b >"$tmp/t-v2.json"
sign_as "$tmp/t-v1.signed.json" tuf root "" '["root-a"]' "$tmp/t-v1.json"
check "tuf root v1: signed by A" \
	keyids_are "$tmp/show-root-a-tuf.json"
unproven_rotation "tuf rotation" tuf "" "$tmp/t-v1.signed.json" "$tmp/t-v2.json" \
	"$tmp/show-root-a-tuf.json"
"$TUFCTL" --socket "$SOCK" sign --profile tuf --role root --key root-a --key root-b \
	--prev-root "$tmp/t-v1.signed.json" -o "$tmp/t-v2.signed.json" "$tmp/t-v2.json" \
	>"$tmp/tufctl.out" 2>&1
check "tuf rotation through tufctl sign --prev-root: A as v1's key, B as v2's" \
	grep -q "signed by $(keyid "$tmp/show-root-a-tuf.json"), $(keyid "$tmp/show-root-b-tuf.json");" "$tmp/tufctl.out"
check "tuf rotation: tufctl verify accepts v2 against v1" \
	verify tuf "" "$tmp/t-v1.signed.json" "$tmp/t-v2.signed.json"
check "tuf rotation: tufctl verify accepts v2 against itself" \
	verify tuf "" "$tmp/t-v2.signed.json" "$tmp/t-v2.signed.json"
tuf_root 3 root-b >"$tmp/t-v3.json"
refused "tuf prev_root: a version gap is refused" -32011 TA_ERR_VERIFY "root version 3 cannot follow the previous root's version 1" \
	tuf root "" '["root-a","root-b"]' "$tmp/t-v3.json" "$tmp/t-v1.signed.json"
sign tuf root "" '["root-a"]' "$tmp/t-v2.json" "$tmp/g1-v1.signed.json" >"$tmp/out.json"
check "tuf prev_root: a notary root is refused (another profile)" \
	test "$(jget "$tmp/out.json" '(d["code"], d["data"]["detail"].startswith("params.prev_root: "))')" = '[-32011, true]'

agent_stop
check "SIGTERM: exit status 0" test $? -eq 0
finish
