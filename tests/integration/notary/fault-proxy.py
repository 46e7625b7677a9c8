#!/usr/bin/python3
"""A loopback HTTP reverse proxy that injects faults, for client tests.

    fault-proxy.py --upstream http://127.0.0.1:PORT [--port N] [--port-file F]
                   [--ctl FILE] [--log FILE] [--stall-seconds S]
                   [--fault WHAT[:N]]...

Listens on 127.0.0.1 (--port, default any free port; the bound port is
written to --port-file and printed on stdout) and forwards each request,
headers and body, to the plain-HTTP upstream, relaying its answer.  Every
answer carries "Connection: close", so each request is one connection.

Faults are queued: each applies to the next N requests (N defaults to 1)
whose "METHOD PATH" contains MATCH (every request when none is given; e.g.
"POST " or "/targets." or "root.json"), in order, before normal forwarding
resumes.  WHAT is one of
  503, 500, 404 ...  answer that status (JSON errors body), do not forward
  close              read the request, close the connection without answering
                     (the upstream never sees the request)
  stall              read the request, then send nothing for --stall-seconds
                     (default 60) or until the client gives up; then close
  forward-close      forward the request (the upstream acts on it), then
                     close without relaying the answer
  corrupt            forward, and relay the answer with one byte of its body
                     changed (a letter or digit in the middle, so JSON stays
                     JSON but no hash or signature matches)
  clear              (N ignored) drop every queued fault
Faults come from --fault WHAT[:N[:MATCH]] at start and from the control
file: before each request the proxy takes --ctl FILE if it exists (rename,
read, delete), one "WHAT N [MATCH]" per line (MATCH is the rest of the
line, spaces included), and appends them to the queue.

The control file may also hold "challenge N VALUE": the next N forwarded
answers with status 401 get VALUE as their WWW-Authenticate header instead
of the upstream's (" || " separates several header lines; "-" sends none),
to test a client's challenge parser against odd but valid (or broken)
challenges.  Write the file atomically
(write FILE.tmp, then mv) while no request is in flight; tests/integration/notary/lib.sh
nt_proxy_fault does this.

--log FILE gets one line per request:
    METHOD PATH ACTION STATUS
ACTION is forward, or the fault; STATUS the status sent (- when none), so a
test can count tries: grep -c ' /v2/x/_trust/tuf/root.json ' FILE.

Loopback only; stops on SIGTERM/SIGINT.  Python standard library only.
"""
import argparse
import http.server
import json
import os
import select
import socketserver
import sys
import threading
import time
import urllib.parse

import httputil



class Faults:
    def __init__(self, ctl):
        self.ctl = ctl
        self.queue = []  # [what, remaining, match]
        self.challenges = []  # [value, remaining]
        self.lock = threading.Lock()

    def add(self, what, n, match=None):
        if what == "clear":
            self.queue.clear()
            self.challenges.clear()
        elif n > 0:
            self.queue.append([what, n, match])

    def take_ctl(self):
        if not self.ctl:
            return
        taken = self.ctl + ".taken"
        try:
            os.rename(self.ctl, taken)
        except FileNotFoundError:
            return
        with open(taken) as f:
            text = f.read()
        os.unlink(taken)
        for line in text.splitlines():
            w = line.split()
            if not w:
                continue
            if w[0] == "challenge" and len(w) >= 3:
                self.challenges.append([line.split(None, 2)[2], int(w[1])])
                continue
            parts = line.lstrip().split(" ", 2)
            self.add(w[0], int(w[1]) if len(w) > 1 else 1, parts[2] if len(parts) > 2 else None)

    def next(self, request):
        """The fault for this request ("METHOD PATH"), or "forward"."""
        with self.lock:
            self.take_ctl()
            for i, f in enumerate(self.queue):
                if f[2] is None or f[2] in request:
                    f[1] -= 1
                    if f[1] <= 0:
                        self.queue.pop(i)
                    return f[0]
            return "forward"

    def challenge(self):
        """The replacement WWW-Authenticate lines for a 401, or None."""
        with self.lock:
            if not self.challenges:
                return None
            value = self.challenges[0][0]
            self.challenges[0][1] -= 1
            if self.challenges[0][1] <= 0:
                self.challenges.pop(0)
            return [] if value == "-" else value.split(" || ")


def corrupt(data):
    """data with one letter or digit near the middle changed to another."""
    b = bytearray(data)
    for i in list(range(len(b) // 2, len(b))) + list(range(0, len(b) // 2)):
        c = b[i]
        if 48 <= c <= 57:
            b[i] = 48 + (c - 48 + 1) % 10
        elif 97 <= c <= 122:
            b[i] = 97 + (c - 97 + 1) % 26
        elif 65 <= c <= 90:
            b[i] = 65 + (c - 65 + 1) % 26
        else:
            continue
        break
    return bytes(b)


class Handler(httputil.Handler):
    server_version = "nt-fault-proxy"

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n) if n > 0 else b""

    def forward(self, body):
        return httputil.forward(self, body, 120)

    def handle_one(self):
        what = self.server.faults.next("%s %s" % (self.command, self.path))
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send_response_only(100)
            self.end_headers()
        body = self.read_body()
        if what == "forward":
            status, hdrs, data = self.forward(body)
            action = "forward"
            if status == 401:
                ch = self.server.faults.challenge()
                if ch is not None:
                    hdrs = [h for h in hdrs if h[0].lower() != "www-authenticate"]
                    hdrs += [("WWW-Authenticate", v) for v in ch]
                    action = "forward+challenge"
            self.send(status, hdrs, data)
            self.record(action, status)
        elif what.isdigit():
            status = int(what)
            err = {"errors": [{"code": "UNAVAILABLE",
                               "message": "fault-proxy: injected %d" % status}]}
            self.send(status, [("Content-Type", "application/json")], json.dumps(err).encode())
            self.record(what, status)
        elif what == "close":
            self.record(what, "-")
            self.close_connection = True
        elif what == "corrupt":
            status, hdrs, data = self.forward(body)
            self.send(status, hdrs, corrupt(data))
            self.record(what, status)
        elif what == "forward-close":
            status, _, _ = self.forward(body)
            self.record(what, "-(%d)" % status)
            self.close_connection = True
        elif what == "stall":
            self.record(what, "-")
            deadline = time.monotonic() + self.server.stall
            while time.monotonic() < deadline:
                r, _, _ = select.select([self.connection], [], [], 0.2)
                if r and not self.connection.recv(1, 0x40):  # MSG_DONTWAIT: EOF
                    break
            self.close_connection = True
        else:
            self.record("unknown-fault:" + what, 500)
            self.send(500, [], b"fault-proxy: unknown fault\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description="loopback HTTP fault-injecting reverse proxy")
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--ctl")
    ap.add_argument("--log")
    ap.add_argument("--stall-seconds", type=float, default=60)
    ap.add_argument("--fault", action="append", default=[])
    a = ap.parse_args()
    up = urllib.parse.urlsplit(a.upstream)
    if up.scheme != "http" or up.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fault-proxy: --upstream must be http:// on loopback")
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.upstream = up
    srv.faults = Faults(a.ctl)
    for f in a.fault:
        w = f.split(":", 2)
        srv.faults.add(w[0], int(w[1]) if len(w) > 1 and w[1] else 1,
                       w[2] if len(w) > 2 else None)
    srv.logfile = a.log
    srv.loglock = threading.Lock()
    srv.stall = a.stall_seconds
    port = srv.server_address[1]
    if a.port_file:
        httputil.write_port(a.port_file, port)
    print(port, flush=True)
    httputil.serve(srv)


if __name__ == "__main__":
    main()
