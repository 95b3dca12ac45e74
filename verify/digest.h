/* SHA-256 of buffers and files, as lower-case hex. OpenSSL stays behind this file (and the signer). */
#ifndef HUIXIN_DIGEST_H
#define HUIXIN_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define DIGEST_HEX_LEN 65 /* 64 hex digits and a NUL */

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN]);
/* Hashes a file by streaming it; its size in *bytes_out if not NULL. */
int digest_file_sha256_hex(const char *path, char out[DIGEST_HEX_LEN], int64_t *bytes_out, struct err *e);

#endif
