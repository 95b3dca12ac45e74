/* Dragging like a person (driver/page_drag.h): the path, then the mouse events that play it. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "driver/page.h"
#include "driver/page_drag.h"
#include "driver/page_internal.h"

/* Each mouse event's own deadline: the renderer answers one at once unless it is stuck. */
#define DRAG_CALL_MS 5000

/* splitmix64: small, good enough to make a path look unplanned, and the same for the same seed */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_range(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng_next(s) >> 11) / 9007199254740992.0; /* 2^53 */
}

static double ease_out_cubic(double u)
{
    double v = 1 - u;
    return 1 - v * v * v;
}

static double ease_in_out(double u)
{
    return u < 0.5 ? 2 * u * u : 1 - 2 * (1 - u) * (1 - u);
}

struct path {
    struct page_drag_point *pts;
    size_t n, cap;
};

static void path_add(struct path *pa, double dx, double dy, int t_ms)
{
    if (pa->n == pa->cap) {
        pa->cap = pa->cap ? pa->cap * 2 : 64;
        pa->pts = xrealloc(pa->pts, pa->cap * sizeof *pa->pts);
    }
    pa->pts[pa->n++] = (struct page_drag_point){dx, dy, t_ms};
}

struct page_drag_point *page_drag_path_make(double distance_px, uint64_t seed, size_t *n)
{
    uint64_t s = seed;
    double dir = distance_px < 0 ? -1 : 1, dist = fabs(distance_px);
    int total_ms = (int)rng_range(&s, 650, 1350);
    double over = dist >= 10 ? rng_range(&s, 3, PAGE_DRAG_MAX_OVERSHOOT_PX) : 0;
    int out_ms = over > 0 ? (int)(total_ms * rng_range(&s, 0.78, 0.86)) : total_ms;
    /* y: a slow wave of at least half a period (so it spans more than a pixel), starting at the press */
    double amp = rng_range(&s, 1.2, 1.45), cycles = rng_range(&s, 0.5, 1.0), phase = rng_range(&s, 0, 6.283185307);
    struct path pa = {0};
    int t = 0;
    double y = 0;
    for (int leg = 0; leg < 2; leg++) {
        int leg_start = t, leg_end = leg == 0 ? out_ms : total_ms;
        while (t < leg_end) {
            t += (int)rng_range(&s, 12, 23);
            if (t > leg_end)
                t = leg_end;
            double u = (double)(t - leg_start) / (leg_end - leg_start);
            double x = leg == 0 ? (dist + over) * ease_out_cubic(u) : dist + over - over * ease_in_out(u);
            double w = 2 * 3.141592653589793 * cycles * t / total_ms;
            y = amp * (sin(w + phase) - sin(phase)) + rng_range(&s, -0.1, 0.1);
            if (y > PAGE_DRAG_MAX_JITTER_PX)
                y = PAGE_DRAG_MAX_JITTER_PX;
            if (y < -PAGE_DRAG_MAX_JITTER_PX)
                y = -PAGE_DRAG_MAX_JITTER_PX;
            path_add(&pa, dir * x, y, t);
        }
    }
    /* the hand comes to rest exactly on the target */
    pa.pts[pa.n - 1].dx = dir * dist;
    *n = pa.n;
    return pa.pts;
}

static int mouse(struct page *p, const char *type, double x, double y, int buttons, struct err *e)
{
    json_t *params = json_pack("{s:s, s:f, s:f, s:s, s:i, s:i}", "type", type, "x", x, "y", y, "button",
                               buttons || strcmp(type, "mouseMoved") != 0 ? "left" : "none", "buttons", buttons,
                               "clickCount", strcmp(type, "mouseMoved") == 0 ? 0 : 1);
    return page_call(p, "Input.dispatchMouseEvent", params, DRAG_CALL_MS, NULL, e);
}

int page_drag(struct page *p, const char *selector, double distance_px, uint64_t seed, int timeout_ms, struct err *e)
{
    double cx = 0, cy = 0;
    int rc = page_press_point_wait(p, selector, timeout_ms, &cx, &cy, e);
    if (rc != 0)
        return rc;
    size_t n = 0;
    struct page_drag_point *path = page_drag_path_make(distance_px, seed, &n);
    log_debug("page", "drag '%s' by %.1f px: %zu moves over %d ms", selector, distance_px, n, path[n - 1].t_ms);
    bool pressed = false;
    if ((rc = mouse(p, "mouseMoved", cx, cy, 0, e)) != 0)
        goto out;
    page_sleep(p, 60);
    if ((rc = mouse(p, "mousePressed", cx, cy, 1, e)) != 0)
        goto out;
    pressed = true;
    int64_t t0 = clock_mono_ms();
    for (size_t i = 0; i < n; i++) {
        int64_t wait = t0 + path[i].t_ms - clock_mono_ms();
        if (wait > 0)
            page_sleep(p, (int)wait);
        if ((rc = mouse(p, "mouseMoved", cx + path[i].dx, cy + path[i].dy, 1, e)) != 0)
            goto out;
    }
    page_sleep(p, 40);
    rc = mouse(p, "mouseReleased", cx + path[n - 1].dx, cy + path[n - 1].dy, 0, e);
    pressed = rc != 0;
out:
    if (pressed && rc != 0) /* never leave the button down: the page would go on dragging */
        mouse(p, "mouseReleased", cx + path[n - 1].dx, cy + path[n - 1].dy, 0, NULL);
    free(path);
    return rc;
}
