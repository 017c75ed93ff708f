/*
 * jwt.h - JSON Web Tokens signed with RSA, and the PEM and base64url
 * helpers around them.
 *
 * Two users: the client signs the certificate assertion Entra ID asks for
 * (RS256 with "x5t", or PS256 with "x5t#S256"); the mock server issues and
 * checks access tokens and verifies client assertions against a registered
 * certificate.  Only RS256 and PS256 exist here: "none", HMAC and every other
 * algorithm are refused, so a token can never choose a weaker check than the
 * verifier meant.  OpenSSL does the cryptography, cJSON the JSON.
 *
 * Messages never quote a token, a key or a password: a token is a bearer
 * credential and would end up in logs.
 */
#ifndef AKSNET_JWT_H
#define AKSNET_JWT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/types.h>

#include "aksnet/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest compact token aksnet__jwt_parse accepts, in characters. */
#define AKSNET_JWT_MAX_LEN 16384
/** Smallest RSA key signed or verified with (RFC 7518 section 3.3 asks for 2048 bits). */
#define AKSNET_JWT_MIN_RSA_BITS 2048

/**
 * base64url (RFC 4648 section 5) of len bytes, without padding, as JWTs
 * write it.  data may be NULL when len is 0.  Returns a NUL-terminated string
 * the caller releases with free(), or NULL when out of memory or len is
 * absurdly large.
 */
char *aksnet__base64url_encode(const void *data, size_t len);

/**
 * Decode len characters of base64url.  Padding ("=") is optional but, when
 * present, must complete the last group exactly; any character outside
 * A-Z a-z 0-9 - _ (including '+', '/' and whitespace), a length that leaves a
 * single character in the last group, and unused bits that are not zero are
 * refused with NULL.  On success returns the bytes, with a NUL after them so
 * text can be used as a string, and stores their count in *out_len; the caller
 * releases them with free().
 */
unsigned char *aksnet__base64url_decode(const char *text, size_t len, size_t *out_len);

/** The JWS algorithms aksnet signs and verifies with. */
typedef enum {
    AKSNET_JWT_RS256, /**< RSASSA-PKCS1-v1_5 with SHA-256 */
    AKSNET_JWT_PS256  /**< RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt */
} aksnet__jwt_alg;

/**
 * Sign claims (a JSON object) into a compact JWT.  The header is
 * {"alg": ..., "typ": "JWT"} followed by every member of header_extra (may be
 * NULL), e.g. "x5t", "x5t#S256", "kid"; a "typ" there replaces "JWT", an
 * "alg" there is refused.  key is an RSA private key of at least
 * AKSNET_JWT_MIN_RSA_BITS.  On success *out is a string the caller releases
 * with free().
 */
aksnet_code aksnet__jwt_sign(EVP_PKEY *key, aksnet__jwt_alg alg, const cJSON *header_extra, const cJSON *claims,
                             char **out, struct aksnet_error *err);

/** A parsed, not yet verified token; see aksnet__jwt_parse.  Opaque. */
struct aksnet__jwt;

/**
 * Split a compact token (at most AKSNET_JWT_MAX_LEN characters) into its
 * header and claims, both of which must be JSON objects, and its signature.
 * This checks the structure only: nothing in it is trustworthy before
 * aksnet__jwt_verify succeeds.  On success the caller releases *out with
 * aksnet__jwt_free().
 */
aksnet_code aksnet__jwt_parse(const char *token, struct aksnet__jwt **out, struct aksnet_error *err);

/**
 * Check the signature of jwt with an RSA public (or private) key.  The
 * header's "alg" must be "RS256" or "PS256"; a "crit" header is refused (no
 * extension is understood).  Returns AKSNET_OK when the signature holds,
 * AKSNET_EAUTH when it does not (wrong key or altered token), and
 * AKSNET_EINVAL for an algorithm or key that is not accepted.  Claims such as
 * "exp", "nbf" and "aud" are the caller's to check.
 */
aksnet_code aksnet__jwt_verify(const struct aksnet__jwt *jwt, EVP_PKEY *public_key, struct aksnet_error *err);

/** The header object of a parsed token; owned by jwt. */
const cJSON *aksnet__jwt_header(const struct aksnet__jwt *jwt);

/** The claims object of a parsed token; owned by jwt. */
const cJSON *aksnet__jwt_claims(const struct aksnet__jwt *jwt);

/** Release a token from aksnet__jwt_parse.  NULL is allowed. */
void aksnet__jwt_free(struct aksnet__jwt *jwt);

/**
 * The certificate thumbprint a JWT header names its certificate by:
 * base64url of the SHA-1 (sha256 false: "x5t") or SHA-256 (sha256 true:
 * "x5t#S256") digest of the DER certificate.  The caller frees *out with free().
 */
aksnet_code aksnet__jwt_thumbprint(X509 *cert, bool sha256, char **out, struct aksnet_error *err);

/**
 * Read a private key and/or a certificate from len bytes of PEM, in either
 * order, as AZURE_CLIENT_CERTIFICATE_PATH files hold them.  The key may be
 * encrypted (PKCS#8 or traditional), with password; password may be NULL,
 * and nobody is ever prompted.  Pass NULL for key or cert when it is not
 * wanted; what is asked for must be present.  When the file holds several
 * certificates, the one matching the key is taken; when it holds a key and no
 * certificate matches it, that is an error.  On success the caller releases
 * *key with EVP_PKEY_free() and *cert with X509_free().
 */
aksnet_code aksnet__jwt_load_pem(const char *pem, size_t len, const char *password, EVP_PKEY **key, X509 **cert,
                                 struct aksnet_error *err);

/**
 * Generate an RSA key of bits (AKSNET_JWT_MIN_RSA_BITS .. 16384), for the
 * mock's token signing and for tests.  The caller frees *out with EVP_PKEY_free().
 */
aksnet_code aksnet__jwt_new_rsa_key(unsigned bits, EVP_PKEY **out, struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
