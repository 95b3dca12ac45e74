/* common/machine: what the machine can take, and when a pool without --jobs adds a worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/machine.h"
#include "tests/unit/runner.h"

static struct machine_cpu_sample at(uint64_t all, uint64_t idle)
{
    struct machine_cpu_sample s = {true, all, idle};
    return s;
}

static void test_this_machine_is_read(void)
{
    CHECK(machine_cpus() >= 1);
    CHECK(machine_mem_available_mb() > 0);
    struct machine_cpu_sample s = machine_cpu_sample();
    CHECK(s.is_known);
    CHECK(s.all > 0 && s.idle <= s.all);
    int start = machine_jobs_start(), most = machine_jobs_ceiling(32);
    CHECK(start >= 1 && start <= 4);
    CHECK(most >= start && most <= 4 * machine_cpus());
    CHECK_INT(machine_jobs_ceiling(1), 1);
}

static void test_room_for_one_more_needs_idle_cpus_and_memory(void)
{
    /* 30% idle over 1,000 ticks, memory for more: room */
    CHECK(machine_has_room(at(1000, 500), at(2000, 800), 1000));
    /* exactly a quarter idle: room */
    CHECK(machine_has_room(at(1000, 500), at(2000, 750), 1000));
    /* 20% idle: the CPUs are the limit, no room */
    CHECK(!machine_has_room(at(1000, 500), at(2000, 700), 1000));
    /* idle, but memory for less than a worker, or unknown */
    CHECK(!machine_has_room(at(1000, 500), at(2000, 900), MACHINE_MB_A_WORKER - 1));
    CHECK(machine_has_room(at(1000, 500), at(2000, 900), MACHINE_MB_A_WORKER));
    CHECK(!machine_has_room(at(1000, 500), at(2000, 900), -1));
    /* samples less than a CPU-second apart say too little; unknown ones nothing; a counter that went back */
    CHECK(!machine_has_room(at(1000, 500), at(1099, 599), 1000));
    struct machine_cpu_sample unknown = {false, 0, 0};
    CHECK(!machine_has_room(unknown, at(2000, 900), 1000));
    CHECK(!machine_has_room(at(1000, 500), unknown, 1000));
    CHECK(!machine_has_room(at(1000, 500), at(2000, 400), 1000));
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"this machine's CPUs, memory and CPU time are read", test_this_machine_is_read},
        {"room for one more worker needs idle CPUs and a worker's memory", test_room_for_one_more_needs_idle_cpus_and_memory},
    };
    return runner_main(argc, argv, cases, ARRAY_LEN(cases));
}
