/* The ledger in SQLite. Every statement is prepared, bound and finalised here; nothing above sees
 * sqlite3. WAL mode with synchronous=FULL: a row that was committed survives a crash or SIGKILL. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "verify/ledger.h"

struct ledger {
    sqlite3 *db;
    char *path;
    bool in_tx;
};

/* Each entry upgrades the schema from version i to i+1. Append only; never edit a shipped step. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE campaigns ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  authorised_by TEXT NOT NULL,"
    "  file_path TEXT,"
    "  file_sha256 TEXT,"
    "  created_at_ms INTEGER NOT NULL,"
    "  deletion_min_visits INTEGER NOT NULL DEFAULT 2,"
    "  deletion_min_gap_ms INTEGER NOT NULL DEFAULT 3600000);"
    "CREATE TABLE sites ("
    "  id INTEGER PRIMARY KEY,"
    "  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
    "  key TEXT NOT NULL,"
    "  name TEXT, owner TEXT, mailbox TEXT, entry_url TEXT, family TEXT,"
    "  deadline_workdays INTEGER NOT NULL DEFAULT 5,"
    "  scenario_path TEXT, scenario_sha256 TEXT, vars_json TEXT,"
    "  UNIQUE (campaign_id, key));"
    "CREATE TABLE letters ("
    "  id INTEGER PRIMARY KEY,"
    "  site_id INTEGER NOT NULL REFERENCES sites(id),"
    "  state INTEGER NOT NULL,"
    "  token TEXT NOT NULL UNIQUE,"
    "  title TEXT, body TEXT,"
    "  intent_at_ms INTEGER NOT NULL,"
    "  final_click_at_ms INTEGER NOT NULL DEFAULT 0,"
    "  submitted_at_ms INTEGER NOT NULL DEFAULT 0,"
    "  query_code TEXT, letter_no TEXT, detail_url TEXT, vars_json TEXT, error TEXT, verdict TEXT);"
    "CREATE INDEX letters_site ON letters(site_id);"
    "CREATE TABLE visits ("
    "  id INTEGER PRIMARY KEY,"
    "  letter_id INTEGER NOT NULL REFERENCES letters(id),"
    "  kind TEXT NOT NULL DEFAULT 'check',"
    "  at_ms INTEGER NOT NULL,"
    "  outcome INTEGER NOT NULL,"
    "  entry_ok INTEGER NOT NULL DEFAULT 0,"
    "  http_status INTEGER NOT NULL DEFAULT 0,"
    "  final_url TEXT, state_text TEXT,"
    "  has_reply INTEGER NOT NULL DEFAULT 0,"
    "  reply_date_ms INTEGER NOT NULL DEFAULT 0,"
    "  reply_unit TEXT, reply_text TEXT, error TEXT, evidence_dir TEXT, manifest_sha256 TEXT);"
    "CREATE INDEX visits_letter ON visits(letter_id, at_ms);",
    /* 1 -> 2: how often a letter could not be sent because of the site (it becomes 提交失败 after a few) */
    "ALTER TABLE letters ADD COLUMN submit_tries INTEGER NOT NULL DEFAULT 0;",
    /* 2 -> 3: what a check's lookup was, so that a list miss is never taken for the site's own word
     * (NULL on older rows: unknown, and treated as a list lookup, the cautious reading) */
    "ALTER TABLE visits ADD COLUMN lookup TEXT;"
    "ALTER TABLE visits ADD COLUMN seen_in_list INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE visits ADD COLUMN proves_absence INTEGER NOT NULL DEFAULT 0;",
    /* 3 -> 4: who is visiting a letter now, so two huixins never number two visits alike (issue 12) */
    "CREATE TABLE visit_locks ("
    "  letter_id INTEGER PRIMARY KEY REFERENCES letters(id),"
    "  pid INTEGER NOT NULL,"
    "  host TEXT NOT NULL,"
    "  boot_id TEXT NOT NULL,"
    "  since_ms INTEGER NOT NULL);",
    /* 4 -> 5: how many of other hosts' resources the page went on without (issue 16): said in the report,
     * never the site's failure */
    "ALTER TABLE visits ADD COLUMN unloaded INTEGER NOT NULL DEFAULT 0;",
    /* 5 -> 6: the site's certificate did not verify (issue 17, gate 6): the error, the certificate's
     * subject, and whether the visit went on past it (site.tls "accept"); NULL, NULL, 0 on older rows */
    "ALTER TABLE visits ADD COLUMN tls_error TEXT;"
    "ALTER TABLE visits ADD COLUMN tls_subject TEXT;"
    "ALTER TABLE visits ADD COLUMN tls_accepted INTEGER NOT NULL DEFAULT 0;",
};

#define SCHEMA_VERSION ((int)ARRAY_LEN(migrations))

static int db_error(struct ledger *l, struct err *e, const char *what)
{
    return err_set(e, ERR_STORE, "ledger '%s': %s: %s", l->path, what, sqlite3_errmsg(l->db));
}

static int exec_sql(struct ledger *l, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(l->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = err_set(e, ERR_STORE, "ledger '%s': %s", l->path, msg ? msg : sqlite3_errmsg(l->db));
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static int prepare(struct ledger *l, const char *sql, sqlite3_stmt **st, struct err *e)
{
    if (sqlite3_prepare_v2(l->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(l, e, "cannot prepare statement");
    return 0;
}

static int read_user_version(struct ledger *l, int *out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "PRAGMA user_version", &st, e))
        return ERR_STORE;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_error(l, e, "cannot read schema version");
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int upgrade(struct ledger *l, struct err *e)
{
    int version;
    if (read_user_version(l, &version, e))
        return ERR_STORE;
    if (version > SCHEMA_VERSION)
        return err_set(e, ERR_STORE, "ledger '%s' has schema version %d, newer than this huixin knows (%d): use a newer huixin",
                       l->path, version, SCHEMA_VERSION);
    while (version < SCHEMA_VERSION) {
        /* Each step and its version bump commit together, so a crash leaves a whole version. */
        if (exec_sql(l, "BEGIN IMMEDIATE", e))
            return ERR_STORE;
        /* Another huixin opening the same new ledger may have made this step while this one waited for
         * the write lock: the version is read again inside the transaction. */
        int seen;
        if (read_user_version(l, &seen, e)) {
            exec_sql(l, "ROLLBACK", NULL);
            return ERR_STORE;
        }
        if (seen != version) {
            exec_sql(l, "ROLLBACK", NULL);
            if (seen > SCHEMA_VERSION)
                return err_set(e, ERR_STORE, "ledger '%s' has schema version %d, newer than this huixin knows (%d): "
                                             "use a newer huixin", l->path, seen, SCHEMA_VERSION);
            version = seen;
            continue;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
        if (exec_sql(l, migrations[version], e) || exec_sql(l, pragma, e)) {
            exec_sql(l, "ROLLBACK", NULL);
            err_prefix(e, "upgrading the schema from version %d", version);
            return ERR_STORE;
        }
        if (exec_sql(l, "COMMIT", e))
            return ERR_STORE;
        version++;
    }
    return 0;
}

/* Indexes that serve reads at scale and change no table: made when missing on every open that may
 * write, so a ledger of any schema version gets them without a schema step (a read-only ledger goes
 * without them: its queries are the same, only slower). visits_schedule holds every column the
 * verdict and the revisit schedule read of a visit, so the schedule's lean scan (ledger_scan_open)
 * and its "seen answered" test read the index alone, never the visit rows with their texts;
 * letters_schedule does the same for the letters (whose rows hold the letter's text). visits_replied and
 * visits_missed are partial (the visits that saw a reply, the visits that missed the letter: a few in a
 * hundred): whether an open letter was answered or missed is one step in each, not a walk through its
 * visits (ledger_open_facts_each, the due selection's query). */
static int indexes_ensure(struct ledger *l, struct err *e)
{
    return exec_sql(l,
                    "CREATE INDEX IF NOT EXISTS visits_schedule ON visits(letter_id, at_ms, id, outcome, has_reply, "
                    "entry_ok, reply_date_ms, kind, lookup, seen_in_list, proves_absence);"
                    "CREATE INDEX IF NOT EXISTS letters_schedule ON letters(id, state, site_id, submitted_at_ms);"
                    "CREATE INDEX IF NOT EXISTS visits_replied ON visits(letter_id, at_ms) WHERE has_reply = 1 AND "
                    "outcome = 0;"
                    "CREATE INDEX IF NOT EXISTS visits_missed ON visits(letter_id, at_ms) WHERE outcome = 1;",
                    e);
}

int ledger_open(const char *path, struct ledger **out, struct err *e)
{
    struct ledger *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    int rc = 0;
    if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        rc = err_set(e, ERR_STORE, "cannot open ledger '%s': %s", path,
                     l->db ? sqlite3_errmsg(l->db) : "out of memory");
        goto out;
    }
    /* Another huixin may hold a write lock for a moment (run writing while report reads). */
    sqlite3_busy_timeout(l->db, 15000);
    /* Two huixin opening one new ledger at once: switching it to WAL can answer "database is locked"
     * at once, without waiting, while the other makes the file; so the set-up is tried again for a
     * while (each schema step is its own transaction, read again inside: trying again is safe). */
    int64_t until = clock_mono_ms() + 15000;
    for (;;) {
        struct err oe;
        err_init(&oe);
        rc = exec_sql(l, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", &oe);
        if (rc == 0)
            rc = upgrade(l, &oe);
        if (rc == 0)
            break;
        if (clock_mono_ms() >= until || !strstr(oe.msg, "locked")) {
            err_set(e, oe.code, "%s", oe.msg);
            goto out;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* Only speed depends on them: a ledger whose indexes cannot be made now (another huixin holds the
     * write lock past the busy timeout, the disk is full) is used without them. */
    indexes_ensure(l, NULL);
out:
    if (rc) {
        ledger_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

/* The "file:" URI of path, for SQLITE_OPEN_URI: every byte but [A-Za-z0-9/._~-] escaped, then
 * "?query". An absolute path gets an empty authority ("file:///..."), so "//x" is never a host. */
static char *file_uri(const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    struct buf b;
    buf_init(&b);
    buf_append(&b, path[0] == '/' ? "file://" : "file:", path[0] == '/' ? 7 : 5);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._~-", *p)) {
            buf_append_char(&b, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(&b, esc, 3);
        }
    }
    buf_append_char(&b, '?');
    buf_append(&b, query, strlen(query));
    char *uri = xstrdup(buf_str(&b));
    buf_release(&b);
    return uri;
}

/* Whether a write here could work: the file and its folder (where SQLite makes the -wal and -shm
 * files) are writable, on media that is not read-only. */
static bool ledger_path_is_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    bool yes = access(path, W_OK) == 0 && access(dir, W_OK) == 0;
    free(dir);
    return yes;
}

int ledger_open_readonly(const char *path, struct ledger **out, struct err *e)
{
    if (access(path, R_OK) != 0)
        return err_set(e, ERR_STORE, "cannot read ledger '%s': %s", path, strerror(errno));
    struct ledger *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    char *uri = NULL;
    char *wal = xasprintf("%s-wal", path);
    int rc = 0;
    int version = -1;
    if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        rc = err_set(e, ERR_STORE, "cannot open ledger '%s' read-only: %s", path,
                     l->db ? sqlite3_errmsg(l->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(l->db, 15000);
    if (read_user_version(l, &version, NULL) != 0) {
        /* A WAL ledger needs its -shm index; where none is and none can be made (read-only media or
         * folder, and so no writer at work: SQLite says CANTOPEN or READONLY), the file alone is the
         * whole ledger, unless a -wal was left behind. */
        int code = sqlite3_errcode(l->db) & 0xff;
        if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) {
            rc = db_error(l, e, "cannot read schema version");
            goto out;
        }
        struct stat st;
        if (stat(wal, &st) == 0 && st.st_size > 0) {
            rc = err_set(e, ERR_STORE,
                         "ledger '%s' is read-only and its write-ahead log '%s' was never folded in: copy both to a "
                         "writable folder and open the copy",
                         path, wal);
            goto out;
        }
        sqlite3_close(l->db);
        l->db = NULL;
        uri = file_uri(path, "immutable=1");
        if (sqlite3_open_v2(uri, &l->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI, NULL) !=
            SQLITE_OK) {
            rc = err_set(e, ERR_STORE, "cannot open ledger '%s' read-only: %s", path,
                         l->db ? sqlite3_errmsg(l->db) : "out of memory");
            goto out;
        }
        if ((rc = read_user_version(l, &version, e)))
            goto out;
    }
    if (version > SCHEMA_VERSION) {
        rc = err_set(e, ERR_STORE, "ledger '%s' has schema version %d, newer than this huixin knows (%d): use a newer huixin",
                     path, version, SCHEMA_VERSION);
        goto out;
    }
    if (version < SCHEMA_VERSION) {
        rc = err_set(e, ERR_STORE,
                     "ledger '%s' is read-only and has schema version %d, older than this huixin's %d: it cannot be "
                     "upgraded where it is; copy it to a writable folder (the copy is upgraded when opened) or read "
                     "it with the huixin that wrote it",
                     path, version, SCHEMA_VERSION);
        goto out;
    }
    rc = exec_sql(l, "PRAGMA query_only = ON;", e);
out:
    free(wal);
    free(uri);
    if (rc) {
        ledger_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

int ledger_open_existing(const char *path, struct ledger **out, struct err *e)
{
    if (access(path, F_OK) != 0)
        return err_set(e, ERR_STORE, "no ledger at '%s': give --store PATH, or start a campaign first", path);
    if (!ledger_path_is_writable(path))
        return ledger_open_readonly(path, out, e);
    return ledger_open(path, out, e);
}

void ledger_close(struct ledger *l)
{
    if (!l)
        return;
    if (l->db)
        sqlite3_close(l->db);
    free(l->path);
    free(l);
}

int ledger_schema_version(struct ledger *l)
{
    int v = -1;
    read_user_version(l, &v, NULL);
    return v;
}

int ledger_begin(struct ledger *l, struct err *e)
{
    if (l->in_tx)
        return err_set(e, ERR_INTERNAL, "ledger '%s': transaction already open", l->path);
    if (exec_sql(l, "BEGIN IMMEDIATE", e))
        return ERR_STORE;
    l->in_tx = true;
    return 0;
}

int ledger_commit(struct ledger *l, struct err *e)
{
    if (exec_sql(l, "COMMIT", e))
        return ERR_STORE;
    l->in_tx = false;
    return 0;
}

int ledger_snapshot_begin(struct ledger *l, struct err *e)
{
    if (l->in_tx)
        return err_set(e, ERR_INTERNAL, "ledger '%s': transaction already open", l->path);
    /* deferred: the snapshot is taken by the first read, and nothing is locked against writers */
    if (exec_sql(l, "BEGIN", e))
        return ERR_STORE;
    l->in_tx = true;
    return 0;
}

void ledger_snapshot_end(struct ledger *l)
{
    if (l->in_tx)
        exec_sql(l, "COMMIT", NULL);
    l->in_tx = false;
}

void ledger_rollback(struct ledger *l)
{
    if (l->in_tx)
        exec_sql(l, "ROLLBACK", NULL);
    l->in_tx = false;
}

/* --- binding and reading helpers --- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? xstrdup((const char *)s) : NULL;
}

/* Runs a statement that returns no rows, then finalises it. */
static int step_done(struct ledger *l, sqlite3_stmt *st, const char *what, struct err *e)
{
    int rc = sqlite3_step(st);
    int out = 0;
    if (rc != SQLITE_DONE)
        out = db_error(l, e, what);
    sqlite3_finalize(st);
    return out;
}

/* A growable array of rows, filled by a row reader. */
typedef void (*row_reader_fn)(sqlite3_stmt *st, void *row);

static int collect_rows(struct ledger *l, sqlite3_stmt *st, size_t row_size, row_reader_fn read_row, void **out,
                        size_t *n_out, struct err *e)
{
    char *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, cap * row_size);
        }
        memset(rows + n * row_size, 0, row_size);
        read_row(st, rows + n * row_size);
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(rows);
        return db_error(l, e, "cannot read rows");
    }
    *out = rows;
    *n_out = n;
    return 0;
}

/* --- campaigns --- */

#define CAMPAIGN_COLS "id, name, authorised_by, file_path, file_sha256, created_at_ms, deletion_min_visits, deletion_min_gap_ms"

static void read_campaign(sqlite3_stmt *st, void *row)
{
    struct ledger_campaign *c = row;
    c->id = sqlite3_column_int64(st, 0);
    c->name = col_text(st, 1);
    c->authorised_by = col_text(st, 2);
    c->file_path = col_text(st, 3);
    c->file_sha256 = col_text(st, 4);
    c->created_at_ms = sqlite3_column_int64(st, 5);
    c->deletion_min_visits = sqlite3_column_int(st, 6);
    c->deletion_min_gap_ms = sqlite3_column_int64(st, 7);
}

int ledger_campaign_find(struct ledger *l, const char *name, struct ledger_campaign *out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE name = ?", &st, e))
        return ERR_STORE;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_campaign(st, out);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOT_FOUND, "no campaign named '%s' in ledger '%s'", name, l->path);
    return db_error(l, e, "cannot read campaign");
}

int ledger_campaign_get(struct ledger *l, int64_t id, struct ledger_campaign *out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " CAMPAIGN_COLS " FROM campaigns WHERE id = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_campaign(st, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOT_FOUND, "no campaign with id %lld in ledger '%s'", (long long)id, l->path);
    return db_error(l, e, "cannot read campaign");
}

int ledger_campaign_ensure(struct ledger *l, const struct ledger_campaign *c, int64_t *id_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "INSERT INTO campaigns (name, authorised_by, file_path, file_sha256, created_at_ms, "
                "deletion_min_visits, deletion_min_gap_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET authorised_by = excluded.authorised_by, "
                "file_path = excluded.file_path, file_sha256 = excluded.file_sha256, "
                "deletion_min_visits = excluded.deletion_min_visits, deletion_min_gap_ms = excluded.deletion_min_gap_ms",
                &st, e))
        return ERR_STORE;
    bind_text(st, 1, c->name);
    bind_text(st, 2, c->authorised_by);
    bind_text(st, 3, c->file_path);
    bind_text(st, 4, c->file_sha256);
    sqlite3_bind_int64(st, 5, c->created_at_ms);
    sqlite3_bind_int(st, 6, c->deletion_min_visits > 0 ? c->deletion_min_visits : 2);
    sqlite3_bind_int64(st, 7, c->deletion_min_gap_ms >= 0 ? c->deletion_min_gap_ms : 3600000);
    if (step_done(l, st, "cannot write campaign", e))
        return ERR_STORE;
    struct ledger_campaign found;
    if (ledger_campaign_find(l, c->name, &found, e))
        return e ? e->code : ERR_STORE;
    *id_out = found.id;
    ledger_campaign_release(&found);
    return 0;
}

int ledger_campaign_id(struct ledger *l, const char *name, int64_t *id_out, struct err *e)
{
    *id_out = 0;
    if (!name)
        return 0;
    struct ledger_campaign c;
    if (ledger_campaign_find(l, name, &c, e))
        return e ? e->code : ERR_NOT_FOUND;
    *id_out = c.id;
    ledger_campaign_release(&c);
    return 0;
}

int ledger_campaign_list(struct ledger *l, struct ledger_campaign **out, size_t *n_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " CAMPAIGN_COLS " FROM campaigns ORDER BY id", &st, e))
        return ERR_STORE;
    return collect_rows(l, st, sizeof **out, read_campaign, (void **)out, n_out, e);
}

/* --- sites --- */

#define SITE_COLS                                                                                             \
    "id, campaign_id, key, name, owner, mailbox, entry_url, family, deadline_workdays, scenario_path, "        \
    "scenario_sha256, vars_json"

/* The site of a row whose SITE_COLS start at column base. */
static void read_site_at(sqlite3_stmt *st, int base, struct ledger_site *s)
{
    s->id = sqlite3_column_int64(st, base + 0);
    s->campaign_id = sqlite3_column_int64(st, base + 1);
    s->key = col_text(st, base + 2);
    s->name = col_text(st, base + 3);
    s->owner = col_text(st, base + 4);
    s->mailbox = col_text(st, base + 5);
    s->entry_url = col_text(st, base + 6);
    s->family = col_text(st, base + 7);
    s->deadline_workdays = sqlite3_column_int(st, base + 8);
    s->scenario_path = col_text(st, base + 9);
    s->scenario_sha256 = col_text(st, base + 10);
    s->vars_json = col_text(st, base + 11);
}

static void read_site(sqlite3_stmt *st, void *row)
{
    read_site_at(st, 0, row);
}

int ledger_site_ensure(struct ledger *l, const struct ledger_site *s, int64_t *id_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "INSERT INTO sites (campaign_id, key, name, owner, mailbox, entry_url, family, deadline_workdays, "
                "scenario_path, scenario_sha256, vars_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(campaign_id, key) DO UPDATE SET name = excluded.name, owner = excluded.owner, "
                "mailbox = excluded.mailbox, entry_url = excluded.entry_url, family = excluded.family, "
                "deadline_workdays = excluded.deadline_workdays, scenario_path = excluded.scenario_path, "
                "scenario_sha256 = excluded.scenario_sha256, vars_json = excluded.vars_json",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, s->campaign_id);
    bind_text(st, 2, s->key);
    bind_text(st, 3, s->name);
    bind_text(st, 4, s->owner);
    bind_text(st, 5, s->mailbox);
    bind_text(st, 6, s->entry_url);
    bind_text(st, 7, s->family);
    sqlite3_bind_int(st, 8, s->deadline_workdays > 0 ? s->deadline_workdays : 5);
    bind_text(st, 9, s->scenario_path);
    bind_text(st, 10, s->scenario_sha256);
    bind_text(st, 11, s->vars_json);
    if (step_done(l, st, "cannot write site", e))
        return ERR_STORE;
    if (prepare(l, "SELECT id FROM sites WHERE campaign_id = ? AND key = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, s->campaign_id);
    bind_text(st, 2, s->key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id_out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(l, e, "cannot read site back");
}

int ledger_site_get(struct ledger *l, int64_t id, struct ledger_site *out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " SITE_COLS " FROM sites WHERE id = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_site(st, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOT_FOUND, "no site with id %lld in ledger '%s'", (long long)id, l->path);
    return db_error(l, e, "cannot read site");
}

int ledger_site_list(struct ledger *l, int64_t campaign_id, struct ledger_site **out, size_t *n_out,
                     struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " SITE_COLS " FROM sites WHERE (?1 = 0 OR campaign_id = ?1) ORDER BY id", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, campaign_id);
    return collect_rows(l, st, sizeof **out, read_site, (void **)out, n_out, e);
}

/* --- letters --- */

#define LETTER_COLS                                                                                           \
    "letters.id, site_id, state, token, title, body, intent_at_ms, submitted_at_ms, query_code, letter_no, "   \
    "detail_url, letters.vars_json, error, verdict, final_click_at_ms, submit_tries"

static void read_letter(sqlite3_stmt *st, void *row)
{
    struct ledger_letter *t = row;
    t->id = sqlite3_column_int64(st, 0);
    t->site_id = sqlite3_column_int64(st, 1);
    t->state = (enum letter_state)sqlite3_column_int(st, 2);
    t->token = col_text(st, 3);
    t->title = col_text(st, 4);
    t->body = col_text(st, 5);
    t->intent_at_ms = sqlite3_column_int64(st, 6);
    t->submitted_at_ms = sqlite3_column_int64(st, 7);
    t->query_code = col_text(st, 8);
    t->letter_no = col_text(st, 9);
    t->detail_url = col_text(st, 10);
    t->vars_json = col_text(st, 11);
    t->error = col_text(st, 12);
    t->verdict = col_text(st, 13);
    t->final_click_at_ms = sqlite3_column_int64(st, 14);
    t->submit_tries = sqlite3_column_int(st, 15);
}

int ledger_letter_add(struct ledger *l, const struct ledger_letter *t, int64_t *id_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "INSERT INTO letters (site_id, state, token, title, body, intent_at_ms, submitted_at_ms, "
                "query_code, letter_no, detail_url, vars_json, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, t->site_id);
    sqlite3_bind_int(st, 2, (int)t->state);
    bind_text(st, 3, t->token);
    bind_text(st, 4, t->title);
    bind_text(st, 5, t->body);
    sqlite3_bind_int64(st, 6, t->intent_at_ms);
    sqlite3_bind_int64(st, 7, t->submitted_at_ms);
    bind_text(st, 8, t->query_code);
    bind_text(st, 9, t->letter_no);
    bind_text(st, 10, t->detail_url);
    bind_text(st, 11, t->vars_json);
    bind_text(st, 12, t->error);
    if (step_done(l, st, "cannot write letter", e))
        return ERR_STORE;
    *id_out = sqlite3_last_insert_rowid(l->db);
    return 0;
}

int ledger_letter_get(struct ledger *l, int64_t id, struct ledger_letter *out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " LETTER_COLS " FROM letters WHERE id = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        read_letter(st, out);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOT_FOUND, "no letter with id %lld in ledger '%s'", (long long)id, l->path);
    return db_error(l, e, "cannot read letter");
}

int ledger_letter_list_by_site(struct ledger *l, int64_t site_id, struct ledger_letter **out, size_t *n_out,
                               struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " LETTER_COLS " FROM letters WHERE site_id = ? ORDER BY id", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, site_id);
    return collect_rows(l, st, sizeof **out, read_letter, (void **)out, n_out, e);
}

int ledger_letter_list(struct ledger *l, int64_t campaign_id, struct ledger_letter **out, size_t *n_out,
                       struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "SELECT " LETTER_COLS " FROM letters JOIN sites ON sites.id = letters.site_id "
                "WHERE (?1 = 0 OR sites.campaign_id = ?1) ORDER BY letters.id",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, campaign_id);
    return collect_rows(l, st, sizeof **out, read_letter, (void **)out, n_out, e);
}

/* Runs an UPDATE of one letter and insists that it changed exactly one row. */
static int update_one_letter(struct ledger *l, sqlite3_stmt *st, int64_t id, struct err *e)
{
    if (step_done(l, st, "cannot update letter", e))
        return ERR_STORE;
    if (sqlite3_changes(l->db) != 1)
        return err_set(e, ERR_NOT_FOUND, "no letter with id %lld in ledger '%s'", (long long)id, l->path);
    return 0;
}

int ledger_letter_mark_submitted(struct ledger *l, int64_t id, int64_t submitted_at_ms, const char *query_code,
                                 const char *letter_no, const char *detail_url, const char *vars_json,
                                 struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "UPDATE letters SET state = ?, submitted_at_ms = ?, query_code = ?, letter_no = ?, detail_url = ?, "
                "vars_json = ?, error = NULL WHERE id = ?",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int(st, 1, LETTER_SUBMITTED);
    sqlite3_bind_int64(st, 2, submitted_at_ms);
    bind_text(st, 3, query_code);
    bind_text(st, 4, letter_no);
    bind_text(st, 5, detail_url);
    bind_text(st, 6, vars_json);
    sqlite3_bind_int64(st, 7, id);
    return update_one_letter(l, st, id, e);
}

int ledger_letter_mark_failed(struct ledger *l, int64_t id, const char *error, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "UPDATE letters SET state = ?, error = ? WHERE id = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int(st, 1, LETTER_FAILED);
    bind_text(st, 2, error);
    sqlite3_bind_int64(st, 3, id);
    return update_one_letter(l, st, id, e);
}

int ledger_letter_submitted_at_fill(struct ledger *l, int64_t id, int64_t submitted_at_ms, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "UPDATE letters SET submitted_at_ms = ? WHERE id = ? AND submitted_at_ms = 0", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, submitted_at_ms);
    sqlite3_bind_int64(st, 2, id);
    return step_done(l, st, "cannot update letter", e);
}

int ledger_letter_submit_try_add(struct ledger *l, int64_t id, int *tries_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "UPDATE letters SET submit_tries = submit_tries + 1 WHERE id = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, id);
    int rc = update_one_letter(l, st, id, e);
    if (rc)
        return rc;
    struct ledger_letter t;
    if ((rc = ledger_letter_get(l, id, &t, e)))
        return rc;
    *tries_out = t.submit_tries;
    ledger_letter_release(&t);
    return 0;
}

int ledger_letter_final_click_set(struct ledger *l, int64_t id, int64_t at_ms, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "UPDATE letters SET final_click_at_ms = ? WHERE id = ? AND state = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, at_ms);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int(st, 3, LETTER_INTENT);
    return update_one_letter(l, st, id, e);
}

int ledger_letter_verdict_set(struct ledger *l, int64_t id, const char *verdict, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "UPDATE letters SET verdict = ? WHERE id = ?", &st, e))
        return ERR_STORE;
    bind_text(st, 1, verdict);
    sqlite3_bind_int64(st, 2, id);
    return update_one_letter(l, st, id, e);
}

/* --- visits --- */

#define VISIT_COLS                                                                                            \
    "id, letter_id, at_ms, outcome, entry_ok, http_status, final_url, state_text, has_reply, reply_date_ms, "  \
    "reply_unit, reply_text, error, evidence_dir, manifest_sha256, kind, lookup, seen_in_list, proves_absence, "     \
    "unloaded, tls_error, tls_subject, tls_accepted"

static void read_visit(sqlite3_stmt *st, void *row)
{
    struct ledger_visit *v = row;
    v->id = sqlite3_column_int64(st, 0);
    v->letter_id = sqlite3_column_int64(st, 1);
    v->at_ms = sqlite3_column_int64(st, 2);
    v->outcome = (enum visit_outcome)sqlite3_column_int(st, 3);
    v->is_entry_ok = sqlite3_column_int(st, 4) != 0;
    v->http_status = sqlite3_column_int(st, 5);
    v->final_url = col_text(st, 6);
    v->state_text = col_text(st, 7);
    v->has_reply = sqlite3_column_int(st, 8) != 0;
    v->reply_date_ms = sqlite3_column_int64(st, 9);
    v->reply_unit = col_text(st, 10);
    v->reply_text = col_text(st, 11);
    v->error = col_text(st, 12);
    v->evidence_dir = col_text(st, 13);
    v->manifest_sha256 = col_text(st, 14);
    v->kind = col_text(st, 15);
    v->lookup = col_text(st, 16);
    v->is_seen_in_list = sqlite3_column_int(st, 17) != 0;
    v->proves_absence = sqlite3_column_int(st, 18) != 0;
    v->n_unloaded = sqlite3_column_int(st, 19);
    v->tls_error = col_text(st, 20);
    v->tls_subject = col_text(st, 21);
    v->is_tls_accepted = sqlite3_column_int(st, 22) != 0;
}

int ledger_visit_add(struct ledger *l, const struct ledger_visit *v, int64_t *id_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "INSERT INTO visits (letter_id, at_ms, outcome, entry_ok, http_status, final_url, state_text, "
                "has_reply, reply_date_ms, reply_unit, reply_text, error, evidence_dir, manifest_sha256, kind, "
                "lookup, seen_in_list, proves_absence, unloaded, tls_error, tls_subject, tls_accepted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, v->letter_id);
    sqlite3_bind_int64(st, 2, v->at_ms);
    sqlite3_bind_int(st, 3, (int)v->outcome);
    sqlite3_bind_int(st, 4, v->is_entry_ok);
    sqlite3_bind_int(st, 5, v->http_status);
    bind_text(st, 6, v->final_url);
    bind_text(st, 7, v->state_text);
    sqlite3_bind_int(st, 8, v->has_reply);
    sqlite3_bind_int64(st, 9, v->reply_date_ms);
    bind_text(st, 10, v->reply_unit);
    bind_text(st, 11, v->reply_text);
    bind_text(st, 12, v->error);
    bind_text(st, 13, v->evidence_dir);
    bind_text(st, 14, v->manifest_sha256);
    bind_text(st, 15, v->kind ? v->kind : "check");
    bind_text(st, 16, v->lookup);
    sqlite3_bind_int(st, 17, v->is_seen_in_list);
    sqlite3_bind_int(st, 18, v->proves_absence);
    sqlite3_bind_int(st, 19, v->n_unloaded);
    bind_text(st, 20, v->tls_error);
    bind_text(st, 21, v->tls_subject);
    sqlite3_bind_int(st, 22, v->is_tls_accepted);
    if (step_done(l, st, "cannot write visit", e))
        return ERR_STORE;
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(l->db);
    return 0;
}

int ledger_visit_list(struct ledger *l, int64_t letter_id, struct ledger_visit **out, size_t *n_out,
                      struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l, "SELECT " VISIT_COLS " FROM visits WHERE letter_id = ? ORDER BY at_ms, id", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, letter_id);
    return collect_rows(l, st, sizeof **out, read_visit, (void **)out, n_out, e);
}

/* --- scans: every letter with its site and visits, in one pass --- */

struct ledger_scan {
    struct ledger *l;
    bool is_lean;
    sqlite3_stmt *letters; /* letters JOIN sites, by letter id */
    sqlite3_stmt *visits;  /* their visits, by letter id, then as ledger_visit_list orders them */
    bool is_letter_held;   /* lean: letters holds the first row of a letter not yet handed out */
    bool is_letters_done;  /* letters has ended (stepped again, it would start over) */
    bool is_visit_held;    /* visits holds a row not yet handed out, of a later letter */
    bool is_visits_done;   /* visits has ended */
};

#define SCAN_SITE_COLS                                                                                        \
    "sites.id, sites.campaign_id, sites.key, sites.name, sites.owner, sites.mailbox, sites.entry_url, "        \
    "sites.family, sites.deadline_workdays, sites.scenario_path, sites.scenario_sha256, sites.vars_json"
#define SCAN_LETTER_NCOLS 16
/* The lean scan's columns: what the verdict and the revisit schedule read, and nothing else. */
#define SCAN_LEAN_LETTER_COLS                                                                                 \
    "letters.id, letters.site_id, letters.state, letters.submitted_at_ms, sites.campaign_id, "                 \
    "sites.deadline_workdays"
#define SCAN_LEAN_LETTER_NCOLS 6
#define SCAN_LEAN_VISIT_COLS                                                                                  \
    "v.id, v.letter_id, v.at_ms, v.outcome, v.entry_ok, v.has_reply, v.reply_date_ms, v.kind, v.lookup, "      \
    "v.seen_in_list, v.proves_absence"
/* The letters a scan reads: those of campaign ?1 (0: all); for a lean scan only those sent (or
 * imported) that no visit has seen answered. */
#define SCAN_WHERE "(?1 = 0 OR sites.campaign_id = ?1)"
/* by_replied, by_missed: "" or an INDEXED BY naming the partial index visits_replied, visits_missed */
#define SCAN_LEAN_WHERE_BY(by_replied)                                                                        \
    SCAN_WHERE " AND letters.state IN (1, 3) AND NOT EXISTS (SELECT 1 FROM visits r " by_replied " WHERE "     \
    "r.letter_id = letters.id AND r.has_reply = 1 AND r.outcome = 0 AND r.at_ms >= letters.submitted_at_ms)"
/* A visit since the letter went out did not find it: only its whole history can say whether it is deleted. */
#define SCAN_MISSED_BY(by_missed)                                                                             \
    "EXISTS (SELECT 1 FROM visits m " by_missed " WHERE m.letter_id = letters.id AND m.outcome = 1 AND "       \
    "m.at_ms >= letters.submitted_at_ms)"
#define BY_REPLIED "INDEXED BY visits_replied"
#define BY_MISSED "INDEXED BY visits_missed"

static void read_lean_letter(sqlite3_stmt *st, struct ledger_letter *t, struct ledger_site *s)
{
    t->id = sqlite3_column_int64(st, 0);
    t->site_id = sqlite3_column_int64(st, 1);
    t->state = (enum letter_state)sqlite3_column_int(st, 2);
    t->submitted_at_ms = sqlite3_column_int64(st, 3);
    s->id = t->site_id;
    s->campaign_id = sqlite3_column_int64(st, 4);
    s->deadline_workdays = sqlite3_column_int(st, 5);
}

/* The visit of a lean row, whose SCAN_LEAN_VISIT_COLS start at column base. */
static void read_lean_visit(sqlite3_stmt *st, int base, struct ledger_visit *v)
{
    v->id = sqlite3_column_int64(st, base + 0);
    v->letter_id = sqlite3_column_int64(st, base + 1);
    v->at_ms = sqlite3_column_int64(st, base + 2);
    v->outcome = (enum visit_outcome)sqlite3_column_int(st, base + 3);
    v->is_entry_ok = sqlite3_column_int(st, base + 4) != 0;
    v->has_reply = sqlite3_column_int(st, base + 5) != 0;
    v->reply_date_ms = sqlite3_column_int64(st, base + 6);
    v->kind = col_text(st, base + 7);
    v->lookup = col_text(st, base + 8);
    v->is_seen_in_list = sqlite3_column_int(st, base + 9) != 0;
    v->proves_absence = sqlite3_column_int(st, base + 10) != 0;
}

/* The scan's next letter, with its site: the next row of its letters statement, or the row a lean scan
 * holds (the first of this letter, met while reading the last one's visits). The lean columns, or the
 * whole rows. 1, 0 when there are no more letters, or an error. */
static int scan_letter_read(struct ledger_scan *s, struct ledger_letter *letter, struct ledger_site *site,
                            struct err *e)
{
    if (s->is_letters_done)
        return 0;
    if (s->is_letter_held) {
        s->is_letter_held = false;
    } else {
        int step = sqlite3_step(s->letters);
        if (step == SQLITE_DONE) {
            s->is_letters_done = true;
            return 0;
        }
        if (step != SQLITE_ROW)
            return db_error(s->l, e, "cannot read letters");
    }
    memset(letter, 0, sizeof *letter);
    memset(site, 0, sizeof *site);
    if (s->is_lean) {
        read_lean_letter(s->letters, letter, site);
    } else {
        read_letter(s->letters, letter);
        read_site_at(s->letters, SCAN_LETTER_NCOLS, site);
    }
    return 1;
}

/* A letter's visits as a scan gathers them. */
struct visit_list {
    struct ledger_visit *v;
    size_t n, cap;
};

/* A new visit at the end of the list, zeroed. */
static struct ledger_visit *visit_list_push(struct visit_list *list)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->v = xrealloc(list->v, list->cap * sizeof *list->v);
    }
    struct ledger_visit *v = &list->v[list->n++];
    memset(v, 0, sizeof *v);
    return v;
}

/* The lean scan is one statement: each open letter joined with its visits (a letter without any
 * gives one row with NULL visit columns), in the order of the index visits_schedule. Reads the visits
 * of the letter whose first row is current, up to the next letter's first row, which stays held.
 * 0, or -1 when a step failed. */
static int scan_visits_lean(struct ledger_scan *s, int64_t letter_id, struct visit_list *list)
{
    for (;;) {
        if (sqlite3_column_type(s->letters, SCAN_LEAN_LETTER_NCOLS) != SQLITE_NULL)
            read_lean_visit(s->letters, SCAN_LEAN_LETTER_NCOLS, visit_list_push(list));
        int step = sqlite3_step(s->letters);
        if (step == SQLITE_DONE) {
            s->is_letters_done = true;
            return 0;
        }
        if (step != SQLITE_ROW)
            return -1;
        if (sqlite3_column_int64(s->letters, 0) != letter_id) {
            s->is_letter_held = true; /* the next letter's first row */
            return 0;
        }
    }
}

/* The whole scan reads the visits from a statement of their own, in letter order beside the letters'. */
static int scan_visits_all(struct ledger_scan *s, int64_t letter_id, struct visit_list *list)
{
    while (!s->is_visits_done) {
        if (!s->is_visit_held) {
            int step = sqlite3_step(s->visits);
            if (step == SQLITE_DONE) {
                s->is_visits_done = true;
                break;
            }
            if (step != SQLITE_ROW)
                return -1;
            s->is_visit_held = true;
        }
        int64_t of = sqlite3_column_int64(s->visits, 1);
        if (of > letter_id)
            break; /* a later letter's: kept for it */
        s->is_visit_held = false;
        if (of < letter_id)
            continue; /* no such letter in this scan */
        read_visit(s->visits, visit_list_push(list));
    }
    return 0;
}

int ledger_scan_open(struct ledger *l, int64_t campaign_id, enum ledger_scan_kind kind, struct ledger_scan **out,
                     struct err *e)
{
    struct ledger_scan *s = xcalloc(1, sizeof *s);
    s->l = l;
    s->is_lean = kind != LEDGER_SCAN_ALL;
    int rc = 0;
    if (s->is_lean) {
        /* visits_schedule holds (letter_id, at_ms, id) first: the order needs no sort, and every column
         * read is in it; a ledger opened read-only may lack it, and then goes without */
#define SCAN_LEAN_SQL(by_visits, by_replied, where)                                                           \
    "SELECT " SCAN_LEAN_LETTER_COLS ", " SCAN_LEAN_VISIT_COLS " FROM letters JOIN sites ON sites.id = "         \
    "letters.site_id LEFT JOIN visits v " by_visits " ON v.letter_id = letters.id WHERE "                       \
    SCAN_LEAN_WHERE_BY(by_replied) where " ORDER BY letters.id, v.at_ms, v.id"
        const char *indexed =
            kind == LEDGER_SCAN_OPEN
                ? SCAN_LEAN_SQL("INDEXED BY visits_schedule", BY_REPLIED, "")
                /* the letters a visit missed, few, found from visits_missed rather than from every letter */
                : SCAN_LEAN_SQL("INDEXED BY visits_schedule", BY_REPLIED,
                                " AND letters.id IN (SELECT mi.letter_id FROM visits mi " BY_MISSED
                                " WHERE mi.outcome = 1) AND " SCAN_MISSED_BY(BY_MISSED));
        const char *plain =
            kind == LEDGER_SCAN_OPEN ? SCAN_LEAN_SQL("", "", "") : SCAN_LEAN_SQL("", "", " AND " SCAN_MISSED_BY(""));
        if (sqlite3_prepare_v2(l->db, indexed, -1, &s->letters, NULL) != SQLITE_OK) {
            sqlite3_finalize(s->letters);
            s->letters = NULL;
            if ((rc = prepare(l, plain, &s->letters, e)))
                goto out;
        }
#undef SCAN_LEAN_SQL
        sqlite3_bind_int64(s->letters, 1, campaign_id);
        goto out;
    }
    if ((rc = prepare(l,
                      "SELECT " LETTER_COLS ", " SCAN_SITE_COLS " FROM letters JOIN sites ON sites.id = "
                      "letters.site_id WHERE " SCAN_WHERE " ORDER BY letters.id",
                      &s->letters, e)) ||
        (rc = prepare(l,
                      "SELECT " VISIT_COLS " FROM visits WHERE ?1 = 0 OR letter_id IN (SELECT letters.id FROM "
                      "letters JOIN sites ON sites.id = letters.site_id WHERE " SCAN_WHERE ") "
                      "ORDER BY letter_id, at_ms, id",
                      &s->visits, e)))
        goto out;
    sqlite3_bind_int64(s->letters, 1, campaign_id);
    sqlite3_bind_int64(s->visits, 1, campaign_id);
out:
    if (rc) {
        ledger_scan_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int ledger_scan_campaigns(struct ledger *l, int64_t campaign_id, struct ledger_campaign **out, size_t *n_out,
                          struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "SELECT " CAMPAIGN_COLS " FROM campaigns JOIN (SELECT sites.campaign_id AS first_cid, "
                "MIN(letters.id) AS first_letter FROM letters JOIN sites ON sites.id = letters.site_id WHERE "
                SCAN_WHERE " GROUP BY sites.campaign_id) ON first_cid = campaigns.id ORDER BY first_letter",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, campaign_id);
    return collect_rows(l, st, sizeof **out, read_campaign, (void **)out, n_out, e);
}

int ledger_open_facts_each(struct ledger *l, int64_t campaign_id, ledger_open_facts_fn fn, void *user, struct err *e)
{
    /* the last visit since the letter went out: a backward step in visits_schedule, which holds both
     * columns read (the same pages for both); whether it was answered or missed: one step in a small
     * partial index each. A ledger opened read-only may lack these indexes, and goes without. */
#define LAST_VISIT(by, col)                                                                                   \
    "(SELECT v." col " FROM visits v " by " WHERE v.letter_id = letters.id AND "                               \
    "v.at_ms >= letters.submitted_at_ms ORDER BY v.at_ms DESC, v.id DESC LIMIT 1)"
#define FACTS_SQL(by_visits, by_replied, by_missed)                                                           \
    "SELECT letters.id, letters.state, letters.submitted_at_ms, sites.deadline_workdays, "                     \
    LAST_VISIT(by_visits, "at_ms") ", " LAST_VISIT(by_visits, "outcome") " FROM letters JOIN sites ON "        \
    "sites.id = letters.site_id WHERE " SCAN_LEAN_WHERE_BY(by_replied) " AND NOT " SCAN_MISSED_BY(by_missed)   \
    " ORDER BY letters.id"
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(l->db, FACTS_SQL("INDEXED BY visits_schedule", BY_REPLIED, BY_MISSED), -1, &st, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        if (prepare(l, FACTS_SQL("", "", ""), &st, e))
            return ERR_STORE;
    }
#undef FACTS_SQL
#undef LAST_VISIT
    sqlite3_bind_int64(st, 1, campaign_id);
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_open_facts f = {
            .letter_id = sqlite3_column_int64(st, 0),
            .state = (enum letter_state)sqlite3_column_int(st, 1),
            .submitted_at_ms = sqlite3_column_int64(st, 2),
            .deadline_workdays = sqlite3_column_int(st, 3),
            .has_last_visit = sqlite3_column_type(st, 4) != SQLITE_NULL,
            .last_visit_at_ms = sqlite3_column_int64(st, 4),
            .last_visit_outcome = (enum visit_outcome)sqlite3_column_int(st, 5),
        };
        if ((rc = fn(&f, user)))
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(l, e, "cannot read letters");
    sqlite3_finalize(st);
    return rc;
}

int ledger_scan_next(struct ledger_scan *s, struct ledger_letter *letter, struct ledger_site *site,
                     struct ledger_visit **visits_out, size_t *n_out, struct err *e)
{
    int rc = scan_letter_read(s, letter, site, e);
    if (rc <= 0)
        return rc;
    struct visit_list list = {NULL, 0, 0};
    if (s->is_lean ? scan_visits_lean(s, letter->id, &list) : scan_visits_all(s, letter->id, &list)) {
        ledger_visits_free(list.v, list.n);
        ledger_letter_release(letter);
        ledger_site_release(site);
        return db_error(s->l, e, "cannot read visits");
    }
    *visits_out = list.v;
    *n_out = list.n;
    return 1;
}

void ledger_scan_close(struct ledger_scan *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->letters);
    sqlite3_finalize(s->visits);
    free(s);
}

/* The same visits, in the same order, as a LEDGER_SCAN_ALL scan's visits statement: one column. */
struct ledger_dirs {
    struct ledger *l;
    sqlite3_stmt *st;
};

int ledger_visit_dirs_open(struct ledger *l, int64_t campaign_id, struct ledger_dirs **out, struct err *e)
{
    struct ledger_dirs *d = xcalloc(1, sizeof *d);
    d->l = l;
    if (prepare(l,
                "SELECT evidence_dir FROM visits WHERE ?1 = 0 OR letter_id IN (SELECT letters.id FROM letters "
                "JOIN sites ON sites.id = letters.site_id WHERE " SCAN_WHERE ") ORDER BY letter_id, at_ms, id",
                &d->st, e)) {
        free(d);
        return ERR_STORE;
    }
    sqlite3_bind_int64(d->st, 1, campaign_id);
    *out = d;
    return 0;
}

int ledger_visit_dirs_next(struct ledger_dirs *d, const char **dir, struct err *e)
{
    int rc = sqlite3_step(d->st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return db_error(d->l, e, "cannot read the visits' evidence folders");
    *dir = (const char *)sqlite3_column_text(d->st, 0);
    return 1;
}

void ledger_visit_dirs_close(struct ledger_dirs *d)
{
    if (!d)
        return;
    sqlite3_finalize(d->st);
    free(d);
}

int ledger_visit_last_manifest(struct ledger *l, int64_t letter_id, char **sha256_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "SELECT manifest_sha256 FROM visits WHERE letter_id = ? AND manifest_sha256 IS NOT NULL "
                "ORDER BY id DESC LIMIT 1",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, letter_id);
    int rc = sqlite3_step(st);
    *sha256_out = rc == SQLITE_ROW ? col_text(st, 0) : NULL;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(l, e, "cannot read visits");
    return 0;
}

int ledger_count(struct ledger *l, const char *table, int64_t *n_out, struct err *e)
{
    static const char *const tables[] = {"campaigns", "sites", "letters", "visits"};
    bool known = false;
    for (size_t i = 0; i < ARRAY_LEN(tables); i++)
        known = known || strcmp(tables[i], table) == 0;
    if (!known)
        return err_set(e, ERR_INTERNAL, "ledger_count: unknown table '%s'", table);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st;
    if (prepare(l, sql, &st, e))
        return ERR_STORE;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n_out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(l, e, "cannot count rows");
}

/* --- visit locks --- */

/* This machine's name and this boot's id: a lock row of another boot was left by a process that no
 * longer exists, whatever its pid says now. */
static void host_identity(char host[256], char boot_id[64])
{
    if (gethostname(host, 256) != 0)
        snprintf(host, 256, "%s", "?");
    host[255] = '\0';
    boot_id[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f) {
        if (!fgets(boot_id, 64, f))
            boot_id[0] = '\0';
        fclose(f);
    }
    boot_id[strcspn(boot_id, "\r\n")] = '\0';
}

static bool pid_is_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT32_MAX)
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int ledger_visit_lock_take(struct ledger *l, int64_t letter_id, int64_t now_ms, int64_t stale_after_ms,
                           int64_t *holder_pid_out, struct err *e)
{
    char host[256], boot_id[64];
    host_identity(host, boot_id);
    int64_t me = (int64_t)getpid();
    sqlite3_stmt *st = NULL;
    int rc = 0;
    *holder_pid_out = 0;
    if (l->in_tx) {
        rc = err_set(e, ERR_INTERNAL, "ledger '%s': a visit lock is taken inside a transaction", l->path);
        goto out;
    }
    /* BEGIN IMMEDIATE: the read of the row and its replacement are one step for every huixin. */
    if ((rc = exec_sql(l, "BEGIN IMMEDIATE", e)))
        goto out;
    if ((rc = prepare(l, "SELECT pid, host, boot_id, since_ms FROM visit_locks WHERE letter_id = ?", &st, e)))
        goto rollback;
    sqlite3_bind_int64(st, 1, letter_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        int64_t pid = sqlite3_column_int64(st, 0);
        const char *h = (const char *)sqlite3_column_text(st, 1);
        const char *b = (const char *)sqlite3_column_text(st, 2);
        int64_t since = sqlite3_column_int64(st, 3);
        bool is_here = h && strcmp(h, host) == 0;
        bool is_this_boot = is_here && b && strcmp(b, boot_id) == 0;
        bool is_stale = now_ms - since > stale_after_ms || (is_here && !is_this_boot) ||
                        (is_this_boot && (pid == me || !pid_is_alive(pid)));
        if (!is_stale) {
            *holder_pid_out = pid;
            sqlite3_finalize(st);
            st = NULL;
            exec_sql(l, "ROLLBACK", NULL);
            goto out;
        }
    } else if (step != SQLITE_DONE) {
        rc = db_error(l, e, "cannot read visit lock");
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = prepare(l,
                      "INSERT OR REPLACE INTO visit_locks (letter_id, pid, host, boot_id, since_ms) "
                      "VALUES (?, ?, ?, ?, ?)",
                      &st, e)))
        goto rollback;
    sqlite3_bind_int64(st, 1, letter_id);
    sqlite3_bind_int64(st, 2, me);
    bind_text(st, 3, host);
    bind_text(st, 4, boot_id);
    sqlite3_bind_int64(st, 5, now_ms);
    rc = step_done(l, st, "cannot write visit lock", e);
    st = NULL;
    if (rc)
        goto rollback;
    if ((rc = exec_sql(l, "COMMIT", e)))
        goto rollback;
    goto out;
rollback:
    exec_sql(l, "ROLLBACK", NULL);
out:
    sqlite3_finalize(st);
    return rc;
}

int ledger_visit_lock_release(struct ledger *l, int64_t letter_id, struct err *e)
{
    char host[256], boot_id[64];
    host_identity(host, boot_id);
    sqlite3_stmt *st;
    if (prepare(l, "DELETE FROM visit_locks WHERE letter_id = ? AND pid = ? AND host = ?", &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, letter_id);
    sqlite3_bind_int64(st, 2, (int64_t)getpid());
    bind_text(st, 3, host);
    return step_done(l, st, "cannot release visit lock", e);
}

int ledger_site_last_contact_ms(struct ledger *l, int64_t site_id, int64_t *ms_out, struct err *e)
{
    sqlite3_stmt *st;
    if (prepare(l,
                "SELECT max(coalesce((SELECT max(final_click_at_ms) FROM letters WHERE site_id = ?1), 0), "
                "coalesce((SELECT max(v.at_ms) FROM visits v JOIN letters t ON v.letter_id = t.id "
                "WHERE t.site_id = ?1), 0))",
                &st, e))
        return ERR_STORE;
    sqlite3_bind_int64(st, 1, site_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ms_out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : db_error(l, e, "cannot read the last contact of a site");
}

/* --- release --- */

void ledger_campaign_release(struct ledger_campaign *c)
{
    free(c->name);
    free(c->authorised_by);
    free(c->file_path);
    free(c->file_sha256);
    memset(c, 0, sizeof *c);
}

void ledger_site_release(struct ledger_site *s)
{
    free(s->key);
    free(s->name);
    free(s->owner);
    free(s->mailbox);
    free(s->entry_url);
    free(s->family);
    free(s->scenario_path);
    free(s->scenario_sha256);
    free(s->vars_json);
    memset(s, 0, sizeof *s);
}

void ledger_letter_release(struct ledger_letter *t)
{
    free(t->token);
    free(t->title);
    free(t->body);
    free(t->query_code);
    free(t->letter_no);
    free(t->detail_url);
    free(t->vars_json);
    free(t->error);
    free(t->verdict);
    memset(t, 0, sizeof *t);
}

void ledger_visit_release(struct ledger_visit *v)
{
    free(v->final_url);
    free(v->state_text);
    free(v->reply_unit);
    free(v->reply_text);
    free(v->error);
    free(v->evidence_dir);
    free(v->manifest_sha256);
    free(v->kind);
    free(v->lookup);
    free(v->tls_error);
    free(v->tls_subject);
    memset(v, 0, sizeof *v);
}

#define DEFINE_ARRAY_FREE(fn, type, release)                                                                  \
    void fn(type *a, size_t n)                                                                                \
    {                                                                                                         \
        for (size_t i = 0; i < n; i++)                                                                        \
            release(&a[i]);                                                                                   \
        free(a);                                                                                              \
    }

DEFINE_ARRAY_FREE(ledger_campaigns_free, struct ledger_campaign, ledger_campaign_release)
DEFINE_ARRAY_FREE(ledger_sites_free, struct ledger_site, ledger_site_release)
DEFINE_ARRAY_FREE(ledger_letters_free, struct ledger_letter, ledger_letter_release)
DEFINE_ARRAY_FREE(ledger_visits_free, struct ledger_visit, ledger_visit_release)

const char *ledger_letter_state_name(enum letter_state s)
{
    switch (s) {
    case LETTER_INTENT: return "intent";
    case LETTER_SUBMITTED: return "submitted";
    case LETTER_FAILED: return "failed";
    case LETTER_IMPORTED: return "imported";
    }
    return "unknown";
}

const char *ledger_visit_outcome_name(enum visit_outcome o)
{
    switch (o) {
    case VISIT_FOUND: return "found";
    case VISIT_NOT_FOUND: return "not_found";
    case VISIT_FAILED: return "failed";
    }
    return "unknown";
}
