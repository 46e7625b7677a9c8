#!/usr/bin/python3
"""A stand-in for tuf-agent, for tests/integration/tufctl-cli.sh: standard library only.

    fake_agent.py SOCKET SCENARIO LOG

Listens on the Unix socket SOCKET, accepts one connection, answers hello and
then every request with a canned response chosen by SCENARIO, appends each
request it receives to LOG (one JSON object per line, as received), and exits
when the client hangs up (or after 10 seconds of silence).

Scenarios:
  ok             canned results for every method; sign also sends a notice
                 about another request, a touch notice about this one, and a
                 result for another id first, then its response one byte at
                 a time (framing across reads)
  ctrl           ok, but names and labels carry control characters
  kind           ok, preceded by a notice of a kind version 1 does not know
  error          every request after hello: -32004 PIN incorrect, with data
  error-nodata   every request after hello: -32002 without data
  error-nullid   every request after hello: -32600 with "id": null
  error-params   every request after hello: -32006 key not found, its detail
                 naming protocol members (params.keys[0], params.file, ...)
  unsupported    hello: -32010 no shared version
  no-methods     hello offers only hello and status
  garbage        a frame that is not JSON
  extra          a response with an unknown top-level member
  huge           a length prefix of 64 MiB + 1 (and no payload)
  zero           a length prefix of 0
  close          hang up without answering
"""
import hashlib
import json
import os
import socket
import struct
import sys

METHODS = ["hello", "status", "unlock", "lock", "key.list", "key.generate",
           "key.cert", "key.show", "sign", "key.scope", "key.attest"]
KEYID_N = "9f2c" + "0" * 56 + "0001"
KEYID_T = "1234" + "0" * 56 + "0002"
PEM = ("-----BEGIN CERTIFICATE-----\nMIIBdummy\n"
       "-----END CERTIFICATE-----\n")


def frame(obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack(">I", len(data)) + data


def error_frame(rid, code, message, name=None, detail=None):
    """An error answer; data (name and detail) only when name is given."""
    err = {"code": code, "message": message}
    if name is not None:
        err["data"] = {"name": name, "detail": detail}
    return frame({"jsonrpc": "2.0", "id": rid, "error": err})


def key(label, ktype="ecdsa-p256", token="ci-hsm", cert=False):
    return {"label": label, "token": token, "uri": "pkcs11:token=%s;object=%s" % (token, label),
            "type": ktype, "keyids": {"notary": KEYID_N, "tuf": KEYID_T}, "cert": cert,
            "scope": None}


def result_for(method, params, scenario):
    name = "ci\x1b[31m-hsm" if scenario == "ctrl" else "ci-hsm"
    if method == "status":
        return {"version": 1, "agent": "fake-agent 1", "tokens": [
            {"name": name, "uri": "pkcs11:token=ci-hsm", "present": True, "unlocked": True,
             "pin": "ok", "keys": 2},
            {"name": "yubi", "uri": "pkcs11:token=yubi", "present": False, "unlocked": False,
             "pin": "unknown", "keys": 0},
            {"name": "hsm2", "uri": "pkcs11:token=hsm2", "present": True, "unlocked": False,
             "pin": "final-try", "keys": 1}]}
    if method == "unlock":
        return {"token": params.get("token", name)}
    if method == "lock":
        return {"tokens": [name, "hsm2"]}
    if method == "key.list":
        return {"keys": [key("targets-1", cert=False), key("root-1\x07" if scenario == "ctrl"
                                                           else "root-1", "ecdsa-p384",
                                                           cert=True)]}
    if method == "key.generate":
        return {"key": key(params["label"], params["type"], params.get("token", "ci-hsm"))}
    if method == "key.cert":
        return {"pem": PEM, "stored": params.get("store", False),
                "not_after": "2035-01-01T00:00:00Z"}
    if method == "key.show":
        if params["profile"] == "tuf":
            return {"profile": "tuf", "keyid": KEYID_T, "key": {
                "keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {
                    "public": "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n"}},
                    "scope": None}
        return {"profile": params["profile"], "keyid": KEYID_N,
                "key": {"keytype": "ecdsa-x509", "keyval": {"private": None, "public": "QUJD"}},
                "scope": None}
    if method == "key.scope":
        scope = params.get("set", params.get("add", {"guns": ["*"], "roles": ["root"]}))
        return {"label": params["key"], "keyid": KEYID_N,
                "scope": None if params.get("clear") else scope}
    if method == "sign":
        signed = params["file"].replace('"signatures":[]',
                                        '"signatures":[{"keyid":"%s","sig":"c2ln"}]' % KEYID_N)
        return {"file": signed, "keyids": [KEYID_N],
                "sha256": hashlib.sha256(signed.encode()).hexdigest()}
    raise ValueError(method)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(conn, scenario, out):
    """One connection (tufctl opens one per agent call)."""
    while True:
        hdr = read_exact(conn, 4)
        if hdr is None:
            break
        (n,) = struct.unpack(">I", hdr)
        payload = read_exact(conn, n)
        if payload is None:
            break
        out.write(payload.decode() + "\n")
        out.flush()
        req = json.loads(payload)
        rid, method, params = req["id"], req["method"], req.get("params", {})
        if method == "hello":
            if scenario == "unsupported":
                conn.sendall(error_frame(rid, -32010, "unsupported", "TA_ERR_UNSUPPORTED",
                                         "no protocol version in common; this agent speaks 2"))
                continue
            methods = ["hello", "status"] if scenario == "no-methods" else METHODS
            conn.sendall(frame({"jsonrpc": "2.0", "id": rid, "result": {
                "version": 1, "agent": "fake-agent 1", "methods": methods}}))
            continue
        if scenario == "close":
            break
        if scenario == "garbage":
            conn.sendall(struct.pack(">I", 5) + b"{nope")
            continue
        if scenario == "huge":
            conn.sendall(struct.pack(">I", (64 << 20) + 1))
            continue
        if scenario == "zero":
            conn.sendall(struct.pack(">I", 0))
            continue
        if scenario == "error":
            conn.sendall(error_frame(rid, -32004, "PIN incorrect", "TA_ERR_PIN_INCORRECT",
                                     "the token refused the PIN; it was not retried"))
            continue
        if scenario == "error-params":
            conn.sendall(error_frame(rid, -32006, "key not found", "TA_ERR_KEY_NOT_FOUND",
                                     "params.keys[0]: no such key on token 'ci'; "
                                     "params.file: checked; params.key: none"))
            continue
        if scenario == "error-nodata":
            conn.sendall(error_frame(rid, -32002, "token absent"))
            continue
        if scenario == "error-nullid":
            conn.sendall(error_frame(None, -32600, "invalid request", "TA_ERR_INVALID",
                                     "id: missing"))
            continue
        res = {"jsonrpc": "2.0", "id": rid, "result": result_for(method, params, scenario)}
        if scenario == "extra":
            res["extra"] = 1
        if scenario == "kind":
            conn.sendall(frame({"jsonrpc": "2.0", "method": "notice", "params": {
                "id": rid, "kind": "frobnicate", "message": "a kind from the future"}}))
        if method == "sign":
            conn.sendall(frame({"jsonrpc": "2.0", "method": "notice", "params": {
                "id": "someone-else", "kind": "touch",
                "message": "not about this request"}}))
            conn.sendall(frame({"jsonrpc": "2.0", "method": "notice", "params": {
                "id": rid, "kind": "touch",
                "message": "touch your key or check its PIN pad"}}))
            conn.sendall(frame({"jsonrpc": "2.0", "id": 424242, "result": {
                "file": "stale", "keyids": [KEYID_T], "sha256": "0" * 64}}))
            for b in frame(res):
                conn.sendall(bytes([b]))
            continue
        conn.sendall(frame(res))


def main():
    path, scenario, log = sys.argv[1], sys.argv[2], sys.argv[3]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # appears only once it listens
    srv.listen(1)
    srv.settimeout(10)
    # tufctl opens a connection per call (key cert reads the key's scope
    # first): serve them one after the other until none comes for a while.
    with open(log, "a") as out:
        while True:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                break
            conn.settimeout(10)
            serve(conn, scenario, out)
            conn.close()
            srv.settimeout(2)
    srv.close()


if __name__ == "__main__":
    main()
