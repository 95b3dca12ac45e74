#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/text_clean.h"
#include "verify/digest.h"
#include "verify/evidence.h"
#include "verify/evidence_sign.h"
#include "verify/evidence_verify.h"
#include "verify/ledger.h"
#include "verify/tsa.h"

#define WALK_DEPTH_MAX 12

struct vctx {
    const struct evidence_verify_opts *opts;
    evidence_verify_fn fn;
    void *user;
    struct evidence_verify_stats *st;
    int visit_failures; /* failures reported for the visit being checked */
    char *root_real;    /* with a ledger: the evidence root, once a letter folder has shown where it is */
    int64_t *seen_letters; /* with a ledger: the letters whose folders were compared */
    size_t n_seen_letters;
};

/* What the chain needs to know of one visit. */
struct visit_facts {
    bool has_manifest;
    bool is_parsed;
    char sha[DIGEST_HEX_LEN];  /* of manifest.json's bytes */
    char *prev;                /* previous_manifest_sha256; NULL when null */
    char *token;               /* letter_token */
};

static void visit_facts_release(struct visit_facts *f)
{
    free(f->prev);
    free(f->token);
    memset(f, 0, sizeof *f);
}

static void report(struct vctx *c, enum evidence_finding kind, const char *where, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static void report(struct vctx *c, enum evidence_finding kind, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = xvasprintf(fmt, ap);
    va_end(ap);
    /* parser messages quote the damaged bytes: keep the output valid UTF-8 on one line */
    char *what = text_clean(raw, strlen(raw), false);
    free(raw);
    if (kind == EVIDENCE_FAILED) {
        c->st->failures++;
        c->visit_failures++;
    }
    if (c->fn)
        c->fn(kind, where, what, c->user);
    free(what);
}

static bool is_plain_name(const char *s)
{
    return s[0] && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && !strchr(s, '/') && !strchr(s, '\\');
}

static bool is_lower_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a folder but . and .., sorted; NULL (and errno) when it cannot be read. */
static char **dir_names(const char *dir, size_t *n_out)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(ent->d_name);
    }
    closedir(d);
    if (!names)
        names = xmalloc(sizeof *names);
    qsort(names, n, sizeof *names, compare_names);
    *n_out = n;
    return names;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Where a symbolic link points (caller frees), or NULL when path is no link. */
static char *link_target(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return NULL;
    char buf[4096];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return xstrdup(n < 0 ? "?" : buf);
}

/* Evidence holds no links: one would let a file or a visit seem to be here while it is elsewhere, and
 * huixin never makes one. Every link in dir is a failure, named with where it points. */
static void links_report(struct vctx *c, const char *dir, const char *where)
{
    size_t n = 0;
    char **names = dir_names(dir, &n);
    for (size_t i = 0; names && i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        char *to = link_target(path);
        if (to)
            report(c, EVIDENCE_FAILED, where[0] ? where : ".", "'%s' is a symbolic link (to '%s'): evidence holds no links",
                   names[i], to);
        free(to);
        free(path);
    }
    if (names)
        names_free(names, n);
}

static char *base_name(const char *path);

/* Checks the listed files; marks which names of the folder were listed. A file listed with same_as
 * is not here but in an earlier visit folder of the letter: that copy is checked (so a changed byte
 * in it is named for every visit that refers to it). */
static void files_check(struct vctx *c, const char *dir, const char *where, json_t *files)
{
    size_t n = json_array_size(files);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(files, i);
        const char *name = NULL, *sha = NULL, *same_as = NULL;
        json_int_t bytes = -1;
        json_error_t jerr;
        if (!json_is_object(f) ||
            json_unpack_ex(f, &jerr, JSON_STRICT, "{s:s, s:s, s:I, s?:s}", "name", &name, "sha256", &sha, "bytes",
                           &bytes, "same_as", &same_as)) {
            report(c, EVIDENCE_FAILED, where,
                   "manifest.json: files[%zu] is not {\"name\", \"sha256\", \"bytes\"} (and maybe \"same_as\")", i);
            continue;
        }
        if (!is_plain_name(name) || strcmp(name, EVIDENCE_MANIFEST) == 0 || strcmp(name, EVIDENCE_SIG_FILE) == 0 ||
            strcmp(name, EVIDENCE_TSR_FILE) == 0) {
            report(c, EVIDENCE_FAILED, where, "manifest.json: files[%zu] has a bad name '%s'", i, name);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const char *other = json_string_value(json_object_get(json_array_get(files, j), "name"));
            if (other && strcmp(other, name) == 0) {
                report(c, EVIDENCE_FAILED, where, "manifest.json: '%s' is listed twice", name);
                break;
            }
        }
        if (!is_lower_hex64(sha)) {
            report(c, EVIDENCE_FAILED, where, "manifest.json: %s: sha256 '%.70s' is not 64 lower-case hex digits",
                   name, sha);
            continue;
        }
        char *own_path = xasprintf("%s/%s", dir, name);
        char *path = NULL;
        struct stat st;
        if (same_as) {
            /* kept once for the letter: the earlier visit's copy, inside the letter folder */
            char *visit = base_name(dir);
            bool is_valid = evidence_same_as_is_valid(same_as, name, visit);
            free(visit);
            if (!is_valid) {
                report(c, EVIDENCE_FAILED, where,
                       "manifest.json: %s: same_as '%.200s' is not \"../NNN-.../%s\" (an earlier visit of this letter)",
                       name, same_as, name);
                free(own_path);
                continue;
            }
            if (lstat(own_path, &st) == 0)
                report(c, EVIDENCE_FAILED, where, "%s is here though the manifest says it is kept as %s", name, same_as);
            char *folder = xasprintf("%s/%.*s", dir, (int)(strrchr(same_as, '/') - same_as), same_as);
            char *to = link_target(folder);
            if (to) {
                report(c, EVIDENCE_FAILED, where, "%s (same as %s): %s is a symbolic link (to '%s'): not followed", name,
                       same_as, folder + strlen(dir) + 1, to);
                free(to);
                free(folder);
                free(own_path);
                continue;
            }
            free(folder);
            path = xasprintf("%s/%s", dir, same_as);
            free(own_path);
        } else {
            path = own_path;
        }
        char *shown = same_as ? xasprintf("%s (same as %s)", name, same_as) : xstrdup(name);
        if (lstat(path, &st) != 0) {
            report(c, EVIDENCE_FAILED, where, "missing file %s", shown);
        } else if (S_ISLNK(st.st_mode)) {
            char *to = link_target(path);
            report(c, EVIDENCE_FAILED, where, "%s is a symbolic link (to '%s'), expected a regular file", shown,
                   to ? to : "?");
            free(to);
        } else if (!S_ISREG(st.st_mode)) {
            report(c, EVIDENCE_FAILED, where, "%s: not a regular file", shown);
        } else {
            char hex[DIGEST_HEX_LEN];
            int64_t size = 0;
            struct err e;
            err_init(&e);
            if (digest_file_sha256_hex(path, hex, &size, &e))
                report(c, EVIDENCE_FAILED, where, "%s: %s", shown, e.msg);
            else if (size != (int64_t)bytes)
                report(c, EVIDENCE_FAILED, where, "%s: size mismatch (expected %lld bytes, found %lld)", shown,
                       (long long)bytes, (long long)size);
            else if (strcmp(hex, sha) != 0)
                report(c, EVIDENCE_FAILED, where, "%s: sha256 mismatch (expected %s, found %s)", shown, sha, hex);
        }
        free(shown);
        free(path);
    }
}

static bool is_listed(json_t *files, const char *name)
{
    for (size_t i = 0; i < json_array_size(files); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(files, i), "name"));
        if (n && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static void extras_check(struct vctx *c, const char *dir, const char *where, json_t *files)
{
    size_t n = 0;
    char **names = dir_names(dir, &n);
    if (!names) {
        report(c, EVIDENCE_FAILED, where, "cannot list the folder: %s", strerror(errno));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        if (strcmp(name, EVIDENCE_MANIFEST) == 0 || strcmp(name, EVIDENCE_SIG_FILE) == 0 ||
            strcmp(name, EVIDENCE_TSR_FILE) == 0 || is_listed(files, name))
            continue;
        char *path = xasprintf("%s/%s", dir, name);
        struct stat st;
        bool is_dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        char *to = link_target(path);
        free(path);
        if (to)
            report(c, EVIDENCE_FAILED, where, "unlisted symbolic link %s (to '%s'): evidence holds no links", name, to);
        else
            report(c, EVIDENCE_FAILED, where, "unlisted %s %s", is_dir ? "folder" : "file", name);
        free(to);
    }
    names_free(names, n);
}

static void signature_check(struct vctx *c, const char *dir, const char *where, const char *manifest, size_t mlen)
{
    char *path = xasprintf("%s/%s", dir, EVIDENCE_SIG_FILE);
    char *text = NULL;
    size_t len = 0;
    struct err e;
    err_init(&e);
    if (!file_exists(path)) {
        if (c->opts->pubkey)
            report(c, EVIDENCE_FAILED, where, "not signed (no %s) though --pubkey was given", EVIDENCE_SIG_FILE);
        goto out;
    }
    struct evidence_sig sig;
    if (file_read_all(path, &text, &len, &e)) {
        report(c, EVIDENCE_FAILED, where, "%s", e.msg);
    } else if (evidence_sig_parse(text, len, &sig, &e)) {
        report(c, EVIDENCE_FAILED, where, "bad signature: %s: %s", EVIDENCE_SIG_FILE, e.msg);
    } else if (!c->opts->pubkey) {
        c->st->signatures_unchecked++;
        report(c, EVIDENCE_NOTE, where, "signature not checked (no --pubkey); signed by key sha256 %.16s...",
               sig.key_sha256);
    } else if (evidence_sig_check(&sig, manifest, mlen, c->opts->pubkey, &e)) {
        report(c, EVIDENCE_FAILED, where, "%s", e.msg);
    } else {
        c->st->signatures_checked++;
    }
out:
    free(text);
    free(path);
}

static void timestamp_check(struct vctx *c, const char *dir, const char *where, const char *manifest, size_t mlen)
{
    char *path = xasprintf("%s/%s", dir, EVIDENCE_TSR_FILE);
    char *der = NULL;
    size_t len = 0;
    struct err e;
    err_init(&e);
    if (!file_exists(path)) {
        if (c->opts->tsa_ca_path)
            report(c, EVIDENCE_FAILED, where, "no timestamp (%s) though --tsa-ca was given", EVIDENCE_TSR_FILE);
        goto out;
    }
    unsigned char md[32];
    {
        /* digest.h speaks hex; the TS check wants the raw bytes */
        char hex[DIGEST_HEX_LEN];
        digest_sha256_hex(manifest, mlen, hex);
        for (int i = 0; i < 32; i++) {
            unsigned v = 0;
            sscanf(hex + 2 * i, "%2x", &v);
            md[i] = (unsigned char)v;
        }
    }
    struct tsa_token_info info;
    if (file_read_all(path, &der, &len, &e)) {
        report(c, EVIDENCE_FAILED, where, "%s", e.msg);
    } else if (tsa_reply_check((const unsigned char *)der, len, md, c->opts->tsa_ca_path, NULL, &info, &e)) {
        report(c, EVIDENCE_FAILED, where, "%s: %s", EVIDENCE_TSR_FILE, e.msg);
    } else {
        char when[32];
        clock_utc_format(info.gen_time_ms, when, sizeof when);
        c->st->timestamps_checked++;
        if (!info.is_trusted)
            report(c, EVIDENCE_NOTE, where, "timestamp %s intact but its TSA not trusted (no --tsa-ca)", when);
        else
            report(c, EVIDENCE_NOTE, where, "timestamped %s by a trusted TSA (serial %s)", when, info.serial_hex);
    }
out:
    free(der);
    free(path);
}

/* Checks one visit folder; fills facts for the chain. */
static void visit_check(struct vctx *c, const char *dir, const char *where, struct visit_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    c->visit_failures = 0;
    c->st->visits++;
    char *mpath = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    char *text = NULL;
    size_t len = 0;
    json_t *m = NULL;
    struct err e;
    err_init(&e);
    if (file_read_all(mpath, &text, &len, &e)) {
        report(c, EVIDENCE_FAILED, where, "no readable %s (%s)", EVIDENCE_MANIFEST, e.msg);
        goto out;
    }
    facts->has_manifest = true;
    digest_sha256_hex(text, len, facts->sha);

    json_error_t jerr;
    m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!m) {
        report(c, EVIDENCE_FAILED, where, "manifest.json:%d:%d: %s", jerr.line, jerr.column, jerr.text);
    } else {
        json_t *files = NULL, *prev = NULL;
        const char *token = NULL, *when = NULL;
        int version = 0;
        if (json_unpack_ex(m, &jerr, JSON_STRICT, "{s:i, s:s, s:s, s:o, s:o}", "huixin_manifest", &version,
                           "letter_token", &token, "captured_at_utc", &when, "files", &files,
                           "previous_manifest_sha256", &prev) ||
            version != 1 || !json_is_array(files) || !(json_is_null(prev) || json_is_string(prev))) {
            report(c, EVIDENCE_FAILED, where,
                   "manifest.json: expected {huixin_manifest: 1, letter_token, captured_at_utc, files: [...], "
                   "previous_manifest_sha256: hex or null}%s%s",
                   jerr.text[0] ? ": " : "", jerr.text);
        } else {
            facts->is_parsed = true;
            facts->prev = json_is_string(prev) ? xstrdup(json_string_value(prev)) : NULL;
            facts->token = xstrdup(token);
            files_check(c, dir, where, files);
            extras_check(c, dir, where, files);
        }
    }
    signature_check(c, dir, where, text, len);
    timestamp_check(c, dir, where, text, len);
out:
    json_decref(m);
    free(text);
    free(mpath);
}

static void visit_done(struct vctx *c, const char *where)
{
    if (c->visit_failures == 0) {
        c->st->visits_ok++;
        report(c, EVIDENCE_VISIT_OK, where, "ok");
    }
}

struct visit_entry {
    long seq;
    char *name;
};

static int compare_visits(const void *a, const void *b)
{
    const struct visit_entry *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool is_dir_nofollow(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The visit folders of a letter folder, sorted by sequence. */
static struct visit_entry *visits_list(const char *dir, size_t *n_out)
{
    size_t n = 0, k = 0;
    char **names = dir_names(dir, &n);
    struct visit_entry *v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; names && i < n; i++) {
        long seq = evidence_dir_seq(names[i]);
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (seq >= 0 && is_dir_nofollow(path)) {
            v[k].seq = seq;
            v[k].name = xstrdup(names[i]);
            k++;
        }
        free(path);
    }
    if (names)
        names_free(names, n);
    qsort(v, k, sizeof *v, compare_visits);
    *n_out = k;
    return v;
}

/* "letter-12" -> 12, or 0. */
static int64_t letter_folder_id(const char *dir)
{
    const char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    if (strncmp(name, "letter-", 7) != 0 || name[7] < '1' || name[7] > '9')
        return 0;
    char *end;
    long long id = strtoll(name + 7, &end, 10);
    return *end == '\0' ? (int64_t)id : 0;
}

/* The folder's last component from a ledger path ("C/S/letter-1/002-check-X" -> "002-check-X"). */
static const char *last_component(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    return slash ? slash + 1 : rel;
}

/* Compares a letter folder's visits with the ledger's: what the folders alone cannot show (the newest
 * visit moved away, or renamed) shows here. */
static void ledger_compare(struct vctx *c, const char *dir, const char *shown, const struct visit_entry *v,
                           size_t n, const struct visit_facts *facts)
{
    int64_t id = letter_folder_id(dir);
    struct ledger_visit *rows = NULL;
    size_t n_rows = 0, n_kept = 0;
    char *real = NULL;
    struct err e;
    err_init(&e);
    if (id == 0) {
        report(c, EVIDENCE_FAILED, shown, "not named letter-ID: cannot find its letter in the ledger");
        goto out;
    }
    if (ledger_visit_list(c->opts->ledger, id, &rows, &n_rows, &e)) {
        report(c, EVIDENCE_FAILED, shown, "%s", e.msg);
        goto out;
    }
    c->seen_letters = xrealloc(c->seen_letters, (c->n_seen_letters + 1) * sizeof *c->seen_letters);
    c->seen_letters[c->n_seen_letters++] = id;
    real = realpath(dir, NULL);
    for (size_t i = 0; i < n_rows; i++) {
        const char *rel = rows[i].evidence_dir;
        if (!rel)
            continue; /* a visit recorded without evidence: it has no folder */
        n_kept++;
        /* the ledger's letter folder must be this one, not a namesake from another ledger */
        size_t parent_len = (size_t)(last_component(rel) - rel);
        size_t real_len = real ? strlen(real) : 0;
        if (parent_len > 0 && real && (real_len < parent_len ||
                                       strncmp(real + real_len - (parent_len - 1), rel, parent_len - 1) != 0 ||
                                       (real_len > parent_len - 1 && real[real_len - parent_len] != '/'))) {
            report(c, EVIDENCE_FAILED, shown, "the ledger keeps letter %lld's evidence in '%.*s', not here",
                   (long long)id, (int)(parent_len - 1), rel);
            goto out;
        }
        if (real && !c->root_real && parent_len > 0)
            c->root_real = xstrndup(real, real_len - parent_len);
        const char *name = last_component(rel);
        size_t j = 0;
        while (j < n && strcmp(v[j].name, name) != 0)
            j++;
        if (j == n) {
            report(c, EVIDENCE_FAILED, shown, "visit %s is in the ledger but its folder is missing (moved or renamed)",
                   name);
        } else if (rows[i].manifest_sha256 && facts[j].has_manifest && strcmp(rows[i].manifest_sha256, facts[j].sha) != 0) {
            report(c, EVIDENCE_FAILED, shown, "%s: manifest.json hashes to %s but the ledger recorded %s", name,
                   facts[j].sha, rows[i].manifest_sha256);
        }
    }
    for (size_t j = 0; j < n; j++) {
        bool is_known = false;
        for (size_t i = 0; i < n_rows && !is_known; i++)
            is_known = rows[i].evidence_dir && strcmp(last_component(rows[i].evidence_dir), v[j].name) == 0;
        if (!is_known)
            report(c, EVIDENCE_FAILED, shown, "folder %s is not a visit of letter %lld in the ledger", v[j].name,
                   (long long)id);
    }
    if (n_kept != n)
        report(c, EVIDENCE_FAILED, shown, "the ledger has %zu visit%s with evidence for letter %lld, the folder %zu",
               n_kept, n_kept == 1 ? "" : "s", (long long)id, n);
out:
    free(real);
    ledger_visits_free(rows, n_rows);
}

/* With the evidence root given: a letter with evidence in the ledger whose folder was not seen. */
static void ledger_missing_letters(struct vctx *c, const char *path)
{
    char *real = realpath(path, NULL);
    struct ledger_letter *letters = NULL;
    size_t n_letters = 0;
    struct err e;
    err_init(&e);
    if (!real || (c->root_real && strcmp(real, c->root_real) != 0))
        goto out; /* a folder below the root: only what it holds is compared */
    if (ledger_letter_list(c->opts->ledger, 0, &letters, &n_letters, &e)) {
        report(c, EVIDENCE_FAILED, ".", "%s", e.msg);
        goto out;
    }
    for (size_t i = 0; i < n_letters; i++) {
        bool is_seen = false;
        for (size_t k = 0; k < c->n_seen_letters && !is_seen; k++)
            is_seen = c->seen_letters[k] == letters[i].id;
        if (is_seen)
            continue;
        struct ledger_visit *rows = NULL;
        size_t n_rows = 0, n_kept = 0;
        const char *where = NULL;
        if (ledger_visit_list(c->opts->ledger, letters[i].id, &rows, &n_rows, &e)) {
            report(c, EVIDENCE_FAILED, ".", "%s", e.msg);
            break;
        }
        for (size_t k = 0; k < n_rows; k++)
            if (rows[k].evidence_dir) {
                n_kept++;
                where = rows[k].evidence_dir;
            }
        if (n_kept > 0) {
            char *parent = xstrndup(where, (size_t)(last_component(where) - where - 1));
            report(c, EVIDENCE_FAILED, parent, "letter %lld has %zu visit%s with evidence in the ledger, and no folder here",
                   (long long)letters[i].id, n_kept, n_kept == 1 ? "" : "s");
            free(parent);
        }
        ledger_visits_free(rows, n_rows);
    }
out:
    ledger_letters_free(letters, n_letters);
    free(real);
}

static void letter_check(struct vctx *c, const char *dir, const char *shown)
{
    size_t n = 0;
    struct visit_entry *v = visits_list(dir, &n);
    struct visit_facts *facts = xcalloc(n + 1, sizeof *facts);
    c->st->letters++;
    links_report(c, dir, shown);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, v[i].name);
        char *where = xasprintf("%s/%s", shown, v[i].name);
        visit_check(c, path, where, &facts[i]);
        /* Numbering: 1, 2, 3 ... with no gap and no twin. */
        if (i > 0 && v[i].seq == v[i - 1].seq)
            report(c, EVIDENCE_FAILED, where, "two visits numbered %03ld (%s and %s)", v[i].seq, v[i - 1].name,
                   v[i].name);
        else if (v[i].seq != (i > 0 ? v[i - 1].seq + 1 : 1))
            report(c, EVIDENCE_FAILED, where, "visit %03ld follows %s%03ld: a visit is missing", v[i].seq,
                   i > 0 ? "visit " : "nothing, expected ", i > 0 ? v[i - 1].seq : 1L);
        /* The chain. */
        if (facts[i].is_parsed) {
            if (i == 0 && facts[i].prev)
                report(c, EVIDENCE_FAILED, where,
                       "chain broken: previous_manifest_sha256 is %s but this is the letter's first visit (expected null)",
                       facts[i].prev);
            else if (i > 0 && facts[i - 1].has_manifest &&
                     (!facts[i].prev || strcmp(facts[i].prev, facts[i - 1].sha) != 0))
                report(c, EVIDENCE_FAILED, where,
                       "chain broken: previous_manifest_sha256 is %s but %s's manifest hashes to %s",
                       facts[i].prev ? facts[i].prev : "null", v[i - 1].name, facts[i - 1].sha);
            if (i > 0 && facts[0].token && strcmp(facts[i].token, facts[0].token) != 0)
                report(c, EVIDENCE_FAILED, where, "letter_token '%s' differs from %s's '%s'", facts[i].token,
                       v[0].name, facts[0].token);
        }
        visit_done(c, where);
        free(where);
        free(path);
    }
    if (c->opts->ledger)
        ledger_compare(c, dir, shown, v, n, facts);
    for (size_t i = 0; i < n; i++) {
        visit_facts_release(&facts[i]);
        free(v[i].name);
    }
    free(facts);
    free(v);
}

static bool is_letter_dir(const char *dir)
{
    size_t n = 0;
    struct visit_entry *v = visits_list(dir, &n);
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return n > 0;
}

static void tree_walk(struct vctx *c, const char *dir, const char *shown, int depth)
{
    if (is_letter_dir(dir)) {
        letter_check(c, dir, shown);
        return;
    }
    links_report(c, dir, shown);
    if (depth >= WALK_DEPTH_MAX)
        return;
    size_t n = 0;
    char **names = dir_names(dir, &n);
    for (size_t i = 0; names && i < n; i++) {
        if (names[i][0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (is_dir_nofollow(path)) {
            char *sub = shown[0] ? xasprintf("%s/%s", shown, names[i]) : xstrdup(names[i]);
            tree_walk(c, path, sub, depth + 1);
            free(sub);
        }
        free(path);
    }
    if (names)
        names_free(names, n);
}

/* The last component of a path, without trailing slashes. */
static char *base_name(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return xstrndup(path + start, n - start);
}

int evidence_verify_path(const char *path, const struct evidence_verify_opts *opts, evidence_verify_fn fn,
                         void *user, struct evidence_verify_stats *stats, struct err *e)
{
    struct evidence_verify_stats local;
    struct evidence_verify_opts no_opts = {0};
    struct vctx c = {opts ? opts : &no_opts, fn, user, stats ? stats : &local, 0, NULL, NULL, 0};
    memset(c.st, 0, sizeof *c.st);
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_NOT_FOUND, "evidence '%s': %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return err_set(e, ERR_INPUT, "evidence '%s' is not a folder: expected a visit, letter or evidence root folder",
                       path);
    char *manifest = xasprintf("%s/%s", path, EVIDENCE_MANIFEST);
    char *name = base_name(path);
    if (file_exists(manifest)) {
        struct visit_facts facts;
        visit_check(&c, path, name, &facts);
        if (facts.is_parsed && facts.prev)
            report(&c, EVIDENCE_NOTE, name, "chain not checked: give the letter folder to check it");
        visit_done(&c, name);
        visit_facts_release(&facts);
    } else if (is_letter_dir(path)) {
        letter_check(&c, path, name);
    } else {
        tree_walk(&c, path, "", 0);
        if (c.opts->ledger)
            ledger_missing_letters(&c, path);
    }
    free(c.root_real);
    free(c.seen_letters);
    free(name);
    free(manifest);
    if (c.st->visits == 0)
        return err_set(e, ERR_NOT_FOUND,
                       "no evidence under '%s': expected visit folders named NNN-KIND-STAMP holding a manifest.json",
                       path);
    return 0;
}

struct each_ctx {
    evidence_visit_fn fn;
    void *user;
    size_t n;
    int rc;
};

static void each_letter(struct each_ctx *c, const char *dir, const char *shown)
{
    size_t n = 0;
    struct visit_entry *v = visits_list(dir, &n);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, v[i].name);
        char *where = xasprintf("%s/%s", shown, v[i].name);
        char *manifest = xasprintf("%s/%s", path, EVIDENCE_MANIFEST);
        if (c->rc == 0 && file_exists(manifest)) {
            c->n++;
            c->rc = c->fn(path, where, c->user);
        }
        free(manifest);
        free(where);
        free(path);
        free(v[i].name);
    }
    free(v);
}

static void each_walk(struct each_ctx *c, const char *dir, const char *shown, int depth)
{
    if (is_letter_dir(dir)) {
        each_letter(c, dir, shown);
        return;
    }
    if (depth >= WALK_DEPTH_MAX)
        return;
    size_t n = 0;
    char **names = dir_names(dir, &n);
    for (size_t i = 0; names && i < n && c->rc == 0; i++) {
        if (names[i][0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, names[i]);
        if (is_dir_nofollow(path)) {
            char *sub = shown[0] ? xasprintf("%s/%s", shown, names[i]) : xstrdup(names[i]);
            each_walk(c, path, sub, depth + 1);
            free(sub);
        }
        free(path);
    }
    if (names)
        names_free(names, n);
}

int evidence_visits_each(const char *path, evidence_visit_fn fn, void *user, size_t *n_out, struct err *e)
{
    struct each_ctx c = {fn, user, 0, 0};
    if (!is_dir_nofollow(path) && !file_exists(path))
        return err_set(e, ERR_NOT_FOUND, "evidence '%s': %s", path, strerror(ENOENT));
    char *manifest = xasprintf("%s/%s", path, EVIDENCE_MANIFEST);
    char *name = base_name(path);
    if (file_exists(manifest)) {
        c.n = 1;
        c.rc = fn(path, name, user);
    } else if (is_letter_dir(path)) {
        each_letter(&c, path, name);
    } else {
        each_walk(&c, path, "", 0);
    }
    free(name);
    free(manifest);
    if (n_out)
        *n_out = c.n;
    if (c.rc == 0 && c.n == 0)
        return err_set(e, ERR_NOT_FOUND,
                       "no evidence under '%s': expected visit folders named NNN-KIND-STAMP holding a manifest.json",
                       path);
    return c.rc;
}
