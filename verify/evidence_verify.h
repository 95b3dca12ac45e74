/* Checking evidence bundles (see evidence.h, evidence_sign.h, tsa.h): that every file a manifest
 * lists is there unchanged, nothing unlisted was added, each manifest names its predecessor's hash,
 * signatures hold under a key the checker trusts and timestamps cover the manifest.
 *
 * The path may be one visit folder (it holds manifest.json), a letter folder (it holds visit folders
 * NNN-KIND-STAMP: the chain is checked across them in the order of NNN, which must run 1, 2, 3 ...)
 * or any folder above (every letter folder under it). Removing or renaming a letter's last visit cannot
 * be seen from the files alone; the ledger records which visits there were (opts->ledger). */
#ifndef HUIXIN_EVIDENCE_VERIFY_H
#define HUIXIN_EVIDENCE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

struct err;
struct evidence_pubkey;
struct ledger;

struct evidence_verify_opts {
    const struct evidence_pubkey *pubkey; /* NULL: signatures are parsed, not checked; with a key,
                                             every visit must be signed by it */
    const char *tsa_ca_path;              /* NULL: timestamps are checked against their own certificate
                                             only; with a CA file, every visit must carry a
                                             timestamp whose signer chains to it */
    struct ledger *ledger;                /* NULL: the folders alone; with the ledger, each letter
                                             folder's visits are compared with the ledger's rows (count,
                                             folder names, manifest hashes), and, when the path is the
                                             evidence root, a letter whose folder is gone is named too */
};

enum evidence_finding {
    EVIDENCE_FAILED, /* the evidence does not hold: what says exactly why */
    EVIDENCE_NOTE,   /* something not checked, or worth knowing (the signer, the timestamp's time) */
    EVIDENCE_VISIT_OK, /* one visit passed every check made; what is a short summary */
};

/* Called for each finding. where names the visit or letter relative to the given path
 * ("CAMPAIGN/SITE/letter-3/002-check-..."), both strings borrowed for the call only. */
typedef void (*evidence_verify_fn)(enum evidence_finding kind, const char *where, const char *what, void *user);

struct evidence_verify_stats {
    size_t letters, visits, visits_ok, failures;
    size_t signatures_checked, signatures_unchecked, timestamps_checked;
};

/* Checks everything under path, reporting through fn (may be NULL) and counting into stats (may
 * be NULL). Returns 0 when the check ran, whatever it found (see stats->failures); ERR_NOT_FOUND
 * when path holds no evidence, ERR_IO when it cannot be read. */
int evidence_verify_path(const char *path, const struct evidence_verify_opts *opts, evidence_verify_fn fn,
                         void *user, struct evidence_verify_stats *stats, struct err *e);

/* Calls fn for every visit folder (holding a manifest.json) under path, found as above, in order;
 * dir is its path, where its name relative to path. Stops at the first non-zero return and returns
 * it. ERR_NOT_FOUND when there is none. The count in *n_out when not NULL. */
typedef int (*evidence_visit_fn)(const char *dir, const char *where, void *user);
int evidence_visits_each(const char *path, evidence_visit_fn fn, void *user, size_t *n_out, struct err *e);

#endif
