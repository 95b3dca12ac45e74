#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "common/base.h"
#include "verify/digest.h"

static void to_hex(const unsigned char *md, unsigned n, char out[DIGEST_HEX_LEN])
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    to_hex(md, n, out);
}

int digest_file_sha256_hex(const char *path, char out[DIGEST_HEX_LEN], int64_t *bytes_out, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        fclose(f);
        return err_set(e, ERR_INTERNAL, "openssl: cannot create a digest context");
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char chunk[65536];
    int64_t total = 0;
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        EVP_DigestUpdate(ctx, chunk, n);
        total += (int64_t)n;
    }
    int rc = 0;
    if (ferror(f)) {
        rc = err_set(e, ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    } else {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(ctx, md, &len);
        to_hex(md, len, out);
        if (bytes_out)
            *bytes_out = total;
    }
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return rc;
}
