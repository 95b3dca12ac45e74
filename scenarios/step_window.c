/* window: later steps act in a new tab or window the page opened ("new": waited for within the step's
 * timeout, when no click followed it by itself), or, with "opener", in the window that opened the
 * current one again (driver/page.h, page_window_*). */
#include <string.h>

#include "common/err.h"
#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    const char *which = json_string_value(v);
    if (which && strcmp(which, "opener") == 0)
        s->window_is_opener = true;
    else if (!which || strcmp(which, "new") != 0)
        scn_ld_error(l, vpath, false, "'window' must be \"new\" or \"opener\"%s%s%s", which ? ", not '" : "",
                     which ? which : "", which ? "'" : "");
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)target;
    (void)value;
    if (st->window_is_opener)
        return page_window_opener(x->p, e);
    /* the newest window still open that the scenario has not followed yet */
    int rc = page_window_follow_newest(x->p, timeout_ms, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return err_set(e, ERR_TIMEOUT, "no new window opened within %d ms", timeout_ms);
    return 0;
}

const struct scn_step_ops scn_step_window_ops = {
    .name = "window",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
