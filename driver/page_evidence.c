#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/browser_internal.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"
#include "driver/png.h"

#define EVIDENCE_TIMEOUT_MS 120000
/* One screenshot slice: Chrome answers in well under a second for a page it is drawing; a page it is not
 * drawing (a tab in the background, a renderer blocked by a script) never answers, so the limit is short
 * and, once passed, the page is brought to the front and asked once more before the capture fails. */
#define SHOT_TIMEOUT_MS 20000
#define SHOT_RETRY_TIMEOUT_MS 10000
/* Taller pages are captured in slices of this many px, each decoded row by row into one PNG writer and
 * freed before the next is taken: a slice of noise is a few MB of PNG (and its base64 in the reply), so
 * memory stays bounded whatever the page's height. (Chrome also repeats or cuts off captures past 16,000 px.) */
#define SHOT_SLICE_PX 2000
#define SHOT_DEFAULT_MAX_PX 60000
/* A page wider than this (an element a million pixels wide, a hostile page) is clipped at its left
 * part: Chrome cannot capture it whole, and a letter's page that needs more than 4,000 CSS px across
 * does not exist. */
#define SHOT_MAX_WIDTH_PX 4000

static int evidence_fonts_ready(struct page *p, struct err *e)
{
    json_t *v = NULL;
    int rc = page_frame_eval(p, "document.fonts.ready.then(() => true)", true, 10000, &v, e);
    json_decref(v);
    return rc;
}

/* One Page.captureScreenshot of a clip (CSS px, document coordinates); *png is the caller's. The reply
 * (the PNG's base64, a third bigger) is released as soon as it is decoded. */
static int evidence_shot(struct page *p, double x, double y, double w, double h, bool beyond, bool fast,
                         unsigned char **png, size_t *len, struct err *e)
{
    json_t *res = NULL;
    json_t *params = json_pack("{s:s, s:b, s:b, s:b, s:{s:f, s:f, s:f, s:f, s:f}}", "format", "png",
                               "captureBeyondViewport", beyond, "optimizeForSpeed", fast, "fromSurface", 1, "clip",
                               "x", x, "y", y, "width", w, "height", h, "scale", 1.0);
    /* each attempt has its own error: the first one's would stand (first error wins) even when the
     * second succeeded, and would hide what the second met */
    struct err first, again;
    err_init(&first);
    err_init(&again);
    int rc = page_call(p, "Page.captureScreenshot", json_incref(params), SHOT_TIMEOUT_MS, &res, &first);
    if (rc == ERR_TIMEOUT && !page_budget_is_spent(p)) {
        log_warn("page", "Page.captureScreenshot did not answer within %d ms: bringing the page to the front",
                 SHOT_TIMEOUT_MS);
        if ((rc = page_front_bring(p, &again)) == 0)
            rc = page_call(p, "Page.captureScreenshot", json_incref(params), SHOT_RETRY_TIMEOUT_MS, &res, &again);
        if (rc == ERR_TIMEOUT && !page_budget_is_spent(p))
            rc = err_set(e, ERR_TIMEOUT,
                         "Page.captureScreenshot did not answer within %d ms, nor within %d ms once the page was "
                         "brought to the front: the page is not being drawn (its renderer is busy or stuck)",
                         SHOT_TIMEOUT_MS, SHOT_RETRY_TIMEOUT_MS);
        else if (rc != 0)
            rc = err_set(e, again.code, "%s", again.msg);
    } else if (rc != 0) {
        rc = err_set(e, first.code, "%s", first.msg);
    }
    json_decref(params);
    if (rc != 0)
        goto out;
    json_t *data = json_object_get(res, "data");
    if (!json_is_string(data) ||
        base64_decode(json_string_value(data), json_string_length(data), png, len) != 0)
        rc = err_set(e, ERR_BROWSER, "Page.captureScreenshot: no PNG data in the answer");
out:
    json_decref(res);
    return rc;
}

/* The top document's scroll offset, read and set through the page's own session (the current frame may
 * be an iframe a scenario entered). A full-page capture is taken scrolled to the top: Chrome draws a
 * `position: fixed` element where the viewport is, so a page left scrolled to y=3000 (a list searched,
 * a button clicked into view) would have its fixed header painted over the content at y=3000 and its
 * top left bare. Playwright and Puppeteer capture from the document's origin the same way; huixin
 * then puts the offset back, so the page the MHTML and the text are taken from is as the visit left it. */
static int evidence_scroll(struct page *p, double x, double y, double *old_x, double *old_y, struct err *e)
{
    json_t *res = NULL;
    char expr[200];
    snprintf(expr, sizeof expr,
             "(() => { const at = [window.scrollX, window.scrollY]; "
             "window.scrollTo({left: %.0f, top: %.0f, behavior: 'instant'}); return at; })()",
             x, y);
    int rc = page_call(p, "Runtime.evaluate", json_pack("{s:s, s:b}", "expression", expr, "returnByValue", 1), 0,
                       &res, e);
    if (rc != 0)
        goto out;
    json_t *at = json_object_get(json_object_get(res, "result"), "value");
    if (json_object_get(res, "exceptionDetails") || !json_is_array(at) || json_array_size(at) != 2) {
        rc = err_set(e, ERR_BROWSER, "scroll to %.0f,%.0f: the page answered no offset, expected [x, y]", x, y);
        goto out;
    }
    if (old_x)
        *old_x = json_number_value(json_array_get(at, 0));
    if (old_y)
        *old_y = json_number_value(json_array_get(at, 1));
out:
    json_decref(res);
    return rc;
}

static int evidence_write(const char *path, const void *data, size_t len, struct err *e)
{
    if (!path)
        return 0;
    return file_write_atomic(path, data, len, e);
}

/* A file written as it is made, atomically like file_write_atomic: into PATH.tmp.PID, renamed over path
 * only once whole and synced. path NULL: the bytes go nowhere. */
struct evidence_file {
    const char *path;
    char *tmp;
    int fd;
};

static int evidence_file_open(struct evidence_file *f, const char *path, struct err *e)
{
    f->path = path;
    f->tmp = NULL;
    f->fd = -1;
    if (!path)
        return 0;
    f->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    /* a new file, never a link planted under its name (O_EXCL does not follow one); the rename
     * replaces a link at path instead of writing through it */
    unlink(f->tmp);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f->fd < 0)
        return err_set(e, ERR_IO, "cannot create '%s': %s", f->tmp, strerror(errno));
    return 0;
}

static int evidence_file_sink(const void *data, size_t len, void *user, struct err *e)
{
    struct evidence_file *f = user;
    const char *at = data;
    while (f->fd >= 0 && len > 0) {
        ssize_t n = write(f->fd, at, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(e, ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
        at += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Whole: sync, close, rename over path. Not whole (commit false, or a failure): the temporary goes. */
static int evidence_file_close(struct evidence_file *f, bool commit, struct err *e)
{
    int rc = 0;
    if (f->fd >= 0) {
        if (commit && fsync(f->fd) != 0)
            rc = err_set(e, ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
        if (close(f->fd) != 0 && commit && rc == 0)
            rc = err_set(e, ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
        f->fd = -1;
        if (commit && rc == 0 && rename(f->tmp, f->path) != 0)
            rc = err_set(e, ERR_IO, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(errno));
        if (!commit || rc != 0)
            unlink(f->tmp);
    }
    free(f->tmp);
    f->tmp = NULL;
    return rc;
}

struct evidence_stream {
    struct png_writer *w; /* opened by the first row: its width and channels decide the image's */
    struct evidence_file *file;
    int width, height;    /* of the whole image */
    struct err *e;
};

static int evidence_stream_row(int y, const unsigned char *pixels, int width, int channels, void *user)
{
    (void)y;
    struct evidence_stream *s = user;
    if (!s->w) {
        int rc = png_writer_new(width, s->height, channels, evidence_file_sink, s->file, &s->w, s->e);
        if (rc != 0)
            return rc;
        s->width = width;
    }
    return png_writer_row(s->w, pixels, channels, s->e);
}

void page_shots_fast_set(struct page *p)
{
    p->is_shot_fast = true;
}

int page_screenshot_full(struct page *p, const char *path, int max_height_px, struct page_shot_info *info,
                         struct err *e)
{
    int rc = 0;
    json_t *m = NULL;
    unsigned char *slice = NULL;
    size_t slice_len = 0;
    struct evidence_file file = {NULL, NULL, -1};
    struct evidence_stream s = {NULL, &file, 0, 0, e};
    struct page_shot_info local;
    double scroll_x = 0, scroll_y = 0;
    bool is_scrolled = false; /* the page was moved to its top and must be put back */
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (max_height_px <= 0)
        max_height_px = SHOT_DEFAULT_MAX_PX;
    /* a tab in the background (the scenario's window opened another) is not drawn: it cannot be captured */
    if ((rc = page_front_bring(p, e)) != 0)
        goto out;
    if ((rc = evidence_fonts_ready(p, e)) != 0)
        goto out;
    if ((rc = evidence_scroll(p, 0, 0, &scroll_x, &scroll_y, e)) != 0)
        goto out;
    is_scrolled = scroll_x != 0 || scroll_y != 0;
    if ((rc = page_call(p, "Page.getLayoutMetrics", NULL, 0, &m, e)) != 0)
        goto out;
    json_t *size = json_object_get(m, "cssContentSize");
    json_t *view = json_object_get(m, "cssLayoutViewport");
    int width = (int)ceil(json_number_value(json_object_get(size, "width")));
    int height = (int)ceil(json_number_value(json_object_get(size, "height")));
    int view_w = (int)json_integer_value(json_object_get(view, "clientWidth"));
    json_decref(m);
    m = NULL;
    if (width < view_w)
        width = view_w;
    if (width < 1)
        width = p->b->width;
    if (height < 1)
        height = 1;
    info->page_height_px = height;
    info->page_width_px = width;
    if (width > SHOT_MAX_WIDTH_PX) {
        info->is_width_clipped = true;
        log_warn("page", "page is %d px wide: the screenshot shows its first %d px", width, SHOT_MAX_WIDTH_PX);
        width = SHOT_MAX_WIDTH_PX;
    }
    if (height > max_height_px) {
        info->is_truncated = true;
        log_warn("page", "page is %d px tall: the screenshot stops at %d px", height, max_height_px);
        height = max_height_px;
    }
    if (height <= SHOT_SLICE_PX) { /* one slice: Chrome's own PNG is the file */
        if ((rc = evidence_shot(p, 0, 0, width, height, true, p->is_shot_fast, &slice, &slice_len, e)) != 0)
            goto out;
        int sw = 0, sh = 0;
        if (png_size_read(slice, slice_len, &sw, &sh) != 0 || sh != height) {
            rc = err_set(e, ERR_BROWSER, "screenshot slice %d at y=%d is %d px tall, expected %d", 0, 0, sh, height);
            goto out;
        }
        if ((rc = evidence_write(path, slice, slice_len, e)) != 0)
            goto out;
        info->width_px = sw;
        info->height_px = sh;
        goto out;
    }
    s.height = height;
    if ((rc = evidence_file_open(&file, path, e)) != 0)
        goto out;
    for (int n = 0, y = 0; y < height; n++, y += SHOT_SLICE_PX) {
        int h = height - y < SHOT_SLICE_PX ? height - y : SHOT_SLICE_PX;
        if ((rc = evidence_shot(p, 0, y, width, h, true, p->is_shot_fast, &slice, &slice_len, e)) != 0)
            goto out;
        int sw = 0, sh = 0;
        if (png_size_read(slice, slice_len, &sw, &sh) != 0 || sh != h) {
            rc = err_set(e, ERR_BROWSER, "screenshot slice %d at y=%d is %d px tall, expected %d", n, y, sh, h);
            goto out;
        }
        if (s.w && sw != s.width) {
            rc = err_set(e, ERR_BROWSER, "screenshot slice %d at y=%d is %d px wide, expected %d", n, y, sw, s.width);
            goto out;
        }
        if ((rc = png_rows_walk(slice, slice_len, evidence_stream_row, &s, e)) != 0) {
            err_prefix(e, "screenshot slice %d at y=%d", n, y);
            goto out;
        }
        free(slice);
        slice = NULL;
    }
    if (!s.w) {
        rc = err_set(e, ERR_INTERNAL, "no rows in %d px of slices", height);
        goto out;
    }
    if ((rc = png_writer_finish(s.w, e)) != 0)
        goto out;
    if ((rc = evidence_file_close(&file, true, e)) != 0)
        goto out;
    info->width_px = s.width;
    info->height_px = height;
out:
    if (is_scrolled) {
        struct err back;
        err_init(&back);
        if (evidence_scroll(p, scroll_x, scroll_y, NULL, NULL, &back) != 0)
            log_warn("page", "after the screenshot, the page could not be scrolled back to %.0f,%.0f: %s", scroll_x,
                     scroll_y, back.msg);
    }
    if (rc != 0)
        err_prefix(e, "full-page screenshot");
    evidence_file_close(&file, false, NULL);
    png_writer_free(s.w);
    free(slice);
    json_decref(m);
    return rc;
}

int page_screenshot_element(struct page *p, const char *selector, const char *path, unsigned char **png_out,
                            size_t *png_len, struct err *e)
{
    char *obj = NULL;
    json_t *box = NULL;
    unsigned char *png = NULL;
    size_t len = 0;
    double ox = 0, oy = 0;
    if (png_out)
        *png_out = NULL;
    if (png_len)
        *png_len = 0;
    int rc = page_element_wait(p, selector, true, 0, &obj, e);
    if (rc != 0)
        goto out;
    if ((rc = evidence_fonts_ready(p, e)) != 0)
        goto out;
    /* wait for an image to have loaded, then measure in the viewport */
    if ((rc = page_object_call(p, obj,
                               "async function(){this.scrollIntoView({block:'center',inline:'center'});"
                               "if(this.tagName==='IMG'&&!this.complete)await new Promise(r=>{this.onload=r;"
                               "this.onerror=r;setTimeout(r,5000);});"
                               "const r=this.getBoundingClientRect();return {x:r.left,y:r.top,w:r.width,h:r.height};}",
                               NULL, &box, e)) != 0)
        goto out;
    if ((rc = page_frame_offset(p, &ox, &oy, e)) != 0)
        goto out;
    json_t *m = NULL;
    if ((rc = page_call(p, "Page.getLayoutMetrics", NULL, 0, &m, e)) != 0)
        goto out;
    json_t *vv = json_object_get(m, "cssVisualViewport");
    double px = json_number_value(json_object_get(vv, "pageX")), py = json_number_value(json_object_get(vv, "pageY"));
    json_decref(m);
    double w = json_number_value(json_object_get(box, "w")), h = json_number_value(json_object_get(box, "h"));
    if (w < 1 || h < 1) {
        rc = err_set(e, ERR_SITE, "element '%s' has no size on the page", selector);
        goto out;
    }
    if ((rc = evidence_shot(p, px + ox + json_number_value(json_object_get(box, "x")),
                            py + oy + json_number_value(json_object_get(box, "y")), w, h, false, false, &png, &len, e)) != 0)
        goto out;
    if ((rc = evidence_write(path, png, len, e)) != 0)
        goto out;
    if (png_out) {
        *png_out = png;
        png = NULL;
    }
    if (png_len)
        *png_len = len;
out:
    if (rc != 0)
        err_prefix(e, "screenshot of '%s'", selector);
    free(png);
    json_decref(box);
    page_object_release(p, obj);
    free(obj);
    return rc;
}

int page_mhtml_save(struct page *p, const char *path, struct err *e)
{
    json_t *res = NULL;
    int rc = page_call(p, "Page.captureSnapshot", json_pack("{s:s}", "format", "mhtml"), EVIDENCE_TIMEOUT_MS, &res,
                       e);
    if (rc == 0) {
        const char *data = json_string_value(json_object_get(res, "data"));
        if (!data)
            rc = err_set(e, ERR_BROWSER, "Page.captureSnapshot: no data in the answer");
        else
            rc = evidence_write(path, data, json_string_length(json_object_get(res, "data")), e);
    }
    if (rc != 0)
        err_prefix(e, "MHTML snapshot");
    json_decref(res);
    return rc;
}

int page_pdf_save(struct page *p, const char *path, struct err *e)
{
    json_t *res = NULL;
    struct buf pdf;
    buf_init(&pdf);
    char *stream = NULL;
    int rc = page_call(p, "Page.printToPDF",
                       /* preferCSSPageSize: a page's @page {size: A4} decides, as Chinese notices use A4 */
                       json_pack("{s:s, s:b, s:b}", "transferMode", "ReturnAsStream", "printBackground", 1,
                                 "preferCSSPageSize", 1),
                       EVIDENCE_TIMEOUT_MS, &res, e);
    if (rc != 0)
        goto out;
    stream = xstrdup(json_string_value(json_object_get(res, "stream")));
    if (!stream) {
        rc = err_set(e, ERR_BROWSER, "Page.printToPDF: no stream in the answer");
        goto out;
    }
    for (;;) {
        json_decref(res);
        res = NULL;
        if ((rc = page_call(p, "IO.read", json_pack("{s:s, s:i}", "handle", stream, "size", 1 << 20),
                            EVIDENCE_TIMEOUT_MS, &res, e)) != 0)
            goto out;
        const char *data = json_string_value(json_object_get(res, "data"));
        size_t data_len = json_string_length(json_object_get(res, "data"));
        if (data && json_is_true(json_object_get(res, "base64Encoded"))) {
            unsigned char *bytes;
            size_t n;
            if (base64_decode(data, data_len, &bytes, &n) != 0) {
                rc = err_set(e, ERR_BROWSER, "IO.read: the data is not base64");
                goto out;
            }
            buf_append(&pdf, bytes, n);
            free(bytes);
        } else if (data) {
            buf_append(&pdf, data, data_len);
        }
        if (json_is_true(json_object_get(res, "eof")))
            break;
    }
    rc = evidence_write(path, pdf.data ? pdf.data : "", pdf.len, e);
out:
    if (stream && page_check_alive(p, NULL) == 0)
        cdp_send_ignored(p->b->cdp, p->session_id, "IO.close", json_pack("{s:s}", "handle", stream));
    if (rc != 0)
        err_prefix(e, "PDF");
    free(stream);
    json_decref(res);
    buf_release(&pdf);
    return rc;
}
