#include "common/base.h"
#include "common/clock.h"
#include "verify/schedule.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

void schedule_rules_init(struct schedule_rules *r)
{
    r->interval_ms = DAY_MS;
    r->retry_ms = HOUR_MS;
}

/* The first instant after a Beijing day ends, plus a margin so a clock a little behind is not early. */
static int64_t after_day_ms(int64_t day)
{
    return (day + 1) * DAY_MS - CLOCK_BEIJING_OFFSET_MS + 5 * 60 * 1000;
}

int64_t schedule_next_ms(const struct assessment *a, const struct schedule_rules *r)
{
    const struct verdict_result *v = &a->verdict;
    if (a->letter.state != LETTER_SUBMITTED && a->letter.state != LETTER_IMPORTED)
        return 0;
    if (verdict_kind_is_final(v->kind))
        return 0;
    int64_t last = a->letter.submitted_at_ms;
    const struct ledger_visit *lv = NULL;
    for (size_t i = 0; i < a->n_visits; i++) {
        if (a->visits[i].at_ms >= last) {
            last = a->visits[i].at_ms;
            lv = &a->visits[i];
        }
    }
    if (v->veto_day && last > after_day_ms(v->veto_day))
        return 0; /* followed past the national three-month mark: nothing more to learn */
    if (lv && lv->outcome == VISIT_FAILED)
        return last + r->retry_ms;
    if (lv && lv->outcome == VISIT_NOT_FOUND) {
        int64_t gap = a->rules.deletion_min_gap_ms > 0 ? a->rules.deletion_min_gap_ms : r->retry_ms;
        return last + gap;
    }
    int64_t next = last + r->interval_ms;
    int64_t after_deadline = v->deadline_day ? after_day_ms(v->deadline_day) : 0;
    if (after_deadline && last < after_deadline && after_deadline < next)
        next = after_deadline;
    return next;
}
