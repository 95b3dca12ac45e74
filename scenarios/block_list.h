/* Block lists: analytics, tracker and share-button hosts a visit fails at once instead of waiting for
 * (driver/page.h, page_thirdparty_block). Off by default. The built-in list is scenarios/trackers.txt,
 * compiled into the binary by the Makefile; a user's file (--block-list FILE) adds hosts in the same
 * format: one host per line, "hm.baidu.com" for that host and every host under it, "*.cnzz.com" for
 * only the hosts under it; "#" to the end of a line is a comment. The cli reads the user's file; this
 * module parses its text and decides, for a scenario, whether its visits block. */
#ifndef HUIXIN_SCN_BLOCK_LIST_H
#define HUIXIN_SCN_BLOCK_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct err;
struct scn_site;

/* The built-in list, one pattern a row, as trackers.txt has them (the generated build/gen/trackers.c). */
extern const char *const scn_block_builtin[];
extern const size_t scn_block_builtin_len;

/* What the command line asked for: the built-in list, and the user's file's hosts. */
struct scn_block_list {
    bool is_on;        /* --block-trackers or --block-list: every site's visits block (unless its scenario
                          says "block_trackers": false) */
    char *user_file;   /* the user's file as given, or NULL */
    char **hosts;      /* the user file's patterns, lower-cased ("hm.baidu.com", "*.cnzz.com") */
    size_t n;
};

void scn_block_list_init(struct scn_block_list *l);
void scn_block_list_release(struct scn_block_list *l);

/* Adds the patterns of a block list file's text (name: the file, for messages) to l. A line that is not a
 * host name is ERR_INPUT: "FILE:LINE: 'VALUE' is not a host name: expected ..."; nothing is added then. */
int scn_block_list_parse(struct scn_block_list *l, const char *text, const char *name, struct err *e);

/* Whether pattern (a line of a list, comments and blanks trimmed) is one: a host name of letters, digits
 * and hyphens in dot-separated labels (an IPv4 address is one), optionally after "*.". On false *why
 * says what is wrong. */
bool scn_block_pattern_is_valid(const char *pattern, const char **why);

/* Whether a visit of a site blocks: its scenario's "block_trackers" when given, else whether the
 * command line asked (cli may be NULL: it did not). */
bool scn_block_list_is_used(const struct scn_site *site, const struct scn_block_list *cli);

/* The patterns a visit that blocks gives the driver: the built-in list, then cli's (may be NULL).
 * *n_out counts them; the array is the caller's to free, the strings are borrowed. */
const char **scn_block_patterns(const struct scn_block_list *cli, size_t *n_out);

#endif
