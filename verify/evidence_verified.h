/* When the evidence was last verified, and with what result: `huixin evidence verify` leaves a small
 * record at the evidence root (a dot file, which verification itself passes over) and the reports say
 * it, so a notice's reader sees whether the evidence behind it was checked, and when. */
#ifndef HUIXIN_EVIDENCE_VERIFIED_H
#define HUIXIN_EVIDENCE_VERIFIED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

#define EVIDENCE_VERIFIED_FILE ".huixin-verified.json"

struct evidence_verified {
    int64_t at_ms;          /* when (the real clock) */
    size_t visits, failures;
    bool with_ledger;       /* compared with the ledger (--store) */
    bool with_signatures;   /* signatures checked against a public key (--pubkey) */
};

/* Writes the record into root (atomically). */
int evidence_verified_save(const char *root, const struct evidence_verified *v, struct err *e);
/* Reads it: 0, ERR_NOT_FOUND when root holds none, ERR_INPUT when it is not a record huixin wrote. */
int evidence_verified_load(const char *root, struct evidence_verified *out, struct err *e);

#endif
