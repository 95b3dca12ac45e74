/* common/machine.h: /proc/stat and /proc/meminfo, read with stdio. */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "common/machine.h"

int machine_cpus(void)
{
    cpu_set_t set;
    long cpus = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cpus = CPU_COUNT(&set);
    if (cpus < 1)
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : (int)cpus;
}

long machine_mem_available_mb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1, got;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &got) == 1) {
            kb = got;
            break;
        }
    fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

struct machine_cpu_sample machine_cpu_sample(void)
{
    struct machine_cpu_sample s = {false, 0, 0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return s;
    /* cpu  user nice system idle iowait irq softirq steal ... */
    unsigned long long v[8] = {0};
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
               &v[7]) == 8) {
        for (int i = 0; i < 8; i++)
            s.all += v[i];
        s.idle = v[3] + v[4];
        s.is_known = true;
    }
    fclose(f);
    return s;
}

static int jobs_by_memory(int jobs)
{
    long avail = machine_mem_available_mb();
    if (avail >= 0 && avail / MACHINE_MB_A_WORKER < jobs)
        jobs = (int)(avail / MACHINE_MB_A_WORKER);
    return jobs < 1 ? 1 : jobs;
}

int machine_jobs_start(void)
{
    int cpus = machine_cpus();
    return jobs_by_memory(cpus < 4 ? cpus : 4);
}

int machine_jobs_ceiling(int cap)
{
    int most = 4 * machine_cpus();
    return jobs_by_memory(most < cap ? most : cap);
}

bool machine_has_room(struct machine_cpu_sample a, struct machine_cpu_sample b, long avail_mb)
{
    /* fewer than 100 ticks (a second of one CPU at the usual 100 Hz) say too little */
    if (!a.is_known || !b.is_known || b.all < a.all + 100 || b.idle < a.idle)
        return false;
    double idle = (double)(b.idle - a.idle) / (double)(b.all - a.all);
    return idle >= MACHINE_IDLE_FOR_ONE_MORE && avail_mb >= MACHINE_MB_A_WORKER;
}
