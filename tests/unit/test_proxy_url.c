/* common/proxy.c: proxy URLs, the credentials file and its mode; scenarios' site.proxy and
 * site.proxy_credentials as the loader takes them. (The browser through a proxy:
 * tests/integration/test_proxy.py.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/err.h"
#include "common/files.h"
#include "common/proxy.h"
#include "scenarios/scenario.h"
#include "tests/unit/runner.h"

static void test_proxy_urls_are_parsed(void)
{
    struct proxy p;
    struct err e;
    err_init(&e);
    REQUIRE(proxy_parse("http://Proxy.Example.CN:3128", &p, &e) == 0);
    CHECK_STR(p.scheme, "http");
    CHECK_STR(p.host, "proxy.example.cn");
    CHECK_INT(p.port, 3128);
    CHECK(!proxy_is_socks(&p));
    CHECK(p.user == NULL);
    char *s = proxy_server_format(&p);
    CHECK_STR(s, "http://proxy.example.cn:3128");
    free(s);
    proxy_release(&p);
    REQUIRE(proxy_parse("socks5://127.0.0.1:1080/", &p, &e) == 0);
    CHECK_STR(p.scheme, "socks5");
    CHECK(proxy_is_socks(&p));
    CHECK_INT(p.port, 1080);
    proxy_release(&p);
    REQUIRE(proxy_parse("http://[::1]:8080", &p, &e) == 0);
    CHECK_STR(p.host, "::1");
    s = proxy_server_format(&p);
    CHECK_STR(s, "http://[::1]:8080");
    free(s);
    proxy_release(&p);
}

static void test_bad_proxy_urls_say_what_was_expected(void)
{
    static const struct {
        const char *url, *says;
    } cases[] = {
        {"https://p:443", "expected http://HOST:PORT or socks5://HOST:PORT"},
        {"socks4://p:1080", "expected http://"},
        {"p:3128", "expected http://"},
        {"http://p", "no port"},
        {"http://p:0", "from 1 to 65535"},
        {"http://p:65536", "from 1 to 65535"},
        {"http://p:31x", "from 1 to 65535"},
        {"http://:3128", "no host"},
        {"http://user:pw@p:3128", "credentials do not go in the URL"},
        {"http://p:3128/path", "no path"},
        {"http://p q:3128", "a character a host name cannot have"},
        {"http://[::1:3128", "closing ']'"},
        {"", "expected http://"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct proxy p;
        struct err e;
        err_init(&e);
        CHECK_INT(proxy_parse(cases[i].url, &p, &e), ERR_USAGE);
        if (!strstr(e.msg, cases[i].says))
            fprintf(stderr, "  '%s': %s\n", cases[i].url, e.msg);
        CHECK(strstr(e.msg, cases[i].says) != NULL);
        CHECK(strstr(e.msg, ":pw@") == NULL); /* a password typed into the URL is not repeated */
        proxy_release(&p);
    }
}

/* A temporary folder for credentials files; caller frees (and removes it). */
static char *tmp_dir(void)
{
    char tmpl[] = "/tmp/huixin-proxy-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != NULL);
    return xstrdup(tmpl);
}

static char *write_file(const char *dir, const char *name, const char *text, unsigned mode)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    REQUIRE(chmod(path, mode) == 0);
    return path;
}

static void test_credentials_come_from_a_private_file(void)
{
    char *dir = tmp_dir();
    struct proxy p;
    struct err e;
    err_init(&e);
    char *good = write_file(dir, "good", "alice:s3:cret\n", 0600);
    REQUIRE(proxy_parse("http://127.0.0.1:3128", &p, &e) == 0);
    REQUIRE(proxy_credentials_load(&p, good, &e) == 0);
    CHECK_STR(p.user, "alice");
    CHECK_STR(p.password, "s3:cret"); /* the first colon splits: a password may hold one */
    CHECK_STR(p.credentials_path, good);
    char *s = proxy_server_format(&p);
    CHECK(strstr(s, "alice") == NULL && strstr(s, "s3") == NULL);
    free(s);
    struct proxy q;
    proxy_copy(&q, &p);
    CHECK_STR(q.password, "s3:cret");
    proxy_release(&q);
    proxy_release(&p);
    CHECK(p.password == NULL);

    char *open_to_all = write_file(dir, "open", "alice:s3cret\n", 0644);
    REQUIRE(proxy_parse("http://127.0.0.1:3128", &p, &e) == 0);
    CHECK_INT(proxy_credentials_load(&p, open_to_all, &e), ERR_INPUT);
    CHECK(strstr(e.msg, open_to_all) != NULL);
    CHECK(strstr(e.msg, "mode 0644") != NULL);
    CHECK(strstr(e.msg, "expected 0600") != NULL);
    CHECK(strstr(e.msg, "s3cret") == NULL);
    CHECK(p.user == NULL);
    proxy_release(&p);

    char *link = xasprintf("%s/link", dir);
    REQUIRE(symlink(good, link) == 0);
    err_init(&e);
    REQUIRE(proxy_parse("http://127.0.0.1:3128", &p, &e) == 0);
    CHECK_INT(proxy_credentials_load(&p, link, &e), ERR_INPUT);
    CHECK(strstr(e.msg, "symbolic link") != NULL);
    proxy_release(&p);

    static const char *const bad[] = {"alice\n", ":pw\n", "alice:pw\nbob:pw\n", "", "al\x01ice:pw"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char *path = write_file(dir, "bad", bad[i], 0600);
        err_init(&e);
        REQUIRE(proxy_parse("http://127.0.0.1:3128", &p, &e) == 0);
        CHECK_INT(proxy_credentials_load(&p, path, &e), ERR_INPUT);
        CHECK(strstr(e.msg, "user:password") != NULL);
        proxy_release(&p);
        free(path);
    }

    /* Chromium cannot authenticate to a SOCKS5 proxy: refused, whatever the file */
    err_init(&e);
    REQUIRE(proxy_parse("socks5://127.0.0.1:1080", &p, &e) == 0);
    CHECK_INT(proxy_credentials_load(&p, good, &e), ERR_USAGE);
    CHECK(strstr(e.msg, "SOCKS5") != NULL);
    proxy_release(&p);

    err_init(&e);
    REQUIRE(proxy_parse("http://127.0.0.1:3128", &p, &e) == 0);
    char *missing = xasprintf("%s/missing", dir);
    CHECK_INT(proxy_credentials_load(&p, missing, &e), ERR_INPUT);
    CHECK(strstr(e.msg, missing) != NULL);
    proxy_release(&p);

    free(missing);
    free(link);
    free(open_to_all);
    free(good);
    file_remove_tree(dir, NULL);
    free(dir);
}

#define PROXY_SCN(site_extra)                                                                                  \
    "{\"huixin_scenario\": 1,\n \"site\": {\"name\": \"x\"" site_extra "},\n"                              \
    " \"check\": {\"steps\": [{\"goto\": \"http://a.example/\"}], \"found\": {\"text\": \"a\"},"            \
    " \"not_found\": {\"text\": \"b\"}}}"

static void test_site_proxy_in_a_scenario(void)
{
    struct err e;
    err_init(&e);
    struct scn_scenario *s = NULL;
    const char *with = PROXY_SCN(", \"proxy\": \"http://127.0.0.1:3128\", \"proxy_credentials\": \"px.cred\"");
    REQUIRE(scn_scenario_parse("/etc/huixin/sites/a.json", with, strlen(with), &s, NULL, &e) == 0);
    CHECK_STR(s->site.proxy, "http://127.0.0.1:3128");
    CHECK_STR(s->site.proxy_credentials, "/etc/huixin/sites/px.cred"); /* beside the scenario */
    scn_scenario_free(s);
    s = NULL;
    const char *direct = PROXY_SCN(", \"proxy\": \"direct\"");
    REQUIRE(scn_scenario_parse("mem.json", direct, strlen(direct), &s, NULL, &e) == 0);
    CHECK_STR(s->site.proxy, "direct");
    CHECK(s->site.proxy_credentials == NULL);
    scn_scenario_free(s);
    s = NULL;
    const char *none = PROXY_SCN("");
    REQUIRE(scn_scenario_parse("mem.json", none, strlen(none), &s, NULL, &e) == 0);
    CHECK(s->site.proxy == NULL);
    scn_scenario_free(s);
    s = NULL;

    static const struct {
        const char *text, *says;
    } bad[] = {
        {PROXY_SCN(", \"proxy\": \"ftp://p:21\""), "expected http://HOST:PORT or socks5://HOST:PORT"},
        {PROXY_SCN(", \"proxy\": \"http://u:p@p:3128\""), "credentials do not go in the URL"},
        {PROXY_SCN(", \"proxy_credentials\": \"c\""), "proxy_credentials without a proxy"},
        {PROXY_SCN(", \"proxy\": \"direct\", \"proxy_credentials\": \"c\""), "proxy_credentials without a proxy"},
        {PROXY_SCN(", \"proxy\": \"socks5://p:1080\", \"proxy_credentials\": \"c\""), "cannot authenticate to a SOCKS5"},
        {PROXY_SCN(", \"proxy\": 3128"), "proxy"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct scn_diags d = {NULL, 0};
        err_init(&e);
        CHECK_INT(scn_scenario_parse("mem.json", bad[i].text, strlen(bad[i].text), &s, &d, &e), ERR_INPUT);
        REQUIRE(d.n >= 1);
        if (!strstr(d.lines[0], bad[i].says))
            fprintf(stderr, "  case %zu: %s\n", i, d.lines[0]);
        CHECK(strstr(d.lines[0], "mem.json:2:") == d.lines[0]);
        CHECK(strstr(d.lines[0], bad[i].says) != NULL);
        scn_diags_release(&d);
    }
}

static const struct test_case cases[] = {
    {"proxy urls are parsed", test_proxy_urls_are_parsed},
    {"bad proxy urls say what was expected", test_bad_proxy_urls_say_what_was_expected},
    {"credentials come from a private file", test_credentials_come_from_a_private_file},
    {"site proxy in a scenario", test_site_proxy_in_a_scenario},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
