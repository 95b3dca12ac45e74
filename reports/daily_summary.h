/* The daily summary alert: each campaign's standing (how many letters stand at each verdict) and the
 * letters with a problem, sent once a day at the configured minute (alerts file: daily_summary = HH:MM). */
#ifndef HUIXIN_DAILY_SUMMARY_H
#define HUIXIN_DAILY_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

struct alert_config;
struct cal;
struct err;
struct ledger;

/* True when the summary is due at now_ms: the configured Beijing minute has passed today and today's
 * summary has not gone out (last_sent_day: the Beijing day it last went, 0 for never). Pure. */
bool rpt_daily_summary_is_due(int summary_minute, int64_t now_ms, int64_t last_sent_day);

/* Sends one summary per campaign of the ledger to every channel. */
int rpt_daily_summary_send(const struct alert_config *cfg, struct ledger *l, const struct cal *cal, int64_t now_ms,
                           int timeout_ms, struct err *e);

#endif
