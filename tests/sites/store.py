"""The fixture sites' memory: letters and each site's operator settings, saved atomically to one JSON file.

What survives a restart (in STATE_DIR/sites.json): letters, sequence numbers, each family's clock,
captcha override, moderation, throttle, page-size and new-window settings. What does not: captcha sessions, injected failures
and the throttle's last-post time (runtime conditions, reset by a restart as on a real server), and the
mailbox the sites mail to (mailer.py).
All times are naive Beijing local time strings 'YYYY-MM-DD HH:MM:SS'.
"""
import copy
import datetime
import json
import os
import random
import secrets
import tempfile
import threading
import time

import captcha
import slider
import mailer

FAMILIES = ("hanweb", "gbk", "spa", "iframe", "board", "guestbook")
SERVERS = ("hanweb", "gbk", "spa", "iframe-city", "iframe-platform", "board", "guestbook")
STATES = ("待处理", "已回复", "deleted", "spam", "pending-approval")
HIDDEN = ("deleted", "spam", "pending-approval")
FAIL_MODES = ("500", "slow", "reset", "waf")
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
FMT = "%Y-%m-%d %H:%M:%S"


# Where a family's factory settings differ: CMS guestbooks ship with 留言审核 on, and their list's page
# size is a template setting the operator can change (the others have a fixed page size); the hanweb
# portal's 我要写信 can be set to open its write page (or the form's answer) in a new window.
# The hanweb portal can also be set to gate its form behind an SMS code (sms_gate), to ask a
# question instead of showing a captcha image (question_captcha), or a slider (slider_captcha, see
# slider.py), to mail its query code and reply (mail_code), and to put its write and query pages behind
# a real-name login (login_wall: 统一身份认证); all off by default.
SITE_DEFAULTS = {"guestbook": {"moderation": True, "per_page": 5},
                 "hanweb": {"new_window": "off", "sms_gate": False, "question_captcha": False,
                            "slider_captcha": False, "mail_code": False, "login_wall": False}}
# The one account of the login wall (a test account of the provincial identity platform).
LOGIN_USER, LOGIN_PASSWORD, LOGIN_NAME = "zhangsan", "Test@1234", "张三"
# How long an SMS code stays good.
SMS_CODE_SECONDS = 300
# How a page opens in a new window (the new_window setting): <a target="_blank">, window.open(),
# window.open(url, '_blank', 'noopener'), or the write form posted into a new window.
NEW_WINDOW_MODES = ("off", "blank", "window", "noopener", "form")


def default_site_config(family):
    cfg = {"clock": None, "captcha_override": None, "moderation": False, "throttle_seconds": 10}
    cfg.update(SITE_DEFAULTS.get(family, {}))
    return cfg


def parse_time(text):
    """Accept 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' (or with 'T'); return datetime."""
    text = str(text).strip().replace("T", " ")
    for fmt in (FMT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError("bad time %r: expected 'YYYY-MM-DD HH:MM:SS'" % text)


def epoch_ms(text):
    """Beijing local time string -> epoch milliseconds."""
    return int(parse_time(text).replace(tzinfo=BEIJING).timestamp() * 1000)


class Store:
    def __init__(self, state_dir, namers):
        """namers: family -> fn(seq, now_datetime) -> (letter_number, detail_path)."""
        self.path = os.path.join(state_dir, "sites.json")
        self.state_dir = state_dir
        self.namers = namers
        self.lock = threading.RLock()
        self.sessions = {}        # (family, session key) -> captcha answer
        self.last_answer = {}     # family -> last answer generated
        self.sms = {}             # (family, phone) -> (code, time.monotonic() when sent)
        self.last_sms = {}        # family -> phone of the last code sent
        self.sliders = {}         # (family, session key) -> {"gap": (x, y), "seed", "token"}
        self.last_slider = {}     # family -> gap x of the last slider drawn
        self.failures = {}        # server -> failure spec
        self.last_post = {}       # family or (family, session) -> time.monotonic() of last accepted post
        self.mailbox = mailer.Mailbox()  # what the sites mailed (mail_code): served over IMAP (imap.py)
        self.logins = {}          # (family, login token) -> user name: the live logins (runtime only)
        self.logins_made = {}     # family -> logins made since the start
        self.data = self._empty()
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                loaded = json.load(f)
            self.data.update(loaded)
            for fam in FAMILIES:  # a state saved before a family existed lacks it
                self.data["seq"].setdefault(fam, 0)
                cfg = default_site_config(fam)
                cfg.update(self.data["sites"].get(fam, {}))
                self.data["sites"][fam] = cfg

    @staticmethod
    def _empty():
        return {"letters": [], "seq": {f: 0 for f in FAMILIES},
                "sites": {f: default_site_config(f) for f in FAMILIES}}

    def save(self):
        with self.lock:
            text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True)
            fd, tmp = tempfile.mkstemp(prefix=".sites-", suffix=".tmp", dir=self.state_dir)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise

    def reset(self):
        with self.lock:
            self.data = self._empty()
            self.sessions.clear()
            self.last_answer.clear()
            self.sms.clear()
            self.last_sms.clear()
            self.sliders.clear()
            self.last_slider.clear()
            self.failures.clear()
            self.last_post.clear()
            self.mailbox.clear()
            self.logins.clear()
            self.logins_made.clear()
            self.save()

    # ---- site settings ----
    def config(self, family):
        with self.lock:
            return dict(self.data["sites"][family])

    def set_config(self, family, **changes):
        with self.lock:
            self.data["sites"][family].update(changes)
            self.save()
            return dict(self.data["sites"][family])

    # ---- clock ----
    def now(self, family):
        """The site's clock: a fixed time set by the operator, or a set time that ticks, or real time."""
        with self.lock:
            clock = self.data["sites"][family]["clock"]
        if not clock:
            return datetime.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)
        base = parse_time(clock["now"])
        if clock.get("tick"):
            base += datetime.timedelta(seconds=int(time.time() - clock["set_at"]))
        return base

    def now_text(self, family):
        return self.now(family).strftime(FMT)

    def set_clock(self, family, now_text, tick=False):
        if now_text is None:
            return self.set_config(family, clock=None)
        clock = {"now": parse_time(now_text).strftime(FMT), "tick": bool(tick), "set_at": time.time()}
        return self.set_config(family, clock=clock)

    # ---- captcha ----
    def captcha_new(self, family, key, alphabet=captcha.ALNUM):
        with self.lock:
            override = self.data["sites"][family]["captcha_override"]
            answer = override or captcha.new_answer(alphabet)
            if len(self.sessions) > 5000:
                self.sessions.clear()
            self.sessions[(family, key)] = answer
            self.last_answer[family] = answer
            return answer

    def captcha_get(self, family, key):
        with self.lock:
            return self.sessions.get((family, key))

    def captcha_check(self, family, key, given):
        """True if given answers the session's captcha (or the override); the answer is used up."""
        given = (given or "").strip().upper()
        with self.lock:
            override = self.data["sites"][family]["captcha_override"]
            answer = self.sessions.pop((family, key), None)
        if override and given == str(override).upper():
            return True
        return bool(answer) and given == answer.upper()

    def captcha_question_new(self, family, key):
        """A question captcha ("3+4=?") for the session; its answer (the sum, or the override) is kept
        like an image's. Returns the question's text."""
        a, b = random.randint(1, 9), random.randint(1, 9)
        with self.lock:
            override = self.data["sites"][family]["captcha_override"]
            answer = override or str(a + b)
            self.sessions[(family, key)] = answer
            self.last_answer[family] = answer
        return "%d+%d=?" % (a, b)

    # ---- slider captchas ----
    def slider_new(self, family, key):
        """A new slider for the session (any earlier one and its token are gone); its state."""
        gap = slider.new_gap()
        state = {"gap": gap, "seed": random.randrange(1 << 30), "token": None}
        with self.lock:
            if len(self.sliders) > 5000:
                self.sliders.clear()
            self.sliders[(family, key)] = state
            self.last_slider[family] = gap[0]
        return dict(state)

    def slider_get(self, family, key):
        with self.lock:
            got = self.sliders.get((family, key))
            return dict(got) if got else None

    def slider_verify(self, family, key, trace):
        """(ok, reason, token): the drag judged against the session's gap. One drag per picture: a
        failed one uses the picture up (a new one must be asked for), a good one gives a token."""
        with self.lock:
            state = self.sliders.get((family, key))
            if not state or state.get("used"):
                return False, "no slider (ask for a new one)", None
            state["used"] = True
        ok, why = slider.trace_verdict(trace, state["gap"][0])
        token = None
        if ok:
            token = "%016x" % random.randrange(1 << 64)
            with self.lock:
                state["token"] = token
        return ok, why, token

    def slider_token_check(self, family, key, given):
        """True if given is the token the session's solved slider gave; it is used up either way."""
        with self.lock:
            state = self.sliders.pop((family, key), None)
        return bool(state and state.get("token") and (given or "").strip() == state["token"])
    # ---- real-name logins (login_wall) ----
    def login_new(self, family, user, password):
        """A login token for the right user and password, else None."""
        if user != LOGIN_USER or password != LOGIN_PASSWORD:
            return None
        with self.lock:
            token = secrets.token_hex(16)
            self.logins[(family, token)] = LOGIN_NAME
            self.logins_made[family] = self.logins_made.get(family, 0) + 1
            return token

    def login_user(self, family, token):
        """The name of the person a live login token belongs to, else None."""
        with self.lock:
            return self.logins.get((family, token or ""))

    def logins_expire(self, family):
        """Every login of the family ends (the platform's sessions timed out); returns how many."""
        with self.lock:
            gone = [k for k in self.logins if k[0] == family]
            for k in gone:
                del self.logins[k]
            return len(gone)

    def logins_state(self, family):
        with self.lock:
            return {"live": sum(1 for k in self.logins if k[0] == family), "made": self.logins_made.get(family, 0)}

    # ---- SMS codes ----
    def sms_send(self, family, phone):
        """'Sends' a new 6-digit code to phone: kept here, readable through the control API."""
        code = "%06d" % random.randint(0, 999999)
        with self.lock:
            self.sms[(family, phone)] = (code, time.monotonic())
            self.last_sms[family] = phone
        return code

    def sms_last(self, family, phone=None):
        """The code last sent to phone (default: the last phone sent one), or None (none, or expired)."""
        with self.lock:
            phone = phone or self.last_sms.get(family)
            got = self.sms.get((family, phone))
        if not got or time.monotonic() - got[1] > SMS_CODE_SECONDS:
            return None
        return got[0]

    def sms_check(self, family, phone, given):
        """True if given is the code sent to phone and still good; a right code is used up."""
        code = self.sms_last(family, phone)
        if not code or (given or "").strip() != code:
            return False
        with self.lock:
            self.sms.pop((family, phone), None)
        return True

    # ---- failures ----
    def set_failure(self, server, spec):
        with self.lock:
            if spec is None:
                self.failures.pop(server, None)
            else:
                self.failures[server] = spec

    def failure_list(self):
        with self.lock:
            out = {}
            for server, spec in self.failures.items():
                s = dict(spec)
                if s.get("until") is not None:
                    s["remaining_seconds"] = round(max(0.0, s.pop("until") - time.monotonic()), 3)
                out[server] = s
            return out

    def take_failure(self, server, target=""):
        """The failure this request (target = path and query) must suffer, or None; counts one request.

        A spec with path_contains hits (and counts) only requests whose target contains that string."""
        with self.lock:
            spec = self.failures.get(server)
            if not spec:
                return None
            if spec.get("until") is not None and time.monotonic() >= spec["until"]:
                del self.failures[server]
                return None
            if spec.get("path_contains") and spec["path_contains"] not in target:
                return None
            if spec.get("count") is not None:
                spec["count"] -= 1
                if spec["count"] <= 0:
                    del self.failures[server]
            return dict(spec)

    # ---- throttle ----
    def throttle_hit(self, family, session=None):
        """True if a post now comes too soon after the last accepted one: of the whole site, or of
        one session when session is given (a PHP CMS keeps the last post time in $_SESSION)."""
        with self.lock:
            limit = self.data["sites"][family]["throttle_seconds"] or 0
            last = self.last_post.get(family if session is None else (family, session))
            return bool(limit) and last is not None and time.monotonic() - last < limit

    def throttle_mark(self, family, session=None):
        with self.lock:
            if len(self.last_post) > 5000:
                self.last_post.clear()
            self.last_post[family if session is None else (family, session)] = time.monotonic()

    # ---- letters ----
    def add_letter(self, family, fields, submitted_at=None):
        """Store a new letter from the site's form; fields are the normalised values plus 'form' (raw)."""
        with self.lock:
            self.data["seq"][family] += 1
            seq = self.data["seq"][family]
            now = parse_time(submitted_at) if submitted_at else self.now(family)
            number, detail_path = self.namers[family](seq, now)
            codes = {x["query_code"] for x in self.data["letters"]}
            code = "".join(random.choice("0123456789") for _ in range(10))
            while code in codes or code[0] == "0":
                code = "".join(random.choice("0123456789") for _ in range(10))
            moderated = self.data["sites"][family]["moderation"]
            letter = {
                "id": "%s-%d" % (family, seq), "site": family, "seq": seq, "number": number,
                "query_code": code, "title": "", "content": "", "name": "", "phone": "", "email": "",
                "type": "", "recipient": "", "address": "", "is_public": True,
                "submitted_at": now.strftime(FMT), "state": "pending-approval" if moderated else "待处理",
                "reply": None, "clicks": 0, "detail_path": detail_path, "form": {}, "events": [], "mailed": False,
            }
            for k, v in fields.items():
                if k in letter and k not in ("id", "site", "seq", "number", "query_code", "detail_path"):
                    letter[k] = v
            letter["events"].append({"at": letter["submitted_at"], "what": "submitted"})
            self.data["letters"].append(letter)
            self.save()
            return copy.deepcopy(letter)

    def _find(self, pred):
        for x in self.data["letters"]:
            if pred(x):
                return x
        return None

    def get(self, letter_id):
        with self.lock:
            x = self._find(lambda l: l["id"] == letter_id)
            return copy.deepcopy(x) if x else None

    def find(self, family, **match):
        """The first letter of family whose fields equal match (any state), or None."""
        with self.lock:
            x = self._find(lambda l: l["site"] == family and all(str(l.get(k)) == str(v)
                                                                  for k, v in match.items()))
            return copy.deepcopy(x) if x else None

    def letters(self, family=None, visible_only=False, public_only=False):
        with self.lock:
            out = [copy.deepcopy(x) for x in self.data["letters"]
                   if (family is None or x["site"] == family)
                   and not (visible_only and x["state"] in HIDDEN)
                   and not (public_only and not x["is_public"])]
        return out

    def click(self, letter_id):
        with self.lock:
            x = self._find(lambda l: l["id"] == letter_id)
            if x:
                x["clicks"] += 1
                self.save()

    def act(self, letter_id, action, reply=None, state=None):
        """Operator actions: reply, delete, spam, approve, set state. Returns the letter or None."""
        with self.lock:
            x = self._find(lambda l: l["id"] == letter_id)
            if not x:
                return None
            at = self.now_text(x["site"])
            if action == "reply":
                x["reply"] = reply
                if x["state"] in ("待处理", "pending-approval"):
                    x["state"] = "已回复"
                if x.get("mailed") and x["email"]:  # a site that mailed the code mails the answer too
                    self.mailbox.deliver(mailer.reply_mail(x), when=parse_time(reply["date"]))
            elif action == "delete":
                x["state"] = "deleted"
            elif action == "spam":
                x["state"] = "spam"
            elif action == "approve":
                if x["state"] == "pending-approval":
                    x["state"] = "已回复" if x["reply"] else "待处理"
            elif action == "state":
                if state not in STATES:
                    raise ValueError("bad state %r: expected one of %s" % (state, ", ".join(STATES)))
                x["state"] = state
            else:
                raise ValueError("bad action %r" % action)
            x["events"].append({"at": at, "what": action, "state": x["state"]})
            self.save()
            return copy.deepcopy(x)
