#!/usr/bin/python3
"""A small client for tuf-agent's socket protocol, for the agent-*.sh tests.

Standard library only.  Frames are a 4-byte big-endian length and one
JSON-RPC 2.0 object (protocol/PROTOCOL.md).

As a module:
    c = Client(path)
    c.call("status")                      -> the result object, or AgentError
    i = c.send("sign", {...}); c.wait(i)  -> the response object; notices
                                             about it are kept in c.notices
As a command:
    agent_client.py SOCKET METHOD [PARAMS_JSON]
        prints the result as JSON and exits 0, or prints the error object
        as JSON and exits 1 (3 when the agent could not be reached).
    PARAMS_JSON may contain "@pinfile:PATH" as the value of "pin": the PIN
    is read from PATH (so that it never appears on a command line).
"""
import json
import os
import socket
import struct
import sys


class AgentError(Exception):
    def __init__(self, error):
        super().__init__("%s %s: %s" % (error.get("code"), error.get("data", {}).get("name"),
                                        error.get("data", {}).get("detail")))
        self.error = error
        self.code = error.get("code")
        self.name = error.get("data", {}).get("name")
        self.detail = error.get("data", {}).get("detail")


class Client:
    def __init__(self, path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1
        self.responses = {}
        self.notices = []

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_frame(self, payload):
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def send(self, method, params=None, id=None):
        if id is None:
            id = self.next_id
            self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send_frame(json.dumps(msg).encode("utf-8"))
        return id

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("the agent closed the connection")
            buf += chunk
        return buf

    def recv(self):
        """One message from the agent (a response or a notice)."""
        (n,) = struct.unpack(">I", self._recv_exact(4))
        return json.loads(self._recv_exact(n).decode("utf-8"))

    def wait(self, id):
        """The response to request id; notices met on the way are kept."""
        while id not in self.responses:
            msg = self.recv()
            if "id" not in msg:
                self.notices.append(msg)
                continue
            self.responses[msg["id"]] = msg
        return self.responses.pop(id)

    def call(self, method, params=None):
        resp = self.wait(self.send(method, params))
        if "error" in resp:
            raise AgentError(resp["error"])
        return resp["result"]


class Report:
    """PASS:/FAIL: lines for the python part of a shell test, as agent_lib.sh's
    ok and bad print them; failed counts the FAILs and exit() ends with them."""

    def __init__(self):
        self.failed = 0

    def __call__(self, ok, name, why=""):
        self.failed += not ok
        print(("PASS: " if ok else "FAIL: ") + name + ("" if ok or not why else " (%s)" % why))
        sys.stdout.flush()

    def exit(self):
        sys.exit(1 if self.failed else 0)


def write_fault(tmp, text):
    """Replaces tmp/fault.ctl with text at once (a new file renamed over it),
    as the fault module wants it."""
    with open(tmp + "/fault.ctl.new", "w") as f:
        f.write(text)
    os.rename(tmp + "/fault.ctl.new", tmp + "/fault.ctl")


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: agent_client.py SOCKET METHOD [PARAMS_JSON]\n")
        return 2
    params = json.loads(argv[3]) if len(argv) > 3 else None
    if isinstance(params, dict) and isinstance(params.get("pin"), str) \
            and params["pin"].startswith("@pinfile:"):
        with open(params["pin"][len("@pinfile:"):], encoding="utf-8") as f:
            params["pin"] = f.read().rstrip("\n")
    try:
        c = Client(argv[1])
        resp = c.wait(c.send(argv[2], params))
    except (OSError, EOFError) as e:
        sys.stderr.write("agent_client: %s\n" % e)
        return 3
    if "error" in resp:
        print(json.dumps(resp["error"]))
        return 1
    print(json.dumps(resp["result"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
