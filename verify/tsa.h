/* RFC 3161 timestamps of manifests: a trusted third party (a TSA) signs "this SHA-256 existed at time
 * T", so evidence cannot be back-dated or made later. The reply is kept as manifest.tsr beside
 * manifest.json. OpenSSL's TS API builds and checks the DER; libcurl carries it (HTTP POST,
 * application/timestamp-query). */
#ifndef HUIXIN_TSA_H
#define HUIXIN_TSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;

#define EVIDENCE_TSR_FILE "manifest.tsr"

/* Asks the TSA at tsa_url for a timestamp over SHA-256(dir/manifest.json), with a fresh nonce and a
 * request for the TSA's certificate; checks the reply (granted, our hash, our nonce, a valid
 * signature by the certificate it carries) and writes it to dir/manifest.tsr. A URL shown in a
 * message has its credentials redacted. */
int evidence_timestamp(const char *dir, const char *tsa_url, int timeout_ms, struct err *e);

/* What a checked timestamp says. */
struct tsa_token_info {
    int64_t gen_time_ms;  /* the TSA's time */
    bool is_trusted;      /* the signer chains to the given CA file (false when none was given) */
    char serial_hex[66];  /* the token's serial number, hex (truncated if longer) */
};

/* Checks a DER TimeStampResp: exactly one DER object (canonical encoding), status granted, a message
 * imprint that is SHA-256 over exactly sha256 (32 bytes), and a signature that verifies with the
 * signer's certificate at the token's time. With ca_path, the signer must also chain to a
 * certificate in that PEM file (and have the time-stamping purpose); without one, only the
 * signature is checked (is_trusted false). nonce (NULL: not checked) is the request's nonce, 8
 * bytes. ERR_INPUT and a message naming the failed check otherwise. */
int tsa_reply_check(const unsigned char *der, size_t len, const unsigned char sha256[32], const char *ca_path,
                    const unsigned char *nonce, struct tsa_token_info *info, struct err *e);

#endif
