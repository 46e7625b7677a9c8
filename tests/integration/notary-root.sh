#!/bin/bash
# tufctl notary root GUN (issue #15): the trusted root as the server and the
# trust directory have it, read only: root key IDs, the certificate IDs
# --root-cert-id pins, each certificate's CN and expiry, the threshold and
# the root's expiry (human and --json), checked against root.json as the
# real notary-server serves it; a fresh trust directory pinned with the
# certificate ID it names.  notary rotate GUN root --root-threshold N: the
# new root's threshold, refused (nothing published) when N exceeds the new
# keys; the real notary client follows the rotation.  --verbose shows each
# HTTP request line, never a header.
. "$(dirname "$0")/dct_lib.sh"

dct_up root-1 root-2 root-3 targets-1
GUN=registry.example.com/team/rootinfo
blob v1 'under root v1'
blob v2 'under root v2'
dct_publish_v1 "$GUN"

# ---- notary root: what the server's root.json says ------------------------------------
nt_fetch root "$tmp/root1.json"
certid=$(jget "$tmp/root1.json" 'd["signed"]["roles"]["root"]["keyids"][0]')
rexp=$(jget "$tmp/root1.json" 'd["signed"]["expires"]')
tufctl notary root "$GUN" >"$tmp/r1.txt" 2>"$tmp/r1.err"
rc=$?
check "notary root: exit 0" test $rc = 0
check "notary root: threshold 1 of 1, version 1" \
	grep -qx 'threshold  1 of 1 root key' "$tmp/r1.txt"
check "notary root: the certificate ID to pin (root.json's root keyid)" \
	grep -q "^  cert id  $certid   (--root-cert-id)" "$tmp/r1.txt"
check "notary root: the certificate's CN is the GUN, with its expiry" \
	grep -qE "^  subject  CN=$GUN, expires 20[0-9]{2}-[0-9]{2}-[0-9]{2}T" "$tmp/r1.txt"
tufctl --json notary root "$GUN" >"$tmp/r1.json" 2>"$tmp/r1j.err"
check "notary root --json: threshold, version, keys with cert_id and cn" "$NT_PY" -c '
import json, sys, datetime
o = json.load(open(sys.argv[1]))
k = o["keys"][0]
exp = datetime.datetime.strptime(o["expires"], "%Y-%m-%dT%H:%M:%SZ")
rexp = datetime.datetime.strptime(sys.argv[4][:19], "%Y-%m-%dT%H:%M:%S")
sys.exit(0 if (o["gun"] == sys.argv[2] and o["threshold"] == 1 and o["version"] == 1 and
               len(o["keys"]) == 1 and k["cert_id"] == sys.argv[3] and k["cn"] == sys.argv[2]
               and len(k["keyid"]) == 64 and k["keyid"] != k["cert_id"] and exp == rexp)
         else 1)' "$tmp/r1.json" "$GUN" "$certid" "$rexp"
# notary's own ID for the key: the real client's "notary key list" names it
# with the root role (no private key here: the ID is what both compute).
rootid=$(jget "$tmp/r1.json" 'd["keys"][0]["keyid"]')
tufctl --json key show --label root-1 --profile notary >"$tmp/show.json"
check "notary root: the root key ID is the agent key's notary ID" \
	test "$(jget "$tmp/show.json" 'd["keyid"]')" = "$rootid"

# A fresh trust directory, pinned with the certificate ID notary root named.
tufctl notary root "$GUN" --trust-dir "$tmp/fresh" --server "$NT_URL" --root-cert-id "$certid" >"$tmp/r2.txt" 2>&1
check "a fresh trust directory pins the named certificate ID" test $? = 0
tufctl notary root "$GUN" --trust-dir "$tmp/fresh2" --server "$NT_URL" --root-cert-id "$(printf '%064d' 0)" \
	>"$tmp/r3.txt" 2>&1
rc=$?
check "a wrong --root-cert-id is refused (exit 1)" \
	eval '[ $rc = 1 ] && grep -q "does not list the pinned root certificate" "$tmp/r3.txt"'

# ---- rotate root --root-threshold ----------------------------------------------------------
tufctl notary rotate "$GUN" root --key root-2 --key root-3 --root-threshold 3 >"$tmp/t3.txt" 2>&1
rc=$?
check "--root-threshold over the new keys: a usage error (exit 2)" \
	eval '[ $rc = 2 ] && grep -q "more than the 2 new root keys" "$tmp/t3.txt"'
nt_fetch root "$tmp/root-after-refusal.json"
check "... and nothing was published (root still v1)" \
	test "$(jget "$tmp/root-after-refusal.json" 'd["signed"]["version"]')" = 1
tufctl notary rotate "$GUN" targets --root-threshold 1 >"$tmp/t4.txt" 2>&1
check "--root-threshold is for root only (exit 2)" test $? = 2
if quiet tufctl notary rotate "$GUN" root --key root-2 --key root-3 --root-threshold 1; then
	ok "rotate root to root-2 and root-3, threshold 1"
else
	bad "rotate root to root-2 and root-3, threshold 1" "$(cat "$tmp/quiet.log")"
fi
nt_fetch root "$tmp/root2.json"
check "root v2 on the server: 2 root keys, threshold 1, signed by old and new" \
	test "$(jget "$tmp/root2.json" 'd["signed"]["version"], len(d["signed"]["roles"]["root"]["keyids"]), d["signed"]["roles"]["root"]["threshold"], len(d["signatures"])')" = "[2, 2, 1, 3]"
tufctl --json notary root "$GUN" >"$tmp/r4.json" 2>&1
check "notary root follows: version 2, threshold 1 of 2 keys" \
	test "$(jget "$tmp/r4.json" 'd["version"], d["threshold"], len(d["keys"])')" = "[2, 1, 2]"
dct_publish_followed "$GUN" v2 "tufctl publishes under root v2" \
	"the real client that trusted root v1 follows to v2" \
	"a fresh real client reads the GUN under root v2"

# ---- --verbose on the notary commands -------------------------------------------------------
tufctl --verbose notary list "$GUN" >"$tmp/v.out" 2>"$tmp/v.err"
check "--verbose: each HTTP request line with its status and time" \
	grep -qE "^tufctl: http: GET $NT_URL/v2/$GUN/_trust/tuf/timestamp.json -> 200, [0-9.]+ ms \(try 1\)$" "$tmp/v.err"
check "--verbose: stdout is the same list" listed "$tmp/v.out" v2 "$D_v2" "$S_v2"
check "--verbose: no header is shown" eval '! grep -qi "authorization\|bearer" "$tmp/v.err"'

finish
