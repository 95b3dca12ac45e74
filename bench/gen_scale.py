#!/usr/bin/env python3
"""A synthetic ledger (and a part of its evidence tree) of a national round, for `make bench-scale`.

China has about 14,000 government websites; a national round is one letter to each and about ten
visits per letter within two weeks. This writes such a ledger: by default 14,000 sites in 31
provinces (one campaign per province, so a per-region report is `report --campaign NAME`), one
letter each, 150,000 visits in all, every verdict (当日回复, 按期回复, 超期回复, 超期未回复, 信件被删除,
提交失败, 待回复, 无法核实), with letters from scenarios/templates/letters.json, replies of a few hundred
Chinese characters, and visit rows as huixin's checks write them (evidence folder names, manifest
hashes, lookups, failed visits with their errors).

The ledger is made by huixin itself (`huixin campaign list` on an empty file creates the schema), then
filled with Python's sqlite3: the generator checks that the schema is the one it knows (its version and
every column of every table) and stops, naming the difference, when it is not.

Evidence: the visit folders of the first --evidence-letters letters (default 200, about 2,300 folders;
`all` for every visit's, 150,000 at the national size) are made with tiny stand-in files shaped as a
real visit's (verify/evidence.c, verify/visit_evidence.c): page.png, page.mhtml, page.txt, meta.json,
the step screenshots (a submission's 01-submit-form.png, 02-submit-filled.png, 03-submit-result.png, a
check's 01-check-query-result.png), and manifest.json listing them ({name, sha256, bytes}, sorted by
name). A screenshot byte for byte the same as one an earlier visit of the letter keeps is not copied:
its manifest entry says "same_as": "../NNN-.../NAME" (that visit's copy), as huixin writes it. The
page of a letter mostly looks the same from one check to the next (the same state, no reply yet), so
most later checks keep their screenshots that way; a check whose page changed (a reply, a state, the
letter gone) and a failed visit (an error page, no MHTML) keep their own. The other visits' folders
are named in the ledger but not made. The report links only the files that exist, so it reads every
folder either way. The ledger is the same whatever --evidence-letters says.

Deterministic: the same --seed and sizes give the same ledger. The round's letters go out on Monday
2026-11-02 and Tuesday 2026-11-03 (pending ones on Friday 2026-11-13); the ledger is meant to be read
with --now '2026-11-16 10:00' (printed at the end as NOW=...).

Usage: gen_scale.py --out DIR [--sites 14000] [--visits 150000] [--seed 1] [--evidence-letters 200|all]
       [--huixin ./huixin] [--campaigns province|one]
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NOW = "2026-11-16 10:00"
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
HOUR = 3600 * 1000
DAY = 24 * HOUR

# The schema this generator writes (ledger schema 6, verify/ledger.c): table -> columns in order.
SCHEMA_VERSION = 6
SCHEMA = {
    "campaigns": ["id", "name", "authorised_by", "file_path", "file_sha256", "created_at_ms",
                  "deletion_min_visits", "deletion_min_gap_ms"],
    "sites": ["id", "campaign_id", "key", "name", "owner", "mailbox", "entry_url", "family", "deadline_workdays",
              "scenario_path", "scenario_sha256", "vars_json"],
    "letters": ["id", "site_id", "state", "token", "title", "body", "intent_at_ms", "final_click_at_ms",
                "submitted_at_ms", "query_code", "letter_no", "detail_url", "vars_json", "error", "verdict",
                "submit_tries"],
    "visits": ["id", "letter_id", "kind", "at_ms", "outcome", "entry_ok", "http_status", "final_url", "state_text",
               "has_reply", "reply_date_ms", "reply_unit", "reply_text", "error", "evidence_dir", "manifest_sha256",
               "lookup", "seen_in_list", "proves_absence", "unloaded", "tls_error", "tls_subject", "tls_accepted"],
    "visit_locks": ["letter_id", "pid", "host", "boot_id", "since_ms"],
}

LETTER_SUBMITTED, LETTER_FAILED = 1, 2
VISIT_FOUND, VISIT_NOT_FOUND, VISIT_FAILED = 0, 1, 2

# (province, code, weight: roughly its share of the country's government sites)
PROVINCES = [
    ("北京市", "bj", 3), ("天津市", "tj", 2), ("河北省", "he", 6), ("山西省", "sx", 5), ("内蒙古自治区", "nm", 4),
    ("辽宁省", "ln", 4), ("吉林省", "jl", 3), ("黑龙江省", "hl", 4), ("上海市", "sh", 3), ("江苏省", "js", 5),
    ("浙江省", "zj", 5), ("安徽省", "ah", 5), ("福建省", "fj", 4), ("江西省", "jx", 4), ("山东省", "sd", 6),
    ("河南省", "ha", 7), ("湖北省", "hb", 5), ("湖南省", "hn", 5), ("广东省", "gd", 6), ("广西壮族自治区", "gx", 4),
    ("海南省", "hi", 2), ("重庆市", "cq", 3), ("四川省", "sc", 7), ("贵州省", "gz", 4), ("云南省", "yn", 5),
    ("西藏自治区", "xz", 2), ("陕西省", "sn", 4), ("甘肃省", "gs", 4), ("青海省", "qh", 2),
    ("宁夏回族自治区", "nx", 2), ("新疆维吾尔自治区", "xj", 4),
]
SYLLABLES = list("安宝昌德丰广海河华嘉建江金靖康乐临龙宁平庆泉荣瑞山顺泰通旺武祥新兴阳永远云长正中州")
LEVELS = [("市", "市人民政府", "市长信箱"), ("区", "区人民政府", "区长信箱"), ("县", "县人民政府", "县长信箱"),
          ("市", "市人民政府", "书记信箱"), ("县", "县人民政府", "领导信箱"), ("市", "市政务服务和数据管理局", "局长信箱"),
          ("区", "区人民政府", "网上信访"), ("县", "县人民政府", "留言板")]
FAMILIES = [("hanweb-jact", "library/hanweb-jact.json"), ("legacy-gbk", "library/legacy-gbk.json"),
            ("spa", "library/spa.json"), ("provincial", "library/provincial.json"), ("board", "library/board.json"),
            ("guestbook", "library/guestbook.json")]
STATES = ["已受理", "办理中", "转办中", "待回复"]
REPLY_UNITS = ["市政务服务中心", "市交通运输局", "市人力资源和社会保障局", "市教育局", "市住房和城乡建设局",
               "区人民政府办公室", "县医疗保障局", "市生态环境局", "市自然资源和规划局", "街道办事处"]
REPLY_SENTENCES = [
    "您好！您反映的问题已收悉，感谢您对我们工作的关心和支持。",
    "经向相关业务科室核实，现将有关情况答复如下。",
    "根据现行政策规定，申请人可通过政务服务网或就近的政务服务大厅提交材料，办理时限为十个工作日。",
    "所需材料包括身份证明、相关证明文件原件及复印件，具体清单已在官方网站办事指南栏目公布。",
    "关于您提到的调整安排，我局已于本月上旬在门户网站通知公告栏目发布，请您留意查看。",
    "如仍有疑问，可在工作日上午九时至下午五时拨打咨询电话，我们将安排专人为您解答。",
    "我们将继续加强政策宣传和解读工作，进一步提升服务质量。",
    "您的建议对我们改进工作很有帮助，已转交相关部门研究办理。",
    "经现场核查，相关问题已督促责任单位限期整改，整改情况将在后续回访中跟进。",
    "特此答复。",
]
FAIL_ERRORS = [
    "page.goto: net::ERR_CONNECTION_TIMED_OUT at https://{host}/",
    "step 1 (goto): the page did not load within 30000 ms",
    "the entry page answered HTTP 502",
    "step 4 (fill 标题): no element matches '#title' after 10000 ms",
    "the page shows a WAF block page (访问被拦截)",
]
# verdict profile -> share of letters (a national round's rough mix)
PROFILES = [("same-day", 4), ("on-time", 44), ("late", 10), ("overdue-unanswered", 18), ("deleted", 2),
            ("submit-failed", 5), ("pending", 9), ("unverifiable", 8)]


def bj_ms(y, m, d, hh=0, mm=0):
    return int(datetime.datetime(y, m, d, hh, mm, tzinfo=BEIJING).timestamp() * 1000)


def bj_day_start(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, BEIJING)
    return bj_ms(t.year, t.month, t.day)


def compact_utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def die(msg):
    print("gen_scale: " + msg, file=sys.stderr)
    sys.exit(1)


def make_ledger(huixin, path):
    """An empty ledger made by huixin itself, then checked against the schema this generator writes."""
    open(path, "wb").close()
    r = subprocess.run([huixin, "campaign", "list", "--store", path], capture_output=True, text=True)
    if r.returncode != 0:
        die("huixin could not create the ledger '%s' (exit %d): %s" % (path, r.returncode, r.stderr.strip()))
    db = sqlite3.connect(path)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        die("huixin made a ledger of schema %d, this generator writes schema %d: update bench/gen_scale.py"
            % (version, SCHEMA_VERSION))
    for table, cols in SCHEMA.items():
        have = [row[1] for row in db.execute("PRAGMA table_info(%s)" % table)]
        if have != cols:
            die("ledger table '%s' has columns %s, this generator writes %s: update bench/gen_scale.py"
                % (table, have, cols))
    return db


def place_names(rng, n):
    """n distinct two-syllable place names."""
    names, seen = [], set()
    while len(names) < n:
        s = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        if s[0] != s[1] and s not in seen:
            seen.add(s)
            names.append(s)
    return names


def reply_text(rng):
    k = rng.randint(4, 8)
    return "".join(rng.sample(REPLY_SENTENCES[:-1], k - 1)) + REPLY_SENTENCES[-1]


def spread(t0, t1, n):
    """n instants from t0 to t1 evenly, t0 and t1 included (n >= 1)."""
    if n == 1:
        return [t0]
    return [t0 + (t1 - t0) * i // (n - 1) for i in range(n)]


class Gen:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        with open(os.path.join(ROOT, "scenarios", "templates", "letters.json"), encoding="utf-8") as f:
            cats = json.load(f)
        self.templates = [(cat, t["title"], t["body"]) for cat, ts in sorted(cats.items()) for t in ts]
        self.tokens = set()
        self.visit_rows = []
        self.evidence_dirs = []  # (rel, visit row fields) for the letters that get folders

    def token(self):
        alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            t = "HX" + "".join(self.rng.choice(alphabet) for _ in range(8))
            if t not in self.tokens:
                self.tokens.add(t)
                return t

    def profiles(self, n):
        """n profiles in the PROFILES shares, shuffled; at least one of each when n allows."""
        total = sum(w for _, w in PROFILES)
        out = []
        for name, w in PROFILES:
            out += [name] * max(1, n * w // total)
        while len(out) < n:
            out.append("on-time")
        out = out[:n]
        self.rng.shuffle(out)
        return out

    def visit(self, letter_id, campaign, site_key, seq, kind, at_ms, outcome, host, **kw):
        rel = "%s/%s/letter-%d/%03d-%s-%s" % (campaign, site_key, letter_id, seq, kind, compact_utc(at_ms))
        error = kw.get("error")
        if outcome == VISIT_FAILED and not error:
            error = self.rng.choice(FAIL_ERRORS).format(host=host)
        row = (letter_id, kind, at_ms, outcome, kw.get("entry_ok", 0 if outcome == VISIT_FAILED else 1),
               kw.get("http_status", 0 if outcome == VISIT_FAILED else 200), kw.get("final_url"),
               kw.get("state_text"), 1 if kw.get("reply_date_ms") else 0, kw.get("reply_date_ms", 0),
               kw.get("reply_unit"), kw.get("reply_text"), error, rel,
               hashlib.sha256(rel.encode()).hexdigest(), None if kind == "submit" else kw.get("lookup", "authoritative"),
               kw.get("seen_in_list", 0), 0, kw.get("unloaded", 0), None, None, 0)
        self.visit_rows.append(row)
        # what the page's screenshots show: equal looks of one letter are equal bytes (kept once)
        look = (kind, outcome, kw.get("state_text"), kw.get("reply_date_ms", 0)) if outcome != VISIT_FAILED else rel
        return rel, kind, outcome, look

    def letter_visits(self, letter_id, campaign, site, profile, t0, n, deadline_end):
        """The visits of one letter of this profile: n visits (the submission's own first)."""
        rng = self.rng
        key, host = site["key"], site["host"]
        url = "https://%s/jact/front/mailpubdetail.do?sysid=1" % host
        state = rng.choice(STATES)
        now = bj_ms(2026, 11, 16, 9, 30)
        seq = 1
        rels = []

        def add(kind, at, outcome, **kw):
            nonlocal seq
            rels.append(self.visit(letter_id, campaign, key, seq, kind, at, outcome, host, final_url=url, **kw))
            seq += 1

        if profile == "submit-failed":
            for i, at in enumerate(spread(t0, t0 + 2 * DAY, n)):
                add("submit", at, VISIT_FAILED)
            return rels
        add("submit", t0, VISIT_FOUND, state_text="提交成功", unloaded=rng.choice([0, 0, 0, 1, 2]))
        m = n - 1
        unit, text = rng.choice(REPLY_UNITS), reply_text(rng)
        if profile == "same-day":
            times = spread(t0 + HOUR, t0 + HOUR + (m - 1) * 20 * 60 * 1000, m)
            day = bj_day_start(t0)
            for i, at in enumerate(times):
                last = i == m - 1
                add("check", at, VISIT_FOUND, state_text="已办结" if last else state,
                    reply_date_ms=day if last else 0, reply_unit=unit if last else None, reply_text=text if last else None)
        elif profile in ("on-time", "late"):
            # checks once or more a day; the reply shows on the last, dated that day
            end = deadline_end - 6 * HOUR if profile == "on-time" else deadline_end + 2 * DAY + 3 * HOUR
            times = spread(t0 + 20 * HOUR, max(end, t0 + 21 * HOUR), m)
            for i, at in enumerate(times):
                last = i == m - 1
                add("check", at, VISIT_FOUND, state_text="已办结" if last else state,
                    reply_date_ms=bj_day_start(at) if last else 0, reply_unit=unit if last else None,
                    reply_text=text if last else None)
        elif profile in ("overdue-unanswered", "pending"):
            listed = rng.random() < 0.3
            for at in spread(t0 + 20 * HOUR, now, m):
                fails = rng.random() < 0.05
                if fails:
                    add("check", at, VISIT_FAILED)
                else:
                    add("check", at, VISIT_FOUND, state_text=state, lookup="list" if listed else "authoritative",
                        seen_in_list=1 if listed else 0)
        elif profile == "deleted":
            times = spread(t0 + 20 * HOUR, now, m)
            for i, at in enumerate(times):
                gone = i >= max(1, m - 2)  # the last two visits, a day or more apart, find it gone
                if gone:
                    add("check", at, VISIT_NOT_FOUND, state_text=None, error=None)
                else:
                    add("check", at, VISIT_FOUND, state_text=state)
        elif profile == "unverifiable":
            for at in spread(t0 + 20 * HOUR, now, m):
                add("check", at, VISIT_FAILED)
        else:
            raise AssertionError(profile)
        return rels

    def run(self):
        a = self.args
        rng = self.rng
        os.makedirs(a.out, exist_ok=True)
        path = os.path.join(a.out, "huixin.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        db = make_ledger(a.huixin, path)
        cur = db.cursor()
        cur.execute("BEGIN")
        created = bj_ms(2026, 10, 30, 9)
        # sites per province by weight
        total_w = sum(w for _, _, w in PROVINCES)
        counts = [a.sites * w // total_w for _, _, w in PROVINCES]
        for i in range(a.sites - sum(counts)):
            counts[i % len(counts)] += 1
        campaign_ids = {}
        if a.campaigns == "one":
            name = "2026年第四季度全国政府网站互动回应检查"
            cur.execute("INSERT INTO campaigns (name, authorised_by, file_path, file_sha256, created_at_ms) "
                        "VALUES (?, ?, ?, ?, ?)", (name, "国务院办公厅政府信息与政务公开办公室（国办公开函〔2026〕12号）",
                                                    "national.json", hashlib.sha256(name.encode()).hexdigest(), created))
            for prov, _, _ in PROVINCES:
                campaign_ids[prov] = (cur.lastrowid, name)
        else:
            for prov, _, _ in PROVINCES:
                name = "2026年第四季度政府网站互动回应检查（%s）" % prov
                cur.execute("INSERT INTO campaigns (name, authorised_by, file_path, file_sha256, created_at_ms) "
                            "VALUES (?, ?, ?, ?, ?)", (name, "%s人民政府办公厅（政务公开函〔2026〕12号）" % prov,
                                                        "campaigns/%s.json" % prov,
                                                        hashlib.sha256(name.encode()).hexdigest(), created))
                campaign_ids[prov] = (cur.lastrowid, name)
        sites = []
        for (prov, code, _), count in zip(PROVINCES, counts):
            places = place_names(rng, min(count, len(SYLLABLES) * (len(SYLLABLES) - 1)))
            for i in range(count):
                place = places[i % len(places)]
                suffix, owner_suffix, mailbox = LEVELS[i % len(LEVELS)]
                fam, scenario = rng.choice(FAMILIES)
                key = "%s-%05d" % (code, i + 1)
                host = "www.%s%05d.%s.gov.cn" % (code, i + 1, code)
                site = {"key": key, "host": host, "campaign": campaign_ids[prov]}
                name = "%s%s%s%s门户网站" % (prov, place, suffix, "人民政府" if "政府" in owner_suffix else "政务服务")
                cur.execute("INSERT INTO sites (campaign_id, key, name, owner, mailbox, entry_url, family, "
                            "deadline_workdays, scenario_path, scenario_sha256, vars_json) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 5, ?, ?, ?)",
                            (campaign_ids[prov][0], key, name, "%s%s%s办公室" % (prov, place, owner_suffix), mailbox,
                             "https://%s/" % host, fam, scenario, hashlib.sha256(scenario.encode()).hexdigest(),
                             json.dumps({"base_url": "https://%s" % host}, ensure_ascii=False)))
                site["id"] = cur.lastrowid
                sites.append(site)
        profiles = self.profiles(len(sites))
        # the visit budget: 3 per failed submission (its tries), the rest shared by the others
        n_failed = profiles.count("submit-failed")
        rest = max(0, a.visits - 3 * n_failed)
        n_others = len(sites) - n_failed
        base, extra = (rest // n_others, rest % n_others) if n_others else (0, 0)
        k_other = 0
        counts_by_profile = {}
        evidence_rels = []
        for idx, (site, profile) in enumerate(zip(sites, profiles)):
            counts_by_profile[profile] = counts_by_profile.get(profile, 0) + 1
            if profile == "submit-failed":
                n = 3
            else:
                n = base + (1 if k_other < extra else 0)
                k_other += 1
                n = max(n, 4)
            if profile == "pending":
                t0 = bj_ms(2026, 11, 13, 9, rng.randint(0, 59)) + rng.randint(0, 7) * HOUR
                deadline_end = bj_ms(2026, 11, 21)
            else:
                monday = rng.random() < 0.6
                t0 = bj_ms(2026, 11, 2 if monday else 3, 9, rng.randint(0, 59)) + rng.randint(0, 7) * HOUR
                deadline_end = bj_ms(2026, 11, 10 if monday else 11)  # 5 working days on, midnight after
            cat, title, body = rng.choice(self.templates)
            token = self.token()
            body = "%s（来信编号：%s）" % (body, token)
            qc = "%06d" % rng.randint(0, 999999)
            no = "%s%05d" % (datetime.datetime.fromtimestamp(t0 / 1000, BEIJING).strftime("%Y%m%d"), idx + 1)
            failed = profile == "submit-failed"
            vars_json = None if failed else json.dumps({"query_code": qc, "letter_no": no}, ensure_ascii=False)
            cur.execute("INSERT INTO letters (site_id, state, token, title, body, intent_at_ms, final_click_at_ms, "
                        "submitted_at_ms, query_code, letter_no, detail_url, vars_json, error, verdict, submit_tries) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                        (site["id"], LETTER_FAILED if failed else LETTER_SUBMITTED, token, title, body, t0 - 60000,
                         0 if failed else t0 - 5000, 0 if failed else t0, None if failed else qc,
                         None if failed else no, None, vars_json,
                         "the site could not take the letter on 3 runs: page.goto: net::ERR_CONNECTION_REFUSED"
                         if failed else None, 3 if failed else 0))
            letter_id = cur.lastrowid
            rels = self.letter_visits(letter_id, site["campaign"][1], site, profile, t0, n, deadline_end)
            if a.evidence_letters == "all" or idx < int(a.evidence_letters):
                evidence_rels.append(rels)
            if len(self.visit_rows) >= 20000:
                self.flush(cur)
        self.flush(cur)
        db.commit()
        n_visits = db.execute("SELECT count(*) FROM visits").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        ev_root = os.path.join(a.out, "evidence")
        self.make_evidence(ev_root, evidence_rels)
        n_ev = len(sites) if a.evidence_letters == "all" else min(int(a.evidence_letters), len(sites))
        print("gen_scale: %s: %d campaigns, %d sites, %d letters, %d visits; evidence folders for %d visits of "
              "the first %d letters in %s (%d files, %d screenshots kept as an earlier visit's copy)"
              % (path, len(set(campaign_ids.values())), len(sites), len(sites), n_visits,
                 sum(len(r) for r in evidence_rels), n_ev, ev_root, self.n_files, self.n_same_as), file=sys.stderr)
        print("gen_scale: letters by profile: %s" % ", ".join("%s %d" % (p, counts_by_profile.get(p, 0))
                                                               for p, _ in PROFILES), file=sys.stderr)
        with open(os.path.join(a.out, "profiles.json"), "w", encoding="utf-8") as f:
            json.dump({"now": NOW, "letters": len(sites), "visits": n_visits, "by_verdict": counts_by_profile}, f,
                      sort_keys=True, indent=2)
            f.write("\n")
        print("NOW=%s" % NOW)

    def flush(self, cur):
        cur.executemany("INSERT INTO visits (letter_id, kind, at_ms, outcome, entry_ok, http_status, final_url, "
                        "state_text, has_reply, reply_date_ms, reply_unit, reply_text, error, evidence_dir, "
                        "manifest_sha256, lookup, seen_in_list, proves_absence, unloaded, tls_error, tls_subject, "
                        "tls_accepted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        self.visit_rows)
        self.visit_rows = []

    @staticmethod
    def png(text):
        """A 1 x 1 PNG with a tEXt chunk: distinct stand-in bytes for each distinct screenshot."""
        def chunk(kind, data):
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
                + chunk(b"tEXt", b"Comment\0" + text.encode()) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0"))
                + chunk(b"IEND", b""))

    def make_evidence(self, root, letters):
        """Each letter's visit folders, in order: files as huixin writes them, screenshots an earlier
        visit of the letter keeps byte for byte listed with same_as instead of copied."""
        self.n_files = self.n_same_as = 0
        if os.path.isdir(root):
            shutil.rmtree(root)  # this generator's own output of an earlier run
        for visits in letters:
            kept = {}  # (look, name) -> (folder name, sha256, bytes) of the copy
            prev_manifest = None  # each manifest names the SHA-256 of the one before (the chain)
            for rel, kind, outcome, look in visits:
                d = os.path.join(root, rel)
                folder = os.path.basename(rel)
                os.makedirs(d)
                own = {"meta.json": json.dumps({"synthetic": True, "kind": kind, "dir": rel}, ensure_ascii=False,
                                               indent=2).encode() + b"\n",
                       "page.txt": ("synthetic page text of %s\n" % rel).encode()}
                if outcome == VISIT_FAILED:
                    shots = ["page.png"]
                else:
                    own["page.mhtml"] = ("MIME-Version: 1.0\r\nSnapshot-Content-Location: synthetic/%s\r\n\r\n"
                                         % rel).encode()
                    shots = (["01-submit-form.png", "02-submit-filled.png", "03-submit-result.png", "page.png"]
                             if kind == "submit" else ["01-check-query-result.png", "page.png"])
                entries = []
                for name in shots:
                    prev = kept.get((look, name))
                    if prev:
                        entries.append({"bytes": prev[2], "name": name, "same_as": "../%s/%s" % (prev[0], name),
                                        "sha256": prev[1]})
                        self.n_same_as += 1
                        continue
                    # page.png is the last step's screenshot: the same bytes
                    data = self.png("%s %s" % (look, "last" if name in ("page.png", "03-submit-result.png",
                                                                        "01-check-query-result.png") else name))
                    own[name] = data
                    kept[(look, name)] = (folder, hashlib.sha256(data).hexdigest(), len(data))
                for name, data in own.items():
                    with open(os.path.join(d, name), "wb") as f:
                        f.write(data)
                    if name not in shots:
                        entries.append({"bytes": len(data), "name": name, "sha256": hashlib.sha256(data).hexdigest()})
                    else:
                        entries.append({"bytes": len(data), "name": name, "sha256": kept[(look, name)][1]})
                entries.sort(key=lambda e: e["name"])
                manifest = {"captured_at_utc": folder.rsplit("-", 1)[1], "files": entries, "huixin_manifest": 1,
                            "letter_token": "synthetic", "previous_manifest_sha256": prev_manifest}
                text = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
                with open(os.path.join(d, "manifest.json"), "wb") as f:
                    f.write(text)
                prev_manifest = hashlib.sha256(text).hexdigest()
                self.n_files += len(own) + 1


def main():
    p = argparse.ArgumentParser(description="a synthetic national-round ledger for make bench-scale")
    p.add_argument("--out", required=True, help="folder for huixin.db and evidence/")
    p.add_argument("--sites", type=int, default=14000)
    p.add_argument("--visits", type=int, default=150000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--evidence-letters", default="200", help="how many letters' visits get folders, or 'all'")
    p.add_argument("--campaigns", choices=("province", "one"), default="province")
    p.add_argument("--huixin", default=os.environ.get("HUIXIN_BIN", os.path.join(ROOT, "huixin")))
    a = p.parse_args()
    if a.evidence_letters != "all" and not a.evidence_letters.isdigit():
        die("--evidence-letters '%s': a number or 'all'" % a.evidence_letters)
    if a.sites < len(PROFILES):
        die("--sites %d: at least %d, one for each verdict" % (a.sites, len(PROFILES)))
    Gen(a).run()


if __name__ == "__main__":
    main()
