#!/bin/bash
# tuf-agent [allow] rules end to end: a peer that is not root (uid 65534,
# nobody, through setpriv) may sign targets with targets-* keys for one
# GUN subtree within max-expiry, and nothing else; a peer no rule names is
# turned away at accept.  Every refusal is in the audit log.
. "$(dirname "$0")/agent_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (setpriv to other uids)"
command -v setpriv >/dev/null || skip_all "setpriv is not installed"

GUN=registry.example.com/team/app
NOBODY=65534
STRANGER=65533
make_token alpha || skip_all "softhsm2-util cannot make a token"
{
	agent_block
	token_block alpha "$SOFTHSM" "file:$tmp/pin"
	cat <<EOF

[allow "builders"]
uid = $NOBODY
operations = sign, key.list
keys = targets-*
roles = targets, targets/*
gun = registry.example.com/team/*
max-expiry = 90d
EOF
} >"$tmp/agent.conf"

agent_started "agent starts with an [allow] rule" "$tmp/agent.conf"

# Reaching the socket as another uid: $tmp is 0700 (mktemp) and the agent
# makes its socket directory 0750 and the socket 0660, both root:root.  The
# test opens $tmp for traversal only (0711), and gives the socket directory
# and the socket to group nogroup (65534); the clients run with
# setpriv --regid=65534 so that the group bits let them in.  The stranger
# (uid 65533) also runs with gid 65534: it can connect, so what turns it
# away is the agent's policy, not the file modes.
chmod 0711 "$tmp"
chgrp "$NOBODY" "$(dirname "$SOCK")" "$SOCK"

# as UID METHOD [PARAMS_JSON]: call, as that uid (gid 65534, no groups).
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$NOBODY" --clear-groups "$PY" "$CLIENT" "$SOCK" "$@"
}

# ---- keys, made by root (the agent's own uid may do everything).  The
# targets key is scoped wide (registry.example.com/*), so that the rule
# decides below; targets-legacy has no scope (a key made before scopes).
SCOPE='{"profile":"notary","guns":["registry.example.com/*"],"roles":["targets","targets/*"]}'
call key.generate "{\"label\":\"targets-key\",\"type\":\"ecdsa-p256\",\"scope\":$SCOPE}" \
	>"$tmp/gen-targets-key.json"
for k in root-key targets-legacy; do
	call key.generate "{\"label\":\"$k\",\"type\":\"ecdsa-p256\"}" >"$tmp/gen-$k.json"
done
check "root: key.generate targets-key and root-key" \
	test "$(jget "$tmp/gen-targets-key.json" 'd["key"]["type"]')/$(jget "$tmp/gen-root-key.json" 'd["key"]["type"]')" = \
	"ecdsa-p256/ecdsa-p256"
check "key.generate records the scope it was given" \
	test "$(jget "$tmp/gen-targets-key.json" 'd["key"]["scope"]["guns"]')/$(jget "$tmp/gen-root-key.json" 'd["key"]["scope"]')" = \
	'["registry.example.com/*"]/null'
check "the scope is in the state directory, mode 0600" \
	test "$(stat -c %a "$tmp/state/scopes.json")/$(grep -c targets-key "$tmp/state/scopes.json")" = 600/1

# params PROFILE ROLE GUN KEY DAYS: sign params for a fresh notary targets
# file that expires DAYS days from now.
params() {
	"$PY" - "$@" <<'PY'
import datetime, json, sys
profile, role, gun, key, days = sys.argv[1:6]
exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=int(days)))
signed = {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
          "expires": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
          "targets": {"app": {"hashes": {"sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                              "length": 1234}},
          "version": 2}
print(json.dumps({"profile": profile, "role": role, "gun": gun, "keys": [key],
                  "file": json.dumps({"signed": signed, "signatures": []})}))
PY
}

# ---- allowed
as "$NOBODY" key.list >"$tmp/list.json"
check "nobody: key.list shows only targets-* keys" \
	test "$(jget "$tmp/list.json" 'sorted(k["label"] for k in d["keys"])')" = '["targets-key", "targets-legacy"]'
as "$NOBODY" sign "$(params notary targets "$GUN" targets-key 30)" >"$tmp/ok.json"
st=$?
check "nobody: sign targets, $GUN, targets-key, 30 days succeeds" \
	test "$st/$(jget "$tmp/ok.json" 'len(d["keyids"]) == 1 and len(json.loads(d["file"])["signatures"]) == 1')" = 0/true

# ---- refused by the rule: -32007, the reason names the rule
# refused NAME EXPECT_FIELD_RE PARAMS
refused() {
	local n=$1 re=$2 p=$3 st
	as "$NOBODY" sign "$p" >"$tmp/out.json"
	st=$?
	if [ "$st" = 1 ] &&
		[ "$(jget "$tmp/out.json" 'd["code"]')" = -32007 ] &&
		jget "$tmp/out.json" 'd["data"]["detail"]' | grep -q "rule 'builders'" &&
		jget "$tmp/out.json" 'd["data"]["detail"]' | grep -Eq "$re"; then
		ok "nobody: $n is -32007 naming rule 'builders'"
	else
		bad "nobody: $n is -32007 naming rule 'builders'" "exit $st: $(cat "$tmp/out.json")"
	fi
}
refused "role root" "role" "$(params notary root "$GUN" targets-key 30)"
refused "gun registry.example.com/other/app" "[Gg][Uu][Nn]" \
	"$(params notary targets registry.example.com/other/app targets-key 30)"
refused "root-key" "key" "$(params notary targets "$GUN" root-key 30)"
refused "expiry 200 days" "expir" "$(params notary targets "$GUN" targets-key 200)"
# A key without a scope, matched by the rule's pattern only: refused.
refused "targets-legacy (no scope, keys by pattern)" "has no scope" \
	"$(params notary targets "$GUN" targets-legacy 30)"
# Outside the key's scope, whoever asks: root too.
call key.scope '{"key":"targets-key","set":{"profile":"notary","guns":["registry.example.com/team/app"],"roles":["targets"]}}' \
	>"$tmp/scope.json"
check "root: key.scope narrows targets-key to $GUN" \
	test "$(jget "$tmp/scope.json" 'd["scope"]["guns"]')" = '["registry.example.com/team/app"]'
call sign "$(params notary targets registry.example.com/team/other targets-key 30)" >"$tmp/out.json"
check "root: sign outside the key's scope is -32007 naming the scope" \
	test "$(jget "$tmp/out.json" 'd["code"]')/$(jget "$tmp/out.json" '"is scoped to notary gun registry.example.com/team/app" in d["data"]["detail"]')" = -32007/true
as "$NOBODY" key.scope '{"key":"targets-key","set":{"guns":["registry.example.com/team/other"],"roles":["targets"]}}' \
	>"$tmp/out.json"
check "nobody: key.scope (not granted) is refused" test "$(jget "$tmp/out.json" 'd["code"]')" = -32007
as "$NOBODY" sign "$(params notary targets "$GUN" targets-key 30)" >"$tmp/ok2.json"
check "nobody: inside both scope and rule still signs" \
	test "$(jget "$tmp/ok2.json" 'len(d["keyids"])')" = 1

as "$NOBODY" key.generate '{"label":"targets-mine","type":"ecdsa-p256"}' >"$tmp/out.json"
st=$?
if [ "$st" = 1 ] && [ "$(jget "$tmp/out.json" 'd["code"]')" = -32007 ] &&
	jget "$tmp/out.json" 'd["data"]["detail"]' | grep -q "rule 'builders'"; then
	ok "nobody: key.generate (not granted) is -32007 naming rule 'builders'"
else
	bad "nobody: key.generate (not granted) is -32007 naming rule 'builders'" \
		"exit $st: $(cat "$tmp/out.json")"
fi
call key.list >"$tmp/list-root.json"
check "key.generate refused: no key targets-mine was made" \
	test "$(jget "$tmp/list-root.json" 'sorted(k["label"] for k in d["keys"])')" = \
	'["root-key", "targets-key", "targets-legacy"]'

# ---- a peer no rule names: the agent closes the connection at accept
# (agent/server.c), so the client sees the connection closed, exit 3.
as "$STRANGER" status >"$tmp/out.json" 2>"$tmp/err.txt"
st=$?
check "uid $STRANGER (no rule): connection closed at accept" test "$st" = 3
sleep 0.2
check "uid $STRANGER (no rule): the agent logs the refusal" \
	grep -q "peer uid $STRANGER .*refused: no \[allow\] rule names it" "$LOG"

# ---- audit
check "audit: every refusal from uid $NOBODY is recorded with a non-ok result" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in recs if r.get("uid") == int(sys.argv[2])]
bad = [r for r in mine if r["result"] != "ok"]
refusals = [(r["method"], r.get("role"), r.get("gun")) for r in bad]
want = [("sign", "root", "registry.example.com/team/app"),
        ("sign", "targets", "registry.example.com/other/app"),
        ("sign", "targets", "registry.example.com/team/app"),
        ("sign", "targets", "registry.example.com/team/app"),
        ("sign", "targets", "registry.example.com/team/app"),
        ("key.scope", None, None),
        ("key.generate", None, None)]
okr = all(r["result"] == "TA_ERR_POLICY" for r in bad)
oks = [r for r in mine if r["result"] == "ok" and r["method"] == "sign"]
sys.exit(0 if sorted(refusals, key=str) == sorted(want, key=str) and okr and len(oks) == 2 else 1)' \
	"$AUDIT" "$NOBODY"
check "audit: a signature names the rule that allowed it and the key's scope" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
last = [r for r in recs if r.get("uid") == int(sys.argv[2]) and r["result"] == "ok" and
        r["method"] == "sign"][-1]
sys.exit(0 if last.get("rule") == "builders" and last.get("scope") ==
         "targets-key: notary gun registry.example.com/team/app; roles targets" else 1)' \
	"$AUDIT" "$NOBODY"
check "audit: the scope change is recorded with what it was and is" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(r["method"] == "key.scope" and r["result"] == "ok" and
                  r.get("detail", "").startswith("scope was notary gun registry.example.com/*")
                  for r in recs) else 1)' \
	"$AUDIT"
check "audit: uid $STRANGER turned away at accept is recorded (connect, not authorized)" \
	"$PY" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(r.get("uid") == int(sys.argv[2]) and r.get("method") == "connect" and
                  r.get("result") == "TA_ERR_NOT_AUTHORIZED" for r in recs) else 1)' \
	"$AUDIT" "$STRANGER"

agent_stop
check "SIGTERM: the agent exits with status 0" test $? -eq 0
finish
