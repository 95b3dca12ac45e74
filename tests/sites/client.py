"""Start the fixture sites and act as their operator, from Python tests and scripts.

    from client import Sites
    with Sites() as s:                       # server.py in a subprocess, fresh temp state dir
        url = s.url("hanweb", "/jact/front/mailwrite.do?sysid=1")
        s.ctl.captcha("hanweb", "1234")
        ... submit ...
        letter = s.ctl.letters("hanweb")[-1]
        s.ctl.reply(letter["id"], "2026-03-03 10:00:00", "市政府办公室", "您好，……")

Control(port) alone talks to a server started elsewhere (ctl.py uses it).
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__("control API: HTTP %d: %s" % (status, message))
        self.status = status


class Control:
    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.base = "http://%s:%d" % (host, port)
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            try:
                msg = json.loads(e.read().decode("utf-8")).get("error", "")
            except ValueError:
                msg = e.reason
            raise ControlError(e.code, msg) from None

    # letters
    def letters(self, site=None):
        return self.call("GET", "/api/letters" + ("?site=" + site if site else ""))["letters"]

    def letter(self, letter_id):
        return self.call("GET", "/api/letters/" + letter_id)["letter"]

    def create(self, site, **fields):
        return self.call("POST", "/api/letters", dict(fields, site=site))["letter"]

    def reply(self, letter_id, date=None, unit="", text=""):
        body = {"unit": unit, "text": text}
        if date:
            body["date"] = date
        return self.call("POST", "/api/letters/%s/reply" % letter_id, body)["letter"]

    def delete(self, letter_id):
        return self.call("POST", "/api/letters/%s/delete" % letter_id, {})["letter"]

    def spam(self, letter_id):
        return self.call("POST", "/api/letters/%s/spam" % letter_id, {})["letter"]

    def approve(self, letter_id):
        return self.call("POST", "/api/letters/%s/approve" % letter_id, {})["letter"]

    def set_state(self, letter_id, state):
        return self.call("POST", "/api/letters/%s/state" % letter_id, {"state": state})["letter"]

    # site settings
    def captcha(self, site, answer=False):
        """The current answer; with answer= a string sets a fixed answer, None clears it."""
        if answer is False:
            return self.call("GET", "/api/captcha?site=" + site)
        return self.call("POST", "/api/captcha", {"site": site, "answer": answer})

    def fail(self, site, mode, count=None, seconds=None, delay=None, status=None, path_contains=None):
        body = {"site": site, "mode": mode}
        for k, v in (("count", count), ("seconds", seconds), ("delay", delay), ("status", status),
                     ("path_contains", path_contains)):
            if v is not None:
                body[k] = v
        return self.call("POST", "/api/fail", body)

    def moderation(self, site, on):
        return self.call("POST", "/api/moderation", {"site": site, "on": on})

    def throttle(self, site, seconds):
        return self.call("POST", "/api/throttle", {"site": site, "seconds": seconds})

    def perpage(self, site, n):
        return self.call("POST", "/api/perpage", {"site": site, "n": n})

    def windows(self, site, mode):
        """How site's entry page opens its write page: off, blank, window, noopener or form."""
        return self.call("POST", "/api/windows", {"site": site, "mode": mode})

    def clock(self, now, site=None, tick=False):
        body = {"now": now, "tick": tick}
        if site:
            body["site"] = site
        return self.call("POST", "/api/clock", body)

    def sms(self, site, on=None, phone=None):
        """Switch the SMS-code gate (on=True/False), or read the code last sent (to phone)."""
        if on is not None:
            return self.call("POST", "/api/sms", {"site": site, "on": on})
        return self.call("GET", "/api/sms?site=" + site + ("&phone=" + phone if phone else ""))

    def mail_code(self, site, on):
        """Switch mail_code: the 查询码 (and later the answer) is mailed, not shown (mailer.py)."""
        return self.call("POST", "/api/mailcode", {"site": site, "on": on})

    def mails(self):
        """What the sites mailed: [{"uid", "date", "bytes", "raw"}], served over IMAP (imap.py)."""
        return self.call("GET", "/api/mails")["mails"]

    def question(self, site, on):
        """Switch the question captcha ("3+4=?" as text instead of an image)."""
        return self.call("POST", "/api/question", {"site": site, "on": on})

    def slider(self, site, on):
        """Switch the slider captcha (drag the piece into the picture's gap instead of an image)."""
        return self.call("POST", "/api/slider", {"site": site, "on": on})

    def slider_gap(self, site):
        """The gap's x in the slider last drawn (an int), or None."""
        got = self.call("GET", "/api/captcha?site=%s&kind=slider" % site)["current"]
        return None if got is None else int(got)

    def login_wall(self, site, on=None, expire=False):
        """The login wall (统一身份认证): switch it (on=True/False), end every login (expire=True), or read
        its state: {"site", "on", "live", "made"[, "expired"]}."""
        if expire:
            return self.call("POST", "/api/login_wall/expire", {"site": site})
        if on is not None:
            return self.call("POST", "/api/login_wall", {"site": site, "on": on})
        return self.call("GET", "/api/login_wall?site=" + site)

    def settings(self):
        return self.call("GET", "/api/settings")

    def reset(self):
        return self.call("POST", "/api/reset", {})

    def health(self):
        return self.call("GET", "/api/health")


class Sites:
    """server.py as a subprocess. state_dir=None makes a temp dir, removed at stop unless keep_state."""

    def __init__(self, state_dir=None, base_port=0, verbose=False, keep_state=False, start_timeout=30):
        self.own_state = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="huixin-sites-")
        self.base_port = base_port
        self.verbose = verbose
        self.keep_state = keep_state
        self.start_timeout = start_timeout
        self.proc = None
        self.ports = {}
        self.ctl = None

    def start(self):
        cmd = [sys.executable, SERVER, "--state", self.state_dir, "--base-port", str(self.base_port)]
        if self.verbose:
            cmd.append("-v")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None if self.verbose else subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], self.start_timeout)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None
            self.cleanup()
            raise RuntimeError("server.py did not print its ports within %ds" % self.start_timeout)
        self.ports = json.loads(line)
        self.ctl = Control(self.ports["control"])
        return self

    def url(self, site, path="/"):
        scheme = "https" if site.endswith("-https") else "http"
        return "%s://127.0.0.1:%d%s" % (scheme, self.ports[site], path)

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code."""
        if not self.proc:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        self.proc.stdout.close()
        self.proc = None
        return code

    def cleanup(self):
        if self.own_state and not self.keep_state:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

