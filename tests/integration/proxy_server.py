#!/usr/bin/env python3
"""Fixture proxies for tests/integration/test_proxy.py (issue 17, gate 7), Python standard library only,
on 127.0.0.1:

  HttpProxy    an HTTP proxy: plain requests in absolute form are forwarded (one request per connection,
               "Connection: close" both ways), CONNECT opens a tunnel; with credentials, a request
               without the right "Proxy-Authorization: Basic ..." gets 407 with Proxy-Authenticate.
  Socks5Proxy  a SOCKS5 proxy without authentication (method 0 only): CONNECT to an IPv4 address, a name
               or an IPv6 address, then the bytes both ways.

Both take hosts={"name": "address"}: names only the proxy can resolve (a test site that cannot be reached
without the proxy: a direct connection fails at the name lookup).

Each keeps a log of everything it carried (`.log`, a list of dicts, oldest first, guarded by a lock):
  HTTP:   {"kind": "http"|"connect", "target": URL or HOST:PORT, "authorized": bool, "status": 407|...,
           "forwarded_secret": bool, "user_agent": its User-Agent header or None}
           (forwarded_secret: the password, or the Basic token of the credentials, was in what the proxy
           passed on to the site: its headers or body; a proxy never forwards Proxy-Authorization, so
           this is the browser giving the proxy's credentials to the site)
  SOCKS5: {"kind": "socks5", "target": "HOST:PORT"}
Used as context managers:
    with HttpProxy(credentials=("user", "pass")) as hp:   # hp.port, hp.url ("http://127.0.0.1:PORT")
        ...
Run alone (python3 proxy_server.py [--user U --password P] [--socks]) it prints the URL and serves until
killed, logging to stderr.
"""
import base64
import select
import socket
import socketserver
import sys
import threading

RELAY_IDLE_S = 60


def _relay(a, b):
    """Copies bytes both ways until one side closes or both are idle for RELAY_IDLE_S."""
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], RELAY_IDLE_S)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return


def _read_head(sock):
    """The request head (bytes up to and including the blank line) and what came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
        if len(data) > 1 << 20:
            return None, b""
    head, rest = data.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Base:
    handler = None

    def __init__(self, hosts=None):
        self.hosts = dict(hosts or {})
        self.log, self.lock = [], threading.Lock()
        owner = self

        class H(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    owner._handle(self.request)
                except OSError:
                    pass

        self.server = _Server(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def record(self, entry):
        with self.lock:
            self.log.append(entry)
        if __name__ == "__main__":
            print(entry, file=sys.stderr, flush=True)

    def resolve(self, host):
        return self.hosts.get(host.lower(), host)

    def entries(self):
        with self.lock:
            return list(self.log)


class HttpProxy(_Base):
    def __init__(self, credentials=None, hosts=None):
        super().__init__(hosts)
        self.credentials = credentials
        self.url = "http://127.0.0.1:%d" % self.port
        self.secrets = []
        if credentials:
            token = base64.b64encode(("%s:%s" % credentials).encode()).decode()
            self.secrets = [credentials[1].encode(), token.encode()]

    def _authorized(self, headers):
        if not self.credentials:
            return True
        want = "Basic " + base64.b64encode(("%s:%s" % self.credentials).encode()).decode()
        return headers.get("proxy-authorization", "") == want

    def _handle(self, conn):
        head, rest = _read_head(conn)
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        kind = "connect" if method == "CONNECT" else "http"
        ua = headers.get("user-agent")
        if not self._authorized(headers):
            self.record({"kind": kind, "target": target, "authorized": False, "status": 407,
                         "forwarded_secret": False, "user_agent": ua})
            body = b"proxy authentication required"
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"huixin-test-proxy\"\r\n"
                         b"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(body), body))
            return
        if kind == "connect":
            host, _, port = target.rpartition(":")
            try:
                up = socket.create_connection((self.resolve(host.strip("[]")), int(port)), timeout=10)
            except (OSError, ValueError):
                self.record({"kind": kind, "target": target, "authorized": True, "status": 502,
                             "forwarded_secret": False, "user_agent": ua})
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            self.record({"kind": kind, "target": target, "authorized": True, "status": 200,
                         "forwarded_secret": False, "user_agent": ua})
            conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                up.sendall(rest)
            up.settimeout(None)
            _relay(conn, up)
            up.close()
            return
        # a plain request: absolute form http://host:port/path
        if not target.startswith("http://"):
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        hostport, _, path = target[7:].partition("/")
        host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "80")
        length = int(headers.get("content-length", "0") or 0)
        body = rest
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        out = ["%s /%s HTTP/1.1" % (method, path)]
        for line in lines[1:]:
            if not line or ":" not in line:
                continue
            k = line.split(":", 1)[0].strip().lower()
            if k in ("proxy-authorization", "proxy-connection", "connection", "keep-alive"):
                continue
            out.append(line)
        out.append("Connection: close")
        forwarded = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body
        secret = any(s in forwarded for s in self.secrets)
        try:
            up = socket.create_connection((self.resolve(host), int(port)), timeout=10)
        except (OSError, ValueError):
            self.record({"kind": kind, "target": target, "authorized": True, "status": 502,
                         "forwarded_secret": secret, "user_agent": ua})
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.record({"kind": kind, "target": target, "authorized": True, "status": 0,
                     "forwarded_secret": secret, "user_agent": ua})
        up.sendall(forwarded)
        up.settimeout(None)
        # the answer as it comes; "Connection: close" made the site end it
        while True:
            ready, _, _ = select.select([up], [], [], RELAY_IDLE_S)
            if not ready:
                break
            data = up.recv(65536)
            if not data:
                break
            conn.sendall(data)
        up.close()


class Socks5Proxy(_Base):
    def __init__(self, hosts=None):
        super().__init__(hosts)
        self.url = "socks5://127.0.0.1:%d" % self.port

    @staticmethod
    def _exact(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _handle(self, conn):
        ver, nmethods = self._exact(conn, 2)
        methods = self._exact(conn, nmethods)
        if ver != 5 or 0 not in methods:
            conn.sendall(b"\x05\xff")
            return
        conn.sendall(b"\x05\x00")
        ver, cmd, _rsv, atyp = self._exact(conn, 4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, self._exact(conn, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, self._exact(conn, 16))
        elif atyp == 3:
            host = self._exact(conn, self._exact(conn, 1)[0]).decode("latin-1")
        else:
            conn.sendall(b"\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        port = int.from_bytes(self._exact(conn, 2), "big")
        target = "%s:%d" % (host, port)
        if cmd != 1:
            conn.sendall(b"\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        try:
            up = socket.create_connection((self.resolve(host), port), timeout=10)
        except OSError:
            self.record({"kind": "socks5", "target": target, "status": "refused"})
            conn.sendall(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        self.record({"kind": "socks5", "target": target, "status": "ok"})
        conn.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + up.getsockname()[1].to_bytes(2, "big"))
        up.settimeout(None)
        _relay(conn, up)
        up.close()


def main():
    args = sys.argv[1:]
    if "--socks" in args:
        proxy = Socks5Proxy()
    else:
        cred = None
        if "--user" in args and "--password" in args:
            cred = (args[args.index("--user") + 1], args[args.index("--password") + 1])
        proxy = HttpProxy(cred)
    with proxy:
        print(proxy.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
