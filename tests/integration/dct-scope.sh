#!/bin/bash
# Docker Content Trust, test 7: key scopes against the attacks of issue 10,
# end to end with the real notary-server and a fresh real notary client.
# A CI builder (uid 65534) may sign targets for registry.example.com/ci/*
# with targets-* keys (the README's build-server rule); prod's repository
# has its own targets key, targets-prod, which that glob also matches.
#  1. The builder names prod's key and claims a ci GUN: refused by the
#     key's scope; prod on the server is unchanged.
#  2. A rule for targets/releases only: the builder claims that role to sign
#     prod's top-level targets: refused (no parent; with a forged parent,
#     by the key's scope).
#  3. A key without a scope, matched only by the rule's glob: refused.
# Every refusal is audited with the reason; the builder's own publish to
# its GUN still works, and its audit record names the rule and the scope.
. "$(dirname "$0")/dct_lib.sh"

dct_needs_setpriv
BUILDER=65534
RELEASER=65533
dct_conf "$(dct_builder_rule ci $BUILDER; cat <<EOF2

[allow "releases"]
uid = $RELEASER
operations = sign, key.show
keys = targets-*
roles = targets/releases
gun = registry.example.com/*
EOF2
)"
check "--check-config warns about both pattern rules" \
	sh -c "'$AGENT' --check-config '$tmp/agent.conf' 2>&1 | grep -c \"grants sign by key pattern\" | grep -qx 2"
dct_shared_start
key_gen root-1 && key_gen targets-ci && key_gen targets-prod && key_gen targets-legacy ||
	{ bad "keys generated"; exit 1; }

CI=registry.example.com/ci/app
PROD=registry.example.com/prod/app
blob v1 'prod release'
for g in "$CI:targets-ci" "$PROD:targets-prod"; do
	quiet tufctl notary init "${g%%:*}" --server "$NT_URL" --root-key root-1 \
		--targets-key "${g#*:}" ||
		{ bad "root initialises ${g%%:*}" "$(cat "$tmp/quiet.log")"; exit 1; }
done
quiet tufctl notary add "$PROD" v1 --digest "sha256:$D_v1" --size "$S_v1" &&
	quiet tufctl notary publish "$PROD" &&
	quiet tufctl notary publish "$CI" ||
	{ bad "both GUNs published" "$(cat "$tmp/quiet.log")"; exit 1; }
ok "the agent's own uid initialises and publishes both GUNs"
tufctl --json key show --label targets-prod --profile notary >"$tmp/prod-key.json"
check "notary init scoped targets-prod to prod's targets" \
	test "$(jget "$tmp/prod-key.json" 'd["scope"]')" = \
	'{"guns": ["registry.example.com/prod/app"], "roles": ["targets"], "profile": "notary"}'
tufctl --json key show --label root-1 --profile notary >"$tmp/root-key.json"
check "one root key serves both GUNs: its scope lists both, role root" \
	test "$(jget "$tmp/root-key.json" 'sorted(d["scope"]["guns"]) + d["scope"]["roles"]')" = \
	'["registry.example.com/ci/app", "registry.example.com/prod/app", "root"]'

bhome=$tmp/builder
mkdir -p "$bhome"
chown "$BUILDER:$BUILDER" "$bhome"
as_uid() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$BUILDER" --clear-groups \
		env HOME="$bhome" XDG_DATA_HOME="$bhome/xdg" "$TUFCTL" --socket "$SOCK" "$@"
}
NT_GUN=$PROD
nt_fetch targets "$tmp/prod-targets.json"
nt_fetch snapshot "$tmp/prod-snapshot.json"
# The forged targets: prod's, with a tag pointing at the attacker's
# digest, one version up, no signatures.
blob evil 'malware'
"$PY" - "$tmp/prod-targets.json" "$bhome/forged.json" "$D_evil" "$S_evil" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
s = d["signed"]
s["version"] += 1
s["targets"]["evil"] = {"hashes": {"sha256": base64.b64encode(bytes.fromhex(sys.argv[3])).decode()},
                        "length": int(sys.argv[4])}
json.dump({"signed": s, "signatures": []}, open(sys.argv[2], "w"), separators=(",", ":"))
PY
chmod 644 "$bhome/forged.json"

# ---- 1. prod's key, a ci GUN claimed
signs_before=$(grep -c '"method":"sign".*"result":"ok"' "$AUDIT")
if as_uid "$BUILDER" sign --profile notary --role targets --gun registry.example.com/ci/x \
	--key targets-prod -o "$bhome/signed.json" "$bhome/forged.json" >"$tmp/a1.log" 2>&1; then
	bad "attack 1: prod's key for a claimed ci GUN is refused" "$(cat "$tmp/a1.log")"
else
	ok "attack 1: prod's key for a claimed ci GUN is refused"
fi
check "attack 1: the refusal names the key's scope" \
	grep -q "key 'targets-prod' is scoped to notary gun registry.example.com/prod/app; roles targets: not GUN 'registry.example.com/ci/x'" "$tmp/a1.log"
check "attack 1: nothing was signed" test ! -e "$bhome/signed.json"
# What the attacker would upload: the forged file as it is (the agent gave
# no signature).  The server refuses it; prod stays as it was.
code=$(nt_upload targets="$bhome/forged.json" 2>/dev/null)
check "attack 1: the server refuses the unsigned forgery (HTTP $code)" test "$code" != 200
nt_fresh_client list "$PROD" >"$tmp/list-prod.txt" 2>&1
check "attack 1: a fresh real client lists prod's v1 and no forged tag" \
	sh -c "grep -Eq '^v1[[:space:]]+$D_v1' '$tmp/list-prod.txt' && ! grep -q '^evil ' '$tmp/list-prod.txt'"

# ---- 2. a targets/releases rule, top-level targets claimed as the delegation
if as_uid "$RELEASER" sign --profile notary --role targets/releases --gun "$PROD" \
	--key targets-prod "$bhome/forged.json" >"$tmp/a2.log" 2>&1; then
	bad "attack 2: top-level targets signed as targets/releases is refused" "$(cat "$tmp/a2.log")"
else
	ok "attack 2: top-level targets signed as targets/releases is refused"
fi
check "attack 2: a delegated role needs its parent (said in the user's words)" \
	eval 'grep -q "the delegating file: missing" "$tmp/a2.log" && ! grep -q "params\\." "$tmp/a2.log"'
# With a parent forged to delegate targets/releases to prod's key.
tufctl --json key show --label targets-prod --profile notary >"$tmp/kp.json"
"$PY" - "$tmp/prod-targets.json" "$tmp/kp.json" "$bhome/parent.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k = json.load(open(sys.argv[2]))
s = d["signed"]
s["delegations"] = {"keys": {k["keyid"]: k["key"]},
                    "roles": [{"name": "targets/releases", "keyids": [k["keyid"]],
                               "threshold": 1, "paths": [""]}]}
json.dump({"signed": s, "signatures": []}, open(sys.argv[3], "w"), separators=(",", ":"))
PY
chmod 644 "$bhome/parent.json"
if as_uid "$RELEASER" sign --profile notary --role targets/releases --gun "$PROD" \
	--key targets-prod --parent "$bhome/parent.json" "$bhome/forged.json" >"$tmp/a2b.log" 2>&1; then
	bad "attack 2: with a forged parent, still refused" "$(cat "$tmp/a2b.log")"
else
	ok "attack 2: with a forged parent, still refused"
fi
check "attack 2: the refusal is the key's scope (role)" \
	grep -q "scoped to notary gun registry.example.com/prod/app; roles targets: not role 'targets/releases'" "$tmp/a2b.log"

# ---- 3. a key without a scope, reached through the rule's glob
tufctl key scope --label targets-legacy >"$tmp/legacy.txt"
check "targets-legacy has no scope" grep -q "^scope  none$" "$tmp/legacy.txt"
if as_uid "$BUILDER" sign --profile notary --role targets --gun registry.example.com/ci/app \
	--key targets-legacy "$bhome/forged.json" >"$tmp/a3.log" 2>&1; then
	bad "attack 3: an unscoped key through a glob rule is refused" "$(cat "$tmp/a3.log")"
else
	ok "attack 3: an unscoped key through a glob rule is refused"
fi
check "attack 3: the refusal says the key has no scope and the rule names it by pattern" \
	grep -q "rule 'ci': key 'targets-legacy' has no scope" "$tmp/a3.log"
check "attacks: no signature was made" \
	test "$(grep -c '"method":"sign".*"result":"ok"' "$AUDIT")" = "$signs_before"
check "attacks: each refusal is audited with its reason" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in recs if r["method"] == "sign" and r["result"] != "ok"]
want = ["is scoped to notary gun registry.example.com/prod/app; roles targets: not GUN",
        "params.parent: missing",
        "not role '"'"'targets/releases'"'"'",
        "has no scope"]
sys.exit(0 if all(any(w in r.get("detail", "") for r in bad) for w in want) else 1)' "$AUDIT"

# ---- the legitimate flow still publishes
dct_publish_listed "the builder publishes a tag for its own GUN" "$CI" b1 as_uid "$BUILDER"
check "audit: the builder's signature names rule ci and the key's scope" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in recs if r["method"] == "sign" and r["result"] == "ok" and
      r.get("uid") == int(sys.argv[2])]
sys.exit(0 if ok and ok[-1].get("rule") == "ci" and ok[-1].get("scope") ==
         "targets-ci: notary gun registry.example.com/ci/app; roles targets" else 1)' \
	"$AUDIT" "$BUILDER"
finish
