"""The control API: JSON over HTTP on its own port, through which tests act as each site's operator.

Every answer is JSON; errors are {"error": "..."} with status 400 (bad request) or 404 (no such thing).
See README.md for the endpoints and bodies.
"""
import http.server
import json
import re
import sys
import time
import urllib.parse

import store as store_mod
from store import FAIL_MODES, FAMILIES, NEW_WINDOW_MODES, SERVERS


# Seeding words for a message board's operator: "approved" = published (待处理, or 已回复 with a reply),
# "pending" = awaiting approval.
STATE_ALIASES = {"approved": "待处理", "pending": "pending-approval"}


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


def need_family(body):
    site = body.get("site")
    if site not in FAMILIES:
        raise BadRequest("bad site %r: expected one of %s" % (site, ", ".join(FAMILIES)))
    return site


def families_of(body):
    """The families a setting applies to: the given 'site', or all when it is absent."""
    return [need_family(body)] if body.get("site") is not None else list(FAMILIES)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "huixin-sites-control"
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        if self.server.ctx.verbose:
            sys.stderr.write("[control] %s\n" % (fmt % args))

    def do_GET(self):
        if self.path.startswith("/exposure/"):
            return self.hold()
        self.handle_api()

    def hold(self):
        """The national error-report widget (jiucuo.js) as a closed network meets it: the connection is
        taken and never answered (the board family's pages embed it from here as localhost)."""
        time.sleep(120)

    def do_POST(self):
        self.handle_api()

    def handle_api(self):
        split = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            body = dict(query, **body)
            status, answer = 200, self.route(self.command, split.path, body)
        except (BadRequest, ValueError) as e:
            status, answer = 400, {"error": str(e)}
        except NotFound as e:
            status, answer = 404, {"error": str(e)}
        data = json.dumps(answer, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self, method, path, body):
        st = self.server.ctx.store
        if path == "/api/health":
            return {"ok": True, "ports": self.server.ctx.ports, "state_dir": st.state_dir}
        if path == "/api/letters" and method == "GET":
            site = body.get("site")
            if site is not None:
                need_family(body)
            return {"letters": st.letters(site)}
        if path == "/api/letters" and method == "POST":
            return {"letter": self.create_letter(st, body)}
        m = re.fullmatch(r"/api/letters/([a-z]+-\d+)(?:/(reply|delete|spam|approve|state))?", path)
        if m:
            return {"letter": self.letter_action(st, m.group(1), m.group(2), method, body)}
        if method != "POST" and path not in ("/api/captcha", "/api/fail", "/api/settings", "/api/clock", "/api/sms",
                                             "/api/mails", "/api/login_wall"):
            raise NotFound("no such endpoint: %s %s" % (method, path))
        if path == "/api/captcha" and body.get("kind") == "sms" and method == "GET":
            return self.sms(st, method, body)  # huixin's control: solver asking for an ask step's code
        if path == "/api/captcha" and body.get("kind") == "slider" and method == "GET":
            return self.slider_gap(st, body)  # huixin's control: solver asking where a slider's gap is
        if path == "/api/captcha":
            return self.captcha(st, method, body)
        if path == "/api/sms":
            return self.sms(st, method, body)
        if path == "/api/mailcode":
            site = need_family(body)
            if "mail_code" not in st.config(site):
                raise BadRequest("site %r does not mail codes; mailcode is for hanweb" % site)
            st.set_config(site, mail_code=bool(body.get("on", True)))
            return self.settings(st)
        if path == "/api/mails":
            return {"mails": [{"uid": m["uid"], "date": m["date"].isoformat(), "bytes": len(m["raw"]),
                               "raw": m["raw"].decode("ascii", "replace")} for m in st.mailbox.snapshot()]}
        if path == "/api/question":
            site = need_family(body)
            if "question_captcha" not in st.config(site):
                raise BadRequest("site %r has no question captcha; question is for hanweb" % site)
            st.set_config(site, question_captcha=bool(body.get("on", True)))
            return self.settings(st)
        if path == "/api/slider":
            site = need_family(body)
            if "slider_captcha" not in st.config(site):
                raise BadRequest("site %r has no slider captcha; slider is for hanweb" % site)
            st.set_config(site, slider_captcha=bool(body.get("on", True)))
            return self.settings(st)
        if path in ("/api/login_wall", "/api/login_wall/expire"):
            return self.login_wall(st, method, path, body)
        if path == "/api/fail":
            return self.fail(st, method, body)
        if path == "/api/moderation":
            for fam in families_of(body):
                st.set_config(fam, moderation=bool(body.get("on", True)))
            return self.settings(st)
        if path == "/api/throttle":
            seconds = float(body.get("seconds", 10))
            if seconds < 0:
                raise BadRequest("bad seconds %r: expected >= 0" % seconds)
            for fam in families_of(body):
                st.set_config(fam, throttle_seconds=seconds)
            return self.settings(st)
        if path == "/api/perpage":
            return self.perpage(st, body)
        if path == "/api/windows":
            return self.windows(st, body)
        if path == "/api/clock":
            if method == "POST":
                for fam in families_of(body):
                    st.set_clock(fam, body.get("now"), body.get("tick", False))
            return {"now": {fam: st.now_text(fam) for fam in FAMILIES}, "settings": self.settings(st)}
        if path == "/api/settings":
            return self.settings(st)
        if path == "/api/reset":
            st.reset()
            return {"ok": True}
        raise NotFound("no such endpoint: %s %s" % (method, path))

    @staticmethod
    def settings(st):
        return {"sites": {fam: st.config(fam) for fam in FAMILIES}, "failures": st.failure_list()}

    @staticmethod
    def create_letter(st, body):
        """Seed a letter directly (as if submitted through the form), e.g. at a chosen submitted_at."""
        site = need_family(body)
        fields = {k: v for k, v in body.items() if k not in ("site", "submitted_at", "state", "reply")}
        state = body.get("state")
        if state is not None and state not in store_mod.STATES + tuple(STATE_ALIASES):
            raise BadRequest("bad state %r: expected one of %s" % (
                state, ", ".join(store_mod.STATES + tuple(STATE_ALIASES))))
        x = st.add_letter(site, fields, submitted_at=body.get("submitted_at"))
        if body.get("reply"):
            x = Handler.letter_action(st, x["id"], "reply", "POST", body["reply"])
        if state == "approved":  # whatever moderation made of it, it is published
            x = st.act(x["id"], "approve")
        elif state:
            x = st.act(x["id"], "state", state=STATE_ALIASES.get(state, state))
        return x

    @staticmethod
    def perpage(st, body):
        """Messages per list page, for the family whose page size is a setting (guestbook)."""
        site = need_family(body)
        if "per_page" not in st.config(site):
            raise BadRequest("site %r has a fixed page size; perpage is for guestbook" % site)
        try:
            n = int(body.get("n"))
        except (TypeError, ValueError):
            raise BadRequest("bad n %r: expected a whole number 2..10" % body.get("n")) from None
        if not 2 <= n <= 10:
            raise BadRequest("bad n %r: expected 2..10" % n)
        st.set_config(site, per_page=n)
        return Handler.settings(st)

    @staticmethod
    def windows(st, body):
        """How the family's entry page opens its write page: in the same window (off) or a new one."""
        site = need_family(body)
        if "new_window" not in st.config(site):
            raise BadRequest("site %r has no new-window switch; windows is for hanweb" % site)
        mode = body.get("mode")
        if mode not in NEW_WINDOW_MODES:
            raise BadRequest("bad mode %r: expected one of %s" % (mode, ", ".join(NEW_WINDOW_MODES)))
        st.set_config(site, new_window=mode)
        return Handler.settings(st)

    @staticmethod
    def letter_action(st, letter_id, action, method, body):
        x = st.get(letter_id)
        if not x:
            raise NotFound("no letter %r" % letter_id)
        if action is None:
            return x
        if method != "POST":
            raise BadRequest("use POST for %s" % action)
        if action == "reply":
            for k in ("unit", "text"):
                if not isinstance(body.get(k), str) or not body[k].strip():
                    raise BadRequest("reply needs a non-empty %r" % k)
            date = body.get("date") or st.now_text(x["site"])
            reply = {"date": store_mod.parse_time(date).strftime(store_mod.FMT),
                     "unit": body["unit"], "text": body["text"]}
            return st.act(letter_id, "reply", reply=reply)
        return st.act(letter_id, action, state=body.get("state"))

    @staticmethod
    def captcha(st, method, body):
        site = need_family(body)
        if method == "POST":
            answer = body.get("answer")
            if answer is not None and not re.fullmatch(r"[0-9A-Za-z]{1,8}", str(answer)):
                raise BadRequest("bad answer %r: expected 1-8 letters or digits" % answer)
            st.set_config(site, captcha_override=str(answer).upper() if answer is not None else None)
        return {"site": site, "override": st.config(site)["captcha_override"],
                "current": st.last_answer.get(site)}

    @staticmethod
    def login_wall(st, method, path, body):
        """The login wall (hanweb): switch it, end every login (expire), or read its state."""
        site = need_family(body)
        if "login_wall" not in st.config(site):
            raise BadRequest("site %r has no login wall; login_wall is for hanweb" % site)
        expired = None
        if path.endswith("/expire"):
            expired = st.logins_expire(site)
        elif method == "POST":
            st.set_config(site, login_wall=bool(body.get("on", True)))
        answer = {"site": site, "on": st.config(site)["login_wall"]}
        answer.update(st.logins_state(site))
        if expired is not None:
            answer["expired"] = expired
        return answer

    @staticmethod
    def sms(st, method, body):
        """POST: switch the SMS-code gate on or off; GET: the code last sent (to phone, if given), which
        is "current" like a captcha's answer (null when none was sent or it has expired)."""
        site = need_family(body)
        if "sms_gate" not in st.config(site):
            raise BadRequest("site %r has no SMS-code gate; sms is for hanweb" % site)
        if method == "POST":
            st.set_config(site, sms_gate=bool(body.get("on", True)))
        phone = body.get("phone") or None
        return {"site": site, "gate": st.config(site)["sms_gate"], "phone": phone or st.last_sms.get(site),
                "current": st.sms_last(site, phone)}

    @staticmethod
    def slider_gap(st, body):
        """The x of the gap in the slider last drawn, as "current" (a string, like a captcha's answer;
        null when none was drawn)."""
        site = need_family(body)
        gap = st.last_slider.get(site)
        return {"site": site, "current": None if gap is None else str(gap)}

    @staticmethod
    def fail(st, method, body):
        if method == "POST":
            site = body.get("site")
            servers = ["iframe-city", "iframe-platform"] if site == "iframe" else [site]
            if site not in SERVERS and site != "iframe":
                raise BadRequest("bad site %r: expected one of %s (or iframe for both)" % (site, ", ".join(SERVERS)))
            mode = body.get("mode")
            if mode in ("off", None):
                for s in servers:
                    st.set_failure(s, None)
                return {"failures": st.failure_list()}
            if mode not in FAIL_MODES:
                raise BadRequest("bad mode %r: expected one of %s or off" % (mode, ", ".join(FAIL_MODES)))
            spec = {"mode": mode, "count": None, "until": None}
            if body.get("path_contains"):  # only requests whose path+query contain it fail (and count)
                spec["path_contains"] = str(body["path_contains"])
            if body.get("count") is not None:
                spec["count"] = int(body["count"])
            if body.get("seconds") is not None:
                spec["until"] = time.monotonic() + float(body["seconds"])
            if spec["count"] is None and spec["until"] is None:
                raise BadRequest("fail needs 'count' (next K requests) or 'seconds' (a period)")
            if mode == "slow":
                spec["delay"] = float(body.get("delay", 5))
            if mode == "waf":
                spec["status"] = int(body.get("status", 403))
            for s in servers:
                st.set_failure(s, dict(spec))
        return {"failures": st.failure_list()}
