#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/png.h"

static uint32_t png_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int png_size_read(const unsigned char *data, size_t len, int *width, int *height)
{
    if (len < 33 || memcmp(data, png_signature, 8) != 0 || memcmp(data + 12, "IHDR", 4) != 0)
        return -1;
    *width = (int)png_be32(data + 16);
    *height = (int)png_be32(data + 20);
    return 0;
}

static int png_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes row r's filter f in place (u: the row above, unfiltered; zeros above the first): 0, or -1 for
 * a filter PNG does not have. One loop a filter, not a test a byte: screenshots are millions of bytes. */
static int png_unfilter(unsigned char *r, const unsigned char *u, size_t stride, size_t ch, int f)
{
    size_t i;
    switch (f) {
    case 0:
        return 0;
    case 1:
        for (i = ch; i < stride; i++)
            r[i] = (unsigned char)(r[i] + r[i - ch]);
        return 0;
    case 2:
        for (i = 0; i < stride; i++)
            r[i] = (unsigned char)(r[i] + u[i]);
        return 0;
    case 3:
        for (i = 0; i < ch && i < stride; i++)
            r[i] = (unsigned char)(r[i] + u[i] / 2);
        for (; i < stride; i++)
            r[i] = (unsigned char)(r[i] + (r[i - ch] + u[i]) / 2);
        return 0;
    case 4:
        for (i = 0; i < ch && i < stride; i++)
            r[i] = (unsigned char)(r[i] + png_paeth(0, u[i], 0));
        for (; i < stride; i++)
            r[i] = (unsigned char)(r[i] + png_paeth(r[i - ch], u[i], u[i - ch]));
        return 0;
    default:
        return -1;
    }
}

int png_rows_walk(const unsigned char *data, size_t len, png_row_fn row, void *user, struct err *e)
{
    int rc = 0, width, height;
    if (png_size_read(data, len, &width, &height) != 0)
        return err_set(e, ERR_INTERNAL, "not a PNG image (%zu bytes)", len);
    int depth = data[24], ctype = data[25], interlace = data[28];
    if (depth != 8 || (ctype != 2 && ctype != 6) || interlace != 0)
        return err_set(e, ERR_INTERNAL, "PNG of depth %d, colour type %d, interlace %d: expected 8-bit RGB(A), "
                       "not interlaced", depth, ctype, interlace);
    int ch = ctype == 6 ? 4 : 3;
    size_t stride = (size_t)width * (size_t)ch;
    unsigned char *prev = xcalloc(1, stride + 1), *cur = xcalloc(1, stride + 1);
    size_t filled = 0; /* bytes of cur (filter byte + row) so far: inflated straight into it */
    int y = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        free(prev);
        free(cur);
        return err_set(e, ERR_INTERNAL, "inflateInit failed");
    }
    size_t pos = 8;
    bool is_done = false;
    while (pos + 12 <= len && !is_done && rc == 0) {
        uint32_t clen = png_be32(data + pos);
        const unsigned char *type = data + pos + 4;
        if (pos + 12 + clen > len) {
            rc = err_set(e, ERR_INTERNAL, "PNG truncated in a chunk");
            break;
        }
        if (memcmp(type, "IDAT", 4) == 0) {
            zs.next_in = (Bytef *)(data + pos + 8);
            zs.avail_in = clen;
            while (zs.avail_in > 0 && rc == 0 && !is_done) {
                zs.next_out = cur + filled;
                zs.avail_out = (uInt)(stride + 1 - filled);
                int z = inflate(&zs, Z_NO_FLUSH);
                if (z != Z_OK && z != Z_STREAM_END && z != Z_BUF_ERROR) {
                    rc = err_set(e, ERR_INTERNAL, "PNG data does not inflate (zlib %d)", z);
                    break;
                }
                size_t got = stride + 1 - filled - zs.avail_out;
                filled += got;
                if (filled == stride + 1) {
                    if (png_unfilter(cur + 1, prev + 1, stride, (size_t)ch, cur[0]) != 0)
                        rc = err_set(e, ERR_INTERNAL, "PNG row %d has filter %d", y, cur[0]);
                    if (rc == 0 && row)
                        rc = row(y, cur + 1, width, ch, user);
                    y++;
                    unsigned char *t = prev;
                    prev = cur;
                    cur = t;
                    filled = 0;
                    if (y == height)
                        is_done = true; /* what may follow the last row is not pixels */
                }
                if (z == Z_STREAM_END)
                    is_done = true;
                if (z == Z_BUF_ERROR && got == 0)
                    break;
            }
        } else if (memcmp(type, "IEND", 4) == 0) {
            break;
        }
        pos += 12 + clen;
    }
    if (rc == 0 && y < height)
        rc = err_set(e, ERR_INTERNAL, "PNG holds %d of its %d rows", y, height);
    inflateEnd(&zs);
    free(prev);
    free(cur);
    return rc;
}

static void png_be32_put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

struct png_writer {
    z_stream zs;
    bool is_zs_ready;
    png_sink_fn sink;
    void *user;
    int width, height, channels, rows;
    unsigned char *line;  /* filter byte + row */
    unsigned char *chunk; /* length, "IDAT", up to PNG_IDAT_BYTES of deflated data, CRC */
    size_t chunk_len;     /* deflated bytes in chunk so far */
    int rc;               /* the first failure: every later call returns it */
    bool is_finished;
    int filter;           /* the row filter: 1 (Sub, the default) or 0 (None) */
};

/* A writer that failed or finished takes nothing more (the first message, if e already holds it, stays). */
static int png_writer_refuse(struct png_writer *w, struct err *e)
{
    if (w->is_finished)
        return err_set(e, ERR_INTERNAL, "PNG writer: the image is already finished");
    return err_set(e, w->rc, "PNG writer: stopped by an earlier failure");
}

/* Frames len bytes already at buf + 8 as a chunk of type (4 letters) and hands it to the sink. */
static int png_writer_chunk_send(struct png_writer *w, unsigned char *buf, const char *type, size_t len,
                                 struct err *e)
{
    png_be32_put(buf, (uint32_t)len);
    memcpy(buf + 4, type, 4);
    png_be32_put(buf + 8 + len, (uint32_t)crc32(0, buf + 4, (uInt)(len + 4)));
    int rc = w->sink ? w->sink(buf, len + 12, w->user, e) : 0;
    if (rc != 0)
        w->rc = rc < 0 ? rc : ERR_IO;
    return w->rc;
}

/* Runs deflate over what is in zs.next_in (or finishes the stream), sending each IDAT chunk that fills. */
static int png_writer_deflate(struct png_writer *w, int flush, struct err *e)
{
    for (;;) {
        w->zs.next_out = w->chunk + 8 + w->chunk_len;
        w->zs.avail_out = (uInt)(PNG_IDAT_BYTES - w->chunk_len);
        int z = deflate(&w->zs, flush);
        if (z == Z_STREAM_ERROR)
            return w->rc = err_set(e, ERR_INTERNAL, "PNG writer: deflate failed (zlib %d)", z);
        w->chunk_len = PNG_IDAT_BYTES - w->zs.avail_out;
        if (w->chunk_len == PNG_IDAT_BYTES) {
            if (png_writer_chunk_send(w, w->chunk, "IDAT", w->chunk_len, e) != 0)
                return w->rc;
            w->chunk_len = 0;
            continue;
        }
        if (flush == Z_FINISH ? z == Z_STREAM_END : w->zs.avail_in == 0 || z == Z_BUF_ERROR)
            return 0;
    }
}

static int png_writer_open(int width, int height, int channels, int level, int filter, png_sink_fn sink, void *user,
                           struct png_writer **out, struct err *e);

int png_writer_new(int width, int height, int channels, png_sink_fn sink, void *user, struct png_writer **out,
                   struct err *e)
{
    return png_writer_open(width, height, channels, 6, 1, sink, user, out, e);
}

static int png_writer_open(int width, int height, int channels, int level, int filter, png_sink_fn sink, void *user,
                           struct png_writer **out, struct err *e)
{
    *out = NULL;
    if (width < 1 || height < 1 || width > (1 << 24) || height > (1 << 24) || (channels != 3 && channels != 4))
        return err_set(e, ERR_INTERNAL, "PNG writer: an image of %d x %d px with %d channels: expected 1 to %d px "
                       "each way and 3 or 4 channels", width, height, channels, 1 << 24);
    struct png_writer *w = xcalloc(1, sizeof *w);
    w->sink = sink;
    w->user = user;
    w->width = width;
    w->height = height;
    w->channels = channels;
    w->line = xmalloc((size_t)width * (size_t)channels + 1);
    w->chunk = xmalloc(PNG_IDAT_BYTES + 12);
    w->filter = filter;
    if (deflateInit2(&w->zs, level, Z_DEFLATED, 15, level == 9 ? 9 : 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        png_writer_free(w);
        return err_set(e, ERR_INTERNAL, "PNG writer: deflateInit failed");
    }
    w->is_zs_ready = true;
    unsigned char head[8 + 25];
    memcpy(head, png_signature, 8);
    unsigned char *ihdr = head + 8 + 8;
    png_be32_put(ihdr, (uint32_t)width);
    png_be32_put(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;                         /* bit depth */
    ihdr[9] = channels == 4 ? 6 : 2;     /* colour type: RGBA or RGB */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;  /* deflate, adaptive filters, not interlaced */
    png_be32_put(head + 8, 13);
    memcpy(head + 12, "IHDR", 4);
    png_be32_put(head + 8 + 21, (uint32_t)crc32(0, head + 12, 17));
    int rc = sink ? sink(head, sizeof head, user, e) : 0;
    if (rc != 0) {
        png_writer_free(w);
        return rc < 0 ? rc : ERR_IO;
    }
    *out = w;
    return 0;
}

int png_writer_row(struct png_writer *w, const unsigned char *pixels, int channels, struct err *e)
{
    if (w->rc != 0 || w->is_finished)
        return png_writer_refuse(w, e);
    if (w->rows >= w->height)
        return w->rc = err_set(e, ERR_INTERNAL, "PNG writer: row %d is past the image's height of %d px", w->rows,
                               w->height);
    if (channels != 3 && channels != 4)
        return w->rc = err_set(e, ERR_INTERNAL, "PNG writer: a row of %d channels: expected 3 or 4", channels);
    int ch = w->channels;
    size_t stride = (size_t)w->width * (size_t)ch;
    unsigned char *r = w->line + 1;
    if (channels == ch) {
        memcpy(r, pixels, stride);
    } else {
        for (size_t x = 0; x < (size_t)w->width; x++) {
            const unsigned char *s = pixels + x * (size_t)channels;
            unsigned char *d = r + x * (size_t)ch;
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            if (ch == 4)
                d[3] = 255;
        }
    }
    w->line[0] = (unsigned char)w->filter; /* Sub: flat screenshot areas compress to almost nothing */
    for (size_t i = stride; w->filter == 1 && i-- > (size_t)ch;)
        r[i] = (unsigned char)(r[i] - r[i - (size_t)ch]);
    w->zs.next_in = w->line;
    w->zs.avail_in = (uInt)(stride + 1);
    if (png_writer_deflate(w, Z_NO_FLUSH, e) != 0)
        return w->rc;
    w->rows++;
    return 0;
}

int png_writer_finish(struct png_writer *w, struct err *e)
{
    if (w->rc != 0 || w->is_finished)
        return png_writer_refuse(w, e);
    if (w->rows != w->height)
        return w->rc = err_set(e, ERR_INTERNAL, "PNG writer: %d of the image's %d rows were written", w->rows,
                               w->height);
    if (png_writer_deflate(w, Z_FINISH, e) != 0)
        return w->rc;
    if (w->chunk_len > 0 && png_writer_chunk_send(w, w->chunk, "IDAT", w->chunk_len, e) != 0)
        return w->rc;
    w->chunk_len = 0;
    unsigned char iend[12];
    if (png_writer_chunk_send(w, iend, "IEND", 0, e) != 0)
        return w->rc;
    w->is_finished = true;
    return 0;
}

int png_writer_rows_written(const struct png_writer *w)
{
    return w->rows;
}

void png_writer_free(struct png_writer *w)
{
    if (!w)
        return;
    if (w->is_zs_ready)
        deflateEnd(&w->zs);
    free(w->line);
    free(w->chunk);
    free(w);
}

static int png_buf_sink(const void *data, size_t len, void *user, struct err *e)
{
    (void)e;
    buf_append(user, data, len);
    return 0;
}

struct png_join_state {
    struct png_writer *w;
    struct err *e;
};

static int png_join_row(int y, const unsigned char *pixels, int width, int channels, void *user)
{
    (void)y;
    (void)width; /* checked against the IHDRs before */
    struct png_join_state *s = user;
    return png_writer_row(s->w, pixels, channels, s->e);
}

int png_join(const unsigned char *const *pngs, const size_t *lens, size_t n, unsigned char **out, size_t *out_len,
             struct err *e)
{
    int rc = 0, width = 0, height = 0;
    *out = NULL;
    *out_len = 0;
    if (n == 0)
        return err_set(e, ERR_INTERNAL, "png_join: no images");
    for (size_t i = 0; i < n; i++) {
        int w, h;
        if (png_size_read(pngs[i], lens[i], &w, &h) != 0)
            return err_set(e, ERR_INTERNAL, "slice %zu is not a PNG", i);
        if (i > 0 && w != width)
            return err_set(e, ERR_INTERNAL, "slice %zu is %d px wide, expected %d", i, w, width);
        if (h < 1 || h > (1 << 24) - height)
            return err_set(e, ERR_INTERNAL, "slice %zu is %d px tall: the join would be too tall", i, h);
        width = w;
        height += h;
    }
    struct buf png;
    buf_init(&png);
    struct png_join_state s = {NULL, e};
    if ((rc = png_writer_new(width, height, pngs[0][25] == 6 ? 4 : 3, png_buf_sink, &png, &s.w, e)) != 0)
        goto out;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = png_rows_walk(pngs[i], lens[i], png_join_row, &s, e);
    if (rc == 0)
        rc = png_writer_finish(s.w, e);
    if (rc == 0) {
        *out_len = png.len;
        *out = (unsigned char *)buf_detach(&png);
    }
out:
    png_writer_free(s.w);
    buf_release(&png);
    return rc;
}

/* What png_recompress keeps of the rows it reads: the writer they go to, and a CRC-32 of the pixels. */
struct png_recode_state {
    struct png_writer *w;
    struct err *e;
    uLong crc;
    int channels;
};

static int png_recode_row(int y, const unsigned char *pixels, int width, int channels, void *user)
{
    (void)y;
    struct png_recode_state *s = user;
    s->crc = crc32(s->crc, pixels, (uInt)((size_t)width * (size_t)channels));
    return s->w ? png_writer_row(s->w, pixels, channels, s->e) : 0;
}

/* zlib's level for recompressed screenshots: 6 gives about 95% of what 9 saves on pages for half its CPU
 * (measured on the fixture pages and the demo's: 9 took ~115 ms a 1280 x 900 screenshot, 6 ~55 ms). */
#define PNG_RECOMPRESS_LEVEL 6

/* The PNG of data's pixels, written with filter at zlib level PNG_RECOMPRESS_LEVEL into *out (caller
 * frees); the CRC-32 of the pixels read from data, and of those read back from what was written. */
static int png_recode(const unsigned char *data, size_t len, int width, int height, int channels, int filter,
                      unsigned char **out, size_t *out_len, uLong *crc_in, uLong *crc_out, struct err *e)
{
    struct buf png;
    buf_init(&png);
    struct png_recode_state s = {NULL, e, crc32(0, NULL, 0), channels};
    int rc = png_writer_open(width, height, channels, PNG_RECOMPRESS_LEVEL, filter, png_buf_sink, &png, &s.w, e);
    if (rc == 0)
        rc = png_rows_walk(data, len, png_recode_row, &s, e);
    if (rc == 0)
        rc = png_writer_finish(s.w, e);
    png_writer_free(s.w);
    *crc_in = s.crc;
    if (rc == 0) {
        struct png_recode_state back = {NULL, e, crc32(0, NULL, 0), channels};
        rc = png_rows_walk((const unsigned char *)png.data, png.len, png_recode_row, &back, e);
        *crc_out = back.crc;
    }
    if (rc == 0) {
        *out_len = png.len;
        *out = (unsigned char *)buf_detach(&png);
    }
    buf_release(&png);
    return rc;
}

int png_recompress(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len, struct err *e)
{
    *out = NULL;
    *out_len = 0;
    int width, height;
    if (png_size_read(data, len, &width, &height) != 0 || len < 33)
        return err_set(e, ERR_INPUT, "not a PNG");
    if (data[24] != 8 || (data[25] != 2 && data[25] != 6))
        return err_set(e, ERR_INPUT, "a PNG of bit depth %d, colour type %d: expected 8-bit RGB or RGBA", data[24],
                       data[25]);
    int channels = data[25] == 6 ? 4 : 3;
    /* No filter: a page is mostly runs of one colour and repeated glyphs, which deflate finds as they
     * are (a quarter smaller than Chromium's adaptive filters on the fixture pages); a photo is not, and
     * then the result is larger and not kept. */
    unsigned char *png = NULL;
    size_t png_len = 0;
    uLong crc_in = 0, crc_out = 1;
    int rc = png_recode(data, len, width, height, channels, 0, &png, &png_len, &crc_in, &crc_out, e);
    if (rc == 0 && crc_in != crc_out)
        rc = err_set(e, ERR_INTERNAL, "PNG recompression changed the pixels");
    if (rc == 0 && png_len < len) {
        *out = png;
        *out_len = png_len;
        png = NULL;
    }
    free(png);
    return rc;
}
