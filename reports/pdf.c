/* The PDF report: the HTML report printed by Chromium. The HTML is written to a temporary file in the
 * PDF's own folder, so the relative evidence links (computed from that folder) resolve to the same
 * screenshots; it is opened through file:// and removed afterwards. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/page.h"
#include "reports/escape.h"
#include "reports/report.h"

/* The folder of a file path ("." for a bare name); caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static int temp_html_write(const char *dir, const char *html, size_t len, char **path_out, struct err *e)
{
    char *path = xasprintf("%s/.huixin-report-XXXXXX.html", dir);
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        int rc = err_set(e, ERR_IO, "cannot create a temporary file in '%s' for the PDF: %s", dir, strerror(errno));
        free(path);
        return rc;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, html + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int rc = err_set(e, ERR_IO, "cannot write '%s': %s", path, strerror(errno));
            close(fd);
            unlink(path);
            free(path);
            return rc;
        }
        done += (size_t)w;
    }
    close(fd);
    *path_out = path;
    return 0;
}

int rpt_pdf_save(const char *html, size_t html_len, const char *pdf_path, const struct rpt_pdf_options *o,
                 struct err *e)
{
    int timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : 60000;
    char *dir = dir_of(pdf_path);
    char *tmp = NULL;
    char *url = NULL;
    struct browser *b = NULL;
    struct page *p = NULL;
    int rc = temp_html_write(dir, html, html_len, &tmp, e);
    if (rc)
        goto out;
    char abs[PATH_MAX];
    if (!realpath(tmp, abs)) {
        rc = err_set(e, ERR_IO, "cannot resolve '%s': %s", tmp, strerror(errno));
        goto out;
    }
    struct buf u;
    buf_init(&u);
    buf_append_str(&u, "file://");
    rpt_url_path_encode(&u, abs);
    url = buf_detach(&u);

    struct browser_options bo = {
        .chromium_path = o ? o->chromium_path : NULL,
        .endpoint = o ? o->browser_endpoint : NULL,
        .timeout_ms = timeout_ms,
    };
    if ((rc = browser_open(&bo, &b, e)) || (rc = page_open(b, &p, e)) || (rc = page_goto(p, url, timeout_ms, e)) ||
        (rc = page_settle(p, 200, timeout_ms, e)) || (rc = page_pdf_save(p, pdf_path, e))) {
        err_prefix(e, "pdf report '%s'", pdf_path);
        goto out;
    }
out:
    page_close(p);
    browser_close(b);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(url);
    free(dir);
    return rc;
}
