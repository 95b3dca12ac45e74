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
            if (rc == 0)
                json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "name", names[i], "sha256", hex,
                                                       "bytes", (json_int_t)bytes));
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
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
