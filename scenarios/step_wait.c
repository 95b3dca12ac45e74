/* wait_for, assert: one family, a condition on the page ({"text"|"selector"|"url"|"gone"|"exists": X}).
 * wait_for waits up to the step's timeout; after the final click it waits in slices and looks for
 * the site's known failures in between. assert checks at once (within a short grace). */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "driver/page.h"
#include "scenarios/step.h"

#define ASSERT_TIMEOUT_MS 2000
#define WATCH_SLICE_MS 500

static const char *const wait_for_keys[] = {"timeout_seconds", NULL};
static const char *const assert_keys[] = {NULL};

static void parse_cond(struct scn_ld *l, json_t *v, const char *path, struct scn_step *s)
{
    static const char *const keys[] = {"text", "selector", "url", "gone", "exists", NULL};
    scn_ld_check_keys(l, v, path, keys, NULL);
    const char *which = scn_ld_one_of(l, v, path, keys, scn_step_kind_name(s->kind));
    if (!which)
        return;
    s->cond = strcmp(which, "text") == 0       ? SCN_COND_TEXT
              : strcmp(which, "selector") == 0 ? SCN_COND_SELECTOR
              : strcmp(which, "url") == 0      ? SCN_COND_URL
              : strcmp(which, "exists") == 0   ? SCN_COND_EXISTS
                                               : SCN_COND_GONE;
    s->target = scn_ld_get_str(l, v, path, which, true, true);
}

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!json_is_object(v))
        scn_ld_error(l, vpath, false, "'%s' must be an object with one of 'text', 'selector', 'url', 'gone', not %s",
                     scn_step_kind_name(s->kind), scn_ld_type_name(v));
    else
        parse_cond(l, v, vpath, s);
}

static enum page_cond_kind page_cond(enum scn_cond_kind k)
{
    switch (k) {
    case SCN_COND_TEXT: return PAGE_COND_TEXT;
    case SCN_COND_SELECTOR: return PAGE_COND_VISIBLE;
    case SCN_COND_URL: return PAGE_COND_URL;
    case SCN_COND_EXISTS: return PAGE_COND_EXISTS;
    case SCN_COND_GONE: return PAGE_COND_GONE;
    }
    return PAGE_COND_GONE;
}

/* After the final click it waits in slices and looks for known failures in between. */
static int exec_wait_for(struct scn_exec *x, const struct scn_step *st, const char *arg, const char *value,
                         int timeout_ms, struct err *e)
{
    (void)value;
    if (!x->final_clicked || !x->watch)
        return page_wait(x->p, page_cond(st->cond), arg, timeout_ms, e);
    int64_t end = clock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = end - clock_mono_ms();
        int slice = left < WATCH_SLICE_MS ? (int)(left > 0 ? left : 1) : WATCH_SLICE_MS;
        struct err se;
        err_init(&se);
        int rc = page_wait(x->p, page_cond(st->cond), arg, slice, &se);
        if (rc == 0)
            return 0;
        if (rc == ERR_TIMEOUT && clock_mono_ms() >= end) {
            /* the last slice's message would name the slice, not the step's whole wait */
            static const char *const cond_names[] = {"text", "selector", "url", "gone", "exists"};
            return err_set(e, ERR_TIMEOUT, "wait_for %s '%s': not true after %d ms",
                           (unsigned)st->cond < ARRAY_LEN(cond_names) ? cond_names[st->cond] : "?", arg, timeout_ms);
        }
        if (rc != ERR_TIMEOUT || page_budget_is_spent(x->p)) { /* the visit's time ran out: no more slices */
            if (e && !e->code)
                *e = se;
            return rc;
        }
        if (x->watch(x)) {
            x->watch_fired = true;
            return err_set(e, ERR_SITE, "the site answered with a known failure while waiting for '%s'", arg);
        }
    }
}

static int exec_assert(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                       int timeout_ms, struct err *e)
{
    (void)value;
    (void)timeout_ms;
    struct err we;
    err_init(&we);
    int rc = page_wait(x->p, page_cond(st->cond), target, ASSERT_TIMEOUT_MS, &we);
    if (rc == ERR_TIMEOUT)
        rc = err_set(e, ERR_SITE, "assertion failed: %s", we.msg);
    else if (rc < 0 && e && !e->code)
        *e = we;
    return rc;
}

const struct scn_step_ops scn_step_wait_for_ops = {
    .name = "wait_for",
    .keys = wait_for_keys,
    .parse = parse,
    .exec = exec_wait_for,
};

const struct scn_step_ops scn_step_assert_ops = {
    .name = "assert",
    .keys = assert_keys,
    .parse = parse,
    .exec = exec_assert,
};
