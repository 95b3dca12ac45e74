#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base.h"
#include "common/files.h"
#include "scenarios/vars.h"
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

/* The letter takes every letter.* built-in a scenario may fill from the sender (the rest, title, body,
 * token and category, come from the letter templates): a scenario's ${letter.address} is never
 * refused in the campaign as an unknown key. */
static void test_letter_takes_every_senders_builtin(void)
{
    static const char *const generated[] = {"title", "body", "token", "category"};
    size_t n_sender = 0;
    for (size_t i = 0; i < scn_vars_builtin_count; i++) {
        const char *b = scn_vars_builtin[i];
        if (strncmp(b, "letter.", 7) != 0)
            continue;
        bool is_generated = false;
        for (size_t j = 0; j < ARRAY_LEN(generated); j++)
            is_generated = is_generated || strcmp(b + 7, generated[j]) == 0;
        if (is_generated)
            continue;
        n_sender++;
        bool is_required = strcmp(b, "letter.name") == 0 || strcmp(b, "letter.phone") == 0;
        char *extra = is_required ? xstrdup("") : xasprintf(", \"%s\": \"v\"", b + 7);
        char *text = xasprintf("{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
                               " \"letter\": {\"name\": \"李明\", \"phone\": \"13800000000\"%s},\n"
                               " \"sites\": [{\"key\": \"a\", \"scenario\": \"s.json\"}]}\n",
                               extra);
        free(extra);
        char *path = write_temp("sender.json", text);
        struct campaign_file c;
        struct err e;
        err_init(&e);
        int rc = campaign_file_load(path, &c, &e);
        if (rc != 0)
            fprintf(stderr, "  %s: %s\n", b, e.msg);
        CHECK_INT(rc, 0);
        if (rc == 0)
            campaign_file_release(&c);
        free(path);
        free(text);
    }
    CHECK_INT(n_sender, 5); /* name, phone, email, address, id_card */
}

static void test_letter_address_and_id_card(void)
{
    char *path = write_temp("idcard.json",
                            "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
                            " \"letter\": {\"name\": \"李明\", \"phone\": \"13800000000\",\n"
                            "            \"address\": \"宝川市新华路12号\", \"id_card\": \"11010519491231002X\"},\n"
                            " \"sites\": [{\"key\": \"a\", \"scenario\": \"s.json\"}]}\n");
    struct campaign_file c;
    struct err e;
    err_init(&e);
    REQUIRE(campaign_file_load(path, &c, &e) == 0);
    CHECK_STR(c.letter_address, "宝川市新华路12号");
    CHECK_STR(c.letter_id_card, "11010519491231002X");
    campaign_file_release(&c);
    free(path);

    path = write_temp("good2.json", good);
    REQUIRE(campaign_file_load(path, &c, &e) == 0);
    CHECK(c.letter_address == NULL && c.letter_id_card == NULL);
    campaign_file_release(&c);
    free(path);

    path = write_temp("idtypo.json", "{\"huixin_campaign\": 1, \"name\": \"x\", \"authorised_by\": \"y\",\n"
                                     " \"letter\": {\"name\": \"n\", \"phone\": \"p\", \"idcard\": \"1\"},\n"
                                     " \"sites\": [{\"key\": \"a\", \"scenario\": \"s.json\"}]}\n");
    CHECK_INT(campaign_file_load(path, &c, &e), ERR_INPUT);
    char *want = xasprintf("%s:2:40: letter: unknown key 'idcard'; expected one of: name, phone, email, address, "
                           "id_card", path);
    CHECK_STR(e.msg, want);
    free(want);
    free(path);
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
    {"the letter takes every sender's built-in", test_letter_takes_every_senders_builtin},
    {"the letter's address and id_card", test_letter_address_and_id_card},
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
