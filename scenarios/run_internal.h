/* What run_step.c shares with run_submit.c, run_check.c and the step kinds' exec (scenarios/step_*.c):
 * one step at a time on a page. */
#ifndef HUIXIN_SCN_RUN_INTERNAL_H
#define HUIXIN_SCN_RUN_INTERNAL_H

#include <jansson.h>

#include "scenarios/run.h"

struct scn_exec {
    const struct scn_scenario *s;
    struct page *p;
    const struct scn_run_options *o;
    const char *phase;          /* "submit" or "check" */
    struct scn_vars vars;       /* given + defaults + extracted so far */
    struct scn_vars *extracted; /* the result's copy of what extract/dialog steps found */
    struct scn_shots *shots;
    struct scn_mails *mails;    /* the result's: mails the mail steps took (NULL: not kept) */
    struct scn_step_times *times; /* the result's: each step's time is added (NULL: not kept) */
    size_t dialogs_base;        /* dialogs before this index belong to an earlier attempt */
    size_t dialogs_seen;        /* dialog steps have consumed dialogs up to here */
    bool final_clicked;
    bool list_missed;           /* a list_search did not find its token, conclusively */
    bool list_seen;             /* a list_search found its token: the letter is published there */
    int list_pages_read;        /* pages a list_search read, healthy, in this phase */
    char *list_stop;            /* why the last list_search stopped ("the end of the list" ...), or NULL */
    /* The message that holds the letter on a page of several (a list_search's or check's `record`):
     * the child indexes from document.body down to it, as a JSON array, or NULL for the whole page.
     * Matches and reads look inside it only; a navigation clears it. */
    char *record_path;
    int64_t final_at_ms;
    uint64_t final_response_mark; /* page_response_mark just before the final click: `response` looks at
                                     the answers to requests sent from then on */
    int shot_seq;
    int attempt;                /* submit: 1 for the first run of the steps, 2 after a retry ... */
    /* Watched while waiting after the final click: returns 1 when a known failure shows, so the wait
     * stops at once instead of running out its timeout. */
    int (*watch)(struct scn_exec *x);
    bool watch_fired;
};

void scn_exec_init(struct scn_exec *x, const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                   const struct scn_run_options *o, const char *phase, struct scn_vars *extracted,
                   struct scn_shots *shots);
void scn_exec_release(struct scn_exec *x);
/* Runs one step; an error message names the scenario, the phase, the step and what failed. */
int scn_exec_step(struct scn_exec *x, const struct scn_step *st, struct err *e);
/* 1 if the match holds on the page now, 0 if not, <0 on a browser error; *why (if not NULL) gets a
 * short description of what held (caller frees). url_not_contains holds when the URL lacks it. */
int scn_match_eval(struct scn_exec *x, const struct scn_match *m, char **why, struct err *e);
/* A match's `response`: 1 if, after the final click, an XHR or fetch answer (URL containing
 * response_url) has a body containing one of response_texts, as sent or, for JSON, in one of its
 * string values; 0 if not (or before the final click). scenarios/run_response.c. */
int scn_response_match_eval(struct scn_exec *x, const struct scn_match *m, char **why, struct err *e);
/* 1 and *out (caller frees) when the extractor finds something, 0 when not, <0 on error. */
int scn_extractor_read(struct scn_exec *x, const struct scn_extractor *ex, char **out, struct err *e);
/* A full-page PNG named NN-name.png in the evidence folder; *path_out (may be NULL) gets its path. */
int scn_exec_shot(struct scn_exec *x, const char *name, char **path_out, struct err *e);
/* Why the current page cannot be judged (HTTP 5xx, 403/429, a WAF or maintenance page, the scenario's
 * own `unavailable` markers; NULL for none), or NULL when it looks like a real page. Caller frees. */
char *scn_exec_blocked_reason(struct scn_exec *x, const struct scn_match *unavailable, struct err *e);
/* A JSON-quoted JavaScript string literal of s; caller frees. */
char *scn_js_quote(const char *s);
/* Evaluates expr in the current frame and parses its JSON answer into *out (caller decrefs). */
int scn_eval_json(struct scn_exec *x, const char *expr, json_t **out, struct err *e);
/* A JavaScript expression for the element reads are scoped to: the record, else document. */
char *scn_scope_root_js(const struct scn_exec *x);
/* Scopes the phase to the smallest element matching record_sel whose text holds token: 1 when one
 * was found (x->record_path set), 0 when none holds it, ERR_SITE when several separate ones do (whose
 * reply is whose cannot be told), ERR_INPUT for a bad selector. */
int scn_record_find(struct scn_exec *x, const char *record_sel, const char *token, struct err *e);
/* Whether a URL template uses a variable read off a page (extract, dialog): then the site chose it. */
bool scn_url_tmpl_is_from_page(const struct scn_exec *x, const char *tmpl);
/* Whether the URL template names the letter (query_code, letter_no, detail_url, letter.*, or a variable
 * read off the site): a page there that answers 404 is the letter's, any other is the site's. */
bool scn_url_tmpl_names_letter(const struct scn_exec *x, const char *tmpl);
/* 0 when the browser may open url: http or https, and, when is_from_page, on one of the site's own
 * hosts (scenarios/url_guard.c); else ERR_SITE saying why. */
int scn_url_check(const struct scn_exec *x, const char *url, bool is_from_page, struct err *e);
/* Tells the page the site's own hosts (those scn_url_check allows) and the budget of every other host's
 * resources (driver/page.h, page_thirdparty_set); a failure is logged: the page then works as before. */
void scn_thirdparty_setup(const struct scn_exec *x);
/* Tells the page what the site's certificate policy (site.tls) lets it do: go on past a certificate
 * error or stop at it; a failure is logged (the page then stops at them, as a strict site's does). */
void scn_tls_setup(const struct scn_exec *x);
/* list_search: looks for the token over the pages of a list (scenarios/run_list.c). 0 found; ERR_NOT_FOUND
 * a conclusive miss (x->list_missed); ERR_SITE or ERR_TIMEOUT when a page failed or the search stopped
 * before it could prove anything. */
int scn_list_search(struct scn_exec *x, const struct scn_step *st, const char *url, int timeout_ms, struct err *e);
/* The session's judgement of the page as it is now (scenarios/run_session.c: scn_session_judge), with
 * the phase's own variables and scope. */
int scn_session_read(struct scn_exec *x, enum scn_session_state *state, char **why, struct err *e);
void scn_shots_release(struct scn_shots *s);
/* scenarios/step_mail.c: ERR_USAGE when the phase has a mail step and the run no mailbox (checked
 * before anything is sent, so a missing --mail never leaves a letter half known). */
int scn_phase_mail_check(const struct scn_scenario *s, const struct scn_phase *ph, const struct scn_run_options *o,
                         struct err *e);
/* Whether the phase opens pages at all (a navigation step): a check made of mail_reply alone cannot see
 * the letter, so finding no reply mail is no outcome. */
bool scn_phase_has_navigation(const struct scn_phase *ph);
void scn_sleep_ms(int ms);
/* s without its leading and trailing blanks (spaces, tabs, line ends); caller frees. */
char *scn_trim_dup(const char *s);

#endif
