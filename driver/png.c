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
    unsigned char chunk_out[65536];
    size_t filled = 0; /* bytes of cur (filter byte + row) so far */
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
                zs.next_out = chunk_out;
                zs.avail_out = sizeof chunk_out;
                int z = inflate(&zs, Z_NO_FLUSH);
                if (z != Z_OK && z != Z_STREAM_END && z != Z_BUF_ERROR) {
                    rc = err_set(e, ERR_INTERNAL, "PNG data does not inflate (zlib %d)", z);
                    break;
                }
                size_t got = sizeof chunk_out - zs.avail_out;
                for (size_t k = 0; k < got && rc == 0 && y < height; k++) {
                    cur[filled++] = chunk_out[k];
                    if (filled < stride + 1)
                        continue;
                    unsigned char *r = cur + 1, *u = prev + 1;
                    int f = cur[0];
                    for (size_t i = 0; i < stride; i++) {
                        int a = i >= (size_t)ch ? r[i - ch] : 0, b = u[i], c = i >= (size_t)ch ? u[i - ch] : 0;
                        switch (f) {
                        case 0: break;
                        case 1: r[i] = (unsigned char)(r[i] + a); break;
                        case 2: r[i] = (unsigned char)(r[i] + b); break;
                        case 3: r[i] = (unsigned char)(r[i] + (a + b) / 2); break;
                        case 4: r[i] = (unsigned char)(r[i] + png_paeth(a, b, c)); break;
                        default: rc = err_set(e, ERR_INTERNAL, "PNG row %d has filter %d", y, f); i = stride; break;
                        }
                    }
                    if (rc == 0 && row)
                        rc = row(y, r, width, ch, user);
                    y++;
                    unsigned char *t = prev;
                    prev = cur;
                    cur = t;
                    filled = 0;
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

static void png_put32(struct buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    buf_append(b, p, 4);
}

static void png_chunk(struct buf *b, const char *type, const unsigned char *data, size_t len)
{
    png_put32(b, (uint32_t)len);
    size_t start = b->len;
    buf_append(b, type, 4);
    if (len)
        buf_append(b, data, len);
    png_put32(b, (uint32_t)crc32(0, (const Bytef *)b->data + start, (uInt)(len + 4)));
}

struct png_join_state {
    z_stream zs;
    struct buf idat;      /* compressed output so far */
    unsigned char *line;  /* filter byte + row */
    int channels;
    int rc;
};

static int png_deflate_some(struct png_join_state *s, int flush)
{
    unsigned char out[65536];
    int z;
    do {
        s->zs.next_out = out;
        s->zs.avail_out = sizeof out;
        z = deflate(&s->zs, flush);
        if (z == Z_STREAM_ERROR)
            return -1;
        buf_append(&s->idat, out, sizeof out - s->zs.avail_out);
    } while (s->zs.avail_out == 0 || (flush == Z_FINISH && z != Z_STREAM_END));
    return 0;
}

static int png_join_row(int y, const unsigned char *pixels, int width, int channels, void *user)
{
    (void)y;
    struct png_join_state *s = user;
    if (channels != s->channels)
        return -1;
    size_t stride = (size_t)width * (size_t)channels;
    s->line[0] = 1; /* Sub: flat screenshot areas compress to almost nothing */
    for (size_t i = 0; i < stride; i++)
        s->line[1 + i] = (unsigned char)(pixels[i] - (i >= (size_t)channels ? pixels[i - channels] : 0));
    s->zs.next_in = s->line;
    s->zs.avail_in = (uInt)(stride + 1);
    return png_deflate_some(s, Z_NO_FLUSH);
}

int png_join(const unsigned char *const *pngs, const size_t *lens, size_t n, unsigned char **out, size_t *out_len,
             struct err *e)
{
    int rc = 0, width = 0, height = 0, ctype = 0;
    *out = NULL;
    *out_len = 0;
    if (n == 0)
        return err_set(e, ERR_INTERNAL, "png_join: no images");
    for (size_t i = 0; i < n; i++) {
        int w, h;
        if (png_size_read(pngs[i], lens[i], &w, &h) != 0)
            return err_set(e, ERR_INTERNAL, "slice %zu is not a PNG", i);
        if (i > 0 && (w != width || pngs[i][25] != ctype))
            return err_set(e, ERR_INTERNAL, "slice %zu is %d px wide (colour type %d), expected %d (type %d)", i, w,
                           pngs[i][25], width, ctype);
        width = w;
        ctype = pngs[i][25];
        height += h;
    }
    struct png_join_state s;
    memset(&s, 0, sizeof s);
    buf_init(&s.idat);
    s.channels = ctype == 6 ? 4 : 3;
    s.line = xmalloc((size_t)width * (size_t)s.channels + 1);
    if (deflateInit(&s.zs, 6) != Z_OK) {
        free(s.line);
        return err_set(e, ERR_INTERNAL, "deflateInit failed");
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = png_rows_walk(pngs[i], lens[i], png_join_row, &s, e);
    if (rc == 0 && png_deflate_some(&s, Z_FINISH) != 0)
        rc = err_set(e, ERR_INTERNAL, "deflate failed");
    if (rc != 0) {
        if (rc == -1)
            rc = err_set(e, ERR_INTERNAL, "slices differ in colour channels");
        goto out;
    }
    struct buf png;
    buf_init(&png);
    buf_append(&png, png_signature, 8);
    unsigned char ihdr[13];
    memcpy(ihdr, pngs[0] + 16, 13);
    ihdr[4] = (unsigned char)(height >> 24);
    ihdr[5] = (unsigned char)(height >> 16);
    ihdr[6] = (unsigned char)(height >> 8);
    ihdr[7] = (unsigned char)height;
    png_chunk(&png, "IHDR", ihdr, 13);
    for (size_t off = 0; off < s.idat.len; off += 1u << 20) {
        size_t k = s.idat.len - off < (1u << 20) ? s.idat.len - off : 1u << 20;
        png_chunk(&png, "IDAT", (const unsigned char *)s.idat.data + off, k);
    }
    png_chunk(&png, "IEND", NULL, 0);
    *out_len = png.len;
    *out = (unsigned char *)buf_detach(&png);
out:
    deflateEnd(&s.zs);
    buf_release(&s.idat);
    free(s.line);
    return rc;
}
