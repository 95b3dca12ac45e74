/* The line-oriented config parser shared by alerts.conf and mail.conf (common/conf.h), with handlers of
 * its own: what reaches them, in which order and from which line; the errors of malformed lines; the
 * byte-order mark, CRLF, quotes and comments; the file's mode, a link to it, the default path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/conf.h"
#include "common/files.h"
#include "tests/unit/runner.h"

/* The test's syntax: sections [a] and [b NAME]; before any section only `top`; in a section `one`
 * (given once), `secret` (a secret), `fail` (refused, naming its value) and any other key (logged). */
struct log {
    struct buf b;
    char *one;
    char *secret;
    bool is_in_section;
};

static int log_section(const struct conf_at *at, char *name, void *user, struct err *e)
{
    struct log *g = user;
    if (strcmp(name, "a") != 0 && strncmp(name, "b ", 2) != 0)
        return conf_err(at, e, "unknown section [%s]: expected [a] or [b NAME]", name);
    buf_printf(&g->b, "%d:[%s] ", at->line_no, name);
    free(g->one);
    g->one = NULL;
    g->is_in_section = true;
    return 0;
}

static int log_key(const struct conf_at *at, const char *key, const char *value, bool *is_secret, void *user,
                   struct err *e)
{
    struct log *g = user;
    if (!g->is_in_section && strcmp(key, "top") != 0)
        return conf_err(at, e, "'%s' before any section: expected top", key);
    if (strcmp(key, "fail") == 0)
        return conf_err(at, e, "fail '%s': expected nothing", value);
    buf_printf(&g->b, "%d:%s=<%s> ", at->line_no, key, value);
    if (strcmp(key, "one") == 0)
        return conf_value_keep(at, &g->one, key, value, "a", e);
    if (strcmp(key, "secret") == 0) {
        *is_secret = true;
        free(g->secret);
        g->secret = xstrdup(value);
    }
    return 0;
}

static int log_end(const char *path, void *user, struct err *e)
{
    (void)path;
    (void)e;
    struct log *g = user;
    buf_printf(&g->b, "end");
    return 0;
}

static const struct conf_syntax test_syntax = {
    .what = "test config",
    .section_hint = "[a] or [b NAME]",
    .secrets = "a secret",
    .section = log_section,
    .key = log_key,
    .end = log_end,
};

static void log_release(struct log *g)
{
    buf_release(&g->b);
    free(g->one);
    free(g->secret);
    memset(g, 0, sizeof *g);
}

/* Parses text as t.conf; returns the code, the log in *g (log_release it), the message in *e. */
static int parse(const char *text, struct log *g, bool *has_secret, struct err *e)
{
    memset(g, 0, sizeof *g);
    buf_init(&g->b);
    err_init(e);
    char *copy = xstrdup(text);
    bool secret = false;
    int rc = conf_text_parse("t.conf", copy, &test_syntax, g, &secret, e);
    free(copy);
    if (has_secret)
        *has_secret = secret;
    return rc;
}

static const char *log_text(struct log *g)
{
    return g->b.data ? g->b.data : "";
}

static void test_lines_reach_the_handlers_in_order(void)
{
    const char *text = "# a comment\n"
                       "; another\n"
                       "\n"
                       "  top =  1 \n"
                       "[a]\n"
                       "\tone\t=\t\"quoted value\"\n"
                       "two = x = y\n"
                       "empty =\n"
                       "[ b  ops team ]\n"
                       "tail = no newline at the end";
    struct log g;
    struct err e;
    REQUIRE(parse(text, &g, NULL, &e) == 0);
    CHECK_STR(log_text(&g),
              "4:top=<1> 5:[a] 6:one=<quoted value> 7:two=<x = y> 8:empty=<> 9:[b  ops team] 10:tail=<no newline at "
              "the end> end");
    log_release(&g);
}

static void test_no_comment_after_a_value(void)
{
    /* a password may hold '#' or ';': what follows '=' is the value, all of it */
    struct log g;
    struct err e;
    REQUIRE(parse("[a]\nsecret = pa#ss ; word   # not a comment\n", &g, NULL, &e) == 0);
    CHECK_STR(g.secret, "pa#ss ; word   # not a comment");
    log_release(&g);
}

static void test_crlf_reads_like_lf(void)
{
    struct log lf, crlf;
    struct err e;
    REQUIRE(parse("# c\ntop = 1\n[a]\none = \"v\"\n\n", &lf, NULL, &e) == 0);
    REQUIRE(parse("# c\r\ntop = 1\r\n[a]\r\none = \"v\"\r\n\r\n", &crlf, NULL, &e) == 0);
    CHECK_STR(log_text(&crlf), log_text(&lf));
    CHECK_STR(log_text(&crlf), "2:top=<1> 3:[a] 4:one=<v> end");
    log_release(&lf);
    log_release(&crlf);
}

static void test_a_byte_order_mark_is_skipped_at_the_start_only(void)
{
    struct log g;
    struct err e;
    REQUIRE(parse("\xEF\xBB\xBF# written by Notepad\r\n[a]\r\n", &g, NULL, &e) == 0);
    CHECK_STR(log_text(&g), "2:[a] end");
    log_release(&g);
    REQUIRE(parse("\xEF\xBB\xBF[a]\n", &g, NULL, &e) == 0);
    CHECK_STR(log_text(&g), "1:[a] end");
    log_release(&g);
    /* elsewhere it is text like any other: here a line that is no key = value */
    CHECK_INT(parse("[a]\n\xEF\xBB\xBF# c\n", &g, NULL, &e), ERR_INPUT);
    CHECK_STR(e.msg, "t.conf:2: expected 'key = value' or a [section]");
    log_release(&g);
}

static void test_malformed_lines_name_file_and_line(void)
{
    static const struct {
        const char *text, *msg;
    } rows[] = {
        {"[a]\none = 1\njust words\n", "t.conf:3: expected 'key = value' or a [section]"},
        {"[a\n", "t.conf:1: expected a section like [a] or [b NAME]"},
        {"# c\n[a] one = 1\n", "t.conf:2: expected a section like [a] or [b NAME]"},
        {"[c]\n", "t.conf:1: unknown section [c]: expected [a] or [b NAME]"},
        {"\n\nkey = 1\n", "t.conf:3: 'key' before any section: expected top"},
        {"[a]\r\nfail = \"the value\"\r\n", "t.conf:2: fail 'the value': expected nothing"},
        {"[a]\none = 1\n# c\none = 2\n", "t.conf:4: 'one' given twice in [a]"},
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        struct log g;
        struct err e;
        CHECK_INT(parse(rows[i].text, &g, NULL, &e), ERR_INPUT);
        if (strcmp(e.msg, rows[i].msg) != 0)
            fprintf(stderr, "  row %zu\n", i);
        CHECK_STR(e.msg, rows[i].msg);
        log_release(&g);
    }
}

static void test_the_first_error_stops_the_reading(void)
{
    struct log g;
    struct err e;
    CHECK_INT(parse("[a]\nfail = 1\nlater = 2\nbad line\n", &g, NULL, &e), ERR_INPUT);
    CHECK_STR(e.msg, "t.conf:2: fail '1': expected nothing");
    CHECK_STR(log_text(&g), "1:[a] "); /* no later line, no end */
    log_release(&g);
}

static void test_only_a_non_empty_secret_counts(void)
{
    struct log g;
    struct err e;
    bool has_secret = true;
    REQUIRE(parse("[a]\nother = x\nsecret =\n", &g, &has_secret, &e) == 0);
    CHECK(!has_secret);
    log_release(&g);
    REQUIRE(parse("[a]\nsecret = \"s\"\n", &g, &has_secret, &e) == 0);
    CHECK(has_secret);
    log_release(&g);
}

static char dir[] = "/tmp/huixin-conf-XXXXXX";

static char *write_file(const char *name, const char *text, unsigned mode)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (file_write_atomic(p, text, strlen(text), NULL) || chmod(p, mode))
        abort();
    return p;
}

/* Loads path (NULL: the default) into a fresh log. */
static int load(const char *path, struct log *g, char **path_out, struct err *e)
{
    memset(g, 0, sizeof *g);
    buf_init(&g->b);
    err_init(e);
    return conf_file_load(path, "test.conf", &test_syntax, g, path_out, e);
}

static void test_a_file_readable_by_others_may_hold_no_secret(void)
{
    char *p = write_file("open.conf", "[a]\nsecret = hunter2\n", 0644);
    struct log g;
    struct err e;
    char *got = NULL;
    CHECK_INT(load(p, &g, &got, &e), ERR_INPUT);
    char *want = xasprintf("test config '%s' holds a secret but is readable by group or others (mode 644): run "
                           "'chmod 600 %s'", p, p);
    CHECK_STR(e.msg, want);
    CHECK(strstr(e.msg, "hunter2") == NULL);
    CHECK(got == NULL);
    free(want);
    log_release(&g);
    REQUIRE(chmod(p, 0640) == 0); /* group alone is as bad */
    CHECK_INT(load(p, &g, NULL, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "(mode 640)") != NULL);
    log_release(&g);
    REQUIRE(chmod(p, 0600) == 0);
    REQUIRE(load(p, &g, &got, &e) == 0);
    CHECK_STR(got, p);
    CHECK_STR(g.secret, "hunter2");
    free(got);
    log_release(&g);
    /* without a secret the mode does not matter */
    char *q = write_file("plain.conf", "[a]\nother = 1\nsecret =\n", 0644);
    REQUIRE(load(q, &g, NULL, &e) == 0);
    log_release(&g);
    /* a malformed file says what is wrong with it first */
    char *r = write_file("both.conf", "[a]\nsecret = s\nbad line\n", 0644);
    CHECK_INT(load(r, &g, NULL, &e), ERR_INPUT);
    CHECK(strstr(e.msg, ":3: expected 'key = value'") != NULL);
    log_release(&g);
    unlink(p);
    unlink(q);
    unlink(r);
    free(p);
    free(q);
    free(r);
}

static void test_a_link_is_followed_and_its_target_mode_counts(void)
{
    /* links are not refused (they never were): the mode that counts is the file's, not the link's */
    char *target = write_file("target.conf", "[a]\nsecret = s\n", 0600);
    char *link = xasprintf("%s/link.conf", dir);
    REQUIRE(symlink(target, link) == 0);
    struct log g;
    struct err e;
    char *got = NULL;
    REQUIRE(load(link, &g, &got, &e) == 0);
    CHECK_STR(got, link);
    CHECK_STR(g.secret, "s");
    free(got);
    log_release(&g);
    REQUIRE(chmod(target, 0604) == 0);
    CHECK_INT(load(link, &g, NULL, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "chmod 600") != NULL);
    log_release(&g);
    /* a dangling link is a file that cannot be read */
    unlink(target);
    CHECK_INT(load(link, &g, NULL, &e), ERR_IO);
    CHECK(strstr(e.msg, "test config '") == e.msg);
    log_release(&g);
    unlink(link);
    free(link);
    free(target);
}

static void test_the_default_file_is_read_when_it_exists(void)
{
    char *xdg = xasprintf("%s/xdg", dir), *sub = xasprintf("%s/xdg/huixin", dir);
    REQUIRE(file_mkdir_p(sub, 0700, NULL) == 0);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    struct log g;
    struct err e;
    char *got = (char *)"unset";
    REQUIRE(load(NULL, &g, &got, &e) == 0); /* none: not an error, and nothing read */
    CHECK(got == NULL);
    CHECK_STR(log_text(&g), "");
    log_release(&g);
    char *p = write_file("xdg/huixin/test.conf", "[a]\n", 0600);
    REQUIRE(load(NULL, &g, &got, &e) == 0);
    CHECK_STR(got, p);
    CHECK_STR(log_text(&g), "1:[a] end");
    free(got);
    log_release(&g);
    /* a path given that is not there is an error */
    char *missing = xasprintf("%s/missing.conf", dir);
    CHECK_INT(load(missing, &g, NULL, &e), ERR_IO);
    char *want = xasprintf("test config '%s': No such file or directory", missing);
    CHECK_STR(e.msg, want);
    log_release(&g);
    unsetenv("XDG_CONFIG_HOME");
    unlink(p);
    rmdir(sub);
    rmdir(xdg);
    free(want);
    free(missing);
    free(p);
    free(sub);
    free(xdg);
}

static void test_env_reads_empty_as_none(void)
{
    setenv("HUIXIN_TEST_CONF", "", 1);
    CHECK(conf_env("HUIXIN_TEST_CONF") == NULL);
    setenv("HUIXIN_TEST_CONF", "x", 1);
    CHECK_STR(conf_env("HUIXIN_TEST_CONF"), "x");
    unsetenv("HUIXIN_TEST_CONF");
    CHECK(conf_env("HUIXIN_TEST_CONF") == NULL);
}

static const struct test_case cases[] = {
    {"lines reach the handlers in order", test_lines_reach_the_handlers_in_order},
    {"no comment after a value", test_no_comment_after_a_value},
    {"crlf reads like lf", test_crlf_reads_like_lf},
    {"a byte-order mark is skipped at the start only", test_a_byte_order_mark_is_skipped_at_the_start_only},
    {"malformed lines name file and line", test_malformed_lines_name_file_and_line},
    {"the first error stops the reading", test_the_first_error_stops_the_reading},
    {"only a non-empty secret counts", test_only_a_non_empty_secret_counts},
    {"a file readable by others may hold no secret", test_a_file_readable_by_others_may_hold_no_secret},
    {"a link is followed and its target's mode counts", test_a_link_is_followed_and_its_target_mode_counts},
    {"the default file is read when it exists", test_the_default_file_is_read_when_it_exists},
    {"env reads empty as none", test_env_reads_empty_as_none},
};

int main(int argc, char **argv)
{
    if (!mkdtemp(dir))
        return 1;
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    rmdir(dir);
    return rc;
}
