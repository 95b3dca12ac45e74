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
/* Display cells of a UTF-8 string. */
size_t table_text_width(const char *s);

#endif
