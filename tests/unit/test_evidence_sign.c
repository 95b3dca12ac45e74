/* Evidence signatures and verification: keys, manifest.sig, the chain, and that one changed byte in
 * any file of a bundle (evidence, manifest or signature) makes verification fail. */
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
#include "verify/evidence_verify.h"
#include "tests/unit/runner.h"

static char root[64];
static char *key_path, *pub_path;

/* Findings of the last verify run, one per line: "F where: what" or "N where: what". */
static struct buf found;

static void collect(enum evidence_finding kind, const char *where, const char *what, void *user)
{
    (void)user;
    if (kind == EVIDENCE_VISIT_OK)
        return;
    buf_printf(&found, "%c %s: %s\n", kind == EVIDENCE_FAILED ? 'F' : 'N', where, what);
}

static size_t verify(const char *path, const struct evidence_pubkey *k, struct evidence_verify_stats *st)
{
    struct evidence_verify_opts o = {.pubkey = k};
    struct err e;
    err_init(&e);
    buf_reset(&found);
    if (evidence_verify_path(path, &o, collect, NULL, st, &e) != 0) {
        fprintf(stderr, "  verify '%s': %s\n", path, e.msg);
        return 9999;
    }
    return st->failures;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (file_write_atomic(p, text, strlen(text), NULL))
        abort();
    free(p);
}

/* Without fsync: thousands of flips must stay fast. */
static void write_plain(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        abort();
}

/* A letter with n visits, each with a few files, manifests chained and signed. Returns the letter
 * folder (caller frees). */
static char *make_letter(const char *campaign, int64_t letter_id, int n, bool sign)
{
    char prev[DIGEST_HEX_LEN] = "";
    char *letter = NULL;
    for (int seq = 1; seq <= n; seq++) {
        char *rel = NULL;
        if (evidence_dir_make(root, campaign, "宝鸡市", letter_id, seq, seq == 1 ? "submit" : "check",
                              1700000000000LL + seq * 3600000LL, &rel, NULL))
            abort();
        char *dir = xasprintf("%s/%s", root, rel);
        char text[128];
        snprintf(text, sizeof text, "visit %d of letter %lld: 市长信箱 页面文本\n", seq, (long long)letter_id);
        write_file(dir, "page.txt", text);
        write_file(dir, "page.mhtml", "MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\n<html>x</html>\r\n");
        write_file(dir, "meta.json", "{\"url\": \"http://127.0.0.1/jact/front/mailpubdetail.do?transactId=7\"}\n");
        char sha[DIGEST_HEX_LEN];
        struct err e;
        err_init(&e);
        if (evidence_manifest_write(dir, "HX-TOKEN-1", seq == 1 ? NULL : prev, 1700000000000LL + seq * 3600000LL,
                                    sha, &e))
            abort();
        memcpy(prev, sha, sizeof prev);
        if (sign && evidence_sign_manifest(dir, key_path, &e)) {
            fprintf(stderr, "sign: %s\n", e.msg);
            abort();
        }
        if (seq == n) {
            letter = xstrdup(dir);
            *strrchr(letter, '/') = '\0';
        }
        free(dir);
        free(rel);
    }
    return letter;
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/huixin-evsign-XXXXXX");
    if (!mkdtemp(root))
        abort();
    buf_init(&found);
    char fpr[DIGEST_HEX_LEN];
    struct err e;
    err_init(&e);
    char *keydir = xasprintf("%s/keys", root);
    if (evidence_key_generate(keydir, fpr, &key_path, &pub_path, &e)) {
        fprintf(stderr, "keygen: %s\n", e.msg);
        abort();
    }
    free(keydir);
}

static void test_keygen_makes_private_0600_and_refuses_overwrite(void)
{
    struct stat st;
    REQUIRE(stat(key_path, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    REQUIRE(stat(pub_path, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0644);
    char *text = NULL;
    REQUIRE(file_read_all(key_path, &text, NULL, NULL) == 0);
    CHECK(strncmp(text, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    free(text);
    REQUIRE(file_read_all(pub_path, &text, NULL, NULL) == 0);
    CHECK(strncmp(text, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    free(text);
    char fpr[DIGEST_HEX_LEN];
    struct err e;
    err_init(&e);
    char *keydir = xasprintf("%s/keys", root);
    CHECK(evidence_key_generate(keydir, fpr, NULL, NULL, &e) != 0);
    CHECK(strstr(e.msg, "already exists") != NULL);
    free(keydir);
    /* the public key and the private key name the same fingerprint */
    struct evidence_pubkey *a = NULL, *b = NULL;
    REQUIRE(evidence_pubkey_load(pub_path, &a, NULL) == 0);
    REQUIRE(evidence_pubkey_load(key_path, &b, NULL) == 0);
    CHECK_STR(evidence_pubkey_fingerprint(a), evidence_pubkey_fingerprint(b));
    evidence_pubkey_free(a);
    evidence_pubkey_free(b);
}

static void test_signed_letter_verifies(void)
{
    char *letter = make_letter("ok", 1, 3, true);
    struct evidence_pubkey *k = NULL;
    REQUIRE(evidence_pubkey_load(pub_path, &k, NULL) == 0);
    struct evidence_verify_stats st;
    CHECK_INT(verify(letter, k, &st), 0);
    CHECK_INT(st.visits, 3);
    CHECK_INT(st.visits_ok, 3);
    CHECK_INT(st.signatures_checked, 3);
    if (st.failures)
        fprintf(stderr, "%s", buf_str(&found));
    /* without a key: parsed, said to be unchecked, not a failure */
    CHECK_INT(verify(letter, NULL, &st), 0);
    CHECK_INT(st.signatures_unchecked, 3);
    CHECK(strstr(buf_str(&found), "signature not checked") != NULL);
    evidence_pubkey_free(k);
    free(letter);
}

struct visit_list {
    char *dirs[16];
    char *wheres[16];
    size_t n;
};

static int collect_visit(const char *dir, const char *where, void *user)
{
    struct visit_list *l = user;
    if (l->n < ARRAY_LEN(l->dirs)) {
        l->dirs[l->n] = xstrdup(dir);
        l->wheres[l->n++] = xstrdup(where);
    }
    return 0;
}

static void visit_list_release(struct visit_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->dirs[i]);
        free(l->wheres[i]);
    }
}

/* The byte after i to flip: every stride-th, and the last one always. */
static size_t next_spot(size_t i, size_t len, size_t stride)
{
    if (i + 1 >= len)
        return len;
    return i + stride < len ? i + stride : len - 1;
}

static void test_every_flipped_byte_fails(void)
{
    char *letter = make_letter("flip", 2, 3, true);
    struct evidence_pubkey *k = NULL;
    REQUIRE(evidence_pubkey_load(pub_path, &k, NULL) == 0);
    struct evidence_verify_stats st;
    REQUIRE(verify(letter, k, &st) == 0);
    struct visit_list visits = {{0}, {0}, 0};
    REQUIRE(evidence_visits_each(letter, collect_visit, &visits, NULL, NULL) == 0);
    REQUIRE(visits.n == 3);
    static const char *const names[] = {"page.txt", "page.mhtml", "meta.json", "manifest.json", "manifest.sig"};
    static const unsigned char masks[] = {0x01, 0x80};
    size_t flips = 0, missed = 0, misplaced = 0;
    /* every byte; under the sanitizers (make check, each verify ten times slower) every Nth and the last */
    const char *stride_env = getenv("HUIXIN_TEST_FLIP_STRIDE");
    size_t stride = stride_env ? strtoul(stride_env, NULL, 10) : 1;
    if (stride < 1)
        stride = 1;
    for (size_t v = 0; v < visits.n; v++) {
        for (size_t f = 0; f < ARRAY_LEN(names); f++) {
            char *path = xasprintf("%s/%s", visits.dirs[v], names[f]);
            char *orig = NULL;
            size_t len = 0;
            REQUIRE(file_read_all(path, &orig, &len, NULL) == 0);
            char *copy = xmalloc(len + 1);
            for (size_t i = 0; i < len; i = next_spot(i, len, stride)) {
                for (size_t m = 0; m < ARRAY_LEN(masks); m++) {
                    memcpy(copy, orig, len);
                    copy[i] = (char)(copy[i] ^ masks[m]);
                    write_plain(path, copy, len);
                    flips++;
                    if (verify(letter, k, &st) == 0) {
                        if (missed++ < 5)
                            fprintf(stderr, "  not caught: %s byte %zu ^ 0x%02x\n", path, i, masks[m]);
                    } else if (!strstr(buf_str(&found), visits.wheres[v])) {
                        misplaced++;
                    }
                }
            }
            REQUIRE(file_write_atomic(path, orig, len, NULL) == 0);
            free(copy);
            free(orig);
            free(path);
        }
    }
    CHECK(flips > 1000 / stride);
    CHECK_INT(missed, 0);
    CHECK_INT(misplaced, 0);
    CHECK_INT(verify(letter, k, &st), 0); /* restored */
    visit_list_release(&visits);
    evidence_pubkey_free(k);
    free(letter);
}

static void test_findings_name_the_file_and_the_check(void)
{
    char *letter = make_letter("named", 3, 3, true);
    struct evidence_pubkey *k = NULL;
    REQUIRE(evidence_pubkey_load(pub_path, &k, NULL) == 0);
    struct visit_list visits = {{0}, {0}, 0};
    REQUIRE(evidence_visits_each(letter, collect_visit, &visits, NULL, NULL) == 0);
    REQUIRE(visits.n == 3);
    struct evidence_verify_stats st;

    /* an extra file, then a missing one */
    write_file(visits.dirs[1], "extra.txt", "planted");
    CHECK_INT(verify(letter, k, &st), 1);
    char *want = xasprintf("F %s: unlisted file extra.txt\n", visits.wheres[1]);
    CHECK_STR(buf_str(&found), want);
    free(want);
    char *p = xasprintf("%s/extra.txt", visits.dirs[1]);
    unlink(p);
    free(p);
    p = xasprintf("%s/page.mhtml", visits.dirs[2]);
    char *saved = NULL;
    size_t saved_len = 0;
    REQUIRE(file_read_all(p, &saved, &saved_len, NULL) == 0);
    unlink(p);
    CHECK_INT(verify(letter, k, &st), 1);
    want = xasprintf("F %s: missing file page.mhtml\n", visits.wheres[2]);
    CHECK_STR(buf_str(&found), want);
    free(want);
    REQUIRE(file_write_atomic(p, saved, saved_len, NULL) == 0);
    free(saved);
    free(p);

    /* a changed page: the message gives both hashes */
    p = xasprintf("%s/page.txt", visits.dirs[0]);
    REQUIRE(file_read_all(p, &saved, &saved_len, NULL) == 0);
    saved[0] = (char)(saved[0] == 'v' ? 'V' : 'v');
    REQUIRE(file_write_atomic(p, saved, saved_len, NULL) == 0);
    char expected[DIGEST_HEX_LEN], actual[DIGEST_HEX_LEN];
    digest_sha256_hex(saved, saved_len, actual);
    saved[0] = 'v';
    digest_sha256_hex(saved, saved_len, expected);
    CHECK_INT(verify(letter, k, &st), 1);
    want = xasprintf("F %s: page.txt: sha256 mismatch (expected %s, found %s)\n", visits.wheres[0], expected, actual);
    CHECK_STR(buf_str(&found), want);
    free(want);
    REQUIRE(file_write_atomic(p, saved, saved_len, NULL) == 0);
    free(saved);
    free(p);
    CHECK_INT(verify(letter, k, &st), 0);

    /* a visit removed from the middle: a gap and a broken chain */
    char *moved = xasprintf("%s/removed", root);
    REQUIRE(rename(visits.dirs[1], moved) == 0);
    CHECK_INT(verify(letter, k, &st), 2);
    CHECK(strstr(buf_str(&found), "a visit is missing") != NULL);
    CHECK(strstr(buf_str(&found), "chain broken: previous_manifest_sha256 is ") != NULL);
    char *v1 = strrchr(visits.wheres[0], '/') + 1;
    want = xasprintf("but %s's manifest hashes to ", v1);
    CHECK(strstr(buf_str(&found), want) != NULL);
    free(want);
    REQUIRE(rename(moved, visits.dirs[1]) == 0);
    free(moved);

    /* another key; then no signature at all while a key is given */
    char *keydir = xasprintf("%s/keys2", root);
    char fpr[DIGEST_HEX_LEN];
    char *other_pub = NULL;
    REQUIRE(evidence_key_generate(keydir, fpr, NULL, &other_pub, NULL) == 0);
    struct evidence_pubkey *other = NULL;
    REQUIRE(evidence_pubkey_load(other_pub, &other, NULL) == 0);
    CHECK_INT(verify(letter, other, &st), 3);
    CHECK(strstr(buf_str(&found), "bad signature: signed by key ") != NULL);
    evidence_pubkey_free(other);
    free(other_pub);
    free(keydir);
    p = xasprintf("%s/manifest.sig", visits.dirs[2]);
    unlink(p);
    free(p);
    CHECK_INT(verify(letter, k, &st), 1);
    CHECK(strstr(buf_str(&found), "not signed (no manifest.sig)") != NULL);
    CHECK_INT(verify(letter, NULL, &st), 0);

    /* a single visit folder verifies alone */
    CHECK_INT(verify(visits.dirs[0], k, &st), 0);
    CHECK_INT(st.visits, 1);
    visit_list_release(&visits);
    evidence_pubkey_free(k);
    free(letter);
}

static void test_root_walks_every_letter(void)
{
    char *a = make_letter("walk", 10, 2, false);
    char *b = make_letter("walk", 11, 1, false);
    char *campaign = xasprintf("%s/walk", root);
    struct evidence_verify_stats st;
    CHECK_INT(verify(campaign, NULL, &st), 0);
    CHECK_INT(st.letters, 2);
    CHECK_INT(st.visits, 3);
    /* a broken first link: the first visit must name no predecessor */
    struct visit_list visits = {{0}, {0}, 0};
    REQUIRE(evidence_visits_each(b, collect_visit, &visits, NULL, NULL) == 0);
    char sha[DIGEST_HEX_LEN];
    REQUIRE(evidence_manifest_write(visits.dirs[0], "HX-TOKEN-1", "00ff", 0, sha, NULL) == 0);
    CHECK_INT(verify(campaign, NULL, &st), 1);
    CHECK(strstr(buf_str(&found), "/letter-11/001-submit-") != NULL);
    CHECK(strstr(buf_str(&found), "chain broken: previous_manifest_sha256 is 00ff but this is the letter's first "
                                  "visit (expected null)") != NULL);
    CHECK(strncmp(buf_str(&found), "F 宝鸡市/letter-11/001-submit-", strlen("F 宝鸡市/letter-11/001-submit-")) == 0);
    visit_list_release(&visits);
    char *empty = xasprintf("%s/nothing-here", root);
    REQUIRE(file_mkdir_p(empty, 0755, NULL) == 0);
    struct err e;
    err_init(&e);
    CHECK(evidence_verify_path(empty, NULL, NULL, NULL, &st, &e) == ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no evidence under") != NULL);
    free(empty);
    free(campaign);
    free(a);
    free(b);
}

static void test_sig_parse_is_strict(void)
{
    char *letter = make_letter("strict", 20, 1, true);
    struct visit_list visits = {{0}, {0}, 0};
    REQUIRE(evidence_visits_each(letter, collect_visit, &visits, NULL, NULL) == 0);
    char *p = xasprintf("%s/manifest.sig", visits.dirs[0]);
    char *text = NULL;
    size_t len = 0;
    REQUIRE(file_read_all(p, &text, &len, NULL) == 0);
    struct evidence_sig sig;
    struct err e;
    err_init(&e);
    CHECK_INT(evidence_sig_parse(text, len, &sig, &e), 0);
    /* the last base64 digit before "==" carries 4 unused bits: a change there must not pass */
    char *eq = strstr(text, "==\n");
    REQUIRE(eq != NULL);
    eq[-1] = (char)(eq[-1] ^ 0x01);
    err_init(&e);
    CHECK(evidence_sig_parse(text, len, &sig, &e) != 0);
    eq[-1] = (char)(eq[-1] ^ 0x01);
    err_init(&e);
    CHECK(evidence_sig_parse(text, len - 1, &sig, &e) != 0); /* no final newline */
    char *longer = xasprintf("%sextra: 1\n", text);
    err_init(&e);
    CHECK(evidence_sig_parse(longer, strlen(longer), &sig, &e) != 0);
    CHECK(strstr(e.msg, "after line 6") != NULL);
    free(longer);
    free(text);
    free(p);
    visit_list_release(&visits);
    free(letter);
}

static void test_signing_refuses_a_readable_key(void)
{
    char *letter = make_letter("mode", 30, 1, false);
    struct visit_list visits = {{0}, {0}, 0};
    REQUIRE(evidence_visits_each(letter, collect_visit, &visits, NULL, NULL) == 0);
    REQUIRE(chmod(key_path, 0644) == 0);
    struct err e;
    err_init(&e);
    CHECK(evidence_sign_manifest(visits.dirs[0], key_path, &e) == ERR_INPUT);
    CHECK(strstr(e.msg, "chmod 600") != NULL);
    REQUIRE(chmod(key_path, 0600) == 0);
    err_init(&e);
    CHECK_INT(evidence_sign_manifest(visits.dirs[0], key_path, &e), 0);
    visit_list_release(&visits);
    free(letter);
}

static const struct test_case cases[] = {
    {"keygen makes a 0600 private key and refuses to overwrite", test_keygen_makes_private_0600_and_refuses_overwrite},
    {"a signed letter verifies, and without a key says so", test_signed_letter_verifies},
    {"every flipped byte of every file fails", test_every_flipped_byte_fails},
    {"findings name the visit, the file and the check", test_findings_name_the_file_and_the_check},
    {"a campaign folder walks every letter", test_root_walks_every_letter},
    {"manifest.sig is parsed strictly, base64 canonical", test_sig_parse_is_strict},
    {"signing refuses a key readable by others", test_signing_refuses_a_readable_key},
};

int main(int argc, char **argv)
{
    setup();
    int rc = runner_main(argc, argv, cases, ARRAY_LEN(cases));
    file_remove_tree(root, NULL);
    free(key_path);
    free(pub_path);
    buf_release(&found);
    return rc;
}
