/* Letter templates, tokens and rendering. Runs from the repo root (reads scenarios/templates/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/files.h"
#include "scenarios/letter.h"
#include "tests/unit/runner.h"

static const char *const cats[] = {"咨询", "建议", "求助", "投诉"};

static struct scn_letter_templates *load_shipped(void)
{
    struct scn_letter_templates *t = NULL;
    struct err e;
    err_init(&e);
    if (scn_letter_templates_load("scenarios/templates/letters.json", &t, &e) != 0)
        fprintf(stderr, "  %s\n", e.msg);
    return t;
}

static void test_shipped_templates_cover_every_category(void)
{
    struct scn_letter_templates *t = load_shipped();
    REQUIRE(t != NULL);
    for (size_t i = 0; i < ARRAY_LEN(cats); i++) {
        if (scn_letter_templates_count(t, cats[i]) < 6)
            fprintf(stderr, "  %s has %zu templates\n", cats[i], scn_letter_templates_count(t, cats[i]));
        CHECK(scn_letter_templates_count(t, cats[i]) >= 6);
    }
    scn_letter_templates_free(t);
}

/* Every template renders in both token places, is valid UTF-8, polite, and carries the token once. */
static void test_every_template_renders_with_token(void)
{
    struct scn_letter_templates *t = load_shipped();
    REQUIRE(t != NULL);
    const char *token = "HX7Q2M9K";
    for (size_t c = 0; c < ARRAY_LEN(cats); c++) {
        size_t n = scn_letter_templates_count(t, cats[c]);
        for (size_t i = 0; i < n; i++) {
            for (int place = 0; place < 2; place++) {
                struct scn_letter_spec spec = {(char *)cats[c], place ? SCN_TOKEN_IN_TITLE : SCN_TOKEN_IN_BODY, 0, 0};
                struct scn_letter l;
                struct err e;
                err_init(&e);
                REQUIRE(scn_letter_render(t, &spec, i, token, &l, &e) == 0);
                CHECK(scn_utf8_chars(l.title) > 4);
                CHECK(scn_utf8_chars(l.body) > 30);
                CHECK(scn_letter_banned_word(l.title) == NULL);
                CHECK(scn_letter_banned_word(l.body) == NULL);
                const char *where = place ? l.title : l.body;
                const char *other = place ? l.body : l.title;
                const char *hit = strstr(where, token);
                CHECK(hit != NULL);
                CHECK(hit && strstr(hit + 1, token) == NULL);
                CHECK(strstr(other, token) == NULL);
                CHECK_STR(l.token, token);
                CHECK_STR(l.category, cats[c]);
                scn_letter_release(&l);
            }
        }
    }
    scn_letter_templates_free(t);
}

static void test_render_places_token_readably_and_fits_limits(void)
{
    struct scn_letter_templates *t = load_shipped();
    REQUIRE(t != NULL);
    struct scn_letter l;
    struct err e;
    err_init(&e);
    struct scn_letter_spec body = {"投诉", SCN_TOKEN_IN_BODY, 0, 0};
    REQUIRE(scn_letter_render(t, &body, 0, "HX23ABCD", &l, &e) == 0);
    const char *tail = "\n（来信编号：HX23ABCD）";
    CHECK(strlen(l.body) > strlen(tail) && strcmp(l.body + strlen(l.body) - strlen(tail), tail) == 0);
    scn_letter_release(&l);
    /* a short title limit: shortened, token kept whole, never over the limit */
    struct scn_letter_spec title = {"建议", SCN_TOKEN_IN_TITLE, 16, 0};
    for (size_t i = 0; i < scn_letter_templates_count(t, "建议"); i++) {
        REQUIRE(scn_letter_render(t, &title, i, "HX23ABCD", &l, &e) == 0);
        CHECK(scn_utf8_chars(l.title) <= 16);
        CHECK(strstr(l.title, "（编号HX23ABCD）") != NULL);
        scn_letter_release(&l);
    }
    /* a body limit the template cannot meet is an error, not a cut letter */
    struct scn_letter_spec tiny = {"咨询", SCN_TOKEN_IN_BODY, 0, 50};
    CHECK_INT(scn_letter_render(t, &tiny, 0, "HX23ABCD", &l, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "the site takes 50") != NULL);
    err_init(&e);
    struct scn_letter_spec cramped = {"咨询", SCN_TOKEN_IN_TITLE, 12, 0};
    CHECK_INT(scn_letter_render(t, &cramped, 0, "HX23ABCD", &l, &e), ERR_INPUT);
    err_init(&e);
    CHECK_INT(scn_letter_render(t, &body, 0, "hx23abcd", &l, &e), ERR_INTERNAL);
    /* pick wraps around */
    struct scn_letter a, b;
    size_t n = scn_letter_templates_count(t, "求助");
    struct scn_letter_spec help = {"求助", SCN_TOKEN_IN_BODY, 0, 0};
    REQUIRE(scn_letter_render(t, &help, 1, "HX23ABCD", &a, &e) == 0);
    REQUIRE(scn_letter_render(t, &help, 1 + n, "HX23ABCD", &b, &e) == 0);
    CHECK_STR(a.title, b.title);
    scn_letter_release(&a);
    scn_letter_release(&b);
    scn_letter_templates_free(t);
}

struct taken {
    char seen[64][SCN_TOKEN_LEN + 1];
    int n, refused;
};

/* Refuses the first three tokens offered: the generator must go on to fresh ones. */
static bool refuse_first(const char *token, void *user)
{
    struct taken *tk = user;
    if (tk->refused < 3) {
        memcpy(tk->seen[tk->refused], token, SCN_TOKEN_LEN + 1);
        tk->refused++;
        return true;
    }
    return false;
}

static void test_tokens_are_valid_and_distinct(void)
{
    char tokens[200][SCN_TOKEN_LEN + 1];
    struct err e;
    err_init(&e);
    for (int i = 0; i < 200; i++) {
        REQUIRE(scn_token_new(tokens[i], NULL, NULL, &e) == 0);
        CHECK(scn_token_is_valid(tokens[i]));
        CHECK(strpbrk(tokens[i] + 2, "01OIL") == NULL);
        for (int k = 0; k < i; k++)
            CHECK(strcmp(tokens[i], tokens[k]) != 0);
    }
    struct taken tk = {.n = 0, .refused = 0};
    char tok[SCN_TOKEN_LEN + 1];
    REQUIRE(scn_token_new(tok, refuse_first, &tk, &e) == 0);
    CHECK_INT(tk.refused, 3);
    for (int k = 0; k < 3; k++)
        CHECK(strcmp(tok, tk.seen[k]) != 0);
    CHECK(!scn_token_is_valid("HX234567")); /* digits only */
    CHECK(!scn_token_is_valid("HXABCDEF")); /* letters only */
    CHECK(!scn_token_is_valid("HX2345A"));
    CHECK(!scn_token_is_valid("HX2345A0"));
    CHECK(scn_token_is_valid("HX2345AB"));
}

static void test_banned_words_and_bad_files_rejected(void)
{
    CHECK(scn_letter_banned_word("请问公交线路何时调整") == NULL);
    CHECK(scn_letter_banned_word("关于垃圾分类投放点设置的建议") == NULL); /* a civic topic, not abuse */
    CHECK_STR(scn_letter_banned_word("你们这些狗官"), "狗官");
    CHECK_STR(scn_letter_banned_word("详情加微信"), "加微信");
    char dir[] = "/tmp/huixin-tpl-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char *path = xasprintf("%s/letters.json", dir);
    static const struct {
        const char *text, *msg_part;
    } bad[] = {
        {"{\"咨询\": [{\"title\": \"请问\", \"body\": \"你们这些狗官什么时候回复\"}]}", "banned word '狗官'"},
        {"{\"闲聊\": [{\"title\": \"请问\", \"body\": \"内容\"}]}", "unknown category '闲聊'"},
        {"{\"咨询\": [{\"title\": \"请问\"}]}", "expected an object with 'title' and 'body' only"},
        {"{\"咨询\": [{\"title\": \"请问${x}\", \"body\": \"内容\"}]}", "plain text"},
        {"{\"咨询\": []}", "non-empty array"},
        {"{\"咨询\": [{\"title\": \"a\", \"title\": \"b\"}]}", "invalid JSON"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        REQUIRE(file_write_atomic(path, bad[i].text, strlen(bad[i].text), NULL) == 0);
        struct scn_letter_templates *t = NULL;
        struct err e;
        err_init(&e);
        CHECK_INT(scn_letter_templates_load(path, &t, &e), ERR_INPUT);
        CHECK(t == NULL);
        if (!strstr(e.msg, bad[i].msg_part))
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, e.msg, bad[i].msg_part);
        CHECK(strstr(e.msg, bad[i].msg_part) != NULL);
    }
    /* HUIXIN_DATA comes first in the lookup */
    setenv("HUIXIN_DATA", dir, 1);
    char *found = NULL;
    REQUIRE(scn_letter_templates_find(&found, NULL) == 0);
    CHECK_STR(found, path);
    free(found);
    unsetenv("HUIXIN_DATA");
    REQUIRE(scn_letter_templates_find(&found, NULL) == 0);
    CHECK_STR(found, "scenarios/templates/letters.json");
    free(found);
    file_remove_tree(dir, NULL);
    free(path);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"shipped templates cover every category", test_shipped_templates_cover_every_category},
        {"every template renders with its token", test_every_template_renders_with_token},
        {"render places the token readably and fits limits", test_render_places_token_readably_and_fits_limits},
        {"tokens are valid and distinct", test_tokens_are_valid_and_distinct},
        {"banned words and bad files rejected", test_banned_words_and_bad_files_rejected},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
