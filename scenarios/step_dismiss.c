/* dismiss: a notice that may cover the page (网站声明, a cookie bar, an 适老化 toolbar's welcome): when
 * its close control shows up within a short time, click it, and let it go; when it does not, go on.
 * So common pop-ups need no custom steps, and a page without one costs only the short wait. */
#include <stddef.h>

#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/step.h"

/* How long a dismiss waits for its control unless the step says timeout_seconds. */
#define DISMISS_WAIT_MS 3000

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "dismiss", true, true);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)value;
    (void)timeout_ms; /* the run's default is for steps that must happen; this one may not */
    int wait_ms = st->timeout_ms > 0 ? st->timeout_ms : DISMISS_WAIT_MS;
    struct err we;
    err_init(&we);
    int rc = page_wait(x->p, PAGE_COND_VISIBLE, target, wait_ms, &we);
    if (rc == ERR_TIMEOUT) {
        log_debug("scenario", "dismiss '%s': nothing to dismiss within %d ms", target, wait_ms);
        return 0;
    }
    if (rc < 0) {
        err_set(e, we.code, "%s", we.msg);
        return rc;
    }
    if ((rc = page_click(x->p, target, wait_ms, e)) < 0)
        return rc;
    /* let it go (a fade); one that stays is named by the next action that it covers */
    err_init(&we);
    page_wait(x->p, PAGE_COND_GONE, target, wait_ms, &we);
    return 0;
}

const struct scn_step_ops scn_step_dismiss_ops = {
    .name = "dismiss",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
