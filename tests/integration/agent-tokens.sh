#!/bin/bash
# Tokens come and go (tests/tools/fault-pkcs11.so makes them vanish): jobs on an
# absent token fail with -32002 while the others keep signing; a token that
# returns is logged into again from its PIN file, without a restart; a token
# absent at start is picked up by the same watch; a locked token stays
# locked across a return.
. "$(dirname "$0")/agent_lib.sh"

[ -r "$FAULT" ] || skip_all "$FAULT is not built"
for t in alpha beta gamma; do
	make_token $t || skip_all "softhsm2-util cannot make a token"
done
{
	agent_block
	token_block alpha "$FAULT" "file:$tmp/pin"
	token_block beta "$FAULT" "file:$tmp/pin"
	token_block gamma "$FAULT" "file:$tmp/pin"
} >"$tmp/agent.conf"
set_fault "absent=gamma"
agent_started "agent starts with alpha and beta (gamma absent)" \
	"$tmp/agent.conf" TA_FAULT_TARGET="$SOFTHSM" TA_FAULT_CTL="$tmp/fault.ctl" \
	TA_FAULT_STATS="$tmp/stats" TA_AGENT_WATCH_MS=200
call status >"$tmp/status.json"
check "status: alpha and beta unlocked, gamma absent" \
	test "$(jget "$tmp/status.json" '[(t["name"], t["present"], t["unlocked"]) for t in d["tokens"]]')" = \
	'[["alpha", true, true], ["beta", true, true], ["gamma", false, false]]'
call key.generate '{"label":"ka","type":"ecdsa-p256","token":"alpha"}' >/dev/null
call key.generate '{"label":"kb","type":"ed25519","token":"beta"}' >/dev/null
call key.generate '{"label":"ka","type":"ecdsa-p256","token":"beta"}' >"$tmp/out.json"
check "key.generate: a label in use on another token is -32013" \
	test "$(jget "$tmp/out.json" 'd["code"]')" = -32013

"$PY" - "$SOCK" "$here" "$tmp" <<'PY' || failures=$((failures + 1))
import json, os, sys, threading, time
sock_path, here, tmp = sys.argv[1:4]
sys.path.insert(0, here)
from agent_client import AgentError, Client, Report, write_fault

report = Report()

def set_fault(text):
    write_fault(tmp, text)

def sign(key, gun="example.com/app"):
    f = {"signed": {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
                    "expires": "2035-01-01T00:00:00Z", "targets": {}, "version": 1},
         "signatures": []}
    c = Client(sock_path)
    try:
        return c.call("sign", {"profile": "notary", "role": "targets", "gun": gun,
                               "keys": [key], "file": json.dumps(f)})
    except AgentError as e:
        return e
    finally:
        c.close()

r1, r2 = sign("ka"), sign("kb")
report(not isinstance(r1, AgentError) and not isinstance(r2, AgentError),
       "both tokens sign", "%r %r" % (r1, r2))

set_fault("absent=gamma,beta\n")
r = sign("kb")
report(isinstance(r, AgentError) and r.code == -32002,
       "beta absent: a signature on beta is -32002 token absent", repr(r))
# Meanwhile alpha signs, also while beta's requests are being refused.
out = {}
def on(key, n):
    out[(key, n)] = sign(key)
threads = [threading.Thread(target=on, args=(k, n)) for n in range(3) for k in ("ka", "kb")]
for t in threads:
    t.start()
for t in threads:
    t.join(20)
report(all(not isinstance(v, AgentError) for (k, n), v in out.items() if k == "ka"),
       "beta absent: alpha keeps signing (3 requests beside 3 on beta)", repr(out)[:300])
report(all(isinstance(v, AgentError) and v.code == -32002 for (k, n), v in out.items() if k == "kb"),
       "beta absent: every request on beta is -32002")
time.sleep(0.6)
c = Client(sock_path)
st = {t["name"]: t for t in c.call("status")["tokens"]}
report(st["beta"]["present"] is False and st["alpha"]["present"] is True,
       "status: beta absent, alpha present", repr(st))
before = int(dict(l.strip().split("=") for l in open(tmp + "/stats"))["C_Login"])

set_fault("absent=gamma\n")
deadline, r = time.time() + 5, None
while time.time() < deadline:
    time.sleep(0.2)
    st = {t["name"]: t for t in c.call("status")["tokens"]}
    if st["beta"]["unlocked"]:
        break
r = sign("kb")
report(not isinstance(r, AgentError), "beta back: it signs again without a restart", repr(r))
after = int(dict(l.strip().split("=") for l in open(tmp + "/stats"))["C_Login"])
log = open(tmp + "/agent.log").read()
back = log.find("token 'beta' is back")
report(after > before and back >= 0 and "token 'beta': logged in (PIN source file)" in log[back:],
       "beta back: logged in again from its PIN file", "%d -> %d C_Login" % (before, after))

set_fault("")
deadline = time.time() + 5
while time.time() < deadline:
    time.sleep(0.2)
    st = {t["name"]: t for t in c.call("status")["tokens"]}
    if st["gamma"]["unlocked"]:
        break
report(st["gamma"]["present"] and st["gamma"]["unlocked"],
       "gamma, absent at start, is found and logged into by the watch", repr(st["gamma"]))
try:
    k = c.call("key.generate", {"label": "kg", "type": "ecdsa-p256", "token": "gamma"})
    report(k["key"]["token"] == "gamma", "gamma: key.generate works")
except AgentError as e:
    report(False, "gamma: key.generate works", str(e))
report(not isinstance(sign("kg"), AgentError), "gamma: signs")

# A token locked by request stays locked when it returns.
c.call("lock", {"token": "alpha"})
set_fault("absent=alpha\n")
time.sleep(0.8)
set_fault("")
time.sleep(0.8)
st = {t["name"]: t for t in c.call("status")["tokens"]}
report(st["alpha"]["present"] and not st["alpha"]["unlocked"],
       "alpha, locked with lock, is not logged into again when it returns", repr(st["alpha"]))
r = sign("ka")
report(isinstance(r, AgentError) and r.code == -32003, "alpha locked: -32003", repr(r))
c.close()
report.exit()
PY

check "log: beta's absence" grep -q "token 'beta' is absent" "$LOG"
check "log: beta's return" grep -q "token 'beta' is back" "$LOG"
check "log: gamma found by the watch" grep -q "token 'gamma' found" "$LOG"
agent_stop
check "SIGTERM: exit status 0" test $? -eq 0
finish
