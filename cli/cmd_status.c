/* huixin status: one line per letter of the ledger: site, submitted, deadline, verdict, last visit. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "reports/escape.h"
#include "verify/assess.h"
#include "verify/calendar.h"
#include "verify/ledger.h"
#include "verify/visit.h"
#include "cli/commands.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/table.h"

static const char usage[] =
    "Usage: huixin status [--campaign NAME] [--json] [OPTIONS]\n"
    "\n"
    "Shows every letter in the ledger with its verdict as of now: site, mailbox, when it was sent,\n"
    "the deadline, the verdict and the last visit. A letter not sent yet shows 待发出 ('campaign start'\n"
    "tries again), one whose sending was interrupted after the click 待确认是否已发出 (the next run looks it\n"
    "up). Reads the ledger only; safe while 'huixin run' writes.\n"
    "\n"
    "Options:\n";

static void day_or_dash(int64_t day, char *out, size_t len)
{
    if (day == 0)
        snprintf(out, len, "-");
    else
        clock_date_format(day, out, len);
}

static void minute_or_dash(int64_t ms, char *out, size_t len)
{
    if (ms == 0) {
        snprintf(out, len, "-");
        return;
    }
    char full[32];
    clock_beijing_format(ms, full, sizeof full);
    snprintf(out, len, "%.16s", full);
}

/* Text from the ledger as a JSON string (null for NULL): a campaign name or a site key can come from
 * the command line (import --campaign, --site-key) in any encoding, and jansson refuses what is not
 * UTF-8; those bytes become U+FFFD, as in the JSON report. */
static json_t *json_text(const char *s)
{
    if (!s)
        return json_null();
    struct buf b;
    buf_init(&b);
    rpt_utf8_repair(&b, s);
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_release(&b);
    return j;
}

static void print_json_line(const struct assessment *a)
{
    char deadline[16], sent[32], last[32];
    day_or_dash(a->verdict.deadline_day, deadline, sizeof deadline);
    minute_or_dash(a->letter.submitted_at_ms, sent, sizeof sent);
    minute_or_dash(a->n_visits ? a->visits[a->n_visits - 1].at_ms : 0, last, sizeof last);
    const struct ledger_visit *lv = a->n_visits ? &a->visits[a->n_visits - 1] : NULL;
    json_t *o = json_pack("{s:o, s:o, s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:b}", "campaign",
                          json_text(a->campaign.name), "site", json_text(a->site.key), "letter_id",
                          (json_int_t)a->letter.id, "token", json_text(a->letter.token), "state", ledger_letter_state_name(a->letter.state), "submitted_at", sent,
                          "deadline", deadline, "verdict", verdict_kind_name_en(a->verdict.kind), "verdict_zh",
                          verdict_kind_name_zh(a->verdict.kind), "last_visit", last, "visits", (int)a->n_visits,
                          "veto_alarm", a->verdict.veto_alarm, "unpublished", a->verdict.is_unpublished,
                          "login_needed", lv && visit_error_is_login_needed(lv->error));
    char *text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    if (text)
        puts(text);
    else
        fprintf(stderr, "huixin: status: letter %lld could not be written as JSON\n", (long long)a->letter.id);
    free(text);
    json_decref(o);
}

/* One row of the 8 columns, without the campaign's (the second) unless the ledger holds several. */
static void status_row_print(const struct table_widths *tw8, bool is_many, const char *const *row)
{
    if (is_many) {
        table_row_print(tw8, row, stdout);
        return;
    }
    size_t w7[7] = {tw8->w[0], tw8->w[2], tw8->w[3], tw8->w[4], tw8->w[5], tw8->w[6], tw8->w[7]};
    const struct table_widths tw7 = {7, w7};
    const char *short_row[] = {row[0], row[2], row[3], row[4], row[5], row[6], row[7]};
    table_row_print(&tw7, short_row, stdout);
}

static int status_json_line(const struct assessment *a, void *user)
{
    (void)user;
    print_json_line(a);
    return 0;
}

/* The text table is printed as it is read: a first pass over the ledger measures the columns (and
 * sees whether it holds more than one campaign), the second prints; no more than one letter is held. */
struct status_pass {
    struct table_widths tw; /* of the 8 columns; without the campaign's when there is one campaign */
    size_t n;
    int64_t first_campaign;
    bool is_many;
    bool is_printing;
};

static int status_row(const struct assessment *a, void *user)
{
    struct status_pass *p = user;
    char num[16], sent[32], deadline[16], last[32], verdict[160];
    snprintf(num, sizeof num, "%lld", (long long)a->letter.id);
    minute_or_dash(a->letter.submitted_at_ms, sent, sizeof sent);
    day_or_dash(a->verdict.deadline_day, deadline, sizeof deadline);
    minute_or_dash(a->n_visits ? a->visits[a->n_visits - 1].at_ms : 0, last, sizeof last);
    if (a->letter.state == LETTER_INTENT)
        /* not sent yet (a try that the site or the browser stopped), or sent without confirmation */
        snprintf(verdict, sizeof verdict, "%s", a->letter.final_click_at_ms ? "待确认是否已发出" : "待发出");
    else if (a->verdict.kind == VERDICT_LATE)
        snprintf(verdict, sizeof verdict, "%s (用时 %d 个工作日)", verdict_kind_name_zh(a->verdict.kind),
                 a->verdict.workdays_taken);
    else
        snprintf(verdict, sizeof verdict, "%s%s", verdict_kind_name_zh(a->verdict.kind),
                 a->verdict.veto_alarm ? " ⚠超3个月" : "");
    if (a->n_visits && visit_error_is_login_needed(a->visits[a->n_visits - 1].error)) {
        /* the last visit could not look: the site's real-name login lapsed (huixin login) */
        size_t len = strlen(verdict);
        snprintf(verdict + len, sizeof verdict - len, "（登录已失效，需要重新登录）");
    }
    const char *row[] = {num, a->campaign.name, a->site.name ? a->site.name : a->site.key, a->site.mailbox,
                         sent, deadline, verdict, last};
    if (!p->is_printing) {
        if (p->n == 0)
            p->first_campaign = a->campaign.id;
        p->is_many = p->is_many || a->campaign.id != p->first_campaign;
        p->n++;
        table_widths_add(&p->tw, row);
    } else {
        status_row_print(&p->tw, p->is_many, row);
    }
    return 0;
}

int cmd_status(int argc, char **argv)
{
    struct cli_common common;
    cli_common_init(&common);
    const char *campaign_name = NULL;
    bool as_json = false;
    const struct opt rows[] = {
        OPT_ROW_STRING("--campaign", &campaign_name, "NAME", "only this campaign"),
        OPT_ROW_FLAG("--json", &as_json, "one JSON object per letter, one per line"),
        OPT_ROWS_COMMON(&common, false, true, false, true),
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "status", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("status", "unexpected argument '%s'", argv[1]);

    struct err e;
    err_init(&e);
    struct ledger *l = NULL;
    struct cal *cal = NULL;
    int rc = EXIT_OK;
    int64_t campaign_id = 0;
    struct status_pass p = {0};
    table_widths_init(&p.tw, 8);
    if (cli_calendar_open(&common, &cal, &e) || ledger_open_existing(common.store_path, &l, &e) ||
        ledger_campaign_id(l, campaign_name, &campaign_id, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    int64_t now = clock_now_ms();
    if (as_json) {
        if (assess_each(l, cal, campaign_id, now, status_json_line, NULL, &e))
            rc = cli_fail(&e);
        goto out;
    }
    const char *head[] = {"#", "campaign", "site", "mailbox", "sent", "deadline", "verdict", "last visit"};
    table_widths_add(&p.tw, head);
    if (ledger_snapshot_begin(l, &e)) { /* both passes see the same letters */
        rc = cli_fail(&e);
        goto out;
    }
    if (assess_each(l, cal, campaign_id, now, status_row, &p, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    if (p.n == 0) {
        printf("no letters in ledger '%s'\n", common.store_path);
        goto out;
    }
    /* The campaign column only when the ledger holds more than one campaign. */
    status_row_print(&p.tw, p.is_many, head);
    p.is_printing = true;
    if (assess_each(l, cal, campaign_id, now, status_row, &p, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    char when[32];
    clock_beijing_format(now, when, sizeof when);
    printf("\nas of %s Beijing time; times are Beijing time\n", when);
out:
    table_widths_release(&p.tw);
    if (l)
        ledger_snapshot_end(l);
    ledger_close(l);
    cal_free(cal);
    return rc;
}
