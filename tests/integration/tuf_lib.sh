# shellcheck shell=bash
# Shared set-up for the TUF 1.0 repository tests (tests/integration/tuf-*.sh):
# tests/integration/agent_lib.sh (SoftHSM2 tokens, the agent) plus the
# clients that read what tufctl repo publishes: tuf-js (npm, pinned in
# tests/integration/tufjs/package-lock.json, over loopback HTTP) and
# Debian's securesystemslib (every signature).
#
# Gives, besides what agent_lib.sh gives:
#   tuf_start [TOKEN...]     tokens (default "repo"), the agent on them
#   T ARGS...                build/tufctl on the agent's socket
#   keys LABEL[:TYPE]...     keys on the first token (default ecdsa-p256)
#   serve DIR                DIR on 127.0.0.1; sets $URL
#   tufjs ROOT TARGET...     tuf-js refresh and downloads from $URL into a new
#                            work folder; its JSON lines in $tmp/tufjs.out
#   tufjs_ok ROOT TARGET...  PASS/FAIL-free: 0 when every step succeeded
#   sslib_check DIR          securesystemslib verifies every signature of the
#                            current metadata in DIR; prints what failed
#   file_blob NAME TEXT      $tmp/blobs/NAME holding TEXT
#   publish_fetched R ROOT FILE ADDED FETCHED VERIFIED
#                            FILE published in R, read by tuf-js and sslib
. "$(dirname "$0")/agent_lib.sh"
[ -x "$TUFCTL" ] || skip_all "$TUFCTL is not built"
TUFJS=$here/tufjs
command -v node >/dev/null 2>&1 || skip_all "Node.js is not installed (scripts/install-deps)"
[ -f "$TUFJS/node_modules/tuf-js/package.json" ] ||
	skip_all "tuf-js is not installed (scripts/install-deps runs npm ci in tests/integration/tufjs)"
"$PY" -c 'import securesystemslib.signer' 2>/dev/null ||
	skip_all "python3-securesystemslib is not installed"

serve_pid=
tuf_cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	cleanup
}
trap tuf_cleanup EXIT

tuf_start() {
	local t conf=$tmp/agent.conf
	[ $# -eq 0 ] && set -- repo
	agent_block >"$conf"
	for t in "$@"; do
		make_token "$t" || skip_all "softhsm2-util cannot make a token"
		token_block "$t" "$SOFTHSM" "file:$tmp/pin" >>"$conf"
	done
	agent_start "$conf"
}

T() {
	"$TUFCTL" --socket "$SOCK" "$@"
}

keys() {
	local k
	for k in "$@"; do
		T key generate --label "${k%%:*}" --type "$(case $k in *:*) echo "${k#*:}" ;; *) echo ecdsa-p256 ;; esac)" \
			--token "${KEY_TOKEN:-repo}" >/dev/null || return 1
	done
}

serve() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	rm -f "$tmp/port"
	"$PY" "$TUFJS/serve.py" "$1" "$tmp/port" &
	serve_pid=$!
	for _ in $(seq 1 50); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	URL=http://127.0.0.1:$(cat "$tmp/port")/
}

tufjs_n=0
tufjs() {
	local root=$1
	shift
	tufjs_n=$((tufjs_n + 1))
	node "$TUFJS/client.js" "$URL" "$root" "$tmp/tufjs.$tufjs_n" "$@" >"$tmp/tufjs.out" 2>&1
}
tufjs_ok() {
	tufjs "$@"
}

file_blob() {
	mkdir -p "$tmp/blobs"
	printf '%s' "$2" >"$tmp/blobs/$1"
}

# publish_fetched R ROOT FILE ADDED FETCHED VERIFIED: FILE added to the
# repository R as docs/hello.txt and published (ok or bad ADDED); then R is
# served, tuf-js trusting ROOT downloads docs/hello.txt (FETCHED) and
# securesystemslib verifies every signature (VERIFIED).
publish_fetched() {
	local r=$1 root=$2 file=$3
	T repo add "$r" docs/hello.txt "$file" >/dev/null 2>&1 && T repo publish "$r" >"$tmp/pub.out" 2>&1 &&
		ok "$4" || bad "$4" "$(cat "$tmp/pub.out")"
	serve "$r"
	if tufjs "$root" docs/hello.txt && grep -q '"target":"docs/hello.txt","ok":true' "$tmp/tufjs.out"; then
		ok "$5"
	else
		bad "$5" "$(cat "$tmp/tufjs.out")"
	fi
	sslib_check "$r" >"$tmp/sslib.out" 2>&1 && ok "$6" || bad "$6" "$(cat "$tmp/sslib.out")"
}

# The current metadata of DIR (timestamp, the snapshot it names, every role
# the snapshot names, every root) and securesystemslib over each signature:
# the key from the root (top-level roles) or from the delegating role.
sslib_check() {
	"$PY" - "$1" <<'PYEOF'
import json, os, sys, urllib.parse
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Signature, SSlibKey

d = sys.argv[1]
def load(name):
    with open(os.path.join(d, name), "rb") as f:
        return json.loads(f.read())
bad = []
checked = 0
def check(doc, keys, keyids, threshold, name):
    global checked
    data = encode_canonical(doc["signed"]).encode("utf-8")
    good = set()
    for s in doc["signatures"]:
        if s["keyid"] not in keyids or s["keyid"] not in keys:
            continue
        k = SSlibKey.from_dict(s["keyid"], dict(keys[s["keyid"]]))
        try:
            k.verify_signature(Signature(s["keyid"], s["sig"]), data)
            good.add(s["keyid"])
            checked += 1
        except Exception as e:
            bad.append("%s: signature by %s: %s" % (name, s["keyid"][:16], e))
    if len(good) < threshold:
        bad.append("%s: %d of %d valid signatures" % (name, len(good), threshold))

roots = sorted((int(n.split(".")[0]), n) for n in os.listdir(d)
               if n.endswith(".root.json") and n.split(".")[0].isdigit())
prev = None
for v, n in roots:
    doc = load(n)
    r = doc["signed"]
    check(doc, r["keys"], r["roles"]["root"]["keyids"], r["roles"]["root"]["threshold"], n)
    if prev is not None:
        check(doc, prev["keys"], prev["roles"]["root"]["keyids"],
              prev["roles"]["root"]["threshold"], n + " (by the previous root)")
    prev = r
root = prev
cons = root["consistent_snapshot"]
def fname(role, v):
    role = urllib.parse.quote(role, safe="-_.!~*'()")
    return "%d.%s.json" % (v, role) if cons else role + ".json"
ts = load("timestamp.json")
check(ts, root["keys"], root["roles"]["timestamp"]["keyids"], root["roles"]["timestamp"]["threshold"], "timestamp")
sv = ts["signed"]["meta"]["snapshot.json"]["version"]
sn = load(fname("snapshot", sv))
check(sn, root["keys"], root["roles"]["snapshot"]["keyids"], root["roles"]["snapshot"]["threshold"], "snapshot")
def walk(role, keys, keyids, threshold):
    doc = load(fname(role, sn["signed"]["meta"][role + ".json"]["version"]))
    check(doc, keys, keyids, threshold, role)
    dl = doc["signed"].get("delegations")
    if not dl:
        return
    if "succinct_roles" in dl:
        sr = dl["succinct_roles"]
        bits = sr["bit_length"]
        width = len("%x" % ((1 << bits) - 1))
        for i in range(1 << bits):
            walk("%s-%0*x" % (sr["name_prefix"], width, i), dl["keys"], sr["keyids"], sr["threshold"])
    for r in dl.get("roles", []):
        walk(r["name"], dl["keys"], r["keyids"], r["threshold"])
walk("targets", root["keys"], root["roles"]["targets"]["keyids"], root["roles"]["targets"]["threshold"])
for b in bad:
    print(b)
print("checked %d signatures" % checked, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
}
