/* Starting a private headless Chromium (launch.c) or finding a running one's websocket (remote.c). */
#ifndef HUIXIN_LAUNCH_H
#define HUIXIN_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

struct err;

struct launch {
    pid_t pid;          /* 0 when not running */
    char *profile_dir;  /* the --user-data-dir: a private one is removed by launch_stop, a kept one is not */
    bool is_profile_kept; /* a persistent profile the caller gave (launch_options.profile_dir) */
    char *ws_url;       /* ws://127.0.0.1:PORT/devtools/browser/ID */
    int port;
};

/* Which Chromium to run: given (if not NULL or empty), else $HUIXIN_CHROMIUM, /usr/lib/chromium/chromium,
 * chromium on PATH. ERR_BROWSER naming the Debian package when there is none. Caller frees *out. */
int launch_chromium_find(const char *given, char **out, struct err *e);
/* How to start it. */
struct launch_options {
    int width, height;       /* the window */
    int timeout_ms;          /* for its DevToolsActivePort */
    const char *profile_dir; /* NULL: a fresh private profile, removed at the end; else this folder, kept
                                (its cookies are the point: a real-name login), which must exist */
    bool is_headful;         /* a visible window (a person at a desktop logs in); else headless */
};
/* Starts it with debugging on 127.0.0.1 only, and waits (up to o->timeout_ms) for its DevToolsActivePort. */
int launch_start(const char *chromium, const struct launch_options *o, struct launch *l, struct err *e);
/* Waits up to timeout_ms for the browser to exit by itself (after Browser.close: a kept profile is
 * written out as it shuts down); true when it did. */
bool launch_wait_exit(struct launch *l, int timeout_ms);
/* True while the process runs; reaps it (and says how it ended in why, if not NULL) once it has exited. */
bool launch_is_alive(struct launch *l, char *why, size_t why_len);
/* Kills the browser's process group, reaps it and removes the profile. Safe to call twice. */
void launch_stop(struct launch *l);

/* For --browser: http://HOST:PORT -> its webSocketDebuggerUrl (GET /json/version within timeout_ms);
 * ws://... is returned as it is. Caller frees *ws_url. */
int remote_ws_url_resolve(const char *endpoint, int timeout_ms, char **ws_url, struct err *e);

#endif
