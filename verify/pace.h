/* Pacing: huixin at one host keeps its distance. Real boards throttle a sender who posts again within
 * seconds ("您提交太频繁了"), and an inspection must not look like a flood, so every contact with a host
 * (a submission, a check, a recovery lookup) waits until the host's last recorded contact is far enough
 * behind: pacing_seconds (the scenario's own) before a submission, min(pacing_seconds, 10) before a
 * check. "The host" is the site's, whatever campaign or site key names it: five site keys on one board
 * are one board. The times are the ledger's (letters' final clicks, visits' start times), so the rule
 * holds across commands (`submit`, `campaign start`, `check`, `run`); a lock file beside the ledger
 * (LEDGER.pace, one lock byte per host) makes --jobs workers and concurrent commands take turns, each
 * holding the host from its wait until its visit is recorded. */
#ifndef HUIXIN_PACE_H
#define HUIXIN_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct ledger;
struct ledger_site;
struct err;

/* Checks keep at most this gap: a check is a few page reads, not a post. */
#define PACE_CHECK_MAX_SECONDS 10

/* The host huixin paces by: "host" or "host:port" of the site's entry_url, else of its base_url (in
 * vars_json), lower-cased; the scheme's default port (80, 443) is dropped, any other port kept (sites
 * on one machine under different ports are different servers: the fixture sites are). NULL when
 * neither is an http(s) URL. The caller frees. */
char *pace_host_of(const char *entry_url, const char *vars_json);
/* The gap before a contact: pacing_seconds for a submission, min(pacing_seconds, 10) for a check. */
int pace_gap_seconds(int pacing_seconds, bool is_submission);
/* How long to wait, in ms, before a contact at now_ms when the host's last was at last_ms (0: none).
 * A last contact later than now (a simulated time, --now) is no real contact: 0. */
int64_t pace_wait_ms(int64_t last_ms, int64_t now_ms, int gap_seconds);

/* A held host: released by pace_release (a no-op when nothing is held). */
struct pace_hold {
    int fd;       /* the lock file, -1 when none is open */
    bool is_held;
};
void pace_hold_init(struct pace_hold *h);
/* Takes the site's host: waits for the lock (lock_path NULL: no lock, this process only), then until
 * the host's last contact recorded in the ledger, over every campaign and site key, is gap_seconds
 * behind. With the clock overridden (--now) it takes the lock but never sleeps: the recorded times are
 * simulated. Already held, or gap_seconds 0 (a site with pacing_seconds 0): nothing to do, and visits
 * to the host may go at once. */
int pace_acquire(struct pace_hold *h, struct ledger *l, const char *lock_path, const struct ledger_site *s,
                 int gap_seconds, struct err *e);
void pace_release(struct pace_hold *h);

#endif
