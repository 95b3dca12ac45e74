/* The check phase: find the letter again and read its state. Three outcomes, kept apart on purpose:
 * found, not_found (the site is healthy and says it is not there) and load_failed (timeout, 5xx,
 * reset, WAF page, a page the scenario does not know). A page that did not load is never "not found".
 * The recover phase (a letter whose outcome a crash left unknown, looked up by its token) is judged
 * by the same rules, with its own matches and nothing to read. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/date_parse.h"
#include "scenarios/run_internal.h"
#include "scenarios/step.h"

const char *scn_check_status_name(enum scn_check_status s)
{
    switch (s) {
    case SCN_CHECK_FOUND: return "found";
    case SCN_CHECK_NOT_FOUND: return "not_found";
    default: return "load_failed";
    }
}

void scn_check_result_release(struct scn_check_result *r)
{
    if (!r)
        return;
    free(r->reason);
    free(r->state);
    free(r->reply_unit);
    free(r->reply_text);
    free(r->warning);
    free(r->final_url);
    free(r->list_stop);
    scn_vars_release(&r->extracted);
    scn_shots_release(&r->shots);
    scn_step_times_release(&r->times);
    free(r->failure_shot);
    scn_mails_release(&r->mails);
    memset(r, 0, sizeof *r);
}

static void read_date(struct scn_exec *x, const struct scn_extractor *ex, const char *what, bool *has, int64_t *ms,
                      bool *date_only, char **warning)
{
    if (!ex->is_set)
        return;
    char *v = NULL;
    struct err e;
    err_init(&e);
    if (scn_extractor_read(x, ex, &v, &e) != 1) {
        free(v);
        return;
    }
    for (size_t i = 0; i < ex->n_formats; i++) {
        struct err pe;
        err_init(&pe);
        if (scn_date_parse(v, ex->formats[i], ms, date_only, &pe) == 0) {
            *has = true;
            if (strstr(ex->formats[i], "%I") && !*warning)
                *warning = xasprintf("%s '%s' is on a 12-hour clock without AM/PM: only its day is used", what, v);
            free(v);
            return;
        }
    }
    if (!*warning)
        *warning = xasprintf("%s '%s' matches none of the scenario's date formats", what, v);
    free(v);
}

/* Whether a state holds word, not negated: 未办结, 待办结, 超期未办结 and 暂无回复 hold 办结 or 回复 but say
 * the opposite. The character before each occurrence decides. */
static bool state_says(const char *state, const char *word)
{
    static const char *const negations[] = {"未", "待", "不", "无", "没", "非"};
    for (const char *p = strstr(state, word); p && *word; p = strstr(p + 1, word)) {
        if (p == state)
            return true;
        const char *q = p - 1; /* the start of the UTF-8 character before */
        while (q > state && ((unsigned char)*q & 0xC0) == 0x80)
            q--;
        bool negated = false;
        for (size_t i = 0; i < ARRAY_LEN(negations) && !negated; i++)
            negated = strlen(negations[i]) == (size_t)(p - q) && memcmp(q, negations[i], (size_t)(p - q)) == 0;
        if (!negated)
            return true;
    }
    return false;
}

/* Whether a reply box's text says there is no reply yet: a page that always prints its box shows
 * 暂无回复 (or 信件正在办理中，请耐心等待。), or nothing but punctuation, until there is one. Compared
 * whole, spaces and punctuation aside, so a real reply that mentions 办理中 is still a reply. NULL (the
 * text was not read) says nothing. */
static bool text_says_no_reply(const char *text)
{
    static const char *const placeholders[] = {
        "暂无答复", "暂无回复", "暂未答复", "暂未回复", "尚未答复", "尚未回复", "未答复", "未回复", "待答复", "待回复",
        "无答复",   "无回复",   "暂无",     "无",       "暂无内容", "正在办理", "正在办理中", "办理中", "正在处理中",
        "处理中",   "待处理",   "信件正在办理中请耐心等待", "正在办理中请耐心等待"};
    if (!text)
        return false;
    static const char *const wide_punct[] = {"，", "。", "！", "…", "　", "："};
    struct buf b;
    buf_init(&b);
    for (const char *p = text; *p;) {
        unsigned char c = (unsigned char)*p;
        size_t n = strnlen(p, c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4);
        bool skip = c < 0x80 && !isalnum(c);
        for (size_t i = 0; i < ARRAY_LEN(wide_punct) && !skip; i++)
            skip = n == strlen(wide_punct[i]) && memcmp(p, wide_punct[i], n) == 0;
        if (!skip)
            buf_append(&b, p, n);
        p += n;
    }
    bool said = b.len == 0; /* a box with only spaces and punctuation in it (回复内容：) is empty */
    for (size_t i = 0; i < ARRAY_LEN(placeholders) && !said; i++)
        said = strcmp(buf_str(&b), placeholders[i]) == 0;
    buf_release(&b);
    return said;
}

static void read_fields(struct scn_exec *x, const struct scn_read *r, struct scn_check_result *out)
{
    struct err e;
    err_init(&e);
    if (r->state.is_set && scn_extractor_read(x, &r->state, &out->state, &e) != 1) {
        free(out->state);
        out->state = NULL;
    }
    if (r->reply_unit.is_set && scn_extractor_read(x, &r->reply_unit, &out->reply_unit, &e) != 1) {
        free(out->reply_unit);
        out->reply_unit = NULL;
    }
    if (r->reply_text.is_set && scn_extractor_read(x, &r->reply_text, &out->reply_text, &e) != 1) {
        free(out->reply_text);
        out->reply_text = NULL;
    }
    read_date(x, &r->received_date, "received date", &out->has_received_date, &out->received_date_ms,
              &out->is_received_date_only, &out->warning);
    read_date(x, &r->reply_date, "reply date", &out->has_reply_date, &out->reply_date_ms, &out->is_reply_date_only,
              &out->warning);
    if (r->has_reply.is_set) {
        char *v = NULL;
        out->has_reply = scn_extractor_read(x, &r->has_reply, &v, &e) == 1 && !text_says_no_reply(v);
        free(v);
    } else {
        out->has_reply = out->reply_text || out->has_reply_date;
    }
    if (text_says_no_reply(out->reply_text)) { /* the box is there, and says it is empty */
        free(out->reply_text);
        out->reply_text = NULL;
        out->has_reply = out->has_reply_date; /* a reply date shown is a reply, whatever its box says */
    }
    for (size_t i = 0; out->state && i < r->n_replied_states; i++) {
        if (state_says(out->state, r->replied_states[i]))
            out->has_reply = true;
    }
}

/* What a lookup phase (check or recover) is judged by. */
struct lookup {
    const char *name; /* "check" or "recover": messages and screenshot names */
    const struct scn_phase *phase;
    const struct scn_match *found, *not_found, *unavailable;
    const struct scn_read *read; /* NULL: nothing to read */
    const char *record;          /* scope reads to the message holding the token, or NULL */
};

/* What a mail_reply found (or did not) adds to the page's outcome. A reply mail is the site's own
 * answer to the letter: it makes the letter answered when the page shows no reply, and found when the
 * page failed to load or a list did not show it (the site answered it, whatever its pages show; found by
 * mail is no sighting in a list). An authoritative not_found stands (a site may reply, then delete). No
 * reply mail proves nothing; only a check with no page at all (mail_reply alone) then has no outcome:
 * load_failed, never not_found, never "seen unanswered". */
static void mail_reply_apply(const struct lookup *lk, struct scn_check_result *out)
{
    const struct scn_mail_seen *m = scn_mails_reply(&out->mails);
    if (!m) {
        if (out->status == SCN_CHECK_FOUND && !out->has_reply && !scn_phase_has_navigation(lk->phase)) {
            for (size_t i = 0; i < lk->phase->n_steps; i++) {
                if (lk->phase->steps[i].kind == SCN_STEP_MAIL_REPLY) {
                    out->status = SCN_CHECK_LOAD_FAILED;
                    out->reason = xstrdup("no reply mail yet, and a mailbox alone cannot show the letter: the check "
                                          "has no page lookup");
                    break;
                }
            }
        }
        return;
    }
    if (out->status == SCN_CHECK_NOT_FOUND) {
        /* the site's own word that the letter is gone stands (a site may reply, then delete); a list that
         * does not show it says only that it is not published there, and the reply the site mailed shows
         * the letter was received and answered: found, by its mail, and no sighting in the list */
        if (out->lookup == SCN_LOOKUP_AUTHORITATIVE || out->proves_absence)
            return;
        if (!out->warning)
            out->warning = xasprintf("the list did not show the letter (%s); the reply was read from its mail",
                                     out->reason ? out->reason : "?");
        free(out->reason);
        out->reason = NULL;
        out->status = SCN_CHECK_FOUND;
        out->is_seen_in_list = false;
    }
    if (out->status == SCN_CHECK_LOAD_FAILED) {
        if (!out->warning)
            out->warning = xasprintf("the page lookup failed (%s); the reply was read from its mail",
                                     out->reason ? out->reason : "?");
        free(out->reason);
        out->reason = NULL;
        out->status = SCN_CHECK_FOUND;
    }
    if (out->has_reply && (out->reply_text || out->has_reply_date))
        return; /* the page's own reply stands; the mail is in the evidence beside it */
    out->has_reply = true;
    if (m->msg.has_date) {
        out->has_reply_date = true;
        out->is_reply_date_only = false;
        out->reply_date_ms = m->msg.date_ms;
    }
    if (!out->reply_unit && m->msg.from_name && *m->msg.from_name)
        out->reply_unit = xstrdup(m->msg.from_name);
    if (!out->reply_text)
        out->reply_text = xstrdup(m->msg.text);
}

static int lookup_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                      const struct scn_run_options *o, const struct lookup *lk, struct scn_check_result *out,
                      struct err *e)
{
    struct scn_exec x;
    scn_exec_init(&x, s, p, vars, o, lk->name, &out->extracted, &out->shots);
    x.times = &out->times;
    x.mails = &out->mails;
    struct err se;
    err_init(&se);
    int rc = 0;
    const struct scn_step *failed = NULL;
    for (size_t i = 0; i < lk->phase->n_steps && rc == 0; i++) {
        rc = scn_exec_step(&x, &lk->phase->steps[i], &se);
        if (rc < 0)
            failed = &lk->phase->steps[i];
    }
    if (rc == ERR_BROWSER || rc == ERR_INPUT || rc == ERR_USAGE) {
        rc = err_set(e, rc, "%s", se.msg);
        goto out;
    }
    rc = 0;
    out->http_status = page_http_status(p);
    struct err ue;
    err_init(&ue);
    page_url(p, &out->final_url, &ue);
    struct err be;
    err_init(&be);
    /* a navigation that failed leaves an error page behind: nothing on it says anything about the letter */
    bool nav_failed = failed && scn_step_table[failed->kind]->is_navigation && se.code != ERR_NOT_FOUND;
    char *blocked = nav_failed ? xstrdup(se.msg) : scn_exec_blocked_reason(&x, lk->unavailable, &be);
    out->is_seen_in_list = x.list_seen;
    out->list_pages_read = x.list_pages_read;
    out->list_stop = x.list_stop ? xstrdup(x.list_stop) : NULL;
    if (blocked) {
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = blocked;
        goto shot;
    }
    if (x.list_missed && se.code == ERR_NOT_FOUND) {
        out->status = SCN_CHECK_NOT_FOUND; /* a conclusive miss of the whole list */
        out->reason = xstrdup(se.msg);
        goto shot;
    }
    if (se.code) {
        /* a step failed: the page may say "no such letter", but a failed step proves nothing either way */
        char *nf_why = NULL;
        struct err ne;
        err_init(&ne);
        /* and a page that also shows the letter (a reply quoting the phrase) proves nothing either */
        if (!scn_match_is_empty(lk->not_found) && scn_match_eval(&x, lk->not_found, &nf_why, &ne) == 1 &&
            !x.list_seen && (scn_match_is_empty(lk->found) || scn_match_eval(&x, lk->found, NULL, &ne) == 0)) {
            out->status = SCN_CHECK_NOT_FOUND;
            out->reason = nf_why;
            goto shot;
        }
        free(nf_why);
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = xstrdup(se.msg);
        goto shot;
    }
    if (lk->record && !x.record_path) {
        char *token = NULL;
        struct err re;
        err_init(&re);
        int found_rec = scn_vars_expand(&x.vars, "${letter.token}", &token, &re);
        if (found_rec == 0)
            found_rec = scn_record_find(&x, lk->record, token, &re);
        free(token);
        if (found_rec < 0) {
            out->status = SCN_CHECK_LOAD_FAILED;
            out->reason = xstrdup(re.msg);
            goto shot;
        }
    }
    /* Both matches are asked: a reply may quote the site's own not-found phrase ("旧系统中未查询到相关信件"),
     * and a page that says both is not proof of anything. */
    char *nf_why = NULL, *fd_why = NULL;
    struct err me;
    err_init(&me);
    int nf = scn_match_is_empty(lk->not_found) ? 0 : scn_match_eval(&x, lk->not_found, &nf_why, &me);
    int fd = scn_match_is_empty(lk->found) ? -2 : scn_match_eval(&x, lk->found, &fd_why, &me);
    if (nf < 0 || fd == -1 || (fd < 0 && fd != -2)) {
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = xasprintf("the page could not be read: %s", me.msg);
    } else if (nf == 1 && (fd == 1 || x.list_seen)) {
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = xasprintf("ambiguous page: it shows the letter (%s) and says it is not there (%s)",
                                fd_why ? fd_why : "found in the list", nf_why);
    } else if (nf == 1) {
        out->status = SCN_CHECK_NOT_FOUND;
        out->reason = nf_why;
        nf_why = NULL;
    } else if (fd == 0) {
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = xasprintf("the page matches neither 'found' nor 'not_found' (HTTP %d, '%s')", out->http_status,
                                out->final_url ? out->final_url : "");
    } else if (lk->record && !x.record_path) {
        out->status = SCN_CHECK_LOAD_FAILED;
        out->reason = xasprintf("no '%s' message holds the letter's token: its own reply cannot be told from "
                                "another's", lk->record);
    } else {
        out->status = SCN_CHECK_FOUND;
    }
    free(nf_why);
    free(fd_why);
    if (out->status != SCN_CHECK_FOUND)
        goto shot;
    if (lk->read)
        read_fields(&x, lk->read, out);
    for (size_t i = 0; lk->read && out->state && i < lk->read->n_removed_states; i++) {
        if (strstr(out->state, lk->read->removed_states[i])) {
            /* the site's own word, read from its state field (not anywhere on the page) */
            out->status = SCN_CHECK_NOT_FOUND;
            out->reason = xasprintf("the letter's state is '%s': the site took it out of view", out->state);
            goto shot;
        }
    }
    goto out;
shot:
    if (s->session.is_set) {
        /* a login wall where the letter should be (a session that lapsed during the visit) says nothing
         * about the letter: never not_found */
        enum scn_session_state st = SCN_SESSION_UNKNOWN;
        char *why = NULL;
        struct err le;
        err_init(&le);
        free(x.record_path); /* the login wall is the whole page, not the letter's record */
        x.record_path = NULL;
        if (scn_session_read(&x, &st, &why, &le) == 0 && st == SCN_SESSION_LOGGED_OUT) {
            out->status = SCN_CHECK_LOAD_FAILED;
            out->is_login_needed = true;
            free(out->reason);
            out->reason = xasprintf("login needed (%s)", why);
        }
        free(why);
    }
    /* a reply mail is the letter's reply even when the page failed: the mail came from the site */
    if (out->status == SCN_CHECK_LOAD_FAILED && scn_mails_reply(&out->mails))
        goto out;
    if (out->status == SCN_CHECK_LOAD_FAILED || out->status == SCN_CHECK_NOT_FOUND) {
        struct err she;
        err_init(&she);
        if (scn_exec_shot(&x, out->status == SCN_CHECK_NOT_FOUND ? "not-found" : "load-failed", &out->failure_shot,
                          &she) < 0)
            log_warn("scenario", "could not take a screenshot: %s", she.msg);
    }
out:
    if (rc == 0)
        mail_reply_apply(lk, out);
    scn_exec_release(&x);
    return rc;
}

int scn_check_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                  const struct scn_run_options *o, struct scn_check_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    scn_vars_init(&out->extracted);
    if (!s->has_check)
        return err_set(e, ERR_INPUT, "scenario '%s' has no check phase", s->path);
    int mrc = scn_phase_mail_check(s, &s->check.phase, o, e);
    if (mrc < 0)
        return mrc;
    struct lookup lk = {"check", &s->check.phase, &s->check.found, &s->check.not_found, &s->check.unavailable,
                        &s->check.read, s->check.record};
    out->lookup = s->check.lookup;
    out->proves_absence = s->check.proves_absence;
    return lookup_run(s, p, vars, o, &lk, out, e);
}

int scn_recover_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                    const struct scn_run_options *o, struct scn_check_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    scn_vars_init(&out->extracted);
    if (!s->has_recover)
        return err_set(e, ERR_INPUT, "scenario '%s' has no recover phase", s->path);
    struct lookup lk = {"recover", &s->recover.phase, &s->recover.found, &s->recover.not_found,
                        &s->recover.unavailable, NULL, NULL};
    out->lookup = SCN_LOOKUP_LIST;
    out->proves_absence = s->recover.proves_absence;
    return lookup_run(s, p, vars, o, &lk, out, e);
}
