#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"
#include "common/url_redact.h"
#include "driver/page.h"
#include "verify/evidence.h"
#include "verify/evidence_sign.h"
#include "verify/tsa.h"

#define TSA_REPLY_MAX_BYTES (1024 * 1024)

static ASN1_INTEGER *nonce_to_asn1(const unsigned char nonce[8])
{
    BIGNUM *bn = BN_bin2bn(nonce, 8, NULL);
    ASN1_INTEGER *i = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    return i;
}

/* A DER TimeStampReq for a SHA-256 imprint, asking for the TSA's certificate. Caller frees *der. */
static int request_build(const unsigned char sha256[32], const unsigned char nonce[8], unsigned char **der,
                         int *der_len, struct err *e)
{
    char errbuf[256];
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *n = nonce_to_asn1(nonce);
    int ok = req && mi && alg && n && TS_REQ_set_version(req, 1) &&
             X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) && TS_MSG_IMPRINT_set_algo(mi, alg) &&
             TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)sha256, 32) && TS_REQ_set_msg_imprint(req, mi) &&
             TS_REQ_set_nonce(req, n) && TS_REQ_set_cert_req(req, 1);
    *der = NULL;
    if (ok)
        *der_len = i2d_TS_REQ(req, der);
    ASN1_INTEGER_free(n);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    if (!ok || *der_len <= 0)
        return err_set(e, ERR_INTERNAL, "openssl: cannot build a timestamp request: %s",
                       evidence_ssl_error_text(errbuf, sizeof errbuf));
    return 0;
}

static size_t reply_write(char *data, size_t size, size_t nmemb, void *user)
{
    struct buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n > TSA_REPLY_MAX_BYTES)
        return 0; /* curl reports a write error: a reply this big is not a timestamp */
    buf_append(b, data, n);
    return n;
}

static int request_post(const char *url, const unsigned char *der, int der_len, int timeout_ms, struct buf *reply,
                        struct err *e)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    int rc = 0;
    struct curl_slist *headers = NULL;
    char *shown = url_redact(url);
    CURL *curl = curl_easy_init();
    if (!curl) {
        rc = err_set(e, ERR_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    headers = curl_slist_append(headers, "Content-Type: application/timestamp-query");
    headers = curl_slist_append(headers, "Accept: application/timestamp-reply");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)der);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)der_len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : DRIVER_DEFAULT_TIMEOUT_MS));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, reply_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "huixin");
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        rc = err_set(e, cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_IO, "timestamp authority '%s': %s",
                     shown, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
        rc = err_set(e, ERR_IO, "timestamp authority '%s': HTTP status %ld, expected 200", shown, status);
out:
    curl_slist_free_all(headers);
    if (curl)
        curl_easy_cleanup(curl);
    free(shown);
    return rc;
}

static const char *status_name(long s)
{
    switch (s) {
    case 0: return "granted";
    case 1: return "grantedWithMods";
    case 2: return "rejection";
    case 3: return "waiting";
    case 4: return "revocationWarning";
    case 5: return "revocationNotification";
    default: return "unknown";
    }
}

static int64_t asn1_time_ms(const ASN1_GENERALIZEDTIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm) * 1000;
}

/* The trust store: the CA file's certificates, or (without one) the token's own certificates taken
 * as trusted, so the signature is still checked though nobody vouches for the signer. */
static X509_STORE *store_make(PKCS7 *token, const char *ca_path, time_t at, struct err *e)
{
    char errbuf[256];
    X509_STORE *store = X509_STORE_new();
    if (!store) {
        err_set(e, ERR_INTERNAL, "openssl: cannot make a certificate store");
        return NULL;
    }
    if (ca_path) {
        if (X509_STORE_load_file(store, ca_path) != 1) {
            err_set(e, ERR_INPUT, "TSA CA file '%s': cannot load PEM certificates (%s)", ca_path,
                    evidence_ssl_error_text(errbuf, sizeof errbuf));
            X509_STORE_free(store);
            return NULL;
        }
    } else {
        STACK_OF(X509) *certs = PKCS7_type_is_signed(token) ? token->d.sign->cert : NULL;
        for (int i = 0; certs && i < sk_X509_num(certs); i++)
            X509_STORE_add_cert(store, sk_X509_value(certs, i));
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    }
    /* A timestamp is judged at its own time: the TSA's certificate may have expired since. */
    if (at > 0)
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), at);
    return store;
}

static bool algor_params_are_null(const X509_ALGOR *a)
{
    int ptype = V_ASN1_UNDEF;
    X509_ALGOR_get0(NULL, &ptype, NULL, a);
    return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
}

/* The parts of a token its signature does not cover, held to the one form RFC 3161 and CMS allow,
 * so that no byte of a stored reply can change unnoticed: SignedData version 3, one SignerInfo of
 * version 1, algorithm parameters absent or NULL, and a signature algorithm that fits the signer's
 * key and the digest. */
static int token_shape_check(PKCS7 *token, struct err *e)
{
    if (!PKCS7_type_is_signed(token) || !token->d.sign)
        return err_set(e, ERR_INPUT, "timestamp: the token is not CMS SignedData");
    PKCS7_SIGNED *sd = token->d.sign;
    if (ASN1_INTEGER_get(sd->version) != 3)
        return err_set(e, ERR_INPUT, "timestamp: SignedData version %ld, expected 3", ASN1_INTEGER_get(sd->version));
    for (int i = 0; i < sk_X509_ALGOR_num(sd->md_algs); i++)
        if (!algor_params_are_null(sk_X509_ALGOR_value(sd->md_algs, i)))
            return err_set(e, ERR_INPUT, "timestamp: a digest algorithm carries parameters");
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(token);
    if (sk_PKCS7_SIGNER_INFO_num(sis) != 1)
        return err_set(e, ERR_INPUT, "timestamp: %d signers, expected 1", sk_PKCS7_SIGNER_INFO_num(sis));
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
    if (ASN1_INTEGER_get(si->version) != 1)
        return err_set(e, ERR_INPUT, "timestamp: SignerInfo version %ld, expected 1", ASN1_INTEGER_get(si->version));
    if (!algor_params_are_null(si->digest_alg))
        return err_set(e, ERR_INPUT, "timestamp: the signer's digest algorithm carries parameters");
    X509 *signer = PKCS7_cert_from_signer_info(token, si);
    EVP_PKEY *key = signer ? X509_get0_pubkey(signer) : NULL;
    if (!key)
        return err_set(e, ERR_INPUT, "timestamp: the token does not carry its signer's certificate");
    const ASN1_OBJECT *obj = NULL;
    X509_ALGOR_get0(&obj, NULL, NULL, si->digest_alg);
    int md_nid = OBJ_obj2nid(obj);
    X509_ALGOR_get0(&obj, NULL, NULL, si->digest_enc_alg);
    int sig_nid = OBJ_obj2nid(obj), key_type = EVP_PKEY_get_base_id(key);
    int dig = NID_undef, pk = NID_undef;
    bool fits = sig_nid == key_type ||
                (OBJ_find_sigid_algs(sig_nid, &dig, &pk) && pk == key_type && (dig == md_nid || dig == NID_undef));
    if (!fits)
        return err_set(e, ERR_INPUT, "timestamp: signature algorithm '%s' does not fit the signer's key and digest",
                       OBJ_nid2sn(sig_nid));
    if (sig_nid != NID_rsassaPss && !algor_params_are_null(si->digest_enc_alg))
        return err_set(e, ERR_INPUT, "timestamp: the signature algorithm carries parameters");
    return 0;
}

int tsa_reply_check(const unsigned char *der, size_t len, const unsigned char sha256[32], const char *ca_path,
                    const unsigned char *nonce, struct tsa_token_info *info, struct err *e)
{
    char errbuf[256];
    int rc = 0;
    TS_RESP *resp = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    unsigned char *again = NULL;
    memset(info, 0, sizeof *info);
    const unsigned char *p = der;
    if (len == 0 || len > TSA_REPLY_MAX_BYTES || !(resp = d2i_TS_RESP(NULL, &p, (long)len))) {
        rc = err_set(e, ERR_INPUT, "timestamp: not a DER TimeStampResp (%s)", evidence_ssl_error_text(errbuf, sizeof errbuf));
        goto out;
    }
    /* Exactly one object, encoded the one DER way: bytes outside the signed part cannot change. */
    int again_len = i2d_TS_RESP(resp, &again);
    if (p != der + len || again_len != (int)len || memcmp(again, der, len) != 0) {
        rc = err_set(e, ERR_INPUT, "timestamp: not canonical DER (%zu bytes, %zu parsed)", len, (size_t)(p - der));
        goto out;
    }
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    /* Only "granted": the status is outside the signature, and grantedWithMods would let one bit of
     * a stored reply change unseen. */
    if (status != 0) {
        const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);
        const ASN1_UTF8STRING *t0 = text && sk_ASN1_UTF8STRING_num(text) > 0 ? sk_ASN1_UTF8STRING_value(text, 0) : NULL;
        rc = err_set(e, ERR_INPUT, "timestamp: status %ld (%s)%s%.*s, expected granted", status, status_name(status),
                     t0 ? ": " : "", t0 ? (ASN1_STRING_length(t0) > 200 ? 200 : ASN1_STRING_length(t0)) : 0,
                     t0 ? (const char *)ASN1_STRING_get0_data(t0) : "");
        goto out;
    }
    TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
    PKCS7 *token = TS_RESP_get_token(resp);
    if (!tst || !token) {
        rc = err_set(e, ERR_INPUT, "timestamp: granted but holds no token");
        goto out;
    }
    if ((rc = token_shape_check(token, e)))
        goto out;
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    const ASN1_OBJECT *alg_obj = NULL;
    X509_ALGOR_get0(&alg_obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
    if (OBJ_obj2nid(alg_obj) != NID_sha256) {
        rc = err_set(e, ERR_INPUT, "timestamp: imprint algorithm is not sha256");
        goto out;
    }
    info->gen_time_ms = asn1_time_ms(TS_TST_INFO_get_time(tst));
    const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
    BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex)
        snprintf(info->serial_hex, sizeof info->serial_hex, "%s", hex);
    OPENSSL_free(hex);
    BN_free(bn);

    ctx = TS_VERIFY_CTX_new();
    if (!ctx) {
        rc = err_set(e, ERR_INTERNAL, "openssl: cannot make a timestamp verifier");
        goto out;
    }
    int flags = TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT;
    TS_VERIFY_CTX_set_imprint(ctx, OPENSSL_memdup(sha256, 32), 32); /* the ctx owns it */
    if (nonce) {
        /* OpenSSL 3.0 has no setter for the verifier's nonce: compare it here. */
        ASN1_INTEGER *want = nonce_to_asn1(nonce);
        const ASN1_INTEGER *got = TS_TST_INFO_get_nonce(tst);
        bool same = want && got && ASN1_INTEGER_cmp(want, got) == 0;
        ASN1_INTEGER_free(want);
        if (!same) {
            rc = err_set(e, ERR_INPUT, "timestamp: the reply's nonce is not the request's");
            goto out;
        }
    }
    TS_VERIFY_CTX_set_flags(ctx, flags);
    X509_STORE *store = store_make(token, ca_path, (time_t)(info->gen_time_ms / 1000), e);
    if (!store) {
        rc = e ? e->code : ERR_INPUT;
        goto out;
    }
    TS_VERIFY_CTX_set_store(ctx, store); /* the ctx owns it */
    if (TS_RESP_verify_response(ctx, resp) != 1) {
        evidence_ssl_error_text(errbuf, sizeof errbuf);
        if (strstr(errbuf, "message imprint mismatch"))
            rc = err_set(e, ERR_INPUT, "timestamp: it covers another hash than manifest.json's");
        else if (strstr(errbuf, "nonce mismatch"))
            rc = err_set(e, ERR_INPUT, "timestamp: the reply's nonce is not the request's");
        else if (ca_path && strstr(errbuf, "certificate verify error"))
            rc = err_set(e, ERR_INPUT, "timestamp: the TSA's certificate does not chain to '%s' (%s)", ca_path, errbuf);
        else
            rc = err_set(e, ERR_INPUT, "timestamp: bad signature or token (%s)", errbuf);
        goto out;
    }
    info->is_trusted = ca_path != NULL;
out:
    OPENSSL_free(again);
    TS_VERIFY_CTX_free(ctx);
    TS_RESP_free(resp);
    ERR_clear_error();
    return rc;
}

int evidence_timestamp(const char *dir, const char *tsa_url, int timeout_ms, struct err *e)
{
    int rc = 0;
    char *mpath = xasprintf("%s/%s", dir, EVIDENCE_MANIFEST);
    char *tpath = xasprintf("%s/%s", dir, EVIDENCE_TSR_FILE);
    char *manifest = NULL;
    size_t mlen = 0;
    unsigned char *der = NULL;
    int der_len = 0;
    struct buf reply;
    buf_init(&reply);
    unsigned char md[32], nonce[8];
    struct tsa_token_info info;

    if ((rc = file_read_all(mpath, &manifest, &mlen, e)))
        goto out;
    EVP_Digest(manifest, mlen, md, NULL, EVP_sha256(), NULL);
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        rc = err_set(e, ERR_INTERNAL, "openssl: no random bytes for the nonce");
        goto out;
    }
    nonce[0] &= 0x7f;
    if ((rc = request_build(md, nonce, &der, &der_len, e)))
        goto out;
    if ((rc = request_post(tsa_url, der, der_len, timeout_ms, &reply, e)))
        goto out;
    if ((rc = tsa_reply_check((const unsigned char *)reply.data, reply.len, md, NULL, nonce, &info, e))) {
        char *shown = url_redact(tsa_url);
        err_prefix(e, "timestamp authority '%s'", shown);
        free(shown);
        goto out;
    }
    rc = file_write_atomic(tpath, reply.data, reply.len, e);
out:
    OPENSSL_free(der);
    buf_release(&reply);
    free(manifest);
    free(mpath);
    free(tpath);
    return rc;
}
