/* Running a scenario on a page: the submit phase (send the letter once, with captcha and throttle
 * retries), the check phase (find the letter again and read its state) and the recover phase (find a
 * letter a crash left unsettled, by its token). scenarios/ knows nothing
 * of the ledger: the caller gives the variables, an evidence folder and a before_final hook, and
 * keeps what comes back. */
#ifndef HUIXIN_SCN_RUN_H
#define HUIXIN_SCN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios/mail.h"
#include "scenarios/scenario.h"
#include "scenarios/vars.h"

struct err;
struct page;
struct scn_block_list;

/* What a solver is asked: a captcha image, a question captcha, an SMS code, a text only a person has.
 * Every field but kind may be NULL (or 0). */
struct scn_ask_request {
    const char *kind;         /* "captcha" (an image), "question" (a text question, usually with its
                                 picture), "slider" (answer: the gap's x in the background's pixels), or
                                 an ask step's kind: "sms", "text" */
    const char *prompt;       /* what to ask a person ("短信验证码"); NULL or "": the solver's own words */
    const char *question;     /* a question captcha's text as the page shows it ("3+4=?") */
    const unsigned char *png; /* a picture: the captcha, the question, an ask step's image, a slider's
                                 background */
    size_t png_len;
    const unsigned char *piece_png; /* a slider's piece, else NULL */
    size_t piece_png_len;
    const char *site;         /* the scenario's site name, for the solver's information */
    int timeout_ms;           /* how long the answer may take; 0: the solver's own default */
};

/* Answers a request: *answer is the solver's to allocate and the caller's to free. */
struct scn_captcha_solver {
    int (*solve)(const struct scn_ask_request *rq, char **answer, void *user, struct err *e);
    void *user;
};

struct scn_run_options {
    const struct scn_captcha_solver *captcha; /* NULL: a captcha step fails with ERR_USAGE */
    const char *evidence_dir;  /* screenshots go here (created); NULL: none are taken */
    int timeout_ms;            /* a step's limit unless it sets timeout_seconds; 0 = 30000 */
    int thirdparty_ms;         /* how long another host's script, stylesheet, image or font may take before the
                                  page goes on without it (driver/page.h, page_thirdparty_set); 0: the
                                  scenario's site.other_hosts_seconds, else PAGE_THIRDPARTY_BUDGET_MS */
    const struct scn_block_list *block_list; /* what the command line asked to block (scenarios/block_list.h);
                                  NULL: nothing. Whether a visit blocks is scn_block_list_is_used's word
                                  (the scenario's site.block_trackers first) */
    /* Called just before the final click, every attempt; a non-zero return stops the run before
     * anything is sent (status NOT_SENT). The ledger writes its intent here. */
    int (*before_final)(void *user, struct err *e);
    void *user;
    const struct scn_mail_config *mail; /* the mailbox mail_wait and mail_reply read (scenarios/mail.h); NULL:
                                  none, and a scenario with such a step does not run */
    int64_t letter_sent_ms;    /* when the letter was submitted (0: unknown): a list_search's older_than
                                  stops at rows dated before that day */
    struct png_squeezer *squeezer; /* each screenshot written is given to it (driver/png_squeeze.h); NULL: none */
};

/* Paths of the PNGs written, in order. */
struct scn_shots {
    char **paths;
    size_t n;
};

/* How long each step took, in the order run: where a visit's wall time goes (meta.json "timings",
 * the debug log). */
struct scn_step_time {
    const char *phase; /* "submit", "check" or "recover" (static) */
    int number;        /* the step's number in its phase */
    int attempt;       /* submit: the run of the steps it belongs to (1, then 2 after a retry ...) */
    char *label;       /* "click '#send'" */
    int64_t ms;
    bool is_ok;
};
struct scn_step_times {
    struct scn_step_time *v;
    size_t n;
};
void scn_step_times_release(struct scn_step_times *t);

enum scn_submit_status {
    SCN_SUBMIT_OK,       /* the success criteria held: the letter was sent */
    SCN_SUBMIT_NOT_SENT, /* stopped before the final click: nothing was sent */
    SCN_SUBMIT_REJECTED, /* the site refused it (captcha or throttle retries used up, or a rejection) */
    SCN_SUBMIT_UNKNOWN,  /* the final click happened, but neither success nor a known failure was seen:
                            the letter may have been sent; never count it as submitted */
};
const char *scn_submit_status_name(enum scn_submit_status s); /* "submitted", "not_sent" ... */

struct scn_submit_result {
    enum scn_submit_status status;
    int err_code;              /* for NOT_SENT/UNKNOWN: the ERR_* behind it (ERR_BROWSER, ERR_SITE ...) */
    char *message;             /* why, when not OK; a warning (a failed extract) when OK; else NULL */
    bool has_failure_kind;
    enum scn_failure_kind failure_kind;
    int attempts;              /* times the steps were run from the start */
    struct scn_vars extracted; /* extract and dialog variables, from the last attempt */
    char *final_url;
    struct scn_shots shots;
    struct scn_step_times times;
    char *failure_shot;        /* the page when a step failed, or NULL */
    int64_t submitted_at_ms;   /* when the final click was made (clock_now_ms) */
    struct scn_mails mails;    /* what mail_wait steps read, their .eml in the evidence folder */
};

/* Runs the submit phase. vars holds base_url and letter.* (the scenario's "vars" fill in the rest).
 * Returns 0 whenever a result was produced (look at out->status); ERR_INPUT when the scenario has no
 * submit phase; out is always initialized. */
int scn_submit_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                   const struct scn_run_options *o, struct scn_submit_result *out, struct err *e);
void scn_submit_result_release(struct scn_submit_result *r);

enum scn_check_status {
    SCN_CHECK_FOUND,
    SCN_CHECK_NOT_FOUND,   /* the site is healthy and says the letter is not there */
    SCN_CHECK_LOAD_FAILED, /* the page did not load or was not what the scenario knows: never "not found" */
};
const char *scn_check_status_name(enum scn_check_status s); /* "found", "not_found", "load_failed" */

struct scn_check_result {
    enum scn_check_status status;
    char *reason;             /* what decided not_found / load_failed; NULL when found */
    char *state;              /* 办理状态 text, or NULL */
    bool has_reply;
    bool has_reply_date, is_reply_date_only;
    int64_t reply_date_ms;
    bool has_received_date, is_received_date_only;
    int64_t received_date_ms;
    char *reply_unit, *reply_text;
    char *warning;            /* a value that was there but did not parse, or NULL */
    int http_status;
    char *final_url;
    struct scn_vars extracted;
    struct scn_shots shots;
    struct scn_step_times times;
    char *failure_shot;
    /* What the lookup was, so the verdict knows what a miss proves (../shared/domain.md). */
    enum scn_lookup_kind lookup;
    bool proves_absence;      /* list lookups: the scenario says the list shows every new letter */
    bool is_seen_in_list;     /* found by a list_search: the letter is published there */
    int list_pages_read;      /* pages a list_search read (0: none) */
    char *list_stop;          /* why the list search stopped, or NULL */
    struct scn_mails mails;   /* what mail_reply read: a reply mail found is the letter's reply (has_reply,
                                 reply_date from its Date, reply_unit from its From, reply_text its body)
                                 when the page shows none; with no page lookup, no mail is load_failed */
    bool is_login_needed;     /* load_failed because the page asks for a login (the session's logged_out) */
};

/* Runs the check phase. vars holds base_url, letter.* and what the submit phase extracted.
 * Returns 0 whenever a result was produced; ERR_INPUT when the scenario has no check phase or a
 * variable has no value; ERR_BROWSER when the browser itself failed (not the site). */
int scn_check_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                  const struct scn_run_options *o, struct scn_check_result *out, struct err *e);
void scn_check_result_release(struct scn_check_result *r);

/* Runs the recover phase: looks up a letter whose final click was made but whose outcome was never
 * recorded, from what was known before sending (vars: base_url, letter.*). The same three outcomes
 * as a check, judged by the recover phase's own matches: found (out->extracted holds what its extract
 * steps found: letter_no, detail_url ...), not_found (the site answered and the letter is not there,
 * or a list_search missed its token) and load_failed; nothing else is read. Whether not_found proves
 * that nothing reached the site is the scenario's word (s->recover.proves_absence), not this
 * function's. Returns 0 whenever a result was produced; ERR_INPUT when the scenario has no recover
 * phase or a variable has no value; ERR_BROWSER when the browser itself failed. */
int scn_recover_run(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                    const struct scn_run_options *o, struct scn_check_result *out, struct err *e);

/* Sessions (scenarios/run_session.c): a site behind a real-name login. Whether the page shows a live
 * login: LOGGED_IN when the session's logged_in holds and logged_out does not, LOGGED_OUT for the
 * reverse, UNKNOWN for neither or both (a page that failed, an error page: when in doubt, no verdict).
 * SCN_LOGIN_NEEDED_ZH is the words a person is told. */
#define SCN_LOGIN_NEEDED_ZH "登录已失效，需要重新登录"
enum scn_session_state {
    SCN_SESSION_LOGGED_IN,
    SCN_SESSION_LOGGED_OUT,
    SCN_SESSION_UNKNOWN,
};
const char *scn_session_state_name(enum scn_session_state st); /* "logged_in", "logged_out", "unknown" */
/* The URL a person logs in at (session.login_url, else site.entry_url), variables expanded; caller frees. */
int scn_session_login_url(const struct scn_scenario *s, const struct scn_vars *vars, char **out, struct err *e);
/* Judges the page as it is now (the page a person is logging in on). *why (caller frees, may be NULL)
 * says what held. ERR_INPUT when the scenario has no session; a page that cannot be read is UNKNOWN. */
int scn_session_judge(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                      enum scn_session_state *state, char **why, struct err *e);
/* Opens the session's check_url (else login_url, else entry_url) and judges it: what a visit does
 * before its steps. A page that did not load is UNKNOWN (*why says why). ERR_BROWSER when the browser
 * itself failed. */
int scn_session_test(const struct scn_scenario *s, struct page *p, const struct scn_vars *vars,
                     const struct scn_run_options *o, enum scn_session_state *state, char **why, struct err *e);

/* Solvers (scenarios/captcha.c). prompt: saves the picture (and a slider's piece), if any, under dir
 * (NULL: /tmp), prints the
 * prompt, the question and the picture's path on /dev/tty and reads the answer from /dev/tty within
 * the request's timeout. exec: runs CMD (split on blanks, quotes honoured, no shell) and takes the
 * first line of its stdout, within the request's timeout (else timeout_ms); stdin is the PNG alone for
 * a plain captcha (the protocol of old) and one JSON object {"kind", "prompt", "question",
 * "image_png_base64", "site"} (a slider's also "piece_png_base64") for every other request, or for every request when json is true
 * (exec-json:CMD). CMD gets a clean environment (PATH, HOME, USER, LOGNAME, LANG, LANGUAGE, LC_*, TZ,
 * TMPDIR; never huixin's secrets). control: GETs url (a fixture site's /api/captcha?site=S, with
 * &kind=K added for a kind other than captcha and question) and takes "current" from the JSON answer. */
struct scn_captcha_solver *scn_captcha_prompt_new(const char *dir);
int scn_captcha_exec_new(const char *command, bool json, int timeout_ms, struct scn_captcha_solver **out, struct err *e);
struct scn_captcha_solver *scn_captcha_control_new(const char *url);
/* "prompt", "exec:CMD", "exec-json:CMD" or "control:URL" -> a solver; ERR_USAGE otherwise. */
int scn_captcha_solver_parse(const char *spec, const char *dir, struct scn_captcha_solver **out, struct err *e);
void scn_captcha_solver_free(struct scn_captcha_solver *s); /* NULL is a no-op */

#endif
