/* Evidence bundles: one folder per visit under the evidence root,
 *   ROOT/CAMPAIGN/SITE/letter-ID/NNN-KIND-YYYYMMDDTHHMMSSZ/
 * holding what the visit captured (page.png, page.mhtml, page.txt, meta.json, step screenshots) and a
 * manifest.json that lists every file with its SHA-256 and size, plus the SHA-256 of the letter's
 * previous manifest: a chain, so a removed or altered visit shows. Paths stored in the ledger are
 * relative to the root, so a copied evidence folder still verifies. */
#ifndef HUIXIN_EVIDENCE_H
#define HUIXIN_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
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
 * sha_out.
 * A screenshot (*.png) byte for byte the same (SHA-256 and size) as the same-named file an earlier
 * visit folder of the letter keeps (dir's siblings "NNN-..." with a smaller number, the nearest
 * first) is kept once: the file here is removed and listed with "same_as": "../NNN-.../NAME", the
 * earlier copy. Other files are always kept. */
int evidence_manifest_write(const char *dir, const char *letter_token, const char *prev_manifest_sha256,
                            int64_t at_ms, char sha_out[DIGEST_HEX_LEN], struct err *e);

/* Whether same_as is a manifest's reference to an earlier copy of the file name: exactly
 * "../FOLDER/NAME", FOLDER a visit folder name ("NNN-...", so never "..") numbered before visit_name
 * (the referring visit's own folder; NULL: not checked). It stays inside the letter folder. */
bool evidence_same_as_is_valid(const char *same_as, const char *name, const char *visit_name);
/* The files dir's manifest.json lists with a valid same_as, in its order, from one read of it (none
 * when it has no readable manifest); *n_out of them. Free with evidence_same_as_free. */
struct evidence_same_as {
    char *name;
    char *same_as;
};
struct evidence_same_as *evidence_same_as_list(const char *dir, size_t *n_out);
/* The same from a manifest's text (len bytes) already read; only parsed when it can hold a same_as. */
struct evidence_same_as *evidence_same_as_parse(const char *text, size_t len, size_t *n_out);
void evidence_same_as_free(struct evidence_same_as *list, size_t n);
/* The same_as of file name in dir's manifest.json when it has a valid one (caller frees), else NULL. */
char *evidence_same_as_read(const char *dir, const char *name);
/* The names of the files dir's manifest.json lists with a valid same_as (none when it has no readable
 * manifest); *n_out of them. Caller frees each and the array. */
char **evidence_same_as_names(const char *dir, size_t *n_out);

#endif
