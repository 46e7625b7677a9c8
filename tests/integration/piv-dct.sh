#!/bin/bash
# The whole story on the virtual YubiKey (tests/piv/): the root key on slot
# 9c (PIN policy always, touch policy always) through a PKCS#11 module, the
# other keys on SoftHSM2.  Docker Content Trust: tufctl notary init / add /
# publish on the real notary-server, a fresh real notary client lists the
# tags (its own PC/SC socket points at nothing: it would sign with any
# YubiKey it finds); rotating the targets key signs with the card's root
# again.  TUF 1.0: tufctl repo init / add / publish with the card's root,
# read by tuf-js and checked by securesystemslib.  Every card signature
# needs its PIN (vcard counts none lost) and a touch (a background toucher
# plays the user).
#
# The module is $PIV_DCT_MODULE: ykcs11 (Yubico's, the default: this
# script) or opensc (OpenSC's opensc-pkcs11.so: piv-dct-opensc.sh sources
# this script after setting it), so make check runs the story through both.
. "$(dirname "$0")/piv_lib.sh"
: "${PIV_DCT_MODULE:=ykcs11}"
case $PIV_DCT_MODULE in
ykcs11 | opensc) ;;
*) bad "PIV_DCT_MODULE is ykcs11 or opensc, not '$PIV_DCT_MODULE'"; finish ;;
esac
if [ ! -x /usr/bin/notary ] || [ ! -x /usr/bin/notary-server ]; then
	skip_all "Debian's notary package is not installed"
fi
NT_DIR=$tmp/nt
# shellcheck source=tests/integration/notary/lib.sh
. "$here/notary/lib.sh"
toucher=
trap 'kill $toucher 2>/dev/null; nt_cleanup; piv_cleanup' EXIT
export XDG_DATA_HOME=$tmp/xdg
TRUST=$XDG_DATA_HOME/tufctl/notary

# The notary root on slot 9c, the TUF 1.0 root on another slot (a key has
# one scope), both with PIN policy always and touch policy always, by the
# labels the module gives them.  ykcs11: slot 9d.  OpenSC shows 9d as a
# key-management key (CKA_DERIVE, not CKA_SIGN: it refuses to sign with
# it), so there the TUF root is on slot 9a, which OpenSC does not mark
# CKA_ALWAYS_AUTHENTICATE (only 9c): the agent learns the PIN policy from
# the card's refusal and logs in for the signature.
if [ "$PIV_DCT_MODULE" = opensc ]; then
	ROOT="SIGN key"
	TROOT="PIV AUTH key" TSLOT=9a
	piv_start --provision 9a:eccp256:always:always,9c:eccp256:always:always,9d:eccp256
else
	ROOT="Private key for Digital Signature"
	TROOT="Private key for Key Management" TSLOT=9d
	piv_start --provision 9a:eccp256,9c:eccp256:always:always,9d:eccp256:always:always
fi
make_token soft || skip_all "softhsm2-util cannot make a token"
{
	agent_block
	token_block soft "$SOFTHSM" "file:$tmp/pin"
	piv_token yk "$PIV_DCT_MODULE"
} >"$tmp/agent.conf"
agent_start "$tmp/agent.conf" || { bad "the agent starts on SoftHSM2 and the card"; finish; }
KEY_TOKEN=soft keys targets-1 targets-2 snapshot timestamp || { bad "SoftHSM2 keys"; finish; }

# The user: touches the key whenever it blinks.
(while :; do "$VCARD" touch --state "$tmp/card" --wait 60 >/dev/null 2>&1 || sleep 0.2; done) &
toucher=$!
touches() {
	vcard status | jget - 'd["touch_requests"]'
}

# ---- Docker Content Trust ------------------------------------------------------------------
nt_server_start >/dev/null || { bad "notary-server starts"; finish; }
GUN=registry.example.com/team/yubikey
NT_GUN=$GUN
t0=$(touches)
if T notary init "$GUN" --server "$NT_URL" --root-key "$ROOT" --targets-key targets-1 \
	>"$tmp/init.out" 2>&1; then
	ok "notary init with the root key on slot 9c (PIN always, touch always)"
else
	bad "notary init with the root key on slot 9c" "$(cat "$tmp/init.out")"
fi
check "  the card was touched for it" test "$(touches)" -gt "$t0"
blob() {
	mkdir -p "$tmp/blobs"
	printf '%s' "$2" >"$tmp/blobs/$1"
	printf -v "D_$1" '%s' "$(sha256sum "$tmp/blobs/$1" | cut -d' ' -f1)"
	printf -v "S_$1" '%s' "$(stat -c %s "$tmp/blobs/$1")"
}
blob v1 'manifest one'
T notary add "$GUN" v1 --digest "sha256:$D_v1" --size "$S_v1" >/dev/null 2>&1 || bad "notary add v1"
T notary publish "$GUN" >"$tmp/pub.out" 2>&1 && ok "notary publish (root signed on the card)" ||
	bad "notary publish" "$(cat "$tmp/pub.out")"
nt_fresh_client list "$GUN" >"$tmp/list.txt" 2>&1 && ok "a fresh real notary client reads the GUN" ||
	bad "a fresh real notary client reads the GUN" "$(cat "$tmp/list.txt")"
check "  and lists v1 with its digest and size" grep -Eq "^v1[[:space:]]+$D_v1[[:space:]]+$S_v1[[:space:]]+targets" "$tmp/list.txt"
T --json key show --label "$ROOT" --profile tuf >"$tmp/ks.json" 2>/dev/null
check "  root.json's root key is a certificate of the card's key" "$PY" - \
	"$TRUST/127.0.0.1:$NT_PORT/$GUN/metadata/root.json" "$tmp/ks.json" <<'PYEOF2'
import base64, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
root = json.load(open(sys.argv[1]))["signed"]
k = root["keys"][root["roles"]["root"]["keyids"][0]]
cert = x509.load_pem_x509_certificate(base64.b64decode(k["keyval"]["public"]))
want = json.load(open(sys.argv[2]))["key"]["keyval"]["public"].strip()
got = cert.public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode().strip()
assert k["keytype"] == "ecdsa-x509" and got == want, (k["keytype"], got, want)
PYEOF2
t1=$(touches)
T notary rotate "$GUN" targets --token soft >"$tmp/rot.out" 2>&1 && ok "notary rotate targets: root.json signed again on the card" ||
	bad "notary rotate targets" "$(cat "$tmp/rot.out")"
check "  with a touch" test "$(touches)" -gt "$t1"
nt_fresh_client list "$GUN" >"$tmp/list2.txt" 2>&1 && ok "  a fresh real client still reads the GUN" ||
	bad "  a fresh real client still reads the GUN" "$(cat "$tmp/list2.txt")"
check "no PIN try was spent" test "$(vcard tries)" = 3
check "the real client never touched the card (its PC/SC socket points at nothing)" \
	test ! -e "$NT_DIR/no-pcscd"

# ---- TUF 1.0 -----------------------------------------------------------------------------------
R=$tmp/repo
t2=$(touches)
T repo init "$R" --root-key "$TROOT" --targets-key targets-2 --snapshot-key snapshot \
	--timestamp-key timestamp >"$tmp/rinit.out" 2>&1 && ok "repo init with the root key on slot $TSLOT (PIN always, touch always)" ||
	bad "repo init with the root key on slot $TSLOT (PIN always, touch always)" "$(cat "$tmp/rinit.out")"
check "  with a touch" test "$(touches)" -gt "$t2"
mkdir -p "$tmp/blobs"
printf 'hello from a YubiKey-rooted repository\n' >"$tmp/blobs/hello"
T repo add "$R" docs/hello.txt "$tmp/blobs/hello" >/dev/null 2>&1 && T repo publish "$R" >"$tmp/rpub.out" 2>&1 &&
	ok "repo add and publish" || bad "repo add and publish" "$(cat "$tmp/rpub.out")"
serve "$R"
if tufjs "$R/1.root.json" docs/hello.txt && grep -q '"target":"docs/hello.txt","ok":true' "$tmp/tufjs.out"; then
	ok "tuf-js trusts the card's root and downloads the target"
else
	bad "tuf-js trusts the card's root" "$(cat "$tmp/tufjs.out")"
fi
sslib_check "$R" >"$tmp/sslib.out" 2>&1 && ok "securesystemslib verifies every signature (the card's too)" ||
	bad "securesystemslib verifies every signature" "$(cat "$tmp/sslib.out")"
check "no PIN try was spent" test "$(vcard tries)" = 3

if [ "$PIV_DCT_MODULE" = opensc ]; then
	# Why the TUF root is on 9a here (README.md, "Which module").
	piv_doc "$tmp/t.json"
	T sign --profile tuf --role targets --key "KEY MAN key" "$tmp/t.json" >/dev/null 2>"$tmp/9d.err"
	check "slot 9d through OpenSC (a key-management key) is refused as a key that cannot sign" \
		grep -q "key 'KEY MAN key' (slot 9d) may not sign: its module marks it for key agreement or decryption only (as OpenSC shows a PIV card's slot 9d: sign with 9a, 9c or 9e, or through Yubico's ykcs11)" "$tmp/9d.err"
	check "  no PIN try was spent" test "$(vcard tries)" = 3
fi

finish
