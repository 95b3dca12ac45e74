#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/launch.h"
#include "driver/page.h"

#define LAUNCH_NO_CHROMIUM_HINT \
    "install the Debian package 'chromium' (scripts/install-deps.sh does it), or give --chromium PATH"

static bool launch_is_executable(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static char *launch_path_search(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    const char *p = path;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *cand = xasprintf("%.*s/%s", (int)n, n ? p : ".", name);
        if (launch_is_executable(cand))
            return cand;
        free(cand);
        p += n + (end ? 1 : 0);
    }
    return NULL;
}

int launch_chromium_find(const char *given, char **out, struct err *e)
{
    *out = NULL;
    if (given && *given) {
        if (!launch_is_executable(given))
            return err_set(e, ERR_BROWSER, "no Chromium at '%s' (not an executable file): " LAUNCH_NO_CHROMIUM_HINT,
                           given);
        *out = xstrdup(given);
        return 0;
    }
    const char *env = getenv("HUIXIN_CHROMIUM");
    if (env && *env) {
        if (!launch_is_executable(env))
            return err_set(e, ERR_BROWSER,
                           "no Chromium at '%s' (from HUIXIN_CHROMIUM; not an executable file): " LAUNCH_NO_CHROMIUM_HINT,
                           env);
        *out = xstrdup(env);
        return 0;
    }
    /* the real binary, not /usr/bin/chromium's shell wrapper */
    if (launch_is_executable("/usr/lib/chromium/chromium")) {
        *out = xstrdup("/usr/lib/chromium/chromium");
        return 0;
    }
    const char *names[] = {"chromium", "chromium-browser"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if ((*out = launch_path_search(names[i])))
            return 0;
    return err_set(e, ERR_BROWSER, "no Chromium found: " LAUNCH_NO_CHROMIUM_HINT);
}

static void launch_child_exec(const char *chromium, char **argv, const char *log_path, pid_t parent)
{
    /* own process group, so launch_stop ends the whole tree; die with huixin */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in >= 0)
        dup2(in, 0);
    if (log_fd >= 0) {
        dup2(log_fd, 1);
        dup2(log_fd, 2);
    }
    execv(chromium, argv);
    dprintf(2, "exec %s: %s\n", chromium, strerror(errno));
    _exit(127);
}

/* The last non-empty line of the browser's output, for an error message. */
static char *launch_log_tail(const char *log_path)
{
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(log_path, &data, &len, NULL) != 0)
        return xstrdup("(no output)");
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        data[--len] = '\0';
    char *nl = strrchr(data, '\n');
    char *tail = xstrdup(len == 0 ? "(no output)" : nl ? nl + 1 : data);
    free(data);
    if (strlen(tail) > 300)
        tail[300] = '\0';
    return tail;
}

bool launch_is_alive(struct launch *l, char *why, size_t why_len)
{
    if (l->pid <= 0)
        return false;
    int status = 0;
    pid_t r = waitpid(l->pid, &status, WNOHANG);
    if (r == 0)
        return true;
    if (why && why_len) {
        if (r > 0 && WIFSIGNALED(status))
            snprintf(why, why_len, "killed by signal %d", WTERMSIG(status));
        else if (r > 0 && WIFEXITED(status))
            snprintf(why, why_len, "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(why, why_len, "gone");
    }
    l->pid = -l->pid; /* reaped: remember the group for launch_stop, never wait again */
    return false;
}

int launch_start(const char *chromium, const struct launch_options *o, struct launch *l, struct err *e)
{
    int width = o->width, height = o->height, timeout_ms = o->timeout_ms;
    int rc = 0;
    char *args[40];
    int n = 0;
    char *udd = NULL, *win = NULL, *log_path = NULL, *port_path = NULL, *port_text = NULL;
    memset(l, 0, sizeof *l);

    if (o->profile_dir) {
        l->profile_dir = xstrdup(o->profile_dir);
        l->is_profile_kept = true;
    } else {
        const char *tmp = getenv("TMPDIR");
        char *templ = xasprintf("%s/huixin-chromium-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(templ)) { /* mode 0700 */
            rc = err_set(e, ERR_IO, "cannot create a browser profile folder '%s': %s", templ, strerror(errno));
            free(templ);
            goto out;
        }
        l->profile_dir = templ;
    }
    udd = xasprintf("--user-data-dir=%s", l->profile_dir);
    win = xasprintf("--window-size=%d,%d", width, height);
    log_path = xasprintf("%s/huixin-browser.log", l->profile_dir);
    port_path = xasprintf("%s/DevToolsActivePort", l->profile_dir);
    if (l->is_profile_kept)
        unlink(port_path); /* the last run's: the port read below must be this browser's */

    args[n++] = (char *)chromium;
    if (!o->is_headful)
        args[n++] = "--headless";
    args[n++] = "--remote-debugging-port=0";
    args[n++] = "--remote-debugging-address=127.0.0.1";
    args[n++] = udd;
    args[n++] = win;
    args[n++] = "--disable-gpu";
    args[n++] = "--no-first-run";
    args[n++] = "--no-default-browser-check";
    args[n++] = "--disable-background-networking";
    args[n++] = "--disable-component-update";
    args[n++] = "--disable-sync";
    args[n++] = "--disable-default-apps";
    args[n++] = "--disable-extensions";
    args[n++] = "--disable-dev-shm-usage";
    args[n++] = "--disable-breakpad";
    args[n++] = "--disable-domain-reliability";
    args[n++] = "--disable-client-side-phishing-detection";
    /* AutofillServerCommunication: Chromium would send each form's signature to Google's autofill
     * servers, straight out, past a campaign's proxy too: a government form is none of their business.
     * WebUIOmniboxPopup, WebUIOmniboxAimPopup: headless Chromium gives every new window (one a visit:
     * each visit has its own browser context) two hidden address-bar popup pages, each a WebUI page
     * with a renderer of its own; they cost about 300 ms of CPU a visit, a fifth of a whole check of a
     * fixture letter (measured on Chromium 156 with raw CDP: a new context, page and load) */
    args[n++] = "--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider,"
                "AutofillServerCommunication,WebUIOmniboxPopup,WebUIOmniboxAimPopup";
    /* navigator.webdriver: true in a Chromium under DevTools, false in a person's. Scripts of the
     * firewalls in front of portals read it to turn robots away; a visit shows what an ordinary desktop
     * Chromium in China would (driver/page_identity.c), and this is part of it. DevTools has no command
     * that clears it (Emulation.setAutomationOverride can only set it): a --browser endpoint needs the
     * same flag at its own launch. */
    args[n++] = "--disable-blink-features=AutomationControlled";
    args[n++] = "--metrics-recording-only";
    args[n++] = "--password-store=basic";
    args[n++] = "--use-mock-keychain";
    args[n++] = "--mute-audio";
    args[n++] = "--hide-scrollbars";
    args[n++] = "--force-color-profile=srgb";
    if (l->is_profile_kept) {
        /* a person may reach the login page through chrome://inspect (an SSH tunnel to the loopback
         * port): its DevTools front end connects with this origin, which Chrome refuses unless named */
        args[n++] = "--remote-allow-origins=devtools://devtools";
    }
    if (geteuid() == 0) {
        log_info("launch", "running as root: starting Chromium with --no-sandbox");
        args[n++] = "--no-sandbox";
    }
    args[n++] = "about:blank";
    args[n] = NULL;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        rc = err_set(e, ERR_IO, "cannot start '%s': fork: %s", chromium, strerror(errno));
        goto out;
    }
    if (pid == 0)
        launch_child_exec(chromium, args, log_path, parent);
    setpgid(pid, pid); /* also here, so the group exists before we might kill it */
    l->pid = pid;
    log_debug("launch", "started %s (pid %d), profile %s", chromium, (int)pid, l->profile_dir);

    int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS);
    for (;;) {
        char why[64];
        free(port_text);
        port_text = NULL;
        size_t len = 0;
        if (file_read_all(port_path, &port_text, &len, NULL) == 0 && strchr(port_text, '\n')) {
            char *nl = strchr(port_text, '\n');
            *nl = '\0';
            char *path = nl + 1;
            path[strcspn(path, "\r\n")] = '\0';
            char *end;
            long port = strtol(port_text, &end, 10);
            if (*end == '\0' && port > 0 && port < 65536 && path[0] == '/') {
                l->port = (int)port;
                l->ws_url = xasprintf("ws://127.0.0.1:%ld%s", port, path);
                break;
            }
        }
        if (!launch_is_alive(l, why, sizeof why)) {
            char *tail = launch_log_tail(log_path);
            rc = err_set(e, ERR_BROWSER, "Chromium '%s' %s before it was ready: %s", chromium, why, tail);
            free(tail);
            goto out;
        }
        if (clock_mono_ms() > deadline) {
            rc = err_set(e, ERR_BROWSER, "Chromium '%s' did not open its debugging port within %d ms", chromium,
                         timeout_ms);
            goto out;
        }
        struct timespec ts = {0, 30 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
out:
    if (rc != 0)
        launch_stop(l);
    free(port_text);
    free(port_path);
    free(log_path);
    free(win);
    free(udd);
    return rc;
}

bool launch_wait_exit(struct launch *l, int timeout_ms)
{
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (l->pid > 0) {
        if (!launch_is_alive(l, NULL, 0))
            return true;
        if (clock_mono_ms() > deadline)
            return false;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return true;
}

void launch_stop(struct launch *l)
{
    if (l->pid > 0) {
        kill(-l->pid, SIGKILL);
        kill(l->pid, SIGKILL);
        waitpid(l->pid, NULL, 0);
    } else if (l->pid < 0) {
        kill(l->pid, SIGKILL); /* the rest of its group (negative pid = group) */
    }
    l->pid = 0;
    if (l->profile_dir) {
        if (!l->is_profile_kept)
            file_remove_tree(l->profile_dir, NULL);
        free(l->profile_dir);
        l->profile_dir = NULL;
    }
    free(l->ws_url);
    l->ws_url = NULL;
}
