#!/bin/bash
# Attestation on the virtual YubiKey (tests/piv/) through the real pcscd
# and Yubico's ykcs11: tufctl key attest (key.attest) prints the card's
# attestation and checks its chain to the card's attestation CA; a ceremony
# records the attestation of a signer whose key is on the card and
# "unattested" for a SoftHSM2 signer; transcript verify --ca re-checks it,
# and refuses a wrong CA, two signers on one device, and a slot whose
# policies are below what the plan requires.
. "$(dirname "$0")/piv_lib.sh"

piv_start --serial 31337 --provision 9a:eccp256,9c:eccp256:always,9d:eccp256:once:always
make_token soft || skip_all "softhsm2-util cannot make a token"
{
	agent_block
	token_block soft "$SOFTHSM" "file:$tmp/pin"
	piv_token yk
} >"$tmp/agent.conf"
agent_start "$tmp/agent.conf" || { bad "the agent starts on SoftHSM2 and the card"; finish; }
KEY_TOKEN=soft keys bob targets snapshot timestamp
vcard attest-ca >"$tmp/ca.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
	-subj /CN=other -days 1 -out "$tmp/other-ca.pem" 2>/dev/null
A="Private key for PIV Authentication"
S="Private key for Digital Signature"
K="Private key for Key Management"

T status >"$tmp/status.out" 2>&1
check "status names the card's model and serial" grep -q "token yk: .*(YubiKey YK5, serial 31337)" "$tmp/status.out"

# ---- tufctl key attest --------------------------------------------------------------------
T key attest --label "$A" >"$tmp/a.out" 2>&1
check "key attest: serial, firmware and slot" grep -q "generated on a YubiKey, serial 31337, firmware 5.4.3, slot 9a" "$tmp/a.out"
check "  PIN once, touch never" grep -q "PIN policy once, touch policy never" "$tmp/a.out"
check "  without --ca the chain is said to be unchecked" grep -q "chain: NOT checked" "$tmp/a.out"
T key attest --label "$A" --ca "$tmp/ca.pem" >"$tmp/a.out" 2>&1
check "key attest --ca: the chain verified" grep -q "chain: verified to a CA of --ca" "$tmp/a.out"
T key attest --label "$K" --ca "$tmp/ca.pem" --json >"$tmp/a.json" 2>&1
check "key attest --json: slot 9d, PIN once, touch always, chain checked" test "$(jget "$tmp/a.json" \
	'[d["slot"], d["serial"], d["pin_policy"], d["touch_policy"], d["chain_checked"], d["attestation"][:27]]')" = \
	'["9d", 31337, "once", "always", true, "-----BEGIN CERTIFICATE-----"]'
T key attest --label "$A" --ca "$tmp/other-ca.pem" >/dev/null 2>"$tmp/err"
check "key attest against another CA: exit 1" test $? -eq 1
check "  saying the chain does not hold" grep -q "does not chain to a CA of" "$tmp/err"
T key attest --label bob >/dev/null 2>"$tmp/err"
check "key attest of a SoftHSM2 key: exit 1, no attestation" grep -q "shows no attestation of key 'bob'" "$tmp/err"
"$PY" - "$tmp/a.json" "$tmp/att.pem" <<'EOF'
import json, sys
open(sys.argv[2], "w").write(json.load(open(sys.argv[1]))["attestation"])
EOF
check "openssl reads the attestation's Yubico serial extension" bash -c \
	"openssl x509 -in '$tmp/att.pem' -noout -text | grep -q '1.3.6.1.4.1.41482.3.7'"

# ---- a ceremony: one signer on the card (attested), one on SoftHSM2 -----------------------
C=$tmp/c
T ceremony init "$C" --profile tuf --threshold 2 --signer alice="$A" --signer bob=bob \
	--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
	>"$tmp/init.out" 2>&1 && ok "init: alice on the card, bob on SoftHSM2" ||
	bad "init: alice on the card, bob on SoftHSM2" "$(cat "$tmp/init.out")"
check "  alice's attestation is in the plan (serial, slot, policies)" test "$(jget "$C/plan.json" \
	'[(s["attestation"]["serial"], s["attestation"]["slot"], s["attestation"]["pin_policy"]) if isinstance(s["attestation"], dict) else s["attestation"] for s in d["signers"]]')" = \
	'[[31337, "9a", "once"], "unattested"]'
T ceremony status "$C" >"$tmp/st.out" 2>&1
check "  status shows alice attested, bob unattested" bash -c "grep -q 'alice .* attested: serial 31337, slot 9a' '$tmp/st.out' && grep -q 'bob .* unattested' '$tmp/st.out'"
echo yes | T ceremony sign "$C" --signer alice >"$tmp/s.out" 2>&1 && ok "alice signs with the card" ||
	bad "alice signs with the card" "$(cat "$tmp/s.out")"
check "  the sign record names the attested device and slot" test "$(tail -n 1 "$C/transcript.jsonl" | \
	jget - '[d["signer"], d["attestation"]]')" = '["alice", {"serial": 31337, "slot": "9a"}]'
echo yes | T ceremony sign "$C" --signer bob >/dev/null 2>&1 && ok "bob signs" || bad "bob signs"
check "  bob's record says unattested" test "$(tail -n 1 "$C/transcript.jsonl" | jget - '[d["signer"], d["attestation"]]')" = '["bob", "unattested"]'
T ceremony finish "$C" -o "$tmp/root.json" >"$tmp/f.out" 2>&1 && ok "finish" || bad "finish" "$(cat "$tmp/f.out")"
T ceremony transcript verify "$C/transcript.jsonl" --root "$tmp/root.json" --ca "$tmp/ca.pem" \
	>"$tmp/tv.out" 2>&1
check "transcript verify --ca: alice attested and checked, bob visibly unattested" \
	grep -q "1 of 2 signers attested (checked against --ca); unattested: bob" "$tmp/tv.out"
T ceremony transcript verify "$C/transcript.jsonl" --ca "$tmp/other-ca.pem" >/dev/null 2>"$tmp/err"
check "transcript verify with another CA: refused, naming alice" grep -q "record 1 (init): signer 'alice': the attestation does not chain" "$tmp/err"

# ---- refusals ------------------------------------------------------------------------------
# plan_verified DIR INIT-OPTION...: a 1-of-N plan in DIR (ceremony init with
# INIT-OPTION..., the other roles' keys on SoftHSM2), then transcript verify
# --ca on it: its output in $tmp/tv.out, its errors in $tmp/err.
plan_verified() {
	local dir=$1
	shift
	T ceremony init "$dir" --profile tuf --threshold 1 "$@" \
		--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
		>/dev/null 2>&1
	T ceremony transcript verify "$dir/transcript.jsonl" --ca "$tmp/ca.pem" >"$tmp/tv.out" 2>"$tmp/err"
}
plan_verified "$tmp/c2" --signer alice="$A" --signer carol="$K"
check "two signers on one device: transcript verify --ca refuses" \
	grep -q "signer 'carol': device serial 31337 attests another signer's key too" "$tmp/err"
plan_verified "$tmp/c3" --signer alice="$A" --require-touch-policy always
check "a slot below the plan's touch policy: refused" \
	grep -q "signer 'alice': slot 9a has PIN policy once and touch policy never; the plan requires at least never and always" "$tmp/err"
plan_verified "$tmp/c4" --signer carol="$K" --require-touch-policy always --require-pin-policy once
check "a slot at the plan's policies: accepted" \
	grep -q "1 of 1 signers attested (checked against --ca)" "$tmp/tv.out" "$tmp/err"

finish
