/* A letter's verdict now, from what the ledger holds: the glue between the ledger and the pure
 * verdict rules. `status`, `check` and the reports all ask here, so they always agree. */
#ifndef HUIXIN_ASSESS_H
#define HUIXIN_ASSESS_H

#include <stddef.h>
#include <stdint.h>

#include "verify/ledger.h"
#include "verify/verdict.h"

struct cal;
struct err;

struct assessment {
    struct ledger_campaign campaign;
    struct ledger_site site;
    struct ledger_letter letter;
    struct ledger_visit *visits; /* oldest first */
    size_t n_visits;
    struct verdict_rules rules;
    struct verdict_result verdict;
};

/* Reads the letter, its site, campaign and visits, and decides its verdict as of now_ms. */
int assess_letter(struct ledger *l, const struct cal *cal, int64_t letter_id, int64_t now_ms,
                  struct assessment *out, struct err *e);
void assessment_release(struct assessment *a);

/* Every letter of a campaign (campaign_id 0: all), in ledger order; *out is an array of n. */
int assess_all(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
               struct assessment **out, size_t *n_out, struct err *e);
void assessments_free(struct assessment *a, size_t n);

#endif
