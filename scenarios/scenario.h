/* The scenario language: one JSON file describes how to submit a letter on one site (or one vendor
 * family) and how to find it again and read its state. This header is the C form the rest of huixin
 * sees; JSON stays inside the loader (scenarios/load.c, load_match.c, and each step kind's parse in
 * scenarios/step_*.c). docs: scenarios/FORMAT.md.
 *
 * Lifecycle: scn_scenario_load (or _parse) -> use -> scn_scenario_free. Strings in steps may hold
 * ${variables} (scenarios/vars.h), expanded by the runner; the loader has already checked that every
 * variable is defined where it is used. */
#ifndef HUIXIN_SCN_SCENARIO_H
#define HUIXIN_SCN_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "scenarios/step_kinds.h"
#include "scenarios/vars.h"

struct err;
struct scn_regex;
struct scn_mail_step;

#define SCN_FORMAT_VERSION 1

/* SCN_STEP_GOTO, SCN_STEP_FILL ... one per row of the table in scenarios/step_kinds.h. */
enum scn_step_kind {
#define SCN_STEP_KIND_ENUM(KIND, name) SCN_STEP_##KIND,
    SCN_STEP_KINDS(SCN_STEP_KIND_ENUM)
#undef SCN_STEP_KIND_ENUM
    SCN_STEP_KIND_COUNT
};

/* The JSON name of a kind ("goto", "click_text" ...). */
const char *scn_step_kind_name(enum scn_step_kind kind);

enum scn_cond_kind {
    SCN_COND_TEXT,     /* the frame's text contains target */
    SCN_COND_SELECTOR, /* a visible element matches target */
    SCN_COND_URL,      /* the URL contains target */
    SCN_COND_GONE,     /* no visible element matches target */
    SCN_COND_EXISTS,   /* an element matches target, visible or not (a hidden input a script fills) */
};

enum scn_source {
    SCN_FROM_PAGE,   /* the current frame's text */
    SCN_FROM_DIALOG, /* the message of the latest dialog */
    SCN_FROM_URL,    /* the main frame's URL */
};

/* How to read one value off a page. Exactly one of selector, regex, text is set. */
struct scn_extractor {
    bool is_set;
    enum scn_source from;    /* for regex; a selector always reads the page */
    char *selector;          /* the text of the first element matching */
    char *attribute;         /* with selector: this attribute ("value", "href") instead of the text */
    char *text;              /* presence: yields this text when the page contains it */
    struct scn_regex *regex; /* group 1 if the pattern has a group, else the whole match */
    char *regex_tmpl;        /* instead of regex when the pattern holds ${vars}: compiled at run time with
                                each value quoted (scn_vars_expand_regex) */
    char **formats;          /* dates only: tried in order (scenarios/date_parse.h) */
    size_t n_formats;
};

/* One step. The first fields are every kind's; the rest belong to the kinds named beside them, which
 * set them (parse), use them (exec) and free them (release) in their scenarios/step_*.c. */
/* click, click_text: "opens". AUTO: a window the click opens (within a moment, or while a later step
 * waits for its element) is followed; WINDOW: the click must open one, waited for within the step's
 * timeout; SAME: nothing is followed. */
enum scn_opens {
    SCN_OPENS_AUTO,
    SCN_OPENS_WINDOW,
    SCN_OPENS_SAME,
};

struct scn_step {
    enum scn_step_kind kind;
    int number;       /* 1-based within its phase */
    int line, column; /* of the step in the file */
    char *label;      /* "fill '#xm'", for messages */
    int timeout_ms;   /* 0: the runner's default */
    bool is_final;    /* the click that sends the letter (click, click_text) */
    bool is_forced;   /* click, click_text, fill, select, check, uncheck, choose: skip the actionability
                         checks (driver/page_actionable.h), a last resort */
    /* The main argument, ${variables} expanded before the kind runs: goto: the URL; fill, select,
     * check, uncheck, choose, click: the selector; click_text: the element's own text; wait_for,
     * assert: what cond waits for; screenshot: the evidence name; captcha: the image's selector (a
     * slider's background's); ask: its image's selector or NULL; frame: the iframe's selector (or
     * NULL: frame_url, frame_is_main); list_search: the list's URL or NULL (the current page). */
    char *target;
    /* fill: the text; select: the option's text (select_by_text) or value; click_text: the scope's
     * selector or NULL; captcha: the input's selector (a slider: NULL); ask: the prompt. Expanded like target. */
    char *value;
    bool select_by_text;   /* select */
    enum scn_opens opens;  /* click, click_text: whether the click opens a new window */
    bool window_is_opener; /* window: back to the opener (else: wait for a new window) */
    enum scn_cond_kind cond; /* wait_for, assert */
    char *var;             /* extract; dialog (may be NULL); ask */
    char *ask_kind;        /* ask: "sms" or "text" */
    struct scn_extractor extract; /* extract */
    bool is_optional;      /* extract: a miss leaves the variable unset instead of failing */
    char *captcha_refresh; /* captcha: NULL if the image has no refresh control */
    char *captcha_question; /* captcha: the question's element (its text goes to the solver), or NULL */
    struct scn_slider *slider; /* captcha with "kind": "slider" (scenarios/slider.c), else NULL */
    char *frame_url;       /* frame */
    bool frame_is_main;    /* frame */
    char *dialog_type;     /* dialog: "alert", "confirm", "prompt" or "any" */
    int pause_ms;          /* pause */
    /* list_search: */
    char *list_token;      /* what to look for; default ${letter.token} */
    char *list_next;       /* selector of the "next page" control, or NULL */
    int list_max_pages;
    bool list_follow;      /* open the letter's link once found */
    char *list_record;     /* selector of one message; the smallest match holding the token scopes what
                              the phase reads afterwards (found, not_found, read), or NULL */
    struct scn_mail_step *mail; /* mail_wait, mail_reply: their regexes (scenarios/step_mail.c) */
    struct scn_extractor list_older_than; /* each row's date (selector over all rows + formats, optional
                                             regex on each row's text): a page whose rows are dated
                                             before the letter's submission day ends the search */
};

/* A set of alternatives: the match holds when any one of them holds. */
struct scn_match {
    char *within;        /* texts and selector are looked for inside the first element matching this */
    char **texts;        /* the page's text contains one */
    size_t n_texts;
    char **dialogs;      /* a dialog's message contains one */
    size_t n_dialogs;
    char *selector;      /* a visible element matches */
    char *url_contains;
    char *url_not_contains;
    int *statuses;       /* the document's HTTP status is one */
    size_t n_statuses;
    /* `response` (submit.success and submit.failures only): the body of an answer to an XHR or fetch
     * request sent after the final click contains one of response_texts */
    char *response_url;  /* and the answer's URL contains this (NULL: any answer) */
    char **response_texts;
    size_t n_response_texts;
};
bool scn_match_is_empty(const struct scn_match *m);

/* A slider captcha (a captcha step of kind slider): the picture with a gap, the piece that fits it, the
 * handle dragged to move the piece, and how the page says it worked. Selectors are templates. */
struct scn_slider {
    char *background;      /* the picture with the gap: sent to the solver, the answer's unit */
    char *piece;           /* the piece: sent to the solver; where it starts is subtracted from the drag */
    char *handle;          /* what is pressed and dragged */
    char *track;           /* the rail the handle runs in (a drag never goes past its end), or NULL */
    struct scn_match solved; /* the page says the slider is solved */
    struct scn_match failed; /* it says this try failed (empty: no sign but the lack of `solved`) */
    int tries;             /* drags before the step fails, a refreshed slider each time */
};

enum scn_failure_kind {
    SCN_FAIL_CAPTCHA,  /* wrong captcha: solve again and resubmit */
    SCN_FAIL_THROTTLE, /* rate limit: wait, then resubmit */
    SCN_FAIL_REJECTED, /* the site refused the letter (a field, a rule): do not retry */
};
const char *scn_failure_kind_name(enum scn_failure_kind kind);

struct scn_failure {
    struct scn_match when;
    enum scn_failure_kind kind;
    int retries;
    int wait_ms;
};

struct scn_phase {
    struct scn_step *steps;
    size_t n_steps;
};

struct scn_submit {
    struct scn_phase phase;
    struct scn_match success;
    struct scn_failure *failures;
    size_t n_failures;
};

struct scn_read {
    struct scn_extractor state, has_reply, received_date, reply_date, reply_unit, reply_text;
    char **replied_states; /* a state containing one of these means answered */
    size_t n_replied_states;
    char **removed_states; /* a state containing one of these (垃圾信件, 重复信件, 不予受理) means the site
                              took the letter out of view: the site's own word that it is gone */
    size_t n_removed_states;
};

/* What a miss of a check proves (../shared/domain.md: authoritative and list lookups). */
enum scn_lookup_kind {
    SCN_LOOKUP_AUTHORITATIVE, /* the site's own answer about this letter: query by code, its detail URL */
    SCN_LOOKUP_LIST,          /* a public list or search: shows only what the site chose to publish */
};
const char *scn_lookup_kind_name(enum scn_lookup_kind k); /* "authoritative", "list" */

struct scn_check {
    /* Default: list when the phase has a list_search step, else authoritative. */
    enum scn_lookup_kind lookup;
    /* A conclusive list miss proves absence without an earlier sighting: only for lists that show
     * every new letter at once (no moderation). Default false. */
    bool proves_absence;
    /* After the steps, scope the reads to the smallest element matching this that holds the token
     * (a detail page of several messages), unless a list_search's record did already. NULL: none. */
    char *record;
    struct scn_phase phase;
    struct scn_match found;       /* may be empty: then "not not_found" is found */
    struct scn_match not_found;
    struct scn_match unavailable; /* the site's own "cannot check now" markers (WAF, maintenance) */
    struct scn_read read;
};

/* Finding a letter whose final click was made but whose outcome was never recorded (a crash, a kill),
 * from what was known before sending: the token, title, body, base_url and the scenario's vars. */
struct scn_recover {
    struct scn_phase phase;
    struct scn_match found;       /* may be empty when a list_search step finds the token */
    struct scn_match not_found;   /* may be empty: then only a list_search that misses says not_found */
    struct scn_match unavailable;
    /* not_found on a healthy site means nothing reached it. False (the default) for sites that hide
     * letters for a while (moderation, publication after handling): a miss there proves nothing. */
    bool proves_absence;
};

enum scn_token_place { SCN_TOKEN_IN_BODY, SCN_TOKEN_IN_TITLE };

/* What a visit does at a certificate error of the site (site.tls). */
enum scn_tls_policy {
    SCN_TLS_STRICT, /* "strict" (the default): the page does not load, the visit fails and says nothing */
    SCN_TLS_ACCEPT, /* "accept": the visit goes on past it; the evidence records the certificate and that */
};

struct scn_site {
    char *name, *owner, *mailbox, *entry_url, *family, *notes; /* NULL when not given, except name */
    int deadline_workdays; /* default 5 */
    int pacing_seconds;    /* between contacts with this site's host (verify/pace.h); default 30 */
    int other_hosts_seconds; /* another host's resource budget (scn_run_options.thirdparty_ms); 0: not given */
    bool has_block_trackers; /* "block_trackers" given: is_block_trackers says whether visits use the block
                                list (scenarios/block_list.h), whatever the command line says */
    bool is_block_trackers;
    char **hosts;          /* further host names the site's own pages live on (a platform it embeds) */
    size_t n_hosts;
    enum scn_tls_policy tls;
    char *proxy;             /* "http://HOST:PORT", "socks5://HOST:PORT" or "direct"; NULL: the command line's */
    char *proxy_credentials; /* its credentials file, made relative to the scenario's folder; NULL: none */
};

/* "strict" or "accept". */
const char *scn_tls_policy_name(enum scn_tls_policy policy);

/* A real-name login (统一身份认证): the site is visited in its own persistent browser profile, where a
 * person logged in once (`huixin login`), and each visit first tests that the login still holds. */
struct scn_session {
    bool is_set;               /* the scenario has a "session" block */
    char *login_url;           /* where a person logs in (${vars} allowed); NULL: site.entry_url */
    char *check_url;           /* what a visit opens to test the session; NULL: login_url, else entry_url */
    struct scn_match logged_in;  /* the page shows a live login ("退出登录", the user's name) */
    struct scn_match logged_out; /* the page asks for a login (a login form, "请登录") */
};

struct scn_letter_spec {
    char *category; /* 咨询, 建议, 求助 or 投诉 */
    enum scn_token_place token_in;
    int title_max_chars, body_max_chars; /* 0: no limit */
};

struct scn_scenario {
    char *path;
    char *description;
    struct scn_site site;
    struct scn_session session;
    struct scn_letter_spec letter;
    struct scn_vars defaults;  /* "vars": values used unless --var gives one */
    bool has_submit, has_check, has_recover;
    struct scn_submit submit;
    struct scn_check check;
    struct scn_recover recover; /* only with a submit phase */
    char **submit_vars;        /* what the submit phase extracts: the ledger keeps these for check */
    size_t n_submit_vars;
    char **recover_vars;       /* what the recover phase extracts */
    size_t n_recover_vars;
};

/* Every problem found while loading, one line each ("FILE:LINE:COL: WHERE: WHAT"). */
struct scn_diags {
    char **lines;
    size_t n;
};
void scn_diags_release(struct scn_diags *d);

/* Reads and validates a scenario file. On failure returns ERR_INPUT (ERR_IO if unreadable), e holds
 * the first problem and diags (if not NULL) every problem; *out is NULL. */
int scn_scenario_load(const char *path, struct scn_scenario **out, struct scn_diags *diags, struct err *e);
/* The same over text in memory; path is used in messages only. */
int scn_scenario_parse(const char *path, const char *text, size_t len, struct scn_scenario **out,
                       struct scn_diags *diags, struct err *e);
void scn_scenario_free(struct scn_scenario *s); /* NULL is a no-op */
/* Calls fn(name, user) for every ${name} the check phase refers to (its steps, matches, reads and
 * record; a list_search's default token is ${letter.token}), once per reference, stopping at fn's
 * first non-zero return, which is returned. What `huixin import` asks of a letter comes from here. */
int scn_check_refs_each(const struct scn_scenario *s, int (*fn)(const char *name, void *user), void *user);

#endif
