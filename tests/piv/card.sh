#!/bin/sh
# The virtual YubiKey (tests/piv/card.py, driven by tests/piv/vcard) checked
# against the real stack before other tests rely on it: pcscd with vpcd's
# reader, OpenSC's opensc-pkcs11.so, Yubico's libykcs11.so and yubico-piv-tool,
# signatures and attestation chains checked with openssl.
# Skips (SKIP: reason) when pcscd cannot run here, e.g. /run/pcscd is another's.
# shellcheck source=tests/integration/test_lib.sh
. "$(dirname "$0")/../integration/test_lib.sh"

vcard=$here/vcard
PY=/usr/bin/python3

for tool in pkcs11-tool yubico-piv-tool opensc-tool openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: virtual YubiKey ($tool is missing: scripts/install-deps)"
		exit 0
	fi
done

work=$(mktemp -d /tmp/ta-piv-test.XXXXXX)
state=$work/card
cleanup() {
	"$vcard" stop --state "$state" >/dev/null 2>&1
	"$vcard" stop --state "$work/other" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A fresh card with keys in the four PIV slots: P-256, P-384, P-256, RSA 2048.
provision=9a:eccp256,9c:eccp384,9d:eccp256,9e:rsa2048
# One card bed at a time (tests/integration/piv_lib.sh takes the same lock).
exec 8>"${TMPDIR:-/tmp}/tuf-agent-piv.lock"
flock -w 1800 8 || { echo "SKIP: card.sh (another test has held the virtual card for 30 minutes)"; exit 0; }
env_lines=$("$vcard" start --state "$state" --serial 7654321 --version 5.4.3 \
	--provision "$provision" 2>"$work/start.err" 8>&-)
rc=$?
if [ "$rc" -ne 0 ]; then
	if [ "$rc" -eq 77 ]; then
		echo "SKIP: virtual YubiKey ($(sed -n 's/^vcard: SKIP: //p' "$work/start.err"))"
		exit 0
	fi
	bad "vcard start" "exit $rc: $(cat "$work/start.err")"
	exit 1
fi
eval "$env_lines"
if [ "${VCARD_READER-}" = "Yubico YubiKey OTP+FIDO+CCID 00 00" ] && [ "${VCARD_SERIAL-}" = 7654321 ] &&
	[ -f "${VCARD_OPENSC_MODULE-}" ] && [ -f "${VCARD_YKCS11_MODULE-}" ] && [ "$OPENSC_CONF" = "$state/opensc.conf" ]; then
	ok "vcard start prints the reader, serial, module paths and OPENSC_CONF"
else
	bad "vcard start prints the reader, serial, module paths and OPENSC_CONF" "$env_lines"
fi
opensc=$VCARD_OPENSC_MODULE
ykcs11=$VCARD_YKCS11_MODULE
pin=$VCARD_PIN
mgm=$VCARD_MGM_KEY
msg=$work/msg
echo "tuf-agent virtual YubiKey $$" >"$msg"

# p11 MODULE ARGS...: pkcs11-tool, output in $work/out
p11() {
	m=$1
	shift
	timeout 60 pkcs11-tool --module "$m" "$@" >"$work/out" 2>&1
}

# p11_shows NAME CHECK MODULE ARGS...: p11 MODULE ARGS..., then CHECK (a
# function reading $work/out): ok NAME, or bad NAME with the output.
p11_shows() {
	name=$1 chk=$2
	shift 2
	if p11 "$@" && "$chk"; then
		ok "$name"
	else
		bad "$name" "$(cat "$work/out")"
	fi
}

# has PATTERN...: $work/out matches every PATTERN (grep).
has() {
	for pat in "$@"; do
		grep -q "$pat" "$work/out" || return 1
	done
}

# objects KIND N: $work/out lists exactly N objects of KIND.
objects() {
	[ "$(grep -c "^$1 Object" "$work/out")" -eq "$2" ]
}

# The slots' certificates, read with yubico-piv-tool (a third reader of the card).
for s in 9a 9c 9d 9e; do
	if ! yubico-piv-tool -a read-certificate -s "$s" >"$work/cert$s.pem" 2>"$work/out" ||
		! openssl x509 -in "$work/cert$s.pem" -noout -pubkey >"$work/pub$s.pem" 2>>"$work/out"; then
		bad "yubico-piv-tool: read the certificate in $s" "$(cat "$work/out")"
	fi
done

# sign_check NAME MODULE ID SLOT MECHANISM DIGEST: sign $msg on the card and
# check the signature with openssl against the slot's certificate.
sign_check() {
	name=$1 m=$2 id=$3 slot=$4 mech=$5 dgst=$6
	rm -f "$work/sig"
	fmt=
	case $mech in ECDSA*) fmt="--signature-format openssl" ;; esac
	# shellcheck disable=SC2086
	if ! p11 "$m" --login --pin "$pin" --sign --id "$id" -m "$mech" $fmt -i "$msg" -o "$work/sig"; then
		bad "$name" "pkcs11-tool --sign failed:" "$(cat "$work/out")"
	elif openssl dgst "-$dgst" -verify "$work/pub$slot.pem" -signature "$work/sig" "$msg" >"$work/v" 2>&1; then
		ok "$name"
	else
		bad "$name" "openssl: $(cat "$work/v")"
	fi
}

# ---- OpenSC ---------------------------------------------------------------------
opensc_reader() { has "Yubico YubiKey OTP+FIDO+CCID 00 00" "token manufacturer *: piv_II"; }
p11_shows "opensc: the card is a PIV token in the Yubico reader" opensc_reader "$opensc" -L
opensc_keys() { objects "Private Key" 4 && has "CN=vcard slot 9c" "CN=vcard slot 9e"; }
p11_shows "opensc: four keys and their certificates" opensc_keys "$opensc" --login --pin "$pin" -O
sign_check "opensc: 9a signs (ECDSA P-256), openssl verifies" "$opensc" 01 9a ECDSA-SHA256 sha256
sign_check "opensc: 9c signs with the context-specific login (ECDSA P-384)" "$opensc" 02 9c ECDSA-SHA384 sha384
sign_check "opensc: 9e signs (RSA 2048 PKCS#1 v1.5)" "$opensc" 04 9e SHA256-RSA-PKCS sha256
if openssl dgst -sha256 -verify "$work/pub9a.pem" -signature "$work/sig" "$msg" >/dev/null 2>&1; then
	bad "a 9e signature does not verify with 9a's certificate"
else
	ok "a 9e signature does not verify with 9a's certificate"
fi

tries=$("$vcard" tries --state "$state")
p11 "$opensc" --login --pin 000000 -O
after=$("$vcard" tries --state "$state")
if [ "$tries" = 3 ] && [ "$after" = 2 ] && grep -q CKR_PIN_INCORRECT "$work/out"; then
	ok "opensc: a wrong PIN costs exactly one try (3 -> 2)"
else
	bad "opensc: a wrong PIN costs exactly one try (3 -> 2)" "tries $tries -> $after" "$(cat "$work/out")"
fi
p11 "$opensc" --login --pin "$pin" -O
after=$("$vcard" tries --state "$state")
if [ "$after" = 3 ]; then
	ok "the right PIN resets the tries to 3"
else
	bad "the right PIN resets the tries to 3" "tries $after"
fi

# ---- ykcs11 ---------------------------------------------------------------------
ykcs11_token() { has "token label *: YubiKey PIV #7654321" "serial num *: 7654321" "firmware version *: 5.43"; }
p11_shows "ykcs11: YubiKey PIV #7654321, firmware 5.4.3" ykcs11_token "$ykcs11" -L
ykcs11_objects() {
	has "label: *X.509 Certificate for PIV Attestation 9a" "subject: *DN: CN=vcard slot 9d" &&
		objects "Public Key" 5
}
p11_shows "ykcs11: certificates, attestations and public keys of 9a 9c 9d 9e f9" ykcs11_objects "$ykcs11" -O
sign_check "ykcs11: 9a signs (ECDSA P-256), openssl verifies" "$ykcs11" 01 9a ECDSA-SHA256 sha256
sign_check "ykcs11: 9c signs with the context-specific login (ECDSA P-384)" "$ykcs11" 02 9c ECDSA-SHA384 sha384
sign_check "ykcs11: 9e signs (RSA 2048 PKCS#1 v1.5)" "$ykcs11" 04 9e SHA256-RSA-PKCS sha256

# Key generation: SO login is the management key (the default one).
cp "$work/pub9d.pem" "$work/old9d.pem"
if p11 "$ykcs11" --login --login-type so --so-pin "$mgm" --keypairgen --key-type EC:prime256v1 --id 03 &&
	p11 "$ykcs11" --read-object --type pubkey --id 03 -o "$work/new9d.der" &&
	openssl pkey -pubin -inform der -in "$work/new9d.der" -out "$work/pub9d.pem" 2>/dev/null &&
	! cmp -s "$work/pub9d.pem" "$work/old9d.pem"; then
	ok "ykcs11: generates a P-256 key in 9d with the default management key"
	sign_check "ykcs11: the new 9d key signs, openssl verifies with its public key" "$ykcs11" 03 9d ECDSA-SHA256 sha256
else
	bad "ykcs11: generates a P-256 key in 9d with the default management key" "$(cat "$work/out")"
fi
if p11 "$ykcs11" --login --login-type so --so-pin 0102030405060708010203040506070801020304050607ff \
	--keypairgen --key-type EC:prime256v1 --id 03; then
	bad "ykcs11: a wrong management key cannot generate" "$(cat "$work/out")"
else
	ok "ykcs11: a wrong management key cannot generate"
fi

# ---- yubico-piv-tool --------------------------------------------------------------
yubico-piv-tool -a status >"$work/status" 2>&1
if grep -q "^Version:	5.4.3" "$work/status" && grep -q "^Serial Number:	7654321" "$work/status" &&
	grep -q "^PIN tries left:	3" "$work/status" && grep -q "CN=vcard slot 9e" "$work/status"; then
	ok "yubico-piv-tool -a status: version, serial, certificates, PIN tries"
else
	bad "yubico-piv-tool -a status: version, serial, certificates, PIN tries" "$(cat "$work/status")"
fi
"$vcard" attest-ca --state "$state" >"$work/ca.pem"
yubico-piv-tool -a read-certificate -s f9 >"$work/f9.pem" 2>/dev/null
if yubico-piv-tool -a generate -s 9e -A ECCP384 --pin-policy=once --touch-policy=cached \
	-o "$work/gen9e.pem" >"$work/out" 2>&1 &&
	yubico-piv-tool -a attest -s 9e >"$work/att9e.pem" 2>>"$work/out" &&
	openssl verify -CAfile "$work/ca.pem" -untrusted "$work/f9.pem" "$work/att9e.pem" >>"$work/out" 2>&1 &&
	openssl x509 -in "$work/att9e.pem" -noout -pubkey | cmp -s - "$work/gen9e.pem"; then
	ok "yubico-piv-tool: generate, attest; attestation -> F9 -> vcard attest-ca verifies"
else
	bad "yubico-piv-tool: generate, attest; attestation -> F9 -> vcard attest-ca verifies" "$(cat "$work/out")"
fi
# The Yubico extensions: firmware 5.4.3, serial, PIN once (2) and touch cached (3), form factor.
if "$PY" - "$work/att9e.pem" >"$work/out" 2>&1 <<'EOF'
import sys
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
ext = {e.oid.dotted_string: e.value.value for e in c.extensions}
p = "1.3.6.1.4.1.41482.3."
want = {p + "3": b"\x05\x04\x03", p + "7": bytes.fromhex("020374cbb1"), p + "8": b"\x02\x03", p + "9": b"\x01"}
assert ext == want, ext
assert c.subject.rfc4514_string() == "CN=YubiKey PIV Attestation 9e", c.subject
EOF
then
	ok "attestation: firmware, serial, PIN/touch policy and form factor extensions"
else
	bad "attestation: firmware, serial, PIN/touch policy and form factor extensions" "$(cat "$work/out")"
fi
if openssl verify -CAfile "$work/ca.pem" "$work/att9e.pem" >/dev/null 2>&1; then
	bad "attestation: the chain does not verify without the F9 certificate"
else
	ok "attestation: the chain does not verify without the F9 certificate"
fi
openssl ecparam -genkey -name prime256v1 -noout -out "$work/imported.pem" 2>/dev/null
if yubico-piv-tool -a import-key -s 82 -i "$work/imported.pem" >"$work/out" 2>&1; then
	if yubico-piv-tool -a attest -s 82 >>"$work/out" 2>&1; then
		bad "attestation: an imported key (slot 82) cannot be attested" "$(cat "$work/out")"
	else
		ok "attestation: an imported key (slot 82) cannot be attested"
	fi
else
	bad "yubico-piv-tool: import-key into slot 82" "$(cat "$work/out")"
fi
if yubico-piv-tool -a attest -s 9b >/dev/null 2>&1; then
	bad "attestation: slot 9b (management key) cannot be attested"
else
	ok "attestation: slot 9b (management key) cannot be attested"
fi

# ---- PIN counters, blocking, PUK -------------------------------------------------
yubico-piv-tool -a verify-pin -P 999999 >/dev/null 2>&1
t1=$("$vcard" tries --state "$state")
yubico-piv-tool -a verify-pin -P 999999 >/dev/null 2>&1
t2=$("$vcard" tries --state "$state")
yubico-piv-tool -a verify-pin -P 999999 >/dev/null 2>&1
t3=$("$vcard" tries --state "$state")
if [ "$t1/$t2/$t3" = 2/1/0 ]; then
	ok "each wrong PIN costs exactly one try (2, 1, 0)"
else
	bad "each wrong PIN costs exactly one try (2, 1, 0)" "tries $t1/$t2/$t3"
fi
if yubico-piv-tool -a verify-pin -P "$pin" >"$work/out" 2>&1; then
	bad "three wrong PINs block the PIN: the right one is refused" "$(cat "$work/out")"
elif grep -q blocked "$work/out" && p11 "$opensc" --login --pin "$pin" -O; then
	bad "three wrong PINs block the PIN: the right one is refused" "opensc logged in"
else
	ok "three wrong PINs block the PIN: the right one is refused"
fi
if yubico-piv-tool -a unblock-pin -P 11111111 -N 654321 >/dev/null 2>&1; then
	bad "a wrong PUK does not unblock"
else
	ok "a wrong PUK does not unblock"
fi
if yubico-piv-tool -a unblock-pin -P "$VCARD_PUK" -N 654321 >"$work/out" 2>&1 &&
	[ "$("$vcard" tries --state "$state")" = 3 ] &&
	yubico-piv-tool -a verify-pin -P 654321 >>"$work/out" 2>&1 &&
	yubico-piv-tool -a change-pin -P 654321 -N "$pin" >>"$work/out" 2>&1; then
	ok "the PUK unblocks with a new PIN; tries back to 3; PIN changed back"
else
	bad "the PUK unblocks with a new PIN; tries back to 3; PIN changed back" "$(cat "$work/out")"
fi

# ---- PIN policy on the card: 9c "always", 9a "once" (raw APDUs, one connection) ----
hash=$(printf '%064x' 1)
verify="00:20:00:80:08:$(printf '%s' "$pin" | od -An -tx1 | tr -s ' ' ':' | sed 's/^://;s/:$//'):ff:ff"
ga() { # ga ALG SLOT: GENERAL AUTHENTICATE over a 32-byte hash
	echo "00:87:$1:$2:26:7c:24:82:00:81:20:$(echo "$hash" | sed 's/../&:/g;s/:$//')"
}
opensc-tool -r "$VCARD_READER" -s "$verify" -s "$(ga 14 9c)" -s "$(ga 14 9c)" >"$work/out" 2>&1
sw=$(grep -o 'SW1=0x[0-9a-f]*, SW2=0x[0-9a-f]*' "$work/out" | tr '\n' ' ')
if [ "$sw" = "SW1=0x90, SW2=0x00 SW1=0x90, SW2=0x00 SW1=0x69, SW2=0x82 " ]; then
	ok "9c (PIN always): one verified PIN signs once, the next signature is refused (6982)"
else
	bad "9c (PIN always): one verified PIN signs once, the next signature is refused (6982)" "$sw" "$(cat "$work/out")"
fi
# (VERIFY with P1=FF forgets the PIN: the card stays verified between connections
# that leave it unreset, as a YubiKey does.)
opensc-tool -r "$VCARD_READER" -s 00:20:ff:80 -s "$(ga 11 9a)" -s "$verify" -s "$(ga 11 9a)" -s "$(ga 11 9a)" \
	>"$work/out" 2>&1
sw=$(grep -o 'SW1=0x[0-9a-f]*, SW2=0x[0-9a-f]*' "$work/out" | tr '\n' ' ')
if [ "$sw" = "SW1=0x90, SW2=0x00 SW1=0x69, SW2=0x82 SW1=0x90, SW2=0x00 SW1=0x90, SW2=0x00 SW1=0x90, SW2=0x00 " ]; then
	ok "9a (PIN once): refused before the PIN, then signs again and again"
else
	bad "9a (PIN once): refused before the PIN, then signs again and again" "$sw" "$(cat "$work/out")"
fi

# ---- touch ------------------------------------------------------------------------
# 9e (generated above with touch "cached"): one touch, then 15 s without (a
# touch for any slot fills the cache, so this comes first).
cp "$work/gen9e.pem" "$work/pub9e.pem"
touches() { "$vcard" status --state "$state" | sed -n 's/.*"touch_requests": \([0-9]*\).*/\1/p'; }
before=$(touches)
(sign_check "touch cached: the first signature waits for a touch" "$ykcs11" 04 9e ECDSA-SHA384 sha384 >"$work/touched") &
signer=$!
"$vcard" touch --state "$state" --wait 20 >"$work/out" 2>&1 || bad "touch cached: vcard touch" "$(cat "$work/out")"
wait "$signer"
cat "$work/touched"
grep -q '^FAIL: ' "$work/touched" && failures=$((failures + 1))
sign_check "touch cached: the next one, at once, does not" "$ykcs11" 04 9e ECDSA-SHA384 sha384
after=$(touches)
if [ "$after" = $((before + 1)) ]; then
	ok "touch cached: the card asked for one touch for two signatures"
else
	bad "touch cached: the card asked for one touch for two signatures" "$before -> $after"
fi
# 9d with touch "always": the signature waits for vcard touch.
if yubico-piv-tool -a generate -s 9d -A ECCP256 --touch-policy=always -o "$work/pub9d.pem" >"$work/out" 2>&1; then
	before=$(touches)
	(sign_check "touch always: the signature waits for vcard touch, then verifies" "$ykcs11" 03 9d ECDSA-SHA256 sha256 \
		>"$work/touched") &
	signer=$!
	if "$vcard" touch --state "$state" --wait 20 >"$work/out" 2>&1; then
		wait "$signer"
		cat "$work/touched"
		grep -q '^FAIL: ' "$work/touched" && failures=$((failures + 1))
	else
		wait "$signer"
		bad "touch always: the signature waits for vcard touch, then verifies" "$(cat "$work/out")"
	fi
	after=$(touches)
	if [ "$after" = $((before + 1)) ]; then
		ok "touch always: the card asked for exactly one touch"
	else
		bad "touch always: the card asked for exactly one touch" "$before -> $after"
	fi
else
	bad "touch always: yubico-piv-tool generates with --touch-policy=always" "$(cat "$work/out")"
fi
if "$vcard" touch --state "$state" --wait 0.5 >/dev/null 2>&1; then
	bad "vcard touch fails when the key is not waiting for a touch"
else
	ok "vcard touch fails when the key is not waiting for a touch"
fi

# ---- state persists across stop/start; the touch timeout -----------------------------
"$vcard" stop --state "$state"
if [ -S /run/pcscd/pcscd.comm ] && opensc-tool -l >/dev/null 2>&1; then
	bad "vcard stop stops pcscd"
else
	ok "vcard stop stops pcscd"
fi
if env_lines=$("$vcard" start --state "$state" --touch-timeout 2 2>"$work/start.err"); then
	eval "$env_lines"
	yubico-piv-tool -a read-certificate -s 9a >"$work/again9a.pem" 2>/dev/null
	if [ "$VCARD_SERIAL" = 7654321 ] && cmp -s "$work/again9a.pem" "$work/cert9a.pem"; then
		ok "the card keeps its serial and certificates across stop and start"
	else
		bad "the card keeps its serial and certificates across stop and start" "serial $VCARD_SERIAL"
	fi
	t0=$(date +%s)
	if p11 "$ykcs11" --login --pin "$pin" --sign --id 03 -m ECDSA-SHA256 -i "$msg" -o "$work/sig"; then
		bad "touch always: no touch in time, the signature fails" "$(cat "$work/out")"
	else
		t=$(($(date +%s) - t0))
		if [ "$t" -ge 1 ] && [ "$t" -le 10 ]; then
			ok "touch always: no touch in time, the signature fails (after ${t} s)"
		else
			bad "touch always: no touch in time, the signature fails" "after $t s"
		fi
	fi
else
	bad "vcard start again on the same state" "$(cat "$work/start.err")"
fi

# ---- a second card cannot take pcscd: exit 77 with the reason --------------------------
"$vcard" start --state "$work/other" >/dev/null 2>"$work/other.err"
rc=$?
if [ "$rc" -eq 77 ] && grep -q "^vcard: SKIP: /run/pcscd is in use" "$work/other.err"; then
	ok "vcard start exits 77 with the reason when /run/pcscd is taken"
else
	bad "vcard start exits 77 with the reason when /run/pcscd is taken" "exit $rc: $(cat "$work/other.err")"
fi

# ---- remove / insert ------------------------------------------------------------------
"$vcard" remove --state "$state"
p11 "$opensc" -L
if grep -A1 "Yubico YubiKey OTP+FIDO+CCID 00 00" "$work/out" | grep -q "(empty)" &&
	! p11 "$ykcs11" -O; then
	ok "vcard remove: both modules see the reader empty"
else
	bad "vcard remove: both modules see the reader empty" "$(cat "$work/out")"
fi
"$vcard" insert --state "$state"
if p11 "$ykcs11" -L && grep -q "YubiKey PIV #7654321" "$work/out" &&
	p11 "$opensc" -L && grep -q "token manufacturer *: piv_II" "$work/out"; then
	ok "vcard insert: both modules see the card again"
else
	bad "vcard insert: both modules see the card again" "$(cat "$work/out")"
fi

[ "$failures" -eq 0 ]
