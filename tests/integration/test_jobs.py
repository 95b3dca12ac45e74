#!/usr/bin/env python3
"""huixin check --jobs: several letters at once, in worker processes (issue 7).

A campaign of 12 letters over the five fixture families (seeded through the control API, registered
with `huixin import`), then:
  1. `check --all --jobs 3`: every letter gets exactly one new visit row, each is reported once, and
     three workers did the work;
  2. one worker killed with SIGKILL mid-sweep: the letter it held (if any) is reported as not visited
     and has no row huixin invented, every other letter gets exactly one new row;
  3. the browser huixin launched is killed mid-sweep: a new one is started, every letter is visited;
  4. a pool of two browsers started apart (--browser A, --browser B): workers run on both; one of them
     is killed mid-sweep and the other finishes the sweep: the letter being visited on the killed one is
     retried once on the other (issue 18), every letter is visited in the same run with exactly one new
     successful row, the failed attempt stays a failed row, and no verdict turns against a site;
  5. `run --once --jobs 2` visits its due letters through the pool.
No timing is asserted. Prints one line per check and "N passed, N failed" last.
"""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from harness import ROOT, HUIXIN, CHROMIUM, LIBRARY, Sites, Tally  # noqa: E402

CAMPAIGN = "并发检查测试"


T = Tally("jobs")
check = T.check


# family -> (fixture server for base_url, scenario, letters to seed)
FAMILIES = [("hanweb", "hanweb", "hanweb-jact.json", 3), ("gbk", "gbk", "legacy-gbk.json", 3),
            ("spa", "spa", "spa.json", 2), ("iframe", "iframe-city", "iframe.json", 2),
            ("board", "board", "board.json", 2)]


def seed(sites, work, env):
    """Seeds the letters on the fixture sites and imports each into the ledger, sent a minute ago (so
    the unanswered ones stay due for huixin run); returns their ids."""
    n = 0
    for family, server, scenario, count in FAMILIES:
        for k in range(count):
            n += 1
            x = sites.ctl.create(family, title="关于社区公园开放时间的咨询%d" % n,
                                 content="您好，请问社区公园冬季的开放时间是几点到几点？谢谢。（测试%d）" % n,
                                 name="王芳", phone="13912345678", email="wf@example.cn", type="咨询")
            if k == 0:
                sites.ctl.reply(x["id"], None, "市园林局", "您好，冬季开放时间为6:00至21:00。")
            args = [HUIXIN, "import", os.path.join(LIBRARY, scenario), "--campaign", CAMPAIGN,
                    "--site-key", "%s-%d" % (family, k + 1), "--var", "base_url=" + sites.url(server, "").rstrip("/"),
                    "--var", "query_code=" + x["query_code"], "--var", "letter_no=" + str(x["number"]),
                    "--submitted", time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() + 8 * 3600 - 60))] + env
            if family == "iframe":
                args += ["--var", "platform_url=" + sites.url("iframe-platform", "").rstrip("/")]
            p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
            if p.returncode != 0:
                raise SystemExit("import failed (%d): %s" % (p.returncode, p.stderr))
    con = sqlite3.connect(env[1])
    ids = [r[0] for r in con.execute("SELECT id FROM letters ORDER BY id")]
    con.close()
    return ids


def outcome_counts(store):
    """letter id -> (successful visit rows: found or not found, failed visit rows)."""
    con = sqlite3.connect(store, timeout=30)
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT letters.id, count(CASE WHEN visits.outcome IN (0, 1) THEN 1 END), "
            "count(CASE WHEN visits.outcome = 2 THEN 1 END) FROM letters LEFT JOIN visits "
            "ON visits.letter_id = letters.id GROUP BY letters.id")}
    finally:
        con.close()


def verdicts(store):
    con = sqlite3.connect(store, timeout=30)
    try:
        return dict(con.execute("SELECT id, verdict FROM letters"))
    finally:
        con.close()


def retried(err):
    return [int(m.group(1)) for m in (re.match(r"huixin: letter (\d+): retried on another browser", x) for x in err) if m]


def visit_counts(store):
    con = sqlite3.connect(store, timeout=30)
    try:
        return dict(con.execute("SELECT letters.id, count(visits.id) FROM letters LEFT JOIN visits "
                                "ON visits.letter_id = letters.id GROUP BY letters.id"))
    finally:
        con.close()


class Sweep:
    """huixin check in the background, its stdout read line by line as it comes."""

    def __init__(self, args, env_extra=None):
        env = dict(os.environ, **(env_extra or {}))
        self.p = subprocess.Popen([HUIXIN, "check"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.lines = []
        self.err = []
        self.t_out = threading.Thread(target=self._read, args=(self.p.stdout, self.lines), daemon=True)
        self.t_err = threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)
        self.t_out.start()
        self.t_err.start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_lines(self, n, limit=240):
        end = time.monotonic() + limit
        while len(self.lines) < n and self.p.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        return len(self.lines) >= n

    def finish(self, limit=600):
        try:
            rc = self.p.wait(limit)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.t_out.join(10)
        self.t_err.join(10)
        return rc

    def workers(self):
        """Pids of the worker processes now running (children of huixin named huixin-worker)."""
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == self.p.pid and comm == "huixin-worker":
                pids.append(int(d))
        return pids


def reported(lines):
    return [int(m.group(1)) for m in (re.match(r"letter (\d+) ", x) for x in lines) if m]


def not_visited(err):
    return [int(m.group(1)) for m in (re.match(r"huixin: letter (\d+): not visited", x) for x in err) if m]


def round_plain(ids, env):
    before = visit_counts(env[1])
    s = Sweep(["--all", "--campaign", CAMPAIGN, "--jobs", "3"] + env, {"HUIXIN_LOG": "debug"})
    rc = s.finish()
    after = visit_counts(env[1])
    started = [x for x in s.err if "worker" in x and "started on" in x]
    check(rc in (0, 5), "check --all --jobs 3 ends with 0 or 5 (got %d)" % rc, "\n".join(s.err[-5:]))
    check(sorted(reported(s.lines)) == sorted(ids), "each of the %d letters is reported exactly once" % len(ids),
          "reported %s" % reported(s.lines))
    check(all(after[i] - before.get(i, 0) == 1 for i in ids), "every letter has exactly one new visit row",
          str({i: after[i] - before.get(i, 0) for i in ids}))
    check(len(started) == 3, "three workers did the work", "\n".join(started))
    found = [x for x in s.lines if "found, " in x]
    check(len(found) == len(ids), "every letter was found on its site", "\n".join(s.lines))


def round_worker_killed(ids, env, sites):
    before = visit_counts(env[1])
    # slow pages, so a worker is surely in the middle of a visit when it is killed
    for server in ("hanweb", "gbk", "spa", "iframe", "board"):
        sites.ctl.fail(server, "slow", seconds=600, delay=1)
    s = Sweep(["--all", "--campaign", CAMPAIGN, "--jobs", "3"] + env)
    killed = None
    if s.wait_lines(1):
        pids = s.workers()
        if pids:
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
    rc = s.finish()
    for server in ("hanweb", "gbk", "spa", "iframe", "board"):
        sites.ctl.fail(server, "off")
    after = visit_counts(env[1])
    lost = not_visited(s.err)
    check(killed is not None, "a worker was found and killed mid-sweep")
    check(any("died (killed by signal 9)" in x for x in s.err) or not lost,
          "the parent says the worker was killed", "\n".join(s.err))
    check(len(lost) <= 1, "at most the one letter the worker held is lost (%s)" % lost)
    check(sorted(reported(s.lines) + lost) == sorted(ids), "every other letter is visited and reported once",
          "reported %s, not visited %s" % (reported(s.lines), lost))
    check(all(after[i] - before.get(i, 0) == 1 for i in ids if i not in lost),
          "every letter visited has exactly one new row",
          str({i: after[i] - before.get(i, 0) for i in ids}))
    check(all(after[i] - before.get(i, 0) <= 1 for i in lost), "no row is invented for the lost letter")
    check(rc == (4 if lost else rc), "exit 4 when a letter could not be visited (got %d)" % rc)


def round_own_browser_killed(ids, env, sites):
    """The browser huixin launched for its workers is killed mid-sweep: huixin starts another and
    the sweep goes on; a letter is visited once, or reported as not visited."""
    before = visit_counts(env[1])
    for server in ("hanweb", "gbk", "spa", "iframe", "board"):
        sites.ctl.fail(server, "slow", seconds=600, delay=1)
    s = Sweep(["--all", "--campaign", CAMPAIGN, "--jobs", "2"] + env)
    killed = False
    if s.wait_lines(2):
        for d in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            if int(stat[stat.rindex(")") + 2:].split()[1]) == s.p.pid and comm.startswith("chrom"):
                os.killpg(int(d), signal.SIGKILL)  # the browser and its renderers
                killed = True
    rc = s.finish()
    for server in ("hanweb", "gbk", "spa", "iframe", "board"):
        sites.ctl.fail(server, "off")
    after = visit_counts(env[1])
    lost = not_visited(s.err)
    check(killed, "huixin's own browser was found and killed mid-sweep")
    check(any("starting a new one" in x for x in s.err), "huixin started a new browser", "\n".join(s.err[-8:]))
    check(not lost, "no letter is left unvisited (%s)" % lost, "\n".join(s.err[-8:]))
    check(sorted(reported(s.lines)) == sorted(ids), "every letter is reported once")
    again = retried(s.err)
    check(len(set(again)) == len(again), "no letter is retried twice (%s)" % again)
    check(all(after[i] - before.get(i, 0) == (2 if i in again else 1) for i in ids),
          "every letter has exactly one new visit row, two when retried after the crash (%s)" % again,
          str({i: after[i] - before.get(i, 0) for i in ids}))
    check(rc in (0, 5), "exit 0 or 5: a visit cut by the crash is 无法核实 (got %d)" % rc)


def start_chromium(work, name):
    profile = os.path.join(work, "chromium-" + name)
    os.makedirs(profile)
    args = [CHROMIUM, "--headless", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            "--user-data-dir=" + profile, "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-dev-shm-usage", "about:blank"]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    port_file = os.path.join(profile, "DevToolsActivePort")
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            with open(port_file) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[1]:
                return p, "ws://127.0.0.1:%s%s" % (lines[0].strip(), lines[1].strip())
        except OSError:
            pass
        time.sleep(0.1)
    p.kill()
    raise SystemExit("chromium %s did not write DevToolsActivePort" % name)


def round_pool(ids, env, sites, work):
    a, url_a = start_chromium(work, "a")
    b, url_b = start_chromium(work, "b")
    try:
        before = visit_counts(env[1])
        outcomes_before = outcome_counts(env[1])
        for server in ("hanweb", "gbk", "spa", "iframe", "board"):
            sites.ctl.fail(server, "slow", seconds=600, delay=1)
        s = Sweep(["--all", "--campaign", CAMPAIGN, "--jobs", "2", "--browser", url_a + ",", "--browser", url_b] + env,
                  {"HUIXIN_LOG": "debug"})
        # the pages are slow (a second a request): a worker always holds a letter, so A dies under a visit
        if s.wait_lines(2):
            os.killpg(a.pid, signal.SIGKILL)
        rc = s.finish()
        for server in ("hanweb", "gbk", "spa", "iframe", "board"):
            sites.ctl.fail(server, "off")
        after = visit_counts(env[1])
        outcomes_after = outcome_counts(env[1])
        again = retried(s.err)
        started = [x for x in s.err if "started on" in x]
        check(any(url_a in x for x in started) and any(url_b in x for x in started),
              "workers ran on both browsers of the pool", "\n".join(started))
        check(any("cannot be used any more" in x and url_a in x for x in s.err),
              "the killed browser is named and left", "\n".join(s.err[-8:]))
        lost = not_visited(s.err)
        check(sorted(reported(s.lines) + lost) == sorted(ids),
              "every letter is reported once: visited, or not visited (%d lost)" % len(lost),
              "reported %s, not visited %s" % (reported(s.lines), lost))
        check(all(after[i] - before.get(i, 0) == 1 for i in ids if i not in lost + again),
              "every letter not retried has exactly one new row, the other browser finished the sweep",
              str({i: after[i] - before.get(i, 0) for i in ids}))
        late = reported(s.lines)[2:]
        check(len(late) >= len(ids) - 4, "the letters after the kill were checked (%d)" % len(late))
        # issue 18: the letter under way on the dead browser is retried once on the other, in this run
        check(len(again) == 1, "the letter being visited on the killed browser is retried on the other, "
              "and the retry is said (%s)" % again, "\n".join(s.err[-8:]))
        check(not lost, "every letter is visited in the same run (%s not visited)" % lost, "\n".join(s.err[-8:]))
        check(all(outcomes_after[i][0] - outcomes_before[i][0] == 1 for i in ids),
              "each letter has exactly one new successful visit row",
              str({i: (outcomes_before[i], outcomes_after[i]) for i in ids}))
        failed_new = {i: outcomes_after[i][1] - outcomes_before[i][1] for i in ids}
        check(all(failed_new[i] == 0 for i in ids if i not in again) and all(failed_new[i] <= 1 for i in again),
              "the failed attempt, if recorded, is the retried letter's one failed row; no other letter has one",
              str({i: (outcomes_before[i], outcomes_after[i]) for i in ids}))
        v = verdicts(env[1])
        check(not any(v[i] == "信件被删除" for i in ids), "no verdict counts against a site (no 信件被删除)", str(v))
        check(rc in (0, 5), "exit 0 or 5, no letter left unvisited (got %d)" % rc)
        # the ledger took several writers: it is whole
        con = sqlite3.connect(env[1])
        check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "the ledger passes the integrity check")
        con.close()
    finally:
        for p in (a, b):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def round_run(ids, env):
    """huixin run --once takes its due letters through the pool too, one timestamped line each."""
    due_before = visit_counts(env[1])
    p = subprocess.run([HUIXIN, "run", "--once", "--jobs", "2", "--interval", "0.0001", "--jitter", "0",
                        "--campaign", CAMPAIGN] + env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=600)
    after = visit_counts(env[1])
    lines = [x for x in p.stdout.splitlines() if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d letter \d+ ", x)]
    visited = [int(re.search(r" letter (\d+) ", x).group(1)) for x in lines]
    check(p.returncode == 0, "run --once --jobs 2 exits 0 (got %d)" % p.returncode, p.stderr[-500:])
    check(len(visited) > 1 and len(set(visited)) == len(visited), "run visited %d due letters, each once" % len(visited),
          p.stdout)
    check(all(after[i] - due_before[i] == (1 if i in visited else 0) for i in ids),
          "each letter run reported has exactly one new row, the others none")


def main():
    if not os.access(HUIXIN, os.X_OK):
        print("test_jobs: no huixin binary at %s" % HUIXIN)
        print("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="huixin-jobs-")
    env = ["--store", os.path.join(work, "huixin.db"), "--evidence", os.path.join(work, "evidence")]
    try:
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            ids = seed(sites, work, env)
            check(len(ids) == 12, "12 letters imported")
            round_plain(ids, env)
            round_worker_killed(ids, env, sites)
            round_own_browser_killed(ids, env, sites)
            round_pool(ids, env, sites, work)
            round_run(ids, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
