#!/usr/bin/python3
"""Serves a directory on 127.0.0.1 (a free port, written to PORT_FILE) for
tuf-js: plain files, 404 for anything else, nothing outside the directory,
and never the repository's private .tufctl/ folder.

    serve.py DIR PORT_FILE
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if "/." in self.path:
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, fmt, *args):
        pass


def main():
    directory, port_file = sys.argv[1], sys.argv[2]
    handler = functools.partial(Handler, directory=directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as srv:
        with open(port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(port_file + ".tmp", port_file)
        srv.serve_forever()


if __name__ == "__main__":
    main()
