/*
 * keys.c - key material for tests (see keys.h).
 */
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "jwt.h"

/* Through the library's own key generator, so that its keys are the ones the tests trust. */
bool mt_key_new(struct mt_key *k, const char *cn)
{
    struct aksnet_error err;
    memset(k, 0, sizeof(*k));
    if (aksnet__jwt_new_rsa_key(2048, &k->key, &err) != AKSNET_OK)
        return false;
    k->cert = mt_self_signed_cert(k->key, cn);
    if (!k->cert) {
        mt_key_free(k);
        return false;
    }
    return true;
}

/* Group teardowns free what their setup made, whatever of it was made. */
void mt_key_free(struct mt_key *k)
{
    EVP_PKEY_free(k->key);
    X509_free(k->cert);
    memset(k, 0, sizeof(*k));
}

/* One function for every certificate the tests need, so that they all look alike to the code under test. */
X509 *mt_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *exts[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE" : "CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"},
        {"subjectAltName", ca ? NULL : "IP:127.0.0.1,IP:::1,DNS:localhost"},
        {"extendedKeyUsage", ca ? NULL : "serverAuth"},
    };
    for (size_t i = 0; i < 4; i++) {
        if (!exts[i][1])
            continue;
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        if (e) {
            X509_add_ext(x, e, -1);
            X509_EXTENSION_free(e);
        }
    }
    if (X509_sign(x, signer, EVP_sha256()) <= 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Client certificates need no CA: Entra ID (and the mock) trust the certificate itself. */
X509 *mt_self_signed_cert(EVP_PKEY *key, const char *cn)
{
    return mt_cert(key, key, NULL, cn, false);
}

/* A mock's state file carries its signing key as text. */
char *mt_key_pem(void)
{
    EVP_PKEY *key = NULL;
    struct aksnet_error err;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *pem = NULL;
    if (bio && aksnet__jwt_new_rsa_key(2048, &key, &err) == AKSNET_OK &&
        PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        pem = n > 0 ? strndup(data, (size_t)n) : NULL;
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

/* Credential files are refused for their mode and their content: tests write both on purpose. */
bool mt_write_pem(const char *path, EVP_PKEY *key, const char *password, X509 *cert, X509 *cert2, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = true;
    if (key)
        ok = PEM_write_PrivateKey(f, key, password ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL, (void *)password) == 1;
    if (ok && cert)
        ok = PEM_write_X509(f, cert) == 1;
    if (ok && cert2)
        ok = PEM_write_X509(f, cert2) == 1;
    return fclose(f) == 0 && ok && chmod(path, mode) == 0;
}
