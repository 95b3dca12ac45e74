#!/usr/bin/env python3
"""A tiny SMTP receiver for tests (smtpd left Python in 3.12): EHLO/HELO, AUTH PLAIN and LOGIN, MAIL
FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT. Each message goes to --out as one JSON line:
{"helo", "auth_user", "auth_password", "mail_from", "rcpt_to": [...], "data"}. Loopback only; the
chosen port goes to --port-file.

usage: smtp_sink.py --out FILE --port-file FILE
"""
import argparse
import base64
import json
import os
import re
import socketserver
import threading

lock = threading.Lock()
OUT = None


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode("utf-8", errors="replace").rstrip("\r\n")

    def handle(self):
        st = {"helo": None, "auth_user": None, "auth_password": None}
        msg = None
        self.send("220 127.0.0.1 huixin test sink ESMTP")
        try:
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb == "EHLO":
                    st["helo"] = arg
                    self.send("250-127.0.0.1 hello")
                    self.send("250-AUTH PLAIN LOGIN")
                    self.send("250-8BITMIME")
                    self.send("250 SIZE 10485760")
                elif verb == "HELO":
                    st["helo"] = arg
                    self.send("250 127.0.0.1")
                elif verb == "AUTH":
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ""
                    if mech == "PLAIN":
                        if len(parts) > 1:
                            raw = parts[1]
                        else:
                            self.send("334 ")
                            raw = self.readline()
                        _, user, pw = base64.b64decode(raw).decode().split("\0")
                    elif mech == "LOGIN":
                        self.send("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.readline()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        pw = base64.b64decode(self.readline()).decode()
                    else:
                        self.send("504 unrecognized authentication type")
                        continue
                    st["auth_user"], st["auth_password"] = user, pw
                    self.send("235 2.7.0 authentication successful")
                elif verb == "MAIL":
                    m = re.match(r"(?i)FROM:\s*<([^>]*)>", arg)
                    if not m:
                        self.send("501 syntax: MAIL FROM:<address>")
                        continue
                    msg = dict(st, mail_from=m.group(1), rcpt_to=[], data=None)
                    self.send("250 2.1.0 ok")
                elif verb == "RCPT":
                    m = re.match(r"(?i)TO:\s*<([^>]*)>", arg)
                    if not m or msg is None:
                        self.send("503 need MAIL first" if msg is None else "501 syntax: RCPT TO:<address>")
                        continue
                    msg["rcpt_to"].append(m.group(1))
                    self.send("250 2.1.5 ok")
                elif verb == "DATA":
                    if not msg or not msg["rcpt_to"]:
                        self.send("503 need RCPT first")
                        continue
                    self.send("354 end data with <CR><LF>.<CR><LF>")
                    lines = []
                    while True:
                        raw = self.rfile.readline(1 << 20)
                        if not raw:
                            raise EOFError
                        if raw in (b".\r\n", b".\n"):
                            break
                        if raw.startswith(b".."):
                            raw = raw[1:]
                        lines.append(raw)
                    msg["data"] = b"".join(lines).decode("utf-8", errors="replace")
                    with lock:
                        with open(OUT, "a", encoding="utf-8") as f:
                            f.write(json.dumps(msg, ensure_ascii=False) + "\n")
                    msg = None
                    self.send("250 2.0.0 queued")
                elif verb in ("RSET", "NOOP"):
                    if verb == "RSET":
                        msg = None
                    self.send("250 ok")
                elif verb == "QUIT":
                    self.send("221 bye")
                    return
                else:
                    self.send("502 command not implemented")
        except (EOFError, ConnectionError, OSError):
            return


def main():
    global OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    OUT = args.out
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
