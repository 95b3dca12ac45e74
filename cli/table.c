#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "cli/table.h"

void table_init(struct table *t, size_t n_cols)
{
    memset(t, 0, sizeof *t);
    t->n_cols = n_cols;
}

void table_release(struct table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* A cell as printed: "-" for NULL, and no control character (text can come from a website: none
 * reaches the terminal). Caller frees. */
static char *cell_clean(const char *s)
{
    char *cell = xstrdup(s ? s : "-");
    for (char *p = cell; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return cell;
}

void table_row_add(struct table *t, const char *const *cells)
{
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap_rows * t->n_cols * sizeof *t->cells);
    }
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = cell_clean(cells[c]);
    t->n_rows++;
}

/* Decodes one UTF-8 sequence; returns its length (1 for a stray byte). */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
    }
    if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

static bool is_wide(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t table_text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        p += utf8_next(p, &cp);
        w += is_wide(cp) ? 2 : 1;
    }
    return w;
}

void table_print(const struct table *t, FILE *out)
{
    size_t *widths = xcalloc(t->n_cols, sizeof *widths);
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 0; c < t->n_cols; c++) {
            size_t w = table_text_width(t->cells[r * t->n_cols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *cell = t->cells[r * t->n_cols + c];
            fputs(cell, out);
            if (c + 1 < t->n_cols)
                for (size_t pad = table_text_width(cell); pad < widths[c] + 2; pad++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
    free(widths);
}

void table_widths_init(struct table_widths *tw, size_t n_cols)
{
    tw->n_cols = n_cols;
    tw->w = xcalloc(n_cols ? n_cols : 1, sizeof *tw->w);
}

void table_widths_release(struct table_widths *tw)
{
    free(tw->w);
    memset(tw, 0, sizeof *tw);
}

void table_widths_add(struct table_widths *tw, const char *const *cells)
{
    for (size_t c = 0; c < tw->n_cols; c++) {
        char *cell = cell_clean(cells[c]);
        size_t w = table_text_width(cell);
        if (w > tw->w[c])
            tw->w[c] = w;
        free(cell);
    }
}

void table_row_print(const struct table_widths *tw, const char *const *cells, FILE *out)
{
    for (size_t c = 0; c < tw->n_cols; c++) {
        char *cell = cell_clean(cells[c]);
        fputs(cell, out);
        if (c + 1 < tw->n_cols)
            for (size_t pad = table_text_width(cell); pad < tw->w[c] + 2; pad++)
                fputc(' ', out);
        free(cell);
    }
    fputc('\n', out);
}
