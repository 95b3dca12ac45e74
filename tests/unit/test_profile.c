/* Site profiles (verify/profile.h): where a site's login is kept, who may read it, one user at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/err.h"
#include "common/files.h"
#include "verify/profile.h"
#include "tests/unit/runner.h"

static char *tmp_root(void)
{
    const char *t = getenv("TMPDIR");
    char *dir = xasprintf("%s/huixin-profile-test-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void test_keys_name_plain_folders(void)
{
    char *dir = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(profile_dir_of("/p", "hanweb-login_2.x", &dir, &e), 0);
    CHECK_STR(dir, "/p/hanweb-login_2.x");
    free(dir);
    const char *bad[] = {"", ".", "..", ".hidden", "a/b", "../x", "宝川"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err_init(&e);
        dir = NULL;
        CHECK_INT(profile_dir_of("/p", bad[i], &dir, &e), ERR_USAGE);
        CHECK(dir == NULL);
    }
}

static void test_default_root_beside_the_ledger(void)
{
    unsetenv("HUIXIN_PROFILES");
    char *r = profile_root_default("/data/huixin.db");
    CHECK_STR(r, "/data/huixin.db.profiles");
    free(r);
    setenv("HUIXIN_PROFILES", "/srv/profiles", 1);
    r = profile_root_default("/data/huixin.db");
    CHECK_STR(r, "/srv/profiles");
    free(r);
    unsetenv("HUIXIN_PROFILES");
}

/* Made 0700 when missing; missing without create is "nobody logged in"; looser or a link is refused. */
static void test_modes_and_links(void)
{
    char *root = tmp_root();
    REQUIRE(root != NULL);
    char *profiles = xasprintf("%s/profiles", root);
    struct profile pr;
    struct err e;
    err_init(&e);
    CHECK_INT(profile_open(profiles, "site", false, 0, &pr, &e), ERR_NOT_FOUND);
    CHECK(pr.dir == NULL && pr.lock_fd == -1);
    err_init(&e);
    CHECK_INT(profile_open(profiles, "site", true, 0, &pr, &e), 0);
    struct stat st;
    REQUIRE(stat(pr.dir, &st) == 0);
    CHECK_INT((int)(st.st_mode & 07777), 0700);
    profile_close(&pr);
    profile_close(&pr); /* twice: a no-op */

    char *site = xasprintf("%s/site", profiles);
    chmod(site, 0750);
    err_init(&e);
    CHECK_INT(profile_open(profiles, "site", true, 0, &pr, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "mode 0750") != NULL && strstr(e.msg, "chmod 700") != NULL);
    chmod(site, 0700);
    chmod(profiles, 0777);
    err_init(&e);
    CHECK_INT(profile_open(profiles, "site", true, 0, &pr, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "the profiles folder") != NULL);
    chmod(profiles, 0755); /* searchable by others is fine: it only names the profiles */
    err_init(&e);
    CHECK_INT(profile_open(profiles, "site", true, 0, &pr, &e), 0);
    profile_close(&pr);

    char *elsewhere = xasprintf("%s/elsewhere", root);
    REQUIRE(mkdir(elsewhere, 0700) == 0);
    char *link = xasprintf("%s/linked", profiles);
    REQUIRE(symlink(elsewhere, link) == 0);
    err_init(&e);
    CHECK_INT(profile_open(profiles, "linked", true, 0, &pr, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "symbolic link") != NULL);
    file_remove_tree(root, NULL);
    free(link);
    free(elsewhere);
    free(site);
    free(profiles);
    free(root);
}

/* One user at a time: a second open waits, then fails with ERR_TIMEOUT; free again once closed. */
static void test_one_user_at_a_time(void)
{
    char *root = tmp_root();
    REQUIRE(root != NULL);
    struct profile a, b;
    struct err e;
    err_init(&e);
    CHECK_INT(profile_open(root, "s", true, 0, &a, &e), 0);
    err_init(&e);
    CHECK_INT(profile_open(root, "s", true, 300, &b, &e), ERR_TIMEOUT);
    CHECK(strstr(e.msg, "in use by another huixin") != NULL);
    profile_close(&a);
    err_init(&e);
    CHECK_INT(profile_open(root, "s", true, 0, &b, &e), 0);
    profile_close(&b);
    file_remove_tree(root, NULL);
    free(root);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"site keys name plain folders", test_keys_name_plain_folders},
        {"the default root is beside the ledger, or $HUIXIN_PROFILES", test_default_root_beside_the_ledger},
        {"profiles are made 0700; looser ones and links are refused", test_modes_and_links},
        {"a profile is used by one huixin at a time", test_one_user_at_a_time},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
