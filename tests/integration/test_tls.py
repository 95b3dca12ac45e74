#!/usr/bin/env python3
"""Certificate errors (issue 17, gate 6): the fixture's hanweb family again over HTTPS with a self-signed
certificate (tests/sites/tls-selfsigned.pem, subject 江屿省<测试>&证书中心), a real headless Chromium.

  strict     the library's hanweb scenario as it is (site.tls strict, the default): the browser stops at
             the certificate, the letter is not sent (the exit code of a site that cannot be reached),
             nothing reaches the site, the visit failed; meta.json "tls" records the certificate and
             "self-signed certificate", policy strict, accepted false; the letter is never 信件被删除
  accept     the same scenario with site.tls "accept": the letter is sent, checked (found, 待回复), and
             after a reply through the control API checked again (已回复); every visit's meta.json says
             the certificate did not verify and the visit went on past it
  report     the HTML report shows both findings with the subject escaped, and what each visit did; the
             JSON report has them per visit
  bad key    site.tls "maybe" is refused by `huixin lint`, naming the file, the line and what was expected
Last line: N passed, N failed.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

from harness import HUIXIN, Sites, Tally, Workspace, site_letters  # noqa: E402

T = Tally("tls")
check = T.check
FIELDS = ["--var", "letter.name=李明", "--var", "letter.phone=13812345678", "--var", "letter.email=liming@example.cn"]


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-tls-")
    try:
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites:
            w = Workspace(os.path.join(tmp, "w"), sites)
            base = "base_url=" + w.server_url("hanweb-https")
            check(base.startswith("base_url=https://127.0.0.1:"), "the fixture serves hanweb over https", base)

            def fast(sc):
                sc["site"]["pacing_seconds"] = 0

            strict = w.scenario("strict.json", "hanweb-jact.json", fast)

            def accepting(sc):
                fast(sc)
                sc["site"]["tls"] = "accept"

            accept = w.scenario("accept.json", "hanweb-jact.json", accepting)

            # ---- strict: a failed visit, never a verdict against the site
            code, out, err = w.huixin("submit", strict, "--var", base, "--site-key", "tls-strict", "--captcha",
                                      w.captcha("hanweb"), *FIELDS)
            down = socket.socket()
            down.bind(("127.0.0.1", 0))
            closed = down.getsockname()[1]
            down.close()
            code_down, _, _ = w.huixin("submit", strict, "--var", "base_url=https://127.0.0.1:%d" % closed,
                                       "--site-key", "tls-down", "--captcha", w.captcha("hanweb"), *FIELDS)
            check(code != 0 and code == code_down,
                  "strict: the letter is not sent (the exit code of a site that cannot be reached)",
                  "exit %d (a closed port: %d): %s %s" % (code, code_down, out, err[-800:]))
            letters = w.rows("SELECT l.* FROM letters l JOIN sites s ON l.site_id = s.id WHERE s.key = 'tls-strict'")
            check(len(letters) == 1 and letters[0]["submitted_at_ms"] == 0, "strict: the ledger's letter is unsent",
                  letters)
            lid = letters[0]["id"] if letters else -1
            check(letters and not site_letters(sites, letters[0]["token"]), "strict: nothing reached the site")
            vm = w.visit_metas(lid)
            check(len(vm) == 1 and vm[0][0]["outcome"] == 2 and "ERR_CERT" in (vm[0][0]["error"] or ""),
                  "strict: one failed visit, the browser's certificate error its reason",
                  [(v["outcome"], v["error"]) for v, _ in vm])
            tls = vm[0][1].get("tls", {}) if vm else {}
            check(tls.get("error") == "self-signed certificate" and tls.get("policy") == "strict"
                  and tls.get("accepted") is False, "strict: meta.json records the self-signed error, not accepted",
                  json.dumps(tls, ensure_ascii=False))
            check("江屿省" in tls.get("subject", "") and tls.get("subject") == tls.get("issuer")
                  and "IP:127.0.0.1" in tls.get("san", []) and tls.get("not_after", "").startswith("2036-")
                  and tls.get("host") == "127.0.0.1",
                  "strict: meta.json records the certificate's subject, issuer, names and dates",
                  json.dumps(tls, ensure_ascii=False))
            check(vm and vm[0][0]["tls_error"] == "self-signed certificate" and vm[0][0]["tls_accepted"] == 0,
                  "strict: the ledger's visit keeps the finding", vm and {k: vm[0][0][k] for k in
                                                                          ("tls_error", "tls_subject", "tls_accepted")})
            st = w.status_of(lid)
            check(st and "删除" not in json.dumps(st, ensure_ascii=False),
                  "strict: the letter is not 信件被删除", json.dumps(st, ensure_ascii=False))

            # ---- accept: sent, found, replied, each visit saying it went on past the certificate
            code, out, err = w.huixin("submit", accept, "--var", base, "--site-key", "tls-accept", "--captcha",
                                      w.captcha("hanweb"), *FIELDS)
            check(code == 0, "accept: the letter is sent past the self-signed certificate",
                  "exit %d: %s %s" % (code, out, err[-800:]))
            res = json.loads(out) if code == 0 else {}
            lid2 = res.get("letter_id", -1)
            on_site = site_letters(sites, res.get("token", "-")) if res else []
            check(len(on_site) == 1, "accept: the site received the letter", on_site)
            code, out, err = w.huixin("check", str(lid2))
            first = w.visits(lid2)[-1] if lid2 > 0 else {}
            check(code == 0 and first.get("outcome") == 0 and not first.get("has_reply"),
                  "accept: the check finds it, no reply yet", out + err[-500:])
            if on_site:
                sites.ctl.call("POST", "/api/letters/%s/reply" % on_site[0]["id"],
                               {"unit": "宝川市信访局", "text": "您好，来信收悉，已转相关部门办理。"})
            code, out, err = w.huixin("check", str(lid2))
            last = w.visits(lid2)[-1] if lid2 > 0 else {}
            check(code == 0 and last.get("outcome") == 0 and last.get("has_reply"),
                  "accept: after the reply the check reads it", out + err[-500:])
            st = w.status_of(lid2)
            check(st.get("verdict_zh") == "当日回复", "accept: the verdict is 当日回复 (answered the same day)",
                  json.dumps(st, ensure_ascii=False))
            vm = w.visit_metas(lid2)
            check(len(vm) == 3 and all(m.get("tls", {}).get("accepted") is True
                                       and m["tls"].get("policy") == "accept"
                                       and m["tls"].get("error") == "self-signed certificate" for _, m in vm),
                  "accept: every visit's meta.json says the certificate did not verify and the visit went on",
                  [m.get("tls") for _, m in vm])
            check(all(v["tls_accepted"] == 1 and v["tls_error"] == "self-signed certificate" for v, _ in vm),
                  "accept: the ledger's visits say so too", [(v["tls_error"], v["tls_accepted"]) for v, _ in vm])

            p = subprocess.run([HUIXIN, "evidence", "verify", w.evidence, "--store", w.store],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
            code, out, err = p.returncode, p.stdout, p.stderr
            check(code == 0, "evidence: every visit's bundle, meta.json with its tls, verifies", out + err[-800:])

            # ---- the report
            code, html, err = w.huixin("report", "--format", "html")
            check(code == 0 and "证书错误：自签名证书" in html, "report: the finding is shown", err)
            check("（已按设置继续）" in html and "（访问失败）" in html,
                  "report: it says which visit went on past it and which failed")
            check("&lt;测试" in html and "<测试" not in html and "&amp;证书中心" in html
                  and ">&证书" not in html,
                  "report: the certificate's subject (the site's words) is escaped",
                  html[html.find("证书错误"):html.find("证书错误") + 300])
            code, js, err = w.huixin("report", "--format", "json")
            tlss = [v.get("tls") for t in (json.loads(js).get("letters", []) if code == 0 else [])
                    for v in t.get("visits", [])]
            found = [x for x in tlss if x]  # the closed port's visit has no certificate: null
            check(len(tlss) == 5 and sorted(x["accepted"] for x in found) == [False, True, True, True]
                  and all(x["error"] == "self-signed certificate" and "江屿省" in x["subject"] for x in found),
                  "report (json): each visit's tls says the error, the subject and whether it went on", tlss)
            code, html_en, err = w.huixin("report", "--format", "html", "--lang", "en")
            check("certificate error: self-signed certificate" in html_en, "report (en): the finding is shown")

            # ---- a wrong value of the key
            def wrong(sc):
                sc["site"]["tls"] = "maybe"

            bad = w.scenario("bad.json", "hanweb-jact.json", wrong)
            p = subprocess.run([HUIXIN, "lint", bad], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=60)
            said = p.stdout + p.stderr
            check(p.returncode != 0 and "bad.json:" in said and "tls 'maybe'" in said and "expected strict" in said,
                  "bad key: site.tls 'maybe' is refused with the file, line and what is expected", said)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
