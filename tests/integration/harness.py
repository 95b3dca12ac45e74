"""What the Python integration tests share: the paths, the pass/fail tally and its closing line, and a
workspace (a ledger and an evidence folder in a temporary folder) to run huixin against.

Pages serves tests/integration/pages/ (serve.py) for the tests that run one-page scenarios on them.
A test starts with
    from harness import ROOT, HUIXIN, LIBRARY, Tally, Workspace, Sites
    T = Tally("name")          # prints "ok   name: ..." / "FAIL name: ...: detail"
    check = T.check
and ends with `return T.finish()`, which prints "N passed, N failed" (tests/run.sh adds these up).
Importing it puts tests/sites (the fixture sites' client) and scripts (the demo) on the path.
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in (os.path.join(ROOT, "tests", "sites"), os.path.join(ROOT, "scripts")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from client import Sites  # noqa: E402,F401  (re-exported: the fixture sites)

HUIXIN = os.path.abspath(os.environ.get("HUIXIN_BIN", os.path.join(ROOT, "huixin")))
CHROMIUM = os.environ.get("HUIXIN_CHROMIUM", "/usr/lib/chromium/chromium")
LIBRARY = os.path.join(ROOT, "scenarios", "library")


class Tally:
    """Counts checks and prints one line each; detail_tail keeps only the end of a long detail."""

    def __init__(self, name, detail_tail=None):
        self.name, self.detail_tail = name, detail_tail
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s: %s" % (self.name, what), flush=True)
        else:
            self.failed += 1
            detail = str(detail) if detail else ""
            if self.detail_tail:
                detail = detail[-self.detail_tail:]
            print("FAIL %s: %s%s" % (self.name, what, (": " + detail) if detail else ""), flush=True)
        return ok

    def finish(self):
        """The closing line; the exit code for it."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def ledger_rows(store, sql, params=()):
    """The rows of a query on a ledger, as dicts."""
    con = sqlite3.connect(store, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def ledger_integrity(store):
    """SQLite's integrity check of a ledger: "ok" when it holds."""
    con = sqlite3.connect(store, timeout=30)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def evidence_file(folder, name):
    """Where a visit folder's file is: in the folder, or (a screenshot the same as an earlier visit's,
    kept once) where its manifest's "same_as" says, in an earlier visit folder of the letter."""
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            files = json.load(f).get("files", [])
    except (OSError, ValueError):
        files = []
    for entry in files:
        if entry.get("name") == name and entry.get("same_as"):
            return os.path.normpath(os.path.join(folder, entry["same_as"]))
    return os.path.join(folder, name)


class Workspace:
    """A ledger (huixin.db) and an evidence folder under dir, and huixin run against them."""

    def __init__(self, dir, sites=None, now=None, timeout=300):
        os.makedirs(dir, exist_ok=True)
        self.tmp, self.sites = dir, sites
        self.ctl = sites.ctl if sites else None
        self.store = os.path.join(dir, "huixin.db")
        self.evidence = os.path.join(dir, "evidence")
        self.now, self.timeout = now, timeout

    def huixin(self, *args, now=None, extra=(), timeout=None):
        """Runs huixin ARGS --store --evidence [--now]; returns (exit code, stdout, stderr)."""
        cmd = [HUIXIN] + list(args) + ["--store", self.store, "--evidence", self.evidence] + list(extra)
        now = now or self.now
        if now:
            cmd += ["--now", now]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout or self.timeout)
        return p.returncode, p.stdout, p.stderr

    def rows(self, sql, params=()):
        return ledger_rows(self.store, sql, params)

    def letters(self):
        return self.rows("SELECT * FROM letters ORDER BY id")

    def visits(self, letter_id):
        return self.rows("SELECT * FROM visits WHERE letter_id = ? ORDER BY id", (letter_id,))

    def visit_metas(self, letter_id, parse=True):
        """[(visit row, its meta.json)] of the letter's visits that kept evidence, oldest first; the meta
        parsed, or its text (parse=False: a test that looks for what must not be in it)."""
        out = []
        for v in self.visits(letter_id):
            if v["evidence_dir"]:
                with open(os.path.join(self.evidence, v["evidence_dir"], "meta.json"), encoding="utf-8") as f:
                    out.append((v, json.load(f) if parse else f.read()))
        return out

    def status_of(self, letter_id):
        """The letter's line of `status --json`, or {}."""
        code, out, err = self.huixin("status", "--json")
        for line in out.splitlines():
            t = json.loads(line)
            if t.get("letter_id", t.get("id")) == letter_id:
                return t
        return {}

    def server_url(self, server):
        """The fixture server's root, without the final slash: a scenario's base_url."""
        return self.sites.url(server, "").rstrip("/")

    def captcha(self, family):
        """The --captcha solver that asks the fixture sites' control API for the family's answer."""
        return "control:http://127.0.0.1:%d/api/captcha?site=%s" % (self.sites.ports["control"], family)

    def scenario(self, name, base, change):
        """A copy of the library's scenario base, changed by change(dict), written as dir/name."""
        with open(os.path.join(LIBRARY, base), encoding="utf-8") as f:
            sc = json.load(f)
        change(sc)
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(sc, f, ensure_ascii=False, indent=2)
        return path


class Pages:
    """tests/integration/pages/ served by serve.py on 127.0.0.1 (its first origin), scenarios that start on
    one of its pages, and `huixin submit` of them without a ledger (or with one):

        with Pages() as pages:
            path = pages.scenario(tmp, "name", "写信页测试", "page.html", steps, ("clicked",))
            code, out, text, took = pages.submit(tmp, path)
    """

    def __init__(self):
        self.proc, self.port = None, None

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "integration", "pages", "serve.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = json.loads(self.proc.stdout.readline())["a"]
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()

    @staticmethod
    def scenario(dir, name, site_name, page, steps, success):
        """dir/NAME.json: a scenario for the site site_name whose submission opens page, takes steps and
        succeeds on any of the texts success."""
        sc = {"huixin_scenario": 1, "site": {"name": site_name, "entry_url": "${base_url}/"},
              "submit": {"steps": [{"goto": "${base_url}/" + page}] + list(steps),
                         "success": {"text": list(success)}}}
        path = os.path.join(dir, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(sc, f, ensure_ascii=False)
        return path

    def submit(self, dir, path, ledger=None, timeout=150):
        """`huixin submit PATH` on these pages, the evidence under dir, in ledger or --no-ledger; returns
        (exit code, its JSON answer or {}, stdout and stderr, seconds taken)."""
        t0 = time.monotonic()
        store = ["--store", ledger] if ledger else ["--no-ledger"]
        p = subprocess.run([HUIXIN, "submit", path] + store + ["--var", "base_url=http://127.0.0.1:%d" % self.port,
                            "--var", "letter.name=李明", "--var", "letter.phone=13812345678",
                            "--evidence", os.path.join(dir, "evidence")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = {}
        return p.returncode, out, p.stdout + p.stderr, time.monotonic() - t0


def site_letters(sites, token, site="hanweb"):
    """The letters a fixture site holds whose title or content has token (the letter huixin sent)."""
    return [x for x in sites.ctl.call("GET", "/api/letters?site=" + site)["letters"]
            if token and (token in x["title"] or token in x["content"])]
