/* Diagnostics on stderr for the person running huixin. Modules log what they do (debug) and what
 * they worked around (warn); what the user is *told* (results, errors) is the CLI's job. */
#ifndef HUIXIN_LOG_H
#define HUIXIN_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Default LOG_WARN; HUIXIN_LOG=debug|info|warn|error in the environment overrides (read by log_init). */
void log_init(void);
void log_level_set(enum log_level level);
enum log_level log_level_get(void);
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define log_debug(module, ...) log_msg(LOG_DEBUG, module, __VA_ARGS__)
#define log_info(module, ...) log_msg(LOG_INFO, module, __VA_ARGS__)
#define log_warn(module, ...) log_msg(LOG_WARN, module, __VA_ARGS__)
#define log_error(module, ...) log_msg(LOG_ERROR, module, __VA_ARGS__)

#endif
