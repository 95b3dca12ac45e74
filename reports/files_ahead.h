/* The evidence folders of a report's visits listed ahead of writing them, on other threads.
 *
 * A national round has 150,000 visit folders; listing one (open, read its entries, read its manifest
 * for the screenshots kept once a letter) is mostly the kernel's work, about 27 us, and the report
 * spent two thirds of its time there, on one core. When the source can say the folders in the order
 * its visits come (struct rpt_source's dirs cursor: the ledger reads them with one query), worker
 * threads list a window of the next ones while the renderer writes; the renderer takes each result in
 * turn. A result is rpt_files_list's for that folder, made a moment earlier: the same bytes. A folder
 * the cursor did not give, or gave in another order, is listed in place, so the output never depends
 * on the cursor being right. */
#ifndef HUIXIN_FILES_AHEAD_H
#define HUIXIN_FILES_AHEAD_H

#include "reports/report.h"

/* Starts the workers over src's dirs cursor; NULL (list in place) when the source has none, root is
 * NULL, or no thread could start. */
struct rpt_ahead *rpt_ahead_start(const char *root, const struct rpt_source *src);
/* The files of folder rel of root, as rpt_files_list gives them: from the window when rel is among its
 * next folders (those the cursor gave before it are dropped: the renderer passed them by), else
 * listed now. a NULL: rpt_files_list. */
void rpt_ahead_files(struct rpt_ahead *a, const char *root, const char *rel, struct rpt_files *out);
/* How many folders came from the window and how many were listed in place, so far. */
void rpt_ahead_counts(const struct rpt_ahead *a, size_t *ahead, size_t *in_place);
/* Stops the workers and frees the window and the cursor; says in the debug log how many folders were
 * listed ahead and how many in place. NULL is a no-op. */
void rpt_ahead_stop(struct rpt_ahead *a);

#endif
