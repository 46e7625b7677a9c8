#!/bin/bash
# tuf-agent's memory budget (PROTOCOL.md "Limits"): big
# frames from a uid that may not sign are refused before they are read,
# frames that cannot fit a uid's share are refused with a clear error, and
# big frames from a uid that may sign wait (the agent stops reading) when
# the budget is spent, instead of being queued.  Meanwhile root's status is
# answered, and the agent's peak RSS stays under max-buffer + 32 MiB.
# Functional, not timed: bench/bench_flood measures latencies.
. "$(dirname "$0")/agent_lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (setpriv to other uids)"
command -v setpriv >/dev/null || skip_all "setpriv is not installed"

VIEWER=65534 # status only
SIGNER=65533 # sign and status, keys k-*
make_token alpha || skip_all "softhsm2-util cannot make a token"
{
	printf '[agent]\naudit = %s\nmax-frame = 4M\nmax-buffer = 16M\n' "$AUDIT"
	printf 'max-buffer-per-uid = 8M\nmax-inflight = 16\n'
	token_block alpha "$SOFTHSM" "file:$tmp/pin"
	cat <<EOF

[allow "viewer"]
uid = $VIEWER
operations = status

[allow "signer"]
uid = $SIGNER
operations = sign, status
keys = k-*
EOF
} >"$tmp/agent.conf"
agent_started "agent starts with max-buffer = 16M, max-buffer-per-uid = 8M" "$tmp/agent.conf"
# As in agent-policy.sh: let uids in group 65534 reach the socket.
chmod 0711 "$tmp"
chgrp "$VIEWER" "$(dirname "$SOCK")" "$SOCK"

# The flooder: CONNS connections, PER frames of SIZE bytes each (a sign
# request whose file pads it to SIZE), written by one thread and read by
# another per connection, so that a writer blocked by back-pressure does
# not stop its responses being read.  Prints one JSON line: the errors'
# (id, code, name) and how many results.
cat >"$tmp/flood.py" <<'PY'
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from agent_client import Client
sock, conns, per, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
out = {"errors": [], "results": 0, "failures": []}
lock = threading.Lock()

def frame(i):
    msg = {"jsonrpc": "2.0", "id": i, "method": "sign",
           "params": {"profile": "notary", "role": "targets", "gun": "r.example/app",
                      "keys": ["k-none"], "file": ""}}
    base = len(json.dumps(msg).encode())
    msg["params"]["file"] = "x" * (size - base)
    b = json.dumps(msg).encode()
    assert len(b) == size
    return b

def one(n):
    try:
        c = Client(sock, timeout=120)
        payload = [frame(i) for i in range(per)]
        w = threading.Thread(target=lambda: [c.send_frame(p) for p in payload])
        w.start()
        for _ in range(per):
            m = c.recv()
            while "id" not in m:
                m = c.recv()
            with lock:
                if "error" in m:
                    e = m["error"]
                    out["errors"].append([m["id"], e["code"], e["data"]["name"],
                                          e["data"]["detail"][:160]])
                else:
                    out["results"] += 1
        w.join()
        c.close()
    except Exception as e:
        with lock:
            out["failures"].append("%s: %s" % (type(e).__name__, e))

ts = [threading.Thread(target=one, args=(n,)) for n in range(conns)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps(out))
PY

# Root's status, N times in a row while a flood runs: prints how many were
# answered.
cat >"$tmp/status.py" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
from agent_client import Client
n, good = int(sys.argv[3]), 0
for _ in range(n):
    c = Client(sys.argv[2], timeout=30)
    if "tokens" in c.call("status"):
        good += 1
    c.close()
    time.sleep(0.05)
print(good)
PY

as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$VIEWER" --clear-groups "$PY" "$@"
}

# count FILE EXPR: evaluate EXPR over the flooder's JSON (d).
count() {
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- the viewer: big frames refused unread, small ones served
cat >"$tmp/edge.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from agent_client import Client
c = Client(sys.argv[2], timeout=30)
# A status padded to exactly 64 KiB is small: served.  One byte more is big.
def status(i, size):
    b = json.dumps({"jsonrpc": "2.0", "id": i, "method": "status"}).encode()
    return b + b" " * (size - len(b))
c.send_frame(status(1, 65536))
m = c.recv()
print("small", m.get("id"), "result" in m)
c.send_frame(status(2, 65537))
m = c.recv()
e = m.get("error", {})
print("big", m.get("id"), e.get("code"), e.get("data", {}).get("name"))
print("detail", e.get("data", {}).get("detail"))
# The connection is still usable after a refused frame.
print("after", "tokens" in c.call("status"))
c.close()
PY
as "$VIEWER" "$tmp/edge.py" "$here" "$SOCK" >"$tmp/edge.out" 2>&1
check "viewer: a status of exactly 64 KiB is served" grep -qx 'small 1 True' "$tmp/edge.out"
check "viewer: a frame of 64 KiB + 1 is refused unread (id null, -32007 TA_ERR_POLICY)" \
	grep -qx 'big None -32007 TA_ERR_POLICY' "$tmp/edge.out"
check "viewer: the refusal says why" \
	grep -q "^detail a frame of 65537 bytes is refused unread: only sign requests may be over 65536 bytes, and this peer may not sign (rule 'viewer'" "$tmp/edge.out"
check "viewer: the connection still serves status after a refused frame" \
	grep -qx 'after True' "$tmp/edge.out"

hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$agent_pid/status"; }
base_kb=$(hwm_kb)

# 3 connections x 16 frames of 3 MiB from the viewer, root's status meanwhile.
as "$VIEWER" "$tmp/flood.py" "$here" "$SOCK" 3 16 $((3 << 20)) >"$tmp/viewer.json" 2>&1 &
fpid=$!
"$PY" "$tmp/status.py" "$here" "$SOCK" 20 >"$tmp/status1.out" 2>&1
wait "$fpid"
check "viewer flood: every one of 48 frames refused with TA_ERR_POLICY, no failures" \
	test "$(count "$tmp/viewer.json" 'sum(1 for e in d["errors"] if e[0] is None and e[2] == "TA_ERR_POLICY") == 48 and not d["failures"] and d["results"] == 0')" = True
check "viewer flood: root's status answered 20 times of 20" test "$(cat "$tmp/status1.out")" = 20
check "viewer flood: one warning per connection in the log" \
	test "$(grep -c "peer uid $VIEWER pid [0-9]*: a frame of 3145728 bytes is refused unread" "$LOG")" = 3
check "viewer flood: refused frames are in the audit log" \
	test "$(grep -c '"method":"frame"' "$AUDIT")" -ge 48

# ---- the signer: a frame that cannot fit its share is refused, clearly
cat >"$tmp/toolarge.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from agent_client import Client
c = Client(sys.argv[2], timeout=30)
size = (2 << 20) + 1     # 4 x size is over the 8M share
msg = {"jsonrpc": "2.0", "id": 7, "method": "sign",
       "params": {"profile": "notary", "role": "targets", "gun": "r.example/app",
                  "keys": ["k-none"], "file": ""}}
msg["params"]["file"] = "x" * (size - len(json.dumps(msg).encode()))
c.send_frame(json.dumps(msg).encode())
m = c.recv()
e = m.get("error", {})
print("big", m.get("id"), e.get("code"), e.get("data", {}).get("name"))
print("detail", e.get("data", {}).get("detail"))
print("after", "tokens" in c.call("status"))
PY
as "$SIGNER" "$tmp/toolarge.py" "$here" "$SOCK" >"$tmp/toolarge.out" 2>&1
check "signer: a frame over max-buffer-per-uid / 4 is refused unread (-32600 TA_ERR_TOO_LARGE)" \
	grep -qx 'big None -32600 TA_ERR_TOO_LARGE' "$tmp/toolarge.out"
check "signer: the refusal names max-buffer-per-uid" \
	grep -q '^detail a frame of 2097153 bytes is refused unread: decoding it takes 4 times its size, over the 8388608 bytes of max-buffer-per-uid' "$tmp/toolarge.out"
check "signer: the connection still serves status after it" grep -qx 'after True' "$tmp/toolarge.out"

# 3 connections x 8 frames of 1.5 MiB (6 MiB charged each: one at a time fits
# the 8M share): the rest wait, reading stopped; all are answered in the end.
as "$SIGNER" "$tmp/flood.py" "$here" "$SOCK" 3 8 $((3 << 19)) >"$tmp/signer.json" 2>&1 &
fpid=$!
"$PY" "$tmp/status.py" "$here" "$SOCK" 20 >"$tmp/status2.out" 2>&1
wait "$fpid"
# (The file is no metadata: each is decoded, then refused with its id.)
check "signer flood: all 24 frames decoded and answered with their ids, no failures" \
	test "$(count "$tmp/signer.json" 'sum(1 for e in d["errors"] if e[0] is not None and e[1] == -32011) == 24 and not d["failures"]')" = True
check "signer flood: frames waited for memory (back-pressure)" \
	grep -q 'frame of 1572864 bytes waits for memory' "$LOG"
check "signer flood: never more than the share charged for the uid" \
	test -z "$(grep -o 'admitted ([0-9]* of [0-9]* charged, uid [0-9]* [0-9]* of' "$LOG" | awk '$NF > 0 && $(NF-1) > 8388608')"
check "signer flood: root's status answered 20 times of 20" test "$(cat "$tmp/status2.out")" = 20

# A peer that pipelines small requests and does not read its answers is
# not read either once 256 KiB of them wait; it gets them all when it reads.
cat >"$tmp/noread.py" <<'PY'
import json, sys, threading, time
sys.path.insert(0, sys.argv[1])
from agent_client import Client
c = Client(sys.argv[2], timeout=60)
N = 8000
req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "status"}).encode()
w = threading.Thread(target=lambda: [c.send_frame(req) for _ in range(N)])
w.start()
time.sleep(1.5)
got = sum(1 for _ in range(N) if c.recv().get("id") == 1)  # results or busy errors
w.join()
print(got)
PY
as "$VIEWER" "$tmp/noread.py" "$here" "$SOCK" >"$tmp/noread.out" 2>&1
check "a peer not reading its answers: all 8000 answered (result or busy) once it reads" \
	test "$(cat "$tmp/noread.out")" = 8000
check "  ... and it was not read while 256 KiB of answers waited" \
	grep -q 'bytes of responses unsent: not reading until they are' "$LOG"

# Peak RSS: under sanitizers the runtime's own memory makes it meaningless.
if grep -q -- '-fsanitize' "$BUILD/.flags" 2>/dev/null; then
	echo "SKIP: peak RSS under max-buffer + 32 MiB (a sanitizer build)"
else
	peak_kb=$(hwm_kb)
	check "peak RSS ${peak_kb} kB (${base_kb} kB before the floods) under max-buffer + 32 MiB" \
		test "$peak_kb" -lt $(((16 + 32) * 1024))
fi

check "root's status still answered" call status >/dev/null
if agent_stop; then
	ok "agent stops cleanly after the floods"
else
	bad "agent stops cleanly after the floods"
fi
exit 0
