#!/bin/bash
# Against the real notary 0.7.0: a repository made by the real client and
# served by the real server (tests/integration/notary/make-fixtures.sh) is read by our
# model, written back byte for byte, and canonicalised as Go does.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
tufctl=$BUILD/tufctl
metatool=$BUILD/tests/tools/meta-tool

if ! command -v notary >/dev/null || ! command -v notary-server >/dev/null; then
	echo "SKIP: notary-interop (Debian's notary package is not installed)"
	exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! "$here/notary/make-fixtures.sh" "$out/fx" >"$out/fixtures.log" 2>&1; then
	echo "FAIL: real notary client builds the fixture repository"
	tail -n 20 "$out/fixtures.log"
	exit 1
fi
echo "PASS: real notary client builds the fixture repository"

roles="root targets targets/releases snapshot timestamp"
for role in $roles; do
	f=$out/fx/$role.json
	# Our writer reproduces the served bytes from the parsed model.
	if "$metatool" rewrite notary "$role" "$f" >"$out/rw" 2>"$out/err" && cmp -s "$out/rw" "$f"
	then
		echo "PASS: $role.json written back byte for byte"
	else
		echo "FAIL: $role.json written back byte for byte"
		cat "$out/err"
	fi
	# Canonical bytes equal Go's: sorted, compact, only " and \ escaped.
	/usr/bin/python3 - "$f" >"$out/want" <<'PY'
import json, sys
signed = json.load(open(sys.argv[1], encoding="utf-8"))["signed"]
sys.stdout.buffer.write(json.dumps(signed, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode("utf-8"))
PY
	if "$tufctl" canonical --profile notary "$f" >"$out/got" && cmp -s "$out/got" "$out/want"
	then
		echo "PASS: $role.json canonical bytes"
	else
		echo "FAIL: $role.json canonical bytes"
	fi
done

# Our verifier accepts every file the real server serves, delegation and
# root rotation included.
gun=$(cat "$out/fx/gun.txt")
verify() { "$tufctl" verify --profile notary --gun "$gun" "$@" >"$out/verify.log" 2>&1; }
for role in root targets snapshot timestamp; do
	if verify --root "$out/fx/root.json" "$out/fx/$role.json"; then
		echo "PASS: $role.json verifies"
	else
		echo "FAIL: $role.json verifies"; cat "$out/verify.log"
	fi
done
if verify --root "$out/fx/root.json" --role targets/releases --parent "$out/fx/targets.json" \
	"$out/fx/targets/releases.json"; then
	echo "PASS: targets/releases.json verifies against its parent"
else
	echo "FAIL: targets/releases.json verifies against its parent"; cat "$out/verify.log"
fi
if verify --root "$out/fx/1.root.json" "$out/fx/root.json"; then
	echo "PASS: root rotation 1 -> 2 verifies against the old root"
else
	echo "FAIL: root rotation 1 -> 2 verifies against the old root"; cat "$out/verify.log"
fi
if verify --root "$out/fx/root.json" --gun other.example.com/app "$out/fx/targets.json"; then
	echo "FAIL: a root for another GUN is refused"
else
	echo "PASS: a root for another GUN is refused"
fi

# One changed byte anywhere in any file: verification fails.
for role in root targets snapshot timestamp targets/releases; do
	f=$out/fx/$role.json
	/usr/bin/python3 - "$f" "$out/mut" <<'PY'
import os, random, sys
data = open(sys.argv[1], "rb").read()
rnd = random.Random(len(data))
os.makedirs(sys.argv[2], exist_ok=True)
for n, pos in enumerate(sorted(rnd.sample(range(len(data)), 40))):
    b = data[pos]
    if 48 <= b <= 57:
        c = 48 + (b - 48 + 1 + rnd.randrange(9)) % 10
    elif 97 <= b <= 122:
        c = 97 + (b - 97 + 1 + rnd.randrange(25)) % 26
    elif 65 <= b <= 90:
        c = 65 + (b - 65 + 1 + rnd.randrange(25)) % 26
    else:
        c = 0x78 if b != 0x78 else 0x79
    open(os.path.join(sys.argv[2], "%02d" % n), "wb").write(data[:pos] + bytes([c]) + data[pos + 1:])
PY
	accepted=0
	for m in "$out"/mut/*; do
		case $role in
		root) verify --root "$m" "$m" && accepted=$((accepted + 1)) ;;
		targets/releases) verify --root "$out/fx/root.json" --role targets/releases \
			--parent "$out/fx/targets.json" "$m" && accepted=$((accepted + 1)) ;;
		*) verify --root "$out/fx/root.json" "$m" && accepted=$((accepted + 1)) ;;
		esac
	done
	rm -rf "$out/mut"
	if [ "$accepted" -eq 0 ]; then
		echo "PASS: $role.json with one byte changed (40 places) never verifies"
	else
		echo "FAIL: $role.json with one byte changed: $accepted of 40 verified"
	fi
done

# The target whose name needs HTML escaping is escaped in the file and raw
# in the canonical bytes.
if grep -q 'v3\\u0026\\u003cx\\u003e' "$out/fx/targets.json" &&
	"$tufctl" canonical --profile notary "$out/fx/targets.json" | grep -q 'v3&<x>'; then
	echo "PASS: HTML escaping in the file, raw in the signed bytes"
else
	echo "FAIL: HTML escaping in the file, raw in the signed bytes"
fi

# A file that is not the profile's: refused with the path at fault (its
# base64 signatures would only be invalid signatures for tuf; the _type
# is what refuses it).
if "$tufctl" canonical --profile tuf "$out/fx/root.json" 2>"$out/err"; then
	echo "FAIL: notary root refused as tuf metadata"
elif grep -q 'is not tuf metadata: signed._type' "$out/err"; then
	echo "PASS: notary root refused as tuf metadata"
else
	echo "FAIL: notary root refused as tuf metadata (message: $(cat "$out/err"))"
fi
