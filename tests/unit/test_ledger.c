#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/files.h"
#include "verify/ledger.h"
#include "tests/unit/runner.h"

static char dir[64];

static char *temp_path(const char *name)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/huixin-ledger-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    return xasprintf("%s/%s", dir, name);
}

/* A ledger with one campaign, one site and one submitted letter; ids returned. */
static struct ledger *ledger_with_letter(const char *name, int64_t *site_id, int64_t *letter_id)
{
    char *path = temp_path(name);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    if (ledger_open(path, &l, &e) != 0) {
        fprintf(stderr, "  %s\n", e.msg);
        abort();
    }
    free(path);
    struct ledger_campaign c = {.name = "2026Q4", .authorised_by = "市政务公开办 张三", .created_at_ms = 1000};
    int64_t cid = 0;
    CHECK_INT(ledger_campaign_ensure(l, &c, &cid, &e), 0);
    struct ledger_site s = {.campaign_id = cid, .key = "baochuan", .name = "宝川市人民政府", .mailbox = "市长信箱",
                            .deadline_workdays = 5};
    CHECK_INT(ledger_site_ensure(l, &s, site_id, &e), 0);
    struct ledger_letter t = {.site_id = *site_id, .state = LETTER_INTENT, .token = "HX7Q2M9",
                              .title = "关于公交线路的咨询", .intent_at_ms = 5000};
    CHECK_INT(ledger_letter_add(l, &t, letter_id, &e), 0);
    return l;
}

static void test_open_creates_schema_and_reopens(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("a.db", &site_id, &letter_id);
    CHECK_INT(ledger_schema_version(l), 6);
    ledger_close(l);
    char *path = temp_path("a.db");
    struct err e;
    err_init(&e);
    REQUIRE(ledger_open(path, &l, &e) == 0);
    struct ledger_letter t;
    REQUIRE(ledger_letter_get(l, letter_id, &t, &e) == 0);
    CHECK_STR(t.title, "关于公交线路的咨询");
    CHECK_INT(t.state, LETTER_INTENT);
    ledger_letter_release(&t);
    ledger_close(l);
    free(path);
}

static void test_intent_then_submitted(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("b.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    CHECK_INT(ledger_letter_mark_submitted(l, letter_id, 9000, "1234567890", "XX-2026-0001", NULL, "{}", &e), 0);
    struct ledger_letter t;
    REQUIRE(ledger_letter_get(l, letter_id, &t, &e) == 0);
    CHECK_INT(t.state, LETTER_SUBMITTED);
    CHECK_INT(t.submitted_at_ms, 9000);
    CHECK_STR(t.query_code, "1234567890");
    CHECK(t.detail_url == NULL);
    ledger_letter_release(&t);
    ledger_close(l);
}

static void test_token_is_unique(void)
{
    int64_t site_id, letter_id, other;
    struct ledger *l = ledger_with_letter("c.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    struct ledger_letter t = {.site_id = site_id, .state = LETTER_INTENT, .token = "HX7Q2M9", .intent_at_ms = 1};
    CHECK_INT(ledger_letter_add(l, &t, &other, &e), ERR_STORE);
    CHECK(strstr(e.msg, "UNIQUE") != NULL);
    int64_t n = 0;
    CHECK_INT(ledger_count(l, "letters", &n, NULL), 0);
    CHECK_INT(n, 1);
    ledger_close(l);
}

static void test_update_of_missing_letter_fails(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("d.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    CHECK_INT(ledger_letter_mark_failed(l, letter_id + 100, "x", &e), ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no letter with id") != NULL);
    ledger_close(l);
}

static void test_visits_keep_order_and_fields(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("e.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    struct ledger_visit v1 = {.letter_id = letter_id, .at_ms = 20000, .outcome = VISIT_FOUND, .is_entry_ok = true,
                              .http_status = 200, .state_text = "已回复", .has_reply = true,
                              .reply_date_ms = 19000, .reply_unit = "市交通局", .reply_text = "<script>x</script>",
                              .manifest_sha256 = "aa"};
    struct ledger_visit v0 = {.letter_id = letter_id, .at_ms = 10000, .outcome = VISIT_FAILED, .error = "HTTP 500"};
    CHECK_INT(ledger_visit_add(l, &v1, NULL, &e), 0);
    CHECK_INT(ledger_visit_add(l, &v0, NULL, &e), 0);
    struct ledger_visit *vs;
    size_t n;
    REQUIRE(ledger_visit_list(l, letter_id, &vs, &n, &e) == 0);
    REQUIRE(n == 2);
    CHECK_INT(vs[0].at_ms, 10000);
    CHECK_INT(vs[0].outcome, VISIT_FAILED);
    CHECK_STR(vs[0].error, "HTTP 500");
    CHECK_STR(vs[1].reply_text, "<script>x</script>");
    CHECK_STR(vs[1].reply_unit, "市交通局");
    CHECK(vs[1].has_reply && vs[1].is_entry_ok);
    ledger_visits_free(vs, n);
    char *last = NULL;
    CHECK_INT(ledger_visit_last_manifest(l, letter_id, &last, &e), 0);
    CHECK_STR(last, "aa");
    free(last);
    ledger_close(l);
}

static void test_newer_schema_is_refused(void)
{
    char *path = temp_path("f.db");
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    struct ledger *l = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(ledger_open(path, &l, &e), ERR_STORE);
    CHECK(strstr(e.msg, "newer than this huixin") != NULL);
    CHECK(l == NULL);
    free(path);
}

static void test_reader_sees_committed_rows_while_writer_holds_transaction(void)
{
    int64_t site_id, letter_id;
    struct ledger *w = ledger_with_letter("g.db", &site_id, &letter_id);
    char *path = temp_path("g.db");
    struct ledger *r = NULL;
    struct err e;
    err_init(&e);
    REQUIRE(ledger_open(path, &r, &e) == 0);
    REQUIRE(ledger_begin(w, &e) == 0);
    struct ledger_visit v = {.letter_id = letter_id, .at_ms = 1, .outcome = VISIT_FOUND};
    CHECK_INT(ledger_visit_add(w, &v, NULL, &e), 0);
    int64_t n = -1;
    CHECK_INT(ledger_count(r, "visits", &n, &e), 0); /* WAL: reading does not wait for the writer */
    CHECK_INT(n, 0);
    CHECK_INT(ledger_commit(w, &e), 0);
    CHECK_INT(ledger_count(r, "visits", &n, &e), 0);
    CHECK_INT(n, 1);
    ledger_close(r);
    ledger_close(w);
    free(path);
}

static void test_campaign_ensure_is_idempotent(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("h.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    struct ledger_campaign c = {.name = "2026Q4", .authorised_by = "市政务公开办 张三"};
    int64_t id1 = 0, id2 = 0;
    CHECK_INT(ledger_campaign_ensure(l, &c, &id1, &e), 0);
    CHECK_INT(ledger_campaign_ensure(l, &c, &id2, &e), 0);
    CHECK_INT(id1, id2);
    struct ledger_site s = {.campaign_id = id1, .key = "baochuan", .name = "新名字"};
    int64_t sid = 0;
    CHECK_INT(ledger_site_ensure(l, &s, &sid, &e), 0);
    CHECK_INT(sid, site_id);
    struct ledger_site got;
    REQUIRE(ledger_site_get(l, sid, &got, &e) == 0);
    CHECK_STR(got.name, "新名字");
    CHECK_INT(got.deadline_workdays, 5);
    ledger_site_release(&got);
    ledger_close(l);
}

/* A ledger of schema version 1 (before letters.submit_tries) upgrades itself and keeps its rows. */
static void test_version_1_upgrades(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("v1.db", &site_id, &letter_id);
    ledger_close(l);
    char *path = temp_path("v1.db");
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    /* the indexes made at open (not part of any schema version) go first: a version 1 ledger had none */
    CHECK_INT(sqlite3_exec(db, "DROP INDEX visits_schedule; DROP INDEX letters_schedule; DROP INDEX visits_replied;"
                           "DROP INDEX visits_missed;"
                           "ALTER TABLE letters DROP COLUMN submit_tries; ALTER TABLE visits DROP COLUMN lookup;"
                           "ALTER TABLE visits DROP COLUMN seen_in_list; ALTER TABLE visits DROP COLUMN proves_absence;"
                           "ALTER TABLE visits DROP COLUMN unloaded; ALTER TABLE visits DROP COLUMN tls_error;"
                           "ALTER TABLE visits DROP COLUMN tls_subject; ALTER TABLE visits DROP COLUMN tls_accepted;"
                           "DROP TABLE visit_locks; PRAGMA user_version = 1", NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    struct err e;
    err_init(&e);
    REQUIRE(ledger_open(path, &l, &e) == 0);
    CHECK_INT(ledger_schema_version(l), 6);
    struct ledger_letter t;
    REQUIRE(ledger_letter_get(l, letter_id, &t, &e) == 0);
    CHECK_STR(t.token, "HX7Q2M9");
    CHECK_INT(t.submit_tries, 0);
    ledger_letter_release(&t);
    int tries = 0;
    CHECK_INT(ledger_letter_submit_try_add(l, letter_id, &tries, &e), 0);
    CHECK_INT(ledger_letter_submit_try_add(l, letter_id, &tries, &e), 0);
    CHECK_INT(tries, 2);
    ledger_close(l);
    /* the open that upgraded it made the revisit schedule's indexes again */
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *st;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                                   "('visits_schedule', 'letters_schedule', 'visits_replied', 'visits_missed')", -1, &st,
                               NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
}

/* A ledger of schema version 5 (before the certificate columns) upgrades itself: its visits read as
 * without a finding, and a new visit keeps one. */
static void test_version_5_upgrades_with_tls_columns(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("v5.db", &site_id, &letter_id);
    struct err e;
    err_init(&e);
    struct ledger_visit old = {.letter_id = letter_id, .at_ms = 1000, .outcome = VISIT_FAILED, .error = "down"};
    CHECK_INT(ledger_visit_add(l, &old, NULL, &e), 0);
    ledger_close(l);
    char *path = temp_path("v5.db");
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "ALTER TABLE visits DROP COLUMN tls_error; ALTER TABLE visits DROP COLUMN tls_subject;"
                           "ALTER TABLE visits DROP COLUMN tls_accepted; PRAGMA user_version = 5", NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    REQUIRE(ledger_open(path, &l, &e) == 0);
    CHECK_INT(ledger_schema_version(l), 6);
    struct ledger_visit v = {.letter_id = letter_id, .at_ms = 2000, .outcome = VISIT_FOUND,
                             .tls_error = "self-signed certificate", .tls_subject = "O=江屿省\\<测试\\>,CN=127.0.0.1",
                             .is_tls_accepted = true};
    CHECK_INT(ledger_visit_add(l, &v, NULL, &e), 0);
    struct ledger_visit *vs;
    size_t n;
    REQUIRE(ledger_visit_list(l, letter_id, &vs, &n, &e) == 0);
    REQUIRE(n == 2);
    CHECK(vs[0].tls_error == NULL && vs[0].tls_subject == NULL && !vs[0].is_tls_accepted);
    CHECK_STR(vs[0].error, "down");
    CHECK_STR(vs[1].tls_error, "self-signed certificate");
    CHECK_STR(vs[1].tls_subject, "O=江屿省\\<测试\\>,CN=127.0.0.1");
    CHECK(vs[1].is_tls_accepted);
    ledger_visits_free(vs, n);
    ledger_close(l);
    free(path);
}

/* Sets the lock row of letter 1 as another process would have left it. */
static void lock_row_plant(const char *path, long long pid, const char *host, const char *boot, long long since_ms)
{
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char *sql = sqlite3_mprintf("INSERT OR REPLACE INTO visit_locks VALUES (1, %lld, %Q, %Q, %lld)", pid, host, boot,
                                since_ms);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
}

static void host_and_boot(char host[256], char boot[64])
{
    REQUIRE(gethostname(host, 256) == 0);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    boot[0] = '\0';
    if (f) {
        if (!fgets(boot, 64, f))
            boot[0] = '\0';
        fclose(f);
    }
    boot[strcspn(boot, "\n")] = '\0';
}

/* Issue 12 item 4: one huixin visits a letter at a time; a lock whose process is gone is taken over. */
static void test_visit_lock_serialises_and_goes_stale(void)
{
    int64_t site_id, letter_id;
    struct ledger *l = ledger_with_letter("lock.db", &site_id, &letter_id);
    REQUIRE(letter_id == 1);
    char *path = temp_path("lock.db");
    struct err e;
    err_init(&e);
    char host[256], boot[64];
    host_and_boot(host, boot);
    int64_t now = 10LL * 3600 * 1000, holder = -1;

    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 0);
    /* the same process again (a retry): it is its own */
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 0);
    CHECK_INT(ledger_visit_lock_release(l, letter_id, &e), 0);

    /* a live process of this machine (pid 1 is always alive) holds it: busy, and nothing is changed */
    lock_row_plant(path, 1, host, boot, now - 1000);
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 1);
    /* our release does not free another's lock */
    CHECK_INT(ledger_visit_lock_release(l, letter_id, &e), 0);
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 1);
    /* the same, two hours and more later: stale */
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now + LEDGER_VISIT_LOCK_STALE_MS + 1, LEDGER_VISIT_LOCK_STALE_MS,
                                     &holder, &e), 0);
    CHECK_INT(holder, 0);

    /* another boot of this machine: stale */
    lock_row_plant(path, 1, host, "an-earlier-boot", now - 1000);
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 0);

    /* a dead process: stale */
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0)
        _exit(0);
    int status;
    REQUIRE(waitpid(child, &status, 0) == child);
    lock_row_plant(path, child, host, boot, now - 1000);
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 0);

    /* another machine: its pids mean nothing here, so only age makes it stale */
    lock_row_plant(path, 999999, "another-host.example", "x", now - 1000);
    CHECK_INT(ledger_visit_lock_take(l, letter_id, now, LEDGER_VISIT_LOCK_STALE_MS, &holder, &e), 0);
    CHECK_INT(holder, 999999);
    ledger_close(l);
    free(path);
}

static const struct test_case cases[] = {
    {"visits of one letter are serialised by a lock that goes stale", test_visit_lock_serialises_and_goes_stale},
    {"a version 1 ledger upgrades and keeps its rows", test_version_1_upgrades},
    {"open creates the schema and reopens", test_open_creates_schema_and_reopens},
    {"a letter goes from intent to submitted", test_intent_then_submitted},
    {"a token is unique", test_token_is_unique},
    {"an update of a missing letter fails", test_update_of_missing_letter_fails},
    {"visits keep their order and fields", test_visits_keep_order_and_fields},
    {"a newer schema is refused", test_newer_schema_is_refused},
    {"a version 5 ledger upgrades with the certificate columns", test_version_5_upgrades_with_tls_columns},
    {"a reader is not blocked by a writer", test_reader_sees_committed_rows_while_writer_holds_transaction},
    {"campaign and site ensure are idempotent", test_campaign_ensure_is_idempotent},
};

int main(int argc, char **argv)
{
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    if (dir[0])
        file_remove_tree(dir, NULL);
    return rc;
}
