/* huixin's entry: the command table. `huixin COMMAND [OPTIONS]`; `huixin help` lists the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const struct command commands[] = {
#define COMMAND(name, summary) {#name, cmd_##name, summary},
#include "cli/commands.def"
#undef COMMAND
};

static void print_help(FILE *out)
{
    fprintf(out,
            "huixin %s: tests whether government mailboxes and message boards really answer\n"
            "\n"
            "Usage: huixin COMMAND [OPTIONS]   (huixin COMMAND --help for its options)\n"
            "\n"
            "Commands:\n",
            HUIXIN_VERSION);
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Environment: HUIXIN_CHROMIUM, HUIXIN_STORE, HUIXIN_EVIDENCE, HUIXIN_LOG=debug|info|warn|error\n"
                 "Exit codes: 0 ok, 1 findings, 2 usage, 3 bad input file, 4 browser, 5 site, 6 ledger,\n"
                 "            7 local i/o or internal error\n");
}

int main(int argc, char **argv)
{
    log_init();
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "huixin: '%s' is not a command; expected one of:", name);
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, "\nTry 'huixin help'.\n");
    return EXIT_USAGE;
}
