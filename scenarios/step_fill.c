/* fill: types a text into a field (an empty text clears it). */
#include <string.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"value", "force", "timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "fill", true, true);
    if (!json_object_get(step, "value"))
        scn_ld_error(l, path, false, "missing required key 'value'");
    else if (json_is_string(json_object_get(step, "value")) && json_string_length(json_object_get(step, "value")) == 0)
        s->value = xstrdup(""); /* filling nothing clears a field */
    else
        s->value = scn_ld_get_str(l, step, path, "value", true, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    return page_fill_with(x->p, target, value, &(struct page_action){timeout_ms, st->is_forced, NULL, NULL}, e);
}

const struct scn_step_ops scn_step_fill_ops = {
    .name = "fill",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
