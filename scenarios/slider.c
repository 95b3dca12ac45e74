/* A slider captcha: a picture with a gap, a piece that fits it, a handle that moves the piece. The
 * background and the piece are screenshot (kept in the evidence as captcha-NN.png and
 * captcha-NN-piece.png) and given to the run's solver (scenarios/captcha.c), which answers the gap's x:
 * how far from the background's left edge the piece's left edge belongs, in pixels of the background
 * picture it received. The handle is dragged like a person would (driver/page_drag.h) by that offset,
 * scaled to the size the background is drawn at, less where the piece starts; then the page's own
 * word decides: `solved` ends the step, `failed` (or neither within a few seconds) is a failed try,
 * and the next try starts on a refreshed slider. Nothing is sent here: a slider never solved fails
 * the step, before the final click, and the letter is not sent. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "driver/page_drag.h"
#include "driver/png.h"
#include "scenarios/step.h"

#define SLIDER_TRIES_DEFAULT 3
#define SLIDER_TRIES_MAX 10
/* How long the page may take to say whether a drag worked. */
#define SLIDER_VERDICT_MS 5000
#define SLIDER_POLL_MS 100

void scn_slider_parse(struct scn_ld *l, json_t *v, const char *vpath, struct scn_step *s)
{
    static const char *const keys[] = {"kind", "background", "piece", "handle", "track", "solved", "failed",
                                       "refresh", "tries", NULL};
    scn_ld_check_keys(l, v, vpath, keys, NULL);
    struct scn_slider *sl = xcalloc(1, sizeof *sl);
    s->slider = sl;
    sl->background = scn_ld_get_str(l, v, vpath, "background", true, true);
    s->target = sl->background ? xstrdup(sl->background) : NULL;
    sl->piece = scn_ld_get_str(l, v, vpath, "piece", true, true);
    sl->handle = scn_ld_get_str(l, v, vpath, "handle", true, true);
    sl->track = scn_ld_get_str(l, v, vpath, "track", false, true);
    sl->tries = scn_ld_get_int(l, v, vpath, "tries", 1, SLIDER_TRIES_MAX, SLIDER_TRIES_DEFAULT);
    static const char *const no_extra[] = {NULL};
    json_t *solved = json_object_get(v, "solved");
    char *p = scn_ld_path_of(vpath, "solved");
    if (!solved)
        scn_ld_error(l, vpath, false, "a slider needs 'solved': what the page shows once the piece fits (a MATCH: "
                     "text, selector, within)");
    else if (!json_is_object(solved))
        scn_ld_error(l, p, false, "'solved' must be a MATCH object (text, selector, within), not %s",
                     scn_ld_type_name(solved));
    else
        scn_ld_parse_match(l, solved, p, SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_WITHIN, no_extra, &sl->solved);
    free(p);
    json_t *failed = json_object_get(v, "failed");
    p = scn_ld_path_of(vpath, "failed");
    if (failed && !json_is_object(failed))
        scn_ld_error(l, p, false, "'failed' must be a MATCH object (text, selector, within), not %s",
                     scn_ld_type_name(failed));
    else if (failed)
        scn_ld_parse_match(l, failed, p, SCN_MK_TEXT | SCN_MK_SELECTOR | SCN_MK_WITHIN, no_extra, &sl->failed);
    free(p);
}

void scn_slider_each_string(const struct scn_step *s, void (*fn)(const char *tmpl, void *user), void *user)
{
    fn(s->slider->piece, user);
    fn(s->slider->handle, user);
    fn(s->slider->track, user);
}

void scn_slider_free(struct scn_slider *sl)
{
    if (!sl)
        return;
    free(sl->background);
    free(sl->piece);
    free(sl->handle);
    free(sl->track);
    scn_match_release(&sl->solved);
    scn_match_release(&sl->failed);
    free(sl);
}

/* The slider's selectors, expanded for this run. */
struct slider_sel {
    char *piece, *handle, *track, *refresh;
};

static void slider_sel_release(struct slider_sel *ss)
{
    free(ss->piece);
    free(ss->handle);
    free(ss->track);
    free(ss->refresh);
}

static int slider_sel_expand(struct scn_exec *x, const struct scn_step *st, struct slider_sel *ss, struct err *e)
{
    int rc = 0;
    if ((rc = scn_vars_expand(&x->vars, st->slider->piece, &ss->piece, e)) < 0 ||
        (rc = scn_vars_expand(&x->vars, st->slider->handle, &ss->handle, e)) < 0)
        return rc;
    if (st->slider->track && (rc = scn_vars_expand(&x->vars, st->slider->track, &ss->track, e)) < 0)
        return rc;
    if (st->captcha_refresh && (rc = scn_vars_expand(&x->vars, st->captcha_refresh, &ss->refresh, e)) < 0)
        return rc;
    return 0;
}

/* Waits (up to 5 s) for the pictures to load: an image still loading screenshots blank. */
static int images_wait(struct scn_exec *x, const char *bg, const char *piece, struct err *e)
{
    char *qb = scn_js_quote(bg), *qp = scn_js_quote(piece);
    char *expr = xasprintf("(async () => { for (const s of [%s, %s]) { const im = document.querySelector(s);"
                           " if (!im || im.tagName !== 'IMG') continue;"
                           " for (let i = 0; i < 50 && !(im.complete && im.naturalWidth); i++)"
                           "   await new Promise(r => setTimeout(r, 100)); } return 1; })()", qb, qp);
    char *ignored = NULL;
    int rc = page_eval(x->p, expr, &ignored, e);
    free(ignored);
    free(expr);
    free(qb);
    free(qp);
    return rc;
}

/* Where things are drawn now, in CSS px of the viewport. */
struct slider_geometry {
    double bg_left, bg_width, piece_left;
    double room; /* how far the handle can go before the track's end; < 0: no track */
};

static int geometry_read(struct scn_exec *x, const char *bg, const struct slider_sel *ss, struct slider_geometry *g,
                         struct err *e)
{
    char *qb = scn_js_quote(bg), *qp = scn_js_quote(ss->piece), *qh = scn_js_quote(ss->handle);
    char *qt = ss->track ? scn_js_quote(ss->track) : xstrdup("null");
    char *expr = xasprintf("(() => { const q = s => s === null ? null : document.querySelector(s);"
                           " const b = q(%s), p = q(%s), h = q(%s), t = q(%s);"
                           " if (!b || !p || !h) return null;"
                           " const br = b.getBoundingClientRect(), pr = p.getBoundingClientRect(),"
                           "       hr = h.getBoundingClientRect(), tr = t ? t.getBoundingClientRect() : null;"
                           " return {bg_left: br.left, bg_width: br.width, piece_left: pr.left,"
                           "         room: tr ? tr.right - hr.right : -1}; })()",
                           qb, qp, qh, qt);
    json_t *v = NULL;
    int rc = scn_eval_json(x, expr, &v, e);
    if (rc == 0 && !json_is_object(v))
        rc = err_set(e, ERR_SITE, "the slider's background '%s', piece '%s' or handle '%s' is not on the page", bg,
                     ss->piece, ss->handle);
    if (rc == 0) {
        g->bg_left = json_number_value(json_object_get(v, "bg_left"));
        g->bg_width = json_number_value(json_object_get(v, "bg_width"));
        g->piece_left = json_number_value(json_object_get(v, "piece_left"));
        g->room = json_number_value(json_object_get(v, "room"));
        if (g->bg_width <= 0)
            rc = err_set(e, ERR_SITE, "the slider's background '%s' has no width", bg);
    }
    json_decref(v);
    free(expr);
    free(qb);
    free(qp);
    free(qh);
    free(qt);
    return rc;
}

/* The solver's answer as an x offset: a number from 0 to the picture's width. */
static bool offset_parse(const char *answer, int width, double *out)
{
    char *clean = scn_trim_dup(answer ? answer : ""), *end = NULL;
    double v = strtod(clean, &end);
    bool ok = end != clean && *end == '\0' && isfinite(v) && v >= 0 && v <= width;
    free(clean);
    *out = v;
    return ok;
}

/* 1 when the page says solved, 0 when it says failed or says nothing in time, <0 on a browser error. A
 * `failed` sign that was up before the drag (the last try's) is not this try's word. */
static int verdict_await(struct scn_exec *x, const struct scn_slider *sl, bool was_failed, int timeout_ms, char **why,
                         struct err *e)
{
    int64_t deadline = clock_mono_ms() + (timeout_ms < SLIDER_VERDICT_MS ? timeout_ms : SLIDER_VERDICT_MS);
    for (;;) {
        int rc = scn_match_eval(x, &sl->solved, why, e);
        if (rc != 0)
            return rc;
        if (!was_failed && !scn_match_is_empty(&sl->failed)) {
            if ((rc = scn_match_eval(x, &sl->failed, why, e)) < 0)
                return rc;
            if (rc == 1)
                return 0;
        }
        if (clock_mono_ms() >= deadline) {
            *why = xstrdup("the page showed neither solved nor failed");
            return 0;
        }
        scn_sleep_ms(SLIDER_POLL_MS);
    }
}

/* One try: pictures, solver, drag, the page's word. 1 solved, 0 not (*why says why), <0 an error that
 * ends the step (the browser, the solver). */
static int slider_try(struct scn_exec *x, const struct scn_step *st, const char *bg, const struct slider_sel *ss,
                      int try_no, int timeout_ms, char **why, struct err *e)
{
    const struct scn_slider *sl = st->slider;
    unsigned char *png = NULL, *piece_png = NULL;
    size_t len = 0, piece_len = 0;
    char *path = NULL, *piece_path = NULL, *answer = NULL;
    int rc = 0;
    if ((rc = page_wait(x->p, PAGE_COND_VISIBLE, bg, timeout_ms, e)) < 0 ||
        (rc = page_wait(x->p, PAGE_COND_VISIBLE, ss->handle, timeout_ms, e)) < 0 ||
        (rc = images_wait(x, bg, ss->piece, e)) < 0)
        goto out;
    if (x->o->evidence_dir) {
        if ((rc = file_mkdir_p(x->o->evidence_dir, 0755, e)) < 0)
            goto out;
        int n = ++x->shot_seq;
        path = xasprintf("%s/captcha-%02d.png", x->o->evidence_dir, n);
        piece_path = xasprintf("%s/captcha-%02d-piece.png", x->o->evidence_dir, n);
    }
    if ((rc = page_screenshot_element(x->p, bg, path, &png, &len, e)) < 0 ||
        (rc = page_screenshot_element(x->p, ss->piece, piece_path, &piece_png, &piece_len, e)) < 0)
        goto out;
    int png_w = 0, png_h = 0;
    if (png_size_read(png, len, &png_w, &png_h) != 0 || png_w <= 0) {
        rc = err_set(e, ERR_INTERNAL, "the slider's background screenshot is not a PNG");
        goto out;
    }
    struct scn_ask_request rq = {.kind = "slider",
                                 .prompt = "the x offset (pixels from the background's left edge) where the "
                                           "piece's left edge fits",
                                 .png = png, .png_len = len, .piece_png = piece_png, .piece_png_len = piece_len,
                                 .site = x->s->site.name};
    if ((rc = x->o->captcha->solve(&rq, &answer, x->o->captcha->user, e)) < 0) {
        err_prefix(e, "slider solver");
        goto out;
    }
    double offset = 0;
    if (!offset_parse(answer, png_w, &offset)) {
        char *clean = scn_trim_dup(answer ? answer : "");
        *why = xasprintf("the solver's answer '%.40s' is not an x offset from 0 to %d", clean, png_w);
        free(clean);
        goto out; /* a failed try: the next slider may suit the solver better */
    }
    /* the answer is in the picture's pixels; the page draws the background bg_width CSS px wide */
    struct slider_geometry g = {0};
    if ((rc = geometry_read(x, bg, ss, &g, e)) < 0)
        goto out;
    double scale = g.bg_width / png_w;
    double distance = offset * scale - (g.piece_left - g.bg_left);
    if (g.room >= 0 && distance > g.room) {
        log_info("scenario", "slider: %.1f px is past the track's end; dragging %.1f px", distance, g.room);
        distance = g.room;
    }
    log_info("scenario", "slider try %d of %d: the solver says x=%.1f (of %d px, drawn %.0f px wide); drag %.1f px",
             try_no, sl->tries, offset, png_w, g.bg_width, distance);
    char *stale = NULL;
    int was_failed = scn_match_is_empty(&sl->failed) ? 0 : scn_match_eval(x, &sl->failed, &stale, e);
    free(stale);
    if (was_failed < 0) {
        rc = was_failed;
        goto out;
    }
    uint64_t seed = (uint64_t)clock_mono_ms() * 2654435761u ^ (uint64_t)getpid() << 20 ^ (uint64_t)try_no;
    if ((rc = page_drag(x->p, ss->handle, distance, seed, timeout_ms, e)) < 0) {
        err_prefix(e, "slider drag");
        goto out;
    }
    rc = verdict_await(x, sl, was_failed == 1, timeout_ms, why, e);
out:
    free(answer);
    free(png);
    free(piece_png);
    free(path);
    free(piece_path);
    return rc;
}

/* A new slider for the next try: the refresh control if there is one, else the page's own reset (most
 * sliders draw a new picture after a failed drag); then a moment for the new pictures. */
static int slider_refresh(struct scn_exec *x, const struct slider_sel *ss, int timeout_ms, struct err *e)
{
    if (ss->refresh) {
        int rc = page_click(x->p, ss->refresh, timeout_ms, e);
        if (rc < 0) {
            err_prefix(e, "slider refresh");
            return rc;
        }
    }
    scn_sleep_ms(ss->refresh ? 300 : 1000);
    struct err ignored;
    err_init(&ignored);
    page_settle(x->p, 300, 5000, &ignored);
    return 0;
}

int scn_slider_exec(struct scn_exec *x, const struct scn_step *st, const char *background, int timeout_ms,
                    struct err *e)
{
    struct slider_sel ss = {0};
    char *why = NULL;
    int rc = slider_sel_expand(x, st, &ss, e);
    for (int t = 1; rc == 0 && t <= st->slider->tries; t++) {
        if (t > 1 && (rc = slider_refresh(x, &ss, timeout_ms, e)) < 0)
            break;
        free(why);
        why = NULL;
        rc = slider_try(x, st, background, &ss, t, timeout_ms, &why, e);
        if (rc == 1) {
            log_info("scenario", "slider solved on try %d", t);
            rc = 0;
            goto out;
        }
        if (rc == 0)
            log_info("scenario", "slider try %d of %d failed: %s", t, st->slider->tries, why ? why : "?");
    }
    if (rc == 0)
        rc = err_set(e, ERR_SITE, "slider captcha not solved in %d %s (last: %s)", st->slider->tries,
                     st->slider->tries == 1 ? "try" : "tries", why ? why : "?");
out:
    free(why);
    slider_sel_release(&ss);
    return rc;
}
