#!/usr/bin/env python3
"""Proxies (issue 17, gate 7): the fixture's hanweb family visited through the fixture proxies of
tests/integration/proxy_server.py (an HTTP proxy with Basic credentials, a SOCKS5 proxy without), a real
headless Chromium. The fixtures are on 127.0.0.1, which Chromium would not send through a proxy: the
visits' "<-loopback>" bypass rule makes it, and every check below that reads the proxy's log shows it.

  http       submit with --proxy http://... --proxy-credentials FILE (0600): sent; the proxy carried the
             write page and the post that sends the letter, first answering 407, then authorised; check
             (found, 待回复), a reply, check again (当日回复); the credentials never went to the site
             (nothing the proxy passed on held them); every meta.json records the proxy (scheme, host,
             port, credentials true, by "command line") and never the password
  401        a site's own 401 through the proxy: the browser never answers it with the proxy's credentials
  tls        an https site (site.tls accept) under a name only the proxies can resolve (so nothing can reach
             it directly), through the HTTP proxy and through the SOCKS5 one: sent and checked, and
             huixin's own certificate probe read the certificate through the proxy (meta.json has it; a
             direct handshake would have failed at the name lookup): for the HTTP proxy, a CONNECT
             without a browser's User-Agent
  socks5     submit and check through the SOCKS5 proxy: its log shows the site's connections
  scenario   site.proxy beats --proxy (by "scenario"); site.proxy "direct" turns it off (no proxy in meta.json)
  refused    a credentials file of mode 0644 (and a link to one) is refused before anything is visited,
             naming the file and the mode; credentials for a SOCKS5 proxy are refused
  dead       a proxy that is not there: a submission is not sent (the site got nothing), a check is a
             failed visit (无法核实 material, never a miss), the letter never 信件被删除
Last line: N passed, N failed.
"""
import http.server
import json
import os
import shutil
import socket
import sys
import tempfile
import threading

from harness import Sites, Tally, Workspace, site_letters  # noqa: E402
from proxy_server import HttpProxy, Socks5Proxy  # noqa: E402

T = Tally("proxy")
check = T.check
FIELDS = ["--var", "letter.name=李明", "--var", "letter.phone=13812345678", "--var", "letter.email=liming@example.cn"]
USER, PASSWORD = "inspector", "Pr0xy-s3cret"
HIDDEN = "mailbox.huixin-proxy.test"  # resolved by the fixture proxies only


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Origin401:
    """A site whose every page asks for its own credentials (401, Basic); keeps the Authorization headers
    it was sent."""

    def __init__(self):
        self.authorizations = []
        owner = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.authorizations.append(self.headers.get("Authorization"))
                body = b"<html><body>401 login required</body></html>"
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="site"')
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-proxy-")
    try:
        cred = os.path.join(tmp, "proxy.cred")
        with open(cred, "w") as f:
            f.write("%s:%s\n" % (USER, PASSWORD))
        os.chmod(cred, 0o600)
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites, \
                HttpProxy(credentials=(USER, PASSWORD), hosts={HIDDEN: "127.0.0.1"}) as hp, \
                Socks5Proxy(hosts={HIDDEN: "127.0.0.1"}) as sp:
            w = Workspace(os.path.join(tmp, "w"), sites)
            hanweb = w.server_url("hanweb")
            hanweb_port = int(hanweb.rsplit(":", 1)[1])
            base = "base_url=" + hanweb
            via_http = ["--proxy", hp.url, "--proxy-credentials", cred]

            def fast(sc):
                sc["site"]["pacing_seconds"] = 0

            plain = w.scenario("plain.json", "hanweb-jact.json", fast)

            # ---- http: sent and checked through the proxy, with credentials
            code, out, err = w.huixin("submit", plain, "--var", base, "--site-key", "px-http", "--captcha",
                                      w.captcha("hanweb"), *via_http, *FIELDS)
            check(code == 0, "http: the letter is sent through the proxy", "exit %d: %s %s" % (code, out, err[-800:]))
            res = json.loads(out) if code == 0 else {}
            lid = res.get("letter_id", -1)
            on_site = site_letters(sites, res.get("token", "-")) if res else []
            check(len(on_site) == 1, "http: the site received the letter", on_site)
            log = hp.entries()
            carried = [x["target"] for x in log if x["authorized"]]
            check(any(x["status"] == 407 for x in log), "http: the proxy asked for credentials (407)", log[:3])
            check(any("/mailwrite.do" in t for t in carried) and any("/mailsubmit.do" in t for t in carried),
                  "http: the proxy carried the write page and the post that sent the letter", carried)
            # (Chromium's own autofill queries to content-autofill.googleapis.com, made by the visit's browser
            # context, go through the proxy too)
            loopback = [t for t in carried if "127.0.0.1" in t]
            check(loopback and all(t.startswith(hanweb + "/") for t in loopback),
                  "http: every loopback request it carried was the site's", carried)
            n_before = len(hp.entries())
            code, out, err = w.huixin("check", str(lid), *via_http)
            first = w.visits(lid)[-1] if lid > 0 else {}
            check(code == 0 and first.get("outcome") == 0 and not first.get("has_reply"),
                  "http: the check through the proxy finds it, no reply yet", out + err[-500:])
            check(any("/mailquery.do" in x["target"] and x["authorized"] for x in hp.entries()[n_before:]),
                  "http: the check's query went through the proxy", hp.entries()[n_before:])
            if on_site:
                sites.ctl.call("POST", "/api/letters/%s/reply" % on_site[0]["id"],
                               {"unit": "宝川市信访局", "text": "您好，来信收悉，已转相关部门办理。"})
            code, out, err = w.huixin("check", str(lid), *via_http)
            last = w.visits(lid)[-1] if lid > 0 else {}
            check(code == 0 and last.get("outcome") == 0 and last.get("has_reply"),
                  "http: after the reply the check reads it", out + err[-500:])
            st = w.status_of(lid)
            check(st.get("verdict_zh") == "当日回复", "http: the verdict is 当日回复",
                  json.dumps(st, ensure_ascii=False))
            check(hp.entries() and not any(x["forwarded_secret"] for x in hp.entries()),
                  "http: the proxy's credentials never went on to the site",
                  [x for x in hp.entries() if x["forwarded_secret"]])
            vm = w.visit_metas(lid, parse=False)
            proxies = [json.loads(m).get("proxy") for _, m in vm]
            want = {"scheme": "http", "host": "127.0.0.1", "port": hp.port, "credentials": True, "by": "command line"}
            check(len(vm) == 3 and all(p == want for p in proxies),
                  "http: every visit's meta.json records the proxy", proxies)
            check(all(PASSWORD not in m and USER not in m for _, m in vm),
                  "http: no meta.json holds the user or the password")
            ev = []
            for d, _, files in os.walk(w.evidence):
                for name in files:
                    if name.endswith((".json", ".txt")):
                        with open(os.path.join(d, name), "rb") as f:
                            ev.append(PASSWORD.encode() in f.read())
            check(ev and not any(ev), "http: no evidence file holds the password")

            # ---- a site's own 401 never gets the proxy's credentials
            origin = Origin401()
            try:
                n_before = len(hp.entries())
                code, out, err = w.huixin("capture", "http://127.0.0.1:%d/private" % origin.port, "-o",
                                          os.path.join(tmp, "cap401"), *via_http)
                carried = hp.entries()[n_before:]
                check(any("/private" in x["target"] and x["authorized"] for x in carried),
                      "401: the site's page went through the proxy", carried)
                check(origin.authorizations and not any(origin.authorizations),
                      "401: the site was never sent an Authorization (the proxy's credentials or any)",
                      origin.authorizations)
                check(not any(x["forwarded_secret"] for x in carried), "401: nothing carried held the credentials")
            finally:
                origin.close()

            # ---- tls: huixin's own certificate probe goes through the proxy too
            def accepting(sc):
                fast(sc)
                sc["site"]["tls"] = "accept"

            accept = w.scenario("accept.json", "hanweb-jact.json", accepting)
            https_port = int(w.server_url("hanweb-https").rsplit(":", 1)[1])
            hidden = "https://%s:%d" % (HIDDEN, https_port)
            try:
                socket.getaddrinfo(HIDDEN, https_port)
                check(False, "tls: the hidden name does not resolve here", HIDDEN)
            except socket.gaierror:
                pass
            for name, proxy_args, log in (("http", via_http, hp), ("socks5", ["--proxy", sp.url], sp)):
                n_before = len(log.entries())
                code, out, err = w.huixin("submit", accept, "--var", "base_url=" + hidden, "--site-key",
                                          "px-tls-" + name, "--captcha", w.captcha("hanweb"), *proxy_args, *FIELDS)
                check(code == 0, "tls (%s): the letter is sent to an https site reachable only through the proxy"
                      % name, "exit %d: %s" % (code, err[-800:]))
                lid_tls = json.loads(out).get("letter_id", -1) if code == 0 else -1
                code, out, err = w.huixin("check", str(lid_tls), *proxy_args)
                vs = w.visits(lid_tls) if lid_tls > 0 else []
                check(code == 0 and len(vs) == 2 and vs[-1]["outcome"] == 0,
                      "tls (%s): the check through the proxy finds it" % name, out + err[-500:])
                tls = [json.loads(m).get("tls", {}) for _, m in w.visit_metas(lid_tls, parse=False)]
                check(len(tls) == 2 and all(t.get("error") == "self-signed certificate" and "江屿省" in t.get(
                    "subject", "") and t.get("host") == HIDDEN for t in tls),
                    "tls (%s): huixin's certificate probe read the certificate through the proxy" % name, tls)
                if name == "http":
                    tunnels = [x for x in hp.entries()[n_before:] if x["kind"] == "connect"
                               and x["target"] == "%s:%d" % (HIDDEN, https_port) and x["authorized"]]
                    check(any(x["user_agent"] is None for x in tunnels) and any(x["user_agent"] for x in tunnels),
                          "tls (http): the probe (no User-Agent) and the browser asked the proxy for tunnels",
                          tunnels)

            # ---- socks5
            n_socks = len(sp.entries())
            code, out, err = w.huixin("submit", plain, "--var", base, "--site-key", "px-socks", "--captcha",
                                      w.captcha("hanweb"), "--proxy", sp.url, *FIELDS)
            check(code == 0, "socks5: the letter is sent through the SOCKS5 proxy", "exit %d: %s" % (code, err[-800:]))
            res = json.loads(out) if code == 0 else {}
            lid_s = res.get("letter_id", -1)
            check(len(site_letters(sites, res.get("token", "-"))) == 1 if res else False,
                  "socks5: the site received the letter")
            targets = [x["target"] for x in sp.entries()[n_socks:] if x["target"].startswith("127.0.0.1:")]
            check(targets and all(t == "127.0.0.1:%d" % hanweb_port for t in targets),
                  "socks5: the proxy carried the site's connections", sp.entries()[n_socks:])
            n_socks = len(sp.entries())
            code, out, err = w.huixin("check", str(lid_s), "--proxy", sp.url)
            v = w.visits(lid_s)[-1] if lid_s > 0 else {}
            check(code == 0 and v.get("outcome") == 0 and len(sp.entries()) > n_socks,
                  "socks5: the check through it finds the letter", out + err[-500:])
            proxies = [json.loads(m).get("proxy") for _, m in w.visit_metas(lid_s, parse=False)]
            check(proxies and all(p == {"scheme": "socks5", "host": "127.0.0.1", "port": sp.port,
                                        "credentials": False, "by": "command line"} for p in proxies),
                  "socks5: meta.json records the SOCKS5 proxy", proxies)

            # ---- the scenario's site.proxy beats the command line's; "direct" turns it off
            def by_socks(sc):
                fast(sc)
                sc["site"]["proxy"] = sp.url

            socks_sc = w.scenario("socks.json", "hanweb-jact.json", by_socks)
            n_socks, n_http = len(sp.entries()), len(hp.entries())
            code, out, err = w.huixin("submit", socks_sc, "--var", base, "--site-key", "px-scn", "--captcha",
                                      w.captcha("hanweb"), *via_http, *FIELDS)
            lid_scn = json.loads(out).get("letter_id", -1) if code == 0 else -1
            check(code == 0 and len(sp.entries()) > n_socks and len(hp.entries()) == n_http,
                  "scenario: site.proxy is used instead of --proxy", "exit %d %s" % (code, err[-500:]))
            pm = [json.loads(m).get("proxy") for _, m in w.visit_metas(lid_scn, parse=False)]
            check(pm and pm[0].get("by") == "scenario" and pm[0].get("scheme") == "socks5",
                  "scenario: meta.json says the scenario's proxy was used", pm)

            def direct(sc):
                fast(sc)
                sc["site"]["proxy"] = "direct"

            direct_sc = w.scenario("direct.json", "hanweb-jact.json", direct)
            n_socks, n_http = len(sp.entries()), len(hp.entries())
            code, out, err = w.huixin("submit", direct_sc, "--var", base, "--site-key", "px-direct", "--captcha",
                                      w.captcha("hanweb"), *via_http, *FIELDS)
            lid_d = json.loads(out).get("letter_id", -1) if code == 0 else -1
            check(code == 0 and len(sp.entries()) == n_socks and len(hp.entries()) == n_http,
                  "scenario: site.proxy \"direct\" goes without the proxy", "exit %d %s" % (code, err[-500:]))
            pm = [json.loads(m).get("proxy") for _, m in w.visit_metas(lid_d, parse=False)]
            check(pm == [None], "scenario: a direct visit's meta.json records no proxy", pm)

            # ---- refused credentials files
            loose = os.path.join(tmp, "loose.cred")
            with open(loose, "w") as f:
                f.write("%s:%s\n" % (USER, PASSWORD))
            os.chmod(loose, 0o644)
            n_http, n_letters = len(hp.entries()), len(w.letters())
            code, out, err = w.huixin("submit", plain, "--var", base, "--site-key", "px-loose", "--captcha",
                                      w.captcha("hanweb"), "--proxy", hp.url, "--proxy-credentials", loose, *FIELDS)
            check(code == 3 and loose in err and "mode 0644" in err and "0600" in err and PASSWORD not in err,
                  "refused: a credentials file of mode 0644 is refused, naming the file and the mode",
                  "exit %d: %s" % (code, err[-500:]))
            check(len(hp.entries()) == n_http and len(w.letters()) == n_letters,
                  "refused: nothing was visited or recorded")
            code, out, err = w.huixin("check", str(lid), "--proxy", hp.url, "--proxy-credentials", loose)
            check(code == 3 and "mode 0644" in err, "refused: check refuses it too", "exit %d: %s" % (code, err))
            link = os.path.join(tmp, "link.cred")
            os.symlink(cred, link)
            code, out, err = w.huixin("check", str(lid), "--proxy", hp.url, "--proxy-credentials", link)
            check(code == 3 and "symbolic link" in err and link in err, "refused: a symbolic link is refused",
                  "exit %d: %s" % (code, err))
            code, out, err = w.huixin("check", str(lid), "--proxy", sp.url, "--proxy-credentials", cred)
            check(code == 2 and "SOCKS5" in err, "refused: credentials for a SOCKS5 proxy are refused",
                  "exit %d: %s" % (code, err))
            code, out, err = w.huixin("check", str(lid), "--proxy", "http://%s:%s@127.0.0.1:%d" % (USER, PASSWORD,
                                                                                                   hp.port))
            check(code == 2 and "credentials do not go in the URL" in err and PASSWORD not in err,
                  "refused: credentials in the URL are refused without repeating them", "exit %d: %s" % (code, err))

            # ---- a proxy that is not there
            dead = "http://127.0.0.1:%d" % closed_port()
            n_visits = len(w.visits(lid))
            code, out, err = w.huixin("check", str(lid), "--proxy", dead)
            vs = w.visits(lid)
            v = vs[-1] if len(vs) > n_visits else {}
            check(v.get("outcome") == 2 and "PROXY" in (v.get("error") or "").upper(),
                  "dead: the check is a failed visit, the proxy its reason", (code, v.get("outcome"), v.get("error")))
            st = w.status_of(lid)
            check(st and "删除" not in json.dumps(st, ensure_ascii=False),
                  "dead: the letter is not 信件被删除", json.dumps(st, ensure_ascii=False))
            meta = json.loads(w.visit_metas(lid, parse=False)[-1][1])
            check(meta.get("proxy", {}).get("port") == int(dead.rsplit(":", 1)[1]),
                  "dead: the failed visit's meta.json names the proxy", meta.get("proxy"))
            n_site = len(sites.ctl.call("GET", "/api/letters?site=hanweb")["letters"])
            code, out, err = w.huixin("submit", plain, "--var", base, "--site-key", "px-dead", "--captcha",
                                      w.captcha("hanweb"), "--proxy", dead, *FIELDS)
            rows = w.rows("SELECT l.* FROM letters l JOIN sites s ON l.site_id = s.id WHERE s.key = 'px-dead'")
            check(code != 0 and len(rows) == 1 and rows[0]["submitted_at_ms"] == 0,
                  "dead: a submission through it is not sent", "exit %d: %s" % (code, err[-500:]))
            check(len(sites.ctl.call("GET", "/api/letters?site=hanweb")["letters"]) == n_site,
                  "dead: the site got nothing")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
