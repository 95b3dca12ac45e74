/* Just enough PNG for screenshots: read the size, walk the rows of an 8-bit RGB/RGBA non-interlaced
 * image (what Chromium writes), and join images of one width top to bottom. zlib is loaded at run time
 * (libz.so.1, Debian package zlib1g, always present beside Chromium) until the build links it. */
#ifndef HUIXIN_PNG_H
#define HUIXIN_PNG_H

#include <stddef.h>

struct err;

/* Width and height from the IHDR; -1 when data is not a PNG. */
int png_size_read(const unsigned char *data, size_t len, int *width, int *height);

/* Calls row(y, pixels, width, channels, user) for every row, pixels unfiltered (channels 3 or 4).
 * A non-zero return from row stops the walk and is returned. */
typedef int (*png_row_fn)(int y, const unsigned char *pixels, int width, int channels, void *user);
int png_rows_walk(const unsigned char *data, size_t len, png_row_fn row, void *user, struct err *e);

/* Joins PNGs of the same width and colour type top to bottom into one new PNG (caller frees *out). */
int png_join(const unsigned char *const *pngs, const size_t *lens, size_t n, unsigned char **out, size_t *out_len,
             struct err *e);

#endif
