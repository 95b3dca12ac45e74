/* The step kinds' ops, in the order of the table in scenarios/step_kinds.h. */
#include "scenarios/step.h"

#define SCN_STEP_OPS_ROW(KIND, name) [SCN_STEP_##KIND] = &scn_step_##name##_ops,
const struct scn_step_ops *const scn_step_table[SCN_STEP_KIND_COUNT] = {SCN_STEP_KINDS(SCN_STEP_OPS_ROW)};
#undef SCN_STEP_OPS_ROW
