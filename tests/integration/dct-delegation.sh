#!/bin/bash
# Docker Content Trust, test 2: the real notary client creates a GUN and
# adds a delegation, targets/releases, whose key lives in our agent (its
# certificate from tufctl key cert); tufctl signs a tag into
# targets/releases and publishes; the real client lists it under that
# role.  Then tufctl manages delegations itself: adds one with a key in
# the agent and one with a certificate file, signs into it, removes it.
. "$(dirname "$0")/dct_lib.sh"

dct_up releases-1 qa-1
GUN=registry.example.com/team/deleg
NT_GUN=$GUN

tufctl key cert --label releases-1 --gun "$GUN" --role targets/releases >"$tmp/releases.pem" 2>"$tmp/cert.err"
check "tufctl key cert: a PEM certificate for the delegation key" \
	grep -q "BEGIN CERTIFICATE" "$tmp/releases.pem"
if nt_client init "$GUN" -p >"$tmp/init.log" 2>&1 &&
	nt_client key rotate "$GUN" snapshot -r >>"$tmp/init.log" 2>&1 &&
	nt_client delegation add "$GUN" targets/releases "$tmp/releases.pem" --all-paths \
		>>"$tmp/init.log" 2>&1 &&
	nt_client publish "$GUN" >>"$tmp/init.log" 2>&1; then
	ok "the real client creates the GUN (snapshot on the server) with a delegation to our key"
else
	bad "the real client creates the GUN (snapshot on the server) with a delegation to our key" "$(cat "$tmp/init.log")"
	exit 1
fi

blob r1 'release one'
check "tufctl stages a tag in targets/releases" quiet tufctl notary add "$GUN" r1 \
	--digest "sha256:$D_r1" --size "$S_r1" --role targets/releases --server "$NT_URL"
if quiet tufctl notary publish "$GUN"; then
	ok "tufctl signs targets/releases through the agent and publishes"
else
	bad "tufctl signs targets/releases through the agent and publishes" "$(cat "$tmp/quiet.log")"
fi
nt_client list "$GUN" >"$tmp/l1.txt" 2>&1
check "the real client (its own trust) lists r1 in targets/releases" \
	listed "$tmp/l1.txt" r1 "$D_r1" "$S_r1" targets/releases
nt_fresh_client list "$GUN" >"$tmp/l2.txt" 2>&1
check "a fresh real client lists r1 in targets/releases" \
	listed "$tmp/l2.txt" r1 "$D_r1" "$S_r1" targets/releases

# The real client keeps adding to the same GUN: our update did not break it.
blob c1 'from the notary client'
nt_client add "$GUN" c1 "$tmp/blobs/c1" -r targets >"$tmp/add.log" 2>&1 &&
	nt_client publish "$GUN" >>"$tmp/add.log" 2>&1
check "the real client publishes after us" test $? = 0

# tufctl adding a delegation needs the targets key, which the real
# client holds: refused before anything is sent, with a clear message.
tufctl notary delegation add "$GUN" targets/qa --key qa-1 --all-paths >/dev/null 2>&1
if tufctl notary publish "$GUN" >"$tmp/p.log" 2>&1; then
	bad "publishing a delegation needs the targets key" "$(cat "$tmp/p.log")"
else
	check "publishing a delegation needs the targets key: said so" \
		grep -q "targets needs 1 signature" "$tmp/p.log"
fi

# tufctl's own GUN: delegations with a key in the agent and with a
# certificate file (paths limited), tags signed into them, then removal.
key_gen root-1 && key_gen targets-1 || bad "more keys generated"
G2=registry.example.com/team/deleg2
NT_GUN=$G2
tufctl key cert --label releases-1 --gun "$G2" --role targets/rel >"$tmp/rel2.pem" 2>/dev/null
quiet tufctl notary init "$G2" --server "$NT_URL" --root-key root-1 --targets-key targets-1 &&
	quiet tufctl notary publish "$G2" || bad "tufctl publishes $G2" "$(cat "$tmp/quiet.log")"
check "delegation add targets/qa with a key in the agent, all paths" \
	quiet tufctl notary delegation add "$G2" targets/qa --key qa-1 --all-paths
check "delegation add targets/rel with a certificate file, paths rel- (tags are docker tags: no /)" \
	quiet tufctl notary delegation add "$G2" targets/rel --cert "$tmp/rel2.pem" --path rel-
blob q1 'qa build'
blob r2 'release two'
quiet tufctl notary add "$G2" q1 --digest "sha256:$D_q1" --size "$S_q1" --role targets/qa
quiet tufctl notary add "$G2" rel-r2 --digest "sha256:$D_r2" --size "$S_r2" --role targets/rel
if quiet tufctl notary publish "$G2"; then
	ok "publish: delegations and tags signed into them"
else
	bad "publish: delegations and tags signed into them" "$(cat "$tmp/quiet.log")"
fi
nt_fresh_client list "$G2" >"$tmp/g2.txt" 2>&1
check "real client lists q1 in targets/qa" listed "$tmp/g2.txt" q1 "$D_q1" "$S_q1" targets/qa
check "real client lists rel-r2 in targets/rel" listed "$tmp/g2.txt" rel-r2 "$D_r2" "$S_r2" targets/rel
tufctl notary add "$G2" outside --digest "sha256:$D_r2" --size "$S_r2" --role targets/rel >/dev/null 2>&1
tufctl notary publish "$G2" >"$tmp/outside.log" 2>&1
st=$?
check "a tag outside the delegation's paths is refused before upload" \
	sh -c "[ $st = 1 ] && grep -q 'path' '$tmp/outside.log'"
check "notary remove drops the staged add" quiet tufctl notary remove "$G2" outside --role targets/rel
check "delegation remove targets/qa" quiet tufctl notary delegation remove "$G2" targets/qa
check "publish the removal" quiet tufctl notary publish "$G2"
nt_fresh_client list "$G2" >"$tmp/g2b.txt" 2>&1
check "the real client no longer lists q1" sh -c "! grep -q '^q1 ' '$tmp/g2b.txt'"
check "... and still lists rel-r2" listed "$tmp/g2b.txt" rel-r2 "$D_r2" "$S_r2" targets/rel
finish
