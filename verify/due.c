#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "verify/assess.h"
#include "verify/due.h"

struct due_pass {
    const struct cal *cal;
    const struct schedule_rules *rules;
    int64_t now_ms;
    bool all;
    int64_t *ids;
    size_t n, cap;
    int64_t next_min;
};

static void due_take(struct due_pass *p, int64_t letter_id, int64_t next)
{
    if (p->all || (next != 0 && next <= p->now_ms)) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->ids = xrealloc(p->ids, (p->cap + 1) * sizeof *p->ids);
        }
        p->ids[p->n++] = letter_id;
    } else if (next != 0 && (p->next_min == 0 || next < p->next_min)) {
        p->next_min = next;
    }
}

static int due_one(const struct assessment *a, void *user)
{
    struct due_pass *p = user;
    if (a->letter.state != LETTER_SUBMITTED && a->letter.state != LETTER_IMPORTED)
        return 0;
    due_take(p, a->letter.id, schedule_next_ms(a, p->rules));
    return 0;
}

/* An open letter no visit missed since it went out: neither answered nor deleted, so its verdict is not
 * final, and the schedule reads of it only its days and its last visit (which is not a miss: the
 * deletion gap is never asked). The assessment is made of those alone, for schedule_next_ms itself. */
static int due_one_facts(const struct ledger_open_facts *f, void *user)
{
    struct due_pass *p = user;
    struct assessment a;
    memset(&a, 0, sizeof a);
    a.letter.id = f->letter_id;
    a.letter.state = f->state;
    a.letter.submitted_at_ms = f->submitted_at_ms;
    verdict_rules_init(&a.rules);
    if (f->deadline_workdays > 0)
        a.rules.deadline_workdays = f->deadline_workdays;
    a.verdict.kind = VERDICT_PENDING; /* not final; which of the open kinds it is, the schedule never asks */
    if (f->submitted_at_ms)
        verdict_days(f->submitted_at_ms, p->cal, &a.rules, &a.verdict);
    struct ledger_visit last = {.letter_id = f->letter_id, .at_ms = f->last_visit_at_ms,
                                .outcome = f->last_visit_outcome};
    a.visits = f->has_last_visit ? &last : NULL;
    a.n_visits = f->has_last_visit ? 1 : 0;
    return due_one(&a, user);
}

static int id_cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

int due_letters(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                const struct schedule_rules *rules, bool all, int64_t **ids_out, size_t *n_out,
                int64_t *next_ms_out, struct err *e)
{
    struct due_pass p = {.cal = cal, .rules = rules, .now_ms = now_ms, .all = all};
    /* A letter seen answered has a final verdict and is never due: only --all reads every letter. Of the
     * open ones, those a visit missed are assessed whole (the deletion rule reads every visit); the
     * others, most of a round, by their facts alone, from the indexes. */
    int rc = all ? assess_each(l, cal, campaign_id, now_ms, due_one, &p, e)
                 : ledger_open_facts_each(l, campaign_id, due_one_facts, &p, e);
    if (rc == 0 && !all) {
        size_t n_facts = p.n;
        rc = assess_each_open_missed(l, cal, campaign_id, now_ms, due_one, &p, e);
        if (rc == 0 && n_facts > 0 && p.n > n_facts)
            qsort(p.ids, p.n, sizeof *p.ids, id_cmp); /* two runs by id: in ledger order again */
    }
    if (rc) {
        free(p.ids);
        return rc;
    }
    *ids_out = p.ids ? p.ids : xcalloc(1, sizeof *p.ids);
    *n_out = p.n;
    if (next_ms_out)
        *next_ms_out = p.next_min;
    return 0;
}
