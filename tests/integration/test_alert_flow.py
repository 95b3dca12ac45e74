#!/usr/bin/env python3
"""Alerts from real visits: a letter that passes its deadline unanswered raises one webhook alert when a
check finds it so (and none on the checks before), and `huixin alert summary` sends the campaign's
standing. The webhook URL carries a secret token that must never appear in huixin's output.
Prints "N passed, N failed" last.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import ROOT, HUIXIN, Sites, Tally  # noqa: E402
import demo  # noqa: E402

SECRET = "tok-7f3a9c-do-not-print"


T = Tally("alert_flow")
check = T.check


def posts(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    work = tempfile.mkdtemp(prefix="huixin-alerts-")
    sink = None
    try:
        out = os.path.join(work, "posts.jsonl")
        port_file = os.path.join(work, "port")
        sink = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "integration", "sinks", "http_sink.py"),
                                 "--out", out, "--port-file", port_file], stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = int(open(port_file).read().strip())
        env = dict(os.environ, HUIXIN_WEBHOOK_URL="http://127.0.0.1:%d/hook?access_token=%s" % (port, SECRET),
                   HUIXIN_WEBHOOK_FORMAT="generic", HOME=work)
        store = os.path.join(work, "huixin.db")

        def huixin(*args, now=None):
            cmd = [HUIXIN] + list(args) + ["--store", store]
            if args[0] in ("campaign", "check"):
                cmd += ["--evidence", os.path.join(work, "evidence")]
            if now:
                cmd += ["--now", now]
            return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  timeout=300)

        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            d = demo.Demo(work, HUIXIN, quiet=True)
            d.sites = sites
            d.story_sites = [s for s in demo.SITES if s[0] == "baochuan"]
            campaign = d.write_campaign()
            sites.ctl.clock("2026-03-02 09:30:00")
            runs = [huixin("campaign", "start", campaign, now="2026-03-02 09:30"),
                    huixin("check", "--due", now="2026-03-03 10:00")]
            check(runs[0].returncode == 0 and runs[1].returncode == 0, "a campaign and a check inside the deadline",
                  runs[0].stderr + runs[1].stderr)
            check(len(posts(out)) == 0, "no alert while the letter is inside its deadline", str(posts(out)))
            runs.append(huixin("check", "--due", now="2026-03-10 09:00"))
            got = posts(out)
            check(len(got) == 1, "one alert when the check after the deadline finds no reply", str(got)[:500])
            body = got[0]["body"] if got else ""
            check("超期未回复" in body and "待回复" in body, "the alert says 待回复 -> 超期未回复", body[:300])
            check("宝川市人民政府门户网站" in body, "the alert names the site", body[:300])
            runs.append(huixin("check", "--all", now="2026-03-11 09:00"))
            check(len(posts(out)) == 1, "no second alert while the verdict stays the same", str(len(posts(out))))
            runs.append(huixin("alert", "summary", now="2026-03-11 18:00"))
            got = posts(out)
            check(runs[-1].returncode == 0 and len(got) == 2, "'huixin alert summary' sends the daily summary",
                  runs[-1].stderr)
            summary = got[-1]["body"] if len(got) == 2 else ""
            check("超期未回复" in summary and "1" in summary, "the summary counts the overdue letter", summary[:300])
            # `huixin run` sends the summary by itself at the file's daily_summary time, once a day.
            conf = os.path.join(work, "alerts.conf")
            with open(conf, "w") as f:
                f.write("daily_summary = 18:00\n[webhook]\nurl = http://127.0.0.1:%d/hook?access_token=%s\n"
                        "format = generic\n" % (port, SECRET))
            os.chmod(conf, 0o600)
            before = len(posts(out))
            runs.append(huixin("run", "--once", "--alerts", conf, now="2026-03-12 17:00"))
            check(len(posts(out)) == before, "no daily summary before its time", runs[-1].stdout + runs[-1].stderr)
            runs.append(huixin("run", "--once", "--alerts", conf, now="2026-03-12 18:05"))
            got = posts(out)
            check(len(got) >= before + 1 and "超期未回复" in got[-1]["body"], "'huixin run' sends the daily summary at 18:00",
                  runs[-1].stdout + runs[-1].stderr)
            n_after = len(got)
            runs.append(huixin("run", "--once", "--alerts", conf, now="2026-03-12 20:00"))
            check(len(posts(out)) == n_after, "and only once that day, across restarts", str(len(posts(out))))
            printed = "".join(r.stdout + r.stderr for r in runs)
            check(SECRET not in printed, "the webhook's token never appears in huixin's output")
    finally:
        if sink:
            sink.terminate()
            sink.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
