/* select: picks an option of a <select> by its text or its value, waiting for it (lists filled by script). */
#include <string.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"text", "value", "timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "select", true, true);
    static const char *const which_keys[] = {"text", "value", NULL};
    const char *which = scn_ld_one_of(l, step, path, which_keys, "select");
    if (which) {
        s->select_by_text = strcmp(which, "text") == 0;
        s->value = scn_ld_get_str(l, step, path, which, true, true);
    }
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    return page_select(x->p, target, value, st->select_by_text, timeout_ms, e);
}

const struct scn_step_ops scn_step_select_ops = {
    .name = "select",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
