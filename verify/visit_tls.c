/* The site's certificate in a visit's evidence (issue 17, gate 6).
 *
 * Before the browser opens an https site, huixin makes a TLS handshake of its own with it
 * (verify/cert_probe.c). A certificate that does not verify (expired, self-signed, another host's, an
 * unknown issuer) is a finding: meta.json "tls" records the certificate (subject, issuer, validity,
 * names) and the error, the scenario's policy (site.tls) and whether the visit went on past it; the
 * ledger keeps the error, the subject and that, for the reports. Under "strict" (the default) the browser
 * stops at such a certificate and the visit fails: it says nothing about the letter. Under "accept" it
 * goes on, and meta.json says so even when the certificate turned out to verify. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "driver/page.h"
#include "verify/cert_probe.h"
#include "verify/visit_internal.h"

/* The first https URL of the site: its entry page, else its base_url. */
static bool site_https_target(const struct ledger_site *s, const struct scn_vars *vars, char **host, int *port)
{
    if (s->entry_url && cert_url_https_target(s->entry_url, host, port))
        return true;
    return cert_url_https_target(scn_vars_get(vars, "base_url"), host, port);
}

void visit_tls_note(const struct visit_env *env, const struct ledger_site *s, const struct scn_vars *vars,
                    enum scn_tls_policy policy, const struct proxy *proxy, struct visit_bundle *b)
{
    char *host = NULL;
    int port = 443;
    if (!site_https_target(s, vars, &host, &port))
        return;
    bool is_accept = policy == SCN_TLS_ACCEPT;
    struct cert_finding f;
    struct err e;
    err_init(&e);
    int timeout_ms = env->timeout_ms > 0 ? env->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS;
    json_t *tls = NULL;
    if (cert_probe_via(host, port, proxy, timeout_ms, &f, &e) != 0) {
        /* the site does not answer: the visit will say so; under "accept" the policy is still recorded */
        log_debug("visit", "certificate of %s:%d not read: %s", host, port, e.msg);
        if (is_accept)
            tls = json_pack("{s:s, s:i, s:s, s:s, s:b}", "host", host, "port", port, "probe_error", e.msg,
                            "policy", scn_tls_policy_name(policy), "accepted", 1);
    } else if (f.error || is_accept) {
        json_t *san = json_array();
        for (size_t i = 0; i < f.n_san; i++)
            json_array_append_new(san, json_string(f.san[i]));
        tls = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:b}", "host", f.host, "port", f.port,
                        "subject", f.subject, "issuer", f.issuer, "not_before", f.not_before, "not_after",
                        f.not_after, "san", san, "error", f.error ? json_string(f.error) : json_null(), "policy",
                        scn_tls_policy_name(policy), "accepted", is_accept);
        if (f.error) {
            b->tls_error = xstrdup(f.error);
            b->tls_subject = xstrdup(f.subject);
            b->is_tls_accepted = is_accept;
            log_warn("visit", "site '%s': the certificate of %s:%d does not verify (%s)%s", s->key, host, port,
                     f.error, is_accept ? "; the scenario says go on (site.tls accept)" : "");
        }
        cert_finding_release(&f);
    }
    if (tls)
        json_object_set_new(b->meta, "tls", tls);
    free(host);
}

void visit_tls_to_visit(const struct visit_bundle *b, struct ledger_visit *v)
{
    v->tls_error = b->tls_error;
    v->tls_subject = b->tls_subject;
    v->is_tls_accepted = b->is_tls_accepted;
}
