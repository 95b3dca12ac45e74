/* libFuzzer target 'scenario': see fuzz/entries.h. Built and run by 'make fuzz'. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_scenario_entry(data, size);
}
