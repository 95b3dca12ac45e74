#!/usr/bin/env python3
"""Act as the fixture sites' operator from a shell script.

usage: ctl.py --control PORT VERB [ARGS]   (or --ports-file FILE instead of --control)

  list [--site S]                                   every letter, as JSON (the ground truth)
  show LETTER_ID                                    one letter
  reply LETTER_ID [--date D] --unit U --text T      answer it (date default: the site's clock)
  delete|spam|approve LETTER_ID
  state LETTER_ID STATE                             待处理 已回复 deleted spam pending-approval
  captcha --site S [--set ANSWER | --clear]         read, fix or clear the captcha answer
  fail --site S --mode 500|slow|reset|waf|off [--count K] [--seconds N] [--delay N] [--status 200|403]
       [--path-contains S]                          only requests whose path+query contain S
  moderation --site S on|off
  throttle --site S SECONDS
  perpage --site S N                                messages per list page (guestbook, 2..10)
  windows --site S off|blank|window|noopener|form   how 我要写信 opens the write page (hanweb)
  sms --site S [on|off] [--phone P]                 the SMS-code gate (hanweb); no on|off: the code last sent
  question --site S on|off                          the question captcha "3+4=?" (hanweb)
  slider --site S on|off                            the slider captcha (hanweb)
  mailcode --site S on|off                          mail the query code and the reply, not show them (hanweb)
  mails                                             what the sites mailed (served over IMAP)
  login-wall --site S [on|off|expire]               the real-name login wall (hanweb); expire ends every login
  clock [--site S] NOW|real [--tick]                NOW like '2026-03-02 09:30:00'
  settings | health | reset

Prints the API's JSON answer; exits 1 on an API error, 2 on a usage error.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client import Control, ControlError  # noqa: E402


def build_parser():
    p = argparse.ArgumentParser(prog="ctl.py", description="operator of the huixin fixture sites")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--control", type=int, metavar="PORT", help="the control API's port")
    where.add_argument("--ports-file", metavar="FILE", help="the ports JSON written by server.py")
    sub = p.add_subparsers(dest="verb", required=True)
    sub.add_parser("list").add_argument("--site")
    sub.add_parser("show").add_argument("id")
    r = sub.add_parser("reply")
    r.add_argument("id")
    r.add_argument("--date")
    r.add_argument("--unit", required=True)
    r.add_argument("--text", required=True)
    for verb in ("delete", "spam", "approve"):
        sub.add_parser(verb).add_argument("id")
    s = sub.add_parser("state")
    s.add_argument("id")
    s.add_argument("state")
    c = sub.add_parser("captcha")
    c.add_argument("--site", required=True)
    g = c.add_mutually_exclusive_group()
    g.add_argument("--set", dest="answer")
    g.add_argument("--clear", action="store_true")
    f = sub.add_parser("fail")
    f.add_argument("--site", required=True)
    f.add_argument("--mode", required=True, choices=("500", "slow", "reset", "waf", "off"))
    f.add_argument("--count", type=int)
    f.add_argument("--seconds", type=float)
    f.add_argument("--delay", type=float)
    f.add_argument("--status", type=int, choices=(200, 403))
    f.add_argument("--path-contains", metavar="S")
    m = sub.add_parser("moderation")
    m.add_argument("--site", required=True)
    m.add_argument("on", choices=("on", "off"))
    t = sub.add_parser("throttle")
    t.add_argument("--site", required=True)
    t.add_argument("seconds", type=float)
    n = sub.add_parser("perpage")
    n.add_argument("--site", required=True)
    n.add_argument("n", type=int)
    w = sub.add_parser("windows")
    w.add_argument("--site", required=True)
    w.add_argument("mode", choices=("off", "blank", "window", "noopener", "form"))
    m = sub.add_parser("sms")
    m.add_argument("--site", required=True)
    m.add_argument("on", nargs="?", choices=("on", "off"))
    m.add_argument("--phone")
    q = sub.add_parser("question")
    q.add_argument("--site", required=True)
    q.add_argument("on", choices=("on", "off"))
    sl = sub.add_parser("slider")
    sl.add_argument("--site", required=True)
    sl.add_argument("on", choices=("on", "off"))
    mc = sub.add_parser("mailcode")
    mc.add_argument("--site", required=True)
    mc.add_argument("on", choices=("on", "off"))
    sub.add_parser("mails")
    lw = sub.add_parser("login-wall")
    lw.add_argument("--site", required=True)
    lw.add_argument("what", nargs="?", choices=("on", "off", "expire"))
    k = sub.add_parser("clock")
    k.add_argument("--site")
    k.add_argument("now", help="'YYYY-MM-DD HH:MM:SS', or 'real' for the real clock")
    k.add_argument("--tick", action="store_true", help="let the set time run on")
    for verb in ("settings", "health", "reset"):
        sub.add_parser(verb)
    return p


def run(ctl, a):
    v = a.verb
    if v == "list":
        return ctl.letters(a.site)
    if v == "show":
        return ctl.letter(a.id)
    if v == "reply":
        return ctl.reply(a.id, a.date, a.unit, a.text)
    if v in ("delete", "spam", "approve"):
        return getattr(ctl, v)(a.id)
    if v == "state":
        return ctl.set_state(a.id, a.state)
    if v == "captcha":
        if a.clear:
            return ctl.captcha(a.site, None)
        return ctl.captcha(a.site, a.answer) if a.answer else ctl.captcha(a.site)
    if v == "fail":
        return ctl.fail(a.site, a.mode, a.count, a.seconds, a.delay, a.status, a.path_contains)
    if v == "moderation":
        return ctl.moderation(a.site, a.on == "on")
    if v == "throttle":
        return ctl.throttle(a.site, a.seconds)
    if v == "perpage":
        return ctl.perpage(a.site, a.n)
    if v == "windows":
        return ctl.windows(a.site, a.mode)
    if v == "sms":
        return ctl.sms(a.site, on=None if a.on is None else a.on == "on", phone=a.phone)
    if v == "question":
        return ctl.question(a.site, a.on == "on")
    if v == "slider":
        return ctl.slider(a.site, a.on == "on")
    if v == "mailcode":
        return ctl.mail_code(a.site, a.on == "on")
    if v == "mails":
        return ctl.mails()
    if v == "login-wall":
        if a.what == "expire":
            return ctl.login_wall(a.site, expire=True)
        return ctl.login_wall(a.site, on=None if a.what is None else a.what == "on")
    if v == "clock":
        return ctl.clock(None if a.now == "real" else a.now, a.site, a.tick)
    return getattr(ctl, v)()


def main(argv=None):
    a = build_parser().parse_args(argv)
    port = a.control
    if a.ports_file:
        with open(a.ports_file) as f:
            port = json.load(f)["control"]
    try:
        out = run(Control(port), a)
    except ControlError as e:
        print("ctl.py: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("ctl.py: cannot reach the control API on port %s: %s" % (port, e), file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
