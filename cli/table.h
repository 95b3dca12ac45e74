/* Aligned text tables for the terminal. Chinese characters take two columns, so widths are counted
 * in display cells (East Asian Wide and Fullwidth characters count two), not bytes. */
#ifndef HUIXIN_TABLE_H
#define HUIXIN_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table {
    size_t n_cols;
    char **cells; /* row-major; row 0 is the header */
    size_t n_rows, cap_rows;
};

void table_init(struct table *t, size_t n_cols);
void table_release(struct table *t);
/* Adds a row of n_cols strings (copied; NULL prints as "-"; control characters become spaces). */
void table_row_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
/* The same layout for a table too long to hold: every row is measured first (table_widths_add, the
 * header too), then each is printed (table_row_print) as table_print would print it. */
struct table_widths {
    size_t n_cols;
    size_t *w;
};
void table_widths_init(struct table_widths *tw, size_t n_cols);
void table_widths_release(struct table_widths *tw);
void table_widths_add(struct table_widths *tw, const char *const *cells);
void table_row_print(const struct table_widths *tw, const char *const *cells, FILE *out);
/* Display cells of a UTF-8 string. */
size_t table_text_width(const char *s);

#endif
