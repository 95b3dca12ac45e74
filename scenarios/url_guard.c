/* Where a scenario may take the browser. A visited site controls what extract and dialog steps read
 * and the links a list search follows; a URL built from those must not reach the operator's machine
 * (file:, chrome:, devtools:), run script (javascript:, data:) or leave the site: a page giving
 * `file:///home/ops/alerts.conf` as its iframe's src would otherwise have its secrets screenshotted
 * into the evidence. Every navigation a scenario asks for must be http or https; one whose URL came
 * from the site (this run's extracts and dialogs, and what the submit and recover phases extract, which
 * the ledger gives back to later checks: detail_url ...) must also stay on the site's own hosts: the
 * hosts of the URLs the operator gave (base_url, platform_url ...), of site.entry_url, and site.hosts. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/page.h"
#include "scenarios/block_list.h"
#include "scenarios/run_internal.h"

/* A variable the site chose: read off a page on this run (extract, dialog), or one the scenario's submit
 * or recover phase extracts (kept in the ledger and given back to later checks: detail_url, frame_src). */
static bool is_site_var(const struct scn_exec *x, const char *name)
{
    if (x->extracted && scn_vars_get(x->extracted, name))
        return true;
    for (size_t i = 0; i < x->s->n_submit_vars; i++)
        if (strcmp(x->s->submit_vars[i], name) == 0)
            return true;
    for (size_t i = 0; i < x->s->n_recover_vars; i++)
        if (strcmp(x->s->recover_vars[i], name) == 0)
            return true;
    return false;
}

struct from_page_ctx {
    const struct scn_exec *x;
    bool is_from_page;
};

static int ref_from_page(const char *name, void *user)
{
    struct from_page_ctx *c = user;
    if (is_site_var(c->x, name))
        c->is_from_page = true;
    return 0;
}

bool scn_url_tmpl_is_from_page(const struct scn_exec *x, const char *tmpl)
{
    struct from_page_ctx c = {x, false};
    struct err ignored;
    err_init(&ignored);
    scn_vars_each_ref(tmpl, ref_from_page, &c, &ignored);
    return c.is_from_page;
}

/* Whether a URL template names the letter: a variable the letter alone has (query_code, letter_no,
 * detail_url, letter.*) or one read off the site's pages. A page at such a URL is the letter's; any
 * other (a query form, a list) is the site's, whoever the letter is. */
static int ref_names_letter(const char *name, void *user)
{
    struct from_page_ctx *c = user;
    if (is_site_var(c->x, name) || strncmp(name, "letter.", 7) == 0 || strcmp(name, "query_code") == 0 ||
        strcmp(name, "letter_no") == 0 || strcmp(name, "detail_url") == 0)
        c->is_from_page = true;
    return 0;
}

bool scn_url_tmpl_names_letter(const struct scn_exec *x, const char *tmpl)
{
    struct from_page_ctx c = {x, false};
    struct err ignored;
    err_init(&ignored);
    scn_vars_each_ref(tmpl, ref_names_letter, &c, &ignored);
    return c.is_from_page;
}

static bool host_is_allowed(const struct scn_exec *x, const char *host)
{
    bool ok = false;
    for (size_t i = 0; !ok && i < x->vars.n; i++) {
        const struct scn_var *v = &x->vars.v[i];
        if (is_site_var(x, v->name))
            continue; /* read off a page: the site's word, not the operator's */
        char *h = page_url_host(v->value);
        ok = h && strcmp(h, host) == 0;
        free(h);
    }
    if (!ok && x->s->site.entry_url) {
        char *entry = NULL, *h = NULL;
        struct err ignored;
        err_init(&ignored);
        if (scn_vars_expand(&x->vars, x->s->site.entry_url, &entry, &ignored) == 0)
            h = page_url_host(entry);
        ok = h && strcmp(h, host) == 0;
        free(h);
        free(entry);
    }
    for (size_t i = 0; !ok && i < x->s->site.n_hosts; i++)
        ok = strcasecmp(x->s->site.hosts[i], host) == 0;
    return ok;
}

void scn_thirdparty_setup(const struct scn_exec *x)
{
    char **hosts = xcalloc(x->vars.n + x->s->site.n_hosts + 1, sizeof *hosts);
    size_t n = 0;
    for (size_t i = 0; i < x->vars.n; i++) {
        if (is_site_var(x, x->vars.v[i].name))
            continue; /* read off a page: the site's word, not the operator's */
        char *h = page_url_host(x->vars.v[i].value);
        if (h)
            hosts[n++] = h;
    }
    if (x->s->site.entry_url) {
        char *entry = NULL;
        struct err ignored;
        err_init(&ignored);
        if (scn_vars_expand(&x->vars, x->s->site.entry_url, &entry, &ignored) == 0) {
            char *h = page_url_host(entry);
            if (h)
                hosts[n++] = h;
        }
        free(entry);
    }
    for (size_t i = 0; i < x->s->site.n_hosts; i++)
        hosts[n++] = xstrdup(x->s->site.hosts[i]);
    int budget_ms = x->o && x->o->thirdparty_ms > 0 ? x->o->thirdparty_ms : x->s->site.other_hosts_seconds * 1000;
    struct err e;
    err_init(&e);
    if (page_thirdparty_set(x->p, (const char *const *)hosts, n, budget_ms, &e) != 0) {
        log_warn("scenario", "%s", e.msg);
    } else if (scn_block_list_is_used(&x->s->site, x->o ? x->o->block_list : NULL)) {
        size_t n_block = 0;
        const char **block = scn_block_patterns(x->o ? x->o->block_list : NULL, &n_block);
        if (page_thirdparty_block(x->p, block, n_block, &e) != 0)
            log_warn("scenario", "%s", e.msg);
        free(block);
    }
    for (size_t i = 0; i < n; i++)
        free(hosts[i]);
    free(hosts);
}

void scn_tls_setup(const struct scn_exec *x)
{
    struct err e;
    err_init(&e);
    if (page_tls_errors_accept(x->p, x->s->site.tls == SCN_TLS_ACCEPT, &e) != 0)
        log_warn("scenario", "%s", e.msg);
}

int scn_url_check(const struct scn_exec *x, const char *url, bool is_from_page, struct err *e)
{
    char *host = page_url_host(url);
    int rc = 0;
    if (!host) {
        rc = err_set(e, ERR_SITE, "refusing to open '%.200s': only http and https pages are opened", url);
    } else if (is_from_page && !host_is_allowed(x, host)) {
        rc = err_set(e, ERR_SITE, "refusing to open '%.200s': the site gave this address and '%s' is not one of "
                     "the site's hosts (the hosts of base_url and the other given URLs, site.entry_url, site.hosts)",
                     url, host);
    }
    free(host);
    return rc;
}
