#!/bin/bash
# The agent's key cache (agent/keycache.h) against other programs changing
# the token under it: a key pkcs11-tool generates while the agent runs is
# found by the first request that names it (one refresh on a miss); a key
# pkcs11-tool destroys fails its next signature cleanly (-32006, no stale
# handle reused) and is gone from the cache after; lock and unlock, key.cert
# --store and key.list keep the cache true.  Also verify-signatures = no:
# the signatures of such a token still verify.  Every signature is checked
# with python3-cryptography.
. "$(dirname "$0")/agent_lib.sh"

"$PY" -c 'import cryptography.hazmat.primitives.asymmetric.ec' 2>/dev/null ||
	skip_all "python3-cryptography is not installed"
command -v pkcs11-tool >/dev/null || skip_all "pkcs11-tool is not installed (package opensc)"
for t in alpha beta; do
	make_token $t || skip_all "softhsm2-util cannot make a token"
done
{
	agent_block
	token_block alpha "$SOFTHSM" "file:$tmp/pin" 2
	token_block beta "$SOFTHSM" "file:$tmp/pin" 2
	printf 'verify-signatures = no\n'
} >"$tmp/agent.conf"
agent_started "agent starts (alpha, and beta with verify-signatures = no)" "$tmp/agent.conf"
call key.generate '{"label":"ka","type":"ecdsa-p256","token":"alpha"}' >/dev/null
call key.generate '{"label":"kb","type":"ed25519","token":"beta"}' >/dev/null

# p11tool TOKEN ARGS...: pkcs11-tool on a token, logged in, as another program.
p11tool() {
	local t=$1
	shift
	pkcs11-tool --module "$SOFTHSM" --token-label "$t" --login --pin "$PIN" "$@" \
		>>"$tmp/p11tool.log" 2>&1
}
export -f p11tool
export SOFTHSM PIN tmp

"$PY" - "$SOCK" "$here" "$tmp" <<'PY' || failures=$((failures + 1))
import base64, json, subprocess, sys
sock_path, here, tmp = sys.argv[1:4]
sys.path.insert(0, here)
from agent_client import AgentError, Client, Report
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

report = Report()

def p11tool(token, *args):
    return subprocess.run(["bash", "-c", 'p11tool "$@"', "p11tool", token] + list(args)).returncode

def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

c = Client(sock_path)
def call(method, params=None):
    try:
        return c.call(method, params)
    except AgentError as e:
        return e

SIGNED = {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
          "expires": "2035-01-01T00:00:00Z", "targets": {}, "version": 1}
def sign(key):
    return call("sign", {"profile": "notary", "role": "targets", "gun": "example.com/app",
                         "keys": [key], "file": json.dumps({"signed": SIGNED, "signatures": []})})

def verifies(res, label):
    """The one signature of a sign result verifies with label's public key."""
    show = call("key.show", {"key": label, "profile": "notary"})
    if isinstance(res, AgentError) or isinstance(show, AgentError):
        return False
    d = json.loads(res["file"])
    sig = d["signatures"][0]
    raw = base64.b64decode(sig["sig"])
    pub = base64.b64decode(show["key"]["keyval"]["public"])
    try:
        if show["key"]["keytype"] == "ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(raw, canonical(d["signed"]))
        else:
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big"))
            if show["key"]["keytype"] == "ecdsa-x509": # key.show shows the stored certificate
                key = x509.load_pem_x509_certificate(pub).public_key()
            else:
                key = serialization.load_der_public_key(pub)
            key.verify(der, canonical(d["signed"]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    # A plain sign signs as the bare key: its ID is not the certificate's.
    return show["key"]["keytype"] == "ecdsa-x509" or sig["keyid"] == show["keyid"]

def labels(token):
    r = call("key.list", {"token": token})
    return sorted(k["label"] for k in r["keys"]) if not isinstance(r, AgentError) else repr(r)

r = sign("ka")
report(verifies(r, "ka"), "ka (alpha) signs; the signature verifies", repr(r)[:200])
r = sign("kb")
report(verifies(r, "kb"), "kb (beta, verify-signatures = no) signs; the signature verifies",
       repr(r)[:200])

# ---- a key made behind the agent's back
report(p11tool("alpha", "--keypairgen", "--key-type", "EC:prime256v1", "--label", "ext",
               "--id", "0a0b") == 0, "pkcs11-tool generates 'ext' on alpha while the agent runs")
r = sign("ext")
report(verifies(r, "ext"), "the first sign naming 'ext' finds it (the cache is refreshed) and "
       "its signature verifies", repr(r)[:300])
show = call("key.show", {"key": "ext", "profile": "notary"})
for spec, what in (("pkcs11:token=alpha;object=ext", "a URI with object="),
                   ("pkcs11:token=alpha;id=%0A%0b", "a URI with id="),
                   (show["keyid"] if not isinstance(show, AgentError) else "?", "its key ID")):
    r = sign(spec)
    report(verifies(r, "ext"), "'ext' is found by %s" % what, repr(r)[:200])
r = sign("pkcs11:token=beta;object=ext")
report(isinstance(r, AgentError) and r.code == -32006,
       "a URI naming the other token does not find 'ext' (-32006)", repr(r))
st = {t["name"]: t for t in call("status")["tokens"]}
report(st["alpha"]["keys"] == 2, "status: alpha has 2 keys", repr(st["alpha"]))

# ---- a key destroyed behind the agent's back
report(p11tool("alpha", "--delete-object", "--type", "privkey", "--label", "ka") == 0 and
       p11tool("alpha", "--delete-object", "--type", "pubkey", "--label", "ka") == 0,
       "pkcs11-tool destroys 'ka' on alpha while the agent runs")
r = sign("ka")
report(isinstance(r, AgentError) and r.code == -32006 and "no longer on token 'alpha'" in str(r),
       "sign with the destroyed 'ka' (its handle cached) fails cleanly: -32006", repr(r))
r = sign("ka")
report(isinstance(r, AgentError) and r.code == -32006 and "no key on the tokens" in str(r),
       "the next sign with 'ka': not in the (refreshed) cache, -32006", repr(r))
r = sign("ext")
report(verifies(r, "ext"), "'ext' still signs after the refresh", repr(r)[:200])
report(labels("alpha") == ["ext"], "key.list alpha: ext only", repr(labels("alpha")))

# ---- key.cert --store: the certificate's x509 key ID names the key at once
r = call("key.cert", {"key": "ext", "gun": "example.com/app", "store": True})
report(not isinstance(r, AgentError) and r["stored"], "key.cert --store on 'ext'", repr(r)[:200])
x = call("key.show", {"key": "ext", "profile": "notary"})
report(not isinstance(x, AgentError) and x["key"]["keytype"] == "ecdsa-x509",
       "key.show: the stored certificate's x509 key", repr(x)[:200])
r = sign(x["keyid"] if not isinstance(x, AgentError) else "?")
report(not isinstance(r, AgentError), "sign by the x509 key ID of the stored certificate",
       repr(r)[:200])

# ---- lock and unlock
call("lock", {"token": "alpha"})
r = sign("ext")
report(isinstance(r, AgentError) and r.code == -32003, "alpha locked: sign is -32003", repr(r))
r = call("unlock", {"token": "alpha", "pin": open(tmp + "/pin").read().strip()})
report(not isinstance(r, AgentError), "unlock alpha", repr(r))
r = sign("ext")
report(verifies(r, "ext"), "alpha unlocked: 'ext' signs again", repr(r)[:200])
c.close()
report.exit()
PY

check "audit: the failed signature with the destroyed key is recorded" \
	grep -q '"result":"TA_ERR_KEY_NOT_FOUND"' "$AUDIT"
agent_stop
check "SIGTERM: exit status 0" test $? -eq 0
finish
