#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "verify/evidence.h"

/* Keeps a name to one safe path component: it can never climb out of the evidence root. */
static char *clean_component(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(n + 2);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* UTF-8 (Chinese campaign names) is kept; '/', control characters and ".." are not. */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c >= 0x80 || (c == '.' && j > 0 && out[j - 1] != '.');
        out[j++] = ok ? (char)c : '_';
    }
    if (j == 0)
        out[j++] = '_';
    out[j] = '\0';
    return out;
}

/* A folder name is at most 255 bytes on Linux file systems (about 85 Chinese characters). A longer name
 * becomes its first 120 bytes, cut between characters, then '-' and 16 hex digits of the SHA-256 of
 * the whole name: still readable, the same folder on every run and every machine, and two long names
 * that share their start still differ. Names that fit are kept as they are, so the folders of
 * existing campaigns do not move. */
#define NAME_MAX_BYTES 255
#define NAME_PREFIX_BYTES 120

static char *name_component(const char *s)
{
    char *clean = clean_component(s);
    size_t n = strlen(clean);
    if (n <= NAME_MAX_BYTES)
        return clean;
    size_t cut = NAME_PREFIX_BYTES;
    while (cut > 0 && ((unsigned char)clean[cut] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
        cut--;
    char hex[DIGEST_HEX_LEN];
    digest_sha256_hex(s, strlen(s), hex);
    char *out = xasprintf("%.*s-%.16s", (int)cut, clean, hex);
    free(clean);
    return out;
}

long evidence_dir_seq(const char *name)
{
    size_t n = 0;
    while (name[n] >= '0' && name[n] <= '9')
        n++;
    if (n < 3 || n > 9 || name[n] != '-')
        return -1;
    return strtol(name, NULL, 10);
}

int evidence_dir_make(const char *root, const char *campaign, const char *site_key, int64_t letter_id, int seq,
                      const char *kind, int64_t at_ms, char **rel_out, struct err *e)
{
    char *c = name_component(campaign ? campaign : "ad-hoc");
    char *s = name_component(site_key ? site_key : "site");
    char *k = name_component(kind);
    char stamp[32];
    clock_utc_format(at_ms, stamp, sizeof stamp); /* 2026-11-21T07:37:53Z */
    char compact[32];
    size_t j = 0;
    for (size_t i = 0; stamp[i] && j + 1 < sizeof compact; i++)
        if (stamp[i] != '-' && stamp[i] != ':')
            compact[j++] = stamp[i];
    compact[j] = '\0';
    char *rel = xasprintf("%s/%s/letter-%lld/%03d-%s-%s", c, s, (long long)letter_id, seq, k, compact);
    /* The root may be a link (the operator's choice); nothing below it is followed: a link planted as
     * a campaign, site, letter or visit folder would have the visit written where it points. */
    int rc = file_mkdir_p(root, 0755, e);
    if (rc == 0)
        rc = file_mkdir_beneath(root, rel, 0755, e);
    free(c);
    free(s);
    free(k);
    if (rc) {
        free(rel);
        return rc;
    }
    *rel_out = rel;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_manifest_or_signature(const char *name)
{
    return strcmp(name, EVIDENCE_MANIFEST) == 0 || strncmp(name, "manifest.", 9) == 0;
}

bool evidence_same_as_is_valid(const char *same_as, const char *name, const char *visit_name)
{
    if (strncmp(same_as, "../", 3) != 0)
        return false;
    const char *seg = same_as + 3;
    const char *slash = strchr(seg, '/');
    if (!slash || slash == seg || strcmp(slash + 1, name) != 0 || strchr(name, '/') || strchr(name, '\\'))
        return false;
    size_t seg_len = (size_t)(slash - seg);
    for (size_t i = 0; i < seg_len; i++)
        if (seg[i] == '\\')
            return false;
    char *folder = xstrndup(seg, seg_len);
    /* a visit folder of the same letter ("NNN-..."), an earlier one: no ".." can pass */
    long seq = evidence_dir_seq(folder), own = visit_name ? evidence_dir_seq(visit_name) : -1;
    bool ok = seq >= 0 && (!visit_name || strcmp(folder, visit_name) != 0) && (own < 0 || seq < own);
    free(folder);
    return ok;
}

static struct evidence_same_as *same_as_from_json(json_t *m, size_t *n_out)
{
    json_t *files = json_object_get(m, "files");
    struct evidence_same_as *list = xmalloc((json_array_size(files) + 1) * sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *same = json_string_value(json_object_get(f, "same_as"));
        if (name && same && evidence_same_as_is_valid(same, name, NULL)) {
            list[n].name = xstrdup(name);
            list[n].same_as = xstrdup(same);
            n++;
        }
    }
    json_decref(m);
    *n_out = n;
    return list;
}

struct evidence_same_as *evidence_same_as_list(const char *dir, size_t *n_out)
{
    char *path = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    json_t *m = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    free(path);
    return same_as_from_json(m, n_out);
}

/* A plain manifest read without jansson (a national report reads 150,000, most with a same_as): a
 * strict reader of the JSON huixin writes (objects, arrays, printable ASCII strings without escapes,
 * integers of up to 15 digits, true, false, null; no key twice in an object). It decides only texts
 * wholly within that; anything else (an escape, UTF-8, a fraction, a repeated key, a syntax error...)
 * is "not sure", and jansson reads the text, so the result is jansson's either way. */
struct plain {
    const char *p, *end;
    int depth;
    struct evidence_same_as *list; /* the files' (name, same_as) spans, as found */
    size_t n, cap;
};

static void plain_ws(struct plain *x)
{
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\n' || *x->p == '\t' || *x->p == '\r'))
        x->p++;
}

/* A string: its span (without quotes) in *s, *len. */
static bool plain_string(struct plain *x, const char **s, size_t *len)
{
    if (x->p >= x->end || *x->p != '"')
        return false;
    const char *start = ++x->p;
    while (x->p < x->end && *x->p != '"') {
        unsigned char c = (unsigned char)*x->p;
        if (c < 0x20 || c > 0x7E || c == '\\')
            return false;
        x->p++;
    }
    if (x->p >= x->end)
        return false;
    *s = start;
    *len = (size_t)(x->p - start);
    x->p++;
    return true;
}

static bool plain_value(struct plain *x, int role);

/* After an object's member or an array's item: 1 when a ',' says another follows, 0 when the closing
 * bracket ends it, -1 for anything else. */
static int plain_after_item(struct plain *x, char close)
{
    plain_ws(x);
    if (x->p < x->end && (*x->p == ',' || *x->p == close))
        return *x->p++ == ',' ? 1 : 0;
    return -1;
}

enum { PLAIN_ANY, PLAIN_TOP, PLAIN_FILES, PLAIN_FILE };

static bool plain_literal(struct plain *x, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, word, n) != 0)
        return false;
    x->p += n;
    return true;
}

static bool plain_number(struct plain *x)
{
    const char *start = x->p;
    if (x->p < x->end && *x->p == '-')
        x->p++;
    const char *digits = x->p;
    while (x->p < x->end && *x->p >= '0' && *x->p <= '9')
        x->p++;
    size_t n = (size_t)(x->p - digits);
    if (n == 0 || n > 15 || (n > 1 && digits[0] == '0'))
        return false;
    /* a fraction or an exponent: not plain */
    return x->p >= x->end || (*x->p != '.' && *x->p != 'e' && *x->p != 'E') ? x->p > start : false;
}

static bool plain_object(struct plain *x, int role)
{
    const char *keys[32];
    size_t key_lens[32], n_keys = 0;
    const char *name = NULL, *same = NULL;
    size_t name_len = 0, same_len = 0;
    x->p++; /* { */
    plain_ws(x);
    if (x->p < x->end && *x->p == '}') {
        x->p++;
        return true;
    }
    for (;;) {
        const char *k;
        size_t klen;
        plain_ws(x);
        if (!plain_string(x, &k, &klen) || n_keys == ARRAY_LEN(keys))
            return false;
        for (size_t i = 0; i < n_keys; i++)
            if (key_lens[i] == klen && memcmp(keys[i], k, klen) == 0)
                return false;
        keys[n_keys] = k;
        key_lens[n_keys++] = klen;
        plain_ws(x);
        if (x->p >= x->end || *x->p != ':')
            return false;
        x->p++;
        plain_ws(x);
        bool is_name = role == PLAIN_FILE && klen == 4 && memcmp(k, "name", 4) == 0;
        bool is_same = role == PLAIN_FILE && klen == 7 && memcmp(k, "same_as", 7) == 0;
        if ((is_name || is_same) && x->p < x->end && *x->p == '"') {
            if (!plain_string(x, is_name ? &name : &same, is_name ? &name_len : &same_len))
                return false;
        } else {
            bool is_files = role == PLAIN_TOP && klen == 5 && memcmp(k, "files", 5) == 0;
            if (!plain_value(x, is_files ? PLAIN_FILES : PLAIN_ANY))
                return false;
        }
        int more = plain_after_item(x, '}');
        if (more < 0)
            return false;
        if (more == 0)
            break;
    }
    if (name && same) {
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 8;
            x->list = xrealloc(x->list, x->cap * sizeof *x->list);
        }
        x->list[x->n].name = xstrndup(name, name_len);
        x->list[x->n].same_as = xstrndup(same, same_len);
        x->n++;
    }
    return true;
}

static bool plain_array(struct plain *x, int role)
{
    x->p++; /* [ */
    plain_ws(x);
    if (x->p < x->end && *x->p == ']') {
        x->p++;
        return true;
    }
    for (;;) {
        plain_ws(x);
        if (!plain_value(x, role == PLAIN_FILES ? PLAIN_FILE : PLAIN_ANY))
            return false;
        int more = plain_after_item(x, ']');
        if (more <= 0)
            return more == 0;
    }
}

/* role: what the value is to the manifest (the whole, its files, one file); a file is only an object
 * there (anything else in the array is no file). */
static bool plain_value(struct plain *x, int role)
{
    if (x->p >= x->end || x->depth >= 64)
        return false;
    bool ok;
    switch (*x->p) {
    case '{':
        x->depth++;
        ok = plain_object(x, role == PLAIN_TOP || role == PLAIN_FILE ? role : PLAIN_ANY);
        x->depth--;
        return ok;
    case '[':
        x->depth++;
        ok = plain_array(x, role == PLAIN_FILES ? PLAIN_FILES : PLAIN_ANY);
        x->depth--;
        return ok;
    case '"': {
        const char *s;
        size_t n;
        return plain_string(x, &s, &n);
    }
    case 't': return plain_literal(x, "true");
    case 'f': return plain_literal(x, "false");
    case 'n': return plain_literal(x, "null");
    default: return plain_number(x);
    }
}

struct evidence_same_as *evidence_same_as_parse(const char *text, size_t len, size_t *n_out)
{
    /* No key can be "same_as" without those bytes, or a \\u escape spelling them */
    if (!memmem(text, len, "same_as", 7) && !memmem(text, len, "\\u", 2)) {
        *n_out = 0;
        return xmalloc(sizeof(struct evidence_same_as));
    }
    struct plain x = {.p = text, .end = text + len};
    plain_ws(&x);
    bool is_plain = x.p < x.end && *x.p == '{' && plain_value(&x, PLAIN_TOP);
    plain_ws(&x);
    if (is_plain && x.p == x.end) {
        /* jansson's list: the valid ones */
        size_t n = 0;
        for (size_t i = 0; i < x.n; i++) {
            if (evidence_same_as_is_valid(x.list[i].same_as, x.list[i].name, NULL)) {
                x.list[n++] = x.list[i];
            } else {
                free(x.list[i].name);
                free(x.list[i].same_as);
            }
        }
        *n_out = n;
        return x.list ? x.list : xmalloc(sizeof(struct evidence_same_as));
    }
    evidence_same_as_free(x.list, x.n);
    return same_as_from_json(json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), n_out);
}

void evidence_same_as_free(struct evidence_same_as *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].name);
        free(list[i].same_as);
    }
    free(list);
}

char *evidence_same_as_read(const char *dir, const char *name)
{
    size_t n = 0;
    struct evidence_same_as *list = evidence_same_as_list(dir, &n);
    char *out = NULL;
    for (size_t i = 0; i < n && !out; i++) {
        if (strcmp(list[i].name, name) == 0)
            out = xstrdup(list[i].same_as);
    }
    evidence_same_as_free(list, n);
    return out;
}

char **evidence_same_as_names(const char *dir, size_t *n_out)
{
    size_t n = 0;
    struct evidence_same_as *list = evidence_same_as_list(dir, &n);
    char **names = xmalloc((n + 1) * sizeof *names);
    for (size_t i = 0; i < n; i++) {
        names[i] = list[i].name;
        list[i].name = NULL;
    }
    evidence_same_as_free(list, n);
    *n_out = n;
    return names;
}

static bool is_regular_nofollow(const char *path, int64_t *size)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *size = (int64_t)st.st_size;
    return true;
}

struct earlier_visit {
    long seq;
    char *name;
};

static int compare_earlier(const void *a, const void *b)
{
    const struct earlier_visit *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq > y->seq ? -1 : 1; /* the nearest first */
    return strcmp(x->name, y->name);
}

/* The letter's visit folders before the one at dir (its parent's "NNN-..." folders with a smaller
 * number), the nearest first; *n_out of them. */
static struct earlier_visit *earlier_visits_list(const char *dir, size_t *n_out)
{
    *n_out = 0;
    const char *slash = strrchr(dir, '/');
    long own = evidence_dir_seq(slash ? slash + 1 : dir);
    if (!slash || own < 0)
        return NULL;
    char *parent = xstrndup(dir, (size_t)(slash - dir));
    DIR *d = opendir(parent);
    struct earlier_visit *v = NULL;
    size_t n = 0;
    struct dirent *ent;
    while (d && (ent = readdir(d)) != NULL) {
        long seq = evidence_dir_seq(ent->d_name);
        if (seq < 0 || seq >= own)
            continue;
        char *path = xasprintf("%s/%s", parent, ent->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            v = xrealloc(v, (n + 1) * sizeof *v);
            v[n].seq = seq;
            v[n].name = xstrdup(ent->d_name);
            n++;
        }
        free(path);
    }
    if (d)
        closedir(d);
    free(parent);
    if (n > 1)
        qsort(v, n, sizeof *v, compare_earlier);
    *n_out = n;
    return v;
}

/* A screenshot byte for byte the same as one an earlier visit of the letter keeps: the relative path
 * of that copy ("../001-submit-.../page.png", caller frees), or NULL. Only copies that are there are
 * compared (an earlier visit's own same_as file is absent, its copy further back), and their bytes are
 * hashed now, so a copy damaged since is not chosen. */
static char *earlier_copy_find(const char *dir, const struct earlier_visit *v, size_t n, const char *name,
                               const char *sha, int64_t bytes)
{
    const char *slash = strrchr(dir, '/');
    char *parent = xstrndup(dir, (size_t)(slash - dir));
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        char *path = xasprintf("%s/%s/%s", parent, v[i].name, name);
        int64_t size = -1, hashed = -1;
        char hex[DIGEST_HEX_LEN];
        if (is_regular_nofollow(path, &size) && size == bytes && digest_file_sha256_hex(path, hex, &hashed, NULL) == 0 &&
            hashed == bytes && strcmp(hex, sha) == 0)
            found = xasprintf("../%s/%s", v[i].name, name);
        free(path);
    }
    free(parent);
    return found;
}

static bool is_shareable(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".png") == 0;
}

int evidence_manifest_write(const char *dir, const char *letter_token, const char *prev_manifest_sha256,
                            int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, ERR_IO, "cannot open evidence folder '%s': %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' || is_manifest_or_signature(ent->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);

    int rc = 0;
    size_t n_earlier = 0;
    struct earlier_visit *earlier = earlier_visits_list(dir, &n_earlier);
    json_t *files = json_array();
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
            /* hashing through it would list a file that is not in the folder */
            char to[4096];
            ssize_t len = readlink(path, to, sizeof to - 1);
            to[len < 0 ? 0 : len] = '\0';
            rc = err_set(e, ERR_IO, "evidence file '%s' is a symbolic link (to '%s'): not followed", path,
                         len < 0 ? "?" : to);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            char hex[DIGEST_HEX_LEN];
            int64_t bytes = 0;
            rc = digest_file_sha256_hex(path, hex, &bytes, e);
            char *same_as = NULL;
            if (rc == 0 && is_shareable(names[i]) && n_earlier > 0)
                same_as = earlier_copy_find(dir, earlier, n_earlier, names[i], hex, bytes);
            if (same_as && unlink(path) != 0) {
                free(same_as); /* kept here after all: listed as an ordinary file */
                same_as = NULL;
            }
            if (rc == 0)
                json_array_append_new(files, json_pack("{s:s, s:s, s:I, s:s*}", "name", names[i], "sha256", hex,
                                                       "bytes", (json_int_t)bytes, "same_as", same_as));
            free(same_as);
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < n_earlier; i++)
        free(earlier[i].name);
    free(earlier);
    if (rc) {
        json_decref(files);
        return rc;
    }

    char when[32];
    clock_utc_format(at_ms, when, sizeof when);
    json_t *manifest = json_pack("{s:i, s:s, s:s, s:o, s:o}", "huixin_manifest", 1, "letter_token",
                                 letter_token ? letter_token : "", "captured_at_utc", when, "files", files,
                                 "previous_manifest_sha256",
                                 prev_manifest_sha256 ? json_string(prev_manifest_sha256) : json_null());
    char *text = json_dumps(manifest, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(manifest);
    size_t len = strlen(text);
    char *withnl = xasprintf("%s\n", text);
    free(text);
    char *path = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    rc = file_write_atomic(path, withnl, len + 1, e);
    if (rc == 0)
        digest_sha256_hex(withnl, len + 1, sha_out);
    free(path);
    free(withnl);
    return rc;
}
