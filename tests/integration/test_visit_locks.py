#!/usr/bin/env python3
"""One visit of a letter at a time, and evidence that cannot be steered or trimmed (issue 12, items 4, 6, 7).

Against the hanweb fixture site, one imported letter:
  item 4: two `huixin check 1` at once, and `check 1 1 --jobs 2`: visit numbers stay unique, the chain
          verifies, the second huixin says the letter is being visited and records nothing; two `run`
          daemons on one ledger, the second through a symlink: the second refuses;
  item 6: a symlink planted as the next visit folder: nothing is written where it points, the check fails
          cleanly, and `evidence verify` fails naming the link (also a link planted inside a visit folder);
  item 7: `evidence verify --store`: the newest visit moved away, or renamed, is named as missing / not in
          the ledger; a changed manifest is named.
Every case has a timeout. Prints one line per check and "N passed, N failed" last.
"""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import ROOT, HUIXIN, LIBRARY, Sites, Tally  # noqa: E402

CAMPAIGN = "visit-locks"


T = Tally("visit_locks")
check = T.check


def hx(args, timeout=180):
    return subprocess.run([HUIXIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def hx_start(args):
    return subprocess.Popen([HUIXIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(p, limit=240):
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, out, err


def visits(store, letter_id=1):
    con = sqlite3.connect(store, timeout=30)
    try:
        return [r[0] for r in con.execute("SELECT evidence_dir FROM visits WHERE letter_id = ? ORDER BY id",
                                          (letter_id,))]
    finally:
        con.close()


def numbers(dirs):
    return [os.path.basename(d)[:3] for d in dirs if d]


def seed(sites, env):
    x = sites.ctl.create("hanweb", title="关于社区公园开放时间的咨询", content="您好，请问社区公园冬季的开放时间？谢谢。",
                         name="王芳", phone="13912345678", email="wf@example.cn", type="咨询")
    p = hx(["import", os.path.join(LIBRARY, "hanweb-jact.json"), "--campaign", CAMPAIGN, "--site-key", "hanweb",
            "--var", "base_url=" + sites.url("hanweb", "").rstrip("/"), "--var", "query_code=" + x["query_code"],
            "--var", "letter_no=" + str(x["number"]),
            "--submitted", time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() + 8 * 3600 - 60))] + env, 60)
    if p.returncode != 0:
        raise SystemExit("import failed (%d): %s" % (p.returncode, p.stderr))


def verify_ok(evidence, what):
    p = hx(["evidence", "verify", evidence], 60)
    check(p.returncode == 0, what, p.stdout[-800:] + p.stderr[-400:])


def item4_parallel_checks(sites, env, store, evidence):
    before = len(visits(store))
    sites.ctl.fail("hanweb", "slow", seconds=60, delay=1.5)  # long visits, so the two surely overlap
    a = hx_start(["check", "1"] + env)
    b = hx_start(["check", "1"] + env)
    ra, oa, ea = finish(a)
    rb, ob, eb = finish(b)
    sites.ctl.fail("hanweb", "off")
    dirs = visits(store)
    out = oa + ob
    busy = re.findall(r"^letter 1: being visited by another huixin \(pid \d+\): skipped$", out, re.M)
    check(len(busy) == 1, "of two 'check 1' at once, one says the letter is being visited", out + ea + eb)
    check(len(dirs) - before == 1, "and only one visit is recorded (%d)" % (len(dirs) - before), str(dirs))
    check(ra in (0, 5) and rb in (0, 5), "both exit 0 or 5, the skipped one is no failure (%d, %d)" % (ra, rb),
          ea + eb)
    check(len(set(numbers(dirs))) == len(numbers(dirs)), "visit numbers are unique", str(dirs))
    verify_ok(evidence, "the chain verifies after two checks at once")

    before = len(visits(store))
    p = hx(["check", "1", "1", "--jobs", "2"] + env)
    dirs = visits(store)
    lines = [x for x in p.stdout.splitlines() if x.startswith("letter 1")]
    check(len(dirs) - before == 1 and len(lines) == 1, "'check 1 1 --jobs 2' visits the letter once",
          p.stdout + p.stderr)
    check(len(set(numbers(dirs))) == len(numbers(dirs)), "visit numbers are still unique", str(dirs))
    verify_ok(evidence, "the chain verifies after 'check 1 1 --jobs 2'")


def item4_two_daemons(work):
    store = os.path.join(work, "daemon.db")
    link = os.path.join(work, "daemon-link.db")
    os.symlink(store, link)
    first = hx_start(["run", "--store", store, "--evidence", os.path.join(work, "ev-d"), "--jitter", "0"])
    time.sleep(2)
    try:
        second = hx(["run", "--store", link, "--evidence", os.path.join(work, "ev-d"), "--jitter", "0"], 30)
        check(first.poll() is None, "the first daemon runs")
        check(second.returncode == 6 and "another 'huixin run' holds the ledger" in second.stderr,
              "a second daemon on the same ledger through a symlink refuses (exit %d)" % second.returncode,
              second.stderr)
    except subprocess.TimeoutExpired:
        check(False, "a second daemon on the same ledger through a symlink refuses", "it kept running")
    first.send_signal(signal.SIGTERM)
    finish(first, 60)


def item6_planted_links(env, store, evidence, work):
    letter_dir = os.path.join(evidence, CAMPAIGN, "hanweb", "letter-1")
    outside = os.path.join(work, "outside")
    os.mkdir(outside)
    seq = len([d for d in visits(store) if d]) + 1
    # --now tomorrow 10:00 Beijing = 02:00:00 UTC: the folder's name is known before the visit
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + 86400))
    name = "%03d-check-%sT020000Z" % (seq, day.replace("-", ""))
    link = os.path.join(letter_dir, name)
    os.symlink(outside, link)
    before = len(visits(store))
    p = hx(["check", "1", "--now", day + " 10:00"] + env)
    check(os.listdir(outside) == [], "a link planted as the next visit folder is not written through",
          str(os.listdir(outside)))
    check(p.returncode != 0 and name in p.stderr and "symbolic link" in p.stderr,
          "the check fails naming the link (exit %d)" % p.returncode, p.stdout + p.stderr)
    check(len(visits(store)) == before, "and records no visit")
    v = hx(["evidence", "verify", evidence], 60)
    check(v.returncode == 1 and ("'%s' is a symbolic link (to '%s')" % (name, outside)) in v.stdout,
          "evidence verify fails naming the link and where it points", v.stdout + v.stderr)
    os.unlink(link)
    verify_ok(evidence, "the evidence verifies again once the link is gone")

    first = sorted(d for d in os.listdir(letter_dir) if d[:3].isdigit())[0]
    inner = os.path.join(letter_dir, first, "extra.png")
    os.symlink("/etc/hostname", inner)
    v = hx(["evidence", "verify", evidence], 60)
    check(v.returncode == 1 and "extra.png (to '/etc/hostname')" in v.stdout,
          "a link planted inside a visit folder fails verify, named with its target", v.stdout + v.stderr)
    os.unlink(inner)


def item7_ledger_compare(env, store, evidence, work):
    letter_dir = os.path.join(evidence, CAMPAIGN, "hanweb", "letter-1")
    base = ["evidence", "verify", evidence, "--store", store]
    p = hx(base, 60)
    check(p.returncode == 0, "verify --store passes on untouched evidence", p.stdout + p.stderr)
    newest = sorted(d for d in os.listdir(letter_dir) if d[:3].isdigit())[-1]
    aside = os.path.join(work, "aside")
    shutil.move(os.path.join(letter_dir, newest), aside)
    p = hx(["evidence", "verify", evidence], 60)
    check(p.returncode == 0, "without the ledger, the newest visit moved away is not seen (the files alone)",
          p.stdout)
    p = hx(base, 60)
    check(p.returncode == 1 and "visit %s is in the ledger but its folder is missing" % newest in p.stdout,
          "with --store, the newest visit moved away is named", p.stdout + p.stderr)
    renamed = os.path.join(letter_dir, newest.replace("-check-", "-check-x"))
    shutil.move(aside, renamed)
    p = hx(base, 60)
    check(p.returncode == 1 and "folder %s is not a visit of letter 1" % os.path.basename(renamed) in p.stdout
          and "its folder is missing" in p.stdout, "with --store, the newest visit renamed is named, both names",
          p.stdout + p.stderr)
    shutil.move(renamed, os.path.join(letter_dir, newest))
    con = sqlite3.connect(store, timeout=30)
    con.execute("UPDATE visits SET manifest_sha256 = ? WHERE evidence_dir LIKE ?", ("0" * 64, "%/" + newest))
    con.commit()
    p = hx(base, 60)
    check(p.returncode == 1 and "but the ledger recorded " + "0" * 64 in p.stdout,
          "with --store, a manifest whose hash differs from the ledger's is named", p.stdout + p.stderr)
    whole = os.path.join(work, "letter-aside")
    shutil.move(letter_dir, whole)
    p = hx(base, 60)
    check(p.returncode != 0 and "letter 1 has" in p.stdout and "no folder here" in p.stdout,
          "with --store at the root, a letter folder moved away is named", p.stdout + p.stderr)
    shutil.move(whole, letter_dir)


def main():
    if not os.access(HUIXIN, os.X_OK):
        print("test_visit_locks: no huixin binary at %s" % HUIXIN)
        print("0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="huixin-locks-")
    store = os.path.join(work, "huixin.db")
    evidence = os.path.join(work, "evidence")
    env = ["--store", store, "--evidence", evidence]
    try:
        with Sites(state_dir=os.path.join(work, "sites")) as sites:
            seed(sites, env)
            p = hx(["check", "1"] + env)
            check(p.returncode == 0, "a first check of the letter", p.stdout + p.stderr)
            item4_parallel_checks(sites, env, store, evidence)
            item4_two_daemons(work)
            item6_planted_links(env, store, evidence, work)
            item7_ledger_compare(env, store, evidence, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
