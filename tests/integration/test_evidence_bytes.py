#!/usr/bin/env python3
"""Screenshots kept once per letter (issue 18, evidence bytes), with the real binary and Chromium on the
Hanweb fixture: a submission, then three checks of the unchanged reply page. The checks after the first
keep no page.png of their own: their manifests name the first check's copy ("same_as"), MHTML, text
and meta.json stay in every folder, `huixin evidence verify --store` passes, the HTML report's thumbnail
links the copy, and one flipped byte in the shared copy is named for every visit that refers to it.
Prints the bytes per visit by file kind, and "N passed, N failed" last.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import HUIXIN, LIBRARY, Sites, Tally, Workspace, evidence_file  # noqa: E402

T = Tally("evidence_bytes")
check = T.check


def visit_folders(evidence):
    """The visit folders under evidence, by letter folder and number."""
    out = []
    for d, subdirs, files in os.walk(evidence):
        if "manifest.json" in files:
            out.append(d)
    return sorted(out)


def manifest(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def verify(w):
    p = subprocess.run([HUIXIN, "evidence", "verify", w.evidence, "--store", w.store], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="huixin-evbytes-")
    try:
        with Sites(state_dir=os.path.join(tmp, "sites")) as sites:
            w = Workspace(os.path.join(tmp, "w"), sites, timeout=240)
            scenario = os.path.join(LIBRARY, "hanweb-jact.json")
            code, out, err = w.huixin("submit", scenario, "--site-key", "hanweb", "--var",
                                      "base_url=" + w.server_url("hanweb"), "--var", "letter.name=李明",
                                      "--var", "letter.phone=13812345678", "--var", "letter.email=liming@example.cn",
                                      "--captcha", w.captcha("hanweb"), now="2026-03-02 09:30")
            check(code == 0, "the letter is submitted", out + err)
            if code != 0:
                return T.finish()
            for day in ("2026-03-04 10:00", "2026-03-05 10:00", "2026-03-06 10:00"):
                code, out, err = w.huixin("check", "--all", now=day)
                check(code == 0, "check on %s" % day, out + err)
            folders = visit_folders(w.evidence)
            check(len(folders) == 4, "four visit folders", "\n".join(folders))
            if len(folders) != 4:
                return T.finish()
            checks = folders[1:]
            names = [os.path.basename(f) for f in folders]
            check(os.path.isfile(os.path.join(checks[0], "page.png")), "the first check keeps its page.png")
            for f, name in zip(checks[1:], names[2:]):
                same = [x.get("same_as") for x in manifest(f)["files"] if x["name"] == "page.png"]
                check(same == ["../%s/page.png" % names[1]] and not os.path.exists(os.path.join(f, "page.png")),
                      "%s keeps no page.png: its manifest names the first check's" % name, str(same))
                for kept in ("page.mhtml", "page.txt", "meta.json"):
                    check(os.path.isfile(os.path.join(f, kept)), "%s keeps its own %s" % (name, kept))
                check(evidence_file(f, "page.png") == os.path.join(checks[0], "page.png"),
                      "%s: page.png is found through same_as" % name)

            # bytes per visit, by kind
            kinds = {}
            stored = listed = 0
            for f in folders:
                for x in manifest(f)["files"]:
                    kind = "png" if x["name"].endswith(".png") else x["name"].rsplit(".", 1)[-1]
                    k = kinds.setdefault(kind, [0, 0])
                    k[0] += x["bytes"]
                    listed += x["bytes"]
                    if "same_as" not in x:
                        k[1] += x["bytes"]
                        stored += x["bytes"]
            print("     evidence_bytes: per visit (4 visits): listed %d B, stored %d B (%.2fx); %s" % (
                listed // 4, stored // 4, stored / listed if listed else 0,
                ", ".join("%s %d->%d" % (k, v[0] // 4, v[1] // 4) for k, v in sorted(kinds.items()))))
            check(stored < listed, "fewer bytes stored than listed")

            code, out, err = verify(w)
            check(code == 0, "evidence verify --store passes", out + err)
            html = os.path.join(tmp, "report.html")
            code, out, err = w.huixin("report", "--format", "html", "-o", html)
            if code == 0:
                with open(html, encoding="utf-8") as fh:
                    text = fh.read()
                check(("%s/page.png" % names[1]) in text and ("%s/../%s/page.png" % (names[3], names[1])) in text,
                      "the report's thumbnail of a later check links the shared copy")
            else:
                check(False, "the HTML report is written", out + err)

            shared = os.path.join(checks[0], "page.png")
            with open(shared, "r+b") as fh:
                fh.seek(200)
                b = fh.read(1)
                fh.seek(200)
                fh.write(bytes([b[0] ^ 1]))
            code, out, err = verify(w)
            text = out + err
            check(code != 0, "a flipped byte in the shared page.png fails verification", text)
            for name in names[1:]:
                check(any(name in line and "page.png" in line and "sha256 mismatch" in line
                          for line in text.splitlines()),
                      "the flipped byte is named for %s" % name, text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
