/* The proxy a visit goes through (issue 17, gate 7; common/proxy.h). An office that must test from
 * outside its own network gives one on the command line (--proxy, --proxy-credentials) for every site,
 * and a scenario may give its own site.proxy (or "direct") for its site: the scenario's wins. The
 * browser context of the visit and huixin's own certificate probe both go through it; meta.json says
 * which proxy it was, never its credentials. */
#include <jansson.h>
#include <string.h>

#include "common/base.h"
#include "common/proxy.h"
#include "verify/visit_internal.h"

int visit_proxy_resolve(const struct visit_env *env, const struct scn_scenario *sc, struct visit_proxy *out,
                        struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *url = sc->site.proxy;
    if (!url) {
        if (!env->proxy)
            return 0;
        proxy_copy(&out->proxy, env->proxy);
        out->is_on = true;
        out->by = "command line";
        return 0;
    }
    if (strcmp(url, "direct") == 0)
        return 0;
    int rc = proxy_parse(url, &out->proxy, e);
    if (rc == 0 && sc->site.proxy_credentials)
        rc = proxy_credentials_load(&out->proxy, sc->site.proxy_credentials, e);
    if (rc != 0) {
        err_prefix(e, "scenario '%s' site.proxy", sc->path);
        proxy_release(&out->proxy);
        return rc == ERR_USAGE ? ERR_INPUT : rc;
    }
    out->is_on = true;
    out->by = "scenario";
    return 0;
}

const struct proxy *visit_proxy_get(const struct visit_proxy *vp)
{
    return vp && vp->is_on ? &vp->proxy : NULL;
}

json_t *visit_proxy_json(const struct proxy *px, const char *by)
{
    return json_pack("{s:s, s:s, s:i, s:b, s:s}", "scheme", px->scheme, "host", px->host ? px->host : "", "port",
                     px->port, "credentials", px->user != NULL, "by", by);
}

void visit_bundle_proxy_note(struct visit_bundle *b, const struct visit_proxy *vp)
{
    if (vp->is_on)
        json_object_set_new(b->meta, "proxy", visit_proxy_json(&vp->proxy, vp->by));
}

void visit_proxy_release(struct visit_proxy *vp)
{
    proxy_release(&vp->proxy);
    memset(vp, 0, sizeof *vp);
}
