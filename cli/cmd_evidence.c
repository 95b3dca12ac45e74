/* huixin evidence: check evidence bundles, and sign or timestamp existing ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/files.h"
#include "driver/page.h"
#include "verify/evidence_sign.h"
#include "common/clock.h"
#include "verify/evidence.h"
#include "verify/evidence_verified.h"
#include "verify/evidence_verify.h"
#include "verify/ledger.h"
#include "verify/tsa.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/cli.h"

static const char usage[] =
    "Usage: huixin evidence verify DIR [--store LEDGER] [--pubkey FILE] [--tsa-ca FILE] [--verbose]\n"
    "       huixin evidence sign DIR [--sign-key FILE] [--force]\n"
    "       huixin evidence timestamp DIR [--tsa URL] [--timeout SECONDS] [--force]\n"
    "\n"
    "DIR is one visit folder (NNN-KIND-STAMP, holding manifest.json), a letter folder (letter-ID: its\n"
    "visits in order) or any folder above (every letter under it).\n"
    "\n"
    "verify: every listed file is there with its size and SHA-256; no unlisted file (but manifest.sig\n"
    "  and manifest.tsr); each manifest names the SHA-256 of the previous visit's manifest (the first:\n"
    "  null) and the visits run 001, 002, ...; signatures hold under --pubkey; a timestamp covers the\n"
    "  manifest (and its TSA chains to --tsa-ca); no symbolic link anywhere (each is named, with where it\n"
    "  points). Prints each failure; exit 0 when all hold, 1 otherwise.\n";

struct verify_print {
    bool verbose;
};

static void on_finding(enum evidence_finding kind, const char *where, const char *what, void *user)
{
    const struct verify_print *p = user;
    if (kind == EVIDENCE_FAILED)
        printf("FAIL %s: %s\n", where, what);
    else if (p->verbose && kind == EVIDENCE_NOTE)
        printf("note %s: %s\n", where, what);
    else if (p->verbose && kind == EVIDENCE_VISIT_OK)
        printf("ok   %s\n", where);
}

static int run_verify(const char *dir, const char *pubkey_path, const char *ca_path, const char *store_path,
                      bool verbose)
{
    struct err e;
    err_init(&e);
    struct evidence_pubkey *key = NULL;
    struct ledger *ledger = NULL;
    int rc = EXIT_OK;
    if (pubkey_path && evidence_pubkey_load(pubkey_path, &key, &e))
        return cli_fail(&e);
    if (ca_path && !file_exists(ca_path)) {
        evidence_pubkey_free(key);
        return cli_usage_error("evidence", "--tsa-ca '%s': no such file", ca_path);
    }
    if (store_path && ledger_open_existing(store_path, &ledger, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    struct evidence_verify_opts opts = {key, ca_path, ledger};
    struct evidence_verify_stats st;
    struct verify_print p = {verbose};
    if (evidence_verify_path(dir, &opts, on_finding, &p, &st, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    printf("%zu visit%s in %zu letter%s: %zu ok, %zu failure%s", st.visits, st.visits == 1 ? "" : "s", st.letters,
           st.letters == 1 ? "" : "s", st.visits_ok, st.failures, st.failures == 1 ? "" : "s");
    if (st.signatures_checked)
        printf("; %zu signature%s valid", st.signatures_checked, st.signatures_checked == 1 ? "" : "s");
    if (st.signatures_unchecked)
        printf("; %zu signature%s not checked (no --pubkey)", st.signatures_unchecked,
               st.signatures_unchecked == 1 ? "" : "s");
    if (st.timestamps_checked)
        printf("; %zu timestamp%s intact%s", st.timestamps_checked, st.timestamps_checked == 1 ? "" : "s",
               ca_path ? " and trusted" : " (TSA not trusted: no --tsa-ca)");
    printf("\n");
    rc = st.failures ? EXIT_FINDINGS : EXIT_OK;
    /* A whole tree (a root or a campaign's folder, not one visit or letter): the reports say when it was
     * last verified. A read-only archive keeps no record; the verdict of this run stands all the same. */
    char *manifest = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    if (!file_exists(manifest) && strncmp(base, "letter-", 7) != 0 && st.letters > 0) {
        struct evidence_verified rec = {clock_now_ms(), st.visits, st.failures, ledger != NULL, key != NULL};
        struct err we;
        err_init(&we);
        if (evidence_verified_save(dir, &rec, &we))
            fprintf(stderr, "huixin: the verification is not recorded: %s\n", we.msg);
    }
    free(manifest);
out:
    ledger_close(ledger);
    evidence_pubkey_free(key);
    return rc;
}

struct seal_ctx {
    const char *key_path;
    const char *tsa_url;
    int timeout_ms;
    bool force;
    size_t done, kept;
};

static int sign_one(const char *dir, const char *where, void *user)
{
    struct seal_ctx *c = user;
    char *sig = xasprintf("%s/%s", dir, EVIDENCE_SIG_FILE);
    bool exists = file_exists(sig);
    free(sig);
    if (exists && !c->force) {
        c->kept++;
        return 0;
    }
    struct err e;
    err_init(&e);
    if (evidence_sign_manifest(dir, c->key_path, &e)) {
        err_prefix(&e, "%s", where);
        return cli_fail(&e);
    }
    printf("signed %s\n", where);
    c->done++;
    return 0;
}

static int timestamp_one(const char *dir, const char *where, void *user)
{
    struct seal_ctx *c = user;
    char *tsr = xasprintf("%s/%s", dir, EVIDENCE_TSR_FILE);
    bool exists = file_exists(tsr);
    free(tsr);
    if (exists && !c->force) {
        c->kept++;
        return 0;
    }
    struct err e;
    err_init(&e);
    if (evidence_timestamp(dir, c->tsa_url, c->timeout_ms, &e)) {
        err_prefix(&e, "%s", where);
        return cli_fail(&e);
    }
    printf("timestamped %s\n", where);
    c->done++;
    return 0;
}

static int run_seal(const char *dir, bool is_sign, struct seal_ctx *c)
{
    struct err e;
    err_init(&e);
    int rc = evidence_visits_each(dir, is_sign ? sign_one : timestamp_one, c, NULL, &e);
    if (rc < 0)
        return cli_fail(&e);
    if (rc > 0)
        return rc; /* a visit failed; already printed */
    printf("%zu visit%s %s", c->done, c->done == 1 ? "" : "s", is_sign ? "signed" : "timestamped");
    if (c->kept)
        printf(", %zu already %s kept (--force to redo)", c->kept, is_sign ? "signed" : "timestamped");
    printf("\n");
    return EXIT_OK;
}

int cmd_evidence(int argc, char **argv)
{
    const char *sub = argc < 2 ? "" : argv[1];
    bool is_verify = strcmp(sub, "verify") == 0, is_sign = strcmp(sub, "sign") == 0,
         is_ts = strcmp(sub, "timestamp") == 0;
    const char *dir = NULL, *pubkey = NULL, *ca = NULL, *store = NULL;
    struct seal_ctx c = {getenv("HUIXIN_SIGN_KEY"), getenv("HUIXIN_TSA_URL"), DRIVER_DEFAULT_TIMEOUT_MS, false, 0, 0};
    bool verbose = false;
    int timeout_s = 30;
    /* each subcommand takes its own rows; --help shows them all */
    const struct opt verify_rows[] = {
        OPT_ROW_STRING("--store", &store, "LEDGER",
                       "also compare each letter's visits with the ledger's (read, never written): a\n"
                       "visit folder missing, renamed or not in the ledger, a count or a manifest hash\n"
                       "that differs; given the evidence root, a letter whose folder is gone"),
        OPT_ROW_STRING("--pubkey", &pubkey, "FILE",
                       "the Ed25519 public key (from 'huixin keygen'); every visit must be signed by it"),
        OPT_ROW_STRING("--tsa-ca", &ca, "FILE",
                       "PEM certificates of trusted timestamp authorities; every visit must carry a\n"
                       "timestamp that chains to one"),
        {.kind = OPT_FLAG, .name = "--verbose", .alias = "-v", .value = &verbose, .label = "--verbose",
         .help = "also list each visit that passed, and notes"},
        OPT_ROW_END,
    };
    const struct opt sign_rows[] = {
        OPT_ROW_STRING("--sign-key", &c.key_path, "FILE", "the private key (default: $HUIXIN_SIGN_KEY)"),
        OPT_ROW_FLAG("--force", &c.force, NULL),
        OPT_ROW_END,
    };
    const struct opt ts_rows[] = {
        OPT_ROW_STRING("--tsa", &c.tsa_url, "URL", "the authority (default: $HUIXIN_TSA_URL)"),
        {.kind = OPT_INT, .name = "--timeout", .value = &timeout_s, .metavar = "SECONDS", .min = 1, .max = 3600,
         .expect = "whole seconds from 1 to 3600", .help = "for each request (default 30)"},
        OPT_ROW_FLAG("--force", &c.force, NULL),
        OPT_ROW_END,
    };
    const struct opt rows[] = {
        {.kind = OPT_GROUP, .group = verify_rows, .is_help_only = !is_verify},
        OPT_ROW_TEXT("sign: signs each visit's manifest.json into manifest.sig (an existing one is kept unless "
                     "--force).\n"),
        {.kind = OPT_GROUP, .group = sign_rows, .is_help_only = !is_sign},
        OPT_ROW_TEXT("timestamp: asks an RFC 3161 timestamp authority to timestamp each manifest (manifest.tsr; an\n"
                     "  existing one is kept unless --force).\n"),
        {.kind = OPT_GROUP, .group = ts_rows, .is_help_only = !is_ts},
        OPT_ROW_END,
    };
    const struct opts parser = {.cmd = "evidence", .usage = usage, .rows = rows, .help_width = 18,
                                .keeps_unknown = true};
    if (argc < 2 || opts_arg_is_help(argv[1])) {
        opts_help_print(&parser, stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!is_verify && !is_sign && !is_ts)
        return cli_usage_error("evidence", "'%s' is not a subcommand: expected verify, sign or timestamp", sub);
    int n_args;
    enum opts_result pr = opts_parse(&parser, argc - 1, argv + 1, &n_args);
    if (pr != OPTS_GO_ON)
        return opts_exit_code(pr);
    c.timeout_ms = timeout_s * 1000;
    for (int i = 2; i <= n_args + 1; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] != '\0')
            return cli_usage_error("evidence", "unknown option '%s' for 'evidence %s' (or it needs a value)", a, sub);
        if (dir)
            return cli_usage_error("evidence", "unexpected argument '%s': give one folder", a);
        dir = a;
    }
    if (!dir)
        return cli_usage_error("evidence", "'evidence %s' needs a folder", sub);
    if (is_verify)
        return run_verify(dir, pubkey, ca, store, verbose);
    if (is_sign && (!c.key_path || !*c.key_path))
        return cli_usage_error("evidence", "'evidence sign' needs --sign-key FILE (or HUIXIN_SIGN_KEY)");
    if (is_ts && (!c.tsa_url || !*c.tsa_url))
        return cli_usage_error("evidence", "'evidence timestamp' needs --tsa URL (or HUIXIN_TSA_URL)");
    return run_seal(dir, is_sign, &c);
}
