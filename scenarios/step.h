/* A step kind's code: its struct scn_step_ops, one per row of scenarios/step_kinds.h, each in its own
 * scenarios/step_*.c (kinds of one family share a file: check/uncheck/choose, click/click_text,
 * wait_for/assert). The loader (load.c) checks a step's keys against the ops' and calls parse; the
 * runner (run_step.c) expands target and value and calls exec; scenario.c calls release and
 * each_string. What every kind shares (number, label, timeout_seconds, final, target, value) stays
 * with those callers. Private to scenarios/. */
#ifndef HUIXIN_SCN_STEP_H
#define HUIXIN_SCN_STEP_H

#include <jansson.h>
#include <stdbool.h>

#include "scenarios/load_internal.h"
#include "scenarios/run_internal.h"
#include "scenarios/scenario.h"

struct scn_step_ops {
    const char *name;        /* the key that names the kind in JSON: "goto", "click_text" */
    const char *const *keys; /* the step's other keys, NULL-terminated ("value", "final", "timeout_seconds") */
    bool is_navigation;      /* opens pages: when it fails, the page left behind is an error page that says
                                nothing about the letter (the check's outcome is load_failed) */
    /* Reads the kind's fields into s: step is the step's object at path, v its kind key's value at
     * vpath; s->kind and s->label are set already (kinds of a family may share one parse). Problems
     * are reported through l (load_internal.h) and loading goes on. There is no separate lint: what
     * `huixin lint` checks of a kind, parse checks. */
    void (*parse)(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath, struct scn_step *s);
    /* Runs the step. target and value are st's with their ${variables} expanded (NULL when unset);
     * timeout_ms is the step's or the run's. Returns 0 or a negative code with e set; the caller
     * prefixes the scenario, phase and step. */
    int (*exec)(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e);
    /* Calls fn for every template string (one that may hold ${variables}) the kind keeps beside
     * target and value, in a fixed order; NULL strings are passed too. NULL: none. */
    void (*each_string)(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user);
    /* Frees what parse allocated beside label, target and value. NULL: nothing. */
    void (*release)(struct scn_step *s);
};

/* The ops of every kind, indexed by enum scn_step_kind (scenarios/step_table.c). */
extern const struct scn_step_ops *const scn_step_table[SCN_STEP_KIND_COUNT];

#define SCN_STEP_OPS_DECLARE(KIND, name) extern const struct scn_step_ops scn_step_##name##_ops;
SCN_STEP_KINDS(SCN_STEP_OPS_DECLARE)
#undef SCN_STEP_OPS_DECLARE

/* Frees a match's strings (scenario.c); for kinds that hold matches (a slider captcha). */
void scn_match_release(struct scn_match *m);

/* scenarios/slider.c: a captcha step of kind slider. parse reads the slider's keys of the captcha object
 * v (at vpath) into a new s->slider; exec solves it on the page (background: the expanded selector),
 * trying up to its tries; release frees it. */
void scn_slider_parse(struct scn_ld *l, json_t *v, const char *vpath, struct scn_step *s);
int scn_slider_exec(struct scn_exec *x, const struct scn_step *st, const char *background, int timeout_ms,
                    struct err *e);
void scn_slider_each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user);
void scn_slider_free(struct scn_slider *sl);

/* For kinds that hold extractors (extract, list_search); defined in scenario.c, which uses them too. */
void scn_extractor_release(struct scn_extractor *x);
void scn_extractor_each_string(const struct scn_extractor *x, void (*fn)(const char *tmpl, void *user), void *user);

#endif
