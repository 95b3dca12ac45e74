#!/usr/bin/env python3
"""Real-name logins (issue 17, gate 4): a site whose write and query pages sit behind the provincial
identity platform's login (the hanweb fixture's login_wall). `huixin login` starts Chromium on the site's
own profile and waits; the person is simulated by a script that reaches the login page the way a person
on a server would, through the loopback DevTools port huixin prints (its /json/list and the page's
websocket, what chrome://inspect uses), and fills the form there. Then visits use the profile: a letter
is sent and checked through the login, and the right verdict comes. When the platform ends every login,
a check is a failed visit saying "login needed" (status shows it, an alert reaches a loopback webhook),
nothing counts against the site, and a submission sends nothing and counts no try.
Prints "N passed, N failed" last.
"""
import base64
import json
import os
import select
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from harness import HUIXIN, ROOT, Sites, Tally, Workspace

T = Tally("login", detail_tail=1500)
check = T.check
KEY = "hanweb-login"
INTENT, SUBMITTED, FAILED = 0, 1, 2  # the ledger's letter states and a failed visit (verify/ledger.h)


def session_scenario(sc):
    sc["description"] = "the hanweb fixture behind its login wall (统一身份认证)"
    sc["session"] = {"login_url": "${base_url}/sso/login", "check_url": "${base_url}/sso/user",
                     "logged_in": {"selector": "#logout"}, "logged_out": {"selector": "#loginform"}}


# ---- a person at chrome://inspect, as a script: the DevTools HTTP list and one page's websocket ----

def ws_connect(url):
    host_port, path = url[len("ws://"):].split("/", 1)
    host, port = host_port.split(":")
    s = socket.create_connection((host, int(port)), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host_port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise IOError("websocket handshake: connection closed")
        head += chunk
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise IOError("websocket handshake refused: %r" % head[:200])
    return s, head.split(b"\r\n\r\n", 1)[1]


def ws_send(s, text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def ws_recv(s, buf):
    def need(k):
        nonlocal buf
        while len(buf) < k:
            chunk = s.recv(65536)
            if not chunk:
                raise IOError("websocket closed")
            buf += chunk
    need(2)
    n = buf[1] & 0x7F
    off = 2
    if n == 126:
        need(4)
        n, off = struct.unpack(">H", buf[2:4])[0], 4
    elif n == 127:
        need(10)
        n, off = struct.unpack(">Q", buf[2:10])[0], 10
    need(off + n)
    payload, buf = buf[off:off + n], buf[off + n:]
    return payload.decode("utf-8", errors="replace"), buf


def person_logs_in(port, user, password):
    """Finds the login page among the browser's targets and logs in there; returns what it did."""
    with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
        targets = json.loads(r.read().decode())
    pages = [t for t in targets if t.get("type") == "page" and "/sso/login" in t.get("url", "")]
    if not pages:
        return "no login page among %s" % [t.get("url") for t in targets]
    s, buf = ws_connect(pages[0]["webSocketDebuggerUrl"])
    try:
        js = ("document.querySelector('#loginname').value = %s;"
              "document.querySelector('#loginpwd').value = %s;"
              "document.querySelector('#loginbtn').click(); 'clicked'" % (json.dumps(user), json.dumps(password)))
        ws_send(s, json.dumps({"id": 1, "method": "Runtime.evaluate", "params": {"expression": js}}))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            msg, buf = ws_recv(s, buf)
            if json.loads(msg).get("id") == 1:
                return msg
        return "no answer"
    finally:
        s.close()


def listens_on_loopback_only(port):
    """Every listening socket on port (IPv4 and IPv6) is bound to a loopback address."""
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.readlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, st = row.split()[1], row.split()[3]
            addr, p = local.split(":")
            if st == "0A" and int(p, 16) == port:
                found.append(addr)
    loop = ("0100007F", "00000000000000000000000001000000")
    return bool(found) and all(a in loop for a in found), found


def login(ws, scenario, base, wait=120, user="zhangsan", password="Test@1234"):
    """`huixin login` with the simulated person; returns (exit code, stdout, stderr, port, person's answer)."""
    cmd = [HUIXIN, "login", scenario, "--site-key", KEY, "--var", "base_url=" + base, "--headless",
           "--wait", str(wait), "--store", ws.store]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    raw, port, said, loopback = b"", None, None, None
    deadline = time.monotonic() + 60
    while port is None and time.monotonic() < deadline:  # raw reads: communicate() must miss nothing
        ready, _, _ = select.select([p.stdout], [], [], 1)
        if not ready:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        raw += chunk
        for line in raw.decode("utf-8", errors="replace").splitlines():
            if line.startswith("DevTools port: "):
                port = int(line.split(":")[1])
    if port:
        loopback = listens_on_loopback_only(port)
        time.sleep(1.5)  # the person reads the instructions; huixin is polling meanwhile
        if user:
            try:
                said = person_logs_in(port, user, password)
            except (OSError, ValueError) as exc:
                said = "person failed: %r" % exc
    try:
        rest, err = p.communicate(timeout=wait + 60)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, err = p.communicate()
    return (p.returncode, (raw + rest).decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace"),
            port, said, loopback)


def webhook_sink(work):
    out = os.path.join(work, "posts.jsonl")
    port_file = os.path.join(work, "sink-port")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "integration", "sinks", "http_sink.py"),
                             "--out", out, "--port-file", port_file], stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.05)
    return proc, out, int(open(port_file).read().strip())


def posts(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def status_of(ws, letter_id):
    code, out, err = ws.huixin("status", "--json")
    for line in out.splitlines():
        o = json.loads(line)
        if o["letter_id"] == letter_id:
            return o
    return {}


def main():
    work = tempfile.mkdtemp(prefix="huixin-login-")
    sink = None
    try:
        sink, sink_out, sink_port = webhook_sink(work)
        os.environ["HUIXIN_WEBHOOK_URL"] = "http://127.0.0.1:%d/hook" % sink_port
        os.environ["HUIXIN_WEBHOOK_FORMAT"] = "generic"
        os.environ["HOME"] = work  # no operator's alerts.conf
        os.environ.pop("HUIXIN_PROFILES", None)
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            ws = Workspace(os.path.join(work, "ws"), sites)
            base = ws.server_url("hanweb")
            sites.ctl.login_wall("hanweb", on=True)
            sc = ws.scenario("hanweb-login.json", "hanweb-jact.json", session_scenario)
            profiles = ws.store + ".profiles"
            profile = os.path.join(profiles, KEY)
            submit = ("submit", sc, "--site-key", KEY, "--var", "base_url=" + base, "--var", "letter.name=李明",
                      "--var", "letter.phone=13812345678", "--captcha", ws.captcha("hanweb"))

            p = subprocess.run([HUIXIN, "lint", sc], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=60)
            check(p.returncode == 0, "the scenario with its session block passes lint", p.stdout + p.stderr)

            # -- the profile folder: looser modes and links are refused --
            os.makedirs(profile, mode=0o755)
            os.chmod(profiles, 0o755)  # the folder of profiles may be searchable; a profile may not
            os.chmod(profile, 0o755)
            code, out, err, port, _, _ = login(ws, sc, base, wait=10, user=None)
            check(code == 3 and "mode 0755" in err and "chmod 700" in err,
                  "a profile folder readable by others is refused (exit 3, names its mode)", (code, out, err))
            shutil.rmtree(profile)
            os.symlink(work, profile)
            code, out, err, port, _, _ = login(ws, sc, base, wait=10, user=None)
            check(code == 3 and "symbolic link" in err, "a profile folder that is a symbolic link is refused",
                  (code, out, err))
            os.unlink(profile)

            # -- before any login: a submission sends nothing and counts no try --
            code, out, err = ws.huixin(*submit)
            letters = ws.letters()
            check(code != 0 and "login needed" in out + err, "a submission before any login fails: login needed",
                  (code, out, err))
            check(len(letters) == 1 and letters[0]["state"] == INTENT and letters[0]["submit_tries"] == 0 and
                  not letters[0]["final_click_at_ms"], "its letter stays an intent, no try counted, no final click",
                  letters)
            check(sites.ctl.letters("hanweb") == [], "the site received nothing")
            visits = ws.visits(letters[0]["id"]) if letters else []
            check(len(visits) == 1 and visits[0]["outcome"] == FAILED and "登录已失效" in (visits[0]["error"] or ""),
                  "the submit visit is recorded as failed, saying 登录已失效", visits)

            # -- huixin login, the person at chrome://inspect --
            code, out, err, port, said, loopback = login(ws, sc, base)
            check(port is not None and "ssh -N -L %d:127.0.0.1:%d" % (port, port) in out and "chrome://inspect" in out,
                  "login prints the loopback port, the ssh tunnel and chrome://inspect", out + err)
            check(loopback is not None and loopback[0], "the debugging port listens on loopback only", loopback)
            check(said is not None and "clicked" in said, "the simulated person filled the login form", said)
            check(code == 0 and "Logged in" in out, "huixin login sees the login and keeps it (exit 0)",
                  (code, out, err))
            st = os.lstat(profile) if os.path.lexists(profile) else None
            check(st is not None and stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700,
                  "the profile folder is a real folder, mode 0700", st and oct(st.st_mode))
            check(sites.ctl.login_wall("hanweb")["made"] == 1, "the site saw exactly one login")

            # -- visits through the profile: the intent is sent (once), then checked --
            code, out, err = ws.huixin(*submit)
            letters = ws.letters()
            site_letters = sites.ctl.letters("hanweb")
            check(code == 0 and len(letters) == 1 and letters[0]["state"] == SUBMITTED,
                  "with the login the same letter is sent", (code, out, err, letters))
            check(len(site_letters) == 1, "the site has exactly one letter", site_letters)
            lid = letters[0]["id"]
            code, out, err = ws.huixin("check", str(lid))
            check(code == 0 and "found, no reply yet" in out, "a check through the login finds the letter",
                  (code, out, err))
            check(sites.ctl.login_wall("hanweb")["made"] == 1,
                  "the visits reused the kept login (its session cookie outlived each browser)")

            # -- the platform ends every login: a check is a failed visit, login needed --
            before = len(posts(sink_out))
            sites.ctl.login_wall("hanweb", expire=True)
            code, out, err = ws.huixin("check", str(lid))
            visits = ws.visits(lid)
            check("login needed" in out + err and visits[-1]["outcome"] == FAILED,
                  "with the login expired a check is a failed visit saying login needed", (code, out, err))
            s = status_of(ws, lid)
            check(s.get("login_needed") is True and s.get("verdict_zh") == "待回复",
                  "status shows login needed, and the verdict stays 待回复", s)
            code, table, err = ws.huixin("status")
            check("登录已失效，需要重新登录" in table, "status's table says 登录已失效，需要重新登录", table)
            new = posts(sink_out)[before:]
            bodies = [p["body"] for p in new]
            check(any("login_needed" in b and "登录已失效" in b for b in bodies),
                  "an alert reached the webhook, kind login_needed", bodies)
            before = len(posts(sink_out))
            code, out, err = ws.huixin("check", str(lid))
            again = [p["body"] for p in posts(sink_out)[before:] if "login_needed" in p["body"]]
            check("login needed" in out + err and again == [],
                  "the next check with the login still lapsed sends no second alert (one, not one a visit)",
                  ((out + err)[-400:], again))

            # -- a submission with the login expired sends nothing --
            n_site = len(sites.ctl.letters("hanweb"))
            code, out, err = ws.huixin(*submit)
            letters = ws.letters()
            check(code != 0 and "login needed" in out + err, "a submission with the login expired fails: login needed",
                  (code, out, err))
            check(len(sites.ctl.letters("hanweb")) == n_site, "the site received nothing new")
            check(len(letters) == 2 and letters[1]["state"] == INTENT and letters[1]["submit_tries"] == 0 and
                  not letters[1]["final_click_at_ms"], "the new letter stays an intent, no try, no final click",
                  letters)

            # -- the site answers; a person logs in again; the check reaches the verdict --
            sites.ctl.reply(site_letters[0]["id"], unit="宝川市政务服务和数据管理局", text="您好，您反映的问题已转相关部门办理。")
            code, out, err, port, said, _ = login(ws, sc, base)
            check(code == 0 and sites.ctl.login_wall("hanweb")["made"] == 2, "a second login is kept",
                  (code, out, err, said))
            code, out, err = ws.huixin("check", str(lid))
            s = status_of(ws, lid)
            check(code == 0 and "found, answered" in out and s.get("verdict_zh") == "当日回复" and
                  s.get("login_needed") is False, "the check after the new login finds the reply: 当日回复",
                  (code, out, err, s))
            verdicts = [json.loads(l)["verdict_zh"] for l in ws.huixin("status", "--json")[1].splitlines()]
            check("信件被删除" not in verdicts, "no letter was ever judged deleted", verdicts)
    finally:
        if sink:
            sink.kill()
            sink.wait()
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
