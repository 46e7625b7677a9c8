#!/bin/bash
# Touch on the virtual YubiKey (tests/piv/), through ykcs11 and OpenSC:
# slot 9c with PIN policy always and touch policy always.  The agent sends
# its notice naming the key and the slot, waits, and reports "touch not
# received" (not a PKCS#11 code) when the card's touch timeout passes;
# other clients are served meanwhile (status, key list, a signature on
# another token).
. "$(dirname "$0")/piv_lib.sh"

piv_start --provision 9a:eccp256,9c:eccp256:always:always --touch-timeout 4
make_token soft || skip_all "softhsm2-util cannot make a token"
piv_doc "$tmp/t.json"

sign() {
	T sign --profile tuf --role targets --key "$1" "$tmp/t.json" >"$tmp/signed-$2.json" 2>"$tmp/err-$2"
}

for mod in ykcs11 opensc; do
	[ $mod = ykcs11 ] && S="Private key for Digital Signature" || S="SIGN key"
	[ -n "$agent_pid" ] && agent_stop
	{
		agent_block
		token_block soft "$SOFTHSM" "file:$tmp/pin"
		piv_token yk $mod
	} >"$tmp/agent.conf"
	agent_start "$tmp/agent.conf" || { bad "[$mod] the agent starts"; finish; }
	KEY_TOKEN=soft keys "soft-$mod" || bad "[$mod] a SoftHSM2 key"

	# ---- touched in time ------------------------------------------------------------------
	sign "$S" a &
	spid=$!
	sleep 1.5 # the notice comes after a second of waiting
	vcard touch --wait 10 >/dev/null 2>&1 && ok "[$mod] the card asks for a touch" || bad "[$mod] the card asks for a touch"
	wait $spid && ok "[$mod] touched: slot 9c signs" || bad "[$mod] touched: slot 9c signs" "$(cat "$tmp/err-a")"
	check "[$mod]   the notice names the YubiKey, the slot and the key" \
		grep -q "^tufctl: touch your YubiKey (slot 9c) to sign with key '$S'$" "$tmp/err-a"
	check "[$mod]   the signature verifies (securesystemslib)" sslib_sig "$tmp/signed-a.json" "$S"

	# ---- not touched: other clients meanwhile, then "touch not received" ------------------------
	t0=$(date +%s%N)
	sign "$S" b &
	spid=$!
	for _ in $(seq 1 40); do grep -q "touch your YubiKey" "$tmp/err-b" 2>/dev/null && break; sleep 0.1; done
	check "[$mod] an untouched signature: the notice came" grep -q "touch your YubiKey (slot 9c)" "$tmp/err-b"
	T status >"$tmp/st.out" 2>&1 && kill -0 $spid 2>/dev/null && ok "[$mod]   meanwhile status answers" ||
		bad "[$mod]   meanwhile status answers" "$(cat "$tmp/st.out")"
	T key list >"$tmp/kl.out" 2>&1 && kill -0 $spid 2>/dev/null && ok "[$mod]   meanwhile key list answers" ||
		bad "[$mod]   meanwhile key list answers"
	sign "soft-$mod" c && kill -0 $spid 2>/dev/null && ok "[$mod]   meanwhile another token signs" ||
		bad "[$mod]   meanwhile another token signs" "$(cat "$tmp/err-c")"
	check "[$mod]   status showed the card present and unlocked" grep -q "token yk: unlocked" "$tmp/st.out"
	wait $spid
	rc=$?
	t1=$(date +%s%N)
	check "[$mod]   then it fails: exit 1" test $rc -eq 1
	check "[$mod]   \"touch not received\", naming key and slot, no PKCS#11 code" bash -c \
		"grep -q \"touch not received: key '$S' (slot 9c) waited\" '$tmp/err-b' && ! grep -q 'CKR_' '$tmp/err-b'"
	check "[$mod]   after the card's timeout (4 s), not before" test $(((t1 - t0) / 1000000)) -ge 3500
	check "[$mod]   the audit record says timeout" grep -q '"result":"TA_ERR_TIMEOUT"' "$AUDIT"
	check "[$mod]   no PIN try was spent" test "$(vcard tries)" = 3
	sign "$S" d &
	spid=$!
	vcard touch --wait 10 >/dev/null 2>&1
	wait $spid && ok "[$mod]   the next signature, touched, signs" || bad "[$mod]   the next signature signs" "$(cat "$tmp/err-d")"
done

finish
