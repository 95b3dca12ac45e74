#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/files.h"
#include "verify/campaign_file.h"
#include "tests/unit/runner.h"

static char dir[64];

static char *write_temp(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    if (file_write_atomic(path, text, strlen(text), NULL) != 0)
        abort();
    return path;
}

static const char good[] =
    "{\"huixin_campaign\": 1,\n"
    " \"name\": \"2026Q4\",\n"
    " \"authorised_by\": \"宝川市政务服务数据管理局\",\n"
    " \"letter\": {\"name\": \"李明\", \"phone\": \"13800000000\"},\n"
    " \"rules\": {\"deadline_workdays\": 7},\n"
    " \"sites\": [{\"key\": \"baochuan\", \"scenario\": \"library/hanweb.json\",\n"
    "             \"vars\": {\"base_url\": \"http://127.0.0.1:8001\"}},\n"
    "            {\"key\": \"qinglan\", \"scenario\": \"/abs/gbk.json\", \"deadline_workdays\": 3}]}\n";

static void test_good_file_loads(void)
{
    char *path = write_temp("good.json", good);
    struct campaign_file c;
    struct err e;
    err_init(&e);
    REQUIRE(campaign_file_load(path, &c, &e) == 0);
    CHECK_STR(c.name, "2026Q4");
    CHECK_STR(c.letter_name, "李明");
    CHECK(c.letter_email == NULL);
    CHECK_INT(c.deadline_workdays, 7);
    CHECK_INT(c.deletion_min_visits, 2);
    REQUIRE(c.n_sites == 2);
    char *want = xasprintf("%s/library/hanweb.json", dir);
    CHECK_STR(c.sites[0].scenario_path, want);
    free(want);
    CHECK_STR(c.sites[1].scenario_path, "/abs/gbk.json");
    CHECK_INT(c.sites[1].deadline_workdays, 3);
    char *vars = campaign_site_vars_json(&c.sites[0]);
    CHECK_STR(vars, "{\"base_url\":\"http://127.0.0.1:8001\"}");
    free(vars);
    CHECK_INT(strlen(c.sha256), 64);
    campaign_file_release(&c);
    free(path);
}

/* Each broken file must fail with exactly this message after "DIR/NAME:". */
static const struct {
    const char *name;
    const char *text;
    const char *want;
} broken[] = {
    {"syntax.json", "{\"huixin_campaign\": 1,\n \"name\": }", "2:10: unexpected token near '}'"},
    {"unknown.json", "{\"huixin_campaign\": 1,\n  \"nmae\": \"x\"}",
     "2:3: campaign: unknown key 'nmae'; expected one of: huixin_campaign, name, authorised_by, letter, rules, sites"},
    {"noauth.json", "{\"huixin_campaign\": 1, \"name\": \"x\"}", "1:1: missing 'authorised_by' (a string)"},
    {"version.json", "{\"huixin_campaign\": 2}", "1:21: expected \"huixin_campaign\": 1 (the format version)"},
    {"dupkey.json", "{\"huixin_campaign\": 1, \"name\": \"a\", \"name\": \"b\"}",
     "1:42: duplicate object key near '\"name\"'"},
    {"badrule.json",
     "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
     " \"letter\": {\"name\": \"n\", \"phone\": \"p\"},\n \"rules\": {\"deadline_workdays\": 0}, \"sites\": []}",
     "3:33: 'deadline_workdays' must be a whole number from 1 to 365"},
    {"nosites.json",
     "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
     " \"letter\": {\"name\": \"n\", \"phone\": \"p\"}, \"sites\": []}",
     "2:50: expected \"sites\": a non-empty array of sites"},
    {"twice.json",
     "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
     " \"letter\": {\"name\": \"n\", \"phone\": \"p\"}, \"sites\": [\n"
     "  {\"key\": \"a\", \"scenario\": \"s.json\"},\n  {\"key\": \"a\", \"scenario\": \"t.json\"}]}",
     "4:3: site key 'a' is used twice (also site 1)"},
    {"badkey.json",
     "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
     " \"letter\": {\"name\": \"n\", \"phone\": \"p\"}, \"sites\": [\n"
     "  {\"key\": \"a/b\", \"scenario\": \"s.json\"}]}",
     "3:11: site key 'a/b': expected letters, digits, '.', '_' or '-'"},
    {"varint.json",
     "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
     " \"letter\": {\"name\": \"n\", \"phone\": \"p\"}, \"sites\": [\n"
     "  {\"key\": \"a\", \"scenario\": \"s.json\", \"vars\": {\"port\": 8001}}]}",
     "3:55: variable 'port' must be a string"},
};

static void test_broken_files_name_the_place(void)
{
    for (size_t i = 0; i < ARRAY_LEN(broken); i++) {
        char *path = write_temp(broken[i].name, broken[i].text);
        struct campaign_file c;
        struct err e;
        err_init(&e);
        CHECK_INT(campaign_file_load(path, &c, &e), ERR_INPUT);
        char *want = xasprintf("%s:%s", path, broken[i].want);
        CHECK_STR(e.msg, want);
        free(want);
        free(path);
    }
}

static void test_missing_file_is_named(void)
{
    struct campaign_file c;
    struct err e;
    err_init(&e);
    CHECK_INT(campaign_file_load("/nonexistent/c.json", &c, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "'/nonexistent/c.json'") != NULL);
}

static const struct test_case cases[] = {
    {"a good campaign file loads", test_good_file_loads},
    {"broken campaign files name file:line:column", test_broken_files_name_the_place},
    {"a missing campaign file is named", test_missing_file_is_named},
};

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "/tmp/huixin-campaign-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(dir, NULL);
    return rc;
}
