/* huixin report: the campaign's results as an attachment for a notice: HTML, CSV, JSON or PDF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "reports/report.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "verify/ledger.h"
#include "cli/commands.h"
#include "cli/cli.h"
#include "cli/opts.h"

static const char usage[] =
    "Usage: huixin report [--campaign NAME] --format html|csv|json|pdf [-o FILE] [--lang zh|en] [OPTIONS]\n"
    "\n"
    "Writes the ledger's letters and their verdicts as of now as a report for a notice (通报): the\n"
    "summary sentence, the main table (序号, 网站名称, 开设主体, 信箱名称, 发信时间, 回复时间, 用时, 检查结果,\n"
    "存在问题) and, per site, the visits with links to their evidence.\n"
    "\n"
    "  html  one self-contained page (no scripts); links to the evidence are relative to the report's\n"
    "        folder, so keep the report and the evidence folder together\n"
    "  csv   the main table: UTF-8 with a BOM, CRLF, RFC 4180 quoting\n"
    "  json  everything, with stable keys (reports/FORMAT-json.md)\n"
    "  pdf   the HTML printed by Chromium (needs a browser)\n"
    "\n"
    "Options:\n";

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum { FMT_NONE = -1, FMT_HTML, FMT_CSV, FMT_JSON, FMT_PDF };

/* FMT_HTML ... for "html" ..., FMT_NONE for any other name */
static int format_from_name(const char *s)
{
    static const char *const names[] = {"html", "csv", "json", "pdf"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0)
            return i;
    }
    return FMT_NONE;
}

/* The folder of the output file ("." for stdout or a bare name); caller frees. */
static char *output_dir(const char *out_path)
{
    if (!out_path)
        return xstrdup(".");
    const char *slash = strrchr(out_path, '/');
    if (!slash)
        return xstrdup(".");
    return slash == out_path ? xstrdup("/") : xstrndup(out_path, (size_t)(slash - out_path));
}

static int report_format_take(const char *cmd, const char *name, const char *v, void *user)
{
    int *format = user;
    (void)name;
    *format = format_from_name(v);
    if (*format == FMT_NONE)
        return cli_usage_error(cmd, "--format '%s': expected html, csv, json or pdf", v);
    return 0;
}

static int report_lang_take(const char *cmd, const char *name, const char *v, void *user)
{
    enum rpt_lang *lang = user;
    (void)name;
    if (strcmp(v, "zh") == 0)
        *lang = RPT_LANG_ZH;
    else if (strcmp(v, "en") == 0)
        *lang = RPT_LANG_EN;
    else
        return cli_usage_error(cmd, "--lang '%s': expected zh or en", v);
    return 0;
}

/* The report's letters, straight from the ledger: each pass reads it again (ledger_scan), so no more
 * than one letter is held, whatever the ledger's size. */
struct report_ledger {
    struct ledger *l;
    const struct cal *cal;
    int64_t campaign_id, now_ms;
    size_t n; /* letters of the last pass */
};

struct report_count {
    assess_fn fn;
    void *user;
    size_t n;
};

static int report_count_one(const struct assessment *a, void *user)
{
    struct report_count *c = user;
    c->n++;
    return c->fn(a, c->user);
}

static int report_ledger_each(void *ctx, assess_fn fn, void *user, struct err *e)
{
    struct report_ledger *r = ctx;
    struct report_count c = {fn, user, 0};
    int rc = assess_each(r->l, r->cal, r->campaign_id, r->now_ms, report_count_one, &c, e);
    r->n = c.n;
    return rc;
}

static int report_ledger_campaigns(void *ctx, struct rpt_campaigns *out, struct err *e)
{
    struct report_ledger *r = ctx;
    return ledger_scan_campaigns(r->l, r->campaign_id, &out->c, &out->n, e);
}

/* The visits' evidence folders in the order report_ledger_each gives the visits, for the reports that
 * list them ahead (reports/files_ahead.h). A failure only means they are listed in place: logged. */
static void *report_ledger_dirs_open(void *ctx)
{
    struct report_ledger *r = ctx;
    struct ledger_dirs *d = NULL;
    struct err e;
    err_init(&e);
    if (ledger_visit_dirs_open(r->l, r->campaign_id, &d, &e)) {
        log_warn("report", "%s", e.msg);
        return NULL;
    }
    return d;
}

static int report_ledger_dirs_next(void *cursor, const char **dir)
{
    struct err e;
    err_init(&e);
    int r = ledger_visit_dirs_next(cursor, dir, &e);
    if (r < 0)
        log_warn("report", "%s", e.msg);
    return r;
}

static void report_ledger_dirs_close(void *cursor)
{
    ledger_visit_dirs_close(cursor);
}

static int report_to_file(const char *data, size_t len, void *user, struct err *e)
{
    return file_atomic_write(user, data, len, e);
}

static int report_to_stdout(const char *data, size_t len, void *user, struct err *e)
{
    (void)user;
    if (fwrite(data, 1, len, stdout) != len)
        return err_set(e, ERR_IO, "cannot write the report to stdout");
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    const char *campaign_name = NULL;
    const char *out_path = NULL;
    int format = FMT_NONE;
    enum rpt_lang lang = RPT_LANG_ZH;
    const struct opt rows[] = {
        OPT_ROW_STRING("--campaign", &campaign_name, "NAME", "only this campaign (default: every letter in the ledger)"),
        {.kind = OPT_CALL, .name = "--format", .call = report_format_take, .value = &format, .metavar = "FORMAT",
         .help = "html, csv, json or pdf (default: from -o's extension, else html)"},
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &out_path, .label = "-o, --output FILE",
         .help = "where to write (default: stdout; for pdf: report.pdf); '-' is stdout"},
        {.kind = OPT_CALL, .name = "--lang", .call = report_lang_take, .value = &lang, .metavar = "zh|en",
         .help = "the report's language (default zh)"},
        OPT_ROW_GROUP(cli_opts_store, &common),
        OPT_ROW_GROUP(cli_opts_calendar, &common),
        OPT_ROW_GROUP(cli_opts_browser, &common),
        OPT_ROW_GROUP_HIDDEN(cli_opts_evidence, &common),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "report", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("report", "unexpected argument '%s'", argv[1]);
    if (out_path && strcmp(out_path, "-") == 0)
        out_path = NULL;
    if (format == FMT_NONE) {
        format = FMT_HTML;
        if (out_path && ends_with(out_path, ".csv"))
            format = FMT_CSV;
        else if (out_path && ends_with(out_path, ".json"))
            format = FMT_JSON;
        else if (out_path && ends_with(out_path, ".pdf"))
            format = FMT_PDF;
    }
    if (format == FMT_PDF && !out_path)
        out_path = "report.pdf";

    struct err e;
    err_init(&e);
    struct ledger *l = NULL;
    struct cal *cal = NULL;
    int rc = EXIT_OK;
    int64_t campaign_id = 0;
    char *out_dir = output_dir(out_path);
    char *href = NULL;
    struct buf doc;
    buf_init(&doc);
    struct file_atomic file = {.fd = -1};
    if (cli_calendar_open(&common, &cal, &e) || ledger_open_existing(common.store_path, &l, &e) ||
        ledger_campaign_id(l, campaign_name, &campaign_id, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    int64_t now = clock_now_ms();
    struct report_ledger rl = {.l = l, .cal = cal, .campaign_id = campaign_id, .now_ms = now};
    struct rpt_source src = {.each = report_ledger_each,
                             .ctx = &rl,
                             .campaigns = report_ledger_campaigns,
                             .dirs_open = report_ledger_dirs_open,
                             .dirs_next = report_ledger_dirs_next,
                             .dirs_close = report_ledger_dirs_close};
    href = rpt_path_relative(out_dir, common.evidence_dir);
    struct rpt_options o;
    rpt_options_init(&o);
    o.lang = lang;
    o.now_ms = now;
    o.version = HUIXIN_VERSION;
    o.evidence_root = common.evidence_dir;
    o.evidence_href = href;
    /* Written as it is made (to a temporary file renamed at the end, or to stdout), except the PDF's
     * HTML, which Chromium prints whole. */
    struct rpt_sink sink = {.out = &doc};
    if (format != FMT_PDF && out_path) {
        if (file_atomic_open(out_path, &file, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        sink.flush = report_to_file;
        sink.user = &file;
    } else if (format != FMT_PDF) {
        sink.flush = report_to_stdout;
    }
    if (ledger_snapshot_begin(l, &e)) { /* every pass (summary, table, sections) sees the same ledger */
        rc = cli_fail(&e);
        goto out;
    }
    int r;
    switch (format) {
    case FMT_CSV: r = rpt_csv_write(&src, &o, &sink, &e); break;
    case FMT_JSON: r = rpt_json_write(&src, &o, &sink, &e); break;
    default: r = rpt_html_write(&src, &o, &sink, &e); break;
    }
    ledger_snapshot_end(l);
    if (r) {
        rc = cli_fail(&e);
        goto out;
    }
    size_t n = rl.n;
    if (format == FMT_PDF) {
        struct rpt_pdf_options po = {.chromium_path = common.chromium_path,
                                     .browser_endpoint = common.browser_url,
                                     .timeout_ms = common.timeout_ms * 2};
        if (rpt_pdf_save(buf_str(&doc), doc.len, out_path, &po, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        fprintf(stderr, "huixin: wrote %s (%zu letters)\n", out_path, n);
    } else if (out_path) {
        if (file_atomic_commit(&file, &e)) {
            rc = cli_fail(&e);
            goto out;
        }
        fprintf(stderr, "huixin: wrote %s (%zu letters)\n", out_path, n);
    } else if (fflush(stdout) != 0) {
        fprintf(stderr, "huixin: cannot write the report to stdout\n");
        rc = EXIT_IO;
    }
out:
    file_atomic_abort(&file);
    buf_release(&doc);
    free(href);
    free(out_dir);
    if (l)
        ledger_snapshot_end(l);
    ledger_close(l);
    cal_free(cal);
    return rc;
}
