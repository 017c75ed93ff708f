/*
 * keys.h - key material for tests: RSA keys with self-signed client
 * certificates (the credential, JWT and Entra ID tests), certificates
 * signed by a throwaway CA (the mock's HTTPS), a private key as PEM text
 * (the signing key in a mock's state file), and PEM files with the modes
 * that credential files are checked for.
 */
#ifndef AKSNET_TEST_KEYS_H
#define AKSNET_TEST_KEYS_H

#include <stdbool.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A 2048-bit RSA key and a self-signed certificate for it. */
struct mt_key {
    EVP_PKEY *key;
    X509 *cert;
};

/*
 * Make k: the key by aksnet__jwt_new_rsa_key, the certificate with CN cn.
 * False on failure (k is then empty).  2048-bit keys are slow under ASan:
 * make them once per group.
 */
bool mt_key_new(struct mt_key *k, const char *cn);
void mt_key_free(struct mt_key *k);

/*
 * A certificate for key with CN cn, signed by signer as issuer (NULL:
 * self-signed), valid from an hour ago for 30 days: a CA's when ca, else a
 * server's for 127.0.0.1, ::1 and localhost.  NULL on failure.
 */
X509 *mt_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca);

/* A self-signed certificate for key (CN cn), as a client certificate of the tests; NULL on failure. */
X509 *mt_self_signed_cert(EVP_PKEY *key, const char *cn);

/* A new 2048-bit RSA private key as PEM text (unencrypted PKCS#8); NULL on failure.  Caller frees. */
char *mt_key_pem(void);

/*
 * Write to path, replacing what is there: key (encrypted with AES-256 under
 * password when password is not NULL), then cert, then cert2 (each may be
 * NULL); then chmod it to mode.  False on failure.
 */
bool mt_write_pem(const char *path, EVP_PKEY *key, const char *password, X509 *cert, X509 *cert2, mode_t mode);

#endif
