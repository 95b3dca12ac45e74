#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/cdp.h"
#include "driver/page.h"
#include "driver/page_internal.h"
#include "driver/png.h"

#define EVIDENCE_TIMEOUT_MS 120000
#define SHOT_SLICE_LIMIT_PX 16000  /* taller captures repeat or cut off */
#define SHOT_SLICE_PX 8000
#define SHOT_DEFAULT_MAX_PX 60000

static int evidence_fonts_ready(struct page *p, struct err *e)
{
    json_t *v = NULL;
    int rc = page_frame_eval(p, "document.fonts.ready.then(() => true)", true, 10000, &v, e);
    json_decref(v);
    return rc;
}

/* One Page.captureScreenshot of a clip (CSS px, document coordinates); *png is the caller's. */
static int evidence_shot(struct page *p, double x, double y, double w, double h, bool beyond, unsigned char **png,
                         size_t *len, struct err *e)
{
    json_t *res = NULL;
    json_t *params = json_pack("{s:s, s:b, s:b, s:{s:f, s:f, s:f, s:f, s:f}}", "format", "png",
                               "captureBeyondViewport", beyond, "fromSurface", 1, "clip", "x", x, "y", y, "width", w,
                               "height", h, "scale", 1.0);
    int rc = page_call(p, "Page.captureScreenshot", params, EVIDENCE_TIMEOUT_MS, &res, e);
    if (rc != 0)
        goto out;
    const char *data = json_string_value(json_object_get(res, "data"));
    if (!data || base64_decode(data, strlen(data), png, len) != 0)
        rc = err_set(e, ERR_BROWSER, "Page.captureScreenshot: no PNG data in the answer");
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

int page_screenshot_full(struct page *p, const char *path, int max_height_px, struct page_shot_info *info,
                         struct err *e)
{
    int rc = 0;
    json_t *m = NULL;
    unsigned char **slices = NULL, *joined = NULL;
    size_t *lens = NULL, n = 0, joined_len = 0;
    struct page_shot_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (max_height_px <= 0)
        max_height_px = SHOT_DEFAULT_MAX_PX;
    if ((rc = evidence_fonts_ready(p, e)) != 0)
        goto out;
    if ((rc = page_call(p, "Page.getLayoutMetrics", NULL, 0, &m, e)) != 0)
        goto out;
    json_t *size = json_object_get(m, "cssContentSize");
    json_t *view = json_object_get(m, "cssLayoutViewport");
    int width = (int)ceil(json_number_value(json_object_get(size, "width")));
    int height = (int)ceil(json_number_value(json_object_get(size, "height")));
    int view_w = (int)json_integer_value(json_object_get(view, "clientWidth"));
    if (width < view_w)
        width = view_w;
    if (width < 1)
        width = p->b->width;
    if (height < 1)
        height = 1;
    info->page_height_px = height;
    if (height > max_height_px) {
        info->is_truncated = true;
        log_warn("page", "page is %d px tall: the screenshot stops at %d px", height, max_height_px);
        height = max_height_px;
    }
    size_t count = height <= SHOT_SLICE_LIMIT_PX ? 1 : (size_t)((height + SHOT_SLICE_PX - 1) / SHOT_SLICE_PX);
    int slice_h = count == 1 ? height : SHOT_SLICE_PX;
    slices = xcalloc(count, sizeof *slices);
    lens = xcalloc(count, sizeof *lens);
    for (n = 0; n < count; n++) {
        int y = (int)n * slice_h;
        int h = height - y < slice_h ? height - y : slice_h;
        if ((rc = evidence_shot(p, 0, y, width, h, true, &slices[n], &lens[n], e)) != 0) {
            n++;
            goto out;
        }
        int sw, sh;
        if (png_size_read(slices[n], lens[n], &sw, &sh) != 0 || sh != h) {
            rc = err_set(e, ERR_BROWSER, "screenshot slice %zu at y=%d is %d px tall, expected %d", n, y, sh, h);
            n++;
            goto out;
        }
    }
    if (count == 1) {
        rc = evidence_write(path, slices[0], lens[0], e);
        png_size_read(slices[0], lens[0], &info->width_px, &info->height_px);
    } else {
        if ((rc = png_join((const unsigned char *const *)slices, lens, count, &joined, &joined_len, e)) != 0)
            goto out;
        rc = evidence_write(path, joined, joined_len, e);
        png_size_read(joined, joined_len, &info->width_px, &info->height_px);
    }
out:
    if (rc != 0)
        err_prefix(e, "full-page screenshot");
    for (size_t i = 0; i < n; i++)
        free(slices[i]);
    free(slices);
    free(lens);
    free(joined);
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
                            py + oy + json_number_value(json_object_get(box, "y")), w, h, false, &png, &len, e)) != 0)
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
