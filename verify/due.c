#include <stdlib.h>

#include "common/base.h"
#include "verify/assess.h"
#include "verify/due.h"

struct due_pass {
    const struct schedule_rules *rules;
    int64_t now_ms;
    bool all;
    int64_t *ids;
    size_t n, cap;
    int64_t next_min;
};

static int due_one(const struct assessment *a, void *user)
{
    struct due_pass *p = user;
    if (a->letter.state != LETTER_SUBMITTED && a->letter.state != LETTER_IMPORTED)
        return 0;
    int64_t next = schedule_next_ms(a, p->rules);
    if (p->all || (next != 0 && next <= p->now_ms)) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->ids = xrealloc(p->ids, (p->cap + 1) * sizeof *p->ids);
        }
        p->ids[p->n++] = a->letter.id;
    } else if (next != 0 && (p->next_min == 0 || next < p->next_min)) {
        p->next_min = next;
    }
    return 0;
}

int due_letters(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                const struct schedule_rules *rules, bool all, int64_t **ids_out, size_t *n_out,
                int64_t *next_ms_out, struct err *e)
{
    struct due_pass p = {.rules = rules, .now_ms = now_ms, .all = all};
    /* A letter seen answered has a final verdict and is never due: only --all reads every letter. */
    int rc = all ? assess_each(l, cal, campaign_id, now_ms, due_one, &p, e)
                 : assess_each_open(l, cal, campaign_id, now_ms, due_one, &p, e);
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
