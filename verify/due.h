/* Which letters are due for a visit now, from the ledger and the revisit schedule. Shared by
 * `huixin check --due` and `huixin run`. */
#ifndef HUIXIN_DUE_H
#define HUIXIN_DUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/schedule.h"

struct cal;
struct err;
struct ledger;

/* Letter ids of campaign_id (0: all) that are due at now_ms, oldest first (*ids_out: the caller's to
 * free), or every checkable letter when all is true. *next_ms_out: the earliest next due instant of the
 * letters not due now (0 when none will ever be). */
int due_letters(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                const struct schedule_rules *rules, bool all, int64_t **ids_out, size_t *n_out,
                int64_t *next_ms_out, struct err *e);

#endif
