/* driver/page_drag: the human-like drag path. Every seed of a range is held to the bounds the header
 * promises (one way then back, the overshoot, the time, the y wobble, the resting point), and the
 * things a slider's trace check looks for (many moves, not one y, not one speed) are checked too. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/base.h"
#include "driver/page_drag.h"
#include "tests/unit/runner.h"

static const double distances[] = {137, 42.5, 250, 12, 5, 0, -80};

/* x goes one way up to its furthest point, then back only; returns the furthest |dx| */
static double check_shape(const struct page_drag_point *pts, size_t n, double distance)
{
    double dir = distance < 0 ? -1 : 1, far = 0;
    size_t peak = 0;
    for (size_t i = 0; i < n; i++)
        if (dir * pts[i].dx > far)
            far = dir * pts[i].dx, peak = i;
    for (size_t i = 1; i < n; i++) {
        double step = dir * (pts[i].dx - pts[i - 1].dx);
        if (i <= peak)
            CHECK(step >= 0);
        else
            CHECK(step <= 0);
    }
    return far;
}

static void test_bounds_every_seed(void)
{
    for (size_t d = 0; d < ARRAY_LEN(distances); d++) {
        for (uint64_t seed = 1; seed <= 200; seed++) {
            double dist = distances[d];
            size_t n = 0;
            struct page_drag_point *pts = page_drag_path_make(dist, seed, &n);
            REQUIRE(pts && n >= 20);
            CHECK(fabs(pts[n - 1].dx - dist) < 1e-9);          /* it rests on the target */
            CHECK(pts[n - 1].t_ms >= PAGE_DRAG_MIN_MS);
            CHECK(pts[n - 1].t_ms <= PAGE_DRAG_MAX_MS);
            CHECK(pts[0].t_ms > 0);
            for (size_t i = 1; i < n; i++)
                CHECK(pts[i].t_ms > pts[i - 1].t_ms);
            double ymin = 0, ymax = 0;
            for (size_t i = 0; i < n; i++) {
                CHECK(fabs(pts[i].dy) <= PAGE_DRAG_MAX_JITTER_PX);
                ymin = pts[i].dy < ymin ? pts[i].dy : ymin;
                ymax = pts[i].dy > ymax ? pts[i].dy : ymax;
            }
            CHECK(ymax - ymin >= 1.0); /* spans more than a pixel: rounded, it is still not one line */
            double far = check_shape(pts, n, dist);
            double over = far - fabs(dist);
            if (fabs(dist) >= 10) {
                CHECK(over >= 2.0);
                CHECK(over <= PAGE_DRAG_MAX_OVERSHOOT_PX + 1e-9);
            } else {
                CHECK(over < 1e-9);
            }
            free(pts);
        }
    }
}

static void test_same_seed_same_path(void)
{
    size_t n1 = 0, n2 = 0, n3 = 0;
    struct page_drag_point *a = page_drag_path_make(137, 42, &n1);
    struct page_drag_point *b = page_drag_path_make(137, 42, &n2);
    struct page_drag_point *c = page_drag_path_make(137, 43, &n3);
    CHECK_INT(n1, n2);
    bool same = n1 == n2, differs = n1 != n3;
    for (size_t i = 0; i < n1 && i < n2; i++)
        same = same && a[i].dx == b[i].dx && a[i].dy == b[i].dy && a[i].t_ms == b[i].t_ms;
    for (size_t i = 0; i < n1 && i < n3; i++)
        differs = differs || a[i].dx != c[i].dx || a[i].dy != c[i].dy || a[i].t_ms != c[i].t_ms;
    CHECK(same);
    CHECK(differs);
    free(a);
    free(b);
    free(c);
}

/* ease-out: the first quarter of the time covers far more ground than the last quarter of the way out */
static void test_fast_then_slow(void)
{
    for (uint64_t seed = 1; seed <= 50; seed++) {
        size_t n = 0;
        struct page_drag_point *pts = page_drag_path_make(200, seed, &n);
        size_t peak = 0;
        for (size_t i = 0; i < n; i++)
            if (pts[i].dx > pts[peak].dx)
                peak = i;
        int t_peak = pts[peak].t_ms, q = t_peak / 4;
        double x_q1 = 0, x_q4 = 0;
        for (size_t i = 0; i <= peak; i++) {
            if (pts[i].t_ms <= q)
                x_q1 = pts[i].dx;
            if (pts[i].t_ms <= t_peak - q)
                x_q4 = pts[i].dx;
        }
        double early = x_q1 / q, late = (pts[peak].dx - x_q4) / q;
        CHECK(early > 4 * late);
        free(pts);
    }
}

static const struct test_case cases[] = {
    {"every path keeps its bounds (200 seeds, 7 distances)", test_bounds_every_seed},
    {"the same seed gives the same path, another seed another", test_same_seed_same_path},
    {"the drag starts fast and slows down (ease-out)", test_fast_then_slow},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
