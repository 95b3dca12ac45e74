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

/* Calls fn for every letter of a campaign (campaign_id 0: all), in ledger order, each assessed as
 * assess_letter does, one at a time: the ledger is read in one pass (ledger_scan) and only the
 * current letter is held, so memory does not grow with the number of letters. The assessment is
 * fn's to read (and to take: whatever fn moves out and zeroes is not released). A non-zero return
 * from fn stops the walk and is returned. fn must not write to the ledger. */
typedef int (*assess_fn)(const struct assessment *a, void *user);
int assess_each(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms, assess_fn fn,
                void *user, struct err *e);
/* The same for the open letters only: sent or imported, and not seen answered by any visit (the
 * others' verdicts are final: the revisit schedule never visits them again), each read as
 * ledger_scan_open's lean scan reads it: the verdict, rules, letter state and times and the visits'
 * facts are there, the texts (title, site name, reply, evidence folder...) are not. */
int assess_each_open(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms, assess_fn fn,
                     void *user, struct err *e);
/* The same for the open letters that a visit since they went out did not find (the deletion rule needs
 * their whole history); the other open letters' schedule needs only ledger_open_facts_each. */
int assess_each_open_missed(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                            assess_fn fn, void *user, struct err *e);

/* Every letter of a campaign (campaign_id 0: all), in ledger order; *out is an array of n. */
int assess_all(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
               struct assessment **out, size_t *n_out, struct err *e);
void assessments_free(struct assessment *a, size_t n);

#endif
