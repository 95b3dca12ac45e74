/* driver/png: the streaming writer (what full-page screenshots are made with) and the row walk it reads
 * slices with. Images are made here from a known pattern, so every pixel can be checked on the way back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/png.h"
#include "tests/unit/runner.h"

/* The pixel (x, y) channel k of a test image: bands, a gradient, and noise that does not compress. */
static unsigned char pattern(int x, int y, int k, bool is_noisy)
{
    if (is_noisy && x < 300) {
        uint32_t v = (uint32_t)(x * 73856093u) ^ (uint32_t)(y * 19349663u) ^ (uint32_t)(k * 83492791u);
        v ^= v >> 13;
        v *= 0x5bd1e995u;
        v ^= v >> 15;
        return (unsigned char)v;
    }
    return (unsigned char)(k == 3 ? 255 - (y % 7) : (y / 10) * 8 + x * (k + 1));
}

static void pattern_row(unsigned char *row, int width, int y, int channels, bool is_noisy)
{
    for (int x = 0; x < width; x++)
        for (int k = 0; k < channels; k++)
            row[x * channels + k] = pattern(x, y, k, is_noisy);
}

/* A sink into memory that also remembers its biggest piece and when it was first called. */
struct mem_sink {
    struct buf b;
    size_t calls, biggest;
    int fail_after; /* > 0: the call with this number fails */
};

static int mem_sink_put(const void *data, size_t len, void *user, struct err *e)
{
    struct mem_sink *s = user;
    s->calls++;
    if (s->fail_after > 0 && s->calls >= (size_t)s->fail_after)
        return err_set(e, ERR_IO, "cannot write 'test.png': disk full");
    if (len > s->biggest)
        s->biggest = len;
    buf_append(&s->b, data, len);
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the chunks: each CRC right, IHDR first, IEND last; counts the IDATs. -1 when malformed. */
static int chunks_check(const unsigned char *d, size_t len, size_t *idat_count, size_t *idat_biggest)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    *idat_count = 0;
    *idat_biggest = 0;
    if (len < 8 || memcmp(d, sig, 8) != 0)
        return -1;
    size_t pos = 8;
    bool is_first = true, has_end = false;
    while (pos + 12 <= len && !has_end) {
        uint32_t n = be32(d + pos);
        if (pos + 12 + n > len)
            return -1;
        if (be32(d + pos + 8 + n) != (uint32_t)crc32(0, d + pos + 4, n + 4))
            return -1;
        if (is_first != (memcmp(d + pos + 4, "IHDR", 4) == 0))
            return -1;
        if (memcmp(d + pos + 4, "IDAT", 4) == 0) {
            (*idat_count)++;
            if (n > *idat_biggest)
                *idat_biggest = n;
        }
        has_end = memcmp(d + pos + 4, "IEND", 4) == 0;
        is_first = false;
        pos += 12 + n;
    }
    return has_end && pos == len ? 0 : -1;
}

struct pixel_check {
    int rows, wrong, channels;
    bool is_noisy;
    int y0; /* the pattern's row of the image's row 0 */
};

static int pixel_check_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct pixel_check *c = user;
    if (channels != c->channels || y != c->rows)
        c->wrong++;
    for (int x = 0; x < width && channels == c->channels; x++)
        for (int k = 0; k < channels; k++)
            if (px[x * channels + k] != pattern(x, c->y0 + y, k, c->is_noisy)) {
                if (c->wrong++ < 3)
                    fprintf(stderr, "  pixel (%d, %d) channel %d is %d, expected %d\n", x, y, k,
                            px[x * channels + k], pattern(x, c->y0 + y, k, c->is_noisy));
            }
    c->rows++;
    return 0;
}

/* Writes a width x height pattern image through the writer into s. */
static int image_write(struct mem_sink *s, int width, int height, int channels, bool is_noisy, struct err *e)
{
    struct png_writer *w = NULL;
    unsigned char *row = xmalloc((size_t)width * (size_t)channels);
    int rc = png_writer_new(width, height, channels, mem_sink_put, s, &w, e);
    for (int y = 0; y < height && rc == 0; y++) {
        pattern_row(row, width, y, channels, is_noisy);
        rc = png_writer_row(w, row, channels, e);
    }
    if (rc == 0)
        rc = png_writer_finish(w, e);
    png_writer_free(w);
    free(row);
    return rc;
}

static void test_written_image_reads_back_pixel_for_pixel(void)
{
    for (int channels = 3; channels <= 4; channels++) {
        struct mem_sink s = {0};
        struct err e = {0};
        CHECK_INT(image_write(&s, 333, 517, channels, true, &e), 0);
        int w = 0, h = 0;
        REQUIRE(png_size_read((unsigned char *)s.b.data, s.b.len, &w, &h) == 0);
        CHECK_INT(w, 333);
        CHECK_INT(h, 517);
        CHECK_INT((unsigned char)s.b.data[25], channels == 4 ? 6 : 2); /* colour type */
        struct pixel_check c = {0, 0, channels, true, 0};
        CHECK_INT(png_rows_walk((unsigned char *)s.b.data, s.b.len, pixel_check_row, &c, &e), 0);
        CHECK_INT(c.rows, 517);
        CHECK_INT(c.wrong, 0);
        buf_release(&s.b);
    }
}

static void test_idat_chunks_go_out_while_rows_come(void)
{
    /* 1280 x 600 of noise: about 1 MB deflated, so many chunks, each sent before the image ends */
    struct mem_sink s = {0};
    struct err e = {0};
    struct png_writer *w = NULL;
    unsigned char row[1280 * 4];
    REQUIRE(png_writer_new(1280, 600, 4, mem_sink_put, &s, &w, &e) == 0);
    CHECK_INT(s.calls, 1); /* signature and IHDR at once */
    CHECK_INT(s.b.len, 33);
    int h = 0, wd = 0;
    CHECK_INT(png_size_read((unsigned char *)s.b.data, s.b.len, &wd, &h), 0);
    CHECK_INT(h, 600); /* the final height, before any row */
    for (int y = 0; y < 300; y++) {
        pattern_row(row, 1280, y, 4, true);
        REQUIRE(png_writer_row(w, row, 4, &e) == 0);
    }
    size_t half = s.b.len;
    CHECK(half > 5 * PNG_IDAT_BYTES); /* half the rows in: their chunks already went out */
    for (int y = 300; y < 600; y++) {
        pattern_row(row, 1280, y, 4, true);
        REQUIRE(png_writer_row(w, row, 4, &e) == 0);
    }
    CHECK_INT(png_writer_rows_written(w), 600);
    CHECK_INT(png_writer_finish(w, &e), 0);
    png_writer_free(w);
    CHECK(s.biggest <= PNG_IDAT_BYTES + 12);
    size_t idats = 0, biggest = 0;
    CHECK_INT(chunks_check((unsigned char *)s.b.data, s.b.len, &idats, &biggest), 0);
    CHECK(idats > 10);
    CHECK_INT(biggest, PNG_IDAT_BYTES);
    struct pixel_check c = {0, 0, 4, true, 0};
    CHECK_INT(png_rows_walk((unsigned char *)s.b.data, s.b.len, pixel_check_row, &c, &e), 0);
    CHECK_INT(c.rows, 600);
    CHECK_INT(c.wrong, 0);
    buf_release(&s.b);
}

static void test_a_flat_image_is_small_and_valid(void)
{
    struct mem_sink s = {0};
    struct err e = {0};
    CHECK_INT(image_write(&s, 1280, 2000, 3, false, &e), 0);
    size_t idats = 0, biggest = 0;
    CHECK_INT(chunks_check((unsigned char *)s.b.data, s.b.len, &idats, &biggest), 0);
    CHECK(idats >= 1);
    CHECK(s.b.len < 200000); /* 7.7 MB of pixels: the Sub filter flattens the gradient */
    buf_release(&s.b);
}

struct rows_copy {
    unsigned char px[4][64];
    int rows, channels, width;
};

static int rows_copy_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct rows_copy *c = user;
    if (y >= 4 || width * channels > 64)
        return -1;
    memcpy(c->px[y], px, (size_t)(width * channels));
    c->rows = y + 1;
    c->channels = channels;
    c->width = width;
    return 0;
}

static void test_rows_of_the_other_kind_are_converted(void)
{
    unsigned char rgb[4 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    unsigned char rgba[4 * 4] = {1, 2, 3, 0, 4, 5, 6, 50, 7, 8, 9, 100, 10, 11, 12, 255};
    /* into RGBA: RGB gets an opaque alpha */
    struct mem_sink s = {0};
    struct err e = {0};
    struct png_writer *w = NULL;
    REQUIRE(png_writer_new(4, 2, 4, mem_sink_put, &s, &w, &e) == 0);
    CHECK_INT(png_writer_row(w, rgb, 3, &e), 0);
    CHECK_INT(png_writer_row(w, rgba, 4, &e), 0);
    CHECK_INT(png_writer_finish(w, &e), 0);
    png_writer_free(w);
    struct rows_copy c;
    memset(&c, 0, sizeof c);
    CHECK_INT(png_rows_walk((unsigned char *)s.b.data, s.b.len, rows_copy_row, &c, &e), 0);
    CHECK_INT(c.rows, 2);
    CHECK_INT(c.channels, 4);
    unsigned char want0[16] = {1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255};
    CHECK(memcmp(c.px[0], want0, 16) == 0);
    CHECK(memcmp(c.px[1], rgba, 16) == 0);
    buf_release(&s.b);
    /* into RGB: RGBA loses its alpha */
    memset(&s, 0, sizeof s);
    REQUIRE(png_writer_new(4, 2, 3, mem_sink_put, &s, &w, &e) == 0);
    CHECK_INT(png_writer_row(w, rgba, 4, &e), 0);
    CHECK_INT(png_writer_row(w, rgb, 3, &e), 0);
    CHECK_INT(png_writer_finish(w, &e), 0);
    png_writer_free(w);
    memset(&c, 0, sizeof c);
    CHECK_INT(png_rows_walk((unsigned char *)s.b.data, s.b.len, rows_copy_row, &c, &e), 0);
    CHECK_INT(c.channels, 3);
    CHECK(memcmp(c.px[0], rgb, 12) == 0);
    CHECK(memcmp(c.px[1], rgb, 12) == 0);
    buf_release(&s.b);
}

static void test_writer_misuse_fails_with_a_message(void)
{
    unsigned char row[2 * 4] = {0};
    struct mem_sink s = {0};
    struct png_writer *w = NULL;
    struct err e = {0};
    CHECK_INT(png_writer_new(0, 5, 4, mem_sink_put, &s, &w, &e), ERR_INTERNAL);
    CHECK(w == NULL);
    CHECK(strstr(e.msg, "0 x 5 px") != NULL);
    struct err e1 = {0};
    CHECK_INT(png_writer_new(2, 5, 2, mem_sink_put, &s, &w, &e1), ERR_INTERNAL); /* grey: not ours */
    /* rows missing at the end */
    struct err e2 = {0};
    REQUIRE(png_writer_new(2, 3, 4, mem_sink_put, &s, &w, &e2) == 0);
    CHECK_INT(png_writer_row(w, row, 4, &e2), 0);
    CHECK_INT(png_writer_finish(w, &e2), ERR_INTERNAL);
    CHECK_STR(e2.msg, "PNG writer: 1 of the image's 3 rows were written");
    struct err e3 = {0};
    CHECK_INT(png_writer_row(w, row, 4, &e3), ERR_INTERNAL); /* a failed writer takes nothing more */
    CHECK(e3.msg[0] != '\0');
    png_writer_free(w);
    buf_release(&s.b);
    /* a row past the height */
    memset(&s, 0, sizeof s);
    struct err e4 = {0};
    REQUIRE(png_writer_new(2, 1, 4, mem_sink_put, &s, &w, &e4) == 0);
    CHECK_INT(png_writer_row(w, row, 4, &e4), 0);
    CHECK_INT(png_writer_row(w, row, 4, &e4), ERR_INTERNAL);
    CHECK_STR(e4.msg, "PNG writer: row 1 is past the image's height of 1 px");
    png_writer_free(w);
    buf_release(&s.b);
    /* nothing after the end */
    memset(&s, 0, sizeof s);
    struct err e5 = {0};
    REQUIRE(png_writer_new(2, 1, 4, mem_sink_put, &s, &w, &e5) == 0);
    CHECK_INT(png_writer_row(w, row, 4, &e5), 0);
    CHECK_INT(png_writer_finish(w, &e5), 0);
    CHECK_INT(png_writer_row(w, row, 4, &e5), ERR_INTERNAL);
    CHECK_STR(e5.msg, "PNG writer: the image is already finished");
    png_writer_free(w);
    buf_release(&s.b);
    png_writer_free(NULL);
}

static void test_a_failing_sink_stops_the_writer(void)
{
    struct mem_sink s = {0};
    s.fail_after = 3; /* the IHDR and one IDAT go, the next IDAT fails */
    struct err e = {0};
    CHECK_INT(image_write(&s, 1280, 400, 4, true, &e), ERR_IO);
    CHECK_STR(e.msg, "cannot write 'test.png': disk full");
    CHECK_INT(s.calls, 3);
    buf_release(&s.b);
    /* failing on the IHDR: no writer */
    memset(&s, 0, sizeof s);
    s.fail_after = 1;
    struct png_writer *w = NULL;
    struct err e2 = {0};
    CHECK_INT(png_writer_new(10, 10, 3, mem_sink_put, &s, &w, &e2), ERR_IO);
    CHECK(w == NULL);
    buf_release(&s.b);
}

/* A PNG made by hand the way other encoders do: each row with its own filter (cycling through all five),
 * the deflated data cut into IDAT chunks of chunk_bytes, so rows straddle chunks. */
static unsigned char *handmade_png(int width, int height, int channels, size_t chunk_bytes, size_t *len)
{
    size_t stride = (size_t)width * (size_t)channels;
    unsigned char *raw = xmalloc((stride + 1) * (size_t)height), *prev = xcalloc(1, stride), *cur = xmalloc(stride);
    for (int y = 0; y < height; y++) {
        pattern_row(cur, width, y, channels, true);
        unsigned char *out = raw + (size_t)y * (stride + 1);
        int f = y % 5;
        out[0] = (unsigned char)f;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)channels ? cur[i - (size_t)channels] : 0, b = prev[i];
            int c = i >= (size_t)channels ? prev[i - (size_t)channels] : 0;
            int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
            int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : paeth;
            out[1 + i] = (unsigned char)(cur[i] - pred);
        }
        memcpy(prev, cur, stride);
    }
    uLongf zlen = compressBound((uLong)((stride + 1) * (size_t)height));
    unsigned char *z = xmalloc(zlen);
    if (compress(z, &zlen, raw, (uLong)((stride + 1) * (size_t)height)) != Z_OK)
        abort();
    struct buf b;
    buf_init(&b);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    buf_append(&b, sig, 8);
    unsigned char ihdr[8 + 13 + 4] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    ihdr[8] = (unsigned char)(width >> 24), ihdr[9] = (unsigned char)(width >> 16);
    ihdr[10] = (unsigned char)(width >> 8), ihdr[11] = (unsigned char)width;
    ihdr[12] = (unsigned char)(height >> 24), ihdr[13] = (unsigned char)(height >> 16);
    ihdr[14] = (unsigned char)(height >> 8), ihdr[15] = (unsigned char)height;
    ihdr[16] = 8;
    ihdr[17] = channels == 4 ? 6 : 2;
    uint32_t crc = (uint32_t)crc32(0, ihdr + 4, 17);
    ihdr[21] = (unsigned char)(crc >> 24), ihdr[22] = (unsigned char)(crc >> 16);
    ihdr[23] = (unsigned char)(crc >> 8), ihdr[24] = (unsigned char)crc;
    buf_append(&b, ihdr, sizeof ihdr);
    for (size_t off = 0; off < zlen; off += chunk_bytes) {
        size_t n = zlen - off < chunk_bytes ? zlen - off : chunk_bytes;
        unsigned char head[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                                 (unsigned char)n, 'I', 'D', 'A', 'T'};
        buf_append(&b, head, 8);
        buf_append(&b, z + off, n);
        crc = (uint32_t)crc32(crc32(0, head + 4, 4), z + off, (uInt)n);
        unsigned char tail[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                                 (unsigned char)crc};
        buf_append(&b, tail, 4);
    }
    unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    buf_append(&b, iend, 12);
    free(raw);
    free(prev);
    free(cur);
    free(z);
    *len = b.len;
    return (unsigned char *)buf_detach(&b);
}

static void test_walk_reads_all_five_filters_across_small_chunks(void)
{
    for (int channels = 3; channels <= 4; channels++) {
        size_t len = 0;
        unsigned char *png = handmade_png(97, 41, channels, 7, &len);
        struct pixel_check c = {0, 0, channels, true, 0};
        struct err e = {0};
        CHECK_INT(png_rows_walk(png, len, pixel_check_row, &c, &e), 0);
        CHECK_INT(c.rows, 41);
        CHECK_INT(c.wrong, 0);
        /* cut off inside the data: the walk says how many rows it found */
        struct pixel_check c2 = {0, 0, channels, true, 0};
        struct err e2 = {0};
        size_t cut = len / 2;
        cut -= (cut - 33) % 19; /* on a chunk boundary (chunks are 7 + 12 bytes after the 33-byte head) */
        CHECK(png_rows_walk(png, cut, pixel_check_row, &c2, &e2) != 0);
        CHECK(strstr(e2.msg, "of its 41 rows") != NULL);
        CHECK_INT(c2.wrong, 0);
        free(png);
    }
}

/* The joined image: the pattern everywhere, but rows 100-249 (from an RGB slice) with an opaque alpha. */
struct join_check {
    int rows, wrong;
};

static int join_check_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct join_check *c = user;
    c->rows++;
    if (channels != 4 || y != c->rows - 1) {
        c->wrong++;
        return 0;
    }
    for (int x = 0; x < width; x++)
        for (int k = 0; k < 4; k++) {
            int want = k == 3 && y >= 100 && y < 250 ? 255 : pattern(x, y, k, true);
            if (px[x * 4 + k] != want && c->wrong++ < 3)
                fprintf(stderr, "  pixel (%d, %d) channel %d is %d, expected %d\n", x, y, k, px[x * 4 + k], want);
        }
    return 0;
}

static void test_join_stacks_slices_in_order(void)
{
    /* three slices of one pattern image, rows 0-99, 100-249, 250-259; the middle one made by hand as RGB */
    struct mem_sink a = {0}, c = {0};
    struct err e = {0};
    struct png_writer *w = NULL;
    unsigned char row[120 * 4];
    int cuts[4] = {0, 100, 250, 260};
    struct mem_sink *sinks[3] = {&a, NULL, &c};
    for (int i = 0; i < 3; i += 2) {
        REQUIRE(png_writer_new(120, cuts[i + 1] - cuts[i], 4, mem_sink_put, sinks[i], &w, &e) == 0);
        for (int y = cuts[i]; y < cuts[i + 1]; y++) {
            pattern_row(row, 120, y, 4, true);
            REQUIRE(png_writer_row(w, row, 4, &e) == 0);
        }
        REQUIRE(png_writer_finish(w, &e) == 0);
        png_writer_free(w);
    }
    /* the middle: RGB rows 100-249 of the pattern's first three channels */
    struct mem_sink b = {0};
    REQUIRE(png_writer_new(120, 150, 3, mem_sink_put, &b, &w, &e) == 0);
    for (int y = 100; y < 250; y++) {
        pattern_row(row, 120, y, 3, true);
        REQUIRE(png_writer_row(w, row, 3, &e) == 0);
    }
    REQUIRE(png_writer_finish(w, &e) == 0);
    png_writer_free(w);
    const unsigned char *pngs[3] = {(unsigned char *)a.b.data, (unsigned char *)b.b.data, (unsigned char *)c.b.data};
    size_t lens[3] = {a.b.len, b.b.len, c.b.len};
    unsigned char *out = NULL;
    size_t out_len = 0;
    REQUIRE(png_join(pngs, lens, 3, &out, &out_len, &e) == 0);
    int ow = 0, oh = 0;
    CHECK_INT(png_size_read(out, out_len, &ow, &oh), 0);
    CHECK_INT(ow, 120);
    CHECK_INT(oh, 260);
    struct join_check jc = {0, 0};
    CHECK_INT(png_rows_walk(out, out_len, join_check_row, &jc, &e), 0);
    CHECK_INT(jc.rows, 260);
    CHECK_INT(jc.wrong, 0);
    free(out);
    /* widths must agree */
    struct mem_sink d = {0};
    struct err e2 = {0};
    CHECK_INT(image_write(&d, 121, 5, 4, false, &e2), 0);
    const unsigned char *two[2] = {(unsigned char *)a.b.data, (unsigned char *)d.b.data};
    size_t two_lens[2] = {a.b.len, d.b.len};
    CHECK_INT(png_join(two, two_lens, 2, &out, &out_len, &e2), ERR_INTERNAL);
    CHECK_STR(e2.msg, "slice 1 is 121 px wide, expected 120");
    CHECK(out == NULL);
    buf_release(&a.b);
    buf_release(&b.b);
    buf_release(&c.b);
    buf_release(&d.b);
}

/* A page-like image: white, with lines of dark "glyphs" in a repeating shape (what text looks like to
 * deflate), written by the writer (Sub, level 6). */
static unsigned char page_pixel(int x, int y)
{
    bool is_text_line = (y % 24) >= 6 && (y % 24) < 18 && x > 40 && x < 600;
    return is_text_line && ((x * 7 + (y % 24) * 3) % 11) < 4 ? 30 : 255;
}

static int page_check_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    int *wrong = user;
    for (int x = 0; x < width; x++)
        for (int k = 0; k < channels; k++)
            *wrong += px[x * channels + k] != (k == 3 ? 255 : page_pixel(x, y));
    return 0;
}

/* Recompression keeps every pixel: decoded again, the new PNG is the pattern, row for row. */
static void test_recompress_keeps_the_pixels(void)
{
    {
        struct mem_sink s = {0};
        struct err e = {0};
        buf_init(&s.b);
        struct png_writer *w = NULL;
        unsigned char row[640 * 3];
        REQUIRE(png_writer_new(640, 480, 3, mem_sink_put, &s, &w, &e) == 0);
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 640; x++)
                row[x * 3] = row[x * 3 + 1] = row[x * 3 + 2] = page_pixel(x, y);
            REQUIRE(png_writer_row(w, row, 3, &e) == 0);
        }
        REQUIRE(png_writer_finish(w, &e) == 0);
        png_writer_free(w);
        unsigned char *out = NULL;
        size_t out_len = 0;
        CHECK_INT(png_recompress((const unsigned char *)s.b.data, s.b.len, &out, &out_len, &e), 0);
        CHECK(out != NULL && out_len < s.b.len);
        int wrong = 0;
        if (out) {
            CHECK_INT(png_rows_walk(out, out_len, page_check_row, &wrong, &e), 0);
            CHECK_INT(wrong, 0);
        }
        free(out);
        buf_release(&s.b);
    }
    for (int channels = 3; channels <= 4; channels++) {
        for (int is_noisy = 0; is_noisy <= 1; is_noisy++) {
            struct mem_sink s = {0};
            struct err e = {0};
            buf_init(&s.b);
            REQUIRE(image_write(&s, 640, 300, channels, is_noisy, &e) == 0);
            unsigned char *out = NULL;
            size_t out_len = 0;
            CHECK_INT(png_recompress((const unsigned char *)s.b.data, s.b.len, &out, &out_len, &e), 0);
            if (out) {
                CHECK(out_len < s.b.len);
                size_t idats = 0, biggest = 0;
                CHECK_INT(chunks_check(out, out_len, &idats, &biggest), 0);
                struct pixel_check c = {0, 0, channels, is_noisy, 0};
                CHECK_INT(png_rows_walk(out, out_len, pixel_check_row, &c, &e), 0);
                CHECK_INT(c.rows, 300);
                CHECK_INT(c.wrong, 0);
            }
            free(out);
            buf_release(&s.b);
        }
        /* all five filters, as another encoder writes them */
        size_t len = 0;
        unsigned char *png = handmade_png(97, 41, channels, 7, &len);
        unsigned char *out = NULL;
        size_t out_len = 0;
        struct err e = {0};
        CHECK_INT(png_recompress(png, len, &out, &out_len, &e), 0);
        const unsigned char *back = out ? out : png;
        struct pixel_check c = {0, 0, channels, true, 0};
        CHECK_INT(png_rows_walk(back, out ? out_len : len, pixel_check_row, &c, &e), 0);
        CHECK_INT(c.rows, 41);
        CHECK_INT(c.wrong, 0);
        free(out);
        free(png);
    }
    /* not a PNG, or a cut one: an error, never a result */
    unsigned char *out = NULL;
    size_t out_len = 0;
    struct err e = {0};
    CHECK(png_recompress((const unsigned char *)"GIF89a not a png at all, not at all", 35, &out, &out_len, &e) != 0);
    CHECK(out == NULL);
    size_t len = 0;
    unsigned char *png = handmade_png(97, 41, 3, 7, &len);
    CHECK(png_recompress(png, len / 2, &out, &out_len, &e) != 0);
    CHECK(out == NULL);
    free(png);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"a written image reads back pixel for pixel (RGB and RGBA)", test_written_image_reads_back_pixel_for_pixel},
        {"IDAT chunks go out while the rows come, the IHDR holding the final height",
         test_idat_chunks_go_out_while_rows_come},
        {"a flat 1280 x 2000 image is small and valid", test_a_flat_image_is_small_and_valid},
        {"rows of the other kind are converted", test_rows_of_the_other_kind_are_converted},
        {"writer misuse fails with a message", test_writer_misuse_fails_with_a_message},
        {"a failing sink stops the writer with its message", test_a_failing_sink_stops_the_writer},
        {"the row walk reads all five filters across small chunks, and says when rows are missing",
         test_walk_reads_all_five_filters_across_small_chunks},
        {"join stacks slices in order", test_join_stacks_slices_in_order},
        {"recompression keeps every pixel, and only a smaller PNG is a result", test_recompress_keeps_the_pixels},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
