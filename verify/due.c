#include <stdlib.h>

#include "common/base.h"
#include "verify/assess.h"
#include "verify/due.h"

int due_letters(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                const struct schedule_rules *rules, bool all, int64_t **ids_out, size_t *n_out,
                int64_t *next_ms_out, struct err *e)
{
    struct assessment *as = NULL;
    size_t n = 0;
    if (assess_all(l, cal, campaign_id, now_ms, &as, &n, e))
        return e ? e->code : ERR_STORE;
    int64_t *ids = xcalloc(n + 1, sizeof *ids);
    size_t n_ids = 0;
    int64_t next_min = 0;
    for (size_t i = 0; i < n; i++) {
        const struct assessment *a = &as[i];
        if (a->letter.state != LETTER_SUBMITTED && a->letter.state != LETTER_IMPORTED)
            continue;
        int64_t next = schedule_next_ms(a, rules);
        if (all || (next != 0 && next <= now_ms))
            ids[n_ids++] = a->letter.id;
        else if (next != 0 && (next_min == 0 || next < next_min))
            next_min = next;
    }
    assessments_free(as, n);
    *ids_out = ids;
    *n_out = n_ids;
    if (next_ms_out)
        *next_ms_out = next_min;
    return 0;
}
