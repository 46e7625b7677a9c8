"""What the suite's small HTTP servers share (fault-proxy.py,
replay-server.py, token-issuer.py): a quiet logging handler, one request
forwarded upstream, the bound port announced through a file, and serving
until SIGTERM.  Imported from the script's own folder (python puts it
first on sys.path)."""
import http.client
import http.server
import os
import signal
import sys

# Hop-by-hop headers: never forwarded in either direction.
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "proxy-authenticate", "proxy-authorization"}


class Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1, silent, record() of each request into server.logfile (one
    "METHOD PATH ACTION STATUS" line, under server.loglock), and send()."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, action, status):
        if self.server.logfile:
            with self.server.loglock, open(self.server.logfile, "a") as f:
                f.write("%s %s %s %s\n" % (self.command, self.path, action, status))

    def send(self, status, headers, body):
        """Answers with status, headers, body (none to HEAD), then closes."""
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True


def forward(handler, body, timeout):
    """Sends handler's request (with body) to handler.server.upstream, a
    urlsplit() result; returns (status, headers, data) of the answer, its
    headers without the hop-by-hop ones and Content-Length."""
    u = handler.server.upstream
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP}
    headers["Host"] = u.netloc
    headers.pop("Expect", None)
    conn.request(handler.command, handler.path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    hdrs = [(k, v) for k, v in r.getheaders()
            if k.lower() not in HOP and k.lower() != "content-length"]
    conn.close()
    return r.status, hdrs, data


def write_port(path, port):
    """Writes port to path at once (a new file renamed over it)."""
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(path + ".tmp", path)


def serve(srv):
    """Serves until SIGTERM or ^C."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
