#include <locale.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "scenarios/regex.h"

struct scn_regex {
    regex_t re;
    char *source;
};

/* The UTF-8 locale, made once and kept for the life of the process. */
static locale_t utf8_locale(void)
{
    static locale_t loc = (locale_t)0;
    static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8"};
    for (size_t i = 0; !loc && i < ARRAY_LEN(names); i++)
        loc = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
    return loc;
}

/* POSIX bracket expressions take no escapes: "[^\t\n]" is "not backslash, t or n", never what was
 * meant. Rejected here so the mistake shows at lint time instead of as a wrong capture. */
static const char *bracket_backslash(const char *p)
{
    while (*p) {
        if (*p == '\\' && p[1]) {
            p += 2;
            continue;
        }
        if (*p != '[') {
            p++;
            continue;
        }
        const char *q = p + 1;
        if (*q == '^')
            q++;
        if (*q == ']')
            q++;
        for (; *q && *q != ']'; q++) {
            if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                const char *end = strstr(q + 2, (char[]){q[1], ']', 0});
                if (end)
                    q = end + 1;
                continue;
            }
            if (*q == '\\')
                return q;
        }
        p = *q ? q + 1 : q;
    }
    return NULL;
}

/* Where a quantifier follows another ("{1,2}++", "a**"), else NULL. POSIX leaves such patterns
 * undefined, and glibc's regcomp expands a chain of them until it has eaten gigabytes (found by
 * fuzz/fuzz_scenario.c: "[0-9]{1,2}" followed by 25 '+'). */
static const char *stacked_quantifier(const char *pattern)
{
    bool is_after_quantifier = false;
    for (const char *p = pattern; *p;) {
        bool is_quantifier = *p == '*' || *p == '+' || *p == '?' || *p == '{';
        if (is_quantifier && is_after_quantifier)
            return p;
        if (*p == '\\' && p[1]) {
            p += 2;
        } else if (*p == '{') {
            const char *end = strchr(p, '}');
            p = end ? end + 1 : p + 1;
        } else if (*p == '[') { /* a bracket expression: skip to its closing ']' */
            const char *q = p + 1;
            if (*q == '^')
                q++;
            if (*q == ']')
                q++;
            for (; *q && *q != ']'; q++)
                if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                    const char *end = strstr(q + 2, (char[]){q[1], ']', 0});
                    if (end)
                        q = end;
                }
            p = *q ? q + 1 : q;
        } else {
            p++;
        }
        is_after_quantifier = is_quantifier;
    }
    return NULL;
}

int scn_regex_compile(const char *pattern, struct scn_regex **out, struct err *e)
{
    *out = NULL;
    const char *stacked = stacked_quantifier(pattern);
    if (stacked)
        return err_set(e, ERR_INPUT, "bad regex '%s': a quantifier ('%.1s') follows another; group first, as in "
                       "'(a+)?'", pattern, stacked);
    const char *bs = bracket_backslash(pattern);
    if (bs)
        return err_set(e, ERR_INPUT, "bad regex '%s': a backslash inside [...] is a literal backslash in POSIX regular "
                       "expressions ('%.2s' there is two characters); use [[:space:]], [[:digit:]] or the character itself",
                       pattern, bs);
    locale_t loc = utf8_locale();
    if (!loc)
        return err_set(e, ERR_INTERNAL, "no UTF-8 locale (C.UTF-8) is installed, so regular expressions cannot "
                       "match Chinese text");
    struct scn_regex *r = xcalloc(1, sizeof *r);
    locale_t old = uselocale(loc);
    int rc = regcomp(&r->re, pattern, REG_EXTENDED);
    uselocale(old);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &r->re, msg, sizeof msg);
        free(r);
        return err_set(e, ERR_INPUT, "bad regex '%s': %s", pattern, msg);
    }
    r->source = xstrdup(pattern);
    *out = r;
    return 0;
}

void scn_regex_free(struct scn_regex *r)
{
    if (!r)
        return;
    regfree(&r->re);
    free(r->source);
    free(r);
}

const char *scn_regex_source(const struct scn_regex *r)
{
    return r->source;
}

size_t scn_regex_groups(const struct scn_regex *r)
{
    return r->re.re_nsub;
}

int scn_regex_find(const struct scn_regex *r, const char *text, char **capture_out)
{
    regmatch_t m[2];
    locale_t old = uselocale(utf8_locale());
    int rc = regexec(&r->re, text, 2, m, 0);
    uselocale(old);
    if (rc != 0)
        return 0;
    int g = r->re.re_nsub > 0 ? 1 : 0;
    if (m[g].rm_so < 0) /* an optional group that took no part: the empty string */
        *capture_out = xstrdup("");
    else
        *capture_out = xstrndup(text + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    return 1;
}
