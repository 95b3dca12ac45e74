#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "verify/cert_probe.h"
#include "tests/unit/runner.h"

static void check_target(const char *url, bool want_ok, const char *want_host, int want_port, int line)
{
    char *host = NULL;
    int port = 0;
    bool ok = cert_url_https_target(url, &host, &port);
    if (ok != want_ok || (want_ok && (!host || strcmp(host, want_host) != 0 || port != want_port))) {
        printf("%s:%d: cert_url_https_target('%s') is %d '%s' %d, expected %d '%s' %d\n", __FILE__, line,
               url ? url : "(null)", ok, host ? host : "(null)", port, want_ok, want_host ? want_host : "(null)",
               want_port);
        runner_case_failed = 1;
    }
    free(host);
}

static void test_https_targets(void)
{
    check_target("https://www.Baochuan.gov.cn/jact/", true, "www.baochuan.gov.cn", 443, __LINE__);
    check_target("HTTPS://127.0.0.1:8443/x?y#z", true, "127.0.0.1", 8443, __LINE__);
    check_target("https://user:pw@board.example.cn:9443", true, "board.example.cn", 9443, __LINE__);
    check_target("https://[::1]:8443/", true, "::1", 8443, __LINE__);
    check_target("https://[::1]/", true, "::1", 443, __LINE__);
    check_target("http://www.baochuan.gov.cn/", false, NULL, 0, __LINE__); /* no TLS to look at */
    check_target("https:///path", false, NULL, 0, __LINE__);
    check_target("https://host:99999/", false, NULL, 0, __LINE__);
    check_target("https://host:8x/", false, NULL, 0, __LINE__);
    check_target(NULL, false, NULL, 0, __LINE__);
}

/* A port nobody listens on: ERR_SITE at once, nothing to release. */
static void test_refused_is_a_site_error(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    REQUIRE(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &len) == 0);
    close(s);
    struct cert_finding f;
    struct err e;
    err_init(&e);
    CHECK_INT(cert_probe("127.0.0.1", ntohs(a.sin_port), 5000, &f, &e), ERR_SITE);
    CHECK(strstr(e.msg, "cannot connect to 127.0.0.1:") != NULL);
    CHECK(f.subject == NULL && f.error == NULL);
    cert_finding_release(&f);
}

/* A server that accepts and never answers the handshake: the probe gives up at its deadline. */
static void test_silent_server_times_out(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    REQUIRE(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0 &&
            getsockname(s, (struct sockaddr *)&a, &len) == 0);
    struct cert_finding f;
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(cert_probe("127.0.0.1", ntohs(a.sin_port), 300, &f, &e), ERR_TIMEOUT);
    CHECK(clock_mono_ms() - t0 < 10000); /* a generous upper bound: it does not hang */
    CHECK(strstr(e.msg, "no TLS handshake with 127.0.0.1:") != NULL);
    close(s);
}

static const struct test_case cases[] = {
    {"an https URL's host and port; other schemes have none", test_https_targets},
    {"a refused connection is the site's error", test_refused_is_a_site_error},
    {"a server that never answers the handshake is given up at the deadline", test_silent_server_times_out},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
