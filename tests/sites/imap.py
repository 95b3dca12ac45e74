"""A minimal IMAP4rev1 server over the fixture mailbox (mailer.Mailbox): what huixin's mail steps (libcurl)
need, and no more. Standard library only.

  CAPABILITY, NOOP, LOGOUT, LOGIN (user USER, password PASSWORD below; no AUTH= is offered, so clients
  log in with LOGIN), SELECT/EXAMINE INBOX, UID SEARCH (ALL, SINCE d-Mon-yyyy, TEXT "s", several ANDed),
  UID FETCH n BODY[] / BODY.PEEK[] / RFC822 (and FETCH by sequence number the same way).

ImapServer(addr, mailbox) speaks plain IMAP (imap://, no STARTTLS: loopback only); with certfile/keyfile
it speaks TLS from the first byte (imaps://), the handshake made in the connection's thread.
"""
import datetime
import re
import socketserver
import ssl

USER = "letters@huixin.test"
PASSWORD = "imap-secret"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tokens(text):
    """IMAP arguments: atoms, "quoted strings" (with \\ escapes), (lists) kept whole."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == " ":
            i += 1
        elif c == '"':
            j, s = i + 1, ""
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                s += text[j]
                j += 1
            out.append(s)
            i = j + 1
        elif c == "(":
            depth, j = 0, i
            while j < len(text):
                depth += text[j] == "("
                depth -= text[j] == ")"
                j += 1
                if depth == 0:
                    break
            out.append(text[i:j])
            i = j
        else:
            j = text.find(" ", i)
            j = len(text) if j < 0 else j
            out.append(text[i:j])
            i = j
    return out


def parse_date(s):
    m = re.fullmatch(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", s)
    if not m or m.group(2).title() not in MONTHS:
        raise ValueError(s)
    return datetime.date(int(m.group(3)), MONTHS.index(m.group(2).title()) + 1, int(m.group(1)))


def search(messages, args):
    """The messages matching every criterion of args (ALL, SINCE, TEXT); ValueError on others."""
    keep = list(messages)
    i = 0
    while i < len(args):
        key = args[i].upper()
        if key == "ALL":
            i += 1
        elif key == "SINCE":
            day = parse_date(args[i + 1])
            keep = [m for m in keep if m["date"] >= day]
            i += 2
        elif key in ("TEXT", "BODY", "SUBJECT"):
            needle = args[i + 1].encode("utf-8").lower()
            keep = [m for m in keep if needle in m["raw"].lower()]
            i += 2
        else:
            raise ValueError("unsupported search key %r" % args[i])
    return keep


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def setup(self):
        if self.server.tls:
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def send(self, line):
        self.wfile.write(line.encode("utf-8") + b"\r\n")

    def handle(self):
        authed, selected = False, False
        self.send("* OK [CAPABILITY IMAP4rev1] huixin fixture IMAP ready")
        while True:
            try:
                raw = self.rfile.readline(65536)
            except (OSError, ssl.SSLError):
                return
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            parts = line.split(" ", 2)
            if len(parts) < 2:
                self.send("* BAD no command")
                continue
            tag, cmd = parts[0], parts[1].upper()
            rest = parts[2] if len(parts) > 2 else ""
            if self.server.verbose:
                shown = "LOGIN ***" if cmd == "LOGIN" else "%s %s" % (cmd, rest)
                print("imap: %s" % shown, flush=True)
            if cmd == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send("%s OK CAPABILITY completed" % tag)
            elif cmd == "NOOP":
                self.send("%s OK NOOP completed" % tag)
            elif cmd == "LOGOUT":
                self.send("* BYE logging out")
                self.send("%s OK LOGOUT completed" % tag)
                return
            elif cmd == "LOGIN":
                args = tokens(rest)
                if len(args) == 2 and args[0] == USER and args[1] == PASSWORD:
                    authed = True
                    self.send("%s OK LOGIN completed" % tag)
                else:
                    self.send("%s NO [AUTHENTICATIONFAILED] invalid credentials" % tag)
            elif not authed:
                self.send("%s BAD log in first" % tag)
            elif cmd in ("SELECT", "EXAMINE"):
                box = (tokens(rest) or [""])[0]
                if box.upper() != "INBOX":
                    self.send("%s NO no such mailbox" % tag)
                    continue
                msgs = self.server.mailbox.snapshot()
                selected = True
                self.send("* FLAGS (\\Seen)")
                self.send("* %d EXISTS" % len(msgs))
                self.send("* 0 RECENT")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send("* OK [UIDNEXT %d] next" % self.server.mailbox.next_uid)
                self.send("%s OK [%s] %s completed" % (tag, "READ-ONLY" if cmd == "EXAMINE" else "READ-WRITE", cmd))
            elif not selected:
                self.send("%s BAD select a mailbox first" % tag)
            elif cmd == "UID" or cmd in ("FETCH", "SEARCH"):
                is_uid = cmd == "UID"
                if is_uid:
                    sub = rest.split(" ", 1)
                    cmd, rest = sub[0].upper(), sub[1] if len(sub) > 1 else ""
                msgs = self.server.mailbox.snapshot()
                if cmd == "SEARCH":
                    try:
                        found = search(msgs, tokens(rest))
                    except (ValueError, IndexError) as e:
                        self.send("%s BAD %s" % (tag, e))
                        continue
                    ids = [m["uid"] if is_uid else msgs.index(m) + 1 for m in found]
                    self.send("* SEARCH" + "".join(" %d" % n for n in ids))
                    self.send("%s OK SEARCH completed" % tag)
                elif cmd == "FETCH":
                    args = tokens(rest)
                    if len(args) < 2 or not args[0].isdigit():
                        self.send("%s BAD FETCH needs one number and items" % tag)
                        continue
                    n = int(args[0])
                    for seq, m in enumerate(msgs, 1):
                        if (m["uid"] if is_uid else seq) != n:
                            continue
                        item = "RFC822" if "RFC822" in args[1].upper() else "BODY[]"
                        self.wfile.write(("* %d FETCH (UID %d %s {%d}\r\n" % (seq, m["uid"], item, len(m["raw"]))
                                          ).encode("ascii") + m["raw"] + b")\r\n")
                    self.send("%s OK FETCH completed" % tag)
                else:
                    self.send("%s BAD unsupported UID command" % tag)
            else:
                self.send("%s BAD unsupported command %s" % (tag, cmd))


class ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, mailbox, certfile=None, keyfile=None, verbose=False):
        self.mailbox = mailbox
        self.verbose = verbose
        self.tls = None
        if certfile:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(certfile, keyfile)
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        """A client that hangs up mid-handshake (a port probe) is nobody's business unless -v."""
        if self.verbose:
            super().handle_error(request, client_address)
