#!/bin/bash
# Docker Content Trust, test 6: the agent's policy in the loop.  A builder
# (uid 65534 through setpriv, its own trust directory) allowed to sign
# targets with targets-* keys for registry.example.com/ci/* publishes a
# tag; the same builder asking for a root rotation, or publishing to a GUN
# outside its pattern, is refused by the agent, the error names the rule,
# and the server keeps what it had.
. "$(dirname "$0")/dct_lib.sh"

dct_needs_setpriv
BUILDER=65534
dct_conf "$(dct_builder_rule builders $BUILDER)"
dct_shared_start
key_gen root-1 && key_gen targets-ci && key_gen targets-other ||
	{ bad "keys generated"; exit 1; }

GUN=registry.example.com/ci/app
OTHER=registry.example.com/other/app
for g in "$GUN:targets-ci" "$OTHER:targets-other"; do
	quiet tufctl notary init "${g%%:*}" --server "$NT_URL" --root-key root-1 \
		--targets-key "${g#*:}" && quiet tufctl notary publish "${g%%:*}" ||
		{ bad "root initialises and publishes ${g%%:*}" "$(cat "$tmp/quiet.log")"; exit 1; }
done
ok "the agent's own uid initialises and publishes both GUNs"

# The builder: its own home for trust data, reachable only by it.
bhome=$tmp/builder
mkdir -p "$bhome"
chown "$BUILDER:$BUILDER" "$bhome"
as_builder() {
	setpriv --reuid="$BUILDER" --regid="$BUILDER" --clear-groups \
		env HOME="$bhome" XDG_DATA_HOME="$bhome/xdg" "$TUFCTL" --socket "$SOCK" "$@"
}
dct_publish_listed "the builder publishes a tag for its GUN (targets through the agent)" \
	"$GUN" v1 as_builder

# A root rotation: the agent refuses to sign root for the builder.
nt_fetch root "$tmp/root-before.json"
if as_builder notary rotate "$GUN" root --key root-1 >"$tmp/rot.log" 2>&1; then
	bad "the builder's root rotation is refused" "$(cat "$tmp/rot.log")"
else
	ok "the builder's root rotation is refused"
fi
check "the refusal is the policy's" grep -q "refused by policy" "$tmp/rot.log"
# And asked to sign a root directly, with a key it may use: the role rule.
cp "$tmp/root-before.json" "$tmp/root-copy.json"
chmod 644 "$tmp/root-copy.json"
as_builder sign --profile notary --role root --gun "$GUN" --key targets-ci "$tmp/root-copy.json" \
	>"$tmp/rs.log" 2>&1
check "signing a root is refused by the role rule" grep -q "policy.*role 'root' not in roles" "$tmp/rs.log"
nt_fetch root "$tmp/root-after.json"
check "the server's root is unchanged" cmp -s "$tmp/root-before.json" "$tmp/root-after.json"

# Another GUN: refused, staged change kept, server unchanged.
as_builder notary add "$OTHER" v1 --digest "sha256:$D_v1" --size "$S_v1" --server "$NT_URL" \
	>"$tmp/o.log" 2>&1
if as_builder notary publish "$OTHER" >>"$tmp/o.log" 2>&1; then
	bad "the builder's publish to another GUN is refused" "$(cat "$tmp/o.log")"
else
	ok "the builder's publish to another GUN is refused"
fi
check "the refusal names the GUN rule" grep -q "policy.*gun" "$tmp/o.log"
NT_GUN=$OTHER
nt_fresh_client list "$OTHER" >"$tmp/list-o.txt" 2>&1
check "the other GUN still has no targets" sh -c "! grep -q '^v1 ' '$tmp/list-o.txt'"
check "the builder's change stays staged" \
	sh -c "cat '$bhome/xdg/tufctl/notary/127.0.0.1:$NT_PORT/$OTHER'/changes/*.json | grep -q '\"v1\"'"
check "audit: refusals recorded for uid $BUILDER" \
	test "$(grep "\"uid\":$BUILDER" "$AUDIT" | grep -c '"result":"TA_ERR_POLICY"')" -ge 2
finish
