#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "reports/alert.h"
#include "reports/daily_summary.h"
#include "verify/assess.h"
#include "verify/ledger.h"

bool rpt_daily_summary_is_due(int summary_minute, int64_t now_ms, int64_t last_sent_day)
{
    if (summary_minute < 0)
        return false;
    struct civil_time t = clock_beijing_from_ms(now_ms);
    int64_t today = clock_beijing_day(now_ms);
    return last_sent_day < today && t.hour * 60 + t.minute >= summary_minute;
}

/* One campaign's summary: counts in the verdicts' own order, and the letters with a problem. */
static int send_campaign(const struct alert_config *cfg, const struct ledger_campaign *c, struct ledger *l,
                         const struct cal *cal, int64_t now_ms, int timeout_ms, struct err *e)
{
    struct assessment *as = NULL;
    size_t n = 0;
    if (assess_all(l, cal, c->id, now_ms, &as, &n, e))
        return ERR_STORE;
    struct alert_summary_count counts[VERDICT_KIND_COUNT];
    size_t n_counts = 0;
    struct alert_event *problems = xcalloc(n + 1, sizeof *problems);
    char (*deadlines)[16] = xcalloc(n + 1, sizeof *deadlines);
    size_t n_problems = 0;
    for (int k = 0; k < VERDICT_KIND_COUNT; k++) {
        int count = 0;
        for (size_t i = 0; i < n; i++)
            count += as[i].verdict.kind == (enum verdict_kind)k;
        if (count)
            counts[n_counts++] = (struct alert_summary_count){verdict_kind_name_zh((enum verdict_kind)k), count};
    }
    for (size_t i = 0; i < n; i++) {
        enum verdict_kind k = as[i].verdict.kind;
        if (!verdict_kind_is_alarming(k))
            continue;
        if (as[i].verdict.deadline_day)
            clock_date_format(as[i].verdict.deadline_day, deadlines[n_problems], sizeof deadlines[n_problems]);
        problems[n_problems] = (struct alert_event){
            .campaign = c->name, .site_name = as[i].site.name ? as[i].site.name : as[i].site.key,
            .mailbox = as[i].site.mailbox, .letter_id = as[i].letter.id, .letter_token = as[i].letter.token,
            .new_verdict = verdict_kind_name_zh(k), .reason = as[i].verdict.reason_zh,
            .deadline = as[i].verdict.deadline_day ? deadlines[n_problems] : NULL};
        n_problems++;
    }
    char date[16];
    clock_date_format(clock_beijing_day(now_ms), date, sizeof date);
    struct alert_summary s = {.campaign = c->name, .date = date, .counts = counts, .n_counts = n_counts,
                              .problems = problems, .n_problems = n_problems};
    int rc = n ? alert_summary_send(cfg, &s, timeout_ms, e) : 0;
    free(problems);
    free(deadlines);
    assessments_free(as, n);
    return rc;
}

int rpt_daily_summary_send(const struct alert_config *cfg, struct ledger *l, const struct cal *cal, int64_t now_ms,
                           int timeout_ms, struct err *e)
{
    struct ledger_campaign *cs = NULL;
    size_t n = 0;
    if (ledger_campaign_list(l, &cs, &n, e))
        return ERR_STORE;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = send_campaign(cfg, &cs[i], l, cal, now_ms, timeout_ms, e);
    ledger_campaigns_free(cs, n);
    return rc;
}
