/* The Security domain: whether a page goes on past a certificate error (driver/page.h,
 * page_tls_errors_accept).
 *
 * Many government sites serve an expired, self-signed or wrong-host certificate. By default Chromium stops
 * such a navigation (net::ERR_CERT_...), and the visit fails: it says nothing about the site's letters.
 * A scenario may say that the site is known to have such a certificate and that its visits go on
 * regardless; then every window of the page (its own and each popup it opens, which Chromium keeps
 * apart from their opener) is told Security.setIgnoreCertificateErrors before it loads anything. Its
 * out-of-process iframes belong to a window's own frame tree and follow the window's answer. */
#include <jansson.h>
#include <string.h>

#include "common/base.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"

void page_security_enable(struct browser *b, const char *session, bool is_page)
{
    if (!is_page)
        return;
    struct page *p = page_by_session(b, session);
    if (p && p->is_tls_accepting) /* a popup of a page that goes on past certificate errors */
        cdp_send_ignored(b->cdp, session, "Security.setIgnoreCertificateErrors", json_pack("{s:b}", "ignore", 1));
}

int page_tls_errors_accept(struct page *p, bool accept, struct err *e)
{
    if (accept == p->is_tls_accepting)
        return 0; /* a new page stops at certificate errors: nothing to tell it */
    p->is_tls_accepting = accept;
    /* answered before it returns, so the next navigation of the current window is covered */
    int rc = page_call(p, "Security.setIgnoreCertificateErrors", json_pack("{s:b}", "ignore", accept), 0, NULL, e);
    for (size_t k = 0; rc == 0 && k < p->popup_sessions_len; k++)
        if (strcmp(p->popup_sessions[k].session_id, p->session_id) != 0)
            cdp_send_ignored(p->b->cdp, p->popup_sessions[k].session_id, "Security.setIgnoreCertificateErrors",
                             json_pack("{s:b}", "ignore", accept));
    if (rc != 0)
        err_prefix(e, accept ? "cannot let the page go on past certificate errors"
                             : "cannot make the page stop at certificate errors");
    return rc;
}

bool page_tls_errors_are_accepted(const struct page *p)
{
    return p->is_tls_accepting;
}
