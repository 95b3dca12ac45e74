/* Where the evidence is, seen from the report: the relative link from the report's folder to the
 * evidence root, and which files of a visit folder exist (only those are linked). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "reports/report.h"
#include "verify/evidence.h"

/* An absolute, normalised path: realpath when it exists, else cwd + path with "." and ".." folded. */
static char *path_absolute(const char *path)
{
    char resolved[PATH_MAX];
    if (realpath(path, resolved))
        return xstrdup(resolved);
    char *joined;
    if (path[0] == '/') {
        joined = xstrdup(path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, "/");
        joined = xasprintf("%s/%s", cwd, path);
    }
    /* Fold components in place onto a stack of segment starts. */
    struct buf out;
    buf_init(&out);
    const char *p = joined;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *slash = out.data ? strrchr(out.data, '/') : NULL;
            if (slash) {
                out.len = (size_t)(slash - out.data);
                out.data[out.len] = '\0';
            }
        } else {
            buf_append_char(&out, '/');
            buf_append(&out, p, n);
        }
        p += n;
    }
    free(joined);
    if (out.len == 0)
        buf_append_char(&out, '/');
    return buf_detach(&out);
}

char *rpt_path_relative(const char *from_dir, const char *to)
{
    char *from = path_absolute(from_dir && *from_dir ? from_dir : ".");
    char *dest = path_absolute(to && *to ? to : ".");
    /* The longest common prefix that ends at a component boundary. */
    size_t common = 0;
    for (size_t i = 0;; i++) {
        bool from_end = from[i] == '\0' || from[i] == '/';
        bool dest_end = dest[i] == '\0' || dest[i] == '/';
        if (from_end && dest_end)
            common = i;
        if (from[i] == '\0' || dest[i] == '\0' || from[i] != dest[i])
            break;
    }
    struct buf out;
    buf_init(&out);
    for (const char *p = from + common; *p; p++) {
        if (*p == '/' && p[1] != '\0')
            buf_append_str(&out, out.len ? "/.." : "..");
    }
    const char *rest = dest + common;
    while (*rest == '/')
        rest++;
    if (*rest) {
        if (out.len)
            buf_append_char(&out, '/');
        buf_append_str(&out, rest);
    }
    if (out.len == 0)
        buf_append_char(&out, '.');
    free(from);
    free(dest);
    return buf_detach(&out);
}

static bool rel_is_safe(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return false;
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n;
        while (*p == '/')
            p++;
    }
    return true;
}

static bool name_is_wanted(const char *name)
{
    static const char *const fixed[] = {"page.png", "page.mhtml", "page.txt", "meta.json", "manifest.json"};
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
        if (strcmp(name, fixed[i]) == 0)
            return true;
    }
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".png") == 0;
}

static void files_add(struct rpt_files *out, size_t *cap, const char *name, const char *href)
{
    if (out->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        out->names = xrealloc(out->names, *cap * sizeof *out->names);
        out->hrefs = xrealloc(out->hrefs, *cap * sizeof *out->hrefs);
    }
    out->names[out->n] = xstrdup(name);
    out->hrefs[out->n] = xstrdup(href);
    out->n++;
}

/* The whole of a file of folder dir_fd (following a link, as a plain open does) into b; false when it
 * cannot be read. One open, one read for a file that fits (a short read of a regular file is its end),
 * one close. */
static bool file_read_at(int dir_fd, const char *name, struct buf *b)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = true;
    for (;;) {
        buf_reserve(b, 8192);
        size_t room = b->cap - b->len - 1;
        ssize_t got = read(fd, b->data + b->len, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            ok = got == 0;
            break;
        }
        b->len += (size_t)got;
        if ((size_t)got < room)
            break;
    }
    b->data[b->len] = '\0';
    close(fd);
    return ok;
}

/* The screenshots the manifest keeps once for the letter ("same_as"), whose copy is there: looked for
 * from the visit folder's own descriptor (the same file as dir_path/same_as, a shorter walk). */
static void same_as_add(int dir_fd, struct rpt_files *out, size_t *cap)
{
    struct buf text;
    buf_init(&text);
    if (!file_read_at(dir_fd, EVIDENCE_MANIFEST, &text)) {
        buf_release(&text);
        return;
    }
    size_t n = 0;
    struct evidence_same_as *list = evidence_same_as_parse(text.data, text.len, &n);
    buf_release(&text);
    for (size_t i = 0; i < n; i++) {
        const char *name = list[i].name;
        bool is_repeat = false; /* a name listed twice: its first entry counts */
        for (size_t j = 0; j < i && !is_repeat; j++)
            is_repeat = strcmp(list[j].name, name) == 0;
        if (is_repeat)
            continue;
        struct stat st;
        if (name_is_wanted(name) && !rpt_files_has(out, name) &&
            fstatat(dir_fd, list[i].same_as, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            files_add(out, cap, name, list[i].same_as);
    }
    evidence_same_as_free(list, n);
}

void rpt_files_list(const char *root, const char *rel, struct rpt_files *out)
{
    memset(out, 0, sizeof *out);
    if (!root || !rel_is_safe(rel))
        return;
    size_t root_len = strlen(root), rel_len = strlen(rel);
    char *dir_path = xmalloc(root_len + rel_len + 2); /* root/rel: no printf, once a visit */
    memcpy(dir_path, root, root_len);
    dir_path[root_len] = '/';
    memcpy(dir_path + root_len + 1, rel, rel_len + 1);
    int fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir_path);
    if (fd < 0)
        return;
    /* A report lists every visit's folder (150,000 in a national round): its entries read straight
     * from the descriptor (no DIR: opendir's checks are three more system calls a folder), the entry's
     * own type when the file system gives it, a stat (following links, as before) only for a link or
     * an unknown type, and the manifest read only when there is one, parsed only when it has a
     * same_as. */
    size_t cap = 0;
    bool has_manifest = false;
    long dents[1024]; /* 8 KB, aligned for struct dirent64 */
    for (;;) {
        ssize_t got = getdents64(fd, dents, sizeof dents);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (size_t off = 0; off < (size_t)got;) {
            const struct dirent64 *ent = (const struct dirent64 *)((const char *)dents + off);
            off += ent->d_reclen;
            if (!name_is_wanted(ent->d_name))
                continue;
            bool is_file = ent->d_type == DT_REG;
            if (ent->d_type == DT_LNK || ent->d_type == DT_UNKNOWN) {
                struct stat st;
                is_file = fstatat(fd, ent->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
            }
            if (!is_file)
                continue;
            has_manifest = has_manifest || strcmp(ent->d_name, EVIDENCE_MANIFEST) == 0;
            files_add(out, &cap, ent->d_name, ent->d_name);
        }
    }
    if (has_manifest)
        same_as_add(fd, out, &cap);
    close(fd);
    /* names and hrefs sorted together, by name (a handful: insertion) */
    for (size_t i = 1; i < out->n; i++) {
        char *name = out->names[i], *href = out->hrefs[i];
        size_t j = i;
        for (; j > 0 && strcmp(out->names[j - 1], name) > 0; j--) {
            out->names[j] = out->names[j - 1];
            out->hrefs[j] = out->hrefs[j - 1];
        }
        out->names[j] = name;
        out->hrefs[j] = href;
    }
}

const char *rpt_files_href(const struct rpt_files *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->names[i], name) == 0)
            return f->hrefs[i];
    }
    return name;
}

bool rpt_files_has(const struct rpt_files *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->names[i], name) == 0)
            return true;
    }
    return false;
}

void rpt_files_free(struct rpt_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->names[i]);
        free(f->hrefs[i]);
    }
    free(f->names);
    free(f->hrefs);
    memset(f, 0, sizeof *f);
}
