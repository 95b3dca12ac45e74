#include <stdio.h>
#include <string.h>

#include "common/base.h"
#include "cli/cli.h"

int cmd_version(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: huixin version\n\nPrints huixin's version.\n");
            return EXIT_OK;
        }
        return cli_usage_error("version", "unexpected argument '%s'", argv[i]);
    }
    printf("huixin %s\n", HUIXIN_VERSION);
    return EXIT_OK;
}
