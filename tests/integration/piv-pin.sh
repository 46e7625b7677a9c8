#!/bin/bash
# A PIN for every signature on the virtual YubiKey (tests/piv/): slot 9c
# with PIN policy "always" (CKA_ALWAYS_AUTHENTICATE) through ykcs11 and
# OpenSC.  The agent logs in context-specifically from the token's PIN
# source (file:, pinentry, unlock); pinentry asks for every signature unless
# pin-cache is set, and the cache is wiped on lock and when its time is up;
# a wrong PIN costs exactly one try (vcard tries) and is not tried again;
# status says the PIN's state; a blocked PIN says "use the PUK".
. "$(dirname "$0")/piv_lib.sh"

piv_start --provision 9a:eccp256,9c:eccp256:always,9d:eccp256
piv_pinentry
piv_doc "$tmp/t.json"
good_pin=$VCARD_PIN

# sign KEY: one signature of $tmp/t.json; stderr in $tmp/err.
sign() {
	T sign --profile tuf --role targets --key "$1" "$tmp/t.json" >"$tmp/signed.json" 2>"$tmp/err"
}
# start NAME MODULE [PIN-SOURCE] [LINE...]: the agent on the card alone.
start() {
	local n=$1
	shift
	[ -n "$agent_pid" ] && agent_stop
	cat "$LOG" >>"$tmp/agents.log" 2>/dev/null
	: >"$LOG" # wait_log looks at this agent's lines only
	{ agent_block; piv_token yk "$@"; } >"$tmp/agent.conf"
	agent_start "$tmp/agent.conf" TA_AGENT_WATCH_MS=200 GPG_TTY=/dev/null || { bad "$n: the agent starts"; finish; }
}
tries_is() {
	[ "$(vcard tries)" = "$1" ]
}

for mod in ykcs11 opensc; do
	if [ $mod = ykcs11 ]; then
		S="Private key for Digital Signature"
		A="Private key for PIV Authentication"
	else
		S="SIGN key"
		A="PIV AUTH key"
	fi
	printf '%s\n' "$good_pin" >"$tmp/pin"

	# ---- file: ---------------------------------------------------------------------------
	start "$mod file:" $mod
	T key list >"$tmp/keys.out" 2>&1
	check "[$mod] the card's keys are listed by their labels" grep -q "^$S " "$tmp/keys.out"
	sign "$S" && ok "[$mod] slot 9c (PIN always) signs: context-specific login from the PIN file" ||
		bad "[$mod] slot 9c (PIN always) signs" "$(cat "$tmp/err")"
	sign "$S" && ok "[$mod]   and again (a PIN for each signature)" || bad "[$mod]   and again" "$(cat "$tmp/err")"
	sign "$A" && ok "[$mod] slot 9a (PIN once) signs" || bad "[$mod] slot 9a signs" "$(cat "$tmp/err")"
	check "[$mod]   no try was spent" tries_is 3
	printf '999999\n' >"$tmp/pin"
	sign "$S"
	check "[$mod] a wrong PIN in the PIN file: refused, naming the key and slot" \
		grep -q "wrong PIN for key '$S' (slot 9c)" "$tmp/err"
	check "[$mod]   it cost exactly one try" tries_is 2
	T status >"$tmp/st.out" 2>&1
	if [ $mod = ykcs11 ]; then
		check "[$mod]   status says a try was lost" grep -q "token yk: unlocked, PIN tries low" "$tmp/st.out"
	fi
	# (OpenSC does not report a low count: CKF_USER_PIN_COUNT_LOW is never set.)
	sign "$S"
	check "[$mod]   the next signature does not try it again" \
		grep -q "refused the PIN of its PIN source: fix it, then 'tufctl unlock'" "$tmp/err"
	check "[$mod]   still one try spent" tries_is 2
	printf '%s\n' "$good_pin" >"$tmp/pin"
	T unlock --pin-file "$tmp/pin" >/dev/null 2>&1 && ok "[$mod] unlock with the right PIN" || bad "[$mod] unlock"
	sign "$S" && ok "[$mod]   then slot 9c signs again" || bad "[$mod]   then slot 9c signs again" "$(cat "$tmp/err")"
	check "[$mod]   the card's counter is back to 3" tries_is 3

	# ---- pinentry, no cache: asked for every signature --------------------------------------
	piv_pinentry
	start "$mod pinentry" $mod "pinentry:$tmp/pinentry"
	wait_log "logged in (PIN source pinentry)" || bad "[$mod] pinentry: logged in at start"
	c0=$(pe_calls)
	sign "$S" && sign "$S" && ok "[$mod] pinentry: two signatures with slot 9c" ||
		bad "[$mod] pinentry: two signatures" "$(cat "$tmp/err")"
	check "[$mod]   pinentry asked twice (no pin-cache)" test "$(pe_calls)" -eq $((c0 + 2))
	sign "$A"
	check "[$mod]   slot 9a (PIN once) asks nothing" test "$(pe_calls)" -eq $((c0 + 2))
	printf '999999\n' >"$tmp/pe-pin"
	sign "$S"
	check "[$mod]   a wrong PIN typed: refused" grep -q "wrong PIN for key '$S' (slot 9c)" "$tmp/err"
	check "[$mod]   exactly one try" tries_is 2
	printf '%s\n' "$good_pin" >"$tmp/pe-pin"
	# OpenSC: the card logged itself out; the user unlocks (ykcs11: nothing to do).
	[ $mod = opensc ] && T unlock --pin-file "$tmp/pin" >/dev/null 2>&1
	sign "$S" && ok "[$mod]   the right PIN at the next signature signs" || bad "[$mod]   the right PIN signs" "$(cat "$tmp/err")"
	check "[$mod]   the counter is back to 3" tries_is 3

	# ---- pinentry with pin-cache -------------------------------------------------------------
	start "$mod pin-cache" $mod "pinentry:$tmp/pinentry" "pin-cache = 3"
	wait_log "logged in (PIN source pinentry)"
	c0=$(pe_calls)
	sign "$S" && sign "$S" && sign "$S" && ok "[$mod] pin-cache = 3: three signatures" ||
		bad "[$mod] pin-cache = 3: three signatures" "$(cat "$tmp/err")"
	check "[$mod]   pinentry asked once" test "$(pe_calls)" -eq $((c0 + 1))
	for _ in 1 2 3 4 5 6; do grep -q "pin-cache time is up" "$LOG" && break; sleep 1; done
	check "[$mod]   the cached PIN is wiped when its time is up" grep -q "token 'yk': pin-cache time is up; the cached PIN is wiped" "$LOG"
	sign "$S"
	check "[$mod]   then pinentry asks again" test "$(pe_calls)" -eq $((c0 + 2))
	T lock >/dev/null 2>&1
	T unlock --pin-file "$tmp/pin" >/dev/null 2>&1
	c1=$(pe_calls)
	sign "$S" && ok "[$mod] after lock and unlock, slot 9c signs" || bad "[$mod] after lock and unlock" "$(cat "$tmp/err")"
	check "[$mod]   with unlock's PIN (lock wiped the old one; pinentry not asked)" test "$(pe_calls)" -eq "$c1"
	check "[$mod]   no try lost on the way" tries_is 3
done

# ---- pin = unlock (ykcs11): tufctl unlock's PIN serves the next signature ------------------
S="Private key for Digital Signature"
start "unlock" ykcs11 unlock
T unlock --pin-file "$tmp/pin" >/dev/null 2>&1 && ok "pin = unlock: tufctl unlock" || bad "pin = unlock: tufctl unlock"
sign "$S" && ok "  slot 9c signs with unlock's PIN" || bad "  slot 9c signs with unlock's PIN" "$(cat "$tmp/err")"
sign "$S"
check "  a second signature needs a new unlock (no pin-cache), and says so" \
	grep -q "needs its PIN for every signature: run 'tufctl unlock' before signing" "$tmp/err"
T unlock --pin-file "$tmp/pin" >/dev/null 2>&1
sign "$S" && ok "  after tufctl unlock it signs" || bad "  after tufctl unlock it signs" "$(cat "$tmp/err")"

# ---- a blocked PIN (last: the card stays blocked) -----------------------------------------
piv_pinentry
start "blocked" ykcs11 "pinentry:$tmp/pinentry"
wait_log "logged in (PIN source pinentry)"
printf '999999\n' >"$tmp/pe-pin"
sign "$S"
sign "$S"
check "two wrong PINs: one try left, and the message says so" \
	grep -q "one try is left before the PIN is blocked" "$tmp/err"
T status >"$tmp/st.out" 2>&1
check "  status: one PIN try left" grep -q "token yk: unlocked, PIN tries left: 1" "$tmp/st.out"
sign "$S"
check "the third: \"PIN blocked: use the PUK\"" grep -q "PIN blocked: use the PUK" "$tmp/err"
check "  the card's counter is 0" tries_is 0
T status >"$tmp/st.out" 2>&1
check "  status: PIN blocked, use the PUK" grep -q "PIN blocked: use the PUK" "$tmp/st.out"

finish
