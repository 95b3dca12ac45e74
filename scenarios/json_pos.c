#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "scenarios/json_pos.h"

/* A reader over the text that keeps line and column as it goes. */
struct reader {
    const char *s;
    size_t len, i;
    int line, column;
    struct scn_json_pos *jp;
    int depth;
};

static int peek(const struct reader *r)
{
    return r->i < r->len ? (unsigned char)r->s[r->i] : -1;
}

/* Columns count characters: a UTF-8 continuation byte does not move the column. */
static void advance(struct reader *r)
{
    if (r->i >= r->len)
        return;
    unsigned char c = (unsigned char)r->s[r->i++];
    if (c == '\n') {
        r->line++;
        r->column = 1;
    } else if ((c & 0xC0) != 0x80) {
        r->column++;
    }
}

static void skip_ws(struct reader *r)
{
    for (int c = peek(r); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(r))
        advance(r);
}

static void add(struct reader *r, const char *path, int line, int column, int key_line, int key_column)
{
    struct scn_json_pos *jp = r->jp;
    if (jp->n == jp->cap) {
        jp->cap = jp->cap ? jp->cap * 2 : 64;
        jp->v = xrealloc(jp->v, jp->cap * sizeof *jp->v);
    }
    jp->v[jp->n++] = (struct scn_json_pos_entry){xstrdup(path), line, column, key_line, key_column};
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(struct buf *b, unsigned cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    buf_append(b, o, n);
}

static int read_hex4(struct reader *r, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(peek(r));
        if (h < 0)
            return -1;
        v = v * 16 + (unsigned)h;
        advance(r);
    }
    *out = v;
    return 0;
}

/* Reads a string at the opening quote; its decoded bytes go to out if not NULL. */
static int read_string(struct reader *r, struct buf *out)
{
    if (peek(r) != '"')
        return -1;
    advance(r);
    for (;;) {
        int c = peek(r);
        if (c < 0)
            return -1;
        if (c == '"') {
            advance(r);
            return 0;
        }
        if (c != '\\') {
            if (out)
                buf_append_char(out, (char)c);
            advance(r);
            continue;
        }
        advance(r);
        c = peek(r);
        advance(r);
        const char *simple = strchr("\"\\/bfnrt", c);
        if (c > 0 && simple && c != 'u') {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (out)
                buf_append_char(out, map[simple - "\"\\/bfnrt"]);
        } else if (c == 'u') {
            unsigned cp;
            if (read_hex4(r, &cp) < 0)
                return -1;
            if (cp >= 0xD800 && cp < 0xDC00 && peek(r) == '\\') {
                advance(r);
                unsigned lo;
                if (peek(r) != 'u')
                    return -1;
                advance(r);
                if (read_hex4(r, &lo) < 0)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (out)
                put_utf8(out, cp);
        } else {
            return -1;
        }
    }
}

static int read_value(struct reader *r, const char *path, int key_line, int key_column);

static int read_object(struct reader *r, const char *path)
{
    advance(r); /* { */
    skip_ws(r);
    if (peek(r) == '}') {
        advance(r);
        return 0;
    }
    struct buf key;
    buf_init(&key);
    int rc = -1;
    for (;;) {
        skip_ws(r);
        int kl = r->line, kc = r->column;
        buf_reset(&key);
        if (read_string(r, &key) < 0)
            goto out;
        skip_ws(r);
        if (peek(r) != ':')
            goto out;
        advance(r);
        skip_ws(r);
        char *sub = scn_json_path_join(path, buf_str(&key));
        int vrc = read_value(r, sub, kl, kc);
        free(sub);
        if (vrc < 0)
            goto out;
        skip_ws(r);
        if (peek(r) == ',') {
            advance(r);
            continue;
        }
        if (peek(r) == '}') {
            advance(r);
            rc = 0;
        }
        goto out;
    }
out:
    buf_release(&key);
    return rc;
}

static int read_array(struct reader *r, const char *path)
{
    advance(r); /* [ */
    skip_ws(r);
    if (peek(r) == ']') {
        advance(r);
        return 0;
    }
    for (size_t idx = 0;; idx++) {
        skip_ws(r);
        char seg[32];
        snprintf(seg, sizeof seg, "%zu", idx);
        char *sub = scn_json_path_join(path, seg);
        int vrc = read_value(r, sub, 0, 0);
        free(sub);
        if (vrc < 0)
            return -1;
        skip_ws(r);
        if (peek(r) == ',') {
            advance(r);
            continue;
        }
        if (peek(r) != ']')
            return -1;
        advance(r);
        return 0;
    }
}

static int read_value(struct reader *r, const char *path, int key_line, int key_column)
{
    if (++r->depth > 512)
        return -1;
    int line = r->line, column = r->column, rc = 0;
    add(r, path, line, column, key_line ? key_line : line, key_line ? key_column : column);
    int c = peek(r);
    if (c == '{') {
        rc = read_object(r, path);
    } else if (c == '[') {
        rc = read_array(r, path);
    } else if (c == '"') {
        rc = read_string(r, NULL);
    } else if (c < 0) {
        rc = -1;
    } else {
        /* numbers, true, false, null: the run of characters up to a delimiter */
        size_t start = r->i;
        while ((c = peek(r)) >= 0 && !strchr(",]} \t\r\n", c))
            advance(r);
        rc = r->i > start ? 0 : -1;
    }
    r->depth--;
    return rc;
}

int scn_json_pos_build(struct scn_json_pos *jp, const char *text, size_t len)
{
    memset(jp, 0, sizeof *jp);
    struct reader r = {text, len, 0, 1, 1, jp, 0};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r.i = 3; /* a byte-order mark is not a character of the first line */
    skip_ws(&r);
    if (read_value(&r, "", 0, 0) < 0)
        return -1;
    skip_ws(&r);
    return r.i == r.len ? 0 : -1;
}

void scn_json_pos_release(struct scn_json_pos *jp)
{
    if (!jp)
        return;
    for (size_t i = 0; i < jp->n; i++)
        free(jp->v[i].path);
    free(jp->v);
    memset(jp, 0, sizeof *jp);
}

bool scn_json_pos_find(const struct scn_json_pos *jp, const char *path, bool want_key, int *line, int *column)
{
    for (size_t i = 0; i < jp->n; i++) {
        if (strcmp(jp->v[i].path, path) == 0) {
            *line = want_key ? jp->v[i].key_line : jp->v[i].line;
            *column = want_key ? jp->v[i].key_column : jp->v[i].column;
            return true;
        }
    }
    return false;
}

char *scn_json_path_join(const char *base, const char *segment)
{
    struct buf b;
    buf_init(&b);
    buf_append_str(&b, base);
    buf_append_char(&b, '/');
    for (const char *p = segment; *p; p++) {
        if (*p == '~')
            buf_append_str(&b, "~0");
        else if (*p == '/')
            buf_append_str(&b, "~1");
        else
            buf_append_char(&b, *p);
    }
    return buf_detach(&b);
}
