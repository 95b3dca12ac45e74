/* reports/files_ahead.c: evidence folders listed ahead on worker threads give exactly what
 * rpt_files_list gives, whatever order the renderer asks in and whatever the cursor says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/base.h"
#include "common/files.h"
#include "reports/files_ahead.h"
#include "tests/unit/runner.h"

#define N_DIRS 700 /* more than the window (512): it wraps and is filled again */

static char root[64];
static char *rels[N_DIRS + 3]; /* the folders, then a NULL (no evidence), an unsafe one, one not there */
static size_t n_rels;

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    free(p);
}

/* Folder i (letter i / 10, its visit i % 10 + 1): page.txt always, page.png two in three, a step
 * screenshot; every third but a letter's first a manifest that keeps its page.png as the letter's
 * previous visit's (same_as), the others a manifest without. */
static void tree_make(void)
{
    for (int i = 0; i < N_DIRS; i++) {
        rels[i] = xasprintf("c/s/L%d/%03d-check", i / 10, i % 10 + 1);
        char *d = xasprintf("%s/%s", root, rels[i]);
        if (file_mkdir_p(d, 0755, NULL))
            abort();
        write_file(d, "page.txt", "text");
        if (i % 3 != 0)
            write_file(d, "page.png", "\x89PNG");
        char step[32];
        snprintf(step, sizeof step, "step-%d.png", i % 4);
        write_file(d, step, "\x89PNG");
        if (i % 3 == 0 && i % 10 != 0) {
            char *m = xasprintf("{\"files\": [{\"bytes\": 4, \"name\": \"page.png\", \"same_as\": "
                                "\"../%03d-check/page.png\", \"sha256\": \"00\"}], \"huixin_manifest\": 1}\n",
                                i % 10);
            write_file(d, "manifest.json", m);
            free(m);
        } else {
            write_file(d, "manifest.json", "{\"files\": [], \"huixin_manifest\": 1}\n");
        }
        free(d);
    }
    rels[N_DIRS] = NULL;
    rels[N_DIRS + 1] = xstrdup("../etc");
    rels[N_DIRS + 2] = xstrdup("c/s/none");
    n_rels = N_DIRS + 3;
}

/* A cursor over a list of folders; fails after fail_after rows when that is not 0. */
struct cursor_src {
    const char *const *dirs;
    size_t n;
    size_t fail_after;
    int n_open, n_closed;
};
struct cursor {
    struct cursor_src *src;
    size_t at;
};

static void *c_open(void *ctx)
{
    struct cursor_src *s = ctx;
    s->n_open++;
    struct cursor *c = xcalloc(1, sizeof *c);
    c->src = s;
    return c;
}

static int c_next(void *cursor, const char **dir)
{
    struct cursor *c = cursor;
    if (c->src->fail_after && c->at == c->src->fail_after)
        return -1;
    if (c->at == c->src->n)
        return 0;
    *dir = c->src->dirs[c->at++];
    return 1;
}

static void c_close(void *cursor)
{
    struct cursor *c = cursor;
    c->src->n_closed++;
    free(c);
}

static bool files_equal(const struct rpt_files *a, const struct rpt_files *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->names[i], b->names[i]) != 0 || strcmp(a->hrefs[i], b->hrefs[i]) != 0)
            return false;
    }
    return true;
}

/* Asks for folders order[0..n) and checks each against rpt_files_list; returns how many differed. */
static int ask(struct rpt_ahead *a, const char *const *order, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct rpt_files got, want;
        rpt_ahead_files(a, root, order[i], &got);
        rpt_files_list(root, order[i], &want);
        if (!files_equal(&got, &want)) {
            fprintf(stderr, "  folder %s: %zu files ahead, %zu listed\n", order[i] ? order[i] : "(null)", got.n,
                    want.n);
            bad++;
        }
        rpt_files_free(&got);
        rpt_files_free(&want);
    }
    return bad;
}

static struct rpt_source source_of(struct cursor_src *cs)
{
    struct rpt_source src = {.ctx = cs, .dirs_open = c_open, .dirs_next = c_next, .dirs_close = c_close};
    return src;
}

/* Starts the workers over cs's cursor (src: the caller's, which the window reads through until stop). */
static struct rpt_ahead *start_over(struct cursor_src *cs, struct rpt_source *src)
{
    *src = source_of(cs);
    return rpt_ahead_start(root, src);
}

static void test_in_order_every_folder_comes_ahead(void)
{
    struct cursor_src cs = {.dirs = (const char *const *)rels, .n = n_rels};
    struct rpt_source src;
    struct rpt_ahead *a = start_over(&cs, &src);
    REQUIRE(a != NULL);
    CHECK_INT(ask(a, (const char *const *)rels, n_rels), 0);
    size_t ahead, in_place;
    rpt_ahead_counts(a, &ahead, &in_place);
    CHECK_INT(ahead, n_rels);
    CHECK_INT(in_place, 0);
    rpt_ahead_stop(a);
    CHECK_INT(cs.n_closed, 1);
    /* a listed folder really has its files: a kept copy's href climbs to the earlier folder */
    struct rpt_files f;
    rpt_files_list(root, rels[3], &f);
    CHECK(rpt_files_has(&f, "page.png"));
    CHECK_STR(rpt_files_href(&f, "page.png"), "../003-check/page.png");
    rpt_files_free(&f);
}

static void test_skipped_folders_are_dropped(void)
{
    /* the renderer asks for every third folder only: those between are passed by, never in place */
    const char *order[N_DIRS];
    size_t n = 0;
    for (size_t i = 0; i < N_DIRS; i += 3)
        order[n++] = rels[i];
    struct cursor_src cs = {.dirs = (const char *const *)rels, .n = n_rels};
    struct rpt_source src;
    struct rpt_ahead *a = start_over(&cs, &src);
    REQUIRE(a != NULL);
    CHECK_INT(ask(a, order, n), 0);
    size_t ahead, in_place;
    rpt_ahead_counts(a, &ahead, &in_place);
    CHECK_INT(ahead, n);
    CHECK_INT(in_place, 0);
    rpt_ahead_stop(a);
}

static void test_other_orders_are_listed_in_place(void)
{
    /* backwards: no folder is among the next ones the cursor gave but the last; all still right */
    const char *order[N_DIRS];
    for (size_t i = 0; i < N_DIRS; i++)
        order[i] = rels[N_DIRS - 1 - i];
    struct cursor_src cs = {.dirs = (const char *const *)rels, .n = N_DIRS};
    struct rpt_source src;
    struct rpt_ahead *a = start_over(&cs, &src);
    REQUIRE(a != NULL);
    CHECK_INT(ask(a, order, N_DIRS), 0);
    size_t ahead, in_place;
    rpt_ahead_counts(a, &ahead, &in_place);
    CHECK(in_place >= N_DIRS - 64);
    CHECK_INT(ahead + in_place, N_DIRS);
    /* a folder the cursor never gave, and another root: in place */
    const char *extra[] = {"c/s/L1/001-check", NULL};
    CHECK_INT(ask(a, extra, 1), 0);
    struct rpt_files f;
    rpt_ahead_files(a, "/nonexistent-root", rels[0], &f);
    CHECK_INT(f.n, 0);
    rpt_files_free(&f);
    rpt_ahead_stop(a);
}

static void test_a_failing_cursor_leaves_the_rest_in_place(void)
{
    struct cursor_src cs = {.dirs = (const char *const *)rels, .n = n_rels, .fail_after = 100};
    struct rpt_source src;
    struct rpt_ahead *a = start_over(&cs, &src);
    REQUIRE(a != NULL);
    CHECK_INT(ask(a, (const char *const *)rels, n_rels), 0);
    size_t ahead, in_place;
    rpt_ahead_counts(a, &ahead, &in_place);
    CHECK_INT(ahead, 100);
    CHECK_INT(in_place, n_rels - 100);
    CHECK_INT(cs.n_closed, 1); /* closed when it failed, once */
    rpt_ahead_stop(a);
    CHECK_INT(cs.n_closed, 1);
}

static void test_stopping_early_frees_the_window(void)
{
    /* ten taken of 703, the window full and being listed: stop joins the workers and frees it all
     * (make check's AddressSanitizer names any leak) */
    for (int round = 0; round < 20; round++) {
        struct cursor_src cs = {.dirs = (const char *const *)rels, .n = n_rels};
        struct rpt_source src;
        struct rpt_ahead *a = start_over(&cs, &src);
        REQUIRE(a != NULL);
        CHECK_INT(ask(a, (const char *const *)rels, (size_t)round), 0);
        rpt_ahead_stop(a);
        CHECK_INT(cs.n_closed, 1);
    }
}

static void test_no_cursor_no_workers(void)
{
    struct rpt_source src = {0};
    CHECK(rpt_ahead_start(root, &src) == NULL);
    struct cursor_src cs = {.dirs = (const char *const *)rels, .n = n_rels};
    src = source_of(&cs);
    CHECK(rpt_ahead_start(NULL, &src) == NULL);
    CHECK_INT(cs.n_open, 0);
    /* NULL lists in place */
    CHECK_INT(ask(NULL, (const char *const *)rels, 20), 0);
    rpt_ahead_stop(NULL);
}

static const struct test_case cases[] = {
    {"in order, every folder comes from the window", test_in_order_every_folder_comes_ahead},
    {"folders the renderer skips are dropped, not listed in place", test_skipped_folders_are_dropped},
    {"another order, another folder or root: listed in place, the same", test_other_orders_are_listed_in_place},
    {"a cursor that fails leaves the rest to be listed in place", test_a_failing_cursor_leaves_the_rest_in_place},
    {"stopping with the window full frees it", test_stopping_early_frees_the_window},
    {"no cursor or no root: no workers, listed in place", test_no_cursor_no_workers},
};

int main(int argc, char **argv)
{
    snprintf(root, sizeof root, "/tmp/huixin-ahead-XXXXXX");
    if (!mkdtemp(root))
        abort();
    tree_make();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(root, NULL);
    for (size_t i = 0; i < n_rels; i++)
        free(rels[i]);
    return rc;
}
