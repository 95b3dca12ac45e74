#!/usr/bin/env python3
"""The identity sites see (issue 17, browser identity): a real headless Chromium behind a WAF that turns
away HeadlessChrome, as many portals' firewalls do (tests/integration/pages/serve.py, /waf/).

  default     `huixin capture` passes the WAF: the page sees a desktop Chrome user agent and client hints
              (no HeadlessChrome), zh-CN (navigator and the Accept-Language header) and Asia/Shanghai,
              navigator.webdriver false;
              meta.json records the identity used
  headless    the same page with --user-agent saying HeadlessChrome is turned away (403): the WAF is real
  given       --language and --timezone are what the page sees and what meta.json records
  bad         a wrong --language, --timezone or --user-agent is refused before any browser starts
  submit      a letter sent through the WAF: the submit visit's meta.json records the identity
Last line: N passed, N failed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import ROOT, HUIXIN, Tally  # noqa: E402

T = Tally("identity")
check = T.check
HEADLESS_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 "
               "Safari/537.36")


def start_pages():
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "integration", "pages", "serve.py")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return p, json.loads(p.stdout.readline())["a"]


def capture(tmp, name, url, *args):
    out = os.path.join(tmp, name)
    p = subprocess.run([HUIXIN, "capture", url, "-o", out, "--timeout", "20"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    meta, seen, text = {}, {}, ""
    try:
        with open(os.path.join(out, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        with open(os.path.join(out, "page.txt"), encoding="utf-8") as f:
            text = f.read()
        line = next((ln for ln in text.splitlines() if ln.startswith("{")), "{}")
        seen = json.loads(line)
    except (OSError, ValueError):
        pass
    return p.returncode, meta, seen, text, p.stdout + p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-identity-")
    server, port = start_pages()
    url = "http://127.0.0.1:%d/waf/identity.html" % port
    try:
        code, meta, seen, text, out = capture(tmp, "default", url)
        ident = meta.get("identity", {})
        check(code == 0 and meta.get("http_status") == 200, "default: the page behind the WAF is captured",
              out + text[:300])
        ua = seen.get("user_agent", "")
        check("Chrome/" in ua and "Headless" not in ua, "default: the page sees a desktop Chrome user agent", ua)
        check(seen.get("brands") and not any("Headless" in b for b in seen.get("brands", [])),
              "default: the client hints' brands do not say HeadlessChrome", str(seen.get("brands")))
        check(seen.get("language") == "zh-CN" and "Accept-Language: zh-CN" in text,
              "default: the page and the request headers say zh-CN", text[:400])
        check(seen.get("timezone") == "Asia/Shanghai" and seen.get("hour_of_epoch") == 8,
              "default: the page's clock is in Asia/Shanghai", str(seen))
        check(seen.get("webdriver") is False, "default: navigator.webdriver is false, as in a person's Chromium",
              str(seen))
        check(ident == {"user_agent": ua, "language": "zh-CN", "timezone": "Asia/Shanghai"},
              "default: meta.json records the identity the page saw", json.dumps(ident, ensure_ascii=False))

        code, meta, seen, text, out = capture(tmp, "headless", url, "--user-agent", HEADLESS_UA)
        check(meta.get("http_status") == 403 and "访问被拒绝" in text,
              "headless: a user agent saying HeadlessChrome is turned away by the WAF", out + text[:300])
        check(meta.get("identity", {}).get("user_agent") == HEADLESS_UA,
              "headless: meta.json records the user agent given", json.dumps(meta.get("identity")))

        code, meta, seen, text, out = capture(tmp, "given", url, "--language", "en-GB", "--timezone", "Europe/London")
        check(code == 0 and seen.get("language") == "en-GB" and "Accept-Language: en-GB" in text,
              "given: --language is what the page and the headers say", text[:400])
        check(seen.get("timezone") == "Europe/London" and meta.get("identity", {}).get("timezone") == "Europe/London",
              "given: --timezone is the page's zone and is recorded", str(seen) + json.dumps(meta.get("identity")))

        for opt, value, want in (("--language", "zh_CN", "--language 'zh_CN': expected a language tag"),
                                 ("--timezone", "Asia Shanghai", "--timezone 'Asia Shanghai': expected a time zone"),
                                 ("--user-agent", "浏览器", "--user-agent '浏览器': expected 1 to 512 printable")):
            p = subprocess.run([HUIXIN, "capture", url, "-o", os.path.join(tmp, "bad"), opt, value],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
            check(p.returncode == 2 and want in p.stderr and not os.path.exists(os.path.join(tmp, "bad")),
                  "bad: %s %s is refused (exit 2), nothing captured" % (opt, value), p.stderr)

        sc = {"huixin_scenario": 1, "site": {"name": "防火墙后的信箱", "entry_url": "${base_url}/waf/identity.html"},
              "submit": {"steps": [{"goto": "${base_url}/waf/identity.html"}, {"fill": "#title", "value": "来信"},
                                   {"click": "#send", "final": True}],
                         "success": {"text": ["提交成功"]}}}
        path = os.path.join(tmp, "waf.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(sc, f, ensure_ascii=False)
        evidence = os.path.join(tmp, "evidence")
        p = subprocess.run([HUIXIN, "submit", path, "--store", os.path.join(tmp, "l.db"), "--evidence", evidence,
                            "--var", "base_url=http://127.0.0.1:%d" % port, "--var", "letter.name=李明",
                            "--var", "letter.phone=13812345678"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=150)
        metas = [os.path.join(d, "meta.json") for d, _, files in os.walk(evidence) if "meta.json" in files]
        idents = []
        for m in metas:
            with open(m, encoding="utf-8") as f:
                idents.append(json.load(f).get("identity"))
        check(p.returncode == 0 and '"submitted"' in p.stdout, "submit: the letter goes out through the WAF",
              p.stdout + p.stderr)
        check(len(idents) == 1 and idents[0] and idents[0].get("timezone") == "Asia/Shanghai"
              and "Headless" not in idents[0].get("user_agent", "x Headless"),
              "submit: the visit's meta.json records the identity", json.dumps(idents, ensure_ascii=False))
    finally:
        server.stdin.close()
        server.kill()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(T.finish())


if __name__ == "__main__":
    main()
