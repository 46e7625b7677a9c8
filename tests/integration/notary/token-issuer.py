#!/usr/bin/python3
"""A small Docker registry token issuer for tests (loopback only).

    token-issuer.py CONFIG.json

notary-server 0.7.0 with `"auth": {"type": "token", ...}` answers 401 with
`WWW-Authenticate: Bearer realm=...,service=...,scope=...` and accepts only
JWTs that docker/distribution's token access controller verifies
(registry/auth/token/token.go):

  * header: alg ES256 and x5c = [base64 DER of the leaf cert]; the leaf must
    chain to a cert in the server's "rootcertbundle";
  * signature: ECDSA P-256 / SHA-256 over "b64url(header).b64url(claims)",
    raw r||s (libtrust), base64url without padding;
  * claims: iss == the server's "issuer", aud == its "service", nbf/exp
    (60 s leeway), iat, jti, sub, access = [{type, name, actions}].

The issuer answers, like the distribution token server:

  GET  <path>?service=S&scope=repository:GUN:a,b[&scope=...][&account=U]
       with HTTP Basic credentials (or none: see "anonymous")
       -> 200 {"token", "access_token", "expires_in", "issued_at"}
  POST <path>  form grant_type=refresh_token&refresh_token=T&service=S
       &scope=...&client_id=...  (docker's "identitytoken", OAuth2)
       or grant_type=password&username=U&password=P
       -> 200 {"access_token", "expires_in", "scope"[, "refresh_token"]}
  wrong credentials -> 401 {"errors":[{"code":"UNAUTHORIZED",...}]}

CONFIG (JSON):
  "port": 0 (any free port), "port_file": where the bound port is written
  "path": "/token", "issuer": ..., "service": ..., "expires_in": 300
  "cert", "key": the signing leaf (PEM; the key unencrypted P-256)
  "tls_cert", "tls_key": serve HTTPS with these (optional)
  "users": {"name": {"password": "...", "actions": ["pull", "push", "*"]}}
      (actions granted at most: the grant is requested & allowed)
  "refresh_tokens": {"token": "user name"}
  "anonymous": "deny" (401) or "pull" (a token granting pull only)
  "log": file: one JSON line per request (method, grant, account, scope,
      status) so that tests can count token fetches; never a secret
  "ctl": file read (then removed) before each request; a line "bad N"
      makes the next N issued tokens unusable (wrong audience; "bad 0"
      ends it), so the client's "refetch once on 401" can be tested

Credentials come from this file, never from argv.  Stops on SIGTERM/SIGINT.
"""
import base64
import hmac
import http.server
import json
import os
import socketserver
import ssl
import sys
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import httputil


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


class Issuer:
    def __init__(self, cfg):
        self.cfg = cfg
        with open(cfg["cert"], "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        with open(cfg["key"], "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        self.x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        self.bad = 0

    def read_ctl(self):
        path = self.cfg.get("ctl")
        if not path:
            return
        try:
            with open(path) as f:
                text = f.read()
            os.unlink(path)
        except FileNotFoundError:
            return
        for line in text.splitlines():
            w = line.split()
            if len(w) == 2 and w[0] == "bad":
                self.bad = int(w[1])

    def token(self, account, access):
        now = int(time.time())
        aud = self.cfg["service"]
        if self.bad > 0:
            self.bad -= 1
            aud = "not-" + aud
        header = {"typ": "JWT", "alg": "ES256", "x5c": self.x5c}
        claims = {
            "iss": self.cfg["issuer"],
            "sub": account,
            "aud": aud,
            "exp": now + int(self.cfg.get("expires_in", 300)),
            "nbf": now - 5,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        der = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return signing_input + "." + b64url(sig)

    def grant(self, account, scopes):
        """The access list for the requested scopes, limited to what the
        account may do; anonymous (account None) gets pull at most."""
        if account is None:
            allowed = {"pull"} if self.cfg.get("anonymous") == "pull" else set()
        else:
            allowed = set(self.cfg["users"][account].get("actions", ["pull", "push", "*"]))
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name = ":".join(parts[1:-1])
            actions = [a for a in parts[-1].split(",") if a in allowed]
            if actions:
                access.append({"type": "repository", "name": name, "actions": actions})
        return access

    def check_password(self, user, password):
        u = self.cfg.get("users", {}).get(user)
        return u is not None and hmac.compare_digest(u["password"].encode(), password.encode())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nt-token-issuer"

    def log_message(self, fmt, *args):  # quiet: the JSON log says enough
        pass

    def record(self, **kw):
        path = self.server.issuer.cfg.get("log")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps(kw, sort_keys=True) + "\n")

    def reply(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def deny(self, why):
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                   {"WWW-Authenticate": 'Basic realm="nt-token-issuer"'})

    def basic(self):
        h = self.headers.get("Authorization")
        if h is None:
            return None, None
        scheme, _, rest = h.partition(" ")
        if scheme.lower() != "basic":
            return "", None
        try:
            user, _, password = base64.b64decode(rest.strip(), validate=True).decode().partition(":")
        except Exception:
            return "", None
        return user, password

    def do_GET(self):
        iss = self.server.issuer
        iss.read_ctl()
        u = urllib.parse.urlsplit(self.path)
        if u.path != iss.cfg.get("path", "/token"):
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            return
        q = urllib.parse.parse_qs(u.query)
        scopes = q.get("scope", [])
        service = q.get("service", [""])[0]
        user, password = self.basic()
        log = dict(method="GET", grant="basic" if user else "anonymous", account=user,
                   scope=scopes, service=service)
        if service != iss.cfg["service"]:
            log["status"] = 400
            self.record(**log)
            self.reply(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            return
        if user is None:
            if iss.cfg.get("anonymous", "deny") == "deny":
                log["status"] = 401
                self.record(**log)
                self.deny("authentication required")
                return
            account = None
        elif not iss.check_password(user, password or ""):
            log["status"] = 401
            self.record(**log)
            self.deny("invalid username or password")
            return
        else:
            account = user
        tok = iss.token(account or "", iss.grant(account, scopes))
        log["status"] = 200
        self.record(**log)
        self.reply(200, {"token": tok, "access_token": tok,
                         "expires_in": int(iss.cfg.get("expires_in", 300)),
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def do_POST(self):
        iss = self.server.issuer
        iss.read_ctl()
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        if n > 65536 or u.path != iss.cfg.get("path", "/token"):
            self.reply(400, {"errors": [{"code": "DENIED", "message": "bad request"}]})
            return
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        f = {k: v[0] for k, v in form.items()}
        scopes = f.get("scope", "").split()
        grant = f.get("grant_type", "")
        log = dict(method="POST", grant=grant, scope=scopes, service=f.get("service"),
                   client_id=f.get("client_id"))
        account = None
        if f.get("service") != iss.cfg["service"]:
            pass
        elif grant == "refresh_token":
            account = iss.cfg.get("refresh_tokens", {}).get(f.get("refresh_token", ""))
        elif grant == "password":
            if iss.check_password(f.get("username", ""), f.get("password", "")):
                account = f["username"]
        log["account"] = account
        if account is None:
            log["status"] = 401
            self.record(**log)
            self.deny("invalid grant")
            return
        tok = iss.token(account, iss.grant(account, scopes))
        log["status"] = 200
        self.record(**log)
        self.reply(200, {"access_token": tok, "expires_in": int(iss.cfg.get("expires_in", 300)),
                         "scope": " ".join(scopes)})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: token-issuer.py CONFIG.json")
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    srv = Server(("127.0.0.1", int(cfg.get("port", 0))), Handler)
    srv.issuer = Issuer(cfg)
    if cfg.get("tls_cert"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg["tls_cert"], cfg["tls_key"])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if cfg.get("port_file"):
        httputil.write_port(cfg["port_file"], srv.server_address[1])
    httputil.serve(srv)


if __name__ == "__main__":
    main()
