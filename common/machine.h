/* What this machine can take: its CPUs, its free memory, how busy its CPUs have been. A pool of
 * workers without --jobs (cli/workers.c) starts from machine_jobs_start and adds a worker while the
 * machine shows room for one more (machine_has_room): a check is mostly the browser's CPU on fast
 * sites (the cores are the limit: a worker a core) and mostly waiting on slow ones (then more workers
 * than cores), and only measuring tells which. */
#ifndef HUIXIN_MACHINE_H
#define HUIXIN_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

/* A headless page with a government portal takes a few hundred MB: each worker is counted at this. */
#define MACHINE_MB_A_WORKER 400
/* Room for one more worker: the CPUs were idle at least this share of the last interval. */
#define MACHINE_IDLE_FOR_ONE_MORE 0.25

/* The CPUs this process may run on (its affinity), at least 1. */
int machine_cpus(void);
/* MemAvailable in MB, or -1 when /proc/meminfo cannot be read. */
long machine_mem_available_mb(void);

/* The machine's CPU time so far (/proc/stat): all of it, and the idle part (idle and iowait), in
 * clock ticks; is_known false when /proc/stat cannot be read. */
struct machine_cpu_sample {
    bool is_known;
    uint64_t all, idle;
};
struct machine_cpu_sample machine_cpu_sample(void);

/* Workers to start with: min(4, CPUs, free memory / MACHINE_MB_A_WORKER), at least 1. */
int machine_jobs_start(void);
/* The most workers a pool may grow to: min(cap, 4 x CPUs, free memory / MACHINE_MB_A_WORKER), at least 1. */
int machine_jobs_ceiling(int cap);

/* Whether one more worker fits: the CPUs were idle at least MACHINE_IDLE_FOR_ONE_MORE of the time
 * between samples a and b (a taken first; unknown, or less than a CPU-second apart: no), and the free
 * memory avail_mb holds a worker's MACHINE_MB_A_WORKER (-1, unknown: no). */
bool machine_has_room(struct machine_cpu_sample a, struct machine_cpu_sample b, long avail_mb);

#endif
