#!/usr/bin/env python3
"""An HTTP receiver for tests: records every POST (path, query, headers, body) as one JSON line in
--out and answers --status with --reply. Loopback only; the chosen port goes to --port-file.

usage: http_sink.py --out FILE --port-file FILE [--status 200] [--reply '{"errcode":0}'] [--delay SECONDS]
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--reply", default='{"errcode":0,"errmsg":"ok"}')
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("http_sink: " + (fmt % a) + "\n")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            u = urllib.parse.urlsplit(self.path)
            rec = {"method": "POST", "path": u.path, "query": u.query,
                   "query_params": urllib.parse.parse_qs(u.query, keep_blank_values=True),
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", errors="replace"), "body_is_utf8": True}
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                rec["body_is_utf8"] = False
            with lock:
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if args.delay:
                time.sleep(args.delay)
            reply = args.reply.encode()
            self.send_response(args.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
