#!/bin/bash
# tuf-agent against clients that misbehave: bad length prefixes, garbage,
# truncated frames, peers that leave mid-request or never read, too many
# requests or connections, idle peers.  After each, another client still
# gets answers, and the agent's log says why it dropped a connection.
. "$(dirname "$0")/agent_lib.sh"

[ -r "$FAULT" ] || skip_all "$FAULT is not built"
make_token alpha || skip_all "softhsm2-util cannot make a token"
{
	printf '[agent]\naudit = %s\nstate-directory = %s\nmax-frame = 512K\nmax-inflight = 4\nmax-clients = 8\n' "$AUDIT" "$tmp/state"
	printf 'idle-timeout = 2\n'
	token_block alpha "$FAULT" "file:$tmp/pin"
} >"$tmp/agent.conf"
: >"$tmp/fault.ctl"
agent_started "agent starts with the fault module" \
	"$tmp/agent.conf" TA_FAULT_TARGET="$SOFTHSM" TA_FAULT_CTL="$tmp/fault.ctl"

"$PY" - "$SOCK" "$here" "$tmp" <<'PY' || failures=$((failures + 1))
import json, os, socket, struct, sys, time
sock_path, here, tmp = sys.argv[1:4]
sys.path.insert(0, here)
from agent_client import AgentError, Client, Report, write_fault

report = Report()

def still_served(after):
    try:
        c = Client(sock_path, timeout=10)
        r = c.call("hello", {"versions": [1]})
        c.close()
        report(r["version"] == 1, "after %s, another client gets answers" % after)
    except Exception as e:
        report(False, "after %s, another client gets answers" % after, repr(e))

def closed_by_agent(s, timeout=5.0):
    """True when the agent closes s without sending anything."""
    s.settimeout(timeout)
    try:
        data = s.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return data == b""

def raw():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    return s

def set_fault(text):
    write_fault(tmp, text)

c = Client(sock_path)
c.call("key.generate", {"label": "k1", "type": "ecdsa-p256"})
targets = {"signed": {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
                      "expires": "2035-01-01T00:00:00Z", "targets": {}, "version": 1},
           "signatures": []}
def sign_params(gun, tgts=None):
    t = json.loads(json.dumps(targets))
    if tgts:
        t["signed"]["targets"] = tgts
    return {"profile": "notary", "role": "targets", "gun": gun, "keys": ["k1"],
            "file": json.dumps(t)}
c.call("sign", sign_params("warm.example/app"))
c.close()

# Garbage: "GET " read as a length is over max-frame.
s = raw(); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
report(closed_by_agent(s), "garbage bytes: connection closed without a response")
s.close(); still_served("garbage bytes")

s = raw(); s.sendall(struct.pack(">I", 0) + b"{}")
report(closed_by_agent(s), "a length prefix of 0: connection closed")
s.close(); still_served("a zero length prefix")

s = raw(); s.sendall(struct.pack(">I", 2 ** 31))
report(closed_by_agent(s), "a length prefix of 2^31: closed as soon as the prefix arrives")
s.close(); still_served("a 2^31 length prefix")

s = raw(); s.sendall(struct.pack(">I", 100) + b'{"jsonrpc":"2.0","id":1,"meth')
time.sleep(0.2); s.close(); still_served("a truncated frame and a disconnect")

# A frame that does not decode is answered, and the connection stays.
c = Client(sock_path)
c.send_frame(b'{"jsonrpc":"2.0","id":5,"method":"status"} x')
r = c.recv()
report(r.get("id") is None and r["error"]["code"] == -32700,
       "a frame that does not parse: -32700 with id null", json.dumps(r))
c.send_frame(b'{"jsonrpc":"2.0","id":6,"method":"sign","params":{"keys":[]}}')
r = c.recv()
report(r.get("id") == 6 and r["error"]["code"] == -32602, "invalid params: -32602 with the id")
c.send_frame(b'[{"jsonrpc":"2.0","id":7,"method":"status"}]')
report(c.recv()["error"]["code"] == -32600, "a batch: -32600")
report(c.call("hello", {"versions": [1]})["version"] == 1,
       "the same connection keeps working after refused frames")
c.close()

# A big request (over the inline-decoding size) is decoded on a worker.
big = {"t%05d" % i: {"hashes": {"sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                     "length": i} for i in range(3500)}
c = Client(sock_path)
try:
    r = c.call("sign", sign_params("big.example/app", big))
    report(len(r["file"]) > 270000 and len(r["keyids"]) == 1,
           "a %d-byte sign request is answered" % len(json.dumps(sign_params("x", big))))
except AgentError as e:
    report(False, "a big sign request is answered", str(e))
c.close()

# A frame over max-frame (512K), announced honestly, is refused by its prefix.
s = raw(); s.sendall(struct.pack(">I", 2 * 1024 * 1024) + b"{" * 1000)
report(closed_by_agent(s), "a 2 MiB frame over max-frame (512K): connection closed")
s.close(); still_served("a frame over max-frame")

# Held signatures: requests stay in flight.
set_fault("delay=C_Sign:700\n")
c = Client(sock_path)
ids = [c.send("sign", sign_params("busy.example/app")) for _ in range(6)]
codes = sorted(("error" in m and m["error"]["code"]) or 0 for m in (c.wait(i) for i in ids))
report(codes.count(-32008) >= 2 and codes.count(0) >= 1,
       "more than max-inflight (4) requests: the rest are -32008 busy", repr(codes))
c.close()

# A peer that leaves while its signature is on the token.
s = raw()
c2 = Client.__new__(Client); c2.sock = s; c2.next_id = 1; c2.responses = {}; c2.notices = []
c2.send("sign", sign_params("gone.example/app"))
time.sleep(0.1); s.close()
still_served("a peer left mid-request")
time.sleep(1.2)
recs = [json.loads(l) for l in open(tmp + "/audit.log")]
report(any(r.get("gun") == "gone.example/app" and r["result"] == "ok" for r in recs),
       "the left peer's job finished on its worker (audited), its result dropped")
set_fault("")

# max-clients = 8: the ninth connection is closed at once.
held = [Client(sock_path) for _ in range(8)]
for h in held:
    h.call("hello", {"versions": [1]})
s = raw()
report(closed_by_agent(s), "a ninth client (max-clients 8) is closed at once")
s.close()
for h in held:
    h.close()
time.sleep(0.3)
still_served("max-clients refusals")

# A client that sends and never reads is dropped once its responses pile up.
s = raw(); s.setblocking(False)
frame = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "hello",
                    "params": {"versions": [1]}}).encode()
frame = struct.pack(">I", len(frame)) + frame
chunk = frame * 500
dropped, deadline, sent, off = False, time.time() + 60, 0, 0  # a bound, not a timing: it ends when dropped
while time.time() < deadline:
    try:
        n = s.send(chunk[off:])
        sent += n
        off = (off + n) % len(chunk)
    except BlockingIOError:
        time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        dropped = True
        break
s.close()
report(dropped, "a client that never reads is dropped (%d bytes sent)" % sent)
still_served("a client that never read")

# idle-timeout = 2 s.
s = raw()
report(closed_by_agent(s, timeout=6), "an idle connection is closed after idle-timeout")
s.close()
report.exit()
PY

sleep 0.2
check "log: why the garbage connection was dropped" \
	grep -q 'frame of 1195725856 bytes over max-frame; connection closed' "$LOG"
check "log: why the 2^31 prefix was dropped" \
	grep -q 'frame of 2147483648 bytes over max-frame; connection closed' "$LOG"
check "log: why the zero prefix was dropped" \
	grep -q 'frame of 0 bytes (a zero length prefix); connection closed' "$LOG"
check "log: why the ninth client was refused" grep -q 'max-clients' "$LOG"
check "log: why the client that never read was dropped" \
	grep -q 'bytes of responses unread' "$LOG"
check "log: idle connections are closed" grep -q 'idle for 2 s' "$LOG"
agent_stop
check "SIGTERM: the agent exits with status 0 (nothing leaked under ASan)" test $? -eq 0
finish
