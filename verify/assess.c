#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "verify/assess.h"

static enum verdict_visit_outcome outcome_for_verdict(enum visit_outcome o)
{
    switch (o) {
    case VISIT_FOUND: return VERDICT_VISIT_FOUND;
    case VISIT_NOT_FOUND: return VERDICT_VISIT_NOT_FOUND;
    case VISIT_FAILED: return VERDICT_VISIT_FAILED;
    }
    return VERDICT_VISIT_FAILED;
}

/* What a visit's lookup proves. The submission's own page shows that the letter arrived, not that it
 * was published; a recovery found it in a list when it says so. A check's lookup not recorded (rows
 * before ledger schema 3) is read as a list lookup: its miss then needs an earlier sighting. */
static enum verdict_lookup lookup_for_verdict(const struct ledger_visit *v)
{
    if (v->kind && strcmp(v->kind, "submit") == 0)
        return VERDICT_LOOKUP_SUBMIT;
    if (v->kind && strcmp(v->kind, "recover") == 0)
        return v->outcome == VISIT_FOUND && !v->is_seen_in_list ? VERDICT_LOOKUP_SUBMIT : VERDICT_LOOKUP_LIST;
    if (v->lookup && strcmp(v->lookup, "authoritative") == 0)
        return VERDICT_LOOKUP_AUTHORITATIVE;
    return VERDICT_LOOKUP_LIST;
}

int assess_letter(struct ledger *l, const struct cal *cal, int64_t letter_id, int64_t now_ms,
                  struct assessment *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = ledger_letter_get(l, letter_id, &out->letter, e)) ||
        (rc = ledger_site_get(l, out->letter.site_id, &out->site, e)) ||
        (rc = ledger_campaign_get(l, out->site.campaign_id, &out->campaign, e)) ||
        (rc = ledger_visit_list(l, letter_id, &out->visits, &out->n_visits, e))) {
        assessment_release(out);
        return rc;
    }
    verdict_rules_init(&out->rules);
    if (out->site.deadline_workdays > 0)
        out->rules.deadline_workdays = out->site.deadline_workdays;
    if (out->campaign.deletion_min_visits > 0)
        out->rules.deletion_min_visits = out->campaign.deletion_min_visits;
    out->rules.deletion_min_gap_ms = out->campaign.deletion_min_gap_ms;

    struct verdict_letter vl = {
        .submitted_at_ms = out->letter.state == LETTER_SUBMITTED || out->letter.state == LETTER_IMPORTED
                               ? out->letter.submitted_at_ms
                               : 0,
        .submit_failed = out->letter.state == LETTER_FAILED,
        .submit_error = out->letter.error,
    };
    struct verdict_visit *vv = xcalloc(out->n_visits + 1, sizeof *vv);
    for (size_t i = 0; i < out->n_visits; i++) {
        const struct ledger_visit *v = &out->visits[i];
        vv[i] = (struct verdict_visit){
            .at_ms = v->at_ms,
            .outcome = outcome_for_verdict(v->outcome),
            .lookup = lookup_for_verdict(v),
            .proves_absence = v->proves_absence,
            .entry_page_ok = v->is_entry_ok,
            .has_reply = v->has_reply,
            .reply_shown_ms = v->reply_date_ms,
            .state_text = v->state_text,
        };
    }
    verdict_decide(&vl, vv, out->n_visits, cal, &out->rules, now_ms, &out->verdict);
    free(vv);
    return 0;
}

void assessment_release(struct assessment *a)
{
    ledger_campaign_release(&a->campaign);
    ledger_site_release(&a->site);
    ledger_letter_release(&a->letter);
    ledger_visits_free(a->visits, a->n_visits);
    memset(a, 0, sizeof *a);
}

int assess_all(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
               struct assessment **out, size_t *n_out, struct err *e)
{
    struct ledger_letter *letters = NULL;
    size_t n = 0;
    if (ledger_letter_list(l, campaign_id, &letters, &n, e))
        return ERR_STORE;
    struct assessment *all = xcalloc(n + 1, sizeof *all);
    int rc = 0;
    size_t done = 0;
    for (; done < n; done++) {
        if ((rc = assess_letter(l, cal, letters[done].id, now_ms, &all[done], e)))
            break;
    }
    ledger_letters_free(letters, n);
    if (rc) {
        assessments_free(all, done);
        return rc;
    }
    *out = all;
    *n_out = n;
    return 0;
}

void assessments_free(struct assessment *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assessment_release(&a[i]);
    free(a);
}
