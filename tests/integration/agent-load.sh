#!/bin/bash
# tuf-agent under load: 64 concurrent clients, one connection each, up to 4
# requests in flight per connection, 200 notary targets signatures each
# (each file names a distinct target) with one ecdsa-p256 key on a token
# with sessions = 4.  Every response must match its request, succeed, and
# carry a signature that verifies over the canonical bytes (python3-
# cryptography: all of them); nothing may be lost; the agent's peak RSS
# (VmHWM) must stay under 64 MiB.
. "$(dirname "$0")/agent_lib.sh"

"$PY" -c 'import cryptography.hazmat.primitives.asymmetric.ec' 2>/dev/null ||
	skip_all "python3-cryptography is not installed"

GUN=registry.example.com/team/app
CLIENTS=64
PER=200
scaled=
# Sanitizer builds (ASan with fast_unwind_on_malloc=0 from run-tests) sign
# ~30 times slower: 10 per client keeps the run near 20 s.  The build's
# flags stamp says whether it is one (CI builds SAN= into build/).
if grep -q -- '-fsanitize' "$BUILD/.flags" 2>/dev/null; then
	PER=10
	scaled=" (scaled down for a sanitizer build)"
fi
HWM_MAX_KB=$((64 * 1024))

make_token alpha || skip_all "softhsm2-util cannot make a token"
{ agent_block; token_block alpha "$SOFTHSM" "file:$tmp/pin" 4; } >"$tmp/agent.conf"
agent_started "agent starts (sessions = 4)" "$tmp/agent.conf"
call key.generate '{"label":"load-ec","type":"ecdsa-p256"}' >"$tmp/gen.json"
call key.show '{"key":"load-ec","profile":"notary"}' >"$tmp/show.json"
check "key.generate: load-ec (ecdsa-p256)" test "$(jget "$tmp/show.json" 'd["key"]["keytype"]')" = ecdsa

start=$(date +%s.%N)
"$PY" - "$SOCK" "$CLIENTS" "$PER" "$GUN" "$tmp" "$CLIENT" <<'PY' >"$tmp/load.out" 2>&1
import base64, json, sys, threading, time
sys.path.insert(0, sys.argv[6].rsplit("/", 1)[0])
import agent_client
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

sock, nclients, per, gun, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
DEPTH = 4
show = json.load(open(tmp + "/show.json"))
pub = serialization.load_der_public_key(base64.b64decode(show["key"]["keyval"]["public"]))
keyid = show["keyid"]

def signed_for(c, i):
    return {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
            "expires": "2035-01-01T00:00:00Z",
            "targets": {"c%d-r%d" % (c, i): {"hashes": {"sha256": base64.b64encode(
                ("%d/%d" % (c, i)).encode().ljust(32, b"x")).decode()}, "length": c * 1000 + i}},
            "version": i + 1}

def canonical(signed):
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

errors = []          # (client, id, what)
results = {}         # (client, id) -> the signed file (string)
lock = threading.Lock()

def worker(c):
    try:
        cl = agent_client.Client(sock, timeout=120)
    except OSError as e:
        with lock:
            errors.append((c, None, "connect: %s" % e))
        return
    sent = {}        # id -> i
    nxt = 0
    got = 0
    try:
        while got < per:
            while nxt < per and len(sent) < DEPTH:
                s = signed_for(c, nxt)
                rid = "c%d-%d" % (c, nxt)
                cl.send("sign", {"profile": "notary", "role": "targets", "gun": gun,
                                 "keys": ["load-ec"],
                                 "file": json.dumps({"signed": s, "signatures": []})}, id=rid)
                sent[rid] = nxt
                nxt += 1
            msg = cl.recv()
            if "id" not in msg:
                continue                     # a notice
            rid = msg["id"]
            got += 1
            if rid not in sent:
                with lock:
                    errors.append((c, rid, "response to no request in flight"))
                continue
            sent.pop(rid)
            if "error" in msg:
                with lock:
                    errors.append((c, rid, "error %s" % json.dumps(msg["error"])))
                continue
            with lock:
                results[(c, rid)] = msg["result"]["file"]
    except Exception as e:
        with lock:
            errors.append((c, None, "%s: %s" % (type(e).__name__, e)))
    finally:
        cl.close()

t0 = time.time()
threads = [threading.Thread(target=worker, args=(c,)) for c in range(nclients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
t1 = time.time()

# Verify every returned file: it is the request's file (its target), with
# one signature by load-ec over the canonical "signed".
bad_sig = 0
bad_content = 0
for (c, rid), f in results.items():
    i = int(rid.split("-")[1])
    d = json.loads(f)
    if d["signed"] != signed_for(c, i) or len(d["signatures"]) != 1 or \
            d["signatures"][0]["keyid"] != keyid:
        bad_content += 1
        continue
    raw = base64.b64decode(d["signatures"][0]["sig"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        pub.verify(der, canonical(d["signed"]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        bad_sig += 1
# One file as written, for the shell to compare our canonical bytes with
# tufctl's.
if results:
    (c, rid), f = sorted(results.items())[0]
    open(tmp + "/sample.json", "w").write(f)
    open(tmp + "/sample.canon", "wb").write(canonical(json.loads(f)["signed"]))
print(json.dumps({"responses": len(results) + len([e for e in errors if e[1] is not None]),
                  "ok": len(results), "errors": len(errors), "first_errors": errors[:5],
                  "bad_sig": bad_sig, "bad_content": bad_content,
                  "seconds": round(t1 - t0, 2)}))
PY
py_rc=$?
end=$(date +%s.%N)
total=$((CLIENTS * PER))
res=$(tail -n 1 "$tmp/load.out")
echo "   load client: $res (rc $py_rc, $(awk "BEGIN{printf \"%.1f\", $end - $start}") s with verification)"
r() { printf '%s' "$res" | jget - "$1" 2>/dev/null; }

check "load: the client ran to the end" test "$py_rc" = 0
check "load: $total responses, none lost, every id matched a request$scaled" \
	test "$(r 'd["responses"]')/$(r 'len([e for e in d["first_errors"] if "no request" in e[2] or e[1] is None])')" = "$total/0"
if [ "$(r 'd["ok"]')/$(r 'd["errors"]')" = "$total/0" ]; then
	ok "load: all $total signs succeeded in $(r 'd["seconds"]') s"
else
	bad "load: all $total signs succeeded" "$res"
fi
check "load: every returned file is its request's, signed once by load-ec" \
	test "$(r 'd["bad_content"]')" = 0
check "load: every signature verifies over the canonical bytes ($total checked)" \
	test "$(r 'd["bad_sig"]')/$(r 'd["ok"]')" = "0/$total"
"$TUFCTL" canonical --profile notary "$tmp/sample.json" >"$tmp/sample.tufctl" 2>/dev/null
check "load: the test's canonical bytes equal tufctl canonical --profile notary" \
	cmp -s "$tmp/sample.canon" "$tmp/sample.tufctl"

hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$agent_pid/status")
rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$agent_pid/status")
if [ -n "$scaled" ]; then
	# ASan's shadow memory and free quarantine make RSS meaningless here.
	echo "SKIP: memory bound under a sanitizer (VmHWM $hwm kB, VmRSS $rss kB)"
elif [ -n "$hwm" ] && [ "$hwm" -lt "$HWM_MAX_KB" ]; then
	ok "memory: VmHWM $hwm kB < $HWM_MAX_KB kB (VmRSS $rss kB)$scaled"
else
	bad "memory: VmHWM ${hwm:-?} kB < $HWM_MAX_KB kB (VmRSS ${rss:-?} kB)$scaled"
fi
call status >"$tmp/status.json"
check "after the load: status answers, token alpha unlocked" \
	test "$(jget "$tmp/status.json" '[t["unlocked"] for t in d["tokens"]]')" = '[true]'
agent_stop
check "SIGTERM: the agent exits with status 0" test $? -eq 0
finish
