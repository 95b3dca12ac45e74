#!/usr/bin/env python3
"""A campaign with a very long name, then its ledger and evidence as an archive on read-only media
(issue 12 items 10 and 9).

Item 10: a campaign name longer than a folder name (105 Chinese characters, 315 bytes) once made every
run fail with "File name too long". Now `campaign start` submits, `check` revisits into the same
shortened folder (the first 120 bytes, cut between characters, '-' and 16 hex digits of the name's
SHA-256), and the evidence verifies.

Item 9: that campaign's ledger and evidence, copied where nothing can be written, are read by
`status`, `report`, `campaign list` and `evidence verify` (it once failed with "attempt to write a
readonly database"), and left byte for byte as they were, with no -wal or -shm beside the ledger; a copy
with an older schema is refused with a message that says it cannot be upgraded read-only.

Root ignores file modes, so the read-only place is, and the test says which: as root a tmpfs remounted
read-only; as root where mounting is not allowed, a chmod 0555 folder with huixin run as nobody; as
anyone else, a chmod 0555 folder (HUIXIN_TEST_NO_MOUNT=1 makes root take the nobody way). Prints
"N passed, N failed" last.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from harness import ROOT, HUIXIN, LIBRARY, Sites, Tally  # noqa: E402

NAME = "关于" + "政府网站互动回应情况专项检查" * 7 + "的测试活动"  # 105 characters, 315 bytes
NOBODY = 65534


T = Tally("archive", detail_tail=1500)
check = T.check


def run(args, now=None, user=None, timeout=180):
    """huixin ARGS [--now NOW]; (exit code, stdout, stderr). user=NOBODY runs it as nobody."""
    pre = None
    if user is not None:
        def pre():
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
    p = subprocess.run([HUIXIN] + args + (["--now", now] if now else []), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, preexec_fn=pre)
    return p.returncode, p.stdout, p.stderr


def tree_digest(top):
    """{relative path: sha256} of every file under top."""
    out = {}
    for d, _, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, top)] = hashlib.sha256(fh.read()).hexdigest()
    return out


class ReadOnlyPlace:
    """A folder holding copies of some files and trees, then made read-only in the honest way that applies."""

    def __init__(self, path):
        self.path = path
        self.mounted = False
        self.user = None
        os.makedirs(path)
        if os.geteuid() == 0 and os.environ.get("HUIXIN_TEST_NO_MOUNT"):
            self.user = NOBODY  # to try the fallback where mounting is not allowed
        elif os.geteuid() == 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", path],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.mounted = r.returncode == 0
            if not self.mounted:
                self.user = NOBODY  # root without CAP_SYS_ADMIN: read as nobody, who file modes do bind
        self.method = ("a tmpfs mounted read-only" if self.mounted else
                       "a chmod 0555 folder, huixin run as nobody" if self.user is not None else
                       "a chmod 0555 folder")

    def seal(self):
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", self.path], check=True)
            return
        for d, dirs, files in os.walk(self.path):
            for f in files:
                os.chmod(os.path.join(d, f), 0o444)
            os.chmod(d, 0o555)

    def release(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.path])
            return
        for d, dirs, files in os.walk(self.path):
            os.chmod(d, 0o755)


def main():
    work = tempfile.mkdtemp(prefix="huixin-archive-")
    os.chmod(work, 0o755)  # nobody must reach the read-only place inside
    store = os.path.join(work, "huixin.db")
    evidence = os.path.join(work, "evidence")
    places = []
    try:
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            sites.ctl.clock("2026-03-02 09:30:00")
            campaign = {"huixin_campaign": 1, "name": NAME, "authorised_by": "测试（归档）",
                        "letter": {"name": "李明", "phone": "13812345678", "email": "liming@example.cn"},
                        "sites": [{"key": "spa", "scenario": os.path.join(LIBRARY, "spa.json"),
                                   "vars": {"base_url": sites.url("spa", "").rstrip("/")}}]}
            path = os.path.join(work, "campaign.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(campaign, f, ensure_ascii=False)
            common = ["--store", store, "--evidence", evidence, "--timeout", "10"]

            # ---- item 10: the long name works, in one folder, every time
            code, out, err = run(["campaign", "start", path] + common, "2026-03-02 09:30")
            check(code == 0, "campaign start with a %d-character (%d-byte) name succeeds" %
                  (len(NAME), len(NAME.encode())), out + err)
            check("File name too long" not in err, "no 'File name too long'", err)
            want = NAME.encode()[:120].decode() + "-" + hashlib.sha256(NAME.encode()).hexdigest()[:16]
            folders = sorted(os.listdir(evidence)) if os.path.isdir(evidence) else []
            check(folders == [want], "the evidence folder is the name's first 120 bytes and its hash",
                  "%s, expected [%s]" % (folders, want))
            code, out, err = run(["campaign", "start", path] + common, "2026-03-02 10:00")
            check(code == 0, "campaign start again (resumed) succeeds", out + err)
            sites.ctl.clock("2026-03-03 10:00:00")
            code, out, err = run(["check", "--all"] + common, "2026-03-03 10:00")
            check(code == 0, "check revisits the letter", out + err)
            folders = sorted(os.listdir(evidence)) if os.path.isdir(evidence) else []
            check(folders == [want], "the revisit went into the same folder", str(folders))
            visits = []
            for d, dirs, files in os.walk(evidence):
                visits += [x for x in dirs if x.startswith(("001-", "002-"))]
            check(len(visits) == 2, "two visits in the letter's folder", str(visits))
            code, out, err = run(["evidence", "verify", evidence])
            check(code == 0, "the evidence verifies", out + err)
            code, out, err = run(["status", "--store", store], "2026-03-03 10:05")
            check(code == 0 and "政民互动" in out, "status reads the campaign", out + err)

        # ---- item 9: the same, as an archive nothing can write to
        ro = ReadOnlyPlace(os.path.join(work, "archive"))
        places.append(ro)
        print("     archive: read-only place: " + ro.method, flush=True)
        shutil.copy2(store, os.path.join(ro.path, "huixin.db"))
        if os.path.isdir(evidence):
            shutil.copytree(evidence, os.path.join(ro.path, "evidence"))
        else:
            os.makedirs(os.path.join(ro.path, "evidence"))
        # a copy whose schema is older than this huixin's
        old = os.path.join(work, "old.db")
        shutil.copy2(store, old)
        con = sqlite3.connect(old)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute("PRAGMA user_version = %d" % (version - 1))
        con.commit()
        con.close()
        shutil.copy2(old, os.path.join(ro.path, "old.db"))
        ro.seal()
        before = tree_digest(ro.path)
        ro_store = os.path.join(ro.path, "huixin.db")
        ro_evidence = os.path.join(ro.path, "evidence")
        out_dir = os.path.join(work, "out")
        os.makedirs(out_dir)
        os.chmod(out_dir, 0o777)
        now = "2026-03-03 11:00"

        code, out, err = run(["status", "--store", ro_store], now, ro.user)
        check(code == 0 and "政民互动" in out, "status reads the read-only ledger", out + err)
        check("readonly" not in err and "read-only" not in err, "status says nothing of writing", err)
        code, out, err = run(["status", "--json", "--store", ro_store], now, ro.user)
        check(code == 0 and out.count("{") >= 1, "status --json reads it", out + err)
        code, out, err = run(["report", "--format", "csv", "--store", ro_store, "--evidence", ro_evidence], now,
                             ro.user)
        check(code == 0 and "政民互动·市长信箱" in out, "report --format csv reads it", out[:300] + err)
        html = os.path.join(out_dir, "report.html")
        code, out, err = run(["report", "--format", "html", "-o", html, "--store", ro_store, "--evidence",
                              ro_evidence], now, ro.user)
        text = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
        check(code == 0 and "共测试 1 个网站" in text, "report --format html -o elsewhere reads it", err)
        code, out, err = run(["campaign", "list", "--store", ro_store], now, ro.user)
        check(code == 0 and NAME in out, "campaign list reads it", out + err)
        code, out, err = run(["evidence", "verify", ro_evidence], user=ro.user)
        check(code == 0 and "2 visits" in out, "evidence verify checks the read-only evidence", out + err)
        code, out, err = run(["status", "--store", os.path.join(ro.path, "old.db")], now, ro.user)
        check(code == 6 and "cannot be upgraded" in err and "read-only" in err,
              "an older read-only ledger is refused: it cannot be upgraded", "exit %d: %s" % (code, err))
        after = tree_digest(ro.path)
        check(after == before, "the archive is left byte for byte as it was",
              "changed: %s" % sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
        extra = [f for f in os.listdir(ro.path) if f.endswith(("-wal", "-shm", "-journal"))]
        check(not extra, "no -wal, -shm or journal beside the ledgers", str(extra))
    except Exception as ex:  # a crash midway is a failure, and the closing line still comes
        check(False, "the story ran to its end", "%s: %s" % (type(ex).__name__, ex))
    finally:
        for p in places:
            p.release()
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
