/* goto: opens a URL in the main frame. Every URL must be http or https; one built from what a page
 * said (an extract, a dialog) must also be on the site's own hosts (scenarios/url_guard.c). */
#include <stdlib.h>

#include "driver/page.h"
#include "scenarios/step.h"

static const char *const keys[] = {"timeout_seconds", NULL};

static void parse(struct scn_ld *l, json_t *step, const char *path, json_t *v, const char *vpath,
                  struct scn_step *s)
{
    (void)v;
    (void)vpath;
    s->target = scn_ld_get_str(l, step, path, "goto", true, true);
}

static int exec(struct scn_exec *x, const struct scn_step *st, const char *target, const char *value,
                int timeout_ms, struct err *e)
{
    (void)value;
    page_frame_leave(x->p);
    free(x->record_path); /* another page: the record was on the old one */
    x->record_path = NULL;
    int rc = scn_url_check(x, target, scn_url_tmpl_is_from_page(x, st->target), e);
    if (rc < 0)
        return rc;
    rc = page_goto(x->p, target, timeout_ms, e);
    int status = rc == 0 ? page_http_status(x->p) : 0;
    if ((status == 404 || status == 410) && !scn_url_tmpl_names_letter(x, st->target))
        /* a query form or a list that is gone: the site's page, not the letter's (a detail page that
         * answers 404 is the letter's, and is left to the check's not_found) */
        rc = err_set(e, ERR_SITE, "'%s' answered HTTP %d: the page the lookup starts from is missing, which "
                     "says nothing about the letter", target, status);
    else if (status >= 500)
        rc = err_set(e, ERR_SITE, "'%s' answered HTTP %d", target, status);
    else if (status == 407) /* only a proxy says it: the site was never reached */
        rc = err_set(e, ERR_SITE, "'%s': the proxy answered HTTP 407 (it wants credentials, or refused those "
                     "given)", target);
    return rc;
}

const struct scn_step_ops scn_step_goto_ops = {
    .name = "goto",
    .keys = keys,
    .is_navigation = true,
    .parse = parse,
    .exec = exec,
};
