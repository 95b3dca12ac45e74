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

/* The rules and the verdict of an assessment whose letter, site, campaign and visits are read. */
static void assess_decide(const struct cal *cal, int64_t now_ms, struct assessment *out)
{
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
            /* a check's list lookup recorded (schema 3 on) says whether the list showed it; older rows
             * cannot say, and a find there counts as a sighting, as before */
            .found_elsewhere = v->outcome == VISIT_FOUND && v->lookup && strcmp(v->lookup, "list") == 0 &&
                               !v->is_seen_in_list && !(v->kind && strcmp(v->kind, "recover") == 0),
            .entry_page_ok = v->is_entry_ok,
            .has_reply = v->has_reply,
            .reply_shown_ms = v->reply_date_ms,
            .state_text = v->state_text,
        };
    }
    verdict_decide(&vl, vv, out->n_visits, cal, &out->rules, now_ms, &out->verdict);
    free(vv);
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
    assess_decide(cal, now_ms, out);
    return 0;
}

static void campaign_copy(const struct ledger_campaign *from, struct ledger_campaign *to)
{
    *to = *from;
    to->name = from->name ? xstrdup(from->name) : NULL;
    to->authorised_by = from->authorised_by ? xstrdup(from->authorised_by) : NULL;
    to->file_path = from->file_path ? xstrdup(from->file_path) : NULL;
    to->file_sha256 = from->file_sha256 ? xstrdup(from->file_sha256) : NULL;
}

static int assess_scan(struct ledger *l, const struct cal *cal, int64_t campaign_id, enum ledger_scan_kind kind,
                       int64_t now_ms, assess_fn fn, void *user, struct err *e)
{
    struct ledger_campaign *campaigns = NULL;
    size_t n_campaigns = 0;
    struct ledger_scan *scan = NULL;
    int rc;
    if ((rc = ledger_campaign_list(l, &campaigns, &n_campaigns, e)) ||
        (rc = ledger_scan_open(l, campaign_id, kind, &scan, e)))
        goto out;
    for (;;) {
        struct assessment a;
        memset(&a, 0, sizeof a);
        int got = ledger_scan_next(scan, &a.letter, &a.site, &a.visits, &a.n_visits, e);
        if (got <= 0) {
            rc = got;
            break;
        }
        /* campaigns come by id (ledger_campaign_list): a binary search */
        size_t lo = 0, hi = n_campaigns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (campaigns[mid].id < a.site.campaign_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n_campaigns || campaigns[lo].id != a.site.campaign_id) {
            rc = err_set(e, ERR_STORE, "site %lld names campaign %lld, which the ledger does not hold",
                         (long long)a.site.id, (long long)a.site.campaign_id);
            assessment_release(&a);
            break;
        }
        campaign_copy(&campaigns[lo], &a.campaign);
        assess_decide(cal, now_ms, &a);
        rc = fn(&a, user);
        assessment_release(&a);
        if (rc)
            break;
    }
out:
    ledger_scan_close(scan);
    ledger_campaigns_free(campaigns, n_campaigns);
    return rc;
}

void assessment_release(struct assessment *a)
{
    ledger_campaign_release(&a->campaign);
    ledger_site_release(&a->site);
    ledger_letter_release(&a->letter);
    ledger_visits_free(a->visits, a->n_visits);
    memset(a, 0, sizeof *a);
}

int assess_each(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms, assess_fn fn,
                void *user, struct err *e)
{
    return assess_scan(l, cal, campaign_id, LEDGER_SCAN_ALL, now_ms, fn, user, e);
}

int assess_each_open(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms, assess_fn fn,
                     void *user, struct err *e)
{
    return assess_scan(l, cal, campaign_id, LEDGER_SCAN_OPEN, now_ms, fn, user, e);
}

int assess_each_open_missed(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
                            assess_fn fn, void *user, struct err *e)
{
    return assess_scan(l, cal, campaign_id, LEDGER_SCAN_OPEN_MISSED, now_ms, fn, user, e);
}

struct assess_collect {
    struct assessment *all;
    size_t n, cap;
};

static int assess_collect_one(const struct assessment *a, void *user)
{
    struct assess_collect *c = user;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->all = xrealloc(c->all, (c->cap + 1) * sizeof *c->all);
    }
    /* the assessment is handed over whole: assess_each releases an emptied one */
    struct assessment *mine = (struct assessment *)a;
    c->all[c->n++] = *mine;
    memset(mine, 0, sizeof *mine);
    return 0;
}

int assess_all(struct ledger *l, const struct cal *cal, int64_t campaign_id, int64_t now_ms,
               struct assessment **out, size_t *n_out, struct err *e)
{
    struct assess_collect c = {0};
    int rc = assess_each(l, cal, campaign_id, now_ms, assess_collect_one, &c, e);
    if (rc) {
        assessments_free(c.all, c.n);
        return rc;
    }
    *out = c.all ? c.all : xcalloc(1, sizeof *c.all);
    *n_out = c.n;
    return 0;
}

void assessments_free(struct assessment *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assessment_release(&a[i]);
    free(a);
}
