#!/bin/bash
# The virtual YubiKey (tests/piv/) pulled out and put back, and shared with
# other pcscd clients, through ykcs11 and OpenSC.  A signature in flight
# when the card goes fails cleanly ("absent", not a PKCS#11 code), later ones
# succeed once it is back, with no restart; the PIN cache is wiped on
# removal (pinentry asks again).  pkcs11-tool --list-objects (with and
# without a login) running beside the agent does not break its login state.
. "$(dirname "$0")/piv_lib.sh"

piv_start --provision 9a:eccp256,9c:eccp256:always:always,9d:eccp256 --touch-timeout 8
piv_pinentry
piv_doc "$tmp/t.json"

sign() {
	T sign --profile tuf --role targets --key "$1" "$tmp/t.json" >"$tmp/signed-$2.json" 2>"$tmp/err-$2"
}
touch_sign() { # KEY TAG: a signature of a key with touch policy always, touched
	sign "$1" "$2" &
	local p=$!
	vcard touch --wait 10 >/dev/null 2>&1
	wait $p
}
wait_present() { # up to 10 s for status to say the card is back and unlocked
	for _ in $(seq 1 50); do
		T status 2>/dev/null | grep -q "token yk: unlocked" && return 0
		sleep 0.2
	done
	return 1
}

for mod in ykcs11 opensc; do
	if [ $mod = ykcs11 ]; then
		S="Private key for Digital Signature" A="Private key for PIV Authentication"
	else
		S="SIGN key" A="PIV AUTH key"
	fi
	[ -n "$agent_pid" ] && agent_stop
	cat "$LOG" >>"$tmp/agents.log" 2>/dev/null
	: >"$LOG"
	{ agent_block; piv_token yk $mod "pinentry:$tmp/pinentry" "pin-cache = 10m"; } >"$tmp/agent.conf"
	agent_start "$tmp/agent.conf" TA_AGENT_WATCH_MS=200 GPG_TTY=/dev/null || { bad "[$mod] the agent starts"; finish; }
	wait_log "logged in (PIN source pinentry)"
	touch_sign "$S" a && ok "[$mod] slot 9c signs (touched; its PIN now cached)" ||
		bad "[$mod] slot 9c signs" "$(cat "$tmp/err-a")"
	c0=$(pe_calls)
	touch_sign "$S" a2
	check "[$mod]   the next one uses the cached PIN" test "$(pe_calls)" -eq "$c0"

	# ---- pulled out mid-signature -------------------------------------------------------------
	sign "$S" b &
	spid=$!
	for _ in $(seq 1 40); do grep -q "touch your YubiKey" "$tmp/err-b" 2>/dev/null && break; sleep 0.1; done
	vcard remove >/dev/null 2>&1 || bad "[$mod] vcard remove"
	wait $spid
	rc=$?
	check "[$mod] the card pulled out while a signature waits: it fails (exit 1)" test $rc -eq 1
	check "[$mod]   saying the token is absent, not a PKCS#11 code" bash -c \
		"grep -q 'absent' '$tmp/err-b' && ! grep -q 'CKR_' '$tmp/err-b'"
	sign "$A" c
	check "[$mod]   a request while it is out: absent" grep -q "absent" "$tmp/err-c"
	wait_log "token 'yk': removed; its cached PIN is wiped" && ok "[$mod]   the cached PIN is wiped on removal" ||
		bad "[$mod]   the cached PIN is wiped on removal"
	T status >"$tmp/st.out" 2>&1
	check "[$mod]   status: absent" grep -q "token yk: absent" "$tmp/st.out"
	vcard insert >/dev/null 2>&1 || bad "[$mod] vcard insert"
	wait_log "token 'yk' is back" && ok "[$mod] put back: the agent sees it (no restart)" ||
		bad "[$mod] put back: the agent sees it"
	# pin = pinentry logs in at start only: the user unlocks after a removal.
	T unlock --pin-file "$tmp/pin" >/dev/null 2>&1 && ok "[$mod]   tufctl unlock" || bad "[$mod]   tufctl unlock"
	sign "$A" d && ok "[$mod]   slot 9a signs again" || bad "[$mod]   slot 9a signs again" "$(cat "$tmp/err-d")"
	c1=$(pe_calls)
	touch_sign "$S" e && ok "[$mod]   slot 9c signs again" || bad "[$mod]   slot 9c signs again" "$(cat "$tmp/err-e")"
	check "[$mod]   with unlock's PIN, not the one cached before the removal (cache refilled by unlock)" \
		test "$(pe_calls)" -eq "$c1"
	check "[$mod]   the agent was never restarted" kill -0 "$agent_pid"
	check "[$mod]   no PIN try was spent" test "$(vcard tries)" = 3

	# ---- another pcscd client beside the agent -------------------------------------------------
	pkcs11-tool --module "$( [ $mod = ykcs11 ] && echo "$VCARD_YKCS11_MODULE" || echo "$VCARD_OPENSC_MODULE")" \
		--list-objects >"$tmp/p11tool.out" 2>&1 && ok "[$mod] pkcs11-tool --list-objects beside the agent" ||
		bad "[$mod] pkcs11-tool --list-objects beside the agent" "$(tail -3 "$tmp/p11tool.out")"
	pkcs11-tool --module "$( [ $mod = ykcs11 ] && echo "$VCARD_YKCS11_MODULE" || echo "$VCARD_OPENSC_MODULE")" \
		--login --pin "$VCARD_PIN" --list-objects >"$tmp/p11tool.out" 2>&1 &&
		ok "[$mod] pkcs11-tool --login --list-objects beside the agent" ||
		bad "[$mod] pkcs11-tool --login --list-objects" "$(tail -3 "$tmp/p11tool.out")"
	sign "$A" f && ok "[$mod]   then slot 9a (PIN once) still signs: the agent's login holds or is mended" ||
		bad "[$mod]   then slot 9a still signs" "$(cat "$tmp/err-f")"
	touch_sign "$S" g && ok "[$mod]   and slot 9c (PIN always)" || bad "[$mod]   and slot 9c" "$(cat "$tmp/err-g")"
	T status >"$tmp/st.out" 2>&1
	check "[$mod]   status: unlocked" grep -q "token yk: unlocked" "$tmp/st.out"
	check "[$mod]   no PIN try was spent" test "$(vcard tries)" = 3
done

finish
