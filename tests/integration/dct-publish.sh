#!/bin/bash
# Docker Content Trust end to end, test 1: tufctl (keys in the agent, on a
# SoftHSM2 token) initialises a GUN on the real notary-server over TLS,
# adds two tags and publishes; a fresh real notary client (empty trust
# dir) lists both with their digests and sizes; docker trust inspect shows
# them signed; a removal and a nothing-to-do publish behave.
. "$(dirname "$0")/dct_lib.sh"

dct_up --tls root-1 targets-1
GUN=registry.example.com/team/app
NT_GUN=$GUN

check "init stages root and targets" \
	quiet tufctl notary init "$GUN" --server "$NT_URL" --tls-ca "$NT_CA" \
	--root-key root-1 --targets-key targets-1
check "init wrote no private key, only public data" \
	test -z "$(grep -rl 'PRIVATE KEY' "$TRUST" 2>/dev/null)"
blob v1 'manifest one'
blob v2 'manifest two, a little longer'
check "add v1" quiet tufctl notary add "$GUN" v1 --digest "sha256:$D_v1" --size "$S_v1"
check "add v2" quiet tufctl notary add "$GUN" v2 --digest "sha256:$D_v2" --size "$S_v2"
if quiet tufctl notary publish "$GUN"; then
	ok "publish signs through the agent, uploads, reads back"
else
	bad "publish signs through the agent, uploads, reads back" "$(cat "$tmp/quiet.log")"
fi
grep -q "read back and verified" "$tmp/quiet.log" && ok "publish says it read the GUN back" ||
	bad "publish says it read the GUN back" "$(cat "$tmp/quiet.log")"

if nt_fresh_client list "$GUN" >"$tmp/list.txt" 2>&1; then
	ok "a fresh real notary client reads the GUN"
else
	bad "a fresh real notary client reads the GUN" "$(cat "$tmp/list.txt")"
fi
check "real client lists v1 with digest and size" listed "$tmp/list.txt" v1 "$D_v1" "$S_v1"
check "real client lists v2 with digest and size" listed "$tmp/list.txt" v2 "$D_v2" "$S_v2"

tufctl notary list "$GUN" >"$tmp/ours.txt" 2>&1
check "tufctl notary list shows both tags" \
	sh -c "grep -q \"^v1 .*$D_v1 .*$S_v1  targets\" '$tmp/ours.txt' && grep -q \"^v2 .*$D_v2\" '$tmp/ours.txt'"
tufctl --json notary list "$GUN" >"$tmp/ours.json" 2>&1
check "tufctl --json notary list" test "$(jget "$tmp/ours.json" \
	'sorted((t["name"], t["sha256"], t["length"], t["role"]) for t in d["targets"])')" = \
	"[[\"v1\", \"$D_v1\", $S_v1, \"targets\"], [\"v2\", \"$D_v2\", $S_v2, \"targets\"]]"

# The root key is the token's: its certificate's key is the agent's key.
rootid=$(jget "$TRUST/127.0.0.1:$NT_PORT/$GUN/metadata/root.json" \
	'd["signed"]["roles"]["root"]["keyids"][0]')
tid=$(tufctl --json key list | jget - '[k["keyids"]["notary"] for k in d["keys"] if k["label"] == "targets-1"][0]')
check "root.json lists targets-1 as the targets key" test "$(jget \
	"$TRUST/127.0.0.1:$NT_PORT/$GUN/metadata/root.json" 'd["signed"]["roles"]["targets"]["keyids"][0]')" = "$tid"

# docker trust inspect (docker CLI, no engine needed) over TLS.
if command -v docker >/dev/null 2>&1 && docker trust inspect --help >/dev/null 2>&1; then
	nt_docker_env
	if docker trust inspect "$GUN" >"$tmp/inspect.json" 2>"$tmp/inspect.err"; then
		check "docker trust inspect: v1 and v2 signed" test "$(jget "$tmp/inspect.json" \
			'sorted((s["SignedTag"], s["Digest"]) for s in d[0]["SignedTags"])')" = \
			"[[\"v1\", \"$D_v1\"], [\"v2\", \"$D_v2\"]]"
		check "docker trust inspect: the root key is our certificate" test "$(jget "$tmp/inspect.json" \
			'[k["Keys"][0]["ID"] for k in d[0]["AdministrativeKeys"] if k["Name"] == "Root"][0]')" = "$rootid"
	else
		bad "docker trust inspect reads the GUN" "$(cat "$tmp/inspect.err")"
	fi
else
	echo "SKIP: docker trust inspect (THE DOCKER CLI IS NOT INSTALLED HERE: part of test 1 not run)"
fi

tufctl notary publish "$GUN" >"$tmp/again.txt" 2>&1
check "publish with nothing staged changes nothing" grep -q 'nothing to publish' "$tmp/again.txt"
check "remove v1" quiet tufctl notary remove "$GUN" v1
check "publish the removal" quiet tufctl notary publish "$GUN"
nt_fresh_client list "$GUN" >"$tmp/list2.txt" 2>&1
check "a fresh client no longer sees v1" sh -c "! grep -q '^v1 ' '$tmp/list2.txt'"
check "a fresh client still sees v2" listed "$tmp/list2.txt" v2 "$D_v2" "$S_v2"
# The real client that trusted the first version follows the update.
nt_client list "$GUN" >/dev/null 2>&1
check "the real client with the old trust data follows" listed <(nt_client list "$GUN" 2>&1) v2 "$D_v2" "$S_v2"

# Two root keys (threshold 2 by default) and a snapshot kept in the agent.
key_gen root-2 && key_gen snap-1 || bad "more keys generated"
G2=registry.example.com/team/two
NT_GUN=$G2
if quiet tufctl notary init "$G2" --server "$NT_URL" --tls-ca "$NT_CA" --root-key root-1 \
	--root-key root-2 --targets-key targets-1 --snapshot-key snap-1 &&
	quiet tufctl notary add "$G2" v1 --digest "sha256:$D_v1" --size "$S_v1" &&
	quiet tufctl notary publish "$G2"; then
	ok "two root keys and a client snapshot: published"
else
	bad "two root keys and a client snapshot: published" "$(cat "$tmp/quiet.log")"
fi
nt_fetch root "$tmp/root2.json"
check "root: threshold 2, two signatures" test "$(jget "$tmp/root2.json" \
	'(d["signed"]["roles"]["root"]["threshold"], len(d["signatures"]))')" = "[2, 2]"
nt_fresh_client list "$G2" >"$tmp/list3.txt" 2>&1
check "a fresh real client reads it" listed "$tmp/list3.txt" v1 "$D_v1" "$S_v1"
NT_GUN=$GUN

check "audit: one record per signature (root, targets, targets)" \
	test "$(grep '"method":"sign"' "$AUDIT" | grep '"result":"ok"' | grep "\"gun\":\"$GUN\"" | sed 's/.*"role":"\([^"]*\)".*/\1/' | tr '\n' ' ')" = "root targets targets "
finish
