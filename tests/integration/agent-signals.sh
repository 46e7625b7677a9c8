#!/bin/bash
# Signals: SIGHUP reloads the [allow] rules (and keeps them when the new
# file is broken); SIGTERM while signatures are held on the token lets them
# finish, their responses (after a touch notice) reach the clients, and the
# agent exits 0.  Signatures are held by tests/tools/fault-pkcs11.so.
. "$(dirname "$0")/agent_lib.sh"

[ -r "$FAULT" ] || skip_all "$FAULT is not built"
make_token alpha || skip_all "softhsm2-util cannot make a token"
base_conf() {
	agent_block
	token_block alpha "$FAULT" "file:$tmp/pin"
}
base_conf >"$tmp/agent.conf"
: >"$tmp/fault.ctl"
agent_started "agent starts" \
	"$tmp/agent.conf" TA_FAULT_TARGET="$SOFTHSM" TA_FAULT_CTL="$tmp/fault.ctl"
call key.generate '{"label":"k1","type":"ecdsa-p256"}' >/dev/null

# ---- SIGHUP
# A peer that is neither the agent's uid nor root needs a rule: as root,
# the test plays uid 65534 with setpriv.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0711 "$tmp"
	chmod 0755 "$(dirname "$SOCK")"
	chmod 0666 "$SOCK"
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$PY" "$CLIENT" "$SOCK" "$@"
	}
	nobody_status() {
		as_nobody status >"$tmp/out.json" 2>&1
	}
	as_nobody status >"$tmp/out.json" 2>/dev/null
	check "no rule for uid 65534: its connection is refused" test $? -eq 3
	check "log: why uid 65534 was refused" grep -q 'peer uid 65534 .*no \[allow\] rule names it' "$LOG"
	{ base_conf; printf '\n[allow "nobody"]\nuid = 65534\noperations = status\n'; } >"$tmp/agent.conf"
	kill -HUP "$agent_pid"
	sleep 0.5
	check "SIGHUP: the new rule is in force (status for uid 65534)" nobody_status
	as_nobody key.list >"$tmp/out.json"
	check "SIGHUP: ... and only for what it grants (key.list is -32007)" \
		test "$(jget "$tmp/out.json" 'd["code"]')" = -32007
	printf '[allow "broken"]\nuid = 65534\nno-such-key = 1\n' >>"$tmp/agent.conf"
	kill -HUP "$agent_pid"
	sleep 0.5
	check "SIGHUP with a broken file: logged, the old rules kept" \
		grep -q "SIGHUP: '.*agent.conf' not reloaded" "$LOG"
	check "SIGHUP with a broken file: uid 65534 is still served" nobody_status
else
	echo "SKIP: SIGHUP rule changes (needs root and setpriv to play another uid)"
	printf '[allow "broken"]\nno-such-key = 1\n' >>"$tmp/agent.conf"
	kill -HUP "$agent_pid"
	sleep 0.5
	check "SIGHUP with a broken file: logged" grep -q "not reloaded" "$LOG"
fi
hello_ok() {
	call hello '{"versions":[1]}' >"$tmp/out.json"
}
check "SIGHUP with a broken file: the agent keeps serving" hello_ok

# ---- SIGTERM with signatures held for 1.5 s
set_fault "delay=C_Sign:1500"
"$PY" - "$SOCK" "$here" "$agent_pid" <<'PY' || failures=$((failures + 1))
import json, os, signal, socket, sys, threading, time
sock_path, here, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, here)
from agent_client import Client, Report

report = Report()

f = {"signed": {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
                "expires": "2035-01-01T00:00:00Z", "targets": {}, "version": 1},
     "signatures": []}
params = {"profile": "notary", "role": "targets", "gun": "example.com/app", "keys": ["k1"],
          "file": json.dumps(f)}
clients = [Client(sock_path) for _ in range(3)]
ids = [c.send("sign", params, id="sign-%d" % i) for i, c in enumerate(clients)]
results = [None] * 3
def wait(i):
    try:
        results[i] = clients[i].wait(ids[i])
    except Exception as e:
        results[i] = {"exception": repr(e)}
threads = [threading.Thread(target=wait, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
time.sleep(0.5)
t0 = time.time()
os.kill(pid, signal.SIGTERM)
time.sleep(0.2)
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    refused = False
except OSError:
    refused = True
report(refused, "SIGTERM: new connections are refused at once")
for t in threads:
    t.join(20)
report(all(r is not None and "result" in r for r in results),
       "SIGTERM: the three requests in flight complete with signatures", repr(results)[:300])
report(all(len(r["result"]["keyids"]) == 1 for r in results if r and "result" in r),
       "SIGTERM: each response carries its key ID")
noticed = all(any(n["params"]["id"] == ids[i] and n["params"]["kind"] == "touch"
                  for n in clients[i].notices) for i in range(3))
report(noticed, "a signature held over a second: a touch notice came before the response",
       repr([c.notices for c in clients]))
report.exit()
PY
agent_wait
check "SIGTERM: the agent exits with status 0 after the requests in flight" test $? -eq 0
check "log: the drain is logged" grep -q 'stopping once the requests in flight are answered' "$LOG"
finish
