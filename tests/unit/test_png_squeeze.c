/* driver/png_squeeze: screenshots made smaller on a background thread while the caller goes on, waited
 * for by png_squeezer_finish. Files are written here (a page-like image, as png_writer_new writes it),
 * squeezed, and read back pixel for pixel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "driver/png.h"
#include "driver/png_squeeze.h"
#include "tests/unit/runner.h"

static char dir[] = "/tmp/huixin-test-squeeze-XXXXXX";

static unsigned char page_pixel(int x, int y, int seed)
{
    bool is_text_line = (y % 24) >= 6 && (y % 24) < 18 && x > 40 && x < 600;
    return is_text_line && ((x * 7 + (y % 24) * 3 + seed) % 11) < 4 ? 30 : 255;
}

static int buf_sink(const void *data, size_t len, void *user, struct err *e)
{
    (void)e;
    buf_append(user, data, len);
    return 0;
}

/* A 640 x 480 RGB page-like PNG written to dir/name; its size. */
static size_t page_png_write(const char *name, int seed)
{
    struct buf b;
    buf_init(&b);
    struct err e;
    err_init(&e);
    struct png_writer *w = NULL;
    unsigned char row[640 * 3];
    REQUIRE(png_writer_new(640, 480, 3, buf_sink, &b, &w, &e) == 0);
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++)
            row[x * 3] = row[x * 3 + 1] = row[x * 3 + 2] = page_pixel(x, y, seed);
        REQUIRE(png_writer_row(w, row, 3, &e) == 0);
    }
    REQUIRE(png_writer_finish(w, &e) == 0);
    png_writer_free(w);
    char *path = xasprintf("%s/%s", dir, name);
    REQUIRE(file_write_atomic(path, b.data, b.len, &e) == 0);
    free(path);
    size_t len = b.len;
    buf_release(&b);
    return len;
}

struct pixels_check {
    int seed, wrong, rows;
};

static int pixels_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct pixels_check *c = user;
    c->rows++;
    for (int x = 0; x < width; x++)
        for (int k = 0; k < channels; k++)
            c->wrong += px[x * channels + k] != page_pixel(x, y, c->seed);
    return 0;
}

/* The file's size, and whether its pixels are the page of seed. */
static size_t file_pixels_check(const char *name, int seed, bool *is_same)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    struct err e;
    err_init(&e);
    REQUIRE(file_read_all(path, &data, &len, &e) == 0);
    struct pixels_check c = {seed, 0, 0};
    *is_same = png_rows_walk((const unsigned char *)data, len, pixels_row, &c, &e) == 0 && c.rows == 480 &&
               c.wrong == 0;
    free(data);
    free(path);
    return len;
}

static char *path_of(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

/* png_squeezer_finish of a squeezer whose files all squeeze without a warning: what was done. */
static struct png_squeeze_stats squeezer_finish_clean(struct png_squeezer *sq)
{
    struct png_squeeze_stats st = {0};
    char *warnings = NULL;
    png_squeezer_finish(sq, &st, &warnings);
    CHECK(warnings == NULL);
    free(warnings);
    return st;
}

static void test_files_given_are_squeezed_in_the_background_pixel_for_pixel(void)
{
    size_t before[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shot-%d.png", i);
        before[i] = page_png_write(name, i);
    }
    struct png_squeezer *sq = png_squeezer_new();
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shot-%d.png", i);
        char *p = path_of(name);
        png_squeezer_add(sq, p);
        png_squeezer_add(sq, p); /* given twice: done once */
        CHECK(png_squeezer_has(sq, p));
        free(p);
    }
    char *other = path_of("other.png");
    CHECK(!png_squeezer_has(sq, other));
    free(other);
    struct png_squeeze_stats st = squeezer_finish_clean(sq);
    CHECK_INT(st.files, 3);
    CHECK_INT(st.smaller, 3);
    CHECK(st.bytes_before == (int64_t)(before[0] + before[1] + before[2]));
    CHECK(st.bytes_after < st.bytes_before);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shot-%d.png", i);
        bool is_same = false;
        size_t after = file_pixels_check(name, i, &is_same);
        CHECK(is_same);
        CHECK(after < before[i]);
    }
    png_squeezer_free(sq);
}

/* A file byte for byte the same as the one squeezed just before it is written with that one's result
 * (the same bytes recompressing would give), counted as reused; the same picture again after another
 * one is recompressed afresh (only the last one is remembered). */
static void test_the_same_picture_twice_is_recompressed_once(void)
{
    size_t before = page_png_write("same-1.png", 7);
    CHECK(page_png_write("same-2.png", 7) == before);
    page_png_write("between.png", 8);
    page_png_write("same-3.png", 7);
    struct png_squeezer *sq = png_squeezer_new();
    const char *names[] = {"same-1.png", "same-2.png", "between.png", "same-3.png"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        char *p = path_of(names[i]);
        png_squeezer_add(sq, p);
        free(p);
    }
    struct png_squeeze_stats st = squeezer_finish_clean(sq);
    CHECK_INT(st.files, 4);
    CHECK_INT(st.smaller, 4);
    CHECK_INT(st.reused, 1);
    bool is_same = false;
    size_t after1 = file_pixels_check("same-1.png", 7, &is_same);
    CHECK(is_same && after1 < before);
    CHECK(file_pixels_check("same-2.png", 7, &is_same) == after1 && is_same);
    CHECK(file_pixels_check("same-3.png", 7, &is_same) == after1 && is_same);
    CHECK(file_pixels_check("between.png", 8, &is_same) > 0 && is_same);
    char *p1 = path_of("same-1.png"), *p2 = path_of("same-2.png"), *d1 = NULL, *d2 = NULL;
    size_t l1 = 0, l2 = 0;
    struct err e;
    err_init(&e);
    REQUIRE(file_read_all(p1, &d1, &l1, &e) == 0 && file_read_all(p2, &d2, &l2, &e) == 0);
    CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
    free(d1);
    free(d2);
    free(p1);
    free(p2);
    png_squeezer_free(sq);
}

/* A file that is no PNG stays as it was and is named in the warnings; one given after finish is done at
 * once, on the caller's thread; free without finish waits for the thread. */
static void test_a_bad_file_is_kept_and_named_and_late_files_are_done_at_once(void)
{
    char *bad = path_of("bad.png");
    struct err e;
    err_init(&e);
    REQUIRE(file_write_atomic(bad, "not a png at all", 16, &e) == 0);
    page_png_write("late.png", 7);
    struct png_squeezer *sq = png_squeezer_new();
    png_squeezer_add(sq, bad);
    struct png_squeeze_stats st = {0};
    char *warnings = NULL;
    png_squeezer_finish(sq, &st, &warnings);
    CHECK(warnings && strstr(warnings, bad) && strstr(warnings, "kept as captured"));
    CHECK_INT(st.smaller, 0);
    char *data = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(bad, &data, &len, &e) == 0);
    CHECK(len == 16 && memcmp(data, "not a png at all", 16) == 0);
    free(data);
    free(warnings);

    char *late = path_of("late.png");
    struct stat sb_before;
    REQUIRE(stat(late, &sb_before) == 0);
    png_squeezer_add(sq, late); /* closed: done before the call returns */
    struct stat sb_after;
    REQUIRE(stat(late, &sb_after) == 0);
    CHECK(sb_after.st_size < sb_before.st_size);
    struct png_squeeze_stats st2 = {0};
    png_squeezer_finish(sq, &st2, NULL);
    CHECK_INT(st2.files, 1);
    CHECK_INT(st2.smaller, 1);
    png_squeezer_free(sq);

    page_png_write("unfinished.png", 3);
    struct png_squeezer *sq2 = png_squeezer_new();
    char *unfinished = path_of("unfinished.png");
    png_squeezer_add(sq2, unfinished);
    png_squeezer_free(sq2); /* waits for its thread: the file is whole afterwards */
    bool is_same = false;
    file_pixels_check("unfinished.png", 3, &is_same);
    CHECK(is_same);
    free(unfinished);
    free(late);
    free(bad);
}

static void cleanup(void)
{
    file_remove_tree(dir, NULL);
}

int main(int argc, char **argv)
{
    REQUIRE(mkdtemp(dir) != NULL);
    atexit(cleanup);
    static const struct test_case cases[] = {
        {"files given are squeezed in the background, pixel for pixel, each once",
         test_files_given_are_squeezed_in_the_background_pixel_for_pixel},
        {"the same picture twice in a row is recompressed once", test_the_same_picture_twice_is_recompressed_once},
        {"a bad file is kept and named; a file given after finish is done at once; free waits",
         test_a_bad_file_is_kept_and_named_and_late_files_are_done_at_once},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
