/* Replays the fuzzers' inputs without libFuzzer: every file of fuzz/regressions/NAME/ (inputs that once
 * crashed or hung a target, kept after the fix) and of fuzz/seeds/NAME/, through the same entry points
 * as fuzz/fuzz_NAME.c (fuzz/entries.h). A replay fails by crashing, by an abort from an entry's own
 * invariant, or under `make check` by a sanitizer report. Also the message-layer fix the hostile pages
 * found: a reply holding a lone UTF-16 surrogate. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "driver/cdp.h"
#include "fuzz/entries.h"
#include "tests/unit/runner.h"

/* Runs every regular file of dir through entry; returns how many, or -1 when dir cannot be read. */
static int replay_dir(const char *dir, int (*entry)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "README.md") == 0)
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        char *data = NULL;
        size_t len = 0;
        struct err e;
        err_init(&e);
        if (file_read_all(path, &data, &len, &e) == 0) {
            entry((const uint8_t *)data, len);
            n++;
        } else {
            fprintf(stderr, "  %s: %s\n", path, e.msg);
            runner_case_failed = 1;
        }
        free(data);
        free(path);
    }
    closedir(d);
    return n;
}

static void replay(const char *target, int (*entry)(const uint8_t *, size_t))
{
    char *seeds = xasprintf("fuzz/seeds/%s", target), *regressions = xasprintf("fuzz/regressions/%s", target);
    int n_seeds = replay_dir(seeds, entry);
    int n_regressions = replay_dir(regressions, entry);
    fprintf(stderr, "  (%s: %d seeds, %d regressions replayed)\n", target, n_seeds,
            n_regressions < 0 ? 0 : n_regressions);
    CHECK(n_seeds > 0); /* the committed seeds are there: a wrong working directory would pass silently */
    free(seeds);
    free(regressions);
}

static void test_cdp_inputs(void)
{
    replay("cdp", fuzz_cdp_entry);
}

static void test_scenario_inputs(void)
{
    replay("scenario", fuzz_scenario_entry);
}

static void test_date_inputs(void)
{
    replay("date", fuzz_date_entry);
}

static void test_clock_inputs(void)
{
    replay("clock", fuzz_clock_entry);
}

static void test_calendar_inputs(void)
{
    replay("calendar", fuzz_calendar_entry);
}

static int send_nothing(const char *msg, size_t len, void *user)
{
    (void)msg;
    (void)len;
    (void)user;
    return 0;
}

/* Chrome sends a JavaScript string holding half a surrogate pair as a lone "\udXXX" escape; strict
 * JSON refused it, the reply was dropped and its caller waited out its whole timeout. */
static void test_cdp_lone_surrogate_reply_is_mended(void)
{
    struct cdp *c = cdp_new();
    cdp_transport_set(c, send_nothing, NULL, NULL);
    int64_t id = cdp_send(c, NULL, "Runtime.evaluate", NULL, 0, NULL);
    REQUIRE(id > 0);
    char reply[200];
    snprintf(reply, sizeof reply,
             "{\"id\":%lld,\"result\":{\"value\":\"\\u6807\\udc00 a\\ud83d\\ude00 b\\ud83d\\\\ud800\"}}",
             (long long)id);
    cdp_feed(c, reply, strlen(reply));
    json_t *res = NULL;
    struct err e;
    err_init(&e);
    CHECK_INT(cdp_reply_poll(c, id, &res, &e), 0);
    /* lone halves become U+FFFD, a whole pair stays, an escaped backslash is not an escape */
    CHECK_STR(json_string_value(json_object_get(res, "value")),
              "\xE6\xA0\x87\xEF\xBF\xBD a\xF0\x9F\x98\x80 b\xEF\xBF\xBD\\ud800");
    json_decref(res);
    cdp_free(c);
}

static const struct test_case cases[] = {
    {"cdp: the seeds and saved crashers replay cleanly", test_cdp_inputs},
    {"scenario: the seeds and saved crashers replay cleanly", test_scenario_inputs},
    {"date: the seeds and saved crashers replay cleanly", test_date_inputs},
    {"clock: the seeds and saved crashers replay cleanly", test_clock_inputs},
    {"calendar: the seeds and saved crashers replay cleanly", test_calendar_inputs},
    {"cdp: a reply with a lone UTF-16 surrogate is mended, not dropped", test_cdp_lone_surrogate_reply_is_mended},
};

int main(int argc, char **argv)
{
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
