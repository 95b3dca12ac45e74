#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "scenarios/letter.h"

#ifndef HUIXIN_DATADIR
#define HUIXIN_DATADIR "/usr/local/share/huixin"
#endif

#define TITLE_MAX_CHARS 40

/* Words a test letter must never carry: abuse, and what spam filters look for. Kept short and plain;
 * the templates test checks every template against it. */
static const char *const banned_words[] = {
    "傻逼", "傻B", "他妈", "妈的", "狗官", "贪官", "废物", "去死", "滚蛋", "垃圾政府", "混蛋",
    "代开发票", "加微信", "刷单", "博彩", "贷款", "色情", "枪支", "办证", "http://", "https://",
};

static const char categories[][8] = {"咨询", "建议", "求助", "投诉"};

static const char token_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const char *scn_letter_banned_word(const char *text)
{
    for (size_t i = 0; i < ARRAY_LEN(banned_words); i++) {
        if (strstr(text, banned_words[i]))
            return banned_words[i];
    }
    return NULL;
}

long scn_utf8_chars(const char *text)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || (len == 2 && *p < 0xC2))
            return -1;
        for (int k = 1; k < len; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return -1;
        }
        p += len;
        n++;
    }
    return n;
}

/* The byte length of the first max_chars characters of a valid UTF-8 text. */
static size_t utf8_prefix_bytes(const char *text, long max_chars)
{
    const unsigned char *p = (const unsigned char *)text;
    for (long n = 0; *p && n < max_chars; n++) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
    }
    return (size_t)((const char *)p - text);
}

int scn_letter_templates_find(char **path_out, struct err *e)
{
    *path_out = NULL;
    struct buf tried;
    buf_init(&tried);
    char *cands[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t n = 0;
    const char *data = getenv("HUIXIN_DATA");
    if (data && *data) {
        cands[n++] = xasprintf("%s/templates/letters.json", data);
        cands[n++] = xasprintf("%s/letters.json", data);
    }
    cands[n++] = xstrdup("scenarios/templates/letters.json");
    /* beside the binary: ./huixin of a source tree, run from another folder */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            cands[n++] = xasprintf("%s/scenarios/templates/letters.json", exe);
        }
    }
    cands[n++] = xstrdup(HUIXIN_DATADIR "/templates/letters.json");
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!*path_out && file_exists(cands[i])) {
            *path_out = cands[i];
            cands[i] = NULL;
        }
        if (cands[i])
            buf_printf(&tried, "%s'%s'", tried.len ? ", " : "", cands[i]);
        free(cands[i]);
    }
    if (!*path_out)
        rc = err_set(e, ERR_NOT_FOUND, "no letter templates found (tried %s); set HUIXIN_DATA to huixin's data folder",
                     buf_str(&tried));
    buf_release(&tried);
    return rc;
}

void scn_letter_templates_free(struct scn_letter_templates *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].category);
        free(t->v[i].title);
        free(t->v[i].body);
    }
    free(t->v);
    free(t->path);
    free(t);
}

static int check_text(const char *path, const char *cat, size_t i, const char *what, json_t *v, struct err *e)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return err_set(e, ERR_INPUT, "%s: %s template %zu: '%s' must be a non-empty string", path, cat, i + 1, what);
    const char *s = json_string_value(v);
    const char *bad = scn_letter_banned_word(s);
    if (bad)
        return err_set(e, ERR_INPUT, "%s: %s template %zu: %s contains the banned word '%s'", path, cat, i + 1, what,
                       bad);
    if (strstr(s, "${") || strstr(s, "来信编号"))
        return err_set(e, ERR_INPUT, "%s: %s template %zu: %s must be plain text (no '${', no token: huixin adds it)",
                       path, cat, i + 1, what);
    if (strcmp(what, "title") == 0 && scn_utf8_chars(s) > TITLE_MAX_CHARS)
        return err_set(e, ERR_INPUT, "%s: %s template %zu: title has %ld characters; expected at most %d", path, cat,
                       i + 1, scn_utf8_chars(s), TITLE_MAX_CHARS);
    return 0;
}

int scn_letter_templates_load(const char *path, struct scn_letter_templates **out, struct err *e)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(e, ERR_INPUT, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
    struct scn_letter_templates *t = xcalloc(1, sizeof *t);
    t->path = xstrdup(path);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = err_set(e, ERR_INPUT, "%s: expected an object of categories (咨询, 建议, 求助, 投诉)", path);
        goto out;
    }
    const char *cat;
    json_t *list;
    json_object_foreach(root, cat, list) {
        bool known = false;
        for (size_t c = 0; c < ARRAY_LEN(categories); c++)
            known = known || strcmp(categories[c], cat) == 0;
        if (!known) {
            rc = err_set(e, ERR_INPUT, "%s: unknown category '%s'; expected 咨询, 建议, 求助 or 投诉", path, cat);
            goto out;
        }
        if (!json_is_array(list) || json_array_size(list) == 0) {
            rc = err_set(e, ERR_INPUT, "%s: category '%s' must be a non-empty array of templates", path, cat);
            goto out;
        }
        size_t i;
        json_t *tp;
        json_array_foreach(list, i, tp) {
            if (!json_is_object(tp) || json_object_size(tp) != 2) {
                rc = err_set(e, ERR_INPUT, "%s: %s template %zu: expected an object with 'title' and 'body' only", path,
                             cat, i + 1);
                goto out;
            }
            if ((rc = check_text(path, cat, i, "title", json_object_get(tp, "title"), e)) < 0 ||
                (rc = check_text(path, cat, i, "body", json_object_get(tp, "body"), e)) < 0)
                goto out;
            t->v = xrealloc(t->v, (t->n + 1) * sizeof *t->v);
            t->v[t->n++] = (struct scn_letter_template){xstrdup(cat),
                                                         xstrdup(json_string_value(json_object_get(tp, "title"))),
                                                         xstrdup(json_string_value(json_object_get(tp, "body")))};
        }
    }
out:
    json_decref(root);
    if (rc < 0)
        scn_letter_templates_free(t);
    else
        *out = t;
    return rc;
}

size_t scn_letter_templates_count(const struct scn_letter_templates *t, const char *category)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += strcmp(t->v[i].category, category) == 0;
    return n;
}

bool scn_token_is_valid(const char *token)
{
    if (strlen(token) != SCN_TOKEN_LEN || token[0] != 'H' || token[1] != 'X')
        return false;
    bool digit = false, letter = false;
    for (size_t i = 2; i < SCN_TOKEN_LEN; i++) {
        if (!strchr(token_alphabet, token[i]))
            return false;
        digit = digit || (token[i] >= '0' && token[i] <= '9');
        letter = letter || (token[i] >= 'A' && token[i] <= 'Z');
    }
    return digit && letter;
}

int scn_token_new(char *out, bool (*is_taken)(const char *token, void *user), void *user, struct err *e)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open /dev/urandom: %s", strerror(errno));
    int rc = ERR_INTERNAL;
    for (int attempt = 0; attempt < 1000; attempt++) {
        unsigned char r[6];
        ssize_t got = read(fd, r, sizeof r);
        if (got != (ssize_t)sizeof r) {
            rc = err_set(e, ERR_IO, "cannot read /dev/urandom: %s", got < 0 ? strerror(errno) : "short read");
            goto out;
        }
        out[0] = 'H';
        out[1] = 'X';
        /* 31 symbols: reject the top of the byte range so each symbol is equally likely */
        bool biased = false;
        for (size_t i = 0; i < 6; i++) {
            if (r[i] >= 248)
                biased = true;
            out[2 + i] = token_alphabet[r[i] % 31];
        }
        out[SCN_TOKEN_LEN] = '\0';
        if (biased || !scn_token_is_valid(out) || (is_taken && is_taken(out, user)))
            continue;
        rc = 0;
        goto out;
    }
    err_set(e, ERR_INTERNAL, "could not make an unused letter token in 1000 tries");
out:
    close(fd);
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

void scn_letter_release(struct scn_letter *l)
{
    if (!l)
        return;
    free(l->category);
    free(l->title);
    free(l->body);
    memset(l, 0, sizeof *l);
}

int scn_letter_render(const struct scn_letter_templates *t, const struct scn_letter_spec *spec, size_t pick,
                      const char *token, struct scn_letter *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *category = spec->category ? spec->category : "咨询";
    size_t count = scn_letter_templates_count(t, category);
    if (count == 0)
        return err_set(e, ERR_INPUT, "%s: no letter template for category '%s'", t->path, category);
    if (!scn_token_is_valid(token))
        return err_set(e, ERR_INTERNAL, "letter token '%s' is malformed", token);
    const struct scn_letter_template *tp = NULL;
    for (size_t i = 0, k = 0; i < t->n && !tp; i++) {
        if (strcmp(t->v[i].category, category) == 0 && k++ == pick % count)
            tp = &t->v[i];
    }
    char *title = NULL, *body = NULL;
    if (spec->token_in == SCN_TOKEN_IN_TITLE) {
        char *suffix = xasprintf("（编号%s）", token);
        long room = spec->title_max_chars ? spec->title_max_chars - scn_utf8_chars(suffix) : 1000000;
        if (room < 4) {
            free(suffix);
            return err_set(e, ERR_INPUT, "title_max_chars %d leaves no room for the title and its token",
                           spec->title_max_chars);
        }
        size_t keep = utf8_prefix_bytes(tp->title, room);
        title = xasprintf("%.*s%s", (int)keep, tp->title, suffix);
        body = xstrdup(tp->body);
        free(suffix);
    } else {
        long room = spec->title_max_chars ? spec->title_max_chars : 1000000;
        title = xstrndup(tp->title, utf8_prefix_bytes(tp->title, room));
        body = xasprintf("%s\n（来信编号：%s）", tp->body, token);
    }
    if (spec->body_max_chars && scn_utf8_chars(body) > spec->body_max_chars) {
        int rc = err_set(e, ERR_INPUT, "%s: %s template %zu has %ld characters with its token; the site takes %d",
                         t->path, category, pick % count + 1, scn_utf8_chars(body), spec->body_max_chars);
        free(title);
        free(body);
        return rc;
    }
    out->category = xstrdup(category);
    out->title = title;
    out->body = body;
    memcpy(out->token, token, SCN_TOKEN_LEN + 1);
    return 0;
}
