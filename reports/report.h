/* Reports: what leaves huixin for a notice (通报). The same assessments (verify/assess.h) rendered as
 * one self-contained HTML page, a CSV of the main table, a JSON document of everything
 * (reports/FORMAT-json.md), or a PDF (the HTML printed by Chromium).
 *
 * The main table follows the notices' attachments: 序号, 网站名称, 开设主体, 信箱名称, 发信时间, 回复时间,
 * 用时（工作日）, 检查结果, 存在问题; with the summary sentence the notices give ("共测试 N 个网站，...").
 * Everything that came from a website or a scenario goes through reports/escape.h.
 *
 * Nothing here reads the clock or the environment: `now`, the version and the evidence locations are
 * options, so the same ledger renders the same bytes (the golden tests rely on it). */
#ifndef HUIXIN_REPORT_H
#define HUIXIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/assess.h"

struct buf;
struct rpt_ahead;
struct err;

enum rpt_lang {
    RPT_LANG_ZH,
    RPT_LANG_EN,
};

struct rpt_options {
    enum rpt_lang lang;
    int64_t now_ms;            /* "generated at" and the end of the period */
    const char *version;       /* huixin's version, shown in the header (NULL: "unknown") */
    const char *evidence_root; /* the evidence root on disk, to see which files exist (NULL: link none) */
    const char *evidence_href; /* the same root as a relative URL from the report's folder ("../evidence");
                                  NULL: evidence_root as given */
    struct rpt_ahead *ahead;   /* not an option: set by a renderer, on its copy, for the pass that lists
                                  evidence folders (reports/files_ahead.h); callers leave it NULL */
};

void rpt_options_init(struct rpt_options *o); /* zh, now 0, no version, no evidence */

/* The counts behind the summary sentence. The sentence counts sites (a site of the ledger: one key of
 * one campaign), not letters: four letters to one site are one site. A site with several letters
 * counts under its worst letter's verdict (rpt_verdict_severity), and under a flag when any of its
 * letters has it. */
struct rpt_summary {
    size_t n_letters;
    size_t n_sites;
    size_t n_by_kind[VERDICT_KIND_COUNT]; /* sites, by their worst letter's verdict */
    size_t n_in_time;          /* sites: same-day + on-time */
    size_t n_deleted_after_reply; /* sites with a letter answered, then removed */
    size_t n_backdated;        /* sites with a possibly backdated reply date */
    size_t n_veto;             /* sites with a letter past the national veto */
    int deadline_workdays;     /* shared by every site, or 0 when they differ (or no letters) */
    int veto_months;           /* shared, or 0 when they differ */
    int64_t first_submit_ms;   /* the earliest submission, 0 if none */
};

void rpt_summary_compute(const struct assessment *a, size_t n, struct rpt_summary *out);
/* The same, one letter at a time (in report order), for reports that stream their letters: init,
 * add each, finish (which fills out and releases the tally; memory: a few bytes a site). */
struct rpt_summary_acc {
    struct rpt_summary s;
    struct rpt_site_tally *sites; /* open addressing by site id */
    size_t n_sites, cap;
};
void rpt_summary_acc_init(struct rpt_summary_acc *acc);
void rpt_summary_acc_add(struct rpt_summary_acc *acc, const struct assessment *a);
void rpt_summary_acc_finish(struct rpt_summary_acc *acc, struct rpt_summary *out);

/* The campaigns of a report's letters, each once, in the order their first letter comes. */
struct rpt_campaigns {
    struct ledger_campaign *c;
    size_t n;
};
void rpt_campaigns_add(struct rpt_campaigns *cs, const struct ledger_campaign *c); /* copies, once per id */
void rpt_campaigns_release(struct rpt_campaigns *cs);
/* How bad a verdict is for its site, the worst highest: 信件被删除 > 超期未回复 > 超期回复 > 提交失败 >
 * 无法核实 > 待回复 > 按期回复 > 当日回复. */
int rpt_verdict_severity(enum verdict_kind kind);
/* Appends the notice's sentence: "共测试 3 个网站，2 个在 5 个工作日内回复，其中 1 个当日回复；...。" */
void rpt_summary_sentence(const struct rpt_summary *s, enum rpt_lang lang, struct buf *out);

/* The 存在问题 cell of one letter in the notices' words, joined with "；" ("; " in English); "无" /
 * "none" when there is nothing to report, "—" while still pending. Not escaped: only the letter's own
 * submission error can come from outside, so callers escape the result like any other text. */
void rpt_problems_format(const struct assessment *a, enum rpt_lang lang, struct buf *out);
/* The verdict word: 当日回复 ... 无法核实, or its English name. Static. */
const char *rpt_verdict_word(enum verdict_kind kind, enum rpt_lang lang);
/* The 回复时间 cell: the reply day, "不晚于 YYYY-MM-DD" when only observed, "" without a reply. */
void rpt_reply_cell_format(const struct assessment *a, enum rpt_lang lang, struct buf *out);
/* The first visit that saw the reply (the one the verdict used), or NULL. Borrowed. */
const struct ledger_visit *rpt_reply_visit(const struct assessment *a);

/* Where a streaming renderer's letters come from: each call of each() calls fn for every letter, in
 * the same order every time, and returns fn's first non-zero return, or its own negative code. A
 * renderer makes a pass for each part that needs every letter (the summary at the top, the main
 * table, the per-site sections), holding one letter at a time. */
struct rpt_source {
    int (*each)(void *ctx, assess_fn fn, void *user, struct err *e);
    void *ctx;
    /* Optional: the campaigns of the letters each() gives, each once, in the order their first letter
     * comes (what rpt_campaigns_add over a pass collects), found without that pass. NULL: the JSON
     * report makes the pass. */
    int (*campaigns)(void *ctx, struct rpt_campaigns *out, struct err *e);
    /* Optional: the evidence folders of the visits each() gives, in the same order (a letter's visits
     * as its assessment holds them), as a cursor: the HTML and JSON reports list the folders' files on
     * other threads ahead of writing them (reports/files_ahead.c). dirs_next returns 1 and sets *dir
     * (borrowed until the next call; NULL: a visit without evidence), 0 at the end, < 0 on an error
     * (the rest is then listed in place). NULL dirs_open, or a dirs_open that returns NULL: every
     * folder is listed in place, when its visit is written. */
    void *(*dirs_open)(void *ctx);
    int (*dirs_next)(void *cursor, const char **dir);
    void (*dirs_close)(void *cursor);
};
/* An array as a source (the renderers below, and tests). */
struct rpt_array {
    const struct assessment *a;
    size_t n;
};
int rpt_array_each(void *ctx, assess_fn fn, void *user, struct err *e); /* ctx: struct rpt_array */

/* Where a streaming renderer writes: it appends to out, and hands it to flush (and empties it)
 * whenever it grows past RPT_SINK_CHUNK and once at the end; flush NULL keeps it all in out. */
#define RPT_SINK_CHUNK (256 * 1024)
struct rpt_sink {
    struct buf *out;
    int (*flush)(const char *data, size_t len, void *user, struct err *e);
    void *user;
};

/* The streaming renderers: the same bytes as the _format functions below, written as they go. */
int rpt_html_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                   struct err *e);
int rpt_csv_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                  struct err *e);
int rpt_json_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                   struct err *e);
/* Hands sink->out to sink->flush when it has grown past RPT_SINK_CHUNK (or always, when is_final). */
int rpt_sink_flush(struct rpt_sink *sink, bool is_final, struct err *e);

/* The renderers: append the whole document to out. */
int rpt_html_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                    struct err *e);
/* UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting, the main table's columns. */
int rpt_csv_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                   struct err *e);
/* Sorted keys, two-space indent, a final newline; see reports/FORMAT-json.md. */
int rpt_json_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                    struct err *e);

/* Prints html to pdf_path with Chromium: writes it to a temporary file beside pdf_path (so relative
 * evidence links resolve as they do for the HTML), opens it through file://, saves the PDF and
 * removes the temporary file. chromium_path / browser_endpoint: as in driver/page.h (NULL: defaults). */
struct rpt_pdf_options {
    const char *chromium_path;
    const char *browser_endpoint;
    int timeout_ms; /* 0: 60000 */
};
int rpt_pdf_save(const char *html, size_t html_len, const char *pdf_path, const struct rpt_pdf_options *o,
                 struct err *e);

/* The relative reference from folder from_dir to path to (both as given, relative to the working
 * folder or absolute), e.g. ("out/r", "evidence") -> "../../evidence". Caller frees. */
char *rpt_path_relative(const char *from_dir, const char *to);

/* The evidence files of a visit folder that exist, sorted by name: page.png, page.mhtml, page.txt,
 * meta.json, manifest.json and other *.png (step screenshots). root and rel as in the ledger; rel must
 * not climb out of the root (".." or absolute: none). A screenshot the manifest lists as the same as
 * an earlier visit's ("same_as") counts when that copy exists; its href is that copy's path from the
 * visit folder ("../001-submit-.../page.png"), any other file's its name. Caller frees with
 * rpt_files_free. */
struct rpt_files {
    char **names;
    char **hrefs;
    size_t n;
};
void rpt_files_list(const char *root, const char *rel, struct rpt_files *out);
bool rpt_files_has(const struct rpt_files *f, const char *name);
/* The href of file name (see above), or name itself when it is not listed. */
const char *rpt_files_href(const struct rpt_files *f, const char *name);
void rpt_files_free(struct rpt_files *f);

#endif
