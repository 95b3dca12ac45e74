/* A submit visit: send a campaign's letter to one site, at most once. A letter whose final click was
 * made but whose outcome a crash kept from the ledger is looked up first (a recover visit), never
 * blindly sent again. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "driver/page.h"
#include "scenarios/letter.h"
#include "scenarios/run.h"
#include "scenarios/scenario.h"
#include "verify/pace.h"
#include "verify/visit_internal.h"

/* How often a letter that could not be sent (the site down, blocked, its form broken) is tried, one
 * try per run, before it is recorded as 提交失败. */
#define SUBMIT_ATTEMPTS_MAX 3

struct final_click_mark {
    struct ledger *ledger;
    int64_t letter_id;
};

/* Runs just before the click that sends the letter: from here on, a crash means "look it up". */
static int mark_final_click(void *user, struct err *e)
{
    struct final_click_mark *m = user;
    return ledger_letter_final_click_set(m->ledger, m->letter_id, clock_now_ms(), e);
}

/* A new letter for the site, written as an intent before anything is sent. */
static int letter_create(const struct visit_env *env, const struct ledger_site *s, const struct scn_scenario *sc,
                         int64_t *id_out, struct err *e)
{
    char *path = NULL;
    struct scn_letter_templates *tpl = NULL;
    struct scn_letter letter = {0};
    char token[SCN_TOKEN_LEN + 1];
    int rc;
    if ((rc = scn_letter_templates_find(&path, e)) || (rc = scn_letter_templates_load(path, &tpl, e)) ||
        (rc = scn_token_new(token, NULL, NULL, e)))
        goto out;
    /* Which template: derived from the token, so sites of one campaign get different letters. */
    size_t pick = 0;
    for (const char *c = token; *c; c++)
        pick = pick * 31 + (unsigned char)*c;
    if ((rc = scn_letter_render(tpl, &sc->letter, pick, token, &letter, e)))
        goto out;
    struct ledger_letter t = {.site_id = s->id, .state = LETTER_INTENT, .token = letter.token,
                              .title = letter.title, .body = letter.body, .intent_at_ms = clock_now_ms()};
    rc = ledger_letter_add(env->ledger, &t, id_out, e);
out:
    scn_letter_release(&letter);
    scn_letter_templates_free(tpl);
    free(path);
    return rc;
}

static void submit_vars(const struct ledger_site *s, const struct ledger_letter *t, const struct scn_scenario *sc,
                        const struct visit_letter_fields *f, struct scn_vars *vars)
{
    visit_vars_from_json(vars, s->vars_json);
    if (f->name)
        scn_vars_set(vars, "letter.name", f->name);
    if (f->phone)
        scn_vars_set(vars, "letter.phone", f->phone);
    scn_vars_set(vars, "letter.email", f->email ? f->email : "");
    if (f->address)
        scn_vars_set(vars, "letter.address", f->address);
    if (f->id_card)
        scn_vars_set(vars, "letter.id_card", f->id_card);
    scn_vars_set(vars, "letter.title", t->title ? t->title : "");
    scn_vars_set(vars, "letter.body", t->body ? t->body : "");
    scn_vars_set(vars, "letter.token", t->token);
    if (sc->letter.category)
        scn_vars_set(vars, "letter.category", sc->letter.category);
}

/* Records the outcome of a submission run in the ledger (the letter's state and a visit). */
/* What a submission run changes in the letter's row. */
enum letter_change { LETTER_KEEP, LETTER_TO_SUBMITTED, LETTER_TO_FAILED, LETTER_TRY_COUNTED };

static int record_submission(const struct visit_env *env, const struct ledger_site *s, const struct ledger_letter *t,
                             struct scn_vars *vars, const struct scn_submit_result *res, const char *run_error,
                             struct visit_bundle *b, int64_t at, struct visit_summary *out, struct err *e)
{
    struct ledger_visit v = {.letter_id = t->id, .kind = "submit", .at_ms = at, .outcome = VISIT_FAILED};
    enum letter_change change = LETTER_KEEP;
    char *error = NULL;
    const char *warning = NULL; /* sent, but a later step failed (an extract, a screenshot): kept, never hidden */
    int rc = 0;
    /* First decide, then write the evidence, then change the ledger in one transaction: a kill at any
     * moment leaves either nothing or the letter's new state together with its visit. */
    if (run_error) {
        error = xstrdup(run_error);
    } else if (res->status == SCN_SUBMIT_OK) {
        for (size_t i = 0; i < res->extracted.n; i++)
            scn_vars_set(vars, res->extracted.v[i].name, res->extracted.v[i].value);
        change = LETTER_TO_SUBMITTED;
        v.outcome = VISIT_FOUND;
        v.is_entry_ok = true;
        warning = res->message;
    } else {
        error = xasprintf("%s: %s", scn_submit_status_name(res->status), res->message ? res->message : "");
        /* REJECTED: the site refused the letter: 提交失败 now.
         * NOT_SENT: nothing reached the site. When the site was the cause (down, blocked, its form
         * broken) the letter stays an intent and the next run tries again; after SUBMIT_ATTEMPTS_MAX
         * such tries it is 提交失败. Our own failures (the browser, a full disk) never count.
         * UNKNOWN: the final click happened; the next run looks the letter up before anything else. */
        if (res->status == SCN_SUBMIT_REJECTED) {
            change = LETTER_TO_FAILED;
        } else if (res->status == SCN_SUBMIT_NOT_SENT && (res->err_code == ERR_SITE || res->err_code == ERR_TIMEOUT)) {
            int tries = t->submit_tries + 1;
            char *more = tries >= SUBMIT_ATTEMPTS_MAX
                             ? xasprintf("%s (after %d tries)", error, tries)
                             : xasprintf("%s; not sent (try %d of %d): the next 'campaign start' tries again", error,
                                         tries, SUBMIT_ATTEMPTS_MAX);
            free(error);
            error = more;
            change = tries >= SUBMIT_ATTEMPTS_MAX ? LETTER_TO_FAILED : LETTER_TRY_COUNTED;
        }
    }
    if (res && res->final_url)
        v.final_url = res->final_url;
    json_object_set_new(b->meta, "outcome", json_string(run_error ? "error" : scn_submit_status_name(res->status)));
    if (error)
        json_object_set_new(b->meta, "error", json_string(error));
    if (warning)
        json_object_set_new(b->meta, "warning", json_string(warning));

    char sha[DIGEST_HEX_LEN];
    struct err ev_err;
    err_init(&ev_err);
    char *evidence_error = NULL;
    if (visit_bundle_finish(env, b, t->id, t->token, at, sha, &ev_err) == 0) {
        v.evidence_dir = b->rel_dir;
        v.manifest_sha256 = sha;
    } else {
        /* No evidence (a full disk ...): the visit is still recorded, pointing at no folder, and its
         * unfinished folder goes, so the letter's numbering and chain hold (as in visit_check.c). */
        file_remove_tree(b->dir, NULL);
        evidence_error = xasprintf("evidence could not be written: %s", ev_err.msg);
        const char *then = error ? error : warning;
        char *both = then ? xasprintf("%s; %s", evidence_error, then) : xstrdup(evidence_error);
        free(error);
        error = both;
    }
    v.error = error ? error : (char *)warning; /* a sent letter's visit keeps what failed after sending */

    if ((rc = ledger_begin(env->ledger, e)) == 0) {
        int tries = 0;
        char *vars_json = change == LETTER_TO_SUBMITTED ? visit_vars_to_json(vars) : NULL;
        switch (change) {
        case LETTER_TO_SUBMITTED:
            rc = ledger_letter_mark_submitted(env->ledger, t->id, res->submitted_at_ms ? res->submitted_at_ms : at,
                                              scn_vars_get(vars, "query_code"), scn_vars_get(vars, "letter_no"),
                                              scn_vars_get(vars, "detail_url"), vars_json, e);
            break;
        case LETTER_TO_FAILED:
            rc = ledger_letter_mark_failed(env->ledger, t->id, error, e);
            if (rc == 0 && res->status == SCN_SUBMIT_NOT_SENT)
                rc = ledger_letter_submit_try_add(env->ledger, t->id, &tries, e);
            break;
        case LETTER_TRY_COUNTED:
            rc = ledger_letter_submit_try_add(env->ledger, t->id, &tries, e);
            break;
        case LETTER_KEEP:
            break;
        }
        free(vars_json);
        v.n_unloaded = b->n_unloaded;
        visit_tls_to_visit(b, &v);
        if (rc == 0)
            rc = ledger_visit_add(env->ledger, &v, NULL, e);
        if (rc == 0)
            rc = ledger_commit(env->ledger, e);
        if (rc != 0)
            ledger_rollback(env->ledger);
    }
    out->was_submitted = rc == 0 && change == LETTER_TO_SUBMITTED;
    out->is_try_counted = rc == 0 && change == LETTER_TRY_COUNTED;
    out->outcome = v.outcome;
    if (rc == 0)
        rc = visit_verdict_update(env, t->id, out, e);
    if (rc == 0) {
        if (out->was_submitted)
            snprintf(out->line, sizeof out->line, "%s: submitted letter %lld (query code %s, letter no. %s)%s%s",
                     s->key, (long long)t->id,
                     scn_vars_get(vars, "query_code") ? scn_vars_get(vars, "query_code") : "-",
                     scn_vars_get(vars, "letter_no") ? scn_vars_get(vars, "letter_no") : "-",
                     warning ? "; warning: " : "", warning ? warning : "");
        else
            snprintf(out->line, sizeof out->line, "%s: letter %lld not submitted: %s", s->key, (long long)t->id,
                     error ? error : "unknown");
    }
    if (rc == 0 && evidence_error)
        rc = err_set(e, ev_err.code ? ev_err.code : ERR_IO, "site '%s': the visit is recorded without evidence: %s",
                     s->key, evidence_error);
    free(evidence_error);
    free(error);
    return rc;
}

/* A letter just found by its token: read its state with the check phase on the same visit, so the
 * visit row says what the site shows (a found letter recorded without its reply state would count as
 * "seen unanswered" and could make a later reply look late or backdated). Any failure here leaves the
 * visit FAILED, which says nothing about the letter. Returns the summary of what was read. */
static char *recovered_check(const struct scn_scenario *sc, struct page *p, const struct scn_vars *vars,
                             const struct scn_run_options *o, struct scn_check_result *chk, struct visit_bundle *b,
                             struct ledger_visit *v, char **error)
{
    if (!sc->has_check) {
        *error = xstrdup("found by its token; the scenario has no check phase to read its state");
        return xstrdup("its state was not read (no check phase)");
    }
    struct err ce;
    err_init(&ce);
    int rc = scn_check_run(sc, p, vars, o, chk, &ce);
    visit_bundle_step_times(b, &chk->times);
    visit_bundle_capture(b, p, "check");
    if (rc != 0) {
        /* typically a variable only the success page showed (a query code): later checks fail the same way */
        *error = xasprintf("found by its token, but its state could not be read: %s", ce.msg);
        return xasprintf("its state could not be read: %s", ce.msg);
    }
    json_object_set_new(b->meta, "check_outcome", json_string(scn_check_status_name(chk->status)));
    if (chk->status != SCN_CHECK_FOUND) {
        *error = xasprintf("found by its token, but the check phase answered %s: %s",
                           scn_check_status_name(chk->status), chk->reason ? chk->reason : "");
        return xasprintf("its check answered %s: %s", scn_check_status_name(chk->status),
                         chk->reason ? chk->reason : "");
    }
    v->outcome = VISIT_FOUND;
    v->is_entry_ok = true;
    v->http_status = chk->http_status;
    v->final_url = chk->final_url;
    v->state_text = chk->state;
    v->has_reply = chk->has_reply;
    v->reply_date_ms = chk->has_reply_date ? chk->reply_date_ms : 0;
    v->reply_unit = chk->reply_unit;
    v->reply_text = chk->reply_text;
    if (chk->warning)
        json_object_set_new(b->meta, "warning", json_string(chk->warning));
    return xstrdup(chk->has_reply ? "found, answered" : "found, no reply yet");
}

/* A recover visit, for a letter whose final click was made and whose outcome was never recorded: the
 * scenario's recover phase looks for it by what was known before sending (its token ...).
 *   found                                -> recorded as submitted at the final click, its state read;
 *   not_found, the site up, and the
 *   scenario says a miss proves absence  -> nothing reached the site: *resend (same row, same token);
 *   not_found otherwise                  -> left as it is (a moderated board may hold it unseen);
 *   load_failed                          -> left as it is: looked up again on the next run.
 * A miss that proves nothing is recorded as a failed visit, so it can never count towards 信件被删除
 * once the letter turns up. Returns 0 when the visit was recorded (out->line says what happened). */
static int recover_letter(const struct visit_env *env, const struct ledger_campaign *c, const struct ledger_site *s,
                          const struct scn_scenario *sc, const struct visit_proxy *vp, const struct ledger_letter *t,
                          const struct visit_letter_fields *fields, const struct scn_captcha_solver *captcha,
                          struct visit_summary *out, bool *resend, struct err *e)
{
    *resend = false;
    out->letter_id = t->id;
    struct scn_vars vars;
    scn_vars_init(&vars);
    submit_vars(s, t, sc, fields, &vars);
    struct scn_check_result res, chk;
    memset(&res, 0, sizeof res);
    memset(&chk, 0, sizeof chk);
    struct visit_bundle b = {0};
    struct page *p = NULL;
    char *error = NULL, *what = NULL;
    const char *meta_outcome = "error";
    struct visit_browser vb;
    memset(&vb, 0, sizeof vb);
    vb.profile.lock_fd = -1;
    char when[32];
    clock_beijing_format(t->final_click_at_ms, when, sizeof when);
    int timeout_ms = env->timeout_ms ? env->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    int rc;

    int64_t at = clock_now_ms();
    if ((rc = visit_bundle_open(env, c, s, t->id, "recover", at, &b, e)))
        goto out;
    visit_tls_note(env, s, &vars, sc->site.tls, visit_proxy_get(vp), &b);
    visit_bundle_proxy_note(&b, vp);
    struct ledger_visit v = {.letter_id = t->id, .kind = "recover", .at_ms = at, .outcome = VISIT_FAILED};
    struct scn_run_options o = {.captcha = captcha ? captcha : env->captcha, .evidence_dir = b.dir, .squeezer = b.squeezer,
                                .timeout_ms = env->timeout_ms,
                                .thirdparty_ms = env->thirdparty_ms, .block_list = env->block_list,
                                .mail = env->mail};
    visit_bundle_block_note(&b, env, sc);
    struct err run_err;
    err_init(&run_err);
    /* a site behind a real-name login is looked up in its own browser, on its profile; a login wall
     * where the letter should be is a lookup that failed (scn_recover_run), never a miss */
    int open_rc = visit_browser_open(env, sc, s, &vb, &run_err);
    struct visit_env venv = *env; /* the evidence's grace is given on the browser the visit used */
    venv.browser = vb.b;
    if (open_rc == 0 && vb.b)
        browser_budget_start(vb.b, env->visit_budget_ms); /* as a check visit's: a lookup never hangs */
    if (open_rc != 0 || page_open_via(vb.b, visit_proxy_get(vp), &p, &run_err) != 0) {
        out->is_login_needed = vb.is_login_needed;
        error = xstrdup(run_err.msg);
        what = xasprintf("could not be looked up (%s); it will be looked up on the next run", run_err.msg);
        goto record;
    }
    if (scn_recover_run(sc, p, &vars, &o, &res, &run_err) != 0) {
        if (run_err.code != ERR_BROWSER) { /* the scenario cannot run at all: a fault of the set-up */
            rc = err_set(e, run_err.code, "site '%s': %s", s->key, run_err.msg);
            goto out;
        }
        error = xstrdup(run_err.msg);
        what = xasprintf("could not be looked up (%s); it will be looked up on the next run", run_err.msg);
        goto record;
    }
    if (vb.b && browser_budget_is_spent(vb.b)) {
        /* whatever the lookup concluded as its time ran out, a lookup cut short proves nothing: above
         * all not that the letter is absent, which would send it again */
        visit_bundle_capture_last(&venv, &b, p, "page");
        error = xasprintf("the visit ran past its time budget of %d s", env->visit_budget_ms / 1000);
        what = xasprintf("could not be looked up (%s); it will be looked up on the next run", error);
        goto record;
    }
    meta_outcome = scn_check_status_name(res.status);
    v.http_status = res.http_status;
    v.final_url = res.final_url;
    visit_bundle_step_times(&b, &res.times);
    visit_bundle_capture(&b, p, "page");
    if (res.reason)
        json_object_set_new(b.meta, "reason", json_string(res.reason));
    if (res.status == SCN_CHECK_FOUND) {
        for (size_t i = 0; i < res.extracted.n; i++)
            scn_vars_set(&vars, res.extracted.v[i].name, res.extracted.v[i].value);
        out->was_submitted = true; /* recorded once the visit is: a kill before that looks it up again */
        char *read = recovered_check(sc, p, &vars, &o, &chk, &b, &v, &error);
        v.is_seen_in_list = res.is_seen_in_list || chk.is_seen_in_list; /* published, not just arrived */
        what = xasprintf("found on the site by its token: recorded as submitted at %s (letter no. %s); %s", when,
                         scn_vars_get(&vars, "letter_no") ? scn_vars_get(&vars, "letter_no") : "-", read);
        free(read);
    } else if (res.status == SCN_CHECK_NOT_FOUND) {
        bool entry_ok = visit_entry_page_loads(p, s->entry_url, timeout_ms, b.meta);
        if (entry_ok)
            visit_bundle_capture(&b, p, "entry");
        v.is_entry_ok = entry_ok;
        if (!sc->recover.proves_absence) {
            error = xasprintf("not found by its token (%s); the scenario says its recover phase cannot prove "
                              "absence (a site may hold letters unseen), so this proves nothing",
                              res.reason ? res.reason : "");
            what = xasprintf("not found by its token, which proves nothing on this site (its scenario says so): "
                             "not sending again; find it on the site, then 'huixin import' it or resolve it by hand");
        } else if (!entry_ok) {
            v.outcome = VISIT_NOT_FOUND;
            what = xstrdup("not found by its token, but the site's entry page did not load; it will be looked up "
                           "on the next run");
        } else {
            v.outcome = VISIT_NOT_FOUND;
            *resend = true;
            what = xstrdup("not found by its token while the site answers: nothing reached the site, so it is "
                           "sent again");
        }
    } else {
        out->is_login_needed = res.is_login_needed;
        error = xstrdup(res.reason ? res.reason : "the page did not load");
        what = xasprintf("could not be looked up (%s); it will be looked up on the next run", error);
    }
record:
    v.error = error;
    json_object_set_new(b.meta, "outcome", json_string(meta_outcome));
    json_object_set_new(b.meta, "final_click_at_ms", json_integer(t->final_click_at_ms));
    if (error)
        json_object_set_new(b.meta, "error", json_string(error));
    char sha[DIGEST_HEX_LEN];
    if ((rc = visit_bundle_finish(env, &b, t->id, t->token, at, sha, e)))
        goto out;
    v.evidence_dir = b.rel_dir;
    v.manifest_sha256 = sha;
    v.n_unloaded = b.n_unloaded;
    visit_tls_to_visit(&b, &v);
    if ((rc = ledger_visit_add(env->ledger, &v, NULL, e)))
        goto out;
    if (out->was_submitted) {
        char *vars_json = visit_vars_to_json(&vars);
        rc = ledger_letter_mark_submitted(env->ledger, t->id, t->final_click_at_ms, scn_vars_get(&vars, "query_code"),
                                          scn_vars_get(&vars, "letter_no"), scn_vars_get(&vars, "detail_url"),
                                          vars_json, e);
        free(vars_json);
        if (rc)
            goto out;
    }
    out->outcome = v.outcome;
    if ((rc = visit_verdict_update(env, t->id, out, e)))
        goto out;
    if (!out->was_submitted && !*resend)
        out->was_skipped = out->is_unsettled = true;
    {
        char *line = xasprintf("%s: letter %lld (token %s) may have been sent at %s, its outcome unrecorded: %s",
                               s->key, (long long)t->id, t->token, when, what);
        snprintf(out->line, sizeof out->line, "%s", line);
        free(line);
    }
out:
    free(what);
    free(error);
    visit_bundle_release(&b);
    page_close(p);
    if (env->browser)
        browser_budget_start(env->browser, 0);
    visit_browser_close(&vb);
    scn_check_result_release(&chk);
    scn_check_result_release(&res);
    scn_vars_release(&vars);
    return rc;
}

/* The site's letters read again (another huixin may have changed them): *letters replaced. */
static int letters_reread(const struct visit_env *env, int64_t site_id, struct ledger_letter **letters,
                          size_t *n_letters, struct err *e)
{
    ledger_letters_free(*letters, *n_letters);
    *letters = NULL;
    *n_letters = 0;
    return ledger_letter_list_by_site(env->ledger, site_id, letters, n_letters, e);
}

int visit_submit_site(const struct visit_env *env, int64_t site_id, const struct visit_letter_fields *fields,
                      const struct scn_captcha_solver *captcha, struct visit_summary *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct ledger_site s = {0};
    struct ledger_campaign c = {0};
    struct ledger_letter *letters = NULL;
    size_t n_letters = 0;
    struct ledger_letter t = {0};
    struct scn_scenario *sc = NULL;
    struct scn_vars vars;
    scn_vars_init(&vars);
    struct scn_submit_result res;
    memset(&res, 0, sizeof res);
    struct visit_bundle b = {0};
    struct page *p = NULL;
    char *recovery_line = NULL; /* what the recover visit found, when the letter is sent again after it */
    int64_t locked_id = 0;      /* the letter whose visit lock is held */
    bool is_locked = false;
    struct pace_hold hold;
    pace_hold_init(&hold);
    struct visit_proxy vp;
    memset(&vp, 0, sizeof vp);
    struct visit_browser vb;
    memset(&vb, 0, sizeof vb);
    vb.profile.lock_fd = -1;
    char *session_error = NULL;
    int rc;

    if ((rc = ledger_site_get(env->ledger, site_id, &s, e)) || (rc = ledger_campaign_get(env->ledger, s.campaign_id, &c, e)) ||
        (rc = ledger_letter_list_by_site(env->ledger, site_id, &letters, &n_letters, e)))
        goto out;
    if ((rc = scn_scenario_load(s.scenario_path, &sc, NULL, e))) {
        err_prefix(e, "site '%s'", s.key);
        goto out;
    }
    if ((rc = visit_proxy_resolve(env, sc, &vp, e))) { /* a bad credentials file: nothing is sent */
        err_prefix(e, "site '%s'", s.key);
        goto out;
    }
    int64_t letter_id = 0;
    int rereads = 0;
    const struct ledger_letter *last;
again:
    last = n_letters > 0 ? &letters[n_letters - 1] : NULL;
    if (last && last->state == LETTER_INTENT) {
        /* A letter already in the ledger is visited by one huixin at a time; what it is may have
         * changed while another held it, so it is read again under the lock. */
        if ((rc = visit_lock_take(env, last->id, out, &is_locked, e)))
            goto out;
        locked_id = last->id;
        if (out->was_busy) {
            out->letter_id = last->id;
            out->was_skipped = true;
            snprintf(out->line, sizeof out->line, "%s: letter %lld being visited by another huixin (pid %lld): skipped",
                     s.key, (long long)last->id, (long long)out->busy_pid);
            goto out;
        }
        if ((rc = letters_reread(env, site_id, &letters, &n_letters, e)))
            goto out;
        last = n_letters > 0 ? &letters[n_letters - 1] : NULL;
    }
    bool is_left_for_person = last && last->state == LETTER_INTENT && last->final_click_at_ms != 0 && !sc->has_recover;
    bool is_done = last && last->state != LETTER_INTENT && !fields->is_another_allowed;
    if (!is_left_for_person && !is_done) {
        size_t n_before = n_letters;
        int64_t last_id = last ? last->id : 0;
        int last_state = last ? (int)last->state : -1;
        if ((rc = pace_acquire(&hold, env->ledger, env->pace_lock_path, &s,
                               pace_gap_seconds(sc->site.pacing_seconds, true), e)))
            goto out;
        /* Another huixin (a second `campaign start` of the same campaign) may have sent this site's
         * letter while this one waited for the host: what the site has is read again under the hold,
         * and decided again if it changed, so a letter is never sent twice. */
        if ((rc = letters_reread(env, site_id, &letters, &n_letters, e)))
            goto out;
        last = n_letters > 0 ? &letters[n_letters - 1] : NULL;
        if (n_letters != n_before || (last ? last->id : 0) != last_id || (last ? (int)last->state : -1) != last_state) {
            if (++rereads > 3) {
                rc = err_set(e, ERR_STORE, "site '%s': its letters keep changing under other huixin processes", s.key);
                goto out;
            }
            pace_release(&hold);
            visit_lock_release(env, locked_id, is_locked);
            is_locked = false;
            locked_id = 0;
            goto again;
        }
    }
    if (last && last->state == LETTER_INTENT && last->final_click_at_ms != 0 && sc->has_recover) {
        /* The click that sends it was made, and the outcome never recorded: look it up by its token. */
        bool resend = false;
        if ((rc = recover_letter(env, &c, &s, sc, &vp, last, fields, captcha, out, &resend, e)) || !resend)
            goto out;
        recovery_line = xstrdup(out->line);
        memset(out, 0, sizeof *out);
    } else if (last && last->state == LETTER_INTENT && last->final_click_at_ms != 0) {
        /* The click that sends it was made, and the outcome never recorded: sending again could make
         * a second letter, and this scenario cannot look it up. A person must settle it. */
        out->letter_id = last->id;
        out->was_skipped = out->is_unsettled = true;
        char when[32];
        clock_beijing_format(last->final_click_at_ms, when, sizeof when);
        snprintf(out->line, sizeof out->line,
                 "%s: letter %lld may have been sent at %s (token %s) but its outcome was not recorded; "
                 "not sending again: find it on the site, then 'huixin import' it or resolve it by hand",
                 s.key, (long long)last->id, when, last->token);
        goto out;
    }
    if (last && last->state == LETTER_INTENT) {
        letter_id = last->id; /* an intent that never reached its final click: nothing was sent */
    } else if (last && !fields->is_another_allowed) {
        out->letter_id = last->id;
        out->was_skipped = true;
        snprintf(out->line, sizeof out->line, "%s: letter %lld already %s; nothing sent", s.key, (long long)last->id,
                 ledger_letter_state_name(last->state));
        goto out;
    } else {
        if ((rc = letter_create(env, &s, sc, &letter_id, e))) {
            err_prefix(e, "site '%s'", s.key);
            goto out;
        }
    }
    out->letter_id = letter_id;
    if ((rc = ledger_letter_get(env->ledger, letter_id, &t, e)))
        goto out;
    submit_vars(&s, &t, sc, fields, &vars);
    if (!is_locked || locked_id != letter_id) {
        visit_lock_release(env, locked_id, is_locked);
        locked_id = letter_id;
        if ((rc = visit_lock_take(env, letter_id, out, &is_locked, e)))
            goto out;
        if (out->was_busy) {
            out->was_skipped = true;
            snprintf(out->line, sizeof out->line, "%s: letter %lld being visited by another huixin (pid %lld): skipped",
                     s.key, (long long)letter_id, (long long)out->busy_pid);
            goto out;
        }
    }

    int64_t at = clock_now_ms();
    if ((rc = visit_bundle_open(env, &c, &s, letter_id, "submit", at, &b, e)))
        goto out;
    visit_tls_note(env, &s, &vars, sc->site.tls, visit_proxy_get(&vp), &b);
    visit_bundle_proxy_note(&b, &vp);
    struct err run_err;
    err_init(&run_err);
    const char *run_error = NULL;
    struct final_click_mark mark = {env->ledger, letter_id};
    /* The whole submission has the budget of a check visit: a site that never answers the post must
     * not hold the campaign. Past it every page call fails at once, and the run's outcome follows the
     * final click as for any failure: before it, not sent (a try counted); after it, unknown (the next
     * start looks the letter up, never sends it blindly). */
    /* a site behind a real-name login runs in its own browser, on its profile, and its login is tested
     * before the form is touched: a lapsed one sends nothing and counts no try (the letter stays an
     * intent whose final click never happened, sent by the next run once a person logged in again) */
    bool is_login_needed = false;
    int open_rc = visit_browser_open(env, sc, &s, &vb, &run_err);
    struct visit_env venv = *env; /* the evidence's grace is given on the browser the visit used */
    venv.browser = vb.b;
    if (open_rc == 0 && vb.b)
        browser_budget_start(vb.b, env->visit_budget_ms);
    if (open_rc != 0 || page_open_via(vb.b, visit_proxy_get(&vp), &p, &run_err) != 0) {
        run_error = run_err.msg;
        is_login_needed = vb.is_login_needed;
    } else if ((session_error = visit_session_check(env, sc, &s, p, &vars, &is_login_needed))) {
        run_error = session_error;
        json_object_set_new(b.meta, "session", json_pack("{s:s}", "state", is_login_needed ? "logged_out" : "unknown"));
        visit_bundle_capture_last(&venv, &b, p, "page");
    } else {
        if (sc->session.is_set)
            json_object_set_new(b.meta, "session", json_pack("{s:s}", "state", "logged_in"));
        struct scn_run_options o = {.captcha = captcha ? captcha : env->captcha, .evidence_dir = b.dir, .squeezer = b.squeezer,
                                    .timeout_ms = env->timeout_ms, .thirdparty_ms = env->thirdparty_ms,
                                    .block_list = env->block_list, .before_final = mark_final_click, .user = &mark,
                                    .mail = env->mail};
        visit_bundle_block_note(&b, env, sc);
        if (scn_submit_run(sc, p, &vars, &o, &res, &run_err) != 0)
            run_error = run_err.msg;
        visit_bundle_step_times(&b, &res.times);
        json_t *mails = visit_mails_json(&res.mails, b.dir);
        if (mails)
            json_object_set_new(b.meta, "mails", mails);
        visit_bundle_capture_last(&venv, &b, p, "page");
    }
    bool is_session_failure = session_error || (sc->session.is_set && open_rc != 0);
    if (run_error && run_err.code != ERR_BROWSER && !is_session_failure) {
        /* The scenario could not run at all (a variable with no value ...): a fault of the set-up. */
        rc = err_set(e, run_err.code, "site '%s': %s", s.key, run_error);
        goto out;
    }
    rc = record_submission(env, &s, &t, &vars, run_error ? NULL : &res, run_error, &b, at, out, e);
    out->is_login_needed = is_login_needed;
    if (rc == 0 && recovery_line) {
        char *line = xasprintf("%s; then %s", recovery_line, out->line);
        snprintf(out->line, sizeof out->line, "%s", line);
        free(line);
    }
out:
    visit_lock_release(env, locked_id, is_locked);
    free(recovery_line);
    free(session_error);
    visit_bundle_release(&b);
    page_close(p);
    if (env->browser)
        browser_budget_start(env->browser, 0);
    visit_browser_close(&vb);
    pace_release(&hold);
    visit_proxy_release(&vp);
    scn_submit_result_release(&res);
    scn_vars_release(&vars);
    scn_scenario_free(sc);
    ledger_letter_release(&t);
    ledger_letters_free(letters, n_letters);
    ledger_campaign_release(&c);
    ledger_site_release(&s);
    return rc;
}
