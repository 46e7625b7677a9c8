#!/bin/bash
# Keys generated on the virtual YubiKey (tests/piv/) through the agent:
# tufctl key generate --slot S with the token's management-key source,
# through Yubico's ykcs11 (the user logged out for it and in again, no PIN
# try spent), the new key signing (checked by securesystemslib) and
# attested by the card; and the refusals: a slot that holds a key (never
# replaced), a wrong or malformed management key (nothing made, the user
# still logged in), no management-key source (the factory default never
# tried), a type a slot cannot hold, a label, OpenSC's module; the
# management key from pinentry (its own prompt); a generation waits for a signature that waits for a touch; with
# pin = unlock the token is left locked and says so.
. "$(dirname "$0")/piv_lib.sh"

piv_start --serial 4242 --provision 9a:eccp256,9c:eccp256:always,9e:eccp256:once:always --touch-timeout 15
MGMT=010203040506070801020304050607080102030405060708
printf '%s\n' "$MGMT" >"$tmp/mgmt"
printf "%s\n" "11${MGMT#01}" >"$tmp/mgmt-wrong"  # not a parity bit: DES ignores those
printf '%s\n' "0102030405060708" >"$tmp/mgmt-short"
chmod 600 "$tmp/mgmt" "$tmp/mgmt-wrong" "$tmp/mgmt-short"
vcard attest-ca >"$tmp/ca.pem"
piv_doc "$tmp/t.json"
A="Private key for PIV Authentication"
S="Private key for Digital Signature"
K="Private key for Key Management"
C="Private key for Card Authentication" # provisioned: touch always
E="Private key for Retired Key 3"       # slot 84
R1="Private key for Retired Key 1"

# start MODULE PIN-SOURCE [LINE...]: a fresh agent on the card alone.
start() {
	[ -n "$agent_pid" ] && agent_stop
	{
		agent_block
		piv_token yk "$@"
	} >"$tmp/agent.conf"
	agent_start "$tmp/agent.conf" || { bad "the agent starts on the card ($1)"; finish; }
	for _ in $(seq 1 50); do
		T status 2>/dev/null | grep -q "token yk: unlocked" && return 0
		[ "$2" = unlock ] && return 0
		sleep 0.1
	done
}
# signs LABEL [SIGN OPTIONS...]
signs() {
	local key=$1
	shift
	T sign --profile tuf --role targets --key "$key" "$@" "$tmp/t.json" >"$tmp/signed.json" \
		2>"$tmp/err" && sslib_sig "$tmp/signed.json" "$key"
}
has_key() {
	T key list 2>/dev/null | grep -qF "$1"
}

start ykcs11 "file:$tmp/pin" "management-key = file:$tmp/mgmt"
tries0=$(vcard tries)

# ---- a key in an empty slot -----------------------------------------------------------------
if T key generate --slot 9d --type ecdsa-p256 >"$tmp/gen.out" 2>"$tmp/err"; then
	ok "key generate --slot 9d through ykcs11"
else
	bad "key generate --slot 9d through ykcs11" "$(cat "$tmp/err")"
fi
check "  named by the module after the slot" grep -q "^label   $K\$" "$tmp/gen.out"
check "  listed" has_key "$K"
check "  it signs, and securesystemslib verifies it" signs "$K"
check "  no PIN try spent" test "$(vcard tries)" = "$tries0"
check "  the user is logged in again: slot 9a's key signs without an unlock" signs "$A"
check "  status says unlocked" bash -c "'$TUFCTL' --socket '$SOCK' status | grep -q 'token yk: unlocked'"
T key attest --label "$K" --ca "$tmp/ca.pem" >"$tmp/att.out" 2>&1
check "  the card attests it: generated in slot 9d, chain verified" \
	grep -q "generated on a YubiKey, serial 4242, firmware 5.4.3, slot 9d" "$tmp/att.out"
check "  ... to the card's attestation CA" grep -q "chain: verified" "$tmp/att.out"
check "  the agent's log says it" grep -q "key '$K' (ecdsa-p256) generated on token 'yk'" "$LOG"
check "  the audit record names the operation and its outcome" \
	grep -q '"method":"key.generate".*"result":"ok"' "$AUDIT"

T key generate --slot 82 --type rsa-2048 --gun 'example.com/*' --role targets \
	>"$tmp/gen.out" 2>"$tmp/err"
check "key generate --slot 82 --type rsa-2048 with a scope" grep -q "^label   $R1\$" "$tmp/gen.out"
check "  the scope is recorded" grep -q "example.com/\*" "$tmp/gen.out"
check "  it signs within its scope" signs "$R1" --gun example.com/app

# ---- a signature waiting for a touch holds the card: the generation waits ---------------------
start ykcs11 "file:$tmp/pin" "management-key = file:$tmp/mgmt"
T sign --profile tuf --role targets --key "$C" "$tmp/t.json" >"$tmp/touched.json" 2>"$tmp/err-t" &
spid=$!
for _ in $(seq 1 50); do grep -q "touch your YubiKey" "$tmp/err-t" 2>/dev/null && break; sleep 0.1; done
T key generate --slot 83 >"$tmp/gen83.out" 2>"$tmp/err-g" &
gpid=$!
sleep 1
check "a generation during a touch wait: not done before the touch" kill -0 "$gpid"
vcard touch --wait 10 >/dev/null 2>&1
wait $spid && ok "  the touched signature signs" || bad "  the touched signature signs" "$(cat "$tmp/err-t")"
wait $gpid && ok "  then the generation is made" || bad "  then the generation is made" "$(cat "$tmp/err-g")"
check "  slot 83's key signs (the user logged in again)" signs "Private key for Retired Key 2"

# ---- refusals ------------------------------------------------------------------------------
T key show --label "$S" --profile tuf >"$tmp/s-before" 2>&1
T key generate --slot 9c --type ecdsa-p256 >/dev/null 2>"$tmp/err"
check "a slot that holds a key: exit 1" test $? -eq 1
check "  saying the agent never replaces a key" grep -q "slot 9c of token 'yk' holds a key, which the agent never replaces" "$tmp/err"
T key show --label "$S" --profile tuf >"$tmp/s-after" 2>&1
check "  slot 9c's key is the one it was" cmp -s "$tmp/s-before" "$tmp/s-after"
T key generate --slot 84 --type ed25519 >/dev/null 2>"$tmp/err"
check "ed25519 in a PIV slot: refused by name" grep -q "takes ecdsa-p256, ecdsa-p384 or rsa-2048" "$tmp/err"
T key generate --slot 84 --label mine >/dev/null 2>"$tmp/err"
check "a label with --slot: refused, naming the module's" grep -q "is named '$E' by the card's module" "$tmp/err"
T key generate --slot 9b >/dev/null 2>"$tmp/err"
check "slot 9b (the management key's): a usage error" grep -q -- "--slot must be a PIV key slot" "$tmp/err"
check "  nothing in 84" bash -c "! '$TUFCTL' --socket '$SOCK' key list | grep -qF '$E'"

start ykcs11 "file:$tmp/pin" "management-key = file:$tmp/mgmt-wrong"
T key generate --slot 84 >/dev/null 2>"$tmp/err"
check "a wrong management key: exit 1" test $? -eq 1
check "  the card refused it; nothing was generated" grep -q "token 'yk' refused the management key (.*): nothing was generated" "$tmp/err"
check "  nothing in 84" bash -c "! '$TUFCTL' --socket '$SOCK' key list | grep -qF '$E'"
check "  no PIN try spent" test "$(vcard tries)" = "$tries0"
check "  still logged in: slot 9a signs" signs "$A"

start ykcs11 "file:$tmp/pin" "management-key = file:$tmp/mgmt-short"
T key generate --slot 84 >/dev/null 2>"$tmp/err"
check "a management key that is not 48 hex digits: refused before the card" grep -q "is not 48 hex digits" "$tmp/err"

start ykcs11 "file:$tmp/pin"
T key generate --slot 84 >/dev/null 2>"$tmp/err"
check "no management-key source: refused, saying how to give one" grep -q "has no 'management-key' source: add 'management-key = file:/PATH'" "$tmp/err"
check "  and that the default key is never tried" grep -q "never tries the factory default key" "$tmp/err"
check "  nothing in 84" bash -c "! '$TUFCTL' --socket '$SOCK' key list | grep -qF '$E'"

start opensc "file:$tmp/pin" "management-key = file:$tmp/mgmt"
T key generate --slot 84 >/dev/null 2>"$tmp/err"
check "OpenSC's module: refused, pointing to ykcs11" grep -q "shown by OpenSC, whose module cannot generate keys" "$tmp/err"

# ---- management-key = pinentry: asked with its own prompt, then the PIN to log in again ------
cat >"$tmp/pe2" <<EOF
#!/bin/sh
echo "OK ready"
prompt=
while read -r cmd rest; do
	case \$cmd in
	SETPROMPT) prompt=\$rest; echo OK ;;
	GETPIN)
		case \$prompt in
		Management*) echo mk >>"$tmp/pe2-calls"; printf 'D %s\\n' "$MGMT" ;;
		*) echo pin >>"$tmp/pe2-calls"; printf 'D %s\\n' "\$(cat "$tmp/pin")" ;;
		esac
		echo OK ;;
	BYE) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
chmod 755 "$tmp/pe2"
: >"$tmp/pe2-calls"
[ -n "$agent_pid" ] && agent_stop
{
	agent_block
	piv_token yk ykcs11 "pinentry:$tmp/pe2" "management-key = pinentry:$tmp/pe2"
} >"$tmp/agent.conf"
agent_start "$tmp/agent.conf" GPG_TTY=/dev/null || { bad "the agent starts with pinentry"; finish; }
wait_log "logged in (PIN source pinentry)"
T key generate --slot 85 >"$tmp/gen.out" 2>"$tmp/err"
check "management-key = pinentry: the key is made" grep -q "^label   Private key for Retired Key 4\$" "$tmp/gen.out"
check "  pinentry asked for the PIN at start, then the management key (its own prompt), then the PIN" \
	test "$(tr '\n' ' ' <"$tmp/pe2-calls")" = "pin mk pin "
check "  logged in again: it signs without an unlock" signs "Private key for Retired Key 4"
check "  no PIN try spent" test "$(vcard tries)" = "$tries0"

# ---- pin = unlock: logged out by the generation, and told ------------------------------------
start ykcs11 unlock "management-key = file:$tmp/mgmt"
T unlock --pin-file "$tmp/pin" >/dev/null 2>&1
# The unlock's PIN serves one signature of a PIN-always key: this one.
check "pin = unlock: slot 9c signs with the unlock's PIN" signs "$S"
T key generate --slot 84 --type ecdsa-p384 >"$tmp/gen.out" 2>"$tmp/err"
check "pin = unlock: the key is made" grep -q "^label   $E\$" "$tmp/gen.out"
check "  tufctl says the token is locked now" grep -q "token 'yk' is locked now" "$tmp/err"
check "  status agrees" bash -c "'$TUFCTL' --socket '$SOCK' status | grep -q 'token yk: locked'"
T unlock --pin-file "$tmp/pin" >/dev/null 2>&1
check "  after tufctl unlock the new key signs" signs "$E"
check "  no PIN try spent in all" test "$(vcard tries)" = "$tries0"
signs "$S" # spends the second unlock's PIN
T --json key generate --slot 95 >"$tmp/gen.json" 2>/dev/null
check "--json: logged_out true" test "$(jget "$tmp/gen.json" 'd.get("logged_out")')" = true
finish
