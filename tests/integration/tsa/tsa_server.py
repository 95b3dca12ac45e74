#!/usr/bin/env python3
"""A local RFC 3161 timestamp authority for tests: POST application/timestamp-query, get back what
`openssl ts -reply` makes with the test CA's TSA certificate. Loopback only.

usage: tsa_server.py --dir DIR --port-file FILE [--reject]
DIR holds tsa.cnf, tsa.key, tsa.crt (made by make_tsa_ca.sh). The chosen port is written to
--port-file once the server listens. --reject answers every request with a rejection (status 2).
"""
import argparse
import http.server
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--reject", action="store_true")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("tsa: " + (fmt % a) + "\n")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            query = self.rfile.read(n)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415, "expected application/timestamp-query")
                return
            with tempfile.TemporaryDirectory(dir=d) as tmp:
                q = os.path.join(tmp, "q.tsq")
                r = os.path.join(tmp, "r.tsr")
                with open(q, "wb") as f:
                    f.write(query)
                if args.reject:
                    # A reply made for a query the TSA refuses: ask openssl for a policy it lacks.
                    cmd = ["openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"), "-queryfile", q,
                           "-section", "tsa_reject", "-out", r]
                else:
                    cmd = ["openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"), "-queryfile", q,
                           "-out", r]
                p = subprocess.run(cmd, capture_output=True, timeout=20)
                if p.returncode != 0 or not os.path.exists(r):
                    sys.stderr.write(p.stderr.decode(errors="replace"))
                    self.send_error(500, "openssl ts -reply failed")
                    return
                with open(r, "rb") as f:
                    body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
