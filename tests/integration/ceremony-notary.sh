#!/bin/bash
# tufctl ceremony --profile notary: a GUN's first Notary v1 root, threshold
# 2 of 3 root certificates — two keys in this machine's agent (their
# certificates for the GUN made at init), one on an offline machine (its
# own agent, its certificate brought as cert:FILE) signing through
# request / sign-request / import — with the server's timestamp key (and
# snapshot key) fetched from the real notary-server.  The finished root is
# adopted by tufctl notary init --root and published; a fresh real notary
# client reads the GUN, checking the two root signatures.  Refusals: no
# --gun, pubkey: for a root key, a certificate for another GUN, a root
# whose targets key is not --targets-key's.
. "$(dirname "$0")/dct_lib.sh"

T2() {
	at b "$@"
}
files() {
	(cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum)
}

dct_up root-a root-b targets
agent_at b offline || { bad "the offline agent starts"; finish; }
GUN=example.com/ceremony/app
T2 key generate --label carol --type ecdsa-p256 --token offline >/dev/null &&
	T2 key cert --label carol --gun "$GUN" >"$tmp/carol.crt" 2>"$tmp/err" &&
	grep -q "BEGIN CERTIFICATE" "$tmp/carol.crt" && ok "carol's certificate for the GUN, made offline" ||
	bad "carol's certificate for the GUN, made offline" "$(cat "$tmp/err")"
T2 key cert --label carol --gun example.com/other >"$tmp/carol-other.crt" 2>/dev/null

C=$tmp/ceremony
init() {
	tufctl ceremony init "$C" --profile notary --threshold 2 --signer alice=root-a \
		--signer bob=root-b "$@" --role-key targets=targets --server "$NT_URL"
}
tufctl ceremony init "$C" --profile notary --threshold 1 --signer alice=root-a \
	--role-key targets=targets --server "$NT_URL" >/dev/null 2>"$tmp/err"
check "init --profile notary without --gun: exit 2" test $? -eq 2
init --gun "$GUN" --signer carol="pubkey:$tmp/carol.crt" >/dev/null 2>"$tmp/err"
check "a pubkey: root key is refused: notary root keys are certificates" test $? -eq 1 -a ! -e "$C/plan.json"
check "  saying what to give" grep -q "give cert:FILE" "$tmp/err"
init --gun "$GUN" --signer carol="cert:$tmp/carol-other.crt" >/dev/null 2>"$tmp/err"
check "a certificate for another GUN is refused" test $? -eq 1 -a ! -e "$C/plan.json"
check "  naming the rule" grep -q "not a root certificate notary takes for '$GUN'" "$tmp/err"
init --gun "$GUN" --signer carol="cert:$tmp/carol.crt" >"$tmp/init.out" 2>&1 &&
	ok "init: a 2-of-3 notary root" || bad "init: a 2-of-3 notary root" "$(cat "$tmp/init.out")"
check "  the summary names it a notary root" grep -q "Notary v1 root, version 1" "$tmp/init.out"
check "  root keys are x509 certificates, threshold 2 of 3" test "$(jget "$C/root.unsigned.json" \
	'[sorted(set(d["signed"]["keys"][k]["keytype"] for k in d["signed"]["roles"]["root"]["keyids"])), d["signed"]["roles"]["root"]["threshold"], len(d["signed"]["roles"]["root"]["keyids"])]')" = \
	'[["ecdsa-x509"], 2, 3]'
echo yes | tufctl ceremony sign "$C" --signer alice >"$tmp/s.out" 2>&1 && ok "alice signs here" ||
	bad "alice signs here" "$(cat "$tmp/s.out")"
tufctl ceremony request "$C" --signer carol -o "$tmp/req.json" >/dev/null 2>&1 &&
	echo yes | T2 ceremony sign-request "$tmp/req.json" --key carol -o "$tmp/resp.json" >"$tmp/sr.out" 2>&1 &&
	ok "carol signs offline" || bad "carol signs offline" "$(cat "$tmp/sr.out")"
check "  the request says notary and the GUN" test "$(jget "$tmp/req.json" '[d["profile"], d["gun"]]')" = \
	"[\"notary\", \"$GUN\"]"
tufctl ceremony import "$C" "$tmp/resp.json" >"$tmp/i.out" 2>&1 && ok "import carol's signature" ||
	bad "import carol's signature" "$(cat "$tmp/i.out")"
check "  signatures carry notary's method" test "$(jget "$C/signatures.json" \
	'sorted(set(s["method"] for s in d))')" = '["ecdsa"]'
tufctl ceremony finish "$C" -o "$tmp/root.json" >"$tmp/f.out" 2>&1 && ok "finish" ||
	bad "finish" "$(cat "$tmp/f.out")"
check "  the seal: alice and bob (both in this agent) sign the head" \
	test "$(grep -c "signed the transcript head" "$tmp/f.out")" -eq 2
tufctl ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" >"$tmp/tv.out" 2>&1
check "transcript verify --root: sealed by 2 root keys matched to the root's certificates" \
	grep -q "sealed (record [0-9]*) by 2 of the threshold 2 root keys" "$tmp/tv.out"

# ---- adoption ---------------------------------------------------------------------------
key_gen other-targets
tufctl notary init "$GUN" --server "$NT_URL" --root "$tmp/root.json" --targets-key other-targets \
	>/dev/null 2>"$tmp/err"
check "notary init --root with another targets key: refused" test $? -eq 1
check "  saying which" grep -q "its targets key is not --targets-key's" "$tmp/err"
tufctl notary init "$GUN" --server "$NT_URL" --root "$tmp/root.json" --root-key root-a \
	--targets-key targets >/dev/null 2>&1
check "notary init --root with --root-key: exit 2" test $? -eq 2
tufctl notary init "$GUN" --server "$NT_URL" --root "$tmp/root.json" --targets-key targets \
	>"$tmp/ni.out" 2>&1 && ok "notary init --root adopts the ceremony's root" ||
	bad "notary init --root adopts the ceremony's root" "$(cat "$tmp/ni.out")"
blob v1 "ceremony image"
tufctl notary add "$GUN" v1 --digest "sha256:$D_v1" --size "$S_v1" --server "$NT_URL" >/dev/null 2>&1 &&
	tufctl notary publish "$GUN" --server "$NT_URL" >"$tmp/p.out" 2>&1 && ok "publish" ||
	bad "publish" "$(cat "$tmp/p.out")"
NT_GUN=$GUN
nt_get root.json "$tmp/served-root.json"
check "the server holds the ceremony's root byte for byte" cmp -s "$tmp/served-root.json" "$tmp/root.json"
nt_fresh_client list "$GUN" >"$tmp/list.txt" 2>&1
check "a fresh real notary client reads the GUN" listed "$tmp/list.txt" v1 "$D_v1" "$S_v1"

finish
