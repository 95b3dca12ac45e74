/* Screenshots kept once per letter: a visit's PNG byte for byte the same as an earlier visit's is listed
 * in the manifest with "same_as" and not stored again; verification follows same_as, names a changed or
 * missing shared copy for every visit that refers to it, and refuses a same_as that leaves the letter
 * folder. Reports link the earlier copy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "reports/report.h"
#include "verify/assess.h"
#include "verify/digest.h"
#include "verify/evidence.h"
#include "verify/evidence_verify.h"
#include "tests/unit/runner.h"

static char root[64];
static struct buf found;

static void collect(enum evidence_finding kind, const char *where, const char *what, void *user)
{
    (void)user;
    if (kind == EVIDENCE_VISIT_OK)
        return;
    buf_printf(&found, "%c %s: %s\n", kind == EVIDENCE_FAILED ? 'F' : 'N', where, what);
}

static size_t verify(const char *path)
{
    struct evidence_verify_stats st;
    struct err e;
    err_init(&e);
    buf_reset(&found);
    if (evidence_verify_path(path, NULL, collect, NULL, &st, &e) != 0) {
        fprintf(stderr, "  verify '%s': %s\n", path, e.msg);
        return 9999;
    }
    return st.failures;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (file_write_atomic(p, text, strlen(text), NULL))
        abort();
    free(p);
}

static bool has_file(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    bool is_there = access(p, F_OK) == 0;
    free(p);
    return is_there;
}

/* The same_as of name in dir's manifest, as written (caller frees), or NULL. */
static char *manifest_same_as(const char *dir, const char *name)
{
    char *path = xasprintf("%s/manifest.json", dir);
    json_t *m = json_load_file(path, 0, NULL);
    free(path);
    char *out = NULL;
    json_t *files = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        const char *same = json_string_value(json_object_get(f, "same_as"));
        if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0 && same)
            out = xstrdup(same);
    }
    json_decref(m);
    return out;
}

/* A letter of three visits: 001 and 003 show the same page, 002 another step screenshot but the same
 * page.png; page.txt is the same in all three (kept anyway). Folder paths to dirs[0..2]. */
static void letter_make(const char *campaign, char *dirs[3], char **letter)
{
    char prev[DIGEST_HEX_LEN] = "";
    for (int i = 0; i < 3; i++) {
        char *rel = NULL;
        if (evidence_dir_make(root, campaign, "s", 1, i + 1, i == 0 ? "submit" : "check", 1000 * (i + 1), &rel,
                              NULL))
            abort();
        dirs[i] = xasprintf("%s/%s", root, rel);
        free(rel);
        write_file(dirs[i], "page.png", "\x89PNG the same page");
        write_file(dirs[i], "page.txt", "the same text");
        write_file(dirs[i], "meta.json", "{}");
        if (i == 1)
            write_file(dirs[i], "step-1.png", "\x89PNG a step");
        char sha[DIGEST_HEX_LEN];
        struct err e;
        err_init(&e);
        if (evidence_manifest_write(dirs[i], "HX1", i ? prev : NULL, 0, sha, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            abort();
        }
        memcpy(prev, sha, sizeof prev);
    }
    *letter = xstrndup(dirs[0], (size_t)(strrchr(dirs[0], '/') - dirs[0]));
}

static void letter_free(char *dirs[3], char *letter)
{
    for (int i = 0; i < 3; i++)
        free(dirs[i]);
    free(letter);
}

static const char *base(const char *path)
{
    return strrchr(path, '/') + 1;
}

static void test_same_png_is_kept_once(void)
{
    char *dirs[3], *letter;
    letter_make("once", dirs, &letter);
    CHECK(has_file(dirs[0], "page.png"));
    CHECK(!has_file(dirs[1], "page.png"));
    CHECK(!has_file(dirs[2], "page.png"));
    CHECK(has_file(dirs[1], "step-1.png"));
    /* not screenshots: always kept, people open them directly */
    CHECK(has_file(dirs[1], "page.txt") && has_file(dirs[2], "page.txt"));
    CHECK(has_file(dirs[2], "meta.json"));
    char *want = xasprintf("../%s/page.png", base(dirs[0]));
    char *same1 = manifest_same_as(dirs[1], "page.png"), *same2 = manifest_same_as(dirs[2], "page.png");
    /* any earlier visit: 003 names 001's copy, not 002 (which has none) */
    CHECK_STR(same1, want);
    CHECK_STR(same2, want);
    char *none = manifest_same_as(dirs[0], "page.png");
    CHECK(none == NULL);
    CHECK(manifest_same_as(dirs[1], "page.txt") == NULL);
    free(same1);
    free(same2);
    free(want);
    size_t failures = verify(letter);
    CHECK_INT(failures, 0);
    if (failures)
        fprintf(stderr, "%s", buf_str(&found));
    /* one visit alone follows same_as too */
    CHECK_INT(verify(dirs[2]), 0);
    letter_free(dirs, letter);
}

static void test_changed_shared_copy_is_named_for_every_visit(void)
{
    char *dirs[3], *letter;
    letter_make("flip", dirs, &letter);
    char *p = xasprintf("%s/page.png", dirs[0]);
    FILE *f = fopen(p, "r+b");
    REQUIRE(f != NULL);
    fseek(f, 5, SEEK_SET);
    fputc('X', f);
    fclose(f);
    CHECK(verify(letter) == 3);
    const char *out = buf_str(&found);
    for (int i = 0; i < 3; i++) {
        char *line = xasprintf("F %s/%s: page.png", base(letter), base(dirs[i]));
        CHECK(strstr(out, line) != NULL);
        free(line);
    }
    char *named = xasprintf("page.png (same as ../%s/page.png): sha256 mismatch", base(dirs[0]));
    CHECK(strstr(out, named) != NULL);
    free(named);
    free(p);
    letter_free(dirs, letter);
}

static void test_missing_shared_copy_is_named(void)
{
    char *dirs[3], *letter;
    letter_make("gone", dirs, &letter);
    char *p = xasprintf("%s/page.png", dirs[0]);
    REQUIRE(unlink(p) == 0);
    CHECK(verify(letter) == 3);
    char *named = xasprintf("F %s/%s: missing file page.png (same as ../%s/page.png)", base(letter), base(dirs[2]),
                            base(dirs[0]));
    CHECK(strstr(buf_str(&found), named) != NULL);
    free(named);
    free(p);
    letter_free(dirs, letter);
}

static void test_a_copy_that_changed_is_not_shared(void)
{
    /* 001's page.png damaged before 002 is written: 002 keeps its own copy */
    char *rel = NULL;
    REQUIRE(evidence_dir_make(root, "damaged", "s", 1, 1, "submit", 0, &rel, NULL) == 0);
    char *d1 = xasprintf("%s/%s", root, rel);
    free(rel);
    write_file(d1, "page.png", "\x89PNG one");
    char sha[DIGEST_HEX_LEN];
    REQUIRE(evidence_manifest_write(d1, "HX1", NULL, 0, sha, NULL) == 0);
    write_file(d1, "page.png", "\x89PNG two");
    REQUIRE(evidence_dir_make(root, "damaged", "s", 1, 2, "check", 0, &rel, NULL) == 0);
    char *d2 = xasprintf("%s/%s", root, rel);
    free(rel);
    write_file(d2, "page.png", "\x89PNG one");
    REQUIRE(evidence_manifest_write(d2, "HX1", sha, 0, sha, NULL) == 0);
    CHECK(has_file(d2, "page.png"));
    CHECK(manifest_same_as(d2, "page.png") == NULL);
    free(d1);
    free(d2);
}

static void test_same_as_stays_in_the_letter(void)
{
    static const struct {
        const char *same_as, *name, *own;
        bool is_valid;
    } cases[] = {
        {"../001-submit-X/page.png", "page.png", "002-check-Y", true},
        {"../001-submit-X/page.png", "page.png", NULL, true},
        {"../001-submit-X/page.png", "page.png", "001-submit-X", false}, /* itself */
        {"../003-check-X/page.png", "page.png", "002-check-Y", false},   /* a later visit */
        {"../002-check-X/page.png", "page.png", "002-check-Y", false},   /* its twin */
        {"../001-submit-X/step.png", "page.png", "002-check-Y", false},  /* another name */
        {"../../letter-2/001-submit-X/page.png", "page.png", "002-check-Y", false},
        {"../001-submit-X/../../page.png", "page.png", "002-check-Y", false},
        {"../001-submit-X/../page.png", "../page.png", "002-check-Y", false},
        {"/etc/001-x/page.png", "page.png", "002-check-Y", false},
        {"../../page.png", "page.png", "002-check-Y", false},
        {"../unrecorded-001-x/page.png", "page.png", "002-check-Y", false},
        {"001-submit-X/page.png", "page.png", "002-check-Y", false},
        {"..\\001-submit-X/page.png", "page.png", "002-check-Y", false},
        {"../001-a\\..\\../page.png", "page.png", "002-check-Y", false},
        {"../001-submit-X//page.png", "page.png", "002-check-Y", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        bool got = evidence_same_as_is_valid(cases[i].same_as, cases[i].name, cases[i].own);
        if (got != cases[i].is_valid)
            fprintf(stderr, "  case %zu '%s'\n", i, cases[i].same_as);
        CHECK(got == cases[i].is_valid);
    }

    /* a manifest whose same_as climbs out of the letter folder is refused, though the file it names
     * is there and hashes right */
    char *dirs[3], *letter;
    letter_make("escape", dirs, &letter);
    char *outside = xasprintf("%s/001-x", root);
    REQUIRE(file_mkdir_p(outside, 0755, NULL) == 0);
    write_file(outside, "page.png", "\x89PNG the same page");
    char *mpath = xasprintf("%s/manifest.json", dirs[2]);
    char *text = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(mpath, &text, &len, NULL) == 0);
    char *want = xasprintf("../%s/page.png", base(dirs[0]));
    char *at = strstr(text, want);
    REQUIRE(at != NULL);
    /* "../../../../001-x/page.png" from 003 is ROOT/001-x/page.png */
    char *edited = xasprintf("%.*s../../../../001-x/page.png%s", (int)(at - text), text, at + strlen(want));
    write_file(dirs[2], "manifest.json", edited);
    CHECK(verify(dirs[2]) == 1);
    CHECK(strstr(buf_str(&found), "same_as '../../../../001-x/page.png' is not") != NULL);
    free(edited);
    free(want);
    free(text);
    free(mpath);
    free(outside);
    letter_free(dirs, letter);
}

static void test_old_manifests_verify_as_before(void)
{
    /* written as before same_as: every file here, three keys each */
    char *rel = NULL;
    REQUIRE(evidence_dir_make(root, "old", "s", 1, 1, "submit", 0, &rel, NULL) == 0);
    char *d = xasprintf("%s/%s", root, rel);
    free(rel);
    write_file(d, "page.png", "\x89PNG");
    char hex[DIGEST_HEX_LEN];
    digest_sha256_hex("\x89PNG", 4, hex);
    char *m = xasprintf("{\"captured_at_utc\": \"x\", \"files\": [{\"bytes\": 4, \"name\": \"page.png\", \"sha256\": \"%s\"}], "
                        "\"huixin_manifest\": 1, \"letter_token\": \"HX1\", \"previous_manifest_sha256\": null}\n",
                        hex);
    write_file(d, "manifest.json", m);
    CHECK_INT(verify(d), 0);
    /* a fifth key is still refused */
    free(m);
    m = xasprintf("{\"captured_at_utc\": \"x\", \"files\": [{\"bytes\": 4, \"name\": \"page.png\", \"sha256\": \"%s\", "
                  "\"x\": 1}], \"huixin_manifest\": 1, \"letter_token\": \"HX1\", \"previous_manifest_sha256\": null}\n",
                  hex);
    write_file(d, "manifest.json", m);
    CHECK(verify(d) >= 1);
    free(m);
    free(d);
}

static void test_reports_link_the_earlier_copy(void)
{
    char *dirs[3], *letter;
    letter_make("report", dirs, &letter);
    char *rel = xstrdup(dirs[1] + strlen(root) + 1);
    struct rpt_files f;
    rpt_files_list(root, rel, &f);
    CHECK(rpt_files_has(&f, "page.png"));
    CHECK(rpt_files_has(&f, "step-1.png"));
    char *want = xasprintf("../%s/page.png", base(dirs[0]));
    CHECK_STR(rpt_files_href(&f, "page.png"), want);
    CHECK_STR(rpt_files_href(&f, "step-1.png"), "step-1.png");
    rpt_files_free(&f);
    /* the copy gone: nothing to link */
    char *p = xasprintf("%s/page.png", dirs[0]);
    REQUIRE(unlink(p) == 0);
    rpt_files_list(root, rel, &f);
    CHECK(!rpt_files_has(&f, "page.png"));
    rpt_files_free(&f);
    free(p);
    free(want);
    free(rel);
    letter_free(dirs, letter);
}

/* The HTML report of a letter whose later checks keep their page.png and their step screenshot as an
 * earlier check's copy (same_as): every file a folder has, and every kept screenshot, is linked, the
 * kept ones to the copy; a manifest whose same_as key is spelled with a \\u escape counts the same; a
 * copy that is gone, or a manifest that is not JSON, links nothing for it. */
static void test_html_report_links_every_file_and_copy(void)
{
    char *dirs[4];
    for (int i = 0; i < 4; i++) {
        char *rel = NULL;
        REQUIRE(evidence_dir_make(root, "html", "s", 7, i + 1, i == 0 ? "submit" : "check", 1000 * (i + 1), &rel,
                                  NULL) == 0);
        dirs[i] = xasprintf("%s/%s", root, rel);
        free(rel);
        write_file(dirs[i], "page.png", i == 0 ? "\x89PNG the form" : "\x89PNG the query result");
        write_file(dirs[i], "page.mhtml", "MIME-Version: 1.0\r\n");
        write_file(dirs[i], "page.txt", "text");
        write_file(dirs[i], "meta.json", "{}");
        write_file(dirs[i], i == 0 ? "01-submit-form.png" : "01-check-query-result.png",
                   i == 0 ? "\x89PNG the form" : "\x89PNG the query result");
        char sha[DIGEST_HEX_LEN];
        REQUIRE(evidence_manifest_write(dirs[i], "HX7", NULL, 0, sha, NULL) == 0);
    }
    /* 002 keeps both screenshots, 003 and 004 list them as 002's */
    CHECK(has_file(dirs[1], "page.png") && has_file(dirs[1], "01-check-query-result.png"));
    CHECK(!has_file(dirs[2], "page.png") && !has_file(dirs[2], "01-check-query-result.png"));
    /* 004's manifest spells the key with an escape: the same JSON */
    char *m4 = xasprintf("%s/manifest.json", dirs[3]);
    char *text = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(m4, &text, &len, NULL) == 0);
    struct buf t;
    buf_init(&t);
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "\"same_as\"", 9) == 0) {
            buf_append_str(&t, "\"same\\u005fas\"");
            p += 8;
        } else {
            buf_append_char(&t, *p);
        }
    }
    CHECK(strstr(buf_str(&t), "same_as") == NULL);
    write_file(dirs[3], "manifest.json", buf_str(&t));
    buf_release(&t);
    free(text);
    free(m4);

    struct ledger_visit v[4];
    memset(v, 0, sizeof v);
    for (int i = 0; i < 4; i++) {
        v[i].outcome = VISIT_FOUND;
        v[i].kind = xstrdup(i == 0 ? "submit" : "check");
        v[i].evidence_dir = xstrdup(dirs[i] + strlen(root) + 1);
    }
    struct assessment a;
    memset(&a, 0, sizeof a);
    a.visits = v;
    a.n_visits = 4;
    struct rpt_options o;
    rpt_options_init(&o);
    o.evidence_root = root;
    o.evidence_href = "ev";
    struct buf b;
    buf_init(&b);
    REQUIRE(rpt_html_format(&a, 1, &o, &b, NULL) == 0);
    const char *h = buf_str(&b);
    for (int i = 0; i < 4; i++) {
        char *pre = xasprintf("href=\"ev/%s/", v[i].evidence_dir);
        const char *names[] = {"page.mhtml", "page.txt", "manifest.json"};
        for (size_t k = 0; k < ARRAY_LEN(names); k++) {
            char *want = xasprintf("%s%s\"", pre, names[k]);
            if (!strstr(h, want))
                fprintf(stderr, "  no link %s\n", want);
            CHECK(strstr(h, want) != NULL);
            free(want);
        }
        const char *holder = i == 0 ? base(dirs[0]) : base(dirs[1]);
        const char *step = i == 0 ? "01-submit-form.png" : "01-check-query-result.png";
        char *png = i <= 1 ? xasprintf("%spage.png\"><img class=\"thumb\" src=\"ev/%s/page.png\"", pre,
                                       v[i].evidence_dir)
                           : xasprintf("%s../%s/page.png\"><img class=\"thumb\"", pre, holder);
        char *shot = i <= 1 ? xasprintf("%s%s\">%s</a>", pre, step, step)
                            : xasprintf("%s../%s/%s\">%s</a>", pre, holder, step, step);
        if (!strstr(h, png) || !strstr(h, shot))
            fprintf(stderr, "  visit %d: no link %s or %s\n", i + 1, png, shot);
        CHECK(strstr(h, png) != NULL);
        CHECK(strstr(h, shot) != NULL);
        free(png);
        free(shot);
        free(pre);
    }
    buf_release(&b);

    /* 002's step screenshot gone: 003 no longer links it, still links its page; a manifest that is not
     * JSON (though it says same_as): no kept screenshot */
    char *gone = xasprintf("%s/01-check-query-result.png", dirs[1]);
    REQUIRE(unlink(gone) == 0);
    free(gone);
    write_file(dirs[3], "manifest.json", "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../x\"");
    struct rpt_files f;
    rpt_files_list(root, v[2].evidence_dir, &f);
    CHECK(rpt_files_has(&f, "page.png"));
    CHECK(!rpt_files_has(&f, "01-check-query-result.png"));
    CHECK(rpt_files_has(&f, "page.mhtml") && rpt_files_has(&f, "manifest.json"));
    rpt_files_free(&f);
    rpt_files_list(root, v[3].evidence_dir, &f);
    CHECK(!rpt_files_has(&f, "page.png"));
    CHECK(rpt_files_has(&f, "page.txt") && rpt_files_has(&f, "manifest.json"));
    /* sorted by name */
    for (size_t i = 1; i < f.n; i++)
        CHECK(strcmp(f.names[i - 1], f.names[i]) < 0);
    rpt_files_free(&f);
    for (int i = 0; i < 4; i++) {
        free(v[i].kind);
        free(v[i].evidence_dir);
        free(dirs[i]);
    }
}

/* evidence_same_as_parse reads most manifests without jansson: whatever the text, its list is the one
 * jansson's reading gives (evidence_same_as_list, from the file). Hand-picked texts, then a few
 * thousand mutations of a manifest huixin wrote (a fixed seed). */
static bool same_lists_for(const char *dir, const char *text, size_t len)
{
    char *p = xasprintf("%s/manifest.json", dir);
    REQUIRE(file_write_atomic(p, text, len, NULL) == 0);
    free(p);
    size_t n_want = 0, n_got = 0;
    struct evidence_same_as *want = evidence_same_as_list(dir, &n_want);
    struct evidence_same_as *got = evidence_same_as_parse(text, len, &n_got);
    bool same = n_want == n_got;
    for (size_t i = 0; same && i < n_got; i++)
        same = strcmp(want[i].name, got[i].name) == 0 && strcmp(want[i].same_as, got[i].same_as) == 0;
    if (!same)
        fprintf(stderr, "  jansson %zu, parse %zu for: %.*s\n", n_want, n_got, (int)len, text);
    evidence_same_as_free(want, n_want);
    evidence_same_as_free(got, n_got);
    return same;
}

static void test_manifest_parse_agrees_with_jansson(void)
{
    char *dirs[3], *letter;
    letter_make("parse", dirs, &letter);
    char *text = NULL;
    size_t len = 0;
    char *m = xasprintf("%s/manifest.json", dirs[2]);
    REQUIRE(file_read_all(m, &text, &len, NULL) == 0);
    free(m);
    CHECK(strstr(text, "\"same_as\"") != NULL);
    char *scratch = xasprintf("%s/parse-scratch", root);
    REQUIRE(file_mkdir_p(scratch, 0755, NULL) == 0);
    static const char *const texts[] = {
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same\\u005fas\": \"../001-a/page.png\"}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"name\": \"x.png\"}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}], \"files\": []}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"bytes\": 1.5}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"bytes\": 99999999999999999999}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"bytes\": -0}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"bytes\": 01}]}",
        "{\"files\": [{\"name\": \"页.png\", \"same_as\": \"../001-a/页.png\"}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]} x",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]",
        "[{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]}]",
        "{\"files\": {\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}}",
        "{\"files\": [{\"name\": 1, \"same_as\": \"../001-a/page.png\"}, 3, [{\"name\": \"a.png\", \"same_as\": "
        "\"../001-a/a.png\"}]]}",
        "{\"x\": {\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]}}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\", \"x\": {\"name\": \"b.png\", "
        "\"same_as\": \"../001-a/b.png\"}}, {\"same_as\": \"../001-a/c.png\", \"name\": \"c.png\"}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../page.png\"}, {\"name\": \"b.png\", \"same_as\": "
        "\"../002-b/b.png\"}], \"ok\": true, \"no\": false, \"n\": null}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}], \"t\": tru}",
        "\t{ \"files\" :[ {\"name\":\"page.png\",\"same_as\":\"../001-a/page.png\" } ] }\r\n",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\",}]}",
        "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"},]}",
        "{\"files\": [{\"name\": \"pa\tge.png\", \"same_as\": \"../001-a/pa\tge.png\"}]}",
        "same_as",
        "",
    };
    for (size_t i = 0; i < ARRAY_LEN(texts); i++)
        CHECK(same_lists_for(scratch, texts[i], strlen(texts[i])));
    static const char with_nul[] = "{\"files\": [{\"name\": \"page.png\", \"same_as\": \"../001-a/page.png\"}]}\0";
    CHECK(same_lists_for(scratch, with_nul, sizeof with_nul - 1)); /* a NUL after the object */
    CHECK(same_lists_for(scratch, text, len));
    static const char alphabet[] = "{}[]\":,\\ \t\n0123456789.-eE+tfnulras_/page.png\x01\x7f\xc3\xa9";
    uint32_t seed = 12345;
    size_t failures = 0;
    for (int round = 0; round < 3000 && failures < 5; round++) {
        struct buf t;
        buf_init(&t);
        buf_append(&t, text, len);
        int n_mut = 1 + round % 3;
        for (int k = 0; k < n_mut; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (t.len + 1);
            seed = seed * 1103515245u + 12345u;
            char c = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
            seed = seed * 1103515245u + 12345u;
            int op = (int)((seed >> 8) % 3);
            if (op == 0 && at < t.len) { /* replace */
                t.data[at] = c;
            } else if (op == 1 && at < t.len) { /* delete */
                memmove(t.data + at, t.data + at + 1, t.len - at);
                t.len--;
            } else { /* insert */
                buf_append_char(&t, 0);
                memmove(t.data + at + 1, t.data + at, t.len - at - 1);
                t.data[at] = c;
            }
        }
        if (!same_lists_for(scratch, t.data, t.len))
            failures++;
        buf_release(&t);
    }
    CHECK_INT(failures, 0);
    free(scratch);
    free(text);
    letter_free(dirs, letter);
}

static const struct test_case cases[] = {
    {"a screenshot the same as an earlier visit's is kept once, named by same_as", test_same_png_is_kept_once},
    {"a changed byte in a shared copy is named for every visit that refers to it",
     test_changed_shared_copy_is_named_for_every_visit},
    {"a missing shared copy is named", test_missing_shared_copy_is_named},
    {"an earlier copy changed since it was listed is not shared", test_a_copy_that_changed_is_not_shared},
    {"same_as stays inside the letter folder", test_same_as_stays_in_the_letter},
    {"manifests without same_as verify as before", test_old_manifests_verify_as_before},
    {"reports link the earlier copy", test_reports_link_the_earlier_copy},
    {"the HTML report links every file and every kept copy", test_html_report_links_every_file_and_copy},
    {"a manifest's same_as list is jansson's, whatever the text", test_manifest_parse_agrees_with_jansson},
};

int main(int argc, char **argv)
{
    snprintf(root, sizeof root, "/tmp/huixin-same-as-XXXXXX");
    if (!mkdtemp(root))
        abort();
    buf_init(&found);
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    buf_release(&found);
    file_remove_tree(root, NULL);
    return rc;
}
