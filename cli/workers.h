/* Checking several letters at once: a pool of worker processes, each with its own DevTools
 * connection and its own ledger connection (SQLite in WAL mode with a busy timeout takes several
 * writers). The driver is synchronous, one connection per thread of control, so parallelism is by
 * process: the parent hands one letter id at a time to an idle worker over that worker's own pipe,
 * so it always knows which letter each worker holds; a worker answers with one line per visit.
 *
 * Without --browser the parent launches one headless Chromium and every worker connects to it (each
 * visit has its own browser context); with --browser URL[,URL...] the workers are spread over that
 * pool. A worker that dies (SIGKILL, a crash) loses only the letter it held: that letter is reported
 * as not visited (no ledger row is invented) and the rest go to the other workers, and a replacement
 * is started. A browser that stops answering takes its workers with it: the letter a worker was
 * about to start goes back to the queue, no more workers use that endpoint, and a browser of our own
 * is relaunched; the letter whose visit it cut (a failed visit, which never counts against the site)
 * is retried once on another browser in the same run (a site's failure is never retried). A worker
 * whose visit outlives its budget by the grace (stopped, or hung where no deadline reaches) is killed
 * by the parent's watchdog: its letter is reported as not visited and not handed out again (it would
 * hang again), as for a worker that died. The watchdog times a visit from the worker's "it starts"
 * (after its turn at the host), and a letter still waiting for its turn against every visit it could
 * be behind. */
#ifndef HUIXIN_WORKERS_H
#define HUIXIN_WORKERS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "cli/opts.h"

#define WORKERS_MAX 32

struct workers_options {
    const struct cli_common *common;
    const char *captcha_spec;          /* as --captcha; NULL: none */
    int jobs;                          /* workers to start with (more than the letters is pointless) */
    int jobs_max;                      /* above jobs (no --jobs given): the pool adds a worker, up to this
                                          many, while the machine has room for one (common/machine.h) */
    bool is_timestamped;               /* prefix each stdout line with the Beijing time (huixin run) */
    volatile sig_atomic_t *stop;       /* when set: hand out no more letters, let the visits under way end */
};

/* check's and run's workers from their --jobs (0: not given): *jobs to start with and *jobs_max to grow
 * to (given: both that many; not: min(4, CPUs, free memory / 400 MB) to start with, growing up to
 * min(WORKERS_MAX, 4 x CPUs, free memory / 400 MB): common/machine.h). One worker when the
 * captcha is typed at the terminal ("prompt"): one terminal cannot answer several workers. */
void workers_jobs_pick(int given, const char *captcha_spec, int *jobs, int *jobs_max);
/* The --jobs row of check's and run's option tables (1 to WORKERS_MAX), into the int at target. */
#define WORKERS_OPT_JOBS(target, h)                                                                       \
    {.kind = OPT_INT, .name = "--jobs", .alias = "-j", .value = (target), .metavar = "N", .help = (h),   \
     .min = 1, .max = WORKERS_MAX, .expect = "a whole number from 1 to " WORKERS_STR(WORKERS_MAX)}
#define WORKERS_STR(x) WORKERS_STR_(x)
#define WORKERS_STR_(x) #x
/* The --interval HOURS value of check and run (an opt_call_fn): into the struct schedule_rules at user. */
int workers_interval_take(const char *cmd, const char *name, const char *value, void *user);

/* --dry-run of check and run: "letter ID" a line for each of ids[0..n), then "N letter(s) due" and,
 * when next_ms is not 0, when the next of the others is due (Beijing time). */
void workers_due_print(const int64_t *ids, size_t n, int64_t next_ms);

/* The browser endpoints of every --browser value, commas split, empty parts dropped; *out is the
 * caller's to free with workers_endpoints_free. */
void workers_endpoints_list(const struct cli_common *c, char ***out, size_t *n_out);
void workers_endpoints_free(char **list, size_t n);

/* Checks ids[0..n) with the pool, printing as the sequential loop does, in order of completion:
 * "letter ID LINE" on stdout, "huixin: letter ID: MESSAGE" on stderr. Returns the exit code: EXIT_OK
 * when every visit was made, EXIT_SITE when a site could not be checked, EXIT_BROWSER when a letter
 * could not be visited at all, EXIT_STORE (and no more letters handed out) when the ledger failed. */
int workers_check_letters(const struct workers_options *o, const int64_t *ids, size_t n);

struct visit_setup;
/* Checks ids[0..n) one after another in vs (this process, no pool), printing as
 * workers_check_letters does. Stops early when o->stop is set, or when the ledger failed (and then
 * sets o->stop, if given). Only o->is_timestamped and o->stop are read. Returns the exit code of the
 * last visit that failed (EXIT_STORE when the ledger failed), EXIT_SITE when a site could not be
 * checked, else EXIT_OK. */
int workers_check_in_turn(struct visit_setup *vs, const struct workers_options *o, const int64_t *ids, size_t n);

#endif
