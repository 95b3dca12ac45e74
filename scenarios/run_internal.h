/* What run_step.c shares with run_submit.c and run_check.c: one step at a time on a page. */
#ifndef HUIXIN_SCN_RUN_INTERNAL_H
#define HUIXIN_SCN_RUN_INTERNAL_H

#include "scenarios/run.h"

struct scn_exec {
    const struct scn_scenario *s;
    struct page *p;
    const struct scn_run_options *o;
    const char *phase;          /* "submit" or "check" */
    struct scn_vars vars;       /* given + defaults + extracted so far */
    struct scn_vars *extracted; /* the result's copy of what extract/dialog steps found */
    struct scn_shots *shots;
    size_t dialogs_base;        /* dialogs before this index belong to an earlier attempt */
    size_t dialogs_seen;        /* dialog steps have consumed dialogs up to here */
    bool final_clicked;
    bool list_missed;           /* a list_search did not find its token */
    int64_t final_at_ms;
    int shot_seq;
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
/* 1 and *out (caller frees) when the extractor finds something, 0 when not, <0 on error. */
int scn_extractor_read(struct scn_exec *x, const struct scn_extractor *ex, char **out, struct err *e);
/* A full-page PNG named NN-name.png in the evidence folder; *path_out (may be NULL) gets its path. */
int scn_exec_shot(struct scn_exec *x, const char *name, char **path_out, struct err *e);
/* Why the current page cannot be judged (HTTP 5xx, 403/429, a WAF or maintenance page, the scenario's
 * own `unavailable` markers; NULL for none), or NULL when it looks like a real page. Caller frees. */
char *scn_exec_blocked_reason(struct scn_exec *x, const struct scn_match *unavailable, struct err *e);
void scn_shots_release(struct scn_shots *s);
void scn_sleep_ms(int ms);

#endif
