/* Ed25519 signatures over a visit's manifest.json, so evidence can be shown unaltered since capture.
 *
 * A key pair is two PEM files: huixin-ed25519.key (PKCS#8, mode 0600) and huixin-ed25519.pub
 * (SubjectPublicKeyInfo). A key is named by its fingerprint: the SHA-256 of the public key's DER.
 *
 * manifest.sig beside manifest.json is six lines of text, exactly (anything else is rejected):
 *   huixin-signature: 1
 *   algorithm: ed25519
 *   key-sha256: <fingerprint of the signing key, 64 hex>
 *   signed-file: manifest.json
 *   manifest-sha256: <SHA-256 of manifest.json, 64 hex>
 *   signature: <Ed25519 signature over the exact bytes of manifest.json, base64 (88 chars)>
 * The public key is deliberately not embedded: a key carried with the evidence proves nothing, since
 * whoever alters the evidence can re-sign with a key of their own. Verification is against a key the
 * checker trusts (huixin evidence verify --pubkey); the fingerprint only says which key signed.
 * OpenSSL stays behind this file (and digest.c, tsa.c). */
#ifndef HUIXIN_EVIDENCE_SIGN_H
#define HUIXIN_EVIDENCE_SIGN_H

#include <stddef.h>

#include "verify/digest.h"

struct err;

#define EVIDENCE_SIG_FILE "manifest.sig"
#define EVIDENCE_KEY_FILE "huixin-ed25519.key"
#define EVIDENCE_PUB_FILE "huixin-ed25519.pub"

/* The newest OpenSSL error as text into out (the queue is cleared), for messages; returns out. */
const char *evidence_ssl_error_text(char *out, size_t len);

/* Makes a new key pair in dir (created 0700 when missing): dir/huixin-ed25519.key (0600) and
 * dir/huixin-ed25519.pub (0644). Refuses when either file exists. The key's fingerprint goes to
 * fpr_out; the two paths to *key_path_out and *pub_path_out when not NULL (caller frees). */
int evidence_key_generate(const char *dir, char fpr_out[DIGEST_HEX_LEN], char **key_path_out, char **pub_path_out,
                          struct err *e);

/* Signs dir/manifest.json with the private key in key_path and writes dir/manifest.sig (atomically).
 * Refuses a key file readable by group or others. Call it after evidence_manifest_write. */
int evidence_sign_manifest(const char *dir, const char *key_path, struct err *e);

/* A public key to check signatures with. */
struct evidence_pubkey;

/* Loads a PEM public key (or the public half of a PEM private key) that must be Ed25519. */
int evidence_pubkey_load(const char *path, struct evidence_pubkey **out, struct err *e);
void evidence_pubkey_free(struct evidence_pubkey *k);
/* Its fingerprint, 64 hex (borrowed). */
const char *evidence_pubkey_fingerprint(const struct evidence_pubkey *k);

/* What a manifest.sig says. */
struct evidence_sig {
    char key_sha256[DIGEST_HEX_LEN];
    char manifest_sha256[DIGEST_HEX_LEN];
    unsigned char signature[64];
};

/* Parses manifest.sig text strictly (the exact six lines above, canonical base64). ERR_INPUT with
 * what is wrong otherwise. */
int evidence_sig_parse(const char *text, size_t len, struct evidence_sig *out, struct err *e);

/* Checks a parsed signature over the manifest's bytes: the manifest hash it names, the key
 * fingerprint, then the Ed25519 signature under k. 0 when valid; ERR_INPUT and a message saying
 * which check failed otherwise ("signed by another key ...", "bad signature"). */
int evidence_sig_check(const struct evidence_sig *sig, const void *manifest, size_t manifest_len,
                       const struct evidence_pubkey *k, struct err *e);

#endif
