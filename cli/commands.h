/* Declarations of every command in cli/commands.def. */
#ifndef HUIXIN_COMMANDS_H
#define HUIXIN_COMMANDS_H

#define COMMAND(name, summary) int cmd_##name(int argc, char **argv);
#include "cli/commands.def"
#undef COMMAND

#endif
