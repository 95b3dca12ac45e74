/* pause: waits a number of seconds (1 to 600). */
#include "scenarios/step.h"

static const char *const keys[] = {NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->pause_ms = scn_ld_get_int(l, step, path, "pause", 1, 600, 1) * 1000;
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)x;
    (void)target;
    (void)value;
    (void)timeout_ms;
    (void)e;
    scn_sleep_ms(st->pause_ms);
    return 0;
}

const struct scn_step_ops scn_step_pause_ops = {
    .name = "pause",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
