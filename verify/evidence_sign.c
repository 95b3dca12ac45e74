#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "verify/digest.h"
#include "verify/evidence.h"
#include "verify/evidence_sign.h"

struct evidence_pubkey {
    EVP_PKEY *pkey;
    char fpr[DIGEST_HEX_LEN];
};

const char *evidence_ssl_error_text(char *out, size_t len)
{
    unsigned long code = ERR_get_error();
    if (code == 0)
        snprintf(out, len, "no detail from openssl");
    else
        ERR_error_string_n(code, out, len);
    ERR_clear_error();
    return out;
}

static int pkey_fingerprint(EVP_PKEY *pkey, char out[DIGEST_HEX_LEN])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pkey, &der);
    if (n <= 0)
        return -1;
    digest_sha256_hex(der, (size_t)n, out);
    OPENSSL_free(der);
    return 0;
}

/* Writes data to a new file with mode; O_EXCL so an existing key is never replaced. */
static int write_new_file(const char *path, const void *data, size_t len, unsigned mode, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return err_set(e, ERR_IO, "'%s' already exists: huixin never overwrites a key; move it away first",
                           path);
        return err_set(e, ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            unlink(path);
            return err_set(e, ERR_IO, "cannot write '%s': %s", path, strerror(saved));
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int saved = errno;
        unlink(path);
        return err_set(e, ERR_IO, "cannot write '%s': %s", path, strerror(saved));
    }
    return 0;
}

static char *bio_to_string(BIO *bio, size_t *len_out)
{
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    char *copy = xmalloc((size_t)n + 1);
    memcpy(copy, mem, (size_t)n);
    copy[n] = '\0';
    *len_out = (size_t)n;
    return copy;
}

int evidence_key_generate(const char *dir, char fpr_out[DIGEST_HEX_LEN], char **key_path_out, char **pub_path_out,
                          struct err *e)
{
    char errbuf[256];
    int rc = 0;
    EVP_PKEY *pkey = NULL;
    BIO *kbio = NULL, *pbio = NULL;
    char *kpem = NULL, *ppem = NULL;
    char *key_path = xasprintf("%s/%s", dir, EVIDENCE_KEY_FILE);
    char *pub_path = xasprintf("%s/%s", dir, EVIDENCE_PUB_FILE);
    size_t klen = 0, plen = 0;

    if ((rc = file_mkdir_p(dir, 0700, e)))
        goto out;
    if (file_exists(key_path) || file_exists(pub_path)) {
        rc = err_set(e, ERR_IO, "'%s' already exists: huixin never overwrites a key; move it away first",
                     file_exists(key_path) ? key_path : pub_path);
        goto out;
    }
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!pkey) {
        rc = err_set(e, ERR_INTERNAL, "openssl: cannot make an ed25519 key: %s", evidence_ssl_error_text(errbuf, sizeof errbuf));
        goto out;
    }
    kbio = BIO_new(BIO_s_mem());
    pbio = BIO_new(BIO_s_mem());
    if (!kbio || !pbio || !PEM_write_bio_PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_PUBKEY(pbio, pkey) || pkey_fingerprint(pkey, fpr_out)) {
        rc = err_set(e, ERR_INTERNAL, "openssl: cannot encode the key: %s", evidence_ssl_error_text(errbuf, sizeof errbuf));
        goto out;
    }
    kpem = bio_to_string(kbio, &klen);
    ppem = bio_to_string(pbio, &plen);
    if ((rc = write_new_file(key_path, kpem, klen, 0600, e)))
        goto out;
    if ((rc = write_new_file(pub_path, ppem, plen, 0644, e))) {
        unlink(key_path);
        goto out;
    }
    if (key_path_out) {
        *key_path_out = key_path;
        key_path = NULL;
    }
    if (pub_path_out) {
        *pub_path_out = pub_path;
        pub_path = NULL;
    }
out:
    if (kpem)
        OPENSSL_cleanse(kpem, klen);
    free(kpem);
    free(ppem);
    BIO_free(kbio);
    BIO_free(pbio);
    EVP_PKEY_free(pkey);
    free(key_path);
    free(pub_path);
    return rc;
}

static int private_key_load(const char *path, EVP_PKEY **out, struct err *e)
{
    char errbuf[256];
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_IO, "signing key '%s': %s", path, strerror(errno));
    if (st.st_mode & 077)
        return err_set(e, ERR_INPUT,
                       "signing key '%s' is readable by group or others (mode %03o): run 'chmod 600 %s'", path,
                       (unsigned)(st.st_mode & 0777), path);
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, ERR_IO, "cannot open signing key '%s': %s", path, strerror(errno));
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!pkey)
        return err_set(e, ERR_INPUT, "signing key '%s': not a PEM private key (%s)", path,
                       evidence_ssl_error_text(errbuf, sizeof errbuf));
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        return err_set(e, ERR_INPUT, "signing key '%s': expected an ed25519 key (make one with 'huixin keygen')",
                       path);
    }
    *out = pkey;
    return 0;
}

static void sig_format(const struct evidence_sig *s, struct buf *b)
{
    unsigned char b64[89];
    EVP_EncodeBlock(b64, s->signature, 64);
    buf_printf(b,
               "huixin-signature: 1\n"
               "algorithm: ed25519\n"
               "key-sha256: %s\n"
               "signed-file: " EVIDENCE_MANIFEST "\n"
               "manifest-sha256: %s\n"
               "signature: %s\n",
               s->key_sha256, s->manifest_sha256, (const char *)b64);
}

int evidence_sign_manifest(const char *dir, const char *key_path, struct err *e)
{
    char errbuf[256];
    int rc = 0;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    char *manifest = NULL;
    size_t mlen = 0;
    struct buf text;
    buf_init(&text);
    char *mpath = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    char *spath = xasprintf("%s/%s", dir, EVIDENCE_SIG_FILE);
    struct evidence_sig sig;
    memset(&sig, 0, sizeof sig);

    if ((rc = private_key_load(key_path, &pkey, e)))
        goto out;
    if ((rc = file_read_all(mpath, &manifest, &mlen, e)))
        goto out;
    size_t siglen = sizeof sig.signature;
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, sig.signature, &siglen, (const unsigned char *)manifest, mlen) != 1 || siglen != 64 ||
        pkey_fingerprint(pkey, sig.key_sha256)) {
        rc = err_set(e, ERR_INTERNAL, "openssl: cannot sign '%s': %s", mpath, evidence_ssl_error_text(errbuf, sizeof errbuf));
        goto out;
    }
    digest_sha256_hex(manifest, mlen, sig.manifest_sha256);
    sig_format(&sig, &text);
    rc = file_write_atomic(spath, text.data, text.len, e);
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    buf_release(&text);
    free(manifest);
    free(mpath);
    free(spath);
    return rc;
}

int evidence_pubkey_load(const char *path, struct evidence_pubkey **out, struct err *e)
{
    char errbuf[256];
    char *pem = NULL;
    size_t len = 0;
    int rc = file_read_all(path, &pem, &len, e);
    if (rc)
        return rc;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    if (!pkey && bio) {
        /* A private key file holds its public half too. */
        ERR_clear_error();
        BIO_free(bio);
        bio = BIO_new_mem_buf(pem, (int)len);
        pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    }
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (!pkey)
        return err_set(e, ERR_INPUT, "public key '%s': not a PEM public key (%s)", path,
                       evidence_ssl_error_text(errbuf, sizeof errbuf));
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        return err_set(e, ERR_INPUT, "public key '%s': expected an ed25519 key (from 'huixin keygen')", path);
    }
    struct evidence_pubkey *k = xcalloc(1, sizeof *k);
    k->pkey = pkey;
    if (pkey_fingerprint(pkey, k->fpr)) {
        evidence_pubkey_free(k);
        return err_set(e, ERR_INTERNAL, "openssl: cannot encode public key '%s'", path);
    }
    *out = k;
    return 0;
}

void evidence_pubkey_free(struct evidence_pubkey *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

const char *evidence_pubkey_fingerprint(const struct evidence_pubkey *k)
{
    return k->fpr;
}

static bool is_lower_hex64(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Reads "name: value\n" at *p; the value's span in *v, *vn. */
static int sig_line(const char **p, const char *end, const char *name, const char **v, size_t *vn, int line,
                    struct err *e)
{
    size_t n = strlen(name);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return err_set(e, ERR_INPUT, "line %d: expected '%s: ...' ending in a newline", line, name);
    if ((size_t)(nl - *p) < n + 2 || memcmp(*p, name, n) != 0 || (*p)[n] != ':' || (*p)[n + 1] != ' ')
        return err_set(e, ERR_INPUT, "line %d: expected '%s: ...', found '%.*s'", line, name,
                       (int)((nl - *p) > 80 ? 80 : (nl - *p)), *p);
    *v = *p + n + 2;
    *vn = (size_t)(nl - *v);
    *p = nl + 1;
    return 0;
}

int evidence_sig_parse(const char *text, size_t len, struct evidence_sig *out, struct err *e)
{
    const char *p = text, *end = text + len, *v;
    size_t vn;
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = sig_line(&p, end, "huixin-signature", &v, &vn, 1, e)))
        return rc;
    if (vn != 1 || v[0] != '1')
        return err_set(e, ERR_INPUT, "line 1: expected format version 1, found '%.*s'", (int)(vn > 20 ? 20 : vn), v);
    if ((rc = sig_line(&p, end, "algorithm", &v, &vn, 2, e)))
        return rc;
    if (vn != 7 || memcmp(v, "ed25519", 7) != 0)
        return err_set(e, ERR_INPUT, "line 2: expected algorithm 'ed25519', found '%.*s'", (int)(vn > 20 ? 20 : vn), v);
    if ((rc = sig_line(&p, end, "key-sha256", &v, &vn, 3, e)))
        return rc;
    if (!is_lower_hex64(v, vn))
        return err_set(e, ERR_INPUT, "line 3: key-sha256 is not 64 lower-case hex digits");
    memcpy(out->key_sha256, v, 64);
    if ((rc = sig_line(&p, end, "signed-file", &v, &vn, 4, e)))
        return rc;
    if (vn != strlen(EVIDENCE_MANIFEST) || memcmp(v, EVIDENCE_MANIFEST, vn) != 0)
        return err_set(e, ERR_INPUT, "line 4: expected signed-file '%s'", EVIDENCE_MANIFEST);
    if ((rc = sig_line(&p, end, "manifest-sha256", &v, &vn, 5, e)))
        return rc;
    if (!is_lower_hex64(v, vn))
        return err_set(e, ERR_INPUT, "line 5: manifest-sha256 is not 64 lower-case hex digits");
    memcpy(out->manifest_sha256, v, 64);
    if ((rc = sig_line(&p, end, "signature", &v, &vn, 6, e)))
        return rc;
    if (p != end)
        return err_set(e, ERR_INPUT, "unexpected text after line 6");
    /* Canonical base64 only: decoding is lenient about the padding bits, so re-encode and compare. */
    unsigned char raw[90], again[90];
    if (vn != 88 || EVP_DecodeBlock(raw, (const unsigned char *)v, 88) != 66)
        return err_set(e, ERR_INPUT, "line 6: signature is not 64 bytes of base64");
    EVP_EncodeBlock(again, raw, 64);
    if (memcmp(again, v, 88) != 0)
        return err_set(e, ERR_INPUT, "line 6: signature is not canonical base64");
    memcpy(out->signature, raw, 64);
    return 0;
}

int evidence_sig_check(const struct evidence_sig *sig, const void *manifest, size_t manifest_len,
                       const struct evidence_pubkey *k, struct err *e)
{
    char hex[DIGEST_HEX_LEN];
    digest_sha256_hex(manifest, manifest_len, hex);
    if (strcmp(hex, sig->manifest_sha256) != 0)
        return err_set(e, ERR_INPUT, "bad signature: it names manifest sha256 %s but manifest.json hashes to %s",
                       sig->manifest_sha256, hex);
    if (strcmp(sig->key_sha256, k->fpr) != 0)
        return err_set(e, ERR_INPUT, "bad signature: signed by key %.16s..., not by the given key %.16s...",
                       sig->key_sha256, k->fpr);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, sig->signature, 64, manifest, manifest_len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        return err_set(e, ERR_INPUT, "bad signature: the ed25519 signature does not match manifest.json");
    return 0;
}
