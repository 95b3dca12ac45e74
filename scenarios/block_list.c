/* Block lists (scenarios/block_list.h). The text is parsed whole before anything is added, so a file with
 * one bad line adds nothing and its error names the first bad line. */
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/err.h"
#include "scenarios/block_list.h"
#include "scenarios/scenario.h"

#define BLOCK_HOST_MAX 253
#define BLOCK_LABEL_MAX 63

void scn_block_list_init(struct scn_block_list *l)
{
    memset(l, 0, sizeof *l);
}

void scn_block_list_release(struct scn_block_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->hosts[i]);
    free(l->hosts);
    free(l->user_file);
    memset(l, 0, sizeof *l);
}

bool scn_block_pattern_is_valid(const char *pattern, const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    const char *h = strncmp(pattern, "*.", 2) == 0 ? pattern + 2 : pattern;
    if (strstr(pattern, "://")) {
        *why = "a URL: write its host alone";
        return false;
    }
    if (strpbrk(pattern, " \t")) {
        *why = "more than one word: one host per line";
        return false;
    }
    if (strchr(pattern, '/')) {
        *why = "it has a path: write the host alone";
        return false;
    }
    if (strchr(pattern, ':')) {
        *why = "it has a port, or is an IPv6 address: write a host name or IPv4 address alone";
        return false;
    }
    if (strchr(h, '*')) {
        *why = "'*' is only allowed as a leading '*.'";
        return false;
    }
    size_t len = strlen(h), labels = 0;
    if (len == 0 || len > BLOCK_HOST_MAX) {
        *why = len ? "longer than 253 characters" : "no host after '*.'";
        return false;
    }
    for (const char *p = h; *p;) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n > BLOCK_LABEL_MAX) {
            *why = n ? "a part between dots is longer than 63 characters" : "an empty part between dots";
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            bool is_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!is_ok) {
                *why = (unsigned char)c >= 0x80 ? "not ASCII: write an internationalised name in its xn-- form"
                                                : "only letters, digits, hyphens and dots make a host name";
                return false;
            }
        }
        if (p[0] == '-' || p[n - 1] == '-') {
            *why = "a part between dots starts or ends with a hyphen";
            return false;
        }
        labels++;
        p += n;
        if (*p == '.') {
            p++;
            if (!*p) {
                *why = "it ends with a dot";
                return false;
            }
        }
    }
    if (labels < 2 && h != pattern) {
        *why = "'*.' before a name without a dot: a whole top-level domain";
        return false;
    }
    return true;
}

int scn_block_list_parse(struct scn_block_list *l, const char *text, const char *name, struct err *e)
{
    char **found = NULL;
    size_t n = 0;
    int rc = 0;
    int line_no = 0;
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* a byte-order mark, as some editors write */
        p += 3;
    while (*p) {
        line_no++;
        size_t len = strcspn(p, "\n");
        char *line = xstrndup(p, len);
        p += len;
        if (*p == '\n')
            p++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *start = line;
        while (*start == ' ' || *start == '\t' || *start == '\r')
            start++;
        char *end = start + strlen(start);
        while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        const char *why = NULL;
        if (*start && !scn_block_pattern_is_valid(start, &why)) {
            rc = err_set(e, ERR_INPUT, "%s:%d: '%.200s' is not a host name (%s): expected one host per line, such as "
                         "hm.baidu.com (it and the hosts under it) or *.cnzz.com (only the hosts under it); '#' "
                         "starts a comment", name, line_no, start, why);
            free(line);
            goto out;
        }
        if (*start) {
            for (char *c = start; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            found = xrealloc(found, (n + 1) * sizeof *found);
            found[n++] = xstrdup(start);
        }
        free(line);
    }
    l->hosts = xrealloc(l->hosts, (l->n + n + 1) * sizeof *l->hosts);
    for (size_t i = 0; i < n; i++)
        l->hosts[l->n++] = found[i];
    n = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(found[i]);
    free(found);
    return rc;
}

bool scn_block_list_is_used(const struct scn_site *site, const struct scn_block_list *cli)
{
    if (site && site->has_block_trackers)
        return site->is_block_trackers;
    return cli && cli->is_on;
}

const char **scn_block_patterns(const struct scn_block_list *cli, size_t *n_out)
{
    size_t n_user = cli ? cli->n : 0;
    const char **all = xcalloc(scn_block_builtin_len + n_user + 1, sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < scn_block_builtin_len; i++)
        all[n++] = scn_block_builtin[i];
    for (size_t i = 0; i < n_user; i++)
        all[n++] = cli->hosts[i];
    *n_out = n;
    return all;
}
