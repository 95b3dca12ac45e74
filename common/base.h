/* What every huixin source file includes after its system headers: the standard basics, the
 * allocation wrappers, errors, and the ban on unsafe calls. */
#ifndef HUIXIN_BASE_H
#define HUIXIN_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mem.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PRINTF_LIKE(fmt, args)
#endif

#include "common/banned.h"

#endif
