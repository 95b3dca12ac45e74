/* The table of step kinds (scenarios/step_kinds.h, scenarios/step.h) and the document that tells
 * scenario writers about them: every kind has its ops, and FORMAT.md's step table names every kind
 * in the table, no other, with each key the kind takes. Runs from the repo root (tests/run.sh does):
 * it reads scenarios/FORMAT.md. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "scenarios/scenario.h"
#include "scenarios/step.h"
#include "tests/unit/runner.h"

#define FORMAT_MD "scenarios/FORMAT.md"
#define MAX_ROWS 64

/* One row of the step table: its text and the kinds its first cell names. */
struct doc_row {
    char *text;
    char *kinds[8];
    size_t n_kinds;
};

struct doc {
    char *md;
    struct doc_row rows[MAX_ROWS];
    size_t n_rows;
};

static void doc_release(struct doc *d)
{
    for (size_t i = 0; i < d->n_rows; i++) {
        free(d->rows[i].text);
        for (size_t k = 0; k < d->rows[i].n_kinds; k++)
            free(d->rows[i].kinds[k]);
    }
    free(d->md);
}

/* The kinds a row's first cell names: every code span there that opens an object, {"NAME": ...}.
 * `\|` inside a cell is an escaped bar, not the cell's end. */
static void row_parse(struct doc_row *r, const char *line)
{
    const char *p = line + 1; /* past the leading '|' */
    bool in_code = false;
    for (; *p && !(*p == '|' && p[-1] != '\\'); p++) {
        if (*p != '`')
            continue;
        in_code = !in_code;
        if (!in_code || strncmp(p + 1, "{\"", 2) != 0)
            continue;
        const char *name = p + 3, *end = strchr(name, '"');
        if (end && r->n_kinds < ARRAY_LEN(r->kinds))
            r->kinds[r->n_kinds++] = xstrndup(name, (size_t)(end - name));
    }
}

/* The rows of the table under "## Steps", header and separator left out. */
static int doc_load(struct doc *d)
{
    memset(d, 0, sizeof *d);
    size_t len = 0;
    struct err e;
    err_init(&e);
    if (file_read_all(FORMAT_MD, &d->md, &len, &e) < 0) {
        fprintf(stderr, "  %s\n", e.msg);
        return -1;
    }
    const char *sec = strstr(d->md, "\n## Steps");
    if (!sec)
        return -1;
    const char *line = strchr(sec + 1, '\n');
    bool in_table = false;
    while (line && *++line) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        if (*line != '|') {
            if (in_table || strncmp(line, "## ", 3) == 0)
                break;
        } else {
            in_table = true;
            if (strncmp(line, "| step |", 8) != 0 && strncmp(line, "|---", 4) != 0 && d->n_rows < MAX_ROWS) {
                struct doc_row *r = &d->rows[d->n_rows++];
                r->text = xstrndup(line, n);
                row_parse(r, r->text);
            }
        }
        line = eol;
    }
    return d->n_rows ? 0 : -1;
}

static const struct doc_row *doc_row_of(const struct doc *d, const char *kind)
{
    for (size_t i = 0; i < d->n_rows; i++) {
        for (size_t k = 0; k < d->rows[i].n_kinds; k++) {
            if (strcmp(d->rows[i].kinds[k], kind) == 0)
                return &d->rows[i];
        }
    }
    return NULL;
}

/* word appears in text with no letter, digit or '_' on either side */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        bool left = p == text || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9'));
        char c = p[n];
        bool right = !(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
        if (left && right)
            return true;
    }
    return false;
}

static void test_every_kind_has_its_ops(void)
{
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++) {
        const struct scn_step_ops *ops = scn_step_table[k];
        REQUIRE(ops != NULL);
        REQUIRE(ops->name != NULL && *ops->name);
        CHECK(ops->keys != NULL);
        CHECK(ops->parse != NULL);
        CHECK(ops->exec != NULL);
        CHECK_STR(scn_step_kind_name((enum scn_step_kind)k), ops->name);
        for (int j = 0; j < k; j++) {
            if (strcmp(scn_step_table[j]->name, ops->name) == 0) {
                fprintf(stderr, "  kinds %d and %d are both named '%s'\n", j, k, ops->name);
                runner_case_failed = 1;
            }
        }
    }
    CHECK_STR(scn_step_kind_name(SCN_STEP_KIND_COUNT), "?");
}

static void test_format_md_names_every_kind_and_no_other(void)
{
    struct doc d;
    REQUIRE(doc_load(&d) == 0);
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++) {
        if (!doc_row_of(&d, scn_step_table[k]->name)) {
            fprintf(stderr, "  step kind '%s' is in the table but not in " FORMAT_MD "'s step table\n",
                    scn_step_table[k]->name);
            runner_case_failed = 1;
        }
    }
    for (size_t i = 0; i < d.n_rows; i++) {
        if (d.rows[i].n_kinds == 0) {
            fprintf(stderr, "  " FORMAT_MD ": a step row names no kind: %s\n", d.rows[i].text);
            runner_case_failed = 1;
        }
        for (size_t j = 0; j < d.rows[i].n_kinds; j++) {
            bool known = false;
            for (int k = 0; k < SCN_STEP_KIND_COUNT; k++)
                known = known || strcmp(scn_step_table[k]->name, d.rows[i].kinds[j]) == 0;
            if (!known) {
                fprintf(stderr, "  " FORMAT_MD " documents step kind '%s', which the table does not have\n",
                        d.rows[i].kinds[j]);
                runner_case_failed = 1;
            }
        }
    }
    doc_release(&d);
}

static void test_format_md_gives_each_kinds_keys(void)
{
    struct doc d;
    REQUIRE(doc_load(&d) == 0);
    for (int k = 0; k < SCN_STEP_KIND_COUNT; k++) {
        const struct scn_step_ops *ops = scn_step_table[k];
        const struct doc_row *r = doc_row_of(&d, ops->name);
        if (!r)
            continue; /* the test above says so */
        for (size_t i = 0; ops->keys[i]; i++) {
            if (!has_word(r->text, ops->keys[i])) {
                fprintf(stderr, "  " FORMAT_MD ": the row of '%s' does not name its key '%s'\n", ops->name,
                        ops->keys[i]);
                runner_case_failed = 1;
            }
        }
    }
    doc_release(&d);
}

/* The reader itself: a row naming several kinds, escaped bars, nested objects. */
static void test_doc_row_reader(void)
{
    struct doc_row r = {0};
    row_parse(&r, "| `{\"check\": SEL}` `{\"uncheck\": SEL}` | timeout_seconds |");
    REQUIRE(r.n_kinds == 2);
    CHECK_STR(r.kinds[0], "check");
    CHECK_STR(r.kinds[1], "uncheck");
    for (size_t k = 0; k < r.n_kinds; k++)
        free(r.kinds[k]);
    memset(&r, 0, sizeof r);
    row_parse(&r, "| `{\"wait_for\": {\"text\"\\|\"url\": X}}` or `\"value\": V` | `{\"notakind\": 1}` |");
    REQUIRE(r.n_kinds == 1);
    CHECK_STR(r.kinds[0], "wait_for");
    free(r.kinds[0]);
    CHECK(has_word("| final, timeout_seconds |", "final"));
    CHECK(!has_word("| click_text |", "text"));
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"every step kind has its ops", test_every_kind_has_its_ops},
        {"the doc row reader", test_doc_row_reader},
        {"FORMAT.md names every step kind and no other", test_format_md_names_every_kind_and_no_other},
        {"FORMAT.md gives each step kind's keys", test_format_md_gives_each_kinds_keys},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
