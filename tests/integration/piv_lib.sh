# shellcheck shell=bash
# Shared set-up for the tests of the agent on the virtual YubiKey
# (tests/piv/: pcscd, vpcd and a PIV card in Python, driven by vcard):
# tests/integration/tuf_lib.sh plus
#   piv_start [VCARD START ARGS...]  the card (its state in $tmp/card), the
#                        VCARD_* variables of tests/piv/vcard start; skips the
#                        test, naming why, when pcscd cannot run here (exit 77)
#   piv_token NAME [ykcs11|opensc]   a [token] block for the card through that
#                        module (default ykcs11), PIN from $tmp/pin
#   vcard ARGS...        tests/piv/vcard on the card's state
# The card is stopped (pcscd too) at exit.
. "$(dirname "$0")/tuf_lib.sh"
VCARD=$(cd "$here/../piv" && pwd)/vcard
[ -x "$VCARD" ] || skip_all "tests/piv/vcard is missing"
for tool in pcscd pkcs11-tool openssl; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is missing (scripts/install-deps)"
done
piv_cleanup() {
	"$VCARD" stop --state "$tmp/card" >/dev/null 2>&1
	tuf_cleanup
}
trap piv_cleanup EXIT

vcard() {
	local c=$1
	shift
	"$VCARD" "$c" --state "$tmp/card" "$@"
}

piv_start() {
	local out rc
	out=$("$VCARD" start --state "$tmp/card" "$@" 2>"$tmp/vcard.err")
	rc=$?
	if [ "$rc" -eq 77 ]; then
		skip_all "virtual YubiKey: $(sed -n 's/^vcard: SKIP: //p' "$tmp/vcard.err")"
	fi
	[ "$rc" -eq 0 ] || { bad "vcard start" "exit $rc: $(cat "$tmp/vcard.err")"; finish; }
	eval "$out"
	printf '%s\n' "$VCARD_PIN" >"$tmp/pin"
	chmod 600 "$tmp/pin"
}

piv_token() {
	local module=$VCARD_YKCS11_MODULE uri="pkcs11:model=YubiKey%20YK5"
	if [ "${2:-ykcs11}" = opensc ]; then
		module=$VCARD_OPENSC_MODULE
		uri="pkcs11:manufacturer=piv_II"
	fi
	printf '\n[token "%s"]\nmodule = %s\nuri = %s\npin = file:%s\nsessions = 1\n' \
		"$1" "$module" "$uri" "$tmp/pin"
}
