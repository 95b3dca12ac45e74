#!/usr/bin/env python3
"""Replies and codes by e-mail (issue 17, gate 8), on the hanweb fixture with mail_code on: the success
page shows no 查询码, the site mails it to the letter's address, and mails the answer when it replies
(tests/sites/mailer.py, GBK words and base64 bodies), into a mailbox served over IMAPS by the fixture
(tests/sites/imap.py, the committed self-signed certificate trusted through the config's ca_file).

- submit: mail_wait reads the 查询码 from the mail; the ledger keeps it (the site's own); the mail is in
  the evidence (mail-query_code.eml) with its hash in meta.json.
- the site replies: the check reads the reply mail (reply.eml) and the query page with the mailed code:
  按期回复; `huixin evidence verify` passes, and one flipped byte in reply.eml is named.
- the query page failing (HTTP 500): the reply mail alone makes the letter answered (按期回复), the
  visit's warning says the page failed.
- a letter sent 不公开 to a site whose check is the reply mail and the public list: the list never shows
  it, the reply mail makes it found (no sighting in the list) and answered: 按期回复, not 超期未回复.
- a wrong IMAP password: the check is a failed visit naming the login, nothing against the site; a
  submission with it is still sent (the page said so), its warning naming the login.
- a check made of mail_reply alone on a letter with no reply mail: a failed visit, never 信件被删除 nor
  超期未回复, however late; once the reply mail is there: answered.
Prints "N passed, N failed" last.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, ROOT, Sites, Tally, Workspace  # noqa: E402
import imap  # noqa: E402  (tests/sites: the fixture mailbox's credentials)

T = Tally("test_mail", detail_tail=1200)
check = T.check

FOUND, FAILED = 0, 2
CODE_RE = "查询码[：:][[:space:]]*([0-9]{10})"
SUBMIT_NOW, CHECK_NOW, LATE_NOW = "2026-03-02 09:30", "2026-03-04 09:00", "2026-04-30 09:00"


def mail_scenario(w, name, mail_only=False):
    """hanweb-jact.json with the code read from the mail (not the page) and the reply read from the mail
    before the query page (or, mail_only, instead of it)."""
    def change(sc):
        sc["site"]["pacing_seconds"] = 0
        steps = [s for s in sc["submit"]["steps"] if s.get("extract", {}).get("var") != "query_code"]
        at = next(i for i, s in enumerate(steps) if s.get("extract", {}).get("var") == "letter_no") + 1
        steps.insert(at, {"mail_wait": {"var": "query_code", "subject": "受理", "regex": CODE_RE},
                          "timeout_seconds": 60})
        sc["submit"]["steps"] = steps
        sc["submit"]["success"] = {"text": ["您的信件已提交成功"], "selector": "#mailnumber"}
        reply = {"mail_reply": {"subject": "答复"}}
        if mail_only:
            sc["check"] = {"steps": [reply]}
        else:
            sc["check"]["steps"].insert(0, reply)
    return w.scenario(name, "hanweb-jact.json", change)


def mail_conf(tmp, name, password):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("# the fixture's mailbox\n[imap]\nurl = imaps://127.0.0.1:%d/INBOX\nuser = %s\npassword = %s\n"
                "ca_file = %s\n" % (w_ports["imaps"], imap.USER, password,
                                    os.path.join(ROOT, "tests", "sites", "tls-selfsigned.pem")))
    os.chmod(path, 0o600)
    return path


w_ports = {}


def submit(w, scenario, key, conf):
    code, out, err = w.huixin("submit", scenario, "--var", "base_url=" + w.server_url("hanweb"),
                              "--captcha", w.captcha("hanweb"), "--site-key", key,
                              "--var", "letter.name=李明", "--var", "letter.phone=13812345678",
                              "--var", "letter.email=liming@example.test", "--mail", conf, "--timeout", "20",
                              now=SUBMIT_NOW)
    res = json.loads(out) if out.strip().startswith("{") else {}
    return code, res, out + err


def site_letter(w, token):
    xs = [x for x in w.ctl.letters("hanweb") if token and token in x["title"]]
    return xs[0] if len(xs) == 1 else None


def letter_row(w, letter_id):
    rows = w.rows("SELECT * FROM letters WHERE id = ?", (letter_id,))
    return rows[0] if rows else {}


def visit_dir(w, visit):
    return os.path.join(w.evidence, visit["evidence_dir"] or "")


def meta_of(w, visit):
    path = os.path.join(visit_dir(w, visit), "meta.json")
    return json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {}


def eml_checks(w, visit, name, what):
    """The .eml is in the visit's folder, in its manifest and in meta.json's mails, one hash everywhere."""
    path = os.path.join(visit_dir(w, visit), name)
    if not check(os.path.exists(path), what + ": %s is in the evidence" % name, os.listdir(visit_dir(w, visit))):
        return None
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    man = json.load(open(os.path.join(visit_dir(w, visit), "manifest.json"), encoding="utf-8"))
    listed = [f for f in man.get("files", []) if f.get("name") == name]
    check(listed and listed[0].get("sha256") == sha, what + ": the manifest lists it with its sha256", listed)
    mails = meta_of(w, visit).get("mails") or []
    m = [x for x in mails if x.get("file") == name]
    check(m and m[0].get("sha256") == sha, what + ": meta.json records its headers and the same hash", mails)
    return m[0] if m else None


def case_code_and_reply(w, tmp, conf):
    sc = mail_scenario(w, "mail.json")
    lint = subprocess.run([HUIXIN, "lint", sc], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=60)
    check(lint.returncode == 0, "the scenario with mail_wait and mail_reply lints", lint.stdout)
    code, res, text = submit(w, sc, "mail-ok", conf)
    check(code == 0 and res.get("status") == "submitted", "submit: sent, the code read from the mail", text)
    x = site_letter(w, res.get("token"))
    check(x is not None and x["mailed"], "submit: the site holds the letter and mailed its code", x)
    if not x or not res.get("letter_id"):
        return
    lid = res["letter_id"]
    check(letter_row(w, lid).get("query_code") == x["query_code"],
          "submit: the ledger keeps the mailed 查询码 (the site's own)", (letter_row(w, lid).get("query_code"),
                                                                     x["query_code"]))
    m = eml_checks(w, w.visits(lid)[0], "mail-query_code.eml", "submit")
    check(m and m.get("subject") == "信件受理通知" and m.get("var") == "query_code",
          "submit: meta.json's mail has its decoded GBK subject and the variable it set", m)

    w.ctl.reply(x["id"], "2026-03-03 10:00:00", "宝川市交通运输局", "已转交相关部门办理，感谢您的来信。")
    code, out, err = w.huixin("check", str(lid), "--mail", conf, "--timeout", "20", now=CHECK_NOW)
    v = w.visits(lid)[-1]
    check(v["outcome"] == FOUND and v["has_reply"], "check: found, answered", (out + err)[-800:])
    check(letter_row(w, lid).get("verdict") == "按期回复", "check: 按期回复", letter_row(w, lid).get("verdict"))
    m = eml_checks(w, v, "reply.eml", "check")
    check(m and m.get("from", "").startswith("宝川市交通运输局") and "答复" in m.get("subject", "")
          and m.get("date_beijing") == "2026-03-03 10:00:00",
          "check: meta.json's reply mail: From, Subject and Date decoded", m)

    letter_dir = os.path.dirname(visit_dir(w, v))
    r = subprocess.run([HUIXIN, "evidence", "verify", letter_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    check(r.returncode == 0, "evidence verify passes with the .eml files", r.stdout)
    eml = os.path.join(visit_dir(w, v), "reply.eml")
    data = bytearray(open(eml, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(eml, "wb").write(bytes(data))
    r = subprocess.run([HUIXIN, "evidence", "verify", letter_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    check(r.returncode != 0 and "reply.eml" in r.stdout, "evidence verify names reply.eml after one flipped byte",
          r.stdout)


def case_page_fails(w, conf):
    """The query page answers 500: the reply mail is the site's answer all the same."""
    sc = mail_scenario(w, "mail-page.json")
    code, res, text = submit(w, sc, "mail-page", conf)
    x = site_letter(w, res.get("token"))
    if not check(code == 0 and x is not None, "page fails: sent", text):
        return
    lid = res["letter_id"]
    w.ctl.reply(x["id"], "2026-03-03 11:00:00", "宝川市人力资源和社会保障局", "请携带身份证到社保窗口办理。")
    w.ctl.fail("hanweb", "500", path_contains="mailquery", count=50)
    try:
        code, out, err = w.huixin("check", str(lid), "--mail", conf, "--timeout", "15", now=CHECK_NOW)
    finally:
        w.ctl.fail("hanweb", "off")
    v = w.visits(lid)[-1]
    check(v["outcome"] == FOUND and v["has_reply"] and v["reply_unit"] == "宝川市人力资源和社会保障局"
          and "社保窗口" in (v["reply_text"] or ""),
          "page fails: the reply mail makes it found and answered (unit, text from the mail)",
          (v["outcome"], v["reply_unit"], v["reply_text"], (out + err)[-600:]))
    check(letter_row(w, lid).get("verdict") == "按期回复", "page fails: 按期回复 from the mail's Date",
          letter_row(w, lid).get("verdict"))
    check("page lookup failed" in (meta_of(w, v).get("warning") or ""), "page fails: the warning says so",
          meta_of(w, v).get("warning"))


def case_unpublished_list(w, conf):
    """A letter sent 不公开 to a site with no query page: the check reads the reply mail and searches the
    public list, which never shows it. The mail is the site's answer: found (by mail, no sighting in the
    list), answered, never 超期未回复 (an adversarial review found the mail thrown away here)."""
    def change(sc):
        sc["site"]["pacing_seconds"] = 0
        steps = [s for s in sc["submit"]["steps"] if s.get("extract", {}).get("var") != "query_code"]
        steps = [({"choose": "#ispublic0"} if s.get("choose") == "#ispublic1" else s) for s in steps]
        at = next(i for i, s in enumerate(steps) if s.get("extract", {}).get("var") == "letter_no") + 1
        steps.insert(at, {"mail_wait": {"var": "query_code", "subject": "受理", "regex": CODE_RE},
                          "timeout_seconds": 60})
        sc["submit"]["steps"] = steps
        sc["submit"]["success"] = {"text": ["您的信件已提交成功"], "selector": "#mailnumber"}
        sc["check"]["steps"] = [
            {"mail_reply": {"subject": "答复"}},
            {"goto": "${base_url}/jact/front/mailpublist.do?sysid=${sysid}"},
            {"wait_for": {"selector": "#pager:not(:empty)"}, "timeout_seconds": 20},
            {"list_search": {"next": "#pager a:nth-last-of-type(2)", "max_pages": 5}, "timeout_seconds": 20}]
        sc["check"]["not_found"] = {"text": "未查询到相关信件", "within": "#noresult"}
        sc["check"]["read"].pop("removed_states", None)
    sc = w.scenario("mail-unpublished.json", "hanweb-jact.json", change)
    code, res, text = submit(w, sc, "mail-unpublished", conf)
    x = site_letter(w, res.get("token"))
    if not check(code == 0 and x is not None and not x.get("is_public"), "unpublished: sent, not public", text):
        return
    lid = res["letter_id"]
    w.ctl.reply(x["id"], "2026-03-03 10:00:00", "宝川市交通运输局", "已转交相关部门办理，感谢您的来信。")
    for now in ("2026-03-04 09:00", "2026-03-10 10:00"):
        code, out, err = w.huixin("check", str(lid), "--mail", conf, "--timeout", "20", now=now)
    visits = [v for v in w.visits(lid) if v["kind"] == "check"]
    check(visits and all(v["outcome"] == FOUND and v["has_reply"] and not v["seen_in_list"] for v in visits),
          "unpublished: each check is found and answered by the mail, not seen in the list",
          [(v["outcome"], v["has_reply"], v["seen_in_list"]) for v in visits])
    verdict = letter_row(w, lid).get("verdict")
    check(verdict == "按期回复", "unpublished: 按期回复 from the mail, not 超期未回复 (got %s)" % verdict,
          (out + err)[-600:])
    check("list did not show the letter" in (meta_of(w, visits[-1]).get("warning") or ""),
          "unpublished: the warning says the list did not show it", meta_of(w, visits[-1]).get("warning"))


def case_wrong_password(w, tmp, conf):
    bad = mail_conf(tmp, "bad.conf", "not-the-password")
    sc = mail_scenario(w, "mail-bad.json")
    code, res, text = submit(w, sc, "mail-bad", bad)
    x = site_letter(w, res.get("token"))
    check(code == 0 and res.get("status") == "submitted" and x is not None,
          "wrong password: the letter is still sent (the page said so)", text)
    check("login denied" in text, "wrong password: the submission's warning names the login", text)
    # a letter whose code came through: its checks with the wrong password
    rows = [r for r in w.letters() if r["query_code"]]
    if not rows:
        check(False, "wrong password: a letter to check")
        return
    lid = rows[0]["id"]
    before = letter_row(w, lid).get("verdict")
    code, out, err = w.huixin("check", str(lid), "--mail", bad, "--timeout", "15", now=CHECK_NOW)
    v = w.visits(lid)[-1]
    check(v["outcome"] == FAILED and "login denied" in (v["error"] or "") and imap.USER in (v["error"] or "")
          and "not-the-password" not in (out + err + (v["error"] or "")),
          "wrong password: a failed visit with a clear error (no password in it)", (v["error"], (out + err)[-400:]))
    check(letter_row(w, lid).get("verdict") == before, "wrong password: nothing changes against the site",
          (before, letter_row(w, lid).get("verdict")))
    open(bad, "a").close()
    os.chmod(bad, 0o644)
    code, out, err = w.huixin("check", str(lid), "--mail", bad, now=CHECK_NOW)
    check(code != 0 and "chmod 600" in err, "a mail config readable by others is refused", err[-300:])


def case_dry_run(w, conf):
    """`submit --no-ledger` reads the mailbox too: the code is in the answer's extracted."""
    sc = mail_scenario(w, "mail-dry.json")
    p = subprocess.run([HUIXIN, "submit", sc, "--no-ledger", "--var", "base_url=" + w.server_url("hanweb"),
                        "--captcha", w.captcha("hanweb"), "--var", "letter.name=李明",
                        "--var", "letter.phone=13812345678", "--var", "letter.email=liming@example.test",
                        "--mail", conf, "--timeout", "20", "--evidence", os.path.join(w.tmp, "dry-evidence"),
                        "--now", SUBMIT_NOW], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    res = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    x = site_letter(w, res.get("token"))
    check(p.returncode == 0 and x is not None and (res.get("extracted") or {}).get("query_code") == x["query_code"],
          "submit --no-ledger: the mailed code is in the answer", (p.stdout + p.stderr)[-800:])
    before = len(w.ctl.letters("hanweb"))
    p = subprocess.run([HUIXIN, "submit", sc, "--no-ledger", "--var", "base_url=" + w.server_url("hanweb"),
                        "--evidence", os.path.join(w.tmp, "dry-evidence")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
                       env=dict(os.environ, HOME=w.tmp, XDG_CONFIG_HOME=os.path.join(w.tmp, "no-config")))
    check(p.returncode != 0 and "no mailbox is configured" in p.stdout + p.stderr
          and len(w.ctl.letters("hanweb")) == before,
          "no mailbox configured: the scenario does not start, nothing is sent", (p.stdout + p.stderr)[-400:])


def case_mail_only(w, conf):
    sc = mail_scenario(w, "mail-only.json", mail_only=True)
    code, res, text = submit(w, sc, "mail-only", conf)
    x = site_letter(w, res.get("token"))
    if not check(code == 0 and x is not None, "mail only: sent", text):
        return
    lid = res["letter_id"]
    w.ctl.delete(x["id"])  # the site even deletes it: a mailbox cannot tell, and must not claim anything
    for now in (CHECK_NOW, LATE_NOW):
        code, out, err = w.huixin("check", str(lid), "--mail", conf, "--timeout", "15", now=now)
        v = w.visits(lid)[-1]
        verdict = letter_row(w, lid).get("verdict")
        check(v["outcome"] == FAILED and "no reply mail" in (v["error"] or ""),
              "mail only, %s: no reply mail is a failed visit" % now, (v["outcome"], v["error"], (out + err)[-400:]))
        check(verdict not in ("信件被删除", "超期未回复"), "mail only, %s: never 信件被删除 nor 超期未回复" % now,
              verdict)
    w.ctl.reply(x["id"], "2026-03-05 16:00:00", "宝川市市场监督管理局", "已核实处理。")
    code, out, err = w.huixin("check", str(lid), "--mail", conf, "--timeout", "15", now=LATE_NOW)
    v = w.visits(lid)[-1]
    check(v["outcome"] == FOUND and v["has_reply"], "mail only: the reply mail makes it answered",
          (v["outcome"], v["error"], (out + err)[-400:]))
    check(letter_row(w, lid).get("verdict") == "按期回复", "mail only: 按期回复 (replied on day 3)",
          letter_row(w, lid).get("verdict"))


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-mail-")
    try:
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites:
            w_ports.update(sites.ports)
            w = Workspace(os.path.join(tmp, "w"), sites)
            sites.ctl.captcha("hanweb", "AB34")
            sites.ctl.clock("2026-03-02 09:30:00", site="hanweb")
            sites.ctl.mail_code("hanweb", True)
            conf = mail_conf(tmp, "mail.conf", imap.PASSWORD)
            for fn in (case_code_and_reply, case_page_fails, case_unpublished_list, case_wrong_password, case_dry_run,
                       case_mail_only):
                try:
                    if fn in (case_code_and_reply, case_wrong_password):
                        fn(w, tmp, conf)
                    else:
                        fn(w, conf)
                except Exception as ex:  # one broken case must not hide the others
                    check(False, fn.__name__, repr(ex))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
