#!/usr/bin/env python3
"""huixin's fixture mailbox sites: one process, each site on its own 127.0.0.1 port, plus a control API.

usage: server.py [--state DIR] [--host 127.0.0.1] [--base-port 0] [--ports-file FILE] [-v]

Prints the bound ports as one JSON line on stdout, e.g. {"control": 41234, "hanweb": 41235, ...}.
Stops cleanly (exit 0, state saved) on SIGTERM or SIGINT.
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import control  # noqa: E402
import httpbase  # noqa: E402
import imap  # noqa: E402
import store  # noqa: E402
from families import board, gbk, guestbook, hanweb, iframe, spa  # noqa: E402

# Port JSON key -> handler, in the order used with --base-port N (N, N+1, ...).
SITES = (
    ("control", control.Handler),
    ("hanweb", hanweb.Handler),
    ("gbk", gbk.Handler),
    ("spa", spa.Handler),
    ("iframe-city", iframe.CityHandler),
    ("iframe-platform", iframe.PlatformHandler),
    ("board", board.Handler),
    ("guestbook", guestbook.Handler),  # added last: earlier keys keep their --base-port offsets
    ("hanweb-https", hanweb.Handler),  # the hanweb family again, over HTTPS with a self-signed certificate
)
# The servers that speak HTTPS, with their certificate and key (tests/sites/README.md says how they were made).
HERE = os.path.dirname(os.path.abspath(__file__))
TLS = {"hanweb-https": (os.path.join(HERE, "tls-selfsigned.pem"), os.path.join(HERE, "tls-selfsigned.key"))}
# The mailbox the sites mail query codes and replies to (mailer.py), served over IMAP after the sites, in
# this order: "imap" plain (loopback only, no STARTTLS), "imaps" TLS with the certificate above.
IMAP_SERVERS = (("imap", False), ("imaps", True))
NAMERS = {"hanweb": hanweb.namer, "gbk": gbk.namer, "spa": spa.namer, "iframe": iframe.namer,
          "board": board.namer, "guestbook": guestbook.namer}


def parse_args(argv):
    p = argparse.ArgumentParser(description="huixin fixture mailbox sites")
    p.add_argument("--state", metavar="DIR",
                   help="directory for sites.json (default: a temp dir, removed at exit)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--base-port", type=int, default=0, metavar="N",
                   help="bind sites on N, N+1, ... in the order %s; 0 = any free ports"
                        % ", ".join(k for k, _ in SITES))
    p.add_argument("--ports-file", metavar="FILE", help="also write the ports JSON to FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    state_dir = args.state or tempfile.mkdtemp(prefix="huixin-sites-")
    os.makedirs(state_dir, exist_ok=True)
    try:
        return serve(args, state_dir)
    finally:
        if not args.state:  # nobody can find a temp state again: do not leave it behind
            shutil.rmtree(state_dir, ignore_errors=True)


def serve(args, state_dir):
    try:
        st = store.Store(state_dir, NAMERS)
    except (OSError, ValueError) as e:
        print("server.py: cannot load state from %r: %s" % (state_dir, e), file=sys.stderr)
        return 1
    ctx = httpbase.Context(st, verbose=args.verbose)
    servers = []
    try:
        for i, (name, handler) in enumerate(SITES):
            port = args.base_port + i if args.base_port else 0
            if name in TLS:
                srv = httpbase.TlsServer((args.host, port), handler, ctx, *TLS[name])
            else:
                srv = httpbase.Server((args.host, port), handler, ctx)
            ctx.ports[name] = srv.server_address[1]
            servers.append(srv)
        for j, (name, is_tls) in enumerate(IMAP_SERVERS):
            port = args.base_port + len(SITES) + j if args.base_port else 0
            cert = TLS["hanweb-https"] if is_tls else (None, None)
            srv = imap.ImapServer((args.host, port), st.mailbox, *cert, verbose=args.verbose)
            ctx.ports[name] = srv.server_address[1]
            servers.append(srv)
    except OSError as e:
        print("server.py: cannot bind %s:%s: %s" % (args.host, port, e), file=sys.stderr)
        for srv in servers:
            srv.server_close()
        return 1
    line = json.dumps(ctx.ports)
    if args.ports_file:
        tmp = args.ports_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, args.ports_file)
    if args.verbose:
        print("server.py: state in %s" % state_dir, file=sys.stderr)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = [threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for srv in servers]
    for t in threads:
        t.start()
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    st.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
