/* check, uncheck, choose: one family, a box's checked state. check and uncheck set a checkbox on or
 * off; choose sets a radio button on (the browser turns its group's others off). */
#include <stdbool.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"force", "timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, scn_step_kind_name(s->kind), true, true);
    s->is_forced = scn_ld_get_bool(l, step, path, "force", false);
}

static int exec_on(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                   int timeout_ms, struct err *e)
{
    (void)value;
    return page_set_checked_with(x->p, target, true, &(struct page_action){timeout_ms, st->is_forced, NULL, NULL}, e);
}

static int exec_off(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                    int timeout_ms, struct err *e)
{
    (void)value;
    return page_set_checked_with(x->p, target, false, &(struct page_action){timeout_ms, st->is_forced, NULL, NULL},
                                 e);
}

const struct scn_step_ops scn_step_check_ops = {
    .name = "check",
    .keys = keys,
    .parse = parse,
    .exec = exec_on,
};

const struct scn_step_ops scn_step_uncheck_ops = {
    .name = "uncheck",
    .keys = keys,
    .parse = parse,
    .exec = exec_off,
};

const struct scn_step_ops scn_step_choose_ops = {
    .name = "choose",
    .keys = keys,
    .parse = parse,
    .exec = exec_on,
};
