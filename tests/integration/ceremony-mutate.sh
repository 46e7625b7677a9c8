#!/bin/bash
# Every mutation of an air-gapped round trip is refused: each member of a
# REQ changed (or dropped) either makes sign-request refuse or yields a RESP
# that import refuses; each member of a RESP changed (or dropped, or an
# extra one) makes import refuse; either way DIR does not change.  Then
# the genuine RESP is imported.  A 1-of-2 TUF root: alice here, carol on a
# second agent (the offline machine).
. "$(dirname "$0")/tuf_lib.sh"

tuf_start alice ops || { bad "the agent starts"; finish; }
KEY_TOKEN=alice keys alice
KEY_TOKEN=ops keys targets snapshot timestamp
agent_at b offline || { bad "the offline agent starts"; finish; }
at b key generate --label carol --type ecdsa-p256 --token offline >/dev/null
at b --json key show --label carol --profile tuf |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"]["keyval"]["public"].strip())' >"$tmp/carol.pem"
files() {
	(cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum)
}

C=$tmp/c
T ceremony init "$C" --profile tuf --threshold 1 --signer alice=alice --signer carol="pubkey:$tmp/carol.pem" \
	--role-key targets=targets --role-key snapshot=snapshot --role-key timestamp=timestamp \
	--gun example/app >/dev/null 2>&1 && ok "init" || bad "init"
T ceremony request "$C" --signer carol -o "$tmp/req.json" >/dev/null 2>&1 && ok "request" || bad "request"
echo yes | at b ceremony sign-request "$tmp/req.json" --key carol -o "$tmp/resp.json" >/dev/null 2>&1 &&
	ok "sign-request" || bad "sign-request"
before=$(files "$C")

# mutants KIND FILE OUTDIR: one file per mutation of FILE's members (each
# string flipped in one character, each number +1, null for an object,
# each member dropped but a null one, an extra member), named after it.
mutants() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import copy, json, os, sys
kind, src, out = sys.argv[1:]
doc = json.load(open(src))
os.makedirs(out, exist_ok=True)
def flip(s):
    if not s:
        return "x"
    i = len(s) // 2
    return s[:i] + ("0" if s[i] != "0" else "1") + s[i + 1:]
def paths(d, pre=()):
    for k, v in d.items():
        yield pre + (k,), v
        if isinstance(v, dict):
            yield from paths(v, pre + (k,))
n = 0
def emit(name, d):
    global n
    n += 1
    json.dump(d, open(os.path.join(out, "%02d-%s.json" % (n, name)), "w"))
for p, v in list(paths(doc)):
    d = copy.deepcopy(doc)
    t = d
    for k in p[:-1]:
        t = t[k]
    name = ".".join(p)
    if isinstance(v, str):
        t[p[-1]] = flip(v)
        emit(name + "~", d)
    elif isinstance(v, bool) or v is None:
        t[p[-1]] = 1
        emit(name + "~", d)
    elif isinstance(v, int):
        t[p[-1]] = v + 1
        emit(name + "~", d)
    elif isinstance(v, dict):
        t[p[-1]] = None
        emit(name + "=null", d)
    if v is None:
        continue  # a member left out reads as null: the same request
    d = copy.deepcopy(doc)
    t = d
    for k in p[:-1]:
        t = t[k]
    del t[p[-1]]
    emit(name + "-dropped", d)
d = copy.deepcopy(doc)
d["extra"] = 1
emit("extra", d)
EOF
}

# try_mutants KIND DOC TRY: mutants KIND DOC into $tmp/mKIND, then TRY MUTANT
# for each but the token ones (a RESP's token is a record, not a check; a
# REQ's, absent or other, is checked against the tokens present).  TRY adds
# the mutants that got through to $bad_ones; n counts the mutants made.
try_mutants() {
	local m
	mutants "$1" "$2" "$tmp/m$1"
	n=0 bad_ones=
	for m in "$tmp/m$1"/*.json; do
		n=$((n + 1))
		case $(basename "$m") in
		*token*) continue ;;
		esac
		"$3" "$m"
	done
}

# ---- RESP: import refuses every mutant -----------------------------------------------------
resp_try() {
	if T ceremony import "$C" "$1" >/dev/null 2>&1 || [ "$(files "$C")" != "$before" ]; then
		bad_ones="$bad_ones $(basename "$1")"
	fi
}
try_mutants resp "$tmp/resp.json" resp_try
check "import refuses each of $n mutated responses, DIR unchanged" test -z "$bad_ones"
[ -z "$bad_ones" ] || echo "   accepted:$bad_ones"

# ---- REQ: no mutant yields a signature import takes -----------------------------------------
req_try() {
	rm -f "$tmp/mresp.json"
	echo yes | at b ceremony sign-request "$1" --key carol -o "$tmp/mresp.json" >/dev/null 2>&1
	if [ -e "$tmp/mresp.json" ] && T ceremony import "$C" "$tmp/mresp.json" >/dev/null 2>&1; then
		bad_ones="$bad_ones $(basename "$1")"
	fi
	[ "$(files "$C")" = "$before" ] || bad_ones="$bad_ones $(basename "$1")(changed DIR)"
}
try_mutants req "$tmp/req.json" req_try
check "no mutated request ($n of them) yields a signature import takes" test -z "$bad_ones"
[ -z "$bad_ones" ] || echo "   got through:$bad_ones"

T ceremony import "$C" "$tmp/resp.json" >/dev/null 2>&1 && ok "the genuine response is imported" ||
	bad "the genuine response is imported"
finish
