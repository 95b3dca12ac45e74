/* Evidence bundles: one folder per visit under the evidence root,
 *   ROOT/CAMPAIGN/SITE/letter-ID/NNN-KIND-YYYYMMDDTHHMMSSZ/
 * holding what the visit captured (page.png, page.mhtml, page.txt, meta.json, step screenshots) and a
 * manifest.json that lists every file with its SHA-256 and size, plus the SHA-256 of the letter's
 * previous manifest: a chain, so a removed or altered visit shows. Paths stored in the ledger are
 * relative to the root, so a copied evidence folder still verifies. */
#ifndef HUIXIN_EVIDENCE_H
#define HUIXIN_EVIDENCE_H

#include <stdint.h>

#include "verify/digest.h"

struct err;

#define EVIDENCE_MANIFEST "manifest.json"

/* The visit number a visit folder's name starts with ("002-check-..." -> 2), or -1 when the name does not
 * start with three to nine digits and a dash. */
long evidence_dir_seq(const char *name);
/* Makes the visit's folder (and its parents) and returns its path relative to root (caller frees).
 * seq is the visit's number for the letter (1, 2, ...); kind is "submit" or "check". Names keep
 * letters, digits, UTF-8, '.', '_' and '-' (never "..") so a name cannot climb out of the root. A
 * name longer than a file name may be (255 bytes) is shortened to its first 120 bytes, cut between
 * UTF-8 characters, then '-' and the first 16 hex digits of its SHA-256: the same name gives the same
 * folder every time. */
int evidence_dir_make(const char *root, const char *campaign, const char *site_key, int64_t letter_id, int seq,
                      const char *kind, int64_t at_ms, char **rel_out, struct err *e);

/* Hashes every regular file in dir (but the manifest and signatures), sorted by name, and writes
 * manifest.json with the previous manifest's hash (NULL for the first visit). Its own SHA-256 goes to
 * sha_out. */
int evidence_manifest_write(const char *dir, const char *letter_token, const char *prev_manifest_sha256,
                            int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e);

#endif
