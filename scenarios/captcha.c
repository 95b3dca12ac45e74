/* Solvers for captchas, question captchas and ask steps (an SMS code, a text): a person at the
 * terminal, an external command, or a fixture site's control API. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/files.h"
#include "scenarios/run.h"

enum solver_kind { SOLVER_PROMPT, SOLVER_EXEC, SOLVER_CONTROL };

struct solver_box {
    struct scn_captcha_solver pub; /* first: the box is freed through it */
    enum solver_kind kind;
    char *arg;                     /* prompt: folder; control: URL */
    char **argv;                   /* exec */
    bool json;                     /* exec-json: every request as JSON, a plain captcha too */
    int timeout_ms;
    int seq;
};

void scn_captcha_solver_free(struct scn_captcha_solver *s)
{
    if (!s)
        return;
    struct solver_box *b = (struct solver_box *)s;
    free(b->arg);
    for (size_t i = 0; b->argv && b->argv[i]; i++)
        free(b->argv[i]);
    free(b->argv);
    free(b);
}

static char *first_line(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strcspn(s, "\r\n");
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

static bool is_plain_captcha(const struct scn_ask_request *rq)
{
    return (!rq->kind || strcmp(rq->kind, "captcha") == 0) && !rq->question;
}

/* Strips control characters (a site's question may hold any): what goes to a terminal is text. */
static char *printable_dup(const char *s)
{
    char *d = xstrdup(s ? s : "");
    for (char *p = d; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return d;
}

/* ---- prompt ---- */

static int prompt_solve(const struct scn_ask_request *rq, char **answer, void *user, struct err *e)
{
    struct solver_box *b = user;
    char *path = NULL, *piece_path = NULL, *prompt = NULL, *question = NULL;
    int rc = 0;
    FILE *tty = NULL;
    if (rq->png && rq->png_len) {
        path = xasprintf("%s/huixin-%s-%d-%d.png", b->arg ? b->arg : "/tmp", rq->kind ? rq->kind : "captcha",
                         (int)getpid(), ++b->seq);
        if ((rc = file_write_atomic(path, rq->png, rq->png_len, e)) < 0)
            goto out;
    }
    if (rq->piece_png && rq->piece_png_len) {
        piece_path = xasprintf("%s/huixin-%s-%d-%d-piece.png", b->arg ? b->arg : "/tmp", rq->kind ? rq->kind : "captcha",
                               (int)getpid(), b->seq);
        if ((rc = file_write_atomic(piece_path, rq->piece_png, rq->piece_png_len, e)) < 0)
            goto out;
    }
    tty = fopen("/dev/tty", "r+");
    if (!tty) {
        rc = err_set(e, ERR_USAGE, "--captcha prompt needs a terminal (/dev/tty: %s); use exec:CMD instead",
                     strerror(errno));
        goto out;
    }
    prompt = printable_dup(rq->prompt);
    question = rq->question ? printable_dup(rq->question) : NULL;
    if (rq->site)
        fprintf(tty, "huixin: %s asks for %s\n", rq->site, rq->kind ? rq->kind : "captcha");
    if (question)
        fprintf(tty, "huixin: the question: %s\n", question);
    if (path)
        fprintf(tty, "huixin: %s saved to %s\n", question ? "its picture" : piece_path ? "the background" : "the image",
                path);
    if (piece_path)
        fprintf(tty, "huixin: the piece saved to %s\n", piece_path);
    if (*prompt)
        fprintf(tty, "huixin: %s, then Enter: ", prompt);
    else if (is_plain_captcha(rq))
        fprintf(tty, "huixin: type the characters you see and press Enter: ");
    else
        fprintf(tty, "huixin: type the answer and press Enter: ");
    fflush(tty);
    int timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : -1;
    struct pollfd pfd = {fileno(tty), POLLIN, 0};
    int64_t end = clock_mono_ms() + timeout_ms;
    int n;
    for (;;) {
        int64_t left = end - clock_mono_ms();
        n = poll(&pfd, 1, timeout_ms < 0 ? -1 : left > 0 ? (int)left : 0);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if (n == 0) {
        fprintf(tty, "\nhuixin: no answer within %d s\n", timeout_ms / 1000);
        rc = err_set(e, ERR_TIMEOUT, "no answer was typed within %d s", timeout_ms / 1000);
        goto out;
    }
    char line[256];
    if (!fgets(line, sizeof line, tty)) {
        rc = err_set(e, ERR_USAGE, "no answer was typed");
    } else {
        *answer = first_line(line);
        if (!**answer) {
            free(*answer);
            *answer = NULL;
            rc = err_set(e, ERR_USAGE, "an empty answer was typed");
        }
    }
out:
    if (tty)
        fclose(tty);
    free(prompt);
    free(question);
    free(path);
    free(piece_path);
    return rc;
}

struct scn_captcha_solver *scn_captcha_prompt_new(const char *dir)
{
    struct solver_box *b = xcalloc(1, sizeof *b);
    b->kind = SOLVER_PROMPT;
    b->arg = xstrdup(dir);
    b->pub.solve = prompt_solve;
    b->pub.user = b;
    return &b->pub;
}

/* ---- exec ---- */

/* Splits a command line on blanks; '...' and "..." group, backslash escapes in "..." and bare words. */
static int split_argv(const char *cmd, char ***out, struct err *e)
{
    char **argv = NULL;
    size_t n = 0;
    const char *p = cmd;
    struct buf w;
    buf_init(&w);
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        buf_reset(&w);
        bool any = false;
        while (*p && *p != ' ' && *p != '\t') {
            any = true;
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end)
                    goto unbalanced;
                buf_append(&w, p + 1, (size_t)(end - p - 1));
                p = end + 1;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    buf_append_char(&w, *p++);
                }
                if (*p != '"')
                    goto unbalanced;
                p++;
            } else {
                if (*p == '\\' && p[1])
                    p++;
                buf_append_char(&w, *p++);
            }
        }
        if (any) {
            argv = xrealloc(argv, (n + 2) * sizeof *argv);
            argv[n++] = xstrdup(buf_str(&w));
            argv[n] = NULL;
        }
    }
    buf_release(&w);
    if (!n)
        return err_set(e, ERR_USAGE, "exec: the captcha command is empty");
    *out = argv;
    return 0;
unbalanced:
    buf_release(&w);
    for (size_t i = 0; i < n; i++)
        free(argv[i]);
    free(argv);
    return err_set(e, ERR_USAGE, "exec:%s: unbalanced quote", cmd);
}

/* What an exec: solver sees of huixin's environment: where programs are, whose home, the locale, the
 * time zone and the temporary folder; nothing else. Alert credentials (HUIXIN_SMTP_*, HUIXIN_WEBHOOK_*),
 * the signing key and TSA (HUIXIN_SIGN_KEY, HUIXIN_TSA_URL) and whatever else the operator's shell
 * holds stay behind: the solver is someone else's program that looks at a site's image. README and
 * huixin.1 list these names; keep them in step. */
static bool env_entry_is_passed(const char *entry)
{
    static const char *const names[] = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR"};
    size_t n = strcspn(entry, "=");
    if (entry[n] != '=')
        return false;
    if (n > 3 && strncmp(entry, "LC_", 3) == 0)
        return true;
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
            return true;
    return false;
}

/* The solver's environment: the passed entries of ours, borrowed (free only the array). Made before
 * fork, so the child allocates nothing. */
static char **solver_env_new(void)
{
    extern char **environ;
    size_t n = 0;
    for (char **v = environ; v && *v; v++)
        n++;
    char **env = xcalloc(n + 1, sizeof *env);
    size_t j = 0;
    for (char **v = environ; v && *v; v++)
        if (env_entry_is_passed(*v))
            env[j++] = *v;
    env[j] = NULL;
    return env;
}

static char *base64_encode(const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* The JSON request of exec-json (and of every request but a plain captcha): one object, one line. */
static char *request_json(const struct scn_ask_request *rq)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(rq->kind ? rq->kind : "captcha"));
    json_object_set_new(o, "prompt", json_string(rq->prompt ? rq->prompt : ""));
    json_object_set_new(o, "question", rq->question ? json_string(rq->question) : json_null());
    if (rq->png && rq->png_len) {
        char *b64 = base64_encode(rq->png, rq->png_len);
        json_object_set_new(o, "image_png_base64", json_string(b64));
        free(b64);
    }
    if (rq->piece_png && rq->piece_png_len) { /* a slider: image_png_base64 is its background */
        char *b64 = base64_encode(rq->piece_png, rq->piece_png_len);
        json_object_set_new(o, "piece_png_base64", json_string(b64));
        free(b64);
    }
    if (rq->site)
        json_object_set_new(o, "site", json_string(rq->site));
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    char *line = xasprintf("%s\n", text ? text : "{}");
    free(text);
    return line;
}

static int exec_solve(const struct scn_ask_request *rq, char **answer, void *user, struct err *e)
{
    struct solver_box *b = user;
    char *json = b->json || !is_plain_captcha(rq) ? request_json(rq) : NULL;
    const unsigned char *png = json ? (const unsigned char *)json : rq->png;
    size_t len = json ? strlen(json) : rq->png ? rq->png_len : 0;
    int timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : b->timeout_ms;
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
        int rc = err_set(e, ERR_IO, "pipe: %s", strerror(errno));
        free(json);
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
            if (outp[i] >= 0)
                close(outp[i]);
        }
        return rc;
    }
    char **env = solver_env_new();
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
        free(env);
        free(json);
        return err_set(e, ERR_IO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        execvpe(b->argv[0], b->argv, env); /* searches our PATH, which the solver also gets */
        _exit(127);
    }
    free(env);
    close(in[0]);
    close(outp[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN); /* a solver that exits without reading must not kill huixin */
    struct buf got;
    buf_init(&got);
    size_t written = 0;
    int rc = 0;
    int64_t end = clock_mono_ms() + timeout_ms;
    int wfd = in[1], rfd = outp[0];
    if (len == 0) {
        close(wfd);
        wfd = -1;
    }
    while (rfd >= 0) {
        int64_t left = end - clock_mono_ms();
        if (left <= 0) {
            rc = err_set(e, ERR_TIMEOUT, "exec:%s gave no answer within %d ms", b->argv[0], timeout_ms);
            break;
        }
        struct pollfd fds[2] = {{rfd, POLLIN, 0}, {wfd, POLLOUT, 0}};
        if (poll(fds, wfd >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR) {
            rc = err_set(e, ERR_IO, "poll: %s", strerror(errno));
            break;
        }
        if (wfd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(wfd, png + written, len - written);
            if (n > 0)
                written += (size_t)n;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                written = len; /* the solver closed its stdin: fine if it answers anyway */
            if (written >= len) {
                close(wfd);
                wfd = -1;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char chunk[512];
            ssize_t n = read(rfd, chunk, sizeof chunk);
            if (n > 0) {
                buf_append(&got, chunk, (size_t)n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(rfd);
                rfd = -1;
            }
        }
    }
    if (wfd >= 0)
        close(wfd);
    if (rfd >= 0)
        close(rfd);
    if (rc < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        rc = err_set(e, ERR_IO, "exec:%s failed (%s %d)", b->argv[0],
                     WIFEXITED(status) ? "exit status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    if (rc == 0) {
        *answer = first_line(buf_str(&got));
        if (!**answer) {
            free(*answer);
            *answer = NULL;
            rc = err_set(e, ERR_IO, "exec:%s printed no answer", b->argv[0]);
        }
    }
    buf_release(&got);
    free(json);
    return rc;
}

int scn_captcha_exec_new(const char *command, bool json, int timeout_ms, struct scn_captcha_solver **out, struct err *e)
{
    *out = NULL;
    char **argv = NULL;
    int rc = split_argv(command, &argv, e);
    if (rc < 0)
        return rc;
    struct solver_box *b = xcalloc(1, sizeof *b);
    b->kind = SOLVER_EXEC;
    b->argv = argv;
    b->json = json;
    b->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
    b->pub.solve = exec_solve;
    b->pub.user = b;
    *out = &b->pub;
    return 0;
}

/* ---- control API ---- */

static size_t curl_collect(char *data, size_t size, size_t n, void *user)
{
    buf_append(user, data, size * n);
    return size * n;
}

static int control_solve(const struct scn_ask_request *rq, char **answer, void *user, struct err *e)
{
    struct solver_box *b = user;
    CURL *c = curl_easy_init();
    if (!c)
        return err_set(e, ERR_INTERNAL, "curl_easy_init failed");
    struct buf body;
    buf_init(&body);
    char errbuf[CURL_ERROR_SIZE] = "";
    /* the fixture's control API answers a captcha (and its question) at the URL as given; another
     * kind (an SMS code) is the same URL with kind=K */
    char *url = NULL;
    if (rq->kind && strcmp(rq->kind, "captcha") != 0 && strcmp(rq->kind, "question") != 0) {
        char *k = curl_easy_escape(c, rq->kind, 0);
        url = xasprintf("%s%skind=%s", b->arg, strchr(b->arg, '?') ? "&" : "?", k ? k : "");
        curl_free(k);
    }
    curl_easy_setopt(c, CURLOPT_URL, url ? url : b->arg);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    int rc = 0;
    json_t *root = NULL;
    if (cc != CURLE_OK) {
        rc = err_set(e, ERR_IO, "control:%s: %s", b->arg, errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    if (status != 200) {
        rc = err_set(e, ERR_IO, "control:%s answered HTTP %ld", b->arg, status);
        goto out;
    }
    json_error_t je;
    root = json_loads(buf_str(&body), 0, &je);
    json_t *cur = root ? json_object_get(root, "current") : NULL;
    if (!json_is_string(cur) || json_string_length(cur) == 0) {
        rc = err_set(e, ERR_IO, "control:%s: expected JSON with a non-empty \"current\"", b->arg);
        goto out;
    }
    *answer = xstrdup(json_string_value(cur));
out:
    json_decref(root);
    buf_release(&body);
    free(url);
    return rc;
}

struct scn_captcha_solver *scn_captcha_control_new(const char *url)
{
    struct solver_box *b = xcalloc(1, sizeof *b);
    b->kind = SOLVER_CONTROL;
    b->arg = xstrdup(url);
    b->pub.solve = control_solve;
    b->pub.user = b;
    return &b->pub;
}

int scn_captcha_solver_parse(const char *spec, const char *dir, struct scn_captcha_solver **out, struct err *e)
{
    *out = NULL;
    if (strcmp(spec, "prompt") == 0) {
        *out = scn_captcha_prompt_new(dir);
        return 0;
    }
    if (strncmp(spec, "exec:", 5) == 0)
        return scn_captcha_exec_new(spec + 5, false, 60000, out, e);
    if (strncmp(spec, "exec-json:", 10) == 0)
        return scn_captcha_exec_new(spec + 10, true, 60000, out, e);
    if (strncmp(spec, "control:", 8) == 0 && (strncmp(spec + 8, "http://", 7) == 0 || strncmp(spec + 8, "https://", 8) == 0)) {
        *out = scn_captcha_control_new(spec + 8);
        return 0;
    }
    return err_set(e, ERR_USAGE, "captcha solver '%s': expected prompt, exec:COMMAND, exec-json:COMMAND or control:http://HOST:PORT/api/captcha?site=S",
                   spec);
}
