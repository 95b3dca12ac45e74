/* The actionability rules (driver/page_actionable.h) on facts as the page gives them: which check blocks
 * which action, when a box is stable, what a hit test means, and the sentence for each blocker. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/page_actionable.h"
#include "tests/unit/runner.h"

/* Facts from the JSON the facts script returns. */
static struct page_element_facts facts(const char *json)
{
    struct page_element_facts f;
    json_t *v = json_loads(json, 0, NULL);
    CHECK(page_element_facts_parse(v, &f));
    json_decref(v);
    return f;
}

#define READY_BOX "\"before\":[10,20,100,30],\"after\":[10,20,100,30],\"display\":\"inline-block\",\"visibility\":\"visible\""

static void test_judge_table(void)
{
    static const struct {
        const char *json;
        enum page_blocker click, fill, select, check;
    } rows[] = {
        {"{\"connected\":true," READY_BOX "}", PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE,
         PAGE_BLOCKER_NONE},
        {"{\"connected\":false}", PAGE_BLOCKER_DETACHED, PAGE_BLOCKER_DETACHED, PAGE_BLOCKER_DETACHED,
         PAGE_BLOCKER_DETACHED},
        /* hidden: blocks what needs the element on screen, not what acts through it */
        {"{\"connected\":true,\"before\":[0,0,0,0],\"after\":[0,0,0,0],\"display\":\"none\",\"visibility\":\"visible\"}",
         PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE},
        {"{\"connected\":true,\"before\":[1,1,50,20],\"after\":[1,1,50,20],\"display\":\"block\",\"visibility\":\"hidden\"}",
         PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE},
        {"{\"connected\":true,\"before\":[1,1,50,0],\"after\":[1,1,50,0],\"display\":\"block\",\"visibility\":\"visible\"}",
         PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE},
        /* moving: only a click minds */
        {"{\"connected\":true,\"before\":[-300,20,100,30],\"after\":[-280,20,100,30],\"display\":\"block\","
         "\"visibility\":\"visible\"}",
         PAGE_BLOCKER_UNSTABLE, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE},
        {"{\"connected\":true," READY_BOX ",\"disabled\":true}", PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED,
         PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED},
        {"{\"connected\":true," READY_BOX ",\"ariaDisabled\":true}", PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED,
         PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED},
        {"{\"connected\":true," READY_BOX ",\"inDisabledFieldset\":true}", PAGE_BLOCKER_DISABLED,
         PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED},
        /* readonly: only fill minds */
        {"{\"connected\":true," READY_BOX ",\"readonly\":true}", PAGE_BLOCKER_NONE, PAGE_BLOCKER_READONLY,
         PAGE_BLOCKER_NONE, PAGE_BLOCKER_NONE},
        /* hidden outranks disabled: the first thing a person would see */
        {"{\"connected\":true,\"before\":[0,0,0,0],\"after\":[0,0,0,0],\"display\":\"none\",\"visibility\":\"visible\","
         "\"disabled\":true}",
         PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_HIDDEN, PAGE_BLOCKER_DISABLED, PAGE_BLOCKER_DISABLED},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct page_element_facts f = facts(rows[i].json);
        enum page_blocker got[4] = {page_element_judge(&f, PAGE_ACTION_CLICK), page_element_judge(&f, PAGE_ACTION_FILL),
                                    page_element_judge(&f, PAGE_ACTION_SELECT), page_element_judge(&f, PAGE_ACTION_CHECK)};
        enum page_blocker want[4] = {rows[i].click, rows[i].fill, rows[i].select, rows[i].check};
        for (size_t k = 0; k < 4; k++) {
            if (got[k] != want[k])
                fprintf(stderr, "  row %zu, action %zu: %s\n", i, k, rows[i].json);
            CHECK_INT(got[k], want[k]);
        }
        page_element_facts_release(&f);
    }
}

static void test_stability_is_exact(void)
{
    struct page_box a = {10, 20, 100, 30}, same = {10, 20, 100, 30}, b = {10.3, 19.8, 100.2, 30.4},
                    c = {10, 20.6, 100, 30}, d = {10, 20, 100, 31}, pulse = {9.98, 19.99, 100.04, 30.02};
    CHECK(page_box_is_stable(&a, &same));
    CHECK(!page_box_is_stable(&a, &b));     /* moved a little every way */
    CHECK(!page_box_is_stable(&a, &c));     /* moved */
    CHECK(!page_box_is_stable(&a, &d));     /* grew */
    CHECK(!page_box_is_stable(&a, &pulse)); /* a slow pulse: less than a pixel a frame is still moving */
}

static void test_hit_test(void)
{
    static const struct {
        const char *json;
        bool ok;
        enum page_hit hit;
        enum page_blocker blocks;
    } rows[] = {
        {"{\"hit\":\"self\"}", true, PAGE_HIT_SELF, PAGE_BLOCKER_NONE},
        {"{\"hit\":\"label\"}", true, PAGE_HIT_LABEL, PAGE_BLOCKER_NONE},
        {"{\"hit\":\"other\",\"describe\":\"div.modal-mask\",\"text\":\"网站声明\"}", true, PAGE_HIT_OTHER,
         PAGE_BLOCKER_COVERED},
        {"{\"hit\":\"nothing\"}", true, PAGE_HIT_NOTHING, PAGE_BLOCKER_OFF_PAGE},
        {"{\"hit\":\"elsewhere\"}", false, 0, 0},
        {"{}", false, 0, 0},
        {"null", false, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        json_t *v = json_loads(rows[i].json, JSON_DECODE_ANY, NULL);
        struct page_hit_facts h;
        bool ok = page_hit_facts_parse(v, &h);
        CHECK_INT(ok, rows[i].ok);
        if (ok && rows[i].ok) {
            CHECK_INT(h.hit, rows[i].hit);
            CHECK_INT(page_hit_blocks(&h), rows[i].blocks);
        }
        page_hit_facts_release(&h);
        json_decref(v);
    }
}

static void test_malformed_facts_are_refused(void)
{
    static const char *bad[] = {"null", "[]", "{\"connected\":true}", "{\"connected\":true,\"before\":[1,2,3],"
                                "\"after\":[1,2,3,4]}", "{\"connected\":true,\"before\":[1,2,3,\"x\"],\"after\":[1,2,3,4]}"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        struct page_element_facts f;
        CHECK(!page_element_facts_parse(v, &f));
        page_element_facts_release(&f);
        json_decref(v);
    }
}

static void test_sentences_name_the_blocker(void)
{
    struct page_element_facts f = facts("{\"connected\":true," READY_BOX ",\"disabled\":true,"
                                        "\"describe\":\"button#agree\",\"text\":\"请仔细阅读须知(3)\"}");
    char *s = page_blocker_describe(PAGE_BLOCKER_DISABLED, "'#agree'", &f, NULL);
    CHECK_STR(s, "'#agree' is disabled (text '请仔细阅读须知(3)')");
    free(s);
    page_element_facts_release(&f);

    f = facts("{\"connected\":true," READY_BOX ",\"ariaDisabled\":true,\"text\":\"下一步\"}");
    s = page_blocker_describe(PAGE_BLOCKER_DISABLED, "'#next'", &f, NULL);
    CHECK_STR(s, "'#next' is disabled (aria-disabled) (text '下一步')");
    free(s);
    page_element_facts_release(&f);

    struct page_hit_facts h = {PAGE_HIT_OTHER, xstrdup("div.modal-mask"), xstrdup("网站声明")};
    s = page_blocker_describe(PAGE_BLOCKER_COVERED, "'#go'", NULL, &h);
    CHECK_STR(s, "'#go' is covered by div.modal-mask '网站声明'");
    free(s);
    page_hit_facts_release(&h);

    s = page_blocker_describe(PAGE_BLOCKER_READONLY, "'#t'", NULL, NULL);
    CHECK_STR(s, "'#t' is readonly");
    free(s);

    f = facts("{\"connected\":true,\"before\":[0,0,0,0],\"after\":[0,0,0,0],\"display\":\"none\",\"visibility\":\"visible\"}");
    s = page_blocker_describe(PAGE_BLOCKER_HIDDEN, "the text '提交'", &f, NULL);
    CHECK_STR(s, "the text '提交' is not visible (display:none)");
    free(s);
    page_element_facts_release(&f);

    s = page_blocker_describe(PAGE_BLOCKER_UNSTABLE, "'#go'", NULL, NULL);
    CHECK_STR(s, "'#go' is still moving (its box changed between two animation frames)");
    free(s);
}

static const struct test_case cases[] = {
    {"which check blocks which action", test_judge_table},
    {"a box is stable only when it did not move at all", test_stability_is_exact},
    {"the hit test: self and its label reach it, anything else covers it", test_hit_test},
    {"malformed facts are refused", test_malformed_facts_are_refused},
    {"each blocker's sentence names what stood in the way", test_sentences_name_the_blocker},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
