#!/usr/bin/python3
"""A hostile notary server for rollback tests: replays recorded metadata.

    replay-server.py serve [--upstream http://127.0.0.1:PORT] --ctl FILE
                           [--port N] [--port-file F] [--log FILE]
                           [--lifetime SECONDS]
    replay-server.py record --server URL --gun GUN --out DIR [--cacert F]

serve: listens on 127.0.0.1 (--port, default any free port; the bound
port goes to --port-file and stdout).  The control file FILE holds lines
"GUN DIR"; it is read again before every request (write it atomically:
FILE.tmp, then mv).  A request under /v2/GUN/_trust/tuf/ for a GUN it
names is answered from DIR, the way notary-server lays its URLs out:
GET .../REST answers DIR/REST (root.json, 2.root.json, timestamp.json,
snapshot.<sha256 hex>.json, targets/releases.<hex>.json ...), or 404
with notary's METADATA_NOT_FOUND body; any other method gets 405, so a
publish can never reach the real server behind.  Every other request is
forwarded to --upstream (404 without one; GET /v2/ answers 200 "{}"),
so one host:port can first be the real server, then the attacker: tufctl
keeps its trust directory by host:port, and the attack must come from the
server it trusts.

--log FILE gets one line per request: METHOD PATH ACTION STATUS (ACTION
is forward or replay), so a test can tell that no POST was made.
--lifetime (default 300 s) bounds the process whatever the test does.

record: fetches a GUN from a notary server as a client does (root.json
and every N.root.json below it, timestamp.json, then snapshot, targets
and each delegation by the sha256 the timestamp and snapshot give) and
saves each file under DIR by its URL name, ready for serve.  Loopback
URLs only.  Python standard library only.
"""
import argparse
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import urllib.parse
import urllib.request

import httputil

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_BODY = 64 << 20


def read_map(ctl):
    """{GUN: DIR} from the control file (empty when there is none)."""
    m = {}
    try:
        with open(ctl) as f:
            for line in f:
                w = line.split()
                if len(w) == 2:
                    m[w[0]] = w[1]
    except FileNotFoundError:
        pass
    return m


class Handler(httputil.Handler):
    server_version = "nt-replay-server"

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    def error(self, status, code, message):
        body = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]})
        self.send(status, [("Content-Type", "application/json")], body.encode())

    def replayed(self):
        """(DIR, REST) when the path is under a replayed GUN, else None."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if not path.startswith("/v2/") or "/_trust/tuf/" not in path:
            return None
        gun, rest = path[4:].split("/_trust/tuf/", 1)
        d = read_map(self.server.ctl).get(gun)
        return None if d is None else (d, rest)

    def forward(self, body):
        return httputil.forward(self, body, 60)

    def handle_one(self):
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send_response_only(100)
            self.end_headers()
        body = self.read_body()
        rep = self.replayed()
        if rep is not None:
            d, rest = rep
            if self.command not in ("GET", "HEAD"):
                self.error(405, "UNSUPPORTED", "replay-server: read only")
                self.record("replay", 405)
                return
            root = os.path.realpath(d)
            f = os.path.realpath(os.path.join(root, rest))
            if rest and f.startswith(root + os.sep) and os.path.isfile(f):
                with open(f, "rb") as fh:
                    data = fh.read()
                self.send(200, [("Content-Type", "application/json")], data)
                self.record("replay", 200)
            else:
                self.error(404, "METADATA_NOT_FOUND", "replay-server: no %s" % rest)
                self.record("replay", 404)
            return
        if self.server.upstream is not None:
            status, hdrs, data = self.forward(body)
            self.send(status, hdrs, data)
            self.record("forward", status)
        elif urllib.parse.urlsplit(self.path).path == "/v2/":
            self.send(200, [("Content-Type", "application/json")], b"{}")
            self.record("ping", 200)
        else:
            self.error(404, "METADATA_NOT_FOUND", "replay-server: nothing here")
            self.record("none", 404)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def loopback(url, what):
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("http", "https") or u.hostname not in LOOPBACK:
        sys.exit("replay-server: %s must be a loopback http(s) URL" % what)
    return u


def serve(a):
    up = loopback(a.upstream, "--upstream") if a.upstream else None
    if up is not None and up.scheme != "http":
        sys.exit("replay-server: --upstream must be plain http")
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.upstream = up
    srv.ctl = a.ctl
    srv.logfile = a.log
    srv.loglock = threading.Lock()
    port = srv.server_address[1]
    if a.port_file:
        httputil.write_port(a.port_file, port)
    print(port, flush=True)
    # Bounded whatever happens to the test that started it.
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    httputil.serve(srv)
    os._exit(0)


def record(a):
    loopback(a.server, "--server")
    ctx = ssl.create_default_context(cafile=a.cacert) if a.cacert else None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    base = "%s/v2/%s/_trust/tuf/" % (a.server.rstrip("/"), a.gun)

    def get(name):
        with opener.open(base + name, timeout=20) as r:
            data = r.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            sys.exit("replay-server: %s is too large" % name)
        path = os.path.join(a.out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return data

    def by_hash(role, meta):
        hexd = base64.b64decode(meta[role]["hashes"]["sha256"]).hex()
        data = get("%s.%s.json" % (role, hexd))
        with open(os.path.join(a.out, role + ".json"), "wb") as f:
            f.write(data)
        return json.loads(data)

    root = json.loads(get("root.json"))
    for n in range(1, root["signed"]["version"] + 1):
        get("%d.root.json" % n)
    ts = json.loads(get("timestamp.json"))
    snap = by_hash("snapshot", ts["signed"]["meta"])
    for role in sorted(snap["signed"]["meta"]):
        if role != "root":
            by_hash(role, snap["signed"]["meta"])


def main():
    ap = argparse.ArgumentParser(description="hostile notary server: replays recorded metadata")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--upstream")
    s.add_argument("--ctl", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    s.add_argument("--log")
    s.add_argument("--lifetime", type=float, default=300)
    r = sub.add_parser("record")
    r.add_argument("--server", required=True)
    r.add_argument("--gun", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--cacert")
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a)
    else:
        record(a)


if __name__ == "__main__":
    main()
