/*
 * jwt.c - RS256/PS256 JSON Web Tokens, certificate thumbprints, PEM loading.
 *
 * OpenSSL does base64 (EVP_EncodeBlock/EVP_DecodeBlock), digests, RSA and
 * PEM; cJSON does JSON.  What is ours: the url-safe alphabet and optional
 * padding of base64url, the compact serialization, and the policy (which
 * algorithms, which key sizes, which PEM shapes are accepted).
 *
 * Every function that calls OpenSSL sets an error-queue mark first and pops
 * to it before returning, so failures here leave nothing behind in the
 * thread's queue for unrelated code (libcurl) to trip over.
 */
#include "jwt.h"
#include "utf8.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Largest input EVP_EncodeBlock can take without its int result overflowing. */
#define B64_MAX_RAW ((size_t)(INT_MAX / 4) * 3)
/* Largest RSA key generated: beyond this, keygen takes minutes. */
#define RSA_MAX_BITS 16384u

struct aksnet__jwt {
    cJSON *header;
    cJSON *claims;
    char *signing_input; /* "<header>.<claims>" exactly as received */
    size_t signing_input_len;
    unsigned char *signature;
    size_t signature_len;
};

/* ---- base64url ---------------------------------------------------------------- */

/*
 * EVP_EncodeBlock writes the standard alphabet with padding; JWS (RFC 7515
 * section 2) wants the url-safe one without, so translate in place and cut
 * at the first '='.
 */
char *aksnet__base64url_encode(const void *data, size_t len)
{
    if (len > B64_MAX_RAW || (!data && len))
        return NULL;
    unsigned char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    int n = len ? EVP_EncodeBlock(out, data, (int)len) : 0;
    size_t i = 0;
    for (; i < (size_t)n && out[i] != '='; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    out[i] = '\0';
    return (char *)out;
}

/* Only the url-safe alphabet: '+', '/', whitespace and '=' in the middle are refused. */
static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* The standard-alphabet spelling of a url-safe character. */
static char b64url_to_std(char c)
{
    return c == '-' ? '+' : c == '_' ? '/' : c;
}

/*
 * EVP_DecodeBlock wants the standard alphabet in whole groups of four and
 * counts padding as zero bytes; so translate, pad, decode, drop what the
 * padding added, and finally re-encode to refuse non-canonical input (stray
 * bits in the last character), which would let two different strings carry
 * the same signature.
 */
unsigned char *aksnet__base64url_decode(const char *text, size_t len, size_t *out_len)
{
    if (!out_len || (!text && len) || len > (size_t)INT_MAX - 4)
        return NULL;
    size_t pad = 0;
    while (pad < len && text[len - 1 - pad] == '=')
        pad++;
    size_t n = len - pad;
    if (pad > 2 || (pad && len % 4 != 0) || n % 4 == 1)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!b64url_char(text[i]))
            return NULL;
    }
    size_t full = (n + 3) / 4 * 4;
    size_t extra = full - n;
    unsigned char *std = malloc(full + 1);
    unsigned char *out = malloc(full / 4 * 3 + 1);
    if (!std || !out) {
        free(std);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        std[i] = (unsigned char)b64url_to_std(text[i]);
    memset(std + n, '=', extra);
    std[full] = '\0';
    int got = full ? EVP_DecodeBlock(out, std, (int)full) : 0;
    bool ok = got >= 0 && (size_t)got >= extra;
    size_t size = ok ? (size_t)got - extra : 0;
    if (ok && size) {
        /* canonical: the same bytes must encode back to the same characters */
        int back = EVP_EncodeBlock(std, out, (int)size);
        ok = back == (int)full;
        for (size_t i = 0; ok && i < n; i++)
            ok = std[i] == (unsigned char)b64url_to_std(text[i]);
    }
    OPENSSL_cleanse(std, full + 1);
    free(std);
    if (!ok) {
        OPENSSL_cleanse(out, full / 4 * 3 + 1);
        free(out);
        return NULL;
    }
    out[size] = '\0';
    *out_len = size;
    return out;
}

/* ---- shared helpers ------------------------------------------------------------- */

/* OpenSSL's own reason for the newest error, for messages; never key material. */
static const char *ossl_reason(void)
{
    const char *r = ERR_reason_error_string(ERR_peek_last_error());
    return r ? r : "unknown reason";
}

static const char *alg_name(aksnet__jwt_alg alg)
{
    return alg == AKSNET_JWT_PS256 ? "PS256" : "RS256";
}

/*
 * Both algorithms are RSA, and RFC 7518 section 3.3 sets the floor at 2048
 * bits; checking here gives a message instead of an OpenSSL failure (or,
 * worse, a success with a weak key).
 */
static aksnet_code check_rsa_key(EVP_PKEY *key, const char *what, struct aksnet_error *err)
{
    if (!key)
        return aksnet_error_set(err, AKSNET_EINVAL, "no %s key given", what);
    if (!EVP_PKEY_is_a(key, "RSA"))
        return aksnet_error_set(err, AKSNET_EINVAL, "the %s key is not an RSA key", what);
    int bits = EVP_PKEY_get_bits(key);
    if (bits < AKSNET_JWT_MIN_RSA_BITS)
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the %s key has %d bits; RS256 and PS256 need at least %d", what,
                                bits, AKSNET_JWT_MIN_RSA_BITS);
    return AKSNET_OK;
}

/*
 * Padding for each algorithm, set explicitly rather than left to defaults:
 * PS256 is RSA-PSS with SHA-256, MGF1-SHA-256 and a salt as long as the
 * digest (RFC 7518 section 3.5; what Entra ID checks).
 */
static bool set_padding(EVP_PKEY_CTX *pctx, aksnet__jwt_alg alg)
{
    if (alg == AKSNET_JWT_RS256)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

/* ---- signing ---------------------------------------------------------------------- */

/*
 * {"alg", "typ": "JWT"} then header_extra's members, copied.  "alg" from
 * the caller is refused (it would contradict the signature) and a repeated
 * name too (JSON with duplicate names is read differently by each parser).
 */
static aksnet_code build_header(aksnet__jwt_alg alg, const cJSON *extra, cJSON **out,
                                struct aksnet_error *err)
{
    if (extra && !cJSON_IsObject(extra))
        return aksnet_error_set(err, AKSNET_EINVAL, "the extra JWT header is not a JSON object");
    cJSON *hdr = cJSON_CreateObject();
    if (!hdr || !cJSON_AddStringToObject(hdr, "alg", alg_name(alg)) ||
        !cJSON_AddStringToObject(hdr, "typ", "JWT")) {
        cJSON_Delete(hdr);
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory building a JWT header");
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, extra)
    {
        const char *name = item->string;
        if (!name || strcmp(name, "alg") == 0 ||
            (strcmp(name, "typ") != 0 && cJSON_GetObjectItemCaseSensitive(hdr, name))) {
            cJSON_Delete(hdr);
            return aksnet_error_set(err, AKSNET_EINVAL,
                                    "the extra JWT header member \"%.64s\" is not allowed",
                                    name ? name : "");
        }
        cJSON *copy = cJSON_Duplicate(item, true);
        bool added = copy && (strcmp(name, "typ") == 0
                                  ? cJSON_ReplaceItemInObjectCaseSensitive(hdr, "typ", copy)
                                  : cJSON_AddItemToObject(hdr, name, copy));
        if (!added) {
            cJSON_Delete(copy);
            cJSON_Delete(hdr);
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory building a JWT header");
        }
    }
    *out = hdr;
    return AKSNET_OK;
}

/* base64url(JSON of obj), or NULL when out of memory. */
static char *encode_json(const cJSON *obj)
{
    char *json = cJSON_PrintUnformatted(obj);
    if (!json)
        return NULL;
    char *b64 = aksnet__base64url_encode(json, strlen(json));
    cJSON_free(json);
    return b64;
}

/* The raw signature of tbs under key; *sig is malloc'ed. */
static aksnet_code rsa_sign(EVP_PKEY *key, aksnet__jwt_alg alg, const char *tbs, size_t tbs_len,
                            unsigned char **sig, size_t *sig_len, struct aksnet_error *err)
{
    aksnet_code rc = AKSNET_OK;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (!mctx) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory signing a JWT");
        goto out;
    }
    if (EVP_DigestSignInit(mctx, &pctx, EVP_sha256(), NULL, key) != 1 || !set_padding(pctx, alg) ||
        EVP_DigestSign(mctx, NULL, &len, (const unsigned char *)tbs, tbs_len) != 1) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "cannot sign a JWT with %s: %s", alg_name(alg),
                              ossl_reason());
        goto out;
    }
    buf = malloc(len ? len : 1);
    if (!buf) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory signing a JWT");
        goto out;
    }
    if (EVP_DigestSign(mctx, buf, &len, (const unsigned char *)tbs, tbs_len) != 1) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "signing a JWT with %s failed: %s",
                              alg_name(alg), ossl_reason());
        goto out;
    }
    *sig = buf;
    *sig_len = len;
    buf = NULL;
out:
    free(buf);
    EVP_MD_CTX_free(mctx);
    return rc;
}

/* Compact serialization (RFC 7515 section 7.1): the three parts joined by '.'. */
aksnet_code aksnet__jwt_sign(EVP_PKEY *key, aksnet__jwt_alg alg, const cJSON *header_extra, const cJSON *claims,
                             char **out, struct aksnet_error *err)
{
    if (!out)
        return aksnet_error_set(err, AKSNET_EINVAL, "no place for the signed JWT");
    *out = NULL;
    if (alg != AKSNET_JWT_RS256 && alg != AKSNET_JWT_PS256)
        return aksnet_error_set(err, AKSNET_EINVAL, "unknown JWT algorithm %d", (int)alg);
    if (!cJSON_IsObject(claims))
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT claims are not a JSON object");
    ERR_set_mark();
    aksnet_code rc = check_rsa_key(key, "signing", err);
    cJSON *header = NULL;
    char *h64 = NULL, *c64 = NULL, *s64 = NULL, *tbs = NULL, *token = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    if (rc == AKSNET_OK)
        rc = build_header(alg, header_extra, &header, err);
    if (rc != AKSNET_OK)
        goto out;
    h64 = encode_json(header);
    c64 = encode_json(claims);
    if (!h64 || !c64) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory encoding a JWT");
        goto out;
    }
    size_t hlen = strlen(h64), clen = strlen(c64);
    tbs = malloc(hlen + 1 + clen + 1);
    if (!tbs) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory encoding a JWT");
        goto out;
    }
    memcpy(tbs, h64, hlen);
    tbs[hlen] = '.';
    memcpy(tbs + hlen + 1, c64, clen + 1);
    size_t tbs_len = hlen + 1 + clen;
    rc = rsa_sign(key, alg, tbs, tbs_len, &sig, &sig_len, err);
    if (rc != AKSNET_OK)
        goto out;
    s64 = aksnet__base64url_encode(sig, sig_len);
    size_t slen = s64 ? strlen(s64) : 0;
    token = s64 ? malloc(tbs_len + 1 + slen + 1) : NULL;
    if (!token) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory encoding a JWT");
        goto out;
    }
    memcpy(token, tbs, tbs_len);
    token[tbs_len] = '.';
    memcpy(token + tbs_len + 1, s64, slen + 1);
    *out = token;
out:
    cJSON_Delete(header);
    free(h64);
    free(c64);
    free(s64);
    free(tbs);
    free(sig);
    ERR_pop_to_mark();
    return rc;
}

/* ---- parsing and verification -------------------------------------------------- */

/*
 * One JSON part of a token: base64url, then a JSON object with nothing
 * after it.  A NUL inside the decoded text is refused, since cJSON would stop
 * there and ignore whatever follows.
 */
static aksnet_code parse_json_part(const char *text, size_t len, const char *what, cJSON **out,
                                   struct aksnet_error *err)
{
    size_t n = 0;
    unsigned char *raw = aksnet__base64url_decode(text, len, &n);
    if (!raw)
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT %s is not valid base64url", what);
    cJSON *obj = NULL;
    if (!memchr(raw, '\0', n))
        obj = cJSON_ParseWithOpts((const char *)raw, NULL, true);
    free(raw);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT %s is not a JSON object", what);
    }
    *out = obj;
    return AKSNET_OK;
}

/* Structure only; see the header.  The token itself never appears in a message. */
aksnet_code aksnet__jwt_parse(const char *token, struct aksnet__jwt **out, struct aksnet_error *err)
{
    if (!out)
        return aksnet_error_set(err, AKSNET_EINVAL, "no place for the parsed JWT");
    *out = NULL;
    if (!token)
        return aksnet_error_set(err, AKSNET_EINVAL, "no JWT given");
    size_t len = strnlen(token, (size_t)AKSNET_JWT_MAX_LEN + 1);
    if (len > AKSNET_JWT_MAX_LEN)
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT is longer than %d characters",
                                AKSNET_JWT_MAX_LEN);
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the JWT does not have three parts separated by '.'");
    struct aksnet__jwt *jwt = calloc(1, sizeof(*jwt));
    if (!jwt)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory parsing a JWT");
    aksnet_code rc = parse_json_part(token, (size_t)(dot1 - token), "header", &jwt->header, err);
    if (rc == AKSNET_OK)
        rc = parse_json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1), "claims", &jwt->claims, err);
    if (rc != AKSNET_OK)
        goto fail;
    const char *sig = dot2 + 1;
    jwt->signature = aksnet__base64url_decode(sig, len - (size_t)(sig - token), &jwt->signature_len);
    if (!jwt->signature) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "the JWT signature is not valid base64url");
        goto fail;
    }
    jwt->signing_input_len = (size_t)(dot2 - token);
    jwt->signing_input = malloc(jwt->signing_input_len + 1);
    if (!jwt->signing_input) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory parsing a JWT");
        goto fail;
    }
    memcpy(jwt->signing_input, token, jwt->signing_input_len);
    jwt->signing_input[jwt->signing_input_len] = '\0';
    *out = jwt;
    return AKSNET_OK;
fail:
    aksnet__jwt_free(jwt);
    return rc;
}

/*
 * The algorithm comes from the token but only two values are honoured, both
 * bound to RSA keys, so an attacker cannot switch to "none" or to HMAC keyed
 * with the public key.
 */
aksnet_code aksnet__jwt_verify(const struct aksnet__jwt *jwt, EVP_PKEY *public_key, struct aksnet_error *err)
{
    if (!jwt)
        return aksnet_error_set(err, AKSNET_EINVAL, "no JWT given");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(jwt->header, "alg");
    char shown[33]; /* the token's own "alg", fit to show */
    if (!cJSON_IsString(a))
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT header has no \"alg\"");
    aksnet__jwt_alg alg;
    if (strcmp(a->valuestring, "RS256") == 0)
        alg = AKSNET_JWT_RS256;
    else if (strcmp(a->valuestring, "PS256") == 0)
        alg = AKSNET_JWT_PS256;
    else
        return aksnet_error_set(err, AKSNET_EINVAL, "the JWT algorithm \"%s\" is not accepted (RS256 or PS256 only)",
                                aksnet__utf8_sanitize(shown, sizeof(shown), a->valuestring));
    if (cJSON_GetObjectItemCaseSensitive(jwt->header, "crit"))
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the JWT header has \"crit\" extensions, none of which are understood");
    ERR_set_mark();
    aksnet_code rc = check_rsa_key(public_key, "verification", err);
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (rc != AKSNET_OK)
        goto out;
    mctx = EVP_MD_CTX_new();
    if (!mctx) {
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory verifying a JWT");
        goto out;
    }
    if (EVP_DigestVerifyInit(mctx, &pctx, EVP_sha256(), NULL, public_key) != 1 ||
        !set_padding(pctx, alg)) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "cannot verify a %s JWT: %s", alg_name(alg),
                              ossl_reason());
        goto out;
    }
    if (EVP_DigestVerify(mctx, jwt->signature, jwt->signature_len,
                         (const unsigned char *)jwt->signing_input, jwt->signing_input_len) != 1)
        rc = aksnet_error_set(err, AKSNET_EAUTH,
                              "the JWT's %s signature does not match the key", alg_name(alg));
out:
    EVP_MD_CTX_free(mctx);
    ERR_pop_to_mark();
    return rc;
}

const cJSON *aksnet__jwt_header(const struct aksnet__jwt *jwt)
{
    return jwt ? jwt->header : NULL;
}

const cJSON *aksnet__jwt_claims(const struct aksnet__jwt *jwt)
{
    return jwt ? jwt->claims : NULL;
}

void aksnet__jwt_free(struct aksnet__jwt *jwt)
{
    if (!jwt)
        return;
    cJSON_Delete(jwt->header);
    cJSON_Delete(jwt->claims);
    free(jwt->signing_input);
    free(jwt->signature);
    free(jwt);
}

/* ---- certificates and keys ----------------------------------------------------- */

/* X509_digest hashes the DER encoding, which is what x5t and x5t#S256 name. */
aksnet_code aksnet__jwt_thumbprint(X509 *cert, bool sha256, char **out, struct aksnet_error *err)
{
    if (!out)
        return aksnet_error_set(err, AKSNET_EINVAL, "no place for the thumbprint");
    *out = NULL;
    if (!cert)
        return aksnet_error_set(err, AKSNET_EINVAL, "no certificate given");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    ERR_set_mark();
    int ok = X509_digest(cert, sha256 ? EVP_sha256() : EVP_sha1(), md, &md_len);
    aksnet_code rc = AKSNET_OK;
    if (!ok)
        rc = aksnet_error_set(err, AKSNET_EINVAL, "cannot compute the certificate thumbprint: %s",
                              ossl_reason());
    ERR_pop_to_mark();
    if (rc != AKSNET_OK)
        return rc;
    *out = aksnet__base64url_encode(md, md_len);
    if (!*out)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory encoding a thumbprint");
    return AKSNET_OK;
}

/* What the password callback was given and whether OpenSSL asked for it. */
struct password_ctx {
    const char *password;
    bool asked;
};

/*
 * OpenSSL's PEM callback.  Always installed, so that an encrypted key never
 * falls back to prompting on the terminal; no password, or one longer than
 * OpenSSL's buffer, is refused rather than truncated.  OpenSSL cleanses buf.
 */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    struct password_ctx *ctx = u;
    ctx->asked = true;
    if (!ctx->password || size <= 0)
        return -1;
    size_t n = strlen(ctx->password);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, ctx->password, n);
    return (int)n;
}

/*
 * Whether any PEM block is named "... PRIVATE KEY", to tell "there is no
 * key" from "the key is damaged" (OpenSSL's decoders report both as
 * "unsupported").  The decoded block holds key material: cleansed before free.
 */
static bool pem_has_private_key(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    bool found = false;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    while (bio && !found && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
        size_t n = strlen(name);
        found = n >= 11 && strcmp(name + n - 11, "PRIVATE KEY") == 0;
        OPENSSL_cleanse(data, (size_t)dlen);
        OPENSSL_free(data);
        OPENSSL_free(header);
        OPENSSL_free(name);
    }
    BIO_free(bio);
    return found;
}

/* True if the newest OpenSSL error only says "no more PEM blocks". */
static bool pem_at_end(void)
{
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/*
 * The first private key in the PEM.  OpenSSL skips blocks of other types, so
 * the certificate may come first.  Messages say what is wrong in words and
 * never echo the PEM or the password.
 */
static aksnet_code read_key(const char *pem, size_t len, const char *password, EVP_PKEY **out,
                            struct aksnet_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory reading PEM");
    struct password_ctx ctx = {password, false};
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, password_cb, &ctx);
    BIO_free(bio);
    if (key) {
        *out = key;
        return AKSNET_OK;
    }
    if (ctx.asked && !password)
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the private key is encrypted and no password was given");
    if (ctx.asked)
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the private key could not be decrypted (wrong password?)");
    if (!pem_has_private_key(pem, len))
        return aksnet_error_set(err, AKSNET_EINVAL, "no private key found in the PEM");
    return aksnet_error_set(err, AKSNET_EINVAL, "the private key in the PEM could not be read: %s",
                            ossl_reason());
}

/*
 * Every certificate in the PEM, keeping the first one, or the first that
 * matches key when a key is given (a file may carry the chain as well).
 * *found tells whether there was any certificate at all.
 */
static aksnet_code read_cert(const char *pem, size_t len, EVP_PKEY *key, X509 **out, bool *found,
                             struct aksnet_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory reading PEM");
    struct password_ctx ctx = {NULL, false};
    X509 *chosen = NULL, *x;
    *found = false;
    while ((x = PEM_read_bio_X509(bio, NULL, password_cb, &ctx)) != NULL) {
        *found = true;
        if (!chosen && (!key || EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1)) {
            chosen = x;
            continue;
        }
        X509_free(x);
    }
    BIO_free(bio);
    if (!pem_at_end()) {
        X509_free(chosen);
        return aksnet_error_set(err, AKSNET_EINVAL, "a certificate in the PEM could not be read: %s",
                                ossl_reason());
    }
    *out = chosen;
    return AKSNET_OK;
}

/* See the header: the key first (if wanted), then the certificate that matches it. */
aksnet_code aksnet__jwt_load_pem(const char *pem, size_t len, const char *password, EVP_PKEY **key, X509 **cert,
                                 struct aksnet_error *err)
{
    if (key)
        *key = NULL;
    if (cert)
        *cert = NULL;
    if (!key && !cert)
        return aksnet_error_set(err, AKSNET_EINVAL, "neither a key nor a certificate was asked for");
    if (!pem || len == 0)
        return aksnet_error_set(err, AKSNET_EINVAL, "the PEM is empty");
    if (len > INT_MAX)
        return aksnet_error_set(err, AKSNET_EINVAL, "the PEM is too large");
    ERR_set_mark();
    EVP_PKEY *k = NULL;
    X509 *c = NULL;
    bool any_cert = false;
    aksnet_code rc = key ? read_key(pem, len, password, &k, err) : AKSNET_OK;
    if (rc == AKSNET_OK)
        rc = read_cert(pem, len, k, &c, &any_cert, err);
    if (rc == AKSNET_OK && any_cert && !c)
        rc = aksnet_error_set(err, AKSNET_EINVAL,
                              "the private key does not match the certificate in the PEM");
    else if (rc == AKSNET_OK && cert && !c)
        rc = aksnet_error_set(err, AKSNET_EINVAL, "no certificate found in the PEM");
    ERR_pop_to_mark();
    if (rc != AKSNET_OK) {
        EVP_PKEY_free(k);
        X509_free(c);
        return rc;
    }
    if (key)
        *key = k;
    if (cert)
        *cert = c;
    else
        X509_free(c);
    return AKSNET_OK;
}

/* EVP_RSA_gen with the default exponent 65537, within sizes that make sense for JWTs. */
aksnet_code aksnet__jwt_new_rsa_key(unsigned bits, EVP_PKEY **out, struct aksnet_error *err)
{
    if (!out)
        return aksnet_error_set(err, AKSNET_EINVAL, "no place for the new key");
    *out = NULL;
    if (bits < AKSNET_JWT_MIN_RSA_BITS || bits > RSA_MAX_BITS)
        return aksnet_error_set(err, AKSNET_EINVAL, "an RSA key of %u bits is not supported (%d..%u)",
                                bits, AKSNET_JWT_MIN_RSA_BITS, RSA_MAX_BITS);
    ERR_set_mark();
    EVP_PKEY *key = EVP_RSA_gen(bits);
    aksnet_code rc = AKSNET_OK;
    if (!key)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "generating an RSA key failed: %s", ossl_reason());
    ERR_pop_to_mark();
    *out = key;
    return rc;
}
