#!/bin/bash
# Docker Content Trust, test 3: root rotation by tufctl.  A real notary
# client that trusted the old root (its trust dir kept) accepts the new
# one, signed by the old and the new root keys; a client that trusted the
# old root and is shown a root signed only by the new key refuses it.
# Also: targets, snapshot (to the agent and back to the server) and
# timestamp rotations, each read by the real client.
. "$(dirname "$0")/dct_lib.sh"

dct_up root-1 root-2 targets-1 snap-1
GUN=registry.example.com/team/rot
blob v1 'before the rotation'
blob v2 'after the rotation'
dct_publish_v1 "$GUN"
check "the real client trusts root v1" listed "$tmp/l0.txt" v1 "$D_v1" "$S_v1"
cp -a "$OLD_TRUST" "$tmp/trust-v1"

if quiet tufctl notary rotate "$GUN" root --key root-2; then
	ok "tufctl rotates the root to root-2"
else
	bad "tufctl rotates the root to root-2" "$(cat "$tmp/quiet.log")"
fi
nt_fetch root "$tmp/root2.json"
check "root v2 is signed by two keys (old and new)" \
	test "$(jget "$tmp/root2.json" 'len(d["signatures"])')/$(jget "$tmp/root2.json" 'd["signed"]["version"]')" = 2/2
dct_publish_followed "$GUN" v2 "tufctl publishes under the new root" \
	"the client that trusted root v1 follows the rotation" \
	"a fresh client reads the rotated GUN"

# The other roles.
blob v3 'after four more rotations'
check "rotate targets (a new key generated on the token)" quiet tufctl notary rotate "$GUN" targets
check "rotate snapshot to a key in the agent" quiet tufctl notary rotate "$GUN" snapshot --key snap-1
quiet tufctl notary add "$GUN" v3 --digest "sha256:$D_v3" --size "$S_v3" &&
	quiet tufctl notary publish "$GUN"
check "publish with a client-side snapshot" test $? = 0
nt_fetch snapshot "$tmp/snap.json"
snapid=$(tufctl --json key list | jget - '[k["keyids"]["notary"] for k in d["keys"] if k["label"] == "snap-1"][0]')
check "the snapshot is signed by snap-1" \
	test "$(jget "$tmp/snap.json" 'd["signatures"][0]["keyid"]')" = "$snapid"
check "rotate snapshot back to the server" quiet tufctl notary rotate "$GUN" snapshot
check "rotate timestamp (the server's new key)" quiet tufctl notary rotate "$GUN" timestamp
NT_TRUST_DIR=$OLD_TRUST
nt_client list "$GUN" >"$tmp/l5.txt" 2>&1
check "the real client follows all of it" listed "$tmp/l5.txt" v3 "$D_v3" "$S_v3"
nt_fresh_client list "$GUN" >"$tmp/l6.txt" 2>&1
check "a fresh client reads all of it" listed "$tmp/l6.txt" v3 "$D_v3" "$S_v3"

# A root signed only by the new key: a second server where the GUN starts
# from root-2 alone (tufctl with another trust dir).  A client that trusted
# root v1 (root-1; the copy of its trust dir made before the rotation) and
# is sent there must refuse it.
nt_server_start >/dev/null || { bad "second notary-server starts"; exit 1; }
if quiet tufctl notary init "$GUN" --server "$NT_URL" --trust-dir "$tmp/trust-b" \
	--root-key root-2 --targets-key targets-1 &&
	quiet tufctl notary add "$GUN" v9 --digest "sha256:$D_v2" --size "$S_v2" --trust-dir "$tmp/trust-b" &&
	quiet tufctl notary publish "$GUN" --trust-dir "$tmp/trust-b"; then
	NT_TRUST_DIR=$tmp/trust-v1
	nt_client list "$GUN" >"$tmp/l3.txt" 2>&1
	st=$?
	check "a client that trusted root v1 refuses a root signed only by the new key" \
		sh -c "[ $st -ne 0 ] && ! grep -q '^v9 ' '$tmp/l3.txt'"
	nt_fresh_client list "$GUN" >"$tmp/l4.txt" 2>&1
	check "(while a fresh client, trusting on first use, reads it)" listed "$tmp/l4.txt" v9 "$D_v2" "$S_v2"
else
	bad "a GUN rooted in root-2 alone on a second server" "$(cat "$tmp/quiet.log")"
fi

finish
