#!/bin/bash
# tuf-agent end to end on a SoftHSM2 token: hello, status, keys of three
# types, both profiles' key objects, a notary root certificate, and
# signatures that tufctl verify and openssl accept.
. "$(dirname "$0")/agent_lib.sh"

GUN=registry.example.com/team/app
make_token alpha || skip_all "softhsm2-util cannot make a token"
{ agent_block; token_block alpha "$SOFTHSM" "file:$tmp/pin"; } >"$tmp/agent.conf"

agent_started "agent starts and listens" "$tmp/agent.conf"
check "socket is mode 0660 in a 0750 directory" \
	test "$(stat -c %a "$SOCK")/$(stat -c %a "$(dirname "$SOCK")")" = "660/750"

# ---- hello, status
call hello '{"versions":[1],"client":"agent-basic"}' >"$tmp/hello.json"
check "hello: version 1 and every method" \
	test "$(jget "$tmp/hello.json" 'd["version"] == 1 and "sign" in d["methods"] and d["agent"].startswith("tuf-agent ")')" = true
call hello '{"versions":[7]}' >"$tmp/out.json"
check "hello: no shared version is -32010" test "$(jget "$tmp/out.json" 'd["code"]')" = -32010
call status >"$tmp/status.json"
check "status: token alpha present, unlocked, PIN ok, no keys" \
	test "$(jget "$tmp/status.json" '[(t["name"], t["present"], t["unlocked"], t["pin"], t["keys"]) for t in d["tokens"]]')" = '[["alpha", true, true, "ok", 0]]'

# ---- keys
gen_ok=true
for kt in root-ec:ecdsa-p256 targets-ec:ecdsa-p256 tuf-ed:ed25519 tuf-rsa:rsa-2048; do
	call key.generate "{\"label\":\"${kt%%:*}\",\"type\":\"${kt#*:}\"}" >"$tmp/gen-${kt%%:*}.json" ||
		gen_ok=false
	[ "$(jget "$tmp/gen-${kt%%:*}.json" 'd["key"]["type"]')" = "${kt#*:}" ] || gen_ok=false
done
check "key.generate: ecdsa-p256, ed25519 and rsa-2048 keys" $gen_ok
call key.generate '{"label":"tuf-ed","type":"ecdsa-p256"}' >"$tmp/out.json"
check "key.generate: a label in use is -32013" test "$(jget "$tmp/out.json" 'd["code"]')" = -32013
call key.list >"$tmp/list.json"
check "key.list: four keys, their types, no certificates" \
	test "$(jget "$tmp/list.json" 'sorted((k["label"], k["type"], k["token"], k["cert"]) for k in d["keys"])')" = \
	'[["root-ec", "ecdsa-p256", "alpha", false], ["targets-ec", "ecdsa-p256", "alpha", false], ["tuf-ed", "ed25519", "alpha", false], ["tuf-rsa", "rsa-2048", "alpha", false]]'
check "key.list: URIs name token, id and object" \
	test "$(jget "$tmp/list.json" 'all(k["uri"].startswith("pkcs11:token=alpha;") and ";id=%" in k["uri"] and ";object=" + k["label"] in k["uri"] for k in d["keys"])')" = true
call status >"$tmp/status.json"
check "status: four keys" test "$(jget "$tmp/status.json" 'd["tokens"][0]["keys"]')" = 4

for p in notary tuf; do
	for k in root-ec tuf-ed tuf-rsa targets-ec; do
		call key.show "{\"key\":\"$k\",\"profile\":\"$p\"}" >"$tmp/show-$k-$p.json"
	done
done
check "key.show: notary IDs equal key.list's" \
	test "$(jget "$tmp/list.json" 'sorted(k["keyids"]["notary"] for k in d["keys"])')" = \
	"$(for k in root-ec targets-ec tuf-ed tuf-rsa; do jget "$tmp/show-$k-notary.json" 'd["keyid"]'; done | sort | "$PY" -c 'import sys,json; print(json.dumps([l.strip() for l in sys.stdin]))')"
check "key.show: tuf key objects (ecdsa PEM, ed25519 hex, rsa PSS)" \
	test "$(for k in root-ec tuf-ed tuf-rsa; do jget "$tmp/show-$k-tuf.json" '(d["key"]["keytype"], d["key"]["scheme"])'; done | tr -d '\n')" = \
	'["ecdsa", "ecdsa-sha2-nistp256"]["ed25519", "ed25519"]["rsa", "rsassa-pss-sha256"]'
tufid=$(jget "$tmp/show-tuf-ed-tuf.json" 'd["keyid"]')
call key.show "{\"key\":\"$tufid\",\"profile\":\"notary\"}" >"$tmp/out.json"
check "key.show: a key named by its tuf key ID" \
	test "$(jget "$tmp/out.json" 'd["keyid"]')" = "$(jget "$tmp/show-tuf-ed-notary.json" 'd["keyid"]')"
uri=$(jget "$tmp/list.json" '[k["uri"] for k in d["keys"] if k["label"] == "tuf-rsa"][0]')
call key.show "{\"key\":\"$uri\",\"profile\":\"tuf\"}" >"$tmp/out.json"
check "key.show: a key named by its PKCS#11 URI" \
	test "$(jget "$tmp/out.json" 'd["keyid"]')" = "$(jget "$tmp/show-tuf-rsa-tuf.json" 'd["keyid"]')"
call key.show '{"key":"no-such-key","profile":"tuf"}' >"$tmp/out.json"
check "key.show: an unknown key is -32006" test "$(jget "$tmp/out.json" 'd["code"]')" = -32006

# ---- key.cert
call key.cert "{\"key\":\"root-ec\",\"gun\":\"$GUN\",\"days\":365,\"store\":true}" >"$tmp/cert.json"
jget "$tmp/cert.json" 'd["pem"]' >"$tmp/cert.pem"
check "key.cert: stored, PEM with CN = the GUN" \
	test "$(jget "$tmp/cert.json" 'd["stored"]')/$(openssl x509 -in "$tmp/cert.pem" -noout -subject -nameopt RFC2253 2>&1)" = \
	"true/subject=CN=$GUN"
check "key.cert: not a CA (basicConstraints CA:FALSE, critical)" \
	sh -c "openssl x509 -in '$tmp/cert.pem' -noout -text | grep -A1 'Basic Constraints: critical' | grep -q 'CA:FALSE'"
check "key.cert: self-signed signature verifies" \
	sh -c "openssl verify -check_ss_sig -partial_chain -CAfile '$tmp/cert.pem' '$tmp/cert.pem' >/dev/null 2>&1"
call key.cert '{"key":"tuf-ed","gun":"x/y"}' >"$tmp/out.json"
check "key.cert: an Ed25519 key is -32010" test "$(jget "$tmp/out.json" 'd["code"]')" = -32010
call key.list >"$tmp/list.json"
check "key.list: root-ec has its certificate" \
	test "$(jget "$tmp/list.json" '[k["cert"] for k in d["keys"] if k["label"] == "root-ec"][0]')" = true
call key.show '{"key":"root-ec","profile":"notary"}' >"$tmp/show-root-x509.json"
check "key.show: a key with a certificate is its ecdsa-x509 key (notary)" \
	test "$(jget "$tmp/show-root-x509.json" 'd["key"]["keytype"]')" = ecdsa-x509

# ---- sign: a TUF root, verified by tufctl
# tuf_root VERSION: an unsigned root, ed25519 + ecdsa root keys (threshold 2),
# the RSA key for the other roles.
tuf_root() {
	"$PY" - "$tmp" "$1" <<'PY'
import datetime, json, sys
t, version = sys.argv[1], int(sys.argv[2])
def show(k):
    return json.load(open("%s/show-%s-tuf.json" % (t, k)))
ed, ec, rsa = show("tuf-ed"), show("root-ec"), show("tuf-rsa")
exp = (datetime.datetime.utcnow() + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
signed = {"_type": "root", "spec_version": "1.0.31", "version": version, "expires": exp,
          "consistent_snapshot": False,
          "keys": {ed["keyid"]: ed["key"], ec["keyid"]: ec["key"], rsa["keyid"]: rsa["key"]},
          "roles": {"root": {"keyids": [ed["keyid"], ec["keyid"]], "threshold": 2},
                    "targets": {"keyids": [rsa["keyid"]], "threshold": 1},
                    "snapshot": {"keyids": [rsa["keyid"]], "threshold": 1},
                    "timestamp": {"keyids": [rsa["keyid"]], "threshold": 1}}}
print(json.dumps({"signed": signed, "signatures": []}, indent=1))
PY
}
sign_file() { # PROFILE ROLE GUN KEYS_JSON FILE -> response JSON
	"$PY" -c 'import json,sys
p = {"profile": sys.argv[1], "role": sys.argv[2], "keys": json.loads(sys.argv[4]),
     "file": open(sys.argv[5], encoding="utf-8").read()}
if sys.argv[3]:
    p["gun"] = sys.argv[3]
print(json.dumps(p))' "$@" >"$tmp/params.json"
	call sign "$(cat "$tmp/params.json")"
}
# signed_file RESPONSE OUT: the signed file's exact bytes.
signed_file() {
	"$PY" -c 'import json,sys
open(sys.argv[2], "w", encoding="utf-8").write(json.load(open(sys.argv[1]))["file"])' "$1" "$2"
}
tuf_root 1 >"$tmp/root-tuf.json"
tuf_root 2 >"$tmp/root2-tuf.json"
eckeyid=$(jget "$tmp/show-root-ec-tuf.json" 'd["keyid"]')
sign_file tuf root "" "[\"tuf-ed\",\"$eckeyid\"]" "$tmp/root-tuf.json" >"$tmp/sign-root-tuf.json"
signed_file "$tmp/sign-root-tuf.json" "$tmp/1.root.json"
check "sign: tuf root with two keys (label and key ID)" \
	test "$(jget "$tmp/sign-root-tuf.json" 'len(d["keyids"])')" = 2
sign_file tuf root "" "[\"$eckeyid\",\"tuf-ed\"]" "$tmp/root2-tuf.json" >"$tmp/out.json"
signed_file "$tmp/out.json" "$tmp/2.root.json"
check "sign: tufctl verify --profile tuf accepts root 2 trusting root 1" \
	quiet "$TUFCTL" verify --profile tuf --root "$tmp/1.root.json" "$tmp/2.root.json"
cat >"$tmp/targets-tuf.json" <<EOF
{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2035-01-01T00:00:00Z","targets":{}},"signatures":[]}
EOF
sign_file tuf targets "" '["tuf-rsa"]' "$tmp/targets-tuf.json" >"$tmp/out.json"
signed_file "$tmp/out.json" "$tmp/targets-tuf.signed.json"
check "sign: tufctl verify --profile tuf accepts targets signed with RSA-PSS" \
	quiet "$TUFCTL" verify --profile tuf --root "$tmp/1.root.json" --role targets \
	"$tmp/targets-tuf.signed.json"
"$PY" -c 'import hashlib,json,sys
d = json.load(open(sys.argv[1]))
print(d["sha256"] == hashlib.sha256(sys.stdin.buffer.read()).hexdigest())' \
	"$tmp/sign-root-tuf.json" >"$tmp/out.txt" < <("$TUFCTL" canonical --profile tuf "$tmp/1.root.json")
check "sign: sha256 is of the canonical signed bytes" test "$(cat "$tmp/out.txt")" = True
sign_file tuf root "" '["tuf-rsa"]' "$tmp/root-tuf.json" >"$tmp/out.json"
check "sign: a key that is not a root key of the root is -32011" \
	test "$(jget "$tmp/out.json" 'd["code"]')" = -32011
sign_file tuf targets "" '["tuf-rsa"]' "$tmp/root-tuf.json" >"$tmp/out.json"
check "sign: a root declared as targets is -32011" \
	test "$(jget "$tmp/out.json" 'd["code"]')" = -32011
sed 's/"expires": "[^"]*"/"expires": "2001-01-01T00:00:00Z"/' "$tmp/root-tuf.json" >"$tmp/expired.json"
sign_file tuf root "" '["tuf-ed"]' "$tmp/expired.json" >"$tmp/out.json"
check "sign: an expired file is -32011 TA_ERR_EXPIRED" \
	test "$(jget "$tmp/out.json" '(d["code"], d["data"]["name"])')" = '[-32011, "TA_ERR_EXPIRED"]'
sign_file tuf root "" '["nope"]' "$tmp/root-tuf.json" >"$tmp/out.json"
check "sign: an unknown key is -32006" test "$(jget "$tmp/out.json" 'd["code"]')" = -32006

# ---- sign: notary targets, checked with openssl
cat >"$tmp/targets.json" <<'EOF'
{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2035-01-01T00:00:00Z","targets":{"latest":{"hashes":{"sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},"length":1234}},"version":3},"signatures":[]}
EOF
sign_file notary targets "$GUN" '["targets-ec"]' "$tmp/targets.json" >"$tmp/sign-targets.json"
signed_file "$tmp/sign-targets.json" "$tmp/targets.signed.json"
"$TUFCTL" canonical --profile notary "$tmp/targets.signed.json" >"$tmp/targets.canon"
"$PY" - "$tmp" <<'PY'
import base64, json, sys
t = sys.argv[1]
f = json.load(open(t + "/targets.signed.json"))
sig = f["signatures"][0]
raw = base64.b64decode(sig["sig"])
def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = der_int(raw[:32]) + der_int(raw[32:])
open(t + "/targets.sig.der", "wb").write(b"\x30" + bytes([len(body)]) + body)
show = json.load(open(t + "/show-targets-ec-notary.json"))
pub = base64.b64decode(show["key"]["keyval"]["public"])
b64 = base64.encodebytes(pub).decode().replace("\n", "")
pem = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END PUBLIC KEY-----\n"
open(t + "/targets.pub.pem", "w").write(pem)
open(t + "/targets.meta", "w").write("%s %s %d" % (sig["keyid"] == show["keyid"], sig["method"], len(raw)))
PY
check "sign: notary targets signature object (keyid, ecdsa, 64 raw bytes)" \
	test "$(cat "$tmp/targets.meta")" = "True ecdsa 64"
check "sign: openssl verifies the notary signature over tufctl canonical bytes" \
	sh -c "openssl dgst -sha256 -verify '$tmp/targets.pub.pem' -signature '$tmp/targets.sig.der' '$tmp/targets.canon' >/dev/null"
check "sign: notary file keeps the targets and version" \
	test "$(jget "$tmp/targets.signed.json" '(d["signed"]["version"], list(d["signed"]["targets"]))')" = '[3, ["latest"]]'

# ---- sign: a notary root whose root key is the stored certificate's x509 key
"$PY" - "$tmp" >"$tmp/root-notary.json" <<'PY'
import json, sys
t = sys.argv[1]
root = json.load(open(t + "/show-root-x509.json"))
tg = json.load(open(t + "/show-targets-ec-notary.json"))
signed = {"_type": "Root", "consistent_snapshot": False, "expires": "2035-01-01T00:00:00Z",
          "keys": {root["keyid"]: root["key"], tg["keyid"]: tg["key"]},
          "roles": {"root": {"keyids": [root["keyid"]], "threshold": 1},
                    "targets": {"keyids": [tg["keyid"]], "threshold": 1},
                    "snapshot": {"keyids": [tg["keyid"]], "threshold": 1},
                    "timestamp": {"keyids": [tg["keyid"]], "threshold": 1}},
          "version": 1}
print(json.dumps({"signed": signed, "signatures": []}))
PY
sign_file notary root "$GUN" '["root-ec"]' "$tmp/root-notary.json" >"$tmp/sign-root-notary.json"
signed_file "$tmp/sign-root-notary.json" "$tmp/root-notary.signed.json"
check "sign: notary root signed by the x509 key ID" \
	test "$(jget "$tmp/sign-root-notary.json" 'd["keyids"]')" = "[\"$(jget "$tmp/show-root-x509.json" 'd["keyid"]')\"]"
check "sign: tufctl verify --profile notary --gun accepts the signed root" \
	quiet "$TUFCTL" verify --profile notary --gun "$GUN" --root "$tmp/root-notary.signed.json" \
	"$tmp/root-notary.signed.json"
sign_file notary root "other.example.com/app" '["root-ec"]' "$tmp/root-notary.json" >"$tmp/out.json"
check "sign: a notary root for another GUN is -32011 TA_ERR_CERT_CN" \
	test "$(jget "$tmp/out.json" '(d["code"], d["data"]["name"])')" = '[-32011, "TA_ERR_CERT_CN"]'

# ---- audit and shut-down
check "audit: a sign record with role, GUN, version and sha256" \
	"$PY" -c 'import json,sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r["method"] == "sign" and r["result"] == "ok" and r.get("role") == "root"
      and r.get("gun") == sys.argv[2] and r.get("version") == 1 and len(r.get("sha256", "")) == 64]
sys.exit(0 if ok else 1)' "$AUDIT" "$GUN"
check "audit: refusals are recorded" \
	grep -q '"result":"TA_ERR_KEY_NOT_FOUND"' "$AUDIT"
agent_stop
check "SIGTERM: the agent exits with status 0" test $? -eq 0
check "SIGTERM: the socket is removed" test ! -e "$SOCK"

# ---- socket-group, socket-mode (runs without systemd)
{ agent_block; printf 'socket-group = 61504\nsocket-mode = 0620\n'; token_block alpha "$SOFTHSM" "file:$tmp/pin"; } \
	>"$tmp/agent-g.conf"
agent_started "agent starts with socket-group and socket-mode" "$tmp/agent-g.conf"
check "  the socket is group 61504, mode 0620" test "$(stat -c %g/%a "$SOCK")" = 61504/620
agent_stop
{ agent_block; printf 'socket-group = no-such-group-here\n'; token_block alpha "$SOFTHSM" "file:$tmp/pin"; } \
	>"$tmp/agent-n.conf"
"$AGENT" --config "$tmp/agent-n.conf" --socket "$SOCK" --foreground >"$tmp/agent-n.log" 2>&1
check "a socket-group that does not exist: the agent does not start" test $? -ne 0
check "  and says so" grep -q "socket-group 'no-such-group-here': no such group" "$tmp/agent-n.log"
finish
