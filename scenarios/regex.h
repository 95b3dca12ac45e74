/* Regular expressions in scenarios: POSIX extended syntax, always matched as UTF-8.
 *
 * glibc's regex reads multi-byte characters by the current locale, and under LC_ALL=C (how tests and
 * cron jobs run) a bracket like [：:] matches single bytes of '：', so "信件编号[：:]\s*(\S+)" misses or
 * captures half a character. These wrappers switch the calling thread to C.UTF-8 with uselocale()
 * around regcomp and regexec only, leaving the process locale alone. */
#ifndef HUIXIN_SCN_REGEX_H
#define HUIXIN_SCN_REGEX_H

#include <stddef.h>

struct err;
struct scn_regex;

/* ERR_INPUT quoting the pattern and regerror's text; ERR_INTERNAL if no UTF-8 locale exists. */
int scn_regex_compile(const char *pattern, struct scn_regex **out, struct err *e);
void scn_regex_free(struct scn_regex *r); /* NULL is a no-op */
const char *scn_regex_source(const struct scn_regex *r); /* borrowed */
size_t scn_regex_groups(const struct scn_regex *r);
/* The first match in text: returns 1 and sets *capture_out (caller frees) to group 1 when the pattern
 * has a group, else the whole match; returns 0 when nothing matches (capture_out untouched). */
int scn_regex_find(const struct scn_regex *r, const char *text, char **capture_out);

#endif
