/* The submit phase: run the steps, then decide what happened. The rule that matters: a letter is
 * reported as submitted only when the scenario's success criteria were seen on the page. A known
 * failure (wrong captcha, throttle) is retried within its limit; anything else after the final click
 * is "unknown", because the letter may have gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/run_internal.h"

const char *scn_submit_status_name(enum scn_submit_status s)
{
    switch (s) {
    case SCN_SUBMIT_OK: return "submitted";
    case SCN_SUBMIT_NOT_SENT: return "not_sent";
    case SCN_SUBMIT_REJECTED: return "rejected";
    default: return "unknown";
    }
}

void scn_submit_result_release(struct scn_submit_result *r)
{
    if (!r)
        return;
    free(r->message);
    scn_vars_release(&r->extracted);
    free(r->final_url);
    scn_shots_release(&r->shots);
    scn_step_times_release(&r->times);
    free(r->failure_shot);
    scn_mails_release(&r->mails);
    memset(r, 0, sizeof *r);
}

/* The first failure whose match holds now, or -1; *why describes it. */
static int failure_find(struct scn_exec *x, char **why)
{
    const struct scn_submit *sub = &x->s->submit;
    for (size_t i = 0; i < sub->n_failures; i++) {
        struct err e;
        err_init(&e);
        if (scn_match_eval(x, &sub->failures[i].when, why, &e) == 1)
            return (int)i;
    }
    return -1;
}

static int watch_failures(struct scn_exec *x)
{
    char *why = NULL;
    int i = failure_find(x, &why);
    free(why);
    return i >= 0;
}

/* Whether success or a failure rule reads XHR and fetch answers (`response`). */
static bool submit_reads_answers(const struct scn_submit *sub)
{
    bool reads = sub->success.n_response_texts > 0;
    for (size_t i = 0; i < sub->n_failures && !reads; i++)
        reads = sub->failures[i].when.n_response_texts > 0;
    return reads;
}

/* A board that posts by XHR answers after the click, and no step need wait for it (the answer may show
 * nowhere on the page): when the outcome is not seen yet, wait for the answers to what the final click
 * sent, within the step limit, so that the answer decides rather than the moment the steps ended. */
static void answer_await(struct scn_exec *x)
{
    if (!x->final_clicked || !submit_reads_answers(&x->s->submit))
        return;
    struct err e;
    err_init(&e);
    if (scn_match_eval(x, &x->s->submit.success, NULL, &e) == 1 || watch_failures(x))
        return;
    int timeout_ms = x->o && x->o->timeout_ms > 0 ? x->o->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    err_init(&e);
    if (page_responses_wait(x->p, x->final_response_mark, 500, timeout_ms, &e) < 0)
        log_info("scenario", "%s: after the final click, %s", x->s->path, e.msg);
}

/* The page the final click loads (a form post, a redirect, a script that swaps the form for 提交成功) may
 * still be on its way when the last step ends, and a scenario need not end with a wait_for: as the best
 * drivers' assertions do, judge again as the page changes until success or a known failure shows, within
 * the step limit. Only when every step ran (a failed step has had its wait already). Returns what
 * scn_match_eval last said. */
#define SUCCESS_POLL_MS 200
static int success_await(struct scn_exec *x, char **why, struct err *e)
{
    int timeout_ms = x->o && x->o->timeout_ms > 0 ? x->o->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    for (;;) {
        free(*why);
        *why = NULL;
        err_init(e);
        int success = scn_match_eval(x, &x->s->submit.success, why, e);
        if (success == 1 || !x->final_clicked || watch_failures(x) || clock_mono_ms() >= deadline)
            return success;
        if (success < 0 && (e->code == ERR_BROWSER || e->code == ERR_TIMEOUT))
            return success; /* a dead page, or the visit's budget spent: nothing more will change */
        scn_sleep_ms(SUCCESS_POLL_MS);
    }
}

static void failure_shot(struct scn_exec *x, struct scn_submit_result *out, const char *name)
{
    struct err se;
    err_init(&se);
    free(out->failure_shot);
    out->failure_shot = NULL;
    if (scn_exec_shot(x, name, &out->failure_shot, &se) < 0)
        log_warn("scenario", "could not take a screenshot of the failure: %s", se.msg);
}

int scn_submit_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                   const struct scn_run_options *o, struct scn_submit_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    scn_vars_init(&out->extracted);
    if (!s->has_submit)
        return err_set(e, ERR_INPUT, "scenario '%s' has no submit phase", s->path);
    int mrc = scn_phase_mail_check(s, &s->submit.phase, o, e);
    if (mrc < 0)
        return mrc;
    int used[64] = {0}; /* retries used per failure rule */
    int shot_seq = 0;   /* evidence numbering goes on across attempts, so no picture overwrites another */
    for (;;) {
        out->attempts++;
        scn_vars_release(&out->extracted);
        scn_vars_init(&out->extracted);
        struct scn_exec x;
        scn_exec_init(&x, s, p, vars, o, "submit", &out->extracted, &out->shots);
        x.times = &out->times;
        x.mails = &out->mails;
        x.watch = watch_failures;
        x.shot_seq = shot_seq;
        x.attempt = out->attempts;
        struct err se;
        err_init(&se);
        int rc = 0;
        for (size_t i = 0; i < s->submit.phase.n_steps && rc == 0; i++)
            rc = scn_exec_step(&x, &s->submit.phase.steps[i], &se);
        if (x.final_clicked)
            out->submitted_at_ms = x.final_at_ms;
        if (rc == ERR_BROWSER || rc == ERR_INPUT || rc == ERR_USAGE) {
            /* the browser died, or the run cannot go on (a variable, no solver): no judging of the page */
            out->status = x.final_clicked ? SCN_SUBMIT_UNKNOWN : SCN_SUBMIT_NOT_SENT;
            out->err_code = rc;
            out->message = xstrdup(se.msg);
            if (rc != ERR_BROWSER)
                failure_shot(&x, out, "failed");
            scn_exec_release(&x);
            return 0;
        }
        answer_await(&x);
        char *why = NULL;
        struct err me;
        err_init(&me);
        int success = rc == 0 ? success_await(&x, &why, &me) : scn_match_eval(&x, &s->submit.success, &why, &me);
        struct err ue;
        err_init(&ue);
        free(out->final_url);
        out->final_url = NULL;
        page_url(p, &out->final_url, &ue);
        if (success == 1 && x.final_clicked) {
            out->status = SCN_SUBMIT_OK;
            if (rc < 0) /* sent, but a later step (an extract) failed: say so, never hide it */
                out->message = xasprintf("submitted (%s), but %s", why, se.msg);
            free(why);
            scn_exec_release(&x);
            return 0;
        }
        free(why);
        why = NULL;
        int f = failure_find(&x, &why);
        if (f >= 0) {
            const struct scn_failure *fl = &s->submit.failures[f];
            out->has_failure_kind = true;
            out->failure_kind = fl->kind;
            bool can_retry = fl->kind != SCN_FAIL_REJECTED && f < (int)ARRAY_LEN(used) && used[f] < fl->retries;
            if (can_retry) {
                used[f]++;
                log_info("scenario", "%s: %s; retry %d of %d", s->path, why, used[f], fl->retries);
                free(why);
                shot_seq = x.shot_seq;
                scn_exec_release(&x);
                if (fl->wait_ms > 0)
                    scn_sleep_ms(fl->wait_ms);
                continue;
            }
            failure_shot(&x, out, "rejected");
            out->status = SCN_SUBMIT_REJECTED;
            out->err_code = ERR_SITE;
            if (fl->kind == SCN_FAIL_REJECTED)
                out->message = xasprintf("the site rejected the letter: %s", why);
            else
                out->message = xasprintf("%s failure after %d retries: %s", scn_failure_kind_name(fl->kind), used[f],
                                         why);
            free(why);
            scn_exec_release(&x);
            return 0;
        }
        failure_shot(&x, out, rc < 0 ? "failed" : "no-success");
        out->err_code = rc < 0 ? rc : ERR_SITE;
        if (!x.final_clicked) {
            out->status = SCN_SUBMIT_NOT_SENT;
            /* say why the form was not there when the page is a WAF or error page */
            struct err be;
            err_init(&be);
            char *blocked = scn_exec_blocked_reason(&x, NULL, &be);
            out->message = blocked ? xasprintf("%s (%s)", se.msg, blocked) : xstrdup(se.msg);
            free(blocked);
        } else {
            out->status = SCN_SUBMIT_UNKNOWN;
            if (rc < 0)
                out->message = xasprintf("the final click was made but the success criteria were not seen: %s", se.msg);
            else
                out->message = xasprintf("scenario '%s': every step ran, but after the final click the success "
                                         "criteria were not seen", s->path);
        }
        scn_exec_release(&x);
        return 0;
    }
}
