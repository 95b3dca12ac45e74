/* Just enough PNG for screenshots: read the size, walk the rows of an 8-bit RGB/RGBA non-interlaced
 * image (what Chromium writes), and write one as its rows come (zlib does the deflate).
 *
 * Memory stays small whatever the image's size: the walk holds two rows and zlib's inflate state, the
 * writer one row, zlib's deflate state and one IDAT chunk (PNG_IDAT_BYTES) of output. A full-page
 * screenshot thus decodes each slice row by row into one writer that sends its bytes to the file as
 * they are made. */
#ifndef HUIXIN_PNG_H
#define HUIXIN_PNG_H

#include <stddef.h>

struct err;

#define PNG_IDAT_BYTES 65536 /* the writer's chunk size: an IDAT goes out each time this much is deflated */

/* Width and height from the IHDR; -1 when data is not a PNG. */
int png_size_read(const unsigned char *data, size_t len, int *width, int *height);

/* Calls row(y, pixels, width, channels, user) for every row, pixels unfiltered (channels 3 or 4).
 * A non-zero return from row stops the walk and is returned. */
typedef int (*png_row_fn)(int y, const unsigned char *pixels, int width, int channels, void *user);
int png_rows_walk(const unsigned char *data, size_t len, png_row_fn row, void *user, struct err *e);

/* Where a writer's bytes go, in order, in pieces of at most PNG_IDAT_BYTES + 12; data is borrowed for the
 * call. Returns 0, or a negative code with its message in e (the writer stops there and returns it). */
typedef int (*png_sink_fn)(const void *data, size_t len, void *user, struct err *e);

/* A PNG of width x height pixels, 8-bit RGB (channels 3) or RGBA (4), written as its rows come: the
 * signature and IHDR at once (the height is the final one, given here), IDAT chunks each time deflate
 * has produced PNG_IDAT_BYTES, the last IDAT and IEND at png_writer_finish. */
struct png_writer;
int png_writer_new(int width, int height, int channels, png_sink_fn sink, void *user, struct png_writer **out,
                   struct err *e);
/* One row of width pixels of `channels` (3 or 4) bytes each, top to bottom; a row of the other kind than the
 * image's is converted (RGB gets an opaque alpha, RGBA loses its alpha). A row past the height fails. */
int png_writer_row(struct png_writer *w, const unsigned char *pixels, int channels, struct err *e);
/* Ends the image: fails when rows are missing. After any failure the writer only fails. */
int png_writer_finish(struct png_writer *w, struct err *e);
int png_writer_rows_written(const struct png_writer *w);
void png_writer_free(struct png_writer *w); /* NULL is a no-op */

/* Joins PNGs of the same width top to bottom into one new PNG in memory (caller frees *out); RGB and RGBA
 * may be mixed (the first decides). */
int png_join(const unsigned char *const *pngs, const size_t *lens, size_t n, unsigned char **out, size_t *out_len,
             struct err *e);

/* The same pixels (8-bit RGB or RGBA, as data has them) as a smaller PNG: rows unfiltered, deflated at
 * zlib's level 6, kept only when smaller than data (*out stays NULL when it is not). The result is
 * decoded again and its pixels' CRC-32 compared with data's: a difference is an error, never a result.
 * Holds data, the result and a row. Text chunks and other metadata are not kept (Chromium writes
 * none). Caller frees *out. */
int png_recompress(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len, struct err *e);

#endif
