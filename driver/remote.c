#include <curl/curl.h>
#include <jansson.h>
#include <string.h>

#include "common/base.h"
#include "common/buf.h"
#include "driver/launch.h"
#include "driver/page.h"

static size_t remote_body_write(char *data, size_t size, size_t n, void *user)
{
    struct buf *b = user;
    if (b->len > (1u << 20))
        return 0; /* /json/version is small: a huge answer is not a browser */
    buf_append(b, data, size * n);
    return size * n;
}

int remote_ws_url_resolve(const char *endpoint, int timeout_ms, char **ws_url, struct err *e)
{
    int rc = 0;
    struct buf body;
    buf_init(&body);
    char *url = NULL;
    json_t *root = NULL;
    CURL *curl = NULL;
    *ws_url = NULL;
    if (strncmp(endpoint, "ws://", 5) == 0) {
        *ws_url = xstrdup(endpoint);
        return 0;
    }
    if (strncmp(endpoint, "http://", 7) != 0)
        return err_set(e, ERR_USAGE, "browser endpoint '%s': expected http://HOST:PORT or ws://HOST:PORT/...",
                       endpoint);
    size_t n = strlen(endpoint);
    while (n > 7 && endpoint[n - 1] == '/')
        n--;
    url = xasprintf("%.*s/json/version", (int)n, endpoint);
    char curl_err[CURL_ERROR_SIZE] = "";
    curl = curl_easy_init();
    if (!curl) {
        rc = err_set(e, ERR_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, remote_body_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        rc = err_set(e, ERR_BROWSER, "cannot reach the browser at '%s': %s", url,
                     curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        rc = err_set(e, ERR_BROWSER, "browser endpoint '%s' answered HTTP %ld, expected 200", url, status);
        goto out;
    }
    json_error_t je;
    root = json_loadb(buf_str(&body), body.len, 0, &je);
    const char *ws = json_string_value(json_object_get(root, "webSocketDebuggerUrl"));
    if (!ws) {
        rc = err_set(e, ERR_BROWSER, "browser endpoint '%s': the answer has no webSocketDebuggerUrl", url);
        goto out;
    }
    *ws_url = xstrdup(ws);
out:
    json_decref(root);
    if (curl)
        curl_easy_cleanup(curl);
    free(url);
    buf_release(&body);
    return rc;
}
