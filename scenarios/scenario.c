/* The scenario's C form: names of kinds and the free functions (the loader is in load.c). */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "scenarios/regex.h"
#include "scenarios/scenario.h"

static const char *const step_names[SCN_STEP_KIND_COUNT] = {
    "goto", "fill", "select", "check", "uncheck", "choose", "click", "click_text", "wait_for",
    "assert", "extract", "screenshot", "captcha", "frame", "dialog", "pause", "list_search",
};

const char *scn_step_kind_name(enum scn_step_kind kind)
{
    return (unsigned)kind < SCN_STEP_KIND_COUNT ? step_names[kind] : "?";
}

const char *scn_failure_kind_name(enum scn_failure_kind kind)
{
    switch (kind) {
    case SCN_FAIL_CAPTCHA: return "captcha";
    case SCN_FAIL_THROTTLE: return "throttle";
    default: return "rejected";
    }
}

const char *scn_lookup_kind_name(enum scn_lookup_kind k)
{
    return k == SCN_LOOKUP_LIST ? "list" : "authoritative";
}

bool scn_match_is_empty(const struct scn_match *m)
{
    return !m->n_texts && !m->n_dialogs && !m->selector && !m->url_contains && !m->url_not_contains &&
           !m->n_statuses;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void extractor_release(struct scn_extractor *x)
{
    free(x->selector);
    free(x->attribute);
    free(x->text);
    scn_regex_free(x->regex);
    free(x->regex_tmpl);
    strv_free(x->formats, x->n_formats);
}

static void match_release(struct scn_match *m)
{
    free(m->within);
    strv_free(m->texts, m->n_texts);
    strv_free(m->dialogs, m->n_dialogs);
    free(m->selector);
    free(m->url_contains);
    free(m->url_not_contains);
    free(m->statuses);
}

static void phase_release(struct scn_phase *p)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        struct scn_step *s = &p->steps[i];
        free(s->label);
        free(s->target);
        free(s->value);
        free(s->var);
        extractor_release(&s->extract);
        free(s->captcha_refresh);
        free(s->frame_url);
        free(s->dialog_type);
        free(s->list_token);
        free(s->list_next);
        free(s->list_record);
        extractor_release(&s->list_older_than);
    }
    free(p->steps);
}

void scn_scenario_free(struct scn_scenario *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->description);
    free(s->site.name);
    free(s->site.owner);
    free(s->site.mailbox);
    free(s->site.entry_url);
    free(s->site.family);
    free(s->site.notes);
    free(s->letter.category);
    scn_vars_release(&s->defaults);
    phase_release(&s->submit.phase);
    match_release(&s->submit.success);
    for (size_t i = 0; i < s->submit.n_failures; i++)
        match_release(&s->submit.failures[i].when);
    free(s->submit.failures);
    phase_release(&s->recover.phase);
    match_release(&s->recover.found);
    match_release(&s->recover.not_found);
    match_release(&s->recover.unavailable);
    strv_free(s->recover_vars, s->n_recover_vars);
    phase_release(&s->check.phase);
    free(s->check.record);
    match_release(&s->check.found);
    match_release(&s->check.not_found);
    match_release(&s->check.unavailable);
    struct scn_read *r = &s->check.read;
    extractor_release(&r->state);
    extractor_release(&r->has_reply);
    extractor_release(&r->received_date);
    extractor_release(&r->reply_date);
    extractor_release(&r->reply_unit);
    extractor_release(&r->reply_text);
    strv_free(r->replied_states, r->n_replied_states);
    strv_free(r->removed_states, r->n_removed_states);
    strv_free(s->submit_vars, s->n_submit_vars);
    free(s);
}

void scn_diags_release(struct scn_diags *d)
{
    if (!d)
        return;
    strv_free(d->lines, d->n);
    d->lines = NULL;
    d->n = 0;
}
