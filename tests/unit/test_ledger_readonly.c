/* A ledger that cannot be written (issue 12 item 9): an archive on read-only media or in a read-only
 * folder opens read-only for the commands that only read, instead of failing with "attempt to write a
 * readonly database"; an older schema there is refused with a clear message and left untouched.
 *
 * Root ignores file modes, so the test makes the read-only place in whichever honest way applies, and
 * says which: as root a tmpfs remounted read-only (EROFS, as on a CD or a read-only archive mount); as
 * root where mounting is not allowed (a container without CAP_SYS_ADMIN), a chmod 0555 folder read by
 * a child process that has become nobody (HUIXIN_TEST_NO_MOUNT=1 forces it); as anyone else, a chmod
 * 0555 folder. It never skips. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/err.h"
#include "common/files.h"
#include "verify/digest.h"
#include "verify/ledger.h"
#include "tests/unit/runner.h"

static char work[64];

enum ro_method { RO_TMPFS, RO_CHMOD_AS_NOBODY, RO_CHMOD };

static const char *const method_names[] = {"a tmpfs mounted read-only", "a chmod 0555 folder, read as nobody",
                                           "a chmod 0555 folder"};

struct ro_place {
    char *dir;
    enum ro_method method;
    bool is_mounted;
};

static void work_make(void)
{
    if (work[0])
        return;
    snprintf(work, sizeof work, "/tmp/huixin-ledger-ro-XXXXXX");
    if (!mkdtemp(work))
        abort();
    chmod(work, 0755); /* nobody must reach the folders below */
}

/* A ledger at work/NAME with one campaign; its schema version is set to version when >= 0. */
static char *ledger_make(const char *name, int version)
{
    work_make();
    char *path = xasprintf("%s/%s", work, name);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    if (ledger_open(path, &l, &e) != 0) {
        fprintf(stderr, "  %s\n", e.msg);
        abort();
    }
    struct ledger_campaign c = {.name = "2025年第四季度检查", .authorised_by = "督查室", .created_at_ms = 1000};
    int64_t id = 0;
    if (ledger_campaign_ensure(l, &c, &id, &e) != 0)
        abort();
    ledger_close(l); /* a clean close folds the -wal in and removes it and the -shm */
    if (version >= 0) {
        sqlite3 *db = NULL;
        char *sql = xasprintf("PRAGMA user_version = %d", version);
        if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            abort();
        sqlite3_close(db);
        free(sql);
    }
    return path;
}

static int copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t len = 0;
    int rc = file_read_all(from, &data, &len, NULL);
    if (rc == 0)
        rc = file_write_atomic(to, data, len, NULL);
    free(data);
    return rc;
}

/* Copies the ledgers (NULL-terminated) into a new read-only place. */
static int ro_place_make(struct ro_place *p, const char *const *ledgers)
{
    static int n_places;
    work_make();
    memset(p, 0, sizeof *p);
    p->dir = xasprintf("%s/archive-%d", work, ++n_places);
    if (mkdir(p->dir, 0755) != 0 && errno != EEXIST)
        return -1;
    /* HUIXIN_TEST_NO_MOUNT=1 tries the fallback where root may not mount */
    const char *no_mount = getenv("HUIXIN_TEST_NO_MOUNT");
    bool may_mount = geteuid() == 0 && !(no_mount && *no_mount);
    if (may_mount && mount("tmpfs", p->dir, "tmpfs", 0, "size=8m,mode=0755") == 0) {
        p->is_mounted = true;
        p->method = RO_TMPFS;
    } else {
        p->method = geteuid() == 0 ? RO_CHMOD_AS_NOBODY : RO_CHMOD;
    }
    for (size_t i = 0; ledgers[i]; i++) {
        char *to = xasprintf("%s/%s", p->dir, strrchr(ledgers[i], '/') + 1);
        int rc = copy_file(ledgers[i], to);
        chmod(to, 0444);
        free(to);
        if (rc)
            return -1;
    }
    if (p->is_mounted) {
        if (mount("tmpfs", p->dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=8m,mode=0755") != 0) {
            fprintf(stderr, "  remount read-only: %s\n", strerror(errno));
            return -1;
        }
    } else if (chmod(p->dir, 0555) != 0) {
        return -1;
    }
    fprintf(stderr, "  (read-only place: %s)\n", method_names[p->method]);
    return 0;
}

static void ro_place_release(struct ro_place *p)
{
    if (p->is_mounted)
        umount2(p->dir, MNT_DETACH);
    else if (p->dir)
        chmod(p->dir, 0755);
    free(p->dir);
}

/* Runs fn(arg) where the place is read-only for it: in this process, or in a child that became nobody.
 * fn uses CHECK only (never REQUIRE: a child must not jump back into the runner). */
static void run_reading(const struct ro_place *p, void (*fn)(const struct ro_place *))
{
    if (p->method != RO_CHMOD_AS_NOBODY) {
        fn(p);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            fprintf(stderr, "  cannot become nobody: %s\n", strerror(errno));
            _exit(2);
        }
        runner_case_failed = 0;
        fn(p);
        fflush(NULL);
        _exit(runner_case_failed ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void sha_of(const char *path, char hex[DIGEST_HEX_LEN])
{
    if (digest_file_sha256_hex(path, hex, NULL, NULL) != 0)
        snprintf(hex, DIGEST_HEX_LEN, "(unreadable)");
}

/* Nothing beside the ledger in the place: no -wal, no -shm, no journal. */
static int place_entries(const struct ro_place *p)
{
    char *wal = xasprintf("%s/cur.db-wal", p->dir), *shm = xasprintf("%s/cur.db-shm", p->dir);
    int n = file_exists(wal) + file_exists(shm);
    free(wal);
    free(shm);
    return n;
}

static void read_current(const struct ro_place *p)
{
    char *path = xasprintf("%s/cur.db", p->dir);
    char before[DIGEST_HEX_LEN], after[DIGEST_HEX_LEN];
    sha_of(path, before);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    /* what status, report and campaign list call */
    int rc = ledger_open_existing(path, &l, &e);
    if (rc)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        struct ledger_campaign *all = NULL;
        size_t n = 0;
        CHECK_INT(ledger_campaign_list(l, &all, &n, &e), 0);
        CHECK_INT(n, 1);
        if (n == 1)
            CHECK_STR(all[0].name, "2025年第四季度检查");
        ledger_campaigns_free(all, n);
        /* and a write is refused, not half done */
        struct ledger_campaign c = {.name = "new", .authorised_by = "x", .created_at_ms = 1};
        struct err we;
        err_init(&we);
        int64_t id = 0;
        CHECK(ledger_campaign_ensure(l, &c, &id, &we) != 0);
        ledger_close(l);
    }
    /* the same through ledger_open_readonly itself */
    l = NULL;
    err_init(&e);
    rc = ledger_open_readonly(path, &l, &e);
    if (rc)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK_INT(rc, 0);
    ledger_close(l);
    sha_of(path, after);
    CHECK_STR(after, before);
    CHECK_INT(place_entries(p), 0);
    free(path);
    /* a name SQLite's URIs would misread unescaped */
    path = xasprintf("%s/归档 a?b#c%%d.db", p->dir);
    l = NULL;
    err_init(&e);
    rc = ledger_open_existing(path, &l, &e);
    if (rc)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK_INT(rc, 0);
    if (rc == 0) {
        struct ledger_campaign c = {0};
        CHECK_INT(ledger_campaign_find(l, "2025年第四季度检查", &c, &e), 0);
        ledger_campaign_release(&c);
        ledger_close(l);
    }
    free(path);
}

static void read_older(const struct ro_place *p)
{
    char *path = xasprintf("%s/old.db", p->dir);
    char before[DIGEST_HEX_LEN], after[DIGEST_HEX_LEN];
    sha_of(path, before);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(ledger_open_existing(path, &l, &e), ERR_STORE);
    CHECK(l == NULL);
    fprintf(stderr, "  (%s)\n", e.msg);
    CHECK(strstr(e.msg, path) != NULL);
    CHECK(strstr(e.msg, "read-only") != NULL);
    CHECK(strstr(e.msg, "cannot be upgraded") != NULL);
    sha_of(path, after);
    CHECK_STR(after, before);
    free(path);
}

static void test_readonly_ledger_opens_for_readers(void)
{
    char *cur = ledger_make("cur.db", -1);
    char *odd = ledger_make("归档 a?b#c%d.db", -1);
    const char *const ledgers[] = {cur, odd, NULL};
    struct ro_place p;
    if (ro_place_make(&p, ledgers) != 0) {
        runner_case_failed = 1;
        fprintf(stderr, "  could not make a read-only place in %s\n", work);
    } else {
        run_reading(&p, read_current);
    }
    ro_place_release(&p);
    free(odd);
    free(cur);
}

static void test_readonly_older_schema_is_refused_untouched(void)
{
    /* this huixin's schema version, from a ledger it just made */
    char *probe = ledger_make("probe.db", -1);
    struct ledger *l = NULL;
    REQUIRE(ledger_open(probe, &l, NULL) == 0);
    int version = ledger_schema_version(l);
    ledger_close(l);
    REQUIRE(version > 1);
    char *old = ledger_make("old.db", version - 1);
    const char *const ledgers[] = {old, NULL};
    struct ro_place p;
    if (ro_place_make(&p, ledgers) != 0) {
        runner_case_failed = 1;
        fprintf(stderr, "  could not make a read-only place in %s\n", work);
    } else {
        run_reading(&p, read_older);
    }
    ro_place_release(&p);
    free(old);
    free(probe);
}

static void read_left_wal(const struct ro_place *p)
{
    char *path = xasprintf("%s/wal.db", p->dir);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(ledger_open_existing(path, &l, &e), ERR_STORE);
    CHECK(l == NULL);
    fprintf(stderr, "  (%s)\n", e.msg);
    CHECK(strstr(e.msg, "wal.db-wal") != NULL);
    CHECK(strstr(e.msg, "copy both to a writable folder") != NULL);
    free(path);
}

static void test_readonly_ledger_with_a_left_wal_is_refused(void)
{
    /* copied while a writer had it open: rows live in the -wal, which cannot be read without an index
     * that cannot be made here; refusing is right, reading the file alone would miss them */
    char *path = ledger_make("wal.db", -1);
    struct ledger *l = NULL;
    REQUIRE(ledger_open(path, &l, NULL) == 0);
    struct ledger_campaign c = {.name = "in the wal", .authorised_by = "x", .created_at_ms = 2};
    int64_t id = 0;
    REQUIRE(ledger_campaign_ensure(l, &c, &id, NULL) == 0);
    char *wal = xasprintf("%s-wal", path);
    REQUIRE(file_exists(wal));
    const char *const ledgers[] = {path, wal, NULL};
    struct ro_place p;
    if (ro_place_make(&p, ledgers) != 0) {
        runner_case_failed = 1;
        fprintf(stderr, "  could not make a read-only place in %s\n", work);
    } else {
        run_reading(&p, read_left_wal);
    }
    ledger_close(l);
    ro_place_release(&p);
    free(wal);
    free(path);
}

static void test_readonly_open_of_a_writable_ledger(void)
{
    /* ledger_open_readonly where writing would work: reads, refuses writes, and upgrades nothing */
    char *path = ledger_make("w.db", -1);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(ledger_open_readonly(path, &l, &e) == 0);
    struct ledger_campaign c = {0};
    CHECK_INT(ledger_campaign_find(l, "2025年第四季度检查", &c, &e), 0);
    ledger_campaign_release(&c);
    struct ledger_campaign n = {.name = "new", .authorised_by = "x", .created_at_ms = 1};
    int64_t id = 0;
    CHECK(ledger_campaign_ensure(l, &n, &id, NULL) != 0);
    ledger_close(l);
    int version = 0;
    REQUIRE(ledger_open(path, &l, NULL) == 0);
    version = ledger_schema_version(l);
    ledger_close(l);
    char *old = ledger_make("w-old.db", version - 1);
    err_init(&e);
    l = NULL;
    CHECK_INT(ledger_open_readonly(old, &l, &e), ERR_STORE);
    CHECK(l == NULL);
    CHECK(strstr(e.msg, "cannot be upgraded") != NULL);
    /* a writable ledger opens read-write for a reader, as before (so an older one is upgraded) */
    l = NULL;
    err_init(&e);
    CHECK_INT(ledger_open_existing(path, &l, &e), 0);
    CHECK(l && ledger_campaign_ensure(l, &n, &id, NULL) == 0);
    ledger_close(l);
    /* and a missing one is an error, never a new file */
    char *missing = xasprintf("%s/missing.db", work);
    err_init(&e);
    l = NULL;
    CHECK_INT(ledger_open_readonly(missing, &l, &e), ERR_STORE);
    CHECK(!file_exists(missing));
    free(missing);
    free(old);
    free(path);
}

static const struct test_case cases[] = {
    {"a ledger on read-only media opens read-only for readers, untouched", test_readonly_ledger_opens_for_readers},
    {"a read-only ledger of an older schema is refused, untouched", test_readonly_older_schema_is_refused_untouched},
    {"a read-only ledger with a left-over -wal is refused, not read in part", test_readonly_ledger_with_a_left_wal_is_refused},
    {"a read-only open reads, refuses writes and never upgrades", test_readonly_open_of_a_writable_ledger},
};

int main(int argc, char **argv)
{
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    if (work[0])
        file_remove_tree(work, NULL);
    return rc;
}
