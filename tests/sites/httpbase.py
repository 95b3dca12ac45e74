"""What every fixture site's request handler shares: routing, injected failures, forms, cookies, replies."""
import http.cookies
import http.server
import json
import re
import secrets
import socket
import ssl
import struct
import sys
import time
import traceback
import urllib.parse

import common_html


class Context:
    """Shared by all servers of one process: the store, the bound ports, the verbosity."""

    def __init__(self, store, verbose=False):
        self.store = store
        self.ports = {}
        self.verbose = verbose


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, ctx):
        self.ctx = ctx
        super().__init__(addr, handler)


class TlsServer(Server):
    """A Server speaking HTTPS with a certificate chosen by the test (tls-selfsigned.pem: self-signed, for
    127.0.0.1 and localhost). The handshake is made in the request's own thread, bounded by a timeout, so a
    client that connects and says nothing (or refuses the certificate, as a strict browser does) holds up
    nobody; such a connection is dropped quietly."""

    def __init__(self, addr, handler, ctx, certfile, keyfile):
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(certfile, keyfile)
        super().__init__(addr, handler, ctx)

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def process_request_thread(self, request, client_address):
        try:
            request.settimeout(10)
            request.do_handshake()
            request.settimeout(None)
        except (OSError, ssl.SSLError):
            self.shutdown_request(request)
            return
        super().process_request_thread(request, client_address)


class SiteHandler(http.server.BaseHTTPRequestHandler):
    server_name = ""      # key in the ports JSON and in failure injection
    family = ""           # letter store family
    charset = "utf-8"
    routes = {}           # path -> method name (handles GET and POST)
    server_version = "nginx"
    sys_version = ""
    protocol_version = "HTTP/1.0"

    # ---- plumbing ----
    @property
    def ctx(self):
        return self.server.ctx

    @property
    def store(self):
        return self.server.ctx.store

    def log_message(self, fmt, *args):
        if self.ctx.verbose:
            sys.stderr.write("[%s] %s %s\n" % (self.server_name, self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        self.url_path = split.path
        self.params = {k: v[-1] for k, v in urllib.parse.parse_qs(
            split.query, keep_blank_values=True, encoding=self.charset, errors="replace").items()}
        spec = self.store.take_failure(self.server_name, self.path)
        if spec and spec["mode"] == "reset":
            self.reset_connection()
            return
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length > 0 else b""
        if spec:
            if spec["mode"] == "slow":
                time.sleep(float(spec.get("delay", 5)))
            elif spec["mode"] == "500":
                return self.send_page(common_html.error_500(), status=500, charset="utf-8")
            elif spec["mode"] == "waf":
                return self.send_page(common_html.waf_page(), status=int(spec.get("status", 403)),
                                      charset="utf-8")
        name = self.routes.get(self.url_path)
        if name is None:
            return self.not_found()
        try:
            getattr(self, name)()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:  # a fixture bug: say so loudly, answer 500 rather than drop the connection
            traceback.print_exc()
            self.send_page(common_html.error_500(), status=500, charset="utf-8")

    def reset_connection(self):
        """Close the socket without a response: RST, as a crashed proxy or a dropped route would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # really closed (RST) once rfile lets go of it, before any FIN
        except OSError:
            pass
        self.wfile = _NullWriter()

    def not_found(self):
        self.send_page(common_html.not_found_page(), status=404, charset="utf-8")

    # ---- input ----
    def form(self):
        """The POSTed (or GET) fields as str -> str; files as {'filename', 'size'} under their name."""
        ctype = self.headers.get("Content-Type", "")
        fields = dict(self.params)
        if self.command != "POST":
            return fields
        if ctype.startswith("multipart/form-data"):
            fields.update(parse_multipart(self.body, ctype, self.charset))
        elif ctype.startswith("application/json"):
            try:
                data = json.loads(self.body.decode("utf-8") or "{}")
            except ValueError:
                data = {}
            if isinstance(data, dict):
                fields.update(data)
        else:
            parsed = urllib.parse.parse_qs(self.body.decode("latin-1"), keep_blank_values=True,
                                           encoding=self.charset, errors="replace")
            fields.update({k: v[-1] for k, v in parsed.items()})
        return fields

    def cookie(self, name):
        jar = http.cookies.SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return None
        return jar[name].value if name in jar else None

    def session(self, cookie_name="JSESSIONID"):
        """(session id, Set-Cookie header or None): a new session when the browser has none."""
        sid = self.cookie(cookie_name)
        if sid:
            return sid, None
        sid = secrets.token_hex(16).upper()
        return sid, "%s=%s; Path=/; HttpOnly" % (cookie_name, sid)

    # ---- output ----
    def send_bytes(self, data, ctype, status=200, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            if v is not None:
                self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_page(self, text, status=200, headers=None, charset=None):
        charset = charset or self.charset
        self.send_bytes(text.encode(charset, errors="xmlcharrefreplace"),
                        "text/html; charset=%s" % charset, status, headers)

    def send_json(self, obj, status=200, headers=None):
        self.send_bytes(json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                        "application/json; charset=utf-8", status, headers)

    def redirect(self, location, status=302):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def parse_multipart(body, ctype, charset):
    """multipart/form-data fields; names and values decoded with the page's charset (GBK pages send GBK)."""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    fields = {}
    if not m:
        return fields
    for part in body.split(b"--" + m.group(1).encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.partition(b"\r\n\r\n")
        head = head.decode(charset, errors="replace")
        name = re.search(r'\bname="([^"]*)"', head)
        if not name:
            continue
        value = value[:-2] if value.endswith(b"\r\n") else value
        filename = re.search(r'\bfilename="([^"]*)"', head)
        if filename:
            fields[name.group(1)] = {"filename": filename.group(1), "size": len(value)}
        else:
            fields[name.group(1)] = value.decode(charset, errors="replace")
    return fields


class _NullWriter:
    def write(self, data):
        return len(data)

    def flush(self):
        pass

    def close(self):
        pass

    closed = False
