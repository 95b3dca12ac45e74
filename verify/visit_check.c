/* A check visit: find a letter again with its scenario's check phase and read its state. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "verify/assess.h"
#include "verify/pace.h"
#include "verify/visit_internal.h"

/* What the lookup was and what it read, so the evidence says what a miss proves. */
static void lookup_meta(const struct scn_check_result *res, json_t *meta)
{
    json_t *lk = json_pack("{s:s, s:b}", "kind", scn_lookup_kind_name(res->lookup), "proves_absence",
                           res->proves_absence);
    if (res->list_pages_read > 0) {
        json_object_set_new(lk, "pages_read", json_integer(res->list_pages_read));
        json_object_set_new(lk, "seen_in_list", json_boolean(res->is_seen_in_list));
    }
    if (res->list_stop)
        json_object_set_new(lk, "stopped", json_string(res->list_stop));
    if (res->status == SCN_CHECK_NOT_FOUND)
        json_object_set_new(lk, "conclusive", json_true());
    json_object_set_new(meta, "lookup", lk);
}

/* The scenario's variables for this letter: the site's, then the letter's own, then its fields. */
static void letter_vars(const struct ledger_site *s, const struct ledger_letter *t, struct scn_vars *vars)
{
    visit_vars_from_json(vars, t->vars_json);
    visit_vars_from_json(vars, s->vars_json); /* the site's current base_url wins over the old one */
    if (t->token)
        scn_vars_set(vars, "letter.token", t->token);
    if (t->title)
        scn_vars_set(vars, "letter.title", t->title);
    if (t->body)
        scn_vars_set(vars, "letter.body", t->body);
    if (t->query_code)
        scn_vars_set(vars, "query_code", t->query_code);
    if (t->letter_no)
        scn_vars_set(vars, "letter_no", t->letter_no);
    if (t->detail_url)
        scn_vars_set(vars, "detail_url", t->detail_url);
}

int visit_check_letter(const struct visit_env *env, int64_t letter_id, struct visit_summary *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->letter_id = letter_id;
    struct ledger_letter t = {0};
    struct ledger_site s = {0};
    struct ledger_campaign c = {0};
    struct scn_scenario *sc = NULL;
    struct page *p = NULL;
    struct scn_vars vars;
    scn_vars_init(&vars);
    struct scn_check_result res;
    memset(&res, 0, sizeof res);
    struct visit_bundle b = {0};
    bool is_locked = false;
    struct pace_hold hold;
    pace_hold_init(&hold);
    struct visit_proxy vp;
    memset(&vp, 0, sizeof vp);
    struct visit_browser vb;
    memset(&vb, 0, sizeof vb);
    vb.profile.lock_fd = -1;
    int rc = 0;

    if ((rc = ledger_letter_get(env->ledger, letter_id, &t, e)) || (rc = ledger_site_get(env->ledger, t.site_id, &s, e)))
        goto out;
    if ((rc = ledger_campaign_get(env->ledger, s.campaign_id, &c, e)))
        goto out;
    if (t.state != LETTER_SUBMITTED && t.state != LETTER_IMPORTED) {
        rc = err_set(e, ERR_USAGE, "letter %lld (%s) is %s, not submitted: nothing to check", (long long)letter_id,
                     s.key, ledger_letter_state_name(t.state));
        goto out;
    }
    if ((rc = scn_scenario_load(s.scenario_path, &sc, NULL, e))) {
        err_prefix(e, "site '%s'", s.key);
        goto out;
    }
    if ((rc = visit_proxy_resolve(env, sc, &vp, e))) { /* a bad credentials file: no visit is recorded */
        err_prefix(e, "site '%s'", s.key);
        goto out;
    }
    letter_vars(&s, &t, &vars);

    /* One visit of a letter at a time, whoever makes it: two at once would both take the next number
     * and chain to the same predecessor. Taken before the evidence folder is chosen, and before the
     * wait for the host's pace, so a second check of the same letter is skipped, not merely delayed. */
    if ((rc = visit_lock_take(env, letter_id, out, &is_locked, e)))
        goto out;
    if (out->was_busy) {
        snprintf(out->line, sizeof out->line, "being visited by another huixin (pid %lld): skipped",
                 (long long)out->busy_pid);
        goto out;
    }
    if ((rc = pace_acquire(&hold, env->ledger, env->pace_lock_path, &s,
                           pace_gap_seconds(sc->site.pacing_seconds, false), e)))
        goto out;

    int64_t at = clock_now_ms();
    if ((rc = visit_bundle_open(env, &c, &s, letter_id, "check", at, &b, e)))
        goto out;
    visit_tls_note(env, &s, &vars, sc->site.tls, visit_proxy_get(&vp), &b);
    visit_bundle_proxy_note(&b, &vp);

    struct ledger_visit v = {.letter_id = letter_id, .kind = "check", .at_ms = at, .outcome = VISIT_FAILED};
    struct err run_err;
    err_init(&run_err);
    char *error_text = NULL;
    /* the watchdog: a site that keeps each wait just under its timeout, step after step (or a page
     * that never answers), must not hold the letters behind this one */
    if (env->on_visit_start)
        env->on_visit_start(letter_id, env->on_visit_start_user);
    /* a site behind a real-name login runs in its own browser, on its profile */
    int open_rc = visit_browser_open(env, sc, &s, &vb, &run_err);
    struct visit_env venv = *env; /* the evidence's grace is given on the browser the visit used */
    venv.browser = vb.b;
    if (open_rc == 0)
        browser_budget_start(vb.b, env->visit_budget_ms);
    char *session_error = NULL;
    if (open_rc != 0 || page_open_via(vb.b, visit_proxy_get(&vp), &p, &run_err) != 0) {
        error_text = xstrdup(run_err.msg);
        out->is_login_needed = vb.is_login_needed;
    } else if ((session_error = visit_session_check(env, sc, &s, p, &vars, &out->is_login_needed))) {
        /* the login lapsed (or cannot be told): the letter is not looked for; the page is kept */
        error_text = session_error;
        json_object_set_new(b.meta, "session", json_pack("{s:s}", "state", out->is_login_needed ? "logged_out" : "unknown"));
        visit_bundle_capture_last(&venv, &b, p, "page");
    } else {
        struct scn_run_options o = {.captcha = env->captcha, .evidence_dir = b.dir, .squeezer = b.squeezer, .timeout_ms = env->timeout_ms,
                                    .thirdparty_ms = env->thirdparty_ms, .block_list = env->block_list,
                                    .mail = env->mail, .letter_sent_ms = t.submitted_at_ms};
        visit_bundle_block_note(&b, env, sc);
        if (sc->session.is_set)
            json_object_set_new(b.meta, "session", json_pack("{s:s}", "state", "logged_in"));
        int run_rc = scn_check_run(sc, p, &vars, &o, &res, &run_err);
        visit_bundle_step_times(&b, &res.times);
        json_t *mails = visit_mails_json(&res.mails, b.dir);
        if (mails)
            json_object_set_new(b.meta, "mails", mails);
        if (run_rc != 0) {
            error_text = xstrdup(run_err.msg);
        } else {
            v.http_status = res.http_status;
            v.final_url = res.final_url;
            v.state_text = res.state;
            v.has_reply = res.has_reply;
            v.reply_date_ms = res.has_reply_date ? res.reply_date_ms : 0;
            v.reply_unit = res.reply_unit;
            v.reply_text = res.reply_text;
            v.lookup = (char *)scn_lookup_kind_name(res.lookup); /* borrowed: written, never freed */
            v.is_seen_in_list = res.is_seen_in_list;
            v.proves_absence = res.proves_absence;
            lookup_meta(&res, b.meta);
            switch (res.status) {
            case SCN_CHECK_FOUND:
                v.outcome = VISIT_FOUND;
                v.is_entry_ok = true;
                break;
            case SCN_CHECK_NOT_FOUND:
                v.outcome = VISIT_NOT_FOUND;
                break;
            case SCN_CHECK_LOAD_FAILED:
                v.outcome = VISIT_FAILED;
                out->is_login_needed = res.is_login_needed; /* the login lapsed during the visit */
                /* name the page too (a WAF page's reason is only its marker), unless the reason does */
                if (res.final_url && *res.final_url && !(res.reason && strstr(res.reason, res.final_url)))
                    error_text = xasprintf("%s (page '%s', HTTP %d)", res.reason ? res.reason : "the page did not load",
                                           res.final_url, res.http_status);
                else
                    error_text = xstrdup(res.reason ? res.reason : "the page did not load");
                break;
            }
        }
        if (browser_budget_is_spent(vb.b) && v.outcome != VISIT_FAILED) {
            /* whatever the run concluded as its time ran out, a visit cut short proves nothing */
            v.outcome = VISIT_FAILED;
            v.is_entry_ok = false;
            v.has_reply = false;
            free(error_text);
            error_text = xasprintf("the visit ran past its time budget of %d s", env->visit_budget_ms / 1000);
        }
        unsigned written = visit_bundle_capture_last(&venv, &b, p, "page");
        /* A visit counts only with its evidence: a letter found or missed without its picture (and,
         * for a miss, the page's text) is a claim nobody can check, so the visit proves nothing. */
        bool is_short = v.outcome != VISIT_FAILED &&
                        (!(written & VISIT_CAPTURED_PNG) || (v.outcome == VISIT_NOT_FOUND && !(written & VISIT_CAPTURED_TEXT)));
        if (is_short) {
            json_t *pc = json_object_get(json_object_get(b.meta, "captures"), "page");
            const char *why = json_string_value(json_object_get(pc, (written & VISIT_CAPTURED_PNG) ? "text" : "png"));
            char *seen = xasprintf("the visit's evidence is incomplete: page.%s could not be written (%s); the visit "
                                   "saw: %s", (written & VISIT_CAPTURED_PNG) ? "txt" : "png", why ? why : "?",
                                   v.outcome == VISIT_FOUND ? "found" : "letter not found");
            free(error_text);
            error_text = seen;
            v.outcome = VISIT_FAILED;
            v.is_entry_ok = false;
            v.has_reply = false;
            v.reply_date_ms = 0;
        }
        if (v.outcome == VISIT_NOT_FOUND) {
            /* The letter looks gone: prove the site itself is up, or the visit proves nothing. */
            v.is_entry_ok = visit_entry_page_loads(p, s.entry_url, env->timeout_ms ? env->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS, b.meta);
            if (v.is_entry_ok)
                visit_bundle_capture(&b, p, "entry");
        }
    }
    v.error = error_text;
    json_object_set_new(b.meta, "outcome", json_string(ledger_visit_outcome_name(v.outcome)));
    if (res.reason)
        json_object_set_new(b.meta, "reason", json_string(res.reason));
    if (error_text)
        json_object_set_new(b.meta, "error", json_string(error_text));
    if (res.warning)
        json_object_set_new(b.meta, "warning", json_string(res.warning));

    char sha[DIGEST_HEX_LEN];
    struct err ev_err;
    err_init(&ev_err);
    char *evidence_error = NULL;
    if (visit_bundle_finish(env, &b, letter_id, t.token, at, sha, &ev_err) == 0) {
        v.evidence_dir = b.rel_dir;
        v.manifest_sha256 = sha;
    } else {
        /* No evidence (a full disk ...): the visit is recorded, honestly, as one that proves nothing,
         * pointing at no folder; its unfinished folder goes, so the letter's numbering and chain hold. */
        struct err rm;
        err_init(&rm);
        if (file_remove_tree(b.dir, &rm) != 0)
            log_warn("visit", "cannot remove the unfinished evidence folder: %s", rm.msg);
        evidence_error = xasprintf("evidence could not be written: %s", ev_err.msg);
        const char *saw = v.outcome == VISIT_FOUND ? (v.has_reply ? "found, answered" : "found, no reply")
                                                   : "letter not found";
        char *seen = error_text ? xasprintf("%s; %s", evidence_error, error_text)
                                : xasprintf("%s (the visit saw: %s)", evidence_error, saw);
        free(error_text);
        error_text = seen;
        v.error = error_text;
        v.outcome = VISIT_FAILED;
        v.is_entry_ok = false;
        v.has_reply = false;
        v.reply_date_ms = 0;
    }
    v.n_unloaded = b.n_unloaded;
    visit_tls_to_visit(&b, &v);
    rc = ledger_visit_add(env->ledger, &v, NULL, e);
    /* An imported letter whose sending date nobody gave takes the date the site shows (来信时间). */
    if (rc == 0 && t.state == LETTER_IMPORTED && t.submitted_at_ms == 0 && v.outcome == VISIT_FOUND &&
        res.has_received_date)
        rc = ledger_letter_submitted_at_fill(env->ledger, letter_id, res.received_date_ms, e);
    out->outcome = v.outcome;
    if (rc == 0)
        rc = visit_verdict_update(env, letter_id, out, e);
    if (rc == 0) {
        const char *what = v.outcome == VISIT_FOUND       ? (v.has_reply ? "found, answered" : "found, no reply yet")
                           : v.outcome == VISIT_NOT_FOUND ? (v.is_entry_ok ? "letter not found (site up)"
                                                                           : "letter not found, entry page failed")
                                                          : "could not check";
        snprintf(out->line, sizeof out->line, "%s: %s%s%s -> %s", s.key, what, error_text ? ": " : "",
                 error_text ? error_text : "", verdict_kind_name_zh(out->verdict_after));
    }
    if (rc == 0 && evidence_error)
        rc = err_set(e, ev_err.code ? ev_err.code : ERR_IO,
                     "site '%s': the visit is recorded as failed, without evidence: %s", s.key, evidence_error);
    free(evidence_error);
    free(error_text);
out:
    visit_lock_release(env, letter_id, is_locked);
    visit_bundle_release(&b);
    scn_check_result_release(&res);
    page_close(p);
    if (env->browser)
        browser_budget_start(env->browser, 0);
    visit_browser_close(&vb);
    pace_release(&hold);
    visit_proxy_release(&vp);
    scn_vars_release(&vars);
    scn_scenario_free(sc);
    ledger_campaign_release(&c);
    ledger_site_release(&s);
    ledger_letter_release(&t);
    return rc;
}
