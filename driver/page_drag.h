/* Dragging like a person: a slider captcha's handle is pressed at its centre, moved along a path that
 * starts fast and slows down (ease-out), wobbles a little in y, overshoots the target by a few pixels
 * and comes back, then released. Sliders that check the pointer trace (enough moves, enough time, not
 * on one line, not at one speed) see a hand, not a script.
 *
 * The path is a pure function of its seed (page_drag_path_make), so tests can pin it
 * (tests/unit/test_drag.c); page_drag plays one on the page with real Input.dispatchMouseEvent calls,
 * each with its own deadline, sleeping between moves so the page sees the path's timing. */
#ifndef HUIXIN_PAGE_DRAG_H
#define HUIXIN_PAGE_DRAG_H

#include <stddef.h>
#include <stdint.h>

struct page;
struct err;

/* One mouse move, relative to the press: dx, dy in CSS px, t_ms after the press. */
struct page_drag_point {
    double dx, dy;
    int t_ms;
};

/* Bounds every path keeps (the unit test holds the generator to them). */
#define PAGE_DRAG_MIN_MS 500
#define PAGE_DRAG_MAX_MS 1500
#define PAGE_DRAG_MAX_JITTER_PX 3.0
#define PAGE_DRAG_MAX_OVERSHOOT_PX 8.0

/* A path from the press to distance_px along x (negative: to the left): *n points, the caller's to free.
 * The x steps go one way up to the overshoot (at most PAGE_DRAG_MAX_OVERSHOOT_PX past the target, none for a
 * distance under 10 px), then back; the last point is exactly (distance_px, its y); every |dy| is at most
 * PAGE_DRAG_MAX_JITTER_PX; t_ms grows and ends within [PAGE_DRAG_MIN_MS, PAGE_DRAG_MAX_MS]. The same seed
 * gives the same path. */
struct page_drag_point *page_drag_path_make(double distance_px, uint64_t seed, size_t *n);

/* Waits (within timeout_ms) until the element matching selector can take a click (driver/page_actionable.h:
 * visible, stable, enabled, not covered), presses the left button at its centre, moves along
 * page_drag_path_make(distance_px, seed) and releases. A failure half-way releases the button (best
 * effort) before it returns. */
int page_drag(struct page *p, const char *selector, double distance_px, uint64_t seed, int timeout_ms, struct err *e);

#endif
