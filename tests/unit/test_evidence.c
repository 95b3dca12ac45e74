#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/files.h"
#include "verify/digest.h"
#include "verify/evidence.h"
#include "tests/unit/runner.h"

static char root[64];

static void make_root(void)
{
    snprintf(root, sizeof root, "/tmp/huixin-evidence-XXXXXX");
    if (!mkdtemp(root))
        abort();
}

static void test_sha256_of_abc(void)
{
    char hex[DIGEST_HEX_LEN];
    digest_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_dir_names_cannot_climb_out(void)
{
    char *rel = NULL;
    REQUIRE(evidence_dir_make(root, "../../etc", "宝川/市", 7, 3, "check", 0, &rel, NULL) == 0);
    CHECK(strstr(rel, "..") == NULL);
    CHECK(strncmp(rel, "_._.__etc/", 10) == 0);
    CHECK(strstr(rel, "/letter-7/003-check-19700101T000000Z") != NULL);
    char *full = xasprintf("%s/%s", root, rel);
    CHECK(file_exists(full));
    free(full);
    free(rel);
}

static void test_manifest_lists_files_and_chains(void)
{
    char *rel = NULL;
    REQUIRE(evidence_dir_make(root, "c", "s", 1, 1, "submit", 0, &rel, NULL) == 0);
    char *dir = xasprintf("%s/%s", root, rel);
    char *p1 = xasprintf("%s/page.txt", dir);
    char *p2 = xasprintf("%s/a.png", dir);
    REQUIRE(file_write_atomic(p1, "abc", 3, NULL) == 0);
    REQUIRE(file_write_atomic(p2, "", 0, NULL) == 0);
    char sha[DIGEST_HEX_LEN];
    struct err e;
    err_init(&e);
    REQUIRE(evidence_manifest_write(dir, "HX1", "prevhash", 0, sha, &e) == 0);
    char *mpath = xasprintf("%s/manifest.json", dir);
    char *text = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(mpath, &text, &len, NULL) == 0);
    char check[DIGEST_HEX_LEN];
    digest_sha256_hex(text, len, check);
    CHECK_STR(sha, check);
    json_t *m = json_loads(text, 0, NULL);
    REQUIRE(m != NULL);
    json_t *files = json_object_get(m, "files");
    CHECK_INT(json_array_size(files), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(files, 0), "name")), "a.png");
    CHECK_STR(json_string_value(json_object_get(json_array_get(files, 1), "sha256")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_STR(json_string_value(json_object_get(m, "previous_manifest_sha256")), "prevhash");
    /* Writing again does not list the manifest itself. */
    REQUIRE(evidence_manifest_write(dir, "HX1", NULL, 0, sha, &e) == 0);
    json_decref(m);
    free(text);
    REQUIRE(file_read_all(mpath, &text, &len, NULL) == 0);
    m = json_loads(text, 0, NULL);
    CHECK_INT(json_array_size(json_object_get(m, "files")), 2);
    CHECK(json_is_null(json_object_get(m, "previous_manifest_sha256")));
    json_decref(m);
    free(text);
    free(mpath);
    free(p1);
    free(p2);
    free(dir);
    free(rel);
}

/* The first path component of rel (the campaign's folder), a new string. */
static char *first_component(const char *rel)
{
    return xstrndup(rel, strcspn(rel, "/"));
}

/* Makes a visit folder for campaign and returns its campaign folder name (NULL on failure). */
static char *campaign_folder(const char *campaign)
{
    char *rel = NULL;
    struct err e;
    err_init(&e);
    if (evidence_dir_make(root, campaign, "site", 1, 1, "submit", 0, &rel, &e) != 0) {
        fprintf(stderr, "  %s\n", e.msg);
        return NULL;
    }
    char *full = xasprintf("%s/%s", root, rel);
    bool made = file_exists(full);
    free(full);
    char *c = first_component(rel);
    free(rel);
    if (!made) {
        free(c);
        return NULL;
    }
    return c;
}

/* Whether s is whole UTF-8 sequences (no sequence cut short at the end or anywhere else). */
static bool is_whole_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (more < 0)
            return false;
        p++;
        for (int i = 0; i < more; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return false;
    }
    return true;
}

static char *repeat(const char *unit, int n)
{
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_append(&b, unit, strlen(unit));
    char *s = xstrdup(buf_str(&b));
    buf_release(&b);
    return s;
}

static void test_long_campaign_names_are_shortened(void)
{
    /* issue 12 item 10: 105 Chinese characters (315 bytes) once failed every run with ENAMETOOLONG */
    char *body = repeat("政府网站互动回应情况专项检查", 7);
    char *name = xasprintf("关于%s的测试活动", body);
    CHECK_INT(strlen(name), 315);
    char *folder = campaign_folder(name);
    REQUIRE(folder != NULL);
    fprintf(stderr, "  (%zu bytes: %s)\n", strlen(folder), folder);
    CHECK(strlen(folder) <= 255);
    CHECK(is_whole_utf8(folder));
    /* a readable start (the first 40 characters), then '-' and the SHA-256 of the whole name */
    CHECK(strncmp(folder, name, 120) == 0);
    char hex[DIGEST_HEX_LEN];
    digest_sha256_hex(name, strlen(name), hex);
    char *want = xasprintf("%.120s-%.16s", name, hex);
    CHECK_STR(folder, want);
    /* the same name, the same folder, every time */
    char *again = campaign_folder(name);
    CHECK_STR(again, folder);
    /* a name that differs only after the kept start gets a folder of its own */
    char *other_name = xasprintf("关于%s的复查活动", body);
    char *other = campaign_folder(other_name);
    REQUIRE(other != NULL);
    CHECK(strcmp(other, folder) != 0);
    CHECK(strncmp(other, folder, 120) == 0);
    free(other);
    free(other_name);
    free(again);
    free(want);
    free(folder);
    free(name);
    free(body);
}

static void test_name_cut_between_characters(void)
{
    /* 'a' then 3-byte characters: byte 120 falls inside one, so the cut moves back to byte 118 */
    char *tail = repeat("检", 100);
    char *name = xasprintf("a%s", tail);
    char *folder = campaign_folder(name);
    REQUIRE(folder != NULL);
    CHECK(is_whole_utf8(folder));
    CHECK(strncmp(folder, name, 118) == 0);
    CHECK_INT(strlen(folder), 118 + 1 + 16);
    CHECK_INT(folder[118], '-');
    free(folder);
    free(name);
    free(tail);
}

static void test_names_that_fit_keep_their_folder(void)
{
    /* 85 characters are exactly 255 bytes: kept whole, as every campaign before the fix had it */
    char *name = repeat("检", 85);
    char *folder = campaign_folder(name);
    CHECK_STR(folder, name);
    free(folder);
    free(name);
    /* one byte more is shortened */
    char *tail = repeat("检", 85);
    name = xasprintf("a%s", tail);
    folder = campaign_folder(name);
    REQUIRE(folder != NULL);
    CHECK(strlen(folder) < 255);
    free(folder);
    free(name);
    free(tail);
    /* a long site key too: each folder name is kept to a file name's length */
    char *key = repeat("k", 300);
    char *rel = NULL;
    REQUIRE(evidence_dir_make(root, "c", key, 1, 1, "check", 0, &rel, NULL) == 0);
    CHECK(strncmp(rel, "c/kkk", 5) == 0);
    CHECK(strlen(rel) < 255);
    free(rel);
    free(key);
}

static const struct test_case cases[] = {
    {"sha256 of abc", test_sha256_of_abc},
    {"folder names cannot climb out of the root", test_dir_names_cannot_climb_out},
    {"the manifest lists files and chains", test_manifest_lists_files_and_chains},
    {"a campaign name too long for a folder is shortened, the same every time", test_long_campaign_names_are_shortened},
    {"a shortened name is cut between UTF-8 characters", test_name_cut_between_characters},
    {"names that fit keep their folder; long site keys are shortened too", test_names_that_fit_keep_their_folder},
};

int main(int argc, char **argv)
{
    make_root();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(root, NULL);
    return rc;
}
