#!/usr/bin/env python3
"""A fake DevTools endpoint that stands between huixin and a real Chromium and drops chosen commands
(issue 15: a command that never answers). Python standard library only, 127.0.0.1 only.

It answers `GET /json/version` (all huixin's --browser code fetches) with its own websocket URL; each
websocket connection made to it gets its own connection to the real browser's websocket, and frames are
relayed both ways. Browser -> client frames pass byte for byte. Client -> browser frames are read one by
one: a text frame holding a command that the rule matches is neither forwarded nor answered (the client
waits for a reply that never comes), every other frame passes unchanged (a client's frames are masked,
as the browser expects).

The rule (Dropper.rule): the command's method; optionally a text its JSON must contain; optionally a
marker (a method and a text) after which counting starts, on the marker's session of that connection
only; which occurrence to drop first (nth, from 1) and how many (count; 0: every one from the nth on).

    with Chromium(profile_dir) as ws_url, Dropper(ws_url) as d:
        d.rule("Runtime.evaluate", after=("Page.navigate", "127.0.0.1:8001"), nth=1, count=1)
        huixin check --all --browser d.url ...
        d.dropped  # [(method, id, session), ...]

Run alone: cdp_dropper.py WS_URL METHOD [NTH [COUNT]] serves until Ctrl-C and prints its http URL.
"""
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHROMIUM = os.environ.get("HUIXIN_CHROMIUM", "/usr/lib/chromium/chromium")


def _read_head(sock):
    """The HTTP head (up to the blank line) and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the connection closed before the end of the HTTP head")
        data += chunk
        if len(data) > 65536:
            raise ConnectionError("HTTP head too long")
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, rest


class _Frames:
    """Reads whole websocket frames from a socket: (raw bytes, fin, opcode, unmasked payload)."""

    def __init__(self, sock, pending=b""):
        self.sock, self.buf = sock, pending

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk

    def next(self):
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        mask = None
        if b1 & 0x80:
            self._need(at + 4)
            mask, at = self.buf[at:at + 4], at + 4
        self._need(at + n)
        raw, payload = self.buf[:at + n], self.buf[at:at + n]
        self.buf = self.buf[at + n:]
        if mask:
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload)) if n < 4096 else _unmask(payload, mask)
        return raw, bool(b0 & 0x80), b0 & 0x0F, payload


def _unmask(payload, mask):
    m = int.from_bytes((mask * (len(payload) // 4 + 1))[:len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ m).to_bytes(len(payload), "big")


class Dropper:
    """The fake endpoint; `url` is its http://127.0.0.1:PORT for huixin's --browser."""

    def __init__(self, upstream_ws):
        self.upstream = urllib.parse.urlsplit(upstream_ws)
        self.lock = threading.Lock()
        self.dropped = []     # (method, id, session) of every command dropped
        self.forwarded = {}   # method -> how many were relayed
        self.connections = 0
        self._rule = None
        self._seen = 0
        self._armed = set()   # (connection, session) where the marker was seen
        dropper = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                dropper._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = None

    def rule(self, method, contains=None, after=None, nth=1, count=1):
        """Drops the nth command `method` (its JSON holding `contains`, if given), and count-1 more (count 0:
        every one from then on); with after=(METHOD, TEXT) counting starts after such a command, on its
        session only. Replaces the previous rule and forgets what it counted; None: drop nothing."""
        with self.lock:
            self._rule = None if method is None else dict(method=method, contains=contains, after=after, nth=nth,
                                                          count=count)
            self._seen = 0
            self._armed = set()

    def __enter__(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # ---- one client connection
    def _serve(self, client):
        try:
            request, headers, rest = _read_head(client)
        except (ConnectionError, OSError):
            return
        parts = request.split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        if headers.get("upgrade", "").lower() == "websocket":
            self._relay(client, headers, rest)
            return
        if path.rstrip("/") == "/json/version":
            body = json.dumps({"Browser": "cdp_dropper", "Protocol-Version": "1.3",
                               "webSocketDebuggerUrl": "ws://%s/devtools/browser/dropper"
                               % self.url[len("http://"):]}).encode()
            status = "200 OK"
        else:
            body, status = b"not here\n", "404 Not Found"
        client.sendall(("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n" % (status, len(body))).encode() + body)
        client.close()

    def _relay(self, client, headers, rest):
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        try:
            up = socket.create_connection((self.upstream.hostname, self.upstream.port), timeout=10)
            up_key = base64.b64encode(os.urandom(16)).decode()
            up.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                        % (self.upstream.path, self.upstream.hostname, self.upstream.port, up_key)).encode())
            status, _, up_rest = _read_head(up)
            if " 101 " not in status + " ":
                raise ConnectionError("the browser refused the websocket: " + status)
            up.settimeout(None)
        except (ConnectionError, OSError) as ex:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            sys.stderr.write("cdp_dropper: %s\n" % ex)
            return
        client.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        with self.lock:
            self.connections += 1
            conn = self.connections

        def down():  # the browser's frames go to the client unchanged
            try:
                if up_rest:
                    client.sendall(up_rest)
                while True:
                    data = up.recv(1 << 16)
                    if not data:
                        break
                    client.sendall(data)
            except OSError:
                pass
            for s in (client, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=down, daemon=True)
        t.start()
        frames = _Frames(client, rest)
        try:
            while True:
                raw, fin, opcode, payload = frames.next()
                if fin and opcode == 1 and self._drops(conn, payload):
                    continue
                up.sendall(raw)
                if opcode == 8:
                    break
        except (ConnectionError, OSError):
            pass
        for s in (client, up):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        t.join(5)
        client.close()
        up.close()

    def _drops(self, conn, payload):
        try:
            msg = json.loads(payload.decode("utf-8"))
            method, session = msg.get("method"), msg.get("sessionId")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return False
        text = payload.decode("utf-8")
        with self.lock:
            r = self._rule
            drop = False
            if r is not None:
                if r["after"] and method == r["after"][0] and (r["after"][1] or "") in text:
                    self._armed.add((conn, session))
                armed = not r["after"] or (conn, session) in self._armed
                if armed and method == r["method"] and (r["contains"] is None or r["contains"] in text):
                    self._seen += 1
                    last = r["nth"] + r["count"] - 1
                    drop = self._seen >= r["nth"] and (r["count"] == 0 or self._seen <= last)
            if drop:
                self.dropped.append((method, msg.get("id"), session))
            else:
                self.forwarded[method] = self.forwarded.get(method, 0) + 1
            return drop


class Chromium:
    """A headless Chromium of its own (a private profile under work_dir), for `with`: gives its browser
    websocket URL; killed with its renderers on exit."""

    def __init__(self, work_dir, name="dropper"):
        self.profile = tempfile.mkdtemp(prefix="chromium-%s-" % name, dir=work_dir)
        self.p = None

    def __enter__(self):
        args = [CHROMIUM, "--headless", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=" + self.profile, "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-dev-shm-usage", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                with open(port_file) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    return "ws://127.0.0.1:%s%s" % (lines[0].strip(), lines[1].strip())
            except OSError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("chromium did not write DevToolsActivePort")

    def __exit__(self, *exc):
        if self.p:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: cdp_dropper.py WS_URL METHOD [NTH [COUNT]]\n")
        return 2
    with Dropper(argv[1]) as d:
        d.rule(argv[2], nth=int(argv[3]) if len(argv) > 3 else 1, count=int(argv[4]) if len(argv) > 4 else 1)
        print(d.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
