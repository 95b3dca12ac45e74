/* Pacing per host (pace.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "verify/ledger.h"
#include "verify/pace.h"

/* "host" or "host:port" of an http(s) URL, lower-cased, default port dropped; NULL otherwise. */
static char *url_authority(const char *url)
{
    const char *p;
    const char *default_port;
    if (!url)
        return NULL;
    if (strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
        default_port = "80";
    } else if (strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
        default_port = "443";
    } else {
        return NULL;
    }
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    if (at) {
        auth -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (auth == 0)
        return NULL;
    /* the port starts at the last ':' after any bracketed IPv6 address */
    const char *close = *p == '[' ? memchr(p, ']', auth) : NULL;
    const char *from = close ? close : p;
    const char *colon = memchr(from, ':', auth - (size_t)(from - p));
    size_t host_n = colon ? (size_t)(colon - p) : auth;
    if (host_n == 0)
        return NULL;
    const char *port = colon ? colon + 1 : NULL;
    size_t port_n = colon ? auth - host_n - 1 : 0;
    bool has_port = port_n > 0 && !(port_n == strlen(default_port) && memcmp(port, default_port, port_n) == 0);
    char *a = has_port ? xasprintf("%.*s:%.*s", (int)host_n, p, (int)port_n, port) : xstrndup(p, host_n);
    for (char *c = a; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return a;
}

char *pace_host_of(const char *entry_url, const char *vars_json)
{
    char *host = url_authority(entry_url);
    json_t *o = NULL;
    if (!host && vars_json) {
        o = json_loads(vars_json, 0, NULL);
        host = url_authority(json_string_value(json_object_get(o, "base_url")));
    }
    json_decref(o);
    return host;
}

int pace_gap_seconds(int pacing_seconds, bool is_submission)
{
    if (pacing_seconds < 0)
        pacing_seconds = 0;
    if (is_submission || pacing_seconds < PACE_CHECK_MAX_SECONDS)
        return pacing_seconds;
    return PACE_CHECK_MAX_SECONDS;
}

int64_t pace_wait_ms(int64_t last_ms, int64_t now_ms, int gap_seconds)
{
    if (last_ms <= 0 || last_ms > now_ms)
        return 0;
    int64_t due = last_ms + (int64_t)gap_seconds * 1000;
    return due > now_ms ? due - now_ms : 0;
}

void pace_hold_init(struct pace_hold *h)
{
    h->fd = -1;
    h->is_held = false;
}

/* One byte of the lock file per host (FNV-1a): hosts that share a byte only take turns needlessly. */
static off_t host_lock_offset(const char *host)
{
    uint64_t x = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)host; *c; c++)
        x = (x ^ *c) * 1099511628211ULL;
    return (off_t)(x & 0x7fffffffffffULL);
}

/* The latest contact with host over every site of the ledger that lives there. */
static int host_last_contact_ms(struct ledger *l, const char *host, int64_t *last_out, struct err *e)
{
    struct ledger_site *sites = NULL;
    size_t n = 0;
    int rc;
    *last_out = 0;
    if ((rc = ledger_site_list(l, 0, &sites, &n, e)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        char *h = pace_host_of(sites[i].entry_url, sites[i].vars_json);
        bool is_same = h && strcmp(h, host) == 0;
        free(h);
        int64_t ms = 0;
        if (is_same && (rc = ledger_site_last_contact_ms(l, sites[i].id, &ms, e)))
            goto out;
        if (ms > *last_out)
            *last_out = ms;
    }
out:
    ledger_sites_free(sites, n);
    return rc;
}

static void sleep_ms(int64_t ms)
{
    int64_t until = clock_mono_ms() + ms;
    for (int64_t left = ms; left > 0; left = until - clock_mono_ms()) {
        struct timespec ts = {.tv_sec = (time_t)(left / 1000), .tv_nsec = (long)(left % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int pace_acquire(struct pace_hold *h, struct ledger *l, const char *lock_path, const struct ledger_site *s,
                 int gap_seconds, struct err *e)
{
    char *host = NULL;
    int rc = 0;
    if (h->is_held)
        goto out;
    if (gap_seconds <= 0) { /* pacing_seconds 0: the site asked for no pacing, so no turns either */
        log_debug("pace", "site '%s': pacing_seconds 0; not paced", s->key);
        goto out;
    }
    if (!(host = pace_host_of(s->entry_url, s->vars_json))) {
        log_debug("pace", "site '%s': no http(s) host known; not paced", s->key);
        goto out;
    }
    if (lock_path) {
        if ((h->fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
            rc = err_set(e, ERR_IO, "pacing lock '%s': cannot open: %s", lock_path, strerror(errno));
            goto out;
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = host_lock_offset(host), .l_len = 1};
        int r;
        while ((r = fcntl(h->fd, F_OFD_SETLKW, &fl)) < 0 && errno == EINTR)
            ;
        if (r < 0) {
            rc = err_set(e, ERR_IO, "pacing lock '%s' for host '%s': cannot take it: %s", lock_path, host,
                         strerror(errno));
            goto out;
        }
    }
    h->is_held = true;
    if (clock_is_overridden())
        goto out;
    int64_t last = 0;
    if ((rc = host_last_contact_ms(l, host, &last, e)))
        goto out;
    int64_t now = clock_now_ms();
    int64_t wait = pace_wait_ms(last, now, gap_seconds);
    if (wait > 0) {
        log_info("pace", "host %s had a visit or a letter %lld ms ago; waiting %lld ms (gap %d s)", host,
                 (long long)(now - last), (long long)wait, gap_seconds);
        sleep_ms(wait);
    }
out:
    if (rc)
        pace_release(h);
    free(host);
    return rc;
}

void pace_release(struct pace_hold *h)
{
    if (h->fd >= 0)
        close(h->fd); /* closing the only descriptor of an OFD lock releases it */
    pace_hold_init(h);
}
