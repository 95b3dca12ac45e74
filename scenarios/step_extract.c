/* extract: reads one value off the page (an extractor: selector, or regex over the page, a dialog or
 * the URL) into a variable that later steps, and the check phase, may use. */
#include <stdlib.h>
#include <string.h>

#include "scenarios/regex.h"
#include "scenarios/step.h"

static const char *const keys[] = {NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)step;
    (void)path;
    if (!json_is_object(v)) {
        scn_ld_error(l, vpath, false, "'extract' must be an object with 'var' and 'selector' or 'regex', not %s",
                     scn_ld_type_name(v));
        return;
    }
    static const char *const extra[] = {"var", "optional", NULL};
    scn_ld_parse_extractor(l, v, vpath, false, false, extra, &s->extract);
    s->var = scn_ld_get_str(l, v, vpath, "var", true, false);
    s->is_optional = scn_ld_get_bool(l, v, vpath, "optional", false);
    scn_ld_var_target(l, vpath, s->var, "extract");
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)target;
    (void)value;
    (void)timeout_ms;
    char *found = NULL;
    int rc = scn_extractor_read(x, &st->extract, &found, e);
    if (rc == 1) {
        scn_vars_set(&x->vars, st->var, found);
        scn_vars_set(x->extracted, st->var, found);
        rc = 0;
    } else if (rc == 0 && !st->is_optional) {
        rc = err_set(e, ERR_SITE, "nothing to extract into '%s': %s%s%s matched nothing", st->var,
                     st->extract.selector ? "selector '" : "regex '",
                     st->extract.selector ? st->extract.selector : scn_regex_source(st->extract.regex), "'");
    }
    free(found);
    return rc;
}

static void each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user)
{
    scn_extractor_each_string(&s->extract, fn, user);
}

static void release(struct scn_step *s)
{
    free(s->var);
    scn_extractor_release(&s->extract);
}

const struct scn_step_ops scn_step_extract_ops = {
    .name = "extract",
    .keys = keys,
    .parse = parse,
    .exec = exec,
    .each_string = each_string,
    .release = release,
};
