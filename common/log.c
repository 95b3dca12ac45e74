#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base.h"
#include "common/log.h"

static enum log_level current_level = LOG_WARN;

void log_init(void)
{
    const char *v = getenv("HUIXIN_LOG");
    if (!v)
        return;
    if (strcmp(v, "debug") == 0)
        current_level = LOG_DEBUG;
    else if (strcmp(v, "info") == 0)
        current_level = LOG_INFO;
    else if (strcmp(v, "warn") == 0)
        current_level = LOG_WARN;
    else if (strcmp(v, "error") == 0)
        current_level = LOG_ERROR;
}

void log_level_set(enum log_level level)
{
    current_level = level;
}

enum log_level log_level_get(void)
{
    return current_level;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    if (level > current_level)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%02d:%02d:%02d.%03ld huixin %s [%s] %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, names[level], module, line);
}
