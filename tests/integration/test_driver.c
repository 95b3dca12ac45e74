/* The driver against a real headless Chromium and the fixture pages of tests/integration/pages/, served on
 * 127.0.0.1 by serve.py (two ports: two origins). One browser for the file; the case that kills it runs
 * last. Every wait is bounded; tests/run.sh bounds the whole file. */
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/log.h"
#include "driver/page.h"
#include "driver/png.h"
#include "tests/unit/runner.h"
#include "tests/integration/pages_harness.h"
#include "tests/integration/http_helpers.h"

#define T_MS 15000

static char tmp_dir[] = "/tmp/huixin-test-driver-XXXXXX";
static bool has_tmp;

static void cleanup(void)
{
    pages_cleanup();
    if (has_tmp)
        file_remove_tree(tmp_dir, NULL);
}

static const char *post_field(json_t *post, const char *name)
{
    return json_string_value(json_array_get(json_object_get(json_object_get(post, "fields"), name), 0));
}

static char *text_of(struct page *p)
{
    char *t = NULL;
    struct err e;
    err_init(&e);
    if (page_text(p, &t, &e) != 0)
        fprintf(stderr, "  page_text: %s\n", e.msg);
    return t ? t : xstrdup("");
}

/* ---- cases ---- */

static void test_chinese_form_submitted_with_exact_utf8(void)
{
    struct page *p = page_get();
    char *url = url_a("/form.html");
    const char *title = "关于小区夜间施工噪音的投诉";
    const char *content = "尊敬的市长：\n夜间施工噪音严重，影响休息。请尽快处理！谢谢 😀 «引号» 100%";
    json_t *before_posts = posts_get();
    size_t before = json_array_size(before_posts);
    json_decref(before_posts);
    OK(page_goto(p, url, T_MS, &ok_e_));
    CHECK_INT(page_http_status(p), 200);
    OK(page_fill(p, "#title", title, T_MS, &ok_e_));
    OK(page_fill(p, "#content", content, T_MS, &ok_e_));
    OK(page_select(p, "#kind", "投诉", true, T_MS, &ok_e_)); /* its text has a trailing space */
    OK(page_set_checked(p, "#public", true, T_MS, &ok_e_));
    OK(page_set_checked(p, "#r-mail", true, T_MS, &ok_e_));
    /* the page's own input handler ran */
    char *t = text_of(p);
    CHECK(strstr(t, "已输入") != NULL);
    free(t);
    OK(page_click(p, "#send", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_TEXT, "提交成功", T_MS, &ok_e_));
    json_t *posts = posts_get();
    REQUIRE(json_array_size(posts) == before + 1);
    json_t *post = json_array_get(posts, before);
    CHECK_STR(post_field(post, "title"), title);
    /* a textarea submits line breaks as CRLF */
    const char *got = post_field(post, "content");
    char *want = xasprintf("尊敬的市长：\r\n夜间施工噪音严重，影响休息。请尽快处理！谢谢 😀 «引号» 100%%");
    CHECK_STR(got, want);
    free(want);
    CHECK_STR(post_field(post, "kind"), "2");
    CHECK_STR(post_field(post, "public"), "yes");
    CHECK_STR(post_field(post, "reply"), "mail");
    json_decref(posts);
    /* the alert after the submission was recorded and dismissed */
    REQUIRE(page_dialog_count(p) >= 1);
    const struct page_dialog *d = page_dialog_get(p, page_dialog_count(p) - 1);
    CHECK_STR(d->type, "alert");
    CHECK(strstr(d->message, "留言提交成功，查询码：HX") != NULL);
    char *title_now = NULL;
    OK(page_title(p, &title_now, &ok_e_));
    CHECK_STR(title_now, "提交成功");
    free(title_now);
    free(url);
    page_close(p);
}

static void test_select_by_value_and_missing_option(void)
{
    struct page *p = page_get();
    char *url = url_a("/form.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_select(p, "#kind", "3", false, T_MS, &ok_e_));
    char *v = NULL;
    OK(page_eval(p, "document.querySelector('#kind').value", &v, &ok_e_));
    CHECK_STR(v, "\"3\"");
    free(v);
    struct err e;
    err_init(&e);
    CHECK_INT(page_select(p, "#kind", "表扬", true, 2000, &e), ERR_SITE);
    CHECK(strstr(e.msg, "表扬") && strstr(e.msg, "咨询")); /* names the choice and lists the options */
    /* issue 11: an option the page's script adds after load (a department list by XHR) is waited for */
    OK(page_eval(p, "setTimeout(() => document.querySelector('#kind').add(new Option('表扬', '9')), 800), 1", &v,
                 &ok_e_));
    free(v);
    OK(page_select(p, "#kind", "表扬", true, 5000, &ok_e_));
    OK(page_eval(p, "document.querySelector('#kind').value", &v, &ok_e_));
    CHECK_STR(v, "\"9\"");
    free(v);
    /* exists: in the DOM, visible or not (a hidden input a script fills) */
    OK(page_eval(p, "setTimeout(() => { const h = document.createElement('input'); h.type = 'hidden'; h.id = 'late';"
                    " document.body.appendChild(h); }, 500), 1", &v, &ok_e_));
    free(v);
    OK(page_wait(p, PAGE_COND_EXISTS, "#late", 5000, &ok_e_));
    err_init(&e);
    CHECK_INT(page_wait(p, PAGE_COND_VISIBLE, "#late", 500, &e), ERR_TIMEOUT);
    CHECK(strstr(e.msg, "#late") != NULL); /* a timed-out wait names what it waited for */
    OK(page_set_checked(p, "#public", true, T_MS, &ok_e_));
    OK(page_set_checked(p, "#public", false, T_MS, &ok_e_));
    OK(page_eval(p, "document.querySelector('#public').checked", &v, &ok_e_));
    CHECK_STR(v, "false");
    free(v);
    free(url);
    page_close(p);
}

static void test_click_is_a_real_mouse_event(void)
{
    struct page *p = page_get();
    char *url = url_a("/trusted.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_click(p, "#b", T_MS, &ok_e_)); /* below the fold: scrolled into view first */
    char *t = text_of(p);
    CHECK(strstr(t, "trusted 1") != NULL);
    free(t);
    OK(page_click_text(p, NULL, "点我", T_MS, &ok_e_));
    t = text_of(p);
    CHECK(strstr(t, "trusted 2") != NULL);
    free(t);
    /* the same click from script is untrusted: the page tells them apart */
    char *v = NULL;
    OK(page_eval(p, "document.querySelector('#b').click(), document.querySelector('#out').textContent", &v, &ok_e_));
    CHECK_STR(v, "\"untrusted\"");
    free(v);
    unsigned char *png = NULL;
    size_t len = 0;
    OK(page_screenshot_element(p, "#b", NULL, &png, &len, &ok_e_));
    int w = 0, h = 0;
    CHECK_INT(png ? png_size_read(png, len, &w, &h) : -1, 0);
    CHECK_INT(w, 120);
    CHECK_INT(h, 40);
    free(png);
    free(url);
    page_close(p);
}

static void test_cross_origin_iframe_form(void)
{
    struct page *p = page_get();
    char *url = url_a("/iframe-host.html");
    json_t *before_posts = posts_get();
    size_t before = json_array_size(before_posts);
    json_decref(before_posts);
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_frame_enter(p, "#mailbox", NULL, T_MS, &ok_e_));
    OK(page_fill(p, "#title", "iframe 里的信", T_MS, &ok_e_));
    OK(page_fill(p, "#content", "跨域表单的内容", T_MS, &ok_e_));
    OK(page_select(p, "#kind", "建议", true, T_MS, &ok_e_));
    OK(page_click(p, "#send", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_TEXT, "提交成功", T_MS, &ok_e_));
    page_frame_leave(p);
    char *t = text_of(p);
    CHECK(strstr(t, "区政府门户网站") != NULL);
    free(t);
    json_t *posts = posts_get();
    REQUIRE(json_array_size(posts) == before + 1);
    json_t *post = json_array_get(posts, before);
    CHECK_INT(json_integer_value(json_object_get(post, "port")), port_b);
    CHECK_STR(post_field(post, "title"), "iframe 里的信");
    CHECK_STR(post_field(post, "content"), "跨域表单的内容");
    CHECK_STR(post_field(post, "kind"), "3");
    json_decref(posts);
    /* and by URL */
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_frame_enter(p, NULL, "/form.html", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_VISIBLE, "#title", T_MS, &ok_e_));
    page_frame_leave(p);
    free(url);
    page_close(p);
}

struct band_check {
    int checked, wrong;
};

static int band_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct band_check *c = user;
    if (y % 1000 != 500 || width < 20)
        return 0;
    int i = y / 1000;
    int r = (i * 8) % 256, g = 255 - i * 8, b = (i * 37) % 256;
    const unsigned char *q = px + 10 * channels;
    c->checked++;
    if (abs(q[0] - r) > 2 || abs(q[1] - g) > 2 || abs(q[2] - b) > 2) {
        fprintf(stderr, "  row %d: rgb(%d,%d,%d), expected rgb(%d,%d,%d)\n", y, q[0], q[1], q[2], r, g, b);
        c->wrong++;
    }
    return 0;
}

static void test_tall_page_captured_whole(void)
{
    struct page *p = page_get();
    char *url = url_a("/tall.html");
    char *path = xasprintf("%s/tall.png", tmp_dir);
    OK(page_goto(p, url, T_MS, &ok_e_));
    struct page_shot_info info;
    memset(&info, 0, sizeof info);
    OK(page_screenshot_full(p, path, 0, &info, &ok_e_));
    CHECK_INT(info.height_px, 30000);
    CHECK_INT(info.page_height_px, 30000);
    CHECK(!info.is_truncated);
    char *png = NULL;
    size_t len = 0;
    OK(file_read_all(path, &png, &len, &ok_e_));
    int w = 0, h = 0;
    REQUIRE(png && png_size_read((unsigned char *)png, len, &w, &h) == 0);
    CHECK_INT(h, 30000);
    CHECK_INT(w, 1280);
    /* every band in its own colour: a repeated or missing slice would show */
    struct band_check c = {0, 0};
    OK(png_rows_walk((unsigned char *)png, len, band_row, &c, &ok_e_));
    CHECK_INT(c.checked, 30);
    CHECK_INT(c.wrong, 0);
    free(png);
    /* a cap cuts the image and says so */
    OK(page_screenshot_full(p, path, 20000, &info, &ok_e_));
    CHECK_INT(info.height_px, 20000);
    CHECK(info.is_truncated);
    free(path);
    free(url);
    page_close(p);
}

/* Rows whose left edge has the fixed bar's magenta, and where they are. */
struct bar_rows {
    int in_top, below_top, first_below;
};

static int bar_row(int y, const unsigned char *px, int width, int channels, void *user)
{
    struct bar_rows *c = user;
    const unsigned char *q = px + (width > 20 ? width - 10 : 0) * channels; /* right of the bar's text */
    if (q[0] > 240 && q[1] < 20 && q[2] > 240) {
        if (y < 80) {
            c->in_top++;
        } else {
            if (!c->below_top)
                c->first_below = y;
            c->below_top++;
        }
    }
    return 0;
}

static void test_fixed_header_drawn_once(void)
{
    struct page *p = page_get();
    char *url = url_a("/fixed-header.html");
    char *path = xasprintf("%s/fixed.png", tmp_dir);
    OK(page_goto(p, url, T_MS, &ok_e_));
    char *scrolled = NULL;
    OK(page_eval(p, "(window.scrollTo(0, 3000), window.scrollY)", &scrolled, &ok_e_));
    CHECK_STR(scrolled, "3000");
    free(scrolled);
    struct page_shot_info info;
    memset(&info, 0, sizeof info);
    OK(page_screenshot_full(p, path, 0, &info, &ok_e_));
    CHECK_INT(info.height_px, 6000);
    char *png = NULL;
    size_t len = 0;
    OK(file_read_all(path, &png, &len, &ok_e_));
    REQUIRE(png);
    struct bar_rows c = {0, 0, 0};
    OK(png_rows_walk((unsigned char *)png, len, bar_row, &c, &ok_e_));
    if (c.below_top)
        fprintf(stderr, "  the bar's colour in %d rows below the top band, the first at y=%d\n", c.below_top,
                c.first_below);
    CHECK_INT(c.in_top, 80);
    CHECK_INT(c.below_top, 0);
    free(png);
    /* the page is left as it was: still scrolled, the bar still fixed */
    char *after = NULL;
    OK(page_eval(p, "window.scrollY + ' ' + getComputedStyle(document.getElementById('bar')).position", &after,
                 &ok_e_));
    CHECK_STR(after, "\"3000 fixed\"");
    free(after);
    free(path);
    free(url);
    page_close(p);
}

static void test_mhtml_and_pdf(void)
{
    struct page *p = page_get();
    char *url = url_a("/chinese.html");
    char *mhtml = xasprintf("%s/page.mhtml", tmp_dir), *pdf = xasprintf("%s/page.pdf", tmp_dir);
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_settle(p, 300, T_MS, &ok_e_));
    OK(page_mhtml_save(p, mhtml, &ok_e_));
    OK(page_pdf_save(p, pdf, &ok_e_));
    char *data = NULL;
    size_t len = 0;
    OK(file_read_all(mhtml, &data, &len, &ok_e_));
    REQUIRE(data);
    CHECK(strncmp(data, "From:", 5) == 0);
    CHECK(strstr(data, "MIME-Version") != NULL);
    CHECK(strstr(data, "Content-Type: multipart/related") != NULL);
    free(data);
    data = NULL;
    OK(file_read_all(pdf, &data, &len, &ok_e_));
    REQUIRE(data);
    CHECK(len > 1000 && strncmp(data, "%PDF-", 5) == 0);
    free(data);
    /* the missing image is a failed request */
    bool has_404 = false;
    for (size_t i = 0; i < page_failed_count(p); i++)
        if (strstr(page_failed_get(p, i)->url, "/missing.png") && strcmp(page_failed_get(p, i)->error, "HTTP 404") == 0)
            has_404 = true;
    CHECK(has_404);
    free(mhtml);
    free(pdf);
    free(url);
    page_close(p);
}

static void test_gbk_page_text(void)
{
    struct page *p = page_get();
    char *url = url_a("/gbk.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    char *t = text_of(p);
    CHECK(strstr(t, "市长信箱：您的留言已受理，答复单位为市政府办公室。") != NULL);
    free(t);
    char *title = NULL;
    OK(page_title(p, &title, &ok_e_));
    CHECK_STR(title, "留言板");
    free(title);
    free(url);
    page_close(p);
}

static void test_status_failures_and_waits(void)
{
    struct page *p = page_get();
    char *url = url_a("/status/503");
    OK(page_goto(p, url, T_MS, &ok_e_)); /* an HTTP error is not a navigation failure */
    CHECK_INT(page_http_status(p), 503);
    struct err e;
    err_init(&e);
    CHECK_INT(page_goto(p, "http://nonexistent.invalid/", T_MS, &e), ERR_SITE);
    CHECK(strstr(e.msg, "http://nonexistent.invalid/") != NULL);
    CHECK(strstr(e.msg, "ERR_NAME_NOT_RESOLVED") != NULL);
    free(url);
    url = url_a("/form.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_wait(p, PAGE_COND_VISIBLE, "#nothing-here", 500, &e), ERR_TIMEOUT);
    CHECK(clock_mono_ms() - t0 < 3000);
    CHECK(strstr(e.msg, "#nothing-here") != NULL);
    err_init(&e);
    CHECK_INT(page_click(p, "##bad", 10000, &e), ERR_INPUT); /* refused at once; 500 ms timed out at load 45 */
    err_init(&e);
    char *v = NULL;
    CHECK_INT(page_eval(p, "throw new Error('坏了')", &v, &e), ERR_SITE);
    CHECK(strstr(e.msg, "坏了") != NULL);
    OK(page_wait(p, PAGE_COND_URL, "/form.html", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_GONE, "#nothing-here", T_MS, &ok_e_));
    char *u = NULL;
    OK(page_url(p, &u, &ok_e_));
    CHECK_STR(u, url);
    free(u);
    free(url);
    page_close(p);
}

/* A form whose answer page arrives slowly: the form is gone as soon as the answer's top is shown, but
 * the wait for it to be gone ends when that page has loaded, so what is read next is the whole answer. */
static void test_gone_waits_for_the_answer_page_to_load(void)
{
    struct page *p = page_get();
    char *url = url_a("/gone-form.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    OK(page_click(p, "#send", T_MS, &ok_e_));
    OK(page_wait(p, PAGE_COND_GONE, "textarea", T_MS, &ok_e_));
    char *text = NULL;
    OK(page_text(p, &text, &ok_e_));
    CHECK(text && strstr(text, "留言编号：4242") != NULL);
    if (text && !strstr(text, "留言编号"))
        fprintf(stderr, "  text when the form was gone: %s\n", text);
    free(text);
    free(url);
    page_close(p);
}

/* The last answer kept whose URL contains part and whose request was sent since mark, or NULL. */
static const struct page_response *answer_find(struct page *p, uint64_t mark, const char *part)
{
    const struct page_response *found = NULL;
    for (size_t i = 0; i < page_response_count(p); i++) {
        const struct page_response *r = page_response_get(p, i);
        if (r->request_seq >= mark && strstr(r->url, part))
            found = r;
    }
    return found;
}

static void test_xhr_and_fetch_answers_recorded(void)
{
    struct page *p = page_get();
    char *url = url_a("/form.html"), *v = NULL;
    OK(page_goto(p, url, T_MS, &ok_e_));
    uint64_t mark = page_response_mark(p);
    /* fetch() of JSON, then an XHR post answered with Chinese HTML */
    OK(page_eval(p, "fetch('/posts').then(r => r.text()).then(t => t.length)", &v, &ok_e_));
    free(v);
    OK(page_eval(p, "new Promise(ok => { const x = new XMLHttpRequest(); x.open('POST', '/submit');"
                    " x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');"
                    " x.onload = () => ok(x.status); x.send('title=' + encodeURIComponent('测试')); })",
                 &v, &ok_e_));
    free(v);
    OK(page_responses_wait(p, mark, 100, T_MS, &ok_e_));
    const struct page_response *j = answer_find(p, mark, "/posts"), *x = answer_find(p, mark, "/submit");
    REQUIRE(j && x);
    CHECK_INT(j->status, 200);
    CHECK_STR(j->mime_type, "application/json");
    CHECK(j->has_body && !j->is_truncated && j->body[0] == '[');
    CHECK(x->has_body && strstr(x->body, "提交成功，查询码 HX") != NULL);
    CHECK(x->request_seq > j->request_seq);
    /* nothing sent since a new mark: the wait says so within its limit */
    uint64_t later = page_response_mark(p);
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(page_responses_wait(p, later, 100, 500, &e), ERR_TIMEOUT);
    CHECK(clock_mono_ms() - t0 < 3000);
    CHECK(strstr(e.msg, "no XHR or fetch request was answered") != NULL);
    CHECK(answer_find(p, later, "/posts") == NULL);
    /* a 1 MB text answer is cut at the cap, at a character boundary; binary answers come as base64 */
    OK(page_eval(p, "Promise.all([fetch('/big.html?mb=1'), fetch('/bytes?n=1000'), fetch('/bytes?n=300000')]"
                    ".map(f => f.then(r => r.arrayBuffer()))).then(() => 1)",
                 &v, &ok_e_));
    free(v);
    OK(page_responses_wait(p, later, 100, T_MS, &ok_e_));
    const struct page_response *big = answer_find(p, later, "/big.html"), *small = answer_find(p, later, "n=1000"),
                               *large = answer_find(p, later, "n=300000");
    REQUIRE(big && small && large);
    CHECK(big->is_truncated && big->body_len <= PAGE_RESPONSE_BODY_MAX && big->body_len > PAGE_RESPONSE_BODY_MAX - 4);
    CHECK_INT(strlen(big->body), big->body_len);
    json_t *utf8 = json_string(big->body); /* NULL unless well-formed UTF-8 */
    CHECK(utf8 != NULL);
    json_decref(utf8);
    CHECK(!small->is_truncated && small->body_len == 1000);
    CHECK(large->is_truncated && large->body_len == PAGE_RESPONSE_BODY_MAX);
    bool is_same = small->body_len == 1000 && large->body_len == PAGE_RESPONSE_BODY_MAX;
    for (size_t i = 0; is_same && i < large->body_len; i++)
        is_same = (unsigned char)large->body[i] == i % 251 && (i >= 1000 || (unsigned char)small->body[i] == i % 251);
    CHECK(is_same);
    /* a page that fires many: the last PAGE_RESPONSES_MAX are kept, the others counted */
    size_t seen = page_response_seen(p);
    uint64_t before = page_response_mark(p);
    OK(page_eval(p, "Promise.all([...Array(60).keys()].map(i => fetch('/posts?i=' + i).then(r => r.text())))"
                    ".then(() => 1)",
                 &v, &ok_e_));
    free(v);
    OK(page_responses_wait(p, before, 100, T_MS, &ok_e_));
    CHECK_INT(page_response_count(p), PAGE_RESPONSES_MAX);
    CHECK_INT(page_response_seen(p), seen + 60);
    CHECK(page_response_get(p, 0)->request_seq >= before);
    free(url);
    page_close(p);
}

/* Listening TCP sockets of a process: "ADDR:PORT" hex pairs from /proc/net/tcp{,6} whose inode it holds. */
static int listening_sockets(int pid, char out[][64], int max)
{
    char fd_dir[300];
    unsigned long inodes[512];
    int n_inodes = 0, n = 0;
    /* the browser's children hold sockets too: look at its whole process group */
    DIR *proc = opendir("/proc");
    struct dirent *pe;
    while (proc && (pe = readdir(proc))) {
        char *end;
        long q = strtol(pe->d_name, &end, 10);
        if (*end || q <= 0 || getpgid((pid_t)q) != pid)
            continue;
        snprintf(fd_dir, sizeof fd_dir, "/proc/%ld/fd", q);
        DIR *d = opendir(fd_dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char link[600], target[128];
            snprintf(link, sizeof link, "%s/%s", fd_dir, de->d_name);
            ssize_t k = readlink(link, target, sizeof target - 1);
            if (k <= 0)
                continue;
            target[k] = '\0';
            unsigned long ino;
            if (sscanf(target, "socket:[%lu]", &ino) == 1 && n_inodes < 512)
                inodes[n_inodes++] = ino;
        }
        if (d)
            closedir(d);
    }
    if (proc)
        closedir(proc);
    const char *files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "r");
        char line[512];
        while (fp && fgets(line, sizeof line, fp)) {
            char local[60], st[8];
            unsigned long ino;
            if (sscanf(line, " %*d: %59s %*s %7s %*s %*s %*s %*s %*s %lu", local, st, &ino) != 3)
                continue;
            if (strcmp(st, "0A") != 0)
                continue;
            for (int i = 0; i < n_inodes; i++)
                if (inodes[i] == ino && n < max)
                    snprintf(out[n++], 64, "%s", local);
        }
        if (fp)
            fclose(fp);
    }
    return n;
}

static void test_debugging_port_on_loopback_only(void)
{
    REQUIRE(browser_get());
    int pid = browser_pid(shared);
    REQUIRE(pid > 0);
    char socks[16][64];
    int n = listening_sockets(pid, socks, 16);
    CHECK(n >= 1);
    int port = 0;
    for (int i = 0; i < n; i++) {
        /* 0100007F is 127.0.0.1 in /proc's byte order; anything else (0.0.0.0, ::) is a leak */
        CHECK(strncmp(socks[i], "0100007F:", 9) == 0);
        if (strncmp(socks[i], "0100007F:", 9) == 0)
            port = (int)strtol(socks[i] + 9, NULL, 16);
    }
    /* a second client through the HTTP endpoint (what --browser does) sees the same browser */
    REQUIRE(port > 0);
    char *endpoint = xasprintf("http://127.0.0.1:%d", port);
    struct browser_options o = {0};
    o.endpoint = endpoint;
    o.timeout_ms = 5000;
    struct browser *b2 = NULL;
    OK(browser_open(&o, &b2, &ok_e_));
    if (b2) {
        CHECK_STR(browser_version(b2), browser_version(shared));
        CHECK_INT(browser_pid(b2), 0);
        struct page *p2 = NULL;
        OK(page_open(b2, &p2, &ok_e_));
        page_close(p2);
        browser_close(b2);
    }
    free(endpoint);
    /* an endpoint nobody answers fails within its limit */
    o.endpoint = "http://127.0.0.1:9";
    o.timeout_ms = 3000;
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    CHECK_INT(browser_open(&o, &b2, &e), ERR_BROWSER);
    CHECK(clock_mono_ms() - t0 < 5000);
    CHECK(strstr(e.msg, "127.0.0.1:9") != NULL);
}

static void test_renderer_crash_fails_the_page_fast(void)
{
    struct page *p = page_get();
    struct err e;
    err_init(&e);
    int64_t t0 = clock_mono_ms();
    int rc = page_goto(p, "chrome://crash", 10000, &e);
    if (rc != ERR_BROWSER) { /* the navigation may end (net::ERR_ABORTED) before the crash is reported */
        fprintf(stderr, "  (goto chrome://crash: %d %s)\n", rc, e.msg);
        err_init(&e);
        char *v = NULL;
        rc = page_eval(p, "1", &v, &e);
        free(v);
    }
    CHECK_INT(rc, ERR_BROWSER);
    CHECK(strstr(e.msg, "renderer crashed") != NULL);
    CHECK(clock_mono_ms() - t0 < 10000);
    /* and every later call at once */
    err_init(&e);
    char *v = NULL;
    t0 = clock_mono_ms();
    CHECK_INT(page_eval(p, "1", &v, &e), ERR_BROWSER);
    CHECK(strstr(e.msg, "renderer crashed") != NULL);
    CHECK(clock_mono_ms() - t0 < 100);
    page_close(p);
    /* the browser lives on: a new page works */
    p = page_get();
    char *url = url_a("/form.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    free(url);
    page_close(p);
}

static void test_killed_browser_fails_fast(void)
{
    struct page *p = page_get();
    char *url = url_a("/form.html");
    OK(page_goto(p, url, T_MS, &ok_e_));
    kill(browser_pid(shared), SIGKILL);
    struct err e;
    err_init(&e);
    char *v = NULL;
    int64_t t0 = clock_mono_ms();
    int rc = page_eval(p, "1", &v, &e);
    if (rc == 0) { /* the reply may have beaten the signal: the next call cannot */
        free(v);
        v = NULL;
        err_init(&e);
        usleep(200 * 1000);
        rc = page_goto(p, url, T_MS, &e);
    }
    CHECK_INT(rc, ERR_BROWSER);
    CHECK(clock_mono_ms() - t0 < 3000);
    fprintf(stderr, "  (message: %s)\n", e.msg);
    err_init(&e);
    CHECK_INT(page_fill(p, "#title", "x", T_MS, &e), ERR_BROWSER);
    page_close(p);
    browser_close(shared);
    shared = NULL;
    free(url);
}

static const struct test_case cases[] = {
    {"a Chinese form filled and submitted reaches the server as exact UTF-8, and its alert is recorded",
     test_chinese_form_submitted_with_exact_utf8},
    {"select by value, a missing option names the options, a checkbox unchecked",
     test_select_by_value_and_missing_option},
    {"a click is a real (trusted) mouse event; an element screenshot has its size", test_click_is_a_real_mouse_event},
    {"a form in a cross-origin iframe is filled and submitted", test_cross_origin_iframe_form},
    {"a 30,000 px page is captured whole, every band in place", test_tall_page_captured_whole},
    {"a scrolled page's fixed header is drawn once, at the top", test_fixed_header_drawn_once},
    {"MHTML and PDF evidence, and a failed request recorded", test_mhtml_and_pdf},
    {"a GBK page's text is read back right", test_gbk_page_text},
    {"HTTP status, unresolvable host, wait timeout, bad selector, JS exception", test_status_failures_and_waits},
    {"a form gone is waited for until its answer page has loaded", test_gone_waits_for_the_answer_page_to_load},
    {"the answers to XHR and fetch requests are recorded with their bodies, capped, base64 decoded, the last 50 kept",
     test_xhr_and_fetch_answers_recorded},
    {"the debugging port listens on 127.0.0.1 only; --browser endpoints connect or fail in time",
     test_debugging_port_on_loopback_only},
    {"a renderer crash fails the page with 'renderer crashed', fast", test_renderer_crash_fails_the_page_fast},
    {"a killed browser makes the next call fail fast", test_killed_browser_fails_fast},
};

int main(int argc, char **argv)
{
    log_init();
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    has_tmp = true;
    atexit(cleanup);
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
