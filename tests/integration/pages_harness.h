/* What the driver's integration tests share: tests/integration/pages/serve.py (two loopback ports,
 * "a" and "b", so that a frame from one is cross-origin on the other) and one browser for the file.
 * Include after tests/unit/runner.h; call pages_cleanup() at exit. */
#ifndef HUIXIN_PAGES_HARNESS_H
#define HUIXIN_PAGES_HARNESS_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver/page.h"

/* A driver call that must succeed: on failure the case fails with the call and its error. */
#define OK(call)                                                                                            \
    do {                                                                                                    \
        struct err ok_e_;                                                                                   \
        err_init(&ok_e_);                                                                                   \
        int ok_rc_ = (call);                                                                                \
        if (ok_rc_ != 0) {                                                                                  \
            fprintf(stderr, "  %s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call, ok_rc_, ok_e_.msg); \
            runner_case_failed = 1;                                                                         \
        }                                                                                                   \
    } while (0)

static pid_t server_pid;
static int server_stdin = -1;
static int port_a, port_b;
static struct browser *shared;

static void server_stop(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
    if (server_stdin >= 0)
        close(server_stdin);
    server_stdin = -1;
}

/* Starts serve.py once (it dies with the test) and reads its two ports. */
static bool server_start(void)
{
    if (server_pid > 0)
        return true;
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return false;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execlp("python3", "python3", "tests/integration/pages/serve.py", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_pid = pid;
    server_stdin = in[1];
    char line[200];
    FILE *f = fdopen(out[0], "r");
    if (!f || !fgets(line, sizeof line, f)) {
        if (f)
            fclose(f);
        return false;
    }
    fclose(f);
    json_t *j = json_loads(line, 0, NULL);
    port_a = (int)json_integer_value(json_object_get(j, "a"));
    port_b = (int)json_integer_value(json_object_get(j, "b"));
    json_decref(j);
    return port_a > 0 && port_b > 0;
}

/* The file's one browser, launched on first use. */
static struct browser *browser_get(void)
{
    if (!shared) {
        struct err e;
        err_init(&e);
        struct browser_options o = {0};
        o.timeout_ms = 30000;
        if (browser_open(&o, &shared, &e) != 0) {
            fprintf(stderr, "  browser_open: %s\n", e.msg);
            shared = NULL;
        }
    }
    return shared;
}

/* A fresh page on a running server and browser, or the case ends. */
static struct page *page_get(void)
{
    REQUIRE(server_start());
    struct browser *b = browser_get();
    REQUIRE(b);
    struct page *p = NULL;
    struct err e;
    err_init(&e);
    if (page_open(b, &p, &e) != 0)
        fprintf(stderr, "  page_open: %s\n", e.msg);
    REQUIRE(p);
    return p;
}

static void pages_cleanup(void)
{
    browser_close(shared);
    shared = NULL;
    server_stop();
}

#endif
