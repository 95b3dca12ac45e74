#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
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

static const struct test_case cases[] = {
    {"sha256 of abc", test_sha256_of_abc},
    {"folder names cannot climb out of the root", test_dir_names_cannot_climb_out},
    {"the manifest lists files and chains", test_manifest_lists_files_and_chains},
};

int main(int argc, char **argv)
{
    make_root();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(root, NULL);
    return rc;
}
