/* The CSV report: the main table for spreadsheets. UTF-8 with a BOM (so Excel reads it as UTF-8),
 * CRLF line ends and RFC 4180 quoting; every field passes through rpt_csv_field, which also puts a '
 * before a leading = + - @ so a reply text cannot become a formula. */
#include <stdio.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/escape.h"
#include "reports/report.h"

static void row_end(struct buf *b)
{
    buf_append_str(b, "\r\n");
}

struct csv_pass {
    const struct rpt_options *o;
    struct rpt_sink *sink;
    struct buf tmp;
    size_t index;
    struct err *e;
};

static int csv_row_write(const struct assessment *x, void *user)
{
    struct csv_pass *p = user;
    struct buf *out = p->sink->out;
    const struct rpt_options *o = p->o;
    const struct verdict_result *v = &x->verdict;
    char num[24], sent[32] = "", days[16] = "";
    snprintf(num, sizeof num, "%zu", ++p->index);
    if (v->submit_day) {
        char full[32];
        clock_beijing_format(x->letter.submitted_at_ms, full, sizeof full);
        snprintf(sent, sizeof sent, "%.16s", full);
    }
    if (v->has_reply)
        snprintf(days, sizeof days, "%d", v->workdays_taken);
    rpt_csv_field(out, num);
    buf_append_char(out, ',');
    rpt_csv_field(out, x->site.name && *x->site.name ? x->site.name : x->site.key);
    buf_append_char(out, ',');
    rpt_csv_field(out, x->site.owner);
    buf_append_char(out, ',');
    rpt_csv_field(out, x->site.mailbox);
    buf_append_char(out, ',');
    rpt_csv_field(out, sent);
    buf_append_char(out, ',');
    buf_reset(&p->tmp);
    rpt_reply_cell_format(x, o->lang, &p->tmp);
    rpt_csv_field(out, buf_str(&p->tmp));
    buf_append_char(out, ',');
    rpt_csv_field(out, days);
    buf_append_char(out, ',');
    rpt_csv_field(out, rpt_verdict_word(v->kind, o->lang));
    buf_append_char(out, ',');
    buf_reset(&p->tmp);
    rpt_problems_format(x, o->lang, &p->tmp);
    rpt_csv_field(out, buf_str(&p->tmp));
    row_end(out);
    return rpt_sink_flush(p->sink, false, p->e);
}

int rpt_csv_write(const struct rpt_source *src, const struct rpt_options *o, struct rpt_sink *sink,
                  struct err *e)
{
    static const char *const head_zh[] = {"序号", "网站名称", "开设主体", "信箱名称", "发信时间",
                                          "回复时间", "用时（工作日）", "检查结果", "存在问题"};
    static const char *const head_en[] = {"No.", "Website", "Operator", "Mailbox", "Sent",
                                          "Replied", "Working days", "Result", "Problems"};
    struct buf *out = sink->out;
    buf_append_str(out, "\xEF\xBB\xBF");
    for (size_t i = 0; i < ARRAY_LEN(head_zh); i++) {
        if (i)
            buf_append_char(out, ',');
        rpt_csv_field(out, o->lang == RPT_LANG_ZH ? head_zh[i] : head_en[i]);
    }
    row_end(out);
    struct csv_pass p = {.o = o, .sink = sink, .e = e};
    buf_init(&p.tmp);
    int rc = src->each(src->ctx, csv_row_write, &p, e);
    buf_release(&p.tmp);
    return rc ? rc : rpt_sink_flush(sink, true, e);
}

int rpt_csv_format(const struct assessment *a, size_t n, const struct rpt_options *o, struct buf *out,
                   struct err *e)
{
    struct rpt_array arr = {a, n};
    struct rpt_source src = {.each = rpt_array_each, .ctx = &arr};
    struct rpt_sink sink = {.out = out};
    return rpt_csv_write(&src, o, &sink, e);
}
