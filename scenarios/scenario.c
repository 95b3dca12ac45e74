/* The scenario's C form: names of kinds and the free functions (the loader is in load.c, each step
 * kind's own code in scenarios/step_*.c). */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "scenarios/regex.h"
#include "scenarios/scenario.h"
#include "scenarios/step.h"

const char *scn_step_kind_name(enum scn_step_kind kind)
{
    return (unsigned)kind < SCN_STEP_KIND_COUNT ? scn_step_table[kind]->name : "?";
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

const char *scn_tls_policy_name(enum scn_tls_policy policy)
{
    return policy == SCN_TLS_ACCEPT ? "accept" : "strict";
}

bool scn_match_is_empty(const struct scn_match *m)
{
    return !m->n_texts && !m->n_dialogs && !m->selector && !m->url_contains && !m->url_not_contains &&
           !m->n_statuses && !m->n_response_texts;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void scn_extractor_release(struct scn_extractor *x)
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
    free(m->response_url);
    strv_free(m->response_texts, m->n_response_texts);
}

void scn_match_release(struct scn_match *m)
{
    match_release(m);
}

static void phase_release(struct scn_phase *p)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        struct scn_step *s = &p->steps[i];
        const struct scn_step_ops *ops = scn_step_table[s->kind];
        if (ops->release)
            ops->release(s);
        free(s->label);
        free(s->target);
        free(s->value);
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
    strv_free(s->site.hosts, s->site.n_hosts);
    free(s->site.proxy);
    free(s->site.proxy_credentials);
    free(s->session.login_url);
    free(s->session.check_url);
    match_release(&s->session.logged_in);
    match_release(&s->session.logged_out);
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
    scn_extractor_release(&r->state);
    scn_extractor_release(&r->has_reply);
    scn_extractor_release(&r->received_date);
    scn_extractor_release(&r->reply_date);
    scn_extractor_release(&r->reply_unit);
    scn_extractor_release(&r->reply_text);
    strv_free(r->replied_states, r->n_replied_states);
    strv_free(r->removed_states, r->n_removed_states);
    strv_free(s->submit_vars, s->n_submit_vars);
    free(s);
}

/* ---- the variables a phase refers to: every template string, as the release functions above free them */

struct refs {
    int (*fn)(const char *name, void *user);
    void *user;
    int rc;
};

static void refs_str(struct refs *r, const char *s)
{
    if (r->rc == 0 && s)
        r->rc = scn_vars_each_ref(s, r->fn, r->user, NULL);
}

static void refs_strv(struct refs *r, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        refs_str(r, v[i]);
}

static void refs_each(const char *tmpl, void *user)
{
    refs_str(user, tmpl);
}

void scn_extractor_each_string(const struct scn_extractor *x, void (*fn)(const char *tmpl, void *user), void *user)
{
    fn(x->selector, user);
    fn(x->attribute, user);
    fn(x->text, user);
    fn(x->regex_tmpl, user);
}

static void refs_extractor(struct refs *r, const struct scn_extractor *x)
{
    scn_extractor_each_string(x, refs_each, r);
}

static void refs_match(struct refs *r, const struct scn_match *m)
{
    refs_str(r, m->within);
    refs_strv(r, m->texts, m->n_texts);
    refs_strv(r, m->dialogs, m->n_dialogs);
    refs_str(r, m->selector);
    refs_str(r, m->url_contains);
    refs_str(r, m->url_not_contains);
    refs_str(r, m->response_url);
    refs_strv(r, m->response_texts, m->n_response_texts);
}

static void refs_phase(struct refs *r, const struct scn_phase *p)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct scn_step *s = &p->steps[i];
        const struct scn_step_ops *ops = scn_step_table[s->kind];
        refs_str(r, s->target);
        refs_str(r, s->value);
        if (ops->each_string)
            ops->each_string(s, refs_each, r);
    }
}

int scn_check_refs_each(const struct scn_scenario *s, int (*fn)(const char *name, void *user), void *user)
{
    struct refs r = {fn, user, 0};
    if (!s->has_check)
        return 0;
    refs_phase(&r, &s->check.phase);
    refs_str(&r, s->check.record);
    refs_match(&r, &s->check.found);
    refs_match(&r, &s->check.not_found);
    refs_match(&r, &s->check.unavailable);
    const struct scn_read *rd = &s->check.read;
    refs_extractor(&r, &rd->state);
    refs_extractor(&r, &rd->has_reply);
    refs_extractor(&r, &rd->received_date);
    refs_extractor(&r, &rd->reply_date);
    refs_extractor(&r, &rd->reply_unit);
    refs_extractor(&r, &rd->reply_text);
    refs_strv(&r, rd->replied_states, rd->n_replied_states);
    refs_strv(&r, rd->removed_states, rd->n_removed_states);
    return r.rc;
}

void scn_diags_release(struct scn_diags *d)
{
    if (!d)
        return;
    strv_free(d->lines, d->n);
    d->lines = NULL;
    d->n = 0;
}
