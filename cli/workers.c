#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/machine.h"
#include "driver/page.h"
#include "verify/pace.h"
#include "verify/schedule.h"
#include "cli/visit_setup.h"
#include "cli/workers.h"

#define WORKER_LINE_MAX 4096
#define POOL_POLL_MS 250
#define POOL_OWN_RELAUNCHES_MAX 2
/* A pool without --jobs looks this often whether the machine has room for one more worker. */
#define POOL_GROW_EVERY_MS 5000
/* The watchdog's grace beyond a visit's budget (and one --timeout more, for the time-stamping request):
 * what follows the budget is bounded too (the failure screenshot, the evidence, the ledger's busy wait)
 * but not by the budget. */
#define POOL_WATCHDOG_GRACE_MS 30000

struct worker {
    pid_t pid;           /* 0: a free slot */
    int cmd_fd;          /* parent -> worker: "ID\n" per letter; closed when there is no more work */
    int res_fd;          /* worker -> parent: one line per visit */
    size_t endpoint;     /* index into the pool's endpoints */
    unsigned gen;        /* the endpoint's generation when it started (a relaunched browser is a new one) */
    int64_t held;        /* the letter in its hands, 0 when idle */
    int64_t held_since_ms;    /* clock_mono_ms when it was handed out */
    int64_t started_ms;       /* when the worker said its visit proper started ("S"), 0 before */
    bool is_leaving;     /* it said it cannot go on (B or F): its exit is expected */
    char in[WORKER_LINE_MAX];
    size_t in_len;
};

struct pool {
    const struct workers_options *o;
    char **endpoints;
    size_t n_endpoints;
    bool *is_endpoint_dead;
    unsigned *endpoint_gen;
    struct browser *own; /* launched by us when no --browser was given; endpoint 0 is its websocket */
    int own_relaunches;
    struct worker w[WORKERS_MAX];
    int64_t *queue;      /* letters not handed out yet: queue[next..n) */
    size_t next, n;
    int spawns_left;     /* replacements for workers that died, so a crash loop ends */
    int64_t watchdog_ms; /* a visit that started may last this long before its worker is killed */
    int64_t waiting_ms;  /* a letter handed out may wait this long for its host's turn (other visits) */
    int64_t *retried;    /* letters handed out again after their browser died under the visit: once each */
    size_t n_retried;
    bool is_stopping;    /* the ledger failed, or the caller asked to stop: hand out nothing more */
    size_t jobs, jobs_max; /* workers wanted now, and the most (above jobs: no --jobs, the pool grows) */
    struct machine_cpu_sample grow_sample; /* the machine's CPU when growth was last considered */
    int64_t grow_sample_ms;
    int rc;
};

void workers_jobs_pick(int given, const char *captcha_spec, int *jobs, int *jobs_max)
{
    *jobs = given ? given : machine_jobs_start();
    *jobs_max = given ? given : machine_jobs_ceiling(WORKERS_MAX);
    if (captcha_spec && strcmp(captcha_spec, "prompt") == 0)
        *jobs = *jobs_max = 1;
}

void workers_due_print(const int64_t *ids, size_t n, int64_t next_ms)
{
    for (size_t i = 0; i < n; i++)
        printf("letter %lld\n", (long long)ids[i]);
    printf("%zu letter%s due\n", n, n == 1 ? "" : "s");
    if (next_ms) {
        char when[32];
        clock_beijing_format(next_ms, when, sizeof when);
        printf("next due at %.16s Beijing time\n", when);
    }
}

int workers_interval_take(const char *cmd, const char *name, const char *value, void *user)
{
    struct schedule_rules *rules = user;
    (void)name;
    char *end;
    double h = strtod(value, &end);
    if (*end || h <= 0 || h > 24 * 90)
        return cli_usage_error(cmd, "--interval '%s': expected hours, more than 0", value);
    rules->interval_ms = (int64_t)(h * 3600 * 1000);
    return 0;
}

int workers_check_in_turn(struct visit_setup *vs, const struct workers_options *o, const int64_t *ids, size_t n)
{
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && !(o->stop && *o->stop); i++) {
        struct visit_summary sum;
        struct err e;
        err_init(&e);
        if (visit_setup_browser_ensure(vs, &e) || visit_check_letter(&vs->env, ids[i], &sum, &e)) {
            fprintf(stderr, "huixin: letter %lld: %s\n", (long long)ids[i], e.msg);
            rc = cli_exit_from_err(e.code);
            if (e.code == ERR_STORE) {
                if (o->stop)
                    *o->stop = 1;
                break;
            }
            continue;
        }
        /* a letter another huixin is visiting: said, and no failure (that visit is being made) */
        if (o->is_timestamped) {
            char when[32];
            clock_beijing_format(clock_now_ms(), when, sizeof when);
            printf("%s ", when);
        }
        printf("letter %lld%s%s\n", (long long)ids[i], sum.was_busy ? ": " : " ", sum.line);
        visit_setup_after_visit(vs, &sum);
        fflush(stdout);
        if (sum.outcome == VISIT_FAILED && rc == EXIT_OK)
            rc = EXIT_SITE;
    }
    return rc;
}

void workers_endpoints_list(const struct cli_common *c, char ***out, size_t *n_out)
{
    char **list = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->n_browser_urls; i++) {
        const char *p = c->browser_urls[i];
        while (*p) {
            size_t len = strcspn(p, ",");
            if (len > 0) {
                list = xrealloc(list, (n + 1) * sizeof *list);
                list[n++] = xasprintf("%.*s", (int)len, p);
            }
            p += len + (p[len] == ',');
        }
    }
    *out = list;
    *n_out = n;
}

void workers_endpoints_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* ---- the worker process ---- */

/* One line to the parent; newlines in the text would split it, so they become spaces. */
static void worker_say(int fd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void worker_say(int fd, const char *fmt, ...)
{
    char line[WORKER_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    for (size_t off = 0; off < len;) { /* one write of < PIPE_BUF is atomic; the loop is for EINTR */
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void worker_visit_started(int64_t letter_id, void *user)
{
    worker_say(*(int *)user, "S %lld", (long long)letter_id);
}

/* Takes letter ids from cmd_fd until it closes; answers each on res_fd:
 *   S ID                 the visit of ID starts (its host's turn came): the parent's watchdog starts
 *   R ID EXIT o|e|b TEXT the visit was made (o: a result line), failed with an error (e: its message) or
 *                        was not made, another huixin visiting the letter (b: the line saying so)
 *   B ID TEXT            the browser cannot be reached: ID was not started; the worker ends
 *   D ID TEXT            the browser went away during the visit of ID (TEXT: its result line; the visit, if
 *                        recorded, is a failed one): the endpoint died, not the site; the worker ends
 *   F EXIT TEXT          the worker could not start (ledger, calendar, captcha): it ends */
static int worker_main(const struct workers_options *o, const char *endpoint, int cmd_fd, int res_fd)
{
    /* The parent decides when to stop (SIGTERM for huixin run, Ctrl-C): a worker ends the visit under
     * way and leaves when its pipe closes, so a letter is never cut in half by a signal. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "huixin-worker");
    struct cli_common c = *o->common;
    c.browser_url = endpoint;
    c.n_browser_urls = 0;
    struct visit_setup vs;
    struct err e;
    err_init(&e);
    if (visit_setup_open(&vs, &c, o->captcha_spec, &e)) {
        worker_say(res_fd, "F %d %s", cli_exit_from_err(e.code), e.msg);
        visit_setup_close(&vs);
        return EXIT_IO;
    }
    vs.env.on_visit_start = worker_visit_started;
    vs.env.on_visit_start_user = &res_fd;
    FILE *in = fdopen(cmd_fd, "r");
    char line[64];
    int rc = EXIT_OK;
    while (in && fgets(line, sizeof line, in)) {
        long long id = strtoll(line, NULL, 10);
        if (id <= 0)
            continue;
        err_init(&e);
        if (visit_setup_browser_ensure(&vs, &e)) {
            worker_say(res_fd, "B %lld %s", id, e.msg);
            rc = EXIT_BROWSER;
            break;
        }
        struct visit_summary sum;
        if (visit_check_letter(&vs.env, id, &sum, &e)) {
            worker_say(res_fd, "R %lld %d e %s", id, cli_exit_from_err(e.code), e.msg);
            continue;
        }
        if (!sum.was_busy && sum.outcome == VISIT_FAILED && !browser_is_alive(vs.browser)) {
            /* the browser went away under the visit (its connection lost): the endpoint failed, not the
             * site; the parent may hand the letter to another browser. This one is done. */
            worker_say(res_fd, "D %lld %s", id, sum.line);
            visit_setup_after_visit(&vs, &sum);
            rc = EXIT_BROWSER;
            break;
        }
        /* reported before the alerts go out: the visit is recorded, a slow alert channel is no part of it */
        if (sum.was_busy)
            worker_say(res_fd, "R %lld %d b %s", id, EXIT_OK, sum.line);
        else
            worker_say(res_fd, "R %lld %d o %s", id, sum.outcome == VISIT_FAILED ? EXIT_SITE : EXIT_OK, sum.line);
        visit_setup_after_visit(&vs, &sum);
    }
    if (in)
        fclose(in);
    visit_setup_close(&vs);
    return rc;
}

/* ---- the parent ---- */

static size_t pool_live(const struct pool *pl)
{
    size_t n = 0;
    for (size_t i = 0; i < WORKERS_MAX; i++)
        n += pl->w[i].pid > 0;
    return n;
}

/* The endpoint that is alive and has the fewest workers, or -1. */
static long pool_endpoint_pick(const struct pool *pl)
{
    long best = -1;
    size_t best_n = 0;
    for (size_t ep = 0; ep < pl->n_endpoints; ep++) {
        if (pl->is_endpoint_dead[ep])
            continue;
        size_t n = 0;
        for (size_t i = 0; i < WORKERS_MAX; i++)
            n += pl->w[i].pid > 0 && pl->w[i].endpoint == ep;
        if (best < 0 || n < best_n) {
            best = (long)ep;
            best_n = n;
        }
    }
    return best;
}

/* Starts one worker in a free slot on the endpoint with the fewest: 0, or an ERR_* code when it could
 * not (no endpoint left, no free slot, pipe or fork failed). */
static int pool_spawn(struct pool *pl)
{
    long ep = pool_endpoint_pick(pl);
    size_t slot = WORKERS_MAX;
    for (size_t i = 0; i < WORKERS_MAX && slot == WORKERS_MAX; i++)
        if (pl->w[i].pid == 0)
            slot = i;
    if (ep < 0)
        return ERR_BROWSER; /* no endpoint left */
    if (slot == WORKERS_MAX)
        return ERR_INTERNAL; /* the caller starts no more than WORKERS_MAX */
    int cmd[2], res[2];
    pl->spawns_left--; /* given back below once it runs: a fork that keeps failing must not spin */
    if (pipe2(cmd, O_CLOEXEC) != 0)
        return ERR_IO;
    if (pipe2(res, O_CLOEXEC) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return ERR_IO;
    }
    fflush(stdout); /* or the child's copy of the buffer comes out twice */
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        log_warn("workers", "cannot start a worker: fork: %s", strerror(errno));
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        return ERR_IO;
    }
    if (pid == 0) {
        /* the other workers' pipes: holding them would keep their ends open */
        for (size_t i = 0; i < WORKERS_MAX; i++) {
            if (pl->w[i].pid <= 0)
                continue;
            if (pl->w[i].cmd_fd >= 0)
                close(pl->w[i].cmd_fd);
            close(pl->w[i].res_fd);
        }
        close(cmd[1]);
        close(res[0]);
        _exit(worker_main(pl->o, pl->endpoints[ep], cmd[0], res[1]));
    }
    close(cmd[0]);
    close(res[1]);
    pl->spawns_left++;
    struct worker *w = &pl->w[slot];
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->res_fd = res[0];
    w->endpoint = (size_t)ep;
    w->gen = pl->endpoint_gen[ep];
    log_debug("workers", "worker %d started on %s", (int)pid, pl->endpoints[ep]);
    return 0;
}

static void pool_not_visited(struct pool *pl, int64_t id, const char *why)
{
    fprintf(stderr, "huixin: letter %lld: not visited: %s\n", (long long)id, why);
    pl->rc = EXIT_BROWSER;
}

static void pool_print(struct pool *pl, int64_t id, int code, bool is_error, bool is_busy, const char *text)
{
    if (is_error) {
        fprintf(stderr, "huixin: letter %lld: %s\n", (long long)id, text);
        pl->rc = code;
        if (code == EXIT_STORE)
            pl->is_stopping = true; /* as the sequential loop: the ledger is gone, stop */
        return;
    }
    if (pl->o->is_timestamped) {
        char when[32];
        clock_beijing_format(clock_now_ms(), when, sizeof when);
        printf("%s ", when);
    }
    printf("letter %lld%s%s\n", (long long)id, is_busy ? ": " : " ", text);
    fflush(stdout);
    if (code != EXIT_OK && pl->rc == EXIT_OK)
        pl->rc = code;
}

static void pool_requeue(struct pool *pl, int64_t id)
{
    /* every id before next was handed out, so there is room in front of it */
    pl->queue[--pl->next] = id;
}

static bool pool_is_retried(const struct pool *pl, int64_t id)
{
    for (size_t i = 0; i < pl->n_retried; i++)
        if (pl->retried[i] == id)
            return true;
    return false;
}

/* The browser died under a visit of id (text: the visit's result line; a visit that was recorded is a
 * failed one, which never counts against the site). The endpoint failed, not the site: the letter goes
 * to another browser, once. A second such failure, or a pool that is stopping, reports the failed visit
 * as it is. */
static void pool_died_under_visit(struct pool *pl, int64_t id, const char *text)
{
    if (pl->is_stopping || pool_is_retried(pl, id)) {
        pool_print(pl, id, EXIT_SITE, false, false, text);
        return;
    }
    fprintf(stderr, "huixin: letter %lld: retried on another browser: its browser went away during the visit "
            "(%s)\n", (long long)id, text);
    pl->retried[pl->n_retried++] = id;
    pool_requeue(pl, id);
}

static void pool_line(struct pool *pl, struct worker *w, char *line)
{
    char kind = line[0];
    char *p = line + (line[0] ? 1 : 0);
    char *end;
    if (kind == 'S') {
        long long id = strtoll(p, &end, 10);
        if (id == w->held)
            w->started_ms = clock_mono_ms();
    } else if (kind == 'R') {
        long long id = strtoll(p, &end, 10);
        long code = strtol(end, &end, 10);
        while (*end == ' ')
            end++;
        bool is_error = *end == 'e', is_busy = *end == 'b';
        const char *text = *end ? end + 1 + (end[1] == ' ') : "";
        w->held = 0;
        pool_print(pl, id, (int)code, is_error, is_busy, text);
    } else if (kind == 'B') {
        long long id = strtoll(p, &end, 10);
        while (*end == ' ')
            end++;
        if (!pl->is_endpoint_dead[w->endpoint] && w->gen == pl->endpoint_gen[w->endpoint])
            fprintf(stderr, "huixin: browser %s cannot be used any more (%s); its letters go to the others\n",
                    pl->endpoints[w->endpoint], end);
        w->held = 0;
        w->is_leaving = true;
        pool_requeue(pl, id);
        if (w->gen == pl->endpoint_gen[w->endpoint]) /* not a browser of ours that was since relaunched */
            pl->is_endpoint_dead[w->endpoint] = true;
    } else if (kind == 'D') {
        long long id = strtoll(p, &end, 10);
        while (*end == ' ')
            end++;
        bool is_current = w->gen == pl->endpoint_gen[w->endpoint]; /* not a browser of ours since relaunched */
        if (!pl->is_endpoint_dead[w->endpoint] && is_current)
            fprintf(stderr, "huixin: browser %s cannot be used any more (it went away during a visit); its letters go "
                    "to the others\n", pl->endpoints[w->endpoint]);
        if (is_current)
            pl->is_endpoint_dead[w->endpoint] = true;
        w->held = 0;
        w->is_leaving = true;
        pool_died_under_visit(pl, id, end);
    } else if (kind == 'F') {
        long code = strtol(p, &end, 10);
        while (*end == ' ')
            end++;
        fprintf(stderr, "huixin: %s\n", end);
        w->is_leaving = true;
        if (w->held)
            pool_requeue(pl, w->held);
        w->held = 0;
        pl->rc = (int)code;
        pl->is_stopping = true;
    } else {
        log_warn("workers", "worker %d said something unexpected: '%s'", (int)w->pid, line);
    }
}

/* The worker's pipe closed: it exited. Reaps it; the letter it held is lost, not invented. */
static void pool_reap(struct pool *pl, struct worker *w)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    char how[64];
    if (r > 0 && WIFSIGNALED(status))
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    else if (r > 0 && WIFEXITED(status))
        snprintf(how, sizeof how, "exit %d", WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "gone");
    if (w->held) {
        char why[160];
        snprintf(why, sizeof why, "the worker visiting it (pid %d) died (%s) before it reported the visit",
                 (int)w->pid, how);
        pool_not_visited(pl, w->held, why);
    }
    bool was_expected = w->is_leaving || (w->cmd_fd < 0 && !w->held);
    if (!was_expected)
        log_warn("workers", "worker %d ended unexpectedly (%s)", (int)w->pid, how);
    else
        log_debug("workers", "worker %d ended (%s)", (int)w->pid, how);
    if (w->cmd_fd >= 0)
        close(w->cmd_fd);
    close(w->res_fd);
    if (!was_expected)
        pl->spawns_left--;
    memset(w, 0, sizeof *w);
    w->cmd_fd = w->res_fd = -1;
}

static void pool_read(struct pool *pl, struct worker *w)
{
    ssize_t r = read(w->res_fd, w->in + w->in_len, sizeof w->in - 1 - w->in_len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        pool_reap(pl, w);
        return;
    }
    w->in_len += (size_t)r;
    w->in[w->in_len] = '\0';
    char *start = w->in;
    char *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        pool_line(pl, w, start);
        start = nl + 1;
    }
    w->in_len -= (size_t)(start - w->in);
    memmove(w->in, start, w->in_len);
    if (w->in_len == sizeof w->in - 1) { /* a line too long to hold: take it as it is */
        w->in[w->in_len] = '\0';
        pool_line(pl, w, w->in);
        w->in_len = 0;
    }
}

/* Our own browser died: start another, once or twice, and let workers use it again. */
static void pool_own_check(struct pool *pl)
{
    if (!pl->own || browser_is_alive(pl->own))
        return;
    browser_close(pl->own);
    pl->own = NULL;
    pl->is_endpoint_dead[0] = true;
    bool is_held = false; /* a letter in a worker's hands may come back to be retried (D) */
    for (size_t i = 0; i < WORKERS_MAX; i++)
        is_held = is_held || (pl->w[i].pid > 0 && pl->w[i].held);
    if (pl->own_relaunches >= POOL_OWN_RELAUNCHES_MAX || (pl->next >= pl->n && !is_held) || pl->is_stopping)
        return;
    pl->own_relaunches++;
    log_warn("workers", "the browser is gone; starting a new one");
    struct browser_options bo;
    cli_browser_options(pl->o->common, &bo);
    bo.endpoint = NULL; /* our own, launched again */
    struct err e;
    err_init(&e);
    if (browser_open(&bo, &pl->own, &e) != 0) {
        fprintf(stderr, "huixin: %s\n", e.msg);
        return;
    }
    free(pl->endpoints[0]);
    pl->endpoints[0] = xstrdup(browser_ws_url(pl->own));
    pl->is_endpoint_dead[0] = false;
    pl->endpoint_gen[0]++;
}

static void pool_dispatch(struct pool *pl)
{
    for (size_t i = 0; i < WORKERS_MAX; i++) {
        struct worker *w = &pl->w[i];
        if (w->pid <= 0 || w->held || w->is_leaving || w->cmd_fd < 0)
            continue;
        if (pl->next >= pl->n || pl->is_stopping || pl->is_endpoint_dead[w->endpoint] ||
            w->gen != pl->endpoint_gen[w->endpoint]) {
            close(w->cmd_fd); /* nothing more for it: it leaves */
            w->cmd_fd = -1;
            continue;
        }
        int64_t id = pl->queue[pl->next++];
        char line[32];
        int len = snprintf(line, sizeof line, "%lld\n", (long long)id);
        if (write(w->cmd_fd, line, (size_t)len) != len) {
            pool_requeue(pl, id); /* it never got it; its pipe will say it is gone */
            close(w->cmd_fd);
            w->cmd_fd = -1;
            continue;
        }
        w->held = id;
        w->held_since_ms = clock_mono_ms();
        w->started_ms = 0;
    }
}

/* Without --jobs, one more worker (up to jobs_max) when letters wait for one, every worker is busy,
 * and the machine's CPUs were idle a quarter of the last POOL_GROW_EVERY_MS with memory for one more:
 * the visits are waiting on the sites, not on the machine. Never fewer: a worker that is not needed
 * leaves when the letters run out. */
static void pool_grow(struct pool *pl, size_t live, size_t waiting)
{
    if (pl->jobs >= pl->jobs_max || pl->is_stopping)
        return;
    int64_t now = clock_mono_ms();
    if (pl->grow_sample_ms && now - pl->grow_sample_ms < POOL_GROW_EVERY_MS)
        return;
    struct machine_cpu_sample s = machine_cpu_sample();
    bool is_full = live >= pl->jobs && waiting > 0;
    if (is_full && pl->grow_sample_ms && machine_has_room(pl->grow_sample, s, machine_mem_available_mb())) {
        pl->jobs++;
        pl->spawns_left++;
        log_info("workers", "%zu workers at once: the machine had room for one more (its CPUs idle a quarter "
                 "of the last %d s or more)", pl->jobs, POOL_GROW_EVERY_MS / 1000);
    }
    pl->grow_sample = s;
    pl->grow_sample_ms = now;
}

/* A worker that holds one letter past its bound (a visit that started: its budget and the grace; one
 * still waiting for its host: every visit it could be waiting behind) is stopped, hung or lost: it is
 * SIGKILLed and its letter reported as not visited, never handed out again (it would hang again). Its
 * pipe then closes and a replacement starts, as for a worker that crashed. */
static void pool_watchdog(struct pool *pl)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < WORKERS_MAX; i++) {
        struct worker *w = &pl->w[i];
        if (w->pid <= 0 || !w->held)
            continue;
        int64_t limit = w->started_ms ? pl->watchdog_ms : pl->waiting_ms;
        int64_t since = w->started_ms ? w->started_ms : w->held_since_ms;
        if (now - since < limit)
            continue;
        struct pollfd pf = {.fd = w->res_fd, .events = POLLIN};
        if (poll(&pf, 1, 0) > 0) { /* its answer may have come just now: read it first */
            pool_read(pl, w);
            if (w->pid <= 0 || !w->held)
                continue;
        }
        char why[256];
        if (w->started_ms)
            snprintf(why, sizeof why, "the watchdog ended its visit after %lld s (the visit budget of %d s and %lld s "
                     "of grace): its worker (pid %d) was killed", (long long)(now - since) / 1000,
                     visit_setup_budget_ms(pl->o->common) / 1000,
                     (long long)(pl->watchdog_ms - visit_setup_budget_ms(pl->o->common)) / 1000, (int)w->pid);
        else
            snprintf(why, sizeof why, "the watchdog ended its worker (pid %d) after %lld s waiting for the visit to "
                     "start", (int)w->pid, (long long)(now - since) / 1000);
        kill(w->pid, SIGKILL);
        pool_not_visited(pl, w->held, why);
        w->held = 0;
        w->started_ms = 0;
        w->is_leaving = true; /* its exit is expected now: the pipe's close reaps it */
        if (w->cmd_fd >= 0) {
            close(w->cmd_fd);
            w->cmd_fd = -1;
        }
    }
}

int workers_check_letters(const struct workers_options *o, const int64_t *ids, size_t n)
{
    if (n == 0)
        return EXIT_OK;
    struct pool pl;
    memset(&pl, 0, sizeof pl);
    pl.o = o;
    pl.n = n;
    pl.queue = xcalloc(n + 1, sizeof *pl.queue);
    memcpy(pl.queue, ids, n * sizeof *ids);
    pl.retried = xcalloc(n + 1, sizeof *pl.retried);
    for (size_t i = 0; i < WORKERS_MAX; i++)
        pl.w[i].cmd_fd = pl.w[i].res_fd = -1;
    signal(SIGPIPE, SIG_IGN);

    size_t jobs = o->jobs < 1 ? 1 : o->jobs > WORKERS_MAX ? WORKERS_MAX : (size_t)o->jobs;
    if (jobs > n)
        jobs = n;
    size_t jobs_max = o->jobs_max > (int)jobs ? (size_t)o->jobs_max : jobs;
    if (jobs_max > WORKERS_MAX)
        jobs_max = WORKERS_MAX;
    if (jobs_max > n)
        jobs_max = n;
    pl.jobs = jobs;
    pl.jobs_max = jobs_max;
    pl.spawns_left = (int)jobs + 2;
    pl.watchdog_ms = (int64_t)visit_setup_budget_ms(o->common) + POOL_WATCHDOG_GRACE_MS +
                     (o->common->timeout_ms > 0 ? o->common->timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS);
    /* behind, at most, every other worker's visit on the same host, each with its pacing gap */
    pl.waiting_ms = (int64_t)(jobs_max + 1) * (pl.watchdog_ms + PACE_CHECK_MAX_SECONDS * 1000);
    workers_endpoints_list(o->common, &pl.endpoints, &pl.n_endpoints);
    if (pl.n_endpoints == 0) {
        struct browser_options bo;
        cli_browser_options(o->common, &bo);
        bo.endpoint = NULL; /* no --browser: our own */
        struct err e;
        err_init(&e);
        if (browser_open(&bo, &pl.own, &e) != 0) {
            fprintf(stderr, "huixin: %s\n", e.msg);
            for (size_t i = 0; i < n; i++)
                pool_not_visited(&pl, ids[i], "no browser to visit it with");
            goto out;
        }
        pl.endpoints = xcalloc(1, sizeof *pl.endpoints);
        pl.endpoints[0] = xstrdup(browser_ws_url(pl.own));
        pl.n_endpoints = 1;
    }
    pl.is_endpoint_dead = xcalloc(pl.n_endpoints, sizeof *pl.is_endpoint_dead);
    pl.endpoint_gen = xcalloc(pl.n_endpoints, sizeof *pl.endpoint_gen);
    log_debug("workers", "%zu workers (up to %zu) over %zu browsers for %zu letters", jobs, jobs_max, pl.n_endpoints,
              n);
    for (size_t i = 0; i < jobs; i++)
        if (pool_spawn(&pl) != 0)
            break;

    for (;;) {
        if (o->stop && *o->stop)
            pl.is_stopping = true;
        pool_own_check(&pl);
        pool_watchdog(&pl);
        /* keep the pool full while letters wait: replace workers that left, on browsers still alive */
        size_t live = pool_live(&pl), waiting = pl.next < pl.n ? pl.n - pl.next : 0;
        pool_grow(&pl, live, waiting);
        while (!pl.is_stopping && waiting > 0 && live < pl.jobs && pl.spawns_left > 0 && pool_spawn(&pl) == 0) {
            live++;
            if (live > waiting)
                break;
        }
        pool_dispatch(&pl);
        struct pollfd fds[WORKERS_MAX];
        struct worker *by_fd[WORKERS_MAX];
        nfds_t nfds = 0;
        for (size_t i = 0; i < WORKERS_MAX; i++)
            if (pl.w[i].pid > 0) {
                fds[nfds] = (struct pollfd){.fd = pl.w[i].res_fd, .events = POLLIN};
                by_fd[nfds++] = &pl.w[i];
            }
        if (nfds == 0) {
            if (pl.next < pl.n && !pl.is_stopping) {
                if (pl.spawns_left > 0 && pool_endpoint_pick(&pl) >= 0)
                    continue; /* e.g. a relaunched browser of our own: workers start on it next round */
                for (; pl.next < pl.n; pl.next++)
                    pool_not_visited(&pl, pl.queue[pl.next], "no browser left to visit it with");
            }
            break;
        }
        int r = poll(fds, nfds, POOL_POLL_MS);
        if (r < 0 && errno != EINTR)
            break;
        for (nfds_t k = 0; r > 0 && k < nfds; k++)
            if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
                pool_read(&pl, by_fd[k]);
    }
out:
    for (size_t i = 0; i < WORKERS_MAX; i++)
        if (pl.w[i].pid > 0) { /* only after a poll failure: let them go and wait */
            if (pl.w[i].cmd_fd >= 0)
                close(pl.w[i].cmd_fd);
            pl.w[i].cmd_fd = -1;
            pool_reap(&pl, &pl.w[i]);
        }
    browser_close(pl.own);
    workers_endpoints_free(pl.endpoints, pl.n_endpoints);
    free(pl.is_endpoint_dead);
    free(pl.endpoint_gen);
    free(pl.queue);
    free(pl.retried);
    return pl.rc;
}
