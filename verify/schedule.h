/* When to visit a letter next: a pure function of its assessment, the rules and nothing else (no
 * clock), so `check --due` and `run` agree and tests need no sleeping.
 *
 *   - not submitted, failed, answered or deleted: never again (0);
 *   - the last visit failed: retry after retry_ms;
 *   - the last successful visit did not find the letter: look again after the deletion gap, so a
 *     deletion is confirmed (or refuted) as soon as the rule allows;
 *   - otherwise every interval_ms, and always once just after the deadline day ends (Beijing time),
 *     because only a visit after the deadline can show 超期未回复;
 *   - unanswered letters are followed until the national veto day (3 months) has passed. */
#ifndef HUIXIN_SCHEDULE_H
#define HUIXIN_SCHEDULE_H

#include <stdint.h>

#include "verify/assess.h"

struct schedule_rules {
    int64_t interval_ms; /* default 24 h */
    int64_t retry_ms;    /* default 1 h */
};

void schedule_rules_init(struct schedule_rules *r);
/* The instant the letter is next due (ms), or 0 when it needs no more visits. */
int64_t schedule_next_ms(const struct assessment *a, const struct schedule_rules *r);

#endif
