/* select: picks an option of a <select> by its text or its value, waiting for it (lists filled by script). */
#include <string.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"text", "value", "force", "timeout_seconds", NULL};

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
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    return page_select_with(x->p, target, value, st->select_by_text,
                            &(struct page_action){timeout_ms, st->is_forced, NULL, NULL}, e);
}

const struct scn_step_ops scn_step_select_ops = {
    .name = "select",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
