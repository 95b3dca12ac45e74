/* huixin keygen: an Ed25519 key pair to sign evidence manifests with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "verify/evidence_sign.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"

static const char usage[] =
    "Usage: huixin keygen [-o DIR]\n"
    "\n"
    "Makes an Ed25519 key pair for signing evidence: DIR/huixin-ed25519.key (private, PKCS#8 PEM,\n"
    "mode 0600) and DIR/huixin-ed25519.pub (public, PEM). Never overwrites a key.\n"
    "Sign with --sign-key DIR/huixin-ed25519.key (or HUIXIN_SIGN_KEY); give the .pub to whoever checks\n"
    "the evidence: huixin evidence verify EVIDENCE --pubkey huixin-ed25519.pub\n"
    "\n"
    "Options:\n";

int cmd_keygen(int argc, char **argv)
{
    const char *dir = NULL;
    const struct opt rows[] = {
        {.kind = OPT_STRING, .name = "--output", .alias = "-o", .value = &dir, .label = "-o, --output DIR",
         .help = "where to write the pair (default: $XDG_CONFIG_HOME/huixin, else\n~/.config/huixin)"},
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "keygen", .usage = usage, .rows = rows, .keeps_unknown = true};
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc, argv, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    if (n_args > 0)
        return cli_usage_error("keygen", "unexpected argument '%s'", argv[1]);
    char *def = NULL;
    if (!dir) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            def = xasprintf("%s/huixin", xdg);
        else if (home && *home)
            def = xasprintf("%s/.config/huixin", home);
        else
            return cli_usage_error("keygen", "HOME is not set: give the folder with -o DIR");
        dir = def;
    }
    struct err e;
    err_init(&e);
    char fpr[DIGEST_HEX_LEN];
    char *key = NULL, *pub = NULL;
    int rc = EXIT_OK;
    if (evidence_key_generate(dir, fpr, &key, &pub, &e)) {
        rc = cli_fail(&e);
    } else {
        printf("private key: %s (mode 0600: keep it secret)\n"
               "public key:  %s\n"
               "fingerprint: sha256:%s\n",
               key, pub, fpr);
    }
    free(key);
    free(pub);
    free(def);
    return rc;
}
