/* screenshot: a full-page PNG in the visit's evidence, NN-PHASE-NAME.png. */
#include <stdbool.h>
#include <stddef.h>

#include "scenarios/step.h"

static const char *const keys[] = {NULL};

/* The name becomes part of a file name. */
static bool is_evidence_name(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return false;
    }
    return n > 0 && n <= 64;
}

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    s->target = scn_ld_get_str(l, step, path, "screenshot", true, false);
    if (s->target && !is_evidence_name(s->target))
        scn_ld_error(l, vpath, false,
                     "screenshot name '%s': expected 1 to 64 letters, digits, '-' or '_' (it names a file)", s->target);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)st;
    (void)value;
    (void)timeout_ms;
    return scn_exec_shot(x, target, NULL, e);
}

const struct scn_step_ops scn_step_screenshot_ops = {
    .name = "screenshot",
    .keys = keys,
    .parse = parse,
    .exec = exec,
};
