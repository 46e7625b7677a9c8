# shellcheck shell=bash
# Shared set-up for the tests of the agent on the virtual YubiKey
# (tests/piv/: pcscd, vpcd and a PIV card in Python, driven by vcard):
# tests/integration/tuf_lib.sh plus
#   piv_start [VCARD START ARGS...]  the card (its state in $tmp/card), the
#                        VCARD_* variables of tests/piv/vcard start; skips the
#                        test, naming why, when pcscd cannot run here (exit 77)
#   piv_token NAME [ykcs11|opensc] [PIN-SOURCE] [LINE...]   a [token] block
#                        for the card through that module (default ykcs11),
#                        PIN from PIN-SOURCE (default file:$tmp/pin), more
#                        "key = value" LINEs
#   piv_pinentry         $tmp/pinentry: a pinentry that answers with the
#                        content of $tmp/pe-pin and counts its PIN prompts
#                        in $tmp/pe-calls (pe_calls prints the count); the
#                        tests start such an agent with GPG_TTY set, as a
#                        terminal session would
#   piv_doc FILE         a TUF targets file (version 1) to sign, in FILE
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
	# One card bed at a time (pcscd's socket is fixed): a second test run
	# on this machine waits here for the first instead of failing.
	exec 8>"${TMPDIR:-/tmp}/tuf-agent-piv.lock"
	flock -w 1800 8 || skip_all "another test has held the virtual card for 30 minutes"
	out=$("$VCARD" start --state "$tmp/card" "$@" 2>"$tmp/vcard.err" 8>&-)
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
	printf '\n[token "%s"]\nmodule = %s\nuri = %s\npin = %s\nsessions = 1\n' \
		"$1" "$module" "$uri" "${3:-file:$tmp/pin}"
	shift 3 2>/dev/null || shift $#
	for l in "$@"; do printf '%s\n' "$l"; done
}

piv_pinentry() {
	cat >"$tmp/pinentry" <<EOF
#!/bin/sh
echo "OK ready"
while read -r cmd rest; do
	case \$cmd in
	GETPIN) echo x >>"$tmp/pe-calls"; printf 'D %s\\n' "\$(cat "$tmp/pe-pin")"; echo OK ;;
	BYE) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
	chmod 755 "$tmp/pinentry"
	cp "$tmp/pin" "$tmp/pe-pin"
	: >"$tmp/pe-calls"
}
pe_calls() {
	wc -l <"$tmp/pe-calls" | tr -d ' '
}

piv_doc() {
	printf '%s\n' '{"signed":{"_type":"targets","spec_version":"1.0.0","version":1,"expires":"2030-01-01T00:00:00Z","targets":{}},"signatures":[]}' >"$1"
}

# sslib_sig FILE LABEL: securesystemslib verifies FILE's signature by the key
# LABEL (its TUF key object from key show) over the canonical "signed".
sslib_sig() {
	T --json key show --label "$2" --profile tuf >"$tmp/keyshow.json" 2>/dev/null || return 1
	"$PY" - "$1" "$tmp/keyshow.json" <<'PYEOF'
import json, sys
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Signature, SSlibKey
doc = json.load(open(sys.argv[1]))
ks = json.load(open(sys.argv[2]))
key = SSlibKey.from_dict(ks["keyid"], dict(ks["key"]))
sigs = [s for s in doc["signatures"] if s["keyid"] == ks["keyid"]]
assert len(sigs) == 1, "no signature by the key"
key.verify_signature(Signature.from_dict(dict(sigs[0])), encode_canonical(doc["signed"]).encode())
PYEOF
}
